/**
 * The kubelet's prober, as pure functions: one worker per container and probe kind
 * (pkg/kubelet/prober/worker.go), and what one probe answers at a moment of the process's life
 * (pkg/probe/{http,tcp,exec,grpc} evaluated against the process facts).
 *
 * Worker rules (Kubernetes 1.32):
 * - The cached result starts at readiness Failure, liveness Success, startup Unknown, and goes
 *   back to that initial value whenever the worker sees a new container (a restart).
 * - The worker ticks every periodSeconds from its creation (prober_manager AddPod, which SyncPod
 *   calls once the pod's volumes are mounted), not from the container's start.
 * - No probe while the container is not running, or while `whole seconds since startedAt <
 *   initialDelaySeconds`. Liveness and readiness wait until the container has `started` (its
 *   startup probe succeeded); the startup probe stops once it has.
 * - A result changes only after failureThreshold (successThreshold) identical results in a row.
 *   The run counter carries over a restart (upstream keeps lastResult and resultRun).
 * - A liveness or startup Failure puts the worker on hold (and resets its run) until a new
 *   container appears: the kubelet kills the container and starts another.
 * - When the pod is being deleted, liveness and startup are set to Success and stop; readiness
 *   keeps probing until the container is gone.
 * - A probe that errors (a named port the container does not declare, no handler) is thrown away.
 *
 * Deliberate simplifications: the random initial sleep a worker takes when the kubelet itself
 * started less than a period ago is not modelled (it would need randomness); timeoutSeconds never
 * fires because the process facts answer at once; HTTP redirects are not followed (3xx succeeds).
 */
import type { Container, Probe } from '../../src/api/objects.ts';
import { httpAnswer, probeOverrideAt, tcpOpen, type ProcessFacts } from '../kubelet/process.ts';
import { evalCommand } from '../kubelet/shell.ts';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';
/** Every kind, in the order a container's workers are armed. */
export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];
export type ProbeResult = 'Success' | 'Failure' | 'Unknown';

/** A probe's timing with the API defaults applied (SetDefaults_Probe). */
export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Probe-level grace for liveness and startup kills, when set. */
  terminationGracePeriodSeconds?: number;
}

export const PROBE_DEFAULTS: Readonly<ProbeTiming> = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 };

/** worker.initialValue. */
export const INITIAL_RESULT: Readonly<Record<ProbeKind, ProbeResult>> = { readiness: 'Failure', liveness: 'Success', startup: 'Unknown' };

/** "Readiness", "Liveness", "Startup": probeType.String(), as events print it. */
export const PROBE_TITLE: Readonly<Record<ProbeKind, string>> = { readiness: 'Readiness', liveness: 'Liveness', startup: 'Startup' };

/** The container's probe of this kind, if it declares one. */
export function probeOf(c: Container | undefined, kind: ProbeKind): Probe | undefined {
  if (!c) return undefined;
  return kind === 'readiness' ? c.readinessProbe : kind === 'liveness' ? c.livenessProbe : c.startupProbe;
}

/** The probe's timing; the API server fills the defaults, this fills them again for bare specs. */
export function probeTiming(p: Probe): ProbeTiming {
  const pos = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : d);
  const t: ProbeTiming = {
    initialDelaySeconds: pos(p.initialDelaySeconds, PROBE_DEFAULTS.initialDelaySeconds),
    periodSeconds: Math.max(1, pos(p.periodSeconds, PROBE_DEFAULTS.periodSeconds)),
    timeoutSeconds: Math.max(1, pos(p.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds)),
    successThreshold: Math.max(1, pos(p.successThreshold, PROBE_DEFAULTS.successThreshold)),
    failureThreshold: Math.max(1, pos(p.failureThreshold, PROBE_DEFAULTS.failureThreshold)),
  };
  if (p.terminationGracePeriodSeconds !== undefined) t.terminationGracePeriodSeconds = p.terminationGracePeriodSeconds;
  return t;
}

/** One prober worker's memory. */
export interface ProbeWorker {
  /** The cached result the prober manager reports (results.Manager). */
  result: ProbeResult;
  /** The container attempt the worker last saw (its container ID); 0 before any. */
  attempt: number;
  /** The last raw probe result and how many times in a row it came. */
  lastResult?: 'Success' | 'Failure';
  resultRun: number;
  /** After a liveness/startup failure: skip probing until a new container appears. */
  onHold: boolean;
  /** The worker has ended (liveness and startup once the pod is being deleted). */
  stopped: boolean;
  /**
   * The virtual time of the worker's last tick (doProbe), whatever it decided. A container that
   * starts at that same instant is first probed at the next tick: one doProbe per tick.
   */
  lastTickMs?: number;
}

