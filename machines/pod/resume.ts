/**
 * A pod worker for a pod that was already running when its kubelet started (a kubelet restart,
 * a node coming back): the containers survived in the runtime, so the worker does not start them
 * again. It takes the sandbox and each container's facts from the pod's API status (the kubelet
 * reads them back from the runtime upstream: same container IDs, start times and restart counts),
 * and picks up from there: new prober workers, the behaviours' timers counted from each
 * container's start, and containers that had exited restart at the next relist (the restart
 * back-off, kept in the old kubelet's memory, starts over).
 */
import type { ContainerStatus, Pod, PodStatus } from '../../src/api/objects.ts';
import { fromTimestamp } from '../../src/api/time.ts';
import type { ContainerBehaviour } from '../kubelet/behaviour.ts';
import { stepContainer, type ContainerEventType } from '../container/machine.ts';
import { initialRecords, restartsAfterExit, type ContainerRecord } from './containers.ts';
import { processRunning } from './lifecycle-steps.ts';
import { armProbes } from './probe-steps.ts';
import type { PodContext } from './machine.ts';
import type { Step } from './steps.ts';

/**
 * Whether the runtime still has the pod's sandbox (a Running pod with its IP): its containers,
 * running or exited, are adopted rather than started again — an exited one restarts by its
 * policy, and the phase stays Running as the kubelet's getPhase computes it from the runtime.
 */
export function resumable(pod: Pod): boolean {
  const s = pod.status;
  return s !== undefined && s.phase === 'Running' && !!s.podIP;
}

function stepAll(name: string, state: string, events: ContainerEventType[]): string {
  let st = state;
  for (const e of events) st = stepContainer(name, st, e);
  return st;
}

/** One record brought in line with the container's API status. */
function resumeRecord(r: ContainerRecord, api: ContainerStatus | undefined, pod: Pod, nowMs: number): ContainerRecord {
  if (!api) return r;
  const attempt = api.restartCount + 1;
  const base = { ...r, status: { ...api }, attempt };
  if (api.state.running) {
    const started = r.kind === 'init' ? true : api.started !== false;
    const events: ContainerEventType[] = ['started', ...(started ? ['startup.succeeded' as const] : []), ...(api.ready && r.kind !== 'init' ? ['readiness.succeeded' as const] : [])];
    const at = api.state.running.startedAt;
    return { ...base, run: 'running', state: stepAll(r.name, r.state, events), startedAtMs: at ? fromTimestamp(at) : nowMs };
  }
  if (api.state.terminated) {
    const t = api.state.terminated;
    const restart = restartsAfterExit(r.kind, pod.spec.restartPolicy, t.exitCode);
    const event: ContainerEventType = t.exitCode === 0 ? 'exited.completed' : 'exited.error';
    return { ...base, run: restart ? 'exited' : 'done', state: stepAll(r.name, r.state, ['started', event]), exitedAtMs: t.finishedAt ? fromTimestamp(t.finishedAt) : nowMs };
  }
  // Waiting: a restart was due (or a start never happened); the next relist starts it.
  return { ...base, run: 'exited', exitedAtMs: nowMs };
}

/** The worker's context for a pod resumed from its API status. */
export function resumedContext(pod: Pod, behaviours: Readonly<Record<string, ContainerBehaviour>>, status: PodStatus, nowMs: number): Partial<PodContext> {
  const fresh = initialRecords(pod.spec, behaviours);
  const find = (list: ContainerStatus[] | undefined, name: string) => list?.find((c) => c.name === name);
  return {
    init: fresh.init.map((r) => resumeRecord(r, find(status.initContainerStatuses, r.name), pod, nowMs)),
    containers: fresh.containers.map((r) => resumeRecord(r, find(status.containerStatuses, r.name), pod, nowMs)),
    sandbox: { ready: true, ...(status.podIP ? { podIP: status.podIP, podIPs: (status.podIPs ?? [{ ip: status.podIP }]).map((p) => p.ip) } : {}) },
    ...(status.hostIP ? { hostIP: status.hostIP } : {}),
    ...(status.startTime ? { startTime: status.startTime } : {}),
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    cursor: fresh.containers.length,
    probeAnchorMs: nowMs,
    resumed: true,
  };
}

/** The resumed worker's first step: probes and behaviour timers for what runs, a relist for what waits. */
export function resumeRunning(s: Step): void {
  let relist = false;
  for (const r of s.records) {
    if (r.run === 'running') {
      const startMs = r.startedAtMs ?? s.nowMs;
      const b = r.behaviour;
      if (b.exitAfterMs !== undefined) s.timer({ type: 'container.exited', container: r.name, attempt: r.attempt, exitCode: b.exitCode ?? 0 }, b.exitAfterMs - (s.nowMs - startMs), `exit:${r.name}:${r.attempt}`);
      armProbes(s, r.name);
      processRunning(s, r.name, startMs);
    } else if (r.run === 'exited') relist = true;
  }
  if (relist) s.relist();
}
