/**
 * The node lifecycle controller (pkg/controller/nodelifecycle, Kubernetes 1.32), with the
 * taint-eviction controller running beside it as its own controller (SeparateTaintEvictionController).
 *
 * - monitorNodeHealth, every --node-monitor-period (5 s, the next pass timed from the end of the
 *   last): a node whose Ready heartbeat and Lease have both stood still for longer than
 *   --node-monitor-grace-period (50 s) gets Ready, MemoryPressure, DiskPressure and PIDPressure
 *   Unknown ("Kubelet stopped posting node status."); a node going from Ready to not Ready gets a
 *   NodeNotReady event and its pods Ready=False (MarkPodsNotReady); a node observed not Ready is
 *   queued in its zone for a NoExecute taint, one observed Ready loses them; zone states set the
 *   zones' eviction rates (handleDisruption).
 * - doNoScheduleTaintingPass on every node add and update: the NoSchedule taints its conditions
 *   call for (not-ready, unreachable, pressure, network-unavailable, unschedulable).
 * - doNoExecuteTaintingPass, upstream every 100 ms: the zone queues release nodes through their
 *   token buckets (--node-eviction-rate 0.1/s, burst 1) and each gets `unreachable:NoExecute` or
 *   `not-ready:NoExecute`, the other one swapped out. Here it runs only on the 100 ms passes where
 *   a queue has a node and its bucket a token (ratelimit.ts).
 * - processPod: a pod newly bound to a node that is not Ready is marked Ready=False.
 *
 * Upstream's synchronous client calls are requests whose answers continue the work (Calls); a
 * monitor pass ends, and the next one is timed, once every node's work in it has been answered.
 */
import type { KObject, Node, NodeCondition, Pod, Taint } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { recordEvent } from '../client/events.ts';
import { Informer, type Delta } from '../client/informer.ts';
import type { ApiEvent, ApiPort } from '../client/port.ts';
import type { ControllerManagerFlags } from './controller.ts';
import {
  addOrUpdateTaint, DEFAULT_NODE_LIFECYCLE_CONFIG, excludedFromDisruption, handleDisruption, labelsToReconcile, NODE_CONTROLLER_SOURCE,
  NODE_LIFECYCLE_CONTROLLER, noExecuteSwap, noScheduleTaintDiff, NOT_READY_TAINT, podNotReadyStatus, removeTaint, taintExists,
  tryUpdateNodeHealth, UNREACHABLE_TAINT, zoneKey, type HealthOutcome, type NodeHealth, type NodeLifecycleConfig, type ZoneState,
} from './nodelifecycle-logic.ts';
import { keyOf, splitKey } from './owners.ts';
import { WorkQueue } from './queue.ts';
import { RateLimitedTimedQueue, type TryResult } from './ratelimit.ts';
import { Calls, timedControllerMachine, type TimedController } from './timed-controller.ts';

export { NODE_LIFECYCLE_CONTROLLER } from './nodelifecycle-logic.ts';

const NODES = { group: '', version: 'v1', resource: 'nodes' } as const;
const PODS = { group: '', version: 'v1', resource: 'pods' } as const;
const LEASES = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease' } as const;
const SOURCE = { component: NODE_CONTROLLER_SOURCE };

/** scheduler.NodeHealthUpdateRetry and the monitor's retrySleepTime. */
export const NODE_HEALTH_UPDATE_RETRY = 5;
export const RETRY_SLEEP_MS = 20;
/** UpdateTaintBackoff: Steps 5, Duration 100 ms (upstream adds up to 100% jitter; none here). */
export const UPDATE_TAINT_STEPS = 5;
export const UPDATE_TAINT_BACKOFF_MS = 100;
/** The NLC's flags as kube-controller-manager takes them (durations in seconds). */
export type NodeLifecycleFlags = Pick<ControllerManagerFlags, 'nodeMonitorPeriod' | 'nodeMonitorGracePeriod' | 'nodeStartupGracePeriod'
  | 'nodeEvictionRate' | 'secondaryNodeEvictionRate' | 'largeClusterSizeThreshold' | 'unhealthyZoneThreshold'>;

