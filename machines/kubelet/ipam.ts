/**
 * Pod IP allocation from the node's spec.podCIDR, as the CNI host-local IPAM plugin does it: the
 * first address is the bridge gateway, pods get the next free one after the last handed out
 * (round-robin, so a released address is not reused at once), and a live address is never given
 * twice.
 */

function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Dotted-quad text of a 32-bit address. */
export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export class PodIpam {
  /** First and last assignable addresses (the gateway and broadcast excluded). */
  readonly first: number;
  readonly last: number;
  private byOwner = new Map<string, number>();
  private used = new Set<number>();
  private lastAllocated: number;

  constructor(readonly cidr: string) {
    const [addr, bitsText] = cidr.split('/');
    const base = parseIPv4(addr ?? '');
    const bits = Number(bitsText);
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
