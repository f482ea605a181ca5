/**
 * Loads a scenario file: YAML with line numbers, zod validation, manifests inline or by path
 * (multi-document YAML), and checks that names refer to things that exist. Every problem comes
 * back as one line naming the file, the line, the path and the fix.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseAllDocuments, parseDocument, isNode, type Document } from 'yaml';
import type { KObject } from '../api/objects.ts';
import { resourceForKind } from '../api/registry.ts';
import { validateObject } from '../api/schemas.ts';
import { Scenario, type ScenarioSpec } from './schema.ts';

export class InputError extends Error {}

export interface LoadedScenario {
  file: string;
  spec: ScenarioSpec;
  /** Manifests applied at the start. */
  manifests: KObject[];
  /** Manifests per step index (for apply steps). */
  stepManifests: Map<number, KObject[]>;
}

function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function fmtPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

/** Parses one manifest file or string into objects, failing with file:line on bad YAML. */
export function parseManifests(text: string, file: string): KObject[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  const out: KObject[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    if (d.errors.length > 0) {
      const e = d.errors[0]!;
      const line = lc.linePos(e.pos[0]).line;
      throw new InputError(`${file}:${line}: not valid YAML: ${e.message.split('\n')[0]} (fix the YAML syntax on that line)`);
    }
    const value = d.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = isList(value) ? (value as { items: unknown[] }).items : [value];
    for (const v of items) out.push(checkManifest(v, file, lineOf(d as Document, lc, []) ?? 1));
  }
  return out;
}

function isList(v: unknown): boolean {
  const o = v as { kind?: unknown; items?: unknown };
  return typeof o === 'object' && o !== null && o.kind === 'List' && Array.isArray(o.items);
}

function checkManifest(v: unknown, file: string, line: number): KObject {
  const o = v as Partial<KObject>;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InputError(`${file}:${line}: a manifest must be a mapping with apiVersion, kind and metadata`);
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') throw new InputError(`${file}:${line}: manifest is missing apiVersion or kind (add e.g. "apiVersion: v1" and "kind: Pod")`);
  if (!resourceForKind(o.apiVersion, o.kind)) throw new InputError(`${file}:${line}: no kind "${o.kind}" is registered for version "${o.apiVersion}" (see "kubelife api-resources" in docs/SCENARIOS.md for the kinds served)`);
  const obj = { ...o, metadata: o.metadata ?? {} } as KObject;
  if (!obj.metadata.name && !obj.metadata.generateName) throw new InputError(`${file}:${line}: ${o.kind} has no metadata.name (add metadata.name or metadata.generateName)`);
  // Validate as the API server would see it with defaults that matter for validation.
  const probe = JSON.parse(JSON.stringify(obj)) as KObject;
  probe.metadata.name ??= `${probe.metadata.generateName}xxxxx`;
  if (resourceForKind(o.apiVersion, o.kind)!.namespaced) probe.metadata.namespace ??= 'default';
  const v2 = validateObject(probe);
  if (!v2.ok) {
    const c = v2.causes[0]!;
    throw new InputError(`${file}:${line}: ${o.kind} "${obj.metadata.name ?? obj.metadata.generateName}" is invalid: ${c.field ? c.field + ': ' : ''}${c.message}`);
  }
  return obj;
}

function resolveManifests(ref: unknown, base: string, file: string, line: number): KObject[] {
  if (typeof ref === 'string') {
    const p = resolve(base, ref);
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch {
      throw new InputError(`${file}:${line}: cannot read manifest file "${ref}" (paths are relative to the scenario file)`);
    }
    return parseManifests(text, p);
  }
  return [checkManifest(ref, file, line)];
}

/** Loads and validates a scenario file; throws InputError with a one-line message. */
export function loadScenario(file: string): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the scenario file (check the path)`);
  }
  return loadScenarioText(text, file);
}

export function loadScenarioText(text: string, file: string): LoadedScenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new InputError(`${file}:${lc.linePos(e.pos[0]).line}: not valid YAML: ${e.message.split('\n')[0]} (fix the YAML syntax on that line)`);
  }
  const parsed = Scenario.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const line = lineOf(doc, lc, path) ?? 1;
    throw new InputError(`${file}:${line}: ${fmtPath(issue.path) || '(top level)'}: ${issue.message} (see docs/SCENARIOS.md)`);
  }
  const spec = parsed.data;
  const base = dirname(resolve(file));
  const manifests: KObject[] = [];
  spec.manifests.forEach((m, i) => manifests.push(...resolveManifests(m, base, file, lineOf(doc, lc, ['manifests', i]) ?? 1)));
  const stepManifests = new Map<number, KObject[]>();
  spec.steps.forEach((s, i) => {
    if (s.apply === undefined) return;
    const refs = Array.isArray(s.apply) ? s.apply : [s.apply];
    const objs: KObject[] = [];
    refs.forEach((r, j) => objs.push(...resolveManifests(r, base, file, lineOf(doc, lc, ['steps', i, 'apply', ...(Array.isArray(s.apply) ? [j] : [])]) ?? 1)));
    stepManifests.set(i, objs);
  });
  const nodes = new Set(spec.cluster.nodes.map((n) => n.name));
  if (nodes.size !== spec.cluster.nodes.length) throw new InputError(`${file}:${lineOf(doc, lc, ['cluster', 'nodes']) ?? 1}: cluster.nodes: two nodes share a name (give each node its own name)`);
  const missing = (name: string, path: (string | number)[]) => {
    if (!nodes.has(name)) throw new InputError(`${file}:${lineOf(doc, lc, path) ?? 1}: ${fmtPath(path)}: node "${name}" is not in cluster.nodes (add it there or fix the name)`);
  };
  spec.steps.forEach((s, i) => s.stopNode !== undefined && missing(s.stopNode, ['steps', i, 'stopNode']));
  spec.steps.forEach((s, i) => s.startNode !== undefined && missing(s.startNode, ['steps', i, 'startNode']));
  spec.expect.forEach((e, i) => e.node !== undefined && missing(e.node, ['expect', i, 'node']));
  spec.expect.forEach((e, i) => e.onNode !== undefined && missing(e.onNode, ['expect', i, 'onNode']));
  spec.expect.forEach((e, i) => {
    for (const k of ['container', 'gone', 'log', 'kubectlStatus'] as const) {
      if (e[k] !== undefined && !e.pod) throw new InputError(`${file}:${lineOf(doc, lc, ['expect', i, k]) ?? 1}: ${fmtPath(['expect', i, k])}: is about a pod (add pod: <name> to this expectation)`);
    }
  });
  [...manifests, ...[...stepManifests.values()].flat()].forEach((m) => {
    const nn = (m as { spec?: { nodeName?: string } }).spec?.nodeName;
    if (m.kind === 'Pod' && nn && !nodes.has(nn)) throw new InputError(`${file}: Pod "${m.metadata.name}": spec.nodeName: node "${nn}" is not in cluster.nodes (add it there or fix the name)`);
  });
  return { file, spec, manifests, stepManifests };
}
