import { describe, expect, it } from 'vitest';
import { effectiveGracePeriod, planKill, stopOutcome, terminationOrdering, containerGracePeriod } from '../../../machines/pod/termination.ts';
import { runHook } from '../../../machines/pod/hooks.ts';
import type { Container, PodSpec } from '../../../src/api/objects.ts';
import { drive, makePod } from './harness.ts';


const withPreStop = (preStop: Record<string, unknown>, c: Partial<Container> = {}): Container => ({ name: 'app', image: 'busybox:1.36', lifecycle: { preStop }, ...c });

describe('the grace period of a deletion (pod_workers calculateEffectiveGracePeriod, 1.32)', () => {
  it('takes the API\'s deletionGracePeriodSeconds, which may only shorten it', () => {
    expect(effectiveGracePeriod(0, 30, 30)).toBe(30);
    expect(effectiveGracePeriod(0, 5, 30)).toBe(5);
    expect(effectiveGracePeriod(30, 10, 30)).toBe(10);
    expect(effectiveGracePeriod(10, 20, 30)).toBe(10);
  });

  it('gives a force deletion (grace 0) the spec grace on the node, and never less than 1 s', () => {
    expect(effectiveGracePeriod(0, 0, 30)).toBe(30);
    expect(effectiveGracePeriod(0, 0, 0)).toBe(1);
    expect(effectiveGracePeriod(0, undefined, undefined)).toBe(1);
    // A kill-side override (eviction) shortens it.
    expect(effectiveGracePeriod(0, 30, 30, 1)).toBe(1);
  });

  it('uses deletionGracePeriodSeconds, then the spec, then 2 s for kills without an override', () => {
    expect(containerGracePeriod(makePod({}, { deletionGracePeriodSeconds: 7 }))).toBe(7);
    expect(containerGracePeriod(makePod({ terminationGracePeriodSeconds: 12 }))).toBe(12);
    expect(containerGracePeriod(makePod({ terminationGracePeriodSeconds: undefined }))).toBe(2);
  });
});

describe('one container\'s kill plan (killContainer)', () => {
  it('runs the preStop hook inside the grace period and takes its time off it', () => {
    expect(planKill({ graceSeconds: 30, preStop: { durationMs: 5000, ok: true }, facts: {} })).toEqual({ preStopEndMs: 5000, preStopFailed: false, sigtermAtMs: 5000, stopGraceSeconds: 25, exitAtMs: 5000, exitCode: 143, killed: false });
    // A process that ignores SIGTERM is killed when the rest of the grace runs out: 30 s after the Killing event.
    expect(planKill({ graceSeconds: 30, preStop: { durationMs: 5000, ok: true }, facts: { ignoresSigterm: true } })).toMatchObject({ sigtermAtMs: 5000, exitAtMs: 30_000, exitCode: 137, killed: true });
  });

  it('takes whole seconds off (truncated), as upstream converts the hook\'s duration', () => {
    expect(planKill({ graceSeconds: 30, preStop: { durationMs: 2500, ok: true }, facts: { ignoresSigterm: true } })).toMatchObject({ sigtermAtMs: 2500, stopGraceSeconds: 28, exitAtMs: 30_500 });
  });

  it('leaves exactly 2 s between SIGTERM and SIGKILL when the preStop hook overruns the grace period', () => {
    expect(planKill({ graceSeconds: 10, preStop: { durationMs: 60_000, ok: true }, facts: { ignoresSigterm: true } })).toEqual({ preStopEndMs: 10_000, preStopFailed: false, sigtermAtMs: 10_000, stopGraceSeconds: 2, exitAtMs: 12_000, exitCode: 137, killed: true });
  });

  it('skips the preStop hook with grace 0 and still gives the process 2 s', () => {
    expect(planKill({ graceSeconds: 0, preStop: { durationMs: 5000, ok: true }, facts: { ignoresSigterm: true } })).toEqual({ preStopFailed: false, sigtermAtMs: 0, stopGraceSeconds: 2, exitAtMs: 2000, exitCode: 137, killed: true });
  });

  it('reports a failed hook that ended within the grace period', () => {
    expect(planKill({ graceSeconds: 30, preStop: { durationMs: 0, ok: false }, facts: {} })).toMatchObject({ preStopFailed: true, sigtermAtMs: 0, exitAtMs: 0 });
    expect(planKill({ graceSeconds: 3, preStop: { durationMs: 5000, ok: false }, facts: {} }).preStopFailed).toBe(false);
  });

  it('uses the image\'s exit on SIGTERM: its code, its delay, SIGKILL if it takes the whole grace', () => {
    expect(stopOutcome({ termExitCode: 0 }, 30)).toEqual({ afterMs: 0, exitCode: 0, killed: false });
    expect(stopOutcome({ termExitCode: 2, termExitAfterMs: 1500 }, 30)).toEqual({ afterMs: 1500, exitCode: 2, killed: false });
    expect(stopOutcome({ termExitAfterMs: 60_000 }, 30)).toEqual({ afterMs: 30_000, exitCode: 137, killed: true });
  });

  it('subtracts the sidecar\'s wait for its turn, and floors at 2 s', () => {
    expect(planKill({ graceSeconds: 30, turnWaitMs: 4200, facts: {} })).toMatchObject({ sigtermAtMs: 4200, stopGraceSeconds: 26 });
    expect(planKill({ graceSeconds: 10, turnWaitMs: 60_000, facts: { ignoresSigterm: true } })).toMatchObject({ sigtermAtMs: 10_000, stopGraceSeconds: 2, exitAtMs: 12_000 });
  });
});

