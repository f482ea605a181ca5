/**
 * Paths through the machines, from XState's own graph utilities (`xstate/graph`): the adjacency
 * map under explicit event samples, shortest paths to every state, paths that together take every
 * transition, and bounded simple paths. Events are sampled per machine below, written out by hand:
 * the graph walker only knows the events it is given.
 *
 * The container machine has no context, so its vertices are its leaf states. The pod machine's
 * guards read its context (container records, the cursor, the sandbox), so its vertices are the
 * state value plus a summary of that context, walked once per sample pod; its edges are then
 * projected onto state values ("Pending.initializing.mountingVolumes --pod.volumesMounted-->
 * Pending.initializing.creatingSandbox"), which is what a case can be said to cover.
 */
import { adjacencyMapToArray, getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { AnyStateMachine, StateValue } from 'xstate';
import { containerMachine, stateName, type ContainerEvent } from '../../machines/container/machine.ts';
import { podMachine, type PodMachineEvent } from '../../machines/pod/machine.ts';
import type { Pod } from '../api/objects.ts';

export interface Edge { from: string; event: string; to: string }

export type PathKind = 'shortest' | 'transition' | 'simple';

/** One generated path: the leaf-level edges from the initial state, and what it was generated for. */
export interface MachinePath {
  machine: 'container' | 'pod';
  kind: PathKind;
  /** The state (shortest), the transition (transition) or the end state (simple) it is for. */
  goal: string;
  edges: Edge[];
}

export const edgeId = (e: Edge): string => `${e.from} --${e.event}--> ${e.to}`;

/** "Pending.initializing.mountingVolumes" for { Pending: { initializing: 'mountingVolumes' } }. */
export function valueName(v: StateValue): string {
  if (typeof v === 'string') return v;
  return Object.entries(v).map(([k, sub]) => (sub === undefined || (typeof sub === 'object' && Object.keys(sub).length === 0) ? k : `${k}.${valueName(sub as StateValue)}`)).join(',');
}

// ---------------------------------------------------------------------------------------------
// The container machine

/** Every event the container machine knows, one sample each (none carries a payload). */
export const CONTAINER_EVENT_SAMPLES: readonly ContainerEvent[] = [
  { type: 'pod.hasInitContainers' }, { type: 'pull.failed' }, { type: 'pull.backOff' }, { type: 'pull.neverAllowed' },
  { type: 'image.invalid' }, { type: 'config.failed' }, { type: 'postStart.failed' }, { type: 'restart.backOff' },
  { type: 'started' }, { type: 'startup.succeeded' }, { type: 'readiness.succeeded' }, { type: 'readiness.failed' },
  { type: 'exited.completed' }, { type: 'exited.error' }, { type: 'exited.oomKilled' }, { type: 'exited.startError' },
  { type: 'run.failed' }, { type: 'lost' }, { type: 'runtime.lost' },
];

interface NodeLike { id: string; path: string[]; parent?: NodeLike; states: Record<string, NodeLike>; transitions: Map<string, Array<{ target?: readonly NodeLike[] }>> }

const pathOf = (n: NodeLike) => n.path.join('.');

/** The transitions as the machine declares them: "Source --event--> Target", source being the state node that handles it. */
export function declaredTransitions(machine: AnyStateMachine = containerMachine): string[] {
  const out: string[] = [];
  const walk = (n: NodeLike) => {
    for (const [type, defs] of n.transitions) {
      for (const d of defs) {
        const target = d.target?.[0];
        if (target && n.path.length > 0) out.push(`${pathOf(n)} --${type}--> ${pathOf(target)}`);
      }
    }
    for (const k of Object.values(n.states)) walk(k);
  };
  walk(machine.root as unknown as NodeLike);
  return out;
}

function nodeByPath(path: string): NodeLike | undefined {
  let n = containerMachine.root as unknown as NodeLike;
  for (const k of path.split('.')) {
    const next = n.states[k];
    if (!next) return undefined;
    n = next;
  }
  return n;
}

/** The declared transition a leaf-level edge takes: the innermost state node that handles its event. */
export function declaredTransitionOf(e: Edge): string | undefined {
  for (let n = nodeByPath(e.from); n && n.path.length > 0; n = n.parent) {
    const defs = n.transitions.get(e.event);
    const target = defs?.[0]?.target?.[0];
    if (target) return `${pathOf(n)} --${e.event}--> ${pathOf(target)}`;
  }
  return undefined;
}

const containerState = (s: { value: StateValue }) => stateName(s.value);

interface Graph { initial: string; states: string[]; edges: Edge[] }

let containerGraphCache: Graph | undefined;

/** The container machine's leaf states and accepted leaf-level edges, in the walker's order. */
export function containerGraph(): Graph {
  if (containerGraphCache) return containerGraphCache;
  const adj = getAdjacencyMap(containerMachine, {
    events: CONTAINER_EVENT_SAMPLES as ContainerEvent[],
    serializeState: containerState as never,
    filterEvents: (s, e) => s.can(e),
  });
  const edges = adjacencyMapToArray(adj).map((x) => ({ from: containerState(x.state), event: x.event.type, to: containerState(x.nextState) }));
  const states = Object.keys(adj);
  containerGraphCache = { initial: states[0]!, states, edges };
  return containerGraphCache;
}

/** Shortest paths to every container state, from getShortestPaths. */
export function containerShortestPaths(): MachinePath[] {
  const paths = getShortestPaths(containerMachine, {
    events: CONTAINER_EVENT_SAMPLES as ContainerEvent[],
    serializeState: containerState as never,
    filterEvents: (s, e) => s.can(e),
  });
  return paths.map((p) => {
    const edges: Edge[] = [];
    let from = containerGraph().initial;
    for (const step of p.steps) {
      if ((step.event.type as string) === 'xstate.init') continue;
      const to = containerState(step.state);
      edges.push({ from, event: step.event.type, to });
      from = to;
    }
    return { machine: 'container' as const, kind: 'shortest' as const, goal: containerState(p.state), edges };
  });
}

/** BFS shortest edge sequence from `initial` to each vertex of a graph given as edges. */
function bfs(initial: string, edges: readonly Edge[]): Map<string, Edge[]> {
  const out = new Map<string, Edge[]>([[initial, []]]);
  const queue = [initial];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const e of edges) {
      if (e.from !== v || out.has(e.to)) continue;
      out.set(e.to, [...out.get(v)!, e]);
      queue.push(e.to);
    }
  }
  return out;
}

