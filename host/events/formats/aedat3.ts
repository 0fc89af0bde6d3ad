/**
 * AEDAT 3.1 (cAER / libcaer; the DVS128 Gesture recordings).
 *
 * Layout (../shared/reference/event-formats.md, section 1.2):
 * - Header: ASCII lines starting with `#`, each ending `\r\n`: `#!AER-DAT3.1`, `#Format: RAW`,
 *   `#Source <id>: <name>`, `#Start-Time: ...`, ended by the mandatory `#!END-HEADER\r\n`.
 * - Body: packets of a 28-byte little-endian header
 *     int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset,
 *     int32 eventTSOverflow, int32 eventCapacity, int32 eventNumber, int32 eventValid
 *   followed by eventCapacity × eventSize bytes. Only the first eventNumber slots hold events; an
 *   event whose valid bit (bit 0 of its first word) is clear is skipped.
 * - Polarity events (type 1, 8 bytes): uint32 data, int32 timestamp (at eventTSOffset);
 *   data bit 1 = polarity (1 = ON), bits 2..16 = y, bits 17..31 = x (15 bits each, as libcaer;
 *   the DVS Gesture README masks y with 13 bits, which gives the same values on a 128×128 sensor).
 *   The 64-bit time is (eventTSOverflow << 31) | timestamp, in µs.
 * - Also decoded into side channels, because their layout is simple (libcaer events/*.h):
 *   special events (type 0, 8 bytes: data bit 0 valid, bits 1..7 special type, bits 8..31 data;
 *   int32 timestamp) → triggers with `id` = special type and `value` = the 24 data bits;
 *   IMU6 (type 3, 36 bytes: uint32 info, int32 timestamp, float32 accel x/y/z in g, gyro x/y/z in
 *   °/s, temperature in °C) and IMU9 (type 4, 48 bytes: IMU6 followed by float32 compass x/y/z in
 *   µT) → ImuSample. Every other packet type (frames, samples, configuration, ...) is skipped
 *   byte by byte, without buffering, and counted.
 *
 * `#!AER-DAT3.0` files are accepted too and read with the same packet layout (an assumption: no
 * 3.0 file or description of one was at hand).
 *
 * No real AEDAT 3.1 recording could be obtained (the reference note says so too), so this decoder
 * and the writer below are checked only against the byte layout described there and against each
 * other; a DVS Gesture file, when one is at hand, is the test still missing.
 *
 * Decoding is event by event inside a packet, so a packet of any declared size streams through
 * bounded memory; a declared size that cannot be right (negative counts, eventNumber >
 * eventCapacity, a body over 2^31 bytes, a decoded type of unexpected eventSize) is a DecodeError.
 * `push` hands out at most `maxBatch` events per call, as the AEDAT 2.0 decoder does.
 */
import { DecodeError, EncodeError } from '../../errors.js';
import type { EventBatch, SensorGeometry } from '../types.js';
import {
  emptySideChannels,
  type DecodedHeader,
  type DecoderOptions,
  type EncoderOptions,
  type EventDecoder,
  type EventEncoder,
  type FormatInfo,
  type ImuSample,
  type SideChannels,
  type TriggerEvent,
} from './format.js';
import { BatchWriter, ByteQueue, maxBatchOption, startsWithAscii } from './aedat2.js';

const FORMAT = 'aedat3';
const MAGIC = '#!AER-DAT3.1';
/** AEDAT 3.0 files start the same way; their packets are read with the same layout (an assumption). */
const MAGIC_PREFIX = '#!AER-DAT3.';
const END_HEADER = '#!END-HEADER';
const PACKET_HEADER = 28;
const LF = 0x0a;
const LINE_KEEP = 1024;
const MAX_FIELDS = 64;
/** Largest packet body we accept (eventCapacity × eventSize). */
const MAX_BODY = 2 ** 31;
const TWO31 = 2147483648;
/** eventTSOverflow values from here on would put times past 2^53 µs (not exact in a Float64). */
const MAX_OVERFLOW = 2 ** 22;

