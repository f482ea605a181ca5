import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/api/objects.ts';
import {
  DEFAULT_PROFILE, fitErrorMessage, makeNodeInfo, NO_NODES_AVAILABLE, numFeasibleNodesToFind, schedulePod,
  type FilterPlugin, type Profile, type ScheduleFailure, type ScheduleSuccess, type ScorePlugin,
} from '../../../machines/kube-scheduler/framework.ts';
import { CONTROL_PLANE_TAINT, makeNode, makePod } from './fixtures.ts';

const infos = (nodes: Node[], podsOn: Record<string, Pod[]> = {}) => nodes.map((n) => makeNodeInfo(n, podsOn[n.metadata.name!] ?? []));
const never = (): number => {
  throw new Error('pickIndex must not be called without a tie');
};
const nodesNamed = (count: number) => Array.from({ length: count }, (_, i) => makeNode(`n${i}`).build());

function succeed(pod: Pod, nodes: Node[], opts: { podsOn?: Record<string, Pod[]>; pick?: (n: number) => number; start?: number; profile?: Profile } = {}): ScheduleSuccess {
  const r = schedulePod(pod, infos(nodes, opts.podsOn), opts.profile ?? DEFAULT_PROFILE, opts.pick ?? never, opts.start ?? 0);
  if (!r.ok) throw new Error(`expected success, got ${r.message}`);
  return r;
}

function fail(pod: Pod, nodes: Node[], profile: Profile = DEFAULT_PROFILE): ScheduleFailure {
  const r = schedulePod(pod, infos(nodes), profile, never);
  if (r.ok) throw new Error(`expected failure, got ${r.node}`);
  return r;
}

describe('numFeasibleNodesToFind', () => {
  it.each([
    [10, 0, 10], [99, 0, 99], [100, 0, 100], [500, 0, 230], [1000, 0, 420], [5000, 0, 500],
    [1000, 10, 100], [1000, 50, 500], [150, 0, 100],
  ])('with %i nodes and percentageOfNodesToScore %i examines until %i are feasible', (n, pct, expected) => {
    expect(numFeasibleNodesToFind(n, pct)).toBe(expected);
  });
});

describe('the default profile', () => {
  it('filters in upstream order and scores with upstream weights', () => {
    expect(DEFAULT_PROFILE.filter.map((p) => p.name)).toEqual(['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodeResourcesFit']);
    expect(DEFAULT_PROFILE.score.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['TaintToleration', 3], ['NodeAffinity', 2], ['NodeResourcesFit', 1], ['NodeResourcesBalancedAllocation', 1], ['ImageLocality', 1],
    ]);
  });
});

