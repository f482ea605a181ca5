import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  CONTAINER_STATES, containerMachine, IllegalContainerTransition, INITIAL_CONTAINER_STATE, nextContainerState, stateName, stateOfStatus, stepContainer,
  type ContainerEventType,
} from '../../../machines/container/machine.ts';
import { podMachine, type PodMachineEvent } from '../../../machines/pod/machine.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import type { Pod, PodSpec } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';

const EVENTS: ContainerEventType[] = [
  'pod.hasInitContainers', 'pull.failed', 'pull.backOff', 'pull.neverAllowed', 'image.invalid', 'config.failed', 'postStart.failed',
  'restart.backOff', 'started', 'startup.succeeded', 'readiness.succeeded', 'readiness.failed', 'exited.completed', 'exited.error',
  'exited.oomKilled', 'exited.startError', 'run.failed', 'lost',
];

describe('the container machine', () => {
  it('has every waiting, running and terminated state the API shows, all reachable', () => {
    expect(INITIAL_CONTAINER_STATE).toBe('Waiting.ContainerCreating');
    const paths = getShortestPaths(containerMachine, { events: EVENTS.map((type) => ({ type }) as never) });
    const reached = new Set(paths.map((p) => stateName(p.state.value)));
    expect([...reached].sort()).toEqual([...CONTAINER_STATES].sort());
    expect(CONTAINER_STATES).toEqual(expect.arrayContaining([
      'Waiting.CrashLoopBackOff', 'Waiting.CreateContainerConfigError', 'Waiting.ErrImageNeverPull', 'Running.Ready', 'Terminated.OOMKilled',
      'Terminated.StartError', 'Waiting.RunContainerError',
    ]));
  });

  it('agrees with XState: the table steps exactly as an actor does', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 30 }), (events) => {
      const actor = createActor(containerMachine).start();
      let state = INITIAL_CONTAINER_STATE;
      for (const type of events) {
        const before = stateName(actor.getSnapshot().value);
        actor.send({ type } as never);
        const after = stateName(actor.getSnapshot().value);
        const next = nextContainerState(state, type);
        if (next === undefined) expect(after).toBe(before);
        else expect(after).toBe(next);
        state = after;
      }
    }), { numRuns: 300 });
  });

  it('refuses what a container cannot do: a second start while running, readiness before running', () => {
    expect(() => stepContainer('app', 'Running.Ready', 'started')).toThrow(IllegalContainerTransition);
    expect(() => stepContainer('app', 'Waiting.ContainerCreating', 'readiness.succeeded')).toThrow(/does not allow "readiness.succeeded" in Waiting.ContainerCreating/);
    expect(() => stepContainer('app', 'Terminated.Completed', 'exited.error')).toThrow(IllegalContainerTransition);
    expect(stepContainer('app', 'Terminated.Error', 'restart.backOff')).toBe('Waiting.CrashLoopBackOff');
    // A start that fails never runs: from waiting (or the last termination) straight to StartError, never from Running.
    expect(stepContainer('app', 'Waiting.ContainerCreating', 'exited.startError')).toBe('Terminated.StartError');
    expect(stepContainer('app', 'Waiting.CrashLoopBackOff', 'exited.startError')).toBe('Terminated.StartError');
    expect(() => stepContainer('app', 'Running.Ready', 'exited.startError')).toThrow(IllegalContainerTransition);
    expect(stepContainer('app', 'Terminated.StartError', 'run.failed')).toBe('Waiting.RunContainerError');
    expect(stepContainer('app', 'Waiting.RunContainerError', 'restart.backOff')).toBe('Waiting.CrashLoopBackOff');
    expect(stepContainer('app', 'Waiting.RunContainerError', 'exited.startError')).toBe('Terminated.StartError');
  });

  it('reads the state back from an API ContainerStatus', () => {
    expect(stateOfStatus({ state: { waiting: { reason: 'ImagePullBackOff' } } })).toBe('Waiting.ImagePullBackOff');
    expect(stateOfStatus({ state: { running: {} }, started: true, ready: true })).toBe('Running.Ready');
    expect(stateOfStatus({ state: { running: {} }, started: false, ready: false })).toBe('Running.Starting');
    expect(stateOfStatus({ state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } })).toBe('Terminated.OOMKilled');
    expect(stateOfStatus({ state: { terminated: { reason: 'StartError', exitCode: 128 } } })).toBe('Terminated.StartError');
    expect(stateOfStatus({ state: { waiting: { reason: 'RunContainerError' } } })).toBe('Waiting.RunContainerError');
    expect(stateOfStatus({ state: { waiting: { reason: 'SomethingElse' } } })).toBeUndefined();
  });
});

function makePod(spec: Partial<PodSpec>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } };
}

/**
 * The pod worker keeps each container in the container machine: whatever facts arrive, in any
 * order, every record's machine state is the state its API status shows.
 */
