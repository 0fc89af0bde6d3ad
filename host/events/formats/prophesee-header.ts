/**
 * Prophesee ASCII headers (RAW containers for EVT 2.0 / 3.0, and DAT files) and the streaming
 * plumbing shared by the three Prophesee decoders (evt2.ts, evt3.ts, dat.ts).
 *
 * Header (../shared/reference/event-formats.md, sections 1.4 and 1.8): lines `% key value\n` at the
 * very start of the file. The header ends at the first line that does not start with `%` (the
 * byte after the last header newline is the first data byte; nothing is word-aligned), or right
 * after an optional `% end` line. A file made only of header lines is a valid empty recording.
 *
 * Geometry, in this order:
 *   1. the caller's `DecoderOptions.geometry` (it also bounds the coordinates);
 *   2. `% geometry WxH`, else the `height=`/`width=` options of `% format EVT3;height=..;width=..`,
 *      else (DAT) `% Width` + `% Height`;
 *   3. inferred from `% system_ID` (21 -> 640x480 Gen3 VGA; 48/49 -> 1280x720 Gen4.1 / IMX636) or
 *      from `% plugin_name` (contains "gen3" -> 640x480; "gen4" or "imx636" -> 1280x720), because
 *      the 2020-era RAW files carry no geometry at all;
 *   4. otherwise null.
 * Malformed geometry or format lines (non-numeric, zero, above 65536) are a DecodeError at the
 * line's offset: they would change how every following event is read.
 *
 * Streaming rules shared by the decoders (see PropheseeDecoderBase):
 *   - every piece of state is incremental: the header may be split anywhere, and data words /
 *     records may straddle chunks;
 *   - `push` returns at most `maxBatch` events (default 65536). When it returns exactly
 *     `maxBatch` events the rest of the input stays queued inside the decoder (copied, so the
 *     caller may reuse its chunk buffer); call `push(new Uint8Array(0))` until a batch shorter
 *     than `maxBatch` comes back to drain it. A batch shorter than `maxBatch` means every complete
 *     word pushed so far has been decoded. `end()` drains whatever is still queued;
 *   - batches are freshly allocated and owned by the caller (exactly `length` long), unless the
 *     decoder was created with `reuseBuffers: true`, in which case they are views of the
 *     decoder's preallocated arrays, valid only until the next push/end call (zero copy);
 *   - a DecodeError carries the absolute byte offset of the offending header line, word or
 *     record; afterwards the decoder refuses further input.
 */
import { DecodeError, UsageError } from '../../errors.js';
import { concatBatches, type EventBatch, type SensorGeometry } from '../types.js';
import type {
  DecodedHeader,
  DecoderOptions,
  EventDecoder,
  FormatId,
  SideChannels,
  TriggerEvent,
} from './format.js';

/** A header longer than this is rejected (real ones are well under 1 KB). */
export const MAX_HEADER_BYTES = 1 << 20;
/** Default (and the contract's) largest batch handed out by one push. */
export const DEFAULT_MAX_BATCH = 65536;
/** Upper bound accepted for `maxBatch`. */
export const MAX_MAX_BATCH = 1 << 24;
/** Triggers kept for takeSideChannels() before newer ones are dropped (counted). */
export const MAX_PENDING_TRIGGERS = 1 << 20;
/** Geometry values above this are refused (coordinates are stored as uint16). */
export const MAX_DIMENSION = 65536;

const PERCENT = 0x25;
/** Header bytes are ASCII in practice; anything else decodes with replacement characters. */
const HEADER_TEXT = new TextDecoder('utf-8');
const NEWLINE = 0x0a;

/** Known sensors, used when an old header has no geometry (event-formats.md 1.4 and 5). */
const GEN3_VGA: SensorGeometry = Object.freeze({ width: 640, height: 480 });
const GEN4_HD: SensorGeometry = Object.freeze({ width: 1280, height: 720 });

