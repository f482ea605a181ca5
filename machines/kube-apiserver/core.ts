/**
 * kube-apiserver's request path, as pure decision logic over an etcd store: authenticate,
 * authorize (RBAC), mutating admission (defaults), validation, validating admission, persist with
 * an etcd transaction. Reads, lists and watches with selectors, graceful pod deletion, and the
 * pods/binding and status subresources. Every failure is a Kubernetes Status. Every create, update
 * and patch records `metadata.managedFields` (field-manager.ts); server-side apply's ownership and
 * conflicts are decided there too, through the apply patcher.
 */
import type { KObject, Pod } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { errors, isStatus, success, type Status } from '../../src/api/status.ts';
import { REVIEW_RESOURCES, apiVersionOf, resourceFor, storageKey, storagePrefix, type ResourceInfo } from '../../src/api/registry.ts';
import { parseLabelSelector, parseFieldSelector, matchesLabels, matchesFields, objectFields } from '../../src/api/selectors.ts';
import { validateObject } from '../../src/api/schemas.ts';
import { generateNameSuffix, NAME_ALPHABET } from '../../src/api/names.ts';
import { CompactedError, type MvccStore } from '../etcd/mvcc.ts';
import type { ApiRequest, ApiResponse, WatchEvent } from '../client/protocol.ts';
import type { TokenAuthenticator, UserInfo } from './authn.ts';
import { RbacAuthorizer, forbiddenReason } from './rbac.ts';
import { defaultObject, qosClass } from './admission.ts';
import { mergePatcher, type PatchContext, type Patcher } from './patch.ts';
import { defaultFieldManager, parentManagedFields, scaleManagedFields, updateManagedFields, type ManagedFieldsEntry } from './field-manager.ts';
import { translate } from './watch.ts';
import { timestampNano } from '../../src/api/time.ts';

export interface Rand {
  int(min: number, max: number): number;
  string(alphabet: string, n: number): string;
}

/** One line a container wrote, at a virtual time. */
export interface LogEntry {
  t: number;
  line: string;
}

/** A log line as pods/log writes it: with `timestamps`, prefixed by its RFC3339Nano time. */
export function formatLogLine(e: LogEntry, timestamps: boolean): string {
  return `${timestamps ? timestampNano(e.t) + ' ' : ''}${e.line}\n`;
}

const utf8 = new TextEncoder();

export interface ApiServerOptions {
  store: MvccStore<KObject>;
  /** Virtual time in ms; the only clock the API server knows. */
  now: () => number;
  /** RFC 3339 rendering of a virtual time. */
  timestamp: (ms: number) => string;
  rand: Rand;
  authenticator: TokenAuthenticator;
  /** Extra patchers (strategic, json, apply) installed by the HTTP layer. */
  patchers?: Partial<Record<'merge' | 'json' | 'strategic' | 'apply', Patcher>>;
  /** Container logs for pods/log, kept by the kubelets. */
  logs?: (namespace: string, pod: string, container: string | undefined, previous: boolean) => readonly LogEntry[] | undefined;
  serviceCidrBase?: number;
}

export interface Handled extends ApiResponse {
  stages: string[];
  user: string;
}

export type WatchSink = (e: WatchEvent) => void;

const TERMINAL = new Set(['Succeeded', 'Failed']);

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** Who writes, for field management, and whether the apply patcher already recorded it. */
interface WriteOptions {
  manager: string;
  /** managedFields were computed by server-side apply: keep them. */
  applied?: boolean;
  /** The subresource the entry records (scale writes reach update() as the parent). */
  subresource?: string;
}

export class ApiServerCore {
  readonly rbac = new RbacAuthorizer();
  private patchers: Partial<Record<string, Patcher>>;
  private usedClusterIPs = new Set<string>();

  constructor(private o: ApiServerOptions) {
    this.patchers = { merge: mergePatcher, ...(o.patchers ?? {}) };
    // RBAC objects are indexed from the store itself, so any writer (scenario, kubectl) counts.
    for (const res of ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']) {
      o.store.watch(`/registry/${res}/`, 0, (events) => {
        for (const e of events) this.rbac.observe(res, (e.type === 'DELETE' ? e.prevKv?.value : e.kv.value) as KObject, e.type === 'DELETE');
      });
    }
  }

  installPatcher(kind: 'merge' | 'json' | 'strategic' | 'apply', p: Patcher): void {
    this.patchers[kind] = p;
  }

  /**
   * The requesting user: the token's, or whom it impersonates (kubectl --as / --as-group), which
   * needs the `impersonate` verb on users and groups, as the impersonation filter checks.
   */
  private authenticate(req: ApiRequest): UserInfo | Status | undefined {
    const user = this.o.authenticator.authenticate(req.token);
    if (!user || !req.impersonate) return user;
    const { user: as, groups } = req.impersonate;
    const checks: Array<{ resource: string; name: string }> = [{ resource: 'users', name: as }, ...groups.map((g) => ({ resource: 'groups', name: g }))];
    for (const c of checks) {
      const attrs = { verb: 'impersonate', group: '', resource: c.resource, name: c.name };
      if (!this.rbac.authorize(user, attrs)) return errors.forbidden(c.resource, '', c.name, forbiddenReason(user, attrs));
    }
    return { username: as, groups: [...groups.filter((g) => g !== 'system:authenticated'), 'system:authenticated'] };
  }

