/**
 * The shape every controller of kube-controller-manager shares, as one XState machine factory:
 * informers feed a work queue; the worker takes one key at a time (`idle` -> `syncing` -> `idle`);
 * a second region sleeps until the earliest delayed key is due (retries, expectation timeouts,
 * minReadySeconds) and then releases it. The decisions live in each controller's logic module;
 * the controller object owns its informers and queue and turns decisions into requests.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Delta, Informer } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { WorkQueue } from './queue.ts';
import { WriteExpectations } from './writes.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';

/** What a controller supplies to the machine. */
export interface Controller {
  readonly queue: WorkQueue;
  /** Starts the informers (list, then watch). */
  start(): void;
  /** True once every informer has listed. */
  synced(): boolean;
  /** Feeds an API event (informer list/watch traffic and responses to the controller's requests). */
  handle(e: ApiEvent): void;
  /** Reconciles one key. */
  sync(key: string): void;
}

/** An informer and what to do with each change it reports. */
export type InformerRoute = readonly [informer: Informer, onDelta: (d: Delta) => void];

/**
 * The plumbing the informer-driven controllers share: a work queue, write expectations, and the
 * requests in flight (`P` is what is remembered about each). Informer traffic goes to the route of
 * the informer that owns it; a response goes to `onResponse` with the request it answers.
 */
export abstract class InformerController<P> implements Controller {
  readonly queue = new WorkQueue();
  protected readonly writes = new WriteExpectations();
  protected readonly requests = new Map<string, P>();
  /** In start order; the first informer that owns an event gets it. */
  protected abstract readonly routes: readonly InformerRoute[];

  /** `bugs`: the bug zoo's switches (machines/bugs.ts); none in the correct model. */
  constructor(protected readonly port: ApiPort, protected readonly bugs: Bugs = NO_BUGS) {}

  start(): void {
    for (const [informer] of this.routes) informer.start(this.port);
  }

  synced(): boolean {
    // Bug zoo: act once the first informer has listed, before the others have (a restarted controller on a half-empty cache).
    if (this.bugs.has('controller-acts-before-cache-sync')) return this.routes[0]?.[0].synced ?? true;
    return this.routes.every(([informer]) => informer.synced);
  }

  handle(e: ApiEvent): void {
    for (const [informer, onDelta] of this.routes) {
      if (!informer.owns(e)) continue;
      for (const d of informer.handle(e, this.port)) onDelta(d);
      return;
    }
    if (e.type !== 'api.response') return;
    const p = this.requests.get(e.requestId);
    if (!p) return;
    this.requests.delete(e.requestId);
    this.onResponse(p, e.code, e.body);
  }

  abstract sync(key: string): void;

  protected abstract onResponse(p: P, code: number, body: unknown): void;

  /**
   * The common start of a sync: a key with nothing to reconcile (`obj` undefined) is forgotten; one
   * whose last write the informers have not yet seen waits for that (or for it to expire).
   */
  protected readyToSync<T>(key: string, obj: T | undefined, nowMs: number): obj is T {
    if (obj === undefined) {
      this.writes.forget(key);
      this.queue.forget(key);
      return false;
    }
    if (!this.writes.satisfied(key, nowMs)) {
      this.queue.addAfter(key, this.writes.expiresAt(key) ?? nowMs);
      return false;
    }
    return true;
  }
}

export interface ControllerContext<C extends Controller = Controller> {
  port: ApiPort;
  controller: C;
  /** The virtual time the requeue timer was armed for. */
  armedForMs: number | undefined;
  syncs: number;
}

export interface ControllerInput {
  port: ApiPort;
  /** kube-controller-manager flags that some controllers read (e.g. --cluster-cidr). */
  flags?: ControllerManagerFlags;
}

