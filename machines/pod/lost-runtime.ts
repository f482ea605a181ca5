/**
 * A pod the API shows Running on this node whose sandbox and containers the runtime no longer has
 * (the node came back without its disk: a reboot that cleared the runtime's state). The kubelet
 * starts it over: a new sandbox (upstream: "SandboxChanged: Pod sandbox changed, it will be killed
 * and re-created."), then its containers. Until they run, convertToAPIContainerStatuses builds each
 * container's status from the old one (kubelet_pods.go, 1.32):
 *  - every container waits by default, keeping its old restartCount and lastState (a terminated
 *    one keeps its old status whole; kubelife restarts it like the others, keeping its count);
 *  - one that was Running and has no last termination gets a last termination
 *    `ContainerStatusUnknown`, exit code 137, "The container could not be located when the pod was
 *    deleted.  The container used to be Running", and one more restart (unless the pod is being
 *    deleted): upstream's comment says why — "This prevents the pod from becoming pending": getPhase
 *    counts a waiting container with a last termination as stopped, not waiting, so the pod stays
 *    Running while it restarts.
 * Not modelled: upstream then takes the restart count from the new container's runtime record,
 * which after a disk loss the kubelet reads back from the container log directory (lost too, so 0);
 * kubelife keeps the count monotonic instead.
 */
import type { ContainerStatus, Pod, PodStatus } from '../../src/api/objects.ts';
import type { ContainerBehaviour } from '../kubelet/behaviour.ts';
import { initialRecords, type ContainerRecord } from './containers.ts';
import type { PodContext } from './machine.ts';

export const LOST_CONTAINER_MESSAGE = 'The container could not be located when the pod was deleted.  The container used to be Running';

function carry(r: ContainerRecord, old: ContainerStatus | undefined, deleted: boolean): ContainerRecord {
  if (!old) return r;
  const prevTerminated = old.state.terminated ?? old.lastState.terminated;
  const base: ContainerRecord = {
    ...r,
    status: { ...r.status, restartCount: old.restartCount, lastState: prevTerminated ? { terminated: prevTerminated } : {} },
  };
  if (!old.state.running || old.lastState.terminated) return base;
  return {
    ...base,
    restartCounted: true,
    status: {
      ...base.status,
      lastState: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: LOST_CONTAINER_MESSAGE } },
      restartCount: deleted ? old.restartCount : old.restartCount + 1,
    },
  };
}

/** The worker's context for a pod whose runtime state was lost: fresh records with carried statuses. */
export function lostRuntimeContext(pod: Pod, behaviours: Readonly<Record<string, ContainerBehaviour>>, status: PodStatus): Partial<PodContext> {
  const fresh = initialRecords(pod.spec, behaviours);
  const find = (list: ContainerStatus[] | undefined, name: string) => list?.find((c) => c.name === name);
  const deleted = pod.metadata.deletionTimestamp !== undefined;
  return {
    init: fresh.init.map((r) => carry(r, find(status.initContainerStatuses, r.name), deleted)),
    containers: fresh.containers.map((r) => carry(r, find(status.containerStatuses, r.name), deleted)),
    ...(status.startTime ? { startTime: status.startTime } : {}),
  };
}
