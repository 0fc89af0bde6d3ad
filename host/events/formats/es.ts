/**
 * Event Stream 2.x (`.es`, the neuromorphic-paris / sepia format; faery writes it too).
 *
 * Why this file exists: `.es` is compact (5 bytes per DVS event, delta-coded time), faery's test
 * suite publishes SHA3 digests of a real `.es` recording, and it is a format we can both read and
 * write, which makes it a good interchange format for `neurite convert`.
 *
 * Layout (../shared/reference/event-formats.md 1.12 and the Event Stream specification README):
 *   bytes 0..11  ASCII "Event Stream"
 *   bytes 12..14 version major, minor, patch (this decoder accepts major 2, any minor/patch)
 *   byte 15      stream type: 0 generic, 1 DVS, 2 ATIS, 3 asynchronous display, 4 colour
 *   bytes 16..19 (types 1, 2, 4 only) uint16 LE width, uint16 LE height
 * then a byte-level state machine per type. Time is delta-coded from 0 in µs.
 *   DVS:     idle byte 0xFF = overflow (t += 127), 0xFE = reset (no-op while idle); otherwise
 *            t += byte >> 1, polarity = byte & 1 (1 = increase = ON), then uint16 LE x, uint16 LE y.
 *   ATIS:    idle byte 0b111111nn = overflow, t += 63 * nn (nn = 0 is the reset byte); otherwise
 *            t += byte >> 2, bit 1 = polarity, bit 0 = is_tc; then uint16 LE x, uint16 LE y.
 *            is_tc = 0 is a change-detection (DVS) event with polarity = increase: it becomes a
 *            house event. is_tc = 1 is a threshold crossing (half of an exposure measurement,
 *            polarity = "second"): it carries grey-level timing, not a polarity, so it is SKIPPED
 *            and only counted in `stats().thresholdCrossings`.
 *   generic: idle 0xFF = overflow (t += 254), 0xFE = reset; otherwise t += byte, then one or more
 *            size bytes (7 bits each, little-endian groups, bit 0 = "more size bytes follow") and
 *            that many payload bytes. Generic events have no coordinates: they are framed and
 *            counted (`stats().generic`), never turned into DVS events, and payloads are skipped
 *            without being buffered (a declared size never causes an allocation).
 *   display: idle 0xFF / 0xFE as generic; t += byte, then x (1 byte), y (1 byte), stage (1 byte).
 *            Counted, skipped.
 *   colour:  idle 0xFF / 0xFE as generic; t += byte, then uint16 x, uint16 y, r, g, b. Counted,
 *            skipped (coordinates are still checked against the header size).
 * The reset byte only means something while idle: inside an event it is ordinary data.
 *
 * Coordinates: x and y are returned exactly as stored. The Event Stream convention (and faery's
 * reader) puts the y origin at the bottom-left; faery flips y on read. We do not: flip explicitly
 * with `flipY(batch, height)` from ../frame.ts when you need a top-left origin. The header fields
 * say `yOrigin: 'bottom-left'` so that tools (inspect --frame) can do it.
 *
 * Errors: a wrong magic, an unsupported version or type, a coordinate outside the header's
 * sensor size (the specification requires x < width, y < height), an over-long generic size
 * field, and a truncated header or event at the end of the stream are DecodeErrors carrying the
 * absolute byte offset. After an error the decoder refuses more input.
 *
 * The writer produces DVS-type (1) version 2.0.0 files; it needs the sensor size up front.
 */
import { DecodeError, EncodeError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';
import {
  emptySideChannels,
  type DecodedHeader,
  type DecoderOptions,
  type EncoderOptions,
  type EventDecoder,
  type EventEncoder,
  type FormatInfo,
  type SideChannels,
} from './format.js';

const FORMAT = 'es';
const MAGIC = 'Event Stream';
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);
/** Length of the common part of the header (magic + version + type). */
const BASE_HEADER = 16;
/** Length of the header of the types that carry a sensor size. */
const SIZED_HEADER = 20;
const DEFAULT_MAX_BATCH = 65536;
/** Generic size fields longer than this many bits are refused (2^49 payload bytes is absurd). */
const MAX_SIZE_SHIFT = 49;

