/**
 * A small POSIX-shell interpreter over virtual time: what `sh -c "<script>"` (or a direct argv
 * such as `["sleep", "3600"]`) does inside a container, as a timeline. Two uses share it:
 *
 * - The container's main process (`runProcess`): the script runs from t = 0; `echo` writes log
 *   lines at that moment, `sleep N` advances time, `touch`/`rm` create and remove files (for exec
 *   probes), `exit N` or the end of the script ends the process. An endless loop becomes a
 *   repeated output block (`OutputPlan.repeat`), `sleep infinity` or `tail -f` runs forever.
 * - Exec probes and hooks (`evalCommand`, `evalScript`): a command run at a moment of the
 *   container's life, seeing the files the process has at that time; it returns its exit code,
 *   its output and how long it took.
 *
 * Supported: words with '…', "…", \ escapes, $VAR, ${VAR}, ${VAR:-default} (and :=, :+, #),
 * $?, $#, $0-$9, $@, $(…) and `…`, $((arithmetic)); `;`, newlines, `&&`, `||`, `!`, `|` (run
 * in sequence, each output the next one's stdin), `&` and `wait`; `while`/`until`/`for … in …`/
 * `if … elif … else … fi`, `{ …; }`, `( … )`, `break`, `continue`; redirections `>`, `>>`, `<`,
 * `2>&1`, `>&2`, `&>` and /dev/null; `set -e`, `set -x`. Builtins and utilities: `:`, true,
 * false, exit, echo, printf, test, [, sleep, touch, rm, mkdir, cat, tee, ls, hostname, env,
 * printenv, export, unset, cd, read, seq, expr, exec, eval, shift, wait, trap (ignored), kill
 * (ignored), tail -f (forever), date (writes
 * nothing: the wall clock is not known here), network tools (wget, curl, nc, redis-cli,
 * pg_isready aimed at localhost answer from the container's ports; anything else, and nslookup,
 * dig, ping, succeed at once, silently). Anything else: `sh: X: not found`, status 127.
 *
 * Everything is pure and deterministic; an interpretation budget (steps, lines) bounds the work,
 * and a loop that returns to a state it had before is recognized as periodic.
 */
import { fileExists, httpAnswer, tcpOpen, type OutputPlan, type ProcessFacts } from './process.ts';
import type { ContainerBehaviour } from './behaviour.ts';

export interface CommandResult {
  exitCode: number;
  output: string;
  /** Virtual time the command took (its sleeps), when it took any; Infinity when it never ends (the caller's timeout decides). */
  durationMs?: number;
}

/** The shells kubelife knows: busybox ash (busybox, alpine), dash (Debian's /bin/sh) and bash. */
export type ShellFlavour = 'ash' | 'dash' | 'bash';

/** Which command-line utilities an image ships, which decides their error messages. */
export type Utilities = 'busybox' | 'coreutils' | 'none';

/** What the interpreter knows about the container it runs in. */
export interface ShellContext {
  /** The shells the image has, by every name they answer to. Absent: busybox's sh. */
  shells?: Readonly<Record<string, ShellFlavour>>;
  /** Default: busybox. */
  utilities?: Utilities;
  /** The image's own programs (nginx, redis-server, /agnhost...): their behaviour from their start, or undefined. */
  program?: (argv: readonly string[]) => ContainerBehaviour | undefined;
  env?: Readonly<Record<string, string>>;
  hostname?: string;
  /** Files present from the start (image files, /etc/hostname, service account files), with content. */
  files?: Readonly<Record<string, string>>;
  /** Volume mount paths: files there exist with content kubelife does not know. */
  mounts?: readonly string[];
  /** The container has stdin open (`stdin: true`): a shell reading it waits forever. */
  stdinOpen?: boolean;
  /** The user the process runs as, for whoami and id. */
  uid?: number;
  /** Executables beyond the utilities (redis-cli, pg_isready, curl...). Absent: none, except in a probe without context (all). */
  tools?: readonly string[];
  /**
   * The image is not one kubelife knows, so a command the interpreter does not know may well
   * exist there (python, java...): it runs until stopped instead of being "not found".
   */
  unknownImage?: boolean;
}

/** What exec probes and hooks run against: the shell context as plain data (kept in the behaviour). */
export type ExecContext = Omit<ShellContext, 'program' | 'stdinOpen'>;

export const BUSYBOX_SHELLS: Readonly<Record<string, ShellFlavour>> = { sh: 'ash', '/bin/sh': 'ash', ash: 'ash', '/bin/ash': 'ash' };
export const DEBIAN_SHELLS: Readonly<Record<string, ShellFlavour>> = {
  sh: 'dash', '/bin/sh': 'dash', '/usr/bin/sh': 'dash', dash: 'dash', '/bin/dash': 'dash', '/usr/bin/dash': 'dash',
  bash: 'bash', '/bin/bash': 'bash', '/usr/bin/bash': 'bash',
};
export const BASH_SHELLS: Readonly<Record<string, ShellFlavour>> = { bash: 'bash', '/bin/bash': 'bash', '/usr/bin/bash': 'bash' };

/** Interpretation limits: beyond them a still-running loop repeats its last pass (see docs/BEHAVIOURS.md). */
export const MAX_STEPS = 50_000;
export const MAX_LINES = 5_000;
/** File intervals of a repeating loop are unrolled this far (process time). */
export const FILE_HORIZON_MS = 24 * 3_600_000;
const MAX_FILE_INTERVALS = 2_000;
const MAX_JOBS = 32;

// ---------------------------------------------------------------------------------------------
// Lexer

type WordPart =
  | { t: 'lit'; v: string; q: boolean }
  | { t: 'var'; name: string; q: boolean; op?: string; arg?: string }
  | { t: 'cmd'; src: string; q: boolean }
  | { t: 'arith'; src: string; q: boolean };

interface Word { parts: WordPart[]; raw: string; quoted: boolean }

type Tok =
  | { k: 'word'; w: Word; line: number }
  | { k: 'op'; v: string; line: number }
  | { k: 'redir'; v: string; fd?: number; line: number }
  | { k: 'eof'; line: number };

class SyntaxError_ extends Error {
  constructor(readonly kind: 'unexpected' | 'eof' | 'quote' | 'unsupported', readonly token: string, readonly line: number, readonly expecting?: string) {
    super(`${kind} ${token}`);
  }
}

const META = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

/** The index just past a `$(` … `)` group starting at `i` (the first char after the opening paren), quotes respected. */
function matchParen(s: string, i: number, line: number): number {
  let depth = 1;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') { i++; continue; }
    if (c === "'") { const j = s.indexOf("'", i + 1); if (j < 0) throw new SyntaxError_('quote', "'", line); i = j; continue; }
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
      if (i >= s.length) throw new SyntaxError_('quote', '"', line);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new SyntaxError_('eof', ')', line, ')');
}

