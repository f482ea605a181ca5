/**
 * Property: one container's restarts, driven through the pod machine standalone on a virtual
 * clock, match an independent oracle written here from the kubelet's rules:
 *
 * - restartPolicy Always restarts every exit, OnFailure a non-zero exit, Never none; a container
 *   that will not run again ends the pod Succeeded (exit 0) or Failed (anything else);
 * - the first restart is immediate, at the next PLEG relist (1 s after the exit);
 * - later ones wait out the CrashLoopBackOff window counted from the exit: 10 s, doubling, capped
 *   at 300 s (client-go flowcontrol Backoff without jitter, kuberuntime doBackOff);
 * - the back-off entry is forgotten when the container finishes more than 2 × 300 s after the
 *   entry's last update (the previous restart), i.e. after a run longer than 10 minutes;
 * - restartCount counts the restarts; lastState keeps the previous exit code.
 *
 * fast-check prints the seed and the shrunk counterexample on failure; replay with
 * `fc.assert(..., { seed, path })`.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { podMachine, podStatusOf, type WorkerRequest } from '../../machines/pod/machine.ts';
import { kubectlStatus } from '../../machines/pod/phase.ts';
import type { Pod, PodPhase, PodSpec } from '../../src/api/objects.ts';
import { VirtualClock } from '../../src/sim/clock.ts';

type Policy = PodSpec['restartPolicy'];
interface Run { exitCode: number; ms: number }

// ------------------------------------------------------------------ the oracle

const RELIST_MS = 1000;
const INITIAL_BACKOFF_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;

/** Go's time.Duration String for whole seconds: "10s", "1m20s", "5m0s". */
function goSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

interface Expected {
  /** Virtual times of the restarts (the start requests after the first). */
  restarts: number[];
  /** The CrashLoopBackOff waiting messages, one per restart that had to wait. */
  backOffs: string[];
  restartCount: number;
  /** The phase once the runs are over (the last start, if any, runs on). */
  phase: PodPhase;
  /** The exit code lastState shows at the end, when the container was restarted. */
  lastExit?: number;
}

function oracle(policy: Policy, runs: readonly Run[]): Expected {
  const restartPolicy = policy ?? 'Always';
  let startedAt = 0;
  let entry: { backoffMs: number; lastUpdateMs: number } | undefined;
  const restarts: number[] = [];
  const backOffs: string[] = [];
  let lastExit: number | undefined;
  for (const run of runs) {
    const finishedAt = startedAt + run.ms;
    const restarts_ = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && run.exitCode !== 0);
    if (!restarts_) {
      return { restarts, backOffs, restartCount: restarts.length, phase: run.exitCode === 0 ? 'Succeeded' : 'Failed', ...(lastExit === undefined ? {} : { lastExit }) };
    }
    const expired = entry !== undefined && finishedAt - entry.lastUpdateMs > 2 * MAX_BACKOFF_MS;
    const syncAt = finishedAt + RELIST_MS;
    let restartAt = syncAt;
    if (entry && !expired && syncAt - finishedAt < entry.backoffMs) {
      backOffs.push(`back-off ${goSeconds(entry.backoffMs)} restarting failed container=app pod=web_default(uid-1)`);
      restartAt = finishedAt + entry.backoffMs;
    }
    entry = !entry || expired
      ? { backoffMs: INITIAL_BACKOFF_MS, lastUpdateMs: restartAt }
      : { backoffMs: Math.min(entry.backoffMs * 2, MAX_BACKOFF_MS), lastUpdateMs: restartAt };
    restarts.push(restartAt);
    lastExit = run.exitCode;
    startedAt = restartAt;
  }
  return { restarts, backOffs, restartCount: restarts.length, phase: 'Running', ...(lastExit === undefined ? {} : { lastExit }) };
}

// ------------------------------------------------------------------ the machine

function makePod(policy: Policy): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default', uid: 'uid-1' },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36' }], ...(policy ? { restartPolicy: policy } : {}) },
  };
}

interface Observed extends Expected {
  /** Phases seen right after each exit's relist, when the container was to restart. */
  phasesWhileRestarting: PodPhase[];
  kubectlWhileBackingOff: string[];
}

/**
 * Plays the runs: each start request is answered with container.started at once; the run lasts
 * its time and exits with its code; then the clock runs until the next start request (or until
 * nothing is scheduled). The last start, if the policy brings one, runs on.
 */
