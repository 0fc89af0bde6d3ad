/**
 * Small models that, between them, make the schedule run every op code the Plan can emit. Used by
 * the cost-model tests (test/firmware-sim) and the validation table of docs/firmware-sim.md.
 */
import type { ModelSpec } from '../host/spec/types.js';
import { validateSpec } from '../host/spec/validate.js';

const LIF_NEURON = { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 5, adaptation: { tauMs: 100000, increment: 0.02 } } as const;
const INPUT = { width: 34, height: 34, polarity: 'merge', bufferEvents: 2048, bufferSteps: 128 } as const;
const uniform = (high: number) => ({ kind: 'uniform', low: 0, high }) as const;

/**
 * Small models that, between them, make the schedule run every op code the Plan can emit:
 * escape-noise and Izhikevich neurons, int8 learning with stochastic rounding, int16 weights,
 * the post-major layout, conductance LIF, triplet, symmetric and reward-modulated STDP.
 */
export function kernelVariants(): ModelSpec[] {
  const base = { version: 1, dtMs: 1, seed: 3, input: INPUT, readout: { from: 'h', classes: 10, rule: 'delta', learningRate: 0.5 } };
  const specs: unknown[] = [
    {
      ...base,
      name: 'variant-escape-int8',
      populations: [
        { name: 'h', size: 20, neuron: { ...LIF_NEURON, model: 'lif-escape', escapeRateHz: 20, deltaU: 0.2 }, wta: { k: 2, inhibition: 1 }, teacher: { classes: 10, current: 0.5, suppress: 4 } },
        { name: 'out', size: 10, neuron: { model: 'izhikevich', a: 0.02, b: 0.2, c: -65, d: 8, tauSynMs: 5, integration: 'izhikevich2003' } },
      ],
      projections: [
        { from: 'input', to: 'h', weights: { dtype: 'int8', init: uniform(0.05) }, plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.002, etaMinus: 0.0005, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all', normalize: { targetSum: 5 } } },
        { from: 'h', to: 'out', weights: { dtype: 'int16', init: uniform(20) } },
      ],
    },
    {
      ...base,
      name: 'variant-post-major-cond',
      populations: [
        { name: 'h', size: 20, neuron: { model: 'lif-cond', tauMemMs: 20, tauSynMs: 5, eRevMv: 0, eLeakMv: -70, thresholdMv: -54, reset: { mode: 'value', value: -60 }, refractoryMs: 5 }, teacher: { classes: 10, current: 2, suppress: 1 } },
        { name: 'out', size: 10, neuron: LIF_NEURON },
      ],
      projections: [
        { from: 'input', to: 'h', layout: 'post-major', weights: { dtype: 'f32', init: uniform(0.01) }, plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.001, etaMinus: 0.0005, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'nearest', normalize: { targetNorm: 0.3 } } },
        { from: 'h', to: 'out', layout: 'post-major', weights: { dtype: 'f32', init: uniform(0.5) } },
      ],
    },
    {
      ...base,
      name: 'variant-rules',
      populations: [
        { name: 'h', size: 20, neuron: LIF_NEURON, wta: { k: 1, inhibition: 1 }, teacher: { classes: 10, current: 0.5, suppress: 4 } },
        { name: 'b', size: 10, neuron: LIF_NEURON, teacher: { classes: 10, current: 0.5, suppress: 4 } },
        { name: 'c', size: 10, neuron: LIF_NEURON },
      ],
      projections: [
        { from: 'input', to: 'h', weights: { dtype: 'f32', init: uniform(0.02) }, plasticity: { rule: 'stdp-triplet', tauPlusMs: 17, tauMinusMs: 34, tauXMs: 100, tauYMs: 125, a2Plus: 0.005, a3Plus: 0.006, a2Minus: 0.007, a3Minus: 0.0002, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all', normalize: { targetNorm: 0.5 } } },
        { from: 'input', to: 'b', weights: { dtype: 'f32', init: uniform(0.02) }, plasticity: { rule: 'stdp-symmetric', tauPreMs: 20, tauPostMs: 20, etaPre: 0.001, etaPost: 0.001, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all', normalize: { targetSum: 10 } } },
        { from: 'h', to: 'c', weights: { dtype: 'f32', init: uniform(0.5) }, plasticity: { rule: 'r-stdp', tauPreMs: 20, tauPostMs: 20, tauEligibilityMs: 200, aPlus: 0.01, aMinus: 0.01, learningRate: 0.1, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'all-to-all' } },
      ],
    },
  ];
  return specs.map((s) => validateSpec(s));
}
