/**
 * Prophesee EVT 3.0 RAW files (`.raw` with `% evt 3.0` or `% format EVT3` in the header).
 *
 * Layout (../shared/reference/event-formats.md, sections 1.4 and 1.7): the `%` header (see
 * prophesee-header.ts; not word-aligned), then little-endian 16-bit words, type = bits 15..12,
 * decoded with openeb's state machine:
 *   0x0 EVT_ADDR_Y   y = bits 10..0; marks the following X / vector words as CD events, valid
 *                    only if y is inside the geometry;
 *   0x1 (EM ADDR_Y)  sets y but marks the following X / vector words as non-CD (dropped);
 *   0x2 EVT_ADDR_X   x = bits 10..0, polarity = bit 11: one event (t, x, y, p);
 *   0x3 VECT_BASE_X  base x = bits 10..0, polarity for the vectors = bit 11;
 *   0x4 VECT_12      mask bits 11..0: an event at base + i for each set bit i, then base += 12;
 *   0x5 VECT_8       mask bits 7..0, then base += 8. Each vector word is decoded on its own, so
 *                    a missing VECT_8 (openeb#111) does not shift the following words;
 *   0x6 EVT_TIME_LOW t[11..0];  0x8 EVT_TIME_HIGH t[23..12];
 *   0xA EXT_TRIGGER  value = bit 0, id = bits 11..8 (-> takeSideChannels().triggers);
 *   anything else (0x7 CONTINUED_4, 0xD IMU, 0xE OTHERS, 0xF CONTINUED_12, 0x9/0xB/0xC) is
 *   skipped and counted in `skippedWords`, never an error.
 *
 * Time: t = loops * 2^24 + (time_high << 12) + time_low µs, as decoded (no openeb timestamp
 * shift). A TIME_HIGH at least 2048 below the previous one means the 24-bit counter looped
 * (loops += 1); a TIME_HIGH that changes the high bits resets time_low to 0; TIME_LOW going
 * backwards is never taken as a wrap (the real Gen4.1 files jump TIME_LOW forward and back about
 * every millisecond). Timestamps are reported as stored, not clamped. As in openeb, nothing
 * before the first TIME_HIGH is decoded (such words are skipped, their events counted in
 * `droppedEvents`, their triggers in `droppedTriggers`). Events with x >= width or y >= height (caller's, header's or the inferred
 * geometry; 2048 x 2048 when unknown) are dropped and counted, like openeb's validator does.
 *
 * Every piece of state (y, base x, polarities, time, a vector mask cut by a full batch) carries
 * over chunk boundaries, and a 16-bit word may straddle two chunks.
 *
 * The encoder emits TIME_HIGH / TIME_LOW when the time changes (max/zero TIME_HIGH pairs to step
 * over counter loops), EVT_ADDR_Y when y changes, and for runs of same-time, same-row,
 * same-polarity events with increasing x either EVT_ADDR_X words or VECT_BASE_X followed by
 * VECT_12, VECT_12, VECT_8 triples (the 32-pixel pattern cameras emit), whichever is shorter;
 * decode(encode(batch)) gives back the same events exactly.
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

const FORMAT = 'evt3';
const HIGH_MAX = 0xfff;
/** A TIME_HIGH this much below the previous one is a loop of the 24-bit counter. */
const HIGH_LOOP_DROP = 2048;
const LOOP_US = 2 ** 24;
const MAX_T = Number.MAX_SAFE_INTEGER;
/** The encoder refuses times at or above this (2^16 counter loops, two words each). */
export const EVT3_MAX_ENCODABLE_T = 2 ** 40;
/** Base x saturates here (far beyond any 11-bit address) instead of growing without bound. */
const BASE_X_LIMIT = 0x7fff;

const T_ADDR_Y = 0x0;
const T_ADDR_Y_EM = 0x1;
const T_ADDR_X = 0x2;
const T_VECT_BASE_X = 0x3;
const T_VECT_12 = 0x4;
const T_VECT_8 = 0x5;
const T_TIME_LOW = 0x6;
const T_TIME_HIGH = 0x8;
const T_EXT_TRIGGER = 0xa;

/** Segment arrays (see SegmentArrays in prophesee-header.ts). */
const ST = new Float64Array(SEGMENT_EVENTS);
const SX = new Uint16Array(SEGMENT_EVENTS);
const SY = new Uint16Array(SEGMENT_EVENTS);
const SP = new Uint8Array(SEGMENT_EVENTS);
const SEGMENT: SegmentArrays = { t: ST, x: SX, y: SY, p: SP };

