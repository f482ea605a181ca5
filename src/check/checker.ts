/**
 * The checker: a simulation probe that evaluates the invariant catalogue at every write, request
 * and watch delivery, as they happen, and keeps the violations. It maintains the two indexes the
 * invariants read the past through: every version of every key (events aside) written since it
 * attached, and, per component, the last versions of each key it received on its watches and
 * lists (what it knew when it sent a request: the probe gives each request's send step). Both are
 * updated in O(1) (amortized) per hook, a list in O(items); nothing scans the store per step. By default it stops at the first violation (the run is over: a counterexample).
 */
import type { KObject } from '../api/objects.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { Simulation } from '../sim/simulation.ts';
import type { RequestServed, SimProbe, StoreWrite, WatchDelivery } from '../sim/probe.ts';
import type { CheckContext, Finding, HookResult, Invariant, KeyVersion, Knowledge, Violation } from './invariant.ts';
import { INVARIANTS } from './invariants/index.ts';
import { refOf, refOfKey, resourceOfKey, storageKeyOf } from './objects.ts';

export type { Violation } from './invariant.ts';

export interface CheckerOptions {
  /** Keep checking after the first violation (default false: stop there). */
  continueAfterViolation?: boolean;
}

/** Keys whose versions are not kept: Events are many and no invariant reads their past. */
const UNINDEXED = '/registry/events/';
/** Watch events kept per component and key (what it knew lately). */
const KNOWLEDGE_KEPT = 16;

interface Entry {
  inv: Invariant;
  cx: CheckContext;
}

export class Checker implements SimProbe {
  readonly violations: Violation[] = [];
  /** Invariant evaluations (hook calls) so far. */
  checks = 0;
  private sim: Simulation | undefined;
  private cluster: Cluster | undefined;
  private entries: Entry[] = [];
  /** resource -> the entries whose onWrite wants its writes. */
  private writeRoutes = new Map<string, Entry[]>();
  private requestEntries: Entry[] = [];
  private deliveryEntries: Entry[] = [];
  private closedEntries: Entry[] = [];
  private readonly versionIndex = new Map<string, KeyVersion[]>();
  /** The store revision when the checker attached: versions before it are unknown. */
  private attachedAt = 0;
  private readonly knowledge = new Map<string, Map<string, Knowledge[]>>();
  private readonly continueAfter: boolean;

  constructor(readonly invariants: readonly Invariant[] = INVARIANTS, options: CheckerOptions = {}) {
    const ids = new Set<string>();
    for (const inv of invariants) {
      if (ids.has(inv.id)) throw new Error(`invariant ${inv.id} is listed twice`);
      ids.add(inv.id);
    }
    this.continueAfter = options.continueAfterViolation ?? false;
  }

  /** Attaches to a cluster (or a bare simulation): seeds the indexes from the store as it is now. */
  attach(target: Cluster | Simulation): this {
    if (this.sim) throw new Error('this checker is already attached');
    const sim = 'sim' in target ? target.sim : target;
    this.sim = sim;
    this.cluster = 'sim' in target ? target : undefined;
    this.attachedAt = sim.store.revision();
    for (const inv of this.invariants) {
      const entry: Entry = { inv, cx: this.contextFor(inv) };
      this.entries.push(entry);
      if (inv.onRequest) this.requestEntries.push(entry);
      if (inv.onWatchDelivered) this.deliveryEntries.push(entry);
      if (inv.onWatchClosed) this.closedEntries.push(entry);
    }
    for (const kv of sim.store.range('/registry/').kvs) {
      if (!kv.key.startsWith(UNINDEXED)) this.versionIndex.set(kv.key, [{ revision: kv.modRevision, value: kv.value }]);
      for (const e of this.entries) e.inv.seed?.(kv.key, kv.value, e.cx);
    }
    const previous = sim.probe;
    sim.probe = previous ? chain(previous, this) : this;
    return this;
  }

