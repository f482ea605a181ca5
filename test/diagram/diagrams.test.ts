import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mermaidFiles } from '../../src/cli/diagram.ts';
import { main } from '../../src/cli/main.ts';
import { machineGraph, machineGraphs, stateIdsOf, type MachineGraph } from '../../src/diagram/graph.ts';
import { layoutMachine, renderSvg, type Layout } from '../../src/diagram/layout.ts';
import { escapeLabel, mermaidIds, toMermaid } from '../../src/diagram/mermaid.ts';
import { xmlEscape } from '../../src/diagram/svg.ts';

const DIR = 'docs/machines';

describe('docs/machines', () => {
  it('matches the machines (regenerate with: npx kubelife diagram all)', () => {
    const expected = mermaidFiles();
    const committed = readdirSync(DIR).filter((f) => f.endsWith('.md')).sort();
    expect(committed, 'files in docs/machines differ from the machines; run: npx kubelife diagram all').toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) {
      expect(readFileSync(`${DIR}/${file}`, 'utf8'), `${DIR}/${file} drifted from its machine; run: npx kubelife diagram all`).toBe(text);
    }
  });
});

/** What a Mermaid state diagram declares and references, read line by line. */
function readMermaid(src: string) {
  const declared = new Set<string>();
  const referenced = new Set<string>();
  let depth = 0;
  let arrows = 0;
  for (const raw of src.split('\n').slice(1)) {
    const line = raw.trim();
    if (line === '' || line === '--') continue;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^state ([A-Za-z][\w]*) \{$/))) {
      declared.add(m[1]!);
      depth++;
    } else if (line === '}') {
      depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    } else if ((m = line.match(/^state "([^"]*)" as ([A-Za-z]\w*)$/))) {
      declared.add(m[2]!);
    } else if ((m = line.match(/^(\[\*\]|[A-Za-z]\w*) --> (\[\*\]|[A-Za-z]\w*)(?: : ([^:;\n]+))?$/))) {
      arrows++;
      for (const id of [m[1]!, m[2]!]) if (id !== '[*]') referenced.add(id);
    } else if ((m = line.match(/^([A-Za-z]\w*)$/))) {
      declared.add(m[1]!);
    } else {
      throw new Error(`unexpected Mermaid line: ${line}`);
    }
  }
  return { declared, referenced, depth, arrows };
}

