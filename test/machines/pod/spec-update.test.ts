import { describe, expect, it } from 'vitest';
import { drive, makePod } from './harness.ts';
import type { Pod } from '../../../src/api/objects.ts';

const withImage = (pod: Pod, image: string, name = 'app'): Pod => ({ ...pod, spec: { ...pod.spec, containers: pod.spec.containers.map((c) => (c.name === name ? { ...c, image } : c)) } });

describe('a container image updated in place (spec-update.ts)', () => {
  it('kills a running container with "definition changed", then starts it with the new image and behaviour', () => {
    const pod = makePod({ terminationGracePeriodSeconds: 10 });
    const h = drive(pod, { app: { termExitCode: 0 } });
    h.toRunning();
    expect(h.state()).toBe('Running');
    h.send({ type: 'pod.specUpdated', pod: withImage(pod, 'busybox:1.36'), behaviours: { app: { exitCode: 3, exitAfterMs: 5000 } } });
    h.run(0);
    expect(h.kills()).toEqual([expect.objectContaining({ container: 'app', gracePeriodSeconds: 10, message: 'Container app definition changed, will be restarted' })]);
    // The old process's own stop behaviour: exit 0 on its signal, at once; the start follows in the same sync.
    expect(h.exits()).toEqual([{ container: 'app', exitCode: 0, at: 0 }]);
    expect(h.starts().map((s) => [s.attempt, s.at])).toEqual([[1, 0], [2, 0]]);
    expect(h.state()).toBe('Running');
    h.consistent();
    h.send({ type: 'container.started', container: 'app', attempt: 2, image: 'docker.io/library/busybox:1.36' });
    const c = h.container();
    expect(c.restartCount).toBe(1);
    expect(c.image).toBe('docker.io/library/busybox:1.36');
    expect(c.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    h.consistent();
    // The new run behaves as the new behaviour says: exits 3 after 5 s, and restarts at once (a fresh back-off).
    h.run(5000);
    expect(h.exits().at(-1)).toEqual({ container: 'app', exitCode: 3, at: 5000 });
    h.run(1000);
    expect(h.starts().length).toBe(3);
    h.consistent();
  });

  it('under restartPolicy Never the changed container still restarts, and the pod stays Running', () => {
    const pod = makePod({ restartPolicy: 'Never' });
    const h = drive(pod, { app: { termExitCode: 0 } });
    h.toRunning();
    h.send({ type: 'pod.specUpdated', pod: withImage(pod, 'nginx:1.28'), behaviours: { app: {} } });
    h.run(0);
    expect(h.starts().length).toBe(2);
    expect(h.state()).toBe('Running');
    h.send({ type: 'container.started', container: 'app', attempt: 2 });
    expect(h.status().phase).toBe('Running');
    expect(h.container().restartCount).toBe(1);
    h.consistent();
  });

  it('retries a container waiting in ImagePullBackOff at once with the new image, whatever its back-off', () => {
    const pod = makePod({}, {});
    const h = drive(withImage(pod, 'nope:1'));
    h.toContainers();
    const message = 'rpc error: code = NotFound';
    h.send({ type: 'container.pullFailed', container: 'app', attempt: 1, reason: 'ErrImagePull', message });
    h.run(1000);
    expect(h.container().state.waiting?.reason).toBe('ImagePullBackOff');
    h.send({ type: 'pod.specUpdated', pod, behaviours: { app: {} } });
    expect(h.starts().map((s) => [s.attempt, s.at])).toEqual([[1, 0], [2, 1000]]);
    expect(h.container().image).toBe('nginx:1.27');
    expect(h.kills()).toEqual([]);
    // The old back-off's timer is void.
    h.run(20_000);
    expect(h.starts().length).toBe(2);
    h.send({ type: 'container.started', container: 'app', attempt: 2 });
    expect(h.state()).toBe('Running');
    expect(h.container().restartCount).toBe(0);
    h.consistent();
  });

  it('a start in flight for the old image finishes first, then is replaced at once', () => {
    const pod = makePod();
    const h = drive(pod);
    h.toContainers();
    h.send({ type: 'pod.specUpdated', pod: withImage(pod, 'nginx:1.28'), behaviours: { app: {} } });
    expect(h.kills()).toEqual([]);
    h.send({ type: 'container.started', container: 'app', attempt: 1 });
    expect(h.kills().map((k) => (k as { message?: string }).message)).toEqual(['Container app definition changed, will be restarted']);
    h.consistent();
  });

  it('a running sidecar is restarted with "Init container <c> definition changed"; the app keeps running', () => {
    const pod = makePod({ initContainers: [{ name: 'proxy', image: 'nginx:1.27', restartPolicy: 'Always' }] });
    const h = drive(pod, { proxy: { termExitCode: 0 } });
    h.toRunning();
    expect(h.state()).toBe('Running');
    const next: Pod = { ...pod, spec: { ...pod.spec, initContainers: [{ name: 'proxy', image: 'nginx:1.28', restartPolicy: 'Always' }] } };
    h.send({ type: 'pod.specUpdated', pod: next, behaviours: { proxy: {} } });
    h.run(0);
    expect(h.kills().map((k) => [k.container, (k as { message?: string }).message])).toEqual([['proxy', 'Init container proxy definition changed']]);
    expect(h.starts('proxy').length).toBe(2);
    expect(h.starts('app').length).toBe(1);
    h.send({ type: 'container.started', container: 'proxy', attempt: 2 });
    expect(h.container('proxy').restartCount).toBe(1);
    expect(h.container('app').state.running).toBeDefined();
    expect(h.state()).toBe('Running');
    h.consistent();
  });

  it('an unchanged image, or a deleted pod, changes nothing', () => {
    const pod = makePod();
    const h = drive(pod);
    h.toRunning();
    h.send({ type: 'pod.specUpdated', pod, behaviours: {} });
    expect(h.kills()).toEqual([]);
    h.send({ type: 'pod.deletionRequested', gracePeriodSeconds: 30 });
    h.send({ type: 'pod.specUpdated', pod: withImage(pod, 'nginx:1.28'), behaviours: { app: {} } });
    expect(h.kills().map((k) => (k as { message?: string }).message)).toEqual([undefined]);
    expect(h.starts().length).toBe(1);
  });
});
