/**
 * Pod IPs come from the node's podCIDR and are never shared: a live (non-terminal) pod's podIP is
 * inside spec.podCIDR of its node, no other live pod holds it, and once set it does not change.
 * Pods on the host network use the node's address and are left out.
 */
import type { Node, Pod } from '../../api/objects.ts';
import { parseIPv4, splitCidr } from '../../api/ip.ts';
import { invariant, type CheckContext } from '../invariant.ts';
import { isHostNetwork, isTerminal, nodeKey, refOf, sameObject } from '../objects.ts';

interface Holder { uid: string; ref: string }

interface State {
  /** ip -> the live pod holding it. */
  byIp: Map<string, Holder>;
  /** uid -> its ip. */
  ipOf: Map<string, string>;
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

export const podIpUniqueAndInNodeCidr = invariant<State>({
  id: 'pod-ip-unique-and-in-node-cidr',
  statement: "a live pod's IP lies in its node's podCIDR, no two live pods share one, and it never changes",
  source: 'pkg/kubelet/kubelet_pods.go (podIPs from the sandbox, never changed once set); containernetworking/plugins host-local IPAM (ranges from the node podCIDR, one address per container); pkg/controller/nodeipam',
  resources: ['pods'],
  init: () => ({ byIp: new Map(), ipOf: new Map() }),
  seed(key, obj, cx) {
    const ip = key.startsWith('/registry/pods/') ? liveIp(obj as Pod) : undefined;
    if (ip && obj.metadata.uid) {
      cx.state.byIp.set(ip, { uid: obj.metadata.uid, ref: refOf(obj) });
      cx.state.ipOf.set(obj.metadata.uid, ip);
    }
  },
  onWrite(w, cx: CheckContext<State>) {
    const s = cx.state;
    const prev = w.prev as Pod | undefined;
    const next = w.type === 'delete' ? undefined : (w.next as Pod | undefined);
    if (prev?.metadata.uid && !sameObject(prev, next)) release(s, prev.metadata.uid);
    if (!next?.metadata.uid) return;
    const uid = next.metadata.uid;
    const out: string[] = [];
    const before = sameObject(prev, next) ? prev?.status?.podIP : undefined;
    const ip = next.status?.podIP;
    if (before && ip !== before && !isHostNetwork(next)) out.push(`podIP changed from ${before} to ${ip ?? '(none)'}`);
    const live = liveIp(next);
    if (live === undefined) {
      release(s, uid);
      return out.length ? out : undefined;
    }
    if (s.ipOf.get(uid) !== live) {
      release(s, uid);
      const holder = s.byIp.get(live);
      if (holder && holder.uid !== uid) out.push(`podIP ${live} is also held by live pod ${holder.ref}`);
      else {
        s.byIp.set(live, { uid, ref: refOf(next) });
        s.ipOf.set(uid, live);
      }
      const nodeName = next.spec.nodeName;
      const node = nodeName ? (cx.get(nodeKey(nodeName)) as Node | undefined) : undefined;
      const cidrs = node ? (node.spec.podCIDRs ?? (node.spec.podCIDR ? [node.spec.podCIDR] : [])) : [];
      if (!nodeName) out.push(`podIP ${live} on a pod bound to no node`);
      else if (node && !cidrs.some((c) => inCidr(live, c))) out.push(`podIP ${live} is outside node ${nodeName}'s podCIDR ${cidrs.join(',') || '(none)'}`);
    }
    if (out.length > 0) return { message: out.join('; '), objects: [refOf(next), ...(next.spec.nodeName ? [`Node/${next.spec.nodeName}`] : [])] };
  },
});