/** True on little-endian hosts, where typed-array views read the files' words directly. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One `% key value` line of a header. */
export interface RawHeaderLine {
  /** Absolute byte offset of the line's `%`. */
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

/** What the header says about the data that follows. */
export interface RawHeaderInfo {
  readonly lines: readonly RawHeaderLine[];
  /** Key/value pairs as written (a repeated key keeps its last value). */
  readonly fields: Readonly<Record<string, string>>;
  /**
   * The encoding the header declares: 'evt2', 'evt21', 'evt3', 'dat' (a DAT `Data file
   * containing` line without any EVT declaration), another string as written, or null.
   */
  readonly encoding: string | null;
  /** Offset of the line that declared `encoding` (0 when none). */
  readonly encodingOffset: number;
  /** Geometry written in the header itself (geometry / format / Width+Height), or null. */
  readonly explicitGeometry: SensorGeometry | null;
  /** Geometry inferred from system_ID / plugin_name, or null. */
  readonly inferredGeometry: SensorGeometry | null;
}

/**
 * Incremental reader of the `%` header. Feed it chunks until `done`; `dataOffset` is then the
 * absolute offset of the first byte after the header.
 */
export class RawHeaderReader {
  done = false;
  dataOffset = 0;
  readonly lines: RawHeaderLine[] = [];
  private buf = new Uint8Array(128);
  private len = 0;
  private inLine = false;
  private lineOffset = 0;

  constructor(
    private readonly format: string,
    private readonly source?: string,
  ) {}

  /**
   * Consume header bytes of `chunk` from `pos` (chunk[0] is at absolute offset `chunkAbs`).
   * Returns the index of the first byte not consumed (the first data byte once `done`).
   */
  feed(chunk: Uint8Array, pos: number, chunkAbs: number): number {
    const len = chunk.length;
    while (pos < len && !this.done) {
      if (!this.inLine) {
        if (chunk[pos] !== PERCENT) {
          this.done = true;
          this.dataOffset = chunkAbs + pos;
          return pos;
        }
        this.inLine = true;
        this.lineOffset = chunkAbs + pos;
        this.len = 0;
      }
      const nl = chunk.indexOf(NEWLINE, pos);
      const stop = nl < 0 ? len : nl;
      this.append(chunk, pos, stop);
      if (nl < 0) return len;
      pos = nl + 1;
      this.inLine = false;
      if (this.finishLine()) {
        this.done = true;
        this.dataOffset = chunkAbs + pos;
      }
    }
    return pos;
  }

  /** End of stream reached inside the header: the last line may lack its newline. */
  finish(endAbs: number): void {
    if (this.done) return;
    if (this.inLine) {
      this.inLine = false;
      this.finishLine();
    }
    this.done = true;
    this.dataOffset = endAbs;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (this.lineOffset + this.len + n > MAX_HEADER_BYTES) {
      throw new DecodeError(
        this.format,
        this.lineOffset,
        `header longer than ${MAX_HEADER_BYTES} bytes (no end of header found)`,
        this.source,
      );
    }
    if (this.len + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(from, to), this.len);
    this.len += n;
  }

