/**
 * `npm run experiments`: every number of the "Learning quality" section of docs/results.md, with
 * seeds, in one run. `quick` runs a reduced version (2 folds, 300 training samples, two passes,
 * the MCU models, small baselines) that checks the pipeline in CI time.
 *
 * N-MNIST: the 1,000 real samples of ../shared/fixtures/nmnist-small/train, folds from the
 * committed experiments/nmnist-small-folds.tsv; each spiking model learns online (test-then-
 * train, batch 1) and is scored after 1 and 5 passes; unsupervised models also with a label-
 * assignment pass. Baselines on the same folds: the delta-rule readout on raw event counts (same
 * online protocol), logistic regression and an MLP (offline, several epochs).
 * Fashion-MNIST: Debian's dataset-fashion-mnist turned into saccade events by the emulator;
 * a seeded training subset learned the same way, scored on the test set.
 */
import { EventEmulator } from '../../events/emulator.js';
import type { EventBatch } from '../../events/types.js';
import type { ModelSpec } from '../../spec/types.js';
import { seededPermutation } from '../../util/prng.js';
import { baselineSpec } from '../demo.js';
import { FolderSource } from '../folder.js';
import type { SampleSource } from '../online.js';
import { countDataset } from '../baselines/features.js';
import { ensureFashionMnist, findFashionMnist, loadImageSet, type FashionFiles } from './fashion.js';
import { fitReport, type FitReport } from './fit.js';
import { readFoldsTsv, splitFold } from './folds.js';
import { applyCandidate, loadExperimentSpec, MODELS, OFFLINE_BASELINES, QUICK_OFFLINE_BASELINES, type ExperimentModel, type Family } from './models.js';
import { runOffline, sourceCounts, type OfflineSpec } from './offline.js';
import { ArraySource, pooledSource } from './sources.js';
import { CONCEPT_SHIFT_FULL, CONCEPT_SHIFT_QUICK, LEARNERS, RATE_GRID, runConceptShifts, runContinual, type ContinualRun } from '../scenarios/index.js';
import type { ConceptShiftResult } from '../scenarios/concept-shift.js';
import type { ScenarioResult } from '../scenarios/scenarios.js';
import { collect, runFold, runSplit, summarize, type CvSummary, type FoldRun } from './spiking.js';

export interface ExperimentOptions {
  quick?: boolean;
  seed?: number;
  /** N-MNIST sample folder and label table. */
  nmnistDir: string;
  nmnistLabels: string;
  foldsFile: string;
  /** Run the Fashion-MNIST part (default true). */
  fashion?: boolean;
  /** Install dataset-fashion-mnist with apt-get when missing (default true; false = skip if missing). */
  installFashion?: boolean;
  fashionTrain?: number;
  fashionTest?: number;
  /** Run the continual-learning scenarios (default true). */
  continual?: boolean;
  /** Only these model ids (default: all, or the MCU ones when quick). */
  models?: readonly string[];
  log?: (line: string) => void;
}

export type RowKind = 'spiking' | 'readout' | 'offline';

export interface ResultRow {
  /** Model id (MODELS) or baseline id. */
  id: string;
  kind: RowKind;
  family: Family | null;
  /** How it was trained, e.g. "1 pass", "5 passes", "4 passes + label pass", "20 epochs". */
  training: string;
  passes: number | null;
  accuracy: CvSummary;
  /** Spiking/readout rows: the spec's arena and the nRF52840 fit; offline rows: parameter count. */
  fit: FitReport | null;
  params: number | null;
  weights: string;
  seconds: number;
}

export interface ExperimentReport {
  quick: boolean;
  seed: number;
  node: string;
  seconds: number;
  /** Said instead of the run time when the report was put together from several runs. */
  timingNote?: string;
  nmnist: {
    data: string;
    foldsFile: string;
    samples: number;
    /** Folds of the assignment, and the ones run (all but in the quick run). */
    k: number;
    folds: number[];
    trainPerFold: number;
    testPerFold: number;
    passes: number[];
    rows: ResultRow[];
    perFold: Record<string, number[]>;
    /** Nested search, per tuned model: the setting each outer fold chose. */
    tuning: Record<string, { candidates: string[]; chosen: string[] }>;
  };
  continual: null | ContinualReport;
  fashion:
    | { status: 'skipped'; reason: string }
    | { status: 'ok'; package: string; version: string; trainSamples: number; testSamples: number; passes: number[]; rows: ResultRow[] };
}

