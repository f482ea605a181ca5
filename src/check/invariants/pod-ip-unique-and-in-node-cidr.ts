/**
 * Pod IPs come from the node's podCIDR and are never shared: a live (non-terminal) pod's podIP is
 * inside spec.podCIDR of its node, and no other live pod holds it. Pods on the host network use
 * the node's address and are left out.
 *
 * A pod's IP may change (a sandbox recreated after its node restarted gets a new address), and
 * statuses lag: after a kubelet restarts, the pods it ran still show the addresses of sandboxes
 * that are gone until it reports their new ones. So a claim on an address made before its node's
 * kubelet last started (registered its Node) no longer holds it against a newer claim.
 */
import type { Node, Pod } from '../../api/objects.ts';
import { parseIPv4, splitCidr } from '../../api/ip.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { isHostNetwork, isTerminal, nodeKey, refOf, sameObject } from '../objects.ts';

interface Claim { uid: string; ref: string; node: string; revision: number }

interface State {
  /** ip -> the live pod holding it. */
  byIp: Map<string, Claim>;
  /** uid -> its ip. */
  ipOf: Map<string, string>;
  /** node -> the store revision when its current kubelet registered. */
  kubeletStart: Map<string, number>;
}

function inCidr(ip: string, cidr: string): boolean {
  const a = parseIPv4(ip);
  const { address, bits } = splitCidr(cidr);
  if (a === undefined || address === undefined || !Number.isInteger(bits)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(address / size);
}

function release(s: State, uid: string): void {
  const ip = s.ipOf.get(uid);
  if (ip === undefined) return;
  s.ipOf.delete(uid);
  if (s.byIp.get(ip)?.uid === uid) s.byIp.delete(ip);
}

function liveIp(p: Pod | undefined): string | undefined {
  if (!p || isHostNetwork(p) || isTerminal(p)) return undefined;
  return p.status?.podIP || undefined;
}

function claim(s: State, ip: string, c: Claim): void {
  s.byIp.set(ip, c);
  s.ipOf.set(c.uid, ip);
}

export const podIpUniqueAndInNodeCidr = invariant<State>({
  id: 'pod-ip-unique-and-in-node-cidr',
  statement: "a live pod's IP lies in its node's podCIDR, and no two live pods hold the same IP",
  source: 'containernetworking/plugins host-local IPAM (addresses from the node podCIDR, one per container, kept in /var/lib/cni); pkg/controller/nodeipam (disjoint podCIDRs); pkg/kubelet/kubelet_pods.go (podIPs from the sandbox)',
  resources: ['pods'],
  init: () => ({ byIp: new Map(), ipOf: new Map(), kubeletStart: new Map() }),
  seed(key, obj, cx) {
    const ip = key.startsWith('/registry/pods/') ? liveIp(obj as Pod) : undefined;
    if (ip && obj.metadata.uid) claim(cx.state, ip, { uid: obj.metadata.uid, ref: refOf(obj), node: (obj as Pod).spec.nodeName ?? '', revision: 0 });
  },
  onRequest(r, cx: CheckContext<State>) {
    if (r.verb === 'create' && r.path === '/api/v1/nodes' && r.from.startsWith('kubelet/')) cx.state.kubeletStart.set(r.from.slice('kubelet/'.length), cx.revision());
  },
  onWrite(w, cx: CheckContext<State>) {
    const s = cx.state;
    const prev = w.prev as Pod | undefined;
    const next = w.type === 'delete' ? undefined : (w.next as Pod | undefined);
    if (prev?.metadata.uid && !sameObject(prev, next)) release(s, prev.metadata.uid);
    if (!next?.metadata.uid) return;
    const uid = next.metadata.uid;
    const live = liveIp(next);
    if (live === undefined) return release(s, uid);
    if (s.ipOf.get(uid) === live) return;
    release(s, uid);
    const out: string[] = [];
    const nodeName = next.spec.nodeName ?? '';
    const holder = s.byIp.get(live);
    const stale = holder !== undefined && holder.revision < (s.kubeletStart.get(holder.node) ?? 0);
    if (holder && holder.uid !== uid && !stale) out.push(`podIP ${live} is also held by live pod ${holder.ref}`);
    else claim(s, live, { uid, ref: refOf(next), node: nodeName, revision: w.revision });
    const node = nodeName ? (cx.get(nodeKey(nodeName)) as Node | undefined) : undefined;
    const cidrs = node ? (node.spec.podCIDRs ?? (node.spec.podCIDR ? [node.spec.podCIDR] : [])) : [];
    if (!nodeName) out.push(`podIP ${live} on a pod bound to no node`);
    else if (node && !cidrs.some((c) => inCidr(live, c))) out.push(`podIP ${live} is outside node ${nodeName}'s podCIDR ${cidrs.join(',') || '(none)'}`);
    if (out.length > 0) return { message: out.join('; '), objects: [refOf(next), ...(nodeName ? [`Node/${nodeName}`] : [])] };
  },
});
