/**
 * The Deployment controller's building blocks (pkg/controller/deployment/util, controller.ComputeHash),
 * as pure functions: the pod-template hash, maxSurge/maxUnavailable, finding the new and old
 * ReplicaSets, the ReplicaSet made for a template, how far the new one may be scaled up, and the
 * status and conditions a Deployment reports.
 */
import type { KObject, LabelSelector, ObjectMeta, PodSpec, ReplicaSet } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { NAME_ALPHABET } from '../../src/api/names.ts';
import { fromTimestamp, timestamp } from '../../src/api/time.ts';
import { canonicalJson } from './canonical.ts';
import { newControllerRef } from './owners.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

// Condition reasons (deployment/util/deployment_util.go).
export const NEW_RS_CREATED_REASON = 'NewReplicaSetCreated';
export const RS_UPDATED_REASON = 'ReplicaSetUpdated';
export const NEW_RS_AVAILABLE_REASON = 'NewReplicaSetAvailable';
export const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';
export const MIN_REPLICAS_AVAILABLE = 'MinimumReplicasAvailable';
export const MIN_REPLICAS_UNAVAILABLE = 'MinimumReplicasUnavailable';

// Deployment annotations never copied onto its ReplicaSets.
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration', REVISION_ANNOTATION, 'deployment.kubernetes.io/revision-history',
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, 'deprecated.deployment.rollback.to',
]);

export interface PodTemplate {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

export interface Deployment extends KObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplate;
    strategy?: { type?: 'RollingUpdate' | 'Recreate'; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
  };
  status?: DeploymentStatus;
}

/** 32-bit FNV-1a (hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped into the vowel-free alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += NAME_ALPHABET[s.charCodeAt(i) % NAME_ALPHABET.length];
  return out;
}

/**
 * controller.ComputeHash: FNV-32a of the template, then of the collision count (8 bytes, the low 4
 * little-endian) when there is one, printed in decimal and safe-encoded. Upstream hashes Go's
 * spew dump of the struct; the stable equivalent here is canonical JSON.
 */
export function computeHash(template: PodTemplate, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** intstr.GetScaledValueFromIntOrPercent: an int as it is, "25%" of `total` rounded up or down. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number.isInteger(Number(v)) ? Number(v) : 0;
  const scaled = Number(m[1]) * total;
  return roundUp ? Math.floor((scaled + 99) / 100) : Math.floor(scaled / 100);
}

export function desiredReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function rollingParams(d: Deployment): { maxSurge: number | string; maxUnavailable: number | string } {
  const ru = d.spec.strategy?.rollingUpdate;
  return { maxSurge: ru?.maxSurge ?? '25%', maxUnavailable: ru?.maxUnavailable ?? '25%' };
}

/** ResolveFenceposts: surge rounds up, unavailable down; both zero makes unavailable 1. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, desiredReplicas(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const p = rollingParams(d);
  return Math.min(resolveFenceposts(p.maxSurge, p.maxUnavailable, replicas).unavailable, replicas);
}

export const rsReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 0;
export const rsAvailable = (rs: ReplicaSet): number => rs.status?.availableReplicas ?? 0;
const sum = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((a, rs) => a + f(rs), 0);

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreation(a: KObject, b: KObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export function revisionOf(rs: KObject): number {
  const v = rs.metadata.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** Semantic equality of templates, ignoring the hash label; empty and missing maps count as equal. */
export function equalIgnoreHash(a: PodTemplate, b: PodTemplate): boolean {
  const norm = (t: PodTemplate) => {
    const c = clone(t);
    const labels = { ...(c.metadata?.labels ?? {}) };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    const metadata = { ...(c.metadata ?? {}), labels };
    for (const [k, v] of Object.entries(metadata)) if (v && typeof v === 'object' && Object.keys(v).length === 0) delete (metadata as Record<string, unknown>)[k];
    return canonicalJson({ ...c, metadata });
  };
  return norm(a) === norm(b);
}

/** FindNewReplicaSet and FindOldReplicaSets: the oldest ReplicaSet running the current template, and the rest. */
export function splitReplicaSets(d: Deployment, rss: readonly ReplicaSet[]): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
  const sorted = [...rss].sort(byCreation);
  const newRS = sorted.find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
  return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
}

/** The replica-count annotations a Deployment keeps on its ReplicaSets. */
export function replicasAnnotations(d: Deployment): Record<string, string> {
  const replicas = desiredReplicas(d);
  return { [DESIRED_REPLICAS_ANNOTATION]: String(replicas), [MAX_REPLICAS_ANNOTATION]: String(replicas + maxSurge(d)) };
}

