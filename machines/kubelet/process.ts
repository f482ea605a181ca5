/**
 * What a container's process does, as data over time measured from its start (t = 0 ms): what
 * it writes, when it exits, what a signal does to it, which files exist, which ports answer, how
 * much memory it uses. `ContainerBehaviour` (behaviour.ts) is this model; it comes from the image
 * and the manifest (command, args), then scenario rules and annotations.
 *
 * Everything here is pure and deterministic: the pod machine arms timers from it, the prober
 * evaluates probes against it, the log store reads output from it lazily (a `while true` loop
 * writes forever without costing anything until someone reads).
 */

/** Lines written at fixed times, then optionally a block repeated every period (loops). */
export interface OutputPlan {
  lines: Array<{ atMs: number; line: string }>;
  repeat?: { fromMs: number; periodMs: number; lines: Array<{ offsetMs: number; line: string }>; times?: number };
}

/** An HTTP answer rule: the first rule matching port, path and time gives the status code. */
export interface HttpRule {
  port: number;
  /** Path prefix; absent matches every path. */
  path?: string;
  /** The path must equal `path` (the query string aside), not merely start with it: nginx's `location = /x`, a file. */
  exact?: boolean;
  fromMs?: number;
  untilMs?: number;
  code: number;
}

/** A probe outcome forced over time (scenario overrides): from `fromMs` on, ok or not. */
export interface ProbeOverride { fromMs: number; ok: boolean }

export interface ProcessFacts {
  /** Timed output (stdout and stderr both go to the container log). */
  output?: OutputPlan;
  /** Exit code on SIGTERM (or the image's STOPSIGNAL) when the process does not ignore it: 143 unless given (nginx quits on SIGQUIT with 0; agnhost pause exits 2). */
  termExitCode?: number;
  /** Milliseconds the process takes to exit after SIGTERM (0 unless given). */
  termExitAfterMs?: number;
  /** Files that exist (for exec probes such as `cat /tmp/healthy`), by path, over time. */
  files?: Array<{ path: string; fromMs: number; untilMs?: number }>;
  /** Memory in use (MiB) from each time on; above `resources.limits.memory` the kernel OOM-kills it. */
  memoryMiB?: Array<{ atMs: number; mib: number }>;
  /** HTTP answers (httpGet probes and hooks); a port with no rule refuses connections. */
  http?: HttpRule[];
  /** Ports listening for TCP (tcpSocket probes); HTTP rule ports listen too. */
  tcpPorts?: number[];
  /** The user the image runs as (uid or name), for runAsNonRoot. Absent: root (0). */
  runAsUser?: number | string;
  /** Forced probe results over time, by probe kind. */
  probes?: { readiness?: ProbeOverride[]; liveness?: ProbeOverride[]; startup?: ProbeOverride[] };
}

/** The output lines written in [fromMs, toMs] (process time), in order. */
export function outputBetween(plan: OutputPlan | undefined, fromMs: number, toMs: number): Array<{ atMs: number; line: string }> {
  if (!plan || toMs < fromMs) return [];
  const out = plan.lines.filter((l) => l.atMs >= fromMs && l.atMs <= toMs);
  const r = plan.repeat;
  if (r && r.periodMs > 0 && r.lines.length > 0) {
    const first = Math.max(0, Math.floor((fromMs - r.fromMs) / r.periodMs) - 1);
    for (let k = first; r.times === undefined || k < r.times; k++) {
      const base = r.fromMs + k * r.periodMs;
      if (base > toMs) break;
      for (const l of r.lines) {
        const t = base + l.offsetMs;
        if (t >= fromMs && t <= toMs) out.push({ atMs: t, line: l.line });
      }
    }
    out.sort((a, b) => a.atMs - b.atMs);
  }
  return out;
}

/** Does `path` exist at process time `tMs`? */
export function fileExists(facts: ProcessFacts, path: string, tMs: number): boolean {
  return (facts.files ?? []).some((f) => f.path === path && f.fromMs <= tMs && (f.untilMs === undefined || tMs < f.untilMs));
}

/**
 * The HTTP status for GET port/path at `tMs`, or undefined when nothing listens there. A port
 * with rules answers 404 for a path none of them matches (a web server's default).
 */
export function httpAnswer(facts: ProcessFacts, port: number, path: string, tMs: number): number | undefined {
  const rules = (facts.http ?? []).filter((r) => r.port === port);
  if (rules.length === 0) return undefined;
  const bare = path.replace(/[?#].*$/, '');
  const pathOk = (r: HttpRule) => r.path === undefined || (r.exact ? bare === r.path : path.startsWith(r.path));
  const hit = rules.find((r) => pathOk(r) && (r.fromMs ?? 0) <= tMs && (r.untilMs === undefined || tMs < r.untilMs));
  return hit?.code ?? 404;
}

/** Is `port` open for TCP at `tMs`? */
export function tcpOpen(facts: ProcessFacts, port: number, tMs: number): boolean {
  if ((facts.tcpPorts ?? []).includes(port)) return true;
  return (facts.http ?? []).some((r) => r.port === port && (r.fromMs ?? 0) <= tMs && (r.untilMs === undefined || tMs < r.untilMs));
}

/** Memory in use at `tMs` (MiB), 0 before the first entry. */
export function memoryAt(facts: ProcessFacts, tMs: number): number {
  let mib = 0;
  for (const m of facts.memoryMiB ?? []) if (m.atMs <= tMs) mib = m.mib;
  return mib;
}

/** The first time at or after `fromMs` at which memory exceeds `limitMiB`, if ever. */
export function firstOverLimit(facts: ProcessFacts, limitMiB: number, fromMs = 0): number | undefined {
  for (const m of [...(facts.memoryMiB ?? [])].sort((a, b) => a.atMs - b.atMs)) {
    if (m.mib > limitMiB) return Math.max(m.atMs, fromMs);
  }
  return undefined;
}

/** A forced probe result at `tMs`, if an override covers it. */
export function probeOverrideAt(list: ProbeOverride[] | undefined, tMs: number): boolean | undefined {
  let v: boolean | undefined;
  for (const o of list ?? []) if (o.fromMs <= tMs) v = o.ok;
  return v;
}
