/**
 * The bug zoo: each planted bug, in its catalogue scenario (with its fault plan when it needs
 * one), makes its invariant fire; the same scenario on the correct model stays clean, over a few
 * seeds.
 */
import { describe, expect, it } from 'vitest';
import { BUG_NAMES, bugSet, type BugName } from '../../machines/bugs.ts';
import { BUGS, bugEntry, type BugEntry } from '../../src/check/bugs.ts';
import { Checker, formatViolation } from '../../src/check/checker.ts';
import { INVARIANTS } from '../../src/check/invariants/index.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { clusterFor, scheduleSteps } from '../../src/scenario/run.ts';
import { durationMs } from '../../src/scenario/schema.ts';
import { applyFaultPlan } from '../../src/sim/faults.ts';

function play(b: BugEntry, planted: boolean, seed?: number): Checker {
  const loaded = loadScenarioText(b.scenario, `${b.name}.yaml`);
  const cluster = clusterFor(loaded, { seed: seed ?? loaded.spec.seed, record: false, traceMessages: false, ...(planted ? { clusterOptions: { bugs: [b.name] } } : {}) });
  const checker = new Checker().attach(cluster);
  cluster.apply(loaded.manifests);
  scheduleSteps(loaded, cluster, (objs) => cluster.apply(objs));
  if (b.faults) applyFaultPlan(cluster, b.faults);
  const end = durationMs(loaded.spec.until!);
  const sim = cluster.sim;
  for (;;) {
    const next = sim.clock.peekTime();
    if (checker.violations.length > 0 || next === undefined || next > end) break;
    sim.step();
  }
  if (checker.violations.length === 0) checker.quiescence();
  return checker;
}

describe('the bug catalogue', () => {
  it('describes every planted bug once, with an invariant of the catalogue', () => {
    expect(BUGS.map((b) => b.name).sort()).toEqual([...BUG_NAMES].sort());
    for (const b of BUGS) {
      expect(INVARIANTS.map((i) => i.id)).toContain(b.invariant);
      expect(b.description.length).toBeGreaterThan(20);
      expect(bugEntry(b.name)).toBe(b);
    }
    expect(BUGS.length).toBeGreaterThanOrEqual(6);
  });

  it('rejects unknown bug names', () => {
    expect(() => bugSet(['no-such-bug'])).toThrow(/unknown bug "no-such-bug"/);
    expect(bugSet(['ipam-reuses-live-ip' as BugName]).has('ipam-reuses-live-ip')).toBe(true);
    expect(bugSet(undefined).size).toBe(0);
  });
});

describe('each planted bug is caught by its invariant', () => {
  for (const b of BUGS) {
    it(`${b.name} -> ${b.invariant}`, () => {
      const caught = play(b, true);
      expect(caught.violations.map(formatViolation)).toHaveLength(1);
      expect(caught.violations[0]!.invariant).toBe(b.invariant);
      for (const seed of [1, 2, 3]) {
        const clean = play(b, false, seed);
        expect(clean.violations.map(formatViolation), `correct model, seed ${seed}`).toEqual([]);
      }
    });
  }
});
