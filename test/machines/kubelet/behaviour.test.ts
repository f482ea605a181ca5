/**
 * A container's behaviour from its manifest: the image catalog's defaults, command/args resolved
 * as the runtime does and interpreted, then scenario rules and the pod annotation, in that order
 * of precedence (docs/BEHAVIOURS.md).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { behaviourFor, outputPlanOf, overlay, sanitize, type BehaviourRule, type ContainerBehaviour } from '../../../machines/kubelet/behaviour.ts';
import { expandK8s, IMAGE_CATALOG, imageEntry, imageUser, manifestBehaviour, resolveArgv } from '../../../machines/kubelet/image-catalog.ts';
import { lookupImage } from '../../../machines/kubelet/registry.ts';
import { evalCommand } from '../../../machines/kubelet/shell.ts';
import { fileExists, httpAnswer, tcpOpen } from '../../../machines/kubelet/process.ts';
import type { Container, Pod } from '../../../src/api/objects.ts';
import { loadScenarioText } from '../../../src/scenario/load.ts';
import { toBehaviours } from '../../../src/scenario/run.ts';

const SEED = Number(process.env['FC_SEED'] ?? 7_2024);

function podOf(c: Partial<Container>, meta: Partial<Pod['metadata']> = {}, spec: Record<string, unknown> = {}): { pod: Pod; c: Container } {
  const container = { name: 'app', image: 'busybox:1.36', ...c } as Container;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'u1', ...meta }, spec: { containers: [container], ...spec } } as Pod;
  return { pod, c: container };
}
const of = (c: Partial<Container>, rules: BehaviourRule[] = [], meta: Partial<Pod['metadata']> = {}) => { const p = podOf(c, meta); return behaviourFor(p.pod, p.c, rules); };
const written = (b: ContainerBehaviour) => outputPlanOf(b)?.lines.map((l) => l.line) ?? [];
/** The fields that decide the run: exit, output, signals. */
const run = (b: ContainerBehaviour) => ({ exitAfterMs: b.exitAfterMs, exitCode: b.exitCode, written: written(b), ignoresSigterm: b.ignoresSigterm, termExitCode: b.termExitCode });

