/**
 * The Deployment controller (pkg/controller/deployment): one ReplicaSet per pod template, named
 * `<deployment>-<pod-template-hash>`, scaled by the strategy (RollingUpdate within maxSurge and
 * maxUnavailable, or Recreate), old ones retired and trimmed to revisionHistoryLimit, and a status
 * that `kubectl rollout status` can follow. Each sync carries out one plan from deployment-rollout.
 */
import type { ReplicaSet } from '../../src/api/objects.ts';
import { clone } from '../../src/api/objects.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiRequest } from '../client/protocol.ts';
import { controllerMachine, InformerController, type InformerRoute } from './controller.ts';
import { hasProgressDeadline, newCondition, NEW_RS_CREATED_REASON, setCondition, type Deployment, type DeploymentStatus } from './deployment-logic.ts';
import { planDeployment, type DeploymentStep } from './deployment-rollout.ts';
import { controllerRef, isControlledBy, keyOf, splitKey } from './owners.ts';

export const DEPLOYMENT_CONTROLLER = 'deployment-controller';
const SOURCE = { component: DEPLOYMENT_CONTROLLER };
const APPS = { group: 'apps', version: 'v1' } as const;

interface Pending {
  key: string;
  deployment: Deployment;
  step: DeploymentStep;
}

export class DeploymentController extends InformerController<Pending> {
  readonly deployments = new Informer('deployment/deployments', { ...APPS, resource: 'deployments' });
  readonly replicaSets = new Informer('deployment/replicasets', { ...APPS, resource: 'replicasets' });
  protected readonly routes: readonly InformerRoute[] = [
    [this.deployments, (d) => this.onDeployment(d)],
    [this.replicaSets, (d) => this.onReplicaSet(d)],
  ];

  sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const d = this.deployments.get(namespace, name) as Deployment | undefined;
    const now = this.port.now();
    if (!this.readyToSync(key, d, now)) return;
    const rss = (this.replicaSets.list() as ReplicaSet[]).filter((rs) => rs.metadata.namespace === namespace && isControlledBy(rs, d.metadata.uid));
    const plan = planDeployment(d, rss, now);
    if (plan.steps.length === 0) this.queue.forget(key);
    // requeueStuckDeployment: less than a second to the progress deadline (or past it) is
    // enqueueRateLimited, not an immediate re-add (a stuck rollout resyncs at most 10 times a
    // second once the limiter's burst is spent); otherwise a check a second after the deadline.
    if (plan.requeueAtMs !== undefined) {
      if (plan.requeueAtMs - 1000 - now < 1000) this.queue.addRateLimited(key, now);
      else this.queue.addAfter(key, plan.requeueAtMs);
    }
    for (const step of plan.steps) this.execute(key, d, step);
  }

  private execute(key: string, d: Deployment, step: DeploymentStep): void {
    const namespace = d.metadata.namespace;
    let req: ApiRequest;
    switch (step.type) {
      case 'createReplicaSet':
        req = { verb: 'create', ...APPS, resource: 'replicasets', namespace, body: step.rs };
        break;
      case 'updateReplicaSet':
        req = { verb: 'update', ...APPS, resource: 'replicasets', namespace, name: step.rs.metadata.name, body: step.rs };
        break;
      case 'deleteReplicaSet':
        req = { verb: 'delete', ...APPS, resource: 'replicasets', namespace, name: step.rs.metadata.name, query: { preconditions: { uid: step.rs.metadata.uid } } };
        break;
      case 'setDeploymentRevision':
        req = { verb: 'patch', ...APPS, resource: 'deployments', namespace, name: d.metadata.name, patchType: 'merge', body: { metadata: { annotations: { 'deployment.kubernetes.io/revision': step.revision } } } };
        break;
      case 'updateStatus':
        req = { verb: 'update', ...APPS, resource: 'deployments', namespace, name: d.metadata.name, subresource: 'status', body: { ...d, status: step.status } };
        break;
    }
    const id = this.port.request(req, `${DEPLOYMENT_CONTROLLER}:${step.type}`);
    this.requests.set(id, { key, deployment: d, step });
    this.queue.begin(key);
  }

  protected onResponse(p: Pending, code: number, body: unknown): void {
    try {
      this.settle(p, code, body);
    } finally {
      // Ended after any follow-up write has begun, so no sync slips in between.
      this.queue.end(p.key);
    }
  }

  private settle(p: Pending, code: number, body: unknown): void {
    const now = this.port.now();
    const { namespace, name } = splitKey(p.key);
    const d = (this.deployments.get(namespace, name) as Deployment | undefined) ?? p.deployment;
    if (code < 200 || code >= 300) {
      if (p.step.type === 'createReplicaSet' && code === 409) this.port.note(`ReplicaSet ${p.step.rs.metadata.name} already exists; waiting for the informer (hash collisions are not handled)`);
      if (!(p.step.type === 'deleteReplicaSet' && code === 404)) this.queue.retry(p.key, now);
      return;
    }
    const step = p.step;
    const rs = step.type === 'createReplicaSet' || step.type === 'updateReplicaSet' || step.type === 'deleteReplicaSet' ? step.rs : undefined;
    const objectKey = rs ? `replicasets|${keyOf(rs)}` : `deployments|${p.key}`;
    const cached = rs ? this.replicaSets.get(rs.metadata.namespace, rs.metadata.name ?? '') : d;
    const written = (body as { kind?: string }).kind === (rs ? 'ReplicaSet' : 'Deployment') ? (body as Deployment | ReplicaSet) : undefined;
    this.writes.expect(p.key, objectKey, written?.metadata.resourceVersion ?? null, now, cached?.metadata.resourceVersion);
    if (step.type === 'createReplicaSet') {
      const replicas = step.rs.spec.replicas ?? 0;
      if (replicas > 0) recordEvent(this.port, SOURCE, d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${step.rs.metadata.name} from 0 to ${replicas}`);
      if (hasProgressDeadline(d)) {
        const status: DeploymentStatus = clone(d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', NEW_RS_CREATED_REASON, `Created new replica set "${step.rs.metadata.name}"`, now));
        this.execute(p.key, d, { type: 'updateStatus', status });
      }
    } else if (step.type === 'updateReplicaSet' && step.scaled) {
      const { from, to } = step.scaled;
      recordEvent(this.port, SOURCE, d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${step.rs.metadata.name} from ${from} to ${to}`);
    }
  }

  private onDeployment(d: Delta): void {
    const key = keyOf(d.object);
    this.writes.observe(`deployments|${key}`, d.type === 'DELETED' ? null : d.object.metadata.resourceVersion ?? null);
    this.queue.add(key);
  }

  private onReplicaSet(d: Delta): void {
    this.writes.observe(`replicasets|${keyOf(d.object)}`, d.type === 'DELETED' ? null : d.object.metadata.resourceVersion ?? null);
    for (const obj of d.old ? [d.old, d.object] : [d.object]) {
      const ref = controllerRef(obj);
      if (ref?.kind === 'Deployment') this.queue.add(`${obj.metadata.namespace ?? ''}/${ref.name}`);
    }
  }
}

/** The Deployment controller as an actor: input `{ port }`. */
export const deploymentControllerMachine = controllerMachine(DEPLOYMENT_CONTROLLER, (port) => new DeploymentController(port));
