/**
 * XState inspection events as serialisable messages: the format `@statelyai/inspect` sends over
 * its WebSocket (`StatelyInspectionEvent`: `@xstate.actor` / `@xstate.event` / `@xstate.snapshot`
 * with `sessionId`, `rootId`, `_version`, `createdAt`...), plus our stable `systemId`; and a slim
 * form for kubelife's own page (state string and event type only).
 */
import type { AnyActorRef, InspectionEvent, StateValue } from 'xstate';
import { actorName, stateString } from '../sim/actors.ts';

/** The @statelyai/inspect version whose message format we speak (node_modules/@statelyai/inspect). */
export const STATELY_VERSION = '0.7.2';

export interface StatelyActorMessage {
  type: '@xstate.actor';
  name: string;
  sessionId: string;
  systemId: string;
  parentId: string | undefined;
  rootId: string | undefined;
  definition: string | undefined;
  snapshot: unknown;
  createdAt: string;
  id: null;
  _version: string;
}
export interface StatelyEventMessage {
  type: '@xstate.event';
  sessionId: string;
  systemId: string;
  sourceId: string | undefined;
  event: unknown;
  rootId: string | undefined;
  createdAt: string;
  id: null;
  _version: string;
}
export interface StatelySnapshotMessage {
  type: '@xstate.snapshot';
  sessionId: string;
  systemId: string;
  event: unknown;
  snapshot: unknown;
  rootId: string | undefined;
  createdAt: string;
  id: null;
  _version: string;
}
export type StatelyMessage = StatelyActorMessage | StatelyEventMessage | StatelySnapshotMessage;

/** What kubelife's page receives for an inspection event (no context, no definition). */
export interface SlimInspection {
  type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
  systemId: string;
  sessionId: string;
  /** Snapshot: the event that produced it; event: the event sent. */
  event?: string;
  /** Snapshot and actor: the state string ("Pending.scheduled"). */
  state?: string;
  status?: string;
  sourceId?: string;
  parentId?: string;
}

/**
 * Plain data from anything: functions become `{ type: name }` (as Stately's serializer does),
 * Maps and Sets their size, depth and breadth bounded so a 10,000-object informer cache never
 * goes over the wire.
 */
export function toPlain(v: unknown, depth = 4, breadth = 50): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === undefined) return undefined;
  if (typeof v === 'function') return { type: v.name };
  if (typeof v !== 'object') return String(v);
  if (v instanceof Map) return { '@map': v.size };
  if (v instanceof Set) return { '@set': v.size };
  if (depth <= 0) return '…';
  if (Array.isArray(v)) {
    const out = v.slice(0, breadth).map((x) => toPlain(x, depth - 1, breadth));
    if (v.length > breadth) out.push(`… ${v.length - breadth} more`);
    return out;
  }
  if ('sessionId' in v && 'send' in v) return { '@actor': actorName(v as AnyActorRef) };
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return { '@object': (proto as { constructor?: { name?: string } }).constructor?.name ?? 'object' };
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v)) {
    if (n++ >= breadth) {
      out['…'] = `${Object.keys(v).length - breadth} more`;
      break;
    }
    out[k] = toPlain(x, depth - 1, breadth);
  }
  return out;
}

function rootOf(ref: AnyActorRef): AnyActorRef {
  let r = ref;
  while ((r as { _parent?: AnyActorRef })._parent) r = (r as { _parent?: AnyActorRef })._parent!;
  return r;
}

const definitions = new WeakMap<object, string>();

/** The machine's config as JSON (functions by name), cached per logic: Stately draws it. */
function definitionOf(ref: AnyActorRef): string | undefined {
  const logic = (ref as { logic?: { config?: object } }).logic;
  const config = logic?.config;
  if (!config) return undefined;
  let d = definitions.get(config);
  if (d === undefined) {
    d = JSON.stringify(toPlain(config, 12, 1000));
    definitions.set(config, d);
  }
  return d;
}

function snapshotOf(snapshot: unknown): unknown {
  const s = snapshot as { status?: string; value?: StateValue; context?: unknown; output?: unknown; error?: unknown } | undefined;
  if (!s || typeof s !== 'object') return { status: 'active' };
  return {
    status: s.status ?? 'active',
    ...(s.value !== undefined ? { value: toPlain(s.value, 10) } : {}),
    context: toPlain(s.context, 3, 30),
    ...(s.output !== undefined ? { output: toPlain(s.output, 3) } : {}),
    ...(s.error !== undefined ? { error: String(s.error) } : {}),
  };
}

/** An XState inspection event in @statelyai/inspect's wire format (undefined for other types). */
export function toStately(ev: InspectionEvent, createdAt: string): StatelyMessage | undefined {
  const ref = ev.actorRef as AnyActorRef;
  const base = { sessionId: ref.sessionId, systemId: actorName(ref), rootId: ev.rootId, createdAt, id: null, _version: STATELY_VERSION };
  switch (ev.type) {
    case '@xstate.actor': {
      const config = (ref as { logic?: { config?: { id?: string } } }).logic?.config;
      return {
        type: '@xstate.actor', ...base, name: config?.id ?? ref.id,
        parentId: (ref as { _parent?: AnyActorRef })._parent?.sessionId,
        definition: definitionOf(ref), snapshot: snapshotOf(ref.getSnapshot()),
      };
    }
    case '@xstate.event':
      return { type: '@xstate.event', ...base, sourceId: ev.sourceRef?.sessionId, event: toPlain(ev.event, 3) };
    case '@xstate.snapshot':
      return { type: '@xstate.snapshot', ...base, event: toPlain(ev.event, 3), snapshot: snapshotOf(ev.snapshot) };
    default:
      return undefined;
  }
}

/** An `@xstate.actor` message for an actor that already runs (sent to a client that joins late). */
export function actorMessage(ref: AnyActorRef, createdAt: string): StatelyActorMessage {
  return toStately({ type: '@xstate.actor', actorRef: ref, rootId: rootOf(ref).sessionId } as InspectionEvent, createdAt) as StatelyActorMessage;
}

/** The slim form for kubelife's page. */
export function toSlim(ev: InspectionEvent): SlimInspection | undefined {
  const ref = ev.actorRef as AnyActorRef;
  const base = { systemId: actorName(ref), sessionId: ref.sessionId };
  switch (ev.type) {
    case '@xstate.actor': {
      const parent = (ref as { _parent?: AnyActorRef })._parent;
      return { type: ev.type, ...base, ...(parent ? { parentId: actorName(parent) } : {}) };
    }
    case '@xstate.event':
      return { type: ev.type, ...base, event: ev.event.type, ...(ev.sourceRef ? { sourceId: actorName(ev.sourceRef as AnyActorRef) } : {}) };
    case '@xstate.snapshot': {
      const s = ev.snapshot as { value?: StateValue; status?: string };
      return { type: ev.type, ...base, event: ev.event.type, ...(s.value !== undefined ? { state: stateString(s.value) } : {}), ...(s.status ? { status: s.status } : {}) };
    }
    default:
      return undefined;
  }
}
