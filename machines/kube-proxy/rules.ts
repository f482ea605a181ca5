/**
 * kube-proxy's decision logic: from Services and EndpointSlices to a rules table per Service port
 * (what iptables' KUBE-SVC/KUBE-SEP chains encode), and where one new connection goes.
 */
import type { EndpointSlice, Service } from '../../src/api/objects.ts';

export interface Backend { ip: string; port: number; pod?: string; ready: boolean; serving: boolean; terminating: boolean }

export interface ServiceRule {
  service: string; // namespace/name
  clusterIP: string;
  port: number;
  protocol: string;
  portName: string;
  /** The backends a new connection may go to: ready ones, else serving-terminating ones. */
  backends: Backend[];
}

/** Builds the rules table for every Service port (keyed "clusterIP:port/protocol"). */
export function buildRules(services: Service[], slices: EndpointSlice[]): Map<string, ServiceRule> {
  const rules = new Map<string, ServiceRule>();
  const slicesBySvc = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const k = `${s.metadata.namespace}/${svc}`;
    const list = slicesBySvc.get(k) ?? [];
    list.push(s);
    slicesBySvc.set(k, list);
  }
  for (const svc of services) {
    const ip = svc.spec.clusterIP;
    if (!ip || ip === 'None') continue;
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    for (const p of svc.spec.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      const portName = p.name ?? '';
      const all: Backend[] = [];
      for (const slice of slicesBySvc.get(key) ?? []) {
        const sp = (slice.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === protocol);
        if (!sp || sp.port === undefined) continue;
        for (const ep of slice.endpoints ?? []) {
          for (const addr of ep.addresses) {
            all.push({
              ip: addr, port: sp.port, ...(ep.targetRef?.name ? { pod: `${ep.targetRef.namespace ?? svc.metadata.namespace}/${ep.targetRef.name}` } : {}),
              ready: ep.conditions.ready !== false, serving: ep.conditions.serving ?? ep.conditions.ready !== false, terminating: ep.conditions.terminating === true,
            });
          }
        }
      }
      all.sort((a, b) => (a.ip + ':' + a.port < b.ip + ':' + b.port ? -1 : 1));
      const ready = all.filter((b) => b.ready);
      // topology.go: no ready endpoints -> fall back to serving and terminating ones.
      const backends = ready.length > 0 ? ready : all.filter((b) => b.serving && b.terminating);
      rules.set(`${ip}:${p.port}/${protocol}`, { service: key, clusterIP: ip, port: p.port, protocol, portName, backends });
    }
  }
  return rules;
}

/**
 * Where a new connection to ip:port goes: iptables rule i matches with probability 1/(n-i), so
 * each backend is chosen with probability 1/n. `draw(n)` returns a uniform integer in [0, n).
 */
export function route(rules: Map<string, ServiceRule>, ip: string, port: number, protocol = 'TCP', draw: (n: number) => number = () => 0): Backend | undefined {
  const rule = rules.get(`${ip}:${port}/${protocol}`);
  if (!rule || rule.backends.length === 0) return undefined;
  return rule.backends[draw(rule.backends.length)];
}
