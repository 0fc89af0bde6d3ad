/**
 * Prophesee EVT 2.0 / EVT 3.0 RAW and DAT decoders and writers, checked against recordings made
 * by others (ground truth in ../shared/fixtures/events/MANIFEST.json: faery's SHA3-224 digests and
 * expelliarmus' reference arrays), plus chunking at every boundary, bounded batches, the EVT3
 * time-base pitfalls, exact writer round trips and fast-check fuzzing of every decoder.
 */
import { fuzzRuns } from '../helpers/fuzz.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '../../host/errors.js';
import { DatDecoder, datFormat, encodeDat } from '../../host/events/formats/dat.js';
import { Evt2Decoder, encodeEvt2, evt2Format } from '../../host/events/formats/evt2.js';
import { Evt3Decoder, encodeEvt3, evt3Format } from '../../host/events/formats/evt3.js';
import type { EventDecoder, FormatInfo, TriggerEvent } from '../../host/events/formats/format.js';
import {
  MAX_HEADER_BYTES,
  MAX_PENDING_TRIGGERS,
  inferPropheseeGeometry,
  type PropheseeDecoderOptions,
} from '../../host/events/formats/prophesee-header.js';
import { concatBatches, type EventBatch, type SensorGeometry } from '../../host/events/types.js';
import { sharedPath } from '../helpers/shared.js';

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers

interface ManifestEntry {
  path: string;
  size: number;
  header?: string[];
  data_offset?: number;
  decoded: {
    events: number;
    t_first: number;
    t_last: number;
    x_range: [number, number];
    y_range: [number, number];
    on_events: number;
    first5_t_x_y_p: [number, number, number, number][];
    last2_t_x_y_p: [number, number, number, number][];
    faery_sha3_224?: { t: string; x: string; y: string; on: string };
    extra?: { word_types?: Record<string, number>; triggers?: number; words?: number; event_type?: number; event_size?: number; trailing?: number };
  };
}

const manifestPath = sharedPath('fixtures/events/MANIFEST.json');
const manifest: ManifestEntry[] = manifestPath ? JSON.parse(readFileSync(manifestPath, 'utf8')) : [];

function fixture(rel: string): { bytes: Uint8Array; entry: ManifestEntry } | null {
  const p = sharedPath(`fixtures/events/${rel}`);
  const entry = manifest.find((m) => m.path === rel);
  if (!p || !entry) return null;
  return { bytes: new Uint8Array(readFileSync(p)), entry };
}

const EVT2_REL = 'evt2/expelliarmus_sparklers.raw';
const EVT3_REL = 'evt3/expelliarmus_evt3_test_pedestrians.raw';
const DAT_REL = 'dat/expelliarmus_NCARS_obj_004397_td.dat';
const evt2File = fixture(EVT2_REL);
const evt3File = fixture(EVT3_REL);
const datFile = fixture(DAT_REL);
const evt3NpyPath = sharedPath('fixtures/events/evt3/expelliarmus_evt3_test_pedestrians.reference-xyp.npy');
const datNpyPath = sharedPath('fixtures/events/dat/expelliarmus_NCARS_obj_004397_td.reference.npy');

const EMPTY = new Uint8Array(0);

/** Push `bytes` cut at the sorted offsets `cuts`, draining full batches; returns all events. */
function decodeWith(
  dec: EventDecoder,
  bytes: Uint8Array,
  cuts: readonly number[] = [],
  maxBatch = 65536,
): EventBatch {
  const parts: EventBatch[] = [];
  let prev = 0;
  const take = (b: EventBatch): EventBatch => {
    if (b.length > maxBatch) throw new Error(`batch of ${b.length} > maxBatch ${maxBatch}`);
    if (b.length > 0) parts.push(b);
    return b;
  };
  for (const c of [...cuts, bytes.length]) {
    let b = take(dec.push(bytes.subarray(prev, c)));
    while (b.length === maxBatch) b = take(dec.push(EMPTY));
    prev = c;
  }
  parts.push(dec.end());
  return concatBatches(parts);
}

function decode(
  format: FormatInfo,
  bytes: Uint8Array,
  opts: PropheseeDecoderOptions = {},
  cuts: readonly number[] = [],
): EventBatch {
  return decodeWith(format.createDecoder(opts), bytes, cuts, opts.maxBatch ?? 65536);
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** faery-style digests: SHA3-224 over LE u64 t, u16 x, u16 y, u8 on. */
function digests(b: EventBatch): { t: string; x: string; y: string; on: string } {
  const n = b.length;
  const t = new BigUint64Array(n);
  for (let i = 0; i < n; i++) t[i] = BigInt(b.t[i]);
  const h = (a: ArrayBufferView): string => createHash('sha3-224').update(bytesOf(a)).digest('hex');
  return { t: h(t), x: h(b.x.subarray(0, n)), y: h(b.y.subarray(0, n)), on: h(b.p.subarray(0, n)) };
}

function sameEvents(a: EventBatch, b: EventBatch): boolean {
  if (a.length !== b.length) return false;
  const n = a.length;
  const eq = (u: ArrayBufferView, v: ArrayBufferView): boolean => Buffer.from(bytesOf(u)).equals(bytesOf(v));
  return (
    eq(a.t.subarray(0, n), b.t.subarray(0, n)) &&
    eq(a.x.subarray(0, n), b.x.subarray(0, n)) &&
    eq(a.y.subarray(0, n), b.y.subarray(0, n)) &&
    eq(a.p.subarray(0, n), b.p.subarray(0, n))
  );
}

function rows(b: EventBatch, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let i = Math.max(0, from); i < Math.min(b.length, to); i++) out.push([b.t[i], b.x[i], b.y[i], b.p[i]]);
  return out;
}

