/**
 * Field errors as k8s.io/apimachinery/pkg/util/validation/field prints them: a cause type, the
 * field path (`spec.containers[0].image`) and the error body (`Required value`,
 * `Invalid value: "Foo": <detail>`, `Unsupported value: "x": supported values: "a", "b"`).
 */

/** field.ErrorType values, which become `details.causes[].reason` (our `type`) in a Status. */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

/** One validation failure: what a 422 Status carries in `details.causes`. */
export interface FieldCause {
  type: CauseType;
  message: string;
  field: string;
}

/** The error body without the field, as field.Error.ErrorBody() renders it. */
export interface ErrorBody {
  type: CauseType;
  message: string;
}

/** A value already rendered in Go syntax, for structs whose %#v form a message must reproduce. */
export class GoLiteral {
  constructor(readonly text: string) {}
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A bad value the way Go's fmt renders it inside an error body: strings quoted (%q), numbers and
 * booleans bare, nil as "null", string slices and maps in Go syntax (%#v, keys sorted as fmt does).
 */
export function formatBadValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof GoLiteral) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (isPlainObject(v) && Object.values(v).every((x) => typeof x === 'string')) {
    const keys = Object.keys(v).sort();
    return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** Constructors mirroring field.Required, field.Invalid, field.NotSupported and friends. */
export const body = {
  required: (detail = ''): ErrorBody => ({ type: 'FieldValueRequired', message: withDetail('Required value', detail) }),
  invalid: (value: unknown, detail: string): ErrorBody => ({ type: 'FieldValueInvalid', message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) }),
  typeInvalid: (value: unknown, detail: string): ErrorBody => ({ type: 'FieldValueTypeInvalid', message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail) }),
  notSupported: (value: unknown, supported: readonly string[]): ErrorBody => ({
    type: 'FieldValueNotSupported',
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : ''),
  }),
  duplicate: (value: unknown): ErrorBody => ({ type: 'FieldValueDuplicate', message: `Duplicate value: ${formatBadValue(value)}` }),
  notFound: (value: unknown): ErrorBody => ({ type: 'FieldValueNotFound', message: `Not found: ${formatBadValue(value)}` }),
  forbidden: (detail: string): ErrorBody => ({ type: 'FieldValueForbidden', message: withDetail('Forbidden', detail) }),
  tooLong: (maxBytes: number): ErrorBody => ({ type: 'FieldValueTooLong', message: `Too long: must have at most ${maxBytes} bytes` }),
  tooMany: (actual: number, max: number): ErrorBody => ({ type: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items` }),
};

function withDetail(head: string, detail: string): string {
  return detail ? `${head}: ${detail}` : head;
}

/** The cause a Status carries for `field` and an error body. */
export function cause(field: string, b: ErrorBody): FieldCause {
  return { type: b.type, message: b.message, field };
}

/** field.Path.Child. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** field.Path.Index. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** field.Path.Key: map entries print as `requests[cpu]`. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** Formats path segments as a field path; `isMapKey(i)` says when segment i is a map key. */
export function formatPath(segments: readonly PropertyKey[], isMapKey: (i: number) => boolean = () => false): string {
  let out = '';
  segments.forEach((s, i) => {
    if (typeof s === 'number') out = index(out, s);
    else if (isMapKey(i)) out = key(out, String(s));
    else out = child(out, String(s));
  });
  return out;
}

/** validation.InclusiveRangeError. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}
