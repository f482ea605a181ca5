/**
 * Fixture builders that keep scheduler test tables readable:
 * makePod('p').requests({ cpu: '500m' }).toleration({ ... }).build()
 * makeNode('n1').capacity({ cpu: '4', memory: '8Gi', pods: '110' }).taint({ ... }).label('k', 'v').build()
 */
import type { Container, Node, NodeSelectorTerm, Pod, Taint, Toleration } from '../../../src/api/objects.ts';

type Quantities = Record<string, string | number>;

class PodBuilder {
  private readonly pod: Pod;
  constructor(name: string) {
    this.pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}` },
      spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }] },
    };
  }
  private get main(): Container {
    return this.pod.spec.containers[0]!;
  }
  /** Requests of the first container. */
  requests(q: Quantities): this {
    this.main.resources = { ...this.main.resources, requests: q };
    return this;
  }
  /** Limits of the first container. */
  limits(q: Quantities): this {
    this.main.resources = { ...this.main.resources, limits: q };
    return this;
  }
  image(image: string): this {
    this.main.image = image;
    return this;
  }
  /** Another regular container. */
  container(name: string, requests?: Quantities, image?: string): this {
    this.pod.spec.containers.push({ name, ...(image ? { image } : {}), ...(requests ? { resources: { requests } } : {}) });
    return this;
  }
  /** An init container; `sidecar` makes it restartPolicy: Always. */
  initContainer(name: string, requests: Quantities, sidecar = false): this {
    (this.pod.spec.initContainers ??= []).push({ name, resources: { requests }, ...(sidecar ? { restartPolicy: 'Always' as const } : {}) });
    return this;
  }
  toleration(t: Toleration): this {
    (this.pod.spec.tolerations ??= []).push(t);
    return this;
  }
  nodeSelector(selector: Record<string, string>): this {
    this.pod.spec.nodeSelector = selector;
    return this;
  }
  nodeName(name: string): this {
    this.pod.spec.nodeName = name;
    return this;
  }
  /** A required node affinity term (terms are ORed). */
  requiredTerm(term: NodeSelectorTerm): this {
    const na = this.nodeAffinity();
    (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] }).nodeSelectorTerms.push(term);
    return this;
  }
  preferredTerm(weight: number, preference: NodeSelectorTerm): this {
    (this.nodeAffinity().preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference });
    return this;
  }
  preemptionPolicy(policy: 'Never' | 'PreemptLowerPriority'): this {
    this.pod.spec.preemptionPolicy = policy;
    return this;
  }
  private nodeAffinity() {
    const affinity = (this.pod.spec.affinity ??= {});
    return (affinity.nodeAffinity ??= {});
  }
  build(): Pod {
    return structuredClone(this.pod);
  }
}

class NodeBuilder {
  private readonly node: Node;
  constructor(name: string) {
    this.node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } },
    };
  }
  capacity(q: Record<string, string>): this {
    this.node.status!.capacity = q;
    return this;
  }
  allocatable(q: Record<string, string>): this {
    this.node.status!.allocatable = q;
    return this;
  }
  taint(t: Taint): this {
    (this.node.spec.taints ??= []).push(t);
    return this;
  }
  label(key: string, value: string): this {
    this.node.metadata.labels![key] = value;
    return this;
  }
  unschedulable(): this {
    this.node.spec.unschedulable = true;
    return this;
  }
  image(names: string[], sizeBytes: number): this {
    (this.node.status!.images ??= []).push({ names, sizeBytes });
    return this;
  }
  build(): Node {
    return structuredClone(this.node);
  }
}

export function makePod(name: string): PodBuilder {
  return new PodBuilder(name);
}

/** A node with 4 CPUs, 8Gi and 110 pods unless told otherwise. */
export function makeNode(name: string): NodeBuilder {
  return new NodeBuilder(name);
}

export const CONTROL_PLANE_TAINT: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };
export const MiB = 1024 * 1024;
