/**
 * `kubelife conformance generate|run|coverage`: conformance cases generated from the machines
 * (docs/CONFORMANCE.md). Exit codes: 0 all passed (generate --check: up to date), 1 a case failed
 * (--check: out of date), 2 bad input.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../scenario/load.ts';
import { computeCoverage, coverageText } from '../conformance/coverage.ts';
import { CASES_DIR, generate, writeGenerated } from '../conformance/generate.ts';
import { junitXml } from '../conformance/junit.ts';
import { DEFAULT_NAMESPACE_PREFIX, loadCase, runCases, type RunReport } from '../conformance/runner.ts';
import { formatTable } from './table.ts';

export interface ConformanceRunFlags { kubeconfig?: string; namespacePrefix?: string; junit?: string; timeoutScale?: string; concurrency?: string; speed?: string; json?: boolean }
export interface ConformanceGenerateFlags { check?: boolean }
export interface ConformanceCoverageFlags { json?: boolean }

/** Case files named on the command line (files, directories, or case names), or every committed case. */
export function resolveCaseFiles(args: readonly string[], root = process.cwd()): string[] {
  const dir = root === process.cwd() ? CASES_DIR : join(root, CASES_DIR);
  if (args.length === 0) {
    if (!existsSync(dir)) throw new InputError(`${CASES_DIR}: no cases (run: npx kubelife conformance generate)`);
    return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => join(dir, f));
  }
  return args.flatMap((a) => {
    if (existsSync(a) && statSync(a).isDirectory()) return readdirSync(a).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(a, f));
    if (existsSync(a)) return [a];
    const named = join(dir, `${a}.yaml`);
    if (existsSync(named)) return [named];
    throw new InputError(`${a}: no such case file or case name (list them: ls ${CASES_DIR})`);
  });
}

function positive(flag: string, v: string | undefined, example: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`${flag}: "${v}" is not a positive number (use e.g. ${flag} ${example})`);
  return n;
}

/** The summary table of a run. */
export function summaryTable(r: RunReport): string {
  const rows = r.results.map((c) => [c.name, c.status, `${c.durationSeconds.toFixed(1)}s`, (c.firstMismatch ?? '').slice(0, 140)]);
  return formatTable(['case', 'result', 'duration', 'first mismatch'], rows);
}

export async function conformanceRun(args: string[], flags: ConformanceRunFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const files = resolveCaseFiles(args);
  for (const f of files) loadCase(f);
  const prefix = flags.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?-?$/.test(prefix) || prefix.length > 40) throw new InputError(`--namespace-prefix: "${prefix}" is not the start of a namespace name (use e.g. --namespace-prefix conf-)`);
  if (flags.kubeconfig !== undefined && !existsSync(flags.kubeconfig)) throw new InputError(`${flags.kubeconfig}: no such kubeconfig (give --kubeconfig ~/.kube/config)`);
  const timeoutScale = positive('--timeout-scale', flags.timeoutScale, '2');
  const concurrency = positive('--concurrency', flags.concurrency, '4');
  const speed = positive('--speed', flags.speed, '50');
  const report = await runCases(files, {
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    namespacePrefix: prefix,
    ...(timeoutScale ? { timeoutScale } : {}),
    ...(concurrency ? { concurrency: Math.floor(concurrency) } : {}),
    ...(speed ? { speed } : {}),
    log: flags.json ? undefined : err,
  });
  if (flags.junit) writeFileSync(flags.junit, junitXml(report));
  if (flags.json) out(JSON.stringify(report));
  else {
    out(summaryTable(report));
    out(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped in ${report.durationSeconds.toFixed(1)}s (${report.target === 'embedded' ? `embedded kubelife, seed 1, ${speed ?? 50}x` : flags.kubeconfig})${flags.junit ? `; JUnit XML in ${flags.junit}` : ''}`);
    const failed = report.results.filter((r) => r.status === 'failed' || r.status === 'error').map((r) => r.name);
    if (failed.length > 0) out(`again: npx kubelife conformance run ${failed.join(' ')}${flags.kubeconfig ? ` --kubeconfig ${flags.kubeconfig}` : ''}`);
  }
  return report.failed > 0 ? 1 : 0;
}

export function conformanceGenerate(flags: ConformanceGenerateFlags, out: (s: string) => void, err: (s: string) => void): number {
  const differ = writeGenerated(process.cwd(), flags.check === true);
  if (flags.check) {
    if (differ.length === 0) {
      out('conformance: generated cases and tests are up to date');
      return 0;
    }
    for (const f of differ) err(`out of date: ${f}`);
    err('run: npx kubelife conformance generate');
    return 1;
  }
  out(differ.length === 0 ? 'conformance: nothing to write, up to date' : `conformance: wrote ${differ.length} file(s): ${differ.join(', ')}`);
  return 0;
}

export function conformanceCoverage(flags: ConformanceCoverageFlags, out: (s: string) => void): number {
  const gen = generate();
  const dir = join(process.cwd(), CASES_DIR);
  const cases = existsSync(dir) ? resolveCaseFiles([]).map(loadCase) : gen.cases;
  const cov = computeCoverage(cases, gen);
  out(flags.json ? JSON.stringify(cov) : coverageText(cov, formatTable));
  return 0;
}
