/**
 * Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`), as
 * client-go's typed clients send them (kubectl create deployment|configmap|secret|..., drain's
 * evictions): decoded into the same JSON objects the JSON path produces, so the rest of the
 * server never sees protobuf. Responses stay JSON. See docs/SERVER.md.
 *
 * Wire format: the 4-byte prefix `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind},
 * raw, contentEncoding, contentType} whose `raw` is the typed message (e.g.
 * k8s.io.api.apps.v1.Deployment). The schema is ours (src/server/protobuf-schema.ts, with the
 * presence conventions that turn the wire into Go's JSON).
 *
 * Malformed input (bad prefix, truncated or garbage bytes, times out of range, a kind we have no
 * schema for) is a `{ ok: false, message }` the HTTP layer answers with 400; this module never
 * throws.
 */
import protobuf from 'protobufjs';
import type { ApiRequest } from '../../machines/client/protocol.ts';
import { apiVersionOf, resourceFor } from '../api/registry.ts';
import { DELETE_OPTIONS_MESSAGE, KIND_MESSAGES, PROTO_SOURCES } from './protobuf-schema.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** `k8s\0`: every Kubernetes protobuf object starts with it. */
export const PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** `unregistered`: the envelope named a kind we have no schema for (the bytes may be fine). */
export type DecodeResult = { ok: true; object: Record<string, unknown> } | { ok: false; message: string; unregistered?: GroupVersionKind };

export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}

/** What the decoder needs to know of the request. */
export type RequestTarget = Pick<ApiRequest, 'verb' | 'group' | 'version' | 'resource' | 'subresource'>;

const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';
const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
const DURATION = 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration';
const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';

let root: protobuf.Root | undefined;

/** The parsed schema (parsed once, on first use). Exported for tests that encode bodies. */
export function protobufRoot(): protobuf.Root {
  if (!root) {
    const r = new protobuf.Root();
    for (const src of PROTO_SOURCES) protobuf.parse(src, r, { keepCase: true });
    r.resolveAll();
    root = r;
  }
  return root;
}

/** The message type a body of this apiVersion/kind is decoded as, if we have a schema for it. */
export function messageTypeFor(apiVersion: string, kind: string): protobuf.Type | undefined {
  const name = kind === 'DeleteOptions' ? DELETE_OPTIONS_MESSAGE : KIND_MESSAGES[`${apiVersion}/${kind}`];
  return name ? protobufRoot().lookupType(name) : undefined;
}

/** Every apiVersion/kind we decode (DeleteOptions is accepted in any group version). */
export function decodableKinds(): string[] {
  return [...Object.keys(KIND_MESSAGES), 'DeleteOptions'];
}

/** Wraps a typed message in the `k8s\0` + runtime.Unknown envelope (tests and tools). */
export function encodeProtobufEnvelope(gvk: GroupVersionKind, raw: Uint8Array): Buffer {
  const Unknown = protobufRoot().lookupType(UNKNOWN);
  const env = Unknown.encode(Unknown.create({ typeMeta: { apiVersion: gvk.apiVersion, kind: gvk.kind }, raw })).finish();
  return Buffer.concat([PROTOBUF_MAGIC, env]);
}

class DecodeError extends Error {}

function hasPrefix(buf: Uint8Array): boolean {
  return buf.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((b, i) => buf[i] === b);
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decodes a protobuf request body into its JSON object, apiVersion and kind first. `defaults`
 * fills an envelope without TypeMeta (the kind the request path implies), as kube-apiserver does.
 */
export function decodeProtobufBody(buf: Uint8Array, defaults?: GroupVersionKind): DecodeResult {
  if (!hasPrefix(buf)) {
    return { ok: false, message: 'the body of the request was not a Kubernetes protobuf object: it does not start with the prefix "k8s\\x00"' };
  }
  let envelope: Record<string, unknown>;
  try {
    envelope = protobufRoot().lookupType(UNKNOWN).decode(buf.subarray(PROTOBUF_MAGIC.length)) as unknown as Record<string, unknown>;
  } catch (e) {
    return { ok: false, message: `the body of the request could not be decoded as protobuf: ${reason(e)}` };
  }
  const encoding = envelope['contentEncoding'];
  if (typeof encoding === 'string' && encoding !== '') {
    return { ok: false, message: `the body of the request has contentEncoding "${encoding}", which is not supported` };
  }
  const contentType = envelope['contentType'];
  if (typeof contentType === 'string' && contentType !== '' && contentType !== PROTOBUF_MEDIA_TYPE) {
    return { ok: false, message: `the body of the request has contentType "${contentType}" inside its protobuf envelope, which is not supported` };
  }
  const typeMeta = (envelope['typeMeta'] ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = typeMeta.apiVersion || defaults?.apiVersion || '';
  const kind = typeMeta.kind || defaults?.kind || '';
  if (!kind) return { ok: false, message: "Object 'Kind' is missing in the protobuf envelope of the request body" };
  if (!apiVersion) return { ok: false, message: "Object 'apiVersion' is missing in the protobuf envelope of the request body" };
  const type = messageTypeFor(apiVersion, kind);
  if (!type) {
    return {
      ok: false, unregistered: { apiVersion, kind },
      message: `no kind "${kind}" is registered for version "${apiVersion}" (protobuf request bodies are decoded for: ${decodableKinds().join(', ')})`,
    };
  }
  const raw = envelope['raw'] instanceof Uint8Array ? envelope['raw'] : new Uint8Array(0);
  const r = decodeMessage(type, raw);
  if (!r.ok) return { ok: false, message: `the ${kind} in the body of the request ${r.message}` };
  return { ok: true, object: { apiVersion, kind, ...r.object } };
}

/** Decodes one message (no envelope) of our schema into its JSON form. */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, object: messageToJson(type.decode(bytes) as unknown as Msg, type) };
  } catch (e) {
    return { ok: false, message: `${e instanceof DecodeError ? '' : 'could not be decoded as protobuf: '}${reason(e)}` };
  }
}

