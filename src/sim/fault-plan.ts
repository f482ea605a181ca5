/**
 * Faults as data: a fault plan (YAML or JSON, validated with zod) says which faults happen when.
 * src/sim/faults.ts applies a plan to a Cluster on its virtual clock; the checker (src/check)
 * draws plans from a seed in swarm mode. Component names are simulation names ("kubelet/worker-1",
 * "kube-scheduler", "kube-controller-manager", "kube-proxy/worker-2") or globs with a trailing "*"
 * ("kubelet/*"). Times are virtual, from the start of the run.
 *
 * Sieve's three patterns are named modes: stale-state (a component restarted onto a lagging
 * view), intermediate-state (a component crashed between the writes of one reconcile),
 * unobserved-state (a component cut off while a short-lived state comes and goes).
 */
import { z } from 'zod';
import { Duration } from '../scenario/schema.ts';

const Who = z.string().min(1);
/** An integer ratio k/n of messages affected, drawn from the network's seeded stream. */
const Ratio = z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).refine(([k, n]) => k <= n, 'a ratio k/n with k <= n');
const Window = { at: Duration, for: Duration.optional() };

export const Fault = z.discriminatedUnion('kind', [
  /** The node's kubelet and kube-proxy stop (the machine is gone); back after `for` when given. */
  z.object({ kind: z.literal('crashNode'), node: z.string(), ...Window, disk: z.enum(['kept', 'lost']).default('kept') }).strict(),
  /** Every message between the component and kube-apiserver is lost, both ways; its watches are cut. */
  z.object({ kind: z.literal('partition'), component: Who, ...Window }).strict(),
  /** Extra latency on messages from -> to. */
  z.object({ kind: z.literal('delay'), from: Who, to: Who, ...Window, extraMs: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }).strict(), ratio: Ratio.default([1, 1]) }).strict(),
  /** Requests or responses lost (the sender sees a connection error); a lost watch event cuts the watch. */
  z.object({ kind: z.literal('drop'), from: Who, to: Who, ...Window, ratio: Ratio }).strict(),
  /** Requests or responses delivered twice (an at-least-once retry); never watch events. */
  z.object({ kind: z.literal('duplicate'), from: Who, to: Who, ...Window, ratio: Ratio }).strict(),
  /** The component's watch streams end (all, or one resource's): it must re-list. */
  z.object({ kind: z.literal('cutWatch'), component: Who, at: Duration, resource: z.string().optional() }).strict(),
  /** The component's reads are served from a view `lagRevisions` behind (an HA apiserver's lagging cache). */
  z.object({ kind: z.literal('staleReads'), component: Who, ...Window, lagRevisions: z.number().int().positive() }).strict(),
  /** The component restarts, losing its memory: at a time, or right after its k-th request with a tag prefix. */
  z.object({
    kind: z.literal('restart'), component: Who, at: Duration.optional(),
    afterRequests: z.object({ tagPrefix: z.string(), count: z.number().int().positive() }).strict().optional(),
  }).strict().refine((f) => f.at !== undefined || f.afterRequests !== undefined, 'a restart needs "at" or "afterRequests"'),
  /** etcd compacts now, up to the current revision: older watches get 410 Gone. */
  z.object({ kind: z.literal('compact'), at: Duration }).strict(),
  /** etcd is unavailable: the API server answers 503. */
  z.object({ kind: z.literal('etcdUnavailable'), ...Window }).strict(),
]);

export const FAULT_KINDS = ['crashNode', 'partition', 'delay', 'drop', 'duplicate', 'cutWatch', 'staleReads', 'restart', 'compact', 'etcdUnavailable'] as const;

export const FaultPlan = z.object({
  mode: z.enum(['stale-state', 'intermediate-state', 'unobserved-state']).optional(),
  /** When every fault is undone (policies removed, components restarted, etcd back); default: the end of the last window. */
  healAt: Duration.optional(),
  /** How long a client takes to notice a lost request or watch stream (default 45 s: client-go's HTTP/2 read-idle 30 s + ping 15 s). */
  detectAfter: Duration.optional(),
  faults: z.array(Fault).max(20),
}).strict();

export type FaultT = z.infer<typeof Fault>;
export type FaultPlanT = z.infer<typeof FaultPlan>;

/** A component name or a glob with a trailing "*" ("kubelet/*"; "*" is everyone) as a predicate. */
export function whoMatches(pattern: string): (name: string) => boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (name) => name.startsWith(prefix);
  }
  return (name) => name === pattern;
}
