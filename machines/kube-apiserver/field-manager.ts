/**
 * Field management: `metadata.managedFields` and server-side apply, after structured-merge-diff
 * (sigs.k8s.io/structured-merge-diff: merge/update.go, typed/compare.go, typed/tofieldset.go) and
 * the apiserver's fieldmanager (k8s.io/apimachinery/pkg/util/managedfields/internal).
 *
 * Every write records who set which fields. An Update (create, update, a non-apply patch) gives
 * its manager the fields it added or changed and takes them from every other manager; it never
 * conflicts. An Apply gives its manager exactly the fields of its configuration, removes the
 * fields it applied before and no longer applies (unless someone else owns them), and refuses
 * (409) to change a field another manager owns unless forced, in which case it takes it over.
 * Setting a field to the value it already has is shared ownership, not a conflict.
 *
 * Simplified against upstream (no OpenAPI schemas here):
 * - List semantics come from a hard-coded table of the API's `+listType`/`+listMapKey` markers
 *   (`listTypeOf`); every other list is atomic and every object is a struct-like map.
 * - Update sets mark an added map or list node itself (FieldsV1 `.`) unless it is one of the
 *   non-pointer struct fields upstream always has (metadata, spec, template, ...).
 * - Pruning keeps a field someone else owns anything at or below, rather than upstream's
 *   named-field rule for list items.
 * - A typed-patch error (an associative list item without its key, duplicate keys) is a 400
 *   (upstream answers 500 with the same message).
 */
import type { Status } from '../../src/api/status.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isEmptyObject(v: JsonObject): boolean {
  for (const _ in v) return false;
  return true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function cloneJson<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

// ---------------------------------------------------------------------------------------------
// Schema knowledge: the list types of the Kubernetes API

export type ListType =
  | { type: 'atomic' }
  | { type: 'set' }
  | { type: 'map'; keys: readonly string[]; defaults?: Readonly<Record<string, Json>> };

const ATOMIC: ListType = { type: 'atomic' };
const SET: ListType = { type: 'set' };
const BY_NAME: ListType = { type: 'map', keys: ['name'] };
const BY_TYPE: ListType = { type: 'map', keys: ['type'] };
const BY_IP: ListType = { type: 'map', keys: ['ip'] };
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * The list type of `field`, given the chain of field names above it (list items add none):
 * associative lists (`+listType=map`) with their keys and key defaults, sets, or atomic.
 */
export function listTypeOf(field: string, parents: readonly string[]): ListType {
  const parent = parents[parents.length - 1];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
      return BY_NAME;
    case 'volumeMounts':
      return { type: 'map', keys: ['mountPath'] };
    case 'volumeDevices':
      return { type: 'map', keys: ['devicePath'] };
    case 'hostAliases':
    case 'podIPs':
    case 'hostIPs':
      return BY_IP;
    case 'conditions':
      return BY_TYPE;
    case 'ownerReferences':
      return { type: 'map', keys: ['uid'] };
    case 'topologySpreadConstraints':
      return { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] };
    case 'ports':
      if (parent !== undefined && CONTAINER_LISTS.has(parent)) return { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } };
      // Service.spec.ports; other `ports` lists (EndpointSlice, NetworkPolicy) are atomic.
      if (parents.length === 1 && parent === 'spec') return { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } };
      return ATOMIC;
    case 'addresses':
      if (parents.length === 1 && parent === 'status') return BY_TYPE; // Node
      if (parent === 'endpoints') return SET; // EndpointSlice
      return ATOMIC;
    case 'finalizers':
    case 'podCIDRs':
      return SET;
    default:
      return ATOMIC;
  }
}

/**
 * Maps and structs the API marks atomic (`+structType=atomic`, `+mapType=atomic`): label
 * selectors, Service and Pod selectors, object and key references. They are owned, compared and
 * applied as a whole.
 */
const ATOMIC_MAPS = new Set(['selector', 'nodeSelector', 'labelSelector', 'namespaceSelector', 'podSelector', 'involvedObject', 'roleRef', 'fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef', 'claimRef']);

function atomicMapAt(path: readonly string[]): boolean {
  const last = path[path.length - 1];
  return last !== undefined && last.startsWith('f:') && ATOMIC_MAPS.has(last.slice(2));
}

/** The list type at a path (its last element names the list field). */
function listTypeAt(path: readonly string[]): ListType {
  const names: string[] = [];
  for (const el of path) if (el.startsWith('f:')) names.push(el.slice(2));
  const field = names.pop();
  return field === undefined ? ATOMIC : listTypeOf(field, names);
}

/**
 * Fields upstream's objects always carry (non-pointer structs, lists serialized even when empty):
 * an Update that adds one does not own the node itself, only what is under it.
 */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'jobTemplate', 'strategy', 'updateStrategy', 'resources', 'nodeInfo', 'daemonEndpoints', 'kubeletEndpoint', 'source', 'loadBalancer', 'containers']);

// ---------------------------------------------------------------------------------------------
// Paths and sets of paths

/**
 * A path is a list of FieldsV1 path elements: `f:<field>`, `k:<json key>` for an associative
 * list item, `v:<json value>` for a set member, `i:<index>`.
 */
