/**
 * The PodStatus a pod worker's state stands for, computed with the kubelet's own rules (getPhase,
 * podConditions) so that the phase written to the API is a function of the pod machine.
 */
import type { Pod, PodCondition, PodPhase, PodStatus } from '../../src/api/objects.ts';
import { getPhase, KUBELET_CONDITIONS, podConditions } from './phase.ts';
import type { ContainerRecord } from './containers.ts';

/** The parts of the pod machine's context a status is made of. */
export interface PodStatusSource {
  pod: Pod;
  init: ContainerRecord[];
  containers: ContainerRecord[];
  hostIP?: string;
  startTime?: string;
  sandbox: { ready: boolean; podIP?: string; podIPs?: string[] };
  rejection?: { reason: string; message: string };
  /** Deletion was requested: containers stop for good and the phase must become terminal. */
  terminal: boolean;
  /** Set on entering Succeeded or Failed; the phase never moves after that. */
  finalPhase?: PodPhase;
}

const statusesOf = (records: ContainerRecord[]) => records.map((r) => r.status);

/**
 * The status getPhase reads for a record. A container killed for a failed probe is started again
 * in the same SyncPod as the kill (computePodActions put it in ContainersToStart), so upstream
 * never computes a phase from its terminated state while that start is in flight: counted as
 * waiting to restart, it keeps the pod Running even when it exited 0 under OnFailure.
 */
function phaseStatus(r: ContainerRecord): ContainerRecord['status'] {
  const t = r.status.state.terminated;
  if (!(r.killedBy && r.run === 'starting' && t)) return r.status;
  // Killed for a spec change, it restarts whatever the policy: upstream's status, written only
  // once that SyncPod is over, never shows it stopped in between (even under restartPolicy Never).
  if (r.killedBy === 'specChange') return { ...r.status, state: { running: { startedAt: t.startedAt ?? t.finishedAt ?? '' } } };
  return { ...r.status, state: { waiting: { reason: 'ContainerCreating' } }, lastState: { terminated: t } };
}

/** The phase getPhase gives for the current container statuses (or the final one once reached). */
export function phaseOf(src: PodStatusSource): PodPhase {
  if (src.finalPhase) return src.finalPhase;
  if (src.rejection) return 'Failed';
  return getPhase(src.pod.spec, src.init.length > 0 ? src.init.map(phaseStatus) : undefined, src.containers.map(phaseStatus), src.terminal);
}

/**
 * The status the kubelet writes. `apiConditions` are the pod's current conditions: those the
 * kubelet does not own are kept and feed readiness gates. A rejected pod carries only phase,
 * reason and message, as kubelet admission writes them.
 */
export function statusFromSource(src: PodStatusSource, opts: { unknown?: boolean; apiConditions?: readonly PodCondition[] } = {}): PodStatus {
  const foreign = (opts.apiConditions ?? []).filter((c) => !KUBELET_CONDITIONS.includes(c.type));
  if (src.rejection) {
    return { phase: 'Failed', conditions: foreign, message: src.rejection.message, reason: src.rejection.reason, ...(src.startTime ? { startTime: src.startTime } : {}) };
  }
  const phase: PodPhase = opts.unknown ? 'Unknown' : phaseOf(src);
  const initStatuses = src.init.length > 0 ? statusesOf(src.init) : undefined;
  const statuses = statusesOf(src.containers);
  const conditions = podConditions({ spec: src.pod.spec, initStatuses, statuses, phase, sandboxReady: src.sandbox.ready, conditions: foreign });
  const status: PodStatus = { phase, conditions };
  if (src.hostIP) {
    status.hostIP = src.hostIP;
    status.hostIPs = [{ ip: src.hostIP }];
  }
  if (src.sandbox.podIP) {
    status.podIP = src.sandbox.podIP;
    status.podIPs = (src.sandbox.podIPs ?? [src.sandbox.podIP]).map((ip) => ({ ip }));
  }
  if (src.startTime) status.startTime = src.startTime;
  if (initStatuses) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  return status;
}
