import { describe, expect, test } from 'vitest';
import { KIND_SCHEMAS, unknownKind, validateObject } from '../../src/api/schemas.ts';
import { errors } from '../../src/api/status.ts';
import type { FieldCause } from '../../src/api/field-errors.ts';

type Obj = Record<string, unknown>;

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** A valid pod, changed by `edit`. */
function pod(edit: (p: { metadata: Obj; spec: Obj & { containers: Obj[] } }) => void = () => {}): Obj {
  const p = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' } as Obj, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] as Obj[] } as Obj & { containers: Obj[] } };
  edit(p);
  return p;
}

/** A valid workload of `kind`, changed by `edit`. */
function workload(kind: 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'Job', edit: (spec: Obj & { template: { metadata: Obj; spec: Obj } }) => void = () => {}): Obj {
  const spec = {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } } as Obj, spec: { containers: [{ name: 'app', image: 'nginx' }], ...(kind === 'Job' ? { restartPolicy: 'Never' } : {}) } as Obj },
  } as Obj & { template: { metadata: Obj; spec: Obj } };
  edit(spec);
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, metadata: { name: 'web', namespace: 'default' }, spec };
}

const c = (field: string, type: FieldCause['type'], message: string): FieldCause => ({ field, type, message });
const required = (field: string, detail = '') => c(field, 'FieldValueRequired', detail ? `Required value: ${detail}` : 'Required value');

describe('valid objects pass', () => {
  test.each<{ name: string; obj: Obj }>([
    { name: 'a minimal pod', obj: pod() },
    {
      name: 'a pod using most modelled fields',
      obj: pod((p) => {
        p.metadata['labels'] = { app: 'web', 'app.kubernetes.io/name': 'web' };
        p.metadata['annotations'] = { 'example.com/note': 'anything at all' };
        p.spec['initContainers'] = [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }, { name: 'proxy', image: 'envoy', restartPolicy: 'Always' }];
        p.spec.containers[0] = {
          name: 'app', image: 'nginx', args: ['-g', 'daemon off;'], ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'prod' }], resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
          readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 }, livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 1 },
          volumeMounts: [{ name: 'data', mountPath: '/data' }], unknownFieldIsKept: true,
        };
        p.spec['volumes'] = [{ name: 'data', emptyDir: {} }];
        p.spec['restartPolicy'] = 'OnFailure';
        p.spec['terminationGracePeriodSeconds'] = 0;
        p.spec['tolerations'] = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists' }];
        p.spec['nodeSelector'] = { 'kubernetes.io/os': 'linux' };
        p.spec['affinity'] = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } };
      }),
    },
    { name: 'a deployment', obj: workload('Deployment') },
    { name: 'a replica set', obj: workload('ReplicaSet', (s) => { s['replicas'] = 0; }) },
    { name: 'a daemon set', obj: workload('DaemonSet') },
    { name: 'a job', obj: workload('Job') },
    { name: 'a service', obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } } },
    { name: 'a node', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' }, spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } } },
    { name: 'a namespace', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } } },
    { name: 'a config map', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { 'app.properties': 'x=1' } } },
    { name: 'a secret', obj: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'Opaque', stringData: { password: 'hunter2' } } },
    { name: 'a service account', obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } } },
    { name: 'an event', obj: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.17a', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'web' }, reason: 'Scheduled', message: 'ok', type: 'Normal', lastTimestamp: null } },
    { name: 'a lease', obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } } },
    { name: 'an endpoint slice', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-abc', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ port: 80 }] } },
    { name: 'a role', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'default' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } },
    { name: 'a cluster role with non-resource URLs', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:discovery' }, rules: [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }] } },
    { name: 'a role binding with defaulted api groups', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'rb', namespace: 'default' }, roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }] } },
    { name: 'a cluster role binding', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'crb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }] } },
  ])('$name', ({ obj }) => {
    expect(validateObject(obj)).toEqual({ ok: true });
  });
});

