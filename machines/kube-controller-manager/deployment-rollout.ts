/**
 * What one sync of a Deployment does (deployment_controller.go syncDeployment, rolling.go,
 * recreate.go, sync.go), as a pure plan over the Deployment and the ReplicaSets it controls.
 * Upstream makes its writes one after another inside a sync and carries on with what they return;
 * here a plan stops at the first write that later steps depend on, and the next sync (after the
 * informer has seen the write) carries on. Proportional scaling of several active ReplicaSets and
 * hash-collision handling are left out.
 */
import type { ReplicaSet } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { canonicalJson } from './canonical.ts';
import {
  byCreation, calculateStatus, deploymentComplete, desiredReplicas, DESIRED_REPLICAS_ANNOTATION, isRollingUpdate, maxRevision,
  maxUnavailable, newReplicaSet, newRSNewReplicas, progressCheckAt, replicasAnnotations, revisionOf, REVISION_ANNOTATION, rolloutStatus,
  rsAvailable, rsReplicas, splitReplicaSets, type Deployment, type DeploymentStatus,
} from './deployment-logic.ts';

export type DeploymentStep =
  | { type: 'createReplicaSet'; rs: ReplicaSet }
  /** A full ReplicaSet to PUT; `scaled` when its size changes (for the ScalingReplicaSet event). */
  | { type: 'updateReplicaSet'; rs: ReplicaSet; scaled?: { from: number; to: number } }
  | { type: 'deleteReplicaSet'; rs: ReplicaSet }
  | { type: 'setDeploymentRevision'; revision: string }
  | { type: 'updateStatus'; status: DeploymentStatus };

export interface DeploymentPlan {
  steps: DeploymentStep[];
  /** When to sync again by the passing of time alone (progress deadline). */
  requeueAtMs?: number;
}

/** scaleReplicaSet: the new size and the replica annotations, or nothing when both already hold. */
export function scaleStep(d: Deployment, rs: ReplicaSet, to: number): DeploymentStep | undefined {
  const wanted = replicasAnnotations(d);
  const annotations = rs.metadata.annotations ?? {};
  const annotationsChanged = Object.entries(wanted).some(([k, v]) => annotations[k] !== v);
  const from = rsReplicas(rs);
  if (from === to && !annotationsChanged) return undefined;
  const next = clone(rs);
  next.spec.replicas = to;
  next.metadata.annotations = { ...annotations, ...wanted };
  return { type: 'updateReplicaSet', rs: next, ...(from !== to ? { scaled: { from, to } } : {}) };
}

function statusPlan(d: Deployment, status: DeploymentStatus, requeueAtMs?: number): DeploymentPlan {
  const steps: DeploymentStep[] = canonicalJson(d.status ?? {}) === canonicalJson(status) ? [] : [{ type: 'updateStatus', status }];
  return requeueAtMs === undefined ? { steps } : { steps, requeueAtMs };
}

/** cleanupDeployment: old, empty ReplicaSets beyond revisionHistoryLimit, lowest revision first. */
export function historyToDelete(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  return sorted.slice(0, diff).filter((rs) => (rs.status?.replicas ?? 0) === 0 && rsReplicas(rs) === 0
    && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}

/** reconcileOldReplicaSets: unhealthy old replicas first, then as many as availability allows, oldest first. */
export function scaleDownOld(d: Deployment, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet): DeploymentStep[] {
  const old = oldRSs.filter((rs) => rsReplicas(rs) > 0).sort(byCreation);
  if (old.length === 0) return [];
  const all = [...old, newRS];
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - rsAvailable(newRS);
  const maxScaledDown = all.reduce((a, rs) => a + rsReplicas(rs), 0) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];
  const target = new Map(old.map((rs) => [rs, rsReplicas(rs)]));
  let cleaned = 0;
  for (const rs of old) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = rsReplicas(rs) - rsAvailable(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(rs, rsReplicas(rs) - n);
    cleaned += n;
  }
  const available = all.reduce((a, rs) => a + rsAvailable(rs), 0);
  const budget = available - minAvailable;
  let scaled = 0;
  for (const rs of old) {
    if (scaled >= budget) break;
    const current = target.get(rs)!;
    if (current === 0) continue;
    const n = Math.min(current, budget - scaled);
    target.set(rs, current - n);
    scaled += n;
  }
  return old.map((rs) => (target.get(rs)! !== rsReplicas(rs) ? scaleStep(d, rs, target.get(rs)!) : undefined)).filter((s): s is DeploymentStep => s !== undefined);
}

/** isScalingEvent: an active ReplicaSet was sized for another replica count. */
function isScalingEvent(d: Deployment, rss: readonly ReplicaSet[]): boolean {
  return rss.some((rs) => {
    const v = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    return rsReplicas(rs) > 0 && v !== undefined && Number(v) !== desiredReplicas(d);
  });
}