describe('the sidecar termination order (newTerminationOrdering)', () => {
  const spec: PodSpec = {
    initContainers: [{ name: 'a', image: 'x', restartPolicy: 'Always' }, { name: 'setup', image: 'x' }, { name: 'b', image: 'x', restartPolicy: 'Always' }, { name: 'c', image: 'x', restartPolicy: 'Always' }],
    containers: [{ name: 'x', image: 'x' }, { name: 'y', image: 'x' }],
  };

  it('makes each sidecar wait for the running main containers and the next sidecar', () => {
    const o = terminationOrdering(spec, ['a', 'b', 'c', 'x', 'y'])!;
    expect(Object.fromEntries(o)).toEqual({ a: ['x', 'y', 'b'], b: ['x', 'y', 'c'], c: ['x', 'y'], x: [], y: [] });
  });

  it('counts containers that were not running as stopped', () => {
    const o = terminationOrdering(spec, ['a', 'c', 'x'])!;
    // b is not running: a waits only on it (pre-closed), not on c.
    expect(Object.fromEntries(o)).toEqual({ a: ['x'], c: ['x'], x: [] });
  });

  it('has no ordering without sidecars', () => {
    expect(terminationOrdering({ containers: [{ name: 'x' }] }, ['x'])).toBeUndefined();
  });
});

