import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src/api/objects.ts';
import { CidrSet, formatIPv4, parseIPv4 } from '../../../machines/kube-controller-manager/cidrset.ts';
import { nodeIpamControllerMachine } from '../../../machines/kube-controller-manager/nodeipam.ts';
import { describe as show, Harness } from './harness.ts';

describe('CidrSet', () => {
  it('hands out /24s of 10.244.0.0/16 in order', () => {
    const set = new CidrSet();
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual(['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    expect(set.size).toBe(256);
  });

  it.each([
    ['skips a CIDR already taken', ['10.244.0.0/24'], [], ['10.244.1.0/24', '10.244.2.0/24']],
    ['skips several taken CIDRs', ['10.244.1.0/24', '10.244.0.0/24'], [], ['10.244.2.0/24', '10.244.3.0/24']],
    ['does not reuse a released CIDR before the others had their turn', [], ['alloc', 'alloc', 'release 10.244.0.0/24'], ['10.244.2.0/24', '10.244.3.0/24']],
  ])('%s', (_name, occupied, ops, want) => {
    const set = new CidrSet();
    for (const c of occupied) set.occupy(c);
    for (const op of ops) {
      if (op === 'alloc') set.allocateNext();
      else set.release(op.split(' ')[1]!);
    }
    expect([set.allocateNext(), set.allocateNext()]).toEqual(want);
  });

  it('returns undefined when the range is exhausted, and wraps around to a released one', () => {
    const set = new CidrSet('10.0.0.0/30', 31);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual(['10.0.0.0/31', '10.0.0.2/31', undefined]);
    set.release('10.0.0.0/31');
    expect(set.allocateNext()).toBe('10.0.0.0/31');
  });

  it.each([
    ['10.244.3.0/24', 3],
    ['10.244.3.1/24', undefined],
    ['10.245.0.0/24', undefined],
    ['10.244.3.0/25', undefined],
  ])('indexOf(%s) = %s', (cidr, want) => {
    expect(new CidrSet().indexOf(cidr)).toBe(want);
  });

  it('round-trips IPv4 addresses', () => {
    expect(formatIPv4(parseIPv4('10.244.255.0')!)).toBe('10.244.255.0');
    expect(parseIPv4('300.1.1.1')).toBeUndefined();
  });
});

function node(name: string, podCIDR?: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}`, resourceVersion: '1' }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

describe('node IPAM controller', () => {
  it('patches a podCIDR onto every node without one, in order of first sight, skipping CIDRs in use', () => {
    const h = new Harness(nodeIpamControllerMachine);
    h.list('nodeipam/nodes', [node('a'), node('b', '10.244.0.0/24'), node('c')]);
    const sent = h.sent();
    expect(show(sent)).toEqual(['PATCH nodes/a', 'PATCH nodes/c']);
    expect(sent.map((s) => [s.req.patchType, s.req.body])).toEqual([
      ['merge', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }],
      ['merge', { spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }],
    ]);
    h.watch('nodeipam/nodes', 'ADDED', node('d'));
    expect(h.sent().map((s) => (s.req.body as Node).spec.podCIDR)).toEqual(['10.244.3.0/24']);
  });

  it('never gives out the same CIDR twice, even while a patch is in flight', () => {
    const h = new Harness(nodeIpamControllerMachine);
    h.list('nodeipam/nodes', [node('a')]);
    const [patch] = h.sent();
    h.watch('nodeipam/nodes', 'MODIFIED', { ...node('a'), metadata: { ...node('a').metadata, labels: { x: 'y' } } });
    expect(h.sent()).toEqual([]);
    h.respond(patch!, 200, { ...node('a', '10.244.0.0/24'), metadata: { name: 'a', resourceVersion: '900' } });
    expect(h.sent()).toEqual([]);
    h.watch('nodeipam/nodes', 'MODIFIED', node('a', '10.244.0.0/24'), '900');
    h.watch('nodeipam/nodes', 'ADDED', node('b'));
    expect(h.sent().map((s) => (s.req.body as Node).spec.podCIDR)).toEqual(['10.244.1.0/24']);
  });

  it('reports CIDRNotAvailable when the range is full', () => {
    const full = Array.from({ length: 256 }, (_, i) => node(`n${i}`, `10.244.${i}.0/24`));
    const h = new Harness(nodeIpamControllerMachine);
    h.list('nodeipam/nodes', [...full, node('late')]);
    expect(h.events()).toEqual([{ reason: 'CIDRNotAvailable', message: 'Node late status is now: CIDRNotAvailable' }]);
    expect(h.sent()).toEqual([]);
  });
});
