/**
 * A node dies and comes back, in a whole cluster: the node lifecycle controller, the
 * taint-eviction controller and the kubelet's part in healing, with the virtual times of every
 * step of Kubernetes 1.32's timeline.
 */
import { describe, expect, it } from 'vitest';
import type { KObject, Node, Pod } from '../../../src/api/objects.ts';
import { fromTimestamp } from '../../../src/api/time.ts';
import { Cluster, defaultNodes, type NodeOptions } from '../../../src/sim/cluster.ts';
import { isHeartbeat } from '../../../src/sim/trace.ts';
import type { NodeLifecycleController } from '../../../machines/kube-controller-manager/nodelifecycle.ts';
import type { TaintEvictionController } from '../../../machines/kube-controller-manager/tainteviction.ts';

const S = 1000;
const UNREACHABLE = 'node.kubernetes.io/unreachable';

function deployment(replicas: number): KObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    },
  } as KObject;
}

const solo: KObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: 'default', labels: { app: 'solo' } },
  spec: { nodeSelector: { 'kubernetes.io/hostname': 'worker-1' }, containers: [{ name: 'solo', image: 'nginx:1.27' }] },
} as KObject;

/** Records when things first became true, by watching every store write. */
class Timeline {
  readonly at = new Map<string, number>();
  readonly leases: number[] = [];
  readonly events: Array<{ t: number; reason: string; object: string; message: string; source: string }> = [];

  constructor(readonly cluster: Cluster, private readonly node: string) {
    const sim = cluster.sim;
    sim.trace$.subscribe((e) => {
      if (e.kind === 'k8s-event') this.events.push({ t: e.t, reason: e.reason, object: e.object, message: e.message, source: e.source });
      if (e.kind !== 'write') return;
      if (e.key === `/registry/leases/kube-node-lease/${node}`) this.leases.push(e.t);
      if (e.key === `/registry/nodes/${node}`) this.onNode(e.t, sim.get('nodes', undefined, node) as Node | undefined);
      if (e.key.startsWith('/registry/pods/') && e.op !== 'delete') {
        const [, , , ns, name] = e.key.split('/');
        this.onPod(e.t, sim.get('pods', ns, name!) as Pod | undefined);
      }
    });
  }

  mark(what: string, t: number): void {
    if (!this.at.has(what)) this.at.set(what, t);
  }

  /** Marks from now on get this suffix (a second phase of the story). */
  phase = '';

  private onNode(t: number, n: Node | undefined): void {
    if (!n) return;
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const has = (effect: string) => (n.spec.taints ?? []).some((x) => x.key === UNREACHABLE && x.effect === effect);
    this.mark(`ready ${ready}${this.phase}`, t);
    if (has('NoSchedule')) this.mark(`unreachable:NoSchedule${this.phase}`, t);
    if (has('NoExecute')) this.mark(`unreachable:NoExecute${this.phase}`, t);
    if (!has('NoSchedule')) this.mark(`no unreachable:NoSchedule${this.phase}`, t);
    if (!has('NoExecute')) this.mark(`no unreachable:NoExecute${this.phase}`, t);
  }

