/**
 * One checked run: a scenario, a fault plan, a seed and the planted bugs in, the first invariant
 * violation (or none) out. It builds the cluster, attaches the checker, applies the fault plan,
 * plays the scenario to its end and then, when asked, heals every fault and requires eventual
 * stable reconciliation. A pure function of its inputs: the same inputs give the same result and
 * the same trace, byte for byte, which is what makes a counterexample replayable.
 *
 * No fast-check in here, so replaying needs none.
 */
import { createHash } from 'node:crypto';
import type { KObject } from '../api/objects.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import { clusterFor, scheduleSteps } from '../scenario/run.ts';
import { durationMs } from '../scenario/schema.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { FaultPlanT } from '../sim/fault-plan.ts';
import { applyFaultPlan } from '../sim/faults.ts';
import { SimulationError } from '../sim/simulation.ts';
import { toJsonLine, type TraceEvent } from '../sim/trace.ts';
import type { BugName } from '../../machines/bugs.ts';
import { Checker, type Violation } from './checker.ts';
import { INVARIANTS } from './invariants/index.ts';
import { checkEventuallyStable } from './liveness.ts';

export type { Violation } from './checker.ts';

/** kube-controller-manager's node monitor grace (50 s) + default tolerationSeconds (300 s) + 120 s slack. */
export const DEFAULT_LIVENESS_BOUND_MS = 470_000;
/** How long the converged state must hold still. */
export const DEFAULT_STABLE_MS = 60_000;
/** A hard bound on queue steps per run: exhausting it is reported, never a hang. */
export const DEFAULT_MAX_STEPS = 2_000_000;

/** Invariant ids the run itself reports (the catalogue's come from the checker). */
export const LIVENESS_INVARIANT = 'eventually-stable-reconciliation';
export const CRASH_INVARIANT = 'no-component-crash';
export const STEP_BOUND_INVARIANT = 'run-within-step-bound';

export interface LivenessOptions {
  /** Virtual time allowed to converge after the heal (default 470 s). */
  boundMs?: number;
  /** Virtual time the converged state must hold (default 60 s). */
  stableMs?: number;
}

export interface CheckedRunInput {
  loaded: LoadedScenario;
  plan?: FaultPlanT | undefined;
  seed: number;
  bugs?: readonly BugName[] | undefined;
  /** Check only these invariants of the catalogue (default: all). */
  invariants?: readonly string[] | undefined;
  /** Heal and require eventual stability after the scenario's end (off when absent or false). */
  liveness?: LivenessOptions | boolean | undefined;
  /** Hash the trace (JSON lines) up to the end of the step that violated; costs time, so off in swarm runs. */
  hashTrace?: boolean;
  /** Every trace event up to the end of the violating step (a replay's --trace file). */
  onTrace?: (e: TraceEvent) => void;
  maxSteps?: number;
}

export interface CheckedRunResult {
  violation?: Violation;
  /** Queue steps run. */
  steps: number;
  /** Virtual time at the end of the run. */
  virtualMs: number;
  /** Invariant evaluations made by the checker. */
  checks: number;
  liveness?: { ok: boolean; pending: string[] };
  /** With hashTrace: sha256 of the trace's JSON lines ("\n"-terminated) and their count. */
  trace?: { sha256: string; events: number };
}

/** After the last step, before the liveness phase: the step's requests are served by then. */
export const AFTER_LAST_STEP_MS = 5_000;

/**
 * When the scenario is over: its `until`, else the latest of its expectation deadlines (as
 * `kubelife run` plays it), at least 30 s so the cluster has started, and in any case 5 s after
 * the last step, so the liveness phase starts once the desired state holds still.
 */
export function scenarioEndMs(loaded: LoadedScenario): number {
  const spec = loaded.spec;
  const lastStep = Math.max(0, ...spec.steps.map((s) => durationMs(s.at) + AFTER_LAST_STEP_MS));
  if (spec.until !== undefined) return Math.max(durationMs(spec.until), lastStep);
  return Math.max(30_000, lastStep, ...spec.expect.map((e) => durationMs(e.within)));
}