/** Reads a `$…` expansion at s[i] === '$'; returns the part and the next index, or undefined for a literal `$`. */
function lexDollar(s: string, i: number, q: boolean, line: number): { part: WordPart; next: number } | undefined {
  const c = s[i + 1];
  if (c === undefined) return undefined;
  if (c === '(') {
    // The group opened at i+1 closes at end-1; $(( … )) when the inner group opened at i+2 closes right before it.
    const end = matchParen(s, i + 2, line);
    if (s[i + 2] === '(') {
      const inner = matchParen(s, i + 3, line);
      if (inner === end - 1) return { part: { t: 'arith', src: s.slice(i + 3, inner - 1), q }, next: end };
    }
    return { part: { t: 'cmd', src: s.slice(i + 2, end - 1), q }, next: end };
  }
  if (c === '{') {
    const end = s.indexOf('}', i + 2);
    if (end < 0) throw new SyntaxError_('eof', '}', line, '}');
    const inner = s.slice(i + 2, end);
    if (inner.startsWith('#') && inner.length > 1) return { part: { t: 'var', name: inner.slice(1), q, op: 'len' }, next: end + 1 };
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[?#@*$!])(:?[-=+?])?(.*)$/s.exec(inner);
    if (!m) return { part: { t: 'lit', v: '', q }, next: end + 1 };
    return { part: { t: 'var', name: m[1]!, q, ...(m[2] ? { op: m[2], arg: m[3] ?? '' } : {}) }, next: end + 1 };
  }
  if (/[A-Za-z_]/.test(c)) {
    let j = i + 1;
    while (j < s.length && /[A-Za-z0-9_]/.test(s[j]!)) j++;
    return { part: { t: 'var', name: s.slice(i + 1, j), q }, next: j };
  }
  if (/[0-9?#@*$!-]/.test(c)) return { part: { t: 'var', name: c, q }, next: i + 2 };
  return undefined;
}

function lex(s: string): Tok[] {
  const toks: Tok[] = [];
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    if (c === '\\' && s[i + 1] === '\n') { i += 2; line++; continue; }
    if (c === '#') { while (i < s.length && s[i] !== '\n') i++; continue; }
    if (c === '\n') { toks.push({ k: 'op', v: '\n', line }); line++; i++; continue; }
    const two = s.slice(i, i + 2);
    const three = s.slice(i, i + 3);
    if (three === '&>>') { toks.push({ k: 'redir', v: '&>>', line }); i += 3; continue; }
    if (two === '&>') { toks.push({ k: 'redir', v: '&>', line }); i += 2; continue; }
    if (two === '&&' || two === '||' || two === ';;') { toks.push({ k: 'op', v: two, line }); i += 2; continue; }
    if (two === '<<') throw new SyntaxError_('unsupported', '<<', line);
    if (two === '>>' || two === '>&' || two === '<&' || two === '>|') { toks.push({ k: 'redir', v: two === '>|' ? '>' : two, line }); i += 2; continue; }
    if (c === '>' || c === '<') { toks.push({ k: 'redir', v: c, line }); i++; continue; }
    if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') { toks.push({ k: 'op', v: c, line }); i++; continue; }
    // A word.
    const parts: WordPart[] = [];
    let lit = '';
    let raw = '';
    let quoted = false;
    const flush = (q: boolean) => {
      if (lit || q) parts.push({ t: 'lit', v: lit, q });
      lit = '';
    };
    const start = i;
    while (i < s.length && !META.has(s[i]!)) {
      const ch = s[i]!;
      if (ch === '\\') {
        if (s[i + 1] === '\n') { i += 2; line++; continue; }
        flush(false);
        parts.push({ t: 'lit', v: s[i + 1] ?? '', q: true });
        quoted = true;
        i += 2;
      } else if (ch === "'") {
        const j = s.indexOf("'", i + 1);
        if (j < 0) throw new SyntaxError_('quote', "'", line);
        flush(false);
        parts.push({ t: 'lit', v: s.slice(i + 1, j), q: true });
        quoted = true;
        i = j + 1;
      } else if (ch === '"') {
        flush(false);
        quoted = true;
        i++;
        let dq = '';
        let any = false;
        const flushDq = () => { if (dq || !any) parts.push({ t: 'lit', v: dq, q: true }); dq = ''; any = true; };
        for (;;) {
          if (i >= s.length) throw new SyntaxError_('quote', '"', line);
          const d = s[i]!;
          if (d === '"') { i++; break; }
          if (d === '\\' && i + 1 < s.length && '$`"\\\n'.includes(s[i + 1]!)) {
            if (s[i + 1] !== '\n') dq += s[i + 1];
            i += 2;
            continue;
          }
          if (d === '$') {
            const x = lexDollar(s, i, true, line);
            if (x) { flushDq(); parts.push(x.part); i = x.next; continue; }
          }
          if (d === '`') {
            const j = s.indexOf('`', i + 1);
            if (j < 0) throw new SyntaxError_('quote', '`', line);
            flushDq();
            parts.push({ t: 'cmd', src: s.slice(i + 1, j), q: true });
            i = j + 1;
            continue;
          }
          if (d === '\n') line++;
          dq += d;
          i++;
        }
        if (dq || !parts.length || parts[parts.length - 1]!.t !== 'lit') parts.push({ t: 'lit', v: dq, q: true });
      } else if (ch === '$') {
        const x = lexDollar(s, i, false, line);
        if (x) { flush(false); parts.push(x.part); i = x.next; } else { lit += ch; i++; }
      } else if (ch === '`') {
        const j = s.indexOf('`', i + 1);
        if (j < 0) throw new SyntaxError_('quote', '`', line);
        flush(false);
        parts.push({ t: 'cmd', src: s.slice(i + 1, j), q: false });
        i = j + 1;
      } else {
        lit += ch;
        i++;
      }
    }
    flush(false);
    raw = s.slice(start, i);
    // "2>file", "2>&1": an all-digit word right before a redirection is its file descriptor.
    if (!quoted && /^[0-9]$/.test(raw) && (s[i] === '>' || s[i] === '<')) {
      const rest = s.slice(i, i + 2);
      const op = rest === '>>' || rest === '>&' || rest === '<&' ? rest : s[i]!;
      toks.push({ k: 'redir', v: op, fd: Number(raw), line });
      i += op.length;
      continue;
    }
    toks.push({ k: 'word', w: { parts, raw, quoted }, line });
  }
  toks.push({ k: 'eof', line });
  return toks;
}

// ---------------------------------------------------------------------------------------------
// Parser

interface Redir { op: string; fd?: number; target: Word }

type Node =
  | { k: 'simple'; assigns: Array<{ name: string; value: Word }>; words: Word[]; redirs: Redir[]; line: number; tail?: boolean }
  | { k: 'pipe'; cmds: Node[]; bang: boolean }
  | { k: 'andor'; first: Node; rest: Array<{ op: '&&' | '||'; node: Node }> }
  | { k: 'list'; items: Array<{ node: Node; bg: boolean }> }
  | { k: 'loop'; until: boolean; cond: Node; body: Node; redirs: Redir[] }
  | { k: 'for'; name: string; words?: Word[]; body: Node; redirs: Redir[] }
  | { k: 'if'; branches: Array<{ cond: Node; body: Node }>; otherwise?: Node; redirs: Redir[] }
  | { k: 'group'; body: Node; subshell: boolean; redirs: Redir[] };

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)=/;

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.i]!; }
  private next(): Tok { return this.toks[this.i++]!; }

  private isWord(t: Tok, w: string): boolean {
    return t.k === 'word' && !t.w.quoted && t.w.raw === w;
  }

  private isOp(t: Tok, v: string): boolean {
    return t.k === 'op' && t.v === v;
  }

  private tokText(t: Tok): string {
    return t.k === 'word' ? t.w.raw : t.k === 'op' ? (t.v === '\n' ? 'newline' : t.v) : t.k === 'redir' ? t.v : 'end of file';
  }

  private fail(t: Tok, expecting?: string): never {
    if (t.k === 'eof') throw new SyntaxError_('eof', 'end of file', t.line, expecting);
    throw new SyntaxError_('unexpected', this.tokText(t), t.line, expecting);
  }

  private skipNewlines(): void {
    while (this.isOp(this.peek(), '\n')) this.i++;
  }

  /** A compound command's body: at least one command (`do done` is a syntax error). */
  private body(stop: Set<string>): Node & { k: 'list' } {
    const list = this.parseList(stop);
    if (list.items.length === 0) { const t = this.peek(); this.fail(t, t.k === 'eof' ? [...stop][0] : undefined); }
    return list;
  }

  private expect(word: string): void {
    this.skipNewlines();
    const t = this.next();
    if (!this.isWord(t, word)) this.fail(t, word);
  }

  parseProgram(): Node {
    const list = this.parseList(new Set());
    const t = this.peek();
    if (t.k !== 'eof') this.fail(t);
    // The last command of a `-c` string is exec'd by ash, dash and bash: it becomes PID 1.
    if (list.k === 'list') {
      const last = list.items[list.items.length - 1];
      if (last && !last.bg && last.node.k === 'simple') last.node.tail = true;
    }
    return list;
  }

  parseList(stop: Set<string>): Node & { k: 'list' } {
    const items: Array<{ node: Node; bg: boolean }> = [];
    for (;;) {
      this.skipNewlines();
      const t = this.peek();
      if (t.k === 'eof' || this.isOp(t, ')') || (t.k === 'word' && !t.w.quoted && stop.has(t.w.raw))) break;
      const node = this.parseAndOr();
      const sep = this.peek();
      if (this.isOp(sep, ';') || this.isOp(sep, '\n')) { this.i++; items.push({ node, bg: false }); }
      else if (this.isOp(sep, '&')) { this.i++; items.push({ node, bg: true }); }
      else { items.push({ node, bg: false }); break; }
    }
    return { k: 'list', items };
  }

  private parseAndOr(): Node {
    const first = this.parsePipeline();
    const rest: Array<{ op: '&&' | '||'; node: Node }> = [];
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && (t.v === '&&' || t.v === '||')) {
        this.i++;
        this.skipNewlines();
        rest.push({ op: t.v, node: this.parsePipeline() });
      } else break;
    }
    return rest.length ? { k: 'andor', first, rest } : first;
  }

  private parsePipeline(): Node {
    let bang = false;
    if (this.isWord(this.peek(), '!')) { this.i++; bang = true; }
    const cmds = [this.parseCommand()];
    while (this.isOp(this.peek(), '|')) {
      this.i++;
      this.skipNewlines();
      cmds.push(this.parseCommand());
    }
    return cmds.length === 1 && !bang ? cmds[0]! : { k: 'pipe', cmds, bang };
  }

  private parseRedirs(): Redir[] {
    const out: Redir[] = [];
    while (this.peek().k === 'redir') out.push(this.parseRedir());
    return out;
  }

  private parseRedir(): Redir {
    const r = this.next() as Extract<Tok, { k: 'redir' }>;
    const target = this.next();
    if (target.k !== 'word') this.fail(target);
    return { op: r.v, ...(r.fd !== undefined ? { fd: r.fd } : {}), target: target.w };
  }

  private parseCommand(): Node {
    const t = this.peek();
    if (this.isOp(t, '(')) {
      this.i++;
      const body = this.parseList(new Set());
      const close = this.next();
      if (!this.isOp(close, ')')) this.fail(close, ')');
      return { k: 'group', body, subshell: true, redirs: this.parseRedirs() };
    }
    if (t.k === 'word' && !t.w.quoted) {
      switch (t.w.raw) {
        case 'while': case 'until': {
          this.i++;
          const cond = this.body(new Set(['do']));
          this.expect('do');
          const body = this.body(new Set(['done']));
          this.expect('done');
          return { k: 'loop', until: t.w.raw === 'until', cond, body, redirs: this.parseRedirs() };
        }
        case 'for': {
          this.i++;
          const name = this.next();
          if (name.k !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.w.raw)) this.fail(name);
          this.skipNewlines();
          let words: Word[] | undefined;
          if (this.isWord(this.peek(), 'in')) {
            this.i++;
            words = [];
            for (let w = this.peek(); w.k === 'word'; w = this.peek()) { words.push(w.w); this.i++; }
          }
          const sep = this.peek();
          if (this.isOp(sep, ';') || this.isOp(sep, '\n')) this.i++;
          this.expect('do');
          const body = this.body(new Set(['done']));
          this.expect('done');
          return { k: 'for', name: name.w.raw, ...(words ? { words } : {}), body, redirs: this.parseRedirs() };
        }
        case 'if': {
          this.i++;
          const branches: Array<{ cond: Node; body: Node }> = [];
          let otherwise: Node | undefined;
          for (;;) {
            const cond = this.body(new Set(['then']));
            this.expect('then');
            const body = this.body(new Set(['elif', 'else', 'fi']));
            branches.push({ cond, body });
            this.skipNewlines();
            const k = this.next();
            if (this.isWord(k, 'elif')) continue;
            if (this.isWord(k, 'else')) { otherwise = this.body(new Set(['fi'])); this.expect('fi'); break; }
            if (this.isWord(k, 'fi')) break;
            this.fail(k, 'fi');
          }
          return { k: 'if', branches, ...(otherwise ? { otherwise } : {}), redirs: this.parseRedirs() };
        }
        case '{': {
          this.i++;
          const body = this.body(new Set(['}']));
          this.expect('}');
          return { k: 'group', body, subshell: false, redirs: this.parseRedirs() };
        }
        case 'case': case 'esac':
          throw new SyntaxError_('unsupported', t.w.raw, t.line);
        case 'do': case 'done': case 'then': case 'elif': case 'else': case 'fi': case '}': case 'in':
          this.fail(t);
      }
    }
    return this.parseSimple();
  }

  private parseSimple(): Node {
    const line = this.peek().line;
    const assigns: Array<{ name: string; value: Word }> = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    for (;;) {
      const t = this.peek();
      if (t.k === 'redir') { redirs.push(this.parseRedir()); continue; }
      if (t.k !== 'word') break;
      const first = t.w.parts[0];
      const m = words.length === 0 && first?.t === 'lit' && !first.q ? ASSIGN.exec(first.v) : null;
      if (m && first?.t === 'lit') {
        const value: Word = { parts: [{ t: 'lit', v: first.v.slice(m[0].length), q: false }, ...t.w.parts.slice(1)], raw: t.w.raw.slice(m[0].length), quoted: t.w.quoted };
        assigns.push({ name: m[1]!, value });
      } else words.push(t.w);
      this.i++;
    }
    if (!assigns.length && !words.length && !redirs.length) this.fail(this.peek());
    return { k: 'simple', assigns, words, redirs, line };
  }
}