  /**
   * Handles one non-watch request through every stage. `readRevision` serves gets and lists from
   * the store as it was at that revision (a lagging view, for stale-read faults); writes always
   * act on the current state.
   */
  handle(req: ApiRequest, opts: { readRevision?: number } = {}): Handled {
    if (opts.readRevision === undefined) return this.handleNow(req);
    this.readRevision = opts.readRevision;
    try {
      return this.handleNow(req);
    } finally {
      this.readRevision = undefined;
    }
  }

  /** The revision gets and lists read at during the current request (undefined: the latest). */
  private readRevision: number | undefined;

  private handleNow(req: ApiRequest): Handled {
    const stages: string[] = [];
    const done = (code: number, body: unknown, user = ''): Handled => ({ code, body, stages, user });
    stages.push('authentication');
    const user = this.authenticate(req);
    if (!user) return done(401, errors.unauthorized());
    if (isStatus(user)) return done(user.code, user);
    const info = resourceFor(req.group, req.resource);
    if (!info || info.version !== req.version) {
      return done(404, { ...errors.notFound(req.resource, req.group, req.name ?? ''), message: 'the server could not find the requested resource' }, user.username);
    }
    if (req.subresource && !info.subresources.includes(req.subresource)) {
      return done(404, errors.notFound(`${req.resource}/${req.subresource}`, req.group, req.name ?? ''), user.username);
    }
    stages.push('authorization');
    const verb = req.verb === 'get' && !req.name ? 'list' : req.verb;
    const attrs = { verb, group: req.group, resource: req.resource, ...(req.subresource ? { subresource: req.subresource } : {}), ...(req.namespace ? { namespace: req.namespace } : {}), ...(req.name ? { name: req.name } : {}) };
    if (!this.rbac.authorize(user, attrs)) {
      return done(403, errors.forbidden(req.subresource ? `${req.resource}/${req.subresource}` : req.resource, req.group, req.name ?? '', forbiddenReason(user, attrs)), user.username);
    }
    if (!info.verbs.includes(verb === 'list' && req.name ? 'get' : verb)) {
      return done(405, { ...errors.methodNotAllowed(req.verb, req.resource), message: 'the server does not allow this method on the requested resource' }, user.username);
    }
    if (REVIEW_RESOURCES.has(`${info.group}/${info.resource}`)) return done(...this.review(req, info, user), user.username);
    if ((req.verb === 'update' || req.verb === 'patch' || req.verb === 'delete') && !req.name) {
      // Item verbs on a collection: upstream has no such route (405), never a nameless write.
      return done(405, errors.methodNotAllowed(req.verb, req.resource), user.username);
    }
    if (info.namespaced && !req.namespace && MUTATING.has(req.verb) && req.verb !== 'deletecollection') {
      return done(400, errors.badRequest('the namespace of the object must be set'), user.username);
    }
    const r = this.dispatch(req, info, user, stages);
    return done(r.code, r.body, user.username);
  }

  /**
   * Starts a watch. Returns an error response, or a cancel function; events reach `sink`
   * synchronously as the store changes (the caller decides how they travel).
   */
  watch(req: ApiRequest, sink: WatchSink): { response: Handled; cancel?: () => void } {
    const stages = ['authentication'];
    const user = this.authenticate(req);
    if (!user) return { response: { code: 401, body: errors.unauthorized(), stages, user: '' } };
    if (isStatus(user)) return { response: { code: user.code, body: user, stages, user: '' } };
    const info = resourceFor(req.group, req.resource);
    if (!info) return { response: { code: 404, body: errors.notFound(req.resource, req.group, ''), stages, user: user.username } };
    if (!info.verbs.includes('watch')) return { response: { code: 405, body: { ...errors.methodNotAllowed('watch', req.resource), message: 'the server does not allow this method on the requested resource' }, stages, user: user.username } };
    stages.push('authorization');
    const attrs = { verb: 'watch', group: req.group, resource: req.resource, ...(req.namespace ? { namespace: req.namespace } : {}) };
    if (!this.rbac.authorize(user, attrs)) {
      return { response: { code: 403, body: errors.forbidden(req.resource, req.group, '', forbiddenReason(user, attrs)), stages, user: user.username } };
    }
    const filter = this.filterFor(req, info);
    if (isStatus(filter)) return { response: { code: filter.code, body: filter, stages, user: user.username } };
    const prefix = this.prefixFor(info, req);
    const rvParam = req.query?.resourceVersion;
    const store = this.o.store;
    const ok: Handled = { code: 200, body: undefined, stages, user: user.username };
    const relay = (events: Parameters<Parameters<MvccStore<KObject>['watch']>[2]>[0]) => {
      for (const e of events) {
        const w = translate(e, filter);
        if (w) sink(w);
      }
    };
    if (rvParam === undefined || rvParam === '' || rvParam === '0') {
      // "Get state and start at most recent": synthetic ADDED for everything, then live events.
      for (const kv of store.range(prefix).kvs) if (filter(kv.value)) sink({ type: 'ADDED', object: kv.value });
      return { response: ok, cancel: store.watch(prefix, 0, relay) };
    }
    const rv = Number(rvParam);
    if (!Number.isInteger(rv) || rv < 0) {
      return { response: { code: 400, body: errors.badRequest(`invalid resource version: ${rvParam}`), stages, user: user.username } };
    }
    try {
      return { response: ok, cancel: store.watch(prefix, rv + 1, relay) };
    } catch (e) {
      if (e instanceof CompactedError) {
        // Like the watch cache: an HTTP 200 stream whose first event is an ERROR with 410.
        sink({ type: 'ERROR', object: errors.expired(`too old resource version: ${rv} (${e.compactRevision + 1})`) as unknown as KObject });
        return { response: ok, cancel: () => {} };
      }
      throw e;
    }
  }

