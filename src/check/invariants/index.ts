/**
 * The invariant catalogue: every safety property the checker evaluates, one file each, by id.
 */
import type { Invariant } from '../invariant.ts';
import { containerStateTransitionsLegal } from './container-state-transitions-legal.ts';
import { deletedPodNeverRestarts } from './deleted-pod-never-restarts.ts';
import { endpointsOnlyReadyPods } from './endpoints-only-ready-pods.ts';
import { noContainerRunningBeforeSandboxIp } from './no-container-running-before-sandbox-ip.ts';
import { noDanglingOwnerAfterGc } from './no-dangling-owner-after-gc.ts';
import { nodeNotOvercommitted } from './node-not-overcommitted.ts';
import { podBoundAtMostOnce } from './pod-bound-at-most-once.ts';
import { podIpUniqueAndInNodeCidr } from './pod-ip-unique-and-in-node-cidr.ts';
import { podPhaseTransitionsLegal } from './pod-phase-transitions-legal.ts';
import { replicasetNeverOverCreates } from './replicaset-never-over-creates.ts';
import { resourceVersionMonotonic } from './resource-version-monotonic.ts';
import { runningPodOnExistingNode } from './running-pod-on-existing-node.ts';
import { scheduledPodSatisfiesItsConstraints } from './scheduled-pod-satisfies-its-constraints.ts';
import { taintEvictionRespectsTolerationSeconds } from './taint-eviction-respects-toleration-seconds.ts';
import { watchInOrderWithoutGaps } from './watch-in-order-without-gaps.ts';

export const INVARIANTS: readonly Invariant[] = [
  podBoundAtMostOnce,
  nodeNotOvercommitted,
  podPhaseTransitionsLegal,
  containerStateTransitionsLegal,
  resourceVersionMonotonic,
  watchInOrderWithoutGaps,
  podIpUniqueAndInNodeCidr,
  runningPodOnExistingNode,
  endpointsOnlyReadyPods,
  noDanglingOwnerAfterGc,
  replicasetNeverOverCreates,
  deletedPodNeverRestarts,
  scheduledPodSatisfiesItsConstraints,
  noContainerRunningBeforeSandboxIp,
  taintEvictionRespectsTolerationSeconds,
];

/** An invariant by id. */
export function invariantById(id: string): Invariant | undefined {
  return INVARIANTS.find((i) => i.id === id);
}

export {
  containerStateTransitionsLegal, deletedPodNeverRestarts, endpointsOnlyReadyPods, noContainerRunningBeforeSandboxIp, noDanglingOwnerAfterGc,
  nodeNotOvercommitted, podBoundAtMostOnce, podIpUniqueAndInNodeCidr, podPhaseTransitionsLegal, replicasetNeverOverCreates, resourceVersionMonotonic,
  runningPodOnExistingNode, scheduledPodSatisfiesItsConstraints, taintEvictionRespectsTolerationSeconds, watchInOrderWithoutGaps,
};
