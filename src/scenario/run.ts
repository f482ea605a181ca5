/**
 * Runs a loaded scenario in virtual time: applies its manifests, fires its timed steps, and
 * decides each expectation as the cluster changes (met at the first moment it holds, failed when
 * its time bound passes first).
 */
import type { Pod, Service, EndpointSlice, KObject, Node } from '../api/objects.ts';
import { parseLabelSelector, matchesLabels } from '../api/selectors.ts';
import { Cluster, type BehaviourRule, type ClusterOptions } from '../sim/cluster.ts';
import type { TraceEvent } from '../sim/trace.ts';
import { durationMs, memoryMiB, nodeReadyStatus, type ContainerExpectationT, type ExpectationT } from './schema.ts';
import { stateOfStatus } from '../../machines/container/machine.ts';
import { kubectlStatus } from '../../machines/pod/phase.ts';
import type { LoadedScenario } from './load.ts';

export interface ExpectationResult {
  index: number;
  text: string;
  status: 'pending' | 'met' | 'failed';
  at?: number;
  deadline: number;
  detail?: string;
}

export interface RunOptions {
  seed?: number;
  untilMs?: number;
  record?: boolean;
  traceMessages?: boolean;
  /** Called with every trace event as it happens (the story printer, --json). */
  onTrace?: (e: TraceEvent) => void;
  /** More cluster options (the checker's bug switches, for example), merged over the scenario's. */
  clusterOptions?: Partial<ClusterOptions>;
}

export interface RunResult {
  cluster: Cluster;
  seed: number;
  expectations: ExpectationResult[];
  endedAt: number;
}

export function describeExpectation(e: ExpectationT): string {
  if (e.node !== undefined) return describeNodeExpectation(e);
  const parts: string[] = [];
  if (e.pod) parts.push(`pod ${e.namespace}/${e.pod}`);
  if (e.phase) parts.push(`reaches ${e.phase}`);
  if (e.ready !== undefined) parts.push(e.ready ? 'is Ready' : 'is not Ready');
  if (e.restarts !== undefined) parts.push(`has restarted at least ${e.restarts} time(s)`);
  if (e.scheduled !== undefined) parts.push(e.scheduled ? 'is scheduled' : 'stays unscheduled');
  if (e.onNode) parts.push(`on ${e.onNode}`);
  if (e.event) parts.push(`has ${e.event.count > 1 ? `${e.event.count}+ events` : 'event'} ${e.event.reason}${e.event.messageContains ? ` containing "${e.event.messageContains}"` : ''}`);
  if (e.podsRunning) parts.push(`${e.podsRunning.count} pod(s) with ${e.podsRunning.selector} Running`);
  if (e.service) parts.push(`service ${e.namespace}/${e.service} routes to ${e.endpoints ?? 0} ready endpoint(s)`);
  if (e.container) parts.push(describeContainer(e.container));
  if (e.kubectlStatus !== undefined) parts.push(`shows STATUS ${e.kubectlStatus}`);
  if (e.log) parts.push(`container ${e.log.container} logged "${e.log.contains}"${e.log.previous ? ' in its previous run' : ''}`);
  if (e.gone) parts.push('is gone from the API');
  const after = e.after !== undefined ? ` after ${typeof e.after === 'number' ? e.after + 's' : e.after}` : '';
  return `${parts.join(' ')}${after} within ${typeof e.within === 'number' ? e.within + 's' : e.within}`;
}

function describeNodeExpectation(e: ExpectationT): string {
  const parts = [`node ${e.node}`];
  if (e.ready !== undefined) parts.push(`is Ready=${nodeReadyStatus(e.ready)}`);
  if (e.taint) parts.push(`${e.taint.present ? 'has' : 'has no'} taint ${e.taint.key}:${e.taint.effect}`);
  const after = e.after !== undefined ? ` after ${typeof e.after === 'number' ? e.after + 's' : e.after}` : '';
  return `${parts.join(' ')}${after} within ${typeof e.within === 'number' ? e.within + 's' : e.within}`;
}

/** A node expectation: the Node's Ready condition status, and whether it carries a taint (by key and effect). */
function nodeHolds(e: ExpectationT, cluster: Cluster): boolean {
  const node = cluster.sim.get('nodes', undefined, e.node!) as Node | undefined;
  if (!node) return false;
  if (e.ready !== undefined && node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== nodeReadyStatus(e.ready)) return false;
  if (e.taint) {
    const has = (node.spec?.taints ?? []).some((t) => t.key === e.taint!.key && t.effect === e.taint!.effect);
    if (has !== e.taint.present) return false;
  }
  return true;
}

