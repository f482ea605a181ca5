/**
 * The machine of a controller that keeps its own clock (the node lifecycle and taint-eviction
 * controllers): informers feed it, and it asks to be woken at the earliest virtual time it has
 * something to do (a monitor pass, a rate-limited taint, an eviction coming due). One delayed
 * `controller.wake` is armed at a time and re-armed after every event when that time moves; the
 * machine's state never changes once running, so a wake that finds nothing to do writes and
 * traces nothing and a cluster at rest still goes quiet.
 */
import { enqueueActions, setup } from 'xstate';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import type { ControllerInput, ControllerManagerFlags, ControllerRunning } from './controller.ts';

export interface TimedController {
  /** Starts the informers (list, then watch). */
  start(): void;
  /** True once every informer has listed. */
  synced(): boolean;
  /** Feeds an API event (informer traffic and responses). */
  handle(e: ApiEvent): void;
  /** The informers have synced: the workers start. */
  run(): void;
  /** The armed time came. */
  wake(): void;
  /** The earliest virtual time the controller wants to be woken, if any. */
  nextWakeAt(): number | undefined;
}

interface Wake { type: 'controller.wake' }

export interface TimedControllerContext<C extends TimedController = TimedController> {
  port: ApiPort;
  controller: C;
  /** The virtual time the wake timer is armed for. */
  armedForMs: number | undefined;
}

const WAKE_ID = 'wake';

/** Builds the machine of one timed controller; `name` is its machine id and what it reports as. */
export function timedControllerMachine<C extends TimedController>(name: string, create: (port: ApiPort, flags: ControllerManagerFlags) => C) {
  return setup({
    types: {
      context: {} as TimedControllerContext<C>,
      input: {} as ControllerInput,
      events: {} as ApiEvent | Wake,
    },
    actions: {
      start: ({ context }) => context.controller.start(),
      handle: ({ context, event }) => context.controller.handle(event as ApiEvent),
      run: ({ context }) => context.controller.run(),
      fire: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ armedForMs: undefined });
        context.controller.wake();
      }),
      rearm: enqueueActions(({ context, enqueue }) => {
        const next = context.controller.nextWakeAt();
        if (next === context.armedForMs) return;
        if (context.armedForMs !== undefined) enqueue.cancel(WAKE_ID);
        if (next !== undefined) enqueue.raise({ type: 'controller.wake' }, { delay: Math.max(0, next - context.port.now()), id: WAKE_ID });
        enqueue.assign({ armedForMs: next });
      }),
      announce: enqueueActions(({ self, enqueue }) => {
        if (self._parent) enqueue.sendParent({ type: 'controller.running', name } satisfies ControllerRunning);
      }),
    },
    guards: {
      synced: ({ context }) => context.controller.synced(),
    },
  }).createMachine({
    id: name,
    context: ({ input }) => ({ port: input.port, controller: create(input.port, input.flags ?? {}), armedForMs: undefined }),
    initial: 'starting',
    entry: 'start',
    states: {
      starting: {
        on: { 'api.*': { actions: 'handle' } },
        always: { guard: 'synced', target: 'running' },
      },
      running: {
        entry: ['announce', 'run', 'rearm'],
        on: {
          'api.*': { actions: ['handle', 'rearm'] },
          'controller.wake': { actions: ['fire', 'rearm'] },
        },
      },
    },
  });
}


/**
 * Requests with their continuations, and one-shot timers, for controllers written in
 * continuation-passing style (upstream's synchronous client calls become a request and the code
 * that runs on its answer). Timers run in (due time, creation) order.
 */
export class Calls {
  private readonly pending = new Map<string, (code: number, body: unknown) => void>();
  private timers: Array<{ atMs: number; seq: number; run: () => void }> = [];
  private seq = 0;

  constructor(private readonly port: ApiPort) {}

  /** Sends a request; `onAnswer` runs with its response. */
  send(req: Parameters<ApiPort['request']>[0], tag: string, onAnswer: (code: number, body: unknown) => void): void {
    this.pending.set(this.port.request(req, tag), onAnswer);
  }

  /** Runs the continuation of a response; false when the event is not one of ours. */
  answer(e: ApiEvent): boolean {
    if (e.type !== 'api.response') return false;
    const f = this.pending.get(e.requestId);
    if (!f) return false;
    this.pending.delete(e.requestId);
    f(e.code, e.body);
    return true;
  }

  /** Runs `run` `ms` from now. */
  after(ms: number, run: () => void): void {
    this.timers.push({ atMs: this.port.now() + Math.max(0, ms), seq: this.seq++, run });
  }

  nextAt(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.atMs < min) min = t.atMs;
    return min;
  }

  /** Runs every timer due by now, earliest first (timers added meanwhile included when due). */
  runDue(nowMs: number): void {
    for (;;) {
      let best: { atMs: number; seq: number; run: () => void } | undefined;
      for (const t of this.timers) if (t.atMs <= nowMs && (!best || t.atMs < best.atMs || (t.atMs === best.atMs && t.seq < best.seq))) best = t;
      if (!best) return;
      this.timers = this.timers.filter((t) => t !== best);
      best.run();
    }
  }

  /** Requests still unanswered (for tests). */
  inFlight(): number {
    return this.pending.size;
  }
}
