import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioText, InputError } from '../../src/scenario/load.ts';
import { BUGS } from '../../src/check/bugs.ts';
import { inlineScenario } from '../../src/check/arbitraries.ts';
import { readReplay, replayFile, runForReplay, writeReplay, type ReplayInput } from '../../src/check/replay.ts';
import { runChecked } from '../../src/check/run-checked.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'kubelife-replay-'));

/** The scheduler bug's revealing scenario: two pods that do not fit one node together. */
function overcommitCase(): ReplayInput {
  const entry = BUGS.find((b) => b.name === 'scheduler-forgets-assumed')!;
  const loaded = loadScenarioText(entry.scenario, 'bug.yaml');
  return { scenario: inlineScenario(loaded), plan: { faults: [] }, seed: 4, bugs: ['scheduler-forgets-assumed'], liveness: false };
}

function written(): { path: string; input: ReplayInput } {
  const input = overcommitCase();
  const loaded = loadScenarioText(JSON.stringify(input.scenario), 'inline');
  const result = runForReplay(input, loaded);
  expect(result.violation?.invariant).toBe('node-not-overcommitted');
  return { path: writeReplay(dir(), input, result).path, input };
}

describe('runChecked', () => {
  it('is a pure function of its inputs: the same inputs give the same result and trace bytes', () => {
    const input = overcommitCase();
    const loaded = loadScenarioText(JSON.stringify(input.scenario), 'inline');
    const a = runChecked({ loaded, seed: 9, bugs: input.bugs, hashTrace: true });
    const b = runChecked({ loaded, seed: 9, bugs: input.bugs, hashTrace: true });
    expect(a.violation).toEqual(b.violation);
    expect(a.trace).toEqual(b.trace);
    expect(a.steps).toBe(b.steps);
    const other = runChecked({ loaded, seed: 10, bugs: input.bugs, hashTrace: true });
    expect(other.trace!.sha256).not.toBe(a.trace!.sha256);
  });

  it('finds nothing in the correct model, and the liveness phase converges', () => {
    const loaded = loadScenarioText(JSON.stringify(overcommitCase().scenario), 'inline');
    const r = runChecked({ loaded, seed: 4, liveness: true });
    expect(r.violation).toBeUndefined();
    expect(r.liveness).toEqual({ ok: true, pending: [] });
    expect(r.checks).toBeGreaterThan(0);
  });
});

describe('replay files', () => {
  it('replay exactly: same invariant, same virtual time, same trace hash', () => {
    const { path } = written();
    const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(record).slice(0, 4)).toEqual(['kubelife', 'invariant', 'statement', 'message']);
    expect(record['command']).toBe(`npx kubelife replay ${path}`);
    const lines: string[] = [];
    const outcome = replayFile(path, (e) => lines.push(e.kind));
    expect(outcome.exact).toBe(true);
    expect(outcome.differences).toEqual([]);
    expect(lines.length).toBe(outcome.result.trace!.events);
  });

  it('say what differs when the recorded run does not happen again', () => {
    const { path } = written();
    const record = JSON.parse(readFileSync(path, 'utf8')) as { violation: { atMs: number }; traceSha256: string; bugs: string[] };
    const tampered = join(dir(), 'tampered.replay.json');
    writeFileSync(tampered, JSON.stringify({ ...record, violation: { ...record.violation, atMs: record.violation.atMs + 1 }, traceSha256: '0'.repeat(64) }));
    const o = replayFile(tampered);
    expect(o.exact).toBe(false);
    expect(o.differences.join('\n')).toMatch(/it fired at \d+\.\d{3}s, not at/);
    expect(o.differences.join('\n')).toMatch(/the trace differs/);
    // Without the planted bug the model is correct: nothing fires.
    const fixed = join(dir(), 'fixed.replay.json');
    writeFileSync(fixed, JSON.stringify({ ...record, bugs: [] }));
    expect(replayFile(fixed).differences[0]).toMatch(/^no invariant fired/);
  });

  it('reject bad files with file, line, path and fix', () => {
    const d = dir();
    const bad = join(d, 'bad.replay.json');
    writeFileSync(bad, '{\n  "kubelife": "replay/v1",\n  "invariant": "x",\n  "seed": -1\n}\n');
    expect(() => readReplay(bad)).toThrow(InputError);
    expect(() => readReplay(bad)).toThrow(/bad\.replay\.json:\d+: .*\(see docs\/CHECKING\.md\)/);
    const { path } = written();
    const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const unknownBug = join(d, 'bug.replay.json');
    writeFileSync(unknownBug, JSON.stringify({ ...record, bugs: ['no-such-bug'] }, null, 2));
    expect(() => readReplay(unknownBug)).toThrow(/bug\.replay\.json:\d+: bugs\[0\]: no planted bug "no-such-bug" \(kubelife check --list-bugs lists them\)/);
    expect(() => readReplay(join(d, 'missing.json'))).toThrow(/cannot read the replay file/);
    const yaml = join(d, 'broken.replay.yaml');
    writeFileSync(yaml, 'kubelife: [\n');
    expect(() => readReplay(yaml)).toThrow(/broken\.replay\.yaml:\d+: not valid YAML/);
  });
});
