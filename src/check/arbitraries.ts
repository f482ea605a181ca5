/**
 * fast-check arbitraries for swarm checking: a small scenario (2-4 nodes, a ReplicaSet or a
 * Deployment of 1-5 replicas, maybe a Service and a bare pod, timed scale / delete /
 * killContainer steps) and a fault plan. Swarm testing (Groce et al., TigerBeetle's VOPR): the
 * mix of fault kinds is drawn first, then up to 8 faults of those kinds only, so some runs hammer
 * one kind and others mix a few. Sieve's three patterns are templates (`mode`).
 *
 * Everything drawn is plain data (a scenario object as it would be written in YAML, a FaultPlan),
 * so a shrunk counterexample can be printed, saved and replayed without fast-check.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import type { KObject } from '../api/objects.ts';
import type { LoadedScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { FAULT_KINDS, type FaultPlanT, type FaultT } from '../sim/fault-plan.ts';

/** A scenario as written in a file (before defaults): what the swarm draws and a replay file holds. */
export type ScenarioInput = z.input<typeof Scenario>;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const MODES = ['stale-state', 'intermediate-state', 'unobserved-state'] as const;
export type Mode = (typeof MODES)[number];

/** What a fault plan may name: the scenario's nodes and the window its faults fall in. */
export interface FaultContext {
  nodes: string[];
  /** Faults start in [1 s, horizonMs]. */
  horizonMs: number;
}

/** One case of a swarm: what one run gets. */
export interface SwarmCase {
  scenario: ScenarioInput;
  plan: FaultPlanT;
  seed: number;
}

/** "12.3s": durations on a 100 ms grid, readable in a replay file. */
export function secs(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** A virtual time in [minMs, maxMs] on a 100 ms grid; shrinks toward minMs (earlier). */
function timeArb(minMs: number, maxMs: number): fc.Arbitrary<string> {
  return fc.integer({ min: Math.ceil(minMs / 100), max: Math.max(Math.ceil(minMs / 100), Math.floor(maxMs / 100)) }).map((t) => secs(t * 100));
}

const APP = 'web';
const SELECTOR = `app=${APP}`;

/** The arbitrary scenario: small enough that a counterexample reads in one screen. */
export function scenarioArb(): fc.Arbitrary<ScenarioInput> {
  const node = fc.record({
    cpu: fc.constantFrom('4', '2', '1'),
    memory: fc.constantFrom('8Gi', '2Gi'),
    pods: fc.constantFrom('110', '4', '2'),
  });
  const step = (kind: string) => fc.oneof(
    fc.record({ at: timeArb(1_000, 120_000), scale: fc.record({ kind: fc.constant(kind), name: fc.constant(APP), replicas: fc.integer({ min: 0, max: 5 }) }) }),
    fc.record({ at: timeArb(1_000, 120_000), delete: fc.record({ kind: fc.constant('Pod'), selector: fc.constant(SELECTOR), gracePeriodSeconds: fc.constantFrom(30, 0, 5) }) }),
    fc.record({ at: timeArb(1_000, 120_000), delete: fc.record({ kind: fc.constant(kind), name: fc.constant(APP) }) }),
    fc.record({ at: timeArb(1_000, 120_000), killContainer: fc.record({ pod: fc.constant('solo'), container: fc.constant('app'), exitCode: fc.constantFrom(137, 1) }) }),
  );
  return fc.record({
    nodes: fc.array(node, { minLength: 2, maxLength: 4 }),
    kind: fc.constantFrom('ReplicaSet', 'Deployment'),
    replicas: fc.integer({ min: 1, max: 5 }),
    cpu: fc.constantFrom('100m', '500m', '1'),
    grace: fc.constantFrom(5, 0, 30),
    service: fc.boolean(),
    solo: fc.boolean(),
  }).chain((w) => fc.array(step(w.kind), { maxLength: 6 }).map((steps) => ({ w, steps }))).map(({ w: drawn, steps: drawnSteps }) => {
    // The desired state must be reachable, or the liveness phase reports what cannot be: as many
    // replicas (and scale targets) as the nodes can hold, the bare pod counted as one more.
    const cap = capacityFor(drawn.nodes, drawn.cpu);
    const solo = drawn.solo && cap > 1;
    const most = solo ? cap - 1 : cap;
    const w = { ...drawn, solo, replicas: Math.min(drawn.replicas, most) };
    const steps = drawnSteps
      .filter((st) => solo || !('killContainer' in st))
      .map((st) => ('scale' in st && st.scale ? { ...st, scale: { ...st.scale, replicas: Math.min(st.scale.replicas, most) } } : st));
    const template = {
      metadata: { labels: { app: APP } },
      spec: {
        terminationGracePeriodSeconds: w.grace,
        containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: w.cpu, memory: '64Mi' } } }],
      },
    };
    const manifests: Record<string, unknown>[] = [{
      apiVersion: 'apps/v1', kind: w.kind, metadata: { name: APP },
      spec: { replicas: w.replicas, selector: { matchLabels: { app: APP } }, template },
    }];
    if (w.service) manifests.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: APP }, spec: { selector: { app: APP }, ports: [{ port: 80, targetPort: 80 }] } });
    if (w.solo) manifests.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', labels: { app: 'solo' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } });
    const scenario: ScenarioInput = {
      name: 'swarm',
      cluster: { nodes: w.nodes.map((n, i) => ({ name: `worker-${i + 1}`, capacity: { cpu: n.cpu, memory: n.memory, pods: n.pods } })) },
      manifests,
      steps: [...steps].sort((a, b) => secsMs(a.at) - secsMs(b.at)),
    };
    return scenario;
  });
}

