/**
 * The story printer: one line per meaningful step, in virtual time, naming the component, what
 * changed and why. Heartbeats and raw network messages are left to the trace file.
 */
import { isHeartbeat, type TraceEvent } from '../sim/trace.ts';

function secs(t: number): string {
  return `${(t / 1000).toFixed(3)}s`.padStart(9);
}

function who(name: string): string {
  return name.padEnd(25) + ' ';
}

/** The story line for one trace event, or undefined when it is not part of the story. */
export function storyLine(e: TraceEvent): string | undefined {
  if (isHeartbeat(e)) return undefined;
  switch (e.kind) {
    case 'step':
      return `${secs(e.t)}  ${who('scenario')}step ${e.index + 1}: ${e.action} ${e.detail}`;
    case 'transition':
      if (e.from === '') return undefined;
      return `${secs(e.t)}  ${who(e.actor)}${e.from} -> ${e.to}  (on ${e.event})`;
    case 'note':
      return `${secs(e.t)}  ${who(e.actor)}${e.text}`;
    case 'request': {
      if (e.verb === 'get' || e.verb === 'list' || e.verb === 'watch') return undefined;
      if (e.path.includes('/events') && e.code < 300) return undefined;
      if (e.from === 'bootstrap') return undefined;
      const rv = e.rv ? ` rv=${e.rv}` : '';
      const why = e.reason ? ` ${e.reason}` : '';
      const method = ({ create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' } as Record<string, string>)[e.verb] ?? e.verb.toUpperCase();
      return `${secs(e.t)}  ${who('kube-apiserver')}${method} ${e.path} from ${e.from} -> ${e.code}${why}${rv}  [${e.stages.join(' > ')}]`;
    }
    case 'write':
      if (e.key.startsWith('/registry/events/')) return undefined;
      if (e.t === 0 && (e.key.startsWith('/registry/clusterrole') || e.key.startsWith('/registry/namespaces/'))) return undefined;
      return `${secs(e.t)}  ${who('etcd')}revision ${e.rev}: ${e.op} ${e.key}`;
    case 'k8s-event':
      return `${secs(e.t)}  ${who(e.source || 'event')}Event ${e.type} ${e.reason} ${e.object}: ${e.message}`;
    case 'fault':
      return `${secs(e.t)}  ${who('fault')}${e.fault} ${e.action === 'start' ? 'begins' : 'ends'}: ${e.detail}`;
    default:
      return undefined;
  }
}
