/**
 * kube-controller-manager against the real API server pipeline of the simulator (no kubelet or
 * scheduler: pod status is written by the test), so every request the controllers make must pass
 * validation, RBAC and optimistic concurrency.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, KObject, Node, Pod, ReplicaSet } from '../../../src/api/objects.ts';
import { ADMIN_TOKEN, Simulation } from '../../../src/sim/simulation.ts';
import { kubeControllerManagerMachine } from '../../../machines/kube-controller-manager/machine.ts';
import type { Deployment } from '../../../machines/kube-controller-manager/deployment-logic.ts';
import { deployment, service } from './harness.ts';

function cluster(seed = 7) {
  const sim = new Simulation({ seed, traceMessages: false });
  sim.addComponent('kube-controller-manager', kubeControllerManagerMachine);
  return sim;
}

const strip = (o: KObject): KObject => ({ ...o, metadata: { name: o.metadata.name, namespace: o.metadata.namespace, ...(o.metadata.labels ? { labels: o.metadata.labels } : {}) } });

function admin(sim: Simulation, req: Parameters<Simulation['serve']>[0]) {
  const r = sim.serve({ ...req, token: ADMIN_TOKEN }, 'test');
  if (r.code >= 300) throw new Error(`${req.verb} ${req.resource}: ${JSON.stringify(r.body)}`);
  return r.body as KObject;
}

/** Plays the scheduler and kubelet: every pod gets a node, an IP, Running and Ready. */
function runPods(sim: Simulation): void {
  sim.list('pods').forEach((p, i) => {
    const pod = p as Pod;
    if (pod.status?.phase === 'Running' || pod.metadata.deletionTimestamp) return;
    const ts = '2026-01-01T00:00:01Z';
    const status = { ...pod.status, phase: 'Running', podIP: `10.244.0.${10 + i}`, podIPs: [{ ip: `10.244.0.${10 + i}` }], conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ts }] };
    admin(sim, { verb: 'update', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: pod.metadata.name, subresource: 'status', body: { ...pod, status } });
  });
}

// The components' own LeaderElection events (on their kube-system Leases) left out.
const events = (sim: Simulation) => sim.trace().filter((e) => e.kind === 'k8s-event' && (e as { reason: string }).reason !== 'LeaderElection').map((e) => `${(e as { reason: string }).reason}: ${(e as { message: string }).message}`);