export type FieldPath = readonly string[];

class FieldPathError extends Error {}

const RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Path elements in upstream order: fields, then keys, values and indexes, each sorted. */
function compareElements(a: string, b: string): number {
  const ra = RANK[a[0]!] ?? 4;
  const rb = RANK[b[0]!] ?? 4;
  if (ra !== rb) return ra - rb;
  if (ra === 3) return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value as structured-merge-diff prints it in a path: strings quoted, the rest as JSON. */
function valueString(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: FieldPath): string {
  let out = '';
  for (const el of path) {
    const body = el.slice(2);
    if (el.startsWith('f:')) out += `.${body}`;
    else if (el.startsWith('k:')) {
      let key: unknown;
      try {
        key = JSON.parse(body);
      } catch {
        key = undefined;
      }
      out += isObject(key) ? `[${Object.entries(key).map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]` : `[${body}]`;
    } else if (el.startsWith('v:')) out += `[=${body}]`;
    else if (el.startsWith('i:')) out += `[${body}]`;
    else out += el;
  }
  return out;
}

/** A set of field paths, kept as a trie; FieldsV1 is its serialization. */
export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Decodes FieldsV1 (`{"f:data": {".": {}, "f:a": {}}}`); anything malformed is skipped. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    if (!isObject(v)) return s;
    for (const [k, child] of Object.entries(v)) {
      if (k === '.') {
        s.member = true;
        continue;
      }
      const c = FieldSet.fromFieldsV1(child);
      if (c.children.size === 0) c.member = true;
      s.children.set(k, c);
    }
    return s;
  }

  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const k of [...this.children.keys()].sort(compareElements)) {
      const c = this.children.get(k)!;
      const inner = c.toFieldsV1();
      out[k] = c.member && c.children.size > 0 ? { '.': {}, ...inner } : inner;
    }
    return out;
  }

  insert(path: FieldPath): this {
    let node: FieldSet = this;
    for (const el of path) {
      let next = node.children.get(el);
      if (!next) {
        next = new FieldSet();
        node.children.set(el, next);
      }
      node = next;
    }
    node.member = true;
    return this;
  }

  private node(path: FieldPath): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const el of path) {
      node = node.children.get(el);
      if (!node) return undefined;
    }
    return node;
  }

  has(path: FieldPath): boolean {
    return this.node(path)?.member ?? false;
  }

  /** Whether the set holds `path` or anything below it. */
  hasAtOrBelow(path: FieldPath): boolean {
    const n = this.node(path);
    return n !== undefined && !n.isEmpty();
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  clone(): FieldSet {
    const s = new FieldSet();
    s.member = this.member;
    for (const [k, c] of this.children) s.children.set(k, c.clone());
    return s;
  }

  union(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member || o.member;
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      s.children.set(k, oc ? c.union(oc) : c.clone());
    }
    for (const [k, oc] of o.children) if (!this.children.has(k)) s.children.set(k, oc.clone());
    return s;
  }

  /** The members of this set that are not members of `o`. */
  difference(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !o.member;
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      const d = oc ? c.difference(oc) : c.clone();
      if (!d.isEmpty()) s.children.set(k, d);
    }
    return s;
  }

  intersection(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && o.member;
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      if (!oc) continue;
      const i = c.intersection(oc);
      if (!i.isEmpty()) s.children.set(k, i);
    }
    return s;
  }

  /** This set without the members of `o` and everything below them. */
  recursiveDifference(o: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !o.member;
    for (const [k, c] of this.children) {
      const oc = o.children.get(k);
      if (oc?.member) continue;
      const d = oc ? c.recursiveDifference(oc) : c.clone();
      if (!d.isEmpty()) s.children.set(k, d);
    }
    return s;
  }

  /** Whether some path is a member of both this set and the (still encoded) FieldsV1 `raw`. */
  intersectsFieldsV1(raw: unknown): boolean {
    if (!isObject(raw)) return false;
    for (const [k, c] of this.children) {
      const rc = raw[k];
      if (!isObject(rc)) continue;
      if (c.member && (isEmptyObject(rc) || '.' in rc)) return true;
      if (c.children.size > 0 && c.intersectsFieldsV1(rc)) return true;
    }
    return false;
  }

  /** Only the subtree under the first-level element `el`. */
  only(el: string): FieldSet {
    const s = new FieldSet();
    const c = this.children.get(el);
    if (c) s.children.set(el, c.clone());
    return s;
  }

  /** The members in upstream's iteration order: this level's members sorted, then each child's. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    const keys = [...this.children.keys()].sort(compareElements);
    for (const k of keys) if (this.children.get(k)!.member) out.push([...prefix, k]);
    for (const k of keys) {
      const c = this.children.get(k)!;
      if (c.children.size > 0) out.push(...c.paths([...prefix, k]));
    }
    return out;
  }
}

/** Fields never managed by anyone (upstream's stripMetaManager). */
const STRIPPED = FieldSet.of(
  ['f:apiVersion'], ['f:kind'], ['f:metadata'], ['f:metadata', 'f:name'], ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'], ['f:metadata', 'f:selfLink'], ['f:metadata', 'f:uid'], ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'], ['f:metadata', 'f:managedFields'], ['f:metadata', 'f:resourceVersion'],
);
const STATUS = FieldSet.of(['f:status']);

