/**
 * The virtual clock: one queue ordered by (virtual time, sequence). It implements XState's
 * `Clock` (setTimeout/clearTimeout) so machine timers run in virtual time, and it is the only
 * source of time in a simulation. Nothing here ever looks at the wall clock.
 */
/** XState's Clock port (xstate/src/system.ts), restated because the package does not export it. */
export interface Clock {
  setTimeout: (fn: (...args: any[]) => void, timeout: number) => any;
  clearTimeout(id: any): void;
}

interface Item {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private heap: Item[] = [];
  private seq = 0;
  private nowMs = 0;
  private live = 0;
  /** Items executed so far; a bound against runaway loops. */
  steps = 0;

  /** Virtual milliseconds since the simulation began. */
  now(): number {
    return this.nowMs;
  }

  /** Pending (not cancelled) items in the queue. */
  pending(): number {
    return this.live;
  }

  /**
   * Schedules fn at now + delayMs (never in the past). Returns a handle for clearTimeout. A
   * property rather than a method so the only `setTimeout` in the runtime is this virtual one.
   */
  readonly setTimeout = (fn: (...args: unknown[]) => void, delayMs: number): Item => {
    const d = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    return this.at(this.nowMs + d, fn as () => void);
  };

  clearTimeout(handle: unknown): void {
    const item = handle as Item | undefined;
    if (item && !item.cancelled) {
      item.cancelled = true;
      this.live--;
    }
  }

  /** Schedules fn at an absolute virtual time (clamped to now: the clock never goes backwards). */
  at(atMs: number, fn: () => void): Item {
    const item: Item = { at: Math.max(atMs, this.nowMs), seq: this.seq++, fn, cancelled: false };
    this.push(item);
    this.live++;
    return item;
  }

  /** The virtual time of the next pending item, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /** Runs the next pending item. Returns false when the queue is empty. */
  step(): boolean {
    this.dropCancelled();
    const item = this.pop();
    if (!item) return false;
    this.live--;
    item.cancelled = true;
    this.nowMs = item.at;
    this.steps++;
    item.fn();
    return true;
  }

  /** Advances virtual time to `t` without running anything (used when the queue is empty or later). */
  advanceTo(t: number): void {
    if (t < this.nowMs) throw new Error(`virtual clock cannot go backwards (${t} < ${this.nowMs})`);
    const next = this.peekTime();
    if (next !== undefined && next < t) throw new Error('advanceTo would skip pending items');
    this.nowMs = t;
  }

  /** Runs every item due at or before `t` (calling `afterEach` after each), then sets the clock to `t`. */
  runUntilTime(t: number, afterEach?: () => void): void {
    for (;;) {
      const next = this.peekTime();
      if (next === undefined || next > t) break;
      this.step();
      afterEach?.();
    }
    if (t > this.nowMs) this.nowMs = t;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
  }

  private less(a: Item, b: Item): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(item: Item): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Item | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

export { DEFAULT_EPOCH_MS, setEpoch, epoch, timestamp, fromTimestamp } from '../api/time.ts';
