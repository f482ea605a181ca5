/**
 * Plays a case inside the simulation, in virtual time, with no HTTP: the same script rules as the
 * runner, observing the API objects after every simulation step, and also recording what the
 * machines did (each container machine's leaf states and the pod machine's state values, read from
 * the kubelet's pod worker). The generator's tests use it to check that every recipe drives the
 * machines along the path it declares.
 */
import type { KObject, Pod } from '../api/objects.ts';
import { Cluster, defaultNodes } from '../sim/cluster.ts';
import { ADMIN_TOKEN } from '../sim/simulation.ts';
import { valueName } from './paths.ts';
import { observe, type Observation } from './observe.ts';
import { playCase, type ScriptEnv, type ScriptResult } from './script.ts';
import type { CaseAction, ConformanceCase } from './schema.ts';

export interface ModelRun {
  result: ScriptResult;
  /** Per container (init containers as "init:<name>"), its machine states in order, repeats collapsed. */
  containerStates: Map<string, string[]>;
  /** The pod machine's state values in order, repeats collapsed (from when its worker exists). */
  podStates: string[];
  timeline: Observation[];
}

interface WorkerSnapshot { value: Parameters<typeof valueName>[0]; context: { init: Array<{ name: string; state: string }>; containers: Array<{ name: string; state: string }> } }

const push = (list: string[], s: string) => {
  if (list.at(-1) !== s) list.push(s);
};