function parse(script: string): Node {
  return memo(PARSED, script, () => new Parser(lex(script)).parseProgram());
}

// ---------------------------------------------------------------------------------------------
// Timelines

/** A block repeated every period from `fromMs` on, forever: lines and file changes. */
interface Repeat {
  fromMs: number;
  periodMs: number;
  lines: Array<{ offsetMs: number; line: string }>;
  files: Array<{ offsetMs: number; path: string; exists: boolean }>;
}

interface Sink {
  lines: Array<{ atMs: number; line: string }>;
  partial: string;
  files: Array<{ atMs: number; path: string; exists: boolean }>;
}

const newSink = (): Sink => ({ lines: [], partial: '', files: [] });

/** Control flow: the process (or subshell) exits; it runs forever from here; break/continue; the budget ran out. */
class ExitSignal { constructor(readonly code: number) {} }
class HaltSignal { constructor(readonly repeat?: Repeat) {} }
class LoopSignal { constructor(readonly kind: 'break' | 'continue', public n: number) {} }
class BudgetSignal {}

type Target = { kind: 'log' } | { kind: 'null' } | { kind: 'capture'; buf: string[] } | { kind: 'file'; path: string };
/** Where a command writes, and what it reads on stdin (a pipe's previous output; else /dev/null). */
interface IO { out: Target; err: Target; stdin?: string }

interface FileEntry { content: string; dir?: boolean; unknown?: boolean }

/** Shared by a process and all its subshells and jobs. */
interface Shared {
  steps: number;
  ctx: ShellContext;
  /** Facts whose files a probe sees (exec probes), and the process time of its start. */
  facts?: ProcessFacts;
  factsAtMs: number;
  /** Programs started by the script (nginx as a child or exec'd), shifted to process time. */
  services: ContainerBehaviour[];
  /** PID 1 after an exec: the program's signal handling. */
  pid1?: ContainerBehaviour;
  jobs: Array<{ endMs: number; sink: Sink; repeat?: Repeat }>;
  /** A program that eats memory without end started then (`tail /dev/zero`). */
  memoryHogFromMs?: number;
}

/**
 * `tail /dev/zero`: /dev/zero has no newline, so tail's last "line" grows at the speed of reading
 * it, about 1 GiB a second, until the kernel OOM-kills the container at its memory limit (or the
 * node runs out). As a step function: +100 MiB every 100 ms for 2 s, then +1 GiB a second to 64 GiB.
 */
export function memoryHog(fromMs: number): Array<{ atMs: number; mib: number }> {
  const out: Array<{ atMs: number; mib: number }> = [];
  for (let i = 1; i <= 20; i++) out.push({ atMs: fromMs + i * 100, mib: i * 100 });
  for (let s = 3; s <= 64; s++) out.push({ atMs: fromMs + s * 1000, mib: s * 1024 });
  return out;
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

const STD_DIRS = ['/bin/', '/usr/bin/', '/sbin/', '/usr/sbin/', '/usr/local/bin/'];

/** The utility a path names (/bin/sleep is sleep), or undefined for a path outside the standard directories. */
function utilityName(cmd: string): string | undefined {
  if (!cmd.includes('/')) return cmd;
  return STD_DIRS.some((d) => cmd.startsWith(d) && !cmd.slice(d.length).includes('/')) ? basename(cmd) : undefined;
}

/** The utilities kubelife interprets (busybox applets and their coreutils counterparts). */
const UTILITIES = new Set([
  'sleep', 'touch', 'rm', 'mkdir', 'cat', 'ls', 'hostname', 'env', 'printenv', 'seq', 'expr', 'tail', 'date', 'uname', 'whoami', 'id',
  'yes', 'true', 'false', 'echo', 'printf', 'test', '[', 'kill', 'tee',
]);
/** Busybox applets that talk to the network. */
const BUSYBOX_NET = new Set(['nslookup', 'wget', 'nc', 'ping']);
/** Tools answered from the container's own ports when they ask localhost (exec probes). */
const TOOLS = new Set(['nslookup', 'wget', 'nc', 'ping', 'curl', 'dig', 'redis-cli', 'pg_isready', 'psql']);

function parseSleepSeconds(arg: string): number | undefined {
  if (/^inf(inity)?$/i.test(arg)) return Infinity;
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

const ARITH_LEVELS: readonly string[][] = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];

function arithApply(op: string, a: number, b: number): number {
  switch (op) {
    case '||': return +(a !== 0 || b !== 0);
    case '&&': return +(a !== 0 && b !== 0);
    case '==': return +(a === b);
    case '!=': return +(a !== b);
    case '<': return +(a < b);
    case '>': return +(a > b);
    case '<=': return +(a <= b);
    case '>=': return +(a >= b);
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? 0 : Math.trunc(a / b);
    case '%': return b === 0 ? 0 : a % b;
  }
  return 0;
}

function arithNum(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}

/** A precedence-climbing evaluator over tokens; names read variables (unset: 0). */
class Arith {
  private i = 0;
  constructor(private readonly toks: string[], private readonly get: (name: string) => string) {}

  level(l: number): number {
    if (l >= ARITH_LEVELS.length) return this.unary();
    let a = this.level(l + 1);
    while (this.i < this.toks.length && ARITH_LEVELS[l]!.includes(this.toks[this.i]!)) {
      const op = this.toks[this.i++]!;
      a = arithApply(op, a, this.level(l + 1));
    }
    return a;
  }

  private unary(): number {
    const t = this.toks[this.i++];
    if (t === undefined) return 0;
    if (t === '-') return -this.unary();
    if (t === '+') return this.unary();
    if (t === '!') return +(this.unary() === 0);
    if (t === '(') { const v = this.level(0); if (this.toks[this.i] === ')') this.i++; return v; }
    if (/^\d/.test(t)) return arithNum(t);
    return arithNum(this.get(t.startsWith('$') ? t.slice(1) : t));
  }
}

/** Integer arithmetic as $(( )) does it: + - * / % comparisons && || ! and parentheses; names read variables. */
function arith(src: string, get: (name: string) => string): number {
  const toks = src.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|&&|\|\||[<>=!]=|[-+*/%()<>!]/g) ?? [];
  return Math.trunc(new Arith(toks, get).level(0)) | 0;
}

/** Parsed scripts and words by source text: parsing is pure, and loops re-run the same text. */
const PARSED = new Map<string, Node>();
const WORDS = new Map<string, Word | null>();
const MEMO_LIMIT = 512;

function memo<V>(cache: Map<string, V>, key: string, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined || cache.has(key)) return hit as V;
  const v = make();
  if (cache.size >= MEMO_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, v);
  return v;
}

/** One interpreter: a process's shell, or a subshell / job / command substitution forked from it. */
class Sh {
  t: number;
  status = 0;
  errexit = false;
  xtrace = false;
  /** This shell is the container's PID 1 (not a subshell, a job or a child shell). */
  isPid1 = false;
  /** The status of the last command substitution in the command being expanded. */
  private subStatus: number | undefined;
  private condDepth = 0;
  private loopDepth = 0;

  constructor(
    readonly shared: Shared,
    public sink: Sink,
    public vars: Map<string, string>,
    public fs: Map<string, FileEntry | null>,
    public positional: string[],
    readonly arg0: string,
    readonly flavour: ShellFlavour,
    readonly script: string,
    startMs: number,
  ) {
    this.t = startMs;
  }

  private get ctx(): ShellContext { return this.shared.ctx; }

  fork(opts: { sink?: Sink; copyFs?: boolean } = {}): Sh {
    const c = new Sh(this.shared, opts.sink ?? this.sink, new Map(this.vars), opts.copyFs ? new Map(this.fs) : this.fs, [...this.positional], this.arg0, this.flavour, this.script, this.t);
    c.status = this.status;
    c.errexit = this.errexit;
    c.xtrace = this.xtrace;
    return c;
  }

  // --- budget, output, files -----------------------------------------------------------------

  private step(): void {
    if (++this.shared.steps > MAX_STEPS || this.sink.lines.length > MAX_LINES) throw new BudgetSignal();
  }

  private write(target: Target, text: string): void {
    if (!text) return;
    switch (target.kind) {
      case 'null': return;
      case 'capture': target.buf.push(text); return;
      case 'file': {
        const cur = this.lookup(target.path);
        this.setFile(target.path, { content: (cur && !cur.dir ? cur.content : '') + text });
        return;
      }
      case 'log': {
        const parts = (this.sink.partial + text).split('\n');
        this.sink.partial = parts.pop()!;
        for (const line of parts) this.sink.lines.push({ atMs: this.t, line });
      }
    }
  }

  /** The file at `path` now: local changes, then the image's files, mounts, then a probe's view of the process. */
  lookup(path: string): FileEntry | undefined {
    const local = this.fs.get(path);
    if (local !== undefined) return local ?? undefined;
    const files = this.ctx.files ?? {};
    const f = files[path];
    // A path with known files under it is a directory (/etc/nginx, the service account directory).
    const isDir = path === '/' || path === '/tmp' || path === '/etc' || Object.keys(files).some((k) => k.startsWith(path.endsWith('/') ? path : path + '/'));
    if (isDir) return { content: '', dir: true };
    if (f !== undefined) return { content: f };
    if (path === '/dev/null') return { content: '' };
    for (const m of this.ctx.mounts ?? []) {
      const root = m.endsWith('/') ? m.slice(0, -1) : m;
      if (path === root) return { content: '', dir: true };
      if (path.startsWith(root + '/')) return { content: '', unknown: true };
    }
    if (this.shared.facts && fileExists(this.shared.facts, path, this.shared.factsAtMs + this.t)) return { content: '' };
    return undefined;
  }

  private setFile(path: string, entry: FileEntry | null): void {
    const existed = this.lookup(path) !== undefined;
    this.fs.set(path, entry);
    if (existed !== (entry !== null)) this.sink.files.push({ atMs: this.t, path, exists: entry !== null });
  }

