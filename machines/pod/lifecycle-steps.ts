/**
 * The pod machine's steps for hooks, kills, config errors and the OOM killer: the rules of
 * termination.ts and hooks.ts executed on the machine's clock, with explicit timer ids.
 *
 * - postStart (kuberuntime startContainer step 4): the hook runs right after the runtime started
 *   the process and blocks the start loop until it is done. The status stays Waiting meanwhile
 *   (upstream's pod worker is busy inside SyncPod and writes nothing). Success: the container
 *   shows Running (startedAt = when the process started). Failure: a Warning
 *   `FailedPostStartHook` `PostStartHook failed`, then the container is killed (Killing
 *   "FailedPostStartHook", preStop included, the pod's grace), and once it is gone it waits with
 *   PostStartHookError and the handler's message when restartPolicy restarts it (the kubelet's
 *   reason cache), else it stays Terminated. Its restart then follows CrashLoopBackOff like a crash.
 * - Kills: `killContainer` / `killPod` (termination.ts): Killing, preStop (`container.preStopDone`
 *   after the hook's time), the sidecar turn (`container.turnTimeout` when the grace runs out
 *   first), SIGTERM, and the exit or SIGKILL (`container.exited` at the stop outcome). A kill is
 *   complete when StopContainer has returned, i.e. the process is gone and the kill got past its
 *   preStop and turn; only then do sidecars waiting on it take their turn.
 * - CreateContainerConfigError: the container waits with the message and the start is retried at
 *   the pod worker's error requeue, backOffPeriod = 10 s (upstream jitters it to 10–15 s).
 * - OOMKilled: with resources.limits.memory set, the first moment the process's memory exceeds it
 *   the kernel kills it: Terminated OOMKilled, exit code 137, then restartPolicy as for any exit.
 */
import type { Container } from '../../src/api/objects.ts';
import { tryParseQuantity } from '../../src/api/quantity.ts';
import { timestamp } from '../../src/api/time.ts';
import { firstOverLimit } from '../kubelet/process.ts';
import { EXIT_SIGKILL, markStarted, markWaiting, type ContainerRecord } from './containers.ts';
import { lifecycleOf, runHook, type LifecycleHandler } from './hooks.ts';
import type { PodMachineEvent } from './machine.ts';
import { containerStarted, type Step } from './steps.ts';
import { applyPending } from './spec-update.ts';
import { hasProbe } from './probe-steps.ts';
import { containerGracePeriod, effectiveGracePeriod, graceAfter, stopGracePeriod, stopOutcome, terminationOrdering, type KillState } from './termination.ts';

/** The pod worker's requeue after a failed sync (kubelet backOffPeriod), used for config errors. */
export const CONFIG_RETRY_MS = 10_000;

type Started = Extract<PodMachineEvent, { type: 'container.started' }>;

export const postStartId = (c: string, a: number) => `poststart:${c}:${a}`;
export const preStopId = (c: string, a: number) => `prestop:${c}:${a}`;
export const turnId = (c: string, a: number) => `turn:${c}:${a}`;
export const stopId = (c: string, a: number) => `stop:${c}:${a}`;
export const oomId = (c: string, a: number) => `oom:${c}:${a}`;

function specOf(s: Step, name: string): Container | undefined {
  const spec = s.ctx.pod.spec;
  return spec.containers.find((c) => c.name === name) ?? spec.initContainers?.find((c) => c.name === name);
}

/** When the current run's process started (its postStart hook may still hold the status). */
export function processStartMs(r: ContainerRecord, fallbackMs: number): number {
  return r.postStart?.atMs ?? r.startedAtMs ?? fallbackMs;
}

function hook(s: Step, r: ContainerRecord, h: LifecycleHandler) {
  const c = specOf(s, r.name)!;
  return runHook(h, { pod: s.ctx.pod, container: c, facts: r.behaviour, tMs: s.nowMs - processStartMs(r, s.nowMs), ...(s.ctx.sandbox.podIP ? { podIP: s.ctx.sandbox.podIP } : {}) });
}

