/**
 * The `sample<TAB>label` table that names a folder's samples and their classes (the layout of
 * N-MNIST subsets). Text in, rows out, no file system: the CLI (sample-folder.ts) and the browser
 * page (web/samples.ts) parse it the same way.
 *
 * Why: user-supplied files are untrusted input; every problem is a UsageError that names the
 * source, the line and the offending text, so the user can fix it without reading code.
 */
import { UsageError } from '../../errors.js';

export interface LabelRow {
  readonly sample: string;
  readonly label: number;
}

/**
 * Parses a two-column TAB-separated label table. The first non-blank line is a header and is
 * skipped; blank lines are ignored; CRLF line ends are accepted. Sample names are plain file names
 * (no path), labels integers in 0..255, and each sample may appear once.
 */
export function parseLabelTable(text: string, source: string): LabelRow[] {
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
      new UsageError(`${source}:${i + 1}: ${why}: ${JSON.stringify(line)}`);
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
