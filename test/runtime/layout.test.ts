/**
 * Weight layouts: a post-major projection (rows per target neuron, SIMD LTP rows) computes
 * exactly what the pre-major one does (rows per input, SIMD forward and LTD rows): same spikes,
 * same weights up to the transpose, in both builds — on the demo model learning real digits.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { validateSpec } from '../../host/spec/validate.js';
import { EventEmulator } from '../../host/events/emulator.js';
import { loadMnistDigits } from '../../host/learn/datasets/mnist.js';
import { presentSample } from '../../host/learn/online.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../host/runtime/checkpoint.js';

describe('post-major weight layout', () => {
  it('gives the same learning as pre-major (spikes, weights up to transpose), both builds', () => {
    const base = loadModelSpec('nmnist-stdp-wta');
    const withLayout = (layout: 'pre-major' | 'post-major') =>
      validateSpec({ ...base, projections: base.projections.map((p) => ({ ...p, plasticity: { ...p.plasticity!, etaMinus: 0.0005 }, layout })) });
    const digits = loadMnistDigits();
    const emu = new EventEmulator();
    const samples = Array.from({ length: 12 }, (_, k) => ({ ev: emu.emulate(digits.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: k }), label: digits.labels[k] }));
    const results = (['pre-major', 'post-major'] as const).flatMap((layout) =>
      (['simd', 'scalar'] as const).map((build) => {
        const rt = new Runtime(planModel(withLayout(layout)), build);
        const counts: number[][] = [];
        for (const s of samples) {
          presentSample(rt, s.ev, { learn: true, teacher: s.label });
          counts.push(Array.from(rt.population('hidden').counts));
        }
        return { layout, build, w: rt.weightsF32('input->hidden'), counts, weightUpdates: rt.counters().weightUpdates, rt };
      }),
    );
    const ref = results[0];
    expect(ref.counts.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const r of results.slice(1)) {
      expect(r.counts, `${r.layout}/${r.build}`).toEqual(ref.counts);
      expect(Array.from(r.w), `${r.layout}/${r.build}`).toEqual(Array.from(ref.w));
      expect(r.weightUpdates).toBe(ref.weightUpdates);
    }
    // A post-major checkpoint round-trips its layout.
    const pm = results[2].rt;
    const back = decodeCheckpoint(encodeCheckpoint(pm));
    expect(back.plan.projections[0].layout).toBe('post-major');
    expect(Array.from(back.weightsF32('input->hidden'))).toEqual(Array.from(ref.w));
  }, 120_000);

  it('is refused for integer weights with a path', () => {
    const base = loadModelSpec('nmnist-stdp-wta');
    expect(() => validateSpec({ ...base, projections: base.projections.map((p) => ({ ...p, plasticity: undefined, weights: { ...p.weights, dtype: 'int8' }, layout: 'post-major' })) }))
      .toThrow(/projections\[0\]\.layout: "post-major" needs f32 weights/);
  });
});