/** Decoding state carried across words, segments and chunks. */
class Evt3State {
  timeSet = false;
  high = 0;
  low = 0;
  loops = 0;
  /** loops * 2^24 + high * 4096. */
  tbase = 0;
  y = 0;
  /** An ADDR_Y (CD) was seen and its y is inside the geometry. */
  valid = false;
  baseX = 0;
  vpol = 0;
  /** Vector bits not yet emitted because a segment or batch filled up, and their base x. */
  pendingMask = 0;
  pendingBase = 0;
  boundX = 0x800;
  boundY = 0x800;
  dropped = 0;
  skipped = 0;
  segN = 0;
  overflowAt = -1;
  triggers: TriggerEvent[] = [];
  /** Triggers the current segment may still collect, and those it had to drop. */
  triggerRoom = 0;
  droppedTriggers = 0;
}

/**
 * Decode words[i..count) into the segment arrays, at most `limit` events (<= SEGMENT_EVENTS),
 * after first emitting any pending vector bits. Returns the index of the first word not
 * consumed; the event count is left in s.segN. Requires s.timeSet.
 */
function evt3Segment(words: Uint16Array, i: number, count: number, limit: number, s: Evt3State): number {
  const bx = s.boundX;
  const by = s.boundY;
  let n = 0;
  let high = s.high;
  let low = s.low;
  let tbase = s.tbase;
  let t = tbase + low;
  let y = s.y;
  let valid = s.valid;
  let baseX = s.baseX;
  let vpol = s.vpol;
  let dropped = 0;
  let skipped = 0;
  let pendingMask = s.pendingMask;
  let pendingBase = s.pendingBase;
  if (pendingMask !== 0) {
    let m = pendingMask;
    while (m !== 0 && n < limit) {
      const bit = 31 - Math.clz32(m & -m);
      m &= m - 1;
      const x = pendingBase + bit;
      if (x < bx) {
        ST[n] = t;
        SX[n] = x;
        SY[n] = y;
        SP[n] = vpol;
        n++;
      } else {
        dropped++;
      }
    }
    pendingMask = m;
  }
  if (pendingMask === 0 && n < limit) {
    words: for (; i < count; i++) {
      const w = words[i];
      // An if-chain in order of frequency in camera data (TIME_LOW, ADDR_X, ADDR_Y, TIME_HIGH,
      // vectors) is markedly faster in V8 than a switch here.
      const type = w >>> 12;
      if (type === T_TIME_LOW) {
        low = w & 0xfff;
        t = tbase + low;
      } else if (type === T_ADDR_X) {
        const x = w & 0x7ff;
        if (valid && x < bx) {
          ST[n] = t;
          SX[n] = x;
          SY[n] = y;
          SP[n] = (w >>> 11) & 1;
          if (++n === limit) {
            i++;
            break words;
          }
        } else {
          dropped++;
        }
      } else if (type === T_ADDR_Y) {
        y = w & 0x7ff;
        valid = y < by;
      } else if (type === T_TIME_HIGH) {
        const h = w & 0xfff;
        if (high >= h + HIGH_LOOP_DROP) {
          s.loops++;
          if (s.loops * LOOP_US > MAX_T) {
            s.overflowAt = i;
            i++;
            break words;
          }
        }
        if (h !== high) low = 0;
        high = h;
        tbase = s.loops * LOOP_US + h * 4096;
        t = tbase + low;
      } else if (type === T_VECT_12 || type === T_VECT_8) {
        const is12 = type === T_VECT_12;
        let m = is12 ? w & 0xfff : w & 0xff;
        const b = baseX;
        baseX += is12 ? 12 : 8;
        if (baseX > BASE_X_LIMIT) baseX = BASE_X_LIMIT;
        if (!valid) {
          dropped += popcount(m);
          continue;
        }
        while (m !== 0) {
          const bit = 31 - Math.clz32(m & -m);
          m &= m - 1;
          const x = b + bit;
          if (x < bx) {
            ST[n] = t;
            SX[n] = x;
            SY[n] = y;
            SP[n] = vpol;
            if (++n === limit) {
              pendingMask = m;
              pendingBase = b;
              i++;
              break words;
            }
          } else {
            dropped++;
          }
        }
      } else if (type === T_VECT_BASE_X) {
        baseX = w & 0x7ff;
        vpol = (w >>> 11) & 1;
      } else if (type === T_ADDR_Y_EM) {
        y = w & 0x7ff;
        valid = false;
      } else if (type === T_EXT_TRIGGER) {
        if (s.triggers.length < s.triggerRoom) s.triggers.push({ t, id: (w >>> 8) & 0xf, value: w & 1 });
        else s.droppedTriggers++;
      } else {
        skipped++;
      }
    }
  }
  s.high = high;
  s.low = low;
  s.tbase = tbase;
  s.y = y;
  s.valid = valid;
  s.baseX = baseX;
  s.vpol = vpol;
  s.pendingMask = pendingMask;
  s.pendingBase = pendingBase;
  s.segN = n;
  s.dropped += dropped;
  s.skipped += skipped;
  return i;
}

