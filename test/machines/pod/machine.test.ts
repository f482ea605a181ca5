import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { podMachine, podStatusOf, type PodMachineEvent, type WorkerRequest } from '../../../machines/pod/machine.ts';
import { kubectlStatus } from '../../../machines/pod/phase.ts';
import { goDuration } from '../../../machines/pod/containers.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import type { Container, Pod, PodSpec } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';
import { stateString } from '../../../src/sim/actors.ts';

function makePod(spec: Partial<PodSpec> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
  };
}

/** A pod machine on a virtual clock, recording what it asks of the kubelet. */
function drive(pod: Pod, behaviours: Record<string, ContainerBehaviour> = {}) {
  const clock = new VirtualClock();
  const requests: WorkerRequest[] = [];
  const actor = createActor(podMachine, { input: { pod, behaviours, now: () => clock.now() }, clock });
  actor.on('*', (e) => requests.push(e));
  actor.subscribe({ error: (err) => { throw err; } });
  actor.start();
  const h = {
    actor, clock, requests,
    send: (e: PodMachineEvent) => actor.send(e),
    state: () => stateString(actor.getSnapshot().value as never),
    status: () => podStatusOf(actor.getSnapshot()),
    kubectl: () => kubectlStatus({ ...pod, status: podStatusOf(actor.getSnapshot()) }),
    container: (name = 'app') => [...(h.status().initContainerStatuses ?? []), ...(h.status().containerStatuses ?? [])].find((c) => c.name === name)!,
    condition: (type: string) => h.status().conditions?.find((c) => c.type === type)?.status,
    run: (ms: number) => clock.runUntilTime(clock.now() + ms),
    starts: () => requests.filter((r) => r.type === 'worker.startContainer'),
    /** Brings the pod to the point where its containers are being created. */
    toContainers: () => {
      h.send({ type: 'pod.bound', nodeName: 'n1', hostIP: '172.18.0.2' });
      h.send({ type: 'pod.admitted' });
      h.send({ type: 'pod.volumesMounted' });
      h.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });
    },
    toRunning: () => {
      h.toContainers();
      for (const c of pod.spec.containers) h.send({ type: 'container.started', container: c.name });
    },
  };
  return h;
}