describe('invalid objects get Kubernetes causes', () => {
  test.each<{ name: string; obj: Obj; causes: FieldCause[] }>([
    { name: 'an upper-case pod name is not a subdomain', obj: pod((p) => { p.metadata['name'] = 'Foo'; }), causes: [c('metadata.name', 'FieldValueInvalid', `Invalid value: "Foo": ${SUBDOMAIN_MSG}`)] },
    { name: 'a missing name asks for name or generateName', obj: pod((p) => { delete p.metadata['name']; }), causes: [required('metadata.name', 'name or generateName is required')] },
    { name: 'a namespaced object needs a namespace', obj: pod((p) => { delete p.metadata['namespace']; }), causes: [required('metadata.namespace')] },
    { name: 'a pod needs at least one container', obj: pod((p) => { p.spec.containers = []; }), causes: [required('spec.containers')] },
    { name: 'a pod without a spec needs containers', obj: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' } }, causes: [required('spec.containers')] },
    { name: 'a container needs an image', obj: pod((p) => { delete p.spec.containers[0]!['image']; }), causes: [required('spec.containers[0].image')] },
    { name: 'a container needs a name', obj: pod((p) => { delete p.spec.containers[0]!['name']; }), causes: [required('spec.containers[0].name')] },
    { name: 'a container name is a DNS label', obj: pod((p) => { p.spec.containers[0]!['name'] = 'App'; }), causes: [c('spec.containers[0].name', 'FieldValueInvalid', `Invalid value: "App": ${LABEL_MSG}`)] },
    { name: 'container names are unique', obj: pod((p) => { p.spec.containers.push({ name: 'app', image: 'x' }); }), causes: [c('spec.containers[1].name', 'FieldValueDuplicate', 'Duplicate value: "app"')] },
    { name: 'an app container may not reuse an init container name', obj: pod((p) => { p.spec['initContainers'] = [{ name: 'app', image: 'x' }]; }), causes: [c('spec.containers[0].name', 'FieldValueDuplicate', 'Duplicate value: "app"')] },
    { name: 'the restart policy is an enum', obj: pod((p) => { p.spec['restartPolicy'] = 'Sometimes'; }), causes: [c('spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')] },
    { name: 'an app container may not set a restart policy', obj: pod((p) => { p.spec.containers[0]!['restartPolicy'] = 'Always'; }), causes: [c('spec.containers[0].restartPolicy', 'FieldValueForbidden', 'Forbidden: may not be set for non-init containers')] },
    { name: 'an init container restart policy can only be Always', obj: pod((p) => { p.spec['initContainers'] = [{ name: 'i', image: 'x', restartPolicy: 'Never' }]; }), causes: [c('spec.initContainers[0].restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Never": supported values: "Always"')] },
    { name: 'a grace period may not be negative', obj: pod((p) => { p.spec['terminationGracePeriodSeconds'] = -1; }), causes: [c('spec.terminationGracePeriodSeconds', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0')] },
    { name: 'a port number is in range', obj: pod((p) => { p.spec.containers[0]!['ports'] = [{ containerPort: 70000 }]; }), causes: [c('spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive')] },
    { name: 'a port protocol is an enum', obj: pod((p) => { p.spec.containers[0]!['ports'] = [{ containerPort: 80, protocol: 'HTTP' }]; }), causes: [c('spec.containers[0].ports[0].protocol', 'FieldValueNotSupported', 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"')] },
    { name: 'a port number of the wrong type', obj: pod((p) => { p.spec.containers[0]!['ports'] = [{ containerPort: '80' }]; }), causes: [c('spec.containers[0].ports[0].containerPort', 'FieldValueTypeInvalid', 'Invalid value: "80": must be of type number')] },
    {
      name: 'a quantity must parse',
      obj: pod((p) => { p.spec.containers[0]!['resources'] = { requests: { cpu: 'lots' } }; }),
      causes: [c('spec.containers[0].resources.requests[cpu]', 'FieldValueInvalid', "Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")],
    },
    { name: 'a quantity may not be negative', obj: pod((p) => { p.spec.containers[0]!['resources'] = { limits: { memory: '-1Gi' } }; }), causes: [c('spec.containers[0].resources.limits[memory]', 'FieldValueInvalid', 'Invalid value: "-1Gi": must be greater than or equal to 0')] },
    { name: 'a request may not exceed its limit', obj: pod((p) => { p.spec.containers[0]!['resources'] = { requests: { cpu: '2' }, limits: { cpu: '1' } }; }), causes: [c('spec.containers[0].resources.requests', 'FieldValueInvalid', 'Invalid value: "2": must be less than or equal to cpu limit of 1')] },
    { name: 'a probe needs a handler', obj: pod((p) => { p.spec.containers[0]!['readinessProbe'] = { periodSeconds: 5 }; }), causes: [required('spec.containers[0].readinessProbe', 'must specify a handler type')] },
    { name: 'a liveness probe succeeds once', obj: pod((p) => { p.spec.containers[0]!['livenessProbe'] = { exec: { command: ['true'] }, successThreshold: 3 }; }), causes: [c('spec.containers[0].livenessProbe.successThreshold', 'FieldValueInvalid', 'Invalid value: 3: must be 1')] },
    { name: 'a volume mount names a volume', obj: pod((p) => { p.spec.containers[0]!['volumeMounts'] = [{ name: 'data', mountPath: '/d' }]; }), causes: [c('spec.containers[0].volumeMounts[0].name', 'FieldValueNotFound', 'Not found: "data"')] },
    { name: 'a volume needs a source', obj: pod((p) => { p.spec['volumes'] = [{ name: 'data' }]; }), causes: [required('spec.volumes[0]', 'must specify a volume type')] },
    { name: 'volume names are unique', obj: pod((p) => { p.spec['volumes'] = [{ name: 'd', emptyDir: {} }, { name: 'd', emptyDir: {} }]; }), causes: [c('spec.volumes[1].name', 'FieldValueDuplicate', 'Duplicate value: "d"')] },
    { name: 'a toleration effect is an enum', obj: pod((p) => { p.spec['tolerations'] = [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }]; }), causes: [c('spec.tolerations[0].effect', 'FieldValueNotSupported', 'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"')] },
    { name: 'toleration seconds need NoExecute', obj: pod((p) => { p.spec['tolerations'] = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }]; }), causes: [c('spec.tolerations[0].effect', 'FieldValueInvalid', "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set")] },
    { name: 'a node selector key is a label key', obj: pod((p) => { p.spec['nodeSelector'] = { 'a b': 'x' }; }), causes: [c('spec.nodeSelector', 'FieldValueInvalid', expect.stringContaining('Invalid value: "a b": name part must consist') as unknown as string)] },
    { name: 'a node affinity term list may not be empty', obj: pod((p) => { p.spec['affinity'] = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }; }), causes: [required('spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms', 'must have at least one node selector term')] },
    { name: 'a label value is checked at the labels map', obj: pod((p) => { p.metadata['labels'] = { app: 'web app' }; }), causes: [c('metadata.labels', 'FieldValueInvalid', expect.stringContaining('Invalid value: "web app": a valid label must be an empty string') as unknown as string)] },
    { name: 'a label value must be a string', obj: pod((p) => { p.metadata['labels'] = { replicas: 3 }; }), causes: [c('metadata.labels[replicas]', 'FieldValueTypeInvalid', 'Invalid value: 3: must be of type string')] },
    { name: 'a cluster-scoped object may not have a namespace', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'default' } }, causes: [c('metadata.namespace', 'FieldValueForbidden', 'Forbidden: not allowed on this type')] },
    { name: 'a namespace name is a DNS label', obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team.a' } }, causes: [c('metadata.name', 'FieldValueInvalid', 'Invalid value: "team.a": must not contain dots')] },
    { name: 'a service name is a DNS-1035 label', obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: '1web', namespace: 'd' }, spec: { ports: [{ port: 80 }] } }, causes: [c('metadata.name', 'FieldValueInvalid', expect.stringContaining('Invalid value: "1web": a DNS-1035 label') as unknown as string)] },
    { name: 'a service needs ports', obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: {} }, causes: [required('spec.ports')] },
    {
      name: 'several service ports need names',
      obj: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { type: 'Balanced', ports: [{ port: 80 }, { port: 0, name: 'b' }] } },
      causes: [c('spec.type', 'FieldValueNotSupported', 'Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'), c('spec.ports[1].port', 'FieldValueInvalid', 'Invalid value: 0: must be between 1 and 65535, inclusive'), required('spec.ports[0].name')],
    },
    { name: 'replicas may not be negative', obj: workload('Deployment', (s) => { s['replicas'] = -1; }), causes: [c('spec.replicas', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0')] },
    { name: 'replicas must be whole', obj: workload('ReplicaSet', (s) => { s['replicas'] = 1.5; }), causes: [c('spec.replicas', 'FieldValueTypeInvalid', 'Invalid value: 1.5: must be of type integer')] },
    { name: 'a deployment needs a selector', obj: workload('Deployment', (s) => { delete s['selector']; }), causes: [required('spec.selector')] },
    { name: 'an empty selector is refused', obj: workload('Deployment', (s) => { s['selector'] = {}; }), causes: [c('spec.selector', 'FieldValueInvalid', 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment')] },
    { name: 'the selector must match the template', obj: workload('ReplicaSet', (s) => { s.template.metadata['labels'] = { app: 'db' }; }), causes: [c('spec.template.metadata.labels', 'FieldValueInvalid', 'Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`')] },
    { name: 'a deployment template restarts always', obj: workload('Deployment', (s) => { s.template.spec['restartPolicy'] = 'OnFailure'; }), causes: [c('spec.template.spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "OnFailure": supported values: "Always"')] },
    { name: 'a job template may not restart always (the default)', obj: workload('Job', (s) => { delete s.template.spec['restartPolicy']; }), causes: [c('spec.template.spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Always": supported values: "OnFailure", "Never"')] },
    { name: 'template containers are validated too', obj: workload('DaemonSet', (s) => { s.template.spec['containers'] = [{ name: 'app' }]; }), causes: [required('spec.template.spec.containers[0].image')] },
    { name: 'a selector operator must be known', obj: workload('Deployment', (s) => { s['selector'] = { matchExpressions: [{ key: 'app', operator: 'Like', values: ['w'] }] }; }), causes: [c('spec.selector.matchExpressions[0].operator', 'FieldValueInvalid', 'Invalid value: "Like": not a valid selector operator'), c('spec.selector', 'FieldValueInvalid', 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Like", Values:[]string{"w"}}}}: invalid label selector')] },
    { name: 'config map keys are config keys', obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd' }, data: { 'a b': 'x' } }, causes: [c('data[a b]', 'FieldValueInvalid', expect.stringContaining('Invalid value: "a b": a valid config key') as unknown as string)] },
    { name: 'a lease lasts a positive time', obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'd' }, spec: { leaseDurationSeconds: 0 } }, causes: [c('spec.leaseDurationSeconds', 'FieldValueInvalid', 'Invalid value: 0: must be greater than 0')] },
    { name: 'an endpoint has an address', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'd' }, addressType: 'IPv4', endpoints: [{ addresses: [] }] }, causes: [required('endpoints[0].addresses', 'must contain at least 1 address')] },
    { name: 'an endpoint slice has an address type', obj: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'd' }, addressType: 'IPv5' }, causes: [c('addressType', 'FieldValueNotSupported', 'Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"')] },
    { name: 'a taint has a known effect', obj: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoEntry' }] } }, causes: [c('spec.taints[0].effect', 'FieldValueNotSupported', 'Unsupported value: "NoEntry": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"')] },
    { name: 'a policy rule needs verbs, groups and resources', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'd' }, rules: [{}] }, causes: [required('rules[0].verbs', 'verbs must contain at least one value'), required('rules[0].apiGroups', 'resource rules must supply at least one api group'), required('rules[0].resources', 'resource rules must supply at least one resource')] },
    { name: 'a role may not grant non-resource URLs', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'd' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] }, causes: [c('rules[0].nonResourceURLs', 'FieldValueInvalid', 'Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs')] },
    { name: 'a cluster role binding refers to a cluster role', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'b' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }, causes: [c('roleRef.kind', 'FieldValueNotSupported', 'Unsupported value: "Role": supported values: "ClusterRole"'), required('subjects[0].namespace')] },
    { name: 'a subject kind is known', obj: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'd' }, roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'Robot', name: 'x' }] }, causes: [c('subjects[0].kind', 'FieldValueNotSupported', 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"')] },
  ])('$name', ({ obj, causes }) => {
    expect(validateObject(obj)).toEqual({ ok: false, causes });
  });
});

