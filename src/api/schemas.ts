/**
 * zod schemas for every kind kubelife stores, and `validateObject`, which turns schema failures into
 * the field causes of a 422 Invalid Status, worded as kube-apiserver words them. Objects are
 * `looseObject`s: fields kubelife does not model pass through untouched, fields it models are
 * type-checked, and the value rules of pkg/apis/<group>/validation run as refinements.
 */
import { z } from 'zod';
import { GoLiteral, body, formatPath, type CauseType, type ErrorBody, type FieldCause } from './field-errors.ts';
import { labelSelectorFromObject, matchesLabels } from './selectors.ts';
import { isConfigMapKey, isDNS1123Label, isQualifiedName, maxLenError, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment } from './names.ts';
import {
  K8S_TYPE_PARAM, bool, checkLabels, int, intInRange, isEmptySelector, kindSchema, labelSelector, nonNegInt, oneOf, opt, quantity, report, section, str, stringList, stringMap,
  type LabelSelectorInput,
} from './schema-meta.ts';
import { podSpec, podTemplate } from './schema-pod.ts';
import { binding, policyRule } from './schema-rbac.ts';

type Ctx = z.core.$RefinementCtx<unknown>;

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

const taint = z.looseObject({ key: str, value: opt(str), effect: oneOf(TAINT_EFFECTS), timeAdded: opt(str) }).superRefine((t, c) => {
  for (const msg of isQualifiedName(t.key)) report(c as Ctx, ['key'], body.invalid(t.key, msg));
});

const node = kindSchema(nameIsDNSSubdomain, false, {
  spec: opt(z.looseObject({ podCIDR: opt(str), podCIDRs: opt(stringList), providerID: opt(str), unschedulable: opt(bool), taints: opt(z.array(taint)) }).superRefine((s, c) => {
    const seen = new Set<string>();
    (s.taints ?? []).forEach((t, i) => {
      // Two taints may share a key only with different effects.
      const id = `${t.key}:${t.effect}`;
      if (seen.has(id)) report(c as Ctx, ['taints', i, 'effect'], body.duplicate(t.effect));
      seen.add(id);
    });
  })),
  status: opt(z.looseObject({ capacity: opt(z.record(z.string(), quantity)), allocatable: opt(z.record(z.string(), quantity)) })),
});

const namespace = kindSchema(nameIsDNSLabel, false, {
  spec: opt(z.looseObject({ finalizers: opt(stringList) })),
  status: opt(z.looseObject({ phase: opt(oneOf(['Active', 'Terminating'])) })),
});

const servicePort = z.looseObject({
  name: opt(str),
  port: intInRange(1, 65535),
  targetPort: opt(z.union([int, str])),
  nodePort: opt(int),
  protocol: opt(oneOf(PROTOCOLS)),
  appProtocol: opt(str),
});

const service = kindSchema(nameIsDNS1035Label, true, {
  spec: section(z.looseObject({
    type: opt(oneOf(SERVICE_TYPES)),
    selector: opt(stringMap),
    ports: opt(z.array(servicePort)),
    clusterIP: opt(str),
    clusterIPs: opt(stringList),
    externalName: opt(str),
    sessionAffinity: opt(oneOf(['ClientIP', 'None'])),
  }).superRefine((s, c) => {
    const ctx = c as Ctx;
    const ports = s.ports ?? [];
    if (s.type !== 'ExternalName' && ports.length === 0) report(ctx, ['ports'], body.required());
    if (s.type === 'ExternalName' && !s.externalName) report(ctx, ['externalName'], body.required());
    const names = new Set<string>();
    ports.forEach((p, i) => {
      // A name tells ports apart, so it is required as soon as there are two.
      if (!p.name) {
        if (ports.length > 1) report(ctx, ['ports', i, 'name'], body.required());
      } else {
        for (const msg of isDNS1123Label(p.name)) report(ctx, ['ports', i, 'name'], body.invalid(p.name, msg));
        if (names.has(p.name)) report(ctx, ['ports', i, 'name'], body.duplicate(p.name));
        names.add(p.name);
      }
      if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) report(ctx, ['ports', i, 'targetPort'], body.invalid(p.targetPort, 'must be between 1 and 65535, inclusive'));
      if (p.nodePort !== undefined && p.nodePort !== null && (p.nodePort < 0 || p.nodePort > 65535)) report(ctx, ['ports', i, 'nodePort'], body.invalid(p.nodePort, 'must be between 1 and 65535, inclusive'));
    });
    checkLabels(s.selector, ctx, ['selector']);
  })),
});

