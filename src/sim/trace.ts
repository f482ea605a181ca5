/**
 * The trace: one typed, serialisable event per actor transition, network message, store write,
 * API request, explanation note (the scheduler's choices among them) and Kubernetes Event. Keys are stable system ids (never XState
 * session ids), and every event's keys are written in a fixed order, so the same seed gives the
 * same bytes.
 */

interface Base { t: number }

export interface TransitionEvent extends Base {
  kind: 'transition';
  actor: string;
  from: string;
  to: string;
  event: string;
}
export interface MessageEvent extends Base {
  kind: 'send' | 'deliver' | 'drop';
  msg: number;
  from: string;
  to: string;
  what: string;
}
export interface WriteEvent extends Base {
  kind: 'write';
  rev: number;
  op: 'create' | 'update' | 'delete';
  key: string;
}
export interface RequestEvent extends Base {
  kind: 'request';
  from: string;
  user: string;
  verb: string;
  path: string;
  stages: string[];
  code: number;
  reason?: string;
  rv?: string;
}
export interface KubeEventEvent extends Base {
  kind: 'k8s-event';
  type: string;
  reason: string;
  object: string;
  source: string;
  message: string;
}
export interface NoteEvent extends Base {
  kind: 'note';
  actor: string;
  text: string;
}
export interface StepEvent extends Base {
  kind: 'step';
  index: number;
  action: string;
  detail: string;
}

/** A fault of a fault plan (src/sim/faults.ts) begins or ends; instantaneous faults only start. */
export interface FaultEvent extends Base {
  kind: 'fault';
  /** The fault kind: crashNode, partition, delay, drop, duplicate, cutWatch, staleReads, restart, compact, etcdUnavailable. */
  fault: string;
  action: 'start' | 'end';
  detail: string;
}

export type TraceEvent =
  | TransitionEvent
  | MessageEvent
  | WriteEvent
  | RequestEvent
  | KubeEventEvent
  | NoteEvent
  | StepEvent
  | FaultEvent;

/** Heartbeat traffic (lease renewals) that does not count as activity for "run until quiet". */
export function isHeartbeat(e: TraceEvent): boolean {
  if (e.kind === 'transition' && e.actor === 'etcd' && (e.from === 'compacting' || e.to === 'compacting')) return true;
  // A leader renewing its Lease every 2 s.
  if (e.kind === 'transition' && e.actor.endsWith('/leader-election') && e.from.startsWith('leading') && e.to.startsWith('leading')) return true;
  if (e.kind === 'write') return e.key.startsWith('/registry/leases/');
  if (e.kind === 'request') return e.path.includes('/leases/');
  if (e.kind === 'send' || e.kind === 'deliver' || e.kind === 'drop') return e.what.includes('leases');
  return false;
}

/** One JSON line per event. Keys keep their construction order, which is fixed per kind. */
export function toJsonLine(e: TraceEvent): string {
  return JSON.stringify(e);
}
