/**
 * The HTTP benchmark: requests per second and latency percentiles of the HTTPS API served by
 * `up()` (src/server/up.ts), measured with autocannon against an in-process server on
 * 127.0.0.1 with an ephemeral port. Cases: GET one pod, LIST 1,000 pods as JSON and as the
 * meta.k8s.io Table kubectl asks for, and POST (create) pods with unique names.
 *
 * The 1,000 pods are created through the Cluster API and run to Running on the virtual clock
 * before the server starts, so no setup work is left for the wall-clock pacer while measuring.
 * Not a test: nothing asserts on the numbers (test/bench/http-bench.test.ts only checks that a
 * tiny run answers without errors).
 */
import { request as httpsRequest } from 'node:https';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { KObject, Pod } from '../api/objects.ts';
import { Cluster, type NodeOptions } from '../sim/cluster.ts';
import { ADMIN_TOKEN } from '../sim/simulation.ts';
import { up, type RunningServer } from '../server/up.ts';
import { formatTable } from './table.ts';

export type HttpCase = 'get' | 'list' | 'list-table' | 'create';
export const HTTP_CASES: readonly HttpCase[] = ['get', 'list', 'list-table', 'create'];

/** What `kubectl get pods` sends as Accept (kubectl 1.32). */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface HttpBenchOptions {
  /** Pods in namespace default, Running before measuring (default 1000). */
  pods?: number;
  /** Concurrent connections; each case runs once per level (default [1, 32]). */
  connections?: number[];
  /** Seconds per measurement (default 3). Ignored when `amount` is set. */
  duration?: number;
  /** A fixed number of requests per measurement instead of a duration. */
  amount?: number;
  /** Seconds of unrecorded load before each measurement (default 0.5; 0 = none). */
  warmup?: number;
  cases?: readonly HttpCase[];
  /**
   * Let the default scheduler bind the created pods (default false: they name a scheduler that
   * does not exist and stay Pending, so the create rows measure the API write path rather than
   * the simulated kubelets starting thousands of pods on the shared event loop).
   */
  scheduleCreated?: boolean;
  /**
   * Run autocannon in this many worker threads (default 0: on the server's own thread). Workers
   * take the load generator's CPU off the server's event loop, but latencies then come from
   * autocannon's histogram in whole milliseconds.
   */
  workers?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface HttpRow {
  case: HttpCase;
  name: string;
  connections: number;
  /** Responses received (any status). */
  requests: number;
  seconds: number;
  rps: number;
  /**
   * Milliseconds, over all responses: exact from per-response events, or autocannon's
   * whole-millisecond histogram when it runs in worker threads (`wholeMs`).
   */
  p50: number;
  p99: number;
  max: number;
  wholeMs: boolean;
  /** Mean response body + headers size in bytes. */
  meanBytes: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Errors and non-2xx answers during the unrecorded warm-up before this measurement. */
  warmupFailures?: number;
  statusCodes: Record<string, number>;
  /** Wall milliseconds the virtual-clock pacer spent running the simulation during the measurement. */
  pacerMs: number;
  /** The longest single pacer tick (the event loop serves no request meanwhile). */
  pacerMaxTickMs: number;
}

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
}

export interface HttpBenchResult {
  rows: HttpRow[];
  setupSeconds: number;
  /** Memory once the pods are Running and the server is up, at the end, and the peak RSS sampled. */
  memory: { afterSetup: MemorySample; end: MemorySample; peakRssMb: number };
  /** Pods in namespace default / created by the create case, at the end. */
  podsListed: number;
  podsCreated: number;
  /** Load generator threads (0 = the server's thread; latencies exact rather than whole ms). */
  workers: number;
  failed: boolean;
}

const MB = 2 ** 20;
const memory = (): MemorySample => {
  const m = process.memoryUsage();
  return { rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB };
};

function podManifest(name: string, namespace: string, extra: Partial<Pod['spec']> = {}): KObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench' } },
    spec: { ...extra, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  } as KObject;
}

/** Nodes enough for `pods` pods at 110 per node (plus a control-plane node, tainted). */
function benchNodes(pods: number): NodeOptions[] {
  const workers = Math.max(1, Math.ceil(pods / 100));
  return [
    { name: 'control-plane', role: 'control-plane', capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    ...Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, capacity: { cpu: '32', memory: '128Gi', pods: '110' } })),
  ];
}

export const podName = (i: number): string => `pod-${String(i).padStart(4, '0')}`;

