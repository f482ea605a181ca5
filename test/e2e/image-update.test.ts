import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/index.ts';
import { Checker } from '../../src/check/checker.ts';
import type { ApiResponse } from '../../machines/client/protocol.ts';
import type { KObject, Pod } from '../../src/api/objects.ts';

type Ev = { kind: string; type: string; reason: string; message: string };
/** The pod's Events in the order they were recorded. */
const events = (cluster: Cluster) => cluster.sim.trace().filter((e) => e.kind === 'k8s-event' && (e as { object?: string }).object === 'Pod/default/web') as unknown as Ev[];

function pod(container: Record<string, unknown>, spec: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'web', ...container }], ...spec } } as KObject;
}

function start(container: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  const cluster = new Cluster({ seed: 7, nodes: [{ name: 'worker-1' }], traceMessages: false });
  const checker = new Checker().attach(cluster);
  cluster.apply([pod(container, spec)]);
  const status = () => cluster.pod('default', 'web')?.status?.containerStatuses?.[0];
  return { cluster, checker, status };
}

/** `kubectl set image pod/web web=<image>`: a patch of spec.containers[*].image. */
function setImage(cluster: Cluster, image: string): ApiResponse[] {
  const current = cluster.pod('default', 'web') as Pod;
  const containers = current.spec.containers.map((c) => (c.name === 'web' ? { ...c, image } : c));
  const responses: ApiResponse[] = [];
  cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers } } as KObject], (_, r) => responses.push(r));
  return responses;
}

