/**
 * `kubelife conformance run`: plays case files against a cluster through @kubernetes/client-node
 * only. By default the cluster is an embedded kubelife (`up()` on an ephemeral port, paced at a
 * high speed, times read on its virtual clock); with a kubeconfig, any cluster (times on the wall
 * clock). Each case gets a fresh namespace, a watch on its pods and one on its events, its actions
 * and expectations (script.ts), and the namespace is deleted afterwards whatever happened.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { InputError } from '../scenario/load.ts';
import { up, type RunningServer } from '../server/up.ts';
import { observe, type Observation } from './observe.ts';
import { playCase, type ScriptEnv, type StepOutcome } from './script.ts';
import { parseCase, type CaseAction, type ConformanceCase } from './schema.ts';

export const DEFAULT_NAMESPACE_PREFIX = 'kubelife-conf-';
/** Embedded kubelife runs this many virtual seconds per wall second. */
export const DEFAULT_EMBEDDED_SPEED = 50;

export interface RunOptions {
  /** A kubeconfig file: run against that cluster instead of an embedded kubelife. */
  kubeconfig?: string;
  namespacePrefix?: string;
  /** Multiplies every time bound (a slow cluster: 2). */
  timeoutScale?: number;
  /** Cases run at the same time, each in its own namespace (default 4). */
  concurrency?: number;
  /** Embedded kubelife only: its speed (default 50) and seed (default 1). */
  speed?: number;
  seed?: number;
  /** An embedded kubelife already running (tests): used instead of starting one, and left running. */
  server?: RunningServer;
  log?: (line: string) => void;
}

export interface CaseResult {
  name: string;
  file: string;
  status: 'passed' | 'failed' | 'skipped' | 'error';
  /** Wall seconds the case took, clean-up included. */
  durationSeconds: number;
  namespace: string;
  firstMismatch?: string;
  steps: StepOutcome[];
  /** The namespace's DELETE was accepted. */
  namespaceDeleted: boolean;
}

export interface RunReport {
  target: 'embedded' | 'kubeconfig';
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
  durationSeconds: number;
}

/** Reads and validates a case file; bad input is an InputError naming the file and the path. */
export function loadCase(file: string): ConformanceCase {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot be read (give a case file, e.g. test/conformance/cases/exit-0-never.yaml)`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]} (fix the YAML syntax)`);
  }
  const r = parseCase(data);
  if (!r.ok) throw new InputError(`${file}: ${r.path}: ${r.message} (see docs/CONFORMANCE.md)`);
  return r.value;
}

interface Target {
  kc: KubeConfig;
  core: CoreV1Api;
  /** Seconds on the clock cases are timed with. */
  clock(): number;
  embedded: boolean;
  stop(): Promise<void>;
}

