/**
 * kube-controller-manager: one actor hosting the controllers as child actors, each registered as
 * `kube-controller-manager/<name>`. They share its port (one identity, one connection to the API
 * server, as upstream shares one client), so every API event it receives is forwarded to all of
 * them and each takes what belongs to its own informers and requests. As upstream with its default
 * --leader-elect, it first wins the kube-system/kube-controller-manager Lease (`electing`, a
 * leader-election child actor), only then starts its controllers; it is `starting` until every
 * controller has synced its informers, then `running`. Losing the Lease ends the process
 * ("leaderelection lost"); the kubelet starts it again and it must win the Lease anew.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { LEADER_ELECTION_TAG, leaderElectionMachine, type LeaderElectionParentEvent } from '../client/leader-election.ts';
import type { ControllerManagerFlags, ControllerRunning } from './controller.ts';
import { deploymentControllerMachine } from './deployment.ts';
import { endpointSliceControllerMachine } from './endpointslice.ts';
import { garbageCollectorMachine } from './garbagecollector.ts';
import { nodeIpamControllerMachine } from './nodeipam.ts';
import { nodeLifecycleControllerMachine } from './nodelifecycle.ts';
import { replicaSetControllerMachine } from './replicaset.ts';
import { taintEvictionControllerMachine } from './tainteviction.ts';

/** The controllers kubelife runs, by their --controllers names, in start order. */
export const CONTROLLERS = {
  replicaset: replicaSetControllerMachine,
  deployment: deploymentControllerMachine,
  endpointslice: endpointSliceControllerMachine,
  nodeipam: nodeIpamControllerMachine,
  'garbage-collector': garbageCollectorMachine,
  nodelifecycle: nodeLifecycleControllerMachine,
  'taint-eviction-controller': taintEvictionControllerMachine,
} as const;

export type ControllerName = keyof typeof CONTROLLERS;

function isControllerName(name: string): name is ControllerName {
  return Object.prototype.hasOwnProperty.call(CONTROLLERS, name);
}

export const KUBE_CONTROLLER_MANAGER = 'kube-controller-manager';

export interface KubeControllerManagerContext {
  port: ApiPort;
  controllers: ControllerName[];
  /** Controllers whose informers have synced (by child actor id). */
  running: string[];
  flags: ControllerManagerFlags;
  hostname: string;
}

export interface KubeControllerManagerInput {
  port: ApiPort;
  /** Which controllers to run; all of CONTROLLERS when omitted. */
  controllers?: string[];
  flags?: ControllerManagerFlags;
  /** The node it runs on (the first half of its leader-election identity); control-plane by default. */
  hostname?: string;
}

export const kubeControllerManagerMachine = setup({
  types: {
    context: {} as KubeControllerManagerContext,
    input: {} as KubeControllerManagerInput,
    events: {} as ApiEvent | ControllerRunning | LeaderElectionParentEvent,
  },
  actors: { ...CONTROLLERS, leaderElection: leaderElectionMachine },
  actions: {
    elect: enqueueActions(({ context, enqueue }) => {
      enqueue.spawnChild('leaderElection', {
        id: 'leader-election', systemId: `${KUBE_CONTROLLER_MANAGER}/leader-election`,
        input: { port: context.port, lease: KUBE_CONTROLLER_MANAGER, component: KUBE_CONTROLLER_MANAGER, hostname: context.hostname },
      });
    }),
    toElector: enqueueActions(({ event, enqueue }) => enqueue.sendTo('leader-election', event)),
    exit: ({ context }) => context.port.exit('leaderelection lost'),
    spawnControllers: enqueueActions(({ context, enqueue }) => {
      for (const name of context.controllers) {
        enqueue.spawnChild(name, { id: name, systemId: `${KUBE_CONTROLLER_MANAGER}/${name}`, input: { port: context.port, flags: context.flags } });
      }
    }),
    forward: enqueueActions(({ context, event, enqueue }) => {
      for (const name of context.controllers) enqueue.sendTo(name, event);
    }),
    markRunning: assign(({ context, event }) => {
      const name = (event as ControllerRunning).name;
      return context.running.includes(name) ? {} : { running: [...context.running, name] };
    }),
  },
  guards: {
    forElector: ({ event }) => 'tag' in event && event.tag.startsWith(LEADER_ELECTION_TAG),
    allRunning: ({ context }) => context.running.length === context.controllers.length,
  },
}).createMachine({
  id: KUBE_CONTROLLER_MANAGER,
  context: ({ input }) => {
    const names = input.controllers ?? Object.keys(CONTROLLERS);
    const controllers: ControllerName[] = [];
    for (const c of names) {
      if (!isControllerName(c)) throw new Error(`unknown controller "${c}" (known: ${Object.keys(CONTROLLERS).join(', ')})`);
      if (controllers.includes(c)) throw new Error(`controller "${c}" is listed twice`);
      controllers.push(c);
    }
    return { port: input.port, controllers, running: [], flags: input.flags ?? {}, hostname: input.hostname ?? 'control-plane' };
  },
  initial: 'electing',
  entry: 'elect',
  on: {
    'api.*': { guard: 'forElector', actions: 'toElector' },
    'leader.lost': { actions: 'exit' },
  },
  states: {
    electing: { on: { 'leader.elected': 'starting' } },
    starting: {
      entry: 'spawnControllers',
      always: { guard: 'allRunning', target: 'running' },
      on: {
        'controller.running': { actions: 'markRunning' },
        'api.*': [{ guard: 'forElector', actions: 'toElector' }, { actions: 'forward' }],
      },
    },
    running: { on: { 'api.*': [{ guard: 'forElector', actions: 'toElector' }, { actions: 'forward' }] } },
  },
});