const setKill = (s: Step, name: string, patch: Partial<KillState>) => s.update(name, (x) => (x.kill ? { ...x, kill: { ...x.kill, ...patch } } : x));

// ---------------------------------------------------------------------------------------------
// postStart

/**
 * Called first by containerStarted: whether the start must wait for the container's postStart
 * hook. The first call runs the hook (at once, or after its duration); the status is left alone.
 */
export function holdForPostStart(s: Step, e: Started): boolean {
  const r = s.record(e.container)!;
  if (r.postStart) return !r.postStart.done;
  const h = lifecycleOf(specOf(s, r.name))?.postStart;
  if (!h) return false;
  const started = { container: e.container, ...(e.attempt !== undefined ? { attempt: e.attempt } : {}), ...(e.containerID ? { containerID: e.containerID } : {}), ...(e.image ? { image: e.image } : {}), ...(e.imageID ? { imageID: e.imageID } : {}) };
  s.update(r.name, (x) => ({ ...x, postStart: { atMs: s.nowMs, at: timestamp(s.nowMs), started, outcome: { ok: true, durationMs: 0 } } }));
  const outcome = hook(s, s.record(r.name)!, h);
  s.update(r.name, (x) => ({ ...x, postStart: { ...x.postStart!, outcome } }));
  // A hook that never ends (sleep infinity) holds the container in Waiting for good, as upstream's does.
  if (outcome.durationMs === 0) postStartDone(s, r.name);
  else if (Number.isFinite(outcome.durationMs)) s.timer({ type: 'container.postStartDone', container: r.name, attempt: r.attempt }, outcome.durationMs, postStartId(r.name, r.attempt));
  return true;
}

/** The postStart hook is over: the container starts for the API, or it is killed. */
export function postStartDone(s: Step, name: string): void {
  const r = s.record(name);
  const p = r?.postStart;
  if (!r || !p || p.done || r.run !== 'starting') return;
  if (p.outcome.ok) {
    s.update(name, (x) => ({ ...x, postStart: { ...p, done: true } }));
    containerStarted(s, { type: 'container.started', ...p.started });
    return;
  }
  s.request({ type: 'worker.hookFailed', container: name, hook: 'PostStart' });
  s.update(name, (x) => ({ ...x, postStartError: p.outcome.message ?? '' }));
  killContainer(s, name, containerGracePeriod(s.ctx.pod), { message: 'FailedPostStartHook' });
}

/**
 * The end of containerStarted: the OOM killer is armed and the postStart bookkeeping dropped.
 * `startMs` is when the process started.
 */
export function processRunning(s: Step, name: string, startMs: number): void {
  armOomKill(s, name, startMs);
  s.update(name, (x) => (x.postStart ? { ...x, postStart: undefined } : x));
}

// ---------------------------------------------------------------------------------------------
// OOM

/** resources.limits.memory in MiB, if set and valid. */
export function memoryLimitMiB(c: Container | undefined): number | undefined {
  const q = c?.resources?.limits?.['memory'];
  if (q === undefined) return undefined;
  const r = tryParseQuantity(q);
  return r.ok ? Math.ceil(r.value) / (1024 * 1024) : undefined;
}

/** The kernel's OOM kill of the process, when its memory ever exceeds the container's limit. */
export function armOomKill(s: Step, name: string, startMs: number): void {
  const r = s.record(name)!;
  const limit = memoryLimitMiB(specOf(s, name));
  if (limit === undefined) return;
  const at = firstOverLimit(r.behaviour, limit);
  if (at === undefined) return;
  s.timer({ type: 'container.exited', container: name, attempt: r.attempt, exitCode: EXIT_SIGKILL, reason: 'OOMKilled' }, at - (s.nowMs - startMs), oomId(name, r.attempt));
}

// ---------------------------------------------------------------------------------------------
// CreateContainerConfigError

/** generateContainerConfig failed: the container waits with the message; the sync retries. */
export function configFailed(s: Step, e: Extract<PodMachineEvent, { type: 'container.configFailed' }>): void {
  s.update(e.container, (x) => markWaiting(x, 'CreateContainerConfigError', e.message, 'backOff'));
  const r = s.record(e.container)!;
  s.timer({ type: 'container.backOffExpired', container: r.name, attempt: r.attempt }, CONFIG_RETRY_MS, `backoff:${r.name}:${r.attempt}`);
  applyPending(s, r.name);
}

