/**
 * The scheduler never overcommits a node: when it binds a pod, the pods bound to the node that it
 * knew of (its own bindings, and pods it had seen placed there) request no more cpu, memory,
 * pods or other resources than the node can allocate. Pods a user placed with spec.nodeName that
 * the scheduler had not yet seen are a race the kubelet's admission settles, not a scheduler
 * fault, so they are left out.
 */
import type { Node, Pod } from '../../api/objects.ts';
import { resourceAmount } from '../../api/quantity.ts';
import { podRequests } from '../../../machines/kube-scheduler/framework.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { isTerminal, nodeKey, podKey, refOf } from '../objects.ts';

interface Placed {
  key: string;
  ref: string;
  node: string;
  requests: Record<string, number>;
  /** Bound through pods/binding by the scheduler (its own decision, known to it by assumption). */
  bySchedulerBinding: boolean;
}

interface State {
  byUid: Map<string, Placed>;
  byNode: Map<string, Set<string>>;
}

function allocatable(node: Node | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const declared = { ...(node?.status?.capacity ?? {}), ...(node?.status?.allocatable ?? {}) };
  for (const [r, q] of Object.entries(declared)) out[r] = resourceAmount(r, q);
  return out;
}

function place(s: State, uid: string, p: Placed | undefined): void {
  const old = s.byUid.get(uid);
  if (old) s.byNode.get(old.node)?.delete(uid);
  if (!p) {
    s.byUid.delete(uid);
    return;
  }
  s.byUid.set(uid, p);
  let set = s.byNode.get(p.node);
  if (!set) s.byNode.set(p.node, (set = new Set()));
  set.add(uid);
}

function track(s: State, pod: Pod | undefined, bySchedulerBinding: boolean): void {
  if (!pod?.metadata.uid) return;
  const uid = pod.metadata.uid;
  const node = pod.spec.nodeName;
  if (!node || isTerminal(pod)) return place(s, uid, undefined);
  const old = s.byUid.get(uid);
  place(s, uid, {
    key: podKey(pod.metadata.namespace ?? '', pod.metadata.name ?? ''), ref: refOf(pod), node, requests: podRequests(pod),
    bySchedulerBinding: bySchedulerBinding || (old?.bySchedulerBinding ?? false),
  });
}

/** The scheduler had certainly received the pod, with this uid and bound, before it sent the binding. */
function knewOf(cx: CheckContext<State>, req: { from: string; sentRevision: number; sentStep?: number }, key: string, uid: string): boolean {
  const known = cx.knownBefore(req.from, key, req);
  return known.length > 0 && known.every((k) => k.type !== 'DELETED' && k.object.metadata.uid === uid && (k.object as Pod).spec.nodeName !== undefined);
}

export const nodeNotOvercommitted = invariant<State>({
  id: 'node-not-overcommitted',
  statement: 'the scheduler never binds a pod to a node whose bound pods would then request more than the node can allocate',
  source: 'pkg/scheduler/framework/plugins/noderesources/fit.go (fitsRequest); pkg/scheduler/schedule_one.go (assume before bind)',
  resources: ['pods'],
  init: () => ({ byUid: new Map(), byNode: new Map() }),
  seed(key, obj, cx) {
    if (key.startsWith('/registry/pods/')) track(cx.state, obj as Pod, false);
  },
  onWrite(w, cx: CheckContext<State>) {
    const s = cx.state;
    const prev = w.prev as Pod | undefined;
    const next = w.type === 'delete' ? undefined : (w.next as Pod | undefined);
    if (prev?.metadata.uid && prev.metadata.uid !== next?.metadata.uid) place(s, prev.metadata.uid, undefined);
    const binding = w.type === 'update' && w.request?.verb === 'create' && w.request.path.endsWith('/binding');
    track(s, next, binding && w.request?.from === 'kube-scheduler');
    if (!binding || !next?.spec.nodeName) return;
    const req = w.request!;
    const node = next.spec.nodeName;
    const key = nodeKey(node);
    const now = cx.get(key) as Node | undefined;
    const then = cx.getAt(key, req.sentRevision) as Node | undefined;
    if (!now && !then) return;
    const alloc = allocatable(now);
    for (const [r, v] of Object.entries(allocatable(then))) alloc[r] = Math.max(alloc[r] ?? 0, v);
    const counted: Placed[] = [];
    for (const uid of s.byNode.get(node) ?? []) {
      const p = s.byUid.get(uid)!;
      if (uid === next.metadata.uid || p.bySchedulerBinding || knewOf(cx, req, p.key, uid)) counted.push(p);
    }
    const used: Record<string, number> = { pods: counted.length };
    for (const p of counted) for (const [r, v] of Object.entries(p.requests)) if (r !== 'pods') used[r] = (used[r] ?? 0) + v;
    const over = Object.entries(used).filter(([r, v]) => v > 0 && v > (alloc[r] ?? 0));
    if (over.length === 0) return;
    const what = over.map(([r, v]) => `${r} ${r === 'cpu' ? `${v}m` : v} requested of ${r === 'cpu' ? `${alloc[r] ?? 0}m` : (alloc[r] ?? 0)} allocatable`).join(', ');
    return {
      message: `binding ${refOf(next)} overcommits node ${node}: ${what} (pods: ${counted.map((p) => p.ref.slice(4)).join(', ')})`,
      objects: [refOf(next), `Node/${node}`, ...counted.filter((p) => p.ref !== refOf(next)).map((p) => p.ref)],
    };
  },
});
