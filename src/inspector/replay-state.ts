/**
 * Time travel: the cluster as the trace tells it, at any index. A fold over trace events (pure:
 * no clock, no I/O) that rebuilds nodes (Ready, lifecycle taints), pods (phase, worker state,
 * node) and every actor's state and last event. `ReplayIndex` keeps checkpoints so scrubbing a
 * long trace folds at most `checkpointEvery` events per request.
 *
 * What the trace cannot say is left out: capacity, requests and registration taints come from the
 * live cluster when there is one (src/inspector/views.ts), not from here.
 */
import type { TraceEvent } from '../sim/trace.ts';

export interface ReplayPod {
  namespace: string;
  name: string;
  /** Pending, Running, Succeeded, Failed, Unknown, or Terminating (the pod worker's top state). */
  phase: string;
  /** The pod worker's full state string, '' before a kubelet runs it. */
  state: string;
  node?: string;
  /** The node the scheduler chose, before the binding is confirmed. */
  nominated?: string;
  /** The last FailedScheduling message, while unscheduled. */
  unschedulable?: string;
}

export interface ReplayNode {
  name: string;
  /** From the kubelet's NodeReady and the node controller's NodeNotReady events; undefined before either. */
  ready?: boolean;
  /** Taint keys the node lifecycle controller added (registration taints are not traced). */
  taints: string[];
}

export interface ReplayActor {
  state: string;
  event: string;
  t: number;
}

export interface ReplayState {
  /** How many events are folded in (the state *before* event `index`). */
  index: number;
  t: number;
  nodes: Record<string, ReplayNode>;
  pods: Record<string, ReplayPod>;
  actors: Record<string, ReplayActor>;
}

export function emptyState(): ReplayState {
  return { index: 0, t: 0, nodes: {}, pods: {}, actors: {} };
}

/** A deep copy (plain data only). */
export function cloneState(s: ReplayState): ReplayState {
  const pods: Record<string, ReplayPod> = {};
  for (const [k, p] of Object.entries(s.pods)) pods[k] = { ...p };
  const nodes: Record<string, ReplayNode> = {};
  for (const [k, n] of Object.entries(s.nodes)) nodes[k] = { ...n, taints: [...n.taints] };
  const actors: Record<string, ReplayActor> = {};
  for (const [k, a] of Object.entries(s.actors)) actors[k] = { ...a };
  return { index: s.index, t: s.t, nodes, pods, actors };
}

const POD_KEY = /^\/registry\/pods\/([^/]+)\/([^/]+)$/;
const NODE_KEY = /^\/registry\/nodes\/([^/]+)$/;
const BINDING_PATH = /\/namespaces\/([^/]+)\/pods\/([^/]+)\/binding$/;
const CHOSE = /^chose (\S+) for ([^/\s]+)\/(\S+?):/;
const ASSIGNED = /^Successfully assigned ([^/\s]+)\/(\S+) to (\S+)$/;
const TAINTS = /^node-lifecycle: node (\S+) NoSchedule taints: (.*)$/;
const NOEXECUTE = /^node-lifecycle: tainting node (\S+) with (\S+):NoExecute$/;

function pod(s: ReplayState, namespace: string, name: string): ReplayPod {
  const key = `${namespace}/${name}`;
  let p = s.pods[key];
  if (!p) {
    p = { namespace, name, phase: 'Pending', state: '' };
    s.pods[key] = p;
  }
  return p;
}

/** The phase a pod worker state string stands for: its top-level state. */
export function phaseOf(state: string): string {
  const top = state.split(/[.|]/)[0] ?? '';
  return top === '' ? 'Pending' : top;
}

