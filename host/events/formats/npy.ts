/**
 * NumPy `.npy` event arrays (format versions 1.0, 2.0 and 3.0).
 *
 * Why this file exists: Python tools (tonic, expelliarmus, faery) hand events around as NumPy
 * structured arrays, and `.npy` is how they land on disk; reading and writing it lets neurite
 * exchange data with them without Python.
 *
 * Container: "\x93NUMPY", major, minor, header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0),
 * then an ASCII (3.0: UTF-8) Python dict literal with keys 'descr', 'fortran_order', 'shape',
 * padded with spaces and a newline, then the C-order array data.
 *
 * Layouts accepted (event-formats.md 1.11):
 * - Structured dtypes (tonic `[x,y,t,p]`, NCARS `[t,x,y,p]`, expelliarmus `[t <i8, x <i2, y <i2,
 *   p u1]`, faery `[t <u8, x <u2, y <u2, on ?]`, ...): fields in any order, each little- or big-
 *   endian, bool / int8..64 / uint8..64 / float16..64. Names (case-insensitive): time `t`, `ts`,
 *   `timestamp`; `x`; `y`; polarity `p`, `on`, `polarity`, `pol`. Other fields (numpy's `''`
 *   padding from aligned dtypes, labels, ...) are skipped. `t` is taken to be µs; `timedelta64`
 *   fields are converted from their unit. Any shape: the records are read in C order.
 * - Unstructured numeric arrays of shape (N, k) (tonic's preprocessed DVS Gesture is (N, 4) with
 *   columns x, y, p, t in ms): the column order is the `columns` option, a string of k letters from
 *   t, x, y, p and `_` (ignored column); default "txyp" (the CSV default order). `timeScaleUs`
 *   (µs per stored time unit, default 1) scales t for both layouts, e.g. 1000 for ms.
 * Values: x and y must be integers in 0..65535 (and inside `geometry` when given); polarity 1 is
 * ON, 0 or -1 is OFF (bools as usual), anything else is a DecodeError; t must be finite (64-bit
 * integers beyond 2^53 are refused, not rounded). `fortran_order` is refused for 2-D arrays.
 * The data must hold exactly prod(shape) records: a short or long body is a DecodeError.
 *
 * Writer: always `[('t','<i8'), ('x','<u2'), ('y','<u2'), ('p','|u1')]` (13-byte records), format
 * 1.0, header padded (like numpy's own writer) so the count can grow to 21 digits without moving
 * the data. Because the count comes first, the writer has two modes:
 * - 'buffer' (default, what `npyFormat.createEncoder` gives): a pure append-only stream; the
 *   records are kept in memory (13 bytes per event) and everything is returned by end().
 * - 'patch': push() streams header + records at once with a placeholder count of 0; after end(),
 *   `headerPatch()` returns the final header, of the same length, to be written at offset 0. This
 *   needs a seekable sink (a file); `neurite convert` uses it, so memory stays bounded.
 */
import { DecodeError, EncodeError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch } from '../types.js';
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

const FORMAT = 'npy';
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DEFAULT_MAX_BATCH = 65536;
/** Header text longer than this is refused (numpy's own limit for safe loading is 10 000). */
const MAX_HEADER_BYTES = 1 << 20;
/** Records larger than this are refused (the record buffer is allocated from the header). */
const MAX_ITEMSIZE = 1 << 16;

export interface NpyDecoderOptions extends DecoderOptions {
  /** Column order of unstructured (N, k) arrays: letters t, x, y, p, `_` (skip). Default "txyp". */
  readonly columns?: string;
  /** µs per stored time unit (default 1; 1000 for ms, 1e6 for s). */
  readonly timeScaleUs?: number;
}

// ---------------------------------------------------------------------------------------------
// Python literal parser (the subset numpy writes: dicts, lists, tuples, strings, ints, bools).

type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<string, PyValue>;

class LiteralParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parseAll(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new Error(`unexpected "${this.s.slice(this.i, this.i + 10)}" after the dict`);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private value(): PyValue {
    this.ws();
    if (++this.depth > 32) throw new Error('nesting too deep');
    try {
      const c = this.s[this.i];
      if (c === '{') return this.dict();
      if (c === '[') return this.seq(']');
      if (c === '(') return { tuple: this.seq(')') };
      if (c === "'" || c === '"') return this.str();
      const m = /^(True|False|None|[+-]?\d+L?)/.exec(this.s.slice(this.i, this.i + 32));
      if (!m) throw new Error(`unexpected "${this.s.slice(this.i, this.i + 10)}"`);
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
      return Number(m[0].replace('L', ''));
    } finally {
      this.depth--;
    }
  }

  private str(): string {
    const q = this.s[this.i++];
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === q) return out;
      if (c === '\\') {
        const e = this.s[this.i++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e ?? '';
      } else out += c;
    }
    throw new Error('unterminated string');
  }

  private seq(close: string): PyValue[] {
    this.i++;
    const items: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error(`expected "," or "${close}"`);
    }
  }

  private dict(): Map<string, PyValue> {
    this.i++;
    const m = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return m;
      }
      const k = this.value();
      if (typeof k !== 'string') throw new Error('dict keys must be strings');
      this.ws();
      if (this.s[this.i++] !== ':') throw new Error('expected ":"');
      m.set(k, this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Error('expected "," or "}"');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// dtypes

/** Reads one scalar at `off` of a DataView; returns NaN for values it cannot represent exactly. */
type Reader = (v: DataView, off: number) => number;

interface Scalar {
  readonly size: number;
  readonly read: Reader | null; // null for void padding / unsupported kinds that are only skipped
  readonly describe: string;
  /** Extra scale to µs for timedelta64 fields (1 otherwise). */
  readonly unitUs: number;
  readonly isTime: boolean;
}

const TIMEDELTA_US: Record<string, number> = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6, m: 6e7, h: 3.6e9 };

function int64Reader(little: boolean, signed: boolean): Reader {
  return (v, off) => {
    const lo = v.getUint32(off + (little ? 0 : 4), little);
    const hi = signed ? v.getInt32(off + (little ? 4 : 0), little) : v.getUint32(off + (little ? 4 : 0), little);
    // |value| < 2^53 exactly when hi is within ±2^21 (the low word adds < 2^32).
    if (hi >= 0x200000 || hi < -0x200000) return NaN;
    return hi * 4294967296 + lo;
  };
}

