/**
 * Eventually stable reconciliation: a healthy cluster converges and stays; one that cannot says
 * what is pending; a lost node is healed by the node lifecycle and taint-eviction controllers.
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/objects.ts';
import { Checker } from '../../src/check/checker.ts';
import { checkEventuallyStable, pendingReconciliation } from '../../src/check/liveness.ts';
import { Cluster } from '../../src/sim/cluster.ts';

const rs = (replicas: number, cpu = '100m'): KObject => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas, selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: { requests: { cpu } } }] } },
  },
});
const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 80 }] } };

function cluster(seed = 1): Cluster {
  return new Cluster({ seed, nodes: [{ name: 'worker-1' }, { name: 'worker-2' }], record: false, traceMessages: false });
}

describe('pendingReconciliation', () => {
  it('names what is not reconciled yet, and nothing once it is', () => {
    const c = cluster();
    c.apply([svc, rs(2)]);
    c.sim.runFor(3);
    const early = pendingReconciliation(c);
    expect(early.length).toBeGreaterThan(0);
    c.sim.runFor(30_000);
    expect(pendingReconciliation(c)).toEqual([]);
  });

  it('says which pods cannot be placed', () => {
    const c = cluster();
    c.apply([rs(1, '64')]);
    c.sim.runFor(30_000);
    const pending = pendingReconciliation(c);
    expect(pending.some((p) => /ReplicaSet default\/web: pod default\/web-\w+ is not scheduled/.test(p))).toBe(true);
  });
});

describe('checkEventuallyStable', () => {
  it('holds for a healthy cluster, under the checker', () => {
    const c = cluster(2);
    const checker = new Checker().attach(c);
    c.apply([svc, rs(3)]);
    const r = checkEventuallyStable(c, { boundMs: 60_000, stableMs: 30_000 });
    expect(r).toMatchObject({ ok: true, pending: [] });
    expect(r.convergedAt).toBeLessThan(60_000);
    expect(checker.violations).toEqual([]);
  });

  it('fails with the pending list when the desired state cannot be reached', () => {
    const c = cluster();
    c.apply([rs(2, '64')]);
    const r = checkEventuallyStable(c, { boundMs: 30_000, stableMs: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.failure).toBe('never-converged');
    expect(r.pending.join('\n')).toContain('is not scheduled');
  });

  it('heals a lost node: its pods are evicted after tolerationSeconds and run elsewhere', () => {
    const c = cluster(3);
    const checker = new Checker().attach(c);
    c.apply([svc, rs(2)]);
    expect(checkEventuallyStable(c, { boundMs: 60_000, stableMs: 10_000 }).ok).toBe(true);
    const victim = c.pods('default').find((p) => p.spec.nodeName)!.spec.nodeName!;
    c.stopNode(victim);
    c.sim.runFor(20_000);
    expect(pendingReconciliation(c).join('\n')).toContain(`whose kubelet is not running`);
    // Node monitor grace 50 s + tolerationSeconds 300 s + slack.
    const r = checkEventuallyStable(c, { boundMs: 470_000, stableMs: 60_000 });
    expect(r.pending).toEqual([]);
    expect(r.ok).toBe(true);
    expect(c.pods('default').filter((p) => !p.metadata.deletionTimestamp && p.spec.nodeName !== victim)).toHaveLength(2);
    expect(checker.violations).toEqual([]);
  });
});
