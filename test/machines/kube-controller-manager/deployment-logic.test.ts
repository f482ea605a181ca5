import { describe, expect, it } from 'vitest';
import type { ReplicaSet } from '../../../src/api/objects.ts';
import {
  calculateStatus, computeHash, equalIgnoreHash, fnv32a, maxSurge, maxUnavailable, newReplicaSet, newRSNewReplicas, resolveFenceposts,
  rolloutStatus, safeEncodeString, scaledValue, splitReplicaSets, type Deployment,
} from '../../../machines/kube-controller-manager/deployment-logic.ts';
import { historyToDelete, planDeployment, scaleDownOld } from '../../../machines/kube-controller-manager/deployment-rollout.ts';
import { deployment, T0 } from './harness.ts';

const d = deployment('web', 3);
const HASH = computeHash(d.spec.template);

/** A ReplicaSet of `dep` for its current template (or an older image) with given sizes. */
function rsOf(dep: Deployment, o: { image?: string; replicas: number; available?: number; ready?: number; actual?: number; revision?: number; created?: number }): ReplicaSet {
  const src = o.image ? deployment(dep.metadata.name!, dep.spec.replicas ?? 1, { uid: dep.metadata.uid!, image: o.image }) : dep;
  const rs = newReplicaSet(src, o.revision ?? 1, o.replicas);
  rs.metadata.uid = `uid-${rs.metadata.name}`;
  rs.metadata.resourceVersion = '5';
  rs.metadata.generation = 1;
  rs.metadata.creationTimestamp = new Date(Date.UTC(2026, 0, 1) + (o.created ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
  rs.status = { replicas: o.actual ?? o.replicas, readyReplicas: o.ready ?? o.available ?? 0, availableReplicas: o.available ?? 0, observedGeneration: 1 };
  return rs;
}

describe('pod-template hash', () => {
  it('is FNV-32a', () => {
    expect(fnv32a(new TextEncoder().encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode('a'))).toBe(0xe40c292c);
  });

  it('renders decimal digits in the safe alphabet as upstream does', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('is stable: same template, same hash, whatever the key order', () => {
    const a = { metadata: { labels: { app: 'web', tier: 'fe' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
    const b = { spec: { containers: [{ image: 'nginx', name: 'app' }] }, metadata: { labels: { tier: 'fe', app: 'web' } } };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    // Pinned: a change here renames every ReplicaSet of existing scenarios.
    expect(HASH).toBe('66764b56c4');
  });

  it('changes with the template and with the collision count', () => {
    const h = computeHash(d.spec.template);
    expect(computeHash(deployment('web', 3, { image: 'nginx:1.28' }).spec.template)).not.toBe(h);
    expect(computeHash(d.spec.template, 1)).not.toBe(h);
    expect(computeHash(d.spec.template, 1)).toBe(computeHash(d.spec.template, 1));
  });
});

describe('maxSurge and maxUnavailable', () => {
  it.each([
    ['25% of 4', '25%', '25%', 4, { surge: 1, unavailable: 1 }],
    ['25% of 3: surge rounds up, unavailable down', '25%', '25%', 3, { surge: 1, unavailable: 0 }],
    ['25% of 1', '25%', '25%', 1, { surge: 1, unavailable: 0 }],
    ['both zero makes unavailable 1', 0, '10%', 3, { surge: 0, unavailable: 1 }],
    ['integers are taken as they are', 2, 1, 10, { surge: 2, unavailable: 1 }],
  ])('%s', (_name, surge, unavailable, replicas, want) => {
    expect(resolveFenceposts(surge, unavailable, replicas)).toEqual(want);
  });

  it('scales percentages exactly', () => {
    expect([scaledValue('33%', 3, true), scaledValue('33%', 3, false), scaledValue('100%', 7, false)]).toEqual([1, 0, 7]);
  });

  it('is zero for Recreate, and maxUnavailable never exceeds replicas', () => {
    const recreate = deployment('web', 3, { strategy: { type: 'Recreate' } });
    expect([maxSurge(recreate), maxUnavailable(recreate)]).toEqual([0, 0]);
    expect(maxUnavailable(deployment('web', 2, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } } }))).toBe(2);
  });
});

describe('new ReplicaSet', () => {
  it('is named <deployment>-<hash>, carries the hash label on selector and template, the revision and replica annotations', () => {
    const rs = newReplicaSet(d, 1, 3);
    const hash = computeHash(d.spec.template);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.spec.template.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }]);
  });

  it('is recognised as the new one regardless of the hash label', () => {
    const rs = newReplicaSet(d, 1, 3);
    expect(equalIgnoreHash(rs.spec.template, d.spec.template)).toBe(true);
    const old = rsOf(d, { image: 'nginx:1.26', replicas: 3 });
    expect(splitReplicaSets(d, [old, rs])).toEqual({ newRS: rs, oldRSs: [old] });
  });

  it.each([
    ['starts from nothing at full size within surge', [], 0, 3],
    ['stops at replicas + maxSurge pods in total', [3], 0, 1],
    ['cannot scale up while old pods fill the surge', [4], 0, 0],
    ['keeps growing towards replicas', [1], 2, 3],
  ])('newRSNewReplicas %s', (_name, oldSizes, newSize, want) => {
    const olds = oldSizes.map((n, i) => rsOf(d, { image: `old:${i}`, replicas: n }));
    const nrs = rsOf(d, { replicas: newSize });
    expect(newRSNewReplicas(d, [...olds, nrs], nrs)).toBe(want);
  });
});

