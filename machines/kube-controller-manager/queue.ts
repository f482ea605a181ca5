/**
 * A controller work queue in the manner of client-go's workqueue: a key is queued at most once,
 * a key being worked on (requests in flight) is never handed out twice but is remembered as dirty
 * and handed out again when its requests come back, and keys can be re-added at a later virtual
 * time (rate-limited retries, periodic checks). Iteration follows insertion order, so the order
 * of work is a pure function of the order of events.
 */

/** First retry delay; doubles per consecutive failure of the same key. */
export const RETRY_BASE_MS = 1000;
/** Retry delays stop doubling here. */
export const RETRY_MAX_MS = 60_000;

/**
 * workqueue.DefaultControllerRateLimiter, which AddRateLimited uses: the larger of a per-key
 * exponential delay (5 ms doubling to 1000 s, reset by Forget) and an overall token bucket of
 * 10 per second with a burst of 100 (rate.Limiter.Reserve: a token may be taken ahead, the caller
 * waits for it).
 */
export const RATE_LIMIT_BASE_MS = 5;
export const RATE_LIMIT_MAX_MS = 1_000_000;
export const RATE_LIMIT_QPS = 10;
export const RATE_LIMIT_BURST = 100;

export class WorkQueue {
  private ready = new Set<string>();
  private limited = new Map<string, number>();
  private bucket: { tokens: number; atMs: number } | undefined;
  private later = new Map<string, number>();
  private busy = new Map<string, number>();
  private dirty = new Set<string>();
  private failures = new Map<string, number>();

  /** Queues a key now (or marks it dirty while it has requests in flight). */
  add(key: string): void {
    if (this.busy.has(key)) this.dirty.add(key);
    else this.ready.add(key);
  }

  /** Queues a key at virtual time `atMs`; an earlier pending time wins. */
  addAfter(key: string, atMs: number): void {
    const current = this.later.get(key);
    if (current === undefined || atMs < current) this.later.set(key, atMs);
  }

  /** Re-queues a key after a failure with per-key exponential backoff. Returns the delay. */
  retry(key: string, nowMs: number): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delayMs = Math.min(RETRY_BASE_MS * 2 ** (n - 1), RETRY_MAX_MS);
    this.addAfter(key, nowMs + delayMs);
    return delayMs;
  }

  /** AddRateLimited: queues the key after DefaultControllerRateLimiter's delay. Returns the delay. */
  addRateLimited(key: string, nowMs: number): number {
    const n = this.limited.get(key) ?? 0;
    this.limited.set(key, n + 1);
    const perItem = Math.min(RATE_LIMIT_BASE_MS * 2 ** n, RATE_LIMIT_MAX_MS);
    const b = this.bucket ?? { tokens: RATE_LIMIT_BURST, atMs: nowMs };
    const tokens = Math.min(RATE_LIMIT_BURST, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * RATE_LIMIT_QPS) - 1;
    this.bucket = { tokens, atMs: Math.max(nowMs, b.atMs) };
    const overall = tokens >= 0 ? 0 : Math.ceil((-tokens / RATE_LIMIT_QPS) * 1000);
    const delayMs = Math.max(perItem, overall);
    this.addAfter(key, nowMs + delayMs);
    return delayMs;
  }

  /** Resets a key's backoff (its last sync converged). */
  forget(key: string): void {
    this.failures.delete(key);
    this.limited.delete(key);
  }

  /** The next key to work on, or undefined. */
  pop(): string | undefined {
    for (const key of this.ready) {
      this.ready.delete(key);
      return key;
    }
    return undefined;
  }

  /** Moves every key due at or before `nowMs` to the ready set, earliest first. */
  promoteDue(nowMs: number): void {
    const due = [...this.later].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1]);
    for (const [key] of due) {
      this.later.delete(key);
      this.add(key);
    }
  }

  /** The earliest virtual time a delayed key is due, or undefined. */
  nextDueAt(): number | undefined {
    let min: number | undefined;
    for (const at of this.later.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  /** A request for this key went out. */
  begin(key: string): void {
    this.busy.set(key, (this.busy.get(key) ?? 0) + 1);
  }

  /** A request for this key came back; the key is re-queued if it was touched meanwhile. */
  end(key: string): void {
    const n = (this.busy.get(key) ?? 0) - 1;
    if (n > 0) {
      this.busy.set(key, n);
      return;
    }
    this.busy.delete(key);
    if (this.dirty.delete(key)) this.ready.add(key);
  }

  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  hasReady(): boolean {
    return this.ready.size > 0;
  }

  hasDelayed(): boolean {
    return this.later.size > 0;
  }

  /** Keys ready now, in order (for tests and inspection). */
  readyKeys(): string[] {
    return [...this.ready];
  }
}
