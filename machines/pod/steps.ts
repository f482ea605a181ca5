/**
 * The pod machine's decisions, as pure steps over its context: each step reads the context and an
 * event and returns the new context plus what must happen next (requests to the kubelet, timers
 * on the actor's clock). The machine only applies them, so every rule here is testable alone.
 */
import type { PodPhase } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import {
  backOffNext, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS, findRecord, goDuration,
  IMAGE_BACKOFF_INITIAL_MS, IMAGE_BACKOFF_MAX_MS, inBackOffSince, markExited, markStarted, markStarting, markStatusUnknown,
  markWaiting, RELIST_PERIOD_MS, replaceRecord, restartsAfterExit, EXIT_START_ERROR, type ContainerRecord,
} from './containers.ts';
import { getPhase, hasAnyRegularContainerStarted } from './phase.ts';
import { armProbes, cancelProbeTimers, hasProbe, restartAfterProbeKill, restartsAfterProbeKill } from './probe-steps.ts';
import { afterExit, holdForPostStart, processRunning, terminatePod } from './lifecycle-steps.ts';
import { applyPending } from './spec-update.ts';
import type { PodContext, PodMachineEvent, WorkerRequest } from './machine.ts';

type Body<T> = T extends unknown ? Omit<T, 'pod' | 'uid'> : never;

/** A timer the machine arms on its own clock; ids are explicit so nothing random is generated. */
export interface Timer { event: PodMachineEvent; delayMs: number; id: string }

/** What a step asks the machine to do, besides updating its context. */
export class Step {
  init: ContainerRecord[];
  containers: ContainerRecord[];
  patch: Partial<PodContext> = {};
  requests: WorkerRequest[] = [];
  timers: Timer[] = [];
  cancels: string[] = [];

  constructor(readonly ctx: PodContext) {
    this.init = ctx.init;
    this.containers = ctx.containers;
  }

  get nowMs(): number {
    return this.ctx.now();
  }

  get records(): ContainerRecord[] {
    return [...this.init, ...this.containers];
  }

  record(name: string): ContainerRecord | undefined {
    return findRecord(this, name);
  }

  update(name: string, f: (r: ContainerRecord) => ContainerRecord): void {
    const next = replaceRecord(this, name, f);
    this.init = next.init;
    this.containers = next.containers;
  }

  request(body: Body<WorkerRequest>): void {
    this.requests.push({ ...body, pod: this.ctx.key, uid: this.ctx.uid } as WorkerRequest);
  }

  timer(event: PodMachineEvent, delayMs: number, id: string): void {
    this.timers.push({ event, delayMs: Math.max(0, delayMs), id });
  }

  /** The next relist: restart decisions and ErrImagePull -> ImagePullBackOff happen there. */
  relist(): void {
    this.cancels.push('relist');
    this.timer({ type: 'pod.synced' }, RELIST_PERIOD_MS, 'relist');
  }

  /** Asks the kubelet to (re)start a container: pull per policy, create, start. */
  start(name: string): void {
    this.update(name, markStarting);
    const r = this.record(name)!;
    this.request({ type: 'worker.startContainer', container: name, attempt: r.attempt });
  }
}

const podRef = (ctx: PodContext) => `${ctx.pod.metadata.name}_${ctx.pod.metadata.namespace ?? 'default'}(${ctx.uid})`;

/** Starts the container under the cursor unless it already is (re-entry after node recovery). */
export function startCursor(s: Step, list: 'init' | 'containers'): void {
  const r = s[list][s.ctx.cursor];
  if (r && r.run === 'notStarted') s.start(r.name);
}

