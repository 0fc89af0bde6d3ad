/**
 * A folder of recorded samples plus a label table, as taken by `neurite learn/eval --data DIR
 * --labels FILE.tsv` (the layout of N-MNIST subsets: `<sample>.bin` or `<sample>.bs2` files and a
 * `sample<TAB>label` table).
 *
 * Why: user-supplied files are untrusted input; every problem is a UsageError that names the file,
 * the line and the offending text, so the user can fix it without reading code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { parseLabelTable, type LabelRow } from './label-table.js';

export type { LabelRow } from './label-table.js';

/** Reads and parses a label table file (see parseLabelTable for the format and its checks). */
export function readLabelsTsv(file: string): LabelRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read label file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseLabelTable(text, file);
}

/** The file of `sample` in `dir`: `<sample>.bin`, else `<sample>.bs2`, else a UsageError. */
export function resolveSampleFile(dir: string, sample: string): string {
  const tried = [join(dir, `${sample}.bin`), join(dir, `${sample}.bs2`)];
  for (const p of tried) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  throw new UsageError(`sample ${JSON.stringify(sample)} not found: tried ${tried[0]} and ${tried[1]}`);
}
