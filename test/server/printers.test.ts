import { describe, expect, test } from 'vitest';
import type { KObject } from '../../src/api/objects.ts';
import { timestamp } from '../../src/sim/clock.ts';
import { columnsFor, formatLabelSelector, humanDuration, toTable, translateTimestampSince } from '../../src/server/printers.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('ages are printed as duration.HumanDuration does', () => {
  test.each([
    { name: 'a few seconds are seconds', ms: 5 * S, out: '5s' },
    { name: 'up to two minutes are still seconds', ms: 119 * S, out: '119s' },
    { name: 'two and a half minutes keep their seconds', ms: 2 * M + 30 * S, out: '2m30s' },
    { name: 'whole minutes drop the seconds', ms: 3 * M, out: '3m' },
    { name: 'past ten minutes seconds are dropped', ms: 15 * M + 20 * S, out: '15m' },
    { name: 'up to three hours are minutes', ms: 2 * H + 5 * M, out: '125m' },
    { name: 'three hours are hours', ms: 3 * H, out: '3h' },
    { name: 'hours under eight keep their minutes', ms: 5 * H + 30 * M, out: '5h30m' },
    { name: 'up to two days are hours', ms: 30 * H, out: '30h' },
    { name: 'days under eight keep their hours', ms: 2 * D + 3 * H, out: '2d3h' },
    { name: 'whole days drop the hours', ms: 5 * D, out: '5d' },
    { name: 'up to two years are days', ms: 400 * D, out: '400d' },
    { name: 'years keep their days', ms: 2 * 365 * D + 10 * D, out: '2y10d' },
    { name: 'a moment in the future is now', ms: -500, out: '0s' },
    { name: 'far in the future is invalid', ms: -5 * S, out: '<invalid>' },
  ])('$name ($out)', ({ ms, out }) => expect(humanDuration(ms)).toBe(out));

  test('a missing timestamp is unknown', () => expect(translateTimestampSince(undefined, 0)).toBe('<unknown>'));
  test('a timestamp is measured against virtual now', () => expect(translateTimestampSince(timestamp(10 * S), 70 * S)).toBe('60s'));
});

describe('label selectors are formatted as metav1.FormatLabelSelector does', () => {
  test.each([
    { name: 'no selector is none', sel: undefined, out: '<none>' },
    { name: 'an empty selector is none', sel: {}, out: '<none>' },
    { name: 'labels are sorted by key', sel: { matchLabels: { b: '2', a: '1' } }, out: 'a=1,b=2' },
    { name: 'expressions are spelled out', sel: { matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['prod', 'dev'] }, { key: 'x', operator: 'DoesNotExist' as const }] }, out: 'env in (dev,prod),!x' },
  ])('$name', ({ sel, out }) => expect(formatLabelSelector(sel)).toBe(out));
});

const created = timestamp(0);
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: created, ...extra });

const runningPod: KObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: meta('nginx', { labels: { app: 'web' } }),
  spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
  status: {
    phase: 'Running', podIP: '10.244.0.5',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'nginx', ready: true, started: true, restartCount: 0, image: 'nginx:1.27', imageID: '', state: { running: { startedAt: created } }, lastState: {} }],
  },
};

const restartedPod: KObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: meta('crashy'),
  spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox' }], readinessGates: [{ conditionType: 'example.com/gate' }] },
  status: {
    phase: 'Running', podIP: '10.244.0.6',
    conditions: [{ type: 'Ready', status: 'False' }],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 3, image: 'busybox', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: timestamp(4 * M) } } }],
  },
};

const succeededPod: KObject = {
  apiVersion: 'v1', kind: 'Pod', metadata: meta('done'),
  spec: { containers: [{ name: 'job', image: 'busybox' }] },
  status: { phase: 'Succeeded', containerStatuses: [{ name: 'job', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: {} }] },
};

const node: KObject = {
  apiVersion: 'v1', kind: 'Node', metadata: meta('node-1', { namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } }),
  spec: { unschedulable: true },
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '172.18.0.2' }, { type: 'Hostname', address: 'node-1' }],
    nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.8.0', containerRuntimeVersion: 'containerd://1.7.24' },
  },
};

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'side', image: 'busybox' }] } };

const deployment: KObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('web'),
  spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
  status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
};

