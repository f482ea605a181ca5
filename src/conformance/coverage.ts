/**
 * `kubelife conformance coverage`: per machine, the states and transitions the cases cover (from
 * each case's `covers`), what is left and why, the generated paths the cases realise, and the
 * upstream Kubernetes e2e tests that check the same behaviours (names found in Kubernetes' sources
 * and conformance lists), covered or not.
 */
import { CONTAINER_STATES, INITIAL_CONTAINER_STATE } from '../../machines/container/machine.ts';
import { containerGraph, declaredTransitionOf, declaredTransitions, edgeId, podGraph, type MachinePath } from './paths.ts';
import type { ConformanceCase } from './schema.ts';
import type { Generation } from './generate.ts';

export interface Uncovered { item: string; reason: string }

export interface MachineCoverage {
  machine: 'container' | 'pod' | 'scheduler';
  states: { total: number; covered: number; uncovered: Uncovered[] };
  transitions: { total: number; covered: number; uncovered: Uncovered[] };
  /** Leaf-level edges of the walked graph (container: leaf state x event; pod: state value x event). */
  edges: { total: number; covered: number };
  paths: { total: number; realised: number };
}

export interface UpstreamCoverage { test: string; cases: string[]; reason?: string }

export interface Coverage {
  cases: number;
  machines: MachineCoverage[];
  upstream: UpstreamCoverage[];
}

/** Why a container transition is not driven by any case. */
const CONTAINER_REASONS: Record<string, string> = {
  'Waiting --postStart.failed--> Waiting.PostStartHookError': 'unreached by kubelife: its kubelet records the killed run as Terminated first, so PostStartHookError is entered from Terminated (covered by poststart-hook-fails)',
  'Waiting --run.failed--> Waiting.RunContainerError': 'unreached by kubelife: its kubelet records the failed start as Terminated.StartError first, so RunContainerError is entered from Terminated (covered by run-container-error)',
  'Running --lost--> Terminated.ContainerStatusUnknown': 'not from a manifest: the runtime must lose a running container when its pod ends (a node lost while the pod is deleted)',
  'Terminated --lost--> Terminated.ContainerStatusUnknown': 'by design: TerminatePod keeps a terminated container as it is; only a waiting or running one becomes ContainerStatusUnknown',
  'Terminated --pull.backOff--> Waiting.ImagePullBackOff': 'by design: ImagePullBackOff follows an ErrImagePull of the same container, so a restart reaches it through Terminated --pull.failed--> Waiting.ErrImagePull',
  'Terminated --pull.neverAllowed--> Waiting.ErrImageNeverPull': 'not from a manifest: needs a node that has the first image but not the patched one under imagePullPolicy Never (what a node has cached is not in a manifest)',
};

function containerReason(t: string): string {
  if (t.includes('--runtime.lost-->')) return 'kubelife-only: the node must come back without its disk (the runtime lost its containers): scenario stopNode/startNode with disk lost';
  return CONTAINER_REASONS[t] ?? 'no case drives it yet';
}

function podReason(edge: string): string {
  if (edge.startsWith('Unknown ') || edge.endsWith('> Unknown')) return 'unreached by kubelife: nothing sends node.lost or node.recovered to a pod worker (a lost node stops its kubelet; the node lifecycle controller marks its pods Ready=False and taint eviction deletes them), so the pod machine\'s Unknown is entered only by hand';
  if (/sandbox(Failed|Retry|BackOff)/.test(edge)) return 'kubelife-only: the CNI plugin must fail (its pod IP range exhausted); not arranged from a namespace';
  if (/^Pending\.(unscheduled|scheduled) --pod\.deletionRequested/.test(edge)) return 'not observable: the kubelet admits a pod in the same sync it sees it bound, so these states are not told apart through the API';
  if (/^Pending\.(initializing\.(mountingVolumes|creatingSandbox)|creatingContainers\.current) --pod\.deletionRequested/.test(edge)) return 'transient: the state lasts one round trip to the API server or the runtime, too short to delete a pod into it on purpose';
  if (edge === 'Running --pod.deletionRequested--> Succeeded') return 'transient: needs every container exited 0 and none restarting when the deletion arrives (a completed container under Always restarts at once; a crash-looping one counts as stopped, not succeeded)';
  return 'no case drives it yet';
}

