/**
 * The pod phases the pod machine allows, read off its graph: an edge A -> B between phases
 * exists when some transition leads from a state under top-level A to one under top-level B,
 * possibly through the non-phase states (Terminating, Unknown). Checks use it to decide whether
 * an observed phase sequence is a path of the pod machine.
 */
import type { AnyStateMachine } from 'xstate';

export const API_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;

interface NodeLike {
  path: string[];
  states: Record<string, NodeLike>;
  transitions: Map<string, Array<{ target?: readonly NodeLike[] }>>;
  always?: Array<{ target?: readonly NodeLike[] }>;
}

function topLevelEdges(machine: AnyStateMachine): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a === b) return;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)!.add(b);
  };
  const walk = (n: NodeLike) => {
    const from = n.path[0];
    if (from !== undefined) {
      const defs = [...n.transitions.values()].flat().concat(n.always ?? []);
      for (const d of defs) for (const t of d.target ?? []) if (t.path[0] !== undefined) add(from, t.path[0]);
    }
    for (const child of Object.values(n.states)) walk(child);
  };
  walk(machine.root as unknown as NodeLike);
  return edges;
}

/**
 * Legal "A>B" phase changes: B reachable from A through non-phase states only. `phases` are the
 * top-level states that count as phases (the four API phases by default; add 'Unknown' to judge
 * the phase the kubelet reports for a pod whose node was lost).
 */
export function legalPhaseChanges(machine: AnyStateMachine, phaseList: readonly string[] = API_PHASES): Set<string> {
  const edges = topLevelEdges(machine);
  const phases = new Set<string>(phaseList);
  const legal = new Set<string>();
  for (const a of phaseList) {
    const seen = new Set<string>([a]);
    const queue = [...(edges.get(a) ?? [])];
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (seen.has(s)) continue;
      seen.add(s);
      if (phases.has(s)) legal.add(`${a}>${s}`);
      else queue.push(...(edges.get(s) ?? []));
    }
  }
  return legal;
}
