/**
 * Everyday kubectl workflows against `kubelife up`, with the real /usr/bin/kubectl (v1.32):
 * watching a pod start, describe and its events, wait, deployments (create, scale, rollout
 * status), delete --wait, logs, get events / all, -o yaml|json, server-side apply, and RBAC for a
 * scenario user. Each block starts its own in-process server at a high speed so the whole file is
 * quick; every kubectl call has a timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { up, type RunningServer } from '../../src/server/up.ts';
import { setEpoch } from '../../src/api/time.ts';
import { loadScenarioText } from '../../src/scenario/load.ts';
import { clusterFor } from '../../src/scenario/run.ts';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);
const SPEED = 20;

interface Result { code: number; stdout: string; stderr: string }

/** One server, a temp HOME / cache dir, and a kubectl bound to its kubeconfig. */
interface Env {
  dir: string;
  kc: string;
  server: RunningServer;
  kubectl(args: string[], opts?: { kubeconfig?: string; timeoutMs?: number }): Promise<Result>;
  file(name: string, text: string): string;
}

function kubectlIn(dir: string, kubeconfig: string, args: string[], timeoutMs = 20_000): Promise<Result> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: timeoutMs, env: { ...process.env, HOME: dir } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function start(opts: { scenario?: string } = {}): Promise<Env> {
  // As `kubelife up` does: virtual time 0 is now, so kubectl's own age arithmetic roughly agrees.
  setEpoch(Math.floor(Date.now() / 1000) * 1000);
  const dir = mkdtempSync(join(tmpdir(), 'kubelife-workflows-'));
  const kc = join(dir, 'kubeconfig');
  let server: RunningServer;
  if (opts.scenario !== undefined) {
    const loaded = loadScenarioText(opts.scenario, join(dir, 'scenario.yaml'));
    const cluster = clusterFor(loaded, { record: false, traceMessages: false });
    server = await up({ cluster, manifests: loaded.manifests, port: 0, kubeconfig: kc, speed: SPEED });
  } else {
    server = await up({ port: 0, kubeconfig: kc, speed: SPEED, seed: 11 });
  }
  return {
    dir, kc, server,
    kubectl: (args, o = {}) => kubectlIn(dir, o.kubeconfig ?? kc, args, o.timeoutMs),
    file: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
  };
}

async function stop(env: Env | undefined): Promise<void> {
  await env?.server.stop();
  if (env) rmSync(env.dir, { recursive: true, force: true });
}

/** Polls a kubectl -o jsonpath query until it prints `want` (or the deadline passes). */
async function until(env: Env, args: string[], want: (out: string) => boolean, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const r = await env.kubectl(args);
    last = r.stdout;
    if (r.code === 0 && want(last)) return last;
    await new Promise((res) => setTimeout(res, 100));
  }
  return last;
}

/** The rows of kubectl's table output: header first, each split on runs of 2+ spaces. */
function rows(out: string): string[][] {
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s{2,}/));
}

/** The apiserver's own Service as `get all` prints it. */
const KUBERNETES_SERVICE = /^service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP\s+\S+$/m;

const POD = (name: string, image = 'nginx:1.27') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  containers:
  - name: ${name}
    image: ${image}
