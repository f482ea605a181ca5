/**
 * The ReplicaSet controller's decisions (pkg/controller/replicaset, controller_utils.go), as pure
 * functions: which pods a ReplicaSet owns, how many to create or delete, in which batches, which
 * pods go first on scale-down, the pod made from the template, and the status to report.
 */
import type { Pod, ReplicaSet } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { fromTimestamp } from '../../src/api/time.ts';
import { isControlledBy, newControllerRef } from './owners.ts';
import { isPodActive, isPodAvailable, isPodReady, readyCondition } from './pods.ts';

/** burstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** controller.SlowStartInitialBatchSize. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;
/** The annotation that makes a pod cheaper (or dearer) to delete. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

export type ReplicaSetStatus = NonNullable<ReplicaSet['status']> & { conditions?: unknown[] };

/** spec.replicas with its default (1). */
export function desiredReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

/**
 * The pods a ReplicaSet manages: active, in its namespace, controlled by its uid; sorted by name
 * so every later decision is independent of cache order. (Orphan adoption and the release of pods
 * that stopped matching the selector are left out: only the controller reference counts.)
 */
export function ownedActivePods(rs: ReplicaSet, pods: readonly Pod[]): Pod[] {
  return pods
    .filter((p) => p.metadata.namespace === rs.metadata.namespace && isControlledBy(p, rs.metadata.uid) && isPodActive(p))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0));
}

/**
 * What manageReplicas will do: a positive count of pods to create or to delete, capped at
 * burstReplicas, or nothing.
 */
export function replicaDiff(active: number, desired: number): { action: 'create' | 'delete' | 'none'; count: number } {
  const diff = active - desired;
  if (diff < 0) return { action: 'create', count: Math.min(-diff, BURST_REPLICAS) };
  if (diff > 0) return { action: 'delete', count: Math.min(diff, BURST_REPLICAS) };
  return { action: 'none', count: 0 };
}

/** slowStartBatch's batch sizes for `count` calls: 1, 2, 4, 8 ... until `count` are made. */
export function slowStartBatches(count: number, initial = SLOW_START_INITIAL_BATCH_SIZE): number[] {
  const out: number[] = [];
  let remaining = count;
  let size = Math.min(remaining, initial);
  while (size > 0) {
    out.push(size);
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
  return out;
}

/** controller.GetPodFromTemplate: the pod a ReplicaSet creates (the API server picks the name). */
export function podFromTemplate(rs: ReplicaSet): Pod {
  const t = rs.spec.template;
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [newControllerRef(rs)],
    },
    spec: clone(t.spec),
  };
}

// podPhaseToOrdinal: an unset phase counts as Pending (the map's zero value).
const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : 0;
}

function readySinceMs(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  return c?.status === 'True' && c.lastTransitionTime ? fromTimestamp(c.lastTransitionTime) : undefined;
}

function maxRestarts(pod: Pod): { regular: number; sidecar: number } {
  const sidecars = new Set((pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  let regular = 0;
  let sidecar = 0;
  for (const s of pod.status?.containerStatuses ?? []) regular = Math.max(regular, s.restartCount);
  for (const s of pod.status?.initContainerStatuses ?? []) if (sidecars.has(s.name)) sidecar = Math.max(sidecar, s.restartCount);
  return { regular, sidecar };
}

// LogarithmicScaleDown: durations in nanoseconds, bucketed by their base-2 logarithm.
function logRank(atMs: number, nowMs: number): number {
  const d = (nowMs - atMs) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** afterOrZero: a missing time sorts first, then the later time. */
function newerFirst(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined) return a === undefined ? (b === undefined ? 0 : -1) : 1;
  return b - a;
}

function compareTimes(a: number | undefined, b: number | undefined, ua: string, ub: string, nowMs: number): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return newerFirst(a, b);
  const diff = logRank(a, nowMs) - logRank(b, nowMs);
  if (diff !== 0) return diff;
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/** A pod with its rank: how many pods of the same ReplicaSet share its node. */
export interface RankedPod {
  pod: Pod;
  rank: number;
}

/**
 * ActivePodsWithRanks.Less as a comparator: negative when `a` should be deleted before `b`.
 * Order: unassigned, Pending < Unknown < Running, not ready, lower deletion cost, more co-located,
 * ready for less time, more restarts, newer.
 */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec.nodeName ?? '';
  const nb = pb.spec.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const oa = PHASE_ORDINAL[pa.status?.phase ?? ''] ?? 0;
  const ob = PHASE_ORDINAL[pb.status?.phase ?? ''] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  const ua = pa.metadata.uid ?? '';
  const ub = pb.metadata.uid ?? '';
  if (ra && rb) {
    const t = compareTimes(readySinceMs(pa), readySinceMs(pb), ua, ub, nowMs);
    if (t !== 0) return t;
  }
  const xa = maxRestarts(pa);
  const xb = maxRestarts(pb);
  if (xa.regular !== xb.regular) return xb.regular - xa.regular;
  if (xa.sidecar !== xb.sidecar) return xb.sidecar - xa.sidecar;
  const ta = pa.metadata.creationTimestamp ? fromTimestamp(pa.metadata.creationTimestamp) : undefined;
  const tb = pb.metadata.creationTimestamp ? fromTimestamp(pb.metadata.creationTimestamp) : undefined;
  return compareTimes(ta, tb, ua, ub, nowMs);
}

/**
 * getPodsToDelete: the `count` pods to delete first. Ranks count the ReplicaSet's own pods per
 * node (upstream also counts the pods of sibling ReplicaSets of the same Deployment).
 */
export function podsToDelete(pods: readonly Pod[], count: number, nowMs: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const ranked = pods.map((pod) => ({ pod, rank: pod.spec.nodeName ? perNode.get(pod.spec.nodeName) ?? 0 : 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, nowMs));
  return ranked.slice(0, count).map((r) => r.pod);
}

/** True when every template label is on the pod with the same value. */
function fullyLabeled(pod: Pod, templateLabels: Record<string, string>): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.keys(templateLabels).every((k) => labels[k] === templateLabels[k]);
}

/**
 * calculateStatus: counts over the owned active pods. Zero counts are left out as Go's omitempty
 * leaves them out, except `replicas`, which is always written. (The ReplicaFailure condition is
 * left out; existing conditions are kept as they are.)
 */
export function replicaSetStatus(rs: ReplicaSet, pods: readonly Pod[], nowMs: number): ReplicaSetStatus {
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const minReadySeconds = (rs.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (fullyLabeled(p, templateLabels)) fully++;
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReadySeconds, nowMs)) available++;
  }
  const old = (rs.status ?? {}) as ReplicaSetStatus;
  const generation = rs.metadata.generation ?? 0;
  return {
    replicas: pods.length,
    ...(fully ? { fullyLabeledReplicas: fully } : {}),
    ...(ready ? { readyReplicas: ready } : {}),
    ...(available ? { availableReplicas: available } : {}),
    ...(generation ? { observedGeneration: generation } : {}),
    ...(old.conditions ? { conditions: old.conditions } : {}),
  };
}

/** True when the status differs from what the ReplicaSet holds. */
export function statusChanged(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const cur = (rs.status ?? {}) as ReplicaSetStatus;
  const fields = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const;
  return fields.some((f) => (cur[f] ?? 0) !== (next[f] ?? 0));
}
