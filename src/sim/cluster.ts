/**
 * A whole cluster: the simulation runtime plus kube-scheduler, kube-controller-manager, and a
 * kubelet and kube-proxy per node, started from plain options or a scenario. This is the library
 * entry point: create, apply, delete, scale, run, read, and observe the trace.
 */
import type { AnyActorLogic } from 'xstate';
import type { KObject, Pod } from '../api/objects.ts';
import { apiVersionOf } from '../api/registry.ts';
import { parseLabelSelector, matchesLabels } from '../api/selectors.ts';
import type { ApiRequest, ApiResponse } from '../../machines/client/protocol.ts';
import { schedulerMachine } from '../../machines/kube-scheduler/machine.ts';
import { kubeProxyMachine, type KubeProxyContext } from '../../machines/kube-proxy/machine.ts';
import { route, type Backend } from '../../machines/kube-proxy/rules.ts';
import { kubeletMachine } from '../../machines/kubelet/machine.ts';
import type { BehaviourRule } from '../../machines/kubelet/behaviour.ts';
import type { LogNotice, NodeDisk } from '../../machines/kubelet/context.ts';
import { outputBetween, type OutputPlan } from '../../machines/kubelet/process.ts';
import { kubeControllerManagerMachine } from '../../machines/kube-controller-manager/machine.ts';
import type { ControllerManagerFlags } from '../../machines/kube-controller-manager/controller.ts';
import { bugSet, type BugName, type Bugs } from '../../machines/bugs.ts';
import { Simulation, ADMIN_TOKEN, infoFor, type SimulationOptions } from './simulation.ts';

export interface NodeOptions {
  name: string;
  role?: 'control-plane' | 'worker';
  capacity?: Record<string, string | number>;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  images?: string[];
}

export type { BehaviourRule } from '../../machines/kubelet/behaviour.ts';

export interface ClusterOptions extends SimulationOptions {
  nodes: NodeOptions[];
  images?: Array<{ name: string; sizeBytes: number }>;
  behaviours?: BehaviourRule[];
  /** kube-controller-manager --cluster-cidr (default 10.244.0.0/16: at most 256 nodes get a /24). */
  clusterCIDR?: string;
  /** Start kube-proxy on every node (default true). */
  kubeProxy?: boolean;
  /** Bugs planted on purpose in the components (the checker's bug zoo, machines/bugs.ts); none by default. */
  bugs?: readonly BugName[] | Bugs;
  /**
   * kube-controller-manager flags, such as the node lifecycle controller's
   * (nodeMonitorGracePeriod in seconds, nodeEvictionRate...); defaults as upstream's.
   */
  controllerManager?: Omit<ControllerManagerFlags, 'bugs' | 'clusterCIDR'>;
}

