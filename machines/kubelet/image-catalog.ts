/**
 * What well-known images do when a container runs them: their ENTRYPOINT and CMD, the user they
 * run as, their STOPSIGNAL and how their main program takes it, the shells and utilities they
 * ship, the files exec probes may read, and what their programs serve. `manifestBehaviour`
 * resolves a container's argv the way the runtime does (command replaces ENTRYPOINT, args replace
 * CMD) and runs it through the shell interpreter (shell.ts), with these programs available.
 *
 * An image not in the catalog: a shell form (`sh -c …`) or a plain utility (`sleep 10`) is
 * interpreted as in busybox; anything else runs forever, ready at once, and exits 143 on SIGTERM.
 * See docs/BEHAVIOURS.md for the list and what each entry is based on.
 */
import type { Container, Pod } from '../../src/api/objects.ts';
import { agnhostBehaviour, AGNHOST_REPOSITORY } from './agnhost.ts';
import type { ContainerBehaviour } from './behaviour.ts';
import type { HttpRule } from './process.ts';
import { parseImageRef, type ImageRef } from './registry.ts';
import { BASH_SHELLS, BUSYBOX_SHELLS, DEBIAN_SHELLS, runProcess, type ExecContext, type ShellContext, type ShellFlavour, type Utilities } from './shell.ts';

/** What the image's own program does for an argv, in a container; undefined when argv[0] is not one of its programs. */
type Program = (argv: readonly string[], c: ProgramEnv) => ContainerBehaviour | undefined;

/** The container a program runs in: what it can see of its pod. */
export interface ProgramEnv {
  ref: ImageRef;
  container: Container;
  env: Readonly<Record<string, string>>;
  hostname: string;
  /** Runs another argv in the same container (entrypoint scripts that `exec "$@"`). */
  exec: (argv: readonly string[]) => ContainerBehaviour;
}

export interface ImageEntry {
  /** Normalized repositories (parseImageRef) this entry describes. */
  repositories: readonly string[];
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  /** The image config's USER: a uid, or a name (runAsNonRoot cannot verify a name). */
  user: number | string;
  /** The image config's STOPSIGNAL (what the runtime sends instead of SIGTERM). */
  stopSignal: 'SIGTERM' | 'SIGQUIT' | 'SIGINT' | 'SIGWINCH';
  shells: Readonly<Record<string, ShellFlavour>>;
  utilities: Utilities;
  /** Executables beyond the utilities that exec probes use (redis-cli, pg_isready, curl). */
  tools?: readonly string[];
  /** Files the image ships (path -> content), for exec probes. */
  files?: Readonly<Record<string, string>>;
  program?: Program;
  /** A variant for some tags (the -alpine tags ship busybox instead of Debian's dash and coreutils). */
  variant?: (ref: ImageRef) => Partial<ImageEntry> | undefined;
  /** Where this entry's facts come from. */
  source: string;
}

const alpineVariant = (ref: ImageRef): Partial<ImageEntry> | undefined =>
  ref.tag?.includes('alpine') ? { shells: BUSYBOX_SHELLS, utilities: 'busybox' } : undefined;

const NGINX_ENTRYPOINT_LINES = [
  '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
  '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
  '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
  '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
  '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
  '/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh',
  '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
  '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
  '/docker-entrypoint.sh: Configuration complete; ready for start up',
];

const is = (argv0: string | undefined, ...names: string[]) => argv0 !== undefined && names.includes(argv0);
/** Lines an entrypoint script writes before it execs the program. */
function prepend(lines: string[], b: ContainerBehaviour): ContainerBehaviour {
  if (!lines.length) return b;
  const { logs, ...rest } = b;
  const output = [...lines.map((line) => ({ atMs: 0, line })), ...(logs ?? []).map((line) => ({ atMs: 0, line })), ...(b.output?.lines ?? [])];
  return { ...rest, output: { lines: output, ...(b.output?.repeat ? { repeat: b.output.repeat } : {}) } };
}

