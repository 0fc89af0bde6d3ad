/**
 * Prophesee DAT files (`.dat`: decoded CD or trigger events, e.g. the N-CARS dataset).
 *
 * Layout (../shared/reference/event-formats.md, section 1.8): the `%` header (prophesee-header.ts;
 * `% Width` / `% Height` give the geometry when present, N-CARS has neither), then two bytes:
 * event type (0x00 Event2d, 0x0C EventCD, 0x0E EventExtTrigger) and event size (must be 8), then
 * 8-byte little-endian records: uint32 t (µs), uint32 data.
 *   CD (`% Version 2` or no version): x = bits 0..13, y = bits 14..27, polarity = bits 28..31
 *     (any non-zero value is ON, p = 1);
 *   CD, `% Version 1`: x = bits 0..8, y = bits 9..16, polarity = bit 17;
 *   EventExtTrigger (Metavision's raw trigger layout): value = bits 0..3, id = bits 26..31
 *     -> takeSideChannels().triggers, no DVS events.
 * Time: the 32-bit counter is unwrapped (adds 2^32 when t drops by more than 2^31, as faery does);
 * otherwise timestamps are reported as stored. Events outside the geometry (caller's or header's)
 * are dropped and counted in `droppedEvents`.
 *
 * Errors (DecodeError with the absolute offset): malformed header, a RAW/EVT header, an unknown
 * event type byte or a size other than 8, a trailing partial record at end().
 *
 * The writer emits `% Data file containing CD events`, `% Version 2`, `% Width`/`% Height` when a
 * geometry is given, type 0x0C, size 8, and the records; decode(encode(batch)) is exact.
 */
import { EncodeError } from '../../errors.js';
import type { EventBatch, SensorGeometry } from '../types.js';
import type { EncoderOptions, EventEncoder, FormatInfo, TriggerEvent } from './format.js';
import {
  PropheseeDecoderBase,
  SEGMENT_EVENTS,
  checkGeometry,
  encodeRawHeader,
  sniffRawHeader,
  type PropheseeDecoderOptions,
  type RawHeaderInfo,
  type SegmentArrays,
} from './prophesee-header.js';

const FORMAT = 'dat';
const RECORD_BYTES = 8;
const TYPE_EVENT2D = 0x00;
const TYPE_EVENT_CD = 0x0c;
const TYPE_EXT_TRIGGER = 0x0e;
const WRAP = 2 ** 32;
const HALF_WRAP = 2 ** 31;
const MAX_T = Number.MAX_SAFE_INTEGER;

/** Streaming DAT decoder (see the file comment and prophesee-header.ts for the rules). */
export class DatDecoder extends PropheseeDecoderBase {
  readonly format = 'dat' as const;
  private readonly st = new DatState();
  /** Event type and size bytes, once read. */
  eventType = -1;
  eventSize = -1;

  constructor(opts: PropheseeDecoderOptions = {}) {
    super(FORMAT, opts);
  }

  protected unitBytes(): number {
    return RECORD_BYTES;
  }

  protected override preambleBytes(): number {
    return 2;
  }

  protected override unitName(): string {
    return 'record';
  }

  protected onHeader(info: RawHeaderInfo): SensorGeometry | null {
    if (info.encoding !== null && info.encoding !== 'dat') {
      this.fail(info.encodingOffset, `header declares ${info.encoding} (a RAW file), not DAT`);
    }
    const version = info.lines.find((l) => l.key.toLowerCase() === 'version');
    if (version && /^\s*1\s*$/.test(version.value)) this.st.version = 1;
    // Only DAT's own Width/Height count; RAW-style geometry lines are handled the same way.
    this.geometry = this.callerGeometry ?? info.explicitGeometry;
    const g = this.geometry;
    if (g) {
      this.st.boundX = g.width;
      this.st.boundY = g.height;
    }
    return g;
  }