/** Runs one scenario under one fault plan and seed with every invariant checked after every step. */
export function runChecked(input: CheckedRunInput): CheckedRunResult {
  const { loaded, seed } = input;
  const maxSteps = input.maxSteps ?? DEFAULT_MAX_STEPS;
  const cluster = clusterFor(loaded, {
    seed, record: false, traceMessages: Boolean(input.hashTrace || input.onTrace),
    ...(input.bugs && input.bugs.length > 0 ? { clusterOptions: { bugs: [...input.bugs] } } : {}),
  });
  const sim = cluster.sim;
  const checker = checkerFor(input.invariants);
  checker.attach(cluster);

  // The trace up to the end of the step in which the first violation appeared.
  let hash: ReturnType<typeof createHash> | undefined;
  let events = 0;
  let stopAfterStep: number | undefined;
  const observe = input.hashTrace || input.onTrace;
  const sub = observe ? sim.trace$.subscribe((e) => {
    if (stopAfterStep === undefined && checker.violations.length > 0) stopAfterStep = sim.clock.steps;
    if (stopAfterStep !== undefined && sim.clock.steps > stopAfterStep) return;
    events++;
    hash?.update(toJsonLine(e) + '\n');
    input.onTrace?.(e);
  }) : undefined;
  if (input.hashTrace) hash = createHash('sha256');

  let violation: Violation | undefined;
  let liveness: CheckedRunResult['liveness'];
  const fail = (invariant: string, statement: string, message: string, objects: string[] = []) => {
    violation ??= { invariant, statement, at: sim.now(), message, objects } as Violation;
  };
  try {
    const applyObjs = (objs: KObject[]) => cluster.apply(objs);
    applyObjs(loaded.manifests);
    scheduleSteps(loaded, cluster, applyObjs);
    const healAt = input.plan ? applyFaultPlan(cluster, input.plan).healAt : 0;
    const end = Math.max(scenarioEndMs(loaded), healAt);
    if (!runTo(cluster, end, checker, maxSteps)) fail(STEP_BOUND_INVARIANT, `a run finishes within ${maxSteps} queue steps`, `the step bound was exhausted at ${fmtMs(sim.now())}`);
    violation ??= checker.violations[0];
    if (!violation && input.liveness) {
      const opts = typeof input.liveness === 'object' ? input.liveness : {};
      const r = checkEventuallyStable(cluster, { boundMs: opts.boundMs ?? DEFAULT_LIVENESS_BOUND_MS, stableMs: opts.stableMs ?? DEFAULT_STABLE_MS });
      violation ??= checker.violations[0];
      liveness = { ok: r.ok, pending: [...r.pending] };
      if (!violation && !r.ok) {
        fail(LIVENESS_INVARIANT, 'once faults stop and the desired state holds still, the cluster reaches it within a bounded virtual time and stays there',
          `${r.failure === 'not-stable' && r.convergedAt !== undefined ? `converged at ${fmtMs(r.convergedAt)} but did not stay` : `not converged ${fmtMs(opts.boundMs ?? DEFAULT_LIVENESS_BOUND_MS)} after ${fmtMs(end)}`}: ${r.pending.slice(0, 5).join('; ')}${r.pending.length > 5 ? `; and ${r.pending.length - 5} more` : ''}`);
      }
    }
    if (!violation) {
      checker.quiescence();
      violation ??= checker.violations[0];
    }
  } catch (e) {
    if (!(e instanceof SimulationError)) throw e;
    violation ??= checker.violations[0];
    fail(CRASH_INVARIANT, 'no component actor throws', e.message.replace(/ \(seed \d+\)$/, ''));
  } finally {
    sub?.unsubscribe();
  }
  return {
    ...(violation ? { violation } : {}),
    steps: sim.clock.steps,
    virtualMs: sim.now(),
    checks: checker.checks,
    ...(liveness ? { liveness } : {}),
    ...(hash ? { trace: { sha256: hash.digest('hex'), events } } : {}),
  };
}

/** A checker over the whole catalogue, or over the invariants named. */
export function checkerFor(ids: readonly string[] | undefined): Checker {
  return ids === undefined ? new Checker() : new Checker(INVARIANTS.filter((i) => ids.includes(i.id)));
}

/** Invariant ids a run can report: the catalogue's and the runner's own. */
export function knownInvariantIds(): string[] {
  return [...INVARIANTS.map((i) => i.id), LIVENESS_INVARIANT, CRASH_INVARIANT, STEP_BOUND_INVARIANT];
}

/** Steps the cluster to `end`, stopping at the first violation. False when the step bound ran out. */
function runTo(cluster: Cluster, end: number, checker: Checker, maxSteps: number): boolean {
  const sim = cluster.sim;
  for (;;) {
    if (checker.violations.length > 0) return true;
    const next = sim.clock.peekTime();
    if (next === undefined || next > end) break;
    if (sim.clock.steps >= maxSteps) return false;
    sim.step();
  }
  if (sim.now() < end) sim.clock.advanceTo(end);
  return true;
}

export function fmtMs(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