`;

describe.skipIf(!haveKubectl)('kubectl workflows against kubelife up', () => {
  describe('a pod from apply to delete', () => {
    let env: Env | undefined;
    beforeAll(async () => {
      env = await start();
    });
    afterAll(() => stop(env));

    it('get pods -w (already watching) shows the pod go Pending -> ContainerCreating -> Running', async () => {
      const e = env!;
      const child = spawn(KUBECTL, ['--kubeconfig', e.kc, '--cache-dir', join(e.dir, 'cache'), 'get', 'pods', '-w', '-v=6'], { env: { ...process.env, HOME: e.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let stderr = '';
      let applied: Promise<Result> | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no Running row within 20s; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), 20_000);
          let buf = '';
          child.stdout.setEncoding('utf8');
          child.stdout.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              lines.push(line);
              if (/^web1\s+1\/1\s+Running\s/.test(line)) {
                clearTimeout(timer);
                resolve();
              }
            }
          });
          // -v=6 logs each request: apply only once the watch itself is open (after the empty list).
          child.stderr.setEncoding('utf8');
          child.stderr.on('data', (chunk: string) => {
            stderr += chunk;
            if (!applied && /GET \S+\/api\/v1\/namespaces\/default\/pods\?\S*watch=true\S* 200 OK/.test(stderr)) applied = e.kubectl(['apply', '-f', e.file('web1.yaml', POD('web1'))]);
          });
          child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`kubectl get -w exited (${code}) before Running; stderr:\n${stderr}`));
          });
        });
      } finally {
        child.removeAllListeners('exit');
        child.kill('SIGTERM');
      }
      const a = await applied!;
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout).toContain('pod/web1 created');
      const table = rows(lines.join('\n'));
      expect(table[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      const statuses = table.slice(1).map((r) => { expect(r[0]).toBe('web1'); return r[2]; });
      // Consecutive duplicates (the scheduler's binding, kubelet status writes) collapse.
      const phases = statuses.filter((s, i) => s !== statuses[i - 1]);
      expect(phases).toEqual(['Pending', 'ContainerCreating', 'Running']);
      expect(table.at(-1)!.slice(0, 4)).toEqual(['web1', '1/1', 'Running', '0']);
    });

    it('wait --for=condition=Ready exits 0', async () => {
      const r = await env!.kubectl(['wait', '--for=condition=Ready', 'pod/web1', '--timeout=20s'], { timeoutMs: 25_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('pod/web1 condition met');
    });

    it('describe pod shows the Events: Scheduled, Pulling, Pulled, Created, Started', async () => {
      const e = env!;
      const r = await e.kubectl(['describe', 'pod', 'web1']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Status:\s+Running$/m);
      expect(r.stdout).toMatch(/^Node:\s+worker-\d\/\d+\.\d+\.\d+\.\d+$/m);
      const events = r.stdout.slice(r.stdout.indexOf('\nEvents:'));
      const table = rows(events).slice(1);
      expect(table[0]).toEqual(['Type', 'Reason', 'Age', 'From', 'Message']);
      const byReason = new Map(table.slice(2).map((row) => [row[1], row]));
      expect([...byReason.keys()].sort()).toEqual(['Created', 'Pulled', 'Pulling', 'Scheduled', 'Started']);
      const node = /^Node:\s+(worker-\d)\//m.exec(r.stdout)![1];
      expect(byReason.get('Scheduled')).toEqual(['Normal', 'Scheduled', expect.any(String), 'default-scheduler', `Successfully assigned default/web1 to ${node}`]);
      expect(byReason.get('Pulling')!.slice(3)).toEqual(['kubelet', 'Pulling image "nginx:1.27"']);
      expect(byReason.get('Pulled')![3]).toBe('kubelet');
      expect(byReason.get('Pulled')![4]).toMatch(/^Successfully pulled image "nginx:1\.27" in [\d.]+m?s \([\d.]+m?s including waiting\)\. Image size: \d+ bytes\.$/);
      expect(byReason.get('Created')!.slice(3)).toEqual(['kubelet', 'Created container web1']);
      expect(byReason.get('Started')!.slice(3)).toEqual(['kubelet', 'Started container web1']);
      // The order they were recorded in (describe sorts by lastTimestamp, whole seconds, so
      // events within one second print in list order: see the report on event names).
      const j = await e.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web1', '-o', 'json']);
      const items = (JSON.parse(j.stdout) as { items: Array<{ reason: string; metadata: { resourceVersion: string } }> }).items;
      const order = [...items].sort((x, y) => Number(x.metadata.resourceVersion) - Number(y.metadata.resourceVersion)).map((x) => x.reason);
      expect(order).toEqual(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
    });

    it('get events lists Scheduled for the pod (LAST SEEN TYPE REASON OBJECT MESSAGE)', async () => {
      const r = await env!.kubectl(['get', 'events']);
      expect(r.code, r.stderr).toBe(0);
      const table = rows(r.stdout);
      expect(table[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
      const scheduled = table.find((row) => row[2] === 'Scheduled' && row[3] === 'pod/web1');
      expect(scheduled).toBeDefined();
      expect(scheduled![0]).toMatch(/^\d+(s|m\d*s?)$/);
      expect(scheduled![1]).toBe('Normal');
      expect(scheduled![4]).toMatch(/^Successfully assigned default\/web1 to worker-\d$/);
    });

    it('get all lists the pod and service/kubernetes', async () => {
      const all = await env!.kubectl(['get', 'all']);
      expect(all.code, all.stderr).toBe(0);
      expect(all.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      expect(all.stdout).toMatch(/^pod\/web1\s+1\/1\s+Running\s+0\s+\S+$/m);
      expect(all.stdout).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
      expect(all.stdout).toMatch(KUBERNETES_SERVICE);
    });

    it('get pod -o yaml and -o json parse and show phase, podIP and conditions', async () => {
      const e = env!;
      const y = await e.kubectl(['get', 'pod', 'web1', '-o', 'yaml']);
      const j = await e.kubectl(['get', 'pod', 'web1', '-o', 'json']);
      expect(y.code, y.stderr).toBe(0);
      expect(j.code, j.stderr).toBe(0);
      type PodOut = { kind: string; metadata: { name: string; uid: string }; spec: { nodeName: string }; status: { phase: string; podIP: string; podIPs: Array<{ ip: string }>; hostIP: string; conditions: Array<{ type: string; status: string }> } };
      const fromYaml = parseYaml(y.stdout) as PodOut;
      const fromJson = JSON.parse(j.stdout) as PodOut;
      for (const p of [fromYaml, fromJson]) {
        expect(p.kind).toBe('Pod');
        expect(p.metadata.name).toBe('web1');
        expect(p.status.phase).toBe('Running');
        expect(p.status.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
        expect(p.status.podIPs).toEqual([{ ip: p.status.podIP }]);
        const conds = Object.fromEntries(p.status.conditions.map((c) => [c.type, c.status]));
        expect(conds).toMatchObject({ PodScheduled: 'True', Initialized: 'True', ContainersReady: 'True', Ready: 'True' });
      }
      expect(fromYaml.metadata.uid).toBe(fromJson.metadata.uid);
      expect(fromYaml.status.podIP).toBe(fromJson.status.podIP);
    });

    it('delete pod --wait returns once the pod is gone; then get is NotFound', async () => {
      const e = env!;
      const del = await e.kubectl(['delete', 'pod', 'web1', '--wait', '--timeout=30s'], { timeoutMs: 35_000 });
      expect(del.code, del.stderr).toBe(0);
      expect(del.stdout.trim()).toBe('pod "web1" deleted');
      const gone = await e.kubectl(['get', 'pod', 'web1']);
      expect(gone.code).toBe(1);
      expect(gone.stdout).toBe('');
      expect(gone.stderr.trim()).toBe('Error from server (NotFound): pods "web1" not found');
    });
  });

  describe('a deployment: create, scale, rollout status, get', () => {
    let env: Env | undefined;
    beforeAll(async () => {
      env = await start();
    });
    afterAll(() => stop(env));

    it('create deployment (a protobuf body), scale to 3, rollout status, get deploy / rs / all', async () => {
      const e = env!;
      const c = await e.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.trim()).toBe('deployment.apps/web created');
      const s = await e.kubectl(['scale', 'deployment', 'web', '--replicas=3']);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout.trim()).toBe('deployment.apps/web scaled');
      const r = await e.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'], { timeoutMs: 35_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');

      // rollout status waited for all three: nothing left to poll for.
      const deploy = rows((await e.kubectl(['get', 'deploy'])).stdout);
      expect(deploy[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      expect(deploy.slice(1).map((row) => row.slice(0, 4))).toEqual([['web', '3/3', '3', '3']]);
      const rs = rows((await e.kubectl(['get', 'rs'])).stdout);
      expect(rs[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
      expect(rs.length).toBe(2);
      expect(rs[1]![0]).toMatch(/^web-[a-z0-9]{8,10}$/);
      expect(rs[1]!.slice(1, 4)).toEqual(['3', '3', '3']);
      const rsName = rs[1]![0]!;

      const all = await e.kubectl(['get', 'all']);
      expect(all.code, all.stderr).toBe(0);
      const pods = all.stdout.split('\n').filter((l) => l.startsWith('pod/'));
      expect(pods.length).toBe(3);
      for (const p of pods) expect(p).toMatch(new RegExp(`^pod/${rsName}-[a-z0-9]{5}\\s+1/1\\s+Running\\s+0\\s+\\S+$`));
      expect(all.stdout).toMatch(new RegExp(`^replicaset\\.apps/${rsName}\\s+3\\s+3\\s+3\\s+\\S+$`, 'm'));
      expect(all.stdout).toMatch(/^deployment\.apps\/web\s+3\/3\s+3\s+3\s+\S+$/m);
      expect(all.stdout).toMatch(KUBERNETES_SERVICE);
    });

    it('drain evicts the node\'s pods (pods/eviction) and the ReplicaSet replaces them elsewhere; uncordon', async () => {
      const e = env!;
      const node = (await e.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.nodeName}'])).stdout.trim();
      expect(node).toMatch(/^worker-\d$/);
      const d = await e.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=30s'], { timeoutMs: 35_000 });
      expect(d.code, d.stderr).toBe(0);
      expect(d.stdout).toContain(`node/${node} cordoned`);
      expect(d.stdout).toMatch(/pod\/web-\S+ evicted/);
      expect(d.stdout).toContain(`node/${node} drained`);
      const nodes = rows((await e.kubectl(['get', 'nodes'])).stdout);
      expect(nodes.find((r) => r[0] === node)![1]).toBe('Ready,SchedulingDisabled');
      const r = await e.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'], { timeoutMs: 35_000 });
      expect(r.code, r.stderr).toBe(0);
      const where = (await e.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'])).stdout.trim().split('\n');
      expect(where.length).toBe(3);
      expect(where).not.toContain(node);
      expect((await e.kubectl(['uncordon', node])).stdout.trim()).toBe(`node/${node} uncordoned`);
      expect(rows((await e.kubectl(['get', 'nodes'])).stdout).find((x) => x[0] === node)![1]).toBe('Ready');
    });
  });

  describe('logs', () => {
    let env: Env | undefined;
    beforeAll(async () => {
      // Behaviours give the containers their output; `slow` has a huge image pinned to a node of
      // its own, so it stays ContainerCreating for the whole test.
      env = await start({
        scenario: toYaml({
          name: 'logs', seed: 5,
          cluster: {
            nodes: [
              { name: 'worker-1' }, { name: 'worker-2' },
              { name: 'slow-node', labels: { pool: 'slow' }, taints: [{ key: 'pool', value: 'slow', effect: 'NoSchedule' }] },
            ],
          },
          images: [{ name: 'registry.example.com/huge', sizeBytes: 200 * 1024 ** 3 }],
          behaviours: [
            { pod: 'hello', container: 'hello', logs: ['hello'] },
            { image: 'nginx', logs: ['/docker-entrypoint.sh: Configuration complete; ready for start up', '2026/01/01 00:00:00 [notice] 1#1: start worker processes'] },
          ],
        }),
      });
    });
    afterAll(() => stop(env));

    it('logs POD prints the lines the container wrote', async () => {
      const e = env!;
      const pod = `apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  containers:
  - name: hello
    image: busybox:1.36
    command: ["sh", "-c", "echo hello; sleep 3600"]
