/**
 * kube-scheduler: watches pods and nodes, queues unscheduled pods, runs one scheduling cycle at a
 * time (filter, score, pick), assumes the pod on the chosen node, and binds it through
 * pods/binding. Failures write PodScheduled=False and a FailedScheduling event, then back off.
 * Every decision keeps its per-node, per-plugin table for the inspector. As upstream with its
 * default --leader-elect, it syncs its informers, then must win the kube-system/kube-scheduler
 * Lease (`electing`) before it schedules anything; losing the Lease ends the process.
 */
import { assign, enqueueActions, setup } from 'xstate';
import type { Node, Pod } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { Informer, objectKey, type Delta } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { LEADER_ELECTION_TAG, leaderElectionMachine, type LeaderElectionParentEvent } from '../client/leader-election.ts';
import { recordEvent } from '../client/events.ts';
import { DEFAULT_PROFILE, makeNodeInfo, schedulePod, type NodeInfo, type ScheduleResult } from './framework.ts';
import { SchedulingQueue } from './queue.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';

export const SCHEDULER_NAME = 'default-scheduler';
/** How many decisions to keep for the inspector (bounded: every cycle would be too many). */
export const DECISIONS_KEPT = 2000;

export interface Decision { pod: string; at: number; result: ScheduleResult }

export interface SchedulerContext {
  port: ApiPort;
  pods: Informer;
  nodes: Informer;
  queue: SchedulingQueue;
  /** Pods assumed on a node while their binding is in flight. */
  assumed: Map<string, string>;
  /** node -> pods bound or assumed there (non-terminal). */
  podsByNode: Map<string, Map<string, Pod>>;
  nodeInfoCache: Map<string, NodeInfo>;
  decisions: Map<string, Decision>;
  startIndex: number;
  cycles: number;
  /** Bugs planted on purpose (the checker's bug zoo, machines/bugs.ts); none by default. */
  bugs: Bugs;
  /** The node it runs on (the first half of its leader-election identity). */
  hostname: string;
}

/**
 * queue.NodeSchedulingPropertiesChange: a node update moves unschedulable pods only when
 * spec.unschedulable, allocatable, labels, taints, a condition's status or the annotations
 * changed. The kubelet's periodic status report (heartbeat times) and image updates do not.
 */
export function nodeSchedulingPropertiesChanged(next: Node, prev: Node): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const conditionStatuses = (n: Node) => Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, c.status]));
  const sortedEntries = (o: Record<string, unknown> | undefined) => Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return !same(next.spec.unschedulable ?? false, prev.spec.unschedulable ?? false)
    || !same(sortedEntries(next.status?.allocatable), sortedEntries(prev.status?.allocatable))
    || !same(sortedEntries(next.metadata.labels), sortedEntries(prev.metadata.labels))
    || !same(next.spec.taints ?? [], prev.spec.taints ?? [])
    || !same(sortedEntries(conditionStatuses(next)), sortedEntries(conditionStatuses(prev)))
    || !same(sortedEntries(next.metadata.annotations), sortedEntries(prev.metadata.annotations));
}

