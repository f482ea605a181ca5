/**
 * JSON merge patch (RFC 7386), the patch type every client can send. Strategic merge, JSON patch
 * and apply patches are served by the HTTP layer's patch module when it is installed.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, Json>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A patcher for one patch type: returns the patched object or an error message. */
export type Patcher = (current: unknown, patch: unknown, kind: string) => { ok: true; value: unknown } | { ok: false; error: string };

export const mergePatcher: Patcher = (current, patch) => {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return { ok: false, error: 'json: cannot unmarshal into Go value of type map[string]interface {}' };
  return { ok: true, value: mergePatch(current, patch) };
};
