/**
 * The simulation benchmark: how fast the simulation plays pod births at scale (nodes, pods, wall
 * time, simulated time, pods/s to Running, queue steps, peak RSS). Not a test: nothing asserts.
 */
import { Cluster } from '../sim/cluster.ts';
import type { KObject } from '../api/objects.ts';
import { formatTable } from './table.ts';

export interface SimRow {
  nodes: number;
  pods: number;
  running: number;
  ok: boolean;
  wallMs: number;
  simMs: number;
  podsPerSec: number;
  peakMb: number;
  steps: number;
}

export function runSimBench(nodes: number, pods: number): SimRow {
  let peak = process.memoryUsage().rss;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const t0 = performance.now();
  const cluster = new Cluster({
    seed: 1, record: false, traceMessages: false, kubeProxy: false,
    // A /16 holds only 256 node /24s; large clusters use a wider --cluster-cidr.
    clusterCIDR: '10.64.0.0/10',
    nodes: Array.from({ length: nodes }, (_, i) => ({ name: `node-${i}`, capacity: { cpu: '32', memory: '128Gi', pods: '110' } })),
  });
  const objs: KObject[] = Array.from({ length: pods }, (_, i) => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
  }));
  // Let the nodes register first, as a real cluster would be up before the workload.
  cluster.sim.runFor(5_000);
  const vStart = cluster.sim.now();
  cluster.apply(objs);
  // Count pods as they turn Running, from the store's writes (O(1) per write).
  const isRunning = new Set<string>();
  const sub = cluster.sim.trace$.subscribe((e) => {
    if (e.kind !== 'write' || !e.key.startsWith('/registry/pods/default/')) return;
    const name = e.key.slice('/registry/pods/default/'.length);
    if (cluster.pod('default', name)?.status?.phase === 'Running') isRunning.add(name);
  });
  const ok = cluster.sim.runUntil(() => {
    if (cluster.sim.clock.steps % 20000 === 0) sample();
    return isRunning.size === pods;
  }, 3_600_000);
  sub.unsubscribe();
  const running = isRunning.size;
  sample();
  const wallMs = performance.now() - t0;
  const simMs = cluster.sim.now() - vStart;
  return { nodes, pods, running, ok, wallMs, simMs, podsPerSec: running / (wallMs / 1000), peakMb: peak / 2 ** 20, steps: cluster.sim.clock.steps };
}

export function formatSimRows(rows: SimRow[]): string {
  const header = ['nodes', 'pods', 'running', 'wall s', 'sim s', 'pods/s (wall)', 'queue steps', 'peak RSS MB'];
  return formatTable(header, rows.map((r) => [r.nodes, r.pods, r.running, (r.wallMs / 1000).toFixed(1), (r.simMs / 1000).toFixed(1), r.podsPerSec.toFixed(0), r.steps, r.peakMb.toFixed(0)].map(String)));
}
