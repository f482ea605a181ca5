/**
 * What a kubelet holds: its node, its informers, its image store and pull queue, its pod IP
 * allocator, and one entry per pod bound to the node (the pod worker and the status manager's
 * bookkeeping for it). The machine owns the XState side (children, timers) through KubeletEffects.
 */
import type { Container, Node, Pod, PodCondition, PodPhase, PodStatus } from '../../src/api/objects.ts';
import type { Informer } from '../client/informer.ts';
import type { ApiPort } from '../client/port.ts';
import { recordEvent } from '../client/events.ts';
import type { PodMachineEvent, PodMachineInput } from '../pod/machine.ts';
import type { BehaviourRule, ContainerBehaviour } from './behaviour.ts';
import type { ConfigRead } from './container-config.ts';
import type { OutputPlan } from './process.ts';
import type { ImageStore, PullQueue } from './images.ts';
import type { PodIpam } from './ipam.ts';
import type { KubeletNodeConfig } from './node.ts';
import type { Bugs } from '../bugs.ts';
import type { ImageRegistry } from './registry.ts';

/** Where container log lines go (the cluster keeps them for `kubectl logs`). */
export type LogSink = (notice: LogNotice) => void;

/**
 * A container start (with what its process will write, by process time) or its end: the log
 * store computes the lines lazily from these. `attempt` says which start of the container it is;
 * `kubectl logs --previous` reads the one before. Pods are told apart by uid (names are reused).
 */
export interface LogNotice {
  kind: 'start' | 'end';
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  attempt: number;
  output?: OutputPlan;
}

export interface NodeState {
  uid?: string;
  podCIDR?: string;
  ipam?: PodIpam;
  /** The Lease exists (the lease controller's latestLease is set): a sync updates it, else it ensures it first. */
  leaseCreated: boolean;
  /** The lease controller's sync in flight (component-helpers lease/controller.go). */
  lease?: LeaseSync;
  /** Pulled images not yet reported in node.status.images. */
  imagesDirty: boolean;
  /** The node status last posted (registration included) and when, for the 10 s status sync. */
  reportedStatus?: NonNullable<Node['status']>;
  lastReportMs?: number;
  /** The Node as the last status PATCH returned it (newer than the informer's copy until the watch catches up). */
  postedNode?: Node;
}

/** One lease controller sync: the update attempts made and the ensure backoff, in virtual time. */
export interface LeaseSync {
  /** Update attempts made in this round (maxUpdateRetries = 5). */
  attempt: number;
  /** The updates follow a backoffEnsureLease: when they fail, the sync ends (no second ensure). */
  afterEnsure: boolean;
  /** The last backoffEnsureLease sleep (starts 100 ms, doubles before each sleep, up to 7 s). */
  backoffMs: number;
  /** The lease request awaited and its tag; other answers (late, or from before a restart) are ignored. */
  requestId?: string;
  tag?: string;
}

/**
 * What survives a kubelet restart on the node's disk: the CNI's IP allocations (host-local keeps
 * them in /var/lib/cni), the container images, and the container runtime's own state (containerd
 * keeps running and knows each pod's sandbox and containers): `runtime` holds, by pod uid, the
 * status the kubelet last computed from it. A restarted kubelet adopts running containers from
 * there, never from the API's copy, which may be stale (pods.ts).
 */
export interface NodeDisk {
  ipam?: PodIpam;
  images?: ImageStore;
  runtime?: Map<string, PodStatus>;
}

/** One pod bound to this node, from the first time the kubelet sees it until it is deleted. */
export interface PodEntry {
  key: string;
  uid: string;
  workerId: string;
  /** The newest copy of the API object (from the watch or a status write's response). */
  pod: Pod;
  behaviours: Record<string, ContainerBehaviour>;
  /**
   * The image of each container as the worker was last told (kept apart from `pod`, which a
   * status write's response also replaces, so no spec change goes unnoticed).
   */
  images: Map<string, string>;
  /** The pod worker actor exists (it is reaped when it reaches a final state). */
  alive: boolean;
  admitted: boolean;
  deletionRequested: boolean;
  apiDeleted: boolean;
  deleteSent: boolean;
  // Status manager: the status wanted, the one last acknowledged, at most one write in flight.
  wanted?: PodStatus;
  wantedJson?: string;
  sentJson?: string;
  inFlightJson?: string;
  conditions?: PodCondition[];
  terminalPhase?: PodPhase;
  // Volume manager: one round of configMap/secret reads per mount request.
  mountRound: number;
  mountPending: number;
  mountFailures: string[];
  /** Container config: the configMap/secret reads of a container start in flight, by container (container-config.ts). */
  configReads?: Map<string, ConfigRead>;
}

