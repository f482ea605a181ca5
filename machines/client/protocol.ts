/**
 * The messages between components and kube-apiserver. Components never call each other: they send
 * ApiRequests, and receive ApiResponses and watch events, all across the simulated network.
 */
import type { KObject } from '../../src/api/objects.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface RequestQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  limit?: number;
  continue?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  dryRun?: string;
  fieldManager?: string;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  force?: boolean;
  container?: string;
  tailLines?: number;
  previous?: boolean;
  sinceSeconds?: number;
  limitBytes?: number;
  timestamps?: boolean;
  follow?: boolean;
  [key: string]: unknown;
}

export interface ApiRequest {
  verb: Verb;
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  body?: unknown;
  /** For patch: the Content-Type it arrived with, reduced to its kind. */
  patchType?: 'merge' | 'json' | 'strategic' | 'apply';
  query?: RequestQuery;
  /** Bearer token; undefined means an anonymous request. */
  token?: string;
  /** Impersonate-User / Impersonate-Group headers: act as this user, if allowed to. */
  impersonate?: { user: string; groups: string[] };
  /** Delete options as a body (DeleteOptions) are folded into query by the HTTP layer. */
}

export interface ApiResponse {
  code: number;
  /** An object, a list, or a Status. */
  body: unknown;
  /** Admission and validation warnings (the Warning header). */
  warnings?: string[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KObject;
}

/** A short human label for a request, used in traces: "POST /api/v1/namespaces/default/pods". */
export function describeRequest(req: ApiRequest): string {
  const method = { get: 'GET', list: 'GET', watch: 'WATCH', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE' }[req.verb];
  return `${method} ${requestPath(req)}`;
}

/** The REST path of a request, as kubectl would send it. */
export function requestPath(req: ApiRequest): string {
  let p = req.group ? `/apis/${req.group}/${req.version}` : `/api/${req.version}`;
  if (req.namespace) p += `/namespaces/${req.namespace}`;
  p += `/${req.resource}`;
  if (req.name) p += `/${req.name}`;
  if (req.subresource) p += `/${req.subresource}`;
  return p;
}
