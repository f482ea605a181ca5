/**
 * Turns XState inspection events into trace transitions keyed by stable system ids, and renders
 * state values as dotted paths ("Pending.scheduled").
 */
import type { AnyActorRef, InspectionEvent, StateValue } from 'xstate';
import type { TraceEvent } from './trace.ts';

/** "idle", "Pending.scheduled", or parallel regions joined: "a.x|b.y". */
export function stateString(value: StateValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const inner = stateString(v as StateValue);
    parts.push(inner ? `${k}.${inner}` : k);
  }
  return parts.join('|');
}

/** The stable name of an actor: its systemId, else its id (never the session id). */
export function actorName(ref: AnyActorRef): string {
  return (ref as { systemId?: string }).systemId ?? ref.id;
}

/** Builds an inspect observer that reports every change of any actor's state value. */
export function transitionInspector(now: () => number, emit: (e: TraceEvent) => void, onSnapshot?: (actor: string, ref: AnyActorRef) => void) {
  const last = new WeakMap<AnyActorRef, string>();
  return (ev: InspectionEvent): void => {
    if (ev.type !== '@xstate.snapshot') return;
    const snap = ev.snapshot as { value?: StateValue; status?: string };
    if (snap.value === undefined) return;
    const ref = ev.actorRef as AnyActorRef;
    const to = stateString(snap.value);
    const from = last.get(ref) ?? '';
    if (to !== from) {
      last.set(ref, to);
      emit({ t: now(), kind: 'transition', actor: actorName(ref), from, to, event: ev.event.type });
    }
    onSnapshot?.(actorName(ref), ref);
  };
}
