import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/objects.ts';
import {
  decideDeletingOwner, decideDependent, ownerState, withoutOwners, type OwnerState,
} from '../../../machines/kube-controller-manager/garbagecollector-logic.ts';
import { pod, replicaSet } from './harness.ts';

const rs = replicaSet('web', 1);
const other = replicaSet('other', 1, { uid: 'uid-other' });
const twoOwners = (): KObject => {
  const p = pod('p', { owner: rs });
  p.metadata.ownerReferences!.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'uid-other' });
  return p;
};
const deleting = <T extends KObject>(o: T, finalizers: string[] = []): T => ({ ...o, metadata: { ...o.metadata, deletionTimestamp: '2026-01-01T00:00:00Z', finalizers } });

describe('ownerState', () => {
  const ref = pod('p', { owner: rs }).metadata.ownerReferences![0]!;
  it.each<[string, KObject | 'absent' | undefined, OwnerState]>([
    ['an owner in the cache is solid', rs, 'solid'],
    ['an owner confirmed gone is dangling', 'absent', 'dangling'],
    ['a same-named owner with another uid is dangling', replicaSet('web', 1, { uid: 'new-uid' }), 'dangling'],
    ['an owner deleting in the foreground is waiting', deleting(rs, ['foregroundDeletion']), 'waiting'],
    ['an owner deleting in the background is still solid', deleting(rs), 'solid'],
    ['an owner not seen yet is unknown', undefined, 'unknown'],
  ])('%s', (_name, owner, want) => {
    expect(ownerState(ref, owner)).toBe(want);
  });
});

describe('decideDependent', () => {
  it.each<[string, KObject, OwnerState[], boolean, ReturnType<typeof decideDependent>]>([
    ['keeps an object whose owner exists', pod('p', { owner: rs }), ['solid'], false, { action: 'none' }],
    ['deletes an object whose only owner is gone, in the background', pod('p', { owner: rs }), ['dangling'], false, { action: 'delete', propagationPolicy: 'Background' }],
    ['looks an unknown owner up first', pod('p', { owner: rs }), ['unknown'], false, { action: 'lookup', refs: pod('p', { owner: rs }).metadata.ownerReferences! }],
    ['drops the dangling reference when another owner exists', twoOwners(), ['solid', 'dangling'], false, { action: 'removeOwnerReferences', uids: ['uid-other'] }],
    ['drops a reference to a waiting owner when another owner exists', twoOwners(), ['waiting', 'solid'], false, { action: 'removeOwnerReferences', uids: ['uid-web'] }],
    ['deletes only when every owner is gone', twoOwners(), ['dangling', 'dangling'], false, { action: 'delete', propagationPolicy: 'Background' }],
    ['deletes in the foreground for a waiting owner when it has dependents', pod('p', { owner: rs }), ['waiting'], true, { action: 'delete', propagationPolicy: 'Foreground' }],
    ['deletes in the background for a waiting owner when it has none', pod('p', { owner: rs }), ['waiting'], false, { action: 'delete', propagationPolicy: 'Background' }],
    ['honours its own orphan finalizer', { ...pod('p', { owner: rs }), metadata: { ...pod('p', { owner: rs }).metadata, finalizers: ['orphan'] } }, ['dangling'], false, { action: 'delete', propagationPolicy: 'Orphan' }],
    ['leaves an object already being deleted', deleting(pod('p', { owner: rs })), ['dangling'], false, { action: 'none' }],
    ['leaves an object without owners', pod('p'), [], false, { action: 'none' }],
  ])('%s', (_name, item, states, hasDependents, want) => {
    expect(decideDependent(item, states, hasDependents)).toEqual(want);
  });
});

describe('decideDeletingOwner', () => {
  const dep = pod('p', { owner: rs });
  const nonBlocking = { ...pod('q'), metadata: { ...pod('q').metadata, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'uid-web' }] } };
  it.each<[string, KObject, KObject[], ReturnType<typeof decideDeletingOwner>]>([
    ['an owner not being deleted needs nothing', rs, [dep], { action: 'none' }],
    ['orphan: strips the reference from dependents first', deleting(rs, ['orphan']), [dep, pod('x', { owner: other })], { action: 'orphanDependents', dependents: [dep] }],
    ['orphan: then drops the finalizer', deleting(rs, ['orphan']), [pod('x', { owner: other })], { action: 'removeFinalizer', finalizer: 'orphan' }],
    ['foreground: deletes the dependents', deleting(rs, ['foregroundDeletion']), [dep], { action: 'deleteDependents', dependents: [dep] }],
    ['foreground: waits for blocking dependents already terminating', deleting(rs, ['foregroundDeletion']), [deleting(dep)], { action: 'none' }],
    ['foreground: drops the finalizer when no blocking dependent is left', deleting(rs, ['foregroundDeletion']), [nonBlocking], { action: 'removeFinalizer', finalizer: 'foregroundDeletion' }],
    ['foreground: drops the finalizer when there are no dependents', deleting(rs, ['foregroundDeletion']), [], { action: 'removeFinalizer', finalizer: 'foregroundDeletion' }],
    ['background deletion with other finalizers needs nothing', deleting(rs, ['example.com/x']), [dep], { action: 'none' }],
  ])('%s', (_name, owner, dependents, want) => {
    expect(decideDeletingOwner(owner, dependents)).toEqual(want);
  });

  it('withoutOwners keeps the other references', () => {
    expect(withoutOwners(twoOwners(), ['uid-web']).map((r) => r.uid)).toEqual(['uid-other']);
  });
});
