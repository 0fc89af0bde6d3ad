/**
 * Learning from a folder of recorded samples (`neurite learn / eval / crossval --data DIR
 * --labels FILE.tsv`), and k-fold cross-validation over it.
 */
import { readNmnistFileSync } from '../events/formats/nmnist.js';
import type { EventBatch } from '../events/types.js';
import { UsageError } from '../errors.js';
import { planModel } from '../plan/plan.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import type { ModelSpec } from '../spec/types.js';
import { Xoshiro128 } from '../util/prng.js';
import { readLabelsTsv, resolveSampleFile, type LabelRow } from './datasets/sample-folder.js';
import { evaluate, trainOnline, type SampleSource, type TrainOptions } from './online.js';

/** Samples of a folder, decoded on first use and kept (an N-MNIST sample is ~50 KB decoded). */
export class FolderSource implements SampleSource {
  private readonly cache = new Map<number, EventBatch>();

  constructor(
    readonly dir: string,
    readonly rows: readonly LabelRow[],
    private readonly keep = true,
  ) {
    if (rows.length === 0) throw new UsageError(`no samples listed for ${dir}`);
  }

  static open(dir: string, labelsFile: string): FolderSource {
    return new FolderSource(dir, readLabelsTsv(labelsFile));
  }

  get count(): number {
    return this.rows.length;
  }

  events(i: number): EventBatch {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const ev = readNmnistFileSync(resolveSampleFile(this.dir, this.rows[i].sample));
    if (this.keep) this.cache.set(i, ev);
    return ev;
  }

  label(i: number): number {
    return this.rows[i].label;
  }
}

/**
 * Stratified k-fold assignment: within each class, samples are shuffled (seeded) and dealt
 * round-robin to folds, so every fold has each class in proportion. Returns fold[i] in 0..k-1.
 */
export function stratifiedFolds(labels: readonly number[], k: number, seed: number): Uint8Array {
  if (!Number.isInteger(k) || k < 2 || k > 255) throw new UsageError(`folds must be an integer in 2..255, got ${k}`);
  const fold = new Uint8Array(labels.length);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const rng = new Xoshiro128(seed);
  let deal = 0;
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(cls)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
    for (const i of list) fold[i] = deal++ % k;
  }
  return fold;
}

export interface CrossValResult {
  model: string;
  folds: { fold: number; accuracy: number; trainSamples: number; testSamples: number; learningRate: number }[];
  meanAccuracy: number;
  stdAccuracy: number;
  minAccuracy: number;
  maxAccuracy: number;
  passes: number;
  seed: number;
  arenaBytes: number;
}

/** k-fold cross-validation: a fresh runtime per fold, online training, held-out evaluation. */
export function crossValidate(
  spec: ModelSpec,
  source: SampleSource,
  opts: TrainOptions & { folds?: number; build?: KernelBuild; onFold?: (fold: number, accuracy: number) => void } = {},
): CrossValResult {
  const k = opts.folds ?? 10;
  const seed = opts.seed ?? 1;
  const labels = Array.from({ length: source.count }, (_, i) => source.label(i));
  const fold = stratifiedFolds(labels, k, seed);
  const plan = planModel({ ...spec, seed });
  const results: CrossValResult['folds'] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    fold.forEach((g, i) => (g === f ? test : train).push(i));
    const rt = new Runtime(plan, opts.build ?? 'simd');
    const tr = trainOnline(rt, source, train, { ...opts, seed: seed + f });
    const ev = evaluate(rt, source, test);
    rt.dispose();
    results.push({ fold: f, accuracy: ev.accuracy, trainSamples: train.length, testSamples: test.length, learningRate: tr.learningRate });
    opts.onFold?.(f, ev.accuracy);
  }
  const accs = results.map((r) => r.accuracy);
  const mean = accs.reduce((a, b) => a + b, 0) / k;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1));
  return {
    model: spec.name,
    folds: results,
    meanAccuracy: mean,
    stdAccuracy: std,
    minAccuracy: Math.min(...accs),
    maxAccuracy: Math.max(...accs),
    passes: opts.passes ?? 1,
    seed,
    arenaBytes: plan.arenaBytes,
  };
}
