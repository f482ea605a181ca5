/**
 * Leader election (client-go tools/leaderelection, with a coordination.k8s.io Lease lock), as
 * kube-controller-manager and kube-scheduler run it by default: a child actor of the component,
 * sharing its API port; the parent forwards it every API event whose tag starts with
 * `leader-election:` and hears back `leader.elected` once and `leader.lost` at most once.
 *
 * The defaults of both components (--leader-elect-lease-duration 15s, --leader-elect-renew-deadline
 * 10s, --leader-elect-retry-period 2s) and the rules of LeaderElector:
 *  - acquire: try at once, then every retry period jittered by 1.2 (wait.JitterUntil, sliding),
 *    until tryAcquireOrRenew succeeds;
 *  - renew: every retry period, a round of tries every retry period (PollImmediateUntil) that must
 *    succeed within the renew deadline, else leadership is lost (OnStoppedLeading: both
 *    components log "leaderelection lost" and exit; the kubelet restarts their static pods);
 *  - tryAcquireOrRenew: the leader whose lease is still valid first updates its cached Lease (the
 *    optimistic fast path); otherwise GET (create when absent); a Lease held by another identity is
 *    valid until leaseDuration after this candidate *observed* it change (its own clock, never the
 *    record's times); taking it over counts a transition; the update carries the resourceVersion
 *    read, so two candidates never both win.
 *  - The leader-election client's timeout is the renew deadline (10 s), so a request that gets no
 *    answer fails after 10 s.
 * A new process has a new identity (`<hostname>_<uuid>`), so a restarted component waits for its
 * predecessor's Lease to expire. kubelife derives the uuid from the component name and start time
 * (not the seeded random stream, which scheduling decisions draw from).
 */
import { assign, enqueueActions, sendParent, setup } from 'xstate';
import type { KObject } from '../../src/api/objects.ts';
import type { ApiEvent, ApiPort } from './port.ts';
import { recordEvent } from './events.ts';
import { microTime } from '../kubelet/node.ts';
import { fnv, hex32 } from './hash.ts';

export const LEASE_DURATION_MS = 15_000;
export const RENEW_DEADLINE_MS = 10_000;
export const RETRY_PERIOD_MS = 2_000;
/** wait.JitterUntil's factor for the acquire loop. */
export const JITTER_FACTOR = 1.2;
export const LEADER_ELECTION_TAG = 'leader-election:';
export const LEADER_ELECTION_NAMESPACE = 'kube-system';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaderElectionInput {
  port: ApiPort;
  /** The Lease's name in kube-system (the component's name). */
  lease: string;
  /** The Event source component (kube-controller-manager, default-scheduler). */
  component: string;
  /** The host the process runs on: the first half of the identity. */
  hostname: string;
}

export interface LeaderElectionContext {
  port: ApiPort;
  lease: string;
  component: string;
  identity: string;
  /** The record last read or written, when this candidate saw it change, and its object. */
  observed?: { spec: LeaseSpec; at: number; object: KObject };
  /** The request in flight and what it is. */
  pending?: { requestId: string; step: 'renew' | 'get' | 'create' | 'update' };
  /** The outcome of the current try, read by the state's eventless transitions. */
  outcome?: 'ok' | 'failed';
  /** Tries so far (drives the jitter and the trace). */
  tries: number;
}

export type LeaderElectionEvent = ApiEvent;
export type LeaderElectionParentEvent = { type: 'leader.elected'; identity: string } | { type: 'leader.lost'; identity: string };

function uuidFrom(s: string): string {
  const hex = hex32(s);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}


const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: LEADER_ELECTION_NAMESPACE } as const;

/** Whether a lease held by someone else may still be valid: observedTime + leaseDuration > now. */
function leaseValid(ctx: LeaderElectionContext, now: number): boolean {
  return ctx.observed !== undefined && ctx.observed.at + LEASE_DURATION_MS > now;
}