  private onPod(t: number, p: Pod | undefined): void {
    if (!p) return;
    const name = p.metadata.name!;
    if (p.spec.nodeName === this.node && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False')) this.mark(`${name} not ready${this.phase}`, t);
    if (p.status?.conditions?.some((c) => c.type === 'DisruptionTarget')) this.mark(`${name} DisruptionTarget`, t);
    if (p.metadata.deletionTimestamp) this.mark(`${name} deleted`, t);
    if (p.spec.nodeName && p.spec.nodeName !== this.node && p.status?.phase === 'Running') this.mark(`${name} Running elsewhere`, t);
  }

  get(what: string): number {
    const t = this.at.get(what);
    if (t === undefined) throw new Error(`never happened: ${what} (saw: ${[...this.at.keys()].join(', ')})`);
    return t;
  }
}

function controllers(cluster: Cluster): { nlc: NodeLifecycleController; te: TaintEvictionController } {
  const system = cluster.sim.component('kube-controller-manager')!.system;
  const ctx = (id: string) => (system.get(`kube-controller-manager/${id}`)!.getSnapshot() as { context: { controller: unknown } }).context.controller;
  return { nlc: ctx('nodelifecycle') as NodeLifecycleController, te: ctx('taint-eviction-controller') as TaintEvictionController };
}

const podsOn = (cluster: Cluster, node: string) => cluster.pods('default').filter((p) => p.spec.nodeName === node);

describe('a node that dies and comes back (node lifecycle and taint eviction, 1.32)', () => {
  it('goes Unknown after the grace period, is tainted, its pods are evicted 300 s after the taint and replaced, and is untainted when it returns', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes(), record: false });
    const sim = cluster.sim;
    const tl = new Timeline(cluster, 'worker-1');
    sim.runUntilTime(5 * S);
    cluster.apply([deployment(3), solo]);
    sim.runUntilTime(60 * S);
    const victims = podsOn(cluster, 'worker-1').map((p) => p.metadata.name!).sort();
    expect(victims).toContain('solo');
    expect(victims.length).toBeGreaterThanOrEqual(2);
    const before = new Map(podsOn(cluster, 'worker-1').map((p) => [p.metadata.name!, p.status!.podIP!]));

    cluster.stopNode('worker-1');
    const { nlc, te } = controllers(cluster);
    sim.runUntilTime(482 * S);

    // The last Lease renewal before the stop; the controller saw it at its next pass (<= 5 s later).
    const lastLease = tl.leases.filter((t) => t < 60 * S).at(-1)!;
    expect(lastLease).toBe(50_066);
    const probe = nlc.health.get('worker-1')!.probeTimestampMs;
    expect(probe).toBeGreaterThan(lastLease);
    expect(probe).toBeLessThanOrEqual(lastLease + 5 * S);
    expect(probe).toBe(55_020);

    // Ready Unknown at the first pass strictly after probe + 50 s: 55 s after the probe here.
    const unknown = tl.get('ready Unknown');
    expect(unknown).toBeGreaterThan(probe + 50 * S);
    expect(unknown).toBeLessThanOrEqual(probe + 55 * S + 20);
    expect(unknown).toBe(110_023);
    const node = sim.get('nodes', undefined, 'worker-1') as Node;
    expect(node.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: '2026-01-01T00:01:50Z',
    });
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(node.status!.conditions!.find((c) => c.type === type)!.status).toBe('Unknown');
    // The NodeNotReady event, the pods not ready and the NoSchedule taint follow within milliseconds.
    const nodeNotReady = tl.events.find((e) => e.reason === 'NodeNotReady' && e.object === 'Node/worker-1')!;
    expect(nodeNotReady).toMatchObject({ message: 'Node worker-1 status is now: NodeNotReady', source: 'node-controller' });
    expect(nodeNotReady.t - unknown).toBeLessThan(50);
    for (const v of victims) {
      expect(tl.get(`${v} not ready`) - unknown).toBeLessThan(50);
      expect(tl.events.some((e) => e.reason === 'NodeNotReady' && e.object === `Pod/default/${v}` && e.message === 'Node is not ready')).toBe(true);
    }
    expect(tl.get('unreachable:NoSchedule') - unknown).toBeLessThan(50);

    // The NoExecute taint comes with the next pass (which observes Ready Unknown), through the
    // zone's token bucket, on the 100 ms NoExecute grid.
    const noExecute = tl.get('unreachable:NoExecute');
    expect(noExecute).toBeGreaterThan(unknown + 5 * S);
    expect(noExecute).toBeLessThan(unknown + 5 * S + 150);
    expect(noExecute).toBe(115_126);
    expect(fromTimestamp(((sim.get('nodes', undefined, 'worker-1') as Node).spec.taints ?? []).find((t) => t.effect === 'NoExecute')!.timeAdded!)).toBe(115 * S);

