/**
 * The event-file registry: every format neurite reads or writes, how a file's format is chosen,
 * and streaming access to a whole file.
 *
 * Choosing a format (`detectFormat`), in this order:
 * 1. an explicit id (`--format`) wins;
 * 2. the content: magic bytes and header lines. Extensions are not trusted where one extension
 *    names several formats (event-formats.md section 2): `.aedat` is AEDAT 2.0, 3.1 or 4.0 by its
 *    first line (`#!AER-DAT2.0`, `#!AER-DAT3.1`, `#!AER-DAT4.0`); Prophesee `.raw` is EVT 2.0 or
 *    3.0 by its `% evt 2.0` / `% evt 3.0` / `% format EVT2|EVT3` header lines; `.dat` is told from
 *    RAW by the absence of those lines (DAT headers carry `% Data file ...` / `% Version`). Then
 *    `Event Stream` and `\x93NUMPY` magics, then each format's own `sniff`;
 * 3. the extension, for formats without a header (`.bin`/`.bs2` N-MNIST, `.csv`/`.tsv`/`.txt`
 *    text) and for a file whose header is damaged but whose extension names a single format (the
 *    decoder then reports what is wrong); never `.aedat` or `.raw`;
 * 4. otherwise a UsageError that lists the formats.
 *
 * Streaming (`openEventFile`): the file is read with fs.createReadStream in 64 KiB chunks inside
 * an async generator, so a chunk is only read when the consumer asks for the next batch (pull-
 * based back-pressure). Each chunk's events are copied into batches of at most `batchSize` events
 * that the consumer owns. Peak memory is one chunk, what one chunk decodes to, and one batch,
 * whatever the file size. Side channels (IMU, triggers, frames) are drained after every chunk and
 * only counted (or handed to `onSideChannels`), never accumulated.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { DecodeError, EncodeError, UsageError } from '../../errors.js';
import { allocBatch, concatBatches, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';
import {
  emptySideChannels,
  type DecodedHeader,
  type DecoderOptions,
  type EncoderOptions,
  type EventDecoder,
  type EventEncoder,
  type FormatId,
  type FormatInfo,
  type SideChannels,
} from './format.js';
import { NMNIST_EXTENSIONS, NMNIST_GEOMETRY, NmnistDecoder, encodeNmnist } from './nmnist.js';
import { esFormat } from './es.js';
import { npyFormat } from './npy.js';
import { csvFormat } from './csv.js';
import { evt2Format } from './evt2.js';
import { evt3Format } from './evt3.js';
import { datFormat } from './dat.js';
import { aedat2Format } from './aedat2.js';
import { aedat3Format } from './aedat3.js';
import { aedat4Format } from './aedat4.js';

const DEFAULT_BATCH = 65536;
const READ_CHUNK = 64 * 1024;
/** Bytes read for sniffing. */
export const SNIFF_BYTES = 64 * 1024;
/** openEventFile reads at most this much ahead to find a header (AEDAT 2.0 headers reach 300 KB). */
const HEADER_PROBE_BYTES = 4 << 20;
const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------
// N-MNIST adapter: NmnistDecoder predates the EventDecoder contract (end() returns void, no
// header() / takeSideChannels()), so it is wrapped here rather than changed.

class NmnistAdapter implements EventDecoder {
  readonly format = 'nmnist' as const;
  private readonly inner: NmnistDecoder;
  private readonly maxBatch: number;
  private readonly decoded: DecodedHeader;
  /** Decoded events not yet handed out because of maxBatch. */
  private pending: EventBatch[] = [];
  private pendingHead = 0;

  constructor(opts: DecoderOptions = {}) {
    const g = opts.geometry;
    this.inner = new NmnistDecoder({ width: g?.width, height: g?.height, source: opts.source });
    const mb = opts.maxBatch ?? DEFAULT_BATCH;
    this.maxBatch = Number.isInteger(mb) && mb > 0 ? mb : DEFAULT_BATCH;
    this.decoded = {
      format: 'nmnist',
      geometry: g ?? NMNIST_GEOMETRY,
      fields: {
        record: '5 bytes: x, y, polarity bit + 23-bit µs time (big-endian)',
        geometry: g ? 'given' : 'N-MNIST default 34x34',
      },
    };
  }

