/**
 * Kubernetes protobuf request bodies (src/server/protobuf.ts): the real kubectl 1.32 generator
 * commands against an in-process server, with `kubectl create ... --dry-run=client -o json` as the
 * oracle for the decoded content; golden bodies captured from kubectl (Go's encoder, independent
 * of our schema); round trips through our schema for every kind we decode; and malformed bodies
 * over HTTP (400 Status, store unchanged).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { up, type RunningServer } from '../../src/server/up.ts';
import { ADMIN_TOKEN } from '../../src/sim/simulation.ts';
import {
  PROTOBUF_MAGIC, PROTOBUF_MEDIA_TYPE, decodableKinds, decodeMessage, decodeProtobufBody, decodeProtobufRequestBody, defaultKindFor, encodeProtobufEnvelope,
  goDuration, messageTypeFor, protobufRoot,
} from '../../src/server/protobuf.ts';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);

// ---------------------------------------------------------------------------------------------
// Helpers

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Where `actual` fails to contain `expected`: every field of `expected` must be present and equal
 * in `actual` (objects recursively, arrays element-wise with the same length). A `null` in
 * `expected` is Go's JSON for an unset struct (`creationTimestamp: null`) and constrains nothing.
 */
function missing(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected === null) return [];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${path}: expected ${expected.length} items, got ${actual.length}`];
    return expected.flatMap((e, i) => missing(e, actual[i], `${path}[${i}]`));
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected as Record<string, unknown>).flatMap(([k, v]) => missing(v, (actual as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return Object.is(expected, actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/**
 * The inverse of the decoder's conventions, for round trips: a JSON object as the plain object
 * protobufjs encodes with our schema. With `goZeros`, every absent non-pointer scalar is set to
 * its zero value, as gogo-protobuf writes them (the decoder must drop them again).
 */
function toProto(json: Record<string, unknown>, type: protobuf.Type, goZeros: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of type.fieldsArray) {
    const rt = f.resolvedType instanceof protobuf.Type ? f.resolvedType : undefined;
    if (f.options?.['(inline)'] === true && rt) {
      out[f.name] = toProto(json, rt, goZeros);
      continue;
    }
    const v = json[f.name];
    if (v === undefined) {
      const pointer = f.options?.['proto3_optional'] === true;
      if (goZeros && !pointer && !rt && !f.repeated && !f.map) out[f.name] = f.type === 'string' ? '' : f.type === 'bool' ? false : f.type === 'bytes' ? '' : 0;
      continue;
    }
    const one = (x: unknown): unknown => (rt ? special(x, rt, goZeros) : x);
    if (f.map) out[f.name] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, one(x)]));
    else if (f.repeated) out[f.name] = (v as unknown[]).map(one);
    else out[f.name] = one(v);
  }
  return out;
}

function special(v: unknown, type: protobuf.Type, goZeros: boolean): unknown {
  switch (type.name) {
    case 'Time': return { seconds: Date.parse(v as string) / 1000 };
    case 'MicroTime': {
      const [, frac = '0'] = /\.(\d+)Z$/.exec(v as string) ?? [];
      return { seconds: Date.parse((v as string).replace(/\.\d+Z$/, 'Z')) / 1000, nanos: Number(frac.padEnd(9, '0')) };
    }
    case 'Quantity': return { string: v };
    case 'IntOrString': return typeof v === 'string' ? { type: 1, strVal: v } : { type: 0, intVal: v };
    case 'RawExtension': return { raw: Buffer.from(JSON.stringify(v)) };
    case 'FieldsV1': return { Raw: Buffer.from(JSON.stringify(v)) };
    default: return toProto(v as Record<string, unknown>, type, goZeros);
  }
}

/** Encodes a JSON object with our schema, in the `k8s\0` envelope. */
function encode(obj: { apiVersion: string; kind: string } & Record<string, unknown>, goZeros = true): Buffer {
  const type = messageTypeFor(obj.apiVersion, obj.kind);
  if (!type) throw new Error(`no schema for ${obj.apiVersion}/${obj.kind}`);
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  const raw = type.encode(type.fromObject(toProto(rest, type, goZeros))).finish();
  return encodeProtobufEnvelope({ apiVersion: obj.apiVersion, kind: obj.kind }, raw);
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

// ---------------------------------------------------------------------------------------------
// Fixtures: one object per kind we decode, each using the interesting corners of its schema.

const T1 = '2026-01-02T03:04:05Z';
const MT1 = '2026-01-02T03:04:05.123456Z';

const podSpec = {
  volumes: [
    { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'a', path: 'a.txt', mode: 0 }], defaultMode: 420, optional: false } },
    { name: 'sec', secret: { secretName: 'creds', defaultMode: 256 } },
    { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
    {
      name: 'proj', projected: {
        defaultMode: 292,
        sources: [
          { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    },
    { name: 'csi', csi: { driver: 'csi.example.com', readOnly: true, volumeAttributes: { size: 'small' }, nodePublishSecretRef: { name: 'csi-secret' } } },
    {
      name: 'eph', ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { type: 'eph' } },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } },
        },
      },
    },
    { name: 'down', downwardAPI: { items: [{ path: 'cpu', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } }] } },
  ],
  initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], resources: {}, restartPolicy: 'Always' }],
  containers: [{
    name: 'app',
    image: 'nginx:1.27',
    args: ['--port', '8080'],
    workingDir: '/srv',
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 9090, hostPort: 19090, protocol: 'UDP', hostIP: '0.0.0.0' }],
    envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings', optional: true } }, { secretRef: { name: 'creds' } }],
    env: [
      { name: 'PLAIN', value: 'x' },
      { name: 'EMPTY' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'a', optional: false } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
    volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }, { name: 'data', mountPath: '/data', subPath: 'app', mountPropagation: 'None' }],
    livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '1' }] }, initialDelaySeconds: 3, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { tcpSocket: { port: 8080 }, timeoutSeconds: 1, successThreshold: 1 },
    startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30, terminationGracePeriodSeconds: 0 },
    lifecycle: { preStop: { sleep: { seconds: 5 } }, postStart: { exec: { command: ['true'] } } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
    securityContext: {
      runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, seccompProfile: { type: 'RuntimeDefault' },
    },
    stdin: true,
    tty: true,
  }],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  serviceAccountName: 'robot',
  automountServiceAccountToken: false,
  securityContext: { fsGroup: 2000, runAsGroup: 3000, supplementalGroups: [1, 2], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
  imagePullSecrets: [{ name: 'reg' }],
  hostname: 'web-0',
  subdomain: 'web',
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] },
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] } }],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }],
    },
  },
  schedulerName: 'default-scheduler',
  tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }, { key: 'x', operator: 'Equal', value: 'y', effect: 'NoExecute', tolerationSeconds: 0 }],
  hostAliases: [{ ip: '10.0.0.1', hostnames: ['db'] }],
  priorityClassName: 'high',
  priority: 0,
  dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
  enableServiceLinks: false,
  preemptionPolicy: 'Never',
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, minDomains: 2 }],
  readinessGates: [{ conditionType: 'example.com/ready' }],
  os: { name: 'linux' },
  hostUsers: true,
  schedulingGates: [{ name: 'wait' }],
};

const template = { metadata: { labels: { app: 'web' }, annotations: { note: 'n' } }, spec: podSpec };
const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, namespace: 'default', labels: { app: 'web' }, ...extra });

const FIXTURES: Array<{ apiVersion: string; kind: string } & Record<string, unknown>> = [
  {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: meta('web', {
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: false, blockOwnerDeletion: true }],
      finalizers: ['example.com/f'],
      managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      generation: 3, resourceVersion: '42', uid: 'abc', creationTimestamp: T1,
    }),
    spec: {
      replicas: 0, selector: { matchLabels: { app: 'web' } }, template,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      minReadySeconds: 5, revisionHistoryLimit: 0, progressDeadlineSeconds: 600, paused: true,
    },
    status: {
      observedGeneration: 3, replicas: 2, readyReplicas: 1, collisionCount: 0,
      conditions: [{ type: 'Available', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1, reason: 'MinimumReplicasAvailable', message: 'ok' }],
    },
  },
  {
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta('web-abc'),
    spec: { replicas: 2, minReadySeconds: 1, selector: { matchLabels: { app: 'web' } }, template },
    status: { replicas: 0, fullyLabeledReplicas: 1, observedGeneration: 1 },
  },
  {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta('agent'),
    spec: { selector: { matchLabels: { app: 'web' } }, template, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 },
    status: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 3, numberReady: 0, numberAvailable: 1 },
  },
  {
    apiVersion: 'batch/v1', kind: 'Job', metadata: meta('once'),
    spec: {
      parallelism: 1, completions: 1, backoffLimit: 0, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 0, suspend: false, manualSelector: false,
      completionMode: 'NonIndexed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      template: { metadata: {}, spec: { containers: [{ name: 'once', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' } },
    },
    status: { startTime: T1, active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {}, conditions: [{ type: 'Complete', status: 'False', lastProbeTime: T1 }] },
  },
  {
    apiVersion: 'v1', kind: 'Pod', metadata: meta('web-0'), spec: { ...podSpec, nodeName: 'worker-1', hostNetwork: true, shareProcessNamespace: true },
    status: {
      phase: 'Running', hostIP: '10.0.0.2', hostIPs: [{ ip: '10.0.0.2' }], podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }], startTime: T1, qosClass: 'Burstable',
      conditions: [{ type: 'Ready', status: 'False', lastProbeTime: T1, lastTransitionTime: T1, reason: 'ContainersNotReady' }],
      containerStatuses: [{
        name: 'app', ready: false, restartCount: 0, started: false, image: 'nginx:1.27', imageID: 'docker.io/library/nginx@sha256:1', containerID: 'containerd://1',
        state: { running: { startedAt: T1 } }, lastState: { terminated: { exitCode: 0, reason: 'Completed', startedAt: T1, finishedAt: T1, containerID: 'containerd://0' } },
      }],
      initContainerStatuses: [{ name: 'init', ready: true, restartCount: 1, image: 'busybox:1.36', state: { waiting: { reason: 'PodInitializing' } }, lastState: {} }],
    },
  },
  {
    apiVersion: 'v1', kind: 'Node', metadata: { name: 'worker-1', labels: { 'kubernetes.io/hostname': 'worker-1' } },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'], unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: T1 }] },
    status: {
      capacity: { cpu: '4', memory: '8Gi', pods: '110' }, allocatable: { cpu: '3800m', memory: '7Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: T1, lastTransitionTime: T1, reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'worker-1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: { machineID: 'm', systemUUID: 's', bootID: 'b', kernelVersion: '6.1', osImage: 'Debian', containerRuntimeVersion: 'containerd://1.7', kubeletVersion: 'v1.32.4', kubeProxyVersion: 'v1.32.4', operatingSystem: 'linux', architecture: 'amd64' },
      images: [{ names: ['nginx:1.27'], sizeBytes: 5_000_000_000 }],
    },
  },
  {
    apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a', labels: { team: 'a' } }, spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active', conditions: [{ type: 'NamespaceDeletionDiscoveryFailure', status: 'False', lastTransitionTime: T1, reason: 'ResourcesDiscovered' }] },
  },
  {
    apiVersion: 'v1', kind: 'Service', metadata: meta('web'),
    spec: {
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http', nodePort: 30080, appProtocol: 'http' }, { name: 'raw', port: 0, targetPort: 9090 }],
      selector: { app: 'web' }, clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], type: 'NodePort', sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } }, externalTrafficPolicy: 'Local', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: false, publishNotReadyAddresses: true,
    },
    status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] }, conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1, lastTransitionTime: T1, reason: 'Ok', message: 'fine' }] },
  },
  {
    apiVersion: 'v1', kind: 'Endpoints', metadata: meta('web'),
    subsets: [{
      addresses: [{ ip: '10.244.1.2', nodeName: 'worker-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-0', uid: 'u' } }],
      notReadyAddresses: [{ ip: '10.244.2.2', hostname: 'web-1' }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }],
  },
  {
    apiVersion: 'v1', kind: 'Event', metadata: meta('web-0.1'),
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-0', apiVersion: 'v1', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled', message: 'pulled', source: { component: 'kubelet', host: 'worker-1' }, firstTimestamp: T1, lastTimestamp: T1, count: 2, type: 'Normal',
    eventTime: MT1, series: { count: 2, lastObservedTime: MT1 }, action: 'Pull', reportingComponent: 'kubelet', reportingInstance: 'worker-1',
  },
  {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta('web-0.2'),
    eventTime: MT1, series: { count: 0, lastObservedTime: MT1 }, reportingController: 'kubernetes.io/kubelet', reportingInstance: 'worker-1', action: 'Pull', reason: 'Pulled',
    regarding: { kind: 'Pod', name: 'web-0', namespace: 'default' }, related: { kind: 'Node', name: 'worker-1' }, note: 'pulled', type: 'Normal',
    deprecatedSource: { component: 'kubelet' }, deprecatedFirstTimestamp: T1, deprecatedCount: 1,
  },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('settings'), data: { a: 'b', empty: '' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') }, immutable: false },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('creds'), type: 'Opaque', data: { password: Buffer.from('s3cret').toString('base64'), empty: '' }, stringData: { user: 'admin' }, immutable: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('robot'), secrets: [{ name: 'robot-token' }], imagePullSecrets: [{ name: 'reg' }], automountServiceAccountToken: false },
  { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'worker-1' } },
  {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta('web-x'), addressType: 'IPv4',
    endpoints: [{
      addresses: ['10.244.1.2'], conditions: { ready: false, serving: true, terminating: false }, hostname: 'web-0', nodeName: 'worker-1', zone: 'a',
      targetRef: { kind: 'Pod', name: 'web-0', namespace: 'default' }, hints: { forZones: [{ name: 'a' }] },
    }],
    ports: [{ name: '', protocol: 'TCP', port: 8080, appProtocol: 'http' }],
  },
  {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
    spec: { holderIdentity: 'kube-scheduler-1', leaseDurationSeconds: 15, acquireTime: MT1, renewTime: '2026-01-02T03:04:20.000001Z', leaseTransitions: 0 },
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('pod-reader'), rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'pods/log'], resourceNames: ['web-0'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'aggregate' },
    rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/version'] }],
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }] },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('rb'),
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }, { kind: 'ServiceAccount', name: 'robot', namespace: 'default' }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'aggregate' },
  },
  {
    apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-0', namespace: 'default' },
    deleteOptions: { gracePeriodSeconds: 0, propagationPolicy: 'Background', preconditions: { uid: 'u', resourceVersion: '7' }, dryRun: ['All'] },
  },
  { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 0 }, status: { replicas: 0, selector: 'app=web' } },
  { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, orphanDependents: false, dryRun: ['All'] },
  {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods', subresource: 'log', name: 'web', group: 'apps', version: 'v1' } },
    status: { allowed: true, reason: 'RBAC: allowed' },
  },
  {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
    spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' }, user: 'alice', groups: ['devs', 'system:authenticated'], uid: 'u-2' },
  },
  { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {}, status: { userInfo: { username: 'alice', uid: 'u-3', groups: ['system:authenticated'] } } },
];

// ---------------------------------------------------------------------------------------------

describe('decodeProtobufBody: bodies kubectl 1.32 sent (Go encoder)', () => {
  it('a Deployment from `create deployment web --image=nginx:1.27 --replicas=0 --port=8080`', () => {
    // Every non-pointer field is on the wire, zero or not (name "", generation 0, ...): those are dropped,
    // replicas is a pointer and its explicit 0 is kept; the zero creationTimestamp is left out.
    const body = hex('6b3873000a150a07617070732f7631120a4465706c6f796d656e7412be010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562128c010800120c0a0a0a0361707012037765621a720a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125212340a056e67696e78120a6e67696e783a312e32372a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200');
    expect(decodeProtobufBody(body)).toEqual({
      ok: true,
      object: {
        apiVersion: 'apps/v1', kind: 'Deployment',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 0, selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: {} }] } },
          strategy: {},
        },
        status: {},
      },
    });
  });

  it('a Service from `create service clusterip web --tcp=80:http` (IntOrString string)', () => {
    const body = hex('6b3873000a0d0a027631120753657276696365126c0a1f0a0377656212001a0022002a003200380042005a0a0a03617070120377656212450a1e0a0738302d6874747012035443501850220a080110001a04687474702800120a0a0361707012037765621a002209436c757374657249503a00420052005a00600068001a020a001a002200');
    expect(decodeProtobufBody(body)).toEqual({
      ok: true,
      object: {
        apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } },
        spec: { ports: [{ name: '80-http', protocol: 'TCP', port: 80, targetPort: 'http' }], selector: { app: 'web' }, type: 'ClusterIP' },
        status: { loadBalancer: {} },
      },
    });
  });

  it('a Secret from `create secret docker-registry` (bytes -> base64)', () => {
    const body = hex('6b3873000a0c0a02763112065365637265741291010a130a0372656712001a0022002a00320038004200125a0a112e646f636b6572636f6e6669676a736f6e12457b226175746873223a7b22722e6578616d706c65223a7b22757365726e616d65223a2275222c2270617373776f7264223a2270222c2261757468223a2264547077227d7d7d1a1e6b756265726e657465732e696f2f646f636b6572636f6e6669676a736f6e1a002200');
    const config = '{"auths":{"r.example":{"username":"u","password":"p","auth":"dTpw"}}}';
    expect(decodeProtobufBody(body)).toEqual({
      ok: true,
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'reg' }, data: { '.dockerconfigjson': Buffer.from(config).toString('base64') }, type: 'kubernetes.io/dockerconfigjson' },
    });
  });
});

describe('decodeProtobufBody: hand-written wire bytes', () => {
  const w = (): protobuf.Writer => protobuf.Writer.create();
  const envelope = (apiVersion: string, kind: string, raw: Uint8Array): Buffer => {
    const tm = w().uint32(0x0a).string(apiVersion).uint32(0x12).string(kind).finish();
    return Buffer.concat([PROTOBUF_MAGIC, w().uint32(0x0a).bytes(tm).uint32(0x12).bytes(raw).finish()]);
  };

  it('a Pod: inline probe handler and volume source, IntOrString, Quantity, pointer zeros', () => {
    const port = w().uint32(0x08).int64(0).uint32(0x10).int32(8080).finish(); // IntOrString{type: Int, intVal: 8080}
    const httpGet = w().uint32(0x0a).string('/healthz').uint32(0x12).bytes(port).finish();
    const handler = w().uint32(0x12).bytes(httpGet).finish(); // ProbeHandler.httpGet = 2
    const probe = w().uint32(0x0a).bytes(handler).uint32(0x20).int32(5).uint32(0x10).int32(0).finish(); // handler = 1, periodSeconds = 4, initialDelaySeconds = 2 (0: dropped)
    const container = w().uint32(0x0a).string('c').uint32(0x52).bytes(probe).uint32((16 << 3) | 0).bool(false).finish(); // livenessProbe = 10, stdin = 16 (false: dropped)
    const sizeLimit = w().uint32(0x0a).string('1Gi').finish();
    const emptyDir = w().uint32(0x12).bytes(sizeLimit).finish(); // EmptyDirVolumeSource.sizeLimit = 2
    const source = w().uint32(0x12).bytes(emptyDir).finish(); // VolumeSource.emptyDir = 2
    const volume = w().uint32(0x0a).string('data').uint32(0x12).bytes(source).finish(); // Volume.volumeSource = 2
    const spec = w().uint32(0x0a).bytes(volume).uint32(0x12).bytes(container).uint32(0x20).int64(0).uint32(0x1a).string('').finish(); // terminationGracePeriodSeconds = 4 (pointer 0: kept), restartPolicy = 3 ("")
    const pod = w().uint32(0x12).bytes(spec).finish();
    expect(decodeProtobufBody(envelope('v1', 'Pod', pod))).toEqual({
      ok: true,
      object: {
        apiVersion: 'v1', kind: 'Pod',
        spec: { volumes: [{ name: 'data', emptyDir: { sizeLimit: '1Gi' } }], containers: [{ name: 'c', livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 } }], terminationGracePeriodSeconds: 0 },
      },
    });
  });

  it('a Lease: MicroTime keeps microseconds, Time drops them; unknown fields are skipped', () => {
    const micro = w().uint32(0x08).int64(1767323045).uint32(0x10).int32(123456789).finish();
    const spec = w().uint32(0x0a).string('me').uint32(0x10).int32(15).uint32(0x1a).bytes(micro).uint32(0x28).int32(0).finish();
    const created = w().uint32(0x08).int64(1767323045).uint32(0x10).int32(999).finish();
    const metadata = w().uint32(0x0a).string('l').uint32(0x42).bytes(created).uint32((999 << 3) | 2).string('unknown field 999').finish();
    const lease = w().uint32(0x0a).bytes(metadata).uint32(0x12).bytes(spec).uint32((100 << 3) | 0).int32(7).finish(); // field 100: unknown
    expect(decodeProtobufBody(envelope('coordination.k8s.io/v1', 'Lease', lease))).toEqual({
      ok: true,
      object: {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: { name: 'l', creationTimestamp: '2026-01-02T03:04:05Z' },
        spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2026-01-02T03:04:05.123456Z', leaseTransitions: 0 },
      },
    });
  });

  it('a ConfigMap: present empty strings in maps are kept, an absent immutable stays absent', () => {
    const entry = (k: string, v: string): Uint8Array => w().uint32(0x0a).string(k).uint32(0x12).string(v).finish();
    const cm = w().uint32(0x12).bytes(entry('a', '')).uint32(0x12).bytes(entry('b', 'x')).finish();
    expect(decodeProtobufBody(envelope('v1', 'ConfigMap', cm))).toEqual({ ok: true, object: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '', b: 'x' } } });
  });
});

describe('decodeProtobufBody: round trips through our schema', () => {
  it('covers every kind it decodes', () => {
    expect(new Set(FIXTURES.map((f) => (f.kind === 'DeleteOptions' ? 'DeleteOptions' : `${f.apiVersion}/${f.kind}`)))).toEqual(new Set(decodableKinds()));
  });

  it.each(FIXTURES.map((f) => [`${f.apiVersion}/${f.kind}`, f] as const))('%s, with Go\'s zero fields on the wire', (_name, fixture) => {
    const decoded = decodeProtobufBody(encode(fixture, true));
    expect(decoded).toEqual({ ok: true, object: fixture });
    // apiVersion and kind come first, as in Go's JSON.
    if (decoded.ok) expect(Object.keys(decoded.object).slice(0, 2)).toEqual(['apiVersion', 'kind']);
  });

  it.each(FIXTURES.map((f) => [`${f.apiVersion}/${f.kind}`, f] as const))('%s, without them', (_name, fixture) => {
    expect(decodeProtobufBody(encode(fixture, false))).toEqual({ ok: true, object: fixture });
  });

  it('RawExtension: JSON bytes, or an embedded protobuf object', () => {
    // No kind we serve has a RawExtension field: decode one through a throwaway message.
    const root = protobufRoot();
    const Holder = new protobuf.Type('RawHolder')
      .add(new protobuf.Field('json', 1, '.k8s.io.apimachinery.pkg.runtime.RawExtension'))
      .add(new protobuf.Field('proto', 2, '.k8s.io.apimachinery.pkg.runtime.RawExtension'))
      .add(new protobuf.Field('empty', 3, '.k8s.io.apimachinery.pkg.runtime.RawExtension'))
      .add(new protobuf.Field('bad', 4, '.k8s.io.apimachinery.pkg.runtime.RawExtension'));
    root.add(Holder);
    try {
      Holder.resolveAll();
      const cm = messageTypeFor('v1', 'ConfigMap')!;
      const nested = encodeProtobufEnvelope({ apiVersion: 'v1', kind: 'ConfigMap' }, cm.encode(cm.fromObject({ data: { a: 'b' } })).finish());
      const bytes = Holder.encode(Holder.fromObject({ json: { raw: Buffer.from('{"x":[1,2]}') }, proto: { raw: nested }, empty: {} })).finish();
      expect(decodeMessage(Holder, bytes)).toEqual({ ok: true, object: { json: { x: [1, 2] }, proto: { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'b' } } } });
      const bad = Holder.encode(Holder.fromObject({ bad: { raw: Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0xff])]) } })).finish();
      const r = decodeMessage(Holder, bad);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.message).toMatch(/^has an embedded object at bad that the body of the request could not be decoded as protobuf/);
    } finally {
      root.remove(Holder);
    }
  });

  it('managedFields[].fieldsV1 that is not JSON is a clear error', () => {
    const type = messageTypeFor('v1', 'ConfigMap')!;
    const raw = type.encode(type.fromObject({ metadata: { name: 'x', managedFields: [{ manager: 'm', fieldsV1: { Raw: Buffer.from('{not json') } }] } })).finish();
    const r = decodeProtobufBody(encodeProtobufEnvelope({ apiVersion: 'v1', kind: 'ConfigMap' }, raw));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(/^the ConfigMap in the body of the request has raw bytes at fieldsV1 that are not JSON/);
  });

  it('times out of Go\'s RFC 3339 range are a clear error', () => {
    const type = messageTypeFor('v1', 'ConfigMap')!;
    const raw = type.encode(type.fromObject({ metadata: { name: 'x', creationTimestamp: { seconds: 1e12 } } })).finish();
    const r = decodeProtobufBody(encodeProtobufEnvelope({ apiVersion: 'v1', kind: 'ConfigMap' }, raw));
    expect(r).toEqual({ ok: false, message: 'the ConfigMap in the body of the request has a time out of range at creationTimestamp: 1000000000000 seconds since the epoch' });
  });

  it('formats metav1.Duration as Go does', () => {
    expect([0n, 1n, 1500n, 1_500_000n, 1_000_000_000n, 90_000_000_000n, 3_600_000_000_000n, 3_723_500_000_000n, -2_000_000_000n].map(goDuration))
      .toEqual(['0s', '1ns', '1.5µs', '1.5ms', '1s', '1m30s', '1h0m0s', '1h2m3.5s', '-2s']);
  });
});

describe('decodeProtobufBody: malformed input', () => {
  const good = encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } }, false);

  it('wrong or missing prefix', () => {
    for (const b of [Buffer.alloc(0), Buffer.from('k8s'), Buffer.from('{"kind":"ConfigMap"}'), Buffer.concat([Buffer.from('k9s\0'), good.subarray(4)])]) {
      expect(decodeProtobufBody(b)).toEqual({ ok: false, message: 'the body of the request was not a Kubernetes protobuf object: it does not start with the prefix "k8s\\x00"' });
    }
  });

  it('every truncation inside a field fails cleanly', () => {
    // Cut right after the TypeMeta field, the envelope is complete (a ConfigMap with no content).
    const afterTypeMeta = PROTOBUF_MAGIC.length + 2 + good[PROTOBUF_MAGIC.length + 1]!;
    expect(decodeProtobufBody(good.subarray(0, afterTypeMeta))).toEqual({ ok: true, object: { apiVersion: 'v1', kind: 'ConfigMap' } });
    for (let n = PROTOBUF_MAGIC.length + 1; n < good.length; n++) {
      if (n === afterTypeMeta) continue;
      const r = decodeProtobufBody(good.subarray(0, n));
      expect(r.ok, `cut at ${n}`).toBe(false);
    }
  });

  it('an envelope without TypeMeta takes the kind of the request path; none at all is an error', () => {
    const type = messageTypeFor('v1', 'ConfigMap')!;
    const noTypeMeta = encodeProtobufEnvelope({ apiVersion: '', kind: '' }, type.encode(type.fromObject({ metadata: { name: 'x' } })).finish());
    expect(decodeProtobufRequestBody(noTypeMeta, { verb: 'create', group: '', version: 'v1', resource: 'configmaps' })).toEqual({ ok: true, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } });
    expect(decodeProtobufBody(noTypeMeta)).toEqual({ ok: false, message: "Object 'Kind' is missing in the protobuf envelope of the request body" });
    expect(defaultKindFor({ verb: 'create', group: '', version: 'v1', resource: 'pods', subresource: 'eviction' })).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction' });
    expect(defaultKindFor({ verb: 'update', group: 'apps', version: 'v1', resource: 'deployments', subresource: 'scale' })).toEqual({ apiVersion: 'autoscaling/v1', kind: 'Scale' });
    expect(defaultKindFor({ verb: 'delete', group: 'apps', version: 'v1', resource: 'deployments' })).toEqual({ apiVersion: 'apps/v1', kind: 'DeleteOptions' });
    expect(decodeProtobufRequestBody(Buffer.alloc(0), { verb: 'delete', group: '', version: 'v1', resource: 'pods' })).toEqual({ ok: true, object: undefined });
  });

  it('random bytes never throw (fast-check)', () => {
    const bytes = fc.uint8Array({ maxLength: 300 });
    const body = fc.oneof(bytes, bytes.map((b) => Buffer.concat([PROTOBUF_MAGIC, b])), fc.tuple(fc.nat({ max: good.length }), bytes).map(([n, b]) => Buffer.concat([good.subarray(0, n), b])));
    fc.assert(fc.property(body, (b) => {
      const r = decodeProtobufBody(b);
      if (r.ok) expect(typeof r.object['kind']).toBe('string');
      else expect(typeof r.message).toBe('string');
    }), { numRuns: 2000, verbose: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// Over HTTP

interface Reply { code: number; body: string }

function https(server: RunningServer, method: string, path: string, body: Buffer | string | undefined, contentType = PROTOBUF_MEDIA_TYPE): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': contentType, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = request(`${server.url}${path}`, { method, ca: server.caCert, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('protobuf bodies over HTTP', () => {
  let server: RunningServer | undefined;
  const revision = (): number => server!.cluster.sim.store.revision();
  const CMS = '/api/v1/namespaces/default/configmaps';

  beforeAll(async () => {
    // tickMs just under the setInterval limit: the clock stands still, this test is the only writer.
    server = await up({ port: 0, seed: 5, tickMs: 2_000_000_000 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const expectBadRequest = (r: Reply, before: number, what: string): void => {
    expect(r.code, `${what}: ${r.body}`).toBe(400);
    const s = JSON.parse(r.body) as Record<string, unknown>;
    expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(revision(), what).toBe(before);
  };

  it('creates, updates and deletes with protobuf bodies; responses are JSON', async () => {
    const created = await https(server!, 'POST', CMS, encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb' }, data: { a: 'b' } }));
    expect(created.code, created.body).toBe(201);
    const obj = JSON.parse(created.body) as { metadata: { resourceVersion: string; namespace: string }; data: unknown };
    expect(obj.data).toEqual({ a: 'b' });
    expect(obj.metadata.namespace).toBe('default');
    const updated = await https(server!, 'PUT', `${CMS}/pb`, encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb', resourceVersion: obj.metadata.resourceVersion }, data: { a: 'c' } }));
    expect(updated.code, updated.body).toBe(200);
    expect((JSON.parse(updated.body) as { data: unknown }).data).toEqual({ a: 'c' });
    const deleted = await https(server!, 'DELETE', `${CMS}/pb`, encode({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background' }));
    expect(deleted.code, deleted.body).toBe(200);
    expect((await https(server!, 'GET', `${CMS}/pb`, undefined)).code).toBe(404);
  });

  it('a PATCH with a protobuf body stays 415', async () => {
    const before = revision();
    const r = await https(server!, 'PATCH', `${CMS}/x`, encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }));
    expect(r.code).toBe(415);
    expect(revision()).toBe(before);
  });

  it('malformed bodies are 400 Status and leave the store unchanged', async () => {
    const good = encode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { a: 'b' } }, false);
    const cases: Array<[string, Buffer]> = [
      ['JSON sent as protobuf', Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad"}}')],
      ['wrong prefix', Buffer.concat([Buffer.from('k8t\0'), good.subarray(4)])],
      ['prefix only, garbage after', Buffer.concat([PROTOBUF_MAGIC, Buffer.from([0xff, 0xff, 0xff])])],
      ['a kind we have no schema for', encodeProtobufEnvelope({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, new Uint8Array(0))],
    ];
    const afterTypeMeta = PROTOBUF_MAGIC.length + 2 + good[PROTOBUF_MAGIC.length + 1]!;
    for (let n = PROTOBUF_MAGIC.length + 1; n < good.length; n++) {
      if (n !== afterTypeMeta) cases.push([`truncated at ${n} of ${good.length}`, good.subarray(0, n)]);
    }
    for (const [what, body] of cases) {
      const before = revision();
      expectBadRequest(await https(server!, 'POST', CMS, body), before, what);
    }
    const before = revision();
    const empty = await https(server!, 'POST', CMS, Buffer.alloc(0));
    expect(empty.code).toBe(400);
    expect(empty.body).toContain('the request body must not be empty');
    expect(revision()).toBe(before);
    expect((await https(server!, 'GET', `${CMS}/bad`, undefined)).code).toBe(404);
  });

  it('an unknown kind on a path kubelife does not serve is that path\'s 404', async () => {
    const before = revision();
    const r = await https(server!, 'POST', '/api/v1/namespaces/default/serviceaccounts/default/token', encodeProtobufEnvelope({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' }, new Uint8Array(0)));
    expect(r.code, r.body).toBe(404);
    expect(revision()).toBe(before);
  });

  it('random bytes are a 4xx Status, 400 without the prefix, and never write (fast-check prints its seed)', async () => {
    // A namespace that does not exist: even bytes that happen to decode cannot create anything.
    const path = '/api/v1/namespaces/no-such-namespace/configmaps';
    const bytes = fc.uint8Array({ maxLength: 200 });
    const body = fc.oneof(bytes, bytes.map((b) => Buffer.concat([PROTOBUF_MAGIC, b])));
    await fc.assert(fc.asyncProperty(body, async (b) => {
      const before = revision();
      const r = await https(server!, 'POST', path, Buffer.from(b));
      expect(r.code, r.body).toBeGreaterThanOrEqual(400);
      expect(r.code, r.body).toBeLessThan(500);
      expect((JSON.parse(r.body) as { kind: string }).kind).toBe('Status');
      const prefixed = b.length >= 4 && PROTOBUF_MAGIC.every((x, i) => b[i] === x);
      if (!prefixed) expect(r.code).toBe(400);
      expect(revision()).toBe(before);
    }), { numRuns: 150, verbose: 1 });
  });
});

// ---------------------------------------------------------------------------------------------
// The real kubectl

interface Result { code: number; stdout: string; stderr: string }

describe.skipIf(!haveKubectl)('kubectl 1.32 generator commands send protobuf; the stored object matches --dry-run=client', () => {
  let dir = '';
  let kc = '';
  let server: RunningServer | undefined;

  const kubectl = (args: string[]): Promise<Result> => new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kc, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 20_000, env: { ...process.env, HOME: dir } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelife-protobuf-'));
    kc = join(dir, 'kubeconfig');
    server = await up({ port: 0, kubeconfig: kc, speed: 20, seed: 9 });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // [command (after `kubectl`), what to get, the Content-Type kubectl sends]. In order: `expose`
  // needs the deployment. `expose` builds an unstructured object and sends JSON.
  const PB = 'application/vnd.kubernetes.protobuf';
  const CASES: Array<[string[], string[], string]> = [
    [['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=8080'], ['deployment', 'web'], PB],
    [['create', 'deployment', 'idle', '--image=nginx:1.27', '--replicas=0'], ['deployment', 'idle'], PB],
    [['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=empty='], ['configmap', 'settings'], PB],
    [['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=password=s3cret'], ['secret', 'creds'], PB],
    [['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p'], ['secret', 'reg'], PB],
    [['create', 'namespace', 'team-a'], ['namespace', 'team-a'], PB],
    [['create', 'job', 'once', '--image=busybox:1.36', '--', 'echo', 'hi'], ['job', 'once'], PB],
    [['create', 'serviceaccount', 'robot'], ['serviceaccount', 'robot'], PB],
    [['create', 'service', 'clusterip', 'web-svc', '--tcp=80:8080', '--tcp=443:https'], ['service', 'web-svc'], PB],
    [['create', 'service', 'nodeport', 'web-np', '--tcp=80:8080'], ['service', 'web-np'], PB],
    [['create', 'role', 'pod-reader', '--verb=get', '--verb=list', '--resource=pods', '--resource=deployments.apps'], ['role', 'pod-reader'], PB],
    [['create', 'clusterrole', 'node-reader', '--verb=get', '--verb=list', '--resource=nodes', '--resource-name=worker-1'], ['clusterrole', 'node-reader'], PB],
    [['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/version'], ['clusterrole', 'health'], PB],
    [['create', 'clusterrole', 'aggregated', '--aggregation-rule=rbac.example.com/aggregate-to-view=true'], ['clusterrole', 'aggregated'], PB],
    [['create', 'rolebinding', 'read-pods', '--role=pod-reader', '--user=bob', '--serviceaccount=default:robot'], ['rolebinding', 'read-pods'], PB],
    [['create', 'clusterrolebinding', 'read-nodes', '--clusterrole=node-reader', '--group=devs'], ['clusterrolebinding', 'read-nodes'], PB],
    [['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--name=web-exposed'], ['service', 'web-exposed'], 'application/json'],
  ];

  /** Flags go before a `--` (after it they would be the container's command). */
  const withFlags = (command: string[], flags: string[]): string[] => {
    const i = command.indexOf('--');
    return i < 0 ? [...command, ...flags] : [...command.slice(0, i), ...flags, ...command.slice(i)];
  };

  it.each(CASES)('kubectl %j', async (command, target, contentType) => {
    const oracle = await kubectl(withFlags(command, ['--dry-run=client', '-o', 'json']));
    expect(oracle.code, oracle.stderr).toBe(0);
    const expected = JSON.parse(oracle.stdout) as Json;

    const created = await kubectl(withFlags(command, ['-v=8']));
    expect(created.code, created.stderr).toBe(0);
    // The body really was sent as expected (kubectl logs the request headers at -v=8).
    expect(created.stderr).toContain(`Content-Type: ${contentType}\n`);

    const got = await kubectl(['get', ...target, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    const stored = JSON.parse(got.stdout) as Json;
    expect(missing(expected, stored)).toEqual([]);
  });
});
