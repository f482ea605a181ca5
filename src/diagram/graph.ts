/**
 * Machine graphs: every XState machine of the model (machines/) read once from its StateNode tree
 * into plain data (states with dotted-path ids, transitions with event and guard names). This is
 * the single source the Mermaid export, the elkjs layout and the inspector's statechart view draw.
 */
import type { AnyStateMachine } from 'xstate';
import { containerMachine } from '../../machines/container/machine.ts';
import { etcdMachine } from '../../machines/etcd/machine.ts';
import { apiserverMachine } from '../../machines/kube-apiserver/machine.ts';
import { CONTROLLERS, KUBE_CONTROLLER_MANAGER, kubeControllerManagerMachine } from '../../machines/kube-controller-manager/machine.ts';
import { kubeProxyMachine } from '../../machines/kube-proxy/machine.ts';
import { schedulerMachine } from '../../machines/kube-scheduler/machine.ts';
import { kubeletMachine } from '../../machines/kubelet/machine.ts';
import { podMachine } from '../../machines/pod/machine.ts';

export type GraphStateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface GraphState {
  /** Dotted path from the root, e.g. 'Running.Ready'; the root is ''. */
  id: string;
  /** The state's own name (the machine id for the root). */
  key: string;
  /** The parent's id; absent only for the root. */
  parent?: string;
  type: GraphStateType;
  /** The id of the initial child (compound states). */
  initial?: string;
  description?: string;
}

export interface GraphTransition {
  /** State id the transition is declared on. */
  source: string;
  /** State id it goes to (equal to `source` for a targetless, internal transition). */
  target: string;
  /** The event type; `always` for eventless transitions, `after <delay>` for delayed ones. */
  event: string;
  /** The guard's name. */
  guard?: string;
  /** True for a transition with no target: actions only, the state does not change. */
  internal?: boolean;
}

export interface MachineGraph {
  /** Stable kebab-case id ('pod', 'kubelet', 'replicaset', ...). */
  id: string;
  title: string;
  /** Repository path of the file that defines the machine. */
  source: string;
  /** The id of the root's initial state. */
  initial: string;
  /** Document order, root first. */
  states: GraphState[];
  /** Document order of their source states; per state, the order of its `on`, then `after`, then `always`. */
  transitions: GraphTransition[];
}

interface MachineEntry {
  id: string;
  title: string;
  source: string;
  machine: AnyStateMachine;
}

const CONTROLLER_TITLES: Record<keyof typeof CONTROLLERS, [title: string, file: string]> = {
  replicaset: ['ReplicaSet controller', 'replicaset.ts'],
  deployment: ['Deployment controller', 'deployment.ts'],
  endpointslice: ['EndpointSlice controller', 'endpointslice.ts'],
  nodeipam: ['Node IPAM controller', 'nodeipam.ts'],
  'garbage-collector': ['Garbage collector', 'garbagecollector.ts'],
  nodelifecycle: ['Node lifecycle controller', 'nodelifecycle.ts'],
  'taint-eviction-controller': ['Taint eviction controller', 'tainteviction.ts'],
};

/** Every machine, in the order of a request's path through the cluster. */
function entries(): MachineEntry[] {
  const list: MachineEntry[] = [
    { id: 'kube-apiserver', title: 'kube-apiserver', source: 'machines/kube-apiserver/machine.ts', machine: apiserverMachine },
    { id: 'etcd', title: 'etcd', source: 'machines/etcd/machine.ts', machine: etcdMachine },
    { id: 'kube-scheduler', title: 'kube-scheduler', source: 'machines/kube-scheduler/machine.ts', machine: schedulerMachine },
    { id: KUBE_CONTROLLER_MANAGER, title: 'kube-controller-manager', source: 'machines/kube-controller-manager/machine.ts', machine: kubeControllerManagerMachine },
  ];
  for (const [name, machine] of Object.entries(CONTROLLERS) as Array<[keyof typeof CONTROLLERS, AnyStateMachine]>) {
    const [title, file] = CONTROLLER_TITLES[name];
    list.push({ id: name, title, source: `machines/kube-controller-manager/${file}`, machine });
  }
  list.push(
    { id: 'kubelet', title: 'kubelet', source: 'machines/kubelet/machine.ts', machine: kubeletMachine },
    { id: 'pod', title: 'Pod (the kubelet\'s pod worker)', source: 'machines/pod/machine.ts', machine: podMachine },
    { id: 'container', title: 'Container', source: 'machines/container/machine.ts', machine: containerMachine },
    { id: 'kube-proxy', title: 'kube-proxy', source: 'machines/kube-proxy/machine.ts', machine: kubeProxyMachine },
  );
  return list;
}

