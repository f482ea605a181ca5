/**
 * Rate limits in virtual time, event-driven: nothing ticks while nothing waits.
 *
 * TokenBucket is client-go's flowcontrol.NewTokenBucketRateLimiter (golang.org/x/time/rate): it
 * starts full, refills at `qps` tokens per second up to `burst`, and TryAccept takes one token or
 * fails without consuming anything. A qps of 0 is flowcontrol's NeverRateLimiter.
 *
 * RateLimitedTimedQueue is pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go: a queue
 * of node names, unique by name (a name stays in the set after it was processed, until it is
 * removed), ordered by when each is due, drained by Try through the limiter. Upstream polls Try
 * every NodeEvictionPeriod (100 ms); here the caller asks `nextTryAt` for the first pass of that
 * 100 ms grid at which Try could do anything, and wakes only then. A pass where the limiter has
 * no token changes nothing upstream either, so skipping those passes is exact.
 */

/** scheduler.NodeEvictionPeriod: how often upstream runs the NoExecute tainting pass. */
export const NODE_EVICTION_PERIOD_MS = 100;
/** scheduler.EvictionRateLimiterBurst. */
export const EVICTION_RATE_LIMITER_BURST = 1;

export class TokenBucket {
  /** The rate as Go holds it (a float32 converted to float64). */
  readonly qps: number;
  private tokens: number;
  private lastMs: number;

  constructor(qps: number, readonly burst: number, nowMs: number) {
    this.qps = qps > 0 ? Math.fround(qps) : 0;
    this.tokens = qps > 0 ? burst : 0;
    this.lastMs = nowMs;
  }

  /** Tokens available at `nowMs` (never more than burst). */
  available(nowMs: number): number {
    if (this.qps <= 0) return 0;
    const elapsed = Math.max(0, nowMs - this.lastMs);
    return Math.min(this.burst, this.tokens + (elapsed / 1000) * this.qps);
  }

  /** Takes a token if one is there. */
  tryAccept(nowMs: number): boolean {
    const t = this.available(nowMs);
    if (t < 1) return false;
    this.tokens = t - 1;
    this.lastMs = Math.max(this.lastMs, nowMs);
    return true;
  }

  /** The earliest virtual time at or after `nowMs` when a token is there; undefined if never. */
  nextTokenAt(nowMs: number): number | undefined {
    if (this.qps <= 0) return undefined;
    const t = this.available(nowMs);
    if (t >= 1) return nowMs;
    // Whole milliseconds, rounded up, then checked against the bucket's own arithmetic.
    let at = nowMs + Math.ceil(((1 - t) / this.qps) * 1000);
    while (this.available(at) < 1) at++;
    return at;
  }
}

/** One queued node. */
export interface TimedValue {
  value: string;
  uid: string;
  addedAtMs: number;
  processAtMs: number;
}

/** What a Try callback answers: done, or retry after `waitMs`. */
export type TryResult = { ok: true } | { ok: false; waitMs: number };

export class RateLimitedTimedQueue {
  /** Names ever added and not removed (processed ones included: they are not added again). */
  private readonly set = new Set<string>();
  /** Names still to process, ordered by processAt then insertion (a stable heap). */
  private queue: TimedValue[] = [];
  limiter: TokenBucket;

  constructor(qps: number, nowMs: number, readonly burst = EVICTION_RATE_LIMITER_BURST) {
    this.limiter = new TokenBucket(qps, burst, nowMs);
  }

  /** UniqueQueue.Add: false when the name is already in the set. */
  add(value: string, uid: string, nowMs: number): boolean {
    if (this.set.has(value)) return false;
    this.set.add(value);
    this.insert({ value, uid, addedAtMs: nowMs, processAtMs: nowMs });
    return true;
  }

  /** UniqueQueue.Remove: out of the set and the queue; true when it was in the set. */
  remove(value: string): boolean {
    if (!this.set.has(value)) return false;
    this.set.delete(value);
    this.queue = this.queue.filter((v) => v.value !== value);
    return true;
  }

  has(value: string): boolean {
    return this.set.has(value);
  }

  /**
   * Puts a name that is still in the set back in the queue, due now: the answer to an action that
   * failed after Try had let it go (upstream's Try learns it synchronously and does the same).
   */
  retry(value: string, uid: string, nowMs: number): void {
    if (!this.set.has(value) || this.queue.some((v) => v.value === value)) return;
    this.insert({ value, uid, addedAtMs: nowMs, processAtMs: nowMs });
  }

  /** Names waiting to be processed, in order. */
  pending(): string[] {
    return this.queue.map((v) => v.value);
  }

  head(): TimedValue | undefined {
    return this.queue[0];
  }

  /**
   * RateLimitedTimedQueue.Try: while the head exists and the limiter gives a token, process it if
   * due (a token is spent even when it is not, as upstream does); `fn` failing puts it back at
   * now + wait + 1 ns (1 ms here); succeeding removes it from the queue but keeps it in the set.
   */
  try(nowMs: number, fn: (v: TimedValue) => TryResult): void {
    let v = this.head();
    while (v) {
      if (!this.limiter.tryAccept(nowMs)) break;
      if (nowMs < v.processAtMs) break;
      const r = fn(v);
      this.queue = this.queue.filter((x) => x !== v);
      if (!r.ok) this.insert({ ...v, processAtMs: nowMs + r.waitMs + 1 });
      v = this.head();
    }
  }

  /**
   * The first pass of the NodeEvictionPeriod grid (passes at gridStartMs + k * 100 ms) at or after
   * `nowMs` where Try can act: the queue is not empty and the limiter has a token. Undefined when
   * nothing waits or the limiter never gives one (qps 0).
   */
  nextTryAt(nowMs: number, gridStartMs: number): number | undefined {
    if (this.queue.length === 0) return undefined;
    const token = this.limiter.nextTokenAt(nowMs);
    if (token === undefined) return undefined;
    return onGrid(token, gridStartMs, NODE_EVICTION_PERIOD_MS);
  }

  /**
   * SwapLimiter: a new bucket at `qps` (a never-limiter at 0); when the old one has no token left,
   * the new one starts drained (upstream's rule for burst 1). Same qps: nothing changes.
   */
  swapLimiter(qps: number, nowMs: number): void {
    if (Math.fround(qps) === this.limiter.qps || (qps <= 0 && this.limiter.qps <= 0)) return;
    const next = new TokenBucket(qps, this.burst, nowMs);
    if (qps > 0 && !this.limiter.tryAccept(nowMs)) next.tryAccept(nowMs);
    this.limiter = next;
  }

  private insert(v: TimedValue): void {
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.processAtMs > v.processAtMs) i--;
    this.queue.splice(i, 0, v);
  }
}

/** The first time of the grid start + k * period (k >= 0) at or after `t`. */
export function onGrid(t: number, gridStartMs: number, periodMs: number): number {
  if (t <= gridStartMs) return gridStartMs;
  return gridStartMs + Math.ceil((t - gridStartMs) / periodMs) * periodMs;
}
