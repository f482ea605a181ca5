import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { kubeControllerManagerMachine, CONTROLLERS } from '../../../machines/kube-controller-manager/machine.ts';
import { MONITORED } from '../../../machines/kube-controller-manager/garbagecollector.ts';
import { describe as show, Harness, replicaSet } from './harness.ts';

/** The informers each controller lists, by informer name. */
const INFORMERS: Record<string, string[]> = {
  replicaset: ['replicaset/replicasets', 'replicaset/pods'],
  deployment: ['deployment/deployments', 'deployment/replicasets'],
  endpointslice: ['endpointslice/services', 'endpointslice/pods', 'endpointslice/endpointslices'],
  nodeipam: ['nodeipam/nodes'],
  'garbage-collector': MONITORED.map((m) => `garbage-collector/${m.resource}`),
  nodelifecycle: ['nodelifecycle/leases', 'nodelifecycle/nodes', 'nodelifecycle/pods'],
  'taint-eviction-controller': ['taint-eviction/pods', 'taint-eviction/nodes'],
};

describe('kube-controller-manager', () => {
  it('spawns every controller as kube-controller-manager/<name> on one shared port', () => {
    const h = new Harness(kubeControllerManagerMachine);
    // Leader election first (--leader-elect): no controller runs before the Lease is won.
    expect(h.state()).toBe('electing');
    expect(h.port.requests.map((r) => r.tag)).toEqual(['leader-election:get']);
    expect(h.actor.system.get('kube-controller-manager/replicaset')).toBeUndefined();
    h.elect();
    const system = h.actor.system;
    for (const name of Object.keys(CONTROLLERS)) expect(system.get(`kube-controller-manager/${name}`)).toBeDefined();
    const lists = h.port.requests.filter((r) => r.tag.startsWith('informer:')).map((r) => r.tag.replace(/^informer:(.*):list$/, '$1'));
    expect(lists).toEqual(Object.values(INFORMERS).flat());
    expect(h.state()).toBe('starting');
  });

  it('is running once every controller has synced, and routes events to the controller that asked', () => {
    const h = new Harness(kubeControllerManagerMachine);
    h.elect();
    for (const names of Object.values(INFORMERS)) for (const n of names) {
      expect(h.state()).toBe('starting');
      h.list(n, n === 'replicaset/replicasets' ? [replicaSet('web', 1)] : []);
    }
    expect(h.state()).toBe('running');
    expect(show(h.sent())).toEqual(['POST pods', 'PUT replicasets/web/status']);
    expect(h.errors).toEqual([]);
  });

  it('runs only the controllers asked for', () => {
    const h = new Harness(kubeControllerManagerMachine, { controllers: ['nodeipam'] });
    h.elect();
    expect(h.port.requests.map((r) => r.tag).filter((t) => t.startsWith('informer:'))).toEqual(['informer:nodeipam/nodes:list']);
    expect(h.actor.system.get('kube-controller-manager/replicaset')).toBeUndefined();
    h.list('nodeipam/nodes', []);
    expect(h.state()).toBe('running');
  });

  it('refuses an unknown controller', () => {
    const actor = createActor(kubeControllerManagerMachine, { input: { port: new Harness(kubeControllerManagerMachine, { controllers: [] }).port, controllers: ['cronjob'] } });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    expect(String(errors[0])).toContain('unknown controller "cronjob"');
  });
});
