/**
 * Load over real loopback HTTPS: 50 concurrent clients each create 10 ConfigMaps while 100 watches
 * started at the resourceVersion before the writes look on. No write may be lost, every watch must
 * see all 500 ADDED events, and each watch's events must come in strictly increasing
 * resourceVersion order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { up, type RunningServer } from '../../src/server/up.ts';
import { ADMIN_TOKEN } from '../../src/sim/simulation.ts';

const NS = 'load';
const CLIENTS = 50;
const PER_CLIENT = 10;
const WATCHES = 100;
const TOTAL = CLIENTS * PER_CLIENT;

let server: RunningServer;
const agents: Agent[] = [];
const watchReqs: ClientRequest[] = [];

function newAgent(opts: { keepAlive: boolean; maxSockets: number }): Agent {
  const a = new Agent({ ...opts, ca: server.caCert });
  agents.push(a);
  return a;
}

function call(agent: Agent, method: string, path: string, body?: unknown): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${server.url}${path}`, {
      method, agent, timeout: 10_000,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(text !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(text);
  });
}

interface WatchLog {
  events: Array<{ type: string; name: string; rv: number }>;
  names: Set<string>;
  error?: string;
  ended: boolean;
}

/** Opens a watch; resolves once the 200 headers are in (the server has registered it by then). */
function openWatch(agent: Agent, rv: string, log: WatchLog, onEvent: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=false`, {
      agent, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/json' },
    }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            const ev = JSON.parse(line) as { type: string; object: { metadata?: { name?: string; resourceVersion?: string } } };
            const name = ev.object.metadata?.name ?? '';
            log.events.push({ type: ev.type, name, rv: Number(ev.object.metadata?.resourceVersion) });
            if (ev.type === 'ADDED' && name.startsWith('cm-')) log.names.add(name);
          } catch (e) {
            log.error ??= `bad watch line: ${line.slice(0, 200)} (${String(e)})`;
          }
        }
        onEvent();
      });
      res.on('end', () => { log.ended = true; onEvent(); });
      res.on('error', () => { log.ended = true; onEvent(); });
      resolve();
    });
    req.on('error', (e) => {
      log.error ??= String(e);
      reject(e);
    });
    watchReqs.push(req);
    req.end();
  });
}

describe('HTTPS facade under load', () => {
  beforeAll(async () => {
    server = await up({ port: 0, seed: 21 });
  });

  afterAll(async () => {
    for (const r of watchReqs) r.destroy();
    for (const a of agents) a.destroy();
    await server?.stop();
  });

  it(`${CLIENTS} writers x ${PER_CLIENT} ConfigMaps, ${WATCHES} watches: nothing lost, all events, in order`, async () => {
    const t0 = performance.now();
    const admin = newAgent({ keepAlive: true, maxSockets: 4 });
    const ns = await call(admin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    expect(ns.code, ns.body).toBe(201);
    const before = await call(admin, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    expect(before.code, before.body).toBe(200);
    const rv = (JSON.parse(before.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

    // 100 watches, each on its own connection.
    const watchAgent = newAgent({ keepAlive: false, maxSockets: Infinity });
    const logs: WatchLog[] = Array.from({ length: WATCHES }, () => ({ events: [], names: new Set<string>(), ended: false }));
    let wake: (() => void) | undefined;
    const allSeen = new Promise<void>((resolve) => {
      wake = () => {
        if (logs.every((l) => l.names.size >= TOTAL || l.ended || l.error)) resolve();
      };
    });
    await Promise.all(logs.map((l) => openWatch(watchAgent, rv, l, () => wake!())));
    const tWatches = performance.now();

    // 50 concurrent writers, each on its own keep-alive connection, 10 creates in sequence.
    const failures: string[] = [];
    await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      const agent = newAgent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; i < PER_CLIENT; i++) {
        const name = `cm-${c}-${i}`;
        const r = await call(agent, 'POST', `/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { client: String(c), i: String(i) } });
        if (r.code !== 201) failures.push(`${name}: ${r.code} ${r.body.slice(0, 200)}`);
      }
    }));
    const tWrites = performance.now();
    expect(failures).toEqual([]);

    // Every write is there.
    const after = await call(admin, 'GET', `/api/v1/namespaces/${NS}/configmaps`);
    expect(after.code).toBe(200);
    const listed = new Set((JSON.parse(after.body) as { items: Array<{ metadata: { name: string } }> }).items.map((o) => o.metadata.name).filter((n) => n.startsWith('cm-')));
    expect(listed.size).toBe(TOTAL);

    // Every watch sees all of them, bounded.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([allSeen, new Promise<void>((resolve) => { timer = setTimeout(resolve, 8_000); })]);
    clearTimeout(timer);
    const tSeen = performance.now();

    for (const [i, l] of logs.entries()) {
      expect(l.error, `watch ${i}`).toBeUndefined();
      expect(l.ended, `watch ${i} ended early`).toBe(false);
      expect(l.names.size, `watch ${i} saw ${l.names.size}/${TOTAL}`).toBe(TOTAL);
      const ours = l.events.filter((e) => e.name.startsWith('cm-'));
      expect(ours.every((e) => e.type === 'ADDED'), `watch ${i}: only ADDED for the new ConfigMaps`).toBe(true);
      expect(ours.length, `watch ${i}: each ADDED once`).toBe(TOTAL);
      for (let k = 1; k < l.events.length; k++) {
        if (!(l.events[k]!.rv > l.events[k - 1]!.rv)) {
          throw new Error(`watch ${i}: event ${k} rv ${l.events[k]!.rv} after ${l.events[k - 1]!.rv}`);
        }
      }
      expect(l.events[0]!.rv).toBeGreaterThan(Number(rv));
    }
    process.stderr.write(`load: watches open ${(tWatches - t0).toFixed(0)} ms, ${TOTAL} writes ${(tWrites - tWatches).toFixed(0)} ms, all ${WATCHES} watches complete ${(tSeen - tWatches).toFixed(0)} ms after the first write\n`);
  }, 30_000);
});