`;
      expect((await e.kubectl(['apply', '-f', e.file('hello.yaml', pod)])).code).toBe(0);
      const w = await e.kubectl(['wait', '--for=condition=Ready', 'pod/hello', '--timeout=20s'], { timeoutMs: 25_000 });
      expect(w.code, w.stderr).toBe(0);
      const r = await e.kubectl(['logs', 'hello']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('hello\n');
    });

    it('logs for a container still waiting is the upstream 400', async () => {
      const e = env!;
      const pod = `apiVersion: v1
kind: Pod
metadata:
  name: slow
spec:
  nodeSelector: {pool: slow}
  tolerations: [{key: pool, operator: Equal, value: slow, effect: NoSchedule}]
  containers:
  - name: big
    image: registry.example.com/huge:1
`;
      expect((await e.kubectl(['apply', '-f', e.file('slow.yaml', pod)])).code).toBe(0);
      // Scheduled and pulling: the image takes minutes of virtual time.
      const pulling = await until(e, ['get', 'events', '--field-selector', 'involvedObject.name=slow,reason=Pulling', '-o', 'name'], (o) => o.trim() !== '');
      expect(pulling).toMatch(/^event\/slow\./);
      const r = await e.kubectl(['logs', 'slow']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe('Error from server (BadRequest): container "big" in pod "slow" is waiting to start: ContainerCreating');
      const status = await e.kubectl(['get', 'pod', 'slow', '--no-headers']);
      expect(status.stdout).toMatch(/^slow\s+0\/1\s+ContainerCreating\s/);
    });

    it('logs deploy/NAME picks one of its pods', async () => {
      const e = env!;
      const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;
      expect((await e.kubectl(['apply', '-f', e.file('web.yaml', deploy)])).code).toBe(0);
      const ro = await e.kubectl(['rollout', 'status', 'deployment/web', '--timeout=30s'], { timeoutMs: 35_000 });
      expect(ro.code, ro.stderr).toBe(0);
      const r = await e.kubectl(['logs', 'deploy/web']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('/docker-entrypoint.sh: Configuration complete; ready for start up\n2026/01/01 00:00:00 [notice] 1#1: start worker processes\n');
      expect(r.stderr).toMatch(/^Found 2 pods, using pod\/web-[a-z0-9]+-[a-z0-9]{5}$/m);
      const tail = await e.kubectl(['logs', 'deploy/web', '--tail=1']);
      expect(tail.stdout).toBe('2026/01/01 00:00:00 [notice] 1#1: start worker processes\n');
    });
  });

  describe('server-side apply', () => {
    let env: Env | undefined;
    beforeAll(async () => {
      env = await start();
    });
    afterAll(() => stop(env));
    const CM = (color: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: ${color}
`;
    const color = async () => (await env!.kubectl(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.color}'])).stdout;

    it('apply --server-side creates, then updates for the same manager', async () => {
      const e = env!;
      const a = await e.kubectl(['apply', '--server-side', '-f', e.file('cm.yaml', CM('blue'))]);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stdout.trim()).toBe('configmap/settings serverside-applied');
      expect(await color()).toBe('blue');
      const b = await e.kubectl(['apply', '--server-side', '-f', e.file('cm.yaml', CM('green'))]);
      expect(b.code, b.stderr).toBe(0);
      expect(await color()).toBe('green');
    });

    /** metadata.managedFields as `kubectl get -o yaml --show-managed-fields` prints them. */
    const managers = async (name = 'settings') => {
      const r = await env!.kubectl(['get', 'configmap', name, '-o', 'yaml', '--show-managed-fields']);
      expect(r.code, r.stderr).toBe(0);
      const entries = (parseYaml(r.stdout) as { metadata: { managedFields?: Array<{ manager: string; operation: string; apiVersion: string; time: string; fieldsType: string; fieldsV1: unknown }> } }).metadata.managedFields ?? [];
      return entries;
    };

    it('get -o yaml --show-managed-fields shows the Apply manager and its fields (hidden without the flag)', async () => {
      const e = env!;
      const entries = await managers();
      expect(entries.map(({ manager, operation, apiVersion, fieldsType, fieldsV1 }) => ({ manager, operation, apiVersion, fieldsType, fieldsV1 }))).toEqual([
        { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:color': {} } } },
      ]);
      expect(entries[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const plain = await e.kubectl(['get', 'configmap', 'settings', '-o', 'yaml']);
      expect(plain.stdout).not.toContain('managedFields');
    });

    it('another field manager changing an owned field is a 409 conflict', async () => {
      const e = env!;
      const r = await e.kubectl(['apply', '--server-side', '--field-manager=other', '-f', e.file('cm-other.yaml', CM('red'))]);
      expect(r.code).toBe(1);
      // Upstream's printManager names an Apply manager without a version ("using v1" is for Update managers).
      expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl": .data.color\nPlease review the fields above--they currently have other managers.');
      expect(r.stderr).toContain('--force-conflicts');
      expect(await color()).toBe('green');
    });

    it('--force-conflicts takes the field over', async () => {
      const e = env!;
      const r = await e.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=other', '-f', e.file('cm-other.yaml', CM('yellow'))]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('configmap/settings serverside-applied');
      expect(await color()).toBe('yellow');
      // kubectl owned nothing else, so its entry is gone.
      expect((await managers()).map((m) => [m.manager, m.operation, m.fieldsV1])).toEqual([['other', 'Apply', { 'f:data': { 'f:color': {} } }]]);
    });

    it('label adds a kubectl-label Update manager; the original applier gets a conflict naming it', async () => {
      const e = env!;
      const l = await e.kubectl(['label', 'configmap', 'settings', 'team=a']);
      expect(l.code, l.stderr).toBe(0);
      const entries = await managers();
      expect(entries.map((m) => [m.manager, m.operation])).toEqual([['other', 'Apply'], ['kubectl-label', 'Update']]);
      expect(entries[1]!.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } } });
      const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels:\n    team: b\ndata:\n  color: yellow\n`;
      const r = await e.kubectl(['apply', '--server-side', '--field-manager=other', '-f', e.file('cm-label.yaml', cm)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "kubectl-label" using v1: .metadata.labels.team');
    });

    it('client-side apply, then apply --server-side of a changed value: no conflict (the last-applied upgrade path)', async () => {
      const e = env!;
      const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrated\ndata:\n  mode: ${v}\n`;
      const c = await e.kubectl(['apply', '-f', e.file('migrated.yaml', cm('one'))]);
      expect(c.code, c.stderr).toBe(0);
      expect((await managers('migrated')).map((m) => [m.manager, m.operation])).toEqual([['kubectl-client-side-apply', 'Update']]);
      // kubectl applies, keeps the annotation owned (manager kubectl-last-applied), merges the
      // client-side entry into its own with a JSON patch of managedFields, and applies again.
      const s = await e.kubectl(['apply', '--server-side', '-f', e.file('migrated.yaml', cm('two'))]);
      expect(s.code, s.stderr).toBe(0);
      const entries = (await managers('migrated')).map((m) => [m.manager, m.operation, m.fieldsV1]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      expect(entries).toEqual([
        ['kubectl', 'Apply', { 'f:data': { 'f:mode': {} } }],
        ['kubectl-last-applied', 'Apply', { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } }],
      ]);
      expect(await e.kubectl(['get', 'configmap', 'migrated', '-o', 'jsonpath={.data.mode}'])).toMatchObject({ stdout: 'two' });
      // Client-side apply keeps working: the server kept its annotation in step.
      const back = await e.kubectl(['apply', '-f', e.file('migrated.yaml', cm('three'))]);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout.trim()).toBe('configmap/migrated configured');
      expect(await e.kubectl(['get', 'configmap', 'migrated', '-o', 'jsonpath={.data.mode}'])).toMatchObject({ stdout: 'three' });
    });
  });

  describe('RBAC for a scenario user', () => {
    let env: Env | undefined;
    let alice = '';
    beforeAll(async () => {
      env = await start({
        scenario: toYaml({
          name: 'rbac', seed: 3,
          cluster: { nodes: [{ name: 'worker-1' }] },
          users: [{ name: 'alice', token: 'alice-token-0123456789' }],
          manifests: [
            { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pod-reader', namespace: 'default' },
              // get on configmaps only, so `apply` gets past its GET (404) and is refused at create.
              rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
            { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'alice-reads-pods', namespace: 'default' },
              subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
              roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: 'rbac.authorization.k8s.io' } },
            { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'seen' }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
          ],
        }),
      });
      const e = env;
      alice = e.file('alice.kubeconfig', toYaml({
        apiVersion: 'v1', kind: 'Config',
        clusters: [{ name: 'kubelife', cluster: { server: e.server.url, 'certificate-authority-data': Buffer.from(e.server.caCert).toString('base64') } }],
        users: [{ name: 'alice', user: { token: 'alice-token-0123456789' } }],
        contexts: [{ name: 'alice', context: { cluster: 'kubelife', user: 'alice', namespace: 'default' } }],
        'current-context': 'alice',
      }));
    });
    afterAll(() => stop(env));

    it('alice can get pods in default', async () => {
      const e = env!;
      const r = await e.kubectl(['get', 'pods'], { kubeconfig: alice });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
      expect(r.stdout).toMatch(/^seen\s+[01]\/1\s+\S+\s+0\s+\S+$/m);
      const one = await e.kubectl(['get', 'pod', 'seen', '-o', 'jsonpath={.metadata.name}'], { kubeconfig: alice });
      expect(one.stdout).toBe('seen');
    });

    it('but not elsewhere, nor other resources', async () => {
      const e = env!;
      const ns = await e.kubectl(['get', 'pods', '-n', 'kube-system'], { kubeconfig: alice });
      expect(ns.code).toBe(1);
      expect(ns.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"');
      const d = await e.kubectl(['get', 'deployments'], { kubeconfig: alice });
      expect(d.code).toBe(1);
      expect(d.stderr.trim()).toBe('Error from server (Forbidden): deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" in the namespace "default"');
      // The admin still can.
      expect((await e.kubectl(['get', 'deployments'])).code).toBe(0);
    });

    it('apply of a configmap is Forbidden at create', async () => {
      const e = env!;
      const cm = e.file('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n');
      const r = await e.kubectl(['apply', '-f', cm], { kubeconfig: alice });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${cm}": configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default"`);
      const g = await e.kubectl(['get', 'configmap', 'settings']);
      expect(g.stderr.trim()).toBe('Error from server (NotFound): configmaps "settings" not found');
    });

    it('create deployment (a protobuf body) is Forbidden', async () => {
      const r = await env!.kubectl(['create', 'deployment', 'x', '--image=nginx'], { kubeconfig: alice });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: failed to create deployment: deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "default"');
    });

    it('auth can-i answers from RBAC (a protobuf SelfSubjectAccessReview); auth whoami names the user', async () => {
      const e = env!;
      const can = async (args: string[], kc?: string) => {
        const r = await e.kubectl(['auth', 'can-i', ...args], kc ? { kubeconfig: kc } : {});
        return r.stdout.trim();
      };
      expect(await can(['list', 'pods'], alice)).toBe('yes');
      expect(await can(['create', 'configmaps'], alice)).toBe('no');
      expect(await can(['list', 'pods', '-n', 'kube-system'], alice)).toBe('no');
      expect(await can(['create', 'deployments'])).toBe('yes');
      const who = await e.kubectl(['auth', 'whoami'], { kubeconfig: alice });
      expect(who.code, who.stderr).toBe(0);
      expect(who.stdout).toMatch(/^Username\s+alice$/m);
      expect(who.stdout).toMatch(/^Groups\s+\[system:authenticated\]$/m);
    });

    it('the admin may impersonate (--as); alice may not', async () => {
      const e = env!;
      const asAlice = await e.kubectl(['get', 'deployments', '--as=alice']);
      expect(asAlice.code).toBe(1);
      expect(asAlice.stderr.trim()).toBe('Error from server (Forbidden): deployments.apps is forbidden: User "alice" cannot list resource "deployments" in API group "apps" in the namespace "default"');
      expect((await e.kubectl(['get', 'pods', '--as=alice'])).code).toBe(0);
      const byAlice = await e.kubectl(['get', 'pods', '--as=bob'], { kubeconfig: alice });
      expect(byAlice.code).toBe(1);
      expect(byAlice.stderr.trim()).toBe('Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    });
  });
});
