/**
 * The deterministic runtime: virtual clock, seeded streams, simulated network, etcd, the API
 * server pipeline and the component actors, wired so that every interaction is a message on the
 * network and every step is a trace event. One seed, one trace.
 */
import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Subject, type Observable } from 'rxjs';
import type { KObject } from '../api/objects.ts';
import { resourceFor, resourceForKind, storagePrefix, type ResourceInfo } from '../api/registry.ts';
import { MvccStore } from '../../machines/etcd/mvcc.ts';
import { etcdMachine } from '../../machines/etcd/machine.ts';
import { apiserverMachine } from '../../machines/kube-apiserver/machine.ts';
import { ApiServerCore, type LogEntry } from '../../machines/kube-apiserver/core.ts';
import { TokenAuthenticator, type TokenEntry } from '../../machines/kube-apiserver/authn.ts';
import { bootstrapObjects } from '../../machines/kube-apiserver/bootstrap.ts';
import { describeRequest, requestPath, type ApiRequest, type ApiResponse } from '../../machines/client/protocol.ts';
import type { ApiPort } from '../../machines/client/port.ts';
import { VirtualClock, timestamp } from './clock.ts';
import { Seeds } from './rng.ts';
import { Network, type LatencyMs } from './network.ts';
import { isHeartbeat, type TraceEvent } from './trace.ts';
import { transitionInspector } from './actors.ts';
import type { RequestInfo, SimProbe } from './probe.ts';

export const ADMIN_TOKEN = 'kubelife-admin-token';
/** kube-apiserver --etcd-compaction-interval default. */
export const COMPACTION_INTERVAL_MS = 5 * 60_000;

export interface SimulationOptions {
  seed: number;
  latencyMs?: LatencyMs;
  /** Extra users (tokens) besides the admin and the components. */
  users?: TokenEntry[];
  /** Keep every trace event in memory (`trace()`); on by default. */
  record?: boolean;
  /** Trace every network send and delivery (large); on by default. */
  traceMessages?: boolean;
}

export class SimulationError extends Error {}

interface Hosted {
  name: string;
  actor: AnyActorRef;
  watches: Map<string, () => void>;
  stopped: boolean;
}

export class Simulation {
  readonly clock = new VirtualClock();
  readonly seeds: Seeds;
  readonly network: Network;
  readonly store = new MvccStore<KObject>();
  readonly api: ApiServerCore;
  readonly authenticator: TokenAuthenticator;
  readonly apiserverActor: AnyActorRef;
  readonly etcdActor: AnyActorRef;
  private subject = new Subject<TraceEvent>();
  private recorded: TraceEvent[] = [];
  private record: boolean;
  private hosted = new Map<string, Hosted>();
  private lastActivity = 0;
  private failures: Error[] = [];
  private nextWatch = 0;
  private nextRequest = 0;
  /** The request being served right now, so store writes can name their cause. */
  private currentRequest: RequestInfo | undefined;
  /** A checker's hooks (src/sim/probe.ts); none by default. */
  probe: SimProbe | undefined;

  constructor(readonly options: SimulationOptions) {
    this.seeds = new Seeds(options.seed);
    this.record = options.record ?? true;
    this.network = new Network(this.clock, this.seeds.stream('network'), options.latencyMs ?? { min: 1, max: 4 }, (e) => this.emit(e));
    this.network.traceMessages = options.traceMessages ?? true;
    this.authenticator = new TokenAuthenticator([
      { token: ADMIN_TOKEN, username: 'kubernetes-admin', groups: ['system:masters'] },
      ...(options.users ?? []),
    ]);
    const apiRand = this.seeds.stream('apiserver');
    this.api = new ApiServerCore({
      store: this.store,
      now: () => this.clock.now(),
      timestamp,
      rand: apiRand,
      authenticator: this.authenticator,
      logs: (ns, pod, container, previous) => this.logProvider?.(ns, pod, container, previous),
    });
    this.store.watch('/registry/', 0, (events, rev) => {
      for (const e of events) {
        const op = e.type === 'DELETE' ? 'delete' : e.prevKv ? 'update' : 'create';
        if (this.probe?.onWrite) {
          this.probe.onWrite({
            key: e.kv.key, type: op, revision: rev, at: this.clock.now(),
            ...(e.prevKv ? { prev: e.prevKv.value } : op === 'delete' ? { prev: e.kv.value } : {}),
            ...(op !== 'delete' ? { next: e.kv.value } : {}),
            ...(this.currentRequest ? { request: this.currentRequest } : {}),
          });
        }
        this.emit({ t: this.clock.now(), kind: 'write', rev, op, key: e.kv.key });
        // A repeat of an identical Event is a count bump on the first one (the recorder's correlator): one occurrence each.
        if (e.kv.key.startsWith('/registry/events/') && (op === 'create' || (op === 'update' && countOf(e.kv.value) > countOf(e.prevKv?.value)))) this.traceKubeEvent(e.kv.value);
      }
    });
    const inspect = transitionInspector(() => this.clock.now(), (e) => this.emit(e));
    this.etcdActor = createActor(etcdMachine, { systemId: 'etcd', clock: this.clock, inspect });
    this.apiserverActor = createActor(apiserverMachine, { systemId: 'kube-apiserver', clock: this.clock, inspect });
    this.etcdActor.start();
    this.apiserverActor.start();
    this.apiserverActor.send({ type: 'etcd.ready' });
    for (const obj of bootstrapObjects()) this.must(this.createDirect(obj));
    this.scheduleCompaction(this.store.revision());
  }