function isLeader(ctx: LeaderElectionContext): boolean {
  return ctx.observed?.spec.holderIdentity === ctx.identity;
}

function leaseObject(ctx: LeaderElectionContext, spec: LeaseSpec, resourceVersion?: string): KObject {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name: ctx.lease, namespace: LEADER_ELECTION_NAMESPACE, ...(resourceVersion ? { resourceVersion } : {}) },
    spec,
  } as KObject;
}

/** The record this candidate writes now, from the one it read (tryAcquireOrRenew's middle part). */
function nextRecord(ctx: LeaderElectionContext, nowIso: string): LeaseSpec {
  const old = ctx.observed?.spec;
  const leader = isLeader(ctx);
  return {
    holderIdentity: ctx.identity,
    leaseDurationSeconds: LEASE_DURATION_MS / 1000,
    acquireTime: leader && old?.acquireTime ? old.acquireTime : nowIso,
    renewTime: nowIso,
    leaseTransitions: leader ? old?.leaseTransitions ?? 0 : (old ? (old.leaseTransitions ?? 0) + 1 : 0),
  };
}

function send(ctx: LeaderElectionContext, step: NonNullable<LeaderElectionContext['pending']>['step'], verb: 'get' | 'create' | 'update', body?: KObject): LeaderElectionContext['pending'] {
  const requestId = ctx.port.request({ ...LEASES, verb, ...(verb === 'create' ? {} : { name: ctx.lease }), ...(body ? { body } : {}) }, `${LEADER_ELECTION_TAG}${step}`);
  return { requestId, step };
}

function sameSpec(a: LeaseSpec | undefined, b: LeaseSpec): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b);
}

/** One answer within a try: the next request, or the try's outcome. */
function onAnswer(ctx: LeaderElectionContext, e: Extract<ApiEvent, { type: 'api.response' }>): Partial<LeaderElectionContext> {
  const step = ctx.pending!.step;
  const now = ctx.port.now();
  const nowIso = microTime(now);
  const body = e.body as KObject & { spec?: LeaseSpec };
  if ((step === 'renew' || step === 'update' || step === 'create') && (e.code === 200 || e.code === 201)) {
    return { pending: undefined, outcome: 'ok', observed: { spec: body.spec ?? {}, at: now, object: body } };
  }
  if (step === 'renew') {
    // "Failed to update lock optimistically ..., falling back to slow path"
    return { pending: send(ctx, 'get', 'get') };
  }
  if (step === 'get') {
    if (e.code === 404) {
      const spec = nextRecord({ ...ctx, observed: undefined }, nowIso);
      return { pending: send(ctx, 'create', 'create', leaseObject(ctx, spec)) };
    }
    if (e.code !== 200) return { pending: undefined, outcome: 'failed' };
    const spec = body.spec ?? {};
    const observed = sameSpec(ctx.observed?.spec, spec) && ctx.observed ? { ...ctx.observed, object: body } : { spec, at: now, object: body };
    const seen = { ...ctx, observed };
    if (spec.holderIdentity && spec.holderIdentity !== ctx.identity && leaseValid(seen, now)) {
      return { observed, pending: undefined, outcome: 'failed' };
    }
    const next = nextRecord(seen, nowIso);
    return { observed, pending: send(seen, 'update', 'update', leaseObject(ctx, next, body.metadata.resourceVersion)) };
  }
  return { pending: undefined, outcome: 'failed' };
}


