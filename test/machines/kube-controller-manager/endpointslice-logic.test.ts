import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod } from '../../../src/api/objects.ts';
import {
  endpointPorts, findPort, podEndpoint, reconcileSlices, shouldPodBeInEndpoints, sliceLabels,
} from '../../../machines/kube-controller-manager/endpointslice-logic.ts';
import { pod, service } from './harness.ts';

const svc = service('web');

function existing(name: string, endpoints: EndpointSlice['endpoints'], ports: EndpointSlice['ports'] = [{ name: '', port: 8080, protocol: 'TCP' }]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', labels: sliceLabels(svc), ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
    addressType: 'IPv4', endpoints, ports,
  };
}

const ready = (name: string, ip: string, extra: Parameters<typeof pod>[1] = {}) => pod(name, { ready: true, ip, node: 'n1', ...extra });

describe('endpoint conditions', () => {
  it.each([
    ['a ready pod', ready('a', '10.244.0.5'), { ready: true, serving: true, terminating: false }],
    ['a running pod that is not ready', pod('a', { ready: false, ip: '10.244.0.5' }), { ready: false, serving: false, terminating: false }],
    ['a ready pod being deleted', ready('a', '10.244.0.5', { deleting: true }), { ready: false, serving: true, terminating: true }],
    ['an unready pod being deleted', pod('a', { ready: false, ip: '10.244.0.5', deleting: true }), { ready: false, serving: false, terminating: true }],
  ])('%s', (_name, p, conditions) => {
    expect(podEndpoint(svc, p).conditions).toEqual(conditions);
  });

  it('publishNotReadyAddresses makes every endpoint ready and serving', () => {
    expect(podEndpoint(service('web', { publishNotReady: true }), pod('a', { ready: false, ip: '1.2.3.4', deleting: true })).conditions)
      .toEqual({ ready: true, serving: true, terminating: true });
  });

  it('carries address, node and a Pod targetRef', () => {
    expect(podEndpoint(svc, ready('a', '10.244.0.5'))).toEqual({
      addresses: ['10.244.0.5'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1',
      targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
    });
  });
});

describe('which pods get endpoints', () => {
  const never = (p: Pod): Pod => ({ ...p, spec: { ...p.spec, restartPolicy: 'Never' } });
  it.each([
    ['a pod without an IP', pod('a'), false],
    ['a pod with an IP', pod('a', { ip: '10.0.0.1' }), true],
    ['a terminating pod with an IP', pod('a', { ip: '10.0.0.1', deleting: true }), true],
    ['a Failed pod that will restart (Always)', pod('a', { ip: '10.0.0.1', phase: 'Failed' }), true],
    ['a Failed pod that never restarts', never(pod('a', { ip: '10.0.0.1', phase: 'Failed' })), false],
    ['a pod with only an IPv6 address', pod('a', { ip: 'fd00::1' }), false],
  ])('%s: %s', (_name, p, included) => {
    expect(shouldPodBeInEndpoints(p)).toBe(included);
  });
});

describe('ports', () => {
  const named = pod('a', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }] });
  it.each([
    ['a numeric targetPort is used as it is', { port: 80, targetPort: 8080 }, 8080],
    ['a named targetPort looks up the container port', { port: 80, targetPort: 'metrics' }, 9090],
    ['an unknown name resolves to nothing', { port: 80, targetPort: 'grpc' }, undefined],
    ['a named port of another protocol does not match', { port: 80, targetPort: 'http', protocol: 'UDP' }, undefined],
    ['no targetPort means the service port', { port: 80 }, 80],
  ])('%s', (_name, sp, want) => {
    expect(findPort(named, sp)).toBe(want);
  });

  it('lists the resolved ports in service order with names and protocols', () => {
    const s = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'grpc', port: 81, targetPort: 'grpc' }, { name: 'm', port: 90, targetPort: 9090 }] });
    expect(endpointPorts(s, named)).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'm', port: 9090, protocol: 'TCP' }]);
  });
});

