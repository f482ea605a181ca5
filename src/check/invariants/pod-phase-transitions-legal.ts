/**
 * A pod's phase only moves along the pod machine's graph (machines/pod/machine.ts): Pending to
 * Running, Running to Succeeded or Failed, Pending straight to a terminal phase; Succeeded and
 * Failed are final; Unknown (a lost node) leads back where the pod was or on to termination.
 * Several steps between two writes are fine as long as each is an edge of the machine.
 */
import type { Pod } from '../../api/objects.ts';
import { podMachine } from '../../../machines/pod/machine.ts';
import { legalPhaseChanges } from '../phase-graph.ts';
import { invariant } from '../invariant.ts';
import { sameObject } from '../objects.ts';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
const EDGES = legalPhaseChanges(podMachine, PHASES);

/**
 * Phase changes that are paths of edges, where a lost node (Unknown) leads back only to the
 * phase the pod was lost from (the machine's lostFromRunning guard on node.recovered, which a
 * graph walk cannot evaluate) or on to termination.
 */
function closure(): Set<string> {
  const legal = new Set<string>();
  for (const a of PHASES) {
    const seen = new Set<string>();
    const queue: Array<[string, string | undefined]> = [[a, a === 'Unknown' ? undefined : a]];
    while (queue.length > 0) {
      const [x, lostFrom] = queue.shift()!;
      for (const y of PHASES) {
        if (!EDGES.has(`${x}>${y}`)) continue;
        if (x === 'Unknown' && (y === 'Pending' || y === 'Running') && lostFrom !== undefined && y !== lostFrom) continue;
        const next: [string, string | undefined] = [y, y === 'Unknown' ? (x === 'Unknown' ? lostFrom : x) : y];
        const k = next.join('|');
        if (seen.has(k)) continue;
        seen.add(k);
        if (y !== a) legal.add(`${a}>${y}`);
        queue.push(next);
      }
    }
  }
  return legal;
}

export const LEGAL_PHASE_CHANGES: ReadonlySet<string> = closure();
const LEGAL = LEGAL_PHASE_CHANGES;

const phaseOf = (p: Pod) => p.status?.phase ?? 'Pending';

export const podPhaseTransitionsLegal = invariant({
  id: 'pod-phase-transitions-legal',
  statement: "a pod's phase changes only along the pod machine's graph, and Succeeded and Failed are final",
  source: 'pkg/kubelet/kubelet_pods.go (getPhase); pkg/kubelet/status/status_manager.go (terminal phases never revert); machines/pod/machine.ts',
  resources: ['pods'],
  onWrite(w) {
    if (w.type !== 'update' || !sameObject(w.prev, w.next)) return;
    const from = phaseOf(w.prev as Pod);
    const to = phaseOf(w.next as Pod);
    if (from === to || LEGAL.has(`${from}>${to}`)) return;
    return `phase ${from} -> ${to} is not a path of the pod machine${w.request ? ` (written by ${w.request.from})` : ''}`;
  },
});
