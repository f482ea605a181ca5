import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/objects.ts';
import {
  BURST_REPLICAS, compareForDeletion, ownedActivePods, podFromTemplate, podsToDelete, replicaDiff, replicaSetStatus, slowStartBatches, statusChanged,
} from '../../../machines/kube-controller-manager/replicaset-logic.ts';
import { pod, replicaSet } from './harness.ts';

const rs = replicaSet('web', 3);
const HOUR = 3_600_000;

describe('replicaDiff', () => {
  it.each([
    ['creates the missing pods', 1, 3, { action: 'create', count: 2 }],
    ['deletes the extra pods', 5, 3, { action: 'delete', count: 2 }],
    ['does nothing at the desired count', 3, 3, { action: 'none', count: 0 }],
    ['creates at most burstReplicas at once', 0, 2000, { action: 'create', count: BURST_REPLICAS }],
    ['deletes at most burstReplicas at once', 1000, 0, { action: 'delete', count: BURST_REPLICAS }],
  ])('%s', (_name, active, desired, want) => {
    expect(replicaDiff(active, desired)).toEqual(want);
  });
});

describe('slowStartBatches', () => {
  it.each([
    [0, []],
    [1, [1]],
    [3, [1, 2]],
    [4, [1, 2, 1]],
    [10, [1, 2, 4, 3]],
    [15, [1, 2, 4, 8]],
    [16, [1, 2, 4, 8, 1]],
  ])('%i creations go out as %j', (n, want) => {
    expect(slowStartBatches(n)).toEqual(want);
  });
});

describe('ownedActivePods', () => {
  const other = replicaSet('other', 1, { uid: 'uid-other' });
  it.each([
    ['counts a running pod it controls', pod('a', { owner: rs }), true],
    ['skips a pod controlled by another ReplicaSet', pod('a', { owner: other }), false],
    ['skips a pod of a re-created ReplicaSet with the same name', pod('a', { owner: replicaSet('web', 1, { uid: 'old-uid' }) }), false],
    ['skips an orphan that matches the selector (no adoption)', pod('a'), false],
    ['skips a Succeeded pod', pod('a', { owner: rs, phase: 'Succeeded' }), false],
    ['skips a Failed pod', pod('a', { owner: rs, phase: 'Failed' }), false],
    ['skips a terminating pod', pod('a', { owner: rs, deleting: true }), false],
    ['counts a Pending pod', pod('a', { owner: rs, phase: 'Pending' }), true],
  ])('%s', (_name, p, counted) => {
    expect(ownedActivePods(rs, [p]).length).toBe(counted ? 1 : 0);
  });

  it('sorts by name whatever the cache order', () => {
    const names = ownedActivePods(rs, [pod('c', { owner: rs }), pod('a', { owner: rs }), pod('b', { owner: rs })]).map((p) => p.metadata.name);
    expect(names).toEqual(['a', 'b', 'c']);
  });
});

