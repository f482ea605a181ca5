/**
 * The pod machine: one pod's lifecycle as its kubelet's pod worker drives it, from binding to a
 * terminal phase. The top-level state follows the phase the kubelet's rules compute (getPhase),
 * with Terminating and Unknown beside them; the PodStatus is a function of the snapshot
 * (`podStatusOf`).
 *
 * Effects stay outside. When the pod needs the node to act (mount volumes, create the sandbox,
 * start or stop a container, report a back-off) the machine emits a WorkerRequest, and also sends
 * it to its parent when it runs under a kubelet (`notifyParent`). Answers come back as plain
 * past-tense events, so the machine runs standalone and its graph can be walked by sending them.
 *
 * Time: the machine owns the timers of the pod's own rules and of its processes, all on the
 * actor's clock with explicit ids: the volume mount retry (`after`), the relist after a change
 * (`pod.synced`, 1 s, where restarts are decided: the first at once, then 10 s doubling to
 * 300 s), back-off expiry (`container.backOffExpired`), lifecycle hooks and kills
 * (`container.postStartDone`, `container.preStopDone`, `container.turnTimeout`, the exit at
 * SIGTERM or SIGKILL), and the container behaviour (`container.exited` after exitAfterMs or at
 * an OOM kill, `container.ready` after readyAfterMs without a readiness probe), and the prober's
 * ticks (`container.probed`, one timer per container, probe kind and attempt: probe-steps.ts).
 * The kubelet owns the node's timing: image pulls (size over bandwidth, serialized),
 * sandbox creation, API round-trips. Any timer's event can equally be sent by hand.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Pod, PodCondition, PodPhase, PodStatus } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import type { ContainerBehaviour } from '../kubelet/behaviour.ts';
import { findRecord, initialRecords, markReady } from './containers.ts';
import { configFailed, postStartDone, preStopDone, stopSidecars, turnTimeout } from './lifecycle-steps.ts';
import { containerProbed } from './probe-steps.ts';
import type { ProbeKind } from './probes.ts';
import { resumedContext, resumeRunning } from './resume.ts';
import { specUpdated } from './spec-update.ts';
import { lostRuntimeContext } from './lost-runtime.ts';
import { phaseOf, statusFromSource, type PodStatusSource } from './status.ts';
import {
  backOffExpired, beginTermination, containerExited, containerStarted, containerStartFailed, pullFailed, startCursor, Step, synced, terminationOutcome,
} from './steps.ts';

export interface PodMachineInput {
  pod: Pod;
  /** Container behaviours by container name (the kubelet resolves them with behaviourFor). */
  behaviours?: Record<string, ContainerBehaviour>;
  /** Virtual time in ms, for status timestamps and back-off bookkeeping. Defaults to 0. */
  now?: () => number;
  /** Send WorkerRequests to the parent actor too (set by the kubelet). */
  notifyParent?: boolean;
  /**
   * The pod was running before this worker existed (its kubelet restarted): take the sandbox and
   * the containers from this status instead of starting them (resume.ts).
   */
  resume?: PodStatus;
  /**
   * The API shows the pod Running here but the runtime has none of it (the node lost its disk):
   * start over with a new sandbox, the container statuses carried over from this status as
   * upstream does, so the phase stays Running (lost-runtime.ts).
   */
  lostRuntime?: PodStatus;
}

interface Who { pod: string; uid: string }

/** What the pod asks of its node. `pod` is "namespace/name". */
export type WorkerRequest =
  | ({ type: 'worker.mountVolumes' } & Who)
  | ({ type: 'worker.createSandbox' } & Who)
  | ({ type: 'worker.startContainer'; container: string; attempt: number } & Who)
  | ({ type: 'worker.backOff'; container: string; reason: 'CrashLoopBackOff' | 'ImagePullBackOff'; message: string } & Who)
  /** `message` is the Killing event's text when it is not "Stopping container <c>" (a failed probe). */
  | ({ type: 'worker.killContainer'; container: string; gracePeriodSeconds: number; message?: string } & Who)
  /** A probe failed (or errored): the kubelet records a Warning Unhealthy event with this message. */
  | ({ type: 'worker.probeFailed'; container: string; probe: ProbeKind; message: string } & Who)
  /** A lifecycle hook failed: Warning FailedPostStartHook / FailedPreStopHook (the output stays out of the event). */
  | ({ type: 'worker.hookFailed'; container: string; hook: 'PostStart' | 'PreStop' } & Who)
  /** The process ended (by itself, by a signal, or killed): its log is closed. */
  | ({ type: 'worker.containerExited'; container: string; attempt: number; exitCode: number } & Who);