/** Pods of `cpu` request the nodes can hold together (each: its pods capacity, its cpu). */
function capacityFor(nodes: ReadonlyArray<{ cpu: string; pods: string }>, cpu: string): number {
  const milli = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
  return nodes.reduce((n, node) => n + Math.min(Number(node.pods), Math.floor(milli(node.cpu) / milli(cpu))), 0);
}

function secsMs(s: string): number {
  return Math.round(Number(s.slice(0, -1)) * 1000);
}

/** Components a fault may name in a cluster with these nodes. */
export function componentsOf(nodes: readonly string[]): string[] {
  return ['kube-controller-manager', 'kube-scheduler', ...nodes.map((n) => `kubelet/${n}`), ...nodes.map((n) => `kube-proxy/${n}`)];
}

/** Request tag prefixes per component, for a restart between two writes of one reconcile. */
export function tagPrefixesOf(component: string): string[] {
  if (component === 'kube-controller-manager') return ['replicaset-controller:create', 'replicaset-controller:delete', 'deployment-controller:', 'endpointslice-controller:'];
  if (component === 'kube-scheduler') return ['bind:', 'status:'];
  if (component.startsWith('kubelet/')) return ['status:', 'delete:', 'node:status'];
  return ['informer:'];
}

/** Components whose stale or missed view can cause a wrong decision (kube-proxy only routes). */
function deciders(nodes: readonly string[]): string[] {
  return ['kube-controller-manager', 'kube-scheduler', ...nodes.map((n) => `kubelet/${n}`)];
}

const ratio = (maxN: number) => fc.integer({ min: 1, max: maxN }).chain((n) => fc.integer({ min: 1, max: n }).map((k) => [k, n] as [number, number]));

