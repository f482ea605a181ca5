import { describe, expect, it } from 'vitest';
import type { EndpointSlice, KObject, Pod } from '../../../src/api/objects.ts';
import { endpointSliceControllerMachine } from '../../../machines/kube-controller-manager/endpointslice.ts';
import { describe as show, Harness, pod, service } from './harness.ts';

function start(objects: { services?: KObject[]; pods?: Pod[]; slices?: EndpointSlice[] }) {
  const h = new Harness(endpointSliceControllerMachine);
  h.list('endpointslice/services', objects.services ?? []);
  h.list('endpointslice/pods', objects.pods ?? []);
  h.list('endpointslice/endpointslices', objects.slices ?? []);
  return h;
}

const readyPod = (name: string, ip: string) => pod(name, { ready: true, ip, node: 'n1' });

/** Answers a slice create as the API server would, and returns the stored slice. */
function accept(h: Harness, sent: ReturnType<Harness['sent']>[number], name: string): EndpointSlice {
  const body = sent.req.body as EndpointSlice;
  const stored = { ...body, metadata: { ...body.metadata, name, uid: `uid-${name}`, resourceVersion: h.nextRv() } };
  h.respond(sent, 201, stored);
  return stored;
}

describe('endpointslice controller', () => {
  it('watches only the slices it manages', () => {
    const h = new Harness(endpointSliceControllerMachine);
    const list = h.port.requests.find((r) => r.tag === 'informer:endpointslice/endpointslices:list')!;
    expect(list.req.query).toEqual({ labelSelector: 'endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io' });
  });

  it('creates a slice for a Service with a selector once everything has listed', () => {
    const h = start({ services: [service('web')], pods: [readyPod('web-a', '10.244.0.5')] });
    const sent = h.sent();
    expect(show(sent)).toEqual(['POST endpointslices']);
    const body = sent[0]!.req.body as EndpointSlice;
    expect(sent[0]!.req).toMatchObject({ group: 'discovery.k8s.io', version: 'v1', namespace: 'default' });
    expect(body.endpoints.map((e) => [e.addresses, e.conditions])).toEqual([[['10.244.0.5'], { ready: true, serving: true, terminating: false }]]);
  });

  it('gives Services without a selector no slices', () => {
    const h = start({ services: [service('ext', { selector: null })], pods: [readyPod('web-a', '10.244.0.5')] });
    expect(h.sent()).toEqual([]);
  });

  it('does not create a second slice before the informer has seen the first', () => {
    const p = readyPod('web-a', '10.244.0.5');
    const h = start({ services: [service('web')], pods: [p] });
    const [create] = h.sent();
    const stored = accept(h, create!, 'web-x7k2p');
    h.watch('endpointslice/pods', 'MODIFIED', { ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(h.sent()).toEqual([]);
    h.watch('endpointslice/endpointslices', 'ADDED', stored, stored.metadata.resourceVersion);
    const sent = h.sent();
    expect(show(sent)).toEqual(['PUT endpointslices/web-x7k2p']);
    expect((sent[0]!.req.body as EndpointSlice).endpoints[0]!.conditions).toEqual({ ready: false, serving: false, terminating: false });
  });

  it('marks a terminating pod ready=false, serving, terminating', () => {
    const p = readyPod('web-a', '10.244.0.5');
    const h = start({ services: [service('web')], pods: [p] });
    const stored = accept(h, h.sent()[0]!, 'web-x7k2p');
    h.watch('endpointslice/endpointslices', 'ADDED', stored, stored.metadata.resourceVersion);
    h.watch('endpointslice/pods', 'MODIFIED', { ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-01-01T00:00:30Z' } });
    const [put] = h.sent();
    expect((put!.req.body as EndpointSlice).endpoints[0]!.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it('records FailedToUpdateEndpointSlices and retries when a write fails', () => {
    const h = start({ services: [service('web')], pods: [readyPod('web-a', '10.244.0.5')] });
    const [create] = h.sent();
    h.respond(create!, 500, { kind: 'Status', message: 'etcdserver: request timed out' });
    expect(h.events()).toEqual([{ reason: 'FailedToUpdateEndpointSlices', message: 'Error updating Endpoint Slices for Service default/web: etcdserver: request timed out' }]);
    h.sent();
    h.advance(1000);
    expect(show(h.sent())).toEqual(['POST endpointslices']);
  });

  it('follows a pod whose labels stop matching', () => {
    const p = readyPod('web-a', '10.244.0.5');
    const h = start({ services: [service('web')], pods: [p] });
    const stored = accept(h, h.sent()[0]!, 'web-x7k2p');
    h.watch('endpointslice/endpointslices', 'ADDED', stored, stored.metadata.resourceVersion);
    h.watch('endpointslice/pods', 'MODIFIED', { ...p, metadata: { ...p.metadata, labels: { app: 'other' } } });
    const [put] = h.sent();
    expect((put!.req.body as EndpointSlice).endpoints).toEqual([]);
  });
});
