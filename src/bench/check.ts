/**
 * The checker benchmark: checked scenarios per minute in swarm mode (3 nodes, about 10 pods, swarm
 * faults, the liveness phase) and the size and time of an exhaustive exploration of the birth of a
 * pod. Not a test: nothing asserts on the numbers (a violation found is reported, not failed).
 */
import { loadScenario, loadScenarioText } from '../scenario/load.ts';
import { inlineScenario } from '../check/arbitraries.ts';
import { swarm } from '../check/swarm.ts';
import { explore } from '../check/explore.ts';
import { formatTable } from '../cli/table.ts';

/** 3 nodes, a Deployment of 8 and a bare pod behind a Service, scaled and disturbed. */
export const CHECK_BENCH_SCENARIO = `
name: check-bench
seed: 1
cluster:
  nodes:
    - { name: worker-1 }
    - { name: worker-2 }
    - { name: worker-3 }
manifests:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web }
    spec:
      replicas: 8
      selector: { matchLabels: { app: web } }
      template:
        metadata: { labels: { app: web } }
        spec:
          terminationGracePeriodSeconds: 5
          containers: [{ name: web, image: "nginx:1.27", resources: { requests: { cpu: 100m, memory: 64Mi } } }]
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
    spec: { selector: { app: web }, ports: [{ port: 80 }] }
  - apiVersion: v1
    kind: Pod
    metadata: { name: solo, labels: { app: web } }
    spec: { containers: [{ name: app, image: "nginx:1.27" }] }
steps:
  - { at: 30s, scale: { kind: Deployment, name: web, replicas: 10 } }
  - { at: 45s, delete: { kind: Pod, selector: app=web } }
  - { at: 60s, killContainer: { pod: solo, container: app } }
  - { at: 75s, scale: { kind: Deployment, name: web, replicas: 6 } }
`;

export interface CheckBenchRow { what: string; runs: number; violations: number; wallS: number; perMin: number; virtualMinPerRun: number; stepsPerRun: number }

/**
 * Checks `runs` swarm runs. A swarm stops at its first violation, so the runs are checked in
 * batches (seed, seed + 1, ...) until enough have been: the rate counts only the search runs,
 * not the replay of a counterexample (shrinking is off).
 */
export async function runSwarmBench(runs: number, seed = 1): Promise<CheckBenchRow> {
  const loaded = loadScenarioText(CHECK_BENCH_SCENARIO, 'check-bench');
  const inline = inlineScenario(loaded);
  let done = 0, violations = 0, virtualMs = 0, steps = 0, searchMs = 0;
  for (let s = seed; done < runs; s++) {
    const t0 = performance.now();
    let batchMs = 0;
    const r = await swarm({ scenario: { loaded, inline }, faults: 'swarm', runs: runs - done, seed: s, maxShrinks: 0, onRun: ({ phase }) => { if (phase === 'search') batchMs = performance.now() - t0; } });
    if (r.runs === 0) break;
    done += r.runs; violations += r.violations; virtualMs += r.virtualMs; steps += r.steps; searchMs += batchMs;
  }
  return {
    what: 'swarm: 3 nodes, ~10 pods, swarm faults, liveness', runs: done, violations, wallS: searchMs / 1000,
    perMin: done / (searchMs / 60_000), virtualMinPerRun: virtualMs / done / 60_000, stepsPerRun: steps / done,
  };
}

export interface ExploreBenchRow { scenario: string; depth: number; timeJumps: number; states: number; pruned: number; terminal: number; maxDepth: number; complete: boolean; wallS: number }

export function runExploreBench(file: string, depth: number, timeJumps: number): ExploreBenchRow {
  const loaded = loadScenario(file);
  const t0 = performance.now();
  const r = explore({ loaded, seed: loaded.spec.seed, depth, timeJumps });
  return { scenario: file, depth, timeJumps, states: r.states, pruned: r.pruned, terminal: r.terminal, maxDepth: r.maxDepth, complete: r.complete && r.depthBounded === 0, wallS: (performance.now() - t0) / 1000 };
}

export function formatSwarmRows(rows: CheckBenchRow[]): string {
  return formatTable(['checked runs', 'runs with a violation', 'wall s', 'runs/min', 'virtual min/run', 'queue steps/run'],
    rows.map((r) => [String(r.runs), String(r.violations), r.wallS.toFixed(1), r.perMin.toFixed(0), r.virtualMinPerRun.toFixed(1), r.stepsPerRun.toFixed(0)]));
}

export function formatExploreRows(rows: ExploreBenchRow[]): string {
  return formatTable(['scenario', 'depth bound', 'time jumps', 'states', 'pruned', 'terminal', 'depth reached', 'exhausted', 'wall s'],
    rows.map((r) => [r.scenario, String(r.depth), String(r.timeJumps), String(r.states), String(r.pruned), String(r.terminal), String(r.maxDepth), r.complete ? 'yes' : 'no', r.wallS.toFixed(1)]));
}
