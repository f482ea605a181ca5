/**
 * A pod is bound once: spec.nodeName, once set, never changes for the same pod (uid). The binding
 * subresource refuses a pod that is already assigned, and spec.nodeName is immutable on update.
 */
import type { Pod } from '../../api/objects.ts';
import { invariant } from '../invariant.ts';
import { sameObject } from '../objects.ts';

export const podBoundAtMostOnce = invariant({
  id: 'pod-bound-at-most-once',
  statement: 'a pod is bound to a node at most once: spec.nodeName, once set, never changes',
  source: 'pkg/registry/core/pod/storage/storage.go (assignPod: "pod %v is already assigned to node %q"); pkg/apis/core/validation (spec.nodeName immutable)',
  resources: ['pods'],
  onWrite(w) {
    if (w.type !== 'update' || !sameObject(w.prev, w.next)) return;
    const before = (w.prev as Pod).spec.nodeName;
    const after = (w.next as Pod).spec.nodeName;
    if (before && after !== before) {
      const how = w.request ? ` by ${w.request.from} (${w.request.verb} ${w.request.path})` : '';
      return `pod was bound to ${before} and is now ${after ? `bound to ${after}` : 'unbound'}${how}`;
    }
  },
});
