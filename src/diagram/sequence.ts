/**
 * A run as a Mermaid `sequenceDiagram`, built from trace events as they happen: each message the
 * network delivers is an arrow (requests solid, responses and watch events dashed, drops crossed),
 * each etcd write an arrow from kube-apiserver to etcd, Kubernetes Events, the scheduler's choices
 * and pod workers' state changes are notes. Memory is bounded: past `maxArrows` arrows the rest is
 * only counted, and a last note says how many were left out.
 */
import type { TraceEvent } from '../sim/trace.ts';
import { isHeartbeat } from '../sim/trace.ts';
import { escapeLabel } from './mermaid.ts';

export interface SequenceOptions {
  /** Keep only what mentions this substring (a pod's name, a namespace, a node); requests are kept or left with what they wrote. */
  filter?: string;
  /** The most arrows drawn (default 400). */
  maxArrows?: number;
  /** Keep lease renewals and other heartbeats (default: left out). */
  heartbeats?: boolean;
}

type Item =
  | { kind: 'arrow'; from: string; to: string; style: 'request' | 'reply' | 'drop'; label: string; repeat: number }
  | { kind: 'note'; over: string; text: string };

const NOTE_MAX_CHARS = 110;

/** `/api/v1/namespaces/default/pods/nginx/status?x=y` -> `pods/nginx/status`. */
export function shortPath(path: string): string {
  return path
    .replace(/\?.*$/, '')
    .replace(/^\/api\/v1\/?|^\/apis\/[^/]+\/[^/]+\/?/, '')
    .replace(/^namespaces\/[^/]+\//, '') || '/';
}

/** A delivered message's label: `POST pods`, `201 POST pods`, `watch ADDED Pod default/nginx`. */
export function messageLabel(what: string): string {
  const m = what.match(/^(\d{3} )?([A-Z]+) (\/\S*)$/);
  if (m) return `${m[1] ?? ''}${m[2]} ${shortPath(m[3]!)}`;
  return what;
}

/** `/registry/pods/default/nginx` -> `pods/default/nginx`. */
const registryKey = (key: string) => key.replace(/^\/registry\//, '');

const truncate = (s: string) => (s.length > NOTE_MAX_CHARS ? `${s.slice(0, NOTE_MAX_CHARS - 3)}...` : s);

/** Where a participant goes, left to right: the API server and etcd first, node agents after the control plane's scheduler. */
function rank(p: string): number {
  if (p === 'client') return 0;
  if (p === 'kube-apiserver') return 1;
  if (p === 'etcd') return 2;
  if (p.startsWith('kube-scheduler')) return 3;
  if (p.startsWith('kubelet/')) return 4;
  if (p.startsWith('pod/')) return 5;
  if (p.startsWith('kube-controller-manager')) return 6;
  if (p.startsWith('kube-proxy')) return 7;
  return 8;
}

const byRankThenName = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true });

/** A component's Event `source` -> the participant that records it (kubelets are found from the request). */
const EVENT_SOURCES: Record<string, string> = { 'default-scheduler': 'kube-scheduler', 'kube-controller-manager': 'kube-controller-manager' };

/** Builds a sequence diagram from trace events fed one at a time. */
export class SequenceBuilder {
  private readonly items: Item[] = [];
  private readonly participants = new Set<string>();
  private readonly maxArrows: number;
  private arrows = 0;
  private notes = 0;
  private leftOut = 0;
  private notesLeftOut = 0;
  /** A request delivered to the API server and what it caused, decided on as one. */
  private group: { events: TraceEvent[]; from: string; path: string } | undefined;
  /** Responses still owed to a kept request, by `to|VERB path`. */
  private readonly owed = new Map<string, number>();
  /** The kubelet each pod worker runs under (the kubelet its ADDED watch event went to). */
  private readonly podHosts = new Map<string, string>();

  constructor(private readonly opts: SequenceOptions = {}) {
    this.maxArrows = opts.maxArrows ?? 400;
  }

