/**
 * The objects a kubelet writes about its node: the Node it registers (labels, capacity, addresses,
 * nodeInfo, conditions), the Ready condition it posts once the pod network is up, and its
 * heartbeat Lease in kube-node-lease.
 */
import type { KObject, Node, NodeCondition, Taint } from '../../src/api/objects.ts';
import { epoch, timestamp } from '../../src/api/time.ts';

export const KUBELET_VERSION = 'v1.32.2';
export const CONTAINER_RUNTIME_VERSION = 'containerd://1.7.24';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Lease duration and its renewal interval (leaseDurationSeconds x 0.25), from KubeletConfiguration. */
export const NODE_LEASE_DURATION_SECONDS = 40;
export const NODE_LEASE_RENEW_INTERVAL_MS = 10_000;
export const DEFAULT_MAX_PODS = '110';

export interface KubeletNodeConfig {
  name: string;
  capacity: Record<string, string | number>;
  /** Defaults to capacity (kubelife reserves nothing for the system). */
  allocatable?: Record<string, string | number>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Images preloaded on the node (kind nodes ship a few). */
  images?: string[];
  /** The node's InternalIP; derived from the name when absent. */
  internalIP?: string;
}

/** FNV-1a of a string: stable machine ids and default addresses per node name. */
function fnv(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const hex32 = (s: string) => [0, 1, 2, 3].map((i) => fnv(s, 0x811c9dc5 ^ i).toString(16).padStart(8, '0')).join('');

/** The node's InternalIP (also the hostIP of its pods). */
export function internalIPOf(cfg: KubeletNodeConfig): string {
  return cfg.internalIP ?? `172.18.0.${2 + (fnv(cfg.name) % 250)}`;
}

function quantities(q: Record<string, string | number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) out[k] = String(v);
  out['pods'] ??= DEFAULT_MAX_PODS;
  return out;
}

/** node.status.capacity as strings, with the default max pods. */
export function capacityOf(cfg: KubeletNodeConfig): Record<string, string> {
  return quantities(cfg.capacity);
}

/** node.status.allocatable: capacity unless the config says otherwise. */
export function allocatableOf(cfg: KubeletNodeConfig): Record<string, string> {
  return quantities({ ...cfg.capacity, ...(cfg.allocatable ?? {}) });
}

const NOT_READY_MESSAGE = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

/** The conditions the kubelet's setters compute; Ready waits for the pod network (podCIDR + CNI). */
export function nodeConditions(ready: boolean, now: string, since: string): NodeCondition[] {
  const c = (type: string, status: 'True' | 'False', reason: string, message: string, transition = since): NodeCondition =>
    ({ type, status, lastHeartbeatTime: now, lastTransitionTime: transition, reason, message });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now) : c('Ready', 'False', 'KubeletNotReady', NOT_READY_MESSAGE),
  ];
}

/** The Node a kubelet POSTs when it registers (kubelet_node_status.go initialNode + setters). */
export function nodeObject(cfg: KubeletNodeConfig, images: Array<{ names: string[]; sizeBytes: number }>, nowMs: number): Node {
  const now = timestamp(nowMs);
  const taints = cfg.taints ?? [];
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: cfg.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': cfg.name, 'kubernetes.io/os': 'linux',
        ...(cfg.labels ?? {}),
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: taints.length > 0 ? { taints } : {},
    status: {
      capacity: capacityOf(cfg),
      allocatable: allocatableOf(cfg),
      conditions: nodeConditions(false, now, now),
      addresses: [{ type: 'InternalIP', address: internalIPOf(cfg) }, { type: 'Hostname', address: cfg.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex32(`machine:${cfg.name}`), systemUUID: hex32(`uuid:${cfg.name}`), bootID: hex32(`boot:${cfg.name}`),
        kernelVersion: '6.8.0-kubelife', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: CONTAINER_RUNTIME_VERSION,
        kubeletVersion: KUBELET_VERSION, kubeProxyVersion: KUBELET_VERSION, operatingSystem: 'linux', architecture: 'amd64',
      },
      images,
    },
  };
}

/** metav1.MicroTime: RFC 3339 with microseconds, as Lease renewTime is written. */
export function microTime(virtualMs: number): string {
  return new Date(epoch() + Math.floor(virtualMs)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The node's heartbeat Lease, owned by the Node so it goes away with it. */
export function leaseObject(nodeName: string, nodeUid: string | undefined, nowMs: number): KObject {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: {
      name: nodeName, namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: microTime(nowMs) },
  };
}