async function connect(opts: RunOptions): Promise<Target> {
  const kc = new KubeConfig();
  if (opts.kubeconfig) {
    try {
      kc.loadFromFile(opts.kubeconfig);
    } catch (e) {
      throw new InputError(`${opts.kubeconfig}: not a kubeconfig: ${(e as Error).message.split('\n')[0]} (give --kubeconfig ~/.kube/config)`);
    }
    return { kc, core: kc.makeApiClient(CoreV1Api), clock: () => performance.now() / 1000, embedded: false, stop: async () => {} };
  }
  const server: RunningServer = opts.server ?? await up({ port: 0, speed: opts.speed ?? DEFAULT_EMBEDDED_SPEED, seed: opts.seed ?? 1 });
  kc.loadFromString(server.kubeconfigText);
  return { kc, core: kc.makeApiClient(CoreV1Api), clock: () => server.cluster.sim.now() / 1000, embedded: true, stop: () => (opts.server ? Promise.resolve() : server.stop()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function namespaceFor(prefix: string, name: string): string {
  const suffix = Math.random().toString(36).slice(2, 7);
  return `${prefix}${name}`.slice(0, 57).replace(/-+$/, '') + `-${suffix}`;
}

/** Watches `path` until aborted, re-watching from the last resourceVersion when the server ends it. */
function keepWatching(kc: KubeConfig, path: string, onEvent: (type: string, obj: Record<string, unknown>) => void): { stop(): void } {
  let stopped = false;
  let controller: AbortController | undefined;
  let rv: string | undefined;
  const start = () => {
    if (stopped) return;
    new Watch(kc).watch(path, { allowWatchBookmarks: true, ...(rv ? { resourceVersion: rv } : {}) }, (type, obj: Record<string, unknown>) => {
      const meta = obj['metadata'] as { resourceVersion?: string } | undefined;
      if (meta?.resourceVersion) rv = meta.resourceVersion;
      if (type === 'BOOKMARK' || type === 'ERROR') return;
      onEvent(type, obj);
    }, () => {
      if (!stopped) setTimeout(start, 100);
    }).then((c) => {
      controller = c;
      if (stopped) c.abort();
    }, () => {
      if (!stopped) setTimeout(start, 200);
    });
  };
  start();
  return { stop: () => { stopped = true; controller?.abort(); } };
}

/**
 * Creates a pod, retrying for up to 30 s while the namespace's "default" ServiceAccount does not
 * exist yet (a fresh namespace on a real cluster refuses pods until its controller made it).
 */
async function createPod(core: CoreV1Api, ns: string, body: V1Pod): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await core.createNamespacedPod({ namespace: ns, body });
      return;
    } catch (e) {
      const msg = messageOf(e);
      if (i >= 60 || !/^HTTP 403/.test(msg) || !/service ?account/i.test(msg)) throw e;
      await sleep(500);
    }
  }
}

async function perform(core: CoreV1Api, ns: string, a: Exclude<CaseAction, { wait: number }>): Promise<void> {
  if ('create' in a) {
    const body = { ...a.create, metadata: { ...a.create.metadata, namespace: ns } };
    if (body.kind === 'Pod') await createPod(core, ns, body as V1Pod);
    else if (body.kind === 'ConfigMap') await core.createNamespacedConfigMap({ namespace: ns, body });
    else if (body.kind === 'Secret') await core.createNamespacedSecret({ namespace: ns, body });
    else throw new Error(`cannot create a ${body.kind} (Pod, ConfigMap and Secret only)`);
    return;
  }
  if ('delete' in a) {
    const d = a.delete;
    const grace = d.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: d.gracePeriodSeconds } : {};
    if (d.kind === 'Pod') await core.deleteNamespacedPod({ name: d.name, namespace: ns, ...grace });
    else if (d.kind === 'ConfigMap') await core.deleteNamespacedConfigMap({ name: d.name, namespace: ns, ...grace });
    else await core.deleteNamespacedSecret({ name: d.name, namespace: ns, ...grace });
    return;
  }
  // client-node sends a JSON patch (application/json-patch+json) for an array body.
  await core.patchNamespacedPod({ name: a.patch.name, namespace: ns, body: a.patch.json });
}

const messageOf = (e: unknown): string => {
  const err = e as { code?: number; body?: unknown; message?: string };
  if (err.code !== undefined) {
    const body = typeof err.body === 'string' ? (() => { try { return JSON.parse(err.body as string) as { message?: string }; } catch { return undefined; } })() : err.body as { message?: string } | undefined;
    return `HTTP ${err.code}${body?.message ? `: ${body.message}` : ''}`;
  }
  return err.message ?? String(e);
};