// ---------------------------------------------------------------------------------------------
// Field sets of values, and comparisons

/** The path element of each item of a non-atomic list, or undefined if the list cannot be keyed. */
function indexList(list: Json[], lt: ListType, path: FieldPath, strict: boolean): Array<[string, Json]> | undefined {
  const out: Array<[string, Json]> = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    let el: string;
    if (lt.type === 'set') {
      if (item !== null && typeof item === 'object') {
        if (strict) throw new FieldPathError(`${pathString(path)}: element ${i}: expected a scalar in a set`);
        return undefined;
      }
      el = `v:${JSON.stringify(item)}`;
    } else if (lt.type === 'map') {
      if (!isObject(item)) {
        if (strict) throw new FieldPathError(`${pathString(path)}: element ${i}: expected map, got ${JSON.stringify(item)}`);
        return undefined;
      }
      const key: JsonObject = {};
      for (const f of [...lt.keys].sort()) {
        const v = item[f] ?? lt.defaults?.[f];
        if (v === undefined || v === null) {
          if (strict) throw new FieldPathError(`${pathString(path)}: element ${i}: associative list with keys has an element that omits key field "${f}" (and doesn't have default value)`);
          return undefined;
        }
        key[f] = v;
      }
      el = `k:${JSON.stringify(key)}`;
    } else return undefined;
    if (seen.has(el)) {
      if (strict) throw new FieldPathError(`${pathString(path)}: duplicate entries for key ${pathString([el])}`);
      continue; // live objects may hold duplicates: the first one counts
    }
    seen.add(el);
    out.push([el, item]);
  }
  return out;
}

/**
 * The field set of a value as an applied configuration owns it (typed/tofieldset.go): leaves,
 * empty maps, atomic lists, set members and list items (with their fields), never a non-empty
 * map itself. `strict` throws on list items without keys and duplicate keys.
 */
export function fieldSetOf(value: unknown, strict = false): FieldSet {
  const set = new FieldSet();
  if (isObject(value)) walkMap(value, [], set, strict);
  return set;
}

function walkMap(m: JsonObject, path: string[], set: FieldSet, strict: boolean): void {
  for (const [k, v] of Object.entries(m)) walkValue(v, [...path, `f:${k}`], set, strict);
}

function walkValue(v: Json, path: string[], set: FieldSet, strict: boolean): void {
  if (isObject(v)) {
    if (isEmptyObject(v) || atomicMapAt(path)) set.insert(path);
    else walkMap(v, path, set, strict);
    return;
  }
  if (Array.isArray(v)) {
    const lt = listTypeAt(path);
    const items = lt.type === 'atomic' ? undefined : indexList(v, lt, path, strict);
    if (!items) {
      set.insert(path);
      return;
    }
    for (const [el, item] of items) {
      const ip = [...path, el];
      set.insert(ip);
      if (lt.type === 'map' && isObject(item)) walkMap(item, ip, set, strict);
    }
    return;
  }
  set.insert(path);
}

/** The fields an applied configuration's manager owns once stored: its field set without apiVersion, kind and system metadata. */
export function managedSetOf(config: unknown): FieldSet {
  return fieldSetOf(config).difference(STRIPPED);
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Whether an Update that adds the node at `path` owns the node itself (FieldsV1 `.`). */
function ownsAddedNode(path: FieldPath): boolean {
  const last = path[path.length - 1];
  if (last === undefined) return false;
  return !last.startsWith('f:') || !ALWAYS_PRESENT.has(last.slice(2));
}

/** Every path of a value that appeared or disappeared, inner nodes included where owned. */
function subtree(v: Json, path: string[], set: FieldSet, ownsNode: (p: FieldPath) => boolean): void {
  if (isObject(v) && !isEmptyObject(v) && !atomicMapAt(path)) {
    if (ownsNode(path)) set.insert(path);
    for (const [k, x] of Object.entries(v)) subtree(x, [...path, `f:${k}`], set, ownsNode);
    return;
  }
  if (Array.isArray(v) && v.length > 0) {
    const lt = listTypeAt(path);
    const items = lt.type === 'atomic' ? undefined : indexList(v, lt, path, false);
    if (items) {
      if (ownsNode(path)) set.insert(path);
      for (const [el, item] of items) {
        if (lt.type === 'map') subtree(item, [...path, el], set, () => true);
        else set.insert([...path, el]);
      }
      return;
    }
  }
  set.insert(path);
}

/** What changed from `a` to `b` (typed/compare.go): added, modified leaves, removed. */
export function compare(a: unknown, b: unknown): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareValues(isObject(a) ? a : {}, isObject(b) ? b : {}, [], c);
  return c;
}

const always = () => true;