/** The slice of XState's StateNode the walk reads. */
interface NodeLike {
  key: string;
  path: string[];
  type: GraphStateType;
  description?: string;
  states: Record<string, NodeLike>;
  initial?: { target: readonly NodeLike[] };
  transitions: Map<string, readonly TransitionLike[]>;
  always?: readonly TransitionLike[];
  after: ReadonlyArray<TransitionLike & { delay: unknown }>;
}

interface TransitionLike {
  eventType: string;
  target?: readonly NodeLike[];
  guard?: unknown;
}

const pathId = (n: NodeLike): string => n.path.join('.');

/** A guard's name: the string, the `type` of a parameterized guard, or a helper's composition. */
export function guardName(g: unknown): string | undefined {
  if (g === undefined || g === null) return undefined;
  if (typeof g === 'string') return g;
  if (typeof g === 'object' && typeof (g as { type?: unknown }).type === 'string') return (g as { type: string }).type;
  if (typeof g === 'function') {
    const fn = g as { name?: string; guards?: unknown[]; check?: unknown };
    // xstate's and()/or()/not() return functions carrying the guards they combine.
    if (Array.isArray(fn.guards)) {
      const inner = fn.guards.map((x) => guardName(x) ?? 'inline');
      if (fn.name === 'not') return `!${inner[0]}`;
      if (fn.name === 'and' || fn.name === 'or') return inner.join(fn.name === 'and' ? ' && ' : ' || ');
      return inner.join(', ');
    }
    return fn.name && fn.name !== 'anonymous' ? fn.name : 'inline';
  }
  return 'inline';
}

function delayLabel(delay: unknown): string {
  if (typeof delay === 'number') return `after ${delay}ms`;
  if (typeof delay === 'string') return /^\d+$/.test(delay) ? `after ${delay}ms` : `after ${delay}`;
  return 'after (computed)';
}

function transitionsOf(n: NodeLike, out: GraphTransition[]): void {
  const source = pathId(n);
  const delayed = new Map<string, string>();
  for (const d of n.after) delayed.set(d.eventType, delayLabel(d.delay));
  const push = (event: string, t: TransitionLike) => {
    const guard = guardName(t.guard);
    const targets = t.target ?? [];
    if (targets.length === 0) {
      out.push({ source, target: source, event, ...(guard !== undefined ? { guard } : {}), internal: true });
      return;
    }
    for (const target of targets) out.push({ source, target: pathId(target), event, ...(guard !== undefined ? { guard } : {}) });
  };
  const ons: Array<[string, readonly TransitionLike[]]> = [];
  const afters: Array<[string, readonly TransitionLike[]]> = [];
  for (const [type, defs] of n.transitions) (delayed.has(type) ? afters : ons).push([type, defs]);
  for (const [type, defs] of ons) for (const t of defs) push(type, t);
  for (const [type, defs] of afters) for (const t of defs) push(delayed.get(type)!, t);
  for (const t of n.always ?? []) push('always', t);
}

/** Reads one machine's StateNode tree. */
export function graphOf(id: string, title: string, source: string, machine: AnyStateMachine): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const walk = (n: NodeLike, parent: string | undefined) => {
    const sid = pathId(n);
    const initial = n.type === 'compound' ? n.initial?.target[0] : undefined;
    states.push({
      id: sid,
      key: parent === undefined ? id : n.key,
      ...(parent !== undefined ? { parent } : {}),
      type: n.type,
      ...(initial ? { initial: pathId(initial) } : {}),
      ...(n.description ? { description: n.description } : {}),
    });
    transitionsOf(n, transitions);
    for (const child of Object.values(n.states)) walk(child, sid);
  };
  const root = machine.root as unknown as NodeLike;
  walk(root, undefined);
  const first = root.initial?.target[0];
  return { id, title, source, initial: first ? pathId(first) : '', states, transitions };
}

/** Where machines found only as another machine's child actors are defined. */
const CHILD_SOURCES: Record<string, [title: string, source: string]> = {
  'leader-election': ['Leader election (client-go leaderelection, Lease lock)', 'machines/client/leader-election.ts'],
};

function isMachine(x: unknown): x is AnyStateMachine {
  return typeof x === 'object' && x !== null && 'root' in x && 'implementations' in x && typeof (x as { id?: unknown }).id === 'string';
}

function childMachines(m: AnyStateMachine): AnyStateMachine[] {
  const actors = (m.implementations as { actors?: Record<string, unknown> }).actors ?? {};
  return Object.values(actors).filter(isMachine);
}