export function nodeLifecycleConfig(flags: ControllerManagerFlags & NodeLifecycleFlags): NodeLifecycleConfig {
  const d = DEFAULT_NODE_LIFECYCLE_CONFIG;
  const ms = (s: number | undefined, def: number) => (s === undefined ? def : Math.round(s * 1000));
  return {
    nodeMonitorPeriodMs: ms(flags.nodeMonitorPeriod, d.nodeMonitorPeriodMs),
    nodeMonitorGracePeriodMs: ms(flags.nodeMonitorGracePeriod, d.nodeMonitorGracePeriodMs),
    nodeStartupGracePeriodMs: ms(flags.nodeStartupGracePeriod, d.nodeStartupGracePeriodMs),
    nodeEvictionRate: flags.nodeEvictionRate ?? d.nodeEvictionRate,
    secondaryNodeEvictionRate: flags.secondaryNodeEvictionRate ?? d.secondaryNodeEvictionRate,
    largeClusterSizeThreshold: flags.largeClusterSizeThreshold ?? d.largeClusterSizeThreshold,
    unhealthyZoneThreshold: flags.unhealthyZoneThreshold ?? d.unhealthyZoneThreshold,
  };
}

const readyOf = (node: Node | undefined): NodeCondition | undefined => node?.status?.conditions?.find((c) => c.type === 'Ready');
const isOk = (code: number) => code >= 200 && code < 300;

/** One monitorNodeHealth pass: nodes still being worked on, and the Ready conditions per zone. */
interface MonitorPass {
  nodes: Node[];
  pending: number;
  zoneConditions: Map<string, Array<NodeCondition | undefined>>;
}

export class NodeLifecycleController implements TimedController {
  readonly nodes = new Informer('nodelifecycle/nodes', NODES);
  readonly pods = new Informer('nodelifecycle/pods', PODS);
  readonly leases = new Informer('nodelifecycle/leases', LEASES);
  readonly config: NodeLifecycleConfig;
  /** knownNodeSet. */
  readonly known = new Map<string, Node>();
  /** nodeHealthMap. */
  readonly health = new Map<string, NodeHealth>();
  /** zoneNoExecuteTainter. */
  readonly tainters = new Map<string, RateLimitedTimedQueue>();
  zoneStates = new Map<string, ZoneState>();
  readonly nodesToRetry = new Set<string>();
  /** nodeUpdateQueue (NoSchedule taints and labels) and podUpdateQueue (processPod). */
  readonly nodeQueue = new WorkQueue();
  readonly podQueue = new WorkQueue();
  private readonly calls: Calls;
  private running = false;
  /** Where the 100 ms NoExecute grid starts (when the workers started). */
  private gridStartMs = 0;
  private monitorDueMs: number | undefined;
  private pass: MonitorPass | undefined;
  /** Completed monitor passes (for tests). */
  passes = 0;

  constructor(private readonly port: ApiPort, flags: ControllerManagerFlags & NodeLifecycleFlags = {}) {
    this.config = nodeLifecycleConfig(flags);
    this.calls = new Calls(port);
  }

  start(): void {
    for (const i of [this.leases, this.nodes, this.pods]) i.start(this.port);
  }

  synced(): boolean {
    return this.leases.synced && this.nodes.synced && this.pods.synced;
  }

  run(): void {
    this.running = true;
    this.gridStartMs = this.port.now();
    // wait.Until runs the monitor at once, then every period after each pass ends.
    this.monitorDueMs = this.port.now();
    this.drain();
  }

  handle(e: ApiEvent): void {
    if (this.nodes.owns(e)) for (const d of this.nodes.handle(e, this.port)) this.onNode(d);
    else if (this.pods.owns(e)) for (const d of this.pods.handle(e, this.port)) this.onPod(d);
    else if (this.leases.owns(e)) this.leases.handle(e, this.port);
    else this.calls.answer(e);
    this.drain();
  }

  nextWakeAt(): number | undefined {
    if (!this.running) return undefined;
    const now = this.port.now();
    let at = this.calls.nextAt();
    const consider = (t: number | undefined) => {
      if (t !== undefined && (at === undefined || t < at)) at = t;
    };
    if (!this.pass) consider(this.monitorDueMs);
    for (const q of this.tainters.values()) consider(q.nextTryAt(now, this.gridStartMs));
    consider(this.podQueue.nextDueAt());
    return at;
  }

  wake(): void {
    const now = this.port.now();
    this.calls.runDue(now);
    this.podQueue.promoteDue(now);
    if (!this.pass && this.monitorDueMs !== undefined && this.monitorDueMs <= now) this.monitorNodeHealth();
    this.noExecuteTaintingPass(now);
    this.drain();
  }

  // -------------------------------------------------------------------------------------------
  // Informer handlers

