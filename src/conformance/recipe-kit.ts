/**
 * The pieces recipes are written with: the Recipe type, the images, the step builders, the pod
 * machine's common openings, and the upstream test names (each found in Kubernetes' e2e sources
 * or conformance lists).
 */
import type { ContainerEventType } from '../../machines/container/machine.ts';
import type { CaseExpect, CaseStep, EventExpect } from './schema.ts';

export interface Recipe {
  name: string;
  description: string;
  upstream: string[];
  kubeliteOnly?: boolean;
  /** Container machine events per container, in order from its initial state. */
  containers: Array<{ name: string; init?: boolean; events: ContainerEventType[] }>;
  /** Pod machine states and events, alternating: "Pending.unscheduled pod.bound Pending.scheduled ...". */
  pod: string;
  /** The pod path stops short of what the pod does, and why (the walked graph lacks the edge). */
  podPartial?: string;
  /** Scheduler behaviours (no machine walked: see docs/CONFORMANCE.md). */
  scheduler?: string[];
  steps: CaseStep[];
  events: EventExpect[];
}

export const BUSYBOX = 'registry.k8s.io/e2e-test-images/busybox:1.36.1-1';
export const NGINX = 'nginx:1.27';
export const NGINX_NEXT = 'nginx:1.28';
export const PAUSE = 'registry.k8s.io/pause:3.10';
/** upstream's InvalidRegistryImage: a registry that does not exist. */
export const MISSING_IMAGE = 'invalid.com/invalid/alpine:3.1';

/** The first seconds budget: scheduling, an image pull on a fresh node, the first status write. */
export const START_S = 120;

type Spec = Record<string, unknown>;

export function pod(name: string, spec: Spec, meta: Record<string, unknown> = {}): CaseStep {
  return { do: { create: { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec } } };
}

export function busybox(name: string, script: string, extra: Spec = {}): Spec {
  return { name, image: BUSYBOX, command: ['sh', '-c', script], ...extra };
}

export function expect(e: Omit<CaseExpect, 'pod'> & { pod?: string }): CaseStep {
  return { expect: { pod: 'p', ...e } as CaseExpect };
}

export const del = (name = 'p'): CaseStep => ({ do: { delete: { kind: 'Pod', name } } });

/** `kubectl set image pod/p c=<image>`: a JSON patch of the first container's image (the one container field a Pod lets change). */
export const setImage = (image: string, name = 'p'): CaseStep => ({ do: { patch: { kind: 'Pod', name, json: [{ op: 'replace', path: '/spec/containers/0/image', value: image }] } } });

/** computePodActions' Killing message for a running container whose image changed. */
export const definitionChanged = (container: string) => `Container ${container} definition changed, will be restarted`;

/** The pod machine from creation to its first container's start, without init containers. */
export const BIRTH = 'Pending.unscheduled pod.bound Pending.scheduled pod.admitted Pending.initializing.mountingVolumes pod.volumesMounted Pending.initializing.creatingSandbox pod.sandboxReady Pending.creatingContainers.current';
export const BIRTH_INIT = 'Pending.unscheduled pod.bound Pending.scheduled pod.admitted Pending.initializing.mountingVolumes pod.volumesMounted Pending.initializing.creatingSandbox pod.sandboxReady Pending.initializing.initContainers.current';

export const RUN: ContainerEventType[] = ['started', 'startup.succeeded', 'readiness.succeeded'];

export const U = {
  expectedStatus: '[sig-node] Container Runtime blackbox test when starting a container that exits should run with the expected status [NodeConformance] [Conformance]',
  terminatedReason: '[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should have an terminated reason [NodeConformance] [Conformance]',
  possibleToDelete: '[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should be possible to delete [NodeConformance] [Conformance]',
  invalidRegistry: '[sig-node] Container Runtime blackbox test when running a container with a new image should not be able to pull image from invalid registry [NodeConformance]',
  configMapEnv: '[sig-node] ConfigMap should be consumable via environment variable [NodeConformance] [Conformance]',
  configMapVolume: '[sig-storage] ConfigMap should be consumable from pods in volume [NodeConformance] [Conformance]',
  initNever: '[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartNever pod [Conformance]',
  initAlways: '[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartAlways pod [Conformance]',
  initFailAlways: '[sig-node] InitContainer [NodeConformance] should not start app containers if init containers fail on a RestartAlways pod [Conformance]',
  startupFails: '[sig-node] Probing container should be restarted startup probe fails',
  initFailNever: '[sig-node] InitContainer [NodeConformance] should not start app containers and fail the pod if init containers fail on a RestartNever pod [Conformance]',
  readinessDelay: '[sig-node] Probing container with readiness probe should not be ready before initial delay and never restart [NodeConformance] [Conformance]',
  startupReady: '[sig-node] Probing container should be ready immediately after startupProbe succeeds',
  livenessExec: '[sig-node] Probing container should be restarted with a exec "cat /tmp/health" liveness probe [NodeConformance] [Conformance]',
  preStopExec: '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute prestop exec hook properly [NodeConformance] [Conformance]',
  submittedRemoved: '[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]',
  podLifecycle: '[sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]',
  osRejection: "[sig-node] PodOSRejection [NodeConformance] Kubelet should reject pod when the node OS doesn't match pod's OS",
  nodeSelectorNotMatching: '[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if not matching [Conformance]',
  podUpdated: '[sig-node] Pods should be updated [NodeConformance] [Conformance]',
} as const;

/** Every upstream test name the recipes refer to, each found in Kubernetes' e2e sources or conformance lists. */
export const UPSTREAM_NAMES: readonly string[] = Object.values(U);