/** libcaer event type codes. */
export const AEDAT3_TYPE = Object.freeze({
  SPECIAL: 0,
  POLARITY: 1,
  FRAME: 2,
  IMU6: 3,
  IMU9: 4,
});
const SIZE_OF: Record<number, number> = { 0: 8, 1: 8, 3: 36, 4: 48 };

/** Sensor sizes by `#Source` name (checked in order). */
const SOURCE_GEOMETRY: readonly [RegExp, number, number][] = [
  [/dvs128/i, 128, 128],
  [/davis ?240/i, 240, 180],
  [/davis ?346/i, 346, 260],
  [/davis ?640/i, 640, 480],
  [/dvxplorer ?lite/i, 320, 240],
  [/dvxplorer/i, 640, 480],
];

export interface Aedat3Stats {
  readonly headerLines: number;
  readonly dataOffset: number | null;
  readonly packets: number;
  /** Packets seen per event type code. */
  readonly packetsByType: Readonly<Record<number, number>>;
  readonly polarityEvents: number;
  /** Event slots below eventNumber whose valid bit was clear. */
  readonly invalidEvents: number;
  /** Packets of types other than special, polarity, IMU6 and IMU9. */
  readonly skippedPackets: number;
}

const enum State {
  Header,
  PacketHeader,
  Body,
}

export class Aedat3Decoder implements EventDecoder {
  readonly format = FORMAT;
  private readonly source: string | undefined;
  private readonly limit: number;
  private readonly width: number;
  private readonly height: number;
  private readonly callerGeometry: SensorGeometry | undefined;
  private readonly queue = new ByteQueue();
  private total = 0;
  private failure: DecodeError | null = null;
  private ended = false;
  private state = State.Header;

  // Header.
  private lineCount = 0;
  private line: number[] = [];
  private lineStart = 0;
  private atLineStart = true;
  private fields: Record<string, string | number> = {};
  private fieldCount = 0;
  private sourceName: string | null = null;
  private decoded: DecodedHeader | null = null;
  private version = '3.1';
  private dataOffset: number | null = null;

  // Current packet.
  private pType = 0;
  private pSize = 0;
  private pTsOffset = 0;
  private pOverflow = 0;
  private pNumber = 0;
  /** Event slots (of eventCapacity) not yet read. */
  private pSlotsLeft = 0;
  /** Index of the next slot. */
  private pSlot = 0;
  /** Bytes of the body still to skip (packets we do not decode). */
  private pSkip = 0;
  private pStart = 0;
  /** Absolute offset of src[0] in the current run. */
  private srcBase = 0;

  private side: SideChannels = emptySideChannels();
  private n = { packets: 0, polarity: 0, invalid: 0, skipped: 0 };
  private byType: Record<number, number> = {};

  constructor(opts: DecoderOptions = {}) {
    this.source = opts.source;
    this.limit = maxBatchOption(opts, FORMAT);
    this.callerGeometry = opts.geometry;
    this.width = opts.geometry?.width ?? Infinity;
    this.height = opts.geometry?.height ?? Infinity;
  }

  get bytesConsumed(): number {
    return this.total;
  }

  get stats(): Aedat3Stats {
    return {
      headerLines: this.lineCount,
      dataOffset: this.dataOffset,
      packets: this.n.packets,
      packetsByType: { ...this.byType },
      polarityEvents: this.n.polarity,
      invalidEvents: this.n.invalid,
      skippedPackets: this.n.skipped,
    };
  }

  header(): DecodedHeader | null {
    return this.decoded;
  }

  takeSideChannels(): SideChannels {
    const s = this.side;
    this.side = emptySideChannels();
    return s;
  }

  push(chunk: Uint8Array): EventBatch {
    if (this.failure) throw this.failure;
    if (this.ended) this.fail(this.total, 'push after end()');
    this.total += chunk.length;
    return this.run(chunk, false);
  }

