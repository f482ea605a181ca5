/**
 * NodeResourcesBalancedAllocation (pkg/scheduler/framework/plugins/noderesources/
 * balanced_allocation.go): prefers nodes whose cpu and memory fill up evenly once the pod lands.
 * Unlike NodeResourcesFit it uses the real requests, without the non-zero defaults.
 */
import type { ScorePlugin } from '../framework.ts';

export const NAME = 'NodeResourcesBalancedAllocation';

/** (1 − standard deviation of the requested/allocatable fractions) × 100, truncated; fractions cap at 1. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  for (const [i, capacity] of allocatable.entries()) {
    if (capacity === 0) continue;
    fractions.push(Math.min(requested[i]! / capacity, 1));
  }
  let std = 0;
  if (fractions.length === 2) {
    // Upstream's shortcut for the usual two resources; equal to the population std.
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * 100);
}

export const NodeResourcesBalancedAllocation = {
  name: NAME,
  score(_pod, nodeInfo, state): number {
    const resources = ['cpu', 'memory'];
    const requested = resources.map((r) => (nodeInfo.requested[r] ?? 0) + (state.podRequests[r] ?? 0));
    const allocatable = resources.map((r) => nodeInfo.allocatable[r] ?? 0);
    return balancedResourceScore(requested, allocatable);
  },
} satisfies ScorePlugin;