/**
 * What the image's /etc/nginx/conf.d/default.conf serves: `location /` with root
 * /usr/share/nginx/html, which holds index.html and 50x.html. `/` (the index) and those files
 * answer 200; any other path is 404.
 */
export function nginxDefaultSite(port: number): HttpRule[] {
  return ['/', '/index.html', '/50x.html'].map((path) => ({ port, path, exact: true, code: 200 }));
}

/** nginx: serves `port` with `-g 'daemon off;'` (the image's CMD); without it nginx daemonizes and PID 1 exits 0. */
function nginxProgram(port: number): Program {
  return (argv, c) => {
    if (is(argv[0], '/docker-entrypoint.sh', 'docker-entrypoint.sh')) {
      const rest = argv.slice(1);
      if (rest.length === 0) return { exitAfterMs: 0, exitCode: 0 };
      const quiet = c.env['NGINX_ENTRYPOINT_QUIET_LOGS'] !== undefined && c.env['NGINX_ENTRYPOINT_QUIET_LOGS'] !== '';
      return prepend(is(rest[0], 'nginx', 'nginx-debug') && !quiet ? NGINX_ENTRYPOINT_LINES : [], c.exec(rest));
    }
    if (!is(argv[0], 'nginx', 'nginx-debug', '/usr/sbin/nginx', '/usr/sbin/nginx-debug')) return undefined;
    const args = argv.slice(1);
    const version = /^\d+\.\d+(\.\d+)?/.exec(c.ref.tag ?? '')?.[0] ?? '1.27.4';
    if (args.includes('-v') || args.includes('-V')) return { logs: [`nginx version: nginx/${version}`], exitAfterMs: 0, exitCode: 0 };
    if (args.includes('-t') || args.includes('-T')) {
      return { logs: ['nginx: the configuration file /etc/nginx/nginx.conf syntax is ok', 'nginx: configuration file /etc/nginx/nginx.conf test is successful'], exitAfterMs: 0, exitCode: 0 };
    }
    const g = args.indexOf('-g');
    const daemonOff = g >= 0 && /daemon\s+off/.test(args[g + 1] ?? '');
    if (!daemonOff) return { exitAfterMs: 0, exitCode: 0 };
    // STOPSIGNAL SIGQUIT: a graceful shutdown that exits 0.
    return { http: nginxDefaultSite(port), termExitCode: 0 };
  };
}

/** redis: docker-entrypoint.sh runs redis-server for flags or a .conf; redis-server listens on --port (6379), exits 0 on SIGTERM. */
const redisProgram: Program = (argv, c) => {
  if (is(argv[0], 'docker-entrypoint.sh', '/usr/local/bin/docker-entrypoint.sh')) {
    const rest = argv.slice(1);
    if (rest.length === 0) return { exitAfterMs: 0, exitCode: 0 };
    return c.exec(rest[0]!.startsWith('-') || rest[0]!.endsWith('.conf') ? ['redis-server', ...rest] : rest);
  }
  if (!is(argv[0], 'redis-server', '/usr/local/bin/redis-server')) return undefined;
  const args = argv.slice(1);
  if (args.includes('-v') || args.includes('--version')) return { logs: [`Redis server v=${c.ref.tag ?? '7.4.2'}`], exitAfterMs: 0, exitCode: 0 };
  const p = args.indexOf('--port');
  const port = p >= 0 ? Number(args[p + 1]) : 6379;
  return { tcpPorts: [Number.isInteger(port) ? port : 6379], termExitCode: 0 };
};

const POSTGRES_NO_PASSWORD = [
  'Error: Database is uninitialized and superuser password is not specified.',
  '       You must specify POSTGRES_PASSWORD to a non-empty value for the',
  '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
  '',
  '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all',
  '       connections without a password. This is *not* recommended.',
  '',
  '       See PostgreSQL documentation about "trust":',
  '       https://www.postgresql.org/docs/current/auth-trust.html',
];

