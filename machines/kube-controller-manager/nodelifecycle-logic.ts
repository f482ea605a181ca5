/**
 * The node lifecycle controller's decisions as pure functions over plain data
 * (pkg/controller/nodelifecycle/node_lifecycle_controller.go, Kubernetes 1.32): the health of a
 * node from its Ready heartbeat and its Lease (tryUpdateNodeHealth), the taints its conditions
 * call for (doNoScheduleTaintingPass, the NoExecute templates), the zone states and eviction rates
 * (ComputeZoneState, handleDisruption), MarkPodsNotReady's pod status, and the beta label
 * reconciliation. Times are virtual milliseconds; object timestamps use the API's format.
 */
import type { Node, NodeCondition, Pod, PodStatus, Taint } from '../../src/api/objects.ts';
import { epoch, fromTimestamp, timestamp } from '../../src/api/time.ts';
import { canonicalJson } from './canonical.ts';

export const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle-controller';
/** The event source upstream's recorder uses. */
export const NODE_CONTROLLER_SOURCE = 'node-controller';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** UnreachableTaintTemplate and NotReadyTaintTemplate. */
export const UNREACHABLE_TAINT: Readonly<Taint> = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_TAINT: Readonly<Taint> = { key: TAINT_NOT_READY, effect: 'NoExecute' };

/** nodeConditionToTaintKeyStatusMap. */
export const CONDITION_TAINTS: Readonly<Record<string, Readonly<Partial<Record<NodeCondition['status'], string>>>>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

/** taintKeyToNodeConditionMap. */
export const TAINT_CONDITIONS: Readonly<Record<string, string>> = {
  [TAINT_NOT_READY]: 'Ready',
  [TAINT_UNREACHABLE]: 'Ready',
  [TAINT_NETWORK_UNAVAILABLE]: 'NetworkUnavailable',
  [TAINT_MEMORY_PRESSURE]: 'MemoryPressure',
  [TAINT_DISK_PRESSURE]: 'DiskPressure',
  [TAINT_PID_PRESSURE]: 'PIDPressure',
};

/** The conditions set to Unknown when the kubelet goes silent (never NetworkUnavailable). */
export const UNKNOWN_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/** node.kubernetes.io/exclude-disruption: such nodes do not count in their zone's state. */
export const LABEL_EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

/** The kube-controller-manager flags this controller reads, resolved to milliseconds and rates. */
export interface NodeLifecycleConfig {
  /** --node-monitor-period (5s). */
  nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period (50s as of 1.32; 40s before). */
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period (1m0s). */
  nodeStartupGracePeriodMs: number;
  /** --node-eviction-rate (0.1 per second). */
  nodeEvictionRate: number;
  /** --secondary-node-eviction-rate (0.01 per second). */
  secondaryNodeEvictionRate: number;
  /** --large-cluster-size-threshold (50). */
  largeClusterSizeThreshold: number;
  /** --unhealthy-zone-threshold (0.55). */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_NODE_LIFECYCLE_CONFIG: Readonly<NodeLifecycleConfig> = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 50_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

export type NodeStatus = NonNullable<Node['status']>;

// ---------------------------------------------------------------------------------------------
// Taints

/** Taint.MatchTaint: same key and effect. */
export function matchTaint(a: Pick<Taint, 'key' | 'effect'>, b: Pick<Taint, 'key' | 'effect'>): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** taintutils.TaintExists. */
export function taintExists(taints: readonly Taint[] | undefined, t: Pick<Taint, 'key' | 'effect'>): boolean {
  return (taints ?? []).some((x) => matchTaint(x, t));
}

/**
 * taintutils.AddOrUpdateTaint: a taint matching by key and effect is replaced unless it is
 * identical (timeAdded included), otherwise the taint is appended. `updated` says if anything changed.
 */
export function addOrUpdateTaint(taints: readonly Taint[] | undefined, taint: Taint): { taints: Taint[]; updated: boolean } {
  const out: Taint[] = [];
  let updated = false;
  for (const t of taints ?? []) {
    if (matchTaint(taint, t)) {
      if (canonicalJson(t) === canonicalJson(taint)) return { taints: [...(taints ?? [])], updated: false };
      out.push(taint);
      updated = true;
      continue;
    }
    out.push(t);
  }
  if (!updated) out.push(taint);
  return { taints: out, updated: true };
}

/** taintutils.RemoveTaint: every taint matching by key and effect goes. */
export function removeTaint(taints: readonly Taint[] | undefined, taint: Pick<Taint, 'key' | 'effect'>): { taints: Taint[]; updated: boolean } {
  const out = (taints ?? []).filter((t) => !matchTaint(t, taint));
  return { taints: out, updated: out.length !== (taints ?? []).length };
}

/**
 * doNoScheduleTaintingPass: the NoSchedule taints the node's conditions (and spec.unschedulable)
 * call for, against the condition and unschedulable NoSchedule taints it carries.
 */
export function noScheduleTaintDiff(node: Node): { add: Taint[]; remove: Taint[] } {
  const wanted: Taint[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) wanted.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) wanted.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  const have = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || TAINT_CONDITIONS[t.key] !== undefined));
  // taintutils.TaintSetDiff(wanted, have).
  return {
    add: wanted.filter((t) => !taintExists(have, t)),
    remove: have.filter((t) => !taintExists(wanted, t)),
  };
}