function compareValues(a: Json | undefined, b: Json | undefined, path: string[], c: Comparison): void {
  if (a === undefined) {
    if (b !== undefined) subtree(b, path, c.added, ownsAddedNode);
    return;
  }
  if (b === undefined) {
    subtree(a, path, c.removed, always);
    return;
  }
  if (isObject(a) && isObject(b) && !atomicMapAt(path)) {
    if (isEmptyObject(a) && isEmptyObject(b)) return;
    for (const k of Object.keys(a)) compareValues(a[k], b[k], [...path, `f:${k}`], c);
    for (const k of Object.keys(b)) if (!Object.prototype.hasOwnProperty.call(a, k)) compareValues(undefined, b[k], [...path, `f:${k}`], c);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && (a.length > 0 || b.length > 0)) {
    const lt = listTypeAt(path);
    if (lt.type !== 'atomic') {
      const ia = indexList(a, lt, path, false);
      const ib = indexList(b, lt, path, false);
      if (ia && ib) {
        const ma = new Map(ia);
        const mb = new Map(ib);
        for (const [el, item] of ia) {
          if (mb.has(el)) {
            if (lt.type === 'map') compareValues(item, mb.get(el), [...path, el], c);
          } else subtree(item, [...path, el], c.removed, always);
        }
        for (const [el, item] of ib) if (!ma.has(el)) subtree(item, [...path, el], c.added, () => true);
        return;
      }
    }
  }
  if (!deepEqual(a, b)) c.modified.insert(path);
}

// ---------------------------------------------------------------------------------------------
// Managers

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

/**
 * One manager. Its set stays encoded (`raw`, the stored FieldsV1) until a write touches it, so
 * most writes neither decode nor re-encode the managers they leave alone.
 */
interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  raw?: JsonObject;
  decoded?: FieldSet;
}

function setOf(m: Manager): FieldSet {
  return (m.decoded ??= FieldSet.fromFieldsV1(m.raw));
}

function assign(m: Manager, set: FieldSet): void {
  m.decoded = set;
  m.raw = undefined;
}

function isEmptyManager(m: Manager): boolean {
  return m.raw !== undefined && m.decoded === undefined ? isEmptyObject(m.raw) : setOf(m).isEmpty();
}

/** Managers by identity: manager, operation, subresource (and the version, for an Update). */
type Managers = Map<string, Manager>;

/** The manager identifier upstream keys managers with (BuildManagerIdentifier). */
function identity(m: { manager: string; operation: string; apiVersion?: string; subresource?: string }): string {
  return JSON.stringify({ manager: m.manager, operation: m.operation, ...(m.operation === 'Update' && m.apiVersion ? { apiVersion: m.apiVersion } : {}), ...(m.subresource ? { subresource: m.subresource } : {}) });
}

/** Whether `v` is well-formed FieldsV1: objects all the way down, keyed by path elements or `.`. */
function validFieldsV1(v: unknown, top = true): boolean {
  if (!isObject(v)) return false;
  for (const k in v) {
    const c = v[k];
    if (k === '.') {
      if (top || !isObject(c) || !isEmptyObject(c)) return false;
    } else if (!/^[fkvi]:/.test(k) || !validFieldsV1(c, false)) return false;
  }
  return true;
}

/** Decodes `metadata.managedFields`; undefined when it is absent or malformed (as upstream refuses it). */
export function decodeManagedFields(v: unknown): Managers | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Managers = new Map();
  for (const e of v) {
    if (!isObject(e)) return undefined;
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = e;
    if (typeof manager !== 'string' || (operation !== 'Apply' && operation !== 'Update')) return undefined;
    if (typeof apiVersion !== 'string' || apiVersion === '' || fieldsType !== 'FieldsV1') return undefined;
    if (time !== undefined && time !== null && typeof time !== 'string') return undefined;
    if (subresource !== undefined && typeof subresource !== 'string') return undefined;
    if (!validFieldsV1(fieldsV1)) return undefined;
    const m: Manager = { manager, operation, apiVersion, raw: isObject(fieldsV1) ? fieldsV1 : {}, ...(typeof time === 'string' ? { time } : {}), ...(subresource ? { subresource } : {}) };
    out.set(identity(m), m);
  }
  return out;
}

function seconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Encodes managers as upstream sorts them: Apply first, then by time, manager, version, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !isEmptyManager(m));
  list.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const dt = seconds(p.time) - seconds(q.time);
    if (dt !== 0) return dt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    const ps = p.subresource ?? '';
    const qs = q.subresource ?? '';
    return ps < qs ? -1 : ps > qs ? 1 : 0;
  });
  return list.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.time ? { time: m.time } : {}),
    fieldsType: 'FieldsV1' as const,
    fieldsV1: m.raw ?? setOf(m).toFieldsV1(),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}

const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = 'ancient-changes';

