/**
 * Swarm checking: fast-check draws cases (a fault plan and a seed over a fixed scenario, or a
 * whole small scenario too), each case is one `runChecked`, and the first violation is shrunk to
 * a minimal scenario and fault plan that still violate the same invariant. The counterexample is
 * run once more with its trace hashed, so it can be written as a replay file.
 *
 * Wall-clock timing is the caller's (src/cli): `onRun` reports every run as it ends.
 */
import fc from 'fast-check';
import type { LoadedScenario } from '../scenario/load.ts';
import type { BugName } from '../../machines/bugs.ts';
import { casesForScenario, drawnCases, type CaseOptions, type ScenarioInput, type SwarmCase } from './arbitraries.ts';
import { caseSize } from './describe.ts';
import { loadInlineScenario, runForReplay, type ReplayInput } from './replay.ts';
import { runChecked, DEFAULT_LIVENESS_BOUND_MS, DEFAULT_STABLE_MS, type CheckedRunResult, type LivenessOptions } from './run-checked.ts';

export interface SwarmOptions extends CaseOptions {
  /** A fixed scenario (its loaded form and inline object), or undefined to draw scenarios too. */
  scenario?: { loaded: LoadedScenario; inline: ScenarioInput } | undefined;
  bugs?: readonly BugName[] | undefined;
  /** Check only these invariants (default: the whole catalogue). */
  invariants?: readonly string[] | undefined;
  /** Runs to try (fast-check numRuns). */
  runs: number;
  /** The fast-check seed: the same seed draws the same cases. */
  seed: number;
  /** The liveness phase after the heal (default on with the default bounds; false: off). */
  liveness?: LivenessOptions | false | undefined;
  /** Stop shrinking after this many shrink runs (default 300). */
  maxShrinks?: number;
  /**
   * Awaited before every run: the CLI yields to the event loop there (the progress bar draws,
   * Ctrl-C works). Nothing here touches the host's timers.
   */
  between?: () => Promise<void>;
  /** Called after every run: search runs first, then shrink runs. */
  onRun?: (r: { phase: 'search' | 'shrink'; index: number; result: CheckedRunResult; case: SwarmCase }) => void;
}

export interface Counterexample {
  case: SwarmCase;
  /** The counterexample run again with its trace hashed. */
  result: CheckedRunResult;
  /** What a replay file needs. */
  input: ReplayInput;
  /** Scenario steps + faults. */
  size: number;
}

export interface SwarmReport {
  /** Search runs (up to and including the first failing one). */
  runs: number;
  shrinks: number;
  /** Totals over the search runs. */
  steps: number;
  virtualMs: number;
  checks: number;
  violations: number;
  /** The fast-check seed used. */
  seed: number;
  counterexample?: Counterexample;
}

export function livenessOf(opt: LivenessOptions | false | undefined): false | Required<LivenessOptions> {
  if (opt === false) return false;
  return { boundMs: opt?.boundMs ?? DEFAULT_LIVENESS_BOUND_MS, stableMs: opt?.stableMs ?? DEFAULT_STABLE_MS };
}

/** Runs the swarm; resolves with totals and, on a violation, the shrunk counterexample. */
export async function swarm(opts: SwarmOptions): Promise<SwarmReport> {
  const liveness = livenessOf(opts.liveness);
  const bugs = opts.bugs ?? [];
  const fixed = opts.scenario;
  const arb = fixed ? casesForScenario(fixed.inline, opts) : drawnCases(opts);
  const loadedCache = new WeakMap<object, LoadedScenario>();
  const loadedOf = (s: ScenarioInput): LoadedScenario => {
    if (fixed && s === fixed.inline) return fixed.loaded;
    let l = loadedCache.get(s);
    if (!l) loadedCache.set(s, (l = loadInlineScenario(s, 'swarm scenario')));
    return l;
  };
  const report: SwarmReport = { runs: 0, shrinks: 0, steps: 0, virtualMs: 0, checks: 0, violations: 0, seed: opts.seed };
  // The first failure's invariant: shrinking keeps to it, so the counterexample shows the same bug.
  let target: string | undefined;
  let thrown: unknown;
  const maxShrinks = opts.maxShrinks ?? 300;
  const prop = fc.asyncProperty(arb, async (c) => {
    await opts.between?.();
    const phase = target === undefined ? 'search' : 'shrink';
    if (phase === 'shrink' && report.shrinks >= maxShrinks) return true;
    let result: CheckedRunResult;
    try {
      result = runChecked({ loaded: loadedOf(c.scenario), plan: c.plan, seed: c.seed, bugs, invariants: opts.invariants, liveness: liveness === false ? false : liveness });
    } catch (e) {
      // Not a finding but a fault of kubelife itself: reported as is, after fast-check gives up.
      thrown ??= e;
      throw e;
    }
    if (phase === 'search') {
      report.runs++;
      report.steps += result.steps;
      report.virtualMs += result.virtualMs;
      report.checks += result.checks;
    } else report.shrinks++;
    opts.onRun?.({ phase, index: phase === 'search' ? report.runs : report.shrinks, result, case: c });
    if (!result.violation) return true;
    if (target === undefined) {
      target = result.violation.invariant;
      report.violations++;
      return false;
    }
    return result.violation.invariant !== target;
  });
  const details = await fc.check(prop, { numRuns: opts.runs, seed: opts.seed, endOnFailure: false });
  if (details.failed && target === undefined) throw thrown ?? details.errorInstance ?? new Error('swarm: the property failed without a violation');
  if (details.failed && details.counterexample) {
    const c = details.counterexample[0];
    const input: ReplayInput = { scenario: c.scenario, plan: c.plan, seed: c.seed, bugs: [...bugs], liveness, ...(opts.invariants ? { invariants: [...opts.invariants] } : {}) };
    const result = runForReplay(input, loadedOf(c.scenario));
    report.counterexample = { case: c, result, input, size: caseSize(c.scenario, c.plan) };
  }
  return report;
}