  /** Feeds one trace event. */
  add(e: TraceEvent): void {
    // A message is drawn when it is delivered (or dropped); its send draws nothing.
    if (e.kind === 'send' || (!this.opts.heartbeats && isHeartbeat(e))) return;
    if (e.kind === 'deliver') this.learnHost(e.to, e.what);
    if (this.group) {
      if (e.kind === 'write' || e.kind === 'k8s-event') {
        this.group.events.push(e);
        return;
      }
      if (e.kind === 'request' && e.from === this.group.from && e.path === this.group.path) {
        this.group.events.push(e);
        this.closeGroup();
        return;
      }
      this.closeGroup();
    }
    if (e.kind === 'deliver' && e.to === 'kube-apiserver') {
      const m = e.what.match(/^[A-Z]+ (\/\S*)$/);
      if (m) {
        this.group = { events: [e], from: e.from, path: m[1]!.replace(/\?.*$/, '') };
        return;
      }
    }
    if (this.matches(e)) this.emit(e);
  }

  /** The diagram source (no code fence). */
  build(): string {
    if (this.group) this.closeGroup();
    const participants = [...this.participants].sort(byRankThenName);
    const ids = new Map(participants.map((p, i) => [p, `p${i}`]));
    const lines = ['sequenceDiagram'];
    for (const p of participants) lines.push(`  participant ${ids.get(p)} as ${escapeLabel(p)}`);
    for (const item of this.items) {
      if (item.kind === 'note') {
        lines.push(`  Note over ${ids.get(item.over)}: ${escapeLabel(truncate(item.text))}`);
        continue;
      }
      const arrow = item.style === 'request' ? '->>' : item.style === 'reply' ? '-->>' : '-x';
      const label = item.repeat > 1 ? `${item.label} (x${item.repeat})` : item.label;
      lines.push(`  ${ids.get(item.from)}${arrow}${ids.get(item.to)}: ${escapeLabel(label)}`);
    }
    if ((this.leftOut > 0 || this.notesLeftOut > 0) && participants.length > 0) {
      const span = participants.length > 1 ? `${ids.get(participants[0]!)},${ids.get(participants[participants.length - 1]!)}` : ids.get(participants[0]!)!;
      const hint = this.opts.filter ? '' : ', narrow with --sequence-filter';
      const notes = this.notesLeftOut > 0 ? ` and ${this.notesLeftOut} notes` : '';
      lines.push(`  Note over ${span}: ${escapeLabel(`${this.leftOut} more messages${notes} left out (at most ${this.maxArrows} arrows${hint})`)}`);
    }
    return lines.join('\n') + '\n';
  }

  /** Arrows and notes drawn, and what was left out, so far. */
  counts(): { arrows: number; notes: number; leftOut: number; notesLeftOut: number } {
    return { arrows: this.arrows, notes: this.notes, leftOut: this.leftOut, notesLeftOut: this.notesLeftOut };
  }

  private learnHost(to: string, what: string): void {
    const m = what.match(/^watch ADDED Pod (\S+)$/);
    if (m && to.startsWith('kubelet/') && !this.podHosts.has(`pod/${m[1]}`)) this.podHosts.set(`pod/${m[1]}`, to);
  }

  private closeGroup(): void {
    const g = this.group!;
    this.group = undefined;
    if (!g.events.some((e) => this.matches(e))) return;
    const verb = (g.events[0] as { what: string }).what.split(' ')[0]!;
    const key = `${g.from}|${verb} ${g.path}`;
    this.owed.set(key, (this.owed.get(key) ?? 0) + 1);
    for (const e of g.events) this.emit(e);
  }

  private matches(e: TraceEvent): boolean {
    const f = this.opts.filter;
    if (f === undefined || f === '') return true;
    switch (e.kind) {
      case 'deliver':
      case 'send':
      case 'drop': {
        // A response goes with its request, which was kept for what it wrote.
        const m = e.what.match(/^\d{3} ([A-Z]+ \/\S*)$/);
        if (m) {
          const key = `${e.to}|${m[1]!.replace(/\?.*$/, '')}`;
          const n = this.owed.get(key) ?? 0;
          if (n > 0) {
            if (n === 1) this.owed.delete(key);
            else this.owed.set(key, n - 1);
            return true;
          }
        }
        return e.what.includes(f);
      }
      case 'write': return e.key.includes(f);
      case 'request': return e.path.includes(f);
      case 'k8s-event': return e.object.includes(f) || e.message.includes(f);
      case 'transition': return e.actor.includes(f);
      case 'note': return e.text.includes(f) || e.actor.includes(f);
      case 'step': return e.detail.includes(f);
      case 'fault': return true;
    }
  }

