/**
 * The inspector's HTTP server on 127.0.0.1: the offline page (src/inspector/page), its REST API,
 * the live feed (WebSocket `/feed` and Server-Sent Events `/api/feed`, batched), and a WebSocket
 * speaking @statelyai/inspect's message format (`/stately`, also `/`) so Stately's tools can
 * attach. Protocol and semantics: docs/INSPECTOR.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import type { InspectionEvent } from 'xstate';
import type { KObject } from '../api/objects.ts';
import { parseManifests, InputError } from '../scenario/load.ts';
import { isHeartbeat, type TraceEvent } from '../sim/trace.ts';
import { machineForActor, machineGraph, machineGraphs, stateIdsOf } from '../diagram/graph.ts';
import { layoutMachine, type Layout } from '../diagram/layout.ts';
import { Batcher } from './batcher.ts';
import type { InspectorSource } from './hub.ts';
import { actorMessage, toSlim, toStately, type SlimInspection } from './stately.ts';
import { actorState, filterFor, liveActors, liveClusterView, replayClusterView, type LogFilter } from './views.ts';
import { liveSchedulerTable, podStory, tableFromTrace } from './story.ts';

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/draw.js': { file: 'draw.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
/** A client whose socket holds this much unsent data misses batches until it drains (it refetches). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const APPLY_WAIT_MS = 5000;

export interface InspectorOptions {
  source: InspectorSource;
  /** 0 = any free port. Default 8080. */
  port?: number;
  /** Batch interval and size of the feed (defaults 100 ms, 500 events). */
  batchMs?: number;
  batchMax?: number;
  log?: (line: string) => void;
}

export interface RunningInspector {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/** One message of the page's feed. */
export interface FeedBatch {
  type: 'batch';
  /** The trace length after this batch; the scrubber's maximum. */
  length: number;
  t: number;
  paused: boolean;
  /** New trace events with their global indexes. */
  trace: Array<{ i: number; e: TraceEvent }>;
  /** XState inspection events, as the client subscribed to (`{type:'subscribe', xstate}`). */
  xstate: SlimInspection[];
}
export interface FeedHello {
  type: 'hello';
  mode: 'live' | 'replay';
  length: number;
  first: number;
  t: number;
  paused: boolean;
}

type FeedItem = { trace: { i: number; e: TraceEvent } } | { xstate: SlimInspection };

interface FeedClient {
  send(text: string): void;
  buffered(): number;
  /** 'none' (default), 'all', or one actor's system id. */
  xstate: string;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

const json = sendJson;

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function readBody(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) {
        rej(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
    req.on('error', rej);
  });
}

/** The page that hands our Stately-format feed to https://stately.ai/inspect (as @statelyai/inspect/server's bridge does). */
function statelyBridge(wsUrl: string): string {
  return `<!DOCTYPE html><html><head><title>kubelife in the Stately inspector</title>
<style>*{margin:0;padding:0}html,body{height:100%}iframe{width:100%;height:100%;border:none}</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe><script>
const iframe=document.getElementById('inspector');const buffer=[];let connected=false;
window.addEventListener('message',(e)=>{if(e.data&&e.data.type==='@statelyai.connected'){connected=true;buffer.forEach((x)=>iframe.contentWindow.postMessage(x,'*'));buffer.length=0;}});
const ws=new WebSocket(${JSON.stringify(wsUrl)});
ws.onmessage=(event)=>{const data=JSON.parse(event.data);if(connected)iframe.contentWindow.postMessage(data,'*');else buffer.push(data);};
</script></body></html>`;
}

/** Starts the inspector server for a source (a LiveHub or a RecordedSource). */
export async function startInspector(opts: InspectorOptions): Promise<RunningInspector> {
  const src = opts.source;
  const log = opts.log ?? (() => {});
  const layouts = new Map<string, Promise<Layout>>();
  const feedClients = new Set<FeedClient>();
  const statelyClients = new Set<WebSocket>();
  let wantsXstate = 0;
  const recount = () => {
    wantsXstate = [...feedClients].filter((c) => c.xstate !== 'none').length;
  };

  /** Virtual now: the live clock, or the last event's time of a recorded trace. */
  const nowT = (): number => src.cluster?.sim.now() ?? src.replay.current().t;
  const batcher = new Batcher<FeedItem>((items) => {
    const trace = items.flatMap((x) => ('trace' in x ? [x.trace] : []));
    const xs = items.flatMap((x) => ('xstate' in x ? [x.xstate] : []));
    const head = { type: 'batch' as const, length: src.replay.length, t: nowT(), paused: src.control?.paused() ?? false };
    const plain = JSON.stringify({ ...head, trace, xstate: [] } satisfies FeedBatch);
    for (const c of feedClients) {
      if (c.buffered() > MAX_BUFFERED_BYTES) continue;
      if (c.xstate === 'none') c.send(plain);
      else c.send(JSON.stringify({ ...head, trace, xstate: c.xstate === 'all' ? xs : xs.filter((x) => x.systemId === c.xstate) } satisfies FeedBatch));
    }
  }, { intervalMs: opts.batchMs ?? 100, maxItems: opts.batchMax ?? 500 });

  const offTrace = src.onTrace((e, i) => {
    if (feedClients.size > 0 && !isHeartbeat(e)) batcher.push({ trace: { i, e } });
  });
  const offInspect = src.onInspect((ev: InspectionEvent) => {
    if (wantsXstate > 0) {
      const slim = toSlim(ev);
      if (slim) batcher.push({ xstate: slim });
    }
    if (statelyClients.size > 0) {
      const m = toStately(ev, String(Date.now()));
      if (!m) return;
      const text = JSON.stringify(m);
      for (const ws of statelyClients) if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < MAX_BUFFERED_BYTES) ws.send(text);
    }
  });

