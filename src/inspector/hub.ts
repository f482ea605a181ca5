/**
 * The inspector's side of a running cluster: records every trace event (for time travel and the
 * log), remembers each actor's last event, and fans raw XState inspection events out to whoever
 * listens (the page's feed, Stately clients). Attach it before the clock runs, so the recorded
 * trace is complete; what happened before (the components' start) is recorded as their current
 * states.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Subscription } from 'rxjs';
import type { Cluster } from '../sim/cluster.ts';
import { actorName } from '../sim/actors.ts';
import type { TraceEvent } from '../sim/trace.ts';
import { ReplayIndex } from './replay-state.ts';
import { actorState, liveActors, nodeFacts, type NodeFacts } from './views.ts';

/** Pause, step and resume of a live cluster's pacing (src/server/up.ts). */
export interface ClockControl {
  paused(): boolean;
  pause(): void;
  resume(): void;
  /** Runs queued work until something (not a heartbeat) happens; returns how many trace events that made. */
  step(): number;
}

/** Where the inspector's data comes from: a live cluster, or a recorded trace alone. */
export interface InspectorSource {
  mode: 'live' | 'replay';
  replay: ReplayIndex;
  cluster?: Cluster;
  control?: ClockControl;
  /** Node capacity and registration taints (live: read from the cluster). */
  facts(): NodeFacts;
  /** The last event each actor's snapshot came from (live only). */
  lastEvent(systemId: string): { event: string; t: number } | undefined;
  onTrace(fn: (e: TraceEvent, i: number) => void): () => void;
  onInspect(fn: (e: InspectionEvent) => void): () => void;
}

export class LiveHub implements InspectorSource {
  readonly mode = 'live' as const;
  readonly replay = new ReplayIndex();
  control: ClockControl | undefined;
  private last = new Map<string, { event: string; t: number }>();
  private traceFns = new Set<(e: TraceEvent, i: number) => void>();
  private inspectFns = new Set<(e: InspectionEvent) => void>();
  private sub: Subscription;
  private cachedFacts: NodeFacts | undefined;
  private factsAt = -1;

  constructor(readonly cluster: Cluster) {
    const sim = cluster.sim;
    const t = sim.now();
    for (const { id, ref } of liveActors(cluster)) {
      const state = actorState(ref);
      if (state) this.replay.push({ t, kind: 'transition', actor: id, from: '', to: state, event: 'xstate.init' });
    }
    this.sub = sim.trace$.subscribe((e) => {
      this.replay.push(e);
      const i = this.replay.length - 1;
      for (const fn of this.traceFns) fn(e, i);
    });
    const previous = sim.inspect;
    sim.inspect = (ev) => {
      previous?.(ev);
      if (ev.type === '@xstate.snapshot') this.last.set(actorName(ev.actorRef as AnyActorRef), { event: ev.event.type, t: sim.now() });
      for (const fn of this.inspectFns) fn(ev);
    };
  }

  facts(): NodeFacts {
    // Nodes come and go rarely: re-read at most once per trace growth of 1,000 events.
    if (!this.cachedFacts || this.replay.length - this.factsAt > 1000) {
      this.cachedFacts = nodeFacts(this.cluster);
      this.factsAt = this.replay.length;
    }
    return this.cachedFacts;
  }

  lastEvent(systemId: string): { event: string; t: number } | undefined {
    return this.last.get(systemId);
  }

  onTrace(fn: (e: TraceEvent, i: number) => void): () => void {
    this.traceFns.add(fn);
    return () => this.traceFns.delete(fn);
  }

  onInspect(fn: (e: InspectionEvent) => void): () => void {
    this.inspectFns.add(fn);
    return () => this.inspectFns.delete(fn);
  }

  close(): void {
    this.sub.unsubscribe();
    this.traceFns.clear();
    this.inspectFns.clear();
  }
}

/** A recorded trace (kubelife run --trace) for replay mode. */
export class RecordedSource implements InspectorSource {
  readonly mode = 'replay' as const;
  readonly replay: ReplayIndex;

  constructor(events: readonly TraceEvent[]) {
    this.replay = new ReplayIndex(2000, Math.max(2_000_000, events.length + 1));
    for (const e of events) this.replay.push(e);
  }

  facts(): NodeFacts {
    return new Map();
  }

  lastEvent(): undefined {
    return undefined;
  }

  onTrace(): () => void {
    return () => {};
  }

  onInspect(): () => void {
    return () => {};
  }
}