const replicaSet: KObject = {
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-abc'),
  spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } }, template },
  status: { replicas: 3, readyReplicas: 1 },
};

const service: KObject = {
  apiVersion: 'v1', kind: 'Service', metadata: meta('web'),
  spec: { type: 'NodePort', clusterIP: '10.96.0.10', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] },
};

const lbService: KObject = { apiVersion: 'v1', kind: 'Service', metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIP: '10.96.0.11', ports: [{ port: 443 }] } };

const event: KObject = {
  apiVersion: 'v1', kind: 'Event', metadata: meta('nginx.17a'),
  involvedObject: { kind: 'Pod', name: 'nginx', namespace: 'default', fieldPath: 'spec.containers{nginx}' },
  reason: 'Pulled', message: 'Successfully pulled image "nginx"\n', type: 'Normal',
  source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: timestamp(1 * M), lastTimestamp: timestamp(2 * M), count: 2,
};

const slice: KObject = {
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-xyz'), addressType: 'IPv4',
  ports: [{ port: 80 }], endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4', '10.0.0.5'] }],
};

const job: KObject = {
  apiVersion: 'batch/v1', kind: 'Job', metadata: meta('pi'),
  spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template },
  status: { succeeded: 1, startTime: timestamp(0), completionTime: timestamp(42 * S), conditions: [{ type: 'Complete', status: 'True' }] },
};

const daemonSet: KObject = {
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('kube-proxy'),
  spec: { selector: { matchLabels: { k8s: 'proxy' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'kube-proxy', image: 'registry.k8s.io/kube-proxy:v1.32.0' }] } } },
  status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
};

const now = 5 * M;

