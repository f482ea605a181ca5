/**
 * Applies a fault plan (src/sim/fault-plan.ts) to a cluster: every fault is scheduled on the
 * virtual clock, undone at the end of its window (or at the heal), and traced as a `fault` event
 * when it begins and ends. Faults are TCP-faithful, so the checker finds bugs in the model rather
 * than in the fault model:
 *
 * - delay: extra latency on matching messages; each channel stays FIFO (head-of-line blocking).
 * - drop: a lost request or response leaves the sender waiting until it notices the dead
 *   connection (the plan's detectAfter, 45 s by default) and then answers it with a transport
 *   error (code 0, Status reason ClientConnectionLost); a write whose response was lost may have
 *   been applied. A lost watch event cannot vanish from a TCP stream: the stream is cut (the server
 *   stops it, the component hears `api.watchClosed` after the detection delay and re-lists).
 * - duplicate: requests and responses only, never watch events. A duplicated request is the
 *   client's at-least-once retry: the API server serves it twice and the client sees the second
 *   answer; a duplicated response is a lost answer followed by that retry.
 * - partition: every message between the component and kube-apiserver is lost, both ways,
 *   including those in flight; its watches are cut as lost streams.
 * - crashNode: Cluster.stopNode; after `for`, Cluster.startNode (the node's disk kept or lost).
 * - restart: Simulation.restartComponent (fresh memory, same logic, input and token; answers to
 *   the old incarnation are dropped); with afterRequests, right after the k-th request whose tag
 *   starts with the prefix (counted from when the fault is armed, at `at` or at once). A
 *   restarted kubelet loses its pod workers with it (the model has no container runtime that
 *   outlives the kubelet); for a node, crashNode is the faithful fault.
 * - cutWatch: the component's watch streams (all, or one resource's) close cleanly.
 * - staleReads: the component's gets and lists are served `lagRevisions` behind.
 * - compact: etcd compacts to the current revision now.
 * - etcdUnavailable: etcd stops serving; the API server answers 503.
 *
 * Every random choice (ratios, extra delays) comes from a seeded stream per fault
 * (`fault:<index>`), so the same seed and plan replay byte for byte.
 *
 * Windows: a fault with `for` ends at min(at + for, healAt). Without `for` it lasts until healAt
 * when the plan gives one, else it stays (a crashNode without `for` never comes back). healAt
 * defaults to the last moment a fault starts or ends. Faults starting at or after an explicit
 * healAt are not applied. A restart-after-requests fault stays armed until it fires (or until an
 * explicit healAt).
 */
import type { Cluster } from './cluster.ts';
import { FaultPlan, whoMatches, type FaultPlanT, type FaultT } from './fault-plan.ts';
import type { MessageKind, MessagePolicy, Verdict } from './network.ts';
import type { Rng } from './rng.ts';
import type { Simulation } from './simulation.ts';
import { durationMs } from '../scenario/schema.ts';
import type { z } from 'zod';

export interface AppliedFaultPlan {
  /** Virtual time at which every fault has been undone (windows closed, policies removed). */
  healAt: number;
}

/** A plan as written (defaults not yet applied) or as parsed. */
export type FaultPlanInput = z.input<typeof FaultPlan> | FaultPlanT;

type MessageFault = Extract<FaultT, { kind: 'delay' | 'drop' | 'duplicate' }>;

interface ActiveMessageFault {
  fault: MessageFault;
  from: (name: string) => boolean;
  to: (name: string) => boolean;
  rng: Rng;
}

