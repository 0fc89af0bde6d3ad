/**
 * Turning the files a user picked (several files, or a whole folder) into an ordered list of
 * labelled samples, the way `neurite learn --data DIR --labels FILE.tsv` reads a folder:
 *
 * - sample files: N-MNIST records (`.bin`, `.bs2`), one sample per file, named by the file's name
 *   without its extension;
 * - labels, in this order: a label table among the picked files (`.tsv`: a header line, then
 *   `sample<TAB>label` rows, as in docs/ and the CLI), else the name of the sample's folder when
 *   it is a number (the N-MNIST layout `Train/3/00012.bin`), else none (the sample is only run);
 * - order: the table's order for the samples it lists, then the rest by path, so a run is
 *   reproducible and can be compared with one outside the browser;
 * - a `.zip` archive counts as the folder it holds (its entries are read only when needed);
 * - every other file is a recording in any format the registry reads, shown as an event raster.
 */
import { UsageError } from '../host/errors.js';
import type { SampleRef } from './protocol.js';
import { parseLabelTable as parseRows } from '../host/learn/datasets/label-table.js';
import { readZipEntries, readZipEntry, type ZipLocation } from './zip.js';

/** What the page needs of a picked file (a File, or a test double). */
export interface PickedFile {
  readonly name: string;
  /** Path inside a picked folder ('' when single files were picked). */
  readonly webkitRelativePath: string;
  readonly file: Blob;
  /** Set for an entry of a zip archive: `file` is the archive. */
  readonly zip?: ZipLocation | null;
  text(): Promise<string>;
}

export interface Collected {
  readonly samples: SampleRef[];
  readonly recordings: { name: string; file: Blob; zip: ZipLocation | null }[];
  readonly labelTable: string | null;
}

const SAMPLE_EXT = ['.bin', '.bs2'];

function ext(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

/** Parses a `sample<TAB>label` table into sample -> label (format and checks: host/learn/datasets/label-table.ts). */
export function parseLabelTable(text: string, source: string): Map<string, number> {
  return new Map(parseRows(text, source).map((r) => [r.sample, r.label]));
}

function pathOf(f: PickedFile): string {
  return f.webkitRelativePath || f.name;
}

function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

function folderLabel(path: string): number | null {
  const parts = path.split('/');
  const dir = parts.length >= 2 ? parts[parts.length - 2] : '';
  return /^\d{1,3}$/.test(dir) && Number(dir) <= 255 ? Number(dir) : null;
}

/** The entries of the zip archives among `picked`, as picked files named `archive.zip/path`. */
async function expandZips(picked: readonly PickedFile[]): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  for (const f of picked) {
    if (ext(f.name) !== '.zip') {
      out.push(f);
      continue;
    }
    for (const e of await readZipEntries(f.file, pathOf(f))) {
      const path = `${pathOf(f)}/${e.path}`;
      if (e.path.startsWith('__MACOSX/') || e.path.split('/').pop()!.startsWith('._')) continue; // macOS metadata
      out.push({
        name: e.path.slice(e.path.lastIndexOf('/') + 1),
        webkitRelativePath: path,
        file: f.file,
        zip: e,
        text: async () => new TextDecoder().decode(await readZipEntry(f.file, e, path)),
      });
    }
  }
  return out;
}

export async function collectSamples(picked: readonly PickedFile[]): Promise<Collected> {
  const files = await expandZips(picked);
  const tables = files.filter((f) => ext(f.name) === '.tsv');
  if (tables.length > 1) {
    throw new UsageError(`pick at most one label table, got ${tables.length}: ${tables.map(pathOf).join(', ')}`);
  }
  const table = tables.length === 1 ? parseLabelTable(await tables[0].text(), pathOf(tables[0])) : null;
  const sampleFiles = files.filter((f) => SAMPLE_EXT.includes(ext(f.name)));
  const byPath = (a: PickedFile, b: PickedFile): number => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0);
  sampleFiles.sort(byPath);
  const samples: SampleRef[] = [];
  const used = new Set<PickedFile>();
  if (table) {
    const byStem = new Map<string, PickedFile>();
    for (const f of sampleFiles) if (!byStem.has(stem(f.name))) byStem.set(stem(f.name), f);
    for (const [sample, label] of table) {
      const f = byStem.get(sample);
      if (!f) continue;
      used.add(f);
      samples.push({ name: pathOf(f), label, file: f.file, zip: f.zip ?? null });
    }
  }
  for (const f of sampleFiles) {
    if (used.has(f)) continue;
    samples.push({ name: pathOf(f), label: folderLabel(pathOf(f)), file: f.file, zip: f.zip ?? null });
  }
  const recordings = files
    .filter((f) => ext(f.name) !== '.tsv' && !SAMPLE_EXT.includes(ext(f.name)))
    .sort(byPath)
    .map((f) => ({ name: pathOf(f), file: f.file, zip: f.zip ?? null }));
  return { samples, recordings, labelTable: tables.length === 1 ? pathOf(tables[0]) : null };
}
