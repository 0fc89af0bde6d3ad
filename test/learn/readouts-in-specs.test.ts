/**
 * Readouts and continual-learning controls composed from model specs (readout.rule "ncm",
 * "hopfield", "gated-hebb"; readout.classp, readout.modes, readout.variability on "delta"):
 *  - each spec-built readout/control equals its kernel-level reference (host/reference), on
 *    sizes with several SIMD blocks and a tail, in both kernel builds;
 *  - behaviour from the spec path, each with a control that must fail: the Hopfield readout
 *    recalls stored prototypes from noisy cues (a memory of shuffled patterns does not); CLASSP
 *    reduces forgetting on a two-task sequence (the same spec without it forgets); modes adapt
 *    a frozen readout to a shifted input (no adaptation stays shifted);
 *  - validation errors carry the JSON path and the allowed range; checkpoints carry the state;
 *    the online learner and the firmware build handle the new rules.
 * Features are event counts of a 1-row sensor (readout.from "input"), so each sample's feature
 * vector is exactly the counts written into it.
 */
import { describe, expect, it } from 'vitest';
import { InteropError, SpecError, UsageError } from '../../host/errors.js';
import { nirGraphOf } from '../../host/interop/nir-export.js';
import { exportOnnxReadout } from '../../host/interop/onnx-export.js';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { FirmwareBuildError, firmwareBlob } from '../../host/firmware/blob.js';
import { evaluate, presentSample, trainOnline, type SampleSource } from '../../host/learn/online.js';
import { planModel } from '../../host/plan/plan.js';
import { classpApply, type ClasspParams } from '../../host/reference/classp.js';
import { gatedHebbLearn, gatedHebbPredict } from '../../host/reference/gated-hebb.js';
import { hopfieldRetrieve, hopfieldStore } from '../../host/reference/hopfield.js';
import { readoutLearn as refDeltaLearn, readoutPredict as refDeltaPredict, traceDecay } from '../../host/reference/kernels.js';
import { modeAdapt, modeApply, type ModeParams } from '../../host/reference/modes.js';
import { ncmPredict, ncmUpdate } from '../../host/reference/ncm.js';
import { noiseInject } from '../../host/reference/variability.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import type { KernelBuild } from '../../host/runtime/kernels.js';
import { invNormF32 } from '../../host/runtime/readouts.js';
import { Runtime } from '../../host/runtime/runtime.js';
import type { ModelSpec, ReadoutSpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Xoshiro128 } from '../../host/util/prng.js';

const fr = Math.fround;
const BUILDS: KernelBuild[] = ['simd', 'scalar'];

/** A spec whose readout reads the raw event counts of a width x 1 sensor. */
function countSpec(width: number, readout: Record<string, unknown>, extra: Record<string, unknown> = {}): ModelSpec {
  return validateSpec({
    version: 1, name: 'readout-test', dtMs: 1, seed: 7,
    input: { width, height: 1, polarity: 'merge' },
    populations: [], projections: [],
    readout: { from: 'input', ...readout },
    ...extra,
  });
}

/** One step's events: counts[i] events at pixel i (all in step 0). */
function countEvents(counts: ArrayLike<number>): EventBatch {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const b = allocBatch(n);
  let k = 0;
  for (let i = 0; i < counts.length; i++) for (let c = 0; c < counts[i]; c++) { b.t[k] = 100; b.x[k++] = i; }
  return makeBatch(b, n);
}

function show(rt: Runtime, counts: ArrayLike<number>): void {
  presentSample(rt, countEvents(counts), { learn: false });
}

const randomCounts = (rng: Xoshiro128, n: number, max: number, pZero = 0.3) =>
  Int32Array.from({ length: n }, () => (rng.nextFloat() < pZero ? 0 : 1 + rng.nextInt(max)));

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

// ── Parity with the kernel-level references ─────────────────────────────────────────────────