const passWord = (p: number) => (p === 1 ? '1 pass' : `${p} passes`);

function weightsOf(spec: ModelSpec): string {
  if (spec.projections.length === 0) return 'readout f32';
  const p = spec.projections[0];
  const pop = spec.populations[0];
  return `${spec.input.width}x${spec.input.height}x${spec.input.polarity === 'split' ? 2 : 1} -> ${pop.size} ${p.weights.dtype}`;
}

/** Spiking rows of one model (online scores per pass count, plus label-assignment scores). */
function spikingRows(m: ExperimentModel, spec: ModelSpec, runs: FoldRun[], passes: number[], labelPasses: number[], fit: FitReport, kind: RowKind): ResultRow[] {
  const r = collect(m.id, runs, passes, labelPasses);
  const per = runs.reduce((a, x) => a + x.seconds, 0);
  const rows: ResultRow[] = r.byPasses.map((b) => ({
    id: m.id, kind, family: kind === 'spiking' ? m.family : null, training: passWord(b.passes), passes: b.passes,
    accuracy: b.summary, fit, params: null, weights: weightsOf(spec), seconds: per,
  }));
  for (const b of r.byLabelPasses) {
    rows.push({
      id: m.id, kind, family: m.family, training: `${passWord(b.passes - 1)} + label pass`, passes: b.passes,
      accuracy: b.summary, fit, params: null, weights: weightsOf(spec), seconds: per,
    });
  }
  return rows;
}

/**
 * What the nested search maximises: the inner score of the model's final protocol, i.e. after the
 * most passes (with the label pass for unsupervised models when it is run).
 */
function selectionScore(r: FoldRun): number {
  return r.labelAccuracy.length ? r.labelAccuracy[r.labelAccuracy.length - 1] : r.accuracy[r.accuracy.length - 1];
}

function readoutModel(id: string, pool: number): ExperimentModel {
  return { id, family: 'pair-stdp-wta', spec: '', pool, labelPass: false, mcu: true };
}

