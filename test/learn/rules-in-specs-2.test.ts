/**
 * Rules of the rule ops 50-64 composed from model specs (TESS, Tempotron): each spec-built rule
 * matches its kernel-level reference run on the same input, keeps its weights inside the
 * declared bounds (property test), learns from the spec path where a control fails, rejects
 * out-of-range parameters with the JSON path and range, and survives a checkpoint round trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../host/errors.js';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { presentSample } from '../../host/learn/online.js';
import { lifConstants, planModel } from '../../host/plan/plan.js';
import { EPROP_READOUT_BOUND, TESS_TRACE_FLOOR, epropFeedback, tessBasis, type DcondState, type EgDaleState, type EpropState, type HebbSignedState } from '../../host/plan/rules.js';
import { denseAccumulateF32, lifReset, lifStep, traceDecay, type LifParams, type LifState } from '../../host/reference/kernels.js';
import { dcondStep, egDaleStep, epropStep, epropWork, tempotronStep, tessStep, tessWork } from '../../host/reference/spec-rules.js';
import { dcondLevels } from '../../host/reference/discrete-conductance.js';
import { hebbSignPost, hebbSignPre } from '../../host/reference/hebb-signed.js';
import { tempotronLearn } from '../../host/reference/tempotron.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import type { LifNeuronSpec, ModelSpec, PlasticitySpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Xoshiro128 } from '../../host/util/prng.js';

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────

const lif = (over: Partial<LifNeuronSpec> = {}): LifNeuronSpec => ({
  model: 'lif', tauMemMs: 10, tauSynMs: 2, threshold: 1, reset: { mode: 'subtract' }, refractoryMs: 0, ...over,
});

function tessRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rule: 'tess', classes: 2, tauPreMs: 4, tauPostMs: 1.5, aPre: 1, aPost: -0.2, learningRate: 0.5,
    pseudoDerivative: 0.3, signalSlope: 2, wMin: -2, wMax: 2, bounds: 'additive', ...over,
  };
}

function tempotronRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule: 'tempotron', classes: 2, learningRate: 0.05, wMin: -1, wMax: 1, ...over };
}

/** One population `out` of `nOut` LIF neurons fed by a width x 1 sensor through `plasticity`. */
function netSpec(nIn: number, nOut: number, plasticity: Record<string, unknown>, neuron: LifNeuronSpec, init = { kind: 'uniform', low: -0.3, high: 0.6 }): ModelSpec {
  return validateSpec({
    version: 1, name: 'rules-2', dtMs: 1, seed: 7,
    input: { width: nIn, height: 1, polarity: 'merge' },
    populations: [{ name: 'out', size: nOut, neuron }],
    projections: [{ from: 'input', to: 'out', weights: { dtype: 'f32', init }, plasticity }],
  });
}

/** Events of a sample: spikes[s] lists the inputs firing at step s (dt = 1 ms). */
function batchOf(spikes: readonly (readonly number[])[]): EventBatch {
  let n = 0;
  for (const s of spikes) n += s.length;
  const b = allocBatch(n);
  let k = 0;
  spikes.forEach((list, s) => {
    for (const i of list) { b.t[k] = s * 1000 + 100; b.x[k] = i; k++; }
  });
  return makeBatch(b, n);
}

function poisson(rng: Xoshiro128, nIn: number, steps: number, p: number): number[][] {
  return Array.from({ length: steps }, () => {
    const l: number[] = [];
    for (let i = 0; i < nIn; i++) if (rng.nextFloat() < p) l.push(i);
    return l;
  });
}

function refLif(n: LifNeuronSpec): LifParams {
  const c = lifConstants(n, 1);
  return {
    alphaM: c.alphaM, alphaS: c.alphaS, beta: c.beta, gamma: c.gamma, vTh: n.threshold,
    vReset: n.reset.mode === 'value' ? n.reset.value : 0, resetSubtract: n.reset.mode === 'subtract',
    refracHold: c.refracHold, alphaB: c.alphaB, dTheta: c.dTheta,
  };
}

function lifState(n: number): LifState {
  return { v: new Float32Array(n), i: new Float32Array(n), refr: new Int32Array(n), b: new Float32Array(n), bias: new Float32Array(n) };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

// ── TESS ──────────────────────────────────────────────────────────────────────────────────────

/** The spec path's schedule for one TESS projection, on the reference kernels (docs/model-spec.md). */
function tessReference(spec: ModelSpec, w: Float32Array, samples: readonly { spikes: number[][]; label: number }[]): Float32Array {
  const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'tess' }>;
  const neuron = spec.populations[0].neuron as LifNeuronSpec;
  const nIn = spec.input.width, nOut = spec.populations[0].size;
  const p = refLif(neuron);
  const st = lifState(nOut);
  const work = tessWork(nIn, nOut, pl.classes);
  const spikes = new Uint32Array(nOut), margins = new Float32Array(nOut);
  const params = {
    alphaPre: Math.exp(-1 / pl.tauPreMs), alphaPost: Math.exp(-1 / pl.tauPostMs), floor: TESS_TRACE_FLOOR,
    slope: pl.signalSlope, gammaPd: pl.pseudoDerivative, classes: pl.classes, label: -1, basis: tessBasis(pl.classes, nOut),
    elig: { alpha: 0, floor: 0, kA: pl.aPre, kC: pl.aPost, eta: pl.learningRate, wMin: pl.wMin, wMax: pl.wMax, soft: pl.bounds === 'multiplicative' },
  };
  for (const s of samples) {
    for (const a of [st.v, st.i, work.xbar, work.pbar]) a.fill(0);
    st.refr.fill(0);
    params.label = s.label;
    for (const list of s.spikes) {
      const pre = Uint32Array.from(list);
      const ns = lifStep(nOut, st, p, spikes, margins);
      denseAccumulateF32(w, nIn, nOut, pre, pre.length, st.i);
      tessStep(w, nIn, nOut, pre, pre.length, spikes, ns, st, neuron.threshold, work, params);
      lifReset(nOut, st, p, spikes, ns);
    }
  }
  return w;
}

function tessSamples(seed: number, nIn: number, count: number, classes: number): { spikes: number[][]; label: number }[] {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: count }, () => {
    const spikes = poisson(rng, nIn, 40, 0.15);
    if (spikes[39].length === 0) spikes[39].push(0); // the runtime runs up to the last event's step
    return { spikes, label: rng.nextInt(classes) };
  });
}

