/**
 * The continual learners end to end on data the project makes (emulated MNIST digits, no shared
 * fixtures): every readout (delta, CLASSP, NCM, Hopfield) and the feature modes run through the
 * wasm kernels in a small class-incremental scenario; centroid readouts never predict a class
 * they have not seen; memory beside the arena is what the learner stores.
 */
import { describe, expect, it } from 'vitest';
import { emulatedDigits, LEARNERS } from '../../../host/learn/scenarios/index.js';
import { classIncremental, poolScenario, runScenario } from '../../../host/learn/scenarios/scenarios.js';
import { loadExperimentSpec, MODELS } from '../../../host/learn/experiments/models.js';

describe('continual learners on emulated digits', () => {
  const digits = emulatedDigits(160, 3);
  const all = Array.from({ length: digits.count }, (_, i) => i).filter((i) => digits.label(i) < 4);
  const train = all.slice(0, Math.floor(all.length * 0.7));
  const test = all.slice(train.length);
  const s = classIncremental(digits, train, test, 2, 4);

  for (const l of LEARNERS) {
    it(l.id, () => {
      const m = MODELS.find((x) => x.id === l.model)!;
      const spec = loadExperimentSpec(m);
      const r = runScenario(poolScenario(s, { width: 34, height: 34 }, m.pool), spec, { ...l, readoutRate: l.readoutRate ?? 0.1 }, 1, { joint: false, experts: true });
      expect(r.R).toHaveLength(2);
      for (const row of r.R) for (const x of row) expect(x >= 0 && x <= 1).toBe(true);
      if (l.readout === 'ncm' || l.readout === 'hopfield') expect(r.R[0][1]).toBe(0);
      // After task 1 a learner has seen two classes: far better than guessing among four.
      expect(r.R[0][0]).toBeGreaterThan(0.5);
      const F = 250; // nFeat of the MCU models' readout (their hidden layer)
      const C = 10;
      const expected = { delta: 0, classp: 2 * F * C, ncm: F * C + C, hopfield: 2 * F * C + C }[l.readout] + (l.modes ? 2 * F : 0);
      expect(r.extraBytes).toBe(expected * 4);
      expect(r.lifelong!.rpPerTask).toHaveLength(2);
      if (l.modes) expect(Object.keys(r.histograms)).toContain('mode gains');
    }, 30_000);
  }
});