/** At most ten Update managers: the oldest are merged into "ancient-changes" (capManagersManager). */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ka, a], [kb, b]) => seconds(a.time) - seconds(b.time) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const [key, m] = updaters[i]!;
    const bucketKey = identity({ manager: ANCIENT, operation: 'Update', apiVersion: m.apiVersion });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, key);
      continue;
    }
    if (!managers.has(bucketKey)) {
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucketKey, { manager: ANCIENT, operation: 'Update', apiVersion: m.apiVersion, decoded: setOf(f), ...(f.time ? { time: f.time } : {}) });
    }
    const bucket = managers.get(bucketKey)!;
    assign(bucket, setOf(m).union(setOf(bucket)));
    if (m.time) bucket.time = m.time;
    managers.delete(key);
    length--;
  }
}

// ---------------------------------------------------------------------------------------------
// Scope: which fields a write manages

export interface FieldScope {
  /** The subresource written (status, scale), recorded in the entry. */
  subresource?: string;
  /** The resource has a status subresource, so its main resource does not manage status. */
  statusSubresource?: boolean;
}

/** Removes the fields a write of this scope does not manage (upstream's reset fields). */
function scoped(set: FieldSet, scope: FieldScope): FieldSet {
  if (scope.subresource === 'status') return set.only('f:status');
  if (scope.statusSubresource && !scope.subresource) return set.recursiveDifference(STATUS);
  return set;
}

/** What changed within the fields a write of this scope manages (status only, or all but status). */
function scopedCompare(a: JsonObject, b: JsonObject, scope: FieldScope): Comparison {
  if (scope.subresource === 'status') {
    const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
    compareValues(a['status'], b['status'], ['f:status'], c);
    return c;
  }
  if (scope.statusSubresource && !scope.subresource) {
    const { status: _a, ...ra } = a;
    const { status: _b, ...rb } = b;
    return compare(ra, rb);
  }
  return compare(a, b);
}

function withoutManagedFields(obj: unknown): JsonObject {
  if (!isObject(obj)) return {};
  const meta = obj['metadata'];
  if (!isObject(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _drop, ...rest } = meta;
  return { ...obj, metadata: rest };
}

/** The manager name when a request names none: upstream takes the User-Agent's product. */
export function defaultFieldManager(username: string): string {
  if (username.startsWith('system:node:')) return 'kubelet';
  if (username === 'system:kube-scheduler') return 'kube-scheduler';
  if (username === 'system:kube-controller-manager' || username.startsWith('system:serviceaccount:kube-system:')) return 'kube-controller-manager';
  if (username === 'system:kube-proxy') return 'kube-proxy';
  if (username === 'system:apiserver') return 'kube-apiserver';
  // Everyone else reaches the API through kubectl (User-Agent "kubectl/v1.32.4 (...)").
  return 'kubectl';
}

export interface WriteContext extends FieldScope {
  manager: string;
  /** The resource's apiVersion, recorded in the entry. */
  apiVersion: string;
  /** RFC 3339 time of the write. */
  time: string;
}

// ---------------------------------------------------------------------------------------------
// Update

/**
 * The managedFields after an Update operation that turns `live` (undefined for a create) into
 * `next`: the manager gains every field it added or changed, and those fields and every removed
 * one leave the other managers. The base is the managedFields the request carried, when valid
 * and not empty and not a subresource write, else the live object's (as upstream does).
 */
export function updateManagedFields(live: unknown, next: unknown, ctx: WriteContext): ManagedFieldsEntry[] {
  const sent = ctx.subresource ? undefined : decodeManagedFields(isObject(next) && isObject(next['metadata']) ? next['metadata']['managedFields'] : undefined);
  const managers = sent && sent.size > 0 ? sent : (decodeManagedFields(isObject(live) && isObject(live['metadata']) ? live['metadata']['managedFields'] : undefined) ?? new Map());
  recordUpdate(managers, withoutManagedFields(live), withoutManagedFields(next), ctx);
  capUpdateManagers(managers);
  return encodeManagedFields(managers);
}

function recordUpdate(managers: Managers, live: JsonObject, next: JsonObject, ctx: WriteContext): void {
  const cmp = scopedCompare(live, next, ctx);
  const changed = cmp.added.union(cmp.modified);
  const touched = changed.union(cmp.removed);
  for (const [key, m] of managers) {
    if (m.decoded === undefined && !touched.intersectsFieldsV1(m.raw)) continue;
    const rest = setOf(m).difference(changed).difference(cmp.removed);
    if (rest.isEmpty()) managers.delete(key);
    else assign(m, rest);
  }
  const own = changed.difference(cmp.removed).difference(STRIPPED);
  if (own.isEmpty()) return;
  const self = { manager: ctx.manager, operation: 'Update' as const, apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}) };
  const key = identity(self);
  const prev = managers.get(key);
  managers.set(key, { ...self, decoded: prev ? setOf(prev).union(own) : own, time: ctx.time });
}

// ---------------------------------------------------------------------------------------------
// Apply

export interface ApplyContext extends WriteContext {
  force: boolean;
}

export interface Conflict {
  manager: string;
  path: FieldPath;
}

export type ApplyResult = { ok: true; value: JsonObject } | { ok: false; status: Status };

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function statusOf(code: number, reason: string, message: string, details?: Record<string, unknown>): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details: details as Status['details'] } : {}), code };
}

