/**
 * AEDAT 2.0 (jAER `.aedat`): DVS128 and DAVIS recordings.
 *
 * Layout (../shared/reference/event-formats.md, section 1.1):
 * - Header: ASCII lines starting with `#`, ending `\r\n` (jAER) or `\n`; the first is `#!AER-DAT2.0`.
 *   There is no end marker: the header ends at the first line that does not start with `#`. jAER
 *   dumps its whole preferences XML there, so headers of several hundred kilobytes are normal; we
 *   scan them line by line and keep only a few short lines (memory stays bounded). A first record
 *   whose address starts with byte 0x23 (`#`; a DAVIS event with y = 140..143) would pass for a
 *   header line, so a "line" holding a control byte other than tab/CR/LF also ends the header
 *   (header text never has one; binary records almost always do within their first bytes).
 * - Body: 8-byte records, BIG-endian: uint32 address, 32-bit timestamp in µs. The timestamp has no
 *   overflow marker; we read it unsigned and add 2^32 whenever it drops by more than 2^31 (a wrap),
 *   so times stay monotonic across the 71.6-minute wrap. Smaller backward steps (a jAER timestamp
 *   reset) are passed through as they are.
 *
 * The address layout depends on the camera, which the file names only in its header:
 * - DVS128: x = bits 1..7, y = bits 8..14, bit 0 = polarity with 0 meaning ON (jAER's extractor
 *   flips the type bit), bit 15 = external sync event. We also treat any address with bits 16..31
 *   set as not-a-pixel (a DVS128 address is 16 bits wide). Those records are "special".
 * - DAVIS: bit 31 = 0 for DVS, 1 for APS/IMU; bit 10 set with bit 31 clear = special (external
 *   input); y = bits 22..30, x = bits 12..21, polarity = bit 11 (1 = ON). `(a & 0x80000C00) ===
 *   0x80000C00` is an IMU word, any other word with bit 31 set is an APS (frame ADC) sample.
 * x and y are handed out exactly as stored (jAER and tonic flip axes on load; we do not).
 *
 * Camera detection, in this order (the first that answers wins, reported as `layoutSource`):
 *   1. `# AEChip: <class>`: a class name containing "DVS128"/"Tmpdiff128" → DVS128, "davis" → DAVIS;
 *   2. `# HardwareInterface: ...` containing "DVS128" or "DAVIS";
 *   3. a caller-given geometry: both sides ≤ 128 → DVS128, else DAVIS;
 *   4. the data: if none of the first 64 records has an address bit above bit 15 set, DVS128,
 *      else DAVIS (DAVIS addresses put y in bits 22..30, so almost every DAVIS record has one).
 *
 * DAVIS IMU samples arrive as 7 words sharing one timestamp; bits 28..30 say which reading
 * (0..2 accelerometer x/y/z, 3 temperature, 4..6 gyroscope x/y/z, the register order of the
 * InvenSense MPU-6x50 on the board) and bits 12..27 hold the signed 16-bit register value. We
 * assemble each complete, in-order group into an ImuSample (sensor axes as stored, no rotation to
 * camera axes) and count the words of incomplete groups. Scale factors come from the header's
 * jAER preferences (`ImuAccelScale` = `ImuAccelScaleG2/4/8/16`, `ImuGyroScale` =
 * `GyroFullScaleDegPerSec250/500/1000/2000`), else from the IMU configuration register dump
 * (`imu4_ACCEL_CONFIG`, `imu3_GYRO_CONFIG`, full-scale select in bits 3..4), else ±8 g and
 * ±1000 °/s (what the DAVIS240C recording here was made with); the LSB sizes are the datasheet's
 * (16384/8192/4096/2048 LSB per g; 131/65.5/32.8/16.4 LSB per °/s; temperature = raw / 340 + 36.53 °C).
 * APS words are counted, not assembled into frames (none of our recordings has any to check a frame
 * assembler against). Special events are surfaced as triggers: `id` = the raw 32-bit address,
 * `value` = 1.
 *
 * Batches: `push` hands out at most `maxBatch` events; input it could not get to is kept and
 * decoded by the next `push` (call `push(new Uint8Array(0))` until it returns an empty batch to
 * drain before `end()`). Memory stays bounded by the unread input plus one batch.
 *
 * This file also holds two small helpers shared by the AEDAT 3.1 and 4.0 decoders (ByteQueue,
 * BatchWriter).
 */
