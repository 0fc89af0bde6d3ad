/**
 * Homeostatic learning-rate modulation as a readout option (readout.homeostasis on "delta"):
 *  - the spec path (Runtime.readoutLearn) equals the twin-driven computation of the concept-shift
 *    learner (delta rule at the current rate, then lrhUpdate on the mistake, then the 1 - phi u
 *    forgetting after a surprised mistake) bit for bit, in both kernel builds, on sizes with
 *    several SIMD blocks and a tail;
 *  - behaviour: on a label-remapping stream of synthetic count vectors the spec with homeostasis
 *    makes fewer mistakes after each shift than the same spec without it; the control with the
 *    surprise disabled (k = 0, phi = 0) is the fixed-rate learner exactly;
 *  - validation errors carry the JSON path and the allowed range; a checkpoint round trip
 *    restores the rate state; the firmware build refuses the option; ONNX/NIR export it (the
 *    learned readout is still a linear map at inference).
 * Features are event counts of a 1-row sensor (readout.from "input"), so each sample's feature
 * vector is exactly the counts written into it.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../host/errors.js';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { FirmwareBuildError, firmwareBlob } from '../../host/firmware/blob.js';
import { nirGraphOf } from '../../host/interop/nir-export.js';
import { exportOnnxReadout } from '../../host/interop/onnx-export.js';
import { conceptStream, mistakesAfterShifts } from '../../host/learn/scenarios/concept-shift.js';
import { presentSample } from '../../host/learn/online.js';
import { planModel } from '../../host/plan/plan.js';
import { readoutLearn as refDeltaLearn, traceDecay } from '../../host/reference/kernels.js';
import { lrhUpdate, type LrHomeostasisParams } from '../../host/reference/lr-homeostasis.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import type { KernelBuild } from '../../host/runtime/kernels.js';
import { Runtime } from '../../host/runtime/runtime.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Xoshiro128 } from '../../host/util/prng.js';

const BUILDS: KernelBuild[] = ['simd', 'scalar'];
/** The concept-shift learner's constants (host/learn/scenarios/concept-shift.ts HOMEOSTASIS). */
const HOMEO = { aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.1, phi: 0.5, etaMin: 0.01, etaMax: 1 };

function countSpec(width: number, readout: Record<string, unknown>): ModelSpec {
  return validateSpec({
    version: 1, name: 'homeostasis-test', dtMs: 1, seed: 7,
    input: { width, height: 1, polarity: 'merge' },
    populations: [], projections: [],
    readout: { from: 'input', ...readout },
  });
}

function countEvents(counts: ArrayLike<number>): EventBatch {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const b = allocBatch(n);
  let k = 0;
  for (let i = 0; i < counts.length; i++) for (let c = 0; c < counts[i]; c++) { b.t[k] = 100; b.x[k++] = i; }
  return makeBatch(b, n);
}

const show = (rt: Runtime, counts: ArrayLike<number>) => presentSample(rt, countEvents(counts), { learn: false });

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

/**
 * Synthetic count vectors: class c lights its own block of `nFeat / classes` pixels (2..4 events
 * each) over a sparse background (0..1 events per pixel), seeded per sample.
 */
function prototypeCounts(nFeat: number, classes: number, seed: number) {
  const block = Math.floor(nFeat / classes);
  return (i: number, cls: number): Int32Array => {
    const rng = new Xoshiro128((seed * 7919 + i) >>> 0);
    return Int32Array.from({ length: nFeat }, (_, j) => (Math.floor(j / block) === cls ? 2 + rng.nextInt(3) : rng.nextFloat() < 0.2 ? 1 : 0));
  };
}