export const ES_TYPES = ['generic', 'dvs', 'atis', 'display', 'color'] as const;
export type EsStreamType = (typeof ES_TYPES)[number];

/** What the decoder saw, besides the events it returned. */
export interface EsStats {
  /** DVS events handed out (DVS type, plus ATIS change detections). */
  readonly dvs: number;
  /** ATIS threshold crossings (exposure measurements), skipped. */
  readonly thresholdCrossings: number;
  /** Generic events framed and skipped. */
  readonly generic: number;
  /** Display events skipped. */
  readonly display: number;
  /** Colour events skipped. */
  readonly color: number;
  /** Overflow bytes read while idle. */
  readonly overflowBytes: number;
  /** Reset bytes read while idle. */
  readonly resetBytes: number;
}

// Decoder states. IDLE expects a timestamp / overflow / reset byte.
const IDLE = 0;
const X0 = 1;
const X1 = 2;
const Y0 = 3;
const Y1 = 4;
const RGB0 = 5;
const RGB1 = 6;
const RGB2 = 7;
const SIZE = 8;
const DATA = 9;
const DISP_X = 10;
const DISP_Y = 11;
const DISP_S = 12;

const TYPE_GENERIC = 0;
const TYPE_DVS = 1;
const TYPE_ATIS = 2;
const TYPE_DISPLAY = 3;
const TYPE_COLOR = 4;

type Arrays = ReturnType<typeof allocBatch>;

/** Incremental Event Stream 2.x decoder (see the file comment for what is decoded or skipped). */
export class EsDecoder implements EventDecoder {
  readonly format = 'es' as const;
  private readonly source: string | undefined;
  private readonly maxBatch: number;
  private readonly head = new Uint8Array(SIZED_HEADER);
  private headLength = 0;
  private decoded: DecodedHeader | null = null;
  private type = -1;
  private width = 0;
  private height = 0;
  // State machine.
  private state = IDLE;
  private t = 0;
  private x = 0;
  private y = 0;
  /** DVS: polarity; ATIS: bit 1 polarity, bit 0 is_tc. */
  private flags = 0;
  private size = 0;
  private sizeShift = 0;
  private remaining = 0;
  /** Absolute offset of the first byte of the current event (for truncation errors). */
  private eventStart = 0;
  // Counters.
  private nDvs = 0;
  private nTc = 0;
  private nGeneric = 0;
  private nDisplay = 0;
  private nColor = 0;
  private nOverflow = 0;
  private nReset = 0;
  // Input not yet decoded because the previous push filled maxBatch (copied, owned).
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queued = 0;
  /** Absolute offset of the next byte to decode. */
  private pos = 0;
  private pushed = 0;
  private failure: DecodeError | null = null;

  constructor(opts: DecoderOptions = {}) {
    this.source = opts.source;
    const mb = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxBatch = Number.isInteger(mb) && mb > 0 ? mb : DEFAULT_MAX_BATCH;
  }

  get bytesConsumed(): number {
    return this.pushed;
  }

  header(): DecodedHeader | null {
    return this.decoded;
  }

  takeSideChannels(): SideChannels {
    return emptySideChannels();
  }

  stats(): EsStats {
    return {
      dvs: this.nDvs,
      thresholdCrossings: this.nTc,
      generic: this.nGeneric,
      display: this.nDisplay,
      color: this.nColor,
      overflowBytes: this.nOverflow,
      resetBytes: this.nReset,
    };
  }

