/**
 * The taint-eviction controller's decisions as pure functions
 * (pkg/controller/tainteviction/taint_eviction.go and timed_workers.go, Kubernetes 1.32): which
 * NoExecute taints a node has, which tolerations a pod uses against them, how long it may stay,
 * and what processPodOnNode does with the pod's scheduled eviction.
 */
import type { PodCondition, PodStatus, Taint, Toleration } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { tolerationToleratesTaint } from '../kube-scheduler/plugins/TaintToleration.ts';
import { canonicalJson } from './canonical.ts';

export const TAINT_EVICTION_CONTROLLER = 'taint-eviction-controller';
/** deletePodHandler's retries, 10 ms apart. */
export const EVICTION_RETRIES = 5;
export const EVICTION_RETRY_MS = 10;

export const DISRUPTION_TARGET_REASON = 'DeletionByTaintManager';
export const DISRUPTION_TARGET_MESSAGE = 'Taint manager: deleting due to NoExecute taint';

/** getNoExecuteTaints. */
export function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** helper.Semantic.DeepEqual over two lists (order matters, as it does upstream). */
export function sameList(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  return canonicalJson(a ?? []) === canonicalJson(b ?? []);
}

/**
 * v1helper.GetMatchingTolerations: every taint must be tolerated; for each, the first toleration
 * that does is the one used.
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): { allTolerated: boolean; used: Toleration[] } {
  if (taints.length === 0) return { allTolerated: true, used: [] };
  const list = tolerations ?? [];
  if (list.length === 0) return { allTolerated: false, used: [] };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = list.find((x) => tolerationToleratesTaint(x, taint));
    if (!t) return { allTolerated: false, used: [] };
    used.push(t);
  }
  return { allTolerated: true, used };
}

/**
 * getMinTolerationTime in ms: the smallest tolerationSeconds among the tolerations used, 0 when
 * one is <= 0 or none is used, and -1 (forever) when none has seconds.
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min: number | undefined;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    if (min === undefined || t.tolerationSeconds < min) min = t.tolerationSeconds;
  }
  return min === undefined ? -1 : min * 1000;
}

/** A scheduled eviction: created at, and when its timer fires. */
export interface ScheduledEviction { createdAtMs: number; fireAtMs: number }

/**
 * The work queue's entry for a pod: a timer waiting, `null` once the work ran (or is running: the
 * key stays so the pod is not queued again until the entry is cancelled), undefined for none.
 */
export type EvictionEntry = ScheduledEviction | null | undefined;

export type EvictionStep =
  | { op: 'cancel' }
  /** TimedWorkerQueue.AddWork(createdAt, fireAt): skipped when the key exists; run at once when fireAt <= createdAt. */
  | { op: 'add'; createdAtMs: number; fireAtMs: number };

/**
 * processPodOnNode for a node that has NoExecute taints: a pod that does not tolerate them all is
 * deleted at once; one tolerating them forever has any eviction cancelled; otherwise it is due
 * min(tolerationSeconds) after now, unless an eviction already scheduled is earlier.
 */
export function processPodOnNode(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined, nowMs: number, existing: EvictionEntry): EvictionStep[] {
  const steps: EvictionStep[] = [];
  let entry = existing;
  if (taints.length === 0) {
    steps.push({ op: 'cancel' });
    entry = undefined;
  }
  const { allTolerated, used } = matchingTolerations(taints, tolerations);
  if (!allTolerated) return [...steps, { op: 'cancel' }, { op: 'add', createdAtMs: nowMs, fireAtMs: nowMs }];
  const min = minTolerationMs(used);
  if (min < 0) return [...steps, { op: 'cancel' }];
  let startMs = nowMs;
  const triggerMs = nowMs + min;
  if (entry) {
    startMs = entry.createdAtMs;
    if (startMs + min < triggerMs) return steps;
    steps.push({ op: 'cancel' });
  }
  return [...steps, { op: 'add', createdAtMs: startMs, fireAtMs: triggerMs }];
}

/**
 * The DisruptionTarget condition the eviction adds before deleting (UpdatePodCondition: the
 * transition time moves only when the status does); undefined when it is already there as is.
 */
export function withDisruptionTarget(status: PodStatus | undefined, nowMs: number): PodStatus | undefined {
  const conditions = status?.conditions ?? [];
  const cond: PodCondition = { type: 'DisruptionTarget', status: 'True', reason: DISRUPTION_TARGET_REASON, message: DISRUPTION_TARGET_MESSAGE, lastTransitionTime: timestamp(nowMs) };
  const i = conditions.findIndex((c) => c.type === 'DisruptionTarget');
  if (i < 0) return { ...(status ?? {}), conditions: [...conditions, cond] };
  const old = conditions[i]!;
  if (old.status === cond.status) cond.lastTransitionTime = old.lastTransitionTime;
  const equal = old.status === cond.status && old.reason === cond.reason && old.message === cond.message && old.lastTransitionTime === cond.lastTransitionTime
    && (old.lastProbeTime ?? null) === null;
  if (equal) return undefined;
  const next = [...conditions];
  next[i] = cond;
  return { ...(status ?? {}), conditions: next };
}