/** Runs one case in its own namespace; never throws. */
async function runCase(t: Target, file: string, c: ConformanceCase, opts: RunOptions): Promise<CaseResult> {
  const wall0 = performance.now();
  const ns = namespaceFor(opts.namespacePrefix ?? DEFAULT_NAMESPACE_PREFIX, c.name);
  const base = { name: c.name, file, namespace: ns };
  if (c.kubeliteOnly && !t.embedded) return { ...base, status: 'skipped', durationSeconds: 0, steps: [], namespaceDeleted: false, firstMismatch: 'kubelife-only (needs fault injection)' };
  const t0 = t.clock();
  const now = () => t.clock() - t0;
  const timeline: Observation[] = [];
  const events: Array<{ reason: string; type: string; object: string; message: string; t: number }> = [];
  const seenEvents = new Set<string>();
  const watches: Array<{ stop(): void }> = [];
  let namespaceDeleted = false;
  let result: Awaited<ReturnType<typeof playCase>> | undefined;
  let error: string | undefined;
  try {
    await t.core.createNamespace({ body: { metadata: { name: ns, labels: { 'kubelife.io/conformance-case': c.name } } } });
    watches.push(keepWatching(t.kc, `/api/v1/namespaces/${ns}/pods`, (type, obj) => timeline.push(observe(now(), obj as V1Pod, type === 'DELETED'))));
    watches.push(keepWatching(t.kc, `/api/v1/namespaces/${ns}/events`, (_type, obj) => {
      const e = obj as { metadata?: { uid?: string }; reason?: string; type?: string; message?: string; count?: number; involvedObject?: { name?: string } };
      const key = `${e.metadata?.uid}/${e.count ?? 1}`;
      if (seenEvents.has(key)) return;
      seenEvents.add(key);
      events.push({ reason: e.reason ?? '', type: e.type ?? '', object: e.involvedObject?.name ?? '', message: e.message ?? '', t: now() });
    }));
    const env: ScriptEnv = {
      now, timeline, events,
      perform: async (a) => {
        try {
          await perform(t.core, ns, a);
        } catch (e) {
          throw new Error(messageOf(e));
        }
      },
      waitUntil: async (pred, deadline) => {
        // The wall-clock cap keeps a stalled cluster from hanging the run.
        const wallCap = performance.now() + Math.max(5_000, (deadline - now()) * 1000 * (t.embedded ? 4 / (opts.speed ?? DEFAULT_EMBEDDED_SPEED) : 1.5));
        while (!pred() && now() <= deadline && performance.now() < wallCap) await sleep(t.embedded ? 10 : 250);
      },
    };
    result = await playCase(c, env, opts.timeoutScale ?? 1);
  } catch (e) {
    error = messageOf(e);
  } finally {
    for (const w of watches) w.stop();
    try {
      await t.core.deleteNamespace({ name: ns });
      namespaceDeleted = true;
    } catch (e) {
      opts.log?.(`${c.name}: could not delete namespace ${ns}: ${messageOf(e)}`);
    }
  }
  const durationSeconds = (performance.now() - wall0) / 1000;
  if (error !== undefined) return { ...base, status: 'error', durationSeconds, firstMismatch: error, steps: [], namespaceDeleted };
  return { ...base, status: result!.ok ? 'passed' : 'failed', durationSeconds, steps: result!.steps, namespaceDeleted, ...(result!.firstMismatch ? { firstMismatch: result!.firstMismatch } : {}) };
}

/** Loads every case first (bad input fails before anything runs), then runs them, `concurrency` at a time. */
export async function runCases(files: readonly string[], opts: RunOptions = {}): Promise<RunReport> {
  const cases = files.map((f) => ({ file: f, c: loadCase(f) }));
  const wall0 = performance.now();
  const t = await connect(opts);
  const results: CaseResult[] = new Array(cases.length);
  try {
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const { file, c } = cases[i]!;
        results[i] = await runCase(t, file, c, opts);
        opts.log?.(`${results[i]!.status.padEnd(7)} ${c.name}${results[i]!.firstMismatch ? `: ${results[i]!.firstMismatch}` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, cases.length)) }, worker));
  } finally {
    await t.stop();
  }
  return {
    target: t.embedded ? 'embedded' : 'kubeconfig',
    results,
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed' || r.status === 'error').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    durationSeconds: (performance.now() - wall0) / 1000,
  };
}

/** The case name a file stands for ("test/conformance/cases/x.yaml" -> "x"). */
export const caseNameOf = (file: string): string => basename(file).replace(/\.ya?ml$/, '');
