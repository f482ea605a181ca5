/**
 * The EndpointSlice controller's decisions (pkg/controller/endpointslice and its reconciler), as
 * pure functions: which pods back a Service, the endpoint and ports each contributes, and how to
 * move the existing slices to the desired ones with little churn: endpoints stay in the slice
 * that holds them, new ones fill free room first, emptied slices are recycled before new ones are
 * created, and a Service without endpoints keeps one empty placeholder slice.
 */
import type { Endpoint, EndpointSlice, Pod, Service, ServicePort } from '../../src/api/objects.ts';
import { labelSelectorFromSet, matchesLabels } from '../../src/api/selectors.ts';
import { canonicalJson } from './canonical.ts';
import { newControllerRef } from './owners.ts';
import { isPodReady } from './pods.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';

/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/**
 * podutil.FindPort: a numeric targetPort is used as it is; a named one is looked up among the
 * container ports (same name and protocol). An unset targetPort means the service port.
 */
export function findPort(pod: Pod, svcPort: ServicePort): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  const protocol = svcPort.protocol ?? 'TCP';
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The ports one pod serves for the Service, in the Service's port order. */
export function endpointPorts(svc: Service, pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const appProtocol = (sp as { appProtocol?: string }).appProtocol;
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(appProtocol ? { appProtocol } : {}) });
  }
  return out;
}

