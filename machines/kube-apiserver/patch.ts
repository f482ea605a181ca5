/**
 * JSON merge patch (RFC 7386), the patch type every client can send. Strategic merge, JSON patch
 * and apply patches are served by the HTTP layer's patch module when it is installed; server-side
 * apply's field management itself lives in `field-manager.ts`.
 */

import type { Status } from '../../src/api/status.ts';
import type { ApplyContext } from './field-manager.ts';

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

/**
 * Who is patching, for field management: the request's field manager and `force`, the
 * resource's apiVersion (autoscaling/v1 for a Scale), the time of the write and the subresource.
 * Server-side apply needs it; the other patch types ignore it (the API server records their
 * managedFields itself, as an Update).
 */
export type PatchContext = ApplyContext;

/**
 * The outcome of a patch: the patched object (for apply, with its new `metadata.managedFields`),
 * or an error message (answered 400), or a full Status to answer (an apply conflict is a 409).
 */
export type PatchResult = { ok: true; value: unknown } | { ok: false; error: string; status?: Status };

/** A patcher for one patch type. `ctx` is always given by the API server. */
export type Patcher = (current: unknown, patch: unknown, kind: string, ctx?: PatchContext) => PatchResult;

export const mergePatcher: Patcher = (current, patch) => {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return { ok: false, error: 'json: cannot unmarshal into Go value of type map[string]interface {}' };
  return { ok: true, value: mergePatch(current, patch) };
};
