/**
 * Readable step lists: a case's scenario steps and faults merged in virtual-time order, one
 * numbered line each, as a counterexample prints them.
 */
import { durationMs } from '../scenario/schema.ts';
import type { FaultPlanT, FaultT } from '../sim/fault-plan.ts';
import type { ScenarioInput } from './arbitraries.ts';

type Dur = number | string;
const ms = (d: Dur | undefined): number => (d === undefined ? 0 : durationMs(d as never));
const s = (d: Dur): string => `${ms(d) / 1000}s`;
const window = (f: { for?: Dur | undefined }) => (f.for !== undefined ? ` for ${s(f.for)}` : ' until the heal');
const of = (r: readonly [number, number] | undefined) => (r && r[0] !== r[1] ? ` (${r[0]}/${r[1]} of messages)` : '');

/** One line for a fault, without its time. */
export function describeFault(f: FaultT): string {
  switch (f.kind) {
    case 'crashNode': return `crash node ${f.node}${window(f)} (disk ${f.disk ?? 'kept'})`;
    case 'partition': return `partition ${f.component} from kube-apiserver${window(f)}`;
    case 'delay': return `delay ${f.from} -> ${f.to} by ${f.extraMs.min}-${f.extraMs.max}ms${of(f.ratio)}${window(f)}`;
    case 'drop': return `drop ${f.from} -> ${f.to}${of(f.ratio)}${window(f)}`;
    case 'duplicate': return `duplicate ${f.from} -> ${f.to}${of(f.ratio)}${window(f)}`;
    case 'cutWatch': return `cut ${f.component}'s ${f.resource ? f.resource + ' ' : ''}watches`;
    case 'staleReads': return `serve ${f.component}'s reads ${f.lagRevisions} revision(s) behind${window(f)}`;
    case 'restart': return f.afterRequests
      ? `restart ${f.component} right after its request #${f.afterRequests.count} tagged "${f.afterRequests.tagPrefix}*"`
      : `restart ${f.component} (its memory is lost)`;
    case 'compact': return 'compact etcd up to the current revision';
    case 'etcdUnavailable': return `etcd unavailable${window(f)}`;
  }
}

function describeStep(st: NonNullable<ScenarioInput['steps']>[number]): string {
  if (st.apply !== undefined) {
    const objs = Array.isArray(st.apply) ? st.apply : [st.apply];
    return `apply ${objs.map((o) => (typeof o === 'string' ? o : `${String(o.kind)}/${String((o.metadata as { name?: string } | undefined)?.name ?? '?')}`)).join(', ')}`;
  }
  if (st.delete) return `delete ${st.delete.kind ?? 'Pod'} ${st.delete.name ?? `(first matching ${st.delete.selector})`}${st.delete.gracePeriodSeconds !== undefined ? ` with grace ${st.delete.gracePeriodSeconds}s` : ''}`;
  if (st.scale) return `scale ${st.scale.kind ?? 'ReplicaSet'}/${st.scale.name} to ${st.scale.replicas}`;
  if (st.killContainer) return `kill container ${st.killContainer.pod}/${st.killContainer.container} (exit ${st.killContainer.exitCode ?? 137})`;
  if (st.stopNode) return `stop node ${st.stopNode}`;
  return JSON.stringify(st);
}

/** The setup line: nodes and the objects applied at the start. */
export function describeSetup(scenario: ScenarioInput): string {
  const nodes = scenario.cluster.nodes.map((n) => {
    const c = n.capacity as Record<string, unknown> | undefined;
    return c ? `${n.name} (cpu ${String(c['cpu'])}, pods ${String(c['pods'])})` : n.name;
  });
  const objs = (scenario.manifests ?? []).map((m) => {
    if (typeof m === 'string') return m;
    const spec = m['spec'] as { replicas?: number } | undefined;
    const meta = m['metadata'] as { name?: string } | undefined;
    return `${String(m['kind'])}/${meta?.name ?? '?'}${spec?.replicas !== undefined ? ` (${spec.replicas} replicas)` : ''}`;
  });
  return `${nodes.length} node(s): ${nodes.join(', ')}; at 0s: ${objs.length ? objs.join(', ') : 'nothing applied'}`;
}

/**
 * Scenario steps and faults merged by time, numbered from 1. With `untilMs` (the violation's
 * time), what was due later never happened and is summed up in one last line.
 */
export function describeSteps(scenario: ScenarioInput, plan: FaultPlanT | undefined, violation?: { at: number; invariant: string }): string[] {
  const untilMs = violation?.at;
  const items: Array<{ t: number; order: number; text: string; untimed?: boolean }> = [];
  (scenario.steps ?? []).forEach((st, i) => items.push({ t: ms(st.at as Dur), order: i, text: `step      ${describeStep(st)}` }));
  (plan?.faults ?? []).forEach((f, i) => {
    const at = 'at' in f && f.at !== undefined ? ms(f.at) : undefined;
    items.push({ t: at ?? 0, order: 1000 + i, text: `fault     ${describeFault(f)}`, ...(at === undefined ? { untimed: true } : {}) });
  });
  items.sort((a, b) => a.t - b.t || a.order - b.order);
  const reached = untilMs === undefined ? items : items.filter((it) => it.untimed || it.t <= untilMs);
  const width = String(reached.length).length;
  const lines = reached.map((it, i) => `${String(i + 1).padStart(width)}. ${(it.untimed ? 'when due' : `${(it.t / 1000).toFixed(3)}s`).padStart(9)}  ${it.text}`);
  if (violation) lines.push(`${'→'.padStart(width + 1)} ${`${(violation.at / 1000).toFixed(3)}s`.padStart(9)}  violation ${violation.invariant}`);
  if (reached.length < items.length) lines.push(`${' '.repeat(width + 2)}(${items.length - reached.length} later step(s) and fault(s) not reached)`);
  return lines;
}

/** Scenario steps plus faults: the size of a counterexample. */
export function caseSize(scenario: ScenarioInput, plan: FaultPlanT | undefined): number {
  return (scenario.steps?.length ?? 0) + (plan?.faults.length ?? 0);
}