describe('readout.homeostasis equals the twin-driven concept-shift computation', () => {
  // nFeat 37 and nClass 11: several 4-wide blocks and a tail on both axes.
  const nFeat = 37, nClass = 11, eta0 = 0.1;
  it.each(BUILDS)('bit for bit over a shifting stream, %s build', (build) => {
    const rt = new Runtime(planModel(countSpec(nFeat, { classes: nClass, rule: 'delta', learningRate: eta0, homeostasis: HOMEO })), build);
    const p: LrHomeostasisParams = { aFast: HOMEO.aFast, aSlow: HOMEO.aSlow, k: HOMEO.k, rho: HOMEO.rho, eta0, etaMin: HOMEO.etaMin, etaMax: HOMEO.etaMax };
    const w = new Float32Array(nFeat * nClass), scores = new Float32Array(nClass);
    const e = new Float32Array(1), fast = new Float32Array(1), slow = new Float32Array(1), eta = Float32Array.of(eta0);
    const sample = prototypeCounts(nFeat, nClass, 11);
    const pool = Array.from({ length: 400 }, (_, i) => i);
    const s = conceptStream(pool, (i) => i % nClass, 400, 130, 5, nClass);
    let forgets = 0, maxRate = 0;
    for (let t = 0; t < s.indices.length; t++) {
      const x = sample(s.indices[t], s.indices[t] % nClass);
      show(rt, x);
      // reference: the concept-shift learner's step (runStream), on the twins
      const rate = eta[0];
      maxRate = Math.max(maxRate, rate);
      refDeltaLearn(w, nFeat, nClass, Float32Array.from(x), s.labels[t], rate, scores);
      let pred = 0;
      for (let c = 1; c < nClass; c++) if (scores[c] > scores[pred]) pred = c;
      const ok = pred === s.labels[t];
      e[0] = ok ? 0 : 1;
      lrhUpdate(1, e, fast, slow, eta, p);
      if (e[0] > 0 && !ok) {
        traceDecay(w, nFeat * nClass, Math.max(0, 1 - HOMEO.phi * e[0]), -Infinity);
        forgets++;
      }
      expect(rt.readoutLearn(s.labels[t]), `prediction at ${t}`).toBe(pred);
      const st = rt.readoutRateState();
      expect([st.eta, st.fast, st.slow, st.surprise], `rate state at ${t}`).toEqual([eta[0], fast[0], slow[0], e[0]]);
    }
    expect(bitsEqual(rt.readoutWeights().slice(), w)).toBe(true);
    // the stream exercised the whole path: the rate rose and surprised mistakes forgot
    expect(maxRate).toBeGreaterThan(2 * eta0);
    expect(forgets).toBeGreaterThan(0);
  });
});

describe('behaviour on a label-remapping stream', () => {
  it('homeostasis recovers faster after shifts; the k = 0, phi = 0 control is the fixed-rate learner', () => {
    const nFeat = 40, classes = 5, eta0 = 0.05, every = 300, length = 1500;
    const sample = prototypeCounts(nFeat, classes, 3);
    const pool = Array.from({ length: 500 }, (_, i) => i);
    const s = conceptStream(pool, (i) => i % classes, length, every, 17, classes);
    const run = (homeostasis?: Record<string, number>) => {
      const rt = new Runtime(planModel(countSpec(nFeat, { classes, rule: 'delta', learningRate: eta0, ...(homeostasis ? { homeostasis } : {}) })));
      const out = new Uint8Array(length);
      for (let t = 0; t < length; t++) {
        show(rt, sample(s.indices[t], s.indices[t] % classes));
        out[t] = rt.readoutLearn(s.labels[t]) === s.labels[t] ? 1 : 0;
      }
      return out;
    };
    const fixed = run();
    const homeo = run(HOMEO);
    const control = run({ ...HOMEO, k: 0, phi: 0 });
    const m = mistakesAfterShifts(fixed, homeo, s.shifts, 100);
    const mc = mistakesAfterShifts(fixed, control, s.shifts, 100);
    console.log(`mistakes in the 100 samples after each of ${s.shifts.length} shifts: fixed ${m.fixed.toFixed(1)}, homeostasis ${m.homeostatic.toFixed(1)} (fewer after ${m.fewer}), control k=0 phi=0 ${mc.homeostatic.toFixed(1)}`);
    expect(s.shifts.length).toBe(4);
    // both learn the mapping before each shift (so "after the shift" measures relearning)
    const acc = (o: Uint8Array, a: number, b: number) => o.subarray(a, b).reduce((x, y) => x + y, 0) / (b - a);
    for (const sh of s.shifts) {
      expect(acc(fixed, sh - 50, sh), `fixed plateau before ${sh}`).toBeGreaterThanOrEqual(0.9);
      expect(acc(homeo, sh - 50, sh), `homeostatic plateau before ${sh}`).toBeGreaterThanOrEqual(0.9);
    }
    expect(m.homeostatic).toBeLessThan(0.75 * m.fixed);
    expect(m.fewer).toBe(s.shifts.length);
    // surprise off: the rate stays at learningRate and nothing is forgotten, outcome for outcome
    expect(Array.from(control)).toEqual(Array.from(fixed));
  });
});

function issues(readout: Record<string, unknown>): { path: string; message: string }[] {
  try {
    countSpec(8, readout);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return [...(e as SpecError).issues];
  }
  throw new Error('expected a SpecError');
}

