/**
 * The checker on whole clusters: every example runs clean with every invariant checked at every
 * step; the checker stops at the first violation, counts its evaluations, joins an existing probe.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import type { KObject } from '../../src/api/objects.ts';
import { Checker, formatViolation } from '../../src/check/checker.ts';
import { INVARIANTS } from '../../src/check/invariants/index.ts';
import { loadScenario, type LoadedScenario } from '../../src/scenario/load.ts';
import { clusterFor, scheduleSteps } from '../../src/scenario/run.ts';
import { durationMs } from '../../src/scenario/schema.ts';
import { Cluster } from '../../src/sim/cluster.ts';
import type { StoreWrite } from '../../src/sim/probe.ts';

const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).sort();

/** Plays a scenario to its end (its `until`, else its last step or deadline) and until quiet, checked. */
function playChecked(loaded: LoadedScenario, seed: number): { checker: Checker; cluster: Cluster } {
  const cluster = clusterFor(loaded, { seed, record: false, traceMessages: false });
  const checker = new Checker().attach(cluster);
  const apply = (objs: KObject[]) => cluster.apply(objs);
  apply(loaded.manifests);
  scheduleSteps(loaded, cluster, apply);
  const spec = loaded.spec;
  const end = spec.until !== undefined ? durationMs(spec.until) : Math.max(30_000, ...spec.steps.map((s) => durationMs(s.at)), ...spec.expect.map((e) => durationMs(e.within)));
  const sim = cluster.sim;
  for (;;) {
    const next = sim.clock.peekTime();
    if (checker.violations.length > 0 || next === undefined || next > end) break;
    sim.step();
  }
  if (checker.violations.length === 0) sim.runUntilQuiet(5_000, 120_000);
  if (checker.violations.length === 0) checker.quiescence();
  return { checker, cluster };
}

describe('every example runs clean under the checker', () => {
  for (const f of examples) {
    it(f, () => {
      const loaded = loadScenario(`examples/${f}`);
      for (const seed of [loaded.spec.seed, 1001]) {
        const { checker } = playChecked(loaded, seed);
        expect(checker.violations.map(formatViolation), `seed ${seed}`).toEqual([]);
        expect(checker.checks).toBeGreaterThan(100);
      }
    });
  }
});

describe('the checker', () => {
  const brokenWrite = (rev: number): StoreWrite => ({
    key: '/registry/pods/default/x', type: 'update', revision: rev, at: 0,
    prev: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default', uid: 'u' }, spec: { nodeName: 'a', containers: [] } } as KObject,
    next: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default', uid: 'u', resourceVersion: String(rev) }, spec: { nodeName: 'b', containers: [] } } as KObject,
  });

  it('stops at the first violation unless told to go on, and names its objects', () => {
    const cluster = new Cluster({ seed: 1, nodes: [{ name: 'n1' }], record: false });
    const checker = new Checker().attach(cluster);
    const rev = cluster.sim.store.revision();
    checker.onWrite(brokenWrite(rev + 1));
    checker.onWrite(brokenWrite(rev + 2));
    expect(checker.violations.map((v) => v.invariant)).toEqual(['pod-bound-at-most-once']);
    expect(checker.violations[0]!.objects).toEqual(['Pod/default/x']);
    expect(checker.violations[0]!.statement).toContain('at most once');

    const c2 = new Cluster({ seed: 1, nodes: [{ name: 'n1' }], record: false });
    const going = new Checker(INVARIANTS, { continueAfterViolation: true }).attach(c2);
    const r2 = c2.sim.store.revision();
    going.onWrite(brokenWrite(r2 + 1));
    going.onWrite(brokenWrite(r2 + 2));
    expect(going.violations.filter((v) => v.invariant === 'pod-bound-at-most-once')).toHaveLength(2);
  });

  it('counts its evaluations, refuses a second attach, and joins a probe already attached', () => {
    const cluster = new Cluster({ seed: 2, nodes: [{ name: 'n1' }], record: false, traceMessages: false });
    const seen: string[] = [];
    cluster.sim.probe = { onWrite: (w) => seen.push(w.key) };
    const checker = new Checker().attach(cluster);
    expect(() => checker.attach(cluster)).toThrow(/already attached/);
    cluster.sim.runFor(20_000);
    expect(checker.checks).toBeGreaterThan(50);
    expect(seen.length).toBeGreaterThan(5);
    expect(checker.violations).toEqual([]);
    expect(checker.ids()).toEqual(INVARIANTS.map((i) => i.id));
  });

  it('reads the past through its own version index', () => {
    const cluster = new Cluster({ seed: 3, nodes: [{ name: 'n1' }], record: false, traceMessages: false });
    let cx: { getAt: (k: string, r: number) => KObject | undefined; versions: (k: string, from: number) => unknown[] } | undefined;
    const spy = { id: 'spy', statement: 'a test invariant that never fires', source: 'test', resources: ['nodes'], onWrite: (_w: StoreWrite, c: never) => { cx = c; } };
    const checker = new Checker([spy]).attach(cluster);
    const key = '/registry/nodes/n1';
    const versions: Array<{ rev: number; value: KObject }> = [];
    cluster.sim.probe = {
      onWrite: (w) => { if (w.key === key && w.next) versions.push({ rev: w.revision, value: w.next }); checker.onWrite(w); },
      onRequest: (r) => checker.onRequest(r),
      onWatchDelivered: (d) => checker.onWatchDelivered(d),
    };
    cluster.sim.runFor(30_000);
    expect(versions.length).toBeGreaterThan(1);
    for (const v of versions) expect(cx!.getAt(key, v.rev)).toBe(v.value);
    expect(cx!.getAt(key, versions[0]!.rev - 1)).toBeUndefined();
    expect(cx!.versions(key, versions[0]!.rev)).toHaveLength(versions.length);
  });
});