  const hello = (): FeedHello => ({ type: 'hello', mode: src.mode, length: src.replay.length, first: src.replay.first, t: nowT(), paused: src.control?.paused() ?? false });

  const layoutOf = (id: string): Promise<Layout> | undefined => {
    const g = machineGraph(id);
    if (!g) return undefined;
    let p = layouts.get(id);
    if (!p) {
      p = layoutMachine(g);
      layouts.set(id, p);
    }
    return p;
  };

  const atParam = (u: URL): number | undefined => {
    const a = u.searchParams.get('at');
    if (a === null || a === '') return undefined;
    const n = Number(a);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  };

  const clusterView = (at: number | undefined) => {
    if (at === undefined && src.cluster) return liveClusterView(src.cluster, src.replay.length);
    return replayClusterView(src.replay.stateAt(at ?? src.replay.length), src.facts());
  };

  const actorsView = (at: number | undefined) => {
    if (at === undefined && src.cluster) {
      return liveActors(src.cluster).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(({ id, ref }) => ({ id, machine: machineForActor(id) ?? null, state: actorState(ref), lastEvent: src.lastEvent(id)?.event ?? null }));
    }
    const s = src.replay.stateAt(at ?? src.replay.length);
    return Object.keys(s.actors).sort().map((id) => ({ id, machine: machineForActor(id) ?? null, state: s.actors[id]!.state, lastEvent: s.actors[id]!.event }));
  };

  const actorDetail = (id: string, at: number | undefined) => {
    const machine = machineForActor(id) ?? null;
    const graph = machine ? machineGraph(machine) : undefined;
    let state = '';
    let event: string | null = null;
    let t: number | null = null;
    let found = false;
    if (at === undefined && src.cluster) {
      const ref = liveActors(src.cluster).find((a) => a.id === id)?.ref;
      if (ref) {
        found = true;
        state = actorState(ref);
        const last = src.lastEvent(id);
        event = last?.event ?? null;
        t = last?.t ?? null;
      }
    }
    if (!found) {
      const a = src.replay.stateAt(at ?? src.replay.length).actors[id];
      if (a) {
        found = true;
        state = a.state;
        event = a.event;
        t = a.t;
      }
    }
    if (!found) return undefined;
    return { id, found: true, machine, state, stateIds: stateIdsOf(state, graph), lastEvent: event, t };
  };

