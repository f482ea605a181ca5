/**
 * The container machine: one container's state as the API shows it (ContainerStatus.state plus
 * `started` and `ready`), with every reason the kubelet writes as a state of its own.
 *
 *   Waiting.{ContainerCreating, PodInitializing, ErrImagePull, ImagePullBackOff, ErrImageNeverPull,
 *            InvalidImageName, CreateContainerConfigError, PostStartHookError, RunContainerError,
 *            CrashLoopBackOff}
 *   Running.{Starting (started=false: the startup probe has not passed), Unready, Ready}
 *   Terminated.{Completed, Error, OOMKilled, StartError, ContainerStatusUnknown}
 *
 * The pod worker (machines/pod) keeps each container's state in this machine: every change it
 * makes to a container's status is one of these events, stepped through `stepContainer`, and an
 * event the machine does not accept in the current state is a bug in the model (it throws). The
 * machine is also the specification the checker and the conformance generator walk.
 *
 * Sources: pkg/kubelet/kuberuntime (waiting reasons: ErrImagePull, ImagePullBackOff,
 * ErrImageNeverPull, InvalidImageName from images/types.go; CreateContainerConfigError,
 * PostStartHookError from kuberuntime_container.go; CrashLoopBackOff from kuberuntime_manager.go;
 * RunContainerError, kubecontainer.ErrRunContainer, when StartContainer fails),
 * convertToAPIContainerStatuses (ContainerCreating / PodInitializing defaults,
 * ContainerStatusUnknown, the reason cache's waiting reasons), the prober manager (started,
 * ready), containerd's CRI (StartError, exit code 128, for a container that failed to start).
 */
import { setup, type StateValue } from 'xstate';

export type ContainerEvent =
  /** The pod has init containers: regular containers wait with PodInitializing until they run. */
  | { type: 'pod.hasInitContainers' }
  | { type: 'pull.failed' }
  | { type: 'pull.backOff' }
  | { type: 'pull.neverAllowed' }
  | { type: 'image.invalid' }
  | { type: 'config.failed' }
  | { type: 'postStart.failed' }
  | { type: 'restart.backOff' }
  /** The runtime started the process (Running; not yet `started` while a startup probe runs). */
  | { type: 'started' }
  | { type: 'startup.succeeded' }
  | { type: 'readiness.succeeded' }
  | { type: 'readiness.failed' }
  | { type: 'exited.completed' }
  | { type: 'exited.error' }
  | { type: 'exited.oomKilled' }
  /**
   * The runtime created the container but could not start its process (the executable does not
   * exist): containerd marks it exited with reason StartError and exit code 128. It never ran.
   */
  | { type: 'exited.startError' }
  /** A failed start will be retried: the reason cache shows RunContainerError until then. */
  | { type: 'run.failed' }
  /** The pod ended while the runtime could not report this container. */
  | { type: 'lost' }
  /**
   * The runtime no longer has the container while the pod goes on (its node lost its disk): it
   * waits to be created again, its last state ContainerStatusUnknown if it was running
   * (machines/pod/lost-runtime.ts).
   */
  | { type: 'runtime.lost' };

export type ContainerEventType = ContainerEvent['type'];

/** Every way a container can come to wait (from any waiting state, or after a run), or fail to start. */
const toWaiting = {
  'pull.failed': '#container.Waiting.ErrImagePull',
  'pull.backOff': '#container.Waiting.ImagePullBackOff',
  'pull.neverAllowed': '#container.Waiting.ErrImageNeverPull',
  'image.invalid': '#container.Waiting.InvalidImageName',
  'config.failed': '#container.Waiting.CreateContainerConfigError',
  'postStart.failed': '#container.Waiting.PostStartHookError',
  'run.failed': '#container.Waiting.RunContainerError',
  'exited.startError': '#container.Terminated.StartError',
  started: '#container.Running',
  lost: '#container.Terminated.ContainerStatusUnknown',
  'runtime.lost': '#container.Waiting.ContainerCreating',
} as const;

export const containerMachine = setup({
  types: { events: {} as ContainerEvent },
}).createMachine({
  id: 'container',
  initial: 'Waiting',
  states: {
    Waiting: {
      initial: 'ContainerCreating',
      on: toWaiting,
      states: {
        ContainerCreating: { on: { 'pod.hasInitContainers': 'PodInitializing' } },
        PodInitializing: {},
        ErrImagePull: {},
        ImagePullBackOff: {},
        ErrImageNeverPull: {},
        InvalidImageName: {},
        CreateContainerConfigError: {},
        // The killed container waits here (the reason cache) until its restart, which backs off like a crash.
        PostStartHookError: { on: { 'restart.backOff': 'CrashLoopBackOff' } },
        // StartContainer failed (Terminated.StartError) and will be retried; its retry backs off like a crash.
        RunContainerError: { on: { 'restart.backOff': 'CrashLoopBackOff' } },
        // A restart waits out its back-off here; when it ends the start is tried again.
        CrashLoopBackOff: {},
      },
    },
    Running: {
      initial: 'Starting',
      on: {
        'exited.completed': 'Terminated.Completed',
        'exited.error': 'Terminated.Error',
        'exited.oomKilled': 'Terminated.OOMKilled',
        lost: 'Terminated.ContainerStatusUnknown',
        'runtime.lost': '#container.Waiting.ContainerCreating',
      },
      states: {
        Starting: { on: { 'startup.succeeded': 'Unready' } },
        Unready: { on: { 'readiness.succeeded': 'Ready' } },
        Ready: { on: { 'readiness.failed': 'Unready' } },
      },
    },
    Terminated: {
      on: { ...toWaiting, 'restart.backOff': '#container.Waiting.CrashLoopBackOff' },
      states: {
        Completed: {},
        Error: {},
        OOMKilled: {},
        StartError: {},
        ContainerStatusUnknown: {},
      },
      initial: 'Completed',
    },
  },
});

