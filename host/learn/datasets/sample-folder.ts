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

export interface LabelRow {
  readonly sample: string;
  readonly label: number;
}

/**
 * Parse a two-column TAB-separated label file. The first non-blank line is a header and is skipped;
 * blank lines are ignored; CRLF line ends are accepted. Labels must be integers in 0..255 and each
 * sample may appear once.
 */
export function readLabelsTsv(file: string): LabelRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read label file ${file}: ${(e as Error).message}`, { cause: e });
  }
  const lines = text.split('\n');
  const rows: LabelRow[] = [];
  const seen = new Map<string, number>();
  let headerSeen = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    if (!headerSeen) {
      headerSeen = true;
      continue;
    }
    const bad = (why: string): UsageError =>
      new UsageError(`${file}:${i + 1}: ${why}: ${JSON.stringify(line)}`);
    const cols = line.split('\t');
    if (cols.length !== 2) throw bad(`expected 2 TAB-separated columns, found ${cols.length}`);
    const sample = cols[0].trim();
    const labelText = cols[1].trim();
    if (sample === '') throw bad('empty sample name');
    if (sample.includes('/') || sample.includes('\\') || sample === '.' || sample === '..') {
      throw bad('sample name must be a plain file name');
    }
    if (!/^\d{1,3}$/.test(labelText) || Number(labelText) > 255) {
      throw bad('label must be an integer in 0..255');
    }
    const first = seen.get(sample);
    if (first !== undefined) throw bad(`sample listed twice (first on line ${first})`);
    seen.set(sample, i + 1);
    rows.push({ sample, label: Number(labelText) });
  }
  return rows;
}

/** The file of `sample` in `dir`: `<sample>.bin`, else `<sample>.bs2`, else a UsageError. */
export function resolveSampleFile(dir: string, sample: string): string {
  const tried = [join(dir, `${sample}.bin`), join(dir, `${sample}.bs2`)];
  for (const p of tried) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  throw new UsageError(`sample ${JSON.stringify(sample)} not found: tried ${tried[0]} and ${tried[1]}`);
}
