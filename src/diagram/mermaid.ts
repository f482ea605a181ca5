/**
 * A machine graph as a Mermaid `stateDiagram-v2`: compound states nested as `state X { ... }`,
 * parallel regions separated by `--`, `[*] -->` for initial states, `--> [*]` after final ones,
 * transitions labelled `event [guard]`. Transitions that change no state (actions only) are left
 * out of the drawing and listed in a table instead (see `internalTransitionsTable`). The output is
 * a pure function of the graph, so the committed files can be compared with a regeneration.
 */
import type { GraphState, GraphTransition, MachineGraph } from './graph.ts';

/** Words Mermaid's state grammar reads as keywords; a state with such a name gets its path as id. */
const RESERVED = new Set(['state', 'note', 'end', 'direction', 'class', 'classdef', 'style', 'as', 'left', 'right', 'of', 'hide', 'accTitle', 'accDescr', 'click', 'default', 'graph', 'subgraph', 'flowchart']);

/**
 * Mermaid ids per state (Mermaid's ids are global to a diagram): the key when it is unique and
 * plain, else the shortest tail of the path that is unique, joined with '_' ('initContainers_next').
 */
export function mermaidIds(graph: MachineGraph): Map<string, string> {
  const states = graph.states.filter((s) => s.id !== '');
  const sanitize = (parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z])/, 's_$1');
  const ok = (id: string) => !RESERVED.has(id.toLowerCase());
  const tails = new Map<string, number>();
  for (const s of states) {
    const path = s.id.split('.');
    for (let n = 1; n <= path.length; n++) {
      const tail = sanitize(path.slice(-n));
      tails.set(tail, (tails.get(tail) ?? 0) + 1);
    }
  }
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const s of states) {
    const path = s.id.split('.');
    let id = sanitize(path);
    for (let n = 1; n <= path.length; n++) {
      const tail = sanitize(path.slice(-n));
      if (tails.get(tail) === 1 && ok(tail)) {
        id = tail;
        break;
      }
    }
    while (used.has(id) || !ok(id)) id += '_';
    used.add(id);
    ids.set(s.id, id);
  }
  return ids;
}

/** Makes text safe in a Mermaid label: the characters its grammar or entity decoding would take. */
export function escapeLabel(text: string): string {
  return text.replace(/[#:;"<>\r\n]/g, (c) => LABEL_ESCAPES[c] ?? ' ');
}

const LABEL_ESCAPES: Record<string, string> = { '#': '#35;', ':': '#58;', ';': '#59;', '"': '#quot;', '<': '#lt;', '>': '#gt;' };

/** `event [guard]`. */
export function transitionLabel(t: GraphTransition): string {
  return t.guard !== undefined ? `${t.event} [${t.guard}]` : t.event;
}

function childrenOf(graph: MachineGraph): Map<string, GraphState[]> {
  const kids = new Map<string, GraphState[]>();
  for (const s of graph.states) {
    if (s.parent === undefined) continue;
    kids.set(s.parent, [...(kids.get(s.parent) ?? []), s]);
  }
  return kids;
}

/** The Mermaid `stateDiagram-v2` source of a machine (no code fence). */
export function toMermaid(graph: MachineGraph): string {
  const ids = mermaidIds(graph);
  const kids = childrenOf(graph);
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const lines: string[] = ['stateDiagram-v2'];
  const drawn = graph.transitions.filter((t) => !t.internal);
  // A transition between siblings goes in their parent's block; every other one at the top level,
  // after all blocks, which is where Mermaid accepts edges that cross a composite's border.
  const local = new Map<string, GraphTransition[]>();
  const global: GraphTransition[] = [];
  for (const t of drawn) {
    const sp = byId.get(t.source)?.parent;
    const tp = byId.get(t.target)?.parent;
    if (sp !== undefined && sp === tp && byId.get(sp)?.type !== 'parallel') local.set(sp, [...(local.get(sp) ?? []), t]);
    else global.push(t);
  }
  const edge = (t: GraphTransition, indent: string) => `${indent}${ids.get(t.source)} --> ${ids.get(t.target)} : ${escapeLabel(transitionLabel(t))}`;

  const block = (parent: GraphState, indent: string) => {
    const children = kids.get(parent.id) ?? [];
    if (parent.type === 'parallel') {
      children.forEach((region, i) => {
        if (i > 0) lines.push(`${indent}--`);
        state(region, indent);
      });
      return;
    }
    if (parent.initial !== undefined) lines.push(`${indent}[*] --> ${ids.get(parent.initial)}`);
    for (const c of children) state(c, indent);
    for (const t of local.get(parent.id) ?? []) lines.push(edge(t, indent));
    for (const c of children) if (c.type === 'final') lines.push(`${indent}${ids.get(c.id)} --> [*]`);
  };

  const state = (s: GraphState, indent: string) => {
    const id = ids.get(s.id)!;
    const nested = (kids.get(s.id) ?? []).length > 0;
    if (nested) {
      // Mermaid cannot give a composite both an alias and a body, so a composite shows its id.
      lines.push(`${indent}state ${id} {`);
      block(s, indent + '  ');
      lines.push(`${indent}}`);
      return;
    }
    const label = s.type === 'history' ? `${s.key} (history)` : s.key;
    lines.push(label === id ? `${indent}${id}` : `${indent}state "${escapeLabel(label)}" as ${id}`);
  };

  const root = graph.states[0]!;
  block(root, '  ');
  for (const t of global) lines.push(edge(t, '  '));
  return lines.join('\n') + '\n';
}

/** Markdown table of the transitions that run actions without changing state. */
export function internalTransitionsTable(graph: MachineGraph): string {
  const rows = graph.transitions.filter((t) => t.internal);
  if (rows.length === 0) return '';
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const out = ['| in state | event | guard |', '| --- | --- | --- |'];
  for (const t of rows) out.push(`| ${t.source === '' ? '(any)' : `\`${cell(t.source)}\``} | \`${cell(t.event)}\` | ${t.guard !== undefined ? `\`${cell(t.guard)}\`` : ''} |`);
  return out.join('\n') + '\n';
}

export const GENERATED_LINE = 'Generated by `kubelife diagram` from the machine definition; do not edit (run: npx kubelife diagram all).';

/** The committed page of one machine: docs/machines/<id>.md. */
export function machineMarkdown(graph: MachineGraph): string {
  const parts = [
    `# ${graph.title}`,
    '',
    `Machine \`${graph.id}\`, defined in [${graph.source}](../../${graph.source}): ${graph.states.length - 1} states, ${graph.transitions.filter((t) => !t.internal).length} transitions.`,
    '',
    GENERATED_LINE,
    '',
    '```mermaid',
    toMermaid(graph).trimEnd(),
    '```',
    '',
  ];
  const table = internalTransitionsTable(graph);
  if (table) parts.push('## Events handled without a change of state', '', table);
  return parts.join('\n');
}

/** docs/machines/README.md: the index of every machine page. */
export function machinesIndex(graphs: MachineGraph[]): string {
  const lines = [
    '# Machine diagrams',
    '',
    GENERATED_LINE,
    'How they are derived: [docs/DIAGRAMS.md](../DIAGRAMS.md).',
    '',
    '| machine | title | states | transitions | source |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const g of graphs) {
    lines.push(`| [${g.id}](${g.id}.md) | ${g.title} | ${g.states.length - 1} | ${g.transitions.filter((t) => !t.internal).length} | [${g.source}](../../${g.source}) |`);
  }
  return lines.join('\n') + '\n';
}
