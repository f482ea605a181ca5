import { describe, expect, it } from 'vitest';
import type { Container, PodSpec } from '../../../src/api/objects.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import { drive, makePod } from './harness.ts';


const hooked = (postStart: Record<string, unknown>, c: Partial<Container> = {}): Container => ({ name: 'app', image: 'busybox:1.36', lifecycle: { postStart }, ...c });
const HOOK_ERROR = `Exec lifecycle hook ([sh -c exit 3]) for Container "app" in Pod "web_default(uid-1)" failed - error: command 'sh -c exit 3' exited with 3: , message: ""`;

describe('postStart hooks', () => {
  it('hold the container in Waiting and the next container unstarted while the hook runs', () => {
    const pod = makePod({ containers: [hooked({ exec: { command: ['sh', '-c', 'sleep 5'] } }), { name: 'side', image: 'nginx' }] });
    const h = drive(pod);
    h.toContainers();
    h.run(2000);
    h.send({ type: 'container.started', container: 'app', containerID: 'containerd://a' });
    expect(h.container().state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(h.starts('side')).toEqual([]);
    h.run(4999);
    expect(h.starts('side')).toEqual([]);
    h.run(1);
    // Running from when the process started, not from when the hook ended.
    expect(h.container()).toMatchObject({ state: { running: { startedAt: '2026-01-01T00:00:02Z' } }, ready: true, started: true, containerID: 'containerd://a' });
    expect(h.starts('side').map((r) => r.at)).toEqual([7000]);
    h.consistent();
  });

  it('on failure: FailedPostStartHook, the container killed, PostStartHookError, then restarts backing off like a crash', () => {
    const h = drive(makePod({ containers: [hooked({ exec: { command: ['sh', '-c', 'exit 3'] } })] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    expect(h.of('worker.hookFailed')).toMatchObject([{ container: 'app', hook: 'PostStart', at: 0 }]);
    expect(h.of('worker.killContainer')).toMatchObject([{ container: 'app', gracePeriodSeconds: 30, message: 'FailedPostStartHook' }]);
    expect(h.state()).toBe('Pending.creatingContainers.current');
    expect(h.container().state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    h.clock.step(); // SIGTERM: the process exits 143
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'PostStartHookError', message: HOOK_ERROR } }, lastState: { terminated: { exitCode: 143, reason: 'Error', startedAt: '2026-01-01T00:00:00Z' } }, restartCount: 0 });
    expect(h.kubectl()).toBe('PostStartHookError');
    // Waiting with a last termination counts as stopped for getPhase: Running under Always, as for a crash.
    expect(h.status().phase).toBe('Running');
    h.consistent();
    // The first restart is immediate (at the relist); the hook fails again.
    h.run(1000);
    expect(h.starts().map((r) => r.attempt)).toEqual([1, 2]);
    h.send({ type: 'container.started', container: 'app' });
    h.clock.step();
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'PostStartHookError' } }, restartCount: 1 });
    h.run(1000);
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)' } }, restartCount: 1 });
    expect(h.kubectl()).toBe('CrashLoopBackOff');
    h.consistent();
    h.run(10_000);
    expect(h.starts().length).toBe(3);
  });

  it('under restartPolicy Never leaves the killed container Terminated and fails the pod', () => {
    const h = drive(makePod({ restartPolicy: 'Never', containers: [hooked({ exec: { command: ['sh', '-c', 'exit 3'] } })] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.clock.step();
    expect(h.container().state.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    expect(h.state()).toBe('Failed');
    h.consistent();
  });

  it('run the preStop hook on the kill and wait for the process to stop before the next container', () => {
    const c = hooked({ httpGet: { path: '/started', port: 8080 } }, { lifecycle: { postStart: { httpGet: { path: '/started', port: 8080 } }, preStop: { sleep: { seconds: 4 } } } });
    const h = drive(makePod({ containers: [c, { name: 'side', image: 'nginx' }] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    expect(h.container().state.waiting?.reason).toBe('ContainerCreating');
    h.run(3999);
    expect(h.starts('side')).toEqual([]);
    h.run(1);
    expect(h.container().state.waiting).toEqual({ reason: 'PostStartHookError', message: 'HTTP lifecycle hook (/started) for Container "app" in Pod "web_default(uid-1)" failed - error: Get "http://10.244.1.2:8080/started": dial tcp 10.244.1.2:8080: connect: connection refused' });
    expect(h.starts('side').map((r) => r.at)).toEqual([4000]);
  });

  it('is killed on deletion while its hook still runs, and shows Running first', () => {
    const h = drive(makePod({ containers: [hooked({ sleep: { seconds: 60 } })] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(1000);
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    expect(h.of('worker.killContainer')).toMatchObject([{ container: 'app', gracePeriodSeconds: 30 }]);
    h.clock.step();
    expect(h.container().state.terminated).toMatchObject({ exitCode: 143, startedAt: '2026-01-01T00:00:00Z' });
    expect(h.state()).toBe('Failed');
    h.consistent();
  });
});

describe('CreateContainerConfigError', () => {
  it('waits with the message, lets the next container start, and retries at the next sync (10 s)', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'nginx' }] }));
    h.toContainers();
    h.send({ type: 'container.configFailed', container: 'app', attempt: 1, message: 'configmap "app-config" not found' });
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' } }, restartCount: 0 });
    expect(h.kubectl()).toBe('CreateContainerConfigError');
    expect(h.starts('side').length).toBe(1);
    h.send({ type: 'container.started', container: 'side' });
    expect(h.status().phase).toBe('Pending');
    h.run(9999);
    expect(h.starts().length).toBe(1);
    h.run(1);
    expect(h.starts().map((r) => [r.attempt, r.at])).toEqual([[1, 0], [2, 10_000]]);
    h.send({ type: 'container.started', container: 'app', attempt: 2 });
    expect(h.state()).toBe('Running');
    expect(h.container()).toMatchObject({ restartCount: 0, ready: true });
    h.consistent();
  });

  it('keeps a restarted container\'s last termination', () => {
    const h = drive(makePod(), { app: { exitCode: 1, exitAfterMs: 1000 } });
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(2000); // exits at 1 s, restarted at the relist
    h.send({ type: 'container.configFailed', container: 'app', attempt: 2, message: 'secret "db" not found' });
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "db" not found' } }, lastState: { terminated: { exitCode: 1 } } });
    expect(h.status().phase).toBe('Running');
    h.consistent();
  });
});

describe('StartError: the executable does not exist', () => {
  const RUNC = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown';
  const failed = (attempt: number) => ({ type: 'container.startFailed' as const, container: 'app', attempt, message: RUNC, containerID: `containerd://c${attempt}` });

  it('restartPolicy Always: terminated StartError 128 behind RunContainerError, retried as a crash-loop (at once, then 10 s, 20 s)', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'busybox:1.36', command: ['nope'] }] }));
    h.toContainers();
    h.send(failed(1));
    expect(h.container()).toMatchObject({
      state: { waiting: { reason: 'RunContainerError', message: RUNC } },
      lastState: { terminated: { exitCode: 128, reason: 'StartError', message: RUNC, startedAt: '1970-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z' } },
      restartCount: 0, started: false, ready: false, containerID: 'containerd://c1',
    });
    // A waiting container with a last termination counts as stopped: the pod is Running (upstream getPhase).
    expect(h.status().phase).toBe('Running');
    expect(h.kubectl()).toBe('RunContainerError');
    h.consistent();
    h.run(1000); // the relist: the first restart is immediate
    expect(h.starts().map((r) => [r.attempt, r.at])).toEqual([[1, 0], [2, 1000]]);
    h.send(failed(2));
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'RunContainerError' } }, restartCount: 1 });
    h.run(1000);
    expect(h.container().state.waiting).toMatchObject({ reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=web_default(uid-1)' });
    expect(h.kubectl()).toBe('CrashLoopBackOff');
    expect(h.of('worker.backOff').map((r) => r.reason)).toEqual(['CrashLoopBackOff']);
    h.consistent();
    h.run(9000);
    expect(h.starts().map((r) => r.at)).toEqual([0, 1000, 11_000]);
    h.send(failed(3));
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'RunContainerError' } }, lastState: { terminated: { reason: 'StartError', exitCode: 128 } }, restartCount: 2 });
    h.run(1000);
    expect(h.container().state.waiting?.message).toMatch(/^back-off 20s /);
    h.consistent();
    // It never ran: nothing to close in the log, no worker.containerExited.
    expect(h.of('worker.containerExited')).toEqual([]);
  });

  it('restartPolicy Never: the container stays Terminated StartError and the pod fails', () => {
    const h = drive(makePod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox:1.36', command: ['nope'] }] }));
    h.toContainers();
    h.send(failed(1));
    expect(h.container()).toMatchObject({ state: { terminated: { exitCode: 128, reason: 'StartError', message: RUNC } }, restartCount: 0 });
    expect(h.state()).toBe('Failed');
    expect(h.status().phase).toBe('Failed');
    expect(h.kubectl()).toBe('StartError');
    h.consistent();
  });

  it('after a run: a restart that cannot start keeps the crash as its last state until it fails', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'busybox:1.36' }] }), { app: { exitCode: 1, exitAfterMs: 1000 } });
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(2000); // exits at 1 s with 1, restarted at the relist
    h.send(failed(2));
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'RunContainerError' } }, lastState: { terminated: { reason: 'StartError', exitCode: 128 } }, restartCount: 1 });
    h.consistent();
  });

  it('an init container that cannot start under Never fails the pod with Init:StartError', () => {
    const h = drive(makePod({ restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['nope'] }] }));
    h.toContainers();
    h.send({ ...failed(1), container: 'init' });
    expect(h.container('init').state.terminated).toMatchObject({ reason: 'StartError', exitCode: 128 });
    expect(h.status().phase).toBe('Failed');
    expect(h.kubectl()).toBe('Init:StartError');
    h.consistent();
  });
});