/** Facts about the pod, in the past tense. `attempt`, when given, must match the current start. */
export type PodMachineEvent =
  | { type: 'pod.bound'; nodeName: string; hostIP?: string }
  | { type: 'pod.admitted' }
  | { type: 'pod.rejected'; reason: string; message: string }
  | { type: 'pod.volumesMounted' }
  | { type: 'pod.volumeMountFailed'; message: string }
  | { type: 'pod.sandboxReady'; podIP: string; podIPs?: string[] }
  | { type: 'pod.sandboxFailed'; message: string }
  | { type: 'container.pulled'; container: string; attempt?: number; image?: string; imageID?: string }
  | { type: 'container.pullFailed'; container: string; attempt?: number; reason: string; message: string }
  | { type: 'container.started'; container: string; attempt?: number; containerID?: string; image?: string; imageID?: string }
  /** The process ended; `reason` OOMKilled when the kernel killed it for its memory limit. */
  | { type: 'container.exited'; container: string; attempt?: number; exitCode: number; reason?: 'OOMKilled' }
  /**
   * The runtime created the container but could not start it (its executable does not exist):
   * Terminated StartError, exit code 128, `message` the runtime's error; RunContainerError while a retry is due.
   */
  | { type: 'container.startFailed'; container: string; attempt?: number; message: string; containerID?: string; image?: string; imageID?: string }
  /** The container's postStart hook finished (its outcome was computed when it began). */
  | { type: 'container.postStartDone'; container: string; attempt?: number }
  /** A kill's preStop hook finished, or the grace period cut it off. */
  | { type: 'container.preStopDone'; container: string; attempt?: number }
  /** A sidecar's wait for its turn to stop ran out of grace. */
  | { type: 'container.turnTimeout'; container: string; attempt?: number }
  /** generateContainerConfig failed (a missing configMap/secret, runAsNonRoot): CreateContainerConfigError. */
  | { type: 'container.configFailed'; container: string; attempt?: number; message: string }
  | { type: 'container.ready'; container: string; attempt?: number }
  /** One probe's result (a worker tick, or by hand): ok, its output, or errored (thrown away). */
  | { type: 'container.probed'; container: string; attempt?: number; probe: ProbeKind; ok: boolean; output?: string; error?: boolean }
  | { type: 'container.backOffExpired'; container: string; attempt?: number }
  | { type: 'pod.synced' }
  | { type: 'pod.deletionRequested'; gracePeriodSeconds?: number }
  /**
   * A new version of the pod (a container's image changed in place): `behaviours` are those of the
   * changed containers under their new image. Running ones are killed and restarted, waiting ones
   * start again at once (spec-update.ts).
   */
  | { type: 'pod.specUpdated'; pod: Pod; behaviours?: Record<string, ContainerBehaviour> }
  | { type: 'node.lost' }
  | { type: 'node.recovered' };

export interface PodContext extends PodStatusSource {
  key: string;
  uid: string;
  nodeName?: string;
  /** Which init container or container the start loop is at. */
  cursor: number;
  mountAttempts: number;
  mountError?: string;
  sandboxError?: string;
  gracePeriodSeconds: number;
  /** Only sidecars are left running and the regular containers are done: the pod is finishing. */
  completing: boolean;
  /** Where the pod was when its node was lost, to return there. */
  lostFrom?: 'Pending' | 'Running';
  /** When the prober workers were created (AddPod, once volumes are mounted): their ticks count from it. */
  probeAnchorMs?: number;
  /** Resumed from the API status after a kubelet restart (resume.ts). */
  resumed?: boolean;
  now: () => number;
  notifyParent: boolean;
}