function batchOf(r: readonly (readonly number[])[]): EventBatch {
  return {
    length: r.length,
    t: Float64Array.from(r, (e) => e[0]),
    x: Uint16Array.from(r, (e) => e[1]),
    y: Uint16Array.from(r, (e) => e[2]),
    p: Uint8Array.from(r, (e) => e[3]),
  };
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

function words32(ws: readonly number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const dv = new DataView(out.buffer);
  ws.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  return out;
}

function words16(ws: readonly number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 2);
  const dv = new DataView(out.buffer);
  ws.forEach((w, i) => dv.setUint16(i * 2, w, true));
  return out;
}

function expectDecodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

/** Minimal .npy reader for the expelliarmus reference arrays ([t i8, x i2, y i2, p u1]). */
function readReferenceNpy(path: string): { t: number[]; x: number[]; y: number[]; p: number[] } {
  const buf = readFileSync(path);
  expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString('latin1');
  expect(header).toMatch(/'t', '<i8'\), \('x', '<i2'\), \('y', '<i2'\), \('p', '\|u1'\)/);
  const count = Number(/'shape': \((\d+),\)/.exec(header)?.[1]);
  const item = (buf.length - start) / count;
  expect([13, 16]).toContain(item);
  const out = { t: [] as number[], x: [] as number[], y: [] as number[], p: [] as number[] };
  for (let i = 0; i < count; i++) {
    const o = start + i * item;
    out.t.push(Number(buf.readBigInt64LE(o)));
    out.x.push(buf.readInt16LE(o + 8));
    out.y.push(buf.readInt16LE(o + 10));
    out.p.push(buf[o + 12]);
  }
  return out;
}