  end(): EventBatch {
    if (this.failure) throw this.failure;
    if (this.ended) this.fail(this.total, 'end() called twice');
    this.ended = true;
    const out = this.run(new Uint8Array(0), true);
    if (this.state === State.Header) {
      this.fail(this.total, `stream ended inside the header (no ${END_HEADER} line)`);
    }
    if (this.state === State.Body) {
      this.fail(
        this.pStart,
        `truncated packet: stream ended with ${this.pSlotsLeft} event slots ` +
          `(${this.pSkip + this.pSlotsLeft * this.pSize} bytes) of it missing`,
      );
    }
    if (this.queue.length > 0) {
      this.fail(
        this.total - this.queue.length,
        `truncated packet header: ${this.queue.length} of ${PACKET_HEADER} bytes`,
      );
    }
    return out;
  }

  private run(chunk: Uint8Array, final: boolean): EventBatch {
    let src: Uint8Array;
    const queued = this.queue.length > 0;
    if (queued) {
      this.queue.append(chunk);
      src = this.queue.view();
    } else {
      src = chunk;
    }
    const base = this.total - src.length;
    this.srcBase = base;
    const out = new BatchWriter(
      final ? Number.MAX_SAFE_INTEGER : this.limit,
      Math.min(this.limit, (src.length / 8) | 0),
    );
    let i = 0;
    if (this.state === State.Header) i = this.header_(src, i, base);
    while (this.state !== State.Header) {
      if (this.state === State.PacketHeader) {
        if (src.length - i < PACKET_HEADER) break;
        this.packetHeader(src, i, base + i);
        i += PACKET_HEADER;
      } else {
        const before = i;
        i = this.body(src, i, out);
        if (this.state === State.Body && (i === before || i >= src.length || out.room === 0)) break;
      }
    }
    if (queued) this.queue.consume(i);
    else if (i < src.length) this.queue.append(src.subarray(i));
    return out.finish();
  }

  private header_(src: Uint8Array, i: number, base: number): number {
    const n = src.length;
    while (i < n && this.state === State.Header) {
      if (this.atLineStart) {
        if (src[i] !== 0x23) {
          this.fail(
            base + i,
            this.lineCount === 0
              ? `not an AEDAT 3.1 file: expected ${MAGIC}`
              : `header line does not start with '#' before ${END_HEADER}`,
          );
        }
        this.atLineStart = false;
        this.lineStart = base + i;
        this.line.length = 0;
      }
      if (this.lineCount === 0) {
        while (i < n && this.line.length < MAGIC_PREFIX.length) {
          if (src[i] !== MAGIC_PREFIX.charCodeAt(this.line.length)) {
            this.fail(base + i, `not an AEDAT 3.1 file: expected the ${MAGIC} magic line`);
          }
          this.line.push(src[i++]);
        }
        if (i >= n) break;
      }
      const j = src.indexOf(LF, i);
      const stop = j < 0 ? n : j;
      const keep = Math.min(stop, i + Math.max(0, LINE_KEEP - this.line.length));
      for (let k = i; k < keep; k++) this.line.push(src[k]);
      if (j < 0) return n;
      i = j + 1;
      this.finishLine(base + i);
    }
    return i;
  }

  private finishLine(next: number): void {
    this.atLineStart = true;
    const line = String.fromCharCode(...this.line).replace(/\r$/, '');
    this.line.length = 0;
    this.lineCount++;
    if (this.lineCount === 1) {
      const v = line.trimEnd();
      if (v !== MAGIC && v !== '#!AER-DAT3.0') {
        this.fail(this.lineStart, `not an AEDAT 3.1 file: first line is '${line.slice(0, 40)}'`);
      }
      this.version = v.slice(9);
      return;
    }
    if (line.trimEnd() === END_HEADER) {
      this.dataOffset = next;
      this.state = State.PacketHeader;
      this.publishHeader();
      return;
    }
    const fmt = /^#Format:\s*(.*)$/.exec(line);
    if (fmt) {
      const f = fmt[1].trim();
      if (f !== 'RAW') {
        this.fail(this.lineStart, `unsupported AEDAT 3.1 format '${f.slice(0, 40)}' (only RAW)`);
      }
      this.setField('Format', f);
      return;
    }
    const src = /^#Source\s+(\d+):\s*(.*)$/.exec(line);
    if (src) {
      const name = src[2].trim();
      if (this.sourceName === null) this.sourceName = name;
      this.setField(`Source ${src[1]}`, name);
      return;
    }
    const kv = /^#\s*([A-Za-z][A-Za-z0-9 _.-]{0,40}?)\s*:\s*(.*)$/.exec(line);
    if (kv) this.setField(kv[1], kv[2].trim());
  }