const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;

const endpointSlice = kindSchema(nameIsDNSSubdomain, true, {
  addressType: oneOf(['FQDN', 'IPv4', 'IPv6']),
  endpoints: opt(z.array(z.looseObject({
    addresses: stringList,
    conditions: opt(z.looseObject({ ready: opt(bool), serving: opt(bool), terminating: opt(bool) })),
    nodeName: opt(str),
    hostname: opt(str),
    zone: opt(str),
    targetRef: opt(z.looseObject({ kind: opt(str), namespace: opt(str), name: opt(str), uid: opt(str) })),
  }).superRefine((e, c) => {
    if (e.addresses.length === 0) report(c as Ctx, ['addresses'], body.required('must contain at least 1 address'));
    else if (e.addresses.length > MAX_ADDRESSES) report(c as Ctx, ['addresses'], body.tooMany(e.addresses.length, MAX_ADDRESSES));
  })).superRefine((es, c) => {
    if (es.length > MAX_ENDPOINTS) report(c as Ctx, [], body.tooMany(es.length, MAX_ENDPOINTS));
  })),
  ports: opt(z.array(z.looseObject({ name: opt(str), port: opt(intInRange(1, 65535)), protocol: opt(oneOf(PROTOCOLS)), appProtocol: opt(str) }))),
});

const event = kindSchema(nameIsDNSSubdomain, true, {
  involvedObject: section(z.looseObject({ kind: opt(str), namespace: opt(str), name: opt(str), uid: opt(str), apiVersion: opt(str), resourceVersion: opt(str), fieldPath: opt(str) })),
  reason: opt(str),
  message: opt(str),
  type: opt(oneOf(['Normal', 'Warning'])),
  source: opt(z.looseObject({ component: opt(str), host: opt(str) })),
  count: opt(int),
  firstTimestamp: opt(str),
  lastTimestamp: opt(str),
  reportingComponent: opt(str),
  reportingInstance: opt(str),
});

const eventsV1Event = kindSchema(nameIsDNSSubdomain, true, {
  regarding: opt(z.looseObject({})),
  note: opt(str),
  reason: opt(str),
  type: opt(oneOf(['Normal', 'Warning'])),
  reportingController: opt(str),
  reportingInstance: opt(str),
});

/** ConfigMap and Secret keys: valid config keys, reported at `data[<key>]`. */
function checkDataKeys(maps: Array<[string, Record<string, string> | null | undefined]>, ctx: Ctx): void {
  for (const [field, m] of maps) {
    for (const k of Object.keys(m ?? {})) for (const msg of isConfigMapKey(k)) report(ctx, [field, k], body.invalid(k, msg));
  }
}

const configMap = kindSchema(nameIsDNSSubdomain, true, { data: opt(stringMap), binaryData: opt(stringMap), immutable: opt(bool) }).superRefine((cm, c) => {
  const ctx = c as Ctx;
  checkDataKeys([['data', cm.data], ['binaryData', cm.binaryData]], ctx);
  for (const k of Object.keys(cm.binaryData ?? {})) {
    if (cm.data && k in cm.data) report(ctx, ['binaryData'], body.invalid(k, 'duplicate of key present in data'));
  }
});

const secret = kindSchema(nameIsDNSSubdomain, true, { type: opt(str), data: opt(stringMap), stringData: opt(stringMap), immutable: opt(bool) }).superRefine((s, c) => {
  const ctx = c as Ctx;
  // stringData is merged into data before validation, so its keys are reported under data too.
  checkDataKeys([['data', s.data], ['data', s.stringData]], ctx);
  if (s.type === 'kubernetes.io/tls') {
    for (const k of ['tls.crt', 'tls.key']) if (!(k in (s.data ?? {})) && !(k in (s.stringData ?? {}))) report(ctx, ['data', k], body.required());
  }
});

