/**
 * Exhaustive, bounded exploration of delivery orders. The network runs in hold mode: requests to
 * kube-apiserver wait in per-sender FIFO queues, and everything else (responses, watch events) is
 * delivered at once. A delivery to a component touches only that component and appends to its own
 * outgoing queue, so those deliveries commute, and the only choice left is which sender's head
 * request the API server serves next (the partial-order reduction of issue 5 §3d). Event creates
 * and leader-election Lease requests are served eagerly (nothing else reads them). Timers fire only when no request waits: the network
 * is assumed faster than every timer.
 *
 * Depth-first search by re-execution, never by cloning actors (their contexts hold mutable class
 * instances and XState loses `after` timers on restore): a sibling is reached by rebuilding the
 * cluster and replaying the choices of its path; the first child continues on the live cluster.
 * States already seen (src/check/state-hash.ts) are pruned. The depth (choices with at least two
 * options on one path) and the number of states are hard bounds: exhausting one is reported.
 */
import type { KObject } from '../api/objects.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { clusterFor, scheduleSteps } from '../scenario/run.ts';
import { durationMs } from '../scenario/schema.ts';
import type { Cluster } from '../sim/cluster.ts';
import { SimulationError, type Simulation } from '../sim/simulation.ts';
import { toJsonLine, type TraceEvent } from '../sim/trace.ts';
import type { BugName } from '../../machines/bugs.ts';
import { createHash } from 'node:crypto';
import type { Checker, Violation } from './checker.ts';
import { CRASH_INVARIANT, checkerFor } from './run-checked.ts';
import { pendingChoicesOf, stateHash } from './state-hash.ts';

export interface ExploreOptions {
  loaded: LoadedScenario;
  seed: number;
  bugs?: readonly BugName[] | undefined;
  /** Check only these invariants (default: the whole catalogue). */
  invariants?: readonly string[] | undefined;
  /** The most branching choices on one path. */
  depth: number;
  /** Stop after this many distinct states (default 20,000). */
  maxStates?: number;
  /** Timers fire up to this virtual time; later ones end a path (default: the last step + 30 s). */
  horizonMs?: number;
  /** Keep raw resourceVersions and ids in the state hash. */
  strictHash?: boolean;
  /**
   * Times per path the next timer may fire while requests still wait (a late network): each is
   * one more choice at every point where something waits. Default 0: timers fire only when
   * nothing waits.
   */
  timeJumps?: number;
  /** Called after every state visited. */
  onProgress?: (r: ExploreReport) => void;
}

export interface ExploreReport {
  /** Distinct states visited (choice points and terminal states). */
  states: number;
  /** Visits that reached a state already seen. */
  pruned: number;
  /** States with no request waiting and no timer before the horizon. */
  terminal: number;
  /** States not expanded because the depth bound was reached. */
  depthBounded: number;
  /** The deepest path expanded, in branching choices. */
  maxDepth: number;
  /** Cluster rebuilds (re-executions of a prefix). */
  replays: number;
  /** Choices delivered (on the live cluster and in replays). */
  deliveries: number;
  /** Whether every path was explored within the bounds (false when maxStates ran out). */
  complete: boolean;
  frontier: number;
  violation?: { violation: Violation; schedule: string[]; delivered: string[] };
}

/** The choice of firing the next timer while requests wait. */
export const TIME_JUMP = '@timer';

/**
 * Requests that wait for the explorer: everything to kube-apiserver except Event writes and the
 * leader-election Leases in kube-system, which only their own elector reads or writes (so serving
 * them at once commutes with every other delivery).
 */
export function holdsRequest(_from: string, to: string, what: string): boolean {
  return to === 'kube-apiserver' && !/\/events(\/|$)/.test(what) && !/\/namespaces\/kube-system\/leases(\/|$)/.test(what);
}

/** Warm-up: quiet for this long (heartbeats aside) means the nodes are up and the informers synced. */
const WARM_QUIET_MS = 500;

export function defaultHorizonMs(loaded: LoadedScenario): number {
  return Math.max(0, ...loaded.spec.steps.map((s) => durationMs(s.at))) + 30_000;
}

interface HoldApi {
  hold(pred: (from: string, to: string, what: string) => boolean): void;
  deliverNext(channel: string): boolean;
}

