/**
 * The learner's third-factor hook (online.ts `afterLearn`) and the decision reward of reward.ts:
 * an R-STDP network of two class groups, trained by OnlineLearner with no teacher, must come to
 * decide correctly between two input patterns from the reward alone; the same network given a
 * reward of random sign (a hook that ignores the decision) must not.
 */
import { describe, expect, it } from 'vitest';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { OnlineLearner, presentSample } from '../../host/learn/online.js';
import { decisionReward, hasRewardPlasticity } from '../../host/learn/reward.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Xoshiro128 } from '../../host/util/prng.js';

const spec = validateSpec({
  version: 1, name: 'reward-groups', dtMs: 1, seed: 3,
  input: { width: 20, height: 1, polarity: 'merge' },
  populations: [{
    name: 'hidden', size: 4,
    neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 },
    wta: { k: 1, inhibition: 1 },
  }],
  projections: [{
    from: 'input', to: 'hidden', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.15, high: 0.3 } },
    plasticity: { rule: 'r-stdp', tauPreMs: 20, tauPostMs: 20, tauEligibilityMs: 1000, aPlus: 1, aMinus: 0, learningRate: 0.01, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all' },
  }],
  readout: { from: 'hidden', classes: 2, rule: 'delta', learningRate: 0.5 },
});

/** Pattern c: inputs 10c..10c+9 fire at 8% per ms for 100 ms. */
function pattern(c: number, rng: Xoshiro128): EventBatch {
  const ev: [number, number][] = [];
  for (let t = 0; t < 100; t++) for (let i = 0; i < 10; i++) if (rng.nextFloat() < 0.08) ev.push([t * 1000 + 10, c * 10 + i]);
  const b = allocBatch(ev.length);
  ev.forEach(([t, x], k) => { b.t[k] = t; b.x[k] = x; });
  return makeBatch(b, ev.length);
}

/** Fraction of fresh samples on which the group with the most spikes is the label. */
function groupAccuracy(rt: Runtime, rng: Xoshiro128): number {
  const counts = rt.population('hidden').counts;
  let ok = 0;
  for (let k = 0; k < 50; k++) {
    const c = k % 2;
    presentSample(rt, pattern(c, rng), { learn: false });
    const g0 = counts[0] + counts[1];
    const g1 = counts[2] + counts[3];
    if ((c === 0 && g0 > g1) || (c === 1 && g1 > g0)) ok++;
  }
  return ok / 50;
}

/** A runtime whose initial weights make group 0 win for both patterns (right half the time). */
function oneSided(): Runtime {
  const rt = new Runtime(planModel(spec));
  const w = rt.weights('input->hidden') as Float32Array;
  for (let i = 0; i < 20; i++) for (let j = 0; j < 4; j++) w[i * 4 + j] = j < 2 ? 0.3 : 0.2;
  return rt;
}

function train(randomReward: boolean): number {
  const rt = oneSided();
  const rng = new Xoshiro128(7);
  const coin = new Xoshiro128(8);
  const learner = new OnlineLearner(rt, {
    plasticity: true,
    capacity: 400,
    afterLearn: randomReward ? (r) => r.deliverReward(coin.nextFloat() < 0.5 ? 0.5 : -0.5) : undefined,
  });
  for (let k = 0; k < 400; k++) {
    const c = rng.nextFloat() < 0.5 ? 0 : 1;
    learner.observe(pattern(c, rng), c);
  }
  const acc = groupAccuracy(rt, rng);
  const w = rt.weightsF32('input->hidden');
  expect(Array.from(w).every((x) => x >= 0 && x <= 1)).toBe(true);
  rt.dispose();
  return acc;
}

describe('decision reward through the learner hook', () => {
  it('an r-stdp model gets the decision reward by default and learns to decide from it alone', () => {
    const rt = oneSided();
    expect(hasRewardPlasticity(rt)).toBe(true);
    expect(groupAccuracy(rt, new Xoshiro128(9))).toBe(0.5);
    rt.dispose();
    const learned = train(false);
    const control = train(true);
    console.log(`decision reward: group accuracy ${learned}; random-sign reward ${control}`);
    expect(learned).toBeGreaterThan(0.85);
    expect(control).toBeLessThan(0.7);
  });

  it('refuses a population that does not split into the readout classes', () => {
    const odd = validateSpec({ ...spec, populations: [{ ...spec.populations[0], size: 3 }] });
    const rt = new Runtime(planModel(odd));
    expect(() => decisionReward(rt)).toThrow(/3 neurons\) must split into 2 equal class groups/);
    rt.dispose();
  });
});
