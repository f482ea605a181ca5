/**
 * `kubelife check` and `kubelife replay`: swarm (or exhaustive) checking of a scenario with a
 * progress bar on stderr, a summary table, and on a violation the invariant, the seed, the shrunk
 * steps, the replay file and the command that replays it. Wall-clock timing lives here, never in
 * src/check.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import cliProgress from 'cli-progress';
import { loadScenario, loadScenarioText, InputError, type LoadedScenario } from '../scenario/load.ts';
import { FaultPlan, FAULT_KINDS, type FaultPlanT } from '../sim/fault-plan.ts';
import { toJsonLine, type TraceEvent } from '../sim/trace.ts';
import { RecordedSource } from '../inspector/hub.ts';
import { startInspector } from '../inspector/server.ts';
import { parsePort, untilSignal } from './inspect.ts';
import { BUG_NAMES, type BugName } from '../../machines/bugs.ts';
import { BUGS } from '../check/bugs.ts';
import { componentsOf, inlineScenario, MODES, type FaultKind, type Mode } from '../check/arbitraries.ts';
import { describeSetup, describeSteps } from '../check/describe.ts';
import { loadFaultPlan } from '../check/input.ts';
import { replayFile, runForReplay, writeReplay } from '../check/replay.ts';
import { defaultHorizonMs, explore, type ExploreReport } from '../check/explore.ts';
import { fmtMs, knownInvariantIds } from '../check/run-checked.ts';
import { swarm, type SwarmReport } from '../check/swarm.ts';
import { storyLine } from './story.ts';
import { formatTable } from './table.ts';

export interface CheckFlags {
  runs: string;
  seed?: string;
  faults?: string;
  mode?: string;
  exhaustive?: boolean;
  depth?: string;
  maxStates?: string;
  timeJumps?: string;
  bug?: string[];
  invariant?: string[];
  faultKinds?: string;
  listBugs?: boolean;
  out: string;
  json?: boolean;
  liveness: boolean;
}

type Out = (s: string) => void;

function positiveInt(flag: string, v: string | undefined, example: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InputError(`${flag}: "${v}" is not a positive integer (use e.g. ${flag} ${example})`);
  return Number(v);
}

function nonNegativeInt(flag: string, v: string | undefined, example: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new InputError(`${flag}: "${v}" is not a non-negative integer (use e.g. ${flag} ${example})`);
  return Number(v);
}

function parseInvariants(ids: readonly string[] | undefined): string[] | undefined {
  if (ids === undefined || ids.length === 0) return undefined;
  const known = knownInvariantIds();
  for (const id of ids) {
    if (!known.includes(id)) throw new InputError(`--invariant: no invariant "${id}" (one of: ${known.join(', ')})`);
  }
  return [...ids];
}

function parseBugs(names: readonly string[] | undefined): BugName[] {
  return (names ?? []).map((n) => {
    if (!(BUG_NAMES as readonly string[]).includes(n)) throw new InputError(`--bug: no planted bug "${n}" (one of: ${BUG_NAMES.join(', ')}; kubelife check --list-bugs describes them)`);
    return n as BugName;
  });
}

/** `kubelife check --list-bugs`. */
export function listBugs(out: Out, json: boolean): number {
  if (json) {
    out(JSON.stringify(BUGS.map((b) => ({ name: b.name, component: b.component, invariant: b.invariant, description: b.description }))));
    return 0;
  }
  out(`${BUGS.length} planted bugs (machines/bugs.ts; catalogue in src/check/bugs.ts):`);
  for (const b of BUGS) {
    out('');
    out(`  ${b.name}`);
    out(`      in ${b.component}, caught by ${b.invariant}`);
    out(`      ${b.description}`);
  }
  out('');
  out('use: kubelife check --bug NAME                      (its revealing scenario and faults)');
  out('     kubelife check SCENARIO --bug NAME --faults swarm');
  return 0;
}

