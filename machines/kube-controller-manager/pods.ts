/**
 * Pod predicates the controllers share (k8s.io/kubernetes/pkg/api/v1/pod and controller_utils):
 * what counts as ready, available, active and terminating.
 */
import type { Pod, PodCondition } from '../../src/api/objects.ts';
import { fromTimestamp } from '../../src/api/time.ts';

export function readyCondition(pod: Pod): PodCondition | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * podutil.IsPodAvailable: ready, and ready for longer than minReadySeconds (strictly), judged by
 * the Ready condition's lastTransitionTime.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  if (!c.lastTransitionTime) return false;
  return fromTimestamp(c.lastTransitionTime) + minReadySeconds * 1000 < nowMs;
}

/** controller.IsPodActive: not Succeeded or Failed, and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** The pod has a deletionTimestamp. */
export function isPodTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}
