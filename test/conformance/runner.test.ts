/**
 * The runner over HTTP through @kubernetes/client-node against an embedded kubelife: a case that
 * holds passes, a deliberately wrong expectation fails with its first mismatch, every namespace is
 * deleted either way, the JUnit XML is well-formed with the right counts, and the CLI's exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { up, type RunningServer } from '../../src/server/up.ts';
import { runCases, loadCase, type RunReport } from '../../src/conformance/runner.ts';
import { junitXml } from '../../src/conformance/junit.ts';
import { CASES_DIR } from '../../src/conformance/generate.ts';
import { main } from '../../src/cli/main.ts';

/** Tags balance and attributes are quoted: enough to call the document well-formed for these reports. */
function wellFormed(xml: string): boolean {
  if (!xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')) return false;
  const body = xml.replace(/^<\?xml[^>]*\?>/, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else if (!m[4]) stack.push(m[2]!);
  }
  const stripped = body.replace(/<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, '');
  return stack.length === 0 && !/[<>]/.test(stripped) && !/&(?!(amp|lt|gt|quot|apos);)/.test(stripped);
}

describe('conformance runner against kubelife up over HTTP', () => {
  let server: RunningServer;
  let dir: string;
  let report: RunReport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelife-conf-'));
    server = await up({ port: 0, speed: 50, seed: 3 });
    const good = loadCase(`${CASES_DIR}/exit-0-never.yaml`);
    // The same pod, but expecting it to fail: it succeeds, so the third step cannot hold.
    const wrong = structuredClone(good);
    wrong.name = 'exit-0-never-wrong';
    wrong.steps = wrong.steps.map((s) => ('expect' in s && s.expect.phase === 'Succeeded' ? { expect: { ...s.expect, phase: 'Failed' as const, condition: undefined, within: 20 } } : s))
      .map((s) => ('expect' in s ? { expect: Object.fromEntries(Object.entries(s.expect).filter(([, v]) => v !== undefined)) as typeof s.expect } : s));
    writeFileSync(join(dir, 'good.yaml'), stringify(good));
    writeFileSync(join(dir, 'wrong.yaml'), stringify(wrong));
    report = await runCases([join(dir, 'good.yaml'), join(dir, 'wrong.yaml')], { server, concurrency: 2, namespacePrefix: 'rt-' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes the case that holds and fails the wrong one with its first mismatch', () => {
    expect(report.target).toBe('embedded');
    const [good, wrong] = report.results;
    expect(good!.status, good!.firstMismatch).toBe('passed');
    expect(wrong!.status).toBe('failed');
    expect(wrong!.firstMismatch).toMatch(/^step \d+: expected pod p: phase Failed within 20s; last seen: pod p at [\d.]+s: phase Succeeded/);
    expect(wrong!.steps.at(-1)!.status).toBe('failed');
    expect([report.passed, report.failed, report.skipped]).toEqual([1, 1, 0]);
  });

  it('deletes every case namespace, the failed case\'s too', () => {
    for (const r of report.results) {
      expect(r.namespace.startsWith('rt-')).toBe(true);
      expect(r.namespaceDeleted).toBe(true);
    }
    const left = server.cluster.sim.list('namespaces').map((n) => n.metadata.name!).filter((n) => n.startsWith('rt-') && !server.cluster.sim.get('namespaces', undefined, n)?.metadata.deletionTimestamp);
    expect(left).toEqual([]);
  });

  it('writes well-formed JUnit XML with the right counts', () => {
    const xml = junitXml(report);
    expect(wellFormed(xml), xml).toBe(true);
    expect(xml).toContain('<testsuites name="kubelife conformance" tests="2" failures="1" errors="0" skipped="0"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('name="exit-0-never-wrong"');
    expect(wellFormed('<a><b></a></b>')).toBe(false);
  });
});

describe('conformance runner with --kubeconfig (wall clock) against kubelife up', () => {
  it('runs cases with bounds scaled to the server\'s speed, lower bounds included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelife-conf-kc-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const server = await up({ port: 0, speed: 20, seed: 5, kubeconfig });
    try {
      const r = await runCases([`${CASES_DIR}/exit-1-never.yaml`, `${CASES_DIR}/crashloop-on-failure.yaml`], { kubeconfig, timeoutScale: 1 / 20, namespacePrefix: 'kc-' });
      expect(r.target).toBe('kubeconfig');
      for (const c of r.results) expect(c.status, `${c.name}: ${c.firstMismatch}`).toBe('passed');
      // crashloop-on-failure's second restart is bounded below by its 10 s back-off: 0.5 wall seconds here.
      const second = r.results[1]!.steps.find((s) => s.what.includes('restarts >= 2'))!;
      expect(second.atSeconds!).toBeGreaterThanOrEqual(0.5);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('kubelife conformance (CLI)', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'kubelife', ...argv], (s) => out.push(s), (s) => err.push(s));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('exits 2 with one line for a bad case file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelife-conf-bad-'));
    try {
      const f = join(dir, 'bad.yaml');
      writeFileSync(f, stringify({ ...loadCase(`${CASES_DIR}/exit-0-never.yaml`), steps: [{ expect: { pod: 'p', within: -1 } }] }));
      const r = await run('conformance', 'run', f);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: .*bad\.yaml: steps\.0(\.expect\.within)?: .* \(see docs\/CONFORMANCE\.md\)$/);
      expect(r.err.split('\n')).toHaveLength(1);
      expect((await run('conformance', 'run', 'no-such-case')).code).toBe(2);
      expect((await run('conformance', 'run', '--timeout-scale', 'x', 'exit-0-never')).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs named cases, prints the summary table and a JUnit file; exits 0 when all pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelife-conf-cli-'));
    try {
      const junit = join(dir, 'junit.xml');
      const r = await run('conformance', 'run', 'exit-1-never', 'pod-os-rejected', '--junit', junit);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(/\|\s+case \| result \| duration \| first mismatch \|/);
      expect(r.out).toContain('2 passed, 0 failed, 0 skipped');
      expect(wellFormed(readFileSync(junit, 'utf8'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('generate --check exits 0 on the committed output', async () => {
    const r = await run('conformance', 'generate', '--check');
    expect(r.code, r.err).toBe(0);
  });
});
