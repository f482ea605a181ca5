import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { RecordingPort } from '../../../machines/client/port.ts';
import { EVENT_CACHE_ENTRIES, recordEvent } from '../../../machines/client/events.ts';
import { newEntry, type KubeletContext, type KubeletEffects } from '../../../machines/kubelet/context.ts';
import { onWorkerRequest } from '../../../machines/kubelet/pods.ts';
import { podMachine, type WorkerRequest } from '../../../machines/pod/machine.ts';
import type { KEvent, Pod } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';

const pod: Pod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'liveness-http', namespace: 'default', uid: 'uid-l' },
  spec: {
    terminationGracePeriodSeconds: 30,
    containers: [{ name: 'liveness', image: 'registry.k8s.io/e2e-test-images/agnhost:2.40', args: ['liveness'], livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 3, periodSeconds: 3 } }],
  },
};

/** The kubelet's side of a pod worker: its requests served by onWorkerRequest on a recording port. */
function kubelet() {
  const port = new RecordingPort();
  const entry = newEntry(pod, {});
  entry.alive = true;
  const ctx = { port, config: { name: 'n1', capacity: {} }, pods: new Map([[entry.key, entry]]) } as unknown as KubeletContext;
  const fx: KubeletEffects = { spawnWorker() {}, sendWorker() {}, stopWorker() {}, raise() {} };
  return {
    port,
    serve: (r: WorkerRequest) => onWorkerRequest(ctx, fx, r),
    /** Events as `kubectl get events` would show them after the writes: creates, then count bumps. */
    events: () => {
      const byName = new Map<string, KEvent>();
      for (const { req } of port.requests) {
        if (req.resource !== 'events') continue;
        if (req.verb === 'create') {
          const e = structuredClone(req.body as KEvent);
          byName.set(e.metadata.name!, e);
        } else if (req.verb === 'patch') Object.assign(byName.get(req.name!)!, req.body);
      }
      return [...byName.values()].map((e) => ({ type: e.type, reason: e.reason, message: e.message, count: e['count'], fieldPath: e.involvedObject.fieldPath, first: e['firstTimestamp'], last: e['lastTimestamp'] }));
    },
  };
}

describe('probe events from the kubelet', () => {
  it('records Unhealthy on every failed probe (one Event, counted) and Killing with the probe\'s reason', () => {
    // The docs' liveness-http example: agnhost liveness, probes every 3 s after 3 s.
    const clock = new VirtualClock();
    const k = kubelet();
    k.port.now = () => clock.now();
    const actor = createActor(podMachine, { input: { pod, behaviours: { liveness: { http: [{ port: 8080, path: '/healthz', untilMs: 10_001, code: 200 }, { port: 8080, path: '/healthz', fromMs: 10_001, code: 500 }] } }, now: () => clock.now() }, clock });
    // Only the requests that are events: this kubelet has no volumes, sandboxes or images.
    actor.on('*', (r) => { if (r.type === 'worker.killContainer' || r.type === 'worker.probeFailed' || r.type === 'worker.backOff') k.serve(r); });
    actor.start();
    actor.send({ type: 'pod.bound', nodeName: 'n1' });
    actor.send({ type: 'pod.admitted' });
    actor.send({ type: 'pod.volumesMounted' });
    actor.send({ type: 'pod.sandboxReady', podIP: '10.244.1.7' });
    actor.send({ type: 'container.started', container: 'liveness' });
    clock.runUntilTime(18_000);
    expect(k.events()).toEqual([
      { type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500', count: 3, fieldPath: 'spec.containers{liveness}', first: '2026-01-01T00:00:12Z', last: '2026-01-01T00:00:18Z' },
      { type: 'Normal', reason: 'Killing', message: 'Container liveness failed liveness probe, will be restarted', count: 1, fieldPath: 'spec.containers{liveness}', first: '2026-01-01T00:00:18Z', last: '2026-01-01T00:00:18Z' },
    ]);
    expect(k.port.requests.filter((r) => r.req.resource === 'events').map((r) => r.req.verb)).toEqual(['create', 'patch', 'patch', 'create']);
  });
});

describe('the event recorder\'s correlator', () => {
  const obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u1' } };
  const src = { component: 'kubelet', host: 'n1' };

  it('patches count and lastTimestamp for an identical event, and creates a new one when anything differs', () => {
    const port = new RecordingPort();
    recordEvent(port, src, obj, 'Warning', 'Unhealthy', 'Readiness probe failed: x', 'spec.containers{app}');
    port.time = 10_000;
    recordEvent(port, src, obj, 'Warning', 'Unhealthy', 'Readiness probe failed: x', 'spec.containers{app}');
    recordEvent(port, src, obj, 'Warning', 'Unhealthy', 'Readiness probe failed: y', 'spec.containers{app}');
    recordEvent(port, { component: 'kubelet', host: 'n2' }, obj, 'Warning', 'Unhealthy', 'Readiness probe failed: x', 'spec.containers{app}');
    recordEvent(port, src, { ...obj, metadata: { ...obj.metadata, uid: 'u2' } }, 'Warning', 'Unhealthy', 'Readiness probe failed: x', 'spec.containers{app}');
    const [first, second, ...rest] = port.requests.map((r) => r.req);
    expect(first!.verb).toBe('create');
    expect(second).toMatchObject({ verb: 'patch', patchType: 'merge', name: (first!.body as KEvent).metadata.name, body: { count: 2, lastTimestamp: '2026-01-01T00:00:10Z', message: 'Readiness probe failed: x' } });
    expect(rest.map((r) => r.verb)).toEqual(['create', 'create', 'create']);
    // Another recorder (component) keeps its own cache.
    const other = new RecordingPort();
    recordEvent(other, src, obj, 'Warning', 'Unhealthy', 'Readiness probe failed: x', 'spec.containers{app}');
    expect(other.requests[0]!.req.verb).toBe('create');
  });

  it('forgets the least recently used entry beyond the cache size', () => {
    const port = new RecordingPort();
    for (let i = 0; i <= EVENT_CACHE_ENTRIES; i++) recordEvent(port, src, obj, 'Normal', 'R', `m${i}`);
    recordEvent(port, src, obj, 'Normal', 'R', `m${EVENT_CACHE_ENTRIES}`);
    recordEvent(port, src, obj, 'Normal', 'R', 'm0');
    expect(port.requests.slice(-2).map((r) => r.req.verb)).toEqual(['patch', 'create']);
  });
});