describe('TESS from a spec', () => {
  it('matches the reference kernels step for step (SIMD and scalar builds, sizes with SIMD tails)', () => {
    const spec = netSpec(9, 13, tessRule({ classes: 3, bounds: 'multiplicative' }), lif());
    const samples = tessSamples(3, 9, 6, 3);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const w0 = rt.weightsF32('input->out');
      for (const s of samples) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
      const w = rt.weightsF32('input->out');
      const ref = tessReference(spec, w0.slice(), samples);
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-3); // it learned something
      expect(maxAbsDiff(w, ref), build).toBeLessThanOrEqual(1e-6);
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every weight inside [wMin, wMax] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          aPre: fc.double({ min: -10, max: 10, noNaN: true }),
          aPost: fc.double({ min: -10, max: 10, noNaN: true }),
          learningRate: fc.double({ min: 0, max: 100, noNaN: true }),
          lo: fc.double({ min: -3, max: 0, noNaN: true }),
          span: fc.double({ min: 0.01, max: 3, noNaN: true }),
          soft: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wMin = r.lo, wMax = r.lo + r.span;
          const spec = netSpec(6, 5, tessRule({ aPre: r.aPre, aPost: r.aPost, learningRate: r.learningRate, wMin, wMax, bounds: r.soft ? 'multiplicative' : 'additive' }), lif(), { kind: 'uniform', low: wMin, high: wMax });
          const rt = new Runtime(planModel(spec));
          for (const s of tessSamples(r.seed, 6, 3, 2)) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
          const lo = Math.fround(wMin), hi = Math.fround(wMax);
          for (const x of rt.weightsF32('input->out')) if (!(x >= lo && x <= hi)) return false;
          return true;
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });

  /**
   * Two classes of frozen spike patterns (30 inputs x 30 steps, each template spike kept with
   * p = 0.8, plus 2% noise), one layer of 20 LIF neurons learning with TESS from the spec. The
   * layer's decision is its own: argmax_c sum_j B_cj count_j (= argmax of sum_t q_c(t)).
   * Controls: plasticity off, and the rule's sign inverted (aPre, aPost negated).
   */
  function tessTask(over: Record<string, unknown>, learn: boolean): number {
    const nIn = 30, nOut = 20, T = 30;
    const spec = netSpec(nIn, nOut, tessRule({ learningRate: 1, ...over }), lif({ tauMemMs: 8, tauSynMs: 3 }), { kind: 'uniform', low: -0.4, high: 0.6 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(21);
    const templates = [0, 1].map(() => poisson(rng, nIn, T, 0.1));
    const draw = (c: number) => templates[c].map((l) => {
      const kept = l.filter(() => rng.nextFloat() < 0.8);
      for (let i = 0; i < nIn; i++) if (rng.nextFloat() < 0.02 && !kept.includes(i)) kept.push(i);
      return kept.sort((a, b) => a - b);
    });
    for (let k = 0; k < 200; k++) {
      const c = rng.nextInt(2);
      presentSample(rt, batchOf(draw(c)), { learn, teacher: c });
    }
    const B = tessBasis(2, nOut);
    const counts = rt.population('out').counts;
    let correct = 0;
    for (let k = 0; k < 100; k++) {
      const c = k % 2;
      presentSample(rt, batchOf(draw(c)), { learn: false });
      let s0 = 0, s1 = 0;
      for (let j = 0; j < nOut; j++) { s0 += B[j] * counts[j]; s1 += B[nOut + j] * counts[j]; }
      if ((s1 > s0 ? 1 : 0) === c) correct++;
    }
    return correct / 100;
  }

  it('learns a 2-class spike-pattern task; plasticity off and the inverted rule do not', () => {
    const learned = tessTask({}, true);
    const off = tessTask({}, false);
    const inverted = tessTask({ aPre: -1, aPost: 0.2 }, true);
    console.log(`TESS from a spec: accuracy ${learned}; plasticity off ${off}; sign inverted ${inverted} (chance 0.5)`);
    expect(learned).toBeGreaterThanOrEqual(0.9);
    expect(off).toBeLessThan(0.75);
    expect(inverted).toBeLessThan(0.75);
  });

  it('restores its learning state from a checkpoint mid-sample', () => {
    const spec = netSpec(9, 13, tessRule({ classes: 3 }), lif());
    const samples = tessSamples(5, 9, 4, 3);
    const a = new Runtime(planModel(spec));
    for (const s of samples.slice(0, 3)) presentSample(a, batchOf(s.spikes), { learn: true, teacher: s.label });
    // Stop in the middle of a sample: traces are non-zero.
    a.resetState();
    a.setLabel(samples[3].label);
    const half = samples[3].spikes.slice(0, 20);
    a.run(batchOf(half), { learn: true });
    const b = decodeCheckpoint(encodeCheckpoint(a));
    const rest = samples[3].spikes.slice(20);
    b.setLabel(samples[3].label);
    for (const rt of [a, b]) rt.run(batchOf(rest), { learn: true });
    expect(Array.from(b.weightsF32('input->out'))).toEqual(Array.from(a.weightsF32('input->out')));
    expect(maxAbsDiff(a.population('out').v, b.population('out').v)).toBe(0);
  });
});

// ── Tempotron ─────────────────────────────────────────────────────────────────────────────────

function tempotronReference(spec: ModelSpec, w: Float32Array, samples: readonly { spikes: number[][]; label: number }[]): Float32Array {
  const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'tempotron' }>;
  const neuron = spec.populations[0].neuron as LifNeuronSpec;
  const nIn = spec.input.width, nOut = spec.populations[0].size;
  const p = refLif(neuron);
  const fr = Math.fround;
  const am = fr(Math.exp(-1 / neuron.tauMemMs)), as = fr(Math.exp(-1 / neuron.tauSynMs));
  const beta = fr((neuron.tauSynMs / (neuron.tauSynMs - neuron.tauMemMs)) * (as - am));
  const tp = { vTh: neuron.threshold, lr: pl.learningRate, wMin: pl.wMin, wMax: pl.wMax, kScale: fr(beta / fr(am - as)), alphaM: am, alphaS: as };
  const st = lifState(nOut);
  const elig = new Float32Array(nIn * nOut), vmax = new Float32Array(nOut), ka = new Float32Array(nIn), kb = new Float32Array(nIn);
  const spikes = new Uint32Array(nOut), margins = new Float32Array(nOut);
  const target = new Int32Array(nOut);
  for (const s of samples) {
    for (const a of [st.v, st.i, ka, kb]) a.fill(0);
    st.refr.fill(0);
    vmax.fill(-Infinity);
    for (const list of s.spikes) {
      const pre = Uint32Array.from(list);
      const ns = lifStep(nOut, st, p, spikes, margins);
      denseAccumulateF32(w, nIn, nOut, pre, pre.length, st.i);
      tempotronStep(elig, nIn, nOut, pre, pre.length, st.v, vmax, ka, kb, tp);
      lifReset(nOut, st, p, spikes, ns);
    }
    const g = nOut / pl.classes;
    for (let j = 0; j < nOut; j++) target[j] = Math.floor(j / g) === s.label ? 1 : 0;
    tempotronLearn(w, elig, nIn, nOut, vmax, target, tp);
  }
  return w;
}