/** The kind a request path implies, for an envelope that carries no TypeMeta. */
export function defaultKindFor(req: RequestTarget): GroupVersionKind | undefined {
  const gv = apiVersionOf(req);
  if (req.verb === 'delete' || req.verb === 'deletecollection') return { apiVersion: gv, kind: 'DeleteOptions' };
  if (req.subresource === 'binding') return { apiVersion: 'v1', kind: 'Binding' };
  if (req.subresource === 'eviction') return { apiVersion: 'policy/v1', kind: 'Eviction' };
  if (req.subresource === 'scale') return { apiVersion: 'autoscaling/v1', kind: 'Scale' };
  const info = resourceFor(req.group, req.resource);
  return info && info.version === req.version ? { apiVersion: apiVersionOf(info), kind: info.kind } : undefined;
}

/** Whether kubelife serves the request's path (resource, version and subresource). */
function servedPath(req: RequestTarget): boolean {
  const info = resourceFor(req.group, req.resource);
  return info !== undefined && info.version === req.version && (req.subresource === undefined || info.subresources.includes(req.subresource));
}

/**
 * The body of an HTTP request: `undefined` for an empty body (as the JSON path), else the decoded
 * object, with the path's kind as the default for an envelope without TypeMeta. A kind we have no
 * schema for, sent to a path we do not serve (e.g. `kubectl create token`'s TokenRequest on
 * serviceaccounts/token), yields just its apiVersion and kind, so the API answers 404 for the path
 * as kube-apiserver would; on a served path it is a 400.
 */
export function decodeProtobufRequestBody(buf: Uint8Array, req: RequestTarget): { ok: true; object: Record<string, unknown> | undefined } | { ok: false; message: string } {
  if (buf.length === 0) return { ok: true, object: undefined };
  const r = decodeProtobufBody(buf, defaultKindFor(req));
  if (!r.ok && r.unregistered && !servedPath(req)) return { ok: true, object: { ...r.unregistered } };
  return r;
}

// ---------------------------------------------------------------------------------------------
// Message -> JSON

type Msg = Record<string, unknown>;

function own(m: Msg, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, name);
}

function isLong(v: unknown): v is protobuf.Long {
  return typeof v === 'object' && v !== null && typeof (v as { low?: unknown }).low === 'number' && typeof (v as { high?: unknown }).high === 'number';
}

function longToNumber(v: protobuf.Long): number {
  return protobuf.util.LongBits.from(v).toNumber(v.unsigned);
}

function toNumber(v: unknown): number {
  if (isLong(v)) return longToNumber(v);
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function toBigInt(v: unknown): bigint {
  if (isLong(v)) return BigInt(String(v));
  return BigInt(Math.trunc(toNumber(v)));
}

/** Whether a field keeps zero values (`optional` in our schema: Go pointers, always-printed fields). */
function keepsZero(field: protobuf.Field): boolean {
  return field.options?.['proto3_optional'] === true;
}

function isInline(field: protobuf.Field): boolean {
  return field.options?.['(inline)'] === true;
}

function messageToJson(m: Msg, type: protobuf.Type): Msg {
  const out: Msg = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    const v = m[name];
    if (field.map) {
      const entries = v && typeof v === 'object' ? Object.entries(v as Msg) : [];
      if (entries.length === 0) continue;
      const obj: Msg = {};
      for (const [k, x] of entries) obj[k] = valueToJson(x, field, true, `${name}[${k}]`);
      out[name] = obj;
    } else if (field.repeated) {
      if (!Array.isArray(v) || v.length === 0) continue;
      out[name] = v.map((x, i) => valueToJson(x, field, true, `${name}[${i}]`));
    } else {
      const keep = keepsZero(field);
      if (keep && !own(m, name)) continue;
      if (v === null || v === undefined) continue;
      const j = valueToJson(v, field, keep, name);
      if (j === undefined) continue;
      if (isInline(field) && typeof j === 'object' && j !== null && !Array.isArray(j)) Object.assign(out, j);
      else out[name] = j;
    }
  }
  return out;
}

