/**
 * Small reads of stored objects the invariants share: etcd keys and object references, pod and
 * node predicates, timestamps back to virtual time. Pure functions over frozen objects.
 */
import type { KObject, Node, Pod, PodCondition } from '../api/objects.ts';
import { RESOURCES, resourceForKind, storageKey } from '../api/registry.ts';
import { fromTimestamp } from '../api/time.ts';

const KIND_OF_RESOURCE = new Map<string, string>();
for (const r of RESOURCES) if (!KIND_OF_RESOURCE.has(r.resource)) KIND_OF_RESOURCE.set(r.resource, r.kind);

/** The resource segment of an etcd key: "/registry/pods/default/web" -> "pods". */
export function resourceOfKey(key: string): string {
  const i = key.indexOf('/', 10); // after "/registry/"
  return i < 0 ? key.slice(10) : key.slice(10, i);
}

/** "Pod/default/web" for "/registry/pods/default/web". */
export function refOfKey(key: string): string {
  const resource = resourceOfKey(key);
  return `${KIND_OF_RESOURCE.get(resource) ?? resource}/${key.slice(11 + resource.length)}`;
}

/** "Pod/default/web" for an object. */
export function refOf(obj: KObject): string {
  const ns = obj.metadata.namespace;
  return `${obj.kind}/${ns ? ns + '/' : ''}${obj.metadata.name ?? ''}`;
}

const keyPrefixCache = new Map<string, { prefix: string; namespaced: boolean } | null>();

/** The etcd key an object is stored under (undefined for kinds kubelife does not store). */
export function storageKeyOf(obj: KObject): string | undefined {
  const ck = `${obj.apiVersion}/${obj.kind}`;
  let c = keyPrefixCache.get(ck);
  if (c === undefined) {
    const info = resourceForKind(obj.apiVersion, obj.kind);
    c = info ? { prefix: storageKey(info, '\0', '\0').split('\0')[0]!, namespaced: info.namespaced } : null;
    keyPrefixCache.set(ck, c);
  }
  if (!c) return undefined;
  return c.namespaced ? `${c.prefix}${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}` : `${c.prefix}${obj.metadata.name ?? ''}`;
}

export const podKey = (namespace: string, name: string) => `/registry/pods/${namespace}/${name}`;
export const nodeKey = (name: string) => `/registry/nodes/${name}`;

export function uidOf(obj: KObject | undefined): string | undefined {
  return obj?.metadata.uid;
}

/** prev and next are the same object (not a delete and re-create under the name). */
export function sameObject(prev: KObject | undefined, next: KObject | undefined): boolean {
  return prev !== undefined && next !== undefined && prev.metadata.uid === next.metadata.uid;
}

export function isTerminal(pod: Pod | undefined): boolean {
  const p = pod?.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

export function condition(pod: Pod | undefined, type: string): PodCondition | undefined {
  return (pod?.status?.conditions ?? []).find((c) => c.type === type);
}

/** podutil.IsPodReady. */
export function isReady(pod: Pod | undefined): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** controller.IsPodActive: not terminal and not being deleted. */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata.deletionTimestamp === undefined;
}

export function isHostNetwork(pod: Pod): boolean {
  return pod.spec['hostNetwork'] === true;
}

export function nodeReady(node: Node | undefined): 'True' | 'False' | 'Unknown' | undefined {
  return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** The uid of the object's controller (ownerReference with controller: true) of this kind. */
export function controllerUid(obj: KObject, kind?: string): string | undefined {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  return ref && (kind === undefined || ref.kind === kind) ? ref.uid : undefined;
}

/** A metav1.Time back in virtual milliseconds (seconds precision: the instant is at or after it). */
export function virtualMs(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  const ms = fromTimestamp(ts);
  return Number.isFinite(ms) ? ms : undefined;
}

/** "12.345s" for a virtual time. */
export function fmtMs(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