/** An arbitrary fault of one kind. Windows last 1-90 s; every fault ends, so the cluster can heal. */
export function faultArb(kind: FaultKind, ctx: FaultContext): fc.Arbitrary<FaultT> {
  const at = timeArb(1_000, ctx.horizonMs);
  const dur = timeArb(1_000, 90_000);
  const comp = fc.constantFrom(...componentsOf(ctx.nodes));
  const decider = fc.constantFrom(...deciders(ctx.nodes));
  const apiserver = 'kube-apiserver';
  // Either direction of a component's connection to the API server.
  const link = fc.tuple(comp, fc.boolean()).map(([c, toApi]) => (toApi ? { from: c, to: apiserver } : { from: apiserver, to: c }));
  switch (kind) {
    case 'crashNode':
      // A node may come back with its disk (a kubelet or machine restart: the runtime adopts its
      // containers) or without it (a reboot that cleared the runtime: its pods start over).
      return fc.record({ kind: fc.constant('crashNode' as const), node: fc.constantFrom(...ctx.nodes), at, for: dur, disk: fc.constantFrom('kept' as const, 'lost' as const) });
    case 'partition':
      return fc.record({ kind: fc.constant('partition' as const), component: comp, at, for: dur });
    case 'delay':
      return fc.record({ link, at, for: dur, lo: fc.integer({ min: 0, max: 2_000 }), extra: fc.integer({ min: 0, max: 5_000 }), ratio: ratio(4) })
        .map((d) => ({ kind: 'delay' as const, ...d.link, at: d.at, for: d.for, extraMs: { min: d.lo, max: d.lo + d.extra }, ratio: d.ratio }));
    case 'drop':
      return fc.record({ link, at, for: dur, ratio: ratio(10) }).map((d) => ({ kind: 'drop' as const, ...d.link, at: d.at, for: d.for, ratio: d.ratio }));
    case 'duplicate':
      return fc.record({ link, at, for: dur, ratio: ratio(10) }).map((d) => ({ kind: 'duplicate' as const, ...d.link, at: d.at, for: d.for, ratio: d.ratio }));
    case 'cutWatch':
      return fc.record({ kind: fc.constant('cutWatch' as const), component: comp, at }, { requiredKeys: ['kind', 'component', 'at'] });
    case 'staleReads':
      return fc.record({ kind: fc.constant('staleReads' as const), component: decider, at, for: dur, lagRevisions: fc.integer({ min: 1, max: 20 }) });
    case 'restart':
      return fc.oneof(
        fc.record({ kind: fc.constant('restart' as const), component: decider, at }),
        decider.chain((c) => fc.record({
          kind: fc.constant('restart' as const), component: fc.constant(c),
          afterRequests: fc.record({ tagPrefix: fc.constantFrom(...tagPrefixesOf(c)), count: fc.integer({ min: 1, max: 5 }) }),
        })),
      );
    case 'compact':
      return fc.record({ kind: fc.constant('compact' as const), at });
    case 'etcdUnavailable':
      return fc.record({ kind: fc.constant('etcdUnavailable' as const), at, for: timeArb(1_000, 30_000) });
  }
}

/**
 * Sieve's patterns as templates on one deciding component C:
 * - stale-state: C's reads lag, and C restarts meanwhile, rebuilding its cache from the old view;
 * - intermediate-state: C crashes right after the k-th request of a kind, between two writes;
 * - unobserved-state: C is cut off (watches cut, partitioned) while a short-lived state comes and goes.
 */
export function modeArb(mode: Mode, ctx: FaultContext): fc.Arbitrary<FaultT[]> {
  const decider = fc.constantFrom(...deciders(ctx.nodes));
  const one: fc.Arbitrary<FaultT[]> = (() => {
    switch (mode) {
      case 'stale-state':
        // Up to 100 revisions behind: the Lease renewals of the leaders (every 2 s) and nodes (every
        // 10 s) alone write about 1.4 revisions a second, and a restarted controller manager waits
        // at least 15 s for its old Lease before it lists, so a smaller lag is gone by then.
        return fc.record({ c: decider, at: fc.integer({ min: 10, max: Math.floor(ctx.horizonMs / 100) }), len: fc.integer({ min: 10, max: 600 }), restartAfter: fc.integer({ min: 0, max: 100 }), lag: fc.integer({ min: 1, max: 100 }) })
          .map((t): FaultT[] => [
            { kind: 'staleReads', component: t.c, at: secs(t.at * 100), for: secs(t.len * 100), lagRevisions: t.lag },
            { kind: 'restart', component: t.c, at: secs((t.at + Math.min(t.restartAfter, t.len - 1)) * 100) },
          ]);
      case 'intermediate-state':
        return decider.chain((c) => fc.record({ tagPrefix: fc.constantFrom(...tagPrefixesOf(c)), count: fc.integer({ min: 1, max: 5 }) })
          .map((a): FaultT[] => [{ kind: 'restart', component: c, afterRequests: a }]));
      case 'unobserved-state':
        return fc.record({ c: decider, at: fc.integer({ min: 10, max: Math.floor(ctx.horizonMs / 100) }), len: fc.integer({ min: 10, max: 900 }) })
          .map((t): FaultT[] => [
            { kind: 'cutWatch', component: t.c, at: secs(t.at * 100) },
            { kind: 'partition', component: t.c, at: secs(t.at * 100), for: secs(t.len * 100) },
          ]);
    }
  })();
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((xs) => xs.flat());
}

