/**
 * One container as the pod worker tracks it: its API status plus what the kubelet knows beside
 * it (is a start in flight, which attempt, its back-off entries). All functions are pure and
 * return new records; the pod machine decides when to apply them.
 */
import type { Container, ContainerStateTerminated, ContainerStatus, PodSpec } from '../../src/api/objects.ts';
import type { ContainerBehaviour } from '../kubelet/behaviour.ts';
import { isSidecar } from './phase.ts';
import { INITIAL_CONTAINER_STATE, stepContainer, type ContainerEventType, type ContainerStateName } from '../container/machine.ts';
import type { ProbeKind, ProbeWorker } from './probes.ts';
import type { HookOutcome } from './hooks.ts';
import type { KillState } from './termination.ts';

export type ContainerKind = 'init' | 'sidecar' | 'regular';

/**
 * notStarted: never asked for; starting: a start (pull, create, start) is in flight; running;
 * exited: terminated and due a restart decision at the next sync; backOff: waiting out a
 * CrashLoopBackOff or image pull back-off; stopping: SIGTERM sent; done: will not run again.
 */
export type RunState = 'notStarted' | 'starting' | 'running' | 'exited' | 'backOff' | 'stopping' | 'done';

/** A client-go flowcontrol.Backoff entry: the current delay and when it was last bumped. */
export interface BackOffEntry { durationMs: number; lastUpdateMs: number }

export interface ContainerRecord {
  name: string;
  kind: ContainerKind;
  image: string;
  behaviour: ContainerBehaviour;
  run: RunState;
  /** Where the container machine is (machines/container): every status change steps it. */
  state: ContainerStateName;
  /** Incremented on every start request; timers and replies carry it so stale ones are ignored. */
  attempt: number;
  status: ContainerStatus;
  exitedAtMs?: number;
  restartBackOff?: BackOffEntry;
  pullBackOff?: BackOffEntry;
  /** Virtual time of the current run's start (probe delays and process time count from it). */
  startedAtMs?: number;
  /** The prober workers of this container, by kind (they outlive restarts, as upstream's do). */
  probes?: Partial<Record<ProbeKind, ProbeWorker>>;
  /**
   * The running process is being killed for a failed liveness or startup probe, or because its
   * spec changed (spec-update.ts: it restarts whatever the restart policy).
   */
  killedBy?: 'liveness' | 'startup' | 'specChange';
  /** The spec's image and behaviour, when they differ from this run's: the next start takes them (spec-update.ts). */
  pending?: { image: string; behaviour: ContainerBehaviour };
  /**
   * The process started and its postStart hook runs (or ran): when, the runtime's start facts,
   * the hook's outcome. The status stays Waiting until `done` (lifecycle-steps.ts).
   */
  postStart?: PendingStart;
  /** The postStart hook failed with this message: the container is being killed for it. */
  postStartError?: string;
  /** A kill in progress (termination.ts): preStop, the sidecar turn, SIGTERM and SIGKILL. */
  kill?: KillState;
  /**
   * The status already counts the next start as a restart (a container the runtime lost while it
   * ran: lost-runtime.ts), so the start does not count it again.
   */
  restartCounted?: boolean;
}

/** A started process whose postStart hook holds its status. */
export interface PendingStart {
  atMs: number;
  at: string;
  started: { container: string; attempt?: number; containerID?: string; image?: string; imageID?: string };
  outcome: HookOutcome;
  done?: boolean;
}

// pkg/kubelet/kubelet.go: containerBackOffPeriod, MaxContainerBackOff, imageBackOffPeriod, MaxImageBackOff.
export const CONTAINER_BACKOFF_INITIAL_MS = 10_000;
export const CONTAINER_BACKOFF_MAX_MS = 300_000;
export const IMAGE_BACKOFF_INITIAL_MS = 10_000;
export const IMAGE_BACKOFF_MAX_MS = 300_000;
/** kuberuntime's minimumGracePeriodInSeconds: a container always gets this long after SIGTERM. */
export const MIN_GRACE_PERIOD_SECONDS = 2;
/** Generic PLEG relist period: how soon the kubelet notices an exit or acts on a failure. */
export const RELIST_PERIOD_MS = 1000;
/** Exit codes of a process killed by SIGTERM (128+15) and by SIGKILL (128+9). */
export const EXIT_SIGTERM = 143;
export const EXIT_SIGKILL = 137;
/** containerd's exit code for a container that could not start (errorStartExitCode, "the same as Docker's"). */
export const EXIT_START_ERROR = 128;

