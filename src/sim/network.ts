/**
 * The simulated network between components and the API server. Every request, response and watch
 * event is a scheduled delivery with a latency drawn from the network's own random stream. Each
 * channel (from -> to) is FIFO, like a TCP connection, unless a fault says otherwise.
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

export type MessagePolicy = (from: string, to: string, what: string, now: number) => Verdict;

export class Network {
  private lastAt = new Map<string, number>();
  private nextId = 0;
  /** Installed by fault plans; the default delivers everything. */
  policy: MessagePolicy | undefined;
  /** Whether to trace every send and delivery (large; off for benchmarks). */
  traceMessages = true;

  constructor(
    private clock: VirtualClock,
    private rng: Rng,
    private latency: LatencyMs,
    private emit: (e: TraceEvent) => void,
  ) {}

  /** Sends one message; `deliver` runs at the receiver at the delivery time. */
  send(from: string, to: string, what: string, deliver: () => void): void {
    const id = this.nextId++;
    const now = this.clock.now();
    const verdict = this.policy ? this.policy(from, to, what, now) : { action: 'deliver' as const };
    if (verdict.action === 'drop') {
      if (this.traceMessages) this.emit({ t: now, kind: 'drop', msg: id, from, to, what });
      return;
    }
    const channel = `${from}>${to}`;
    let at = now + this.rng.int(this.latency.min, this.latency.max);
    if (verdict.action === 'delay') at += verdict.extraMs;
    // FIFO per channel: a message never overtakes an earlier one on the same connection.
    at = Math.max(at, this.lastAt.get(channel) ?? 0);
    this.lastAt.set(channel, at);
    if (this.traceMessages) this.emit({ t: now, kind: 'send', msg: id, from, to, what });
    const run = () => {
      if (this.traceMessages) this.emit({ t: this.clock.now(), kind: 'deliver', msg: id, from, to, what });
      deliver();
    };
    this.clock.at(at, run);
    if (verdict.action === 'duplicate') this.clock.at(at, run);
  }
}
