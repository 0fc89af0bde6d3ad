/**
 * N-MNIST / N-Caltech101 ATIS binary files (`.bin`, and the `.bs2` files of the same dataset
 * folders, which use the identical record layout).
 *
 * Why this file exists: N-MNIST is the benchmark the demo learns on, and the recordings are the
 * ground truth our emulator is compared against, so we need an exact, streaming, hostile-input-safe
 * decoder and a writer that round-trips.
 *
 * Layout (../shared/reference/event-formats.md, section 1.9): no header; 5 bytes per event,
 * big-endian:
 *   byte0 = x, byte1 = y, byte2 bit 7 = polarity (1 = ON),
 *   timestamp (µs, 23 bits) = ((byte2 & 0x7F) << 16) | (byte3 << 8) | byte4.
 * Overflow (same note, following tonic / event-Python): a record with y == 240 is a timestamp
 * overflow marker; 2^13 is added to the timestamps of all following records and the marker itself
 * is dropped. The note reports no markers in 1101 real N-MNIST files, so the writer only emits them
 * for times >= 2^23 µs.
 *
 * Per section 5 of the same note, decoding is incremental: a 5-byte record may straddle chunks.
 * Any byte sequence is a valid run of records; the only decode errors are a partial record at the
 * end of the stream and (when a geometry is given) a coordinate outside the sensor.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DecodeError, EncodeError, UsageError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';

const FORMAT = 'nmnist';
const RECORD_BYTES = 5;
/** y value that marks a timestamp-overflow record. */
const OVERFLOW_Y = 240;
/** Added to all following timestamps per overflow marker (event-formats.md 1.9). */
const OVERFLOW_STEP_US = 1 << 13;
/** Exclusive upper bound of the 23-bit stored timestamp. */
const RAW_TIME_LIMIT = 1 << 23;
/** The writer refuses outputs larger than this (huge times would need millions of markers). */
const MAX_ENCODED_BYTES = 1 << 30;

type BatchArrays = ReturnType<typeof allocBatch>;

/** The N-MNIST ATIS crop: x and y in 0..33. */
export const NMNIST_GEOMETRY: SensorGeometry = Object.freeze({ width: 34, height: 34 });

/** File extensions that hold this record layout in the N-MNIST / N-Caltech101 folders. */
export const NMNIST_EXTENSIONS: readonly string[] = Object.freeze(['.bin', '.bs2']);

export interface NmnistDecodeOptions {
  /** If set, an event with x >= width is a DecodeError. */
  readonly width?: number;
  /** If set, an event with y >= height is a DecodeError. */
  readonly height?: number;
  /** Name of the stream (usually the file path), carried by every DecodeError as `source`. */
  readonly source?: string;
}

export interface NmnistReadOptions {
  /** Largest number of events per yielded batch (default 65536). */
  readonly batchSize?: number;
  readonly width?: number;
  readonly height?: number;
}

