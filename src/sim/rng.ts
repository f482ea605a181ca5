/**
 * Seeded randomness. One root seed; each subsystem derives its own stream by name, so drawing
 * more numbers in one subsystem never reshuffles another. Probabilities are integer ratios.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

type Generator = ReturnType<typeof xoroshiro128plus>;

/** FNV-1a over the seed and the stream name: a stable 32-bit seed per stream. */
function deriveSeed(root: number, name: string): number {
  let h = 0x811c9dc5 ^ (root >>> 0);
  h = Math.imul(h, 0x01000193);
  h ^= Math.floor(root / 2 ** 32) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private gen: Generator;
  constructor(readonly seed: number, readonly name: string) {
    this.gen = xoroshiro128plus(deriveSeed(seed, name));
  }
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return uniformInt(this.gen, min, max);
  }
  /** True with probability num/den. */
  chance(num: number, den: number): boolean {
    if (num <= 0) return false;
    if (num >= den) return true;
    return this.int(0, den - 1) < num;
  }
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }
  /** A string of `n` characters from `alphabet`. */
  string(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

/** The root of a run's randomness: hands out one named stream per subsystem. */
export class Seeds {
  private streams = new Map<string, Rng>();
  constructor(readonly seed: number) {}
  stream(name: string): Rng {
    let r = this.streams.get(name);
    if (!r) {
      r = new Rng(this.seed, name);
      this.streams.set(name, r);
    }
    return r;
  }
}
