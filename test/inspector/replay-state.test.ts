/**
 * Time travel's fold (src/inspector/replay-state.ts): rules on hand-written events, then a real
 * run folded at every checkpoint boundary and compared with the live cluster and with itself.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { TraceEvent } from '../../src/sim/trace.ts';
import { ReplayIndex, applyEvent, emptyState, phaseOf, stateAt } from '../../src/inspector/replay-state.ts';

const EVENTS: TraceEvent[] = [
  { t: 1, kind: 'write', rev: 2, op: 'create', key: '/registry/nodes/worker-1' },
  { t: 2, kind: 'k8s-event', type: 'Normal', reason: 'NodeReady', object: 'Node/worker-1', source: 'kubelet', message: 'Node worker-1 status is now: NodeReady' },
  { t: 3, kind: 'write', rev: 3, op: 'create', key: '/registry/pods/default/nginx' },
  { t: 4, kind: 'note', actor: 'kube-scheduler', text: 'chose worker-1 for default/nginx: scores only feasible node' },
  { t: 5, kind: 'request', from: 'kube-scheduler', user: 'system:kube-scheduler', verb: 'create', path: '/api/v1/namespaces/default/pods/nginx/binding', stages: [], code: 201 },
  { t: 6, kind: 'transition', actor: 'pod/default/nginx', from: '', to: 'Pending.unscheduled', event: 'xstate.init' },
  { t: 7, kind: 'transition', actor: 'pod/default/nginx', from: 'Pending.creatingContainers.current', to: 'Running', event: 'container.started' },
  { t: 8, kind: 'note', actor: 'kube-controller-manager', text: 'node-lifecycle: node worker-1 NoSchedule taints: +node.kubernetes.io/not-ready' },
  { t: 9, kind: 'k8s-event', type: 'Normal', reason: 'NodeNotReady', object: 'Node/worker-1', source: 'node-controller', message: 'Node worker-1 status is now: NodeNotReady' },
  { t: 10, kind: 'note', actor: 'kube-controller-manager', text: 'node-lifecycle: node worker-1 NoSchedule taints: -node.kubernetes.io/not-ready' },
  { t: 11, kind: 'write', rev: 9, op: 'delete', key: '/registry/pods/default/nginx' },
];

describe('the replay fold', () => {
  it('has no pod before its create and a Pending one right after', () => {
    expect(stateAt(EVENTS, 2).pods).toEqual({});
    expect(stateAt(EVENTS, 3).pods['default/nginx']).toEqual({ namespace: 'default', name: 'nginx', phase: 'Pending', state: '' });
  });

  it('puts the pod on the chosen node once the binding succeeds, not at the choice', () => {
    expect(stateAt(EVENTS, 4).pods['default/nginx']?.node).toBeUndefined();
    expect(stateAt(EVENTS, 5).pods['default/nginx']?.node).toBe('worker-1');
  });

  it('takes the phase from the pod worker top state', () => {
    expect(stateAt(EVENTS, 6).pods['default/nginx']?.phase).toBe('Pending');
    expect(stateAt(EVENTS, 7).pods['default/nginx']).toMatchObject({ phase: 'Running', state: 'Running' });
    expect(phaseOf('Terminating.killing')).toBe('Terminating');
    expect(phaseOf('')).toBe('Pending');
  });

  it('follows node readiness and the lifecycle controller taints', () => {
    expect(stateAt(EVENTS, 1).nodes['worker-1']).toEqual({ name: 'worker-1', taints: [] });
    expect(stateAt(EVENTS, 2).nodes['worker-1']?.ready).toBe(true);
    expect(stateAt(EVENTS, 8).nodes['worker-1']?.taints).toEqual(['node.kubernetes.io/not-ready']);
    expect(stateAt(EVENTS, 9).nodes['worker-1']?.ready).toBe(false);
    expect(stateAt(EVENTS, 10).nodes['worker-1']?.taints).toEqual([]);
  });

  it('forgets a deleted pod and its worker', () => {
    const s = stateAt(EVENTS, 11);
    expect(s.pods).toEqual({});
    expect(s.actors['pod/default/nginx']).toBeUndefined();
    expect(s.index).toBe(11);
    expect(s.t).toBe(11);
  });

  it('records every actor state and the event that made it', () => {
    expect(stateAt(EVENTS, 7).actors['pod/default/nginx']).toEqual({ state: 'Running', event: 'container.started', t: 7 });
  });

  it('does not change the base state it folds onto', () => {
    const base = emptyState();
    applyEvent(base, EVENTS[0]!);
    const copy = JSON.stringify(base);
    stateAt(EVENTS.slice(1), 5, base);
    expect(JSON.stringify(base)).toBe(copy);
  });
});

describe('the replay index over a real run', () => {
  const loaded = loadScenario('examples/birth-of-a-pod.yaml');
  const events: TraceEvent[] = [];
  const result = runScenario(loaded, { record: false, traceMessages: false, onTrace: (e) => events.push(e) });

  it('ends where the cluster is: nginx Running on the node it was bound to, every node Ready', () => {
    const s = stateAt(events, events.length);
    const pod = result.cluster.pod('default', 'nginx')!;
    expect(s.pods['default/nginx']).toMatchObject({ phase: 'Running', node: pod.spec.nodeName });
    expect(Object.keys(s.nodes).sort()).toEqual(['control-plane', 'worker-1', 'worker-2', 'worker-3']);
    expect(Object.values(s.nodes).every((n) => n.ready === true)).toBe(true);
    expect(s.actors['kube-scheduler']?.state).toBe('idle');
  });

  it('goes back in time: the pod is absent before the step that applies it', () => {
    const step = events.findIndex((e) => e.kind === 'step');
    expect(step).toBeGreaterThan(0);
    expect(stateAt(events, step).pods['default/nginx']).toBeUndefined();
  });

  it('answers from checkpoints exactly as a fold from the start, also after dropping old events', () => {
    const idx = new ReplayIndex(50);
    const small = new ReplayIndex(50, 200);
    for (const e of events) {
      idx.push(e);
      small.push(e);
    }
    expect(idx.length).toBe(events.length);
    expect(small.length).toBe(events.length);
    expect(small.first).toBeGreaterThan(0);
    for (const i of [0, 1, 49, 50, 51, 99, 100, 333, events.length - 1, events.length]) {
      expect(idx.stateAt(i)).toEqual(stateAt(events, i));
      if (i >= small.first) expect(small.stateAt(i)).toEqual(stateAt(events, i));
    }
    expect(small.stateAt(0).index).toBe(small.first);
  });
});
