import { describe, expect, it } from 'vitest';
import type { Node, NodeCondition, Taint } from '../../../src/api/objects.ts';
import { timestamp } from '../../../src/api/time.ts';
import { microTime } from '../../../machines/kubelet/node.ts';
import {
  addOrUpdateTaint, computeZoneState, DEFAULT_NODE_LIFECYCLE_CONFIG, handleDisruption, labelsToReconcile, noExecuteSwap, noScheduleTaintDiff,
  podNotReadyStatus, removeTaint, tryUpdateNodeHealth, zoneEvictionRate, zoneKey, type NodeHealth, type ZoneState,
} from '../../../machines/kube-controller-manager/nodelifecycle-logic.ts';
import { EVICTION_RATE_LIMITER_BURST, onGrid, RateLimitedTimedQueue, TokenBucket } from '../../../machines/kube-controller-manager/ratelimit.ts';
import { nodeLifecycleConfig } from '../../../machines/kube-controller-manager/nodelifecycle.ts';
import { pod } from './harness.ts';

const S = 1000;
const cfg = { nodeMonitorGracePeriodMs: 50 * S, nodeStartupGracePeriodMs: 60 * S };

function cond(type: string, status: NodeCondition['status'], heartbeatMs: number, transitionMs = 0, reason = 'KubeletReady'): NodeCondition {
  return { type, status, lastHeartbeatTime: timestamp(heartbeatMs), lastTransitionTime: timestamp(transitionMs), reason, message: 'kubelet says so' };
}

function node(name: string, o: { conditions?: NodeCondition[]; taints?: Taint[]; labels?: Record<string, string>; unschedulable?: boolean } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: timestamp(0), labels: o.labels ?? {} },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: { conditions: o.conditions ?? [cond('MemoryPressure', 'False', 0), cond('DiskPressure', 'False', 0), cond('PIDPressure', 'False', 0), cond('Ready', 'True', 0)] },
  };
}

const readyOf = (s: NonNullable<Node['status']> | undefined) => s?.conditions?.find((c) => c.type === 'Ready');

describe('the kube-controller-manager flags', () => {
  it('default as in 1.32 and take seconds', () => {
    expect(nodeLifecycleConfig({})).toEqual(DEFAULT_NODE_LIFECYCLE_CONFIG);
    expect(DEFAULT_NODE_LIFECYCLE_CONFIG).toEqual({
      nodeMonitorPeriodMs: 5000, nodeMonitorGracePeriodMs: 50000, nodeStartupGracePeriodMs: 60000,
      nodeEvictionRate: 0.1, secondaryNodeEvictionRate: 0.01, largeClusterSizeThreshold: 50, unhealthyZoneThreshold: 0.55,
    });
    expect(nodeLifecycleConfig({ nodeMonitorGracePeriod: 40, nodeMonitorPeriod: 2.5, nodeEvictionRate: 1 })).toMatchObject({ nodeMonitorGracePeriodMs: 40000, nodeMonitorPeriodMs: 2500, nodeEvictionRate: 1 });
  });
});

