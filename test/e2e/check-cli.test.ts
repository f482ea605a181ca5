import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { replay } from '../../src/cli/check.ts';
import { BUG_NAMES } from '../../machines/bugs.ts';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'kubelife', ...args], (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kubelife-check-'));

function file(name: string, text: string): string {
  const f = join(tmp(), name);
  writeFileSync(f, text);
  return f;
}

const HEADER = '| runs | steps | invariants checked | violations | virtual time | wall s | runs/min |';

describe('kubelife check', () => {
  it('exits 0 with a summary table when no invariant fires', async () => {
    const r = await cli('check', 'examples/two-pods.yaml', '--runs', '3', '--seed', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('kubelife check examples/two-pods.yaml: 3 run(s) asked, faults none, seed 1');
    expect(r.out).toContain(HEADER);
    expect(r.out).toMatch(/\| +3 \| +\d+ \| +\d+ \| +0 \| +[\d.]+ (s|min) \| +[\d.]+ \| +\d+ \|/);
    expect(r.out).not.toContain('VIOLATION');
  });

  it('exits 1 on a planted bug with the invariant, the seed, the shrunk steps and a replay file that replays', async () => {
    const out = tmp();
    const r = await cli('check', '--bug', 'kubelet-running-before-sandbox-ip', '--runs', '5', '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^VIOLATION no-container-running-before-sandbox-ip: no container of a pod runs before/m);
    expect(r.out).toMatch(/at \d+\.\d{3}s virtual time, cluster seed \d+; found in run \d+ \(check seed 1\), shrunk in \d+ run\(s\) to \d+ step\(s\):/);
    expect(r.out).toMatch(/→ +\d+\.\d{3}s {2}violation no-container-running-before-sandbox-ip/);
    const m = /^replay file: (.*\.replay\.json)$/m.exec(r.out);
    expect(m).not.toBeNull();
    expect(existsSync(m![1]!)).toBe(true);
    expect(r.out).toContain(`replay: npx kubelife replay ${m![1]}`);
    const rp = await cli('replay', m![1]!, '--quiet');
    expect(rp.code).toBe(0);
    expect(rp.out).toMatch(/^reproduced exactly: no-container-running-before-sandbox-ip at \d+\.\d{3}s/m);
    expect(rp.out).toMatch(/trace sha256 [0-9a-f]{64} over \d+ events \(identical\)/);
    // --inspect: the replayed run, up to its violation, served in the inspector for time travel.
    const lines: string[] = [];
    let info: { mode: string; length: number } | undefined;
    const code = await replay(m![1]!, { quiet: true, inspect: '0' }, (l) => lines.push(l), async () => {
      const url = /inspector at (http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join('\n'))![1]!;
      info = await (await fetch(`${url}/api/info`)).json() as { mode: string; length: number };
    });
    expect(code).toBe(0);
    const served = Number(/\((?:the replayed run, )(\d+) events\)/.exec(lines.join('\n'))![1]);
    expect(info).toMatchObject({ mode: 'replay' });
    expect(info!.length).toBe(served);
    expect(served).toBeGreaterThan(100);
  });

  it('prints one JSON object with --json', async () => {
    const r = await cli('check', 'examples/two-pods.yaml', '--runs', '2', '--json', '--no-liveness');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { runs: number; violations: number; invariantsChecked: number; runsPerMin: number };
    expect(j.runs).toBe(2);
    expect(j.violations).toBe(0);
    expect(j.invariantsChecked).toBeGreaterThan(0);
  });

  it('lists the bug zoo with --list-bugs', async () => {
    const r = await cli('check', '--list-bugs');
    expect(r.code).toBe(0);
    for (const b of BUG_NAMES) expect(r.out).toContain(`  ${b}\n`);
    expect(r.out).toMatch(/caught by replicaset-never-over-creates/);
  });

  it('reads a fault plan file', async () => {
    const r = await cli('check', 'examples/self-healing.yaml', '--faults', 'examples/faults/self-healing-chaos.yaml', '--runs', '1', '--no-liveness');
    expect([0, 1]).toContain(r.code);
    expect(r.out).toContain('faults examples/faults/self-healing-chaos.yaml (5 faults)');
  });

  it('explores exhaustively with --exhaustive --depth', async () => {
    const r = await cli('check', 'examples/two-pods.yaml', '--exhaustive', '--depth', '3');
    expect(r.code).toBe(0);
    expect(r.out).toContain('| states | pruned | terminal | depth reached | cut at depth | replays | deliveries | wall s | states/s |');
    expect(r.out).toMatch(/\| +\d+ \| +\d+ \| +\d+ \| +[0-3]\/3 \|/);
  });
});

describe('kubelife check: bad input exits 2 with one line', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['no scenario', ['check'], /^error: check: give a scenario file, "swarm" to draw small scenarios too, or one --bug/],
    ['a missing scenario', ['check', 'nope.yaml'], /^error: nope\.yaml: cannot read the scenario file/],
    ['--runs 0', ['check', 'examples/two-pods.yaml', '--runs', '0'], /^error: --runs: "0" is not a positive integer \(use e\.g\. --runs 100\)$/],
    ['--seed x', ['check', 'examples/two-pods.yaml', '--seed', 'x'], /^error: --seed: "x" is not a non-negative integer/],
    ['an unknown mode', ['check', 'examples/two-pods.yaml', '--mode', 'sideways'], /^error: --mode: "sideways" is not a mode \(one of: stale-state, intermediate-state, unobserved-state\)$/],
    ['an unknown bug', ['check', 'examples/two-pods.yaml', '--bug', 'nope'], /^error: --bug: no planted bug "nope" \(one of: replicaset-no-expectations, /],
    ['an unknown invariant', ['check', 'examples/two-pods.yaml', '--invariant', 'nope'], /^error: --invariant: no invariant "nope" \(one of: /],
    ['--depth without --exhaustive', ['check', 'examples/two-pods.yaml', '--depth', '3'], /^error: --depth: only with --exhaustive$/],
    ['a plan file with drawn scenarios', ['check', 'swarm', '--faults', 'examples/faults/self-healing-chaos.yaml'], /^error: --faults: a plan file names nodes/],
    ['a missing plan file', ['check', 'examples/two-pods.yaml', '--faults', 'nope.yaml'], /^error: nope\.yaml: cannot read the fault plan/],
    ['a missing replay file', ['replay', 'nope.json'], /^error: nope\.json: cannot read the replay file/],
  ];
  for (const [name, args, re] of cases) {
    it(name, async () => {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(re);
      expect(r.err.split('\n').length).toBe(1);
    });
  }

  it('a fault plan with a bad field names the line', async () => {
    const plan = file('plan.yaml', 'faults:\n  - kind: partition\n    component: kubelet/worker-1\n    at: soon\n');
    const r = await cli('check', 'examples/two-pods.yaml', '--faults', plan);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plan\.yaml:4: faults\[0\]\.at: .* \(see docs\/CHECKING\.md\)$/);
  });

  it('a fault plan naming a node the scenario does not have names the line and the fix', async () => {
    const plan = file('plan.yaml', 'healAt: 60s\nfaults:\n  - kind: compact\n    at: 5s\n  - kind: crashNode\n    node: worker-9\n    at: 10s\n');
    const r = await cli('check', 'examples/two-pods.yaml', '--faults', plan);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plan\.yaml:6: faults\[1\]\.node: node "worker-9" is not in the scenario's cluster\.nodes \(use one of worker-1, worker-2\)$/);
    const plan2 = file('plan.yaml', 'faults:\n  - kind: partition\n    component: kubelet/worker-7\n    at: 5s\n');
    const r2 = await cli('check', 'examples/two-pods.yaml', '--faults', plan2);
    expect(r2.err).toMatch(/plan\.yaml:3: faults\[0\]\.component: no component "kubelet\/worker-7" in this cluster/);
  });

  it('YAML that does not parse names the line', async () => {
    const r = await cli('check', 'examples/two-pods.yaml', '--faults', file('plan.yaml', 'faults: [\n'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plan\.yaml:\d+: not valid YAML/);
  });
});
