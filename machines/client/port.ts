/**
 * What a component may do to the outside world: send requests to kube-apiserver, open and close
 * watches, read virtual time, draw seeded randomness, and explain itself in the trace. The
 * simulator implements it; every call becomes a message on the simulated network.
 */
import type { ApiRequest, WatchEvent } from './protocol.ts';

export interface ApiPort {
  /**
   * Sends a request; its answer arrives later as an `api.response` event carrying `tag`. With
   * `afterMs`, the request leaves that much later (a client sleeping before a retry); it is not
   * sent at all if the component stops meanwhile. An answer with code 0 (Status reason
   * ClientConnectionLost) is a transport error: the connection broke and the request may or may
   * not have been applied.
   */
  request(req: ApiRequest, tag: string, opts?: RequestOptions): string;
  /** Opens a watch; events arrive as `api.watch` events with the returned watch id and `tag`. */
  watch(req: ApiRequest, tag: string): string;
  /** Closes a watch (no more events are delivered for it). */
  unwatch(watchId: string): void;
  /** Virtual milliseconds. */
  now(): number;
  /** A seeded integer in [min, max] from this component's own stream. */
  randomInt(min: number, max: number): number;
  /** A line of explanation for the trace and the story printer. */
  note(text: string): void;
  /**
   * The process exits (klog.Fatal after losing leader election, say): it stops at once and the
   * host (the kubelet running its static pod) starts it again fresh, after its restart back-off.
   */
  exit(reason: string): void;
}

export interface RequestOptions {
  /** Send the request this many virtual milliseconds from now. */
  afterMs?: number;
}

/** The code of a synthetic response for a request whose connection was lost (no HTTP status). */
export const TRANSPORT_ERROR_CODE = 0;

/** The events the simulator delivers to every component actor. */
export type ApiEvent =
  | { type: 'api.response'; requestId: string; tag: string; code: number; body: unknown }
  | { type: 'api.watch'; watchId: string; tag: string; event: WatchEvent }
  | { type: 'api.watchClosed'; watchId: string; tag: string };

/** A port that records what it was asked, for unit tests of machines. */
export class RecordingPort implements ApiPort {
  requests: Array<{ id: string; req: ApiRequest; tag: string; afterMs?: number }> = [];
  watches: Array<{ id: string; req: ApiRequest; tag: string }> = [];
  notes: string[] = [];
  exits: string[] = [];
  time = 0;
  private n = 0;
  request(req: ApiRequest, tag: string, opts?: RequestOptions): string {
    const id = `r${this.n++}`;
    this.requests.push({ id, req, tag, ...(opts?.afterMs !== undefined ? { afterMs: opts.afterMs } : {}) });
    return id;
  }
  watch(req: ApiRequest, tag: string): string {
    const id = `w${this.n++}`;
    this.watches.push({ id, req, tag });
    return id;
  }
  unwatch(): void {}
  now(): number {
    return this.time;
  }
  randomInt(min: number): number {
    return min;
  }
  note(text: string): void {
    this.notes.push(text);
  }
  exit(reason: string): void {
    this.exits.push(reason);
  }
}