describe('podFromTemplate', () => {
  it('makes a pod named after the ReplicaSet, labelled from the template, controlled by it', () => {
    const p = podFromTemplate(rs);
    expect(p.metadata).toEqual({
      generateName: 'web-', namespace: 'default', labels: { app: 'web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
    });
    expect(p.spec).toEqual(rs.spec.template.spec);
    expect(p.spec).not.toBe(rs.spec.template.spec);
  });
});

describe('scale-down ranking', () => {
  const now = 10 * HOUR;
  // Each row: the pod deleted first, then the pod kept, and why.
  it.each<[string, Pod, Pod]>([
    ['unassigned before assigned', pod('a', { phase: 'Pending' }), pod('b', { node: 'n1', phase: 'Pending' })],
    ['Pending before Running', pod('a', { node: 'n1', phase: 'Pending' }), pod('b', { node: 'n1', phase: 'Running' })],
    ['Pending before Unknown', pod('a', { node: 'n1', phase: 'Pending' }), pod('b', { node: 'n1', phase: 'Unknown' })],
    ['Unknown before Running', pod('a', { node: 'n1', phase: 'Unknown' }), pod('b', { node: 'n1', phase: 'Running' })],
    ['not ready before ready', pod('a', { node: 'n1', ready: false }), pod('b', { node: 'n1', ready: true })],
    ['lower deletion cost first', pod('a', { node: 'n1', annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-5' } }), pod('b', { node: 'n1' })],
    ['ready for less time first (log buckets)', pod('a', { node: 'n1', ready: true, readySince: now - 60_000 }), pod('b', { node: 'n1', ready: true, readySince: now - HOUR })],
    ['more restarts first', pod('a', { node: 'n1', restarts: 4 }), pod('b', { node: 'n1', restarts: 1 })],
    ['newer first', pod('a', { node: 'n1', created: now - 60_000 }), pod('b', { node: 'n1', created: now - 5 * HOUR })],
  ])('%s', (_name, first, second) => {
    const r = (p: Pod) => ({ pod: p, rank: 1 });
    expect(compareForDeletion(r(first), r(second), now)).toBeLessThan(0);
    expect(compareForDeletion(r(second), r(first), now)).toBeGreaterThan(0);
  });

  it('puts more co-located pods first', () => {
    expect(compareForDeletion({ pod: pod('a', { node: 'n1' }), rank: 3 }, { pod: pod('b', { node: 'n2' }), rank: 1 }, now)).toBeLessThan(0);
  });

  it('breaks ties within one log bucket by uid', () => {
    const a = pod('a', { node: 'n1', created: now - 2000, uid: 'u1' });
    const b = pod('b', { node: 'n1', created: now - 3000, uid: 'u2' });
    expect(compareForDeletion({ pod: a, rank: 1 }, { pod: b, rank: 1 }, now)).toBeLessThan(0);
    expect(compareForDeletion({ pod: b, rank: 1 }, { pod: a, rank: 1 }, now)).toBeGreaterThan(0);
  });

  it('picks the victims in ranking order, counting pods per node', () => {
    const pods = [
      pod('running-n1', { owner: rs, node: 'n1', ready: true }),
      pod('running-n2-a', { owner: rs, node: 'n2', ready: true }),
      pod('running-n2-b', { owner: rs, node: 'n2', ready: true }),
      pod('running-n2-c', { owner: rs, node: 'n2', ready: true }),
      pod('pending', { owner: rs, phase: 'Pending' }),
      pod('notready', { owner: rs, node: 'n1', ready: false }),
    ];
    expect(podsToDelete(pods, 3, now).map((p) => p.metadata.name)).toEqual(['pending', 'notready', 'running-n2-a']);
  });

  it('takes every pod without ranking when all go', () => {
    const pods = [pod('a', { owner: rs }), pod('b', { owner: rs })];
    expect(podsToDelete(pods, 5, now)).toEqual(pods);
  });
});

describe('replicaSetStatus', () => {
  it('counts replicas, fully labelled, ready and available pods and the observed generation', () => {
    const r = replicaSet('web', 3, { generation: 2 });
    const pods = [pod('a', { owner: r, ready: true }), pod('b', { owner: r, ready: false }), pod('c', { owner: r, ready: true, labels: { other: 'x' } })];
    expect(replicaSetStatus(r, pods, 0)).toEqual({ replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 2 });
  });

  it('leaves zero counts out but always writes replicas', () => {
    expect(replicaSetStatus(replicaSet('web', 0), [], 0)).toEqual({ replicas: 0, observedGeneration: 1 });
  });

  it('counts a pod as available only after minReadySeconds', () => {
    const r = replicaSet('web', 1, { minReadySeconds: 10 });
    const p = pod('a', { owner: r, ready: true, readySince: 0 });
    expect(replicaSetStatus(r, [p], 5_000).availableReplicas).toBeUndefined();
    expect(replicaSetStatus(r, [p], 11_000).availableReplicas).toBe(1);
  });

  it.each([
    ['a fresh ReplicaSet', undefined, true],
    ['the same counts', { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 }, false],
    ['a new readyReplicas', { replicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 }, true],
  ])('statusChanged for %s', (_name, status, changed) => {
    const r = replicaSet('web', 1, status ? { status } : {});
    expect(statusChanged(r, replicaSetStatus(r, [pod('a', { owner: r, ready: true })], 0))).toBe(changed);
  });
});
