import { describe, expect, it } from 'vitest';
import { Cluster, defaultNodes } from '../../src/index.ts';
import type { TraceEvent } from '../../src/index.ts';

describe('the library entry point (README example)', () => {
  it('creates a cluster, applies a pod, runs until Running, and streams the trace', () => {
    const cluster = new Cluster({ seed: 1, nodes: defaultNodes() });
    const seen: TraceEvent[] = [];
    cluster.sim.trace$.subscribe((e) => seen.push(e));
    cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } }]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'nginx')?.status?.phase === 'Running', 30_000)).toBe(true);
    const pod = cluster.pod('default', 'nginx')!;
    expect(pod.spec.nodeName).toMatch(/^worker-\d$/);
    expect(pod.status?.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(seen.some((e) => e.kind === 'k8s-event' && e.reason === 'Started')).toBe(true);
    cluster.delete('Pod', 'default', 'nginx');
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'nginx') === undefined, 60_000)).toBe(true);
  });
});

describe('routing through kube-proxy', () => {
  it('sends a connection to the Service to a ready pod on its target port', async () => {
    const { loadScenario } = await import('../../src/scenario/load.ts');
    const { runScenario } = await import('../../src/scenario/run.ts');
    const { cluster } = runScenario(loadScenario('examples/service.yaml'), { record: false });
    const svc = cluster.sim.get('services', 'default', 'web') as unknown as { spec: { clusterIP: string } };
    const podIPs = cluster.pods('default').filter((p) => p.metadata.labels?.['app'] === 'web').map((p) => p.status?.podIP);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const b = cluster.route('worker-2', svc.spec.clusterIP, 80);
      expect(b?.port).toBe(8080);
      expect(podIPs).toContain(b?.ip);
      seen.add(b!.ip);
    }
    expect(seen.size).toBeGreaterThan(1);
    expect(cluster.route('worker-2', svc.spec.clusterIP, 81)).toBeUndefined();
  });
});