describe('OOMKilled', () => {
  const pod = (policy: PodSpec['restartPolicy']) => makePod({ restartPolicy: policy, containers: [{ name: 'app', image: 'busybox', resources: { limits: { memory: '64Mi' } } }] });
  const hog: ContainerBehaviour = { memoryMiB: [{ atMs: 0, mib: 10 }, { atMs: 5000, mib: 100 }] };

  it('kills the process when its memory exceeds the limit: OOMKilled 137, the pod Failed under Never', () => {
    const h = drive(pod('Never'), { app: hog });
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(4999);
    expect(h.state()).toBe('Running');
    h.run(1);
    expect(h.container().state.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:05Z' });
    expect(h.state()).toBe('Failed');
    expect(h.kubectl()).toBe('OOMKilled');
    h.consistent();
  });

  it('restarts under Always and crash-loops with lastState OOMKilled', () => {
    const h = drive(pod('Always'), { app: hog });
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(5000);
    expect(h.kubectl()).toBe('OOMKilled');
    expect(h.status().phase).toBe('Running');
    h.run(1000); // first restart at once
    h.send({ type: 'container.started', container: 'app' });
    h.run(5000);
    h.run(1000);
    expect(h.container()).toMatchObject({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } }, restartCount: 1 });
    expect(h.kubectl()).toBe('CrashLoopBackOff');
    h.consistent();
  });

  it('leaves a process under its limit alone', () => {
    const h = drive(pod('Never'), { app: { memoryMiB: [{ atMs: 0, mib: 64 }] } });
    h.toContainers();
    h.send({ type: 'container.started', container: 'app' });
    h.run(60_000);
    expect(h.state()).toBe('Running');
  });
});
