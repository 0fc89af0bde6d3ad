/**
 * `simulate` monitors beyond the STDP family: weights of every plastic projection (any rule, any
 * connectivity, as a dense [nIn][nOut] matrix) and the integer state of fixed-point neurons.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { simulate, type SpikeInputFile } from '../../host/runtime/simulate.js';
import { validateSpec } from '../../host/spec/validate.js';

const lif = { model: 'lif', tauMemMs: 10, tauSynMs: 5, threshold: 0.5, reset: { mode: 'value', value: 0 }, refractoryMs: 1 };

function drive(nIn: number, durationMs: number): SpikeInputFile {
  // Every input fires regularly, offset by its index, so pre and post spikes interleave.
  return {
    durationMs,
    inputs: Array.from({ length: nIn }, (_, index) => ({
      population: 'input', index, timesMs: Array.from({ length: Math.floor(durationMs / 10) }, (_, k) => k * 10 + (index % 7)),
    })),
  };
}

describe('simulate records what the newer rules and neurons change', () => {
  it('records the weights of a sign-diverse Hebbian projection by default, and they move', () => {
    const spec = validateSpec({
      version: 1, name: 'hebb', dtMs: 1, seed: 3,
      input: { width: 12, height: 1, polarity: 'merge' },
      populations: [{ name: 'out', size: 5, neuron: lif }],
      projections: [{
        from: 'input', to: 'out', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.1, high: 0.4 } },
        plasticity: { rule: 'hebb-signed', tauPreMs: 20, tauPostMs: 20, etaPre: 0.002, etaPost: 0.004, flippedFraction: 0.4, wMin: -1, wMax: 1, bounds: 'additive', pairing: 'all-to-all' },
      }],
    });
    const traces = simulate(new Runtime(planModel(spec), 'simd'), drive(12, 200));
    const w = traces['input->out.w'] as number[][];
    expect(w).toHaveLength(12 * 5);
    const moved = w.filter((row) => row[row.length - 1] !== row[0]).length;
    expect(moved).toBeGreaterThan(0);
    for (const row of w) for (const x of row) expect(Math.abs(x)).toBeLessThanOrEqual(1);
  });

  it('records a sparse STDP projection as its dense matrix with absent synapses at 0', () => {
    const spec = validateSpec({
      version: 1, name: 'sparse', dtMs: 1, seed: 5,
      input: { width: 16, height: 1, polarity: 'merge' },
      populations: [{ name: 'out', size: 6, neuron: lif }],
      projections: [{
        from: 'input', to: 'out', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.2, high: 0.6 } },
        connectivity: { kind: 'sparse', fanIn: 4 },
        plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.01, etaMinus: 0.012, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'all-to-all' },
      }],
    });
    const rt = new Runtime(planModel(spec), 'scalar');
    const traces = simulate(rt, drive(16, 150));
    const w = traces['input->out.w'] as number[][];
    expect(w).toHaveLength(16 * 6);
    const present = w.filter((row) => row.some((x) => x !== 0)).length;
    expect(present).toBe(4 * 6); // fan-in 4 per target neuron
    const last = rt.weightsF32('input->out');
    w.forEach((row, k) => expect(row[row.length - 1]).toBe(last[k]));
  });

  it('records integer v and I of a fixed-point (lif-i16) population', () => {
    const spec = validateSpec({
      version: 1, name: 'fixed', dtMs: 1, seed: 9,
      input: { width: 10, height: 1, polarity: 'merge' },
      populations: [{ name: 'fx', size: 7, neuron: { model: 'lif-i16', shiftMem: 4, shiftSyn: 2, threshold: 3000, reset: { mode: 'subtract' }, refractoryMs: 2 } }],
      projections: [{ from: 'input', to: 'fx', weights: { dtype: 'int16', init: { kind: 'uniform', low: 200, high: 1500 } } }],
    });
    const traces = simulate(new Runtime(planModel(spec), 'simd'), drive(10, 100));
    const v = traces['fx.v'] as number[][];
    expect(v).toHaveLength(7);
    expect(traces['fx.b']).toBeUndefined();
    for (const row of v) for (const x of row) expect(Number.isInteger(x)).toBe(true);
    expect(v.some((row) => row.some((x) => x !== 0))).toBe(true);
  });
});
