/**
 * How virtual time is written in Kubernetes objects: RFC 3339 instants counted from an epoch.
 * Pure data formatting, shared by the model and the runtime.
 */

/** The default epoch: virtual time 0 is this instant in every deterministic run. */
export const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

let epochMs = DEFAULT_EPOCH_MS;

/**
 * Moves virtual time 0 to another instant. Only `kubelife up` does this (to the moment it
 * starts), so kubectl's own age arithmetic against its wall clock agrees with the server's.
 */
export function setEpoch(ms: number): void {
  epochMs = ms;
}

/** The instant virtual time 0 stands for. */
export function epoch(): number {
  return epochMs;
}

/** An RFC 3339 timestamp (seconds precision, as Kubernetes writes metav1.Time) for a virtual time. */
export function timestamp(virtualMs: number): string {
  return new Date(epochMs + Math.floor(virtualMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Go's RFC3339Nano for a virtual time (millisecond precision; trailing zeros of the fraction
 * dropped, as Go does): the prefix `kubectl logs --timestamps` puts on each line.
 */
export function timestampNano(virtualMs: number): string {
  const iso = new Date(epochMs + Math.floor(virtualMs)).toISOString();
  return iso.replace(/\.(\d+)Z$/, (_m, f: string) => {
    const trimmed = f.replace(/0+$/, '');
    return trimmed ? `.${trimmed}Z` : 'Z';
  });
}

/** Virtual milliseconds for an RFC 3339 timestamp written by `timestamp`. */
export function fromTimestamp(ts: string): number {
  return Date.parse(ts) - epochMs;
}
