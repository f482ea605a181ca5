/**
 * `kubelife inspect TRACE.jsonl`: serves a recorded run (from `kubelife run --trace`) in the
 * inspector page, in replay mode: the scrubber travels over the whole trace.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../scenario/load.ts';
import type { TraceEvent } from '../sim/trace.ts';
import { RecordedSource } from '../inspector/hub.ts';
import { startInspector, type RunningInspector } from '../inspector/server.ts';

export interface InspectFlags { port: string }

/** Reads a JSON-lines trace; a bad line is an InputError naming the file and line. */
export function readTrace(file: string): TraceEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as { code?: string }).code ?? String(e)}) (give the file written by kubelife run --trace)`);
  }
  const out: TraceEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new InputError(`${file}:${i + 1}: not JSON (each line must be one trace event from kubelife run --trace)`);
    }
    const e = v as { t?: unknown; kind?: unknown };
    if (typeof e !== 'object' || e === null || typeof e.t !== 'number' || typeof e.kind !== 'string') {
      // Kinds are not checked: a newer trace kind the page does not know is listed, not refused.
      throw new InputError(`${file}:${i + 1}: not a trace event (needs a number "t" and a string "kind")`);
    }
    out.push(v as TraceEvent);
  }
  return out;
}

/** Parses --port: a number from 0 to 65535. */
export function parsePort(flag: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InputError(`${flag}: "${value}" is not a port number (use e.g. ${flag} 8080, or 0 for any)`);
  return Number(value);
}

/** Starts the replay inspector for a trace file; a busy port is an InputError. */
export async function serveTrace(file: string, port: number, log?: (s: string) => void): Promise<RunningInspector> {
  const source = new RecordedSource(readTrace(file));
  try {
    return await startInspector({ source, port, ...(log ? { log } : {}) });
  } catch (e) {
    const c = (e as { code?: string }).code;
    if (c === 'EADDRINUSE' || c === 'EACCES') throw new InputError(`--port: cannot listen on 127.0.0.1:${port} (${c}); try --port 0`);
    throw e;
  }
}

export async function inspect(file: string, flags: InspectFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const port = parsePort('--port', flags.port);
  const running = await serveTrace(file, port, err);
  out(`kubelife: inspector at ${running.url} (replay of ${file})`);
  out('kubelife: press Ctrl-C to stop');
  await untilSignal();
  await running.stop();
  return 0;
}

/** Resolves at the first SIGINT or SIGTERM (Ctrl-C), for the serving commands. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((res) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      res();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