/** The mount retry: 500 ms doubling to 2m2s, as the volume manager's exponential back-off. */
export const MOUNT_RETRY_INITIAL_MS = 500;
export const MOUNT_RETRY_MAX_MS = 122_000;
/** A failed sandbox is retried at the pod worker's error requeue (backOffPeriod). */
export const SANDBOX_RETRY_MS = 10_000;

/** The part of XState's `enqueue` a step's outcome needs. */
interface Enqueue {
  assign(p: Partial<PodContext>): void;
  cancel(id: string): void;
  raise(e: PodMachineEvent, o: { delay: number; id: string }): void;
  emit(e: WorkerRequest): void;
  sendParent(e: WorkerRequest): void;
}

/** Runs a step and applies what it decided. */
function exec(context: PodContext, enqueue: Enqueue, f: (s: Step) => void): void {
  const s = new Step(context);
  f(s);
  enqueue.assign({ ...s.patch, init: s.init, containers: s.containers });
  for (const id of s.cancels) enqueue.cancel(id);
  for (const t of s.timers) enqueue.raise(t.event, { delay: t.delayMs, id: t.id });
  for (const r of s.requests) {
    enqueue.emit(r);
    if (context.notifyParent) enqueue.sendParent(r);
  }
}

type Ev<T extends PodMachineEvent['type']> = Extract<PodMachineEvent, { type: T }>;
const containerOf = (e: PodMachineEvent) => ('container' in e ? e.container : '');
const attemptOk = (ctx: PodContext, e: PodMachineEvent) => {
  const r = findRecord(ctx, containerOf(e));
  return r !== undefined && (!('attempt' in e) || e.attempt === undefined || e.attempt === r.attempt);
};
const runIs = (ctx: PodContext, e: PodMachineEvent, ...runs: string[]) => attemptOk(ctx, e) && runs.includes(findRecord(ctx, containerOf(e))!.run);
const live = (ctx: PodContext) => [...ctx.init, ...ctx.containers].some((r) => r.run === 'running' || r.run === 'stopping' || r.run === 'starting');