describe('Tempotron from a spec', () => {
  it('matches the reference kernels (SIMD and scalar builds, sizes with SIMD tails)', () => {
    const spec = netSpec(11, 6, tempotronRule({ classes: 3 }), lif({ tauMemMs: 15, tauSynMs: 3.75 }));
    const samples = tessSamples(4, 11, 8, 3);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const w0 = rt.weightsF32('input->out');
      for (const s of samples) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
      const w = rt.weightsF32('input->out');
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(w, tempotronReference(spec, w0.slice(), samples)), build).toBeLessThanOrEqual(1e-6);
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every weight inside [wMin, wMax] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          learningRate: fc.double({ min: 0, max: 100, noNaN: true }),
          lo: fc.double({ min: -3, max: 0, noNaN: true }),
          span: fc.double({ min: 0.01, max: 3, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wMin = r.lo, wMax = r.lo + r.span;
          const spec = netSpec(7, 4, tempotronRule({ learningRate: r.learningRate, wMin, wMax }), lif(), { kind: 'uniform', low: wMin, high: wMax });
          const rt = new Runtime(planModel(spec));
          for (const s of tessSamples(r.seed, 7, 4, 2)) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
          const lo = Math.fround(wMin), hi = Math.fround(wMax);
          for (const x of rt.weightsF32('input->out')) if (!(x >= lo && x <= hi)) return false;
          return true;
        },
      ),
      { numRuns: 40, seed: 12 },
    );
  });

  /**
   * Guetig & Sompolinsky's task in miniature: 20 random latency patterns (50 inputs, one spike
   * each in 50 ms), randomly split into two classes; one tempotron neuron (classes 2 with a
   * 2-neuron population: neuron 0 fires for class 0, neuron 1 for class 1) trained for 80
   * epochs. Control: labels shuffled every epoch (no consistent mapping to learn).
   */
  function tempotronTask(shuffle: boolean): number {
    const nIn = 50, T = 50, P = 20;
    const spec = netSpec(nIn, 2, tempotronRule({ learningRate: 0.05 }), lif({ tauMemMs: 15, tauSynMs: 3.75, reset: { mode: 'value', value: 0 } }), { kind: 'uniform', low: -0.05, high: 0.05 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(31);
    const patterns = Array.from({ length: P }, () => {
      const byStep: number[][] = Array.from({ length: T }, () => []);
      for (let i = 0; i < nIn; i++) byStep[rng.nextInt(T)].push(i);
      return byStep;
    });
    const labels = patterns.map((_, q) => q % 2);
    const out = rt.population('out');
    for (let epoch = 0; epoch < 80; epoch++) {
      const lab = shuffle ? labels.map(() => rng.nextInt(2)) : labels;
      for (let q = 0; q < P; q++) presentSample(rt, batchOf(patterns[q]), { learn: true, teacher: lab[q] });
    }
    let correct = 0;
    for (let q = 0; q < P; q++) {
      presentSample(rt, batchOf(patterns[q]), { learn: false });
      const fired = [out.counts[0] > 0, out.counts[1] > 0];
      if (fired[labels[q]] && !fired[1 - labels[q]]) correct++;
    }
    return correct / P;
  }

  it('separates two classes of spike patterns; shuffled labels do not', () => {
    const learned = tempotronTask(false);
    const shuffled = tempotronTask(true);
    console.log(`Tempotron from a spec: ${learned} of the patterns classified correctly; shuffled labels ${shuffled}`);
    expect(learned).toBeGreaterThanOrEqual(0.95);
    expect(shuffled).toBeLessThan(0.6);
  });

  it('restores its state from a checkpoint', () => {
    const spec = netSpec(11, 6, tempotronRule({ classes: 3 }), lif({ tauMemMs: 15, tauSynMs: 3.75 }));
    const samples = tessSamples(6, 11, 5, 3);
    const a = new Runtime(planModel(spec));
    for (const s of samples.slice(0, 4)) presentSample(a, batchOf(s.spikes), { learn: true, teacher: s.label });
    a.resetState();
    a.setLabel(samples[4].label);
    a.run(batchOf(samples[4].spikes), { learn: true });
    const b = decodeCheckpoint(encodeCheckpoint(a));
    b.setLabel(samples[4].label);
    expect(b.endSample()).toBe(a.endSample());
    expect(Array.from(b.weightsF32('input->out'))).toEqual(Array.from(a.weightsF32('input->out')));
  });
});

// ── e-prop ────────────────────────────────────────────────────────────────────────────────────

function epropRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rule: 'eprop', classes: 2, tauPreMs: 10, tauOutMs: 10, learningRate: 0.05, readoutLearningRate: 0.001,
    pseudoDerivative: 0.3, wMin: -2, wMax: 2, bounds: 'additive', ...over,
  };
}

function readoutOf(rt: Runtime): Float32Array {
  const pr = rt.plan.projections[0];
  const s = pr.ruleState as EpropState;
  return new Float32Array(rt.memory.buffer, rt.abs(s.readoutWeights), pr.nOut * s.classes);
}

function epropReference(spec: ModelSpec, w: Float32Array, samples: readonly { spikes: number[][]; label: number }[]): { w: Float32Array; wout: Float32Array } {
  const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'eprop' }>;
  const neuron = spec.populations[0].neuron as LifNeuronSpec;
  const nIn = spec.input.width, nOut = spec.populations[0].size, K = pl.classes;
  const p = refLif(neuron);
  const st = lifState(nOut);
  const work = epropWork(nIn, nOut, K);
  const spikes = new Uint32Array(nOut), margins = new Float32Array(nOut);
  const kappa = Math.exp(-1 / pl.tauOutMs);
  const params = {
    alphaPre: Math.exp(-1 / pl.tauPreMs), kappa, floor: 1e-30, gammaPd: pl.pseudoDerivative, classes: K, label: -1,
    elig: { alpha: kappa, floor: 1e-30, kA: 1, kC: 0, eta: pl.learningRate, wMin: pl.wMin, wMax: pl.wMax, soft: pl.bounds === 'multiplicative' },
    out: { alpha: 0, floor: 0, kA: 1, kC: 0, eta: pl.readoutLearningRate, wMin: -EPROP_READOUT_BOUND, wMax: EPROP_READOUT_BOUND, soft: false },
    feedback: epropFeedback(K, nOut, ((spec.seed ?? 1) + Math.imul(0x51ed27, 1)) >>> 0),
  };
  for (const s of samples) {
    for (const a of [st.v, st.i, work.zbar, work.zhat, work.y, work.ebar]) a.fill(0);
    st.refr.fill(0);
    params.label = s.label;
    for (const list of s.spikes) {
      const pre = Uint32Array.from(list);
      const ns = lifStep(nOut, st, p, spikes, margins);
      denseAccumulateF32(w, nIn, nOut, pre, pre.length, st.i);
      epropStep(w, nIn, nOut, pre, pre.length, spikes, ns, st, neuron.threshold, work, params);
      lifReset(nOut, st, p, spikes, ns);
    }
  }
  return { w, wout: work.wout };
}

