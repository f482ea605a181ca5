/**
 * Pod IP allocation from the node's spec.podCIDR, as the CNI host-local IPAM plugin does it: the
 * first address is the bridge gateway, pods get the next free one after the last handed out
 * (round-robin, so a released address is not reused at once), and a live address is never given
 * twice.
 */

import { formatIPv4, splitCidr } from '../../src/api/ip.ts';

export { formatIPv4 } from '../../src/api/ip.ts';

export class PodIpam {
  /** First and last assignable addresses (the gateway and broadcast excluded). */
  readonly first: number;
  readonly last: number;
  private byOwner = new Map<string, number>();
  private used = new Set<number>();
  private lastAllocated: number;

  constructor(readonly cidr: string) {
    const { address: base, bits } = splitCidr(cidr);
    if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`ipam: unsupported pod CIDR ${JSON.stringify(cidr)}`);
    const size = 2 ** (32 - bits);
    const network = base - (base % size);
    this.first = network + 2;
    this.last = network + size - 2;
    this.lastAllocated = this.first - 1;
  }

  /** "10.244.1.1-10.244.1.254": the range as the bridge plugin prints it (gateway included). */
  rangeText(): string {
    return `${formatIPv4(this.first - 1)}-${formatIPv4(this.last)}`;
  }

  /** The owner's address, allocating one if it has none; undefined when the range is full. */
  allocate(owner: string): string | undefined {
    const held = this.byOwner.get(owner);
    if (held !== undefined) return formatIPv4(held);
    const span = this.last - this.first + 1;
    for (let i = 1; i <= span; i++) {
      const candidate = this.first + ((this.lastAllocated - this.first + i) % span);
      if (this.used.has(candidate)) continue;
      this.used.add(candidate);
      this.byOwner.set(owner, candidate);
      this.lastAllocated = candidate;
      return formatIPv4(candidate);
    }
    return undefined;
  }

  release(owner: string): void {
    const held = this.byOwner.get(owner);
    if (held === undefined) return;
    this.byOwner.delete(owner);
    this.used.delete(held);
  }

  /** Addresses in use (for invariants: no two live pods share one). */
  live(): string[] {
    return [...this.used].sort((a, b) => a - b).map(formatIPv4);
  }
}