  /** Runs the quiescence checks (call when the cluster is quiet, e.g. at the end of a run). */
  quiescence(): Violation[] {
    const before = this.violations.length;
    for (const e of this.entries) {
      if (!e.inv.atQuiescence || this.stopped()) continue;
      this.checks++;
      this.record(e.inv, e.inv.atQuiescence(e.cx), []);
    }
    return this.violations.slice(before);
  }

  /** The invariants this checker evaluates, by id. */
  ids(): string[] {
    return this.invariants.map((i) => i.id);
  }

  // ------------------------------------------------------------------ probe hooks

  onWrite(w: StoreWrite): void {
    if (this.stopped()) return;
    if (!w.key.startsWith(UNINDEXED)) {
      let vs = this.versionIndex.get(w.key);
      if (!vs) this.versionIndex.set(w.key, (vs = []));
      vs.push({ revision: w.revision, value: w.next });
    }
    const resource = resourceOfKey(w.key);
    let route = this.writeRoutes.get(resource);
    if (!route) {
      route = this.entries.filter((e) => e.inv.onWrite && (!e.inv.resources || e.inv.resources.includes(resource)));
      this.writeRoutes.set(resource, route);
    }
    for (const e of route) {
      if (this.stopped()) return;
      this.checks++;
      this.record(e.inv, e.inv.onWrite!(w, e.cx), [refOfKey(w.key)]);
    }
  }

  onRequest(r: RequestServed): void {
    if (this.stopped()) return;
    const items = (r.body as { items?: unknown } | undefined)?.items;
    if (r.verb === 'list' && r.code === 200 && r.tag !== undefined && Array.isArray(items)) {
      const step = this.sim!.clock.steps;
      const storeRevision = this.sim!.store.revision();
      for (const item of items as KObject[]) {
        const key = storageKeyOf(item);
        if (key !== undefined) this.learn(r.from, key, { step, storeRevision, tag: r.tag, type: 'ADDED', object: item, fromList: true });
      }
    }
    for (const e of this.requestEntries) {
      if (this.stopped()) return;
      this.checks++;
      this.record(e.inv, e.inv.onRequest!(r, e.cx), [r.path]);
    }
  }