/** flowcontrol hasExpired: an entry untouched for twice the maximum starts over. */
export function backOffExpired(eventMs: number, lastUpdateMs: number, maxMs: number): boolean {
  return eventMs - lastUpdateMs > 2 * maxMs;
}

/** flowcontrol Backoff.Next (without jitter): the initial delay, else double up to the cap. */
export function backOffNext(entry: BackOffEntry | undefined, eventMs: number, nowMs: number, initialMs: number, maxMs: number): BackOffEntry {
  if (!entry || backOffExpired(eventMs, entry.lastUpdateMs, maxMs)) return { durationMs: initialMs, lastUpdateMs: nowMs };
  return { durationMs: Math.min(entry.durationMs * 2, maxMs), lastUpdateMs: nowMs };
}

/** flowcontrol Backoff.IsInBackOffSince: true while less than the delay has passed since eventMs. */
export function inBackOffSince(entry: BackOffEntry | undefined, eventMs: number, nowMs: number, maxMs: number): boolean {
  if (!entry || backOffExpired(eventMs, entry.lastUpdateMs, maxMs)) return false;
  return nowMs - eventMs < entry.durationMs;
}

/** Go's time.Duration String for whole milliseconds: "812ms", "1.5s", "1m20s", "5m0s". */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const rest = total % 60_000;
  const frac = rest % 1000;
  const secs = `${Math.floor(rest / 1000)}${frac ? '.' + String(frac).padStart(3, '0').replace(/0+$/, '') : ''}`;
  if (h > 0) return `${h}h${m}m${secs}s`;
  if (m > 0) return `${m}m${secs}s`;
  return `${secs}s`;
}