// ---------------------------------------------------------------------------------------------
// Health

/** What the controller remembers of a node (nodeHealthData). */
export interface NodeHealth {
  probeTimestampMs: number;
  readyTransitionTimestampMs: number;
  /** The status last seen, with the controller's own changes applied. */
  status: NodeStatus;
  /** The Lease renewTime last seen, in ms (undefined: no Lease seen yet). */
  leaseRenewMs?: number;
}

export interface HealthCheck {
  node: Node;
  health: NodeHealth | undefined;
  /** spec.renewTime of the node's Lease in kube-node-lease, if there is one. */
  leaseRenewTime: string | undefined;
  nowMs: number;
  config: Pick<NodeLifecycleConfig, 'nodeMonitorGracePeriodMs' | 'nodeStartupGracePeriodMs'>;
}

export interface HealthOutcome {
  gracePeriodMs: number;
  /** The Ready condition as observed on the node (a made-up Unknown one when it has none). */
  observed: NodeCondition;
  /** The Ready condition now, after the controller's changes (undefined when the node has none). */
  current: NodeCondition | undefined;
  /** What to remember if no update is sent, or if the update fails. */
  health: NodeHealth;
  /** The status to write with UpdateStatus, and what to remember once it succeeded. */
  update?: { status: NodeStatus; health: NodeHealth };
}

function readyOf(status: NodeStatus | undefined): NodeCondition | undefined {
  return status?.conditions?.find((c) => c.type === 'Ready');
}

/** A metav1.MicroTime (or Time) as virtual ms; microseconds beyond the millisecond are dropped. */
export function microTimeMs(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t.replace(/\.(\d{3})\d*Z$/, '.$1Z'));
  return Number.isNaN(ms) ? undefined : ms - epoch();
}

/**
 * tryUpdateNodeHealth: the probe timestamp moves to now whenever the Ready condition's
 * lastHeartbeatTime changed since the last look, or the Lease was renewed; once now is past the
 * probe timestamp plus the grace period (the startup grace while the node never posted Ready),
 * Ready, MemoryPressure, DiskPressure and PIDPressure become Unknown (added as
 * NodeStatusNeverUpdated if missing), and an update is due when Ready changed.
 */