  /**
   * No authentication (127.0.0.1 only), so no other web site may drive it from the user's browser:
   * the Host must be ours (DNS rebinding) and a browser's Origin, when sent, our own page's.
   */
  const trusted = (req: IncomingMessage): boolean => {
    const own = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!own.includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || own.some((h) => origin === `http://${h}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!trusted(req)) return json(res, 403, status(403, 'Forbidden', 'the inspector answers only its own page on 127.0.0.1 (Host or Origin is another site)'));
    const path = u.pathname;
    const at = atParam(u);
    if (req.method === 'GET' && STATIC[path]) {
      const s = STATIC[path]!;
      res.writeHead(200, { 'content-type': s.type, 'cache-control': 'no-store' });
      res.end(readFileSync(join(PAGE_DIR, s.file)));
      return;
    }
    if (req.method === 'GET' && path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'GET' && path === '/stately') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(statelyBridge(`ws://127.0.0.1:${port}/stately`));
      return;
    }
    if (req.method === 'GET' && path === '/api/feed') return sse(req, res, u);
    if (req.method === 'GET' && path === '/api/info') return json(res, 200, hello());
    if (req.method === 'GET' && path === '/api/cluster') return json(res, 200, clusterView(at));
    if (req.method === 'GET' && path === '/api/actors') return json(res, 200, actorsView(at));
    if (req.method === 'GET' && path.startsWith('/api/actors/')) {
      const id = decodeURIComponent(path.slice('/api/actors/'.length));
      const d = actorDetail(id, at);
      // The page asks about actors that may not run (yet, or at that index): an answer, not an error.
      return json(res, 200, d ?? { id, found: false });
    }
    if (req.method === 'GET' && path === '/api/machines') return json(res, 200, machineGraphs().map((g) => ({ id: g.id, title: g.title, source: g.source })));
    const lm = /^\/api\/machines\/([^/]+)\/layout$/.exec(path);
    if (req.method === 'GET' && lm) {
      const p = layoutOf(decodeURIComponent(lm[1]!));
      if (!p) return json(res, 404, status(404, 'NotFound', `no machine ${lm[1]}`));
      return json(res, 200, await p);
    }
    const sm = /^\/api\/pods\/([^/]+)\/([^/]+)\/story$/.exec(path);
    if (req.method === 'GET' && sm) {
      const ns = decodeURIComponent(sm[1]!);
      const name = decodeURIComponent(sm[2]!);
      const end = at ?? src.replay.length;
      const events = src.replay.slice(src.replay.first, end);
      const key = `${ns}/${name}`;
      const table = (at === undefined && src.cluster ? liveSchedulerTable(src.cluster.sim.component('kube-scheduler'), key) : null) ?? tableFromTrace(events, key);
      return json(res, 200, podStory(events, src.replay.first, ns, name, table));
    }
    if (req.method === 'GET' && path === '/api/events') {
      const f: LogFilter = {};
      for (const k of ['actor', 'pod', 'kind'] as const) {
        const v = u.searchParams.get(k);
        if (v) f[k] = v;
      }
      const limit = Math.min(Number(u.searchParams.get('limit') ?? 200) || 200, 5000);
      const end = at ?? src.replay.length;
      const out: Array<{ i: number; e: TraceEvent }> = [];
      const matches = filterFor(f);
      // Newest first, scanning back from `end`.
      for (let i = end - 1; i >= src.replay.first && out.length < limit; i--) {
        const e = src.replay.at(i)!;
        if (!f.kind && isHeartbeat(e)) continue;
        if (matches(e)) out.push({ i, e });
      }
      return json(res, 200, { length: src.replay.length, events: out });
    }
    if (req.method === 'POST' && path === '/api/control') {
      const action = u.searchParams.get('action') ?? (await readBody(req)).trim();
      if (!src.control) return json(res, 405, status(405, 'MethodNotAllowed', 'a recorded trace has no clock to pause: use the scrubber'));
      let events = 0;
      if (action === 'pause') src.control.pause();
      else if (action === 'resume') src.control.resume();
      else if (action === 'step') events = src.control.step();
      else return json(res, 400, status(400, 'BadRequest', `unknown action "${action}" (pause, step or resume)`));
      batcher.flush();
      return json(res, 200, { paused: src.control.paused(), t: nowT(), length: src.replay.length, events });
    }
    if (req.method === 'POST' && path === '/api/apply') return apply(req, res);
    json(res, 404, status(404, 'NotFound', `no route ${req.method} ${path}`));
  };

