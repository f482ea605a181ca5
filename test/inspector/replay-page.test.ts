/**
 * `kubelife inspect TRACE.jsonl`: a recorded run in the same page, replay mode. The trace comes
 * from playing examples/birth-of-a-pod.yaml as `kubelife run --trace` does. Also the command's
 * bad input: one line, exit code 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { toJsonLine, type TraceEvent } from '../../src/sim/trace.ts';
import { readTrace, serveTrace } from '../../src/cli/inspect.ts';
import type { RunningInspector } from '../../src/inspector/server.ts';
import { main } from '../../src/cli/main.ts';
import { ARTIFACTS, launch, until, type Browser } from './browser.ts';

declare const document: { querySelector(s: string): { value: string; dispatchEvent(e: unknown): boolean } | null };
declare class Event {
  constructor(type: string);
}

describe('kubelife inspect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubelife-inspect-'));
  const file = join(dir, 'birth.jsonl');
  const events: TraceEvent[] = [];
  let inspector: RunningInspector | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    runScenario(loadScenario('examples/birth-of-a-pod.yaml'), { record: false, onTrace: (e) => events.push(e) });
    writeFileSync(file, events.map((e) => toJsonLine(e) + '\n').join(''));
    inspector = await serveTrace(file, 0);
    browser = await launch();
    page = browser.page;
    await page.goto(inspector.url);
  });

  afterAll(async () => {
    await browser?.close();
    await inspector?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the trace back as written', () => {
    expect(readTrace(file)).toEqual(events);
  });

  it('shows the end of the run in replay mode, without a clock to pause', async () => {
    expect(await until(async () => (await page.locator('[data-testid="mode"]').textContent()) === 'replay', 10_000)).toBe(true);
    expect(await page.locator('[data-testid="btn-pause"]').isDisabled()).toBe(true);
    expect(await until(async () => (await page.locator('[data-testid="pod-default-nginx"][data-phase="Running"]').count()) === 1, 10_000)).toBe(true);
    expect(await page.locator('[data-testid="position"]').textContent()).toContain(`${events.length} / ${events.length}`);
  });

  it('tells the pod story with the scheduler choice from its trace note', async () => {
    await page.click('[data-testid="pod-default-nginx"]');
    expect(await until(async () => (await page.locator('[data-testid="scheduler-table"] tr.chosen').count()) === 1, 10_000)).toBe(true);
    expect(await page.locator('[data-testid="scheduler-table"]').textContent()).toContain('from its trace note');
    expect(await until(async () => (await page.locator('[data-testid="statechart"] [data-state-id="Running"].current').count()) === 1, 10_000)).toBe(true);
  });

  it('travels back to before the pod existed', async () => {
    const step = events.findIndex((e) => e.kind === 'step');
    await page.evaluate((v) => {
      const s = document.querySelector('[data-testid="scrubber"]')!;
      s.value = String(v);
      s.dispatchEvent(new Event('input'));
    }, step);
    expect(await until(async () => (await page.locator('[data-testid="pod-default-nginx"]').count()) === 0, 10_000)).toBe(true);
    expect(await until(async () => (await page.locator('[data-testid="current-state"]').textContent())?.includes('not running') ?? false, 10_000)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, '08-replay-before-pod.png'), fullPage: true });
    expect(browser!.errors).toEqual([]);
  });

  it('answers bad input with one line and exit code 2', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"t":1,"kind":"note","actor":"a","text":"x"}\nnot json\n');
    for (const [args, msg] of [
      [['inspect', join(dir, 'missing.jsonl')], /cannot read \(ENOENT\)/],
      [['inspect', bad], /bad\.jsonl:2: not JSON/],
      [['inspect', file, '--port', 'x'], /--port: "x" is not a port number/],
      [['up', '--inspector-port', '70000'], /--inspector-port: "70000" is not a port number/],
    ] as const) {
      const errs: string[] = [];
      expect(await main(['node', 'kubelife', ...args], () => {}, (s) => errs.push(s))).toBe(2);
      expect(errs).toHaveLength(1);
      expect(errs[0]).toMatch(msg);
    }
  });
});