export function newWorker(kind: ProbeKind): ProbeWorker {
  return { result: INITIAL_RESULT[kind], attempt: 0, resultRun: 0, onHold: false, stopped: false };
}

/** The worker notices the container's current attempt: a new container resets result and hold. */
export function seeContainer(w: ProbeWorker, kind: ProbeKind, attempt: number): ProbeWorker {
  if (w.attempt === attempt) return w;
  return { ...w, attempt, result: INITIAL_RESULT[kind], onHold: false };
}

/** What the worker knows about its container at a tick. */
export interface ContainerView {
  running: boolean;
  /** status.started: the startup probe has passed (or there is none). */
  started: boolean;
  /** Milliseconds since the container's startedAt. */
  sinceStartMs: number;
  /** The pod has a deletion timestamp. */
  deleting: boolean;
}

/** probe: run it now; skip: nothing this tick; stop: the worker ends (result Success). */
export type ProbeGate = 'probe' | 'skip' | 'stop';

/** doProbe's checks before it probes, in upstream order. */
export function gate(w: ProbeWorker, kind: ProbeKind, t: ProbeTiming, c: ContainerView): ProbeGate {
  if (w.stopped) return 'stop';
  if (w.onHold || !c.running) return 'skip';
  if (c.deleting && kind !== 'readiness') return 'stop';
  // int32(time.Since(startedAt).Seconds()) < InitialDelaySeconds
  if (Math.floor(c.sinceStartMs / 1000) < t.initialDelaySeconds) return 'skip';
  if (c.started ? kind === 'startup' : kind !== 'startup') return 'skip';
  return 'probe';
}

/** The worker ends: liveness and startup report Success for a quiet shutdown. */
export function stopWorker(w: ProbeWorker): ProbeWorker {
  return { ...w, result: 'Success', stopped: true };
}

/** One probe's result counted against the thresholds; `changed` when the cached result moved. */
export function countResult(w: ProbeWorker, kind: ProbeKind, t: ProbeTiming, result: 'Success' | 'Failure'): { worker: ProbeWorker; changed: boolean } {
  const resultRun = w.lastResult === result ? w.resultRun + 1 : 1;
  const next: ProbeWorker = { ...w, lastResult: result, resultRun };
  if ((result === 'Failure' && resultRun < t.failureThreshold) || (result === 'Success' && resultRun < t.successThreshold)) return { worker: next, changed: false };
  const changed = w.result !== result;
  next.result = result;
  if (kind !== 'readiness' && result === 'Failure') {
    next.onHold = true;
    next.resultRun = 0;
  }
  return { worker: next, changed };
}

/**
 * The first tick at or after `nowMs` (after it when `strictly`) of a worker created at
 * `anchorMs` ticking every `periodMs`: the first probe runs at creation, then one per period.
 */
export function nextTickMs(anchorMs: number, periodMs: number, nowMs: number, strictly = false): number {
  const at = nowMs <= anchorMs ? anchorMs : anchorMs + Math.ceil((nowMs - anchorMs) / periodMs) * periodMs;
  return strictly && at === nowMs ? at + periodMs : at;
}

/** What a single probe returned: Error results are thrown away (and reported as "errored"). */
export interface ProbeOutcome { result: 'Success' | 'Failure' | 'Error'; output: string }

/** Where the probe is sent and what answers it. */
export interface ProbeTarget {
  container: Container;
  podIP: string;
  facts: ProcessFacts;
  /** The scenario's readiness delay (behaviour readyAfterMs): the readiness probe fails before it and passes from it. */
  readyAfterMs?: number;
}

/** A port as the probe gives it, resolved through the container's named ports (ResolveContainerPort). */
export function resolvePort(port: number | string | undefined, c: Container): { port: number } | { error: string } {
  if (typeof port === 'number') return port > 0 && port < 65536 ? { port } : { error: `invalid port number: ${port}` };
  const name = port ?? '';
  const named = (c.ports ?? []).find((p) => p.name === name);
  if (named) return { port: named.containerPort };
  // The last ditch effort upstream makes: maybe it was an int stored as a string.
  if (!/^[+-]?\d+$/.test(name)) return { error: `strconv.Atoi: parsing ${JSON.stringify(name)}: invalid syntax` };
  const n = Number(name);
  return n > 0 && n < 65536 ? { port: n } : { error: `invalid port number: ${n}` };
}