describe('spec-built readouts equal their kernel-level references', () => {
  // nFeat 37 and nClass 11 give several 4-wide blocks and a tail on both axes.
  const nFeat = 37, nClass = 11;

  it.each(BUILDS)('ncm (l2 and cosine), %s build', (build) => {
    for (const metric of ['l2', 'cosine'] as const) {
      const rt = new Runtime(planModel(countSpec(nFeat, { classes: nClass, rule: 'ncm', metric })), build);
      const mu = new Float32Array(nFeat * nClass), counts = new Int32Array(nClass), scores = new Float32Array(nClass);
      const rng = new Xoshiro128(3);
      expect(() => show(rt, randomCounts(rng, nFeat, 5))).not.toThrow();
      expect(rt.readoutPredict()).toBe(-1); // nothing stored yet
      for (let k = 0; k < 120; k++) {
        const x = randomCounts(rng, nFeat, 6);
        const label = rng.nextInt(nClass);
        show(rt, x);
        const xf = Float32Array.from(x);
        const refPred = ncmPredict(mu, counts, nFeat, nClass, xf, metric === 'cosine', scores);
        expect(rt.readoutLearn(label)).toBe(refPred);
        ncmUpdate(mu, counts, nFeat, nClass, xf, label);
        expect(bitsEqual(rt.readoutScores(), scores), `${metric} scores at sample ${k}`).toBe(true);
      }
      expect(bitsEqual(rt.readoutWeights().slice(), mu)).toBe(true);
    }
  });

  it.each(BUILDS)('hopfield (one-shot store, ring of slots, softmax retrieval), %s build', (build) => {
    const slots = 13, beta = 0.05;
    const rt = new Runtime(planModel(countSpec(nFeat, { classes: nClass, rule: 'hopfield', slots, beta })), build);
    const mem = new Float32Array(nFeat * slots), p = new Float32Array(slots), out = new Float32Array(nFeat);
    const labels = new Int32Array(slots);
    const rng = new Xoshiro128(4);
    let used = 0, next = 0;
    for (let k = 0; k < 40; k++) { // 40 > 13: the oldest slots are overwritten
      const x = Float32Array.from(randomCounts(rng, nFeat, 4));
      const label = rng.nextInt(nClass);
      show(rt, x);
      const best = hopfieldRetrieve(mem, nFeat, slots, used, x, beta, p, out);
      expect(rt.readoutLearn(label)).toBe(best < 0 ? -1 : labels[best]);
      hopfieldStore(mem, nFeat, slots, next, x);
      labels[next] = label;
      next = (next + 1) % slots;
      used = Math.min(used + 1, slots);
      show(rt, randomCounts(rng, nFeat, 4));
      const q = rt.features().slice();
      const b2 = hopfieldRetrieve(mem, nFeat, slots, used, q, beta, p, out);
      expect(rt.readoutPredict()).toBe(labels[b2]);
      // exp differs between the kernels' software expf and Math.exp: the reference's tolerance
      const got = rt.readoutRetrieved();
      for (let f = 0; f < nFeat; f++) expect(Math.abs(got[f] - out[f])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(out[f])));
      const classMass = new Float32Array(nClass);
      for (let s = 0; s < used; s++) classMass[labels[s]] = fr(classMass[labels[s]] + p[s]);
      const sc = rt.readoutScores();
      for (let c = 0; c < nClass; c++) expect(Math.abs(sc[c] - classMass[c])).toBeLessThanOrEqual(1e-5);
    }
    expect(bitsEqual(rt.readoutWeights().slice(), mem)).toBe(true);
  });

  it.each(BUILDS)('delta rule through CLASSP (power 1 and 2), %s build', (build) => {
    for (const power of [1, 2] as const) {
      const cp: ClasspParams = { eta: 0.3, eps: 0.05, threshold: 1e-4, power, wMin: -1.5, wMax: 1.5 };
      const rt = new Runtime(planModel(countSpec(nFeat, { classes: nClass, rule: 'delta', learningRate: cp.eta, classp: { eps: cp.eps, threshold: cp.threshold, power, wMin: cp.wMin, wMax: cp.wMax } })), build);
      const w = new Float32Array(nFeat * nClass), acc = new Float32Array(nFeat * nClass), scores = new Float32Array(nClass);
      const rng = new Xoshiro128(5);
      for (let k = 0; k < 80; k++) {
        const x = Float32Array.from(randomCounts(rng, nFeat, 5));
        const label = rng.nextInt(nClass);
        show(rt, x);
        refDeltaPredict(w, nFeat, nClass, x, scores);
        let pred = 0;
        for (let c = 1; c < nClass; c++) if (scores[c] > scores[pred]) pred = c;
        const err = Float32Array.from(scores, (s, c) => fr((c === label ? 1 : 0) - s));
        const inv = invNormF32(x, nFeat);
        const xh = Float32Array.from(x, (v) => fr(v * inv));
        expect(rt.readoutLearn(label)).toBe(pred);
        classpApply(w, acc, nFeat, nClass, xh, err, 1, cp);
      }
      expect(bitsEqual(rt.readoutWeights().slice(), w), `power ${power}`).toBe(true);
      expect(rt.readoutWeights().every((v) => v >= cp.wMin && v <= cp.wMax)).toBe(true);
    }
  });

  it.each(BUILDS)('delta rule with modes (apply, then adapt with the weights frozen), %s build', (build) => {
    const mp: ModeParams = { etaGain: 0.02, etaThr: 0.5, gainMin: 0.1, gainMax: 3, thrMin: -4, thrMax: 4 };
    const modes = { etaGain: mp.etaGain, etaThreshold: mp.etaThr, gainMin: mp.gainMin, gainMax: mp.gainMax, thresholdMin: mp.thrMin, thresholdMax: mp.thrMax };
    const rt = new Runtime(planModel(countSpec(nFeat, { classes: nClass, rule: 'delta', learningRate: 0.5, modes })), build);
    const w = new Float32Array(nFeat * nClass), scores = new Float32Array(nClass);
    const gain = new Float32Array(nFeat).fill(1), thr = new Float32Array(nFeat), u = new Float32Array(nFeat);
    const rng = new Xoshiro128(6);
    for (let k = 0; k < 60; k++) {
      const x = Float32Array.from(randomCounts(rng, nFeat, 5));
      const label = rng.nextInt(nClass);
      show(rt, x);
      modeApply(nFeat, x, gain, thr, u);
      if (k < 30) {
        rt.readoutLearn(label);
        refDeltaLearn(w, nFeat, nClass, u, label, 0.5, scores);
      } else {
        const wBefore = rt.readoutWeights().slice();
        refDeltaPredict(w, nFeat, nClass, u, scores);
        const err = Float32Array.from(scores, (s, c) => fr((c === label ? 1 : 0) - s));
        const inv = invNormF32(u, nFeat);
        const sig = new Float32Array(nFeat);
        for (let j = 0; j < nFeat; j++) {
          let a = 0;
          for (let c = 0; c < nClass; c++) a = fr(a + fr(w[j * nClass + c] * err[c]));
          sig[j] = fr(inv * a);
        }
        rt.readoutAdaptModes(label);
        modeAdapt(nFeat, x, sig, gain, thr, mp);
        expect(bitsEqual(rt.readoutWeights().slice(), wBefore)).toBe(true); // frozen
      }
    }
    expect(bitsEqual(rt.readoutWeights().slice(), w)).toBe(true);
    const m = rt.readoutModes();
    expect(bitsEqual(m.gain.slice(), gain)).toBe(true);
    expect(bitsEqual(m.threshold.slice(), thr)).toBe(true);
    expect(gain.some((g) => g !== 1) && thr.some((t) => t !== 0)).toBe(true);
  });

  it.each(BUILDS)('delta rule with variability (noise on the learning input only), %s build', (build) => {
    const sigma = 0.7;
    for (const distribution of ['uniform', 'irwin-hall'] as const) {
      const spec = countSpec(nFeat, { classes: nClass, rule: 'delta', learningRate: 0.4, variability: { sigma, distribution } });
      const rt = new Runtime(planModel(spec), build);
      const ref = new Xoshiro128(spec.seed!); // the arena PRNG's twin, seeded with the spec seed
      const w = new Float32Array(nFeat * nClass), scores = new Float32Array(nClass), sc2 = new Float32Array(nClass);
      const rng = new Xoshiro128(8);
      for (let k = 0; k < 30; k++) {
        const x = Float32Array.from(randomCounts(rng, nFeat, 5));
        show(rt, x);
        refDeltaPredict(w, nFeat, nClass, x, sc2);
        rt.readoutPredict(); // noise-free
        expect(bitsEqual(rt.readoutScores(), sc2)).toBe(true);
        const noisy = x.slice();
        noiseInject(noisy, nFeat, ref, sigma, distribution === 'irwin-hall' ? 1 : 0);
        rt.readoutLearn(k % nClass);
        refDeltaLearn(w, nFeat, nClass, noisy, k % nClass, 0.4, scores);
      }
      expect(bitsEqual(rt.readoutWeights().slice(), w), distribution).toBe(true);
    }
  });

  it.each(BUILDS)('gated-hebb: per-step filtered traces from the schedule, gated learning, %s build', (build) => {
    const nSrc = 9, nOut = 5, tau = 10, tauSlow = 40;
    const spec = countSpec(nSrc, { classes: nOut, rule: 'gated-hebb', learningRate: 0.05, tauMs: tau, tauSlowMs: tauSlow, bias: true, wMin: -0.5, wMax: 0.5, bounds: 'soft' });
    const rt = new Runtime(planModel(spec), build);
    const nFeat = 2 * nSrc + 1;
    expect(rt.plan.readout!.nFeat).toBe(nFeat);
    const r = new Float32Array(nFeat), w = new Float32Array(nFeat * nOut), y = new Float32Array(nOut), err = new Float32Array(nOut);
    const p = { alpha: 0, floor: 0, kA: 0, kC: 0, eta: 0.05, wMin: -0.5, wMax: 0.5, soft: true };
    const rng = new Xoshiro128(9);
    rt.resetState();
    r[nFeat - 1] = 1;
    for (let t = 0; t < 60; t++) {
      const counts = randomCounts(rng, nSrc, 2, 0.7);
      const ev = countEvents(counts);
      for (let k = 0; k < ev.length; k++) ev.t[k] = t * 1000 + 100;
      rt.run(ev, { startUs: t * 1000, steps: 1 });
      // reference: r <- alpha r (floor 1e-30), then +1 per event, per filter
      for (const [k, tc] of [[0, tau], [1, tauSlow]] as const) {
        const seg = r.subarray(k * nSrc, (k + 1) * nSrc);
        traceDecay(seg, nSrc, Math.exp(-1 / tc), 1e-30);
        for (let i = 0; i < nSrc; i++) for (let c = 0; c < counts[i]; c++) seg[i] = fr(seg[i] + 1);
      }
      expect(bitsEqual(rt.features().slice(), r), `traces at step ${t}`).toBe(true);
      const target = Float32Array.from({ length: nOut }, () => rng.nextFloat());
      const gate = t % 3 === 0 ? null : Float32Array.from({ length: nOut }, () => (rng.nextFloat() < 0.5 ? 1 : 0));
      rt.readoutLearnGated(target, gate);
      gatedHebbLearn(w, nFeat, nOut, r, target, gate, p, y, err);
      expect(bitsEqual(rt.readoutScores(), y)).toBe(true);
    }
    expect(bitsEqual(rt.readoutWeights().slice(), w)).toBe(true);
    gatedHebbPredict(w, nFeat, nOut, r, y);
    let best = 0;
    for (let k = 1; k < nOut; k++) if (y[k] > y[best]) best = k;
    expect(rt.readoutPredict()).toBe(best);
    rt.resetState(); // a new sample: traces cleared, the constant feature back to 1
    expect(Array.from(rt.features())).toEqual([...new Array(nFeat - 1).fill(0), 1]);
  });
});

