/**
 * Prophesee EVT 2.0 RAW files (`.raw` with `% evt 2.0` or `% format EVT2` in the header).
 *
 * Layout (../shared/reference/event-formats.md, sections 1.4 and 1.5): the `%` header (see
 * prophesee-header.ts; not word-aligned), then little-endian 32-bit words, type = bits 31..28:
 *   0x0 CD_OFF / 0x1 CD_ON: bits 27..22 timestamp LSBs (6), bits 21..11 x, bits 10..0 y;
 *   0x8 EVT_TIME_HIGH: bits 27..0 = timestamp bits 33..6;
 *   0xA EXT_TRIGGER: bits 27..22 timestamp LSBs, bits 12..8 trigger id, bit 0 value
 *       (-> takeSideChannels().triggers);
 *   anything else (0xE OTHERS, 0xF CONTINUED, reserved types) is skipped and counted in
 *   `skippedWords`, never an error.
 *
 * Time: t = loops * 2^34 + (time_high << 6 | lsb) µs, as decoded (no shift: openeb subtracts the
 * first TIME_HIGH by default, we do not). `loops` counts TIME_HIGH values that drop by at least
 * half the 28-bit range (2^27), i.e. the 2^34 µs (~4 h 46 min) counter wrapped; smaller drops are
 * taken as they are (timestamps are reported as stored, not clamped). As in openeb, CD and
 * trigger words before the first TIME_HIGH carry no usable time and are dropped (counted in
 * `droppedEvents` / `droppedTriggers`). Events outside the geometry (caller's, header's, or
 * inferred from the sensor) are dropped too. Polarity: CD_ON -> p = 1.
 *
 * Errors: a malformed header (see prophesee-header.ts), a header declaring another encoding, a
 * trailing partial word at end(), or a timestamp beyond 2^53 µs.
 *
 * The encoder writes `% evt 2.0` (plus `% format EVT2;height=..;width=..` and `% geometry WxH`
 * when a geometry is given) and `% end`, then a TIME_HIGH word whenever the high bits change
 * (with max/zero pairs to step over counter loops), so decode(encode(batch)) gives back the same
 * events exactly.
 */
import { EncodeError } from '../../errors.js';
import type { EventBatch, SensorGeometry } from '../types.js';
import type { EncoderOptions, EventEncoder, FormatInfo, TriggerEvent } from './format.js';
import {
  HOST_LITTLE_ENDIAN,
  PropheseeDecoderBase,
  SEGMENT_EVENTS,
  checkGeometry,
  encodeRawHeader,
  sniffRawHeader,
  type PropheseeDecoderOptions,
  type RawHeaderInfo,
  type SegmentArrays,
} from './prophesee-header.js';

const FORMAT = 'evt2';
/** Number of distinct 28-bit TIME_HIGH values. */
const HIGH_RANGE = 2 ** 28;
const HIGH_MAX = HIGH_RANGE - 1;
/** A TIME_HIGH drop of at least this many steps is a loop of the counter. */
const HIGH_LOOP_DROP = 2 ** 27;
/** µs covered by one loop of the 34-bit counter. */
const LOOP_US = 2 ** 34;
const MAX_T = Number.MAX_SAFE_INTEGER;
/** The encoder refuses times at or above this (each loop costs two words; 2^16 loops at most). */
export const EVT2_MAX_ENCODABLE_T = 2 ** 50;

const TYPE_CD_ON = 0x1;
const TYPE_TIME_HIGH = 0x8;
const TYPE_EXT_TRIGGER = 0xa;

/** Segment arrays (see SegmentArrays in prophesee-header.ts). */
const ST = new Float64Array(SEGMENT_EVENTS);
const SX = new Uint16Array(SEGMENT_EVENTS);
const SY = new Uint16Array(SEGMENT_EVENTS);
const SP = new Uint8Array(SEGMENT_EVENTS);
const SEGMENT: SegmentArrays = { t: ST, x: SX, y: SY, p: SP };

/** Decoding state carried across words, segments and chunks. */
class Evt2State {
  /** Current TIME_HIGH value, -1 before the first one. */
  high = -1;
  loops = 0;
  /** loops * 2^34 + high * 64. */
  base = 0;
  boundX = 0x800;
  boundY = 0x800;
  dropped = 0;
  skipped = 0;
  /** Events written by the last evt2Segment call. */
  segN = 0;
  /** Set when a loop pushed time past 2^53: the word index. */
  overflowAt = -1;
  triggers: TriggerEvent[] = [];
  /** Triggers the current segment may still collect, and those it had to drop. */
  triggerRoom = 0;
  droppedTriggers = 0;
}