export function tryUpdateNodeHealth(input: HealthCheck): HealthOutcome {
  const { node, nowMs, config } = input;
  const status: NodeStatus = node.status ?? {};
  const created = node.metadata.creationTimestamp;
  const createdMs = created ? fromTimestamp(created) : nowMs;
  let health = input.health ? { ...input.health } : undefined;
  let current = readyOf(status);
  let observed: NodeCondition;
  let gracePeriodMs: number;
  if (!current) {
    observed = { type: 'Ready', status: 'Unknown', ...(created ? { lastHeartbeatTime: created, lastTransitionTime: created } : {}) };
    gracePeriodMs = config.nodeStartupGracePeriodMs;
    health = health ? { ...health, status } : { status, probeTimestampMs: createdMs, readyTransitionTimestampMs: createdMs };
  } else {
    observed = { ...current };
    gracePeriodMs = config.nodeMonitorGracePeriodMs;
  }
  const saved = health ? readyOf(health.status) : undefined;
  const savedLease = health?.leaseRenewMs;
  if (!health) {
    health = { status, probeTimestampMs: nowMs, readyTransitionTimestampMs: nowMs };
  } else if (!saved && current) {
    health = { status, probeTimestampMs: nowMs, readyTransitionTimestampMs: nowMs };
  } else if (saved && !current) {
    health = { status, probeTimestampMs: nowMs, readyTransitionTimestampMs: nowMs };
  } else if (saved && current && saved.lastHeartbeatTime !== current.lastHeartbeatTime) {
    const transition = saved.lastTransitionTime !== current.lastTransitionTime ? nowMs : health.readyTransitionTimestampMs;
    health = { status, probeTimestampMs: nowMs, readyTransitionTimestampMs: transition };
  }
  // Always update the probe time if the node lease is renewed. (A record replaced above has
  // forgotten its Lease, as upstream's does: the next look counts the Lease as renewed.)
  const renewMs = microTimeMs(input.leaseRenewTime);
  if (renewMs !== undefined && (savedLease === undefined || savedLease < renewMs)) {
    health = { ...health, leaseRenewMs: renewMs, probeTimestampMs: nowMs };
  }
  if (!(nowMs > health.probeTimestampMs + gracePeriodMs)) return { gracePeriodMs, observed, current, health };

  const now = timestamp(nowMs);
  const conditions = [...(status.conditions ?? [])];
  for (const type of UNKNOWN_CONDITION_TYPES) {
    const i = conditions.findIndex((c) => c.type === type);
    if (i < 0) {
      conditions.push({
        type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.',
        ...(created ? { lastHeartbeatTime: created } : {}), lastTransitionTime: now,
      });
    } else if (conditions[i]!.status !== 'Unknown') {
      conditions[i] = { ...conditions[i]!, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now };
    }
  }
  const updated: NodeStatus = { ...status, conditions };
  current = readyOf(updated);
  if (canonicalJson(current) === canonicalJson(observed)) return { gracePeriodMs, observed, current: readyOf(status), health };
  const after: NodeHealth = { status: updated, probeTimestampMs: health.probeTimestampMs, readyTransitionTimestampMs: nowMs, ...(renewMs !== undefined ? { leaseRenewMs: renewMs } : {}) };
  return { gracePeriodMs, observed, current, health, update: { status: updated, health: after } };
}

// ---------------------------------------------------------------------------------------------
// Zones

export type ZoneState = 'Initial' | 'Normal' | 'FullDisruption' | 'PartialDisruption';

/** nodetopology.GetZoneKey: region and zone labels (the beta ones as fallback); "" for none. */
export function zoneKey(node: Node): string {
  const l = node.metadata.labels ?? {};
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  if (region === '' && zone === '') return '';
  return `${region}:\x00:${zone}`;
}

export function excludedFromDisruption(node: Node): boolean {
  return Object.prototype.hasOwnProperty.call(node.metadata.labels ?? {}, LABEL_EXCLUDE_DISRUPTION);
}

/**
 * ComputeZoneState: FullDisruption when no node is Ready, PartialDisruption when more than two
 * are not and they are at least the unhealthy threshold, Normal otherwise. A node without a Ready
 * condition counts as not ready.
 */
export function computeZoneState(ready: ReadonlyArray<NodeCondition | undefined>, unhealthyZoneThreshold: number): { notReady: number; state: ZoneState } {
  let readyNodes = 0;
  let notReady = 0;
  for (const c of ready) {
    if (c && c.status === 'True') readyNodes++;
    else notReady++;
  }
  if (readyNodes === 0 && notReady > 0) return { notReady, state: 'FullDisruption' };
  if (notReady > 2 && Math.fround(notReady) / Math.fround(notReady + readyNodes) >= Math.fround(unhealthyZoneThreshold)) return { notReady, state: 'PartialDisruption' };
  return { notReady, state: 'Normal' };
}

/** setLimiterInZone: the eviction rate for a zone in a state (ReducedQPSFunc, HealthyQPSFunc). */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, cfg: Pick<NodeLifecycleConfig, 'nodeEvictionRate' | 'secondaryNodeEvictionRate' | 'largeClusterSizeThreshold'>): number | undefined {
  switch (state) {
    case 'Normal': return cfg.nodeEvictionRate;
    case 'PartialDisruption': return zoneSize > cfg.largeClusterSizeThreshold ? cfg.secondaryNodeEvictionRate : 0;
    case 'FullDisruption': return cfg.nodeEvictionRate;
    default: return undefined;
  }
}

export interface DisruptionDecision {
  zoneStates: Map<string, ZoneState>;
  /** New limiter rates by zone, in order. */
  limiters: Array<[zone: string, qps: number]>;
  /** Every zone just became fully disrupted: remove the NoExecute taints from every node. */
  markAllReachable: boolean;
  /** The cluster just left full disruption: every probe timestamp restarts now. */
  resetProbes: boolean;
}