function describeContainer(c: ContainerExpectationT): string {
  const bits = [`container ${c.name}`];
  if (c.state !== undefined) bits.push(`is ${c.state}`);
  if (c.exitCode !== undefined) bits.push(`last exited ${c.exitCode}`);
  if (c.restartCount !== undefined) bits.push(`restartCount ${c.restartCount}`);
  if (c.messageContains !== undefined) bits.push(`message containing "${c.messageContains}"`);
  return bits.join(', ');
}

/** Whether a container machine state (or the name a status would give it) is what `want` names: the state, a parent, or its leaf. */
function stateMatches(name: string, want: string): boolean {
  return name === want || name.startsWith(`${want}.`) || name.split('.').at(-1) === want;
}

/**
 * Does the pod's status for container `c.name` (an init container or a container) show what the
 * expectation says? `state` through the container machine's reading of a status (stateOfStatus);
 * `exitCode` of the latest termination (the current one, else lastState); `restartCount` exactly.
 */
export function containerHolds(p: Pod, c: ContainerExpectationT): boolean {
  const s = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].find((x) => x.name === c.name);
  if (!s) return false;
  if (c.state !== undefined) {
    const st = s.state;
    const name = stateOfStatus(s) ?? (st.waiting ? `Waiting.${st.waiting.reason ?? ''}` : st.terminated ? `Terminated.${st.terminated.reason ?? ''}` : '');
    if (!stateMatches(name, c.state)) return false;
  }
  if (c.exitCode !== undefined && (s.state.terminated ?? s.lastState?.terminated)?.exitCode !== c.exitCode) return false;
  if (c.restartCount !== undefined && s.restartCount !== c.restartCount) return false;
  if (c.messageContains !== undefined && !(s.state.waiting?.message ?? s.state.terminated?.message ?? '').includes(c.messageContains)) return false;
  return true;
}

/** What `holds` remembers across a run: the pods seen so far (a pod is only "gone" once it was there). */
export interface HoldsMemory { seen: Set<string> }

function podReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function holds(e: ExpectationT, cluster: Cluster, events: Array<{ reason: string; object: string; message: string }>, memory?: HoldsMemory): boolean {
  if (e.node !== undefined) return nodeHolds(e, cluster);
  if (e.pod) {
    const p = cluster.pod(e.namespace, e.pod);
    if (e.event) {
      const obj = `Pod/${e.namespace}/${e.pod}`;
      if (events.filter((x) => x.object === obj && x.reason === e.event!.reason && (!e.event!.messageContains || x.message.includes(e.event!.messageContains))).length < e.event.count) return false;
    }
    if (e.log && !(cluster.sim.logProvider?.(e.namespace, e.pod, e.log.container, e.log.previous) ?? []).some((l) => l.line.includes(e.log!.contains))) return false;
    if (e.gone) {
      const key = `${e.namespace}/${e.pod}`;
      if (p) memory?.seen.add(key);
      return !p && (memory?.seen.has(key) ?? false);
    }
    if (!p) return e.phase === undefined && e.ready === undefined && e.restarts === undefined && e.scheduled === undefined && e.onNode === undefined
      && e.container === undefined && e.kubectlStatus === undefined && (e.event !== undefined || e.log !== undefined);
    if (e.phase && p.status?.phase !== e.phase) return false;
    if (e.ready !== undefined && podReady(p) !== e.ready) return false;
    if (e.restarts !== undefined && (p.status?.containerStatuses ?? []).reduce((a, c) => a + c.restartCount, 0) < e.restarts) return false;
    if (e.scheduled !== undefined && Boolean(p.spec.nodeName) !== e.scheduled) return false;
    if (e.onNode && p.spec.nodeName !== e.onNode) return false;
    if (e.container && !containerHolds(p, e.container)) return false;
    if (e.kubectlStatus !== undefined && kubectlStatus(p) !== e.kubectlStatus) return false;
    return true;
  }
  if (e.event) return events.filter((x) => x.reason === e.event!.reason && (!e.event!.messageContains || x.message.includes(e.event!.messageContains))).length >= e.event.count;
  if (e.podsRunning) {
    const sel = parseLabelSelector(e.podsRunning.selector);
    if (!sel.ok) return false;
    const n = cluster.pods(e.namespace).filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && matchesLabels(sel.selector, p.metadata.labels ?? {})).length;
    return n === e.podsRunning.count;
  }
  if (e.service) {
    const svc = cluster.sim.get('services', e.namespace, e.service) as Service | undefined;
    if (!svc) return false;
    const slices = cluster.sim.list('endpointslices', 'discovery.k8s.io', e.namespace) as EndpointSlice[];
    const ready = slices.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === e.service)
      .flatMap((s) => s.endpoints ?? []).filter((ep) => ep.conditions.ready !== false).length;
    if (ready !== (e.endpoints ?? 0)) return false;
    // kube-proxy on every node must agree: a connection to the Service reaches as many backends.
    const port = svc.spec.ports?.[0]?.port;
    if (port === undefined || !svc.spec.clusterIP) return (e.endpoints ?? 0) === 0;
    for (const name of cluster.sim.componentNames().filter((c) => c.startsWith('kube-proxy/'))) {
      const ref = cluster.sim.component(name)!;
      const rules = (ref.getSnapshot() as { context: { rules: Map<string, { backends: unknown[] }> } }).context.rules;
      const n = rules.get(`${svc.spec.clusterIP}:${port}/TCP`)?.backends.length ?? 0;
      if (n !== (e.endpoints ?? 0)) return false;
    }
    return true;
  }
  return true;
}

