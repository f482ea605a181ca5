/**
 * What can stop a container between its image and CreateContainer (kuberuntime
 * generateContainerConfig, Kubernetes 1.32): the environment it takes from configMaps and
 * secrets (kubelet_pods.go makeEnvironmentVariables), and the runAsNonRoot check against the user
 * the container will run as (security_context_others.go verifyRunAsNonRoot). A failure is a
 * CreateContainerConfigError whose message is the error's text; the kubelet records Warning
 * `Failed` `Error: <message>` and retries on its next sync.
 *
 * Exact messages:
 * - `configmap "<name>" not found`, `secret "<name>" not found`: the watch-based managers build
 *   the NotFound with the singular resource.
 * - `couldn't find key <key> in ConfigMap <namespace>/<name>` (or `in Secret`).
 * - `container has runAsNonRoot and image will run as root (pod: "<name>_<ns>(<uid>)", container: <c>)`
 * - `container's runAsUser breaks non-root policy (pod: "…", container: <c>)` (runAsUser 0)
 * - `container has runAsNonRoot and image has non-numeric user (<user>), cannot verify user is non-root (pod: "…", container: <c>)`
 *
 * Order: envFrom (in order), then env (in order), then runAsNonRoot; the first error wins.
 * `optional: true` on a reference skips a missing object, and a missing key. fieldRef and
 * resourceFieldRef always resolve.
 */
import type { Container, Pod } from '../../src/api/objects.ts';
import type { ImageInfo } from './registry.ts';

export type ConfigResource = 'configmaps' | 'secrets';

/** A configMap or secret the container's environment reads. */
export interface ConfigRef { resource: ConfigResource; name: string }

/** What a read of one configMap/secret returned: its data keys, or the API's failure. */
export type ConfigLookup = { found: true; keys: ReadonlySet<string> } | { found: false; code: number; message?: string };

/** The reads of one container start, while the kubelet waits for the API's answers. */
export interface ConfigRead {
  attempt: number;
  pending: number;
  results: Map<string, ConfigLookup>;
  /** The image the start goes on with once the config is resolved. */
  image: ImageInfo;
}

export const refKey = (r: ConfigRef) => `${r.resource}/${r.name}`;

interface KeyRef { name?: string; key: string; optional?: boolean }
interface FromRef { name?: string; optional?: boolean }

const keyRefs = (c: Container) => (c.env ?? []).map((e) => {
  const v = e.valueFrom as { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef } | undefined;
  return { env: e.name, cm: v?.configMapKeyRef, secret: v?.secretKeyRef };
});
const fromRefs = (c: Container) => (c.envFrom ?? []).map((e) => e as { configMapRef?: FromRef; secretRef?: FromRef; prefix?: string });

/** The configMaps and secrets the container's env and envFrom name, each once, in reading order. */
export function configRefs(c: Container): ConfigRef[] {
  const out: ConfigRef[] = [];
  const seen = new Set<string>();
  const add = (resource: ConfigResource, name: string | undefined) => {
    const r = { resource, name: name ?? '' };
    if (!seen.has(refKey(r))) {
      seen.add(refKey(r));
      out.push(r);
    }
  };
  for (const f of fromRefs(c)) {
    if (f.configMapRef) add('configmaps', f.configMapRef.name);
    else if (f.secretRef) add('secrets', f.secretRef.name);
  }
  for (const k of keyRefs(c)) {
    if (k.cm) add('configmaps', k.cm.name);
    else if (k.secret) add('secrets', k.secret.name);
  }
  return out;
}

const KIND: Record<ConfigResource, { singular: string; title: string }> = {
  configmaps: { singular: 'configmap', title: 'ConfigMap' },
  secrets: { singular: 'secret', title: 'Secret' },
};

function lookupError(ref: ConfigRef, l: Extract<ConfigLookup, { found: false }>): string {
  if (l.code === 404) return `${KIND[ref.resource].singular} "${ref.name}" not found`;
  return l.message ?? `${KIND[ref.resource].singular} "${ref.name}" could not be read (status ${l.code})`;
}

