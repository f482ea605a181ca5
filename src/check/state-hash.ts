/**
 * A digest of a simulation's state for exhaustive exploration: two states with the same digest
 * are treated as the same and explored once. It covers
 * 1. etcd: every key and value except Events, with resourceVersions and uids relabeled by first
 *    appearance (so the same objects written in another order hash alike; `strict` keeps raw
 *    values: relabeling is sound only while no watch resumes from an old revision, which the
 *    explorer never does since it injects no watch cuts);
 * 2. every component's snapshot: state value, context and children, walked generically (Maps,
 *    Sets and class instances as sorted entries; functions and ports skipped); request and watch
 *    ids (`name#17`, `name~w3`, numbered by a global counter) relabeled per component;
 * 3. the messages waiting on each channel (hold mode);
 * 4. the pending timers, as due-minus-now.
 * A frozen object (shared with etcd and informer caches) is digested once and memoized.
 */
import { createHash } from 'node:crypto';
import type { Simulation } from '../sim/simulation.ts';

export interface HashOptions {
  /** Keep raw resourceVersions, uids and request ids (no relabeling). */
  strict?: boolean;
}

/** Keys never walked: runtime plumbing, not state. */
const SKIP_KEYS = new Set(['port', 'system', '_parent', 'logger', 'clock', 'logSink', '_actorScope', 'self']);
const RELABEL_KEYS = new Set(['resourceVersion', 'uid']);
const ID = /^(.*?)(#|~w)(\d+)$/;

class Walker {
  private memo = new WeakMap<object, string>();
  private labels = new Map<string, string>();
  private onPath = new Set<object>();
  private actorsSeen = new Set<object>();

  constructor(private strict: boolean) {}

  label(kind: string, raw: string): string {
    if (this.strict) return raw;
    const k = `${kind}:${raw}`;
    let l = this.labels.get(k);
    if (l === undefined) this.labels.set(k, (l = `${kind}${this.labels.size}`));
    return l;
  }

  str(s: string): string {
    if (!this.strict) {
      const m = ID.exec(s);
      if (m) return JSON.stringify(`${m[1]}${m[2]}${this.label('id', s)}`);
    }
    return JSON.stringify(s);
  }

  walk(v: unknown, key?: string): string {
    switch (typeof v) {
      case 'undefined': return 'u';
      case 'boolean': return v ? 't' : 'f';
      case 'number': return `n${v}`;
      case 'bigint': return `b${v}`;
      case 'string': return key !== undefined && RELABEL_KEYS.has(key) ? JSON.stringify(this.label(key, v)) : this.str(v);
      case 'function': return 'fn';
      case 'symbol': return 'sym';
      default: break;
    }
    if (v === null) return 'null';
    const o = v as object;
    // Actor refs inside contexts: their snapshot is state, the ref itself is plumbing.
    if (isActorRef(o)) {
      if (this.actorsSeen.has(o)) return `actor(${JSON.stringify((o as { id?: string }).id ?? '')})`;
      this.actorsSeen.add(o);
      return `actor(${JSON.stringify((o as { id?: string }).id ?? '')},${this.snapshot(o.getSnapshot())})`;
    }
    // Frozen objects are shared and immutable; their digest cannot change. Relabeling depends on
    // the order of first appearance, so memoize only in strict mode or for label-free objects.
    const frozen = Object.isFrozen(o);
    if (frozen) {
      const m = this.memo.get(o);
      if (m !== undefined) return m;
    }
    if (this.onPath.has(o)) return 'cycle';
    this.onPath.add(o);
    let out: string;
    if (Array.isArray(o)) out = `[${o.map((x) => this.walk(x)).join(',')}]`;
    else if (o instanceof Map) out = `M{${[...o.entries()].map(([k, x]) => `${this.walk(k)}:${this.walk(x, typeof k === 'string' ? k : undefined)}`).sort().join(',')}}`;
    else if (o instanceof Set) out = `S{${[...o].map((x) => this.walk(x)).sort().join(',')}}`;
    else {
      const keys = Object.keys(o).filter((k) => !SKIP_KEYS.has(k)).sort();
      out = `{${keys.map((k) => `${JSON.stringify(k)}:${this.walk((o as Record<string, unknown>)[k], k)}`).join(',')}}`;
    }
    this.onPath.delete(o);
    if (frozen && this.strict) this.memo.set(o, out);
    return out;
  }

  snapshot(s: unknown): string {
    const snap = s as { value?: unknown; context?: unknown; children?: Record<string, unknown>; status?: string };
    const children = snap.children ? Object.keys(snap.children).sort().map((k) => `${JSON.stringify(k)}:${this.walk(snap.children![k])}`).join(',') : '';
    return `{v:${this.walk(snap.value)},s:${snap.status ?? ''},c:${this.walk(snap.context)},k:{${children}}}`;
  }
}

function isActorRef(o: object): o is { getSnapshot(): unknown; id?: string } {
  const a = o as { getSnapshot?: unknown; send?: unknown; sessionId?: unknown };
  return typeof a.getSnapshot === 'function' && typeof a.send === 'function' && typeof a.sessionId === 'string';
}

interface ClockItem { at: number; cancelled: boolean }

/** Pending timer offsets (due - now), sorted: the clock's heap read without changing it. */
function pendingTimers(sim: Simulation): number[] {
  const heap = (sim.clock as unknown as { heap?: ClockItem[] }).heap ?? [];
  const now = sim.now();
  return heap.filter((i) => !i.cancelled).map((i) => i.at - now).sort((a, b) => a - b);
}

/** The digest of a simulation's state (sha1 hex). */
export function stateHash(sim: Simulation, opts: HashOptions = {}): string {
  const w = new Walker(Boolean(opts.strict));
  const h = createHash('sha1');
  h.update('etcd\n');
  for (const kv of sim.store.range('/registry/').kvs) {
    if (kv.key.startsWith('/registry/events/')) continue;
    h.update(`${kv.key}=${w.walk(kv.value)}\n`);
  }
  h.update('components\n');
  for (const name of [...sim.componentNames()].sort()) {
    const ref = sim.component(name);
    if (ref) h.update(`${name}=${w.snapshot(ref.getSnapshot())}\n`);
  }
  h.update('in-flight\n');
  for (const c of pendingChoicesOf(sim)) h.update(`${c.channel} ${c.what} x${c.queued}\n`);
  h.update(`timers ${pendingTimers(sim).join(',')}\n`);
  return h.digest('hex');
}

/** Hold-mode channels with waiting messages (Simulation's, else the network's). */
export function pendingChoicesOf(sim: Simulation): Array<{ channel: string; what: string; queued: number }> {
  const s = sim as unknown as { pendingChoices?: () => Array<{ channel: string; what: string; queued: number }> };
  if (typeof s.pendingChoices === 'function') return s.pendingChoices();
  const n = sim.network as unknown as { pendingChoices?: () => Array<{ channel: string; what: string; queued: number }> };
  return typeof n.pendingChoices === 'function' ? n.pendingChoices() : [];
}
