/**
 * What an observer of the API sees of a pod, reduced to what cases compare: the phase, the pod's
 * reason, its conditions, each container's machine state (stateOfStatus: the same reading the
 * checker uses), restart count and exit code, and whether it is being deleted or gone. Pure
 * functions, shared by the runner (over client-node) and the in-process model run.
 */
import { stateOfStatus } from '../../machines/container/machine.ts';
import type { CaseExpect } from './schema.ts';

export interface ContainerObservation { name: string; init: boolean; state: string; restartCount: number; exitCode?: number }

export interface Observation {
  /** Seconds since the case started (virtual seconds on an embedded kubelife). */
  t: number;
  pod: string;
  gone: boolean;
  deleting: boolean;
  phase?: string;
  reason?: string;
  conditions: Record<string, { status: string; reason?: string }>;
  containers: ContainerObservation[];
}

/** The fields of a pod this module reads (client-node's V1Pod and kubelife's Pod both fit). */
export interface PodLike {
  metadata?: { name?: string; deletionTimestamp?: unknown };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    containerStatuses?: StatusLike[];
    initContainerStatuses?: StatusLike[];
  };
}

interface StatusLike {
  name: string;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { reason?: string; exitCode?: number } };
  lastState?: { terminated?: { exitCode?: number } };
  started?: boolean;
  ready?: boolean;
  restartCount?: number;
}

function containerOf(s: StatusLike, init: boolean): ContainerObservation {
  const state = stateOfStatus(s as Parameters<typeof stateOfStatus>[0]) ?? 'Waiting.ContainerCreating';
  const exitCode = s.state?.terminated?.exitCode ?? s.lastState?.terminated?.exitCode;
  return { name: s.name, init, state, restartCount: s.restartCount ?? 0, ...(exitCode !== undefined ? { exitCode } : {}) };
}

/** The observation of one watch event. */
export function observe(t: number, pod: PodLike, gone = false): Observation {
  const st = pod.status ?? {};
  const conditions: Observation['conditions'] = {};
  for (const c of st.conditions ?? []) conditions[c.type] = c.reason ? { status: c.status, reason: c.reason } : { status: c.status };
  return {
    t, pod: pod.metadata?.name ?? '', gone, deleting: pod.metadata?.deletionTimestamp != null,
    ...(st.phase ? { phase: st.phase } : {}), ...(st.reason ? { reason: st.reason } : {}),
    conditions,
    containers: [...(st.initContainerStatuses ?? []).map((s) => containerOf(s, true)), ...(st.containerStatuses ?? []).map((s) => containerOf(s, false))],
  };
}

/** Whether a container state matches an expected name: the full state, its top level, or its reason alone. */
export function stateMatches(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  const [top, sub] = actual.split('.');
  return expected === top || expected === sub;
}

/** Whether every field of the expectation holds in this observation (times aside). */
export function holds(e: CaseExpect, o: Observation): boolean {
  if (o.pod !== e.pod) return false;
  if (e.gone !== undefined) return o.gone === e.gone;
  if (o.gone) return false;
  if (e.phase !== undefined && o.phase !== e.phase) return false;
  if (e.reason !== undefined && o.reason !== e.reason) return false;
  if (e.deleting !== undefined && o.deleting !== e.deleting) return false;
  if (e.condition) {
    const c = o.conditions[e.condition.type];
    if (!c || c.status !== e.condition.status) return false;
    if (e.condition.reason !== undefined && c.reason !== e.condition.reason) return false;
  }
  if (e.container) {
    const want = e.container;
    const c = o.containers.find((x) => x.name === want.name && x.init === (want.init ?? false));
    if (!c || !stateMatches(c.state, want.state)) return false;
    if (want.restartCountAtLeast !== undefined && c.restartCount < want.restartCountAtLeast) return false;
    if (want.exitCode !== undefined && c.exitCode !== want.exitCode) return false;
  }
  return true;
}

/** One line for an expectation: "pod p: phase Running, container c Waiting.CrashLoopBackOff (restarts >= 2)". */
export function describeExpect(e: CaseExpect): string {
  const parts: string[] = [];
  if (e.gone) parts.push('gone');
  if (e.phase) parts.push(`phase ${e.phase}`);
  if (e.reason) parts.push(`reason ${e.reason}`);
  if (e.deleting !== undefined) parts.push(e.deleting ? 'being deleted' : 'not being deleted');
  if (e.condition) parts.push(`${e.condition.type}=${e.condition.status}${e.condition.reason ? ` (${e.condition.reason})` : ''}`);
  if (e.container) {
    const c = e.container;
    const extra = [c.restartCountAtLeast !== undefined ? `restarts >= ${c.restartCountAtLeast}` : '', c.exitCode !== undefined ? `exit ${c.exitCode}` : ''].filter(Boolean).join(', ');
    parts.push(`${c.init ? 'init container' : 'container'} ${c.name} ${c.state}${extra ? ` (${extra})` : ''}`);
  }
  return `pod ${e.pod}: ${parts.join(', ')}`;
}

/** One line for an observation, for mismatch reports. */
export function describeObservation(o: Observation | undefined): string {
  if (!o) return 'nothing observed';
  if (o.gone) return `pod ${o.pod} gone at ${o.t.toFixed(1)}s`;
  const cs = o.containers.map((c) => `${c.init ? 'init ' : ''}${c.name} ${c.state} (restarts ${c.restartCount}${c.exitCode !== undefined ? `, exit ${c.exitCode}` : ''})`).join('; ');
  const conds = Object.entries(o.conditions).map(([k, v]) => `${k}=${v.status}`).join(' ');
  const head = `phase ${o.phase ?? '-'}${o.reason ? ` (${o.reason})` : ''}${o.deleting ? ', deleting' : ''}`;
  return `pod ${o.pod} at ${o.t.toFixed(1)}s: ${[head, conds, cs].filter(Boolean).join('; ')}`;
}
