/**
 * Kubelet admission (pkg/kubelet/lifecycle/predicate.go): a pod bound to this node must fit in
 * what the node's admitted pods leave of allocatable, or it is rejected into Failed with reason
 * OutOf<resource>. It reuses the scheduler's NodeResourcesFit arithmetic, as upstream does.
 */
import type { Node, Pod } from '../../src/api/objects.ts';
import { makeNodeInfo, podRequests } from '../kube-scheduler/framework.ts';
import { fitsRequest } from '../kube-scheduler/plugins/NodeResourcesFit.ts';

export type Admission = { admit: true } | { admit: false; reason: string; message: string };

/** The status message a rejected pod carries ("Pod was rejected: " + the admission message). */
export const REJECTED_PREFIX = 'Pod was rejected: ';

/** Admits `pod` onto `node` already running `admitted` (the non-terminal pods it accepted before). */
export function admitPod(node: Node, admitted: readonly Pod[], pod: Pod): Admission {
  const short = fitsRequest(podRequests(pod), makeNodeInfo(node, [...admitted]))[0];
  if (!short) return { admit: true };
  return {
    admit: false,
    reason: `OutOf${short.resource}`,
    message: `Node didn't have enough resource: ${short.resource}, requested: ${short.requested}, used: ${short.used}, capacity: ${short.capacity}`,
  };
}