  protected override onPreamble(bytes: Uint8Array, abs: number): void {
    const type = bytes[0];
    const size = bytes[1];
    if (type !== TYPE_EVENT2D && type !== TYPE_EVENT_CD && type !== TYPE_EXT_TRIGGER) {
      this.fail(
        abs,
        `unsupported event type 0x${type.toString(16).padStart(2, '0')} (expected 0x00 Event2d, 0x0C EventCD or 0x0E EventExtTrigger)`,
      );
    }
    if (size !== RECORD_BYTES) this.fail(abs + 1, `event size ${size}, expected ${RECORD_BYTES}`);
    this.eventType = type;
    this.eventSize = size;
    this.st.triggersOnly = type === TYPE_EXT_TRIGGER;
  }

  protected decodeUnits(buf: Uint8Array, pos: number, end: number, abs: number): number {
    const count = (end - pos) >>> 3;
    if (count === 0) return pos;
    const words = this.int32View(buf, pos, count * 2);
    const s = this.st;
    let i = 0;
    while (i < count && this.n < this.maxBatch) {
      this.beginSegment();
      s.triggerRoom = this.triggerRoom();
      i = datSegment(words, i, count, Math.min(SEGMENT_EVENTS, this.maxBatch - this.n), s);
      this.endSegment(SEGMENT, s.segN);
      if (s.triggers.length > 0) {
        this.addTriggers(s.triggers);
        s.triggers = [];
      }
      if (s.overflowAt >= 0) {
        this.fail(abs + s.overflowAt * RECORD_BYTES, 'timestamp counter wrapped past 2^53 µs');
      }
    }
    this.droppedEvents += s.dropped;
    this.droppedTriggers += s.droppedTriggers;
    s.dropped = 0;
    s.droppedTriggers = 0;
    return pos + i * RECORD_BYTES;
  }
}

/** Segment arrays (see SegmentArrays in prophesee-header.ts). */
const ST = new Float64Array(SEGMENT_EVENTS);
const SX = new Uint16Array(SEGMENT_EVENTS);
const SY = new Uint16Array(SEGMENT_EVENTS);
const SP = new Uint8Array(SEGMENT_EVENTS);
const SEGMENT: SegmentArrays = { t: ST, x: SX, y: SY, p: SP };

/** Decoding state carried across records, segments and chunks. */
class DatState {
  version = 2;
  triggersOnly = false;
  /** Previous raw 32-bit timestamp (-1 before the first record) and the unwrap offset. */
  prevRaw = -1;
  epoch = 0;
  boundX = 0x10000;
  boundY = 0x10000;
  dropped = 0;
  segN = 0;
  overflowAt = -1;
  triggers: TriggerEvent[] = [];
  /** Triggers the current segment may still collect, and those it had to drop. */
  triggerRoom = 0;
  droppedTriggers = 0;
}

/**
 * Decode records [i..count) of `words` (two int32 per record) into the segment arrays, at most
 * `limit` events. Returns the index of the first record not consumed (count in s.segN).
 */
function datSegment(words: Int32Array, i: number, count: number, limit: number, s: DatState): number {
  const bx = s.boundX;
  const by = s.boundY;
  const v1 = s.version === 1;
  const triggers = s.triggersOnly;
  let prevRaw = s.prevRaw;
  let epoch = s.epoch;
  let n = 0;
  let dropped = 0;
  for (; i < count; i++) {
    const raw = words[2 * i] >>> 0;
    if (raw < prevRaw && prevRaw - raw > HALF_WRAP) {
      epoch += WRAP;
      if (epoch > MAX_T) {
        s.overflowAt = i;
        i++;
        break;
      }
    }
    prevRaw = raw;
    const d = words[2 * i + 1];
    if (triggers) {
      if (s.triggers.length < s.triggerRoom) s.triggers.push({ t: epoch + raw, id: (d >>> 26) & 0x3f, value: d & 0xf });
      else s.droppedTriggers++;
      continue;
    }
    let x: number;
    let y: number;
    let p: number;
    if (v1) {
      x = d & 0x1ff;
      y = (d >>> 9) & 0xff;
      p = (d >>> 17) & 1;
    } else {
      x = d & 0x3fff;
      y = (d >>> 14) & 0x3fff;
      p = (d >>> 28) !== 0 ? 1 : 0;
    }
    if (x >= bx || y >= by) {
      dropped++;
      continue;
    }
    ST[n] = epoch + raw;
    SX[n] = x;
    SY[n] = y;
    SP[n] = p;
    if (++n === limit) {
      i++;
      break;
    }
  }
  s.prevRaw = prevRaw;
  s.epoch = epoch;
  s.segN = n;
  s.dropped += dropped;
  return i;
}