export const leaderElectionMachine = setup({
  types: {
    context: {} as LeaderElectionContext,
    input: {} as LeaderElectionInput,
    events: {} as LeaderElectionEvent,
  },
  actions: {
    tryAcquireOrRenew: assign(({ context }) => {
      const tries = context.tries + 1;
      if (isLeader(context) && leaseValid(context, context.port.now())) {
        const spec = nextRecord(context, microTime(context.port.now()));
        return { tries, outcome: undefined, pending: send(context, 'renew', 'update', leaseObject(context, spec, context.observed!.object.metadata.resourceVersion)) };
      }
      return { tries, outcome: undefined, pending: send(context, 'get', 'get') };
    }),
    // Only behind the isAnswer guard: the answer to the request in flight.
    answer: assign(({ context, event }) => onAnswer(context, event as Extract<ApiEvent, { type: 'api.response' }>)),
    timedOut: assign({ pending: undefined, outcome: 'failed' as const }),
    becameLeader: enqueueActions(({ context, enqueue }) => {
      context.port.note(`successfully acquired lease ${LEADER_ELECTION_NAMESPACE}/${context.lease} as ${context.identity}`);
      if (context.observed) recordEvent(context.port, { component: context.component }, context.observed.object, 'Normal', 'LeaderElection', `${context.identity} became leader`);
      enqueue(sendParent({ type: 'leader.elected', identity: context.identity }));
    }),
    notAcquired: ({ context }) => {
      const holder = context.observed?.spec.holderIdentity;
      if (context.tries === 1 && holder && holder !== context.identity) {
        context.port.note(`lock ${LEADER_ELECTION_NAMESPACE}/${context.lease} is held by ${holder} and has not yet expired`);
      }
    },
    stoppedLeading: enqueueActions(({ context, enqueue }) => {
      context.port.note(`failed to renew lease ${LEADER_ELECTION_NAMESPACE}/${context.lease}: timed out waiting for the condition; leaderelection lost`);
      enqueue(sendParent({ type: 'leader.lost', identity: context.identity }));
    }),
  },
  guards: {
    succeeded: ({ context }) => context.outcome === 'ok',
    failed: ({ context }) => context.outcome === 'failed',
    isAnswer: ({ context, event }) => event.type === 'api.response' && event.requestId === context.pending?.requestId,
  },
  delays: {
    retry: RETRY_PERIOD_MS,
    /** wait.Jitter(retryPeriod, 1.2): retryPeriod + [0, 1.2 x retryPeriod), off the identity and try count. */
    jittered: ({ context }) => RETRY_PERIOD_MS + (fnv(`${context.identity}#${context.tries}`) % Math.floor(JITTER_FACTOR * RETRY_PERIOD_MS)),
    requestTimeout: RENEW_DEADLINE_MS,
    renewDeadline: RENEW_DEADLINE_MS,
  },
}).createMachine({
  id: 'leader-election',
  context: ({ input }) => ({
    port: input.port, lease: input.lease, component: input.component,
    identity: `${input.hostname}_${uuidFrom(`${input.lease}@${input.hostname}@${input.port.now()}`)}`,
    tries: 0,
  }),
  initial: 'acquiring',
  states: {
    acquiring: {
      initial: 'trying',
      states: {
        trying: {
          entry: 'tryAcquireOrRenew',
          on: { 'api.response': { guard: 'isAnswer', actions: 'answer' } },
          always: [
            { guard: 'succeeded', target: '#leader-election.leading' },
            { guard: 'failed', target: 'waiting', actions: 'notAcquired' },
          ],
          after: { requestTimeout: { target: 'waiting', actions: 'timedOut' } },
        },
        waiting: { after: { jittered: 'trying' } },
      },
    },
    leading: {
      entry: 'becameLeader',
      initial: 'holding',
      states: {
        holding: { after: { retry: 'renewing' } },
        renewing: {
          initial: 'trying',
          after: { renewDeadline: '#leader-election.lost' },
          states: {
            trying: {
              entry: 'tryAcquireOrRenew',
              on: { 'api.response': { guard: 'isAnswer', actions: 'answer' } },
              always: [
                { guard: 'succeeded', target: '#leader-election.leading.holding' },
                { guard: 'failed', target: 'waiting' },
              ],
            },
            waiting: { after: { retry: 'trying' } },
          },
        },
      },
    },
    lost: { type: 'final', entry: 'stoppedLeading' },
  },
});
