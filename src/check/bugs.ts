/**
 * The bug zoo's catalogue: every bug planted on purpose in a component (machines/bugs.ts), what
 * it breaks, the invariant expected to catch it, and a small scenario (with a fault plan when the
 * bug needs one to show) in which it does. `kubelife check --bug NAME` plants one; the tests in
 * test/check/bugs.test.ts run each revealing scenario and require its invariant to fire, and the
 * same scenario without the bug to stay clean.
 */
import type { BugName } from '../../machines/bugs.ts';
import type { FaultPlanInput } from '../sim/faults.ts';

export interface BugEntry {
  name: BugName;
  /** The component that carries it (simulation name, or KCM controller). */
  component: string;
  /** What is wrong, in one line. */
  description: string;
  /** Where the guarded line is. */
  where: string;
  /** The invariant expected to catch it. */
  invariant: string;
  /** How to reveal it, in words. */
  reveal: string;
  /** A scenario (YAML) in which it shows. */
  scenario: string;
  /** Faults the scenario needs (none when the bug shows by itself). */
  faults?: FaultPlanInput;
}

/** A pod spec in YAML flow style (one nginx container), so it fits at any indentation. */
const NGINX = (cpu?: string) => `{ containers: [{ name: web, image: "nginx:1.27"${cpu ? `, resources: { requests: { cpu: ${cpu} } }` : ''} }] }`;

