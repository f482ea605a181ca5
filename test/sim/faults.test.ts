import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KObject, Pod } from '../../src/api/objects.ts';
import { Cluster } from '../../src/sim/cluster.ts';
import { FaultPlan, whoMatches } from '../../src/sim/fault-plan.ts';
import { applyFaultPlan, type FaultPlanInput } from '../../src/sim/faults.ts';
import type { RequestServed, WatchDelivery } from '../../src/sim/probe.ts';
import { CONNECTION_LOSS_DETECT_MS } from '../../src/sim/simulation.ts';
import { toJsonLine, type FaultEvent, type MessageEvent, type NoteEvent, type RequestEvent, type TraceEvent } from '../../src/sim/trace.ts';
import type { ApiResponse } from '../../machines/client/protocol.ts';

function cluster(seed = 1, nodes = ['worker-1']): Cluster {
  return new Cluster({ seed, kubeProxy: false, nodes: nodes.map((name) => ({ name })) });
}

function pod(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } as unknown as Pod;
}

function replicaSet(name: string, replicas: number): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  } as unknown as KObject;
}

const createPod = (name: string) => ({ verb: 'create' as const, group: '', version: 'v1', resource: 'pods', namespace: 'default', body: pod(name), token: 'kubelife-admin-token' });

function applyAt(c: Cluster, ms: number, objs: KObject[]): void {
  c.sim.clock.at(ms, () => c.apply(objs));
}

const of = <K extends TraceEvent['kind']>(c: Cluster, kind: K) => c.sim.trace().filter((e) => e.kind === kind) as Array<Extract<TraceEvent, { kind: K }>>;
const faults = (c: Cluster) => of(c, 'fault') as FaultEvent[];
const notes = (c: Cluster, actor: string) => (of(c, 'note') as NoteEvent[]).filter((n) => n.actor === actor);