describe('every printed resource gets the columns and cells kube-apiserver 1.32 prints', () => {
  test.each([
    { name: 'a running pod shows readiness, status, IP and node', resource: 'pods', obj: runningPod,
      cols: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
      cells: ['nginx', '1/1', 'Running', '0', '5m', '10.244.0.5', 'node-1', '<none>', '<none>'] },
    { name: 'a crash-looping pod shows when it last restarted and its readiness gates', resource: 'pods', obj: restartedPod,
      cols: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
      cells: ['crashy', '0/1', 'CrashLoopBackOff', '3 (60s ago)', '5m', '10.244.0.6', 'node-1', '<none>', '0/1'] },
    { name: 'a node shows its roles, cordon and system info', resource: 'nodes', obj: node,
      cols: ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
      cells: ['node-1', 'Ready,SchedulingDisabled', 'control-plane,worker', '5m', 'v1.32.0', '172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.8.0', 'containerd://1.7.24'] },
    { name: 'a deployment shows ready over desired and its template', resource: 'deployments', obj: deployment,
      cols: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
      cells: ['web', '2/3', 3, 2, '5m', 'nginx,side', 'nginx:1.27,busybox', 'app=web'] },
    { name: 'a replicaset shows desired, current and ready counts', resource: 'replicasets', obj: replicaSet,
      cols: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'],
      cells: ['web-abc', 3, 3, 1, '5m', 'nginx,side', 'nginx:1.27,busybox', 'app=web,pod-template-hash=abc'] },
    { name: 'a node-port service shows node ports and its selector', resource: 'services', obj: service,
      cols: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
      cells: ['web', 'NodePort', '10.96.0.10', '<none>', '80:30080/TCP,53/UDP', '5m', 'app=web'] },
    { name: 'a load balancer without an address is pending', resource: 'services', obj: lbService,
      cols: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
      cells: ['lb', 'LoadBalancer', '10.96.0.11', '<pending>', '443/TCP', '5m', '<none>'] },
    { name: 'an event shows last seen, the object and the trimmed message', resource: 'events', obj: event,
      cols: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
      cells: ['3m', 'Normal', 'Pulled', 'pod/nginx', 'spec.containers{nginx}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '4m', 2, 'nginx.17a'] },
    { name: 'an endpoint slice lists three addresses and counts the rest', resource: 'endpointslices', obj: slice,
      cols: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
      cells: ['web-xyz', 'IPv4', '80', '10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...', '5m'] },
    { name: 'a completed job shows its status, completions and duration', resource: 'jobs', obj: job,
      cols: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
      cells: ['pi', 'Complete', '1/1', '42s', '5m', 'nginx,side', 'nginx:1.27,busybox', 'batch.kubernetes.io/controller-uid=u'] },
    { name: 'a daemonset shows its counts and node selector', resource: 'daemonsets', obj: daemonSet,
      cols: ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'],
      cells: ['kube-proxy', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '5m', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.32.0', 'k8s=proxy'] },
    { name: 'a namespace shows its phase', resource: 'namespaces', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('dev'), status: { phase: 'Terminating' } },
      cols: ['Name', 'Status', 'Age'], cells: ['dev', 'Terminating', '5m'] },
    { name: 'a lease shows its holder', resource: 'leases', obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta('node-1'), spec: { holderIdentity: 'node-1' } },
      cols: ['Name', 'Holder', 'Age'], cells: ['node-1', 'node-1', '5m'] },
    { name: 'a configmap counts data and binary data', resource: 'configmaps', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
      cols: ['Name', 'Data', 'Age'], cells: ['cfg', 3, '5m'] },
    { name: 'a secret shows its type and data count', resource: 'secrets', obj: { apiVersion: 'v1', kind: 'Secret', metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
      cols: ['Name', 'Type', 'Data', 'Age'], cells: ['tls', 'kubernetes.io/tls', 2, '5m'] },
    { name: 'a service account counts its secrets', resource: 'serviceaccounts', obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default') },
      cols: ['Name', 'Secrets', 'Age'], cells: ['default', 0, '5m'] },
    { name: 'a resource without a printer gets name and age', resource: 'widgets.example.com', obj: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: meta('w') },
      cols: ['Name', 'Age'], cells: ['w', '5m'] },
  ])('$name', ({ resource, obj, cols, cells }) => {
    const table = toTable(resource, [obj as KObject], { now });
    expect(table.kind).toBe('Table');
    expect(table.apiVersion).toBe('meta.k8s.io/v1');
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(cols);
    expect(table.rows[0]!.cells).toEqual(cells);
  });
});

describe('table shape', () => {
  test('wide columns carry priority 1 and the name column the name format', () => {
    const cols = columnsFor('pods');
    expect(cols.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(cols[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(cols.every((c) => typeof c.description === 'string' && c.description.length > 0)).toBe(true);
  });

  test('a kind or singular name finds the same printer as the plural', () => {
    expect(columnsFor('Deployment')).toEqual(columnsFor('deployments'));
    expect(columnsFor('pod')).toEqual(columnsFor('pods'));
  });

  test('without wide the priority columns and their cells are dropped', () => {
    const t = toTable('events', [event], { now, wide: false });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
    expect(t.rows[0]!.cells).toEqual(['3m', 'Normal', 'Pulled', 'pod/nginx', 'Successfully pulled image "nginx"']);
  });

  test.each([
    { name: 'metadata (the default) embeds a PartialObjectMetadata', include: undefined, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: runningPod.metadata } },
    { name: 'Object embeds the whole object', include: 'Object' as const, object: runningPod },
    { name: 'None embeds nothing', include: 'None' as const, object: undefined },
  ])('includeObject: $name', ({ include, object }) => {
    const t = toTable('pods', [runningPod], include ? { now, includeObject: include } : { now });
    expect(t.rows[0]!.object).toEqual(object);
  });

  test('an empty list still sends its columns', () => {
    const t = toTable('pods', [], { now, resourceVersion: '42' });
    expect(t.rows).toEqual([]);
    expect(t.columnDefinitions).toHaveLength(9);
    expect(t.metadata.resourceVersion).toBe('42');
  });

  test('the resourceVersion defaults to the newest item', () => {
    const t = toTable('pods', [runningPod, { ...succeededPod, metadata: { ...succeededPod.metadata, resourceVersion: '12' } }], { now });
    expect(t.metadata.resourceVersion).toBe('12');
  });

  test('a finished pod row carries the Completed condition', () => {
    const t = toTable('pods', [succeededPod], { now });
    expect(t.rows[0]!.cells[2]).toBe('Completed');
    expect(t.rows[0]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  test('a node without a Ready condition is Unknown', () => {
    const t = toTable('nodes', [{ ...node, spec: {}, status: {} }], { now });
    expect(t.rows[0]!.cells.slice(1, 2)).toEqual(['Unknown']);
  });
});
