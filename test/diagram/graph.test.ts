import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { machineForActor, machineGraph, machineGraphs, resolveStateIds, stateIdsOf } from '../../src/diagram/graph.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { TraceEvent } from '../../src/sim/trace.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Machines defined in machines/: one per createMachine call (the controller factories are counted per controller). */
function createMachineFiles(): string[] {
  return filesUnder('machines').filter((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes('.createMachine('));
}

let trace: TraceEvent[] | undefined;
function birthTrace(): TraceEvent[] {
  if (!trace) {
    const events: TraceEvent[] = [];
    runScenario(loadScenario('examples/birth-of-a-pod.yaml'), { record: false, onTrace: (e) => events.push(e) });
    trace = events;
  }
  return trace;
}

describe('machine graphs', () => {
  it('has every machine of machines/, each once, with its source file', () => {
    const graphs = machineGraphs();
    const ids = graphs.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['kube-apiserver', 'etcd', 'kube-scheduler', 'kube-controller-manager', 'replicaset', 'deployment', 'endpointslice', 'nodeipam', 'garbage-collector', 'nodelifecycle', 'taint-eviction-controller', 'kubelet', 'pod', 'container', 'kube-proxy']) {
      expect(ids).toContain(id);
    }
    for (const g of graphs) expect(statSync(g.source).isFile(), g.source).toBe(true);
    // Every file with a createMachine call is the source of some graph (controller.ts and
    // timed-controller.ts are factories: their machines are listed under each controller's file).
    const sources = new Set(graphs.map((g) => g.source));
    const factories = ['machines/kube-controller-manager/controller.ts', 'machines/kube-controller-manager/timed-controller.ts'];
    for (const f of createMachineFiles()) if (!factories.includes(f)) expect(sources, f).toContain(f);
  });

  it('is the same on every call (stable order)', () => {
    expect(JSON.stringify(machineGraphs())).toBe(JSON.stringify(machineGraphs()));
  });

  it('has a root, unique ids, known parents and initials, and transitions between known states', () => {
    for (const g of machineGraphs()) {
      const ids = new Set(g.states.map((s) => s.id));
      expect(ids.size, g.id).toBe(g.states.length);
      expect(g.states[0]).toMatchObject({ id: '', key: g.id });
      expect(ids.has(g.initial), `${g.id} initial`).toBe(true);
      for (const s of g.states.slice(1)) {
        expect(ids.has(s.parent!), `${g.id}: ${s.id} parent`).toBe(true);
        if (s.initial !== undefined) expect(ids.has(s.initial), `${g.id}: ${s.id} initial`).toBe(true);
        if (s.type === 'compound') expect(s.initial, `${g.id}: ${s.id}`).toBeDefined();
      }
      for (const t of g.transitions) {
        expect(ids.has(t.source), `${g.id}: source ${t.source}`).toBe(true);
        expect(ids.has(t.target), `${g.id}: target ${t.target}`).toBe(true);
        expect(t.event).not.toMatch(/^xstate\.after/);
      }
    }
  });

  it('names delays and eventless transitions readably', () => {
    const proxy = machineGraph('kube-proxy')!;
    expect(proxy.transitions.some((t) => t.event === 'after minSyncPeriod')).toBe(true);
    const kubelet = machineGraph('kubelet')!;
    expect(kubelet.transitions).toContainEqual({ source: 'waitingForPodCIDR', target: 'ready', event: 'always', guard: 'hasPodCIDR' });
  });

  it('has the pod states the docs and the birth of a pod name', () => {
    const pod = new Set(machineGraph('pod')!.states.map((s) => s.id));
    for (const s of ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown', 'Terminating', 'Pending.unscheduled', 'Pending.scheduled', 'Pending.initializing.mountingVolumes', 'Pending.initializing.creatingSandbox', 'Pending.creatingContainers']) {
      expect(pod, s).toContain(s);
    }
    expect(machineGraph('pod')!.states.find((s) => s.id === 'Succeeded')?.type).toBe('final');
  });

  it('has the container states docs/SCENARIOS.md lists', () => {
    const doc = readFileSync('docs/SCENARIOS.md', 'utf8').replace(/\s+/g, ' ');
    const container = new Set(machineGraph('container')!.states.map((s) => s.id));
    let named = 0;
    for (const m of doc.matchAll(/`(Waiting|Running|Terminated)\.\{([^}]*)\}`/g)) {
      for (const leaf of m[2]!.split(',')) {
        expect(container, `${m[1]}.${leaf.trim()}`).toContain(`${m[1]}.${leaf.trim()}`);
        named++;
      }
    }
    expect(named).toBeGreaterThanOrEqual(18);
  });
});

describe('actors and their states in a trace', () => {
  it('maps every actor of the birth of a pod to a machine whose states its transitions use', () => {
    const actors = new Map<string, string[]>();
    for (const e of birthTrace()) if (e.kind === 'transition') actors.set(e.actor, [...(actors.get(e.actor) ?? []), e.from, e.to]);
    expect(actors.size).toBeGreaterThanOrEqual(10);
    expect([...actors.keys()]).toContain('pod/default/nginx');
    for (const [actor, values] of actors) {
      const id = machineForActor(actor);
      expect(id, actor).toBeDefined();
      const graph = machineGraph(id!)!;
      for (const v of values) if (v !== '') expect(resolveStateIds(v, graph), `${actor}: ${v}`).toBeDefined();
    }
  });

  it('maps system ids to machine ids', () => {
    expect(machineForActor('kubelet/worker-1')).toBe('kubelet');
    expect(machineForActor('pod/default/nginx')).toBe('pod');
    expect(machineForActor('kube-controller-manager/replicaset')).toBe('replicaset');
    expect(machineForActor('kube-controller-manager/taint-eviction-controller')).toBe('taint-eviction-controller');
    expect(machineForActor('kube-controller-manager')).toBe('kube-controller-manager');
    expect(machineForActor('kube-scheduler/leader-election')).toBe(machineGraph('leader-election') ? 'leader-election' : 'kube-scheduler');
    expect(machineForActor('kube-proxy/worker-1')).toBe('kube-proxy');
    expect(machineForActor('etcd')).toBe('etcd');
    expect(machineForActor('kube-apiserver')).toBe('kube-apiserver');
    expect(machineForActor('kube-scheduler')).toBe('kube-scheduler');
    expect(machineForActor('client')).toBeUndefined();
    expect(machineForActor('kube-controller-manager/nope')).toBeUndefined();
  });

  it('turns a state string into the active state ids, ancestors included', () => {
    const rs = machineGraph('replicaset')!;
    const active = ['running', 'running.worker', 'running.worker.idle', 'running.requeue', 'running.requeue.quiet'];
    expect(stateIdsOf('running.worker.idle|requeue.quiet', rs)).toEqual(active);
    expect(stateIdsOf('running.worker.idle|requeue.quiet')).toEqual(active);
    expect(stateIdsOf('Pending.initializing.creatingSandbox', machineGraph('pod'))).toEqual(['Pending', 'Pending.initializing', 'Pending.initializing.creatingSandbox']);
    expect(stateIdsOf('')).toEqual([]);
    expect(resolveStateIds('nowhere', rs)).toBeUndefined();
  });
});
