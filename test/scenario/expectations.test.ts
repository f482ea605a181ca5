/**
 * The scenario expectation kinds about containers, pods that are gone, logs and kubectl's STATUS
 * (docs/SCENARIOS.md, Expectations): pure checks on statuses, validation, and end to end.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod } from '../../src/api/objects.ts';
import { InputError, loadScenarioText } from '../../src/scenario/load.ts';
import { containerHolds, describeExpectation, runScenario } from '../../src/scenario/run.ts';
import { Expectation, isContainerStateName } from '../../src/scenario/schema.ts';

function podWith(containers: Array<Partial<ContainerStatus> & { name: string }>, init: Array<Partial<ContainerStatus> & { name: string }> = []): Pod {
  const full = (c: Partial<ContainerStatus> & { name: string }): ContainerStatus => ({ state: {}, lastState: {}, ready: false, restartCount: 0, image: 'busybox', imageID: '', ...c });
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
    spec: { containers: containers.map((c) => ({ name: c.name, image: 'busybox' })), initContainers: init.map((c) => ({ name: c.name, image: 'busybox' })) },
    status: { phase: 'Running', containerStatuses: containers.map(full), initContainerStatuses: init.map(full) },
  };
}

describe('container expectations on a status', () => {
  const crashLooping = podWith([{
    name: 'app', restartCount: 3,
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=app pod=p_default(u)' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error' } },
  }], [{ name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } }]);

  it('matches a state in full, by its top level, or by its reason alone', () => {
    for (const state of ['Waiting.CrashLoopBackOff', 'Waiting', 'CrashLoopBackOff']) expect(containerHolds(crashLooping, { name: 'app', state })).toBe(true);
    for (const state of ['Running', 'Waiting.ErrImagePull', 'Error', 'Terminated']) expect(containerHolds(crashLooping, { name: 'app', state })).toBe(false);
    const ready = podWith([{ name: 'web', state: { running: { startedAt: 't' } }, started: true, ready: true }]);
    expect(['Running', 'Running.Ready', 'Ready'].map((state) => containerHolds(ready, { name: 'web', state }))).toEqual([true, true, true]);
    expect(containerHolds(ready, { name: 'web', state: 'Running.Unready' })).toBe(false);
  });

  it('reads the latest exit code (the current termination, else the last one), an exact restartCount and the message', () => {
    expect(containerHolds(crashLooping, { name: 'app', exitCode: 1, restartCount: 3 })).toBe(true);
    expect(containerHolds(crashLooping, { name: 'app', restartCount: 2 })).toBe(false);
    expect(containerHolds(crashLooping, { name: 'app', exitCode: 0 })).toBe(false);
    expect(containerHolds(crashLooping, { name: 'app', messageContains: 'back-off 40s' })).toBe(true);
    expect(containerHolds(crashLooping, { name: 'app', messageContains: 'back-off 20s' })).toBe(false);
    // Init containers too; a container the pod does not have never matches.
    expect(containerHolds(crashLooping, { name: 'init', state: 'Terminated.Completed', exitCode: 0 })).toBe(true);
    expect(containerHolds(crashLooping, { name: 'nope' })).toBe(false);
    // A never-run container has no exit code.
    expect(containerHolds(podWith([{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }]), { name: 'app', exitCode: 0 })).toBe(false);
  });

  it('validates state names against the container machine and describes itself', () => {
    expect(['Waiting.CrashLoopBackOff', 'Running', 'StartError', 'RunContainerError', 'Completed'].every(isContainerStateName)).toBe(true);
    expect(['CrashLoopBackof', 'Waiting.Running', ''].some(isContainerStateName)).toBe(false);
    const bad = Expectation.safeParse({ pod: 'p', container: { name: 'app', state: 'Crashing' } });
    expect(bad.success).toBe(false);
    const ok = Expectation.parse({ pod: 'p', container: { name: 'app', state: 'CrashLoopBackOff', restartCount: 2, exitCode: 1 }, after: '20s', within: '21s' });
    expect(describeExpectation(ok)).toBe('pod default/p container app, is CrashLoopBackOff, last exited 1, restartCount 2 after 20s within 21s');
    expect(describeExpectation(Expectation.parse({ pod: 'p', gone: true }))).toBe('pod default/p is gone from the API within 60s');
    expect(describeExpectation(Expectation.parse({ pod: 'p', log: { container: 'c', contains: 'tick' }, kubectlStatus: 'Running' }))).toBe('pod default/p shows STATUS Running container c logged "tick" within 60s');
  });

  it('refuses container, gone, log and kubectlStatus without a pod', () => {
    const text = (k: string) => `cluster: { nodes: [{ name: worker-1 }] }\nexpect:\n  - ${k}\n`;
    expect(() => loadScenarioText(text('gone: true'), 's.yaml')).toThrow(InputError);
    expect(() => loadScenarioText(text('container: { name: app }'), 's.yaml')).toThrow(/s\.yaml:3: expect\[0\]\.container: is about a pod/);
    expect(() => loadScenarioText(text('kubectlStatus: Running'), 's.yaml')).toThrow(/add pod: <name>/);
  });
});

describe('the new expectation kinds, end to end', () => {
  const scenario = `
name: kinds
seed: 3
cluster: { nodes: [{ name: worker-1, images: ["busybox:1.36"] }] }
manifests:
  - apiVersion: v1
    kind: Pod
    metadata: { name: ticker }
    spec:
      containers:
        - { name: tick, image: "busybox:1.36", command: ["sh", "-c", "echo hello; while true; do echo tick; sleep 5; done"] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: oneshot }
    spec:
      restartPolicy: Never
      containers:
        - { name: job, image: "busybox:1.36", command: ["sh", "-c", "sleep 3; exit 4"] }
steps:
  - at: 10s
    delete: { name: ticker }
expect:
  - { pod: ticker, log: { container: tick, contains: hello }, within: 3s }
  - { pod: ticker, kubectlStatus: Running, container: { name: tick, state: Running.Ready, restartCount: 0 }, within: 3s }
  - { pod: ticker, kubectlStatus: Terminating, after: 10s, within: 11s }
  - { pod: ticker, gone: true, within: 45s }
  - { pod: never-created, gone: true, within: 5s }
  - { pod: oneshot, kubectlStatus: Error, container: { name: job, state: Terminated.Error, exitCode: 4 }, after: 4s, within: 6s }
`;

  it('are decided at the right virtual times; a pod that never existed is not "gone"', () => {
    const r = runScenario(loadScenarioText(scenario, 'kinds.yaml'), { record: false });
    const byIndex = r.expectations.map((x) => [x.status, x.at]);
    expect(byIndex[0]![0]).toBe('met');
    expect(byIndex[1]![0]).toBe('met');
    expect(byIndex[2]![0]).toBe('met');
    expect(byIndex[2]![1]).toBeGreaterThanOrEqual(10_000);
    // busybox's sh ignores SIGTERM as PID 1: the grace period's SIGKILL, 30 s after the delete, then the object goes.
    expect(byIndex[3]![0]).toBe('met');
    expect(byIndex[3]![1]).toBeGreaterThan(40_000);
    expect(byIndex[3]![1]).toBeLessThan(41_000);
    expect(r.expectations[4]).toMatchObject({ status: 'failed' });
    expect(byIndex[5]![0]).toBe('met');
  });
});
