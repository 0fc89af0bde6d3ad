/**
 * The stochastic escape-noise LIF as a spec model: seeded and bit-identical across builds, and
 * as its threshold width deltaU -> 0 (with a high rate at threshold) it becomes the
 * deterministic LIF: the same input gives (nearly) the same spike steps.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { allocBatch, makeBatch } from '../../host/events/types.js';

function spec(model: 'lif' | 'lif-escape', deltaU = 0.05, seed = 3, escapeRateHz = 1e6) {
  const neuron = { tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 };
  return validateSpec({
    version: 1, name: 'esc', dtMs: 1, seed,
    input: { width: 16, height: 16, polarity: 'merge' },
    populations: [{ name: 'h', size: 37, neuron: model === 'lif' ? { model, ...neuron } : { model, ...neuron, escapeRateHz, deltaU } }],
    projections: [{ from: 'input', to: 'h', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.4 } } }],
  });
}

function drive(rt: Runtime): number[][] {
  const b = allocBatch(3000);
  let s = 7;
  for (let k = 0; k < 3000; k++) { s = (s * 1103515245 + 12345) >>> 0; b.t[k] = k * 100; b.x[k] = s % 16; b.y[k] = (s >>> 8) % 16; }
  const trains: number[][] = [];
  const counts = rt.population('h').counts;
  let prev = Float32Array.from(counts);
  const batch = makeBatch(b, 3000);
  for (let step = 0; step < 300; step++) {
    // one step at a time, events of this step only
    const lo = step * 1000, hi = lo + 1000;
    let a = 0; while (a < 3000 && batch.t[a] < lo) a++;
    let z = a; while (z < 3000 && batch.t[z] < hi) z++;
    const slice = allocBatch(z - a);
    for (let q = a; q < z; q++) { slice.t[q - a] = batch.t[q]; slice.x[q - a] = batch.x[q]; slice.y[q - a] = batch.y[q]; }
    rt.run(makeBatch(slice, z - a), { startUs: lo, steps: 1 });
    const fired: number[] = [];
    counts.forEach((c, j) => { if (c !== prev[j]) fired.push(j); });
    prev = Float32Array.from(counts);
    trains.push(fired);
  }
  return trains;
}

describe('lif-escape neuron', () => {
  it('is seeded and bit-identical in both builds; another seed gives other spikes', () => {
    const a = drive(new Runtime(planModel(spec('lif-escape', 0.2, 3, 100)), 'simd'));
    const b = drive(new Runtime(planModel(spec('lif-escape', 0.2, 3, 100)), 'scalar'));
    const c = drive(new Runtime(planModel(spec('lif-escape', 0.2, 4, 100)), 'simd'));
    expect(a).toEqual(b);
    expect(a.flat().length).toBeGreaterThan(50);
    expect(c).not.toEqual(a);
  });

  it('approaches the deterministic LIF as deltaU -> 0', () => {
    const det = drive(new Runtime(planModel(spec('lif'))));
    const esc = drive(new Runtime(planModel(spec('lif-escape', 1e-6))));
    const key = (t: number[][]) => new Set(t.flatMap((s, k) => s.map((j) => `${k}:${j}`)));
    const d = key(det), e = key(esc);
    const common = [...d].filter((x) => e.has(x)).length;
    expect(d.size).toBeGreaterThan(50);
    expect(common / d.size).toBeGreaterThan(0.97);
    expect(common / e.size).toBeGreaterThan(0.97);
  });
});
