/**
 * Keeps the HTTP benchmark (src/bench/http.ts) from rotting: a tiny run of every case must answer
 * without errors. Asserts nothing about speed: benchmarks are not tests.
 */
import { describe, expect, it } from 'vitest';
import { HTTP_CASES, formatHttpReport, runHttpBench } from '../../src/bench/http.ts';

describe('HTTP benchmark', () => {
  it('runs every case against a live server without errors', async () => {
    const r = await runHttpBench({ pods: 20, connections: [1, 2], amount: 20, warmup: 0 });
    expect(r.rows.map((x) => `${x.case}@${x.connections}`)).toEqual(HTTP_CASES.flatMap((c) => [`${c}@1`, `${c}@2`]));
    for (const row of r.rows) {
      expect(row.requests, row.name).toBeGreaterThan(0);
      expect({ name: row.name, errors: row.errors, non2xx: row.non2xx }).toEqual({ name: row.name, errors: 0, non2xx: 0 });
    }
    expect(r.failed).toBe(false);
    expect(r.podsListed).toBe(20);
    expect(r.podsCreated).toBeGreaterThan(0);
    expect(formatHttpReport(r)).toContain('LIST 20 pods (Table)');
  });

  it('runs with autocannon in a worker thread (create names come from create-request.cjs)', async () => {
    const r = await runHttpBench({ pods: 5, connections: [2], amount: 10, warmup: 0, workers: 1, cases: ['get', 'create'] });
    expect(r.rows.map((x) => [x.case, x.errors, x.non2xx, x.requests > 0])).toEqual([['get', 0, 0, true], ['create', 0, 0, true]]);
    // The preflight create plus at least the 10 measured ones, every name unique.
    expect(r.podsCreated).toBeGreaterThanOrEqual(11);
  });
});
