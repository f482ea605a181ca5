/**
 * What a simulated container process does once started: run forever (the default), or exit with
 * a code after some time; when it becomes ready; what it logs. Chaos is opt-in data selected per
 * object: a pod annotation `kubelife.io/behaviour.<container>` holding JSON, or a scenario rule.
 * A later issue replaces `behaviourFor` with an interpreter for busybox commands.
 */
import type { Container, Pod } from '../../src/api/objects.ts';
import { parseImageRef } from './registry.ts';
import type { OutputPlan, ProcessFacts } from './process.ts';

export interface ContainerBehaviour extends ProcessFacts {
  /** Exit code when the process ends by itself (0 unless given). */
  exitCode?: number;
  /** Milliseconds after start at which the process exits; absent means it runs until stopped. */
  exitAfterMs?: number;
  /** Milliseconds after start at which the container becomes ready (0: at once). */
  readyAfterMs?: number;
  /** Lines written to stdout at start, for `kubectl logs` (sugar for `output` lines at 0 ms). */
  logs?: string[];
  /** The process ignores SIGTERM (like a shell running sleep), so only the grace period's SIGKILL stops it. */
  ignoresSigterm?: boolean;
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

/** Keeps only well-typed fields: annotations are user input and must not break the simulation. */
function sanitize(raw: unknown): ContainerBehaviour {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const r = raw as Record<string, unknown>;
  const out: ContainerBehaviour = {};
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof r['exitCode'] === 'number' && Number.isInteger(r['exitCode'])) out.exitCode = r['exitCode'];
  if (num(r['exitAfterMs'])) out.exitAfterMs = r['exitAfterMs'] as number;
  if (num(r['readyAfterMs'])) out.readyAfterMs = r['readyAfterMs'] as number;
  if (Array.isArray(r['logs'])) out.logs = r['logs'].map(String);
  if (typeof r['ignoresSigterm'] === 'boolean') out.ignoresSigterm = r['ignoresSigterm'];
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
 * The behaviour of one container of a pod: the default (runs forever; ready at once, or after a
 * readiness probe's initial delay), overridden field by field by the first matching scenario
 * rule, then by the pod's annotation. An exit code alone means the process exits at once.
 */
export function behaviourFor(pod: Pod, container: Container, rules: readonly BehaviourRule[] = []): ContainerBehaviour {
  const probe = container.readinessProbe;
  const base: ContainerBehaviour = { readyAfterMs: probe ? (probe.initialDelaySeconds ?? 0) * 1000 : 0 };
  const rule = rules.find((r) => ruleMatches(r, pod, container));
  const merged: ContainerBehaviour = { ...base, ...sanitize(rule), ...fromAnnotation(pod, container) };
  if (merged.exitCode !== undefined && merged.exitAfterMs === undefined) merged.exitAfterMs = 0;
  return merged;
}
