/**
 * Event files for the decoder benchmarks, made by neurite's own writers from a synthetic event
 * stream, in a scratch folder under os.tmpdir() that run.ts deletes afterwards.
 *
 * The stream (SyntheticEvents) stands in for a busy event camera: time advances in 1 µs ticks;
 * on each tick, with probability EDGE_PROB, a moving edge crosses a row and fires a run of 8..32
 * neighbouring pixels (same time, same row, same polarity, increasing x: the pattern EVT 3.0
 * cameras pack into vector words), followed by 0..3 background-noise events at random pixels and
 * polarities. That is about 4.5 events per µs (4.5 M events/s, a busy Prophesee Gen3 VGA scene in
 * event-formats.md section 3). Everything comes from one Xoshiro128 seed, so a file is the same on
 * every run. N-MNIST files use its 34 x 34 geometry, every other format a 640 x 480 sensor.
 *
 * Every file is written while the stream is generated (batch by batch through the format's
 * EventEncoder, appended to the file), so the generator's memory stays bounded, except where the
 * writer itself has to keep its output until end() (AEDAT 4.0 keeps the compressed packets to
 * write the IOHeader's table offset). The manifest records, per file, the event count and a
 * checksum over every event (eventHash), which the decode workers and the native decoder must
 * reproduce before anything is timed.
 *
 *   node dist/bench/event-data.js --dir DIR --json [--quick] [--stream-bytes N | --no-stream]
 */
import { closeSync, mkdirSync, openSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { formatById } from '../host/events/formats/index.js';
import type { FormatId } from '../host/events/formats/format.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../host/events/types.js';
import { Xoshiro128 } from '../host/util/prng.js';
import { argValue, hasFlag, isMain } from './common.js';

export const EVENT_SEED = 0x5eed_e7e2;
const EDGE_PROB = 0.15;
const GEN_BATCH = 65536;

/** The formats timed by the decode benchmark, in table order. */
export const DECODE_FORMATS: readonly FormatId[] = ['nmnist', 'evt2', 'evt3', 'dat', 'aedat4', 'es', 'csv', 'npy'];

export const FORMAT_LABEL: Record<string, string> = {
  nmnist: 'N-MNIST .bin',
  evt2: 'Prophesee EVT 2.0',
  evt3: 'Prophesee EVT 3.0',
  dat: 'Prophesee DAT',
  aedat4: 'AEDAT 4.0 (LZ4)',
  es: 'Event Stream .es',
  csv: 'CSV text',
  npy: 'NumPy .npy',
};

const FILE_EXT: Record<string, string> = {
  nmnist: '.bin', evt2: '.raw', evt3: '.raw', dat: '.dat', aedat4: '.aedat4', es: '.es', csv: '.csv', npy: '.npy',
};

export const VGA: SensorGeometry = { width: 640, height: 480 };
export const NMNIST_34: SensorGeometry = { width: 34, height: 34 };

/** Events per decode file: EVT 2.0 gets enough for a file of >= 100 MB, the others >= 5 M. */
export function decodeEventCount(format: FormatId, quick: boolean): number {
  if (quick) return format === 'evt2' ? 4_000_000 : 1_000_000;
  return format === 'evt2' ? 26_000_000 : 5_000_000;
}

/** Deterministic synthetic event stream (see the file comment). */
export class SyntheticEvents {
  private readonly rng: Xoshiro128;
  private t = 0;
  private runLeft = 0;
  private runX = 0;
  private runY = 0;
  private runP = 0;
  private noiseLeft = 0;
  private readonly buf = allocBatch(GEN_BATCH);

  constructor(readonly geometry: SensorGeometry, seed: number = EVENT_SEED) {
    this.rng = new Xoshiro128(seed);
  }

  /** The next `n` (<= 65536) events, in a batch that is overwritten by the next call. */
  next(n: number): EventBatch {
    const { t: T, x: X, y: Y, p: P } = this.buf;
    const rng = this.rng;
    const W = this.geometry.width, H = this.geometry.height;
    let t = this.t;
    let k = 0;
    while (k < n) {
      if (this.runLeft > 0) {
        T[k] = t; X[k] = this.runX++; Y[k] = this.runY; P[k] = this.runP;
        this.runLeft--;
        k++;
      } else if (this.noiseLeft > 0) {
        T[k] = t; X[k] = rng.nextInt(W); Y[k] = rng.nextInt(H); P[k] = rng.nextU32() & 1;
        this.noiseLeft--;
        k++;
      } else {
        t++;
        if (rng.nextFloat() < EDGE_PROB) {
          const len = Math.min(8 + rng.nextInt(25), W);
          this.runLeft = len;
          this.runX = rng.nextInt(W - len + 1);
          this.runY = rng.nextInt(H);
          this.runP = rng.nextU32() & 1;
        }
        this.noiseLeft = rng.nextInt(4);
      }
    }
    this.t = t;
    return makeBatch(this.buf, n);
  }
}

/** Running checksum of an event sequence: count, sum of t, and an order-sensitive 32-bit hash. */
export interface EventDigest {
  count: number;
  sumT: number;
  /** FNV-1a style over (x | y << 11 | p << 22) and (t mod 2^32) of every event, in order. */
  hash: number;
  first: [number, number, number, number] | null;
  last: [number, number, number, number] | null;
}

export function newDigest(): EventDigest {
  return { count: 0, sumT: 0, hash: 0x811c9dc5 | 0, first: null, last: null };
}

/** Adds a batch to the digest (same arithmetic as bench/native/evt2_decode.c). */
export function digestBatch(d: EventDigest, b: EventBatch): void {
  const n = b.length;
  if (n === 0) return;
  const { t, x, y, p } = b;
  let h = d.hash;
  let s = d.sumT;
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    h = Math.imul(h ^ (x[i] | (y[i] << 11) | (p[i] << 22)), 0x01000193);
    h = Math.imul(h ^ (ti >>> 0), 0x01000193);
    s += ti;
  }
  d.hash = h;
  d.sumT = s;
  d.count += n;
  if (d.first === null) d.first = [t[0], x[0], y[0], p[0]];
  d.last = [t[n - 1], x[n - 1], y[n - 1], p[n - 1]];
}

