import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { toJsonLine } from '../../src/sim/trace.ts';

function traceOf(file: string, seed: number): string {
  const lines: string[] = [];
  runScenario(loadScenario(file), { seed, record: false, onTrace: (e) => lines.push(toJsonLine(e)) });
  return lines.join('\n');
}

describe('the same seed gives the same trace, byte for byte', () => {
  for (const file of ['examples/birth-of-a-pod.yaml', 'examples/self-healing.yaml', 'examples/service.yaml']) {
    for (const seed of [1, 42, 2026]) {
      it(`${file} with seed ${seed}`, () => {
        const a = traceOf(file, seed);
        const b = traceOf(file, seed);
        expect(a.length).toBeGreaterThan(1000);
        expect(a === b, `trace differs between two runs; replay: npx kubelife run ${file} --seed ${seed} --trace t.jsonl`).toBe(true);
      });
    }
  }

  it('a different seed gives a different trace', () => {
    expect(traceOf('examples/birth-of-a-pod.yaml', 1)).not.toBe(traceOf('examples/birth-of-a-pod.yaml', 2));
  });
});