/** The fault's own time window in ms, before the heal clamps it. */
function windowOf(f: FaultT): { startMs: number; endMs: number | undefined } {
  const at = 'at' in f && f.at !== undefined ? durationMs(f.at) : 0;
  const len = 'for' in f && f.for !== undefined ? durationMs(f.for) : undefined;
  return { startMs: at, endMs: len === undefined ? undefined : at + len };
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

function ratioText(r: readonly [number, number]): string {
  return r[0] === r[1] ? 'every message' : `ratio ${r[0]}/${r[1]}`;
}

/** Schedules every fault of `plan` on the cluster's virtual clock. Returns when everything is healed. */
export function applyFaultPlan(cluster: Cluster, input: FaultPlanInput): AppliedFaultPlan {
  const plan = FaultPlan.parse(input);
  const sim = cluster.sim;
  if (plan.detectAfter !== undefined) sim.connectionLossDetectMs = durationMs(plan.detectAfter);
  const windows = plan.faults.map(windowOf);
  const explicitHeal = plan.healAt !== undefined ? durationMs(plan.healAt) : undefined;
  const healAt = explicitHeal ?? Math.max(0, ...windows.map((w) => w.endMs ?? w.startMs));

  const fx = new FaultEffects(cluster);
  plan.faults.forEach((f, i) => {
    const w = windows[i]!;
    if (explicitHeal !== undefined && w.startMs >= explicitHeal) return;
    const endMs = w.endMs !== undefined ? Math.min(w.endMs, healAt) : explicitHeal;
    fx.schedule(f, i, w.startMs, f.kind === 'crashNode' && w.endMs === undefined ? undefined : endMs, explicitHeal);
  });
  return { healAt };
}

/** What each fault does to the running cluster, and how it is undone. */
class FaultEffects {
  private readonly sim: Simulation;
  private readonly messageFaults: ActiveMessageFault[] = [];
  private readonly partitions: Array<(name: string) => boolean> = [];
  private etcdDown = 0;
  private readonly crashed = new Map<string, number>();
  private previousPolicy: MessagePolicy | undefined;
  private policyInstalled = false;

  constructor(private readonly cluster: Cluster) {
    this.sim = cluster.sim;
  }

  schedule(f: FaultT, index: number, startMs: number, endMs: number | undefined, explicitHeal: number | undefined): void {
    const at = (ms: number, fn: () => void) => this.sim.clock.at(ms, fn);
    const trace = (action: 'start' | 'end', detail: string) => this.sim.emit({ t: this.sim.now(), kind: 'fault', fault: f.kind, action, detail });
    const windowed = (begin: () => string, finish: () => string) => {
      at(startMs, () => trace('start', begin()));
      if (endMs !== undefined) at(endMs, () => trace('end', finish()));
    };
    switch (f.kind) {
      case 'crashNode':
        // Overlapping crashes of one node nest: it is down from the first start to the last end.
        return windowed(() => {
          const n = (this.crashed.get(f.node) ?? 0) + 1;
          this.crashed.set(f.node, n);
          if (n === 1) this.cluster.stopNode(f.node);
          return `node ${f.node} crashed (kubelet and kube-proxy gone; disk ${f.disk})`;
        }, () => {
          const n = (this.crashed.get(f.node) ?? 1) - 1;
          this.crashed.set(f.node, n);
          if (n > 0) return `node ${f.node} stays down (another crash of it is still on)`;
          if (this.sim.component(`kubelet/${f.node}`)) return `node ${f.node} is already running`;
          this.startNode(f.node, f.disk);
          return `node ${f.node} is back (disk ${f.disk})`;
        });
      case 'partition': {
        const who = whoMatches(f.component);
        return windowed(() => {
          this.partitions.push(who);
          this.installSevered();
          let cut = 0;
          for (const name of this.sim.componentNames()) if (who(name) || who('kube-apiserver')) cut += this.sim.cutWatches(name, undefined, { lost: true });
          return `${f.component} <-> kube-apiserver: every message lost both ways; ${cut} watch stream${cut === 1 ? '' : 's'} lost`;
        }, () => {
          this.partitions.splice(this.partitions.indexOf(who), 1);
          this.installSevered();
          return `${f.component} <-> kube-apiserver: healed`;
        });
      }
      case 'delay':
      case 'drop':
      case 'duplicate': {
        const active: ActiveMessageFault = { fault: f, from: whoMatches(f.from), to: whoMatches(f.to), rng: this.sim.seeds.stream(`fault:${index}`) };
        const what = f.kind === 'delay' ? `+${f.extraMs.min}..${f.extraMs.max} ms` : f.kind === 'drop' ? 'lost' : 'duplicated';
        return windowed(() => {
          this.messageFaults.push(active);
          this.installPolicy();
          return `${f.from} > ${f.to}: ${what}, ${ratioText(f.ratio)}`;
        }, () => {
          this.messageFaults.splice(this.messageFaults.indexOf(active), 1);
          this.installPolicy();
          return `${f.from} > ${f.to}: ${f.kind} over`;
        });
      }
      case 'cutWatch': {
        const who = whoMatches(f.component);
        at(startMs, () => {
          const parts: string[] = [];
          for (const name of this.sim.componentNames()) {
            if (!who(name)) continue;
            const n = this.sim.cutWatches(name, f.resource);
            parts.push(`${name}: ${n} stream${n === 1 ? '' : 's'}`);
          }
          trace('start', `watches of ${f.component}${f.resource ? ` on ${f.resource}` : ''} closed (${parts.join(', ') || 'no such component'})`);
        });
        return;
      }
      case 'staleReads': {
        let undo: (() => void) | undefined;
        return windowed(() => {
          undo = this.sim.staleReads(whoMatches(f.component), f.lagRevisions);
          return `${f.component}: gets and lists served ${f.lagRevisions} revision${f.lagRevisions === 1 ? '' : 's'} behind`;
        }, () => {
          undo?.();
          return `${f.component}: reads current again`;
        });
      }
      case 'restart': {
        const who = whoMatches(f.component);
        const ar = f.afterRequests;
        if (!ar) {
          at(startMs, () => {
            const names = this.sim.componentNames().filter(who);
            trace('start', `${names.join(', ') || `no component matches ${f.component}`} restarted, memory lost`);
            for (const name of names) this.sim.restartComponent(name);
          });
          return;
        }
        let disarm: (() => void) | undefined;
        at(startMs, () => {
          disarm = this.sim.restartAfterRequests(who, ar.tagPrefix, ar.count, (name) => {
            trace('start', `${name} crashed right after its ${ordinal(ar.count)} request tagged ${ar.tagPrefix}*; restarted, memory lost`);
          });
        });
        if (explicitHeal !== undefined) at(explicitHeal, () => disarm?.());
        return;
      }
      case 'compact':
        at(startMs, () => {
          const before = this.sim.store.compactRevision();
          const rev = this.sim.compactNow();
          trace('start', rev > before ? `etcd compacted to revision ${rev}` : `etcd not compacted (unavailable or nothing new; at ${rev})`);
        });
        return;
      case 'etcdUnavailable':
        return windowed(() => {
          if (this.etcdDown++ === 0) this.sim.setEtcdAvailable(false);
          return 'etcd unavailable: the API server answers 503';
        }, () => {
          if (--this.etcdDown === 0) this.sim.setEtcdAvailable(true);
          return 'etcd available again';
        });
    }
  }

  /**
   * Cluster.startNode: the node's kubelet and kube-proxy start fresh with the node's disk (IPAM
   * allocations, images). The disk option is passed for when startNode learns to lose the disk;
   * today it is always kept.
   */
  private startNode(node: string, disk: 'kept' | 'lost'): void {
    (this.cluster.startNode as (name: string, opts?: { disk?: 'kept' | 'lost' }) => void).call(this.cluster, node, { disk });
  }

  private installSevered(): void {
    const parts = [...this.partitions];
    this.sim.network.severed = parts.length === 0 ? undefined : (from, to) => parts.some((p) => p(from) || p(to));
  }

  /** One policy over every active message fault; removed (the previous one back) when none is active. */
  private installPolicy(): void {
    const net = this.sim.network;
    if (this.messageFaults.length === 0) {
      if (this.policyInstalled) net.policy = this.previousPolicy;
      this.policyInstalled = false;
      return;
    }
    if (this.policyInstalled) return;
    this.previousPolicy = net.policy;
    this.policyInstalled = true;
    const prev = this.previousPolicy;
    const active = this.messageFaults;
    net.policy = (from: string, to: string, what: string, now: number, kind: MessageKind): Verdict => {
      let extraMs = 0;
      let duplicate = false;
      for (const a of active) {
        if (!a.from(from) || !a.to(to)) continue;
        const f = a.fault;
        if (f.kind === 'duplicate' && kind !== 'request' && kind !== 'response') continue;
        if (!a.rng.chance(f.ratio[0], f.ratio[1])) continue;
        if (f.kind === 'drop') return { action: 'drop' };
        if (f.kind === 'duplicate') duplicate = true;
        else extraMs += a.rng.int(f.extraMs.min, f.extraMs.max);
      }
      if (duplicate) return { action: 'duplicate' };
      if (extraMs > 0) return { action: 'delay', extraMs };
      return prev ? prev(from, to, what, now, kind) : { action: 'deliver' };
    };
  }
}