  private onNode(d: Delta): void {
    const name = d.object.metadata.name ?? '';
    if (d.type === 'DELETED') {
      this.nodesToRetry.delete(name);
      return;
    }
    this.nodeQueue.add(name);
  }

  private onPod(d: Delta): void {
    if (d.type === 'DELETED') return;
    const pod = d.object as Pod;
    const old = d.old as Pod | undefined;
    if (pod.spec.nodeName && (!old || pod.spec.nodeName !== old.spec.nodeName)) this.podQueue.add(keyOf(pod));
  }

  /** The node and pod workers take what is queued (node updates first). */
  private drain(): void {
    if (!this.running) return;
    for (let name = this.nodeQueue.pop(); name !== undefined; name = this.nodeQueue.pop()) this.processNode(name);
    for (let key = this.podQueue.pop(); key !== undefined; key = this.podQueue.pop()) this.processPod(key);
  }

  // -------------------------------------------------------------------------------------------
  // doNodeProcessingPassWorker: NoSchedule taints, then labels

  private processNode(name: string): void {
    const node = this.nodes.get(undefined, name) as Node | undefined;
    if (!node) return;
    const diff = noScheduleTaintDiff(node);
    const taints = diff.add.length > 0 || diff.remove.length > 0;
    const labels = labelsToReconcile(node.metadata.labels);
    const relabel = Object.keys(labels).length > 0;
    if (!taints && !relabel) return;
    // The key stays busy until its writes are answered; an update meanwhile runs it again after.
    this.nodeQueue.begin(name);
    let waiting = (taints ? 1 : 0) + (relabel ? 1 : 0);
    const done = () => {
      if (--waiting > 0) return;
      this.nodeQueue.end(name);
      this.drain();
    };
    if (taints) {
      this.port.note(`node-lifecycle: node ${name} NoSchedule taints: ${[...diff.add.map((t) => `+${t.key}`), ...diff.remove.map((t) => `-${t.key}`)].join(' ')}`);
      this.swapTaints(node, diff.add, diff.remove, () => done());
    }
    if (relabel) this.calls.send({ ...NODES, verb: 'patch', patchType: 'merge', name, body: { metadata: { labels } } }, `${NODE_LIFECYCLE_CONTROLLER}:labels`, () => done());
  }

  // -------------------------------------------------------------------------------------------
  // processPod

