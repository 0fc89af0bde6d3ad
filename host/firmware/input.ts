/**
 * Turning what a user has into the image's input stream (framing.ts): an already framed stream
 * (.nevs, used as is), one N-MNIST recording (.bin / .bs2, with --label or a digit-named parent
 * folder as in the N-MNIST layout Train/<digit>/<id>.bin), or a folder of recordings with a
 * labels.tsv (the existing readers: FolderSource, readLabelsTsv).
 */
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { readNmnistFileSync } from '../events/formats/nmnist.js';
import { FolderSource } from '../learn/folder.js';
import { FRAME_MAGIC } from '../../firmware/layout.js';
import { writeStreamFile, type LabelledSample } from './framing.js';

export interface StreamInputOptions {
  /** A .nevs stream, an N-MNIST .bin/.bs2 file, or a folder of them. */
  input: string;
  /** Folder input: the label table (default <folder>/labels.tsv). */
  labels?: string;
  /** Single-file input: its label (default: the parent folder's name if it is a number). */
  label?: number;
  /** Use at most this many samples of a folder (in table order). */
  limit?: number;
  /** The image's sensor geometry (written in the stream header). */
  width: number;
  height: number;
  /** Labels must be below this (the image refuses others). */
  labelLimit: number;
}

export interface PreparedStream {
  /** Path of the framed stream (the input itself, or the file written). */
  path: string;
  kind: 'stream' | 'file' | 'folder';
  samples: number | null;
  events: number | null;
  bytes: number;
}

/** True if the file starts with the stream magic "NEVS". */
export function isFramedStream(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.readUInt32LE(0) === FRAME_MAGIC;
  } finally {
    closeSync(fd);
  }
}

function checkLabel(label: number, limit: number, where: string): number {
  if (!Number.isInteger(label) || label < 0 || label >= limit) {
    throw new UsageError(`${where}: label ${label} is outside the model's labels 0..${limit - 1}`);
  }
  return label;
}

/** Writes the framed stream for `opts.input` to `out` (unless the input already is one). */
export function prepareStream(opts: StreamInputOptions, out: string): PreparedStream {
  const input = opts.input;
  if (!existsSync(input)) throw new UsageError(`--input ${input}: no such file or folder`);
  const st = statSync(input);
  if (st.isFile() && (extname(input) === '.nevs' || isFramedStream(input))) {
    return { path: input, kind: 'stream', samples: null, events: null, bytes: st.size };
  }
  if (st.isFile()) {
    const ext = extname(input).toLowerCase();
    if (ext !== '.bin' && ext !== '.bs2') {
      throw new UsageError(`--input ${input}: expected a .nevs stream, an N-MNIST .bin/.bs2 file or a folder`);
    }
    let label = opts.label;
    if (label === undefined) {
      const parent = basename(dirname(input));
      if (!/^\d{1,5}$/.test(parent)) throw new UsageError(`--input ${input}: give its --label (the parent folder "${parent}" is not a class number)`);
      label = Number(parent);
    }
    checkLabel(label, opts.labelLimit, input);
    const events = readNmnistFileSync(input);
    const r = writeStreamFile(out, opts.width, opts.height, [{ events, label }]);
    return { path: out, kind: 'file', samples: r.samples, events: r.events, bytes: r.bytes };
  }
  const labels = opts.labels ?? join(input, 'labels.tsv');
  if (!existsSync(labels)) throw new UsageError(`--input ${input} is a folder: give --labels FILE.tsv (no ${labels})`);
  const source = new FolderSource(input, FolderSource.open(input, labels).rows, false);
  const n = opts.limit === undefined ? source.count : Math.min(source.count, opts.limit);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) throw new UsageError(`--limit must be a positive integer, got ${opts.limit}`);
  for (let i = 0; i < n; i++) checkLabel(source.label(i), opts.labelLimit, `${labels} (sample ${source.rows[i].sample})`);
  function* samples(): Generator<LabelledSample> {
    for (let i = 0; i < n; i++) yield { events: source.events(i), label: source.label(i) };
  }
  const r = writeStreamFile(out, opts.width, opts.height, samples());
  return { path: out, kind: 'folder', samples: r.samples, events: r.events, bytes: r.bytes };
}
