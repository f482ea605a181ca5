import { describe, expect, it } from 'vitest';
import { Cluster, defaultNodes } from '../../src/sim/cluster.ts';
import type { RequestServed, StoreWrite, WatchDelivery } from '../../src/sim/probe.ts';
import type { Pod } from '../../src/api/objects.ts';

describe('the simulation probe', () => {
  it('sees every write with the request that caused it, requests served, and watch deliveries', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes(), record: false, traceMessages: false });
    const writes: StoreWrite[] = [];
    const requests: RequestServed[] = [];
    const deliveries: WatchDelivery[] = [];
    cluster.sim.probe = { onWrite: (w) => writes.push(w), onRequest: (r) => requests.push(r), onWatchDelivered: (d) => deliveries.push(d) };
    cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } as unknown as Pod]);
    cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Running', 60_000);
    const bind = writes.find((w) => w.key === '/registry/pods/default/web' && w.request?.path.endsWith('/binding'))!;
    expect(bind.request!.from).toBe('kube-scheduler');
    expect(bind.prev?.['spec']).not.toHaveProperty('nodeName');
    expect((bind.next as Pod).spec.nodeName).toMatch(/^worker-/);
    // The scheduler decided on an older world than the one it wrote into.
    expect(bind.request!.sentRevision).toBeLessThan(bind.revision);
    const revs = writes.map((w) => w.revision);
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    const create = requests.find((r) => r.verb === 'create' && r.path === '/api/v1/namespaces/default/pods')!;
    expect(create.code).toBe(201);
    expect(deliveries.some((d) => d.component.startsWith('kubelet/') && d.event.object.metadata?.name === 'web')).toBe(true);
    expect(deliveries.every((d) => d.at >= 0 && d.watchId.startsWith(d.component))).toBe(true);
  });
});
