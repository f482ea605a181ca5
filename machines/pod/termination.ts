/**
 * How the kubelet stops a container, as pure rules (Kubernetes 1.32): the grace period a kill
 * gets, the kill's steps, the order sidecars stop in, and what the process does when it is told
 * to stop. The pod machine executes a kill step by step on its clock (lifecycle-steps.ts); the
 * whole plan of one container, when nothing else waits, is `planKill`.
 *
 * The grace period:
 * - Pod deletion (pod_workers calculateEffectiveGracePeriod): the pod's deletionGracePeriodSeconds
 *   may only shorten the grace already in effect; a 0 leaves it at 0, and then the pod's
 *   spec.terminationGracePeriodSeconds applies; never under 1 s. So a force deletion (grace 0)
 *   does NOT kill at once on the node in 1.32: the containers get their spec grace, exactly as
 *   kubernetes/kubernetes#120449 and #115819 report (fixed in later trees, where an explicit
 *   override is kept and becomes 1 s, then 2 s by the floor below). This grace is passed to every
 *   container's kill as an override.
 * - Any other kill (a postStart failure, the pod completing with only sidecars left)
 *   (setTerminationGracePeriod): deletionGracePeriodSeconds, else spec.terminationGracePeriodSeconds,
 *   else 2 s. Probe kills use the probe's own terminationGracePeriodSeconds when set (probes.ts).
 *
 * One container's kill (kuberuntime killContainer):
 * 1. A Normal `Killing` event (message "Stopping container <c>" unless the caller gives one).
 * 2. A preStop hook, when there is one and grace > 0, runs for at most the grace period; its
 *    duration in whole seconds (truncated) is taken off the grace. A failure records a Warning
 *    `FailedPreStopHook` `PreStopHook failed` (the hook's output is kept out of the event).
 * 3. With sidecars in the pod (a terminationOrdering), and grace still > 0, the container waits
 *    for its turn, at most the remaining grace, and the wait (truncated seconds) is taken off.
 * 4. The grace is floored at 2 s (minimumGracePeriodInSeconds).
 * 5. StopContainer: SIGTERM (or the image's stop signal) now, SIGKILL when the grace runs out.
 *
 * The turn (kuberuntime_termination_order.go): every container's kill starts at once (so every
 * preStop runs at once); a sidecar waits until every main container that was running has been
 * stopped, and until the next sidecar in spec order has: sidecars stop in reverse spec order,
 * after the main containers. Containers that were not running count as stopped.
 */
import type { Pod, PodSpec } from '../../src/api/objects.ts';
import type { ProcessFacts } from '../kubelet/process.ts';
import { EXIT_SIGKILL, EXIT_SIGTERM, MIN_GRACE_PERIOD_SECONDS } from './containers.ts';
import { isSidecar } from './phase.ts';

/** What the process does with SIGTERM (the facts of behaviour.ts; `ignoresSigterm` is sugar). */
export interface StopFacts extends Pick<ProcessFacts, 'termExitCode' | 'termExitAfterMs'> {
  ignoresSigterm?: boolean;
}

/**
 * pod_workers calculateEffectiveGracePeriod (1.32): `current` is the grace already in effect
 * (0 when the pod was not terminating), `deletionGracePeriodSeconds` the API's, `override` a
 * kubelet-side one (eviction).
 */
export function effectiveGracePeriod(current: number, deletionGracePeriodSeconds: number | undefined, specGracePeriodSeconds: number | undefined, override?: number): number {
  let grace = current;
  if (deletionGracePeriodSeconds !== undefined && (grace === 0 || deletionGracePeriodSeconds < grace)) grace = deletionGracePeriodSeconds;
  if (override !== undefined && (grace === 0 || override < grace)) grace = override;
  if (grace === 0 && specGracePeriodSeconds !== undefined) grace = specGracePeriodSeconds;
  return Math.max(grace, 1);
}

/** setTerminationGracePeriod for a kill without an override (no probe kill). */
export function containerGracePeriod(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? MIN_GRACE_PERIOD_SECONDS;
}

/**
 * newTerminationOrdering: for each container in the kill, the containers it must see stopped
 * before its SIGTERM. Undefined when the pod has no sidecars (upstream passes no ordering then).
 * `running` are the containers being killed; the others count as stopped already.
 */