const POSTGRES_AS_ROOT = [
  '"root" execution of the PostgreSQL server is not permitted.',
  'The server must be started under an unprivileged user ID to prevent',
  'possible system security compromise.  See the documentation for',
  'more information on how to properly start the server.',
];

/** An env var is set: a literal value, or one from a reference kubelife cannot read here (assumed non-empty). */
function envSet(c: Container, name: string): boolean {
  const e = (c.env ?? []).find((x) => x.name === name);
  if (e) return e.valueFrom !== undefined || (e.value ?? '') !== '';
  return (c.envFrom ?? []).length > 0;
}

/** postgres: the entrypoint refuses an uninitialized database without a password; the server refuses root; it listens on 5432; STOPSIGNAL SIGINT exits 0. */
const postgresProgram: Program = (argv, c) => {
  const uid = c.container['securityContext'] as { runAsUser?: number } | undefined;
  const root = (uid?.runAsUser ?? 0) === 0;
  if (is(argv[0], 'docker-entrypoint.sh', '/usr/local/bin/docker-entrypoint.sh')) {
    const rest = argv.slice(1);
    if (rest.length === 0) return { exitAfterMs: 0, exitCode: 0 };
    const full = rest[0]!.startsWith('-') ? ['postgres', ...rest] : rest;
    if (full[0] !== 'postgres') return c.exec(full);
    const ok = envSet(c.container, 'POSTGRES_PASSWORD') || envSet(c.container, 'POSTGRES_PASSWORD_FILE') || c.env['POSTGRES_HOST_AUTH_METHOD'] === 'trust';
    if (!ok) return { logs: POSTGRES_NO_PASSWORD, exitAfterMs: 0, exitCode: 1 };
    // The entrypoint drops to the postgres user (gosu) before running the server.
    return { tcpPorts: [5432], termExitCode: 0 };
  }
  if (!is(argv[0], 'postgres', '/usr/local/bin/postgres', '/usr/lib/postgresql/17/bin/postgres')) return undefined;
  if (root) return { logs: POSTGRES_AS_ROOT, exitAfterMs: 0, exitCode: 1 };
  return { tcpPorts: [5432], termExitCode: 0 };
};

/** httpd: httpd-foreground (or httpd -DFOREGROUND) serves port 80; STOPSIGNAL SIGWINCH is a graceful stop, exit 0. */
const httpdProgram: Program = (argv) => {
  if (is(argv[0], 'httpd-foreground', '/usr/local/bin/httpd-foreground')) return { http: [{ port: 80, code: 200 }], termExitCode: 0 };
  if (!is(argv[0], 'httpd', '/usr/local/apache2/bin/httpd')) return undefined;
  if (argv.includes('-v')) return { logs: ['Server version: Apache/2.4.63 (Unix)'], exitAfterMs: 0, exitCode: 0 };
  return argv.includes('-DFOREGROUND') ? { http: [{ port: 80, code: 200 }], termExitCode: 0 } : { exitAfterMs: 0, exitCode: 0 };
};

/** registry.k8s.io/pause: blocks; SIGTERM or SIGINT -> "Shutting down, got signal" and exit 0 (build/pause/linux/pause.c). */
const pauseProgram: Program = (argv, c) => {
  if (!is(argv[0], '/pause', 'pause')) return undefined;
  if (argv.slice(1).some((a) => a.toLowerCase() === '-v')) return { logs: [`pause.c v${c.ref.tag ?? '3.10'}`], exitAfterMs: 0, exitCode: 0 };
  return { termExitCode: 0 };
};

const agnhostProgram: Program = (argv, c) => {
  if (!is(argv[0], '/agnhost', 'agnhost', '/agnhost-2', 'agnhost-2')) return undefined;
  return agnhostBehaviour(argv.slice(1), { hostname: c.hostname });
};

const NGINX_FILES = {
  '/etc/nginx/nginx.conf': 'user  nginx;\nworker_processes  auto;\n',
  '/etc/nginx/conf.d/default.conf': 'server {\n    listen       80;\n    server_name  localhost;\n}\n',
  '/usr/share/nginx/html/index.html': '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n',
  '/usr/share/nginx/html/50x.html': '<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n',
  '/docker-entrypoint.sh': '#!/bin/sh\n',
};

