/**
 * The bug zoo's switches: bugs planted on purpose in the components, so the checker can prove it
 * finds them. Each bug is one guarded line at the decision point it breaks; with no bug selected
 * (the default everywhere) the component behaves as upstream does. The set travels through each
 * component's input: kube-controller-manager's flags, the scheduler's and the kubelet's input.
 * The catalogue (what each bug does, which invariant catches it, how to reveal it) is in
 * src/check/bugs.ts.
 */

export const BUG_NAMES = [
  'replicaset-no-expectations',
  'scheduler-forgets-assumed',
  'kubelet-running-before-sandbox-ip',
  'endpointslice-keeps-terminating-ready',
  'controller-acts-before-cache-sync',
  'kubelet-restarts-deleted-pod',
  'ipam-reuses-live-ip',
  'taint-eviction-ignores-toleration-seconds',
] as const;

export type BugName = (typeof BUG_NAMES)[number];

/** The bugs planted in one run. */
export type Bugs = ReadonlySet<BugName>;

/** The correct model. */
export const NO_BUGS: Bugs = new Set<BugName>();

export function isBugName(name: string): name is BugName {
  return (BUG_NAMES as readonly string[]).includes(name);
}

/** A bug set from a list (or a set); unknown names throw, naming the known ones. */
export function bugSet(bugs: Iterable<string> | undefined): Bugs {
  if (bugs === undefined) return NO_BUGS;
  const out = new Set<BugName>();
  for (const b of bugs) {
    if (!isBugName(b)) throw new Error(`unknown bug "${b}" (known: ${BUG_NAMES.join(', ')})`);
    out.add(b);
  }
  return out.size === 0 ? NO_BUGS : out;
}