// ---------------------------------------------------------------------------------------------
// Kills

export interface KillOptions {
  /** The Killing event's message, when not "Stopping container <c>". */
  message?: string;
  /** Sidecar ordering: the containers whose kill must complete before this SIGTERM. */
  waitsFor?: string[];
}

/** killContainer with a grace period (termination.ts): Killing, preStop, turn, SIGTERM, SIGKILL. */
export function killContainer(s: Step, name: string, graceSeconds: number, opts: KillOptions = {}): void {
  const r = s.record(name);
  if (!r || r.kill) return;
  s.request({ type: 'worker.killContainer', container: name, gracePeriodSeconds: graceSeconds, ...(opts.message ? { message: opts.message } : {}) });
  const kill: KillState = { phase: 'preStop', startMs: s.nowMs, graceSeconds, remainingSeconds: graceSeconds, ...(opts.waitsFor ? { waitsFor: opts.waitsFor } : {}) };
  s.update(name, (x) => ({ ...x, run: 'stopping', kill }));
  const h = lifecycleOf(specOf(s, name))?.preStop;
  if (h && graceSeconds > 0) {
    const out = hook(s, r, h);
    const ran = Math.min(out.durationMs, graceSeconds * 1000);
    setKill(s, name, { remainingSeconds: graceAfter(graceSeconds, ran), ...(!out.ok && out.durationMs <= graceSeconds * 1000 ? { preStopFailed: true } : {}) });
    if (ran > 0) {
      s.timer({ type: 'container.preStopDone', container: name, attempt: r.attempt }, ran, preStopId(name, r.attempt));
      return;
    }
  }
  preStopDone(s, name);
}

/** KillPod: every container's kill at once, with the sidecar ordering when the pod has sidecars. */
export function killPod(s: Step, names: readonly string[], graceSeconds: number): void {
  const order = terminationOrdering(s.ctx.pod.spec, names);
  for (const n of names) killContainer(s, n, graceSeconds, order ? { waitsFor: order.get(n) ?? [] } : {});
}

/** The preStop hook ended (or ran out of grace): FailedPreStopHook if it failed, then the turn. */
export function preStopDone(s: Step, name: string): void {
  const r = s.record(name);
  const k = r?.kill;
  if (!r || !k || k.phase !== 'preStop') return;
  if (k.preStopFailed) s.request({ type: 'worker.hookFailed', container: name, hook: 'PreStop' });
  if (k.waitsFor && k.remainingSeconds > 0 && !allStopped(s, k.waitsFor)) {
    setKill(s, name, { phase: 'turn', turnStartMs: s.nowMs });
    s.timer({ type: 'container.turnTimeout', container: name, attempt: r.attempt }, k.remainingSeconds * 1000, turnId(name, r.attempt));
    return;
  }
  sendStop(s, name, 0);
}

/** The grace period ran out before the containers this sidecar waits for had stopped. */
export function turnTimeout(s: Step, name: string): void {
  const k = s.record(name)?.kill;
  if (k?.phase === 'turn') sendStop(s, name, s.nowMs - (k.turnStartMs ?? s.nowMs));
}

/** StopContainer: SIGTERM now; the exit (or SIGKILL, 137) is armed from the process's facts. */
function sendStop(s: Step, name: string, waitedMs: number): void {
  const r = s.record(name)!;
  const k = r.kill!;
  const remaining = waitedMs > 0 ? graceAfter(k.remainingSeconds, waitedMs) : k.remainingSeconds;
  setKill(s, name, { phase: 'stopping', remainingSeconds: remaining });
  if (k.afterRun) return completeKill(s, name);
  const o = stopOutcome(r.behaviour, stopGracePeriod(remaining));
  s.timer({ type: 'container.exited', container: name, attempt: r.attempt, exitCode: o.exitCode }, o.afterMs, stopId(name, r.attempt));
}