describe('a pod\'s image updated in place (computePodActions: containerChanged)', () => {
  it('the API server accepts an image change and refuses any other spec change with upstream\'s 422', () => {
    const { cluster, status } = start({ image: 'nginx:1.27' });
    expect(cluster.sim.runUntil(() => status()?.ready === true, 60_000)).toBe(true);
    const current = cluster.pod('default', 'web') as Pod;
    const responses: ApiResponse[] = [];
    const containers = current.spec.containers.map((c) => ({ ...c, command: ['sleep', '3600'] }));
    cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers } } as KObject], (_, r) => responses.push(r));
    cluster.sim.runUntil(() => responses.length > 0, 10_000);
    expect(responses[0]!.code).toBe(422);
    expect((responses[0]!.body as { message: string }).message).toBe('Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)');
    const ok = setImage(cluster, 'nginx:1.28');
    cluster.sim.runUntil(() => ok.length > 0, 10_000);
    expect(ok[0]!.code).toBe(200);
    expect((cluster.pod('default', 'web') as Pod).spec.containers[0]!.image).toBe('nginx:1.28');
  });

  it('a running nginx is killed with "definition changed", the new image pulled and started: one restart', () => {
    const { cluster, checker, status } = start({ image: 'nginx:1.27' });
    expect(cluster.sim.runUntil(() => status()?.ready === true, 60_000)).toBe(true);
    const before = status()!;
    const responses = setImage(cluster, 'nginx:1.28');
    const restarted = () => status()?.restartCount === 1 && status()?.state.running !== undefined;
    expect(cluster.sim.runUntil(restarted, 60_000)).toBe(true);
    expect(responses[0]?.code).toBe(200);
    const s = status()!;
    expect(s.image).toBe('docker.io/library/nginx:1.28');
    expect(s.imageID).not.toBe(before.imageID);
    expect(s.containerID).not.toBe(before.containerID);
    // nginx quits gracefully on its STOPSIGNAL (SIGQUIT): exit 0.
    expect(s.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const ev = events(cluster).map((e) => `${e.reason}: ${e.message}`);
    const killing = ev.indexOf('Killing: Container web definition changed, will be restarted');
    expect(killing).toBeGreaterThan(0);
    expect(ev.slice(killing).map((l) => l.replace(/ in .*$/, ''))).toEqual([
      'Killing: Container web definition changed, will be restarted',
      'Pulling: Pulling image "nginx:1.28"',
      'Pulled: Successfully pulled image "nginx:1.28"',
      'Created: Created container web',
      'Started: Started container web',
    ]);
    expect(cluster.pod('default', 'web')!.status!.phase).toBe('Running');
    cluster.sim.runUntilTime(cluster.sim.now() + 30_000);
    expect(status()!.restartCount).toBe(1);
    expect(checker.violations).toEqual([]);
  });

  it('an image already on the node: Pulled "already present", no back-off, restartPolicy Never restarts too', () => {
    const { cluster, checker, status } = start({ image: 'nginx:1.27' }, { restartPolicy: 'Never' });
    expect(cluster.sim.runUntil(() => status()?.ready === true, 60_000)).toBe(true);
    setImage(cluster, 'nginx:1.27-alpine');
    expect(cluster.sim.runUntil(() => status()?.restartCount === 1 && status()?.state.running !== undefined, 60_000)).toBe(true);
    setImage(cluster, 'nginx:1.27');
    expect(cluster.sim.runUntil(() => status()?.restartCount === 2 && status()?.state.running !== undefined, 60_000)).toBe(true);
    const ev = events(cluster).map((e) => `${e.reason}: ${e.message}`);
    expect(ev).toContain('Pulled: Container image "nginx:1.27" already present on machine');
    expect(ev.filter((l) => l.startsWith('BackOff'))).toEqual([]);
    expect(cluster.pod('default', 'web')!.status!.phase).toBe('Running');
    expect(checker.violations).toEqual([]);
  });

  it('fixing the image of an ErrImagePull pod starts it at once, without waiting out the back-off', () => {
    const { cluster, checker, status } = start({ image: 'registry.k8s.io/e2e-test-images/no-such-image:1.0' });
    // Let the back-off grow: ErrImagePull, ImagePullBackOff 10 s, 20 s, 40 s.
    expect(cluster.sim.runUntil(() => status()?.state.waiting?.reason === 'ImagePullBackOff', 60_000)).toBe(true);
    cluster.sim.runUntilTime(cluster.sim.now() + 45_000);
    expect(status()?.state.waiting?.reason).toMatch(/ImagePullBackOff|ErrImagePull/);
    const t0 = cluster.sim.now();
    setImage(cluster, 'nginx:1.27');
    expect(cluster.sim.runUntil(() => status()?.state.running !== undefined, 60_000)).toBe(true);
    // The pull itself takes a few seconds; the back-off (at least 20 s by now) does not apply.
    expect(cluster.sim.now() - t0).toBeLessThan(10_000);
    const s = status()!;
    expect(s.image).toBe('docker.io/library/nginx:1.27');
    expect(s.restartCount).toBe(0);
    expect(cluster.pod('default', 'web')!.status!.phase).toBe('Running');
    expect(events(cluster).filter((e) => e.reason === 'Killing')).toEqual([]);
    expect(checker.violations).toEqual([]);
  });

  it('a crash-looping container patched to a working image starts at once: the old back-off does not apply', () => {
    const { cluster, checker, status } = start({ image: 'busybox:1.36', command: ['sh', '-c', 'echo starting; exit 1'] });
    expect(cluster.sim.runUntil(() => status()?.state.waiting?.reason === 'CrashLoopBackOff' && status()!.restartCount >= 3, 120_000)).toBe(true);
    const restarts = status()!.restartCount;
    const t0 = cluster.sim.now();
    setImage(cluster, 'nginx:1.27');
    // The back-off in force is 20 s or more by now; the new definition's start comes within the pull's time.
    expect(cluster.sim.runUntil(() => status()?.restartCount === restarts + 1, 60_000)).toBe(true);
    expect(cluster.sim.now() - t0).toBeLessThan(5_000);
    expect(status()!.image).toBe('docker.io/library/nginx:1.27');
    // The manifest's command still runs (nginx's image has a shell too): it exits 1 again, and backs off afresh.
    expect(cluster.sim.runUntil(() => status()?.state.waiting?.reason === 'CrashLoopBackOff', 60_000)).toBe(true);
    expect(status()!.state.waiting!.message).toMatch(/^back-off 10s restarting failed container=web/);
    // doBackOff under the new key started a fresh 10 s entry at the change: this first crash of the new definition backs off.
    expect(status()!.restartCount).toBe(restarts + 1);
    expect(checker.violations).toEqual([]);
  });

  it('the new run behaves as the new image does: busybox `sleep 3600` patched to an image that has no `sh`', () => {
    const { cluster, checker, status } = start({ image: 'busybox:1.36', command: ['sh', '-c', 'sleep 3600'] }, { terminationGracePeriodSeconds: 5 });
    expect(cluster.sim.runUntil(() => status()?.ready === true, 60_000)).toBe(true);
    setImage(cluster, 'registry.k8s.io/pause:3.10');
    // busybox's PID 1 shell ignores SIGTERM: SIGKILL after the 5 s grace (137); then pause has no
    // `sh`, so the new container cannot start: StartError, RunContainerError, a crash-loop.
    expect(cluster.sim.runUntil(() => status()?.lastState.terminated?.reason === 'StartError', 60_000)).toBe(true);
    const ev = events(cluster).map((e) => `${e.reason}: ${e.message}`);
    expect(ev).toContain('Killing: Container web definition changed, will be restarted');
    expect(ev.some((l) => l.startsWith('Failed: Error: failed to create containerd task') && l.includes('exec: "sh": executable file not found in $PATH'))).toBe(true);
    expect(cluster.sim.runUntil(() => status()?.state.waiting?.reason === 'CrashLoopBackOff', 60_000)).toBe(true);
    expect(checker.violations).toEqual([]);
  });

  it('the new run behaves as the new image does: a busybox shell patched to nginx serves its readiness probe', () => {
    const readinessProbe = { httpGet: { path: '/', port: 80 }, periodSeconds: 1 };
    const { cluster, checker, status } = start({ image: 'busybox:1.36', stdin: true, readinessProbe });
    expect(cluster.sim.runUntil(() => status()?.state.running !== undefined, 60_000)).toBe(true);
    cluster.sim.runUntilTime(cluster.sim.now() + 10_000);
    // Nothing serves port 80 in busybox.
    expect(status()!.ready).toBe(false);
    setImage(cluster, 'nginx:1.27');
    expect(cluster.sim.runUntil(() => status()?.restartCount === 1 && status()?.ready === true, 90_000)).toBe(true);
    // busybox `sh` with stdin ignores SIGTERM: SIGKILL at the end of the default 30 s grace.
    expect(status()!.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    cluster.delete('Pod', 'default', 'web');
    expect(cluster.sim.runUntil(() => cluster.pod('default', 'web') === undefined, 60_000)).toBe(true);
    expect(checker.violations).toEqual([]);
  });
});