/** A container state as a dotted path, e.g. "Waiting.CrashLoopBackOff" or "Running.Ready". */
export type ContainerStateName = string;

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
  initial?: { target: readonly NodeLike[] };
  transitions: Map<string, Array<{ target?: readonly NodeLike[] }>>;
}

/** Follows initial states down to a leaf. */
function leafOf(n: NodeLike): NodeLike {
  let cur = n;
  while (Object.keys(cur.states).length > 0) cur = cur.initial?.target[0] ?? Object.values(cur.states)[0]!;
  return cur;
}

/**
 * The machine as a table, leaf state -> event -> leaf state, read once from its definition (the
 * innermost handler wins, as XState resolves them). Stepping a table is O(1), which matters:
 * every container change of every pod goes through it.
 */
function buildTable(): Map<string, Map<string, string>> {
  const table = new Map<string, Map<string, string>>();
  const leaves: NodeLike[] = [];
  const collect = (n: NodeLike) => {
    const kids = Object.values(n.states);
    if (kids.length === 0) leaves.push(n);
    for (const k of kids) collect(k);
  };
  const root = containerMachine.root as unknown as NodeLike;
  collect(root);
  const byPath = new Map<string, NodeLike>();
  const index = (n: NodeLike) => {
    byPath.set(n.path.join('.'), n);
    for (const k of Object.values(n.states)) index(k);
  };
  index(root);
  for (const leaf of leaves) {
    const row = new Map<string, string>();
    // Walk from the leaf up: inner handlers shadow outer ones.
    for (let p = leaf.path.length; p >= 0; p--) {
      const node = byPath.get(leaf.path.slice(0, p).join('.'))!;
      for (const [type, defs] of node.transitions) {
        if (row.has(type)) continue;
        const target = defs[0]?.target?.[0];
        if (target) row.set(type, leafOf(target).path.join('.'));
      }
    }
    table.set(leaf.path.join('.'), row);
  }
  return table;
}

const TABLE = buildTable();

/** The state a new container starts in. */
export const INITIAL_CONTAINER_STATE: ContainerStateName = leafOf(containerMachine.root as unknown as NodeLike).path.join('.');

/** Every leaf state of the container machine. */
export const CONTAINER_STATES: readonly ContainerStateName[] = [...TABLE.keys()];

/** The state after `event`, or undefined when the machine does not accept it there. */
export function nextContainerState(state: ContainerStateName, event: ContainerEventType): ContainerStateName | undefined {
  return TABLE.get(state)?.get(event);
}

export class IllegalContainerTransition extends Error {
  constructor(readonly container: string, readonly from: ContainerStateName, readonly event: ContainerEventType) {
    super(`container ${container}: the container machine does not allow "${event}" in ${from}`);
  }
}

/** Steps a container's state; an event the machine refuses is a modelling bug and throws. */
export function stepContainer(container: string, state: ContainerStateName, event: ContainerEventType): ContainerStateName {
  const next = nextContainerState(state, event);
  if (next === undefined) throw new IllegalContainerTransition(container, state, event);
  return next;
}

/** "Waiting.ErrImagePull" for XState's { Waiting: 'ErrImagePull' }. */
export function stateName(value: StateValue): ContainerStateName {
  if (typeof value === 'string') return value;
  const [k, v] = Object.entries(value)[0]!;
  return v === undefined ? k : `${k}.${stateName(v as StateValue)}`;
}

/**
 * The state an API ContainerStatus shows: what an observer (the checker, a conformance run
 * against a real cluster) can read back. Waiting and terminated reasons name their states.
 */
export function stateOfStatus(s: { state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } }; started?: boolean; ready?: boolean }): ContainerStateName | undefined {
  const st = s.state ?? {};
  if (st.waiting) {
    const name = `Waiting.${st.waiting.reason ?? 'ContainerCreating'}`;
    return TABLE.has(name) ? name : undefined;
  }
  if (st.running) return s.ready ? 'Running.Ready' : s.started === false ? 'Running.Starting' : 'Running.Unready';
  if (st.terminated) {
    const reason = st.terminated.reason ?? (st.terminated.exitCode === 0 ? 'Completed' : 'Error');
    const name = `Terminated.${reason}`;
    return TABLE.has(name) ? name : 'Terminated.Error';
  }
  return undefined;
}
