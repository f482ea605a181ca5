/**
 * The kube-scheduler's decision logic as pure functions (pkg/scheduler/framework and
 * schedule_one.go): node snapshots, plugin statuses, the default profile, and one scheduling
 * cycle from Filter to selectHost. Effects (queueing, assume, bind, events) belong to the machine.
 */
import type { Pod, Node, Container } from '../../src/api/objects.ts';
import { resourceAmount } from '../../src/api/quantity.ts';
import { NodeUnschedulable } from './plugins/NodeUnschedulable.ts';
import { NodeName } from './plugins/NodeName.ts';
import { TaintToleration } from './plugins/TaintToleration.ts';
import { NodeAffinity } from './plugins/NodeAffinity.ts';
import { NodeResourcesFit } from './plugins/NodeResourcesFit.ts';
import { NodeResourcesBalancedAllocation } from './plugins/NodeResourcesBalancedAllocation.ts';
import { ImageLocality } from './plugins/ImageLocality.ts';

export { ErrReasonUnschedulable } from './plugins/NodeUnschedulable.ts';
export { ErrReasonNodeName } from './plugins/NodeName.ts';
export { errReasonUntoleratedTaint } from './plugins/TaintToleration.ts';
export { ErrReasonPod } from './plugins/NodeAffinity.ts';
export { ErrReasonTooManyPods, errReasonInsufficient } from './plugins/NodeResourcesFit.ts';

// ---------------------------------------------------------------- resources and node snapshots

/** Upstream DefaultMilliCPURequest / DefaultMemoryRequest: what scoring assumes for request-less containers. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export interface NodeInfo {
  node: Node;
  pods: Pod[];
  /** Sum of the pods' effective requests; `pods` is the number of pods. */
  requested: Record<string, number>;
  /** Requests with the 100m / 200MB defaults applied, so empty pods still spread (scoring only). */
  nonZeroRequested: { cpu: number; memory: number };
  allocatable: Record<string, number>;
}

/** A container's requests, defaulted from limits as the apiserver does for resources with only a limit. */
function containerRequests(c: Container, nonZero: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  for (const [r, q] of Object.entries(limits)) if (!(r in requests)) out[r] = resourceAmount(r, q);
  for (const [r, q] of Object.entries(requests)) out[r] = resourceAmount(r, q);
  if (nonZero) {
    // A request of explicit zero stays zero: upstream only fills in *missing* cpu/memory.
    if (!('cpu' in out)) out.cpu = DEFAULT_MILLI_CPU_REQUEST;
    if (!('memory' in out)) out.memory = DEFAULT_MEMORY_REQUEST;
  }
  return out;
}

function addInto(into: Record<string, number>, add: Record<string, number>): void {
  for (const [r, v] of Object.entries(add)) into[r] = (into[r] ?? 0) + v;
}

function maxInto(into: Record<string, number>, other: Record<string, number>): void {
  for (const [r, v] of Object.entries(other)) into[r] = Math.max(into[r] ?? 0, v);
}

/** resourcehelper.PodRequests: sidecars run alongside everything after them, regular init containers one at a time. */
function aggregateRequests(pod: Pod, nonZero: boolean): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of pod.spec.containers) addInto(total, containerRequests(c, nonZero));
  const sidecars: Record<string, number> = {};
  const initPeak: Record<string, number> = {};
  for (const c of pod.spec.initContainers ?? []) {
    const reqs = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(total, reqs);
      addInto(sidecars, reqs);
      maxInto(initPeak, sidecars);
    } else {
      // While a regular init container runs, the sidecars started before it run too.
      const during = { ...reqs };
      addInto(during, sidecars);
      maxInto(initPeak, during);
    }
  }
  maxInto(total, initPeak);
  delete total.pods;
  return total;
}

/** Effective request per resource (cpu in millicores): max(containers + sidecars, init peak). */
export function podRequests(pod: Pod): Record<string, number> {
  return aggregateRequests(pod, false);
}

/** CPU and memory requests with the scheduler's non-zero defaults for containers that set none. */
export function podNonZeroRequests(pod: Pod): { cpu: number; memory: number } {
  const r = aggregateRequests(pod, true);
  return { cpu: r.cpu ?? 0, memory: r.memory ?? 0 };
}

/**
 * The scheduler's view of one node. `pods` are the non-terminal pods bound or assumed on it.
 * Allocatable falls back to capacity per resource, for hand-written nodes that only set capacity.
 */
