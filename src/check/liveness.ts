/**
 * Liveness in the spirit of "eventually stable reconciliation" (Anvil, OSDI '24): once faults
 * stop and the desired state holds still, the cluster must reach that state within a bounded
 * virtual time and then stay there. `pendingReconciliation` says what is still not reconciled,
 * one readable line per item (empty when converged); `checkEventuallyStable` runs the simulation
 * until that list is empty, within a bound, and then requires it to stay empty for a window.
 *
 * Converged means:
 * - every ReplicaSet and Deployment has exactly its replicas of active pods, each Running and
 *   Ready on a live node (one whose kubelet runs) that is Ready;
 * - every live node is Ready=True and carries no unreachable or not-ready taint;
 * - no pod with a deletionTimestamp is left on a live node (its kubelet finishes deletions);
 * - every Service with a selector has, as ready endpoints, exactly its Ready, non-terminating
 *   selected pods with an IP, and every live kube-proxy routes its first port to that many backends.
 */
import type { EndpointSlice, KObject, Node, Pod, ReplicaSet, Service } from '../api/objects.ts';
import { labelSelectorFromSet, matchesLabels } from '../api/selectors.ts';
import type { Cluster } from '../sim/cluster.ts';
import { controllerUid, isActive, isReady, nodeReady } from './objects.ts';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const NOT_READY = 'node.kubernetes.io/not-ready';

function name(o: KObject): string {
  return `${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name ?? ''}`;
}

/** Nodes whose kubelet is running. */
function liveNodes(cluster: Cluster): Set<string> {
  const out = new Set<string>();
  for (const c of cluster.sim.componentNames()) if (c.startsWith('kubelet/')) out.add(c.slice('kubelet/'.length));
  return out;
}

/** Why a pod that should serve is not serving yet, if it is not. */
function podPending(pod: Pod, live: ReadonlySet<string>, nodes: ReadonlyMap<string, Node>): string | undefined {
  const node = pod.spec.nodeName;
  if (!node) return `pod ${name(pod)} is not scheduled`;
  if (!live.has(node)) return `pod ${name(pod)} is on ${node}, whose kubelet is not running`;
  if (nodeReady(nodes.get(node)) !== 'True') return `pod ${name(pod)} is on ${node}, which is not Ready`;
  if (pod.status?.phase !== 'Running') return `pod ${name(pod)} is ${pod.status?.phase ?? 'Pending'}`;
  if (!isReady(pod)) return `pod ${name(pod)} is Running but not Ready`;
  return undefined;
}

/** What is not yet reconciled, one line each; empty when the cluster has converged. */
export function pendingReconciliation(cluster: Cluster): string[] {
  const sim = cluster.sim;
  const out: string[] = [];
  const live = liveNodes(cluster);
  const nodes = new Map((sim.list('nodes') as Node[]).map((n) => [n.metadata.name ?? '', n]));
  const pods = sim.list('pods') as Pod[];

  for (const n of [...live].sort()) {
    const node = nodes.get(n);
    if (!node) {
      out.push(`node ${n} is not registered`);
      continue;
    }
    const ready = nodeReady(node);
    if (ready !== 'True') out.push(`node ${n} is Ready=${ready ?? 'missing'}`);
    const taints = (node.spec.taints ?? []).filter((t) => t.key === UNREACHABLE || t.key === NOT_READY).map((t) => `${t.key}:${t.effect}`);
    if (taints.length > 0) out.push(`node ${n} still has taint(s) ${taints.join(', ')}`);
  }

  const activeBy = new Map<string, Pod[]>();
  for (const p of pods) {
    if (p.metadata.deletionTimestamp && p.spec.nodeName && live.has(p.spec.nodeName)) out.push(`pod ${name(p)} is still being deleted on live node ${p.spec.nodeName}`);
    const owner = controllerUid(p, 'ReplicaSet');
    if (owner && isActive(p)) {
      let list = activeBy.get(owner);
      if (!list) activeBy.set(owner, (list = []));
      list.push(p);
    }
  }

  const replicaSets = sim.list('replicasets', 'apps') as ReplicaSet[];
  for (const rs of replicaSets) {
    if (rs.metadata.deletionTimestamp) continue;
    const want = rs.spec.replicas ?? 1;
    const active = activeBy.get(rs.metadata.uid ?? '') ?? [];
    if (active.length !== want) out.push(`ReplicaSet ${name(rs)} has ${active.length} active pod(s), wants ${want}`);
    for (const p of active) {
      const why = podPending(p, live, nodes);
      if (why) out.push(`ReplicaSet ${name(rs)}: ${why}`);
    }
  }

  for (const d of sim.list('deployments', 'apps')) {
    if (d.metadata.deletionTimestamp) continue;
    const want = (d['spec'] as { replicas?: number } | undefined)?.replicas ?? 1;
    const owned = replicaSets.filter((rs) => controllerUid(rs, 'Deployment') === d.metadata.uid && !rs.metadata.deletionTimestamp);
    const active = owned.reduce((n, rs) => n + (activeBy.get(rs.metadata.uid ?? '')?.length ?? 0), 0);
    if (active !== want) out.push(`Deployment ${name(d)} has ${active} active pod(s), wants ${want}`);
  }

  const slices = sim.list('endpointslices', 'discovery.k8s.io') as EndpointSlice[];
  for (const svc of sim.list('services') as Service[]) {
    const selector = svc.spec.selector ?? {};
    if (Object.keys(selector).length === 0 || svc.metadata.deletionTimestamp) continue;
    const sel = labelSelectorFromSet(selector);
    const ns = svc.metadata.namespace;
    const want = new Set(pods.filter((p) => p.metadata.namespace === ns && matchesLabels(sel, p.metadata.labels ?? {}) && isReady(p) && !p.metadata.deletionTimestamp && p.status?.podIP).map((p) => p.metadata.name ?? ''));
    const have = new Set(slices
      .filter((s) => s.metadata.namespace === ns && s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name)
      .flatMap((s) => s.endpoints ?? []).filter((ep) => ep.conditions.ready !== false).map((ep) => ep.targetRef?.name ?? ep.addresses[0] ?? ''));
    const missing = [...want].filter((p) => !have.has(p)).sort();
    const extra = [...have].filter((p) => !want.has(p)).sort();
    if (missing.length > 0) out.push(`Service ${name(svc)}: Ready pod(s) ${missing.join(', ')} not ready endpoints`);
    if (extra.length > 0) out.push(`Service ${name(svc)}: ready endpoint(s) ${extra.join(', ')} are not Ready selected pods`);
    const port = svc.spec.ports?.[0];
    if (!port || !svc.spec.clusterIP || svc.spec.clusterIP === 'None') continue;
    for (const n of [...live].sort()) {
      const ref = sim.component(`kube-proxy/${n}`);
      if (!ref) continue;
      const rules = (ref.getSnapshot() as { context: { rules: Map<string, { backends: unknown[] }> } }).context.rules;
      const backends = rules.get(`${svc.spec.clusterIP}:${port.port}/${port.protocol ?? 'TCP'}`)?.backends.length ?? 0;
      if (backends !== want.size) out.push(`Service ${name(svc)}: kube-proxy on ${n} routes to ${backends} backend(s), not ${want.size}`);
    }
  }
  return out;
}