  onWatchDelivered(d: WatchDelivery): void {
    if (this.stopped()) return;
    const ev = d.event;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED') {
      const key = storageKeyOf(ev.object);
      if (key !== undefined) this.learn(d.component, key, { step: this.sim!.clock.steps, storeRevision: this.sim!.store.revision(), tag: d.tag, type: ev.type, object: ev.object });
    }
    const objects = ev.type === 'ERROR' ? [] : [refOf(ev.object)];
    for (const e of this.deliveryEntries) {
      if (this.stopped()) return;
      this.checks++;
      this.record(e.inv, e.inv.onWatchDelivered!(d, e.cx), objects);
    }
  }

  onWatchClosed(d: { component: string; watchId: string; at: number }): void {
    for (const e of this.closedEntries) {
      if (this.stopped()) return;
      this.checks++;
      this.record(e.inv, e.inv.onWatchClosed!(d, e.cx), []);
    }
  }

  // ------------------------------------------------------------------ internals

  private stopped(): boolean {
    return !this.continueAfter && this.violations.length > 0;
  }

  private record(inv: Invariant, result: HookResult, objects: string[]): void {
    if (result === undefined) return;
    const findings: Finding[] = Array.isArray(result) ? result : [result];
    for (const f of findings) {
      const message = typeof f === 'string' ? f : f.message;
      const objs = typeof f === 'string' ? objects : (f.objects ?? objects);
      this.violations.push({ invariant: inv.id, statement: inv.statement, at: this.sim?.now() ?? 0, message, objects: objs });
    }
  }

  private contextFor(inv: Invariant): CheckContext {
    const checker = this;
    const sim = this.sim!;
    const state = inv.init ? inv.init() : undefined;
    return {
      sim,
      cluster: this.cluster,
      state,
      revision: () => sim.store.revision(),
      get: (key) => sim.store.get(key)?.value,
      getAt: (key, rev) => checker.getAt(key, rev),
      versions: (key, from, to) => checker.versions(key, from, to ?? Number.MAX_SAFE_INTEGER),
      nextWriteAfter: (key, rev) => checker.nextWriteAfter(key, rev),
      writtenAt: (key, rev) => rev <= checker.attachedAt || key.startsWith(UNINDEXED) || checker.writtenAt(key, rev),
      knownBefore: (component, key, sent, tagPrefix) => checker.knownBefore(component, key, sent, tagPrefix),
    };
  }

  /** Index of the last version with revision <= rev, or -1. */
  private static floor(vs: readonly KeyVersion[], rev: number): number {
    let lo = 0;
    let hi = vs.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (vs[mid]!.revision <= rev) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  private getAt(key: string, rev: number): KObject | undefined {
    const vs = this.versionIndex.get(key);
    if (!vs) return undefined;
    const i = Checker.floor(vs, rev);
    return i < 0 ? undefined : vs[i]!.value;
  }

  private writtenAt(key: string, rev: number): boolean {
    const vs = this.versionIndex.get(key);
    if (!vs) return false;
    return vs[Checker.floor(vs, rev)]?.revision === rev;
  }

  private versions(key: string, from: number, to: number): KeyVersion[] {
    const vs = this.versionIndex.get(key);
    if (!vs) return [];
    const start = Math.max(0, Checker.floor(vs, from));
    const out: KeyVersion[] = [];
    for (let i = start; i < vs.length && vs[i]!.revision <= to; i++) out.push(vs[i]!);
    return out;
  }

  private nextWriteAfter(key: string, rev: number): number | undefined {
    const vs = this.versionIndex.get(key);
    if (!vs) return undefined;
    const i = Checker.floor(vs, rev) + 1;
    // Before the first version the checker saw, the history is unknown (written before it attached).
    if (i === 0 && vs[0]!.revision <= this.attachedAt) return undefined;
    return vs[i]?.revision;
  }

  private knownBefore(component: string, key: string, sent: { sentRevision: number; sentStep?: number }, tagPrefix?: string): Knowledge[] {
    const ks = this.knowledge.get(component)?.get(key);
    if (!ks) return [];
    const out: Knowledge[] = [];
    for (let i = ks.length - 1; i >= 0; i--) {
      const k = ks[i]!;
      if (tagPrefix !== undefined && !k.tag.startsWith(tagPrefix)) continue;
      // Possibly before the send; certainly so for a watch event delivered in the send's step or
      // earlier (the delivery is what ran the sender), or, without the step, below its revision.
      const maybe = sent.sentStep !== undefined ? k.step <= sent.sentStep : k.storeRevision <= sent.sentRevision;
      if (!maybe) continue;
      out.push(k);
      const certain = !k.fromList && (sent.sentStep !== undefined || k.storeRevision < sent.sentRevision);
      if (certain) return out;
    }
    // No certain base: it may have known nothing of the key yet.
    return [];
  }

  private learn(component: string, key: string, k: Knowledge): void {
    let byKey = this.knowledge.get(component);
    if (!byKey) this.knowledge.set(component, (byKey = new Map()));
    let ks = byKey.get(key);
    if (!ks) byKey.set(key, (ks = []));
    ks.push(k);
    if (ks.length > KNOWLEDGE_KEPT) ks.shift();
  }
}

/** Two probes as one (the checker joins whatever was attached before it). */
function chain(a: SimProbe, b: SimProbe): SimProbe {
  return {
    onWrite: (w) => { a.onWrite?.(w); b.onWrite?.(w); },
    onRequest: (r) => { a.onRequest?.(r); b.onRequest?.(r); },
    onWatchDelivered: (d) => { a.onWatchDelivered?.(d); b.onWatchDelivered?.(d); },
    onWatchClosed: (d) => { a.onWatchClosed?.(d); b.onWatchClosed?.(d); },
  };
}

/** A violation as one line: "[id] at 12.345s: message (objects)". */
export function formatViolation(v: Violation): string {
  return `[${v.invariant}] at ${(v.at / 1000).toFixed(3)}s: ${v.message}${v.objects.length ? ` (${v.objects.join(', ')})` : ''}`;
}
