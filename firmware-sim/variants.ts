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
 * the post-major layout, conductance LIF, triplet, symmetric and reward-modulated STDP, and the
 * connectivity ops (sparse CSR and its STDP, conv2d, block-sparse with rewiring, delays, STP), and
 * the rule/neuron ops (TESS, tempotron, e-prop, sign-diverse Hebbian, discrete conductance,
 * Dale's-law EG, fixed-point LIF).
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
    {
      // Connectivity ops (40-49): event-driven conv2d from the sensor, sparse CSR with pair STDP,
      // block-sparse with prune-and-regrow, per-synapse and per-projection delays, STP on sparse
      // (efficacy-scaled CSR into a delay ring) and dense synapses.
      ...base,
      name: 'variant-connectivity',
      populations: [
        { name: 'c', size: 242, neuron: LIF_NEURON },
        { name: 'h', size: 20, neuron: LIF_NEURON, teacher: { classes: 10, current: 0.5, suppress: 4 } },
        { name: 'b', size: 20, neuron: LIF_NEURON },
        { name: 'o', size: 10, neuron: LIF_NEURON },
      ],
      projections: [
        { from: 'input', to: 'c', weights: { dtype: 'f32', init: uniform(0.3) }, connectivity: { kind: 'conv2d', kernel: 5, stride: 3, padding: 1, channels: 2 } },
        { from: 'c', to: 'h', weights: { dtype: 'f32', init: uniform(0.2) }, connectivity: { kind: 'sparse', fanIn: 12 }, plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.002, etaMinus: 0.001, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'all-to-all' } },
        { from: 'c', to: 'b', weights: { dtype: 'f32', init: uniform(0.1) }, connectivity: { kind: 'block-sparse', blocksIn: 11, blocksOut: 4, activeBlocks: 10, pruneRegrow: { intervalMs: 7, fraction: 0.3, initScale: 0.5 } } },
        { from: 'input', to: 'h', weights: { dtype: 'f32', init: uniform(0.01) }, delays: { minMs: 1, maxMs: 4 } },
        { from: 'h', to: 'o', weights: { dtype: 'f32', init: uniform(0.5) }, connectivity: { kind: 'sparse', density: 0.3 }, stp: { U: 0.4, tauRecMs: 60, tauFacMs: 20 }, delayMs: 2 },
        { from: 'b', to: 'o', weights: { dtype: 'f32', init: uniform(0.3) }, stp: { U: 0.5, tauRecMs: 30, tauFacMs: 0 } },
        { from: 'c', to: 'o', weights: { dtype: 'f32', init: uniform(0.05) }, delayMs: 3 },
      ],
    },
    {
      // Rule/neuron ops (50-64): TESS, tempotron, e-prop, Dale's-law EG and discrete-conductance
      // synapses from the sensor (labels: the digits), the fixed-point LIF and sign-diverse
      // Hebbian plasticity behind the TESS layer.
      ...base,
      name: 'variant-rule-ops',
      populations: [
        { name: 'h', size: 20, neuron: LIF_NEURON },
        { name: 't', size: 10, neuron: LIF_NEURON },
        { name: 'e', size: 20, neuron: LIF_NEURON },
        { name: 'f', size: 16, neuron: { model: 'lif-i16', shiftMem: 4, shiftSyn: 2, threshold: 3000, reset: { mode: 'subtract' }, refractoryMs: 2 } },
        { name: 'g', size: 10, neuron: LIF_NEURON },
        { name: 'd', size: 10, neuron: LIF_NEURON },
      ],
      projections: [
        { from: 'input', to: 'h', weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.05, high: 0.1 } }, plasticity: { rule: 'tess', classes: 10, tauPreMs: 5, tauPostMs: 2, aPre: 1, aPost: -0.2, learningRate: 3, pseudoDerivative: 0.3, signalSlope: 40, wMin: -1, wMax: 1, bounds: 'additive' } },
        { from: 'input', to: 't', weights: { dtype: 'f32', init: uniform(0.05) }, plasticity: { rule: 'tempotron', classes: 10, learningRate: 0.01, wMin: -1, wMax: 1 } },
        { from: 'input', to: 'e', weights: { dtype: 'f32', init: uniform(0.05) }, plasticity: { rule: 'eprop', classes: 10, tauPreMs: 20, tauOutMs: 20, learningRate: 0.05, readoutLearningRate: 0.001, pseudoDerivative: 0.3, wMin: -1, wMax: 1, bounds: 'additive' } },
        { from: 'h', to: 'f', weights: { dtype: 'int16', init: { kind: 'uniform', low: -200, high: 1500 } } },
        { from: 'h', to: 'g', weights: { dtype: 'f32', init: uniform(0.3) }, plasticity: { rule: 'hebb-signed', tauPreMs: 20, tauPostMs: 20, etaPre: 0.002, etaPost: 0.004, flippedFraction: 0.5, wMin: -1, wMax: 1, bounds: 'additive', pairing: 'all-to-all' } },
        { from: 'input', to: 'g', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.01, high: 0.05 } }, plasticity: { rule: 'eg-dale', classes: 10, inhibitoryFraction: 0.2, learningRate: 0.05, targetTrace: 2, tauPostMs: 10, wAbsMin: 0.0001, wAbsMax: 1 } },
        { from: 'input', to: 'd', weights: { dtype: 'f32', init: uniform(0.1) }, plasticity: { rule: 'discrete-conductance', levels: 16, nonlinearity: 3, stepUp: 1, stepDown: 2, unidirectional: false, deviceVariation: 0.2, tauPreMs: 10, traceThreshold: 0.3, wMin: 0, wMax: 0.5 } },
      ],
    },
  ];
  return specs.map((s) => validateSpec(s));
}
