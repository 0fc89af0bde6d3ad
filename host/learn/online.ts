/**
 * The online learning loop, one sample at a time (batch 1), as it would run on a device:
 * the network starts each sample from rest, the sample's events stream through, plasticity runs
 * during the sample, and the readout learns from the sample's spike counts at its end.
 */
import type { EventBatch } from '../events/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { seededPermutation } from '../util/prng.js';
import { decisionReward, hasRewardPlasticity, type AfterLearnHook } from './reward.js';

export interface PresentOptions {
  /** Run the plasticity ops of the spiking layers. */
  learn: boolean;
  /** Teacher label for supervised populations (ignored by populations without a teacher). */
  teacher?: number | null;
}

/** Runs one sample from rest. Afterwards the readout features hold the sample's spike counts. */
export function presentSample(rt: Runtime, events: EventBatch, opts: PresentOptions): number {
  rt.resetState();
  rt.setTeacher(opts.teacher ?? null);
  // Label-driven rules (Runtime.setLabel / endSample) learn only on learning presentations.
  rt.setLabel(opts.learn ? opts.teacher ?? null : null);
  try {
    const steps = rt.run(events, { learn: opts.learn });
    if (opts.learn) rt.endSample();
    return steps;
  } finally {
    rt.setTeacher(null);
    rt.setLabel(null);
  }
}

/**
 * Records the readout features of each training sample in presentation order, so that several
 * readout learning rates can be compared on exactly the same online pass: the readout does not
 * feed back into the spiking layers, so replaying the recorded features through the readout
 * kernel is the same as having run one readout per learning rate side by side during the pass.
 */
export class FeatureLog {
  private data: Float32Array;
  private labelsBuf: Uint8Array;
  private n = 0;

  constructor(readonly width: number, capacity: number) {
    this.data = new Float32Array(width * Math.max(capacity, 1));
    this.labelsBuf = new Uint8Array(Math.max(capacity, 1));
  }

  push(features: Float32Array, label: number): void {
    if (this.n * this.width >= this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const gl = new Uint8Array(this.labelsBuf.length * 2);
      gl.set(this.labelsBuf);
      this.labelsBuf = gl;
    }
    this.data.set(features.subarray(0, this.width), this.n * this.width);
    this.labelsBuf[this.n++] = label;
  }

  get length(): number {
    return this.n;
  }

  row(k: number): Float32Array {
    return this.data.subarray(k * this.width, (k + 1) * this.width);
  }

  label(k: number): number {
    return this.labelsBuf[k];
  }
}

export interface ReadoutSearchResult {
  learningRate: number;
  /** Prequential (test-then-train) accuracy of each candidate over the second half of the pass. */
  candidates: { learningRate: number; prequentialAccuracy: number }[];
  /** The chosen readout's weights, to restore into the runtime. */
  weights: Float32Array;
}

/**
 * Chooses the readout learning rate by prequential accuracy (each sample is predicted before the
 * readout learns from it) over the second half of one online pass, the standard way to score an
 * online learner without a held-out set. Leaves the runtime's readout trained with the winner.
 */
export function searchReadoutRate(rt: Runtime, log: FeatureLog, rates: readonly number[]): ReadoutSearchResult {
  const w = rt.readoutWeights();
  const feats = rt.features();
  let best: ReadoutSearchResult | null = null;
  const candidates: ReadoutSearchResult['candidates'] = [];
  const half = Math.floor(log.length / 2);
  // Class means and one-shot Hopfield stores have no step size: one replay (reported as rate 0).
  const rule = rt.plan.readout?.rule;
  const rateFree = rule === 'ncm' || rule === 'hopfield';
  let bestState: Uint8Array | null = null;
  for (const lr of rateFree ? [0] : rates) {
    rt.resetReadout(); // weights and every other learned readout state (CLASSP sums, modes)
    let correct = 0;
    for (let k = 0; k < log.length; k++) {
      feats.set(log.row(k));
      const pred = rt.readoutLearn(log.label(k), rateFree ? undefined : lr);
      if (k >= half && pred === log.label(k)) correct++;
    }
    const acc = correct / Math.max(log.length - half, 1);
    candidates.push({ learningRate: lr, prequentialAccuracy: acc });
    if (!best || acc > candidates.find((c) => c.learningRate === best!.learningRate)!.prequentialAccuracy) {
      best = { learningRate: lr, candidates, weights: w.slice() };
      bestState = rt.readoutState();
    }
  }
  if (!best || !bestState) throw new Error('searchReadoutRate needs at least one rate');
  rt.setReadoutState(bestState);
  return best;
}

/** A labelled sample source: random access so that passes can be shuffled reproducibly. */
export interface SampleSource {
  readonly count: number;
  events(i: number): EventBatch;
  label(i: number): number;
}

