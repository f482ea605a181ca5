/**
 * A pod's story (src/inspector/story.ts) from a real run of examples/service.yaml: a ReplicaSet's
 * pod crosses kube-controller-manager, kube-apiserver, etcd, kube-scheduler, its kubelet and the
 * kube-proxies; requests are drawn before the writes they made; the scheduler's table comes from
 * its kept decision live, or from its note in a recorded trace.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { TraceEvent } from '../../src/sim/trace.ts';
import { liveSchedulerTable, podStory, tableFromTrace } from '../../src/inspector/story.ts';
import { matchesFilter, mentionsPod } from '../../src/inspector/views.ts';

const events: TraceEvent[] = [];
const result = runScenario(loadScenario('examples/service.yaml'), { record: false, traceMessages: false, onTrace: (e) => events.push(e) });
const pod = result.cluster.pods('default').find((p) => p.metadata.name?.startsWith('web-'))!;
const name = pod.metadata.name!;

describe('a pod story', () => {
  const story = podStory(events, 0, 'default', name, null);

  it('crosses every component of a pod birth, in the order a birth crosses them', () => {
    const lanes = story.lanes.map((l) => l.split('/')[0]);
    expect([...new Set(lanes)]).toEqual(['kube-controller-manager', 'kube-apiserver', 'etcd', 'kube-scheduler', 'kubelet', 'kube-proxy']);
    expect(story.lanes).toContain(`kubelet/${pod.spec.nodeName}`);
  });

  it('starts with the controller creating the pod, the request before its write', () => {
    expect(story.entries[0]).toMatchObject({ kind: 'request', from: 'kube-controller-manager', to: 'kube-apiserver' });
    expect(story.entries[1]).toMatchObject({ kind: 'write', from: 'kube-apiserver', to: 'etcd' });
    expect(story.entries[1]!.text).toContain(`/registry/pods/default/${name}`);
  });

  it('shows the binding, the kubelet worker reaching Running, and the Started Event', () => {
    const texts = story.entries.map((e) => e.text);
    expect(texts.some((t) => t.includes(`/pods/${name}/binding → 201`))).toBe(true);
    expect(texts.some((t) => t.includes('→ Running on container.started'))).toBe(true);
    expect(texts.some((t) => t.startsWith('Event Normal Started'))).toBe(true);
  });

  it('keeps only events about this pod (and the endpoint updates that follow its start)', () => {
    for (const e of story.entries) {
      const ev = events[e.i]!;
      const about = mentionsPod(ev, `default/${name}`) || e.kind === 'request' || (ev.kind === 'write' && ev.key.startsWith('/registry/endpointslices/')) || (ev.kind === 'note' && ev.actor.startsWith('kube-proxy/'));
      expect(about, JSON.stringify(ev)).toBe(true);
    }
  });
});

describe('the scheduler table', () => {
  it('live: every node with its filters in order and, for the feasible ones, every score plugin', () => {
    const t = liveSchedulerTable(result.cluster.sim.component('kube-scheduler'), `default/${name}`)!;
    expect(t).toMatchObject({ source: 'live', ok: true, node: pod.spec.nodeName });
    const cp = t.evaluated.find((n) => n.node === 'control-plane')!;
    expect(cp.feasible).toBe(false);
    expect(cp.filters[cp.filters.length - 1]).toMatchObject({ plugin: 'TaintToleration', code: 'UnschedulableAndUnresolvable' });
    const chosen = t.evaluated.find((n) => n.node === pod.spec.nodeName)!;
    // Plugins whose preScore said Skip (NodeAffinity without preferences) are absent.
    expect(chosen.scores?.map((s) => s.plugin)).toEqual(expect.arrayContaining(['TaintToleration', 'NodeResourcesFit', 'NodeResourcesBalancedAllocation', 'ImageLocality']));
    expect(chosen.total).toBe(chosen.scores!.reduce((a, s) => a + s.weighted, 0));
  });

  it('from a recorded trace: the totals and rejections of the scheduler note agree with the live table', () => {
    const live = liveSchedulerTable(result.cluster.sim.component('kube-scheduler'), `default/${name}`)!;
    const t = tableFromTrace(events, `default/${name}`)!;
    expect(t).toMatchObject({ source: 'trace', ok: true, node: pod.spec.nodeName });
    for (const n of live.evaluated) {
      const m = t.evaluated.find((x) => x.node === n.node)!;
      expect(m.feasible).toBe(n.feasible);
      if (n.feasible) expect(m.total).toBe(n.total);
      else expect(m.filters[0]!.reasons).toEqual(n.filters[n.filters.length - 1]!.reasons);
    }
    expect(tableFromTrace(events, 'default/nope')).toBeNull();
  });
});

describe('the log filters', () => {
  it('select by kind, by actor prefix and by pod', () => {
    const scheduled = events.filter((e) => matchesFilter(e, { kind: 'k8s-event', pod: `default/${name}` }));
    expect(scheduled.map((e) => (e as { reason: string }).reason)).toContain('Scheduled');
    expect(events.filter((e) => matchesFilter(e, { actor: 'kubelet' })).every((e) => JSON.stringify(e).includes('kubelet'))).toBe(true);
    expect(events.filter((e) => matchesFilter(e, { actor: 'kube-proxy', kind: 'note' })).length).toBeGreaterThan(0);
    expect(events.filter((e) => matchesFilter(e, { pod: name })).length).toBe(events.filter((e) => matchesFilter(e, { pod: `default/${name}` })).length);
  });
});
