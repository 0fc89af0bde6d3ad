/**
 * R-STDP composed from a spec (rule "r-stdp" + Runtime.deliverReward): a neuron learns to fire
 * for the rewarded input pattern and not for the punished one (Izhikevich 2007's task in
 * miniature). Control in the same test: a reward whose sign is random (independent of what the
 * neuron did) must leave it unselective.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { presentSample } from '../../host/learn/online.js';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { Xoshiro128 } from '../../host/util/prng.js';

const spec = validateSpec({
  version: 1, name: 'rstdp', dtMs: 1, seed: 5,
  input: { width: 20, height: 1, polarity: 'merge' },
  populations: [{ name: 'out', size: 1, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 } }],
  projections: [{
    from: 'input', to: 'out', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.15, high: 0.3 } },
    plasticity: { rule: 'r-stdp', tauPreMs: 20, tauPostMs: 20, tauEligibilityMs: 200, aPlus: 1, aMinus: 1.05, learningRate: 0.02, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'all-to-all' },
  }],
});

function pattern(which: 0 | 1, rng: Xoshiro128): EventBatch {
  const ev: [number, number][] = [];
  for (let i = 0; i < 10; i++) for (let t = 0; t < 100; t++) if (rng.nextFloat() < 0.08) ev.push([t * 1000 + 10, which * 10 + i]);
  ev.sort((a, b) => a[0] - b[0]);
  const b = allocBatch(ev.length);
  ev.forEach(([t, x], k) => { b.t[k] = t; b.x[k] = x; });
  return makeBatch(b, ev.length);
}

function train(shuffledReward: boolean): { pA: number; pB: number; wA: number; wB: number } {
  const rt = new Runtime(planModel(spec));
  const rng = new Xoshiro128(shuffledReward ? 11 : 12);
  const out = rt.population('out');
  for (let trial = 0; trial < 300; trial++) {
    const which = rng.nextFloat() < 0.5 ? 0 : 1;
    presentSample(rt, pattern(which, rng), { learn: true });
    const fired = out.counts[0] > 0;
    const sign = shuffledReward ? (rng.nextFloat() < 0.5 ? 1 : -1) : which === 0 ? 1 : -1;
    if (fired) rt.deliverReward(sign);
  }
  let a = 0, b = 0;
  for (let k = 0; k < 40; k++) {
    presentSample(rt, pattern(0, rng), { learn: false }); a += out.counts[0] > 0 ? 1 : 0;
    presentSample(rt, pattern(1, rng), { learn: false }); b += out.counts[0] > 0 ? 1 : 0;
  }
  const w = rt.weightsF32('input->out');
  const mean = (lo: number) => Array.from(w.slice(lo, lo + 10)).reduce((s, x) => s + x, 0) / 10;
  expect(Array.from(w).every((x) => x >= 0 && x <= 1)).toBe(true);
  return { pA: a / 40, pB: b / 40, wA: mean(0), wB: mean(10) };
}

describe('R-STDP from a spec', () => {
  it('learns to fire for the rewarded pattern; a random-sign reward does not', () => {
    const learned = train(false);
    const control = train(true);
    console.log(`r-stdp: P(fire|A) ${learned.pA}, P(fire|B) ${learned.pB}, w ${learned.wA.toFixed(3)}/${learned.wB.toFixed(3)}; control ${control.pA}/${control.pB}`);
    expect(learned.pA - learned.pB).toBeGreaterThan(0.6);
    expect(learned.wA).toBeGreaterThan(learned.wB);
    expect(Math.abs(control.pA - control.pB)).toBeLessThan(0.4);
  });

  it('deliverReward is refused for a model without r-stdp', () => {
    const plain = validateSpec({ ...spec, projections: [{ ...spec.projections[0], plasticity: undefined }] });
    expect(() => new Runtime(planModel(plain)).deliverReward(1)).toThrow(/no r-stdp projection/);
  });
});
