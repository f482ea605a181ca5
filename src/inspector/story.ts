/**
 * One pod's story: the trace events about it across the components, as lanes and arrows for a
 * sequence diagram, and the scheduler's per-node, per-plugin table for it (live from the
 * scheduler's kept decisions; rebuilt from its note when only a recorded trace is at hand).
 */
import type { AnyActorRef } from 'xstate';
import type { TraceEvent } from '../sim/trace.ts';
import type { Decision } from '../../machines/kube-scheduler/machine.ts';
import { podMatcher } from './views.ts';

export interface StoryEntry {
  /** Global trace index. */
  i: number;
  t: number;
  kind: TraceEvent['kind'];
  /** Lane the arrow leaves from, and the lane it reaches (equal for a note on one lane). */
  from: string;
  to: string;
  text: string;
}

export interface SchedulerTable {
  source: 'live' | 'trace';
  at: number;
  ok: boolean;
  node?: string;
  message?: string;
  tied?: string[];
  /** Per examined node: filters in order (the last is the rejection when not feasible), scores when scored. */
  evaluated: Array<{
    node: string;
    feasible: boolean;
    filters: Array<{ plugin: string; code: string; reasons: string[] }>;
    scores?: Array<{ plugin: string; weight: number; raw: number; normalized: number; weighted: number }>;
    total?: number;
  }>;
}

export interface PodStory {
  pod: string;
  lanes: string[];
  entries: StoryEntry[];
  scheduler: SchedulerTable | null;
}

/** Lanes in the order a pod's birth crosses them. */
const LANE_ORDER = ['client', 'kubectl', 'kube-controller-manager', 'kube-apiserver', 'etcd', 'kube-scheduler', 'kubelet', 'kube-proxy'];

function laneRank(l: string): number {
  const i = LANE_ORDER.findIndex((x) => l === x || l.startsWith(x + '/'));
  return i < 0 ? LANE_ORDER.length : i;
}

/** The Event source's component lane ("default-scheduler" is kube-scheduler). */
function sourceLane(source: string, node: string | undefined): string {
  if (source === 'default-scheduler') return 'kube-scheduler';
  if (source === 'kubelet') return node ? `kubelet/${node}` : 'kubelet';
  if (source.endsWith('-controller') || source.includes('controller')) return 'kube-controller-manager';
  return source || 'kube-apiserver';
}

const KUBE_PROXY_WINDOW_MS = 2000;

/**
 * The story of pod `namespace/name` in `events` (whose first element has global index `first`).
 * Requests are matched by path, or by the revision of a write about the pod (the create, its
 * Events); kube-proxy's rule syncs are shown when an EndpointSlice changed within 2 s after the
 * pod started running (the trace does not say which Service a sync was for).
 */