/** How a conflict names its manager (printManager): `"kubectl"`, `"kube-controller-manager" using apps/v1`. */
function printManager(key: string): string {
  const m = JSON.parse(key) as { manager: string; operation: string; apiVersion?: string; subresource?: string };
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion ?? ''}`;
  return s;
}

/** The 409 upstream answers an apply with conflicts (NewConflictError). */
export function conflictStatus(conflicts: ReadonlyArray<{ key: string; path: FieldPath }>): Status {
  const byManager = new Map<string, FieldPath[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.key) ?? [];
    list.push(c.path);
    byManager.set(c.key, list);
  }
  const keys = [...byManager.keys()].sort();
  const causes = keys.flatMap((k) => byManager.get(k)!.map((p) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(k)}`, field: pathString(p) })));
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.key)}: ${pathString(conflicts[0]!.path)}`;
  else {
    const lines: string[] = [];
    for (const k of keys) {
      lines.push(`conflicts with ${printManager(k)}:`);
      for (const p of byManager.get(k)!) lines.push(`- ${pathString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return statusOf(409, 'Conflict', message, { causes });
}

/**
 * Server-side apply of `config` onto `live` (undefined or {} when the object does not exist yet)
 * for `ctx.manager`: the merged object with its new managedFields, or a Status (409 on conflicts).
 */
export function applyConfig(live: unknown, config: JsonObject, ctx: ApplyContext): ApplyResult {
  const meta = config['metadata'];
  if (isObject(meta) && meta['managedFields'] !== undefined) return { ok: false, status: statusOf(400, 'BadRequest', 'metadata.managedFields must be nil') };
  let configSet: FieldSet;
  try {
    configSet = fieldSetOf(config, true);
  } catch (e) {
    if (!(e instanceof FieldPathError)) throw e;
    return { ok: false, status: statusOf(400, 'BadRequest', `failed to create typed patch object (${objectRef(live, config, ctx)}): ${e.message}`) };
  }
  const liveObj = isObject(live) ? live : {};
  const liveV = withoutManagedFields(liveObj);
  const managers = decodeManagedFields(isObject(liveObj['metadata']) ? liveObj['metadata']['managedFields'] : undefined) ?? new Map<string, Manager>();
  if (managers.size === 0 && isObject(liveObj['metadata']) && liveObj['metadata']['uid'] !== undefined) {
    // An object nobody manages yet: what it holds belongs to "before-first-apply".
    recordUpdate(managers, {}, liveV, { ...ctx, manager: 'before-first-apply', subresource: undefined });
  }
  let r = applyOnce(liveV, config, configSet, managers, ctx, ctx.force);
  if ('conflicts' in r && ctx.manager === 'kubectl') {
    // Upgrading from client-side apply: fields kubectl applied client-side may be taken over.
    const allowed = allowedFromLastApplied(liveV, ctx.apiVersion);
    if (allowed) {
      const rest = r.conflicts.filter((c) => !allowed.has(c.path));
      r = rest.length === 0 ? applyOnce(liveV, config, configSet, managers, ctx, true) : { conflicts: rest };
    }
  }
  if ('conflicts' in r) return { ok: false, status: conflictStatus(r.conflicts) };
  const value = r.value;
  const annotations = isObject(liveV['metadata']) ? liveV['metadata']['annotations'] : undefined;
  if (ctx.manager === 'kubectl' && isObject(annotations) && typeof annotations[LAST_APPLIED] === 'string' && annotations[LAST_APPLIED] !== '') {
    // Keeps client-side apply's record in step with what kubectl applied server-side.
    const vm = isObject(value['metadata']) ? value['metadata'] : {};
    value['metadata'] = { ...vm, annotations: { ...(isObject(vm['annotations']) ? vm['annotations'] : {}), [LAST_APPLIED]: lastAppliedOf(config) } };
  }
  const vm = isObject(value['metadata']) ? value['metadata'] : {};
  value['metadata'] = { ...vm, managedFields: encodeManagedFields(r.managers) as unknown as Json };
  return { ok: true, value };
}

function objectRef(live: unknown, config: JsonObject, ctx: ApplyContext): string {
  const m = isObject(live) && isObject(live['metadata']) ? live['metadata'] : isObject(config['metadata']) ? config['metadata'] : {};
  const ns = typeof m['namespace'] === 'string' ? m['namespace'] : '';
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const gv = ctx.apiVersion.includes('/') ? ctx.apiVersion : `/${ctx.apiVersion}`;
  const kind = typeof config['kind'] === 'string' ? config['kind'] : '';
  return `${ns}/${name}; ${gv}, Kind=${kind}`;
}