export function makeNodeInfo(node: Node, pods: Pod[]): NodeInfo {
  const allocatable: Record<string, number> = {};
  const declared = { ...(node.status?.capacity ?? {}), ...(node.status?.allocatable ?? {}) };
  for (const [r, q] of Object.entries(declared)) allocatable[r] = resourceAmount(r, q);
  const requested: Record<string, number> = { pods: pods.length };
  const nonZeroRequested = { cpu: 0, memory: 0 };
  for (const p of pods) {
    addInto(requested, podRequests(p));
    const nz = podNonZeroRequests(p);
    nonZeroRequested.cpu += nz.cpu;
    nonZeroRequested.memory += nz.memory;
  }
  return { node, pods, requested, nonZeroRequested, allocatable };
}

/** The node's name; nodes in a snapshot always have one. */
export function nodeName(info: NodeInfo): string {
  return info.node.metadata.name ?? '';
}

// ---------------------------------------------------------------- statuses and plugins

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error' | 'Skip';

/** A plugin outcome. Rejection is a value, never an exception. */
export interface Status { code: StatusCode; reasons: string[]; plugin?: string }

/** Every normalized plugin score lies in [0, MAX_NODE_SCORE]. */
export const MAX_NODE_SCORE = 100;

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;

/** Unschedulable or UnschedulableAndUnresolvable (upstream Status.IsRejected). */
export function isRejected(s: Status): boolean {
  return s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable';
}

/**
 * One scheduling cycle's shared data: the snapshot, the incoming pod's requests (computed once,
 * as upstream PreFilter does) and per-plugin state written by preFilter/preScore, keyed by name.
 */
export interface CycleState {
  readonly nodeInfos: readonly NodeInfo[];
  readonly podRequests: Record<string, number>;
  readonly podNonZeroRequests: { cpu: number; memory: number };
  readonly data: Map<string, unknown>;
}

export function newCycleState(pod: Pod, nodeInfos: readonly NodeInfo[]): CycleState {
  return { nodeInfos, podRequests: podRequests(pod), podNonZeroRequests: podNonZeroRequests(pod), data: new Map() };
}

export interface FilterPlugin {
  readonly name: string;
  /** Runs once per cycle; a rejection here rejects every node, Skip skips this plugin's filter. */
  preFilter?(pod: Pod, state: CycleState): Status;
  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status;
}

export interface ScorePlugin {
  readonly name: string;
  /** Runs once per cycle over the feasible nodes; Skip leaves this plugin out of the sum. */
  preScore?(pod: Pod, feasible: readonly NodeInfo[], state: CycleState): Status;
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState): number;
  /** Maps raw scores (one per feasible node, in order) onto 0..100. */
  normalize?(scores: number[]): number[];
}

export interface Profile {
  schedulerName: string;
  filter: FilterPlugin[];
  score: Array<{ plugin: ScorePlugin; weight: number }>;
  /** 0 or absent means adaptive (50 − N/125 %, at least 5 %). */
  percentageOfNodesToScore?: number;
}

/** The default profile (pkg/scheduler/apis/config/v1/default_plugins.go), restricted to the plugins kubelife models. */
export const DEFAULT_PROFILE: Profile = {
  schedulerName: 'default-scheduler',
  filter: [NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit],
  score: [
    { plugin: TaintToleration, weight: 3 },
    { plugin: NodeAffinity, weight: 2 },
    { plugin: NodeResourcesFit, weight: 1 },
    { plugin: NodeResourcesBalancedAllocation, weight: 1 },
    { plugin: ImageLocality, weight: 1 },
  ],
};

// ---------------------------------------------------------------- one scheduling cycle (schedule_one.go)

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';

export interface FilterRecord { plugin: string; status: Status }
export interface ScoreRecord { plugin: string; weight: number; raw: number; normalized: number; weighted: number }

/** What the inspector shows for one examined node. */
export interface NodeEvaluation {
  node: string;
  /** Filters in the order they ran; when `feasible` is false the last one is the rejection. */
  filters: FilterRecord[];
  feasible: boolean;
  /** Present once scoring ran (two or more feasible nodes); plugins whose preScore said Skip are absent. */
  scores?: ScoreRecord[];
  total?: number;
}

export interface ScheduleSuccess {
  ok: true;
  node: string;
  feasible: string[];
  /** Nodes sharing the top total score; `node` was drawn among them with pickIndex. */
  tied: string[];
  evaluated: NodeEvaluation[];
  nextStartIndex: number;
}