/** Human-friendly virtual time: seconds, minutes or hours. */
export function fmtVirtual(ms: number): string {
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

interface Resolved {
  file: string;
  scenario?: { loaded: LoadedScenario; inline: ReturnType<typeof inlineScenario> } | undefined;
  faults?: 'swarm' | FaultPlanT | undefined;
  faultsLabel: string;
  mode?: Mode | undefined;
  kinds?: FaultKind[] | undefined;
  bugs: BugName[];
  invariants?: string[] | undefined;
  runs: number;
  seed: number;
}

/**
 * `kubelife check --bug NAME` without a scenario: the bug's revealing scenario from the catalogue
 * (and its faults, unless --faults says otherwise).
 */
function bugScenario(name: string): { loaded: LoadedScenario; faults?: FaultPlanT } {
  const entry = BUGS.find((b) => b.name === name);
  if (!entry) throw new InputError(`bug:${name}: no planted bug "${name}" (kubelife check --list-bugs lists them)`);
  const loaded = loadScenarioText(entry.scenario, `bug:${name}`);
  return { loaded, ...(entry.faults ? { faults: FaultPlan.parse(entry.faults) } : {}) };
}

function resolve(file: string, flags: CheckFlags): Resolved {
  const runs = positiveInt('--runs', flags.runs, '100')!;
  const mode = flags.mode;
  if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) throw new InputError(`--mode: "${mode}" is not a mode (one of: ${MODES.join(', ')})`);
  const bugs = parseBugs(flags.bug);
  const invariants = parseInvariants(flags.invariant);
  const kinds = flags.faultKinds?.split(',').map((k) => k.trim()).filter(Boolean);
  for (const k of kinds ?? []) {
    if (!(FAULT_KINDS as readonly string[]).includes(k)) throw new InputError(`--fault-kinds: "${k}" is not a fault kind (one of: ${FAULT_KINDS.join(', ')})`);
  }
  if (kinds && (flags.faults !== 'swarm' || mode)) throw new InputError('--fault-kinds: only with --faults swarm (and no --mode)');
  const drawn = file === 'swarm';
  const fromBug = file.startsWith('bug:') ? bugScenario(file.slice(4)) : undefined;
  const loaded = drawn ? undefined : fromBug ? fromBug.loaded : loadScenario(file);
  const seed = nonNegativeInt('--seed', flags.seed, '42') ?? loaded?.spec.seed ?? 1;
  let faults: Resolved['faults'];
  let faultsLabel = 'none';
  if (fromBug?.faults && flags.faults === undefined && !mode) {
    faults = fromBug.faults;
    faultsLabel = `the bug's revealing plan (${faults.faults.length} fault(s))`;
  } else if (flags.faults === undefined || flags.faults === 'none') {
    if (mode) {
      faults = 'swarm';
      faultsLabel = `swarm, mode ${mode}`;
    }
  } else if (flags.faults === 'swarm') {
    faults = 'swarm';
    faultsLabel = mode ? `swarm, mode ${mode}` : kinds ? `swarm of ${kinds.join(', ')}` : 'swarm';
  } else {
    if (mode) throw new InputError(`--mode: a mode draws its faults; it cannot be combined with the plan file ${flags.faults} (use --faults swarm --mode ${mode})`);
    if (drawn) throw new InputError(`--faults: a plan file names nodes and components, so it needs a scenario file, not "swarm" (use --faults swarm)`);
    const nodes = loaded!.spec.cluster.nodes.map((n) => n.name);
    faults = loadFaultPlan(flags.faults, nodes, componentsOf(nodes));
    faultsLabel = `${flags.faults} (${faults.faults.length} faults)`;
  }
  return { file, ...(loaded ? { scenario: { loaded, inline: inlineScenario(loaded) } } : {}), faults, faultsLabel, mode: mode as Mode | undefined, ...(kinds ? { kinds: kinds as FaultKind[] } : {}), bugs, invariants, runs, seed };
}