function checkDimension(name: string, v: number | undefined): number {
  if (v === undefined) return 0x10000; // no limit (coordinates are bytes); an int keeps the hot compares integral
  if (!Number.isInteger(v) || v <= 0) {
    throw new UsageError(`nmnist: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** Incremental decoder: feed byte chunks of any size, get the events completed so far. */
export class NmnistDecoder {
  private readonly width: number;
  private readonly height: number;
  private readonly source: string | undefined;
  /** Bytes of a record that straddles chunks. */
  private readonly partial = new Uint8Array(RECORD_BYTES);
  private partialLength = 0;
  /** Absolute offset of the next byte to be pushed. */
  private offset = 0;
  /** Sum of overflow increments seen so far, in µs. */
  private timeBase = 0;
  /** Set once an error was thrown; the decoder then refuses further input. */
  private failure: DecodeError | null = null;

  constructor(opts: NmnistDecodeOptions = {}) {
    this.width = checkDimension('width', opts.width);
    this.height = checkDimension('height', opts.height);
    this.source = opts.source;
  }

  /** Total bytes pushed so far. */
  get bytesConsumed(): number {
    return this.offset;
  }

  /** Decode `chunk`; returns a fresh batch with every event whose record is now complete. */
  push(chunk: Uint8Array): EventBatch {
    if (this.failure) throw this.failure;
    const total = this.partialLength + chunk.length;
    const capacity = Math.floor(total / RECORD_BYTES);
    const out = allocBatch(capacity);
    let n = 0;
    let i = 0;
    // Finish the straddling record first.
    if (this.partialLength > 0) {
      const need = RECORD_BYTES - this.partialLength;
      if (chunk.length < need) {
        this.partial.set(chunk, this.partialLength);
        this.partialLength += chunk.length;
        this.offset += chunk.length;
        return makeBatch(out, 0);
      }
      this.partial.set(chunk.subarray(0, need), this.partialLength);
      const recordOffset = this.offset - this.partialLength;
      n = this.record(this.partial, 0, recordOffset, out, n);
      this.partialLength = 0;
      i = need;
    }
    const base = this.offset; // absolute offset of chunk[0]
    const end = chunk.length - ((chunk.length - i) % RECORD_BYTES);
    // The hot loop, with everything in locals (the per-record method call and field reads cost
    // about a third of the throughput); overflow markers and bad records take the slow path.
    const { x: ox, y: oy, p: op, t: ot } = out;
    const width = this.width;
    const height = this.height;
    let timeBase = this.timeBase;
    for (; i < end; i += RECORD_BYTES) {
      const x = chunk[i];
      const y = chunk[i + 1];
      if (y === OVERFLOW_Y || x >= width || y >= height) {
        this.timeBase = timeBase;
        n = this.record(chunk, i, base + i, out, n);
        timeBase = this.timeBase;
        continue;
      }
      const b2 = chunk[i + 2];
      ox[n] = x;
      oy[n] = y;
      op[n] = b2 >>> 7;
      ot[n] = timeBase + (((b2 & 0x7f) << 16) | (chunk[i + 3] << 8) | chunk[i + 4]);
      n++;
    }
    this.timeBase = timeBase;
    const rest = chunk.length - end;
    if (rest > 0) {
      this.partial.set(chunk.subarray(end), 0);
      this.partialLength = rest;
    }
    this.offset += chunk.length;
    return makeBatch(out, n);
  }

  /** Declare the end of the stream; a leftover partial record is a DecodeError. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.partialLength > 0) {
      const start = this.offset - this.partialLength;
      this.fail(
        start,
        `truncated record: ${this.partialLength} of ${RECORD_BYTES} bytes before end of stream`,
      );
    }
  }

  /** Decode the record at buf[i..i+5) into out[n]; returns the new event count. */
  private record(
    buf: Uint8Array,
    i: number,
    recordOffset: number,
    out: BatchArrays,
    n: number,
  ): number {
    const x = buf[i];
    const y = buf[i + 1];
    const b2 = buf[i + 2];
    if (y === OVERFLOW_Y) {
      this.timeBase += OVERFLOW_STEP_US;
      return n;
    }
    if (x >= this.width || y >= this.height) {
      this.fail(
        recordOffset,
        `event at (${x}, ${y}) outside the ${this.width}x${this.height} sensor`,
      );
    }
    out.x[n] = x;
    out.y[n] = y;
    out.p[n] = b2 >>> 7;
    out.t[n] = this.timeBase + (((b2 & 0x7f) << 16) | (buf[i + 3] << 8) | buf[i + 4]);
    return n + 1;
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

/** Decode a whole buffer (see NmnistDecoder for the errors). */
export function decodeNmnist(bytes: Uint8Array, opts: NmnistDecodeOptions = {}): EventBatch {
  const dec = new NmnistDecoder(opts);
  const batch = dec.push(bytes);
  dec.end();
  return batch;
}

/**
 * Encode a batch. Requirements (else EncodeError with the event index): x, y integers in 0..255,
 * y != 240 (reserved for overflow markers), p in {0, 1}, t a non-negative integer number of µs,
 * non-decreasing. Times >= 2^23 µs are written relative to overflow markers (x = 0, y = 240, rest 0)
 * inserted just before the first event that needs them, so decodeNmnist gives back the same batch.
 */
export function encodeNmnist(batch: EventBatch): Uint8Array {
  const { t, x, y, p, length } = batch;
  // Pass 1: validate and count the markers.
  let markers = 0;
  let prevT = 0;
  for (let i = 0; i < length; i++) {
    const ti = t[i];
    if (!(x[i] >= 0 && x[i] <= 255 && Number.isInteger(x[i]))) {
      throw new EncodeError(FORMAT, i, `x = ${x[i]} does not fit in one byte`);
    }
    if (!(y[i] >= 0 && y[i] <= 255 && Number.isInteger(y[i]))) {
      throw new EncodeError(FORMAT, i, `y = ${y[i]} does not fit in one byte`);
    }
    if (y[i] === OVERFLOW_Y) {
      throw new EncodeError(FORMAT, i, `y = ${OVERFLOW_Y} is reserved for overflow markers`);
    }
    if (p[i] !== 0 && p[i] !== 1) {
      throw new EncodeError(FORMAT, i, `polarity ${p[i]} is not 0 or 1`);
    }
    if (!Number.isSafeInteger(ti) || ti < 0) {
      throw new EncodeError(FORMAT, i, `time ${ti} is not a non-negative integer of µs`);
    }
    if (ti < prevT) {
      throw new EncodeError(FORMAT, i, `time ${ti} is before the previous event's ${prevT}`);
    }
    prevT = ti;
  }
  if (length > 0) markers = markersFor(t[length - 1]);
  const bytes = (length + markers) * RECORD_BYTES;
  if (bytes > MAX_ENCODED_BYTES) {
    throw new EncodeError(
      FORMAT,
      length - 1,
      `time ${t[length - 1]} µs needs ${markers} overflow markers (${bytes} bytes); too large`,
    );
  }
  // Pass 2: write.
  const out = new Uint8Array(bytes);
  let o = 0;
  let written = 0;
  for (let i = 0; i < length; i++) {
    const need = markersFor(t[i]);
    for (; written < need; written++) {
      out[o + 1] = OVERFLOW_Y; // x and timestamp bytes stay 0
      o += RECORD_BYTES;
    }
    const raw = t[i] - written * OVERFLOW_STEP_US;
    out[o] = x[i];
    out[o + 1] = y[i];
    out[o + 2] = (p[i] << 7) | (raw >>> 16);
    out[o + 3] = (raw >>> 8) & 0xff;
    out[o + 4] = raw & 0xff;
    o += RECORD_BYTES;
  }
  return out;
}

