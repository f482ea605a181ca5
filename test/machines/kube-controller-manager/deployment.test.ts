import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from '../../../src/api/objects.ts';
import { deploymentControllerMachine } from '../../../machines/kube-controller-manager/deployment.ts';
import { computeHash, type Deployment } from '../../../machines/kube-controller-manager/deployment-logic.ts';
import { describe as show, Harness, deployment } from './harness.ts';

const d = deployment('web', 3);
const RS_NAME = `web-${computeHash(d.spec.template)}`;

function start(deployments: Deployment[], rss: ReplicaSet[] = []) {
  const h = new Harness(deploymentControllerMachine);
  h.list('deployment/deployments', deployments);
  h.list('deployment/replicasets', rss);
  return h;
}

/** Accepts a write and lets the informer see it; returns the stored object. */
function accept<T extends { metadata: { resourceVersion?: string; uid?: string; name?: string } }>(h: Harness, sent: ReturnType<Harness['sent']>[number], informer: string, code = 200): T {
  const body = sent.req.body as T;
  const rv = h.nextRv();
  const stored = { ...body, metadata: { ...body.metadata, uid: body.metadata.uid ?? `uid-${body.metadata.name}`, resourceVersion: rv } } as T;
  h.respond(sent, code, stored);
  h.watch(informer, code === 201 ? 'ADDED' : 'MODIFIED', stored as never, rv);
  return stored;
}

describe('deployment controller', () => {
  it('creates <deployment>-<hash> at full size, records ScalingReplicaSet and the NewReplicaSetCreated condition', () => {
    const h = start([d]);
    const [create] = h.sent();
    expect(show([create!])).toEqual(['POST replicasets']);
    expect((create!.req.body as ReplicaSet).metadata.name).toBe(RS_NAME);
    h.respond(create!, 201, { ...(create!.req.body as ReplicaSet), metadata: { ...(create!.req.body as ReplicaSet).metadata, uid: 'uid-rs', resourceVersion: h.nextRv() } });
    expect(h.events()).toEqual([{ reason: 'ScalingReplicaSet', message: `Scaled up replica set ${RS_NAME} from 0 to 3` }]);
    const [status] = h.sent();
    expect(show([status!])).toEqual(['PUT deployments/web/status']);
    expect((status!.req.body as Deployment).status?.conditions).toEqual([
      expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${RS_NAME}"` }),
    ]);
  });

  it('waits to see its own ReplicaSet before the next step, then sets the revision annotation', () => {
    const h = start([d]);
    const [create] = h.sent();
    h.respond(create!, 201, { ...(create!.req.body as ReplicaSet), metadata: { ...(create!.req.body as ReplicaSet).metadata, uid: 'uid-rs', resourceVersion: '700' } });
    const [status] = h.sent();
    accept(h, status!, 'deployment/deployments');
    expect(h.sent()).toEqual([]);
    h.watch('deployment/replicasets', 'ADDED', { ...(create!.req.body as ReplicaSet), metadata: { ...(create!.req.body as ReplicaSet).metadata, uid: 'uid-rs' } }, '700');
    const [patch] = h.sent();
    expect(show([patch!])).toEqual(['PATCH deployments/web']);
    expect(patch!.req.body).toEqual({ metadata: { annotations: { 'deployment.kubernetes.io/revision': '1' } } });
  });

  it('scales the ReplicaSet on `kubectl scale` and reports progress until complete', () => {
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: RS_NAME, namespace: 'default', uid: 'uid-rs', resourceVersion: '3', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z',
        annotations: { 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: d.spec.template },
      status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 },
    };
    const scaled = deployment('web', 5, { generation: 2, annotations: { 'deployment.kubernetes.io/revision': '1' } });
    const h = start([scaled], [rs]);
    const [put] = h.sent();
    expect(show([put!])).toEqual([`PUT replicasets/${RS_NAME}`]);
    expect((put!.req.body as ReplicaSet).spec.replicas).toBe(5);
    expect((put!.req.body as ReplicaSet).metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('5');
    const stored = accept<ReplicaSet>(h, put!, 'deployment/replicasets');
    expect(h.events()).toEqual([{ reason: 'ScalingReplicaSet', message: `Scaled up replica set ${RS_NAME} from 3 to 5` }]);
    const [status] = h.sent();
    expect((status!.req.body as Deployment).status).toMatchObject({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3, unavailableReplicas: 2 });
    const d2 = accept<Deployment>(h, status!, 'deployment/deployments');
    h.watch('deployment/replicasets', 'MODIFIED', { ...stored, status: { replicas: 5, readyReplicas: 5, availableReplicas: 5, observedGeneration: 1 } });
    const [last] = h.sent();
    const conditions = (last!.req.body as Deployment).status?.conditions ?? [];
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']]);
    expect(d2.status?.conditions?.length).toBeGreaterThan(0);
  });
});
