import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

// The model and the simulation runtime must never look at the wall clock or an unseeded random.
const FORBIDDEN = [/\bDate\.now\s*\(/, /\bMath\.random\s*\(/, /\bnew Date\(\s*\)/, /\bperformance\.now\s*\(/, /(^|[^.\w])setTimeout\s*\((?![^)]*:)/, /(^|[^.\w])setInterval\s*\(/, /\bsetImmediate\s*\(/];

describe('determinism', () => {
  const roots = ['machines', 'src/sim', 'src/scenario', 'src/check'];
  for (const root of roots) {
    it(`${root} uses no wall clock, real timers or unseeded randomness`, () => {
      const offenders: string[] = [];
      for (const f of files(root)) {
        const lines = readFileSync(f, 'utf8').split('\n');
        lines.forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, '');
          for (const re of FORBIDDEN) if (re.test(code)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
        });
      }
      expect(offenders).toEqual([]);
    });
  }
});