function schedulable(p: Pod): boolean {
  return !p.spec.nodeName && !p.metadata.deletionTimestamp && (p.spec.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function placePod(ctx: SchedulerContext, key: string, pod: Pod | undefined, node: string | undefined): void {
  for (const [n, m] of ctx.podsByNode) if (m.delete(key)) ctx.nodeInfoCache.delete(n);
  if (pod && node && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
    let m = ctx.podsByNode.get(node);
    if (!m) ctx.podsByNode.set(node, (m = new Map()));
    m.set(key, pod);
    ctx.nodeInfoCache.delete(node);
  }
}

function onPodDelta(ctx: SchedulerContext, d: Delta): void {
  const pod = d.object as Pod;
  const key = objectKey(pod);
  if (d.type === 'DELETED') {
    ctx.queue.remove(key);
    ctx.assumed.delete(key);
    placePod(ctx, key, undefined, undefined);
    ctx.queue.clusterEvent(); // freed resources may let parked pods fit
    return;
  }
  if (pod.spec.nodeName) {
    ctx.queue.remove(key);
    ctx.assumed.delete(key);
    placePod(ctx, key, pod, pod.spec.nodeName);
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') ctx.queue.clusterEvent();
    return;
  }
  if (ctx.assumed.has(key)) return; // binding in flight: keep the assumption
  if (schedulable(pod)) {
    if (!ctx.queue.has(key)) ctx.queue.add(key, pod.spec.priority ?? 0);
  } else ctx.queue.remove(key);
}

function nodeInfos(ctx: SchedulerContext): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const n of ctx.nodes.list() as Node[]) {
    const name = n.metadata.name!;
    let info = ctx.nodeInfoCache.get(name);
    if (!info || info.node !== n) {
      info = makeNodeInfo(n, [...(ctx.podsByNode.get(name)?.values() ?? [])]);
      ctx.nodeInfoCache.set(name, info);
    }
    out.push(info);
  }
  return out;
}

function describe(result: ScheduleResult): string {
  if (!result.ok) return result.message;
  const scored = result.evaluated.filter((e) => e.total !== undefined).sort((a, b) => b.total! - a.total! || (a.node < b.node ? -1 : 1));
  const rejected = result.evaluated.filter((e) => !e.feasible).map((e) => `${e.node}: ${e.filters[e.filters.length - 1]?.status.reasons.join(', ')}`);
  const scores = scored.length > 0 ? scored.map((e) => `${e.node}=${e.total}`).join(', ') : 'only feasible node';
  const tie = result.tied.length > 1 ? ` (tie among ${result.tied.join(', ')} broken at random)` : '';
  return `scores ${scores}${tie}${rejected.length ? `; filtered out ${rejected.join('; ')}` : ''}`;
}