/** Scenario behaviours as kubelet rules: durations in milliseconds, probe failures as overrides, memory in MiB. */
export function toBehaviours(loaded: LoadedScenario): BehaviourRule[] {
  return loaded.spec.behaviours.map((b) => {
    const probes: NonNullable<BehaviourRule['probes']> = {};
    if (b.failReadinessAt !== undefined) probes.readiness = [{ fromMs: durationMs(b.failReadinessAt), ok: false }];
    if (b.failLivenessAt !== undefined) probes.liveness = [{ fromMs: durationMs(b.failLivenessAt), ok: false }];
    if (b.failStartupAt !== undefined) probes.startup = [{ fromMs: durationMs(b.failStartupAt), ok: false }];
    const memory = b.memory === undefined ? undefined
      : Array.isArray(b.memory) ? b.memory.map((m) => ({ atMs: durationMs(m.at), mib: memoryMiB(m.use) })).sort((x, y) => x.atMs - y.atMs)
        : [{ atMs: 0, mib: memoryMiB(b.memory) }];
    return {
      ...(b.namespace !== undefined ? { namespace: b.namespace } : {}), ...(b.pod !== undefined ? { pod: b.pod } : {}),
      ...(b.labels !== undefined ? { labels: b.labels } : {}), ...(b.container !== undefined ? { container: b.container } : {}),
      ...(b.image !== undefined ? { image: b.image } : {}),
      ...(b.exitCode !== undefined ? { exitCode: b.exitCode } : {}), ...(b.exitAfter !== undefined ? { exitAfterMs: durationMs(b.exitAfter) } : {}),
      ...(b.readyAfter !== undefined ? { readyAfterMs: durationMs(b.readyAfter) } : {}), ...(b.logs !== undefined ? { logs: b.logs } : {}),
      ...(Object.keys(probes).length ? { probes } : {}), ...(memory ? { memoryMiB: memory } : {}),
      ...(b.ignoresSigterm !== undefined ? { ignoresSigterm: b.ignoresSigterm } : {}),
      ...(b.termExitCode !== undefined ? { termExitCode: b.termExitCode } : {}),
      ...(b.termExitAfter !== undefined ? { termExitAfterMs: durationMs(b.termExitAfter) } : {}),
    };
  });
}

/** Builds the cluster for a scenario without running it. */
export function clusterFor(loaded: LoadedScenario, opts: RunOptions = {}): Cluster {
  const spec = loaded.spec;
  const seed = opts.seed ?? spec.seed;
  return new Cluster({
    seed,
    nodes: spec.cluster.nodes,
    users: spec.users.map((u) => ({ token: u.token, username: u.name, groups: u.groups })),
    images: spec.images,
    behaviours: toBehaviours(loaded),
    ...(spec.cluster.latency ? { latencyMs: { min: durationMs(spec.cluster.latency.min), max: durationMs(spec.cluster.latency.max) } } : {}),
    ...(opts.record !== undefined ? { record: opts.record } : {}),
    ...(opts.traceMessages !== undefined ? { traceMessages: opts.traceMessages } : {}),
    ...opts.clusterOptions,
  });
}

/**
 * Schedules a scenario's timed steps on the cluster's virtual clock (used by runScenario and by
 * `kubelife up`). `onStep` runs before each step.
 */