export interface ControllerManagerFlags {
  /** Bugs planted on purpose (the checker's bug zoo, machines/bugs.ts); none by default. */
  bugs?: Bugs;
  /** --cluster-cidr (default 10.244.0.0/16, as kind uses). */
  clusterCIDR?: string;
  /** --node-cidr-mask-size (default 24). */
  nodeCIDRMaskSize?: number;
  /** --node-monitor-period in seconds (default 5). */
  nodeMonitorPeriod?: number;
  /** --node-monitor-grace-period in seconds (default 50, as of 1.32). */
  nodeMonitorGracePeriod?: number;
  /** --node-startup-grace-period in seconds (default 60). */
  nodeStartupGracePeriod?: number;
  /** --node-eviction-rate: NoExecute taints per second per zone (default 0.1). */
  nodeEvictionRate?: number;
  /** --secondary-node-eviction-rate, for partially disrupted large zones (default 0.01). */
  secondaryNodeEvictionRate?: number;
  /** --large-cluster-size-threshold (default 50). */
  largeClusterSizeThreshold?: number;
  /** --unhealthy-zone-threshold (default 0.55). */
  unhealthyZoneThreshold?: number;
}

/** Sent to the parent (kube-controller-manager) once the informers have synced. */
export interface ControllerRunning {
  type: 'controller.running';
  name: string;
}

/** Builds the machine of one controller; `name` is its machine id and what it reports as. */
export function controllerMachine<C extends Controller>(name: string, create: (port: ApiPort, flags: ControllerManagerFlags) => C) {
  return setup({
    types: {
      context: {} as ControllerContext<C>,
      input: {} as ControllerInput,
      events: {} as ApiEvent,
    },
    actions: {
      start: ({ context }) => context.controller.start(),
      handle: ({ context, event }) => context.controller.handle(event),
      syncNext: assign(({ context }) => {
        const key = context.controller.queue.pop();
        if (key !== undefined) context.controller.sync(key);
        return { syncs: context.syncs + 1 };
      }),
      arm: assign(({ context }) => ({ armedForMs: context.controller.queue.nextDueAt() })),
      promoteDue: ({ context }) => context.controller.queue.promoteDue(context.port.now()),
      // Standalone (in tests) a controller has no parent to tell.
      announce: enqueueActions(({ self, enqueue }) => {
        if (self._parent) enqueue.sendParent({ type: 'controller.running', name } satisfies ControllerRunning);
      }),
    },
    guards: {
      synced: ({ context }) => context.controller.synced(),
      hasWork: ({ context }) => context.controller.queue.hasReady(),
      hasDelayed: ({ context }) => context.controller.queue.hasDelayed(),
      dueEarlier: ({ context }) => {
        const next = context.controller.queue.nextDueAt();
        return next !== undefined && context.armedForMs !== undefined && next < context.armedForMs;
      },
    },
    delays: {
      untilDue: ({ context }) => Math.max(0, (context.armedForMs ?? context.port.now()) - context.port.now()),
    },
  }).createMachine({
    id: name,
    context: ({ input }) => ({ port: input.port, controller: create(input.port, input.flags ?? {}), armedForMs: undefined, syncs: 0 }),
    initial: 'starting',
    entry: 'start',
    on: { 'api.*': { actions: 'handle' } },
    states: {
      starting: { always: { guard: 'synced', target: 'running' } },
      running: {
        type: 'parallel',
        entry: 'announce',
        states: {
          worker: {
            initial: 'idle',
            states: {
              idle: { always: { guard: 'hasWork', target: 'syncing' } },
              syncing: { entry: 'syncNext', always: { target: 'idle' } },
            },
          },
          requeue: {
            initial: 'quiet',
            states: {
              quiet: { always: { guard: 'hasDelayed', target: 'waiting' } },
              // Re-armed when a key becomes due earlier than the timer that is running.
              waiting: {
                entry: 'arm',
                always: { guard: 'dueEarlier', target: 'waiting', reenter: true },
                after: { untilDue: { target: 'quiet', actions: 'promoteDue' } },
              },
            },
          },
        },
      },
    },
  });
}
