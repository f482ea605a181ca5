import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { messageLabel, sequenceDiagram, shortPath } from '../../src/diagram/sequence.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { TraceEvent } from '../../src/sim/trace.ts';

let trace: TraceEvent[] | undefined;
function birthTrace(): TraceEvent[] {
  if (!trace) {
    const events: TraceEvent[] = [];
    runScenario(loadScenario('examples/birth-of-a-pod.yaml'), { record: false, onTrace: (e) => events.push(e) });
    trace = events;
  }
  return trace;
}

/** Participant names by id, and every other line checked against the forms the builder writes. */
function readSequence(src: string) {
  const lines = src.trimEnd().split('\n');
  expect(lines[0]).toBe('sequenceDiagram');
  const names = new Map<string, string>();
  const body: string[] = [];
  for (const line of lines.slice(1)) {
    let m: RegExpMatchArray | null;
    // Mermaid decodes entity codes (#58;) itself; a bare ';' would end the statement, a ':' the label.
    const bare = line.replace(/#\w+;/g, 'E');
    if ((m = line.match(/^ {2}participant (p\d+) as ([^:;#\n]+)$/))) {
      expect(body, 'participants come first').toHaveLength(0);
      names.set(m[1]!, m[2]!);
    } else if ((m = bare.match(/^ {2}(p\d+)(->>|-->>|-x)(p\d+): [^:;\n]+$/))) {
      expect(names.has(m[1]!) && names.has(m[3]!), line).toBe(true);
      body.push(line.replace(/p\d+/g, (id) => names.get(id)!));
    } else if ((m = bare.match(/^ {2}Note over (p\d+)(?:,(p\d+))?: [^:;\n]+$/))) {
      expect(names.has(m[1]!), line).toBe(true);
      body.push(line.replace(/p\d+/g, (id) => names.get(id)!));
    } else {
      throw new Error(`unexpected line: ${line}`);
    }
  }
  return { participants: [...names.values()], body };
}

describe('sequence diagram of a run', () => {
  it('shortens API paths for labels', () => {
    expect(shortPath('/api/v1/namespaces/default/pods')).toBe('pods');
    expect(shortPath('/api/v1/namespaces/default/pods/nginx/binding')).toBe('pods/nginx/binding');
    expect(shortPath('/apis/apps/v1/replicasets?watch=1')).toBe('replicasets');
    expect(messageLabel('201 POST /api/v1/namespaces/default/pods')).toBe('201 POST pods');
    expect(messageLabel('watch ADDED Pod default/nginx')).toBe('watch ADDED Pod default/nginx');
  });

  it('tells the birth of nginx: create, bind, the kubelet\'s sandbox and containers, the Events', () => {
    const src = sequenceDiagram(birthTrace(), { filter: 'nginx' });
    expect(sequenceDiagram(birthTrace(), { filter: 'nginx' })).toBe(src);
    const { participants, body } = readSequence(src);
    const node = birthTrace().flatMap((e) => (e.kind === 'k8s-event' && e.reason === 'Scheduled' ? [e.message.match(/to (\S+)$/)![1]!] : []))[0]!;
    const kubelet = `kubelet/${node}`;
    expect(participants.slice(0, 4)).toEqual(['client', 'kube-apiserver', 'etcd', 'kube-scheduler']);
    expect(participants).toContain(kubelet);
    expect(participants.indexOf(kubelet)).toBeLessThan(participants.indexOf('kube-controller-manager'));
    const at = (pattern: string) => {
      const i = body.findIndex((l) => l.includes(pattern));
      expect(i, pattern).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      at('client->>kube-apiserver: POST pods'),
      at('kube-apiserver->>etcd: create pods/default/nginx'),
      at('kube-apiserver-->>kube-scheduler: watch ADDED Pod default/nginx'),
      at(`Note over kube-scheduler: chose ${node} for default/nginx`),
      at('kube-scheduler->>kube-apiserver: POST pods/nginx/binding'),
      at(`kube-apiserver-->>${kubelet}: watch ADDED Pod default/nginx`),
      at(`Note over ${kubelet}: default/nginx#58; Pending.initializing.creatingSandbox`),
      at(`${kubelet}->>kube-apiserver: PATCH pods/nginx/status`),
      at(`Note over ${kubelet}: default/nginx#58; Pending.creatingContainers`),
      at(`Note over ${kubelet}: Started Pod/default/nginx`),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    at('Note over kube-scheduler: Scheduled Pod/default/nginx#58; Successfully assigned default/nginx to');
    at('Note over client: step 0#58; apply Pod/nginx');
    at('kube-apiserver-->>client: 201 POST pods');
    // Only nginx's story: no node registration, no other objects' writes.
    expect(body.some((l) => l.includes('POST nodes'))).toBe(false);
    expect(body.filter((l) => l.includes('->>etcd') || l.includes('-->>etcd')).every((l) => l.includes('nginx'))).toBe(true);
  });

  it('caps the arrows and says how many were left out', () => {
    const src = sequenceDiagram(birthTrace(), { maxArrows: 25 });
    const { body } = readSequence(src);
    expect(body.filter((l) => /->>|-->>|-x/.test(l))).toHaveLength(25);
    expect(body[body.length - 1]).toMatch(/^ {2}Note over [^,]+,kube-proxy\/\S+: \d+ more messages and \d+ notes left out \(at most 25 arrows, narrow with --sequence-filter\)$/);
  });

  it('kubelife run --sequence writes the diagram as markdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelife-seq-'));
    const file = join(dir, 'birth.md');
    const out: string[] = [];
    const code = await main(['node', 'kubelife', 'run', 'examples/birth-of-a-pod.yaml', '--quiet', '--sequence', file, '--sequence-filter', 'nginx'], (s) => out.push(s), (s) => out.push(s));
    expect(code).toBe(0);
    const md = readFileSync(file, 'utf8');
    expect(md).toMatch(/^# Sequence: birth-of-a-pod \(seed \d+\)\n/);
    expect(md).toContain('```mermaid\nsequenceDiagram\n');
    expect(md).toContain('POST pods/nginx/binding');
  });

  it('rejects --sequence-filter without --sequence in one line, exit 2', async () => {
    const err: string[] = [];
    expect(await main(['node', 'kubelife', 'run', 'examples/birth-of-a-pod.yaml', '--quiet', '--sequence-filter', 'nginx'], () => {}, (s) => err.push(s))).toBe(2);
    expect(err).toEqual(['error: --sequence-filter: needs --sequence (use e.g. --sequence birth.md --sequence-filter nginx)']);
  });
});
