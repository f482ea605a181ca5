import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setup, type AnyActorLogic } from 'xstate';
import type { Pod } from '../../src/api/objects.ts';
import { Cluster } from '../../src/sim/cluster.ts';
import { Simulation, ADMIN_TOKEN } from '../../src/sim/simulation.ts';
import { toJsonLine } from '../../src/sim/trace.ts';
import type { ApiPort } from '../../machines/client/port.ts';
import type { ApiResponse } from '../../machines/client/protocol.ts';

function pod(name: string, image: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image }] } } as unknown as Pod;
}

const createPod = (name: string, image: string) => ({ verb: 'create' as const, group: '', version: 'v1', resource: 'pods', namespace: 'default', body: pod(name, image), token: ADMIN_TOKEN });

/** A warm one-node cluster in hold mode. */
function held(seed = 1): Cluster {
  const c = new Cluster({ seed, kubeProxy: false, nodes: [{ name: 'worker-1' }] });
  c.sim.runUntilQuiet(500, 30_000);
  c.sim.hold();
  return c;
}

/** Delivers until no request waits, always taking the first channel, with timers only when nothing waits. */
function drain(sim: Simulation, untilMs: number): void {
  for (let i = 0; i < 100_000; i++) {
    const choices = sim.pendingChoices();
    if (choices.length > 0) {
      sim.deliverNext(choices[0]!.channel);
      continue;
    }
    const next = sim.clock.peekTime();
    if (next === undefined || next > untilMs) return;
    sim.step();
  }
  throw new Error('no end');
}

describe('hold mode (exhaustive exploration)', () => {
  it('is off by default: the network times every message', () => {
    const c = new Cluster({ seed: 1, kubeProxy: false, nodes: [{ name: 'worker-1' }] });
    expect(c.sim.network.mode()).toBe('timed');
    c.sim.runFor(5000);
    expect(c.sim.pendingChoices()).toEqual([]);
    expect(c.sim.network.heldCount()).toBe(0);
  });

  it('holds requests to kube-apiserver per channel until chosen; time passing does not deliver them', () => {
    const c = held();
    const t0 = c.sim.now();
    const answers: ApiResponse[] = [];
    c.sim.clientRequest(createPod('a', 'nginx:1.27'), (r) => answers.push(r));
    c.sim.clientRequest(createPod('b', 'nginx:1.27'), (r) => answers.push(r));
    expect(c.sim.pendingChoices()).toEqual([{ channel: 'client>kube-apiserver', from: 'client', to: 'kube-apiserver', what: 'POST /api/v1/namespaces/default/pods', kind: 'request', queued: 2 }]);
    c.sim.runFor(1000);
    expect(c.pod('default', 'a')).toBeUndefined();
    expect(c.sim.pendingChoices().find((p) => p.channel === 'client>kube-apiserver')?.queued).toBe(2);
    const before = c.sim.now();
    expect(c.sim.deliverNext('client>kube-apiserver')).toBe(true);
    // Served at once, and everything it caused at this instant ran: the answer reached the client,
    // the watch event reached the scheduler, whose binding now waits for a choice.
    expect(c.sim.now()).toBe(before);
    expect(c.pod('default', 'a')).toBeDefined();
    expect(answers.map((r) => r.code)).toEqual([201]);
    const choices = c.sim.pendingChoices().map((p) => `${p.channel} ${p.what} x${p.queued}`);
    expect(choices).toContain('client>kube-apiserver POST /api/v1/namespaces/default/pods x1');
    expect(choices).toContain('kube-scheduler>kube-apiserver POST /api/v1/namespaces/default/pods/a/binding x1');
    expect(c.sim.deliverNext('nobody>kube-apiserver')).toBe(false);
    drain(c.sim, before + 60_000);
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
    expect(c.pod('default', 'b')?.status?.phase).toBe('Running');
    expect(c.sim.now()).toBeGreaterThan(t0);
  });

  it('the order of deliveries is the choice: different orders, different outcomes; the same order, the same trace', () => {
    const run = (first: 'alice' | 'bob') => {
      const c = held(7);
      const h = createHash('sha256');
      c.sim.trace$.subscribe((e) => h.update(toJsonLine(e) + '\n'));
      c.sim.clientRequest(createPod('x', 'nginx:1.27'), undefined, 'alice');
      c.sim.clientRequest(createPod('x', 'busybox:1.36'), undefined, 'bob');
      expect(c.sim.pendingChoices().map((p) => p.channel)).toEqual(['alice>kube-apiserver', 'bob>kube-apiserver']);
      c.sim.deliverNext(`${first}>kube-apiserver`);
      drain(c.sim, c.sim.now() + 30_000);
      return { image: c.pod('default', 'x')!.spec.containers[0]!.image, hash: h.digest('hex') };
    };
    const a = run('alice');
    const b = run('bob');
    expect(a.image).toBe('nginx:1.27');
    expect(b.image).toBe('busybox:1.36');
    expect(run('alice').hash).toBe(a.hash);
    expect(a.hash).not.toBe(b.hash);
  });

  it('a custom hold predicate chooses what waits; releasing sends everything held with the usual latency', () => {
    const c = new Cluster({ seed: 2, kubeProxy: false, nodes: [{ name: 'worker-1' }] });
    c.sim.runUntilQuiet(500, 30_000);
    c.sim.hold((from) => from === 'client');
    c.sim.clientRequest(createPod('a', 'nginx:1.27'));
    c.sim.runFor(10_000);
    // Heartbeats flowed (not held); only the client's request waits.
    expect(c.sim.pendingChoices().map((p) => p.channel)).toEqual(['client>kube-apiserver']);
    c.sim.releaseHeld();
    expect(c.sim.network.mode()).toBe('timed');
    expect(c.sim.pendingChoices()).toEqual([]);
    c.sim.runFor(30_000);
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
  });

  it('request and watch ids are per component, so they do not depend on what others did before', () => {
    const recorder = setup({ types: { context: {} as { ids: string[] }, input: {} as { port: ApiPort } } }).createMachine({
      context: ({ input }) => ({
        ids: [
          input.port.request({ verb: 'list', group: '', version: 'v1', resource: 'namespaces' }, 'list'),
          input.port.watch({ verb: 'watch', group: '', version: 'v1', resource: 'namespaces' }, 'watch'),
          input.port.request({ verb: 'list', group: '', version: 'v1', resource: 'namespaces' }, 'list'),
        ],
      }),
    });
    const idsOf = (sim: Simulation, name: string) => (sim.component(name)!.getSnapshot() as { context: { ids: string[] } }).context.ids;
    const quiet = new Simulation({ seed: 1 });
    quiet.addComponent('observer', recorder as AnyActorLogic);
    const busy = new Simulation({ seed: 1 });
    busy.addComponent('other', recorder as AnyActorLogic);
    busy.clientRequest(createPod('a', 'nginx:1.27'));
    busy.runFor(100);
    busy.addComponent('observer', recorder as AnyActorLogic);
    expect(idsOf(quiet, 'observer')).toEqual(['observer#0', 'observer~w0', 'observer#1']);
    expect(idsOf(busy, 'observer')).toEqual(idsOf(quiet, 'observer'));
    // A restarted component counts from zero again, under its incarnation, so ids stay unique.
    busy.restartComponent('observer');
    expect(idsOf(busy, 'observer')).toEqual(['observer@1#0', 'observer@1~w0', 'observer@1#1']);
  });
});
