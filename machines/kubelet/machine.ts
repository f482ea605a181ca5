/**
 * The kubelet of one node. It registers its Node, waits for node-ipam to give it a podCIDR, then
 * posts Ready, renews its Lease every 10 s (retrying as the upstream lease controller) and runs the pods bound to it: each gets a pod worker,
 * a pod machine child (systemId `pod/<namespace>/<name>`) whose requests the kubelet serves and
 * whose snapshots its status manager writes to pods/<name>/status.
 */
import { enqueueActions, setup } from 'xstate';
import type { Node, PodStatus } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { Informer } from '../client/informer.ts';
import { TRANSPORT_ERROR_CODE, type ApiEvent, type ApiPort } from '../client/port.ts';
import type { ApiRequest } from '../client/protocol.ts';
import { podMachine, type PodMachineEvent, type PodMachineInput, type PodSnapshotLike, type WorkerRequest } from '../pod/machine.ts';
import type { BehaviourRule } from './behaviour.ts';
import {
  nodeEvent, workerIdOf, type KubeletContext, type KubeletEffects, type KubeletInternalEvent, type LogSink, type NodeDisk,
} from './context.ts';
import { ImageStore, PullQueue } from './images.ts';
import { PodIpam } from './ipam.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';
import {
  allocatableOf, capacityOf, leaseObject, mergeNodeConditions, NODE_LEASE_NAMESPACE, NODE_LEASE_RENEW_INTERVAL_MS, NODE_STATUS_REPORT_FREQUENCY_MS,
  nodeConditions, nodeObject, nodeStatusChanged, nodeStatusDiffers, type KubeletNodeConfig, type NodeStatus,
} from './node.ts';
import { onConfigResponse, onMountResponse, onPodDelta, onPullCompleted, onSandboxCreated, onWorkerEnded, onWorkerRequest } from './pods.ts';
import { ImageRegistry, imageList, type RegistryOptions } from './registry.ts';
import { onDeleteResponse, onStatusResponse, onWorkerSnapshot, resyncStatuses, setStatus } from './status-manager.ts';

export interface KubeletInput {
  port: ApiPort;
  node: KubeletNodeConfig;
  registry?: RegistryOptions;
  /** Scenario images, added to the registry (same as registry.images). */
  images?: ReadonlyArray<{ name: string; sizeBytes: number }>;
  behaviours?: BehaviourRule[];
  logSink?: LogSink;
  /** Bugs planted on purpose (the checker's bug zoo, machines/bugs.ts); none by default. */
  bugs?: Bugs;
  /** The node's disk: IP allocations and images kept across restarts of this kubelet (Cluster.startNode). */
  disk?: NodeDisk;
}

type WorkerSnapshotEvent = { type: `xstate.snapshot.${string}`; snapshot: PodSnapshotLike };
type WorkerDoneEvent = { type: `xstate.done.actor.${string}`; output: PodStatus; actorId: string };
export type KubeletEvent = ApiEvent | WorkerRequest | KubeletInternalEvent | WorkerSnapshotEvent | WorkerDoneEvent;

/** Node registration retries every 7 s (upstream backs off from 100 ms up to 7 s). */
export const REGISTRATION_RETRY_MS = 7000;

const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: NODE_LEASE_NAMESPACE } as const;

interface Enqueue {
  spawnChild(src: 'podWorker', o: { id: string; systemId: string; input: PodMachineInput; syncSnapshot: boolean }): void;
  sendTo(to: string, e: PodMachineEvent): void;
  stopChild(id: string): void;
  raise(e: KubeletInternalEvent, o?: { delay: number; id: string }): void;
}

function effects(enqueue: Enqueue): KubeletEffects {
  return {
    spawnWorker: (id, input) => enqueue.spawnChild('podWorker', { id, systemId: id, input, syncSnapshot: true }),
    sendWorker: (id, event) => enqueue.sendTo(id, event),
    stopWorker: (id) => enqueue.stopChild(id),
    raise: (event, delayMs, id) => (delayMs === undefined || id === undefined ? enqueue.raise(event) : enqueue.raise(event, { delay: delayMs, id })),
  };
}