    // Eviction: 300 s (the default tolerationSeconds) after the taint-eviction controller saw the taint.
    for (const v of victims) {
      const marked = tl.events.find((e) => e.reason === 'TaintManagerEviction' && e.object === `Pod/default/${v}`)!;
      expect(marked).toMatchObject({ message: `Marking for deletion Pod default/${v}`, source: 'taint-eviction-controller' });
      expect(tl.get(`${v} DisruptionTarget`)).toBeGreaterThanOrEqual(noExecute + 300 * S);
      expect(tl.get(`${v} DisruptionTarget`)).toBeLessThan(noExecute + 300 * S + 50);
      expect(tl.get(`${v} deleted`)).toBeGreaterThan(tl.get(`${v} DisruptionTarget`));
      const p = cluster.pod('default', v)!;
      expect(p.status!.conditions!.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
      // Nobody confirms the deletion on a dead node: the pod stays Terminating.
      expect(p.metadata.deletionTimestamp).toBeDefined();
    }
    expect(tl.get('solo deleted')).toBe(415_142);
    expect(te.workers.get('default/solo')).toBeNull();
    // The Deployment's pod is replaced on a live node at once, Running within seconds.
    const running = cluster.pods('default').filter((p) => p.metadata.labels?.['app'] === 'web' && p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    expect(running).toHaveLength(3);
    expect(running.every((p) => p.spec.nodeName !== 'worker-1')).toBe(true);
    const replacement = running.find((p) => fromTimestamp(p.metadata.creationTimestamp!) >= 415 * S)!;
    expect(tl.get(`${replacement.metadata.name} Running elsewhere`) - noExecute - 300 * S).toBeLessThan(3 * S);

    // The node comes back at 482 s: the kubelet adopts the containers, finishes the deletions,
    // posts Ready; NoSchedule goes at once, NoExecute at the next monitor pass.
    tl.phase = ' again';
    cluster.startNode('worker-1');
    sim.runUntilTime(500 * S);
    expect(tl.get('ready True again') - 482 * S).toBeLessThan(50);
    expect(tl.get('no unreachable:NoSchedule again') - 482 * S).toBeLessThan(200);
    const untainted = tl.get('no unreachable:NoExecute again');
    expect(untainted).toBeGreaterThan(tl.get('ready True again'));
    expect(untainted - tl.get('ready True again')).toBeLessThanOrEqual(5 * S + 20);
    expect(untainted).toBe(485_039);
    for (const v of victims) expect(cluster.pod('default', v)).toBeUndefined();
    expect((sim.get('nodes', undefined, 'worker-1') as Node).spec.taints ?? []).toEqual([]);
    // The IPs the dead pods held are free again; none is handed out twice.
    const disk = (sim.component('kubelet/worker-1')!.getSnapshot() as { context: { node: { ipam: { live(): string[] } } } }).context.node.ipam;
    for (const ip of before.values()) expect(disk.live()).not.toContain(ip);
  });

  it('a node back before tolerationSeconds run out keeps its pods: the same containers and IPs, Ready again, the evictions cancelled', () => {
    const cluster = new Cluster({ seed: 3, nodes: defaultNodes(), record: false });
    const sim = cluster.sim;
    const tl = new Timeline(cluster, 'worker-1');
    sim.runUntilTime(5 * S);
    cluster.apply([deployment(3), solo]);
    sim.runUntilTime(60 * S);
    const snapshot = () => podsOn(cluster, 'worker-1').map((p) => ({ name: p.metadata.name, ip: p.status!.podIP, id: p.status!.containerStatuses![0]!.containerID, restarts: p.status!.containerStatuses![0]!.restartCount })).sort((a, b) => (a.name! < b.name! ? -1 : 1));
    const before = snapshot();
    cluster.stopNode('worker-1');
    sim.runUntilTime(200 * S);
    expect(podsOn(cluster, 'worker-1').every((p) => p.status!.conditions!.some((c) => c.type === 'Ready' && c.status === 'False'))).toBe(true);
    const { te } = controllers(cluster);
    expect(te.scheduledAt('default', 'solo')).toBe(415_129);
    tl.phase = ' again';
    cluster.startNode('worker-1');
    sim.runUntilTime(230 * S);
    expect(snapshot()).toEqual(before);
    expect(podsOn(cluster, 'worker-1').every((p) => p.status!.conditions!.some((c) => c.type === 'Ready' && c.status === 'True') && !p.metadata.deletionTimestamp)).toBe(true);
    expect(te.scheduledAt('default', 'solo')).toBeUndefined();
    const cancels = tl.events.filter((e) => e.reason === 'TaintManagerEviction');
    expect(cancels.map((e) => e.message).sort()).toEqual(before.map((p) => `Cancelling deletion of Pod default/${p.name}`));
    // Cancelled as the NoExecute taint goes, at the first monitor pass that sees Ready.
    const untainted = tl.get('no unreachable:NoExecute again');
    expect(cancels.every((e) => e.t >= untainted && e.t - untainted < 20)).toBe(true);
    sim.runUntilTime(500 * S);
    expect(tl.events.some((e) => e.message.startsWith('Marking for deletion'))).toBe(false);
    expect(cluster.pod('default', 'solo')?.status?.phase).toBe('Running');
  });

