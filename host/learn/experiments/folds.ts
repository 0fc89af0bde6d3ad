/**
 * A committed k-fold assignment (`experiments/nmnist-small-folds.tsv`: `sample<TAB>fold`, with a
 * header line). Cross-validation reads the folds from the file instead of recomputing them, so a
 * change to the PRNG or to the shuffle can never silently move samples between folds; the file
 * was made once by `stratifiedFolds` (seeded) through `node scripts/experiments.mjs --write-folds`.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { LabelRow } from '../datasets/sample-folder.js';
import { stratifiedFolds } from '../folder.js';

/** The seed and fold count the committed N-MNIST assignment was generated with. */
export const NMNIST_FOLDS_SEED = 20150601;
export const NMNIST_FOLDS_K = 10;

/** Formats a fold assignment as TSV (header `sample<TAB>fold`, rows in label-table order). */
export function formatFoldsTsv(rows: readonly LabelRow[], fold: ArrayLike<number>): string {
  const lines = ['sample\tfold'];
  rows.forEach((r, i) => lines.push(`${r.sample}\t${fold[i]}`));
  return lines.join('\n') + '\n';
}

/** A stratified assignment of `rows` (see `stratifiedFolds`). */
export function makeFolds(rows: readonly LabelRow[], k: number, seed: number): Uint8Array {
  return stratifiedFolds(rows.map((r) => r.label), k, seed);
}

/**
 * Reads a fold file and returns fold[i] for each of `rows` (by sample name). Every sample of
 * `rows` must be assigned, folds must be 0..k-1 with no gaps; samples in the file but not in
 * `rows` are an error too (the file belongs to another data set).
 */
export function readFoldsTsv(file: string, rows: readonly LabelRow[]): { fold: Uint8Array; k: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read fold file ${file}: ${(e as Error).message}`, { cause: e });
  }
  const byName = new Map<string, number>();
  let header = false;
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    if (!header) {
      header = true;
      return;
    }
    const cols = line.split('\t');
    if (cols.length !== 2 || !/^\d{1,3}$/.test(cols[1])) throw new UsageError(`${file}:${i + 1}: expected sample<TAB>fold, got ${JSON.stringify(line)}`);
    if (byName.has(cols[0])) throw new UsageError(`${file}:${i + 1}: sample ${cols[0]} listed twice`);
    byName.set(cols[0], Number(cols[1]));
  });
  const fold = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    const f = byName.get(r.sample);
    if (f === undefined) throw new UsageError(`${file}: sample ${r.sample} has no fold`);
    fold[i] = f;
  });
  if (byName.size !== rows.length) throw new UsageError(`${file}: lists ${byName.size} samples, the data has ${rows.length}`);
  const k = Math.max(...fold) + 1;
  for (let f = 0; f < k; f++) if (!fold.includes(f)) throw new UsageError(`${file}: fold ${f} is empty`);
  return { fold, k };
}

/** Train and test index lists of fold `f`. */
export function splitFold(fold: ArrayLike<number>, f: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
  return { train, test };
}
