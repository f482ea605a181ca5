/**
 * A pod being deleted never starts a container again: once its kubelet has learned of the
 * deletion (received the pod with a deletionTimestamp), no container of the pod shows a start
 * after that moment. A start that raced with the news (before it arrived) is not a violation.
 * Start times have seconds precision, so only starts certainly after the news count.
 */
import type { ContainerStatus, Pod } from '../../api/objects.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { fmtMs, sameObject, virtualMs } from '../objects.ts';

interface State {
  /** pod uid -> when its kubelet first received it with a deletionTimestamp. */
  learned: Map<string, number>;
}

function startsOf(s: ContainerStatus): string[] {
  return [s.state.running?.startedAt, s.state.terminated?.startedAt].filter((x): x is string => x !== undefined);
}

export const deletedPodNeverRestarts = invariant<State>({
  id: 'deleted-pod-never-restarts',
  statement: 'once its kubelet knows a pod is being deleted, none of its containers starts again',
  source: 'pkg/kubelet/pod_workers.go (a terminating pod is only ever killed: SyncTerminatingPod, never SyncPod); KEP-2712 pod lifecycle (terminating pods do not restart containers)',
  resources: ['pods'],
  init: () => ({ learned: new Map() }),
  onWatchDelivered(d, cx: CheckContext<State>) {
    if (!d.component.startsWith('kubelet/')) return;
    const pod = d.event.object as Pod;
    const uid = pod.metadata?.uid;
    if (!uid || cx.state.learned.has(uid)) return;
    if (d.event.type === 'DELETED' || pod.metadata.deletionTimestamp) cx.state.learned.set(uid, d.at);
  },
  onWrite(w, cx: CheckContext<State>) {
    if (w.type !== 'update' || !sameObject(w.prev, w.next)) return;
    const next = w.next as Pod;
    const learnedAt = cx.state.learned.get(next.metadata.uid ?? '');
    if (learnedAt === undefined) return;
    const prev = new Map([...(w.prev as Pod).status?.containerStatuses ?? [], ...(w.prev as Pod).status?.initContainerStatuses ?? []].map((s) => [s.name, s]));
    for (const s of [...next.status?.initContainerStatuses ?? [], ...next.status?.containerStatuses ?? []]) {
      const old = new Set(prev.get(s.name) ? startsOf(prev.get(s.name)!) : []);
      for (const ts of startsOf(s)) {
        const at = virtualMs(ts);
        if (old.has(ts) || at === undefined || at <= learnedAt) continue;
        return `container ${s.name} started at ${fmtMs(at)} (restartCount ${s.restartCount}), after its kubelet learned at ${fmtMs(learnedAt)} that the pod is being deleted`;
      }
    }
  },
});
