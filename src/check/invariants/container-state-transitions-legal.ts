/**
 * Each container's state, as the API shows it, moves only along the container machine
 * (machines/container/machine.ts): read both statuses back to machine states (stateOfStatus) and
 * require a path between them, since several steps may fall between two status writes. A
 * container shown Terminated that is shown Running again was restarted, so its restartCount
 * grew; restartCount never goes down; one shown Running that waits again shows its last state.
 */
import type { ContainerStatus, Pod } from '../../api/objects.ts';
import { CONTAINER_STATES, containerMachine, nextContainerState, stateOfStatus, type ContainerEventType } from '../../../machines/container/machine.ts';
import { invariant } from '../invariant.ts';
import { sameObject } from '../objects.ts';

interface NodeLike { states: Record<string, NodeLike>; transitions: Map<string, unknown> }

/**
 * Every event type the machine handles somewhere, but `runtime.lost`: that edge (back to
 * ContainerCreating when the node lost the runtime's state) is legal only with the last state it
 * leaves, checked on its own below; in the reachability walk it would join every state to every other.
 */
function eventTypes(): ContainerEventType[] {
  const out = new Set<string>();
  const walk = (n: NodeLike) => {
    for (const t of n.transitions.keys()) if (t !== 'runtime.lost') out.add(t);
    for (const c of Object.values(n.states)) walk(c);
  };
  walk(containerMachine.root as unknown as NodeLike);
  return [...out] as ContainerEventType[];
}

/** state -> every state reachable from it in one or more steps (itself only through a cycle). */
function reachability(): Map<string, Set<string>> {
  const events = eventTypes();
  const step = new Map<string, Set<string>>();
  for (const s of CONTAINER_STATES) {
    const nexts = new Set<string>();
    for (const e of events) {
      const n = nextContainerState(s, e);
      if (n !== undefined) nexts.add(n);
    }
    step.set(s, nexts);
  }
  const out = new Map<string, Set<string>>();
  for (const s of CONTAINER_STATES) {
    const seen = new Set<string>();
    const queue = [...step.get(s)!];
    while (queue.length > 0) {
      const x = queue.shift()!;
      if (seen.has(x)) continue;
      seen.add(x);
      queue.push(...step.get(x)!);
    }
    out.set(s, seen);
  }
  return out;
}

const REACH = reachability();

function statuses(p: Pod): ContainerStatus[] {
  return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
}

export const containerStateTransitionsLegal = invariant({
  id: 'container-state-transitions-legal',
  statement: "a container's state changes only along the container machine's graph, and a restart shows as a higher restartCount",
  source: 'pkg/kubelet/kuberuntime (waiting reasons, convertToAPIContainerStatuses); pkg/kubelet/kubelet_pods.go (restartCount); machines/container/machine.ts',
  resources: ['pods'],
  onWrite(w) {
    if (w.type !== 'update' || !sameObject(w.prev, w.next)) return;
    const prev = w.prev as Pod;
    const next = w.next as Pod;
    if (prev.status === next.status) return;
    const before = new Map(statuses(prev).map((s) => [s.name, s]));
    const out: string[] = [];
    for (const n of statuses(next)) {
      const to = stateOfStatus(n);
      if (to === undefined) {
        out.push(`container ${n.name} shows a state the container machine does not have (${JSON.stringify(n.state)})`);
        continue;
      }
      const p = before.get(n.name);
      if (!p) continue;
      const from = stateOfStatus(p);
      if (from === undefined) continue;
      if (n.restartCount < p.restartCount) out.push(`container ${n.name}: restartCount went down from ${p.restartCount} to ${n.restartCount}`);
      const runtimeLost = (to === 'Waiting.ContainerCreating' || to === 'Waiting.PodInitializing') && n.lastState.terminated !== undefined;
      if (from !== to && !REACH.get(from)!.has(to) && !runtimeLost) out.push(`container ${n.name}: ${from} -> ${to} is not a path of the container machine`);
      // A container that ran and now waits shows how its run ended (a crash's exit, or the
      // ContainerStatusUnknown that convertToAPIContainerStatuses gives one the runtime lost).
      if (from.startsWith('Running') && to.startsWith('Waiting') && !n.lastState.terminated) {
        out.push(`container ${n.name}: ${from} -> ${to} without a last state showing how the run ended`);
      }
      if (from.startsWith('Terminated') && to.startsWith('Running') && n.restartCount <= p.restartCount) {
        out.push(`container ${n.name}: ${from} -> ${to} without a restart (restartCount stayed ${n.restartCount})`);
      }
    }
    if (out.length > 0) return out.map((m) => `${m}${w.request ? ` (written by ${w.request.from})` : ''}`);
  },
});
