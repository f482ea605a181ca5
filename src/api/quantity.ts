/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): a signed decimal number
 * followed by a binary suffix (Ki..Ei), a decimal SI suffix (n, u, m, k, M, G, T, P, E) or a
 * decimal exponent (e3, E-2). Parsed exactly enough for scheduling: values are JavaScript numbers
 * of base units; CPU is compared in millicores, rounded up as Kubernetes' MilliValue() does.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  }
}

export interface ParsedQuantity { ok: true; value: number }
export interface QuantityFailure { ok: false; error: string }

/** Parses a quantity into base units, returning a result instead of throwing. */
export function tryParseQuantity(input: string | number): ParsedQuantity | QuantityFailure {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, error: 'not a finite number' };
  }
  const m = QUANTITY.exec(input.trim() === input ? input : '\u0000');
  if (!m || input.length === 0) return { ok: false, error: new QuantityError(input).message };
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  let mult: number;
  if (suffix in BINARY) mult = BINARY[suffix]!;
  else if (suffix in DECIMAL) mult = DECIMAL[suffix]!;
  else mult = 10 ** Number(suffix.slice(1));
  const value = num * mult;
  if (!Number.isFinite(value)) return { ok: false, error: 'quantity out of range' };
  return { ok: true, value };
}

/** Parses a quantity into base units; throws QuantityError on bad input. */
export function parseQuantity(input: string | number): number {
  const r = tryParseQuantity(input);
  if (!r.ok) throw new QuantityError(String(input));
  return r.value;
}

/** Milli-units rounded up, as resource.Quantity.MilliValue() (used for CPU). */
export function milliValue(input: string | number): number {
  const v = parseQuantity(input) * 1000;
  // Guard against binary floating point noise such as 0.1*1000 = 100.00000000000001.
  const rounded = Math.round(v);
  return Math.abs(v - rounded) < 1e-6 ? rounded : Math.ceil(v);
}

/** Whole units rounded up, as resource.Quantity.Value() (used for memory, pods, extended resources). */
export function intValue(input: string | number): number {
  const v = parseQuantity(input);
  const rounded = Math.round(v);
  return Math.abs(v - rounded) < 1e-6 ? rounded : Math.ceil(v);
}

/** Formats millicores the way kubectl prints CPU: "250m" or "2". */
export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Formats bytes with the largest exact binary suffix ("128Mi"), else plain bytes. */
export function formatBytes(bytes: number): string {
  for (const [suffix, mult] of Object.entries(BINARY).reverse()) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult}${suffix}`;
  }
  return String(bytes);
}

/** A resource amount in the unit the scheduler compares: millicores for cpu, integers otherwise. */
export function resourceAmount(resource: string, q: string | number): number {
  return resource === 'cpu' ? milliValue(q) : intValue(q);
}