function half(v: DataView, off: number, little: boolean): number {
  const h = v.getUint16(off, little);
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function parseScalar(descr: string): Scalar {
  const m = /^([<>|=!]?)([biufmMVSUc?])(\d*)(?:\[(\w+)\])?$/.exec(descr);
  if (!m) throw new Error(`unsupported dtype "${descr}"`);
  const order = m[1];
  const kind = m[2] === '?' ? 'b' : m[2];
  const size = m[3] === '' ? (kind === 'b' ? 1 : NaN) : Number(m[3]);
  if (!Number.isInteger(size) || size < 0 || size > MAX_ITEMSIZE) throw new Error(`unsupported dtype "${descr}"`);
  const little = order !== '>' && order !== '!';
  const none = { size, read: null, describe: descr, unitUs: 1, isTime: false };
  switch (kind) {
    case 'b':
      if (size !== 1) return none;
      return { ...none, read: (v, o) => (v.getUint8(o) !== 0 ? 1 : 0) };
    case 'u':
      if (size === 1) return { ...none, read: (v, o) => v.getUint8(o) };
      if (size === 2) return { ...none, read: (v, o) => v.getUint16(o, little) };
      if (size === 4) return { ...none, read: (v, o) => v.getUint32(o, little) };
      if (size === 8) return { ...none, read: int64Reader(little, false) };
      return none;
    case 'i':
      if (size === 1) return { ...none, read: (v, o) => v.getInt8(o) };
      if (size === 2) return { ...none, read: (v, o) => v.getInt16(o, little) };
      if (size === 4) return { ...none, read: (v, o) => v.getInt32(o, little) };
      if (size === 8) return { ...none, read: int64Reader(little, true) };
      return none;
    case 'f':
      if (size === 2) return { ...none, read: (v, o) => half(v, o, little) };
      if (size === 4) return { ...none, read: (v, o) => v.getFloat32(o, little) };
      if (size === 8) return { ...none, read: (v, o) => v.getFloat64(o, little) };
      return none;
    case 'm': {
      const unit = m[4] === undefined ? undefined : TIMEDELTA_US[m[4]];
      if (size !== 8 || unit === undefined) return none;
      return { ...none, read: int64Reader(little, true), unitUs: unit, isTime: true };
    }
    default:
      return none; // V (padding), S, U, M, c: skipped if not one of our fields
  }
}

type Role = 't' | 'x' | 'y' | 'p';

const NAME_ROLE: Record<string, Role> = {
  t: 't',
  ts: 't',
  timestamp: 't',
  x: 'x',
  y: 'y',
  p: 'p',
  on: 'p',
  polarity: 'p',
  pol: 'p',
};

interface Field {
  readonly role: Role;
  readonly offset: number;
  readonly scalar: Scalar;
}

interface Layout {
  readonly itemsize: number;
  readonly count: number;
  readonly fields: readonly Field[]; // exactly one per role, in t, x, y, p order
  readonly describe: string;
}

function shapeOf(v: PyValue | undefined): number[] {
  if (!v || typeof v !== 'object' || !('tuple' in v)) throw new Error("'shape' must be a tuple");
  return v.tuple.map((d) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new Error("'shape' must hold non-negative integers");
    return d;
  });
}

/** Size in bytes of a (possibly nested) structured descr entry that we only skip. */
function skipSize(d: PyValue): number {
  if (typeof d === 'string') {
    const s = parseScalar(d);
    return s.size;
  }
  if (Array.isArray(d)) {
    let n = 0;
    for (const e of d) {
      if (!e || typeof e !== 'object' || !('tuple' in e) || e.tuple.length < 2) throw new Error('malformed structured descr');
      let k = skipSize(e.tuple[1]);
      if (e.tuple.length >= 3) for (const dim of shapeOf(e.tuple[2])) k *= dim;
      n += k;
    }
    return n;
  }
  throw new Error('malformed descr');
}