/** Answers to the kubelet's own requests, by tag. */
function onResponse(ctx: KubeletContext, fx: KubeletEffects, e: Extract<ApiEvent, { type: 'api.response' }>): void {
  const body = e.body as { metadata?: { uid?: string } } | undefined;
  if (e.tag === 'node:register' || e.tag === 'node:reconcile') {
    if (e.code === 201 || e.code === 200) {
      ctx.node.uid = body?.metadata?.uid;
      fx.raise({ type: 'node.registered' });
    } else if (e.code === 409 && e.tag === 'node:register') {
      // Registered before (a kubelet restart): make sure the labels are ours, then carry on.
      ctx.port.request({ ...NODES, verb: 'patch', patchType: 'merge', name: ctx.config.name, body: { metadata: { labels: nodeObject(ctx.config, [], 0).metadata.labels } } }, 'node:reconcile');
    } else fx.raise({ type: 'node.registrationFailed' });
  } else if (e.tag === 'node:status') {
    if (e.code === 200) ctx.node.postedNode = e.body as Node;
    // A failed post is tried again at the next sync (upstream retries it at once).
    else ctx.node.reportedStatus = undefined;
  } else if (e.tag.startsWith('lease:')) {
    onLeaseResponse(ctx, fx, e.requestId, e.code);
  } else if (e.tag.startsWith('status:')) {
    const entry = ctx.pods.get(e.tag.slice('status:'.length));
    if (entry) onStatusResponse(ctx, entry, e.code, e.body);
  } else if (e.tag.startsWith('delete:')) {
    const entry = ctx.pods.get(e.tag.slice('delete:'.length));
    if (entry) onDeleteResponse(ctx, entry, e.code);
  } else if (e.tag.startsWith('mount:')) {
    onMountResponse(ctx, fx, e.tag, e.code);
  } else if (e.tag.startsWith('config:')) {
    onConfigResponse(ctx, fx, e.tag, e.code, e.body);
  }
}

function onApi(ctx: KubeletContext, fx: KubeletEffects, e: ApiEvent): void {
  if (ctx.nodeInformer.owns(e)) {
    for (const d of ctx.nodeInformer.handle(e, ctx.port)) {
      const cidr = (d.object as { spec?: { podCIDR?: string } }).spec?.podCIDR;
      if (d.type !== 'DELETED' && cidr && !ctx.node.podCIDR) ctx.node.podCIDR = cidr;
    }
  } else if (ctx.podInformer.owns(e)) {
    const listed = ctx.podInformer.synced;
    for (const d of ctx.podInformer.handle(e, ctx.port)) onPodDelta(ctx, fx, d);
    // The first list after a start: addresses the CNI still holds for pods gone meanwhile are freed.
    if (!listed && ctx.podInformer.synced) releaseOrphanedIps(ctx);
  } else if (e.type === 'api.response') onResponse(ctx, fx, e);
}

/**
 * The node status the setters compute now (capacity, allocatable, conditions, addresses,
 * nodeInfo, images); conditions keep the transition times last posted.
 */
function computeNodeStatus(ctx: KubeletContext, ready: boolean): NodeStatus {
  const nowMs = ctx.port.now();
  const now = timestamp(nowMs);
  const full = nodeObject(ctx.config, ctx.images.nodeImages(), nowMs).status!;
  const previous = apiNode(ctx)?.status?.conditions ?? ctx.node.reportedStatus?.conditions;
  return { ...full, conditions: mergeNodeConditions(previous, nodeConditions(ready, now, now), now) };
}

/** The API server's copy of this Node: the informer's, or the last PATCH's answer when that is newer. */
function apiNode(ctx: KubeletContext): Node | undefined {
  const cached = ctx.nodeInformer.get(undefined, ctx.config.name) as Node | undefined;
  const posted = ctx.node.postedNode;
  if (!cached || !posted) return cached ?? posted;
  return Number(posted.metadata.resourceVersion) > Number(cached.metadata.resourceVersion) ? posted : cached;
}

function postNodeStatus(ctx: KubeletContext, status: NodeStatus): void {
  ctx.port.request({ ...NODES, verb: 'patch', patchType: 'merge', name: ctx.config.name, subresource: 'status', body: { status } }, 'node:status');
  ctx.node.reportedStatus = status;
  ctx.node.lastReportMs = ctx.port.now();
  ctx.node.imagesDirty = false;
}

/**
 * syncNodeStatus / tryUpdateNodeStatus with the Lease on: the status is computed every 10 s and
 * posted only when it differs from the API server's copy (heartbeat times aside: new images, a
 * condition flip, or a condition someone else changed, such as the node lifecycle controller's
 * Ready Unknown) or when nodeStatusReportFrequency (5 min) has passed since the last post. The
 * copy is the node informer's or the last PATCH's answer (upstream GETs it from the API server's
 * cache). Upstream's PATCH is synchronous; here a status equal to the one just sent is not sent
 * again while the copy has not caught up with it. Upstream's jitter on the report interval is
 * left out.
 */