/** Streaming EVT 3.0 decoder (see the file comment and prophesee-header.ts for the rules). */
export class Evt3Decoder extends PropheseeDecoderBase {
  readonly format = 'evt3' as const;
  private readonly st = new Evt3State();

  constructor(opts: PropheseeDecoderOptions = {}) {
    super(FORMAT, opts);
  }

  protected unitBytes(): number {
    return 2;
  }

  protected onHeader(info: RawHeaderInfo): SensorGeometry | null {
    const g = this.resolveRawHeader(info, 'evt3', 'EVT 3.0');
    if (g) {
      this.st.boundX = Math.min(g.width, 0x800);
      this.st.boundY = Math.min(g.height, 0x800);
    }
    return g;
  }

  protected decodeUnits(buf: Uint8Array, pos: number, end: number, abs: number): number {
    const s = this.st;
    const count = (end - pos) >>> 1;
    if (count === 0 && s.pendingMask === 0) return pos;
    const words = this.uint16View(buf, pos, count);
    let i = 0;
    if (!s.timeSet) {
      // openeb: nothing is decoded before the first TIME_HIGH.
      let skippedEvents = 0;
      for (; i < count; i++) {
        const w = words[i];
        const type = w >>> 12;
        if (type === T_TIME_HIGH) break;
        if (type === T_ADDR_X) skippedEvents++;
        else if (type === T_VECT_12) skippedEvents += popcount(w & 0xfff);
        else if (type === T_VECT_8) skippedEvents += popcount(w & 0xff);
        else if (type === T_EXT_TRIGGER) this.droppedTriggers++;
      }
      this.droppedEvents += skippedEvents;
      if (i === count) return end;
      s.timeSet = true;
      s.high = words[i] & 0xfff;
      s.low = 0;
      s.tbase = s.high * 4096;
      i++;
    }
    while ((i < count || s.pendingMask !== 0) && this.n < this.maxBatch) {
      this.beginSegment();
      s.triggerRoom = this.triggerRoom();
      i = evt3Segment(words, i, count, Math.min(SEGMENT_EVENTS, this.maxBatch - this.n), s);
      this.endSegment(SEGMENT, s.segN);
      if (s.triggers.length > 0) {
        this.addTriggers(s.triggers);
        s.triggers = [];
      }
      if (s.overflowAt >= 0) this.fail(abs + s.overflowAt * 2, 'timestamp counter looped past 2^53 µs');
    }
    this.droppedEvents += s.dropped;
    this.skippedWords += s.skipped;
    this.droppedTriggers += s.droppedTriggers;
    s.dropped = 0;
    s.skipped = 0;
    s.droppedTriggers = 0;
    return pos + i * 2;
  }
}

function popcount(v: number): number {
  let c = 0;
  while (v !== 0) {
    v &= v - 1;
    c++;
  }
  return c;
}

/** Incremental EVT 3.0 writer. */
export class Evt3Encoder implements EventEncoder {
  readonly format = 'evt3' as const;
  private readonly geometry: SensorGeometry | null;
  private headerDone = false;
  /** Mirror of the decoder's state. */
  private high = -1;
  private low = 0;
  private loops = 0;
  private y = -1;
  private lastT = 0;
  private index = 0;
  private words = new Uint16Array(2048);
  private count = 0;

  constructor(opts: EncoderOptions = {}) {
    this.geometry = checkGeometry(FORMAT, opts.geometry);
  }