  /**
   * Decodes `chunk` (the decoder keeps no reference to it). At most maxBatch events are returned;
   * when more are ready the rest of the input is kept and handed out by the next push (push an
   * empty chunk to drain) or by end().
   */
  push(chunk: Uint8Array): EventBatch {
    if (this.failure) throw this.failure;
    this.pushed += chunk.length;
    if (chunk.length > 0) {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
    try {
      return this.drain(this.maxBatch);
    } finally {
      // Never keep a reference to the caller's buffer.
      const last = this.queue.length - 1;
      if (last >= 0 && this.queue[last] === chunk) {
        const from = last === 0 ? this.queueHead : 0;
        this.queue[last] = chunk.slice(from);
        if (last === 0) this.queueHead = 0;
      }
    }
  }

  end(): EventBatch {
    if (this.failure) throw this.failure;
    const parts: EventBatch[] = [];
    while (this.queued > 0) parts.push(this.drain(Infinity));
    if (this.decoded === null) {
      this.fail(this.pos, `truncated header: ${this.headLength} bytes, need ${this.headerLength()}`);
    }
    if (this.state !== IDLE) {
      this.fail(this.eventStart, `truncated event at the end of the stream (${this.pos - this.eventStart} bytes)`);
    }
    return parts.length === 1 ? parts[0] : concat(parts);
  }

  private headerLength(): number {
    if (this.headLength < BASE_HEADER) return BASE_HEADER;
    const type = this.head[15];
    return type === TYPE_GENERIC || type === TYPE_DISPLAY ? BASE_HEADER : SIZED_HEADER;
  }

  /** Decodes queued input until it is used up or `limit` events are out. */
  private drain(limit: number): EventBatch {
    // 5 bytes per DVS/ATIS event; +1 for an event already under way.
    const bound = this.decoded !== null && this.type !== TYPE_DVS && this.type !== TYPE_ATIS
      ? 0
      : Math.floor(this.queued / 5) + 1;
    const cap = Math.min(limit, bound);
    const out = allocBatch(cap);
    let n = 0;
    while (this.queue.length > 0) {
      const buf = this.queue[0];
      const start = this.queueHead;
      const { stop, count } = this.run(buf, start, out, n, cap);
      n = count;
      this.queued -= stop - start;
      if (stop >= buf.length) {
        this.queue.shift();
        this.queueHead = 0;
      } else {
        this.queueHead = stop;
        break; // out is full
      }
    }
    return makeBatch(out, n);
  }

  private run(buf: Uint8Array, start: number, out: Arrays, n: number, cap: number): { stop: number; count: number } {
    let i = start;
    const base = this.pos - start; // absolute offset of buf[0]; the callees update pos
    if (this.decoded === null) {
      i = this.readHeader(buf, i, base);
      if (this.decoded === null) return { stop: i, count: n };
    }
    switch (this.type) {
      case TYPE_DVS:
        return this.runDvs(buf, i, base, out, n, cap);
      case TYPE_ATIS:
        return this.runAtis(buf, i, base, out, n, cap);
      default:
        return { stop: this.runOther(buf, i, base), count: n };
    }
  }

  private readHeader(buf: Uint8Array, i: number, base: number): number {
    while (i < buf.length && this.headLength < this.headerLength()) {
      const b = buf[i];
      const k = this.headLength;
      if (k < MAGIC_BYTES.length && b !== MAGIC_BYTES[k]) {
        this.pos = base + i;
        this.fail(base + i, `not an Event Stream file (expected the magic "${MAGIC}")`);
      }
      if (k === 12 && b !== 2) {
        this.pos = base + i;
        this.fail(base + i, `unsupported Event Stream version ${b}.x (this decoder reads 2.x)`);
      }
      if (k === 15 && b > TYPE_COLOR) {
        this.pos = base + i;
        this.fail(base + i, `unknown Event Stream type ${b} (0 generic, 1 dvs, 2 atis, 3 display, 4 color)`);
      }
      this.head[k] = b;
      this.headLength++;
      i++;
    }
    this.pos = base + i;
    if (this.headLength < BASE_HEADER || this.headLength < this.headerLength()) return i;
    const h = this.head;
    this.type = h[15];
    const fields: Record<string, string | number> = {
      magic: MAGIC,
      version: `${h[12]}.${h[13]}.${h[14]}`,
      type: ES_TYPES[this.type],
    };
    let geometry: SensorGeometry | null = null;
    if (this.headerLength() === SIZED_HEADER) {
      this.width = h[16] | (h[17] << 8);
      this.height = h[18] | (h[19] << 8);
      fields.width = this.width;
      fields.height = this.height;
      fields.yOrigin = 'bottom-left';
      geometry = { width: this.width, height: this.height };
    }
    if (this.type === TYPE_ATIS) fields.skipped = 'threshold crossings (exposure measurements)';
    else if (this.type !== TYPE_DVS) fields.skipped = `all ${ES_TYPES[this.type]} events (no DVS polarity events in this type)`;
    this.decoded = { format: 'es', geometry, fields };
    return i;
  }

  private runDvs(buf: Uint8Array, i: number, base: number, out: Arrays, n: number, cap: number): { stop: number; count: number } {
    const end = buf.length;
    const { width, height } = this;
    let { state, t, x, y, flags } = this;
    for (; i < end; i++) {
      const b = buf[i];
      switch (state) {
        case IDLE:
          if (b === 0xff) {
            t += 127;
            this.nOverflow++;
          } else if (b === 0xfe) {
            this.nReset++;
          } else {
            t += b >>> 1;
            flags = b & 1;
            this.eventStart = base + i;
            state = X0;
          }
          break;
        case X0:
          x = b;
          state = X1;
          break;
        case X1:
          x |= b << 8;
          if (x >= width) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `DVS event x = ${x} outside the ${width}x${height} sensor`);
          }
          state = Y0;
          break;
        case Y0:
          y = b;
          state = Y1;
          break;
        default: // Y1
          y |= b << 8;
          if (y >= height) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `DVS event y = ${y} outside the ${width}x${height} sensor`);
          }
          out.t[n] = t;
          out.x[n] = x;
          out.y[n] = y;
          out.p[n] = flags;
          n++;
          this.nDvs++;
          state = IDLE;
          if (n >= cap) {
            i++;
            this.state = state;
            this.t = t;
            this.x = x;
            this.y = y;
            this.flags = flags;
            this.pos = base + i;
            return { stop: i, count: n };
          }
          break;
      }
    }
    this.state = state;
    this.t = t;
    this.x = x;
    this.y = y;
    this.flags = flags;
    this.pos = base + i;
    return { stop: i, count: n };
  }

  private runAtis(buf: Uint8Array, i: number, base: number, out: Arrays, n: number, cap: number): { stop: number; count: number } {
    const end = buf.length;
    const { width, height } = this;
    let { state, t, x, y, flags } = this;
    for (; i < end; i++) {
      const b = buf[i];
      switch (state) {
        case IDLE:
          if ((b & 0xfc) === 0xfc) {
            const k = b & 3;
            if (k === 0) this.nReset++;
            else {
              t += 63 * k;
              this.nOverflow++;
            }
          } else {
            t += b >>> 2;
            flags = b & 3;
            this.eventStart = base + i;
            state = X0;
          }
          break;
        case X0:
          x = b;
          state = X1;
          break;
        case X1:
          x |= b << 8;
          if (x >= width) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `ATIS event x = ${x} outside the ${width}x${height} sensor`);
          }
          state = Y0;
          break;
        case Y0:
          y = b;
          state = Y1;
          break;
        default: // Y1
          y |= b << 8;
          if (y >= height) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `ATIS event y = ${y} outside the ${width}x${height} sensor`);
          }
          state = IDLE;
          if ((flags & 1) === 1) {
            this.nTc++;
            break;
          }
          out.t[n] = t;
          out.x[n] = x;
          out.y[n] = y;
          out.p[n] = flags >>> 1;
          n++;
          this.nDvs++;
          if (n >= cap) {
            i++;
            this.state = state;
            this.t = t;
            this.x = x;
            this.y = y;
            this.flags = flags;
            this.pos = base + i;
            return { stop: i, count: n };
          }
          break;
      }
    }
    this.state = state;
    this.t = t;
    this.x = x;
    this.y = y;
    this.flags = flags;
    this.pos = base + i;
    return { stop: i, count: n };
  }

  /** Generic, display and colour streams: frame every event, emit nothing. */
  private runOther(buf: Uint8Array, i: number, base: number): number {
    const end = buf.length;
    const type = this.type;
    for (; i < end; i++) {
      const b = buf[i];
      switch (this.state) {
        case IDLE:
          if (b === 0xff) {
            this.t += 254;
            this.nOverflow++;
          } else if (b === 0xfe) {
            this.nReset++;
          } else {
            this.t += b;
            this.eventStart = base + i;
            if (type === TYPE_GENERIC) {
              this.state = SIZE;
              this.size = 0;
              this.sizeShift = 0;
            } else if (type === TYPE_DISPLAY) {
              this.state = DISP_X;
            } else {
              this.state = X0;
            }
          }
          break;
        case SIZE:
          if (this.sizeShift > MAX_SIZE_SHIFT) {
            this.pos = base + i;
            this.fail(base + i, 'generic event size field is longer than 8 bytes');
          }
          this.size += (b >>> 1) * 2 ** this.sizeShift;
          this.sizeShift += 7;
          if ((b & 1) === 0) {
            if (this.size === 0) {
              this.nGeneric++;
              this.state = IDLE;
            } else {
              this.remaining = this.size;
              this.state = DATA;
            }
          }
          break;
        case DATA: {
          // Skip payload bytes without buffering them.
          const take = Math.min(this.remaining, end - i);
          this.remaining -= take;
          i += take - 1;
          if (this.remaining === 0) {
            this.nGeneric++;
            this.state = IDLE;
          }
          break;
        }
        case DISP_X:
          this.state = DISP_Y;
          break;
        case DISP_Y:
          this.state = DISP_S;
          break;
        case DISP_S:
          this.nDisplay++;
          this.state = IDLE;
          break;
        // Colour: x, y then three colour bytes.
        case X0:
          this.x = b;
          this.state = X1;
          break;
        case X1:
          this.x |= b << 8;
          if (this.x >= this.width) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `color event x = ${this.x} outside the ${this.width}x${this.height} sensor`);
          }
          this.state = Y0;
          break;
        case Y0:
          this.y = b;
          this.state = Y1;
          break;
        case Y1:
          this.y |= b << 8;
          if (this.y >= this.height) {
            this.pos = base + i + 1;
            this.fail(this.eventStart, `color event y = ${this.y} outside the ${this.width}x${this.height} sensor`);
          }
          this.state = RGB0;
          break;
        case RGB0:
          this.state = RGB1;
          break;
        case RGB1:
          this.state = RGB2;
          break;
        default: // RGB2
          this.nColor++;
          this.state = IDLE;
          break;
      }
    }
    this.pos = base + i;
    return i;
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