// ── Behaviour from the spec path ─────────────────────────────────────────────────────────────

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * 32 random binary prototypes of dimension 128 (64 active pixels each, 2 events per active
 * pixel) are stored in one shot by a hopfield readout (one readoutLearn each, label = index).
 * Cues are prototypes with 25% of their pixels flipped; the readout must name the prototype and
 * its retrieved pattern (thresholded at 1 event) must equal the prototype everywhere. Control:
 * the same readout storing each prototype with its pixels shuffled (a memory of the wrong
 * patterns under the right labels) recalls at chance.
 */
function runHopfield(seed: number, shuffledStore: boolean) {
  const d = 128, P = 32;
  const rng = new Xoshiro128(seed);
  const rt = new Runtime(planModel(countSpec(d, { classes: P, rule: 'hopfield', slots: P, beta: 0.25 })));
  const perm = (n: number) => {
    const a = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = rng.nextInt(i + 1); [a[i], a[j]] = [a[j], a[i]]; }
    return a;
  };
  const protos = Array.from({ length: P }, () => {
    const on = new Set(perm(d).slice(0, d / 2));
    return Int32Array.from({ length: d }, (_, i) => (on.has(i) ? 2 : 0));
  });
  protos.forEach((x, k) => {
    const stored = shuffledStore ? Int32Array.from(perm(d), (i) => x[i]) : x;
    show(rt, stored);
    rt.readoutLearn(k);
  });
  let named = 0, completed = 0;
  const nCues = 4 * P;
  for (let q = 0; q < nCues; q++) {
    const k = q % P;
    const cue = protos[k].slice();
    for (const i of perm(d).slice(0, d / 4)) cue[i] = cue[i] === 0 ? 2 : 0;
    show(rt, cue);
    if (rt.readoutPredict() === k) named++;
    const back = rt.readoutRetrieved();
    if (protos[k].every((v, i) => (back[i] > 1 ? 2 : 0) === v)) completed++;
  }
  return { named: named / nCues, completed: completed / nCues };
}