/** makeEnvironmentVariables: the first configMap/secret error, if any. */
export function envError(pod: Pod, c: Container, lookup: (ref: ConfigRef) => ConfigLookup): string | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  for (const f of fromRefs(c)) {
    const ref = f.configMapRef ? { resource: 'configmaps' as const, r: f.configMapRef } : f.secretRef ? { resource: 'secrets' as const, r: f.secretRef } : undefined;
    if (!ref) continue;
    const key = { resource: ref.resource, name: ref.r.name ?? '' };
    const l = lookup(key);
    if (!l.found && !(l.code === 404 && ref.r.optional === true)) return lookupError(key, l);
  }
  for (const k of keyRefs(c)) {
    const ref = k.cm ? { resource: 'configmaps' as const, r: k.cm } : k.secret ? { resource: 'secrets' as const, r: k.secret } : undefined;
    if (!ref) continue;
    const key = { resource: ref.resource, name: ref.r.name ?? '' };
    const optional = ref.r.optional === true;
    const l = lookup(key);
    if (!l.found) {
      if (l.code === 404 && optional) continue;
      return lookupError(key, l);
    }
    if (!l.keys.has(ref.r.key) && !optional) return `couldn't find key ${ref.r.key} in ${KIND[ref.resource].title} ${ns}/${key.name}`;
  }
  return undefined;
}

/** The image's user as getImageUser gives it: a uid, else a user name; no user at all is root. */
export function imageUser(user: number | string | undefined): { uid?: number; name?: string } {
  if (typeof user === 'number') return { uid: user };
  const u = (user ?? '').split(':')[0] ?? '';
  if (u === '') return { uid: 0 };
  return /^\d+$/.test(u) ? { uid: Number(u) } : { name: u };
}

type SecurityContext = { runAsNonRoot?: boolean; runAsUser?: number };

/** DetermineEffectiveSecurityContext for the two fields that matter here: the container's win. */
export function effectiveSecurityContext(pod: Pod, c: Container): SecurityContext {
  const podSc = (pod.spec.securityContext ?? {}) as SecurityContext;
  const cSc = (c['securityContext'] ?? {}) as SecurityContext;
  const out: SecurityContext = {};
  const nonRoot = cSc.runAsNonRoot ?? podSc.runAsNonRoot;
  const user = cSc.runAsUser ?? podSc.runAsUser;
  if (nonRoot !== undefined) out.runAsNonRoot = nonRoot;
  if (user !== undefined) out.runAsUser = user;
  return out;
}

/** verifyRunAsNonRoot: the error when the container would run as root under runAsNonRoot. */
export function runAsNonRootError(pod: Pod, c: Container, imageUserFact: number | string | undefined): string | undefined {
  const sc = effectiveSecurityContext(pod, c);
  if (sc.runAsNonRoot !== true) return undefined;
  const who = `(pod: "${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})", container: ${c.name})`;
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${who}` : undefined;
  const u = imageUser(imageUserFact);
  if (u.uid === 0) return `container has runAsNonRoot and image will run as root ${who}`;
  if (u.uid === undefined && u.name) return `container has runAsNonRoot and image has non-numeric user (${u.name}), cannot verify user is non-root ${who}`;
  return undefined;
}

/** generateContainerConfig's checks in order: the environment, then runAsNonRoot. */
export function containerConfigError(pod: Pod, c: Container, lookup: (ref: ConfigRef) => ConfigLookup, imageUserFact: number | string | undefined): string | undefined {
  return envError(pod, c, lookup) ?? runAsNonRootError(pod, c, imageUserFact);
}

/** The data keys of a configMap (data) or secret (data, stringData) as the API returned it. */
export function dataKeys(body: unknown): Set<string> {
  const o = (body ?? {}) as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
  return new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]);
}
