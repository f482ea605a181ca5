/**
 * Replay files: a counterexample as data (`*.replay.json`, YAML accepted): the scenario inline,
 * the fault plan, the seed and the planted bugs, and what happened (the invariant, the virtual
 * time, the sha256 of the trace up to the violating step). `replayFile` runs it again and says
 * whether the same invariant fired at the same virtual time with the same trace, byte for byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadScenarioText, InputError, type LoadedScenario } from '../scenario/load.ts';
import { FaultPlan, type FaultPlanT } from '../sim/fault-plan.ts';
import type { TraceEvent } from '../sim/trace.ts';
import { BUG_NAMES, type BugName } from '../../machines/bugs.ts';
import type { ScenarioInput } from './arbitraries.ts';
import { describeSteps } from './describe.ts';
import { runSchedule } from './explore.ts';
import { parseFile, readText } from './input.ts';
import { runChecked, fmtMs, type CheckedRunResult, type LivenessOptions } from './run-checked.ts';

export const REPLAY_VERSION = 'replay/v1';

export const ReplayFile = z.object({
  kubelife: z.literal(REPLAY_VERSION),
  invariant: z.string().min(1),
  statement: z.string().optional(),
  message: z.string(),
  violation: z.object({ atMs: z.number().nonnegative(), objects: z.array(z.string()).default([]) }).strict(),
  seed: z.number().int().nonnegative(),
  bugs: z.array(z.string()).default([]),
  /** The invariants checked, when not the whole catalogue. */
  invariants: z.array(z.string()).optional(),
  /** The numbered steps, for people; not read back. */
  steps: z.array(z.string()).default([]),
  command: z.string(),
  /** The liveness phase as it ran (false: none); it changes the run, so it is part of the input. */
  liveness: z.union([z.literal(false), z.object({ boundMs: z.number().int().positive(), stableMs: z.number().int().nonnegative() }).strict()]).default(false),
  /** An exhaustive counterexample: the channels whose head request kube-apiserver served, in order. */
  exhaustive: z.object({ horizonMs: z.number().int().nonnegative(), timeJumps: z.number().int().nonnegative().default(0), schedule: z.array(z.string()) }).strict().optional(),
  traceSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'),
  traceEvents: z.number().int().nonnegative().optional(),
  scenario: z.record(z.string(), z.unknown()),
  faults: FaultPlan.default({ faults: [] }),
}).strict();

export type ReplayFileT = z.infer<typeof ReplayFile>;

export interface ReplayInput {
  scenario: ScenarioInput;
  plan: FaultPlanT;
  seed: number;
  bugs: readonly BugName[];
  liveness: false | Required<LivenessOptions>;
  invariants?: string[] | undefined;
  /** Exhaustive mode: the schedule of choices (then there are no faults and no liveness phase). */
  exhaustive?: { horizonMs: number; timeJumps: number; schedule: string[] } | undefined;
}

/** A scenario object (inline, as a replay file or the swarm holds it) as a loaded scenario. */
export function loadInlineScenario(scenario: ScenarioInput, file: string): LoadedScenario {
  return loadScenarioText(JSON.stringify(scenario), file);
}

/** Runs a case with the trace hashed: what a replay file records and a replay compares. */
export function runForReplay(input: ReplayInput, loaded: LoadedScenario, onTrace?: (e: TraceEvent) => void): CheckedRunResult {
  if (input.exhaustive) {
    const { horizonMs, timeJumps, schedule } = input.exhaustive;
    const r = runSchedule({ loaded, seed: input.seed, bugs: input.bugs, invariants: input.invariants, horizonMs, timeJumps }, schedule, onTrace);
    return { ...(r.violation ? { violation: r.violation } : {}), steps: r.steps, virtualMs: r.virtualMs, checks: 0, trace: r.trace };
  }
  return runChecked({
    loaded, plan: input.plan, seed: input.seed, bugs: input.bugs, invariants: input.invariants, liveness: input.liveness === false ? false : input.liveness,
    hashTrace: true, ...(onTrace ? { onTrace } : {}),
  });
}

/** The replay file's name: `<invariant>-<seed>.replay.json`. */
export function replayFileName(invariant: string, seed: number): string {
  return `${invariant}-${seed}.replay.json`;
}

