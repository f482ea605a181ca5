/**
 * Behaviour from real manifests, through the whole cluster: the same pod means the same thing to
 * kubelife and to a real cluster (docs/BEHAVIOURS.md).
 */
import { describe, expect, it } from 'vitest';
import { Cluster, defaultNodes } from '../../src/index.ts';
import type { KObject, Pod } from '../../src/api/objects.ts';

function pod(name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', ...container }], ...spec } } as KObject;
}

const terminated = (p: Pod | undefined) => p?.status?.containerStatuses?.[0]?.state.terminated;
const logLines = (cluster: Cluster, name: string, previous = false) => cluster.sim.logProvider?.('default', name, 'app', previous)?.map((l) => l.line);

describe('busybox commands, end to end', () => {
  it('sh -c "echo hello; sleep 5; exit 3" with restartPolicy Never ends Failed with exit code 3, and logged hello', () => {
    const cluster = new Cluster({ seed: 11, nodes: defaultNodes() });
    cluster.apply([pod('job', { image: 'busybox:1.36', command: ['sh', '-c', 'echo hello; sleep 5; exit 3'] }, { restartPolicy: 'Never' })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'job')?.status?.phase === 'Failed', 60_000)).toBe(true);
    const p = cluster.pod('default', 'job')!;
    const t = terminated(p)!;
    expect(t).toMatchObject({ exitCode: 3, reason: 'Error' });
    // It ran for the 5 s of its sleep (timestamps are whole seconds).
    expect(Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)).toBe(5000);
    expect(logLines(cluster, 'job')).toEqual(['hello']);
    expect(p.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  it('tail /dev/zero eats memory until the kernel OOM-kills it at its limit: OOMKilled 137 within a second, then restarted', () => {
    const cluster = new Cluster({ seed: 14, nodes: defaultNodes() });
    cluster.apply([pod('hog', { image: 'busybox:1.36', command: ['tail', '/dev/zero'], resources: { limits: { memory: '128Mi' } } })]);
    expect(cluster.sim.runUntil(() => (cluster.pod('default', 'hog')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000)).toBe(true);
    const c = cluster.pod('default', 'hog')!.status!.containerStatuses![0]!;
    expect(c.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
    // Started, then killed at 200 MiB (0.2 s later): within the same second of the timestamps.
    expect(Date.parse(c.lastState.terminated!.finishedAt!) - Date.parse(c.lastState.terminated!.startedAt!)).toBeLessThanOrEqual(1000);
  });

  it('sh -c "sleep 2" with restartPolicy Never ends Succeeded', () => {
    const cluster = new Cluster({ seed: 12, nodes: defaultNodes() });
    cluster.apply([pod('nap', { image: 'busybox', command: ['sh', '-c', 'sleep 2'] }, { restartPolicy: 'Never' })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'nap')?.status?.phase === 'Succeeded', 60_000)).toBe(true);
    expect(terminated(cluster.pod('default', 'nap'))).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(logLines(cluster, 'nap')).toEqual([]);
  });

  it('a logging loop writes a line every period, read lazily by pods/log', () => {
    const cluster = new Cluster({ seed: 13, nodes: defaultNodes() });
    cluster.apply([pod('ticker', { image: 'busybox', command: ['sh', '-c', 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 5; done'] })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'ticker')?.status?.phase === 'Running', 60_000)).toBe(true);
    const startedAt = cluster.sim.now();
    cluster.sim.runUntil(() => cluster.sim.now() >= startedAt + 21_000, 60_000);
    const lines = logLines(cluster, 'ticker')!;
    expect(lines.slice(0, 5)).toEqual(['tick 0', 'tick 1', 'tick 2', 'tick 3', 'tick 4']);
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(lines.length).toBeLessThanOrEqual(6);
  });

  it('busybox without a command exits at once and crash-loops under restartPolicy Always, as on a real node', () => {
    const cluster = new Cluster({ seed: 14, nodes: defaultNodes() });
    cluster.apply([pod('bare', { image: 'busybox:1.36' })]);
    expect(cluster.sim.runUntil(() => (cluster.pod('default', 'bare')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 120_000)).toBe(true);
    const s = cluster.pod('default', 'bare')!.status!.containerStatuses![0]!;
    expect(s.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('a command that is not in the image: "not found" in the log, exit 127', () => {
    const cluster = new Cluster({ seed: 15, nodes: defaultNodes() });
    cluster.apply([pod('typo', { image: 'busybox', command: ['sh', '-c', 'sleeep 1'] }, { restartPolicy: 'Never' })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'typo')?.status?.phase === 'Failed', 60_000)).toBe(true);
    expect(terminated(cluster.pod('default', 'typo'))).toMatchObject({ exitCode: 127 });
    expect(logLines(cluster, 'typo')).toEqual(['sh: sleeep: not found']);
  });
});

describe('an executable that is not in the image, end to end', () => {
  it('command ["nope"]: Created, then Failed "Error: <runc message>" instead of Started; StartError 128 behind RunContainerError', () => {
    const cluster = new Cluster({ seed: 16, nodes: defaultNodes() });
    cluster.apply([pod('nope', { image: 'busybox:1.36', command: ['nope'] })]);
    const waiting = () => cluster.pod('default', 'nope')?.status?.containerStatuses?.[0]?.state.waiting?.reason;
    expect(cluster.sim.runUntil(() => waiting() === 'RunContainerError', 60_000)).toBe(true);
    const s = cluster.pod('default', 'nope')!.status!.containerStatuses![0]!;
    const runc = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown';
    expect(s.state.waiting?.message).toBe(runc);
    expect(s.lastState.terminated).toMatchObject({ exitCode: 128, reason: 'StartError', message: runc, startedAt: '1970-01-01T00:00:00Z' });
    expect(cluster.pod('default', 'nope')!.status!.phase).toBe('Running');
    expect(cluster.sim.runUntil(() => waiting() === 'CrashLoopBackOff', 60_000)).toBe(true);
    const events = cluster.sim.list('events', '', 'default').map((e) => e as unknown as { reason: string; message: string });
    expect(events.some((e) => e.reason === 'Started')).toBe(false);
    expect(events.find((e) => e.reason === 'Failed')?.message).toBe(`Error: ${runc}`);
    expect(events.some((e) => e.reason === 'BackOff')).toBe(true);
    expect(logLines(cluster, 'nope') ?? []).toEqual([]);
  });
});

describe('images that serve, end to end', () => {
  it('nginx with an httpGet readiness probe on port 80 becomes Ready', () => {
    const cluster = new Cluster({ seed: 21, nodes: defaultNodes() });
    cluster.apply([pod('web', { image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 2 } })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, 60_000)).toBe(true);
    expect(logLines(cluster, 'web')?.at(-1)).toBe('/docker-entrypoint.sh: Configuration complete; ready for start up');
  });

  it('a scenario annotation still overrides the image: exit 1 after 3 s', () => {
    const cluster = new Cluster({ seed: 22, nodes: defaultNodes() });
    const p = pod('web', { image: 'nginx:1.27' }, { restartPolicy: 'Never' });
    (p.metadata as { annotations?: Record<string, string> }).annotations = { 'kubelife.io/behaviour.app': '{"exitCode": 1, "exitAfterMs": 3000, "logs": ["bye"]}' };
    cluster.apply([p]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Failed', 60_000)).toBe(true);
    expect(terminated(cluster.pod('default', 'web'))).toMatchObject({ exitCode: 1 });
    expect(logLines(cluster, 'web')).toEqual(['bye']);
  });

  it('agnhost liveness: /healthz turns 500 after 10 s, the liveness probe kills it, and it exits 2 on SIGTERM', () => {
    const cluster = new Cluster({ seed: 31, nodes: defaultNodes() });
    cluster.apply([pod('live', { image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['liveness'], livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 3, periodSeconds: 3 } })]);
    expect(cluster.sim.runUntil(() => (cluster.pod('default', 'live')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 120_000)).toBe(true);
    const s = cluster.pod('default', 'live')!.status!.containerStatuses![0]!;
    expect(s.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    const messages = cluster.sim.list('events', '', 'default').map((e) => (e as unknown as { message: string }).message);
    expect(messages).toContain('Liveness probe failed: HTTP probe failed with statuscode: 500');
  });
});

describe('the Kubernetes docs\' liveness exec example', () => {
  it('touch /tmp/healthy; sleep 30; rm -f /tmp/healthy: the exec probe fails after 30 s and the shell is SIGKILLed after the grace', () => {
    const cluster = new Cluster({ seed: 32, nodes: defaultNodes() });
    cluster.apply([pod('liveness-exec', {
      image: 'registry.k8s.io/busybox',
      args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'],
      livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5 },
    })]);
    expect(cluster.sim.runUntil(() => (cluster.pod('default', 'liveness-exec')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 200_000)).toBe(true);
    const s = cluster.pod('default', 'liveness-exec')!.status!.containerStatuses![0]!;
    // The shell as PID 1 ignores SIGTERM: killed at the end of the 30 s grace.
    expect(s.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    const t = s.lastState.terminated!;
    expect(Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)).toBeGreaterThanOrEqual(60_000);
    const messages = cluster.sim.list('events', '', 'default').map((e) => (e as unknown as { message: string }).message.trim());
    expect(messages).toContain("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory");
  });
});