/** One value of a field; `keep` false drops Go zero values (omitempty). */
function valueToJson(v: unknown, field: protobuf.Field, keep: boolean, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return specialOrMessage(v as Msg, rt, keep, path);
  if (field.type === 'bytes') {
    const b = v instanceof Uint8Array ? v : new Uint8Array(0);
    return !keep && b.length === 0 ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  }
  const x = isLong(v) ? longToNumber(v) : v;
  if (!keep && (x === '' || x === 0 || x === false)) return undefined;
  return x;
}

function specialOrMessage(m: Msg, type: protobuf.Type, keep: boolean, path: string): unknown {
  switch (type.fullName.slice(1)) {
    case TIME: return timeToJson(m, false, path);
    case MICRO_TIME: return timeToJson(m, true, path);
    case DURATION: return own(m, 'duration') ? goDuration(toBigInt(m['duration'])) : undefined;
    case QUANTITY: return typeof m['string'] === 'string' && m['string'] !== '' ? m['string'] : '0';
    case INT_OR_STRING: {
      const isString = toNumber(m['type']) === 1;
      const value = isString ? (m['strVal'] as string | undefined) ?? '' : toNumber(m['intVal']);
      return !keep && value === 0 ? undefined : value;
    }
    case RAW_EXTENSION: return rawToJson(m['raw'], path);
    case FIELDS_V1: return rawToJson(m['Raw'], path);
    default: return messageToJson(m, type);
  }
}

/** The earliest and latest instants Go's RFC 3339 marshalling accepts (years 0000-9999). */
const MIN_SECONDS = -62167219200;
const MAX_SECONDS = 253402300799;

/** metav1.Time (seconds, as Kubernetes drops the nanos) or MicroTime (RFC3339Micro), in UTC. */
function timeToJson(m: Msg, micro: boolean, path: string): string | undefined {
  // An empty message is Go's zero time, which JSON writes as null: leave the field out.
  if (!own(m, 'seconds') && !own(m, 'nanos')) return undefined;
  let seconds = toNumber(m['seconds']);
  let nanos = micro ? toNumber(m['nanos']) : 0;
  seconds += Math.floor(nanos / 1e9);
  nanos = ((nanos % 1e9) + 1e9) % 1e9;
  if (!Number.isFinite(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new DecodeError(`has a time out of range at ${path}: ${seconds} seconds since the epoch`);
  }
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/** RawExtension / FieldsV1 bytes: JSON, or a nested protobuf object. Empty -> left out. */
function rawToJson(raw: unknown, path: string): unknown {
  const b = raw instanceof Uint8Array ? raw : new Uint8Array(0);
  if (b.length === 0) return undefined;
  if (hasPrefix(b)) {
    const nested = decodeProtobufBody(b);
    if (!nested.ok) throw new DecodeError(`has an embedded object at ${path} that ${nested.message}`);
    return nested.object;
  }
  try {
    return JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  } catch (e) {
    throw new DecodeError(`has raw bytes at ${path} that are not JSON: ${reason(e)}`);
  }
}

/** Go's time.Duration.String (metav1.Duration's JSON form): "1h2m3.5s", "1.5ms", "0s". */
export function goDuration(d: bigint): string {
  if (d === 0n) return '0s';
  const sign = d < 0n ? '-' : '';
  let u = d < 0n ? -d : d;
  const frac = (v: bigint, unit: bigint, digits: number): string => {
    const whole = v / unit;
    const rest = v % unit;
    return rest === 0n ? `${whole}` : `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
  };
  if (u < 1000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) return `${sign}${frac(u, 1000n, 3)}µs`;
  if (u < 1_000_000_000n) return `${sign}${frac(u, 1_000_000n, 6)}ms`;
  const h = u / 3_600_000_000_000n;
  u %= 3_600_000_000_000n;
  const min = u / 60_000_000_000n;
  u %= 60_000_000_000n;
  const s = `${frac(u, 1_000_000_000n, 9)}s`;
  return sign + (h > 0n ? `${h}h${min}m${s}` : min > 0n ? `${min}m${s}` : s);
}