export const podMachine = setup({
  types: {
    context: {} as PodContext,
    input: {} as PodMachineInput,
    events: {} as PodMachineEvent,
    emitted: {} as WorkerRequest,
    output: {} as PodStatus,
  },
  actions: {
    bind: assign(({ event }) => {
      const e = event as Ev<'pod.bound'>;
      return e.hostIP ? { nodeName: e.nodeName, hostIP: e.hostIP } : { nodeName: e.nodeName };
    }),
    admit: assign(({ context }) => ({ startTime: timestamp(context.now()) })),
    reject: assign(({ event, context }) => {
      const e = event as Ev<'pod.rejected'>;
      return { rejection: { reason: e.reason, message: e.message }, finalPhase: 'Failed' as const, startTime: context.startTime ?? timestamp(context.now()) };
    }),
    requestMount: enqueueActions(({ context, enqueue }) => exec(context, enqueue, (s) => s.request({ type: 'worker.mountVolumes' }))),
    mountFailed: assign(({ context, event }) => ({ mountAttempts: context.mountAttempts + 1, mountError: (event as Ev<'pod.volumeMountFailed'>).message })),
    mounted: assign(({ context }) => ({ mountError: undefined, probeAnchorMs: context.probeAnchorMs ?? context.now() })),
    requestSandbox: enqueueActions(({ context, enqueue }) => exec(context, enqueue, (s) => s.request({ type: 'worker.createSandbox' }))),
    sandboxReady: assign(({ event }) => {
      const e = event as Ev<'pod.sandboxReady'>;
      return { sandbox: { ready: true, podIP: e.podIP, podIPs: e.podIPs ?? [e.podIP] }, sandboxError: undefined };
    }),
    sandboxFailed: assign(({ event }) => ({ sandboxError: (event as Ev<'pod.sandboxFailed'>).message })),
    resetCursor: assign({ cursor: 0 }),
    advanceCursor: assign(({ context }) => ({ cursor: context.cursor + 1 })),
    startInit: enqueueActions(({ context, enqueue }) => exec(context, enqueue, (s) => startCursor(s, 'init'))),
    startContainer: enqueueActions(({ context, enqueue }) => exec(context, enqueue, (s) => startCursor(s, 'containers'))),
    pulled: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => {
      const e = event as Ev<'container.pulled'>;
      s.update(e.container, (r) => ({ ...r, status: { ...r.status, ...(e.image ? { image: e.image } : {}), ...(e.imageID ? { imageID: e.imageID } : {}) } }));
    })),
    started: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => containerStarted(s, event as Ev<'container.started'>))),
    pullFailed: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => pullFailed(s, event as Ev<'container.pullFailed'>))),
    exited: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => containerExited(s, event as Ev<'container.exited'>))),
    startFailed: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => containerStartFailed(s, event as Ev<'container.startFailed'>))),
    ready: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => s.update(containerOf(event), markReady))),
    probed: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => containerProbed(s, event as Ev<'container.probed'>))),
    synced: enqueueActions(({ context, enqueue }) => exec(context, enqueue, synced)),
    backOffExpired: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => backOffExpired(s, event as Ev<'container.backOffExpired'>))),
    specUpdated: enqueueActions(({ context, event, enqueue }) => {
      const e = event as Ev<'pod.specUpdated'>;
      exec({ ...context, pod: e.pod }, enqueue, (s) => specUpdated(s, e.pod, e.behaviours ?? {}));
    }),
    beginTermination: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => beginTermination(s, (event as Ev<'pod.deletionRequested'>).gracePeriodSeconds))),
    postStartDone: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => postStartDone(s, containerOf(event)))),
    preStopDone: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => preStopDone(s, containerOf(event)))),
    turnTimeout: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => turnTimeout(s, containerOf(event)))),
    configFailed: enqueueActions(({ context, event, enqueue }) => exec(context, enqueue, (s) => configFailed(s, event as Ev<'container.configFailed'>))),
    /** Upstream stops sidecars (KillPod, in reverse order) once every regular container has finished for good. */
    stopSidecars: enqueueActions(({ context, enqueue }) => exec(context, enqueue, stopSidecars)),
    /** Entering a final state: TerminatePod's container statuses, the sandbox gone, the phase fixed. */
    finalize: assign(({ context }, params: { phase: PodPhase }) => {
      const o = terminationOutcome(context);
      return { init: o.init, containers: o.containers, finalPhase: params.phase, sandbox: { ...context.sandbox, ready: false } };
    }),
    resume: enqueueActions(({ context, enqueue }) => {
      if (context.resumed) exec(context, enqueue, resumeRunning);
    }),
    rememberLostFrom: assign((_, params: { from: 'Pending' | 'Running' }) => ({ lostFrom: params.from })),
  },
  guards: {
    startingContainer: ({ context, event }) => runIs(context, event, 'starting'),
    liveContainer: ({ context, event }) => runIs(context, event, 'running', 'stopping'),
    runningUnready: ({ context, event }) => runIs(context, event, 'running') && findRecord(context, containerOf(event))!.status.started === true && !findRecord(context, containerOf(event))!.status.ready,
    backingOff: ({ context, event }) => !context.terminal && runIs(context, event, 'backOff'),
    // Every container attempted on a ready sandbox: always so when getPhase says Running, except
    // for a pod started over after its runtime was lost, whose carried statuses say Running early.
    phaseRunning: ({ context }) => phaseOf(context) === 'Running' && context.sandbox.ready && context.containers.every((r) => r.run !== 'notStarted'),
    phaseSucceeded: ({ context }) => phaseOf(context) === 'Succeeded',
    phaseFailed: ({ context }) => phaseOf(context) === 'Failed',
    initDone: ({ context }) => context.cursor >= context.init.length,
    currentInitComplete: ({ context }) => {
      const r = context.init[context.cursor];
      if (!r) return true;
      return r.kind === 'sidecar' ? r.status.started === true : r.status.state.terminated?.exitCode === 0;
    },
    containersDone: ({ context }) => context.cursor >= context.containers.length,
    // A start in flight (a pull, a postStart hook) or the kill after a failed postStart blocks the next container.
    currentAttempted: ({ context }) => !['starting', 'stopping'].includes(context.containers[context.cursor]?.run ?? ''),
    onlySidecarsLeft: ({ context }) => !context.completing && context.containers.every((r) => r.run === 'done') && context.init.some((r) => r.kind === 'sidecar' && r.run === 'running'),
    allStopped: ({ context }) => !live(context),
    stoppedSucceeded: ({ context }) => !live(context) && terminationOutcome(context).phase === 'Succeeded',
    lostFromRunning: ({ context }) => context.lostFrom === 'Running',
  },
  delays: {
    mountRetry: ({ context }) => Math.min(MOUNT_RETRY_INITIAL_MS * 2 ** Math.max(0, context.mountAttempts - 1), MOUNT_RETRY_MAX_MS),
    sandboxRetry: SANDBOX_RETRY_MS,
  },
}).createMachine({
  id: 'pod',
  context: ({ input }) => ({
    pod: input.pod,
    key: `${input.pod.metadata.namespace ?? 'default'}/${input.pod.metadata.name ?? ''}`,
    uid: input.pod.metadata.uid ?? '',
    ...initialRecords(input.pod.spec, input.behaviours ?? {}),
    sandbox: { ready: false },
    terminal: false,
    cursor: 0,
    mountAttempts: 0,
    gracePeriodSeconds: input.pod.spec.terminationGracePeriodSeconds ?? 30,
    completing: false,
    now: input.now ?? (() => 0),
    notifyParent: input.notifyParent ?? false,
    ...(input.resume ? resumedContext(input.pod, input.behaviours ?? {}, input.resume, (input.now ?? (() => 0))()) : {}),
    ...(input.lostRuntime ? lostRuntimeContext(input.pod, input.behaviours ?? {}, input.lostRuntime) : {}),
  }),
  entry: 'resume',
  initial: 'Pending',
  // Container facts are accepted in any live state; the states below react through guards.
  on: {
    'container.pulled': { guard: 'startingContainer', actions: 'pulled' },
    'container.started': { guard: 'startingContainer', actions: 'started' },
    'container.pullFailed': { guard: 'startingContainer', actions: 'pullFailed' },
    'container.startFailed': { guard: 'startingContainer', actions: 'startFailed' },
    'container.exited': { guard: 'liveContainer', actions: 'exited' },
    'container.ready': { guard: 'runningUnready', actions: 'ready' },
    'container.probed': { guard: 'liveContainer', actions: 'probed' },
    'container.backOffExpired': { guard: 'backingOff', actions: 'backOffExpired' },
    'container.postStartDone': { guard: 'startingContainer', actions: 'postStartDone' },
    'container.preStopDone': { guard: 'liveContainer', actions: 'preStopDone' },
    'container.turnTimeout': { guard: 'liveContainer', actions: 'turnTimeout' },
    'container.configFailed': { guard: 'startingContainer', actions: 'configFailed' },
    'pod.synced': { actions: 'synced' },
    'pod.specUpdated': { actions: 'specUpdated' },
  },
  states: {
    Pending: {
      initial: 'unscheduled',
      always: [
        { guard: 'phaseRunning', target: 'Running' },
        { guard: 'phaseSucceeded', target: 'Succeeded', actions: { type: 'finalize', params: { phase: 'Succeeded' } } },
        { guard: 'phaseFailed', target: 'Failed', actions: { type: 'finalize', params: { phase: 'Failed' } } },
      ],
      on: {
        'pod.deletionRequested': { target: 'Terminating', actions: 'beginTermination' },
        'node.lost': { target: 'Unknown', actions: { type: 'rememberLostFrom', params: { from: 'Pending' } } },
      },
      states: {
        unscheduled: { on: { 'pod.bound': { target: 'scheduled', actions: 'bind' } } },
        scheduled: {
          on: {
            'pod.admitted': { target: 'initializing', actions: 'admit' },
            'pod.rejected': { target: '#pod.Failed', actions: 'reject' },
          },
        },
        initializing: {
          initial: 'mountingVolumes',
          states: {
            mountingVolumes: {
              entry: 'requestMount',
              on: {
                'pod.volumesMounted': { target: 'creatingSandbox', actions: 'mounted' },
                'pod.volumeMountFailed': { target: 'mountBackOff', actions: 'mountFailed' },
              },
            },
            // FailedMount: containers stay ContainerCreating while the mount is retried.
            mountBackOff: { after: { mountRetry: 'mountingVolumes' } },
            creatingSandbox: {
              entry: 'requestSandbox',
              on: {
                'pod.sandboxReady': { target: 'initContainers', actions: 'sandboxReady' },
                'pod.sandboxFailed': { target: 'sandboxBackOff', actions: 'sandboxFailed' },
              },
            },
            sandboxBackOff: { after: { sandboxRetry: 'creatingSandbox' } },
            // One at a time, in spec order: a regular init container must exit 0, a sidecar must start.
            initContainers: {
              entry: 'resetCursor',
              initial: 'next',
              states: {
                next: { always: [{ guard: 'initDone', target: '#pod.Pending.creatingContainers' }, { target: 'current' }] },
                current: { entry: 'startInit', always: { guard: 'currentInitComplete', target: 'next', actions: 'advanceCursor' } },
              },
            },
          },
        },
        // Containers start in spec order (a pull blocks the next); a failed one does not.
        creatingContainers: {
          entry: 'resetCursor',
          initial: 'next',
          states: {
            next: { always: [{ guard: 'containersDone', target: 'waiting' }, { target: 'current' }] },
            current: { entry: 'startContainer', always: { guard: 'currentAttempted', target: 'next', actions: 'advanceCursor' } },
            // Some container waits on a back-off; the phase moves the pod on once all run.
            waiting: {},
          },
        },
        hist: { type: 'history', history: 'deep' },
      },
    },
    Running: {
      always: [
        { guard: 'phaseSucceeded', target: 'Succeeded', actions: { type: 'finalize', params: { phase: 'Succeeded' } } },
        { guard: 'phaseFailed', target: 'Failed', actions: { type: 'finalize', params: { phase: 'Failed' } } },
        { guard: 'onlySidecarsLeft', actions: 'stopSidecars' },
      ],
      on: {
        'pod.deletionRequested': { target: 'Terminating', actions: 'beginTermination' },
        'node.lost': { target: 'Unknown', actions: { type: 'rememberLostFrom', params: { from: 'Running' } } },
      },
    },
    // The node stopped answering: nothing is known until it comes back.
    Unknown: {
      on: {
        'node.recovered': [{ guard: 'lostFromRunning', target: 'Running' }, { target: '#pod.Pending.hist' }],
        'pod.deletionRequested': { target: 'Terminating', actions: 'beginTermination' },
      },
    },
    // Graceful deletion: each container's kill (preStop, sidecar turn, SIGTERM, SIGKILL when its
    // grace runs out; lifecycle-steps.ts), then a terminal phase once nothing runs.
    Terminating: {
      always: [
        { guard: 'stoppedSucceeded', target: 'Succeeded', actions: { type: 'finalize', params: { phase: 'Succeeded' } } },
        { guard: 'allStopped', target: 'Failed', actions: { type: 'finalize', params: { phase: 'Failed' } } },
      ],
    },
    Succeeded: { type: 'final' },
    Failed: { type: 'final' },
  },
  output: ({ context }) => statusFromSource(context),
});

/** A pod machine snapshot, or anything shaped like one (the kubelet receives them in events). */
export interface PodSnapshotLike { context: PodContext; value: unknown }

/**
 * The PodStatus the kubelet writes for this snapshot. Pass the pod's current API conditions to
 * keep the ones the kubelet does not own (and to evaluate readiness gates).
 */
export function podStatusOf(snapshot: PodSnapshotLike, apiConditions?: readonly PodCondition[]): PodStatus {
  return statusFromSource(snapshot.context, { unknown: snapshot.value === 'Unknown', ...(apiConditions ? { apiConditions } : {}) });
}