describe('e-prop from a spec', () => {
  it('matches the reference kernels step for step (SIMD and scalar builds, sizes with SIMD tails)', () => {
    const spec = netSpec(9, 13, epropRule({ classes: 3, bounds: 'multiplicative' }), lif());
    const samples = tessSamples(13, 9, 6, 3);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const w0 = rt.weightsF32('input->out');
      for (const s of samples) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
      const w = rt.weightsF32('input->out');
      const ref = epropReference(spec, w0.slice(), samples);
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(w, ref.w), build).toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(readoutOf(rt), ref.wout), build).toBeLessThanOrEqual(1e-6);
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every weight inside [wMin, wMax] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          learningRate: fc.double({ min: 0, max: 100, noNaN: true }),
          lo: fc.double({ min: -3, max: 0, noNaN: true }),
          span: fc.double({ min: 0.01, max: 3, noNaN: true }),
          soft: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wMin = r.lo, wMax = r.lo + r.span;
          const spec = netSpec(6, 5, epropRule({ learningRate: r.learningRate, readoutLearningRate: r.learningRate, wMin, wMax, bounds: r.soft ? 'multiplicative' : 'additive' }), lif(), { kind: 'uniform', low: wMin, high: wMax });
          const rt = new Runtime(planModel(spec));
          for (const s of tessSamples(r.seed, 6, 3, 2)) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
          const lo = Math.fround(wMin), hi = Math.fround(wMax);
          for (const x of rt.weightsF32('input->out')) if (!(x >= lo && x <= hi)) return false;
          return readoutOf(rt).every((x) => Math.abs(x) <= EPROP_READOUT_BOUND);
        },
      ),
      { numRuns: 40, seed: 13 },
    );
  });

  /**
   * The TESS task (two classes of frozen spike patterns) with e-prop: 20 LIF neurons, a 2-output
   * leaky readout learned alongside. The decision is the rule's own readout driven by the
   * sample's spike counts, argmax_k sum_j Wout_jk count_j. Control: labels drawn at random.
   */
  function epropTask(shuffled: boolean, hiddenRate = 0.05): number {
    const nIn = 30, nOut = 20, T = 30;
    const spec = netSpec(nIn, nOut, epropRule({ learningRate: hiddenRate }), lif({ tauMemMs: 8, tauSynMs: 3 }), { kind: 'uniform', low: -0.4, high: 0.6 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(22);
    const templates = [0, 1].map(() => poisson(rng, nIn, T, 0.1));
    const draw = (c: number) => templates[c].map((l) => {
      const kept = l.filter(() => rng.nextFloat() < 0.8);
      for (let i = 0; i < nIn; i++) if (rng.nextFloat() < 0.02 && !kept.includes(i)) kept.push(i);
      return kept.sort((a, b) => a - b);
    });
    for (let k = 0; k < 200; k++) {
      const c = rng.nextInt(2);
      presentSample(rt, batchOf(draw(c)), { learn: true, teacher: shuffled ? rng.nextInt(2) : c });
    }
    const wout = readoutOf(rt);
    const counts = rt.population('out').counts;
    let correct = 0;
    for (let k = 0; k < 100; k++) {
      const c = k % 2;
      presentSample(rt, batchOf(draw(c)), { learn: false });
      let s0 = 0, s1 = 0;
      for (let j = 0; j < nOut; j++) { s0 += wout[2 * j] * counts[j]; s1 += wout[2 * j + 1] * counts[j]; }
      if ((s1 > s0 ? 1 : 0) === c) correct++;
    }
    return correct / 100;
  }

  it('learns a 2-class spike-pattern task; random labels do not', () => {
    const learned = epropTask(false);
    const shuffled = epropTask(true);
    const frozen = epropTask(false, 0);
    console.log(`e-prop from a spec: accuracy ${learned}; random labels ${shuffled} (chance 0.5); hidden weights frozen (readout only) ${frozen}`);
    expect(learned).toBeGreaterThanOrEqual(0.9);
    expect(shuffled).toBeLessThan(0.75);
  });

  it('restores its learning state (eligibility, readout) from a checkpoint mid-sample', () => {
    const spec = netSpec(9, 13, epropRule({ classes: 3 }), lif());
    const samples = tessSamples(15, 9, 4, 3);
    const a = new Runtime(planModel(spec));
    for (const s of samples.slice(0, 3)) presentSample(a, batchOf(s.spikes), { learn: true, teacher: s.label });
    a.resetState();
    a.setLabel(samples[3].label);
    a.run(batchOf(samples[3].spikes.slice(0, 20)), { learn: true });
    const b = decodeCheckpoint(encodeCheckpoint(a));
    b.setLabel(samples[3].label);
    for (const rt of [a, b]) rt.run(batchOf(samples[3].spikes.slice(20)), { learn: true });
    expect(Array.from(b.weightsF32('input->out'))).toEqual(Array.from(a.weightsF32('input->out')));
    expect(Array.from(readoutOf(b))).toEqual(Array.from(readoutOf(a)));
  });
});

// ── Sign-diverse Hebbian ──────────────────────────────────────────────────────────────────────

function hebbRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule: 'hebb-signed', tauPreMs: 20, tauPostMs: 20, etaPre: 0.002, etaPost: 0.004, flippedFraction: 0.5, wMin: -1, wMax: 1, bounds: 'additive', pairing: 'all-to-all', ...over };
}

function signsOf(rt: Runtime): Float32Array {
  const pr = rt.plan.projections[0];
  return new Float32Array(rt.memory.buffer, rt.abs((pr.ruleState as HebbSignedState).sign), pr.nOut).slice();
}

