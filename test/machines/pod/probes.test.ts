import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { stateOfStatus } from '../../../machines/container/machine.ts';
import { podMachine, podStatusOf, type PodMachineEvent, type WorkerRequest } from '../../../machines/pod/machine.ts';
import {
  countResult, gate, INITIAL_RESULT, newWorker, nextTickMs, probeKillMessage, probeTiming, resolvePort, runProbe, seeContainer, stopWorker,
  unhealthyMessage, type ContainerView, type ProbeKind,
} from '../../../machines/pod/probes.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import type { Container, Pod, PodSpec, Probe } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';

const T = probeTiming({});
const view = (o: Partial<ContainerView> = {}): ContainerView => ({ running: true, started: true, sinceStartMs: 0, deleting: false, ...o });

/** Counts a sequence of raw results through a worker; returns the cached result after each. */
function feed(kind: ProbeKind, timing: Probe, results: Array<'Success' | 'Failure'>) {
  let w = seeContainer(newWorker(kind), kind, 1);
  return results.map((r) => {
    const c = countResult(w, kind, probeTiming(timing), r);
    w = c.worker;
    return { result: w.result, changed: c.changed, onHold: w.onHold };
  });
}

describe('the prober worker model', () => {
  it('applies the API defaults: period 10 s, timeout 1 s, thresholds 3 and 1, no initial delay', () => {
    expect(T).toEqual({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
    expect(probeTiming({ periodSeconds: 5, failureThreshold: 1, terminationGracePeriodSeconds: 7 })).toMatchObject({ periodSeconds: 5, failureThreshold: 1, terminationGracePeriodSeconds: 7 });
  });

  it('starts readiness at Failure, liveness at Success, startup at Unknown, and resets them for a new container', () => {
    expect(INITIAL_RESULT).toEqual({ readiness: 'Failure', liveness: 'Success', startup: 'Unknown' });
    const w = { ...seeContainer(newWorker('readiness'), 'readiness', 1), result: 'Success' as const };
    expect(seeContainer(w, 'readiness', 1).result).toBe('Success');
    expect(seeContainer(w, 'readiness', 2)).toMatchObject({ result: 'Failure', attempt: 2, onHold: false });
  });

  it('flips a result only after failureThreshold / successThreshold identical results in a row', () => {
    expect(feed('liveness', {}, ['Failure', 'Failure', 'Success', 'Failure', 'Failure', 'Failure']).map((x) => x.result))
      .toEqual(['Success', 'Success', 'Success', 'Success', 'Success', 'Failure']);
    expect(feed('readiness', { successThreshold: 2, failureThreshold: 2 }, ['Success', 'Success', 'Failure', 'Success', 'Failure', 'Failure']).map((x) => `${x.result}${x.changed ? '!' : ''}`))
      .toEqual(['Failure', 'Success!', 'Success', 'Success', 'Success', 'Failure!']);
  });

  it('puts liveness and startup on hold after a Failure, until a new container appears; readiness never holds', () => {
    const live = feed('liveness', { failureThreshold: 1 }, ['Failure']);
    expect(live).toEqual([{ result: 'Failure', changed: true, onHold: true }]);
    let w = countResult(seeContainer(newWorker('startup'), 'startup', 1), 'startup', probeTiming({ failureThreshold: 1 }), 'Failure').worker;
    expect(w).toMatchObject({ onHold: true, resultRun: 0 });
    expect(gate(w, 'startup', T, view({ started: false }))).toBe('skip');
    w = seeContainer(w, 'startup', 2);
    expect(w).toMatchObject({ onHold: false, result: 'Unknown' });
    expect(gate(w, 'startup', T, view({ started: false }))).toBe('probe');
    expect(feed('readiness', { failureThreshold: 1 }, ['Failure', 'Failure']).every((x) => !x.onHold)).toBe(true);
  });

  it('waits initialDelaySeconds (whole seconds since the start) and gates liveness and readiness on started', () => {
    const t = probeTiming({ initialDelaySeconds: 5 });
    const w = seeContainer(newWorker('liveness'), 'liveness', 1);
    expect(gate(w, 'liveness', t, view({ sinceStartMs: 4999 }))).toBe('skip');
    expect(gate(w, 'liveness', t, view({ sinceStartMs: 5000 }))).toBe('probe');
    expect(gate(w, 'liveness', T, view({ started: false }))).toBe('skip');
    expect(gate(seeContainer(newWorker('readiness'), 'readiness', 1), 'readiness', T, view({ started: false }))).toBe('skip');
    expect(gate(seeContainer(newWorker('startup'), 'startup', 1), 'startup', T, view({ started: true }))).toBe('skip');
    expect(gate(w, 'liveness', T, view({ running: false }))).toBe('skip');
  });

  it('stops liveness and startup when the pod is being deleted (result Success); readiness keeps probing', () => {
    const live = seeContainer(newWorker('liveness'), 'liveness', 1);
    expect(gate(live, 'liveness', T, view({ deleting: true }))).toBe('stop');
    expect(gate(seeContainer(newWorker('startup'), 'startup', 1), 'startup', T, view({ deleting: true, started: false }))).toBe('stop');
    expect(gate(seeContainer(newWorker('readiness'), 'readiness', 1), 'readiness', T, view({ deleting: true }))).toBe('probe');
    const stopped = stopWorker({ ...live, result: 'Failure' });
    expect(stopped).toMatchObject({ result: 'Success', stopped: true });
    expect(gate(stopped, 'liveness', T, view())).toBe('stop');
  });

  it('ticks every period from the worker\'s creation, the first tick at creation', () => {
    expect(nextTickMs(0, 10_000, 0)).toBe(0);
    expect(nextTickMs(0, 10_000, 0, true)).toBe(10_000);
    expect(nextTickMs(2_500, 10_000, 3_000)).toBe(12_500);
    expect(nextTickMs(2_500, 10_000, 12_500)).toBe(12_500);
    expect(nextTickMs(2_500, 10_000, 12_500, true)).toBe(22_500);
    expect(nextTickMs(5_000, 10_000, 1_000)).toBe(5_000);
  });
});

describe('one probe against the process facts', () => {
  const c: Container = { name: 'app', image: 'agnhost', ports: [{ name: 'http', containerPort: 8080 }] };
  const facts: ContainerBehaviour = {
    http: [{ port: 8080, path: '/healthz', untilMs: 10_001, code: 200 }, { port: 8080, path: '/healthz', fromMs: 10_001, code: 500 }, { port: 8080, path: '/moved', code: 301 }],
    tcpPorts: [5432],
    files: [{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }],
  };
  const target = { container: c, podIP: '10.244.1.2', facts };
  const run = (p: Probe, t: number, kind: ProbeKind = 'liveness', extra = {}) => runProbe(p, kind, { ...target, ...extra }, t);

  it('httpGet: 200-399 succeed, other codes fail with the status code, a closed port is refused', () => {
    expect(run({ httpGet: { path: '/healthz', port: 8080 } }, 10_000)).toEqual({ result: 'Success', output: '' });
    expect(run({ httpGet: { path: '/moved', port: 8080 } }, 0).result).toBe('Success');
    expect(run({ httpGet: { path: '/healthz', port: 'http' } }, 10_001)).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 500' });
    expect(run({ httpGet: { path: '/ready', port: 9090 } }, 0)).toEqual({ result: 'Failure', output: 'Get "http://10.244.1.2:9090/ready": dial tcp 10.244.1.2:9090: connect: connection refused' });
    expect(run({ httpGet: { port: 9090 } }, 0).output).toBe('Get "http://10.244.1.2:9090/": dial tcp 10.244.1.2:9090: connect: connection refused');
  });

  it('tcpSocket and grpc check the port; exec runs the command against the files at that moment', () => {
    expect(run({ tcpSocket: { port: 5432 } }, 0).result).toBe('Success');
    expect(run({ tcpSocket: { port: 80 } }, 0)).toEqual({ result: 'Failure', output: 'dial tcp 10.244.1.2:80: connect: connection refused' });
    expect(run({ grpc: { port: 5432 } }, 0).result).toBe('Success');
    expect(run({ grpc: { port: 9000 } }, 0).output).toBe('timeout: failed to connect service "10.244.1.2:9000" within 1s: context deadline exceeded');
    expect(run({ exec: { command: ['cat', '/tmp/healthy'] } }, 29_999)).toEqual({ result: 'Success', output: '' });
    expect(run({ exec: { command: ['cat', '/tmp/healthy'] } }, 30_000)).toEqual({ result: 'Failure', output: 'cat: can\'t open \'/tmp/healthy\': No such file or directory\n' });
  });

  it('resolves named ports through the container\'s ports; an unknown name is an error', () => {
    expect(resolvePort('http', c)).toEqual({ port: 8080 });
    expect(resolvePort('8081', c)).toEqual({ port: 8081 });
    expect(resolvePort('metrics', c)).toEqual({ error: 'strconv.Atoi: parsing "metrics": invalid syntax' });
    expect(run({ httpGet: { port: 'metrics' } }, 0).result).toBe('Error');
    expect(unhealthyMessage('readiness', run({ httpGet: { port: 'metrics' } }, 0))).toBe('Readiness probe errored: strconv.Atoi: parsing "metrics": invalid syntax');
  });

  it('lets scenario overrides and the readiness delay force the result', () => {
    const forced = { ...facts, probes: { liveness: [{ fromMs: 0, ok: true }, { fromMs: 20_000, ok: false }] } };
    expect(run({ httpGet: { path: '/healthz', port: 8080 } }, 15_000, 'liveness', { facts: forced }).result).toBe('Success');
    expect(run({ httpGet: { path: '/healthz', port: 8080 } }, 20_000, 'liveness', { facts: forced })).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 500' });
    expect(run({ tcpSocket: { port: 80 } }, 4_999, 'readiness', { readyAfterMs: 5_000 }).result).toBe('Failure');
    expect(run({ tcpSocket: { port: 80 } }, 5_000, 'readiness', { readyAfterMs: 5_000 }).result).toBe('Success');
  });

  it('words events as the kubelet does', () => {
    expect(unhealthyMessage('liveness', { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' })).toBe('Liveness probe failed: HTTP probe failed with statuscode: 500');
    expect(probeKillMessage('liveness', 'app', { sidecar: false, restart: true })).toBe('Container app failed liveness probe, will be restarted');
    expect(probeKillMessage('startup', 'app', { sidecar: false, restart: false })).toBe('Container app failed startup probe');
    expect(probeKillMessage('liveness', 'proxy', { sidecar: true, restart: true })).toBe('Init container proxy failed liveness probe');
  });
});

// ---------------------------------------------------------------------------------------------
// The pod machine in virtual time.

function makePod(spec: Partial<PodSpec> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' }, spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'app', image: 'agnhost' }], ...spec } };
}

function drive(pod: Pod, behaviours: Record<string, ContainerBehaviour> = {}) {
  const clock = new VirtualClock();
  const requests: Array<WorkerRequest & { at: number }> = [];
  const actor = createActor(podMachine, { input: { pod, behaviours, now: () => clock.now() }, clock });
  actor.on('*', (e) => requests.push({ ...e, at: clock.now() }));
  actor.subscribe({ error: (err) => { throw err; } });
  actor.start();
  const h = {
    actor, clock, requests,
    send: (e: PodMachineEvent) => actor.send(e),
    status: () => podStatusOf(actor.getSnapshot()),
    record: (name = 'app') => [...actor.getSnapshot().context.init, ...actor.getSnapshot().context.containers].find((r) => r.name === name)!,
    container: (name = 'app') => [...(h.status().initContainerStatuses ?? []), ...(h.status().containerStatuses ?? [])].find((c) => c.name === name)!,
    condition: (type: string) => h.status().conditions?.find((c) => c.type === type)?.status,
    runTo: (t: number) => clock.runUntilTime(t),
    of: <K extends WorkerRequest['type']>(type: K) => requests.filter((r) => r.type === type) as Array<Extract<WorkerRequest, { type: K }> & { at: number }>,
    /** Binds and admits the pod at t = 0 (the prober workers tick from here), and starts its containers. */
    toRunning: () => {
      h.send({ type: 'pod.bound', nodeName: 'n1' });
      h.send({ type: 'pod.admitted' });
      h.send({ type: 'pod.volumesMounted' });
      h.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) h.send({ type: 'container.started', container: c.name });
    },
    /** Answers every start request the kubelet got since the last call (the runtime starts at once). */
    startRequested: () => {
      for (const r of h.of('worker.startContainer')) if (h.record(r.container).attempt === r.attempt && h.record(r.container).run === 'starting') h.send({ type: 'container.started', container: r.container, attempt: r.attempt });
    },
  };
  return h;
}

/** agnhost liveness: /healthz answers 200 for the first 10 s of each run, then 500. */
const agnhostLiveness: ContainerBehaviour = { http: [{ port: 8080, path: '/healthz', untilMs: 10_001, code: 200 }, { port: 8080, path: '/healthz', fromMs: 10_001, code: 500 }] };

describe('liveness in the pod machine', () => {
  it('kills an agnhost liveness container after three failed probes and restarts it (restartCount 1)', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'agnhost', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } }] }), { app: agnhostLiveness });
    h.toRunning();
    expect(h.container()).toMatchObject({ ready: true, started: true });
    h.runTo(39_999);
    expect(h.of('worker.killContainer')).toEqual([]);
    // Ticks at 0 and 10 s succeed (10.0 s is still 200), 20, 30 and 40 s fail: the third failure kills.
    expect(h.of('worker.probeFailed').map((r) => [r.at, r.message])).toEqual([
      [20_000, 'Liveness probe failed: HTTP probe failed with statuscode: 500'],
      [30_000, 'Liveness probe failed: HTTP probe failed with statuscode: 500'],
    ]);
    h.runTo(40_000);
    expect(h.of('worker.probeFailed').length).toBe(3);
    expect(h.of('worker.killContainer')).toEqual([{ type: 'worker.killContainer', pod: 'default/web', uid: 'uid-1', container: 'app', gracePeriodSeconds: 30, message: 'Container app failed liveness probe, will be restarted', at: 40_000 }]);
    expect(h.of('worker.containerExited')).toMatchObject([{ container: 'app', attempt: 1, exitCode: 143, at: 40_000 }]);
    // Killed and started again in the same sync: no relist wait, no back-off for a first kill.
    expect(h.of('worker.startContainer').map((r) => [r.attempt, r.at])).toEqual([[1, 0], [2, 40_000]]);
    h.startRequested();
    expect(h.container()).toMatchObject({ restartCount: 1, ready: true, state: { running: { startedAt: '2026-01-01T00:00:40Z' } }, lastState: { terminated: { exitCode: 143, reason: 'Error' } } });
    expect(h.status().phase).toBe('Running');
  });

  it('crash-loops on repeated liveness kills with the back-off counted from the previous kill', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'agnhost', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } } }] }), { app: agnhostLiveness });
    h.toRunning();
    for (let t = 1000; t <= 400_000; t += 1000) {
      h.runTo(t);
      h.startRequested();
    }
    const kills = h.of('worker.killContainer').map((r) => r.at);
    expect(kills.slice(0, 6)).toEqual([40_000, 80_000, 120_000, 160_000, 200_000, 240_000]);
    // Each kill restarts at once while the previous kill (40 s back) lies outside the entry, which
    // advances 10, 20, 40, 80 s; at the 6th kill the 80 s entry holds: CrashLoopBackOff until
    // 240 + 80 s, noticed at the next relist.
    const starts = h.of('worker.startContainer').map((r) => r.at);
    expect(starts.slice(0, 6)).toEqual([0, 40_000, 80_000, 120_000, 160_000, 200_000]);
    expect(h.of('worker.backOff').map((r) => [r.at, r.message])[0]).toEqual([241_000, 'back-off 1m20s restarting failed container=app pod=web_default(uid-1)']);
    expect(starts[6]).toBe(320_000);
  });

  it('under restartPolicy Never a liveness failure kills for good and the pod fails', () => {
    // The only container is neither kept nor restarted: computePodActions sets KillPod, and
    // killPodWithSyncResult kills with no message ("Stopping container app") and the pod's grace,
    // not the probe's.
    const probe: Probe = { httpGet: { path: '/healthz', port: 8080 }, failureThreshold: 1, terminationGracePeriodSeconds: 5 };
    const h = drive(makePod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'agnhost', livenessProbe: probe }] }), { app: agnhostLiveness });
    h.toRunning();
    h.runTo(20_000);
    expect(h.of('worker.killContainer').map((r) => [r.message, r.gracePeriodSeconds])).toEqual([[undefined, 30]]);
    expect(h.status().phase).toBe('Failed');
    expect(h.of('worker.startContainer').length).toBe(1);
  });

  it('under restartPolicy Never with another container kept running, kills only the failing one, with the probe\'s message and grace', () => {
    const probe: Probe = { httpGet: { path: '/healthz', port: 8080 }, failureThreshold: 1, terminationGracePeriodSeconds: 5 };
    const h = drive(makePod({ restartPolicy: 'Never', containers: [{ name: 'app', image: 'agnhost', livenessProbe: probe }, { name: 'web', image: 'nginx' }] }), { app: agnhostLiveness });
    h.toRunning();
    h.runTo(20_000);
    expect(h.of('worker.killContainer').map((r) => [r.container, r.message, r.gracePeriodSeconds])).toEqual([['app', 'Container app failed liveness probe', 5]]);
    expect(h.status().phase).toBe('Running');
    expect(h.container('app').state.terminated?.exitCode).toBe(143);
  });

  it('sends SIGKILL after the probe\'s own grace period when the process ignores SIGTERM', () => {
    const probe: Probe = { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5, terminationGracePeriodSeconds: 5 };
    const h = drive(makePod({ containers: [{ name: 'app', image: 'busybox', livenessProbe: probe }] }), { app: { ignoresSigterm: true, files: [{ path: '/tmp/healthy', fromMs: 0, untilMs: 30_000 }] } });
    h.toRunning();
    h.runTo(40_000);
    // Probes at 5..25 s pass; 30, 35, 40 s fail (the file is gone at 30 s).
    expect(h.of('worker.probeFailed').map((r) => r.at)).toEqual([30_000, 35_000, 40_000]);
    expect(h.of('worker.probeFailed')[0]!.message).toBe('Liveness probe failed: cat: can\'t open \'/tmp/healthy\': No such file or directory\n');
    expect(h.of('worker.killContainer')).toMatchObject([{ gracePeriodSeconds: 5, at: 40_000 }]);
    h.runTo(44_999);
    expect(h.container().state.running).toBeDefined();
    h.runTo(45_000);
    expect(h.of('worker.containerExited')).toMatchObject([{ exitCode: 137, at: 45_000 }]);
    expect(h.of('worker.startContainer').map((r) => r.at)).toEqual([0, 45_000]);
  });

  it('stops liveness when the pod is deleted; readiness keeps probing through the grace period', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'agnhost', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } }, readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } }] }), { app: { ...agnhostLiveness, ignoresSigterm: true } });
    h.toRunning();
    h.runTo(15_000);
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    h.runTo(44_000);
    const failed = h.of('worker.probeFailed');
    expect(failed.filter((r) => r.probe === 'liveness')).toEqual([]);
    expect(failed.filter((r) => r.probe === 'readiness').map((r) => r.at)).toEqual([20_000, 30_000, 40_000]);
    expect(h.of('worker.killContainer').map((r) => r.message)).toEqual([undefined]);
    expect(h.condition('Ready')).toBe('False');
    h.runTo(45_000);
    expect(h.status().phase).toBe('Failed');
  });
});

