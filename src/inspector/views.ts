/**
 * What the page draws, as plain JSON: the cluster map (live from the API objects, or rebuilt from
 * the trace at an index), the actors and their states, and the event log with filters. The same
 * shapes serve live and replay mode, so the page has one renderer.
 */
import type { AnyActorRef } from 'xstate';
import type { Node, Pod } from '../api/objects.ts';
import { resourceAmount } from '../api/quantity.ts';
import type { Cluster } from '../sim/cluster.ts';
import { actorName, stateString } from '../sim/actors.ts';
import type { TraceEvent } from '../sim/trace.ts';
import { kubectlStatus } from '../../machines/pod/phase.ts';
import type { ReplayState } from './replay-state.ts';

export interface Amounts { cpu: number; memory: number; pods: number }

export interface NodeView {
  name: string;
  ready: boolean | null;
  taints: string[];
  /** cpu in millicores, memory in bytes; absent when unknown (a recorded trace alone). */
  allocatable?: Amounts;
  allocated?: Amounts;
  podCount: number;
}

export interface PodView {
  namespace: string;
  name: string;
  phase: string;
  /** kubectl's STATUS column live; the pod worker's state in replay. */
  status: string;
  node: string | null;
}

export interface ClusterView {
  mode: 'live' | 'replay';
  /** Trace index the view stands for (live: the trace length now). */
  index: number;
  t: number;
  nodes: NodeView[];
  pods: PodView[];
}

/** Static facts of the nodes that the trace does not carry (capacity, registration taints). */
export type NodeFacts = Map<string, { allocatable?: Amounts; taints: string[] }>;

function taintString(t: { key: string; value?: string; effect: string }): string {
  return `${t.key}${t.value ? '=' + t.value : ''}:${t.effect}`;
}

function amounts(r: Record<string, string | number> | undefined): Amounts {
  const get = (k: string) => {
    const v = r?.[k];
    try {
      return v === undefined ? 0 : resourceAmount(k, v);
    } catch {
      return 0;
    }
  };
  return { cpu: get('cpu'), memory: get('memory'), pods: get('pods') };
}

function podRequests(p: Pod): Amounts {
  const sum: Amounts = { cpu: 0, memory: 0, pods: 1 };
  const containers = (p.spec as { containers?: Array<{ resources?: { requests?: Record<string, string> } }> }).containers ?? [];
  for (const c of containers) {
    const a = amounts(c.resources?.requests);
    sum.cpu += a.cpu;
    sum.memory += a.memory;
  }
  return sum;
}

