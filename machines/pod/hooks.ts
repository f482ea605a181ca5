/**
 * Lifecycle hooks (postStart, preStop) answered by the container's process facts, as the kubelet's
 * handler runner (pkg/kubelet/lifecycle/handlers.go) runs them: what a hook returns, how long it
 * takes, and the message a failure carries. Pure: the pod machine decides when a hook runs and
 * arms a timer for its duration.
 *
 * - exec: the command runs inside the container at that moment of its life (shell.ts
 *   `evalCommand`), taking the virtual time its sleeps take (`["sh","-c","sleep 5"]` runs 5 s;
 *   `sleep infinity` never ends). A non-zero exit fails the hook with upstream's
 *   `Exec lifecycle hook ([argv]) for Container "c" in Pod "name_ns(uid)" failed - error:
 *   command '<argv>' exited with <code>: <output>, message: "<output>"` (the runtime's ExecSync
 *   error carries stderr and the message stdout+stderr; our commands have one combined output).
 * - httpGet: only a connection error fails it (upstream ignores the status code); nothing
 *   listening on the port gives `HTTP lifecycle hook (<path>) for Container "c" in Pod "…" failed
 *   - error: Get "http://<ip>:<port><path>": dial tcp <ip>:<port>: connect: connection refused`.
 * - sleep: `{sleep: {seconds}}` takes that long and never fails (PodLifecycleSleepAction, beta
 *   and on in 1.32).
 * - tcpSocket is not a lifecycle handler: the runner fails it as an invalid handler.
 */
import type { Container, Pod } from '../../src/api/objects.ts';
import { evalCommand } from '../kubelet/shell.ts';
import { httpAnswer, type ProcessFacts } from '../kubelet/process.ts';

export interface LifecycleHandler {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string };
  tcpSocket?: { port: number | string; host?: string };
  sleep?: { seconds: number };
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
  stopSignal?: string;
}

/** What running a hook came to: success or not, how long it ran, the handler runner's message. */
export interface HookOutcome {
  ok: boolean;
  durationMs: number;
  /** The failure message (the PostStartHookError waiting message); absent on success. */
  message?: string;
}

/** The container's `lifecycle` (the API type keeps it as an open field). */
export function lifecycleOf(c: Container | undefined): Lifecycle | undefined {
  const l = c?.['lifecycle'];
  return l && typeof l === 'object' ? (l as Lifecycle) : undefined;
}

/** format.Pod: "name_namespace(uid)". */
export function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}

/** Go's %q for a string: double quotes with backslash escapes. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/**
 * Runs an exec command inside the container from process time `tMs` (shell.ts evalCommand): the
 * exit code, the combined output, and how long it ran (Infinity: it never ends by itself).
 */
export function execHook(argv: readonly string[], facts: ProcessFacts, tMs: number): { exitCode: number; output: string; durationMs: number } {
  const r = evalCommand(argv, facts, tMs);
  return { exitCode: r.exitCode, output: r.output, durationMs: r.durationMs ?? 0 };
}

export interface HookContext {
  pod: Pod;
  container: Container;
  facts: ProcessFacts;
  /** Process time (ms since the container started) at which the hook begins. */
  tMs: number;
  /** The pod IP, where an httpGet hook without a host connects. */
  podIP?: string;
}

/** The port an httpGet names: a number, a numeric string, or a container port's name. */
function resolvePort(port: number | string, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

/** Runs a lifecycle handler (handlers.go Run) against the container's process facts. */
export function runHook(handler: LifecycleHandler, hc: HookContext): HookOutcome {
  const who = `for Container ${goQuote(hc.container.name)} in Pod ${goQuote(formatPod(hc.pod))}`;
  if (handler.exec) {
    const argv = handler.exec.command ?? [];
    const r = execHook(argv, hc.facts, hc.tMs);
    if (r.exitCode === 0) return { ok: true, durationMs: r.durationMs };
    const err = `command '${argv.join(' ')}' exited with ${r.exitCode}: ${r.output}`;
    return { ok: false, durationMs: r.durationMs, message: `Exec lifecycle hook ([${argv.join(' ')}]) ${who} failed - error: ${err}, message: ${goQuote(r.output)}` };
  }
  if (handler.httpGet) {
    const g = handler.httpGet;
    const rawPath = g.path ?? '';
    const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
    const host = g.host || hc.podIP || '';
    const port = resolvePort(g.port, hc.container);
    if (port === undefined) {
      return { ok: false, durationMs: 0, message: `HTTP lifecycle hook (${rawPath}) ${who} failed - error: couldn't find port: ${g.port} in ${hc.container.name}` };
    }
    if (httpAnswer(hc.facts, port, path, hc.tMs) !== undefined) return { ok: true, durationMs: 0 };
    const url = `http://${host}:${port}${path}`;
    return { ok: false, durationMs: 0, message: `HTTP lifecycle hook (${rawPath}) ${who} failed - error: Get "${url}": dial tcp ${host}:${port}: connect: connection refused` };
  }
  if (handler.sleep) return { ok: true, durationMs: Math.max(0, handler.sleep.seconds) * 1000 };
  return { ok: false, durationMs: 0, message: 'Cannot run handler: invalid handler: tcpSocket is not a lifecycle handler' };
}
