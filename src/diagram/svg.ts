/**
 * A laid-out machine as one self-contained SVG: rounded boxes for states (composites around their
 * children, parallel regions dashed, finals with a double border), a dot for each initial
 * pseudo-state, orthogonal arrows with their `event [guard]` labels, and the highlighted states
 * filled. No scripts, no external fonts or styles, deterministic output.
 */
import { CHAR_WIDTH_PX, FONT_SIZE_PX, type Layout, type LayoutNode } from './layout.ts';

export interface SvgOptions {
  /** State ids to fill (e.g. `stateIdsOf(actor's state)`). */
  highlight?: string[];
  /** Shown above the diagram. */
  title?: string;
}

const COLORS = {
  stroke: '#37474f',
  fill: '#ffffff',
  compoundFill: '#f5f7f8',
  regionStroke: '#90a4ae',
  highlight: '#ffe082',
  highlightCompound: '#fff8e1',
  highlightStroke: '#ef6c00',
  edge: '#546e7a',
  label: '#263238',
  edgeLabel: '#455a64',
};

/** Escapes text for XML content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n = (v: number) => String(Math.round(v * 10) / 10);

function nodeSvg(node: LayoutNode, hot: boolean, nested: boolean): string {
  const { x, y, width: w, height: h } = node;
  if (node.type === 'initial') return `<circle class="initial" cx="${n(x + w / 2)}" cy="${n(y + h / 2)}" r="${n(w / 2)}" fill="${COLORS.stroke}"/>`;
  // An active composite gets the border only, so its active child stands out.
  const fill = hot ? (nested ? COLORS.highlightCompound : COLORS.highlight) : nested ? COLORS.compoundFill : COLORS.fill;
  const stroke = hot ? COLORS.highlightStroke : node.region ? COLORS.regionStroke : COLORS.stroke;
  const dash = node.region ? ' stroke-dasharray="6 4"' : '';
  const width = hot ? 2.5 : 1.2;
  const parts = [`<g class="state${hot ? ' active' : ''}" data-id="${xmlEscape(node.id)}">`];
  parts.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" rx="8" ry="8" fill="${fill}" stroke="${stroke}" stroke-width="${width}"${dash}/>`);
  if (node.type === 'final') parts.push(`<rect x="${n(x + 3)}" y="${n(y + 3)}" width="${n(w - 6)}" height="${n(h - 6)}" rx="6" ry="6" fill="none" stroke="${stroke}" stroke-width="1"/>`);
  const label = xmlEscape(node.label);
  if (nested) parts.push(`<text x="${n(x + 10)}" y="${n(y + 18)}" font-weight="bold" fill="${COLORS.label}">${label}</text>`);
  else parts.push(`<text x="${n(x + w / 2)}" y="${n(y + h / 2 + FONT_SIZE_PX / 3)}" text-anchor="middle" fill="${COLORS.label}">${label}</text>`);
  parts.push('</g>');
  return parts.join('');
}

/** Renders a layout (from `layoutMachine`) as a standalone SVG document. */
export function renderSvg(layout: Layout, options: SvgOptions = {}): string {
  const hot = new Set(options.highlight ?? []);
  const titleHeight = options.title ? 28 : 0;
  const width = Math.ceil(Math.max(layout.width, options.title ? options.title.length * CHAR_WIDTH_PX * 1.2 + 32 : 0));
  const height = Math.ceil(layout.height + titleHeight);
  const parents = new Set(layout.nodes.map((x) => x.parent).filter((p): p is string => p !== undefined));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" font-size="${FONT_SIZE_PX}">`,
    `<title>${xmlEscape(options.title ?? layout.machine)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
      + `<path d="M0,0 L10,5 L0,10 z" fill="${COLORS.edge}"/></marker></defs>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (options.title) out.push(`<text x="16" y="20" font-size="${FONT_SIZE_PX * 1.2}" font-weight="bold" fill="${COLORS.label}">${xmlEscape(options.title)}</text>`);
  out.push(`<g transform="translate(0,${titleHeight})">`);
  // Parents come before children in layout.nodes, so children are drawn over their parent's box.
  for (const node of layout.nodes) out.push(nodeSvg(node, hot.has(node.id), parents.has(node.id)));
  for (const e of layout.edges) {
    if (e.points.length < 2) continue;
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)},${n(p.y)}`).join(' ');
    out.push(`<path class="transition" d="${d}" fill="none" stroke="${COLORS.edge}" stroke-width="1.2" marker-end="url(#arrow)"/>`);
    if (e.labelBox && e.label) {
      const b = e.labelBox;
      out.push(`<text class="event" x="${n(b.x)}" y="${n(b.y + b.height - 4)}" font-size="${FONT_SIZE_PX - 1}" fill="${COLORS.edgeLabel}">${xmlEscape(e.label)}</text>`);
    }
  }
  out.push('</g>', '</svg>');
  return out.join('\n') + '\n';
}
