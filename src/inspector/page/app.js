// The kubelife inspector page: plain browser JavaScript, no framework, no build step, offline.
// Data comes from the REST API of src/inspector/server.ts; the WebSocket /feed says when
// something happened (batched), and the page refetches what it shows, throttled.
import { drawStatechart, highlight, drawSequence } from './draw.js';

const $ = (id) => document.getElementById(id);
const ui = {
  mode: $('mode'), clock: $('clock'), scrubber: $('scrubber'), position: $('position'), conn: $('conn'),
  map: $('map'), unscheduled: $('unscheduled'), podCount: $('pod-count'),
  actor: $('actor'), currentState: $('current-state'), lastEvent: $('last-event'), chart: $('chart'),
  story: $('story'), storyPod: $('story-pod'), scheduler: $('scheduler'),
  log: document.querySelector('#log tbody'), fActor: $('f-actor'), fPod: $('f-pod'), fKind: $('f-kind'),
  yaml: $('yaml'), applyResult: $('apply-result'),
};

const state = {
  mode: 'live', length: 0, first: 0, paused: false,
  /** null: follow the newest event; else the trace index shown. */
  at: null,
  selectedPod: null, selectedActor: null, chart: null, chartMachine: null,
  ws: null, dirty: false, lastStoryAt: 0, lastActorsAt: 0,
};
const layouts = new Map();