/** Stopped for the ordering: no kill in progress and nothing running. */
function allStopped(s: Step, names: readonly string[]): boolean {
  return names.every((n) => {
    const x = s.record(n);
    return !x || (x.kill === undefined && x.run !== 'running' && x.run !== 'stopping');
  });
}

/** StopContainer returned: the kill is over, and sidecars waiting on it may take their turn. */
function completeKill(s: Step, name: string): void {
  const after = s.record(name)?.kill?.afterRun;
  s.update(name, (x) => ({ ...x, kill: undefined, ...(after ? { run: after } : {}) }));
  if (after === 'exited') s.relist();
  for (const { name: n } of s.records) {
    // Re-read: a kill completed just above may already have moved this one on.
    const w = s.record(n)!;
    if (w.kill?.phase === 'turn' && allStopped(s, w.kill.waitsFor ?? [])) {
      s.cancels.push(turnId(w.name, w.attempt));
      sendStop(s, w.name, s.nowMs - (w.kill.turnStartMs ?? s.nowMs));
    }
  }
}

/**
 * After containerExited's markExited: the timers of the run are void; a postStart failure shows
 * as PostStartHookError when the container will restart; a kill completes, or, when the process
 * went before the kill reached StopContainer, the container stays `stopping` until it does.
 * Returns whether the restart decision waits for that.
 */
export function afterExit(s: Step, before: ContainerRecord, restart: boolean): boolean {
  const { name, attempt } = before;
  s.cancels.push(stopId(name, attempt), oomId(name, attempt), postStartId(name, attempt), `exit:${name}:${attempt}`);
  if (before.postStartError !== undefined && restart) s.update(name, (x) => markWaiting(x, 'PostStartHookError', before.postStartError, x.run));
  s.update(name, (x) => ({ ...x, postStart: undefined, postStartError: undefined }));
  const k = before.kill;
  if (!k) return false;
  if (k.phase !== 'stopping') {
    s.update(name, (x) => ({ ...x, run: 'stopping', kill: { ...k, afterRun: restart ? 'exited' : 'done' } }));
    return true;
  }
  completeKill(s, name);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Pod termination

/**
 * The pod is being deleted: every running container is killed with the effective grace period
 * (pod_workers calculateEffectiveGracePeriod), sidecars in their order; nothing starts again.
 * A container whose postStart hook is still running is running for the runtime: it shows
 * Running (syncTerminatingPod writes the runtime's status first) and is killed too.
 */
export function terminatePod(s: Step, deletionGracePeriodSeconds: number | undefined): void {
  const grace = effectiveGracePeriod(0, deletionGracePeriodSeconds, s.ctx.pod.spec.terminationGracePeriodSeconds);
  s.patch = { ...s.patch, terminal: true, gracePeriodSeconds: grace };
  for (const r of s.records) {
    const p = r.postStart;
    if (r.run === 'starting' && p && !p.done && r.postStartError === undefined) {
      s.cancels.push(postStartId(r.name, r.attempt));
      s.update(r.name, (x) => ({
        ...markStarted(x, { at: p.at, atMs: p.atMs, startupProbe: hasProbe(s, r, 'startup'), readinessProbe: hasProbe(s, r, 'readiness'), containerID: p.started.containerID ?? `containerd://${s.ctx.uid}-${r.name}-${r.attempt}`, ...(p.started.image ? { image: p.started.image } : {}), ...(p.started.imageID ? { imageID: p.started.imageID } : {}) }),
        postStart: undefined,
      }));
    }
  }
  killPod(s, s.records.filter((r) => r.run === 'running').map((r) => r.name), grace);
  for (const r of s.records) if (r.run !== 'running' && r.run !== 'stopping') s.update(r.name, (x) => ({ ...x, run: 'done' }));
}

/** Once every regular container has finished for good, the sidecars are stopped (KillPod, no override). */
export function stopSidecars(s: Step): void {
  s.patch = { ...s.patch, completing: true };
  killPod(s, s.init.filter((r) => r.kind === 'sidecar' && r.run === 'running').map((r) => r.name), containerGracePeriod(s.ctx.pod));
}
