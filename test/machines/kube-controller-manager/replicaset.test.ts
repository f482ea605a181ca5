import { describe, expect, it } from 'vitest';
import type { Pod, ReplicaSet } from '../../../src/api/objects.ts';
import { replicaSetControllerMachine, type ReplicaSetController } from '../../../machines/kube-controller-manager/replicaset.ts';
import { describe as show, Harness, pod, replicaSet } from './harness.ts';

function start(rsList = [replicaSet('web', 3)], pods: Pod[] = []) {
  const h = new Harness(replicaSetControllerMachine);
  h.list('replicaset/replicasets', rsList);
  h.list('replicaset/pods', pods);
  return h;
}

const controller = (h: Harness) => (h.actor.getSnapshot().context as { controller: ReplicaSetController }).controller;

/** Answers every pod creation with a created pod named web-<n>, and returns the pods. */
function createAll(h: Harness, sent: ReturnType<Harness['sent']>, from: number): Pod[] {
  return sent.filter((s) => s.req.verb === 'create' && s.req.resource === 'pods').map((s, i) => {
    const body = s.req.body as Pod;
    const created: Pod = { ...body, metadata: { ...body.metadata, name: `web-${from + i}`, uid: `uid-web-${from + i}`, resourceVersion: h.nextRv() } };
    h.respond(s, 201, created);
    return created;
  });
}

/** Accepts a status PUT and lets the informer see the write. */
function acceptStatus(h: Harness, put: ReturnType<Harness['sent']>[number], rs: ReplicaSet): void {
  const rv = h.nextRv();
  const written = { ...rs, metadata: { ...rs.metadata, resourceVersion: rv }, status: (put.req.body as ReplicaSet).status };
  h.respond(put, 200, written);
  h.watch('replicaset/replicasets', 'MODIFIED', written, rv);
}

