/** The feed's batching (src/inspector/batcher.ts) on a hand-driven timer: no real time passes. */
import { describe, expect, it } from 'vitest';
import { Batcher, type BatchTimer } from '../../src/inspector/batcher.ts';

class ManualTimer implements BatchTimer {
  pending = new Map<number, { fn: () => void; ms: number }>();
  private next = 1;
  set(fn: () => void, ms: number): number {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clear(h: unknown): void {
    this.pending.delete(h as number);
  }
  fire(): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.fn();
  }
}

describe('the feed batcher', () => {
  it('sends nothing until the interval passes, then everything pushed meanwhile in order', () => {
    const timer = new ManualTimer();
    const out: number[][] = [];
    const b = new Batcher<number>((xs) => out.push(xs), { intervalMs: 100, maxItems: 500, timer });
    for (let i = 0; i < 10; i++) b.push(i);
    expect(out).toEqual([]);
    expect(timer.pending.size).toBe(1);
    expect([...timer.pending.values()][0]!.ms).toBe(100);
    timer.fire();
    expect(out).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(b.pending).toBe(0);
  });

  it('flushes at once when a batch is full, so 1,000 events make two messages of 500', () => {
    const timer = new ManualTimer();
    const out: number[][] = [];
    const b = new Batcher<number>((xs) => out.push(xs), { intervalMs: 100, maxItems: 500, timer });
    for (let i = 0; i < 1000; i++) b.push(i);
    expect(out.map((x) => x.length)).toEqual([500, 500]);
    expect(out.flat()).toEqual([...Array(1000).keys()]);
    expect(timer.pending.size).toBe(0);
    timer.fire();
    expect(out.length).toBe(2);
  });

  it('keeps one timer however many items arrive, and starts a new one after a flush', () => {
    const timer = new ManualTimer();
    const out: string[][] = [];
    const b = new Batcher<string>((xs) => out.push(xs), { timer });
    b.push('a');
    b.push('b');
    expect(timer.pending.size).toBe(1);
    timer.fire();
    b.push('c');
    expect(timer.pending.size).toBe(1);
    b.close();
    expect(out).toEqual([['a', 'b'], ['c']]);
    expect(timer.pending.size).toBe(0);
  });

  it('sends no empty batch', () => {
    const out: unknown[] = [];
    const b = new Batcher<number>((xs) => out.push(xs), { timer: new ManualTimer() });
    b.flush();
    b.close();
    expect(out).toEqual([]);
  });

  it('refuses a batch size below one', () => {
    expect(() => new Batcher<number>(() => {}, { maxItems: 0 })).toThrow(RangeError);
  });
});
