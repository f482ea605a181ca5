/**
 * Test support for the controller machines: a RecordingPort on a virtual clock, an actor driven by
 * hand-fed list responses and watch events, and builders for the objects the controllers read.
 */
import { createActor, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { KObject, Pod, PodPhase, ReplicaSet, Service } from '../../../src/api/objects.ts';
import { timestamp, VirtualClock } from '../../../src/sim/clock.ts';
import { RecordingPort } from '../../../machines/client/port.ts';
import type { ApiRequest, WatchEventType } from '../../../machines/client/protocol.ts';
import type { Deployment } from '../../../machines/kube-controller-manager/deployment-logic.ts';

export type Sent = { id: string; req: ApiRequest; tag: string };

/** A port whose time is the clock's. */
export class ClockedPort extends RecordingPort {
  constructor(private readonly clock: VirtualClock) {
    super();
  }
  override now(): number {
    return this.clock.now();
  }
}

export class Harness {
  readonly clock = new VirtualClock();
  readonly port = new ClockedPort(this.clock);
  readonly actor: AnyActorRef;
  readonly errors: unknown[] = [];
  private cursor = 0;
  private rv = 100;

  constructor(logic: AnyStateMachine, input: Record<string, unknown> = {}) {
    this.actor = createActor(logic, { input: { port: this.port, ...input }, clock: this.clock });
    this.actor.subscribe({ error: (e) => this.errors.push(e) });
    this.actor.start();
  }

  /** Answers the latest LIST of an informer with these items. */
  list(informer: string, items: KObject[]): void {
    const tag = `informer:${informer}:list`;
    const req = [...this.port.requests].reverse().find((r) => r.tag === tag);
    if (!req) throw new Error(`no list request for ${informer}`);
    this.actor.send({ type: 'api.response', requestId: req.id, tag, code: 200, body: { metadata: { resourceVersion: String(this.rv) }, items } });
  }

  /** Delivers a watch event on an informer's current watch (bumping the object's resourceVersion). */
  watch(informer: string, type: WatchEventType, object: KObject, resourceVersion?: string): KObject {
    const tag = `informer:${informer}:watch`;
    const w = [...this.port.watches].reverse().find((x) => x.tag === tag);
    if (!w) throw new Error(`no watch for ${informer}`);
    const obj = { ...object, metadata: { ...object.metadata, resourceVersion: resourceVersion ?? String(++this.rv) } };
    this.actor.send({ type: 'api.watch', watchId: w.id, tag, event: { type, object: obj } });
    return obj;
  }

  /** Answers the leader-election GET (no Lease yet) and then its create: the component leads. */
  elect(): void {
    const get = [...this.port.requests].reverse().find((r) => r.tag === 'leader-election:get');
    if (!get) throw new Error('no leader-election GET');
    this.respond(get, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    const create = [...this.port.requests].reverse().find((r) => r.tag === 'leader-election:create');
    if (!create) throw new Error('no leader-election create');
    const lease = create.req.body as KObject;
    this.respond(create, 201, { ...lease, metadata: { ...lease.metadata, uid: 'lease-uid', resourceVersion: String(++this.rv) } });
  }

  respond(sent: Sent, code: number, body: unknown = {}): void {
    this.actor.send({ type: 'api.response', requestId: sent.id, tag: sent.tag, code, body });
  }

  /** The requests sent since the last call, informer lists and events left out unless asked. */
  sent(options: { events?: boolean } = {}): Sent[] {
    const out = this.port.requests.slice(this.cursor);
    this.cursor = this.port.requests.length;
    return out.filter((r) => r.req.verb !== 'list' && (options.events || r.req.resource !== 'events') && !r.tag.startsWith('leader-election:'));
  }

  /** Event reasons and messages sent since the last `sent` (call before it). */
  events(): Array<{ reason: string; message: string }> {
    return this.port.requests.slice(this.cursor).filter((r) => r.req.resource === 'events')
      .map((r) => r.req.body as { reason: string; message: string })
      .map((e) => ({ reason: e.reason, message: e.message }));
  }

  advance(ms: number): void {
    this.clock.runUntilTime(this.clock.now() + ms);
  }

  nextRv(): string {
    return String(++this.rv);
  }

  state(): unknown {
    return this.actor.getSnapshot().value;
  }
}

/** Short descriptions of requests: "POST pods", "PUT replicasets/web/status", "DELETE pods/web-1". */
export function describe(sent: readonly Sent[]): string[] {
  const verbs: Record<string, string> = { create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', get: 'GET' };
  return sent.map(({ req }) => `${verbs[req.verb] ?? req.verb} ${req.resource}${req.name ? '/' + req.name : ''}${req.subresource ? '/' + req.subresource : ''}`);
}

export const T0 = timestamp(0);

export function pod(name: string, o: {
  owner?: KObject; labels?: Record<string, string>; node?: string; phase?: PodPhase;
  ready?: boolean; readySince?: number; ip?: string; created?: number; deleting?: boolean; uid?: string; restarts?: number; annotations?: Record<string, string>;
  ports?: Array<{ name?: string; containerPort: number }>;
} = {}): Pod {
  const conditions = o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready ? 'True' as const : 'False' as const, lastTransitionTime: timestamp(o.readySince ?? 0) }];
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: o.uid ?? `uid-${name}`, resourceVersion: '1', creationTimestamp: timestamp(o.created ?? 0),
      labels: o.labels ?? { app: 'web' },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: o.owner.apiVersion, kind: o.owner.kind, name: o.owner.metadata.name!, uid: o.owner.metadata.uid!, controller: true, blockOwnerDeletion: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: timestamp(1000), deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: { containers: [{ name: 'app', image: 'nginx', ...(o.ports ? { ports: o.ports } : {}) }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running', conditions, ...(o.ip ? { podIP: o.ip, podIPs: [{ ip: o.ip }] } : {}),
      ...(o.restarts !== undefined ? { containerStatuses: [{ name: 'app', state: {}, lastState: {}, ready: o.ready ?? false, restartCount: o.restarts, image: 'nginx', imageID: '' }] } : {}),
    },
  };
}

export function replicaSet(name: string, replicas: number, o: { uid?: string; generation?: number; status?: ReplicaSet['status']; owner?: KObject; annotations?: Record<string, string>; created?: number; minReadySeconds?: number } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet',
    metadata: {
      name, namespace: 'default', uid: o.uid ?? `uid-${name}`, resourceVersion: '1', generation: o.generation ?? 1, creationTimestamp: timestamp(o.created ?? 0),
      labels: { app: 'web' },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.owner ? { ownerReferences: [{ apiVersion: o.owner.apiVersion, kind: o.owner.kind, name: o.owner.metadata.name!, uid: o.owner.metadata.uid!, controller: true, blockOwnerDeletion: true }] } : {}),
    },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
      ...(o.minReadySeconds ? { minReadySeconds: o.minReadySeconds } : {}),
    } as ReplicaSet['spec'],
    ...(o.status ? { status: o.status } : {}),
  };
}

export function service(name: string, o: { selector?: Record<string, string> | null; ports?: Service['spec']['ports']; uid?: string; publishNotReady?: boolean } = {}): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'default', uid: o.uid ?? `uid-svc-${name}`, resourceVersion: '1' },
    spec: {
      ...(o.selector === null ? {} : { selector: o.selector ?? { app: 'web' } }),
      ports: o.ports ?? [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      clusterIP: '10.96.0.10',
      ...(o.publishNotReady ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

export function deployment(name: string, replicas: number, o: { uid?: string; generation?: number; image?: string; strategy?: Deployment['spec']['strategy']; status?: Deployment['status']; annotations?: Record<string, string> } = {}): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: o.uid ?? `uid-${name}`, resourceVersion: '1', generation: o.generation ?? 1, creationTimestamp: T0, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: o.image ?? 'nginx:1.27' }] } },
      strategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    },
    ...(o.status ? { status: o.status } : {}),
  };
}
