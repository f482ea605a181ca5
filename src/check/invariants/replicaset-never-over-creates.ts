/**
 * The ReplicaSet controller never creates a pod beyond what expectations allow: when one of its
 * pod creations lands, the ReplicaSet's active pods (not terminal, not being deleted) number at
 * most its spec.replicas. Judged against every spec.replicas the controller may have acted on:
 * from the newest version of the ReplicaSet its informer had received when it sent the create, up
 * to now (a scale-down in flight is a race, not an over-creation). Pods created by a network
 * duplicate of a request are not the controller's decision and are left out.
 */
import type { Pod, ReplicaSet } from '../../api/objects.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { controllerUid, isActive, refOf } from '../objects.ts';

/** The ReplicaSet controller's ReplicaSet informer (machines/kube-controller-manager/replicaset.ts). */
const RS_INFORMER_TAG = 'informer:replicaset/';

interface State {
  active: Map<string, Set<string>>;
  ownerOf: Map<string, string>;
  duplicates: Set<string>;
}

function untrack(s: State, podUid: string): void {
  const rs = s.ownerOf.get(podUid);
  if (rs === undefined) return;
  s.ownerOf.delete(podUid);
  s.active.get(rs)?.delete(podUid);
}

function track(s: State, pod: Pod | undefined): void {
  const uid = pod?.metadata.uid;
  if (!pod || !uid) return;
  const rs = controllerUid(pod, 'ReplicaSet');
  if (!rs || !isActive(pod) || s.duplicates.has(uid)) return untrack(s, uid);
  if (s.ownerOf.get(uid) === rs) return;
  untrack(s, uid);
  s.ownerOf.set(uid, rs);
  let set = s.active.get(rs);
  if (!set) s.active.set(rs, (set = new Set()));
  set.add(uid);
}

export const replicasetNeverOverCreates = invariant<State>({
  id: 'replicaset-never-over-creates',
  statement: "the ReplicaSet controller's pod creations never take a ReplicaSet above the replicas it was asked for",
  source: 'pkg/controller/replicaset/replica_set.go (manageReplicas, slowStartBatch); pkg/controller/controller_utils.go (ControllerExpectations: no new creations until the last ones are observed)',
  resources: ['pods'],
  init: () => ({ active: new Map(), ownerOf: new Map(), duplicates: new Set() }),
  seed(key, obj, cx) {
    if (key.startsWith('/registry/pods/')) track(cx.state, obj as Pod);
  },
  onWrite(w, cx: CheckContext<State>) {
    const s = cx.state;
    const prev = w.prev as Pod | undefined;
    const next = w.type === 'delete' ? undefined : (w.next as Pod | undefined);
    if (prev?.metadata.uid && prev.metadata.uid !== next?.metadata.uid) untrack(s, prev.metadata.uid);
    const req = w.request;
    if (w.type === 'create' && next?.metadata.uid && req?.duplicate) s.duplicates.add(next.metadata.uid);
    track(s, next);
    if (w.type !== 'create' || !next || !req || req.duplicate || req.from !== 'kube-controller-manager') return;
    if (req.tag !== undefined && !req.tag.startsWith('replicaset-controller')) return;
    const rsUid = controllerUid(next, 'ReplicaSet');
    const ref = (next.metadata.ownerReferences ?? []).find((r) => r.uid === rsUid);
    if (!rsUid || !ref || !isActive(next)) return;
    const rsKey = `/registry/replicasets/${next.metadata.namespace ?? ''}/${ref.name}`;
    const known = cx.knownBefore(req.from, rsKey, req, RS_INFORMER_TAG);
    const from = known.length > 0 ? Math.min(...known.map((k) => Number(k.object.metadata.resourceVersion))) : 0;
    let allowed = -1;
    for (const v of cx.versions(rsKey, from)) {
      const rs = v.value as ReplicaSet | undefined;
      if (rs?.metadata.uid === rsUid) allowed = Math.max(allowed, rs.spec.replicas ?? 1);
    }
    if (allowed < 0) return;
    const count = s.active.get(rsUid)?.size ?? 0;
    if (count <= allowed) return;
    return {
      message: `creating ${next.metadata.name} gives ReplicaSet ${next.metadata.namespace}/${ref.name} ${count} active pods, above ${allowed} replicas (decided at revision ${req.sentRevision})`,
      objects: [`ReplicaSet/${next.metadata.namespace}/${ref.name}`, refOf(next)],
    };
  },
});