/** Swarm: the fault-kind mix first, then up to 8 faults of those kinds (or a Sieve mode's template). */
export function planArb(ctx: FaultContext, opts: { mode?: Mode | undefined; kinds?: readonly FaultKind[] | undefined; maxFaults?: number } = {}): fc.Arbitrary<FaultPlanT> {
  if (opts.mode) {
    const mode = opts.mode;
    return modeArb(mode, ctx).map((faults) => ({ mode, faults }));
  }
  const kinds = opts.kinds ?? FAULT_KINDS;
  return fc.subarray([...kinds], { minLength: 1 })
    .chain((mix) => fc.array(fc.oneof(...mix.map((k) => faultArb(k, ctx))), { maxLength: opts.maxFaults ?? 8 }))
    .map((faults) => ({ faults }));
}

/** A cluster seed: shrinks toward 0. */
export const seedArb = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0x7fff_ffff });

function nodesOf(s: ScenarioInput): string[] {
  return s.cluster.nodes.map((n) => n.name);
}

/** When the faults of a swarm fall: over the scenario's steps and a little after, at least 120 s. */
export function horizonOf(s: ScenarioInput | LoadedScenario['spec']): number {
  const ms = (d: unknown) => (typeof d === 'number' ? d * 1000 : typeof d === 'string' ? parseDur(d) : 0);
  return Math.max(120_000, ...(s.steps ?? []).map((st) => ms(st.at) + 30_000));
}

function parseDur(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  return m ? Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']) : 0;
}

export interface CaseOptions {
  /** 'swarm': drawn plans; a plan: that plan in every run; undefined: no faults. */
  faults?: 'swarm' | FaultPlanT | undefined;
  mode?: Mode | undefined;
  /** Swarm: draw the mix from these kinds only (default: all ten). */
  kinds?: readonly FaultKind[] | undefined;
}

/**
 * A container with some of its items left out: each is kept in nine draws out of ten, and
 * shrinking leaves items out, so a counterexample keeps only what it needs. With every item kept
 * the very object given comes back (the runner caches by identity).
 */
function subsetOf<T, I>(whole: T, items: (t: T) => readonly I[], rebuild: (t: T, items: I[]) => T): fc.Arbitrary<T> {
  const all = items(whole);
  if (all.length === 0) return fc.constant(whole);
  // 0 (the shrink target) leaves the item out.
  return fc.tuple(...all.map(() => fc.integer({ min: 0, max: 9 }).map((n) => n !== 0)))
    .map((k) => (k.every(Boolean) ? whole : rebuild(whole, all.filter((_, i) => k[i]))));
}

/**
 * Cases over a fixed scenario: the seed and (in swarm) the plan vary; with a fixed plan or none,
 * steps and faults are left out now and then (and by shrinking).
 */
export function casesForScenario(scenario: ScenarioInput, opts: CaseOptions): fc.Arbitrary<SwarmCase> {
  const ctx = { nodes: nodesOf(scenario), horizonMs: horizonOf(scenario) };
  const plan: fc.Arbitrary<FaultPlanT> = opts.faults === 'swarm' || (opts.mode && opts.faults === undefined) ? planArb(ctx, { mode: opts.mode, kinds: opts.kinds })
    : subsetOf(opts.faults ?? { faults: [] }, (p) => p.faults, (p, faults) => ({ ...p, faults }));
  const scenarioArb = subsetOf(scenario, (s) => s.steps ?? [], (s, steps) => ({ ...s, steps }));
  return fc.record({ scenario: scenarioArb, plan, seed: seedArb() });
}

/** Cases over drawn scenarios: the scenario, the seed and (in swarm) the plan vary. */
export function drawnCases(opts: CaseOptions): fc.Arbitrary<SwarmCase> {
  return scenarioArb().chain((scenario) => casesForScenario(scenario, opts));
}

/**
 * A loaded scenario back as one self-contained object: manifests inline (files read), defaults
 * filled in. This is what a replay file stores.
 */
export function inlineScenario(loaded: LoadedScenario): ScenarioInput {
  const spec = loaded.spec;
  const plain = (o: KObject) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  return JSON.parse(JSON.stringify({
    ...spec,
    manifests: loaded.manifests.map(plain),
    steps: spec.steps.map((s, i) => (s.apply !== undefined ? { ...s, apply: (loaded.stepManifests.get(i) ?? []).map(plain) } : s)),
  })) as ScenarioInput;
}
