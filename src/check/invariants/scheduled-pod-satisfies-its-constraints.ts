/**
 * The scheduler binds a pod only to a node that passes the pod's placement filters: not cordoned
 * (unless tolerated), every NoSchedule/NoExecute taint tolerated, nodeSelector and required node
 * affinity matched. Judged against the node as the scheduler could have seen it when it sent the
 * binding: some version between the newest one its node informer had received and the store's
 * revision then. (Resource fit is node-not-overcommitted's; the filters are the scheduler's own
 * plugin functions, so this catches cache and assume bugs, not a plugin's logic.)
 */
import type { Node, Pod } from '../../api/objects.ts';
import { makeNodeInfo, newCycleState, type FilterPlugin } from '../../../machines/kube-scheduler/framework.ts';
import { NodeAffinity } from '../../../machines/kube-scheduler/plugins/NodeAffinity.ts';
import { NodeUnschedulable } from '../../../machines/kube-scheduler/plugins/NodeUnschedulable.ts';
import { TaintToleration } from '../../../machines/kube-scheduler/plugins/TaintToleration.ts';
import { invariant } from '../invariant.ts';
import { nodeKey, refOf } from '../objects.ts';

const FILTERS: readonly FilterPlugin[] = [NodeUnschedulable, TaintToleration, NodeAffinity];
/** The scheduler's node informer (machines/kube-scheduler/machine.ts). */
const NODE_INFORMER_TAG = 'informer:nodes:';

/** The first filter the node fails, with its reasons. */
function rejection(pod: Pod, node: Node): string | undefined {
  const info = makeNodeInfo(node, []);
  const state = newCycleState(pod, [info]);
  for (const f of FILTERS) {
    const s = f.filter(pod, info, state);
    if (s.code !== 'Success') return `${f.name}: ${s.reasons.join(', ')}`;
  }
  return undefined;
}

export const scheduledPodSatisfiesItsConstraints = invariant({
  id: 'scheduled-pod-satisfies-its-constraints',
  statement: "the scheduler binds a pod only to a node that passes the pod's taint, cordon, nodeSelector and node affinity filters",
  source: 'pkg/scheduler/framework/plugins/{nodeunschedulable,tainttoleration,nodeaffinity} (Filter); pkg/scheduler/schedule_one.go (findNodesThatFitPod)',
  resources: ['pods'],
  onWrite(w, cx) {
    const req = w.request;
    if (w.type !== 'update' || !req || req.verb !== 'create' || !req.path.endsWith('/binding') || req.from !== 'kube-scheduler') return;
    const pod = w.next as Pod;
    const name = pod.spec.nodeName;
    if (!name) return;
    const key = nodeKey(name);
    const known = cx.knownBefore(req.from, key, req, NODE_INFORMER_TAG);
    const from = known.length > 0 ? Math.min(...known.map((k) => Number(k.object.metadata.resourceVersion))) : 0;
    const candidates = cx.versions(key, from, req.sentRevision).map((v) => v.value as Node | undefined).filter((n): n is Node => n !== undefined);
    if (candidates.length === 0) return;
    const reasons: string[] = [];
    for (const node of candidates) {
      const why = rejection(pod, node);
      if (why === undefined) return;
      reasons.push(why);
    }
    return {
      message: `pod bound to ${name}, which the scheduler could only have seen failing ${reasons[reasons.length - 1]}`,
      objects: [refOf(pod), `Node/${name}`],
    };
  },
});
