/**
 * NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable): a cordoned node
 * (spec.unschedulable) takes only pods that tolerate the node.kubernetes.io/unschedulable taint.
 */
import type { Taint } from '../../../src/api/objects.ts';
import type { FilterPlugin, Status } from '../framework.ts';
import { tolerationsTolerateTaint } from './TaintToleration.ts';

export const NAME = 'NodeUnschedulable';
export const ErrReasonUnschedulable = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export const NodeUnschedulable = {
  name: NAME,
  filter(pod, nodeInfo): Status {
    if (!nodeInfo.node.spec.unschedulable) return { code: 'Success', reasons: [] };
    // DaemonSet pods tolerate the taint and so also ignore the cordon flag itself.
    if (tolerationsTolerateTaint(pod.spec.tolerations, UNSCHEDULABLE_TAINT)) return { code: 'Success', reasons: [] };
    return { code: 'UnschedulableAndUnresolvable', reasons: [ErrReasonUnschedulable] };
  },
} satisfies FilterPlugin;
