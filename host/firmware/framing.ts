/**
 * The firmware image's input stream ("NEVS" framing, docs/firmware-image.md): labelled samples of
 * raw events, written by the host and read by the image from stdin or a preopened file.
 *
 * Layout (little-endian):
 *   header, 16 bytes: "NEVS", u16 version = 1, u16 header length = 16, u16 sensor width,
 *                     u16 sensor height, u32 reserved = 0
 *   records, 8 bytes each:
 *     sample: u8 'S' (0x53), u8 0, u16 label, u32 n, then n events of 9 bytes:
 *             u32 t (µs, non-decreasing within the sample), u16 x, u16 y, u8 p (1 = ON, 0 = OFF)
 *     end:    u8 'E' (0x45), u8 0, u16 0, u32 number of samples; nothing may follow
 *
 * The decoder here is the host twin of the image's reader: the same checks, the same messages'
 * meaning, so a stream the host accepts is a stream the image accepts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { DecodeError, EncodeError, UsageError } from '../errors.js';
import { allocBatch, makeBatch, type EventBatch } from '../events/types.js';
import {
  FRAME_EVENT_BYTES, FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_RECORD_BYTES, FRAME_TAG_END,
  FRAME_TAG_SAMPLE, FRAME_VERSION,
} from '../../firmware/layout.js';

const FORMAT = 'neurite-stream';

export interface LabelledSample {
  readonly events: EventBatch;
  readonly label: number;
}

export interface DecodedStream {
  readonly width: number;
  readonly height: number;
  readonly samples: LabelledSample[];
}

export function encodeStreamHeader(width: number, height: number): Uint8Array {
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) throw new UsageError(`${FORMAT}: sensor ${k} must be an integer in 1..65535, got ${v}`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint16(4, FRAME_VERSION, true);
  dv.setUint16(6, FRAME_HEADER_BYTES, true);
  dv.setUint16(8, width, true);
  dv.setUint16(10, height, true);
  return out;
}

/** Time order of a batch's events: identity if already sorted, else a stable sort by t. */
function timeOrder(b: EventBatch): Uint32Array | null {
  for (let i = 1; i < b.length; i++) {
    if (b.t[i] < b.t[i - 1]) {
      const idx = Array.from({ length: b.length }, (_, k) => k);
      idx.sort((p, q) => b.t[p] - b.t[q] || p - q);
      return Uint32Array.from(idx);
    }
  }
  return null;
}

/**
 * One sample record with its events. Events are written in time order (a stable sort if the batch
 * is not sorted); times must be integer microseconds in 0..2^32-1 and coordinates below 65536.
 */
export function encodeSample(events: EventBatch, label: number): Uint8Array {
  if (!Number.isInteger(label) || label < 0 || label > 0xffff) throw new UsageError(`${FORMAT}: label must be an integer in 0..65535, got ${label}`);
  const n = events.length;
  const out = new Uint8Array(FRAME_RECORD_BYTES + n * FRAME_EVENT_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, FRAME_TAG_SAMPLE);
  dv.setUint16(2, label, true);
  dv.setUint32(4, n, true);
  const order = timeOrder(events);
  let p = FRAME_RECORD_BYTES;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    const t = events.t[i];
    if (!Number.isInteger(t) || t < 0 || t > 0xffffffff) {
      throw new EncodeError(FORMAT, i, `time ${t} us is not an integer in 0..2^32-1 (the stream carries u32 microseconds)`);
    }
    dv.setUint32(p, t, true);
    dv.setUint16(p + 4, events.x[i], true);
    dv.setUint16(p + 6, events.y[i], true);
    dv.setUint8(p + 8, events.p[i] === 1 ? 1 : 0);
    p += FRAME_EVENT_BYTES;
  }
  return out;
}

