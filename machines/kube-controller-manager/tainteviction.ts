/**
 * The taint-eviction controller (pkg/controller/tainteviction, Kubernetes 1.32; its own
 * controller since SeparateTaintEvictionController): it watches the NoExecute taints of nodes and
 * the pods bound to them. A pod that does not tolerate a node's NoExecute taints is deleted at
 * once; one that tolerates them for tolerationSeconds (300 s by DefaultTolerationSeconds for
 * not-ready and unreachable) is deleted when that runs out, counted from when this controller
 * processed the taint; taints that go away cancel the deletion ("Cancelling deletion of Pod").
 * A deletion records "Marking for deletion Pod ns/name", adds the DisruptionTarget condition
 * (DeletionByTaintManager) and DELETEs the pod with default options, up to 5 tries 10 ms apart.
 */
import type { KObject, Node, Pod } from '../../src/api/objects.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import { keyOf, splitKey } from './owners.ts';
import {
  EVICTION_RETRIES, EVICTION_RETRY_MS, noExecuteTaints, processPodOnNode, sameList, TAINT_EVICTION_CONTROLLER, withDisruptionTarget,
  type EvictionStep, type ScheduledEviction,
} from './tainteviction-logic.ts';
import { Calls, timedControllerMachine, type TimedController } from './timed-controller.ts';
import type { Taint } from '../../src/api/objects.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';

export { TAINT_EVICTION_CONTROLLER } from './tainteviction-logic.ts';

const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const SOURCE = { component: TAINT_EVICTION_CONTROLLER };

interface PodItem { namespace: string; name: string; nodeName: string }

/** A scheduled eviction with the virtual time its timer fires. */
interface Worker extends ScheduledEviction { dueMs: number }

export class TaintEvictionController implements TimedController {
  readonly pods = new Informer('taint-eviction/pods', PODS);
  readonly nodes = new Informer('taint-eviction/nodes', NODES);
  /** taintedNodes: node -> its NoExecute taints. */
  readonly taintedNodes = new Map<string, Taint[]>();
  /** taintEvictionQueue: pod key -> its timer, or null once the work ran (the key is kept). */
  readonly workers = new Map<string, Worker | null>();
  private nodeQueue: string[] = [];
  private podQueue: PodItem[] = [];
  private readonly calls: Calls;
  private running = false;

  /** `bugs`: the bug zoo's switches (machines/bugs.ts); none in the correct model. */
  constructor(private readonly port: ApiPort, private readonly bugs: Bugs = NO_BUGS) {
    this.calls = new Calls(port);
  }

  start(): void {
    this.pods.start(this.port);
    this.nodes.start(this.port);
  }

  synced(): boolean {
    return this.pods.synced && this.nodes.synced;
  }

  run(): void {
    this.running = true;
    this.drain();
  }

  handle(e: ApiEvent): void {
    if (this.pods.owns(e)) for (const d of this.pods.handle(e, this.port)) this.onPod(d);
    else if (this.nodes.owns(e)) for (const d of this.nodes.handle(e, this.port)) this.onNode(d);
    else this.calls.answer(e);
    this.drain();
  }

  nextWakeAt(): number | undefined {
    if (!this.running) return undefined;
    let at = this.calls.nextAt();
    for (const w of this.workers.values()) if (w && (at === undefined || w.dueMs < at)) at = w.dueMs;
    return at;
  }

  wake(): void {
    const now = this.port.now();
    this.calls.runDue(now);
    const due = [...this.workers].filter(([, w]) => w && w.dueMs <= now).sort((a, b) => a[1]!.dueMs - b[1]!.dueMs || (a[0] < b[0] ? -1 : 1));
    for (const [key] of due) this.fire(key);
    this.drain();
  }

  /** When a pod's eviction is due (for tests and inspection). */
  scheduledAt(namespace: string, name: string): number | undefined {
    return this.workers.get(`${namespace}/${name}`)?.dueMs;
  }

  // -------------------------------------------------------------------------------------------

  /** PodUpdated: only a change of tolerations or node matters. */
  private onPod(d: Delta): void {
    const pod = d.object as Pod;
    const old = (d.type === 'DELETED' ? d.object : d.old) as Pod | undefined;
    const next = d.type === 'DELETED' ? undefined : pod;
    if (old && next && sameList(old.spec.tolerations, next.spec.tolerations) && old.spec.nodeName === next.spec.nodeName) return;
    const ref = next ?? old!;
    this.podQueue.push({ namespace: ref.metadata.namespace ?? 'default', name: ref.metadata.name ?? '', nodeName: ref.spec.nodeName ?? '' });
  }

  /** NodeUpdated: only a change of NoExecute taints matters. */
  private onNode(d: Delta): void {
    const node = d.object as Node;
    const old = (d.type === 'DELETED' ? d.object : d.old) as Node | undefined;
    const next = d.type === 'DELETED' ? undefined : node;
    if (old && next && sameList(noExecuteTaints(old.spec?.taints), noExecuteTaints(next.spec?.taints))) return;
    const name = node.metadata.name ?? '';
    if (!this.nodeQueue.includes(name)) this.nodeQueue.push(name);
  }