/** One path per declared transition: the shortest way to a state that takes it, then it. */
export function containerTransitionPaths(): MachinePath[] {
  const g = containerGraph();
  const reach = bfs(g.initial, g.edges);
  const out: MachinePath[] = [];
  for (const t of declaredTransitions()) {
    const candidates = g.edges.filter((e) => declaredTransitionOf(e) === t && reach.has(e.from));
    candidates.sort((a, b) => reach.get(a.from)!.length - reach.get(b.from)!.length);
    const e = candidates[0];
    if (e) out.push({ machine: 'container', kind: 'transition', goal: t, edges: [...reach.get(e.from)!, e] });
  }
  return out;
}

/** Simple paths (no state twice) from the initial state, depth-first in the walker's order, at most `maxDepth` edges and `maxPaths` paths. */
export function simplePaths(machine: 'container' | 'pod', g: Graph, maxDepth: number, maxPaths: number): MachinePath[] {
  const out: MachinePath[] = [];
  const walk = (v: string, seen: Set<string>, path: Edge[]) => {
    if (out.length >= maxPaths) return;
    if (path.length > 0) out.push({ machine, kind: 'simple', goal: v, edges: path });
    if (path.length >= maxDepth) return;
    for (const e of g.edges) {
      if (e.from !== v || seen.has(e.to)) continue;
      walk(e.to, new Set([...seen, e.to]), [...path, e]);
    }
  };
  walk(g.initial, new Set([g.initial]), []);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The pod machine

/** The sample pods the pod machine is walked with: each restart policy, with and without an init container. */
export function podSamples(): Pod[] {
  const out: Pod[] = [];
  for (const restartPolicy of ['Always', 'OnFailure', 'Never'] as const) {
    for (const init of [false, true]) {
      out.push({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: 'p', namespace: 'default', uid: 'u-1' },
        spec: { restartPolicy, ...(init ? { initContainers: [{ name: 'i', image: 'busybox' }] } : {}), containers: [{ name: 'c', image: 'busybox' }] },
      } as Pod);
    }
  }
  return out;
}