const refused = (host: string, port: number) => `dial tcp ${host}:${port}: connect: connection refused`;

/** The probe's forced result: a scenario override, or the readiness delay. */
export function forcedResult(kind: ProbeKind, target: ProbeTarget, tMs: number): boolean | undefined {
  const forced = probeOverrideAt(target.facts.probes?.[kind], tMs);
  if (forced !== undefined) return forced;
  if (kind === 'readiness' && target.readyAfterMs !== undefined) return tMs >= target.readyAfterMs;
  return undefined;
}

/**
 * Runs one probe at process time `tMs` (ms since the container started), with the messages the
 * upstream probers give: `HTTP probe failed with statuscode: 500`, Go's dial error for a refused
 * connection, an exec command's combined output.
 */
export function runProbe(probe: Probe, kind: ProbeKind, target: ProbeTarget, tMs: number): ProbeOutcome {
  const { container: c, facts } = target;
  const forced = forcedResult(kind, target, tMs);
  if (probe.exec) {
    if (forced !== undefined) return { result: forced ? 'Success' : 'Failure', output: '' };
    const r = evalCommand(probe.exec.command ?? [], facts, tMs);
    return { result: r.exitCode === 0 ? 'Success' : 'Failure', output: r.output };
  }
  if (probe.httpGet) {
    const p = resolvePort(probe.httpGet.port, c);
    if ('error' in p) return { result: 'Error', output: p.error };
    const host = probe.httpGet.host || target.podIP;
    const path = probe.httpGet.path || '/';
    if (forced !== undefined) return forced ? { result: 'Success', output: '' } : { result: 'Failure', output: 'HTTP probe failed with statuscode: 500' };
    const code = httpAnswer(facts, p.port, path, tMs);
    if (code === undefined) {
      const scheme = probe.httpGet.scheme === 'HTTPS' ? 'https' : 'http';
      return { result: 'Failure', output: `Get "${scheme}://${host}:${p.port}${path.startsWith('/') ? path : '/' + path}": ${refused(host, p.port)}` };
    }
    return code >= 200 && code < 400 ? { result: 'Success', output: '' } : { result: 'Failure', output: `HTTP probe failed with statuscode: ${code}` };
  }
  if (probe.tcpSocket) {
    const p = resolvePort(probe.tcpSocket.port, c);
    if ('error' in p) return { result: 'Error', output: p.error };
    const host = probe.tcpSocket.host || target.podIP;
    const ok = forced ?? tcpOpen(facts, p.port, tMs);
    return ok ? { result: 'Success', output: '' } : { result: 'Failure', output: refused(host, p.port) };
  }
  if (probe.grpc) {
    // Modelled as "the port accepts connections"; the health service itself is not simulated.
    const addr = `${target.podIP}:${probe.grpc.port}`;
    const ok = forced ?? tcpOpen(facts, probe.grpc.port, tMs);
    return ok ? { result: 'Success', output: '' } : { result: 'Failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${probeTiming(probe).timeoutSeconds}s: context deadline exceeded` };
  }
  return { result: 'Error', output: `missing probe handler for ${c.name}:${kind}` };
}

/** The Unhealthy event message for a failed (or errored) probe, as prober.go records it. */
export function unhealthyMessage(kind: ProbeKind, outcome: ProbeOutcome): string {
  return outcome.result === 'Error' ? `${PROBE_TITLE[kind]} probe errored: ${outcome.output}` : `${PROBE_TITLE[kind]} probe failed: ${outcome.output}`;
}

/**
 * The Killing event text for a liveness or startup failure (computePodActions /
 * computeInitContainerActions): sidecars are "Init container …", and only a pod that restarts
 * its containers says "will be restarted".
 */
export function probeKillMessage(kind: 'liveness' | 'startup', container: string, opts: { sidecar: boolean; restart: boolean }): string {
  if (opts.sidecar) return `Init container ${container} failed ${kind} probe`;
  return `Container ${container} failed ${kind} probe${opts.restart ? ', will be restarted' : ''}`;
}