export function runExperiments(opts: ExperimentOptions): ExperimentReport {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const quick = opts.quick ?? false;
  const seed = opts.seed ?? 1;
  const models = MODELS.filter((m) => (opts.models ? opts.models.includes(m.id) : !quick || m.mcu));
  const offline = quick ? QUICK_OFFLINE_BASELINES : OFFLINE_BASELINES;
  const passes = quick ? [1, 2] : [1, 5];
  const maxTrain = quick ? 300 : undefined;

  // ---------------------------------------------------------------- N-MNIST, k-fold
  const folder = FolderSource.open(opts.nmnistDir, opts.nmnistLabels);
  const { fold, k } = readFoldsTsv(opts.foldsFile, folder.rows);
  const foldIds = quick ? [0, 1] : Array.from({ length: k }, (_, f) => f);
  const geometry = { width: 34, height: 34 };
  const pooled = new Map<number, SampleSource>([[1, folder]]);
  const sourceFor = (pool: number) => {
    if (!pooled.has(pool)) pooled.set(pool, pooledSource(folder, geometry, pool));
    return pooled.get(pool)!;
  };
  const rows: ResultRow[] = [];
  const perFold: Record<string, number[]> = {};
  const tuningOf: ExperimentReport['nmnist']['tuning'] = {};
  const cvSpiking = (m: ExperimentModel, spec: ModelSpec, kind: RowKind) => {
    const src = sourceFor(m.pool);
    const labelPasses = m.labelPass ? passes.filter((p) => p >= 2) : [];
    const candidates = (m.tune ?? []).slice(0, quick ? 2 : undefined);
    const runs = foldIds.map((f) => {
      let chosen = spec;
      let tuning: FoldRun['tuning'];
      if (candidates.length > 1) {
        // Nested search: candidates are scored on the outer training split alone (inner fold
        // f + 1 held out, the other k - 2 folds trained on); the held-out fold f is never seen.
        const innerFold = (f + 1) % k;
        const { train: outerTrain } = splitFold(fold, f);
        const innerTest = outerTrain.filter((i) => fold[i] === innerFold);
        const innerTrain = outerTrain.filter((i) => fold[i] !== innerFold);
        const inner = candidates.map((c) => {
          const cs = applyCandidate(spec, c);
          const r = runSplit(cs, src, innerTrain, innerTest, f, { passes, labelPasses, seed, maxTrain });
          return { id: c.id, spec: cs, accuracy: selectionScore(r) };
        });
        const best = inner.reduce((a, c) => (c.accuracy > a.accuracy ? c : a));
        chosen = best.spec;
        tuning = { chosen: best.id, innerFold, inner: inner.map(({ id, accuracy }) => ({ id, accuracy })) };
        log(`  ${m.id} fold ${f + 1}/${k} inner (fold ${innerFold + 1}): ${inner.map((c) => `${c.id} ${(c.accuracy * 100).toFixed(0)}%`).join(', ')} -> ${best.id}`);
      }
      const r = runFold(chosen, src, fold, f, { passes, labelPasses, seed, maxTrain });
      if (tuning) r.tuning = tuning;
      log(`  ${m.id} fold ${f + 1}/${k}: ${r.accuracy.map((a) => (a * 100).toFixed(0)).join(' / ')}%${r.labelAccuracy.length ? `, label pass ${r.labelAccuracy.map((a) => (a * 100).toFixed(0)).join(' / ')}%` : ''} (${r.seconds.toFixed(1)} s)`);
      return r;
    });
    if (candidates.length > 1) tuningOf[m.id] = { candidates: candidates.map((c) => c.id), chosen: runs.map((r) => r.tuning!.chosen) };
    const out = spikingRows(m, spec, runs, passes, labelPasses, fitReport(spec), kind);
    for (const row of out) perFold[`${row.id} ${row.training}`] = row.accuracy.perFold;
    rows.push(...out);
  };
  log(`N-MNIST: ${folder.count} samples, ${k} folds from ${opts.foldsFile}${quick ? ` (quick: folds 1-2, ${maxTrain} training samples)` : ''}`);
  for (const m of models) {
    log(`${m.id}`);
    cvSpiking(m, loadExperimentSpec(m), 'spiking');
  }
  // Non-spiking readout on raw event counts, same protocol (the demo's baseline), per input size.
  const readoutBase = loadExperimentSpec(MODELS[0]);
  for (const pool of [...new Set([1, ...models.map((m) => m.pool)])].sort()) {
    const side = Math.ceil(34 / pool);
    const spec = baselineSpec({ ...readoutBase, input: { ...readoutBase.input, width: side, height: side, polarity: 'split' } });
    const id = `readout-raw-${side}x${side}`;
    log(id);
    cvSpiking(readoutModel(id, pool), { ...spec, name: id }, 'readout');
  }
  // Offline baselines on the raw 34x34x2 counts.
  const counts = sourceCounts(folder, 34, 34);
  for (const b of offline) {
    const accs: number[] = [];
    let params = 0;
    let secs = 0;
    for (const f of foldIds) {
      const { train, test } = splitFold(fold, f);
      const r = runOffline(b, counts, maxTrain !== undefined ? train.slice(0, maxTrain) : train, test, seed + f);
      accs.push(r.accuracy);
      params = r.params;
      secs += r.seconds;
    }
    log(`${b.id}: ${accs.map((a) => (a * 100).toFixed(0)).join(' ')}% (${secs.toFixed(1)} s)`);
    rows.push(offlineRow(b, summarize(accs), params, secs));
    perFold[`${b.id} ${b.epochs} epochs`] = accs;
  }
  const { train: tr0, test: te0 } = splitFold(fold, foldIds[0]);
  const nmnist: ExperimentReport['nmnist'] = {
    data: opts.nmnistDir, foldsFile: opts.foldsFile, samples: folder.count, k, folds: foldIds, trainPerFold: maxTrain ?? tr0.length, testPerFold: te0.length, passes, rows, perFold, tuning: tuningOf,
  };

  // ---------------------------------------------------------------- continual learning
  const continual = opts.continual ?? true ? runContinualPart(folder, fold, { quick, seed, log }) : null;

  // ---------------------------------------------------------------- Fashion-MNIST events
  let fashion: ExperimentReport['fashion'] = { status: 'skipped', reason: 'not requested' };
  if (opts.fashion ?? true) {
    let files: FashionFiles | null = null;
    try {
      files = opts.installFashion ?? true ? ensureFashionMnist(log) : findFashionMnist();
    } catch (e) {
      fashion = { status: 'skipped', reason: (e as Error).message };
    }
    if (!files && fashion.status === 'skipped' && fashion.reason === 'not requested') fashion = { status: 'skipped', reason: 'dataset-fashion-mnist is not installed' };
    if (files) fashion = runFashion(files, models, offline, { seed, quick, passes, trainCount: opts.fashionTrain ?? (quick ? 500 : 6000), testCount: opts.fashionTest ?? (quick ? 300 : 10000), log });
  }
  return { quick, seed, node: process.version, seconds: (performance.now() - t0) / 1000, nmnist, continual, fashion };
}