describe('the image catalog', () => {
  it('knows images by repository, whatever the tag or spelling', () => {
    expect(imageEntry('nginx')?.repositories).toContain('docker.io/library/nginx');
    expect(imageEntry('docker.io/library/nginx:1.27')).toBe(imageEntry('nginx:1.27'));
    expect(imageEntry('registry.k8s.io/pause:3.10')?.user).toBe(65535);
    expect(imageEntry('example.com/unknown:1')).toBeUndefined();
    expect(imageUser('nginx')).toBe(0);
    expect(imageUser('nginxinc/nginx-unprivileged:1.27')).toBe(101);
    expect(imageUser('registry.k8s.io/e2e-test-images/agnhost:2.53')).toBe(0);
    // -alpine tags ship busybox.
    expect(imageEntry('redis:7-alpine')?.utilities).toBe('busybox');
    expect(imageEntry('redis:7')?.utilities).toBe('coreutils');
  });

  it('every catalog image can be pulled from the simulated registry', () => {
    for (const e of IMAGE_CATALOG) expect(lookupImage(e.repositories[0]!), e.repositories[0]).toBeDefined();
  });

  it('resolves argv as the runtime does: command replaces ENTRYPOINT and drops CMD, args replace CMD', () => {
    const nginx = imageEntry('nginx')!;
    expect(resolveArgv(nginx, { name: 'c' })).toEqual(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;']);
    expect(resolveArgv(nginx, { name: 'c', args: ['nginx-debug', '-g', 'daemon off;'] })).toEqual(['/docker-entrypoint.sh', 'nginx-debug', '-g', 'daemon off;']);
    expect(resolveArgv(nginx, { name: 'c', command: ['sleep'] })).toEqual(['sleep']);
    expect(resolveArgv(nginx, { name: 'c', command: ['sleep'], args: ['5'] })).toEqual(['sleep', '5']);
    expect(resolveArgv(undefined, { name: 'c' })).toEqual([]);
  });

  it('expands $(VAR) in command and args from the env, $$ to $, and leaves unknown references', () => {
    expect(expandK8s('$(A)-$(B)-$$(A)-$(date)', { A: 'x' })).toBe('x-$(B)-$(A)-$(date)');
    const b = of({ command: ['sh', '-c', 'echo $(GREETING) $HOSTNAME $POD; sleep $(SECS)'], env: [{ name: 'GREETING', value: 'hi' }, { name: 'SECS', value: '2' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    expect(run(b)).toMatchObject({ exitAfterMs: 2000, exitCode: 0, written: ['hi web-1 web-1'] });
  });

  it('nginx serves port 80 from the start, logs its entrypoint, and exits 0 on its STOPSIGNAL', () => {
    const b = of({ image: 'nginx:1.27' });
    expect(b.exitAfterMs).toBeUndefined();
    expect(b.ignoresSigterm).toBeUndefined();
    expect(b.termExitCode).toBe(0);
    // The image's default.conf: the index and the html directory's two files; anything else is 404.
    expect(httpAnswer(b, 80, '/', 0)).toBe(200);
    expect(httpAnswer(b, 80, '/index.html', 0)).toBe(200);
    expect(httpAnswer(b, 80, '/?probe=1', 0)).toBe(200);
    expect(httpAnswer(b, 80, '/50x.html', 0)).toBe(200);
    expect(httpAnswer(b, 80, '/healthz', 0)).toBe(404);
    expect(httpAnswer(b, 80, '/index.html/x', 0)).toBe(404);
    expect(httpAnswer(b, 81, '/', 0)).toBeUndefined();
    expect(tcpOpen(b, 80, 0)).toBe(true);
    expect(written(b).at(-1)).toBe('/docker-entrypoint.sh: Configuration complete; ready for start up');
    expect(written(of({ image: 'nginx', env: [{ name: 'NGINX_ENTRYPOINT_QUIET_LOGS', value: '1' }] }))).toEqual([]);
    // Without -g 'daemon off;' nginx forks into the background and PID 1 exits 0.
    expect(run(of({ image: 'nginx', command: ['nginx'] }))).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
    // A shell in front of it: the last command is exec'd, so nginx still handles the signal.
    const viaShell = of({ image: 'nginx', command: ['sh', '-c', "echo hi; nginx -g 'daemon off;'"] });
    expect(viaShell.termExitCode).toBe(0);
    expect([httpAnswer(viaShell, 80, '/', 0), httpAnswer(viaShell, 80, '/ready', 0)]).toEqual([200, 404]);
    // Image files for exec probes.
    const p = podOf({ image: 'nginx' });
    const nb = behaviourFor(p.pod, p.c);
    expect(evalCommand(['cat', '/etc/nginx/nginx.conf'], nb, 5000).exitCode).toBe(0);
    expect(evalCommand(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'], nb, 0).output).toBe('default');
    expect(evalCommand(['sh', '-c', 'nope'], nb, 0).output).toBe('sh: 1: nope: not found\n');
    expect(evalCommand(['test', '-d', '/etc/nginx'], nb, 0).exitCode).toBe(0);
    const paths = (nb.files ?? []).map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('/usr/share/nginx/html/index.html');
  });

  it('busybox and alpine run sh, which ends at once without stdin (stdin: true keeps it)', () => {
    expect(run(of({}))).toEqual({ exitAfterMs: 0, exitCode: 0, written: [], ignoresSigterm: true, termExitCode: undefined });
    expect(run(of({ image: 'alpine:3.21' }))).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
    expect(of({ stdin: true }).exitAfterMs).toBeUndefined();
    expect(of({ image: 'ubuntu:24.04' })).toMatchObject({ exitAfterMs: 0, exitCode: 0 });
  });

  it('pause runs as 65535 until stopped and exits 0 on SIGTERM', () => {
    const b = of({ image: 'registry.k8s.io/pause:3.10' });
    expect(b).toMatchObject({ runAsUser: 65535, termExitCode: 0 });
    expect(b.exitAfterMs).toBeUndefined();
    // No shell and no utilities in it: a command there cannot start.
    expect(of({ image: 'registry.k8s.io/pause:3.10', command: ['sleep', '10'] })).toMatchObject({ exitAfterMs: 0, exitCode: 128 });
  });

  it('redis, postgres and httpd serve their ports; postgres refuses to start without a password', () => {
    const redis = of({ image: 'redis:7' });
    expect(redis).toMatchObject({ tcpPorts: [6379], termExitCode: 0, runAsUser: 0 });
    expect(evalCommand(['redis-cli', 'ping'], redis, 1000).output).toBe('PONG\n');
    expect(of({ image: 'redis:7', args: ['--port', '6380'] }).tcpPorts).toEqual([6380]);
    const pg = of({ image: 'postgres:17' });
    expect(pg).toMatchObject({ exitAfterMs: 0, exitCode: 1 });
    expect(written(pg)[0]).toBe('Error: Database is uninitialized and superuser password is not specified.');
    const ok = of({ image: 'postgres:17', env: [{ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'password' } } }] });
    expect(ok).toMatchObject({ tcpPorts: [5432], termExitCode: 0 });
    expect(ok.exitAfterMs).toBeUndefined();
    expect(evalCommand(['pg_isready'], ok, 0).exitCode).toBe(0);
    expect(of({ image: 'postgres:17', command: ['postgres'] })).toMatchObject({ exitCode: 1 });
    expect(httpAnswer(of({ image: 'httpd:2.4' }), 80, '/', 0)).toBe(200);
    const unprivileged = of({ image: 'nginxinc/nginx-unprivileged:1.27' });
    expect(unprivileged.runAsUser).toBe(101);
    expect([httpAnswer(unprivileged, 8080, '/', 0), httpAnswer(unprivileged, 8080, '/api', 0), httpAnswer(unprivileged, 80, '/', 0)]).toEqual([200, 404, undefined]);
  });

  it('an unknown image runs a shell form or a utility, and otherwise runs until stopped', () => {
    const image = 'example.com/team/app:1';
    expect(run(of({ image }))).toEqual({ exitAfterMs: undefined, exitCode: undefined, written: [], ignoresSigterm: undefined, termExitCode: undefined });
    expect(of({ image }).runAsUser).toBeUndefined();
    expect(run(of({ image, command: ['/bin/sh', '-c', 'echo hi; exit 2'] }))).toMatchObject({ exitAfterMs: 0, exitCode: 2, written: ['hi'] });
    expect(run(of({ image, command: ['sleep', '30'] }))).toMatchObject({ exitAfterMs: 30_000, exitCode: 0 });
    expect(of({ image, command: ['/app/server', '--port=8080'] }).exitAfterMs).toBeUndefined();
    // The image may well have commands kubelife does not know: they run until stopped, not "not found".
    const py = of({ image, command: ['sh', '-c', 'echo migrating; python manage.py migrate; echo done'] });
    expect(run(py)).toMatchObject({ exitAfterMs: undefined, written: ['migrating'] });
  });
});

describe('precedence: image < command/args < scenario rule < annotation', () => {
  const script = { command: ['sh', '-c', 'echo hello; sleep 5; exit 3'] };

  it('the command decides when nothing overrides it', () => {
    expect(run(of(script))).toEqual({ exitAfterMs: 5000, exitCode: 3, written: ['hello'], ignoresSigterm: true, termExitCode: undefined });
  });

  it('a rule overrides field by field; its logs replace what the command writes', () => {
    expect(run(of(script, [{ exitCode: 1 }]))).toMatchObject({ exitAfterMs: 5000, exitCode: 1, written: ['hello'] });
    expect(run(of(script, [{ logs: ['from rule'] }]))).toMatchObject({ exitAfterMs: 5000, exitCode: 3, written: ['from rule'] });
    expect(run(of(script, [{ exitAfterMs: 1000, ignoresSigterm: false }]))).toMatchObject({ exitAfterMs: 1000, exitCode: 3, ignoresSigterm: false });
    // An exit code with no exit time anywhere: the process exits at once.
    expect(run(of({ image: 'nginx' }, [{ exitCode: 9 }]))).toMatchObject({ exitAfterMs: 0, exitCode: 9 });
  });

  it('the first matching rule wins; selectors are namespace, pod (prefix*), labels, container and image repository', () => {
    const rules: BehaviourRule[] = [
      { namespace: 'other', exitCode: 10 },
      { pod: 'db-*', exitCode: 11 },
      { labels: { app: 'api' }, exitCode: 12 },
      { container: 'sidecar', exitCode: 13 },
      { image: 'docker.io/library/busybox', exitCode: 14 },
      { exitCode: 15 },
    ];
    expect(of(script, rules).exitCode).toBe(14);
    expect(of(script, rules, { labels: { app: 'api' } }).exitCode).toBe(12);
    expect(of(script, rules, { name: 'db-0' }).exitCode).toBe(11);
    expect(of(script, rules, { namespace: 'other' }).exitCode).toBe(10);
    expect(of({ ...script, image: 'alpine' }, rules).exitCode).toBe(15);
  });

  it('the annotation overrides the rule', () => {
    const meta = { annotations: { 'kubelife.io/behaviour.app': JSON.stringify({ exitCode: 0, failReadinessAtMs: 20_000, memoryMiB: 300 }) } };
    const b = of(script, [{ exitCode: 1, probes: { liveness: [{ fromMs: 5000, ok: false }] } }], meta);
    expect(run(b)).toMatchObject({ exitAfterMs: 5000, exitCode: 0 });
    expect(b.probes).toEqual({ liveness: [{ fromMs: 5000, ok: false }], readiness: [{ fromMs: 20_000, ok: false }] });
    expect(b.memoryMiB).toEqual([{ atMs: 0, mib: 300 }]);
    // An annotation that is not JSON is ignored.
    expect(of(script, [], { annotations: { 'kubelife.io/behaviour.app': '{nope' } })).toEqual(of(script));
  });

  it('overlay: any override wins over any base, field by field (property)', () => {
    const layer = fc.record({
      exitCode: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      exitAfterMs: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
      logs: fc.option(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), { nil: undefined }),
      ignoresSigterm: fc.option(fc.boolean(), { nil: undefined }),
      termExitCode: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    }).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as ContainerBehaviour);
    fc.assert(fc.property(layer, layer, layer, (image, rule, annotation) => {
      const merged = overlay(overlay(image, rule), annotation);
      for (const k of ['exitCode', 'exitAfterMs', 'ignoresSigterm', 'termExitCode', 'logs'] as const) {
        const want = annotation[k] ?? rule[k] ?? image[k];
        expect(merged[k]).toEqual(want);
      }
    }), { seed: SEED, numRuns: 200 });
  });
});

describe('sanitize (annotations are user input)', () => {
  it('keeps well-typed fields, turns sugar into facts, drops the rest', () => {
    expect(sanitize({ exitCode: 1.5, exitAfterMs: -1, readyAfterMs: 'x', logs: [1, 'a'], bogus: true })).toEqual({ logs: ['1', 'a'] });
    expect(sanitize({ failLivenessAtMs: 3000, failStartupAtMs: 0, termExitCode: 0, termExitAfterMs: 500, runAsUser: 1000 })).toEqual({
      probes: { liveness: [{ fromMs: 3000, ok: false }], startup: [{ fromMs: 0, ok: false }] }, termExitCode: 0, termExitAfterMs: 500, runAsUser: 1000,
    });
    expect(sanitize({ memoryMiB: [{ atMs: 5000, mib: 600 }, { atMs: 0, mib: 50 }, { atMs: 'x' }] })).toEqual({ memoryMiB: [{ atMs: 0, mib: 50 }, { atMs: 5000, mib: 600 }] });
    expect(sanitize({ http: [{ port: 8080, code: 200, path: '/healthz' }, { port: 'x', code: 1 }], tcpPorts: [5432, 70000] })).toEqual({ http: [{ port: 8080, code: 200, path: '/healthz' }], tcpPorts: [5432] });
    expect(sanitize(null)).toEqual({});
    expect(sanitize([1])).toEqual({});
  });
});

describe('scenario behaviours', () => {
  it('map durations, probe failures, memory and signals onto rules', () => {
    const loaded = loadScenarioText(`
cluster: { nodes: [{ name: w1 }] }
behaviours:
  - pod: web-*
    labels: { app: web }
    failReadinessAt: 20s
    failLivenessAt: 1m
    memory: 300Mi
    ignoresSigterm: true
    termExitCode: 0
    termExitAfter: 2s
  - image: busybox
    exitAfter: 5s
    exitCode: 2
    memory: [{ at: 0s, use: 10Mi }, { at: 10s, use: 1Gi }]
`, 'inline.yaml');
    expect(toBehaviours(loaded)).toEqual([
      { pod: 'web-*', labels: { app: 'web' }, probes: { readiness: [{ fromMs: 20_000, ok: false }], liveness: [{ fromMs: 60_000, ok: false }] }, memoryMiB: [{ atMs: 0, mib: 300 }], ignoresSigterm: true, termExitCode: 0, termExitAfterMs: 2000 },
      { image: 'busybox', exitAfterMs: 5000, exitCode: 2, memoryMiB: [{ atMs: 0, mib: 10 }, { atMs: 10_000, mib: 1024 }] },
    ]);
    expect(() => loadScenarioText('cluster: { nodes: [{ name: w1 }] }\nbehaviours: [{ memory: lots }]\n', 'bad.yaml')).toThrow();
  });

  it('files over time reach exec probes (the classic liveness exec example)', () => {
    const b = of({ args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'] });
    expect(fileExists(b, '/tmp/healthy', 10_000)).toBe(true);
    expect(evalCommand(['cat', '/tmp/healthy'], b, 10_000).exitCode).toBe(0);
    expect(evalCommand(['cat', '/tmp/healthy'], b, 35_000).exitCode).toBe(1);
    expect(b).toMatchObject({ exitAfterMs: 630_000, exitCode: 0, ignoresSigterm: true });
  });

  it('manifestBehaviour is pure: same pod, same behaviour', () => {
    const p = podOf({ command: ['sh', '-c', 'while true; do echo $HOSTNAME; sleep 2; done'] });
    expect(manifestBehaviour(p.pod, p.c)).toEqual(manifestBehaviour(p.pod, p.c));
    expect(written(manifestBehaviour(p.pod, p.c))).toEqual(['web-1']);
  });
});
