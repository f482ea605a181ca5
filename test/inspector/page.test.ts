/**
 * The inspector page in Chromium against a real `up()` (in process, ports 0): it loads without
 * console errors; a pod created through the Kubernetes API appears Pending (clock paused) and goes
 * Running (resumed); clicking it shows its story and the scheduler's table; the statechart
 * highlights its current state; the scrubber goes back to before it existed; the YAML editor
 * applies a manifest and shows a Status on bad input. Screenshots: .tmp-artifacts/inspector/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { up, type RunningServer } from '../../src/server/up.ts';
import { ARTIFACTS, kube, launch, until, type Browser } from './browser.ts';

// The page's DOM, as much of it as the evaluated callbacks use (tsconfig has no DOM lib).
declare const document: { querySelector(s: string): { getAttribute(n: string): string | null; value: string; dispatchEvent(e: unknown): boolean } | null };
declare class Event {
  constructor(type: string);
}

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } };

async function phaseOf(page: Page, testid: string): Promise<string | null> {
  return page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-phase') ?? null, testid);
}

describe('the inspector page', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    server = await up({ port: 0, speed: 20, seed: 7, inspectorPort: 0 });
    browser = await launch();
    page = browser.page;
    await page.goto(server.inspector!.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('loads and draws the four nodes, Ready, with the control plane taint', async () => {
    expect(await until(async () => (await page.locator('[data-testid^="node-"][data-ready="true"]').count()) === 4, 30_000)).toBe(true);
    expect(await page.locator('[data-testid="node-control-plane"] .taints').textContent()).toContain('node-role.kubernetes.io/control-plane:NoSchedule');
    expect(await page.locator('[data-testid="conn"]').textContent()).toBe('connected');
    await page.screenshot({ path: join(ARTIFACTS, '01-loaded.png'), fullPage: true });
  });

  it('shows a pod applied through the API as Pending while paused, then Running after resume', async () => {
    await page.click('[data-testid="btn-pause"]');
    expect(await until(async () => (await page.locator('[data-testid="mode"]').textContent()) === 'live · paused', 10_000)).toBe(true);
    await page.click('[data-testid="btn-step"]');
    const created = await kube(server!, 'POST', '/api/v1/namespaces/default/pods', POD);
    expect(created.code).toBe(201);
    expect(await until(async () => (await phaseOf(page, 'pod-default-web')) === 'Pending', 15_000)).toBe(true);
    // Paused: still Pending a moment later, and unscheduled.
    await new Promise((r) => setTimeout(r, 500));
    expect(await phaseOf(page, 'pod-default-web')).toBe('Pending');
    expect(await page.locator('[data-testid="unscheduled"] [data-testid="pod-default-web"]').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '02-pending-paused.png'), fullPage: true });
    await page.click('[data-testid="btn-resume"]');
    expect(await until(async () => (await phaseOf(page, 'pod-default-web')) === 'Running', 30_000)).toBe(true);
    const node = ((await kube(server!, 'GET', '/api/v1/namespaces/default/pods/web')).body as { spec: { nodeName: string } }).spec.nodeName;
    expect(await page.locator(`[data-testid="node-${node}"] [data-testid="pod-default-web"]`).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '03-running.png'), fullPage: true });
  });

  it('shows the pod story across the components and the scheduler table when the pod is clicked', async () => {
    await page.click('[data-testid="pod-default-web"]');
    expect(await until(async () => (await page.locator('[data-testid="story-entry"]').count()) > 10, 15_000)).toBe(true);
    for (const lane of ['kube-apiserver', 'etcd', 'kube-scheduler']) expect(await page.locator(`[data-testid="lane-${lane}"]`).count()).toBe(1);
    expect(await page.locator('[data-testid^="lane-kubelet/"]').count()).toBe(1);
    expect(await until(async () => (await page.locator('[data-testid="scheduler-table"] tr.chosen').count()) === 1, 10_000)).toBe(true);
    const table = await page.locator('[data-testid="scheduler-table"]').textContent();
    expect(table).toContain('TaintToleration');
    expect(table).toContain('NodeResourcesFit');
    expect(await page.locator('[data-testid="sched-row-control-plane"] td.infeasible').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '04-story.png'), fullPage: true });
  });

  it('highlights the pod worker current state in its statechart', async () => {
    expect(await page.locator('[data-testid="actor-select"]').inputValue()).toBe('pod/default/web');
    expect(await until(async () => (await page.locator('[data-testid="statechart"] [data-state-id="Running"].current').count()) === 1, 15_000)).toBe(true);
    expect(await page.locator('[data-testid="statechart-svg"]').getAttribute('data-machine')).toBe('pod');
    expect(await page.locator('[data-testid="current-state"]').textContent()).toMatch(/^Running/);
    expect(await page.locator('[data-testid="last-event"]').textContent()).not.toBe('');
    await page.locator('[data-testid="statechart"]').screenshot({ path: join(ARTIFACTS, '05-statechart.png') });
  });

  it('moves back in time with the scrubber: the pod is Pending, then gone, then back when following', async () => {
    const log = await (await fetch(`${server!.inspector!.url}/api/events?pod=default/web&kind=write&limit=5000`)).json() as { events: Array<{ i: number }> };
    const createdAt = Math.min(...log.events.map((x) => x.i));
    const scrub = (i: number) => page.evaluate((v) => {
      const s = document.querySelector('[data-testid="scrubber"]')!;
      s.value = String(v);
      s.dispatchEvent(new Event('input'));
    }, i);
    await scrub(createdAt + 1);
    expect(await until(async () => (await phaseOf(page, 'pod-default-web')) === 'Pending', 10_000)).toBe(true);
    expect(await page.locator('[data-testid="position"]').textContent()).toContain(`${createdAt + 1} /`);
    await scrub(createdAt);
    expect(await until(async () => (await page.locator('[data-testid="pod-default-web"]').count()) === 0, 10_000)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, '06-scrubbed-back.png'), fullPage: true });
    await page.click('[data-testid="btn-live"]');
    expect(await until(async () => (await phaseOf(page, 'pod-default-web')) === 'Running', 10_000)).toBe(true);
  });

  it('filters the event log by pod and kind', async () => {
    await page.fill('[data-testid="filter-pod"]', 'default/web');
    await page.selectOption('[data-testid="filter-kind"]', 'k8s-event');
    expect(await until(async () => {
      const kinds = await page.locator('[data-testid="log-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind')));
      return kinds.length > 0 && kinds.every((k) => k === 'k8s-event');
    }, 10_000)).toBe(true);
    expect(await page.locator('[data-testid="event-log"]').textContent()).toContain('Scheduled');
    await page.fill('[data-testid="filter-pod"]', '');
    await page.selectOption('[data-testid="filter-kind"]', '');
  });

  it('applies a manifest from the YAML editor, and shows a Status for a bad one', async () => {
    await page.fill('[data-testid="yaml"]', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-page\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n');
    await page.click('[data-testid="btn-apply"]');
    expect(await until(async () => (await page.locator('[data-testid="apply-result"]').textContent())?.includes('Pod/from-page: created') ?? false, 15_000)).toBe(true);
    expect(await until(async () => (await phaseOf(page, 'pod-default-from-page')) === 'Running', 30_000)).toBe(true);
    await page.fill('[data-testid="yaml"]', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n');
    await page.click('[data-testid="btn-apply"]');
    expect(await until(async () => (await page.locator('[data-testid="apply-result"].error').count()) === 1, 10_000)).toBe(true);
    expect(await page.locator('[data-testid="apply-result"]').textContent()).toMatch(/Invalid|invalid/);
    await page.screenshot({ path: join(ARTIFACTS, '07-apply.png'), fullPage: true });
  });

  it('logged no console errors', () => {
    expect(browser!.errors).toEqual([]);
  });
});
