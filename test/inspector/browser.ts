/**
 * Helpers for the inspector's browser tests: Debian's Chromium driven by playwright-core (never
 * a downloaded browser), the Kubernetes API of a running `up()` over HTTPS, and polling.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN } from '../../src/sim/simulation.ts';
import type { RunningServer } from '../../src/server/up.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = resolve('.tmp-artifacts/inspector');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, as text. */
  errors: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile; fails clearly when it is not installed. */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the inspector's browser tests drive Debian's Chromium; install it with \`apt-get install chromium\` (.ci/run does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'kubelife-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return {
    context, page, errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One request to the cluster's Kubernetes API as the admin (the token `up()` writes into its kubeconfig). */
export function kube(server: RunningServer, method: string, path: string, body?: unknown): Promise<{ code: number; body: unknown }> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${server.url}${path}`, {
      method, ca: server.caCert,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: 'application/json', ...(data ? { 'content-type': 'application/json' } : {}) },
    }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        res({ code: r.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', rej);
    req.end(data);
  });
}

/** Polls `cond` every 50 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}