describe('hopfield readout from a spec (Ramsauer et al. 2020)', () => {
  it('recalls 32 one-shot prototypes from 25%-corrupted cues; a memory of shuffled patterns does not', () => {
    const r = [1, 2].map((s) => runHopfield(s, false)), c = [1, 2].map((s) => runHopfield(s, true));
    const rn = mean(r.map((x) => x.named)), rc = mean(r.map((x) => x.completed)), cn = mean(c.map((x) => x.named)), cc = mean(c.map((x) => x.completed));
    console.log(`hopfield readout: cue named ${rn.toFixed(3)}, pattern completed ${rc.toFixed(3)}; shuffled store: named ${cn.toFixed(3)}, completed ${cc.toFixed(3)} (chance 1/32)`);
    expect(rn).toBeGreaterThanOrEqual(0.98);
    expect(rc).toBeGreaterThanOrEqual(0.95);
    expect(cn).toBeLessThan(0.15);
    expect(cc).toBe(0);
  });
});

/**
 * The kernel-level CLASSP test's two-task sequence (test/learn/rules-3f-behaviour.test.ts), as
 * event counts: 40 features, 20 shared by both tasks (whose class meaning task B reverses) and 10
 * private to each task; a readout relying on the private features solves both tasks. The same
 * spec is trained on task A, then on task B, with and without readout.classp.
 */
function twoTaskCounts(rng: Xoshiro128, nIn = 40) {
  const pattern = (lo: number, hi: number) => {
    const v = new Float32Array(nIn);
    for (let i = lo; i < hi; i++) if (rng.nextFloat() < 0.5) v[i] = 0.5 + rng.nextFloat();
    return v;
  };
  const P = [pattern(0, 20), pattern(0, 20)], QA = [pattern(20, 30), pattern(20, 30)], QB = [pattern(30, 40), pattern(30, 40)];
  return (task: 0 | 1, c: number) => {
    const shared = P[task === 0 ? c : 1 - c], priv = (task === 0 ? QA : QB)[c];
    return Int32Array.from({ length: nIn }, (_, i) => Math.max(0, Math.round(4 * ((shared[i] + priv[i]) * (0.7 + 0.6 * rng.nextFloat()) + 0.2 * (rng.nextFloat() - 0.5)))));
  };
}

function runTwoTasks(seed: number, classp: boolean) {
  const rng = new Xoshiro128(seed);
  const sample = twoTaskCounts(rng);
  const readout = { classes: 2, rule: 'delta', learningRate: 0.1, ...(classp ? { classp: { eps: 0.05, threshold: 1e-4, power: 1, wMin: -4, wMax: 4 } } : {}) };
  const rt = new Runtime(planModel(countSpec(40, readout)));
  const train = (task: 0 | 1) => {
    for (let k = 0; k < 300; k++) {
      const c = rng.nextInt(2);
      show(rt, sample(task, c));
      rt.readoutLearn(c);
    }
  };
  const test = (task: 0 | 1) => {
    let ok = 0;
    for (let k = 0; k < 200; k++) { show(rt, sample(task, k % 2)); if (rt.readoutPredict() === k % 2) ok++; }
    return ok / 200;
  };
  train(0);
  const aAfterA = test(0);
  train(1);
  return { aAfterA, aAfterB: test(0), bAfterB: test(1) };
}

describe('CLASSP on a spec-built delta readout (Ludwig 2024)', () => {
  it('reduces forgetting on a two-task sequence compared with the same spec without it (three seeds)', () => {
    const sum = (rs: ReturnType<typeof runTwoTasks>[]) => ({ aA: mean(rs.map((r) => r.aAfterA)), aB: mean(rs.map((r) => r.aAfterB)), bB: mean(rs.map((r) => r.bAfterB)) });
    const p = sum([1, 2, 3].map((s) => runTwoTasks(s, false))), c = sum([1, 2, 3].map((s) => runTwoTasks(s, true)));
    console.log(`two tasks from a spec (mean of 3 seeds): delta acc_A ${p.aA.toFixed(3)} -> ${p.aB.toFixed(3)} (forgetting ${(p.aA - p.aB).toFixed(3)}), acc_B ${p.bB.toFixed(3)}; ` +
      `with readout.classp acc_A ${c.aA.toFixed(3)} -> ${c.aB.toFixed(3)} (forgetting ${(c.aA - c.aB).toFixed(3)}), acc_B ${c.bB.toFixed(3)}`);
    expect(p.aA).toBeGreaterThanOrEqual(0.95);
    expect(c.aA).toBeGreaterThanOrEqual(0.95);
    expect(p.aA - p.aB).toBeGreaterThan(0.4);
    expect(c.aA - c.aB).toBeLessThan(0.1);
    expect(c.bB).toBeGreaterThanOrEqual(0.9);
  });
});