export interface ScheduleFailure {
  ok: false;
  /** The PodScheduled=False reason: a FitError is Unschedulable, a plugin Error is SchedulerError. */
  reason: 'Unschedulable' | 'SchedulerError';
  message: string;
  /** Filter reason → number of nodes that gave it (a node failing on cpu and memory counts for both). */
  diagnosis: Record<string, number>;
  /** Preemption's conclusion per node, as counted in the message's "preemption:" part. */
  preemption: Record<string, number>;
  /** Plugins that rejected at least one node, in profile order (upstream UnschedulablePlugins, for queueing hints). */
  unschedulablePlugins: string[];
  evaluated: NodeEvaluation[];
  nextStartIndex: number;
}

export type ScheduleResult = ScheduleSuccess | ScheduleFailure;

/** How many feasible nodes to look for before scoring: all below 100 nodes, else an adaptive share. */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore;
  if (percentage === 0) {
    percentage = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  }
  return Math.max(Math.trunc((numAllNodes * percentage) / 100), MIN_FEASIBLE_NODES_TO_FIND);
}

/** Go's sort.Strings orders UTF-8 bytes, which is code point order (JS `<` compares UTF-16 units). */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** sortReasonsHistogram: "count reason" strings sorted as strings, so "10 x" sorts before "2 y" as upstream. */
function histogram(counts: Record<string, number>): string[] {
  return Object.entries(counts).map(([reason, n]) => `${n} ${reason}`).sort(byCodePoint);
}

/**
 * The FitError text. `preemption` is either the per-node preemption histogram or a verbatim
 * PostFilter message; `preFilterMsg` replaces the filter histogram when PreFilter rejected the pod.
 */
export function fitErrorMessage(numAllNodes: number, diagnosis: Record<string, number>,
  preemption: Record<string, number> | string = {}, preFilterMsg = ''): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg !== '') msg += ` ${preFilterMsg}.`;
  else if (Object.keys(diagnosis).length > 0) msg += ` ${histogram(diagnosis).join(', ')}.`;
  // Preemption formats its own FitError, and the outer one appends it with no extra period.
  const post = typeof preemption === 'string' ? preemption
    : Object.keys(preemption).length > 0 ? fitErrorMessage(numAllNodes, preemption) : '';
  if (post !== '') msg += ` preemption: ${post}`;
  return msg;
}

/**
 * DefaultPreemption's verdict when it finds no candidate. kubelife does not evict victims, so every
 * node where preemption could help is reported as having none; unresolvable nodes are never tried.
 */
export function preemptionDiagnosis(pod: Pod, rejections: readonly Status[]): Record<string, number> | string {
  if (pod.spec.preemptionPolicy === 'Never') return PREEMPTION_POLICY_NEVER;
  const out: Record<string, number> = {};
  for (const s of rejections) {
    const verdict = s.code === 'UnschedulableAndUnresolvable' ? PREEMPTION_NOT_HELPFUL : NO_PREEMPTION_VICTIMS;
    out[verdict] = (out[verdict] ?? 0) + 1;
  }
  return out;
}

function failure(pod: Pod, numAllNodes: number, rejections: Status[], evaluated: NodeEvaluation[],
  nextStartIndex: number, profile: Profile, preFilterMsg = ''): ScheduleFailure {
  const diagnosis: Record<string, number> = {};
  for (const s of rejections) for (const r of s.reasons) diagnosis[r] = (diagnosis[r] ?? 0) + 1;
  const rejecting = new Set(rejections.map((s) => s.plugin));
  const unschedulablePlugins = profile.filter.map((p) => p.name).filter((n) => rejecting.has(n));
  const verdict = preemptionDiagnosis(pod, rejections);
  return {
    ok: false, reason: 'Unschedulable', message: fitErrorMessage(numAllNodes, diagnosis, verdict, preFilterMsg),
    diagnosis, preemption: typeof verdict === 'string' ? {} : verdict, unschedulablePlugins, evaluated, nextStartIndex,
  };
}

function schedulerError(message: string, evaluated: NodeEvaluation[], nextStartIndex: number): ScheduleFailure {
  return { ok: false, reason: 'SchedulerError', message, diagnosis: {}, preemption: {}, unschedulablePlugins: [], evaluated, nextStartIndex };
}

/**
 * One scheduling cycle for `pod` over the snapshot `nodeInfos` (in the node tree's zone-interleaved
 * order), scanning round-robin from `startIndex`. `pickIndex(n)` must return an integer in [0, n)
 * from the caller's seeded random; it is only called when two or more nodes tie for the top score.
 */
