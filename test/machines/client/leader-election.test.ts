/**
 * Leader election against client-go's LeaderElector rules: acquire (create, or take over an
 * expired Lease), renew every 2 s on the fast path, lose the Lease when a renewal round cannot
 * succeed within the 10 s renew deadline, wait out another holder's 15 s from when it was seen.
 */
import { describe, expect, it } from 'vitest';
import { createActor, sendTo, setup, type AnyActorRef } from 'xstate';
import type { KObject } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';
import { leaderElectionMachine, type LeaseSpec } from '../../../machines/client/leader-election.ts';
import { ClockedPort, type Sent } from '../kube-controller-manager/harness.ts';

type Lease = KObject & { spec: LeaseSpec };

class Elector {
  readonly clock = new VirtualClock();
  readonly port = new ClockedPort(this.clock);
  readonly heard: Array<{ type: string; at: number }> = [];
  readonly root: AnyActorRef;
  private rv = 10;
  private seen = 0;

  constructor() {
    const heard = this.heard;
    const clock = this.clock;
    const parent = setup({ actors: { le: leaderElectionMachine } }).createMachine({
      invoke: { id: 'le', src: 'le', input: () => ({ port: this.port, lease: 'kube-scheduler', component: 'default-scheduler', hostname: 'control-plane' }) },
      on: {
        'leader.*': { actions: ({ event }) => heard.push({ type: event.type, at: clock.now() }) },
        'api.*': { actions: sendTo('le', ({ event }) => event) },
      },
    });
    this.root = createActor(parent, { clock: this.clock });
    this.root.start();
  }

  /** Lease requests sent since the last call (Events left out). */
  sent(): Sent[] {
    const out = this.port.requests.slice(this.seen).filter((r) => r.req.resource === 'leases');
    this.seen = this.port.requests.length;
    return out;
  }

  last(): Sent {
    return [...this.port.requests].reverse().find((r) => r.req.resource === 'leases')!;
  }

  respond(s: Sent, code: number, body: unknown): void {
    this.root.send({ type: 'api.response', requestId: s.id, tag: s.tag, code, body });
  }

  /** Answers the latest Lease request as the API server would, the stored Lease being `stored`. */
  serve(stored: Lease | undefined, s: Sent = this.last()): Lease | undefined {
    const req = s.req;
    if (req.verb === 'get') {
      if (!stored) this.respond(s, 404, { kind: 'Status', code: 404, reason: 'NotFound' });
      else this.respond(s, 200, stored);
      return stored;
    }
    const body = req.body as Lease;
    if (req.verb === 'update' && stored && body.metadata.resourceVersion !== stored.metadata.resourceVersion) {
      this.respond(s, 409, { kind: 'Status', code: 409, reason: 'Conflict' });
      return stored;
    }
    const next = { ...body, metadata: { ...body.metadata, uid: 'u1', resourceVersion: String(++this.rv) } };
    this.respond(s, req.verb === 'create' ? 201 : 200, next);
    return next;
  }

  advance(ms: number): void {
    this.clock.runUntilTime(this.clock.now() + ms);
  }

  /** Runs timers up to `t`, answering every Lease request at once from `stored` (updated as written). */
  runServing(t: number, stored: Lease | undefined, answer: (s: Sent) => number | undefined = () => undefined): Lease | undefined {
    let cur = stored;
    for (;;) {
      for (let batch = this.sent(); batch.length > 0; batch = this.sent()) {
        for (const s of batch) {
          const code = answer(s);
          if (code !== undefined) this.respond(s, code, { kind: 'Status', code });
          else cur = this.serve(cur, s);
        }
      }
      const next = this.clock.peekTime();
      if (next === undefined || next > t) break;
      this.clock.step();
    }
    this.clock.advanceTo(t);
    return cur;
  }

  state(): string {
    return JSON.stringify(this.root.getSnapshot().children.le!.getSnapshot().value);
  }
}

function otherHolder(rv: string): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system', resourceVersion: rv, uid: 'u1' },
    spec: { holderIdentity: 'control-plane_old', leaseDurationSeconds: 15, acquireTime: '2026-01-01T00:00:00.000000Z', renewTime: '2026-01-01T00:00:00.000000Z', leaseTransitions: 3 },
  } as Lease;
}