/**
 * A 4-class delta readout learns clean samples (40 features: class prototypes of 0-6 events per
 * pixel plus noise). The input then shifts as a sensor drifts: every pixel's sensitivity changes
 * (x -> a_j x, a_j in [0.3, 1.7]) and background activity adds 5-10 events to each pixel that class
 * 0's prototype uses, so that the frozen readout sees class 0 everywhere.
 * With every weight frozen, readoutAdaptModes adapts the per-neuron gains and thresholds on
 * labelled shifted samples. Control: the same frozen readout without adaptation.
 */
function runModeShift(seed: number, adapt: boolean) {
  const rng = new Xoshiro128(seed);
  const nIn = 40, nClass = 4;
  const protos = Array.from({ length: nClass }, () => Float32Array.from({ length: nIn }, () => (rng.nextFloat() < 0.5 ? 6 * rng.nextFloat() : 0)));
  // Drift: sensitivities a_j in [0.3, 1.7]; background of 5-10 events on the pixels class 0 uses.
  const a = Float32Array.from({ length: nIn }, () => 0.3 + 1.4 * rng.nextFloat());
  const b = Float32Array.from(protos[0], (v) => (v > 0 ? 5 + 5 * rng.nextFloat() : 0));
  const sample = (c: number, shifted: boolean) => Int32Array.from(protos[c], (v, j) => {
    const x = Math.max(0, v + 1.5 * rng.nextGaussian());
    return Math.max(0, Math.round(shifted ? a[j] * x + b[j] : x));
  });
  const modes = { etaGain: 0.02, etaThreshold: 1, gainMin: 0, gainMax: 4, thresholdMin: -10, thresholdMax: 10 };
  const rt = new Runtime(planModel(countSpec(nIn, { classes: nClass, rule: 'delta', learningRate: 0.2, modes })));
  for (let k = 0; k < 600; k++) { const c = rng.nextInt(nClass); show(rt, sample(c, false)); rt.readoutLearn(c); }
  const test = (shifted: boolean) => {
    let ok = 0;
    for (let k = 0; k < 400; k++) { show(rt, sample(k % nClass, shifted)); if (rt.readoutPredict() === k % nClass) ok++; }
    return ok / 400;
  };
  const clean = test(false), shiftedBefore = test(true);
  const w = rt.readoutWeights().slice();
  if (adapt) for (let k = 0; k < 600; k++) { const c = rng.nextInt(nClass); show(rt, sample(c, true)); rt.readoutAdaptModes(c); }
  return { clean, shiftedBefore, shiftedAfter: test(true), frozen: bitsEqual(rt.readoutWeights().slice(), w) };
}

describe('modes on a spec-built readout (Stroud et al. 2018)', () => {
  it('adapt a frozen readout to a shifted input; without adaptation it stays shifted (three seeds)', () => {
    const r = [1, 2, 3].map((s) => runModeShift(s, true)), c = [1, 2, 3].map((s) => runModeShift(s, false));
    const m = (rs: typeof r, k: 'clean' | 'shiftedBefore' | 'shiftedAfter') => mean(rs.map((x) => x[k]));
    console.log(`modes: clean ${m(r, 'clean').toFixed(3)}, shifted ${m(r, 'shiftedBefore').toFixed(3)} -> adapted ${m(r, 'shiftedAfter').toFixed(3)} (weights frozen); no adaptation: shifted ${m(c, 'shiftedAfter').toFixed(3)}`);
    expect(r.every((x) => x.frozen)).toBe(true);
    expect(m(r, 'clean')).toBeGreaterThanOrEqual(0.9);
    expect(m(r, 'shiftedAfter')).toBeGreaterThanOrEqual(m(r, 'clean') - 0.1);
    expect(m(c, 'shiftedAfter')).toBeLessThan(m(r, 'shiftedAfter') - 0.2);
  });
});

// ── Validation, checkpoints, the online learner, the firmware build ──────────────────────────

function issues(readout: Record<string, unknown>): { path: string; message: string }[] {
  try {
    countSpec(8, readout);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return [...(e as SpecError).issues];
  }
  throw new Error('expected a SpecError');
}