/**
 * Decode words[i..count) into the segment arrays, at most `limit` events (<= SEGMENT_EVENTS).
 * Returns the index of the first word not consumed; the event count is left in s.segN.
 */
function evt2Segment(words: Int32Array, i: number, count: number, limit: number, s: Evt2State): number {
  const by = s.boundY;
  let high = s.high;
  let base = s.base;
  // Before the first TIME_HIGH no x passes the bound: CD words are dropped.
  let bx = high < 0 ? 0 : s.boundX;
  let n = 0;
  let dropped = 0;
  let skipped = 0;
  for (; i < count; i++) {
    const w = words[i];
    const type = w >>> 28;
    if (type <= TYPE_CD_ON) {
      // CD_OFF (0) or CD_ON (1): the type is the polarity.
      const x = (w >>> 11) & 0x7ff;
      const y = w & 0x7ff;
      if (x >= bx || y >= by) {
        dropped++;
        continue;
      }
      ST[n] = base + ((w >>> 22) & 0x3f);
      SX[n] = x;
      SY[n] = y;
      SP[n] = type;
      if (++n === limit) {
        i++;
        break;
      }
    } else if (type === TYPE_TIME_HIGH) {
      const h = w & 0xfffffff;
      if (high < 0) {
        bx = s.boundX;
      } else if (high - h >= HIGH_LOOP_DROP) {
        s.loops++;
        if (s.loops * LOOP_US > MAX_T) {
          s.overflowAt = i;
          break;
        }
      }
      high = h;
      base = s.loops * LOOP_US + h * 64;
    } else if (type === TYPE_EXT_TRIGGER) {
      if (high < 0 || s.triggers.length >= s.triggerRoom) s.droppedTriggers++;
      else s.triggers.push({ t: base + ((w >>> 22) & 0x3f), id: (w >>> 8) & 0x1f, value: w & 1 });
    } else {
      skipped++;
    }
  }
  s.high = high;
  s.base = base;
  s.segN = n;
  s.dropped += dropped;
  s.skipped += skipped;
  return i;
}

/** Streaming EVT 2.0 decoder (see the file comment and prophesee-header.ts for the rules). */
export class Evt2Decoder extends PropheseeDecoderBase {
  readonly format = 'evt2' as const;
  private readonly st = new Evt2State();

  constructor(opts: PropheseeDecoderOptions = {}) {
    super(FORMAT, opts);
  }

  protected unitBytes(): number {
    return 4;
  }

  protected onHeader(info: RawHeaderInfo): SensorGeometry | null {
    const g = this.resolveRawHeader(info, 'evt2', 'EVT 2.0');
    if (g) {
      this.st.boundX = Math.min(g.width, 0x800);
      this.st.boundY = Math.min(g.height, 0x800);
    }
    return g;
  }

  protected decodeUnits(buf: Uint8Array, pos: number, end: number, abs: number): number {
    const count = (end - pos) >>> 2;
    if (count === 0) return pos;
    const words = this.int32View(buf, pos, count);
    const s = this.st;
    let i = 0;
    while (i < count && this.n < this.maxBatch) {
      this.beginSegment();
      s.triggerRoom = this.triggerRoom();
      i = evt2Segment(words, i, count, Math.min(SEGMENT_EVENTS, this.maxBatch - this.n), s);
      this.endSegment(SEGMENT, s.segN);
      if (s.triggers.length > 0) {
        this.addTriggers(s.triggers);
        s.triggers = [];
      }
      if (s.overflowAt >= 0) this.fail(abs + s.overflowAt * 4, 'timestamp counter looped past 2^53 µs');
    }
    this.droppedEvents += s.dropped;
    this.skippedWords += s.skipped;
    this.droppedTriggers += s.droppedTriggers;
    s.dropped = 0;
    s.skipped = 0;
    s.droppedTriggers = 0;
    return pos + i * 4;
  }
}

/** Incremental EVT 2.0 writer. */
export class Evt2Encoder implements EventEncoder {
  readonly format = 'evt2' as const;
  private readonly geometry: SensorGeometry | null;
  private headerDone = false;
  private high = -1;
  private loops = 0;
  private lastT = 0;
  private index = 0;
  private words = new Int32Array(1024);
  private count = 0;

  constructor(opts: EncoderOptions = {}) {
    this.geometry = checkGeometry(FORMAT, opts.geometry);
  }

