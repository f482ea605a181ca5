/**
 * The kubelet's pod phase and condition rules (pkg/kubelet/kubelet_pods.go getPhase,
 * pkg/kubelet/status/generate.go) and kubectl's STATUS/READY/RESTARTS columns
 * (pkg/printers/internalversion/printers.go printPod). All pure: the kubelet machine decides
 * when to call them, these decide what the answer is.
 */
import type { Container, ContainerStatus, Pod, PodCondition, PodPhase, PodSpec } from '../../src/api/objects.ts';

/** Condition reasons, exactly as status/generate.go spells them. */
export const UNKNOWN_CONTAINER_STATUSES = 'UnknownContainerStatuses';
export const POD_COMPLETED = 'PodCompleted';
export const POD_FAILED = 'PodFailed';
export const CONTAINERS_NOT_READY = 'ContainersNotReady';
export const CONTAINERS_NOT_INITIALIZED = 'ContainersNotInitialized';
export const READINESS_GATES_NOT_READY = 'ReadinessGatesNotReady';

/** The pod-level reason the node lifecycle controller sets on pods of an unreachable node. */
export const NODE_LOST = 'NodeLost';

/** Condition types the kubelet owns; any other condition on the pod is preserved as it is. */
export const KUBELET_CONDITIONS: readonly string[] = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

