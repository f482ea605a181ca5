/**
 * Server-side table printers: what kube-apiserver 1.32 answers when kubectl asks for
 * `application/json;as=Table;v=v1;g=meta.k8s.io`. Columns, cell formats and placeholders follow
 * upstream pkg/printers/internalversion/printers.go. The real server always prints the wide
 * columns (priority 1) and lets kubectl hide them, so `wide` defaults to true here.
 */
import type { Container, KEvent, KObject, LabelSelector, Node, ObjectMeta, Pod } from '../api/objects.ts';
import { fromTimestamp } from '../sim/clock.ts';
import { kubectlReady, kubectlRestarts, kubectlStatus } from '../../machines/pod/phase.ts';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export type Cell = string | number | boolean;

export interface TableRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Object' | 'Metadata';

export interface TableOptions {
  /** Keep priority > 0 columns (default true, as the real server does; kubectl hides them without -o wide). */
  wide?: boolean;
  /** Virtual milliseconds, the instant ages are measured from. */
  now: number;
  /** What each row's `object` holds (default `Metadata`, kubectl's default). */
  includeObject?: IncludeObject;
  /** The list's resourceVersion; defaults to the highest numeric resourceVersion among the items. */
  resourceVersion?: string;
}

// ---------------------------------------------------------------------------------------------
// Formatting helpers (k8s.io/apimachinery/pkg/util/duration, printers.go)