  get bytesConsumed(): number {
    return this.inner.bytesConsumed;
  }

  header(): DecodedHeader {
    return this.decoded;
  }

  takeSideChannels(): SideChannels {
    return emptySideChannels();
  }

  push(chunk: Uint8Array): EventBatch {
    const b = this.inner.push(chunk);
    if (b.length > 0) this.pending.push(b);
    return this.take(this.maxBatch);
  }

  end(): EventBatch {
    this.inner.end();
    return this.take(Infinity);
  }

  private take(limit: number): EventBatch {
    const parts: EventBatch[] = [];
    let n = 0;
    while (this.pending.length > 0 && n < limit) {
      const b = this.pending[0];
      const k = Math.min(b.length - this.pendingHead, limit - n);
      parts.push(slice(b, this.pendingHead, this.pendingHead + k));
      n += k;
      this.pendingHead += k;
      if (this.pendingHead >= b.length) {
        this.pending.shift();
        this.pendingHead = 0;
      }
    }
    return parts.length === 1 ? parts[0] : concatBatches(parts);
  }
}

/** Streams N-MNIST records; overflow markers are carried across batches. */
class NmnistEncoderAdapter implements EventEncoder {
  readonly format = 'nmnist' as const;
  private markers = 0;
  private lastT = 0;

  push(batch: EventBatch): Uint8Array {
    if (batch.length === 0) return EMPTY;
    if (batch.t[0] < this.lastT) {
      throw new EncodeError('nmnist', 0, `time ${batch.t[0]} is before the previous batch's last event at ${this.lastT}`);
    }
    // Times relative to the markers already written; encodeNmnist adds the ones still needed.
    const shift = this.markers * (1 << 13);
    const shifted = allocBatch(batch.length);
    for (let i = 0; i < batch.length; i++) shifted.t[i] = batch.t[i] - shift;
    shifted.x.set(batch.x.subarray(0, batch.length));
    shifted.y.set(batch.y.subarray(0, batch.length));
    shifted.p.set(batch.p.subarray(0, batch.length));
    const bytes = encodeNmnist(makeBatch(shifted, batch.length));
    // The writer refuses events with y = 240, so every record with y = 240 is a marker.
    for (let o = 1; o < bytes.length; o += 5) if (bytes[o] === 240) this.markers++;
    this.lastT = batch.t[batch.length - 1];
    return bytes;
  }

  end(): Uint8Array {
    return EMPTY;
  }
}

function slice(b: EventBatch, from: number, to: number): EventBatch {
  if (from === 0 && to === b.length) return b;
  return { length: to - from, t: b.t.subarray(from, to), x: b.x.subarray(from, to), y: b.y.subarray(from, to), p: b.p.subarray(from, to) };
}

export const nmnistFormat: FormatInfo = {
  id: 'nmnist',
  description: 'N-MNIST / N-Caltech101 ATIS binary (5-byte records, no header)',
  extensions: NMNIST_EXTENSIONS,
  sniff(): boolean {
    return false; // no header: chosen by extension or --format
  },
  createDecoder(opts?: DecoderOptions): EventDecoder {
    return new NmnistAdapter(opts);
  },
  createEncoder(): EventEncoder {
    return new NmnistEncoderAdapter();
  },
};

// ---------------------------------------------------------------------------------------------
// Registry

/** Every registered format, in the order `inspect --help` lists them. */
export const FORMATS: readonly FormatInfo[] = Object.freeze([
  nmnistFormat,
  evt2Format,
  evt3Format,
  datFormat,
  aedat2Format,
  aedat3Format,
  aedat4Format,
  esFormat,
  npyFormat,
  csvFormat,
]);

export function formatList(): string {
  return FORMATS.map((f) => `${f.id} (${f.extensions.join(', ')})`).join(', ');
}

/** The registered format with this id; a UsageError naming the known ids otherwise. */
export function formatById(id: string): FormatInfo {
  const f = FORMATS.find((x) => x.id === id);
  if (!f) throw new UsageError(`unknown event format "${id}"; known formats: ${FORMATS.map((x) => x.id).join(', ')}`);
  return f;
}