/** The pod machine's event samples for a pod with these containers (delayed transitions included by their XState event names). */
export function podEventSamples(containers: readonly string[]): PodMachineEvent[] {
  return [
    { type: 'pod.bound', nodeName: 'worker-1' }, { type: 'pod.admitted' }, { type: 'pod.rejected', reason: 'PodOSNotSupported', message: 'Pod rejected' },
    { type: 'pod.volumesMounted' }, { type: 'pod.volumeMountFailed', message: 'configmap "x" not found' },
    { type: 'pod.sandboxReady', podIP: '10.244.1.2' }, { type: 'pod.sandboxFailed', message: 'no IP addresses available' },
    { type: 'xstate.after.mountRetry.pod.Pending.initializing.mountBackOff' } as unknown as PodMachineEvent,
    { type: 'xstate.after.sandboxRetry.pod.Pending.initializing.sandboxBackOff' } as unknown as PodMachineEvent,
    ...containers.flatMap((c): PodMachineEvent[] => [
      { type: 'container.started', container: c },
      { type: 'container.exited', container: c, exitCode: 0 },
      { type: 'container.exited', container: c, exitCode: 1 },
      { type: 'container.pullFailed', container: c, reason: 'ErrImagePull', message: 'not found' },
      { type: 'container.backOffExpired', container: c },
      { type: 'container.preStopDone', container: c },
      { type: 'container.startFailed', container: c, message: 'exec: "x": executable file not found in $PATH' },
      { type: 'container.configFailed', container: c, message: 'configmap "x" not found' },
      { type: 'container.postStartDone', container: c },
    ]),
    { type: 'pod.synced' }, { type: 'pod.deletionRequested', gracePeriodSeconds: 0 }, { type: 'node.lost' }, { type: 'node.recovered' },
  ];
}

interface PodSnap { value: StateValue; context: { cursor: number; sandbox: { ready: boolean }; terminal: boolean; lostFrom?: string; completing: boolean; init: Array<{ run: string; state: string; kill?: unknown }>; containers: Array<{ run: string; state: string; kill?: unknown }> } }

const podVertex = (s: PodSnap) => JSON.stringify([s.value, s.context.cursor, s.context.sandbox.ready, s.context.terminal, s.context.lostFrom ?? null, s.context.completing,
  [...s.context.init, ...s.context.containers].map((r) => [r.run, r.state, r.kill !== undefined])]);

let podGraphCache: Graph | undefined;

/**
 * The pod machine as state values and value-level edges (self loops left out: the container facts
 * the pod accepts in any state), the union over the sample pods.
 */
export function podGraph(): Graph {
  if (podGraphCache) return podGraphCache;
  const states: string[] = [];
  const edges: Edge[] = [];
  const seen = new Set<string>();
  for (const pod of podSamples()) {
    const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
    // The pod machine emits WorkerRequests; the walker's types only know plain EventObjects.
    const adj = getAdjacencyMap(podMachine as unknown as AnyStateMachine, { events: podEventSamples(names), serializeState: podVertex as never, input: { pod }, limit: 50_000 });
    for (const x of adjacencyMapToArray(adj)) {
      const from = valueName(x.state.value);
      const to = valueName(x.nextState.value);
      for (const s of [from, to]) if (!states.includes(s)) states.push(s);
      if (from === to) continue;
      const e = { from, event: x.event.type, to };
      if (seen.has(edgeId(e))) continue;
      seen.add(edgeId(e));
      edges.push(e);
    }
  }
  podGraphCache = { initial: 'Pending.unscheduled', states, edges };
  return podGraphCache;
}

/** Shortest value-level paths to every pod state, and one per value-level edge. */
export function podPaths(): MachinePath[] {
  const g = podGraph();
  const reach = bfs(g.initial, g.edges);
  const out: MachinePath[] = [];
  for (const s of g.states) {
    const p = reach.get(s);
    if (p && p.length > 0) out.push({ machine: 'pod', kind: 'shortest', goal: s, edges: p });
  }
  for (const e of g.edges) {
    const p = reach.get(e.from);
    if (p) out.push({ machine: 'pod', kind: 'transition', goal: edgeId(e), edges: [...p, e] });
  }
  return out;
}

/** Every generated path: the container machine's, then the pod machine's. */
export function allPaths(opts: { simpleDepth?: number; simpleMax?: number } = {}): MachinePath[] {
  const depth = opts.simpleDepth ?? 3;
  const max = opts.simpleMax ?? 120;
  return [
    ...containerShortestPaths(),
    ...containerTransitionPaths(),
    ...simplePaths('container', containerGraph(), depth, max),
    ...podPaths(),
    ...simplePaths('pod', podGraph(), depth + 3, max),
  ];
}