function syncNodeStatus(ctx: KubeletContext): void {
  const status = computeNodeStatus(ctx, true);
  const due = ctx.node.lastReportMs === undefined || ctx.port.now() - ctx.node.lastReportMs >= NODE_STATUS_REPORT_FREQUENCY_MS;
  if (due || (nodeStatusDiffers(apiNode(ctx)?.status, status) && nodeStatusChanged(ctx.node.reportedStatus, status))) postNodeStatus(ctx, status);
}

/** Frees the IPs held for pods this kubelet no longer runs (the sandboxes a restart finds orphaned). */
function releaseOrphanedIps(ctx: KubeletContext): void {
  const ipam = ctx.node.ipam;
  if (!ipam) return;
  const live = new Set([...ctx.pods.values()].filter((e) => e.alive).map((e) => `${e.key}/${e.uid}`));
  for (const owner of ipam.owners()) if (!live.has(owner)) ipam.release(owner);
}

/*
 * The node lease controller (k8s.io/component-helpers/apimachinery/lease/controller.go), with its
 * sleeps in virtual time. A sync runs every renewInterval (0.25 x leaseDuration = 10 s), counted
 * from the end of the previous sync (wait.JitterUntil, sliding; the 4% jitter is left out):
 *  - with the Lease known, retryUpdateLease: up to maxUpdateRetries (5) updates back to back;
 *  - if they all fail, or the Lease is not known yet, backoffEnsureLease: GET it (create it on
 *    404), retrying every failure after a sleep of 200 ms, doubling to maxBackoff (7 s), for as
 *    long as it takes; then, unless it was just created, retryUpdateLease once more; if that fails
 *    too the sync ends and the next one is renewInterval later.
 * Updates carry no resourceVersion (the kubelet is the Lease's only writer), so a conflict never
 * happens and every failed update counts as one (upstream re-ensures on a conflict). The kubelet's
 * onRepeatedHeartbeatFailure (closing its connections) is not modelled.
 */
const LEASE_MAX_UPDATE_RETRIES = 5;
const LEASE_MAX_BACKOFF_MS = 7_000;
const LEASE_INITIAL_BACKOFF_MS = 100;
/**
 * The kubelet's heartbeat client timeout (cmd/kubelet/app/server.go: nodeStatusUpdateFrequency,
 * capped at the lease duration): a renewal that gets no answer fails after 10 s, not after the
 * 45 s it takes to notice a lost connection.
 */
const LEASE_CLIENT_TIMEOUT_MS = 10_000;

function leaseSync(ctx: KubeletContext, fx: KubeletEffects): void {
  if (ctx.node.leaseCreated) leaseUpdates(ctx, fx, false);
  else leaseEnsure(ctx, fx);
}

function leaseRequest(ctx: KubeletContext, fx: KubeletEffects, req: ApiRequest, tag: string, afterMs?: number): void {
  const l = ctx.node.lease!;
  l.tag = tag;
  l.requestId = ctx.port.request(req, tag, afterMs === undefined ? undefined : { afterMs });
  fx.raise({ type: 'lease.timeout', requestId: l.requestId }, (afterMs ?? 0) + LEASE_CLIENT_TIMEOUT_MS, `lease-timeout-${l.requestId}`);
}

function leaseUpdates(ctx: KubeletContext, fx: KubeletEffects, afterEnsure: boolean): void {
  ctx.node.lease = { attempt: 0, afterEnsure, backoffMs: LEASE_INITIAL_BACKOFF_MS };
  leaseUpdate(ctx, fx);
}

function leaseUpdate(ctx: KubeletContext, fx: KubeletEffects): void {
  ctx.node.lease!.attempt++;
  const lease = leaseObject(ctx.config.name, ctx.node.uid, ctx.port.now());
  leaseRequest(ctx, fx, { ...LEASES, verb: 'update', name: ctx.config.name, body: lease }, 'lease:update');
}

function leaseEnsure(ctx: KubeletContext, fx: KubeletEffects): void {
  ctx.node.lease = { attempt: 0, afterEnsure: false, backoffMs: LEASE_INITIAL_BACKOFF_MS };
  leaseRequest(ctx, fx, { ...LEASES, verb: 'get', name: ctx.config.name }, 'lease:get');
}

/** backoffEnsureLease after a failed GET or create: sleep, doubled, then GET again. */
function leaseEnsureBackoff(ctx: KubeletContext, fx: KubeletEffects): void {
  const l = ctx.node.lease!;
  l.backoffMs = Math.min(2 * l.backoffMs, LEASE_MAX_BACKOFF_MS);
  leaseRequest(ctx, fx, { ...LEASES, verb: 'get', name: ctx.config.name }, 'lease:get', l.backoffMs);
}