describe('fault plans: each fault kind does what it says, in virtual time', () => {
  it('validates plans and matches components by name or trailing glob', () => {
    expect(() => FaultPlan.parse({ faults: [{ kind: 'drop', from: 'a', to: 'b', at: '1s', ratio: [3, 2] }] })).toThrow();
    expect(FaultPlan.parse({ faults: [{ kind: 'delay', from: 'a', to: 'b', at: 1, extraMs: { min: 1, max: 2 } }] }).faults[0]).toMatchObject({ ratio: [1, 1] });
    expect(whoMatches('kubelet/*')('kubelet/worker-1')).toBe(true);
    expect(whoMatches('kubelet/*')('kube-proxy/worker-1')).toBe(false);
    expect(whoMatches('kube-scheduler')('kube-scheduler')).toBe(true);
    expect(whoMatches('*')('client')).toBe(true);
  });

  it('delay: matching messages arrive later, still in order on their channel; the window shows in the trace', () => {
    const c = cluster();
    applyFaultPlan(c, { faults: [{ kind: 'delay', from: 'kube-apiserver', to: 'kube-scheduler', at: '5s', for: '30s', extraMs: { min: 2000, max: 3000 } }] });
    applyAt(c, 10_000, [pod('a'), pod('b'), pod('c')]);
    c.sim.runFor(60_000);
    expect(faults(c).map((f) => [f.t, f.fault, f.action])).toEqual([[5000, 'delay', 'start'], [35_000, 'delay', 'end']]);
    const sent = new Map<number, number>();
    const toScheduler = (of(c, 'send') as MessageEvent[]).filter((m) => m.from === 'kube-apiserver' && m.to === 'kube-scheduler');
    for (const m of toScheduler) sent.set(m.msg, m.t);
    const delivered = (of(c, 'deliver') as MessageEvent[]).filter((m) => sent.has(m.msg));
    const inWindow = delivered.filter((m) => sent.get(m.msg)! >= 5000 && sent.get(m.msg)! < 35_000);
    expect(inWindow.length).toBeGreaterThanOrEqual(3);
    for (const m of inWindow) expect(m.t - sent.get(m.msg)!).toBeGreaterThanOrEqual(2000);
    for (const m of delivered.filter((d) => sent.get(d.msg)! >= 35_000)) expect(m.t - sent.get(m.msg)!).toBeLessThanOrEqual(4);
    // FIFO per channel: delivered in the order sent.
    const ids = delivered.map((m) => m.msg);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(c.pods('default').every((p) => p.spec.nodeName === 'worker-1')).toBe(true);
  });

  it('drop of a request: lost, and the sender sees a transport error after the detection delay, then retries', () => {
    const c = cluster();
    applyFaultPlan(c, { detectAfter: '10s', faults: [{ kind: 'drop', from: 'kube-scheduler', to: 'kube-apiserver', at: '10s', for: '5s', ratio: [1, 1] }] });
    applyAt(c, 10_000, [pod('a')]);
    c.sim.runFor(19_000);
    expect(c.pod('default', 'a')?.spec.nodeName).toBeUndefined();
    const dropped = (of(c, 'drop') as MessageEvent[]).find((m) => m.what.endsWith('/pods/a/binding'))!;
    expect(dropped.from).toBe('kube-scheduler');
    c.sim.runFor(50_000);
    const lost = notes(c, 'kube-scheduler').find((n) => n.text.startsWith('connection lost: POST /api/v1/namespaces/default/pods/a/binding'))!;
    expect(lost.t).toBe(dropped.t + 10_000);
    expect(notes(c, 'kube-scheduler').some((n) => n.t === lost.t && /binding default\/a failed \(0\)/.test(n.text))).toBe(true);
    expect(c.pod('default', 'a')?.spec.nodeName).toBe('worker-1');
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
  });

  it('drop of a response: the write is applied, the client only learns of a lost connection (45 s by default)', () => {
    const c = cluster();
    applyFaultPlan(c, { faults: [{ kind: 'drop', from: 'kube-apiserver', to: 'client', at: '1s', for: '10s', ratio: [1, 1] }] });
    c.sim.runFor(2000);
    const answers: Array<{ t: number; r: ApiResponse }> = [];
    c.sim.clientRequest(createPod('p'), (r) => answers.push({ t: c.sim.now(), r }));
    c.sim.runFor(1000);
    expect(c.pod('default', 'p')).toBeDefined();
    expect(answers).toEqual([]);
    c.sim.runFor(CONNECTION_LOSS_DETECT_MS);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.r.code).toBe(0);
    expect(answers[0]!.r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'ClientConnectionLost', code: 0 });
    const served = (of(c, 'request') as RequestEvent[]).find((r) => r.verb === 'create' && r.path === '/api/v1/namespaces/default/pods')!;
    expect(answers[0]!.t - served.t).toBe(CONNECTION_LOSS_DETECT_MS);
  });

  it('drop of a watch event cuts the stream: nothing more arrives on it, the component hears watchClosed later and re-lists', () => {
    const c = cluster();
    const delivered: WatchDelivery[] = [];
    const closed: Array<{ component: string; watchId: string; at: number }> = [];
    c.sim.probe = { onWatchDelivered: (d) => delivered.push(d), onWatchClosed: (d) => closed.push(d) };
    // Between the scheduler's leader-election renewals (every 2 s, the last at about 10.05 s): a
    // dropped renewal answer would cost it its Lease and restart it, which is another test.
    applyFaultPlan(c, { faults: [{ kind: 'drop', from: 'kube-apiserver', to: 'kube-scheduler', at: '10500ms', for: '500ms', ratio: [1, 1] }] });
    applyAt(c, 10_500, [pod('a')]);
    c.sim.runFor(50_000);
    expect((of(c, 'drop') as MessageEvent[]).filter((m) => m.what.includes('leases'))).toEqual([]);
    const lostEvent = (of(c, 'drop') as MessageEvent[]).find((m) => m.to === 'kube-scheduler' && m.what.startsWith('watch ADDED Pod default/a'))!;
    expect(lostEvent.t).toBeGreaterThanOrEqual(10_000);
    expect(c.pod('default', 'a')?.spec.nodeName).toBeUndefined();
    c.sim.runFor(30_000);
    const podsWatchClosed = closed.filter((x) => x.component === 'kube-scheduler' && x.at === lostEvent.t + CONNECTION_LOSS_DETECT_MS);
    expect(podsWatchClosed).toHaveLength(1);
    const cutId = podsWatchClosed[0]!.watchId;
    expect(delivered.filter((d) => d.watchId === cutId && d.at > lostEvent.t)).toEqual([]);
    const relist = (of(c, 'request') as RequestEvent[]).find((r) => r.from === 'kube-scheduler' && r.verb === 'list' && r.path === '/api/v1/pods' && r.t > lostEvent.t)!;
    // The reflector backs off before the re-list: 800 ms plus up to 100% jitter, plus latency.
    expect(relist.t - (lostEvent.t + CONNECTION_LOSS_DETECT_MS)).toBeGreaterThanOrEqual(800);
    expect(relist.t - (lostEvent.t + CONNECTION_LOSS_DETECT_MS)).toBeLessThan(1610);
    expect(c.pod('default', 'a')?.spec.nodeName).toBe('worker-1');
  });

  it('duplicate: a request is served twice (at-least-once) and the client sees the second answer; watch events are never duplicated', () => {
    const c = cluster();
    const served: RequestServed[] = [];
    const delivered: WatchDelivery[] = [];
    c.sim.probe = { onRequest: (r) => served.push(r), onWatchDelivered: (d) => delivered.push(d) };
    applyFaultPlan(c, { faults: [
      { kind: 'duplicate', from: 'client', to: 'kube-apiserver', at: '1s', for: '5s', ratio: [1, 1] },
      { kind: 'duplicate', from: 'kube-apiserver', to: 'client', at: '10s', for: '5s', ratio: [1, 1] },
      // Around the two bindings only: duplicated answers to every request for 10 s would fail the
      // scheduler's Lease renewals (each update's second answer is a 409) and cost it its Lease.
      { kind: 'duplicate', from: 'kube-apiserver', to: 'kube-scheduler', at: '1500ms', for: '4s', ratio: [1, 1] },
      { kind: 'duplicate', from: 'kube-apiserver', to: 'kube-scheduler', at: '11500ms', for: '4s', ratio: [1, 1] },
    ] });
    c.sim.runFor(2000);
    const answers: ApiResponse[] = [];
    c.sim.clientRequest(createPod('p'), (r) => answers.push(r));
    c.sim.runFor(10_000);
    const creates = served.filter((r) => r.from === 'client' && r.verb === 'create');
    expect(creates.map((r) => [r.code, r.duplicate ?? false])).toEqual([[201, false], [409, true]]);
    expect(answers.map((r) => r.code)).toEqual([409]);
    // A duplicated response: the answer is lost and the client retries.
    c.sim.clientRequest(createPod('q'), (r) => answers.push(r));
    c.sim.runFor(5000);
    expect(served.filter((r) => r.path === '/api/v1/namespaces/default/pods' && r.verb === 'create').slice(2).map((r) => [r.code, r.duplicate ?? false])).toEqual([[201, false], [409, true]]);
    expect(answers.map((r) => r.code)).toEqual([409, 409]);
    expect(c.pods('default').map((p) => p.metadata.name)).toEqual(['p', 'q']);
    // The scheduler got each watch event once, and bound each pod once.
    const keys = delivered.filter((d) => d.component === 'kube-scheduler').map((d) => `${d.watchId} ${d.event.type} ${d.event.object.metadata.resourceVersion}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(served.filter((r) => r.path.endsWith('/binding')).map((r) => [r.code, r.duplicate ?? false])).toEqual([[201, false], [409, true], [201, false], [409, true]]);
    expect(c.pods('default').every((p) => p.spec.nodeName === 'worker-1')).toBe(true);
  });

  it('partition: nothing passes between the component and kube-apiserver, its watches are lost; after the heal it catches up', () => {
    const c = cluster(2, ['worker-1', 'worker-2']);
    const closed: Array<{ component: string; at: number }> = [];
    c.sim.probe = { onWatchClosed: (d) => closed.push(d) };
    applyFaultPlan(c, { faults: [{ kind: 'partition', component: 'kubelet/worker-1', at: '20s', for: '60s' }] });
    const lease = () => c.sim.get('leases', 'kube-node-lease', 'worker-1', 'coordination.k8s.io') as (KObject & { spec: { renewTime: string } });
    c.sim.runFor(20_000);
    const before = lease().spec.renewTime;
    c.sim.runFor(55_000);
    expect(lease().spec.renewTime).toBe(before);
    const inWindow = (of(c, 'deliver') as MessageEvent[]).filter((m) => m.t > 20_000 && m.t < 80_000 && (m.from === 'kubelet/worker-1' || m.to === 'kubelet/worker-1'));
    expect(inWindow).toEqual([]);
    expect(closed.filter((x) => x.component === 'kubelet/worker-1').map((x) => x.at)).toEqual([65_000, 65_000]);
    expect(closed.filter((x) => x.component !== 'kubelet/worker-1')).toEqual([]);
    c.sim.runFor(30_000);
    expect(lease().spec.renewTime > before).toBe(true);
    const f = faults(c);
    expect(f.map((e) => [e.t, e.action])).toEqual([[20_000, 'start'], [80_000, 'end']]);
    expect(f[0]!.detail).toContain('2 watch streams lost');
  });

  it('crashNode: the node\'s kubelet stops (for good without "for")', () => {
    const c = new Cluster({ seed: 1, nodes: [{ name: 'worker-1' }, { name: 'worker-2' }] });
    const { healAt } = applyFaultPlan(c, { faults: [{ kind: 'crashNode', node: 'worker-2', at: '10s' }] });
    expect(healAt).toBe(10_000);
    c.sim.runFor(30_000);
    expect(c.sim.componentNames().filter((n) => n.endsWith('worker-2'))).toEqual([]);
    expect(c.sim.component('kubelet/worker-1')).toBeDefined();
    expect(faults(c).map((e) => [e.t, e.fault, e.action, e.detail])).toEqual([[10_000, 'crashNode', 'start', 'node worker-2 crashed (kubelet and kube-proxy gone; disk kept)']]);
  });

  it('crashNode with "for": the node comes back through Cluster.startNode; overlapping crashes of a node nest', () => {
    const c = cluster(1, ['worker-1', 'worker-2']);
    applyFaultPlan(c, { faults: [
      { kind: 'crashNode', node: 'worker-2', at: '10s', for: '40s' },
      { kind: 'crashNode', node: 'worker-2', at: '20s', for: '10s' },
    ] });
    c.sim.runFor(35_000);
    expect(c.sim.component('kubelet/worker-2')).toBeUndefined();
    c.sim.runFor(20_000);
    expect(c.sim.component('kubelet/worker-2')).toBeDefined();
    expect(faults(c).map((e) => [e.t, e.action, e.detail])).toEqual([
      [10_000, 'start', 'node worker-2 crashed (kubelet and kube-proxy gone; disk kept)'],
      [20_000, 'start', 'node worker-2 crashed (kubelet and kube-proxy gone; disk kept)'],
      [30_000, 'end', 'node worker-2 stays down (another crash of it is still on)'],
      [50_000, 'end', 'node worker-2 is back (disk kept)'],
    ]);
  });

  it('restart at a time: a fresh component with the same logic, input and token, which lists again', () => {
    const c = cluster();
    c.sim.runFor(5000);
    const old = c.sim.component('kube-scheduler')!;
    applyFaultPlan(c, { faults: [{ kind: 'restart', component: 'kube-scheduler', at: '10s' }] });
    c.sim.runFor(10_000);
    const fresh = c.sim.component('kube-scheduler')!;
    expect(fresh).not.toBe(old);
    expect(old.getSnapshot().status).toBe('stopped');
    const lists = (of(c, 'request') as RequestEvent[]).filter((r) => r.from === 'kube-scheduler' && r.verb === 'list' && r.t >= 10_000);
    expect(lists.map((r) => `${r.path} ${r.user} ${r.code}`).sort()).toEqual(['/api/v1/nodes system:kube-scheduler 200', '/api/v1/pods system:kube-scheduler 200']);
    expect(faults(c)[0]).toMatchObject({ t: 10_000, fault: 'restart', action: 'start', detail: 'kube-scheduler restarted, memory lost' });
    c.apply([pod('a')]);
    c.sim.runFor(30_000);
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
  });

  it('restart after the k-th tagged request: nothing more leaves the old incarnation, its answers are dropped, the new one finishes the job', () => {
    const c = cluster();
    const served: RequestServed[] = [];
    c.sim.probe = { onRequest: (r) => served.push(r) };
    applyFaultPlan(c, { faults: [{ kind: 'restart', component: 'kube-controller-manager', afterRequests: { tagPrefix: 'replicaset-controller:create', count: 1 } }] });
    applyAt(c, 5000, [replicaSet('web', 3)]);
    c.sim.runFor(60_000);
    const creates = served.filter((r) => r.tag === 'replicaset-controller:create');
    expect(creates.map((r) => r.code)).toEqual([201, 201, 201]);
    // The first create went out, the crash came before the rest of the batch logic ran.
    expect(creates[1]!.at).toBeGreaterThan(creates[0]!.at);
    const f = faults(c);
    expect(f).toHaveLength(1);
    expect(f[0]!.detail).toBe('kube-controller-manager crashed right after its 1st request tagged replicaset-controller:create*; restarted, memory lost');
    expect(c.pods('default')).toHaveLength(3);
    expect(c.pods('default').every((p) => p.status?.phase === 'Running')).toBe(true);
    expect(c.sim.componentNames()).toContain('kube-controller-manager');
  });

  it('cutWatch: the streams close cleanly (over the network), the component re-lists after the backoff', () => {
    const c = cluster();
    const closed: Array<{ component: string; watchId: string; at: number }> = [];
    c.sim.probe = { onWatchClosed: (d) => closed.push(d) };
    applyFaultPlan(c, { faults: [{ kind: 'cutWatch', component: 'kube-scheduler', at: '10s', resource: 'pods' }] });
    c.sim.runFor(15_000);
    expect(faults(c).map((e) => e.detail)).toEqual(['watches of kube-scheduler on pods closed (kube-scheduler: 1 stream)']);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.at - 10_000).toBeGreaterThanOrEqual(1);
    expect(closed[0]!.at - 10_000).toBeLessThanOrEqual(4);
    const relists = (of(c, 'request') as RequestEvent[]).filter((r) => r.from === 'kube-scheduler' && r.verb === 'list' && r.t > 10_000);
    expect(relists.map((r) => r.path)).toEqual(['/api/v1/pods']);
    expect(relists[0]!.t - closed[0]!.at).toBeGreaterThanOrEqual(800);
    c.apply([pod('a')]);
    c.sim.runFor(20_000);
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
  });

  it('staleReads: the component\'s lists are served from a view lagRevisions behind, so its next watch replays history', () => {
    const c = cluster();
    const served: Array<RequestServed & { latest: number }> = [];
    c.sim.probe = { onRequest: (r) => served.push({ ...r, latest: c.sim.store.revision() }) };
    applyFaultPlan(c, { faults: [
      { kind: 'staleReads', component: 'kube-scheduler', at: '10s', for: '20s', lagRevisions: 5 },
      { kind: 'cutWatch', component: 'kube-scheduler', at: '11s' },
    ] });
    c.sim.runFor(40_000);
    const lists = served.filter((r) => r.from === 'kube-scheduler' && r.verb === 'list' && r.at > 11_000);
    expect(lists).toHaveLength(2);
    for (const l of lists) {
      expect(l.staleBy).toBe(5);
      expect((l.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toBe(String(l.latest - 5));
    }
    expect(served.filter((r) => r.from !== 'kube-scheduler' && r.staleBy !== undefined)).toEqual([]);
    expect(faults(c).map((e) => [e.t, e.fault, e.action])).toEqual([[10_000, 'staleReads', 'start'], [11_000, 'cutWatch', 'start'], [30_000, 'staleReads', 'end']]);
    c.apply([pod('a')]);
    c.sim.runFor(20_000);
    expect(c.pod('default', 'a')?.status?.phase).toBe('Running');
  });

  it('compact: etcd compacts to the current revision now; a watch from before gets 410 and re-lists', () => {
    const c = cluster();
    applyFaultPlan(c, { faults: [{ kind: 'compact', at: '10s' }] });
    c.sim.runFor(9999);
    const rev = c.sim.store.revision();
    c.sim.runFor(1);
    expect(c.sim.store.compactRevision()).toBe(rev);
    expect(faults(c)[0]).toMatchObject({ t: 10_000, fault: 'compact', detail: `etcd compacted to revision ${rev}` });
    const events: Array<{ type: string; code?: number }> = [];
    c.sim.api.watch({ verb: 'watch', group: '', version: 'v1', resource: 'pods', query: { resourceVersion: String(rev - 1) }, token: 'kubelife-admin-token' }, (e) => events.push({ type: e.type, code: (e.object as unknown as { code?: number }).code }));
    expect(events).toEqual([{ type: 'ERROR', code: 410 }]);
  });

  it('etcdUnavailable: the API server answers 503, informers back off instead of spinning, and recover after', () => {
    // kube-proxy: an informer client that does not leader-elect (the scheduler would exit, below).
    const c = new Cluster({ seed: 1, nodes: [{ name: 'worker-1' }] });
    applyFaultPlan(c, { faults: [
      { kind: 'etcdUnavailable', at: '10s', for: '40s' },
      { kind: 'cutWatch', component: 'kube-proxy/worker-1', at: '10s' },
    ] });
    // The last try before the heal may back off 25.6 s plus jitter: allow for it.
    c.sim.runFor(110_000);
    const reqs = of(c, 'request') as RequestEvent[];
    const failed = reqs.filter((r) => r.t >= 10_000 && r.t < 50_000 && r.code === 503);
    expect(failed.length).toBeGreaterThan(0);
    const proxyLists = reqs.filter((r) => r.from === 'kube-proxy/worker-1' && r.verb === 'list' && r.t >= 10_000);
    const inOutage = proxyLists.filter((r) => r.t < 50_000);
    expect(inOutage.every((r) => r.code === 503)).toBe(true);
    // Two informers, each backing off 0.8, 1.6, 3.2, 6.4, 12.8, 25.6 s (+ jitter): a handful of tries, not thousands.
    expect(inOutage.length).toBeGreaterThanOrEqual(4);
    expect(inOutage.length).toBeLessThanOrEqual(12);
    expect(proxyLists.filter((r) => r.t >= 50_000).map((r) => r.code)).toEqual([200, 200]);
    // Each informer's tries spread out: every gap at least doubles the 800 ms start.
    const services = inOutage.filter((r) => r.path === '/api/v1/services').map((r) => r.t);
    const gaps = services.slice(1).map((t, i) => t - services[i]!);
    gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(800 * 2 ** (i + 1)));
    expect(c.sim.etcdActor.getSnapshot().value).toBe('serving');
    expect(faults(c).filter((e) => e.fault === 'etcdUnavailable').map((e) => [e.t, e.action])).toEqual([[10_000, 'start'], [50_000, 'end']]);
  });

  it('etcdUnavailable: kube-scheduler and kube-controller-manager cannot renew their Leases, exit after the 10 s renew deadline, and lead again once etcd is back', () => {
    const c = cluster();
    applyFaultPlan(c, { faults: [{ kind: 'etcdUnavailable', at: '10s', for: '40s' }] });
    c.sim.runFor(120_000);
    const notes = of(c, 'note') as NoteEvent[];
    for (const name of ['kube-scheduler', 'kube-controller-manager']) {
      const exits = notes.filter((n) => n.actor === name && n.text === 'exited: leaderelection lost');
      expect(exits).toHaveLength(1);
      // The last renewal before the outage was at most 2 s before it; the deadline is 10 s after the round began.
      expect(exits[0]!.t).toBeGreaterThan(10_000 + 8_000);
      expect(exits[0]!.t).toBeLessThan(10_000 + 12_100);
      const acquired = notes.filter((n) => n.actor === name && n.text.startsWith('successfully acquired lease'));
      expect(acquired).toHaveLength(2);
      // A new process has a new identity: it waits out the old holder's 15 s from when it first saw the Lease (after etcd is back).
      expect(acquired[1]!.t).toBeGreaterThan(50_000 + 15_000);
      expect(acquired[1]!.text).not.toBe(acquired[0]!.text);
    }
    const lease = c.sim.get('leases', 'kube-system', 'kube-scheduler', 'coordination.k8s.io') as KObject & { spec: { leaseTransitions: number; holderIdentity: string } };
    expect(lease.spec.leaseTransitions).toBe(1);
    expect(c.sim.component('kube-scheduler')!.getSnapshot().value).toBe('idle');
    expect(c.sim.component('kube-controller-manager')!.getSnapshot().value).toBe('running');
  });

  it('heals: windows end at healAt when it comes first, open windows close at an explicit healAt, later faults are skipped', () => {
    const c = cluster();
    const { healAt } = applyFaultPlan(c, { healAt: '30s', faults: [
      { kind: 'partition', component: 'kube-scheduler', at: '5s' },
      { kind: 'staleReads', component: 'kube-controller-manager', at: '6s', for: '60s', lagRevisions: 2 },
      { kind: 'compact', at: '40s' },
    ] });
    expect(healAt).toBe(30_000);
    c.sim.runFor(60_000);
    expect(faults(c).map((e) => [e.t, e.fault, e.action])).toEqual([[5000, 'partition', 'start'], [6000, 'staleReads', 'start'], [30_000, 'partition', 'end'], [30_000, 'staleReads', 'end']]);
    expect(c.sim.network.severed).toBeUndefined();
    expect(c.sim.network.policy).toBeUndefined();
    expect(applyFaultPlan(cluster(), { faults: [{ kind: 'drop', from: 'a', to: 'b', at: '5s', for: '10s', ratio: [1, 2] }, { kind: 'compact', at: '20s' }] }).healAt).toBe(20_000);
  });
});

describe('fault plans replay byte for byte', () => {
  const plan: FaultPlanInput = {
    faults: [
      { kind: 'delay', from: '*', to: 'kube-apiserver', at: '2s', for: '30s', extraMs: { min: 0, max: 500 }, ratio: [1, 2] },
      { kind: 'drop', from: 'kube-apiserver', to: 'kubelet/*', at: '5s', for: '20s', ratio: [1, 5] },
      { kind: 'duplicate', from: 'kube-controller-manager', to: 'kube-apiserver', at: '3s', for: '30s', ratio: [1, 3] },
      { kind: 'staleReads', component: 'kube-scheduler', at: '8s', for: '10s', lagRevisions: 3 },
      { kind: 'cutWatch', component: 'kube-scheduler', at: '9s' },
      { kind: 'restart', component: 'kube-controller-manager', at: '20s' },
      { kind: 'etcdUnavailable', at: '25s', for: '3s' },
      { kind: 'compact', at: '40s' },
    ],
  };

  function traceHash(seed: number): string {
    const c = new Cluster({ seed, nodes: [{ name: 'worker-1' }, { name: 'worker-2' }], record: false });
    const h = createHash('sha256');
    c.sim.trace$.subscribe((e) => h.update(toJsonLine(e) + '\n'));
    applyFaultPlan(c, plan);
    applyAt(c, 1000, [replicaSet('web', 3)]);
    c.sim.runFor(120_000);
    return h.digest('hex');
  }

  it('under the whole plan, every watch closes at most once and nothing arrives on it afterwards', () => {
    const c = new Cluster({ seed: 5, nodes: [{ name: 'worker-1' }, { name: 'worker-2' }], record: false });
    const closedAt = new Map<string, number>();
    const late: string[] = [];
    let closes = 0;
    c.sim.probe = {
      onWatchClosed: (d) => {
        closes++;
        if (closedAt.has(d.watchId)) late.push(`${d.watchId} closed twice`);
        closedAt.set(d.watchId, d.at);
      },
      onWatchDelivered: (d) => {
        if (closedAt.has(d.watchId)) late.push(`${d.watchId} got ${d.event.type} after it closed`);
      },
    };
    applyFaultPlan(c, plan);
    applyAt(c, 1000, [replicaSet('web', 3)]);
    c.sim.runFor(120_000);
    expect(late).toEqual([]);
    expect(closes).toBeGreaterThan(3);
    expect(c.pods('default').filter((p) => p.status?.phase === 'Running')).toHaveLength(3);
  });

  it('the same seed and plan give the same trace; another seed another', () => {
    const a = traceHash(11);
    expect(traceHash(11)).toBe(a);
    expect(traceHash(12)).not.toBe(a);
  });
});
