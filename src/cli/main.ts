/**
 * The `kubelife` command. Exit codes: 0 when every expectation holds, 1 when one fails, 2 for
 * bad input (always a one-line message, never a stack trace).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { loadScenario, InputError } from '../scenario/load.ts';
import { runScenario } from '../scenario/run.ts';
import { durationMs } from '../scenario/schema.ts';
import { toJsonLine } from '../sim/trace.ts';
import { SimulationError } from '../sim/simulation.ts';
import { storyLine } from './story.ts';

interface RunFlags { seed?: string; trace?: string; until?: string; quiet?: boolean; json?: boolean }

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
  const result = runScenario(loaded, {
    ...(seed !== undefined ? { seed } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    record: false,
    onTrace: (e) => {
      if (traceFile) traceFile.write(toJsonLine(e) + '\n');
      if (flags.json) out(toJsonLine(e));
      else if (!flags.quiet) {
        const line = storyLine(e);
        if (line) out(line);
      }
    },
  });
  if (traceFile) await new Promise<void>((res) => traceFile!.end(res));
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
    .action(async (file: string, flags: RunFlags) => {
      code = await run(file, flags, out);
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
