/**
 * Every invariant, broken on purpose by a hand-made sequence of writes, requests and watch
 * deliveries, fires; the legitimate neighbour of each broken sequence does not.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointSlice, KObject, Pod, ReplicaSet } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { INVARIANTS } from '../../src/check/invariants/index.ts';
import * as inv from '../../src/check/invariants/index.ts';
import { LEGAL_PHASE_CHANGES } from '../../src/check/invariants/pod-phase-transitions-legal.ts';
import { harness, node, nodeKey, pod, podKey, running } from './harness.ts';

const KCM = 'kube-controller-manager';
const binding = (name: string) => ({ from: 'kube-scheduler', verb: 'create', path: `/api/v1/namespaces/default/pods/${name}/binding` });

describe('the catalogue', () => {
  it('has stable kebab-case ids, one-line statements and sources, and every invariant the issue names', () => {
    for (const i of INVARIANTS) {
      expect(i.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(i.statement.length).toBeGreaterThan(10);
      expect(i.statement).not.toContain('\n');
      expect(i.source.length).toBeGreaterThan(10);
    }
    expect(new Set(INVARIANTS.map((i) => i.id)).size).toBe(INVARIANTS.length);
    for (const id of ['pod-bound-at-most-once', 'node-not-overcommitted', 'pod-phase-transitions-legal', 'container-state-transitions-legal', 'resource-version-monotonic',
      'watch-in-order-without-gaps', 'pod-ip-unique-and-in-node-cidr', 'running-pod-on-existing-node', 'endpoints-only-ready-pods', 'no-dangling-owner-after-gc',
      'replicaset-never-over-creates', 'deleted-pod-never-restarts', 'scheduled-pod-satisfies-its-constraints', 'no-container-running-before-sandbox-ip',
      'taint-eviction-respects-toleration-seconds']) {
      expect(INVARIANTS.map((i) => i.id)).toContain(id);
    }
  });
});

describe('pod-bound-at-most-once', () => {
  it('fires when a bound pod is bound again elsewhere, not on its first binding', () => {
    const h = harness(inv.podBoundAtMostOnce);
    const p = pod('web', 'u1');
    h.write('create', podKey('web'), undefined, p);
    h.write('update', podKey('web'), p, pod('web', 'u1', { nodeName: 'a' }), binding('web'));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('web'), pod('web', 'u1', { nodeName: 'a' }), pod('web', 'u1', { nodeName: 'b' }), binding('web'));
    expect(h.ids()).toEqual(['pod-bound-at-most-once']);
    expect(h.violations()[0]!.message).toContain('was bound to a and is now bound to b');
  });

  it('lets a new pod (another uid) under the same name be bound anywhere', () => {
    const h = harness(inv.podBoundAtMostOnce);
    h.write('update', podKey('web'), pod('web', 'u1', { nodeName: 'a' }), pod('web', 'u2', { nodeName: 'b' }));
    expect(h.ids()).toEqual([]);
  });
});

describe('node-not-overcommitted', () => {
  const small = node('n1', {}, { allocatable: { cpu: '1', memory: '1Gi', pods: '110' } });
  const req = (cpu: string) => ({ containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu } } }] });

  it("fires when the scheduler's bindings overfill a node", () => {
    const h = harness(inv.nodeNotOvercommitted);
    h.write('create', nodeKey('n1'), undefined, small);
    for (const name of ['a', 'b']) {
      const p = pod(name, `u-${name}`, req('600m'));
      h.write('create', podKey(name), undefined, p);
      h.write('update', podKey(name), p, { ...p, spec: { ...p.spec, nodeName: 'n1' } }, binding(name));
    }
    expect(h.ids()).toEqual(['node-not-overcommitted']);
    expect(h.violations()[0]!.message).toContain('cpu 1200m requested of 1000m allocatable');
  });

  it('leaves out a pod placed by hand that the scheduler had not seen', () => {
    const h = harness(inv.nodeNotOvercommitted);
    h.write('create', nodeKey('n1'), undefined, small);
    h.write('create', podKey('a'), undefined, pod('a', 'u-a', { ...req('600m'), nodeName: 'n1' }));
    const b = pod('b', 'u-b', req('600m'));
    h.write('create', podKey('b'), undefined, b);
    h.write('update', podKey('b'), b, { ...b, spec: { ...b.spec, nodeName: 'n1' } }, binding('b'));
    expect(h.ids()).toEqual([]);
  });

  it('counts a pod placed by hand once the scheduler had received it', () => {
    const h = harness(inv.nodeNotOvercommitted);
    h.write('create', nodeKey('n1'), undefined, small);
    const a = pod('a', 'u-a', { ...req('600m'), nodeName: 'n1' });
    h.write('create', podKey('a'), undefined, a);
    h.deliver('kube-scheduler', 'informer:pods:watch', { type: 'ADDED', object: a });
    const b = pod('b', 'u-b', req('600m'));
    h.write('create', podKey('b'), undefined, b);
    h.write('update', podKey('b'), b, { ...b, spec: { ...b.spec, nodeName: 'n1' } }, binding('b'));
    expect(h.ids()).toEqual(['node-not-overcommitted']);
  });
});

describe('pod-phase-transitions-legal', () => {
  const phased = (phase: NonNullable<Pod['status']>['phase']) => pod('web', 'u1', { nodeName: 'n1' }, { phase });

  it('reads the legal changes off the pod machine, with Unknown leading back only where the pod was', () => {
    for (const ok of ['Pending>Running', 'Running>Succeeded', 'Running>Failed', 'Pending>Failed', 'Running>Unknown', 'Unknown>Running']) expect(LEGAL_PHASE_CHANGES.has(ok)).toBe(true);
    for (const bad of ['Running>Pending', 'Succeeded>Running', 'Failed>Pending', 'Succeeded>Failed']) expect(LEGAL_PHASE_CHANGES.has(bad)).toBe(false);
  });

  it('fires on Running -> Pending and on leaving a terminal phase', () => {
    const h = harness(inv.podPhaseTransitionsLegal);
    h.write('update', podKey('web'), phased('Pending'), phased('Running'));
    h.write('update', podKey('web'), phased('Running'), phased('Succeeded'));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('web'), phased('Running'), phased('Pending'));
    h.write('update', podKey('web'), phased('Succeeded'), phased('Running'));
    expect(h.ids()).toEqual(['pod-phase-transitions-legal', 'pod-phase-transitions-legal']);
    expect(h.violations()[0]!.message).toContain('Running -> Pending');
  });
});

describe('container-state-transitions-legal', () => {
  const withStatus = (cs: object) => pod('web', 'u1', { nodeName: 'n1' }, { phase: 'Running', containerStatuses: [cs as never] });
  const waiting = (reason: string, restartCount = 0) => ({ name: 'web', state: { waiting: { reason } }, lastState: {}, ready: false, restartCount, image: '', imageID: '' });
  const terminated = (restartCount: number) => ({ name: 'web', state: { terminated: { exitCode: 1, reason: 'Error' } }, lastState: {}, ready: false, restartCount, image: '', imageID: '' });

  it('accepts several steps of the machine between two writes', () => {
    const h = harness(inv.containerStateTransitionsLegal);
    h.write('update', podKey('web'), withStatus(waiting('ContainerCreating')), withStatus(running('web', 1000)));
    h.write('update', podKey('web'), withStatus(running('web', 1000)), withStatus(terminated(0)));
    h.write('update', podKey('web'), withStatus(terminated(0)), withStatus(running('web', 5000, 1)));
    expect(h.ids()).toEqual([]);
  });

  it('fires on a step the machine has no path for, a restart without a count, and a count going down', () => {
    const h = harness(inv.containerStateTransitionsLegal);
    h.write('update', podKey('web'), withStatus(running('web', 1000)), withStatus(waiting('ContainerCreating')));
    expect(h.violations()[0]!.message).toContain('Running.Ready -> Waiting.ContainerCreating is not a path');
    h.write('update', podKey('web'), withStatus(terminated(2)), withStatus(running('web', 5000, 2)));
    expect(h.violations()[2]!.message).toContain('without a restart');
    h.write('update', podKey('web'), withStatus(running('web', 1000, 3)), withStatus(running('web', 1000, 2)));
    expect(h.violations()[3]!.message).toContain('restartCount went down');
    h.write('update', podKey('web'), withStatus(waiting('ContainerCreating')), withStatus(waiting('NoSuchReason')));
    expect(h.violations()[4]!.message).toContain('does not have');
    expect(h.violations()[1]!.message).toContain('without a last state');
    // The runtime lost it (a node back without its disk): ContainerCreating again, with the ContainerStatusUnknown last state.
    const lost = waiting('ContainerCreating');
    const unknown = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' };
    const before = h.violations().length;
    h.write('update', podKey('web'), withStatus(running('web', 1000)), withStatus({ ...lost, lastState: { terminated: unknown }, restartCount: 1 }));
    expect(h.violations()).toHaveLength(before);
    expect(new Set(h.ids())).toEqual(new Set(['container-state-transitions-legal']));
  });
});

describe('resource-version-monotonic', () => {
  it('fires on a revision that goes back, an object whose resourceVersion is not its revision, and a list ahead of itself', () => {
    const h = harness(inv.resourceVersionMonotonic);
    const r = h.write('create', podKey('a'), undefined, pod('a', 'u-a'));
    expect(h.ids()).toEqual([]);
    h.checker.onWrite({ key: podKey('b'), type: 'create', revision: r - 1, at: 0, next: { ...pod('b', 'u-b'), metadata: { ...pod('b', 'u-b').metadata, resourceVersion: String(r - 1) } } });
    expect(h.violations()[0]!.message).toContain('does not follow');
    h.write('create', podKey('c'), undefined, { ...pod('c', 'u-c'), metadata: { ...pod('c', 'u-c').metadata, resourceVersion: '3' } });
    expect(h.violations()[1]!.message).toContain('with resourceVersion 3');
    const items = [{ ...pod('a', 'u-a'), metadata: { ...pod('a', 'u-a').metadata, resourceVersion: '9' } }];
    h.checker.onRequest({ from: 'x', verb: 'list', path: '/api/v1/pods', sentRevision: 1, at: 0, code: 200, body: { kind: 'PodList', metadata: { resourceVersion: '5' }, items } });
    expect(h.violations()[2]!.message).toContain('holds Pod a at resourceVersion 9');
    h.checker.onRequest({ from: 'x', verb: 'get', path: '/api/v1/namespaces/default/pods/a', sentRevision: 1, at: 0, code: 200, body: { ...pod('a', 'u-a'), metadata: { name: 'a', resourceVersion: String(h.sim.store.revision() + 100) } } });
    expect(h.violations()[3]!.message).toContain("beyond the store's revision");
  });
});

describe('watch-in-order-without-gaps', () => {
  const at = (p: Pod, rv: number): Pod => ({ ...p, metadata: { ...p.metadata, resourceVersion: String(rv) } });

  it('accepts every write of a seen object, in order', () => {
    const h = harness(inv.watchInOrderWithoutGaps);
    const p = pod('a', 'u-a');
    const r1 = h.write('create', podKey('a'), undefined, p);
    const r2 = h.write('update', podKey('a'), p, p);
    const r3 = h.write('delete', podKey('a'), p, undefined);
    h.deliver('c', 't', { type: 'ADDED', object: at(p, r1) });
    h.deliver('c', 't', { type: 'MODIFIED', object: at(p, r2) });
    h.deliver('c', 't', { type: 'DELETED', object: at(p, r3) });
    expect(h.ids()).toEqual([]);
  });

  it('fires on a skipped write, a revision going back, a revision never written, and an event after the watch closed', () => {
    const h = harness(inv.watchInOrderWithoutGaps);
    const p = pod('a', 'u-a');
    const r1 = h.write('create', podKey('a'), undefined, p);
    const r2 = h.write('update', podKey('a'), p, p);
    const r3 = h.write('update', podKey('a'), p, p);
    h.deliver('c', 't', { type: 'ADDED', object: at(p, r1) });
    h.deliver('c', 't', { type: 'MODIFIED', object: at(p, r3) });
    expect(h.violations()[0]!.message).toContain(`skipped the write of ${podKey('a')} at revision ${r2}`);
    h.deliver('c', 't', { type: 'MODIFIED', object: at(p, r2) });
    expect(h.violations().some((v) => v.message.includes(`at revision ${r2} on watch c~w0 after revision ${r3}`))).toBe(true);
    h.deliver('c', 't', { type: 'MODIFIED', object: at(p, r3 + 50) }, 'c~w1');
    expect(h.violations().some((v) => v.message.includes('at which it was not written'))).toBe(true);
    h.checker.onWatchClosed({ component: 'c', watchId: 'c~w2', at: 0 });
    h.deliver('c', 't', { type: 'MODIFIED', object: at(p, r3) }, 'c~w2');
    expect(h.violations().at(-1)!.message).toContain('after it closed');
    expect(new Set(h.ids())).toEqual(new Set(['watch-in-order-without-gaps']));
  });
});

describe('pod-ip-unique-and-in-node-cidr', () => {
  const withIp = (name: string, uid: string, ip: string, phase: 'Running' | 'Succeeded' = 'Running') => pod(name, uid, { nodeName: 'n1' }, { phase, podIP: ip });

  it('fires on a shared IP and an IP outside the podCIDR', () => {
    const h = harness(inv.podIpUniqueAndInNodeCidr);
    h.direct(node('n1', { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }));
    h.write('update', podKey('a'), pod('a', 'u-a', { nodeName: 'n1' }), withIp('a', 'u-a', '10.244.1.2'));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('b'), pod('b', 'u-b', { nodeName: 'n1' }), withIp('b', 'u-b', '10.244.1.2'));
    expect(h.violations()[0]!.message).toContain('also held by live pod Pod/default/a');
    h.write('update', podKey('c'), pod('c', 'u-c', { nodeName: 'n1' }), withIp('c', 'u-c', '10.9.0.7'));
    expect(h.violations()[1]!.message).toContain("outside node n1's podCIDR");
  });

  it("lets a newer claim take an address whose holder's kubelet has restarted since (its status is stale)", () => {
    const h = harness(inv.podIpUniqueAndInNodeCidr);
    h.write('update', podKey('a'), pod('a', 'u-a', { nodeName: 'n1' }), withIp('a', 'u-a', '10.244.1.2'));
    h.direct(node('n1', { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }));
    h.direct(node('n2', { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] }));
    h.checker.onRequest({ from: 'kubelet/n1', verb: 'create', path: '/api/v1/nodes', sentRevision: 1, at: 0, code: 409, body: {} });
    h.write('update', podKey('b'), withIp('b', 'u-b', '10.244.1.9'), withIp('b', 'u-b', '10.244.1.2'));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('c'), pod('c', 'u-c', { nodeName: 'n1' }), withIp('c', 'u-c', '10.244.1.2'));
    expect(h.ids()).toEqual(['pod-ip-unique-and-in-node-cidr']);
  });

  it('lets an IP go to a new pod once its holder has finished', () => {
    const h = harness(inv.podIpUniqueAndInNodeCidr);
    h.direct(node('n1', { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }));
    h.write('update', podKey('a'), pod('a', 'u-a', { nodeName: 'n1' }), withIp('a', 'u-a', '10.244.1.2'));
    h.write('update', podKey('a'), withIp('a', 'u-a', '10.244.1.2'), withIp('a', 'u-a', '10.244.1.2', 'Succeeded'));
    h.write('update', podKey('b'), pod('b', 'u-b', { nodeName: 'n1' }), withIp('b', 'u-b', '10.244.1.2'));
    expect(h.ids()).toEqual([]);
  });
});

describe('running-pod-on-existing-node', () => {
  it('fires when a pod becomes Running on a node that does not exist', () => {
    const h = harness(inv.runningPodOnExistingNode);
    h.direct(node('n1'));
    h.write('update', podKey('a'), pod('a', 'u-a', { nodeName: 'n1' }, { phase: 'Pending' }), pod('a', 'u-a', { nodeName: 'n1' }, { phase: 'Running' }));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('b'), pod('b', 'u-b', { nodeName: 'ghost' }, { phase: 'Pending' }), pod('b', 'u-b', { nodeName: 'ghost' }, { phase: 'Running' }), { from: 'kubelet/ghost' });
    expect(h.ids()).toEqual(['running-pod-on-existing-node']);
    expect(h.violations()[0]!.message).toContain('node ghost, which does not exist');
  });
});

describe('endpoints-only-ready-pods', () => {
  const ready = (p: Pod, isReady: boolean, terminating = false): Pod => ({
    ...p, metadata: { ...p.metadata, ...(terminating ? { deletionTimestamp: timestamp(30_000) } : {}) },
    status: { phase: 'Running', podIP: '10.244.1.2', conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }] },
  });
  const slice = (readyFlag: boolean): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: readyFlag }, targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'u-a' } }],
  });
  const write = { from: KCM, verb: 'update', path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/web-x', tag: 'endpointslice-controller:update' };

  it('fires when the controller marks ready a pod it knew to be terminating or not Ready', () => {
    const h = harness(inv.endpointsOnlyReadyPods);
    h.deliver(KCM, 'informer:endpointslice/pods:watch', { type: 'MODIFIED', object: ready(pod('a', 'u-a'), true, true) });
    h.write('update', '/registry/endpointslices/default/web-x', slice(false), slice(true), write);
    expect(h.ids()).toEqual(['endpoints-only-ready-pods']);
    expect(h.violations()[0]!.message).toContain('knew the pod was terminating');
  });

  it('does not fire for a pod the controller knew Ready, or one it heard about only on another informer', () => {
    const h = harness(inv.endpointsOnlyReadyPods);
    h.deliver(KCM, 'informer:endpointslice/pods:watch', { type: 'MODIFIED', object: ready(pod('a', 'u-a'), true) });
    h.deliver(KCM, 'informer:replicaset/pods:watch', { type: 'MODIFIED', object: ready(pod('a', 'u-a'), false) });
    h.write('update', '/registry/endpointslices/default/web-x', slice(false), slice(true), write);
    expect(h.ids()).toEqual([]);
  });
});

describe('no-dangling-owner-after-gc', () => {
  it('fires at quiescence for a dependent whose owner is gone, not for one whose owner exists', () => {
    const h = harness(inv.noDanglingOwnerAfterGc);
    const rs = h.direct({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } } as KObject);
    const owned = (name: string, uid: string) => ({ ...pod(name, ''), metadata: { name, namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid, controller: true }] } }) as KObject;
    h.direct(owned('kept', rs.metadata.uid!));
    expect(h.checker.quiescence()).toEqual([]);
    h.direct(owned('orphan', 'gone-uid'));
    const v = h.checker.quiescence();
    expect(v.map((x) => x.invariant)).toEqual(['no-dangling-owner-after-gc']);
    expect(v[0]!.message).toContain('Pod/default/orphan still names its deleted owner ReplicaSet/web');
  });
});

describe('replicaset-never-over-creates', () => {
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default', uid: 'rs-1' }, spec: { replicas: 2, selector: {}, template: { spec: { containers: [] } } } };
  const owned = (name: string) => pod(name, `u-${name}`, {}, { phase: 'Pending' }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true }] });
  const create = { from: KCM, verb: 'create', path: '/api/v1/namespaces/default/pods', tag: 'replicaset-controller:create' };

  it('fires on a creation that takes a ReplicaSet above its replicas', () => {
    const h = harness(inv.replicasetNeverOverCreates);
    h.write('create', '/registry/replicasets/default/web', undefined, rs);
    h.write('create', podKey('a'), undefined, owned('a'), create);
    h.write('create', podKey('b'), undefined, owned('b'), create);
    expect(h.ids()).toEqual([]);
    h.write('create', podKey('c'), undefined, owned('c'), create);
    expect(h.ids()).toEqual(['replicaset-never-over-creates']);
    expect(h.violations()[0]!.message).toContain('3 active pods, above 2 replicas');
  });

  it('allows a replacement for a pod being deleted, and a network duplicate of a creation', () => {
    const h = harness(inv.replicasetNeverOverCreates);
    h.write('create', '/registry/replicasets/default/web', undefined, rs);
    h.write('create', podKey('a'), undefined, owned('a'), create);
    h.write('create', podKey('b'), undefined, owned('b'), create);
    const b = owned('b');
    h.write('update', podKey('b'), b, { ...b, metadata: { ...b.metadata, deletionTimestamp: timestamp(1000) } }, { from: 'client', verb: 'delete' });
    h.write('create', podKey('c'), undefined, owned('c'), create);
    h.write('create', podKey('d'), undefined, owned('d'), { ...create, duplicate: true });
    expect(h.ids()).toEqual([]);
  });

  it('judges against the replicas the controller could have acted on (a scale-down in flight)', () => {
    const h = harness(inv.replicasetNeverOverCreates);
    const r1 = h.write('create', '/registry/replicasets/default/web', undefined, rs);
    h.deliver(KCM, 'informer:replicaset/replicasets:watch', { type: 'ADDED', object: { ...rs, metadata: { ...rs.metadata, resourceVersion: String(r1) } } });
    h.write('create', podKey('a'), undefined, owned('a'), create);
    h.write('update', '/registry/replicasets/default/web', rs, { ...rs, spec: { ...rs.spec, replicas: 1 } });
    h.write('create', podKey('b'), undefined, owned('b'), create);
    expect(h.ids()).toEqual([]);
  });
});

describe('deleted-pod-never-restarts', () => {
  const terminating = (p: Pod): Pod => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: timestamp(40_000), deletionGracePeriodSeconds: 30 } });

  it('fires when a container starts after its kubelet learned of the deletion, not for a start that raced with it', () => {
    const h = harness(inv.deletedPodNeverRestarts);
    const before = pod('web', 'u1', { nodeName: 'n1' }, { phase: 'Running', containerStatuses: [running('web', 1000)] });
    h.deliver('kubelet/n1', 'informer:pods:n1:watch', { type: 'MODIFIED', object: terminating(before) }, undefined, 10_000);
    // Started at 9 s, reported after the news: a race, fine.
    h.write('update', podKey('web'), terminating(before), terminating(pod('web', 'u1', { nodeName: 'n1' }, { phase: 'Running', containerStatuses: [running('web', 9000, 1)] })), { from: 'kubelet/n1' });
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('web'), terminating(before), terminating(pod('web', 'u1', { nodeName: 'n1' }, { phase: 'Running', containerStatuses: [running('web', 12_000, 1)] })), { from: 'kubelet/n1' });
    expect(h.ids()).toEqual(['deleted-pod-never-restarts']);
    expect(h.violations()[0]!.message).toContain('started at 12.000s');
  });
});

describe('scheduled-pod-satisfies-its-constraints', () => {
  const tainted = node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }, { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } });

  it('fires when the scheduler binds a pod to a node it knew it could not tolerate', () => {
    const h = harness(inv.scheduledPodSatisfiesItsConstraints);
    const r = h.write('create', nodeKey('n1'), undefined, tainted);
    h.deliver('kube-scheduler', 'informer:nodes:watch', { type: 'ADDED', object: { ...tainted, metadata: { ...tainted.metadata, resourceVersion: String(r) } } });
    const p = pod('web', 'u1');
    h.write('create', podKey('web'), undefined, p);
    h.write('update', podKey('web'), p, { ...p, spec: { ...p.spec, nodeName: 'n1' } }, binding('web'));
    expect(h.ids()).toEqual(['scheduled-pod-satisfies-its-constraints']);
    expect(h.violations()[0]!.message).toContain('TaintToleration');
  });

  it('accepts a tolerating pod, and a taint added after the scheduler decided', () => {
    const h = harness(inv.scheduledPodSatisfiesItsConstraints);
    const plain = node('n1', {}, { allocatable: { cpu: '4' } });
    const r = h.write('create', nodeKey('n1'), undefined, plain);
    h.deliver('kube-scheduler', 'informer:nodes:watch', { type: 'ADDED', object: { ...plain, metadata: { ...plain.metadata, resourceVersion: String(r) } } });
    const p = pod('web', 'u1');
    const sentRevision = h.write('create', podKey('web'), undefined, p);
    h.write('update', nodeKey('n1'), plain, tainted);
    h.write('update', podKey('web'), p, { ...p, spec: { ...p.spec, nodeName: 'n1' } }, { ...binding('web'), sentRevision });
    const q = pod('gpu', 'u2', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] });
    h.write('update', podKey('gpu'), q, { ...q, spec: { ...q.spec, nodeName: 'n1' } }, binding('gpu'));
    expect(h.ids()).toEqual([]);
  });
});

describe('no-container-running-before-sandbox-ip', () => {
  it('fires when a status shows a running container and no pod IP', () => {
    const h = harness(inv.noContainerRunningBeforeSandboxIp);
    h.write('update', podKey('ok'), pod('ok', 'u0'), pod('ok', 'u0', { nodeName: 'n1' }, { phase: 'Running', podIP: '10.244.1.2', containerStatuses: [running('web', 1000)] }));
    h.write('update', podKey('host'), pod('host', 'u1'), pod('host', 'u1', { nodeName: 'n1', hostNetwork: true }, { phase: 'Running', containerStatuses: [running('web', 1000)] }));
    expect(h.ids()).toEqual([]);
    h.write('update', podKey('web'), pod('web', 'u2'), pod('web', 'u2', { nodeName: 'n1' }, { phase: 'Running', containerStatuses: [running('web', 1000)] }), { from: 'kubelet/n1' });
    expect(h.ids()).toEqual(['no-container-running-before-sandbox-ip']);
    expect(h.violations()[0]!.message).toContain('running while the pod has no IP');
  });
});

describe('taint-eviction-respects-toleration-seconds', () => {
  const taintedAt = (ms: number) => node('n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: timestamp(ms) }] });
  const tolerating = (seconds?: number, name = 'web') => pod(name, `u-${name}`, {
    nodeName: 'n1', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) }],
  }, { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }] });
  const evict = (h: ReturnType<typeof harness>, p: Pod, atMs: number) =>
    h.write('update', podKey(p.metadata.name!), p, { ...p, metadata: { ...p.metadata, deletionTimestamp: timestamp(atMs + 30_000) } }, { from: KCM, verb: 'delete', path: `/api/v1/namespaces/default/pods/${p.metadata.name}` }, atMs);

  it('fires on an eviction before tolerationSeconds have run out since the taint was added', () => {
    const h = harness(inv.taintEvictionRespectsTolerationSeconds);
    h.write('create', nodeKey('n1'), undefined, taintedAt(60_000));
    evict(h, tolerating(300), 100_000);
    expect(h.ids()).toEqual(['taint-eviction-respects-toleration-seconds']);
    expect(h.violations()[0]!.message).toContain('not before 360.000s');
  });

  it('fires on evicting a pod that tolerates the taint forever', () => {
    const h = harness(inv.taintEvictionRespectsTolerationSeconds);
    h.write('create', nodeKey('n1'), undefined, taintedAt(60_000));
    evict(h, tolerating(undefined), 500_000);
    expect(h.violations()[0]!.message).toContain('without a time limit');
  });

  it('accepts an eviction after tolerationSeconds, and at once for a pod that does not tolerate the taint', () => {
    const h = harness(inv.taintEvictionRespectsTolerationSeconds);
    h.write('create', nodeKey('n1'), undefined, taintedAt(60_000));
    evict(h, tolerating(300), 361_000);
    const intolerant = { ...tolerating(300, 'other'), spec: { ...tolerating(300, 'other').spec, tolerations: [] } };
    evict(h, intolerant, 61_000);
    expect(h.ids()).toEqual([]);
  });
});