const DEBIAN = { shells: DEBIAN_SHELLS, utilities: 'coreutils' as const };
const BUSYBOX = { shells: BUSYBOX_SHELLS, utilities: 'busybox' as const };

export const IMAGE_CATALOG: readonly ImageEntry[] = [
  {
    repositories: ['docker.io/library/busybox', 'registry.k8s.io/e2e-test-images/busybox', 'registry.k8s.io/busybox', 'gcr.io/google-containers/busybox'],
    cmd: ['sh'], user: 0, stopSignal: 'SIGTERM', ...BUSYBOX, files: { '/bin/sh': '', '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' },
    source: 'docker-library busybox: CMD ["sh"], no USER',
  },
  {
    repositories: ['docker.io/library/alpine'],
    cmd: ['/bin/sh'], user: 0, stopSignal: 'SIGTERM', ...BUSYBOX, tools: ['wget', 'nc'], files: { '/bin/sh': '', '/etc/alpine-release': '3.21.3\n', '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n' },
    source: 'docker-library alpine: CMD ["/bin/sh"], no USER',
  },
  {
    repositories: ['docker.io/library/ubuntu', 'docker.io/library/debian'],
    cmd: ['bash'], user: 0, stopSignal: 'SIGTERM', ...DEBIAN, files: { '/bin/sh': '', '/bin/bash': '', '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\n' },
    source: 'docker-library debian CMD ["bash"], ubuntu CMD ["/bin/bash"], no USER',
  },
  {
    repositories: ['docker.io/library/nginx'],
    entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'], user: 0, stopSignal: 'SIGQUIT', ...DEBIAN,
    tools: ['curl'], files: NGINX_FILES, program: nginxProgram(80), variant: alpineVariant,
    source: 'docker-library nginx: ENTRYPOINT ["/docker-entrypoint.sh"], CMD ["nginx","-g","daemon off;"], STOPSIGNAL SIGQUIT, EXPOSE 80',
  },
  {
    repositories: ['docker.io/nginxinc/nginx-unprivileged'],
    entrypoint: ['/docker-entrypoint.sh'], cmd: ['nginx', '-g', 'daemon off;'], user: 101, stopSignal: 'SIGQUIT', ...DEBIAN,
    tools: ['curl'], files: NGINX_FILES, program: nginxProgram(8080), variant: alpineVariant,
    source: 'nginxinc/nginx-unprivileged: as nginx, USER 101, listens on 8080',
  },
  {
    repositories: ['registry.k8s.io/pause', 'k8s.gcr.io/pause', 'gcr.io/google-containers/pause'],
    entrypoint: ['/pause'], user: 65535, stopSignal: 'SIGTERM', shells: {}, utilities: 'none', program: pauseProgram,
    source: 'kubernetes build/pause: FROM scratch, USER 65535:65535, ENTRYPOINT ["/pause"]; pause.c exits 0 on TERM/INT',
  },
  {
    repositories: [AGNHOST_REPOSITORY],
    entrypoint: ['/agnhost'], cmd: ['pause'], user: 0, stopSignal: 'SIGTERM', shells: { ...BUSYBOX_SHELLS, ...BASH_SHELLS }, utilities: 'busybox',
    tools: ['curl', 'nc', 'dig', 'nslookup'], files: { '/agnhost': '', '/uploads': '' }, program: agnhostProgram,
    source: 'kubernetes test/images/agnhost: FROM alpine, bash and curl added, ENTRYPOINT ["/agnhost"], CMD ["pause"]',
  },
  {
    repositories: ['docker.io/library/redis'],
    entrypoint: ['docker-entrypoint.sh'], cmd: ['redis-server'], user: 0, stopSignal: 'SIGTERM', ...DEBIAN, tools: ['redis-cli'],
    program: redisProgram, variant: alpineVariant,
    source: 'docker-library redis: ENTRYPOINT ["docker-entrypoint.sh"], CMD ["redis-server"], EXPOSE 6379 (the entrypoint drops to the redis user)',
  },
  {
    repositories: ['docker.io/library/postgres'],
    entrypoint: ['docker-entrypoint.sh'], cmd: ['postgres'], user: 0, stopSignal: 'SIGINT', ...DEBIAN, tools: ['pg_isready', 'psql'],
    program: postgresProgram, variant: alpineVariant,
    source: 'docker-library postgres: ENTRYPOINT ["docker-entrypoint.sh"], CMD ["postgres"], STOPSIGNAL SIGINT, EXPOSE 5432',
  },
  {
    repositories: ['docker.io/library/httpd'],
    cmd: ['httpd-foreground'], user: 0, stopSignal: 'SIGWINCH', ...DEBIAN, program: httpdProgram, variant: alpineVariant,
    source: 'docker-library httpd: CMD ["httpd-foreground"], STOPSIGNAL SIGWINCH, EXPOSE 80',
  },
];

