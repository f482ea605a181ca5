/**
 * The simulated network between components and the API server. Every request, response and watch
 * event is a scheduled delivery with a latency drawn from the network's own random stream. Each
 * channel (from -> to) is FIFO, like a TCP connection, unless a fault says otherwise.
 *
 * Two schedulers:
 * - `timed` (the default): each message is delivered at send time + a seeded latency, never
 *   before an earlier message of its channel.
 * - `hold` (exhaustive exploration): messages wait in per-channel FIFO queues until the explorer
 *   picks a channel (`pendingChoices`, `deliverNext`). Messages the hold predicate lets through
 *   (by default everything not addressed to kube-apiserver, i.e. responses and watch events to
 *   components) are delivered at once, at the current virtual time, in channel order: a delivery
 *   to a component only touches that component and appends to its own outgoing channel, so it
 *   commutes with every other delivery and exploring its orders would add nothing (the partial
 *   order reduction of issue 5 §3d). The only choice left is which sender's head request the API
 *   server serves next.
 */
import type { VirtualClock } from './clock.ts';
import type { Rng } from './rng.ts';
import type { TraceEvent } from './trace.ts';

export interface LatencyMs { min: number; max: number }

/** What a fault plan may decide for one message. */
export type Verdict =
  | { action: 'deliver' }
  | { action: 'drop' }
  | { action: 'delay'; extraMs: number }
  | { action: 'duplicate' };

/**
 * What travels: a request to the API server, its response, a watch being opened, one event on an
 * open watch stream, or the end of a watch stream.
 */
export type MessageKind = 'request' | 'response' | 'watch-open' | 'watch-event' | 'watch-close';

export type MessagePolicy = (from: string, to: string, what: string, now: number, kind: MessageKind) => Verdict;

export interface SendOptions {
  /** Default 'request'. */
  kind?: MessageKind;
  /**
   * The message was lost (dropped by the policy when sent, or its link was severed when it was
   * due): called at that moment, so the sender can see a transport error later.
   */
  onLost?: () => void;
  /**
   * A duplicate verdict: called instead of delivering the message twice (the sender decides what
   * a duplicate means, e.g. a lost response followed by a client retry).
   */
  onDuplicate?: () => void;
  /** Never duplicated: a duplicate verdict delivers it once (a retry is not retried again). */
  once?: boolean;
}

/** The delivery callback; `copy` counts from 0 and `copies` is 2 for a duplicated message. */
export type Deliver = (copy: number, copies: number) => void;

export type SchedulerMode = 'timed' | 'hold';

/** Which messages wait for the explorer in hold mode (the others are delivered at once). */
export type HoldPredicate = (from: string, to: string, what: string, kind: MessageKind) => boolean;

/** kube-apiserver's inbound channels are the only choice points by default. */
export const holdRequestsToApiServer: HoldPredicate = (_from, to) => to === 'kube-apiserver';

interface Held {
  id: number;
  from: string;
  to: string;
  what: string;
  kind: MessageKind;
  run: () => void;
}

/** A channel whose head message can be delivered now (hold mode). */
export interface PendingChoice {
  channel: string;
  from: string;
  to: string;
  /** The head message. */
  what: string;
  kind: MessageKind;
  /** Messages waiting on the channel. */
  queued: number;
}

export class Network {
  private lastAt = new Map<string, number>();
  private nextId = 0;
  private modeNow: SchedulerMode = 'timed';
  private holdIf: HoldPredicate = holdRequestsToApiServer;
  private held = new Map<string, Held[]>();
  /** Installed by fault plans; the default delivers everything. */
  policy: MessagePolicy | undefined;
  /**
   * Installed by fault plans: a link that is down (a partition). Checked when a message is sent
   * and again when it is due, so messages in flight when the link goes down are lost too.
   */
  severed: ((from: string, to: string) => boolean) | undefined;
  /** Whether to trace every send and delivery (large; off for benchmarks). */
  traceMessages = true;

  constructor(
    private clock: VirtualClock,
    private rng: Rng,
    private latency: LatencyMs,
    private emit: (e: TraceEvent) => void,
  ) {}

  mode(): SchedulerMode {
    return this.modeNow;
  }

