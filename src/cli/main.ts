/**
 * The `kubelife` command. Exit codes: 0 when every expectation holds (check: no violation; replay:
 * reproduced exactly), 1 when one fails (check: a violation; replay: not reproduced), 2 for bad
 * input (always a one-line message, never a stack trace).
 */
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadScenario, InputError } from '../scenario/load.ts';
import { setEpoch } from '../sim/clock.ts';
import { runScenario, clusterFor, scheduleSteps } from '../scenario/run.ts';
import { up } from '../server/up.ts';
import { durationMs } from '../scenario/schema.ts';
import { toJsonLine } from '../sim/trace.ts';
import { SimulationError } from '../sim/simulation.ts';
import { storyLine } from './story.ts';
import { check, replay, type CheckFlags, type ReplayFlags } from './check.ts';
import { inspect, parsePort, untilSignal, type InspectFlags } from './inspect.ts';
import { diagram, type DiagramFlags } from './diagram.ts';
import { conformanceCoverage, conformanceGenerate, conformanceRun, type ConformanceCoverageFlags, type ConformanceGenerateFlags, type ConformanceRunFlags } from './conformance.ts';
import { SequenceBuilder, sequenceMarkdown } from '../diagram/sequence.ts';

interface RunFlags { seed?: string; trace?: string; until?: string; quiet?: boolean; json?: boolean; sequence?: string; sequenceFilter?: string }

function parseSeed(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new InputError(`--seed: "${s}" is not a non-negative integer (use e.g. --seed 42)`);
  return Number(s);
}

function parseUntil(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+(\.\d+)?(ms|s|m|h)$/.test(s)) throw new InputError(`--until: "${s}" is not a duration (use e.g. --until 30s)`);
  return durationMs(s as `${number}s`);
}