describe('readout validation: every error carries its JSON path and the allowed range', () => {
  it('rejects out-of-range readout and control parameters', () => {
    expect(issues({ classes: 2, rule: 'knn' })).toEqual([{ path: 'readout.rule', message: 'must be one of "delta", "ncm", "hopfield", "gated-hebb", got "knn"' }]);
    expect(issues({ classes: 2, rule: 'ncm', metric: 'manhattan', learningRate: 0.1 })).toEqual([
      { path: 'readout.learningRate', message: 'unknown field (allowed fields: from, classes, rule, metric)' },
      { path: 'readout.metric', message: 'must be one of "l2", "cosine", got "manhattan"' },
    ]);
    expect(issues({ classes: 2, rule: 'hopfield', slots: 0, beta: 0 })).toEqual([
      { path: 'readout.slots', message: 'must be >= 1 and <= 65536, got 0' },
      { path: 'readout.beta', message: 'must be > 0, got 0' },
    ]);
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, classp: { eps: 0, threshold: -1, power: 3, wMin: 1, wMax: -1 } })).toEqual([
      { path: 'readout.classp.eps', message: 'must be > 0, got 0' },
      { path: 'readout.classp.threshold', message: 'must be >= 0, got -1' },
      { path: 'readout.classp.power', message: 'must be 1 or 2, got 3' },
      { path: 'readout.classp.wMax', message: 'must be > wMin (1), got -1' },
    ]);
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, modes: { etaGain: -1, etaThreshold: 0.1, gainMin: 1.5, gainMax: 3, thresholdMin: 0.5, thresholdMax: 2 } })).toEqual([
      { path: 'readout.modes.etaGain', message: 'must be >= 0, got -1' },
      { path: 'readout.modes', message: '[gainMin, gainMax] must contain the initial gain 1, got [1.5, 3]' },
      { path: 'readout.modes', message: '[thresholdMin, thresholdMax] must contain the initial threshold 0, got [0.5, 2]' },
    ]);
    expect(issues({ classes: 2, rule: 'delta', learningRate: 0.1, variability: { sigma: 0, distribution: 'gaussian' } })).toEqual([
      { path: 'readout.variability.sigma', message: 'must be > 0, got 0' },
      { path: 'readout.variability.distribution', message: 'must be one of "uniform", "irwin-hall", got "gaussian"' },
    ]);
    expect(issues({ classes: 2, rule: 'gated-hebb', learningRate: 0, tauMs: -5, bias: 1, wMin: 0, wMax: 0, bounds: 'clip' })).toEqual([
      { path: 'readout.learningRate', message: 'must be > 0, got 0' },
      { path: 'readout.tauMs', message: 'must be > 0, got -5' },
      { path: 'readout.bias', message: 'must be true or false, got number 1' },
      { path: 'readout.wMax', message: 'must be > wMin (0), got 0' },
      { path: 'readout.bounds', message: 'must be one of "hard", "soft", got "clip"' },
    ]);
    // defaults: bias true, no second filter
    expect(countSpec(8, { classes: 2, rule: 'gated-hebb', learningRate: 0.1, tauMs: 10, wMin: -1, wMax: 1, bounds: 'hard' }).readout).toEqual(
      { from: 'input', classes: 2, rule: 'gated-hebb', learningRate: 0.1, tauMs: 10, bias: true, wMin: -1, wMax: 1, bounds: 'hard' });
  });
});

describe('checkpoints carry the readouts\' state', () => {
  const readouts: Record<string, unknown>[] = [
    { classes: 3, rule: 'ncm', metric: 'l2' },
    { classes: 3, rule: 'hopfield', slots: 5, beta: 0.1 },
    { classes: 3, rule: 'delta', learningRate: 0.3, classp: { eps: 0.1, threshold: 0, power: 2, wMin: -2, wMax: 2 }, modes: { etaGain: 0.01, etaThreshold: 0.3, gainMin: 0, gainMax: 2, thresholdMin: -3, thresholdMax: 3 }, variability: { sigma: 0.5, distribution: 'uniform' } },
    { classes: 3, rule: 'gated-hebb', learningRate: 0.05, tauMs: 5, bias: true, wMin: -1, wMax: 1, bounds: 'hard' },
  ];
  it.each(readouts.map((r) => [r.rule as string, r] as const))('%s: a round trip restores every learned byte and the same predictions', (_rule, readout) => {
    const rt = new Runtime(planModel(countSpec(12, readout)));
    const rng = new Xoshiro128(10);
    for (let k = 0; k < 12; k++) {
      show(rt, randomCounts(rng, 12, 4));
      rt.readoutLearn(k % 3);
      if (rt.plan.readout!.modes) rt.readoutAdaptModes(k % 3);
    }
    const back = decodeCheckpoint(encodeCheckpoint(rt));
    expect(back.readoutState()).toEqual(rt.readoutState());
    expect(rt.readoutState().some((v) => v !== 0)).toBe(true);
    for (let k = 0; k < 6; k++) {
      const x = randomCounts(rng, 12, 4);
      show(rt, x);
      show(back, x);
      expect(back.readoutPredict()).toBe(rt.readoutPredict());
      expect(back.readoutScores()).toEqual(rt.readoutScores());
    }
    // learning goes on identically (including the variability noise: the PRNG is checkpointed)
    show(rt, randomCounts(new Xoshiro128(1), 12, 4));
    show(back, randomCounts(new Xoshiro128(1), 12, 4));
    rt.readoutLearn(1);
    back.readoutLearn(1);
    expect(back.readoutState()).toEqual(rt.readoutState());
  });
});