/**
 * One runtime learning online, test-then-train: each sample first runs free (no teacher, no
 * plasticity) and its spike counts are logged for the readout, then, if the model has
 * plasticity, it runs again with the teacher and plasticity on. The readout's learning rate is
 * chosen at the end by prequential accuracy over the logged features (searchReadoutRate).
 */
export class OnlineLearner {
  readonly log: FeatureLog;
  private readonly plastic: boolean;
  private readonly afterLearn: AfterLearnHook | null;
  seconds = 0;
  events = 0;
  steps = 0;

  constructor(
    readonly rt: Runtime,
    opts: {
      plasticity: boolean;
      capacity?: number;
      /**
       * Runs after each learning presentation with the sample's label: the place for a third
       * factor computed from what the network just did. Default: for a model with reward-
       * modulated plasticity (r-stdp), reward.ts's decision reward; otherwise nothing.
       */
      afterLearn?: AfterLearnHook;
    },
  ) {
    const r = rt.plan.readout;
    if (!r) throw new Error(`model "${rt.plan.spec.name}" has no readout to learn labels with`);
    this.log = new FeatureLog(r.nFeat, opts.capacity ?? 1024);
    this.plastic = opts.plasticity && rt.plan.ops.some((o) => o.phase !== 1);
    this.afterLearn = opts.afterLearn ?? (this.plastic && hasRewardPlasticity(rt) ? decisionReward(rt) : null);
  }

  observe(events: EventBatch, label: number): void {
    const t0 = performance.now();
    this.steps += presentSample(this.rt, events, { learn: false });
    this.log.push(this.rt.features(), label);
    this.events += events.length;
    if (this.plastic) {
      this.steps += presentSample(this.rt, events, { learn: true, teacher: label });
      this.afterLearn?.(this.rt, label);
      this.events += events.length;
    }
    this.seconds += (performance.now() - t0) / 1000;
  }

  /** Trains the readout on the logged features with the best of `rates`. */
  finish(rates: readonly number[]): ReadoutSearchResult {
    return searchReadoutRate(this.rt, this.log, rates);
  }

  predict(events: EventBatch): number {
    presentSample(this.rt, events, { learn: false });
    return this.rt.readoutPredict();
  }
}

export const DEFAULT_READOUT_RATES: readonly number[] = [0.02, 0.05, 0.1, 0.2, 0.5, 1];

export interface TrainOptions {
  passes?: number;
  /** Seed of the per-pass presentation order. */
  seed?: number;
  rates?: readonly number[];
  onProgress?: (p: { phase: 'train' | 'test'; done: number; total: number }) => void;
}

export interface TrainResult {
  samples: number;
  passes: number;
  learningRate: number;
  prequential: { learningRate: number; prequentialAccuracy: number }[];
  seconds: number;
  eventsPerSecond: number;
  stepsPerSecond: number;
}

/** Online training over `indices` of a source for a few passes (each pass in a seeded order). */
export function trainOnline(rt: Runtime, source: SampleSource, indices: readonly number[], opts: TrainOptions = {}): TrainResult {
  const passes = opts.passes ?? 1;
  const learner = new OnlineLearner(rt, { plasticity: true, capacity: indices.length * passes });
  const total = indices.length * passes;
  let done = 0;
  for (let pass = 0; pass < passes; pass++) {
    const order = seededPermutation(indices.length, ((opts.seed ?? 1) * 7919 + pass) >>> 0);
    for (const o of order) {
      const i = indices[o];
      learner.observe(source.events(i), source.label(i));
      opts.onProgress?.({ phase: 'train', done: ++done, total });
    }
  }
  const search = learner.finish(opts.rates ?? DEFAULT_READOUT_RATES);
  return {
    samples: indices.length,
    passes,
    learningRate: search.learningRate,
    prequential: search.candidates,
    seconds: learner.seconds,
    eventsPerSecond: learner.events / Math.max(learner.seconds, 1e-9),
    stepsPerSecond: learner.steps / Math.max(learner.seconds, 1e-9),
  };
}

export interface EvalResult {
  accuracy: number;
  samples: number;
  /** confusion[label][predicted] */
  confusion: number[][];
}

export function evaluate(rt: Runtime, source: SampleSource, indices: readonly number[], onProgress?: TrainOptions['onProgress']): EvalResult {
  const nClass = rt.plan.readout?.nClass ?? 0;
  const confusion = Array.from({ length: nClass }, () => new Array<number>(nClass).fill(0));
  let correct = 0;
  indices.forEach((i, n) => {
    presentSample(rt, source.events(i), { learn: false });
    const pred = rt.readoutPredict();
    const label = source.label(i);
    if (label < nClass && pred >= 0) confusion[label][pred]++; // pred -1: an empty ncm/hopfield readout
    if (pred === label) correct++;
    onProgress?.({ phase: 'test', done: n + 1, total: indices.length });
  });
  return { accuracy: correct / Math.max(indices.length, 1), samples: indices.length, confusion };
}
