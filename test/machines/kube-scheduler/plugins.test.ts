import { describe, expect, it } from 'vitest';
import type { Node, Pod, Taint, Toleration } from '../../../src/api/objects.ts';
import {
  DEFAULT_MEMORY_REQUEST, makeNodeInfo, newCycleState, podNonZeroRequests, podRequests,
  type NodeInfo, type ScorePlugin, type Status,
} from '../../../machines/kube-scheduler/framework.ts';
import { ErrReasonUnschedulable, NodeUnschedulable } from '../../../machines/kube-scheduler/plugins/NodeUnschedulable.ts';
import { ErrReasonNodeName, NodeName } from '../../../machines/kube-scheduler/plugins/NodeName.ts';
import { TaintToleration, tolerationsTolerateTaint } from '../../../machines/kube-scheduler/plugins/TaintToleration.ts';
import {
  ErrReasonPod, NodeAffinity, nodeMatchesNodeSelectorTerms, podMatchesNodeSelectorAndAffinity,
} from '../../../machines/kube-scheduler/plugins/NodeAffinity.ts';
import { makeNodeResourcesFit, NodeResourcesFit } from '../../../machines/kube-scheduler/plugins/NodeResourcesFit.ts';
import { NodeResourcesBalancedAllocation } from '../../../machines/kube-scheduler/plugins/NodeResourcesBalancedAllocation.ts';
import { ImageLocality, normalizedImageName } from '../../../machines/kube-scheduler/plugins/ImageLocality.ts';
import { CONTROL_PLANE_TAINT, makeNode, makePod, MiB } from './fixtures.ts';

const ok: Status = { code: 'Success', reasons: [] };
const unresolvable = (reason: string): Status => ({ code: 'UnschedulableAndUnresolvable', reasons: [reason] });

function filterOn(plugin: { filter: (p: Pod, n: NodeInfo, s: ReturnType<typeof newCycleState>) => Status }, pod: Pod, node: Node, pods: Pod[] = []): Status {
  const info = makeNodeInfo(node, pods);
  return plugin.filter(pod, info, newCycleState(pod, [info]));
}

/** Raw and normalized scores of one plugin over nodes (each empty unless given pods). */
function scoresOf(plugin: ScorePlugin, pod: Pod, nodes: Node[], podsOn: Record<string, Pod[]> = {}) {
  const infos = nodes.map((n) => makeNodeInfo(n, podsOn[n.metadata.name!] ?? []));
  const state = newCycleState(pod, infos);
  plugin.preScore?.(pod, infos, state);
  const raw = infos.map((i) => plugin.score(pod, i, state));
  return { raw, normalized: plugin.normalize ? plugin.normalize(raw) : raw };
}