/** `kubelife check SCENARIO ...`: returns the exit code (0 clean, 1 violation). */
export async function check(file: string | undefined, flags: CheckFlags, out: Out, err: Out): Promise<number> {
  if (flags.listBugs) return listBugs(out, Boolean(flags.json));
  if (file === undefined && flags.bug?.length === 1) file = `bug:${parseBugs(flags.bug)[0]!}`;
  if (file === undefined) throw new InputError('check: give a scenario file, "swarm" to draw small scenarios too, or one --bug to use its revealing scenario (e.g. kubelife check examples/self-healing.yaml --faults swarm)');
  if (flags.exhaustive) return exhaustive(file, flags, out, err);
  if (flags.depth !== undefined) throw new InputError('--depth: only with --exhaustive');
  if (flags.maxStates !== undefined) throw new InputError('--max-states: only with --exhaustive');
  if (flags.timeJumps !== undefined) throw new InputError('--time-jumps: only with --exhaustive');
  const r = resolve(file, flags);
  const showBar = Boolean(process.stderr.isTTY) && !flags.json && !process.env['CI'];
  const bar = showBar ? new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20,
    format: '{bar} {value}/{total} runs | {steps} steps | {violations} violations | {phase} | ETA {eta_formatted}',
  }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(r.runs, 0, { steps: 0, violations: 0, phase: 'searching' });
  const t0 = performance.now();
  let searchWallMs = 0;
  let steps = 0;
  let report: SwarmReport;
  try {
    report = await swarm({
      scenario: r.scenario, faults: r.faults, mode: r.mode, kinds: r.kinds, bugs: r.bugs, invariants: r.invariants, runs: r.runs, seed: r.seed,
      liveness: flags.liveness ? undefined : false,
      // Yield to the event loop between runs: the progress bar draws and Ctrl-C works.
      between: () => new Promise<void>((res) => setImmediate(res)),
      onRun: ({ phase, index, result }) => {
        if (phase === 'search') {
          searchWallMs = performance.now() - t0;
          steps += result.steps;
          bar?.update(index, { steps, violations: result.violation ? 1 : 0, phase: result.violation ? 'shrinking' : 'searching' });
        } else bar?.update({ phase: `shrinking (${index} tried)` });
      },
    });
  } finally {
    bar?.stop();
  }
  const wallMs = performance.now() - t0;
  const rpm = searchWallMs > 0 ? report.runs / (searchWallMs / 60_000) : 0;
  const ce = report.counterexample;
  let replayPath: string | undefined;
  if (ce?.result.violation) replayPath = writeReplay(flags.out, ce.input, ce.result).path;
  if (flags.json) {
    out(JSON.stringify({
      scenario: file, faults: r.faultsLabel, bugs: r.bugs, seed: report.seed, runs: report.runs, shrinks: report.shrinks, steps: report.steps,
      invariantsChecked: report.checks, violations: report.violations, virtualMs: report.virtualMs, wallMs: Math.round(wallMs), runsPerMin: Math.round(rpm),
      ...(ce?.result.violation ? {
        violation: { invariant: ce.result.violation.invariant, statement: ce.result.violation.statement, message: ce.result.violation.message, atMs: ce.result.violation.at, seed: ce.case.seed, size: ce.size, steps: describeSteps(ce.case.scenario, ce.case.plan, ce.result.violation), replayFile: replayPath, command: `npx kubelife replay ${replayPath}` },
      } : {}),
    }));
    return ce ? 1 : 0;
  }
  out(`kubelife check ${file}: ${r.runs} run(s) asked, faults ${r.faultsLabel}${r.bugs.length ? `, planted bug(s) ${r.bugs.join(', ')}` : ''}${r.invariants ? `, checking only ${r.invariants.join(', ')}` : ''}, seed ${report.seed}${flags.liveness ? '' : ', no liveness phase'}`);
  out('');
  out(formatTable(['runs', 'steps', 'invariants checked', 'violations', 'virtual time', 'wall s', 'runs/min'], [[
    String(report.runs), String(report.steps), String(report.checks), String(report.violations), fmtVirtual(report.virtualMs), (wallMs / 1000).toFixed(1), rpm.toFixed(0),
  ]]));
  if (!ce) return 0;
  const v = ce.result.violation;
  out('');
  if (!v) {
    out(`VIOLATION found in run ${report.runs}, but the shrunk counterexample did not violate again when re-run: this is a determinism bug in kubelife (please report it with: kubelife check ${file} --seed ${report.seed} --runs ${report.runs})`);
    return 1;
  }
  out(`VIOLATION ${v.invariant}: ${v.statement}`);
  out(`  ${v.message}`);
  if (v.objects?.length) out(`  objects: ${v.objects.join(', ')}`);
  out(`  at ${fmtMs(v.at)} virtual time, cluster seed ${ce.case.seed}; found in run ${report.runs} (check seed ${report.seed}), shrunk in ${report.shrinks} run(s) to ${ce.size} step(s):`);
  out(`     setup: ${describeSetup(ce.case.scenario)}`);
  const lines = describeSteps(ce.case.scenario, ce.case.plan, v);
  for (const l of lines.slice(0, 22)) out(`  ${l}`);
  if (lines.length > 22) out(`  ... and ${lines.length - 22} more lines (see the replay file)`);
  out(`replay file: ${replayPath}`);
  out(`replay: npx kubelife replay ${replayPath}`);
  return 1;
}

