/**
 * The scenario file: a cluster, a seed, manifests, timed steps, container behaviours and
 * expectations. Validated with zod; see docs/SCENARIOS.md.
 */
import { z } from 'zod';
import { tryParseQuantity } from '../api/quantity.ts';
import { CONTAINER_STATES } from '../../machines/container/machine.ts';

/** "10s", "500ms", "2m", "1h" or a number of seconds. */
export const Duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as "500ms", "10s", "2m" or "1h"'),
]);

export function durationMs(d: z.infer<typeof Duration>): number {
  if (typeof d === 'number') return d * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d)!;
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']);
}

const Taint = z.object({ key: z.string(), value: z.string().optional(), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }).strict();

export const NodeSpec = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a lowercase RFC 1123 name such as "worker-1"'),
  role: z.enum(['control-plane', 'worker']).default('worker'),
  capacity: z.record(z.string(), z.union([z.string(), z.number()])).default({ cpu: '4', memory: '8Gi', pods: '110' }),
  labels: z.record(z.string(), z.string()).default({}),
  taints: z.array(Taint).default([]),
  images: z.array(z.string()).default([]),
}).strict();

const ManifestRef = z.union([z.string(), z.record(z.string(), z.unknown())]);


export const Step = z.object({
  at: Duration,
  apply: z.union([ManifestRef, z.array(ManifestRef)]).optional(),
  delete: z.object({ kind: z.string().default('Pod'), name: z.string().optional(), selector: z.string().optional(), namespace: z.string().default('default'), gracePeriodSeconds: z.number().int().optional() }).strict()
    .refine((r) => (r.name === undefined) !== (r.selector === undefined), { message: 'give either name or selector (the first matching object by name)' }).optional(),
  scale: z.object({ kind: z.string().default('ReplicaSet'), name: z.string(), namespace: z.string().default('default'), replicas: z.number().int().nonnegative() }).strict().optional(),
  stopNode: z.string().optional(),
  /** A stopped node's kubelet and kube-proxy start again, with its disk and running containers (Cluster.startNode). */
  startNode: z.string().optional(),
  killContainer: z.object({ pod: z.string(), container: z.string(), namespace: z.string().default('default'), exitCode: z.number().int().default(137) }).strict().optional(),
}).strict().refine((s) => [s.apply, s.delete, s.scale, s.stopNode, s.startNode, s.killContainer].filter((x) => x !== undefined).length === 1, {
  message: 'each step does exactly one of: apply, delete, scale, stopNode, startNode, killContainer',
});

/** A memory quantity such as "300Mi" or "1Gi". */
const MemoryQuantity = z.union([z.number().nonnegative(), z.string()]).refine((q) => tryParseQuantity(q).ok, { message: 'a quantity such as "300Mi"' });

/** Container behaviour overrides (docs/BEHAVIOURS.md): selectors, then what the process does instead of what its image and command say. */
export const Behaviour = z.object({
  namespace: z.string().optional(),
  pod: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  container: z.string().optional(),
  image: z.string().optional(),
  exitCode: z.number().int().optional(),
  exitAfter: Duration.optional(),
  readyAfter: Duration.optional(),
  logs: z.array(z.string()).optional(),
  /** From this time on the readiness (liveness, startup) probe fails, whatever the container answers. */
  failReadinessAt: Duration.optional(),
  failLivenessAt: Duration.optional(),
  failStartupAt: Duration.optional(),
  /** Memory in use: a quantity from the start, or steps over time. */
  memory: z.union([MemoryQuantity, z.array(z.object({ at: Duration, use: MemoryQuantity }).strict()).min(1)]).optional(),
  /** PID 1 ignores SIGTERM: only the SIGKILL at the end of the grace period stops it (exit 137). */
  ignoresSigterm: z.boolean().optional(),
  /** Exit code on SIGTERM (or the image's STOPSIGNAL), and how long the process takes to exit. */
  termExitCode: z.number().int().optional(),
  termExitAfter: Duration.optional(),
}).strict();

/** Memory in MiB for a quantity. */
export function memoryMiB(q: z.infer<typeof MemoryQuantity>): number {
  const r = tryParseQuantity(q);
  return r.ok ? r.value / 2 ** 20 : 0;
}

/** A container machine state, one of its top levels, or a leaf's name alone ("Running", "Waiting.ErrImagePull", "OOMKilled"). */
export function isContainerStateName(v: string): boolean {
  return CONTAINER_STATES.some((s) => s === v || s.startsWith(`${v}.`) || s.split('.').at(-1) === v);
}

/**
 * A container's status: `state` is a container machine state (machines/container/machine.ts), in
 * full ("Waiting.CrashLoopBackOff", "Running.Ready", "Terminated.Completed"), as its top level
 * ("Waiting", "Running", "Terminated") or as its reason alone ("CrashLoopBackOff", "StartError").
 * `exitCode` is the latest termination's (state.terminated, else lastState.terminated);
 * `restartCount` must be exact; `messageContains` looks in the waiting or terminated message.
 */
