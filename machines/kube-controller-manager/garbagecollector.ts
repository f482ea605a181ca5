/**
 * The garbage collector (pkg/controller/garbagecollector): keeps a graph of owners and dependents
 * from informers on the resources it monitors, deletes objects whose owners are all gone
 * (background cascading deletion), and serves the `orphan` and `foregroundDeletion` finalizers.
 * An owner missing from the caches is looked up with a live GET before anything is deleted, as
 * upstream does for its "virtual" nodes: a cache that lags must never cost a live object.
 * Owners of kinds it does not monitor are found by those lookups, but their deletion is only
 * noticed when a dependent changes.
 */
import type { KObject, OwnerReference } from '../../src/api/objects.ts';
import { resourceForKind } from '../../src/api/registry.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiPort } from '../client/port.ts';
import { controllerMachine, InformerController, type InformerRoute } from './controller.ts';
import {
  decideDeletingOwner, decideDependent, hasFinalizer, isBeingDeleted, isDeletingDependents, ownerState, withoutFinalizer, withoutOwners,
  FINALIZER_FOREGROUND, FINALIZER_ORPHAN, type OwnerState, type PropagationPolicy,
} from './garbagecollector-logic.ts';
import { keyOf } from './owners.ts';

export const GARBAGE_COLLECTOR = 'garbage-collector-controller';

/** How long an owner confirmed by a lookup (but absent from the caches) counts as solid. */
export const PRESENT_TTL_MS = 30_000;

interface Monitored { group: string; version: string; resource: string }