  /**
   * kube-apiserver compacts etcd every --etcd-compaction-interval (5 min), up to the revision it
   * saw at the previous tick, so about 5-10 minutes of history stay watchable; older watches get
   * 410 Gone and must re-list.
   */
  private scheduleCompaction(previousRevision: number): void {
    this.clock.at(this.clock.now() + COMPACTION_INTERVAL_MS, () => {
      const now = this.store.revision();
      if (previousRevision > this.store.compactRevision() && this.etcdActor.getSnapshot().matches('serving')) {
        this.etcdActor.send({ type: 'compaction.started', revision: previousRevision });
        this.store.compact(previousRevision);
        this.etcdActor.send({ type: 'compaction.finished' });
      }
      this.scheduleCompaction(now);
    });
  }

  /** Container logs for pods/log; installed by whoever runs the kubelets. */
  logProvider: ((ns: string, pod: string, container: string | undefined, previous: boolean) => readonly LogEntry[] | undefined) | undefined;

  /** The trace as an rxjs Observable (events from now on). */
  get trace$(): Observable<TraceEvent> {
    return this.subject.asObservable();
  }

  /** Every trace event so far (when recording). */
  trace(): readonly TraceEvent[] {
    return this.recorded;
  }

  emit(e: TraceEvent): void {
    if (!isHeartbeat(e) && e.kind !== 'send' && e.kind !== 'deliver') this.lastActivity = e.t;
    if (this.record) this.recorded.push(e);
    this.subject.next(e);
  }

  note(actor: string, text: string): void {
    this.emit({ t: this.clock.now(), kind: 'note', actor, text });
  }

  /** Creates, starts and wires one component actor; its logic receives `{ port, ...input }`. */
  addComponent(name: string, logic: AnyActorLogic, input: Record<string, unknown> = {}, token?: string): AnyActorRef {
    if (this.hosted.has(name)) throw new SimulationError(`component ${name} already exists`);
    const rng = this.seeds.stream(`component:${name}`);
    const hosted: Hosted = { name, actor: undefined as unknown as AnyActorRef, watches: new Map(), stopped: false };
    const port = this.portFor(hosted, token ?? ADMIN_TOKEN, rng);
    const inspect = transitionInspector(() => this.clock.now(), (e) => this.emit(e));
    const actor = createActor(logic, { systemId: name, clock: this.clock, inspect, input: { ...input, port } });
    actor.subscribe({
      error: (err) => {
        const e = err instanceof Error ? err : new Error(String(err));
        this.failures.push(new SimulationError(`${name} crashed: ${e.message}`));
        this.emit({ t: this.clock.now(), kind: 'note', actor: name, text: `crashed: ${e.message}` });
      },
    });
    hosted.actor = actor;
    this.hosted.set(name, hosted);
    actor.start();
    return actor;
  }

  /** Stops a component and closes its watches (a crash, or a node going away). */
  stopComponent(name: string): void {
    const h = this.hosted.get(name);
    if (!h) return;
    h.stopped = true;
    for (const cancel of h.watches.values()) cancel();
    h.watches.clear();
    h.actor.stop();
    this.hosted.delete(name);
  }

  component(name: string): AnyActorRef | undefined {
    return this.hosted.get(name)?.actor;
  }

  componentNames(): string[] {
    return [...this.hosted.keys()];
  }

