/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps the number of active pods a
 * ReplicaSet controls equal to spec.replicas. Creations go out in slow-start batches (1, 2, 4 ...)
 * and stop at the first failure; deletions go out together, chosen by the scale-down ranking.
 * Expectations keep it from acting again on a ReplicaSet until its informer has seen the effect of
 * what it asked for. Status is written through the status subresource.
 */
import type { Pod, ReplicaSet } from '../../src/api/objects.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import { controllerMachine, InformerController, type InformerRoute } from './controller.ts';
import { PodExpectations } from './expectations.ts';
import { controllerRef, keyOf, splitKey } from './owners.ts';
import {
  desiredReplicas, ownedActivePods, podFromTemplate, podsToDelete, replicaDiff, replicaSetStatus, statusChanged,
} from './replicaset-logic.ts';

export const REPLICASET_CONTROLLER = 'replicaset-controller';
const SOURCE = { component: REPLICASET_CONTROLLER };

type Pending =
  | { kind: 'create'; rsKey: string }
  | { kind: 'delete'; rsKey: string; podKey: string; podName: string }
  | { kind: 'status'; rsKey: string };

/** One slow-start run of creations for a ReplicaSet, driven by the responses. */
interface CreateRun {
  rs: ReplicaSet;
  remaining: number;
  inFlight: number;
  batch: number;
  failed: boolean;
}

function statusMessage(body: unknown): string {
  return (body as { message?: string } | undefined)?.message ?? 'unknown error';
}

export class ReplicaSetController extends InformerController<Pending> {
  readonly replicaSets = new Informer('replicaset/replicasets', { group: 'apps', version: 'v1', resource: 'replicasets' });
  readonly pods = new Informer('replicaset/pods', { group: '', version: 'v1', resource: 'pods' });
  readonly expectations = new PodExpectations();
  private readonly runs = new Map<string, CreateRun>();
  protected readonly routes: readonly InformerRoute[] = [
    [this.replicaSets, (d) => this.onReplicaSet(d)],
    [this.pods, (d) => this.onPod(d)],
  ];

  sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.replicaSets.get(namespace, name) as ReplicaSet | undefined;
    const now = this.port.now();
    if (!rs) this.expectations.delete(key);
    if (!this.readyToSync(key, rs, now)) return;
    const pods = ownedActivePods(rs, this.pods.list() as Pod[]);
    let acted = false;
    // A ReplicaSet being deleted keeps its pods until the garbage collector takes them.
    if (!rs.metadata.deletionTimestamp && !this.runs.has(key)) {
      // Bug zoo: manage without waiting for the last creations and deletions to be observed.
      if (this.bugs.has('replicaset-no-expectations') || this.expectations.satisfied(key, now)) acted = this.manage(key, rs, pods, now);
      else this.queue.addAfter(key, this.expectations.expiresAt(key) ?? now);
    }
    acted = this.updateStatus(key, rs, pods, now) || acted;
    if (!acted) this.queue.forget(key);
  }

  private manage(key: string, rs: ReplicaSet, pods: Pod[], now: number): boolean {
    const desired = desiredReplicas(rs);
    const diff = replicaDiff(pods.length, desired);
    if (diff.action === 'create') {
      this.port.note(`too few replicas for ReplicaSet ${key}: need ${desired}, creating ${diff.count}`);
      this.expectations.expectCreations(key, diff.count, now);
      this.runs.set(key, { rs, remaining: diff.count, inFlight: 0, batch: 0, failed: false });
      this.nextBatch(key);
      return true;
    }
    if (diff.action === 'delete') {
      this.port.note(`too many replicas for ReplicaSet ${key}: need ${desired}, deleting ${diff.count}`);
      const victims = podsToDelete(pods, diff.count, now);
      this.expectations.expectDeletions(key, victims.map(keyOf), now);
      for (const pod of victims) {
        const podName = pod.metadata.name ?? '';
        const id = this.port.request({ verb: 'delete', group: '', version: 'v1', resource: 'pods', namespace: rs.metadata.namespace, name: podName }, `${REPLICASET_CONTROLLER}:delete`);
        this.requests.set(id, { kind: 'delete', rsKey: key, podKey: keyOf(pod), podName });
      }
      return true;
    }
    return false;
  }

  /** Sends the next slow-start batch: twice the last one, at most what remains. */
  private nextBatch(key: string): void {
    const run = this.runs.get(key);
    if (!run) return;
    const { namespace, name } = splitKey(key);
    const current = this.replicaSets.get(namespace, name);
    // A ReplicaSet deleted (or being deleted) mid-run gets no more pods.
    const gone = !current || current.metadata.uid !== run.rs.metadata.uid || current.metadata.deletionTimestamp !== undefined;
    if (gone) this.expectations.lowerCreations(key, run.remaining);
    const size = gone ? 0 : Math.min(run.batch === 0 ? 1 : 2 * run.batch, run.remaining);
    if (size <= 0) {
      this.runs.delete(key);
      this.queue.add(key);
      return;
    }
    const body = podFromTemplate(run.rs);
    for (let i = 0; i < size; i++) {
      const id = this.port.request({ verb: 'create', group: '', version: 'v1', resource: 'pods', namespace: run.rs.metadata.namespace, body }, `${REPLICASET_CONTROLLER}:create`);
      this.requests.set(id, { kind: 'create', rsKey: key });
    }
    run.inFlight = size;
    run.remaining -= size;
    run.batch = size;
  }

  private updateStatus(key: string, rs: ReplicaSet, pods: Pod[], now: number): boolean {
    const status = replicaSetStatus(rs, pods, now);
    const desired = desiredReplicas(rs);
    const minReadySeconds = (rs.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
    // Pods ready but not yet available become available by the passing of time alone.
    if (minReadySeconds > 0 && (status.readyReplicas ?? 0) === desired && (status.availableReplicas ?? 0) !== desired) {
      this.queue.addAfter(key, now + minReadySeconds * 1000);
    }
    if (!statusChanged(rs, status)) return false;
    const id = this.port.request({
      verb: 'update', group: 'apps', version: 'v1', resource: 'replicasets', namespace: rs.metadata.namespace, name: rs.metadata.name, subresource: 'status',
      body: { ...rs, status },
    }, `${REPLICASET_CONTROLLER}:status`);
    this.requests.set(id, { kind: 'status', rsKey: key });
    this.queue.begin(key);
    return true;
  }

  protected onResponse(p: Pending, code: number, body: unknown): void {
    const now = this.port.now();
    const ok = code >= 200 && code < 300;
    switch (p.kind) {
      case 'create': {
        const run = this.runs.get(p.rsKey);
        if (!run) return;
        if (ok) {
          recordEvent(this.port, SOURCE, run.rs, 'Normal', 'SuccessfulCreate', `Created pod: ${(body as Pod).metadata.name}`);
        } else {
          recordEvent(this.port, SOURCE, run.rs, 'Warning', 'FailedCreate', `Error creating: ${statusMessage(body)}`);
          this.expectations.creationObserved(p.rsKey);
          run.failed = true;
        }
        run.inFlight--;
        if (run.inFlight > 0) return;
        if (run.failed) {
          // The skipped creations will never be observed (slowStartBatch stops at an error).
          this.expectations.lowerCreations(p.rsKey, run.remaining);
          this.runs.delete(p.rsKey);
          this.queue.retry(p.rsKey, now);
        } else {
          this.nextBatch(p.rsKey);
        }
        return;
      }
      case 'delete': {
        const { namespace, name } = splitKey(p.rsKey);
        const rs = this.replicaSets.get(namespace, name);
        if (ok) {
          if (rs) recordEvent(this.port, SOURCE, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.podName}`);
          return;
        }
        this.expectations.deletionObserved(p.rsKey, p.podKey);
        if (code === 404) return;
        if (rs) recordEvent(this.port, SOURCE, rs, 'Warning', 'FailedDelete', `Error deleting: ${statusMessage(body)}`);
        this.queue.retry(p.rsKey, now);
        return;
      }
      case 'status': {
        this.queue.end(p.rsKey);
        const { namespace, name } = splitKey(p.rsKey);
        if (ok) {
          const rv = (body as ReplicaSet).metadata.resourceVersion ?? null;
          this.writes.expect(p.rsKey, p.rsKey, rv, now, this.replicaSets.get(namespace, name)?.metadata.resourceVersion);
        } else if (code !== 404) {
          this.queue.retry(p.rsKey, now);
        }
        return;
      }
    }
  }

  private onReplicaSet(d: Delta): void {
    const key = keyOf(d.object);
    this.writes.observe(key, d.type === 'DELETED' ? null : d.object.metadata.resourceVersion ?? null);
    if (d.type === 'DELETED') this.expectations.delete(key);
    this.queue.add(key);
  }

  private onPod(d: Delta): void {
    const pod = d.object as Pod;
    const old = d.old as Pod | undefined;
    if (d.type === 'DELETED' || pod.metadata.deletionTimestamp) {
      this.podGone(pod);
      if (old && d.type !== 'DELETED' && this.ownerKey(old) !== this.ownerKey(pod)) this.podGone(old);
      return;
    }
    const owner = this.ownerKey(pod);
    if (d.type === 'ADDED') {
      if (owner) {
        this.expectations.creationObserved(owner);
        this.queue.add(owner);
      }
      return;
    }
    const previous = old ? this.ownerKey(old) : undefined;
    if (previous && previous !== owner) this.queue.add(previous);
    if (owner) this.queue.add(owner);
  }

  private podGone(pod: Pod): void {
    const owner = this.ownerKey(pod);
    if (!owner) return;
    this.expectations.deletionObserved(owner, keyOf(pod));
    this.queue.add(owner);
  }

  /** The key of the ReplicaSet controlling the pod, if the cache has that very ReplicaSet (by uid). */
  private ownerKey(pod: Pod): string | undefined {
    const ref = controllerRef(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(pod.metadata.namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? keyOf(rs) : undefined;
  }
}

/** The ReplicaSet controller as an actor: input `{ port }`. */
export const replicaSetControllerMachine = controllerMachine(REPLICASET_CONTROLLER, (port, flags) => new ReplicaSetController(port, flags.bugs));
