/**
 * Concept shift: the same inputs, but the meaning of the labels changes during the stream. At
 * every shift point a random derangement of the classes is applied to the label mapping (every
 * class gets another class's label; mappings compose), so the old readout becomes wrong at once
 * and the learner has to notice and relearn. Several shift rates (a shift every 200, 500, 1000
 * samples) run on the same samples.
 *
 * The protocol is prequential (test-then-train, batch 1): each sample is predicted, scored, then
 * learned. The features are the spike counts of a frozen spiking layer (nmnist-dc-mcu8: Diehl &
 * Cook unsupervised STDP, which never sees a label, so a label shift cannot touch it), learned in
 * one pass over separate warm-up samples and then frozen; the learners differ only in the
 * readout's learning rate, which is what concept shift tests:
 *   - fixed: the delta-rule readout (readout_learn_f32) at one rate;
 *   - homeostatic: the same readout with readout.homeostasis (streamReadoutSpec), its rate
 *     driven by lrh_update_f32 from the learner's own mistakes (err = 1 for a wrong prediction, 0 for a right one). The kernel's surprise u (a
 *     two-sigma test of the fast running error against the slow one) also sets how much of the
 *     old mapping is forgotten: after each surprised mistake (u > 0 and a wrong prediction; a
 *     right one means the new mapping is taking hold, and forgetting it would only erase what was
 *     just relearned) the weights are scaled by 1 - phi u (trace_decay_f32). That is
 *     the change-point response of Nassar et al. 2010 (after a change, the old belief is largely
 *     discarded and the new evidence weighs fully); it matters because after a derangement the
 *     old weights point at the wrong labels, and a larger rate alone only overwrites them one
 *     sample at a time. On a stable stream u is zero, so nothing is forgotten.
 * Same tuning effort: each learner picks one number from the same six-value grid (the fixed
 * rate; the homeostatic resting rate eta0, its other constants fixed in HOMEOSTASIS) by
 * prequential accuracy on one held-out stream (other samples, another seed, shifting at the
 * middle rate), and keeps it for every shift rate: a device does not know the rate in advance.
 * Recovery time: host/learn/metrics/recovery.ts.
 */
import { planModel } from '../../plan/plan.js';
import type { KernelBuild } from '../../runtime/kernels.js';
import { Runtime } from '../../runtime/runtime.js';
import type { ModelSpec } from '../../spec/types.js';
import { validateSpec } from '../../spec/validate.js';
import { seededPermutation, Xoshiro128 } from '../../util/prng.js';
import { recoveryAfterShifts, type RecoveryResult } from '../metrics/recovery.js';
import { DEFAULT_READOUT_RATES, presentSample, type SampleSource } from '../online.js';

export interface ConceptStream {
  /** Sample index (into the pool's source) at each stream position. */
  indices: number[];
  /** The label the learner is taught at each position (the mapped class). */
  labels: number[];
  /** Stream positions where the mapping changes. */
  shifts: number[];
  shiftEvery: number;
}

/** A seeded derangement of 0..n-1 (no class keeps its label). */
export function derangement(n: number, rng: Xoshiro128): number[] {
  if (n < 2) throw new RangeError(`a derangement needs at least 2 classes, got ${n}`);
  for (;;) {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    if (p.every((v, i) => v !== i)) return p;
  }
}

/**
 * `length` positions drawn from `pool` (seeded passes over it, reshuffled each pass), the label
 * mapping re-drawn every `shiftEvery` positions.
 */
export function conceptStream(pool: readonly number[], label: (i: number) => number, length: number, shiftEvery: number, seed: number, classes = 10): ConceptStream {
  if (!Number.isInteger(shiftEvery) || shiftEvery < 1) throw new RangeError(`shiftEvery must be a positive integer, got ${shiftEvery}`);
  if (pool.length === 0) throw new RangeError('conceptStream: empty sample pool');
  const rng = new Xoshiro128(seed);
  let map = Array.from({ length: classes }, (_, c) => c);
  const indices: number[] = [];
  const labels: number[] = [];
  const shifts: number[] = [];
  let order: Uint32Array = new Uint32Array(0);
  for (let t = 0; t < length; t++) {
    if (t % pool.length === 0) order = seededPermutation(pool.length, (seed * 7919 + t / pool.length) >>> 0);
    if (t > 0 && t % shiftEvery === 0) {
      const d = derangement(classes, rng);
      map = map.map((c) => d[c]);
      shifts.push(t);
    }
    const i = pool[order[t % pool.length]];
    indices.push(i);
    labels.push(map[label(i)]);
  }
  return { indices, labels, shifts, shiftEvery };
}