/** The default cluster: one control-plane node tainted as kubeadm does, and three workers. */
export function defaultNodes(): NodeOptions[] {
  return [
    { name: 'control-plane', role: 'control-plane', capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
    { name: 'worker-1', capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    { name: 'worker-2', capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    { name: 'worker-3', capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
  ];
}

/** kubeadm's control-plane label and NoSchedule taint. */
export function nodeDefaults(n: NodeOptions): Required<Omit<NodeOptions, 'role'>> {
  const cp = n.role === 'control-plane';
  const labels = { ...(cp ? { 'node-role.kubernetes.io/control-plane': '' } : {}), ...(n.labels ?? {}) };
  const taints = [...(cp ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }] : []), ...(n.taints ?? [])];
  return { name: n.name, capacity: n.capacity ?? { cpu: '4', memory: '8Gi', pods: '110' }, labels, taints, images: n.images ?? [] };
}

export class Cluster {
  readonly sim: Simulation;
  /** Each node's options, to start its kubelet again (startNode). */
  private nodeOptions = new Map<string, NodeOptions>();
  /** Each node's disk (IP allocations, images), kept while its kubelet is down. */
  private disks = new Map<string, NodeDisk>();
  /** The planted bugs (empty for the correct model). */
  readonly bugs: Bugs;
  /** Container logs by namespace/pod/container: the pod's uid and every start's lines, in order. */
  private logs = new Map<string, { uid: string; instances: Array<{ attempt: number; startedAt: number; endedAt?: number; output?: OutputPlan }> }>();

  constructor(readonly options: ClusterOptions) {
    this.sim = new Simulation(options);
    this.bugs = bugSet(options.bugs);
    this.sim.logProvider = (ns, pod, container, previous) => {
      const all = this.logs.get(`${ns}/${pod}/${container}`)?.instances;
      const inst = all?.[all.length - (previous ? 2 : 1)];
      if (!inst) return undefined;
      const until = Math.min(this.sim.now(), inst.endedAt ?? Infinity);
      return outputBetween(inst.output, 0, until - inst.startedAt).map((l) => ({ t: inst.startedAt + l.atMs, line: l.line }));
    };
    const sim = this.sim;
    sim.authenticator.add({ token: 'kube-scheduler-token', username: 'system:kube-scheduler', groups: [] });
    sim.authenticator.add({ token: 'kube-controller-manager-token', username: 'system:kube-controller-manager', groups: [] });
    sim.authenticator.add({ token: 'kube-proxy-token', username: 'system:kube-proxy', groups: [] });
    sim.addComponent('kube-controller-manager', kubeControllerManagerMachine as AnyActorLogic, { flags: { ...(options.controllerManager ?? {}), ...(options.clusterCIDR ? { clusterCIDR: options.clusterCIDR } : {}), ...(this.bugs.size > 0 ? { bugs: this.bugs } : {}) } }, 'kube-controller-manager-token');
    sim.addComponent('kube-scheduler', schedulerMachine as AnyActorLogic, this.bugs.size > 0 ? { bugs: this.bugs } : {}, 'kube-scheduler-token');
    for (const n of options.nodes) this.addNode(n);
  }

  /** Starts a kubelet (and kube-proxy) for a node; the kubelet registers the Node itself. */
  addNode(n: NodeOptions): void {
    const node = nodeDefaults(n);
    const token = `kubelet-${node.name}-token`;
    this.sim.authenticator.add({ token, username: `system:node:${node.name}`, groups: ['system:nodes'] });
    this.nodeOptions.set(node.name, n);
    if (!this.disks.has(node.name)) this.disks.set(node.name, {});
    this.startKubelet(node.name);
  }

  /** The node's kubelet (and kube-proxy) process, started with the node's disk. */
  private startKubelet(name: string): void {
    const node = nodeDefaults(this.nodeOptions.get(name)!);
    const token = `kubelet-${node.name}-token`;
    this.sim.addComponent(`kubelet/${node.name}`, kubeletMachine as AnyActorLogic, {
      disk: this.disks.get(node.name)!,
      node,
      images: this.options.images ?? [],
      behaviours: this.options.behaviours ?? [],
      logSink: (l: LogNotice) => this.noteLog(l),
      ...(this.bugs.size > 0 ? { bugs: this.bugs } : {}),
    }, token);
    if (this.options.kubeProxy !== false) this.sim.addComponent(`kube-proxy/${node.name}`, kubeProxyMachine as AnyActorLogic, { node: node.name }, 'kube-proxy-token');
  }

  /**
   * The container runtime reports that a container died (as if its process was killed): the
   * pod's worker on its node handles it by its restartPolicy. Returns false if there is none.
   */
  killContainer(namespace: string, pod: string, container: string, exitCode = 137): boolean {
    const node = this.pod(namespace, pod)?.spec.nodeName;
    const kubelet = node ? this.sim.component(`kubelet/${node}`) : undefined;
    const worker = kubelet?.system.get(`pod/${namespace}/${pod}`);
    if (!worker) return false;
    worker.send({ type: 'container.exited', container, exitCode });
    return true;
  }

  /** Stops a node's kubelet and kube-proxy (the machine is gone; the Node object stays). */
  stopNode(name: string): void {
    this.sim.stopComponent(`kubelet/${name}`);
    this.sim.stopComponent(`kube-proxy/${name}`);
  }

  /**
   * Starts a stopped node's kubelet and kube-proxy again, fresh (they re-list everything) but with
   * the node's disk: the CNI's IP allocations and the images are still there, and the containers
   * of the pods bound to it are still running, so the kubelet adopts them (a pod deleted meanwhile
   * is terminated, then removed). The Node and its Lease go on from where the API server has
   * them: the kubelet re-registers (409, reconciles), posts Ready and renews the Lease, and the
   * node lifecycle controller takes its taints off. `disk: 'lost'` starts it with an empty disk
   * (no IP allocations, only the preloaded images; the running pods' IPs are claimed again as
   * the kubelet adopts them). Throws for a node that was never added or is running.
   */
  startNode(name: string, opts: { disk?: 'kept' | 'lost' } = {}): void {
    if (!this.nodeOptions.has(name)) throw new Error(`no node ${name} in this cluster`);
    if (this.sim.component(`kubelet/${name}`)) throw new Error(`node ${name} is running`);
    if (opts.disk === 'lost') this.disks.set(name, {});
    this.startKubelet(name);
  }

  /** Whether the node's kubelet runs (a node never stopped, or started again). */
  nodeRunning(name: string): boolean {
    return this.sim.component(`kubelet/${name}`) !== undefined;
  }

  private noteLog(l: LogNotice): void {
    const key = `${l.namespace}/${l.pod}/${l.container}`;
    let c = this.logs.get(key);
    if (!c || c.uid !== l.uid) {
      if (l.kind === 'end') return;
      c = { uid: l.uid, instances: [] };
      this.logs.set(key, c);
    }
    if (l.kind === 'start') {
      c.instances.push({ attempt: l.attempt, startedAt: this.sim.now(), ...(l.output ? { output: l.output } : {}) });
      // The runtime keeps the current and the previous container's logs, no more.
      if (c.instances.length > 2) c.instances.shift();
      return;
    }
    const inst = c.instances.find((i) => i.attempt === l.attempt);
    if (inst && inst.endedAt === undefined) inst.endedAt = this.sim.now();
  }

  /** Sends create-or-update requests for objects as the admin client (kubectl apply, roughly). */
  apply(objs: KObject[], onResponse?: (obj: KObject, r: ApiResponse) => void): void {
    for (const obj of objs) {
      const info = infoFor(obj);
      const ns = info.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
      const base = { group: info.group, version: info.version, resource: info.resource, ...(ns ? { namespace: ns } : {}), token: ADMIN_TOKEN };
      const existing = obj.metadata.name ? this.sim.api.read(info, ns, obj.metadata.name) : undefined;
      const req: ApiRequest = existing
        ? { ...base, verb: 'patch', patchType: 'merge', name: obj.metadata.name!, body: obj }
        : { ...base, verb: 'create', body: obj };
      this.sim.clientRequest(req, (r) => onResponse?.(obj, r));
    }
  }

  /** Deletes an object (pods gracefully) as the admin client. */
  delete(kind: string, namespace: string | undefined, name: string, gracePeriodSeconds?: number, apiVersion?: string, onResponse?: (r: ApiResponse) => void): void {
    const info = infoFor({ apiVersion: apiVersion ?? guessApiVersion(kind), kind, metadata: {} });
    this.sim.clientRequest({ verb: 'delete', group: info.group, version: info.version, resource: info.resource, ...(info.namespaced ? { namespace: namespace ?? 'default' } : {}), name, token: ADMIN_TOKEN, ...(gracePeriodSeconds !== undefined ? { query: { gracePeriodSeconds } } : {}) }, onResponse);
  }

  /** Scales a ReplicaSet or Deployment through its scale subresource. */
  scale(kind: string, namespace: string, name: string, replicas: number, onResponse?: (r: ApiResponse) => void): void {
    const info = infoFor({ apiVersion: guessApiVersion(kind), kind, metadata: {} });
    this.sim.clientRequest({ verb: 'patch', patchType: 'merge', group: info.group, version: info.version, resource: info.resource, namespace, name, subresource: 'scale', token: ADMIN_TOKEN, body: { spec: { replicas } } }, onResponse);
  }

  /** The first object of a kind (by name) whose labels match the selector, if any. */
  firstMatching(kind: string, namespace: string, selector: string): string | undefined {
    const info = infoFor({ apiVersion: guessApiVersion(kind), kind, metadata: {} });
    const sel = parseLabelSelector(selector);
    if (!sel.ok) return undefined;
    const objs = this.sim.list(info.resource, info.group, namespace).filter((o) => !o.metadata.deletionTimestamp && matchesLabels(sel.selector, o.metadata.labels ?? {}));
    return objs[0]?.metadata.name;
  }

  pods(namespace?: string): Pod[] {
    return this.sim.list('pods', '', namespace) as Pod[];
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.sim.get('pods', namespace, name) as Pod | undefined;
  }

  /** Where a new connection to ip:port goes, according to a node's kube-proxy rules. */
  route(node: string, ip: string, port: number, protocol = 'TCP'): Backend | undefined {
    const ref = this.sim.component(`kube-proxy/${node}`);
    if (!ref) return undefined;
    const { rules } = (ref.getSnapshot() as { context: KubeProxyContext }).context;
    const rng = this.sim.seeds.stream('kube-proxy:route');
    return route(rules, ip, port, protocol, (n) => rng.int(0, n - 1));
  }
}

const KIND_VERSIONS: Record<string, string> = {
  ReplicaSet: 'apps/v1', Deployment: 'apps/v1', DaemonSet: 'apps/v1', Job: 'batch/v1', EndpointSlice: 'discovery.k8s.io/v1',
  Lease: 'coordination.k8s.io/v1', Role: 'rbac.authorization.k8s.io/v1', ClusterRole: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1', ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
};

export function guessApiVersion(kind: string): string {
  return KIND_VERSIONS[kind] ?? 'v1';
}

export { apiVersionOf };