  private setField(key: string, value: string | number): void {
    if (key in this.fields || this.fieldCount < MAX_FIELDS) {
      if (!(key in this.fields)) this.fieldCount++;
      this.fields[key] = value;
    }
  }

  private publishHeader(): void {
    let geometry: SensorGeometry | null = this.callerGeometry ?? null;
    if (!geometry && this.sourceName) {
      for (const [re, w, h] of SOURCE_GEOMETRY) {
        if (re.test(this.sourceName)) {
          geometry = { width: w, height: h };
          break;
        }
      }
    }
    this.decoded = {
      format: FORMAT,
      geometry,
      fields: Object.freeze({
        ...this.fields,
        version: this.version,
        headerLines: this.lineCount,
        dataOffset: this.dataOffset ?? 0,
      }),
    };
  }

  private packetHeader(src: Uint8Array, i: number, abs: number): void {
    const dv = new DataView(src.buffer, src.byteOffset + i, PACKET_HEADER);
    const type = dv.getInt16(0, true);
    const size = dv.getInt32(4, true);
    const tsOffset = dv.getInt32(8, true);
    const overflow = dv.getInt32(12, true);
    const capacity = dv.getInt32(16, true);
    const number = dv.getInt32(20, true);
    const valid = dv.getInt32(24, true);
    const bad = (why: string): never => this.fail(abs, `bad packet header: ${why}`);
    if (type < 0) bad(`event type ${type}`);
    if (size <= 0) bad(`event size ${size}`);
    if (capacity < 0 || number < 0 || valid < 0) {
      bad(`negative count (capacity ${capacity}, number ${number}, valid ${valid})`);
    }
    if (number > capacity) bad(`eventNumber ${number} > eventCapacity ${capacity}`);
    if (valid > number) bad(`eventValid ${valid} > eventNumber ${number}`);
    if (overflow < 0 || overflow >= MAX_OVERFLOW) {
      bad(`timestamp overflow ${overflow} (times must stay below 2^53 µs)`);
    }
    if (tsOffset < 0 || tsOffset > size - 4) bad(`timestamp offset ${tsOffset} for event size ${size}`);
    if (capacity * size > MAX_BODY) bad(`body of ${capacity} × ${size} bytes is too large`);
    const expected = SIZE_OF[type];
    if (expected !== undefined && size !== expected) {
      bad(`event type ${type} must have event size ${expected}, got ${size}`);
    }
    this.n.packets++;
    this.byType[type] = (this.byType[type] ?? 0) + 1;
    this.pStart = abs;
    this.pType = type;
    this.pSize = size;
    this.pTsOffset = tsOffset;
    this.pOverflow = overflow * TWO31;
    this.pNumber = number;
    this.pSlot = 0;
    if (expected === undefined) {
      this.n.skipped++;
      this.pSlotsLeft = 0;
      this.pSkip = capacity * size;
    } else {
      this.pSlotsLeft = capacity;
      this.pSkip = 0;
    }
    this.state = this.pSkip === 0 && this.pSlotsLeft === 0 ? State.PacketHeader : State.Body;
  }

