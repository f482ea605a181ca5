/** The committed cases and generated tests are what `kubelife conformance generate` writes today. */
import { describe, expect, it } from 'vitest';
import { writeGenerated } from '../../src/conformance/generate.ts';

describe('generated conformance output', () => {
  it('has not drifted from the machines and recipes', () => {
    const differ = writeGenerated(process.cwd(), true);
    expect(differ, `out of date: ${differ.join(', ')}; run: npx kubelife conformance generate`).toEqual([]);
  });
});