  const apply = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // The page takes failures in-band (HTTP 200, the Status's own code inside) so the browser does
    // not log them as failed loads; other clients get the Status's code as the HTTP status.
    const inBand = req.headers['x-kubelife-in-band'] === '1';
    const json = (r: ServerResponse, code: number, body: unknown) => sendJson(r, inBand ? 200 : code, body);
    const cluster = src.cluster;
    if (!cluster) return json(res, 405, status(405, 'MethodNotAllowed', 'a recorded trace cannot take new objects: start `kubelife up` to apply manifests'));
    let objs: KObject[];
    try {
      objs = parseManifests(await readBody(req), 'manifest');
    } catch (e) {
      if (e instanceof InputError) return json(res, 400, status(400, 'BadRequest', e.message));
      throw e;
    }
    if (objs.length === 0) return json(res, 400, status(400, 'BadRequest', 'manifest: no objects (write at least one, e.g. a Pod)'));
    const results: Array<{ object: string; code: number; status?: unknown }> = objs.map((o) => ({ object: `${o.kind}/${o.metadata.name ?? o.metadata.generateName ?? ''}`, code: 0 }));
    let waiting = objs.length;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, APPLY_WAIT_MS);
      try {
        cluster.apply(objs, (obj, r) => {
          const k = objs.indexOf(obj);
          results[k] = { ...results[k]!, code: r.code, ...(r.code >= 300 ? { status: r.body } : {}) };
          if (--waiting === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      } catch (e) {
        clearTimeout(timer);
        results[0] = { ...results[0]!, code: 400, status: status(400, 'BadRequest', e instanceof Error ? e.message : String(e)) };
        waiting = 0;
        resolve();
      }
    });
    await done;
    const failed = results.find((r) => r.code >= 300);
    // Still in flight: the clock is paused (or slow); the answer will show in the event log.
    const pending = results.some((r) => r.code === 0);
    json(res, failed ? failed.code : pending ? 202 : 200, { results, ...(failed ? { status: failed.status } : {}) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`inspector: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      if (!res.headersSent) json(res, 500, status(500, 'InternalError', e instanceof Error ? e.message : String(e)));
      else res.end();
    });
  });

  /** SSE: the same batches as the WebSocket feed. */
  const sse = (req: IncomingMessage, res: ServerResponse, u: URL): void => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const client: FeedClient = { send: (t) => res.write(`data: ${t}\n\n`), buffered: () => res.writableLength, xstate: u.searchParams.get('xstate') ?? 'none' };
    client.send(JSON.stringify(hello()));
    feedClients.add(client);
    recount();
    req.on('close', () => {
      feedClients.delete(client);
      recount();
    });
  };

  const feedWss = new WebSocketServer({ noServer: true });
  const statelyWss = new WebSocketServer({ noServer: true });
  feedWss.on('connection', (ws) => {
    const client: FeedClient = { send: (t) => ws.send(t), buffered: () => ws.bufferedAmount, xstate: 'none' };
    feedClients.add(client);
    ws.send(JSON.stringify(hello()));
    ws.on('message', (data) => {
      try {
        const m = JSON.parse(String(data)) as { type?: string; xstate?: unknown };
        if (m.type === 'subscribe' && typeof m.xstate === 'string') {
          client.xstate = m.xstate;
          recount();
        }
      } catch {
        // Not JSON: ignore.
      }
    });
    ws.on('close', () => {
      feedClients.delete(client);
      recount();
    });
  });
  statelyWss.on('connection', (ws) => {
    // A late joiner first learns every actor that runs, as Stately's relay replays its buffer.
    if (src.cluster) {
      const now = String(Date.now());
      for (const { ref } of liveActors(src.cluster)) ws.send(JSON.stringify(actorMessage(ref, now)));
    }
    statelyClients.add(ws);
    // As @statelyai/inspect/server relays: what one client sends, the others receive.
    ws.on('message', (data) => {
      const text = String(data);
      for (const other of statelyClients) if (other !== ws && other.readyState === WebSocket.OPEN) other.send(text);
    });
    ws.on('close', () => statelyClients.delete(ws));
  });
  server.on('upgrade', (req, socket, head) => {
    if (!trusted(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const wss = path === '/feed' ? feedWss : path === '/stately' || path === '/' ? statelyWss : undefined;
    if (!wss) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 8080, '127.0.0.1', () => {
      server.off('error', rej);
      res();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    offTrace();
    offInspect();
    batcher.close();
    for (const ws of [...feedWss.clients, ...statelyWss.clients]) ws.terminate();
    feedWss.close();
    statelyWss.close();
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  };
  return { url, port, server, stop };
}
