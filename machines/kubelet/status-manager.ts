/**
 * The kubelet's status manager (pkg/kubelet/status/status_manager.go): turns each pod worker
 * snapshot into the status to write, PATCHes pods/<name>/status when it changed (one write in
 * flight per pod, so writes never overtake each other on the network), resyncs every heartbeat,
 * keeps terminal phases sticky, and deletes a deleted pod (grace 0) once its terminal status is in.
 */
import type { Pod, PodPhase, PodStatus } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { canonicalJson } from '../kube-controller-manager/canonical.ts';
import { KUBELET_CONDITIONS, mergeConditions, nextPhase } from '../pod/phase.ts';
import { podStatusOf, type PodSnapshotLike } from '../pod/machine.ts';
import type { KubeletContext, PodEntry } from './context.ts';

const terminal = (p: PodPhase | undefined): p is 'Succeeded' | 'Failed' => p === 'Succeeded' || p === 'Failed';

/** A worker before admission has nothing to report yet. */
function admittedYet(value: unknown): boolean {
  const pending = (value as { Pending?: unknown } | undefined)?.Pending;
  return pending !== 'unscheduled' && pending !== 'scheduled';
}

/**
 * The status as it should land: foreign conditions kept, transition times carried over while a
 * condition's status holds, and the phase never leaving Succeeded or Failed.
 */
function desired(ctx: KubeletContext, entry: PodEntry, status: PodStatus): PodStatus {
  const api = entry.pod.status;
  const foreign = (api?.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.includes(c.type));
  const own = (status.conditions ?? []).filter((c) => KUBELET_CONDITIONS.includes(c.type));
  const conditions = mergeConditions(entry.conditions ?? api?.conditions, [...foreign, ...own], timestamp(ctx.port.now()));
  let phase = nextPhase(api?.phase, status.phase ?? 'Pending');
  if (entry.terminalPhase) phase = entry.terminalPhase;
  if (phase !== status.phase) ctx.port.note(`pod ${entry.key}: kept phase ${phase}, not ${status.phase} (terminal phases are sticky)`);
  return { ...status, phase, conditions };
}

/** Records the status a worker's state stands for, and writes it if it changed. */
export function setStatus(ctx: KubeletContext, entry: PodEntry, status: PodStatus): void {
  const next = desired(ctx, entry, status);
  const json = JSON.stringify(next);
  if (json === entry.wantedJson) return;
  // What the runtime knows of the pod's sandbox and containers outlives this kubelet.
  if (ctx.disk) (ctx.disk.runtime ??= new Map()).set(entry.uid, next);
  entry.wanted = next;
  entry.wantedJson = json;
  entry.conditions = next.conditions;
  if (terminal(next.phase)) entry.terminalPhase = next.phase;
  flushStatus(ctx, entry);
}

/** A pod worker snapshot arrived. */
export function onWorkerSnapshot(ctx: KubeletContext, entry: PodEntry, snapshot: PodSnapshotLike): void {
  if (!admittedYet(snapshot.value)) return;
  setStatus(ctx, entry, podStatusOf(snapshot, entry.pod.status?.conditions));
}

/** Sends the wanted status unless a write is in flight or the API already has it. */
export function flushStatus(ctx: KubeletContext, entry: PodEntry): void {
  if (entry.inFlightJson !== undefined || entry.wantedJson === undefined || entry.wantedJson === entry.sentJson || entry.apiDeleted) return;
  entry.inFlightJson = entry.wantedJson;
  const { name, namespace } = entry.pod.metadata;
  ctx.port.request({
    verb: 'patch', patchType: 'merge', group: '', version: 'v1', resource: 'pods', namespace: namespace ?? 'default', name: name!, subresource: 'status',
    body: { metadata: { uid: entry.uid }, status: entry.wanted },
  }, `status:${entry.key}`);
}