/** Incremental DAT writer (CD events, version 2 layout). */
export class DatEncoder implements EventEncoder {
  readonly format = 'dat' as const;
  private readonly geometry: SensorGeometry | null;
  private headerDone = false;
  /** Time of the previous event, -1 before the first. */
  private lastT = -1;
  private index = 0;

  constructor(opts: EncoderOptions = {}) {
    this.geometry = checkGeometry(FORMAT, opts.geometry);
  }

  push(batch: EventBatch): Uint8Array {
    const { t, x, y, p, length } = batch;
    const maxX = this.geometry ? Math.min(this.geometry.width, 0x4000) : 0x4000;
    const maxY = this.geometry ? Math.min(this.geometry.height, 0x4000) : 0x4000;
    let prev = this.lastT;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      const k = this.index + i;
      if (!Number.isSafeInteger(ti) || ti < 0) {
        throw new EncodeError(FORMAT, k, `time ${ti} is not a non-negative integer number of µs`);
      }
      if (ti < prev) throw new EncodeError(FORMAT, k, `time ${ti} is before the previous event's ${prev}`);
      // The reader unwraps the 32-bit counter only on drops larger than 2^31.
      if (prev < 0 ? ti >= WRAP : ti - prev >= HALF_WRAP) {
        throw new EncodeError(
          FORMAT,
          k,
          prev < 0
            ? `first time ${ti} µs does not fit the 32-bit DAT counter`
            : `time step ${ti - prev} µs is too large for the 32-bit DAT counter (max 2^31 - 1)`,
        );
      }
      prev = ti;
      if (!(x[i] < maxX)) throw new EncodeError(FORMAT, k, `x = ${x[i]} is outside 0..${maxX - 1}`);
      if (!(y[i] < maxY)) throw new EncodeError(FORMAT, k, `y = ${y[i]} is outside 0..${maxY - 1}`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, k, `polarity ${p[i]} is not 0 or 1`);
    }
    const head = this.headerBytes();
    const out = new Uint8Array(head.length + length * RECORD_BYTES);
    out.set(head, 0);
    const dv = new DataView(out.buffer, head.length, length * RECORD_BYTES);
    for (let i = 0; i < length; i++) {
      dv.setUint32(i * 8, t[i] % WRAP, true);
      dv.setUint32(i * 8 + 4, ((p[i] << 28) | (y[i] << 14) | x[i]) >>> 0, true);
    }
    this.lastT = prev;
    this.index += length;
    return out;
  }

  end(): Uint8Array {
    return this.headerBytes();
  }

  private headerBytes(): Uint8Array {
    if (this.headerDone) return new Uint8Array(0);
    this.headerDone = true;
    const lines: [string, string][] = [
      ['Data file containing', 'CD events'],
      ['Version', '2'],
    ];
    if (this.geometry) {
      lines.push(['Width', String(this.geometry.width)]);
      lines.push(['Height', String(this.geometry.height)]);
    }
    const text = encodeRawHeader(lines);
    const out = new Uint8Array(text.length + 2);
    out.set(text);
    out[text.length] = TYPE_EVENT_CD;
    out[text.length + 1] = RECORD_BYTES;
    return out;
  }
}

/** Encode a whole batch as a DAT file. */
export function encodeDat(batch: EventBatch, opts: EncoderOptions = {}): Uint8Array {
  const enc = new DatEncoder(opts);
  const body = enc.push(batch);
  const tail = enc.end();
  if (tail.length === 0) return body;
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

export const datFormat: FormatInfo = {
  id: 'dat',
  description: 'Prophesee DAT (8-byte decoded CD / trigger records, e.g. N-CARS)',
  extensions: ['.dat'],
  sniff(head: Uint8Array): boolean {
    return sniffRawHeader(head)?.encoding === 'dat';
  },
  createDecoder(opts?: PropheseeDecoderOptions) {
    return new DatDecoder(opts);
  },
  createEncoder(opts?: EncoderOptions) {
    return new DatEncoder(opts);
  },
};
