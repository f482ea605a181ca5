/**
 * NodeResourcesFit (pkg/scheduler/framework/plugins/noderesources/fit.go, least_allocated.go,
 * most_allocated.go): the pod's requests must fit in what the node's pods leave of allocatable;
 * scoring prefers the least (default) or most allocated node over cpu and memory.
 */
import type { FilterPlugin, NodeInfo, ScorePlugin, Status } from '../framework.ts';

export const NAME = 'NodeResourcesFit';
export const ErrReasonTooManyPods = 'Too many pods';

/** "Insufficient cpu", "Insufficient nvidia.com/gpu": one reason per short resource. */
export function errReasonInsufficient(resource: string): string {
  return `Insufficient ${resource}`;
}

export interface InsufficientResource { resource: string; reason: string; requested: number; used: number; capacity: number }

/**
 * upstream fitsRequest: every resource the pod asks for that the node cannot give, in upstream's
 * order (pods, cpu, memory, ephemeral-storage, then the others in request order). Shared with
 * the kubelet's admission, which rejects with OutOf<resource> for the same shortfalls.
 */
export function fitsRequest(podRequest: Record<string, number>, nodeInfo: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = (r: string) => nodeInfo.allocatable[r] ?? 0;
  const used = (r: string) => nodeInfo.requested[r] ?? 0;
  const podCount = nodeInfo.pods.length;
  if (podCount + 1 > alloc('pods')) {
    out.push({ resource: 'pods', reason: ErrReasonTooManyPods, requested: 1, used: podCount, capacity: alloc('pods') });
  }
  const ordered = ['cpu', 'memory', 'ephemeral-storage', ...Object.keys(podRequest).filter(
    (r) => r !== 'cpu' && r !== 'memory' && r !== 'ephemeral-storage' && r !== 'pods')];
  for (const r of ordered) {
    const want = podRequest[r] ?? 0;
    // A zero request never fails, even on a node that lacks the resource entirely.
    if (want > 0 && want > alloc(r) - used(r)) {
      out.push({ resource: r, reason: errReasonInsufficient(r), requested: want, used: used(r), capacity: alloc(r) });
    }
  }
  return out;
}

export type ScoringStrategy = 'LeastAllocated' | 'MostAllocated';

export interface NodeResourcesFitArgs {
  scoringStrategy: { type: ScoringStrategy; resources: Array<{ name: string; weight: number }> };
}

export const DEFAULT_FIT_ARGS: NodeResourcesFitArgs = {
  scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] },
};

/** (capacity − requested) × 100 / capacity in integers; 0 once requests exceed capacity. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * 100) / capacity);
}

/** min(requested, capacity) × 100 / capacity in integers. */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.trunc((Math.min(requested, capacity) * 100) / capacity);
}

/** Node totals plus the pod, with the non-zero defaults for cpu and memory so empty pods still spread. */
function requestedWithPod(resource: string, podRequest: number, nodeInfo: NodeInfo): number {
  if (resource === 'cpu') return nodeInfo.nonZeroRequested.cpu + podRequest;
  if (resource === 'memory') return nodeInfo.nonZeroRequested.memory + podRequest;
  return (nodeInfo.requested[resource] ?? 0) + podRequest;
}

/** A NodeResourcesFit plugin with the given scoring strategy. */
export function makeNodeResourcesFit(args: NodeResourcesFitArgs = DEFAULT_FIT_ARGS) {
  const { type, resources } = args.scoringStrategy;
  const perResource = type === 'LeastAllocated' ? leastRequestedScore : mostRequestedScore;
  return {
    name: NAME,
    filter(_pod, nodeInfo, state): Status {
      const short = fitsRequest(state.podRequests, nodeInfo);
      if (short.length === 0) return { code: 'Success', reasons: [] };
      // Unschedulable, not unresolvable: evicting pods could free the room.
      return { code: 'Unschedulable', reasons: short.map((s) => s.reason) };
    },
    score(_pod, nodeInfo, state): number {
      let sum = 0;
      let weights = 0;
      for (const { name, weight } of resources) {
        const podRequest = name === 'cpu' ? state.podNonZeroRequests.cpu
          : name === 'memory' ? state.podNonZeroRequests.memory : (state.podRequests[name] ?? 0);
        // Extended resources the pod does not ask for, and resources the node lacks, are left out.
        if (name !== 'cpu' && name !== 'memory' && podRequest === 0) continue;
        const capacity = nodeInfo.allocatable[name] ?? 0;
        if (capacity === 0) continue;
        sum += perResource(requestedWithPod(name, podRequest, nodeInfo), capacity) * weight;
        weights += weight;
      }
      return weights === 0 ? 0 : Math.trunc(sum / weights);
    },
  } satisfies FilterPlugin & ScorePlugin;
}

export const NodeResourcesFit = makeNodeResourcesFit();