/** The answer to a status write: the next write may go, and a finished deleted pod may be removed. */
export function onStatusResponse(ctx: KubeletContext, entry: PodEntry, code: number, body: unknown): void {
  const sent = entry.inFlightJson;
  entry.inFlightJson = undefined;
  if (code === 200) {
    entry.sentJson = sent;
    const pod = body as Pod;
    if (pod?.metadata?.uid === entry.uid) entry.pod = pod;
  } else if (code === 404) {
    entry.apiDeleted = true;
    return;
  }
  // Other failures wait for the next resync (heartbeat) rather than spinning on the network.
  if (code === 200) flushStatus(ctx, entry);
  maybeDelete(ctx, entry);
}

/**
 * Removes a deleted pod from the API once nothing runs and its terminal status is written
 * (status_manager canBeDeleted), with grace 0 and a uid precondition.
 */
export function maybeDelete(ctx: KubeletContext, entry: PodEntry): void {
  if (!entry.deletionRequested || entry.apiDeleted || entry.deleteSent || entry.alive) return;
  if (entry.wantedJson !== undefined && (entry.inFlightJson !== undefined || entry.wantedJson !== entry.sentJson)) return;
  entry.deleteSent = true;
  const { name, namespace } = entry.pod.metadata;
  ctx.port.request({
    verb: 'delete', group: '', version: 'v1', resource: 'pods', namespace: namespace ?? 'default', name: name!,
    query: { gracePeriodSeconds: 0, preconditions: { uid: entry.uid } },
  }, `delete:${entry.key}`);
}

/**
 * The answer to the final delete. Gone already (404), or the name now holds another pod (409, the
 * uid precondition): nothing left to delete. Any other failure, a lost connection included, is
 * tried again at the next periodic sync, as upstream's syncBatch does for a pod that can be
 * deleted but still exists; success waits for the watch's DELETED.
 */
export function onDeleteResponse(ctx: KubeletContext, entry: PodEntry, code: number): void {
  if (code === 200 || code === 202) return;
  if (code === 404 || code === 409) {
    entry.apiDeleted = true;
    return;
  }
  ctx.port.note(`pod ${entry.key}: the delete failed (${code === 0 ? 'connection lost' : code}); retrying at the next sync`);
  entry.deleteSent = false;
}

/**
 * isPodStatusByKubeletEqual: the API copy still says what the kubelet wants, as far as the kubelet
 * owns it: every field it writes (conditions aside) equal, and its own conditions the same set
 * with the same status, reason and message.
 */
export function apiStatusMatches(api: PodStatus | undefined, wanted: PodStatus): boolean {
  if (!api) return false;
  for (const key of Object.keys(wanted) as Array<keyof PodStatus>) {
    if (key === 'conditions') continue;
    if (canonicalJson(api[key]) !== canonicalJson(wanted[key])) return false;
  }
  const own = (list: PodStatus['conditions']) => (list ?? []).filter((c) => KUBELET_CONDITIONS.includes(c.type)).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return canonicalJson(own(api.conditions)) === canonicalJson(own(wanted.conditions));
}

/**
 * The periodic sync (syncBatch with all): retry failed writes and pending deletions, and
 * needsReconcile: a status the API server holds differently from what this kubelet wants (the
 * node lifecycle controller's MarkPodsNotReady, say) is written again, "the kubelet being the
 * source of truth of pod status", with the API's foreign conditions kept. Only pods whose worker
 * still runs are reconciled (a finished pod's final status is not asserted again).
 */
export function resyncStatuses(ctx: KubeletContext): void {
  for (const entry of ctx.pods.values()) {
    if (entry.alive && entry.inFlightJson === undefined && entry.wantedJson !== undefined && entry.wantedJson === entry.sentJson && !entry.apiDeleted
      && entry.wanted && !apiStatusMatches(entry.pod.status, entry.wanted)) {
      ctx.port.note(`pod ${entry.key}: the API's status differs from the kubelet's; reconciling`);
      const next = desired(ctx, entry, entry.wanted);
      entry.wanted = next;
      entry.wantedJson = JSON.stringify(next);
      entry.sentJson = undefined;
    }
    if (entry.inFlightJson === undefined && entry.wantedJson !== entry.sentJson) flushStatus(ctx, entry);
    maybeDelete(ctx, entry);
  }
}