  private emit(e: TraceEvent): void {
    switch (e.kind) {
      case 'deliver':
        this.arrow(e.from, e.to, /^(\d{3} |watch )/.test(e.what) ? 'reply' : 'request', messageLabel(e.what));
        return;
      case 'drop':
        this.arrow(e.from, e.to, 'drop', `dropped: ${messageLabel(e.what)}`);
        return;
      case 'write':
        this.arrow('kube-apiserver', 'etcd', 'request', `${e.op} ${registryKey(e.key)} (rev ${e.rev})`);
        return;
      case 'k8s-event': {
        const over = this.eventRecorder(e.source);
        this.note(over, `${e.type === 'Normal' ? '' : `${e.type} `}${e.reason} ${e.object}: ${e.message}`);
        return;
      }
      case 'transition':
        // Pod workers' states tell the kubelet's side of the story; components' own states are in the statechart view.
        if (e.actor.startsWith('pod/')) this.note(this.podHosts.get(e.actor) ?? e.actor, `${e.actor.slice(4)}: ${e.to || '(stopped)'} (${e.event})`);
        return;
      case 'note':
        if (e.actor === 'kube-scheduler') this.note(e.actor, e.text);
        return;
      case 'step':
        this.note('client', `step ${e.index}: ${e.action} ${e.detail}`);
        return;
      case 'fault':
        this.note('kube-apiserver', `fault ${e.fault} ${e.action}: ${e.detail}`);
        return;
      case 'send':
      case 'request':
        // The arrow is drawn when the message is delivered; the request's outcome is its response.
        return;
    }
  }

  /** The participant of the component that recorded an Event: the one whose POST to events is being served. */
  private eventRecorder(source: string): string {
    if (this.lastEventPoster !== undefined) return this.lastEventPoster;
    return EVENT_SOURCES[source] ?? 'kube-apiserver';
  }

  private get lastEventPoster(): string | undefined {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const it = this.items[i]!;
      if (it.kind === 'arrow' && it.to === 'kube-apiserver') return it.label.endsWith(' events') ? it.from : undefined;
      if (it.kind === 'arrow' && it.from === 'kube-apiserver' && it.to !== 'etcd') return undefined;
    }
    return undefined;
  }

  private arrow(from: string, to: string, style: 'request' | 'reply' | 'drop', label: string): void {
    const last = this.items[this.items.length - 1];
    if (last?.kind === 'arrow' && last.from === from && last.to === to && last.style === style && last.label === label) {
      last.repeat++;
      return;
    }
    if (this.arrows >= this.maxArrows) {
      this.leftOut++;
      return;
    }
    this.arrows++;
    this.participants.add(from).add(to);
    this.items.push({ kind: 'arrow', from, to, style, label, repeat: 1 });
  }

  private note(over: string, text: string): void {
    if (this.arrows >= this.maxArrows || this.notes >= this.maxArrows) {
      this.notesLeftOut++;
      return;
    }
    this.notes++;
    this.participants.add(over);
    this.items.push({ kind: 'note', over, text });
  }
}

/** The whole diagram of a finished trace. */
export function sequenceDiagram(events: Iterable<TraceEvent>, opts: SequenceOptions = {}): string {
  const b = new SequenceBuilder(opts);
  for (const e of events) b.add(e);
  return b.build();
}

/** The markdown file `kubelife run --sequence OUT.md` writes. */
export function sequenceMarkdown(title: string, source: string): string {
  return [`# ${title}`, '', 'Generated by `kubelife run --sequence` from the run\'s trace.', '', '```mermaid', source.trimEnd(), '```', ''].join('\n');
}
