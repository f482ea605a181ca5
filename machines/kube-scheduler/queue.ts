/**
 * The scheduling queue (pkg/scheduler/internal/queue): activeQ ordered by priority then arrival,
 * a backoff per pod (1 s doubling to 10 s), and the unschedulable pods that wait for a cluster
 * event or 5 minutes. Plain data with pure-ish operations; the scheduler machine owns one.
 */

export const POD_INITIAL_BACKOFF_MS = 1000;
export const POD_MAX_BACKOFF_MS = 10_000;
export const POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;

interface Entry { key: string; priority: number; seq: number }

export class SchedulingQueue {
  private active: Entry[] = [];
  private inActive = new Set<string>();
  private seq = 0;
  /** key -> failed attempts so far. */
  readonly attempts = new Map<string, number>();
  /** key -> virtual time the backoff ends. */
  readonly backoffUntil = new Map<string, number>();
  /** Parked pods a cluster event may have made schedulable: they move once their backoff ends. */
  readonly moveRequested = new Set<string>();
  /** key -> virtual time it became unschedulable. */
  readonly unschedulable = new Map<string, number>();

  size(): number {
    return this.active.length;
  }

  waiting(): number {
    return this.unschedulable.size;
  }

  has(key: string): boolean {
    return this.inActive.has(key) || this.unschedulable.has(key);
  }

  add(key: string, priority: number): void {
    if (this.inActive.has(key)) return;
    this.unschedulable.delete(key);
    this.inActive.add(key);
    const e = { key, priority, seq: this.seq++ };
    // Insert keeping (higher priority, earlier arrival) first: PrioritySort.
    let i = this.active.length;
    while (i > 0 && (this.active[i - 1]!.priority < priority)) i--;
    this.active.splice(i, 0, e);
  }

  /** A cluster event (node added or changed, pod deleted): every parked pod may fit now. */
  clusterEvent(): void {
    for (const key of this.unschedulable.keys()) this.moveRequested.add(key);
  }

  pop(): string | undefined {
    const e = this.active.shift();
    if (e) this.inActive.delete(e.key);
    return e?.key;
  }

  remove(key: string): void {
    if (this.inActive.delete(key)) this.active = this.active.filter((e) => e.key !== key);
    this.unschedulable.delete(key);
    this.moveRequested.delete(key);
    this.attempts.delete(key);
    this.backoffUntil.delete(key);
  }

  /** A failed attempt: back off 1 s, 2 s, 4 s, 8 s, then 10 s, and park the pod. */
  failed(key: string, now: number): number {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const backoff = Math.min(POD_INITIAL_BACKOFF_MS * 2 ** (n - 1), POD_MAX_BACKOFF_MS);
    this.backoffUntil.set(key, now + backoff);
    this.unschedulable.set(key, now);
    return backoff;
  }

  /**
   * Moves parked pods back: on a cluster event every pod whose backoff is over; without one, only
   * those parked longer than 5 minutes. Returns the keys moved.
   */
  flush(now: number, priorityOf: (key: string) => number): string[] {
    const moved: string[] = [];
    for (const [key, since] of [...this.unschedulable]) {
      const backoffOver = (this.backoffUntil.get(key) ?? 0) <= now;
      if ((this.moveRequested.has(key) && backoffOver) || now - since >= POD_MAX_IN_UNSCHEDULABLE_MS) {
        this.unschedulable.delete(key);
        this.moveRequested.delete(key);
        this.add(key, priorityOf(key));
        moved.push(key);
      }
    }
    return moved;
  }
}
