/**
 * `npm run bench`: the simulation benchmark (pod births at scale) and the HTTP API benchmark
 * (requests/s and latency of the HTTPS server). Not tests: nothing asserts on the numbers.
 *
 * Usage: npm run bench [-- PART...] [options]
 *   PART            sim | http | check (default: all, in that order)
 *   --sizes NxP,..  sim: node x pod counts (default 10x100,100x1000,1000x10000)
 *   --pods N        http: pods in the listed namespace (default 1000)
 *   --connections   http: comma-separated concurrency levels (default 1,32)
 *   --duration S    http: seconds per measurement (default 3; --long = 15)
 *   --amount N      http: a fixed number of requests per measurement instead
 *   --cases a,b     http: get,list,list-table,create (default all)
 *   --schedule      http: let the scheduler bind the created pods (default: they stay Pending)
 *   --workers N     http: run autocannon in N worker threads (default 0: on the server's thread;
 *                   frees the server's event loop, but latencies are then whole milliseconds)
 *   --warmup S      http: seconds of unrecorded load before each measurement (default 0.5)
 *   --runs N        check: swarm runs (default 60)
 *   --depth D       check: exhaustive depth bound for birth-of-a-pod (default 10)
 * The process exits with code 1 if any HTTP request failed (errors or non-2xx answers).
 */
import { formatSimRows, runSimBench } from './sim.ts';
import { HTTP_CASES, formatHttpReport, runHttpBench, type HttpCase } from './http.ts';
import { formatExploreRows, formatSwarmRows, runExploreBench, runSwarmBench } from './check.ts';

const PARTS = ['sim', 'http', 'check'] as const;
const VALUED = new Set(['--sizes', '--pods', '--connections', '--duration', '--amount', '--cases', '--warmup', '--workers', '--runs', '--depth']);
const FLAGS = new Set(['--long', '--schedule']);

const args = process.argv.slice(2);
const values = new Map<string, string>();
const flags = new Set<string>();
const parts: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (VALUED.has(a)) {
    const v = args[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    values.set(a, v);
  } else if (FLAGS.has(a)) flags.add(a);
  else if ((PARTS as readonly string[]).includes(a)) parts.push(a);
  else {
    console.error(`unknown argument ${a}; usage: npm run bench [-- sim|http|check] [--sizes NxP,...] [--pods N] [--connections 1,32] [--duration S|--long] [--amount N] [--cases ${HTTP_CASES.join(',')}] [--schedule] [--workers N] [--warmup S] [--runs N] [--depth D]`);
    process.exit(2);
  }
}
const selected = parts.length ? parts : [...PARTS];
const num = (k: string): number | undefined => {
  const v = values.get(k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(n > 0) && !(k === '--warmup' && n === 0)) throw new Error(`${k} must be a positive number, got ${v}`);
  return n;
};

if (selected.includes('sim')) {
  const spec = values.get('--sizes') ?? '10x100,100x1000,1000x10000';
  const sizes = spec.split(',').map((s) => s.split('x').map(Number) as [number, number]);
  console.log('## Simulation: pod births');
  console.log(formatSimRows(sizes.map(([n, p]) => runSimBench(n, p))));
}

if (selected.includes('http')) {
  const cases = values.get('--cases')?.split(',') ?? [...HTTP_CASES];
  const unknown = cases.filter((c) => !(HTTP_CASES as readonly string[]).includes(c));
  if (unknown.length) throw new Error(`unknown --cases ${unknown.join(',')}; known: ${HTTP_CASES.join(',')}`);
  if (selected.includes('sim')) console.log('');
  console.log('## HTTP API');
  const amount = num('--amount');
  const warmup = num('--warmup');
  const pods = num('--pods');
  const workers = values.has('--workers') ? Number(values.get('--workers')) : 0;
  if (!Number.isInteger(workers) || workers < 0) throw new Error(`--workers must be a whole number, got ${values.get('--workers')}`);
  const result = await runHttpBench({
    ...(pods !== undefined ? { pods } : {}),
    connections: (values.get('--connections') ?? '1,32').split(',').map(Number),
    duration: num('--duration') ?? (flags.has('--long') ? 15 : 3),
    ...(amount !== undefined ? { amount } : {}),
    ...(warmup !== undefined ? { warmup } : {}),
    cases: cases as HttpCase[],
    scheduleCreated: flags.has('--schedule'),
    workers,
    log: (l) => process.stderr.write(l + '\n'),
  });
  console.log(formatHttpReport(result));
  if (result.failed) {
    process.stderr.write('kubelife bench: HTTP requests failed, see the table above\n');
    process.exitCode = 1;
  }
}

if (selected.includes('check')) {
  if (selected.includes('sim') || selected.includes('http')) console.log('');
  console.log('## Checker: swarm');
  console.log(formatSwarmRows([await runSwarmBench(num('--runs') ?? 60)]));
  console.log('');
  console.log('## Checker: exhaustive exploration');
  const depth = num('--depth') ?? 10;
  console.log(formatExploreRows([runExploreBench('examples/birth-of-a-pod.yaml', depth, 0), runExploreBench('examples/birth-of-a-pod.yaml', depth, 1), runExploreBench('examples/two-pods.yaml', depth, 0), runExploreBench('examples/two-pods.yaml', depth, 1)]));
}
