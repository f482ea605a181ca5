/**
 * The node side of the kubelet: allocatable (capacity minus reservations and hard eviction
 * thresholds), the kubelet's own admission (predicate.go: resources, NodeAffinity, NodeName,
 * NodePorts, NoExecute taints; first failure only) and the node status sync (computed every 10 s,
 * posted on change or every 5 min).
 */
import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorLogic } from 'xstate';
import { admitPod, hostPortsFit } from '../../../machines/kubelet/admission.ts';
import { kubeletMachine } from '../../../machines/kubelet/machine.ts';
import { nodeSchedulingPropertiesChanged } from '../../../machines/kube-scheduler/machine.ts';
import { allocatableOf, nodeObject, type KubeletNodeConfig } from '../../../machines/kubelet/node.ts';
import { RecordingPort } from '../../../machines/client/port.ts';
import { kubectlStatus } from '../../../machines/pod/phase.ts';
import type { Container, Node, NodeCondition, Pod, PodSpec } from '../../../src/api/objects.ts';
import { VirtualClock } from '../../../src/sim/clock.ts';
import { ADMIN_TOKEN, Simulation } from '../../../src/sim/simulation.ts';

describe('node allocatable', () => {
  const cfg = (c: Partial<KubeletNodeConfig>): KubeletNodeConfig => ({ name: 'n1', capacity: { cpu: '4', memory: '8Gi' }, ...c });

  it('keeps cpu and pods and takes the 100Mi memory.available threshold off memory by default', () => {
    expect(allocatableOf(cfg({}))).toEqual({ cpu: '4', memory: '8092Mi', pods: '110' });
    expect(nodeObject(cfg({}), [], 0).status).toMatchObject({ capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '4', memory: '8092Mi', pods: '110' } });
  });

  it('takes nodefs.available (10%) off ephemeral-storage, as int64(capacity × float32 percentage)', () => {
    // 100Gi × float32(0.1) = 10737418400 bytes; the rest is not a multiple of 1024, so plain bytes.
    expect(allocatableOf(cfg({ capacity: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' } }))['ephemeral-storage']).toBe('96636764000');
  });

  it('subtracts kube-reserved and system-reserved, printed in the capacity\'s format', () => {
    expect(allocatableOf(cfg({ kubeReserved: { cpu: '100m', memory: '512Mi' }, systemReserved: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '1Gi' } })))
      .toEqual({ cpu: '3700m', memory: '7324Mi', pods: '110' });
    expect(allocatableOf(cfg({ capacity: { cpu: '4', memory: '8589934592' } })).memory).toBe('8485076992');
    expect(allocatableOf(cfg({ capacity: { cpu: '4', memory: '8G' } })).memory).toBe('7895142400');
  });

  it('follows a configured evictionHard, never goes below zero, and lets an explicit allocatable win', () => {
    expect(allocatableOf(cfg({ evictionHard: {} }))).toEqual({ cpu: '4', memory: '8Gi', pods: '110' });
    expect(allocatableOf(cfg({ capacity: { cpu: '4', memory: '16Gi' }, evictionHard: { 'memory.available': '5%' } })).memory).toBe('16320875712');
    expect(allocatableOf(cfg({ capacity: { cpu: '4', memory: '64Mi' } })).memory).toBe('0');
    expect(allocatableOf(cfg({ allocatable: { memory: '7Gi' } }))).toEqual({ cpu: '4', memory: '7Gi', pods: '110' });
  });
});

/** The Node as the kubelet registers it, with labels and taints for the predicates. */
function node(extra: Partial<KubeletNodeConfig> = {}): Node {
  return nodeObject({ name: 'n1', capacity: { cpu: '4', memory: '8Gi' }, labels: { disktype: 'hdd' }, ...extra }, [], 0);
}

function pod(name: string, spec: Partial<PodSpec> = {}, labels?: Record<string, string>): Pod {
  const containers: Container[] = [{ name: 'app', image: 'nginx:1.27' }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(labels ? { labels } : {}) }, spec: { nodeName: 'n1', containers, ...spec } };
}

const withHostPort = (hostPort: number, extra: { protocol?: string; hostIP?: string } = {}): Partial<PodSpec> =>
  ({ containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, hostPort, ...extra } as never] }] });