  /**
   * SelfSubjectAccessReview / SubjectAccessReview (may the user do this?) and SelfSubjectReview
   * (who am I?): answered from the authorizer, returned with a status, never stored.
   */
  private review(req: ApiRequest, info: ResourceInfo, user: UserInfo): [number, unknown] {
    const body = req.body as { spec?: Record<string, unknown>; metadata?: Record<string, unknown> } | undefined;
    const base = { apiVersion: `${info.group}/${info.version}`, kind: info.kind, metadata: { ...(body?.metadata ?? {}), creationTimestamp: null } };
    if (info.resource === 'selfsubjectreviews') {
      return [201, { ...base, status: { userInfo: { username: user.username, groups: user.groups } } }];
    }
    const spec = body?.spec ?? {};
    let subject = user;
    if (info.resource === 'subjectaccessreviews') {
      if (typeof spec['user'] !== 'string' && !Array.isArray(spec['groups'])) {
        return [422, errors.invalid(info.kind, info.group, '', [{ type: 'FieldValueRequired', field: 'spec.user', message: 'Required value: at least one of user or group must be specified' }])];
      }
      subject = { username: typeof spec['user'] === 'string' ? spec['user'] : '', groups: Array.isArray(spec['groups']) ? spec['groups'].map(String) : [] };
    }
    const ra = spec['resourceAttributes'] as Record<string, unknown> | undefined;
    const nra = spec['nonResourceAttributes'] as Record<string, unknown> | undefined;
    if (!ra && !nra) {
      return [422, errors.invalid(info.kind, info.group, '', [{ type: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }])];
    }
    let allowed: boolean;
    if (ra) {
      const str = (k: string): string | undefined => (typeof ra[k] === 'string' && ra[k] !== '' ? ra[k] as string : undefined);
      const attrs = {
        verb: str('verb') ?? '', group: str('group') ?? '', resource: str('resource') ?? '',
        ...(str('subresource') ? { subresource: str('subresource')! } : {}), ...(str('namespace') ? { namespace: str('namespace')! } : {}), ...(str('name') ? { name: str('name')! } : {}),
      };
      allowed = this.rbac.authorize(subject, attrs);
    } else {
      // Non-resource URLs: health and discovery are public; the rest is for system:masters.
      const path = String(nra!['path'] ?? '');
      allowed = subject.groups.includes('system:masters') || /^\/(healthz|livez|readyz|version|api|apis|openapi)(\/|$)/.test(path);
    }
    return [201, { ...base, spec, status: { allowed, ...(allowed ? {} : { reason: '' }) } }];
  }

  /** Reads an object straight from the store (for the simulator, the checker and the HTTP layer). */
  read(info: ResourceInfo, namespace: string | undefined, name: string): KObject | undefined {
    return this.o.store.get(storageKey(info, namespace, name))?.value;
  }

  private dispatch(req: ApiRequest, info: ResourceInfo, user: UserInfo, stages: string[]): { code: number; body: unknown } {
    if (req.verb === 'create' || req.verb === 'update' || req.verb === 'patch') {
      const bad = writeOptionsInvalid(req);
      if (bad) return { code: bad.code, body: bad };
    }
    switch (req.verb) {
      case 'get':
        if (!req.name) return this.list(req, info);
        if (req.subresource === 'log') return this.log(req);
        return this.get(req, info);
      case 'list':
        return this.list(req, info);
      case 'create':
        if (req.subresource === 'binding') return this.bind(req, info, stages);
        if (req.subresource === 'eviction') return this.evict(req, info, stages);
        return this.create(req, info, stages, this.writer(req, user));
      case 'update':
        return this.update(req, info, stages, req.body, this.writer(req, user));
      case 'patch':
        return this.patch(req, info, stages, this.writer(req, user));
      case 'delete':
        return this.delete(req, info, stages);
      case 'deletecollection':
        return this.deleteCollection(req, info, stages, user);
      default:
        return { code: 405, body: errors.methodNotAllowed(req.verb, req.resource) };
    }
  }

  private get(req: ApiRequest, info: ResourceInfo): { code: number; body: unknown } {
    const obj = this.readRevision === undefined ? this.read(info, req.namespace, req.name!)
      : this.o.store.getAt(storageKey(info, req.namespace, req.name!), this.readRevision)?.value;
    if (!obj) return { code: 404, body: errors.notFound(info.resource, info.group, req.name!) };
    if (req.subresource === 'scale') return { code: 200, body: this.scaleOf(obj) };
    return { code: 200, body: obj };
  }

  private list(req: ApiRequest, info: ResourceInfo): { code: number; body: unknown } {
    const filter = this.filterFor(req, info);
    if (isStatus(filter)) return { code: filter.code, body: filter };
    const prefix = this.prefixFor(info, req);
    const { kvs, revision } = this.readRevision === undefined ? this.o.store.range(prefix) : this.o.store.rangeAt(prefix, this.readRevision);
    const items = kvs.map((kv) => kv.value).filter(filter);
    return { code: 200, body: { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, metadata: { resourceVersion: String(revision) }, items } };
  }

  private prefixFor(info: ResourceInfo, req: ApiRequest): string {
    if (req.name && req.verb === 'watch') return storageKey(info, req.namespace, req.name);
    return storagePrefix(info, req.namespace);
  }