/** Whether the kubelet restarts a container that exited with `exitCode` (sidecars always restart). */
export function restartsAfterExit(kind: ContainerKind, restartPolicy: PodSpec['restartPolicy'], exitCode: number): boolean {
  const policy = restartPolicy ?? 'Always';
  if (kind === 'sidecar') return true;
  if (kind === 'init') return policy !== 'Never' && exitCode !== 0;
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Steps the record's container machine through `events`, in order. */
function step(r: { name: string; state: ContainerStateName }, ...events: ContainerEventType[]): ContainerStateName {
  let state = r.state;
  for (const e of events) state = stepContainer(r.name, state, e);
  return state;
}

/** The container machine event that puts a container in Waiting with this reason. */
const WAITING_EVENT: Record<string, ContainerEventType> = {
  ErrImagePull: 'pull.failed',
  ImagePullBackOff: 'pull.backOff',
  ErrImageNeverPull: 'pull.neverAllowed',
  InvalidImageName: 'image.invalid',
  CreateContainerConfigError: 'config.failed',
  PostStartHookError: 'postStart.failed',
  RunContainerError: 'run.failed',
  CrashLoopBackOff: 'restart.backOff',
};

function newRecord(c: Container, kind: ContainerKind, waitingReason: string, behaviour: ContainerBehaviour): ContainerRecord {
  const state = waitingReason === 'PodInitializing' ? stepContainer(c.name, INITIAL_CONTAINER_STATE, 'pod.hasInitContainers') : INITIAL_CONTAINER_STATE;
  return {
    name: c.name, kind, image: c.image ?? '', behaviour, run: 'notStarted', attempt: 0, state,
    status: { name: c.name, state: { waiting: { reason: waitingReason } }, lastState: {}, ready: false, started: false, restartCount: 0, image: c.image ?? '', imageID: '' },
  };
}

/**
 * The records of a freshly bound pod. Every container waits with ContainerCreating, or with
 * PodInitializing when the pod has init containers (convertToAPIContainerStatuses' default).
 */
export function initialRecords(spec: PodSpec, behaviours: Readonly<Record<string, ContainerBehaviour>>): { init: ContainerRecord[]; containers: ContainerRecord[] } {
  const inits = spec.initContainers ?? [];
  const reason = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  return {
    init: inits.map((c) => newRecord(c, isSidecar(c) ? 'sidecar' : 'init', reason, behaviours[c.name] ?? {})),
    containers: spec.containers.map((c) => newRecord(c, 'regular', reason, behaviours[c.name] ?? {})),
  };
}

/**
 * A start was requested: the status is unchanged until the runtime answers. A pending spec change
 * takes effect here; a container the runtime never created shows the spec's image at once, as
 * convertToAPIContainerStatuses fills it from the spec.
 */
export function markStarting(r: ContainerRecord): ContainerRecord {
  const p = r.pending;
  const next = p ? { ...r, image: p.image, behaviour: p.behaviour, pending: undefined, status: r.status.containerID ? r.status : { ...r.status, image: p.image } } : r;
  return { ...next, run: 'starting', attempt: r.attempt + 1 };
}

/** A previous run shows in the status: this start is a restart. */
function hasRun(s: ContainerStatus): boolean {
  return s.state.terminated !== undefined || s.lastState.terminated !== undefined;
}

export interface StartedFacts {
  at: string;
  containerID: string;
  image?: string;
  imageID?: string;
  /** Virtual time of the start. */
  atMs?: number;
  /** The container declares a startup probe: not `started` until it passes. */
  startupProbe?: boolean;
  /** The container declares a readiness probe: not ready until it passes. */
  readinessProbe?: boolean;
}

/** A behaviour's readiness delay (readyAfterMs) that has not run out `sinceStartMs` after the start. */
const readyDelayPending = (r: ContainerRecord, sinceStartMs: number) => r.behaviour.readyAfterMs !== undefined && r.behaviour.readyAfterMs > 0 && sinceStartMs < r.behaviour.readyAfterMs;

/**
 * The runtime started the container: Running. It is `started` at once unless a startup probe
 * must pass first (prober_manager: started = running && (no startup probe || result Success)),
 * and, once started, ready at once unless a readiness probe or a readiness delay stands in the way.
 * Regular init containers are never ready while they run.
 */
export function markStarted(r: ContainerRecord, f: StartedFacts): ContainerRecord {
  const prev = r.status;
  const lastState = prev.state.terminated ? { terminated: prev.state.terminated } : prev.lastState;
  const started = r.kind === 'init' || !f.startupProbe;
  const readyNow = r.kind !== 'init' && started && !f.readinessProbe && !readyDelayPending(r, 0);
  const events: ContainerEventType[] = ['started', ...(started ? ['startup.succeeded' as const] : []), ...(readyNow ? ['readiness.succeeded' as const] : [])];
  return {
    ...r, run: 'running', state: step(r, ...events), killedBy: undefined, restartCounted: undefined,
    ...(f.atMs !== undefined ? { startedAtMs: f.atMs } : {}),
    status: {
      ...prev, state: { running: { startedAt: f.at } }, lastState, ready: readyNow, started,
      restartCount: hasRun(prev) && !r.restartCounted ? prev.restartCount + 1 : prev.restartCount,
      image: f.image ?? prev.image, imageID: f.imageID ?? prev.imageID, containerID: f.containerID,
    },
  };
}

/**
 * The startup probe passed (Running.Starting -> Running.Unready): `started`; ready at once when
 * there is no readiness probe and no readiness delay left.
 */
export function markStartupSucceeded(r: ContainerRecord, nowMs: number, readinessProbe: boolean): ContainerRecord {
  const readyNow = r.kind !== 'init' && !readinessProbe && !readyDelayPending(r, nowMs - (r.startedAtMs ?? nowMs));
  return {
    ...r, state: step(r, 'startup.succeeded', ...(readyNow ? ['readiness.succeeded' as const] : [])),
    status: { ...r.status, started: true, ready: readyNow },
  };
}

/** How a process ended, when not by itself or a signal: the kernel's OOM kill, or a start that failed. */
export type ExitReason = 'OOMKilled' | 'StartError';

/** containerd's startedAt for a container that never started: the Unix epoch, not null (containerd/containerd#9080). */
export const NEVER_STARTED_AT = '1970-01-01T00:00:00Z';

/**
 * The process ended: Terminated with Completed or Error, or OOMKilled when the kernel killed it
 * for its memory limit; a completed init container is ready. A run that never showed Running (its
 * postStart hook failed) passes through Running in the container machine and counts as a restart
 * as markStarted would have. StartError is a container the runtime created but could not start
 * (`message` is the runtime's error): it never ran, so it goes straight from Waiting (or the
 * previous termination) to Terminated, and it counts as a restart when an earlier one exists.
 */
export function markExited(r: ContainerRecord, exitCode: number, at: string, atMs: number, run: RunState, reason?: ExitReason, message?: string): ContainerRecord {
  const t: ContainerStateTerminated = { exitCode, reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'), ...(message !== undefined ? { message } : {}), finishedAt: at };
  const prev = r.status;
  const neverShown = prev.state.running === undefined;
  const startedAt = reason === 'StartError' ? NEVER_STARTED_AT : prev.state.running?.startedAt ?? (neverShown ? r.postStart?.at : undefined);
  if (startedAt) t.startedAt = startedAt;
  const event: ContainerEventType = reason === 'OOMKilled' ? 'exited.oomKilled' : reason === 'StartError' ? 'exited.startError' : exitCode === 0 ? 'exited.completed' : 'exited.error';
  const events: ContainerEventType[] = r.state.startsWith('Running') || reason === 'StartError' ? [event] : ['started', event];
  const lastState = neverShown && prev.state.terminated ? { terminated: prev.state.terminated } : prev.lastState;
  const restartCount = neverShown && hasRun(prev) && !r.restartCounted ? prev.restartCount + 1 : prev.restartCount;
  return { ...r, run, exitedAtMs: atMs, restartCounted: undefined, state: step(r, ...events), status: { ...prev, state: { terminated: t }, lastState, restartCount, ready: r.kind === 'init' && exitCode === 0, started: false } };
}

/** Waiting with a reason (ErrImagePull, CrashLoopBackOff...); a previous exit moves to lastState. */
export function markWaiting(r: ContainerRecord, reason: string, message: string | undefined, run: RunState): ContainerRecord {
  const prev = r.status;
  const lastState = prev.state.terminated ? { terminated: prev.state.terminated } : prev.lastState;
  const event = WAITING_EVENT[reason];
  if (!event) throw new Error(`container ${r.name}: no container machine state for waiting reason ${reason}`);
  return { ...r, run, state: step(r, event), status: { ...prev, state: { waiting: message ? { reason, message } : { reason } }, lastState, ready: false, started: false } };
}

/** TerminatePod's rule for a container that never reached a terminated state. */
export function markStatusUnknown(r: ContainerRecord): ContainerRecord {
  if (r.status.state.terminated) return { ...r, run: 'done' };
  const terminated: ContainerStateTerminated = { exitCode: EXIT_SIGKILL, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };
  return { ...r, run: 'done', state: step(r, 'lost'), status: { ...r.status, state: { terminated }, ready: false, started: false } };
}

/** A readiness result arrived: the container is ready (Running.Unready -> Running.Ready). */
export function markReady(r: ContainerRecord): ContainerRecord {
  return { ...r, state: step(r, 'readiness.succeeded'), status: { ...r.status, ready: true } };
}

/** The readiness probe failed its threshold: the container is not ready (Running.Ready -> Running.Unready). */
export function markUnready(r: ContainerRecord): ContainerRecord {
  return { ...r, state: step(r, 'readiness.failed'), status: { ...r.status, ready: false } };
}

/** Replaces the record named `name` in whichever list holds it. */
export function replaceRecord<T extends { init: ContainerRecord[]; containers: ContainerRecord[] }>(ctx: T, name: string, f: (r: ContainerRecord) => ContainerRecord): { init: ContainerRecord[]; containers: ContainerRecord[] } {
  const map = (list: ContainerRecord[]) => list.map((r) => (r.name === name ? f(r) : r));
  return { init: map(ctx.init), containers: map(ctx.containers) };
}

/** The record of a container or init container by name. */
export function findRecord(ctx: { init: ContainerRecord[]; containers: ContainerRecord[] }, name: string): ContainerRecord | undefined {
  return ctx.init.find((r) => r.name === name) ?? ctx.containers.find((r) => r.name === name);
}
