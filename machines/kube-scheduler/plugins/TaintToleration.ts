/**
 * TaintToleration (pkg/scheduler/framework/plugins/tainttoleration): NoSchedule and NoExecute
 * taints the pod does not tolerate make the node infeasible; untolerated PreferNoSchedule taints
 * lower its score.
 */
import type { Taint, Toleration } from '../../../src/api/objects.ts';
import type { FilterPlugin, ScorePlugin, Status } from '../framework.ts';

export const NAME = 'TaintToleration';

/** Upstream wording since 1.25, with the first untolerated taint's key and value. */
export function errReasonUntoleratedTaint(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** v1.Toleration.ToleratesTaint: an empty effect or key matches any; operator "" means Equal. */
export function tolerationToleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** True when any toleration tolerates the taint (shared with the kubelet and node lifecycle controller). */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerationToleratesTaint(t, taint));
}

/** The first taint, in node order, whose effect is selected and which no toleration tolerates. */
export function findMatchingUntoleratedTaint(taints: readonly Taint[] | undefined, tolerations: readonly Toleration[] | undefined,
  effects: ReadonlyArray<Taint['effect']>): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !tolerationsTolerateTaint(tolerations, taint));
}

export const TaintToleration = {
  name: NAME,
  filter(pod, nodeInfo): Status {
    const taint = findMatchingUntoleratedTaint(nodeInfo.node.spec.taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute']);
    if (!taint) return { code: 'Success', reasons: [] };
    // Preemption cannot remove a taint, hence unresolvable.
    return { code: 'UnschedulableAndUnresolvable', reasons: [errReasonUntoleratedTaint(taint)] };
  },
  score(pod, nodeInfo): number {
    // Only tolerations that can apply to PreferNoSchedule count; an empty effect means all effects.
    const tolerations = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return (nodeInfo.node.spec.taints ?? [])
      .filter((taint) => taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)).length;
  },
  normalize(scores: number[]): number[] {
    // DefaultNormalizeScore(reverse): fewest untolerated taints → 100; all 100 when none has any.
    const max = scores.reduce((m, s) => Math.max(m, s), 0);
    if (max === 0) return scores.map(() => 100);
    return scores.map((s) => 100 - Math.trunc((100 * s) / max));
  },
} satisfies FilterPlugin & ScorePlugin;