/**
 * Spike-count features of every pool sample from `spec`'s network: one unsupervised pass over
 * `warmup` with plasticity on, then plasticity off and one run per pool sample.
 */
export function frozenFeatures(spec: ModelSpec, source: SampleSource, warmup: readonly number[], pool: readonly number[], seed: number, build: KernelBuild = 'simd'): Map<number, Float32Array> {
  const rt = new Runtime(planModel({ ...spec, seed }), build);
  try {
    for (const o of seededPermutation(warmup.length, seed)) presentSample(rt, source.events(warmup[o]), { learn: true });
    const out = new Map<number, Float32Array>();
    for (const i of pool) {
      presentSample(rt, source.events(i), { learn: false });
      out.set(i, rt.features().slice());
    }
    return out;
  } finally {
    rt.dispose();
  }
}

/**
 * Constants of the homeostatic learner besides eta0, set by hand on separate exploration streams
 * (emulated digits with sensor seeds 7 and 9, not the evaluated or tuning streams); eta_max = the
 * top of the fixed learner's grid, so the homeostatic learner can never use a rate the fixed one
 * could not. forget = phi, the fraction of the readout weights dropped per unit of surprise
 * (after a surprised mistake).
 */
export interface HomeostasisConstants { aFast: number; aSlow: number; k: number; rho: number; etaMin: number; etaMax: number; forget: number }
export const HOMEOSTASIS: Readonly<HomeostasisConstants> = Object.freeze({ aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.1, etaMin: 0.01, etaMax: 1, forget: 0.5 });

/** Horizon of the mistakes-after-shift count: 100 samples, half the shortest shift period run. */
export const MISTAKE_HORIZON = 100;

export type RateRule = { kind: 'fixed'; rate: number } | { kind: 'homeostatic'; eta0: number };

export interface StreamRun {
  /** 1 where the prediction (made before learning) was right. */
  outcomes: Uint8Array;
  /** The readout rate used at each position. */
  rates: Float32Array;
}

/**
 * The learner of runStream as a model spec: a delta readout reading a width x 1 "input" whose
 * counts runStream overwrites with the frozen features (no spiking layer runs); the homeostatic
 * rule is readout.homeostasis with eta0 = learningRate and phi = forget.
 */
export function streamReadoutSpec(nFeat: number, rule: RateRule, h: Readonly<HomeostasisConstants> = HOMEOSTASIS, classes = 10): ModelSpec {
  return validateSpec({
    version: 1, name: 'concept-shift-readout', dtMs: 1,
    input: { width: nFeat, height: 1, polarity: 'merge' },
    populations: [], projections: [],
    readout: {
      from: 'input', classes, rule: 'delta', learningRate: rule.kind === 'fixed' ? rule.rate : rule.eta0,
      ...(rule.kind === 'homeostatic' ? { homeostasis: { aFast: h.aFast, aSlow: h.aSlow, k: h.k, rho: h.rho, phi: h.forget, etaMin: h.etaMin, etaMax: h.etaMax } } : {}),
    },
  });
}

/**
 * One readout learning the stream prequentially through Runtime.readoutLearn (each step: the
 * delta rule at the current rate; for the homeostatic rule, then lrh_update_f32 on the mistake
 * and the 1 - phi u forgetting after a surprised mistake: host/runtime/readouts.ts).
 */
export function runStream(features: Map<number, Float32Array>, s: ConceptStream, rule: RateRule, h: Readonly<HomeostasisConstants> = HOMEOSTASIS, classes = 10, build: KernelBuild = 'simd'): StreamRun {
  const nFeat = features.get(s.indices[0])!.length;
  const rt = new Runtime(planModel(streamReadoutSpec(nFeat, rule, h, classes)), build);
  const outcomes = new Uint8Array(s.indices.length);
  const rates = new Float32Array(s.indices.length);
  const fixedRate = rule.kind === 'fixed' ? Math.fround(rule.rate) : 0;
  try {
    for (let t = 0; t < s.indices.length; t++) {
      rt.features().set(features.get(s.indices[t])!);
      rates[t] = rule.kind === 'homeostatic' ? rt.readoutRateState().eta : fixedRate;
      outcomes[t] = rt.readoutLearn(s.labels[t]) === s.labels[t] ? 1 : 0;
    }
  } finally {
    rt.dispose();
  }
  return { outcomes, rates };
}

