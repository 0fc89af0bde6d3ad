/**
 * Online learning of a spiking model on the folds of an assignment, scored after several pass
 * counts in one run: the network learns pass after pass (each pass in a seeded order, test-then-
 * train as `OnlineLearner`), and after pass p for each p in `passes` the readout's learning rate
 * is chosen on the features logged so far and the held-out fold is evaluated. Because the readout
 * does not feed back into the network, the score after pass p is exactly what `trainOnline` with
 * `passes: p` and the same seed gives, without training p separate networks.
 */
import { planModel } from '../../plan/plan.js';
import type { KernelBuild } from '../../runtime/kernels.js';
import { Runtime } from '../../runtime/runtime.js';
import type { ModelSpec } from '../../spec/types.js';
import { seededPermutation } from '../../util/prng.js';
import { DEFAULT_READOUT_RATES, evaluate, FeatureLog, OnlineLearner, presentSample, searchReadoutRate, type SampleSource } from '../online.js';
import { quantizeRuntime } from '../quantize.js';
import { splitFold } from './folds.js';

export interface FoldRun {
  fold: number;
  trainSamples: number;
  testSamples: number;
  /** Held-out accuracy after each entry of `passes`. */
  accuracy: number[];
  /** Held-out accuracy with label assignment, after each entry of `labelPasses`. */
  labelAccuracy: number[];
  /** Same, after post-training int8 quantisation of the learned f32 weights (when asked). */
  int8Accuracy: number[] | null;
  learningRate: number[];
  seconds: number;
  /** Nested search (run.ts): the setting this fold used and every candidate's inner score. */
  tuning?: { chosen: string; innerFold: number; inner: { id: string; accuracy: number }[] };
}

export interface SpikingCvOptions {
  /** Pass counts to score after, ascending (e.g. [1, 5]). */
  passes: readonly number[];
  /** Base seed: fold f trains with presentation seed seed + f (as `crossValidate`). */
  seed: number;
  build?: KernelBuild;
  rates?: readonly number[];
  /** Only these folds (default all). */
  folds?: readonly number[];
  /** Also score post-training int8 quantisation of the learned network at each checkpoint. */
  int8?: boolean;
  /** Train on at most this many samples per fold (the quick run); test split unchanged. */
  maxTrain?: number;
  /**
   * Also score with Diehl & Cook's label assignment, after each of these pass counts (>= 2):
   * for p passes the network learns for p - 1 passes and the p-th pass runs with plasticity
   * off, its spike counts alone training the readout (rate chosen by prequential accuracy as
   * usual). Runs in the same fold run as the online scores.
   */
  labelPasses?: readonly number[];
  onFold?: (r: FoldRun) => void;
}

/**
 * The adaptive thresholds are the only state that running a sample without plasticity changes
 * (resetState keeps them between samples), so a checkpoint's evaluation restores them afterwards:
 * scoring after pass 1 then leaves the later passes exactly as in an unscored run.
 */
function snapshotThresholds(rt: Runtime): () => void {
  const saved = rt.plan.populations.map((p) => rt.population(p.name).b.slice());
  return () => rt.plan.populations.forEach((p, k) => rt.population(p.name).b.set(saved[k]));
}

/** Runs one fold: fresh runtime, `max(passes)` passes, a held-out score after each listed pass. */
export function runFold(spec: ModelSpec, source: SampleSource, fold: ArrayLike<number>, f: number, opts: SpikingCvOptions): FoldRun {
  const { train, test } = splitFold(fold, f);
  return runSplit(spec, source, train, test, f, opts);
}

/**
 * `runFold` on explicit index lists (e.g. an inner split of an outer training split); `f` only
 * numbers the run and offsets the presentation seed.
 */
