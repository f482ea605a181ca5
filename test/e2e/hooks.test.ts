import { describe, expect, it } from 'vitest';
import { Cluster, defaultNodes } from '../../src/index.ts';
import type { KObject, Pod } from '../../src/api/objects.ts';

type Ev = { type: string; reason: string; message: string; involvedObject?: { fieldPath?: string } };
const events = (cluster: Cluster) => cluster.sim.list('events', '', 'default') as unknown as Ev[];

function pod(lifecycle: Record<string, unknown>, extra: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], lifecycle }], ...extra } } as KObject;
}

describe('lifecycle hooks, end to end', () => {
  it('a failing postStart hook: FailedPostStartHook, Killing FailedPostStartHook, PostStartHookError, then a back-off', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes() });
    cluster.apply([pod({ postStart: { exec: { command: ['sh', '-c', 'echo nope; exit 2'] } } })]);
    const waiting = () => cluster.pod('default', 'web')?.status?.containerStatuses?.[0]?.state.waiting;
    expect(cluster.sim.runUntil(() => waiting()?.reason === 'PostStartHookError', 60_000)).toBe(true);
    const p = cluster.pod('default', 'web') as Pod;
    expect(waiting()?.message).toBe(`Exec lifecycle hook ([sh -c echo nope; exit 2]) for Container "app" in Pod "web_default(${p.metadata.uid})" failed - error: command 'sh -c echo nope; exit 2' exited with 2: nope\n, message: "nope\\n"`);
    const ev = events(cluster);
    expect(ev.filter((e) => e.reason === 'FailedPostStartHook').map((e) => [e.type, e.message])).toEqual([['Warning', 'PostStartHook failed']]);
    expect(ev.filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual(['FailedPostStartHook']);
    expect(cluster.sim.runUntil(() => waiting()?.reason === 'CrashLoopBackOff', 60_000)).toBe(true);
  });

  it('a failing preStop hook on deletion: FailedPreStopHook, and the pod still goes', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes() });
    cluster.apply([pod({ preStop: { exec: { command: ['sh', '-c', 'exit 1'] } } })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Running', 60_000)).toBe(true);
    cluster.delete('Pod', 'default', 'web');
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web') === undefined, 60_000)).toBe(true);
    const ev = events(cluster);
    expect(ev.filter((e) => e.reason === 'FailedPreStopHook').map((e) => [e.type, e.message, e.involvedObject?.fieldPath])).toEqual([['Warning', 'PreStopHook failed', 'spec.containers{app}']]);
    expect(ev.filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual(['Stopping container app']);
  });

  it('a preStop sleep keeps the pod Terminating for the hook\'s time, inside the grace period', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes() });
    cluster.apply([pod({ preStop: { sleep: { seconds: 8 } } }, { terminationGracePeriodSeconds: 20 })]);
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web')?.status?.phase === 'Running', 60_000)).toBe(true);
    const t0 = cluster.sim.now();
    cluster.delete('Pod', 'default', 'web');
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web') === undefined, 60_000)).toBe(true);
    const took = cluster.sim.now() - t0;
    // `sleep 3600` as PID 1 ignores SIGTERM: SIGKILL 12 s after the hook (the 20 s grace less its 8 s),
    // then the terminal status and the API delete.
    expect(took).toBeGreaterThanOrEqual(20_000);
    expect(took).toBeLessThan(23_000);
  });
});