  push(batch: EventBatch): Uint8Array {
    const { t, x, y, p, length } = batch;
    const maxX = this.geometry ? Math.min(this.geometry.width, 0x800) : 0x800;
    const maxY = this.geometry ? Math.min(this.geometry.height, 0x800) : 0x800;
    // Validate first so that a refused batch leaves the encoder unchanged.
    let prev = this.lastT;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      const k = this.index + i;
      if (!Number.isInteger(ti) || ti < 0 || ti >= EVT2_MAX_ENCODABLE_T) {
        throw new EncodeError(FORMAT, k, `time ${ti} is not an integer number of µs in 0..2^50`);
      }
      if (ti < prev) throw new EncodeError(FORMAT, k, `time ${ti} is before the previous event's ${prev}`);
      prev = ti;
      if (!(x[i] < maxX)) throw new EncodeError(FORMAT, k, `x = ${x[i]} is outside 0..${maxX - 1}`);
      if (!(y[i] < maxY)) throw new EncodeError(FORMAT, k, `y = ${y[i]} is outside 0..${maxY - 1}`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, k, `polarity ${p[i]} is not 0 or 1`);
    }
    const head = this.headerBytes();
    this.count = 0;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      const hi = Math.floor(ti / 64);
      const loop = Math.floor(hi / HIGH_RANGE);
      const h = hi - loop * HIGH_RANGE;
      if (loop !== this.loops || h !== this.high) this.moveTo(loop, h);
      this.put(((p[i] << 28) | ((ti - hi * 64) << 22) | (x[i] << 11) | y[i]) | 0);
    }
    this.lastT = prev;
    this.index += length;
    return this.finish(head);
  }

  end(): Uint8Array {
    this.count = 0;
    return this.finish(this.headerBytes());
  }

  /** TIME_HIGH words taking the decoder from its state to (loop, h) (loop >= this.loops). */
  private moveTo(loop: number, h: number): void {
    if (this.high < 0) {
      const first = loop === 0 ? h : HIGH_MAX;
      this.put(timeHigh(first));
      this.high = first;
    }
    while (this.loops < loop) {
      if (this.high < HIGH_LOOP_DROP) {
        this.put(timeHigh(HIGH_MAX));
        this.high = HIGH_MAX;
      }
      this.put(timeHigh(0));
      this.high = 0;
      this.loops++;
    }
    if (this.high !== h) {
      this.put(timeHigh(h));
      this.high = h;
    }
  }

  private put(w: number): void {
    if (this.count === this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.count++] = w;
  }

  private headerBytes(): Uint8Array {
    if (this.headerDone) return new Uint8Array(0);
    this.headerDone = true;
    const lines: [string, string][] = [['evt', '2.0']];
    const g = this.geometry;
    if (g) {
      lines.push(['format', `EVT2;height=${g.height};width=${g.width}`]);
      lines.push(['geometry', `${g.width}x${g.height}`]);
    }
    lines.push(['end', '']);
    return encodeRawHeader(lines);
  }

  private finish(head: Uint8Array): Uint8Array {
    const out = new Uint8Array(head.length + this.count * 4);
    out.set(head, 0);
    const body = new Uint8Array(this.words.buffer, 0, this.count * 4);
    out.set(body, head.length);
    if (!HOST_LITTLE_ENDIAN) {
      const dv = new DataView(out.buffer, head.length, this.count * 4);
      for (let i = 0; i < this.count; i++) dv.setInt32(i * 4, this.words[i], true);
    }
    this.count = 0;
    return out;
  }
}

function timeHigh(h: number): number {
  return ((TYPE_TIME_HIGH << 28) | h) | 0;
}

/** Encode a whole batch as an EVT 2.0 RAW file. */
export function encodeEvt2(batch: EventBatch, opts: EncoderOptions = {}): Uint8Array {
  const enc = new Evt2Encoder(opts);
  const body = enc.push(batch);
  const tail = enc.end();
  if (tail.length === 0) return body;
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

export const evt2Format: FormatInfo = {
  id: 'evt2',
  description: 'Prophesee EVT 2.0 RAW (32-bit words, Gen3 / IMX636 cameras)',
  extensions: ['.raw'],
  sniff(head: Uint8Array): boolean {
    return sniffRawHeader(head)?.encoding === 'evt2';
  },
  createDecoder(opts?: PropheseeDecoderOptions) {
    return new Evt2Decoder(opts);
  },
  createEncoder(opts?: EncoderOptions) {
    return new Evt2Encoder(opts);
  },
};
