/**
 * The conformance case file: one portable YAML document per case (test/conformance/cases/*.yaml),
 * described in docs/CONFORMANCE.md. A case is a script of actions (`do`) and expectations
 * (`expect`) run in order in a fresh namespace; nothing in it is specific to kubelife, so the same
 * file runs against any cluster a kubeconfig reaches.
 */
import { z } from 'zod';
import { CONTAINER_STATES } from '../../machines/container/machine.ts';

export const CASE_API_VERSION = 'kubelife.io/v1alpha1';
export const CASE_KIND = 'ConformanceCase';

const TOP_STATES = ['Waiting', 'Running', 'Terminated'];

/** A container machine state ("Waiting.ErrImagePull"), its top level ("Waiting"), or its reason alone ("ErrImagePull"). */
export function isContainerStateName(s: string): boolean {
  return CONTAINER_STATES.includes(s) || TOP_STATES.includes(s) || CONTAINER_STATES.some((x) => x.split('.')[1] === s);
}

const Seconds = z.number().nonnegative();
const Name = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a lowercase RFC 1123 name');

export const ContainerExpectSchema = z.object({
  name: z.string().min(1),
  /** Look in initContainerStatuses. */
  init: z.boolean().optional(),
  state: z.string().refine(isContainerStateName, { message: 'a container machine state such as "Waiting.ErrImagePull", "Running" or "CrashLoopBackOff"' }),
  restartCountAtLeast: z.number().int().nonnegative().optional(),
  exitCode: z.number().int().optional(),
}).strict();

export const ExpectSchema = z.object({
  pod: Name,
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).optional(),
  /** status.reason (e.g. PodOSNotSupported when the kubelet rejected the pod). */
  reason: z.string().optional(),
  condition: z.object({ type: z.string(), status: z.enum(['True', 'False', 'Unknown']), reason: z.string().optional() }).strict().optional(),
  container: ContainerExpectSchema.optional(),
  /** metadata.deletionTimestamp is set (the pod machine's Terminating). */
  deleting: z.boolean().optional(),
  /** The object is gone (a DELETED watch event). */
  gone: z.boolean().optional(),
  /** Seconds since the previous action: the first observation that holds must come no earlier... */
  after: Seconds.optional(),
  /** ...and no later than this. */
  within: Seconds,
  /** A state that may pass too quickly to be written (or seen): checked in order when seen, skipped when not. */
  optional: z.boolean().optional(),
  /** Which machine state this observation stands for (documentation; "container: Waiting.ErrImagePull"). */
  state: z.string().optional(),
}).strict();

const ObjectSchema = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.object({ name: Name }).passthrough(),
}).passthrough();

export const ActionSchema = z.union([
  /** Let this many seconds pass (times the timeout scale). */
  z.object({ wait: Seconds }).strict(),
  z.object({ create: ObjectSchema }).strict(),
  z.object({ delete: z.object({ kind: z.enum(['Pod', 'ConfigMap', 'Secret']), name: Name, gracePeriodSeconds: z.number().int().nonnegative().optional() }).strict() }).strict(),
  /** An RFC 6902 JSON patch (the only patch every client and server speak alike). */
  z.object({ patch: z.object({ kind: z.literal('Pod'), name: Name, json: z.array(z.object({ op: z.enum(['replace', 'add', 'remove']), path: z.string().startsWith('/'), value: z.unknown().optional() }).strict()).min(1) }).strict() }).strict(),
]);

export const StepSchema = z.union([
  z.object({ do: ActionSchema }).strict(),
  z.object({ expect: ExpectSchema }).strict(),
]);

export const EventExpectSchema = z.object({
  reason: z.string(),
  type: z.enum(['Normal', 'Warning']).optional(),
  /** The involved object's name. */
  object: Name.optional(),
  messageContains: z.string().optional(),
  /** Seconds since the case started. */
  within: Seconds,
}).strict();

export const CaseSchema = z.object({
  apiVersion: z.literal(CASE_API_VERSION),
  kind: z.literal(CASE_KIND),
  name: Name,
  description: z.string(),
  /** Needs kubelife's fault injection: skipped against other clusters. */
  kubeliteOnly: z.boolean(),
  /** Machine transitions the case drives, as "machine: Source --event--> Target". */
  covers: z.object({
    container: z.array(z.string()),
    pod: z.array(z.string()),
    scheduler: z.array(z.string()),
  }).strict(),
  /** The generated graph paths this case realises (see docs/CONFORMANCE.md). */
  paths: z.array(z.string()),
  /** Upstream Kubernetes e2e tests that check the same behaviour, by their names. */
  upstream: z.array(z.string()),
  steps: z.array(StepSchema).min(1),
  events: z.array(EventExpectSchema),
}).strict();

export type ConformanceCase = z.infer<typeof CaseSchema>;
export type CaseStep = z.infer<typeof StepSchema>;
export type CaseExpect = z.infer<typeof ExpectSchema>;
export type CaseAction = z.infer<typeof ActionSchema>;
export type EventExpect = z.infer<typeof EventExpectSchema>;

/** Parses a case; an error names the first bad path. */
export function parseCase(data: unknown): { ok: true; value: ConformanceCase } | { ok: false; path: string; message: string } {
  const r = CaseSchema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, path: issue.path.map(String).join('.') || '(root)', message: issue.message };
}
