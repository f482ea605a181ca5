/**
 * The HTTPS facade driven by the real @kubernetes/client-node (1.4.0, the last line that loads on
 * Node 20): typed CoreV1Api calls and a list+watch informer (`makeInformer`), including its
 * re-list after a watch is cut and its resourceVersion has been compacted away (410 Expired).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, ListWatch, makeInformer, type V1Pod } from '@kubernetes/client-node';
import { up, type RunningServer } from '../../src/server/up.ts';

const PATH = '/api/v1/namespaces/default/pods';

function pod(name: string): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } };
}

/** Polls `cond` every 50 ms until it holds or `ms` elapse; returns whether it held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

interface Seen { verb: 'add' | 'update' | 'delete'; name: string; rv: number; phase: string; deleting: boolean }

describe('kubelife up + real @kubernetes/client-node', () => {
  let dir = '';
  let server: RunningServer | undefined;
  let api: CoreV1Api;
  let informer: ListWatch<V1Pod> | undefined;
  const seen: Seen[] = [];
  const connects: number[] = [];
  const errors: unknown[] = [];
  /** Pod list requests the HTTP facade served (the informer's initial list and any re-list). */
  let podLists = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelife-client-node-'));
    const kcPath = join(dir, 'kubeconfig');
    server = await up({ port: 0, kubeconfig: kcPath, speed: 20, seed: 11 });
    server.cluster.sim.trace$.subscribe((e) => {
      if (e.kind === 'request' && e.from === 'kubectl' && e.verb === 'list' && e.path.includes('/pods')) podLists++;
    });
    const kc = new KubeConfig();
    kc.loadFromFile(kcPath);
    api = kc.makeApiClient(CoreV1Api);
    // makeInformer builds a ListWatch (not started yet: start() below does the first list).
    const made = makeInformer<V1Pod>(kc, PATH, () => api.listNamespacedPod({ namespace: 'default' }));
    expect(made).toBeInstanceOf(ListWatch);
    informer = made as ListWatch<V1Pod>;
    const record = (verb: Seen['verb']) => (p: V1Pod): void => {
      seen.push({ verb, name: p.metadata?.name ?? '', rv: Number(p.metadata?.resourceVersion), phase: p.status?.phase ?? '', deleting: p.metadata?.deletionTimestamp != null });
    };
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    informer.on('connect', () => connects.push(Date.now()));
    informer.on('error', (e) => errors.push(e));
    await informer.start();
  });

  afterAll(async () => {
    await informer?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the informer sees a pod ADDED, updated up to Running, then DELETED, in resourceVersion order', async () => {
    const created = await api.createNamespacedPod({ namespace: 'default', body: pod('web-1') });
    expect(created.metadata?.uid).toBeTruthy();
    const createdRv = Number(created.metadata?.resourceVersion);
    const mine = () => seen.filter((s) => s.name === 'web-1');
    expect(await until(() => mine().some((s) => s.phase === 'Running'), 6_000), JSON.stringify(mine())).toBe(true);
    expect(informer!.get('web-1', 'default')?.status?.phase).toBe('Running');

    await api.deleteNamespacedPod({ name: 'web-1', namespace: 'default' });
    expect(await until(() => mine().some((s) => s.verb === 'delete'), 6_000), JSON.stringify(mine())).toBe(true);
    expect(errors).toEqual([]);

    const events = mine();
    expect(events[0]).toMatchObject({ verb: 'add', rv: createdRv });
    expect(events.at(-1)!.verb).toBe('delete');
    expect(events.slice(1, -1).every((e) => e.verb === 'update')).toBe(true);
    // Scheduled, started, Running, then graceful deletion marks it before it goes.
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < events.length; i++) expect(events[i]!.rv, JSON.stringify(events)).toBeGreaterThan(events[i - 1]!.rv);
    const running = events.findIndex((e) => e.phase === 'Running');
    expect(running).toBeGreaterThan(0);
    expect(events.slice(0, running).every((e) => e.phase !== 'Running')).toBe(true);
    expect(informer!.get('web-1', 'default')).toBeUndefined();
  });

  it('re-lists after its resourceVersion is compacted and the watch is cut (410 Expired)', async () => {
    const sim = server!.cluster.sim;
    // Move the store past the informer's resourceVersion with a write outside its watch
    // (a ConfigMap), then compact everything; the open watch itself is unaffected.
    const before = informer!.latestResourceVersion();
    expect(Number(before)).toBeGreaterThan(0);
    await api.createNamespacedConfigMap({ namespace: 'default', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump' }, data: { a: '1' } } });
    sim.store.compact(sim.store.revision());
    expect(sim.store.compactRevision()).toBeGreaterThan(Number(before));

    // Cut every connection from the server side. client-node 1.4.0 either sees a clean end
    // (connect + re-watch) or an error (the informer stops; an application restarts it). Either
    // way the re-watch from `before` must hit the 410 path and lead to a fresh list.
    expect(podLists).toBe(1);
    const connectsBefore = connects.length;
    const errorsBefore = errors.length;
    server!.server.closeAllConnections();
    expect(await until(() => connects.length > connectsBefore || errors.length > errorsBefore, 5_000)).toBe(true);
    if (errors.length > errorsBefore) await informer!.start();
    // The re-watch from the compacted resourceVersion ends with ERROR 410; then a list and a
    // watch from the list's resourceVersion, which is newer than the compaction.
    const compacted = sim.store.compactRevision();
    const state = () => JSON.stringify({ rv: informer!.latestResourceVersion(), compacted, podLists, connects: connects.length - connectsBefore, errors: errors.slice(errorsBefore).map(String) });
    expect(await until(() => podLists === 2 && Number(informer!.latestResourceVersion()) >= compacted, 5_000), state()).toBe(true);

    await api.createNamespacedPod({ namespace: 'default', body: pod('web-2') });
    expect(await until(() => seen.some((s) => s.name === 'web-2' && s.verb === 'add'), 5_000), state()).toBe(true);
    expect(informer!.get('web-2', 'default')).toBeDefined();
    expect(Number(informer!.latestResourceVersion())).toBeGreaterThan(compacted);
    expect(podLists).toBe(2);
  });
});