/** A cluster with `pods` Running pods in default and an empty namespace `bench`, then `up()`. */
async function startServer(pods: number, log: (l: string) => void): Promise<RunningServer> {
  const cluster = new Cluster({ seed: 1, record: false, traceMessages: false, nodes: benchNodes(pods) });
  const sim = cluster.sim;
  sim.runFor(5_000); // the kubelets register their nodes
  cluster.apply([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } },
    ...Array.from({ length: pods }, (_, i) => podManifest(podName(i), 'default')),
  ]);
  const running = (): number => cluster.pods('default').filter((p) => p.status?.phase === 'Running').length;
  let ok = false;
  for (let i = 0; i < 600 && !ok; i++) {
    sim.runFor(1_000);
    ok = running() === pods;
  }
  if (!ok) throw new Error(`http bench setup: only ${running()} of ${pods} pods Running after 600 virtual seconds`);
  // Quiet the cluster: status writes and the last watch deliveries.
  sim.runFor(10_000);
  log(`setup: ${pods} pods Running at virtual t=${(sim.now() / 1000).toFixed(1)} s`);
  return up({ cluster, port: 0 });
}

/** One request with the CA verified (autocannon itself never verifies the server certificate). */
function preflight(server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${server.url}${path}`, { method, headers, ca: server.caCert, rejectUnauthorized: true, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`preflight timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

interface Pacer {
  ms: number;
  maxTick: number;
}

interface CaseSpec {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A body whose `__NAME__` is replaced by a unique pod name per request. */
  body?: string;
}

const CREATE_REQUEST_MODULE = fileURLToPath(new URL('./create-request.cjs', import.meta.url));
let uniqueNames = 0;
const uniqueBody = (template: string): string => template.replace('__NAME__', `create-${++uniqueNames}`);

type Measured = Omit<HttpRow, 'case' | 'name' | 'connections'>;

async function measure(server: RunningServer, spec: CaseSpec, connections: number, opts: { duration?: number; amount?: number; workers: number }, pacer: Pacer): Promise<Measured> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let bytes = 0;
  let errors = 0;
  const body = spec.body;
  const workers = opts.workers;
  const instance = autocannon({
    url: `${server.url}${spec.path}`,
    connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? 3 }),
    timeout: 30,
    // autocannon checks its stop flag once per sample interval (default 1 s).
    sampleInt: 100,
    method: spec.method,
    headers: spec.headers,
    // Passed to tls.connect for form's sake: autocannon overrides rejectUnauthorized to false,
    // which is why preflight() checks the certificate chain with node:https first.
    tlsOptions: { ca: server.caCert },
    ...(body !== undefined ? { body } : {}),
    ...(workers > 0
      ? { workers, requests: [body !== undefined ? { setupRequest: CREATE_REQUEST_MODULE } : {}] }
      : { requests: [body !== undefined ? { setupRequest: (req) => ({ ...req, body: uniqueBody(body) }) } : {}] }),
  });
  instance.on('response', (_client: unknown, status: number, resBytes: number, ms: number) => {
    latencies.push(ms);
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    bytes += resBytes;
  });
  instance.on('reqError', () => errors++);
  const p0 = pacer.ms;
  pacer.maxTick = 0;
  const t0 = performance.now();
  const result = await instance;
  const seconds = (performance.now() - t0) / 1000;
  if (workers > 0) {
    // No per-response events from worker threads: autocannon's aggregate (whole-ms latencies).
    const codes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([c, v]) => [c, v.count]));
    const requests = Object.values(codes).reduce((a, b) => a + b, 0);
    return {
      requests, seconds, rps: requests / seconds, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, wholeMs: true,
      meanBytes: requests ? result.throughput.total / requests : 0, errors: result.errors, non2xx: result.non2xx, statusCodes: codes,
      pacerMs: pacer.ms - p0, pacerMaxTickMs: pacer.maxTick,
    };
  }
  const sorted = Float64Array.from(latencies).sort();
  const non2xx = Object.entries(statusCodes).filter(([c]) => !c.startsWith('2')).reduce((n, [, k]) => n + k, 0);
  return {
    requests: latencies.length, seconds, rps: latencies.length / seconds,
    p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, wholeMs: false,
    meanBytes: latencies.length ? bytes / latencies.length : 0,
    errors: Math.max(errors, result.errors), non2xx: Math.max(non2xx, result.non2xx), statusCodes,
    pacerMs: pacer.ms - p0, pacerMaxTickMs: pacer.maxTick,
  };
}