/** The runtime started a container: Running, and its behaviour's exit and readiness timers armed. */
export function containerStarted(s: Step, e: Extract<PodMachineEvent, { type: 'container.started' }>): void {
  // A postStart hook runs first and holds the status (lifecycle-steps.ts); this step runs again when it succeeds.
  if (holdForPostStart(s, e)) return;
  const r0 = s.record(e.container)!;
  // When the process started: now, or before its postStart hook.
  const startMs = r0.postStart?.atMs ?? s.nowMs;
  const containerID = e.containerID ?? `containerd://${s.ctx.uid}-${e.container}-${r0.attempt}`;
  const gates = { startupProbe: hasProbe(s, r0, 'startup'), readinessProbe: hasProbe(s, r0, 'readiness') };
  s.update(e.container, (r) => markStarted(r, { at: timestamp(startMs), atMs: startMs, containerID, ...gates, ...(e.image ? { image: e.image } : {}), ...(e.imageID ? { imageID: e.imageID } : {}) }));
  const r = s.record(e.container)!;
  const b = r.behaviour;
  if (b.exitAfterMs !== undefined) s.timer({ type: 'container.exited', container: r.name, attempt: r.attempt, exitCode: b.exitCode ?? 0 }, b.exitAfterMs - (s.nowMs - startMs), `exit:${r.name}:${r.attempt}`);
  // Readiness: a readiness probe decides (readyAfterMs then forces its result); without one, a
  // readiness delay still holds the container unready for that long after its start.
  if (r.kind !== 'init' && !gates.readinessProbe && b.readyAfterMs && b.readyAfterMs > 0) s.timer({ type: 'container.ready', container: r.name, attempt: r.attempt }, b.readyAfterMs, `ready:${r.name}:${r.attempt}`);
  armProbes(s, r.name);
  processRunning(s, r.name, startMs);
  // The spec changed while this start was in flight: the next sync kills it for the new one.
  applyPending(s, r.name);
}

/** A pull failed: the container waits with the error, and the image back-off entry advances. */
export function pullFailed(s: Step, e: Extract<PodMachineEvent, { type: 'container.pullFailed' }>): void {
  const now = s.nowMs;
  s.update(e.container, (r) => ({ ...markWaiting(r, e.reason, e.message, 'backOff'), pullBackOff: backOffNext(r.pullBackOff, now, now, IMAGE_BACKOFF_INITIAL_MS, IMAGE_BACKOFF_MAX_MS) }));
  const r = s.record(e.container)!;
  s.timer({ type: 'container.backOffExpired', container: r.name, attempt: r.attempt }, r.pullBackOff!.durationMs, `backoff:${r.name}:${r.attempt}`);
  s.relist();
  applyPending(s, r.name);
}

/** The process ended; it waits for the next relist when the restart policy brings it back. */
export function containerExited(s: Step, e: Extract<PodMachineEvent, { type: 'container.exited' }>): void {
  const r = s.record(e.container)!;
  // A container killed for a failed liveness/startup probe restarts per restartPolicy alone; one
  // killed because its spec changed restarts whatever the policy (computePodActions).
  const policy = r.killedBy === 'specChange' ? true : r.killedBy ? restartsAfterProbeKill(s, r) : restartsAfterExit(r.kind, s.ctx.pod.spec.restartPolicy, e.exitCode);
  const restart = !s.ctx.terminal && !s.ctx.completing && policy;
  s.update(e.container, (x) => markExited(x, e.exitCode, timestamp(s.nowMs), s.nowMs, restart ? 'exited' : 'done', e.reason));
  s.request({ type: 'worker.containerExited', container: r.name, attempt: r.attempt, exitCode: e.exitCode });
  cancelProbeTimers(s, r);
  // Hooks and kills (lifecycle-steps.ts): PostStartHookError, the kill's completion; a process
  // gone before its kill reached SIGTERM stays `stopping` until the kill completes.
  const deferred = afterExit(s, r, restart);
  if (restart && !deferred && !(r.killedBy && restartAfterProbeKill(s, r))) s.relist();
}

/**
 * StartContainer failed (the runtime created the container but its executable does not exist):
 * containerd reports it exited with StartError, exit code 128 and its error, and the kubelet's
 * reason cache shows RunContainerError with the same message while restartPolicy will retry it
 * (convertToAPIContainerStatuses). The retry is the crash-loop's: at once the first time, then
 * CrashLoopBackOff 10 s doubling, decided at the relist like any exit.
 */
