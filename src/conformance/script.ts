/**
 * Plays a case's steps against an environment and compares what it observes with what the case
 * expects: actions in order, and the expectations as an ordered subsequence of the observations,
 * each within its time bounds (seconds since the previous action, times the timeout scale).
 * Optional expectations are looked for between their neighbours and skipped when not seen.
 * The environment is either a cluster reached through client-node (runner.ts) or the in-process
 * simulation (model-run.ts); the rules are the same.
 */
import { describeExpect, describeObservation, holds, type Observation } from './observe.ts';
import type { CaseAction, CaseExpect, ConformanceCase, EventExpect } from './schema.ts';

export interface ScriptEnv {
  /** Seconds since the case started, on the clock observations are stamped with. */
  now(): number;
  /** Every observation so far, in arrival order (the environment appends to it). */
  readonly timeline: readonly Observation[];
  /** Events seen so far: reason, type, involved object, message, when. */
  readonly events: ReadonlyArray<{ reason: string; type: string; object: string; message: string; t: number }>;
  /** Creates, deletes or patches (waits are played by the script itself). */
  perform(action: Exclude<CaseAction, { wait: number }>): Promise<void>;
  /** Resolves when `pred` holds or the case clock passes `deadline`. */
  waitUntil(pred: () => boolean, deadline: number): Promise<void>;
}

export interface StepOutcome {
  step: number;
  what: string;
  status: 'passed' | 'failed' | 'skipped';
  /** Seconds since the previous action when it was seen. */
  atSeconds?: number;
  message?: string;
}

export interface ScriptResult {
  ok: boolean;
  steps: StepOutcome[];
  /** The first thing that did not hold, in one line. */
  firstMismatch?: string;
}

function findFrom(timeline: readonly Observation[], from: number, e: CaseExpect, until = timeline.length): number {
  for (let i = from; i < Math.min(until, timeline.length); i++) if (holds(e, timeline[i]!)) return i;
  return -1;
}

const describeAction = (a: CaseAction): string =>
  'wait' in a ? `wait ${a.wait}s` : 'create' in a ? `create ${a.create.kind} ${a.create.metadata.name}` : 'delete' in a ? `delete ${a.delete.kind} ${a.delete.name}` : `patch ${a.patch.kind} ${a.patch.name}`;

/** Plays the steps; never throws for a mismatch (an action's error is a failed step). */
export async function playCase(c: ConformanceCase, env: ScriptEnv, timeoutScale = 1): Promise<ScriptResult> {
  const out: StepOutcome[] = [];
  let cursor = 0;
  let tAction = env.now();
  let tDone = tAction;
  let pending: Array<{ step: number; e: CaseExpect }> = [];
  let failed: string | undefined;

  // Optional expectations before index `until`: seen in order, or skipped.
  const settleOptionals = (until: number) => {
    let c = cursor;
    for (const p of pending) {
      const j = findFrom(env.timeline, c, p.e, until + 1);
      if (j >= 0) {
        c = j;
        out.push({ step: p.step, what: describeExpect(p.e), status: 'passed', atSeconds: env.timeline[j]!.t - tAction });
      } else out.push({ step: p.step, what: `${describeExpect(p.e)} (optional)`, status: 'skipped' });
    }
    pending = [];
  };

  for (let i = 0; i < c.steps.length && !failed; i++) {
    const s = c.steps[i]!;
    if ('do' in s) {
      settleOptionals(env.timeline.length - 1);
      // Lower bounds count from just before the request, upper bounds from its answer: both err on the
      // side of the cluster (a slow answer must not eat the window).
      tAction = env.now();
      try {
        if ('wait' in s.do) {
          const until = tAction + s.do.wait * timeoutScale;
          await env.waitUntil(() => false, until);
        } else await env.perform(s.do);
        tDone = env.now();
        out.push({ step: i, what: describeAction(s.do), status: 'passed' });
      } catch (e) {
        failed = `step ${i + 1}: ${describeAction(s.do)} failed: ${(e as Error).message}`;
        out.push({ step: i, what: describeAction(s.do), status: 'failed', message: failed });
      }
      continue;
    }
    const e = s.expect;
    if (e.optional) {
      pending.push({ step: i, e });
      continue;
    }
    const within = e.within * timeoutScale;
    const after = (e.after ?? 0) * timeoutScale;
    let found = -1;
    await env.waitUntil(() => (found = findFrom(env.timeline, cursor, e)) >= 0, tDone + within);
    if (found < 0) found = findFrom(env.timeline, cursor, e);
    const what = describeExpect(e);
    if (found < 0 || env.timeline[found]!.t - tDone > within) {
      const last = env.timeline.filter((o) => o.pod === e.pod).at(-1);
      failed = `step ${i + 1}: expected ${what} within ${e.within}s; last seen: ${describeObservation(last)}`;
      out.push({ step: i, what, status: 'failed', message: failed });
      break;
    }
    const at = env.timeline[found]!.t - tAction;
    if (at < after) {
      failed = `step ${i + 1}: expected ${what} no earlier than ${e.after}s, seen at ${at.toFixed(1)}s`;
      out.push({ step: i, what, status: 'failed', atSeconds: at, message: failed });
      break;
    }
    settleOptionals(found);
    out.push({ step: i, what, status: 'passed', atSeconds: at });
    cursor = found;
  }
  if (!failed) settleOptionals(env.timeline.length - 1);
  if (!failed) {
    for (const ev of c.events) {
      const miss = eventMismatch(ev, env, timeoutScale);
      if (miss) {
        failed = miss;
        break;
      }
    }
  }
  return { ok: failed === undefined, steps: out, ...(failed ? { firstMismatch: failed } : {}) };
}

function eventMismatch(ev: EventExpect, env: ScriptEnv, timeoutScale: number): string | undefined {
  const hit = env.events.find((x) => x.reason === ev.reason && (ev.type === undefined || x.type === ev.type) && (ev.object === undefined || x.object === ev.object)
    && (ev.messageContains === undefined || x.message.includes(ev.messageContains)));
  const what = `event ${ev.type ? `${ev.type} ` : ''}${ev.reason}${ev.object ? ` on ${ev.object}` : ''}`;
  if (!hit) return `${what} never seen (seen: ${[...new Set(env.events.map((x) => x.reason))].join(', ') || 'none'})`;
  if (hit.t > ev.within * timeoutScale) return `${what} seen at ${hit.t.toFixed(1)}s, later than ${ev.within}s`;
  return undefined;
}