export async function runHttpBench(o: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const log = o.log ?? (() => {});
  const pods = o.pods ?? 1000;
  const levels = o.connections ?? [1, 32];
  const cases = o.cases ?? HTTP_CASES;
  const warmup = o.warmup ?? 0.5;
  const workers = o.workers ?? 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  sampler.unref();

  const t0 = performance.now();
  const server = await startServer(pods, log);
  const setupSeconds = (performance.now() - t0) / 1000;
  // Time the wall-clock pacer spends in the simulation (up() calls sim.runUntilTime every tick).
  const pacer: Pacer = { ms: 0, maxTick: 0 };
  const sim = server.cluster.sim;
  const runUntilTime = sim.runUntilTime.bind(sim);
  sim.runUntilTime = (t: number): void => {
    const s = performance.now();
    try {
      runUntilTime(t);
    } finally {
      const d = performance.now() - s;
      pacer.ms += d;
      pacer.maxTick = Math.max(pacer.maxTick, d);
    }
  };
  const afterSetup = memory();

  const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  const specs: Record<HttpCase, CaseSpec> = {
    get: { name: 'GET pod', method: 'GET', path: `/api/v1/namespaces/default/pods/${podName(Math.floor(pods / 2))}`, headers: { ...auth, Accept: 'application/json' } },
    list: { name: `LIST ${pods} pods (JSON)`, method: 'GET', path: '/api/v1/namespaces/default/pods', headers: { ...auth, Accept: 'application/json' } },
    'list-table': { name: `LIST ${pods} pods (Table)`, method: 'GET', path: '/api/v1/namespaces/default/pods', headers: { ...auth, Accept: TABLE_ACCEPT } },
    create: {
      name: 'POST pod', method: 'POST', path: '/api/v1/namespaces/bench/pods', headers: { ...auth, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(podManifest('__NAME__', 'bench', o.scheduleCreated ? {} : { schedulerName: 'kubelife-bench-none' })),
    },
  };

  const rows: HttpRow[] = [];
  try {
    for (const c of cases) {
      const spec = specs[c];
      const check = await preflight(server, spec.method, spec.path, spec.headers, spec.body !== undefined ? uniqueBody(spec.body) : undefined);
      if (check.code >= 300) throw new Error(`http bench: ${spec.method} ${spec.path} answered ${check.code}: ${check.body.slice(0, 300)}`);
      for (const connections of levels) {
        const w = warmup > 0 && o.amount === undefined ? await measure(server, spec, connections, { duration: warmup, workers }, pacer) : undefined;
        const m = await measure(server, spec, connections, { ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.duration ?? 3 }), workers }, pacer);
        const row: HttpRow = { case: c, name: spec.name, connections, ...m };
        if (w && w.errors + w.non2xx > 0) row.warmupFailures = w.errors + w.non2xx;
        rows.push(row);
        log(formatRows([row]).split('\n')[2]!);
      }
    }
  } finally {
    clearInterval(sampler);
    await server.stop();
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    rows, setupSeconds,
    memory: { afterSetup, end: memory(), peakRssMb: peakRss / MB },
    podsListed: server.cluster.pods('default').length,
    podsCreated: server.cluster.pods('bench').length,
    workers,
    failed: rows.some(failedRow),
  };
}

const failedRow = (r: HttpRow): boolean => r.errors > 0 || r.non2xx > 0 || (r.warmupFailures ?? 0) > 0;

const ms = (v: number, whole: boolean): string =>
  Number.isNaN(v) ? '-' : whole ? (v < 1 ? '<1' : v.toFixed(0)) : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0);

export function formatRows(rows: HttpRow[]): string {
  const header = ['request', 'conns', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'KB/resp', 'pacer ms (max tick)', 'errors', 'non-2xx'];
  return formatTable(header, rows.map((r) => [
    r.name, String(r.connections), String(r.requests), r.rps.toFixed(0), ms(r.p50, r.wholeMs), ms(r.p99, r.wholeMs), ms(r.max, r.wholeMs),
    (r.meanBytes / 1024).toFixed(1), `${r.pacerMs.toFixed(0)} (${r.pacerMaxTickMs.toFixed(0)})`, String(r.errors), r.non2xx ? `${r.non2xx} ${JSON.stringify(r.statusCodes)}` : '0',
  ]));
}

/** The report `npm run bench -- http` prints. */
export function formatHttpReport(r: HttpBenchResult): string {
  const lines = [
    formatRows(r.rows),
    '',
    `memory: RSS ${r.memory.afterSetup.rssMb.toFixed(0)} MB / heap ${r.memory.afterSetup.heapUsedMb.toFixed(0)} MB after setup, ` +
      `RSS ${r.memory.end.rssMb.toFixed(0)} MB / heap ${r.memory.end.heapUsedMb.toFixed(0)} MB at the end, peak RSS ${r.memory.peakRssMb.toFixed(0)} MB ` +
      `(${r.podsListed} pods in default, ${r.podsCreated} created in bench)`,
    `setup ${r.setupSeconds.toFixed(1)} s; node ${process.version}, ${availableParallelism()} CPUs; ${r.workers > 0
      ? `load generator in ${r.workers} worker thread(s) of the server's process; latencies in whole ms`
      : 'load generator and server share one process and event loop'}`,
  ];
  if (r.failed) {
    const bad = r.rows.filter(failedRow).map((x) => `${x.name} c=${x.connections}: ${x.errors} errors, ${x.non2xx} non-2xx ${JSON.stringify(x.statusCodes)}` +
      (x.warmupFailures ? ` (+${x.warmupFailures} failed in warm-up)` : ''));
    lines.push('', '!'.repeat(78), `!!! HTTP BENCH HAD ERRORS: ${bad.join('; ')}`,
      '!!! the numbers above are not valid measurements', '!'.repeat(78));
  }
  return lines.join('\n');
}
