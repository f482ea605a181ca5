/**
 * What a simulated container process does once started, resolved in layers (docs/BEHAVIOURS.md):
 *
 * 1. the image (image-catalog.ts): its ENTRYPOINT/CMD, user, stop signal, what it serves;
 * 2. the manifest's command/args, interpreted (shell.ts, agnhost.ts): `sh -c "echo hi; sleep 5;
 *    exit 3"` writes "hi", then exits 3 after 5 s;
 * 3. the first matching scenario rule;
 * 4. the pod annotation `kubelife.io/behaviour.<container>` (JSON).
 *
 * Each layer overrides the ones below field by field; the written output (`logs` and `output`)
 * is one field, so a rule's `logs` replaces what the command would have written.
 */
import type { Container, Pod } from '../../src/api/objects.ts';
import { manifestBehaviour } from './image-catalog.ts';
import { parseImageRef } from './registry.ts';
import type { HttpRule, OutputPlan, ProbeOverride, ProcessFacts } from './process.ts';
import type { ExecContext } from './shell.ts';

export interface ContainerBehaviour extends ProcessFacts {
  /** Exit code when the process ends by itself (0 unless given). */
  exitCode?: number;
  /** Milliseconds after start at which the process exits; absent means it runs until stopped. */
  exitAfterMs?: number;
  /** Milliseconds after start at which the container becomes ready (0: at once). */
  readyAfterMs?: number;
  /** Lines written to stdout at start, for `kubectl logs` (sugar for `output` lines at 0 ms). */
  logs?: string[];
  /** The process ignores SIGTERM (PID 1 without a handler: a shell, sleep), so only the grace period's SIGKILL stops it. */
  ignoresSigterm?: boolean;
  /** What exec probes and hooks run against (the image's shells, utilities, files, env): data, read by shell.ts evalCommand. */
  execContext?: ExecContext;
  /**
   * The runtime could not start the process (its executable does not exist): the message
   * containerd gives. The kubelet's StartContainer fails with it (pods.ts createContainer): the
   * container shows terminated StartError, exit code 128, and RunContainerError while a retry is
   * due (machines/pod/steps.ts containerStartFailed). `exitCode` 128 at once stays as the fallback.
   */
  startError?: string;
}

/** Everything the process writes: the `logs` sugar at start, then its timed output. */
export function outputPlanOf(b: ContainerBehaviour | undefined): OutputPlan | undefined {
  if (!b) return undefined;
  const lines = [...(b.logs ?? []).map((line) => ({ atMs: 0, line })), ...(b.output?.lines ?? [])];
  if (lines.length === 0 && !b.output?.repeat) return undefined;
  return { lines, ...(b.output?.repeat ? { repeat: b.output.repeat } : {}) };
}

/**
 * A scenario rule: selectors plus the behaviour fields themselves (flat, as scenario files write
 * them). The first rule whose every given selector matches supplies the behaviour.
 */
export interface BehaviourRule extends ContainerBehaviour {
  namespace?: string;
  /** A pod name, or a prefix ending in "*" (ReplicaSet pods have generated suffixes). */
  pod?: string;
  labels?: Record<string, string>;
  container?: string;
  /** An image repository ("busybox" matches busybox:1.36); tags are ignored. */
  image?: string;
}

export const BEHAVIOUR_ANNOTATION_PREFIX = 'kubelife.io/behaviour.';

function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

