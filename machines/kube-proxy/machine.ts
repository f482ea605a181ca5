/**
 * kube-proxy on one node: watches Services and EndpointSlices through the API server and keeps
 * the rules table current, re-syncing at most once per minSyncPeriod (1 s) as upstream does.
 */
import { assign, setup } from 'xstate';
import type { EndpointSlice, Service } from '../../src/api/objects.ts';
import { Informer } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { buildRules, type ServiceRule } from './rules.ts';

export interface KubeProxyContext {
  port: ApiPort;
  node: string;
  services: Informer;
  slices: Informer;
  rules: Map<string, ServiceRule>;
  dirty: boolean;
  syncs: number;
}

export const MIN_SYNC_PERIOD_MS = 1000;

export const kubeProxyMachine = setup({
  types: {
    context: {} as KubeProxyContext,
    input: {} as { port: ApiPort; node: string },
    events: {} as ApiEvent,
  },
  actions: {
    startInformers: ({ context }) => {
      context.services.start(context.port);
      context.slices.start(context.port);
    },
    observe: assign(({ context, event }) => {
      const e = event as ApiEvent;
      let changed = false;
      for (const inf of [context.services, context.slices]) if (inf.owns(e) && inf.handle(e, context.port).length > 0) changed = true;
      return changed ? { dirty: true } : {};
    }),
    syncRules: assign(({ context }) => {
      const rules = buildRules(context.services.list() as Service[], context.slices.list() as EndpointSlice[]);
      const n = [...rules.values()].reduce((a, r) => a + r.backends.length, 0);
      context.port.note(`synced rules: ${rules.size} service port(s), ${n} endpoint(s)`);
      return { rules, dirty: false, syncs: context.syncs + 1 };
    }),
  },
  guards: {
    synced: ({ context }) => context.services.synced && context.slices.synced,
    dirty: ({ context }) => context.dirty,
  },
  delays: { minSyncPeriod: MIN_SYNC_PERIOD_MS },
}).createMachine({
  id: 'kube-proxy',
  context: ({ input }) => ({
    port: input.port,
    node: input.node,
    services: new Informer('services', { group: '', version: 'v1', resource: 'services' }),
    slices: new Informer('endpointslices', { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' }),
    rules: new Map(),
    dirty: false,
    syncs: 0,
  }),
  initial: 'starting',
  entry: 'startInformers',
  on: { '*': { actions: 'observe' } },
  states: {
    starting: { always: { guard: 'synced', target: 'syncing' } },
    // Rules are rewritten on entry, then kube-proxy waits out minSyncPeriod before the next sync.
    syncing: { entry: 'syncRules', after: { minSyncPeriod: 'idle' } },
    idle: { always: { guard: 'dirty', target: 'syncing' } },
  },
});