describe('reconcileSlices', () => {
  it('creates one slice for a new Service with endpoints, labelled and owned', () => {
    const plan = reconcileSlices(svc, [ready('b', '10.0.0.2'), ready('a', '10.0.0.1')], []);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.create).toHaveLength(1);
    const s = plan.create[0]!;
    expect(s.metadata).toEqual({
      generateName: 'web-', namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-svc-web', controller: true, blockOwnerDeletion: true }],
    });
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints.map((e) => e.targetRef?.name)).toEqual(['a', 'b']);
  });

  it('creates an empty placeholder slice for a Service without endpoints', () => {
    const plan = reconcileSlices(svc, [pod('a')], []);
    expect(plan.create.map((s) => [s.endpoints, s.ports])).toEqual([[[], []]]);
  });

  it('skips pods of other namespaces and pods the selector does not match', () => {
    const other = { ...ready('x', '10.0.0.9'), metadata: { ...ready('x', '10.0.0.9').metadata, namespace: 'other' } };
    const plan = reconcileSlices(svc, [other, ready('y', '10.0.0.8', { labels: { app: 'db' } })], []);
    expect(plan.create[0]!.endpoints).toEqual([]);
  });

  it('changes nothing when the slice is current', () => {
    const pods = [ready('a', '10.0.0.1')];
    const plan = reconcileSlices(svc, pods, [existing('web-abcde', [podEndpoint(svc, pods[0]!)])]);
    expect(plan).toEqual({ create: [], update: [], delete: [] });
  });

  it('updates the slice in place when a pod stops being ready', () => {
    const p = ready('a', '10.0.0.1');
    const plan = reconcileSlices(svc, [{ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } }], [existing('web-abcde', [podEndpoint(svc, p)])]);
    expect(plan.create).toEqual([]);
    expect(plan.update.map((s) => [s.metadata.name, s.endpoints[0]!.conditions.ready])).toEqual([['web-abcde', false]]);
  });

  it('keeps endpoints where they are and fills free room before creating', () => {
    const pods = Array.from({ length: 5 }, (_, i) => ready(`p${i}`, `10.0.0.${i + 1}`));
    const s1 = existing('web-1', [podEndpoint(svc, pods[3]!), podEndpoint(svc, pods[4]!)]);
    const plan = reconcileSlices(svc, pods, [s1], 3);
    expect(plan.update.map((s) => s.endpoints.map((e) => e.targetRef?.name))).toEqual([['p3', 'p4', 'p0']]);
    expect(plan.create.map((s) => s.endpoints.map((e) => e.targetRef?.name))).toEqual([['p1', 'p2']]);
  });

  it('puts at most 100 endpoints in a slice', () => {
    const pods = Array.from({ length: 250 }, (_, i) => ready(`p${String(i).padStart(3, '0')}`, `10.0.${i >> 8}.${i & 255}`));
    expect(reconcileSlices(svc, pods, []).create.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
  });

  it('recycles an emptied slice instead of deleting one and creating another', () => {
    const old = existing('web-1', [podEndpoint(svc, ready('gone', '10.0.0.1'))]);
    const plan = reconcileSlices(svc, [ready('new', '10.0.0.2')], [old]);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update.map((s) => s.endpoints.map((e) => e.targetRef?.name))).toEqual([['new']]);
  });

  it('turns the last slice into a placeholder when every endpoint is gone, deleting the rest', () => {
    const a = existing('web-1', [podEndpoint(svc, ready('a', '10.0.0.1'))]);
    const b = existing('web-2', [podEndpoint(svc, ready('b', '10.0.0.2'))]);
    const plan = reconcileSlices(svc, [], [b, a]);
    expect(plan.update.map((s) => [s.metadata.name, s.endpoints, s.ports])).toEqual([['web-1', [], []]]);
    expect(plan.delete.map((s) => s.metadata.name)).toEqual(['web-2']);
  });

  it('splits pods whose named ports resolve differently into slices per port set', () => {
    const s = service('web', { ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    const v1 = pod('a', { ready: true, ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] });
    const v2 = pod('b', { ready: true, ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9000 }] });
    expect(reconcileSlices(s, [v1, v2], []).create.map((x) => [x.ports?.[0]?.port, x.endpoints.map((e) => e.targetRef?.name)])).toEqual([[8080, ['a']], [9000, ['b']]]);
  });
});
