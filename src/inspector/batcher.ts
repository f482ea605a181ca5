/**
 * Batches feed items so a busy cluster (1,000 pods starting) sends a few messages per second
 * instead of one per event: a batch leaves `intervalMs` after its first item, or at once when it
 * holds `maxItems`. The timer is injectable so tests run without real time.
 */

export interface BatchTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimer: BatchTimer = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface BatcherOptions {
  intervalMs?: number;
  maxItems?: number;
  timer?: BatchTimer;
}

export class Batcher<T> {
  private items: T[] = [];
  private handle: unknown;
  readonly intervalMs: number;
  readonly maxItems: number;
  private timer: BatchTimer;

  constructor(private readonly flushTo: (items: T[]) => void, opts: BatcherOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.maxItems = opts.maxItems ?? 500;
    if (!(this.maxItems >= 1)) throw new RangeError('maxItems must be at least 1');
    this.timer = opts.timer ?? realTimer;
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.maxItems) {
      this.flush();
      return;
    }
    if (this.handle === undefined) this.handle = this.timer.set(() => {
      this.handle = undefined;
      this.flush();
    }, this.intervalMs);
  }

  /** Sends what is pending now (nothing when empty). */
  flush(): void {
    if (this.handle !== undefined) {
      this.timer.clear(this.handle);
      this.handle = undefined;
    }
    if (this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.flushTo(batch);
  }

  /** Items waiting for the next flush. */
  get pending(): number {
    return this.items.length;
  }

  /** Drops the timer (pending items are flushed). */
  close(): void {
    this.flush();
  }
}
