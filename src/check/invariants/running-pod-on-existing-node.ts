/**
 * A pod only becomes Running on a Node that exists: the kubelet that runs it registered that
 * Node, and a status write that makes a pod Running names it in spec.nodeName. (A Node deleted
 * under running pods is the pod garbage collector's to clean up later, not a violation.)
 */
import type { Pod } from '../../api/objects.ts';
import { invariant } from '../invariant.ts';
import { nodeKey, sameObject } from '../objects.ts';

export const runningPodOnExistingNode = invariant({
  id: 'running-pod-on-existing-node',
  statement: 'a pod becomes Running only on a Node that exists',
  source: 'pkg/kubelet/kubelet.go (a kubelet runs the pods bound to its own registered Node); pkg/controller/podgc (orphaned pods on deleted nodes are failed and removed)',
  resources: ['pods'],
  onWrite(w, cx) {
    if (w.type === 'delete') return;
    const next = w.next as Pod;
    if (next.status?.phase !== 'Running') return;
    if (sameObject(w.prev, w.next) && (w.prev as Pod).status?.phase === 'Running') return;
    const node = next.spec.nodeName;
    if (!node) return `pod became Running bound to no node${w.request ? ` (written by ${w.request.from})` : ''}`;
    if (cx.get(nodeKey(node)) === undefined) return { message: `pod became Running on node ${node}, which does not exist${w.request ? ` (written by ${w.request.from})` : ''}`, objects: [`Pod/${next.metadata.namespace}/${next.metadata.name}`, `Node/${node}`] };
  },
});