const prequential = (r: StreamRun) => r.outcomes.reduce((a, x) => a + x, 0) / Math.max(r.outcomes.length, 1);

/** Picks the grid value with the best prequential accuracy on the held-out stream. */
export function tuneRule(kind: RateRule['kind'], features: Map<number, Float32Array>, heldOut: ConceptStream, grid: readonly number[]): { rule: RateRule; scores: { value: number; accuracy: number }[] } {
  const make = (v: number): RateRule => (kind === 'fixed' ? { kind, rate: v } : { kind, eta0: v });
  const scores = grid.map((v) => ({ value: v, accuracy: prequential(runStream(features, heldOut, make(v))) }));
  const best = scores.reduce((a, s) => (s.accuracy > a.accuracy ? s : a));
  return { rule: make(best.value), scores };
}

export interface ConceptShiftRow {
  shiftEvery: number;
  shifts: number;
  streamLength: number;
  fixed: { rate: number; prequential: number; curve: number[] };
  homeostatic: { eta0: number; prequential: number; curve: number[]; meanRate: number; maxRate: number };
  recovery: RecoveryResult;
  /** Mistakes in the first `horizon` samples after each shift: a second view of recovery with no window floor. */
  mistakes: ShiftMistakes;
}

export interface ShiftMistakes {
  horizon: number;
  /** Mean over shifts of the mistakes in the first `horizon` samples after the shift. */
  fixed: number;
  homeostatic: number;
  /** Shifts where the homeostatic learner made fewer / as many / more mistakes. */
  fewer: number;
  ties: number;
  more: number;
}

/** Mistakes of two learners in the first `horizon` samples after each shift (clipped at the next shift). */
export function mistakesAfterShifts(fixed: Uint8Array, homeostatic: Uint8Array, shifts: readonly number[], horizon: number): ShiftMistakes {
  const out: ShiftMistakes = { horizon, fixed: 0, homeostatic: 0, fewer: 0, ties: 0, more: 0 };
  shifts.forEach((s, k) => {
    const end = Math.min(s + horizon, k + 1 < shifts.length ? shifts[k + 1] : fixed.length);
    let a = 0;
    let b = 0;
    for (let t = s; t < end; t++) {
      a += 1 - fixed[t];
      b += 1 - homeostatic[t];
    }
    out.fixed += a;
    out.homeostatic += b;
    if (b < a) out.fewer++;
    else if (b > a) out.more++;
    else out.ties++;
  });
  const n = Math.max(shifts.length, 1);
  out.fixed /= n;
  out.homeostatic /= n;
  return out;
}

export interface ConceptShiftResult {
  data: string;
  model: string;
  warmupSamples: number;
  poolSamples: number;
  heldOutSamples: number;
  grid: number[];
  /** Shift rate of the held-out tuning stream, and each grid value's prequential accuracy on it. */
  tuneShiftEvery: number;
  tuning: { fixed: { value: number; accuracy: number }[]; homeostatic: { value: number; accuracy: number }[] };
  /** The homeostatic learner's hand-set constants (all but eta0). */
  homeostasis: HomeostasisConstants;
  window: number;
  fraction: number;
  rows: ConceptShiftRow[];
  seconds: number;
}

export interface ConceptShiftOptions {
  data: string;
  spec: ModelSpec;
  source: SampleSource;
  warmup: readonly number[];
  /** Samples of the evaluated streams. */
  pool: readonly number[];
  /** Samples of the held-out tuning streams (disjoint from pool). */
  heldOut: readonly number[];
  shiftRates: readonly number[];
  /** Shift rate of the held-out tuning stream (default: the middle of shiftRates). */
  tuneShiftEvery?: number;
  /** Stream length per shift rate (default: 6 shifts' worth, at least 3000 samples). */
  length?: (shiftEvery: number) => number;
  seed: number;
  grid?: readonly number[];
  /** Recovery: trailing window and the fraction of the pre-shift accuracy to regain. */
  window?: number;
  fraction?: number;
  /** Downsampled accuracy-over-stream curve points kept per learner (for the plots). */
  curvePoints?: number;
  log?: (l: string) => void;
}

