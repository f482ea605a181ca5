/**
 * What a checker can observe of a running simulation, at the moments it happens: every etcd
 * write (with the request that caused it), every request served, every watch event a component
 * receives. Hooks run synchronously inside the step that caused them; with no probe attached each
 * costs one undefined check. src/check builds invariants on these.
 */
import type { KObject } from '../api/objects.ts';
import type { WatchEvent } from '../../machines/client/protocol.ts';

/** The request being served, as the API server saw it. */
export interface RequestInfo {
  /** Who sent it: a component name ("kubelet/worker-1", "kube-scheduler"), "kubectl", "bootstrap". */
  from: string;
  verb: string;
  /** requestPath(req), e.g. /api/v1/namespaces/default/pods/web/binding. */
  path: string;
  /** The store revision when the sender sent it: what the world looked like when it decided. */
  sentRevision: number;
  /** Virtual time when the API server served it. */
  at: number;
  /**
   * The clock step (VirtualClock.steps) in which the sender sent it. A watch event delivered to
   * the sender in that step or earlier was known when it decided (src/check's "knew before").
   */
  sentStep?: number;
  /** The component's tag for the request ("informer:pods:list", "replicaset-controller:status"); absent for external clients. */
  tag?: string;
  /** This serving repeats a request already served (a network duplicate: the client's at-least-once retry). */
  duplicate?: boolean;
  /** The request was answered from a view this many revisions behind (a staleReads fault). */
  staleBy?: number;
}

/** One etcd change. `prev` is absent for a create, `next` for a delete. */
export interface StoreWrite {
  key: string;
  type: 'create' | 'update' | 'delete';
  prev?: KObject;
  next?: KObject;
  revision: number;
  at: number;
  /** The request that caused it (absent for writes made outside a request, e.g. compaction). */
  request?: RequestInfo;
}

/** A request after it was served. */
export interface RequestServed extends RequestInfo {
  code: number;
  /** The response body (an object, a list, a Status). */
  body: unknown;
}

/** A watch event as a component receives it (after the network). */
export interface WatchDelivery {
  component: string;
  watchId: string;
  tag: string;
  event: WatchEvent;
  at: number;
}

export interface SimProbe {
  onWrite?(w: StoreWrite): void;
  onRequest?(r: RequestServed): void;
  onWatchDelivered?(d: WatchDelivery): void;
  /** The component's watch ended (cut, closed by the server, or unwatched). */
  onWatchClosed?(d: { component: string; watchId: string; at: number }): void;
}