/** The pod's IPv4 addresses (podIPs, else podIP). */
export function ipv4Addresses(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((x) => x.ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips.filter((ip) => !ip.includes(':'));
}

/**
 * ShouldPodBeInEndpoints with terminating pods included: it needs an address, and a pod that can
 * never run again (terminal under its restart policy) is left out.
 */
export function shouldPodBeInEndpoints(pod: Pod): boolean {
  if (ipv4Addresses(pod).length === 0) return false;
  const phase = pod.status?.phase;
  const rp = pod.spec.restartPolicy ?? 'Always';
  if (rp === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (rp === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/**
 * The endpoint of a pod: ready = Ready and not terminating; serving = Ready whether or not
 * terminating; terminating = has a deletionTimestamp. publishNotReadyAddresses makes both true.
 */
export function podEndpoint(svc: Service, pod: Pod, bugs: Bugs = NO_BUGS): Endpoint {
  const publish = (svc.spec as { publishNotReadyAddresses?: boolean }).publishNotReadyAddresses === true;
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const serving = publish || isPodReady(pod);
  // Bug zoo: a terminating pod that is still Ready stays ready.
  const readyWhileTerminating = bugs.has('endpointslice-keeps-terminating-ready');
  return {
    addresses: ipv4Addresses(pod),
    conditions: { ready: publish || (serving && (!terminating || readyWhileTerminating)), serving, terminating },
    ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
}

/** True for a Service this controller manages: it has a non-empty selector. */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec.selector ?? {}).length > 0;
}

/** The pods a Service selects, in its namespace, sorted by name. */
export function selectedPods(svc: Service, pods: readonly Pod[]): Pod[] {
  if (!hasSelector(svc)) return [];
  const sel = labelSelectorFromSet(svc.spec.selector ?? {});
  return pods
    .filter((p) => p.metadata.namespace === svc.metadata.namespace && matchesLabels(sel, p.metadata.labels ?? {}))
    .sort((a, b) => byName(a, b));
}

/** The identity of an endpoint across syncs: its pod, else its first address. */
export function endpointId(ep: Endpoint): string {
  return ep.targetRef?.name ?? ep.addresses[0] ?? '';
}

export function portsKey(ports: readonly SlicePort[] | undefined): string {
  return canonicalJson(ports ?? []);
}

export interface DesiredGroup {
  ports: SlicePort[];
  endpoints: Endpoint[];
}

/** Desired endpoints grouped by port set (pods resolving named ports differently land apart). */
export function desiredGroups(svc: Service, pods: readonly Pod[], bugs: Bugs = NO_BUGS): Map<string, DesiredGroup> {
  const groups = new Map<string, DesiredGroup>();
  for (const pod of selectedPods(svc, pods)) {
    if (!shouldPodBeInEndpoints(pod)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(podEndpoint(svc, pod, bugs));
  }
  return groups;
}

/** The labels of the Service's slices: the Service's own plus the reserved ones. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== LABEL_SERVICE_NAME && k !== LABEL_MANAGED_BY && k !== LABEL_HEADLESS) labels[k] = v;
  }
  if (svc.spec.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_MANAGED_BY] = MANAGED_BY;
  return labels;
}

/** A new slice for the Service (the API server completes the name). */
export function newSlice(svc: Service, ports: SlicePort[], endpoints: Endpoint[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels: sliceLabels(svc), ownerReferences: [newControllerRef(svc)] },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

/** True for a slice of this Service written by this controller (and of this very Service, by uid). */
export function ownsSlice(svc: Service, slice: EndpointSlice): boolean {
  const labels = slice.metadata.labels ?? {};
  if (slice.metadata.namespace !== svc.metadata.namespace) return false;
  if (labels[LABEL_SERVICE_NAME] !== svc.metadata.name || labels[LABEL_MANAGED_BY] !== MANAGED_BY) return false;
  return (slice.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata.uid);
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

interface Working {
  slice?: EndpointSlice;
  key: string;
  ports: SlicePort[];
  endpoints: Endpoint[];
}

function byName(a: { metadata: { name?: string } }, b: { metadata: { name?: string } }): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function differs(slice: EndpointSlice, next: EndpointSlice): boolean {
  const view = (s: EndpointSlice) => canonicalJson({ labels: s.metadata.labels ?? {}, addressType: s.addressType, endpoints: s.endpoints ?? [], ports: s.ports ?? [] });
  return view(slice) !== view(next);
}

/** The creates, updates and deletes that turn `existing` (the Service's slices) into the desired slices. */
export function reconcileSlices(svc: Service, pods: readonly Pod[], existing: readonly EndpointSlice[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE, bugs: Bugs = NO_BUGS): SlicePlan {
  const desired = desiredGroups(svc, pods, bugs);
  const wanted = new Map<string, Map<string, Endpoint>>();
  for (const [key, g] of desired) wanted.set(key, new Map(g.endpoints.map((ep) => [endpointId(ep), ep])));
  const placed = new Set<string>();
  const working: Working[] = [];
  // Endpoints stay where they are, refreshed.
  for (const slice of [...existing].sort(byName)) {
    const key = portsKey(slice.ports as SlicePort[] | undefined);
    const want = wanted.get(key);
    const endpoints: Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const id = endpointId(ep);
      const next = want?.get(id);
      if (next && !placed.has(`${key}|${id}`) && endpoints.length < maxPerSlice) {
        endpoints.push(next);
        placed.add(`${key}|${id}`);
      }
    }
    working.push({ slice, key, ports: desired.get(key)?.ports ?? ((slice.ports ?? []) as SlicePort[]), endpoints });
  }
  // New endpoints fill free room in slices of their port set, then new chunks.
  const chunks: Working[] = [];
  for (const [key, g] of desired) {
    const rest = g.endpoints.filter((ep) => !placed.has(`${key}|${endpointId(ep)}`));
    for (const w of working) {
      if (w.key !== key) continue;
      while (rest.length > 0 && w.endpoints.length < maxPerSlice) w.endpoints.push(rest.shift()!);
    }
    for (let i = 0; i < rest.length; i += maxPerSlice) chunks.push({ key, ports: g.ports, endpoints: rest.slice(i, i + maxPerSlice) });
  }
  // Emptied slices are recycled for new chunks before anything is created.
  const spare = working.filter((w) => w.endpoints.length === 0);
  const live = working.filter((w) => w.endpoints.length > 0);
  for (const c of chunks) {
    const r = spare.shift();
    live.push(r ? Object.assign(r, { key: c.key, ports: c.ports, endpoints: c.endpoints }) : c);
  }
  if (live.length === 0) live.push(Object.assign(spare.shift() ?? { key: portsKey([]), endpoints: [] }, { ports: [] as SlicePort[], endpoints: [] as Endpoint[] }));
  const plan: SlicePlan = { create: [], update: [], delete: spare.map((w) => w.slice!) };
  for (const w of live) {
    if (!w.slice) {
      plan.create.push(newSlice(svc, w.ports, w.endpoints));
      continue;
    }
    const next: EndpointSlice = { ...w.slice, metadata: { ...w.slice.metadata, labels: sliceLabels(svc) }, endpoints: w.endpoints, ports: w.ports };
    if (differs(w.slice, next)) plan.update.push(next);
  }
  return plan;
}
