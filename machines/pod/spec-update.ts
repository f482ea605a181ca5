/**
 * A pod's spec updated in place: the only container field a Pod lets change is `image`
 * (`kubectl set image pod/web web=busybox:1.36`), and the kubelet acts on it at its next sync
 * (Kubernetes 1.32, pkg/kubelet/kuberuntime):
 *
 * - computePodActions compares each running container's hash with its spec's (`containerChanged`)
 *   and, when it differs, kills it with the message "Container <c> definition changed, will be
 *   restarted" (the Killing event's text: killContainer records `Killing` with the message it is
 *   given) and puts it in ContainersToStart "regardless of the restart policy". The kill is
 *   killContainer's (the pod's grace, preStop, SIGTERM, SIGKILL); the start follows in the same
 *   SyncPod, with the new image (EnsureImageExists: Pulling/Pulled) and the new image's behaviour.
 *   It counts as a restart: restartCount + 1, lastState the killed run's termination. A running
 *   sidecar is handled the same way by computeInitContainerActions ("Init container <c>
 *   definition changed"); a running regular init container is not compared.
 * - The restart back-off is keyed by GetStableKey, which includes the container's hash: the old
 *   spec's CrashLoopBackOff does not apply to the new one. The image pull back-off is keyed by
 *   "<pod uid>_<image>": a container waiting with ErrImagePull or ImagePullBackOff whose image is
 *   fixed is pulled again at once.
 *
 * A container's record keeps the image and behaviour of its current run; the spec's are `pending`
 * until its next start (Step.start applies them). A start already in flight (a pull of the old
 * image) is left to finish, as upstream's blocked SyncPod is: the change is acted on as soon as it
 * resolves (`applyPending` from the start steps).
 */
import type { Pod } from '../../src/api/objects.ts';
import type { ContainerBehaviour } from '../kubelet/behaviour.ts';
import { backOffNext, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS } from './containers.ts';
import { killContainer } from './lifecycle-steps.ts';
import { containerGracePeriod } from './termination.ts';
import type { Step } from './steps.ts';

/**
 * computePodActions' kill message for a running container whose definition changed; for a
 * sidecar (a restartable init container), computeInitContainerActions' "Init container <c>
 * definition changed".
 */
export const definitionChangedMessage = (container: string, sidecar = false) => (sidecar ? `Init container ${container} definition changed` : `Container ${container} definition changed, will be restarted`);

/**
 * The kubelet saw a new version of the pod: containers whose image changed get the new image and
 * behaviour at their next start, and that start happens now when nothing runs (a waiting
 * container) or once the running one is killed. `s` must already read the new pod (s.ctx.pod).
 */
export function specUpdated(s: Step, pod: Pod, behaviours: Readonly<Record<string, ContainerBehaviour>>): void {
  s.patch = { ...s.patch, pod };
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const r = s.record(c.name);
    if (!r) continue;
    const image = c.image ?? '';
    if (image === r.image) {
      // Changed back before the container ran the other image: nothing to do.
      if (r.pending) s.update(r.name, (x) => ({ ...x, pending: undefined }));
      continue;
    }
    s.update(r.name, (x) => ({ ...x, pending: { image, behaviour: behaviours[c.name] ?? x.pending?.behaviour ?? x.behaviour } }));
    applyPending(s, r.name);
  }
}

/**
 * Acts on a pending spec change of one container, as the next SyncPod would: a running container
 * is killed and restarted; a waiting or exited one starts again at once with no back-off (the
 * new spec has fresh back-off keys). A start in flight, a kill in progress, a container done for
 * good or a pod being terminated is left alone.
 */
export function applyPending(s: Step, name: string): void {
  const r = s.record(name);
  if (!r?.pending || s.ctx.terminal || s.ctx.completing) return;
  // A regular init container that runs is left to finish: only sidecars and app containers are compared.
  if (r.run === 'running' && !r.kill && r.kind !== 'init') {
    s.update(name, (x) => ({ ...x, killedBy: 'specChange', restartBackOff: undefined }));
    killContainer(s, name, containerGracePeriod(s.ctx.pod), { message: definitionChangedMessage(name, r.kind === 'sidecar') });
    return;
  }
  if (r.run === 'backOff' || r.run === 'exited') {
    // doBackOff under the new key: no entry, so no back-off; with an earlier exit, Next starts one.
    const fresh = r.exitedAtMs === undefined ? undefined : backOffNext(undefined, r.exitedAtMs, s.nowMs, CONTAINER_BACKOFF_INITIAL_MS, CONTAINER_BACKOFF_MAX_MS);
    s.cancels.push(`backoff:${name}:${r.attempt}`);
    s.update(name, (x) => ({ ...x, restartBackOff: fresh, pullBackOff: undefined }));
    s.start(name);
  }
}