describe('readiness in the pod machine', () => {
  it('drives the Ready condition both ways as the probe flaps', () => {
    const behaviour: ContainerBehaviour = { http: [{ port: 8080, path: '/ready', untilMs: 25_000, code: 200 }, { port: 8080, path: '/ready', fromMs: 25_000, untilMs: 55_000, code: 503 }, { port: 8080, path: '/ready', fromMs: 55_000, code: 200 }] };
    const h = drive(makePod({ containers: [{ name: 'app', image: 'agnhost', readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }] }), { app: behaviour });
    const seen: Array<[number, string | undefined]> = [];
    h.actor.subscribe(() => {
      const ready = h.condition('Ready');
      if (seen.at(-1)?.[1] !== ready) seen.push([h.clock.now(), ready]);
    });
    h.toRunning();
    expect(h.container()).toMatchObject({ started: true, ready: false });
    h.runTo(70_000);
    // Ready at the immediate probe after the start; three failures (30, 40, 50 s) make it unready; one success (60 s) ready again.
    expect(seen).toEqual([[0, 'False'], [0, 'True'], [50_000, 'False'], [60_000, 'True']]);
    expect(h.of('worker.probeFailed').map((r) => [r.at, r.message])).toEqual([
      [30_000, 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
      [40_000, 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
      [50_000, 'Readiness probe failed: HTTP probe failed with statuscode: 503'],
    ]);
    expect(h.record().state).toBe('Running.Ready');
    expect(h.of('worker.killContainer')).toEqual([]);
  });

  it('is ready at once without a readiness probe', () => {
    const h = drive(makePod());
    h.toRunning();
    expect(h.container()).toMatchObject({ started: true, ready: true });
    expect(h.condition('Ready')).toBe('True');
    expect(h.condition('ContainersReady')).toBe('True');
  });

  it('honours initialDelaySeconds: not ready before the first probe after the delay', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx', ports: [{ name: 'web', containerPort: 80 }], readinessProbe: { tcpSocket: { port: 'web' }, initialDelaySeconds: 15 } }] }), { app: { tcpPorts: [80] } });
    h.toRunning();
    h.runTo(19_999);
    expect(h.condition('Ready')).toBe('False');
    h.runTo(20_000);
    expect(h.condition('Ready')).toBe('True');
  });

  it('reports a refused connection as Go does and keeps the pod unready', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx', readinessProbe: { httpGet: { path: '/ready', port: 3000 } } }] }));
    h.toRunning();
    h.runTo(10_000);
    expect(h.of('worker.probeFailed').map((r) => r.message)).toEqual([
      'Readiness probe failed: Get "http://10.244.1.2:3000/ready": dial tcp 10.244.1.2:3000: connect: connection refused',
      'Readiness probe failed: Get "http://10.244.1.2:3000/ready": dial tcp 10.244.1.2:3000: connect: connection refused',
    ]);
    expect(h.condition('Ready')).toBe('False');
  });

  it('keeps readyAfterMs as an explicit override: it forces a readiness probe\'s result', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx', readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 2 } }] }), { app: { readyAfterMs: 5000 } });
    h.toRunning();
    h.runTo(5_999);
    expect(h.condition('Ready')).toBe('False');
    h.runTo(6_000);
    expect(h.condition('Ready')).toBe('True');
  });

  it('can be driven by hand with container.probed (and stale attempts are ignored)', () => {
    const h = drive(makePod({ containers: [{ name: 'app', image: 'nginx', readinessProbe: { exec: { command: ['true'] }, periodSeconds: 3600 } }] }));
    h.toRunning();
    expect(h.condition('Ready')).toBe('False');
    h.runTo(0);
    expect(h.condition('Ready')).toBe('True'); // the immediate probe after the start
    for (let i = 0; i < 3; i++) h.send({ type: 'container.probed', container: 'app', probe: 'readiness', ok: false, output: 'nope' });
    expect(h.condition('Ready')).toBe('False');
    h.send({ type: 'container.probed', container: 'app', attempt: 9, probe: 'readiness', ok: true });
    expect(h.condition('Ready')).toBe('False');
    h.send({ type: 'container.probed', container: 'app', probe: 'readiness', ok: true });
    expect(h.condition('Ready')).toBe('True');
    expect(h.of('worker.probeFailed').map((r) => r.message)).toEqual(['Readiness probe failed: nope', 'Readiness probe failed: nope', 'Readiness probe failed: nope']);
  });
});

