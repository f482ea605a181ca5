import { describe, expect, it } from 'vitest';
import { Cluster, defaultNodes } from '../../src/index.ts';
import type { KObject, Pod } from '../../src/api/objects.ts';

const waitingOf = (p: Pod | undefined, c = 'app') => p?.status?.containerStatuses?.find((s) => s.name === c)?.state.waiting;
const events = (cluster: Cluster, reason: string) => cluster.sim.list('events', '', 'default').filter((e) => (e as unknown as { reason: string }).reason === reason).map((e) => (e as unknown as { type: string; message: string }).message);

function podWithEnvFrom(env: NonNullable<Pod['spec']['containers'][number]['env']>): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], env }] } } as KObject;
}

describe('container config errors, end to end', () => {
  it('keeps a pod Pending with CreateContainerConfigError until its configMap exists, then runs it', () => {
    const cluster = new Cluster({ seed: 7, nodes: defaultNodes() });
    cluster.apply([podWithEnvFrom([{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } }])]);
    expect(cluster.sim.runUntil(() => waitingOf(cluster.pod('default', 'web'))?.reason === 'CreateContainerConfigError', 60_000)).toBe(true);
    const pod = cluster.pod('default', 'web')!;
    expect(pod.status?.phase).toBe('Pending');
    expect(waitingOf(pod)).toEqual({ reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' });
    expect(events(cluster, 'Failed')).toContain('Error: configmap "app-config" not found');

    // The configMap without the key: a different message at the next sync.
    cluster.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { other: 'x' } } as KObject]);
    expect(cluster.sim.runUntil(() => waitingOf(cluster.pod('default', 'web'))?.message === "couldn't find key mode in ConfigMap default/app-config", 30_000)).toBe(true);
    expect(cluster.pod('default', 'web')!.status?.phase).toBe('Pending');

    const before = cluster.sim.now();
    cluster.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { other: 'x', mode: 'fast' } } as KObject]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Running', 30_000)).toBe(true);
    // Retried at the pod worker's 10 s requeue, not at once.
    expect(cluster.sim.now() - before).toBeLessThanOrEqual(11_000);
    expect(cluster.pod('default', 'web')!.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
  });

  it('skips an optional reference to a missing secret', () => {
    const cluster = new Cluster({ seed: 7, nodes: defaultNodes() });
    cluster.apply([podWithEnvFrom([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'absent', key: 'token', optional: true } } }])]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Running', 60_000)).toBe(true);
  });

  it('refuses to run an image that runs as root under runAsNonRoot', () => {
    const cluster = new Cluster({ seed: 7, nodes: defaultNodes() });
    cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: 'nginx:1.27' }] } } as KObject]);
    expect(cluster.sim.runUntil(() => waitingOf(cluster.pod('default', 'web'))?.reason === 'CreateContainerConfigError', 60_000)).toBe(true);
    const pod = cluster.pod('default', 'web')!;
    expect(waitingOf(pod)?.message).toBe(`container has runAsNonRoot and image will run as root (pod: "web_default(${pod.metadata.uid})", container: app)`);
    expect(pod.status?.phase).toBe('Pending');
  });
});
