/**
 * Post-training quantisation of the learned demo model: accuracy change of int16 and int8
 * weights (per-target-neuron scales) against f32 on held-out emulated digits. A reduced run
 * (2,000 digits learned, 500 held out) keeps CI time low; the changes are printed and bounded:
 * int16 within 1 point, int8 within 3 points of f32.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { EventEmulator } from '../../host/events/emulator.js';
import { loadMnistDigits, splitMnist } from '../../host/learn/datasets/mnist.js';
import { OnlineLearner, DEFAULT_READOUT_RATES, presentSample } from '../../host/learn/online.js';
import { quantizeRuntime } from '../../host/learn/quantize.js';
import { validateSpec } from '../../host/spec/validate.js';

describe('post-training quantisation of the demo model', () => {
  it('int16 and int8 keep the accuracy of the learned f32 model', () => {
    const spec = loadModelSpec('nmnist-stdp-wta');
    const rt = new Runtime(planModel(spec));
    const digits = loadMnistDigits();
    const split = splitMnist(5, 2000, 500);
    const emu = new EventEmulator({ sensorSeed: 5 });
    const ev = (k: number) => emu.emulate(digits.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: k });
    const learner = new OnlineLearner(rt, { plasticity: true, capacity: 2000 });
    for (const k of split.train) learner.observe(ev(k), digits.labels[k]);
    learner.finish(DEFAULT_READOUT_RATES);
    const models = { f32: rt, int16: quantizeRuntime(rt, 'int16'), int8: quantizeRuntime(rt, 'int8') };
    const acc: Record<string, number> = {};
    for (const [name, m] of Object.entries(models)) {
      let correct = 0;
      for (const k of split.test) {
        presentSample(m, ev(k), { learn: false });
        if (m.readoutPredict() === digits.labels[k]) correct++;
      }
      acc[name] = correct / split.test.length;
    }
    const bytes = Object.fromEntries(Object.entries(models).map(([k, m]) => [k, m.plan.bytesByKind.weights]));
    console.log(`quantisation: accuracy ${JSON.stringify(acc)}, weight bytes ${JSON.stringify(bytes)}`);
    expect(models.int8.counters().synopsI8).toBeGreaterThan(0);
    expect(models.int16.counters().synopsI16).toBeGreaterThan(0);
    expect(Math.abs(acc.int16 - acc.f32)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(acc.int8 - acc.f32)).toBeLessThanOrEqual(0.03);
    expect(bytes.int8).toBeLessThan(bytes.f32 / 3.9);
  }, 120_000);
});

describe('learning directly in int8 (stochastic rounding)', () => {
  it('the demo model learns in int8 weights close to its f32 accuracy, in a quarter of the weight bytes', () => {
    const base = loadModelSpec('nmnist-stdp-wta');
    const variant = (dtype: 'f32' | 'int8') => validateSpec({
      ...base,
      name: `demo-${dtype}`,
      projections: base.projections.map((p) => ({ ...p, weights: { ...p.weights, dtype }, plasticity: { ...p.plasticity!, wMax: 0.25 } })),
    });
    const digits = loadMnistDigits();
    const split = splitMnist(7, 2000, 500);
    const emu = new EventEmulator({ sensorSeed: 7 });
    const ev = (k: number) => emu.emulate(digits.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: k });
    const acc: Record<string, number> = {};
    const bytes: Record<string, number> = {};
    for (const dtype of ['f32', 'int8'] as const) {
      const rt = new Runtime(planModel(variant(dtype)));
      const learner = new OnlineLearner(rt, { plasticity: true, capacity: 2000 });
      for (const k of split.train) learner.observe(ev(k), digits.labels[k]);
      learner.finish(DEFAULT_READOUT_RATES);
      let correct = 0;
      for (const k of split.test) {
        presentSample(rt, ev(k), { learn: false });
        if (rt.readoutPredict() === digits.labels[k]) correct++;
      }
      acc[dtype] = correct / split.test.length;
      bytes[dtype] = rt.plan.bytesByKind.weights;
      if (dtype === 'int8') {
        const w = rt.weights('input->hidden') as Int8Array;
        expect(w.every((q) => q >= 0 && q <= 127)).toBe(true);
        expect(rt.counters().weightUpdates).toBeGreaterThan(0);
      }
    }
    console.log(`int8 learning: accuracy ${JSON.stringify(acc)}, weight bytes ${JSON.stringify(bytes)}`);
    expect(acc.int8).toBeGreaterThanOrEqual(acc.f32 - 0.05);
    expect(bytes.int8).toBeLessThan(bytes.f32 / 3.9);
  }, 180_000);
});
