import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';

const examples = readdirSync('examples').filter((f) => f.endsWith('.yaml')).sort();

describe('every example runs with its expectations', () => {
  for (const f of examples) {
    it(f, () => {
      const loaded = loadScenario(`examples/${f}`);
      const result = runScenario(loaded, { record: false });
      const failed = result.expectations.filter((r) => r.status !== 'met');
      expect(failed, `seed ${result.seed}; replay: npx kubelife run examples/${f} --seed ${result.seed}`).toEqual([]);
      expect(result.expectations.length).toBeGreaterThan(0);
    });
  }
});
