/**
 * Breaking invariants by hand: a checker with one invariant attached to a bare simulation (no
 * components), fed hand-made writes, requests and watch deliveries. Objects written through
 * `direct` go through the API server into the store (for invariants that read the current store);
 * `write` feeds the checker alone, at the next revision.
 */
import type { KObject, Node, Pod } from '../../src/api/objects.ts';
import { timestamp } from '../../src/api/time.ts';
import { Checker } from '../../src/check/checker.ts';
import type { Invariant, Violation } from '../../src/check/invariant.ts';
import type { RequestInfo, StoreWrite } from '../../src/sim/probe.ts';
import { Simulation } from '../../src/sim/simulation.ts';
import type { WatchEvent } from '../../machines/client/protocol.ts';

export interface Harness {
  sim: Simulation;
  checker: Checker;
  /** Feeds one write to the checker at the next revision (next gets it as resourceVersion unless it has one); returns that revision. */
  write(type: StoreWrite['type'], key: string, prev: KObject | undefined, next: KObject | undefined, request?: Partial<RequestInfo>, at?: number): number;
  /** Feeds a watch event delivered to a component. */
  deliver(component: string, tag: string, event: WatchEvent, watchId?: string, at?: number): void;
  /** Creates an object through the API server (it lands in the store and the checker sees the write). */
  direct(obj: KObject): KObject;
  violations(): Violation[];
  ids(): string[];
}

export function harness(inv: Invariant): Harness {
  const sim = new Simulation({ seed: 1, record: false, traceMessages: false });
  const checker = new Checker([inv], { continueAfterViolation: true }).attach(sim);
  let rev = sim.store.revision();
  return {
    sim,
    checker,
    write(type, key, prev, next, request, at) {
      rev = Math.max(rev, sim.store.revision()) + 1;
      const withRv = next && next.metadata.resourceVersion === undefined ? { ...next, metadata: { ...next.metadata, resourceVersion: String(rev) } } : next;
      const req: RequestInfo | undefined = request ? { from: 'client', verb: 'update', path: '/', sentRevision: rev - 1, at: at ?? 0, sentStep: sim.clock.steps, ...request } : undefined;
      checker.onWrite({ key, type, revision: rev, at: at ?? sim.now(), ...(prev ? { prev } : {}), ...(withRv ? { next: withRv } : {}), ...(req ? { request: req } : {}) });
      return rev;
    },
    deliver(component, tag, event, watchId = `${component}~w0`, at) {
      checker.onWatchDelivered({ component, watchId, tag, event, at: at ?? sim.now() });
    },
    direct(obj) {
      const r = sim.createDirect(obj);
      if (r.code >= 300) throw new Error(`create failed: ${JSON.stringify(r.body)}`);
      return r.body as KObject;
    },
    violations: () => checker.violations,
    ids: () => checker.violations.map((v) => v.invariant),
  };
}

/** A pod with a uid and whatever spec and status the test gives. */
export function pod(name: string, uid: string, spec: Partial<Pod['spec']> = {}, status?: Pod['status'], meta: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid, ...meta },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...spec },
    ...(status ? { status } : {}),
  };
}

export function node(name: string, spec: Partial<Node['spec']> = {}, status: Node['status'] = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `node-${name}` }, spec: { ...spec }, status };
}

export const podKey = (name: string) => `/registry/pods/default/${name}`;
export const nodeKey = (name: string) => `/registry/nodes/${name}`;

/** A running container status started at virtual time `startedMs`. */
export function running(name: string, startedMs: number, restartCount = 0, ready = true) {
  return { name, state: { running: { startedAt: timestamp(startedMs) } }, lastState: {}, ready, started: true, restartCount, image: 'nginx:1.27', imageID: '' };
}