describe('the birth of a pod', () => {
  it('walks Pending.unscheduled to Running with the kubelet status at each step', () => {
    const h = drive(makePod());
    expect(h.state()).toBe('Pending.unscheduled');
    h.send({ type: 'pod.bound', nodeName: 'n1', hostIP: '172.18.0.2' });
    expect(h.state()).toBe('Pending.scheduled');
    h.send({ type: 'pod.admitted' });
    expect(h.state()).toBe('Pending.initializing.mountingVolumes');
    expect(h.requests.map((r) => r.type)).toEqual(['worker.mountVolumes']);
    expect(h.status().phase).toBe('Pending');
    expect(h.condition('Initialized')).toBe('True');
    expect(h.condition('PodReadyToStartContainers')).toBe('False');
    expect(h.status().conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    expect(h.container().state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(h.status().hostIP).toBe('172.18.0.2');
    expect(h.kubectl()).toBe('ContainerCreating');

    h.send({ type: 'pod.volumesMounted' });
    expect(h.state()).toBe('Pending.initializing.creatingSandbox');
    h.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });
    expect(h.state()).toBe('Pending.creatingContainers.current');
    expect(h.condition('PodReadyToStartContainers')).toBe('True');
    expect(h.status().podIPs).toEqual([{ ip: '10.244.1.2' }]);
    expect(h.starts()).toEqual([{ type: 'worker.startContainer', pod: 'default/web', uid: 'uid-1', container: 'app', attempt: 1 }]);

    h.send({ type: 'container.started', container: 'app', attempt: 1, containerID: 'containerd://abc', imageID: 'docker.io/library/nginx@sha256:1' });
    expect(h.state()).toBe('Running');
    expect(h.status().phase).toBe('Running');
    expect(h.condition('Ready')).toBe('True');
    expect(h.container()).toMatchObject({ ready: true, started: true, restartCount: 0, containerID: 'containerd://abc', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
    expect(h.kubectl()).toBe('Running');
  });

  it('ignores replies for an attempt that is not the current one', () => {
    const h = drive(makePod());
    h.toContainers();
    h.send({ type: 'container.started', container: 'app', attempt: 7 });
    expect(h.state()).toBe('Pending.creatingContainers.current');
  });

  it('starts containers in order and waits for readiness after a delay', () => {
    const pod = makePod({ containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] });
    const h = drive(pod, { b: { readyAfterMs: 5000 } });
    h.toContainers();
    expect(h.starts().map((r) => r.container)).toEqual(['a']);
    h.send({ type: 'container.started', container: 'a' });
    expect(h.starts().map((r) => r.container)).toEqual(['a', 'b']);
    expect(h.status().phase).toBe('Pending');
    h.send({ type: 'container.started', container: 'b' });
    expect(h.state()).toBe('Running');
    expect(h.condition('Ready')).toBe('False');
    h.run(5000);
    expect(h.condition('Ready')).toBe('True');
  });

  it('runs init containers one at a time before the app', () => {
    const init: Container[] = [{ name: 'setup', image: 'busybox' }];
    const h = drive(makePod({ initContainers: init }));
    h.toContainers();
    expect(h.state()).toBe('Pending.initializing.initContainers.current');
    expect(h.kubectl()).toBe('Init:0/1');
    expect(h.condition('Initialized')).toBe('False');
    h.send({ type: 'container.started', container: 'setup' });
    expect(h.starts().map((r) => r.container)).toEqual(['setup']);
    h.send({ type: 'container.exited', container: 'setup', exitCode: 0 });
    expect(h.state()).toBe('Pending.creatingContainers.current');
    expect(h.container('setup')).toMatchObject({ ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(h.kubectl()).toBe('PodInitializing');
    h.send({ type: 'container.started', container: 'app' });
    expect(h.state()).toBe('Running');
    expect(h.condition('Initialized')).toBe('True');
  });

  it('fails the pod when an init container fails under restartPolicy Never', () => {
    const h = drive(makePod({ restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'busybox' }] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'setup' });
    h.send({ type: 'container.exited', container: 'setup', exitCode: 2 });
    expect(h.state()).toBe('Failed');
    expect(h.kubectl()).toBe('Init:Error');
  });

  it('is rejected by admission into Failed with the reason', () => {
    const h = drive(makePod());
    h.send({ type: 'pod.bound', nodeName: 'n1' });
    h.send({ type: 'pod.rejected', reason: 'OutOfcpu', message: 'Pod was rejected: Node didn\'t have enough resource: cpu, requested: 5000, used: 0, capacity: 4000' });
    expect(h.state()).toBe('Failed');
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.status()).toEqual({ phase: 'Failed', conditions: [], reason: 'OutOfcpu', message: expect.stringContaining('requested: 5000'), startTime: '2026-01-01T00:00:00Z' });
  });
});

describe('container exit and restartPolicy', () => {
  it.each([
    { policy: 'Always', exitCode: 0, state: 'Running', phase: 'Running', restarts: true },
    { policy: 'Always', exitCode: 1, state: 'Running', phase: 'Running', restarts: true },
    { policy: 'OnFailure', exitCode: 0, state: 'Succeeded', phase: 'Succeeded', restarts: false },
    { policy: 'OnFailure', exitCode: 1, state: 'Running', phase: 'Running', restarts: true },
    { policy: 'Never', exitCode: 0, state: 'Succeeded', phase: 'Succeeded', restarts: false },
    { policy: 'Never', exitCode: 1, state: 'Failed', phase: 'Failed', restarts: false },
  ] as const)('under $policy an exit $exitCode leaves the pod $phase', ({ policy, exitCode, state, phase, restarts }) => {
    const h = drive(makePod({ restartPolicy: policy }));
    h.toRunning();
    h.send({ type: 'container.exited', container: 'app', exitCode });
    expect(h.state()).toBe(state);
    expect(h.status().phase).toBe(phase);
    expect(h.container().state.terminated).toMatchObject({ exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
    h.run(1000);
    expect(h.starts().length).toBe(restarts ? 2 : 1);
  });

  it('restarts at once the first time, then backs off 10s, 20s, 40s (CrashLoopBackOff)', () => {
    const h = drive(makePod(), { app: { exitCode: 1, exitAfterMs: 0 } });
    h.toRunning();
    const startTimes: number[] = [];
    let seen = 1;
    for (let i = 0; i < 40 && startTimes.length < 4; i++) {
      h.clock.step();
      if (h.starts().length > seen) {
        seen = h.starts().length;
        startTimes.push(h.clock.now());
        h.send({ type: 'container.started', container: 'app' });
      }
    }
    // Each exit is noticed at the next relist (1 s); the back-off counts from the exit.
    expect(startTimes).toEqual([1000, 11_000, 31_000, 71_000]);
    h.send({ type: 'container.exited', container: 'app', exitCode: 1 }); // by hand; the behaviour's own exit timer is then stale
    h.run(1000);
    expect(h.container()).toMatchObject({ restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app pod=web_default(uid-1)' } } });
    expect(h.container().lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(h.status().phase).toBe('Running');
    expect(h.kubectl()).toBe('CrashLoopBackOff');
    expect(h.requests.filter((r) => r.type === 'worker.backOff').map((r) => (r as { message: string }).message.split(' ')[1])).toEqual(['10s', '20s', '40s', '1m20s']);
  });

  it('ignores an exit for an attempt that has not started', () => {
    const h = drive(makePod(), { app: { exitCode: 1, exitAfterMs: 0 } });
    h.toRunning();
    h.run(1000); // first restart, at once
    h.send({ type: 'container.started', container: 'app', attempt: 2 });
    h.run(1000); // crashed again: CrashLoopBackOff 10s
    h.run(10_000);
    expect(h.starts().length).toBe(3);
    h.send({ type: 'container.exited', container: 'app', exitCode: 0 }); // stale: attempt 3 has not started
    expect(h.starts().length).toBe(3);
  });

  it('restarts at once a container that failed more than 600 s after its last restart', () => {
    const h = drive(makePod(), { app: { exitCode: 1, exitAfterMs: 700_000 } });
    h.toRunning();
    h.run(700_000 + 1000);
    h.send({ type: 'container.started', container: 'app' });
    h.run(700_000 + 1000);
    // Restarted at the relist, not held in CrashLoopBackOff: the old entry expired.
    expect(h.starts().map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(h.container().state.waiting).toBeUndefined();
    expect(h.requests.some((r) => r.type === 'worker.backOff')).toBe(false);
  });

  it('formats durations as Go does', () => {
    expect([0, 812, 1200, 10_000, 80_000, 300_000, 3_600_000].map(goDuration)).toEqual(['0s', '812ms', '1.2s', '10s', '1m20s', '5m0s', '1h0m0s']);
  });
});

describe('image pull failures', () => {
  it('shows ErrImagePull, then ImagePullBackOff, and retries after 10s then 20s', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx:nope' }] }));
    h.toContainers();
    const message = 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:nope"';
    h.send({ type: 'container.pullFailed', container: 'app', attempt: 1, reason: 'ErrImagePull', message });
    expect(h.state()).toBe('Pending.creatingContainers.waiting');
    expect(h.container().state).toEqual({ waiting: { reason: 'ErrImagePull', message } });
    expect(h.status().phase).toBe('Pending');
    h.run(1000);
    expect(h.container().state).toEqual({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:nope"' } });
    expect(h.kubectl()).toBe('ImagePullBackOff');
    h.run(8999);
    expect(h.starts().length).toBe(1);
    h.run(1);
    expect(h.starts().map((r) => r.attempt)).toEqual([1, 2]);
    h.send({ type: 'container.pullFailed', container: 'app', attempt: 2, reason: 'ErrImagePull', message });
    expect(h.container().state.waiting?.reason).toBe('ErrImagePull');
    h.run(19_999);
    expect(h.starts().length).toBe(2);
    h.run(1);
    expect(h.starts().length).toBe(3);
    h.send({ type: 'container.started', container: 'app' });
    expect(h.state()).toBe('Running');
  });
});

describe('volumes and sandbox', () => {
  it('retries a failed mount (FailedMount) while containers stay ContainerCreating', () => {
    const h = drive(makePod());
    h.send({ type: 'pod.bound', nodeName: 'n1' });
    h.send({ type: 'pod.admitted' });
    h.send({ type: 'pod.volumeMountFailed', message: 'MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found' });
    expect(h.state()).toBe('Pending.initializing.mountBackOff');
    expect(h.kubectl()).toBe('ContainerCreating');
    h.run(500);
    expect(h.requests.filter((r) => r.type === 'worker.mountVolumes').length).toBe(2);
    h.send({ type: 'pod.volumeMountFailed', message: 'again' });
    h.run(999);
    expect(h.state()).toBe('Pending.initializing.mountBackOff');
    h.run(1);
    expect(h.state()).toBe('Pending.initializing.mountingVolumes');
  });
});

describe('graceful deletion', () => {
  it('sends SIGTERM and ends Failed with exit 143', () => {
    const h = drive(makePod());
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    expect(h.state()).toBe('Terminating');
    expect(h.requests.at(-1)).toEqual({ type: 'worker.killContainer', pod: 'default/web', uid: 'uid-1', container: 'app', gracePeriodSeconds: 30 });
    h.clock.step();
    expect(h.state()).toBe('Failed');
    expect(h.container().state.terminated).toMatchObject({ exitCode: 143, reason: 'Error' });
    expect(h.condition('Ready')).toBe('False');
    expect(h.condition('PodReadyToStartContainers')).toBe('False');
    expect(h.actor.getSnapshot().output).toEqual(h.status());
  });

  it('kills a process that ignores SIGTERM when the grace period ends (137)', () => {
    const h = drive(makePod(), { app: { ignoresSigterm: true } });
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 5 });
    h.run(4999);
    expect(h.state()).toBe('Terminating');
    h.run(1);
    expect(h.state()).toBe('Failed');
    expect(h.container().state.terminated?.exitCode).toBe(137);
  });

  it('marks a container that never ran as unknown only once the pod had initialized', () => {
    const h = drive(makePod());
    h.toContainers();
    h.send({ type: 'container.pullFailed', container: 'app', reason: 'ErrImagePull', message: 'x' });
    h.send({ type: 'pod.deletionRequested' });
    expect(h.state()).toBe('Failed');
    expect(h.container().state.waiting?.reason).toBe('ErrImagePull');
  });

  it('stops sidecars once the app container finished under Never', () => {
    const h = drive(makePod({ restartPolicy: 'Never', initContainers: [{ name: 'proxy', image: 'nginx', restartPolicy: 'Always' }] }));
    h.toContainers();
    h.send({ type: 'container.started', container: 'proxy' });
    h.send({ type: 'container.started', container: 'app' });
    expect(h.state()).toBe('Running');
    h.send({ type: 'container.exited', container: 'app', exitCode: 0 });
    expect(h.requests.at(-1)).toMatchObject({ type: 'worker.killContainer', container: 'proxy' });
    h.clock.step();
    expect(h.state()).toBe('Succeeded');
  });
});

describe('node loss', () => {
  it('reports Unknown while the node is lost and returns to where it was', () => {
    const h = drive(makePod());
    h.toRunning();
    h.send({ type: 'node.lost' });
    expect(h.state()).toBe('Unknown');
    expect(h.status().phase).toBe('Unknown');
    h.send({ type: 'node.recovered' });
    expect(h.state()).toBe('Running');
  });

  it('resumes a pending pod without restarting what was in flight', () => {
    const h = drive(makePod());
    h.toContainers();
    h.send({ type: 'node.lost' });
    h.send({ type: 'node.recovered' });
    expect(h.state()).toBe('Pending.creatingContainers.current');
    expect(h.starts().length).toBe(1);
    h.send({ type: 'container.started', container: 'app' });
    expect(h.state()).toBe('Running');
  });
});

describe('the graph', () => {
  it('can be walked with plain events (the conformance generator\'s view)', () => {
    const events: PodMachineEvent[] = [
      { type: 'pod.bound', nodeName: 'n1' }, { type: 'pod.admitted' }, { type: 'pod.rejected', reason: 'OutOfcpu', message: 'm' },
      { type: 'pod.volumesMounted' }, { type: 'pod.sandboxReady', podIP: '10.244.1.2' },
      { type: 'container.started', container: 'app' }, { type: 'container.exited', container: 'app', exitCode: 0 },
      { type: 'container.exited', container: 'app', exitCode: 1 }, { type: 'pod.deletionRequested' }, { type: 'node.lost' }, { type: 'node.recovered' },
    ];
    const paths = getShortestPaths(podMachine, { events, input: { pod: makePod({ restartPolicy: 'Never' }) }, serializeState: (s) => JSON.stringify(s.value) });
    const reached = paths.map((p) => stateString(p.state.value as never)).sort();
    expect(reached).toEqual(expect.arrayContaining(['Failed', 'Pending.creatingContainers.current', 'Pending.initializing.mountingVolumes', 'Running', 'Succeeded', 'Terminating', 'Unknown']));
    const toSucceeded = paths.find((p) => p.state.value === 'Succeeded')!;
    expect(toSucceeded.steps.map((st) => st.event.type)).toEqual(['xstate.init', 'pod.bound', 'pod.admitted', 'pod.volumesMounted', 'pod.sandboxReady', 'container.started', 'container.exited']);
  });
});