describe('replicaset controller', () => {
  it('waits in starting until both informers have listed', () => {
    const h = new Harness(replicaSetControllerMachine);
    expect(h.port.requests.map((r) => r.tag)).toEqual(['informer:replicaset/replicasets:list', 'informer:replicaset/pods:list']);
    h.list('replicaset/replicasets', []);
    expect(h.state()).toBe('starting');
    h.list('replicaset/pods', []);
    expect(h.state()).toEqual({ running: { worker: 'idle', requeue: 'quiet' } });
    expect(h.errors).toEqual([]);
  });

  it('creates pods in slow-start batches of 1, 2 and records SuccessfulCreate', () => {
    const h = start();
    const first = h.sent();
    expect(show(first)).toEqual(['POST pods', 'PUT replicasets/web/status']);
    expect((first[1]!.req.body as { status: unknown }).status).toEqual({ replicas: 0, observedGeneration: 1 });
    createAll(h, first, 0);
    expect(h.events()).toEqual([{ reason: 'SuccessfulCreate', message: 'Created pod: web-0' }]);
    const second = h.sent();
    expect(show(second)).toEqual(['POST pods', 'POST pods']);
    createAll(h, second, 1);
    expect(h.sent()).toEqual([]);
    expect(controller(h).expectations.pending('default/web')).toEqual({ add: 3, deletes: [] });
  });

  it('does not create again until the informer has seen the creations', () => {
    const rs = replicaSet('web', 2);
    const h = start([rs]);
    const [first] = createAll(h, h.sent(), 0);
    const [second] = createAll(h, h.sent(), 1);
    h.watch('replicaset/replicasets', 'MODIFIED', rs);
    expect(show(h.sent()).filter((s) => s.startsWith('POST'))).toEqual([]);
    h.watch('replicaset/pods', 'ADDED', first!);
    expect(controller(h).expectations.pending('default/web')).toEqual({ add: 1, deletes: [] });
    h.watch('replicaset/pods', 'ADDED', second!);
    expect(controller(h).expectations.satisfied('default/web', h.clock.now())).toBe(true);
  });

  it('replaces a pod that was deleted (self-healing)', () => {
    const rs = replicaSet('web', 2, { status: { replicas: 2, fullyLabeledReplicas: 2, observedGeneration: 1 } });
    const pods = [pod('web-a', { owner: rs }), pod('web-b', { owner: rs })];
    const h = start([rs], pods);
    expect(h.sent()).toEqual([]);
    h.watch('replicaset/pods', 'DELETED', pods[0]!);
    expect(show(h.sent())).toEqual(['POST pods', 'PUT replicasets/web/status']);
  });

  it('replaces a pod that failed', () => {
    const rs = replicaSet('web', 1, { status: { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 } });
    const p = pod('web-a', { owner: rs });
    const h = start([rs], [p]);
    h.watch('replicaset/pods', 'MODIFIED', { ...p, status: { ...p.status, phase: 'Failed' } });
    expect(show(h.sent())).toEqual(['POST pods', 'PUT replicasets/web/status']);
  });

  it('deletes the lowest-ranked extras on scale-down and records SuccessfulDelete', () => {
    const rs = replicaSet('web', 1, { status: { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 } });
    const pods = [pod('web-a', { owner: rs, node: 'n1', ready: true }), pod('web-b', { owner: rs, node: 'n1', ready: false }), pod('web-c', { owner: rs, ready: true, node: 'n2' })];
    const h = start([rs], pods);
    const sent = h.sent();
    expect(show(sent)).toEqual(['DELETE pods/web-b', 'DELETE pods/web-a']);
    h.respond(sent[0]!, 200, pods[1]);
    expect(h.events()).toEqual([{ reason: 'SuccessfulDelete', message: 'Deleted pod: web-b' }]);
    expect(controller(h).expectations.pending('default/web')?.deletes).toEqual(['default/web-b', 'default/web-a']);
    h.watch('replicaset/pods', 'DELETED', pods[1]!);
    expect(controller(h).expectations.pending('default/web')?.deletes).toEqual(['default/web-a']);
  });

  it('stops a slow-start run at the first failure, records FailedCreate and retries with backoff', () => {
    const rs = replicaSet('web', 4);
    const h = start([rs]);
    const first = h.sent();
    acceptStatus(h, first[1]!, rs);
    h.respond(first[0]!, 403, { kind: 'Status', message: 'pods is forbidden: exceeded quota' });
    expect(h.events()).toEqual([{ reason: 'FailedCreate', message: 'Error creating: pods is forbidden: exceeded quota' }]);
    expect(h.sent()).toEqual([]);
    expect(controller(h).expectations.satisfied('default/web', h.clock.now())).toBe(true);
    h.advance(999);
    expect(h.sent()).toEqual([]);
    h.advance(1);
    expect(show(h.sent())).toEqual(['POST pods']);
  });

  it('gives up waiting for expectations after five minutes', () => {
    const rs = replicaSet('web', 1);
    const h = start([rs]);
    const [create, status] = h.sent();
    h.respond(create!, 201, { ...(create!.req.body as Pod), metadata: { name: 'web-0' } });
    acceptStatus(h, status!, rs);
    h.advance(5 * 60_000);
    expect(h.sent()).toEqual([]);
    h.advance(1);
    expect(show(h.sent()).filter((s) => s === 'POST pods')).toEqual(['POST pods']);
  });

  it('writes status through the status subresource and waits to see its own write', () => {
    const rs = replicaSet('web', 1, { status: { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 } });
    const p = pod('web-a', { owner: rs, ready: false });
    const h = start([rs], [p]);
    const readyPod = h.watch('replicaset/pods', 'MODIFIED', { ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    const [put] = h.sent();
    expect(put!.req).toMatchObject({ verb: 'update', group: 'apps', resource: 'replicasets', name: 'web', subresource: 'status' });
    expect((put!.req.body as { status: unknown }).status).toEqual({ replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
    h.respond(put!, 200, { ...rs, metadata: { ...rs.metadata, resourceVersion: '500' } });
    h.watch('replicaset/pods', 'MODIFIED', readyPod);
    expect(h.sent()).toEqual([]);
  });

  it('stops a slow-start run when the ReplicaSet is deleted mid-way', () => {
    const rs = replicaSet('web', 5);
    const h = start([rs]);
    const [create] = h.sent();
    h.watch('replicaset/replicasets', 'DELETED', rs);
    createAll(h, [create!], 0);
    expect(show(h.sent())).toEqual([]);
  });

  it('leaves a ReplicaSet that is being deleted to the garbage collector', () => {
    const rs = { ...replicaSet('web', 3), metadata: { ...replicaSet('web', 3).metadata, deletionTimestamp: 'x' } };
    const h = start([rs]);
    expect(show(h.sent())).toEqual(['PUT replicasets/web/status']);
  });
});