async function run(file: string, flags: RunFlags, out: (s: string) => void): Promise<number> {
  const loaded = loadScenario(file);
  const seed = parseSeed(flags.seed);
  const untilMs = parseUntil(flags.until);
  let traceFile: WriteStream | undefined;
  if (flags.trace) traceFile = createWriteStream(flags.trace);
  if (flags.sequenceFilter !== undefined && flags.sequence === undefined) throw new InputError('--sequence-filter: needs --sequence (use e.g. --sequence birth.md --sequence-filter nginx)');
  const sequence = flags.sequence !== undefined ? new SequenceBuilder(flags.sequenceFilter !== undefined ? { filter: flags.sequenceFilter } : {}) : undefined;
  const result = runScenario(loaded, {
    ...(seed !== undefined ? { seed } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    record: false,
    onTrace: (e) => {
      if (traceFile) traceFile.write(toJsonLine(e) + '\n');
      sequence?.add(e);
      if (flags.json) out(toJsonLine(e));
      else if (!flags.quiet) {
        const line = storyLine(e);
        if (line) out(line);
      }
    },
  });
  if (traceFile) await new Promise<void>((res) => traceFile!.end(res));
  if (sequence && flags.sequence) {
    const source = sequence.build();
    try {
      writeFileSync(flags.sequence, flags.sequence.endsWith('.md') ? sequenceMarkdown(`Sequence: ${loaded.spec.name ?? file} (seed ${result.seed})`, source) : source);
    } catch (e) {
      throw new InputError(`--sequence: cannot write ${flags.sequence} (${(e as { code?: string }).code ?? String(e)}; check the directory exists)`);
    }
  }
  const failed = result.expectations.filter((r) => r.status === 'failed');
  if (!flags.json) {
    out('');
    out(`${loaded.spec.name ?? file}: seed ${result.seed}, ended at ${(result.endedAt / 1000).toFixed(3)}s virtual time`);
    for (const r of result.expectations) {
      const at = r.at !== undefined ? ` at ${(r.at / 1000).toFixed(3)}s` : '';
      out(`  ${r.status === 'met' ? 'PASS' : 'FAIL'}  ${r.text}${at}${r.detail ? ` (${r.detail})` : ''}`);
    }
    if (failed.length > 0) out(`replay: npx kubelife run ${file} --seed ${result.seed}`);
  }
  return failed.length > 0 ? 1 : 0;
}

interface UpFlags { port: string; kubeconfig: string; speed: string; seed?: string; inspectorPort: string; inspector: boolean }

async function serveUp(file: string | undefined, flags: UpFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new InputError(`--port: "${flags.port}" is not a port number (use e.g. --port 6443)`);
  const speed = Number(flags.speed);
  if (!/^\d+(\.\d+)?$/.test(flags.speed) || !(speed > 0)) throw new InputError(`--speed: "${flags.speed}" is not a positive number (use e.g. --speed 10)`);
  const seed = parseSeed(flags.seed);
  const inspectorPort = flags.inspector ? parsePort('--inspector-port', flags.inspectorPort) : undefined;
  const loaded = file !== undefined ? loadScenario(file) : undefined;
  // A live cluster's virtual time 0 is now, so kubectl's own age arithmetic agrees with ours.
  setEpoch(Math.floor(Date.now() / 1000) * 1000);
  const cluster = loaded ? clusterFor(loaded, { ...(seed !== undefined ? { seed } : {}), record: false, traceMessages: false }) : undefined;
  if (loaded && cluster) {
    // Timed steps play at their virtual times, as in `kubelife run`.
    scheduleSteps(loaded, cluster, (objs) => cluster.apply(objs, (obj, r) => {
      if (r.code >= 300) err(`step: apply ${obj.kind}/${obj.metadata.name ?? obj.metadata.generateName} failed: ${(r.body as { message?: string }).message ?? r.code}`);
    }));
  }
  let running;
  try {
    running = await up({
      ...(cluster ? { cluster } : {}), ...(loaded ? { manifests: loaded.manifests } : {}), ...(seed !== undefined ? { seed } : {}),
      port: Number(flags.port), kubeconfig: flags.kubeconfig, speed, log: err, ...(inspectorPort !== undefined ? { inspectorPort } : {}),
    });
  } catch (e) {
    const c = (e as { code?: string }).code;
    if ((c === 'EADDRINUSE' || c === 'EACCES') && inspectorPort !== undefined && (e as { port?: number }).port === inspectorPort && inspectorPort !== Number(flags.port)) throw new InputError(`--inspector-port: cannot listen on 127.0.0.1:${inspectorPort} (${c}); try --inspector-port 0 or --no-inspector`);
    if (c === 'EADDRINUSE' || c === 'EACCES') throw new InputError(`--port: cannot listen on 127.0.0.1:${flags.port} (${c}); try --port 0`);
    throw e;
  }
  out(`kubelife: API server at ${running.url} (speed ${speed}x${loaded ? `, scenario ${loaded.spec.name ?? file}` : ''}, seed ${running.cluster.sim.options.seed})`);
  out(`kubelife: kubeconfig written to ${running.kubeconfig}`);
  if (running.inspector) out(`kubelife: inspector at ${running.inspector.url}`);
  out(`  kubectl --kubeconfig ${running.kubeconfig} get pods`);
  out('kubelife: press Ctrl-C to stop');
  await untilSignal();
  await running.stop();
  out('kubelife: stopped');
  return 0;
}

/** Runs the CLI with process-style argv; returns the exit code. */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s + '\n'), err: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  const program = new Command();
  let code = 0;
  program.name('kubelife').description('The Kubernetes control plane as a deterministic, inspectable actor system').exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) });
  program.command('run').argument('<file>', 'scenario file (YAML)')
    .description('play a scenario in virtual time and print its story')
    .option('--seed <n>', 'override the scenario seed')
    .option('--trace <file>', 'write every trace event as JSON lines')
    .option('--until <duration>', 'stop at this virtual time (e.g. 30s)')
    .option('--quiet', 'print only the expectations summary')
    .option('--json', 'print trace events as JSON lines on stdout')
    .option('--sequence <file>', 'write a Mermaid sequence diagram of the run (.md: with a heading and code fence)')
    .option('--sequence-filter <text>', 'draw only the messages that mention this text (e.g. a pod name)')
    .action(async (file: string, flags: RunFlags) => {
      code = await run(file, flags, out);
    });
  program.command('up').argument('[scenario]', 'scenario file (YAML) whose cluster and manifests to start')
    .description('serve a live cluster over HTTPS for kubectl, paced to the wall clock')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '6443')
    .option('--kubeconfig <file>', 'where to write the kubeconfig', './kubelife.kubeconfig')
    .option('--speed <x>', 'virtual seconds per wall second', '1')
    .option('--seed <n>', 'seed (default: the scenario seed, or 1)')
    .option('--inspector-port <n>', 'port of the inspector page on 127.0.0.1 (0 = any free port)', '8080')
    .option('--no-inspector', 'do not serve the inspector page')
    .action(async (file: string | undefined, flags: UpFlags) => {
      code = await serveUp(file, flags, out, err);
    });
  program.command('check').argument('[scenario]', 'scenario file (YAML), or "swarm" to draw small scenarios too')
    .description('check every invariant over many seeded runs with faults; shrink a violation to a replay file')
    .option('--runs <n>', 'runs to try', '100')
    .option('--seed <n>', 'the check seed: the same seed draws the same runs (default: the scenario seed)')
    .option('--faults <plan|swarm>', 'a fault plan file (YAML/JSON), "swarm" to draw plans, or "none"')
    .option('--mode <mode>', 'Sieve pattern for drawn faults: stale-state, intermediate-state, unobserved-state')
    .option('--fault-kinds <a,b>', 'swarm: draw faults of these kinds only (e.g. delay,drop,restart)')
    .option('--exhaustive', 'explore every delivery order up to --depth instead of random runs')
    .option('--depth <n>', 'exhaustive: the most choices on one path (default 8)')
    .option('--max-states <n>', 'exhaustive: stop after this many distinct states (default 20000)')
    .option('--time-jumps <n>', 'exhaustive: times per path a timer may fire while requests wait (default 0)')
    .option('--bug <name>', 'plant a bug from the zoo (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--invariant <id>', 'check only this invariant (repeatable; default: all)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--list-bugs', 'list the planted bugs and exit')
    .option('--out <dir>', 'where replay files go', 'counterexamples')
    .option('--no-liveness', 'skip the heal-and-converge phase after each run')
    .option('--json', 'print the summary as one JSON object')
    .action(async (file: string | undefined, flags: CheckFlags) => {
      code = await check(file, flags, out, err);
    });
  program.command('diagram').argument('[machine]', 'a machine id (kubelife diagram nope lists them), or "all"', 'all')
    .description('write each machine as a Mermaid stateDiagram-v2 (docs/machines/) or an SVG laid out by elkjs')
    .option('--format <format>', 'mermaid or svg', 'mermaid')
    .option('--out <dir>', 'where to write (default docs/machines; a single machine without --out is printed)')
    .action(async (machine: string, flags: DiagramFlags) => {
      code = await diagram(machine, flags, out);
    });
  program.command('inspect').argument('<trace>', 'trace file (JSON lines) written by kubelife run --trace')
    .description('serve a recorded run in the inspector page, for time travel over it')
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '8080')
    .action(async (file: string, flags: InspectFlags) => {
      code = await inspect(file, flags, out, err);
    });
  program.command('replay').argument('<file>', 'replay file written by kubelife check')
    .description('run a counterexample again and verify the same violation happens at the same time with the same trace')
    .option('--trace <file>', 'write every trace event up to the violation as JSON lines')
    .option('--quiet', 'print only the verdict')
    .option('--json', 'print the verdict as one JSON object')
    .option('--inspect [port]', 'then serve the replayed run in the inspector (default port 8080) until Ctrl-C')
    .action(async (file: string, flags: ReplayFlags) => {
      code = await replay(file, flags, out);
    });
  const conformance = program.command('conformance').description('conformance cases generated from the machines, run on kubelife or any cluster (docs/CONFORMANCE.md)');
  conformance.command('generate').description('rewrite test/conformance/cases and the generated tests from the machines')
    .option('--check', 'write nothing; exit 1 when the committed output differs')
    .action((flags: ConformanceGenerateFlags) => {
      code = conformanceGenerate(flags, out, err);
    });
  conformance.command('run').argument('[cases...]', 'case files, directories or case names (default: every case)')
    .description('run cases against an embedded kubelife, or any cluster with --kubeconfig')
    .option('--kubeconfig <file>', 'run against this cluster instead of an embedded kubelife')
    .option('--namespace-prefix <p>', 'prefix of each case\'s fresh namespace', 'kubelife-conf-')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--timeout-scale <x>', 'multiply every time bound (a slow cluster: 2)')
    .option('--concurrency <n>', 'cases at a time, each in its own namespace', '4')
    .option('--speed <x>', 'embedded kubelife: virtual seconds per wall second', '50')
    .option('--json', 'print the report as one JSON object')
    .action(async (cases: string[], flags: ConformanceRunFlags) => {
      code = await conformanceRun(cases, flags, out, err);
    });
  conformance.command('coverage').description('states and transitions the cases cover, per machine, and the upstream tests they map to')
    .option('--json', 'print the coverage as one JSON object')
    .action((flags: ConformanceCoverageFlags) => {
      code = conformanceCoverage(flags, out);
    });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError) {
      err(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof SimulationError) {
      err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