  private filterFor(req: ApiRequest, info: ResourceInfo): ((o: KObject) => boolean) | Status {
    const ls = parseLabelSelector(req.query?.labelSelector ?? '');
    if (!ls.ok) return errors.badRequest(ls.error);
    const fs = parseFieldSelector(req.query?.fieldSelector ?? '', info.resource);
    if (!fs.ok) return errors.badRequest(fs.error);
    const lsel = ls.selector;
    const fsel = fs.selector;
    const name = req.verb === 'watch' ? req.name : undefined;
    const noFields = !req.query?.fieldSelector;
    return (o: KObject) => {
      if (name && o.metadata.name !== name) return false;
      if (!matchesLabels(lsel, o.metadata.labels ?? {})) return false;
      if (noFields) return true;
      const fields = this.fieldsOf(info.resource, o);
      return fields.ok ? matchesFields(fsel, fields.fields) : false;
    };
  }

  /** Stored objects are frozen, so their selectable fields can be computed once per version. */
  private fieldCache = new WeakMap<KObject, ReturnType<typeof objectFields>>();
  private fieldsOf(resource: string, o: KObject): ReturnType<typeof objectFields> {
    let f = this.fieldCache.get(o);
    if (!f) {
      f = objectFields(resource, o);
      if (Object.isFrozen(o)) this.fieldCache.set(o, f);
    }
    return f;
  }

