/**
 * The deterministic runtime: virtual clock, seeded streams, simulated network, etcd, the API
 * server pipeline and the component actors, wired so that every interaction is a message on the
 * network and every step is a trace event. One seed, one trace.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent } from 'xstate';
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
import { TRANSPORT_ERROR_CODE, type ApiPort } from '../../machines/client/port.ts';
import { VirtualClock, timestamp } from './clock.ts';
import { Seeds } from './rng.ts';
import { Network, type HoldPredicate, type LatencyMs, type PendingChoice } from './network.ts';
import { isHeartbeat, type TraceEvent } from './trace.ts';
import { transitionInspector } from './actors.ts';
import type { RequestInfo, SimProbe } from './probe.ts';

export const ADMIN_TOKEN = 'kubelife-admin-token';
/** kube-apiserver --etcd-compaction-interval default. */
export const COMPACTION_INTERVAL_MS = 5 * 60_000;
/**
 * How long a client takes to notice that its connection is dead (a request or a watch stream
 * lost): client-go's HTTP/2 health check, HTTP2_READ_IDLE_TIMEOUT_SECONDS 30 s + HTTP2_PING_TIMEOUT_SECONDS
 * 15 s (the reason --node-monitor-grace-period must exceed 45 s, kubernetes#121793).
 */
export const CONNECTION_LOSS_DETECT_MS = 45_000;
/** A static pod's container that exits is started again at the kubelet's next relist (~1 s)... */
export const FIRST_RESTART_MS = 1_000;
/** ...then after the crash-loop back-off: 10 s doubling to 300 s, reset after 10 minutes. */
export const EXIT_BACKOFF_INITIAL_MS = 10_000;
export const EXIT_BACKOFF_MAX_MS = 300_000;
export const EXIT_BACKOFF_RESET_MS = 600_000;