export const ContainerExpectation = z.object({
  name: z.string(),
  state: z.string().refine(isContainerStateName, { message: 'a container state such as "Waiting.CrashLoopBackOff" or "Running", or a reason such as "CrashLoopBackOff" or "Completed"' }).optional(),
  exitCode: z.number().int().optional(),
  restartCount: z.number().int().nonnegative().optional(),
  messageContains: z.string().optional(),
}).strict();

/** A node's taint, by key and effect: there (present, the default) or not. */
export const NodeTaintExpectation = z.object({
  key: z.string(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
  present: z.boolean().default(true),
}).strict();

export const Expectation = z.object({
  pod: z.string().optional(),
  /** A node: its Ready condition (`ready: True`, `False` or `Unknown`) and its taints. */
  node: z.string().optional(),
  taint: NodeTaintExpectation.optional(),
  namespace: z.string().default('default'),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed']).optional(),
  /** A pod: true or false. A node: its Ready condition's status (YAML's True and False read as booleans), or Unknown. */
  ready: z.union([z.boolean(), z.enum(['True', 'False', 'Unknown'])]).optional(),
  /** At least this many restarts summed over the pod's containers. */
  restarts: z.number().int().nonnegative().optional(),
  scheduled: z.boolean().optional(),
  onNode: z.string().optional(),
  event: z.object({ reason: z.string(), messageContains: z.string().optional(), count: z.number().int().positive().default(1) }).strict().optional(),
  podsRunning: z.object({ selector: z.string(), count: z.number().int().nonnegative() }).strict().optional(),
  service: z.string().optional(),
  endpoints: z.number().int().nonnegative().optional(),
  /** One container (or init container) of the pod, as its ContainerStatus shows it. */
  container: ContainerExpectation.optional(),
  /** The pod object is gone from the API (it was seen first). */
  gone: z.literal(true).optional(),
  /** The container's log (the current run's, or with `previous: true` the run before) has a line containing this text. */
  log: z.object({ container: z.string(), contains: z.string(), previous: z.boolean().default(false) }).strict().optional(),
  /** The STATUS column of `kubectl get pods`: "Running", "CrashLoopBackOff", "Init:1/2", "Terminating", "Completed"... */
  kubectlStatus: z.string().optional(),
  /** Checked only from this virtual time on (e.g. after a step). */
  after: Duration.optional(),
  within: Duration.default('60s'),
}).strict();

export const Scenario = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  seed: z.number().int().nonnegative().default(1),
  cluster: z.object({
    nodes: z.array(NodeSpec).min(1),
    latency: z.object({ min: Duration, max: Duration }).strict().optional(),
  }).strict(),
  users: z.array(z.object({ name: z.string(), token: z.string().min(8), groups: z.array(z.string()).default([]) }).strict()).default([]),
  images: z.array(z.object({ name: z.string(), sizeBytes: z.number().int().positive() }).strict()).default([]),
  behaviours: z.array(Behaviour).default([]),
  manifests: z.array(ManifestRef).default([]),
  steps: z.array(Step).default([]),
  expect: z.array(Expectation.superRefine(checkNodeExpectation)).default([]),
  until: Duration.optional(),
}).strict();

/** A node expectation names no pod and only node things; a pod's `ready` is a boolean. */
export function checkNodeExpectation(e: z.infer<typeof Expectation>, ctx: z.RefinementCtx): void {
  if (e.node !== undefined && e.pod !== undefined) ctx.addIssue({ code: 'custom', message: 'give either pod or node, not both', path: ['node'] });
  if (e.taint !== undefined && e.node === undefined) ctx.addIssue({ code: 'custom', message: 'taint is a node expectation: name the node', path: ['taint'] });
  if (e.node === undefined && typeof e.ready === 'string') ctx.addIssue({ code: 'custom', message: 'a pod is ready: true or false (Unknown is for nodes)', path: ['ready'] });
  if (e.node !== undefined && e.ready === undefined && e.taint === undefined) ctx.addIssue({ code: 'custom', message: 'a node expectation needs ready or taint', path: ['node'] });
}

/** A node's Ready status as an expectation names it. */
export function nodeReadyStatus(ready: boolean | 'True' | 'False' | 'Unknown'): 'True' | 'False' | 'Unknown' {
  return ready === true ? 'True' : ready === false ? 'False' : ready;
}

export type ScenarioSpec = z.infer<typeof Scenario>;
export type NodeSpecT = z.infer<typeof NodeSpec>;
export type ExpectationT = z.infer<typeof Expectation>;
export type BehaviourT = z.infer<typeof Behaviour>;
export type ContainerExpectationT = z.infer<typeof ContainerExpectation>;