/** The leaf a transition target lands in (a compound target enters its initial child). */
function leafOfTarget(t: string): string {
  return CONTAINER_STATES.find((s) => s === t) ?? CONTAINER_STATES.find((s) => s.startsWith(`${t}.`))!;
}

/** The scheduling queue's moves (pkg/scheduler/internal/queue), with why a case cannot drive the ones it does not. */
export const SCHEDULER_TRANSITIONS: readonly Uncovered[] = [
  { item: 'activeQ --bound--> scheduled (Scheduled)', reason: '' },
  { item: 'activeQ --unschedulable--> unschedulablePods (FailedScheduling)', reason: '' },
  { item: 'unschedulablePods --cluster event--> activeQ', reason: 'not from a manifest: needs a node to be labelled or added, outside a case\'s namespace' },
  { item: 'unschedulablePods --5 min flush--> activeQ', reason: 'not generated: it takes 5 minutes, and the retry only adds to the FailedScheduling count' },
  { item: 'activeQ --bind error--> backoffQ', reason: 'kubelife-only: needs the API server to fail a binding (a fault)' },
];

/** Upstream tests the cases do not map to, with why (names as found in Kubernetes' e2e sources and conformance lists). */
export const UPSTREAM_NOT_COVERED: readonly UpstreamCoverage[] = [
  { test: '[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartAlways pod [Conformance]', cases: [], reason: 'not generated yet (the RestartNever variant is init-container-completes)' },
  { test: '[sig-node] InitContainer [NodeConformance] should not start app containers if init containers fail on a RestartAlways pod [Conformance]', cases: [], reason: 'not generated yet (needs an init container crash-looping while the app container waits)' },
  { test: '[sig-node] Probing container with readiness probe that fails should never be ready and never restart [NodeConformance] [Conformance]', cases: [], reason: 'not generated yet: asserts an absence over minutes' },
  { test: '[sig-node] Probing container should *not* be restarted with a exec "cat /tmp/health" liveness probe [NodeConformance] [Conformance]', cases: [], reason: 'not generated yet: asserts an absence over minutes' },
  { test: '[sig-node] Probing container should be restarted with a /healthz http liveness probe [NodeConformance] [Conformance]', cases: [], reason: 'not generated yet (agnhost liveness is modelled; the exec variant is liveness-probe-restarts)' },
  { test: '[sig-node] Probing container should have monotonically increasing restart count [NodeConformance] [Conformance]', cases: [], reason: 'partly: crashloop-on-failure checks restart counts 1 then 2 with the back-off between them' },
  { test: '[sig-node] Probing container should be restarted startup probe fails', cases: [], reason: 'not generated yet (startup-probe covers the passing probe)' },
  { test: '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute poststart exec hook properly [NodeConformance] [Conformance]', cases: [], reason: 'upstream checks the hook reached a second pod over HTTP; poststart-hook-fails covers the failing hook only' },
  { test: '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute poststart http hook properly [NodeConformance] [Conformance]', cases: [], reason: 'needs a second pod as the hook target: not generated' },
  { test: '[sig-node] Container Lifecycle Hook when create a pod with lifecycle hook should execute prestop http hook properly [NodeConformance] [Conformance]', cases: [], reason: 'needs a second pod as the hook target: not generated' },
  { test: '[sig-node] PreStop should call prestop when killing a pod [Conformance]', cases: [], reason: 'needs a server pod that records the hook: not generated' },
  { test: '[sig-node] Pods should allow activeDeadlineSeconds to be updated [NodeConformance] [Conformance]', cases: [], reason: 'activeDeadlineSeconds (DeadlineExceeded) is not modelled by the pod machine' },
  { test: '[sig-node] Pods should get a host IP [NodeConformance] [Conformance]', cases: [], reason: 'no machine state: a status field, not a lifecycle transition' },
  { test: '[sig-node] Pods should delete a collection of pods [Conformance]', cases: [], reason: 'an API operation, not a lifecycle transition' },
  { test: '[sig-node] Container Runtime blackbox test on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]', cases: [], reason: 'termination messages are not in the case schema yet' },
  { test: '[sig-node] RuntimeClass should reject a Pod requesting a non-existent RuntimeClass [NodeConformance] [Conformance]', cases: [], reason: 'admission, before any machine runs; RuntimeClass is not served by kubelife' },
  { test: '[sig-node] NoExecuteTaintManager Single Pod [Serial] removing taint cancels eviction [Disruptive] [Conformance]', cases: [], reason: '[Disruptive]: taints nodes; cases change nothing outside their namespace' },
  { test: '[sig-node] Node Lifecycle should run through the lifecycle of a node [Conformance]', cases: [], reason: 'the node machine is not walked here (its Ready/Unknown lifecycle needs a node to stop: kubelife-only)' },
  { test: '[sig-scheduling] SchedulerPredicates [Serial] validates that NodeSelector is respected if matching [Conformance]', cases: [], reason: '[Serial]: labels a node; cases change nothing outside their namespace' },
  { test: '[sig-scheduling] SchedulerPredicates [Serial] validates resource limits of pods that are allowed to run [Conformance]', cases: [], reason: '[Serial]: fills every node; cases run concurrently' },
  { test: '[sig-scheduling] SchedulerPredicates [Serial] validates that there exists conflict between pods with same hostPort and protocol but one using 0.0.0.0 hostIP [Conformance]', cases: [], reason: '[Serial]: needs a chosen node (hostPort conflicts): not generated' },
  { test: '[sig-scheduling] SchedulerPreemption [Serial] validates basic preemption works [Conformance]', cases: [], reason: 'preemption is not modelled by kubelife\'s scheduler' },
];

