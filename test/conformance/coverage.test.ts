/** Coverage as computed from the committed cases: numbers pinned, every gap with a reason, upstream names only those found. */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { computeCoverage } from '../../src/conformance/coverage.ts';
import { CASES_DIR, generate } from '../../src/conformance/generate.ts';
import { loadCase } from '../../src/conformance/runner.ts';
import { UPSTREAM_NAMES } from '../../src/conformance/recipes.ts';
import { declaredTransitions } from '../../src/conformance/paths.ts';
import { main } from '../../src/cli/main.ts';

const gen = generate();
const cases = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml')).sort().map((f) => loadCase(`${CASES_DIR}/${f}`));
const cov = computeCoverage(cases, gen);
const machine = (m: string) => cov.machines.find((x) => x.machine === m)!;

describe('conformance coverage', () => {
  it('covers every container state and every container transition a manifest can drive', () => {
    const c = machine('container');
    expect(c.states.covered).toBe(c.states.total);
    expect(c.transitions.total).toBe(declaredTransitions().length);
    expect(c.transitions.covered + c.transitions.uncovered.length).toBe(c.transitions.total);
    // What is left is left by design or needs kubelife's faults, each with its reason.
    for (const u of c.transitions.uncovered) expect(u.reason, u.item).not.toBe('no case drives it yet');
    expect(c.transitions.uncovered.map((u) => u.item)).toContain('Running --lost--> Terminated.ContainerStatusUnknown');
    // A patched image runs the new image's programs: a command it lacks fails to start after a run of the old one.
    expect(cases.find((x) => x.name === 'image-changed-to-image-without-shell')!.covers.container).toContain('Terminated --exited.startError--> Terminated.StartError');
    expect(c.transitions.covered).toBe(25);
  });

  it('covers the pod machine\'s phases reachable from manifests; the rest are node or CNI faults, or transient', () => {
    const p = machine('pod');
    expect(p.states.uncovered.map((u) => u.item).sort()).toEqual(['Pending.initializing.sandboxBackOff', 'Unknown']);
    expect(p.transitions.covered).toBe(29);
    // Every gap is explained: a kubelife fault, an unobservable or transient state; no known disagreement is left.
    const reasons = new Set(p.transitions.uncovered.map((u) => u.reason.split(':')[0]));
    expect([...reasons].sort()).toEqual(['kubelife-only', 'not observable', 'transient', 'unreached by kubelife']);
    for (const u of p.transitions.uncovered.filter((x) => /node\.lost|Unknown/.test(x.item))) expect(u.reason).toMatch(/^unreached by kubelife: nothing sends node\.lost/);
    // A waiting container whose image is fixed to one lacking its command fails to start (Never: Failed; Always: Running).
    const fixed = cases.filter((x) => x.name.startsWith('image-fixed-command-missing-')).flatMap((x) => x.covers.pod);
    expect(fixed).toEqual(expect.arrayContaining(['Pending.creatingContainers.waiting --container.startFailed--> Failed', 'Pending.creatingContainers.waiting --container.startFailed--> Running']));
  });

  it('maps cases to upstream tests by names found upstream, and lists the ones not covered', () => {
    const covered = cov.upstream.filter((u) => u.cases.length > 0);
    for (const u of covered) expect(UPSTREAM_NAMES).toContain(u.test);
    expect(covered.length).toBe(20);
    expect(covered.find((u) => u.test.startsWith('[sig-node] Pods should run through the lifecycle of Pods and PodStatus'))!.cases).toContain('graceful-delete-nginx');
    for (const u of cov.upstream.filter((x) => x.cases.length === 0)) expect(u.reason, u.test).toBeTruthy();
  });

  it('prints a table, and JSON with --json', async () => {
    const out: string[] = [];
    expect(await main(['node', 'kubelife', 'conformance', 'coverage'], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toMatch(/\| container \| +18\/18 \(100%\) \| +25\/\d+ \(\d+%\) \|/);
    const json: string[] = [];
    expect(await main(['node', 'kubelife', 'conformance', 'coverage', '--json'], (s) => json.push(s))).toBe(0);
    expect(JSON.parse(json.join(''))).toEqual(JSON.parse(JSON.stringify(cov)));
  });
});