function play(policy: Policy, runs: readonly Run[]): Observed {
  const pod = makePod(policy);
  const clock = new VirtualClock();
  const requests: Array<{ at: number; r: WorkerRequest }> = [];
  const actor = createActor(podMachine, { input: { pod, behaviours: {}, now: () => clock.now() }, clock });
  actor.on('*', (r) => requests.push({ at: clock.now(), r }));
  actor.subscribe({ error: (err) => { throw err; } });
  actor.start();
  const status = () => podStatusOf(actor.getSnapshot());
  const starts = () => requests.filter((x) => x.r.type === 'worker.startContainer') as Array<{ at: number; r: Extract<WorkerRequest, { type: 'worker.startContainer' }> }>;

  actor.send({ type: 'pod.bound', nodeName: 'n1', hostIP: '172.18.0.2' });
  actor.send({ type: 'pod.admitted' });
  actor.send({ type: 'pod.volumesMounted' });
  actor.send({ type: 'pod.sandboxReady', podIP: '10.244.1.2' });

  const phasesWhileRestarting: PodPhase[] = [];
  const kubectlWhileBackingOff: string[] = [];
  for (const run of runs) {
    const start = starts().at(-1)!;
    actor.send({ type: 'container.started', container: 'app', attempt: start.r.attempt });
    clock.runUntilTime(clock.now() + run.ms);
    actor.send({ type: 'container.exited', container: 'app', attempt: start.r.attempt, exitCode: run.exitCode });
    const before = starts().length;
    const limit = clock.now() + RELIST_MS + MAX_BACKOFF_MS + 1;
    let sawRelist = false;
    while (starts().length === before) {
      const next = clock.peekTime();
      if (next === undefined || next > limit) break;
      clock.step();
      if (!sawRelist && actor.getSnapshot().status === 'active') {
        // The first step after the exit is the relist: the pod is Running whether it restarts now
        // or waits out its back-off.
        sawRelist = true;
        phasesWhileRestarting.push(status().phase!);
        const shown = kubectlStatus({ ...pod, status: status() });
        if (shown === 'CrashLoopBackOff') kubectlWhileBackingOff.push(shown);
      }
    }
    if (starts().length === before) break;
  }
  if (starts().length > 0 && starts().length === runs.length + 1) {
    actor.send({ type: 'container.started', container: 'app', attempt: starts().at(-1)!.r.attempt });
  }
  const final = status();
  const app = final.containerStatuses?.find((c) => c.name === 'app');
  const lastExit = app?.lastState?.terminated?.exitCode;
  return {
    restarts: starts().slice(1).map((s) => s.at),
    backOffs: requests.filter((x) => x.r.type === 'worker.backOff' && x.r.reason === 'CrashLoopBackOff').map((x) => (x.r as { message: string }).message),
    restartCount: app?.restartCount ?? -1,
    phase: final.phase!,
    ...(lastExit === undefined ? {} : { lastExit }),
    phasesWhileRestarting,
    kubectlWhileBackingOff,
  };
}

// ------------------------------------------------------------------ properties

const policyArb = fc.constantFrom<Policy>(undefined, 'Always', 'OnFailure', 'Never');
const runArb = fc.record({
  exitCode: fc.constantFrom(0, 1, 2, 127, 137, 143),
  ms: fc.oneof(
    fc.constantFrom(0, 1, 999, 1000, 9_999, 10_000, 10_001, 60_000, 300_000, 599_999, 600_000, 600_001, 601_000, 900_000),
    fc.integer({ min: 0, max: 700_000 }),
  ),
});

describe('container restarts follow the kubelet (property)', () => {
  it('restart times, back-off messages, restartCount, lastState and phase match the oracle', () => {
    fc.assert(
      fc.property(policyArb, fc.array(runArb, { minLength: 1, maxLength: 12 }), (policy, runs) => {
        const want = oracle(policy, runs);
        const got = play(policy, runs);
        expect({ restarts: got.restarts, backOffs: got.backOffs, restartCount: got.restartCount, phase: got.phase, lastExit: got.lastExit })
          .toEqual({ restarts: want.restarts, backOffs: want.backOffs, restartCount: want.restartCount, phase: want.phase, lastExit: want.lastExit });
        // Waiting to restart never leaves Running; a wait in back-off shows as CrashLoopBackOff.
        expect(got.phasesWhileRestarting.every((p) => p === 'Running')).toBe(true);
        expect(got.phasesWhileRestarting).toHaveLength(want.restarts.length);
        expect(got.kubectlWhileBackingOff).toHaveLength(want.backOffs.length);
      }),
      { numRuns: 300, verbose: 1 },
    );
  });

  it('backs off exactly 0 (next relist), 10, 20, 40, 80, 160, 300, 300 s for a container that keeps crashing', () => {
    const runs = Array.from({ length: 9 }, () => ({ exitCode: 1, ms: 0 }));
    const got = play('Always', runs);
    let finished = 0;
    const waits = got.restarts.map((r) => {
      const w = r - finished;
      finished = r; // each run lasts 0 ms: it ends where it started
      return w;
    });
    expect(waits).toEqual([1000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(got.backOffs.map((m) => m.split(' ')[1])).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s', '5m0s']);
    expect(got.restartCount).toBe(9);
    expect(oracle('Always', runs).restarts).toEqual(got.restarts);
  });

  it('forgets the back-off after a run longer than 10 minutes, not after one of exactly 10', () => {
    const crash = { exitCode: 1, ms: 0 };
    const exactly = play('Always', [crash, crash, { exitCode: 1, ms: 600_000 }]);
    const longer = play('Always', [crash, crash, { exitCode: 1, ms: 600_001 }]);
    // After two crashes the entry is 20 s; a 600 s run keeps it (40 s next), a longer one resets it.
    expect(exactly.backOffs.at(-1)).toMatch(/^back-off 20s /);
    expect(exactly.restarts.at(-1)! - exactly.restarts.at(-2)! - 600_000).toBe(20_000);
    expect(longer.backOffs).toHaveLength(1);
    expect(longer.restarts.at(-1)! - longer.restarts.at(-2)! - 600_001).toBe(1000);
  });
});