/** The resources whose objects are collected and whose objects own others. */
export const MONITORED: readonly Monitored[] = [
  { group: '', version: 'v1', resource: 'pods' },
  { group: 'apps', version: 'v1', resource: 'replicasets' },
  { group: 'apps', version: 'v1', resource: 'deployments' },
  { group: 'apps', version: 'v1', resource: 'daemonsets' },
  { group: 'batch', version: 'v1', resource: 'jobs' },
  { group: '', version: 'v1', resource: 'services' },
  { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
];

type Pending =
  | { kind: 'lookup'; uid: string }
  | { kind: 'write'; itemKey: string; objectKey: string; objectKind: string };

const ownerUids = (obj: KObject | undefined): string[] => (obj?.metadata.ownerReferences ?? []).map((r) => r.uid);

export class GarbageCollector extends InformerController<Pending> {
  readonly informers = new Map<string, { info: Monitored; informer: Informer }>();
  /** uid -> item key ("<resource>|<namespace>/<name>") of every cached object. */
  private readonly uids = new Map<string, string>();
  /** owner uid -> item keys of the objects that name it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** uids known to be gone for good (uids are never reused). */
  readonly absent = new Set<string>();
  private readonly presentUntil = new Map<string, number>();
  /** owner uid -> items waiting for its lookup. */
  private readonly lookups = new Map<string, Set<string>>();
  protected readonly routes: InformerRoute[] = [];

  constructor(port: ApiPort, monitored: readonly Monitored[] = MONITORED) {
    super(port);
    for (const m of monitored) this.informers.set(m.resource, { info: m, informer: new Informer(`garbage-collector/${m.resource}`, m) });
    for (const [resource, { informer }] of this.informers) this.routes.push([informer, (d) => this.onDelta(resource, d)]);
  }

  protected onResponse(p: Pending, code: number, body: unknown): void {
    if (p.kind === 'lookup') this.onLookup(p.uid, code, body);
    else this.onWrite(p, code, body);
  }

  sync(key: string): void {
    const obj = this.object(key);
    const now = this.port.now();
    if (!this.readyToSync(key, obj, now)) return;
    if (isBeingDeleted(obj)) {
      this.syncDeletingOwner(key, obj);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    const decision = decideDependent(obj, refs.map((r) => this.stateOf(r, now)), (this.dependents.get(obj.metadata.uid ?? '')?.size ?? 0) > 0);
    switch (decision.action) {
      case 'none':
        this.queue.forget(key);
        return;
      case 'lookup':
        for (const ref of decision.refs) this.lookup(ref, obj, key);
        return;
      case 'removeOwnerReferences': {
        const remaining = withoutOwners(obj, decision.uids);
        this.port.note(`${key}: dropping owner references to ${decision.uids.join(', ')}`);
        this.patchMeta(key, key, obj, { ownerReferences: remaining.length > 0 ? remaining : null });
        return;
      }
      case 'delete':
        this.port.note(`${key}: every owner is gone, deleting (propagationPolicy=${decision.propagationPolicy})`);
        this.delete(key, obj, decision.propagationPolicy);
        return;
    }
  }

  private syncDeletingOwner(key: string, owner: KObject): void {
    const decision = decideDeletingOwner(owner, this.dependentsOf(owner));
    switch (decision.action) {
      case 'none':
        return;
      case 'orphanDependents':
        for (const dep of decision.dependents) {
          const remaining = withoutOwners(dep, [owner.metadata.uid ?? '']);
          this.patchMeta(key, this.itemKeyOf(dep), dep, { ownerReferences: remaining.length > 0 ? remaining : null });
        }
        return;
      case 'removeFinalizer': {
        const remaining = withoutFinalizer(owner, decision.finalizer);
        this.port.note(`${key}: dependents handled, removing the ${decision.finalizer} finalizer`);
        this.patchMeta(key, key, owner, { finalizers: remaining.length > 0 ? remaining : null });
        return;
      }
      case 'deleteDependents':
        for (const dep of decision.dependents) this.queue.add(this.itemKeyOf(dep));
        return;
    }
  }

  private stateOf(ref: OwnerReference, nowMs: number): OwnerState {
    if (this.absent.has(ref.uid)) return 'dangling';
    const cached = this.uids.get(ref.uid);
    const owner = cached ? this.object(cached) : undefined;
    if (owner) return ownerState(ref, owner);
    return (this.presentUntil.get(ref.uid) ?? -1) > nowMs ? 'solid' : 'unknown';
  }

  /** Asks the API server whether an owner missing from the caches exists (isDangling). */
  private lookup(ref: OwnerReference, item: KObject, itemKey: string): void {
    const waiting = this.lookups.get(ref.uid);
    if (waiting) {
      waiting.add(itemKey);
      return;
    }
    const info = resourceForKind(ref.apiVersion, ref.kind);
    if (!info) {
      // An owner of a kind nobody serves cannot be checked, so it is never assumed gone.
      this.port.note(`${itemKey}: cannot resolve owner ${ref.apiVersion}/${ref.kind} ${ref.name}; leaving it`);
      this.presentUntil.set(ref.uid, this.port.now() + PRESENT_TTL_MS);
      return;
    }
    const id = this.port.request({
      verb: 'get', group: info.group, version: info.version, resource: info.resource, name: ref.name,
      ...(info.namespaced ? { namespace: item.metadata.namespace } : {}),
    }, `${GARBAGE_COLLECTOR}:lookup`);
    this.requests.set(id, { kind: 'lookup', uid: ref.uid });
    this.lookups.set(ref.uid, new Set([itemKey]));
  }

  private onLookup(uid: string, code: number, body: unknown): void {
    const waiting = [...(this.lookups.get(uid) ?? [])];
    this.lookups.delete(uid);
    const now = this.port.now();
    if (code === 404 || (code === 200 && (body as KObject).metadata?.uid !== uid)) this.absent.add(uid);
    else if (code === 200) this.presentUntil.set(uid, now + PRESENT_TTL_MS);
    else {
      for (const k of waiting) this.queue.retry(k, now);
      return;
    }
    for (const k of waiting) this.queue.add(k);
  }

  /** A merge PATCH of metadata, conditional on the resourceVersion the decision was made on. */
  private patchMeta(itemKey: string, objectKey: string, obj: KObject, metadata: Record<string, unknown>): void {
    const { info, namespace, name } = this.locate(objectKey);
    const id = this.port.request({
      verb: 'patch', group: info.group, version: info.version, resource: info.resource, name, patchType: 'merge',
      ...(namespace ? { namespace } : {}),
      body: { metadata: { ...metadata, resourceVersion: obj.metadata.resourceVersion } },
    }, `${GARBAGE_COLLECTOR}:patch`);
    this.requests.set(id, { kind: 'write', itemKey, objectKey, objectKind: obj.kind });
    this.queue.begin(itemKey);
  }

  private delete(key: string, obj: KObject, propagationPolicy: PropagationPolicy): void {
    const { info, namespace, name } = this.locate(key);
    const id = this.port.request({
      verb: 'delete', group: info.group, version: info.version, resource: info.resource, name,
      ...(namespace ? { namespace } : {}),
      query: { propagationPolicy, preconditions: { uid: obj.metadata.uid } },
    }, `${GARBAGE_COLLECTOR}:delete`);
    this.requests.set(id, { kind: 'write', itemKey: key, objectKey: key, objectKind: obj.kind });
    this.queue.begin(key);
  }

  private onWrite(p: Extract<Pending, { kind: 'write' }>, code: number, body: unknown): void {
    const now = this.port.now();
    this.queue.end(p.itemKey);
    if (code >= 200 && code < 300) {
      // A delete answers with the object while it lingers (grace period, finalizers), else with a Status.
      const obj = (body as KObject | undefined)?.kind === p.objectKind ? (body as KObject) : undefined;
      this.writes.expect(p.itemKey, p.objectKey, obj?.metadata.resourceVersion ?? null, now, this.object(p.objectKey)?.metadata.resourceVersion);
      return;
    }
    if (code !== 404) this.queue.retry(p.itemKey, now);
  }

  private onDelta(resource: string, d: Delta): void {
    const obj = d.object;
    const key = `${resource}|${keyOf(obj)}`;
    const uid = obj.metadata.uid ?? '';
    this.writes.observe(key, d.type === 'DELETED' ? null : obj.metadata.resourceVersion ?? null);
    const before = ownerUids(d.old ?? (d.type === 'DELETED' ? obj : undefined));
    const after = d.type === 'DELETED' ? [] : ownerUids(obj);
    for (const u of before.filter((x) => !after.includes(x))) {
      const set = this.dependents.get(u);
      set?.delete(key);
      if (set?.size === 0) this.dependents.delete(u);
      this.enqueueUid(u); // it may be waiting for this dependent
    }
    for (const u of after) {
      let set = this.dependents.get(u);
      if (!set) this.dependents.set(u, (set = new Set()));
      set.add(key);
    }
    if (d.type === 'DELETED') {
      if (this.uids.get(uid) === key) this.uids.delete(uid);
      this.absent.add(uid);
      this.presentUntil.delete(uid);
      for (const dep of [...(this.dependents.get(uid) ?? [])].sort()) this.queue.add(dep);
      this.dependents.delete(uid);
      return;
    }
    this.uids.set(uid, key);
    const ownersChanged = d.old !== undefined && before.join(',') !== after.join(',');
    const ownerInDoubt = (obj.metadata.ownerReferences ?? []).some((r) => {
      const k = this.uids.get(r.uid);
      const owner = k ? this.object(k) : undefined;
      return !owner || isDeletingDependents(owner);
    });
    if (after.length > 0 && (ownersChanged || ownerInDoubt)) this.queue.add(key);
    if (isBeingDeleted(obj) && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_FOREGROUND))) this.queue.add(key);
    if (isDeletingDependents(obj) && !(d.old && isDeletingDependents(d.old))) {
      for (const dep of [...(this.dependents.get(uid) ?? [])].sort()) this.queue.add(dep);
    }
  }

  private enqueueUid(uid: string): void {
    const k = this.uids.get(uid);
    if (k) this.queue.add(k);
  }

  private dependentsOf(owner: KObject): KObject[] {
    return [...(this.dependents.get(owner.metadata.uid ?? '') ?? [])]
      .sort()
      .map((k) => this.object(k))
      .filter((o): o is KObject => o !== undefined);
  }

  private itemKeyOf(obj: KObject): string {
    return this.uids.get(obj.metadata.uid ?? '') ?? '';
  }

  private locate(key: string): { info: Monitored; namespace: string; name: string } {
    const bar = key.indexOf('|');
    const slash = key.indexOf('/', bar);
    const entry = this.informers.get(key.slice(0, bar));
    if (!entry) throw new Error(`garbage collector: no informer for ${key}`);
    return { info: entry.info, namespace: key.slice(bar + 1, slash), name: key.slice(slash + 1) };
  }

  /** The cached object behind an item key. */
  object(key: string): KObject | undefined {
    const bar = key.indexOf('|');
    const entry = this.informers.get(key.slice(0, bar));
    if (!entry) return undefined;
    const { namespace, name } = this.locate(key);
    return entry.informer.get(namespace || undefined, name);
  }
}

/** The garbage collector as an actor: input `{ port }`. */
export const garbageCollectorMachine = controllerMachine(GARBAGE_COLLECTOR, (port) => new GarbageCollector(port));