  private processPod(key: string): void {
    const { namespace, name } = splitKey(key);
    const pod = this.pods.get(namespace, name) as Pod | undefined;
    if (!pod) return;
    const nodeName = pod.spec.nodeName ?? '';
    const health = this.health.get(nodeName);
    if (!health) return;
    if (!this.nodes.get(undefined, nodeName)) return this.retryPod(key);
    const ready = health.status.conditions?.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'True') return;
    this.podQueue.begin(key);
    this.markPodsNotReady([pod], nodeName, (ok) => {
      this.podQueue.end(key);
      if (ok) this.podQueue.forget(key);
      else this.retryPod(key);
      this.drain();
    });
  }

  /** The pod update queue's AddRateLimited (DefaultTypedControllerRateLimiter, queue.ts). */
  private retryPod(key: string): void {
    this.podQueue.addRateLimited(key, this.port.now());
  }

  // -------------------------------------------------------------------------------------------
  // monitorNodeHealth

  private monitorNodeHealth(): void {
    const nodes = (this.nodes.list() as Node[]).slice().sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    const names = new Set(nodes.map((n) => n.metadata.name!));
    const added: Node[] = [];
    for (const n of nodes) {
      if (!this.known.has(n.metadata.name!)) added.push(n);
      else if (!this.zoneStates.has(zoneKey(n))) this.addTainterForNewZone(n);
    }
    for (const [name, n] of [...this.known]) {
      if (names.has(name)) continue;
      this.nodeEvent(n, 'RemovingNode', `Removing Node ${name} from Controller`);
      this.known.delete(name);
    }
    const pass: MonitorPass = { nodes, pending: nodes.length, zoneConditions: new Map() };
    this.pass = pass;
    const addedNames = new Set<string>();
    for (const n of added) {
      const name = n.metadata.name!;
      this.port.note(`node-lifecycle: observed a new Node ${name}`);
      this.nodeEvent(n, 'RegisteredNode', `Registered Node ${name} in Controller`);
      this.known.set(name, n);
      this.addTainterForNewZone(n);
      addedNames.add(name);
    }
    const nodeDone = () => {
      if (--pass.pending === 0) this.finishNodes(pass);
    };
    for (const n of nodes) {
      if (addedNames.has(n.metadata.name!)) this.markNodeAsReachable(n, () => this.updateNode(pass, n, nodeDone));
      else this.updateNode(pass, n, nodeDone);
    }
    if (nodes.length === 0) this.finishNodes(pass);
  }

  private addTainterForNewZone(node: Node): void {
    const zone = zoneKey(node);
    if (this.zoneStates.has(zone)) return;
    this.zoneStates.set(zone, 'Initial');
    this.tainters.set(zone, new RateLimitedTimedQueue(this.config.nodeEvictionRate, this.port.now()));
  }

  /** updateNodeFunc: the health update (with its retries), then taints and pods. */
  private updateNode(pass: MonitorPass, node: Node, done: () => void): void {
    this.updateHealth(node, 1, (outcome, latest) => {
      if (!outcome) return done();
      if (!excludedFromDisruption(latest)) {
        const zone = zoneKey(latest);
        const list = pass.zoneConditions.get(zone) ?? [];
        list.push(outcome.current);
        pass.zoneConditions.set(zone, list);
      }
      if (!outcome.current) return done();
      const current = outcome.current;
      const observed = outcome.observed;
      const name = latest.metadata.name!;
      this.processTaintBaseEviction(latest, observed, () => {
        const needsRetry = this.nodesToRetry.has(name);
        const becameNotReady = current.status !== 'True' && observed.status === 'True';
        if (becameNotReady) {
          this.port.note(`node-lifecycle: node ${name} is now ${current.status === 'Unknown' ? 'unreachable (Ready Unknown)' : 'not ready'}; marking its pods not ready`);
          this.nodeEvent(latest, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, true);
        }
        if (becameNotReady || (needsRetry && observed.status !== 'True')) {
          this.markPodsNotReady(this.podsOn(name), name, (ok) => {
            if (ok) this.nodesToRetry.delete(name);
            else this.nodesToRetry.add(name);
            done();
          });
          return;
        }
        this.nodesToRetry.delete(name);
        done();
      });
    });
  }

  /**
   * tryUpdateNodeHealth with its UpdateStatus, retried up to NodeHealthUpdateRetry times with a
   * fresh GET 20 ms apart. `k` gets undefined when every try failed (the node is skipped).
   */
  private updateHealth(node: Node, attempt: number, k: (o: HealthOutcome | undefined, node: Node) => void): void {
    const name = node.metadata.name!;
    const lease = this.leases.get(LEASES.namespace, name) as (KObject & { spec?: { renewTime?: string } }) | undefined;
    const outcome = tryUpdateNodeHealth({ node, health: this.health.get(name), leaseRenewTime: lease?.spec?.renewTime, nowMs: this.port.now(), config: this.config });
    this.health.set(name, outcome.health);
    if (!outcome.update) return k(outcome, node);
    const update = outcome.update;
    const current = update.status.conditions?.find((c) => c.type === 'Ready');
    this.port.note(`node-lifecycle: node ${name} has not been heard from for ${Math.round((this.port.now() - outcome.health.probeTimestampMs) / 1000)}s (grace ${outcome.gracePeriodMs / 1000}s): Ready ${current?.status}`);
    const updated: Node = { ...node, status: update.status };
    this.calls.send({ ...NODES, verb: 'update', name, subresource: 'status', body: updated }, `${NODE_LIFECYCLE_CONTROLLER}:status`, (code) => {
      if (isOk(code)) {
        this.health.set(name, update.health);
        return k(outcome, updated);
      }
      if (attempt >= NODE_HEALTH_UPDATE_RETRY) return k(undefined, node);
      this.calls.after(RETRY_SLEEP_MS, () => {
        this.calls.send({ ...NODES, verb: 'get', name }, `${NODE_LIFECYCLE_CONTROLLER}:get`, (getCode, fresh) => {
          if (!isOk(getCode)) return k(undefined, node);
          this.updateHealth(fresh as Node, attempt + 1, k);
        });
      });
    });
  }

  /** processTaintBaseEviction, on the Ready condition as observed before this pass changed it. */
  private processTaintBaseEviction(node: Node, observed: NodeCondition, k: () => void): void {
    const taints = node.spec?.taints;
    switch (observed.status) {
      case 'False':
        if (taintExists(taints, UNREACHABLE_TAINT)) return this.swapTaints(node, [{ ...NOT_READY_TAINT }], [{ ...UNREACHABLE_TAINT }], () => k());
        this.markNodeForTainting(node, 'False');
        return k();
      case 'Unknown':
        if (taintExists(taints, NOT_READY_TAINT)) return this.swapTaints(node, [{ ...UNREACHABLE_TAINT }], [{ ...NOT_READY_TAINT }], () => k());
        this.markNodeForTainting(node, 'Unknown');
        return k();
      case 'True':
        return this.markNodeAsReachable(node, () => k());
      default:
        return k();
    }
  }

  private markNodeForTainting(node: Node, status: 'False' | 'Unknown'): boolean {
    const q = this.tainters.get(zoneKey(node));
    if (!q) return false;
    const name = node.metadata.name!;
    const template = status === 'False' ? NOT_READY_TAINT : UNREACHABLE_TAINT;
    if (!taintExists(node.spec?.taints, template)) q.remove(name);
    const added = q.add(name, node.metadata.uid ?? '', this.port.now());
    if (added) this.port.note(`node-lifecycle: node ${name} is ${status === 'False' ? 'not ready' : 'unresponsive'}; queued for a NoExecute taint`);
    return added;
  }

  /** markNodeAsReachable: both NoExecute taints off, then out of the zone's queue. */
  private markNodeAsReachable(node: Node, k: (ok: boolean) => void): void {
    this.removeTaintsOffNode(node, [{ ...UNREACHABLE_TAINT }], (ok1) => {
      if (!ok1) return k(false);
      this.removeTaintsOffNode(node, [{ ...NOT_READY_TAINT }], (ok2) => {
        if (!ok2) return k(false);
        this.tainters.get(zoneKey(node))?.remove(node.metadata.name!);
        k(true);
      });
    });
  }

  /** handleDisruption, once every node of the pass is done; the pass ends when its own work is. */
  private finishNodes(pass: MonitorPass): void {
    const now = this.port.now();
    const decision = handleDisruption(this.zoneStates, pass.zoneConditions, this.config);
    for (const [zone, state] of decision.zoneStates) {
      if (this.zoneStates.get(zone) !== state && state !== 'Initial') this.port.note(`node-lifecycle: zone "${zone.replace('\x00', '')}" is now in state ${state}`);
    }
    const end = () => {
      for (const [zone, qps] of decision.limiters) this.tainters.get(zone)?.swapLimiter(qps, now);
      this.zoneStates = decision.zoneStates;
      this.endPass();
    };
    if (decision.resetProbes) {
      for (const n of pass.nodes) {
        const h = this.health.get(n.metadata.name!);
        if (h) this.health.set(n.metadata.name!, { ...h, probeTimestampMs: now, readyTransitionTimestampMs: now });
      }
    }
    if (!decision.markAllReachable) return end();
    this.port.note('node-lifecycle: every node is not ready: entering master disruption mode, evictions stop');
    let pending = pass.nodes.length;
    if (pending === 0) return end();
    for (const n of pass.nodes) this.markNodeAsReachable(n, () => {
      if (--pending === 0) end();
    });
  }

  private endPass(): void {
    this.pass = undefined;
    this.passes++;
    this.monitorDueMs = this.port.now() + this.config.nodeMonitorPeriodMs;
  }

  // -------------------------------------------------------------------------------------------
  // doNoExecuteTaintingPass

  private noExecuteTaintingPass(now: number): void {
    for (const zone of [...this.tainters.keys()].sort()) {
      const q = this.tainters.get(zone)!;
      const due = q.nextTryAt(now, this.gridStartMs);
      if (due === undefined || due > now) continue;
      q.try(now, (v): TryResult => {
        const node = this.nodes.get(undefined, v.value) as Node | undefined;
        if (!node) return { ok: true };
        const ready = readyOf(node);
        if (!ready) return { ok: false, waitMs: 50 };
        const swap = noExecuteSwap(ready.status);
        if (!swap) return { ok: true };
        this.port.note(`node-lifecycle: tainting node ${v.value} with ${swap.add.key}:NoExecute`);
        this.swapTaints(node, [swap.add], [swap.remove], (ok) => {
          if (!ok) q.retry(v.value, v.uid, this.port.now());
        });
        return { ok: true };
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Taint and pod writes

  /**
   * SwapNodeControllerTaint: the taints to add get timeAdded now and go on (GET, then PATCH with
   * the read resourceVersion, retried on conflict), then the ones to remove come off.
   */
  private swapTaints(node: Node, add: Taint[], remove: Taint[], k: (ok: boolean) => void): void {
    const now = timestamp(this.port.now());
    const stamped = add.map((t) => ({ ...t, timeAdded: now }));
    this.changeTaints(node.metadata.name!, (taints) => {
      let out: Taint[] = [...taints];
      let updated = false;
      for (const t of stamped) {
        const r = addOrUpdateTaint(out, t);
        out = r.taints;
        updated = updated || r.updated;
      }
      return { taints: out, updated };
    }, 1, (ok) => {
      if (!ok) return k(false);
      this.removeTaintsOffNode(node, remove, k);
    });
  }

  /** RemoveTaintOffNode: nothing to do (and no request) when `node` carries none of them. */
  private removeTaintsOffNode(node: Node, remove: Taint[], k: (ok: boolean) => void): void {
    if (remove.length === 0 || !remove.some((t) => taintExists(node.spec?.taints, t))) return k(true);
    this.changeTaints(node.metadata.name!, (taints) => {
      let out: Taint[] = [...taints];
      let updated = false;
      for (const t of remove) {
        const r = removeTaint(out, t);
        out = r.taints;
        updated = updated || r.updated;
      }
      return { taints: out, updated };
    }, 1, k);
  }

  /** GET the node, change its taints, PATCH them with its resourceVersion; a conflict retries after 100 ms. */
  private changeTaints(name: string, change: (t: readonly Taint[]) => { taints: Taint[]; updated: boolean }, step: number, k: (ok: boolean) => void): void {
    this.calls.send({ ...NODES, verb: 'get', name }, `${NODE_LIFECYCLE_CONTROLLER}:get`, (code, body) => {
      if (!isOk(code)) return k(false);
      const node = body as Node;
      const r = change(node.spec?.taints ?? []);
      if (!r.updated) return k(true);
      this.calls.send({ ...NODES, verb: 'patch', patchType: 'merge', name, body: { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: r.taints } } },
        `${NODE_LIFECYCLE_CONTROLLER}:taint`, (pcode) => {
          if (isOk(pcode)) return k(true);
          if (pcode === 409 && step < UPDATE_TAINT_STEPS) return this.calls.after(UPDATE_TAINT_BACKOFF_MS, () => this.changeTaints(name, change, step + 1, k));
          k(false);
        });
    });
  }

  /**
   * MarkPodsNotReady: each pod's Ready condition to False through UpdateStatus, then a Warning
   * NodeNotReady event on it (none for a pod already gone). `k(false)` when any write failed.
   */
  private markPodsNotReady(pods: Pod[], nodeName: string, k: (ok: boolean) => void): void {
    const now = this.port.now();
    let pending = 0;
    let ok = true;
    let sent = false;
    const finish = () => {
      if (--pending === 0 && sent) k(ok);
    };
    for (const pod of pods) {
      if (pod.spec.nodeName !== nodeName) continue;
      const status = podNotReadyStatus(pod, now);
      if (!status) continue;
      pending++;
      this.calls.send({ ...PODS, verb: 'update', namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'status', body: { ...pod, status } },
        `${NODE_LIFECYCLE_CONTROLLER}:pod-status`, (code) => {
          if (code !== 404) {
            if (!isOk(code)) ok = false;
            recordEvent(this.port, SOURCE, pod, 'Warning', 'NodeNotReady', 'Node is not ready');
          }
          finish();
        });
    }
    sent = true;
    if (pending === 0) k(true);
  }

  private podsOn(nodeName: string): Pod[] {
    return (this.pods.list() as Pod[]).filter((p) => p.spec.nodeName === nodeName).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  }

  /** RecordNodeEvent ("Node <name> event: <what>") or RecordNodeStatusChange ("Node <name> status is now: <what>"). */
  private nodeEvent(node: Node, reason: string, message: string, statusChange = false): void {
    const ref = { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name, ...(node.metadata.uid ? { uid: node.metadata.uid } : {}) } } as KObject;
    recordEvent(this.port, SOURCE, ref, 'Normal', reason, statusChange ? message : `Node ${node.metadata.name} event: ${message}`);
  }
}

/** The node lifecycle controller as an actor: input `{ port, flags }`. */
export const nodeLifecycleControllerMachine = timedControllerMachine(NODE_LIFECYCLE_CONTROLLER, (port, flags) => new NodeLifecycleController(port, flags as ControllerManagerFlags & NodeLifecycleFlags));