describe('choosing a schema', () => {
  test('every stored kind has a schema', () => {
    for (const k of ['v1/Pod', 'v1/Node', 'v1/Namespace', 'v1/Service', 'discovery.k8s.io/v1/EndpointSlice', 'v1/Event', 'v1/ConfigMap', 'v1/Secret', 'v1/ServiceAccount', 'coordination.k8s.io/v1/Lease', 'apps/v1/ReplicaSet', 'apps/v1/Deployment', 'apps/v1/DaemonSet', 'batch/v1/Job', 'rbac.authorization.k8s.io/v1/Role', 'rbac.authorization.k8s.io/v1/ClusterRole', 'rbac.authorization.k8s.io/v1/RoleBinding', 'rbac.authorization.k8s.io/v1/ClusterRoleBinding']) {
      expect(KIND_SCHEMAS[k], k).toBeDefined();
    }
  });

  test.each([
    { apiVersion: 'v1', kind: 'Pod', unknown: false },
    { apiVersion: 'apps/v1', kind: 'Deployment', unknown: false },
    { apiVersion: 'apps/v1beta1', kind: 'Deployment', unknown: true },
    { apiVersion: 'example.com/v1', kind: 'Widget', unknown: true },
  ])('$apiVersion $kind is unknown: $unknown', ({ apiVersion, kind, unknown }) => {
    expect(unknownKind(apiVersion, kind)).toBe(unknown);
  });

  test('an unknown kind is checked for a valid name only', () => {
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { anything: 1 } })).toEqual({ ok: true });
    expect(validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'W' } })).toEqual({ ok: false, causes: [c('metadata.name', 'FieldValueInvalid', `Invalid value: "W": ${SUBDOMAIN_MSG}`)] });
  });

  test('an object without apiVersion or kind is refused', () => {
    expect(validateObject({ metadata: { name: 'x' } })).toEqual({ ok: false, causes: [required('apiVersion'), required('kind')] });
  });

  test('fields kubelife does not model are kept, not stripped', () => {
    const obj = pod((p) => { p.spec['futureField'] = { nested: true }; });
    expect(validateObject(obj)).toEqual({ ok: true });
    expect((obj['spec'] as Obj)['futureField']).toEqual({ nested: true });
  });

  test('the causes make the Status a real apiserver returns', () => {
    const v = validateObject(pod((p) => { delete p.spec.containers[0]!['image']; }));
    if (v.ok) throw new Error('expected a failure');
    const s = errors.invalid('Pod', '', 'web', v.causes);
    expect(s.code).toBe(422);
    expect(s.message).toBe('Pod "web" is invalid: spec.containers[0].image: Required value');
    expect(s.details?.causes).toEqual([{ type: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }]);
  });
});
