import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/sim/cluster.ts';
import { COMPACTION_INTERVAL_MS } from '../../src/sim/simulation.ts';

describe('etcd compaction by the API server', () => {
  it('compacts every 5 minutes to the previous tick, and components keep working through it', () => {
    const c = new Cluster({ seed: 3, record: false, nodes: [{ name: 'worker-1' }] });
    c.sim.runFor(COMPACTION_INTERVAL_MS + 1000);
    const firstTick = c.sim.store.compactRevision();
    c.sim.runFor(COMPACTION_INTERVAL_MS);
    expect(c.sim.store.compactRevision()).toBeGreaterThan(firstTick);
    expect(c.sim.store.compactRevision()).toBeLessThan(c.sim.store.revision());
    c.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'nginx:1.27' }] } }]);
    expect(c.sim.runUntil(() => c.pod('default', 'p')?.status?.phase === 'Running', 30_000)).toBe(true);
  });
});
