/**
 * What kube-apiserver and kubeadm create before anyone asks: the system namespaces and the
 * bootstrap RBAC policy for the control-plane components (rules simplified to the resources
 * kubelife serves; upstream's are in plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
 */
import type { KObject } from '../../src/api/objects.ts';

const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ apiGroups, resources, verbs });
const READ = ['get', 'list', 'watch'];
const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

function clusterRole(name: string, rules: unknown[]): KObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, rules };
}

function binding(name: string, role: string, subject: { kind: string; name: string; apiGroup?: string }): KObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
  };
}

export function bootstrapObjects(): KObject[] {
  const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
  return [
    ns('default'), ns('kube-system'), ns('kube-public'), ns('kube-node-lease'),
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*'])]),
    clusterRole('admin', [rule(['', 'apps', 'batch', 'discovery.k8s.io', 'events.k8s.io', 'coordination.k8s.io'], ['*'], ['*'])]),
    clusterRole('edit', [rule(['', 'apps', 'batch'], ['pods', 'pods/log', 'services', 'configmaps', 'secrets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'jobs', 'daemonsets'], WRITE)]),
    clusterRole('view', [rule(['', 'apps', 'batch', 'discovery.k8s.io'], ['pods', 'pods/log', 'services', 'endpoints', 'endpointslices', 'configmaps', 'events', 'deployments', 'replicasets', 'jobs', 'daemonsets', 'namespaces'], READ)]),
    clusterRole('system:kube-scheduler', [
      rule([''], ['pods', 'nodes', 'namespaces', 'services'], READ),
      rule([''], ['pods/binding', 'bindings'], ['create']),
      rule([''], ['pods/status'], ['patch', 'update']),
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], WRITE),
    ]),
    clusterRole('system:kube-controller-manager', [rule(['*'], ['*'], ['*'])]),
    clusterRole('system:node', [
      rule([''], ['pods', 'nodes', 'services', 'configmaps', 'secrets', 'namespaces'], READ),
      rule([''], ['nodes', 'nodes/status'], ['create', 'update', 'patch']),
      rule([''], ['pods/status'], ['update', 'patch']),
      rule([''], ['pods'], ['delete', 'create']),
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
      rule(['coordination.k8s.io'], ['leases'], WRITE),
    ]),
    clusterRole('system:node-proxier', [
      rule(['', 'discovery.k8s.io'], ['services', 'endpoints', 'endpointslices', 'nodes'], READ),
      rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']),
    ]),
    clusterRole('system:basic-user', [
      rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']),
      rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create']),
    ]),
    binding('system:basic-user', 'system:basic-user', { kind: 'Group', name: 'system:authenticated' }),
    binding('system:kube-scheduler', 'system:kube-scheduler', { kind: 'User', name: 'system:kube-scheduler' }),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', { kind: 'User', name: 'system:kube-controller-manager' }),
    binding('system:node', 'system:node', { kind: 'Group', name: 'system:nodes' }),
    binding('system:node-proxier', 'system:node-proxier', { kind: 'User', name: 'system:kube-proxy' }),
    // The apiserver's own Service, kept by its "kubernetes" bootstrap controller: the first IP of
    // the service CIDR, port https 443 -> the secure port, no selector (its endpoints are the
    // apiserver itself, which kubelife does not model as an address).
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], sessionAffinity: 'None' },
    },
  ];
}