function layoutOf(header: Map<string, PyValue>, opts: NpyDecoderOptions): Layout {
  for (const k of ['descr', 'fortran_order', 'shape']) if (!header.has(k)) throw new Error(`header lacks '${k}'`);
  const descr = header.get('descr')!;
  const fortran = header.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new Error("'fortran_order' must be True or False");
  const shape = shapeOf(header.get('shape'));
  const scale = opts.timeScaleUs ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new Error(`timeScaleUs must be a positive number, got ${scale}`);
  if (Array.isArray(descr)) {
    // Structured.
    const fields: Field[] = [];
    const seen = new Set<Role>();
    let offset = 0;
    for (const e of descr) {
      if (!e || typeof e !== 'object' || !('tuple' in e) || e.tuple.length < 2) throw new Error('malformed structured descr');
      const [rawName, type] = e.tuple;
      // A name may be a (title, name) pair.
      const name = typeof rawName === 'string'
        ? rawName
        : rawName && typeof rawName === 'object' && 'tuple' in rawName && typeof rawName.tuple[1] === 'string'
          ? rawName.tuple[1]
          : '';
      const role = NAME_ROLE[name.toLowerCase()];
      if (role !== undefined && e.tuple.length === 2 && typeof type === 'string' && !seen.has(role)) {
        const scalar = parseScalar(type);
        if (scalar.read === null) throw new Error(`field '${name}' has unsupported dtype "${type}"`);
        fields.push({ role, offset, scalar });
        seen.add(role);
        offset += scalar.size;
      } else {
        let k = skipSize(type);
        if (e.tuple.length >= 3) for (const dim of shapeOf(e.tuple[2])) k *= dim;
        offset += k;
      }
      if (offset > MAX_ITEMSIZE) throw new Error(`records larger than ${MAX_ITEMSIZE} bytes are not supported`);
    }
    const missing = (['t', 'x', 'y', 'p'] as Role[]).filter((r) => !seen.has(r));
    if (missing.length > 0) {
      throw new Error(`structured dtype lacks field(s) ${missing.join(', ')} (names: t|ts|timestamp, x, y, p|on|polarity|pol)`);
    }
    fields.sort((a, b) => 'txyp'.indexOf(a.role) - 'txyp'.indexOf(b.role));
    if (shape.length > 1 && fortran) throw new Error('fortran_order (column-major) arrays are not supported');
    const count = shape.reduce((a, b) => a * b, 1);
    return {
      itemsize: offset,
      count,
      fields,
      describe: `structured [${fields.map((f) => `${f.role}:${f.scalar.describe}@${f.offset}`).join(', ')}] itemsize ${offset}`,
    };
  }
  if (typeof descr !== 'string') throw new Error("'descr' must be a string or a list of fields");
  const scalar = parseScalar(descr);
  if (scalar.read === null) throw new Error(`unsupported dtype "${descr}" for an unstructured event array`);
  const columns = (opts.columns ?? 'txyp').toLowerCase();
  if (!/^[txyp_]+$/.test(columns) || (['t', 'x', 'y', 'p'] as const).some((r) => columns.split(r).length !== 2)) {
    throw new Error(`columns "${opts.columns}" must name t, x, y and p once each (and _ for skipped columns)`);
  }
  if (shape.length !== 2 || shape[1] !== columns.length) {
    throw new Error(`an unstructured event array must have shape (N, ${columns.length}) for columns "${columns}", got (${shape.join(', ')})`);
  }
  if (fortran) throw new Error('fortran_order (column-major) arrays are not supported; save with np.ascontiguousarray');
  const fields: Field[] = (['t', 'x', 'y', 'p'] as const).map((role) => ({ role, offset: columns.indexOf(role) * scalar.size, scalar }));
  return {
    itemsize: scalar.size * columns.length,
    count: shape[0],
    fields,
    describe: `unstructured ${descr} (N, ${columns.length}) columns ${columns}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Decoder

type Arrays = ReturnType<typeof allocBatch>;

/** Incremental `.npy` event decoder (see the file comment for the accepted layouts). */
export class NpyDecoder implements EventDecoder {
  readonly format = 'npy' as const;
  private readonly opts: NpyDecoderOptions;
  private readonly source: string | undefined;
  private readonly maxBatch: number;
  private readonly width: number;
  private readonly height: number;
  private readonly timeScale: number;
  // Preamble: magic (6) + version (2) + length (2 or 4).
  private readonly pre = new Uint8Array(12);
  private preLength = 0;
  private headerBytes: Uint8Array | null = null;
  private headerFill = 0;
  private major = 0;
  private decoded: DecodedHeader | null = null;
  private layout: Layout | null = null;
  private tScale = 1;
  private dataStart = 0;
  private rec: Uint8Array = new Uint8Array(0);
  private recView: DataView = new DataView(new ArrayBuffer(0));
  private recFill = 0;
  private records = 0;
  // Input queue (see EsDecoder).
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queued = 0;
  private pos = 0;
  private pushed = 0;
  private failure: DecodeError | null = null;

  constructor(opts: NpyDecoderOptions = {}) {
    this.opts = opts;
    this.source = opts.source;
    const mb = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxBatch = Number.isInteger(mb) && mb > 0 ? mb : DEFAULT_MAX_BATCH;
    this.width = opts.geometry?.width ?? 65536;
    this.height = opts.geometry?.height ?? 65536;
    this.timeScale = opts.timeScaleUs ?? 1;
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
    if (this.layout === null) {
      this.fail(this.pos, this.pos === 0 ? 'empty file: no .npy header' : 'truncated .npy header');
    }
    const expected = this.layout.count;
    if (this.records < expected || this.recFill > 0) {
      this.fail(
        this.pos,
        `truncated data: ${this.records} complete records${this.recFill ? ` and ${this.recFill} bytes` : ''}, the header declares ${expected}`,
      );
    }
    return parts.length === 1 ? parts[0] : concatBatches(parts);
  }

  private drain(limit: number): EventBatch {
    const size = this.layout?.itemsize ?? 1;
    const cap = Math.min(limit, Math.floor((this.queued + this.recFill) / Math.max(1, size)) + 1);
    const out = allocBatch(cap);
    let n = 0;
    while (this.queue.length > 0) {
      const buf = this.queue[0];
      const start = this.queueHead;
      let i = start;
      if (this.layout === null) i = this.readHeader(buf, i);
      if (this.layout !== null && i < buf.length) {
        const r = this.runData(buf, i, out, n, cap);
        i = r.stop;
        n = r.count;
      }
      this.queued -= i - start;
      if (i >= buf.length) {
        this.queue.shift();
        this.queueHead = 0;
      } else {
        this.queueHead = i;
        break;
      }
    }
    return makeBatch(out, n);
  }

  private readHeader(buf: Uint8Array, i: number): number {
    const base = this.pos - i;
    // Fixed preamble.
    while (this.headerBytes === null && i < buf.length) {
      const k = this.preLength;
      const b = buf[i];
      if (k < 6 && b !== MAGIC[k]) this.fail(base + i, 'not a .npy file (expected the magic "\\x93NUMPY")');
      if (k === 6 && (b < 1 || b > 3)) this.fail(base + i, `unsupported .npy format version ${b}.x (1.0, 2.0 and 3.0 are read)`);
      this.pre[k] = b;
      this.preLength++;
      i++;
      this.pos++;
      const lengthBytes = this.preLength >= 7 && this.pre[6] === 1 ? 2 : 4;
      if (this.preLength === 8 + lengthBytes) {
        this.major = this.pre[6];
        const len = lengthBytes === 2 ? this.pre[8] | (this.pre[9] << 8) : (this.pre[8] | (this.pre[9] << 8) | (this.pre[10] << 16)) + this.pre[11] * 16777216;
        if (len > MAX_HEADER_BYTES) this.fail(base + i - lengthBytes, `header length ${len} is larger than ${MAX_HEADER_BYTES} bytes`);
        this.headerBytes = new Uint8Array(len);
      }
    }
    if (this.headerBytes === null) return i;
    const hb = this.headerBytes;
    const take = Math.min(hb.length - this.headerFill, buf.length - i);
    hb.set(buf.subarray(i, i + take), this.headerFill);
    this.headerFill += take;
    i += take;
    this.pos += take;
    if (this.headerFill < hb.length) return i;
    const headerStart = this.preLength;
    const text = this.major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(hb) : latin1(hb);
    let dict: PyValue;
    try {
      dict = new LiteralParser(text.replace(/\n$/, '')).parseAll();
    } catch (e) {
      this.fail(headerStart, `malformed header dict: ${(e as Error).message}`);
    }
    if (!(dict instanceof Map)) this.fail(headerStart, 'the header is not a dict');
    let layout: Layout;
    try {
      layout = layoutOf(dict, this.opts);
    } catch (e) {
      this.fail(headerStart, (e as Error).message);
    }
    if (layout.itemsize === 0) this.fail(headerStart, 'records of 0 bytes');
    this.layout = layout;
    this.dataStart = this.pos;
    this.tScale = this.timeScale * layout.fields[0].scalar.unitUs;
    this.rec = new Uint8Array(layout.itemsize);
    this.recView = new DataView(this.rec.buffer);
    const shape = dict.get('shape') as { tuple: number[] };
    this.decoded = {
      format: 'npy',
      geometry: this.opts.geometry ?? null,
      fields: {
        version: `${this.major}.${this.pre[7]}`,
        descr: describeDescr(dict.get('descr')!),
        shape: describeDescr(shape),
        fortran_order: describeDescr(dict.get('fortran_order')!),
        layout: layout.describe,
        records: layout.count,
      },
    };
    return i;
  }

  private runData(buf: Uint8Array, i: number, out: Arrays, n: number, cap: number): { stop: number; count: number } {
    const layout = this.layout!;
    const size = layout.itemsize;
    const end = buf.length;
    // Finish a record that straddles chunks.
    if (this.recFill > 0) {
      const take = Math.min(size - this.recFill, end - i);
      this.rec.set(buf.subarray(i, i + take), this.recFill);
      this.recFill += take;
      i += take;
      this.pos += take;
      if (this.recFill < size) return { stop: i, count: n };
      this.recFill = 0;
      n = this.record(this.recView, 0, this.pos - size, out, n);
      if (n >= cap) return { stop: i, count: n };
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (end - i >= size) {
      const at = this.pos;
      n = this.record(view, i, at, out, n);
      i += size;
      this.pos += size;
      if (n >= cap) return { stop: i, count: n };
    }
    if (i < end) {
      if (this.records >= layout.count) this.fail(this.pos, `data continues after the ${layout.count} records the header declares`);
      const rest = end - i;
      this.rec.set(buf.subarray(i, end), 0);
      this.recFill = rest;
      this.pos += rest;
      i = end;
    }
    return { stop: i, count: n };
  }

  private record(v: DataView, off: number, at: number, out: Arrays, n: number): number {
    const layout = this.layout!;
    if (this.records >= layout.count) this.fail(at, `data continues after the ${layout.count} records the header declares`);
    const [ft, fx, fy, fp] = layout.fields;
    const t = ft.scalar.read!(v, off + ft.offset) * this.tScale;
    const x = fx.scalar.read!(v, off + fx.offset);
    const y = fy.scalar.read!(v, off + fy.offset);
    const p = fp.scalar.read!(v, off + fp.offset);
    if (!Number.isFinite(t)) this.fail(at, `record ${this.records}: time is not a finite number of µs (or a 64-bit value beyond 2^53)`);
    if (!(Number.isInteger(x) && x >= 0 && x < this.width)) this.fail(at, `record ${this.records}: x = ${x} is not an integer in 0..${this.width - 1}`);
    if (!(Number.isInteger(y) && y >= 0 && y < this.height)) this.fail(at, `record ${this.records}: y = ${y} is not an integer in 0..${this.height - 1}`);
    if (p !== 1 && p !== 0 && p !== -1) this.fail(at, `record ${this.records}: polarity ${p} is not 1 (ON), 0 or -1 (OFF)`);
    out.t[n] = t;
    out.x[n] = x;
    out.y[n] = y;
    out.p[n] = p === 1 ? 1 : 0;
    this.records++;
    return n + 1;
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Python-like text of a parsed literal (for `inspect`). */
function describeDescr(d: PyValue): string {
  if (typeof d === 'string') return `'${d}'`;
  if (Array.isArray(d)) return `[${d.map(describeDescr).join(', ')}]`;
  if (d && typeof d === 'object' && 'tuple' in d) {
    return `(${d.tuple.map(describeDescr).join(', ')}${d.tuple.length === 1 ? ',' : ''})`;
  }
  if (typeof d === 'boolean') return d ? 'True' : 'False';
  return String(d);
}

function concatBatches(parts: readonly EventBatch[]): EventBatch {
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

// ---------------------------------------------------------------------------------------------
// Encoder

/** The record the writer produces: 13 bytes, packed. */
export const NPY_WRITE_DESCR = "[('t', '<i8'), ('x', '<u2'), ('y', '<u2'), ('p', '|u1')]";
const RECORD = 13;
/** Digits reserved for the count, as numpy's own writer does (GROWTH_AXIS_MAX_DIGITS). */
const COUNT_DIGITS = 21;

/** The complete v1.0 header (magic to newline) for `count` records; its length never depends on count. */
export function npyHeader(count: number): Uint8Array {
  const dict = `{'descr': ${NPY_WRITE_DESCR}, 'fortran_order': False, 'shape': (${count},), }`;
  const reserve = dict.length - String(count).length + COUNT_DIGITS;
  const total = Math.ceil((10 + reserve + 1) / 64) * 64;
  const text = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = (total - 10) & 0xff;
  out[9] = (total - 10) >>> 8;
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

export interface NpyEncoderOptions extends EncoderOptions {
  /** 'buffer' (default): append-only, records kept until end(). 'patch': stream, then headerPatch(). */
  readonly mode?: 'buffer' | 'patch';
}

/** Writes `[t <i8, x <u2, y <u2, p u1]` records (see the file comment for the two modes). */
export class NpyEncoder implements EventEncoder {
  readonly format = 'npy' as const;
  readonly mode: 'buffer' | 'patch';
  private count = 0;
  private started = false;
  private ended = false;
  private readonly kept: Uint8Array[] = [];

  constructor(opts: NpyEncoderOptions = {}) {
    this.mode = opts.mode ?? 'buffer';
  }

  push(batch: EventBatch): Uint8Array {
    if (this.ended) throw new EncodeError(FORMAT, 0, 'push after end');
    const { t, x, y, p, length } = batch;
    for (let i = 0; i < length; i++) {
      if (!Number.isSafeInteger(t[i])) throw new EncodeError(FORMAT, i, `time ${t[i]} is not an integer of µs (int64 field)`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, i, `polarity ${p[i]} is not 0 or 1`);
    }
    const headerBytes = this.mode === 'patch' && !this.started ? npyHeader(0) : null;
    this.started = true;
    const out = new Uint8Array((headerBytes?.length ?? 0) + length * RECORD);
    if (headerBytes) out.set(headerBytes, 0);
    const v = new DataView(out.buffer);
    let o = headerBytes?.length ?? 0;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      const lo = ti >= 0 ? ti % 4294967296 : ((ti % 4294967296) + 4294967296) % 4294967296;
      v.setUint32(o, lo, true);
      v.setInt32(o + 4, Math.floor(ti / 4294967296), true);
      v.setUint16(o + 8, x[i], true);
      v.setUint16(o + 10, y[i], true);
      out[o + 12] = p[i];
      o += RECORD;
    }
    this.count += length;
    if (this.mode === 'patch') return out;
    if (out.length > 0) this.kept.push(out);
    return new Uint8Array(0);
  }

  end(): Uint8Array {
    if (this.ended) return new Uint8Array(0);
    this.ended = true;
    if (this.mode === 'patch') return this.started ? new Uint8Array(0) : npyHeader(0);
    const h = npyHeader(this.count);
    const out = new Uint8Array(h.length + this.count * RECORD);
    out.set(h, 0);
    let o = h.length;
    for (const k of this.kept) {
      out.set(k, o);
      o += k.length;
    }
    this.kept.length = 0;
    return out;
  }

  /** Patch mode: the final header, to be written over the first bytes once end() was called. */
  headerPatch(): { offset: number; bytes: Uint8Array } | null {
    if (this.mode !== 'patch') return null;
    return { offset: 0, bytes: npyHeader(this.count) };
  }
}

export const npyFormat: FormatInfo = {
  id: 'npy',
  description: 'NumPy .npy event arrays (structured t/x/y/p or on, any order/endianness; or (N,4) columns)',
  extensions: ['.npy'],
  sniff(head: Uint8Array): boolean {
    return head.length >= 6 && MAGIC.every((b, i) => head[i] === b);
  },
  createDecoder(opts?: NpyDecoderOptions): NpyDecoder {
    return new NpyDecoder(opts);
  },
  createEncoder(opts?: NpyEncoderOptions): NpyEncoder {
    return new NpyEncoder(opts);
  },
};