  /** Consumes body bytes from src[i]; returns where it stopped. */
  private body(src: Uint8Array, i: number, out: BatchWriter): number {
    if (this.pSkip > 0) {
      const k = Math.min(this.pSkip, src.length - i);
      this.pSkip -= k;
      i += k;
      if (this.pSkip === 0) this.state = State.PacketHeader;
      return i;
    }
    const size = this.pSize;
    const avail = ((src.length - i) / size) | 0;
    let slots = Math.min(avail, this.pSlotsLeft);
    // Slots past eventNumber are unused: skip them without looking.
    const used = Math.max(0, this.pNumber - this.pSlot);
    if (this.pType === AEDAT3_TYPE.POLARITY) {
      slots = Math.min(slots, used) > 0 ? this.polarity(src, i, Math.min(slots, used), out) : slots;
    } else if (used > 0) {
      const k = Math.min(slots, used);
      for (let s = 0; s < k; s++) this.sideEvent(src, i + s * size);
      slots = k;
    }
    i += slots * size;
    this.pSlot += slots;
    this.pSlotsLeft -= slots;
    if (this.pSlotsLeft === 0) this.state = State.PacketHeader;
    return i;
  }

  /** Decodes up to `slots` polarity events from src[i]; returns the slots consumed. */
  private polarity(src: Uint8Array, i: number, slots: number, out: BatchWriter): number {
    const tsOff = this.pTsOffset;
    const overflow = this.pOverflow;
    const width = this.width;
    const height = this.height;
    let room = out.room;
    let s = 0;
    for (; s < slots; s++) {
      const o = i + s * 8;
      const data = (src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24)) >>> 0;
      if ((data & 1) === 0) {
        this.n.invalid++;
        continue;
      }
      if (room === 0) break;
      const q = o + tsOff;
      const ts = src[q] | (src[q + 1] << 8) | (src[q + 2] << 16) | (src[q + 3] << 24);
      const x = data >>> 17;
      const y = (data >>> 2) & 0x7fff;
      if (ts < 0) this.fail(this.srcBase + o, `negative timestamp ${ts}`);
      if (x >= width || y >= height) {
        this.fail(this.srcBase + o, `event at (${x}, ${y}) outside the ${width}x${height} sensor`);
      }
      if (out.n === out.t.length) out.reserve(Math.min(room, slots - s));
      const k = out.n++;
      out.t[k] = overflow + ts;
      out.x[k] = x;
      out.y[k] = y;
      out.p[k] = (data >>> 1) & 1;
      room--;
      this.n.polarity++;
    }
    return s;
  }

  private sideEvent(src: Uint8Array, o: number): void {
    const dv = new DataView(src.buffer, src.byteOffset + o, this.pSize);
    const info = dv.getUint32(0, true);
    if ((info & 1) === 0) {
      this.n.invalid++;
      return;
    }
    const ts = dv.getInt32(this.pTsOffset, true);
    if (ts < 0) this.fail(this.srcBase + o, `negative timestamp ${ts}`);
    const t = this.pOverflow + ts;
    if (this.pType === AEDAT3_TYPE.SPECIAL) {
      this.side.triggers.push({ t, id: (info >>> 1) & 0x7f, value: info >>> 8 });
      return;
    }
    // IMU6 / IMU9: floats after the info word and the timestamp.
    const f = (k: number): number => dv.getFloat32(8 + 4 * k, true);
    const sample: ImuSample =
      this.pType === AEDAT3_TYPE.IMU9
        ? { t, accel: [f(0), f(1), f(2)], gyro: [f(3), f(4), f(5)], temperature: f(6), mag: [f(7), f(8), f(9)] }
        : { t, accel: [f(0), f(1), f(2)], gyro: [f(3), f(4), f(5)], temperature: f(6) };
    this.side.imu.push(sample);
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

export interface Aedat3EncoderOptions extends EncoderOptions {
  /** `#Source 1:` name (default "DVS128" for a 128×128 geometry, else "neurite"). */
  readonly sourceName?: string;
  /** Largest number of events per packet (default 4096). */
  readonly packetEvents?: number;
}

/**
 * Writes AEDAT 3.1: the header, then one polarity packet per run of at most `packetEvents` events
 * sharing one timestamp-overflow value (times ≥ 2^31 µs are written with eventTSOverflow > 0).
 * IMU samples and triggers given to `pushImu` / `pushTriggers` are written as IMU6 (IMU9 when a
 * sample has a magnetometer reading) and special-event packets.
 */
export class Aedat3Encoder implements EventEncoder {
  readonly format = FORMAT;
  private started = false;
  private finished = false;
  private readonly sourceName: string;
  private readonly packetEvents: number;
  private lastT = 0;
  private count = 0;

  constructor(opts: Aedat3EncoderOptions = {}) {
    const g = opts.geometry;
    this.sourceName =
      opts.sourceName ?? (g && g.width === 128 && g.height === 128 ? 'DVS128' : 'neurite');
    if (/[\r\n]/.test(this.sourceName)) throw new EncodeError(FORMAT, 0, 'source name has a line break');
    this.packetEvents = opts.packetEvents ?? 4096;
    if (!Number.isInteger(this.packetEvents) || this.packetEvents <= 0) {
      throw new EncodeError(FORMAT, 0, `packetEvents must be a positive integer`);
    }
  }

  private headerBytes(): Uint8Array {
    if (this.started) return new Uint8Array(0);
    this.started = true;
    const text = `${MAGIC}\r\n#Format: RAW\r\n#Source 1: ${this.sourceName}\r\n${END_HEADER}\r\n`;
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }

  push(batch: EventBatch): Uint8Array {
    if (this.finished) throw new EncodeError(FORMAT, this.count, 'push after end()');
    const { t, x, y, p, length } = batch;
    for (let i = 0; i < length; i++) {
      const idx = this.count + i;
      const ti = t[i];
      if (!Number.isSafeInteger(ti) || ti < 0) {
        throw new EncodeError(FORMAT, idx, `time ${ti} is not a non-negative integer of µs`);
      }
      if (ti < this.lastT) {
        throw new EncodeError(FORMAT, idx, `time ${ti} is before the previous event's ${this.lastT}`);
      }
      this.lastT = ti;
      if (x[i] > 0x7fff || y[i] > 0x7fff) {
        throw new EncodeError(FORMAT, idx, `(${x[i]}, ${y[i]}) does not fit in 15 bits`);
      }
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, idx, `polarity ${p[i]} is not 0 or 1`);
    }
    // Split into packets: same overflow, at most packetEvents events.
    const parts: Uint8Array[] = [this.headerBytes()];
    let i = 0;
    while (i < length) {
      const ovf = Math.floor(t[i] / TWO31);
      let j = i + 1;
      while (j < length && j - i < this.packetEvents && Math.floor(t[j] / TWO31) === ovf) j++;
      const n = j - i;
      const buf = new Uint8Array(PACKET_HEADER + n * 8);
      const dv = new DataView(buf.buffer);
      writePacketHeader(dv, AEDAT3_TYPE.POLARITY, 8, ovf, n);
      for (let k = 0; k < n; k++) {
        const e = i + k;
        const o = PACKET_HEADER + k * 8;
        dv.setUint32(o, ((x[e] << 17) | (y[e] << 2) | (p[e] << 1) | 1) >>> 0, true);
        dv.setInt32(o + 4, t[e] - ovf * TWO31, true);
      }
      parts.push(buf);
      i = j;
    }
    this.count += length;
    return concat(parts);
  }

  /** Writes IMU samples (times non-negative integers of µs; values stored as float32). */
  pushImu(samples: readonly ImuSample[]): Uint8Array {
    if (this.finished) throw new EncodeError(FORMAT, 0, 'pushImu after end()');
    const parts: Uint8Array[] = [this.headerBytes()];
    const nine = samples.some((s) => s.mag !== undefined);
    const size = nine ? 48 : 36;
    let i = 0;
    while (i < samples.length) {
      const ovf = Math.floor(checkTime(samples[i].t, i) / TWO31);
      let j = i + 1;
      while (j < samples.length && Math.floor(checkTime(samples[j].t, j) / TWO31) === ovf) j++;
      const n = j - i;
      const buf = new Uint8Array(PACKET_HEADER + n * size);
      const dv = new DataView(buf.buffer);
      writePacketHeader(dv, nine ? AEDAT3_TYPE.IMU9 : AEDAT3_TYPE.IMU6, size, ovf, n);
      for (let k = 0; k < n; k++) {
        const s = samples[i + k];
        const o = PACKET_HEADER + k * size;
        dv.setUint32(o, 1, true);
        dv.setInt32(o + 4, s.t - ovf * TWO31, true);
        const vals = [...s.accel, ...s.gyro, s.temperature ?? 0, ...(nine ? (s.mag ?? [0, 0, 0]) : [])];
        vals.forEach((v, q) => dv.setFloat32(o + 8 + 4 * q, v, true));
      }
      parts.push(buf);
      i = j;
    }
    return concat(parts);
  }

  /** Writes triggers as special events: `id` 0..127 is the special type, `value` 24 bits. */
  pushTriggers(triggers: readonly TriggerEvent[]): Uint8Array {
    if (this.finished) throw new EncodeError(FORMAT, 0, 'pushTriggers after end()');
    const parts: Uint8Array[] = [this.headerBytes()];
    let i = 0;
    while (i < triggers.length) {
      const ovf = Math.floor(checkTime(triggers[i].t, i) / TWO31);
      let j = i + 1;
      while (j < triggers.length && Math.floor(checkTime(triggers[j].t, j) / TWO31) === ovf) j++;
      const n = j - i;
      const buf = new Uint8Array(PACKET_HEADER + n * 8);
      const dv = new DataView(buf.buffer);
      writePacketHeader(dv, AEDAT3_TYPE.SPECIAL, 8, ovf, n);
      for (let k = 0; k < n; k++) {
        const g = triggers[i + k];
        if (!Number.isInteger(g.id) || g.id < 0 || g.id > 127) {
          throw new EncodeError(FORMAT, i + k, `trigger id ${g.id} is not in 0..127`);
        }
        if (!Number.isInteger(g.value) || g.value < 0 || g.value > 0xffffff) {
          throw new EncodeError(FORMAT, i + k, `trigger value ${g.value} does not fit in 24 bits`);
        }
        const o = PACKET_HEADER + k * 8;
        dv.setUint32(o, ((g.value << 8) | (g.id << 1) | 1) >>> 0, true);
        dv.setInt32(o + 4, g.t - ovf * TWO31, true);
      }
      parts.push(buf);
      i = j;
    }
    return concat(parts);
  }

  end(): Uint8Array {
    if (this.finished) throw new EncodeError(FORMAT, this.count, 'end() called twice');
    this.finished = true;
    return this.headerBytes(); // a file with no events still gets its header
  }
}