function leaseSyncDone(ctx: KubeletContext, fx: KubeletEffects): void {
  ctx.node.lease = undefined;
  fx.raise({ type: 'lease.sync' }, NODE_LEASE_RENEW_INTERVAL_MS, 'lease-sync');
}

/** An answer to the lease request awaited, or its timeout (code 0, as a lost connection). */
function onLeaseResponse(ctx: KubeletContext, fx: KubeletEffects, requestId: string, code: number): void {
  const l = ctx.node.lease;
  if (!l || l.requestId !== requestId) return;
  const tag = l.tag;
  l.requestId = undefined;
  if (tag === 'lease:update') {
    if (code === 200) return leaseSyncDone(ctx, fx);
    if (l.attempt < LEASE_MAX_UPDATE_RETRIES) return leaseUpdate(ctx, fx);
    ctx.port.note(`failed ${LEASE_MAX_UPDATE_RETRIES} attempts to update lease${l.afterEnsure ? `, will retry after ${NODE_LEASE_RENEW_INTERVAL_MS / 1000} s` : ', fallback to ensure lease'}`);
    if (l.afterEnsure) return leaseSyncDone(ctx, fx);
    ctx.node.leaseCreated = false;
    return leaseEnsure(ctx, fx);
  }
  if (tag === 'lease:get') {
    if (code === 200) {
      ctx.node.leaseCreated = true;
      return leaseUpdates(ctx, fx, true);
    }
    if (code === 404) {
      const lease = leaseObject(ctx.config.name, ctx.node.uid, ctx.port.now());
      return leaseRequest(ctx, fx, { ...LEASES, verb: 'create', body: lease }, 'lease:create');
    }
    return leaseEnsureBackoff(ctx, fx);
  }
  if (tag === 'lease:create') {
    // Just created: no update needed this round.
    if (code === 201) {
      ctx.node.leaseCreated = true;
      return leaseSyncDone(ctx, fx);
    }
    return leaseEnsureBackoff(ctx, fx);
  }
}

