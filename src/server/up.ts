/**
 * `kubelife up`: a live cluster behind a real HTTPS endpoint. The virtual clock is paced to the
 * wall clock (times a speed factor); kubectl and client libraries talk to it with a generated
 * kubeconfig. The wall-clock timers live here, outside machines/ and src/sim, so the simulation
 * itself stays deterministic: only *when* requests arrive depends on the outside world.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generate } from 'selfsigned';
import { stringify as toYaml } from 'yaml';
import type { KObject } from '../api/objects.ts';
import { Cluster, defaultNodes } from '../sim/cluster.ts';
import { ADMIN_TOKEN, SimulationError } from '../sim/simulation.ts';
import { createHandler, type TableHook } from './http.ts';
import { isHeartbeat } from '../sim/trace.ts';
import { LiveHub, type ClockControl } from '../inspector/hub.ts';
import { startInspector, type RunningInspector } from '../inspector/server.ts';

export interface Certificates {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

/** A fresh CA and a serving certificate for 127.0.0.1 / localhost signed by it (EC P-256). */
export async function generateCertificates(): Promise<Certificates> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 365 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'kubelife-ca' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const serving = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }, { type: 2, value: 'kubernetes' }, { type: 2, value: 'kubernetes.default' }] },
    ],
  });
  return { caCert: ca.cert, caKey: ca.private, cert: serving.cert, key: serving.private };
}

/** The kubeconfig text: cluster/user/context `kubelife`, namespace default. */
export function kubeconfigFor(server: string, caCert: string, token: string): string {
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubelife', cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name: 'kubelife-admin', user: { token } }],
    contexts: [{ name: 'kubelife', context: { cluster: 'kubelife', user: 'kubelife-admin', namespace: 'default' } }],
    'current-context': 'kubelife',
    preferences: {},
  });
}

export interface UpOptions {
  cluster?: Cluster;
  /** Objects applied as the admin client once the cluster starts. */
  manifests?: KObject[];
  /** Seed for the default cluster (ignored when `cluster` is given). */
  seed?: number;
  /** 0 = an ephemeral port. Default 6443. */
  port?: number;
  /** Where to write the kubeconfig; none is written when undefined. */
  kubeconfig?: string;
  /** Virtual milliseconds per wall millisecond (default 1). */
  speed?: number;
  /** Pacing interval in wall milliseconds (default 20). */
  tickMs?: number;
  /** Table printer override; null = plain JSON lists only. Default: src/server/printers.ts. */
  table?: TableHook | null;
  log?: (line: string) => void;
  /** Wall ms between watch BOOKMARKs (default 60,000) and between polls of `logs -f` (default 100). */
  bookmarkIntervalMs?: number;
  logPollMs?: number;
  /** Serve the inspector page (src/inspector) on this port of 127.0.0.1 (0 = any); none when undefined. */
  inspectorPort?: number;
}

export interface RunningServer {
  cluster: Cluster;
  server: Server;
  url: string;
  port: number;
  kubeconfig: string | undefined;
  kubeconfigText: string;
  caCert: string;
  /** Pause, step and resume the pacing of the virtual clock. */
  clock: ClockControl;
  inspector: RunningInspector | undefined;
  stop(): Promise<void>;
}

/** Starts the cluster, the pacer and the HTTPS server on 127.0.0.1. */
export async function up(opts: UpOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? (() => {});
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
  const cluster = opts.cluster ?? new Cluster({ seed: opts.seed ?? 1, nodes: defaultNodes(), record: false, traceMessages: false });
  const sim = cluster.sim;
  // Attached before anything runs, so the inspector records the whole trace.
  const hub = opts.inspectorPort !== undefined ? new LiveHub(cluster) : undefined;
  if (opts.manifests?.length) {
    cluster.apply(opts.manifests, (obj, r) => {
      if (r.code >= 300) log(`apply ${obj.kind}/${obj.metadata.name ?? obj.metadata.generateName} failed: ${(r.body as { message?: string }).message ?? r.code}`);
    });
  }

  // Pacing: virtual time = virtual start + wall elapsed * speed.
  let v0 = sim.now();
  let w0 = performance.now();
  let stopped = false;
  let paused = false;
  const pace = (): void => {
    if (stopped || paused) return;
    const target = Math.floor(v0 + (performance.now() - w0) * speed);
    try {
      sim.runUntilTime(target);
    } catch (e) {
      if (e instanceof SimulationError) log(`simulation: ${e.message}`);
      else log(`simulation error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      // A crash throws mid-run; make sure the clock still moves on.
      if (sim.now() < target && (sim.clock.peekTime() ?? Infinity) > target) sim.clock.advanceTo(target);
    }
  };
  const interval = setInterval(pace, opts.tickMs ?? 20);
  const clock: ClockControl = {
    paused: () => paused,
    pause: () => {
      if (paused) return;
      pace();
      paused = true;
    },
    resume: () => {
      if (!paused) return;
      paused = false;
      v0 = sim.now();
      w0 = performance.now();
    },
    // One step: queued work runs until something other than a heartbeat happens (at most 1 s of virtual time, 10,000 items).
    step: () => {
      clock.pause();
      const until = sim.now() + 1000;
      let n = 0;
      const sub = sim.trace$.subscribe((e) => {
        if (!isHeartbeat(e)) n++;
      });
      try {
        for (let k = 0; k < 10_000 && n === 0 && (sim.clock.peekTime() ?? Infinity) <= until; k++) sim.step();
        // Nothing happened within 1 s: the clock still moves on by it, so steps always advance.
        if (n === 0 && sim.now() < until && (sim.clock.peekTime() ?? Infinity) > until) sim.clock.advanceTo(until);
      } catch (e) {
        log(`simulation: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        sub.unsubscribe();
      }
      return n;
    },
  };
  if (hub) hub.control = clock;

  const certs = await generateCertificates();
  const server = createServer({ cert: certs.cert, key: certs.key }, createHandler({
    sim, from: 'kubectl', ...(opts.table !== undefined ? { table: opts.table } : {}),
    ...(opts.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: opts.bookmarkIntervalMs } : {}),
    ...(opts.logPollMs !== undefined ? { logPollMs: opts.logPollMs } : {}),
  }));
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 6443, '127.0.0.1', () => {
      server.off('error', rej);
      res();
    });
  });
  let inspector: RunningInspector | undefined;
  if (hub) {
    try {
      inspector = await startInspector({ source: hub, port: opts.inspectorPort!, log });
    } catch (e) {
      clearInterval(interval);
      stopped = true;
      server.closeAllConnections();
      server.close();
      throw e;
    }
  }
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfigText = kubeconfigFor(url, certs.caCert, ADMIN_TOKEN);
  let kubeconfig: string | undefined;
  if (opts.kubeconfig !== undefined) {
    kubeconfig = resolve(opts.kubeconfig);
    mkdirSync(dirname(kubeconfig), { recursive: true });
    writeFileSync(kubeconfig, kubeconfigText, { mode: 0o600 });
  }

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearInterval(interval);
    await inspector?.stop();
    hub?.close();
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  };
  return { cluster, server, url, port, kubeconfig, kubeconfigText, caCert: certs.caCert, clock, inspector, stop };
}
