/**
 * Commands run inside a container at a moment of its life (exec probes, exec hooks): a small
 * evaluator over the process facts. `sh -c "…"` scripts are split on `;`, `&&` and `||`; the
 * builtins `true`, `false`, `exit N`, `echo …`, `cat FILE`, `test -e|-f FILE`, `[ -e FILE ]`,
 * `ls FILE` read the files the process has at that time. Anything else: exit 127, "not found".
 */
import { fileExists, type ProcessFacts } from './process.ts';

export interface CommandResult { exitCode: number; output: string }

/** Splits a script into simple commands joined by `;`, `&&`, `||` (quotes respected). */
export function splitScript(script: string): Array<{ op: ';' | '&&' | '||'; words: string[] }> {
  const out: Array<{ op: ';' | '&&' | '||'; words: string[] }> = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let op: ';' | '&&' | '||' = ';';
  const endWord = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (next: ';' | '&&' | '||') => {
    endWord();
    if (words.length) out.push({ op, words });
    words = [];
    op = next;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ';' || c === '\n') endCommand(';');
    else if (c === '&' && script[i + 1] === '&') {
      endCommand('&&');
      i++;
    } else if (c === '|' && script[i + 1] === '|') {
      endCommand('||');
      i++;
    } else if (c === ' ' || c === '\t') endWord();
    else {
      word += c;
      inWord = true;
    }
  }
  endCommand(';');
  return out;
}

function simple(words: string[], facts: ProcessFacts, tMs: number): CommandResult & { exit?: boolean } {
  const [cmd, ...args] = words;
  switch (cmd) {
    case 'true': case ':': return { exitCode: 0, output: '' };
    case 'false': return { exitCode: 1, output: '' };
    case 'exit': return { exitCode: Number.parseInt(args[0] ?? '0', 10) || 0, output: '', exit: true };
    case 'echo': return { exitCode: 0, output: args.join(' ') + '\n' };
    case 'cat': {
      const missing = args.find((f) => !fileExists(facts, f, tMs));
      return missing ? { exitCode: 1, output: `cat: can't open '${missing}': No such file or directory\n` } : { exitCode: 0, output: '' };
    }
    case 'ls': {
      const missing = args.filter((a) => !a.startsWith('-')).find((f) => !fileExists(facts, f, tMs));
      return missing ? { exitCode: 1, output: `ls: ${missing}: No such file or directory\n` } : { exitCode: 0, output: args.filter((a) => !a.startsWith('-')).join('\n') + '\n' };
    }
    case 'test': case '[': {
      const a = cmd === '[' ? args.slice(0, -1) : args;
      if ((a[0] === '-e' || a[0] === '-f') && a[1] !== undefined) return { exitCode: fileExists(facts, a[1], tMs) ? 0 : 1, output: '' };
      return { exitCode: 2, output: `${cmd}: unsupported test\n` };
    }
    case 'sh': case '/bin/sh': case 'bash': case '/bin/bash':
      if (args[0] === '-c' && args[1] !== undefined) return evalScript(args[1], facts, tMs);
      return { exitCode: 0, output: '' };
    default:
      return { exitCode: 127, output: `sh: ${cmd}: not found\n` };
  }
}

/** Runs a script: `;` always continues, `&&` only after success, `||` only after failure. */
export function evalScript(script: string, facts: ProcessFacts, tMs: number): CommandResult {
  let last: CommandResult = { exitCode: 0, output: '' };
  let output = '';
  for (const { op, words } of splitScript(script)) {
    if (op === '&&' && last.exitCode !== 0) continue;
    if (op === '||' && last.exitCode === 0) continue;
    const r = simple(words, facts, tMs);
    output += r.output;
    last = r;
    if (r.exit) break;
  }
  return { exitCode: last.exitCode, output };
}

/** Runs an exec command (argv, as a probe or hook gives it) inside the container at `tMs`. */
export function evalCommand(argv: readonly string[], facts: ProcessFacts, tMs: number): CommandResult {
  if (argv.length === 0) return { exitCode: 127, output: 'no command\n' };
  const r = simple([...argv], facts, tMs);
  return { exitCode: r.exitCode, output: r.output };
}