export const kubeletMachine = setup({
  types: {
    context: {} as KubeletContext,
    input: {} as KubeletInput,
    events: {} as KubeletEvent,
  },
  actors: { podWorker: podMachine },
  actions: {
    announceStart: ({ context }) => nodeEvent(context, 'Normal', 'Starting', 'Starting kubelet.'),
    register: ({ context }) => {
      const node = nodeObject(context.config, context.images.nodeImages(), context.port.now());
      context.node.reportedStatus = node.status;
      context.port.request({ ...NODES, verb: 'create', body: node }, 'node:register');
    },
    announceRegistered: ({ context }) => {
      const name = context.config.name;
      for (const c of ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID']) nodeEvent(context, 'Normal', c, `Node ${name} status is now: ${c}`);
      nodeEvent(context, 'Normal', 'NodeAllocatableEnforced', 'Updated Node Allocatable limit across pods');
    },
    watchNode: ({ context }) => context.nodeInformer.start(context.port),
    becomeReady: ({ context }) => {
      // The CNI's allocations survive a restart on the node's disk (for the same range).
      const kept = context.disk?.ipam;
      context.node.ipam = kept && kept.cidr === context.node.podCIDR ? kept : new PodIpam(context.node.podCIDR!, context.bugs);
      if (context.disk) context.disk.ipam = context.node.ipam;
      context.port.note(`podCIDR ${context.node.podCIDR}: pod IPs from ${context.node.ipam.rangeText()}`);
      postNodeStatus(context, computeNodeStatus(context, true));
      nodeEvent(context, 'Normal', 'NodeReady', `Node ${context.config.name} status is now: NodeReady`);
      context.podInformer.start(context.port);
    },
    // The lease controller's first sync, at once (wait.JitterUntil runs it before the first wait).
    startLease: enqueueActions(({ context, enqueue }) => leaseSync(context, effects(enqueue))),
    onLeaseSync: enqueueActions(({ context, enqueue }) => leaseSync(context, effects(enqueue))),
    onLeaseTimeout: enqueueActions(({ context, event, enqueue }) => onLeaseResponse(context, effects(enqueue), (event as Extract<KubeletInternalEvent, { type: 'lease.timeout' }>).requestId, TRANSPORT_ERROR_CODE)),
    heartbeat: ({ context }) => {
      syncNodeStatus(context);
      resyncStatuses(context);
    },
    onApi: enqueueActions(({ context, event, enqueue }) => onApi(context, effects(enqueue), event as ApiEvent)),
    onWorkerRequest: enqueueActions(({ context, event, enqueue }) => onWorkerRequest(context, effects(enqueue), event as WorkerRequest)),
    onWorkerSnapshot: ({ context, event }) => {
      const e = event as WorkerSnapshotEvent;
      const entry = context.pods.get(e.type.slice('xstate.snapshot.pod/'.length));
      if (entry?.alive) onWorkerSnapshot(context, entry, e.snapshot);
    },
    // A finished worker's output is its final status; the child is reaped so it does not linger.
    onWorkerDone: enqueueActions(({ context, event, enqueue }) => {
      const e = event as WorkerDoneEvent;
      const entry = [...context.pods.values()].find((x) => x.workerId === e.actorId && x.alive);
      if (!entry) return enqueue.stopChild(e.actorId);
      setStatus(context, entry, e.output);
      onWorkerEnded(context, effects(enqueue), entry);
    }),
    onPullCompleted: enqueueActions(({ context, event, enqueue }) => onPullCompleted(context, effects(enqueue), (event as Extract<KubeletInternalEvent, { type: 'image.pullCompleted' }>).jobId)),
    onSandboxCreated: enqueueActions(({ context, event, enqueue }) => onSandboxCreated(context, effects(enqueue), event as Extract<KubeletInternalEvent, { type: 'sandbox.created' }>)),
  },
  guards: {
    hasPodCIDR: ({ context }) => context.node.podCIDR !== undefined,
  },
  delays: {
    registrationRetry: REGISTRATION_RETRY_MS,
    nodeStatusUpdateFrequency: NODE_LEASE_RENEW_INTERVAL_MS,
  },
}).createMachine({
  id: 'kubelet',
  context: ({ input }) => {
    const registry = new ImageRegistry({ ...(input.registry ?? {}), images: [...imageList(input.registry?.images), ...(input.images ?? [])] });
    const name = input.node.name;
    // Images already on the node's disk stay there across a restart.
    const images = input.disk?.images ?? new ImageStore(registry, input.node.images ?? []);
    if (input.disk) input.disk.images = images;
    return {
      port: input.port,
      config: input.node,
      registry,
      images,
      pulls: new PullQueue(),
      behaviours: input.behaviours ?? [],
      logSink: input.logSink,
      nodeInformer: new Informer(`node:${name}`, { ...NODES, query: { fieldSelector: `metadata.name=${name}` } }),
      podInformer: new Informer(`pods:${name}`, { group: '', version: 'v1', resource: 'pods', query: { fieldSelector: `spec.nodeName=${name}` } }),
      node: { leaseCreated: false, imagesDirty: false },
      pods: new Map(),
      ...(input.disk ? { disk: input.disk } : {}),
      bugs: input.bugs ?? NO_BUGS,
    };
  },
  entry: 'announceStart',
  on: {
    'api.*': { actions: 'onApi' },
    'worker.*': { actions: 'onWorkerRequest' },
    'xstate.snapshot.*': { actions: 'onWorkerSnapshot' },
    'xstate.done.actor.*': { actions: 'onWorkerDone' },
    'image.pullCompleted': { actions: 'onPullCompleted' },
    'sandbox.created': { actions: 'onSandboxCreated' },
    'lease.sync': { actions: 'onLeaseSync' },
    'lease.timeout': { actions: 'onLeaseTimeout' },
  },
  initial: 'registering',
  states: {
    registering: {
      initial: 'posting',
      states: {
        posting: {
          entry: 'register',
          on: { 'node.registered': '#kubelet.waitingForPodCIDR', 'node.registrationFailed': 'backingOff' },
        },
        backingOff: { after: { registrationRetry: 'posting' } },
      },
    },
    // node-ipam in kube-controller-manager assigns spec.podCIDR; until then the CNI has no range.
    waitingForPodCIDR: {
      entry: ['announceRegistered', 'watchNode'],
      always: { guard: 'hasPodCIDR', target: 'ready' },
    },
    ready: {
      entry: ['becomeReady', 'startLease'],
      initial: 'heartbeat',
      states: {
        // The node status sync (nodeStatusUpdateFrequency, 10 s) and the status manager's resync
        // share the 10 s tick; the Lease has its own loop (leaseSync), timed from each sync's end.
        heartbeat: { entry: 'heartbeat', after: { nodeStatusUpdateFrequency: { target: 'heartbeat', reenter: true } } },
      },
    },
  },
});

export { capacityOf, allocatableOf, workerIdOf };
