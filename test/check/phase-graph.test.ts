import { describe, expect, it } from 'vitest';
import { podMachine } from '../../machines/pod/machine.ts';
import { legalPhaseChanges } from '../../src/check/phase-graph.ts';

describe('phase changes read off the pod machine', () => {
  it('allow the lifecycle Kubernetes documents and nothing that leaves a terminal phase', () => {
    const legal = legalPhaseChanges(podMachine);
    expect(legal.has('Pending>Running')).toBe(true);
    expect(legal.has('Running>Succeeded')).toBe(true);
    expect(legal.has('Running>Failed')).toBe(true);
    expect(legal.has('Pending>Failed')).toBe(true);
    for (const terminal of ['Succeeded', 'Failed']) {
      for (const other of ['Pending', 'Running', 'Succeeded', 'Failed']) expect(legal.has(`${terminal}>${other}`)).toBe(false);
    }
    // Guards are not evaluated: Running -> Unknown -> (history) Pending is read as possible,
    // although the lostFromRunning guard sends it back to Running. Over-approximate, never under.
  });
});