export interface ContinualReport {
  trainSamples: number;
  testSamples: number;
  learners: { id: string; label: string; model: string }[];
  results: ScenarioResult[];
  tuning: ContinualRun['tuning'];
  rateGrid: number[];
  conceptShift: ConceptShiftResult[];
  seconds: number;
}

/**
 * The continual-learning part alone (also `npm run experiments -- --only continual`): class- and
 * domain-incremental on the real N-MNIST samples (train folds 3-10, test folds 1-2), then concept
 * shift on emulated digits and the real samples.
 */
export function runContinualPart(folder: SampleSource, fold: ArrayLike<number>, o: { quick: boolean; seed: number; log?: (l: string) => void }): ContinualReport {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  log('Continual learning (train folds 3-10, test folds 1-2)');
  const contTrain = o.quick ? 300 : undefined;
  // The quick run tunes over three of the six grid values (CI time).
  const grid = o.quick ? RATE_GRID.filter((_, k) => k % 2 === 1) : RATE_GRID;
  // The quick run also scores on fold 1 only (the scoring passes dominate its time).
  const testFolds = o.quick ? 1 : 2;
  const run = runContinual(folder, fold, { seed: o.seed, maxTrain: contTrain, grid, testFolds, log });
  const nTest = Array.from(fold).filter((f) => f < testFolds).length;
  const conceptShift = runConceptShifts(o.quick ? CONCEPT_SHIFT_QUICK : CONCEPT_SHIFT_FULL, { seed: o.seed, nmnist: { source: folder, fold }, log });
  return {
    trainSamples: contTrain ?? folder.count - nTest,
    testSamples: nTest,
    learners: LEARNERS.map((l) => ({ id: l.id, label: l.label, model: l.model })),
    results: run.results,
    tuning: run.tuning,
    rateGrid: [...grid],
    conceptShift,
    seconds: (performance.now() - t0) / 1000,
  };
}

function offlineRow(b: OfflineSpec, acc: CvSummary, params: number, seconds: number): ResultRow {
  return { id: b.id, kind: 'offline', family: null, training: `${b.epochs} epochs`, passes: null, accuracy: acc, fit: null, params, weights: `${params.toLocaleString('en-US')} params`, seconds };
}