/** Small deterministic PRNG for the random-offset tests. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomCuts(len: number, k: number, seed: number): number[] {
  const r = lcg(seed);
  const set = new Set<number>();
  while (set.size < Math.min(k, Math.max(0, len - 1))) set.add(1 + Math.floor(r() * (len - 1)));
  return [...set].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Ground truth of the real recordings

const cases = [
  { rel: EVT2_REL, file: evt2File, format: evt2Format, geometry: { width: 640, height: 480 }, unit: 4 },
  { rel: EVT3_REL, file: evt3File, format: evt3Format, geometry: { width: 1280, height: 720 }, unit: 2 },
  { rel: DAT_REL, file: datFile, format: datFormat, geometry: null, unit: 8 },
] as const;

for (const c of cases) {
  describe.skipIf(!c.file)(`${c.rel}: ground truth from MANIFEST.json`, () => {
    // (A skipped describe still runs this factory: read the fixture lazily.)
    const get = () => c.file as { bytes: Uint8Array; entry: ManifestEntry };

    it('decodes to the stated events, ranges, polarity count and digests', () => {
      const { bytes, entry } = get();
      const d = entry.decoded;
      const dec = c.format.createDecoder();
      const b = decodeWith(dec, bytes);
      expect(b.length).toBe(d.events);
      expect(b.t[0]).toBe(d.t_first);
      expect(b.t[b.length - 1]).toBe(d.t_last);
      let xmin = Infinity;
      let xmax = -Infinity;
      let ymin = Infinity;
      let ymax = -Infinity;
      let on = 0;
      for (let i = 0; i < b.length; i++) {
        xmin = Math.min(xmin, b.x[i]);
        xmax = Math.max(xmax, b.x[i]);
        ymin = Math.min(ymin, b.y[i]);
        ymax = Math.max(ymax, b.y[i]);
        on += b.p[i];
      }
      expect([xmin, xmax]).toEqual(d.x_range);
      expect([ymin, ymax]).toEqual(d.y_range);
      expect(on).toBe(d.on_events);
      expect(rows(b, 0, 5)).toEqual(d.first5_t_x_y_p);
      expect(rows(b, b.length - 2, b.length)).toEqual(d.last2_t_x_y_p);
      expect(digests(b)).toEqual(d.faery_sha3_224);
      expect(dec.takeSideChannels().triggers).toHaveLength(0);
      expect(dec.bytesConsumed).toBe(bytes.length);
    });

    it('reads the header fields, the data offset and the geometry', () => {
      const { bytes, entry } = get();
      void entry;
      const dec = c.format.createDecoder() as Evt2Decoder | Evt3Decoder | DatDecoder;
      expect(dec.header()).toBeNull();
      decodeWith(dec, bytes);
      const h = dec.header();
      expect(h?.format).toBe(c.format.id);
      expect(h?.geometry ?? null).toEqual(c.geometry);
      const lines = Object.entries(h?.fields ?? {}).map(([k, v]) => (v === '' ? `% ${k}` : `% ${k} ${v}`));
      expect(lines).toEqual(entry.header);
      expect(dec.dataOffset).toBe(entry.data_offset);
      expect(dec.droppedEvents).toBe(0);
      expect(dec.skippedWords).toBe(0);
    });

    it('is recognised by sniff() of its own format only', () => {
      const { bytes, entry } = get();
      void entry;
      const head = bytes.subarray(0, 1024);
      for (const f of [evt2Format, evt3Format, datFormat]) expect(f.sniff(head)).toBe(f === c.format);
    });

    it('gives identical events for a split at every byte offset of the first 2 KB', () => {
      const { bytes, entry } = get();
      void entry;
      // A prefix of the file that ends on a word boundary, so each split is decoded in full.
      const dataOffset = entry.data_offset as number;
      const prefix = bytes.subarray(0, dataOffset + c.unit * Math.floor(6144 / c.unit));
      const whole = decode(c.format, prefix);
      expect(whole.length).toBeGreaterThan(50);
      for (let cut = 0; cut <= 2048; cut++) {
        const split = decode(c.format, prefix, {}, [cut]);
        if (!sameEvents(split, whole)) throw new Error(`split at byte ${cut} differs`);
      }
    });

    it('gives identical events when the first 2 KB arrive one byte at a time', () => {
      const { bytes, entry } = get();
      void entry;
      const whole = decode(c.format, bytes);
      const cuts = Array.from({ length: 2048 }, (_, i) => i + 1);
      expect(sameEvents(decode(c.format, bytes, {}, cuts), whole)).toBe(true);
    });

    it('gives identical events with chunks cut at 200 random offsets, with any maxBatch', () => {
      const { bytes, entry } = get();
      void entry;
      const whole = decode(c.format, bytes);
      // Tiny batches are exercised on a word-aligned prefix (about 64 KB) to keep the test fast.
      const dataOffset = entry.data_offset as number;
      const small = bytes.subarray(0, Math.min(bytes.length, dataOffset + c.unit * Math.floor(65536 / c.unit)));
      const smallWhole = decode(c.format, small);
      for (const [seed, maxBatch, reuseBuffers] of [
        [1, 65536, false],
        [2, 1000, false],
        [3, 7, false],
        [4, 1, false],
        [5, 4096, true],
        [6, 3, true],
      ] as const) {
        const data = maxBatch < 1000 ? small : bytes;
        const cuts = randomCuts(data.length, 200, seed);
        const dec = c.format.createDecoder({ maxBatch, reuseBuffers } as PropheseeDecoderOptions);
        const parts: EventBatch[] = [];
        let prev = 0;
        for (const cut of [...cuts, data.length]) {
          let b = dec.push(data.subarray(prev, cut));
          for (;;) {
            if (b.length > maxBatch) throw new Error(`batch of ${b.length} > ${maxBatch}`);
            // Views of reused buffers are only valid until the next call: copy them now.
            parts.push(reuseBuffers ? concatBatches([b]) : b);
            if (b.length < maxBatch) break;
            b = dec.push(EMPTY);
          }
          prev = cut;
        }
        parts.push(concatBatches([dec.end()]));
        const expected = data === bytes ? whole : smallWhole;
        expect(sameEvents(concatBatches(parts), expected), `seed ${seed}`).toBe(true);
      }
    });

    it('reports a trailing partial word/record at the absolute offset of that word', () => {
      const { bytes, entry } = get();
      void entry;
      const dataOffset = entry.data_offset as number;
      const whole = dataOffset + c.unit * 100;
      const cutBytes = bytes.subarray(0, whole + c.unit - 1);
      const dec = c.format.createDecoder();
      const b = dec.push(cutBytes);
      expect(b.length).toBeGreaterThan(0);
      const err = expectDecodeError(() => dec.end());
      expect(err.offset).toBe(whole);
      expect(err.format).toBe(c.format.id);
      // The decoder refuses input after an error.
      expect(() => dec.push(EMPTY)).toThrow(err);
    });
  });
}

describe.skipIf(!evt3File || !evt3NpyPath)('EVT3 against the expelliarmus reference arrays', () => {
  it('matches x, y and polarity exactly; the reference t is the known-wrong one', () => {
    const b = decode(evt3Format, (evt3File as { bytes: Uint8Array }).bytes);
    const ref = readReferenceNpy(evt3NpyPath as string);
    expect(ref.x.length).toBe(b.length);
    expect(Array.from(b.x)).toEqual(ref.x);
    expect(Array.from(b.y)).toEqual(ref.y);
    expect(Array.from(b.p)).toEqual(ref.p);
    // expelliarmus treats TIME_LOW decreases as wraps (event-formats.md section 2): its t runs
    // ahead of ours, which matches the manifest (and faery's digest).
    expect(ref.t[0]).toBe(b.t[0]);
    expect(ref.t[ref.t.length - 1]).toBeGreaterThan(b.t[b.length - 1]);
  });
});

describe.skipIf(!datFile || !datNpyPath)('DAT against the expelliarmus reference arrays', () => {
  it('matches t, x, y and polarity exactly', () => {
    const b = decode(datFormat, (datFile as { bytes: Uint8Array }).bytes);
    const ref = readReferenceNpy(datNpyPath as string);
    expect(Array.from(b.t)).toEqual(ref.t);
    expect(Array.from(b.x)).toEqual(ref.x);
    expect(Array.from(b.y)).toEqual(ref.y);
    expect(Array.from(b.p)).toEqual(ref.p);
  });
});

// ---------------------------------------------------------------------------------------------
// Writers: re-encoding the real recordings

describe.skipIf(!evt2File || !evt3File || !datFile)('writers re-encode the real recordings exactly', () => {
  const sparklers = () => decode(evt2Format, (evt2File as { bytes: Uint8Array }).bytes);
  const sparklersDigest = () => (evt2File as { entry: ManifestEntry }).entry.decoded.faery_sha3_224;

  it('EVT2 -> EVT2: same digests', () => {
    const b = sparklers();
    const enc = encodeEvt2(b, { geometry: { width: 640, height: 480 } });
    const dec = new Evt2Decoder();
    expect(digests(decodeWith(dec, enc))).toEqual(sparklersDigest());
    expect(dec.header()?.geometry).toEqual({ width: 640, height: 480 });
    // One word per event plus one TIME_HIGH per distinct high value (the camera repeats them).
    const words = (enc.length - (dec.dataOffset as number)) / 4;
    expect(words).toBeGreaterThan(b.length);
    expect(words).toBeLessThan((evt2File as { entry: ManifestEntry }).entry.decoded.extra?.words as number);
  });

  it('EVT3 -> EVT3: same digests as the manifest', () => {
    const f = evt3File as { bytes: Uint8Array; entry: ManifestEntry };
    const b = decode(evt3Format, f.bytes);
    const enc = encodeEvt3(b, { geometry: { width: 1280, height: 720 } });
    expect(digests(decode(evt3Format, enc))).toEqual(f.entry.decoded.faery_sha3_224);
  });

  it('EVT2 sparklers -> EVT3 (vectorised) -> same digests as faery computed for the EVT2 file', () => {
    const b = sparklers();
    const enc = encodeEvt3(b, { geometry: { width: 640, height: 480 } });
    const dec = new Evt3Decoder();
    const back = decodeWith(dec, enc);
    expect(digests(back)).toEqual(sparklersDigest());
    // The writer did use vector words.
    const body = new Uint16Array(enc.slice(dec.dataOffset as number).buffer);
    const vec = body.filter((w) => w >>> 12 === 0x4 || w >>> 12 === 0x5).length;
    expect(vec).toBeGreaterThan(1000);
    expect(enc.length).toBeLessThan(b.length * 4);
  });

  it('EVT2 sparklers and N-CARS -> DAT -> same digests', () => {
    const b = sparklers();
    expect(digests(decode(datFormat, encodeDat(b, { geometry: { width: 640, height: 480 } })))).toEqual(sparklersDigest());
    const f = datFile as { bytes: Uint8Array; entry: ManifestEntry };
    const nc = decode(datFormat, f.bytes);
    expect(digests(decode(datFormat, encodeDat(nc)))).toEqual(f.entry.decoded.faery_sha3_224);
  });

  it('streaming encoders (many pushes) produce the same events as one push', () => {
    const b = sparklers();
    for (const format of [evt2Format, evt3Format, datFormat]) {
      const enc = format.createEncoder?.({ geometry: { width: 640, height: 480 } });
      if (!enc) throw new Error('no encoder');
      const out: Uint8Array[] = [];
      for (let i = 0; i < b.length; i += 77777) {
        const j = Math.min(b.length, i + 77777);
        out.push(enc.push({ length: j - i, t: b.t.subarray(i, j), x: b.x.subarray(i, j), y: b.y.subarray(i, j), p: b.p.subarray(i, j) }));
      }
      out.push(enc.end());
      expect(digests(decode(format, concatBytes(...out))), format.id).toEqual(sparklersDigest());
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Writers: random batches (fast-check)

interface RunSpec {
  dt: number;
  len: number;
  x: number;
  y: number;
  p: number;
  step: number;
  reverse: boolean;
}

function runArb(maxDt: number, maxX: number, maxY: number): fc.Arbitrary<RunSpec[]> {
  return fc.array(
    fc.record({
      dt: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: maxDt }),
      ),
      len: fc.integer({ min: 1, max: 48 }),
      x: fc.integer({ min: 0, max: maxX - 1 }),
      y: fc.integer({ min: 0, max: maxY - 1 }),
      p: fc.integer({ min: 0, max: 1 }),
      step: fc.integer({ min: 1, max: 4 }),
      reverse: fc.boolean(),
    }),
    { maxLength: 40 },
  );
}

/** Runs of same-time, same-row events (vector-friendly unless reversed). */
function buildEvents(runs: RunSpec[], t0: number, maxX: number, maxT: number): EventBatch {
  const r: number[][] = [];
  let t = t0;
  runs.forEach((s, i) => {
    if (i > 0) t = Math.min(maxT, t + s.dt);
    const run: number[][] = [];
    for (let k = 0, x = s.x; k < s.len && x < maxX; k++, x += s.step) run.push([t, x, s.y, s.p]);
    if (s.reverse) run.reverse();
    r.push(...run);
  });
  return batchOf(r);
}