async function get(path) {
  const r = await fetch(path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}
const atQuery = (sep = '?') => (state.at === null ? '' : `${sep}at=${state.at}`);

// ---------------------------------------------------------------- cluster map

const nodeEls = new Map();
const podEls = new Map();

function nodeEl(n) {
  let e = nodeEls.get(n.name);
  if (!e) {
    const root = document.createElement('div');
    root.className = 'node';
    root.dataset.testid = `node-${n.name}`;
    root.setAttribute('data-testid', `node-${n.name}`);
    root.innerHTML = '<span class="ready"></span><div class="name"></div><div class="taints"></div><div class="bars"></div><div class="pods"></div>';
    root.querySelector('.name').textContent = n.name;
    e = { root, ready: root.querySelector('.ready'), taints: root.querySelector('.taints'), bars: root.querySelector('.bars'), pods: root.querySelector('.pods') };
    nodeEls.set(n.name, e);
  }
  return e;
}

function bar(label, used, total, fmt) {
  const pct = total > 0 ? Math.min(100, (100 * used) / total) : 0;
  return `<div class="barlabel"><span>${label}</span><span>${fmt(used)} / ${total > 0 ? fmt(total) : '?'}</span></div><div class="bar"><span style="width:${pct.toFixed(1)}%"></span></div>`;
}
const cpu = (m) => (m % 1000 === 0 ? `${m / 1000}` : `${m}m`);
const mem = (b) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)}Gi` : `${Math.round(b / (1 << 20))}Mi`);

function renderMap(view) {
  ui.clock.textContent = `t=${(view.t / 1000).toFixed(3)}s`;
  const seenNodes = new Set();
  view.nodes.forEach((n, k) => {
    seenNodes.add(n.name);
    const e = nodeEl(n);
    if (ui.map.children[k] !== e.root) ui.map.insertBefore(e.root, ui.map.children[k] ?? null);
    e.root.classList.toggle('not-ready', n.ready === false);
    e.root.classList.toggle('unknown', n.ready === null);
    e.root.dataset.ready = String(n.ready);
    e.ready.textContent = n.ready === true ? 'Ready' : n.ready === false ? 'NotReady' : 'Ready?';
    const taints = n.taints.join(', ');
    if (e.taints.textContent !== taints) e.taints.textContent = taints;
    const a = n.allocatable;
    const u = n.allocated ?? { cpu: 0, memory: 0, pods: n.podCount };
    const html = a
      ? bar('cpu', u.cpu, a.cpu, cpu) + bar('memory', u.memory, a.memory, mem) + bar('pods', n.podCount, a.pods, String)
      : bar('pods', n.podCount, 0, String);
    if (e.bars.dataset.html !== html) {
      e.bars.innerHTML = html;
      e.bars.dataset.html = html;
    }
  });
  for (const [name, e] of nodeEls) if (!seenNodes.has(name)) {
    e.root.remove();
    nodeEls.delete(name);
  }
  const seenPods = new Set();
  const counts = {};
  for (const p of view.pods) {
    const key = `${p.namespace}/${p.name}`;
    seenPods.add(key);
    counts[p.phase] = (counts[p.phase] ?? 0) + 1;
    let d = podEls.get(key);
    if (!d) {
      d = document.createElement('span');
      d.setAttribute('data-testid', `pod-${p.namespace}-${p.name}`);
      d.dataset.key = key;
      podEls.set(key, d);
    }
    const cls = `pod phase-${p.phase}${state.selectedPod === key ? ' selected' : ''}`;
    if (d.className !== cls) d.className = cls;
    if (d.dataset.phase !== p.phase) d.dataset.phase = p.phase;
    const title = `${key}\n${p.status}${p.node ? '\non ' + p.node : ''}`;
    if (d.title !== title) d.title = title;
    const parent = p.node && nodeEls.get(p.node) ? nodeEls.get(p.node).pods : ui.unscheduled;
    if (d.parentNode !== parent) parent.appendChild(d);
  }
  for (const [key, d] of podEls) if (!seenPods.has(key)) {
    d.remove();
    podEls.delete(key);
  }
  ui.podCount.textContent = ` — ${view.pods.length} pods` + Object.entries(counts).map(([k, v]) => `, ${v} ${k}`).join('');
  ui.podCount.dataset.count = String(view.pods.length);
}

function onMapClick(ev) {
  const key = ev.target?.dataset?.key;
  if (!key) return;
  selectPod(key);
}

// ---------------------------------------------------------------- statechart

async function refreshActors() {
  const actors = await get(`/api/actors${atQuery()}`);
  const ids = actors.filter((a) => a.machine).map((a) => a.id);
  const have = [...ui.actor.options].map((o) => o.value);
  if (have.join('\n') !== ids.join('\n')) {
    const keep = state.selectedActor;
    ui.actor.textContent = '';
    for (const id of ids) {
      const o = document.createElement('option');
      o.value = id;
      o.textContent = id;
      ui.actor.appendChild(o);
    }
    if (keep && ids.includes(keep)) ui.actor.value = keep;
  }
  if (!state.selectedActor && ids.length) selectActor(ids.includes('kube-scheduler') ? 'kube-scheduler' : ids[0]);
}

async function layoutFor(machine) {
  if (!layouts.has(machine)) layouts.set(machine, get(`/api/machines/${encodeURIComponent(machine)}/layout`));
  return layouts.get(machine);
}

async function refreshActor() {
  const id = state.selectedActor;
  if (!id) return;
  let d;
  d = await get(`/api/actors/${encodeURIComponent(id)}${atQuery()}`);
  if (id !== state.selectedActor) return;
  if (!d.found) {
    ui.currentState.textContent = '(not running at this point)';
    ui.lastEvent.textContent = '';
    highlight(state.chart, [], null);
    return;
  }
  if (d.machine && d.machine !== state.chartMachine) {
    const layout = await layoutFor(d.machine);
    if (id !== state.selectedActor) return;
    state.chart = drawStatechart(ui.chart, layout);
    state.chartMachine = d.machine;
  }
  showActorState(d.state, d.stateIds, d.lastEvent);
}

function showActorState(stateString, stateIds, lastEvent) {
  ui.currentState.textContent = stateString || '(none)';
  ui.lastEvent.textContent = lastEvent ?? '';
  const changed = ui.chart.dataset.state !== stateString;
  ui.chart.dataset.state = stateString;
  highlight(state.chart, stateIds, lastEvent);
  if (changed) scrollToState(stateIds[stateIds.length - 1]);
}

/** Brings the innermost active state into the chart panel's view (the panel scrolls, not the page). */
function scrollToState(id) {
  const g = id && state.chart?.groups.get(id);
  if (!g) return;
  const box = g.getBoundingClientRect();
  const view = ui.chart.getBoundingClientRect();
  if (box.top < view.top || box.bottom > view.bottom) ui.chart.scrollTop += box.top - view.top - view.height / 2 + box.height / 2;
  if (box.left < view.left || box.right > view.right) ui.chart.scrollLeft += box.left - view.left - view.width / 2 + box.width / 2;
}

function selectActor(id) {
  state.selectedActor = id;
  if (ui.actor.value !== id) {
    if (![...ui.actor.options].some((o) => o.value === id)) {
      const o = document.createElement('option');
      o.value = id;
      o.textContent = id;
      ui.actor.appendChild(o);
    }
    ui.actor.value = id;
  }
  state.ws?.readyState === 1 && state.ws.send(JSON.stringify({ type: 'subscribe', xstate: id }));
  refreshActor().catch(report);
}

// ---------------------------------------------------------------- pod story

function selectPod(key) {
  state.selectedPod = key;
  for (const [k, d] of podEls) d.classList.toggle('selected', k === key);
  ui.storyPod.textContent = key;
  selectActor(`pod/${key}`);
  refreshStory().catch(report);
}

async function refreshStory() {
  const key = state.selectedPod;
  if (!key) return;
  const [ns, name] = key.split('/');
  const story = await get(`/api/pods/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/story${atQuery()}`);
  if (key !== state.selectedPod) return;
  state.lastStoryAt = performance.now();
  drawSequence(ui.story, story);
  renderScheduler(story.scheduler);
}

function renderScheduler(t) {
  ui.scheduler.textContent = '';
  if (!t) {
    ui.scheduler.textContent = 'no scheduling decision for this pod yet';
    return;
  }
  const plugins = [...new Set(t.evaluated.flatMap((n) => (n.scores ?? []).map((s) => s.plugin)))];
  const table = document.createElement('table');
  table.setAttribute('data-testid', 'scheduler-table');
  const head = `<tr><th>node</th><th>feasible</th><th>filters</th>${plugins.map((p) => `<th>${p}</th>`).join('')}<th>total</th></tr>`;
  const rows = t.evaluated.map((n) => {
    const filters = n.filters.map((f) => `${f.plugin}: ${f.code}${f.reasons.length ? ' (' + f.reasons.join(', ') + ')' : ''}`).join('<br>');
    const scores = plugins.map((p) => {
      const s = (n.scores ?? []).find((x) => x.plugin === p);
      return `<td>${s ? `${s.weighted} <small>(raw ${s.raw}, norm ${s.normalized} ×${s.weight})</small>` : ''}</td>`;
    }).join('');
    return `<tr class="${n.node === t.node ? 'chosen' : ''}" data-testid="sched-row-${esc(n.node)}"><td>${esc(n.node)}</td><td class="${n.feasible ? '' : 'infeasible'}">${n.feasible ? 'yes' : 'no'}</td><td>${esc(filters).replaceAll('&lt;br&gt;', '<br>')}</td>${scores}<td>${n.total ?? ''}</td></tr>`;
  }).join('');
  table.innerHTML = `<caption>${t.ok ? `chose <b>${esc(t.node)}</b>` : `unschedulable: ${esc(t.message ?? '')}`} at t=${(t.at / 1000).toFixed(3)}s (${t.source === 'live' ? 'the scheduler\'s kept decision' : 'from its trace note'})${t.tied && t.tied.length > 1 ? `; tie among ${t.tied.map(esc).join(', ')}` : ''}</caption>${head}${rows}`;
  ui.scheduler.appendChild(table);
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

// ---------------------------------------------------------------- event log

function describe(e) {
  switch (e.kind) {
    case 'transition': return [e.actor, `${e.from || '∅'} → ${e.to} (${e.event})`];
    case 'request': return [e.from, `${e.verb} ${e.path} → ${e.code}${e.reason ? ' ' + e.reason : ''}`];
    case 'write': return ['etcd', `${e.op} ${e.key} rev ${e.rev}`];
    case 'k8s-event': return [e.source, `${e.type} ${e.reason} ${e.object}: ${e.message}`];
    case 'note': return [e.actor, e.text];
    case 'step': return ['scenario', `step ${e.index}: ${e.action} ${e.detail}`];
    case 'fault': return ['faults', `${e.fault} ${e.action}: ${e.detail}`];
    default: return [`${e.from} → ${e.to}`, `${e.kind} ${e.what}`];
  }
}

async function refreshLog() {
  const q = new URLSearchParams({ limit: '200' });
  if (ui.fActor.value.trim()) q.set('actor', ui.fActor.value.trim());
  if (ui.fPod.value.trim()) q.set('pod', ui.fPod.value.trim());
  if (ui.fKind.value) q.set('kind', ui.fKind.value);
  if (state.at !== null) q.set('at', String(state.at));
  const r = await get(`/api/events?${q}`);
  const html = r.events.map(({ i, e }) => {
    const [who, what] = describe(e);
    return `<tr data-testid="log-row" data-kind="${e.kind}"><td>${i}</td><td>${(e.t / 1000).toFixed(3)}</td><td>${e.kind}</td><td>${esc(who)}</td><td>${esc(what)}</td></tr>`;
  }).join('');
  ui.log.innerHTML = html;
}

// ---------------------------------------------------------------- time travel and refresh

function setMode(m) {
  state.mode = m.mode;
  state.length = m.length;
  state.first = m.first ?? state.first;
  state.paused = m.paused;
  ui.mode.textContent = m.mode === 'live' ? (m.paused ? 'live · paused' : 'live') : 'replay';
  ui.mode.className = `badge ${m.mode}${m.paused ? ' paused' : ''}`;
  for (const id of ['pause', 'step', 'resume']) $(id).disabled = m.mode !== 'live';
  updateScrubber();
}

function updateScrubber() {
  ui.scrubber.min = String(state.first);
  ui.scrubber.max = String(state.length);
  if (state.at === null) ui.scrubber.value = String(state.length);
  ui.position.textContent = `${state.at ?? state.length} / ${state.length}${state.at === null ? ' (following)' : ''}`;
}

let refreshing = false;
let lastFull = 0;
async function refresh(force = false) {
  if (refreshing) {
    state.dirty = true;
    return;
  }
  refreshing = true;
  state.dirty = false;
  try {
    const view = await get(state.at === null ? '/api/cluster' : `/api/cluster?at=${state.at}`);
    renderMap(view);
    const now = performance.now();
    const tasks = [refreshLog(), refreshActor()];
    if (force || now - lastFull > 2000) {
      lastFull = now;
      tasks.push(refreshActors());
    }
    if (state.selectedPod && (force || now - state.lastStoryAt > 1000)) tasks.push(refreshStory());
    await Promise.all(tasks);
  } catch (e) {
    report(e);
  } finally {
    refreshing = false;
  }
  if (state.dirty) setTimeout(() => refresh(), 200);
}

let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => {
    scheduled = false;
    refresh();
  }, 250);
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/feed`);
  state.ws = ws;
  ws.onopen = () => {
    ui.conn.textContent = 'connected';
    if (state.selectedActor) ws.send(JSON.stringify({ type: 'subscribe', xstate: state.selectedActor }));
  };
  ws.onclose = () => {
    ui.conn.textContent = 'disconnected';
  };
  ws.onmessage = (msg) => {
    const m = JSON.parse(msg.data);
    if (m.type === 'hello') {
      setMode(m);
      refresh(true);
      return;
    }
    if (m.type !== 'batch') return;
    state.length = m.length;
    if (m.paused !== state.paused) setMode({ mode: state.mode, length: m.length, paused: m.paused });
    updateScrubber();
    if (state.at !== null) return;
    // The selected actor's snapshots come with the batch: highlight without a round trip.
    const mine = m.xstate.filter((x) => x.type === '@xstate.snapshot' && x.systemId === state.selectedActor && x.state !== undefined);
    if (mine.length) ui.lastEvent.textContent = mine[mine.length - 1].event;
    schedule();
  };
}

