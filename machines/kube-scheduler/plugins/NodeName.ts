/**
 * NodeName (pkg/scheduler/framework/plugins/nodename): a pod that names a node fits only there.
 * Pods created with spec.nodeName never reach the scheduler; this covers the rest (e.g. when the
 * field is set by a controller and the pod still gets queued).
 */
import type { FilterPlugin, Status } from '../framework.ts';

export const NAME = 'NodeName';
export const ErrReasonNodeName = "node(s) didn't match the requested node name";

export const NodeName = {
  name: NAME,
  filter(pod, nodeInfo): Status {
    const wanted = pod.spec.nodeName ?? '';
    if (wanted === '' || wanted === nodeInfo.node.metadata.name) return { code: 'Success', reasons: [] };
    return { code: 'UnschedulableAndUnresolvable', reasons: [ErrReasonNodeName] };
  },
} satisfies FilterPlugin;
