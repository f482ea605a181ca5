import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, loadScenarioText } from '../../src/scenario/load.ts';
import { clusterFor } from '../../src/scenario/run.ts';
import { BUGS } from '../../src/check/bugs.ts';
import { inlineScenario } from '../../src/check/arbitraries.ts';
import { defaultHorizonMs, explore, runSchedule, TIME_JUMP } from '../../src/check/explore.ts';
import { replayFile, runForReplay, writeReplay } from '../../src/check/replay.ts';
import { stateHash } from '../../src/check/state-hash.ts';

const twoPods = () => loadScenario('examples/two-pods.yaml');

describe('exhaustive exploration', () => {
  it('explores a 2-node, 2-pod ReplicaSet to a bound and reports the counts', () => {
    const seen: number[] = [];
    const r = explore({ loaded: twoPods(), seed: 3, depth: 10, onProgress: (p) => seen.push(p.states) });
    expect(r.violation).toBeUndefined();
    expect(r.complete).toBe(true);
    expect(r.states).toBeGreaterThan(5);
    expect(r.terminal).toBeGreaterThan(0);
    expect(r.maxDepth).toBeGreaterThan(1);
    expect(r.maxDepth).toBeLessThanOrEqual(10);
    expect(r.replays).toBeGreaterThan(0);
    expect(r.pruned).toBeGreaterThanOrEqual(0);
    expect(seen.at(-1)).toBe(r.states);
    // The same exploration again gives the same numbers (re-execution is deterministic).
    const again = explore({ loaded: twoPods(), seed: 3, depth: 10 });
    expect({ ...again }).toEqual({ ...r });
  });

  it('stops at the depth bound and says how many states it cut', () => {
    const r = explore({ loaded: twoPods(), seed: 3, depth: 2 });
    expect(r.maxDepth).toBe(2);
    expect(r.depthBounded).toBeGreaterThan(0);
  });

  it('stops at the state bound and says the search was incomplete', () => {
    const r = explore({ loaded: twoPods(), seed: 3, depth: 10, maxStates: 3 });
    expect(r.states).toBe(3);
    expect(r.complete).toBe(false);
  });

  it('finds a planted bug exhaustively, and its schedule replays exactly', () => {
    const entry = BUGS.find((b) => b.name === 'scheduler-forgets-assumed')!;
    const loaded = loadScenarioText(entry.scenario, 'bug.yaml');
    const clean = explore({ loaded, seed: 1, depth: 6, timeJumps: 1 });
    expect(clean.violation).toBeUndefined();
    const r = explore({ loaded, seed: 1, depth: 6, timeJumps: 1, bugs: ['scheduler-forgets-assumed'] });
    expect(r.violation?.violation.invariant).toBe('node-not-overcommitted');
    const schedule = r.violation!.schedule;
    expect(schedule).toContain(TIME_JUMP);
    expect(schedule.length).toBeLessThanOrEqual(20);
    expect(r.violation!.delivered.length).toBe(schedule.length);
    // The schedule alone reproduces it, and so does the replay file written from it.
    const again = runSchedule({ loaded, seed: 1, bugs: ['scheduler-forgets-assumed'], timeJumps: 1 }, schedule);
    expect(again.violation?.invariant).toBe('node-not-overcommitted');
    const input = { scenario: inlineScenario(loaded), plan: { faults: [] }, seed: 1, bugs: ['scheduler-forgets-assumed' as const], liveness: false as const, exhaustive: { horizonMs: defaultHorizonMs(loaded), timeJumps: 1, schedule } };
    const result = runForReplay(input, loaded);
    const { path } = writeReplay(mkdtempSync(join(tmpdir(), 'kubelife-explore-')), input, result);
    expect(replayFile(path).exact).toBe(true);
  });
});

describe('state hash', () => {
  it('is equal for equal states and differs when the state moves', () => {
    const a = clusterFor(twoPods(), { seed: 3, record: false, traceMessages: false });
    const b = clusterFor(twoPods(), { seed: 3, record: false, traceMessages: false });
    a.sim.runFor(1_000);
    b.sim.runFor(1_000);
    expect(stateHash(a.sim)).toBe(stateHash(b.sim));
    a.apply(twoPods().manifests);
    a.sim.runFor(3_000);
    expect(stateHash(a.sim)).not.toBe(stateHash(b.sim));
    expect(stateHash(a.sim, { strict: true })).not.toBe(stateHash(a.sim));
  });
});