describe('kube-controller-manager in a simulated cluster', () => {
  it('reaches running and turns a Deployment into a ReplicaSet and pods', () => {
    const sim = cluster();
    sim.runFor(1000);
    expect(sim.component('kube-controller-manager')!.getSnapshot().value).toBe('running');
    sim.createDirect(strip(deployment('web', 3)));
    sim.runFor(5000);
    const rss = sim.list('replicasets', 'apps') as ReplicaSet[];
    expect(rss).toHaveLength(1);
    const rs = rss[0]!;
    expect(rs.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    const pods = sim.list('pods') as Pod[];
    expect(pods.map((p) => p.metadata.generateName)).toEqual([1, 2, 3].map(() => `${rs.metadata.name}-`));
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid)).toBe(true);
    expect(events(sim)).toEqual([
      `ScalingReplicaSet: Scaled up replica set ${rs.metadata.name} from 0 to 3`,
      ...pods.map(() => expect.stringMatching(/^SuccessfulCreate: Created pod: /)),
    ]);
    expect((sim.get('deployments', 'default', 'web', 'apps') as KObject).metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('a complete rollout that loses a pod past its progress deadline resyncs rate-limited (requeueStuckDeployment\'s enqueueRateLimited), never in a zero-time loop', () => {
    // Found by `kubelife check examples/node-failure.yaml --faults swarm --runs 100 --seed 11`: the
    // simulation hung at one virtual instant, the deployment controller re-adding its key "now" forever.
    const sim = cluster();
    sim.createDirect({ ...strip(deployment('web', 2)), spec: { ...deployment('web', 2).spec, progressDeadlineSeconds: 30 } } as KObject);
    sim.runFor(2000);
    runPods(sim);
    sim.runFor(5000);
    expect((sim.get('deployments', 'default', 'web', 'apps') as Deployment).status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    // One pod turns unready: the rollout is no longer complete, but NewReplicaSetAvailable never times out.
    const victim = sim.list('pods')[0] as Pod;
    admin(sim, { verb: 'update', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: victim.metadata.name, subresource: 'status',
      body: { ...victim, status: { ...victim.status, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-01T00:00:07Z' }] } } });
    const syncs = () => (sim.component('kube-controller-manager')!.system.get('kube-controller-manager/deployment')!.getSnapshot() as { context: { syncs: number } }).context.syncs;
    sim.runFor(40_000); // past the deadline (about 37 s)
    const before = syncs();
    const t0 = sim.now();
    sim.runFor(60_000);
    expect(sim.now()).toBe(t0 + 60_000);
    const n = syncs() - before;
    // At most the limiter's burst (100) plus 10 a second; at least one check a second.
    expect(n).toBeGreaterThan(60);
    expect(n).toBeLessThanOrEqual(100 + 10 * 60 + 1);
  });

  it('reports a complete rollout once the pods are ready, and fills the Service endpoints', () => {
    const sim = cluster();
    sim.createDirect(strip(deployment('web', 2)));
    const svc = service('web');
    sim.createDirect({ ...strip(svc), spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    sim.runFor(5000);
    runPods(sim);
    sim.runFor(5000);
    const d = sim.get('deployments', 'default', 'web', 'apps') as Deployment;
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(d.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'True', 'NewReplicaSetAvailable']]);
    const slices = sim.list('endpointslices', 'discovery.k8s.io') as EndpointSlice[];
    expect(slices).toHaveLength(1);
    expect(slices[0]!.metadata.name).toMatch(/^web-/);
    expect(slices[0]!.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(slices[0]!.endpoints.map((e) => e.conditions)).toEqual([{ ready: true, serving: true, terminating: false }, { ready: true, serving: true, terminating: false }]);
  });

  it('scales a Deployment and heals a deleted pod', () => {
    const sim = cluster();
    sim.createDirect(strip(deployment('web', 1)));
    sim.runFor(5000);
    const d = sim.get('deployments', 'default', 'web', 'apps')!;
    admin(sim, { verb: 'update', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'web', subresource: 'scale', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 4 } } });
    sim.runFor(5000);
    expect(sim.list('pods')).toHaveLength(4);
    expect(d.metadata.uid).toBeDefined();
    const victim = sim.list('pods')[0]!;
    admin(sim, { verb: 'delete', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: victim.metadata.name });
    sim.runFor(5000);
    const names = sim.list('pods').map((p) => p.metadata.name);
    expect(names).toHaveLength(4);
    expect(names).not.toContain(victim.metadata.name);
  });

  it('assigns pod CIDRs to nodes in order', () => {
    const sim = cluster();
    for (const n of ['node-b', 'node-a']) sim.createDirect({ apiVersion: 'v1', kind: 'Node', metadata: { name: n }, spec: {} });
    sim.runFor(2000);
    sim.createDirect({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c' }, spec: {} });
    sim.runFor(2000);
    const cidrs = (sim.list('nodes') as Node[]).map((n) => [n.metadata.name, n.spec.podCIDR, n.spec.podCIDRs]);
    expect(cidrs).toEqual([
      ['node-a', '10.244.0.0/24', ['10.244.0.0/24']],
      ['node-b', '10.244.1.0/24', ['10.244.1.0/24']],
      ['node-c', '10.244.2.0/24', ['10.244.2.0/24']],
    ]);
  });

  it.each([
    ['Background', undefined],
    ['Foreground', 'Foreground' as const],
  ])('collects a deleted Deployment\'s ReplicaSet and pods (%s)', (_name, propagationPolicy) => {
    const sim = cluster();
    sim.createDirect(strip(deployment('web', 2)));
    sim.runFor(5000);
    expect(sim.list('pods')).toHaveLength(2);
    admin(sim, { verb: 'delete', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'web', ...(propagationPolicy ? { query: { propagationPolicy } } : {}) });
    sim.runFor(10_000);
    expect(sim.list('deployments', 'apps')).toEqual([]);
    expect(sim.list('replicasets', 'apps')).toEqual([]);
    expect(sim.list('pods')).toEqual([]);
  });

  it('orphans the pods of a ReplicaSet deleted with propagationPolicy=Orphan', () => {
    const sim = cluster();
    sim.createDirect({ ...strip(deployment('web', 2)) });
    sim.runFor(5000);
    const rs = sim.list('replicasets', 'apps')[0]!;
    admin(sim, { verb: 'delete', group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'web', query: { propagationPolicy: 'Orphan' } });
    sim.runFor(10_000);
    expect(sim.list('deployments', 'apps')).toEqual([]);
    const left = sim.list('replicasets', 'apps');
    expect(left.map((x) => [x.metadata.name, x.metadata.ownerReferences])).toEqual([[rs.metadata.name, undefined]]);
    expect(sim.list('pods')).toHaveLength(2);
  });

  it('is deterministic: one seed, one trace', () => {
    const run = () => {
      const sim = cluster(42);
      sim.createDirect(strip(deployment('web', 3)));
      sim.runFor(5000);
      runPods(sim);
      sim.runFor(5000);
      return JSON.stringify(sim.trace());
    };
    expect(run()).toBe(run());
  });
});
