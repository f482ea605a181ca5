import { describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../../src/api/objects.ts';
import { garbageCollectorMachine, MONITORED } from '../../../machines/kube-controller-manager/garbagecollector.ts';
import { describe as show, Harness, pod, replicaSet } from './harness.ts';

function start(objects: Record<string, KObject[]>) {
  const h = new Harness(garbageCollectorMachine);
  for (const m of MONITORED) h.list(`garbage-collector/${m.resource}`, objects[m.resource] ?? []);
  return h;
}

const rs = replicaSet('web', 2);
const podA = pod('web-a', { owner: rs });
const podB = pod('web-b', { owner: rs });
const deleting = <T extends KObject>(o: T, finalizers: string[]): T => ({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:05Z', finalizers } });

describe('garbage collector', () => {
  it('lists every monitored resource before it acts', () => {
    const h = new Harness(garbageCollectorMachine);
    expect(h.port.requests.map((r) => r.req.resource)).toEqual(['pods', 'replicasets', 'deployments', 'daemonsets', 'jobs', 'services', 'endpointslices']);
    expect(h.state()).toBe('starting');
  });

  it('leaves dependents alone while their owner exists', () => {
    const h = start({ replicasets: [rs], pods: [podA, podB] });
    expect(h.sent()).toEqual([]);
  });

  it('deletes the dependents of a deleted owner in the background, with a uid precondition', () => {
    const h = start({ replicasets: [rs], pods: [podA, podB] });
    h.watch('garbage-collector/replicasets', 'DELETED', rs);
    const sent = h.sent();
    expect(show(sent)).toEqual(['DELETE pods/web-a', 'DELETE pods/web-b']);
    expect(sent[0]!.req.query).toEqual({ propagationPolicy: 'Background', preconditions: { uid: 'uid-web-a' } });
  });

  it('looks up an owner missing from its caches before deleting anything', () => {
    const h = start({ pods: [podA] });
    const [get] = h.sent();
    expect(get!.req).toMatchObject({ verb: 'get', group: 'apps', resource: 'replicasets', namespace: 'default', name: 'web' });
    h.respond(get!, 200, rs);
    expect(h.sent()).toEqual([]);
  });

  it('deletes once the lookup confirms the owner is gone', () => {
    const h = start({ pods: [podA] });
    h.respond(h.sent()[0]!, 404, { kind: 'Status', reason: 'NotFound' });
    expect(show(h.sent())).toEqual(['DELETE pods/web-a']);
  });

  it('treats a same-named owner with another uid as gone', () => {
    const h = start({ pods: [podA] });
    h.respond(h.sent()[0]!, 200, replicaSet('web', 1, { uid: 'a-new-one' }));
    expect(show(h.sent())).toEqual(['DELETE pods/web-a']);
  });

  it('orphans: strips owner references from dependents, then removes the orphan finalizer', () => {
    const h = start({ replicasets: [rs], pods: [podA] });
    h.watch('garbage-collector/replicasets', 'MODIFIED', deleting(rs, ['orphan']));
    const [patch] = h.sent();
    expect(show([patch!])).toEqual(['PATCH pods/web-a']);
    expect(patch!.req.body).toEqual({ metadata: { ownerReferences: null, resourceVersion: '1' } });
    const orphaned = { ...podA, metadata: { ...podA.metadata, ownerReferences: undefined } } as Pod;
    h.respond(patch!, 200, { ...orphaned, metadata: { ...orphaned.metadata, resourceVersion: '300' } });
    h.watch('garbage-collector/pods', 'MODIFIED', orphaned, '300');
    const [fin] = h.sent();
    expect(show([fin!])).toEqual(['PATCH replicasets/web']);
    expect((fin!.req.body as { metadata: unknown }).metadata).toMatchObject({ finalizers: null });
  });

  it('foreground: deletes the dependents first, then removes the foregroundDeletion finalizer', () => {
    const h = start({ replicasets: [rs], pods: [podA] });
    h.watch('garbage-collector/replicasets', 'MODIFIED', deleting(rs, ['foregroundDeletion']));
    const [del] = h.sent();
    expect(show([del!])).toEqual(['DELETE pods/web-a']);
    expect(del!.req.query?.propagationPolicy).toBe('Background');
    h.respond(del!, 200, deleting(podA, []));
    h.watch('garbage-collector/pods', 'MODIFIED', deleting(podA, []));
    expect(h.sent()).toEqual([]);
    h.watch('garbage-collector/pods', 'DELETED', deleting(podA, []));
    const [fin] = h.sent();
    expect(show([fin!])).toEqual(['PATCH replicasets/web']);
    expect((fin!.req.body as { metadata: unknown }).metadata).toMatchObject({ finalizers: null });
  });

  it('foreground: a dependent with dependents of its own is deleted in the foreground too', () => {
    const d: KObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'uid-deploy', resourceVersion: '1' }, spec: {} };
    const owned = replicaSet('web-abc', 1, { owner: d });
    const p = pod('web-abc-x', { owner: owned });
    const h = start({ deployments: [d], replicasets: [owned], pods: [p] });
    h.watch('garbage-collector/deployments', 'MODIFIED', deleting(d, ['foregroundDeletion']));
    const [del] = h.sent();
    expect(show([del!])).toEqual(['DELETE replicasets/web-abc']);
    expect(del!.req.query?.propagationPolicy).toBe('Foreground');
  });
});