/** Builds the replay record of a run that violated. */
export function replayRecord(input: ReplayInput, result: CheckedRunResult, path: string, steps?: string[]): ReplayFileT {
  const v = result.violation;
  if (!v || !result.trace) throw new Error('replayRecord needs a violating run with a hashed trace');
  return {
    kubelife: REPLAY_VERSION,
    invariant: v.invariant,
    ...(v.statement ? { statement: v.statement } : {}),
    message: v.message,
    violation: { atMs: v.at, objects: [...(v.objects ?? [])] },
    seed: input.seed,
    bugs: [...input.bugs],
    ...(input.invariants ? { invariants: [...input.invariants] } : {}),
    steps: steps ?? describeSteps(input.scenario, input.plan, v),
    command: `npx kubelife replay ${path}`,
    liveness: input.liveness,
    ...(input.exhaustive ? { exhaustive: input.exhaustive } : {}),
    traceSha256: result.trace.sha256,
    traceEvents: result.trace.events,
    scenario: input.scenario as Record<string, unknown>,
    faults: input.plan,
  };
}

/** Writes `<dir>/<invariant>-<seed>.replay.json`; returns its path. */
export function writeReplay(dir: string, input: ReplayInput, result: CheckedRunResult, steps?: string[]): { path: string; record: ReplayFileT } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, replayFileName(result.violation!.invariant, input.seed));
  const record = replayRecord(input, result, path, steps);
  writeFileSync(path, JSON.stringify(record, null, 2) + '\n');
  return { path, record };
}

/** Reads and validates a replay file (bad input is an InputError with file:line). */
export function readReplay(file: string): { record: ReplayFileT; input: ReplayInput; loaded: LoadedScenario } {
  const { value, lineOf } = parseFile(readText(file, 'replay file'), file, ReplayFile, 'docs/CHECKING.md');
  value.bugs.forEach((b, i) => {
    if (!(BUG_NAMES as readonly string[]).includes(b)) throw new InputError(`${file}:${lineOf(['bugs', i])}: bugs[${i}]: no planted bug "${b}" (kubelife check --list-bugs lists them)`);
  });
  let loaded: LoadedScenario;
  try {
    loaded = loadInlineScenario(value.scenario as ScenarioInput, `${file} (scenario)`);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${file}:${lineOf(['scenario'])}: scenario: ${e.message.replace(/^.*\(scenario\):\d+: /, '')}`);
    throw e;
  }
  return {
    record: value, loaded,
    input: {
      scenario: value.scenario as ScenarioInput, plan: value.faults, seed: value.seed, bugs: value.bugs as BugName[], liveness: value.liveness,
      ...(value.exhaustive ? { exhaustive: value.exhaustive } : {}),
      ...(value.invariants ? { invariants: value.invariants } : {}),
    },
  };
}

export interface ReplayOutcome {
  /** Same invariant, same virtual time, same trace bytes. */
  exact: boolean;
  /** What differs, one line each (empty when exact). */
  differences: string[];
  record: ReplayFileT;
  result: CheckedRunResult;
}

/** Runs a replay file again and compares. */
export function replayFile(file: string, onTrace?: (e: TraceEvent) => void): ReplayOutcome {
  const { record, input, loaded } = readReplay(file);
  const result = runForReplay(input, loaded, onTrace);
  const v = result.violation;
  const differences: string[] = [];
  if (!v) differences.push(`no invariant fired (the recorded ${record.invariant} at ${fmtMs(record.violation.atMs)} did not happen)`);
  else {
    if (v.invariant !== record.invariant) differences.push(`${v.invariant} fired instead of ${record.invariant}`);
    if (v.at !== record.violation.atMs) differences.push(`it fired at ${fmtMs(v.at)}, not at ${fmtMs(record.violation.atMs)}`);
  }
  if (result.trace && result.trace.sha256 !== record.traceSha256) {
    differences.push(`the trace differs: sha256 ${result.trace.sha256.slice(0, 12)}… over ${result.trace.events} events, recorded ${record.traceSha256.slice(0, 12)}…${record.traceEvents !== undefined ? ` over ${record.traceEvents}` : ''}`);
  }
  return { exact: differences.length === 0, differences, record, result };
}
