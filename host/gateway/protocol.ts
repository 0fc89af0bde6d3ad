/**
 * The gateway's wire format (docs/gateway.md, "Framing"): one message per UDP datagram, or one
 * length-prefixed message per TCP frame. A message carries one sensor's events and the sample
 * boundaries (with labels when they are known) in the order they happened.
 *
 * Message layout (little-endian):
 *   header, 16 bytes: u32 magic "NGWD", u8 version = 1, u8 flags = 0, u16 stream id,
 *                     u32 sequence number (per stream, +1 per message), u16 record count,
 *                     u16 reserved = 0
 *   records, each an 8-byte record header (u8 tag, u8 0, u16 arg, u32 value):
 *     'V' events:       arg 0, value n; then n events of 8 bytes: u32 address word, u32 t (µs).
 *                       The address word is AEStream's timestamped UDP word: bit 31 = 0,
 *                       x in bits 30..16, polarity in bit 15 (1 = ON), y in bits 14..0.
 *     'B' sample begin: arg label (0xFFFF = unlabelled), value t (µs)
 *     'E' sample end:   arg label (0xFFFF = unlabelled), value t (µs)
 *   The records must fill the message exactly.
 * TCP frame: u32 length L (1..maxFrameBytes), then an L-byte message.
 *
 * The decoders never throw on bad bytes: they return the reason, which the gateway counts.
 */

export const MSG_MAGIC = 0x4457474e; // "NGWD" read as a little-endian u32
export const MSG_VERSION = 1;
export const MSG_HEADER_BYTES = 16;
export const RECORD_BYTES = 8;
export const EVENT_BYTES = 8;
export const TAG_EVENTS = 0x56; // 'V'
export const TAG_BEGIN = 0x42; // 'B'
export const TAG_END = 0x45; // 'E'
export const UNLABELLED = 0xffff;
/** The largest UDP payload over IPv4. */
export const MAX_UDP_PAYLOAD = 65507;

/** Why a message was refused (the `reason` label of the gateway's drop counters). */
export type BadMessageReason =
  | 'too_short'
  | 'bad_magic'
  | 'bad_version'
  | 'bad_reserved'
  | 'truncated_record'
  | 'unknown_record'
  | 'trailing_bytes';

export interface Marker {
  /** Index of the first event (in this message) that comes after the marker. */
  readonly at: number;
  readonly kind: 'begin' | 'end';
  /** Class label, or null when unlabelled. */
  readonly label: number | null;
  readonly t: number;
}

export interface DecodedMessage {
  readonly ok: true;
  readonly streamId: number;
  readonly seq: number;
  /** Total events over all 'V' records. */
  readonly events: number;
  /** Byte ranges [start, end) of the events of each 'V' record, in order. */
  readonly spans: readonly (readonly [number, number])[];
  readonly markers: readonly Marker[];
}

export type DecodeResult = DecodedMessage | { readonly ok: false; readonly reason: BadMessageReason };

/** Address word of one event (AEStream's timestamped layout). */
export function eventWord(x: number, y: number, p: number): number {
  return ((x & 0x7fff) << 16 | (p === 1 ? 0x8000 : 0) | (y & 0x7fff)) >>> 0;
}

/** Parses a message's structure (events are not inspected one by one: the learner does that). */
export function decodeMessage(buf: Uint8Array): DecodeResult {
  const bad = (reason: BadMessageReason): DecodeResult => ({ ok: false, reason });
  if (buf.length < MSG_HEADER_BYTES) return bad('too_short');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== MSG_MAGIC) return bad('bad_magic');
  if (dv.getUint8(4) !== MSG_VERSION) return bad('bad_version');
  if (dv.getUint8(5) !== 0 || dv.getUint16(14, true) !== 0) return bad('bad_reserved');
  const streamId = dv.getUint16(6, true);
  const seq = dv.getUint32(8, true);
  const nRecords = dv.getUint16(12, true);
  const spans: [number, number][] = [];
  const markers: Marker[] = [];
  let events = 0;
  let p = MSG_HEADER_BYTES;
  for (let r = 0; r < nRecords; r++) {
    if (p + RECORD_BYTES > buf.length) return bad('truncated_record');
    const tag = dv.getUint8(p);
    if (dv.getUint8(p + 1) !== 0) return bad('bad_reserved');
    const arg = dv.getUint16(p + 2, true);
    const value = dv.getUint32(p + 4, true);
    p += RECORD_BYTES;
    if (tag === TAG_EVENTS) {
      if (arg !== 0) return bad('bad_reserved');
      const bytes = value * EVENT_BYTES;
      if (p + bytes > buf.length) return bad('truncated_record');
      if (value > 0) spans.push([p, p + bytes]);
      events += value;
      p += bytes;
    } else if (tag === TAG_BEGIN || tag === TAG_END) {
      markers.push({ at: events, kind: tag === TAG_BEGIN ? 'begin' : 'end', label: arg === UNLABELLED ? null : arg, t: value });
    } else {
      return bad('unknown_record');
    }
  }
  if (p !== buf.length) return bad('trailing_bytes');
  return { ok: true, streamId, seq, events, spans, markers };
}

