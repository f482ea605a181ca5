/**
 * The PodSpec schema shared by Pods and the pod templates of workloads, with the rules of
 * pkg/apis/core/validation that users meet most: container names and images, unique names across
 * init and app containers, restart policies, ports, resources, probes, volumes and tolerations.
 */
import { z } from 'zod';
import { tryParseQuantity } from './quantity.ts';
import { body } from './field-errors.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName } from './names.ts';
import { bool, checkLabels, int, intInRange, nonNegInt, oneOf, opt, quantity, report, str, stringList, stringMap } from './schema-meta.ts';

type Ctx = z.core.$RefinementCtx<unknown>;

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

const portNumber = intInRange(1, 65535);
const intOrString = z.union([int, str]);

const probe = z.looseObject({
  exec: opt(z.looseObject({ command: opt(stringList) })),
  httpGet: opt(z.looseObject({ path: opt(str), port: intOrString, scheme: opt(oneOf(['HTTP', 'HTTPS'])) })),
  tcpSocket: opt(z.looseObject({ port: intOrString })),
  grpc: opt(z.looseObject({ port: int, service: opt(str) })),
  initialDelaySeconds: opt(nonNegInt),
  timeoutSeconds: opt(nonNegInt),
  periodSeconds: opt(nonNegInt),
  successThreshold: opt(nonNegInt),
  failureThreshold: opt(nonNegInt),
  terminationGracePeriodSeconds: opt(int),
}).superRefine((p, c) => {
  const handlers = PROBE_HANDLERS.filter((h) => p[h] !== undefined && p[h] !== null);
  if (handlers.length === 0) report(c as Ctx, [], body.required('must specify a handler type'));
  else if (handlers.length > 1) report(c as Ctx, [handlers[1]!], body.forbidden('may not specify more than 1 handler type'));
});

const resources = z.looseObject({
  requests: opt(z.record(z.string(), quantity)),
  limits: opt(z.record(z.string(), quantity)),
}).superRefine((r, c) => {
  // A request above its limit is refused; the field is the whole requests map, as upstream reports it.
  for (const [name, req] of Object.entries(r.requests ?? {})) {
    const lim = r.limits?.[name];
    if (lim === undefined) continue;
    const rq = tryParseQuantity(req);
    const lq = tryParseQuantity(lim);
    if (rq.ok && lq.ok && rq.value > lq.value) report(c as Ctx, ['requests'], body.invalid(String(req), `must be less than or equal to ${name} limit of ${String(lim)}`));
  }
});

export const container = z.looseObject({
  name: str,
  image: opt(str),
  command: opt(stringList),
  args: opt(stringList),
  workingDir: opt(str),
  imagePullPolicy: opt(oneOf(PULL_POLICIES)),
  ports: opt(z.array(z.looseObject({ containerPort: portNumber, hostPort: opt(int), name: opt(str), protocol: opt(oneOf(PROTOCOLS)) }))),
  env: opt(z.array(z.looseObject({ name: str, value: opt(str), valueFrom: opt(z.looseObject({})) }))),
  envFrom: opt(z.array(z.looseObject({}))),
  resources: opt(resources),
  readinessProbe: opt(probe),
  livenessProbe: opt(probe),
  startupProbe: opt(probe),
  restartPolicy: opt(str),
  volumeMounts: opt(z.array(z.looseObject({ name: str, mountPath: str, readOnly: opt(bool), subPath: opt(str) }))),
  terminationMessagePath: opt(str),
  terminationMessagePolicy: opt(oneOf(['File', 'FallbackToLogsOnError'])),
}).superRefine((ctr, c) => {
  const ctx = c as Ctx;
  if (ctr.name === '') report(ctx, ['name'], body.required());
  else for (const msg of isDNS1123Label(ctr.name)) report(ctx, ['name'], body.invalid(ctr.name, msg));
  if (!ctr.image) report(ctx, ['image'], body.required());
  const portNames = new Set<string>();
  (ctr.ports ?? []).forEach((p, i) => {
    if (!p.name) return;
    for (const msg of isValidPortName(p.name)) report(ctx, ['ports', i, 'name'], body.invalid(p.name, msg));
    if (portNames.has(p.name)) report(ctx, ['ports', i, 'name'], body.duplicate(p.name));
    portNames.add(p.name);
  });
  (ctr.env ?? []).forEach((e, i) => {
    if (e.name === '') report(ctx, ['env', i, 'name'], body.required());
  });
  // Liveness and startup probes either pass or restart the container: one success is all they may ask for.
  for (const kind of ['livenessProbe', 'startupProbe'] as const) {
    const st = ctr[kind]?.successThreshold;
    if (st !== undefined && st !== null && st !== 1) report(ctx, [kind, 'successThreshold'], body.invalid(st, 'must be 1'));
  }
});