describe('readout.homeostasis validation', () => {
  it('errors carry the JSON path and the allowed range', () => {
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, homeostasis: { aFast: 0, aSlow: 0.01, k: -1, rho: 1.5 } })).toEqual([
      { path: 'readout.homeostasis.aFast', message: 'must be > 0 and <= 1, got 0' },
      { path: 'readout.homeostasis.k', message: 'must be >= 0, got -1' },
      { path: 'readout.homeostasis.rho', message: 'must be >= 0 and <= 1, got 1.5' },
    ]);
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, homeostasis: { aFast: 0.2, aSlow: 0.2, k: 0.5, rho: 0.1, phi: 1.5, etaMin: 0.2, etaMax: 2 } })).toEqual([
      { path: 'readout.homeostasis.aSlow', message: 'must be > 0 and < 0.2, got 0.2' },
      { path: 'readout.homeostasis.phi', message: 'must be >= 0 and <= 1, got 1.5' },
      { path: 'readout.homeostasis.etaMin', message: 'must be > 0 and <= 0.1, got 0.2' },
      { path: 'readout.homeostasis.etaMax', message: 'must be >= 0.1 and < 2, got 2' },
    ]);
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, homeostasis: { aFast: 0.2, k: 0.5, rho: 0.1, eta0: 0.1 } })).toEqual([
      { path: 'readout.homeostasis.eta0', message: 'unknown field (allowed fields: aFast, aSlow, k, rho, phi, etaMin, etaMax)' },
      { path: 'readout.homeostasis.aSlow', message: 'missing required field (expected a number > 0 and < 0.2)' },
    ]);
    // defaults: no forgetting, rate bounds [learningRate, max(1, learningRate)]
    expect(countSpec(8, { classes: 2, rule: 'delta', learningRate: 0.1, homeostasis: { aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.1 } }).readout).toEqual({
      from: 'input', classes: 2, rule: 'delta', learningRate: 0.1, homeostasis: { aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.1, phi: 0, etaMin: 0.1, etaMax: 1 },
    });
  });
});

describe('readout.homeostasis state, checkpoints, firmware and export', () => {
  const nFeat = 12, classes = 3;
  const spec = () => countSpec(nFeat, { classes, rule: 'delta', learningRate: 0.05, homeostasis: HOMEO });
  /** Learns a stream whose mapping flips at 60, so the rate is raised when it stops at 80. */
  function trained(): Runtime {
    const rt = new Runtime(planModel(spec()));
    const sample = prototypeCounts(nFeat, classes, 9);
    for (let t = 0; t < 80; t++) {
      show(rt, sample(t, t % classes));
      rt.readoutLearn(t < 60 ? t % classes : (t + 1) % classes);
    }
    return rt;
  }

  it('a checkpoint round trip restores the rate state, and learning goes on identically', () => {
    const rt = trained();
    expect(rt.readoutRateState().eta).toBeGreaterThan(0.05 * 2);
    const back = decodeCheckpoint(encodeCheckpoint(rt));
    expect(back.readoutRateState()).toEqual(rt.readoutRateState());
    const sample = prototypeCounts(nFeat, classes, 10);
    for (let t = 0; t < 10; t++) {
      show(rt, sample(t, t % classes));
      show(back, sample(t, t % classes));
      expect(back.readoutLearn((t + 1) % classes)).toBe(rt.readoutLearn((t + 1) % classes));
      expect(back.readoutRateState()).toEqual(rt.readoutRateState());
    }
    expect(back.readoutState()).toEqual(rt.readoutState());
  });

  it('an explicit rate bypasses the homeostasis; resetReadout puts the rate back to rest', () => {
    const rt = trained();
    const before = rt.readoutRateState();
    show(rt, prototypeCounts(nFeat, classes, 1)(0, 0));
    rt.readoutLearn(2, 0.3);
    expect(rt.readoutRateState()).toEqual(before);
    rt.resetReadout();
    expect(rt.readoutRateState()).toEqual({ eta: Math.fround(0.05), fast: 0, slow: 0, surprise: 0 });
    const plain = new Runtime(planModel(countSpec(nFeat, { classes, rule: 'delta', learningRate: 0.05 })));
    expect(() => plain.readoutRateState()).toThrow(/has no homeostasis \(add readout.homeostasis to the spec\)/);
  });

  it('the firmware build refuses it; ONNX and NIR export the learned linear readout', () => {
    const plan = planModel(spec());
    expect(() => firmwareBlob(plan)).toThrow(FirmwareBuildError);
    expect(() => firmwareBlob(plan)).toThrow(/uses readout.homeostasis, which the firmware image does not implement/);
    const rt = trained();
    expect(exportOnnxReadout(rt).length).toBeGreaterThan(0);
    expect(nirGraphOf(rt).graph.nodes.length).toBeGreaterThan(0);
  });
});
