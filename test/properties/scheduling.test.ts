/**
 * Property tests over random clusters and random pod sets: the whole pipeline (API server,
 * scheduler, kubelets) must place every pod it can, respect every constraint, never over-commit a
 * node, never move a bound pod, walk only legal phase paths, and keep revisions increasing.
 * On failure fast-check prints the seed and the shrunk counterexample; replay with that seed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cluster } from '../../src/sim/cluster.ts';
import type { Node, Pod, KObject } from '../../src/api/objects.ts';
import { makeNodeInfo, podRequests, type NodeInfo } from '../../machines/kube-scheduler/framework.ts';
import { podMatchesNodeSelectorAndAffinity } from '../../machines/kube-scheduler/plugins/NodeAffinity.ts';
import { tolerationsTolerateTaint } from '../../machines/kube-scheduler/plugins/TaintToleration.ts';
import { fitsRequest } from '../../machines/kube-scheduler/plugins/NodeResourcesFit.ts';
import { podMachine } from '../../machines/pod/machine.ts';
import { legalPhaseChanges } from '../../src/check/phase-graph.ts';

const ZONES = ['a', 'b', 'c'];
const TAINT_KEYS = ['dedicated', 'gpu'];

const nodeArb = fc.record({
  cpu: fc.constantFrom('1', '2', '4', '8'),
  memory: fc.constantFrom('2Gi', '4Gi', '8Gi'),
  pods: fc.constantFrom('3', '10', '110'),
  gpu: fc.constantFrom(0, 0, 1, 2),
  zone: fc.constantFrom(...ZONES),
  taint: fc.option(fc.constantFrom(...TAINT_KEYS), { nil: undefined }),
});

const podArb = fc.record({
  cpu: fc.constantFrom('0', '100m', '250m', '500m', '1', '3', '9'),
  memory: fc.constantFrom('0', '64Mi', '512Mi', '1Gi', '5Gi'),
  gpu: fc.constantFrom(0, 0, 0, 1),
  zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  tolerate: fc.option(fc.constantFrom(...TAINT_KEYS), { nil: undefined }),
});

type NodeSpec = typeof nodeArb extends fc.Arbitrary<infer T> ? T : never;
type PodSpec = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function buildPod(i: number, p: PodSpec): KObject {
  const requests: Record<string, string> = {};
  if (p.cpu !== '0') requests['cpu'] = p.cpu;
  if (p.memory !== '0') requests['memory'] = p.memory;
  const limits: Record<string, string> = p.gpu ? { 'nvidia.com/gpu': String(p.gpu) } : {};
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default' },
    spec: {
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests, ...(p.gpu ? { limits } : {}) } }],
      ...(p.zone ? { nodeSelector: { 'topology.kubernetes.io/zone': p.zone } } : {}),
      ...(p.tolerate ? { tolerations: [{ key: p.tolerate, operator: 'Exists', effect: 'NoSchedule' }] } : {}),
    },
  };
}

function constraintsHold(pod: Pod, node: Node): boolean {
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) return false;
  for (const t of node.spec.taints ?? []) {
    if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerationsTolerateTaint(pod.spec.tolerations ?? [], t)) return false;
  }
  return true;
}

// Legal phase changes are read off the pod machine's graph: a phase sequence must be a path of it.
const LEGAL = legalPhaseChanges(podMachine);

function play(nodes: NodeSpec[], pods: PodSpec[], seed: number) {
  const cluster = new Cluster({
    seed, record: false, traceMessages: false, kubeProxy: false,
    nodes: nodes.map((n, i) => ({
      name: `n${i}`,
      capacity: { cpu: n.cpu, memory: n.memory, pods: n.pods, ...(n.gpu ? { 'nvidia.com/gpu': String(n.gpu) } : {}) },
      labels: { 'topology.kubernetes.io/zone': n.zone },
      taints: n.taint ? [{ key: n.taint, effect: 'NoSchedule' as const }] : [],
    })),
  });
  const problems: string[] = [];
  const boundTo = new Map<string, string>();
  const phases = new Map<string, string[]>();
  let lastRev = 0;
  cluster.sim.trace$.subscribe((e) => {
    if (e.kind !== 'write') return;
    if (e.rev < lastRev) problems.push(`revision went from ${lastRev} to ${e.rev}`);
    lastRev = Math.max(lastRev, e.rev);
    if (!e.key.startsWith('/registry/pods/') || e.op === 'delete') return;
    const [, , , ns, name] = e.key.split('/');
    const p = cluster.pod(ns!, name!);
    if (!p) return;
    const key = `${ns}/${name}`;
    if (p.spec.nodeName) {
      const before = boundTo.get(key);
      if (before && before !== p.spec.nodeName) problems.push(`${key} moved from ${before} to ${p.spec.nodeName}`);
      boundTo.set(key, p.spec.nodeName);
    }
    const seq = phases.get(key) ?? [];
    const ph = p.status?.phase ?? 'Pending';
    if (seq[seq.length - 1] !== ph) seq.push(ph);
    phases.set(key, seq);
  });
  cluster.sim.runFor(3_000);
  cluster.apply(pods.map((p, i) => buildPod(i, p)));
  cluster.sim.runUntilQuiet(15_000, 300_000);
  return { cluster, problems, phases };
}

describe('scheduling over random clusters and pod sets', () => {
  it('places what fits, respects constraints, never over-commits, never rebinds, walks legal phases', () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 20 }), fc.array(podArb, { minLength: 1, maxLength: 100 }), fc.nat(1000), (nodeSpecs, podSpecs, seed) => {
        const { cluster, problems, phases } = play(nodeSpecs, podSpecs, seed);
        expect(problems).toEqual([]);
        const nodes = cluster.sim.list('nodes') as Node[];
        const pods = cluster.pods('default');
        expect(pods.length).toBe(podSpecs.length);
        const infos = new Map<string, NodeInfo>();
        for (const n of nodes) infos.set(n.metadata.name!, makeNodeInfo(n, pods.filter((p) => p.spec.nodeName === n.metadata.name && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')));
        for (const [name, info] of infos) {
          for (const [r, used] of Object.entries(info.requested)) {
            const cap = info.allocatable[r] ?? 0;
            expect(used, `node ${name} over-committed on ${r}`).toBeLessThanOrEqual(cap);
          }
        }
        for (const p of pods) {
          const key = `default/${p.metadata.name}`;
          for (const [a, b] of (phases.get(key) ?? []).slice(1).map((ph, i, arr) => [i === 0 ? (phases.get(key) ?? [])[0] : arr[i - 1], ph])) {
            expect(LEGAL.has(`${a}>${b}`), `${key} phase ${a} -> ${b}`).toBe(true);
          }
          if (p.spec.nodeName) {
            expect(p.status?.phase, `${key} bound to ${p.spec.nodeName}`).toBe('Running');
            const node = nodes.find((n) => n.metadata.name === p.spec.nodeName)!;
            expect(constraintsHold(p, node), `${key} on ${node.metadata.name} violates its constraints`).toBe(true);
          } else {
            expect(p.status?.phase).toBe('Pending');
            const cond = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
            expect(cond?.reason, `${key} pending without FailedScheduling`).toBe('Unschedulable');
            // Nothing left behind: no node could take it now.
            for (const n of nodes) {
              const fits = constraintsHold(p, n) && fitsRequest(podRequests(p), infos.get(n.metadata.name!)!).length === 0;
              expect(fits, `${key} is Pending but fits ${n.metadata.name}`).toBe(false);
            }
          }
        }
      }),
      { numRuns: 25, verbose: 1 },
    );
  });
});