  /** A request from an external client (scenario step, library call) across the network. */
  clientRequest(req: ApiRequest, onResponse?: (r: ApiResponse) => void, from = 'client'): void {
    const what = describeRequest(req);
    const sentRevision = this.store.revision();
    this.network.send(from, 'kube-apiserver', what, () => {
      const res = this.serve(req, from, sentRevision);
      this.network.send('kube-apiserver', from, `${res.code} ${what}`, () => onResponse?.(res));
    });
  }

  /**
   * Serves a request now, at the current virtual time, as the API server: the path used by the
   * network deliveries and by the HTTP facade.
   */
  serve(req: ApiRequest, from: string, sentRevision = this.store.revision()): ApiResponse {
    const t = this.clock.now();
    if (!this.apiserverActor.getSnapshot().matches('serving') || !this.etcdActor.getSnapshot().matches('serving')) {
      const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 };
      this.emit({ t, kind: 'request', from, user: '', verb: req.verb, path: requestPath(req), stages: [], code: 503, reason: 'ServiceUnavailable' });
      return { code: 503, body };
    }
    const info: RequestInfo = { from, verb: req.verb, path: requestPath(req), sentRevision, at: t };
    this.currentRequest = info;
    let h;
    try {
      h = this.api.handle(req);
    } finally {
      this.currentRequest = undefined;
    }
    this.probe?.onRequest?.({ ...info, code: h.code, body: h.body });
    const reason = h.code >= 400 ? (h.body as { reason?: string }).reason : undefined;
    const rv = (h.body as KObject | undefined)?.metadata?.resourceVersion;
    this.emit({ t, kind: 'request', from, user: h.user, verb: req.verb, path: requestPath(req), stages: h.stages, code: h.code, ...(reason ? { reason } : {}), ...(h.code < 300 && req.verb !== 'get' && req.verb !== 'list' && rv ? { rv } : {}) });
    return { code: h.code, body: h.body };
  }

  /** Creates an object directly in the API server with the admin identity (cluster bootstrap). */
  createDirect(obj: KObject): ApiResponse {
    const info = infoFor(obj);
    return this.serve({ verb: 'create', group: info.group, version: info.version, resource: info.resource, ...(info.namespaced ? { namespace: obj.metadata.namespace ?? 'default' } : {}), body: obj, token: ADMIN_TOKEN }, 'bootstrap');
  }

  /** Reads the current object from etcd (no network, no authorization: for checks and output). */
  get(resource: string, namespace: string | undefined, name: string, group = ''): KObject | undefined {
    const info = resourceFor(group, resource);
    if (!info) throw new SimulationError(`unknown resource ${group}/${resource}`);
    return this.api.read(info, namespace, name);
  }

  /** Lists current objects of a resource from etcd, sorted by namespace/name. */
  list(resource: string, group = '', namespace?: string): KObject[] {
    const info = resourceFor(group, resource);
    if (!info) throw new SimulationError(`unknown resource ${group}/${resource}`);
    return this.store.range(storagePrefix(info, namespace)).kvs.map((kv) => kv.value);
  }

  /** Runs one queued item. Returns false when nothing is left. */
  step(): boolean {
    const ran = this.clock.step();
    this.raiseFailures();
    return ran;
  }

  /** Runs until virtual time `t` (inclusive of items due then). */
  runUntilTime(t: number): void {
    this.clock.runUntilTime(t, () => this.raiseFailures());
  }

  /** Runs for a virtual duration. */
  runFor(ms: number): void {
    this.runUntilTime(this.clock.now() + ms);
  }

  /**
   * Runs until `pred` holds (checked after every step) or `maxMs` of virtual time pass. Returns
   * whether the predicate held.
   */
  runUntil(pred: () => boolean, maxMs: number): boolean {
    const deadline = this.clock.now() + maxMs;
    if (pred()) return true;
    for (;;) {
      const next = this.clock.peekTime();
      if (next === undefined || next > deadline) {
        if (deadline > this.clock.now()) this.clock.advanceTo(deadline);
        return pred();
      }
      this.step();
      if (pred()) return true;
    }
  }

  /**
   * Runs until nothing but heartbeats has happened for `settleMs` of virtual time, or `maxMs`
   * passes. Returns the virtual time at which the cluster went quiet, or undefined.
   */
  runUntilQuiet(settleMs = 30_000, maxMs = 600_000): number | undefined {
    const deadline = this.clock.now() + maxMs;
    this.lastActivity = this.clock.now();
    for (;;) {
      const next = this.clock.peekTime();
      const quietAt = this.lastActivity + settleMs;
      if (next === undefined || next > quietAt) {
        const t = Math.min(quietAt, deadline);
        if (t > this.clock.now()) this.clock.advanceTo(t);
        return quietAt <= deadline ? this.lastActivity : undefined;
      }
      if (next > deadline) {
        this.clock.advanceTo(deadline);
        return undefined;
      }
      this.step();
    }
  }

  now(): number {
    return this.clock.now();
  }

  private raiseFailures(): void {
    if (this.failures.length > 0) {
      const f = this.failures.splice(0);
      throw new SimulationError(`${f.map((e) => e.message).join('; ')} (seed ${this.options.seed})`);
    }
  }

  private traceKubeEvent(ev: KObject): void {
    const e = ev as KObject & { type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; namespace?: string; name?: string }; source?: { component?: string; host?: string }; reportingComponent?: string };
    const io = e.involvedObject ?? {};
    this.emit({
      t: this.clock.now(), kind: 'k8s-event', type: e.type ?? 'Normal', reason: e.reason ?? '',
      object: `${io.kind ?? ''}/${io.namespace ? io.namespace + '/' : ''}${io.name ?? ''}`,
      source: e.source?.component ?? e.reportingComponent ?? '', message: e.message ?? '',
    });
  }

  private portFor(h: Hosted, token: string, rng: { int(a: number, b: number): number }): ApiPort {
    const sim = this;
    const name = h.name;
    return {
      request(req, tag) {
        const requestId = `${name}#${sim.nextRequest++}`;
        const what = describeRequest(req);
        const sentRevision = sim.store.revision();
        sim.network.send(name, 'kube-apiserver', what, () => {
          const res = sim.serve({ ...req, token }, name, sentRevision);
          sim.network.send('kube-apiserver', name, `${res.code} ${what}`, () => {
            if (!h.stopped) h.actor.send({ type: 'api.response', requestId, tag, code: res.code, body: res.body });
          });
        });
        return requestId;
      },
      watch(req, tag) {
        const watchId = `${name}~w${sim.nextWatch++}`;
        const what = describeRequest(req);
        sim.network.send(name, 'kube-apiserver', what, () => {
          if (h.stopped) return;
          if (!sim.apiserverActor.getSnapshot().matches('serving')) {
            sim.network.send('kube-apiserver', name, `503 ${what}`, () => {
              if (!h.stopped) h.actor.send({ type: 'api.watchClosed', watchId, tag });
            });
            return;
          }
          const { response, cancel } = sim.api.watch({ ...req, token }, (ev) => {
            const desc = `watch ${ev.type} ${ev.object.kind ?? ''} ${ev.object.metadata?.namespace ? ev.object.metadata.namespace + '/' : ''}${ev.object.metadata?.name ?? ''}`;
            sim.network.send('kube-apiserver', name, desc, () => {
              if (!h.stopped && h.watches.has(watchId)) {
                sim.probe?.onWatchDelivered?.({ component: name, watchId, tag, event: ev, at: sim.clock.now() });
                h.actor.send({ type: 'api.watch', watchId, tag, event: ev });
              }
            });
          });
          sim.emit({ t: sim.clock.now(), kind: 'request', from: name, user: response.user, verb: 'watch', path: requestPath(req), stages: response.stages, code: response.code });
          if (cancel) h.watches.set(watchId, cancel);
          else {
            sim.network.send('kube-apiserver', name, `${response.code} ${what}`, () => {
              if (!h.stopped) h.actor.send({ type: 'api.watchClosed', watchId, tag });
            });
          }
        });
        return watchId;
      },
      unwatch(watchId) {
        const cancel = h.watches.get(watchId);
        h.watches.delete(watchId);
        cancel?.();
      },
      now: () => sim.clock.now(),
      randomInt: (min, max) => rng.int(min, max),
      note: (text) => sim.note(name, text),
    };
  }

  private must(r: ApiResponse): void {
    if (r.code >= 300) throw new SimulationError(`bootstrap failed: ${JSON.stringify(r.body)}`);
  }
}

export function infoFor(obj: KObject): ResourceInfo {
  const info = resourceForKind(obj.apiVersion, obj.kind);
  if (!info) throw new SimulationError(`no kind "${obj.kind}" is registered for version "${obj.apiVersion}"`);
  return info;
}

/** An Event's count (1 when unset). */
function countOf(v: unknown): number {
  const c = (v as { count?: unknown } | undefined)?.count;
  return typeof c === 'number' ? c : 1;
}
