/**
 * The HTTP facade of the simulated kube-apiserver: maps REST requests (as kubectl v1.32 and
 * @kubernetes/client-node send them) to `ApiRequest`s served by `Simulation.serve` at the current
 * virtual time, and serves what the clients need around them: /version, legacy discovery,
 * a minimal OpenAPI v3, health endpoints and watch streams. See docs/SERVER.md.
 *
 * Every error is a Kubernetes Status with the matching HTTP code; bad input is never a 5xx.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { RESOURCES, apiVersionOf, resourceFor, storageKey, type ResourceInfo } from '../api/registry.ts';
import { errors, type Status } from '../api/status.ts';
import type { KObject, Pod } from '../api/objects.ts';
import { requestPath, type ApiRequest, type RequestQuery, type Verb } from '../../machines/client/protocol.ts';
import { formatLogLine } from '../../machines/kube-apiserver/core.ts';
import type { Simulation } from '../sim/simulation.ts';
import { toTable, type IncludeObject } from './printers.ts';
import { PATCHERS } from './patch.ts';
import { PROTOBUF_MEDIA_TYPE, decodeProtobufRequestBody } from './protobuf.ts';

/** Largest request body accepted (kube-apiserver's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:32Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

/** Turns a served list (or object) into a meta.k8s.io/v1 Table. */
export type TableHook = (body: unknown, info: ResourceInfo, req: ApiRequest, now: number) => unknown;

/** The default TableHook: src/server/printers.ts, with kubectl's includeObject semantics. */
export const printTable: TableHook = (body, info, req, now) => {
  const b = body as { items?: KObject[]; metadata?: { resourceVersion?: string; continue?: string } } & KObject;
  const isList = Array.isArray(b.items);
  const items = isList ? b.items! : [b as KObject];
  const inc = req.query?.['includeObject'];
  const includeObject: IncludeObject = inc === 'None' || inc === 'Object' ? inc : 'Metadata';
  const rv = isList ? b.metadata?.resourceVersion : undefined;
  const t = toTable(info.resource, items, { now, includeObject, ...(rv ? { resourceVersion: rv } : {}) });
  if (isList && b.metadata?.continue) t.metadata.continue = b.metadata.continue;
  return t;
};

export interface HandlerOptions {
  sim: Simulation;
  /** The client name used in traces (default "kubectl"). */
  from?: string;
  /** Table printer for `Accept: application/json;as=Table;...` (default printTable); null sends plain JSON. */
  table?: TableHook | null;
  /** Install the strategic-merge, JSON-patch and apply patchers into the API server (default true). */
  installPatchers?: boolean;
  /** Called after every served request (the pacer may want to run the clock at once). */
  onServed?: () => void;
  /**
   * Wall milliseconds between BOOKMARK events on watches that allow them (default 60,000: the
   * watch cache sends one about every minute) and between polls of a followed log (default 100).
   */
  bookmarkIntervalMs?: number;
  logPollMs?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

class HttpError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

function sendJson(res: ServerResponse, code: number, body: unknown, extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': bytes.length, ...extra });
  res.end(bytes);
}

function sendStatus(res: ServerResponse, s: Status): void {
  sendJson(res, s.code ?? 500, s);
}

function notFoundPath(): Status {
  return { ...errors.notFound('', '', ''), message: 'the server could not find the requested resource', details: {} } as Status;
}

/** Reads the body, refusing more than MAX_BODY_BYTES with 413. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > MAX_BODY_BYTES) {
      reject(new HttpError(errors.tooLarge('Request entity too large: limit is 3145728')));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(new HttpError(errors.tooLarge('Request entity too large: limit is 3145728')));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Parses a request body as JSON, or YAML for YAML media types. Malformed -> 400. */
function parseBody(buf: Buffer, type: string): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  const yaml = type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'application/x-yaml' || type === 'text/yaml';
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new HttpError(errors.badRequest(`the body of the request could not be decoded as ${yaml ? 'YAML' : 'JSON'}: ${msg}`));
  }
}

/** Decodes a Kubernetes protobuf body (src/server/protobuf.ts) into its JSON object. Malformed -> 400. */
function protobufBody(buf: Buffer, req: ApiRequest): unknown {
  const r = decodeProtobufRequestBody(buf, req);
  if (!r.ok) throw new HttpError(errors.badRequest(r.message));
  return r.object;
}

