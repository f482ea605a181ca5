/**
 * The invariant contract. An invariant is a safety property of the Kubernetes control plane with a
 * stable kebab-case id, a one-line statement and the upstream source it comes from. It is checked
 * incrementally, at the moments the simulation probe reports (src/sim/probe.ts): every etcd write
 * with the request that caused it, every request served, every watch event a component receives;
 * and optionally once at quiescence. Each hook returns messages (or nothing); the checker wraps
 * them into Violations. Nothing here scans the store per step: invariants keep small indexes in
 * their own per-run state (`init`), and the context offers cheap reads of the past.
 */
import type { KObject } from '../api/objects.ts';
import type { Cluster } from '../sim/cluster.ts';
import type { Simulation } from '../sim/simulation.ts';
import type { RequestServed, StoreWrite, WatchDelivery } from '../sim/probe.ts';

export type { RequestServed, StoreWrite, WatchDelivery } from '../sim/probe.ts';

export interface Violation {
  /** The invariant's id. */
  invariant: string;
  statement: string;
  /** Virtual time of the step that broke it. */
  at: number;
  message: string;
  /** The objects involved, as "Kind/namespace/name" (or "Kind/name"). */
  objects: string[];
}

/** What a hook reports: a message, or a message naming its objects (else the checker names them). */
export type Finding = string | { message: string; objects?: string[] };
export type HookResult = Finding | Finding[] | void | undefined;

/** A version of one etcd key, as the checker saw it written (value undefined: deleted). */
export interface KeyVersion {
  revision: number;
  value: KObject | undefined;
}

/** A watch event a component received: what it knew, and from when. */
export interface Knowledge {
  /** The clock step of the delivery. */
  step: number;
  /** The store revision when it was delivered. */
  storeRevision: number;
  /** The watch's tag ("informer:endpointslice/pods:watch"). */
  tag: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KObject;
  /**
   * From a list the component was served (its items): the probe sees the list served, not its
   * answer arriving, so whether it had arrived before a later send is not certain.
   */
  fromList?: boolean;
}

export interface CheckContext<S = unknown> {
  readonly sim: Simulation;
  /** The cluster, when the checker was attached to one (for component lists and node names). */
  readonly cluster: Cluster | undefined;
  /** This invariant's own per-run state (what `init` returned). */
  readonly state: S;
  /** The store's revision now. */
  revision(): number;
  /** The current value under an etcd key (O(1)). */
  get(key: string): KObject | undefined;
  /**
   * The value under `key` at revision `rev`, from the checker's own version index (never
   * compacted). Undefined when absent then, or written before the checker attached and changed
   * since (unknown).
   */
  getAt(key: string, rev: number): KObject | undefined;
  /** The versions of `key` written in [fromRev, toRev], oldest first (the one in force at fromRev included). */
  versions(key: string, fromRev: number, toRev?: number): KeyVersion[];
  /** The first revision after `rev` at which `key` was written, if the checker saw one. */
  nextWriteAfter(key: string, rev: number): number | undefined;
  /** Whether `key` was written at exactly `rev` (true when unknown: before the checker attached, or an Event). */
  writtenAt(key: string, rev: number): boolean;
  /**
   * What `component` knew of `key` when it sent the request being judged: the versions that may
   * have been the newest it had received (on watches or lists whose tag starts with `tagPrefix`)
   * before the send, so a judgement must hold for all of them. One watch event when the probe
   * gives the send's clock step (`sentStep`) and no list was served in between; more when a list
   * (whose arrival the probe does not see) or, without `sentStep`, a delivery at the very
   * revision of the send may have come first. Empty when it is not known what it had (nothing
   * received for certain, or forgotten).
   */
  knownBefore(component: string, key: string, sent: { sentRevision: number; sentStep?: number }, tagPrefix?: string): Knowledge[];
}

export interface Invariant<S = unknown> {
  /** Stable kebab-case id: 'pod-bound-at-most-once'. */
  readonly id: string;
  /** One line. */
  readonly statement: string;
  /** Where Kubernetes says so: a file of kubernetes/kubernetes, a KEP, a documentation page. */
  readonly source: string;
  /**
   * The resources (etcd key segment: 'pods', 'nodes', 'replicasets'...) whose writes onWrite wants;
   * all when absent.
   */
  readonly resources?: readonly string[];
  /** Fresh per-run state (indexes). */
  init?(): S;
  /** An object that existed when the checker attached (to seed indexes; no checking). */
  seed?(key: string, obj: KObject, cx: CheckContext<S>): void;
  onWrite?(w: StoreWrite, cx: CheckContext<S>): HookResult;
  onRequest?(r: RequestServed, cx: CheckContext<S>): HookResult;
  onWatchDelivered?(d: WatchDelivery, cx: CheckContext<S>): HookResult;
  onWatchClosed?(d: { component: string; watchId: string; at: number }, cx: CheckContext<S>): HookResult;
  /** When the cluster is quiet (the end of a run): properties that only hold once work is done. */
  atQuiescence?(cx: CheckContext<S>): HookResult;
}

/** Declares an invariant with its state type inferred (and erased for the catalogue). */
export function invariant<S>(inv: Invariant<S>): Invariant {
  return inv as unknown as Invariant;
}