describe('startup probes in the pod machine', () => {
  const spec = (startup: Probe): Partial<PodSpec> => ({
    containers: [{
      name: 'app', image: 'agnhost', startupProbe: startup,
      livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, failureThreshold: 1 },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    }],
  });
  // Slow to start: /started answers 200 from 15 s; /healthz fails until 20 s (it would kill the container if probed early).
  const slow: ContainerBehaviour = {
    http: [
      { port: 8080, path: '/started', fromMs: 15_000, code: 200 },
      { port: 8080, path: '/healthz', fromMs: 20_000, code: 200 }, { port: 8080, path: '/healthz', untilMs: 20_000, code: 500 },
      { port: 8080, path: '/ready', code: 200 },
    ],
  };

  it('gates liveness and readiness until it passes; then the container is started and becomes ready', () => {
    const h = drive(makePod(spec({ httpGet: { path: '/started', port: 8080 } })), { app: slow });
    h.toRunning();
    expect(h.container()).toMatchObject({ started: false, ready: false });
    expect(h.record().state).toBe('Running.Starting');
    expect(h.status().phase).toBe('Running');
    h.runTo(19_999);
    expect(h.container()).toMatchObject({ started: false, ready: false });
    expect(h.condition('Ready')).toBe('False');
    expect(h.of('worker.probeFailed').map((r) => [r.at, r.probe])).toEqual([[0, 'startup'], [10_000, 'startup']]);
    h.runTo(20_000);
    expect(h.container()).toMatchObject({ started: true, ready: true });
    expect(h.record().state).toBe('Running.Ready');
    h.runTo(60_000);
    expect(h.of('worker.killContainer')).toEqual([]);
    expect(h.of('worker.probeFailed').length).toBe(2);
  });

  it('kills a container whose startup probe keeps failing', () => {
    const h = drive(makePod(spec({ httpGet: { path: '/never', port: 8080 } })), { app: slow });
    h.toRunning();
    h.runTo(20_000);
    expect(h.of('worker.probeFailed').map((r) => r.message)).toEqual(Array(3).fill('Startup probe failed: HTTP probe failed with statuscode: 404'));
    expect(h.of('worker.killContainer')).toMatchObject([{ message: 'Container app failed startup probe, will be restarted', at: 20_000 }]);
    expect(h.of('worker.startContainer').map((r) => r.at)).toEqual([0, 20_000]);
  });

  it('holds the next init container until a sidecar\'s startup probe passes', () => {
    const pod = makePod({
      initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 9901 }, periodSeconds: 1, failureThreshold: 10 } }],
      containers: [{ name: 'app', image: 'nginx' }],
    });
    const h = drive(pod, { proxy: { http: [{ port: 9901, fromMs: 2500, code: 200 }] } });
    h.send({ type: 'pod.bound', nodeName: 'n1' });
    h.send({ type: 'pod.admitted' });
    h.send({ type: 'pod.volumesMounted' });
    h.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });
    h.send({ type: 'container.started', container: 'proxy' });
    h.runTo(2_999);
    expect(h.of('worker.startContainer').map((r) => r.container)).toEqual(['proxy']);
    h.runTo(3_000);
    expect(h.container('proxy')).toMatchObject({ started: true, ready: true });
    expect(h.of('worker.startContainer').map((r) => r.container)).toEqual(['proxy', 'app']);
  });
});

