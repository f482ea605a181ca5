/**
 * The patch types beyond JSON merge patch: JSON patch (RFC 6902), strategic merge patch (what
 * client-side `kubectl apply`, `kubectl edit` and `kubectl patch` send) and server-side apply
 * (YAML parsing and checks here; merging, ownership and conflicts in the API server's field
 * manager, machines/kube-apiserver/field-manager.ts). Strategic merge keys come from a
 * hard-coded table of the Kubernetes API's `x-kubernetes-patch-merge-key` /
 * `x-kubernetes-patch-strategy` annotations, not from OpenAPI.
 */
import { parse as parseYaml } from 'yaml';
import { mergePatcher, type Patcher } from '../../machines/kube-apiserver/patch.ts';
import { applyConfig, managedSetOf, mergeObject } from '../../machines/kube-apiserver/field-manager.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

class PatchError extends Error {}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepClone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// JSON patch (RFC 6902) with JSON pointers (RFC 6901)

/** Splits a JSON pointer into unescaped tokens; "" is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}": must start with "/"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, pointer: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`invalid array index "${token}" in "${pointer}"`);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`index ${i} out of bounds for array of length ${arr.length} in "${pointer}"`);
  return i;
}

function getAt(doc: unknown, tokens: string[], pointer: string): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, pointer)];
    else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, t)) cur = cur[t];
    else throw new PatchError(`doc is missing path: "${pointer}"`);
  }
  return cur;
}

/** The container holding the last token, and that token. */
function parentOf(doc: unknown, tokens: string[], pointer: string): { parent: unknown; key: string } {
  const parent = getAt(doc, tokens.slice(0, -1), pointer);
  if (!Array.isArray(parent) && !isObject(parent)) throw new PatchError(`doc is missing path: "${pointer}"`);
  return { parent, key: tokens[tokens.length - 1]! };
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else (parent as Record<string, unknown>)[key] = value;
  return doc;
}

function removeAt(doc: unknown, pointer: string): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return { doc: null, removed: doc };
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, false, pointer);
    return { doc, removed: parent.splice(i, 1)[0] };
  }
  const obj = parent as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw new PatchError(`doc is missing key: "${pointer}"`);
  const removed = obj[key];
  delete obj[key];
  return { doc, removed };
}

function replaceAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, pointer)] = value;
  else {
    const obj = parent as Record<string, unknown>;
    if (!Object.prototype.hasOwnProperty.call(obj, key)) throw new PatchError(`doc is missing key: "${pointer}"`);
    obj[key] = value;
  }
  return doc;
}