describe('the pod machine steps its containers through the container machine', () => {
  const specs: Array<[string, Partial<PodSpec>, Record<string, ContainerBehaviour>]> = [
    ['one container', {}, {}],
    ['init + two containers, OnFailure', { restartPolicy: 'OnFailure', initContainers: [{ name: 'init', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1.36' }] }, { app: { readyAfterMs: 3000 } }],
    ['sidecar, Never', { restartPolicy: 'Never', initContainers: [{ name: 'log', image: 'busybox:1.36', restartPolicy: 'Always' }] }, {}],
    ['probes: startup, liveness, readiness on a sidecar and the app', {
      initContainers: [{ name: 'log', image: 'busybox:1.36', restartPolicy: 'Always', startupProbe: { exec: { command: ['cat', '/tmp/up'] }, periodSeconds: 1 }, livenessProbe: { tcpSocket: { port: 80 }, failureThreshold: 1 } }],
      containers: [{
        name: 'app', image: 'nginx:1.27', startupProbe: { httpGet: { path: '/started', port: 80 }, failureThreshold: 2 },
        livenessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 5 }, readinessProbe: { httpGet: { path: '/ready', port: 80 }, successThreshold: 2, periodSeconds: 3 },
      }],
    }, {
      log: { files: [{ path: '/tmp/up', fromMs: 1500 }], ignoresSigterm: true },
      app: { http: [{ port: 80, path: '/started', fromMs: 8000, code: 200 }, { port: 80, path: '/healthz', untilMs: 40_000, code: 200 }, { port: 80, path: '/ready', fromMs: 12_000, untilMs: 30_000, code: 200 }] },
    }],
    ['hooks, sidecars and a memory limit', {
      terminationGracePeriodSeconds: 10,
      initContainers: [
        { name: 'log', image: 'busybox:1.36', restartPolicy: 'Always', lifecycle: { preStop: { sleep: { seconds: 3 } } } },
        { name: 'init', image: 'busybox:1.36', restartPolicy: 'Always', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 2; exit 1'] } } } },
      ],
      containers: [
        { name: 'app', image: 'nginx:1.27', resources: { limits: { memory: '32Mi' } }, lifecycle: { postStart: { sleep: { seconds: 1 } }, preStop: { exec: { command: ['sh', '-c', 'sleep 20'] } } } },
        { name: 'side', image: 'busybox:1.36', lifecycle: { postStart: { exec: { command: ['false'] } } } },
      ],
    }, {
      app: { memoryMiB: [{ atMs: 0, mib: 8 }, { atMs: 4000, mib: 64 }], ignoresSigterm: true },
      log: { termExitAfterMs: 1500 },
    }],
  ];
  const names = ['app', 'side', 'init', 'log'];
  const event: fc.Arbitrary<PodMachineEvent | { advance: number }> = fc.oneof(
    fc.record({ type: fc.constant('container.started' as const), container: fc.constantFrom(...names) }),
    fc.record({ type: fc.constant('container.exited' as const), container: fc.constantFrom(...names), exitCode: fc.constantFrom(0, 1, 137) }),
    fc.record({ type: fc.constant('container.pullFailed' as const), container: fc.constantFrom(...names), reason: fc.constantFrom('ErrImagePull', 'ErrImageNeverPull'), message: fc.constant('x') }),
    fc.record({ type: fc.constant('container.ready' as const), container: fc.constantFrom(...names) }),
    fc.record({ type: fc.constant('container.probed' as const), container: fc.constantFrom(...names), probe: fc.constantFrom('startup' as const, 'liveness' as const, 'readiness' as const), ok: fc.boolean(), output: fc.constant('x') }),
    fc.record({ type: fc.constant('container.backOffExpired' as const), container: fc.constantFrom(...names) }),
    fc.record({ type: fc.constant('container.exited' as const), container: fc.constantFrom(...names), exitCode: fc.constant(137), reason: fc.constant('OOMKilled' as const) }),
    fc.record({ type: fc.constant('container.configFailed' as const), container: fc.constantFrom(...names), message: fc.constant('configmap "x" not found') }),
    fc.record({ type: fc.constant('container.startFailed' as const), container: fc.constantFrom(...names), message: fc.constant('exec: "nope": executable file not found in $PATH: unknown') }),
    fc.record({ type: fc.constantFrom('container.postStartDone' as const, 'container.preStopDone' as const, 'container.turnTimeout' as const), container: fc.constantFrom(...names) }),
    fc.constant({ type: 'pod.synced' as const }),
    fc.record({ type: fc.constant('pod.deletionRequested' as const), gracePeriodSeconds: fc.constantFrom(0, 5, 30) }),
    fc.constant({ type: 'node.lost' as const }),
    fc.constant({ type: 'node.recovered' as const }),
    fc.record({ advance: fc.constantFrom(500, 1000, 10_000, 60_000) }),
  );

  for (const [title, spec, behaviours] of specs) {
    it(`${title}: record state = status state after every fact`, () => {
      fc.assert(fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        const clock = new VirtualClock();
        const actor = createActor(podMachine, { input: { pod: makePod(spec), behaviours, now: () => clock.now() }, clock });
        let failure: unknown;
        actor.subscribe({ error: (e) => { failure = e; } });
        actor.start();
        const check = () => {
          expect(failure).toBeUndefined();
          const ctx = actor.getSnapshot().context;
          for (const r of [...ctx.init, ...ctx.containers]) expect(r.state, `${r.name}: ${JSON.stringify(r.status.state)}`).toBe(stateOfStatus(r.status));
        };
        for (const e of [{ type: 'pod.bound', nodeName: 'n1' }, { type: 'pod.admitted' }, { type: 'pod.volumesMounted' }, { type: 'pod.sandboxReady', podIP: '10.244.1.2' }] as PodMachineEvent[]) actor.send(e);
        check();
        for (const e of events) {
          if ('advance' in e) clock.runUntilTime(clock.now() + e.advance);
          else actor.send(e);
          check();
        }
      }), { numRuns: 200 });
    });
  }
});