const toleration = z.looseObject({
  key: opt(str),
  operator: opt(oneOf(['', 'Equal', 'Exists'], ['Equal', 'Exists'])),
  value: opt(str),
  effect: opt(oneOf(['', ...TAINT_EFFECTS], TAINT_EFFECTS)),
  tolerationSeconds: opt(int),
}).superRefine((t, c) => {
  const ctx = c as Ctx;
  if (t.key) for (const msg of isQualifiedName(t.key)) report(ctx, ['key'], body.invalid(t.key, msg));
  if (!t.key && t.operator !== 'Exists') report(ctx, ['operator'], body.invalid(t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  if (t.operator === 'Exists' && t.value) report(ctx, ['operator'], body.invalid(t, "value must be empty when `operator` is 'Exists'"));
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
    report(ctx, ['effect'], body.invalid(t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
});

const nodeSelectorRequirement = z.looseObject({ key: str, operator: str, values: opt(stringList) }).superRefine((r, c) => {
  const ctx = c as Ctx;
  const n = r.values?.length ?? 0;
  switch (r.operator) {
    case 'In': case 'NotIn':
      if (n === 0) report(ctx, ['values'], body.required("must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists': case 'DoesNotExist':
      if (n > 0) report(ctx, ['values'], body.forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt': case 'Lt':
      if (n !== 1) report(ctx, ['values'], body.required("must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      report(ctx, ['operator'], body.invalid(r.operator, 'not a valid selector operator'));
  }
});

const nodeSelectorTerm = z.looseObject({ matchExpressions: opt(z.array(nodeSelectorRequirement)), matchFields: opt(z.array(nodeSelectorRequirement)) });

const affinity = z.looseObject({
  nodeAffinity: opt(z.looseObject({
    requiredDuringSchedulingIgnoredDuringExecution: opt(z.looseObject({ nodeSelectorTerms: z.array(nodeSelectorTerm) }).superRefine((r, c) => {
      if (r.nodeSelectorTerms.length === 0) report(c as Ctx, ['nodeSelectorTerms'], body.required('must have at least one node selector term'));
    })),
    preferredDuringSchedulingIgnoredDuringExecution: opt(z.array(z.looseObject({
      weight: int.superRefine((w, c) => {
        if (w < 1 || w > 100) report(c as Ctx, [], body.invalid(w, 'must be in the range 1-100'));
      }),
      preference: nodeSelectorTerm,
    }))),
  })),
  podAffinity: opt(z.looseObject({})),
  podAntiAffinity: opt(z.looseObject({})),
});

const volume = z.looseObject({ name: str }).superRefine((v, c) => {
  const ctx = c as Ctx;
  if (v.name === '') report(ctx, ['name'], body.required());
  else for (const msg of isDNS1123Label(v.name)) report(ctx, ['name'], body.invalid(v.name, msg));
  // Every other key of a volume is its source; exactly one is allowed.
  const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
  if (sources.length === 0) report(ctx, [], body.required('must specify a volume type'));
  else if (sources.length > 1) report(ctx, [sources[1]!], body.forbidden('may not specify more than 1 volume type'));
});

export const podSpecShape = {
  containers: z.array(container),
  initContainers: opt(z.array(container)),
  restartPolicy: opt(oneOf(RESTART_POLICIES)),
  terminationGracePeriodSeconds: opt(nonNegInt),
  activeDeadlineSeconds: opt(int),
  nodeName: opt(str),
  nodeSelector: opt(stringMap),
  affinity: opt(affinity),
  tolerations: opt(z.array(toleration)),
  schedulerName: opt(str),
  priority: opt(int),
  priorityClassName: opt(str),
  volumes: opt(z.array(volume)),
  dnsPolicy: opt(oneOf(DNS_POLICIES)),
  serviceAccountName: opt(str),
  hostNetwork: opt(bool),
  enableServiceLinks: opt(bool),
  securityContext: opt(z.looseObject({})),
  readinessGates: opt(z.array(z.looseObject({ conditionType: str }))),
};

type PodSpecInput = z.infer<z.ZodObject<typeof podSpecShape>>;

/** Cross-field PodSpec rules: at least one container, unique names, restart policies, volume references. */
function checkPodSpec(spec: PodSpecInput, ctx: Ctx): void {
  if (spec.containers.length === 0) report(ctx, ['containers'], body.required());
  const volumes = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (volumes.has(v.name)) report(ctx, ['volumes', i, 'name'], body.duplicate(v.name));
    volumes.add(v.name);
  });
  // Names are unique across init and app containers; the later one is the duplicate.
  const names = new Set<string>();
  const lists = [['initContainers', spec.initContainers ?? []], ['containers', spec.containers]] as const;
  for (const [list, ctrs] of lists) {
    ctrs.forEach((ctr, i) => {
      if (ctr.name && names.has(ctr.name)) report(ctx, [list, i, 'name'], body.duplicate(ctr.name));
      names.add(ctr.name);
      const rp = ctr.restartPolicy;
      if (rp !== undefined && rp !== null) {
        if (list === 'containers') report(ctx, [list, i, 'restartPolicy'], body.forbidden('may not be set for non-init containers'));
        else if (rp !== 'Always') report(ctx, [list, i, 'restartPolicy'], body.notSupported(rp, ['Always']));
      }
      (ctr.volumeMounts ?? []).forEach((m, j) => {
        if (!volumes.has(m.name)) report(ctx, [list, i, 'volumeMounts', j, 'name'], body.notFound(m.name));
      });
    });
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null && spec.activeDeadlineSeconds < 1) {
    report(ctx, ['activeDeadlineSeconds'], body.invalid(spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.nodeName) for (const msg of isDNS1123Subdomain(spec.nodeName)) report(ctx, ['nodeName'], body.invalid(spec.nodeName, msg));
  checkLabels(spec.nodeSelector, ctx, ['nodeSelector']);
}

/** core/v1 PodSpec. */
export const podSpec = z.looseObject(podSpecShape).superRefine((s, c) => checkPodSpec(s, c as Ctx));

/** A workload's pod template: optional metadata (labels are checked) and a PodSpec. */
export const podTemplate = z.looseObject({
  metadata: opt(z.looseObject({ labels: opt(stringMap), annotations: opt(stringMap) })),
  spec: podSpec,
}).superRefine((t, c) => {
  // Upstream's ValidatePodTemplateSpec reports template labels at `template.labels` (sic).
  checkLabels(t.metadata?.labels, c as Ctx, ['labels']);
});
