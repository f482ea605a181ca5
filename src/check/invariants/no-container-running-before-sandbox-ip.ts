/**
 * No container runs before its pod's sandbox has its network: a pod status showing a running
 * container also shows the pod IP (pods on the host network aside) and
 * PodReadyToStartContainers=True. The kubelet starts containers only after RunPodSandbox, whose
 * CNI ADD hands out the address.
 */
import type { Pod } from '../../api/objects.ts';
import { invariant } from '../invariant.ts';
import { condition, isHostNetwork, sameObject } from '../objects.ts';

function problem(p: Pod | undefined): string | undefined {
  if (!p?.status) return undefined;
  const running = [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])].filter((s) => s.state.running);
  if (running.length === 0) return undefined;
  const names = running.map((s) => s.name).join(', ');
  if (!isHostNetwork(p) && !p.status.podIP) return `container(s) ${names} running while the pod has no IP`;
  if (condition(p, 'PodReadyToStartContainers')?.status === 'False') return `container(s) ${names} running while PodReadyToStartContainers is False`;
  return undefined;
}

export const noContainerRunningBeforeSandboxIp = invariant({
  id: 'no-container-running-before-sandbox-ip',
  statement: "no container of a pod runs before the pod's sandbox has its IP",
  source: 'pkg/kubelet/kuberuntime/kuberuntime_manager.go (SyncPod: createPodSandbox, then podIPs, then init and regular containers); pkg/kubelet/kubelet_pods.go (PodReadyToStartContainers)',
  resources: ['pods'],
  onWrite(w) {
    if (w.type === 'delete') return;
    const now = problem(w.next as Pod);
    if (!now) return;
    if (sameObject(w.prev, w.next) && problem(w.prev as Pod) !== undefined) return;
    return `${now}${w.request ? ` (written by ${w.request.from})` : ''}`;
  },
});
