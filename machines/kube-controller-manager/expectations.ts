/**
 * ControllerExpectations (pkg/controller/controller_utils.go) as the ReplicaSet controller uses
 * them: after issuing N pod creations and some deletions for a ReplicaSet, the controller does not
 * manage that ReplicaSet's replicas again until its informer has observed them (creations counted,
 * deletions tracked by pod key as UIDTrackingControllerExpectations does), or five minutes pass.
 */
import { EXPECTATIONS_TIMEOUT_MS } from './writes.ts';

interface Record {
  add: number;
  deletes: Set<string>;
  atMs: number;
}

export class PodExpectations {
  private records = new Map<string, Record>();

  /** Sets (not adds) the expected creations, as ExpectCreations does. */
  expectCreations(key: string, n: number, nowMs: number): void {
    this.records.set(key, { add: n, deletes: new Set(), atMs: nowMs });
  }

  /** Expects these pods (namespace/name) to be deleted. */
  expectDeletions(key: string, podKeys: readonly string[], nowMs: number): void {
    this.records.set(key, { add: 0, deletes: new Set(podKeys), atMs: nowMs });
  }

  /** A pod owned by `key` was seen being created, or a creation will never happen. */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** Lowers the expected creations by n (failed and skipped creations). */
  lowerCreations(key: string, n: number): void {
    const r = this.records.get(key);
    if (r) r.add -= n;
  }

  /** A pod owned by `key` was seen deleted (or being deleted). */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  /** True when `key` may manage its replicas: nothing pending, or the record expired. */
  satisfied(key: string, nowMs: number): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.deletes.size === 0) return true;
    return nowMs - r.atMs > EXPECTATIONS_TIMEOUT_MS;
  }

  /** When the record of `key` expires, if it is pending. */
  expiresAt(key: string): number | undefined {
    const r = this.records.get(key);
    if (!r || (r.add <= 0 && r.deletes.size === 0)) return undefined;
    return r.atMs + EXPECTATIONS_TIMEOUT_MS + 1;
  }

  /** The pending counts, for tests and inspection. */
  pending(key: string): { add: number; deletes: string[] } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, deletes: [...r.deletes] } : undefined;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