export function runConceptShift(o: ConceptShiftOptions): ConceptShiftResult {
  const t0 = performance.now();
  const grid = [...(o.grid ?? DEFAULT_READOUT_RATES)];
  const window = o.window ?? 50;
  const fraction = o.fraction ?? 0.9;
  const feats = frozenFeatures(o.spec, o.source, o.warmup, [...o.pool, ...o.heldOut], o.seed);
  const label = (i: number) => o.source.label(i);
  const rows: ConceptShiftRow[] = [];
  const lengthOf = (every: number) => (o.length ? o.length(every) : Math.max(3000, every * 7));
  // One setting per learner for every shift rate (a device does not know how often the concept
  // will change): both tune on one held-out stream at the middle shift rate.
  const tuneEvery = o.tuneShiftEvery ?? [...o.shiftRates].sort((a, b) => a - b)[Math.floor((o.shiftRates.length - 1) / 2)];
  const tuneStream = conceptStream(o.heldOut, label, lengthOf(tuneEvery), tuneEvery, (o.seed * 104729 + tuneEvery + 1) >>> 0);
  const fixedTune = tuneRule('fixed', feats, tuneStream, grid);
  const homeoTune = tuneRule('homeostatic', feats, tuneStream, grid);
  const fixed = fixedTune.rule as { kind: 'fixed'; rate: number };
  const homeo = homeoTune.rule as { kind: 'homeostatic'; eta0: number };
  o.log?.(`  tuned on a held-out stream shifting every ${tuneEvery}: fixed rate ${fixed.rate}, homeostatic eta0 ${homeo.eta0}`);
  for (const every of o.shiftRates) {
    const len = lengthOf(every);
    const evalStream = conceptStream(o.pool, label, len, every, (o.seed * 15485863 + every) >>> 0);
    const rf = runStream(feats, evalStream, fixed);
    const rh = runStream(feats, evalStream, homeo);
    const recovery = recoveryAfterShifts([rf.outcomes, rh.outcomes], evalStream.shifts, { window, fraction, length: len });
    const mistakes = mistakesAfterShifts(rf.outcomes, rh.outcomes, evalStream.shifts, MISTAKE_HORIZON);
    const curve = (r: StreamRun) => downsampledAccuracy(r.outcomes, window, o.curvePoints ?? 300);
    rows.push({
      shiftEvery: every,
      shifts: evalStream.shifts.length,
      streamLength: len,
      fixed: { rate: fixed.rate, prequential: prequential(rf), curve: curve(rf) },
      homeostatic: { eta0: homeo.eta0, prequential: prequential(rh), curve: curve(rh), meanRate: rh.rates.reduce((a, x) => a + x, 0) / len, maxRate: Math.max(...rh.rates) },
      recovery,
      mistakes,
    });
    const r = recovery.learners;
    o.log?.(`  shift every ${every}: fixed rate ${fixed.rate} median recovery ${r[0].median} samples, homeostatic (eta0 ${homeo.eta0}) ${r[1].median}; faster after ${recovery.secondFaster}/${evalStream.shifts.length} shifts; mistakes in the first ${MISTAKE_HORIZON} samples ${mistakes.fixed.toFixed(1)} vs ${mistakes.homeostatic.toFixed(1)} (fewer after ${mistakes.fewer})`);
  }
  return {
    data: o.data, model: o.spec.name, warmupSamples: o.warmup.length, poolSamples: o.pool.length, heldOutSamples: o.heldOut.length,
    grid, tuneShiftEvery: tuneEvery, tuning: { fixed: fixedTune.scores, homeostatic: homeoTune.scores }, homeostasis: { ...HOMEOSTASIS }, window, fraction, rows, seconds: (performance.now() - t0) / 1000,
  };
}

/** Trailing-window accuracy, sampled at `points` evenly spaced positions (for plotting). */
export function downsampledAccuracy(outcomes: Uint8Array, window: number, points: number): number[] {
  const n = outcomes.length;
  const out: number[] = [];
  const pre = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) pre[t + 1] = pre[t] + outcomes[t];
  const step = Math.max(1, Math.floor(n / points));
  for (let t = step; t <= n; t += step) {
    const a = Math.max(0, t - window);
    out.push((pre[t] - pre[a]) / (t - a));
  }
  return out;
}
