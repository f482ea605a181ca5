/**
 * Kubelet admission (pkg/kubelet/lifecycle/predicate.go predicateAdmitHandler.Admit, 1.32): a pod
 * bound to this node is checked against the node's OS, then generalFilter runs
 * scheduler.AdmissionCheck (NodeResourcesFit, NodeAffinity, NodeName, NodePorts, in that order,
 * all failures collected) followed by TaintToleration for untolerated NoExecute taints (static
 * pods excepted). Only the first failure is reported, as reason and message; the pod is then
 * rejected into Failed with "Pod was rejected: <message>". The arithmetic and the matching are the
 * scheduler plugins' own, as upstream shares them.
 */
import type { ContainerPort, Node, Pod } from '../../src/api/objects.ts';
import { makeNodeInfo, podRequests } from '../kube-scheduler/framework.ts';
import { NAME as NODE_AFFINITY, ErrReasonPod, podMatchesNodeSelectorAndAffinity } from '../kube-scheduler/plugins/NodeAffinity.ts';
import { NAME as NODE_NAME, ErrReasonNodeName } from '../kube-scheduler/plugins/NodeName.ts';
import { fitsRequest } from '../kube-scheduler/plugins/NodeResourcesFit.ts';
import { NAME as TAINT_TOLERATION, findMatchingUntoleratedTaint } from '../kube-scheduler/plugins/TaintToleration.ts';
import type { KubeletContext } from './context.ts';
import { nodeObject } from './node.ts';

export type Admission = { admit: true } | { admit: false; reason: string; message: string };

/** The status message a rejected pod carries ("Pod was rejected: " + the admission message). */
export const REJECTED_PREFIX = 'Pod was rejected: ';

// Reasons and messages from pkg/kubelet/lifecycle/predicate.go.
export const POD_OS_SELECTOR_NODE_LABEL_DOES_NOT_MATCH = 'PodOSSelectorNodeLabelDoesNotMatch';
export const POD_OS_NOT_SUPPORTED = 'PodOSNotSupported';
const OS_SELECTOR_MESSAGE = "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label";
const OS_FIELD_MESSAGE = "Failed to admit pod as the OS field doesn't match node OS";
/** runtime.GOOS of the simulated nodes. */
const NODE_OS = 'linux';

/** nodeports.Name and ErrReason (pkg/scheduler/framework/plugins/nodeports). */
export const NODE_PORTS = 'NodePorts';
export const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";
/**
 * tainttoleration.ErrReasonNotMatch: the kubelet uses this fixed text, not the scheduler
 * filter's "node(s) had untolerated taint {k: v}".
 */
export const ErrReasonTaintNotMatch = "node(s) had taints that the pod didn't tolerate";

/** PredicateFailureError.Error(): since 1.31 (kubernetes#125498) it carries the description. */
function predicateFailure(name: string, desc: string): Admission {
  return { admit: false, reason: name, message: `Predicate ${name} failed: ${desc}` };
}

/** The reason for an insufficient resource: OutOfcpu, OutOfmemory, OutOfephemeral-storage, OutOfpods, OutOf<name>. */
function outOf(resource: string): string {
  return `OutOf${resource}`;
}

/** kubetypes.IsStaticPod: the pod came from a file or URL source rather than the API server. */
function isStaticPod(pod: Pod): boolean {
  const source = pod.metadata.annotations?.['kubernetes.io/config.source'];
  return source !== undefined && source !== 'api';
}

type HostPort = ContainerPort & { hostPort?: number; hostIP?: string };

/** The (hostIP, protocol, hostPort) triples a pod's regular containers claim (hostPort > 0). */
function hostPortsOf(pod: Pod): Array<{ ip: string; protocol: string; port: number }> {
  const out: Array<{ ip: string; protocol: string; port: number }> = [];
  for (const c of pod.spec.containers) {
    for (const p of (c.ports ?? []) as HostPort[]) {
      if ((p.hostPort ?? 0) <= 0) continue;
      // HostPortInfo.sanitize: an empty IP binds all addresses, an empty protocol is TCP.
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort! });
    }
  }
  return out;
}

/**
 * nodeports.Fits via HostPortInfo.CheckConflict: a wanted port conflicts with a used one of the
 * same protocol and number when either binds 0.0.0.0 or both bind the same IP.
 */
export function hostPortsFit(pod: Pod, others: readonly Pod[]): boolean {
  const used = others.flatMap(hostPortsOf);
  return hostPortsOf(pod).every((want) => !used.some((u) =>
    u.port === want.port && u.protocol === want.protocol && (want.ip === '0.0.0.0' || u.ip === '0.0.0.0' || u.ip === want.ip)));
}

/** Admits `pod` onto `node` already running `admitted` (the non-terminal pods it accepted before). */
export function admitPod(node: Node, admitted: readonly Pod[], pod: Pod): Admission {
  // Checks preemption could not help come first and return at once.
  const osLabel = pod.metadata.labels?.['kubernetes.io/os'];
  if (osLabel !== undefined && osLabel !== NODE_OS) return { admit: false, reason: POD_OS_SELECTOR_NODE_LABEL_DOES_NOT_MATCH, message: OS_SELECTOR_MESSAGE };
  const osName = (pod.spec['os'] as { name?: string } | undefined)?.name;
  if (osName !== undefined && osName !== NODE_OS) return { admit: false, reason: POD_OS_NOT_SUPPORTED, message: OS_FIELD_MESSAGE };

  // generalFilter collects every failure in this order; the first one is what the pod shows.
  const failures: Admission[] = [];
  for (const short of fitsRequest(podRequests(pod), makeNodeInfo(node, [...admitted]))) {
    failures.push({
      admit: false,
      reason: outOf(short.resource),
      message: `Node didn't have enough resource: ${short.resource}, requested: ${short.requested}, used: ${short.used}, capacity: ${short.capacity}`,
    });
  }
  if (!podMatchesNodeSelectorAndAffinity(pod, node)) failures.push(predicateFailure(NODE_AFFINITY, ErrReasonPod));
  if (pod.spec.nodeName && pod.spec.nodeName !== node.metadata.name) failures.push(predicateFailure(NODE_NAME, ErrReasonNodeName));
  if (!hostPortsFit(pod, admitted)) failures.push(predicateFailure(NODE_PORTS, ErrReasonNodePorts));
  if (!isStaticPod(pod) && findMatchingUntoleratedTaint(node.spec.taints, pod.spec.tolerations, ['NoExecute'])) {
    failures.push(predicateFailure(TAINT_TOLERATION, ErrReasonTaintNotMatch));
  }
  return failures[0] ?? { admit: true };
}

/**
 * The Node admission checks against (getNodeAnyWay): the kubelet's informer copy of its own Node,
 * with the labels, taints and allocatable the API holds, or the Node it would register when the
 * informer has none yet (or a copy without allocatable). Upstream re-reads the Node from the API
 * when NodeAffinity is the only failure; kubelife's informer copy is already current.
 */
export function admissionNode(ctx: KubeletContext): Node {
  const own = nodeObject(ctx.config, [], ctx.port.now());
  const cached = ctx.nodeInformer.get(undefined, ctx.config.name) as Node | undefined;
  if (!cached) return own;
  return cached.status?.allocatable ? cached : { ...cached, status: { ...(cached.status ?? {}), capacity: own.status!.capacity, allocatable: own.status!.allocatable } };
}