describe('tryUpdateNodeHealth', () => {
  const seen = (n: Node, probeMs: number, leaseMs?: number): NodeHealth => ({ status: n.status!, probeTimestampMs: probeMs, readyTransitionTimestampMs: 0, ...(leaseMs !== undefined ? { leaseRenewMs: leaseMs } : {}) });

  it.each([
    // name, health probe, saved lease, lease now, now, update expected, probe after
    ['first look: the probe starts now', undefined, undefined, undefined, 5 * S, false, 5 * S],
    ['a renewed Lease moves the probe to now', 5 * S, 10 * S, 20 * S, 25 * S, false, 25 * S],
    ['the same Lease leaves the probe where it was', 5 * S, 20 * S, 20 * S, 30 * S, false, 5 * S],
    ['exactly at probe + grace: not yet (strictly after)', 5 * S, 20 * S, 20 * S, 55 * S, false, 5 * S],
    ['past probe + grace: Unknown', 5 * S, 20 * S, 20 * S, 55 * S + 1, true, 5 * S],
  ] as const)('%s', (_name, probe, savedLease, lease, now, update, probeAfter) => {
    const n = node('w');
    const health = probe === undefined ? undefined : seen(n, probe, savedLease);
    const o = tryUpdateNodeHealth({ node: n, health, leaseRenewTime: lease === undefined ? undefined : microTime(lease), nowMs: now, config: cfg });
    expect(o.update !== undefined).toBe(update);
    expect(o.health.probeTimestampMs).toBe(probeAfter);
    expect(o.gracePeriodMs).toBe(50 * S);
    expect(o.observed.status).toBe('True');
  });

  it('a new Ready heartbeat moves the probe too, and a changed transition time the transition stamp', () => {
    const before = node('w');
    const after = node('w', { conditions: [cond('Ready', 'True', 300 * S, 300 * S)] });
    const o = tryUpdateNodeHealth({ node: after, health: seen(before, 5 * S), leaseRenewTime: undefined, nowMs: 301 * S, config: cfg });
    expect(o.health).toMatchObject({ probeTimestampMs: 301 * S, readyTransitionTimestampMs: 301 * S });
    expect(o.update).toBeUndefined();
  });

  it('sets Ready and the pressure conditions Unknown (never NetworkUnavailable), keeping their heartbeats', () => {
    const n = node('w', { conditions: [cond('NetworkUnavailable', 'False', 0), cond('MemoryPressure', 'False', 10 * S), cond('Ready', 'True', 10 * S, 2 * S)] });
    const o = tryUpdateNodeHealth({ node: n, health: seen(n, 10 * S, 10 * S), leaseRenewTime: microTime(10 * S), nowMs: 65 * S, config: cfg });
    const conds = o.update!.status.conditions!;
    expect(conds.find((c) => c.type === 'NetworkUnavailable')!.status).toBe('False');
    expect(conds.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: timestamp(10 * S), lastTransitionTime: timestamp(65 * S),
    });
    expect(conds.find((c) => c.type === 'MemoryPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', lastHeartbeatTime: timestamp(10 * S) });
    // Missing ones are added as never updated.
    expect(conds.find((c) => c.type === 'DiskPressure')).toEqual({
      type: 'DiskPressure', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
      lastHeartbeatTime: timestamp(0), lastTransitionTime: timestamp(65 * S),
    });
    expect(o.observed.status).toBe('True');
    expect(o.current!.status).toBe('Unknown');
    expect(o.update!.health).toMatchObject({ probeTimestampMs: 10 * S, readyTransitionTimestampMs: 65 * S, leaseRenewMs: 10 * S });
  });

  it('writes nothing when Ready is already Unknown', () => {
    const n = node('w', { conditions: [cond('Ready', 'Unknown', 10 * S, 65 * S, 'NodeStatusUnknown')] });
    const o = tryUpdateNodeHealth({ node: n, health: seen(n, 10 * S, 10 * S), leaseRenewTime: microTime(10 * S), nowMs: 200 * S, config: cfg });
    expect(o.update).toBeUndefined();
    expect(o.current!.status).toBe('Unknown');
  });

  it('gives a node that never posted Ready the startup grace, from its creation', () => {
    const n = node('w', { conditions: [] });
    const early = tryUpdateNodeHealth({ node: n, health: undefined, leaseRenewTime: undefined, nowMs: 60 * S, config: cfg });
    expect(early.gracePeriodMs).toBe(60 * S);
    expect(early.observed).toMatchObject({ type: 'Ready', status: 'Unknown' });
    expect(early.update).toBeUndefined();
    const late = tryUpdateNodeHealth({ node: n, health: early.health, leaseRenewTime: undefined, nowMs: 60 * S + 1, config: cfg });
    expect(readyOf(late.update!.status)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
  });

  it('a record replaced by a new heartbeat forgets the Lease, so the next look counts it as renewed', () => {
    const before = node('w');
    const after = node('w', { conditions: [cond('Ready', 'True', 300 * S)] });
    const o1 = tryUpdateNodeHealth({ node: after, health: seen(before, 5 * S, 290 * S), leaseRenewTime: microTime(290 * S), nowMs: 301 * S, config: cfg });
    expect(o1.health.leaseRenewMs).toBeUndefined();
    const o2 = tryUpdateNodeHealth({ node: after, health: o1.health, leaseRenewTime: microTime(290 * S), nowMs: 306 * S, config: cfg });
    expect(o2.health).toMatchObject({ probeTimestampMs: 306 * S, leaseRenewMs: 290 * S });
  });
});