/** duration.HumanDuration: "5s", "2m30s", "15m", "3h", "5h30m", "2d3h", "30d", "2y10d". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: "<unknown>" for a missing timestamp, else the human age at `now`. */
export function translateTimestampSince(ts: string | undefined | null, now: number): string {
  if (!ts) return '<unknown>';
  const t = fromTimestamp(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

/** labels.FormatLabels: sorted "k=v,k2=v2", "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** metav1.FormatLabelSelector: requirements sorted by key, "<none>" when it selects everything. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  if (!sel) return '<none>';
  const reqs: Array<{ key: string; text: string }> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${vals})` : e.operator === 'NotIn' ? `${e.key} notin (${vals})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  if (reqs.length === 0) return '<none>';
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((r) => r.text).join(',');
}

function orNone(s: unknown): string {
  return typeof s === 'string' && s !== '' ? s : '<none>';
}

function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' ? v : dflt;
}

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Column definitions

const NAME_DOC = 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC = 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

function col(name: string, description: string, opts: { type?: string; format?: string; priority?: number } = {}): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}
const NAME = col('Name', NAME_DOC, { format: 'name' });
const AGE = col('Age', AGE_DOC);
const wide = (c: TableColumnDefinition): TableColumnDefinition => ({ ...c, priority: 1 });
const TEMPLATE_COLUMNS = [
  wide(col('Containers', 'Names of each container in the template.')),
  wide(col('Images', 'Images referenced by each container in the template.')),
];

interface Printer {
  columns: TableColumnDefinition[];
  row(obj: Obj, now: number): { cells: Cell[]; conditions?: TableRowCondition[] };
}

function templateCells(containers: Container[] | undefined): string[] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

function age(o: Obj, now: number): string {
  return translateTimestampSince((o.metadata as ObjectMeta | undefined)?.creationTimestamp, now);
}

function podRestarts(pod: Pod, now: number): string {
  const restarts = kubectlRestarts(pod);
  let last: number | undefined;
  for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const fin = cs.lastState?.terminated?.finishedAt;
    if (fin) {
      const t = fromTimestamp(fin);
      if (!Number.isNaN(t) && (last === undefined || t > last)) last = t;
    }
  }
  return restarts !== '0' && last !== undefined ? `${restarts} (${humanDuration(now - last)} ago)` : restarts;
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    wide(col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.')),
    wide(col('Node', 'NodeName indicates in which node this pod is scheduled.')),
    wide(col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.')),
    wide(col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.')),
  ],
  row(o, now) {
    const pod = o as Pod;
    const status = (pod.status ?? {}) as Obj;
    const spec = (pod.spec ?? {}) as Obj;
    let gates = '<none>';
    const rg = (spec.readinessGates ?? []) as Array<{ conditionType: string }>;
    if (rg.length > 0) {
      const conds = (status.conditions ?? []) as Array<{ type: string; status: string }>;
      const trueCount = rg.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      gates = `${trueCount}/${rg.length}`;
    }
    const cells: Cell[] = [
      pod.metadata.name ?? '',
      kubectlReady(pod),
      kubectlStatus(pod),
      podRestarts(pod, now),
      age(o, now),
      orNone(status.podIP),
      orNone(spec.nodeName),
      orNone(status.nominatedNodeName),
      gates,
    ];
    let conditions: TableRowCondition[] | undefined;
    if (status.phase === 'Succeeded') conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    else if (status.phase === 'Failed') conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return conditions ? { cells, conditions } : { cells };
  },
};

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

const nodePrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    AGE,
    col('Version', 'Kubelet Version reported by the node.'),
    wide(col('Internal-IP', 'List of addresses reachable to the node.')),
    wide(col('External-IP', 'List of addresses reachable to the node.')),
    wide(col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).')),
    wide(col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).")),
    wide(col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).')),
  ],
  row(o, now) {
    const node = o as Node;
    const st: string[] = [];
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready) st.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (st.length === 0) st.push('Unknown');
    if (node.spec?.unschedulable) st.push('SchedulingDisabled');
    const addr = (t: string) => node.status?.addresses?.find((a) => a.type === t)?.address;
    const info = node.status?.nodeInfo ?? {};
    const unk = (s: string | undefined) => (s ? s : '<unknown>');
    return {
      cells: [
        node.metadata.name ?? '',
        st.join(','),
        nodeRoles(node.metadata.labels),
        age(o, now),
        info['kubeletVersion'] ?? '',
        orNone(addr('InternalIP')),
        orNone(addr('ExternalIP')),
        unk(info['osImage']),
        unk(info['kernelVersion']),
        unk(info['containerRuntimeVersion']),
      ],
    };
  },
};

const deploymentPrinter: Printer = {
  columns: [
    NAME,
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    AGE,
    ...TEMPLATE_COLUMNS,
    wide(col('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template\'s labels.')),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const st = (o.status ?? {}) as Obj;
    return {
      cells: [
        o.metadata?.name ?? '',
        `${num(st.readyReplicas)}/${num(spec.replicas, 1)}`,
        num(st.updatedReplicas),
        num(st.availableReplicas),
        age(o, now),
        ...templateCells(spec.template?.spec?.containers),
        formatLabelSelector(spec.selector),
      ],
    };
  },
};

const replicaSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of non-terminating pods.', { type: 'integer' }),
    col('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', { type: 'integer' }),
    AGE,
    ...TEMPLATE_COLUMNS,
    wide(col('Selector', 'Selector is a label query over pods that should match the replica count.')),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const st = (o.status ?? {}) as Obj;
    return {
      cells: [o.metadata?.name ?? '', num(spec.replicas, 1), num(st.replicas), num(st.readyReplicas), age(o, now), ...templateCells(spec.template?.spec?.containers), formatLabelSelector(spec.selector)],
    };
  },
};

const daemonSetPrinter: Printer = {
  columns: [
    NAME,
    col('Desired', 'The total number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE,
    ...TEMPLATE_COLUMNS,
    wide(col('Selector', 'A label query over pods that are managed by the daemon set.')),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const st = (o.status ?? {}) as Obj;
    return {
      cells: [
        o.metadata?.name ?? '',
        num(st.desiredNumberScheduled),
        num(st.currentNumberScheduled),
        num(st.numberReady),
        num(st.updatedNumberScheduled),
        num(st.numberAvailable),
        formatLabels(spec.template?.spec?.nodeSelector),
        age(o, now),
        ...templateCells(spec.template?.spec?.containers),
        formatLabelSelector(spec.selector),
      ],
    };
  },
};

function hasCondition(o: Obj, type: string): boolean {
  return ((o.status?.conditions ?? []) as Array<{ type: string; status: string }>).some((c) => c.type === type && c.status === 'True');
}

const jobPrinter: Printer = {
  columns: [
    NAME,
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'),
    AGE,
    ...TEMPLATE_COLUMNS,
    wide(col('Selector', 'A label query over pods that should match the pod count.')),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const st = (o.status ?? {}) as Obj;
    let status = 'Running';
    if (hasCondition(o, 'Complete')) status = 'Complete';
    else if (hasCondition(o, 'Failed')) status = 'Failed';
    else if (o.metadata?.deletionTimestamp) status = 'Terminating';
    else if (hasCondition(o, 'Suspended')) status = 'Suspended';
    else if (hasCondition(o, 'FailureTarget')) status = 'FailureTarget';
    const succeeded = num(st.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') completions = `${succeeded}/${spec.completions}`;
    else completions = num(spec.parallelism) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
    let duration = '';
    if (st.startTime) {
      const start = fromTimestamp(st.startTime);
      duration = humanDuration((st.completionTime ? fromTimestamp(st.completionTime) : now) - start);
    }
    return { cells: [o.metadata?.name ?? '', status, completions, duration, age(o, now), ...templateCells(spec.template?.spec?.containers), formatLabelSelector(spec.selector)] };
  },
};

function serviceExternalIP(spec: Obj, status: Obj): string {
  const ext = (spec.externalIPs ?? []) as string[];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length > 0 ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const ips = ((status.loadBalancer?.ingress ?? []) as Array<{ ip?: string; hostname?: string }>).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...ips, ...ext];
      if (all.length === 0) return '<pending>';
      const s = all.join(',');
      return s.length > 16 ? `${s.slice(0, 13)}...` : s;
    }
    case 'ExternalName':
      return spec.externalName ?? '<none>';
    default:
      return '<unknown>';
  }
}

const servicePrinter: Printer = {
  columns: [
    NAME,
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE,
    wide(col('Selector', 'Route service traffic to pods with label keys and values matching this selector.')),
  ],
  row(o, now) {
    const spec = (o.spec ?? {}) as Obj;
    const ports = ((spec.ports ?? []) as Array<{ port: number; nodePort?: number; protocol?: string }>).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
    return {
      cells: [
        o.metadata?.name ?? '',
        spec.type ?? 'ClusterIP',
        orNone(spec.clusterIP),
        serviceExternalIP(spec, (o.status ?? {}) as Obj),
        ports.length > 0 ? ports.join(',') : '<none>',
        age(o, now),
        formatLabels(spec.selector),
      ],
    };
  },
};

function listWithMore(list: string[], count: number, max: number): string {
  const s = list.join(',');
  if (count > max) return `${s} + ${count - max} more...`;
  return s === '' ? '<unset>' : s;
}

const endpointSlicePrinter: Printer = {
  columns: [
    NAME,
    col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE,
  ],
  row(o, now) {
    const ports = ((o.ports ?? []) as Array<{ port?: number | null; name?: string }>).map((p) => (typeof p.port === 'number' ? String(p.port) : p.name ? p.name : '*'));
    const addrs = ((o.endpoints ?? []) as Array<{ addresses?: string[] }>).flatMap((e) => e.addresses ?? []);
    return { cells: [o.metadata?.name ?? '', String(o.addressType ?? ''), listWithMore(ports.slice(0, 3), ports.length, 3), listWithMore(addrs.slice(0, 3), addrs.length, 3), age(o, now)] };
  },
};

function eventSource(ev: Obj): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  if (!component) return '';
  return host ? `${component}, ${host}` : component;
}

const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'The object that this event is about.'),
    wide(col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].')),
    wide(col('Source', 'The component reporting this event. Should be a short machine understandable string.')),
    col('Message', 'A human-readable description of the status of this operation.'),
    wide(col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)')),
    wide(col('Count', 'The number of times this event has occurred.')),
    wide(col('Name', NAME_DOC, { format: 'name' })),
  ],
  row(o, now) {
    const ev = o as KEvent & Obj;
    const first = ev.firstTimestamp ? translateTimestampSince(ev.firstTimestamp, now) : translateTimestampSince(ev.eventTime as string | undefined, now);
    let last = ev.lastTimestamp ? translateTimestampSince(ev.lastTimestamp, now) : first;
    let count = num(ev.count);
    if (ev.series) {
      last = translateTimestampSince(ev.series.lastObservedTime, now);
      count = num(ev.series.count);
    } else if (count === 0) count = 1;
    const io = ev.involvedObject ?? ({} as KEvent['involvedObject']);
    const kind = String(io.kind ?? '').toLowerCase();
    const target = io.name ? `${kind}/${io.name}` : kind;
    return { cells: [last, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', eventSource(ev), String(ev.message ?? '').trim(), first, count, ev.metadata?.name ?? ''] };
  },
};

const namespacePrinter: Printer = {
  columns: [NAME, col('Status', 'The status of the namespace'), AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', String(o.status?.phase ?? 'Active'), age(o, now)] }),
};

const leasePrinter: Printer = {
  columns: [NAME, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', String(o.spec?.holderIdentity ?? ''), age(o, now)] }),
};

const configMapPrinter: Printer = {
  columns: [NAME, col('Data', 'Data contains the configuration data.', { type: 'integer' }), AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)] }),
};

const secretPrinter: Printer = {
  columns: [NAME, col('Type', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'Data contains the secret data.', { type: 'integer' }), AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', String(o.type ?? 'Opaque'), Object.keys(o.data ?? {}).length, age(o, now)] }),
};

const serviceAccountPrinter: Printer = {
  columns: [NAME, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }), AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', ((o.secrets ?? []) as unknown[]).length, age(o, now)] }),
};

const genericPrinter: Printer = {
  columns: [NAME, AGE],
  row: (o, now) => ({ cells: [o.metadata?.name ?? '', age(o, now)] }),
};

const PRINTERS: Record<string, Printer> = {
  pods: podPrinter,
  nodes: nodePrinter,
  deployments: deploymentPrinter,
  replicasets: replicaSetPrinter,
  daemonsets: daemonSetPrinter,
  jobs: jobPrinter,
  services: servicePrinter,
  endpointslices: endpointSlicePrinter,
  events: eventPrinter,
  namespaces: namespacePrinter,
  leases: leasePrinter,
  configmaps: configMapPrinter,
  secrets: secretPrinter,
  serviceaccounts: serviceAccountPrinter,
};

const KIND_TO_RESOURCE: Record<string, string> = {
  pod: 'pods', node: 'nodes', deployment: 'deployments', replicaset: 'replicasets', daemonset: 'daemonsets', job: 'jobs',
  service: 'services', endpointslice: 'endpointslices', event: 'events', namespace: 'namespaces', lease: 'leases',
  configmap: 'configmaps', secret: 'secrets', serviceaccount: 'serviceaccounts',
};

/** The resources with a dedicated printer (anything else gets `Name, Age`). */
export const PRINTED_RESOURCES: readonly string[] = Object.keys(PRINTERS);

/** Column definitions for a resource (plural, singular or kind, any case), all priorities. */
export function columnsFor(resource: string): TableColumnDefinition[] {
  return printerFor(resource).columns.map((c) => ({ ...c }));
}

function printerFor(resource: string): Printer {
  const r = resource.toLowerCase().replace(/\..*$/, '');
  return PRINTERS[r] ?? PRINTERS[KIND_TO_RESOURCE[r] ?? ''] ?? genericPrinter;
}

function rowObject(o: KObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

function maxResourceVersion(items: KObject[]): string {
  let best: bigint | undefined;
  for (const o of items) {
    const rv = o.metadata?.resourceVersion;
    if (rv && /^\d+$/.test(rv)) {
      const n = BigInt(rv);
      if (best === undefined || n > best) best = n;
    }
  }
  return best === undefined ? '' : best.toString();
}

/** A meta.k8s.io/v1 Table for `items` of `resource`, as kube-apiserver 1.32 prints them. */
export function toTable(resource: string, items: KObject[], opts: TableOptions): Table {
  const printer = printerFor(resource);
  const keepWide = opts.wide !== false;
  const keep = printer.columns.map((c) => keepWide || c.priority === 0);
  const include = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = items.map((o) => {
    const r = printer.row(o as Obj, opts.now);
    const row: TableRow = { cells: r.cells.filter((_, i) => keep[i]) };
    if (r.conditions) row.conditions = r.conditions;
    const obj = rowObject(o, include);
    if (obj !== undefined) row.object = obj;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: opts.resourceVersion ?? maxResourceVersion(items) },
    columnDefinitions: printer.columns.filter((_, i) => keep[i]).map((c) => ({ ...c })),
    rows,
  };
}