/** Coverage of the machines and of upstream tests by these cases; `gen` supplies the paths. */
export function computeCoverage(cases: readonly ConformanceCase[], gen: Pick<Generation, 'paths' | 'unrealised'>): Coverage {
  // Container machine: declared transitions, the leaf states they land in, and leaf edges.
  const declared = declaredTransitions();
  const coveredT = new Set(cases.flatMap((c) => c.covers.container));
  const coveredStates = new Set([INITIAL_CONTAINER_STATE, ...[...coveredT].map((t) => leafOfTarget(t.split('--> ')[1]!))]);
  const cg = containerGraph();
  const coveredEdges = cg.edges.filter((e) => coveredT.has(declaredTransitionOf(e)!) && coveredStates.has(e.from)).length;
  const realised = (m: MachinePath['machine']) => {
    const total = gen.paths.filter((p) => p.machine === m && p.edges.length > 0).length;
    return { total, realised: total - gen.unrealised.filter((u) => u.machine === m).length };
  };
  const container: MachineCoverage = {
    machine: 'container',
    states: { total: CONTAINER_STATES.length, covered: CONTAINER_STATES.filter((s) => coveredStates.has(s)).length, uncovered: CONTAINER_STATES.filter((s) => !coveredStates.has(s)).map((s) => ({ item: s, reason: 'no covered transition enters it' })) },
    transitions: { total: declared.length, covered: declared.filter((t) => coveredT.has(t)).length, uncovered: declared.filter((t) => !coveredT.has(t)).map((t) => ({ item: t, reason: containerReason(t) })) },
    edges: { total: cg.edges.length, covered: coveredEdges },
    paths: realised('container'),
  };
  // Pod machine: value-level edges of the walked graph, and the states they touch.
  const pg = podGraph();
  const coveredP = new Set(cases.flatMap((c) => c.covers.pod));
  const podStates = new Set([pg.initial, ...[...coveredP].flatMap((id) => [id.split(' --')[0]!, id.split('--> ')[1]!])]);
  const podEdges = pg.edges.map(edgeId);
  const pod: MachineCoverage = {
    machine: 'pod',
    states: { total: pg.states.length, covered: pg.states.filter((s) => podStates.has(s)).length, uncovered: pg.states.filter((s) => !podStates.has(s)).map((s) => ({ item: s, reason: s === 'Unknown' ? 'unreached by kubelife: nothing sends node.lost to a pod worker' : /sandbox/i.test(s) ? 'kubelife-only: needs a CNI failure' : 'no case drives it yet' })) },
    transitions: { total: podEdges.length, covered: podEdges.filter((e) => coveredP.has(e)).length, uncovered: podEdges.filter((e) => !coveredP.has(e)).map((e) => ({ item: e, reason: podReason(e) })) },
    edges: { total: podEdges.length, covered: podEdges.filter((e) => coveredP.has(e)).length },
    paths: realised('pod'),
  };
  // Scheduler: its queue is plain data (kube-scheduler/queue.ts), not a machine: its moves are named by hand.
  const sched = new Set(cases.flatMap((c) => c.covers.scheduler));
  const scheduler: MachineCoverage = {
    machine: 'scheduler',
    states: { total: 0, covered: 0, uncovered: [] },
    transitions: {
      total: SCHEDULER_TRANSITIONS.length,
      covered: SCHEDULER_TRANSITIONS.filter((t) => sched.has(t.item)).length,
      uncovered: SCHEDULER_TRANSITIONS.filter((t) => !sched.has(t.item)),
    },
    edges: { total: 0, covered: 0 },
    paths: { total: 0, realised: 0 },
  };
  const byTest = new Map<string, string[]>();
  for (const c of cases) for (const u of c.upstream) byTest.set(u, [...(byTest.get(u) ?? []), c.name]);
  const upstream: UpstreamCoverage[] = [
    ...[...byTest].sort(([a], [b]) => a.localeCompare(b)).map(([test, cs]) => ({ test, cases: cs })),
    ...UPSTREAM_NOT_COVERED.filter((u) => !byTest.has(u.test)),
  ];
  return { cases: cases.length, machines: [container, pod, scheduler], upstream };
}