export function runSplit(spec: ModelSpec, source: SampleSource, all: readonly number[], test: readonly number[], f: number, opts: SpikingCvOptions): FoldRun {
  const t0 = performance.now();
  const train = opts.maxTrain !== undefined ? all.slice(0, opts.maxTrain) : all;
  const rt = new Runtime(planModel({ ...spec, seed: opts.seed }), opts.build ?? 'simd');
  const rates = opts.rates ?? DEFAULT_READOUT_RATES;
  const maxPass = Math.max(...opts.passes);
  // Models with reward-modulated plasticity get the learner's default decision reward (reward.ts).
  const learner = new OnlineLearner(rt, { plasticity: true, capacity: train.length * maxPass });
  const accuracy: number[] = [];
  const int8: number[] = [];
  const lrs: number[] = [];
  const seed = opts.seed + f;
  const score = () => {
    accuracy.push(evaluate(rt, source, test).accuracy);
    if (opts.int8) {
      const q = quantizeRuntime(rt, 'int8');
      int8.push(evaluate(q, source, test).accuracy);
      q.dispose();
    }
  };
  const order = (pass: number) => seededPermutation(train.length, (seed * 7919 + pass) >>> 0);
  const labelPasses = opts.labelPasses ?? [];
  if (labelPasses.some((p) => !Number.isInteger(p) || p < 2)) throw new Error('labelPasses must be integers >= 2');
  const learningPasses = Math.max(maxPass, ...labelPasses.map((p) => p - 1));
  const labelAccuracy: number[] = [];
  for (let pass = 0; pass < learningPasses; pass++) {
    const done = pass + 1;
    for (const o of order(pass)) {
      const i = train[o];
      learner.observe(source.events(i), source.label(i));
    }
    const restore = snapshotThresholds(rt);
    if (opts.passes.includes(done)) {
      lrs.push(learner.finish(rates).learningRate);
      score();
      restore();
    }
    if (labelPasses.includes(done + 1)) {
      // These learning passes, then one frozen pass whose spike counts train the readout.
      const log = new FeatureLog(rt.plan.readout!.nFeat, train.length);
      for (const o of order(pass + 1)) {
        const i = train[o];
        presentSample(rt, source.events(i), { learn: false });
        log.push(rt.features(), source.label(i));
      }
      searchReadoutRate(rt, log, rates);
      labelAccuracy.push(evaluate(rt, source, test).accuracy);
      restore();
    }
  }
  rt.dispose();
  return {
    fold: f,
    trainSamples: train.length,
    testSamples: test.length,
    accuracy,
    labelAccuracy,
    int8Accuracy: opts.int8 ? int8 : null,
    learningRate: lrs,
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface CvSummary {
  mean: number;
  std: number;
  min: number;
  max: number;
  perFold: number[];
}

/** Mean, sample standard deviation, min and max of per-fold accuracies. */
export function summarize(perFold: readonly number[]): CvSummary {
  const n = perFold.length;
  const mean = perFold.reduce((a, b) => a + b, 0) / Math.max(n, 1);
  const std = n > 1 ? Math.sqrt(perFold.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, min: Math.min(...perFold), max: Math.max(...perFold), perFold: [...perFold] };
}

export interface SpikingCvResult {
  model: string;
  folds: FoldRun[];
  /** One summary per entry of `passes`. */
  byPasses: { passes: number; summary: CvSummary; int8: CvSummary | null }[];
  /** Label-assignment scores (see SpikingCvOptions.labelPasses). */
  byLabelPasses: { passes: number; summary: CvSummary }[];
  seconds: number;
}

export function crossValidateSpiking(spec: ModelSpec, source: SampleSource, fold: ArrayLike<number>, opts: SpikingCvOptions): SpikingCvResult {
  const k = Math.max(...Array.from(fold)) + 1;
  const which = opts.folds ?? Array.from({ length: k }, (_, f) => f);
  const folds: FoldRun[] = [];
  for (const f of which) {
    const r = runFold(spec, source, fold, f, opts);
    folds.push(r);
    opts.onFold?.(r);
  }
  return collect(spec.name, folds, opts.passes, opts.labelPasses ?? []);
}

/** Summaries of fold runs (made here or in worker processes). */
export function collect(model: string, folds: FoldRun[], passes: readonly number[], labelPasses: readonly number[] = []): SpikingCvResult {
  return {
    model,
    folds,
    byPasses: passes.map((p, j) => ({
      passes: p,
      summary: summarize(folds.map((r) => r.accuracy[j])),
      int8: folds[0]?.int8Accuracy ? summarize(folds.map((r) => r.int8Accuracy![j])) : null,
    })),
    byLabelPasses: labelPasses.map((p, j) => ({ passes: p, summary: summarize(folds.map((r) => r.labelAccuracy[j])) })),
    seconds: folds.reduce((a, r) => a + r.seconds, 0),
  };
}
