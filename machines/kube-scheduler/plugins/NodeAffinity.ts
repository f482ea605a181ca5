/**
 * NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity, component-helpers nodeaffinity):
 * spec.nodeSelector and required node affinity filter nodes; preferred terms add their weights.
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '../../../src/api/objects.ts';
import type { FilterPlugin, ScorePlugin, Status } from '../framework.ts';

export const NAME = 'NodeAffinity';
export const ErrReasonPod = "node(s) didn't match Pod's node affinity/selector";

const INTEGER = /^[+-]?\d+$/;

/**
 * One label requirement, as labels.Selector evaluates it. Malformed requirements (wrong number of
 * values, non-integer Gt/Lt) never match, which is how upstream treats their parse errors.
 */
function labelRequirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const values = r.values ?? [];
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'In':
      return values.length > 0 && has && values.includes(value!);
    case 'NotIn':
      // A node without the label is "not in" any set.
      return values.length > 0 && (!has || !values.includes(value!));
    case 'Exists':
      return values.length === 0 && has;
    case 'DoesNotExist':
      return values.length === 0 && !has;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !INTEGER.test(values[0]!) || !has || !INTEGER.test(value!)) return false;
      // BigInt keeps int64 label values exact.
      const [nodeValue, bound] = [BigInt(value!), BigInt(values[0]!)];
      return r.operator === 'Gt' ? nodeValue > bound : nodeValue < bound;
    }
    default:
      return false;
  }
}

/** matchFields supports only metadata.name with In/NotIn and exactly one value. */
function fieldRequirementMatches(r: NodeSelectorRequirement, node: Node): boolean {
  const values = r.values ?? [];
  if (r.key !== 'metadata.name' || values.length !== 1) return false;
  if (r.operator === 'In') return node.metadata.name === values[0];
  if (r.operator === 'NotIn') return node.metadata.name !== values[0];
  return false;
}

/** One term: expressions and fields are ANDed; an empty term matches nothing. */
export function nodeMatchesNodeSelectorTerm(node: Node, term: NodeSelectorTerm): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return expressions.every((r) => labelRequirementMatches(r, labels)) && fields.every((r) => fieldRequirementMatches(r, node));
}

/** Terms are ORed: the node matches when any term matches (none when the list is empty). */
export function nodeMatchesNodeSelectorTerms(node: Node, terms: readonly NodeSelectorTerm[]): boolean {
  return terms.some((term) => nodeMatchesNodeSelectorTerm(node, term));
}

/** spec.nodeSelector (every pair) AND required node affinity (when present). Shared with the kubelet's admission. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec.nodeSelector ?? {})) {
    if (!Object.hasOwn(labels, k) || labels[k] !== v) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || nodeMatchesNodeSelectorTerms(node, required.nodeSelectorTerms ?? []);
}

/** Sum of the weights of the preferred terms the node matches (zero-weight and empty terms are ignored). */
export function preferredAffinityScore(pod: Pod, node: Node): number {
  const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let sum = 0;
  for (const { weight, preference } of preferred) {
    if (weight !== 0 && nodeMatchesNodeSelectorTerm(node, preference)) sum += weight;
  }
  return sum;
}

export const NodeAffinity = {
  name: NAME,
  filter(pod, nodeInfo): Status {
    if (podMatchesNodeSelectorAndAffinity(pod, nodeInfo.node)) return { code: 'Success', reasons: [] };
    // Evicting pods cannot change labels, so preemption will not help.
    return { code: 'UnschedulableAndUnresolvable', reasons: [ErrReasonPod] };
  },
  preScore(pod): Status {
    // Upstream skips scoring when the pod states no preferences; all nodes would score 0 anyway.
    const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    return { code: preferred.length === 0 ? 'Skip' : 'Success', reasons: [] };
  },
  score(pod, nodeInfo): number {
    return preferredAffinityScore(pod, nodeInfo.node);
  },
  normalize(scores: number[]): number[] {
    // DefaultNormalizeScore: best match → 100; all 0 when nothing matched.
    const max = scores.reduce((m, s) => Math.max(m, s), 0);
    return max === 0 ? scores.map(() => 0) : scores.map((s) => Math.trunc((100 * s) / max));
  },
} satisfies FilterPlugin & ScorePlugin;
