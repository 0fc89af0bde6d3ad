/**
 * Events as delimited text: CSV, TSV, or whitespace-separated columns (`.csv`, `.tsv`, `.txt`).
 *
 * Why this file exists: text is what people reach for when a tool has no binary reader, and many
 * small public samples ship that way. It is slow and large (tonic's docs call text parsing the
 * anti-pattern), so neurite reads it incrementally and writes it mainly for inspection and interop.
 *
 * Layout:
 * - One event per line, `\n` or `\r\n` line ends; empty lines and lines whose first non-blank
 *   character is `#` are skipped. A UTF-8 byte-order mark at the start is skipped.
 * - The delimiter is taken from the first non-comment line: a tab if it has one, else a comma,
 *   else a semicolon, else runs of blanks (space-separated `.txt`).
 * - That first line is a header row when any of its fields is not a number. Header names
 *   (case-insensitive, optional double quotes): time `t`, `ts`, `timestamp`, `t_us`, `time_us`,
 *   `timestamp_us`; `x`; `y`; polarity `p`, `polarity`, `pol`, `on`. Columns in any order; other
 *   columns are ignored; t, x, y and p must each appear once.
 * - Without a header row the columns are t, x, y, p (or the `columns` option: letters t, x, y, p,
 *   and `_` for a column to ignore), and every line must have exactly that many fields.
 * - Values: t a decimal number (integers, decimals, exponents) in µs, scaled by `timeScaleUs`
 *   (µs per unit, default 1); x and y integers in 0..65535 (and inside the geometry when one is
 *   known); p is 1/true (ON) or 0/-1/false (OFF).
 * - A comment `# geometry WxH` before the first non-comment line gives the sensor size (the
 *   writer emits it when it knows one, so geometry survives a round trip through text).
 *
 * Errors are DecodeErrors whose offset is the absolute byte offset of the offending field (or
 * line) and whose reason starts with the 1-based line number. Lines longer than 64 KiB are
 * refused, so a file without newlines cannot make the decoder buffer without bound.
 */
import { DecodeError, EncodeError, UsageError } from '../../errors.js';
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

const FORMAT = 'csv';
const DEFAULT_MAX_BATCH = 65536;
const MAX_LINE = 1 << 16;
/** Shortest possible event line: "0,0,0,0\n". */
const MIN_LINE = 8;

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const HASH = 35;

export interface CsvDecoderOptions extends DecoderOptions {
  /** Column order when there is no header row (letters t, x, y, p, `_`); default "txyp". */
  readonly columns?: string;
  /** µs per unit of the time column (default 1; 1e6 for seconds). */
  readonly timeScaleUs?: number;
}

const ROLE_T = 0;
const ROLE_X = 1;
const ROLE_Y = 2;
const ROLE_P = 3;
const ROLE_SKIP = -1;

