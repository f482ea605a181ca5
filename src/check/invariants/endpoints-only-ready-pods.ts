/**
 * EndpointSlices mark an endpoint ready only for a pod that is Ready and not terminating (unless
 * the Service publishes not-ready addresses). Judged against what the EndpointSlice controller
 * knew when it sent the write: the newest version of the pod its pod informer had received. A
 * pod that turned unready after that is a race the next sync settles, not a violation.
 */
import type { EndpointSlice, Pod, Service } from '../../api/objects.ts';
import { invariant } from '../invariant.ts';
import { isReady, podKey, refOf } from '../objects.ts';

/** The EndpointSlice controller's pod informer (machines/kube-controller-manager/endpointslice.ts). */
const POD_INFORMER_TAG = 'informer:endpointslice/';

export const endpointsOnlyReadyPods = invariant({
  id: 'endpoints-only-ready-pods',
  statement: 'an EndpointSlice marks an endpoint ready only for a pod its controller knew to be Ready and not terminating',
  source: 'pkg/controller/endpointslice/reconciler.go and staging/src/k8s.io/endpointslice/utils.go (podToEndpoint: ready = podutil.IsPodReady && !terminating, or publishNotReadyAddresses)',
  resources: ['endpointslices'],
  onWrite(w, cx) {
    const req = w.request;
    if (w.type === 'delete' || !req || req.from !== 'kube-controller-manager') return;
    if (req.tag !== undefined && !req.tag.startsWith('endpointslice-controller')) return;
    const slice = w.next as EndpointSlice;
    const ns = slice.metadata.namespace ?? '';
    const svcName = slice.metadata.labels?.['kubernetes.io/service-name'];
    if (svcName) {
      const svcKey = `/registry/services/${ns}/${svcName}`;
      const publishes = (s: Service | undefined) => (s?.spec as { publishNotReadyAddresses?: boolean } | undefined)?.publishNotReadyAddresses === true;
      if (publishes(cx.get(svcKey) as Service | undefined) || publishes(cx.getAt(svcKey, req.sentRevision) as Service | undefined)) return;
    }
    const out: Array<{ message: string; objects: string[] }> = [];
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions.ready !== true || ep.targetRef?.kind !== 'Pod') continue;
      const key = podKey(ep.targetRef.namespace ?? ns, ep.targetRef.name);
      const known = cx.knownBefore(req.from, key, req, POD_INFORMER_TAG);
      if (known.length === 0) continue;
      const reasons = known.map((k) => {
        const pod = k.object as Pod;
        if (ep.targetRef?.uid && pod.metadata.uid !== ep.targetRef.uid) return undefined;
        return k.type === 'DELETED' ? 'deleted' : pod.metadata.deletionTimestamp ? 'terminating' : !isReady(pod) ? 'not Ready' : undefined;
      });
      // Every version it may have acted on says the pod should not be ready.
      if (reasons.some((r) => r === undefined)) continue;
      const pod = known[0]!.object as Pod;
      out.push({
        message: `endpoint ${ep.addresses.join(',')} of pod ${ep.targetRef.name} is marked ready, but the controller knew the pod was ${reasons[0]} (version ${pod.metadata.resourceVersion})`,
        objects: [refOf(slice), refOf(pod)],
      });
    }
    if (out.length > 0) return out;
  },
});