  /**
   * Switches to hold mode: from now on, messages matching `holdIf` wait in per-channel queues for
   * `deliverNext`; the others are delivered at the current virtual time. Messages already
   * scheduled keep their times (switch when the cluster is quiet).
   */
  hold(holdIf: HoldPredicate = holdRequestsToApiServer): void {
    this.modeNow = 'hold';
    this.holdIf = holdIf;
  }

  /** Back to timed delivery: every held message is scheduled now, in channel then FIFO order. */
  release(): void {
    this.modeNow = 'timed';
    const channels = [...this.held.keys()].sort();
    const queues = channels.map((c) => this.held.get(c)!);
    this.held.clear();
    for (const q of queues) for (const m of q) this.schedule(`${m.from}>${m.to}`, this.clock.now() + this.rng.int(this.latency.min, this.latency.max), m.run);
  }

  /** Hold mode: the channels with a message waiting, sorted by channel name. */
  pendingChoices(): PendingChoice[] {
    const out: PendingChoice[] = [];
    for (const channel of [...this.held.keys()].sort()) {
      const q = this.held.get(channel)!;
      const head = q[0];
      if (head) out.push({ channel, from: head.from, to: head.to, what: head.what, kind: head.kind, queued: q.length });
    }
    return out;
  }

  /** Hold mode: delivers the head message of `channel` now. Returns false when none waits. */
  deliverNext(channel: string): boolean {
    const q = this.held.get(channel);
    const m = q?.shift();
    if (!q || !m) return false;
    if (q.length === 0) this.held.delete(channel);
    m.run();
    return true;
  }

  /** Messages waiting in hold queues. */
  heldCount(): number {
    let n = 0;
    for (const q of this.held.values()) n += q.length;
    return n;
  }

  /** Sends one message; `deliver` runs at the receiver at the delivery time. */
  send(from: string, to: string, what: string, deliver: Deliver, opts: SendOptions = {}): void {
    const id = this.nextId++;
    const now = this.clock.now();
    const kind = opts.kind ?? 'request';
    let verdict: Verdict = this.severed?.(from, to) ? { action: 'drop' }
      : this.policy ? this.policy(from, to, what, now, kind) : { action: 'deliver' };
    if (verdict.action === 'duplicate' && opts.once) verdict = { action: 'deliver' };
    if (verdict.action === 'drop') {
      if (this.traceMessages) this.emit({ t: now, kind: 'drop', msg: id, from, to, what });
      opts.onLost?.();
      return;
    }
    if (verdict.action === 'duplicate' && opts.onDuplicate) {
      if (this.traceMessages) this.emit({ t: now, kind: 'drop', msg: id, from, to, what });
      opts.onDuplicate();
      return;
    }
    const channel = `${from}>${to}`;
    const copies = verdict.action === 'duplicate' ? 2 : 1;
    if (this.traceMessages) this.emit({ t: now, kind: 'send', msg: id, from, to, what });
    const runCopy = (copy: number) => () => {
      if (this.severed?.(from, to)) {
        if (this.traceMessages) this.emit({ t: this.clock.now(), kind: 'drop', msg: id, from, to, what });
        if (copy === 0) opts.onLost?.();
        return;
      }
      if (this.traceMessages) this.emit({ t: this.clock.now(), kind: 'deliver', msg: id, from, to, what });
      deliver(copy, copies);
    };
    if (this.modeNow === 'hold') {
      if (this.holdIf(from, to, what, kind)) {
        let q = this.held.get(channel);
        if (!q) this.held.set(channel, (q = []));
        for (let c = 0; c < copies; c++) q.push({ id, from, to, what, kind, run: runCopy(c) });
      } else {
        // Zero latency, still FIFO behind anything scheduled on the channel before the switch.
        for (let c = 0; c < copies; c++) this.schedule(channel, now, runCopy(c));
      }
      return;
    }
    let at = now + this.rng.int(this.latency.min, this.latency.max);
    if (verdict.action === 'delay') at += verdict.extraMs;
    for (let c = 0; c < copies; c++) this.schedule(channel, at, runCopy(c));
  }

  private schedule(channel: string, atMs: number, run: () => void): void {
    // FIFO per channel: a message never overtakes an earlier one on the same connection.
    const at = Math.max(atMs, this.lastAt.get(channel) ?? 0);
    this.lastAt.set(channel, at);
    this.clock.at(at, run);
  }
}