const HEADER_NAMES: Record<string, number> = {
  t: ROLE_T,
  ts: ROLE_T,
  timestamp: ROLE_T,
  t_us: ROLE_T,
  time_us: ROLE_T,
  timestamp_us: ROLE_T,
  x: ROLE_X,
  y: ROLE_Y,
  p: ROLE_P,
  polarity: ROLE_P,
  pol: ROLE_P,
  on: ROLE_P,
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type Arrays = ReturnType<typeof allocBatch>;

/** Incremental CSV/TSV/whitespace event decoder (see the file comment). */
export class CsvDecoder implements EventDecoder {
  readonly format = 'csv' as const;
  private readonly source: string | undefined;
  private readonly maxBatch: number;
  private readonly optColumns: string | undefined;
  private readonly timeScale: number;
  private geometry: SensorGeometry | null;
  private width = 65536;
  private height = 65536;
  private decoded: DecodedHeader | null = null;
  /** Delimiter byte, or 0 for runs of blanks. */
  private delim = -1;
  private roles: Int8Array = new Int8Array(0);
  // Partial line carried between chunks.
  private line = new Uint8Array(256);
  private lineLength = 0;
  private lineNo = 1;
  /** Absolute offset of the first byte of the current line. */
  private lineStart = 0;
  // Input queue.
  private queue: Uint8Array[] = [];
  private queueHead = 0;
  private queued = 0;
  private pos = 0;
  private pushed = 0;
  private failure: DecodeError | null = null;
  // Field scratch.
  private readonly fieldStart = new Int32Array(4);
  private readonly fieldEnd = new Int32Array(4);

  constructor(opts: CsvDecoderOptions = {}) {
    this.source = opts.source;
    const mb = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.maxBatch = Number.isInteger(mb) && mb > 0 ? mb : DEFAULT_MAX_BATCH;
    this.optColumns = opts.columns;
    this.timeScale = opts.timeScaleUs ?? 1;
    this.geometry = opts.geometry ?? null;
    if (!(this.timeScale > 0 && Number.isFinite(this.timeScale))) {
      throw new UsageError(`csv: timeScaleUs must be a positive number, got ${this.timeScale}`);
    }
    const cols = (opts.columns ?? 'txyp').toLowerCase();
    if (!/^[txyp_]+$/.test(cols) || ['t', 'x', 'y', 'p'].some((r) => cols.split(r).length !== 2)) {
      throw new UsageError(`csv: columns "${opts.columns}" must name t, x, y and p once each (and _ for ignored columns)`);
    }
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
    if (this.lineLength > 0) {
      // Last line without a newline.
      const out = allocBatch(1);
      const n = this.processLine(this.line, 0, this.lineLength, out, 0);
      this.lineLength = 0;
      parts.push(makeBatch(out, n));
    }
    if (parts.length === 1) return parts[0];
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

  private drain(limit: number): EventBatch {
    const cap = Math.min(limit, Math.floor((this.queued + this.lineLength) / MIN_LINE) + 2);
    const out = allocBatch(cap);
    let n = 0;
    while (this.queue.length > 0) {
      const buf = this.queue[0];
      const start = this.queueHead;
      const r = this.run(buf, start, out, n, cap);
      n = r.count;
      this.queued -= r.stop - start;
      if (r.stop >= buf.length) {
        this.queue.shift();
        this.queueHead = 0;
      } else {
        this.queueHead = r.stop;
        break;
      }
    }
    return makeBatch(out, n);
  }

  private run(buf: Uint8Array, i: number, out: Arrays, n: number, cap: number): { stop: number; count: number } {
    const end = buf.length;
    while (i < end) {
      const j = buf.indexOf(NL, i);
      if (j < 0) {
        this.append(buf, i, end);
        this.pos += end - i;
        return { stop: end, count: n };
      }
      const before = n;
      if (this.lineLength > 0) {
        this.append(buf, i, j);
        n = this.processLine(this.line, 0, this.lineLength, out, n);
        this.lineLength = 0;
      } else {
        n = this.processLine(buf, i, j, out, n);
      }
      this.pos += j + 1 - i;
      i = j + 1;
      this.lineNo++;
      this.lineStart = this.pos;
      if (n > before && n >= cap) return { stop: i, count: n };
    }
    return { stop: i, count: n };
  }

  private append(buf: Uint8Array, s: number, e: number): void {
    const need = this.lineLength + (e - s);
    if (need > MAX_LINE) {
      this.fail(this.lineStart, `line ${this.lineNo} is longer than ${MAX_LINE} bytes`);
    }
    if (need > this.line.length) {
      const grown = new Uint8Array(Math.min(MAX_LINE, Math.max(need, this.line.length * 2)));
      grown.set(this.line.subarray(0, this.lineLength));
      this.line = grown;
    }
    this.line.set(buf.subarray(s, e), this.lineLength);
    this.lineLength = need;
  }

  /** Handles the line b[s..e) (without its newline); returns the new event count. */
  private processLine(b: Uint8Array, s: number, e: number, out: Arrays, n: number): number {
    if (e > s && b[e - 1] === CR) e--;
    if (this.lineNo === 1 && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) {
      s += 3; // UTF-8 byte-order mark
      this.lineStart += 3;
    }
    // Blank or comment line?
    let k = s;
    while (k < e && (b[k] === SPACE || b[k] === TAB)) k++;
    if (k === e) return n;
    if (b[k] === HASH) {
      if (this.decoded === null) this.comment(latin1(b, k, e));
      return n;
    }
    if (this.decoded === null) return this.firstLine(b, s, e, out, n);
    return this.dataLine(b, s, e, out, n);
  }

  private comment(text: string): void {
    const m = /^#\s*geometry\s*[:=]?\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(text);
    if (m && this.geometry === null) this.geometry = { width: Number(m[1]), height: Number(m[2]) };
  }

  private firstLine(b: Uint8Array, s: number, e: number, out: Arrays, n: number): number {
    let hasTab = false;
    let hasComma = false;
    let hasSemi = false;
    for (let k = s; k < e; k++) {
      if (b[k] === TAB) hasTab = true;
      else if (b[k] === 44) hasComma = true;
      else if (b[k] === 59) hasSemi = true;
    }
    this.delim = hasTab ? TAB : hasComma ? 44 : hasSemi ? 59 : 0;
    const tokens = this.split(b, s, e).map(([fs, fe]) => unquote(latin1(b, fs, fe).trim()));
    const isHeader = tokens.some((tok) => !NUMBER.test(tok) && !/^(true|false)$/i.test(tok));
    const delimName = this.delim === TAB ? 'tab' : this.delim === 44 ? 'comma' : this.delim === 59 ? 'semicolon' : 'blanks';
    if (this.geometry) {
      this.width = this.geometry.width;
      this.height = this.geometry.height;
    }
    if (isHeader) {
      const roles = new Int8Array(tokens.length).fill(ROLE_SKIP);
      const seen = [false, false, false, false];
      tokens.forEach((tok, c) => {
        const r = HEADER_NAMES[tok.toLowerCase()];
        if (r === undefined) return;
        if (seen[r]) this.fail(this.lineStart, `line ${this.lineNo}: column "${tok}" repeats the ${'txyp'[r]} column`);
        seen[r] = true;
        roles[c] = r;
      });
      const missing = [0, 1, 2, 3].filter((r) => !seen[r]).map((r) => 'txyp'[r]);
      if (missing.length > 0) {
        this.fail(
          this.lineStart,
          `line ${this.lineNo}: header row (${tokens.join(', ')}) lacks column(s) ${missing.join(', ')} ` +
            '(names: t|ts|timestamp, x, y, p|polarity|on)',
        );
      }
      this.roles = roles;
      this.decoded = this.makeHeader(delimName, 'yes', tokens.map((tok, c) => (roles[c] < 0 ? `(${tok})` : 'txyp'[roles[c]])).join(','));
      return n;
    }
    const cols = (this.optColumns ?? 'txyp').toLowerCase();
    this.roles = Int8Array.from(cols, (c) => (c === '_' ? ROLE_SKIP : 'txyp'.indexOf(c)));
    this.decoded = this.makeHeader(delimName, 'no', cols.split('').join(','));
    return this.dataLine(b, s, e, out, n);
  }

  private makeHeader(delimiter: string, headerRow: string, columns: string): DecodedHeader {
    const fields: Record<string, string | number> = { delimiter, headerRow, columns };
    if (this.timeScale !== 1) fields.timeScaleUs = this.timeScale;
    if (this.geometry) {
      fields.width = this.geometry.width;
      fields.height = this.geometry.height;
    }
    return { format: 'csv', geometry: this.geometry, fields };
  }

  /** Field boundaries of b[s..e) under the current delimiter. */
  private split(b: Uint8Array, s: number, e: number): [number, number][] {
    const fields: [number, number][] = [];
    if (this.delim === 0) {
      let k = s;
      for (;;) {
        while (k < e && (b[k] === SPACE || b[k] === TAB)) k++;
        if (k >= e) break;
        const fs = k;
        while (k < e && b[k] !== SPACE && b[k] !== TAB) k++;
        fields.push([fs, k]);
      }
      return fields;
    }
    let fs = s;
    for (let k = s; k <= e; k++) {
      if (k === e || b[k] === this.delim) {
        fields.push([fs, k]);
        fs = k + 1;
      }
    }
    return fields;
  }

  private dataLine(b: Uint8Array, s: number, e: number, out: Arrays, n: number): number {
    const roles = this.roles;
    const ncols = roles.length;
    const fStart = this.fieldStart;
    const fEnd = this.fieldEnd;
    const delim = this.delim;
    let col = 0;
    let k = s;
    // Split without allocating; remember the fields we use.
    if (delim === 0) {
      for (;;) {
        while (k < e && (b[k] === SPACE || b[k] === TAB)) k++;
        if (k >= e) break;
        const fs = k;
        while (k < e && b[k] !== SPACE && b[k] !== TAB) k++;
        if (col < ncols && roles[col] >= 0) {
          fStart[roles[col]] = fs;
          fEnd[roles[col]] = k;
        }
        col++;
      }
    } else {
      let fs = s;
      for (; k <= e; k++) {
        if (k === e || b[k] === delim) {
          if (col < ncols && roles[col] >= 0) {
            fStart[roles[col]] = fs;
            fEnd[roles[col]] = k;
          }
          col++;
          fs = k + 1;
        }
      }
    }
    if (col !== ncols) {
      this.fail(this.lineStart, `line ${this.lineNo}: ${col} field${col === 1 ? '' : 's'}, expected ${ncols}`);
    }
    const t = this.number(b, fStart[ROLE_T], fEnd[ROLE_T], s, 't') * this.timeScale;
    if (!Number.isFinite(t)) this.fail(this.at(s, fStart[ROLE_T]), `line ${this.lineNo}: time overflows`);
    const x = this.number(b, fStart[ROLE_X], fEnd[ROLE_X], s, 'x');
    if (!(Number.isInteger(x) && x >= 0 && x < this.width && x <= 65535)) {
      this.fail(this.at(s, fStart[ROLE_X]), `line ${this.lineNo}: x = ${x} is not an integer in 0..${Math.min(this.width, 65536) - 1}`);
    }
    const y = this.number(b, fStart[ROLE_Y], fEnd[ROLE_Y], s, 'y');
    if (!(Number.isInteger(y) && y >= 0 && y < this.height && y <= 65535)) {
      this.fail(this.at(s, fStart[ROLE_Y]), `line ${this.lineNo}: y = ${y} is not an integer in 0..${Math.min(this.height, 65536) - 1}`);
    }
    const p = this.polarity(b, fStart[ROLE_P], fEnd[ROLE_P], s);
    out.t[n] = t;
    out.x[n] = x;
    out.y[n] = y;
    out.p[n] = p;
    return n + 1;
  }

  /** Absolute offset of b[k] where b[s] is the first byte of the current line. */
  private at(s: number, k: number): number {
    return this.lineStart + (k - s);
  }

  private number(b: Uint8Array, fs: number, fe: number, s: number, name: string): number {
    // Trim blanks and quotes.
    while (fs < fe && (b[fs] === SPACE || b[fs] === TAB)) fs++;
    while (fe > fs && (b[fe - 1] === SPACE || b[fe - 1] === TAB)) fe--;
    if (fe - fs >= 2 && b[fs] === QUOTE && b[fe - 1] === QUOTE) {
      fs++;
      fe--;
    }
    if (fe - fs > 64) this.fail(this.at(s, fs), `line ${this.lineNo}: ${name} field is longer than 64 characters`);
    // Fast path: plain unsigned integer of up to 15 digits.
    if (fe > fs && fe - fs <= 15) {
      let v = 0;
      let k = fs;
      for (; k < fe; k++) {
        const d = b[k] - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (k === fe) return v;
    }
    const text = latin1(b, fs, fe);
    if (!NUMBER.test(text)) {
      this.fail(this.at(s, fs), `line ${this.lineNo}: ${name} "${printable(text)}" is not a number`);
    }
    return Number(text);
  }

  private polarity(b: Uint8Array, fs: number, fe: number, s: number): number {
    while (fs < fe && (b[fs] === SPACE || b[fs] === TAB)) fs++;
    while (fe > fs && (b[fe - 1] === SPACE || b[fe - 1] === TAB)) fe--;
    if (fe - fs === 1) {
      if (b[fs] === 49) return 1;
      if (b[fs] === 48) return 0;
    }
    const text = unquote(latin1(b, fs, fe)).toLowerCase();
    if (text === 'true') return 1;
    if (text === 'false') return 0;
    if (NUMBER.test(text)) {
      const v = Number(text);
      if (v === 1) return 1;
      if (v === 0 || v === -1) return 0;
    }
    this.fail(this.at(s, fs), `line ${this.lineNo}: polarity "${printable(text)}" is not 1/true (ON) or 0/-1/false (OFF)`);
  }

  private fail(offset: number, reason: string): never {
    this.failure = new DecodeError(FORMAT, offset, reason, this.source);
    throw this.failure;
  }
}

function latin1(b: Uint8Array, s: number, e: number): string {
  if (e - s > 256) e = s + 256; // only used for short tokens and messages
  return String.fromCharCode(...b.subarray(s, e));
}

function unquote(s: string): string {
  return s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1) : s;
}

function printable(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 40 ? t.slice(0, 40) + '...' : t;
}

export interface CsvEncoderOptions extends EncoderOptions {
  /** Field separator (default ","). */
  readonly delimiter?: ',' | '\t' | ';';
}

/**
 * Writes `t,x,y,p` lines after a `t,x,y,p` header row (and `# geometry WxH` when the geometry is
 * known). Times are written with the shortest decimal that reads back to the same double, so
 * decoding gives back exactly the same batch. Non-finite times and polarities other than 0/1 are
 * EncodeErrors.
 */
export class CsvEncoder implements EventEncoder {
  readonly format = 'csv' as const;
  private readonly delimiter: string;
  private readonly geometry: SensorGeometry | undefined;
  private started = false;

  constructor(opts: CsvEncoderOptions = {}) {
    this.delimiter = opts.delimiter ?? ',';
    this.geometry = opts.geometry;
  }

  private preamble(): string {
    if (this.started) return '';
    this.started = true;
    const d = this.delimiter;
    const g = this.geometry ? `# geometry ${this.geometry.width}x${this.geometry.height}\n` : '';
    return `${g}t${d}x${d}y${d}p\n`;
  }

  push(batch: EventBatch): Uint8Array {
    const { t, x, y, p, length } = batch;
    const d = this.delimiter;
    const parts: string[] = [this.preamble()];
    for (let i = 0; i < length; i++) {
      if (!Number.isFinite(t[i])) throw new EncodeError(FORMAT, i, `time ${t[i]} is not a finite number`);
      if (p[i] !== 0 && p[i] !== 1) throw new EncodeError(FORMAT, i, `polarity ${p[i]} is not 0 or 1`);
      parts.push(`${Object.is(t[i], -0) ? 0 : t[i]}${d}${x[i]}${d}${y[i]}${d}${p[i]}\n`);
    }
    return Buffer.from(parts.join(''), 'latin1');
  }

  end(): Uint8Array {
    return Buffer.from(this.preamble(), 'latin1');
  }
}

export const csvFormat: FormatInfo = {
  id: 'csv',
  description: 'CSV / TSV / blank-separated text, optional header row naming t, x, y, p (any order)',
  extensions: ['.csv', '.tsv', '.txt'],
  sniff(): boolean {
    return false; // plain text has no magic; chosen by extension or --format
  },
  createDecoder(opts?: CsvDecoderOptions): CsvDecoder {
    return new CsvDecoder(opts);
  },
  createEncoder(opts?: CsvEncoderOptions): CsvEncoder {
    return new CsvEncoder(opts);
  },
};
