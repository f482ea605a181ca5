/**
 * A set of pod CIDRs carved out of the cluster CIDR (pkg/controller/nodeipam/ipam/cidrset): the
 * cluster range split into subnets of one mask size, handed out from a rotating candidate so a
 * released subnet is not reused until the others have had their turn. IPv4 only.
 */
import { formatIPv4, splitCidr } from '../../src/api/ip.ts';

export { formatIPv4, parseIPv4 } from '../../src/api/ip.ts';

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

export class CidrSet {
  private readonly base: number;
  private readonly step: number;
  /** How many subnets the cluster CIDR holds. */
  readonly size: number;
  private readonly used = new Set<number>();
  private nextCandidate = 0;

  constructor(readonly clusterCidr = DEFAULT_CLUSTER_CIDR, readonly maskSize = DEFAULT_NODE_CIDR_MASK_SIZE) {
    const { address: base, bits: prefix } = splitCidr(clusterCidr);
    if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`invalid cluster CIDR ${clusterCidr}`);
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 32) throw new Error(`invalid node CIDR mask size ${maskSize} for ${clusterCidr}`);
    if (maskSize - prefix > 16) throw new Error(`the cluster CIDR ${clusterCidr} holds too many /${maskSize} subnets`);
    this.step = 2 ** (32 - maskSize);
    this.base = base - (base % 2 ** (32 - prefix));
    this.size = 2 ** (maskSize - prefix);
  }

  /** The subnet with this index, as "a.b.c.d/m". */
  cidrAt(index: number): string {
    return `${formatIPv4(this.base + index * this.step)}/${this.maskSize}`;
  }

  /** The index of a subnet of this set, or undefined when the CIDR is not one of them. */
  indexOf(cidr: string): number | undefined {
    const { address: n, bits } = splitCidr(cidr);
    if (n === undefined || bits !== this.maskSize) return undefined;
    const offset = n - this.base;
    if (offset < 0 || offset % this.step !== 0 || offset / this.step >= this.size) return undefined;
    return offset / this.step;
  }

  /** Marks a subnet as taken (a node that already has it). Returns false when it is not ours. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  /** The next free subnet from the rotating candidate, or undefined when all are taken. */
  allocateNext(): string | undefined {
    for (let k = 0; k < this.size; k++) {
      const i = (this.nextCandidate + k) % this.size;
      if (this.used.has(i)) continue;
      this.used.add(i);
      this.nextCandidate = (i + 1) % this.size;
      return this.cidrAt(i);
    }
    return undefined;
  }

  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  isUsed(cidr: string): boolean {
    const i = this.indexOf(cidr);
    return i !== undefined && this.used.has(i);
  }

  usedCount(): number {
    return this.used.size;
  }
}