describe('scaling old ReplicaSets down', () => {
  // Four replicas, 25%/25%: maxSurge 1, maxUnavailable 1, so at least 3 must stay available.
  it.each([
    ['waits while the new pods use up maxUnavailable', { newReplicas: 2, newAvailable: 0, oldReplicas: 3, oldAvailable: 3 }, undefined],
    ['scales down as new pods become available', { newReplicas: 3, newAvailable: 1, oldReplicas: 3, oldAvailable: 3 }, 2],
    ['takes unhealthy old replicas first', { newReplicas: 1, newAvailable: 0, oldReplicas: 4, oldAvailable: 2 }, 3],
    ['scales to zero once the new ReplicaSet is fully available', { newReplicas: 4, newAvailable: 4, oldReplicas: 1, oldAvailable: 1 }, 0],
  ])('%s', (_name, c, want) => {
    const four = deployment('web', 4);
    const old = rsOf(four, { image: 'old', replicas: c.oldReplicas, available: c.oldAvailable });
    const nrs = rsOf(four, { replicas: c.newReplicas, available: c.newAvailable });
    const sizes = scaleDownOld(four, [old], nrs).map((s) => (s.type === 'updateReplicaSet' ? s.rs.spec.replicas : undefined));
    expect(sizes).toEqual(want === undefined ? [] : [want]);
  });

  it('trims old, empty ReplicaSets beyond revisionHistoryLimit, lowest revision first', () => {
    const limited = { ...d, spec: { ...d.spec, revisionHistoryLimit: 1 } };
    const olds = [3, 1, 2].map((rev) => rsOf(limited, { image: `v${rev}`, replicas: 0, revision: rev }));
    expect(historyToDelete(limited, olds).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'])).toEqual(['1', '2']);
  });
});

describe('status', () => {
  it('sums the ReplicaSets and reports availability', () => {
    const old = rsOf(d, { image: 'old', replicas: 1, available: 1 });
    const nrs = rsOf(d, { replicas: 3, actual: 3, ready: 2, available: 2 });
    const s = calculateStatus({ ...d, metadata: { ...d.metadata, generation: 2 } }, [old, nrs], nrs, 0);
    expect({ ...s, conditions: undefined }).toEqual({ observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, conditions: undefined });
    expect(s.conditions).toEqual([{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: T0, lastTransitionTime: T0 }]);
  });

  it.each([
    ['complete: NewReplicaSetAvailable', 3, 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${HASH}" has successfully progressed.`],
    ['progress since last status: ReplicaSetUpdated', 1, 'True', 'ReplicaSetUpdated', `ReplicaSet "web-${HASH}" is progressing.`],
  ])('Progressing %s', (_name, available, status, reason, message) => {
    const nrs = rsOf(d, { replicas: 3, available });
    const s = rolloutStatus(d, [nrs], nrs, 0);
    expect(s.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status, reason, message });
  });

  it('times out after progressDeadlineSeconds without progress', () => {
    const stuck = deployment('web', 3, { status: { updatedReplicas: 3, replicas: 3, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: T0, lastTransitionTime: T0 }] } });
    const nrs = rsOf(stuck, { replicas: 3, available: 0 });
    expect(rolloutStatus(stuck, [nrs], nrs, 600_000).conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('ReplicaSetUpdated');
    expect(rolloutStatus(stuck, [nrs], nrs, 601_000).conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });
});

describe('planDeployment', () => {
  const steps = (p: ReturnType<typeof planDeployment>) => p.steps.map((s) => s.type === 'updateReplicaSet' ? `${s.type} ${s.rs.metadata.name} ${s.rs.spec.replicas}` : s.type === 'createReplicaSet' ? `${s.type} ${s.rs.metadata.name} ${s.rs.spec.replicas}` : s.type);

  it('creates the new ReplicaSet first', () => {
    expect(steps(planDeployment(d, [], 0))).toEqual([`createReplicaSet web-${HASH} 3`]);
  });

  it('sets the Deployment revision from the new ReplicaSet', () => {
    expect(steps(planDeployment(d, [rsOf(d, { replicas: 3 })], 0))).toEqual(['setDeploymentRevision']);
  });

  it('scales the single active ReplicaSet straight to a new replica count', () => {
    const scaled = deployment('web', 5, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    const rs = rsOf(d, { replicas: 3, available: 3 });
    expect(steps(planDeployment(scaled, [rs], 0))).toEqual([`updateReplicaSet web-${HASH} 5`]);
  });

  it('rolls out a new template: new ReplicaSet within surge, then old down as new ones become available', () => {
    const v2 = deployment('web', 3, { image: 'nginx:1.28', annotations: { 'deployment.kubernetes.io/revision': '1' } });
    const old = rsOf(v2, { image: 'nginx:1.27', replicas: 3, available: 3 });
    const create = planDeployment(v2, [old], 0).steps[0]!;
    expect(create.type === 'createReplicaSet' && [create.rs.spec.replicas, create.rs.metadata.annotations?.['deployment.kubernetes.io/revision']]).toEqual([1, '2']);
    const nrs = { ...rsOf(v2, { replicas: 1, available: 1, revision: 2 }) };
    const afterRev = { ...v2, metadata: { ...v2.metadata, annotations: { 'deployment.kubernetes.io/revision': '2' } } };
    expect(steps(planDeployment(afterRev, [old, nrs], 0))).toEqual([`updateReplicaSet ${old.metadata.name} 2`]);
  });

  it('writes status when there is nothing left to scale', () => {
    const done = deployment('web', 3, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    expect(steps(planDeployment(done, [rsOf(done, { replicas: 3, available: 3 })], 0))).toEqual(['updateStatus']);
  });

  it('only reports status for a Deployment being deleted', () => {
    const gone = { ...d, metadata: { ...d.metadata, deletionTimestamp: T0 } };
    expect(steps(planDeployment(gone, [], 0))).toEqual(['updateStatus']);
  });

  it('Recreate: scales old ReplicaSets to zero before creating the new one', () => {
    const rec = deployment('web', 2, { strategy: { type: 'Recreate' }, image: 'v2', annotations: { 'deployment.kubernetes.io/revision': '1' } });
    const old = rsOf(rec, { image: 'v1', replicas: 2, available: 2 });
    expect(steps(planDeployment(rec, [old], 0))).toEqual([`updateReplicaSet ${old.metadata.name} 0`]);
    const drained = { ...old, spec: { ...old.spec, replicas: 0 }, status: { replicas: 1 } };
    expect(steps(planDeployment(rec, [drained], 0))).toEqual(['updateStatus']);
    const empty = { ...drained, status: { replicas: 0 } };
    expect(planDeployment(rec, [empty], 0).steps.map((s) => s.type === 'createReplicaSet' && s.rs.spec.replicas)).toEqual([2]);
  });
});