describe('the online learner and the firmware build with the new readouts', () => {
  /** Two well-separated classes of count vectors. */
  const source = (n: number, seed: number): SampleSource => {
    const rng = new Xoshiro128(seed);
    const xs = Array.from({ length: n }, (_, i) => Int32Array.from({ length: 16 }, (_, j) => ((j < 8) === (i % 2 === 0) ? 3 + rng.nextInt(3) : rng.nextInt(2))));
    return { count: n, events: (i) => countEvents(xs[i]), label: (i) => i % 2 };
  };
  it.each([
    { classes: 2, rule: 'ncm', metric: 'cosine' },
    { classes: 2, rule: 'hopfield', slots: 64, beta: 0.2 },
    { classes: 2, rule: 'delta', learningRate: 0.5, classp: { eps: 0.1, threshold: 0, power: 2, wMin: -3, wMax: 3 } },
  ])('trainOnline + evaluate with readout.rule $rule', (readout) => {
    const rt = new Runtime(planModel(countSpec(16, readout)));
    const train = source(80, 1), test = source(40, 2);
    const r = trainOnline(rt, train, Array.from({ length: 80 }, (_, i) => i));
    if (readout.rule !== 'delta') expect(r.prequential).toHaveLength(1); // no step size to search
    expect(evaluate(rt, test, Array.from({ length: 40 }, (_, i) => i)).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('ONNX and NIR export refuse readouts that are not a linear map of the counts; CLASSP exports (it acts while learning only)', () => {
    const spec = (readout: Record<string, unknown>) => validateSpec({
      version: 1, name: 'export-test', dtMs: 1, input: { width: 4, height: 1, polarity: 'merge' },
      populations: [{ name: 'h', size: 3, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 0 } }],
      projections: [{ from: 'input', to: 'h', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.5 } } }],
      readout: { from: 'h', classes: 2, ...readout },
    });
    for (const readout of [{ rule: 'hopfield', slots: 4, beta: 1 }, { rule: 'delta', learningRate: 0.5, modes: { etaGain: 0.1, etaThreshold: 0.1, gainMin: 0, gainMax: 2, thresholdMin: -1, thresholdMax: 1 } }]) {
      const rt = new Runtime(planModel(spec(readout)));
      expect(() => exportOnnxReadout(rt)).toThrow(InteropError);
      expect(() => nirGraphOf(rt)).toThrow(/readout/);
    }
    const ok = new Runtime(planModel(spec({ rule: 'delta', learningRate: 0.5, classp: { eps: 0.1, threshold: 0, power: 2, wMin: -1, wMax: 1 } })));
    expect(exportOnnxReadout(ok).length).toBeGreaterThan(0);
    expect(nirGraphOf(ok).graph.nodes.length).toBeGreaterThan(0);
  });

  it('host calls that do not fit the readout are usage errors that say why', () => {
    const delta = new Runtime(planModel(countSpec(4, { classes: 2, rule: 'delta', learningRate: 0.5 })));
    expect(() => delta.readoutAdaptModes(0)).toThrow(/has no modes \(add readout.modes to the spec\)/);
    expect(() => delta.readoutLearnGated([1, 0])).toThrow(/needs a "gated-hebb" readout, model "readout-test" has "delta"/);
    expect(() => delta.readoutRetrieved()).toThrow(UsageError);
    expect(() => delta.readoutLearn(2)).toThrow(/label must be an integer in 0..1, got 2/);
    expect(() => delta.setReadoutState(new Uint8Array(3))).toThrow(/expected \d+ bytes/);
    const gated = new Runtime(planModel(countSpec(4, { classes: 2, rule: 'gated-hebb', learningRate: 0.1, tauMs: 5, wMin: -1, wMax: 1, bounds: 'hard' })));
    expect(() => gated.readoutLearnGated([1, 0, 0])).toThrow(/target must have 2 entries/);
    expect(() => gated.readoutLearnGated([1, NaN])).toThrow(/target\[1\] must be a finite number, got NaN/);
    expect(() => gated.readoutLearnGated([1, 0], [1])).toThrow(/gate must have 2 entries/);
  });

  it('build-firmware refuses every readout but the plain delta rule, with a clear error', () => {
    for (const readout of [
      { classes: 2, rule: 'ncm', metric: 'l2' },
      { classes: 2, rule: 'delta', learningRate: 0.5, modes: { etaGain: 0.01, etaThreshold: 0.1, gainMin: 0, gainMax: 2, thresholdMin: -1, thresholdMax: 1 } },
    ]) {
      const plan = planModel(countSpec(16, readout));
      expect(() => firmwareBlob(plan)).toThrow(FirmwareBuildError);
      expect(() => firmwareBlob(plan)).toThrow(/does not implement: it supports readout.rule "delta" without classp, modes or variability/);
    }
  });
});

/**
 * "What" and "when" from a spec: the kernel-level reservoir task of
 * test/learn/rules-3f-behaviour.test.ts composed from populations, projections and a
 * `gated-hebb` readout. An Izhikevich reservoir (80 regular-spiking E, 20 fast-spiking I neurons,
 * bias currents 3-8, sparse random recurrent weights set after construction) receives one of
 * three cues (10 input channels each, 300 Hz for 10 ms, then 200 Hz); the cue's event follows
 * after a cue-specific delay (30, 50 or 70 ms). The readout reads E's spike trains filtered with
 * 10 and 40 ms plus a constant feature; it learns at every step (rt.readoutLearnGated, step
 * normalised by the feature energy): "what" (3 units) with an AGREL gate (only the unit the
 * network selects, epsilon-greedy, learns; target = 1 if it names the coming event) in the window
 * [10 ms, event), "when" (1 unit) with target 1 in the 10 ms before the event. Control: the same
 * readout with errors computed for a random cue.
 */