function concat(parts: readonly EventBatch[]): EventBatch {
  const n = parts.reduce((s, b) => s + b.length, 0);
  const out = allocBatch(n);
  let k = 0;
  for (const b of parts) {
    out.t.set(b.t.subarray(0, b.length), k);
    out.x.set(b.x.subarray(0, b.length), k);
    out.y.set(b.y.subarray(0, b.length), k);
    out.p.set(b.p.subarray(0, b.length), k);
    k += b.length;
  }
  return makeBatch(out, n);
}

/** The fixed 20-byte header of a DVS-type Event Stream 2.0.0 file. */
export function esDvsHeader(geometry: SensorGeometry): Uint8Array {
  const h = new Uint8Array(SIZED_HEADER);
  h.set(MAGIC_BYTES, 0);
  h[12] = 2;
  h[13] = 0;
  h[14] = 0;
  h[15] = TYPE_DVS;
  h[16] = geometry.width & 0xff;
  h[17] = geometry.width >>> 8;
  h[18] = geometry.height & 0xff;
  h[19] = geometry.height >>> 8;
  return h;
}

/** Refuse a single time gap that needs more overflow bytes than this (≈ 9.5 h of µs). */
const MAX_OVERFLOW_RUN = 1 << 28;

/**
 * Writes DVS-type Event Stream 2.0.0. Requirements (else EncodeError with the event index in the
 * batch): integer µs times, first >= 0 and non-decreasing across batches (the format stores
 * deltas from 0), x < width, y < height, p in {0, 1}. Gaps of 127 µs or more are written as
 * overflow bytes (0xFF, +127 µs each) followed by the remainder, so decoding gives the same times.
 */