function applyOnce(live: JsonObject, config: JsonObject, configSet: FieldSet, base: Managers, ctx: ApplyContext, force: boolean):
  { value: JsonObject; managers: Managers } | { conflicts: Array<{ key: string; path: FieldPath }> } {
  const managers: Managers = new Map([...base].map(([k, m]) => [k, { ...m }]));
  const self = { manager: ctx.manager, operation: 'Apply' as const, apiVersion: ctx.apiVersion, ...(ctx.subresource ? { subresource: ctx.subresource } : {}) };
  const key = identity(self);
  const last = managers.get(key);
  const set = scoped(configSet, ctx);
  const lastSet = last ? setOf(last) : undefined;
  managers.set(key, { ...self, decoded: set, ...(last?.time ? { time: last.time } : {}) });
  let value = mergeObject(live, config);
  if (lastSet) value = prune(value, managers, lastSet);
  const cmp = scopedCompare(live, value, ctx);
  const changed = cmp.added.union(cmp.modified);
  const conflicts: Array<{ key: string; path: FieldPath }> = [];
  const taken = new Map<string, FieldSet>();
  for (const [k, m] of managers) {
    if (k === key) continue;
    const c = setOf(m).intersection(changed);
    if (c.isEmpty()) continue;
    taken.set(k, c);
    for (const p of c.paths()) conflicts.push({ key: k, path: p });
  }
  if (conflicts.length > 0 && !force) return { conflicts };
  for (const [k, m] of managers) {
    if (k === key) continue;
    const c = taken.get(k);
    if (!c && (cmp.removed.isEmpty() || (m.decoded === undefined && !cmp.removed.intersectsFieldsV1(m.raw)))) continue;
    const rest = (c ? setOf(m).difference(c) : setOf(m)).difference(cmp.removed);
    if (rest.isEmpty()) managers.delete(k);
    else assign(m, rest);
  }
  const mine = managers.get(key)!;
  const mineSet = set.difference(STRIPPED);
  assign(mine, mineSet);
  const objectChanged = !changed.isEmpty() || !cmp.removed.isEmpty();
  const setChanged = !lastSet || !deepEqual(lastSet.toFieldsV1(), mineSet.toFieldsV1());
  if (objectChanged || setChanged || !last?.time) mine.time = ctx.time;
  if (mineSet.isEmpty()) managers.delete(key);
  capUpdateManagers(managers);
  return { value, managers };
}

/**
 * Merges an applied configuration into the live object (typed/merge.go): maps field by field,
 * associative lists and sets item by item (in structured-merge-diff's order), anything else
 * replaced. A null in the configuration removes the field.
 */
export function mergeObject(live: JsonObject, config: JsonObject): JsonObject {
  return mergeValue(live, config, []) as JsonObject;
}

function mergeValue(live: Json | undefined, cfg: Json, path: string[]): Json {
  if (isObject(cfg) && !atomicMapAt(path)) {
    const base = isObject(live) ? live : {};
    const out: JsonObject = { ...base };
    for (const [k, v] of Object.entries(cfg)) {
      if (v === null) delete out[k];
      else out[k] = mergeValue(base[k], v, [...path, `f:${k}`]);
    }
    return out;
  }
  if (Array.isArray(cfg)) {
    const lt = listTypeAt(path);
    if (lt.type === 'atomic') return cloneJson(cfg);
    const rhs = indexList(cfg, lt, path, false);
    if (!rhs) return cloneJson(cfg);
    const lhs = Array.isArray(live) ? (indexList(live, lt, path, false) ?? []) : [];
    const item = (el: string, l: Json | undefined, r: Json): Json => (lt.type === 'map' ? mergeValue(l, r, [...path, el]) : r);
    return mergeOrdered(lhs, rhs, item);
  }
  return isObject(cfg) ? cloneJson(cfg) : cfg;
}

/** structured-merge-diff's list merge order: shared items where the config puts them, live-only items kept in place. */
function mergeOrdered(lhs: Array<[string, Json]>, rhs: Array<[string, Json]>, item: (el: string, l: Json | undefined, r: Json) => Json): Json[] {
  const lmap = new Map(lhs);
  const rmap = new Map(rhs);
  const shared = rhs.filter(([el]) => lmap.has(el)).map(([el]) => el);
  let nextShared = shared.shift();
  const out: Json[] = [];
  let li = 0;
  let ri = 0;
  while (li < lhs.length || ri < rhs.length) {
    const before = li + ri;
    if (li < lhs.length && ri < rhs.length) {
      const [le, lv] = lhs[li]!;
      const [re, rv] = rhs[ri]!;
      if (le === re) {
        out.push(item(le, lv, rv));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (rmap.has(le) && nextShared !== undefined && nextShared !== le) {
        li++;
        continue;
      }
    }
    if (li < lhs.length) {
      const [le, lv] = lhs[li]!;
      if (!rmap.has(le)) {
        out.push(lv);
        li++;
        continue;
      }
    }
    if (ri < rhs.length) {
      const [re, rv] = rhs[ri]!;
      out.push(item(re, lmap.get(re), rv));
      ri++;
      if (nextShared === re) nextShared = shared.shift();
    }
    // A live item the config already placed: skip it.
    if (li + ri === before) li++;
  }
  return out;
}

/**
 * Removes what the applier applied last time and no longer applies, unless some manager (the
 * applier's new configuration included) owns it or anything below it; a field left empty that
 * way goes too.
 */
function prune(merged: JsonObject, managers: Managers, last: FieldSet): JsonObject {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(setOf(m));
  const candidates = new Map<string, string[]>();
  for (const p of last.paths()) {
    for (let i = 1; i < p.length; i++) if (p[i - 1]!.startsWith('f:')) candidates.set(JSON.stringify(p.slice(0, i)), p.slice(0, i));
    candidates.set(JSON.stringify(p), p);
  }
  // The object's own frame is never pruned, whoever owns what is in it.
  for (const top of ['f:apiVersion', 'f:kind', 'f:metadata']) candidates.delete(JSON.stringify([top]));
  const ordered = [...candidates.values()].sort((a, b) => a.length - b.length);
  const out = cloneJson(merged);
  for (const p of ordered) if (!owned.hasAtOrBelow(p)) removeAt(out, p);
  return out;
}

function findItem(list: Json[], el: string, path: string[]): number {
  const lt = listTypeAt(path);
  if (lt.type === 'atomic') return -1;
  for (let i = 0; i < list.length; i++) {
    const one = indexList([list[i]!], lt, path, false);
    if (one?.[0]?.[0] === el) return i;
  }
  return -1;
}

function removeAt(obj: JsonObject, path: FieldPath): void {
  let cur: Json = obj;
  const walked: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const el = path[i]!;
    const lastEl = i === path.length - 1;
    if (el.startsWith('f:')) {
      if (!isObject(cur)) return;
      const k = el.slice(2);
      if (lastEl) {
        delete cur[k];
        return;
      }
      if (!Object.prototype.hasOwnProperty.call(cur, k)) return;
      cur = cur[k]!;
    } else if (el.startsWith('k:') || el.startsWith('v:')) {
      if (!Array.isArray(cur)) return;
      const idx = findItem(cur, el, walked);
      if (idx < 0) return;
      if (lastEl) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx]!;
    } else return;
    walked.push(el);
  }
}

