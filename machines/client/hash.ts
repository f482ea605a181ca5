/** FNV-1a of a string: stable ids and deterministic jitter off the seeded random streams. */
export function fnv(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** 32 hex digits from four FNV-1a hashes of `s` (machine ids, uuids). */
export function hex32(s: string): string {
  return [0, 1, 2, 3].map((i) => fnv(s, 0x811c9dc5 ^ i).toString(16).padStart(8, '0')).join('');
}
