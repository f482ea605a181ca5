/** The script rules on a fake environment: ordered subsequence, optional steps, time bounds, events. */
import { describe, expect, it } from 'vitest';
import { observe, type Observation } from '../../src/conformance/observe.ts';
import { playCase, type ScriptEnv } from '../../src/conformance/script.ts';
import { containerEdgesOf, podEdgesOf } from '../../src/conformance/generate.ts';
import { RECIPES } from '../../src/conformance/recipes.ts';
import type { CaseStep, ConformanceCase } from '../../src/conformance/schema.ts';

type Status = { phase: string; state?: Record<string, unknown>; restartCount?: number };

/** A fake cluster whose pod goes through `script` (time, status) once created. */
function fakeEnv(script: Array<[number, Status]>, events: Array<{ reason: string; t: number }> = []): ScriptEnv & { actions: string[] } {
  let now = 0;
  const timeline: Observation[] = [];
  let created = -1;
  const actions: string[] = [];
  const feed = () => {
    if (created < 0) return;
    for (const [t, st] of script) {
      if (created + t > now || timeline.some((o) => o.t === created + t)) continue;
      timeline.push(observe(created + t, { metadata: { name: 'p' }, status: { phase: st.phase, containerStatuses: [{ name: 'c', state: st.state ?? {}, restartCount: st.restartCount ?? 0 }] } }));
    }
  };
  return {
    now: () => now,
    timeline,
    events: events.map((e) => ({ ...e, type: 'Normal', object: 'p', message: '' })),
    actions,
    perform: async (a) => {
      actions.push(Object.keys(a)[0]!);
      if ('create' in a) created = now;
    },
    waitUntil: async (pred, deadline) => {
      while (!pred() && now < deadline) {
        now += 0.5;
        feed();
      }
    },
  };
}

function kase(steps: CaseStep[], events: ConformanceCase['events'] = []): ConformanceCase {
  return { apiVersion: 'kubelife.io/v1alpha1', kind: 'ConformanceCase', name: 't', description: '', kubeliteOnly: false, covers: { container: [], pod: [], scheduler: [] }, paths: [], upstream: [], steps, events };
}

const create: CaseStep = { do: { create: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } } };
const running = { running: { startedAt: 'x' } };
const crashed = { terminated: { exitCode: 1, reason: 'Error' } };
const backoff = { waiting: { reason: 'CrashLoopBackOff' } };
const story: Array<[number, Status]> = [[1, { phase: 'Pending' }], [2, { phase: 'Running', state: running }], [3, { phase: 'Running', state: crashed }], [14, { phase: 'Running', state: backoff, restartCount: 2 }]];

describe('playing a case', () => {
  it('matches expectations as an ordered subsequence, skipping an optional step not seen', async () => {
    const r = await playCase(kase([
      create,
      { expect: { pod: 'p', container: { name: 'c', state: 'Waiting.ImagePullBackOff' }, within: 30, optional: true } },
      { expect: { pod: 'p', container: { name: 'c', state: 'Terminated.Error' }, within: 30 } },
      { expect: { pod: 'p', container: { name: 'c', state: 'CrashLoopBackOff', restartCountAtLeast: 2 }, after: 10, within: 30 } },
    ]), fakeEnv(story));
    expect(r.firstMismatch).toBeUndefined();
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'skipped', 'passed', 'passed']);
  });

  it('fails an expectation seen before its lower bound', async () => {
    const r = await playCase(kase([create, { expect: { pod: 'p', container: { name: 'c', state: 'Running' }, after: 5, within: 30 } }]), fakeEnv(story));
    expect(r.firstMismatch).toMatch(/^step 2: expected pod p: container c Running no earlier than 5s, seen at 2\.0s$/);
  });

  it('fails an expectation not seen within its bound, naming what was seen last', async () => {
    const r = await playCase(kase([create, { expect: { pod: 'p', phase: 'Succeeded', within: 20 } }]), fakeEnv(story));
    expect(r.firstMismatch).toMatch(/^step 2: expected pod p: phase Succeeded within 20s; last seen: pod p at 14\.0s: phase Running; c Waiting\.CrashLoopBackOff \(restarts 2\)$/);
  });

  it('does not match out of order', async () => {
    const r = await playCase(kase([create,
      { expect: { pod: 'p', container: { name: 'c', state: 'Terminated' }, within: 30 } },
      { expect: { pod: 'p', container: { name: 'c', state: 'Running' }, within: 30 } }]), fakeEnv(story));
    expect(r.ok).toBe(false);
  });

  it('checks Events by reason and time, and scales bounds', async () => {
    const ok = await playCase(kase([create], [{ reason: 'Started', within: 5 }]), fakeEnv(story, [{ reason: 'Started', t: 4 }]));
    expect(ok.ok).toBe(true);
    const late = await playCase(kase([create], [{ reason: 'Started', within: 5 }]), fakeEnv(story, [{ reason: 'Started', t: 8 }]));
    expect(late.firstMismatch).toMatch(/event Started on|event Started seen at 8\.0s, later than 5s/);
    expect((await playCase(kase([create], [{ reason: 'Started', within: 5 }]), fakeEnv(story, [{ reason: 'Started', t: 8 }]), 2)).ok).toBe(true);
    const missing = await playCase(kase([create], [{ reason: 'BackOff', within: 5 }]), fakeEnv(story, [{ reason: 'Started', t: 1 }]));
    expect(missing.firstMismatch).toBe('event BackOff never seen (seen: Started)');
  });
});

describe('recipes that disagree with the machines do not generate', () => {
  it('an event the container machine refuses in that state', () => {
    const r = { ...RECIPES[0]!, containers: [{ name: 'c', events: ['restart.backOff' as const] }] };
    expect(() => containerEdgesOf(r)).toThrow(/does not take "restart.backOff" in Waiting.ContainerCreating/);
  });

  it('a pod edge the walked graph does not have', () => {
    const r = { ...RECIPES[0]!, pod: 'Pending.unscheduled pod.admitted Running' };
    expect(() => podEdgesOf(r)).toThrow(/the pod machine has no edge Pending.unscheduled --pod.admitted--> Running/);
  });
});