  it('when every zone is fully disrupted, nothing is tainted NoExecute and nothing is evicted', () => {
    const nodes: NodeOptions[] = [{ name: 'worker-1' }, { name: 'worker-2' }];
    const cluster = new Cluster({ seed: 4, nodes, record: false });
    const sim = cluster.sim;
    const tl = new Timeline(cluster, 'worker-1');
    sim.runUntilTime(5 * S);
    cluster.apply([deployment(2)]);
    sim.runUntilTime(30 * S);
    cluster.stopNode('worker-1');
    cluster.stopNode('worker-2');
    sim.runUntilTime(600 * S);
    for (const n of ['worker-1', 'worker-2']) {
      const node = sim.get('nodes', undefined, n) as Node;
      expect(node.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('Unknown');
      expect((node.spec.taints ?? []).filter((t) => t.effect === 'NoExecute')).toEqual([]);
    }
    expect(tl.events.some((e) => e.reason === 'TaintManagerEviction')).toBe(false);
    expect(cluster.pods('default').every((p) => !p.metadata.deletionTimestamp)).toBe(true);
    expect([...controllers(cluster).nlc.zoneStates]).toEqual([['', 'FullDisruption']]);
  });

  it('a live kubelet puts back what others wrote over it: the node Ready over Unknown, the pod Ready over MarkPodsNotReady', () => {
    const cluster = new Cluster({ seed: 5, nodes: [{ name: 'worker-1' }], record: false });
    const sim = cluster.sim;
    sim.runUntilTime(5 * S);
    cluster.apply([solo]);
    // Just after the kubelet's 10 s sync at ~30.02 s.
    sim.runUntilTime(31 * S);
    const node = sim.get('nodes', undefined, 'worker-1') as Node;
    const unknown = { ...node, status: { ...node.status, conditions: node.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown' as const, reason: 'NodeStatusUnknown' } : c)) } };
    sim.clientRequest({ verb: 'update', group: '', version: 'v1', resource: 'nodes', name: 'worker-1', subresource: 'status', body: unknown, token: 'kubelife-admin-token' });
    const p = cluster.pod('default', 'solo')!;
    const notReady = { ...p, status: { ...p.status, conditions: p.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' as const } : c)) } };
    sim.clientRequest({ verb: 'update', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'solo', subresource: 'status', body: notReady, token: 'kubelife-admin-token' });
    sim.runUntilTime(31 * S + 100);
    expect((sim.get('nodes', undefined, 'worker-1') as Node).status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('Unknown');
    expect(cluster.pod('default', 'solo')!.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
    // The next 10 s sync (node status compared with the API's copy; needsReconcile for the pod).
    sim.runUntilTime(41 * S);
    const ready = (sim.get('nodes', undefined, 'worker-1') as Node).status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(fromTimestamp(ready.lastTransitionTime!)).toBeGreaterThan(31 * S);
    expect(cluster.pod('default', 'solo')!.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
  });

  it('at rest the controllers tick without writing or tracing anything, so the cluster goes quiet', () => {
    const cluster = new Cluster({ seed: 6, nodes: defaultNodes() });
    const sim = cluster.sim;
    sim.runUntilTime(5 * S);
    cluster.apply([deployment(3)]);
    expect(sim.runUntilQuiet(30 * S, 120 * S)).toBeDefined();
    const from = sim.now();
    sim.runUntilTime(from + 60 * S);
    const busy = sim.trace().filter((e) => e.t > from && !isHeartbeat(e) && e.kind !== 'send' && e.kind !== 'deliver');
    expect(busy).toEqual([]);
  });
});