const writerCases = [
  { format: evt2Format, maxDt: 2 ** 36, maxT: 2 ** 50 - 1, maxX: 2048, maxY: 2048 },
  { format: evt3Format, maxDt: 2 ** 26, maxT: 2 ** 40 - 1, maxX: 2048, maxY: 2048 },
  { format: datFormat, maxDt: 2 ** 31 - 1, maxT: Number.MAX_SAFE_INTEGER, maxX: 16384, maxY: 16384 },
] as const;

for (const w of writerCases) {
  describe(`${w.format.id} writer: decode(encode(x)) === x for random batches`, () => {
    it('round-trips with and without geometry, in random pushes and chunks', () => {
      fc.assert(
        fc.property(
          runArb(w.maxDt, w.maxX, w.maxY),
          fc.integer({ min: 0, max: w.format.id === 'dat' ? 2 ** 32 - 1 : 2 ** 36 }),
          fc.boolean(),
          fc.array(fc.nat(), { maxLength: 4 }),
          fc.constantFrom(1, 5, 64, 65536),
          (runs, t0, withGeometry, rawCuts, maxBatch) => {
            const b = buildEvents(runs, t0, w.maxX, w.maxT);
            let gx = 1;
            let gy = 1;
            for (let i = 0; i < b.length; i++) {
              gx = Math.max(gx, b.x[i] + 1);
              gy = Math.max(gy, b.y[i] + 1);
            }
            const geometry: SensorGeometry | undefined = withGeometry ? { width: gx, height: gy } : undefined;
            const enc = w.format.createEncoder?.({ geometry });
            if (!enc) throw new Error('no encoder');
            const half = b.length >> 1;
            const sub = (i: number, j: number): EventBatch => ({
              length: j - i,
              t: b.t.subarray(i, j),
              x: b.x.subarray(i, j),
              y: b.y.subarray(i, j),
              p: b.p.subarray(i, j),
            });
            const bytes = concatBytes(enc.push(sub(0, half)), enc.push(sub(half, b.length)), enc.end());
            const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b2) => a - b2);
            const back = decode(w.format, bytes, { maxBatch }, cuts);
            if (!sameEvents(back, b)) {
              throw new Error(`mismatch: ${JSON.stringify(rows(b, 0, 8))} vs ${JSON.stringify(rows(back, 0, 8))}`);
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('refuses events it cannot represent with EncodeError (index of the event)', () => {
      const mk = () => w.format.createEncoder?.({ geometry: { width: 100, height: 50 } });
      const bad: [string, number[][]][] = [
        ['unsorted', [[10, 1, 1, 1], [9, 1, 1, 1]]],
        ['x outside', [[10, 1, 1, 1], [11, 100, 1, 1]]],
        ['y outside', [[10, 1, 1, 1], [11, 1, 50, 1]]],
        ['polarity 2', [[10, 1, 1, 1], [11, 1, 1, 2]]],
        ['negative t', [[10, 1, 1, 1], [-1, 1, 1, 1]]],
        ['fractional t', [[10, 1, 1, 1], [10.5, 1, 1, 1]]],
        ['NaN t', [[10, 1, 1, 1], [NaN, 1, 1, 1]]],
      ];
      for (const [why, r] of bad) {
        const enc = mk();
        try {
          enc?.push(batchOf(r));
          throw new Error(`accepted: ${why}`);
        } catch (e) {
          expect(e, why).toBeInstanceOf(EncodeError);
          expect((e as EncodeError).index, why).toBe(1);
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// EVT 3.0 semantics (openeb state machine and the pitfalls of event-formats.md section 2)

const EVT3_HEADER = ascii('% evt 3.0\n% format EVT3;height=720;width=1280\n% end\n');
const TH = (h: number) => 0x8000 | h;
const TL = (l: number) => 0x6000 | l;
const AY = (y: number) => 0x0000 | y;
const AX = (x: number, p: number) => 0x2000 | (p << 11) | x;
const VB = (x: number, p: number) => 0x3000 | (p << 11) | x;
const V12 = (m: number) => 0x4000 | m;
const V8 = (m: number) => 0x5000 | m;

function evt3(ws: number[], opts: PropheseeDecoderOptions = {}, header = EVT3_HEADER) {
  const dec = new Evt3Decoder(opts);
  const b = decodeWith(dec, concatBytes(header, words16(ws)), [], opts.maxBatch ?? 65536);
  return { rows: rows(b, 0, b.length), dec, triggers: dec.takeSideChannels().triggers };
}

describe('EVT 3.0 decoding semantics', () => {
  it('never infers a wrap from TIME_LOW going backwards', () => {
    // TIME_HIGH(h), TIME_LOW(x+11), TIME_LOW(x): the pattern of the real Gen4.1 files.
    const { rows: r } = evt3([TH(5), TL(811), TL(800), AY(3), AX(10, 1), TL(805), AX(11, 0)]);
    expect(r).toEqual([
      [5 * 4096 + 800, 10, 3, 1],
      [5 * 4096 + 805, 11, 3, 0],
    ]);
  });

  it('counts a loop only when TIME_HIGH drops by 2048 or more; a new TIME_HIGH resets TIME_LOW', () => {
    const { rows: r } = evt3([
      TH(4000), TL(7), AY(1), AX(1, 1),
      TH(4000), AX(2, 1), // same TIME_HIGH: low kept
      TH(4001), AX(3, 1), // new TIME_HIGH: low reset to 0
      TH(2000), TL(1), AX(4, 1), // drop of 2001 < 2048: no loop (time goes back, kept as stored)
      TH(5), TL(2), AX(5, 1), // drop of 1995 from 2000: no loop
      TH(4095), TH(2047), TL(3), AX(6, 1), // drop of exactly 2048: loop
    ]);
    expect(r.map((e) => e[0])).toEqual([
      4000 * 4096 + 7,
      4000 * 4096 + 7,
      4001 * 4096,
      2000 * 4096 + 1,
      5 * 4096 + 2,
      2 ** 24 + 2047 * 4096 + 3,
    ]);
  });

  it('decodes vectors, tolerates a missing VECT_8 and bounds x by the width', () => {
    const { rows: r, dec } = evt3([
      TH(1), TL(0), AY(7),
      VB(100, 1), V12(0b100000000001), V12(0b1), V8(0b10000000), // 100, 111, 112, 131
      VB(200, 0), V12(0b11), // triple without VECT_12 #2 and VECT_8
      AX(300, 1), // next word decodes normally
      VB(1270, 1), V12(0xfff), // 1270..1281: only 1270..1279 are inside 1280
    ]);
    expect(r.map((e) => e[1])).toEqual([100, 111, 112, 131, 200, 201, 300, ...Array.from({ length: 10 }, (_, i) => 1270 + i)]);
    expect(r.every((e) => e[2] === 7 && e[0] === 4096)).toBe(true);
    expect(r.map((e) => e[3])).toEqual([1, 1, 1, 1, 0, 0, 1, ...Array(10).fill(1)]);
    expect(dec.droppedEvents).toBe(2);
  });

  it('drops rows outside the height, EM rows (type 1) and events before the first TIME_HIGH', () => {
    const { rows: r, dec } = evt3([
      AY(1), AX(1, 1), V12(0xfff), // before any TIME_HIGH: ignored (13 events)
      TH(2), AX(2, 1), // no ADDR_Y since the TIME_HIGH... y state was not set: dropped
      AY(720), AX(3, 1), // y outside 720 rows
      0x1000 | 5, AX(4, 1), // EM ADDR_Y: not a CD event
      AY(719), AX(5, 1),
    ]);
    expect(r).toEqual([[2 * 4096, 5, 719, 1]]);
    expect(dec.droppedEvents).toBe(13 + 3);
  });

  it('skips unknown and vendor words, and surfaces EXT_TRIGGER as triggers', () => {
    const { rows: r, dec, triggers } = evt3([
      TH(3), TL(9), AY(2),
      0x7123, 0xd000, 0xe014, 0xf123, 0xf456, 0x7001, 0x9000, 0xb000, 0xc000, // continued/IMU/others/unused
      0xa000 | (5 << 8) | 1, // trigger id 5 rising
      AX(8, 0),
    ]);
    expect(r).toEqual([[3 * 4096 + 9, 8, 2, 0]]);
    expect(dec.skippedWords).toBe(9);
    expect(triggers).toEqual<TriggerEvent[]>([{ t: 3 * 4096 + 9, id: 5, value: 1 }]);
  });

  it('keeps vector state across batches: maxBatch cuts a mask in the middle', () => {
    const ws = [TH(1), AY(4), VB(0, 1), V12(0xfff), V12(0xfff), V8(0xff), AX(500, 0)];
    const all = evt3(ws).rows;
    expect(all).toHaveLength(33);
    for (const maxBatch of [1, 2, 5, 11, 12, 13, 32, 33]) {
      expect(evt3(ws, { maxBatch }).rows, `maxBatch ${maxBatch}`).toEqual(all);
    }
  });

  it('without any geometry, bounds coordinates by the 11-bit address space', () => {
    const { rows: r, dec } = evt3([TH(1), AY(9), VB(2040, 0), V12(0xfff)], {}, ascii('% evt 3.0\n'));
    expect(dec.header()?.geometry).toBeNull();
    expect(r.map((e) => e[1])).toEqual([2040, 2041, 2042, 2043, 2044, 2045, 2046, 2047]);
  });
});

describe('EVT 2.0 decoding semantics', () => {
  const H = ascii('% evt 2.0\n% geometry 640x480\n');
  const CD = (p: number, lsb: number, x: number, y: number) => (p << 28) | (lsb << 22) | (x << 11) | y;
  const THW = (h: number) => (0x8 << 28) | h;

  it('builds 34-bit times, loops on a large TIME_HIGH drop, skips vendor words, reports triggers', () => {
    const dec = new Evt2Decoder();
    const b = decodeWith(
      dec,
      concatBytes(
        H,
        words32([
          CD(1, 1, 1, 1), // before the first TIME_HIGH: dropped
          THW(0xfffffff), CD(1, 63, 639, 479),
          (0xa << 28) | (7 << 22) | (3 << 8) | 1, // trigger id 3, value 1
          (0xe << 28) | 5, (0xf << 28) | 6, (0x5 << 28) | 7, // others / continued / reserved
          THW(0x7ffffff), CD(0, 2, 3, 4), // drop of 2^27: loop
          THW(0x7fffff0), CD(0, 0, 640, 4), // small drop: no loop; x outside 640: dropped
          CD(0, 1, 5, 5),
        ]),
      ),
    );
    expect(rows(b, 0, b.length)).toEqual([
      [0xfffffff * 64 + 63, 639, 479, 1],
      [2 ** 34 + 0x7ffffff * 64 + 2, 3, 4, 0],
      [2 ** 34 + 0x7fffff0 * 64 + 1, 5, 5, 0],
    ]);
    expect(dec.droppedEvents).toBe(2);
    expect(dec.skippedWords).toBe(3);
    expect(dec.takeSideChannels().triggers).toEqual([{ t: 0xfffffff * 64 + 7, id: 3, value: 1 }]);
    expect(dec.takeSideChannels().triggers).toEqual([]);
  });
});

describe('side-channel bound', () => {
  it('keeps at most MAX_PENDING_TRIGGERS undrained triggers and counts the rest', () => {
    const n = MAX_PENDING_TRIGGERS + 5;
    const ws = new Uint32Array(n + 2);
    ws[0] = (0xa << 28) >>> 0; // before the first TIME_HIGH: dropped
    ws[1] = (0x8 << 28) >>> 0;
    ws.fill(((0xa << 28) | (2 << 8) | 1) >>> 0, 2);
    const dec = new Evt2Decoder();
    const b = decodeWith(dec, concatBytes(ascii('% evt 2.0\n'), new Uint8Array(ws.buffer)));
    expect(b.length).toBe(0);
    const tr = dec.takeSideChannels().triggers;
    expect(tr).toHaveLength(MAX_PENDING_TRIGGERS);
    expect(tr[0]).toEqual({ t: 0, id: 2, value: 1 });
    expect(dec.droppedTriggers).toBe(6);
  });
});

describe('DAT decoding semantics', () => {
  const rec = (t: number, d: number) => {
    const out = new Uint8Array(8);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, t, true);
    dv.setUint32(4, d >>> 0, true);
    return out;
  };

  it('reads Width/Height, unwraps the 32-bit counter and drops events outside the sensor', () => {
    const dec = new DatDecoder();
    const b = decodeWith(
      dec,
      concatBytes(
        ascii('% Data file containing CD events\n% Version 2\n% Width 304\n% Height 240\n'),
        Uint8Array.of(0x0c, 8),
        rec(2 ** 32 - 10, (1 << 28) | (239 << 14) | 303),
        rec(5, (0 << 28) | (1 << 14) | 2), // wrapped: 2^32 + 5
        rec(6, (1 << 28) | (1 << 14) | 304), // x = 304: outside
        rec(7, (15 << 28) | (2 << 14) | 3), // polarity nibble 15: ON
      ),
    );
    expect(dec.header()?.geometry).toEqual({ width: 304, height: 240 });
    expect(rows(b, 0, b.length)).toEqual([
      [2 ** 32 - 10, 303, 239, 1],
      [2 ** 32 + 5, 2, 1, 0],
      [2 ** 32 + 7, 3, 2, 1],
    ]);
    expect(dec.droppedEvents).toBe(1);
    expect(dec.eventType).toBe(0x0c);
  });

  it('reads the version 1 layout and trigger files', () => {
    const v1 = decode(
      datFormat,
      concatBytes(ascii('% Version 1\n'), Uint8Array.of(0, 8), rec(3, (1 << 17) | (200 << 9) | 511)),
    );
    expect(rows(v1, 0, 1)).toEqual([[3, 511, 200, 1]]);
    const dec = new DatDecoder();
    const b = decodeWith(dec, concatBytes(ascii('% Data file containing Trigger events\n'), Uint8Array.of(0x0e, 8), rec(42, (9 << 26) | 1)));
    expect(b.length).toBe(0);
    expect(dec.takeSideChannels().triggers).toEqual([{ t: 42, id: 9, value: 1 }]);
  });

  it('rejects an unknown event type or size at the offset of that byte', () => {
    const head = ascii('% Version 2\n');
    expect(expectDecodeError(() => decode(datFormat, concatBytes(head, Uint8Array.of(0x42, 8)))).offset).toBe(head.length);
    expect(expectDecodeError(() => decode(datFormat, concatBytes(head, Uint8Array.of(0x0c, 16)))).offset).toBe(head.length + 1);
    expect(expectDecodeError(() => decode(datFormat, concatBytes(head, Uint8Array.of(0x0c)))).offset).toBe(head.length);
    // A header alone is an empty recording.
    expect(decode(datFormat, head).length).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Headers

describe('RAW / DAT headers', () => {
  it('takes geometry from geometry, format options, Width/Height, then system_ID / plugin name', () => {
    const g = (text: string, f: FormatInfo = evt3Format, opts: PropheseeDecoderOptions = {}) => {
      const dec = f.createDecoder(opts);
      dec.push(ascii(text));
      dec.end();
      return dec.header()?.geometry ?? null;
    };
    expect(g('% geometry 1280x720\n% format EVT3;height=10;width=20\n')).toEqual({ width: 1280, height: 720 });
    expect(g('% format EVT3;height=720;width=1280\n')).toEqual({ width: 1280, height: 720 });
    expect(g('% system_ID 21\n')).toEqual({ width: 640, height: 480 });
    expect(g('% system_ID 49\n')).toEqual({ width: 1280, height: 720 });
    expect(g('% plugin_name hal_plugin_imx636_evk4\n')).toEqual({ width: 1280, height: 720 });
    expect(g('% plugin_name hal_plugin_gen31_fx3\n')).toEqual({ width: 640, height: 480 });
    expect(g('% plugin_name something_else\n% system_ID 999999999999999999999\n')).toBeNull();
    expect(g('% Width 304\n% Height 240\n', datFormat)).toEqual({ width: 304, height: 240 });
    expect(g('% system_ID 21\n', datFormat)).toBeNull();
    expect(g('% system_ID 21\n', evt2Format, { geometry: { width: 32, height: 16 } })).toEqual({ width: 32, height: 16 });
    expect(inferPropheseeGeometry('48', undefined)).toEqual({ width: 1280, height: 720 });
  });

  it('reports malformed or absurd geometry at the offset of its line', () => {
    for (const bad of ['% geometry 0x480', '% geometry 99999999999x1', '% geometry 70000x1', '% geometry axb', '% geometry 12', '% format EVT2;height=1e309;width=5', '% format EVT2;width=640']) {
      const text = `% evt 2.0\n${bad}\n`;
      expect(expectDecodeError(() => decode(evt2Format, ascii(text))).offset, bad).toBe(10);
    }
  });

  it('refuses a header that declares another encoding, at the offset of that line', () => {
    const text = '% Date x\n% evt 3.0\n';
    expect(expectDecodeError(() => decode(evt2Format, ascii(text))).offset).toBe(9);
    expect(expectDecodeError(() => decode(evt3Format, ascii('% format EVT21;height=1;width=1\n'))).offset).toBe(0);
    expect(expectDecodeError(() => decode(datFormat, ascii('% a b\n% evt 2.0\n'))).offset).toBe(6);
    expect(expectDecodeError(() => decode(evt2Format, ascii('% Data file containing CD events\n'))).offset).toBe(0);
  });

  it('bounds the header size', () => {
    const line = ascii(`% x ${'y'.repeat(1000)}\n`);
    const dec = new Evt2Decoder();
    const err = expectDecodeError(() => {
      for (let i = 0; i <= MAX_HEADER_BYTES / line.length + 1; i++) dec.push(line);
    });
    expect(err.offset).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    const one = new Uint8Array(MAX_HEADER_BYTES + 10).fill(0x41);
    one[0] = 0x25;
    expect(expectDecodeError(() => decode(evt3Format, one)).offset).toBe(0);
  });

  it('ends the header at "% end" even when the first data byte is "%"', () => {
    // An EVT2 CD word whose low byte is 0x25 ('%'), right after the header.
    const word = (1 << 28) | (3 << 11) | 0x25;
    const bytes = concatBytes(ascii('% evt 2.0\n% end\n'), words32([(0x8 << 28) | 0x25, word]));
    expect(bytes[16]).toBe(0x25);
    expect(rows(decode(evt2Format, bytes), 0, 9)).toEqual([[0x25 * 64, 3, 0x25, 1]]);
  });

  it('handles a header-only file and a header without trailing newline', () => {
    expect(decode(evt2Format, ascii('% evt 2.0\n% geometry 2x2')).length).toBe(0);
    const dec = evt2Format.createDecoder();
    dec.push(ascii('% evt 2.0\n% geometry 2x2'));
    dec.end();
    expect(dec.header()?.geometry).toEqual({ width: 2, height: 2 });
    expect(decode(evt3Format, EMPTY).length).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzzing: only DecodeError or valid events, never another exception, never a hang

interface FuzzCase {
  bytes: Uint8Array;
  cuts: number[];
  maxBatch: number;
  geometry: boolean;
}

function fuzzArb(real: Uint8Array | null, header: string, dataOffset: number): fc.Arbitrary<FuzzCase> {
  const base = real ? real.subarray(0, Math.min(real.length, dataOffset + 3000)) : concatBytes(ascii(header), new Uint8Array(3000).fill(0x11));
  const hdr = base.subarray(0, dataOffset);
  const absurd = [
    '99999999999', '0', '-1', '1e309', 'NaN', '', '\n', '%', '\r\n', '% geometry 0x0\n', '% geometry 65537x1\n',
    '% format EVT3;height=99999999999999;width=1\n', '% evt 2.0\n', '% evt 3.0\n', '% evt 2.1\n', '% end\n',
    '% Width 4294967296\n% Height 1\n', '% Version 1\n', '% system_ID 21\n', 'x'.repeat(300), '\u0000\u00ff',
  ];
  const sources: fc.Arbitrary<Uint8Array>[] = [
    fc.uint8Array({ maxLength: 600 }),
    fc.uint8Array({ maxLength: 1500 }).map((b) => concatBytes(ascii(header), b)),
    fc.integer({ min: 0, max: base.length }).map((n) => base.slice(0, n)),
    fc
      .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 12 })
      .map((flips) => {
        const b = base.slice();
        for (const [i, bit] of flips) b[i] ^= 1 << bit;
        return b;
      }),
    fc
      .tuple(fc.nat(Math.max(0, hdr.length)), fc.constantFrom(...absurd), fc.nat(8))
      .map(([at, s, del]) => concatBytes(hdr.subarray(0, at), ascii(s), base.subarray(Math.min(base.length, at + del)))),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(1000))
      .map(([junk, at]) => {
        const i = Math.min(base.length, dataOffset + at);
        return concatBytes(base.subarray(0, i), junk, base.subarray(i));
      }),
  ];
  return fc.record({
    bytes: fc.oneof(...sources),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    maxBatch: fc.constantFrom(1, 3, 64, 65536),
    geometry: fc.boolean(),
  });
}

function checkValid(b: EventBatch, triggers: TriggerEvent[], g: SensorGeometry | null, maxCoord: number): void {
  for (let i = 0; i < b.length; i++) {
    const t = b.t[i];
    if (!(Number.isInteger(t) && t >= 0 && t <= Number.MAX_SAFE_INTEGER)) throw new Error(`bad t ${t}`);
    if (b.p[i] > 1) throw new Error(`bad p ${b.p[i]}`);
    if (g && (b.x[i] >= g.width || b.y[i] >= g.height)) throw new Error(`(${b.x[i]}, ${b.y[i]}) outside ${g.width}x${g.height}`);
    if (b.x[i] >= maxCoord || b.y[i] >= maxCoord) throw new Error(`coordinate beyond the format's range`);
  }
  for (const tr of triggers) {
    if (!(Number.isInteger(tr.t) && tr.t >= 0) || !Number.isInteger(tr.id) || !Number.isInteger(tr.value)) {
      throw new Error(`bad trigger ${JSON.stringify(tr)}`);
    }
  }
}

const fuzzCases = [
  { format: evt2Format, file: evt2File, header: '% evt 2.0\n% geometry 640x480\n', maxCoord: 2048 },
  { format: evt3Format, file: evt3File, header: '% evt 3.0\n% format EVT3;height=720;width=1280\n', maxCoord: 2048 },
  { format: datFormat, file: datFile, header: '% Data file containing CD events\n% Version 2\n\u000c\u0008', maxCoord: 16384 },
] as const;

for (const f of fuzzCases) {
  describe(`${f.format.id} decoder fuzzing`, () => {
    it('10,000 hostile inputs: DecodeError or valid events, nothing else', () => {
      const real = f.file ? f.file.bytes : null;
      const dataOffset = f.file ? (f.file.entry.data_offset as number) : ascii(f.header).length;
      let errors = 0;
      let events = 0;
      fc.assert(
        fc.property(fuzzArb(real, f.header, dataOffset), (c) => {
          const geometry = c.geometry ? { width: 300, height: 200 } : undefined;
          const dec = f.format.createDecoder({ maxBatch: c.maxBatch, geometry, source: 'fuzz' });
          const cuts = [...new Set(c.cuts.map((x) => x % (c.bytes.length + 1)))].sort((a, b) => a - b);
          try {
            const b = decodeWith(dec, c.bytes, cuts, c.maxBatch);
            events += b.length;
            checkValid(b, dec.takeSideChannels().triggers, dec.header()?.geometry ?? null, f.maxCoord);
            if (geometry) checkValid(b, [], geometry, f.maxCoord);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
            errors++;
            if (!(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= c.bytes.length)) {
              throw new Error(`DecodeError offset ${e.offset} outside 0..${c.bytes.length}`);
            }
            if (e.source !== 'fuzz' || e.format !== f.format.id) throw new Error('DecodeError without source/format');
          }
        }),
        { numRuns: fuzzRuns(10_000) },
      );
      // The generator reaches both outcomes.
      expect(errors).toBeGreaterThan(100);
      expect(events).toBeGreaterThan(1000);
    });
  });
}