export interface KubeletContext {
  port: ApiPort;
  config: KubeletNodeConfig;
  registry: ImageRegistry;
  images: ImageStore;
  pulls: PullQueue;
  behaviours: BehaviourRule[];
  logSink: LogSink | undefined;
  nodeInformer: Informer;
  podInformer: Informer;
  node: NodeState;
  pods: Map<string, PodEntry>;
  /** The node's disk, kept across kubelet restarts when the cluster passes one in. */
  disk?: NodeDisk;
  /** Bugs planted on purpose (the checker's bug zoo, machines/bugs.ts); none when absent. */
  bugs?: Bugs;
}

/** Events the kubelet schedules for itself. */
export type KubeletInternalEvent =
  | { type: 'node.registered' }
  | { type: 'node.registrationFailed' }
  | { type: 'lease.sync' }
  | { type: 'lease.timeout'; requestId: string }
  | { type: 'image.pullCompleted'; jobId: number }
  | { type: 'sandbox.created'; pod: string; uid: string; podIP: string };

/** The XState effects kubelet logic may ask for; the machine implements them with enqueue. */
export interface KubeletEffects {
  spawnWorker(id: string, input: PodMachineInput): void;
  sendWorker(id: string, event: PodMachineEvent): void;
  stopWorker(id: string): void;
  raise(event: KubeletInternalEvent, delayMs?: number, id?: string): void;
}

/** The pod worker's child id and systemId: "pod/<namespace>/<name>". */
export const workerIdOf = (key: string) => `pod/${key}`;

/** The bookkeeping for a pod seen for the first time; no worker yet. */
export function newEntry(pod: Pod, behaviours: Record<string, ContainerBehaviour>): PodEntry {
  const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
  return {
    key, uid: pod.metadata.uid ?? '', workerId: workerIdOf(key), pod, behaviours,
    images: new Map([...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => [c.name, c.image ?? ''])),
    alive: false, admitted: false, deletionRequested: false, apiDeleted: false, deleteSent: false,
    mountRound: 0, mountPending: 0, mountFailures: [],
  };
}

/** Sends an event to a pod worker if it still exists (a reaped child cannot be addressed). */
export function tellWorker(fx: KubeletEffects, entry: PodEntry, event: PodMachineEvent): void {
  if (entry.alive) fx.sendWorker(entry.workerId, event);
}

/** An Event from the kubelet about a pod, optionally about one of its containers. */
export function podEvent(ctx: KubeletContext, entry: PodEntry, type: 'Normal' | 'Warning', reason: string, message: string, container?: string): void {
  recordEvent(ctx.port, { component: 'kubelet', host: ctx.config.name }, entry.pod, type, reason, message, container ? fieldPathOf(entry.pod, container) : undefined);
}

/** An Event from the kubelet about its node (involvedObject uid is the node name, as upstream). */
export function nodeEvent(ctx: KubeletContext, type: 'Normal' | 'Warning', reason: string, message: string): void {
  const ref = { apiVersion: 'v1', kind: 'Node', metadata: { name: ctx.config.name, uid: ctx.config.name } };
  recordEvent(ctx.port, { component: 'kubelet', host: ctx.config.name }, ref, type, reason, message);
}

export function containerSpecOf(pod: Pod, name: string): Container | undefined {
  return pod.spec.containers.find((c) => c.name === name) ?? pod.spec.initContainers?.find((c) => c.name === name);
}

/** "spec.containers{app}" or "spec.initContainers{setup}": the fieldPath container events carry. */
export function fieldPathOf(pod: Pod, container: string): string {
  return pod.spec.initContainers?.some((c) => c.name === container) ? `spec.initContainers{${container}}` : `spec.containers{${container}}`;
}

/** 64 hex digits from the kubelet's random stream (container and sandbox ids). */
export function randomHex64(port: ApiPort): string {
  let s = '';
  for (let i = 0; i < 16; i++) s += port.randomInt(0, 0xffff).toString(16).padStart(4, '0');
  return s;
}