describe('graceful deletion in the pod machine', () => {
  it('runs the preStop hook, then SIGTERM: the process is gone when the hook ends', () => {
    const h = drive(makePod({ containers: [withPreStop({ exec: { command: ['sh', '-c', 'sleep 5'] } })] }));
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    expect(h.kills()).toMatchObject([{ container: 'app', gracePeriodSeconds: 30, at: 0 }]);
    h.run(4999);
    expect(h.state()).toBe('Terminating');
    expect(h.container().state.running).toBeDefined();
    h.run(1);
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 143, at: 5000 }]);
    expect(h.state()).toBe('Failed');
  });

  it('honours the sleep lifecycle handler and an httpGet hook answered at once', () => {
    const h = drive(makePod({ containers: [withPreStop({ sleep: { seconds: 3 } })] }));
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    h.run(10_000);
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 143, at: 3000 }]);

    const g = drive(makePod({ containers: [withPreStop({ httpGet: { path: '/shutdown', port: 8080 } })] }), { app: { http: [{ port: 8080, code: 200 }] } });
    g.toRunning();
    g.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    g.run(1);
    expect(g.exits()).toEqual([{ container: 'app', exitCode: 143, at: 0 }]);
    expect(g.requests.some((r) => r.type === 'worker.hookFailed')).toBe(false);
  });

  it('gives a process 2 s after SIGTERM when its preStop hook overran the grace period', () => {
    const h = drive(makePod({ containers: [withPreStop({ exec: { command: ['sleep', '60'] } })] }), { app: { ignoresSigterm: true } });
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 10 });
    h.run(11_999);
    expect(h.state()).toBe('Terminating');
    expect(h.exits()).toEqual([]);
    h.run(1);
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 137, at: 12_000 }]);
    expect(h.container().state.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
  });

  it('records FailedPreStopHook for a failed hook and stops the container anyway', () => {
    const h = drive(makePod({ containers: [withPreStop({ exec: { command: ['sh', '-c', 'exit 1'] } })] }));
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    expect(h.requests.filter((r) => r.type === 'worker.hookFailed')).toMatchObject([{ container: 'app', hook: 'PreStop', at: 0 }]);
    h.run(1);
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 143, at: 0 }]);
  });

  it('kills a force-deleted pod\'s containers with the spec grace (1.32), the preStop hook included', () => {
    const h = drive(makePod({ terminationGracePeriodSeconds: 20, containers: [withPreStop({ exec: { command: ['sleep', '5'] } })] }), { app: { ignoresSigterm: true } });
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 0 });
    expect(h.kills()).toMatchObject([{ container: 'app', gracePeriodSeconds: 20 }]);
    h.run(30_000);
    // preStop 5 s, then SIGTERM with the 15 s left; the process ignores it and is killed at 20 s.
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 137, at: 20_000 }]);
  });

  it('uses the image\'s stop behaviour: nginx quits with 0 and the deleted pod ends Succeeded', () => {
    const h = drive(makePod(), { app: { termExitCode: 0, termExitAfterMs: 300 } });
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    h.run(300);
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 0, at: 300 }]);
    expect(h.state()).toBe('Succeeded');
  });

  it('stops sidecars after the main containers, in reverse spec order', () => {
    const pod = makePod({
      initContainers: [{ name: 'proxy', image: 'nginx', restartPolicy: 'Always' }, { name: 'logs', image: 'busybox', restartPolicy: 'Always' }],
      containers: [{ name: 'app', image: 'nginx' }],
    });
    const h = drive(pod, { app: { termExitAfterMs: 3000 }, logs: { termExitAfterMs: 1000 }, proxy: { termExitAfterMs: 1000 } });
    h.toRunning();
    expect(h.state()).toBe('Running');
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    // Every container gets its Killing event at once (the kills run in parallel)...
    expect(h.kills().map((k) => [k.container, k.at])).toEqual([['proxy', 0], ['logs', 0], ['app', 0]]);
    h.run(30_000);
    // ...but the SIGTERMs wait: app first, then logs (the later sidecar), then proxy.
    expect(h.exits()).toEqual([
      { container: 'app', exitCode: 143, at: 3000 },
      { container: 'logs', exitCode: 143, at: 4000 },
      { container: 'proxy', exitCode: 143, at: 5000 },
    ]);
    expect(h.state()).toBe('Failed');
  });

  it('bounds a sidecar\'s wait by the grace period, then still gives it 2 s', () => {
    const pod = makePod({
      initContainers: [{ name: 'proxy', image: 'nginx', restartPolicy: 'Always' }, { name: 'logs', image: 'busybox', restartPolicy: 'Always' }],
      containers: [{ name: 'app', image: 'nginx' }],
    });
    const h = drive(pod, { app: { ignoresSigterm: true }, proxy: { ignoresSigterm: true } });
    h.toRunning();
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 10 });
    h.run(30_000);
    // app is SIGKILLed at 10 s; the sidecars' waits run out at 10 s too: logs exits on its SIGTERM,
    // proxy ignores it and is killed 2 s later.
    expect(h.exits().sort((a, b) => a.at - b.at || a.container.localeCompare(b.container))).toEqual([
      { container: 'app', exitCode: 137, at: 10_000 },
      { container: 'logs', exitCode: 143, at: 10_000 },
      { container: 'proxy', exitCode: 137, at: 12_000 },
    ]);
  });

  it('stops the sidecars in reverse order once the main container completed under Never', () => {
    const pod = makePod({
      restartPolicy: 'Never', terminationGracePeriodSeconds: 20,
      initContainers: [{ name: 'proxy', image: 'nginx', restartPolicy: 'Always' }, { name: 'logs', image: 'busybox', restartPolicy: 'Always' }],
      containers: [{ name: 'app', image: 'busybox' }],
    });
    const h = drive(pod, { app: { exitCode: 0, exitAfterMs: 1000 }, logs: { termExitAfterMs: 500 } });
    h.toRunning();
    h.run(1000);
    expect(h.kills().map((k) => [k.container, k.gracePeriodSeconds, k.at])).toEqual([['proxy', 20, 1000], ['logs', 20, 1000]]);
    h.run(10_000);
    expect(h.exits()).toEqual([
      { container: 'app', exitCode: 0, at: 1000 },
      { container: 'logs', exitCode: 143, at: 1500 },
      { container: 'proxy', exitCode: 143, at: 1500 },
    ]);
    expect(h.state()).toBe('Succeeded');
  });

  it('with grace 0 runs no preStop and no turn: every sidecar gets SIGTERM at once and 2 s', () => {
    const pod = makePod({
      restartPolicy: 'Never', terminationGracePeriodSeconds: 0,
      initContainers: [
        { name: 'proxy', image: 'nginx', restartPolicy: 'Always' },
        { name: 'logs', image: 'busybox', restartPolicy: 'Always', lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } },
      ],
      containers: [{ name: 'app', image: 'busybox' }],
    });
    const h = drive(pod, { app: { exitCode: 0, exitAfterMs: 1000 }, logs: { ignoresSigterm: true } });
    h.toRunning();
    h.run(1000);
    expect(h.kills().map((k) => [k.container, k.gracePeriodSeconds, k.at])).toEqual([['proxy', 0, 1000], ['logs', 0, 1000]]);
    h.run(10_000);
    expect(h.exits()).toEqual([
      { container: 'app', exitCode: 0, at: 1000 },
      { container: 'proxy', exitCode: 143, at: 1000 },
      { container: 'logs', exitCode: 137, at: 3000 },
    ]);
    expect(h.state()).toBe('Succeeded');
  });
});