  /** Store the finished line; returns true for the `% end` terminator. */
  private finishLine(): boolean {
    let end = this.len;
    if (end > 0 && this.buf[end - 1] === 0x0d) end--;
    const text = HEADER_TEXT.decode(this.buf.subarray(1, end)).trim();
    this.len = 0;
    if (text.length === 0) return false;
    let key: string;
    let value: string;
    const dataPrefix = /^data file containing\b/i.exec(text);
    if (dataPrefix) {
      key = text.slice(0, dataPrefix[0].length);
      value = text.slice(dataPrefix[0].length).trim();
    } else {
      const sp = text.search(/\s/);
      key = sp < 0 ? text : text.slice(0, sp);
      value = sp < 0 ? '' : text.slice(sp + 1).trim();
    }
    this.lines.push({ offset: this.lineOffset, key, value });
    return key.toLowerCase() === 'end' && value === '';
  }
}

function dimension(
  s: string | undefined,
  what: string,
  format: string,
  offset: number,
  source?: string,
): number {
  const v = s !== undefined && /^\s*\d{1,9}\s*$/.test(s) ? Number(s) : NaN;
  if (!(v >= 1 && v <= MAX_DIMENSION)) {
    throw new DecodeError(
      format,
      offset,
      `header ${what} ${JSON.stringify(s ?? '')} is not an integer in 1..${MAX_DIMENSION}`,
      source,
    );
  }
  return v;
}

/** Geometry a known sensor implies (system_ID first, then plugin name), or null. */
export function inferPropheseeGeometry(
  systemId: string | undefined,
  pluginName: string | undefined,
): SensorGeometry | null {
  const id = systemId !== undefined && /^\s*\d+\s*$/.test(systemId) ? Number(systemId) : -1;
  if (id === 21) return GEN3_VGA;
  if (id === 48 || id === 49) return GEN4_HD;
  const plugin = (pluginName ?? '').toLowerCase();
  if (plugin.includes('gen3')) return GEN3_VGA;
  if (plugin.includes('gen4') || plugin.includes('imx636')) return GEN4_HD;
  return null;
}

/** Interpret header lines (throws DecodeError for malformed geometry / format lines). */
export function interpretRawHeader(
  lines: readonly RawHeaderLine[],
  format: string,
  source?: string,
): RawHeaderInfo {
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  const byKey = new Map<string, RawHeaderLine>();
  for (const l of lines) {
    fields[l.key] = l.value;
    byKey.set(l.key.toLowerCase(), l);
  }
  let encoding: string | null = null;
  let encodingOffset = 0;
  let explicit: SensorGeometry | null = null;

  const fmt = byKey.get('format');
  let fmtWidth: string | undefined;
  let fmtHeight: string | undefined;
  if (fmt) {
    const parts = fmt.value.split(';');
    const name = parts[0].trim().toLowerCase();
    encoding = name === 'evt2' ? 'evt2' : name === 'evt3' ? 'evt3' : name === 'evt21' ? 'evt21' : name;
    encodingOffset = fmt.offset;
    for (const p of parts.slice(1)) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      if (k === 'width') fmtWidth = p.slice(eq + 1);
      else if (k === 'height') fmtHeight = p.slice(eq + 1);
    }
  }
  const evt = byKey.get('evt');
  if (evt && encoding === null) {
    const v = evt.value.trim();
    encoding = v === '2.0' ? 'evt2' : v === '3.0' ? 'evt3' : v === '2.1' ? 'evt21' : `evt ${v}`;
    encodingOffset = evt.offset;
  }
  const data = byKey.get('data file containing');
  if (data && encoding === null) {
    encoding = 'dat';
    encodingOffset = data.offset;
  }

  const geo = byKey.get('geometry');
  if (geo) {
    const m = /^\s*(\S+?)\s*x\s*(\S+)\s*$/i.exec(geo.value);
    explicit = {
      width: dimension(m?.[1], 'geometry width', format, geo.offset, source),
      height: dimension(m?.[2], 'geometry height', format, geo.offset, source),
    };
  } else if (fmt && (fmtWidth !== undefined || fmtHeight !== undefined)) {
    explicit = {
      width: dimension(fmtWidth, 'format width', format, fmt.offset, source),
      height: dimension(fmtHeight, 'format height', format, fmt.offset, source),
    };
  } else {
    const w = byKey.get('width');
    const h = byKey.get('height');
    if (w && h) {
      explicit = {
        width: dimension(w.value, 'Width', format, w.offset, source),
        height: dimension(h.value, 'Height', format, h.offset, source),
      };
    } else if (w || h) {
      // Validate a lone value anyway so absurd numbers are reported, then ignore it.
      const l = (w ?? h) as RawHeaderLine;
      dimension(l.value, l.key, format, l.offset, source);
    }
  }
  const inferred = inferPropheseeGeometry(
    byKey.get('system_id')?.value,
    byKey.get('plugin_name')?.value,
  );
  return {
    lines,
    fields: Object.freeze(fields),
    encoding,
    encodingOffset,
    explicitGeometry: explicit,
    inferredGeometry: inferred,
  };
}

/** Parse the complete header lines found in `head` (for sniffing); never throws. */
export function sniffRawHeader(head: Uint8Array): RawHeaderInfo | null {
  if (head.length === 0 || head[0] !== PERCENT) return null;
  const reader = new RawHeaderReader('sniff');
  try {
    const nl = head.lastIndexOf(NEWLINE);
    if (nl < 0) return null;
    reader.feed(head.subarray(0, nl + 1), 0, 0);
    return interpretRawHeaderLenient(reader.lines);
  } catch {
    return null;
  }
}