export function containerStartFailed(s: Step, e: Extract<PodMachineEvent, { type: 'container.startFailed' }>): void {
  const r = s.record(e.container)!;
  const restart = !s.ctx.terminal && !s.ctx.completing && restartsAfterExit(r.kind, s.ctx.pod.spec.restartPolicy, EXIT_START_ERROR);
  s.update(e.container, (x) => {
    const exited = markExited(x, EXIT_START_ERROR, timestamp(s.nowMs), s.nowMs, restart ? 'exited' : 'done', 'StartError', e.message);
    const ids = { ...(e.containerID ? { containerID: e.containerID } : {}), ...(e.image ? { image: e.image } : {}), ...(e.imageID ? { imageID: e.imageID } : {}) };
    const withIds = { ...exited, status: { ...exited.status, ...ids } };
    return restart ? markWaiting(withIds, 'RunContainerError', e.message, 'exited') : withIds;
  });
  if (restart) s.relist();
  applyPending(s, e.container);
}

/**
 * A relist: exited containers restart now, or wait out CrashLoopBackOff when they failed again
 * within their back-off (kuberuntime doBackOff); a failed pull shows as ImagePullBackOff.
 */
export function synced(s: Step): void {
  if (s.ctx.terminal) return;
  const now = s.nowMs;
  for (const r of s.records) {
    if (r.run === 'exited' && r.exitedAtMs !== undefined) {
      const entry = r.restartBackOff;
      if (entry && inBackOffSince(entry, r.exitedAtMs, now, CONTAINER_BACKOFF_MAX_MS)) {
        const message = `back-off ${goDuration(entry.durationMs)} restarting failed container=${r.name} pod=${podRef(s.ctx)}`;
        s.update(r.name, (x) => markWaiting(x, 'CrashLoopBackOff', message, 'backOff'));
        s.timer({ type: 'container.backOffExpired', container: r.name, attempt: r.attempt }, r.exitedAtMs + entry.durationMs - now, `backoff:${r.name}:${r.attempt}`);
        s.request({ type: 'worker.backOff', container: r.name, reason: 'CrashLoopBackOff', message });
      } else {
        s.update(r.name, (x) => ({ ...x, restartBackOff: backOffNext(x.restartBackOff, r.exitedAtMs!, now, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS) }));
        s.start(r.name);
      }
    } else if (r.run === 'backOff' && r.status.state.waiting?.reason === 'ErrImagePull') {
      const message = `Back-off pulling image "${r.image}"`;
      s.update(r.name, (x) => markWaiting(x, 'ImagePullBackOff', message, 'backOff'));
      s.request({ type: 'worker.backOff', container: r.name, reason: 'ImagePullBackOff', message });
    }
  }
}

/** A back-off ran out: a crash-looping container's entry advances, and the start is retried. */
export function backOffExpired(s: Step, e: Extract<PodMachineEvent, { type: 'container.backOffExpired' }>): void {
  const r = s.record(e.container)!;
  if (r.status.state.waiting?.reason === 'CrashLoopBackOff') {
    s.update(r.name, (x) => ({ ...x, restartBackOff: backOffNext(x.restartBackOff, x.exitedAtMs ?? s.nowMs, s.nowMs, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS) }));
  }
  s.start(r.name);
}

/**
 * Deletion: every running container is killed with the effective grace period (preStop, sidecars
 * last and in reverse order, SIGTERM, SIGKILL; lifecycle-steps.ts terminatePod); nothing else
 * will start. `deletionGracePeriodSeconds` is the pod's (0 for a force deletion).
 */
export function beginTermination(s: Step, deletionGracePeriodSeconds: number | undefined): void {
  terminatePod(s, deletionGracePeriodSeconds);
}

/**
 * The status TerminatePod leaves: containers that never reached a terminated state are reported
 * as ContainerStatusUnknown (regular ones once the pod had initialized; init containers that
 * started), and a pod that is not Succeeded or Failed by the kubelet's rules is Failed.
 */
export function terminationOutcome(ctx: PodContext): { init: ContainerRecord[]; containers: ContainerRecord[]; phase: PodPhase } {
  const initialized = hasAnyRegularContainerStarted(ctx.pod.spec, ctx.containers.map((r) => r.status));
  const init = ctx.init.map((r) => (r.attempt > 0 ? markStatusUnknown(r) : { ...r, run: 'done' as const }));
  const containers = ctx.containers.map((r) => (initialized ? markStatusUnknown(r) : { ...r, run: 'done' as const }));
  const phase = getPhase(ctx.pod.spec, init.length > 0 ? init.map((r) => r.status) : undefined, containers.map((r) => r.status), true);
  return { init, containers, phase: phase === 'Succeeded' || phase === 'Failed' ? phase : 'Failed' };
}