/** The new ReplicaSet for the Deployment's current template: `<deployment>-<hash>`. */
export function newReplicaSet(d: Deployment, revision: number, replicas: number): ReplicaSet {
  const hash = computeHash(d.spec.template, d.status?.collisionCount);
  const template = clone(d.spec.template);
  template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  annotations[REVISION_ANNOTATION] = String(revision);
  Object.assign(annotations, replicasAnnotations(d));
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels: { ...(template.metadata.labels ?? {}) },
      annotations,
      ownerReferences: [newControllerRef(d)],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec.minReadySeconds ?? 0,
      selector: { ...clone(d.spec.selector), matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } },
      template,
    } as ReplicaSet['spec'],
  };
}

/** NewRSNewReplicas: how many replicas the new ReplicaSet may have now. */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(rollingParams(d).maxSurge, replicas, true);
  const current = sum(allRSs, rsReplicas);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return rsReplicas(newRS);
  return rsReplicas(newRS) + Math.min(maxTotal - current, replicas - rsReplicas(newRS));
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions ?? []).find((c) => c.type === type);
}

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = timestamp(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: no change for the same status and reason; transition time kept while the status holds. */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  const next = current && current.status === cond.status ? { ...cond, lastTransitionTime: current.lastTransitionTime } : cond;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** calculateStatus: the counts over all ReplicaSets and the Available condition. Zero counts are omitted (omitempty). */
export function calculateStatus(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number): DeploymentStatus {
  const available = sum(allRSs, rsAvailable);
  const unavailable = Math.max(0, sum(allRSs, rsReplicas) - available);
  const counts: Array<[keyof DeploymentStatus, number]> = [
    ['observedGeneration', d.metadata.generation ?? 0],
    ['replicas', sum(allRSs, (rs) => rs.status?.replicas ?? 0)],
    ['updatedReplicas', newRS ? newRS.status?.replicas ?? 0 : 0],
    ['readyReplicas', sum(allRSs, (rs) => rs.status?.readyReplicas ?? 0)],
    ['availableReplicas', available],
    ['unavailableReplicas', unavailable],
    ['collisionCount', d.status?.collisionCount ?? 0],
  ];
  const status: DeploymentStatus = {};
  for (const [k, v] of counts) if (v) (status as Record<string, number>)[k] = v;
  if (d.status?.conditions) status.conditions = clone(d.status.conditions);
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', MIN_REPLICAS_AVAILABLE, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition('Available', 'False', MIN_REPLICAS_UNAVAILABLE, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec.progressDeadlineSeconds;
  return p !== undefined && p !== 2147483647;
}

/** DeploymentComplete: every replica updated and available, and the latest generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available replicas than last reported, or fewer old ones. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut: no progress reported for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === NEW_RS_AVAILABLE_REASON) return false;
  if (c.reason === TIMED_OUT_REASON) return true;
  if (!c.lastUpdateTime) return false;
  return fromTimestamp(c.lastUpdateTime) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 < nowMs;
}

/** syncRolloutStatus: calculateStatus plus the Progressing condition. */
export function rolloutStatus(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number): DeploymentStatus {
  const s = calculateStatus(d, allRSs, newRS, nowMs);
  if (!hasProgressDeadline(d)) {
    removeCondition(s, 'Progressing');
    return s;
  }
  const current = getCondition(d.status, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && current?.reason === NEW_RS_AVAILABLE_REASON;
  if (complete) return s;
  const what = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
  if (deploymentComplete(d, s)) {
    setCondition(s, newCondition('Progressing', 'True', NEW_RS_AVAILABLE_REASON, `${what} has successfully progressed.`, nowMs));
  } else if (deploymentProgressing(d, s)) {
    // Progress refreshes lastUpdateTime even with the same reason, so it is replaced, not set.
    const cond = newCondition('Progressing', 'True', RS_UPDATED_REASON, `${what} is progressing.`, nowMs);
    if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
    removeCondition(s, 'Progressing');
    setCondition(s, cond);
  } else if (deploymentTimedOut(d, s, nowMs)) {
    setCondition(s, newCondition('Progressing', 'False', TIMED_OUT_REASON, `${what} has timed out progressing.`, nowMs));
  }
  return s;
}

/** requeueStuckDeployment: when to look again for a timed-out rollout, if at all. */
export function progressCheckAt(d: Deployment, s: DeploymentStatus): number | undefined {
  const c = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !c || !c.lastUpdateTime) return undefined;
  if (deploymentComplete(d, s) || c.reason === TIMED_OUT_REASON) return undefined;
  return fromTimestamp(c.lastUpdateTime) + (d.spec.progressDeadlineSeconds ?? 0) * 1000 + 1000;
}
