/**
 * Input files of the checker (fault plans, replay files): YAML or JSON, validated with zod, every
 * problem one line naming the file, the line, the path and the fix, as scenario files do.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../scenario/load.ts';
import { FaultPlan, type FaultPlanT } from '../sim/fault-plan.ts';

/** A parsed document that can still say on which line a path is. */
export interface Located<T> {
  value: T;
  lineOf(path: readonly (string | number)[]): number;
}

function fmtPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function locate(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** Parses YAML (JSON is YAML) and validates it; throws InputError with file:line. */
export function parseFile<S extends z.ZodType>(text: string, file: string, schema: S, docs: string): Located<z.infer<S>> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new InputError(`${file}:${lc.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]} (fix the YAML syntax on that line)`);
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    throw new InputError(`${file}:${locate(doc, lc, path)}: ${fmtPath(issue.path) || '(top level)'}: ${issue.message} (see ${docs})`);
  }
  return { value: parsed.data as z.infer<S>, lineOf: (p) => locate(doc, lc, p) };
}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the ${what} (check the path)`);
  }
}

/**
 * Loads a fault plan file and checks that it names things the scenario has: nodes for crashNode,
 * components (or globs ending in "*") elsewhere.
 */
export function loadFaultPlan(file: string, nodes: readonly string[], components: readonly string[]): FaultPlanT {
  const { value, lineOf } = parseFile(readText(file, 'fault plan'), file, FaultPlan, 'docs/CHECKING.md');
  const known = new Set([...components, 'kube-apiserver', 'client']);
  const matches = (who: string) => (who.endsWith('*') ? components.some((c) => c.startsWith(who.slice(0, -1))) : known.has(who));
  value.faults.forEach((f, i) => {
    const bad = (field: string, what: string, fix: string) => {
      throw new InputError(`${file}:${lineOf(['faults', i, field])}: faults[${i}].${field}: ${what} (${fix})`);
    };
    if (f.kind === 'crashNode' && !nodes.includes(f.node)) bad('node', `node "${f.node}" is not in the scenario's cluster.nodes`, `use one of ${nodes.join(', ')}`);
    for (const field of ['component', 'from', 'to'] as const) {
      const who = (f as Record<string, unknown>)[field];
      if (typeof who === 'string' && !matches(who)) bad(field, `no component "${who}" in this cluster`, `use one of ${[...components, 'kube-apiserver'].join(', ')}, or a glob such as "kubelet/*"`);
    }
  });
  return value;
}