/** Runs one case in a fresh simulated cluster (seed 1, the default nodes). */
export async function runInModel(c: ConformanceCase, opts: { seed?: number; namespace?: string } = {}): Promise<ModelRun> {
  const cluster = new Cluster({ seed: opts.seed ?? 1, nodes: defaultNodes(), record: false, traceMessages: false });
  const sim = cluster.sim;
  const ns = opts.namespace ?? `kubelife-conf-${c.name}`.slice(0, 63);
  const t0 = sim.now();
  const now = () => (sim.now() - t0) / 1000;
  const timeline: Observation[] = [];
  const events: Array<{ reason: string; type: string; object: string; message: string; t: number }> = [];
  const lastRv = new Map<string, string>();
  const seenEvents = new Map<string, string>();
  const containerStates = new Map<string, string[]>();
  const podStates: string[] = [];

  const sample = () => {
    const pods = cluster.pods(ns);
    const names = new Set(pods.map((p) => p.metadata.name!));
    for (const p of pods) {
      const rv = p.metadata.resourceVersion ?? '';
      if (lastRv.get(p.metadata.name!) !== rv) {
        lastRv.set(p.metadata.name!, rv);
        timeline.push(observe(now(), p));
      }
      const worker = p.spec.nodeName ? sim.component(`kubelet/${p.spec.nodeName}`)?.system.get(`pod/${ns}/${p.metadata.name}`) : undefined;
      const snap = worker?.getSnapshot() as WorkerSnapshot | undefined;
      if (snap) {
        push(podStates, valueName(snap.value));
        for (const r of snap.context.init) push(containerStates.get(`init:${r.name}`) ?? (containerStates.set(`init:${r.name}`, []).get(`init:${r.name}`)!), r.state);
        for (const r of snap.context.containers) push(containerStates.get(r.name) ?? (containerStates.set(r.name, []).get(r.name)!), r.state);
      }
    }
    for (const [name, rv] of lastRv) {
      if (!names.has(name) && rv !== 'gone') {
        lastRv.set(name, 'gone');
        timeline.push(observe(now(), { metadata: { name } }, true));
      }
    }
    for (const e of sim.list('events', '', ns)) {
      const key = `${e.metadata.name}`;
      const ev = e as KObject & { reason?: string; type?: string; message?: string; involvedObject?: { name?: string }; count?: number };
      const mark = `${ev.count ?? 1}`;
      if (seenEvents.get(key) === mark) continue;
      seenEvents.set(key, mark);
      events.push({ reason: ev.reason ?? '', type: ev.type ?? '', object: ev.involvedObject?.name ?? '', message: ev.message ?? '', t: now() });
    }
  };

  const request = (req: Parameters<typeof sim.clientRequest>[0]) => new Promise<void>((resolve, reject) => {
    let done = false;
    sim.clientRequest(req, (r) => {
      done = true;
      if (r.code >= 300) reject(new Error(`${req.verb} ${req.resource}: ${r.code} ${(r.body as { message?: string }).message ?? ''}`));
      else resolve();
    });
    sim.runUntil(() => done, 10_000);
    if (!done) reject(new Error(`${req.verb} ${req.resource}: no answer`));
  });

  await request({ verb: 'create', group: '', version: 'v1', resource: 'namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, token: ADMIN_TOKEN });

  const perform = async (a: Exclude<CaseAction, { wait: number }>): Promise<void> => {
    if ('create' in a) {
      const obj = { ...a.create, metadata: { ...a.create.metadata, namespace: ns } } as KObject;
      const resource = obj.kind === 'Pod' ? 'pods' : obj.kind === 'ConfigMap' ? 'configmaps' : obj.kind === 'Secret' ? 'secrets' : '';
      if (!resource) throw new Error(`cannot create a ${obj.kind} in the model run`);
      return request({ verb: 'create', group: '', version: 'v1', resource, namespace: ns, body: obj, token: ADMIN_TOKEN });
    }
    if ('delete' in a) {
      const resource = a.delete.kind === 'Pod' ? 'pods' : a.delete.kind === 'ConfigMap' ? 'configmaps' : 'secrets';
      return request({ verb: 'delete', group: '', version: 'v1', resource, namespace: ns, name: a.delete.name, token: ADMIN_TOKEN, ...(a.delete.gracePeriodSeconds !== undefined ? { query: { gracePeriodSeconds: a.delete.gracePeriodSeconds } } : {}) });
    }
    // A JSON patch, applied here and sent as an update (the in-process API server speaks merge patches only).
    const current = cluster.pod(ns, a.patch.name);
    if (!current) throw new Error(`patch: pod ${a.patch.name} not found`);
    const next = structuredClone(current) as unknown as Record<string, unknown>;
    for (const op of a.patch.json) applyJsonPatchOp(next, op);
    return request({ verb: 'update', group: '', version: 'v1', resource: 'pods', namespace: ns, name: a.patch.name, body: next as unknown as Pod, token: ADMIN_TOKEN });
  };

  const env: ScriptEnv = {
    now, timeline, events, perform,
    waitUntil: async (pred, deadline) => {
      sample();
      sim.runUntil(() => {
        sample();
        return pred();
      }, Math.max(0, deadline - now()) * 1000);
      sample();
    },
  };
  const result = await playCase(c, env);
  // Let the machines settle a little so their last states are recorded.
  sim.runUntil(() => {
    sample();
    return false;
  }, 2_000);
  return { result, containerStates, podStates, timeline };
}

/** One RFC 6902 operation on a plain object (replace, add, remove; array indexes and "-"). */
export function applyJsonPatchOp(doc: Record<string, unknown>, op: { op: string; path: string; value?: unknown }): void {
  const keys = op.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = doc;
  for (const k of keys.slice(0, -1)) {
    cur = (cur as Record<string, unknown>)[k];
    if (cur === undefined || cur === null) throw new Error(`patch: ${op.path} does not exist`);
  }
  const last = keys.at(-1)!;
  if (Array.isArray(cur)) {
    const i = last === '-' ? cur.length : Number(last);
    if (op.op === 'remove') cur.splice(i, 1);
    else if (op.op === 'add') cur.splice(i, 0, op.value);
    else cur[i] = op.value;
    return;
  }
  const obj = cur as Record<string, unknown>;
  if (op.op === 'remove') delete obj[last];
  else obj[last] = op.value;
}

/**
 * Whether `recorded` (states sampled after each simulation step) fits `declared` (every state of a
 * declared path): each recorded state appears in the declared ones, in order. Sampling can miss
 * states the machine passed through within one step, never add any. Returns the first misfit.
 */
export function pathMisfit(declared: readonly string[], recorded: readonly string[]): string | undefined {
  const strict = fits(declared, recorded);
  // A loop the machine went round more often than the declared path (a retry) is erased and checked again.
  return strict === undefined || fits(declared, eraseLoops(recorded)) === undefined ? undefined : strict;
}

/** The sequence with every loop cut out: from a state's first visit to its last. */
export function eraseLoops(seq: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of seq) {
    const i = out.indexOf(s);
    if (i >= 0) out.length = i + 1;
    else out.push(s);
  }
  return out;
}

function fits(declared: readonly string[], recorded: readonly string[]): string | undefined {
  let j = 0;
  for (const s of recorded) {
    while (j < declared.length && declared[j] !== s) j++;
    if (j === declared.length) return `recorded ${s} (after ${recorded.slice(0, recorded.indexOf(s)).join(' > ') || 'the start'}) is not next on the declared path ${declared.join(' > ')}`;
  }
  return undefined;
}