describe('kubelet admission (predicate.go)', () => {
  it('admits a pod that fits and matches', () => {
    expect(admitPod(node(), [], pod('web', { nodeSelector: { disktype: 'hdd' } }))).toEqual({ admit: true });
  });

  it('rejects on node affinity or selector with the plugin name and its description', () => {
    expect(admitPod(node(), [], pod('p', { nodeSelector: { disktype: 'ssd' } }))).toEqual({
      admit: false, reason: 'NodeAffinity', message: "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
    });
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disktype', operator: 'In' as const, values: ['ssd'] }] }] } } };
    expect(admitPod(node(), [], pod('p', { affinity }))).toMatchObject({ reason: 'NodeAffinity' });
  });

  it('rejects a pod bound to another node name', () => {
    expect(admitPod(node(), [], pod('p', { nodeName: 'n2' }))).toEqual({
      admit: false, reason: 'NodeName', message: "Predicate NodeName failed: node(s) didn't match the requested node name",
    });
  });

  it('rejects a host port another admitted pod holds', () => {
    expect(admitPod(node(), [pod('a', withHostPort(8080))], pod('b', withHostPort(8080)))).toEqual({
      admit: false, reason: 'NodePorts', message: "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
    });
  });

  it('compares host ports by protocol and address as HostPortInfo does', () => {
    const a = pod('a', withHostPort(8080));
    expect(hostPortsFit(pod('b', withHostPort(8080, { protocol: 'UDP' })), [a])).toBe(true);
    expect(hostPortsFit(pod('b', withHostPort(8081)), [a])).toBe(true);
    expect(hostPortsFit(pod('b', withHostPort(8080, { hostIP: '10.0.0.1' })), [a])).toBe(false);
    const specific = pod('s', withHostPort(8080, { hostIP: '10.0.0.1' }));
    expect(hostPortsFit(pod('b', withHostPort(8080, { hostIP: '10.0.0.2' })), [specific])).toBe(true);
    expect(hostPortsFit(pod('b', withHostPort(8080, { hostIP: '10.0.0.1' })), [specific])).toBe(false);
    expect(hostPortsFit(pod('b', withHostPort(8080)), [specific])).toBe(false);
    expect(hostPortsFit(pod('b', { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 8080 }] }] }), [a])).toBe(true);
  });

  it('rejects an untolerated NoExecute taint only, with the fixed TaintToleration text', () => {
    const tainted = node({ taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }, { key: 'gpu', effect: 'NoSchedule' }] });
    expect(admitPod(tainted, [], pod('p'))).toEqual({
      admit: false, reason: 'TaintToleration', message: "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
    });
    expect(admitPod(tainted, [], pod('p', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }] }))).toEqual({ admit: true });
    const staticPod = { ...pod('s'), metadata: { ...pod('s').metadata, annotations: { 'kubernetes.io/config.source': 'file' } } };
    expect(admitPod(tainted, [], staticPod)).toEqual({ admit: true });
  });

  it('reports only the first failure: resources, then NodeAffinity, NodeName, NodePorts, TaintToleration', () => {
    const tainted = node({ taints: [{ key: 'dedicated', effect: 'NoExecute' }] });
    const everything = pod('p', { nodeName: 'n2', nodeSelector: { disktype: 'ssd' }, containers: [{ name: 'app', image: 'nginx', resources: { requests: { memory: '9Gi' } }, ports: [{ containerPort: 80, hostPort: 80 } as never] }] });
    expect(admitPod(tainted, [pod('a', withHostPort(80))], everything)).toMatchObject({ reason: 'OutOfmemory', message: "Node didn't have enough resource: memory, requested: 9663676416, used: 0, capacity: 8485076992" });
    const noRequests: Container = { name: 'app', image: 'nginx', ports: [{ containerPort: 80, hostPort: 80 } as never] };
    expect(admitPod(tainted, [pod('a', withHostPort(80))], { ...everything, spec: { ...everything.spec, containers: [noRequests] } })).toMatchObject({ reason: 'NodeAffinity' });
    expect(admitPod(tainted, [pod('a', withHostPort(80))], { ...everything, spec: { ...everything.spec, nodeSelector: {}, containers: [noRequests] } })).toMatchObject({ reason: 'NodeName' });
    expect(admitPod(tainted, [pod('a', withHostPort(80))], { ...everything, spec: { ...everything.spec, nodeSelector: {}, nodeName: 'n1', containers: [noRequests] } })).toMatchObject({ reason: 'NodePorts' });
  });

  it('checks the pod OS label and field before anything else', () => {
    expect(admitPod(node(), [], pod('w', { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '99' } } }] }, { 'kubernetes.io/os': 'windows' }))).toEqual({
      admit: false, reason: 'PodOSSelectorNodeLabelDoesNotMatch', message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label",
    });
    expect(admitPod(node(), [], pod('w', { os: { name: 'windows' } }))).toEqual({
      admit: false, reason: 'PodOSNotSupported', message: "Failed to admit pod as the OS field doesn't match node OS",
    });
    expect(admitPod(node(), [], pod('l', { os: { name: 'linux' } }, { 'kubernetes.io/os': 'linux' }))).toEqual({ admit: true });
  });
});