const BY_REPOSITORY = new Map<string, ImageEntry>(IMAGE_CATALOG.flatMap((e) => e.repositories.map((r) => [r, e] as const)));

/** The catalog entry for an image reference (tag variants applied), or undefined for an unknown image. */
export function imageEntry(image: string | undefined): ImageEntry | undefined {
  const ref = parseImageRef(image ?? '');
  const base = ref && BY_REPOSITORY.get(ref.repository);
  if (!ref || !base) return undefined;
  const v = base.variant?.(ref);
  return v ? { ...base, ...v } : base;
}

/** The user an image runs as (its USER), when the catalog knows the image. */
export function imageUser(image: string | undefined): number | string | undefined {
  return imageEntry(image)?.user;
}

/** The pod's hostname as the kubelet sets it: spec.hostname or the pod name, at most 63 characters. */
export function podHostname(pod: Pod): string {
  const h = (pod.spec['hostname'] as string | undefined) ?? pod.metadata.name ?? '';
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, '') : h;
}

const FIELD_REFS: Record<string, (pod: Pod) => string | undefined> = {
  'metadata.name': (p) => p.metadata.name,
  'metadata.namespace': (p) => p.metadata.namespace ?? 'default',
  'metadata.uid': (p) => p.metadata.uid,
  'spec.nodeName': (p) => p.spec.nodeName,
  'spec.serviceAccountName': (p) => (p.spec['serviceAccountName'] as string | undefined) ?? 'default',
};

/**
 * Kubernetes' $(VAR) expansion of env values, command and args (third_party/forked/golang/
 * expansion): $(NAME) becomes the value of a variable defined so far, `$$` is a literal `$`, and
 * a reference to an undefined variable stays as written.
 */
export function expandK8s(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([^)]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? env[name]! : m;
  });
}

/**
 * The container's environment as its process sees it: PATH, HOSTNAME, HOME, then `env` in order
 * (values expanded). Values from fieldRef are resolved where the pod spec knows them; values
 * from configMaps, secrets and resources are not known here and are empty.
 */
export function containerEnv(pod: Pod, c: Container, uid: number | string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: podHostname(pod),
    HOME: uid === 0 ? '/root' : '/',
  };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expandK8s(e.value, env);
    else {
      const field = (e.valueFrom?.['fieldRef'] as { fieldPath?: string } | undefined)?.fieldPath;
      env[e.name] = (field && FIELD_REFS[field]?.(pod)) ?? '';
    }
  }
  return env;
}