describe('Mermaid output', () => {
  it.each(machineGraphs().map((g) => [g.id, g] as const))('%s: balanced blocks, every referenced state declared once', (_id, g: MachineGraph) => {
    const src = toMermaid(g);
    expect(src.startsWith('stateDiagram-v2\n')).toBe(true);
    const r = readMermaid(src);
    expect(r.depth).toBe(0);
    for (const id of r.referenced) expect(r.declared, id).toContain(id);
    const ids = mermaidIds(g);
    expect(new Set(ids.values()).size).toBe(g.states.length - 1);
    expect([...r.declared].sort()).toEqual([...ids.values()].sort());
    const initials = g.states.filter((s) => s.type === 'compound' && s.initial !== undefined).length;
    const finals = g.states.filter((s) => s.type === 'final').length;
    expect(r.arrows).toBe(g.transitions.filter((t) => !t.internal).length + initials + finals);
    expect(toMermaid(g)).toBe(src);
  });

  it('escapes what Mermaid cannot take in a label', () => {
    expect(escapeLabel('a:b;c#d "e" <f>')).toBe('a#58;b#59;c#35;d #quot;e#quot; #lt;f#gt;');
    const g: MachineGraph = {
      id: 't', title: 't', source: 'x', initial: 'end',
      states: [{ id: '', key: 't', type: 'compound', initial: 'end' }, { id: 'end', key: 'end', parent: '', type: 'atomic' }, { id: 'a-b', key: 'a-b', parent: '', type: 'final' }],
      transitions: [{ source: 'end', target: 'a-b', event: 'x:y', guard: 'g;h' }],
    };
    const src = toMermaid(g);
    expect(src).toContain('state "end" as end_');
    expect(src).toContain('state "a-b" as a_b');
    expect(src).toContain('end_ --> a_b : x#58;y [g#59;h]');
    expect(src).toContain('a_b --> [*]');
  });

  it('prints one machine to stdout and rejects an unknown one with exit 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await main(['node', 'kubelife', 'diagram', 'kube-proxy'], (s) => out.push(s), (s) => err.push(s))).toBe(0);
    expect(out.join('\n') + '\n').toBe(toMermaid(machineGraph('kube-proxy')!));
    expect(await main(['node', 'kubelife', 'diagram', 'nope'], (s) => out.push(s), (s) => err.push(s))).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^error: diagram: unknown machine "nope" \(valid: all, kube-apiserver, .*pod.*\)$/);
  });
});

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layout and SVG', () => {
  const layouts = new Map<string, Layout>();
  const layoutOf = async (g: MachineGraph) => {
    if (!layouts.has(g.id)) layouts.set(g.id, await layoutMachine(g));
    return layouts.get(g.id)!;
  };

  it.each(machineGraphs().map((g) => [g.id, g] as const))('%s: siblings do not overlap, children sit inside parents, edges join nodes', async (_id, g: MachineGraph) => {
    const l = await layoutOf(g);
    const byId = new Map(l.nodes.map((n) => [n.id, n]));
    for (const s of g.states.slice(1)) expect(byId.has(s.id), s.id).toBe(true);
    for (const a of l.nodes) {
      for (const b of l.nodes) if (a.id < b.id && a.parent === b.parent) expect(overlaps(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
      if (a.parent !== undefined) {
        const p = byId.get(a.parent)!;
        expect(a.x >= p.x && a.y >= p.y && a.x + a.width <= p.x + p.width + 0.5 && a.y + a.height <= p.y + p.height + 0.5, `${a.id} inside ${p.id}`).toBe(true);
      }
      expect(a.x + a.width).toBeLessThanOrEqual(l.width + 0.5);
      expect(a.y + a.height).toBeLessThanOrEqual(l.height + 0.5);
    }
    expect(l.edges.length).toBe(g.transitions.filter((t) => !t.internal).length + g.states.filter((s) => s.type === 'compound' && s.initial !== undefined).length);
    for (const e of l.edges) {
      expect(byId.has(e.source), e.source).toBe(true);
      expect(byId.has(e.target), e.target).toBe(true);
      expect(e.points.length).toBeGreaterThanOrEqual(2);
    }
    expect(JSON.parse(JSON.stringify(l))).toEqual(l);
  });

  it('is deterministic', async () => {
    const g = machineGraph('pod')!;
    expect(JSON.stringify(await layoutMachine(g))).toBe(JSON.stringify(await layoutOf(g)));
  });

  it.each(machineGraphs().map((g) => [g.id, g] as const))('%s: the SVG has every state label', async (_id, g: MachineGraph) => {
    const svg = renderSvg(await layoutOf(g));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<g[ >]/g)?.length).toBe(svg.match(/<\/g>/g)?.length);
    for (const s of g.states.slice(1)) expect(svg, s.id).toContain(`>${xmlEscape(s.type === 'history' ? 'H' : s.key)}</text>`);
    expect(svg).not.toMatch(/<script|href="http/);
  });

  it('fills the highlighted states', async () => {
    const g = machineGraph('pod')!;
    const svg = renderSvg(await layoutOf(g), { highlight: stateIdsOf('Pending.initializing.creatingSandbox', g) });
    const active = [...svg.matchAll(/<g class="state active" data-id="([^"]*)"/g)].map((m) => m[1]);
    expect(active).toEqual(['Pending', 'Pending.initializing', 'Pending.initializing.creatingSandbox']);
  });
});