describe('a kubelet rejecting pods against the simulated API server', () => {
  it('fails each pod with its first predicate failure, the Warning event and "Pod was rejected: "', () => {
    const sim = new Simulation({ seed: 3, traceMessages: false });
    sim.authenticator.add({ token: 'kubelet-n1', username: 'system:node:n1', groups: ['system:nodes'] });
    const cfg: KubeletNodeConfig = {
      name: 'n1', capacity: { cpu: '4', memory: '8Gi' }, labels: { disktype: 'hdd' },
      taints: [{ key: 'dedicated', value: 'web', effect: 'NoExecute' }, { key: 'spot', effect: 'NoSchedule' }],
    };
    sim.addComponent('kubelet/n1', kubeletMachine as AnyActorLogic, { node: cfg }, 'kubelet-n1');
    sim.runFor(100);
    sim.clientRequest({ verb: 'patch', patchType: 'merge', group: '', version: 'v1', resource: 'nodes', name: 'n1', token: ADMIN_TOKEN, body: { spec: { podCIDR: '10.244.1.0/24' } } });
    sim.runFor(100);
    expect(sim.get('nodes', undefined, 'n1')).toMatchObject({ status: { allocatable: { cpu: '4', memory: '8092Mi', pods: '110' } } });
    const tolerate = [{ key: 'dedicated', operator: 'Exists' }];
    const create = (name: string, spec: Record<string, unknown>) => {
      sim.clientRequest({
        verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: 'default', token: ADMIN_TOKEN,
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'nginx:1.27' }], tolerations: tolerate, ...spec } },
      });
      sim.runFor(1000);
    };
    create('web', { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    create('web2', { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, hostPort: 8080 }] }] });
    create('picky', { nodeSelector: { disktype: 'ssd' } });
    create('intruder', { tolerations: [] });
    create('greedy', { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { memory: '8100Mi' } } }] });
    sim.runFor(10_000);

    const get = (name: string) => sim.get('pods', 'default', name) as Pod;
    expect(get('web').status?.phase).toBe('Running');
    const rejected = ['web2', 'picky', 'intruder', 'greedy'].map((n) => [n, get(n).status?.phase, get(n).status?.reason, get(n).status?.message, kubectlStatus(get(n))]);
    expect(rejected).toEqual([
      ['web2', 'Failed', 'NodePorts', "Pod was rejected: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports", 'NodePorts'],
      ['picky', 'Failed', 'NodeAffinity', "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector", 'NodeAffinity'],
      ['intruder', 'Failed', 'TaintToleration', "Pod was rejected: Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate", 'TaintToleration'],
      ['greedy', 'Failed', 'OutOfmemory', "Pod was rejected: Node didn't have enough resource: memory, requested: 8493465600, used: 0, capacity: 8485076992", 'OutOfmemory'],
    ]);
    const warnings = sim.trace().filter((e) => e.kind === 'k8s-event' && (e as { type: string }).type === 'Warning').map((e) => `${(e as { object: string }).object} ${(e as { reason: string }).reason}: ${(e as { message: string }).message}`);
    expect(warnings).toEqual([
      "Pod/default/web2 NodePorts: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
      "Pod/default/picky NodeAffinity: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
      "Pod/default/intruder TaintToleration: Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
      "Pod/default/greedy OutOfmemory: Node didn't have enough resource: memory, requested: 8493465600, used: 0, capacity: 8485076992",
    ]);
  });
});