async function control(action) {
  const r = await fetch(`/api/control?action=${action}`, { method: 'POST' });
  const body = await r.json();
  if (r.ok) {
    setMode({ mode: state.mode, length: body.length, paused: body.paused });
    refresh(true);
  } else report(new Error(body.message));
}

async function applyManifest() {
  ui.applyResult.textContent = 'applying…';
  ui.applyResult.className = '';
  const r = await fetch('/api/apply', { method: 'POST', headers: { 'content-type': 'application/yaml', 'x-kubelife-in-band': '1' }, body: ui.yaml.value });
  const body = await r.json();
  if (body.kind === 'Status') {
    ui.applyResult.textContent = `${body.reason}: ${body.message}`;
    ui.applyResult.className = 'error';
    return;
  }
  const parts = body.results.map((x) => x.code >= 300 ? `${x.object}: ${x.status?.reason ?? x.code} ${x.status?.message ?? ''}` : x.code === 0 ? `${x.object}: sent (clock paused?)` : `${x.object}: ${x.code === 201 ? 'created' : 'configured'}`);
  ui.applyResult.textContent = parts.join('; ');
  ui.applyResult.className = body.results.some((x) => x.code >= 300) ? 'error' : 'ok';
  schedule();
}

function report(e) {
  // Shown, not thrown: a refetch racing a stop is not worth a console error.
  ui.conn.title = String(e && e.message ? e.message : e);
}

ui.map.addEventListener('click', onMapClick);
ui.unscheduled.addEventListener('click', onMapClick);
ui.actor.addEventListener('change', () => selectActor(ui.actor.value));
ui.scrubber.addEventListener('input', () => {
  const v = Number(ui.scrubber.value);
  state.at = v >= state.length ? null : v;
  updateScrubber();
  refresh(true);
});
$('live').addEventListener('click', () => {
  state.at = null;
  updateScrubber();
  refresh(true);
});
$('pause').addEventListener('click', () => control('pause'));
$('step').addEventListener('click', () => control('step'));
$('resume').addEventListener('click', () => control('resume'));
$('apply').addEventListener('click', () => applyManifest().catch(report));
for (const f of [ui.fActor, ui.fPod]) f.addEventListener('input', () => refreshLog().catch(report));
ui.fKind.addEventListener('change', () => refreshLog().catch(report));

get('/api/info').then(setMode).catch(report);
connect();