describe('sign-diverse Hebbian plasticity from a spec', () => {
  it('matches the reference kernels (SIMD and scalar builds) and flips exactly round(fraction x n) neurons', () => {
    const spec = netSpec(9, 13, hebbRule({ bounds: 'multiplicative', flippedFraction: 0.3 }), lif());
    const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'hebb-signed' }>;
    const samples = tessSamples(17, 9, 5, 2);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const sign = signsOf(rt);
      expect(sign.filter((x) => x === -1).length).toBe(Math.round(0.3 * 13));
      const w0 = rt.weightsF32('input->out');
      for (const s of samples) presentSample(rt, batchOf(s.spikes), { learn: true });
      const w = rt.weightsF32('input->out');
      // Reference network, same schedule: neurons, synaptic input, trace decays, pre then post pathway, reset.
      const ref = w0.slice();
      const p = refLif(spec.populations[0].neuron as LifNeuronSpec);
      const st = lifState(13);
      const x = new Float32Array(9), y = new Float32Array(13), spikes = new Uint32Array(13), margins = new Float32Array(13);
      const hp = { etaPre: pl.etaPre, etaPost: pl.etaPost, wMin: pl.wMin, wMax: pl.wMax, soft: true, impulsePre: 1, impulsePost: 1, nearest: false, tauPre: pl.tauPreMs, tauPost: pl.tauPostMs, dtMs: 1 };
      for (const s of samples) {
        for (const a of [st.v, st.i, x, y]) a.fill(0);
        st.refr.fill(0);
        for (const list of s.spikes) {
          const pre = Uint32Array.from(list);
          const ns = lifStep(13, st, p, spikes, margins);
          denseAccumulateF32(ref, 9, 13, pre, pre.length, st.i);
          traceDecay(x, 9, Math.exp(-1 / pl.tauPreMs), 1e-30);
          traceDecay(y, 13, Math.exp(-1 / pl.tauPostMs), 1e-30);
          hebbSignPre(ref, 9, 13, pre, pre.length, x, y, sign, hp);
          hebbSignPost(ref, 9, 13, spikes, ns, x, y, sign, hp);
          lifReset(13, st, p, spikes, ns);
        }
      }
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(w, ref), build).toBeLessThanOrEqual(1e-6);
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every weight inside [wMin, wMax] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          eta: fc.double({ min: 0, max: 100, noNaN: true }),
          fraction: fc.double({ min: 0, max: 1, noNaN: true }),
          lo: fc.double({ min: -3, max: 0, noNaN: true }),
          span: fc.double({ min: 0.01, max: 3, noNaN: true }),
          soft: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wMin = r.lo, wMax = r.lo + r.span;
          const spec = netSpec(6, 5, hebbRule({ etaPre: r.eta, etaPost: r.eta, flippedFraction: r.fraction, wMin, wMax, bounds: r.soft ? 'multiplicative' : 'additive' }), lif(), { kind: 'uniform', low: wMin, high: wMax });
          const rt = new Runtime(planModel(spec));
          for (const s of tessSamples(r.seed, 6, 3, 2)) presentSample(rt, batchOf(s.spikes), { learn: true });
          const lo = Math.fround(wMin), hi = Math.fround(wMax);
          for (const x of rt.weightsF32('input->out')) if (!(x >= lo && x <= hi)) return false;
          return true;
        },
      ),
      { numRuns: 40, seed: 14 },
    );
  });

  /**
   * A pattern (inputs 0-19 at 10% per step, the others at 1%) drives 20 LIF neurons for 100
   * samples of 50 ms. Hebbian neurons strengthen their pattern weights and respond more; the
   * flipped (anti-Hebbian) ones weaken them and respond less, decorrelating from the pattern.
   * Control: with flippedFraction 0 no neuron's pattern weights fall.
   */
  function hebbTask(fraction: number): { hebb: number; anti: number; minChange: number; rateHebb: number; rateAnti: number } {
    const nIn = 40, nOut = 20;
    const spec = netSpec(nIn, nOut, hebbRule({ flippedFraction: fraction }), lif({ tauMemMs: 20, tauSynMs: 5 }), { kind: 'uniform', low: 0.05, high: 0.15 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(41);
    const sample = () => Array.from({ length: 50 }, () => {
      const l: number[] = [];
      for (let i = 0; i < nIn; i++) if (rng.nextFloat() < (i < 20 ? 0.1 : 0.01)) l.push(i);
      return l;
    });
    const sign = signsOf(rt);
    const w0 = rt.weightsF32('input->out');
    const rate = (): Float64Array => {
      const r = new Float64Array(nOut);
      for (let k = 0; k < 10; k++) {
        presentSample(rt, batchOf(sample()), { learn: false });
        rt.population('out').counts.forEach((c, j) => (r[j] += c / 10));
      }
      return r;
    };
    const r0 = rate();
    for (let k = 0; k < 100; k++) presentSample(rt, batchOf(sample()), { learn: true });
    const r1 = rate();
    const w = rt.weightsF32('input->out');
    const change = (j: number) => { let d = 0; for (let i = 0; i < 20; i++) d += w[i * nOut + j] - w0[i * nOut + j]; return d / 20; };
    const mean = (f: (j: number) => number, s: number) => { let a = 0, n = 0; for (let j = 0; j < nOut; j++) if (sign[j] === s) { a += f(j); n++; } return n ? a / n : NaN; };
    let minChange = Infinity;
    for (let j = 0; j < nOut; j++) minChange = Math.min(minChange, change(j));
    return { hebb: mean(change, 1), anti: mean(change, -1), minChange, rateHebb: mean((j) => r1[j] - r0[j], 1), rateAnti: mean((j) => r1[j] - r0[j], -1) };
  }

  it('Hebbian neurons strengthen and anti-Hebbian ones weaken the pattern; with no flipped neuron none weakens', () => {
    const half = hebbTask(0.5);
    const none = hebbTask(0);
    console.log(`hebb-signed: pattern-weight change Hebbian ${half.hebb.toFixed(3)}, flipped ${half.anti.toFixed(3)}; response change ${half.rateHebb.toFixed(1)} vs ${half.rateAnti.toFixed(1)} spikes/sample; fraction 0: smallest change ${none.minChange.toFixed(3)}`);
    expect(half.hebb).toBeGreaterThan(0.5);
    expect(half.anti).toBeLessThan(-0.01); // falls until the neuron stops answering the pattern
    expect(half.rateAnti).toBeLessThanOrEqual(0);
    expect(half.rateHebb).toBeGreaterThan(half.rateAnti + 5);
    expect(none.minChange).toBeGreaterThan(0.5);
  });
});

// ── Discrete-conductance synapse ──────────────────────────────────────────────────────────────

function dcondRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule: 'discrete-conductance', levels: 16, nonlinearity: 3, stepUp: 1, stepDown: 2, unidirectional: false, deviceVariation: 0.2, tauPreMs: 10, traceThreshold: 0.3, wMin: 0, wMax: 0.5, ...over };
}

function levelsOf(rt: Runtime): Uint8Array {
  const s = rt.plan.projections[0].ruleState as DcondState;
  return new Uint8Array(rt.memory.buffer, rt.abs(s.level), rt.plan.projections[0].nIn * rt.plan.projections[0].nOut).slice();
}

