/**
 * The prober inside the pod machine: per running container and declared probe, a timer on the
 * worker's tick (`probe:<container>:<kind>:<attempt>`) whose event, `container.probed`, carries
 * the probe's outcome at that moment of the process's life. The same event sent by hand is a
 * probe result too, so the machine runs standalone and its graph can be walked with it.
 *
 * Results flow as upstream's do: readiness moves `ready` (markReady / markUnready), startup
 * moves `started` (and readiness gets an immediate probe, as UpdatePodStatus triggers one),
 * a liveness or startup Failure kills the container (Killing `Container c failed liveness probe,
 * will be restarted`, preStop, SIGTERM, SIGKILL after the probe's or the pod's grace period), and every
 * failed probe asks the kubelet for an Unhealthy event.
 */
import type { Container } from '../../src/api/objects.ts';
import {
  backOffExpired, backOffNext, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS, inBackOffSince, markReady, markStartupSucceeded, markUnready,
  MIN_GRACE_PERIOD_SECONDS, type ContainerRecord,
} from './containers.ts';
import { killContainer } from './lifecycle-steps.ts';
import { containerGracePeriod } from './termination.ts';
import type { PodMachineEvent } from './machine.ts';
import {
  countResult, gate, newWorker, nextTickMs, PROBE_KINDS, probeKillMessage, probeOf, probeTiming, runProbe, seeContainer, stopWorker,
  unhealthyMessage, type ProbeKind, type ProbeTiming, type ProbeWorker,
} from './probes.ts';
import type { Step } from './steps.ts';

type Probed = Extract<PodMachineEvent, { type: 'container.probed' }>;

/** The periodic tick's timer of one worker for one container attempt. */
export const probeTimerId = (container: string, kind: ProbeKind, attempt: number) => `probe:${container}:${kind}:${attempt}`;

function specOf(s: Step, name: string): Container | undefined {
  const spec = s.ctx.pod.spec;
  return spec.containers.find((c) => c.name === name) ?? spec.initContainers?.find((c) => c.name === name);
}

/** Regular init containers cannot have probes (validation); sidecars and app containers can. */
const probed = (r: ContainerRecord) => r.kind !== 'init';

/** Whether the container declares a probe of this kind (and may have one). */
export function hasProbe(s: Step, r: ContainerRecord, kind: ProbeKind): boolean {
  return probed(r) && probeOf(specOf(s, r.name), kind) !== undefined;
}

/** The `container.probed` event of one probe at virtual time `atMs` for the current run. */
function probeEvent(s: Step, r: ContainerRecord, kind: ProbeKind, atMs: number): Probed {
  const c = specOf(s, r.name)!;
  const out = runProbe(probeOf(c, kind)!, kind, { container: c, podIP: s.ctx.sandbox.podIP ?? '', facts: r.behaviour, ...(r.behaviour.readyAfterMs !== undefined ? { readyAfterMs: r.behaviour.readyAfterMs } : {}) }, atMs - (r.startedAtMs ?? atMs));
  return { type: 'container.probed', container: r.name, attempt: r.attempt, probe: kind, ok: out.result === 'Success', output: out.output, ...(out.result === 'Error' ? { error: true } : {}) };
}

/** (Re)arms a worker's one timer: whatever was pending under its id, in the machine or in this step, is replaced. */
function setProbeTimer(s: Step, r: ContainerRecord, kind: ProbeKind, atMs: number): void {
  const id = probeTimerId(r.name, kind, r.attempt);
  s.cancels.push(id);
  s.timers = s.timers.filter((t) => t.id !== id);
  s.timer(probeEvent(s, r, kind, atMs), atMs - s.nowMs, id);
}

/** Arms the worker's next tick: at or after now for a fresh container, strictly after a tick. */
function armTick(s: Step, name: string, kind: ProbeKind, strictly: boolean): void {
  const r = s.record(name)!;
  const t = probeTiming(probeOf(specOf(s, name), kind)!);
  const anchor = s.ctx.probeAnchorMs ?? r.startedAtMs ?? s.nowMs;
  setProbeTimer(s, r, kind, nextTickMs(anchor, t.periodSeconds * 1000, s.nowMs, strictly));
}

