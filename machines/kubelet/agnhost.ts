/**
 * registry.k8s.io/e2e-test-images/agnhost: the Kubernetes e2e "swiss army knife" image
 * (test/images/agnhost, ENTRYPOINT ["/agnhost"], CMD ["pause"]). The subcommand is the first
 * argument that is not a flag (`args: ["netexec", "--http-port=8080"]`). Modelled subcommands,
 * from their sources:
 *
 * - `pause`: prints "Paused" and blocks; SIGTERM -> os.Exit(2) (SIGINT would be 1).
 * - `netexec`: HTTP on --http-port (8080): every path answers 200 (the "/" handler catches all),
 *   except /healthz: 200 once the UDP server (--udp-port, 8081; -1 disables it) or an SCTP server
 *   is up, else 412. No TERM handler: as PID 1 a Go program exits 2 on SIGTERM.
 * - `serve-hostname`: HTTP on --port (9376) answers the hostname; --tcp/--udp serve raw (not
 *   with --http, the default: that is a fatal error, exit 1). On SIGTERM it logs and sleeps 60 s,
 *   then exits 0: with the default 30 s grace it is SIGKILLed (137).
 * - `liveness`: HTTP on 8080: /healthz 200 while at most 10 s have passed since start, then 500;
 *   /started 200; /redirect 302; other paths 404. Exits 2 on SIGTERM (no handler).
 * - `test-webserver`: HTTP on 80 (--port), every path 200.
 *
 * With no subcommand agnhost prints its help and exits 0; an unknown subcommand, flag or extra
 * argument prints cobra's error and also exits 0 (main ignores Execute's error). Log lines
 * written through Go's `log` package lose their date prefix here: the wall clock at container
 * start is not known to the behaviour (docs/BEHAVIOURS.md).
 */
import type { ContainerBehaviour } from './behaviour.ts';

export const AGNHOST_REPOSITORY = 'registry.k8s.io/e2e-test-images/agnhost';

/** A Go program as PID 1 without a SIGTERM handler: the runtime's dieFromSignal ends in exit(2). */
export const GO_PID1_TERM_EXIT_CODE = 2;

/** Subcommands agnhost 2.5x registers (cobra lists them in its help). */
export const AGNHOST_SUBCOMMANDS = [
  'audit-proxy', 'connect', 'crd-conversion-webhook', 'dns-server-list', 'dns-suffix', 'entrypoint-tester', 'etc-hosts',
  'fake-gitserver', 'guestbook', 'help', 'inclusterclient', 'liveness', 'logs-generator', 'mounttest', 'net', 'netexec',
  'nettest', 'no-snat-test', 'no-snat-test-proxy', 'pause', 'port-forward-tester', 'porter', 'resource-consumer-controller',
  'serve-hostname', 'test-service-account-issuer-discovery', 'test-webserver', 'webhook',
] as const;

/** Flags klog adds to every subcommand (persistent on the root command). */
const KLOG_FLAGS = new Set(['v', 'vmodule', 'logtostderr', 'alsologtostderr', 'stderrthreshold', 'log_dir', 'log_file', 'log_file_max_size', 'skip_headers', 'skip_log_headers', 'add_dir_header', 'one_output', 'log_backtrace_at']);

type FlagSpec = Record<string, { kind: 'int' | 'bool' | 'string'; def: number | boolean | string }>;

const FLAGS: Record<string, FlagSpec> = {
  pause: {},
  netexec: {
    'http-port': { kind: 'int', def: 8080 }, 'udp-port': { kind: 'int', def: 8081 }, 'sctp-port': { kind: 'int', def: -1 },
    'tls-cert-file': { kind: 'string', def: '' }, 'tls-private-key-file': { kind: 'string', def: '' }, 'http-override': { kind: 'string', def: '' },
    'udp-listen-addresses': { kind: 'string', def: '' },
  },
  'serve-hostname': { tcp: { kind: 'bool', def: false }, udp: { kind: 'bool', def: false }, http: { kind: 'bool', def: true }, close: { kind: 'bool', def: false }, port: { kind: 'int', def: 9376 } },
  liveness: {},
  'test-webserver': { port: { kind: 'int', def: 80 } },
};

interface Parsed { sub?: string; flags: Record<string, number | boolean | string>; positional: string[]; error?: string }

/** pflag's parsing: --name=value, --name value (non-bool), --bool; the first bare word is the subcommand. */
function parseArgs(args: readonly string[]): Parsed {
  const out: Parsed = { flags: {}, positional: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') { out.positional.push(...args.slice(i + 1)); break; }
    const m = /^--?([A-Za-z0-9_-]+)(?:=(.*))?$/s.exec(a);
    if (!m) {
      if (out.sub === undefined) out.sub = a;
      else out.positional.push(a);
      continue;
    }
    const name = m[1]!;
    const spec = out.sub !== undefined ? FLAGS[out.sub]?.[name] : undefined;
    if (KLOG_FLAGS.has(name)) {
      if (m[2] === undefined && name !== 'logtostderr' && name !== 'alsologtostderr' && name !== 'skip_headers' && name !== 'skip_log_headers' && name !== 'add_dir_header' && name !== 'one_output') i++;
      continue;
    }
    if (name === 'help' || name === 'h') { out.flags['help'] = true; continue; }
    if (!spec) { out.error ??= `unknown flag: ${a.split('=')[0]}`; continue; }
    let raw = m[2];
    if (raw === undefined && spec.kind !== 'bool') raw = args[++i];
    if (spec.kind === 'bool') out.flags[name] = raw === undefined ? true : raw === 'true' || raw === '1' || raw === 't' || raw === 'T' || raw === 'TRUE' || raw === 'True';
    else if (spec.kind === 'int') {
      const n = Number(raw);
      if (raw === undefined || !Number.isInteger(n)) out.error ??= `invalid argument "${raw ?? ''}" for "--${name}" flag: strconv.ParseInt: parsing "${raw ?? ''}": invalid syntax`;
      else out.flags[name] = n;
    } else out.flags[name] = raw ?? '';
  }
  return out;
}

