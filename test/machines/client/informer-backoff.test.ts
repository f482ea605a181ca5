import { describe, expect, it } from 'vitest';
import { Informer, REFLECTOR_BACKOFF, ReflectorBackoff } from '../../../machines/client/informer.ts';
import { RecordingPort } from '../../../machines/client/port.ts';
import type { KObject } from '../../../src/api/objects.ts';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;

describe("the reflector's re-list backoff (client-go tools/cache/reflector.go)", () => {
  it('has the values of NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)', () => {
    expect(REFLECTOR_BACKOFF).toEqual({ initialMs: 800, capMs: 30_000, resetMs: 120_000, factor: 2, jitter: 1 });
  });

  it('doubles from 800 ms, stops at the 30 s cap, and adds up to 100% jitter from the given stream', () => {
    const low = new ReflectorBackoff(0);
    expect(Array.from({ length: 9 }, (_, i) => low.next(i, (min) => min))).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000, 30_000]);
    // Jitter(d, 1.0) = d + rand[0,1) * d: at most 2d - 1 ms, so the cap's waits are [30 s, 60 s).
    const high = new ReflectorBackoff(0);
    expect(Array.from({ length: 8 }, (_, i) => high.next(i, (_min, max) => max))).toEqual([1599, 3199, 6399, 12_799, 25_599, 51_199, 59_999, 59_999]);
    const calls: Array<[number, number]> = [];
    new ReflectorBackoff(0).next(0, (min, max) => (calls.push([min, max]), min));
    expect(calls).toEqual([[0, 799]]);
  });

  it('resets after more than 2 minutes without a backoff', () => {
    const b = new ReflectorBackoff(0);
    const min = (m: number) => m;
    expect([b.next(0, min), b.next(1000, min), b.next(2000, min)]).toEqual([800, 1600, 3200]);
    expect(b.next(2000 + 120_000, min)).toBe(6400); // exactly 2 min: not yet
    expect(b.next(2000 + 240_001, min)).toBe(800);
  });

  it('an informer lists at once, then waits the backoff before every re-list (failed list, 410, closed stream)', () => {
    const port = new RecordingPort();
    const inf = new Informer('pods', PODS);
    inf.start(port);
    expect(port.requests.map((r) => r.afterMs)).toEqual([undefined]);
    const fail = () => inf.handle({ type: 'api.response', requestId: port.requests.at(-1)!.id, tag: 'informer:pods:list', code: 503, body: {} }, port);
    fail();
    fail();
    expect(port.requests.map((r) => r.afterMs)).toEqual([undefined, 800, 1600]);
    // A transport error (code 0) is a failed list too.
    inf.handle({ type: 'api.response', requestId: 'x', tag: 'informer:pods:list', code: 0, body: { reason: 'ClientConnectionLost' } }, port);
    expect(port.requests.at(-1)!.afterMs).toBe(3200);
    port.time = 10_000;
    inf.handle({ type: 'api.response', requestId: 'y', tag: 'informer:pods:list', code: 200, body: { metadata: { resourceVersion: '7' }, items: [] } }, port);
    expect(inf.synced).toBe(true);
    const watchId = port.watches.at(-1)!.id;
    const expired = { type: 'ERROR' as const, object: { kind: 'Status', code: 410, metadata: {} } as unknown as KObject };
    inf.handle({ type: 'api.watch', watchId, tag: 'informer:pods:watch', event: expired }, port);
    expect(port.requests.at(-1)!.afterMs).toBe(6400);
    expect(inf.relists).toBe(1);
    // Healthy for more than 2 minutes: the next re-list starts from 800 ms again.
    port.time = 200_000;
    inf.handle({ type: 'api.response', requestId: 'z', tag: 'informer:pods:list', code: 200, body: { metadata: { resourceVersion: '9' }, items: [] } }, port);
    inf.handle({ type: 'api.watchClosed', watchId: port.watches.at(-1)!.id, tag: 'informer:pods:watch' }, port);
    expect(port.requests.at(-1)!.afterMs).toBe(800);
  });
});