/** Fashion-MNIST as events: a seeded training subset, a seeded test subset of the test set. */
function runFashion(
  files: FashionFiles,
  models: readonly ExperimentModel[],
  offline: readonly OfflineSpec[],
  o: { seed: number; quick: boolean; passes: number[]; trainCount: number; testCount: number; log: (l: string) => void },
): ExperimentReport['fashion'] {
  const t0 = performance.now();
  const trainSet = loadImageSet(files.trainImages, files.trainLabels);
  const testSet = loadImageSet(files.testImages, files.testLabels);
  const trainIdx = Array.from(seededPermutation(trainSet.count, o.seed).subarray(0, o.trainCount));
  const testIdx = o.testCount >= testSet.count ? Array.from({ length: testSet.count }, (_, i) => i) : Array.from(seededPermutation(testSet.count, o.seed + 1).subarray(0, o.testCount));
  // One emulated sensor; each image gets its own noise seed (as if each were recorded once).
  const emulator = new EventEmulator({ sensorSeed: o.seed });
  const px = trainSet.width * trainSet.height;
  const batches: EventBatch[] = [];
  const labels: number[] = [];
  const add = (set: typeof trainSet, idx: number[], tag: number) => {
    for (const k of idx) {
      batches.push(emulator.emulate(set.images.subarray(k * px, (k + 1) * px), set.width, set.height, { seed: (o.seed * 100003 + tag * 1_000_003 + k) >>> 0 }));
      labels.push(set.labels[k]);
    }
  };
  add(trainSet, trainIdx, 1);
  add(testSet, testIdx, 2);
  const source = new ArraySource(batches, labels);
  const nTrain = trainIdx.length;
  // A two-fold "assignment": fold 1 = the test images, so runFold trains on the rest.
  const fold = new Uint8Array(batches.length);
  fold.fill(1, nTrain);
  const events = batches.reduce((a, b) => a + b.length, 0) / batches.length;
  o.log(`Fashion-MNIST: ${nTrain} training images, ${testIdx.length} test images, ${events.toFixed(0)} events per image (emulated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const rows: ResultRow[] = [];
  const pooled = new Map<number, SampleSource>([[1, source]]);
  const sourceFor = (pool: number) => {
    if (!pooled.has(pool)) pooled.set(pool, pooledSource(source, { width: 34, height: 34 }, pool));
    return pooled.get(pool)!;
  };
  const run = (m: ExperimentModel, spec: ModelSpec, kind: RowKind) => {
    const labelPasses = m.labelPass ? o.passes.filter((p) => p >= 2) : [];
    const r = runFold(spec, sourceFor(m.pool), fold, 1, { passes: o.passes, labelPasses, seed: o.seed });
    o.log(`  ${m.id}: ${r.accuracy.map((a) => (a * 100).toFixed(1)).join(' / ')}%${r.labelAccuracy.length ? `, label pass ${r.labelAccuracy.map((a) => (a * 100).toFixed(1)).join(' / ')}%` : ''} (${r.seconds.toFixed(1)} s)`);
    rows.push(...spikingRows(m, spec, [r], o.passes, labelPasses, fitReport(spec), kind));
  };
  for (const m of models) run(m, loadExperimentSpec(m), 'spiking');
  const readoutBase = loadExperimentSpec(MODELS[0]);
  for (const pool of [...new Set([1, ...models.map((m) => m.pool)])].sort()) {
    const side = Math.ceil(34 / pool);
    const id = `readout-raw-${side}x${side}`;
    const spec = baselineSpec({ ...readoutBase, input: { ...readoutBase.input, width: side, height: side, polarity: 'split' } });
    run(readoutModel(id, pool), { ...spec, name: id }, 'readout');
  }
  const all = countDataset(source, Array.from({ length: source.count }, (_, i) => i), 34, 34);
  const train = Array.from({ length: nTrain }, (_, i) => i);
  const test = Array.from({ length: testIdx.length }, (_, i) => nTrain + i);
  for (const b of offline) {
    const r = runOffline(b, all, train, test, o.seed);
    o.log(`  ${b.id}: ${(r.accuracy * 100).toFixed(1)}% (${r.seconds.toFixed(1)} s)`);
    rows.push(offlineRow(b, summarize([r.accuracy]), r.params, r.seconds));
  }
  return { status: 'ok', package: 'dataset-fashion-mnist', version: files.version, trainSamples: nTrain, testSamples: testIdx.length, passes: o.passes, rows };
}

