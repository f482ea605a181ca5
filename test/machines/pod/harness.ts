/**
 * A pod machine driven by hand on a virtual clock, recording what it asks of the kubelet (each
 * request with its virtual time): the shared harness of the pod lifecycle tests.
 */
import { expect } from 'vitest';
import { createActor } from 'xstate';
import { podMachine, podStatusOf, type PodMachineEvent, type WorkerRequest } from '../../../machines/pod/machine.ts';
import { kubectlStatus } from '../../../machines/pod/phase.ts';
import { stateOfStatus } from '../../../machines/container/machine.ts';
import type { ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import type { Pod, PodSpec } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';
import { stateString } from '../../../src/sim/actors.ts';

export function makePod(spec: Partial<PodSpec> = {}, meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1', ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], terminationGracePeriodSeconds: 30, ...spec },
  };
}

export function drive(pod: Pod, behaviours: Record<string, ContainerBehaviour> = {}) {
  const clock = new VirtualClock();
  const requests: Array<WorkerRequest & { at: number }> = [];
  const actor = createActor(podMachine, { input: { pod, behaviours, now: () => clock.now() }, clock });
  actor.on('*', (e) => requests.push({ ...e, at: clock.now() }));
  actor.subscribe({ error: (err) => { throw err; } });
  actor.start();
  const h = {
    clock, requests,
    send: (e: PodMachineEvent) => actor.send(e),
    state: () => stateString(actor.getSnapshot().value as never),
    status: () => podStatusOf(actor.getSnapshot()),
    kubectl: () => kubectlStatus({ ...pod, status: podStatusOf(actor.getSnapshot()) }),
    container: (name = 'app') => [...(h.status().initContainerStatuses ?? []), ...(h.status().containerStatuses ?? [])].find((c) => c.name === name)!,
    /** The container machine state agrees with the status the API shows. */
    consistent: () => {
      const ctx = actor.getSnapshot().context;
      for (const r of [...ctx.init, ...ctx.containers]) expect(r.state, r.name).toBe(stateOfStatus(r.status));
    },
    run: (ms: number) => clock.runUntilTime(clock.now() + ms),
    starts: (c = 'app') => requests.filter((r): r is Extract<WorkerRequest, { type: 'worker.startContainer' }> & { at: number } => r.type === 'worker.startContainer' && r.container === c),
    of: <T extends WorkerRequest['type']>(type: T) => requests.filter((r) => r.type === type) as Array<Extract<WorkerRequest, { type: T }> & { at: number }>,
    /** When each container's process ended, and how. */
    exits: () => requests.filter((r) => r.type === 'worker.containerExited').map((r) => ({ container: (r as { container: string }).container, exitCode: (r as { exitCode: number }).exitCode, at: r.at })),
    kills: () => requests.filter((r) => r.type === 'worker.killContainer'),
    /** Bound, admitted, volumes mounted, sandbox ready: containers are being created. */
    toContainers: () => {
      h.send({ type: 'pod.bound', nodeName: 'n1' });
      h.send({ type: 'pod.admitted' });
      h.send({ type: 'pod.volumesMounted' });
      h.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });
    },
    /** Every container of the pod started by hand. */
    toRunning: () => {
      h.toContainers();
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) h.send({ type: 'container.started', container: c.name });
    },
  };
  return h;
}