/**
 * A readiness probe right now, if the container has one: UpdatePodStatus triggers one for a
 * started container without a readiness result. The worker's ticks stay where they were (the
 * probe re-arms the next one on its grid).
 */
function triggerReadiness(s: Step, name: string): void {
  const r = s.record(name)!;
  if (hasProbe(s, r, 'readiness')) setProbeTimer(s, r, 'readiness', s.nowMs);
}

const setWorker = (s: Step, name: string, kind: ProbeKind, w: ProbeWorker) => s.update(name, (x) => ({ ...x, probes: { ...x.probes, [kind]: w } }));

/** A container started (containerStarted): each worker sees the new container; ticks are armed. */
export function armProbes(s: Step, name: string): void {
  const r = s.record(name);
  if (!r || !probed(r)) return;
  for (const kind of PROBE_KINDS) {
    if (!hasProbe(s, r, kind)) continue;
    const w = seeContainer(r.probes?.[kind] ?? newWorker(kind), kind, r.attempt);
    setWorker(s, name, kind, w);
    // A tick at this very instant already went to the previous container (the probe that killed it).
    armTick(s, name, kind, w.lastTickMs === s.nowMs);
  }
  if (r.status.started) triggerReadiness(s, name);
}

/** The container's run ended: its probe timers are void. */
export function cancelProbeTimers(s: Step, r: ContainerRecord): void {
  for (const kind of PROBE_KINDS) s.cancels.push(probeTimerId(r.name, kind, r.attempt));
}

/** A probe result arrived (a tick, the readiness trigger, or by hand). */
export function containerProbed(s: Step, e: Probed): void {
  const r = s.record(e.container);
  if (!r || !hasProbe(s, r, e.probe)) return;
  const kind = e.probe;
  const t = probeTiming(probeOf(specOf(s, r.name), kind)!);
  let w: ProbeWorker = { ...seeContainer(r.probes?.[kind] ?? newWorker(kind), kind, r.attempt), lastTickMs: s.nowMs };
  const view = { running: r.run === 'running' || r.run === 'stopping', started: r.status.started === true, sinceStartMs: s.nowMs - (r.startedAtMs ?? s.nowMs), deleting: s.ctx.terminal };
  const g = gate(w, kind, t, view);
  if (g === 'stop') {
    setWorker(s, r.name, kind, stopWorker(w));
    // "Set a last result to ensure quiet shutdown": a startup Success makes the container started.
    if (kind === 'startup' && !r.status.started && r.run === 'running') startupSucceeded(s, r.name);
    return;
  }
  if (g === 'probe') {
    if (e.error || !e.ok) {
      const message = unhealthyMessage(kind, { result: e.error ? 'Error' : 'Failure', output: e.output ?? '' });
      s.request({ type: 'worker.probeFailed', container: r.name, probe: kind, message });
    }
    if (!e.error) {
      const counted = countResult(w, kind, t, e.ok ? 'Success' : 'Failure');
      w = counted.worker;
      setWorker(s, r.name, kind, w);
      if (counted.changed) applyResult(s, r.name, kind, w.result, t);
    }
  } else {
    setWorker(s, r.name, kind, w);
  }
  const now = s.record(r.name)!;
  const running = now.run === 'running' || now.run === 'stopping';
  if (running && now.attempt === r.attempt && !w.stopped && !w.onHold && !(kind === 'startup' && now.status.started)) armTick(s, r.name, kind, true);
}

function startupSucceeded(s: Step, name: string): void {
  const r = s.record(name)!;
  s.update(name, (x) => markStartupSucceeded(x, s.nowMs, hasProbe(s, r, 'readiness')));
  triggerReadiness(s, name);
}