export function sameDigest(a: EventDigest, b: EventDigest): boolean {
  return a.count === b.count && a.sumT === b.sumT && (a.hash >>> 0) === (b.hash >>> 0)
    && JSON.stringify(a.first) === JSON.stringify(b.first) && JSON.stringify(a.last) === JSON.stringify(b.last);
}

export interface EventFileEntry {
  format: FormatId;
  path: string;
  bytes: number;
  geometry: SensorGeometry;
  digest: EventDigest;
  writeSeconds: number;
}

export interface EventFilesManifest {
  kind: 'event-files';
  dir: string;
  seed: number;
  files: EventFileEntry[];
  /** The large EVT 2.0 file for the streaming-memory measurement (absent with --no-stream). */
  stream: (EventFileEntry & { requestedBytes: number; limitedByDisk: boolean; freeBytes: number }) | null;
  seconds: number;
}

/** Writes everything `out` returns to `fd`; returns the byte count. */
function put(fd: number, out: Uint8Array): number {
  let o = 0;
  while (o < out.length) o += writeSync(fd, out, o, out.length - o);
  return out.length;
}

/**
 * Encodes `events` events of the synthetic stream (or, with `minBytes`, as many as it takes to
 * reach that file size) with the format's own writer into `path`.
 */
export function writeEventFile(format: FormatId, path: string, opts: { events?: number; minBytes?: number }): EventFileEntry {
  const t0 = performance.now();
  const info = formatById(format);
  const geometry = format === 'nmnist' ? NMNIST_34 : VGA;
  if (!info.createEncoder) throw new Error(`bench: ${format} has no writer`);
  // NPY in patch mode streams the records and rewrites the header at the end (seekable file).
  const enc = format === 'npy'
    ? info.createEncoder({ geometry, mode: 'patch' } as Parameters<NonNullable<typeof info.createEncoder>>[0])
    : info.createEncoder({ geometry });
  const src = new SyntheticEvents(geometry);
  const digest = newDigest();
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    for (;;) {
      let n = GEN_BATCH;
      if (opts.events !== undefined) {
        n = Math.min(GEN_BATCH, opts.events - digest.count);
        if (n <= 0) break;
      } else if (opts.minBytes !== undefined && bytes >= opts.minBytes) {
        break;
      }
      const b = src.next(n);
      digestBatch(digest, b);
      bytes += put(fd, enc.push(b));
    }
    bytes += put(fd, enc.end());
    const patch = (enc as { headerPatch?: () => { offset: number; bytes: Uint8Array } | null }).headerPatch?.();
    if (patch) writeSync(fd, patch.bytes, 0, patch.bytes.length, patch.offset);
  } finally {
    closeSync(fd);
  }
  return { format, path, bytes, geometry, digest, writeSeconds: (performance.now() - t0) / 1000 };
}