describe('node status sync', () => {
  /** A kubelet on a recording port: registered, given a podCIDR, Lease created, pods listed. */
  function readyKubelet(pods: Pod[] = []) {
    const port = new RecordingPort();
    const clock = new VirtualClock();
    port.now = () => clock.now();
    const actor = createActor(kubeletMachine, { input: { port, node: { name: 'n1', capacity: { cpu: '4', memory: '8Gi' }, internalIP: '172.18.0.5' } }, clock });
    actor.subscribe({ error: (err) => { throw err; } });
    actor.start();
    const reply = (tag: string, code: number, body: unknown) => {
      const r = [...port.requests].reverse().find((x) => x.tag === tag)!;
      actor.send({ type: 'api.response', requestId: r.id, tag, code, body });
    };
    reply('node:register', 201, { metadata: { name: 'n1', uid: 'node-uid' } });
    clock.runUntilTime(2000);
    reply('informer:node:n1:list', 200, { metadata: { resourceVersion: '5' }, items: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '5' }, spec: { podCIDR: '10.244.1.0/24' } }] });
    reply('lease:get', 404, {});
    reply('lease:create', 201, {});
    reply('informer:pods:n1:list', 200, { metadata: { resourceVersion: '10' }, items: pods });
    const statusPosts = () => port.requests.filter((r) => r.tag === 'node:status').map((r) => ({ at: r.req.body as { status: Node['status'] } }).at.status!);
    const condition = (s: Node['status'], type: string) => s?.conditions?.find((c) => c.type === type) as NodeCondition;
    // The API server answers every Lease renewal at once (each lease sync waits for its answer).
    const answered = new Set<string>();
    const run = (ms: number) => {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.runUntilTime(Math.min(end, clock.now() + 1000));
        for (const r of port.requests.filter((x) => x.tag === 'lease:update' && !answered.has(x.id))) {
          answered.add(r.id);
          actor.send({ type: 'api.response', requestId: r.id, tag: r.tag, code: 200, body: r.req.body });
        }
      }
    };
    return { clock, port, statusPosts, condition, run };
  }

  it('posts Ready once, then only every 5 minutes while nothing changes, with the heartbeat advanced', () => {
    const k = readyKubelet();
    expect(k.statusPosts()).toHaveLength(1);
    const ready = k.statusPosts()[0]!;
    expect(k.condition(ready, 'Ready')).toMatchObject({ status: 'True', lastHeartbeatTime: '2026-01-01T00:00:02Z', lastTransitionTime: '2026-01-01T00:00:02Z' });
    // The pressure conditions did not change since registration: their transition time stays.
    expect(k.condition(ready, 'MemoryPressure')).toMatchObject({ status: 'False', lastHeartbeatTime: '2026-01-01T00:00:02Z', lastTransitionTime: '2026-01-01T00:00:00Z' });
    k.run(290_000);
    expect(k.statusPosts()).toHaveLength(1);
    k.run(10_000);
    expect(k.statusPosts()).toHaveLength(2);
    const report = k.statusPosts()[1]!;
    expect(k.condition(report, 'Ready')).toMatchObject({ status: 'True', lastHeartbeatTime: '2026-01-01T00:05:02Z', lastTransitionTime: '2026-01-01T00:00:02Z' });
    expect(report.allocatable).toEqual({ cpu: '4', memory: '8092Mi', pods: '110' });
    k.run(300_000);
    expect(k.statusPosts()).toHaveLength(3);
    // The Lease carries the 10 s heartbeat meanwhile.
    expect(k.port.requests.filter((r) => r.tag === 'lease:update')).toHaveLength(60);
  });

  it('posts a changed status (a pulled image) at the next 10 s compute', () => {
    const web: Pod = { ...pod('web'), status: { phase: 'Pending' } };
    const k = readyKubelet([web]);
    k.run(5_000); // sandbox, pull (about 1.6 s) and start
    expect(k.statusPosts()).toHaveLength(1);
    k.run(5_000);
    expect(k.statusPosts()).toHaveLength(2);
    const posted = k.statusPosts()[1]!;
    expect(posted.images?.some((i) => i.names.includes('docker.io/library/nginx:1.27'))).toBe(true);
    expect(k.condition(posted, 'Ready')?.lastHeartbeatTime).toBe('2026-01-01T00:00:12Z');
    k.run(290_000);
    expect(k.statusPosts()).toHaveLength(2);
    k.run(10_000);
    expect(k.statusPosts()).toHaveLength(3);
  });
});

describe('the scheduler and the node status report', () => {
  it('does not requeue unschedulable pods for a heartbeat or an image list, only for scheduling properties', () => {
    const before = node();
    const beat = (n: Node, at: string): Node => ({ ...n, status: { ...n.status, conditions: n.status!.conditions!.map((c) => ({ ...c, lastHeartbeatTime: at })) } });
    expect(nodeSchedulingPropertiesChanged(beat(before, '2026-01-01T00:05:00Z'), before)).toBe(false);
    expect(nodeSchedulingPropertiesChanged({ ...before, status: { ...before.status, images: [{ names: ['nginx:1.27'], sizeBytes: 1 }] } }, before)).toBe(false);
    const readyNow: Node = { ...before, status: { ...before.status, conditions: before.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: 'True' as const } : c)) } };
    expect(nodeSchedulingPropertiesChanged(readyNow, before)).toBe(true);
    expect(nodeSchedulingPropertiesChanged({ ...before, spec: { ...before.spec, taints: [{ key: 'k', effect: 'NoSchedule' }] } }, before)).toBe(true);
    expect(nodeSchedulingPropertiesChanged({ ...before, spec: { ...before.spec, unschedulable: true } }, before)).toBe(true);
    expect(nodeSchedulingPropertiesChanged({ ...before, metadata: { ...before.metadata, labels: { ...before.metadata.labels, zone: 'b' } } }, before)).toBe(true);
    expect(nodeSchedulingPropertiesChanged({ ...before, status: { ...before.status, allocatable: { cpu: '3', memory: '8092Mi', pods: '110' } } }, before)).toBe(true);
  });
});