  private sleep(ms: number): void {
    if (ms === Infinity) throw new HaltSignal();
    this.t += Math.max(0, Math.round(ms));
  }

  // --- variables and expansion ---------------------------------------------------------------

  getVar(name: string): string | undefined {
    if (/^[0-9]$/.test(name)) return name === '0' ? this.arg0 : this.positional[Number(name) - 1];
    switch (name) {
      case '?': return String(this.status);
      case '#': return String(this.positional.length);
      case '@': case '*': return this.positional.join(' ');
      case '$': return '1';
      case '!': return this.shared.jobs.length ? String(this.shared.jobs.length + 1) : '';
      case '-': return `${this.errexit ? 'e' : ''}${this.xtrace ? 'x' : ''}`;
    }
    return this.vars.get(name);
  }

  private expandPart(p: WordPart): string | string[] {
    switch (p.t) {
      case 'lit': return p.v;
      case 'arith': return String(arith(this.expandString(p.src), (n) => this.getVar(n) ?? ''));
      case 'cmd': return this.substitute(p.src);
      case 'var': {
        if (p.name === '@' && p.q) return [...this.positional];
        const v = this.getVar(p.name);
        if (p.op === 'len') return String((v ?? '').length);
        if (!p.op) return v ?? '';
        const unsetOrEmpty = p.op.startsWith(':') ? !v : v === undefined;
        const op = p.op.replace(':', '');
        const arg = () => this.expandString(p.arg ?? '');
        if (op === '-') return unsetOrEmpty ? arg() : v!;
        if (op === '=') { if (unsetOrEmpty) { const a = arg(); this.vars.set(p.name, a); return a; } return v!; }
        if (op === '+') return unsetOrEmpty ? '' : arg();
        if (op === '?') { if (unsetOrEmpty) { this.write({ kind: 'log' }, `${this.arg0}: ${p.name}: ${arg() || 'parameter not set'}\n`); throw new ExitSignal(this.flavour === 'bash' ? 1 : 2); } return v!; }
        return v ?? '';
      }
    }
  }

