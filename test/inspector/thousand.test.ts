/**
 * The page with 1,000 pods: a ReplicaSet of 1,000 replicas over ten nodes, created while the page
 * is open. Frame time is measured in the browser with requestAnimationFrame, while the pods are
 * being born and the feed is busiest, then at rest; the numbers are printed, never asserted
 * (wall-clock time). Asserted: every pod is drawn, and no console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Cluster } from '../../src/sim/cluster.ts';
import { up, type RunningServer } from '../../src/server/up.ts';
import { ARTIFACTS, kube, launch, until, type Browser } from './browser.ts';

const PODS = 1000;
const NODES = 10;

declare function requestAnimationFrame(cb: (t: number) => void): number;
declare const performance: { now(): number };
declare const document: { querySelectorAll(s: string): { length: number } };

interface Frames { frames: number; meanMs: number; p50Ms: number; p95Ms: number; maxMs: number; fps: number }

/** Frame times over `ms` of wall time, measured in the page. */
function measure(page: Page, ms: number): Promise<Frames> {
  return page.evaluate((duration) => new Promise<Frames>((resolve) => {
    const deltas: number[] = [];
    const start = performance.now();
    let last = start;
    const tick = (t: number) => {
      deltas.push(t - last);
      last = t;
      if (t - start < duration) requestAnimationFrame(tick);
      else {
        const sorted = [...deltas].sort((a, b) => a - b);
        const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
        const mean = deltas.reduce((a, b) => a + b, 0) / deltas.length;
        resolve({ frames: deltas.length, meanMs: +mean.toFixed(1), p50Ms: +q(0.5).toFixed(1), p95Ms: +q(0.95).toFixed(1), maxMs: +sorted[sorted.length - 1]!.toFixed(1), fps: +(1000 / mean).toFixed(1) });
      }
    };
    requestAnimationFrame(tick);
  }), ms);
}

describe('the inspector page with 1,000 pods', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    const nodes = Array.from({ length: NODES }, (_, i) => ({ name: `node-${String(i + 1).padStart(2, '0')}`, capacity: { cpu: '64', memory: '256Gi', pods: '110' } }));
    const cluster = new Cluster({ seed: 5, nodes, record: false, traceMessages: false, kubeProxy: false });
    server = await up({ cluster, port: 0, speed: 5, inspectorPort: 0 });
    browser = await launch();
    page = browser.page;
    await page.goto(server.inspector!.url);
    expect(await until(async () => (await page.locator('[data-testid^="node-"][data-ready="true"]').count()) === NODES, 60_000)).toBe(true);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('draws all 1,000 pods while measuring frame time, with no console error', async () => {
    const rs = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'big' },
      spec: { replicas: PODS, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
    };
    expect((await kube(server!, 'POST', '/apis/apps/v1/namespaces/default/replicasets', rs)).code).toBe(201);
    const busy = await measure(page, 4000);
    const count = () => page.evaluate(() => document.querySelectorAll('[data-testid^="pod-default-big-"]').length);
    const running = () => page.evaluate(() => document.querySelectorAll('[data-testid^="pod-default-big-"][data-phase="Running"]').length);
    expect(await until(async () => (await count()) === PODS, 180_000)).toBe(true);
    expect(await until(async () => (await running()) === PODS, 180_000)).toBe(true);
    const rest = await measure(page, 3000);
    const length = ((await (await fetch(`${server!.inspector!.url}/api/info`)).json()) as { length: number }).length;
    await page.screenshot({ path: join(ARTIFACTS, '10-thousand-pods.png'), fullPage: true });
    console.log(`inspector frame time, ${PODS} pods on ${NODES} nodes, trace ${length} events:`);
    console.table({ 'while pods are born': busy, 'all Running, feed live': rest });
    console.log(`frame-time | busy: mean ${busy.meanMs} ms p95 ${busy.p95Ms} ms max ${busy.maxMs} ms (${busy.frames} frames) | at rest: mean ${rest.meanMs} ms p95 ${rest.p95Ms} ms max ${rest.maxMs} ms (${rest.frames} frames)`);
    expect(await page.locator('[data-testid="pod-count"]').getAttribute('data-count')).toBe(String(PODS));
    expect(browser!.errors).toEqual([]);
  });
});