export function schedulePod(pod: Pod, nodeInfos: readonly NodeInfo[], profile: Profile,
  pickIndex: (n: number) => number, startIndex = 0): ScheduleResult {
  const n = nodeInfos.length;
  if (n === 0) return { ...failure(pod, 0, [], [], 0, profile), message: NO_NODES_AVAILABLE, preemption: {} };
  const state = newCycleState(pod, nodeInfos);
  const start = ((startIndex % n) + n) % n;

  const skipped = new Set<string>();
  for (const pl of profile.filter) {
    const s = pl.preFilter?.(pod, state) ?? SUCCESS;
    if (s.code === 'Skip') skipped.add(pl.name);
    else if (s.code === 'Error') return schedulerError(`running PreFilter plugin "${pl.name}": ${s.reasons.join(', ')}`, [], start);
    else if (isRejected(s)) {
      // Upstream gives every node the PreFilter status and reports its message alone.
      const status = { ...s, plugin: pl.name };
      return failure(pod, n, nodeInfos.map(() => status), [], start, profile, s.reasons.join(', '));
    }
  }

  // With no score plugins any feasible node will do, so the search stops at the first.
  const toFind = profile.score.length === 0 ? 1 : numFeasibleNodesToFind(n, profile.percentageOfNodesToScore ?? 0);
  const evaluated: NodeEvaluation[] = [];
  const feasible: Array<{ info: NodeInfo; ev: NodeEvaluation }> = [];
  const rejections: Status[] = [];
  let processed = 0;
  for (; processed < n && feasible.length < toFind; processed++) {
    const info = nodeInfos[(start + processed) % n]!;
    const ev: NodeEvaluation = { node: nodeName(info), filters: [], feasible: true };
    evaluated.push(ev);
    for (const pl of profile.filter) {
      if (skipped.has(pl.name)) continue;
      const status: Status = { ...pl.filter(pod, info, state), plugin: pl.name };
      ev.filters.push({ plugin: pl.name, status });
      if (status.code === 'Error') {
        return schedulerError(`running "${pl.name}" filter plugin: ${status.reasons.join(', ')}`, evaluated, (start + processed + 1) % n);
      }
      if (isRejected(status)) {
        ev.feasible = false;
        rejections.push(status);
        break;
      }
    }
    if (ev.feasible) feasible.push({ info, ev });
  }
  const nextStartIndex = (start + processed) % n;
  if (feasible.length === 0) return failure(pod, n, rejections, evaluated, nextStartIndex, profile);
  const names = feasible.map((f) => f.ev.node);
  if (feasible.length === 1) return { ok: true, node: names[0]!, feasible: names, tied: names, evaluated, nextStartIndex };

  const infos = feasible.map((f) => f.info);
  for (const f of feasible) { f.ev.scores = []; f.ev.total = 0; }
  for (const { plugin, weight } of profile.score) {
    const pre = plugin.preScore?.(pod, infos, state) ?? SUCCESS;
    if (pre.code === 'Skip') continue;
    if (pre.code !== 'Success') return schedulerError(`running PreScore plugin "${plugin.name}": ${pre.reasons.join(', ')}`, evaluated, nextStartIndex);
    const raw = infos.map((info) => plugin.score(pod, info, state));
    const normalized = plugin.normalize ? plugin.normalize(raw) : raw;
    for (const [i, f] of feasible.entries()) {
      const score = normalized[i]!;
      if (!Number.isInteger(score) || score < 0 || score > MAX_NODE_SCORE) {
        return schedulerError(`plugin "${plugin.name}" returns an invalid score ${score}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`, evaluated, nextStartIndex);
      }
      f.ev.scores!.push({ plugin: plugin.name, weight, raw: raw[i]!, normalized: score, weighted: score * weight });
      f.ev.total! += score * weight;
    }
  }
  const best = feasible.reduce((m, f) => Math.max(m, f.ev.total!), 0);
  const tied = feasible.filter((f) => f.ev.total === best).map((f) => f.ev.node);
  const pick = tied.length === 1 ? 0 : pickIndex(tied.length);
  if (!Number.isInteger(pick) || pick < 0 || pick >= tied.length) throw new Error(`pickIndex(${tied.length}) returned ${pick}`);
  return { ok: true, node: tied[pick]!, feasible: names, tied, evaluated, nextStartIndex };
}