/** The fields client-side apply recorded that still hold their applied values (lastAppliedManager). */
function allowedFromLastApplied(live: JsonObject, apiVersion: string): FieldSet | undefined {
  const annotations = isObject(live['metadata']) ? live['metadata']['annotations'] : undefined;
  const text = isObject(annotations) ? annotations[LAST_APPLIED] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(last) || last['apiVersion'] !== apiVersion) return undefined;
  const cmp = compare(last, live);
  return fieldSetOf(last).difference(cmp.modified).difference(cmp.added).difference(cmp.removed);
}

/** What the last-applied annotation holds after a server-side apply: the config, as Go encodes it. */
function lastAppliedOf(config: JsonObject): string {
  const copy = cloneJson(config);
  const meta = copy['metadata'];
  if (isObject(meta) && isObject(meta['annotations'])) delete meta['annotations'][LAST_APPLIED];
  return `${goJson(copy)}\n`;
}

/** JSON as Go's encoding/json writes a map: sorted keys, HTML characters escaped. */
function goJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${goString(k)}:${goJson(v[k]!)}`).join(',')}}`;
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v);
}

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---------------------------------------------------------------------------------------------
// The scale subresource (ScaleHandler): a Scale's `.spec.replicas` is its parent's

const REPLICAS: FieldPath = ['f:spec', 'f:replicas'];
const SCALE_VERSION = 'autoscaling/v1';

function sameManager(a: Manager, b: Manager): boolean {
  return a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '');
}

/** The managedFields a Scale shows: the parent's managers of `.spec.replicas`, in autoscaling/v1. */
export function scaleManagedFields(parent: unknown): ManagedFieldsEntry[] {
  const managers = decodeManagedFields(parent) ?? new Map<string, Manager>();
  const out: Managers = new Map();
  for (const m of managers.values()) {
    if (!setOf(m).has(REPLICAS)) continue;
    const s: Manager = { ...m, apiVersion: SCALE_VERSION, raw: undefined, decoded: FieldSet.of(REPLICAS) };
    out.set(identity(s), s);
  }
  return encodeManagedFields(out);
}

/**
 * The parent's managedFields after a write through its Scale: `.spec.replicas` belongs to the
 * managers the Scale's managedFields name for it (in the parent's version), and to no one else.
 */
export function parentManagedFields(parent: unknown, scale: unknown, parentVersion: string): ManagedFieldsEntry[] {
  const managers = decodeManagedFields(parent) ?? new Map<string, Manager>();
  const scaled = [...(decodeManagedFields(scale) ?? new Map<string, Manager>()).values()].filter((m) => setOf(m).has(REPLICAS));
  for (const [key, m] of managers) {
    if (!setOf(m).has(REPLICAS) || scaled.some((s) => sameManager(s, m))) continue;
    const rest = setOf(m).difference(FieldSet.of(REPLICAS));
    if (rest.isEmpty()) managers.delete(key);
    else assign(m, rest);
  }
  for (const s of scaled) {
    const existing = [...managers.values()].find((m) => sameManager(s, m));
    if (existing) {
      assign(existing, setOf(existing).union(FieldSet.of(REPLICAS)));
      if (s.time) existing.time = s.time;
      continue;
    }
    const m: Manager = { ...s, apiVersion: parentVersion, raw: undefined, decoded: FieldSet.of(REPLICAS) };
    managers.set(identity(m), m);
  }
  return encodeManagedFields(managers);
}
