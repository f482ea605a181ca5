/**
 * The API resources kubelife serves: group, version, plural, kind, scope, short names, verbs and
 * subresources, as `kubectl api-resources` shows them for a v1.32 cluster.
 */

export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: string[];
  singular: string;
}

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function r(group: string, version: string, resource: string, kind: string, namespaced: boolean, shortNames: string[] = [], categories: string[] = [], subresources: string[] = [], verbs = ALL): ResourceInfo {
  return { group, version, resource, kind, namespaced, shortNames, categories, verbs, subresources, singular: kind.toLowerCase() };
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'pods', 'Pod', true, ['po'], ['all'], ['binding', 'status', 'log', 'eviction']),
  r('', 'v1', 'nodes', 'Node', false, ['no'], [], ['status']),
  r('', 'v1', 'namespaces', 'Namespace', false, ['ns'], [], ['status', 'finalize'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
  r('', 'v1', 'services', 'Service', true, ['svc'], ['all'], ['status']),
  r('', 'v1', 'endpoints', 'Endpoints', true, ['ep']),
  r('', 'v1', 'events', 'Event', true, ['ev']),
  r('', 'v1', 'configmaps', 'ConfigMap', true, ['cm']),
  r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  r('apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], ['all'], ['status', 'scale']),
  r('apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], ['all'], ['status', 'scale']),
  r('apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], ['all'], ['status']),
  r('batch', 'v1', 'jobs', 'Job', true, [], ['all'], ['status']),
  r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  r('events.k8s.io', 'v1', 'events', 'Event', true, ['ev']),
  // Reviews: computed on create, never stored (kubectl auth can-i / auth whoami).
  r('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, [], [], [], ['create']),
  r('authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false, [], [], [], ['create']),
  r('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, [], [], [], ['create']),
];

/** Resources whose create computes an answer and stores nothing. */
export const REVIEW_RESOURCES: ReadonlySet<string> = new Set(['authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/subjectaccessreviews', 'authentication.k8s.io/selfsubjectreviews']);

const byGroupResource = new Map<string, ResourceInfo>(RESOURCES.map((x) => [`${x.group}/${x.resource}`, x]));
const byApiVersionKind = new Map<string, ResourceInfo>(RESOURCES.map((x) => [`${apiVersionOf(x)}/${x.kind}`, x]));

/** "v1" for the core group, "apps/v1" otherwise. */
export function apiVersionOf(x: { group: string; version: string }): string {
  return x.group ? `${x.group}/${x.version}` : x.version;
}

export function resourceFor(group: string, resource: string): ResourceInfo | undefined {
  return byGroupResource.get(`${group}/${resource}`);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byApiVersionKind.get(`${apiVersion}/${kind}`);
}

/** The etcd key of an object, as kube-apiserver lays them out: /registry/<resource>/<ns>/<name>. */
export function storageKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `/registry/${storageResource(info)}/${namespace}/${name}` : `/registry/${storageResource(info)}/${name}`;
}

/** The key prefix for a list: every namespace, or one. */
export function storagePrefix(info: ResourceInfo, namespace?: string): string {
  return info.namespaced && namespace ? `/registry/${storageResource(info)}/${namespace}/` : `/registry/${storageResource(info)}/`;
}

/** events.k8s.io Events share core Events' storage, as in Kubernetes. */
function storageResource(info: ResourceInfo): string {
  return info.resource;
}