import { DecodeError, UsageError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';
import {
  emptySideChannels,
  type DecodedHeader,
  type DecoderOptions,
  type EventDecoder,
  type FormatInfo,
  type ImuSample,
  type SideChannels,
  type TriggerEvent,
} from './format.js';

// ---------------------------------------------------------------------------------------------
// Shared helpers (used by aedat3.ts and aedat4.ts too)
// ---------------------------------------------------------------------------------------------

/** @internal Default largest batch (DecoderOptions.maxBatch). */
export const DEFAULT_MAX_BATCH = 65536;

/** @internal Validated maxBatch option. */
export function maxBatchOption(opts: DecoderOptions | undefined, format: string): number {
  const m = opts?.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(m) || m <= 0 || m > 1 << 26) {
    throw new UsageError(`${format}: maxBatch must be an integer in 1..2^26, got ${String(m)}`);
  }
  return m;
}

/**
 * @internal A FIFO of bytes with amortised O(1) append (capacity doubles, consumed space is
 * reclaimed by compaction), so that a record or packet straddling many chunks costs linear time.
 */
export class ByteQueue {
  private buf = new Uint8Array(0);
  private start = 0;
  private stop = 0;

  get length(): number {
    return this.stop - this.start;
  }

  view(): Uint8Array {
    return this.buf.subarray(this.start, this.stop);
  }

  consume(n: number): void {
    this.start += n;
    if (this.start >= this.stop) {
      this.start = this.stop = 0;
      if (this.buf.length > 1 << 22) this.buf = new Uint8Array(0); // do not pin big buffers
    }
  }

  append(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this.stop + n > this.buf.length) {
      const live = this.stop - this.start;
      if (live + n <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.stop);
      } else {
        const next = new Uint8Array(Math.max(live + n, this.buf.length * 2, 4096));
        next.set(this.buf.subarray(this.start, this.stop));
        this.buf = next;
      }
      this.start = 0;
      this.stop = live;
    }
    this.buf.set(chunk, this.stop);
    this.stop += n;
  }
}

/**
 * @internal Output batch under construction: capacity grows by doubling up to `limit` events, so a
 * push that yields few events does not allocate a full-size batch. Each push gets a fresh one.
 */
export class BatchWriter {
  t: Float64Array;
  x: Uint16Array;
  y: Uint16Array;
  p: Uint8Array;
  n = 0;

  constructor(
    readonly limit: number,
    initial: number,
  ) {
    const a = allocBatch(Math.max(0, Math.min(limit, initial)));
    this.t = a.t;
    this.x = a.x;
    this.y = a.y;
    this.p = a.p;
  }

  /** Room left before the limit. */
  get room(): number {
    return this.limit - this.n;
  }

  /** Makes room for `k` more events (k ≤ room). */
  reserve(k: number): void {
    const need = this.n + k;
    if (need <= this.t.length) return;
    const cap = Math.min(this.limit, Math.max(need, this.t.length * 2, 256));
    const a = allocBatch(cap);
    a.t.set(this.t.subarray(0, this.n));
    a.x.set(this.x.subarray(0, this.n));
    a.y.set(this.y.subarray(0, this.n));
    a.p.set(this.p.subarray(0, this.n));
    this.t = a.t;
    this.x = a.x;
    this.y = a.y;
    this.p = a.p;
  }

  finish(): EventBatch {
    return makeBatch(this, this.n);
  }
}

const LATIN1 = new TextDecoder('latin1');

/** @internal Text of at most `max` bytes of `b` (header lines are ASCII; other bytes map 1:1-ish). */
export function asciiText(b: Uint8Array, max: number): string {
  return LATIN1.decode(b.length > max ? b.subarray(0, max) : b);
}