/** Free bytes for an unprivileged user on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export const STREAM_BYTES = 1 << 30;
/** Left free on the disk when sizing the streaming file. */
const DISK_MARGIN = 512 << 20;

export function makeEventFiles(dir: string, opts: { quick?: boolean; streamBytes?: number | null } = {}): EventFilesManifest {
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const files: EventFileEntry[] = [];
  for (const f of DECODE_FORMATS) {
    files.push(writeEventFile(f, join(dir, `bench-${f}${FILE_EXT[f]}`), { events: decodeEventCount(f, opts.quick ?? false) }));
  }
  let stream: EventFilesManifest['stream'] = null;
  const requested = opts.streamBytes === undefined ? STREAM_BYTES : opts.streamBytes;
  if (requested !== null && requested > 0) {
    const free = freeBytes(dir);
    const fits = Math.max(0, free - DISK_MARGIN);
    const target = Math.min(requested, fits);
    if (target >= 16 << 20) {
      const e = writeEventFile('evt2', join(dir, 'bench-stream-evt2.raw'), { minBytes: target });
      stream = { ...e, requestedBytes: requested, limitedByDisk: target < requested, freeBytes: free };
    } else {
      stream = {
        format: 'evt2', path: '', bytes: 0, geometry: VGA, digest: newDigest(), writeSeconds: 0,
        requestedBytes: requested, limitedByDisk: true, freeBytes: free,
      };
    }
  }
  return { kind: 'event-files', dir, seed: EVENT_SEED, files, stream, seconds: (performance.now() - t0) / 1000 };
}

if (isMain(import.meta.url)) {
  const dir = argValue('--dir');
  if (!dir) {
    console.error('usage: node dist/bench/event-data.js --dir DIR [--json] [--quick] [--stream-bytes N | --no-stream]');
    process.exit(2);
  }
  const sb = argValue('--stream-bytes');
  const m = makeEventFiles(dir, { quick: hasFlag('--quick'), streamBytes: hasFlag('--no-stream') ? null : sb === undefined ? undefined : Number(sb) });
  if (hasFlag('--json')) {
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } else {
    for (const f of [...m.files, ...(m.stream ? [m.stream] : [])]) {
      console.log(`${f.format.padEnd(7)} ${(f.bytes / 1e6).toFixed(1).padStart(8)} MB ${String(f.digest.count).padStart(10)} events  `
        + `${(f.bytes / f.digest.count).toFixed(2)} B/event  ${f.writeSeconds.toFixed(1)} s  ${f.path}`);
    }
    console.log(`${m.seconds.toFixed(1)} s`);
  }
}