function interpretRawHeaderLenient(lines: readonly RawHeaderLine[]): RawHeaderInfo | null {
  try {
    return interpretRawHeader(lines, 'sniff');
  } catch {
    // Bad geometry: still report the declared encoding.
    return interpretRawHeader(
      lines.filter((l) => !/^(geometry|width|height)$/i.test(l.key)).map((l) =>
        l.key.toLowerCase() === 'format' ? { ...l, value: l.value.split(';')[0] } : l,
      ),
      'sniff',
    );
  }
}

/** Bytes of a header made of the given `% key value` lines. */
export function encodeRawHeader(lines: readonly (readonly [string, string])[]): Uint8Array {
  const text = lines.map(([k, v]) => (v === '' ? `% ${k}\n` : `% ${k} ${v}\n`)).join('');
  return new TextEncoder().encode(text);
}

/** Validates a caller-provided geometry. */
export function checkGeometry(format: string, g: SensorGeometry | undefined): SensorGeometry | null {
  if (g === undefined) return null;
  for (const [k, v] of [
    ['width', g.width],
    ['height', g.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_DIMENSION) {
      throw new UsageError(`${format}: geometry ${k} must be an integer in 1..${MAX_DIMENSION}, got ${String(v)}`);
    }
  }
  return { width: g.width, height: g.height };
}

/** Options of the Prophesee decoders (the contract's plus a zero-copy switch). */
export interface PropheseeDecoderOptions extends DecoderOptions {
  /**
   * Hand out views of the decoder's preallocated arrays instead of fresh copies. Faster, but a
   * batch is only valid until the next push()/end() call. Default false.
   */
  readonly reuseBuffers?: boolean;
}

const EMPTY_BYTES = new Uint8Array(0);

/** Events per decoding segment (see SegmentArrays). */
export const SEGMENT_EVENTS = 16384;

/**
 * Module-level arrays a format decodes into before the events are copied to a batch. V8 folds
 * the base and length of module-level constant typed arrays into the compiled loop, which makes
 * the decoding loops about 1.7x faster than writing through fields or parameters. Decoding is
 * synchronous, so one set per format module is shared by all its decoders.
 */
export interface SegmentArrays {
  readonly t: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

/**
 * A caller-owned copy of the first n events: one ArrayBuffer holding t, then x, y and p (one
 * allocation instead of four; t stays 8-byte aligned).
 */
function ownedBatch(
  t: Float64Array,
  x: Uint16Array,
  y: Uint16Array,
  p: Uint8Array,
  n: number,
): EventBatch {
  const buf = new ArrayBuffer(n * 13);
  const ot = new Float64Array(buf, 0, n);
  const ox = new Uint16Array(buf, n * 8, n);
  const oy = new Uint16Array(buf, n * 10, n);
  const op = new Uint8Array(buf, n * 12, n);
  ot.set(t.subarray(0, n));
  ox.set(x.subarray(0, n));
  oy.set(y.subarray(0, n));
  op.set(p.subarray(0, n));
  return { length: n, t: ot, x: ox, y: oy, p: op };
}

function emptyBatch(): EventBatch {
  return {
    length: 0,
    t: new Float64Array(0),
    x: new Uint16Array(0),
    y: new Uint16Array(0),
    p: new Uint8Array(0),
  };
}

/**
 * Streaming skeleton of the Prophesee decoders: header, optional preamble bytes (DAT's type and
 * size), a queue of undecoded bytes, the output arrays and the error state. Subclasses decode
 * whole units (words / records) in `decodeUnits`.
 */
export abstract class PropheseeDecoderBase implements EventDecoder {
  abstract readonly format: FormatId;
  /** Events discarded: before the first time base, or outside the geometry. */
  droppedEvents = 0;
  /** Words skipped because their type is unknown, reserved or a vendor extension. */
  skippedWords = 0;
  /**
   * Triggers dropped: before the first time base, or because takeSideChannels() was not called
   * while MAX_PENDING_TRIGGERS were waiting.
   */
  droppedTriggers = 0;

  protected readonly source: string | undefined;
  protected readonly maxBatch: number;
  protected readonly callerGeometry: SensorGeometry | null;
  /** Effective geometry (caller's, else header's, else inferred), once the header is read. */
  protected geometry: SensorGeometry | null = null;
  /** Events in the batch being built; decodeUnits must stop when it reaches `maxBatch`. */
  protected n = 0;
  protected triggers: TriggerEvent[] = [];
  /** Staging arrays of the batch being built (grown up to maxBatch). */
  private ot: Float64Array = new Float64Array(0);
  private ox: Uint16Array = new Uint16Array(0);
  private oy: Uint16Array = new Uint16Array(0);
  private op: Uint8Array = new Uint8Array(0);
  /** Events held in the caller's segment arrays, not yet copied to the staging arrays. */
  private held: SegmentArrays | null = null;
  private heldCount = 0;

  private readonly reuse: boolean;
  private readonly reader: RawHeaderReader;
  private decoded: DecodedHeader | null = null;
  private readonly pre = new Uint8Array(8);
  private preLen = 0;
  private preAbs = 0;
  /** Undecoded data bytes q[qStart..qEnd), q[qStart] at absolute offset qAbs. */
  private q: Uint8Array = EMPTY_BYTES;
  private qStart = 0;
  private qEnd = 0;
  private qAbs = 0;
  /** Reused buffer where a queue and a new chunk are joined (and misaligned chunks copied). */
  private scratch: Uint8Array = EMPTY_BYTES;
  private pushed = 0;
  private ended = false;
  private failure: DecodeError | null = null;

  constructor(formatName: string, opts: PropheseeDecoderOptions = {}) {
    this.source = opts.source;
    const mb = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(mb) || mb < 1 || mb > MAX_MAX_BATCH) {
      throw new UsageError(`${formatName}: maxBatch must be an integer in 1..${MAX_MAX_BATCH}, got ${String(mb)}`);
    }
    this.maxBatch = mb;
    this.reuse = opts.reuseBuffers === true;
    this.callerGeometry = checkGeometry(formatName, opts.geometry);
    this.reader = new RawHeaderReader(formatName, opts.source);
  }

  /** Bytes per decoded unit (word or record). */
  protected abstract unitBytes(): number;
  /** Bytes between the header and the first unit (DAT: type and size). */
  protected preambleBytes(): number {
    return 0;
  }
  /** Checks the header, sets up decoding; returns the geometry to report. */
  protected abstract onHeader(info: RawHeaderInfo): SensorGeometry | null;
  /** Receives the preamble bytes (at absolute offset `abs`). */
  protected onPreamble(_bytes: Uint8Array, _abs: number): void {}
  /**
   * Decode whole units buf[pos..end) (buf[pos] at absolute offset `abs`; `end - pos` is a
   * multiple of unitBytes and buf.byteOffset + pos is aligned to unitBytes), handing the events
   * over with beginSegment()/endSegment(); stop as soon as this.n reaches this.maxBatch.
   * Returns the position reached.
   */
  protected abstract decodeUnits(buf: Uint8Array, pos: number, end: number, abs: number): number;

  get bytesConsumed(): number {
    return this.pushed;
  }

  /** Absolute offset of the first data word / record (after header and preamble), once known. */
  get dataOffset(): number | null {
    if (!this.reader.done) return null;
    return this.reader.dataOffset + this.preambleBytes();
  }

  header(): DecodedHeader | null {
    return this.decoded;
  }

  takeSideChannels(): SideChannels {
    const triggers = this.triggers;
    this.triggers = [];
    return { imu: [], triggers, frames: [] };
  }

  push(chunk: Uint8Array): EventBatch {
    if (this.failure) throw this.failure;
    if (this.ended) throw new UsageError(`${this.format}: push() after end()`);
    const abs = this.pushed;
    this.pushed += chunk.length;
    try {
      let pos = 0;
      if (!this.reader.done) {
        pos = this.reader.feed(chunk, 0, abs);
        if (!this.reader.done) return emptyBatch();
        this.completeHeader();
      }
      const preNeed = this.preambleBytes();
      if (this.preLen < preNeed) {
        while (this.preLen < preNeed && pos < chunk.length) this.pre[this.preLen++] = chunk[pos++];
        if (this.preLen < preNeed) return emptyBatch();
        this.onPreamble(this.pre.subarray(0, preNeed), this.preAbs);
      }
      return this.decodeData(chunk, pos, abs + pos);
    } catch (e) {
      if (e instanceof DecodeError) this.failure = e;
      throw e;
    }
  }

  end(): EventBatch {
    if (this.failure) throw this.failure;
    if (this.ended) throw new UsageError(`${this.format}: end() called twice`);
    this.ended = true;
    try {
      if (!this.reader.done) {
        this.reader.finish(this.pushed);
        this.completeHeader();
      }
      const preNeed = this.preambleBytes();
      if (this.preLen < preNeed) {
        if (this.preLen > 0) {
          throw new DecodeError(
            this.format,
            this.preAbs,
            `truncated: ${this.preLen} of the ${preNeed} bytes after the header`,
            this.source,
          );
        }
        return emptyBatch();
      }
      const parts: EventBatch[] = [];
      for (;;) {
        const b = this.decodeData(EMPTY_BYTES, 0, this.pushed);
        if (b.length > 0) parts.push(this.reuse ? concatBatches([b]) : b);
        if (b.length < this.maxBatch) break;
      }
      const rest = this.qEnd - this.qStart;
      if (rest > 0) {
        throw new DecodeError(
          this.format,
          this.qAbs,
          `truncated ${this.unitName()}: ${rest} of ${this.unitBytes()} bytes before end of stream`,
          this.source,
        );
      }
      return parts.length === 0 ? emptyBatch() : parts.length === 1 ? parts[0] : concatBatches(parts);
    } catch (e) {
      if (e instanceof DecodeError) this.failure = e;
      throw e;
    }
  }

  protected unitName(): string {
    return 'word';
  }

  protected fail(offset: number, reason: string): never {
    throw new DecodeError(this.format, offset, reason, this.source);
  }

  /** Room left for triggers before takeSideChannels() must be called. */
  protected triggerRoom(): number {
    return MAX_PENDING_TRIGGERS - this.triggers.length;
  }

  /** Append triggers collected by a segment (which respected triggerRoom()). */
  protected addTriggers(list: TriggerEvent[]): void {
    for (const tr of list) this.triggers.push(tr);
  }

  /** Int32 view of whole units (little-endian words); copies on big-endian hosts. */
  protected int32View(buf: Uint8Array, pos: number, count: number): Int32Array {
    if (HOST_LITTLE_ENDIAN) return new Int32Array(buf.buffer, buf.byteOffset + pos, count);
    const out = new Int32Array(count);
    const dv = new DataView(buf.buffer, buf.byteOffset + pos, count * 4);
    for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
    return out;
  }

  /** Uint16 view of little-endian 16-bit words; copies on big-endian hosts. */
  protected uint16View(buf: Uint8Array, pos: number, count: number): Uint16Array {
    if (HOST_LITTLE_ENDIAN) return new Uint16Array(buf.buffer, buf.byteOffset + pos, count);
    const out = new Uint16Array(count);
    const dv = new DataView(buf.buffer, buf.byteOffset + pos, count * 2);
    for (let i = 0; i < count; i++) out[i] = dv.getUint16(i * 2, true);
    return out;
  }

  private completeHeader(): void {
    const info = interpretRawHeader(this.reader.lines, this.format, this.source);
    const reported = this.onHeader(info);
    this.decoded = Object.freeze({ format: this.format, geometry: reported, fields: info.fields });
    this.preAbs = this.reader.dataOffset;
  }

  /** Resolve the effective geometry (caller, header, inferred) and remember it. */
  protected resolveGeometry(info: RawHeaderInfo): SensorGeometry | null {
    this.geometry = this.callerGeometry ?? info.explicitGeometry ?? info.inferredGeometry;
    return this.geometry;
  }

  /** RAW (EVT 2.0 / 3.0) headers: refuse one that declares another encoding, then resolve geometry. */
  protected resolveRawHeader(info: RawHeaderInfo, expected: 'evt2' | 'evt3', label: string): SensorGeometry | null {
    if (info.encoding !== null && info.encoding !== expected) {
      this.fail(
        info.encodingOffset,
        `header declares ${info.encoding === 'dat' ? 'a DAT file' : info.encoding}, not ${label}`,
      );
    }
    return this.resolveGeometry(info);
  }

  /**
   * Call before decoding into module-level segment arrays: copies a previously held segment
   * (which lives in those same arrays) to the staging arrays.
   */
  protected beginSegment(): void {
    if (this.held !== null) {
      const h = this.held;
      const k = this.heldCount;
      this.held = null;
      this.stage(h, 0, k);
    }
  }

  /**
   * Hands over `k` events decoded into `seg` (module-level arrays shared by every decoder of the
   * format). The first segment of a fresh batch is only referenced; it is sliced out directly
   * when the batch ends up being that single segment.
   */
  protected endSegment(seg: SegmentArrays, k: number): void {
    if (k === 0) return;
    if (this.n === 0 && !this.reuse) {
      this.held = seg;
      this.heldCount = k;
    } else {
      this.stage(seg, this.n, k);
    }
    this.n += k;
  }

  private stage(seg: SegmentArrays, at: number, k: number): void {
    if (this.ot.length < at + k) {
      const cap = Math.min(this.maxBatch, Math.max(at + k, this.ot.length * 2, 1024));
      const t = new Float64Array(cap);
      const x = new Uint16Array(cap);
      const y = new Uint16Array(cap);
      const p = new Uint8Array(cap);
      if (at > 0) {
        t.set(this.ot.subarray(0, at));
        x.set(this.ox.subarray(0, at));
        y.set(this.oy.subarray(0, at));
        p.set(this.op.subarray(0, at));
      }
      this.ot = t;
      this.ox = x;
      this.oy = y;
      this.op = p;
    }
    this.ot.set(seg.t.subarray(0, k), at);
    this.ox.set(seg.x.subarray(0, k), at);
    this.oy.set(seg.y.subarray(0, k), at);
    this.op.set(seg.p.subarray(0, k), at);
  }

  private decodeData(chunk: Uint8Array, pos: number, abs: number): EventBatch {
    const unit = this.unitBytes();
    const qLen = this.qEnd - this.qStart;
    const cLen = chunk.length - pos;
    let buf: Uint8Array;
    let start: number;
    let end: number;
    let bufAbs: number;
    if (qLen === 0 && (chunk.byteOffset + pos) % unit === 0) {
      buf = chunk;
      start = pos;
      end = chunk.length;
      bufAbs = abs;
    } else if (cLen === 0) {
      buf = this.q;
      start = this.qStart;
      end = this.qEnd;
      bufAbs = this.qAbs;
    } else {
      const total = qLen + cLen;
      if (this.scratch.length < total) {
        this.scratch = new Uint8Array(Math.max(total, Math.min(this.scratch.length * 2, 1 << 26)));
      }
      buf = this.scratch;
      if (qLen > 0) buf.set(this.q.subarray(this.qStart, this.qEnd), 0);
      buf.set(chunk.subarray(pos), qLen);
      start = 0;
      end = total;
      bufAbs = qLen > 0 ? this.qAbs : abs;
    }
    const usable = start + (end - start - ((end - start) % unit));
    this.n = 0;
    this.held = null;
    const stop = this.decodeUnits(buf, start, usable, bufAbs);
    const rest = end - stop;
    const restAbs = bufAbs + (stop - start);
    if (rest === 0) {
      this.qStart = this.qEnd = 0;
    } else if (buf === this.q) {
      this.qStart = stop;
      this.qAbs = restAbs;
    } else if (buf === this.scratch && rest >= unit) {
      // Stopped early (full batch) inside the joined buffer: it becomes the queue, no copy.
      this.scratch = this.q;
      this.q = buf;
      this.qStart = stop;
      this.qEnd = end;
      this.qAbs = restAbs;
    } else {
      if (this.q.length < rest || this.q.length > 4 * rest + 64) this.q = new Uint8Array(rest);
      this.q.set(buf.subarray(stop, end), 0);
      this.qStart = 0;
      this.qEnd = rest;
      this.qAbs = restAbs;
    }
    const n = this.n;
    if (n === 0) return emptyBatch();
    if (this.reuse) return { length: n, t: this.ot, x: this.ox, y: this.oy, p: this.op };
    // (decodeUnits may have set `held`; re-read it without narrowing.)
    const h = this.held as SegmentArrays | null;
    this.held = null;
    return h !== null ? ownedBatch(h.t, h.x, h.y, h.p, n) : ownedBatch(this.ot, this.ox, this.oy, this.op, n);
  }
}