function terminal(p: Pod): boolean {
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/** The map now, from the objects in etcd. */
export function liveClusterView(cluster: Cluster, index: number): ClusterView {
  const sim = cluster.sim;
  const pods = cluster.pods();
  const perNode = new Map<string, Amounts & { count: number }>();
  const podViews: PodView[] = pods.map((p) => {
    const node = p.spec.nodeName ?? null;
    if (node && !terminal(p)) {
      const a = perNode.get(node) ?? { cpu: 0, memory: 0, pods: 0, count: 0 };
      const r = podRequests(p);
      a.cpu += r.cpu;
      a.memory += r.memory;
      a.pods += 1;
      a.count += 1;
      perNode.set(node, a);
    }
    let status: string = p.status?.phase ?? 'Pending';
    try {
      status = kubectlStatus(p);
    } catch {
      // A half-written status: the phase will do.
    }
    return { namespace: p.metadata.namespace ?? 'default', name: p.metadata.name ?? '', phase: p.metadata.deletionTimestamp && !terminal(p) ? 'Terminating' : p.status?.phase ?? 'Pending', status, node };
  });
  const nodes: NodeView[] = (sim.list('nodes') as Node[]).map((n) => {
    const name = n.metadata.name ?? '';
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const a = perNode.get(name);
    return {
      name, ready: ready === 'True' ? true : ready === undefined ? null : false,
      taints: (n.spec.taints ?? []).map(taintString),
      allocatable: amounts(n.status?.allocatable ?? (n.status as { capacity?: Record<string, string> } | undefined)?.capacity),
      allocated: { cpu: a?.cpu ?? 0, memory: a?.memory ?? 0, pods: a?.pods ?? 0 },
      podCount: a?.count ?? 0,
    };
  });
  return { mode: 'live', index, t: sim.now(), nodes, pods: podViews };
}

/** Node facts from the live cluster, for replay views of its own trace. */
export function nodeFacts(cluster: Cluster): NodeFacts {
  const facts: NodeFacts = new Map();
  for (const n of cluster.sim.list('nodes') as Node[]) {
    facts.set(n.metadata.name ?? '', {
      allocatable: amounts(n.status?.allocatable),
      // Registration taints only: the lifecycle controller's are in the trace.
      taints: (n.spec.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/')).map(taintString),
    });
  }
  return facts;
}

/** The map at a trace index, from the fold. */
export function replayClusterView(s: ReplayState, facts: NodeFacts = new Map()): ClusterView {
  const count = new Map<string, number>();
  const pods: PodView[] = Object.values(s.pods).sort((a, b) => (a.namespace + '/' + a.name < b.namespace + '/' + b.name ? -1 : 1)).map((p) => {
    if (p.node && p.phase !== 'Succeeded' && p.phase !== 'Failed') count.set(p.node, (count.get(p.node) ?? 0) + 1);
    return { namespace: p.namespace, name: p.name, phase: p.phase, status: p.state || (p.unschedulable ? 'Unschedulable' : p.node ? 'Scheduled' : 'Pending'), node: p.node ?? null };
  });
  const nodes: NodeView[] = Object.values(s.nodes).sort((a, b) => (a.name < b.name ? -1 : 1)).map((n) => {
    const f = facts.get(n.name);
    const c = count.get(n.name) ?? 0;
    return {
      name: n.name, ready: n.ready ?? null, taints: [...(f?.taints ?? []), ...n.taints],
      ...(f?.allocatable ? { allocatable: f.allocatable, allocated: { cpu: 0, memory: 0, pods: c } } : {}),
      podCount: c,
    };
  });
  return { mode: 'replay', index: s.index, t: s.t, nodes, pods };
}

/** Every running actor of the cluster with its state: the components and their children, by system id. */
export function liveActors(cluster: Cluster): Array<{ id: string; ref: AnyActorRef }> {
  const sim = cluster.sim;
  const out: Array<{ id: string; ref: AnyActorRef }> = [];
  const walk = (ref: AnyActorRef) => {
    out.push({ id: actorName(ref), ref });
    const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {};
    for (const c of Object.values(children)) if (c) walk(c);
  };
  walk(sim.etcdActor);
  walk(sim.apiserverActor);
  for (const name of sim.componentNames()) {
    const ref = sim.component(name);
    if (ref) walk(ref);
  }
  return out;
}

export function actorState(ref: AnyActorRef): string {
  return stateString((ref.getSnapshot() as { value?: Parameters<typeof stateString>[0] }).value);
}

export interface LogFilter {
  actor?: string;
  pod?: string;
  kind?: string;
}

/** The actors an event involves (for the log's actor filter). */
export function actorsOf(e: TraceEvent): string[] {
  switch (e.kind) {
    case 'transition':
    case 'note':
      return [e.actor];
    case 'request':
      return [e.from, 'kube-apiserver'];
    case 'write':
      return ['etcd'];
    case 'send':
    case 'deliver':
    case 'drop':
      return [e.from, e.to];
    case 'k8s-event':
      return [e.source];
    default:
      return [];
  }
}

/** Whether the event is about pod `ns/name` ("name" alone matches any namespace). */
export function mentionsPod(e: TraceEvent, pod: string): boolean {
  return podMatcher(pod)(e);
}

/** `mentionsPod` for one pod, with its pattern compiled once (for scans over a long trace). */
export function podMatcher(pod: string): (e: TraceEvent) => boolean {
  const [ns, name] = pod.includes('/') ? pod.split('/', 2) as [string, string] : ['', pod];
  const nsPart = ns ? ns + '/' : '';
  const key = ns ? `${ns}/${name}` : name;
  const path = new RegExp(`/namespaces/${ns ? escape(ns) : '[^/]+'}/pods/${escape(name)}(/|$)`);
  return (e) => {
    switch (e.kind) {
      case 'write':
        return e.key.startsWith('/registry/pods/') ? e.key.endsWith(`/${key}`) : e.key.startsWith('/registry/events/') && e.key.includes(`${nsPart}${name}.`);
      case 'transition':
        return e.actor === `pod/${key}` || (!ns && e.actor.startsWith('pod/') && e.actor.endsWith(`/${name}`));
      case 'request':
        return path.test(e.path);
      case 'k8s-event':
        return e.object === `Pod/${key}` || (!ns && e.object.startsWith('Pod/') && e.object.endsWith(`/${name}`));
      case 'note':
        return e.text.includes(ns ? key : `/${name}`);
      default:
        return false;
    }
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function matchesFilter(e: TraceEvent, f: LogFilter): boolean {
  return filterFor(f)(e);
}

/** A log filter as one predicate, compiled once. */
export function filterFor(f: LogFilter): (e: TraceEvent) => boolean {
  const pod = f.pod ? podMatcher(f.pod) : undefined;
  return (e) => {
    if (f.kind && e.kind !== f.kind) return false;
    if (f.actor && !actorsOf(e).some((a) => a === f.actor || a.startsWith(f.actor + '/'))) return false;
    if (pod && !pod(e)) return false;
    return true;
  };
}