  push(batch: EventBatch): Uint8Array {
    const { t, x, y, p, length } = batch;
    const maxX = this.geometry ? Math.min(this.geometry.width, 0x800) : 0x800;
    const maxY = this.geometry ? Math.min(this.geometry.height, 0x800) : 0x800;
    let prev = this.lastT;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      const k = this.index + i;
      if (!Number.isInteger(ti) || ti < 0 || ti >= EVT3_MAX_ENCODABLE_T) {
        throw new EncodeError(FORMAT, k, `time ${ti} is not an integer number of µs in 0..2^40`);
      }
      if (ti < prev) throw new EncodeError(FORMAT, k, `time ${ti} is before the previous event's ${prev}`);
      prev = ti;
      if (!(x[i] < maxX)) throw new EncodeError(FORMAT, k, `x = ${x[i]} is outside 0..${maxX - 1}`);
      if (!(y[i] < maxY)) throw new EncodeError(FORMAT, k, `y = ${y[i]} is outside 0..${maxY - 1}`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, k, `polarity ${p[i]} is not 0 or 1`);
    }
    const head = this.headerBytes();
    this.count = 0;
    let i = 0;
    while (i < length) {
      const ti = t[i];
      this.setTime(ti);
      const yi = y[i];
      if (yi !== this.y) {
        this.put((T_ADDR_Y << 12) | yi);
        this.y = yi;
      }
      // Run of events sharing t, y and p with strictly increasing x.
      const pi = p[i];
      let j = i + 1;
      while (j < length && t[j] === ti && y[j] === yi && p[j] === pi && x[j] > x[j - 1]) j++;
      i = this.encodeRun(x, i, j, pi);
    }
    this.lastT = prev;
    this.index += length;
    return this.finish(head);
  }

  end(): Uint8Array {
    this.count = 0;
    return this.finish(this.headerBytes());
  }

  /**
   * Encode events [i, j) of one run (same t, y, p; x increasing). Vectors are used for a window
   * of 32 pixels holding at least 5 events (4 words instead of 5 or more); returns j.
   */
  private encodeRun(x: ArrayLike<number>, i: number, j: number, p: number): number {
    while (i < j) {
      let k = i;
      while (k < j && x[k] < x[i] + 32) k++;
      if (k - i < 5) {
        this.put((T_ADDR_X << 12) | (p << 11) | x[i]);
        i++;
        continue;
      }
      let base = x[i];
      this.put((T_VECT_BASE_X << 12) | (p << 11) | base);
      // Triples while the next 32-pixel window still holds at least 4 events (3 words).
      for (;;) {
        let mask = 0;
        while (i < j && x[i] < base + 32) {
          mask |= 1 << (x[i] - base);
          i++;
        }
        this.put((T_VECT_12 << 12) | (mask & 0xfff));
        this.put((T_VECT_12 << 12) | ((mask >>> 12) & 0xfff));
        this.put((T_VECT_8 << 12) | ((mask >>> 24) & 0xff));
        base += 32;
        let c = 0;
        for (let m = i; m < j && x[m] < base + 32 && c < 4; m++) c++;
        if (c < 4) break;
      }
    }
    return j;
  }

  /** TIME_HIGH / TIME_LOW words taking the decoder's time to `t`. */
  private setTime(t: number): void {
    const hiAll = Math.floor(t / 4096);
    const loop = Math.floor(hiAll / 4096);
    const h = hiAll - loop * 4096;
    const lo = t - hiAll * 4096;
    if (this.high < 0) {
      const first = loop === 0 ? h : HIGH_MAX;
      this.put((T_TIME_HIGH << 12) | first);
      this.high = first;
      this.low = 0;
    }
    while (this.loops < loop) {
      if (this.high < HIGH_LOOP_DROP) this.putHigh(HIGH_MAX);
      this.putHigh(0);
      this.loops++;
    }
    if (this.high !== h) this.putHigh(h);
    if (this.low !== lo) {
      this.put((T_TIME_LOW << 12) | lo);
      this.low = lo;
    }
  }

  private putHigh(h: number): void {
    this.put((T_TIME_HIGH << 12) | h);
    if (h !== this.high) this.low = 0;
    this.high = h;
  }

  private put(w: number): void {
    if (this.count === this.words.length) {
      const grown = new Uint16Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    this.words[this.count++] = w;
  }

  private headerBytes(): Uint8Array {
    if (this.headerDone) return new Uint8Array(0);
    this.headerDone = true;
    const lines: [string, string][] = [['evt', '3.0']];
    const g = this.geometry;
    if (g) {
      lines.push(['format', `EVT3;height=${g.height};width=${g.width}`]);
      lines.push(['geometry', `${g.width}x${g.height}`]);
    }
    lines.push(['end', '']);
    return encodeRawHeader(lines);
  }

  private finish(head: Uint8Array): Uint8Array {
    const out = new Uint8Array(head.length + this.count * 2);
    out.set(head, 0);
    out.set(new Uint8Array(this.words.buffer, 0, this.count * 2), head.length);
    if (!HOST_LITTLE_ENDIAN) {
      const dv = new DataView(out.buffer, head.length, this.count * 2);
      for (let i = 0; i < this.count; i++) dv.setUint16(i * 2, this.words[i], true);
    }
    this.count = 0;
    return out;
  }
}

/** Encode a whole batch as an EVT 3.0 RAW file. */
export function encodeEvt3(batch: EventBatch, opts: EncoderOptions = {}): Uint8Array {
  const enc = new Evt3Encoder(opts);
  const body = enc.push(batch);
  const tail = enc.end();
  if (tail.length === 0) return body;
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

export const evt3Format: FormatInfo = {
  id: 'evt3',
  description: 'Prophesee EVT 3.0 RAW (16-bit vectorised words, Gen4.1 / IMX636 cameras)',
  extensions: ['.raw'],
  sniff(head: Uint8Array): boolean {
    return sniffRawHeader(head)?.encoding === 'evt3';
  },
  createDecoder(opts?: PropheseeDecoderOptions) {
    return new Evt3Decoder(opts);
  },
  createEncoder(opts?: EncoderOptions) {
    return new Evt3Encoder(opts);
  },
};
