/**
 * Owner references (metav1.OwnerReference helpers): the controller reference a controller puts on
 * what it creates, and how it recognises what it owns. Ownership is by uid, never by name: a
 * deleted and re-created owner with the same name owns nothing of its predecessor's.
 */
import type { KObject, OwnerReference } from '../../src/api/objects.ts';

/** The reference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerRef(obj: KObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** metav1.NewControllerRef: how a controller marks what it creates. */
export function newControllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '',
    controller: true, blockOwnerDeletion: true,
  };
}

/** True when `obj`'s controller is the object with this uid. */
export function isControlledBy(obj: KObject, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && controllerRef(obj)?.uid === ownerUid;
}

/** "namespace/name", the key controllers queue and log by. */
export function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Splits a "namespace/name" key. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