/** A sidecar is an init container with restartPolicy Always (podutil.IsRestartableInitContainer). */
export function isSidecar(c: Pick<Container, 'restartPolicy'> | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function statusOf(statuses: readonly ContainerStatus[] | undefined, name: string): ContainerStatus | undefined {
  return statuses?.find((s) => s.name === name);
}

/**
 * Whether the pod got past initialization once, as kubelife's termination bookkeeping reads it: a
 * regular container that runs, has exited, or has exited before (a crash-looping one waits but
 * has started). Broader than upstream's kubecontainer.HasAnyRegularContainerStarted, which the
 * phase and the Initialized condition use (see regularContainerRunningOrTerminated).
 */
export function hasAnyRegularContainerStarted(spec: PodSpec, statuses: readonly ContainerStatus[] | undefined): boolean {
  return spec.containers.some((c) => {
    const s = statusOf(statuses, c.name);
    return s !== undefined && (s.state.running !== undefined || s.state.terminated !== undefined || s.lastState?.terminated !== undefined);
  });
}

/**
 * kubecontainer.HasAnyRegularContainerStarted as 1.32 has it (pkg/kubelet/container/helpers.go):
 * some regular container's current state is running or terminated. A container waiting to
 * restart (CrashLoopBackOff) does not count, even though it ran before.
 */
export function regularContainerRunningOrTerminated(spec: PodSpec, statuses: readonly ContainerStatus[] | undefined): boolean {
  return spec.containers.some((c) => {
    const s = statusOf(statuses, c.name);
    return s !== undefined && (s.state.running !== undefined || s.state.terminated !== undefined);
  });
}

/**
 * kubelet getPhase as in 1.29–1.32 (pkg/kubelet/kubelet_pods.go). `podIsTerminal` is true when
 * the kubelet has decided the pod will not run again (deleted or evicted); its containers then
 * stop for good whatever the restart policy says.
 *
 * Regular init containers and sidecars that have not started are counted together
 * (pendingInitialization); they keep the pod Pending only while no regular container is running
 * or terminated. So an init container re-running after its sandbox was recreated leaves a pod
 * whose app container exited in its phase (Running), and a sidecar still starting while the app
 * container waits in CrashLoopBackOff sends the pod back to Pending: that is 1.32's rule
 * (kubernetes#128516, merged after 1.32 branched, counts them apart and reads the running sandbox).
 */
export function getPhase(spec: PodSpec, initStatuses: readonly ContainerStatus[] | undefined, statuses: readonly ContainerStatus[] | undefined, podIsTerminal: boolean): PodPhase {
  const restartPolicy = spec.restartPolicy ?? 'Always';
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of spec.initContainers ?? []) {
    if (isSidecar(c)) continue;
    const s = statusOf(initStatuses, c.name);
    if (!s || s.state.running) pendingInitialization++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state.waiting) {
      const last = s.lastState?.terminated;
      // Waiting after a failed run is a failure being retried, not an init container still to come.
      if (!last) pendingInitialization++;
      else if (last.exitCode !== 0) failedInitialization++;
    } else pendingInitialization++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of spec.initContainers ?? []) {
    if (!isSidecar(c)) continue;
    const s = statusOf(initStatuses, c.name);
    if (!s) unknown++;
    else if (s.state.running) {
      if (s.started !== true) pendingInitialization++;
      running++;
    } else if (s.state.terminated) {
      // A stopped sidecar does not decide the phase.
    } else if (s.state.waiting) {
      // Nor does one waiting to restart; one waiting for its first start does.
      if (!s.lastState?.terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of spec.containers) {
    const s = statusOf(statuses, c.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      // CrashLoopBackOff: waiting to restart after a run counts as stopped, not as not-yet-started.
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }

  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !regularContainerRunningOrTerminated(spec, statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    // Static pods are not terminal here upstream (TODO #116484); kubelife has none.
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/**
 * Terminal phases are sticky: the kubelet forces a Succeeded or Failed pod back to the phase the
 * API shows ("Pod attempted illegal phase transition").
 */
export function nextPhase(apiPhase: PodPhase | undefined, computed: PodPhase): PodPhase {
  return apiPhase === 'Succeeded' || apiPhase === 'Failed' ? apiPhase : computed;
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/** Go's %s of a []string: "[a b]". */
const goList = (names: string[]) => `[${names.join(' ')}]`;

function allStatuses(init: readonly ContainerStatus[] | undefined, regular: readonly ContainerStatus[] | undefined): ContainerStatus[] | undefined {
  return init === undefined && regular === undefined ? undefined : [...(init ?? []), ...(regular ?? [])];
}

/** GenerateContainersReadyCondition: every app container and every sidecar is ready. */
export function containersReadyCondition(spec: PodSpec, initStatuses: readonly ContainerStatus[] | undefined, statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): PodCondition {
  const all = allStatuses(initStatuses, statuses);
  if (all === undefined) return condition('ContainersReady', false, UNKNOWN_CONTAINER_STATUSES);
  const unknown: string[] = [];
  const unready: string[] = [];
  const consider = [...(spec.initContainers ?? []).filter(isSidecar), ...spec.containers];
  for (const c of consider) {
    const s = statusOf(all, c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition('ContainersReady', false, POD_COMPLETED);
  if (phase === 'Failed') return condition('ContainersReady', false, POD_FAILED);
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (unready.length > 0) messages.push(`containers with unready status: ${goList(unready)}`);
  if (messages.length > 0) return condition('ContainersReady', false, CONTAINERS_NOT_READY, messages.join(', '));
  return condition('ContainersReady', true);
}

/** GeneratePodReadyCondition: ContainersReady, and every readiness gate's condition True. */
export function readyCondition(spec: PodSpec, conditions: readonly PodCondition[], initStatuses: readonly ContainerStatus[] | undefined, statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): PodCondition {
  const cr = containersReadyCondition(spec, initStatuses, statuses, phase);
  if (cr.status !== 'True') return { ...cr, type: 'Ready' };
  const gates = (spec['readinessGates'] as Array<{ conditionType: string }> | undefined) ?? [];
  const messages: string[] = [];
  for (const g of gates) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (!c) messages.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
    else if (c.status !== 'True') messages.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
  }
  if (messages.length > 0) return condition('Ready', false, READINESS_GATES_NOT_READY, messages.join(', '));
  return condition('Ready', true);
}

/** GeneratePodInitializedCondition: regular init containers completed (ready) and sidecars started. */
export function initializedCondition(spec: PodSpec, initStatuses: readonly ContainerStatus[] | undefined, statuses: readonly ContainerStatus[] | undefined, phase: PodPhase): PodCondition {
  const inits = spec.initContainers ?? [];
  const all = allStatuses(initStatuses, statuses);
  if (all === undefined && inits.length > 0) return condition('Initialized', false, UNKNOWN_CONTAINER_STATUSES);
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = statusOf(all, c.name);
    if (!s) unknown.push(c.name);
    else if (isSidecar(c) ? s.started !== true : !s.ready) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition('Initialized', true, POD_COMPLETED);
  // Once an app container runs or has exited, a restarting sidecar does not make the pod uninitialized again.
  if (regularContainerRunningOrTerminated(spec, all)) return condition('Initialized', true);
  const messages: string[] = [];
  if (unknown.length > 0) messages.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length > 0) messages.push(`containers with incomplete status: ${goList(incomplete)}`);
  if (messages.length > 0) return condition('Initialized', false, CONTAINERS_NOT_INITIALIZED, messages.join(', '));
  return condition('Initialized', true);
}

/** GeneratePodReadyToStartContainersCondition: True once the sandbox exists with networking configured. */
export function readyToStartContainersCondition(sandboxReady: boolean): PodCondition {
  return condition('PodReadyToStartContainers', sandboxReady);
}

export interface PodConditionInput {
  spec: PodSpec;
  initStatuses?: readonly ContainerStatus[] | undefined;
  statuses?: readonly ContainerStatus[] | undefined;
  phase: PodPhase;
  /** Whether the pod sandbox exists with its network set up. */
  sandboxReady: boolean;
  /** The pod's current conditions: those the kubelet does not own are kept and feed readiness gates. */
  conditions?: readonly PodCondition[] | undefined;
}

/**
 * The conditions generateAPIPodStatus writes, in its order: foreign conditions kept, then
 * PodReadyToStartContainers, Initialized, Ready, ContainersReady and PodScheduled (True: the pod
 * is on this node). Transition times are left to mergeConditions.
 */
export function podConditions(input: PodConditionInput): PodCondition[] {
  const { spec, initStatuses, statuses, phase } = input;
  const out: PodCondition[] = (input.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.includes(c.type)).map((c) => ({ ...c }));
  out.push(readyToStartContainersCondition(input.sandboxReady));
  out.push(initializedCondition(spec, initStatuses, statuses, phase));
  out.push(readyCondition(spec, out, initStatuses, statuses, phase));
  out.push(containersReadyCondition(spec, initStatuses, statuses, phase));
  out.push(condition('PodScheduled', true));
  return out;
}

/**
 * The status manager's transition bookkeeping: a condition keeps its lastTransitionTime while its
 * status is unchanged and takes `now` when it flips or first appears.
 */
export function mergeConditions(old: readonly PodCondition[] | undefined, next: readonly PodCondition[], now: string): PodCondition[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : (c.lastTransitionTime ?? now);
    return { ...c, lastProbeTime: c.lastProbeTime ?? null, lastTransitionTime };
  });
}

interface Columns { ready: string; status: string; restarts: number }

/** printPod: READY, STATUS and RESTARTS together, since they come out of the same walk. */
function printPodColumns(pod: Pod): Columns {
  const status = pod.status ?? {};
  const inits = pod.spec.initContainers ?? [];
  const byName = new Map(inits.map((c) => [c.name, c]));
  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  const totalContainers = pod.spec.containers.length + inits.filter(isSidecar).length;
  let reason: string = status.reason || status.phase || '';
  if (status.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount;
    const sidecar = isSidecar(byName.get(c.name));
    if (sidecar) sidecarRestarts += c.restartCount;
    const t = c.state.terminated;
    const w = c.state.waiting;
    if (t && t.exitCode === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (w && w.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${inits.length}`;
    initializing = true;
    break;
  }

  const initializedTrue = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    // The last container with something to say wins, so walk from the end as kubectl does.
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount;
      const t = c.state.terminated;
      if (c.state.waiting?.reason) reason = c.state.waiting.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === NODE_LOST) reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts };
}

/** kubectl get pods STATUS: "Running", "Init:1/2", "Init:CrashLoopBackOff", "ErrImagePull", "Completed", "Terminating"... */
export function kubectlStatus(pod: Pod): string {
  return printPodColumns(pod).status;
}

/** kubectl get pods READY: ready app containers and started-and-ready sidecars over their total, "1/2". */
export function kubectlReady(pod: Pod): string {
  return printPodColumns(pod).ready;
}

/** kubectl get pods RESTARTS, without the "(5m ago)" suffix. */
export function kubectlRestarts(pod: Pod): string {
  return String(printPodColumns(pod).restarts);
}
