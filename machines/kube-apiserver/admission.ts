/**
 * Defaulting and the built-in mutating admission plugins kubelife models: the defaults of
 * pkg/apis/core/v1/defaults.go and apps/batch defaults, DefaultTolerationSeconds, ServiceAccount
 * (serviceAccountName only) and Priority (0 without a class). Each function mutates a fresh copy
 * the caller owns.
 */
import type { Container, KObject, Pod, Toleration } from '../../src/api/objects.ts';
import { tryParseQuantity } from '../../src/api/quantity.ts';

/** imagePullPolicy default: Always for `:latest` or no tag, IfNotPresent otherwise (digests too). */
export function defaultPullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  if (c.resources?.limits) {
    // Requests default to limits when only limits are given.
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(c.resources.limits)) if (!(k in c.resources.requests)) c.resources.requests[k] = v;
  }
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
    if (!probe) continue;
    probe.initialDelaySeconds ??= 0;
    probe.periodSeconds ??= 10;
    probe.timeoutSeconds ??= 1;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
  }
}

/** DefaultTolerationSeconds: tolerate not-ready and unreachable for 300 s unless the pod says otherwise. */
export function addDefaultTolerations(tolerations: Toleration[]): Toleration[] {
  const out = [...tolerations];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const present = out.some((t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'));
    if (!present) out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  return out;
}

/** Pod defaults and mutating admission, in upstream order. */
export function defaultPod(pod: Pod): void {
  const s = pod.spec;
  s.restartPolicy ??= 'Always';
  s.terminationGracePeriodSeconds ??= 30;
  s.dnsPolicy ??= 'ClusterFirst';
  s.schedulerName ??= 'default-scheduler';
  s.securityContext ??= {};
  s.enableServiceLinks ??= true;
  s['preemptionPolicy'] ??= 'PreemptLowerPriority';
  s.serviceAccountName ??= 'default';
  s['serviceAccount'] ??= s.serviceAccountName;
  s.priority ??= 0;
  for (const c of s.containers ?? []) defaultContainer(c);
  for (const c of s.initContainers ?? []) defaultContainer(c);
  s.tolerations = addDefaultTolerations(s.tolerations ?? []);
}

/** The pod's QoS class (pkg/apis/core/helper/qos): Guaranteed, Burstable or BestEffort. */
export function qosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const q = req[r] ?? lim[r];
      if (q !== undefined && tryParseQuantity(q).ok && (tryParseQuantity(q) as { value: number }).value > 0) any = true;
      const l = lim[r];
      const rq = req[r] ?? l;
      if (l === undefined || rq === undefined || String(l) !== String(rq)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Defaults for the other kinds kubelife serves. */
export function defaultObject(obj: KObject): void {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  switch (`${obj.apiVersion}/${obj.kind}`) {
    case 'v1/Pod':
      defaultPod(obj as Pod);
      return;
    case 'apps/v1/ReplicaSet':
    case 'apps/v1/Deployment':
    case 'apps/v1/DaemonSet':
    case 'batch/v1/Job': {
      if (!spec) return;
      if (obj.kind !== 'DaemonSet' && obj.kind !== 'Job') spec['replicas'] ??= 1;
      if (obj.kind === 'Deployment') {
        spec['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
        spec['revisionHistoryLimit'] ??= 10;
        spec['progressDeadlineSeconds'] ??= 600;
      }
      if (obj.kind === 'DaemonSet') {
        spec['updateStrategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
        spec['revisionHistoryLimit'] ??= 10;
      }
      if (obj.kind === 'Job') {
        spec['parallelism'] ??= 1;
        spec['completions'] ??= 1;
        spec['backoffLimit'] ??= 6;
        spec['completionMode'] ??= 'NonIndexed';
        spec['suspend'] ??= false;
      }
      const template = spec['template'] as { spec?: Pod['spec'] } | undefined;
      if (template?.spec) {
        // Template pod specs get the same defaults a pod would (but no tolerations: those are admission).
        const t = template.spec;
        t.restartPolicy ??= obj.kind === 'Job' ? t.restartPolicy : 'Always';
        t.terminationGracePeriodSeconds ??= 30;
        t.dnsPolicy ??= 'ClusterFirst';
        t.schedulerName ??= 'default-scheduler';
        t.securityContext ??= {};
        for (const c of t.containers ?? []) defaultContainer(c);
        for (const c of t.initContainers ?? []) defaultContainer(c);
      }
      return;
    }
    case 'v1/Service': {
      if (!spec) return;
      spec['type'] ??= 'ClusterIP';
      spec['sessionAffinity'] ??= 'None';
      spec['internalTrafficPolicy'] ??= 'Cluster';
      spec['ipFamilies'] ??= ['IPv4'];
      spec['ipFamilyPolicy'] ??= 'SingleStack';
      for (const p of (spec['ports'] as Array<Record<string, unknown>> | undefined) ?? []) {
        p['protocol'] ??= 'TCP';
        p['targetPort'] ??= p['port'];
      }
      return;
    }
    case 'v1/Namespace':
      (obj as KObject & { spec?: Record<string, unknown> }).spec ??= { finalizers: ['kubernetes'] };
      return;
    case 'v1/Secret':
      obj['type'] ??= 'Opaque';
      return;
    default:
      return;
  }
}
