/**
 * Generation from the machines: XState's graph utilities give the paths, the recipes realise them,
 * the output is deterministic and valid, and every recipe drives the machines along the path it
 * declares (checked by playing each case in the simulation and reading the pod worker's machines).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { INITIAL_CONTAINER_STATE } from '../../machines/container/machine.ts';
import { containerEdgesOf, generate, generatedFiles, podEdgesOf, CASES_DIR } from '../../src/conformance/generate.ts';
import { CONTAINER_EVENT_SAMPLES, containerShortestPaths, containerTransitionPaths, declaredTransitions, podGraph, simplePaths, containerGraph } from '../../src/conformance/paths.ts';
import { RECIPES } from '../../src/conformance/recipes.ts';
import { parseCase } from '../../src/conformance/schema.ts';
import { eraseLoops, pathMisfit, runInModel } from '../../src/conformance/model-run.ts';

describe('paths from xstate/graph', () => {
  it('reaches every container state by a shortest path and takes every declared transition', () => {
    expect(containerShortestPaths().map((p) => p.goal).sort()).toEqual([...containerGraph().states].sort());
    expect(containerShortestPaths()).toHaveLength(containerGraph().states.length);
    expect(containerGraph().states.length).toBeGreaterThanOrEqual(18);
    expect(containerTransitionPaths().map((p) => p.goal)).toEqual(declaredTransitions());
  });

  it('samples every event the container machine declares (a new event must be sampled here)', () => {
    const declaredEvents = new Set(declaredTransitions().map((t) => t.split(' --')[1]!.split('-->')[0]!));
    expect([...declaredEvents].filter((e) => !CONTAINER_EVENT_SAMPLES.some((s) => s.type === e))).toEqual([]);
  });

  it('bounds simple paths by depth and count', () => {
    const ps = simplePaths('container', containerGraph(), 3, 50);
    expect(ps).toHaveLength(50);
    expect(Math.max(...ps.map((p) => p.edges.length))).toBeLessThanOrEqual(3);
    for (const p of ps) expect(new Set([p.edges[0]!.from, ...p.edges.map((e) => e.to)]).size).toBe(p.edges.length + 1);
  });

  it('walks the pod machine over sample pods into its phases', () => {
    const states = podGraph().states;
    for (const s of ['Pending.unscheduled', 'Pending.initializing.mountBackOff', 'Pending.creatingContainers.waiting', 'Running', 'Terminating', 'Succeeded', 'Failed', 'Unknown']) expect(states).toContain(s);
  });
});

describe('generation', () => {
  it('is deterministic: the same files, byte for byte', () => {
    const a = generatedFiles();
    const b = generatedFiles(generate());
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);
  });

  it('writes one valid case per recipe, names unique, every committed case valid against the schema', () => {
    const g = generate();
    expect(g.cases.map((c) => c.name)).toEqual(RECIPES.map((r) => r.name));
    const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBe(g.cases.length);
    for (const f of files) {
      const r = parseCase(parse(readFileSync(`${CASES_DIR}/${f}`, 'utf8')));
      expect(r.ok, `${f}: ${r.ok ? '' : `${r.path}: ${r.message}`}`).toBe(true);
    }
  });

  it('rejects a case that breaks the schema with the path of the problem', () => {
    const g = generate();
    const bad = structuredClone(g.cases[0]!) as unknown as { steps: Array<{ expect?: { container?: { state: string } } }> };
    bad.steps[2] = { expect: { container: { state: 'Waiting.Nope' } } } as never;
    const r = parseCase(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.path).toMatch(/^steps\.2/);
  });

  it('maps paths onto cases: exactly, or by their goal; the rest are reported', () => {
    const g = generate();
    const mapped = g.cases.reduce((n, c) => n + c.paths.length, 0);
    expect(mapped + g.unrealised.length).toBe(g.paths.filter((p) => p.edges.length > 0).length);
    expect(g.cases.find((c) => c.name === 'image-pull-backoff')!.paths).toContain('container/shortest: Waiting.ImagePullBackOff (goal reached by another route)');
    expect(g.unrealised.some((u) => u.edge.includes('node.lost'))).toBe(true);
  });
});

describe('every recipe drives the machines along its declared path (in the simulation)', () => {
  const cases = generate().cases;
  it('loop erasure keeps the order of what remains', () => {
    expect(eraseLoops(['a', 'b', 'c', 'b', 'c', 'd'])).toEqual(['a', 'b', 'c', 'd']);
    expect(pathMisfit(['a', 'b', 'c'], ['a', 'c'])).toBeUndefined();
    expect(pathMisfit(['a', 'b', 'c'], ['c', 'a'])).toMatch(/recorded a/);
  });

  for (const r of RECIPES) {
    it(r.name, async () => {
      const c = cases.find((x) => x.name === r.name)!;
      const m = await runInModel(c);
      expect(m.result.firstMismatch ?? '', 'the case itself holds in the model').toBe('');
      for (const [k, edges] of containerEdgesOf(r)) {
        const first = edges[0]?.from ?? (r.containers.length > 1 || k.startsWith('init:') ? 'Waiting.PodInitializing' : INITIAL_CONTAINER_STATE);
        expect(pathMisfit([first, ...edges.map((e) => e.to)], m.containerStates.get(k) ?? []), `container ${k}`).toBeUndefined();
      }
      if (!r.podPartial) {
        const pe = podEdgesOf(r);
        expect(pathMisfit([pe[0]?.from ?? 'Pending.unscheduled', ...pe.map((e) => e.to)], m.podStates), 'pod').toBeUndefined();
      }
    });
  }
});
