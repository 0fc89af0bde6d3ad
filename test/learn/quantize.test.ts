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