function runReservoirSpec(seed: number, shuffled: boolean) {
  const rng = new Xoshiro128(seed);
  const nE = 80, nI = 20, nCue = 3, perCue = 10, nInp = nCue * perCue, nWhat = 3, nOut = nWhat + 1;
  const delays = [30, 50, 70], Tmax = 90;
  const izh = (a: number, d: number) => ({ model: 'izhikevich', a, b: 0.2, c: -65, d, tauSynMs: 5, integration: 'izhikevich2003' });
  const proj = (from: string, to: string) => ({ from, to, weights: { dtype: 'f32', init: { kind: 'constant', value: 0 } } });
  const spec = validateSpec({
    version: 1, name: 'reservoir', dtMs: 1, seed,
    input: { width: nInp, height: 1, polarity: 'merge' },
    populations: [{ name: 'e', size: nE, neuron: izh(0.02, 8) }, { name: 'i', size: nI, neuron: izh(0.1, 2) }],
    projections: [proj('input', 'e'), proj('e', 'e'), proj('e', 'i'), proj('i', 'e'), proj('i', 'i')],
    readout: { from: 'e', classes: nOut, rule: 'gated-hebb', learningRate: 0.1, tauMs: 10, tauSlowMs: 40, wMin: -2, wMax: 2, bounds: 'hard' },
  });
  const rt = new Runtime(planModel(spec));
  const mat = (nIn: number, nO: number, p: number, lo: number, hi: number) =>
    Float32Array.from({ length: nIn * nO }, () => (rng.nextFloat() < p ? lo + (hi - lo) * rng.nextFloat() : 0));
  rt.setWeights('e->e', mat(nE, nE, 0.2, 0, 2));
  rt.setWeights('e->i', mat(nE, nI, 0.3, 0, 2));
  rt.setWeights('i->e', mat(nI, nE, 0.3, -4, 0));
  rt.setWeights('i->i', mat(nI, nI, 0.3, -2, 0));
  rt.setWeights('input->e', mat(nInp, nE, 0.25, 0, 2));
  rt.population('e').bias.set(Float32Array.from({ length: nE }, () => 3 + 5 * rng.nextFloat()));
  rt.population('i').bias.set(Float32Array.from({ length: nI }, () => 3 + 5 * rng.nextFloat()));
  const nFeat = rt.plan.readout!.nFeat;
  const counts = new Int32Array(nInp);
  const target = new Float32Array(nOut), gate = new Float32Array(nOut);
  const trial = (cue: number, learn: boolean) => {
    rt.resetState();
    const credited = shuffled ? rng.nextInt(nCue) : cue;
    const D = delays[cue], Dc = delays[credited];
    const whatSum = new Float64Array(nWhat), when = new Float64Array(Tmax);
    for (let t = 0; t < Tmax; t++) {
      counts.fill(0);
      const pc = t < 10 ? 0.3 : 0.2;
      for (let k = 0; k < perCue; k++) if (rng.nextFloat() < pc) counts[cue * perCue + k] = 1;
      const ev = countEvents(counts);
      for (let k = 0; k < ev.length; k++) ev.t[k] = t * 1000 + 100;
      rt.run(ev, { startUs: t * 1000, steps: 1 });
      const inWindow = (d: number) => t >= 10 && t < d;
      let y: Float32Array;
      if (learn) {
        target.fill(0); gate.fill(0);
        if (inWindow(Dc)) {
          rt.readoutPredict();
          const yv = rt.readoutScores();
          let sel = 0;
          for (let k = 1; k < nWhat; k++) if (yv[k] > yv[sel]) sel = k;
          if (rng.nextFloat() < 0.1) sel = rng.nextInt(nWhat);
          gate[sel] = 1;
          target[sel] = sel === credited ? 1 : 0;
        }
        gate[nWhat] = 1;
        target[nWhat] = t >= Dc - 10 && t < Dc ? 1 : 0;
        const f = rt.features();
        let ff = 0;
        for (let k = 0; k < nFeat; k++) ff += f[k] * f[k];
        rt.readoutLearnGated(target, gate, 0.05 / (1 + ff));
        y = rt.readoutScores(); // y before the update, as in the kernel-level test
      } else {
        rt.readoutPredict();
        y = rt.readoutScores();
      }
      if (inWindow(D)) for (let k = 0; k < nWhat; k++) whatSum[k] += y[k];
      when[t] = y[nWhat];
    }
    let what = 0;
    for (let k = 1; k < nWhat; k++) if (whatSum[k] > whatSum[what]) what = k;
    let peak = 10;
    for (let t = 10; t < Tmax; t++) if (when[t] > when[peak]) peak = t;
    return { whatOk: what === cue, whenErr: Math.abs(peak - (D - 5)) };
  };
  for (let k = 0; k < 600; k++) trial(rng.nextInt(nCue), true);
  let whatOk = 0, whenOk = 0, whenErr = 0;
  const nTest = 60;
  for (let k = 0; k < nTest; k++) {
    const r = trial(k % nCue, false);
    if (r.whatOk) whatOk++;
    if (r.whenErr <= 10) whenOk++;
    whenErr += r.whenErr / nTest;
  }
  return { what: whatOk / nTest, when: whenOk / nTest, whenErr };
}

describe('gated-hebb readout of an Izhikevich reservoir from a spec (Yamada & Chao 2025)', () => {
  it('predicts "what" and "when" above the shuffled-error control', () => {
    const seeds = [1, 2, 3];
    const rs = seeds.map((s) => runReservoirSpec(s, false)), cs = seeds.map((s) => runReservoirSpec(s, true));
    const r = { what: mean(rs.map((x) => x.what)), when: mean(rs.map((x) => x.when)), err: mean(rs.map((x) => x.whenErr)) };
    const c = { what: mean(cs.map((x) => x.what)), when: mean(cs.map((x) => x.when)), err: mean(cs.map((x) => x.whenErr)) };
    console.log(`reservoir spec (mean of ${seeds.length} seeds): what ${r.what.toFixed(2)}, when ${r.when.toFixed(2)} (mean |error| ${r.err.toFixed(1)} ms); shuffled error: what ${c.what.toFixed(2)}, when ${c.when.toFixed(2)} (${c.err.toFixed(1)} ms); chance what 0.33`);
    expect(r.what).toBeGreaterThanOrEqual(0.9);
    expect(r.when).toBeGreaterThanOrEqual(0.65);
    expect(c.what).toBeLessThan(0.6);
    expect(c.when).toBeLessThan(r.when - 0.2);
    expect(c.err).toBeGreaterThan(1.5 * r.err);
  });
});