/** Applies an RFC 6902 operation list to a copy of `doc`. Throws a PatchError with a message. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let out = deepClone(doc);
  for (const raw of ops) {
    if (!isObject(raw)) throw new PatchError('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const op = raw['op'];
    const path = raw['path'];
    if (typeof path !== 'string') throw new PatchError(`${String(op)} operation does not apply: missing "path"`);
    const needValue = op === 'add' || op === 'replace' || op === 'test';
    if (needValue && !Object.prototype.hasOwnProperty.call(raw, 'value')) throw new PatchError(`${op} operation does not apply: missing "value"`);
    const value = deepClone(raw['value']);
    const from = raw['from'];
    if ((op === 'move' || op === 'copy') && typeof from !== 'string') throw new PatchError(`${op} operation does not apply: missing "from"`);
    try {
      switch (op) {
        case 'add':
          out = addAt(out, path, value);
          break;
        case 'remove':
          out = removeAt(out, path).doc;
          break;
        case 'replace':
          out = replaceAt(out, path, value);
          break;
        case 'move': {
          const f = from as string;
          if (path !== f && path.startsWith(`${f}/`)) throw new PatchError(`cannot move "${f}" into its own child "${path}"`);
          if (path === f) break;
          const r = removeAt(out, f);
          out = addAt(r.doc, path, r.removed);
          break;
        }
        case 'copy':
          out = addAt(out, path, deepClone(getAt(out, parsePointer(from as string), from as string)));
          break;
        case 'test': {
          let actual: unknown;
          try {
            actual = getAt(out, parsePointer(path), path);
          } catch {
            actual = undefined;
          }
          if (!deepEqual(actual, value)) throw new PatchError(`testing value ${path} failed: test failed`);
          break;
        }
        default:
          throw new PatchError(`Unexpected kind: ${String(op)}`);
      }
    } catch (e) {
      if (e instanceof PatchError) {
        if (op === 'test' || /^(Unexpected kind|testing value|cannot move)/.test(e.message)) throw e;
        throw new PatchError(`${String(op)} operation does not apply: ${e.message}`);
      }
      throw e;
    }
  }
  return out;
}

export const jsonPatcher: Patcher = (current, patch) => {
  try {
    return { ok: true, value: applyJsonPatch(current, patch) };
  } catch (e) {
    if (e instanceof PatchError) return { ok: false, error: e.message };
    throw e;
  }
};

// ---------------------------------------------------------------------------------------------
// Strategic merge patch

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Merge keys by field name; `path` is the chain of field names from the root (list items add none). */
export function mergeKeyFor(field: string, path: readonly string[], kind: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'hostAliases':
    case 'podIPs':
      return 'ip';
    case 'conditions':
    case 'addresses':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'ports': {
      const parent = path[path.length - 1];
      if (parent !== undefined && CONTAINER_LISTS.has(parent)) return 'containerPort';
      if (kind === 'Service' || (path.length === 1 && path[0] === 'spec' && kind === '')) return 'port';
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Lists of primitives merged as sets (patchStrategy merge without a key). */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers']);

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function mergeMap(original: unknown, patch: JsonObject, path: string[], kind: string): Json | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const rest: JsonObject = {};
    for (const [k, v] of Object.entries(patch)) if (k !== '$patch') rest[k] = stripDirectives(v);
    return rest;
  }
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)}`);
  const out: JsonObject = isObject(original) ? { ...original } : {};
  const orders: Record<string, Json[]> = {};
  const deletes: Record<string, Json[]> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (Array.isArray(v)) orders[k.slice(SET_ORDER.length)] = v;
      continue;
    }
    if (k.startsWith(DELETE_FROM)) {
      if (Array.isArray(v)) deletes[k.slice(DELETE_FROM.length)] = v;
      continue;
    }
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const merged = mergeValue(out[k], v, k, path, kind);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  for (const [field, values] of Object.entries(deletes)) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = list.filter((x) => !values.some((d) => deepEqual(d, x)));
  }
  for (const [field, order] of Object.entries(orders)) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = applyOrder(list, order, mergeKeyFor(field, path, kind));
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function applyOrder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (x: Json): Json => (key !== undefined && isObject(x) ? (x[key] ?? null) : x);
  const orderIds = order.map((o) => (key !== undefined && isObject(o) ? (o[key] ?? null) : o));
  const rank = (x: Json) => orderIds.findIndex((o) => deepEqual(o, id(x)));
  const listed = list.filter((x) => rank(x) >= 0).sort((a, b) => rank(a) - rank(b));
  const rest = list.filter((x) => rank(x) < 0);
  return [...listed, ...rest];
}

function mergeValue(original: Json | undefined, patch: Json, field: string, path: string[], kind: string): Json | undefined {
  if (isObject(patch)) return mergeMap(isObject(original) ? original : undefined, patch, [...path, field], kind);
  if (Array.isArray(patch)) return mergeList(original, patch, field, path, kind);
  return patch;
}

function mergeList(original: Json | undefined, patch: Json[], field: string, path: string[], kind: string): Json[] {
  const orig = Array.isArray(original) ? original : [];
  // A lone {$patch: replace} item (with or without others) replaces the whole list.
  if (patch.some((p) => isObject(p) && p['$patch'] === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p['$patch'] === 'replace')).map((p) => stripDirectives(p));
  }
  const key = mergeKeyFor(field, path, kind);
  if (key === undefined) {
    if (PRIMITIVE_MERGE_LISTS.has(field)) {
      const out = [...orig];
      for (const p of patch) if (!out.some((x) => deepEqual(x, p))) out.push(p);
      return out;
    }
    return patch.map((p) => stripDirectives(p));
  }
  const itemPath = [...path, field];
  const out: Json[] = [...orig];
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`unable to find api field in struct for the list item: ${JSON.stringify(p)}`);
    if (!Object.prototype.hasOwnProperty.call(p, key)) throw new PatchError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((x) => isObject(x) && deepEqual(x[key], p[key]));
    if (p['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      // mergeMap with `itemPath` so a container's `ports` sees `containers` as its parent.
      const merged = mergeMap(out[idx], p, itemPath, kind);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap(undefined, p, itemPath, kind);
      if (fresh !== undefined) out.push(fresh);
    }
  }
  return out;
}

/** Removes directive keys from a value that is being copied verbatim. */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

/** Applies a strategic merge patch to a copy of `original`. Throws a PatchError with a message. */
export function strategicMerge(original: unknown, patch: unknown, kind: string): unknown {
  if (!isObject(patch)) throw new PatchError('json: cannot unmarshal into Go value of type map[string]interface {}');
  const out = mergeMap(deepClone(original), deepClone(patch), [], kind);
  return out === undefined ? {} : out;
}

export const strategicPatcher: Patcher = (current, patch, kind) => {
  try {
    return { ok: true, value: strategicMerge(current, patch, kind) };
  } catch (e) {
    if (e instanceof PatchError) return { ok: false, error: e.message };
    throw e;
  }
};

// ---------------------------------------------------------------------------------------------
// Server-side apply

/** Parses an apply body: an object as it is, a string (or bytes) as YAML (JSON is a YAML subset). */
export function parseApplyBody(body: unknown): JsonObject {
  let v: unknown = body;
  if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
  if (typeof v === 'string') {
    try {
      v = parseYaml(v);
    } catch (e) {
      throw new PatchError(`error decoding YAML: ${(e as Error).message}`);
    }
  }
  if (!isObject(v)) throw new PatchError('error decoding YAML: the apply body must be an object');
  return v;
}

/**
 * Server-side apply: the body is the desired configuration of the manager named in `ctx`, applied
 * with structured-merge-diff's rules by the API server's field manager (ownership, conflicts,
 * `force`, removal of fields no longer applied, managedFields). Without a context (a library
 * call) the configuration is only merged.
 */
export const applyPatcher: Patcher = (current, patch, kind, ctx) => {
  try {
    const desired = parseApplyBody(patch);
    const cur = isObject(current) ? current : {};
    if (typeof desired['apiVersion'] !== 'string' || desired['apiVersion'] === '') return { ok: false, error: 'apiVersion must be set' };
    if (typeof desired['kind'] !== 'string' || desired['kind'] === '') return { ok: false, error: 'kind must be set' };
    const curKind = typeof cur['kind'] === 'string' ? cur['kind'] : kind;
    if (curKind && desired['kind'] !== curKind) return { ok: false, error: `the kind in the applied configuration (${String(desired['kind'])}) does not match the object (${curKind})` };
    if (!ctx) return { ok: true, value: mergeObject(cur, desired) };
    if (desired['apiVersion'] !== ctx.apiVersion) {
      return { ok: false, error: `Incorrect version specified in apply patch. Specified patch version: ${String(desired['apiVersion'])}, expected: ${ctx.apiVersion}` };
    }
    const r = applyConfig(cur, desired, ctx);
    return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.status.message, status: r.status };
  } catch (e) {
    if (e instanceof PatchError) return { ok: false, error: e.message };
    throw e;
  }
};

/**
 * The FieldsV1 an applied configuration owns: `f:<field>` for fields, `k:{...}` for associative
 * list items (keyed as the API's list-map keys, defaults included), `v:` for set members;
 * apiVersion, kind and the system metadata are nobody's.
 */
export function fieldsV1(config: unknown): JsonObject {
  return managedSetOf(config).toFieldsV1() as JsonObject;
}

/** The patchers for every patch type, merge patch included. */
export const PATCHERS: { merge: Patcher; json: Patcher; strategic: Patcher; apply: Patcher } = {
  merge: mergePatcher,
  json: jsonPatcher,
  strategic: strategicPatcher,
  apply: applyPatcher,
};