  private create(req: ApiRequest, info: ResourceInfo, stages: string[], w: WriteOptions): { code: number; body: unknown } {
    const body = req.body as KObject | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { code: 400, body: errors.badRequest('the body of the request was empty or not an object') };
    let obj = clone(body);
    // The decoder defaults a missing apiVersion/kind from the request path, as upstream does.
    obj.apiVersion ??= apiVersionOf(info);
    obj.kind ??= info.kind;
    if (obj.apiVersion !== apiVersionOf(info) || obj.kind !== info.kind) {
      return { code: 400, body: errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(info)}) or kind ${obj.kind} does not match ${info.kind}`) };
    }
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    if (info.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== req.namespace) {
        return { code: 400, body: errors.badRequest('the namespace of the provided object does not match the namespace sent on the request') };
      }
      obj.metadata.namespace = req.namespace;
    } else {
      delete obj.metadata.namespace;
    }
    if (obj.metadata.resourceVersion) {
      return { code: 500, body: errors.internal('resourceVersion should not be set on objects to be created') };
    }
    stages.push('mutating-admission');
    const undefaultable = this.defaultSafely(obj, info);
    if (undefaultable) return { code: undefaultable.code, body: undefaultable };
    // The field manager sees the decoded, defaulted object, before the registry's own fields.
    if (!w.applied) obj.metadata.managedFields = this.managedFields(undefined, obj, info, w);
    // Name generation and system fields come after mutating admission, as in the registry store.
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = generateNameSuffix(obj.metadata.generateName, this.o.rand.string(NAME_ALPHABET, 5));
    }
    const now = this.o.now();
    obj.metadata.uid = this.uid();
    obj.metadata.creationTimestamp = this.o.timestamp(now);
    delete obj.metadata.deletionTimestamp;
    if ('spec' in obj && info.kind !== 'Pod' && info.kind !== 'Node' && info.kind !== 'Namespace' && info.kind !== 'Service') obj.metadata.generation = 1;
    if (info.kind === 'Pod') {
      const pod = obj as Pod;
      // PrepareForCreate: the status a client sends is dropped; the pod starts Pending.
      pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
    }
    if (info.kind === 'Namespace') obj['status'] = { phase: 'Active' };
    if (info.kind === 'Service') {
      const allocated = this.allocateClusterIP(obj);
      if (isStatus(allocated)) return { code: allocated.code, body: allocated };
    }
    stages.push('validation');
    const invalid = this.validate(obj, info);
    if (invalid) return { code: 422, body: invalid };
    stages.push('validating-admission');
    const denied = this.validatingAdmission(obj, info);
    if (denied) return { code: denied.code, body: denied };
    stages.push('etcd');
    const rev = this.o.store.revision() + 1;
    obj.metadata.resourceVersion = String(rev);
    // A generated name that is taken is generated again, up to 8 tries in all (RetryGenerateName,
    // on by default since 1.31: maxNameGenerationCreateAttempts).
    const generated = obj.metadata.generateName !== undefined && (req.body as KObject).metadata?.name === undefined;
    for (let attempt = 1; ; attempt++) {
      const key = storageKey(info, obj.metadata.namespace, obj.metadata.name!);
      const frozen = deepFreeze(obj);
      const r = this.o.store.txn([{ key, target: 'mod', op: '=', value: 0 }], [{ type: 'put', key, value: frozen }]);
      if (r.succeeded) return { code: 201, body: frozen };
      if (!generated || attempt >= 8) return { code: 409, body: errors.alreadyExists(info.resource, info.group, obj.metadata.name!) };
      obj = clone(obj);
      obj.metadata.name = generateNameSuffix(obj.metadata.generateName!, this.o.rand.string(NAME_ALPHABET, 5));
    }
  }

  private update(req: ApiRequest, info: ResourceInfo, stages: string[], body: unknown, w: WriteOptions): { code: number; body: unknown } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { code: 400, body: errors.badRequest('the body of the request was empty or not an object') };
    const key = storageKey(info, req.namespace, req.name!);
    const current = this.o.store.get(key);
    if (!current) return { code: 404, body: errors.notFound(info.resource, info.group, req.name!) };
    const old = current.value;
    if (req.subresource === 'scale') return this.updateScale(req, info, stages, old, body as KObject, w);
    let obj = clone(body as KObject);
    const sentManagedFields = (obj.metadata as Record<string, unknown> | undefined)?.['managedFields'];
    if (obj.metadata?.name && obj.metadata.name !== req.name) {
      return { code: 400, body: errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${req.name})`) };
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) return { code: 409, body: errors.conflict(info.resource, info.group, req.name!) };
    if (!rv && info.kind !== 'Pod' && info.kind !== 'Node' && info.kind !== 'Event' && info.kind !== 'Lease') {
      // Most resources refuse unconditional updates (AllowUnconditionalUpdate is false for them).
      return { code: 422, body: errors.invalid(info.kind, info.group, req.name!, [{ type: 'FieldValueRequired', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]) };
    }
    stages.push('mutating-admission');
    obj.metadata = { ...obj.metadata };
    // System fields cannot be changed by a client.
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'namespace', 'name', 'generateName'] as const) {
      if (old.metadata[f] !== undefined) (obj.metadata as Record<string, unknown>)[f] = old.metadata[f];
      else delete obj.metadata[f];
    }
    if (info.subresources.includes('status')) {
      if (req.subresource === 'status') {
        // The status subresource ignores everything but status (and keeps metadata changes out).
        obj = { ...clone(old), status: obj['status'] };
      } else if ('status' in old) {
        obj['status'] = clone(old['status']);
      }
    }
    if (info.kind === 'Pod' && req.subresource !== 'status') {
      const forbidden = podUpdateForbidden(old as Pod, obj as Pod);
      if (forbidden) return { code: 422, body: errors.invalid('Pod', '', req.name!, [{ type: 'FieldValueForbidden', field: 'spec', message: forbidden }]) };
    }
    if (old.metadata.generation !== undefined) {
      const specChanged = JSON.stringify(old['spec']) !== JSON.stringify(obj['spec']);
      obj.metadata.generation = specChanged ? old.metadata.generation + 1 : old.metadata.generation;
    }
    if (req.subresource !== 'status') {
      const undefaultable = this.defaultSafely(obj, info);
      if (undefaultable) return { code: undefaultable.code, body: undefaultable };
    }
    // Server-side apply recorded its managedFields; any other write is an Update of its manager.
    if (w.applied) obj.metadata.managedFields = sentManagedFields;
    else obj.metadata.managedFields = this.managedFields(old, obj, info, { ...w, subresource: w.subresource ?? req.subresource });
    stages.push('validation');
    const invalid = this.validate(obj, info);
    if (invalid) return { code: 422, body: invalid };
    stages.push('validating-admission');
    stages.push('etcd');
    // A deleting object whose last finalizer went away is removed now.
    if (old.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && (info.kind !== 'Pod' || (old as Pod).metadata.deletionGracePeriodSeconds === 0)) {
      const del = this.o.store.txn([{ key, target: 'mod', op: '=', value: current.modRevision }], [{ type: 'delete', key }]);
      if (!del.succeeded) return { code: 409, body: errors.conflict(info.resource, info.group, req.name!) };
      return { code: 200, body: obj };
    }
    return this.put(key, current.modRevision, obj, info, req.name!);
  }

  private put(key: string, modRevision: number, obj: KObject, info: ResourceInfo, name: string): { code: number; body: unknown } {
    const rev = this.o.store.revision() + 1;
    obj.metadata.resourceVersion = String(rev);
    const frozen = deepFreeze(obj);
    const r = this.o.store.txn([{ key, target: 'mod', op: '=', value: modRevision }], [{ type: 'put', key, value: frozen }]);
    if (!r.succeeded) return { code: 409, body: errors.conflict(info.resource, info.group, name) };
    return { code: 200, body: frozen };
  }

  private patch(req: ApiRequest, info: ResourceInfo, stages: string[], w: WriteOptions): { code: number; body: unknown } {
    const key = storageKey(info, req.namespace, req.name!);
    const current = this.o.store.get(key);
    const kind = req.patchType ?? 'merge';
    const patcher = this.patchers[kind];
    if (!patcher) return { code: 415, body: errors.unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`) };
    const scale = req.subresource === 'scale';
    const ctx: PatchContext = {
      manager: w.manager,
      force: req.query?.force === true,
      apiVersion: scale ? 'autoscaling/v1' : apiVersionOf(info),
      time: this.o.timestamp(this.o.now()),
      statusSubresource: !scale && info.subresources.includes('status'),
      ...(req.subresource ? { subresource: req.subresource } : {}),
    };
    const applied: WriteOptions = kind === 'apply' ? { ...w, applied: true } : w;
    if (!current) {
      if (kind === 'apply' && !req.subresource) {
        const created = this.applyAsCreate(req, patcher, ctx);
        if (!created.ok) return created.response;
        return this.create({ ...req, verb: 'create', body: created.value }, info, stages, applied);
      }
      return { code: 404, body: errors.notFound(info.resource, info.group, req.name!) };
    }
    const base = scale ? this.scaleOf(current.value) : current.value;
    const patched = patcher(clone(base), req.body, info.kind, ctx);
    if (!patched.ok) return patched.status ? { code: patched.status.code, body: patched.status } : { code: 400, body: errors.badRequest(patched.error) };
    const obj = patched.value as KObject;
    if (!obj || typeof obj !== 'object') return { code: 400, body: errors.badRequest('patch produced no object') };
    // A patch applies to the version it read: carry its resourceVersion so the write is a CAS.
    const patchedRv = (req.body as KObject | undefined)?.metadata?.resourceVersion;
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: patchedRv ?? base.metadata?.resourceVersion };
    return this.update(req, info, stages, obj, applied);
  }

  /**
   * Server-side apply to an object that does not exist yet: the configuration applied to nothing
   * (the Apply entry is recorded), for the object named on the URL: a different name is refused,
   * a missing one filled in.
   */
  private applyAsCreate(req: ApiRequest, patcher: Patcher, ctx: PatchContext): { ok: true; value: unknown } | { ok: false; response: { code: number; body: unknown } } {
    const r = patcher({}, req.body, '', ctx);
    if (!r.ok) return { ok: false, response: r.status ? { code: r.status.code, body: r.status } : { code: 400, body: errors.badRequest(r.error) } };
    const created = r.value;
    if (created && typeof created === 'object' && !Array.isArray(created)) {
      const meta = (created as KObject).metadata;
      if (meta && typeof meta === 'object' && meta.name !== undefined && meta.name !== req.name) {
        return { ok: false, response: { code: 400, body: errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${req.name})`) } };
      }
      (created as KObject).metadata = { ...(meta && typeof meta === 'object' ? meta : {}), name: req.name! };
    }
    return { ok: true, value: created };
  }

  /** Who is writing: the request's fieldManager, else the name upstream derives from the User-Agent. */
  private writer(req: ApiRequest, user: UserInfo): WriteOptions {
    return { manager: req.query?.fieldManager || defaultFieldManager(user.username) };
  }

  /** The managedFields of `next` after an Update by `w.manager` over `live` (undefined: a create). */
  private managedFields(live: KObject | undefined, next: KObject, info: ResourceInfo, w: WriteOptions): ManagedFieldsEntry[] {
    return updateManagedFields(live, next, {
      manager: w.manager,
      apiVersion: apiVersionOf(info),
      time: this.o.timestamp(this.o.now()),
      statusSubresource: info.subresources.includes('status'),
      ...(w.subresource ? { subresource: w.subresource } : {}),
    });
  }

  /**
   * pods/eviction (kubectl drain): a delete that PodDisruptionBudgets may refuse. kubelife serves
   * no PDBs, so every eviction of an existing pod is allowed and deletes it with the Eviction's
   * DeleteOptions; the answer is a 201 Success Status, as upstream's.
   */
  private evict(req: ApiRequest, info: ResourceInfo, stages: string[]): { code: number; body: unknown } {
    const body = req.body as { kind?: string; metadata?: { name?: string; namespace?: string }; deleteOptions?: Record<string, unknown> } | undefined;
    if (body?.kind !== undefined && body.kind !== 'Eviction') return { code: 400, body: errors.badRequest(`the kind of the object (${body.kind}) does not match Eviction`) };
    if (body?.metadata?.name !== undefined && body.metadata.name !== req.name) {
      return { code: 400, body: errors.badRequest(`name in URL does not match name in Eviction object`) };
    }
    const opts = body?.deleteOptions ?? {};
    const query = { ...(req.query ?? {}) };
    if (typeof opts['gracePeriodSeconds'] === 'number') query.gracePeriodSeconds = opts['gracePeriodSeconds'];
    if (opts['preconditions'] && typeof opts['preconditions'] === 'object') query['preconditions'] = opts['preconditions'];
    const { subresource: _s, body: _b, ...rest } = req;
    const r = this.delete({ ...rest, verb: 'delete', query }, info, stages);
    if (r.code >= 300) return r;
    return { code: 201, body: { ...success(), metadata: {}, code: 201 } };
  }

  private delete(req: ApiRequest, info: ResourceInfo, stages: string[]): { code: number; body: unknown } {
    const key = storageKey(info, req.namespace, req.name!);
    const current = this.o.store.get(key);
    if (!current) return { code: 404, body: errors.notFound(info.resource, info.group, req.name!) };
    const obj = current.value;
    const pre = req.query?.['preconditions'] as { uid?: string; resourceVersion?: string } | undefined;
    if (pre?.uid && pre.uid !== obj.metadata.uid) {
      return { code: 409, body: errors.conflict(info.resource, info.group, req.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`) };
    }
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
      return { code: 409, body: errors.conflict(info.resource, info.group, req.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`) };
    }
    stages.push('validating-admission');
    stages.push('etcd');
    let grace = 0;
    if (info.kind === 'Pod') {
      const pod = obj as Pod;
      grace = req.query?.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      if (grace < 0) grace = 1;
      // CheckGracefulDelete: unscheduled and terminal pods go at once.
      if (!pod.spec.nodeName || TERMINAL.has(pod.status?.phase ?? '')) grace = 0;
    }
    const finalizers = [...(obj.metadata.finalizers ?? [])];
    const policy = req.query?.propagationPolicy;
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion') && info.kind !== 'Pod') finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (grace > 0 || finalizers.length > 0) {
      const existing = obj.metadata.deletionTimestamp;
      const now = this.o.now();
      if (existing && obj.metadata.deletionGracePeriodSeconds !== undefined && grace >= obj.metadata.deletionGracePeriodSeconds && finalizers.length === (obj.metadata.finalizers ?? []).length) {
        return { code: 200, body: obj };
      }
      if (grace === 0 && finalizers.length > 0 && existing) return { code: 200, body: obj };
      const next = clone(obj);
      next.metadata.deletionTimestamp = this.o.timestamp(now + grace * 1000);
      next.metadata.deletionGracePeriodSeconds = grace;
      if (finalizers.length > 0) next.metadata.finalizers = finalizers;
      return this.put(key, current.modRevision, next, info, req.name!);
    }
    const r = this.o.store.txn([{ key, target: 'mod', op: '=', value: current.modRevision }], [{ type: 'delete', key }]);
    if (!r.succeeded) return { code: 409, body: errors.conflict(info.resource, info.group, req.name!) };
    return { code: 200, body: info.kind === 'Pod' ? obj : { ...success(), details: { name: req.name, group: info.group, kind: info.resource, uid: obj.metadata.uid } } };
  }

  private deleteCollection(req: ApiRequest, info: ResourceInfo, stages: string[], _user: UserInfo): { code: number; body: unknown } {
    const listed = this.list(req, info);
    if (listed.code !== 200) return listed;
    const items = (listed.body as { items: KObject[] }).items;
    for (const item of items) this.delete({ ...req, verb: 'delete', namespace: item.metadata.namespace, name: item.metadata.name! }, info, stages);
    return listed;
  }

  private bind(req: ApiRequest, _info: ResourceInfo, stages: string[]): { code: number; body: unknown } {
    const binding = req.body as { metadata?: { name?: string; annotations?: Record<string, string> }; target?: { kind?: string; name?: string } } | undefined;
    const target = binding?.target?.name;
    const podInfo = resourceFor('', 'pods')!;
    if (!target) return { code: 422, body: errors.invalid('Binding', '', req.name!, [{ type: 'FieldValueRequired', field: 'target.name', message: 'Required value' }]) };
    stages.push('etcd');
    const key = storageKey(podInfo, req.namespace, req.name!);
    const current = this.o.store.get(key);
    if (!current) return { code: 404, body: errors.notFound('pods', '', req.name!) };
    const pod = current.value as Pod;
    if (pod.metadata.deletionTimestamp) return { code: 409, body: errors.conflict('pods/binding', '', req.name!, `pod ${req.name} is being deleted, cannot be assigned to a host`) };
    if (pod.spec.nodeName) return { code: 409, body: errors.conflict('pods/binding', '', req.name!, `pod ${req.name} is already assigned to node "${pod.spec.nodeName}"`) };
    const next = clone(pod);
    next.spec.nodeName = target;
    if (binding?.metadata?.annotations) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...binding.metadata.annotations };
    const conditions = (next.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: this.o.timestamp(this.o.now()) });
    next.status = { ...(next.status ?? {}), conditions };
    const r = this.put(key, current.modRevision, next, podInfo, req.name!);
    if (r.code !== 200) return { code: 409, body: errors.conflict('pods/binding', '', req.name!) };
    return { code: 201, body: { ...success(), metadata: {} } };
  }

  private log(req: ApiRequest): { code: number; body: unknown } {
    const r = this.logEntries(req);
    if ('code' in r) return r;
    return { code: 200, body: r.entries.map((e) => formatLogLine(e, req.query?.timestamps === true)).join('') };
  }

  /**
   * The lines `pods/log` returns (after tailLines and sinceSeconds), or the error. Exposed for
   * `follow`, which the HTTP layer streams by asking again as the container writes.
   */
  logEntries(req: ApiRequest): { entries: readonly LogEntry[]; container: string; total: number } | { code: number; body: unknown } {
    const podInfo = resourceFor('', 'pods')!;
    const pod = this.read(podInfo, req.namespace, req.name!) as Pod | undefined;
    if (!pod) return { code: 404, body: errors.notFound('pods', '', req.name!) };
    const names = pod.spec.containers.map((c) => c.name);
    const container = req.query?.container ?? (names.length === 1 ? names[0] : undefined);
    if (!container) return { code: 400, body: errors.badRequest(`a container name must be specified for pod ${req.name}, choose one of: [${names.join(' ')}]`) };
    if (!names.includes(container) && !(pod.spec.initContainers ?? []).some((c) => c.name === container)) {
      return { code: 400, body: errors.badRequest(`container ${container} is not valid for pod ${req.name}`) };
    }
    const previous = req.query?.previous === true;
    const lines = this.o.logs?.(req.namespace!, req.name!, container, previous);
    if (!lines) {
      if (previous) return { code: 400, body: errors.badRequest(`previous terminated container "${container}" in pod "${req.name}" not found`) };
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      const reason = statuses.find((s) => s.name === container)?.state?.waiting?.reason ?? 'ContainerCreating';
      return { code: 400, body: errors.badRequest(`container "${container}" in pod "${req.name}" is waiting to start: ${reason}`) };
    }
    let chosen = lines;
    const since = req.query?.sinceSeconds;
    if (since !== undefined && since > 0) chosen = chosen.filter((e) => e.t >= this.o.now() - since * 1000);
    const tail = req.query?.tailLines;
    if (tail !== undefined && tail >= 0) chosen = chosen.slice(Math.max(0, chosen.length - tail));
    const limit = req.query?.limitBytes;
    if (limit !== undefined && limit > 0) {
      const out: LogEntry[] = [];
      let bytes = 0;
      for (const e of chosen) {
        const n = utf8.encode(formatLogLine(e, req.query?.timestamps === true)).length;
        if (bytes + n > limit) break;
        bytes += n;
        out.push(e);
      }
      chosen = out;
    }
    return { entries: chosen, container, total: lines.length };
  }

  private scaleOf(obj: KObject): KObject {
    const spec = obj['spec'] as { replicas?: number; selector?: { matchLabels?: Record<string, string> } } | undefined;
    const status = obj['status'] as { replicas?: number } | undefined;
    const sel = Object.entries(spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const managedFields = scaleManagedFields(obj.metadata.managedFields);
    return {
      apiVersion: 'autoscaling/v1', kind: 'Scale',
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp, ...(managedFields.length ? { managedFields } : {}) },
      spec: { replicas: spec?.replicas ?? 0 },
      status: { replicas: status?.replicas ?? 0, selector: sel },
    };
  }

  private updateScale(req: ApiRequest, info: ResourceInfo, stages: string[], old: KObject, scale: KObject, w: WriteOptions): { code: number; body: unknown } {
    const replicas = (scale['spec'] as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      return { code: 422, body: errors.invalid('Scale', 'autoscaling', req.name!, [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]) };
    }
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) return { code: 409, body: errors.conflict(info.resource, info.group, req.name!) };
    const next = clone(old);
    (next['spec'] as { replicas: number }).replicas = replicas;
    // The write reaches the parent: an applied Scale's replicas managers become the parent's.
    if (w.applied) next.metadata.managedFields = parentManagedFields(old.metadata.managedFields, scale.metadata?.managedFields, apiVersionOf(info));
    const r = this.update({ ...req, subresource: undefined }, info, stages, next, w.applied ? w : { ...w, subresource: 'scale' });
    return r.code === 200 ? { code: 200, body: this.scaleOf(r.body as KObject) } : r;
  }

  /**
   * Mutating admission on a body of arbitrary shape (a Pod without spec, containers that are not
   * a list...). The defaulters assume the shape that validation enforces, so a body they cannot
   * default is reported as validation would (422), or else as undecodable (400): never a crash.
   */
  private defaultSafely(obj: KObject, info: ResourceInfo): Status | undefined {
    try {
      defaultObject(obj);
      return undefined;
    } catch (e) {
      const invalid = this.validate(obj, info);
      if (invalid) return invalid;
      return errors.badRequest(`the object could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private validate(obj: KObject, info: ResourceInfo): Status | undefined {
    const v = validateObject(obj);
    if (v.ok) return undefined;
    return errors.invalid(info.kind, info.group, obj.metadata.name ?? '', v.causes);
  }

  /** NamespaceLifecycle: writes into a missing or terminating namespace are refused. */
  private validatingAdmission(obj: KObject, info: ResourceInfo): Status | undefined {
    if (!info.namespaced) return undefined;
    const ns = this.read(resourceFor('', 'namespaces')!, undefined, obj.metadata.namespace!);
    if (!ns) return errors.notFound('namespaces', '', obj.metadata.namespace!);
    if (ns.metadata.deletionTimestamp) {
      return errors.forbidden(info.resource, info.group, obj.metadata.name ?? '', `unable to create new content in namespace ${obj.metadata.namespace} because it is being terminated`);
    }
    return undefined;
  }

  private allocateClusterIP(obj: KObject): Status | undefined {
    const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
    obj['spec'] = spec;
    if (spec['type'] === 'ExternalName' || spec['clusterIP'] === 'None') return undefined;
    const requested = spec['clusterIP'] as string | undefined;
    if (requested) {
      if (this.usedClusterIPs.has(requested)) return errors.invalid('Service', '', obj.metadata.name ?? '', [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: []string{"${requested}"}: failed to allocate IP ${requested}: provided IP is already allocated` }]);
      this.usedClusterIPs.add(requested);
      spec['clusterIPs'] = [requested];
      return undefined;
    }
    // 10.96.0.0/12, skipping .0 and 10.96.0.1 (the kubernetes Service), drawn from the seed.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const n = this.o.rand.int(2, (1 << 20) - 2);
      const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
      if (this.usedClusterIPs.has(ip)) continue;
      this.usedClusterIPs.add(ip);
      spec['clusterIP'] = ip;
      spec['clusterIPs'] = [ip];
      return undefined;
    }
    return errors.internal('failed to allocate a serviceIP: range is full');
  }

  private uid(): string {
    const hex = this.o.rand.string('0123456789abcdef', 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[this.o.rand.int(0, 3)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/**
 * CreateOptions / UpdateOptions / PatchOptions validation (ValidatePatchOptions,
 * ValidateFieldManager): an apply names its field manager, only an apply may force, and a
 * manager name is at most 128 bytes.
 */
function writeOptionsInvalid(req: ApiRequest): Status | undefined {
  const kind = req.verb === 'create' ? 'CreateOptions' : req.verb === 'update' ? 'UpdateOptions' : 'PatchOptions';
  const causes: Array<{ type: string; field: string; message: string }> = [];
  const manager = req.query?.fieldManager;
  if (req.verb === 'patch' && req.patchType !== 'apply' && req.query?.force !== undefined) causes.push({ type: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
  if (req.verb === 'patch' && req.patchType === 'apply' && !manager) causes.push({ type: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  if (manager && utf8.encode(manager).length > 128) causes.push({ type: 'FieldValueTooLong', field: 'fieldManager', message: 'Too long: may not be more than 128 bytes' });
  return causes.length > 0 ? errors.invalid(kind, 'meta.k8s.io', '', causes) : undefined;
}

/** Pod updates may only change images, activeDeadlineSeconds, tolerations (additions) and grace. */
function podUpdateForbidden(old: Pod, next: Pod): string | undefined {
  const strip = (p: Pod) => {
    const s = clone(p.spec) as Pod['spec'];
    for (const c of s.containers ?? []) delete c.image;
    for (const c of s.initContainers ?? []) delete c.image;
    delete s['activeDeadlineSeconds'];
    delete s.tolerations;
    delete s.terminationGracePeriodSeconds;
    return JSON.stringify(s);
  };
  if (strip(old) === strip(next)) return undefined;
  // field.Forbidden's ErrorBody; upstream then appends "\n" and a cmp.Diff of the internal PodSpec, left out here.
  return 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';
}

/** Freezes a stored object so no reader can change what etcd holds. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