/** The Status a client sees for a request whose connection was lost (code 0: no HTTP answer). */
export function connectionLostStatus(what: string): { kind: 'Status'; apiVersion: 'v1'; metadata: Record<string, never>; status: 'Failure'; message: string; reason: 'ClientConnectionLost'; code: 0 } {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${what}: http2: client connection lost`, reason: 'ClientConnectionLost', code: TRANSPORT_ERROR_CODE };
}

export interface SimulationOptions {
  seed: number;
  latencyMs?: LatencyMs;
  /** Extra users (tokens) besides the admin and the components. */
  users?: TokenEntry[];
  /** Keep every trace event in memory (`trace()`); on by default. */
  record?: boolean;
  /** Trace every network send and delivery (large); on by default. */
  traceMessages?: boolean;
  /** Every raw XState inspection event of every actor (the inspector's feed); none by default. */
  inspect?: (e: InspectionEvent) => void;
}

export class SimulationError extends Error {}

/** One watch of a component, from the moment it asks until it is told the stream ended. */
interface WatchEntry {
  tag: string;
  resource: string;
  what: string;
  /** Set once the API server has opened the stream. */
  cancel?: () => void;
  /** The server side is gone (cut, lost, closed): no more events are sent. */
  ended: boolean;
}

interface Hosted {
  name: string;
  actor: AnyActorRef;
  /** Watches the component believes open (until `api.watchClosed` reaches it or it unwatches). */
  watches: Map<string, WatchEntry>;
  stopped: boolean;
  /** Crashed by a restart-after-requests fault: sends nothing more until it is started again. */
  crashed: boolean;
  /** What it was started with, so it can be started again fresh (restartComponent). */
  logic: AnyActorLogic;
  input: Record<string, unknown>;
  token: string;
  /**
   * Per-component request and watch counters, so ids do not depend on other components; ids are
   * "<name>#<n>" and "<name>~w<n>", with "@<k>" after the name from the k-th restart on, so they
   * stay unique across incarnations.
   */
  idPrefix: string;
  nextRequest: number;
  nextWatch: number;
}

/** A restart-after-requests fault waiting for its k-th request. */
interface RequestTap {
  who: (name: string) => boolean;
  tagPrefix: string;
  count: number;
  seen: Map<string, number>;
  fired: Set<string>;
  onCrash?: (name: string) => void;
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
  private staleRules: Array<{ who: (name: string) => boolean; lag: number }> = [];
  private requestTaps: RequestTap[] = [];
  /** Each component's last exit (ApiPort.exit) and how many came in a row, for the restart back-off. */
  private exits = new Map<string, { at: number; streak: number }>();
  /** How many times each component name was started before. */
  private incarnations = new Map<string, number>();
  /** How long a client takes to notice a lost connection (requests and watch streams). */
  connectionLossDetectMs = CONNECTION_LOSS_DETECT_MS;
  /** The request being served right now, so store writes can name their cause. */
  private currentRequest: RequestInfo | undefined;
  /** A checker's hooks (src/sim/probe.ts); none by default. */
  probe: SimProbe | undefined;
  /** Receives every raw XState inspection event (from `options.inspect`; may be set later, src/inspector). */
  inspect: ((e: InspectionEvent) => void) | undefined;

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
    this.inspect = options.inspect;
    const transitions = transitionInspector(() => this.clock.now(), (e) => this.emit(e));
    const inspect = (e: InspectionEvent): void => {
      transitions(e);
      this.inspect?.(e);
    };
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
    const incarnation = this.incarnations.get(name) ?? 0;
    this.incarnations.set(name, incarnation + 1);
    const hosted: Hosted = {
      name, actor: undefined as unknown as AnyActorRef, watches: new Map(), stopped: false, crashed: false,
      logic, input, token: token ?? ADMIN_TOKEN, idPrefix: incarnation === 0 ? name : `${name}@${incarnation}`, nextRequest: 0, nextWatch: 0,
    };
    const port = this.portFor(hosted, rng);
    const transitions = transitionInspector(() => this.clock.now(), (e) => this.emit(e));
    const inspect = (e: InspectionEvent): void => {
      transitions(e);
      this.inspect?.(e);
    };
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
    this.halt(h);
    this.hosted.delete(name);
  }

  /** Stops a component's actor and ends its watches. */
  private halt(h: Hosted): void {
    h.stopped = true;
    for (const [watchId, w] of h.watches) {
      w.ended = true;
      w.cancel?.();
      this.probe?.onWatchClosed?.({ component: h.name, watchId, at: this.clock.now() });
    }
    h.watches.clear();
    h.actor.stop();
  }

  /**
   * Restarts a component: the running one stops (its memory, timers, children and watches are
   * gone; answers still in flight to it are dropped) and a fresh one starts with the same logic,
   * input and token, as a process restart does.
   */
  restartComponent(name: string): AnyActorRef {
    const h = this.hosted.get(name);
    if (!h) throw new SimulationError(`no component ${name} to restart`);
    this.stopComponent(name);
    return this.addComponent(name, h.logic, h.input, h.token);
  }

  /**
   * A component's process exits on its own (ApiPort.exit): nothing it does afterwards leaves, it
   * stops at once (out of its own transition), and it starts again fresh after the kubelet's
   * restart back-off for a static pod's container: about 1 s for the first exit (the next PLEG
   * relist), then 10 s doubling to 300 s while it keeps exiting within 10 minutes of its last
   * exit. A restart fault in the meantime starts it at once.
   */
  exitComponent(h: Hosted, reason: string): void {
    if (h.crashed || h.stopped) return;
    h.crashed = true;
    const now = this.clock.now();
    this.note(h.name, `exited: ${reason}`);
    const prev = this.exits.get(h.name);
    const streak = prev && now - prev.at < EXIT_BACKOFF_RESET_MS ? prev.streak + 1 : 0;
    this.exits.set(h.name, { at: now, streak });
    const delay = streak === 0 ? FIRST_RESTART_MS : Math.min(EXIT_BACKOFF_INITIAL_MS * 2 ** (streak - 1), EXIT_BACKOFF_MAX_MS);
    this.clock.at(now, () => {
      if (this.hosted.get(h.name) !== h || h.stopped) return;
      this.halt(h);
    });
    this.clock.at(now + delay, () => {
      if (this.hosted.get(h.name) !== h) return;
      this.note(h.name, `restarted after exiting (back-off ${delay / 1000}s)`);
      this.restartComponent(h.name);
    });
  }

  /**
   * Crashes each component matching `who` right after it sends its `count`-th request (counted
   * from now) whose tag starts with `tagPrefix`: nothing it does after that request leaves, and it
   * starts again fresh at the same virtual time (Sieve's intermediate-state crash). Once per
   * component. Returns a function that disarms it.
   */
  restartAfterRequests(who: (name: string) => boolean, tagPrefix: string, count: number, onCrash?: (name: string) => void): () => void {
    const tap: RequestTap = { who, tagPrefix, count, seen: new Map(), fired: new Set(), ...(onCrash ? { onCrash } : {}) };
    this.requestTaps.push(tap);
    return () => {
      this.requestTaps = this.requestTaps.filter((t) => t !== tap);
    };
  }

  /**
   * Ends a component's watch streams (all, or one resource's) at the API server. A clean close
   * reaches the component over the network like any message; `lost: true` models a dead
   * connection instead, which the component notices only after the detection delay. Returns how
   * many streams were cut. The component's informers re-list.
   */
  cutWatches(name: string, resource?: string, opts: { lost?: boolean } = {}): number {
    const h = this.hosted.get(name);
    if (!h) return 0;
    let n = 0;
    for (const [watchId, w] of [...h.watches]) {
      if (w.ended || (resource !== undefined && w.resource !== resource)) continue;
      if (opts.lost) {
        this.breakWatch(h, watchId, w);
        n++;
        continue;
      }
      if (!w.cancel) continue; // still opening: nothing to close yet
      w.ended = true;
      w.cancel();
      n++;
      this.network.send('kube-apiserver', name, `watch closed ${w.what}`, () => this.closeWatch(h, watchId, w), {
        kind: 'watch-close',
        onLost: () => this.clock.at(this.clock.now() + this.connectionLossDetectMs, () => this.closeWatch(h, watchId, w)),
      });
    }
    return n;
  }

  /**
   * Serves the gets and lists of components matching `who` from a view `lagRevisions` behind the
   * latest revision (never older than the compaction point): an HA API server whose watch cache
   * lags. A list's resourceVersion is that old revision, so the next watch replays history from
   * there (or gets 410 Gone). Returns a function that ends it.
   */
  staleReads(who: string | ((name: string) => boolean), lagRevisions: number): () => void {
    const rule = { who: typeof who === 'string' ? (n: string) => n === who : who, lag: lagRevisions };
    this.staleRules.push(rule);
    return () => {
      this.staleRules = this.staleRules.filter((r) => r !== rule);
    };
  }

  /** etcd compacts now, up to the current revision (watches from older revisions get 410 Gone). */
  compactNow(): number {
    const rev = this.store.revision();
    if (rev > this.store.compactRevision() && this.etcdActor.getSnapshot().matches('serving')) {
      this.etcdActor.send({ type: 'compaction.started', revision: rev });
      this.store.compact(rev);
      this.etcdActor.send({ type: 'compaction.finished' });
    }
    return this.store.compactRevision();
  }

  /** etcd becomes unavailable (the API server answers 503) or available again. */
  setEtcdAvailable(available: boolean): void {
    this.etcdActor.send({ type: available ? 'fault.recovered' : 'fault.crashed' });
  }

  /**
   * Hold mode (exhaustive exploration): requests to kube-apiserver (or whatever `holdIf` selects)
   * wait in per-channel queues until `deliverNext`; every other message is delivered at the
   * current virtual time. Switch when the cluster is quiet: messages already scheduled keep their
   * times.
   */
  hold(holdIf?: HoldPredicate): void {
    this.network.hold(holdIf);
  }

  /** Back to timed delivery; held messages are sent now with the usual latency. */
  releaseHeld(): void {
    this.network.release();
  }

  /** Hold mode: the channels whose head message can be delivered, sorted by channel ("kube-scheduler>kube-apiserver"). */
  pendingChoices(): PendingChoice[] {
    return this.network.pendingChoices();
  }

  /**
   * Hold mode: delivers the head message of `channel`, then runs everything due at the current
   * virtual time (the eager deliveries to components and what they cause), so the next choices
   * are ready. Timers in the future are not run: `step()` advances to the next one. Returns
   * false (and does nothing) when no message waits on the channel.
   */
  deliverNext(channel: string): boolean {
    if (!this.network.deliverNext(channel)) return false;
    this.raiseFailures();
    this.settle();
    return true;
  }

  /** Runs every queued item due at the current virtual time (not later ones). */
  settle(): void {
    this.clock.runUntilTime(this.clock.now(), () => this.raiseFailures());
  }

  component(name: string): AnyActorRef | undefined {
    return this.hosted.get(name)?.actor;
  }

  componentNames(): string[] {
    return [...this.hosted.keys()];
  }

  /**
   * A request from an external client (scenario step, library call) across the network. A lost
   * request or response answers with a transport error (code 0) after the detection delay.
   */
  clientRequest(req: ApiRequest, onResponse?: (r: ApiResponse) => void, from = 'client'): void {
    this.sendClientRequest(req, onResponse, from, false);
  }

  private sendClientRequest(req: ApiRequest, onResponse: ((r: ApiResponse) => void) | undefined, from: string, retry: boolean): void {
    const what = describeRequest(req);
    const sentRevision = this.store.revision();
    const sentStep = this.clock.steps;
    const lost = () => this.transportError(() => onResponse?.({ code: TRANSPORT_ERROR_CODE, body: connectionLostStatus(what) }));
    this.network.send(from, 'kube-apiserver', what, (copy, copies) => {
      const res = this.serve(req, from, sentRevision, { sentStep, ...(retry || copy > 0 ? { duplicate: true } : {}) });
      // A duplicated request is the client's at-least-once retry: only the last answer reaches it.
      if (copy < copies - 1) return;
      this.network.send('kube-apiserver', from, `${res.code} ${what}`, () => onResponse?.(res), {
        kind: 'response', onLost: lost, onDuplicate: () => this.sendClientRequest(req, onResponse, from, true), once: retry || copies > 1,
      });
    }, { kind: 'request', onLost: lost, once: retry });
  }

  /**
   * Serves a request now, at the current virtual time, as the API server: the path used by the
   * network deliveries and by the HTTP facade.
   */
  serve(req: ApiRequest, from: string, sentRevision = this.store.revision(), extra: { tag?: string; duplicate?: boolean; sentStep?: number } = {}): ApiResponse {
    const t = this.clock.now();
    if (!this.apiserverActor.getSnapshot().matches('serving') || !this.etcdActor.getSnapshot().matches('serving')) {
      const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 };
      this.emit({ t, kind: 'request', from, user: '', verb: req.verb, path: requestPath(req), stages: [], code: 503, reason: 'ServiceUnavailable' });
      return { code: 503, body };
    }
    const readRevision = req.verb === 'get' || req.verb === 'list' ? this.staleReadRevision(from) : undefined;
    const info: RequestInfo = {
      from, verb: req.verb, path: requestPath(req), sentRevision, at: t,
      ...(extra.tag !== undefined ? { tag: extra.tag } : {}), ...(extra.duplicate ? { duplicate: true } : {}),
      ...(extra.sentStep !== undefined ? { sentStep: extra.sentStep } : {}),
      ...(readRevision !== undefined ? { staleBy: this.store.revision() - readRevision } : {}),
    };
    this.currentRequest = info;
    let h;
    try {
      h = readRevision === undefined ? this.api.handle(req) : this.api.handle(req, { readRevision });
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

  /** The revision a stale-reads fault serves `from`'s reads at, if any. */
  private staleReadRevision(from: string): number | undefined {
    let lag = 0;
    for (const r of this.staleRules) if (r.who(from) && r.lag > lag) lag = r.lag;
    if (lag === 0) return undefined;
    return Math.max(1, this.store.compactRevision(), this.store.revision() - lag);
  }

  /** The sender notices a lost request or response after the detection delay. */
  private transportError(fire: () => void): void {
    this.clock.at(this.clock.now() + this.connectionLossDetectMs, fire);
  }

  /**
   * A component's request across the network: served by the API server, answered on the reverse
   * channel. Lost either way: the component gets a transport error (code 0) after the detection
   * delay. Duplicated (the request, or its answer): the client's at-least-once retry, so the
   * request is served twice and only the second answer reaches the component; a retry is never
   * duplicated again.
   */
  private sendRequest(h: Hosted, req: ApiRequest, tag: string, requestId: string, retry: boolean): void {
    const name = h.name;
    const what = describeRequest(req);
    const sentRevision = this.store.revision();
    const sentStep = this.clock.steps;
    const respond = (code: number, body: unknown) => {
      if (!h.stopped) h.actor.send({ type: 'api.response', requestId, tag, code, body });
    };
    const lost = () => this.transportError(() => {
      if (h.stopped) return;
      this.note(name, `connection lost: ${what} (no answer after ${this.connectionLossDetectMs / 1000} s)`);
      respond(TRANSPORT_ERROR_CODE, connectionLostStatus(what));
    });
    this.network.send(name, 'kube-apiserver', what, (copy, copies) => {
      const res = this.serve({ ...req, token: h.token }, name, sentRevision, { tag, sentStep, ...(retry || copy > 0 ? { duplicate: true } : {}) });
      if (copy < copies - 1) return;
      this.network.send('kube-apiserver', name, `${res.code} ${what}`, () => respond(res.code, res.body), {
        kind: 'response', onLost: lost, onDuplicate: () => this.sendRequest(h, req, tag, requestId, true), once: retry || copies > 1,
      });
    }, { kind: 'request', onLost: lost, once: retry });
    if (!retry) this.tapRequest(h, tag);
  }

  /** Restart-after-requests faults: count the request, crash the component at the k-th. */
  private tapRequest(h: Hosted, tag: string): void {
    for (const tap of this.requestTaps) {
      if (h.crashed || tap.fired.has(h.name) || !tag.startsWith(tap.tagPrefix) || !tap.who(h.name)) continue;
      const n = (tap.seen.get(h.name) ?? 0) + 1;
      tap.seen.set(h.name, n);
      if (n < tap.count) continue;
      tap.fired.add(h.name);
      // The process dies right here: nothing more leaves it and nothing reaches it; it is started
      // again fresh once the current step is over (an actor cannot be stopped from its own action).
      h.crashed = true;
      h.stopped = true;
      tap.onCrash?.(h.name);
      this.clock.at(this.clock.now(), () => {
        if (this.hosted.get(h.name) === h) this.restartComponent(h.name);
      });
    }
  }

  /** The component's watch is lost (a dead connection): the server stops, the component notices later. */
  private breakWatch(h: Hosted, watchId: string, w: WatchEntry): void {
    if (w.ended) return;
    w.ended = true;
    w.cancel?.();
    this.clock.at(this.clock.now() + this.connectionLossDetectMs, () => this.closeWatch(h, watchId, w));
  }

  /** Tells the component its watch ended (once). */
  private closeWatch(h: Hosted, watchId: string, w: WatchEntry): void {
    w.ended = true;
    if (h.stopped || h.watches.get(watchId) !== w) return;
    h.watches.delete(watchId);
    this.probe?.onWatchClosed?.({ component: h.name, watchId, at: this.clock.now() });
    h.actor.send({ type: 'api.watchClosed', watchId, tag: w.tag });
  }

  private portFor(h: Hosted, rng: { int(a: number, b: number): number }): ApiPort {
    const sim = this;
    const name = h.name;
    return {
      request(req, tag, opts) {
        const requestId = `${h.idPrefix}#${h.nextRequest++}`;
        if (h.crashed) return requestId;
        const afterMs = opts?.afterMs ?? 0;
        if (afterMs > 0) {
          sim.clock.at(sim.clock.now() + afterMs, () => {
            if (!h.stopped) sim.sendRequest(h, req, tag, requestId, false);
          });
        } else sim.sendRequest(h, req, tag, requestId, false);
        return requestId;
      },
      watch(req, tag) {
        const watchId = `${h.idPrefix}~w${h.nextWatch++}`;
        if (h.crashed) return watchId;
        const what = describeRequest(req);
        const w: WatchEntry = { tag, resource: req.resource, what, ended: false };
        h.watches.set(watchId, w);
        const closeSoon = (code: number) => sim.network.send('kube-apiserver', name, `${code} ${what}`, () => sim.closeWatch(h, watchId, w), {
          kind: 'watch-close', onLost: () => sim.breakWatch(h, watchId, w),
        });
        sim.network.send(name, 'kube-apiserver', what, () => {
          if (h.stopped || w.ended || h.watches.get(watchId) !== w) return;
          if (!sim.apiserverActor.getSnapshot().matches('serving') || !sim.etcdActor.getSnapshot().matches('serving')) {
            w.ended = true;
            closeSoon(503);
            return;
          }
          const { response, cancel } = sim.api.watch({ ...req, token: h.token }, (ev) => {
            if (w.ended) return;
            const desc = `watch ${ev.type} ${ev.object.kind ?? ''} ${ev.object.metadata?.namespace ? ev.object.metadata.namespace + '/' : ''}${ev.object.metadata?.name ?? ''}`;
            sim.network.send('kube-apiserver', name, desc, () => {
              if (!h.stopped && h.watches.get(watchId) === w) {
                sim.probe?.onWatchDelivered?.({ component: name, watchId, tag, event: ev, at: sim.clock.now() });
                h.actor.send({ type: 'api.watch', watchId, tag, event: ev });
              }
            }, { kind: 'watch-event', onLost: () => sim.breakWatch(h, watchId, w) });
          });
          sim.emit({ t: sim.clock.now(), kind: 'request', from: name, user: response.user, verb: 'watch', path: requestPath(req), stages: response.stages, code: response.code });
          if (cancel) {
            w.cancel = cancel;
            // An event lost while the stream was opening already ended it.
            if (w.ended) cancel();
          } else {
            w.ended = true;
            closeSoon(response.code);
          }
        }, { kind: 'watch-open', onLost: () => sim.breakWatch(h, watchId, w) });
        return watchId;
      },
      unwatch(watchId) {
        const w = h.watches.get(watchId);
        if (!w) return;
        h.watches.delete(watchId);
        w.ended = true;
        w.cancel?.();
        sim.probe?.onWatchClosed?.({ component: name, watchId, at: sim.clock.now() });
      },
      now: () => sim.clock.now(),
      randomInt: (min, max) => rng.int(min, max),
      note: (text) => sim.note(name, text),
      exit: (reason) => sim.exitComponent(h, reason),
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
