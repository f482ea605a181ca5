import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'kubelife', ...args], (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function scenario(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubelife-'));
  const f = join(dir, 'scenario.yaml');
  writeFileSync(f, text);
  return f;
}

const NODES = 'cluster:\n  nodes:\n    - name: worker-1\n';

describe('kubelife run', () => {
  it('prints the seed story of the birth of a pod and exits 0', async () => {
    const r = await cli('run', 'examples/birth-of-a-pod.yaml');
    expect(r.code).toBe(0);
    // The five steps of the seed story are all visible.
    expect(r.out).toMatch(/POST \/api\/v1\/namespaces\/default\/pods from client -> 201 rv=\d+ {2}\[authentication > authorization > mutating-admission > validation > validating-admission > etcd\]/);
    expect(r.out).toMatch(/etcd\s+revision \d+: create \/registry\/pods\/default\/nginx/);
    expect(r.out).toMatch(/kube-scheduler\s+chose worker-\d for default\/nginx: scores worker-\d=\d+/);
    expect(r.out).toMatch(/Event Normal Scheduled Pod\/default\/nginx: Successfully assigned default\/nginx to worker-\d/);
    expect(r.out).toMatch(/Event Normal Started Pod\/default\/nginx/);
    expect(r.out).toMatch(/PASS {2}pod default\/nginx reaches Running/);
  });

  it('exits 2 with file, line and fix for a wrong field type', async () => {
    const f = scenario(`${NODES}seed: "abc"\n`);
    const r = await cli('run', f);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^error: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: seed: .*\\(see docs/SCENARIOS.md\\)$`));
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('exits 2 for an unknown kind', async () => {
    const r = await cli('run', scenario(`${NODES}manifests:\n  - apiVersion: v1\n    kind: Pood\n    metadata: { name: x }\n`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no kind "Pood" is registered for version "v1"/);
  });

  it('exits 2 for a broken manifest', async () => {
    const r = await cli('run', scenario(`${NODES}manifests:\n  - apiVersion: v1\n    kind: Pod\n    metadata: { name: x }\n    spec: { containers: [{ name: app }] }\n`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Pod "x" is invalid: spec\.containers\[0\]\.image: Required value/);
  });

  it('exits 2 for YAML that does not parse', async () => {
    const r = await cli('run', scenario(`${NODES}steps: [\n`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/:\d+: not valid YAML/);
  });

  it('exits 2 for a scenario naming a missing node', async () => {
    const r = await cli('run', scenario(`${NODES}steps:\n  - at: 1s\n    stopNode: worker-9\n`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/:6: steps\[0\]\.stopNode: node "worker-9" is not in cluster.nodes/);
  });

  it('exits 1 and prints the replay command when an expectation fails', async () => {
    const r = await cli('run', scenario(`${NODES}seed: 5\nmanifests:\n  - apiVersion: v1\n    kind: Pod\n    metadata: { name: x }\n    spec: { nodeSelector: { disk: ssd }, containers: [{ name: app, image: nginx }] }\nexpect:\n  - pod: x\n    phase: Running\n    within: 5s\n`));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL {2}pod default\/x reaches Running within 5s/);
    expect(r.out).toMatch(/replay: npx kubelife run .* --seed 5/);
  });

  it('writes a JSON-lines trace with --trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelife-'));
    const t = join(dir, 't.jsonl');
    const r = await cli('run', 'examples/birth-of-a-pod.yaml', '--quiet', '--trace', t);
    expect(r.code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const lines = readFileSync(t, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['transition', 'send', 'deliver', 'write', 'request', 'k8s-event', 'note', 'step']));
  });
});
