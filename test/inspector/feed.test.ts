/**
 * The live feed over a real socket: the hello, batched trace events with global indexes, XState
 * inspection events only as subscribed, the same batches over Server-Sent Events, and the REST
 * answers the page builds on (pause/step/resume included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from 'node:http';
import WebSocket from 'ws';
import { up, type RunningServer } from '../../src/server/up.ts';
import type { FeedBatch, FeedHello } from '../../src/inspector/server.ts';
import { kube, until } from './browser.ts';

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fed' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } };

describe('the inspector feed', () => {
  let server: RunningServer | undefined;
  let base = '';
  const messages: Array<FeedHello | FeedBatch> = [];
  const sse: string[] = [];
  let ws: WebSocket | undefined;

  beforeAll(async () => {
    server = await up({ port: 0, speed: 20, seed: 9, inspectorPort: 0 });
    base = server.inspector!.url;
    ws = new WebSocket(`ws://127.0.0.1:${server.inspector!.port}/feed`);
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as FeedHello | FeedBatch));
    await new Promise((r) => ws!.once('open', r));
    ws.send(JSON.stringify({ type: 'subscribe', xstate: 'kube-scheduler' }));
    get(`${base}/api/feed`, (res) => res.on('data', (c: Buffer) => sse.push(String(c))));
    await until(() => messages.length > 0 && sse.length > 0, 10_000);
  });

  afterAll(async () => {
    ws?.close();
    await server?.stop();
  });

  it('greets with the mode and the trace length', () => {
    expect(messages[0]).toMatchObject({ type: 'hello', mode: 'live', paused: false });
    expect(sse[0]).toMatch(/^data: \{"type":"hello"/);
  });

  it('batches trace events with their indexes, and sends only the subscribed actor inspection events', async () => {
    expect((await kube(server!, 'POST', '/api/v1/namespaces/default/pods', POD)).code).toBe(201);
    const batches = () => messages.filter((m): m is FeedBatch => m.type === 'batch');
    expect(await until(() => batches().some((b) => b.trace.some((x) => x.e.kind === 'k8s-event' && x.e.reason === 'Started')), 30_000)).toBe(true);
    const all = batches().flatMap((b) => b.trace);
    for (let k = 1; k < all.length; k++) expect(all[k]!.i).toBeGreaterThan(all[k - 1]!.i);
    expect(all.some((x) => x.e.kind === 'write' && x.e.key === '/registry/pods/default/fed')).toBe(true);
    const xs = batches().flatMap((b) => b.xstate);
    expect(xs.length).toBeGreaterThan(0);
    expect(new Set(xs.map((x) => x.systemId))).toEqual(new Set(['kube-scheduler']));
    expect(xs.some((x) => x.type === '@xstate.snapshot' && x.state === 'scheduling')).toBe(true);
    // Fewer messages than events: batched.
    expect(batches().length).toBeLessThan(all.length);
    expect(sse.join('')).toContain('/registry/pods/default/fed');
  });

  it('pauses, steps and resumes the clock', async () => {
    const post = async (action: string) => (await fetch(`${base}/api/control?action=${action}`, { method: 'POST' })).json() as Promise<{ paused: boolean; t: number; events: number }>;
    const paused = await post('pause');
    expect(paused.paused).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const info = await (await fetch(`${base}/api/info`)).json() as FeedHello;
    expect(info.paused).toBe(true);
    expect(server!.cluster.sim.now()).toBe(paused.t);
    const stepped = await post('step');
    expect(stepped.paused).toBe(true);
    expect(stepped.t).toBeGreaterThanOrEqual(paused.t);
    expect(stepped.t - paused.t).toBeLessThanOrEqual(1000);
    const resumed = await post('resume');
    expect(resumed.paused).toBe(false);
    expect(await until(() => server!.cluster.sim.now() > stepped.t, 10_000)).toBe(true);
    expect((await fetch(`${base}/api/control?action=nope`, { method: 'POST' })).status).toBe(400);
  });

  it('refuses other web sites: a foreign Origin or Host, over HTTP and WebSocket', async () => {
    const r = await fetch(`${base}/api/apply`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil}\n' });
    expect(r.status).toBe(403);
    expect(server!.cluster.sim.get('configmaps', 'default', 'evil')).toBeUndefined();
    const code = await new Promise<number>((res) => {
      get({ host: '127.0.0.1', port: server!.inspector!.port, path: '/api/cluster', headers: { host: 'evil.example' } }, (x) => {
        x.resume();
        res(x.statusCode ?? 0);
      });
    });
    expect(code).toBe(403);
    const foreign = new WebSocket(`ws://127.0.0.1:${server!.inspector!.port}/feed`, { origin: 'http://evil.example' });
    expect(await new Promise((res) => {
      foreign.on('open', () => res('open'));
      foreign.on('error', () => res('refused'));
    })).toBe('refused');
    expect((await fetch(`${base}/api/info`, { headers: { origin: base } })).status).toBe(200);
  });

  it('serves the Stately bridge page, pointed at its own /stately socket', async () => {
    const html = await (await fetch(`${base}/stately`)).text();
    expect(html).toContain('https://stately.ai/inspect');
    expect(html).toContain(`ws://127.0.0.1:${server!.inspector!.port}/stately`);
  });

  it('answers an apply with a Status: the parser refusing it, or the API server', async () => {
    const parse = await fetch(`${base}/api/apply`, { method: 'POST', body: 'kind: Pod\n' });
    expect(parse.status).toBe(400);
    expect(await parse.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    const r = await fetch(`${base}/api/apply`, { method: 'POST', body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: fed\n  namespace: nope\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n' });
    const body = await r.json() as { results: Array<{ code: number; status?: { kind: string; reason: string } }> };
    expect(r.status).toBe(404);
    expect(body.results[0]).toMatchObject({ code: 404, status: { kind: 'Status', reason: 'NotFound' } });
    const ok = await fetch(`${base}/api/apply`, { method: 'POST', body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata: {a: b}\n' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ results: [{ object: 'ConfigMap/cm', code: 201 }] });
  });
});