  /** The workers: node updates first, then pod updates. */
  private drain(): void {
    if (!this.running) return;
    for (;;) {
      const name = this.nodeQueue.shift();
      if (name !== undefined) {
        this.handleNodeUpdate(name);
        continue;
      }
      const item = this.podQueue.shift();
      if (!item) return;
      this.handlePodUpdate(item);
    }
  }

  private handlePodUpdate(item: PodItem): void {
    const key = `${item.namespace}/${item.name}`;
    const pod = this.pods.get(item.namespace, item.name) as Pod | undefined;
    if (!pod) return this.cancelWithEvent(key);
    if ((pod.spec.nodeName ?? '') !== item.nodeName || !item.nodeName) return;
    const taints = this.taintedNodes.get(item.nodeName);
    if (!taints) return;
    this.processPodOnNode(pod, taints);
  }

  private handleNodeUpdate(name: string): void {
    const node = this.nodes.get(undefined, name) as Node | undefined;
    if (!node) {
      this.taintedNodes.delete(name);
      return;
    }
    const taints = noExecuteTaints(node.spec?.taints);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    const pods = (this.pods.list() as Pod[]).filter((p) => p.spec.nodeName === name).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    if (pods.length === 0) return;
    if (taints.length === 0) {
      for (const p of pods) this.cancelWithEvent(keyOf(p));
      return;
    }
    for (const p of pods) this.processPodOnNode(p, taints);
  }

  private processPodOnNode(pod: Pod, taints: Taint[]): void {
    const key = keyOf(pod);
    const now = this.port.now();
    // Bug zoo: the eviction is due at once, whatever tolerationSeconds say.
    const steps: EvictionStep[] = this.bugs.has('taint-eviction-ignores-toleration-seconds') && !this.workers.has(key)
      ? [{ op: 'add', createdAtMs: now, fireAtMs: now }]
      : processPodOnNode(taints, pod.spec.tolerations, now, this.workers.get(key));
    for (const s of steps) {
      if (s.op === 'cancel') this.cancelWithEvent(key);
      else this.addWork(key, s.createdAtMs, s.fireAtMs);
    }
  }

  /** TimedWorkerQueue.AddWork: an existing key wins; a delay <= 0 runs now; the timer counts fireAt - createdAt from now. */
  private addWork(key: string, createdAtMs: number, fireAtMs: number): void {
    if (this.workers.has(key)) return;
    const delay = fireAtMs - createdAtMs;
    if (delay <= 0) {
      this.fire(key);
      return;
    }
    const dueMs = this.port.now() + delay;
    this.port.note(`taint-eviction: pod ${key} will be deleted at ${(dueMs / 1000).toFixed(3)}s (tolerationSeconds ${delay / 1000})`);
    this.workers.set(key, { createdAtMs, fireAtMs, dueMs });
  }

  /** cancelWorkWithEvent: an event only when a timer was still waiting. */
  private cancelWithEvent(key: string): void {
    if (!this.workers.has(key)) return;
    const w = this.workers.get(key);
    this.workers.delete(key);
    if (!w) return;
    const { namespace, name } = splitKey(key);
    this.port.note(`taint-eviction: cancelled the deletion of pod ${key}`);
    recordEvent(this.port, SOURCE, podRef(namespace, name), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /** deletePodHandler: the event, then addConditionAndDeletePod with retries. */
  private fire(key: string): void {
    this.workers.set(key, null);
    const { namespace, name } = splitKey(key);
    this.port.note(`taint-eviction: deleting pod ${key}`);
    recordEvent(this.port, SOURCE, podRef(namespace, name), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    this.tryDelete(key, namespace, name, 1);
  }

  private tryDelete(key: string, namespace: string, name: string, attempt: number): void {
    const failed = () => {
      if (attempt >= EVICTION_RETRIES) {
        // The work failed: the key goes, so a later update can queue the pod again.
        if (this.workers.get(key) === null) this.workers.delete(key);
        return;
      }
      this.calls.after(EVICTION_RETRY_MS, () => this.tryDelete(key, namespace, name, attempt + 1));
    };
    const del = () => this.calls.send({ ...PODS, verb: 'delete', namespace, name }, `${TAINT_EVICTION_CONTROLLER}:delete`, (code) => (code >= 200 && code < 300 ? undefined : failed()));
    this.calls.send({ ...PODS, verb: 'get', namespace, name }, `${TAINT_EVICTION_CONTROLLER}:get`, (code, body) => {
      if (code !== 200) return failed();
      const pod = body as Pod;
      const status = withDisruptionTarget(pod.status, this.port.now());
      if (!status) return del();
      this.calls.send({
        ...PODS, verb: 'patch', patchType: 'merge', namespace, name, subresource: 'status',
        body: { metadata: { uid: pod.metadata.uid }, status: { conditions: status.conditions } },
      }, `${TAINT_EVICTION_CONTROLLER}:status`, (pcode) => (pcode >= 200 && pcode < 300 ? del() : failed()));
    });
  }
}

/** The ObjectReference upstream's events name (no uid). */
function podRef(namespace: string, name: string): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } };
}

/** The taint-eviction controller as an actor: input `{ port }`. */
export const taintEvictionControllerMachine = timedControllerMachine(TAINT_EVICTION_CONTROLLER, (port, flags) => new TaintEvictionController(port, flags.bugs));