export const schedulerMachine = setup({
  types: {
    context: {} as SchedulerContext,
    input: {} as { port: ApiPort; bugs?: Bugs; hostname?: string },
    events: {} as ApiEvent | LeaderElectionParentEvent,
  },
  actors: { leaderElection: leaderElectionMachine },
  actions: {
    elect: enqueueActions(({ context, enqueue }) => {
      enqueue.spawnChild('leaderElection', {
        id: 'leader-election', systemId: 'kube-scheduler/leader-election',
        input: { port: context.port, lease: 'kube-scheduler', component: SCHEDULER_NAME, hostname: context.hostname },
      });
    }),
    toElector: enqueueActions(({ event, enqueue }) => enqueue.sendTo('leader-election', event)),
    exit: ({ context }) => context.port.exit('leaderelection lost'),
    startInformers: ({ context }) => {
      context.nodes.start(context.port);
      context.pods.start(context.port);
    },
    observe: ({ context, event }) => {
      const e = event as ApiEvent;
      if (context.nodes.owns(e)) {
        const deltas = context.nodes.handle(e, context.port);
        for (const d of deltas) context.nodeInfoCache.delete(d.object.metadata.name!);
        const moves = deltas.some((d) => d.type !== 'MODIFIED' || !d.old || nodeSchedulingPropertiesChanged(d.object as Node, d.old as Node));
        if (moves) context.queue.clusterEvent();
      }
      if (context.pods.owns(e)) for (const d of context.pods.handle(e, context.port)) onPodDelta(context, d);
      if (e.type === 'api.response' && e.tag.startsWith('bind:')) {
        // The tag carries the node: the pod's watch event usually arrives before this response.
        const [key, node] = e.tag.slice(5).split('|') as [string, string];
        const pod = context.pods.cache.get(key) as Pod | undefined;
        if (e.code === 201) {
          if (pod) recordEvent(context.port, { component: SCHEDULER_NAME }, pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`);
        } else {
          // Binding failed: forget the assumption and retry after backoff (not unschedulable).
          context.assumed.delete(key);
          placePod(context, key, undefined, undefined);
          context.queue.failed(key, context.port.now());
          context.queue.clusterEvent();
          context.port.note(`binding ${key} failed (${e.code}); will retry`);
        }
      }
    },
    flush: ({ context }) => {
      if (context.queue.waiting() === 0) return;
      context.queue.flush(context.port.now(), (k) => (context.pods.cache.get(k) as Pod | undefined)?.spec.priority ?? 0);
    },
    scheduleOne: assign(({ context }) => {
      const key = context.queue.pop();
      if (!key) return {};
      const pod = context.pods.cache.get(key) as Pod | undefined;
      if (!pod || !schedulable(pod)) return {};
      const infos = nodeInfos(context);
      const port = context.port;
      const result = schedulePod(pod, infos, DEFAULT_PROFILE, (n) => port.randomInt(0, n - 1), context.startIndex);
      context.decisions.set(key, { pod: key, at: port.now(), result });
      if (context.decisions.size > DECISIONS_KEPT) context.decisions.delete(context.decisions.keys().next().value!);
      if (result.ok) {
        port.note(`chose ${result.node} for ${key}: ${describe(result)}`);
        // Assume: the pod counts on the node before the binding returns.
        context.assumed.set(key, result.node);
        // Bug zoo: the assumed pod does not count on its node, so the next cycles may fill it again.
        if (!context.bugs.has('scheduler-forgets-assumed')) placePod(context, key, { ...pod, spec: { ...pod.spec, nodeName: result.node } }, result.node);
        port.request({ verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'binding',
          body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, target: { apiVersion: 'v1', kind: 'Node', name: result.node } } }, `bind:${key}|${result.node}`);
      } else {
        const backoff = context.queue.failed(key, port.now());
        port.note(`cannot schedule ${key}: ${result.message} (retry after ${backoff / 1000}s backoff and a cluster change)`);
        recordEvent(port, { component: SCHEDULER_NAME }, pod, 'Warning', 'FailedScheduling', result.message);
        const status = clone(pod.status ?? {});
        const existing = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: existing?.status === 'False' && existing.lastTransitionTime ? existing.lastTransitionTime : timestamp(port.now()), reason: result.reason, message: result.message });
        port.request({ verb: 'patch', patchType: 'merge', group: '', version: 'v1', resource: 'pods', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status', body: { status: { conditions } } }, `status:${key}`);
      }
      return { startIndex: result.nextStartIndex, cycles: context.cycles + 1 };
    }),
  },
  guards: {
    forElector: ({ event }) => 'tag' in event && event.tag.startsWith(LEADER_ELECTION_TAG),
    synced: ({ context }) => context.nodes.synced && context.pods.synced,
    hasWork: ({ context }) => context.queue.size() > 0,
  },
}).createMachine({
  id: 'kube-scheduler',
  context: ({ input }) => ({
    port: input.port,
    pods: new Informer('pods', { group: '', version: 'v1', resource: 'pods' }),
    nodes: new Informer('nodes', { group: '', version: 'v1', resource: 'nodes' }),
    queue: new SchedulingQueue(),
    assumed: new Map(),
    podsByNode: new Map(),
    nodeInfoCache: new Map(),
    decisions: new Map(),
    startIndex: 0,
    cycles: 0,
    bugs: input.bugs ?? NO_BUGS,
    hostname: input.hostname ?? 'control-plane',
  }),
  initial: 'starting',
  entry: 'startInformers',
  on: {
    'leader.lost': { actions: 'exit' },
    '*': [{ guard: 'forElector', actions: 'toElector' }, { actions: 'observe' }],
  },
  states: {
    starting: { always: { guard: 'synced', target: 'electing' } },
    electing: { entry: 'elect', on: { 'leader.elected': 'idle' } },
    idle: {
      always: { guard: 'hasWork', target: 'scheduling' },
      // flushBackoffQCompleted runs every second while pods are parked.
      after: { 1000: { target: 'idle', reenter: true, actions: 'flush' } },
    },
    // One cycle per visit: serial, as upstream; the binding runs on while the next cycle starts.
    scheduling: { entry: 'scheduleOne', after: { 1: 'idle' } },
  },
});