export const BUGS: readonly BugEntry[] = [
  {
    name: 'replicaset-no-expectations',
    component: 'kube-controller-manager/replicaset',
    description: 'the ReplicaSet controller manages replicas again before it has observed the pods it just created',
    where: 'machines/kube-controller-manager/replicaset.ts (sync: expectations.satisfied)',
    invariant: 'replicaset-never-over-creates',
    reveal: "cut kube-controller-manager's pod watches just before a ReplicaSet is created: until the re-list its cache shows none of the new pods, and without expectations it creates them again",
    scenario: `
name: bug-replicaset-no-expectations
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
steps:
  - at: 5.1s
    apply:
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata: { name: web }
      spec:
        replicas: 3
        selector: { matchLabels: { app: web } }
        template:
          metadata: { labels: { app: web } }
          spec: ${NGINX()}
until: 30s
`,
    faults: { faults: [{ kind: 'cutWatch', component: 'kube-controller-manager', resource: 'pods', at: '5s' }] },
  },
  {
    name: 'scheduler-forgets-assumed',
    component: 'kube-scheduler',
    description: 'the scheduler does not count a pod it has assumed on a node until the binding comes back on its watch',
    where: 'machines/kube-scheduler/machine.ts (scheduleOne: placePod for the assumed pod)',
    invariant: 'node-not-overcommitted',
    reveal: 'two pods that each need more than half of the only node, created together: both are placed on it before the first binding is seen',
    scenario: `
name: bug-scheduler-forgets-assumed
seed: 1
cluster:
  nodes: [{ name: worker-1, capacity: { cpu: "1", memory: 4Gi, pods: "110" } }]
steps:
  - at: 5s
    apply:
      - apiVersion: v1
        kind: Pod
        metadata: { name: a }
        spec: ${NGINX('600m')}
      - apiVersion: v1
        kind: Pod
        metadata: { name: b }
        spec: ${NGINX('600m')}
until: 20s
`,
  },
  {
    name: 'kubelet-running-before-sandbox-ip',
    component: 'kubelet',
    description: 'the kubelet starts containers as soon as the pause container runs, before CNI ADD has given the pod its IP',
    where: 'machines/kubelet/pods.ts (createSandbox)',
    invariant: 'no-container-running-before-sandbox-ip',
    reveal: 'any pod: its container runs while the pod has no IP',
    scenario: `
name: bug-kubelet-running-before-sandbox-ip
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
manifests:
  - apiVersion: v1
    kind: Pod
    metadata: { name: web }
    spec: ${NGINX()}
until: 20s
`,
  },
  {
    name: 'endpointslice-keeps-terminating-ready',
    component: 'kube-controller-manager/endpointslice',
    description: 'the EndpointSlice controller keeps a terminating pod that is still Ready as a ready endpoint',
    where: 'machines/kube-controller-manager/endpointslice-logic.ts (podEndpoint)',
    invariant: 'endpoints-only-ready-pods',
    reveal: 'a Service with one pod, deleted gracefully: while it terminates its endpoint stays ready',
    scenario: `
name: bug-endpointslice-keeps-terminating-ready
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
manifests:
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
    spec:
      selector: { app: web }
      ports: [{ port: 80 }]
  - apiVersion: v1
    kind: Pod
    metadata: { name: web, labels: { app: web } }
    spec: ${NGINX()}
steps:
  - at: 10s
    delete: { kind: Pod, name: web, gracePeriodSeconds: 30 }
until: 30s
`,
  },
  {
    name: 'controller-acts-before-cache-sync',
    component: 'kube-controller-manager',
    description: 'a controller starts reconciling once its first informer has listed, before the others have synced',
    where: 'machines/kube-controller-manager/controller.ts (InformerController.synced)',
    invariant: 'replicaset-never-over-creates',
    reveal: 'restart kube-controller-manager while a ReplicaSet has its pods: the fresh ReplicaSet controller acts on an empty pod cache and creates them all again',
    scenario: `
name: bug-controller-acts-before-cache-sync
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
manifests:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: { name: web }
    spec:
      replicas: 2
      selector: { matchLabels: { app: web } }
      template:
        metadata: { labels: { app: web } }
        spec: ${NGINX()}
until: 40s
`,
    faults: { faults: [{ kind: 'restart', component: 'kube-controller-manager', at: '20s' }] },
  },
  {
    name: 'kubelet-restarts-deleted-pod',
    component: 'kubelet',
    description: "the kubelet never tells a pod's worker that the pod is being deleted, so its containers go on restarting",
    where: 'machines/kubelet/pods.ts (onPodDelta: pod.deletionRequested)',
    invariant: 'deleted-pod-never-restarts',
    reveal: 'delete a pod whose container exits a few seconds later: it is started again',
    scenario: `
name: bug-kubelet-restarts-deleted-pod
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
behaviours:
  - { pod: web, container: web, exitAfter: 8s, exitCode: 1 }
manifests:
  - apiVersion: v1
    kind: Pod
    metadata: { name: web }
    spec: ${NGINX()}
steps:
  - at: 5s
    delete: { kind: Pod, name: web, gracePeriodSeconds: 30 }
until: 30s
`,
  },
  {
    name: 'ipam-reuses-live-ip',
    component: 'kubelet',
    description: "the kubelet's pod IPAM hands out the first address of the range whether or not a live pod holds it",
    where: 'machines/kubelet/ipam.ts (PodIpam.allocate)',
    invariant: 'pod-ip-unique-and-in-node-cidr',
    reveal: 'two pods on one node get the same IP',
    scenario: `
name: bug-ipam-reuses-live-ip
seed: 1
cluster:
  nodes: [{ name: worker-1 }]
manifests:
  - apiVersion: v1
    kind: Pod
    metadata: { name: a }
    spec: ${NGINX()}
  - apiVersion: v1
    kind: Pod
    metadata: { name: b }
    spec: ${NGINX()}
until: 20s
`,
  },
  {
    name: 'taint-eviction-ignores-toleration-seconds',
    component: 'kube-controller-manager/taint-eviction-controller',
    description: "the taint-eviction controller deletes a pod as soon as its node is tainted NoExecute, without waiting for the pod's tolerationSeconds",
    where: 'machines/kube-controller-manager/tainteviction.ts (addWork)',
    invariant: 'taint-eviction-respects-toleration-seconds',
    reveal: "stop a node's kubelet: once the node lifecycle controller taints it unreachable (about 50 s later), its pods are evicted at once instead of after the default 300 s",
    scenario: `
name: bug-taint-eviction-ignores-toleration-seconds
seed: 1
cluster:
  nodes: [{ name: worker-1 }, { name: worker-2 }]
manifests:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: { name: web }
    spec:
      replicas: 2
      selector: { matchLabels: { app: web } }
      template:
        metadata: { labels: { app: web } }
        spec: ${NGINX()}
steps:
  - at: 20s
    stopNode: worker-1
until: 150s
`,
  },
];

export function bugEntry(name: string): BugEntry | undefined {
  return BUGS.find((b) => b.name === name);
}
