/**
 * Pod IP allocation from the node's spec.podCIDR, as the CNI host-local IPAM plugin does it: the
 * first address is the bridge gateway, pods get the next free one after the last handed out
 * (round-robin, so a released address is not reused at once), and a live address is never given
 * twice.
 */

import { formatIPv4, parseIPv4, splitCidr } from '../../src/api/ip.ts';
import { NO_BUGS, type Bugs } from '../bugs.ts';

export { formatIPv4 } from '../../src/api/ip.ts';

export class PodIpam {
  /** First and last assignable addresses (the gateway and broadcast excluded). */
  readonly first: number;
  readonly last: number;
  private byOwner = new Map<string, number>();
  private used = new Set<number>();
  private lastAllocated: number;

  /** `bugs`: the bug zoo's switches (machines/bugs.ts); none in the correct model. */
  constructor(readonly cidr: string, private readonly bugs: Bugs = NO_BUGS) {
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
      // Bug zoo: hand out the lowest address, live or not.
      if (this.bugs.has('ipam-reuses-live-ip')) return formatIPv4(this.first);
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

  /** Who holds an address ("namespace/name/uid"), in allocation order. */
  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  /**
   * Records that `owner` holds `ip` (a sandbox found running after a restart): true when it is
   * now the owner's, false when the address is outside the range or held by another.
   */
  claim(owner: string, ip: string): boolean {
    const held = this.byOwner.get(owner);
    const n = parseIPv4(ip);
    if (held !== undefined) return held === n;
    if (n === undefined || n < this.first || n > this.last || this.used.has(n)) return false;
    this.used.add(n);
    this.byOwner.set(owner, n);
    return true;
  }

  /** Addresses in use (for invariants: no two live pods share one). */
  live(): string[] {
    return [...this.used].sort((a, b) => a - b).map(formatIPv4);
  }
}
