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