describe('pod requests', () => {
  it.each([
    ['sums the regular containers', makePod('p').requests({ cpu: '500m', memory: '1Gi' }).container('b', { cpu: '250m' }).build(),
      { cpu: 750, memory: 1024 * MiB }],
    ['uses limits as requests when only limits are set', makePod('p').limits({ cpu: '1', memory: '1Gi' }).build(), { cpu: 1000, memory: 1024 * MiB }],
    ['takes the larger of the containers and the biggest init container', makePod('p').requests({ cpu: '500m' }).initContainer('init', { cpu: '2' }).build(),
      { cpu: 2000 }],
    ['adds sidecars to the containers and to every later init container', makePod('p').requests({ cpu: '500m' })
      .initContainer('sidecar', { cpu: '300m' }, true).initContainer('init', { cpu: '1' }).build(), { cpu: 1300 }],
    ['asks for extended resources as integers', makePod('p').requests({ 'nvidia.com/gpu': 2 }).build(), { 'nvidia.com/gpu': 2 }],
    ['is empty for a best-effort pod', makePod('p').build(), {}],
  ])('%s', (_name, pod, expected) => {
    expect(podRequests(pod)).toEqual(expected);
  });

  it('applies the 100m / 200MB non-zero defaults only to containers that set no request', () => {
    const pod = makePod('p').requests({ cpu: '0' }).container('b').build();
    expect(podNonZeroRequests(pod)).toEqual({ cpu: 100, memory: 2 * DEFAULT_MEMORY_REQUEST });
  });

  it('builds node info with allocatable falling back to capacity and counting pods', () => {
    const node = makeNode('n1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).allocatable({ cpu: '3800m' }).build();
    const info = makeNodeInfo(node, [makePod('a').requests({ cpu: '1' }).build(), makePod('b').build()]);
    expect(info.allocatable).toEqual({ cpu: 3800, memory: 8192 * MiB, pods: 110 });
    expect(info.requested).toEqual({ pods: 2, cpu: 1000 });
    expect(info.nonZeroRequested).toEqual({ cpu: 1100, memory: 2 * DEFAULT_MEMORY_REQUEST });
  });
});

describe('NodeUnschedulable', () => {
  it.each([
    ['a schedulable node accepts any pod', makeNode('n').build(), makePod('p').build(), ok],
    ['a cordoned node rejects the pod as unresolvable', makeNode('n').unschedulable().build(), makePod('p').build(), unresolvable(ErrReasonUnschedulable)],
    ['a cordoned node accepts a pod tolerating the unschedulable taint', makeNode('n').unschedulable().build(),
      makePod('p').toleration({ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }).build(), ok],
  ])('%s', (_name, node, pod, expected) => {
    expect(filterOn(NodeUnschedulable, pod, node)).toEqual(expected);
  });
  it('words the reason as upstream does', () => expect(ErrReasonUnschedulable).toBe('node(s) were unschedulable'));
});

describe('NodeName', () => {
  it.each([
    ['a pod without nodeName fits any node', makePod('p').build(), ok],
    ['a pod naming this node fits', makePod('p').nodeName('n1').build(), ok],
    ['a pod naming another node does not fit', makePod('p').nodeName('n2').build(), unresolvable("node(s) didn't match the requested node name")],
  ])('%s', (_name, pod, expected) => {
    expect(filterOn(NodeName, pod, makeNode('n1').build())).toEqual(expected);
  });
  it('exports the reason constant', () => expect(ErrReasonNodeName).toBe("node(s) didn't match the requested node name"));
});

describe('TaintToleration', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  it.each<[string, Toleration, boolean]>([
    ['an Equal toleration with the same key, value and effect tolerates', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    ['the default operator is Equal', { key: 'dedicated', value: 'gpu' }, true],
    ['a different value does not tolerate', { key: 'dedicated', value: 'db' }, false],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists' }, true],
    ['an empty key with Exists tolerates everything', { operator: 'Exists' }, true],
    ['a different effect does not tolerate', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, false],
    ['a different key does not tolerate', { key: 'other', operator: 'Exists' }, false],
  ])('%s', (_name, toleration, expected) => {
    expect(tolerationsTolerateTaint([toleration], taint)).toBe(expected);
  });

  it.each([
    ['rejects a NoSchedule taint the pod does not tolerate, naming key and empty value', makeNode('n').taint(CONTROL_PLANE_TAINT).build(),
      makePod('p').build(), unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
    ['rejects a NoExecute taint with its value', makeNode('n').taint({ key: 'k', value: 'v', effect: 'NoExecute' }).build(),
      makePod('p').build(), unresolvable('node(s) had untolerated taint {k: v}')],
    ['reports the first untolerated taint in node order', makeNode('n').taint({ key: 'a', effect: 'NoSchedule' }).taint({ key: 'b', effect: 'NoSchedule' }).build(),
      makePod('p').toleration({ key: 'a', operator: 'Exists' }).build(), unresolvable('node(s) had untolerated taint {b: }')],
    ['ignores PreferNoSchedule taints when filtering', makeNode('n').taint({ key: 'k', effect: 'PreferNoSchedule' }).build(), makePod('p').build(), ok],
    ['accepts a tolerated taint', makeNode('n').taint(CONTROL_PLANE_TAINT).build(),
      makePod('p').toleration({ key: CONTROL_PLANE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }).build(), ok],
  ])('filter %s', (_name, node, pod, expected) => {
    expect(filterOn(TaintToleration, pod, node)).toEqual(expected);
  });

  it('scores by untolerated PreferNoSchedule taints, reversed so the cleanest node gets 100', () => {
    const prefer = (key: string): Taint => ({ key, effect: 'PreferNoSchedule' });
    const nodes = [makeNode('a').build(), makeNode('b').taint(prefer('x')).build(), makeNode('c').taint(prefer('x')).taint(prefer('y')).build(),
      makeNode('d').taint(prefer('x')).taint(prefer('z')).build()];
    // A toleration with an empty effect applies to PreferNoSchedule too; a NoSchedule one does not.
    const pod = makePod('p').toleration({ key: 'z', operator: 'Exists' }).toleration({ key: 'y', operator: 'Exists', effect: 'NoSchedule' }).build();
    expect(scoresOf(TaintToleration, pod, nodes)).toEqual({ raw: [0, 1, 2, 1], normalized: [100, 50, 0, 50] });
  });

  it('normalizes to 100 everywhere when no node has an untolerated preference', () => {
    expect(TaintToleration.normalize([0, 0])).toEqual([100, 100]);
  });
});

describe('NodeAffinity', () => {
  const node = makeNode('n1').label('zone', 'a').label('disk', 'ssd').label('cores', '16').build();
  it.each<[string, Parameters<typeof nodeMatchesNodeSelectorTerms>[1], boolean]>([
    ['In matches a listed value', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }], true],
    ['In fails for an unlisted value', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }], false],
    ['NotIn matches a node without the label', [{ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['x'] }] }], true],
    ['NotIn fails for a listed value', [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }], false],
    ['Exists matches a present label', [{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }], true],
    ['DoesNotExist fails for a present label', [{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }], false],
    ['Gt compares integers', [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }], true],
    ['Lt compares integers, not strings', [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['9'] }] }], false],
    ['Gt with a non-integer value never matches', [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['eight'] }] }], false],
    ['expressions within a term are ANDed', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }], false],
    ['terms are ORed', [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }], true],
    ['matchFields selects by metadata.name', [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], true],
    ['matchFields NotIn excludes the node', [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }], false],
    ['an empty term matches nothing', [{}], false],
    ['an empty list of terms matches nothing', [], false],
  ])('%s', (_name, terms, expected) => {
    expect(nodeMatchesNodeSelectorTerms(node, terms)).toBe(expected);
  });

  it.each([
    ['nodeSelector requires every pair', makePod('p').nodeSelector({ zone: 'a', disk: 'ssd' }).build(), true],
    ['nodeSelector fails on one wrong pair', makePod('p').nodeSelector({ zone: 'a', disk: 'hdd' }).build(), false],
    ['nodeSelector and required affinity must both hold', makePod('p').nodeSelector({ zone: 'a' })
      .requiredTerm({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }).build(), false],
    ['a pod with neither fits anywhere', makePod('p').build(), true],
  ])('%s', (_name, pod, expected) => {
    expect(podMatchesNodeSelectorAndAffinity(pod, node)).toBe(expected);
    expect(filterOn(NodeAffinity, pod, node)).toEqual(expected ? ok : unresolvable(ErrReasonPod));
  });

  it("words the filter reason as upstream: node(s) didn't match Pod's node affinity/selector", () => {
    expect(ErrReasonPod).toBe("node(s) didn't match Pod's node affinity/selector");
  });

  it('scores the summed weights of matching preferred terms, normalized to the best node', () => {
    const pod = makePod('p').preferredTerm(80, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] })
      .preferredTerm(20, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }).build();
    const nodes = [makeNode('a').label('zone', 'a').build(), makeNode('b').label('disk', 'ssd').build(), makeNode('c').build()];
    expect(scoresOf(NodeAffinity, pod, nodes)).toEqual({ raw: [80, 20, 0], normalized: [100, 25, 0] });
  });

  it('skips scoring for a pod without preferences', () => {
    const pod = makePod('p').build();
    expect(NodeAffinity.preScore(pod).code).toBe('Skip');
    expect(NodeAffinity.normalize([0, 0])).toEqual([0, 0]);
  });
});