function holdApi(sim: Simulation): HoldApi {
  const s = sim as unknown as Partial<HoldApi>;
  const n = sim.network as unknown as Partial<HoldApi>;
  const hold = typeof s.hold === 'function' ? s.hold.bind(sim) : n.hold?.bind(sim.network);
  const deliverNext = typeof s.deliverNext === 'function' ? s.deliverNext.bind(sim) : n.deliverNext?.bind(sim.network);
  if (!hold || !deliverNext) throw new Error('exhaustive exploration needs the network hold mode (Simulation.pendingChoices / deliverNext)');
  return { hold: hold as HoldApi['hold'], deliverNext: deliverNext as HoldApi['deliverNext'] };
}

/** One cluster being driven along a path of choices. */
class Live {
  readonly cluster: Cluster;
  readonly checker: Checker;
  readonly path: string[] = [];
  private api: HoldApi;
  crashed: Violation | undefined;

  constructor(private opts: ExploreOptions, private horizonMs: number, onTrace?: (e: TraceEvent) => void) {
    this.checker = checkerFor(opts.invariants);
    this.cluster = clusterFor(opts.loaded, {
      seed: opts.seed, record: false, traceMessages: Boolean(onTrace),
      ...(opts.bugs && opts.bugs.length > 0 ? { clusterOptions: { bugs: [...opts.bugs] } } : {}),
    });
    if (onTrace) this.cluster.sim.trace$.subscribe(onTrace);
    this.checker.attach(this.cluster);
    this.api = holdApi(this.cluster.sim);
    const applyObjs = (objs: KObject[]) => this.cluster.apply(objs);
    scheduleSteps(opts.loaded, this.cluster, applyObjs);
    // Start warm: the nodes register and every informer syncs in timed mode (their orders are not
    // what we explore), up to the first step at most. Then every request waits for a choice.
    const firstStepMs = Math.min(30_000, ...opts.loaded.spec.steps.map((s) => durationMs(s.at)));
    if (firstStepMs > 1) this.sim.runUntilQuiet(WARM_QUIET_MS, firstStepMs - 1 - this.sim.now());
    this.api.hold(holdsRequest);
    applyObjs(opts.loaded.manifests);
  }

  get sim(): Simulation {
    return this.cluster.sim;
  }

  violation(): Violation | undefined {
    return this.checker.violations[0] ?? this.crashed;
  }

  /**
   * Runs what needs no choice: deliveries due now, single-option choices, and timers when nothing
   * waits. Returns the channels to choose from (two or more), or [] at a terminal state.
   */
  settle(): string[] {
    const sim = this.sim;
    try {
      for (let guard = 0; guard < 1_000_000; guard++) {
        if (this.violation()) return [];
        const next = sim.clock.peekTime();
        if (next !== undefined && next <= sim.now()) {
          sim.step();
          continue;
        }
        const choices = pendingChoicesOf(sim);
        const jump = choices.length > 0 && this.jumps < (this.opts.timeJumps ?? 0) && next !== undefined && next <= this.horizonMs;
        if (choices.length === 1 && !jump) {
          this.api.deliverNext(choices[0]!.channel);
          continue;
        }
        if (choices.length > 0) return [...choices.map((c) => c.channel), ...(jump ? [TIME_JUMP] : [])];
        if (next === undefined || next > this.horizonMs) return [];
        sim.step();
      }
      throw new Error('exploration: a million forced steps without a choice');
    } catch (e) {
      if (!(e instanceof SimulationError)) throw e;
      this.crashed = { invariant: CRASH_INVARIANT, statement: 'no component actor throws', at: sim.now(), message: e.message.replace(/ \(seed \d+\)$/, ''), objects: [] } as Violation;
      return [];
    }
  }

  /** What each choice delivered: "kube-scheduler: POST /api/v1/.../binding". */
  readonly delivered: string[] = [];
  /** Time jumps taken on this path. */
  jumps = 0;