describe('FitError messages', () => {
  it('reports a tainted control plane and three full workers exactly as upstream', () => {
    const nodes = [makeNode('cp').taint(CONTROL_PLANE_TAINT).build(),
      ...[1, 2, 3].map((i) => makeNode(`w${i}`).capacity({ cpu: '1', memory: '8Gi', pods: '110' }).build())];
    const r = fail(makePod('p').requests({ cpu: '2' }).build(), nodes);
    expect(r.message).toBe('0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. '
      + 'preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.');
    expect(r.reason).toBe('Unschedulable');
    expect(r.diagnosis).toEqual({ 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }': 1, 'Insufficient cpu': 3 });
    expect(r.unschedulablePlugins).toEqual(['TaintToleration', 'NodeResourcesFit']);
  });

  it('counts each reason of a node that fails on several resources', () => {
    const r = fail(makePod('p').requests({ cpu: '5', memory: '9Gi' }).build(), nodesNamed(2));
    expect(r.message).toBe('0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. '
      + 'preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.');
  });

  it('sorts the "count reason" strings as strings, so 10 comes before 2', () => {
    expect(fitErrorMessage(12, { 'node(s) were unschedulable': 2, "node(s) didn't match Pod's node affinity/selector": 10 }))
      .toBe("0/12 nodes are available: 10 node(s) didn't match Pod's node affinity/selector, 2 node(s) were unschedulable.");
  });

  it('says preemption is not eligible for a pod with preemptionPolicy Never', () => {
    const r = fail(makePod('p').requests({ cpu: '5' }).preemptionPolicy('Never').build(), nodesNamed(1));
    expect(r.message).toBe('0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
  });

  it('reports an empty cluster as having no nodes available', () => {
    const r = fail(makePod('p').build(), []);
    expect(r.message).toBe(NO_NODES_AVAILABLE);
    expect(r.nextStartIndex).toBe(0);
  });

  it('reports a PreFilter rejection once instead of per node', () => {
    const gate: FilterPlugin = {
      name: 'Gate', preFilter: () => ({ code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "data" not found'] }),
      filter: () => ({ code: 'Success', reasons: [] }),
    };
    const r = fail(makePod('p').build(), nodesNamed(3), { ...DEFAULT_PROFILE, filter: [gate, ...DEFAULT_PROFILE.filter] });
    expect(r.message).toBe('0/3 nodes are available: persistentvolumeclaim "data" not found. '
      + 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
    expect(r.evaluated).toEqual([]);
  });
});

describe('filtering', () => {
  it('stops at the first rejecting filter and records each filter that ran', () => {
    const nodes = [makeNode('cordoned').unschedulable().taint(CONTROL_PLANE_TAINT).build(), makeNode('ok').build()];
    const r = succeed(makePod('p').build(), nodes);
    expect(r.evaluated[0]!.filters.map((f) => [f.plugin, f.status.code])).toEqual([['NodeUnschedulable', 'UnschedulableAndUnresolvable']]);
    expect(r.evaluated[0]!.filters[0]!.status).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'], plugin: 'NodeUnschedulable' });
    expect(r.evaluated[1]!.filters.map((f) => f.status.code)).toEqual(['Success', 'Success', 'Success', 'Success', 'Success']);
  });

  it('picks the only feasible node without scoring', () => {
    const r = succeed(makePod('p').requests({ cpu: '3' }).build(), nodesNamed(3), { podsOn: { n0: [makePod('a').requests({ cpu: '2' }).build()], n2: [makePod('b').requests({ cpu: '2' }).build()] } });
    expect(r.node).toBe('n1');
    expect(r.feasible).toEqual(['n1']);
    expect(r.evaluated.every((e) => e.scores === undefined)).toBe(true);
  });

  it.each([
    ['starts at startIndex and wraps around', 5, 3, ['n3', 'n4', 'n0', 'n1', 'n2'], 3],
    ['examines only enough nodes in a large cluster and resumes after them', 200, 150, undefined, 50],
  ])('%s', (_name, count, start, order, nextStart) => {
    const r = succeed(makePod('p').build(), nodesNamed(count), { start, pick: () => 0 });
    if (order) expect(r.evaluated.map((e) => e.node)).toEqual(order);
    else expect(r.evaluated.length).toBe(numFeasibleNodesToFind(count));
    expect(r.evaluated[0]!.node).toBe(`n${start}`);
    expect(r.nextStartIndex).toBe(nextStart);
  });

  it('stops at the first feasible node when the profile has no score plugins', () => {
    const r = succeed(makePod('p').build(), nodesNamed(4), { profile: { ...DEFAULT_PROFILE, score: [] }, start: 1 });
    expect(r.node).toBe('n1');
    expect(r.nextStartIndex).toBe(2);
  });

  it('turns a filter Error into a SchedulerError', () => {
    const broken: FilterPlugin = { name: 'Broken', filter: () => ({ code: 'Error', reasons: ['boom'] }) };
    const r = fail(makePod('p').build(), nodesNamed(2), { ...DEFAULT_PROFILE, filter: [broken] });
    expect(r.reason).toBe('SchedulerError');
    expect(r.message).toBe('running "Broken" filter plugin: boom');
  });
});

describe('scoring and selection', () => {
  it('records raw, normalized and weighted scores and picks the best total', () => {
    const nodes = [makeNode('busy').build(), makeNode('idle').build(),
      makeNode('soft-tainted').taint({ key: 'spot', effect: 'PreferNoSchedule' }).build()];
    const r = succeed(makePod('p').requests({ cpu: '1', memory: '2Gi' }).build(), nodes,
      { podsOn: { busy: [makePod('a').requests({ cpu: '2', memory: '2Gi' }).build()] } });
    expect(r.node).toBe('idle');
    const idle = r.evaluated.find((e) => e.node === 'idle')!;
    // NodeAffinity skips scoring for a pod without preferences, so it has no row.
    expect(idle.scores).toEqual([
      { plugin: 'TaintToleration', weight: 3, raw: 0, normalized: 100, weighted: 300 },
      { plugin: 'NodeResourcesFit', weight: 1, raw: 75, normalized: 75, weighted: 75 },
      { plugin: 'NodeResourcesBalancedAllocation', weight: 1, raw: 100, normalized: 100, weighted: 100 },
      { plugin: 'ImageLocality', weight: 1, raw: 0, normalized: 0, weighted: 0 },
    ]);
    expect(idle.total).toBe(475);
    expect(r.evaluated.find((e) => e.node === 'soft-tainted')!.total).toBe(175);
    // busy: cpu 25, memory 50 → 37; fractions 0.75 and 0.5 → 87.
    expect(r.evaluated.find((e) => e.node === 'busy')!.total).toBe(300 + 37 + 87);
  });

  it.each([[0, 'n0'], [1, 'n1'], [2, 'n2']])('breaks a three-way tie with pickIndex returning %i', (index, expected) => {
    const calls: number[] = [];
    const r = succeed(makePod('p').build(), nodesNamed(3), { pick: (n) => (calls.push(n), index) });
    expect(r.tied).toEqual(['n0', 'n1', 'n2']);
    expect(calls).toEqual([3]);
    expect(r.node).toBe(expected);
  });

  it('rejects a pickIndex outside the tie', () => {
    expect(() => schedulePod(makePod('p').build(), infos(nodesNamed(2)), DEFAULT_PROFILE, () => 2)).toThrow('pickIndex(2) returned 2');
  });

  it('turns a normalized score outside 0..100 into a SchedulerError', () => {
    const wild: ScorePlugin = { name: 'Wild', score: () => 101 };
    const r = fail(makePod('p').build(), nodesNamed(2), { ...DEFAULT_PROFILE, score: [{ plugin: wild, weight: 1 }] });
    expect(r.reason).toBe('SchedulerError');
  });

  it('is a pure function: the same inputs give the same result', () => {
    const pod = makePod('p').requests({ cpu: '500m' }).build();
    const nodes = nodesNamed(7);
    const run = () => schedulePod(pod, infos(nodes), DEFAULT_PROFILE, (n) => n - 1, 4);
    expect(run()).toEqual(run());
  });
});