describe('discrete-conductance synapse from a spec', () => {
  it('matches the reference device model step for step (SIMD and scalar builds); weights stay on levels', () => {
    const spec = netSpec(9, 13, dcondRule(), lif({ threshold: 0.5 }), { kind: 'uniform', low: 0, high: 0.4 });
    const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'discrete-conductance' }>;
    const samples = tessSamples(19, 9, 6, 2);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const s = rt.plan.projections[0].ruleState as DcondState;
      const w0 = rt.weightsF32('input->out');
      const level = levelsOf(rt);
      const gain = new Float32Array(rt.memory.buffer, rt.abs(s.gain), 9 * 13).slice();
      const table = dcondLevels(pl.levels, pl.nonlinearity, pl.wMin, pl.wMax);
      for (const smp of samples) presentSample(rt, batchOf(smp.spikes), { learn: true });
      const ref = w0.slice();
      const p = refLif(spec.populations[0].neuron as LifNeuronSpec);
      const st = lifState(13);
      const x = new Float32Array(9), spikes = new Uint32Array(13), margins = new Float32Array(13);
      const dp = { wMin: pl.wMin, wMax: pl.wMax, levels: pl.levels, stepUp: pl.stepUp, stepDown: pl.stepDown, unidirectional: pl.unidirectional, xTh: pl.traceThreshold, eTh: 0 };
      for (const smp of samples) {
        for (const a of [st.v, st.i, x]) a.fill(0);
        st.refr.fill(0);
        for (const list of smp.spikes) {
          const pre = Uint32Array.from(list);
          const ns = lifStep(13, st, p, spikes, margins);
          denseAccumulateF32(ref, 9, 13, pre, pre.length, st.i);
          dcondStep(ref, level, gain, 9, 13, pre, pre.length, spikes, ns, x, table, dp, Math.exp(-1 / pl.tauPreMs));
          lifReset(13, st, p, spikes, ns);
        }
      }
      const w = rt.weightsF32('input->out');
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(w, ref), build).toBeLessThanOrEqual(1e-6);
      expect(Array.from(levelsOf(rt))).toEqual(Array.from(level));
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every weight inside [wMin, wMax]; unidirectional devices never depress (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          levels: fc.integer({ min: 2, max: 256 }),
          nu: fc.double({ min: 0, max: 10, noNaN: true }),
          up: fc.integer({ min: 1, max: 255 }),
          down: fc.integer({ min: 0, max: 255 }),
          uni: fc.boolean(),
          variation: fc.double({ min: 0, max: 0.99, noNaN: true }),
          lo: fc.double({ min: -3, max: 0, noNaN: true }),
          span: fc.double({ min: 0.01, max: 3, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wMin = r.lo, wMax = r.lo + r.span;
          const spec = netSpec(6, 5, dcondRule({ levels: r.levels, nonlinearity: r.nu, stepUp: r.up, stepDown: r.down, unidirectional: r.uni, deviceVariation: r.variation, traceThreshold: 0.3, wMin, wMax }), lif({ threshold: 0.3 }), { kind: 'uniform', low: wMin, high: wMax });
          const rt = new Runtime(planModel(spec));
          const before = levelsOf(rt);
          for (const s of tessSamples(r.seed, 6, 3, 2)) presentSample(rt, batchOf(s.spikes), { learn: true });
          const lo = Math.fround(wMin), hi = Math.fround(wMax);
          for (const x of rt.weightsF32('input->out')) if (!(x >= lo && x <= hi)) return false;
          const after = levelsOf(rt);
          if (r.uni) for (let q = 0; q < after.length; q++) if (after[q] < before[q]) return false;
          return after.every((n) => n < r.levels);
        },
      ),
      { numRuns: 40, seed: 15 },
    );
  });

  /**
   * Querlioz et al.'s setting in miniature: a pattern (inputs 0-19 at 10% per step, 20-39 at
   * 1%) drives 10 LIF neurons; at each post spike the recently active inputs get an up pulse,
   * the others a down pulse. The devices end up selective (pattern weights high, background
   * low), with 20% device variation. Controls: plasticity off (no pulses), and unidirectional
   * devices, which can only potentiate and so lose the contrast as every device climbs.
   */
  function dcondTask(over: Record<string, unknown>, learn: boolean): number {
    const nIn = 40, nOut = 10;
    const spec = netSpec(nIn, nOut, dcondRule(over), lif({ tauMemMs: 20, tauSynMs: 5, threshold: 1 }), { kind: 'uniform', low: 0.05, high: 0.2 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(51);
    for (let k = 0; k < 60; k++) {
      const spikes = Array.from({ length: 50 }, () => {
        const l: number[] = [];
        for (let i = 0; i < nIn; i++) if (rng.nextFloat() < (i < 20 ? 0.1 : 0.01)) l.push(i);
        return l;
      });
      presentSample(rt, batchOf(spikes), { learn });
    }
    const w = rt.weightsF32('input->out');
    let a = 0, b = 0;
    for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) (i < 20 ? (a += w[i * nOut + j]) : (b += w[i * nOut + j]));
    return (a - b) / (20 * nOut) / 0.5; // contrast as a fraction of the weight range
  }

  it('becomes selective for the pattern; plasticity off and unidirectional devices do not', () => {
    const learned = dcondTask({}, true);
    const off = dcondTask({}, false);
    const uni = dcondTask({ unidirectional: true }, true);
    console.log(`discrete-conductance: pattern-vs-background contrast ${learned.toFixed(3)} of the range; plasticity off ${off.toFixed(3)}; unidirectional ${uni.toFixed(3)}`);
    expect(learned).toBeGreaterThan(0.5);
    expect(Math.abs(off)).toBeLessThan(0.1);
    expect(uni).toBeLessThan(learned - 0.2);
  });
});

// ── Dale's-law exponentiated gradient ─────────────────────────────────────────────────────────

function egRule(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { rule: 'eg-dale', classes: 2, inhibitoryFraction: 0.25, learningRate: 0.05, targetTrace: 2, tauPostMs: 10, wAbsMin: 1e-4, wAbsMax: 1, ...over };
}

describe("Dale's-law exponentiated gradient from a spec", () => {
  it('matches the reference (SIMD and scalar builds; exp within a few ulp) and keeps every sign', () => {
    const spec = netSpec(9, 14, egRule(), lif({ threshold: 0.5 }), { kind: 'uniform', low: 0.05, high: 0.4 });
    const pl = spec.projections[0].plasticity as Extract<PlasticitySpec, { rule: 'eg-dale' }>;
    const samples = tessSamples(23, 9, 6, 2);
    const results: Float32Array[] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const s = rt.plan.projections[0].ruleState as EgDaleState;
      const w0 = rt.weightsF32('input->out');
      const theta = new Float32Array(rt.memory.buffer, rt.abs(s.theta), 9 * 14).slice();
      for (let i = 0; i < 9; i++) for (let j = 0; j < 14; j++) expect(Math.sign(w0[i * 14 + j])).toBe(s.signs[i]);
      for (const smp of samples) presentSample(rt, batchOf(smp.spikes), { learn: true, teacher: smp.label });
      const ref = w0.slice();
      const p = refLif(spec.populations[0].neuron as LifNeuronSpec);
      const st = lifState(14);
      const zbar = new Float32Array(14), spikes = new Uint32Array(14), margins = new Float32Array(14);
      const ep = { lr: pl.learningRate, wAbsMin: pl.wAbsMin, wAbsMax: pl.wAbsMax, alphaPost: Math.exp(-1 / pl.tauPostMs), target: pl.targetTrace, classes: 2, label: -1 };
      for (const smp of samples) {
        for (const a of [st.v, st.i, zbar]) a.fill(0);
        st.refr.fill(0);
        ep.label = smp.label;
        for (const list of smp.spikes) {
          const pre = Uint32Array.from(list);
          const ns = lifStep(14, st, p, spikes, margins);
          denseAccumulateF32(ref, 9, 14, pre, pre.length, st.i);
          egDaleStep(ref, theta, 9, 14, pre, pre.length, spikes, ns, s.signs, zbar, ep);
          lifReset(14, st, p, spikes, ns);
        }
      }
      const w = rt.weightsF32('input->out');
      expect(maxAbsDiff(w, w0)).toBeGreaterThan(1e-3);
      for (let q = 0; q < w.length; q++) expect(Math.abs(w[q] - ref[q])).toBeLessThanOrEqual(1e-5 * Math.abs(ref[q]) + 1e-9);
      for (let i = 0; i < 9; i++) for (let j = 0; j < 14; j++) expect(Math.sign(w[i * 14 + j])).toBe(s.signs[i]);
      results.push(w);
    }
    expect(Array.from(results[0])).toEqual(Array.from(results[1]));
  });

  it('keeps every sign and every magnitude inside [wAbsMin, wAbsMax] (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          lr: fc.double({ min: 0, max: 100, noNaN: true }),
          fraction: fc.double({ min: 0, max: 1, noNaN: true }),
          amin: fc.double({ min: 1e-6, max: 0.1, noNaN: true }),
          ratio: fc.double({ min: 1, max: 1e4, noNaN: true }),
          seed: fc.integer({ min: 1, max: 1000 }),
        }),
        (r) => {
          const wAbsMin = r.amin, wAbsMax = Math.min(r.amin * r.ratio, 5);
          const spec = netSpec(6, 4, egRule({ learningRate: r.lr, inhibitoryFraction: r.fraction, wAbsMin, wAbsMax }), lif({ threshold: 0.3 }), { kind: 'uniform', low: 0, high: 0.5 });
          const rt = new Runtime(planModel(spec));
          const signs = (rt.plan.projections[0].ruleState as EgDaleState).signs;
          for (const s of tessSamples(r.seed, 6, 3, 2)) presentSample(rt, batchOf(s.spikes), { learn: true, teacher: s.label });
          const lo = Math.fround(wAbsMin), hi = Math.fround(wAbsMax);
          const w = rt.weightsF32('input->out');
          for (let q = 0; q < w.length; q++) {
            const m = Math.abs(w[q]);
            if (!(m >= lo && m <= hi) || Math.sign(w[q]) !== signs[Math.floor(q / 4)]) return false;
          }
          return true;
        },
      ),
      { numRuns: 40, seed: 16 },
    );
  });

  /**
   * Two input patterns (inputs 0-19 or 20-39 at 10% per step, 25% of all inputs inhibitory);
   * 10 LIF neurons in two groups learn, with the label, to answer their class's pattern. The
   * decision is the group that fires more. Control: labels drawn at random.
   */
  function egTask(shuffled: boolean): number {
    const nIn = 40, nOut = 10;
    const spec = netSpec(nIn, nOut, egRule({ learningRate: 0.05 }), lif({ tauMemMs: 20, tauSynMs: 5 }), { kind: 'uniform', low: 0.02, high: 0.1 });
    const rt = new Runtime(planModel(spec));
    const rng = new Xoshiro128(61);
    const draw = (c: number) => Array.from({ length: 40 }, () => {
      const l: number[] = [];
      for (let i = 0; i < nIn; i++) if (rng.nextFloat() < ((i < 20) === (c === 0) ? 0.1 : 0.01)) l.push(i);
      return l;
    });
    for (let k = 0; k < 150; k++) {
      const c = rng.nextInt(2);
      presentSample(rt, batchOf(draw(c)), { learn: true, teacher: shuffled ? rng.nextInt(2) : c });
    }
    const counts = rt.population('out').counts;
    let correct = 0;
    for (let k = 0; k < 100; k++) {
      const c = k % 2;
      presentSample(rt, batchOf(draw(c)), { learn: false });
      let a = 0, b = 0;
      for (let j = 0; j < 5; j++) { a += counts[j]; b += counts[5 + j]; }
      if ((b > a ? 1 : 0) === c && a !== b) correct++;
    }
    return correct / 100;
  }

  it('learns a supervised 2-class mapping without changing any sign; random labels do not', () => {
    const learned = egTask(false);
    const shuffled = egTask(true);
    console.log(`eg-dale from a spec: accuracy ${learned}; random labels ${shuffled} (chance 0.5)`);
    expect(learned).toBeGreaterThanOrEqual(0.9);
    expect(shuffled).toBeLessThan(0.75);
  });
});