export interface ReplayFlags {
  trace?: string; quiet?: boolean; json?: boolean;
  /** Serve the replayed run in the inspector on this port (true: 8080) until Ctrl-C. */
  inspect?: string | boolean;
}

/** `kubelife replay FILE`: 0 when the violation happens again exactly, 1 when it does not. */
export async function replay(file: string, flags: ReplayFlags, out: Out, until: () => Promise<void> = untilSignal): Promise<number> {
  const inspectPort = flags.inspect === undefined || flags.inspect === false ? undefined : parsePort('--inspect', flags.inspect === true ? '8080' : flags.inspect);
  let traceFile: WriteStream | undefined;
  if (flags.trace) traceFile = createWriteStream(flags.trace);
  const events: TraceEvent[] = [];
  const outcome = replayFile(file, (e) => {
    if (inspectPort !== undefined) events.push(e);
    traceFile?.write(toJsonLine(e) + '\n');
    if (!flags.quiet && !flags.json) {
      const line = storyLine(e);
      if (line) out(line);
    }
  });
  if (traceFile) await new Promise<void>((res) => traceFile!.end(res));
  const code = replayVerdict(file, flags, outcome, out);
  if (inspectPort === undefined) return code;
  // The counterexample, up to its violation, in the inspector for time travel.
  let running;
  try {
    running = await startInspector({ source: new RecordedSource(events), port: inspectPort });
  } catch (e) {
    const c = (e as { code?: string }).code;
    if (c === 'EADDRINUSE' || c === 'EACCES') throw new InputError(`--inspect: cannot listen on 127.0.0.1:${inspectPort} (${c}); try --inspect 0`);
    throw e;
  }
  out(`kubelife: inspector at ${running.url} (the replayed run, ${events.length} events); press Ctrl-C to stop`);
  await until();
  await running.stop();
  return code;
}

function replayVerdict(file: string, flags: ReplayFlags, outcome: ReturnType<typeof replayFile>, out: Out): number {
  const { record, result } = outcome;
  const v = result.violation;
  if (flags.json) {
    out(JSON.stringify({ file, exact: outcome.exact, differences: outcome.differences, invariant: v?.invariant, atMs: v?.at, traceSha256: result.trace?.sha256, traceEvents: result.trace?.events }));
    return outcome.exact ? 0 : 1;
  }
  if (!flags.quiet) out('');
  out(`replay ${file}: ${record.invariant} recorded at ${fmtMs(record.violation.atMs)}, cluster seed ${record.seed}${record.bugs.length ? `, planted bug(s) ${record.bugs.join(', ')}` : ''}`);
  for (const l of record.steps.slice(0, 22)) out(`  ${l}`);
  if (outcome.exact) {
    out(`reproduced exactly: ${v!.invariant} at ${fmtMs(v!.at)}: ${v!.message}`);
    out(`  trace sha256 ${result.trace!.sha256} over ${result.trace!.events} events (identical)`);
    return 0;
  }
  out('NOT reproduced:');
  for (const d of outcome.differences) out(`  ${d}`);
  return 1;
}

