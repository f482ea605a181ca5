/**
 * Once the garbage collector has had its time (the cluster is quiet), no object it collects still
 * names an owner that no longer exists: every dependent of a deleted owner was deleted (or is
 * being deleted), or orphaned by removing the reference. Owners of kinds the collector does not
 * watch are left out (their deletion is only noticed when a dependent changes, as documented in
 * machines/kube-controller-manager/garbagecollector.ts).
 */
import { MONITORED } from '../../../machines/kube-controller-manager/garbagecollector.ts';
import { resourceForKind } from '../../api/registry.ts';
import { invariant } from '../invariant.ts';
import { refOf, resourceOfKey } from '../objects.ts';

const COLLECTED = new Set(MONITORED.map((m) => m.resource));
const ownerWatched = (apiVersion: string, kind: string) => {
  const info = resourceForKind(apiVersion, kind);
  return info !== undefined && COLLECTED.has(info.resource);
};

export const noDanglingOwnerAfterGc = invariant({
  id: 'no-dangling-owner-after-gc',
  statement: 'when the cluster is quiet, no collected object names an owner that no longer exists',
  source: 'pkg/controller/garbagecollector/garbagecollector.go (attemptToDeleteItem: dependents whose owners are all absent are deleted); concepts "Garbage Collection" (background cascading deletion)',
  atQuiescence(cx) {
    const uids = new Set<string>();
    const all = cx.sim.store.range('/registry/').kvs;
    for (const kv of all) if (kv.value.metadata?.uid) uids.add(kv.value.metadata.uid);
    const out: Array<{ message: string; objects: string[] }> = [];
    for (const kv of all) {
      const obj = kv.value;
      if (!COLLECTED.has(resourceOfKey(kv.key)) || obj.metadata.deletionTimestamp) continue;
      for (const ref of obj.metadata.ownerReferences ?? []) {
        if (uids.has(ref.uid) || !ownerWatched(ref.apiVersion, ref.kind)) continue;
        out.push({ message: `${refOf(obj)} still names its deleted owner ${ref.kind}/${ref.name} (uid ${ref.uid})`, objects: [refOf(obj), `${ref.kind}/${obj.metadata.namespace ? obj.metadata.namespace + '/' : ''}${ref.name}`] });
      }
    }
    if (out.length > 0) return out;
  },
});
