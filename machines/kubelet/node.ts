/**
 * The objects a kubelet writes about its node: the Node it registers (labels, capacity, addresses,
 * nodeInfo, conditions), the Ready condition it posts once the pod network is up, and its
 * heartbeat Lease in kube-node-lease.
 */
import type { KObject, Node, NodeCondition, Taint } from '../../src/api/objects.ts';
import { intValue, milliValue } from '../../src/api/quantity.ts';
import { epoch, timestamp } from '../../src/api/time.ts';
import { canonicalJson } from '../kube-controller-manager/canonical.ts';
import { fnv, hex32 } from '../client/hash.ts';

export const KUBELET_VERSION = 'v1.32.2';
export const CONTAINER_RUNTIME_VERSION = 'containerd://1.7.24';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Lease duration and its renewal interval (leaseDurationSeconds x 0.25), from KubeletConfiguration. */
export const NODE_LEASE_DURATION_SECONDS = 40;
export const NODE_LEASE_RENEW_INTERVAL_MS = 10_000;
/**
 * KubeletConfiguration nodeStatusUpdateFrequency (10s: how often the status is computed) and
 * nodeStatusReportFrequency (5m: how often an unchanged status is still posted, since the Lease
 * carries the heartbeat). A status that changed is posted at the next compute.
 */
export const NODE_STATUS_UPDATE_FREQUENCY_MS = 10_000;
export const NODE_STATUS_REPORT_FREQUENCY_MS = 300_000;
export const DEFAULT_MAX_PODS = '110';

/**
 * KubeletConfiguration.evictionHard on Linux when nothing is configured
 * (pkg/kubelet/eviction/defaults_linux.go). Only memory.available and nodefs.available reduce
 * allocatable (memory and ephemeral-storage); the inode and imagefs signals only drive eviction.
 */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  'memory.available': '100Mi',
  'nodefs.available': '10%',
  'nodefs.inodesFree': '5%',
  'imagefs.available': '15%',
};

export interface KubeletNodeConfig {
  name: string;
  capacity: Record<string, string | number>;
  /**
   * Overrides node.status.allocatable per resource (tests and scenarios that want an exact
   * figure). Without it allocatable is capacity − kubeReserved − systemReserved − the hard
   * eviction thresholds (see allocatableOf).
   */
  allocatable?: Record<string, string | number>;
  /** KubeletConfiguration.kubeReserved: none by default. */
  kubeReserved?: Record<string, string | number>;
  /** KubeletConfiguration.systemReserved: none by default. */
  systemReserved?: Record<string, string | number>;
  /**
   * KubeletConfiguration.evictionHard, signal → threshold ("100Mi" or "10%"); defaults to
   * DEFAULT_EVICTION_HARD. Given, it replaces the defaults as a whole ({} reserves nothing).
   */
  evictionHard?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** Images preloaded on the node (kind nodes ship a few). */
  images?: string[];
  /** The node's InternalIP; derived from the name when absent. */
  internalIP?: string;
}

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

type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

/** The format resource.ParseQuantity records for a quantity: its suffix decides how it prints. */
function formatOf(q: string | number): QuantityFormat {
  if (typeof q === 'number') return 'DecimalSI';
  if (/(Ki|Mi|Gi|Ti|Pi|Ei)$/.test(q)) return 'BinarySI';
  if (/\d[eE][+-]?\d+$/.test(q)) return 'DecimalExponent';
  return 'DecimalSI';
}

