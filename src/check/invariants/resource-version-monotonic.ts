/**
 * Resource versions are etcd revisions: every write gets a revision greater than every earlier
 * one (writes of one transaction share it), a written object's resourceVersion is the revision of
 * that write, and nothing served names a revision the store has not reached; a list's
 * resourceVersion is at least that of every item in it.
 */
import type { KObject } from '../../api/objects.ts';
import { invariant, type CheckContext } from '../invariant.ts';

interface State {
  lastRevision: number;
  keysAtLast: Set<string>;
}

const rvOf = (o: KObject | undefined) => Number(o?.metadata?.resourceVersion);

export const resourceVersionMonotonic = invariant<State>({
  id: 'resource-version-monotonic',
  statement: "every write gets a revision above all earlier ones, an object's resourceVersion is its write's revision, and no response names a revision the store has not reached",
  source: 'etcd mvcc (revision: a 64-bit cluster-wide counter incremented on every modification); staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go (resourceVersion = mod revision); API concepts "Resource versions"',
  init: () => ({ lastRevision: 0, keysAtLast: new Set() }),
  onWrite(w, cx: CheckContext<State>) {
    const s = cx.state;
    const out: string[] = [];
    if (w.revision < s.lastRevision || (w.revision === s.lastRevision && s.keysAtLast.has(w.key))) {
      out.push(`write of ${w.key} at revision ${w.revision} does not follow revision ${s.lastRevision}`);
    }
    if (w.revision !== s.lastRevision) s.keysAtLast.clear();
    s.keysAtLast.add(w.key);
    s.lastRevision = Math.max(s.lastRevision, w.revision);
    if (w.type !== 'delete' && w.next && rvOf(w.next) !== w.revision) {
      out.push(`${w.key} was written at revision ${w.revision} with resourceVersion ${w.next.metadata.resourceVersion}`);
    }
    if (out.length > 0) return out;
  },
  onRequest(r, cx) {
    if (r.code < 200 || r.code >= 300 || typeof r.body !== 'object' || r.body === null) return;
    const body = r.body as KObject & { items?: KObject[] };
    const current = cx.revision();
    const rv = rvOf(body);
    if (Number.isFinite(rv) && rv > current) return `${r.verb} ${r.path} answered resourceVersion ${rv}, beyond the store's revision ${current}`;
    if (r.verb === 'list' && Array.isArray(body.items) && Number.isFinite(rv)) {
      const ahead = body.items.find((i) => rvOf(i) > rv);
      if (ahead) return `list ${r.path} at resourceVersion ${rv} holds ${ahead.kind ?? 'an item'} ${ahead.metadata?.name} at resourceVersion ${ahead.metadata?.resourceVersion}`;
    }
  },
});