const serviceAccount = kindSchema(nameIsDNSSubdomain, true, {
  secrets: opt(z.array(z.looseObject({}))),
  imagePullSecrets: opt(z.array(z.looseObject({}))),
  automountServiceAccountToken: opt(bool),
});

const lease = kindSchema(nameIsDNSSubdomain, true, {
  spec: opt(z.looseObject({ holderIdentity: opt(str), leaseDurationSeconds: opt(int), acquireTime: opt(str), renewTime: opt(str), leaseTransitions: opt(int) }).superRefine((s, c) => {
    const ctx = c as Ctx;
    if (typeof s.leaseDurationSeconds === 'number' && s.leaseDurationSeconds <= 0) report(ctx, ['leaseDurationSeconds'], body.invalid(s.leaseDurationSeconds, 'must be greater than 0'));
    if (typeof s.leaseTransitions === 'number' && s.leaseTransitions < 0) report(ctx, ['leaseTransitions'], body.invalid(s.leaseTransitions, 'must be greater than or equal to 0'));
  })),
});

type WorkloadKind = 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'Job';

interface WorkloadSpec {
  selector?: LabelSelectorInput | null | undefined;
  template: { metadata?: { labels?: Record<string, string> | null | undefined } | null | undefined; spec: { restartPolicy?: string | null | undefined } };
}

// Upstream's ReplicaSet validation reuses the Deployment wording.
const EMPTY_SELECTOR: Record<WorkloadKind, string> = {
  ReplicaSet: 'empty selector is invalid for deployment',
  Deployment: 'empty selector is invalid for deployment',
  DaemonSet: 'empty selector is invalid for daemonset',
  Job: '',
};

const goStrings = (xs: readonly string[] | null | undefined) => (xs ? `[]string{${xs.map((x) => JSON.stringify(x)).join(', ')}}` : '[]string(nil)');

