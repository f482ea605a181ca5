/**
 * The EndpointSlice controller (pkg/controller/endpointslice): for every Service with a selector,
 * slices listing the pods it selects, with their addresses, ports and readiness, kept converged as
 * pods come, go, become ready or start terminating. Slices belong to their Service (owner
 * reference), so the garbage collector removes them with it.
 */
import type { EndpointSlice, Pod, Service } from '../../src/api/objects.ts';
import { labelSelectorFromSet, matchesLabels } from '../../src/api/selectors.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiRequest } from '../client/protocol.ts';
import { controllerMachine, InformerController, type InformerRoute } from './controller.ts';
import { hasSelector, LABEL_MANAGED_BY, LABEL_SERVICE_NAME, MANAGED_BY, ownsSlice, reconcileSlices } from './endpointslice-logic.ts';
import { keyOf, splitKey } from './owners.ts';

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller';
const SOURCE = { component: ENDPOINTSLICE_CONTROLLER };
const SLICES = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' } as const;

interface Pending {
  svcKey: string;
  verb: 'create' | 'update' | 'delete';
  /** For updates and deletes: the slice written. */
  slice?: EndpointSlice;
}

export class EndpointSliceController extends InformerController<Pending> {
  readonly services = new Informer('endpointslice/services', { group: '', version: 'v1', resource: 'services' });
  readonly pods = new Informer('endpointslice/pods', { group: '', version: 'v1', resource: 'pods' });
  readonly slices = new Informer('endpointslice/endpointslices', { ...SLICES, query: { labelSelector: `${LABEL_MANAGED_BY}=${MANAGED_BY}` } });
  protected readonly routes: readonly InformerRoute[] = [
    [this.services, (d) => this.queue.add(keyOf(d.object))],
    [this.pods, (d) => this.onPod(d)],
    [this.slices, (d) => this.onSlice(d)],
  ];

  sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const found = this.services.get(namespace, name) as Service | undefined;
    const now = this.port.now();
    // Services without a selector get no slices from this controller; a deleted Service's slices go with it (GC).
    const svc = found && hasSelector(found) && !found.metadata.deletionTimestamp ? found : undefined;
    if (!this.readyToSync(key, svc, now)) return;
    const pods = (this.pods.list() as Pod[]).filter((p) => p.metadata.namespace === namespace);
    const existing = (this.slices.list() as EndpointSlice[]).filter((s) => ownsSlice(svc, s));
    const plan = reconcileSlices(svc, pods, existing, undefined, this.bugs);
    if (plan.create.length + plan.update.length + plan.delete.length === 0) {
      this.queue.forget(key);
      return;
    }
    this.port.note(`Service ${key}: ${plan.create.length} slice(s) to create, ${plan.update.length} to update, ${plan.delete.length} to delete`);
    for (const s of plan.create) this.send(key, 'create', { verb: 'create', ...SLICES, namespace, body: s });
    for (const s of plan.update) this.send(key, 'update', { verb: 'update', ...SLICES, namespace, name: s.metadata.name, body: s }, s);
    for (const s of plan.delete) {
      this.send(key, 'delete', { verb: 'delete', ...SLICES, namespace, name: s.metadata.name, query: { preconditions: { uid: s.metadata.uid } } }, s);
    }
  }

  private send(svcKey: string, verb: Pending['verb'], req: ApiRequest, slice?: EndpointSlice): void {
    const id = this.port.request(req, `${ENDPOINTSLICE_CONTROLLER}:${verb}`);
    this.requests.set(id, { svcKey, verb, ...(slice ? { slice } : {}) });
    this.queue.begin(svcKey);
  }

  protected onResponse(p: Pending, code: number, body: unknown): void {
    const now = this.port.now();
    this.queue.end(p.svcKey);
    if (code >= 200 && code < 300) {
      const written = (body as { kind?: string }).kind === 'EndpointSlice' ? (body as EndpointSlice) : undefined;
      const slice = written ?? p.slice;
      if (!slice) return;
      // A delete that removed the slice answers with a Status: wait for the slice to be gone.
      const rv = written?.metadata.resourceVersion ?? null;
      this.writes.expect(p.svcKey, keyOf(slice), rv, now, this.slices.get(slice.metadata.namespace, slice.metadata.name ?? '')?.metadata.resourceVersion);
      return;
    }
    if (p.verb === 'delete' && code === 404) return;
    const { namespace, name } = splitKey(p.svcKey);
    const svc = this.services.get(namespace, name);
    const message = (body as { message?: string } | undefined)?.message ?? `code ${code}`;
    if (svc) recordEvent(this.port, SOURCE, svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${p.svcKey}: ${message}`);
    this.queue.retry(p.svcKey, now);
  }

  /** Every Service in the pod's namespace whose selector matches the pod now or before. */
  private onPod(d: Delta): void {
    const pod = d.object as Pod;
    const labelSets = [pod.metadata.labels ?? {}, ...(d.old ? [d.old.metadata.labels ?? {}] : [])];
    for (const svc of this.services.list() as Service[]) {
      if (svc.metadata.namespace !== pod.metadata.namespace || !hasSelector(svc)) continue;
      const sel = labelSelectorFromSet(svc.spec.selector ?? {});
      if (labelSets.some((l) => matchesLabels(sel, l))) this.queue.add(keyOf(svc));
    }
  }

  private onSlice(d: Delta): void {
    this.writes.observe(keyOf(d.object), d.type === 'DELETED' ? null : d.object.metadata.resourceVersion ?? null);
    const svcName = d.object.metadata.labels?.[LABEL_SERVICE_NAME];
    if (svcName) this.queue.add(`${d.object.metadata.namespace ?? ''}/${svcName}`);
  }
}

/** The EndpointSlice controller as an actor: input `{ port }`. */
export const endpointSliceControllerMachine = controllerMachine(ENDPOINTSLICE_CONTROLLER, (port, flags) => new EndpointSliceController(port, flags.bugs));