/** Folds one event into `s` (mutating it; callers clone first when they keep the old state). */
export function applyEvent(s: ReplayState, e: TraceEvent): void {
  s.index++;
  s.t = e.t;
  switch (e.kind) {
    case 'write': {
      const pm = POD_KEY.exec(e.key);
      if (pm) {
        const key = `${pm[1]}/${pm[2]}`;
        if (e.op === 'create') s.pods[key] = { namespace: pm[1]!, name: pm[2]!, phase: 'Pending', state: '' };
        else if (e.op === 'delete') {
          delete s.pods[key];
          delete s.actors[`pod/${key}`];
        }
        return;
      }
      const nm = NODE_KEY.exec(e.key);
      if (nm) {
        if (e.op === 'create') s.nodes[nm[1]!] ??= { name: nm[1]!, taints: [] };
        else if (e.op === 'delete') delete s.nodes[nm[1]!];
      }
      return;
    }
    case 'transition': {
      s.actors[e.actor] = { state: e.to, event: e.event, t: e.t };
      if (e.actor.startsWith('pod/')) {
        const [, ns, name] = e.actor.split('/');
        if (ns === undefined || name === undefined) return;
        const p = pod(s, ns, name);
        p.state = e.to;
        p.phase = phaseOf(e.to);
      }
      return;
    }
    case 'note': {
      if (e.actor === 'kube-scheduler') {
        const m = CHOSE.exec(e.text);
        if (m && s.pods[`${m[2]}/${m[3]}`]) s.pods[`${m[2]}/${m[3]}`]!.nominated = m[1]!;
        return;
      }
      const tm = TAINTS.exec(e.text);
      if (tm) {
        const n = s.nodes[tm[1]!];
        if (!n) return;
        for (const change of tm[2]!.split(' ').filter(Boolean)) {
          const key = change.slice(1);
          if (change.startsWith('+') && !n.taints.includes(key)) n.taints.push(key);
          if (change.startsWith('-')) n.taints = n.taints.filter((k) => k !== key);
        }
        return;
      }
      const nx = NOEXECUTE.exec(e.text);
      if (nx && s.nodes[nx[1]!] && !s.nodes[nx[1]!]!.taints.includes(`${nx[2]}:NoExecute`)) s.nodes[nx[1]!]!.taints.push(`${nx[2]}:NoExecute`);
      return;
    }
    case 'request': {
      const bm = BINDING_PATH.exec(e.path);
      if (bm && e.code === 201) {
        const p = s.pods[`${bm[1]}/${bm[2]}`];
        if (p?.nominated) {
          p.node = p.nominated;
          delete p.unschedulable;
        }
      }
      return;
    }
    case 'k8s-event': {
      if (e.object.startsWith('Node/')) {
        const n = s.nodes[e.object.slice(5)];
        if (n && e.reason === 'NodeReady') n.ready = true;
        if (n && e.reason === 'NodeNotReady') n.ready = false;
        return;
      }
      if (!e.object.startsWith('Pod/')) return;
      const key = e.object.slice(4);
      const p = s.pods[key];
      if (!p) return;
      if (e.reason === 'Scheduled') {
        const m = ASSIGNED.exec(e.message);
        if (m) {
          p.node = m[3]!;
          delete p.unschedulable;
        }
      } else if (e.reason === 'FailedScheduling' && !p.node) p.unschedulable = e.message;
      return;
    }
    default:
      return;
  }
}

/** The state after the first `index` events of `events`, folded onto a copy of `base`. */
export function stateAt(events: readonly TraceEvent[], index: number, base: ReplayState = emptyState()): ReplayState {
  const s = cloneState(base);
  const end = Math.min(index, events.length);
  for (let i = 0; i < end; i++) applyEvent(s, events[i]!);
  return s;
}

/**
 * A growing trace with checkpoints: `push` events as they come, `stateAt(i)` for any i up to
 * `length`. Memory is bounded by `maxEvents`: the oldest events are folded into the base state and
 * dropped, so indexes below `first` are no longer reachable.
 */
export class ReplayIndex {
  private events: TraceEvent[] = [];
  private checkpoints: ReplayState[] = [];
  private base = emptyState();
  private tail = emptyState();
  /** Global index of events[0]. */
  first = 0;

  constructor(readonly checkpointEvery = 2000, readonly maxEvents = 2_000_000) {
    if (!(checkpointEvery > 0)) throw new RangeError('checkpointEvery must be positive');
    this.checkpoints.push(cloneState(this.base));
  }

  get length(): number {
    return this.first + this.events.length;
  }

  push(e: TraceEvent): void {
    this.events.push(e);
    applyEvent(this.tail, e);
    if (this.tail.index % this.checkpointEvery === 0) this.checkpoints.push(cloneState(this.tail));
    if (this.events.length > this.maxEvents) this.dropOldest(this.checkpointEvery);
  }

  /** The event at global index i, if still kept. */
  at(i: number): TraceEvent | undefined {
    return this.events[i - this.first];
  }

  /** Kept events in [from, to) (global indexes, clamped). */
  slice(from: number, to = this.length): TraceEvent[] {
    return this.events.slice(Math.max(0, from - this.first), Math.max(0, to - this.first));
  }

  /** The current state (every event folded in). Do not mutate. */
  current(): ReplayState {
    return this.tail;
  }

  /** The state before global event index i (clamped to [first, length]). */
  stateAt(i: number): ReplayState {
    const index = Math.max(this.first, Math.min(i, this.length));
    if (index === this.length) return cloneState(this.tail);
    let cp = this.checkpoints[0]!;
    for (const c of this.checkpoints) {
      if (c.index <= index) cp = c;
      else break;
    }
    return stateAt(this.events.slice(cp.index - this.first, index - this.first), index - cp.index, cp);
  }

  private dropOldest(n: number): void {
    const dropped = this.events.splice(0, n);
    for (const e of dropped) applyEvent(this.base, e);
    this.first += dropped.length;
    this.checkpoints = this.checkpoints.filter((c) => c.index > this.first);
    this.checkpoints.unshift(cloneState(this.base));
  }
}