/** A LabelSelector as Go's %#v prints the dereferenced *metav1.LabelSelector in upstream messages. */
function goLabelSelector(sel: LabelSelectorInput): GoLiteral {
  const ml = sel.matchLabels;
  const labels = ml ? `map[string]string{${Object.keys(ml).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(ml[k])}`).join(', ')}}` : 'map[string]string(nil)';
  const me = sel.matchExpressions;
  const exprs = me
    ? `[]v1.LabelSelectorRequirement{${me.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${goStrings(e.values)}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`);
}

/** The selector/template rules of apps and batch validation. */
function checkWorkload(kind: WorkloadKind, spec: WorkloadSpec, ctx: Ctx): void {
  const sel = spec.selector;
  if (sel && kind !== 'Job' && isEmptySelector(sel)) report(ctx, ['selector'], body.invalid(goLabelSelector(sel), EMPTY_SELECTOR[kind]));
  else if (sel) {
    const parsed = labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]);
    const labels = spec.template.metadata?.labels ?? {};
    if (!parsed.ok) report(ctx, ['selector'], body.invalid(goLabelSelector(sel), 'invalid label selector'));
    else if (!matchesLabels(parsed.selector, labels)) report(ctx, ['template', 'metadata', 'labels'], body.invalid(labels, '`selector` does not match template `labels`'));
  }
  // An unset restartPolicy is defaulted to Always before validation, so it is judged as Always.
  const rp = spec.template.spec.restartPolicy ?? 'Always';
  if (kind === 'Job') {
    if (rp !== 'OnFailure' && rp !== 'Never') report(ctx, ['template', 'spec', 'restartPolicy'], body.notSupported(rp, ['OnFailure', 'Never']));
  } else if (rp !== 'Always') {
    report(ctx, ['template', 'spec', 'restartPolicy'], body.notSupported(rp, ['Always']));
  }
}

function workload(kind: WorkloadKind, shape: z.core.$ZodLooseShape) {
  const selector = kind === 'Job' ? opt(labelSelector) : labelSelector;
  const spec = z.looseObject({ selector, template: podTemplate, minReadySeconds: opt(nonNegInt), ...shape });
  return kindSchema(nameIsDNSSubdomain, true, {
    spec: section(spec.superRefine((s, c) => checkWorkload(kind, s as unknown as WorkloadSpec, c as Ctx))),
  });
}

const replicaSet = workload('ReplicaSet', { replicas: opt(nonNegInt) });
const deployment = workload('Deployment', {
  replicas: opt(nonNegInt),
  strategy: opt(z.looseObject({ type: opt(oneOf(['Recreate', 'RollingUpdate'])), rollingUpdate: opt(z.looseObject({})) })),
  revisionHistoryLimit: opt(nonNegInt),
  progressDeadlineSeconds: opt(nonNegInt),
  paused: opt(bool),
});
const daemonSet = workload('DaemonSet', {
  updateStrategy: opt(z.looseObject({ type: opt(oneOf(['OnDelete', 'RollingUpdate'])), rollingUpdate: opt(z.looseObject({})) })),
  revisionHistoryLimit: opt(nonNegInt),
});
const job = workload('Job', {
  parallelism: opt(nonNegInt),
  completions: opt(nonNegInt),
  backoffLimit: opt(nonNegInt),
  activeDeadlineSeconds: opt(nonNegInt),
  ttlSecondsAfterFinished: opt(nonNegInt),
  completionMode: opt(oneOf(['NonIndexed', 'Indexed'])),
  manualSelector: opt(bool),
  suspend: opt(bool),
});

/** Schemas by `<apiVersion>/<kind>`. */
export const KIND_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  'v1/Pod': kindSchema(nameIsDNSSubdomain, true, { spec: section(podSpec), status: opt(z.looseObject({})) }),
  'v1/Node': node,
  'v1/Namespace': namespace,
  'v1/Service': service,
  'v1/Event': event,
  'v1/ConfigMap': configMap,
  'v1/Secret': secret,
  'v1/ServiceAccount': serviceAccount,
  'v1/Endpoints': kindSchema(nameIsDNSSubdomain, true, { subsets: opt(z.array(z.looseObject({}))) }),
  'discovery.k8s.io/v1/EndpointSlice': endpointSlice,
  'events.k8s.io/v1/Event': eventsV1Event,
  'coordination.k8s.io/v1/Lease': lease,
  'apps/v1/ReplicaSet': replicaSet,
  'apps/v1/Deployment': deployment,
  'apps/v1/DaemonSet': daemonSet,
  'batch/v1/Job': job,
  'rbac.authorization.k8s.io/v1/Role': kindSchema(nameIsPathSegment, true, { rules: opt(z.array(policyRule(true))) }),
  'rbac.authorization.k8s.io/v1/ClusterRole': kindSchema(nameIsPathSegment, false, { rules: opt(z.array(policyRule(false))), aggregationRule: opt(z.looseObject({})) }),
  'rbac.authorization.k8s.io/v1/RoleBinding': binding(true),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': binding(false),
};

/** True when kubelife has no schema for this apiVersion and kind. */
export function unknownKind(apiVersion: string, kind: string): boolean {
  return !Object.prototype.hasOwnProperty.call(KIND_SCHEMAS, `${apiVersion}/${kind}`);
}

export type ValidationResult = { ok: true } | { ok: false; causes: FieldCause[] };

// Segments that follow these field names are map keys, printed `requests[cpu]` rather than `.cpu`.
const MAP_FIELDS = new Set(['labels', 'annotations', 'requests', 'limits', 'nodeSelector', 'data', 'stringData', 'binaryData', 'matchLabels', 'capacity', 'allocatable']);

function fieldOf(path: readonly PropertyKey[], kind: string): string {
  return formatPath(path, (i) => {
    const prev = path[i - 1];
    if (typeof prev !== 'string') return false;
    // A Service selector is a plain map; everywhere else `selector` is a LabelSelector object.
    return MAP_FIELDS.has(prev) || (prev === 'selector' && kind === 'Service' && path[i - 2] === 'spec' && i === 2);
  });
}

const GO_TYPES: Record<string, string> = { int: 'integer', number: 'number', string: 'string', boolean: 'boolean', object: 'object', record: 'object', array: 'array' };

/** One zod issue in Kubernetes' words. */
function toBody(issue: z.core.$ZodIssue): ErrorBody {
  const value = issue.input;
  switch (issue.code) {
    case 'custom': {
      const type = issue.params?.[K8S_TYPE_PARAM] as CauseType | undefined;
      return type ? { type, message: issue.message } : body.invalid(value, issue.message);
    }
    case 'invalid_type':
      if (value === undefined || value === null) return body.required();
      return body.typeInvalid(value, `must be of type ${GO_TYPES[issue.expected] ?? issue.expected}`);
    case 'too_small':
      if (issue.origin === 'number') return body.invalid(value, issue.inclusive ? `must be greater than or equal to ${issue.minimum}` : `must be greater than ${issue.minimum}`);
      if (Number(issue.minimum) <= 1) return body.required();
      return body.invalid(value, `must have at least ${issue.minimum} ${issue.origin === 'string' ? 'characters' : 'items'}`);
    case 'too_big':
      if (issue.origin === 'number') return body.invalid(value, `must be less than or equal to ${issue.maximum}`);
      if (issue.origin === 'string') return body.invalid(value, maxLenError(Number(issue.maximum)));
      return body.tooMany(Array.isArray(value) ? value.length : Number(issue.maximum) + 1, Number(issue.maximum));
    case 'invalid_value':
      return body.notSupported(value, issue.values.map(String));
    case 'invalid_union': {
      const expected = [...new Set(issue.errors.flat().filter((e) => e.code === 'invalid_type').map((e) => GO_TYPES[(e as z.core.$ZodIssueInvalidType).expected] ?? 'value'))];
      if (value === undefined || value === null) return body.required();
      return body.typeInvalid(value, `must be of type ${expected.join(' or ') || 'value'}`);
    }
    default:
      return body.invalid(value, issue.message);
  }
}

/**
 * Validates an object as kube-apiserver's create/update validation would: the schema is chosen by
 * apiVersion and kind, and each failure becomes a cause with a Kubernetes field path. Kinds without
 * a schema get ObjectMeta's name rule only, so new kinds are not refused for lack of one.
 */
export function validateObject(obj: unknown): ValidationResult {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    return { ok: false, causes: [{ type: 'FieldValueTypeInvalid', field: '', message: `Invalid value: ${JSON.stringify(obj)}: must be an object` }] };
  }
  const o = obj as Record<string, unknown>;
  const causes: FieldCause[] = [];
  if (typeof o['apiVersion'] !== 'string' || !o['apiVersion']) causes.push({ type: 'FieldValueRequired', field: 'apiVersion', message: 'Required value' });
  if (typeof o['kind'] !== 'string' || !o['kind']) causes.push({ type: 'FieldValueRequired', field: 'kind', message: 'Required value' });
  if (causes.length > 0) return { ok: false, causes };
  const kind = o['kind'] as string;
  const schema = KIND_SCHEMAS[`${o['apiVersion'] as string}/${kind}`] ?? GENERIC;
  const r = schema.safeParse(obj, { reportInput: true });
  if (r.success) return { ok: true };
  const seen = new Set<string>();
  for (const issue of r.error.issues) {
    const b = toBody(issue);
    const field = fieldOf(issue.path, kind);
    const id = `${field}\u0000${b.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    causes.push({ type: b.type, message: b.message, field });
  }
  return { ok: false, causes };
}

// Namespace rules depend on the kind's scope, which an unknown kind does not tell us.
const GENERIC = z.looseObject({
  metadata: section(z.looseObject({ name: opt(str), labels: opt(stringMap), annotations: opt(stringMap) }).superRefine((m, c) => {
    const ctx = c as Ctx;
    if (!m.name) report(ctx, ['name'], body.required('name or generateName is required'));
    else for (const msg of nameIsDNSSubdomain(m.name, false)) report(ctx, ['name'], body.invalid(m.name, msg));
    checkLabels(m.labels, ctx, ['labels']);
  })),
});