const PATCH_TYPES: Record<string, ApiRequest['patchType']> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const BODY_TYPES = new Set(['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE]);

const INT_PARAMS = ['limit', 'gracePeriodSeconds', 'timeoutSeconds', 'tailLines', 'sinceSeconds', 'limitBytes'] as const;
const BOOL_PARAMS = ['allowWatchBookmarks', 'force', 'previous', 'follow', 'timestamps', 'orphanDependents', 'sendInitialEvents'] as const;
const STRING_PARAMS = ['labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'continue', 'dryRun', 'fieldManager', 'container', 'includeObject'] as const;

function parseQuery(sp: URLSearchParams): { query: RequestQuery; watch: boolean } {
  const query: RequestQuery = {};
  for (const k of STRING_PARAMS) {
    const all = sp.getAll(k);
    if (all.length > 0) query[k] = all.join(',');
  }
  for (const k of INT_PARAMS) {
    const v = sp.get(k);
    if (v === null || v === '') continue;
    if (!/^-?\d+$/.test(v)) throw new HttpError(errors.badRequest(`invalid value for ${k}: "${v}" is not an integer`));
    query[k] = Number(v);
  }
  for (const k of BOOL_PARAMS) {
    const v = sp.get(k);
    if (v === null) continue;
    query[k] = v === '' || v === 'true' || v === '1';
  }
  const fv = sp.get('fieldValidation');
  if (fv !== null && fv !== '') {
    if (fv !== 'Ignore' && fv !== 'Warn' && fv !== 'Strict') throw new HttpError(errors.badRequest(`fieldValidation must be one of Ignore, Warn, Strict, got "${fv}"`));
    query.fieldValidation = fv;
  }
  const pp = sp.get('propagationPolicy');
  if (pp !== null && pp !== '') query.propagationPolicy = checkPropagation(pp);
  const w = sp.get('watch');
  return { query, watch: w === 'true' || w === '1' };
}

function checkPropagation(pp: unknown): 'Foreground' | 'Background' | 'Orphan' {
  if (pp !== 'Foreground' && pp !== 'Background' && pp !== 'Orphan') throw new HttpError(errors.badRequest(`propagationPolicy must be one of Foreground, Background, Orphan, got "${String(pp)}"`));
  return pp;
}

/** Folds a DeleteOptions body into the query, as the protocol expects. */
function foldDeleteOptions(query: RequestQuery, body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw new HttpError(errors.badRequest('the body of a DELETE must be a DeleteOptions object'));
  const o = body as Record<string, unknown>;
  if (o['gracePeriodSeconds'] !== undefined && o['gracePeriodSeconds'] !== null) {
    if (typeof o['gracePeriodSeconds'] !== 'number' || !Number.isInteger(o['gracePeriodSeconds'])) throw new HttpError(errors.badRequest('DeleteOptions.gracePeriodSeconds must be an integer'));
    query.gracePeriodSeconds = o['gracePeriodSeconds'];
  }
  if (o['propagationPolicy'] !== undefined && o['propagationPolicy'] !== null) query.propagationPolicy = checkPropagation(o['propagationPolicy']);
  if (typeof o['orphanDependents'] === 'boolean') query['orphanDependents'] = o['orphanDependents'];
  if (Array.isArray(o['dryRun']) && o['dryRun'].length > 0) query.dryRun = o['dryRun'].join(',');
  if (o['preconditions'] && typeof o['preconditions'] === 'object') query['preconditions'] = o['preconditions'];
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers['authorization'];
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

interface Route {
  group: string;
  version: string;
  rest: string[];
}

/** Splits /api/v1/... and /apis/{g}/{v}/... ; undefined for other paths. */
/** Impersonate-User and Impersonate-Group headers; groups without a user are a 400 upstream too. */
function impersonation(req: IncomingMessage): { user: string; groups: string[] } | { error: string } | undefined {
  const user = req.headers['impersonate-user'];
  const raw = req.headers['impersonate-group'];
  const groups = (Array.isArray(raw) ? raw : raw !== undefined ? [raw] : []).flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
  if (user === undefined || user === '') return groups.length ? { error: 'requested impersonation of groups without a user' } : undefined;
  return { user: Array.isArray(user) ? user[0]! : user, groups };
}

function apiRoute(segs: string[]): Route | undefined {
  if (segs[0] === 'api' && segs.length >= 2) return { group: '', version: segs[1]!, rest: segs.slice(2) };
  if (segs[0] === 'apis' && segs.length >= 3) return { group: segs[1]!, version: segs[2]!, rest: segs.slice(3) };
  return undefined;
}

interface Target {
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function target(rest: string[]): Target | undefined {
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    const [, namespace, resource, name, subresource, ...more] = rest;
    if (more.length > 0) return undefined;
    return { resource: resource!, namespace: namespace!, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
  }
  const [resource, name, subresource, ...more] = rest;
  if (more.length > 0 || resource === undefined) return undefined;
  return { resource, ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
}

/** The verb for a method on a path; undefined (405) where upstream registers no handler. */
function verbFor(method: string, t: Target, watch: boolean): Verb | undefined {
  switch (method) {
    case 'GET': return t.name ? (watch ? 'watch' : 'get') : watch ? 'watch' : 'list';
    // POST goes to a collection, or to an item's create-style subresource (binding, eviction).
    case 'POST': return t.name === undefined || t.subresource !== undefined ? 'create' : undefined;
    // PUT and PATCH only exist on items: on a collection they are 405, not a nameless write.
    case 'PUT': return t.name !== undefined ? 'update' : undefined;
    case 'PATCH': return t.name !== undefined ? 'patch' : undefined;
    case 'DELETE': return t.name ? 'delete' : 'deletecollection';
    default: return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Discovery and OpenAPI

function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

const SUBRESOURCE_INFO: Record<string, { group?: string; version?: string; kind?: string; verbs: string[] }> = {
  status: { verbs: ['get', 'patch', 'update'] },
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
  log: { verbs: ['get'] },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  finalize: { verbs: ['update'] },
};

export function apiResourceList(group: string, version: string): unknown {
  const resources: unknown[] = [];
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    resources.push({
      name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of r.subresources) {
      const si = SUBRESOURCE_INFO[s] ?? { verbs: ['get'] };
      resources.push({
        name: `${r.resource}/${s}`, singularName: '', namespaced: r.namespaced,
        ...(si.group !== undefined && si.group !== group ? { group: si.group, version: si.version } : {}),
        kind: si.kind ?? r.kind, verbs: si.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

function apiGroup(group: string): unknown {
  const versions = groupVersions().filter((gv) => gv.group === group).map((gv) => ({ groupVersion: apiVersionOf(gv), version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(): unknown {
  const groups = [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => { const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g) as Record<string, unknown>; return rest; }) };
}

const AGGREGATED_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Does the client accept aggregated discovery (apidiscovery.k8s.io/v2), as kubectl 1.30+ does? */
function wantsAggregated(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((part) => {
    const params = new Map(part.split(';').slice(1).map((kv) => kv.trim().split('=') as [string, string]));
    return params.get('g') === 'apidiscovery.k8s.io' && params.get('v') === 'v2' && params.get('as') === 'APIGroupDiscoveryList';
  });
}

/**
 * Aggregated discovery: `/api` (the core group, nameless) or `/apis` (every named group) with all
 * their resources in one document, so kubectl needs no per-group-version requests.
 */
export function aggregatedDiscovery(core: boolean): unknown {
  const groups = core ? [''] : [...new Set(RESOURCES.filter((r) => r.group !== '').map((r) => r.group))];
  const items = groups.map((group) => ({
    metadata: { ...(group ? { name: group } : {}), creationTimestamp: null },
    versions: groupVersions().filter((gv) => gv.group === group).map((gv) => ({
      version: gv.version,
      freshness: 'Current',
      resources: RESOURCES.filter((r) => r.group === group && r.version === gv.version).map((r) => ({
        resource: r.resource,
        responseKind: { group: r.group, version: r.version, kind: r.kind },
        scope: r.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: r.singular,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
        ...(r.subresources.length ? {
          subresources: r.subresources.map((s) => {
            const si = SUBRESOURCE_INFO[s] ?? { verbs: ['get'] };
            return { subresource: s, responseKind: { group: si.group ?? r.group, version: si.version ?? r.version, kind: si.kind ?? r.kind }, verbs: si.verbs };
          }),
        } : {}),
      })),
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

function gvKey(gv: { group: string; version: string }): string {
  return gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
}

function gvHash(key: string): string {
  return createHash('sha256').update(`kubelife ${VERSION_INFO.gitVersion} ${key}`).digest('hex').slice(0, 16).toUpperCase();
}

export function openapiRoot(): unknown {
  const paths: Record<string, unknown> = {};
  for (const gv of groupVersions()) {
    const key = gvKey(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${gvHash(key)}` };
  }
  return { paths };
}

/** One PATCH operation per kind declaring fieldValidation: enough for kubectl apply/create. */
export function openapiGroupVersion(key: string): unknown | undefined {
  const gv = groupVersions().find((x) => gvKey(x) === key);
  if (!gv) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === gv.group && x.version === gv.version)) {
    const base = `/${key}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.namespaced ? 'Namespaced' : ''}${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string' } })),
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths, components: { schemas: {} } };
}

// ---------------------------------------------------------------------------------------------

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers['accept'] ?? '';
  return accept.split(',').some((part) => /(^|;)\s*as=Table\b/.test(part) && /\bg=meta\.k8s\.io\b/.test(part));
}

/** The request handler for node:http / node:https servers. */
export function createHandler(opts: HandlerOptions): Handler {
  const { sim } = opts;
  const from = opts.from ?? 'kubectl';
  const table = opts.table === null ? undefined : opts.table ?? printTable;
  if (opts.installPatchers !== false) {
    for (const kind of ['merge', 'json', 'strategic', 'apply'] as const) sim.api.installPatcher(kind, PATCHERS[kind]);
  }
  const authenticated = (req: IncomingMessage): boolean => sim.authenticator.authenticate(bearer(req)) !== undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://kubelife.invalid');
    let segs: string[];
    try {
      segs = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    } catch {
      return sendStatus(res, errors.badRequest(`malformed request path: ${url.pathname}`));
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const p = '/' + segs.join('/');

    // Public endpoints (system:public-info-viewer).
    if (p === '/version') return method === 'GET' ? sendJson(res, 200, VERSION_INFO) : sendStatus(res, errors.methodNotAllowed('get', 'version'));
    if (p === '/healthz' || p === '/readyz' || p === '/livez' || /^\/(healthz|readyz|livez)\/.+/.test(p)) {
      const ok = sim.apiserverActor.getSnapshot().matches('serving') && sim.etcdActor.getSnapshot().matches('serving');
      res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private' });
      res.end(ok ? 'ok' : 'not ok: etcd or kube-apiserver is not serving');
      return;
    }

    // Discovery and OpenAPI need an authenticated user (system:discovery).
    const discovery = p === '/api' || p === '/apis' || p.startsWith('/openapi/') || (segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length <= 3);
    if (discovery) {
      if (!authenticated(req)) return sendStatus(res, errors.unauthorized());
      if (method !== 'GET') return sendStatus(res, errors.methodNotAllowed(method.toLowerCase(), p));
      if ((p === '/api' || p === '/apis') && wantsAggregated(req)) {
        return sendJson(res, 200, aggregatedDiscovery(p === '/api'), { 'Content-Type': AGGREGATED_TYPE, Vary: 'Accept' });
      }
      if (p === '/api') return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.socket.localAddress ? `${req.socket.localAddress}:${req.socket.localPort}` : '127.0.0.1:6443' }] });
      if (p === '/apis') return sendJson(res, 200, apiGroupList());
      if (p === '/openapi/v3') return sendJson(res, 200, openapiRoot());
      if (p === '/openapi/v2') return sendStatus(res, notFoundPath());
      if (p.startsWith('/openapi/v3/')) {
        const doc = openapiGroupVersion(segs.slice(2).join('/'));
        return doc ? sendJson(res, 200, doc) : sendStatus(res, notFoundPath());
      }
      if (segs[0] === 'api') return segs[1] === 'v1' ? sendJson(res, 200, apiResourceList('', 'v1')) : sendStatus(res, notFoundPath());
      if (segs.length === 2) return RESOURCES.some((r) => r.group === segs[1]) ? sendJson(res, 200, apiGroup(segs[1]!)) : sendStatus(res, notFoundPath());
      return RESOURCES.some((r) => r.group === segs[1] && r.version === segs[2]) ? sendJson(res, 200, apiResourceList(segs[1]!, segs[2]!)) : sendStatus(res, notFoundPath());
    }

    const route = apiRoute(segs);
    const t = route ? target(route.rest) : undefined;
    if (!route || !t) return sendStatus(res, notFoundPath());
    const { query, watch } = parseQuery(url.searchParams);
    const verb = verbFor(method, t, watch);
    if (!verb) return sendStatus(res, errors.methodNotAllowed(method.toLowerCase(), t.resource));
    if (t.namespace !== undefined && t.namespace === '') return sendStatus(res, errors.badRequest('namespace must not be empty'));
    const token = bearer(req);
    const impersonate = impersonation(req);
    if (impersonate && 'error' in impersonate) return sendStatus(res, errors.badRequest(impersonate.error));
    const apiReq: ApiRequest = {
      verb, group: route.group, version: route.version, resource: t.resource,
      ...(t.namespace !== undefined ? { namespace: t.namespace } : {}), ...(t.name !== undefined ? { name: t.name } : {}),
      ...(t.subresource !== undefined ? { subresource: t.subresource } : {}),
      query, ...(token !== undefined ? { token } : {}), ...(impersonate ? { impersonate } : {}),
    };

    if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      const type = mediaType(req);
      if (method === 'PATCH') {
        const pt = PATCH_TYPES[type];
        if (!pt) {
          req.resume();
          return sendStatus(res, errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`));
        }
        apiReq.patchType = pt;
      } else if (type !== '' && !BODY_TYPES.has(type)) {
        // Unknown types: client-go does not retry as JSON, so the client sees this error.
        req.resume();
        return sendStatus(res, errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${[...BODY_TYPES].join(', ')}`));
      }
      const raw = await readBody(req);
      const body = type === PROTOBUF_MEDIA_TYPE ? protobufBody(raw, apiReq) : parseBody(raw, type);
      if (method === 'DELETE') foldDeleteOptions(query, body);
      else {
        if (body === undefined) return sendStatus(res, errors.badRequest('the request body must not be empty'));
        const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
        if (!isObject && !(method === 'PATCH' && apiReq.patchType === 'json' && Array.isArray(body))) {
          return sendStatus(res, errors.badRequest(apiReq.patchType === 'json' ? 'json patch must be an array of operations' : 'the body of the request must be a JSON object'));
        }
        apiReq.body = body;
      }
    } else if (method !== 'GET') {
      return sendStatus(res, errors.methodNotAllowed(method.toLowerCase(), t.resource));
    }

    if (verb === 'watch') {
      if (apiReq.name !== undefined) {
        // GET {item}?watch=true: the same as a collection watch on metadata.name.
        query.fieldSelector = [query.fieldSelector, `metadata.name=${apiReq.name}`].filter(Boolean).join(',');
        delete apiReq.name;
      }
      return serveWatch(req, res, apiReq);
    }

    const r = sim.serve(apiReq, from);
    opts.onServed?.();
    if (typeof r.body === 'string') {
      if (apiReq.subresource === 'log' && apiReq.query?.follow === true && r.code === 200) return followLog(req, res, apiReq, r.body);
      res.writeHead(r.code, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(r.body) });
      res.end(r.body);
      return;
    }
    const headers: Record<string, string> = {};
    if (r.warnings?.length) headers['Warning'] = r.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    let body = r.body;
    const info = resourceFor(apiReq.group, apiReq.resource);
    if (r.code < 300 && table && info && !apiReq.subresource && (verb === 'get' || verb === 'list') && wantsTable(req)) {
      body = table(r.body, info, apiReq, sim.now());
    }
    sendJson(res, r.code, body, headers);
  };

  /**
   * `kubectl logs -f`: the lines so far, then each new line as the container writes it, until the
   * container stops (terminated, restarted) or the pod goes — then the stream ends, as the
   * kubelet's does when the container's log file is closed.
   */
  const followLog = (req: IncomingMessage, res: ServerResponse, apiReq: ApiRequest, first: string): void => {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.write(first);
    const timestamps = apiReq.query?.timestamps === true;
    const base: ApiRequest = { ...apiReq, query: { ...apiReq.query } };
    delete base.query!.tailLines;
    delete base.query!.sinceSeconds;
    delete base.query!.limitBytes;
    const start = sim.api.logEntries(base);
    if ('code' in start) {
      res.end();
      return;
    }
    let seen = start.total;
    const container = start.container;
    const key = storageKey(resourceFor('', 'pods')!, apiReq.namespace, apiReq.name!);
    const identity = (): string | undefined => {
      const pod = sim.store.get(key)?.value as Pod | undefined;
      if (!pod) return undefined;
      const st = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === container);
      if (st?.state?.terminated) return undefined;
      return `${pod.metadata.uid}/${st?.restartCount ?? 0}`;
    };
    const startedAs = identity();
    const poll = (): void => {
      const now = sim.api.logEntries(base);
      if (!('code' in now)) {
        // A restarted container has a fresh log: its lines are not this stream's.
        if (now.total >= seen) for (const e of now.entries.slice(seen)) res.write(formatLogLine(e, timestamps));
        seen = Math.max(seen, now.total);
      }
      if (startedAs === undefined || identity() !== startedAs) end();
    };
    const timer = setInterval(poll, opts.logPollMs ?? 100);
    timer.unref();
    let open = true;
    const end = (): void => {
      if (!open) return;
      open = false;
      clearInterval(timer);
      res.end();
    };
    res.on('close', end);
    req.on('close', end);
  };

  const serveWatch = (req: IncomingMessage, res: ServerResponse, apiReq: ApiRequest): void => {
    if (!sim.apiserverActor.getSnapshot().matches('serving') || !sim.etcdActor.getSnapshot().matches('serving')) {
      return sendStatus(res, errors.unavailable('the server is currently unable to handle the request'));
    }
    let open = true;
    let started = false;
    // An ERROR event (e.g. 410 Expired for a compacted resourceVersion) is the last one: like
    // kube-apiserver, end the stream after it so the client re-lists instead of hanging.
    let failed = false;
    const pending: string[] = [];
    const write = (line: string): void => {
      if (!open) return;
      if (!started) pending.push(line);
      else res.write(line);
    };
    // Table watches (kubectl get -w): each object a one-row Table, column definitions only first.
    const info = resourceFor(apiReq.group, apiReq.resource);
    const asTable = table && info && wantsTable(req) ? table : undefined;
    let firstTable = true;
    const { response, cancel } = sim.api.watch(apiReq, (ev) => {
      let object: unknown = ev.object;
      if (asTable && info && (ev.type === 'ADDED' || ev.type === 'MODIFIED' || ev.type === 'DELETED')) {
        const t = asTable(ev.object, info, apiReq, sim.now()) as Record<string, unknown>;
        object = firstTable ? t : { ...t, columnDefinitions: null };
        firstTable = false;
      }
      write(JSON.stringify({ type: ev.type, object }) + '\n');
      if (ev.type === 'ERROR' && !failed) {
        failed = true;
        if (started) queueMicrotask(() => { close(); res.end(); });
      }
    });
    sim.emit({ t: sim.now(), kind: 'request', from, user: response.user, verb: 'watch', path: requestPath(apiReq), stages: response.stages, code: response.code });
    if (!cancel) {
      open = false;
      return sendJson(res, response.code, response.body);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    started = true;
    for (const l of pending.splice(0)) res.write(l);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let bookmark: ReturnType<typeof setInterval> | undefined;
    const close = (): void => {
      if (!open) return;
      open = false;
      cancel();
      if (timer) clearTimeout(timer);
      if (bookmark) clearInterval(bookmark);
    };
    const secs = apiReq.query?.timeoutSeconds;
    if (secs !== undefined && secs > 0) {
      timer = setTimeout(() => {
        close();
        res.end();
      }, secs * 1000);
      timer.unref();
    }
    if (apiReq.query?.allowWatchBookmarks === true && info && !failed) {
      // BOOKMARK: an object of the watched kind carrying only the resourceVersion the client may
      // resume from (the store's revision: every change up to it has been sent).
      const kind = info.kind;
      const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
      bookmark = setInterval(() => {
        if (!open) return;
        write(JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata: { resourceVersion: String(sim.store.revision()) } } }) + '\n');
      }, opts.bookmarkIntervalMs ?? 60_000);
      bookmark.unref();
    }
    res.on('close', close);
    req.on('close', close);
    if (failed) {
      close();
      res.end();
    }
  };

  return (req, res) => {
    handle(req, res).catch((e: unknown) => {
      const s = e instanceof HttpError ? e.status : errors.internal(e instanceof Error ? e.message : String(e));
      if (!(e instanceof HttpError)) process.stderr.write(`kubelife: internal error serving ${req.method} ${req.url}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      if (res.headersSent) {
        res.end();
        return;
      }
      sendStatus(res, s);
    });
  };
}