/** A worker's cached result changed: what the kubelet does about it. */
function applyResult(s: Step, name: string, kind: ProbeKind, result: string, t: ProbeTiming): void {
  const r = s.record(name)!;
  if (kind === 'startup') {
    if (result === 'Success' && !r.status.started) startupSucceeded(s, name);
    else if (result === 'Failure') killForProbe(s, name, 'startup', t);
  } else if (kind === 'liveness') {
    if (result === 'Failure') killForProbe(s, name, 'liveness', t);
  } else if (result === 'Success') {
    if (r.status.started && !r.status.ready) s.update(name, markReady);
  } else if (result === 'Failure' && r.status.ready) {
    s.update(name, markUnready);
  }
}

/**
 * computePodActions for a failed liveness/startup probe: kill the container with the Killing
 * message (killContainer in lifecycle-steps.ts: preStop, SIGTERM, SIGKILL when the grace ends)
 * and restart it unless restartPolicy is Never (sidecars always restart). The grace is
 * setTerminationGracePeriod's: the pod's deletion grace, else the probe's
 * terminationGracePeriodSeconds, else the pod's spec grace (else 2 s).
 *
 * When the container will not restart and no other regular container is kept running or still
 * to be started (keepCount == 0 and ContainersToStart empty), computePodActions sets KillPod
 * instead: SyncPod kills through killPodWithSyncResult, whose killContainer gets no message
 * ("Stopping container <c>") and reason unknown, so the probe's grace does not apply.
 */
export function killForProbe(s: Step, name: string, kind: 'liveness' | 'startup', t: ProbeTiming): void {
  const r = s.record(name)!;
  if (r.run !== 'running' || r.kill) return;
  const { metadata, spec } = s.ctx.pod;
  const sidecar = r.kind === 'sidecar';
  const restart = sidecar || (spec.restartPolicy ?? 'Always') !== 'Never';
  s.update(name, (x) => ({ ...x, killedBy: kind }));
  const othersGone = s.containers.every((x) => x.name === name || x.run === 'done' || x.run === 'stopping');
  if (!restart && r.kind === 'regular' && othersGone) {
    killContainer(s, name, containerGracePeriod(s.ctx.pod));
    return;
  }
  const grace = metadata.deletionGracePeriodSeconds ?? (spec.terminationGracePeriodSeconds !== undefined ? (t.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds) : MIN_GRACE_PERIOD_SECONDS);
  killContainer(s, name, grace, { message: probeKillMessage(kind, name, { sidecar, restart }) });
}

/** Whether a container killed for a failed probe restarts (restartPolicy; not the exit code). */
export function restartsAfterProbeKill(s: Step, r: ContainerRecord): boolean {
  return r.kind === 'sidecar' || (s.ctx.pod.spec.restartPolicy ?? 'Always') !== 'Never';
}

/**
 * A probe-killed container has exited. Upstream kills and starts it in the same sync, and the
 * back-off check (doBackOff) then sees the *previous* exited instance: a first kill, or one
 * whose previous exit is out of its back-off window, restarts at once (advancing the entry);
 * otherwise it waits out CrashLoopBackOff from this exit at the next relist. Returns whether it
 * restarted now. `before` is the record as it was before this exit.
 *
 * The previous exit is older than the entry's last update, so flowcontrol's hasExpired never
 * fires here; what forgets the entry after a long healthy run is the kubelet's periodic
 * backOff.GC() (HandlePodCleanups, every 2 s), which drops entries not updated for 2 x 300 s.
 */
export function restartAfterProbeKill(s: Step, before: ContainerRecord): boolean {
  const prev = before.exitedAtMs;
  const kept = before.restartBackOff;
  const entry = kept && backOffExpired(s.nowMs, kept.lastUpdateMs, CONTAINER_BACKOFF_MAX_MS) ? undefined : kept;
  if (prev !== undefined && inBackOffSince(entry, prev, s.nowMs, CONTAINER_BACKOFF_MAX_MS)) return false;
  const next = prev === undefined ? entry : backOffNext(entry, prev, s.nowMs, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS);
  s.update(before.name, (x) => ({ ...x, restartBackOff: next }));
  s.start(before.name);
  return true;
}