export function scheduleSteps(loaded: LoadedScenario, cluster: Cluster, applyObjs: (objs: KObject[]) => void, onStep?: (index: number) => void): void {
  const sim = cluster.sim;
  loaded.spec.steps.forEach((s, i) => {
    sim.clock.at(durationMs(s.at), () => {
      onStep?.(i);
      const t = sim.now();
      if (s.apply !== undefined) {
        const objs = loaded.stepManifests.get(i) ?? [];
        sim.emit({ t, kind: 'step', index: i, action: 'apply', detail: objs.map((o) => `${o.kind}/${o.metadata.name ?? o.metadata.generateName}`).join(', ') });
        applyObjs(objs);
      } else if (s.delete) {
        const name = s.delete.name ?? cluster.firstMatching(s.delete.kind, s.delete.namespace, s.delete.selector!);
        sim.emit({ t, kind: 'step', index: i, action: 'delete', detail: `${s.delete.kind}/${s.delete.namespace}/${name ?? `(none matches ${s.delete.selector})`}` });
        if (name) cluster.delete(s.delete.kind, s.delete.namespace, name, s.delete.gracePeriodSeconds);
      } else if (s.scale) {
        sim.emit({ t, kind: 'step', index: i, action: 'scale', detail: `${s.scale.kind}/${s.scale.namespace}/${s.scale.name} to ${s.scale.replicas}` });
        cluster.scale(s.scale.kind, s.scale.namespace, s.scale.name, s.scale.replicas);
      } else if (s.killContainer) {
        const k = s.killContainer;
        sim.emit({ t, kind: 'step', index: i, action: 'killContainer', detail: `${k.namespace}/${k.pod} container ${k.container} (exit ${k.exitCode})` });
        cluster.killContainer(k.namespace, k.pod, k.container, k.exitCode);
      } else if (s.stopNode) {
        sim.emit({ t, kind: 'step', index: i, action: 'stopNode', detail: s.stopNode });
        cluster.stopNode(s.stopNode);
      } else if (s.startNode) {
        sim.emit({ t, kind: 'step', index: i, action: 'startNode', detail: s.startNode });
        if (cluster.nodeRunning(s.startNode)) sim.note('client', `startNode ${s.startNode}: the node is running`);
        else cluster.startNode(s.startNode);
      }
    });
  });
}

export function runScenario(loaded: LoadedScenario, opts: RunOptions = {}): RunResult {
  const spec = loaded.spec;
  const seed = opts.seed ?? spec.seed;
  const cluster = clusterFor(loaded, opts);
  const sim = cluster.sim;
  const events: Array<{ reason: string; object: string; message: string }> = [];
  const results: ExpectationResult[] = spec.expect.map((e, index) => ({ index, text: describeExpectation(e), status: 'pending', deadline: durationMs(e.within) }));
  const memory: HoldsMemory = { seen: new Set() };
  const decide = () => {
    // A pod counts as seen even before an expectation's `after` (gone means: was there, is no more).
    for (const r of results) {
      const ex = spec.expect[r.index]!;
      if (r.status === 'pending' && ex.gone && ex.pod && cluster.pod(ex.namespace, ex.pod)) memory.seen.add(`${ex.namespace}/${ex.pod}`);
    }
    for (const r of results) {
      if (r.status !== 'pending') continue;
      if (sim.now() > r.deadline) {
        r.status = 'failed';
        r.detail = 'did not hold by its deadline';
        continue;
      }
      const ex = spec.expect[r.index]!;
      if (ex.after !== undefined && sim.now() < durationMs(ex.after)) continue;
      if (holds(ex, cluster, events, memory)) {
        r.status = 'met';
        r.at = sim.now();
      }
    }
  };
  const sub = sim.trace$.subscribe((e) => {
    if (e.kind === 'k8s-event') events.push({ reason: e.reason, object: e.object, message: e.message });
    opts.onTrace?.(e);
  });
  const applyObjs = (objs: KObject[]) => cluster.apply(objs, (obj, r) => {
    if (r.code >= 300) sim.note('client', `apply ${obj.kind}/${obj.metadata.name ?? obj.metadata.generateName} failed: ${(r.body as { message?: string }).message ?? r.code}`);
  });
  applyObjs(loaded.manifests);
  let stepsLeft = spec.steps.length;
  scheduleSteps(loaded, cluster, applyObjs, () => stepsLeft--);
  // A checkpoint at each `after`: an expectation is looked at the moment it becomes due, even when nothing else happens then.
  for (const ex of spec.expect) if (ex.after !== undefined) sim.clock.at(durationMs(ex.after), () => {});
  const maxDeadline = Math.max(0, ...results.map((r) => r.deadline), ...spec.steps.map((s) => durationMs(s.at)));
  const until = opts.untilMs ?? (spec.until !== undefined ? durationMs(spec.until) : undefined);
  // Step by step so expectations are decided at the exact virtual time they first hold.
  const limit = until ?? maxDeadline;
  decide();
  for (;;) {
    const next = sim.clock.peekTime();
    if (next === undefined || next > limit) break;
    sim.step();
    decide();
    if (until === undefined && stepsLeft === 0 && results.every((r) => r.status !== 'pending')) break;
  }
  if (until === undefined) {
    // Let the story finish: run on until only heartbeats remain (bounded).
    sim.runUntilQuiet(5_000, 120_000);
    decide();
  } else if (sim.now() < until) sim.runUntilTime(until);
  for (const r of results) {
    if (r.status === 'met' && r.at !== undefined && r.at > r.deadline) r.status = 'failed';
    if (r.status === 'pending') {
      r.status = 'failed';
      r.detail = 'did not hold by its deadline';
    }
  }
  sub.unsubscribe();
  return { cluster, seed, expectations: results, endedAt: sim.now() };
}