// ── Validation ────────────────────────────────────────────────────────────────────────────────

function issues(doc: unknown): { path: string; message: string }[] {
  try {
    validateSpec(doc);
  } catch (e) {
    if (e instanceof SpecError) return e.issues.map((i) => ({ path: i.path, message: i.message }));
    throw e;
  }
  return [];
}

function raw(plasticity: Record<string, unknown>, neuron: Record<string, unknown> = { ...lif() }, size = 8): Record<string, unknown> {
  return {
    version: 1, name: 'v', dtMs: 1, input: { width: 4, height: 1, polarity: 'merge' },
    populations: [{ name: 'out', size, neuron }],
    projections: [{ from: 'input', to: 'out', weights: { dtype: 'f32', init: { kind: 'constant', value: 0 } }, plasticity }],
  };
}

describe('validation of the rule-op rules', () => {
  it('reports the JSON path and the allowed range', () => {
    const p = 'projections[0].plasticity';
    expect(issues(raw(tessRule({ aPre: 20 })))).toEqual([{ path: `${p}.aPre`, message: 'must be >= -10 and <= 10, got 20' }]);
    expect(issues(raw(tessRule({ learningRate: -1 })))).toEqual([{ path: `${p}.learningRate`, message: 'must be >= 0 and <= 100, got -1' }]);
    expect(issues(raw(tessRule({ pseudoDerivative: 0 })))).toEqual([{ path: `${p}.pseudoDerivative`, message: 'must be > 0 and <= 10, got 0' }]);
    expect(issues(raw(tessRule({ classes: 5 })))).toEqual([{ path: `${p}.classes`, message: 'must be <= half the target size (8 neurons, so at most 4), got 5' }]);
    expect(issues(raw(tessRule({ classes: 1.5 })))).toEqual([{ path: `${p}.classes`, message: 'must be an integer, got 1.5' }]);
    expect(issues(raw(tessRule({ wMax: -3 })))).toEqual([{ path: `${p}.wMax`, message: 'must be > wMin (-2), got -3' }]);
    expect(issues(raw(tessRule(), { model: 'izhikevich', a: 0.02, b: 0.2, c: -65, d: 8, tauSynMs: 5, integration: 'euler' }))).toEqual([
      { path: `${p}.rule`, message: '"tess" needs a target population with neuron.model "lif", got "izhikevich" (population "out")' },
    ]);
    expect(issues(raw(tempotronRule({ classes: 3 })))).toEqual([{ path: `${p}.classes`, message: 'must divide the target size 8 (equal class groups), got 3' }]);
    expect(issues(raw(tempotronRule(), { ...lif({ tauSynMs: 10 }) }))).toEqual([
      { path: `${p}.rule`, message: '"tempotron" needs the target\'s tauSynMs != tauMemMs (its PSP kernel is their difference of exponentials), got both 10' },
    ]);
    expect(issues(raw(tempotronRule({ learningRate: 101 })))).toEqual([{ path: `${p}.learningRate`, message: 'must be >= 0 and <= 100, got 101' }]);
    expect(issues(raw(epropRule({ tauOutMs: 0, readoutLearningRate: 200 })))).toEqual([
      { path: `${p}.tauOutMs`, message: 'must be > 0, got 0' },
      { path: `${p}.readoutLearningRate`, message: 'must be >= 0 and <= 100, got 200' },
    ]);
    expect(issues(raw(epropRule({ classes: 300 })))).toEqual([{ path: `${p}.classes`, message: 'must be >= 2 and <= 256, got 300' }]);
    expect(issues(raw(hebbRule({ flippedFraction: 1.2 })))).toEqual([{ path: `${p}.flippedFraction`, message: 'must be >= 0 and <= 1, got 1.2' }]);
    expect(issues(raw(egRule({ wAbsMin: 0.5, wAbsMax: 0.1, classes: 3 })))).toEqual([
      { path: `${p}.wAbsMax`, message: 'must be >= wAbsMin (0.5), got 0.1' },
    ]);
    expect(issues(raw(egRule({ classes: 3 })))).toEqual([{ path: `${p}.classes`, message: 'must divide the target size 8 (equal class groups), got 3' }]);
    expect(issues(raw(dcondRule({ levels: 300, deviceVariation: 1, unidirectional: 'no' })))).toEqual([
      { path: `${p}.levels`, message: 'must be >= 2 and <= 256, got 300' },
      { path: `${p}.deviceVariation`, message: 'must be >= 0 and < 1, got 1' },
      { path: `${p}.unidirectional`, message: 'must be true or false, got string "no"' },
    ]);
  });

  it('setLabel refuses labels outside the rule\'s classes', () => {
    const rt = new Runtime(planModel(netSpec(4, 4, tessRule(), lif())));
    expect(() => rt.setLabel(2)).toThrow(/labels 0\.\.1, got 2/);
  });
});