describe('probes under random timing and flapping endpoints', () => {
  it('keep the container machine and the status in step, and never make an unstarted container ready', () => {
    const timing = fc.record({
      periodSeconds: fc.integer({ min: 1, max: 10 }), initialDelaySeconds: fc.integer({ min: 0, max: 5 }),
      failureThreshold: fc.integer({ min: 1, max: 3 }), successThreshold: fc.integer({ min: 1, max: 2 }),
    });
    const flaps = fc.array(fc.record({ fromMs: fc.integer({ min: 0, max: 120_000 }), code: fc.constantFrom(200, 500) }), { maxLength: 4 });
    fc.assert(fc.property(
      fc.option(timing, { nil: undefined }), fc.option(timing, { nil: undefined }), fc.option(timing, { nil: undefined }),
      flaps, flaps, flaps, fc.constantFrom('Always' as const, 'OnFailure' as const, 'Never' as const), fc.boolean(), fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
      (startup, liveness, readiness, fs, fl, fr, restartPolicy, ignoresSigterm, deleteAt) => {
        const probe = (path: string, t: typeof startup): Probe | undefined => (t ? { httpGet: { path, port: 8080 }, ...t, ...(path !== '/ready' ? { successThreshold: 1 } : {}) } : undefined);
        const rules = (path: string, list: Array<{ fromMs: number; code: number }>) => [...list].sort((a, b) => b.fromMs - a.fromMs).map((x) => ({ port: 8080, path, fromMs: x.fromMs, code: x.code })).concat([{ port: 8080, path, fromMs: 0, code: 200 }]);
        const c: Container = { name: 'app', image: 'agnhost' };
        const sp = probe('/started', startup); const lp = probe('/healthz', liveness); const rp = probe('/ready', readiness);
        if (sp) c.startupProbe = sp;
        if (lp) c.livenessProbe = lp;
        if (rp) c.readinessProbe = rp;
        const h = drive(makePod({ restartPolicy, containers: [c] }), { app: { ignoresSigterm, http: [...rules('/started', fs), ...rules('/healthz', fl), ...rules('/ready', fr)] } });
        h.toRunning();
        for (let t = 500; t <= 240_000; t += 500) {
          if (deleteAt !== undefined && t - 500 < deleteAt && deleteAt <= t) h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 5 });
          h.runTo(t);
          if (h.actor.getSnapshot().status !== 'active') break;
          h.startRequested();
          const r = h.record();
          expect(r.state).toBe(stateOfStatus(r.status));
          if (r.status.ready) expect(r.status.started).toBe(true);
          if (r.status.state.running && !sp) expect(r.status.started).toBe(true);
        }
        const kills = h.of('worker.killContainer').filter((k) => k.message);
        for (const k of kills) expect(k.message).toMatch(/^Container app failed (liveness|startup) probe(, will be restarted)?$/);
        if (!lp && !sp) expect(kills).toEqual([]);
      },
    ), { numRuns: 150 });
  });
});