describe('hooks answered by the process facts', () => {
  const pod = makePod();
  const c: Container = { name: 'app', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] };
  it('formats a failed exec hook as the handler runner does', () => {
    const out = runHook({ exec: { command: ['sh', '-c', 'cat /tmp/ready'] } }, { pod, container: c, facts: {}, tMs: 0 });
    expect(out).toEqual({ ok: false, durationMs: 0, message: `Exec lifecycle hook ([sh -c cat /tmp/ready]) for Container "app" in Pod "web_default(uid-1)" failed - error: command 'sh -c cat /tmp/ready' exited with 1: cat: can't open '/tmp/ready': No such file or directory\n, message: "cat: can't open '/tmp/ready': No such file or directory\\n"` });
    expect(runHook({ exec: { command: ['sh', '-c', 'cat /tmp/ready'] } }, { pod, container: c, facts: { files: [{ path: '/tmp/ready', fromMs: 0 }] }, tMs: 0 }).ok).toBe(true);
  });

  it('fails an httpGet hook only when nothing listens (a named port resolves)', () => {
    expect(runHook({ httpGet: { path: '/hook', port: 'http' } }, { pod, container: c, facts: { http: [{ port: 8080, code: 500 }] }, tMs: 0, podIP: '10.244.1.2' })).toEqual({ ok: true, durationMs: 0 });
    expect(runHook({ httpGet: { path: '/hook', port: 8080 } }, { pod, container: c, facts: {}, tMs: 0, podIP: '10.244.1.2' })).toEqual({
      ok: false, durationMs: 0,
      message: 'HTTP lifecycle hook (/hook) for Container "app" in Pod "web_default(uid-1)" failed - error: Get "http://10.244.1.2:8080/hook": dial tcp 10.244.1.2:8080: connect: connection refused',
    });
  });

  it('takes the time of its sleeps', () => {
    expect(runHook({ exec: { command: ['sh', '-c', 'sleep 2; echo done'] } }, { pod, container: c, facts: {}, tMs: 0 })).toEqual({ ok: true, durationMs: 2000 });
    expect(runHook({ sleep: { seconds: 7 } }, { pod, container: c, facts: {}, tMs: 0 })).toEqual({ ok: true, durationMs: 7000 });
  });
});