/** Text of src[a..b), one character per byte (for header bytes ≥ 0x80, rare). */
function bytesToText(src: Uint8Array, a: number, b: number): string {
  let s = '';
  for (let i = a; i < b; i += 4096) {
    s += String.fromCharCode.apply(null, src.subarray(i, Math.min(b, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** @internal True when `head` starts with the ASCII string `magic`. */
export function startsWithAscii(head: Uint8Array, magic: string): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic.charCodeAt(i)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// AEDAT 2.0
// ---------------------------------------------------------------------------------------------

const FORMAT = 'aedat2';
const MAGIC = '#!AER-DAT2.0';
const RECORD = 8;
const HASH = 0x23;
const LF = 0x0a;
/** Bytes of a header line kept for parsing (longer lines are scanned but not kept). */
const LINE_KEEP = 1024;
/** Bytes of src turned into text at once while scanning header lines. */
const TEXT_WINDOW = 1 << 20;
/** An incomplete header line longer than this is consumed without waiting for its end. */
const MAX_PENDING_LINE = 1 << 12;
/** Key/value header lines kept in `fields`. */
const MAX_FIELDS = 64;
/** Records looked at when the camera must be guessed from the data. */
const SNIFF_RECORDS = 64;
const TWO32 = 4294967296;

export type Aedat2Camera = 'DVS128' | 'DAVIS';

/** What the decoder saw, for `inspect` and tests. */
export interface Aedat2Stats {
  readonly headerLines: number;
  /** Byte offset of the first record (null while the header is being read). */
  readonly dataOffset: number | null;
  readonly camera: Aedat2Camera | null;
  /** Which hint chose the camera: 'AEChip', 'HardwareInterface', 'geometry' or 'data'. */
  readonly layoutSource: string | null;
  readonly records: number;
  readonly dvsEvents: number;
  readonly specialEvents: number;
  readonly imuWords: number;
  readonly apsWords: number;
  /** Complete 7-word IMU samples handed out. */
  readonly imuSamples: number;
  /** IMU words that did not end up in a complete sample. */
  readonly imuWordsDropped: number;
}

const enum State {
  Header,
  LayoutPending,
  Records,
}

/** jAER's full-scale names → LSB per unit (InvenSense MPU-6x50 datasheet). */
const ACCEL_LSB: Record<string, number> = { '2': 16384, '4': 8192, '8': 4096, '16': 2048 };
const GYRO_LSB: Record<string, number> = { '250': 131, '500': 65.5, '1000': 32.8, '2000': 16.4 };
const ACCEL_LSB_BY_FS = [16384, 8192, 4096, 2048];
const GYRO_LSB_BY_FS = [131, 65.5, 32.8, 16.4];

/** Sensor sizes by jAER chip class (checked in order; first match wins). */
const CHIP_GEOMETRY: readonly [RegExp, number, number][] = [
  [/dvs128|tmpdiff128/i, 128, 128],
  [/davis240|davis ?240/i, 240, 180],
  [/davis346/i, 346, 260],
  [/davis640/i, 640, 480],
  [/davis208/i, 208, 192],
  [/davis128/i, 128, 128],
];

export class Aedat2Decoder implements EventDecoder {
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

  // Header state.
  private state = State.Header;
  private lineCount = 0;
  /** Bytes of the current (incomplete) header line already scanned; the line stays queued. */
  private scanned = 0;
  /** An over-long header line being skipped piece by piece (it is text: no control bytes). */
  private longLine = false;
  private inPreferences = false;
  private fields: Record<string, string | number> = {};
  private fieldCount = 0;
  private chip: string | null = null;
  private hwInterface: string | null = null;
  private accelScaleName: string | null = null;
  private gyroScaleName: string | null = null;
  private accelConfig: number | null = null;
  private gyroConfig: number | null = null;
  private decoded: DecodedHeader | null = null;

  // Body state.
  private dataOffset: number | null = null;
  private camera: Aedat2Camera | null = null;
  private layoutSource: string | null = null;
  private lastRaw = -1;
  private wrapBase = 0;
  private accelLsb = 4096;
  private gyroLsb = 32.8;
  private imuNext = 0;
  private imuT = 0;
  private readonly imuRaw = new Int16Array(7);
  private side: SideChannels = emptySideChannels();
  private n = {
    records: 0,
    dvs: 0,
    special: 0,
    imuWords: 0,
    aps: 0,
    imuSamples: 0,
    imuDropped: 0,
  };

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

  get stats(): Aedat2Stats {
    return {
      headerLines: this.lineCount,
      dataOffset: this.dataOffset,
      camera: this.camera,
      layoutSource: this.layoutSource,
      records: this.n.records,
      dvsEvents: this.n.dvs,
      specialEvents: this.n.special,
      imuWords: this.n.imuWords,
      apsWords: this.n.aps,
      imuSamples: this.n.imuSamples,
      imuWordsDropped: this.n.imuDropped,
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
      if (this.total === 0) this.fail(0, `empty stream: no ${MAGIC} header`);
      // A header-only file; run(final) has taken a last line without a newline.
      this.finishHeader(this.total);
    }
    const rest = this.queue.length;
    if (rest > 0) {
      this.fail(
        this.total - rest,
        `truncated record: ${rest} of ${RECORD} bytes before end of stream`,
      );
    }
    if (this.imuNext !== 0) {
      this.n.imuDropped += this.imuNext;
      this.imuNext = 0;
    }
    return out;
  }

  /** Decodes from the queued bytes plus `chunk`; keeps what it did not reach. */
  private run(chunk: Uint8Array, final: boolean): EventBatch {
    let src: Uint8Array;
    const queued = this.queue.length > 0;
    if (queued) {
      this.queue.append(chunk);
      src = this.queue.view();
    } else {
      src = chunk;
    }
    const base = this.total - src.length; // absolute offset of src[0]
    const limit = final ? Number.MAX_SAFE_INTEGER : this.limit;
    let i = 0;
    if (this.state === State.Header) i = this.header_(src, 0, base, final);
    const out = new BatchWriter(limit, Math.min(this.limit, ((src.length - i) / RECORD) | 0));
    if (this.state === State.LayoutPending) {
      const avail = src.length - i;
      if (avail >= SNIFF_RECORDS * RECORD || final) {
        this.resolveLayoutFromData(src, i);
        this.state = State.Records;
      }
    }
    if (this.state === State.Records) i = this.records(src, i, base, out);
    if (queued) this.queue.consume(i);
    else if (i < src.length) this.queue.append(src.subarray(i));
    return out.finish();
  }

  /**
   * Scans header lines from src[i]; returns where it stopped. An incomplete line is left in the
   * queue (up to MAX_PENDING_LINE bytes) so that, if it turns out not to be text, the header can
   * end at its start: a first record whose address begins with byte 0x23 ('#') looks like a
   * header line, and jAER itself cannot tell them apart. We end the header at a "line" holding a
   * control byte other than tab and CR, which real header text does not contain and records
   * nearly always do (within a few records at most).
   */
  private header_(src: Uint8Array, i: number, base: number, final: boolean): number {
    const n = src.length;
    // A span of src known to hold no control byte, turned into text at once (one native decode
    // instead of one per line); its lines are header lines.
    let spanStart = -1;
    let spanEnd = -1;
    let stop: 'control' | 'window' | 'end' = 'end';
    let text = '';
    for (;;) {
      if (this.longLine) {
        const j = src.indexOf(LF, i);
        if (j < 0) return n;
        this.longLine = false;
        this.lineCount++;
        i = j + 1;
        continue;
      }
      if (i >= n) return i;
      if (src[i] !== HASH) {
        if (this.lineCount === 0) this.fail(base + i, `not an AEDAT 2.0 file: expected ${MAGIC}`);
        this.finishHeader(base + i);
        return i;
      }
      if (this.lineCount === 0) {
        // Check the magic as soon as its bytes arrive, so that garbage fails fast.
        for (let k = this.scanned; k < MAGIC.length && i + k < n; k++) {
          if (src[i + k] !== MAGIC.charCodeAt(k)) {
            this.fail(base + i + k, `not an AEDAT 2.0 file: expected the ${MAGIC} magic line`);
          }
        }
      }
      if (i >= spanEnd || (stop === 'window' && i > spanStart && text.indexOf('\n', i - spanStart) < 0)) {
        // Bytes before i + scanned were checked by an earlier push.
        const limit = Math.min(n, i + TEXT_WINDOW);
        let k = i + this.scanned;
        let high = -1; // first byte ≥ 0x80: the native decoder is fast only on ASCII
        for (; k < limit; k++) {
          const c = src[k];
          if (c < 0x20) {
            if (c !== 0x0a && c !== 0x0d && c !== 0x09) break;
          } else if (c >= 0x7f) {
            if (c === 0x7f) break;
            if (high < 0) high = k;
          }
        }
        spanStart = i;
        spanEnd = k;
        stop = k < limit ? 'control' : k < n ? 'window' : 'end';
        text =
          high < 0
            ? asciiText(src.subarray(i, k), Infinity)
            : asciiText(src.subarray(i, high), Infinity) + bytesToText(src, high, k);
      }
      const rel = i - spanStart;
      const nl = text.indexOf('\n', rel);
      if (nl >= 0) {
        this.scanned = 0;
        this.finishLine(text.slice(rel, Math.min(nl, rel + LINE_KEEP)), base + i);
        i = spanStart + nl + 1;
        continue;
      }
      // The line runs to the end of the span.
      if (stop === 'control') {
        if (this.lineCount === 0) this.fail(base + spanEnd, 'not an AEDAT 2.0 file: control byte in the first line');
        this.finishHeader(base + i);
        return i;
      }
      if (stop === 'window') {
        // Longer than the window: header text all the same; skip it without keeping it.
        this.scanned = 0;
        this.longLine = true;
        i = spanEnd;
        continue;
      }
      if (final) {
        this.scanned = 0;
        this.finishLine(text.slice(rel, rel + LINE_KEEP), base + i);
        return n;
      }
      this.scanned = n - i;
      if (this.scanned <= MAX_PENDING_LINE) return i; // wait for the rest of the line
      this.scanned = 0;
      this.longLine = true;
      return n;
    }
  }

  private finishLine(text: string, lineStart: number): void {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    this.lineCount++;
    if (this.lineCount === 1) {
      if (line.trimEnd() !== MAGIC) {
        this.fail(lineStart, `not an AEDAT 2.0 file: first line is '${line.slice(0, 40)}'`);
      }
      return;
    }
    if (line.includes('of Preferences')) {
      if (/^#\s*Start of Preferences/i.test(line)) this.inPreferences = true;
      else if (/^#\s*End of Preferences/i.test(line)) this.inPreferences = false;
      return;
    }
    if (this.inPreferences) {
      // Thousands of preference lines: look closer only at the IMU ones.
      if (!line.includes('mu')) return;
      const e = /<entry key="([^"]+)" value="([^"]*)"/.exec(line);
      if (!e) return;
      const [, key, value] = e;
      if (key === 'ImuAccelScale') this.accelScaleName = value;
      else if (key === 'ImuGyroScale') this.gyroScaleName = value;
      else if (/imu\d?_ACCEL_CONFIG$/.test(key)) this.accelConfig = Number(value);
      else if (/imu\d?_GYRO_CONFIG$/.test(key)) this.gyroConfig = Number(value);
      return;
    }
    const kv = /^#\s*([A-Za-z][A-Za-z _]{0,38}[A-Za-z])\s*:\s*(.*)$/.exec(line);
    if (kv) {
      const key = kv[1];
      const value = kv[2].trim();
      if (key === 'AEChip') this.chip = value;
      else if (key === 'HardwareInterface') this.hwInterface = value;
      if (key === 'Creation time' || key === 'DataStartTime') {
        const ms = /(\d{9,16})/.exec(value);
        if (ms) {
          this.setField(key === 'Creation time' ? 'creationTimeMs' : 'dataStartTimeMs', Number(ms[1]));
        }
      }
      this.setField(key, value);
      return;
    }
    const tick = /^#\s*Timestamps tick is\s*(.*)$/.exec(line);
    if (tick) this.setField('Timestamps tick', tick[1].trim());
    const created = /^#\s*created\s+(.*)$/.exec(line);
    if (created) this.setField('created', created[1].trim());
  }

  private setField(key: string, value: string | number): void {
    if (key in this.fields || this.fieldCount < MAX_FIELDS) {
      if (!(key in this.fields)) this.fieldCount++;
      this.fields[key] = value;
    }
  }

  private finishHeader(dataOffset: number): void {
    this.dataOffset = dataOffset;
    // Camera from header hints, else caller geometry, else (later) the data.
    const chip = this.chip ?? '';
    const hw = this.hwInterface ?? '';
    if (/dvs128|tmpdiff128/i.test(chip)) this.setCamera('DVS128', 'AEChip');
    else if (/davis/i.test(chip)) this.setCamera('DAVIS', 'AEChip');
    else if (/dvs128/i.test(hw)) this.setCamera('DVS128', 'HardwareInterface');
    else if (/davis/i.test(hw)) this.setCamera('DAVIS', 'HardwareInterface');
    else if (this.callerGeometry) {
      const g = this.callerGeometry;
      this.setCamera(g.width <= 128 && g.height <= 128 ? 'DVS128' : 'DAVIS', 'geometry');
    }
    // IMU scales.
    const a = /G(\d+)$/.exec(this.accelScaleName ?? '');
    const g = /(\d+)$/.exec(this.gyroScaleName ?? '');
    if (a && ACCEL_LSB[a[1]]) this.accelLsb = ACCEL_LSB[a[1]];
    else if (this.accelConfig !== null && Number.isInteger(this.accelConfig)) {
      this.accelLsb = ACCEL_LSB_BY_FS[(this.accelConfig >> 3) & 3];
    }
    if (g && GYRO_LSB[g[1]]) this.gyroLsb = GYRO_LSB[g[1]];
    else if (this.gyroConfig !== null && Number.isInteger(this.gyroConfig)) {
      this.gyroLsb = GYRO_LSB_BY_FS[(this.gyroConfig >> 3) & 3];
    }
    this.state = this.camera ? State.Records : State.LayoutPending;
    this.publishHeader();
  }

  private setCamera(c: Aedat2Camera, source: string): void {
    this.camera = c;
    this.layoutSource = source;
  }

  private publishHeader(): void {
    let geometry: SensorGeometry | null = this.callerGeometry ?? null;
    if (!geometry) {
      for (const [re, w, h] of CHIP_GEOMETRY) {
        if (re.test(this.chip ?? '') || (!this.chip && re.test(this.hwInterface ?? ''))) {
          geometry = { width: w, height: h };
          break;
        }
      }
    }
    if (!geometry && this.camera === 'DVS128') geometry = { width: 128, height: 128 };
    const fields: Record<string, string | number> = {
      ...this.fields,
      version: '2.0',
      headerLines: this.lineCount,
      dataOffset: this.dataOffset ?? 0,
      accelLsbPerG: this.accelLsb,
      gyroLsbPerDps: this.gyroLsb,
    };
    if (this.camera) {
      fields.camera = this.camera;
      fields.layoutSource = this.layoutSource ?? '';
    }
    this.decoded = { format: FORMAT, geometry, fields: Object.freeze(fields) };
  }

  private resolveLayoutFromData(src: Uint8Array, i: number): void {
    const records = Math.min(SNIFF_RECORDS, ((src.length - i) / RECORD) | 0);
    let high = false;
    for (let r = 0; r < records; r++) {
      const o = i + r * RECORD;
      if (src[o] !== 0 || src[o + 1] !== 0) {
        high = true;
        break;
      }
    }
    this.setCamera(high ? 'DAVIS' : 'DVS128', 'data');
    this.publishHeader();
  }

  /** Decodes whole records from src[i]; returns where it stopped. */
  private records(src: Uint8Array, i: number, base: number, out: BatchWriter): number {
    const count = ((src.length - i) / RECORD) | 0;
    const end = i + count * RECORD;
    const dvs128 = this.camera === 'DVS128';
    const width = this.width;
    const height = this.height;
    let room = out.room;
    let lastRaw = this.lastRaw;
    let wrapBase = this.wrapBase;
    let records = 0;
    const startN = out.n;
    for (; i < end; i += RECORD) {
      const a = ((src[i] << 24) | (src[i + 1] << 16) | (src[i + 2] << 8) | src[i + 3]) >>> 0;
      const raw =
        ((src[i + 4] << 24) | (src[i + 5] << 16) | (src[i + 6] << 8) | src[i + 7]) >>> 0;
      let x: number;
      let y: number;
      let p: number;
      if (dvs128) {
        if ((a & 0xffff8000) !== 0) {
          wrapBase = unwrap(raw, lastRaw, wrapBase);
          lastRaw = raw;
          this.special(a, wrapBase + raw);
          records++;
          continue;
        }
        x = (a >>> 1) & 0x7f;
        y = (a >>> 8) & 0x7f;
        p = 1 - (a & 1);
      } else if ((a & 0x80000000) !== 0) {
        wrapBase = unwrap(raw, lastRaw, wrapBase);
        lastRaw = raw;
        records++;
        if (((a & 0x80000c00) >>> 0) === 0x80000c00) this.imuWord(a, wrapBase + raw);
        else this.n.aps++;
        continue;
      } else if ((a & 0x400) !== 0) {
        wrapBase = unwrap(raw, lastRaw, wrapBase);
        lastRaw = raw;
        records++;
        this.special(a, wrapBase + raw);
        continue;
      } else {
        x = (a >>> 12) & 0x3ff;
        y = (a >>> 22) & 0x1ff;
        p = (a >>> 11) & 1;
      }
      // A DVS event: needs room in the batch.
      if (room === 0) break;
      if (x >= width || y >= height) {
        this.lastRaw = lastRaw;
        this.wrapBase = wrapBase;
        this.n.records += records;
        this.fail(base + i, `event at (${x}, ${y}) outside the ${width}x${height} sensor`);
      }
      wrapBase = unwrap(raw, lastRaw, wrapBase);
      lastRaw = raw;
      records++;
      if (out.n === out.t.length) out.reserve(Math.min(room, ((end - i) / RECORD) | 0));
      const k = out.n++;
      out.t[k] = wrapBase + raw;
      out.x[k] = x;
      out.y[k] = y;
      out.p[k] = p;
      room--;
    }
    this.n.dvs += out.n - startN;
    this.lastRaw = lastRaw;
    this.wrapBase = wrapBase;
    this.n.records += records;
    return i;
  }

  private special(a: number, t: number): void {
    this.n.special++;
    this.side.triggers.push({ t, id: a, value: 1 } satisfies TriggerEvent);
  }

  private imuWord(a: number, t: number): void {
    this.n.imuWords++;
    const code = (a >>> 28) & 7;
    const value = ((a >>> 12) << 16) >> 16; // signed 16 bits from bits 12..27
    if (code === 0) {
      this.n.imuDropped += this.imuNext; // an unfinished group is abandoned
      this.imuT = t;
      this.imuRaw[0] = value;
      this.imuNext = 1;
      return;
    }
    if (code !== this.imuNext || this.imuNext === 0) {
      this.n.imuDropped += this.imuNext + 1;
      this.imuNext = 0;
      return;
    }
    this.imuRaw[code] = value;
    this.imuNext++;
    if (this.imuNext === 7) {
      this.imuNext = 0;
      const r = this.imuRaw;
      const sample: ImuSample = {
        t: this.imuT,
        accel: [r[0] / this.accelLsb, r[1] / this.accelLsb, r[2] / this.accelLsb],
        temperature: r[3] / 340 + 36.53,
        gyro: [r[4] / this.gyroLsb, r[5] / this.gyroLsb, r[6] / this.gyroLsb],
      };
      this.side.imu.push(sample);
      this.n.imuSamples++;
    }
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

/** New wrap base after reading `raw` when the previous raw timestamp was `last` (-1: none). */
function unwrap(raw: number, last: number, base: number): number {
  return last >= 0 && raw < last && last - raw > 0x80000000 ? base + TWO32 : base;
}

export const aedat2Format: FormatInfo = {
  id: 'aedat2',
  description: 'AEDAT 2.0 (jAER): DVS128 and DAVIS recordings, big-endian 8-byte records',
  extensions: ['.aedat'],
  sniff: (head) => startsWithAscii(head, MAGIC),
  createDecoder: (opts) => new Aedat2Decoder(opts),
};