/** `kubelife check SCENARIO --exhaustive --depth D`. */
async function exhaustive(file: string, flags: CheckFlags, out: Out, err: Out): Promise<number> {
  void err;
  const depth = positiveInt('--depth', flags.depth ?? '8', '8')!;
  const maxStates = positiveInt('--max-states', flags.maxStates, '20000');
  const timeJumps = nonNegativeInt('--time-jumps', flags.timeJumps, '1') ?? 0;
  if (file === 'swarm') throw new InputError('--exhaustive: give a scenario file (a small one: 2 nodes, 2 pods), not "swarm"');
  if (flags.faults !== undefined && flags.faults !== 'none') throw new InputError('--exhaustive: explores delivery orders without faults; drop --faults');
  if (flags.mode !== undefined) throw new InputError('--exhaustive: modes are for swarm faults; drop --mode');
  const bugs = parseBugs(flags.bug);
  const invariants = parseInvariants(flags.invariant);
  const loaded = file.startsWith('bug:') ? bugScenario(file.slice(4)).loaded : loadScenario(file);
  const seed = nonNegativeInt('--seed', flags.seed, '42') ?? loaded.spec.seed;
  const horizonMs = defaultHorizonMs(loaded);
  const showBar = Boolean(process.stderr.isTTY) && !flags.json && !process.env['CI'];
  const bar = showBar ? new cliProgress.SingleBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: true,
    format: '{states} states | {pruned} pruned | frontier {frontier} | depth {depth}/{max} | {duration_formatted}',
  }) : undefined;
  bar?.start(1, 0, { states: 0, pruned: 0, frontier: 0, depth: 0, max: depth });
  const t0 = performance.now();
  let report: ExploreReport;
  try {
    report = explore({
      loaded, seed, bugs, invariants, depth, horizonMs, timeJumps, ...(maxStates !== undefined ? { maxStates } : {}),
      onProgress: (r) => bar?.update(0, { states: r.states, pruned: r.pruned, frontier: r.frontier, depth: r.maxDepth, max: depth }),
    });
  } finally {
    bar?.stop();
  }
  const wallMs = performance.now() - t0;
  const found = report.violation;
  let replayPath: string | undefined;
  let steps: string[] = [];
  if (found) {
    const input = { scenario: inlineScenario(loaded), plan: { faults: [] }, seed, bugs, liveness: false as const, exhaustive: { horizonMs, timeJumps, schedule: found.schedule }, ...(invariants ? { invariants } : {}) };
    steps = found.delivered.map((d, i) => `${String(i + 1).padStart(String(found.delivered.length).length)}. ${d.startsWith('(') ? d : `kube-apiserver serves ${d}`}`);
    const result = runForReplay(input, loaded);
    if (result.violation) replayPath = writeReplay(flags.out, input, result, steps).path;
  }
  if (flags.json) {
    out(JSON.stringify({
      scenario: file, seed, bugs, depth, ...report, violation: undefined, wallMs: Math.round(wallMs),
      ...(found ? { violation: { invariant: found.violation.invariant, statement: found.violation.statement, message: found.violation.message, atMs: found.violation.at, schedule: found.delivered, replayFile: replayPath, command: replayPath ? `npx kubelife replay ${replayPath}` : undefined } } : {}),
    }));
    return found ? 1 : 0;
  }
  out(`kubelife check ${file} --exhaustive: every order in which kube-apiserver serves its senders' requests, up to ${depth} choices deep${timeJumps ? `, ${timeJumps} time jump(s) per path` : ''}, seed ${seed}${bugs.length ? `, planted bug(s) ${bugs.join(', ')}` : ''}`);
  out('');
  out(formatTable(['states', 'pruned', 'terminal', 'depth reached', 'cut at depth', 'replays', 'deliveries', 'wall s', 'states/s'], [[
    String(report.states), String(report.pruned), String(report.terminal), `${report.maxDepth}/${depth}`, String(report.depthBounded), String(report.replays), String(report.deliveries),
    (wallMs / 1000).toFixed(1), (report.states / Math.max(wallMs / 1000, 1e-3)).toFixed(0),
  ]]));
  if (!found) {
    out('');
    out(report.complete
      ? (report.depthBounded > 0 ? `no violation; ${report.depthBounded} state(s) were not expanded past depth ${depth} (raise --depth to go further)` : 'no violation; the state space was exhausted within the bounds')
      : `no violation so far; stopped at ${report.states} states (--max-states), ${report.frontier} path(s) left unexplored`);
    if (!timeJumps) out('timers fired only while no request waited; --time-jumps N lets the next timer fire ahead of waiting requests (a late network)');
    return 0;
  }
  const v = found.violation;
  out('');
  out(`VIOLATION ${v.invariant}: ${v.statement}`);
  out(`  ${v.message}`);
  if (v.objects?.length) out(`  objects: ${v.objects.join(', ')}`);
  out(`  at ${fmtMs(v.at)} virtual time, seed ${seed}, after ${found.schedule.length} choice(s):`);
  for (const l of steps.slice(0, 20)) out(`  ${l}`);
  if (steps.length > 20) out(`  ... and ${steps.length - 20} more (see the replay file)`);
  if (replayPath) {
    out(`replay file: ${replayPath}`);
    out(`replay: npx kubelife replay ${replayPath}`);
  } else out('(the schedule did not violate again when re-run: a determinism bug in kubelife; please report it)');
  return 1;
}