/** scale(): the single active (or latest) ReplicaSet takes the whole count; a saturated new one retires the rest. */
function scalePlan(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): DeploymentStep[] | undefined {
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const active = all.filter((rs) => rsReplicas(rs) > 0);
  const latest = newRS ?? [...oldRSs].sort(byCreation).at(-1);
  const target = active.length === 1 ? active[0] : active.length === 0 ? latest : undefined;
  if (target) {
    // Unlike upstream, a right-sized ReplicaSet with stale annotations is fixed too, so the scaling event ends.
    const step = scaleStep(d, target, desiredReplicas(d));
    return step ? [step] : [];
  }
  const saturated = newRS && rsReplicas(newRS) === desiredReplicas(d) && rsAvailable(newRS) === desiredReplicas(d);
  if (saturated) return oldRSs.filter((rs) => rsReplicas(rs) > 0).map((rs) => scaleStep(d, rs, 0)).filter((s): s is DeploymentStep => s !== undefined);
  return undefined;
}

/** The end of every rollout sync: history cleanup once complete, then the rollout status. */
function finish(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], nowMs: number): DeploymentPlan {
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const status = rolloutStatus(d, all, newRS, nowMs);
  const plan = statusPlan(d, status, progressCheckAt(d, status));
  if (deploymentComplete(d, status)) plan.steps.unshift(...historyToDelete(d, oldRSs).map((rs) => ({ type: 'deleteReplicaSet' as const, rs })));
  return plan;
}

/** One sync of a Deployment given the ReplicaSets it controls. */
export function planDeployment(d: Deployment, rss: readonly ReplicaSet[], nowMs: number): DeploymentPlan {
  const { newRS, oldRSs } = splitReplicaSets(d, rss);
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  if (d.metadata.deletionTimestamp) return statusPlan(d, calculateStatus(d, all, newRS, nowMs));
  const revision = maxRevision(oldRSs) + 1;
  if (newRS) {
    // getNewReplicaSet on an existing one: bring its revision and minReadySeconds up to date.
    const minReady = d.spec.minReadySeconds ?? 0;
    const rsMinReady = (newRS.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
    if (revisionOf(newRS) < revision || rsMinReady !== minReady) {
      const next = clone(newRS);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [REVISION_ANNOTATION]: String(Math.max(revision, revisionOf(newRS))) };
      (next.spec as { minReadySeconds?: number }).minReadySeconds = minReady;
      return { steps: [{ type: 'updateReplicaSet', rs: next }] };
    }
    const rev = newRS.metadata.annotations?.[REVISION_ANNOTATION];
    if (rev !== undefined && d.metadata.annotations?.[REVISION_ANNOTATION] !== rev) return { steps: [{ type: 'setDeploymentRevision', revision: rev }] };
  }
  if (d.spec.paused || isScalingEvent(d, all)) {
    const steps = scalePlan(d, newRS, oldRSs);
    if (steps && steps.length > 0) return { steps };
    if (d.spec.paused || steps) return statusPlan(d, calculateStatus(d, all, newRS, nowMs));
  }
  return isRollingUpdate(d) ? rolling(d, newRS, oldRSs, revision, nowMs) : recreate(d, newRS, oldRSs, revision, nowMs);
}

function rolling(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], revision: number, nowMs: number): DeploymentPlan {
  if (!newRS) {
    const draft = newReplicaSet(d, revision, 0);
    const rs = newReplicaSet(d, revision, newRSNewReplicas(d, [...oldRSs, draft], draft));
    return { steps: [{ type: 'createReplicaSet', rs }] };
  }
  const desired = desiredReplicas(d);
  if (rsReplicas(newRS) !== desired) {
    const to = rsReplicas(newRS) > desired ? desired : newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    const step = to !== rsReplicas(newRS) ? scaleStep(d, newRS, to) : undefined;
    if (step) return { steps: [step] };
  }
  const down = scaleDownOld(d, oldRSs, newRS);
  if (down.length > 0) return { steps: down };
  return finish(d, newRS, oldRSs, nowMs);
}

/**
 * Recreate: old ReplicaSets to zero, wait until they report no replicas (upstream waits for their
 * pods to be gone, terminating ones included), then the new one at full size.
 */
function recreate(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], revision: number, nowMs: number): DeploymentPlan {
  const down = oldRSs.filter((rs) => rsReplicas(rs) > 0).map((rs) => scaleStep(d, rs, 0)).filter((s): s is DeploymentStep => s !== undefined);
  if (down.length > 0) return { steps: down };
  if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return finishStatusOnly(d, newRS, oldRSs, nowMs);
  if (!newRS) return { steps: [{ type: 'createReplicaSet', rs: newReplicaSet(d, revision, desiredReplicas(d)) }] };
  const up = scaleStep(d, newRS, desiredReplicas(d));
  if (up) return { steps: [up] };
  return finish(d, newRS, oldRSs, nowMs);
}

function finishStatusOnly(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], nowMs: number): DeploymentPlan {
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const status = rolloutStatus(d, all, newRS, nowMs);
  return statusPlan(d, status, progressCheckAt(d, status));
}
