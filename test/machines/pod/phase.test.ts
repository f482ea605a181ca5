import { describe, expect, test } from 'vitest';
import {
  getPhase, hasAnyRegularContainerStarted, kubectlReady, kubectlRestarts, kubectlStatus, mergeConditions, nextPhase, podConditions,
  regularContainerRunningOrTerminated,
} from '../../../machines/pod/phase.ts';
import type { Container, ContainerStatus, Pod, PodCondition, PodPhase, PodSpec } from '../../../src/api/objects.ts';

// Fixture builders: container specs and the three container states.
const app = (name: string): Container => ({ name, image: `${name}:1` });
const sidecar = (name: string): Container => ({ name, image: `${name}:1`, restartPolicy: 'Always' });

function spec(containers: string[], opts: { init?: Container[]; restartPolicy?: PodSpec['restartPolicy']; gates?: string[] } = {}): PodSpec {
  const s: PodSpec = { containers: containers.map(app) };
  if (opts.init) s.initContainers = opts.init;
  if (opts.restartPolicy) s.restartPolicy = opts.restartPolicy;
  if (opts.gates) s['readinessGates'] = opts.gates.map((conditionType) => ({ conditionType }));
  return s;
}

function base(name: string, restartCount = 0): Omit<ContainerStatus, 'state' | 'lastState' | 'ready'> {
  return { name, restartCount, image: `${name}:1`, imageID: '' };
}
const running = (name: string, o: { ready?: boolean; started?: boolean; restarts?: number } = {}): ContainerStatus =>
  ({ ...base(name, o.restarts), state: { running: { startedAt: 't' } }, lastState: {}, ready: o.ready ?? true, started: o.started ?? true });
const waiting = (name: string, reason = 'ContainerCreating', o: { lastExit?: number; restarts?: number } = {}): ContainerStatus =>
  ({ ...base(name, o.restarts), state: { waiting: { reason } }, lastState: o.lastExit === undefined ? {} : { terminated: { exitCode: o.lastExit, reason: o.lastExit === 0 ? 'Completed' : 'Error' } }, ready: false, started: false });
const terminated = (name: string, exitCode: number, reason?: string, o: { signal?: number; ready?: boolean } = {}): ContainerStatus =>
  ({ ...base(name), state: { terminated: { exitCode, ...(reason ? { reason } : {}), ...(o.signal ? { signal: o.signal } : {}) } }, lastState: {}, ready: o.ready ?? false, started: false });

