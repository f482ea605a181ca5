/**
 * IPv4 addresses as 32-bit unsigned integers, and CIDR text ("10.244.1.0/24") split into its
 * address and prefix length. Shared by the node IPAM controller and the kubelet's pod IPAM.
 */

/** "10.244.1.0" -> 32-bit unsigned integer; undefined when it is not a dotted quad. */
export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
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

/**
 * "a.b.c.d/m" -> its address (undefined when not a dotted quad) and prefix length (NaN when
 * missing or not a number). Range checks are left to the caller.
 */
export function splitCidr(cidr: string): { address: number | undefined; bits: number } {
  const [ip, bits] = cidr.split('/');
  return { address: parseIPv4(ip ?? ''), bits: Number(bits) };
}
