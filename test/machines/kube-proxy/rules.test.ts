import { describe, expect, it } from 'vitest';
import { buildRules, route } from '../../../machines/kube-proxy/rules.ts';
import type { EndpointSlice, Service } from '../../../src/api/objects.ts';

const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] } };

function slice(endpoints: Array<[string, boolean, boolean, boolean]>): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: endpoints.map(([ip, ready, serving, terminating]) => ({ addresses: [ip], conditions: { ready, serving, terminating }, targetRef: { kind: 'Pod', name: `pod-${ip}` } })),
  };
}

describe('kube-proxy rules', () => {
  it('routes a Service port to its ready endpoints only, on the target port', () => {
    const rules = buildRules([svc], [slice([['10.244.1.2', true, true, false], ['10.244.1.3', false, false, false], ['10.244.2.2', true, true, false]])]);
    const rule = rules.get('10.96.0.10:80/TCP')!;
    expect(rule.backends.map((b) => `${b.ip}:${b.port}`)).toEqual(['10.244.1.2:8080', '10.244.2.2:8080']);
    expect(route(rules, '10.96.0.10', 80, 'TCP', (n) => n - 1)?.ip).toBe('10.244.2.2');
  });

  it('falls back to serving, terminating endpoints when none is ready', () => {
    const rules = buildRules([svc], [slice([['10.244.1.2', false, true, true], ['10.244.1.3', false, false, true]])]);
    expect(rules.get('10.96.0.10:80/TCP')!.backends.map((b) => b.ip)).toEqual(['10.244.1.2']);
  });

  it('has no backend for a Service without endpoints, and no rule for an unknown port', () => {
    const rules = buildRules([svc], []);
    expect(route(rules, '10.96.0.10', 80)).toBeUndefined();
    expect(rules.has('10.96.0.10:81/TCP')).toBe(false);
  });

  it('skips headless Services', () => {
    expect(buildRules([{ ...svc, spec: { ...svc.spec, clusterIP: 'None' } }], []).size).toBe(0);
  });
});
