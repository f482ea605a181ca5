import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src/sim/cluster.ts';
import { Checker } from '../../src/check/checker.ts';
import type { Pod } from '../../src/api/objects.ts';

/**
 * A kubelet restarted right after a container died adopts the pod from what the container
 * runtime knows (the node's disk), not from the API's copy: the exited container restarts by its
 * policy and the phase never goes back from Running to Pending (found by `kubelife check`).
 */
/** One nginx pod Running on worker-1 under the checker, and a run predicate that records its phases. */
function soloRunning() {
  const cluster = new Cluster({ seed: 4, nodes: [{ name: 'worker-1' }] });
  const checker = new Checker().attach(cluster);
  cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as unknown as Pod]);
  cluster.sim.runUntil(() => cluster.pod('default', 'solo')?.status?.phase === 'Running', 30_000);
  const phases = new Set<string>();
  const seen = () => {
    phases.add(cluster.pod('default', 'solo')?.status?.phase ?? '');
    return false;
  };
  return { cluster, checker, phases, seen };
}

describe('a kubelet restart adopts pods from the runtime', () => {
  it('keeps a pod Running across a container exit and a kubelet restart in the same moment', () => {
    const cluster = new Cluster({ seed: 4, nodes: [{ name: 'worker-1' }], record: false, traceMessages: false });
    const checker = new Checker().attach(cluster);
    cluster.apply([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as unknown as Pod]);
    cluster.sim.runUntil(() => cluster.pod('default', 'solo')?.status?.phase === 'Running', 30_000);
    const ip = cluster.pod('default', 'solo')!.status!.podIP;
    expect(cluster.killContainer('default', 'solo', 'app', 1)).toBe(true);
    cluster.sim.restartComponent('kubelet/worker-1');
    cluster.sim.runUntilTime(cluster.sim.now() + 30_000);
    expect(checker.violations).toEqual([]);
    const pod = cluster.pod('default', 'solo')!;
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.podIP).toBe(ip);
    expect(pod.status!.containerStatuses![0]!.restartCount).toBe(1);
    expect(pod.status!.containerStatuses![0]!.state.running).toBeDefined();
  });

  it('a node back without its disk starts its pods over, and they stay Running (convertToAPIContainerStatuses\' ContainerStatusUnknown rule)', () => {
    const { cluster, checker, phases, seen } = soloRunning();
    const before = cluster.pod('default', 'solo')!;
    cluster.stopNode('worker-1');
    cluster.sim.runUntil(seen, 10_000);
    cluster.startNode('worker-1', { disk: 'lost' });
    // Back before the node monitor grace runs out: the kubelet finds the pod in the API, not in its runtime.
    const restarted = () => {
      seen();
      const running = cluster.pod('default', 'solo')?.status?.containerStatuses?.[0]?.state.running;
      return running !== undefined && running.startedAt !== before.status!.containerStatuses![0]!.state.running!.startedAt;
    };
    expect(cluster.sim.runUntil(restarted, 60_000)).toBe(true);
    expect(checker.violations).toEqual([]);
    expect([...phases]).toEqual(['Running']);
    const pod = cluster.pod('default', 'solo')!;
    const c = pod.status!.containerStatuses![0]!;
    expect(c.restartCount).toBe(1);
    expect(c.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running' });
    expect(pod.status!.podIP).toBeDefined();
    const events = cluster.sim.trace().filter((e) => e.kind === 'k8s-event' && e.object === 'Pod/default/solo').map((e) => (e as { reason: string }).reason);
    expect(events).toContain('SandboxChanged');
  });

  it('a node that goes down again before the pods it started over have a sandbox keeps them Running when it comes back (with its disk)', () => {
    // Found by `npm run check:long` (swarm, check seed 1, run 388): crash with disk lost, back,
    // crash again 0.5 s later with the disk kept: the runtime then held a view without a sandbox.
    const { cluster, checker, phases, seen } = soloRunning();
    cluster.stopNode('worker-1');
    cluster.sim.runUntil(seen, 10_000);
    cluster.startNode('worker-1', { disk: 'lost' });
    cluster.sim.runUntil(seen, 500);
    expect(cluster.pod('default', 'solo')!.status!.containerStatuses![0]!.state.running).toBeUndefined();
    cluster.stopNode('worker-1');
    cluster.sim.runUntil(seen, 10_000);
    cluster.startNode('worker-1', { disk: 'kept' });
    const running = () => {
      seen();
      return cluster.pod('default', 'solo')?.status?.containerStatuses?.[0]?.state.running !== undefined;
    };
    expect(cluster.sim.runUntil(running, 60_000)).toBe(true);
    expect(checker.violations).toEqual([]);
    expect([...phases]).toEqual(['Running']);
  });
});