export function encodeEnd(samples: number): Uint8Array {
  const out = new Uint8Array(FRAME_RECORD_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint8(0, FRAME_TAG_END);
  dv.setUint32(4, samples, true);
  return out;
}

/** A whole stream in memory. */
export function encodeStream(width: number, height: number, samples: Iterable<LabelledSample>): Uint8Array {
  const parts: Uint8Array[] = [encodeStreamHeader(width, height)];
  let n = 0;
  for (const s of samples) {
    parts.push(encodeSample(s.events, s.label));
    n++;
  }
  parts.push(encodeEnd(n));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Writes a stream to a file sample by sample (bounded memory); returns samples and bytes. */
export function writeStreamFile(path: string, width: number, height: number, samples: Iterable<LabelledSample>): { samples: number; bytes: number; events: number } {
  const fd = openSync(path, 'w');
  let bytes = 0;
  let n = 0;
  let events = 0;
  try {
    const w = (b: Uint8Array): void => {
      writeSync(fd, b);
      bytes += b.length;
    };
    w(encodeStreamHeader(width, height));
    for (const s of samples) {
      w(encodeSample(s.events, s.label));
      events += s.events.length;
      n++;
    }
    w(encodeEnd(n));
  } finally {
    closeSync(fd);
  }
  return { samples: n, bytes, events };
}

/** Parses a stream with the image's checks (DecodeError with the byte offset on any problem). */
export function decodeStream(bytes: Uint8Array, source?: string, labelLimit = 0x10000): DecodedStream {
  const fail = (offset: number, reason: string): never => { throw new DecodeError(FORMAT, offset, reason, source); };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < FRAME_HEADER_BYTES) fail(0, `${bytes.length} bytes is shorter than the 16-byte stream header`);
  if (dv.getUint32(0, true) !== FRAME_MAGIC) fail(0, 'not a neurite event stream (magic bytes are not "NEVS")');
  if (dv.getUint16(4, true) !== FRAME_VERSION) fail(4, `stream version ${dv.getUint16(4, true)} is not supported`);
  if (dv.getUint16(6, true) !== FRAME_HEADER_BYTES || dv.getUint32(12, true) !== 0) fail(6, 'header length or reserved bytes are not those of version 1');
  const width = dv.getUint16(8, true);
  const height = dv.getUint16(10, true);
  const samples: LabelledSample[] = [];
  let p = FRAME_HEADER_BYTES;
  for (;;) {
    if (p === bytes.length) fail(p, `stream ends after ${samples.length} samples without the end record`);
    if (p + FRAME_RECORD_BYTES > bytes.length) fail(p, 'truncated record header');
    const tag = dv.getUint8(p);
    if (tag === FRAME_TAG_END) {
      if (dv.getUint8(p + 1) !== 0 || dv.getUint16(p + 2, true) !== 0) fail(p, 'end record: reserved bytes are not zero');
      const declared = dv.getUint32(p + 4, true);
      if (declared !== samples.length) fail(p, `the end record counts ${declared} samples but the stream held ${samples.length}`);
      p += FRAME_RECORD_BYTES;
      if (p !== bytes.length) fail(p, 'unexpected bytes after the end record');
      break;
    }
    if (tag !== FRAME_TAG_SAMPLE) fail(p, `unknown record tag 0x${tag.toString(16).padStart(2, '0')}`);
    if (dv.getUint8(p + 1) !== 0) fail(p, 'sample record: reserved byte is not zero');
    const label = dv.getUint16(p + 2, true);
    const n = dv.getUint32(p + 4, true);
    if (label >= labelLimit) fail(p, `sample ${samples.length} has label ${label}, the model has labels 0..${labelLimit - 1}`);
    p += FRAME_RECORD_BYTES;
    if (p + n * FRAME_EVENT_BYTES > bytes.length) fail(bytes.length, `the stream ends inside an event of sample ${samples.length}`);
    const b = allocBatch(n);
    let last = 0;
    for (let k = 0; k < n; k++, p += FRAME_EVENT_BYTES) {
      const t = dv.getUint32(p, true);
      const pol = dv.getUint8(p + 8);
      if (pol > 1) fail(p + 8, `sample ${samples.length}, event ${k}: polarity byte is ${pol}`);
      if (t < last) fail(p, `sample ${samples.length}, event ${k}: time ${t} us is before the previous event (${last} us)`);
      last = t;
      b.t[k] = t;
      b.x[k] = dv.getUint16(p + 4, true);
      b.y[k] = dv.getUint16(p + 6, true);
      b.p[k] = pol;
    }
    samples.push({ events: makeBatch(b, n), label });
  }
  return { width, height, samples };
}
