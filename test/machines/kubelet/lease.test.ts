import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src/api/objects.ts';
import { Cluster } from '../../../src/sim/cluster.ts';
import { applyFaultPlan } from '../../../src/sim/faults.ts';
import type { RequestEvent } from '../../../src/sim/trace.ts';

const leaseRequests = (c: Cluster) => (c.sim.trace().filter((e) => e.kind === 'request') as RequestEvent[])
  .filter((r) => r.from === 'kubelet/worker-1' && r.path.includes('/leases'));

const nodeReady = (c: Cluster) => (c.sim.store.range('/registry/').kvs.map((kv) => kv.value as unknown as Node).find((o) => o.kind === 'Node' && o.metadata.name === 'worker-1'))
  ?.status?.conditions?.find((x) => x.type === 'Ready')?.status;

describe('the kubelet lease controller retries in virtual time (component-helpers lease/controller.go)', () => {
  it('renews the Lease within maxBackoff (7 s) of etcd coming back after a 20 s outage', () => {
    const c = new Cluster({ seed: 1, kubeProxy: false, nodes: [{ name: 'worker-1' }] });
    applyFaultPlan(c, { faults: [{ kind: 'etcdUnavailable', at: '15s', for: '20s' }] });
    c.sim.runFor(60_000);
    const reqs = leaseRequests(c);
    const inOutage = reqs.filter((r) => r.t >= 15_000 && r.t < 35_000);
    // A failed sync: 5 updates back to back, then GETs backing off 200 ms, 400 ms, ... up to 7 s.
    expect(inOutage.every((r) => r.code === 503)).toBe(true);
    expect(inOutage.filter((r) => r.verb === 'update').length).toBe(5);
    const gets = inOutage.filter((r) => r.verb === 'get').map((r) => r.t);
    const gaps = gets.slice(1).map((t, i) => t - gets[i]!);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(Math.min(200 * 2 ** i, 7000)));
    expect(gaps.every((g) => g < 7000 + 100)).toBe(true);
    const renewed = reqs.find((r) => r.t >= 35_000 && r.verb === 'update' && r.code === 200)!;
    expect(renewed.t - 35_000).toBeLessThanOrEqual(7_100);
    // Then every 10 s again, from the end of that sync.
    const after = reqs.filter((r) => r.t > renewed.t && r.verb === 'update').map((r) => r.t - renewed.t);
    expect(after[0]).toBeGreaterThanOrEqual(10_000);
    expect(after[0]).toBeLessThan(10_100);
  });

  it('keeps the node Ready through two etcd outages (20 s, then 14 s)', () => {
    const c = new Cluster({ seed: 23, kubeProxy: false, nodes: [{ name: 'worker-1' }] });
    applyFaultPlan(c, { faults: [{ kind: 'etcdUnavailable', at: '12500ms', for: '20s' }, { kind: 'etcdUnavailable', at: '33s', for: '14s' }] });
    for (let t = 0; t < 150_000; t += 1000) {
      c.sim.runFor(1000);
      if (c.sim.etcdActor.getSnapshot().matches('serving') && c.sim.clock.now() > 5_000) expect(nodeReady(c), `at ${c.sim.clock.now()} ms`).toBe('True');
    }
    // After each outage the Lease is renewed within maxBackoff (7 s), before the next sync tick would be due.
    const ok = leaseRequests(c).filter((r) => r.verb === 'update' && r.code === 200).map((r) => r.t);
    expect(ok.find((t) => t >= 32_500)! - 32_500).toBeLessThanOrEqual(7_100);
    expect(ok.find((t) => t >= 47_000)! - 47_000).toBeLessThanOrEqual(7_100);
  });
});