describe('leader election (client-go LeaderElector, Lease lock)', () => {
  it('creates the Lease when there is none and leads, with a fresh <hostname>_<uuid> identity', () => {
    const e = new Elector();
    expect(e.sent().map((s) => `${s.req.verb} ${s.req.namespace}/${s.req.name ?? ''}`)).toEqual(['get kube-system/kube-scheduler']);
    e.serve(undefined);
    const create = e.last();
    expect(create.req.verb).toBe('create');
    const spec = (create.req.body as Lease).spec;
    expect(spec.holderIdentity).toMatch(/^control-plane_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(spec).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(spec.acquireTime).toBe(spec.renewTime);
    e.serve(undefined);
    expect(e.heard).toEqual([{ type: 'leader.elected', at: 0 }]);
    expect(e.state()).toBe('{"leading":"holding"}');
  });

  it('renews every 2 s on the fast path: an update carrying the resourceVersion it wrote, no GET', () => {
    const e = new Elector();
    let stored = e.runServing(0, undefined);
    e.sent();
    stored = e.runServing(6_000, stored);
    const writes = e.port.requests.filter((r) => r.req.resource === 'leases').slice(2);
    expect(writes.map((w) => w.req.verb)).toEqual(['update', 'update', 'update']);
    expect(stored!.spec.leaseTransitions).toBe(0);
    expect(stored!.spec.renewTime).not.toBe(stored!.spec.acquireTime);
    expect(e.heard.map((h) => h.type)).toEqual(['leader.elected']);
  });

  it('waits out another holder for 15 s from when it first saw the record, retrying every 2-4.4 s, then takes over (one more transition)', () => {
    const e = new Elector();
    const held = otherHolder('5');
    e.serve(held); // the first GET: held, just seen
    const tries: number[] = [0];
    let stored: Lease | undefined = held;
    for (;;) {
      const next = e.clock.peekTime()!;
      e.clock.step();
      const s = e.sent();
      if (s.length === 0) continue;
      tries.push(next);
      stored = e.serve(stored);
      if (e.last().req.verb === 'update') {
        stored = e.serve(stored);
        break;
      }
    }
    const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(2_000);
      expect(g).toBeLessThan(4_400);
    }
    expect(tries[tries.length - 1]).toBeGreaterThanOrEqual(15_000);
    expect(tries[tries.length - 2]).toBeLessThan(15_000);
    expect(stored!.spec.holderIdentity).not.toBe('control-plane_old');
    expect(stored!.spec.leaseTransitions).toBe(4);
    expect(e.heard).toEqual([{ type: 'leader.elected', at: tries[tries.length - 1] }]);
  });

  it('a holder that keeps renewing is never taken over', () => {
    const e = new Elector();
    let held = otherHolder('5');
    e.serve(held);
    for (let t = 2_000; t <= 60_000; t += 1_000) {
      held = { ...held, metadata: { ...held.metadata, resourceVersion: String(t) }, spec: { ...held.spec, renewTime: `renewed at ${t}` } };
      e.runServing(t, held);
    }
    expect(e.heard).toEqual([]);
    expect(e.port.requests.filter((r) => r.req.resource === 'leases').every((r) => r.req.verb === 'get')).toBe(true);
  });

  it('loses the Lease when no renewal succeeds within the 10 s renew deadline, and tells its parent once', () => {
    const e = new Elector();
    let stored = e.runServing(0, undefined);
    stored = e.runServing(5_000, stored);
    const roundStart = 6_000; // rounds begin 2 s after the last success, at 2, 4, 6 s
    // From here every Lease request fails with 503 (the fast path falls back to a GET, which fails too).
    e.runServing(roundStart + 9_999, stored, () => 503);
    expect(e.heard.map((h) => h.type)).toEqual(['leader.elected']);
    e.runServing(roundStart + 30_000, stored, () => 503);
    expect(e.heard).toEqual([{ type: 'leader.elected', at: 0 }, { type: 'leader.lost', at: roundStart + 10_000 }]);
    expect(e.state()).toBe('"lost"');
  });

  it('keeps the Lease through failures shorter than the deadline', () => {
    const e = new Elector();
    let stored = e.runServing(0, undefined);
    stored = e.runServing(6_000, stored);
    // Failing for 7 s: the round from 8 s tries at 8, 10 and 12 s in vain, then succeeds at 14 s (deadline 18 s).
    let failing = true;
    stored = e.runServing(13_000, stored, () => (failing ? 503 : undefined));
    failing = false;
    stored = e.runServing(40_000, stored);
    expect(e.heard.map((h) => h.type)).toEqual(['leader.elected']);
    expect(e.state()).toBe('{"leading":"holding"}');
  });

  it('a request that gets no answer fails after the 10 s client timeout', () => {
    const e = new Elector();
    e.sent();
    e.advance(9_999);
    expect(e.sent()).toEqual([]);
    e.advance(1);
    expect(e.state()).toBe('{"acquiring":"waiting"}');
    e.runServing(20_000, undefined);
    expect(e.heard.map((h) => h.type)).toEqual(['leader.elected']);
  });

  it('when another candidate took the Lease (a conflict on the fast path), it reads the new holder and loses at the deadline', () => {
    const e = new Elector();
    let stored = e.runServing(0, undefined);
    stored = e.runServing(1_000, stored);
    const thief = { ...otherHolder('999'), spec: { ...otherHolder('999').spec, holderIdentity: 'control-plane_thief' } };
    e.runServing(30_000, thief);
    expect(e.heard.map((h) => h.type)).toEqual(['leader.elected', 'leader.lost']);
    expect(e.heard[1]!.at).toBe(12_000);
  });
});
