/**
 * The garbage collector's decisions (pkg/controller/garbagecollector), as pure functions: how each
 * owner an object names stands (solid, dangling, waiting for its dependents to go, or not known
 * yet), what to do with a dependent (nothing, look its owners up, drop references, delete it and
 * with which propagation), and what to do for an owner being deleted with the `orphan` or
 * `foregroundDeletion` finalizer.
 */
import type { KObject, OwnerReference } from '../../src/api/objects.ts';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/**
 * solid: exists and is not deleting its dependents; dangling: gone (or replaced by another object
 * of the same name); waiting: exists and is being deleted in the foreground; unknown: not in any
 * cache and not confirmed either way yet.
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unknown';

export function hasFinalizer(obj: KObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

export function isBeingDeleted(obj: KObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** Being deleted in the foreground: it waits for its dependents. */
export function isDeletingDependents(obj: KObject): boolean {
  return isBeingDeleted(obj) && hasFinalizer(obj, FINALIZER_FOREGROUND);
}

/** How the owner `ref` names stands, given what was found for it: the object, 'absent', or nothing yet. */
export function ownerState(ref: OwnerReference, owner: KObject | 'absent' | undefined): OwnerState {
  if (owner === undefined) return 'unknown';
  if (owner === 'absent' || owner.metadata.uid !== ref.uid) return 'dangling';
  return isDeletingDependents(owner) ? 'waiting' : 'solid';
}

export type DependentDecision =
  | { action: 'none' }
  | { action: 'lookup'; refs: OwnerReference[] }
  | { action: 'removeOwnerReferences'; uids: string[] }
  | { action: 'delete'; propagationPolicy: PropagationPolicy };

/**
 * attemptToDeleteItem for an object with owners; `states` is parallel to its ownerReferences.
 * An object with a solid owner stays (references to dangling or waiting owners are dropped);
 * otherwise it is deleted: in the foreground when an owner waits and it has dependents of its
 * own, else with the policy its own finalizers ask for, else in the background.
 */
export function decideDependent(item: KObject, states: readonly OwnerState[], hasDependents: boolean): DependentDecision {
  if (isBeingDeleted(item)) return { action: 'none' };
  const refs = item.metadata.ownerReferences ?? [];
  if (refs.length === 0) return { action: 'none' };
  if (states.length !== refs.length) throw new Error('decideDependent: one state per ownerReference');
  const unknown = refs.filter((_, i) => states[i] === 'unknown');
  if (unknown.length > 0) return { action: 'lookup', refs: unknown };
  const solid = refs.filter((_, i) => states[i] === 'solid');
  const dropped = refs.filter((_, i) => states[i] === 'dangling' || states[i] === 'waiting');
  if (solid.length > 0) return dropped.length === 0 ? { action: 'none' } : { action: 'removeOwnerReferences', uids: dropped.map((r) => r.uid) };
  if (states.includes('waiting') && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  if (hasFinalizer(item, FINALIZER_ORPHAN)) return { action: 'delete', propagationPolicy: 'Orphan' };
  if (hasFinalizer(item, FINALIZER_FOREGROUND)) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: 'Background' };
}

export type OwnerDecision =
  | { action: 'none' }
  | { action: 'orphanDependents'; dependents: KObject[] }
  | { action: 'removeFinalizer'; finalizer: string }
  | { action: 'deleteDependents'; dependents: KObject[] };

function refTo(obj: KObject, uid: string | undefined): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
}

/**
 * For an owner being deleted: with `orphan`, first strip the reference from every dependent, then
 * drop the finalizer; with `foregroundDeletion`, delete the dependents and drop the finalizer once
 * no dependent that blocks owner deletion is left.
 */
export function decideDeletingOwner(owner: KObject, dependents: readonly KObject[]): OwnerDecision {
  if (!isBeingDeleted(owner)) return { action: 'none' };
  const uid = owner.metadata.uid;
  const referencing = dependents.filter((d) => refTo(d, uid) !== undefined);
  if (hasFinalizer(owner, FINALIZER_ORPHAN)) {
    return referencing.length > 0 ? { action: 'orphanDependents', dependents: referencing } : { action: 'removeFinalizer', finalizer: FINALIZER_ORPHAN };
  }
  if (hasFinalizer(owner, FINALIZER_FOREGROUND)) {
    const blocking = referencing.filter((d) => refTo(d, uid)?.blockOwnerDeletion === true);
    if (blocking.length === 0) return { action: 'removeFinalizer', finalizer: FINALIZER_FOREGROUND };
    const toDelete = referencing.filter((d) => !isBeingDeleted(d));
    return toDelete.length > 0 ? { action: 'deleteDependents', dependents: toDelete } : { action: 'none' };
  }
  return { action: 'none' };
}

/** The ownerReferences left after dropping those to `uids`. */
export function withoutOwners(obj: KObject, uids: readonly string[]): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
}

/** The finalizers left after dropping one. */
export function withoutFinalizer(obj: KObject, finalizer: string): string[] {
  return (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
}
