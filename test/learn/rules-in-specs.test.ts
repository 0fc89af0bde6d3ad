/**
 * Learning rules composed from model specs alone: the bundled triplet-STDP and symmetric-STDP
 * models learn emulated digits online (1,000 learned, 300 held out) better than the same
 * readout on raw event counts, and better than with their plasticity off.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../host/learn/demo.js';

describe('rules from specs', () => {
  for (const model of ['nmnist-symstdp', 'nmnist-triplet']) {
    it(`${model} learns from its spec`, async () => {
      const r = await runDemo({ model, seed: 2, trainCount: 1000, testCount: 300 });
      console.log(`${model}: network ${r.accuracy}, baseline ${r.baselineAccuracy}, plasticity off ${r.ablationAccuracy}`);
      expect(r.accuracy).toBeGreaterThan(r.baselineAccuracy);
      expect(r.accuracy).toBeGreaterThan(r.ablationAccuracy! + 0.2);
      expect(r.trainCounters.weightUpdates).toBeGreaterThan(0);
    }, 120_000);
  }
});
