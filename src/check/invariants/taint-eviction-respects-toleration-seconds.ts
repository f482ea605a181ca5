/**
 * The taint manager evicts a pod from a node with NoExecute taints only when the pod does not
 * tolerate one of them, or once the shortest tolerationSeconds among the tolerations it uses has
 * run out since the taints were added; a pod tolerating them without a time limit is never
 * evicted. Only deletions the taint manager made are judged: by kube-controller-manager, of a pod
 * carrying DisruptionTarget=True with reason DeletionByTaintManager. Taints are read at the
 * revision the deletion was decided on; taint times have seconds precision, so the bound is
 * taken at its earliest.
 */
import type { Node, Pod, Taint, Toleration } from '../../api/objects.ts';
import { tolerationToleratesTaint } from '../../../machines/kube-scheduler/plugins/TaintToleration.ts';
import { invariant } from '../invariant.ts';
import { condition, fmtMs, nodeKey, refOf, virtualMs } from '../objects.ts';

export const DELETION_BY_TAINT_MANAGER = 'DeletionByTaintManager';

/**
 * getMinTolerationTime over the tolerations the taints use: undefined when a taint is not
 * tolerated at all (evict at once), Infinity when no used toleration has a time limit.
 */
function minTolerationMs(taints: readonly Taint[], tolerations: readonly Toleration[]): number | undefined {
  let min = Infinity;
  for (const taint of taints) {
    const used = tolerations.filter((t) => tolerationToleratesTaint(t, taint));
    if (used.length === 0) return undefined;
    for (const t of used) if (t.tolerationSeconds !== undefined) min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
  }
  return min;
}

export const taintEvictionRespectsTolerationSeconds = invariant({
  id: 'taint-eviction-respects-toleration-seconds',
  statement: 'the taint manager evicts a pod that tolerates its node\'s NoExecute taints only after the shortest tolerationSeconds it uses has run out',
  source: 'pkg/controller/tainteviction/taint_eviction.go (processPodOnNode, getMinTolerationTime); concepts "Taints and Tolerations" (tolerationSeconds)',
  resources: ['pods'],
  onWrite(w, cx) {
    const req = w.request;
    if (!req || req.verb !== 'delete' || req.from !== 'kube-controller-manager' || !w.prev) return;
    const prev = w.prev as Pod;
    if (prev.metadata.deletionTimestamp) return; // not the deletion itself (already being deleted)
    const pod = (w.next as Pod | undefined) ?? prev;
    const dt = condition(pod, 'DisruptionTarget');
    if (dt?.status !== 'True' || dt.reason !== DELETION_BY_TAINT_MANAGER) return;
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const node = cx.getAt(nodeKey(nodeName), req.sentRevision) as Node | undefined;
    const taints = (node?.spec.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const min = minTolerationMs(taints, pod.spec.tolerations ?? []);
    if (min === undefined) return; // some taint is not tolerated: eviction at once
    const objects = [refOf(pod), `Node/${nodeName}`];
    if (min === Infinity) return { message: `evicted from ${nodeName} although it tolerates every NoExecute taint there without a time limit`, objects };
    const added = taints.map((t) => virtualMs(t.timeAdded)).filter((x): x is number => x !== undefined);
    if (added.length === 0) return;
    const earliest = Math.min(...added);
    if (w.at >= earliest + min) return;
    return {
      message: `evicted from ${nodeName} at ${fmtMs(w.at)}, but its NoExecute taints were added at ${fmtMs(earliest)} or later and it tolerates them for ${min / 1000}s (not before ${fmtMs(earliest + min)})`,
      objects,
    };
  },
});
