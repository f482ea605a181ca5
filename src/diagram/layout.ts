/**
 * A machine graph laid out by elkjs (the Eclipse Layout Kernel compiled to JavaScript): the
 * layered algorithm, with compound states laid out hierarchically so edges may cross their
 * borders. The result is plain JSON with absolute coordinates, drawn by `renderSvg` (svg.ts) and
 * by the inspector page in the browser.
 */
import elkModule from 'elkjs/lib/elk.bundled.js';
import type { ELK as ElkInstance, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphState, GraphStateType, MachineGraph } from './graph.ts';
import { transitionLabel } from './mermaid.ts';

/** A state's box, or the dot of an initial pseudo-state (`type: 'initial'`, id `<parent>.[*]`). */
export interface LayoutNode {
  id: string;
  /** Absolute position of the top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  type: GraphStateType | 'initial';
  /** The enclosing state's id; absent at the top level. */
  parent?: string;
  /** A region of a parallel state (drawn dashed). */
  region?: boolean;
}

export interface LayoutPoint { x: number; y: number }

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  /** `event [guard]`; empty for the arrow from an initial dot. */
  label: string;
  /** Absolute points from source to target (start, bends, end). */
  points: LayoutPoint[];
  /** The label's box, absolute, when it has one. */
  labelBox?: { x: number; y: number; width: number; height: number };
}

export interface Layout {
  machine: string;
  width: number;
  height: number;
  /** Parents before their children. */
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

/** Text metrics of the monospace font the SVG and the page use. */
export const FONT_SIZE_PX = 12;
export const CHAR_WIDTH_PX = 7.2;
const NODE_HEIGHT_PX = 32;
const INITIAL_SIZE_PX = 12;
const LABEL_HEIGHT_PX = 16;

const textWidth = (s: string) => Math.ceil(s.length * CHAR_WIDTH_PX);

/** The id of the initial pseudo-state of a compound state (`[*]` for the root). */
export const initialNodeId = (parent: string) => (parent === '' ? '[*]' : `${parent}.[*]`);

const ROOT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.spacing.nodeNodeBetweenLayers': '36',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.inline': 'false',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  'elk.randomSeed': '1',
  'elk.padding': '[top=16,left=16,bottom=16,right=16]',
};

const COMPOUND_OPTIONS: Record<string, string> = {
  'elk.padding': '[top=30,left=14,bottom=14,right=14]',
  'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
};

/** The ELK input graph of a machine (exported for tests and for anyone tuning options). */
export function elkGraph(graph: MachineGraph): ElkNode {
  const kids = new Map<string, GraphState[]>();
  for (const s of graph.states) if (s.parent !== undefined) kids.set(s.parent, [...(kids.get(s.parent) ?? []), s]);
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const edges: ElkExtendedEdge[] = [];
  const label = (text: string) => (text ? [{ text, width: textWidth(text), height: LABEL_HEIGHT_PX }] : []);

  const childrenOf = (parent: GraphState): ElkNode[] => {
    const out: ElkNode[] = [];
    if (parent.type === 'compound' && parent.initial !== undefined) {
      const dot = initialNodeId(parent.id);
      out.push({ id: dot, width: INITIAL_SIZE_PX, height: INITIAL_SIZE_PX });
      edges.push({ id: `${dot}->${parent.initial}`, sources: [dot], targets: [parent.initial] });
    }
    for (const s of kids.get(parent.id) ?? []) {
      const nested = (kids.get(s.id) ?? []).length > 0;
      const name = s.type === 'history' ? 'H' : s.key;
      if (nested) {
        out.push({ id: s.id, labels: label(name), layoutOptions: COMPOUND_OPTIONS, children: childrenOf(s) });
      } else {
        out.push({ id: s.id, labels: label(name), width: Math.max(48, textWidth(name) + 24), height: NODE_HEIGHT_PX });
      }
    }
    return out;
  };

  const root = graph.states[0]!;
  const children = childrenOf(root);
  graph.transitions.forEach((t, i) => {
    if (t.internal || !byId.has(t.source) || !byId.has(t.target) || t.source === '' || t.target === '') return;
    edges.push({ id: `t${i}`, sources: [t.source], targets: [t.target], labels: label(transitionLabel(t)) });
  });
  return { id: '__root__', layoutOptions: ROOT_OPTIONS, children, edges };
}

// elkjs is CommonJS: its module.exports is the constructor (and also carries it as `default`).
const ELK = elkModule.default;
let elk: ElkInstance | undefined;

/** Lays out a machine graph with elkjs; deterministic for a given graph. */
export async function layoutMachine(graph: MachineGraph): Promise<Layout> {
  elk ??= new ELK();
  const input = elkGraph(graph);
  const out = await elk.layout(input);
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const nodes: LayoutNode[] = [];
  const offsets = new Map<string, LayoutPoint>([['__root__', { x: 0, y: 0 }]]);
  const walk = (n: ElkNode, parentId: string, origin: LayoutPoint) => {
    for (const c of n.children ?? []) {
      const x = origin.x + (c.x ?? 0);
      const y = origin.y + (c.y ?? 0);
      offsets.set(c.id, { x, y });
      const s = byId.get(c.id);
      const parent = parentId === '__root__' ? undefined : parentId;
      const node: LayoutNode = {
        id: c.id, x: round(x), y: round(y), width: round(c.width ?? 0), height: round(c.height ?? 0),
        label: s ? (s.type === 'history' ? 'H' : s.key) : '',
        type: s ? s.type : 'initial',
        ...(parent !== undefined ? { parent } : {}),
      };
      if (s && s.parent !== undefined && byId.get(s.parent)?.type === 'parallel') node.region = true;
      nodes.push(node);
      walk(c, c.id, { x, y });
    }
  };
  walk(out, '__root__', { x: 0, y: 0 });

  const edges: LayoutEdge[] = [];
  for (const e of (out.edges ?? []) as Array<ElkExtendedEdge & { container?: string }>) {
    // ELK gives edge coordinates relative to the edge's container (the sources' and targets' common ancestor).
    const o = offsets.get(e.container ?? '__root__') ?? { x: 0, y: 0 };
    const points: LayoutPoint[] = [];
    for (const sec of e.sections ?? []) {
      for (const p of [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]) points.push({ x: round(o.x + p.x), y: round(o.y + p.y) });
    }
    const l = e.labels?.[0];
    edges.push({
      id: e.id, source: e.sources[0]!, target: e.targets[0]!, label: l?.text ?? '', points,
      ...(l ? { labelBox: { x: round(o.x + (l.x ?? 0)), y: round(o.y + (l.y ?? 0)), width: round(l.width ?? 0), height: round(l.height ?? 0) } } : {}),
    });
  }
  return { machine: graph.id, width: round(out.width ?? 0), height: round(out.height ?? 0), nodes, edges };
}

const round = (v: number) => Math.round(v * 10) / 10;

export { renderSvg, type SvgOptions } from './svg.ts';