describe('getPhase follows the kubelet', () => {
  test.each<{ name: string; spec: PodSpec; init?: ContainerStatus[]; statuses?: ContainerStatus[]; terminal?: boolean; phase: PodPhase }>([
    { name: 'a pod without statuses is pending', spec: spec(['app']), phase: 'Pending' },
    { name: 'a container being created keeps the pod pending', spec: spec(['app']), statuses: [waiting('app')], phase: 'Pending' },
    { name: 'one container waiting for its first start keeps the pod pending even if another runs', spec: spec(['a', 'b']), statuses: [running('a'), waiting('b', 'ErrImagePull')], phase: 'Pending' },
    { name: 'all containers running make the pod running', spec: spec(['a', 'b']), statuses: [running('a'), running('b', { ready: false })], phase: 'Running' },
    { name: 'a crash-looping container leaves the pod running under Always', spec: spec(['app']), statuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Running' },
    { name: 'a crash-looping container leaves the pod running under OnFailure', spec: spec(['app'], { restartPolicy: 'OnFailure' }), statuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Running' },
    { name: 'a crash-looping container next to a running one is running', spec: spec(['a', 'b']), statuses: [running('a'), waiting('b', 'CrashLoopBackOff', { lastExit: 2 })], phase: 'Running' },
    { name: 'exited containers under Always are restarting, so running', spec: spec(['app']), statuses: [terminated('app', 0, 'Completed')], phase: 'Running' },
    { name: 'all succeeded under Never is succeeded', spec: spec(['a', 'b'], { restartPolicy: 'Never' }), statuses: [terminated('a', 0), terminated('b', 0)], phase: 'Succeeded' },
    { name: 'all succeeded under OnFailure is succeeded', spec: spec(['app'], { restartPolicy: 'OnFailure' }), statuses: [terminated('app', 0)], phase: 'Succeeded' },
    { name: 'a failure under Never is failed', spec: spec(['a', 'b'], { restartPolicy: 'Never' }), statuses: [terminated('a', 0), terminated('b', 1, 'Error')], phase: 'Failed' },
    { name: 'a failure under OnFailure is running while it restarts', spec: spec(['app'], { restartPolicy: 'OnFailure' }), statuses: [terminated('app', 1, 'Error')], phase: 'Running' },
    { name: 'one running and one finished container is running', spec: spec(['a', 'b'], { restartPolicy: 'Never' }), statuses: [running('a'), terminated('b', 0)], phase: 'Running' },
    { name: 'a container without status keeps a running pod pending', spec: spec(['a', 'b']), statuses: [running('a')], phase: 'Pending' },
    { name: 'a running init container keeps the pod pending', spec: spec(['app'], { init: [app('init')] }), init: [running('init')], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'an init container that has not started keeps the pod pending', spec: spec(['app'], { init: [app('i1'), app('i2')] }), init: [terminated('i1', 0, 'Completed'), waiting('i2', 'PodInitializing')], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a failed init container under Never fails the pod', spec: spec(['app'], { init: [app('init')], restartPolicy: 'Never' }), init: [terminated('init', 1, 'Error')], statuses: [waiting('app', 'PodInitializing')], phase: 'Failed' },
    { name: 'a failed init container under OnFailure is retried, so pending', spec: spec(['app'], { init: [app('init')], restartPolicy: 'OnFailure' }), init: [terminated('init', 1, 'Error')], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a crash-looping init container under Always is pending', spec: spec(['app'], { init: [app('init')] }), init: [waiting('init', 'CrashLoopBackOff', { lastExit: 1 })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a crash-looping init container under Never fails the pod', spec: spec(['app'], { init: [app('init')], restartPolicy: 'Never' }), init: [waiting('init', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Failed' },
    { name: 'completed init containers and running apps are running', spec: spec(['app'], { init: [app('init')] }), init: [terminated('init', 0, 'Completed', { ready: true })], statuses: [running('app')], phase: 'Running' },
    { name: 'a sidecar that has not started keeps the pod pending', spec: spec(['app'], { init: [sidecar('proxy')] }), init: [running('proxy', { started: false, ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a started sidecar and a running app are running', spec: spec(['app'], { init: [sidecar('proxy')] }), init: [running('proxy')], statuses: [running('app')], phase: 'Running' },
    { name: 'a sidecar restarting after the app started does not send the pod back to pending', spec: spec(['app'], { init: [sidecar('proxy')] }), init: [running('proxy', { started: false })], statuses: [running('app')], phase: 'Running' },
    { name: 'a sidecar still running after the job container succeeded keeps the pod running', spec: spec(['job'], { init: [sidecar('proxy')], restartPolicy: 'Never' }), init: [running('proxy')], statuses: [terminated('job', 0, 'Completed')], phase: 'Running' },
    { name: 'a stopped sidecar does not count once the job container succeeded', spec: spec(['job'], { init: [sidecar('proxy')], restartPolicy: 'Never' }), init: [terminated('proxy', 137, 'Error')], statuses: [terminated('job', 0, 'Completed')], phase: 'Succeeded' },
    { name: 'a sidecar without status is unknown, so pending', spec: spec(['app'], { init: [sidecar('proxy')] }), statuses: [running('app')], phase: 'Pending' },
    { name: 'a terminal pod whose containers succeeded is succeeded whatever the policy', spec: spec(['app']), statuses: [terminated('app', 0, 'Completed')], terminal: true, phase: 'Succeeded' },
    { name: 'a terminal pod whose container was killed is failed whatever the policy', spec: spec(['app'], { restartPolicy: 'OnFailure' }), statuses: [terminated('app', 137, 'Error')], terminal: true, phase: 'Failed' },
    { name: 'a terminal pod still running is running', spec: spec(['app']), statuses: [running('app')], terminal: true, phase: 'Running' },
  ])('$name', ({ spec: s, init, statuses, terminal, phase }) => {
    expect(getPhase(s, init, statuses, terminal ?? false)).toBe(phase);
  });

  test.each([
    { api: 'Failed' as const, computed: 'Running' as const, next: 'Failed' },
    { api: 'Succeeded' as const, computed: 'Pending' as const, next: 'Succeeded' },
    { api: 'Running' as const, computed: 'Failed' as const, next: 'Failed' },
    { api: undefined, computed: 'Pending' as const, next: 'Pending' },
  ])('a pod the API shows $api stays $next when the kubelet computes $computed', ({ api, computed, next }) => {
    expect(nextPhase(api, computed)).toBe(next);
  });

  test('a crash-looping container counts as having started', () => {
    expect(hasAnyRegularContainerStarted(spec(['app']), [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })])).toBe(true);
    expect(hasAnyRegularContainerStarted(spec(['app']), [waiting('app')])).toBe(false);
  });
});

// getPhase's 1.32 rule for pods whose initialization runs again or is still going while app
// containers have (or have not) run: pendingInitialization counts regular init containers and
// sidecars together and only holds the pod Pending until a regular container is running or
// terminated (kubecontainer.HasAnyRegularContainerStarted), and a waiting sidecar or app
// container that never ran always does.
describe('getPhase: sidecars and init containers running again (1.32)', () => {
  const withInit = (init: Container[], restartPolicy?: PodSpec['restartPolicy'], containers = ['app']) => spec(containers, { init, ...(restartPolicy ? { restartPolicy } : {}) });
  test.each<{ name: string; spec: PodSpec; init?: ContainerStatus[]; statuses?: ContainerStatus[]; terminal?: boolean; phase: PodPhase }>([
    // Init containers re-run after the sandbox is recreated.
    { name: 'an init container running again beside an exited app container leaves the pod Running under Always', spec: withInit([app('init')]), init: [running('init', { ready: false })], statuses: [terminated('app', 137, 'Error')], phase: 'Running' },
    { name: 'an init container running again beside an app that succeeded is Succeeded under OnFailure', spec: withInit([app('init')], 'OnFailure'), init: [running('init', { ready: false })], statuses: [terminated('app', 0, 'Completed')], phase: 'Succeeded' },
    { name: 'an init container running again beside a failed app is Failed under Never', spec: withInit([app('init')], 'Never'), init: [running('init', { ready: false })], statuses: [terminated('app', 1, 'Error')], phase: 'Failed' },
    { name: 'an init container waiting to run again beside a running app leaves the pod Running', spec: withInit([app('init')]), init: [waiting('init', 'PodInitializing')], statuses: [running('app')], phase: 'Running' },
    { name: 'an init container running again beside a crash-looping app is Pending (the app is not running or terminated)', spec: withInit([app('init')]), init: [running('init', { ready: false })], statuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Pending' },
    { name: 'the second of two init containers still to run keeps a fresh pod Pending', spec: withInit([app('i1'), app('i2')]), init: [terminated('i1', 0, 'Completed', { ready: true }), running('i2', { ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'an init container that failed before and waits to retry under Always keeps a fresh pod Pending through the app', spec: withInit([app('init')]), init: [waiting('init', 'CrashLoopBackOff', { lastExit: 2 })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'an init container that succeeded before and waits again is neither pending nor failed', spec: withInit([app('init')]), init: [waiting('init', 'PodInitializing', { lastExit: 0 })], statuses: [running('app')], phase: 'Running' },
    // Sidecars.
    { name: 'a sidecar waiting for its first start keeps the pod Pending', spec: withInit([sidecar('proxy')]), init: [waiting('proxy', 'ContainerCreating')], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a sidecar waiting for its first start keeps the pod Pending even once the app runs', spec: withInit([sidecar('proxy')]), init: [waiting('proxy', 'ErrImagePull')], statuses: [running('app')], phase: 'Pending' },
    { name: 'a crash-looping sidecar does not decide the phase', spec: withInit([sidecar('proxy')]), init: [waiting('proxy', 'CrashLoopBackOff', { lastExit: 1 })], statuses: [running('app')], phase: 'Running' },
    { name: 'a terminated sidecar does not decide the phase', spec: withInit([sidecar('proxy')]), init: [terminated('proxy', 1, 'Error')], statuses: [running('app')], phase: 'Running' },
    { name: 'a sidecar running but not started beside a running app is Running', spec: withInit([sidecar('proxy')]), init: [running('proxy', { started: false, ready: false })], statuses: [running('app')], phase: 'Running' },
    { name: 'a sidecar running but not started beside a crash-looping app is Pending in 1.32', spec: withInit([sidecar('proxy')]), init: [running('proxy', { started: false, ready: false })], statuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Pending' },
    { name: 'a started sidecar beside a crash-looping app is Running', spec: withInit([sidecar('proxy')]), init: [running('proxy')], statuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })], phase: 'Running' },
    { name: 'a started sidecar beside a job container that succeeded is still Running under Never', spec: withInit([sidecar('proxy')], 'Never'), init: [running('proxy')], statuses: [terminated('app', 0, 'Completed')], phase: 'Running' },
    { name: 'a sidecar stopped by the kubelet after the job succeeded leaves the pod Succeeded under Never', spec: withInit([sidecar('proxy')], 'Never'), init: [terminated('proxy', 143, 'Error')], statuses: [terminated('app', 0, 'Completed')], phase: 'Succeeded' },
    { name: 'a sidecar stopped after the job failed leaves the pod Failed under Never', spec: withInit([sidecar('proxy')], 'Never'), init: [terminated('proxy', 0, 'Completed')], statuses: [terminated('app', 1, 'Error')], phase: 'Failed' },
    { name: 'one started and one starting sidecar keep a fresh pod Pending', spec: withInit([sidecar('a'), sidecar('b')]), init: [running('a'), running('b', { started: false, ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a sidecar then a regular init container: the init container running keeps the pod Pending', spec: withInit([sidecar('proxy'), app('migrate')]), init: [running('proxy'), running('migrate', { ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending' },
    { name: 'a sidecar without status is unknown even when the app ran', spec: withInit([sidecar('proxy')], 'Never'), statuses: [terminated('app', 0, 'Completed')], phase: 'Pending' },
    { name: 'a failed regular init container after a sidecar fails the pod under Never', spec: withInit([sidecar('proxy'), app('migrate')], 'Never'), init: [running('proxy'), terminated('migrate', 1, 'Error')], statuses: [waiting('app', 'PodInitializing')], phase: 'Failed' },
    { name: 'a terminal pod with a stopped sidecar and a killed app is Failed', spec: withInit([sidecar('proxy')]), init: [terminated('proxy', 137, 'Error')], statuses: [terminated('app', 137, 'Error')], terminal: true, phase: 'Failed' },
  ])('$name', ({ spec: s, init, statuses, terminal, phase }) => {
    expect(getPhase(s, init, statuses, terminal ?? false)).toBe(phase);
  });

  test('upstream HasAnyRegularContainerStarted: only a running or terminated state counts', () => {
    expect(regularContainerRunningOrTerminated(spec(['app']), [running('app')])).toBe(true);
    expect(regularContainerRunningOrTerminated(spec(['app']), [terminated('app', 1)])).toBe(true);
    expect(regularContainerRunningOrTerminated(spec(['app']), [waiting('app', 'CrashLoopBackOff', { lastExit: 1 })])).toBe(false);
    expect(regularContainerRunningOrTerminated(spec(['app'], { init: [app('init')] }), [running('init')])).toBe(false);
  });
});

const cond = (type: string, status: boolean, reason?: string, message?: string): PodCondition => ({
  type, status: status ? 'True' : 'False', ...(reason ? { reason } : {}), ...(message ? { message } : {}),
});
const byType = (cs: PodCondition[], type: string) => cs.find((c) => c.type === type);

describe('pod conditions follow status/generate.go', () => {
  test.each<{ name: string; spec: PodSpec; init?: ContainerStatus[]; statuses?: ContainerStatus[]; phase: PodPhase; existing?: PodCondition[]; expected: Record<string, PodCondition> }>([
    {
      name: 'a pod without init containers is initialized before anything runs',
      spec: spec(['app']), phase: 'Pending',
      expected: { Initialized: cond('Initialized', true), ContainersReady: cond('ContainersReady', false, 'UnknownContainerStatuses'), Ready: cond('Ready', false, 'UnknownContainerStatuses') },
    },
    {
      name: 'an unready container names itself',
      spec: spec(['app']), statuses: [waiting('app')], phase: 'Pending',
      expected: { ContainersReady: cond('ContainersReady', false, 'ContainersNotReady', 'containers with unready status: [app]'), Ready: cond('Ready', false, 'ContainersNotReady', 'containers with unready status: [app]') },
    },
    {
      name: 'unknown containers are listed before unready ones',
      spec: spec(['a', 'b']), statuses: [running('a', { ready: false })], phase: 'Pending',
      expected: { ContainersReady: cond('ContainersReady', false, 'ContainersNotReady', 'containers with unknown status: [b], containers with unready status: [a]') },
    },
    {
      name: 'sidecars count for readiness and come first',
      spec: spec(['app'], { init: [sidecar('proxy')] }), init: [running('proxy', { ready: false })], statuses: [running('app', { ready: false })], phase: 'Running',
      expected: { ContainersReady: cond('ContainersReady', false, 'ContainersNotReady', 'containers with unready status: [proxy app]') },
    },
    {
      name: 'an incomplete init container keeps the pod uninitialized',
      spec: spec(['app'], { init: [app('init')] }), init: [running('init', { ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending',
      expected: { Initialized: cond('Initialized', false, 'ContainersNotInitialized', 'containers with incomplete status: [init]') },
    },
    {
      name: 'an init container without status is unknown',
      spec: spec(['app'], { init: [app('i1'), app('i2')] }), init: [terminated('i1', 0, 'Completed', { ready: true })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending',
      expected: { Initialized: cond('Initialized', false, 'ContainersNotInitialized', 'containers with unknown status: [i2]') },
    },
    {
      name: 'a sidecar must have started to initialize the pod',
      spec: spec(['app'], { init: [sidecar('proxy')] }), init: [running('proxy', { started: false, ready: false })], statuses: [waiting('app', 'PodInitializing')], phase: 'Pending',
      expected: { Initialized: cond('Initialized', false, 'ContainersNotInitialized', 'containers with incomplete status: [proxy]') },
    },
    {
      name: 'no statuses at all with init containers are unknown',
      spec: spec(['app'], { init: [app('init')] }), phase: 'Pending',
      expected: { Initialized: cond('Initialized', false, 'UnknownContainerStatuses') },
    },
    {
      name: 'a ready pod is ready',
      spec: spec(['app']), statuses: [running('app')], phase: 'Running',
      expected: { Initialized: cond('Initialized', true), ContainersReady: cond('ContainersReady', true), Ready: cond('Ready', true) },
    },
    {
      name: 'a succeeded pod is completed',
      spec: spec(['app'], { init: [app('init')], restartPolicy: 'Never' }), init: [terminated('init', 0, 'Completed')], statuses: [terminated('app', 0, 'Completed')], phase: 'Succeeded',
      expected: { Initialized: cond('Initialized', true, 'PodCompleted'), ContainersReady: cond('ContainersReady', false, 'PodCompleted'), Ready: cond('Ready', false, 'PodCompleted') },
    },
    {
      name: 'a failed pod is not ready even while containers stop',
      spec: spec(['app']), statuses: [running('app')], phase: 'Failed',
      expected: { ContainersReady: cond('ContainersReady', false, 'PodFailed'), Ready: cond('Ready', false, 'PodFailed') },
    },
    {
      name: 'a missing readiness gate condition keeps the pod unready',
      spec: spec(['app'], { gates: ['example.com/lb'] }), statuses: [running('app')], phase: 'Running',
      expected: { ContainersReady: cond('ContainersReady', true), Ready: cond('Ready', false, 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.') },
    },
    {
      name: 'a false readiness gate keeps the pod unready',
      spec: spec(['app'], { gates: ['example.com/lb'] }), statuses: [running('app')], phase: 'Running', existing: [cond('example.com/lb', false)],
      expected: { Ready: cond('Ready', false, 'ReadinessGatesNotReady', 'the status of pod readiness gate "example.com/lb" is not "True", but False') },
    },
    {
      name: 'a true readiness gate lets the pod be ready',
      spec: spec(['app'], { gates: ['example.com/lb'] }), statuses: [running('app')], phase: 'Running', existing: [cond('example.com/lb', true)],
      expected: { Ready: cond('Ready', true) },
    },
  ])('$name', ({ spec: s, init, statuses, phase, existing, expected }) => {
    const cs = podConditions({ spec: s, initStatuses: init, statuses, phase, sandboxReady: true, conditions: existing });
    for (const [type, c] of Object.entries(expected)) expect(byType(cs, type), type).toEqual(c);
  });

  test('conditions come in the kubelet order and foreign ones are kept', () => {
    const cs = podConditions({
      spec: spec(['app']), statuses: [running('app')], phase: 'Running', sandboxReady: false,
      conditions: [cond('DisruptionTarget', true, 'DeletionByTaintManager'), cond('Ready', false, 'Old')],
    });
    expect(cs.map((c) => c.type)).toEqual(['DisruptionTarget', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    expect(byType(cs, 'PodReadyToStartContainers')).toEqual(cond('PodReadyToStartContainers', false));
    expect(byType(cs, 'DisruptionTarget')?.reason).toBe('DeletionByTaintManager');
  });

  test('a transition time only moves when the status flips', () => {
    const before = mergeConditions(undefined, [cond('Ready', false), cond('Initialized', true)], 't1');
    const after = mergeConditions(before, [cond('Ready', true), cond('Initialized', true)], 't2');
    expect(after).toEqual([
      { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: 't2' },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: 't1' },
    ]);
  });
});

/** A pod for the kubectl columns. */
function pod(s: PodSpec, status: Pod['status'], meta: Partial<Pod['metadata']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...meta }, spec: s, ...(status ? { status } : {}) };
}
const readyTrue = [cond('Initialized', true), cond('Ready', true)];

describe('kubectl get pods columns', () => {
  test.each<{ name: string; pod: Pod; status: string; ready: string; restarts?: string }>([
    { name: 'an unscheduled pod shows its phase', pod: pod(spec(['app']), { phase: 'Pending' }), status: 'Pending', ready: '0/1' },
    { name: 'a pod without status shows nothing', pod: pod(spec(['app']), undefined), status: '', ready: '0/1' },
    { name: 'a container being created shows ContainerCreating', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app')] }), status: 'ContainerCreating', ready: '0/1' },
    { name: 'a ready pod is Running', pod: pod(spec(['app']), { phase: 'Running', conditions: readyTrue, containerStatuses: [running('app')] }), status: 'Running', ready: '1/1' },
    { name: 'an unready running container is Running but not counted ready', pod: pod(spec(['a', 'b']), { phase: 'Running', containerStatuses: [running('a'), running('b', { ready: false })] }), status: 'Running', ready: '1/2' },
    { name: 'a crash loop shows CrashLoopBackOff and its restarts', pod: pod(spec(['app']), { phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 1, restarts: 4 })] }), status: 'CrashLoopBackOff', ready: '0/1', restarts: '4' },
    { name: 'a failed pull shows ErrImagePull', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull')] }), status: 'ErrImagePull', ready: '0/1' },
    { name: 'pull back-off shows ImagePullBackOff', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] }), status: 'ImagePullBackOff', ready: '0/1' },
    { name: 'a finished job pod is Completed', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] }), status: 'Completed', ready: '0/1' },
    { name: 'a failed container shows Error', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Failed', containerStatuses: [terminated('app', 1, 'Error')] }), status: 'Error', ready: '0/1' },
    { name: 'a kill without reason shows the signal', pod: pod(spec(['app']), { phase: 'Failed', containerStatuses: [terminated('app', 137, undefined, { signal: 9 })] }), status: 'Signal:9', ready: '0/1' },
    { name: 'an exit without reason shows the exit code', pod: pod(spec(['app']), { phase: 'Failed', containerStatuses: [terminated('app', 2)] }), status: 'ExitCode:2', ready: '0/1' },
    { name: 'the last container with a reason wins', pod: pod(spec(['a', 'b']), { phase: 'Pending', containerStatuses: [waiting('a', 'ErrImagePull'), waiting('b', 'ContainerCreating')] }), status: 'ErrImagePull', ready: '0/2' },
    { name: 'a completed container next to a ready running one shows Running', pod: pod(spec(['a', 'b']), { phase: 'Running', conditions: readyTrue, containerStatuses: [terminated('a', 0, 'Completed'), running('b')] }), status: 'Running', ready: '1/2' },
    { name: 'a completed container next to a running one in an unready pod shows NotReady', pod: pod(spec(['a', 'b']), { phase: 'Running', containerStatuses: [terminated('a', 0, 'Completed'), running('b')] }), status: 'NotReady', ready: '1/2' },
    { name: 'the first init container running shows Init:0/2', pod: pod(spec(['app'], { init: [app('i1'), app('i2')] }), { phase: 'Pending', initContainerStatuses: [running('i1', { ready: false }), waiting('i2', 'PodInitializing')], containerStatuses: [waiting('app', 'PodInitializing')] }), status: 'Init:0/2', ready: '0/1' },
    { name: 'the second init container running shows Init:1/2', pod: pod(spec(['app'], { init: [app('i1'), app('i2')] }), { phase: 'Pending', initContainerStatuses: [terminated('i1', 0, 'Completed'), running('i2', { ready: false })], containerStatuses: [waiting('app', 'PodInitializing')] }), status: 'Init:1/2', ready: '0/1' },
    { name: 'a crash-looping init container shows Init:CrashLoopBackOff and its restarts', pod: pod(spec(['app'], { init: [app('init')] }), { phase: 'Pending', initContainerStatuses: [waiting('init', 'CrashLoopBackOff', { lastExit: 1, restarts: 3 })], containerStatuses: [waiting('app', 'PodInitializing')] }), status: 'Init:CrashLoopBackOff', ready: '0/1', restarts: '3' },
    { name: 'a failed init container shows Init:Error', pod: pod(spec(['app'], { init: [app('init')], restartPolicy: 'Never' }), { phase: 'Failed', initContainerStatuses: [terminated('init', 1, 'Error')], containerStatuses: [waiting('app', 'PodInitializing')] }), status: 'Init:Error', ready: '0/1' },
    { name: 'an init exit without reason shows Init:ExitCode', pod: pod(spec(['app'], { init: [app('init')] }), { phase: 'Pending', initContainerStatuses: [terminated('init', 3)] }), status: 'Init:ExitCode:3', ready: '0/1' },
    { name: 'a started ready sidecar counts in READY', pod: pod(spec(['app'], { init: [sidecar('proxy')] }), { phase: 'Running', conditions: readyTrue, initContainerStatuses: [running('proxy', { restarts: 1 })], containerStatuses: [running('app', { restarts: 2 })] }), status: 'Running', ready: '2/2', restarts: '3' },
    { name: 'a sidecar that has not started keeps the pod initializing', pod: pod(spec(['app'], { init: [sidecar('proxy')] }), { phase: 'Pending', initContainerStatuses: [running('proxy', { started: false, ready: false })], containerStatuses: [waiting('app', 'PodInitializing')] }), status: 'Init:0/1', ready: '0/2' },
    { name: 'regular init restarts are not counted once initialized', pod: pod(spec(['app'], { init: [app('init')] }), { phase: 'Running', conditions: readyTrue, initContainerStatuses: [{ ...terminated('init', 0, 'Completed'), restartCount: 2 }], containerStatuses: [running('app', { restarts: 1 })] }), status: 'Running', ready: '1/1', restarts: '1' },
    { name: 'a deleted pod is Terminating', pod: pod(spec(['app']), { phase: 'Running', containerStatuses: [running('app')] }, { deletionTimestamp: 't' }), status: 'Terminating', ready: '1/1' },
    { name: 'a deleted pod on a lost node is Unknown', pod: pod(spec(['app']), { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] }, { deletionTimestamp: 't' }), status: 'Unknown', ready: '1/1' },
    { name: 'a deleted pod that already finished keeps its status', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] }, { deletionTimestamp: 't' }), status: 'Completed', ready: '0/1' },
    { name: 'the pod reason overrides the phase', pod: pod(spec(['app']), { phase: 'Failed', reason: 'Evicted' }), status: 'Evicted', ready: '0/1' },
    { name: 'a scheduling-gated pod says so', pod: pod(spec(['app']), { phase: 'Pending', conditions: [cond('PodScheduled', false, 'SchedulingGated')] }), status: 'SchedulingGated', ready: '0/1' },
  ])('$name', ({ pod: p, status, ready, restarts }) => {
    expect(kubectlStatus(p)).toBe(status);
    expect(kubectlReady(p)).toBe(ready);
    expect(kubectlRestarts(p)).toBe(restarts ?? '0');
  });
});

// kubectl 1.32 printPod (pkg/printers/internalversion/printers.go): what STATUS shows at each
// step of a pod's life, one row per reason kubelife produces.
describe('kubectl STATUS through the lifecycle (printPod, 1.32)', () => {
  const initialized = [cond('Initialized', true)];
  const oneInit = (restartPolicy?: PodSpec['restartPolicy']) => spec(['app'], { init: [app('init')], ...(restartPolicy ? { restartPolicy } : {}) });
  const rejected = (reason: string, message: string): Pod['status'] => ({ phase: 'Failed', reason, message: `Pod was rejected: ${message}`, startTime: 't' });
  test.each<{ status: string; pod: Pod }>([
    { status: 'Init:0/1', pod: pod(oneInit(), { phase: 'Pending', initContainerStatuses: [running('init', { ready: false })], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'Init:0/1', pod: pod(oneInit(), { phase: 'Pending', initContainerStatuses: [waiting('init', 'PodInitializing')], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'Init:ErrImagePull', pod: pod(oneInit(), { phase: 'Pending', initContainerStatuses: [waiting('init', 'ErrImagePull')], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'Init:Error', pod: pod(oneInit('Never'), { phase: 'Failed', initContainerStatuses: [terminated('init', 1, 'Error')], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'Init:CrashLoopBackOff', pod: pod(oneInit(), { phase: 'Pending', initContainerStatuses: [waiting('init', 'CrashLoopBackOff', { lastExit: 1, restarts: 2 })], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'Init:OOMKilled', pod: pod(oneInit('Never'), { phase: 'Failed', initContainerStatuses: [terminated('init', 137, 'OOMKilled')], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'PodInitializing', pod: pod(oneInit(), { phase: 'Pending', conditions: initialized, initContainerStatuses: [terminated('init', 0, 'Completed', { ready: true })], containerStatuses: [waiting('app', 'PodInitializing')] }) },
    { status: 'ContainerCreating', pod: pod(spec(['app']), { phase: 'Pending', conditions: initialized, containerStatuses: [waiting('app', 'ContainerCreating')] }) },
    { status: 'ErrImagePull', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImagePull')] }) },
    { status: 'ImagePullBackOff', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] }) },
    { status: 'ErrImageNeverPull', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ErrImageNeverPull')] }) },
    { status: 'CreateContainerConfigError', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'CreateContainerConfigError')] }) },
    { status: 'CrashLoopBackOff', pod: pod(spec(['app']), { phase: 'Running', containerStatuses: [waiting('app', 'CrashLoopBackOff', { lastExit: 137, restarts: 3 })] }) },
    { status: 'OOMKilled', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Failed', containerStatuses: [terminated('app', 137, 'OOMKilled')] }) },
    { status: 'OOMKilled', pod: pod(spec(['app']), { phase: 'Running', containerStatuses: [terminated('app', 137, 'OOMKilled')] }) },
    { status: 'Completed', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Succeeded', containerStatuses: [terminated('app', 0, 'Completed')] }) },
    { status: 'Error', pod: pod(spec(['app'], { restartPolicy: 'Never' }), { phase: 'Failed', containerStatuses: [terminated('app', 1, 'Error')] }) },
    { status: 'Running', pod: pod(spec(['app']), { phase: 'Running', conditions: readyTrue, containerStatuses: [running('app')] }) },
    { status: 'Terminating', pod: pod(spec(['app']), { phase: 'Running', containerStatuses: [running('app')] }, { deletionTimestamp: 't' }) },
    { status: 'Terminating', pod: pod(spec(['app']), { phase: 'Pending', containerStatuses: [waiting('app', 'ImagePullBackOff')] }, { deletionTimestamp: 't' }) },
    { status: 'Unknown', pod: pod(spec(['app']), { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('app')] }, { deletionTimestamp: 't' }) },
    { status: 'NodeAffinity', pod: pod(spec(['app']), rejected('NodeAffinity', "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")) },
    { status: 'OutOfcpu', pod: pod(spec(['app']), rejected('OutOfcpu', "Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 4000")) },
    { status: 'TaintToleration', pod: pod(spec(['app']), rejected('TaintToleration', "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate")) },
  ])('$status', ({ status, pod: p }) => {
    expect(kubectlStatus(p)).toBe(status);
  });
});