  /** Expands a string as if double-quoted (defaults in ${X:-…}, arithmetic). */
  private expandString(s: string): string {
    if (!/[$`]/.test(s)) return s;
    const w = memo(WORDS, s, () => {
      try {
        const t = lex(`"${s.replace(/(["\\])/g, '\\$1')}"`)[0];
        return t?.k === 'word' ? t.w : null;
      } catch {
        return null;
      }
    });
    return w ? this.expandWord(w).join(' ') : s;
  }

  /** Word expansion with field splitting of unquoted results; "" stays one empty field. */
  expandWord(w: Word): string[] {
    const fields: string[] = [];
    let cur = '';
    let has = false;
    for (const p of w.parts) {
      const v = this.expandPart(p);
      if (Array.isArray(v)) {
        v.forEach((x, k) => { if (k > 0) { fields.push(cur); cur = ''; } cur += x; has = true; });
        continue;
      }
      if (p.q || p.t === 'lit') { cur += v; has = has || p.q || v !== ''; continue; }
      v.split(/[ \t\n]+/).forEach((piece, k) => {
        if (k > 0 && has) { fields.push(cur); cur = ''; has = false; }
        if (piece) { cur += piece; has = true; }
      });
    }
    if (has) fields.push(cur);
    return fields;
  }

  private expandOne(w: Word): string {
    return this.expandWord(w).join(' ');
  }

  /** $(…): runs in a subshell; its standard output, trailing newlines removed, is the value. */
  private substitute(src: string): string {
    const buf: string[] = [];
    const sub = this.fork();
    try {
      sub.runList(parse(src), { out: { kind: 'capture', buf }, err: { kind: 'log' } });
    } catch (e) {
      if (e instanceof ExitSignal) sub.status = e.code;
      else if (e instanceof SyntaxError_) sub.status = 2;
      else throw e;
    }
    this.t = sub.t;
    this.subStatus = sub.status;
    return buf.join('').replace(/\n+$/, '');
  }

  // --- execution --------------------------------------------------------------------------------

  runList(node: Node, io: IO): number {
    if (node.k !== 'list') return this.exec(node, io);
    for (const { node: n, bg } of node.items) {
      if (bg) { this.background(n, io); continue; }
      this.exec(n, io);
      if (this.errexit && this.status !== 0 && this.condDepth === 0 && n.k !== 'andor' && !(n.k === 'pipe' && n.bang)) throw new ExitSignal(this.status);
    }
    return this.status;
  }

  private cond(node: Node, io: IO): number {
    this.condDepth++;
    try { return this.runList(node, io); } finally { this.condDepth--; }
  }

  exec(node: Node, io: IO): number {
    this.step();
    switch (node.k) {
      case 'list': return this.runList(node, io);
      case 'simple': return (this.status = this.simple(node, io));
      case 'pipe': {
        // One after the other: each one's output is the next one's stdin (cat, tee read it).
        let stdin: string | undefined = io.stdin;
        node.cmds.forEach((c, k) => {
          if (k === node.cmds.length - 1) { this.exec(c, { ...io, ...(stdin !== undefined ? { stdin } : {}) }); return; }
          const buf: string[] = [];
          this.exec(c, { out: { kind: 'capture', buf }, err: io.err, ...(stdin !== undefined ? { stdin } : {}) });
          stdin = buf.join('');
        });
        if (node.bang) this.status = this.status === 0 ? 1 : 0;
        return this.status;
      }
      case 'andor': {
        // set -e ignores failures inside an && / || list, except of its last command.
        let lastRan = false;
        this.condDepth++;
        try {
          this.exec(node.first, io);
          node.rest.forEach(({ op, node: n }, k) => {
            lastRan = false;
            if ((op === '&&') === (this.status === 0)) { this.exec(n, io); lastRan = k === node.rest.length - 1; }
          });
        } finally { this.condDepth--; }
        if (this.errexit && lastRan && this.status !== 0 && this.condDepth === 0) throw new ExitSignal(this.status);
        return this.status;
      }
      case 'group': {
        const rio = this.redirect(node.redirs, io);
        if (!rio) return (this.status = 1);
        if (!node.subshell) return this.runList(node.body, rio);
        const sub = this.fork();
        try { sub.runList(node.body, rio); } catch (e) { if (e instanceof ExitSignal) sub.status = e.code; else throw e; }
        this.t = sub.t;
        return (this.status = sub.status);
      }
      case 'if': {
        const rio = this.redirect(node.redirs, io);
        if (!rio) return (this.status = 1);
        for (const b of node.branches) {
          if (this.cond(b.cond, rio) === 0) return this.runList(b.body, rio);
        }
        if (node.otherwise) return this.runList(node.otherwise, rio);
        return (this.status = 0);
      }
      case 'for': {
        const rio = this.redirect(node.redirs, io);
        if (!rio) return (this.status = 1);
        const items = node.words ? node.words.flatMap((w) => this.expandWord(w)) : [...this.positional];
        this.status = 0;
        this.loopDepth++;
        try {
          for (const it of items) {
            this.vars.set(node.name, it);
            try { this.runList(node.body, rio); } catch (e) {
              if (!(e instanceof LoopSignal)) throw e;
              if (e.n > 1) { e.n--; throw e; }
              if (e.kind === 'break') break;
            }
          }
        } finally { this.loopDepth--; }
        return this.status;
      }
      case 'loop': {
        const rio = this.redirect(node.redirs, io);
        if (!rio) return (this.status = 1);
        return this.loop(node, rio);
      }
    }
  }

  /** A fingerprint of everything that decides what the next pass of a loop does. */
  private snapshot(): string {
    // Insertion order is deterministic; two equal states reached in different orders only delay detection.
    let out = `${this.status}\u0001${this.sink.partial}\u0001${this.positional.join('\u0002')}\u0001${this.shared.jobs.length}\u0001`;
    for (const [k, v] of this.vars) out += `${k}=${v}\u0002`;
    out += '\u0001';
    for (const [k, v] of this.fs) out += `${k}=${v === null ? '\u0003' : `${v.dir ? 'd' : ''}${v.unknown ? 'u' : ''}:${v.content}`}\u0002`;
    return out;
  }

  /**
   * while/until. Each pass starts from a state; when a pass starts in the same state as a recent
   * one (nothing reads the clock), everything from there repeats with the same period: the loop
   * never ends and its output becomes a repeated block. A pass that takes no time spins forever.
   */
  private loop(node: Extract<Node, { k: 'loop' }>, io: IO): number {
    const history: Array<{ snap: string; t: number; line: number; file: number }> = [];
    let lastPass: { t: number; line: number; file: number; endT: number; endLine: number; endFile: number } | undefined;
    this.loopDepth++;
    try {
      for (;;) {
        const snap = this.snapshot();
        const here = { snap, t: this.t, line: this.sink.lines.length, file: this.sink.files.length };
        const seen = history.find((h) => h.snap === snap);
        if (seen) {
          const periodMs = this.t - seen.t;
          if (periodMs <= 0) throw new HaltSignal();
          throw new HaltSignal(this.repeatOf(seen, periodMs));
        }
        history.push(here);
        if (history.length > 8) history.shift();
        let ok: boolean;
        try {
          ok = (this.cond(node.cond, io) === 0) !== node.until;
          if (!ok) break;
          try { this.runList(node.body, io); } catch (e) {
            if (!(e instanceof LoopSignal)) throw e;
            if (e.n > 1) { e.n--; throw e; }
            if (e.kind === 'break') break;
          }
        } catch (e) {
          // Out of budget: the last full pass repeats (an approximation, documented).
          if (e instanceof BudgetSignal && lastPass && lastPass.endT > lastPass.t) {
            this.sink.lines.length = Math.min(this.sink.lines.length, lastPass.endLine);
            this.sink.files.length = Math.min(this.sink.files.length, lastPass.endFile);
            this.t = lastPass.endT;
            throw new HaltSignal(this.repeatOf({ t: lastPass.t, line: lastPass.line, file: lastPass.file }, lastPass.endT - lastPass.t));
          }
          if (e instanceof BudgetSignal) throw new HaltSignal();
          throw e;
        }
        lastPass = { t: here.t, line: here.line, file: here.file, endT: this.t, endLine: this.sink.lines.length, endFile: this.sink.files.length };
      }
    } finally { this.loopDepth--; }
    return (this.status = 0);
  }

  /** The block written since `from` (one period), repeated from now on. */
  private repeatOf(from: { t: number; line: number; file: number }, periodMs: number): Repeat {
    return {
      fromMs: from.t + periodMs,
      periodMs,
      lines: this.sink.lines.slice(from.line).map((l) => ({ offsetMs: l.atMs - from.t, line: l.line })),
      files: this.sink.files.slice(from.file).map((f) => ({ offsetMs: f.atMs - from.t, path: f.path, exists: f.exists })),
    };
  }

  /** `cmd &`: runs on its own from now (its output and files apart); `wait` joins it. */
  private background(node: Node, io: IO): void {
    this.status = 0;
    if (this.shared.jobs.length >= MAX_JOBS) return;
    const sink = newSink();
    const job = this.fork({ sink, copyFs: true });
    const entry: Shared['jobs'][number] = { endMs: Infinity, sink };
    try {
      job.runList(node, { out: io.out.kind === 'log' ? { kind: 'log' } : io.out, err: io.err.kind === 'log' ? { kind: 'log' } : io.err });
      entry.endMs = job.t;
    } catch (e) {
      if (e instanceof ExitSignal) entry.endMs = job.t;
      else if (e instanceof HaltSignal) { if (e.repeat) entry.repeat = e.repeat; }
      else if (e instanceof BudgetSignal) { /* runs on, silently */ }
      else if (!(e instanceof LoopSignal)) throw e;
    }
    this.shared.jobs.push(entry);
  }

  /** Applies redirections; undefined (after an error message) when one fails. */
  private redirect(redirs: Redir[], io: IO): IO | undefined {
    let out = io.out;
    let err = io.err;
    for (const r of redirs) {
      const target = this.expandOne(r.target);
      const fd = r.fd ?? (r.op.startsWith('<') ? 0 : 1);
      if (r.op === '<' || r.op === '<&') {
        if (r.op === '<' && !this.lookup(target)) {
          this.write(io.err, this.flavour === 'bash' ? `${this.arg0}: line 1: ${target}: No such file or directory\n` : `${this.arg0}: can't open ${target}: no such file\n`);
          return undefined;
        }
        continue;
      }
      let to: Target;
      if (r.op === '>&') {
        if (target === '1') to = out;
        else if (target === '2') to = err;
        else if (target === '-') to = { kind: 'null' };
        else to = this.fileTarget(target, false);
      } else if (target === '/dev/null') to = { kind: 'null' };
      else if (target === '/dev/stdout') to = io.out;
      else if (target === '/dev/stderr') to = io.err;
      else to = this.fileTarget(target, r.op === '>>' || r.op === '&>>');
      if (r.op === '&>' || r.op === '&>>') { out = to; err = to; }
      else if (fd === 1) out = to;
      else if (fd === 2) err = to;
    }
    return { ...io, out, err };
  }

  private fileTarget(path: string, append: boolean): Target {
    const cur = this.lookup(path);
    if (!append || !cur) this.setFile(path, { content: '' });
    return { kind: 'file', path };
  }

  private notFound(cmd: string, line: number, io: IO): number {
    const msg = this.flavour === 'ash' ? `${this.arg0}: ${cmd}: not found`
      : this.flavour === 'dash' ? `${this.arg0}: ${line}: ${cmd}: not found`
        : `${this.arg0}: line ${line}: ${cmd}: command not found`;
    this.write(io.err, msg + '\n');
    return 127;
  }

  private simple(node: Extract<Node, { k: 'simple' }>, io: IO): number {
    const prevStatus = this.status;
    this.subStatus = undefined;
    const argv = node.words.flatMap((w) => this.expandWord(w));
    const assigns = node.assigns.map((a) => [a.name, this.expandOne(a.value)] as const);
    const rio = this.redirect(node.redirs, io);
    if (!rio) return 1;
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.vars.set(k, v);
      // A bare assignment's status is that of its last command substitution.
      return this.subStatus ?? 0;
    }
    if (this.xtrace) this.write(rio.err, `+ ${[...assigns.map(([k, v]) => `${k}=${v}`), ...argv].join(' ')}\n`);
    const saved = assigns.map(([k]) => [k, this.vars.get(k)] as const);
    for (const [k, v] of assigns) this.vars.set(k, v);
    try {
      return this.command(argv, rio, { line: node.line, tail: node.tail === true && this.loopDepth === 0, prevStatus });
    } finally {
      for (const [k, v] of saved) if (v === undefined) this.vars.delete(k); else this.vars.set(k, v);
    }
  }

  /**
   * Runs one command: shell builtins (not for a direct argv: the runtime execs a file), then the
   * image's programs, shells and utilities; else not found. `tail` marks the last command of a
   * `-c` string, which the shell execs: if this shell is PID 1, that command becomes PID 1.
   */
  command(argv: string[], io: IO, o: { line: number; tail: boolean; prevStatus: number; direct?: boolean; exec?: boolean }): number {
    const [cmd, ...args] = argv as [string, ...string[]];
    const becomesPid1 = o.direct === true || (o.tail && this.isPid1);
    if (!o.direct) {
      switch (cmd) {
        case ':': case 'true': return 0;
        case 'false': return 1;
        case 'exit': {
          const n = args[0] === undefined ? o.prevStatus : Number.parseInt(args[0], 10);
          throw new ExitSignal(Number.isFinite(n) ? ((n % 256) + 256) % 256 : 2);
        }
        case 'echo': return this.echo(args, io);
        case 'printf': return this.printf(args, io);
        case 'test': case '[': return this.test(cmd, args, io);
        case 'cd': case 'trap': case 'umask': case 'ulimit': case 'hash': case 'type': return 0;
        case 'export': case 'readonly': case 'local':
          for (const a of args) { const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a); if (m) this.vars.set(m[1]!, m[2]!); }
          return 0;
        case 'unset': for (const a of args) this.vars.delete(a); return 0;
        case 'set': {
          for (const [k, a] of args.entries()) {
            if (a === '--') { this.positional = args.slice(k + 1); break; }
            if (/^[-+][a-z]+$/.test(a)) {
              const on = a[0] === '-';
              if (a.includes('e')) this.errexit = on;
              if (a.includes('x')) this.xtrace = on;
            }
          }
          return 0;
        }
        case 'shift': { const n = Number(args[0] ?? 1); if (n > this.positional.length) return 1; this.positional = this.positional.slice(n); return 0; }
        case 'read': return 1; // stdin is /dev/null
        case 'wait': {
          const ends = this.shared.jobs.map((j) => j.endMs);
          if (ends.some((e) => e === Infinity)) throw new HaltSignal();
          this.t = Math.max(this.t, ...ends);
          return 0;
        }
        case 'break': case 'continue':
          if (this.loopDepth === 0) return 0;
          throw new LoopSignal(cmd, Math.max(1, Number.parseInt(args[0] ?? '1', 10) || 1));
        case 'eval': {
          try { return this.runList(parse(args.join(' ')), io); } catch (e) {
            if (e instanceof SyntaxError_) { this.write(io.err, this.syntaxMessage(e) + '\n'); return 2; }
            throw e;
          }
        }
        case 'exec': {
          if (args.length === 0) return 0;
          // The shell is replaced: whatever the command does, the shell does not go on.
          throw new ExitSignal(this.command(args, io, { ...o, tail: true, exec: true }));
        }
      }
    }
    const program = this.ctx.program?.(argv);
    if (program) return this.runProgram(program, io, becomesPid1, o.exec === true);
    const shellFlavour = (this.ctx.shells ?? BUSYBOX_SHELLS)[cmd];
    if (shellFlavour) return this.subShell(cmd, shellFlavour, args, io, becomesPid1);
    const util = utilityName(cmd);
    const utilities = this.ctx.utilities ?? 'busybox';
    if (util && utilities !== 'none' && UTILITIES.has(util)) return this.utility(util, args, io, o);
    if (util && TOOLS.has(util) && this.hasTool(util)) return this.tool(util, args, io);
    // A program from a volume the pod mounts: kubelife does not know what it does; it runs on.
    if (this.lookup(cmd)?.unknown) throw new HaltSignal();
    if (o.direct) throw new StartError(cmd);
    if (this.ctx.unknownImage) throw new HaltSignal();
    if (o.exec) {
      const where = this.flavour === 'ash' ? '' : this.flavour === 'dash' ? `${o.line}: ` : `line ${o.line}: `;
      this.write(io.err, `${this.arg0}: ${where}exec: ${cmd}: not found\n`);
      return 127;
    }
    return this.notFound(cmd, o.line, io);
  }

  /** A program from the image: its output and services join the process; it returns when it exits, or never. */
  private runProgram(b: ContainerBehaviour, io: IO, becomesPid1: boolean, exec: boolean): number {
    const start = this.t;
    const end = b.exitAfterMs === undefined ? Infinity : start + b.exitAfterMs;
    this.shared.services.push(shiftFacts(b, start, end));
    if (becomesPid1) this.shared.pid1 = b;
    const plan = outputOf(b);
    const emit = (atMs: number, line: string) => {
      if (io.out.kind === 'log') this.sink.lines.push({ atMs, line });
      else { this.t = atMs; this.write(io.out, line + '\n'); }
    };
    for (const l of plan?.lines ?? []) if (start + l.atMs <= end) emit(start + l.atMs, l.line);
    if (end === Infinity) {
      const r = plan?.repeat;
      throw new HaltSignal(r && io.out.kind === 'log' ? { fromMs: start + r.fromMs, periodMs: r.periodMs, lines: r.lines, files: [] } : undefined);
    }
    if (plan?.repeat) {
      const r = plan.repeat;
      for (let k = 0; r.times === undefined || k < r.times; k++) {
        const base = start + r.fromMs + k * r.periodMs;
        if (base > end || r.periodMs <= 0) break;
        for (const l of r.lines) if (base + l.offsetMs <= end) emit(base + l.offsetMs, l.line);
      }
    }
    this.t = end;
    const code = b.exitCode ?? 0;
    if (becomesPid1 || exec) throw new ExitSignal(code);
    return code;
  }

  /** `sh -c 'script' [arg0 args…]`, `sh file`, or a bare `sh` (reads stdin). */
  private subShell(name: string, flavour: ShellFlavour, args: string[], io: IO, pid1: boolean): number {
    let script: string | undefined;
    let errexit = false;
    let xtrace = false;
    let k = 0;
    let wantsC = false;
    for (; k < args.length; k++) {
      const a = args[k]!;
      if (a === '--') { k++; break; }
      if (/^-[a-zA-Z]+$/.test(a)) {
        if (a.includes('c')) wantsC = true;
        if (a.includes('e')) errexit = true;
        if (a.includes('x')) xtrace = true;
        continue;
      }
      if (a === '--login' || a === '--norc' || a === '--noprofile' || a === '-l') continue;
      break;
    }
    const rest = args.slice(k);
    if (wantsC) {
      script = rest.shift();
      if (script === undefined) {
        this.write(io.err, flavour === 'bash' ? `${name}: -c: option requires an argument\n` : `${name}: -c requires an argument\n`);
        return 2;
      }
    } else if (rest.length) {
      const file = rest[0]!;
      const f = this.lookup(file);
      if (f?.unknown) throw new HaltSignal();
      if (!f || f.dir) {
        this.write(io.err, flavour === 'ash' ? `${name}: can't open '${file}': No such file or directory\n`
          : flavour === 'dash' ? `${name}: 0: cannot open ${file}: No such file\n` : `${name}: ${file}: No such file or directory\n`);
        return flavour === 'bash' ? 127 : 2;
      }
      script = f.content;
      rest.shift();
    } else {
      // An interactive shell reads stdin: /dev/null (it ends at once) unless the pod keeps it open.
      if (this.ctx.stdinOpen) throw new HaltSignal();
      return 0;
    }
    const arg0 = wantsC && rest.length ? rest.shift()! : name;
    const child = new Sh(this.shared, this.sink, new Map(this.vars), this.fs, rest, arg0, flavour, script, this.t);
    child.isPid1 = pid1;
    child.errexit = errexit;
    child.xtrace = xtrace;
    const code = child.runScript(io);
    this.t = child.t;
    return code;
  }

  /** Runs this shell's script to its end; the status it exits with (Halt propagates). */
  runScript(io: IO): number {
    let node: Node;
    try {
      node = parse(this.script);
    } catch (e) {
      if (!(e instanceof SyntaxError_)) throw e;
      this.write(io.err, this.syntaxMessage(e) + '\n');
      return 2;
    }
    try {
      this.runList(node, io);
      return this.status;
    } catch (e) {
      if (e instanceof ExitSignal) return e.code;
      if (e instanceof LoopSignal) return this.status;
      if (e instanceof SyntaxError_) { this.write(io.err, this.syntaxMessage(e) + '\n'); return 2; }
      throw e;
    }
  }

  syntaxMessage(e: SyntaxError_): string {
    const a = this.arg0;
    if (e.kind === 'unsupported') return `${a}: kubelife: unsupported shell syntax "${e.token}"`;
    if (this.flavour === 'ash') {
      if (e.kind === 'quote') return `${a}: syntax error: unterminated quoted string`;
      if (e.kind === 'eof') return `${a}: syntax error: unexpected end of file${e.expecting ? ` (expecting "${e.expecting}")` : ''}`;
      return `${a}: syntax error: unexpected "${e.token}"${e.expecting ? ` (expecting "${e.expecting}")` : ''}`;
    }
    if (this.flavour === 'dash') {
      if (e.kind === 'quote') return `${a}: ${e.line}: Syntax error: Unterminated quoted string`;
      if (e.kind === 'eof') return `${a}: ${e.line}: Syntax error: end of file unexpected${e.expecting ? ` (expecting "${e.expecting}")` : ''}`;
      return `${a}: ${e.line}: Syntax error: "${e.token}" unexpected${e.expecting ? ` (expecting "${e.expecting}")` : ''}`;
    }
    if (e.kind === 'quote') return `${a}: -c: line ${e.line}: unexpected EOF while looking for matching \`${e.token}'`;
    if (e.kind === 'eof') return `${a}: -c: line ${e.line}: syntax error: unexpected end of file`;
    return `${a}: -c: line ${e.line}: syntax error near unexpected token \`${e.token}'`;
  }

  // --- builtins and utilities ------------------------------------------------------------------

  private echo(args: string[], io: IO): number {
    let newline = true;
    let escapes = this.flavour === 'dash';
    let k = 0;
    if (this.flavour !== 'dash') {
      for (; k < args.length && /^-[neE]+$/.test(args[k]!); k++) {
        if (args[k]!.includes('n')) newline = false;
        if (args[k]!.includes('e')) escapes = true;
        if (args[k]!.includes('E')) escapes = false;
      }
    } else if (args[0] === '-n') { newline = false; k = 1; }
    let text = args.slice(k).join(' ');
    if (escapes) {
      const cut = text.indexOf('\\c');
      if (cut >= 0) { text = text.slice(0, cut); newline = false; }
      text = unescape(text);
    }
    this.write(io.out, text + (newline ? '\n' : ''));
    return 0;
  }

  private printf(args: string[], io: IO): number {
    const [fmt, ...rest] = args;
    if (fmt === undefined) { this.write(io.err, 'printf: usage: printf format [arguments]\n'); return 2; }
    let out = '';
    let k = 0;
    do {
      out += unescape(fmt).replace(/%([-0-9.]*)([sdicxXo%])/g, (_m, _w: string, c: string) => {
        if (c === '%') return '%';
        const a = rest[k++] ?? '';
        if (c === 's') return a;
        if (c === 'c') return a.slice(0, 1);
        const n = Number.parseInt(a || '0', 10) || 0;
        return c === 'x' ? n.toString(16) : c === 'X' ? n.toString(16).toUpperCase() : c === 'o' ? n.toString(8) : String(n);
      });
    } while (k < rest.length && /%[-0-9.]*[sdicxXo]/.test(fmt));
    this.write(io.out, out);
    return 0;
  }

  private test(cmd: string, args: string[], io: IO): number {
    let a = args;
    if (cmd === '[') {
      if (a[a.length - 1] !== ']') { this.write(io.err, `${this.arg0}: [: missing ]\n`); return 2; }
      a = a.slice(0, -1);
    }
    let i = 0;
    const bad = (): never => { throw new ExitSignal(-1); };
    const primary = (): boolean => {
      const x = a[i++];
      if (x === undefined) return false;
      if (x === '!') return !primary();
      if (x === '(') { const v = or(); i++; return v; }
      const op = a[i];
      if (op !== undefined && ['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge'].includes(op) && a[i + 1] !== undefined) {
        i++;
        const y = a[i++]!;
        const nx = Number.parseInt(x, 10);
        const ny = Number.parseInt(y, 10);
        if (op.startsWith('-') && (!/^\s*-?\d+\s*$/.test(x) || !/^\s*-?\d+\s*$/.test(y))) bad();
        switch (op) {
          case '=': case '==': return x === y;
          case '!=': return x !== y;
          case '-eq': return nx === ny;
          case '-ne': return nx !== ny;
          case '-lt': return nx < ny;
          case '-le': return nx <= ny;
          case '-gt': return nx > ny;
          default: return nx >= ny;
        }
      }
      if (/^-[a-zA-Z]$/.test(x) && a[i] !== undefined) {
        const y = a[i++]!;
        const f = this.lookup(y);
        switch (x) {
          case '-z': return y === '';
          case '-n': return y !== '';
          case '-e': case '-r': case '-w': case '-x': return f !== undefined;
          case '-f': return f !== undefined && !f.dir;
          case '-d': return f?.dir === true;
          case '-s': return f !== undefined && (f.content !== '' || f.unknown === true);
          case '-L': case '-h': case '-p': case '-S': case '-b': case '-c': return false;
          default: return bad();
        }
      }
      return x !== '';
    };
    const and = (): boolean => { let v = primary(); while (a[i] === '-a') { i++; const w = primary(); v = v && w; } return v; };
    const or = (): boolean => { let v = and(); while (a[i] === '-o') { i++; const w = and(); v = v || w; } return v; };
    try {
      if (a.length === 0) return 1;
      const v = or();
      return v ? 0 : 1;
    } catch (e) {
      if (e instanceof ExitSignal && e.code === -1) { this.write(io.err, `${this.arg0}: ${cmd}: syntax error\n`); return 2; }
      throw e;
    }
  }

  private utility(name: string, args: string[], io: IO, o: { line: number; tail: boolean; prevStatus: number }): number {
    const busybox = (this.ctx.utilities ?? 'busybox') === 'busybox';
    const operands = args.filter((a) => !/^-[a-zA-Z]+$/.test(a));
    const flags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
    switch (name) {
      case 'true': return 0;
      case 'false': return 1;
      case 'echo': return this.echo(args, io);
      case 'printf': return this.printf(args, io);
      case 'test': case '[': return this.test(name, args, io);
      case 'kill': return 0;
      case 'sleep': {
        if (args.length === 0) { this.write(io.err, busybox ? 'sleep: applet requires an argument\n' : 'sleep: missing operand\n'); return 1; }
        let total = 0;
        for (const a of args) {
          const s = parseSleepSeconds(a);
          if (s === undefined) { this.write(io.err, busybox ? `sleep: invalid number '${a}'\n` : `sleep: invalid time interval '${a}'\n`); return 1; }
          total += s;
        }
        this.sleep(total * 1000);
        return 0;
      }
      case 'touch':
        for (const f of operands) if (!this.lookup(f)) this.setFile(f, { content: '' });
        return 0;
      case 'mkdir':
        for (const f of operands) {
          if (this.lookup(f)) { if (!flags.includes('p')) { this.write(io.err, `mkdir: can't create directory '${f}': File exists\n`); return 1; } continue; }
          this.setFile(f, { content: '', dir: true });
        }
        return 0;
      case 'rm': {
        let code = 0;
        for (const f of operands) {
          if (this.lookup(f)) this.setFile(f, null);
          else if (!flags.includes('f')) {
            this.write(io.err, busybox ? `rm: can't remove '${f}': No such file or directory\n` : `rm: cannot remove '${f}': No such file or directory\n`);
            code = 1;
          }
        }
        return code;
      }
      case 'cat': {
        let code = 0;
        if (operands.length === 0 || (operands.length === 1 && operands[0] === '-')) this.write(io.out, io.stdin ?? '');
        for (const f of operands.filter((x) => x !== '-')) {
          const e = this.lookup(f);
          if (!e) { this.write(io.err, busybox ? `cat: can't open '${f}': No such file or directory\n` : `cat: ${f}: No such file or directory\n`); code = 1; }
          else if (e.dir) { this.write(io.err, busybox ? `cat: read error: Is a directory\n` : `cat: ${f}: Is a directory\n`); code = 1; }
          else this.write(io.out, e.content);
        }
        return code;
      }
      case 'ls': {
        const missing = operands.find((f) => !this.lookup(f));
        if (missing) { this.write(io.err, busybox ? `ls: ${missing}: No such file or directory\n` : `ls: cannot access '${missing}': No such file or directory\n`); return busybox ? 1 : 2; }
        this.write(io.out, operands.length ? operands.join('\n') + '\n' : '');
        return 0;
      }
      case 'tee':
        for (const f of operands) this.setFile(f, { content: (flags.includes('a') ? (this.lookup(f)?.content ?? '') : '') + (io.stdin ?? '') });
        this.write(io.out, io.stdin ?? '');
        return 0;
      case 'tail':
        if (args.includes('-f') || args.includes('-F') || args.includes('--follow')) throw new HaltSignal();
        if (operands.includes('/dev/zero')) {
          this.shared.memoryHogFromMs ??= this.t;
          throw new HaltSignal();
        }
        for (const f of operands) { const e = this.lookup(f); if (e && !e.dir) this.write(io.out, e.content); }
        return 0;
      case 'yes': throw new HaltSignal();
      case 'hostname': this.write(io.out, (this.ctx.hostname ?? 'localhost') + '\n'); return 0;
      case 'uname': this.write(io.out, args.includes('-a') ? `Linux ${this.ctx.hostname ?? 'localhost'} 6.8.0 #1 SMP x86_64 GNU/Linux\n` : 'Linux\n'); return 0;
      case 'whoami': this.write(io.out, (this.ctx.uid ?? 0) === 0 ? 'root\n' : `whoami: unknown uid ${this.ctx.uid}\n`); return (this.ctx.uid ?? 0) === 0 ? 0 : 1;
      case 'id': {
        const uid = this.ctx.uid ?? 0;
        this.write(io.out, args.includes('-u') ? `${uid}\n` : uid === 0 ? 'uid=0(root) gid=0(root) groups=0(root)\n' : `uid=${uid} gid=${uid}\n`);
        return 0;
      }
      case 'date': return 0;
      case 'env': case 'printenv': {
        const rest = [...args];
        if (name === 'env') {
          const saved = new Map(this.vars);
          while (rest[0] && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0])) { const [k, ...v] = rest.shift()!.split('='); this.vars.set(k!, v.join('=')); }
          if (rest.length) {
            try { return this.command(rest, io, { ...o, tail: false }); } finally { this.vars = saved; }
          }
        }
        if (name === 'printenv' && rest.length) {
          const vals = rest.map((k) => this.vars.get(k));
          for (const v of vals) if (v !== undefined) this.write(io.out, v + '\n');
          return vals.every((v) => v !== undefined) ? 0 : 1;
        }
        for (const [k, v] of [...this.vars.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) this.write(io.out, `${k}=${v}\n`);
        return 0;
      }
      case 'seq': {
        const n = args.map((a) => Number(a));
        if (n.length === 0 || n.some((x) => !Number.isFinite(x))) { this.write(io.err, `seq: invalid argument\n`); return 1; }
        const [first, inc, last] = n.length === 1 ? [1, 1, n[0]!] : n.length === 2 ? [n[0]!, 1, n[1]!] : [n[0]!, n[1]!, n[2]!];
        const out: number[] = [];
        if (inc !== 0) for (let x = first; inc > 0 ? x <= last : x >= last; x += inc) { out.push(x); if (out.length > MAX_LINES) break; }
        this.write(io.out, out.map((x) => `${x}\n`).join(''));
        return 0;
      }
      case 'expr': {
        if (args.length === 3 && ['+', '-', '*', '/', '%', '<', '>', '<=', '>=', '=', '!='].includes(args[1]!)) {
          const [x, op, y] = args as [string, string, string];
          const num = /^-?\d+$/.test(x) && /^-?\d+$/.test(y);
          let v: number;
          if (op === '=' || op === '!=') v = +((num ? Number(x) === Number(y) : x === y) === (op === '='));
          else if (!num) { this.write(io.err, 'expr: non-integer argument\n'); return 2; }
          else v = arith(`${x} ${op} ${y}`, () => '0');
          this.write(io.out, `${v}\n`);
          return v === 0 ? 1 : 0;
        }
        this.write(io.out, `${args.join(' ')}\n`);
        return 0;
      }
    }
    return this.notFound(name, o.line, io);
  }

  private hasTool(name: string): boolean {
    const ctx = this.ctx;
    if (this.shared.facts && ctx.tools === undefined && ctx.utilities === undefined) return true;
    return (ctx.tools ?? []).includes(name) || ((ctx.utilities ?? 'busybox') === 'busybox' && BUSYBOX_NET.has(name));
  }

  /** The ports of this container: a probe's view of the process, or the programs the script started. */
  private ports(): ProcessFacts {
    if (this.shared.facts) return this.shared.facts;
    const merged: ContainerBehaviour = {};
    mergeServices(merged, this.shared.services);
    return merged;
  }

  private isLocal(host: string): boolean {
    return ['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0', this.ctx.hostname ?? 'localhost'].includes(host);
  }

  /**
   * Network tools. Asking the container itself (localhost) is answered from its ports: HTTP
   * status, open TCP ports. kubelife has no packet-level network inside containers, so asking
   * anyone else (a Service, DNS) succeeds at once, silently.
   */
  private tool(name: string, args: string[], io: IO): number {
    const t = (this.shared.facts ? this.shared.factsAtMs : 0) + this.t;
    const opt = (flag: string, dflt: string) => { const k = args.indexOf(flag); return k >= 0 && args[k + 1] !== undefined ? args[k + 1]! : dflt; };
    const url = args.find((a) => /^(https?:\/\/)?[A-Za-z0-9.[\]:-]+(:\d+)?(\/\S*)?$/.test(a) && /^https?:\/\/|^localhost|^127\./.test(a));
    switch (name) {
      case 'wget': case 'curl': {
        if (!url) return 0;
        const m = /^(?:(https?):\/\/)?(\[[^\]]+\]|[^/:]+)(?::(\d+))?(\/[^?#]*)?/.exec(url);
        if (!m || !this.isLocal(m[2]!)) return 0;
        const port = m[3] ? Number(m[3]) : m[1] === 'https' ? 443 : 80;
        const code = httpAnswer(this.ports(), port, m[4] ?? '/', t);
        const quiet = args.some((a) => /^-[a-zA-Z]*s/.test(a) && !a.startsWith('--')) && !args.some((a) => /^-[a-zA-Z]*S/.test(a));
        if (code === undefined) {
          if (name === 'wget') { this.write(io.err, `wget: can't connect to remote host (127.0.0.1): Connection refused\n`); return 1; }
          if (!quiet) this.write(io.err, `curl: (7) Failed to connect to ${m[2]} port ${port} after 0 ms: Couldn't connect to server\n`);
          return 7;
        }
        if (code >= 400) {
          if (name === 'wget') { this.write(io.err, `wget: server returned error: HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? ''}`.trimEnd() + '\n'); return 1; }
          if (args.some((a) => a === '--fail' || a === '-f' || /^-[a-zA-Z]*f/.test(a))) {
            if (!quiet) this.write(io.err, `curl: (22) The requested URL returned error: ${code}\n`);
            return 22;
          }
        }
        return 0;
      }
      case 'nc': {
        const ops = args.filter((a) => !a.startsWith('-'));
        const [host, port] = [ops[0], Number(ops[1])];
        if (host === undefined || !this.isLocal(host) || !Number.isInteger(port)) return 0;
        return tcpOpen(this.ports(), port, t) ? 0 : 1;
      }
      case 'redis-cli': {
        const host = opt('-h', '127.0.0.1');
        const port = Number(opt('-p', '6379'));
        if (!this.isLocal(host)) return 0;
        if (!tcpOpen(this.ports(), port, t)) { this.write(io.out, `Could not connect to Redis at ${host}:${port}: Connection refused\n`); return 1; }
        if (args.some((a) => a.toLowerCase() === 'ping')) this.write(io.out, 'PONG\n');
        return 0;
      }
      case 'pg_isready': {
        const host = opt('-h', '/var/run/postgresql');
        const port = Number(opt('-p', '5432'));
        const where = `${host}:${port}`;
        if (!host.startsWith('/') && !this.isLocal(host)) { this.write(io.out, `${where} - accepting connections\n`); return 0; }
        if (tcpOpen(this.ports(), port, t)) { this.write(io.out, `${where} - accepting connections\n`); return 0; }
        this.write(io.out, `${where} - no response\n`);
        return 2;
      }
      default:
        return 0;
    }
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout',
  412: 'Precondition Failed', 417: 'Expectation Failed', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** A direct argv whose executable does not exist: the runtime cannot start the container (runc's message). */
class StartError {
  readonly message: string;
  constructor(readonly cmd: string) {
    const why = cmd.includes('/') ? `stat ${cmd}: no such file or directory` : 'executable file not found in $PATH';
    this.message = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${cmd}": ${why}: unknown`;
  }
}

function unescape(s: string): string {
  return s.replace(/\\([\\abfnrtv0]|x[0-9a-fA-F]{1,2})/g, (_m, c: string) => {
    if (c.startsWith('x')) return String.fromCharCode(Number.parseInt(c.slice(1), 16));
    return ({ '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '0': '\0' } as Record<string, string>)[c] ?? c;
  });
}

// ---------------------------------------------------------------------------------------------
// Timelines to behaviours

/** Everything a behaviour writes: the `logs` sugar at start, then its timed output. */
function outputOf(b: ContainerBehaviour): OutputPlan | undefined {
  const lines = [...(b.logs ?? []).map((line) => ({ atMs: 0, line })), ...(b.output?.lines ?? [])];
  if (!lines.length && !b.output?.repeat) return undefined;
  return { lines, ...(b.output?.repeat ? { repeat: b.output.repeat } : {}) };
}

/**
 * A program's facts as seen from the process that started it at `startMs` (process time): its
 * ports, files and memory, shifted, and ending at `endMs` when it exits. Output and signal
 * handling are not carried (the caller places the output; PID 1 decides signals).
 */
export function shiftFacts(b: ProcessFacts, startMs: number, endMs = Infinity): ContainerBehaviour {
  const out: ContainerBehaviour = {};
  const until = (u: number | undefined) => { const x = u === undefined ? endMs : Math.min(u + startMs, endMs); return x === Infinity ? undefined : x; };
  if (b.http?.length) out.http = b.http.map((r) => { const u = until(r.untilMs); return { ...r, fromMs: (r.fromMs ?? 0) + startMs, ...(u !== undefined ? { untilMs: u } : {}) }; });
  // TCP listeners have no time window in ProcessFacts: a program that runs on listens for the whole run.
  if (b.tcpPorts?.length && endMs === Infinity) out.tcpPorts = [...b.tcpPorts];
  if (b.files?.length) out.files = b.files.map((f) => { const u = until(f.untilMs); return { path: f.path, fromMs: f.fromMs + startMs, ...(u !== undefined ? { untilMs: u } : {}) }; });
  if (b.memoryMiB?.length) out.memoryMiB = [...b.memoryMiB.map((m) => ({ atMs: m.atMs + startMs, mib: m.mib })), ...(endMs !== Infinity ? [{ atMs: endMs, mib: 0 }] : [])];
  return out;
}

/** File changes to intervals, with a repeating block unrolled up to the horizon. */
function fileIntervals(events: Array<{ atMs: number; path: string; exists: boolean }>, repeat: Repeat | undefined, initial: readonly string[]): NonNullable<ProcessFacts['files']> {
  const all = [...events];
  if (repeat && repeat.files.length && repeat.periodMs > 0) {
    for (let k = 0; ; k++) {
      const base = repeat.fromMs + k * repeat.periodMs;
      if (base > FILE_HORIZON_MS || all.length > MAX_FILE_INTERVALS * 2) break;
      for (const f of repeat.files) all.push({ atMs: base + f.offsetMs, path: f.path, exists: f.exists });
    }
  }
  all.sort((a, b) => a.atMs - b.atMs);
  const open = new Map<string, number>();
  for (const p of initial) open.set(p, 0);
  const out: NonNullable<ProcessFacts['files']> = [];
  for (const e of all) {
    const from = open.get(e.path);
    if (e.exists && from === undefined) open.set(e.path, e.atMs);
    else if (!e.exists && from !== undefined) {
      open.delete(e.path);
      if (e.atMs > from) out.push({ path: e.path, fromMs: from, untilMs: e.atMs });
    }
  }
  for (const [path, fromMs] of open) out.push({ path, fromMs });
  return out.sort((a, b) => a.fromMs - b.fromMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function mergeServices(into: ContainerBehaviour, services: ContainerBehaviour[]): void {
  for (const s of services) {
    if (s.http?.length) into.http = [...(into.http ?? []), ...s.http];
    if (s.tcpPorts?.length) into.tcpPorts = [...new Set([...(into.tcpPorts ?? []), ...s.tcpPorts])];
    if (s.files?.length) {
      // A nested process (an entrypoint's exec) reports the image's files too: keep each interval once.
      const seen = new Set((into.files ?? []).map((f) => `${f.path}\u0000${f.fromMs}\u0000${f.untilMs ?? ''}`));
      into.files = [...(into.files ?? []), ...s.files.filter((f) => !seen.has(`${f.path}\u0000${f.fromMs}\u0000${f.untilMs ?? ''}`))];
    }
    if (s.memoryMiB?.length) into.memoryMiB = [...(into.memoryMiB ?? []), ...s.memoryMiB].sort((a, b) => a.atMs - b.atMs);
  }
}

/**
 * The container's main process, from its argv (ENTRYPOINT/CMD resolved with the manifest's
 * command/args): a behaviour with its timed output, exit, files, the services of the programs
 * it starts, and how it takes SIGTERM. PID 1 without a TERM handler (a shell, sleep) ignores
 * SIGTERM: the kubelet SIGKILLs it at the end of the grace period (exit 137). An executable that
 * does not exist cannot start: modelled as exit 128 at once (see docs/BEHAVIOURS.md).
 */
export function runProcess(argv: readonly string[], ctx: ShellContext = {}): ContainerBehaviour {
  const shared: Shared = { steps: 0, ctx, factsAtMs: 0, services: [], jobs: [] };
  const sink = newSink();
  const vars = new Map<string, string>(Object.entries(ctx.env ?? {}));
  const sh = new Sh(shared, sink, vars, new Map(), [], argv[0] ?? 'sh', 'ash', '', 0);
  sh.isPid1 = true;
  const io: IO = { out: { kind: 'log' }, err: { kind: 'log' } };
  let exit: { atMs: number; code: number } | undefined;
  let repeat: Repeat | undefined;
  let startError: string | undefined;
  try {
    if (argv.length === 0) throw new HaltSignal();
    const code = sh.command([...argv], io, { line: 1, tail: true, prevStatus: 0, direct: true });
    exit = { atMs: sh.t, code };
  } catch (e) {
    if (e instanceof ExitSignal) exit = { atMs: sh.t, code: e.code };
    else if (e instanceof HaltSignal) repeat = e.repeat;
    else if (e instanceof StartError) { exit = { atMs: 0, code: 128 }; startError = e.message; }
    else if (e instanceof BudgetSignal) { /* runs on beyond what we interpret */ }
    else if (e instanceof LoopSignal) exit = { atMs: sh.t, code: sh.status };
    else throw e;
  }
  if (sink.partial) sink.lines.push({ atMs: sh.t, line: sink.partial });
  const b: ContainerBehaviour = {};
  // Background jobs write too; only one block can repeat, the others are unrolled.
  const lines = [...sink.lines];
  for (const j of shared.jobs) {
    lines.push(...j.sink.lines);
    if (j.sink.partial) lines.push({ atMs: j.endMs === Infinity ? sh.t : j.endMs, line: j.sink.partial });
    if (j.repeat && !repeat && !exit) repeat = j.repeat;
    else if (j.repeat) lines.push(...unroll(j.repeat, exit?.atMs ?? FILE_HORIZON_MS));
  }
  if (repeat && exit === undefined && repeat.lines.length === 0 && repeat.files.length === 0) repeat = undefined;
  lines.sort((x, y) => x.atMs - y.atMs);
  const keep = exit ? lines.filter((l) => l.atMs <= exit!.atMs) : lines;
  if (keep.length || repeat?.lines.length) b.output = { lines: keep, ...(repeat?.lines.length ? { repeat: { fromMs: repeat.fromMs, periodMs: repeat.periodMs, lines: repeat.lines } } : {}) };
  if (exit) { b.exitAfterMs = exit.atMs; b.exitCode = exit.code; }
  if (startError) b.startError = startError;
  const events = [...sink.files, ...shared.jobs.flatMap((j) => j.sink.files)];
  const files = fileIntervals(events, repeat, Object.keys(ctx.files ?? {}));
  if (files.length) b.files = files;
  mergeServices(b, shared.services);
  if (shared.memoryHogFromMs !== undefined && !exit) b.memoryMiB = memoryHog(shared.memoryHogFromMs);
  // Signals go to PID 1: an exec'd program handles them its way; a shell or sleep ignores TERM.
  const pid1 = shared.pid1;
  if (pid1) {
    if (pid1.ignoresSigterm) b.ignoresSigterm = true;
    if (pid1.termExitCode !== undefined) b.termExitCode = pid1.termExitCode;
    if (pid1.termExitAfterMs !== undefined) b.termExitAfterMs = pid1.termExitAfterMs;
    if (pid1.runAsUser !== undefined) b.runAsUser = pid1.runAsUser;
  } else b.ignoresSigterm = true;
  return b;
}

function unroll(r: Repeat, untilMs: number): Array<{ atMs: number; line: string }> {
  const out: Array<{ atMs: number; line: string }> = [];
  for (let base = r.fromMs; base <= untilMs && out.length < MAX_LINES && r.periodMs > 0; base += r.periodMs) {
    for (const l of r.lines) if (base + l.offsetMs <= untilMs) out.push({ atMs: base + l.offsetMs, line: l.line });
  }
  return out;
}

/** `sh -c <script>` as the container's main process (busybox ash unless the context says otherwise). */
export function runShellScript(script: string, ctx: ShellContext = {}): ContainerBehaviour {
  return runProcess(['sh', '-c', script], ctx);
}

// ---------------------------------------------------------------------------------------------
// Exec probes and hooks

/** Runs an exec command (argv, as a probe or hook gives it) inside the container at `tMs`. */
export function evalCommand(argv: readonly string[], facts: ProcessFacts, tMs: number, ctx: ShellContext = execContextOf(facts)): CommandResult {
  if (argv.length === 0) return { exitCode: 127, output: 'no command\n' };
  return probeRun(facts, tMs, ctx, (sh, io) => sh.command([...argv], io, { line: 1, tail: false, prevStatus: 0 }));
}

/** Runs a script (`sh -c`): `;` always continues, `&&` only after success, `||` only after failure. */
export function evalScript(script: string, facts: ProcessFacts, tMs: number, ctx: ShellContext = execContextOf(facts)): CommandResult {
  return probeRun(facts, tMs, ctx, (sh, io) => {
    const child = new Sh(sh.shared, sh.sink, sh.vars, sh.fs, [], 'sh', (ctx.shells ?? BUSYBOX_SHELLS)['sh'] ?? 'ash', script, 0);
    const code = child.runScript(io);
    sh.t = child.t;
    return code;
  });
}

/** The exec context a behaviour carries (image shells, utilities, files, env), or none. */
function execContextOf(facts: ProcessFacts): ShellContext {
  return (facts as { execContext?: ExecContext }).execContext ?? {};
}

function probeRun(facts: ProcessFacts, tMs: number, ctx: ShellContext, run: (sh: Sh, io: IO) => number): CommandResult {
  const shared: Shared = { steps: 0, ctx, facts, factsAtMs: tMs, services: [], jobs: [] };
  const buf: string[] = [];
  const sh = new Sh(shared, newSink(), new Map(Object.entries(ctx.env ?? {})), new Map(), [], 'sh', 'ash', '', 0);
  const io: IO = { out: { kind: 'capture', buf }, err: { kind: 'capture', buf } };
  let exitCode: number;
  let endless = false;
  try {
    exitCode = run(sh, io);
  } catch (e) {
    if (e instanceof ExitSignal) exitCode = e.code;
    else if (e instanceof HaltSignal || e instanceof BudgetSignal) { exitCode = 137; endless = true; }
    else if (e instanceof StartError) { exitCode = 127; buf.push(`sh: ${e.cmd}: not found\n`); }
    else if (e instanceof LoopSignal) exitCode = sh.status;
    else throw e;
  }
  const output = buf.join('');
  if (endless) return { exitCode, output, durationMs: Infinity };
  return sh.t > 0 ? { exitCode, output, durationMs: sh.t } : { exitCode, output };
}