/**
 * Reasons start with one of: kubelife-only (kubelife's fault injection reaches it), unreached by
 * kubelife (nothing in the running model drives it), not from a manifest, by design, not
 * observable, transient, kubelife disagrees (where kubelife and a real node differ: none today),
 * not generated.
 */
/** The uncovered transitions counted by the kind of reason (the text before its colon), e.g. "kubelife-only 3, transient 4". */
export function byReason(m: MachineCoverage): string {
  const counts = new Map<string, number>();
  for (const u of m.transitions.uncovered) {
    const kind = u.reason.split(':')[0]!;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
}

const pct = (a: number, b: number) => (b === 0 ? '-' : `${Math.round((100 * a) / b)}%`);

/** The coverage as text: a table per machine, the uncovered items with reasons, the upstream mapping. */
export function coverageText(cov: Coverage, formatTable: (h: string[], l: string[][]) => string): string {
  const out: string[] = [];
  out.push(formatTable(['machine', 'states', 'transitions', 'transitions not covered, by reason', 'graph edges', 'generated paths realised'], cov.machines.map((m) => [
    m.machine,
    m.states.total ? `${m.states.covered}/${m.states.total} (${pct(m.states.covered, m.states.total)})` : '-',
    `${m.transitions.covered}/${m.transitions.total} (${pct(m.transitions.covered, m.transitions.total)})`,
    byReason(m),
    m.edges.total ? `${m.edges.covered}/${m.edges.total} (${pct(m.edges.covered, m.edges.total)})` : '-',
    m.paths.total ? `${m.paths.realised}/${m.paths.total}` : '-',
  ])));
  for (const m of cov.machines) {
    const un = [...m.states.uncovered, ...m.transitions.uncovered];
    if (un.length === 0) continue;
    out.push('', `${m.machine}: not covered`);
    for (const u of un) out.push(`  ${u.item}: ${u.reason}`);
  }
  out.push('', `upstream tests (${cov.upstream.filter((u) => u.cases.length > 0).length} covered, ${cov.upstream.filter((u) => u.cases.length === 0).length} not):`);
  for (const u of cov.upstream) out.push(u.cases.length > 0 ? `  covered  ${u.test} <- ${u.cases.join(', ')}` : `  no       ${u.test}: ${u.reason}`);
  return out.join('\n');
}