/** Extensions that name more than one format, so never decide alone. */
const UNTRUSTED_EXTENSIONS = new Set(['.aedat', '.raw']);

function startsWith(head: Uint8Array, text: string): boolean {
  if (head.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * Content-only identification. Returns a format id, 'unsupported:<what>' for a recognised format
 * neurite does not read, or null.
 */
export function sniffContent(head: Uint8Array): string | null {
  if (startsWith(head, '#!AER-DAT2.0')) return 'aedat2';
  if (startsWith(head, '#!AER-DAT3.1') || startsWith(head, '#!AER-DAT3.0')) return 'aedat3';
  if (startsWith(head, '#!AER-DAT4.0')) return 'aedat4';
  if (startsWith(head, '#!AER-DAT')) return 'unsupported:AEDAT version ' + latin1Line(head, 9);
  if (startsWith(head, 'Event Stream')) return 'es';
  if (startsWith(head, '\x93NUMPY')) return 'npy';
  if (head.length >= 2 && head[0] === 0x25 /* % */) return sniffPercentHeader(head);
  return null;
}

function latin1Line(head: Uint8Array, from: number): string {
  let s = '';
  for (let i = from; i < head.length && i < from + 16 && head[i] !== 10 && head[i] !== 13; i++) s += String.fromCharCode(head[i]);
  return s;
}

/** Prophesee `% key value` headers: RAW (EVT 2.0 / 3.0) or DAT. */
function sniffPercentHeader(head: Uint8Array): string | null {
  let i = 0;
  let sawDatKey = false;
  let lines = 0;
  while (i < head.length && head[i] === 0x25) {
    let j = head.indexOf(10, i);
    const complete = j >= 0;
    if (!complete) j = head.length;
    const line = String.fromCharCode(...head.subarray(i, Math.min(j, i + 200))).replace(/\r$/, '').toLowerCase();
    lines++;
    let m = /^%\s*evt\s+(\d+(?:\.\d+)?)\s*$/.exec(line);
    if (m) {
      const v = m[1];
      if (v === '2' || v === '2.0') return 'evt2';
      if (v === '3' || v === '3.0') return 'evt3';
      return `unsupported:Prophesee EVT ${v}`;
    }
    m = /^%\s*format\s+([a-z0-9.]+)/.exec(line);
    if (m) {
      const f = m[1];
      if (f === 'evt2' || f === 'evt2.0') return 'evt2';
      if (f === 'evt3' || f === 'evt3.0') return 'evt3';
      return `unsupported:Prophesee format ${f.toUpperCase()}`;
    }
    if (/^%\s*(data file|version\b|width\b|height\b)/.test(line)) sawDatKey = true;
    if (line === '% end') break;
    if (!complete) break;
    i = j + 1;
  }
  if (sawDatKey) return 'dat';
  // A `%` header with neither evt/format keys nor DAT keys: DAT if the two bytes after the
  // header look like its event type / size pair.
  if (lines > 0 && i + 1 < head.length && head[i] !== 0x25 && head[i + 1] === 8 && (head[i] === 0x00 || head[i] === 0x0c || head[i] === 0x0e)) {
    return 'dat';
  }
  return null;
}

/**
 * Chooses the decoder for a file from an explicit id, its first bytes (`head`, ideally the first
 * 64 KiB) and its name; see the file comment for the order.
 */
export function detectFormat(path: string, head: Uint8Array, explicit?: FormatId | string): FormatInfo {
  if (explicit !== undefined) return formatById(explicit);
  const byContent = sniffContent(head);
  if (byContent !== null) {
    if (byContent.startsWith('unsupported:')) {
      throw new UsageError(`${path}: ${byContent.slice(12)} is not supported; readable formats: ${formatList()}`);
    }
    const f = FORMATS.find((x) => x.id === byContent);
    if (f) return f;
  }
  for (const f of FORMATS) {
    try {
      if (f.sniff(head)) return f;
    } catch {
      // A sniffer must not decide by throwing; ignore it.
    }
  }
  const ext = extname(path).toLowerCase();
  if (ext && !UNTRUSTED_EXTENSIONS.has(ext)) {
    const matches = FORMATS.filter((f) => f.extensions.includes(ext));
    if (matches.length === 1) return matches[0];
  }
  throw new UsageError(
    `${path}: cannot tell the event format from its content or its extension "${ext || '(none)'}"; ` +
      `give --format with one of: ${formatList()}`,
  );
}

/** The format to write for an output path (by `--to` or the extension). */
export function formatForOutput(path: string, explicit?: FormatId | string): FormatInfo {
  const writable = FORMATS.filter((f) => f.createEncoder);
  const list = writable.map((f) => `${f.id} (${f.extensions.join(', ')})`).join(', ');
  if (explicit !== undefined) {
    const f = formatById(explicit);
    if (!f.createEncoder) throw new UsageError(`neurite cannot write ${f.id}; writable formats: ${list}`);
    return f;
  }
  const ext = extname(path).toLowerCase();
  const matches = writable.filter((f) => f.extensions.includes(ext));
  if (matches.length === 1) return matches[0];
  throw new UsageError(
    `cannot tell the output format from ${ext ? `the extension "${ext}"` : 'a name without an extension'} of ${path}` +
      `${matches.length > 1 ? ` (it fits ${matches.map((f) => f.id).join(' and ')})` : ''}; use --to with one of: ${list}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Files

export interface SideChannelTotals {
  imu: number;
  triggers: number;
  frames: number;
}

export interface OpenEventFileOptions {
  /** Skip detection. */
  readonly format?: FormatId;
  /** Largest batch yielded by batches() (default 65536). */
  readonly batchSize?: number;
  /** Sensor size for formats without one (and checked by decoders that validate coordinates). */
  readonly geometry?: SensorGeometry;
  /** Receives the side-channel records drained after each chunk (otherwise only counted). */
  readonly onSideChannels?: (s: SideChannels) => void;
  /** Extra decoder options for a format (e.g. npy/csv `columns`, `timeScaleUs`). */
  readonly decoderOptions?: Readonly<Record<string, unknown>>;
}

export interface EventFile {
  readonly path: string;
  /** The format's id (as in DecodedHeader.format). */
  readonly format: FormatId;
  /** The registry entry (description, extensions, encoder). */
  readonly info: FormatInfo;
  /** File size in bytes when opened. */
  readonly size: number;
  /** The header as read when the file was opened (null for a headerless format with no info). */
  header(): DecodedHeader | null;
  /** Header geometry, else the caller's, else null. */
  readonly geometry: SensorGeometry | null;
  /** Streams the events in file order, in owned batches of at most batchSize events. */
  batches(): AsyncIterable<EventBatch>;
  /** Side-channel records counted by the last (or current) batches() pass. */
  sideChannels(): SideChannelTotals;
}

function checkBatchSize(v: number | undefined): number {
  if (v === undefined) return DEFAULT_BATCH;
  if (!Number.isInteger(v) || v <= 0) throw new UsageError(`batchSize must be a positive integer, got ${String(v)}`);
  return v;
}

function ioError(path: string, e: unknown): UsageError {
  return new UsageError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
}

/** Opens an event file: detects its format, reads its header, and gives a batch stream. */
export async function openEventFile(path: string, opts: OpenEventFileOptions = {}): Promise<EventFile> {
  const batchSize = checkBatchSize(opts.batchSize);
  let head: Uint8Array;
  let size: number;
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw new Error('it is a directory');
      size = st.size;
      const buf = new Uint8Array(Math.min(SNIFF_BYTES, size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw ioError(path, e);
  }
  const format = detectFormat(path, head, opts.format);
  const decoderOptions = { ...(opts.decoderOptions ?? {}), source: path, geometry: opts.geometry, maxBatch: batchSize } as DecoderOptions;
  const newDecoder = (): EventDecoder => format.createDecoder(decoderOptions);

  // Probe: decode from the start until the header is known (events are discarded).
  const probe = newDecoder();
  let probeError: unknown = null;
  if (probe.header() === null) {
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK, end: HEADER_PROBE_BYTES - 1 });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let b = probe.push(chunk);
        while (b.length >= batchSize) b = probe.push(EMPTY);
        probe.takeSideChannels();
        if (probe.header() !== null) break;
      }
      if (probe.header() === null && size <= HEADER_PROBE_BYTES) probe.end();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e instanceof UsageError ? e : ioError(path, e);
      probeError = e;
    } finally {
      stream.destroy();
    }
  }
  const header = probe.header();
  if (header === null && probeError !== null) throw probeError;
  const geometry = header?.geometry ?? opts.geometry ?? null;

  let totals: SideChannelTotals = { imu: 0, triggers: 0, frames: 0 };

  async function* batches(): AsyncGenerator<EventBatch> {
    const local: SideChannelTotals = { imu: 0, triggers: 0, frames: 0 };
    totals = local;
    const dec = newDecoder();
    let acc = allocBatch(batchSize);
    let filled = 0;
    // Moves b into acc; returns full batches to yield.
    const collect = (b: EventBatch, full: EventBatch[]): void => {
      let k = 0;
      while (k < b.length) {
        const take = Math.min(batchSize - filled, b.length - k);
        acc.t.set(b.t.subarray(k, k + take), filled);
        acc.x.set(b.x.subarray(k, k + take), filled);
        acc.y.set(b.y.subarray(k, k + take), filled);
        acc.p.set(b.p.subarray(k, k + take), filled);
        filled += take;
        k += take;
        if (filled === batchSize) {
          full.push(makeBatch(acc, filled));
          acc = allocBatch(batchSize);
          filled = 0;
        }
      }
    };
    const side = (): void => {
      const s = dec.takeSideChannels();
      if (s.imu.length + s.triggers.length + s.frames.length === 0) return;
      local.imu += s.imu.length;
      local.triggers += s.triggers.length;
      local.frames += s.frames.length;
      opts.onSideChannels?.(s);
    };
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const full: EventBatch[] = [];
        let b = dec.push(chunk);
        collect(b, full);
        // Decoders that honour maxBatch keep the rest of the chunk; drain it.
        while (b.length >= batchSize) {
          b = dec.push(EMPTY);
          collect(b, full);
          for (const f of full.splice(0)) yield f;
        }
        side();
        for (const f of full) yield f;
      }
    } catch (e) {
      if (e instanceof DecodeError || e instanceof UsageError || e instanceof EncodeError) throw e;
      if (e instanceof Error && 'code' in e) throw ioError(path, e);
      throw e;
    } finally {
      stream.destroy();
    }
    const full: EventBatch[] = [];
    // Events decoded before a truncated tail are handed over before the error.
    let tailError: unknown = null;
    try {
      collect(dec.end(), full);
    } catch (e) {
      tailError = e;
    }
    side();
    for (const f of full) yield f;
    if (filled > 0) yield makeBatch(acc, filled);
    if (tailError !== null) throw tailError;
  }

  return {
    path,
    format: format.id,
    info: format,
    size,
    header: () => header,
    geometry,
    batches,
    sideChannels: () => ({ ...totals }),
  };
}

export type ReadEventFileResult = EventBatch & {
  readonly format: FormatId;
  readonly header: DecodedHeader | null;
  readonly geometry: SensorGeometry | null;
  readonly sideChannels: SideChannels;
};

/** Reads a whole (small) file into one batch, with its header and side-channel records. */
export async function readEventFile(path: string, opts: OpenEventFileOptions = {}): Promise<ReadEventFileResult> {
  const side = emptySideChannels();
  const f = await openEventFile(path, {
    ...opts,
    onSideChannels: (s) => {
      for (const r of s.imu) side.imu.push(r);
      for (const r of s.triggers) side.triggers.push(r);
      for (const r of s.frames) side.frames.push(r);
      opts.onSideChannels?.(s);
    },
  });
  const parts: EventBatch[] = [];
  for await (const b of f.batches()) parts.push(b);
  const all = concatBatches(parts);
  return {
    length: all.length,
    t: all.t,
    x: all.x,
    y: all.y,
    p: all.p,
    format: f.format,
    header: f.header(),
    geometry: f.geometry,
    sideChannels: side,
  };
}

export type { DecodedHeader, EncoderOptions, FormatId, FormatInfo, SideChannels };
