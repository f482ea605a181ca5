/**
 * Read-your-own-writes expectations: after a controller writes an object it must not act on its
 * informer's older copy, or it would write the same change twice (a second create, a stale update
 * that ends in 409). Each write is remembered with the resourceVersion the API server returned
 * (or as a deletion) until the informer delivers that version. Like upstream's expectations they
 * give up after five minutes, so a lost event can never wedge a controller.
 */

/** ExpectationsTimeout in pkg/controller/controller_utils.go. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expected {
  owner: string;
  /** The resourceVersion to wait for; null waits for the object to be gone. */
  rv: string | null;
  atMs: number;
}

export class WriteExpectations {
  private byObject = new Map<string, Expected>();

  /**
   * Records that `owner`'s sync wrote `objectKey`, which the API server now holds at `rv` (null:
   * deleted). `cachedRv` is what the informer holds right now; when it already shows the write,
   * nothing is recorded.
   */
  expect(owner: string, objectKey: string, rv: string | null, nowMs: number, cachedRv: string | undefined): void {
    if (rv === null ? cachedRv === undefined : cachedRv === rv) {
      this.byObject.delete(objectKey);
      return;
    }
    this.byObject.set(objectKey, { owner, rv, atMs: nowMs });
  }

  /** The informer delivered `objectKey` at `rv` (null: a deletion). */
  observe(objectKey: string, rv: string | null): void {
    const e = this.byObject.get(objectKey);
    if (!e) return;
    // A deletion settles any expectation: there is no later version to wait for.
    if (rv === null || e.rv === rv) this.byObject.delete(objectKey);
  }

  /** True when every write made for `owner` has been observed or has expired. */
  satisfied(owner: string, nowMs: number): boolean {
    for (const e of this.byObject.values()) {
      if (e.owner === owner && nowMs - e.atMs <= EXPECTATIONS_TIMEOUT_MS) return false;
    }
    return true;
  }

  /** When the oldest unobserved write of `owner` expires, or undefined. */
  expiresAt(owner: string): number | undefined {
    let min: number | undefined;
    for (const e of this.byObject.values()) {
      if (e.owner === owner && (min === undefined || e.atMs < min)) min = e.atMs;
    }
    return min === undefined ? undefined : min + EXPECTATIONS_TIMEOUT_MS + 1;
  }

  /** Drops everything recorded for `owner` (its object is gone). */
  forget(owner: string): void {
    for (const [k, e] of [...this.byObject]) if (e.owner === owner) this.byObject.delete(k);
  }
}