describe('NodeResourcesFit', () => {
  const node = makeNode('n').capacity({ cpu: '4', memory: '8Gi', pods: '3' }).build();
  const unsched = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
  it.each([
    ['a pod that fits in what is left passes', makePod('p').requests({ cpu: '1', memory: '2Gi' }).build(), [makePod('a').requests({ cpu: '3' }).build()], ok],
    ['too much cpu is Insufficient cpu', makePod('p').requests({ cpu: '2' }).build(), [makePod('a').requests({ cpu: '3' }).build()], unsched('Insufficient cpu')],
    ['every short resource is a reason', makePod('p').requests({ cpu: '5', memory: '9Gi' }).build(), [], unsched('Insufficient cpu', 'Insufficient memory')],
    ['a full node is Too many pods', makePod('p').build(), [makePod('a').build(), makePod('b').build(), makePod('c').build()], unsched('Too many pods')],
    ['an extended resource the node lacks is insufficient', makePod('p').requests({ 'nvidia.com/gpu': 1 }).build(), [], unsched('Insufficient nvidia.com/gpu')],
    ['a best-effort pod fits a node whose cpu is fully requested', makePod('p').build(), [makePod('a').requests({ cpu: '4' }).build()], ok],
  ])('filter: %s', (_name, pod, pods, expected) => {
    expect(filterOn(NodeResourcesFit, pod, node, pods)).toEqual(expected);
  });

  it.each([
    ['1 CPU/2Gi on an empty 4-CPU/8Gi node scores 75', makePod('p').requests({ cpu: '1', memory: '2Gi' }).build(), [], 75],
    ['existing requests count: cpu 25 and memory 75 average to 50', makePod('p').requests({ cpu: '1', memory: '1Gi' }).build(),
      [makePod('a').requests({ cpu: '2', memory: '1Gi' }).build()], 50],
    ['a best-effort pod counts as 100m/200MB: 97', makePod('p').build(), [], 97],
    ['requests beyond capacity score 0 for that resource', makePod('p').requests({ cpu: '5', memory: '4Gi' }).build(), [], 25],
  ])('LeastAllocated: %s', (_name, pod, pods, expected) => {
    expect(scoresOf(NodeResourcesFit, pod, [node], { n: pods }).raw).toEqual([expected]);
  });

  it('MostAllocated prefers the fuller node', () => {
    const most = makeNodeResourcesFit({ scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] } });
    expect(scoresOf(most, makePod('p').requests({ cpu: '1', memory: '2Gi' }).build(), [node]).raw).toEqual([25]);
  });
});