function flag<T extends number | boolean | string>(p: Parsed, name: string): T {
  return (p.flags[name] ?? FLAGS[p.sub ?? '']?.[name]?.def) as T;
}

/** What cobra prints for an error, with the subcommand's usage line; agnhost then exits 0. */
function cobraError(message: string, sub?: string): ContainerBehaviour {
  const usage = sub ? ['Usage:', `  app ${sub} [flags]`] : [`Run 'app --help' for usage.`];
  return { logs: [`Error: ${message}`, ...usage], exitAfterMs: 0, exitCode: 0 };
}

/** The root command's help (no subcommand): usage and the subcommand list, then exit 0. */
export function agnhostHelp(): string[] {
  return ['Usage:', '  app [command]', '', 'Available Commands:', ...AGNHOST_SUBCOMMANDS.map((c) => `  ${c}`), '', 'Use "app [command] --help" for more information about a command.'];
}

/**
 * The behaviour of `/agnhost <args>` (args as the container gives them after the entrypoint).
 * Subcommands kubelife does not model run forever, ready at once, exiting 2 on SIGTERM.
 */
export function agnhostBehaviour(args: readonly string[], ctx: { hostname?: string } = {}): ContainerBehaviour {
  const p = parseArgs(args);
  if (p.sub === undefined) return { logs: agnhostHelp(), exitAfterMs: 0, exitCode: 0 };
  if (!(AGNHOST_SUBCOMMANDS as readonly string[]).includes(p.sub)) return cobraError(`unknown command "${p.sub}" for "app"`);
  if (p.flags['help'] === true) return { logs: [`Usage:`, `  app ${p.sub} [flags]`], exitAfterMs: 0, exitCode: 0 };
  if (p.error) return cobraError(p.error, p.sub);
  const term = { termExitCode: GO_PID1_TERM_EXIT_CODE };
  switch (p.sub) {
    case 'pause':
      if (p.positional.length) return cobraError(`accepts at most 0 arg(s), received ${p.positional.length}`, p.sub);
      return { logs: ['Paused'], ...term };
    case 'netexec': {
      if (p.positional.length) return cobraError(`accepts at most 0 arg(s), received ${p.positional.length}`, p.sub);
      const http = flag<number>(p, 'http-port');
      const udp = flag<number>(p, 'udp-port');
      const sctp = flag<number>(p, 'sctp-port');
      const ready = udp !== -1 || sctp !== -1;
      const logs = [`Started HTTP server on port ${http}`];
      if (udp !== -1) logs.push(`Started UDP server on port  ${udp}`);
      if (sctp !== -1) logs.push('Started SCTP server');
      return { logs, http: [{ port: http, path: '/healthz', code: ready ? 200 : 412 }, { port: http, code: 200 }], ...term };
    }
    case 'serve-hostname': {
      if (p.positional.length) return cobraError(`accepts at most 0 arg(s), received ${p.positional.length}`, p.sub);
      const port = flag<number>(p, 'port');
      const doHttp = flag<boolean>(p, 'http');
      const doTcp = flag<boolean>(p, 'tcp');
      const doUdp = flag<boolean>(p, 'udp');
      if (doHttp && (doTcp || doUdp)) return { logs: [`Can't server TCP/UDP mode and HTTP mode at the same time`], exitAfterMs: 0, exitCode: 1 };
      const b: ContainerBehaviour = { logs: [`Serving on port ${port}.`], termExitAfterMs: 60_000, termExitCode: 0 };
      if (doHttp) b.http = [{ port, code: 200 }];
      else if (doTcp) b.tcpPorts = [port];
      void ctx.hostname; // what / answers (the hostname) is not part of the process facts
      return b;
    }
    case 'liveness':
      if (p.positional.length) return cobraError(`accepts at most 0 arg(s), received ${p.positional.length}`, p.sub);
      return {
        // duration.Seconds() > 10 fails: 10.000 s still answers 200.
        http: [
          { port: 8080, path: '/healthz', untilMs: 10_001, code: 200 },
          { port: 8080, path: '/healthz', fromMs: 10_001, code: 500 },
          { port: 8080, path: '/started', code: 200 },
          { port: 8080, path: '/redirect', code: 302 },
        ],
        ...term,
      };
    case 'test-webserver':
      return { http: [{ port: flag<number>(p, 'port'), code: 200 }], ...term };
    case 'help':
      return { logs: agnhostHelp(), exitAfterMs: 0, exitCode: 0 };
    default:
      return { ...term };
  }
}