export function terminationOrdering(spec: PodSpec, running: readonly string[]): Map<string, string[]> | undefined {
  const inits = spec.initContainers ?? [];
  if (!inits.some(isSidecar)) return undefined;
  const isRunning = new Set(running);
  const mains = spec.containers.map((c) => c.name).filter((n) => isRunning.has(n));
  const prereqs = new Map<string, string[]>();
  for (const n of running) prereqs.set(n, []);
  let later: string | undefined;
  for (let i = inits.length - 1; i >= 0; i--) {
    const c = inits[i]!;
    if (!isSidecar(c)) continue;
    if (isRunning.has(c.name)) prereqs.set(c.name, [...mains, ...(later !== undefined && isRunning.has(later) ? [later] : [])]);
    later = c.name;
  }
  return prereqs;
}

/** The grace StopContainer gets once the hook and the turn have taken theirs. */
export function stopGracePeriod(remainingSeconds: number): number {
  return Math.max(remainingSeconds, MIN_GRACE_PERIOD_SECONDS);
}

/**
 * StopContainer with `graceSeconds`: the process exits `termExitAfterMs` after SIGTERM with
 * `termExitCode` (143 unless the image says otherwise), or is SIGKILLed (137) when it ignores
 * SIGTERM or would take the whole grace period.
 */
export function stopOutcome(facts: StopFacts, graceSeconds: number): { afterMs: number; exitCode: number; killed: boolean } {
  const graceMs = graceSeconds * 1000;
  const after = facts.termExitAfterMs ?? 0;
  if (!facts.ignoresSigterm && after < graceMs) return { afterMs: after, exitCode: facts.termExitCode ?? EXIT_SIGTERM, killed: false };
  return { afterMs: graceMs, exitCode: EXIT_SIGKILL, killed: true };
}

/** The grace left after a step that took `ms`: whole seconds are subtracted, as upstream truncates. */
export function graceAfter(graceSeconds: number, ms: number): number {
  return graceSeconds - Math.trunc(ms / 1000);
}

export interface KillPlanInput {
  /** The grace period of this kill (the deletion's override, or containerGracePeriod). */
  graceSeconds: number;
  /** The preStop hook's duration and result, when the container has one. */
  preStop?: { durationMs: number; ok: boolean };
  /** How long the container waits for its turn (sidecars), from the end of its preStop. */
  turnWaitMs?: number;
  facts: StopFacts;
}

/** One container's kill, in ms from the Killing event. */
export interface KillPlan {
  /** When the preStop hook ends, or is abandoned at the end of the grace period. */
  preStopEndMs?: number;
  /** The preStop hook failed within the grace period: FailedPreStopHook at preStopEndMs. */
  preStopFailed: boolean;
  /** SIGTERM (StopContainer). */
  sigtermAtMs: number;
  /** The grace StopContainer gets (never under 2 s). */
  stopGraceSeconds: number;
  /** When the process is gone, and how. */
  exitAtMs: number;
  exitCode: number;
  killed: boolean;
}

/** killContainer's timeline for one container, given how long its turn takes (0 without sidecars). */
export function planKill(p: KillPlanInput): KillPlan {
  let grace = p.graceSeconds;
  let t = 0;
  let preStopEndMs: number | undefined;
  let preStopFailed = false;
  if (p.preStop && grace > 0) {
    const ran = Math.min(p.preStop.durationMs, grace * 1000);
    preStopEndMs = ran;
    preStopFailed = !p.preStop.ok && p.preStop.durationMs <= grace * 1000;
    t += ran;
    grace = graceAfter(grace, ran);
  }
  if (p.turnWaitMs !== undefined && grace > 0) {
    const waited = Math.min(p.turnWaitMs, grace * 1000);
    t += waited;
    grace = graceAfter(grace, waited);
  }
  const stopGraceSeconds = stopGracePeriod(grace);
  const o = stopOutcome(p.facts, stopGraceSeconds);
  return { ...(preStopEndMs !== undefined ? { preStopEndMs } : {}), preStopFailed, sigtermAtMs: t, stopGraceSeconds, exitAtMs: t + o.afterMs, exitCode: o.exitCode, killed: o.killed };
}

/**
 * A kill in progress on a container record. `phase`: preStop (the hook runs), turn (waiting for
 * the containers it must outlive), stopping (SIGTERM sent, SIGKILL armed).
 */
export interface KillState {
  phase: 'preStop' | 'turn' | 'stopping';
  startMs: number;
  graceSeconds: number;
  /** The grace left for the next step (hook and turn time taken off). */
  remainingSeconds: number;
  /** Containers whose kill must complete before this one's SIGTERM (sidecar ordering). */
  waitsFor?: string[];
  turnStartMs?: number;
  /** The preStop hook failed: FailedPreStopHook when it ends. */
  preStopFailed?: boolean;
  /** The process already exited before StopContainer: the run it goes to when the kill completes. */
  afterRun?: 'exited' | 'done';
}