describe('NodeResourcesBalancedAllocation', () => {
  const node = makeNode('n').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).build();
  it.each([
    ['equal cpu and memory fractions score 100', makePod('p').requests({ cpu: '1', memory: '2Gi' }).build(), [], 100],
    ['fractions 0.5 and 0.125 score int((1 − 0.1875) × 100) = 81', makePod('p').requests({ cpu: '2', memory: '1Gi' }).build(), [], 81],
    ['uses real requests, so a best-effort pod on an empty node scores 100', makePod('p').build(), [], 100],
    ['includes the pods already on the node: fractions 0.25 and 1 score 62', makePod('p').requests({ cpu: '1' }).build(), [makePod('a').requests({ memory: '8Gi' }).build()], 62],
  ])('%s', (_name, pod, pods, expected) => {
    expect(scoresOf(NodeResourcesBalancedAllocation, pod, [node], { n: pods }).raw).toEqual([expected]);
  });
});

describe('ImageLocality', () => {
  it.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1.25', 'nginx:1.25'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['nginx@sha256:abc', 'nginx@sha256:abc'],
  ])('normalizes %s to %s', (name, expected) => {
    expect(normalizedImageName(name)).toBe(expected);
  });

  it('scales the image size by its spread: 500MiB on 2 of 4 nodes scores 23', () => {
    const withImage = (name: string) => makeNode(name).image(['nginx:1.25'], 500 * MiB).build();
    const nodes = [withImage('a'), withImage('b'), makeNode('c').build(), makeNode('d').build()];
    const pod = makePod('p').image('nginx:1.25').build();
    // 100 × (250MiB − 23MiB) / (1000MiB − 23MiB) = 23.2
    expect(scoresOf(ImageLocality, pod, nodes).raw).toEqual([23, 23, 0, 0]);
  });

  it('gives 0 to images under the 23MiB threshold', () => {
    const nodes = [makeNode('a').image(['busybox:latest'], 4 * MiB).build()];
    expect(scoresOf(ImageLocality, makePod('p').image('busybox').build(), nodes).raw).toEqual([0]);
  });
});