/** Fewest markers k such that t - k * 2^13 fits in 23 bits. */
function markersFor(t: number): number {
  return t < RAW_TIME_LIMIT ? 0 : Math.ceil((t - (RAW_TIME_LIMIT - 1)) / OVERFLOW_STEP_US);
}

/** Read a small file (one N-MNIST sample is ~20 KB) in one go. */
export function readNmnistFileSync(
  path: string,
  opts: { width?: number; height?: number } = {},
): EventBatch {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return decodeNmnist(bytes, { width: opts.width, height: opts.height, source: path });
}

/**
 * Stream a file of any size as batches of at most `batchSize` events. Memory stays bounded by the
 * stream chunk (64 KiB) plus one batch, whatever the file size.
 */
export async function* readNmnistFile(
  path: string,
  opts: NmnistReadOptions = {},
): AsyncIterable<EventBatch> {
  const batchSize = opts.batchSize ?? 65536;
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new UsageError(`nmnist: batchSize must be a positive integer, got ${String(batchSize)}`);
  }
  const dec = new NmnistDecoder({ width: opts.width, height: opts.height, source: path });
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  // No batch needs more room than the file has records.
  const capacity = Math.max(1, Math.min(batchSize, Math.ceil(size / RECORD_BYTES)));
  let acc = allocBatch(capacity);
  let filled = 0;
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const b = dec.push(chunk);
      let k = 0;
      while (k < b.length) {
        const take = Math.min(capacity - filled, b.length - k);
        acc.t.set(b.t.subarray(k, k + take), filled);
        acc.x.set(b.x.subarray(k, k + take), filled);
        acc.y.set(b.y.subarray(k, k + take), filled);
        acc.p.set(b.p.subarray(k, k + take), filled);
        filled += take;
        k += take;
        if (filled === capacity) {
          yield makeBatch(acc, filled);
          acc = allocBatch(capacity);
          filled = 0;
        }
      }
    }
  } catch (e) {
    if (e instanceof DecodeError || e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    stream.destroy();
  }
  // Hand over the complete events before reporting a truncated tail.
  if (filled > 0) yield makeBatch(acc, filled);
  dec.end();
}