describe('taints', () => {
  const u = (effect: Taint['effect'], timeAdded?: string): Taint => ({ key: 'node.kubernetes.io/unreachable', effect, ...(timeAdded ? { timeAdded } : {}) });

  it.each([
    ['Ready True, no taints: nothing', node('w'), [], []],
    ['Ready False: not-ready', node('w', { conditions: [cond('Ready', 'False', 0)] }), ['node.kubernetes.io/not-ready'], []],
    ['Ready Unknown: unreachable, and a stale not-ready goes', node('w', { conditions: [cond('Ready', 'Unknown', 0)], taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }), ['node.kubernetes.io/unreachable'], ['node.kubernetes.io/not-ready']],
    ['Ready True again: unreachable goes (NoExecute ones are not this pass\'s)', node('w', { taints: [u('NoSchedule'), u('NoExecute')] }), [], ['node.kubernetes.io/unreachable']],
    ['pressure and network conditions', node('w', { conditions: [cond('Ready', 'True', 0), cond('MemoryPressure', 'True', 0), cond('DiskPressure', 'True', 0), cond('PIDPressure', 'True', 0), cond('NetworkUnavailable', 'True', 0)] }),
      ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/network-unavailable'], []],
    ['spec.unschedulable', node('w', { unschedulable: true }), ['node.kubernetes.io/unschedulable'], []],
    ['foreign NoSchedule taints are left alone', node('w', { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] }), [], []],
  ] as const)('NoSchedule pass: %s', (_name, n, add, remove) => {
    const d = noScheduleTaintDiff(n);
    expect(d.add.map((t) => t.key)).toEqual(add);
    expect(d.add.every((t) => t.effect === 'NoSchedule')).toBe(true);
    expect(d.remove.map((t) => t.key)).toEqual(remove);
  });

  it('AddOrUpdateTaint replaces a match unless identical, appends otherwise; RemoveTaint takes every match', () => {
    const a = u('NoExecute', 't1');
    expect(addOrUpdateTaint([], a)).toEqual({ taints: [a], updated: true });
    expect(addOrUpdateTaint([a], a)).toEqual({ taints: [a], updated: false });
    expect(addOrUpdateTaint([{ key: 'x', effect: 'NoSchedule' }, a], u('NoExecute', 't2'))).toEqual({ taints: [{ key: 'x', effect: 'NoSchedule' }, u('NoExecute', 't2')], updated: true });
    expect(removeTaint([u('NoSchedule'), a], { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' })).toEqual({ taints: [u('NoSchedule')], updated: true });
    expect(removeTaint([u('NoSchedule')], { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' })).toEqual({ taints: [u('NoSchedule')], updated: false });
  });

  it('the NoExecute pass swaps unreachable and not-ready by Ready status', () => {
    expect(noExecuteSwap('Unknown')).toEqual({ add: { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, remove: { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' } });
    expect(noExecuteSwap('False')).toEqual({ add: { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, remove: { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' } });
    expect(noExecuteSwap('True')).toBeUndefined();
  });
});

describe('zones', () => {
  const T = cond('Ready', 'True', 0);
  const F = cond('Ready', 'False', 0);
  const U = cond('Ready', 'Unknown', 0);

  it.each([
    ['all Ready', [T, T, T], 0, 'Normal'],
    ['one of four down', [T, T, T, U], 1, 'Normal'],
    ['none Ready', [U, F], 2, 'FullDisruption'],
    ['two of two down is full, not partial', [U, U], 2, 'FullDisruption'],
    ['three of five (60% >= 55%)', [U, F, U, T, T], 3, 'PartialDisruption'],
    ['three of six (50% < 55%)', [U, F, U, T, T, T], 3, 'Normal'],
    ['two of three: not more than two', [U, U, T], 2, 'Normal'],
    ['a node without Ready counts as not ready', [undefined, T], 1, 'Normal'],
  ] as const)('%s', (_name, conds, notReady, state) => {
    expect(computeZoneState(conds, 0.55)).toEqual({ notReady, state });
  });

  it('keys by region and zone labels, beta labels as fallback', () => {
    expect(zoneKey(node('a'))).toBe('');
    expect(zoneKey(node('a', { labels: { 'topology.kubernetes.io/zone': 'z1', 'topology.kubernetes.io/region': 'r' } }))).toBe('r:\x00:z1');
    expect(zoneKey(node('a', { labels: { 'failure-domain.beta.kubernetes.io/zone': 'z2' } }))).toBe(':\x00:z2');
  });

  it('rates by state: partial disruption stops small zones and slows large ones', () => {
    const c = DEFAULT_NODE_LIFECYCLE_CONFIG;
    expect(zoneEvictionRate('Normal', 4, c)).toBe(0.1);
    expect(zoneEvictionRate('FullDisruption', 4, c)).toBe(0.1);
    expect(zoneEvictionRate('PartialDisruption', 50, c)).toBe(0);
    expect(zoneEvictionRate('PartialDisruption', 51, c)).toBe(0.01);
  });

  const zones = (entries: Array<[string, ZoneState]>) => new Map(entries);
  const conds = (entries: Array<[string, Array<NodeCondition | undefined>]>) => new Map(entries);

  it.each([
    ['a new zone starts Initial and moves to its state with its rate', zones([]), conds([['a', [T, T]]]), [['a', 'Normal']], [['a', 0.1]], false, false],
    ['an unchanged state sets nothing', zones([['a', 'Normal']]), conds([['a', [T, U]]]), [['a', 'Normal']], [], false, false],
    ['every zone fully disrupted: all limiters to 0, taints off', zones([['a', 'Normal'], ['b', 'Normal']]), conds([['a', [U]], ['b', [F]]]), [['a', 'FullDisruption'], ['b', 'FullDisruption']], [['a', 0], ['b', 0]], true, false],
    ['still all fully disrupted: nothing more', zones([['a', 'FullDisruption']]), conds([['a', [U]]]), [['a', 'FullDisruption']], [], false, false],
    ['leaving full disruption: probes restart, every zone gets its rate', zones([['a', 'FullDisruption'], ['b', 'FullDisruption']]), conds([['a', [T]], ['b', [U]]]), [['a', 'Normal'], ['b', 'FullDisruption']], [['a', 0.1], ['b', 0.1]], false, true],
    ['one zone fully disrupted among healthy ones evicts at the normal rate', zones([['a', 'Normal'], ['b', 'Normal']]), conds([['a', [T]], ['b', [U]]]), [['a', 'Normal'], ['b', 'FullDisruption']], [['b', 0.1]], false, false],
    ['a zone with no nodes left is forgotten', zones([['a', 'Normal'], ['gone', 'Normal']]), conds([['a', [T]]]), [['a', 'Normal']], [], false, false],
  ] as const)('handleDisruption: %s', (_name, prev, zc, states, limiters, markAll, reset) => {
    const d = handleDisruption(prev as Map<string, ZoneState>, zc as Map<string, NodeCondition[]>, DEFAULT_NODE_LIFECYCLE_CONFIG);
    expect([...d.zoneStates]).toEqual(states);
    expect(d.limiters).toEqual(limiters);
    expect(d.markAllReachable).toBe(markAll);
    expect(d.resetProbes).toBe(reset);
  });
});

describe('MarkPodsNotReady and labels', () => {
  it('sets Ready False with a new transition time, and leaves the rest', () => {
    const p = pod('a', { ready: true, readySince: 2 * S, node: 'w' });
    p.status!.conditions!.push({ type: 'ContainersReady', status: 'True' });
    const s = podNotReadyStatus(p, 70 * S)!;
    expect(s.conditions).toEqual([{ type: 'Ready', status: 'False', lastTransitionTime: timestamp(70 * S) }, { type: 'ContainersReady', status: 'True' }]);
    expect(s.phase).toBe('Running');
  });

  it('writes nothing for a pod already not ready or without a Ready condition', () => {
    expect(podNotReadyStatus(pod('a', { ready: false }), 70 * S)).toBeUndefined();
    expect(podNotReadyStatus(pod('a'), 70 * S)).toBeUndefined();
  });

  it('reconciles the beta os and arch labels from the stable ones', () => {
    expect(labelsToReconcile({ 'kubernetes.io/os': 'linux', 'beta.kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/arch': 'amd64' })).toEqual({});
    expect(labelsToReconcile({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64', 'beta.kubernetes.io/arch': 'amd64' })).toEqual({ 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'arm64' });
    expect(labelsToReconcile({ 'beta.kubernetes.io/os': 'linux' })).toEqual({});
  });
});

describe('rate limits in virtual time', () => {
  it('a token bucket starts full, refills at qps up to burst, and fails without spending', () => {
    const b = new TokenBucket(0.1, 1, 0);
    expect(b.tryAccept(0)).toBe(true);
    expect(b.tryAccept(9_999)).toBe(false);
    expect(b.nextTokenAt(5_000)).toBe(10_000);
    expect(b.tryAccept(10_000)).toBe(true);
    expect(b.available(100_000)).toBe(1);
    expect(new TokenBucket(0, 1, 0).tryAccept(1e9)).toBe(false);
    expect(new TokenBucket(0, 1, 0).nextTokenAt(0)).toBeUndefined();
  });

  it('the grid of 100 ms passes', () => {
    expect(onGrid(5, 8, 100)).toBe(8);
    expect(onGrid(8, 8, 100)).toBe(8);
    expect(onGrid(9, 8, 100)).toBe(108);
    expect(onGrid(10_008, 8, 100)).toBe(10_008);
  });

  it('a zone queue releases one node per token, keeps processed names, and wakes only when it can act', () => {
    const q = new RateLimitedTimedQueue(0.1, 0);
    expect(q.nextTryAt(0, 0)).toBeUndefined();
    expect(q.add('a', 'ua', 50)).toBe(true);
    expect(q.add('b', 'ub', 50)).toBe(true);
    expect(q.add('a', 'ua', 60)).toBe(false);
    expect(q.nextTryAt(50, 0)).toBe(100);
    const done: string[] = [];
    q.try(100, (v) => (done.push(v.value), { ok: true }));
    expect(done).toEqual(['a']);
    expect(q.pending()).toEqual(['b']);
    expect(q.nextTryAt(100, 0)).toBe(10_100);
    q.try(10_100, (v) => (done.push(v.value), { ok: true }));
    expect(done).toEqual(['a', 'b']);
    expect(q.nextTryAt(10_100, 0)).toBeUndefined();
    // Processed names stay in the set until removed.
    expect(q.add('a', 'ua', 20_000)).toBe(false);
    expect(q.remove('a')).toBe(true);
    expect(q.add('a', 'ua', 20_000)).toBe(true);
  });

  it('a failed action comes back after its wait; a token is spent even when the head is not due', () => {
    const q = new RateLimitedTimedQueue(10, 0, 5);
    q.add('a', 'ua', 0);
    q.try(0, () => ({ ok: false, waitMs: 50 }));
    expect(q.head()).toMatchObject({ value: 'a', processAtMs: 51 });
    const spent = q.limiter.available(0);
    q.try(0, () => ({ ok: true }));
    expect(q.limiter.available(0)).toBeLessThan(spent);
    expect(q.pending()).toEqual(['a']);
  });

  it('swapping the limiter to 0 stops it; back to a rate starts drained when the old one was', () => {
    const q = new RateLimitedTimedQueue(0.1, 0, EVICTION_RATE_LIMITER_BURST);
    q.add('a', 'ua', 0);
    q.swapLimiter(0, 0);
    expect(q.nextTryAt(0, 0)).toBeUndefined();
    q.swapLimiter(0.1, 1_000);
    expect(q.nextTryAt(1_000, 0)).toBe(11_000);
    const fresh = new RateLimitedTimedQueue(0.1, 0);
    fresh.add('b', 'ub', 0);
    fresh.swapLimiter(0.1, 0);
    expect(fresh.nextTryAt(0, 0)).toBe(0);
  });
});