export function podStory(events: readonly TraceEvent[], first: number, namespace: string, name: string, scheduler: SchedulerTable | null): PodStory {
  const key = `${namespace}/${name}`;
  const mentionsPod = podMatcher(key);
  const revs = new Set<string>();
  const picked: Array<{ i: number; e: TraceEvent }> = [];
  let node: string | undefined;
  let runningAt: number | undefined;
  let sliceAt: number | undefined;
  for (let j = 0; j < events.length; j++) {
    const e = events[j]!;
    let take = false;
    if (e.kind === 'write') {
      if (mentionsPod(e)) {
        revs.add(String(e.rev));
        take = true;
      } else if (runningAt !== undefined && e.key.startsWith(`/registry/endpointslices/${namespace}/`) && e.t - runningAt <= KUBE_PROXY_WINDOW_MS) {
        sliceAt ??= e.t;
        revs.add(String(e.rev));
        take = true;
      }
    } else if (e.kind === 'request') {
      take = mentionsPod(e) || (e.rv !== undefined && revs.has(e.rv));
    } else if (e.kind === 'note' && e.actor.startsWith('kube-proxy/')) {
      take = sliceAt !== undefined && e.t - sliceAt <= KUBE_PROXY_WINDOW_MS;
    } else if (e.kind !== 'send' && e.kind !== 'deliver' && e.kind !== 'drop') {
      take = mentionsPod(e);
    }
    if (!take) continue;
    if (e.kind === 'note' && e.actor === 'kube-scheduler') node = /^chose (\S+) for /.exec(e.text)?.[1] ?? node;
    if (e.kind === 'k8s-event' && e.reason === 'Scheduled') node = / to (\S+)$/.exec(e.message)?.[1] ?? node;
    if (e.kind === 'transition' && e.to.startsWith('Running') && runningAt === undefined) runningAt = e.t;
    picked.push({ i: first + j, e });
  }
  const entries: StoryEntry[] = requestsFirst(picked).map(({ i, e }) => toEntry(i, e, node));
  const lanes = [...new Set(entries.flatMap((x) => [x.from, x.to]))].sort((a, b) => laneRank(a) - laneRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return { pod: key, lanes, entries, scheduler };
}

/**
 * The trace records a request after the etcd writes it made (its code is known only then): draw
 * the request first, then its writes, which are the directly preceding write events.
 */
function requestsFirst(picked: Array<{ i: number; e: TraceEvent }>): Array<{ i: number; e: TraceEvent }> {
  const out = [...picked];
  for (let k = 1; k < out.length; k++) {
    if (out[k]!.e.kind !== 'request') continue;
    let j = k;
    while (j > 0 && out[j - 1]!.e.kind === 'write' && out[j - 1]!.i === out[j]!.i - (k - j) - 1 && out[j - 1]!.e.t === out[k]!.e.t) j--;
    if (j < k) out.splice(j, 0, out.splice(k, 1)[0]!);
  }
  return out;
}

function toEntry(i: number, e: TraceEvent, node: string | undefined): StoryEntry {
  const base = { i, t: e.t, kind: e.kind };
  switch (e.kind) {
    case 'request':
      return { ...base, from: e.from === 'bootstrap' ? 'client' : e.from, to: 'kube-apiserver', text: `${e.verb} ${e.path} → ${e.code}${e.reason ? ' ' + e.reason : ''}` };
    case 'write':
      return { ...base, from: 'kube-apiserver', to: 'etcd', text: `${e.op} ${e.key} (rev ${e.rev})` };
    case 'transition': {
      const lane = node ? `kubelet/${node}` : 'kubelet';
      return { ...base, from: lane, to: lane, text: `${e.actor}: ${e.from || '∅'} → ${e.to} on ${e.event}` };
    }
    case 'note':
      return { ...base, from: e.actor, to: e.actor, text: e.text };
    case 'k8s-event': {
      const lane = sourceLane(e.source, node);
      return { ...base, from: lane, to: lane, text: `Event ${e.type} ${e.reason}: ${e.message}` };
    }
    default:
      return { ...base, from: 'client', to: 'client', text: JSON.stringify(e) };
  }
}

/** The scheduler's kept decision for a pod, as the table. */
export function liveSchedulerTable(scheduler: AnyActorRef | undefined, key: string): SchedulerTable | null {
  const decisions = (scheduler?.getSnapshot() as { context?: { decisions?: Map<string, Decision> } } | undefined)?.context?.decisions;
  const d = decisions?.get(key);
  if (!d) return null;
  const r = d.result;
  return {
    source: 'live', at: d.at, ok: r.ok,
    ...(r.ok ? { node: r.node, tied: [...r.tied] } : { message: r.message }),
    evaluated: r.evaluated.map((n) => ({
      node: n.node, feasible: n.feasible,
      filters: n.filters.map((f) => ({ plugin: f.plugin, code: f.status.code, reasons: [...f.status.reasons] })),
      ...(n.scores ? { scores: n.scores.map((s) => ({ ...s })) } : {}),
      ...(n.total !== undefined ? { total: n.total } : {}),
    })),
  };
}

/**
 * The table as far as the scheduler's last note for the pod tells it (a recorded trace has no
 * per-plugin scores): each scored node's total, each filtered-out node's reason.
 */
export function tableFromTrace(events: readonly TraceEvent[], key: string): SchedulerTable | null {
  for (let j = events.length - 1; j >= 0; j--) {
    const e = events[j]!;
    if (e.kind !== 'note' || e.actor !== 'kube-scheduler') continue;
    const chose = new RegExp(`^chose (\\S+) for ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: scores ([^;(]*)(?:\\(([^)]*)\\))?(?:; filtered out (.*))?$`).exec(e.text);
    if (chose) {
      const evaluated: SchedulerTable['evaluated'] = [];
      for (const part of chose[2]!.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [n, v] = part.split('=');
        if (v !== undefined) evaluated.push({ node: n!, feasible: true, filters: [], total: Number(v) });
      }
      for (const part of (chose[4] ?? '').split('; ').filter(Boolean)) {
        const idx = part.indexOf(': ');
        evaluated.push({ node: part.slice(0, idx), feasible: false, filters: [{ plugin: '?', code: 'Unschedulable', reasons: [part.slice(idx + 2)] }] });
      }
      if (!evaluated.some((x) => x.node === chose[1])) evaluated.unshift({ node: chose[1]!, feasible: true, filters: [] });
      return { source: 'trace', at: e.t, ok: true, node: chose[1]!, evaluated };
    }
    if (e.text.startsWith(`cannot schedule ${key}: `)) {
      return { source: 'trace', at: e.t, ok: false, message: e.text.slice(`cannot schedule ${key}: `.length), evaluated: [] };
    }
  }
  return null;
}