// ── Fixed-point LIF ───────────────────────────────────────────────────────────────────────────

function i16Spec(): ModelSpec {
  const fx = (over: Record<string, unknown> = {}) => ({ model: 'lif-i16', shiftMem: 4, shiftSyn: 2, threshold: 3000, reset: { mode: 'subtract' }, refractoryMs: 2, ...over });
  return validateSpec({
    version: 1, name: 'fixed', dtMs: 1, seed: 9,
    input: { width: 21, height: 1, polarity: 'merge' },
    populations: [
      { name: 'fx', size: 19, neuron: fx() },
      { name: 'fx2', size: 9, neuron: fx({ reset: { mode: 'value', value: -100 }, threshold: 2000, refractoryMs: 0 }) },
    ],
    projections: [
      { from: 'input', to: 'fx', weights: { dtype: 'int16', init: { kind: 'uniform', low: -300, high: 1200 } } },
      { from: 'fx', to: 'fx2', weights: { dtype: 'int16', init: { kind: 'uniform', low: -500, high: 1500 } } },
    ],
  });
}

describe('fixed-point LIF (lif-i16) from a spec', () => {
  it('is exact against the integer reference (SIMD and scalar builds, 8-lane blocks and tails)', async () => {
    const { lifStepI16 } = await import('../../host/reference/lif-i16.js');
    const { denseAccumulateI16 } = await import('../../host/reference/kernels.js');
    const spec = i16Spec();
    const samples = tessSamples(8, 21, 5, 2);
    const sizes = [19, 9];
    const counts: number[][][] = [];
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const w = [rt.weights('input->fx') as Int16Array, rt.weights('fx->fx2') as Int16Array].map((a) => a.slice());
      const per: number[][] = [];
      // The integer reference of the same schedule: neurons step (reading last step's input), then synapses.
      const st = sizes.map((n) => ({ v: new Int16Array(n), i: new Int16Array(n), refr: new Int16Array(n), bias: new Int16Array(n) }));
      const input = sizes.map((n) => new Int32Array(n));
      const spk = sizes.map((n) => new Uint32Array(n));
      const params = spec.populations.map((p) => {
        const n = p.neuron as Extract<ModelSpec['populations'][number]['neuron'], { model: 'lif-i16' }>;
        return { shiftMem: n.shiftMem, shiftSyn: n.shiftSyn, vTh: n.threshold, vReset: n.reset.mode === 'value' ? n.reset.value : 0, resetSubtract: n.reset.mode === 'subtract', refracHold: Math.max(Math.round(n.refractoryMs) - 1, 0) };
      });
      for (const s of samples) {
        presentSample(rt, batchOf(s.spikes), { learn: false });
        for (const x of [...st.flatMap((q) => [q.v, q.i, q.refr]), ...input]) x.fill(0);
        const refCounts = sizes.map((n) => new Array<number>(n).fill(0));
        for (const list of s.spikes) {
          const pre = Uint32Array.from(list);
          const ns = sizes.map((n, k) => lifStepI16(n, st[k], params[k], input[k], spk[k]));
          ns.forEach((c, k) => { for (let q = 0; q < c; q++) refCounts[k][spk[k][q]]++; });
          denseAccumulateI16(w[0], 21, 19, pre, pre.length, input[0]);
          denseAccumulateI16(w[1], 19, 9, spk[0], ns[0], input[1]);
        }
        const got = ['fx', 'fx2'].map((name) => Array.from(rt.populationI16(name).counts));
        expect(got, build).toEqual(refCounts);
        expect(Array.from(rt.populationI16('fx').v)).toEqual(Array.from(st[0].v));
        expect(Array.from(rt.populationI16('fx2').v)).toEqual(Array.from(st[1].v));
        per.push(...got);
      }
      expect(per.flat().reduce((a, b) => a + b, 0)).toBeGreaterThan(20); // both layers fire
      counts.push(per);
    }
    expect(counts[0]).toEqual(counts[1]);
  });

  it('stores int16 weights as integer LSB and restores its state from a checkpoint', () => {
    const spec = i16Spec();
    const a = new Runtime(planModel(spec));
    const w = a.weightsF32('input->fx');
    expect(w.every((x) => Number.isInteger(x) && x >= -300 && x <= 1200)).toBe(true);
    const s = tessSamples(10, 21, 1, 2)[0];
    a.resetState();
    a.run(batchOf(s.spikes.slice(0, 20)));
    const b = decodeCheckpoint(encodeCheckpoint(a));
    for (const rt of [a, b]) rt.run(batchOf(s.spikes.slice(20)));
    expect(Array.from(b.populationI16('fx2').v)).toEqual(Array.from(a.populationI16('fx2').v));
    expect(Array.from(b.populationI16('fx').i)).toEqual(Array.from(a.populationI16('fx').i));
    expect(Array.from(b.populationI16('fx').refr)).toEqual(Array.from(a.populationI16('fx').refr));
    expect(a.population('fx').v.length).toBe(0); // int16 state: populationI16()
    expect(Array.from(a.population('fx').counts)).toEqual(Array.from(a.populationI16('fx').counts));
  });

  it('rejects what the fixed-point datapath cannot do, with path and range', () => {
    const fx = { model: 'lif-i16', shiftMem: 16, shiftSyn: 2, threshold: 40000, reset: { mode: 'value', value: 0.5 }, refractoryMs: 0 };
    expect(issues(raw(tessRule(), fx))).toEqual(expect.arrayContaining([
      { path: 'populations[0].neuron.shiftMem', message: 'must be >= 0 and <= 15, got 16' },
      { path: 'populations[0].neuron.threshold', message: 'must be >= 1 and <= 32767, got 40000' },
      { path: 'populations[0].neuron.reset.value', message: 'must be an integer, got 0.5' },
    ]));
    const ok = { ...fx, shiftMem: 3, threshold: 100, reset: { mode: 'subtract' } };
    const doc = raw(tessRule(), ok);
    expect(issues(doc)).toEqual([
      { path: 'projections[0].weights.dtype', message: 'must be "int16" (integer LSB) for a target with neuron.model "lif-i16", got "f32"' },
      { path: 'projections[0].plasticity', message: 'plasticity is not available into a "lif-i16" population (got rule "tess")' },
      { path: 'projections[0].plasticity.rule', message: '"tess" needs a target population with neuron.model "lif", got "lif-i16" (population "out")' },
    ]);
  });
});