function ruleMatches(rule: BehaviourRule, pod: Pod, container: Container): boolean {
  if (rule.namespace !== undefined && rule.namespace !== (pod.metadata.namespace ?? 'default')) return false;
  if (rule.pod !== undefined && !nameMatches(rule.pod, pod.metadata.name ?? '')) return false;
  if (rule.container !== undefined && rule.container !== container.name) return false;
  for (const [k, v] of Object.entries(rule.labels ?? {})) if (pod.metadata.labels?.[k] !== v) return false;
  if (rule.image !== undefined) {
    const want = parseImageRef(rule.image)?.repository;
    if (!want || want !== parseImageRef(container.image ?? '')?.repository) return false;
  }
  return true;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function overrides(v: unknown): ProbeOverride[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out = v.filter((o): o is ProbeOverride => isObj(o) && isNum(o['fromMs']) && typeof o['ok'] === 'boolean').map((o) => ({ fromMs: o.fromMs, ok: o.ok }));
  return out.length ? out : undefined;
}

/**
 * Keeps only well-typed fields: annotations are user input and must not break the simulation.
 * Sugar: `failReadinessAtMs` / `failLivenessAtMs` / `failStartupAtMs` (from then on that probe
 * fails) become `probes` overrides; `memoryMiB` may be a number (from the start).
 */
export function sanitize(raw: unknown): ContainerBehaviour {
  if (!isObj(raw)) return {};
  const r = raw;
  const out: ContainerBehaviour = {};
  if (isInt(r['exitCode'])) out.exitCode = r['exitCode'];
  if (isNum(r['exitAfterMs'])) out.exitAfterMs = r['exitAfterMs'];
  if (isNum(r['readyAfterMs'])) out.readyAfterMs = r['readyAfterMs'];
  if (Array.isArray(r['logs'])) out.logs = r['logs'].map(String);
  if (typeof r['startError'] === 'string') out.startError = r['startError'];
  if (isObj(r['output']) && Array.isArray(r['output']['lines'])) {
    const lines = r['output']['lines'].filter((l): l is { atMs: number; line: string } => isObj(l) && isNum(l['atMs']) && typeof l['line'] === 'string').map((l) => ({ atMs: l.atMs, line: l.line }));
    const rep = r['output']['repeat'];
    const repeat = isObj(rep) && isNum(rep['fromMs']) && isNum(rep['periodMs']) && rep['periodMs'] > 0 && Array.isArray(rep['lines'])
      ? { fromMs: rep['fromMs'], periodMs: rep['periodMs'], lines: rep['lines'].filter((l): l is { offsetMs: number; line: string } => isObj(l) && isNum(l['offsetMs']) && typeof l['line'] === 'string').map((l) => ({ offsetMs: l.offsetMs, line: l.line })), ...(isInt(rep['times']) && rep['times'] >= 0 ? { times: rep['times'] } : {}) }
      : undefined;
    out.output = { lines, ...(repeat ? { repeat } : {}) };
  }
  if (typeof r['ignoresSigterm'] === 'boolean') out.ignoresSigterm = r['ignoresSigterm'];
  if (isInt(r['termExitCode'])) out.termExitCode = r['termExitCode'];
  if (isNum(r['termExitAfterMs'])) out.termExitAfterMs = r['termExitAfterMs'];
  if (isInt(r['runAsUser']) || (typeof r['runAsUser'] === 'string' && r['runAsUser'] !== '')) out.runAsUser = r['runAsUser'];
  if (isNum(r['memoryMiB'])) out.memoryMiB = [{ atMs: 0, mib: r['memoryMiB'] }];
  else if (Array.isArray(r['memoryMiB'])) {
    const m = r['memoryMiB'].filter((x): x is { atMs: number; mib: number } => isObj(x) && isNum(x['atMs']) && isNum(x['mib'])).map((x) => ({ atMs: x.atMs, mib: x.mib }));
    if (m.length) out.memoryMiB = m.sort((a, b) => a.atMs - b.atMs);
  }
  if (Array.isArray(r['tcpPorts'])) {
    const ports = r['tcpPorts'].filter((p): p is number => isInt(p) && p > 0 && p < 65536);
    if (ports.length) out.tcpPorts = ports;
  }
  if (Array.isArray(r['http'])) {
    const rules = r['http'].filter((h): h is HttpRule => isObj(h) && isInt(h['port']) && isInt(h['code'])
      && (h['path'] === undefined || typeof h['path'] === 'string') && (h['exact'] === undefined || typeof h['exact'] === 'boolean') && (h['fromMs'] === undefined || isNum(h['fromMs'])) && (h['untilMs'] === undefined || isNum(h['untilMs'])))
      .map((h) => ({ port: h.port, code: h.code, ...(h.path !== undefined ? { path: h.path } : {}), ...(h.exact !== undefined ? { exact: h.exact } : {}), ...(h.fromMs !== undefined ? { fromMs: h.fromMs } : {}), ...(h.untilMs !== undefined ? { untilMs: h.untilMs } : {}) }));
    if (rules.length) out.http = rules;
  }
  if (Array.isArray(r['files'])) {
    const files = r['files'].filter((f): f is { path: string; fromMs: number; untilMs?: number } => isObj(f) && typeof f['path'] === 'string' && isNum(f['fromMs']) && (f['untilMs'] === undefined || isNum(f['untilMs'])))
      .map((f) => ({ path: f.path, fromMs: f.fromMs, ...(f.untilMs !== undefined ? { untilMs: f.untilMs } : {}) }));
    if (files.length) out.files = files;
  }
  const probes: NonNullable<ContainerBehaviour['probes']> = {};
  if (isObj(r['probes'])) {
    for (const kind of ['readiness', 'liveness', 'startup'] as const) {
      const o = overrides(r['probes'][kind]);
      if (o) probes[kind] = o;
    }
  }
  for (const [key, kind] of [['failReadinessAtMs', 'readiness'], ['failLivenessAtMs', 'liveness'], ['failStartupAtMs', 'startup']] as const) {
    if (isNum(r[key])) probes[kind] = [...(probes[kind] ?? []), { fromMs: r[key], ok: false }].sort((a, b) => a.fromMs - b.fromMs);
  }
  if (Object.keys(probes).length) out.probes = probes;
  return out;
}

function fromAnnotation(pod: Pod, container: Container): ContainerBehaviour {
  const text = pod.metadata.annotations?.[BEHAVIOUR_ANNOTATION_PREFIX + container.name];
  if (text === undefined) return {};
  try {
    return sanitize(JSON.parse(text));
  } catch {
    return {};
  }
}

/**
 * `upper` over `lower`, field by field. What the process writes is one field (`logs` and
 * `output` together); probe overrides replace per probe kind.
 */
export function overlay(lower: ContainerBehaviour, upper: ContainerBehaviour): ContainerBehaviour {
  const out: ContainerBehaviour = { ...lower };
  if (upper.logs !== undefined || upper.output !== undefined) {
    delete out.logs;
    delete out.output;
  }
  for (const [k, v] of Object.entries(upper) as Array<[keyof ContainerBehaviour, unknown]>) {
    if (v === undefined || k === 'probes') continue;
    (out as Record<string, unknown>)[k] = v;
  }
  if (upper.probes) out.probes = { ...(lower.probes ?? {}), ...upper.probes };
  return out;
}

/**
 * The behaviour of one container of a pod: what its image and command/args do (readiness is the
 * prober's business: see machines/pod/probes.ts), overridden field by field by
 * the first matching scenario rule, then by the pod's annotation. An exit code without an exit
 * time anywhere means the process exits at once.
 */
export function behaviourFor(pod: Pod, container: Container, rules: readonly BehaviourRule[] = []): ContainerBehaviour {
  const base = manifestBehaviour(pod, container);
  const rule = rules.find((r) => ruleMatches(r, pod, container));
  const merged = overlay(overlay(base, sanitize(rule)), fromAnnotation(pod, container));
  if (merged.exitCode !== undefined && merged.exitAfterMs === undefined) merged.exitAfterMs = 0;
  return merged;
}