/** Files every container has: the kubelet's /etc/hosts, /etc/hostname, resolv.conf, termination log and service account token. */
function podFiles(pod: Pod, c: Container): Record<string, string> {
  const files: Record<string, string> = {
    '/etc/hostname': podHostname(pod) + '\n',
    '/etc/hosts': '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n',
    '/etc/resolv.conf': `search ${pod.metadata.namespace ?? 'default'}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
    [(c['terminationMessagePath'] as string | undefined) ?? '/dev/termination-log']: '',
  };
  if (pod.spec['automountServiceAccountToken'] !== false) {
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    files[dir] = '';
    files[`${dir}/namespace`] = pod.metadata.namespace ?? 'default';
    files[`${dir}/token`] = 'eyJhbGciOiJSUzI1NiJ9.kubelife.token';
    files[`${dir}/ca.crt`] = '-----BEGIN CERTIFICATE-----\n';
  }
  return files;
}

/** The argv the runtime starts: command replaces ENTRYPOINT (and drops CMD), args replace CMD. */
export function resolveArgv(entry: Pick<ImageEntry, 'entrypoint' | 'cmd'> | undefined, c: Container): string[] {
  const command = c.command ?? [];
  const args = c.args ?? [];
  if (command.length > 0) return [...command, ...args];
  if (args.length > 0) return [...(entry?.entrypoint ?? []), ...args];
  return [...(entry?.entrypoint ?? []), ...(entry?.cmd ?? [])];
}

const SHELL_NAMES = new Set(['sh', 'bash', 'ash', 'dash']);
const SIMPLE_UTILITIES = new Set(['sleep', 'echo', 'true', 'false', 'printf', 'touch', 'cat', 'tail', 'env']);

/** The exec context of a container (what its exec probes and hooks run against): data only. */
export function execContextFor(pod: Pod, c: Container): ExecContext {
  const entry = imageEntry(c.image);
  const uid = entry?.user ?? 0;
  return {
    shells: entry?.shells ?? BUSYBOX_SHELLS,
    utilities: entry?.utilities ?? 'busybox',
    ...(entry?.tools ? { tools: [...entry.tools] } : {}),
    env: containerEnv(pod, c, uid),
    hostname: podHostname(pod),
    files: { ...podFiles(pod, c), ...(entry?.files ?? {}) },
    mounts: (c.volumeMounts ?? []).map((m) => m.mountPath),
    ...(typeof uid === 'number' ? { uid } : {}),
  };
}

/**
 * The behaviour a container's manifest implies on a real cluster, before scenario rules and
 * annotations: its image's entrypoint or its command/args, interpreted.
 */
export function manifestBehaviour(pod: Pod, c: Container): ContainerBehaviour {
  const ref = parseImageRef(c.image ?? '');
  const entry = imageEntry(c.image);
  const exec = execContextFor(pod, c);
  const argv = resolveArgv(entry, c).map((a) => expandK8s(a, exec.env ?? {}));
  const ctx: ShellContext = { ...exec, ...(c['stdin'] === true ? { stdinOpen: true } : {}) };
  if (entry && ref) {
    const program = entry.program;
    const env: ProgramEnv = { ref, container: c, env: exec.env ?? {}, hostname: exec.hostname ?? '', exec: (a) => runProcess(a, ctx) };
    if (program) ctx.program = (a) => program(a, env);
  }
  let b: ContainerBehaviour;
  if (entry) b = runProcess(argv, ctx);
  else {
    // An image kubelife does not know: interpret what looks like a shell or a utility; else it runs on.
    const argv0 = argv[0] === undefined ? undefined : argv[0].slice(argv[0].lastIndexOf('/') + 1);
    const understood = argv0 !== undefined && ((SHELL_NAMES.has(argv0) && argv.slice(1).some((a) => /^-[a-z]*c[a-z]*$/.test(a))) || SIMPLE_UTILITIES.has(argv0));
    b = understood ? runProcess(argv, { ...ctx, unknownImage: true }) : {};
  }
  if (entry) b.runAsUser = entry.user;
  const files = Object.keys(exec.files ?? {}).filter((p) => !(b.files ?? []).some((f) => f.path === p));
  if (files.length) b.files = [...files.map((path) => ({ path, fromMs: 0 })), ...(b.files ?? [])];
  if (!b.files?.length) delete b.files;
  b.execContext = exec;
  return b;
}
