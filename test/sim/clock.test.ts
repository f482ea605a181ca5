import { describe, expect, it } from 'vitest';
import { VirtualClock, timestamp, fromTimestamp } from '../../src/sim/clock.ts';
import { Rng, Seeds } from '../../src/sim/rng.ts';

describe('VirtualClock', () => {
  it('runs items in (time, sequence) order', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.setTimeout(() => seen.push('b@10'), 10);
    c.setTimeout(() => seen.push('a@5'), 5);
    c.setTimeout(() => seen.push('c@10'), 10);
    c.setTimeout(() => seen.push('d@0'), 0);
    while (c.step());
    expect(seen).toEqual(['d@0', 'a@5', 'b@10', 'c@10']);
    expect(c.now()).toBe(10);
  });

  it('never runs a cleared timer', () => {
    const c = new VirtualClock();
    let ran = false;
    const h = c.setTimeout(() => (ran = true), 5);
    c.clearTimeout(h);
    expect(c.pending()).toBe(0);
    expect(c.step()).toBe(false);
    expect(ran).toBe(false);
  });

  it('refuses to go backwards and clamps past schedules to now', () => {
    const c = new VirtualClock();
    c.runUntilTime(100);
    expect(() => c.advanceTo(50)).toThrow(/backwards/);
    const seen: number[] = [];
    c.at(20, () => seen.push(c.now()));
    c.step();
    expect(seen).toEqual([100]);
  });

  it('renders virtual time as RFC 3339 seconds and back', () => {
    expect(timestamp(0)).toBe('2026-01-01T00:00:00Z');
    expect(timestamp(61_999)).toBe('2026-01-01T00:01:01Z');
    expect(fromTimestamp(timestamp(5000))).toBe(5000);
  });
});

describe('seeded streams', () => {
  it('gives the same numbers for the same seed and stream', () => {
    const a = new Rng(42, 'network');
    const b = new Rng(42, 'network');
    expect(Array.from({ length: 20 }, () => a.int(0, 1000))).toEqual(Array.from({ length: 20 }, () => b.int(0, 1000)));
  });

  it('keeps streams independent: drawing from one does not shift another', () => {
    const s1 = new Seeds(7);
    const s2 = new Seeds(7);
    s1.stream('scheduler').int(0, 100);
    s1.stream('scheduler').int(0, 100);
    expect(s1.stream('network').int(0, 1e6)).toBe(s2.stream('network').int(0, 1e6));
  });

  it('differs between seeds', () => {
    const xs = (seed: number) => Array.from({ length: 10 }, ((r) => () => r.int(0, 1e9))(new Rng(seed, 'x')));
    expect(xs(1)).not.toEqual(xs(2));
  });

  it('draws integer-ratio chances at the edges exactly', () => {
    const r = new Rng(1, 'c');
    expect(r.chance(0, 10)).toBe(false);
    expect(r.chance(10, 10)).toBe(true);
  });
});