/**
 * handleDisruption: zone states from the Ready conditions of this pass, and what changes with
 * them. All zones fully disrupted stops every eviction (limiters at 0, NoExecute taints off);
 * leaving that mode restarts every health clock; otherwise a zone whose state changed gets its
 * state's rate. Zones are visited in sorted order (upstream iterates a map).
 */
export function handleDisruption(previous: ReadonlyMap<string, ZoneState>, zoneConditions: ReadonlyMap<string, ReadonlyArray<NodeCondition | undefined>>,
  cfg: Pick<NodeLifecycleConfig, 'nodeEvictionRate' | 'secondaryNodeEvictionRate' | 'largeClusterSizeThreshold' | 'unhealthyZoneThreshold'>): DisruptionDecision {
  const zoneStates = new Map(previous);
  const newStates = new Map<string, ZoneState>();
  let allAreFullyDisrupted = true;
  for (const zone of [...zoneConditions.keys()].sort()) {
    const { state } = computeZoneState(zoneConditions.get(zone)!, cfg.unhealthyZoneThreshold);
    if (state !== 'FullDisruption') allAreFullyDisrupted = false;
    newStates.set(zone, state);
    if (!zoneStates.has(zone)) zoneStates.set(zone, 'Initial');
  }
  let allWasFullyDisrupted = true;
  for (const zone of [...zoneStates.keys()].sort()) {
    if (!zoneConditions.has(zone)) {
      zoneStates.delete(zone);
      continue;
    }
    if (zoneStates.get(zone) !== 'FullDisruption') allWasFullyDisrupted = false;
  }
  const limiters: Array<[string, number]> = [];
  const decision = { zoneStates, limiters, markAllReachable: false, resetProbes: false };
  if (allAreFullyDisrupted && allWasFullyDisrupted) return decision;
  const size = (zone: string) => zoneConditions.get(zone)?.length ?? 0;
  if (allAreFullyDisrupted) {
    for (const zone of [...zoneStates.keys()].sort()) {
      limiters.push([zone, 0]);
      zoneStates.set(zone, 'FullDisruption');
    }
    return { ...decision, markAllReachable: true };
  }
  if (allWasFullyDisrupted) {
    for (const zone of [...zoneStates.keys()].sort()) {
      const state = newStates.get(zone)!;
      const qps = zoneEvictionRate(state, size(zone), cfg);
      if (qps !== undefined) limiters.push([zone, qps]);
      zoneStates.set(zone, state);
    }
    return { ...decision, resetProbes: true };
  }
  for (const zone of [...zoneStates.keys()].sort()) {
    const state = newStates.get(zone)!;
    if (zoneStates.get(zone) === state) continue;
    const qps = zoneEvictionRate(state, size(zone), cfg);
    if (qps !== undefined) limiters.push([zone, qps]);
    zoneStates.set(zone, state);
  }
  return decision;
}

// ---------------------------------------------------------------------------------------------
// Pods and labels

/**
 * MarkPodsNotReady for one pod: its Ready condition set to False (UpdatePodCondition moves
 * lastTransitionTime to now), or undefined when it has no Ready condition or it is False already.
 */
export function podNotReadyStatus(pod: Pod, nowMs: number): PodStatus | undefined {
  const conditions = pod.status?.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === 'Ready');
  if (i < 0 || conditions[i]!.status === 'False') return undefined;
  const next = [...conditions];
  next[i] = { ...conditions[i]!, status: 'False', lastTransitionTime: timestamp(nowMs) };
  return { ...pod.status, conditions: next };
}

/** labelReconcileInfo: the stable os and arch labels are the truth for their beta twins. */
export function labelsToReconcile(labels: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!labels) return out;
  for (const [primary, secondary] of [['kubernetes.io/os', 'beta.kubernetes.io/os'], ['kubernetes.io/arch', 'beta.kubernetes.io/arch']] as const) {
    const value = labels[primary];
    if (value === undefined) continue;
    if (labels[secondary] !== value) out[secondary] = value;
  }
  return out;
}

/** The taint a NoExecute pass puts on a node whose Ready condition has this status, and the one it takes off. */
export function noExecuteSwap(readyStatus: NodeCondition['status'] | undefined): { add: Taint; remove: Taint } | undefined {
  if (readyStatus === 'False') return { add: { ...NOT_READY_TAINT }, remove: { ...UNREACHABLE_TAINT } };
  if (readyStatus === 'Unknown') return { add: { ...UNREACHABLE_TAINT }, remove: { ...NOT_READY_TAINT } };
  return undefined;
}