function checkTime(t: number, i: number): number {
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new EncodeError(FORMAT, i, `time ${t} is not a non-negative integer of µs`);
  }
  return t;
}

function writePacketHeader(dv: DataView, type: number, size: number, overflow: number, n: number): void {
  if (overflow > 0x7fffffff) throw new EncodeError(FORMAT, 0, 'time too large for a 32-bit overflow counter');
  dv.setInt16(0, type, true);
  dv.setInt16(2, 1, true); // eventSource: the one #Source line
  dv.setInt32(4, size, true);
  dv.setInt32(8, 4, true); // timestamp offset
  dv.setInt32(12, overflow, true);
  dv.setInt32(16, n, true); // capacity
  dv.setInt32(20, n, true); // number
  dv.setInt32(24, n, true); // valid
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((s, b) => s + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of parts) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

export const aedat3Format: FormatInfo = {
  id: 'aedat3',
  description: 'AEDAT 3.1 (cAER, DVS128 Gesture): packets of polarity, special and IMU events',
  extensions: ['.aedat'],
  sniff: (head) => startsWithAscii(head, MAGIC) || startsWithAscii(head, '#!AER-DAT3.0'),
  createDecoder: (opts) => new Aedat3Decoder(opts),
  createEncoder: (opts) => new Aedat3Encoder(opts),
};