export class EsEncoder implements EventEncoder {
  readonly format = 'es' as const;
  private readonly geometry: SensorGeometry;
  private started = false;
  private prevT = 0;

  constructor(opts: EncoderOptions = {}) {
    const g = opts.geometry;
    if (!g) throw new EncodeError(FORMAT, 0, 'the Event Stream header needs the sensor size (width x height); none is known');
    if (!(Number.isInteger(g.width) && Number.isInteger(g.height) && g.width >= 1 && g.height >= 1 && g.width <= 65535 && g.height <= 65535)) {
      throw new EncodeError(FORMAT, 0, `sensor size ${g.width}x${g.height} does not fit in the 16-bit header fields`);
    }
    this.geometry = { width: g.width, height: g.height };
  }

  push(batch: EventBatch): Uint8Array {
    const { t, x, y, p, length } = batch;
    const { width, height } = this.geometry;
    let bytes = this.started ? 0 : SIZED_HEADER;
    let prev = this.prevT;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      if (!Number.isSafeInteger(ti) || ti < 0) throw new EncodeError(FORMAT, i, `time ${ti} is not a non-negative integer of µs`);
      if (ti < prev) throw new EncodeError(FORMAT, i, `time ${ti} is before the previous event's ${prev}`);
      if (x[i] >= width || y[i] >= height) throw new EncodeError(FORMAT, i, `event at (${x[i]}, ${y[i]}) outside the ${width}x${height} sensor`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, i, `polarity ${p[i]} is not 0 or 1`);
      const overflows = Math.floor((ti - prev) / 127);
      if (overflows > MAX_OVERFLOW_RUN) {
        throw new EncodeError(FORMAT, i, `time gap of ${ti - prev} µs needs ${overflows} overflow bytes; shift the times first`);
      }
      bytes += overflows + 5;
      prev = ti;
    }
    const out = new Uint8Array(bytes);
    let o = 0;
    if (!this.started) {
      out.set(esDvsHeader(this.geometry), 0);
      o = SIZED_HEADER;
      this.started = true;
    }
    prev = this.prevT;
    for (let i = 0; i < length; i++) {
      let d = t[i] - prev;
      prev = t[i];
      if (d >= 127) {
        const k = Math.floor(d / 127);
        out.fill(0xff, o, o + k);
        o += k;
        d -= k * 127;
      }
      out[o] = (d << 1) | p[i];
      out[o + 1] = x[i] & 0xff;
      out[o + 2] = x[i] >>> 8;
      out[o + 3] = y[i] & 0xff;
      out[o + 4] = y[i] >>> 8;
      o += 5;
    }
    this.prevT = prev;
    return out;
  }

  end(): Uint8Array {
    if (this.started) return new Uint8Array(0);
    this.started = true;
    return esDvsHeader(this.geometry);
  }
}

export const esFormat: FormatInfo = {
  id: 'es',
  description: 'Event Stream 2.x (.es; DVS read/write, ATIS change detections read, generic/display/color framed and skipped)',
  extensions: ['.es'],
  sniff(head: Uint8Array): boolean {
    if (head.length < MAGIC_BYTES.length) return false;
    for (let i = 0; i < MAGIC_BYTES.length; i++) if (head[i] !== MAGIC_BYTES[i]) return false;
    return true;
  },
  createDecoder(opts?: DecoderOptions): EsDecoder {
    return new EsDecoder(opts);
  },
  createEncoder(opts?: EncoderOptions): EsEncoder {
    return new EsEncoder(opts);
  },
};