/**
 * The listed machines, each followed by the child machines it declares (`setup({ actors })`) that
 * are not listed, so a machine added as a component's child is drawn without being listed here.
 */
function allEntries(): MachineEntry[] {
  const listed = entries();
  const seen = new Set<AnyStateMachine>(listed.map((e) => e.machine));
  const out: MachineEntry[] = [];
  for (const e of listed) {
    out.push(e);
    for (const child of childMachines(e.machine)) {
      if (seen.has(child)) continue;
      seen.add(child);
      const [title, source] = CHILD_SOURCES[child.id] ?? [child.id, e.source];
      out.push({ id: child.id, title, source, machine: child });
    }
  }
  return out;
}

interface Registry {
  graphs: MachineGraph[];
  /** Graph id -> the graph ids of the machines it runs as children (system ids `<parent>/<child>`). */
  children: Map<string, Set<string>>;
}

let registry: Registry | undefined;

function load(): Registry {
  if (registry) return registry;
  const list = allEntries();
  const idOf = new Map(list.map((e) => [e.machine, e.id]));
  const children = new Map<string, Set<string>>();
  for (const e of list) children.set(e.id, new Set(childMachines(e.machine).map((c) => idOf.get(c)!)));
  registry = { graphs: list.map((e) => graphOf(e.id, e.title, e.source, e.machine)), children };
  return registry;
}

/** Every XState machine in machines/, in a stable order (the path of a request through the cluster). */
export function machineGraphs(): MachineGraph[] {
  return load().graphs;
}

/** One machine's graph by its id, or undefined. */
export function machineGraph(id: string): MachineGraph | undefined {
  return machineGraphs().find((g) => g.id === id);
}

/**
 * The graph id of the machine an actor runs, from its trace system id: 'kubelet/worker-1' ->
 * 'kubelet', 'pod/default/nginx' -> 'pod', 'kube-controller-manager/replicaset' -> 'replicaset',
 * 'kube-scheduler/leader-election' -> 'leader-election', 'kube-proxy/worker-1' -> 'kube-proxy'.
 * Undefined for actors that run no machine of ours.
 */
export function machineForActor(systemId: string): string | undefined {
  const { children } = load();
  const parts = systemId.split('/');
  const head = parts[0]!;
  // A component's child actor is `<component>/<child>`; a node agent is `<agent>/<node name>`.
  if (parts.length === 2 && children.get(head)?.has(parts[1]!)) return parts[1];
  // Every child of kube-controller-manager runs a machine of its own: an unknown one is none of ours.
  if (head === KUBE_CONTROLLER_MANAGER && parts.length > 1) return undefined;
  if (machineGraph(systemId)) return systemId;
  return machineGraph(head) ? head : undefined;
}

/** Like stateIdsOf with a graph, but undefined when some part of the string is not a state of it. */
export function resolveStateIds(value: string, graph: MachineGraph): string[] | undefined {
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const active = new Set<string>();
  let prev: string[] | undefined;
  for (const segment of value.split('|')) {
    const keys = segment.split('.');
    let path: string[] | undefined;
    if (prev === undefined) {
      path = keys;
    } else {
      // A later region of a parallel state is written relative to that state: find it upwards.
      for (let i = prev.length - 1; i >= 0 && path === undefined; i--) {
        const prefix = prev.slice(0, i);
        if (byId.get(prefix.join('.'))?.type === 'parallel' && byId.has([...prefix, ...keys].join('.'))) path = [...prefix, ...keys];
      }
    }
    if (path === undefined || !byId.has(path.join('.'))) return undefined;
    for (let i = 1; i <= path.length; i++) active.add(path.slice(0, i).join('.'));
    prev = path;
  }
  return graph.states.filter((s) => active.has(s.id)).map((s) => s.id);
}

/**
 * The GraphState ids active in a trace state string (src/sim/actors.ts `stateString`: "idle",
 * "Pending.scheduled", parallel regions joined by '|' and written relative to their parallel
 * state, "running.worker.idle|requeue.quiet"): every active state, ancestors included, the root
 * excluded, in document order. Give the actor's graph when known; without it, the first machine
 * in which every part resolves is used. An empty string gives []; an unresolvable one gives its
 * parts read as absolute paths.
 */
export function stateIdsOf(valueString: string, graph?: MachineGraph): string[] {
  if (valueString === '') return [];
  const graphs = graph ? [graph] : machineGraphs();
  for (const g of graphs) {
    const ids = resolveStateIds(valueString, g);
    if (ids) return ids;
  }
  return valueString.split('|');
}
