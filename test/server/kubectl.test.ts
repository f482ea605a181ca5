/**
 * The HTTPS facade driven by the real kubectl on this machine (a v1.32 dispatcher): version,
 * discovery, apply, get until Running, delete; plus plain https requests for the error paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { up, type RunningServer } from '../../src/server/up.ts';
import { ADMIN_TOKEN } from '../../src/sim/simulation.ts';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);

interface Result { code: number; stdout: string; stderr: string }

function kubectl(dir: string, kubeconfig: string, args: string[], timeoutMs = 15_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: timeoutMs, env: { ...process.env, HOME: dir } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function https(server: RunningServer, method: string, path: string, opts: { token?: string; body?: string | Buffer; contentType?: string } = {}): Promise<{ code: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, {
      method, ca: server.caCert,
      headers: { ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}), ...(opts.contentType ? { 'Content-Type': opts.contentType } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
`;

describe.skipIf(!haveKubectl)('kubelife up + real kubectl', () => {
  let dir = '';
  let server: RunningServer | undefined;
  let kc = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kubelife-server-'));
    kc = join(dir, 'kubeconfig');
    server = await up({ port: 0, kubeconfig: kc, speed: 20, seed: 7 });
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl version reports the v1.32 server', async () => {
    const r = await kubectl(dir, kc, ['version', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).serverVersion.gitVersion).toBe('v1.32.4');
  });

  it('kubectl api-resources lists the registry from discovery', async () => {
    const r = await kubectl(dir, kc, ['api-resources']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(r.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(r.stdout).toMatch(/^nodes\s+no\s+v1\s+false\s+Node$/m);
  });

  it('discovery is aggregated: a cold kubectl needs only GET /api and /apis', async () => {
    const cold = join(dir, 'cold-cache');
    const r = await kubectl(dir, kc, ['api-resources', '-v=6', '--cache-dir', cold]);
    expect(r.code, r.stderr).toBe(0);
    const gets = r.stderr.split('\n').filter((l) => /GET https:\/\/\S+/.test(l)).map((l) => /GET https:\/\/[^/]+(\S+)/.exec(l)![1]!.replace(/\?.*$/, ''));
    expect(gets.sort()).toEqual(['/api', '/apis']);
    expect(r.stdout).toMatch(/^replicasets\s+rs\s+apps\/v1\s+true\s+ReplicaSet$/m);
    // Legacy discovery still answers clients that do not ask for the aggregated form.
    const legacy = await https(server!, 'GET', '/apis', { token: ADMIN_TOKEN });
    expect(JSON.parse(legacy.body).kind).toBe('APIGroupList');
    const agg = await new Promise<{ type: string; body: { kind: string; items: Array<{ versions: Array<{ resources: Array<{ resource: string; responseKind?: unknown; scope: string; subresources?: Array<{ subresource: string; responseKind?: { kind: string } }> }> }> }> } }>((resolve, reject) => {
      const req = request(`${server!.url}/apis`, { ca: server!.caCert, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c.toString()));
        res.on('end', () => resolve({ type: String(res.headers['content-type']), body: JSON.parse(b) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(agg.type).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(agg.body.kind).toBe('APIGroupDiscoveryList');
    const resources = agg.body.items.flatMap((i) => i.versions.flatMap((v) => v.resources));
    for (const res of resources) {
      expect(res.responseKind, res.resource).toBeDefined();
      expect(['Namespaced', 'Cluster']).toContain(res.scope);
    }
    const deploy = resources.find((x) => x.resource === 'deployments')!;
    expect(deploy.subresources?.find((s) => s.subresource === 'scale')?.responseKind?.kind).toBe('Scale');
  });

  it('apply a pod, see it Running, delete it', async () => {
    writeFileSync(join(dir, 'pod.yaml'), POD);
    const applied = await kubectl(dir, kc, ['apply', '-f', join(dir, 'pod.yaml')]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('pod/nginx created');
    let phase = '';
    let node = '';
    for (let i = 0; i < 40 && phase !== 'Running'; i++) {
      const g = await kubectl(dir, kc, ['get', 'pod', 'nginx', '-o', 'json']);
      expect(g.code, g.stderr).toBe(0);
      const pod = JSON.parse(g.stdout) as { status?: { phase?: string }; spec: { nodeName?: string } };
      phase = pod.status?.phase ?? '';
      node = pod.spec.nodeName ?? '';
      if (phase !== 'Running') await new Promise((r) => setTimeout(r, 250));
    }
    expect(phase).toBe('Running');
    expect(node).toMatch(/^worker-\d$/);
    // Server-side Table printing (src/server/printers.ts).
    const table = await kubectl(dir, kc, ['get', 'pods']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(table.stdout).toMatch(/^nginx\s+1\/1\s+Running\s+0\s+\S+$/m);
    // Client-side apply of a change: a strategic merge patch (src/server/patch.ts).
    writeFileSync(join(dir, 'pod.yaml'), POD.replace('nginx:1.27', 'nginx:1.28'));
    const again = await kubectl(dir, kc, ['apply', '-f', join(dir, 'pod.yaml')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('pod/nginx configured');
    const image = await kubectl(dir, kc, ['get', 'pod', 'nginx', '-o', 'jsonpath={.spec.containers[0].image}']);
    expect(image.stdout).toBe('nginx:1.28');
    const del = await kubectl(dir, kc, ['delete', 'pod', 'nginx', '--timeout=20s']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain('pod "nginx" deleted');
    const gone = await kubectl(dir, kc, ['get', 'pod', 'nginx']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });

  it('401 Status without a token, and discovery needs one too', async () => {
    const r = await https(server!, 'GET', '/api/v1/namespaces/default/pods');
    expect(r.code).toBe(401);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    expect((await https(server!, 'GET', '/apis')).code).toBe(401);
    expect((await https(server!, 'GET', '/version')).code).toBe(200);
    expect((await https(server!, 'GET', '/readyz')).body).toBe('ok');
  });

  it('404 Status for an unknown resource or path', async () => {
    const r = await https(server!, 'GET', '/api/v1/namespaces/default/frobs', { token: ADMIN_TOKEN });
    expect(r.code).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const p = await https(server!, 'GET', '/nope/at/all', { token: ADMIN_TOKEN });
    expect(p.code).toBe(404);
    expect(JSON.parse(p.body)).toMatchObject({ kind: 'Status', message: 'the server could not find the requested resource' });
  });

  it('bad input is a 4xx Status, never a 5xx', async () => {
    const t = { token: ADMIN_TOKEN };
    const post = (body: string | Buffer, contentType = 'application/json') => https(server!, 'POST', '/api/v1/namespaces/default/pods', { ...t, body, contentType });
    expect((await post('{not json')).code).toBe(400);
    expect((await post('[1,2]')).code).toBe(400);
    expect((await post('a: [b', 'application/yaml')).code).toBe(400);
    expect((await post(Buffer.alloc(3 * 1024 * 1024 + 10, 0x20))).code).toBe(413);
    expect((await https(server!, 'PATCH', '/api/v1/namespaces/default/pods/x', { ...t, body: '{}', contentType: 'text/plain' })).code).toBe(415);
    expect((await https(server!, 'GET', '/api/v1/pods?limit=abc', t)).code).toBe(400);
    expect((await https(server!, 'GET', '/api/v1/namespaces/default/pods/%ZZ', t)).code).toBe(400);
    expect((await https(server!, 'DELETE', '/api/v1/namespaces/default/pods/x', { ...t, body: '"x"', contentType: 'application/json' })).code).toBe(400);
  });

  it('watch streams one JSON event per line and ends only on timeoutSeconds', async () => {
    const r = await https(server!, 'GET', '/api/v1/nodes?watch=true&timeoutSeconds=1', { token: ADMIN_TOKEN });
    expect(r.code).toBe(200);
    const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string } });
    // The four nodes first; a node's status may change during the second (virtual time runs 20x).
    expect(lines.slice(0, 4).every((l) => l.type === 'ADDED' && l.object.kind === 'Node')).toBe(true);
    expect(lines.slice(4).every((l) => l.type === 'MODIFIED' && l.object.kind === 'Node')).toBe(true);
  });
});