/** One record of a message being built. Events are given as struct-of-arrays. */
export type OutRecord =
  | { readonly kind: 'events'; readonly t: ArrayLike<number>; readonly x: ArrayLike<number>; readonly y: ArrayLike<number>; readonly p: ArrayLike<number>; readonly from?: number; readonly to?: number }
  | { readonly kind: 'begin' | 'end'; readonly label: number | null; readonly t: number };

/** Size in bytes of a message holding the given records. */
export function messageBytes(records: readonly OutRecord[]): number {
  let n = MSG_HEADER_BYTES;
  for (const r of records) n += RECORD_BYTES + (r.kind === 'events' ? ((r.to ?? r.t.length) - (r.from ?? 0)) * EVENT_BYTES : 0);
  return n;
}

/**
 * Encodes one message. Times are truncated to u32 microseconds and coordinates to 15 bits: the
 * sender is responsible for a stream the sensor geometry can hold (see docs/gateway.md).
 */
export function encodeMessage(streamId: number, seq: number, records: readonly OutRecord[], out?: Uint8Array): Uint8Array {
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffff) throw new RangeError(`stream id must be an integer in 0..65535, got ${streamId}`);
  if (records.length > 0xffff) throw new RangeError(`a message holds at most 65535 records, got ${records.length}`);
  const size = messageBytes(records);
  const buf = out && out.length >= size ? out.subarray(0, size) : new Uint8Array(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, size);
  dv.setUint32(0, MSG_MAGIC, true);
  dv.setUint8(4, MSG_VERSION);
  dv.setUint8(5, 0);
  dv.setUint16(6, streamId, true);
  dv.setUint32(8, seq >>> 0, true);
  dv.setUint16(12, records.length, true);
  dv.setUint16(14, 0, true);
  let p = MSG_HEADER_BYTES;
  for (const r of records) {
    if (r.kind === 'events') {
      const from = r.from ?? 0;
      const to = r.to ?? r.t.length;
      dv.setUint32(p, TAG_EVENTS, true); // tag byte, reserved byte and arg 0 in one store
      dv.setUint32(p + 4, to - from, true);
      p += RECORD_BYTES;
      for (let i = from; i < to; i++, p += EVENT_BYTES) {
        dv.setUint32(p, eventWord(r.x[i], r.y[i], r.p[i]), true);
        dv.setUint32(p + 4, r.t[i] >>> 0, true);
      }
    } else {
      dv.setUint8(p, r.kind === 'begin' ? TAG_BEGIN : TAG_END);
      dv.setUint8(p + 1, 0);
      dv.setUint16(p + 2, r.label === null ? UNLABELLED : r.label, true);
      dv.setUint32(p + 4, r.t >>> 0, true);
      p += RECORD_BYTES;
    }
  }
  return buf;
}

/** Prefixes a message with its u32 length, for the TCP stream. */
export function tcpFrame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length, true);
  out.set(message, 4);
  return out;
}

/**
 * Splits a TCP byte stream into frames, whatever the chunking. `push` returns the complete
 * frames so far; after a length of 0 or above `maxFrameBytes` the stream cannot be resynchronised,
 * so the splitter reports 'frame_too_large' (or 'empty_frame') once and accepts nothing more.
 */
export class FrameSplitter {
  private buf = new Uint8Array(0);
  private len = 0;
  failed: 'frame_too_large' | 'empty_frame' | null = null;

  constructor(readonly maxFrameBytes: number) {}

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) return [];
    if (this.len + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.len + chunk.length, this.buf.length * 2, 4096));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    const frames: Uint8Array[] = [];
    let p = 0;
    while (this.len - p >= 4) {
      const n = this.buf[p] | (this.buf[p + 1] << 8) | (this.buf[p + 2] << 16) | (this.buf[p + 3] * 0x1000000);
      if (n === 0 || n > this.maxFrameBytes) {
        this.failed = n === 0 ? 'empty_frame' : 'frame_too_large';
        this.len = 0;
        return frames;
      }
      if (this.len - p - 4 < n) break;
      frames.push(this.buf.slice(p + 4, p + 4 + n));
      p += 4 + n;
    }
    if (p > 0) {
      this.buf.copyWithin(0, p, this.len);
      this.len -= p;
    }
    return frames;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.len;
  }
}