const DECIMAL_SUFFIXES: ReadonlyArray<[number, string]> = [[18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm']];
const BINARY_SUFFIXES: ReadonlyArray<[number, string]> = [[60, 'Ei'], [50, 'Pi'], [40, 'Ti'], [30, 'Gi'], [20, 'Mi'], [10, 'Ki']];

/**
 * resource.Quantity.String() of a non-negative amount given in milli-units, in `format`:
 * BinarySI uses the largest binary suffix that divides the value exactly (plain bytes otherwise,
 * and DecimalSI below 1024 or with a fraction); DecimalSI the largest power-of-1000 suffix.
 */
export function formatQuantityMilli(milli: number, format: QuantityFormat): string {
  if (milli === 0) return '0';
  if (format === 'BinarySI' && milli % 1000 === 0 && milli >= 1024 * 1000) {
    const v = milli / 1000;
    for (const [shift, suffix] of BINARY_SUFFIXES) {
      const unit = 2 ** shift;
      if (v % unit === 0) return `${v / unit}${suffix}`;
    }
    return String(v);
  }
  for (const [exp, suffix] of DECIMAL_SUFFIXES) {
    const unit = 10 ** (exp + 3);
    if (milli % unit === 0) {
      const mantissa = milli / unit;
      if (format === 'DecimalExponent') return exp === 0 ? String(mantissa) : `${mantissa}e${exp}`;
      return `${mantissa}${suffix}`;
    }
  }
  return `${milli}m`;
}

/**
 * evictionapi.GetThresholdQuantity: an absolute quantity, or a percentage of the capacity,
 * int64(float64(capacity.Value()) * float64(percentage)) where the eviction manager parsed the
 * percentage as float32(value)/100 ("0%" and "100%" are ignored: no threshold).
 */
function thresholdMilli(threshold: string, capacity: string | number): number | undefined {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(threshold.trim());
  if (!pct) return milliValue(threshold);
  if (threshold.trim() === '0%' || threshold.trim() === '100%') return undefined;
  const percentage = Math.fround(Math.fround(Number(pct[1])) / 100);
  return Math.trunc(intValue(capacity) * percentage) * 1000;
}

/** Which resource a hard eviction signal reserves (cm.hardEvictionReservation). */
const EVICTION_SIGNAL_RESOURCE: Readonly<Record<string, string>> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
};

/**
 * node.status.allocatable as the kubelet's MachineInfo setter computes it: for every capacity
 * resource, capacity − kubeReserved − systemReserved − the hard eviction threshold for it
 * (GetNodeAllocatableReservation), floored at 0, printed in the capacity's own format. A default
 * node keeps its cpu and pods and loses 100Mi of memory (and 10% of ephemeral-storage). An
 * explicit `allocatable` in the config wins per resource.
 */
export function allocatableOf(cfg: KubeletNodeConfig): Record<string, string> {
  const reservedMilli: Record<string, number> = {};
  const reserve = (resource: string, milli: number) => { reservedMilli[resource] = (reservedMilli[resource] ?? 0) + milli; };
  for (const reserved of [cfg.kubeReserved ?? {}, cfg.systemReserved ?? {}]) {
    for (const [resource, q] of Object.entries(reserved)) reserve(resource, milliValue(q));
  }
  for (const [signal, threshold] of Object.entries(cfg.evictionHard ?? DEFAULT_EVICTION_HARD)) {
    const resource = EVICTION_SIGNAL_RESOURCE[signal];
    const capacity = resource === undefined ? undefined : cfg.capacity[resource];
    const milli = resource === undefined || capacity === undefined ? undefined : thresholdMilli(threshold, capacity);
    if (resource !== undefined && milli !== undefined) reserve(resource, milli);
  }
  const out: Record<string, string> = {};
  for (const [resource, q] of Object.entries(capacityOf(cfg))) {
    const reserved = reservedMilli[resource];
    out[resource] = reserved === undefined ? q : formatQuantityMilli(Math.max(0, milliValue(q) - reserved), formatOf(q));
  }
  for (const [resource, q] of Object.entries(cfg.allocatable ?? {})) out[resource] = String(q);
  return out;
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

/**
 * The setters' bookkeeping: every condition gets lastHeartbeatTime `now`; it keeps its
 * lastTransitionTime while its status is the one last posted, and takes `now` when it flips or
 * first appears.
 */
export function mergeNodeConditions(previous: readonly NodeCondition[] | undefined, next: readonly NodeCondition[], now: string): NodeCondition[] {
  return next.map((c) => {
    const prev = previous?.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
  });
}

export type NodeStatus = NonNullable<Node['status']>;

/**
 * nodeStatusHasChanged: anything but the conditions' heartbeat times differs. Only such a
 * change is posted before nodeStatusReportFrequency has passed.
 */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (!a) return true;
  const strip = (s: NodeStatus) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: '' })) });
  return strip(a) !== strip(b);
}

/**
 * nodeStatusHasChanged against the API server's copy, as tryUpdateNodeStatus compares (the Node it
 * just read, not what this kubelet last sent): any field the kubelet computes that differs from
 * the stored one, the conditions' heartbeat times aside. So a condition another writer changed
 * (the node lifecycle controller's Ready Unknown) is posted over at the next sync.
 */
export function nodeStatusDiffers(api: NodeStatus | undefined, computed: NodeStatus): boolean {
  if (!api) return true;
  const strip = (v: unknown, key: string) => (key === 'conditions' && Array.isArray(v) ? v.map((c: NodeCondition) => ({ ...c, lastHeartbeatTime: '' })) : v);
  for (const key of Object.keys(computed)) {
    if (canonicalJson(strip(api[key], key)) !== canonicalJson(strip(computed[key], key))) return true;
  }
  return false;
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