  choose(channel: string): string[] {
    this.path.push(channel);
    if (channel === TIME_JUMP) {
      this.jumps++;
      this.delivered.push(`(the next timer fires first, at ${((this.sim.clock.peekTime() ?? 0) / 1000).toFixed(3)}s, while requests wait)`);
      this.guard(() => this.sim.step());
      return this.settle();
    }
    const head = pendingChoicesOf(this.sim).find((c) => c.channel === channel);
    this.delivered.push(`${channel.split('>')[0]}: ${head?.what ?? '?'}`);
    if (!this.api.deliverNext(channel)) throw new Error(`exploration: nothing waits on ${channel} (a replay diverged)`);
    return this.settle();
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof SimulationError)) throw e;
      this.crashed ??= { invariant: CRASH_INVARIANT, statement: 'no component actor throws', at: this.sim.now(), message: e.message.replace(/ \(seed \d+\)$/, ''), objects: [] } as Violation;
    }
  }
}

/** Explores every order of request deliveries up to the depth bound; stops at the first violation. */
export function explore(opts: ExploreOptions): ExploreReport {
  const horizonMs = opts.horizonMs ?? defaultHorizonMs(opts.loaded);
  const maxStates = opts.maxStates ?? 20_000;
  const report: ExploreReport = { states: 0, pruned: 0, terminal: 0, depthBounded: 0, maxDepth: 0, replays: 0, deliveries: 0, complete: true, frontier: 0 };
  // The shallowest depth each state was seen at: a state reached again higher up is explored again,
  // since the depth bound cut it short the first time.
  const seen = new Map<string, number>();
  let live: Live | undefined;
  let liveChoices: string[] = [];
  const stack: string[][] = [[]];
  while (stack.length > 0) {
    if (report.states >= maxStates) {
      report.complete = false;
      break;
    }
    const path = stack.pop()!;
    report.frontier = stack.length;
    const parentIsLive = live !== undefined && live.path.length === path.length - 1 && live.path.every((c, i) => c === path[i]);
    if (parentIsLive) {
      liveChoices = live!.choose(path[path.length - 1]!);
      report.deliveries++;
    } else {
      live = new Live(opts, horizonMs);
      if (report.states > 0) report.replays++;
      liveChoices = live.settle();
      for (const c of path) {
        liveChoices = live.choose(c);
        report.deliveries++;
      }
    }
    const v = live!.violation();
    if (v) {
      report.violation = { violation: v, schedule: [...path], delivered: [...live!.delivered] };
      report.complete = false;
      break;
    }
    const h = `${stateHash(live!.sim, { strict: Boolean(opts.strictHash) })}/${live!.jumps}`;
    const before = seen.get(h);
    if (before !== undefined && before <= path.length) {
      report.pruned++;
      continue;
    }
    seen.set(h, path.length);
    if (before === undefined) report.states++;
    report.maxDepth = Math.max(report.maxDepth, path.length);
    opts.onProgress?.(report);
    if (liveChoices.length === 0) {
      if (before === undefined) report.terminal++;
      continue;
    }
    if (path.length >= opts.depth) {
      if (before === undefined) report.depthBounded++;
      continue;
    }
    for (let i = liveChoices.length - 1; i >= 0; i--) stack.push([...path, liveChoices[i]!]);
  }
  report.frontier = stack.length;
  return report;
}

/**
 * Re-runs one schedule (the choices of a path) with the trace hashed: an exhaustive
 * counterexample's replay. Returns the violation (if any) and the trace digest.
 */
export function runSchedule(opts: Omit<ExploreOptions, 'depth'>, schedule: readonly string[], onTrace?: (e: TraceEvent) => void): { violation?: Violation; trace: { sha256: string; events: number }; virtualMs: number; steps: number } {
  const hash = createHash('sha256');
  let events = 0;
  let stopAfterStep: number | undefined;
  let live: Live | undefined;
  const observe = (e: TraceEvent) => {
    if (live && stopAfterStep === undefined && live.violation()) stopAfterStep = live.sim.clock.steps;
    if (stopAfterStep !== undefined && live && live.sim.clock.steps > stopAfterStep) return;
    events++;
    hash.update(toJsonLine(e) + '\n');
    onTrace?.(e);
  };
  live = new Live({ ...opts, depth: schedule.length }, opts.horizonMs ?? defaultHorizonMs(opts.loaded), observe);
  live.settle();
  for (const c of schedule) {
    if (live.violation()) break;
    live.choose(c);
  }
  const v = live.violation();
  return { ...(v ? { violation: v } : {}), trace: { sha256: hash.digest('hex'), events }, virtualMs: live.sim.now(), steps: live.sim.clock.steps };
}
