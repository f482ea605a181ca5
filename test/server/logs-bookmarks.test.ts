/**
 * pods/log over HTTP (timestamps, tailLines, limitBytes, previous, follow) and watch BOOKMARKs,
 * against an in-process `kubelife up` with plain https requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { up, type RunningServer } from '../../src/server/up.ts';
import { Cluster, defaultNodes } from '../../src/sim/cluster.ts';
import { ADMIN_TOKEN } from '../../src/sim/simulation.ts';
import type { Pod } from '../../src/api/objects.ts';

function get(server: RunningServer, path: string, onChunk?: (text: string) => boolean): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method: 'GET', ca: server.caCert, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
        if (onChunk?.(body)) {
          req.destroy();
          resolve({ code: res.statusCode ?? 0, body });
        }
      });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

function pod(name: string, restartPolicy = 'Always'): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    // busybox's own CMD (sh, no stdin) exits at once: sleep keeps the container up, as on a real node.
    spec: { restartPolicy, containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
  } as unknown as Pod;
}

async function until<T>(what: string, f: () => T | undefined, ms = 10_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pods/log and watch bookmarks over HTTP', () => {
  let server: RunningServer;
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = new Cluster({
      seed: 3, nodes: defaultNodes(), record: false, traceMessages: false,
      behaviours: [
        { pod: 'talker', logs: ['one', 'two', 'three'] },
        { pod: 'crasher', logs: ['starting', 'about to fail'], exitCode: 1, exitAfterMs: 4000 },
      ],
    });
    server = await up({ port: 0, cluster, speed: 20, bookmarkIntervalMs: 50, logPollMs: 20 });
    cluster.apply([pod('talker'), pod('crasher')]);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const running = (name: string) => () => {
    const p = cluster.pod('default', name);
    return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  };

  it('a waiting container is a 400 with its waiting reason', async () => {
    cluster.apply([{ ...pod('late'), spec: { containers: [{ name: 'app', image: 'no-such-registry.example/none:1' }] } } as unknown as Pod]);
    await until('late pod to be bound', () => cluster.pod('default', 'late')?.spec.nodeName);
    const r = await get(server, '/api/v1/namespaces/default/pods/late/log');
    expect(r.code).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/^container "app" in pod "late" is waiting to start: (ContainerCreating|ErrImagePull|ImagePullBackOff)$/);
    const bad = await get(server, '/api/v1/namespaces/default/pods/late/log?container=nope');
    expect(bad.code).toBe(400);
    expect(JSON.parse(bad.body).message).toBe('container nope is not valid for pod late');
  });

  it('timestamps, tailLines and limitBytes', async () => {
    const p = await until('talker running', running('talker'));
    const plain = await get(server, '/api/v1/namespaces/default/pods/talker/log');
    expect(plain).toEqual({ code: 200, body: 'one\ntwo\nthree\n' });
    const ts = await get(server, '/api/v1/namespaces/default/pods/talker/log?timestamps=true');
    const lines = ts.body.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const startedAt = Date.parse(p.status!.containerStatuses![0]!.state!.running!.startedAt!);
    for (const [i, l] of lines.entries()) {
      const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z) (.*)$/.exec(l);
      expect(m, l).not.toBeNull();
      expect(m![2]).toBe(['one', 'two', 'three'][i]);
      // Written when the container started (startedAt is rounded down to the second).
      expect(Math.floor(Date.parse(m![1]!) / 1000) * 1000).toBe(startedAt);
    }
    expect((await get(server, '/api/v1/namespaces/default/pods/talker/log?tailLines=1')).body).toBe('three\n');
    expect((await get(server, '/api/v1/namespaces/default/pods/talker/log?tailLines=0')).body).toBe('');
    expect((await get(server, '/api/v1/namespaces/default/pods/talker/log?limitBytes=9')).body).toBe('one\ntwo\n');
    expect((await get(server, '/api/v1/namespaces/default/pods/talker/log?previous=true')).code).toBe(400);
  });

  it('follow streams until the container exits; previous then reads that instance', async () => {
    await until('crasher running', running('crasher'));
    const restartsBefore = cluster.pod('default', 'crasher')!.status!.containerStatuses![0]!.restartCount;
    const followed = await get(server, '/api/v1/namespaces/default/pods/crasher/log?follow=true');
    expect(followed.code).toBe(200);
    // The stream ended by itself (the container exited), after the lines of that start.
    expect(followed.body).toBe('starting\nabout to fail\n');
    const p = cluster.pod('default', 'crasher')!;
    const st = p.status!.containerStatuses![0]!;
    expect(st.state?.running === undefined || st.restartCount > restartsBefore).toBe(true);
    await until('crasher restarted', () => (cluster.pod('default', 'crasher')!.status!.containerStatuses![0]!.restartCount > restartsBefore ? true : undefined));
    const prev = await get(server, '/api/v1/namespaces/default/pods/crasher/log?previous=true');
    expect(prev).toEqual({ code: 200, body: 'starting\nabout to fail\n' });
  });

  it('a watch that allows bookmarks gets BOOKMARKs carrying a resourceVersion no older than any event', async () => {
    const lines: Array<{ type: string; object: { kind: string; apiVersion: string; metadata: { resourceVersion: string } } }> = [];
    await get(server, '/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true', (text) => {
      lines.splice(0, lines.length, ...text.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
      return lines.filter((l) => l.type === 'BOOKMARK').length >= 3;
    });
    const bookmarks = lines.filter((l) => l.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(3);
    for (const b of bookmarks) {
      expect(b.object.kind).toBe('Pod');
      expect(b.object.apiVersion).toBe('v1');
      expect(Object.keys(b.object.metadata)).toEqual(['resourceVersion']);
    }
    let last = 0;
    for (const l of lines) {
      const rv = Number(l.object.metadata.resourceVersion);
      if (l.type === 'BOOKMARK') expect(rv).toBeGreaterThanOrEqual(last);
      last = Math.max(last, rv);
    }
    // Without allowWatchBookmarks, none.
    const plain: string[] = [];
    const started = performance.now();
    await get(server, '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1', (text) => {
      plain.splice(0, plain.length, ...text.split('\n').filter(Boolean));
      return performance.now() - started > 300 || plain.some((l) => l.includes('"BOOKMARK"'));
    });
    expect(plain.some((l) => l.includes('"BOOKMARK"'))).toBe(false);
  });
});