export interface StabilityOptions {
  /** Virtual time allowed to converge. */
  boundMs: number;
  /** Virtual time the converged state must then hold. */
  stableMs: number;
  /**
   * How long after the faults stop their after-effects may still show (default SETTLE_MS): a
   * failure detector that was already counting down when a fault healed fires afterwards.
   */
  settleMs?: number;
}

/**
 * The longest a healed fault's after-effect shows, upstream: the node lifecycle controller marks a
 * node Unknown 50 s (node monitor grace) after the last heartbeat it observed, checking every
 * 5 s; a kubelet whose Lease requests were lost during a partition learns it only at its 10 s
 * client timeout and retries after up to 7 s of back-off, then reposts Ready on its next 10 s
 * status sync. So a partition that heals 49 s after the last renewal still makes the node
 * Unknown just after it heals, for a few seconds. 50 + 5 + 10 + 7 + 10 = 82 s; 90 s with slack.
 */
export const SETTLE_MS = 90_000;

export interface StabilityResult {
  ok: boolean;
  /** What is still (or again) not reconciled; empty when ok. */
  pending: string[];
  /** Virtual time at which the cluster converged (for good, when ok), if it did. */
  convergedAt?: number;
  /** When ok is false: whether it never converged or converged and then left. */
  failure?: 'never-converged' | 'not-stable';
  /** Times it converged and then left again within the settle window (a healed fault's after-effects), with why. */
  flaps: Array<{ convergedAt: number; leftAt: number; pending: string[] }>;
}

/**
 * Runs the cluster until it has converged (within `boundMs` of virtual time) and then for
 * `stableMs` more, checking after every step that it stays converged. Call it once faults have
 * stopped and the desired state holds still (no more scenario steps).
 *
 * A fault's after-effects may still show during the first `settleMs` after the call (a node going
 * Unknown just after its partition healed, then Ready again): leaving the converged state within
 * that window is recorded as a flap and the cluster must converge again (within the same bound);
 * the converged state must then hold for `stableMs` and at least until the window's end. Leaving
 * it after the window is a violation.
 */
export function checkEventuallyStable(cluster: Cluster, opts: StabilityOptions): StabilityResult {
  const sim = cluster.sim;
  // Re-evaluated only when something could have changed: a write, a component started or
  // stopped, or a second passed (kube-proxy syncs its rules at most once a second, without writes).
  let key = '';
  let cached: string[] = [];
  const pending = () => {
    const k = `${sim.store.revision()}|${sim.componentNames().length}|${Math.floor(sim.now() / 1000)}`;
    if (k !== key) {
      key = k;
      cached = pendingReconciliation(cluster);
    }
    return cached;
  };
  const healedAt = sim.now();
  const deadline = healedAt + opts.boundMs;
  const settleUntil = healedAt + (opts.settleMs ?? SETTLE_MS);
  const flaps: StabilityResult['flaps'] = [];
  for (;;) {
    if (!sim.runUntil(() => pending().length === 0, Math.max(0, deadline - sim.now()))) {
      return { ok: false, pending: [...pending()], failure: 'never-converged', flaps };
    }
    const convergedAt = sim.now();
    const until = Math.max(convergedAt + opts.stableMs, settleUntil);
    let left = false;
    for (;;) {
      const next = sim.clock.peekTime();
      if (next === undefined || next > until) break;
      sim.step();
      if (pending().length > 0) {
        left = true;
        break;
      }
    }
    if (!left) {
      if (sim.now() < until) sim.clock.advanceTo(until);
      if (pending().length === 0) return { ok: true, pending: [], convergedAt, flaps };
    }
    const p = [...pending()];
    if (sim.now() > settleUntil || sim.now() >= deadline) return { ok: false, pending: p, convergedAt, failure: 'not-stable', flaps };
    flaps.push({ convergedAt, leftAt: sim.now(), pending: p });
  }
}
