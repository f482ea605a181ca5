// SVG drawing for the inspector page: a statechart from its elkjs layout (computed on the
// server, src/diagram/layout.ts), and a pod's story as a sequence diagram. No dependencies.

const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draws a layout; returns the map state id -> <g> so the caller can highlight. */
export function drawStatechart(container, layout) {
  container.textContent = '';
  const pad = 10;
  const w = layout.width + 2 * pad;
  const h = layout.height + 2 * pad;
  // Scaled down to the panel's width (viewBox); the page's CSS caps it at 100%.
  const svg = el('svg', { width: w, height: h, viewBox: `0 0 ${w} ${h}`, 'data-testid': 'statechart-svg', 'data-machine': layout.machine });
  const root = el('g', { transform: `translate(${pad},${pad})` });
  svg.appendChild(root);
  const groups = new Map();
  for (const n of layout.nodes) {
    const g = el('g', { class: `state ${n.type}${n.region ? ' region' : ''}`, 'data-state-id': n.id, 'data-testid': `state-${n.id}` });
    if (n.type === 'initial') {
      g.appendChild(el('circle', { cx: n.x + n.width / 2, cy: n.y + n.height / 2, r: Math.min(n.width, n.height) / 2, fill: '#1d232b' }));
    } else {
      g.appendChild(el('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: 6 }));
      const compound = n.type === 'compound' || n.type === 'parallel';
      g.appendChild(el('text', { x: n.x + 6, y: compound ? n.y + 14 : n.y + n.height / 2 + 4 }, n.label));
    }
    root.appendChild(g);
    groups.set(n.id, g);
  }
  const edges = el('g');
  for (const e of layout.edges) {
    const pts = e.points ?? (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    if (!pts || pts.length === 0) continue;
    const g = el('g', { class: 'edge', 'data-event': (e.label || '').split(' ')[0] });
    g.appendChild(el('path', { d: pts.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#sc-arrow)' }));
    if (e.label) {
      const b = e.labelBox ?? { x: pts[Math.floor(pts.length / 2)].x, y: pts[Math.floor(pts.length / 2)].y - 10 };
      g.appendChild(el('text', { x: b.x, y: b.y + 10 }, e.label));
    }
    edges.appendChild(g);
  }
  root.appendChild(edges);
  const defs = el('defs');
  const marker = el('marker', { id: 'sc-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' });
  marker.appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#8795a8' }));
  defs.appendChild(marker);
  svg.insertBefore(defs, root);
  container.appendChild(svg);
  return { svg, groups, edges };
}

/** Marks the active states and the edges taken by the last event. */
export function highlight(chart, stateIds, lastEvent) {
  if (!chart) return;
  const active = new Set(stateIds);
  for (const [id, g] of chart.groups) g.classList.toggle('current', active.has(id));
  for (const g of chart.edges.children) g.classList.toggle('last', !!lastEvent && g.getAttribute('data-event') === lastEvent);
}

const LANE_W = 150;
const TIME_W = 64;
const ROW_H = 20;

/** A pod's story as a sequence diagram: one column per component, one row per event. */
export function drawSequence(container, story, maxRows = 400) {
  container.textContent = '';
  const entries = story.entries.slice(-maxRows);
  const lanes = story.lanes;
  // A time column on the left: the story is a timeline too.
  const x = (l) => TIME_W + lanes.indexOf(l) * LANE_W + LANE_W / 2;
  // Room on the right for the last lane's notes.
  const width = TIME_W + lanes.length * LANE_W + 460;
  const height = 40 + entries.length * ROW_H + 10;
  const svg = el('svg', { width, height, 'data-testid': 'story-svg' });
  const defs = el('defs');
  const m = el('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto' });
  m.appendChild(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#2b6cb0' }));
  defs.appendChild(m);
  svg.appendChild(defs);
  for (const l of lanes) {
    svg.appendChild(el('text', { class: 'lanehead', x: x(l), y: 14, 'text-anchor': 'middle', 'data-testid': `lane-${l}` }, l));
    svg.appendChild(el('line', { class: 'lane', x1: x(l), y1: 20, x2: x(l), y2: height }));
  }
  entries.forEach((e, k) => {
    const y = 36 + k * ROW_H;
    const g = el('g', { 'data-testid': 'story-entry', 'data-kind': e.kind, 'data-index': e.i });
    g.appendChild(el('text', { x: 4, y, fill: '#718096' }, `${(e.t / 1000).toFixed(3)}s`));
    const title = el('title', {}, `#${e.i} t=${(e.t / 1000).toFixed(3)}s ${e.kind}: ${e.text}`);
    g.appendChild(title);
    if (e.from === e.to) {
      const cx = x(e.from);
      g.appendChild(el('rect', { class: 'self', x: cx - 4, y: y - 12, width: 8, height: 14, rx: 2 }));
      g.appendChild(el('text', { x: cx + 8, y }, short(e.text, 70)));
    } else {
      const x1 = x(e.from);
      const x2 = x(e.to);
      g.appendChild(el('line', { class: 'arrow', x1, y1: y - 4, x2, y2: y - 4 }));
      g.appendChild(el('text', { x: Math.min(x1, x2) + 4, y: y - 7 }, short(e.text, Math.max(20, Math.abs(x2 - x1) / 6))));
    }
    svg.appendChild(g);
  });
  container.appendChild(svg);
}

function short(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}
