/**
 * AEDAT 2.0 / 3.1 / 4.0 decoders and the 3.1 / 4.0 writers.
 *
 * Ground truth: the recordings in ../shared/fixtures/events (made by jAER and DV, not by us) and
 * the values in their MANIFEST.json, including faery's SHA3-224 digests for the AEDAT 4.0 file.
 * AEDAT 3.1 has no real recording; it is checked against bytes laid out by hand from the
 * specification and by round trips. Also: chunking at every byte of the first 2 KB and at random
 * offsets, batch bounds, hostile sizes, and fuzzing (random bytes, truncations, bit flips and
 * corrupted sizes of the real files) where only DecodeError or valid events may come out.
 */
import { fuzzRuns } from '../helpers/fuzz.js';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { compress as lz4Compress } from 'lz4js';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, UsageError } from '../../host/errors.js';
import { Aedat2Decoder, aedat2Format } from '../../host/events/formats/aedat2.js';
import { Aedat3Decoder, Aedat3Encoder, aedat3Format } from '../../host/events/formats/aedat3.js';
import {
  Aedat4Decoder,
  Aedat4Encoder,
  aedat4Format,
  encodeAedat4,
  readAedat4TimeRange,
} from '../../host/events/formats/aedat4.js';
import type { EventDecoder, ImuSample, SideChannels, TriggerEvent } from '../../host/events/formats/format.js';
import { makeBatch, type EventBatch } from '../../host/events/types.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { sharedPath } from '../helpers/shared.js';

const EMPTY = new Uint8Array(0);
const paths = {
  davis: sharedPath('fixtures/events/aedat2/PyAedatTools_IMU_translBoxes_DAVIS240C.aedat'),
  dvs128: sharedPath('fixtures/events/aedat2/Mibblez_header_test_128_DVS128.aedat'),
  headerOnly: sharedPath('fixtures/events/aedat2/tonic_sample_aedat_header.aedat'),
  aedat4: sharedPath('fixtures/events/aedat4/tonic_sample.aedat4'),
  manifest: sharedPath('fixtures/events/MANIFEST.json'),
};
const load = (p: string | null): Uint8Array | null => (p ? new Uint8Array(readFileSync(p)) : null);
const files = {
  davis: load(paths.davis),
  dvs128: load(paths.dvs128),
  headerOnly: load(paths.headerOnly),
  aedat4: load(paths.aedat4),
};
/** MANIFEST.json entries, read as they are (the test compares against their fields). */
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const manifest: Json[] = paths.manifest ? JSON.parse(readFileSync(paths.manifest, 'utf8')) : [];
const truth = (path: string): Json => manifest.find((e) => e.path === path);

const tmp = mkdtempSync(join(tmpdir(), 'neurite-aedat-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// Helpers

interface Decoded {
  batch: EventBatch;
  side: SideChannels;
  error: DecodeError | null;
  /** Largest batch handed out by one push. */
  maxBatch: number;
  decoder: EventDecoder;
}

/** Pushes bytes cut at `cuts`, drains each push, ends; a DecodeError is captured, others thrown. */
function decodeWith(make: () => EventDecoder, bytes: Uint8Array, cuts: readonly number[] = []): Decoded {
  const dec = make();
  const parts: EventBatch[] = [];
  const side: SideChannels = { imu: [], triggers: [], frames: [] };
  let maxBatch = 0;
  const take = (b: EventBatch): number => {
    if (b.length > 0) parts.push(copy(b));
    maxBatch = Math.max(maxBatch, b.length);
    const s = dec.takeSideChannels();
    side.imu.push(...s.imu);
    side.triggers.push(...s.triggers);
    side.frames.push(...s.frames);
    return b.length;
  };
  let error: DecodeError | null = null;
  try {
    let prev = 0;
    for (const c of [...cuts, bytes.length]) {
      const at = Math.max(prev, Math.min(c, bytes.length));
      // A copy: the decoder must not depend on the caller's buffer after push returns.
      const chunk = bytes.slice(prev, at);
      let n = take(dec.push(chunk));
      chunk.fill(0xa5);
      while (n > 0) n = take(dec.push(EMPTY));
      prev = at;
    }
    take(dec.end());
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    error = e;
    // Once failed, the decoder refuses more input with the same error.
    expect(() => dec.push(new Uint8Array(1))).toThrow(DecodeError);
  }
  return { batch: concat(parts), side, error, maxBatch, decoder: dec };
}

function copy(b: EventBatch): EventBatch {
  return makeBatch(
    { t: b.t.slice(0, b.length), x: b.x.slice(0, b.length), y: b.y.slice(0, b.length), p: b.p.slice(0, b.length) },
    b.length,
  );
}

function concat(parts: readonly EventBatch[]): EventBatch {
  const n = parts.reduce((s, b) => s + b.length, 0);
  const out = { t: new Float64Array(n), x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) };
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

/** One string that changes with any event, side-channel record or error. */
function fingerprint(d: Decoded): string {
  const h = createHash('sha256');
  const b = d.batch;
  for (const a of [b.t, b.x, b.y, b.p]) h.update(new Uint8Array(a.buffer, a.byteOffset, b.length * a.BYTES_PER_ELEMENT));
  h.update(JSON.stringify(d.side, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v)));
  h.update(d.error ? `${d.error.offset}:${d.error.reason}` : 'ok');
  return `${b.length}:${h.digest('hex')}`;
}

function rows(b: EventBatch, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let i = from; i < to; i++) out.push([b.t[i], b.x[i], b.y[i], b.p[i]]);
  return out;
}

function range(a: ArrayLike<number>, n: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return [lo, hi];
}

function sum(a: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  return s;
}

/** Every event is well formed (what fuzzed decoders may hand out). */
function expectValidEvents(b: EventBatch): void {
  for (let i = 0; i < b.length; i++) {
    const t = b.t[i];
    if (!(Number.isSafeInteger(t) && t >= 0) || (b.p[i] !== 0 && b.p[i] !== 1)) {
      throw new Error(`invalid event ${i}: t=${t} p=${b.p[i]}`);
    }
  }
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function batchOf(rowsIn: readonly (readonly number[])[]): EventBatch {
  return makeBatch(
    {
      t: Float64Array.from(rowsIn, (r) => r[0]),
      x: Uint16Array.from(rowsIn, (r) => r[1]),
      y: Uint16Array.from(rowsIn, (r) => r[2]),
      p: Uint8Array.from(rowsIn, (r) => r[3]),
    },
    rowsIn.length,
  );
}

function plain(b: EventBatch): { t: number[]; x: number[]; y: number[]; p: number[] } {
  return {
    t: Array.from(b.t.subarray(0, b.length)),
    x: Array.from(b.x.subarray(0, b.length)),
    y: Array.from(b.y.subarray(0, b.length)),
    p: Array.from(b.p.subarray(0, b.length)),
  };
}

/** Sorted distinct random cut points in [1, n). */
function randomCuts(rng: Xoshiro128, n: number, k: number): number[] {
  const s = new Set<number>();
  while (s.size < Math.min(k, n - 1)) s.add(1 + rng.nextInt(n - 1));
  return [...s].sort((a, b) => a - b);
}

/**
 * Fuzz inputs derived from `bases`: random bytes (half of them behind the format's magic),
 * truncations, bit flips, and 32-bit words overwritten at structural offsets (sizes, lengths),
 * each fed in up to four chunks.
 */
function fuzzInput(
  bases: readonly { bytes: Uint8Array; words: readonly number[] }[],
  magic: Uint8Array,
): fc.Arbitrary<{ bytes: Uint8Array; cuts: number[] }> {
  const extremes = [0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 31 - 8, 1 << 20, 1 << 26];
  const base = fc.integer({ min: 0, max: bases.length - 1 });
  const mutated = fc.oneof(
    fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.boolean()).map(([r, m]) => (m ? cat(magic, r) : r)),
    fc.tuple(base, fc.double({ min: 0, max: 1, noNaN: true })).map(([k, f]) => {
      const b = bases[k].bytes;
      return b.subarray(0, Math.floor(f * b.length));
    }),
    fc
      .tuple(base, fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }))
      .map(([k, flips]) => {
        const b = bases[k].bytes.slice();
        for (const [f, bit] of flips) b[Math.min(b.length - 1, Math.floor(f * b.length))] ^= 1 << bit;
        return b;
      }),
    fc
      .tuple(base, fc.nat(), fc.oneof(fc.constantFrom(...extremes), fc.nat({ max: 0xffffffff })), fc.boolean(), fc.integer({ min: -3, max: 3 }))
      .map(([k, w, v, le, shift]) => {
        const { bytes, words } = bases[k];
        const b = bytes.slice();
        const at = Math.max(0, Math.min(b.length - 4, words[w % words.length] + shift));
        if (b.length >= 4) new DataView(b.buffer).setUint32(at, v >>> 0, le);
        return b;
      }),
  );
  return fc
    .tuple(mutated, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }))
    .map(([bytes, fr]) => ({ bytes, cuts: fr.map((f) => Math.floor(f * bytes.length)).sort((a, b) => a - b) }));
}

function fuzz(make: () => EventDecoder, arb: fc.Arbitrary<{ bytes: Uint8Array; cuts: number[] }>, runs: number, seed: number): void {
  fc.assert(
    fc.property(arb, ({ bytes, cuts }) => {
      const d = decodeWith(make, bytes, cuts); // throws if anything but a DecodeError escapes
      expectValidEvents(d.batch);
    }),
    { numRuns: runs, seed },
  );
}

// ---------------------------------------------------------------------------------------------
// AEDAT 2.0

/** DAVIS address words (jAER layout). */
const davis = {
  dvs: (x: number, y: number, p: number): number => ((y << 22) | (x << 12) | (p << 11)) >>> 0,
  imu: (code: number, v: number): number => (0x80000c00 | (code << 28) | ((v & 0xffff) << 12)) >>> 0,
  aps: (x: number, y: number): number => (0x80000000 | (y << 22) | (x << 12) | (1 << 10)) >>> 0,
  special: (v: number): number => ((v << 12) | 0x400) >>> 0,
};
/** DVS128 address: raw polarity bit 0 means ON. */
const dvs128 = (x: number, y: number, on: number): number => (y << 8) | (x << 1) | (on ? 0 : 1);

function aedat2File(header: readonly string[], records: readonly (readonly [number, number])[], eol = '\r\n'): Uint8Array {
  const head = ascii(['#!AER-DAT2.0', ...header].map((l) => l + eol).join(''));
  const body = new Uint8Array(records.length * 8);
  const dv = new DataView(body.buffer);
  records.forEach(([a, t], i) => {
    dv.setUint32(8 * i, a >>> 0, false);
    dv.setUint32(8 * i + 4, t >>> 0, false);
  });
  return cat(head, body);
}

describe('AEDAT 2.0', () => {
  const m = (path: string): Json => truth(path)?.decoded;

  it.skipIf(!files.davis || !manifest.length)('DAVIS240C recording (jAER, with IMU) matches the manifest', () => {
    const bytes = files.davis as Uint8Array;
    const g = m('aedat2/PyAedatTools_IMU_translBoxes_DAVIS240C.aedat');
    const d = decodeWith(() => aedat2Format.createDecoder({ source: 'davis.aedat' }), bytes);
    expect(d.error).toBeNull();
    const s = (d.decoder as Aedat2Decoder).stats;
    expect(s.headerLines).toBe(g.header_lines);
    expect(s.dataOffset).toBe(g.data_offset);
    expect(s.records).toBe(g.records);
    expect(s.records * 8).toBe(g.data_bytes);
    expect(s.dvsEvents).toBe(g.dvs_events);
    expect(s.specialEvents).toBe(g.special);
    expect(s.imuWords).toBe(g.imu_words);
    expect(s.apsWords).toBe(g.aps_words);
    expect(s.camera).toBe('DAVIS');
    expect(s.layoutSource).toBe('AEChip');
    const b = d.batch;
    expect(b.length).toBe(g.dvs_events);
    expect(b.t[0]).toBe(g.dvs_t_first);
    expect(b.t[b.length - 1]).toBe(g.dvs_t_last);
    expect(range(b.x, b.length)).toEqual(g.x_raw_range);
    expect(range(b.y, b.length)).toEqual(g.y_raw_range);
    expect(sum(b.p, b.length)).toBe(g.on_events);
    expect(rows(b, 0, 5)).toEqual(g.first5_t_xraw_yraw_p);
    for (let i = 1; i < b.length; i++) if (b.t[i] < b.t[i - 1]) throw new Error(`time goes back at ${i}`);
    const h = d.decoder.header();
    expect(h?.geometry).toEqual({ width: 240, height: 180 });
    expect(h?.fields.AEChip).toBe('eu.seebetter.ini.chips.davis.DAVIS240C');
    expect(h?.fields.accelLsbPerG).toBe(4096); // ImuAccelScaleG8 in the header's preferences
    expect(h?.fields.gyroLsbPerDps).toBe(32.8); // GyroFullScaleDegPerSec1000
    // 33837 IMU words = 4833 complete 7-word samples + a last sample cut off by the file's end.
    expect(s.imuSamples).toBe(4833);
    expect(s.imuWordsDropped).toBe(6);
    expect(d.side.imu.length).toBe(4833);
    // Physically plausible: a hand-held camera feels ~1 g, the board is at room temperature.
    const norms = d.side.imu.map((q) => Math.hypot(...q.accel));
    const mean = norms.reduce((a, v) => a + v, 0) / norms.length;
    expect(mean).toBeGreaterThan(0.9);
    expect(mean).toBeLessThan(1.1);
    for (const q of d.side.imu) {
      expect(q.temperature).toBeGreaterThan(15);
      expect(q.temperature).toBeLessThan(45);
      expect(q.t).toBeGreaterThanOrEqual(g.dvs_t_first - 1000);
    }
  });

  it.skipIf(!files.dvs128 || !manifest.length)('truncated DVS128 file: header end, camera, special records, truncation error', () => {
    const bytes = files.dvs128 as Uint8Array;
    const g = m('aedat2/Mibblez_header_test_128_DVS128.aedat');
    const d = decodeWith(() => new Aedat2Decoder(), bytes);
    const s = (d.decoder as Aedat2Decoder).stats;
    expect(s.headerLines).toBe(g.header_lines);
    expect(s.dataOffset).toBe(g.data_offset); // the source's own test: header_end == 4241
    expect(s.records).toBe(g.records);
    expect(s.dvsEvents).toBe(g.dvs_events);
    expect(s.specialEvents).toBe(g.special);
    expect(s.imuWords).toBe(g.imu_words);
    expect(s.apsWords).toBe(g.aps_words);
    expect(s.camera).toBe('DVS128');
    expect(d.decoder.header()?.geometry).toEqual({ width: 128, height: 128 });
    expect(d.side.triggers.length).toBe(4);
    // 38 data bytes: 4 records and 6 bytes of a fifth.
    expect(d.error?.offset).toBe(g.data_offset + 32);
    expect(d.error?.reason).toContain('6 of 8 bytes');
  });

  it.skipIf(!files.headerOnly || !manifest.length)('header-only file (tonic): 12 lines, creation time, no events', () => {
    const bytes = files.headerOnly as Uint8Array;
    const g = m('aedat2/tonic_sample_aedat_header.aedat');
    const d = decodeWith(() => new Aedat2Decoder(), bytes);
    expect(d.error).toBeNull();
    expect(d.batch.length).toBe(0);
    const s = (d.decoder as Aedat2Decoder).stats;
    expect(s.headerLines).toBe(g.header_lines);
    expect(s.dataOffset).toBe(g.data_offset);
    const h = d.decoder.header();
    expect(h?.fields.creationTimeMs).toBe(1695355587880); // tonic's test: start_timestamp
    expect(h?.fields.camera).toBe('DAVIS');
    expect(h?.geometry).toEqual({ width: 346, height: 260 });
    expect(aedat2Format.sniff(bytes)).toBe(true);
    expect(aedat3Format.sniff(bytes)).toBe(false);
    expect(aedat4Format.sniff(bytes)).toBe(false);
  });

  it.skipIf(!files.davis)('chunk boundaries at every byte of the first 2 KB and of the header/data seam, and at 200 random offsets', () => {
    const full = files.davis as Uint8Array;
    const dataOffset = 175268;
    // A prefix ending on a record boundary keeps each decode cheap.
    const prefix = full.subarray(0, dataOffset + 8 * 3000);
    const make = (): EventDecoder => new Aedat2Decoder();
    const whole = fingerprint(decodeWith(make, prefix));
    for (let c = 0; c <= 2048; c++) expect(fingerprint(decodeWith(make, prefix, [c]))).toBe(whole);
    for (let c = dataOffset - 64; c <= dataOffset + 64; c++) {
      expect(fingerprint(decodeWith(make, prefix, [c]))).toBe(whole);
    }
    // Whole file: 200 random cuts in one run, and runs with fewer cuts and a small maxBatch.
    const rng = new Xoshiro128(2);
    const ref = fingerprint(decodeWith(make, full));
    expect(fingerprint(decodeWith(make, full, randomCuts(rng, full.length, 200)))).toBe(ref);
    for (let k = 0; k < 5; k++) {
      const d = decodeWith(() => new Aedat2Decoder({ maxBatch: 777 }), full, randomCuts(rng, full.length, 3));
      expect(d.maxBatch).toBeLessThanOrEqual(777);
      expect(fingerprint(d)).toBe(ref);
    }
  });

  it('synthetic DAVIS stream: DVS, IMU assembly, APS, specials, 32-bit wrap', () => {
    const imuGroup = (t: number, vals: number[]): [number, number][] => vals.map((v, c) => [davis.imu(c, v), t]);
    const records: [number, number][] = [
      [davis.dvs(5, 6, 1), 0xfffffff0],
      ...imuGroup(0xfffffff2, [4096, -4096, 2048, 340, 328, -328, 0]),
      [davis.aps(1, 2), 0xfffffff3],
      [davis.special(3), 0xfffffff4],
      [davis.dvs(239, 179, 0), 10], // wrapped: 2^32 + 10
      [davis.imu(0, 1), 11], // incomplete group (codes 0, 1 then a new 0)
      [davis.imu(1, 1), 11],
      ...imuGroup(12, [0, 0, 16384, 0, 0, 0, 32]),
      [davis.imu(3, 5), 13], // stray word
      [davis.dvs(0, 0, 1), 20],
    ];
    const header = ['# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C', '#Start of Preferences', '#  <entry key="ImuAccelScale" value="ImuAccelScaleG2"/>', '#End of Preferences'];
    const bytes = aedat2File(header, records);
    const d = decodeWith(() => new Aedat2Decoder(), bytes);
    expect(d.error).toBeNull();
    expect(rows(d.batch, 0, d.batch.length)).toEqual([
      [0xfffffff0, 5, 6, 1],
      [2 ** 32 + 10, 239, 179, 0],
      [2 ** 32 + 20, 0, 0, 1],
    ]);
    const s = (d.decoder as Aedat2Decoder).stats;
    expect([s.dvsEvents, s.imuWords, s.apsWords, s.specialEvents, s.imuSamples, s.imuWordsDropped]).toEqual([3, 17, 1, 1, 2, 3]);
    expect(d.side.triggers).toEqual([{ t: 0xfffffff4, id: davis.special(3), value: 1 }]);
    const [a, b] = d.side.imu;
    expect(a.t).toBe(0xfffffff2);
    expect(a.accel).toEqual([4096 / 16384, -4096 / 16384, 2048 / 16384]); // ±2 g from the header
    expect(a.temperature).toBeCloseTo(340 / 340 + 36.53, 10);
    expect(a.gyro).toEqual([10, -10, 0]); // default ±1000 °/s: 32.8 LSB per °/s
    expect(b.t).toBe(2 ** 32 + 12);
    expect(b.accel[2]).toBe(1);
  });

  it('synthetic DVS128 stream: polarity inverted as jAER stores it, LF line ends, data-sniffed layout', () => {
    const recs: [number, number][] = [
      [dvs128(127, 0, 1), 100],
      [dvs128(0, 127, 0), 200],
      [0x8000, 300], // external sync event
      [dvs128(64, 32, 1), 400],
    ];
    // No AEChip / HardwareInterface line: the layout is guessed from the data (all addresses < 2^16).
    const bytes = aedat2File(['# This is a raw AE data file'], recs, '\n');
    const d = decodeWith(() => new Aedat2Decoder(), bytes);
    expect(d.error).toBeNull();
    expect((d.decoder as Aedat2Decoder).stats.layoutSource).toBe('data');
    expect(rows(d.batch, 0, d.batch.length)).toEqual([
      [100, 127, 0, 1],
      [200, 0, 127, 0],
      [400, 64, 32, 1],
    ]);
    expect(d.side.triggers).toEqual([{ t: 300, id: 0x8000, value: 1 }]);
    // A caller geometry decides the layout when the header does not, and bounds coordinates.
    const g = decodeWith(() => new Aedat2Decoder({ geometry: { width: 100, height: 128 } }), bytes);
    expect((g.decoder as Aedat2Decoder).stats.layoutSource).toBe('geometry');
    expect(g.error?.offset).toBe(bytes.length - 32); // first record, x = 127 ≥ 100
  });

  it("a first record starting with '#' (DAVIS y = 140..143) is data, not a header line", () => {
    const recs: [number, number][] = [
      [davis.dvs(5, 140, 1), 1000],
      [davis.dvs(6, 141, 0), 0x23232323], // '#' bytes throughout, then a control byte follows
      [davis.dvs(7, 1, 1), 0x23232324],
    ];
    expect(davis.dvs(5, 140, 1) >>> 24).toBe(0x23);
    const bytes = aedat2File(['# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C'], recs);
    const ref = decodeWith(() => new Aedat2Decoder(), bytes);
    expect(ref.error).toBeNull();
    expect(rows(ref.batch, 0, ref.batch.length)).toEqual([
      [1000, 5, 140, 1],
      [0x23232323, 6, 141, 0],
      [0x23232324, 7, 1, 1],
    ]);
    expect((ref.decoder as Aedat2Decoder).stats.headerLines).toBe(2);
    for (let c = 0; c <= bytes.length; c++) expect(fingerprint(decodeWith(() => new Aedat2Decoder(), bytes, [c]))).toBe(fingerprint(ref));
  });

  it('rejects what is not AEDAT 2.0, early and with the offset', () => {
    const bad = (bytes: Uint8Array): DecodeError => {
      const e = decodeWith(() => new Aedat2Decoder(), bytes).error;
      expect(e).toBeInstanceOf(DecodeError);
      return e as DecodeError;
    };
    expect(bad(EMPTY).reason).toContain('empty');
    expect(bad(ascii('#!AER-DAT3.1\r\n')).offset).toBe(9);
    expect(bad(ascii('hello')).offset).toBe(0);
    expect(bad(ascii('#!AER-DAT2.0x\r\n')).offset).toBe(0);
    expect(bad(ascii('#!AER')).reason).toContain('first line');
    // A 1 MB garbage "header line" fails at the magic, before reading it all.
    const e = new Aedat2Decoder();
    expect(() => e.push(cat(ascii('#XYZ'), new Uint8Array(1 << 20)))).toThrow(DecodeError);
  });

  it('fuzz: random bytes, truncations, bit flips, corrupted header lines (10,000+ cases)', () => {
    const bases: { bytes: Uint8Array; words: number[] }[] = [];
    const lineWords = (b: Uint8Array, upTo: number): number[] => {
      const w: number[] = [];
      for (let i = 0; i < Math.min(b.length, upTo); i++) if (b[i] === 0x0a || b[i] === 0x23) w.push(Math.max(0, i - 2));
      return w.length ? w : [0];
    };
    if (files.dvs128) bases.push({ bytes: files.dvs128, words: lineWords(files.dvs128, files.dvs128.length) });
    if (files.davis) {
      // A short DAVIS file made of the real recording's first 1000 records.
      const small = cat(ascii('#!AER-DAT2.0\r\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n'), files.davis.subarray(175268, 175268 + 8000));
      bases.push({ bytes: small, words: lineWords(small, 80) });
    }
    bases.push({
      bytes: aedat2File(['# HardwareInterface: DVS128'], [[dvs128(1, 2, 1), 5], [0x8001, 6], [dvs128(3, 4, 0), 0xffffffff], [dvs128(3, 4, 0), 1]]),
      words: [0, 14, 20],
    });
    fuzz(() => new Aedat2Decoder(), fuzzInput(bases, ascii('#!AER-DAT2.0\r\n')), fuzzRuns(10_000), 42);
    // A few hundred on the full recording (its 175 KB header makes each decode slower).
    if (files.davis) {
      const big = [{ bytes: files.davis, words: [175268 - 40, 175268 - 2, 175268, 175268 + 8 * 1000] }];
      fuzz(() => new Aedat2Decoder(), fuzzInput(big, ascii('#!AER-DAT2.0\r\n')), 200, 43);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// AEDAT 3.1

function aedat3Packet(
  type: number,
  size: number,
  overflow: number,
  events: Uint8Array,
  counts?: { capacity: number; number: number; valid: number },
): Uint8Array {
  const n = events.length / size;
  const h = new DataView(new ArrayBuffer(28));
  h.setInt16(0, type, true);
  h.setInt16(2, 1, true);
  h.setInt32(4, size, true);
  h.setInt32(8, 4, true);
  h.setInt32(12, overflow, true);
  h.setInt32(16, counts?.capacity ?? n, true);
  h.setInt32(20, counts?.number ?? n, true);
  h.setInt32(24, counts?.valid ?? n, true);
  return cat(new Uint8Array(h.buffer), events);
}

function polarityWords(evs: readonly (readonly [number, number, number, number, number?])[]): Uint8Array {
  const b = new DataView(new ArrayBuffer(evs.length * 8));
  evs.forEach(([ts, x, y, p, valid], i) => {
    b.setUint32(8 * i, ((x << 17) | (y << 2) | (p << 1) | (valid ?? 1)) >>> 0, true);
    b.setInt32(8 * i + 4, ts, true);
  });
  return new Uint8Array(b.buffer);
}

const AEDAT3_HEADER = ascii('#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 10:00:00 (TZ+0100)\r\n#!END-HEADER\r\n');

describe('AEDAT 3.1', () => {
  it('decodes bytes laid out by hand from the specification (no real 3.1 file exists here)', () => {
    const bytes = cat(
      AEDAT3_HEADER,
      aedat3Packet(1, 8, 0, polarityWords([[10, 5, 7, 1], [11, 127, 0, 0], [12, 3, 3, 1, 0]])),
      aedat3Packet(2, 40, 0, new Uint8Array(80)), // a frame packet: skipped
      aedat3Packet(1, 8, 3, polarityWords([[2 ** 31 - 1, 0, 127, 1]]), { capacity: 3, number: 1, valid: 1 }).subarray(0),
      new Uint8Array(16), // the two unused slots of that packet (capacity 3)
      aedat3Packet(0, 8, 1, polarityWords([[99, 0, 0, 0]])), // a special event: type (data>>1)&0x7f
    );
    const d = decodeWith(() => aedat3Format.createDecoder(), bytes);
    expect(d.error).toBeNull();
    expect(rows(d.batch, 0, d.batch.length)).toEqual([
      [10, 5, 7, 1],
      [11, 127, 0, 0],
      [3 * 2 ** 31 + 2 ** 31 - 1, 0, 127, 1],
    ]);
    const s = (d.decoder as Aedat3Decoder).stats;
    expect(s.packets).toBe(4);
    expect(s.packetsByType).toEqual({ 0: 1, 1: 2, 2: 1 });
    expect(s.invalidEvents).toBe(1);
    expect(s.skippedPackets).toBe(1);
    expect(d.side.triggers).toEqual([{ t: 2 ** 31 + 99, id: 0, value: 0 }]);
    const h = d.decoder.header();
    expect(h?.geometry).toEqual({ width: 128, height: 128 });
    expect(h?.fields['Source 1']).toBe('DVS128');
    expect(h?.fields.dataOffset).toBe(AEDAT3_HEADER.length);
  });

  it('writer → reader round trip is exact, including timestamp overflow, IMU6/IMU9 and triggers', () => {
    const ev = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 2 ** 33 }), fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 1 })), { maxLength: 300 })
      .map((r) => [...r].sort((a, b) => a[0] - b[0]));
    fc.assert(
      fc.property(ev, fc.integer({ min: 1, max: 50 }), fc.array(fc.nat({ max: 4000 }), { maxLength: 3 }), (evs, per, cutsRaw) => {
        const enc = new Aedat3Encoder({ packetEvents: per, geometry: { width: 128, height: 128 } });
        const half = Math.floor(evs.length / 2);
        const bytes = cat(enc.push(batchOf(evs.slice(0, half))), enc.push(batchOf(evs.slice(half))), enc.end());
        const d = decodeWith(() => new Aedat3Decoder(), bytes, cutsRaw.sort((a, b) => a - b));
        expect(d.error).toBeNull();
        expect(plain(d.batch)).toEqual(plain(batchOf(evs)));
      }),
      { numRuns: 200, seed: 7 },
    );
    const imu: ImuSample[] = [
      { t: 5, accel: [0.5, -1, 0.25], gyro: [1.5, 2, -3], temperature: 30.5 },
      { t: 2 ** 31 + 6, accel: [0, 0, 1], gyro: [0, 0, 0], temperature: 31 },
    ];
    const imu9: ImuSample[] = [{ t: 7, accel: [0, 0, 1], gyro: [0, 1, 0], temperature: 20, mag: [10, -20, 30] }];
    const trig: TriggerEvent[] = [{ t: 8, id: 2, value: 0xabcdef }, { t: 2 ** 32, id: 127, value: 0 }];
    const enc = new Aedat3Encoder();
    const bytes = cat(enc.pushImu(imu), enc.pushImu(imu9), enc.pushTriggers(trig), enc.push(batchOf([[2 ** 32 + 1, 1, 2, 1]])), enc.end());
    const d = decodeWith(() => new Aedat3Decoder(), bytes);
    expect(d.error).toBeNull();
    expect(d.side.imu).toEqual([...imu, ...imu9]);
    expect(d.side.triggers).toEqual(trig);
    expect(rows(d.batch, 0, 1)).toEqual([[2 ** 32 + 1, 1, 2, 1]]);
    // Two special-event packets: the triggers' times have different overflow counters.
    expect((d.decoder as Aedat3Decoder).stats.packetsByType).toEqual({ 0: 2, 1: 1, 3: 2, 4: 1 });
    // The writer refuses what the format cannot hold.
    expect(() => new Aedat3Encoder().push(batchOf([[1, 0x8000, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat3Encoder().push(batchOf([[2, 0, 0, 0], [1, 0, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat3Encoder().push(batchOf([[0.5, 0, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat3Encoder().pushTriggers([{ t: 0, id: 128, value: 0 }])).toThrow(EncodeError);
  });

  it('chunk boundaries at every byte of the first 2 KB and at 200 random offsets; bounded batches', () => {
    const rng = new Xoshiro128(3);
    const evs: number[][] = [];
    let t = 2 ** 31 - 5000;
    for (let i = 0; i < 20000; i++) {
      t += rng.nextInt(3);
      evs.push([t, rng.nextInt(128), rng.nextInt(128), rng.nextInt(2)]);
    }
    const enc = new Aedat3Encoder({ packetEvents: 100 });
    const bytes = cat(enc.push(batchOf(evs)), enc.pushImu([{ t: 1, accel: [0, 0, 1], gyro: [0, 0, 0], temperature: 25 }]), enc.end());
    const make = (): EventDecoder => new Aedat3Decoder();
    const whole = decodeWith(make, bytes);
    expect(plain(whole.batch)).toEqual(plain(batchOf(evs)));
    const ref = fingerprint(whole);
    for (let c = 0; c <= 2048; c++) expect(fingerprint(decodeWith(make, bytes, [c]))).toBe(ref);
    expect(fingerprint(decodeWith(make, bytes, randomCuts(rng, bytes.length, 200)))).toBe(ref);
    const small = decodeWith(() => new Aedat3Decoder({ maxBatch: 333 }), bytes, randomCuts(rng, bytes.length, 2));
    expect(small.maxBatch).toBeLessThanOrEqual(333);
    expect(fingerprint(small)).toBe(ref);
  });

  it('rejects bad packet headers and truncation with the offset', () => {
    const h = AEDAT3_HEADER.length;
    const err = (bytes: Uint8Array): DecodeError => decodeWith(() => new Aedat3Decoder(), bytes).error as DecodeError;
    expect(err(cat(AEDAT3_HEADER, aedat3Packet(1, 8, 0, polarityWords([[1, 1, 1, 1]]), { capacity: 1, number: 2, valid: 1 }))).offset).toBe(h);
    expect(err(cat(AEDAT3_HEADER, aedat3Packet(1, 16, 0, new Uint8Array(16)))).reason).toContain('event size');
    expect(err(cat(AEDAT3_HEADER, aedat3Packet(1, 8, -1, new Uint8Array(8)))).reason).toContain('overflow');
    const trunc = err(cat(AEDAT3_HEADER, aedat3Packet(1, 8, 0, polarityWords([[1, 1, 1, 1], [2, 2, 2, 0]])).subarray(0, 28 + 12)));
    expect(trunc.offset).toBe(h);
    expect(trunc.reason).toContain('truncated');
    expect(err(AEDAT3_HEADER.subarray(0, 30)).reason).toContain('header');
    expect(err(ascii('#!AER-DAT3.1\r\nnot a header line\r\n')).offset).toBe(14);
    // A 2 GB skip declared by a packet is not an allocation: the stream just ends short.
    const huge = aedat3Packet(9, 1 << 20, 0, EMPTY, { capacity: 2047, number: 0, valid: 0 });
    expect(err(cat(AEDAT3_HEADER, huge)).reason).toContain('truncated');
    expect(err(cat(AEDAT3_HEADER, aedat3Packet(9, 1 << 20, 0, EMPTY, { capacity: 4096, number: 0, valid: 0 }))).reason).toContain('too large');
  });

  it('fuzz: random bytes, truncations, bit flips, corrupted packet headers (10,000+ cases)', () => {
    const enc = new Aedat3Encoder({ packetEvents: 16 });
    const evs: number[][] = [];
    for (let i = 0; i < 60; i++) evs.push([2 ** 31 - 30 + i, i, 127 - i, i & 1]);
    const base = cat(
      enc.push(batchOf(evs)),
      enc.pushImu([{ t: 1, accel: [0, 0, 1], gyro: [0, 0, 0], temperature: 25, mag: [1, 2, 3] }]),
      enc.pushTriggers([{ t: 2, id: 1, value: 3 }]),
      aedat3Packet(2, 12, 0, new Uint8Array(36)),
      enc.end(),
    );
    // Packet header words: walk the packets.
    const words: number[] = [];
    const dv = new DataView(base.buffer);
    let o = findBytes(base, ascii('#!END-HEADER\r\n')) + 14;
    while (o + 28 <= base.length) {
      for (let k = 0; k < 28; k += 4) words.push(o + k);
      o += 28 + dv.getInt32(o + 4, true) * dv.getInt32(o + 16, true);
    }
    expect(words.length).toBeGreaterThan(20);
    fuzz(() => new Aedat3Decoder(), fuzzInput([{ bytes: base, words }, { bytes: AEDAT3_HEADER, words: [0, 20, 40] }], ascii('#!AER-DAT3.1\r\n')), fuzzRuns(10_000), 44);
  });
});

// ---------------------------------------------------------------------------------------------
// AEDAT 4.0

const sha3 = (b: Uint8Array): string => createHash('sha3-224').update(b).digest('hex');

/** faery's per-field digests: little-endian u64 t, u16 x, u16 y, u8 on. */
function faeryDigests(b: EventBatch): Record<string, string> {
  const n = b.length;
  const t = new BigUint64Array(n);
  for (let i = 0; i < n; i++) t[i] = BigInt(b.t[i]);
  const le = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return { t: sha3(le(t)), x: sha3(le(b.x.slice(0, n))), y: sha3(le(b.y.slice(0, n))), on: sha3(b.p.slice(0, n)) };
}

/** Offsets of the packets of an AEDAT4 file (walking the headers), up to `stop`. */
function packetOffsets(bytes: Uint8Array, dataOffset: number, stop: number): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let o = dataOffset; o + 8 <= stop; o += 8 + dv.getUint32(o + 4, true)) out.push(o);
  return out;
}

/** Builds an AEDAT 4.0 file by hand (for frames, zstd and odd streams the writer does not make). */
function aedat4File(
  compression: number,
  streams: readonly { id: number; type: string; sizeX?: number; sizeY?: number }[],
  packets: readonly { id: number; payload: Uint8Array }[],
  pack: (b: Uint8Array) => Uint8Array,
): Uint8Array {
  const xml =
    '<dv version="2.0"><node name="outInfo" path="/mainloop/Recorder/outInfo/">' +
    streams
      .map(
        (s) =>
          `<node name="${s.id}" path="/mainloop/Recorder/outInfo/${s.id}/"><attr key="typeIdentifier" type="string">${s.type}</attr>` +
          `<node name="info" path="/mainloop/Recorder/outInfo/${s.id}/info/">` +
          (s.sizeX ? `<attr key="sizeX" type="int">${s.sizeX}</attr><attr key="sizeY" type="int">${s.sizeY}</attr>` : '') +
          '</node></node>',
      )
      .join('') +
    '</node></dv>';
  const b = new Builder(256);
  const info = b.createString(xml);
  b.startObject(3);
  b.addFieldInt32(0, compression, 0);
  b.addFieldOffset(2, info, 0);
  b.finish(b.endObject(), 'IOHE'); // no dataTablePosition: -1 by default
  const header = b.asUint8Array();
  const len = new DataView(new ArrayBuffer(4));
  len.setUint32(0, header.length, true);
  const parts = [ascii('#!AER-DAT4.0\r\n'), new Uint8Array(len.buffer), header];
  for (const p of packets) {
    const body = pack(p.payload);
    const ph = new DataView(new ArrayBuffer(8));
    ph.setInt32(0, p.id, true);
    ph.setUint32(4, body.length, true);
    parts.push(new Uint8Array(ph.buffer), body);
  }
  return cat(...parts);
}

function framePayload(format: number, width: number, height: number, pixels: Uint8Array, t: number): Uint8Array {
  const b = new Builder(pixels.length + 128);
  const px = b.createByteVector(pixels);
  b.startObject(11);
  b.addFieldInt64(0, BigInt(t), 0n);
  b.addFieldInt64(3, BigInt(t + 5), 0n);
  b.addFieldInt8(5, format, 0);
  b.addFieldInt16(6, width, 0);
  b.addFieldInt16(7, height, 0);
  b.addFieldOffset(10, px, 0);
  b.finishSizePrefixed(b.endObject(), 'FRME');
  return b.asUint8Array();
}

function eventsPayload(evs: readonly (readonly number[])[]): Uint8Array {
  const b = new Builder(evs.length * 16 + 64);
  b.startVector(16, evs.length, 8);
  for (let i = evs.length - 1; i >= 0; i--) {
    b.prep(8, 16);
    b.pad(3);
    b.writeInt8(evs[i][3]);
    b.writeInt16(evs[i][2]);
    b.writeInt16(evs[i][1]);
    b.writeInt64(BigInt(evs[i][0]));
  }
  const v = b.endVector();
  b.startObject(1);
  b.addFieldOffset(0, v, 0);
  b.finishSizePrefixed(b.endObject(), 'EVTS');
  return b.asUint8Array();
}

/** A zstd frame of raw (stored) blocks: valid zstd without a compressor. */
function zstdRaw(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), new Uint8Array(new Uint32Array([data.length]).buffer)];
  for (let o = 0; o < data.length || o === 0; o += 1 << 17) {
    const n = Math.min(1 << 17, data.length - o);
    const last = o + n >= data.length ? 1 : 0;
    const bh = last | (0 << 1) | (n << 3);
    parts.push(new Uint8Array([bh & 0xff, (bh >>> 8) & 0xff, (bh >>> 16) & 0xff]), data.subarray(o, o + n));
    if (n === 0) break;
  }
  return cat(...parts);
}

/**
 * An EventPacket of 100 events (t = 1000 + 7i, x = i % 50, y = 3i % 40, on = i % 2) compressed
 * by the zstd 1.5.4 command-line tool at level 19 (with an XXH64 checksum).
 */
const ZSTD_EVTS_100 =
  'KLUv/WRgBQUTAHpcDAlA4BglrQEAPUiucmQwMmwMDYwMG0MDcQP8oewgN+QEKxURiJUT7BXkAFNt0CvwD/wD/4u+6Lf/i76h' +
  '1hrZuzWZAn4AewB7AN+brJ+9+DVrfsbiV5XmZyl+6upnJn5RVT8T8U1nfubht5X5WYY/mvqZhd+iMT+T8IfC/OzBL1DUzxj8' +
  'ni8/O/Cr8/Szot9q+tnPL2vpZzh/9frZ6ldm+xnqw2Q/Y7+npJ/U5V9HP0nLL+n9pCtJVE7i7FfW9FrDBg4TPvMFIkIfZoG/' +
  '7fyeEvgb618H/C31Syrgb6V/gL/9BbDoZ1t+UKKfYfn1CeBnVf7OoZ9J+cUp9DMo32bQz5z80gT6GZM/8+dnSn5j+vwMyX/Z' +
  '8zMjv6U8PyPy2Z2fCfm9Oj8D8onm/MzHr1Ccn+34P1s/w/HL8+ZnNX5Om5/JGFd/S/J7VX878onO/K3Ir1CZvw35P1N/C/LL' +
  'M+ZvP35OmL/x+L2J+luOX/PlbzZ+VU9/m/FTTX+D8Yta+luLb3r9TcVv2/524o+yv434LUr624c/dPS3Db9A728Xfs9G4Ven' +
  'gr9B+K0J/tbglxXB3xT81QN/G/Ar08DfAr+qV4+feun4Rb1ufNOLxm97xfijl4vfoteKP/RC8Qv0KvF7XiF+dV4dfuuF4Zf1' +
  'qvBXrwi/Mi8HH+a14Pf0MvCvF9Ev6eXz7/mv1i+APP+l+kF3/uvl16fOf5H+zpy/cfnFifO3LN9m629Wfmne/G3Kn2nztyi/' +
  'MVl/e/Jf1vytyW8pzd+WfBYVqBDend81G9DXMxDm6wYkdWQKeppYOQlbljJIww==';

describe('AEDAT 4.0', () => {
  const fixture = 'aedat4/tonic_sample.aedat4';

  it.skipIf(!files.aedat4 || !manifest.length)('DVXplorer recording (DV, LZ4) matches the manifest and faery digests', () => {
    const bytes = files.aedat4 as Uint8Array;
    const g = truth(fixture).decoded;
    const d = decodeWith(() => aedat4Format.createDecoder({ source: fixture }), bytes);
    expect(d.error).toBeNull();
    const b = d.batch;
    expect(b.length).toBe(g.events);
    expect(b.t[0]).toBe(g.t_first);
    expect(b.t[b.length - 1]).toBe(g.t_last);
    expect(range(b.x, b.length)).toEqual(g.x_range);
    expect(range(b.y, b.length)).toEqual(g.y_range);
    expect(sum(b.p, b.length)).toBe(g.on_events);
    expect(rows(b, 0, 5)).toEqual(g.first5_t_x_y_p);
    expect(rows(b, b.length - 2, b.length)).toEqual(g.last2_t_x_y_p);
    expect(faeryDigests(b)).toEqual(g.faery_sha3_224);
    const dec = d.decoder as Aedat4Decoder;
    expect(dec.stats.packetsByStream).toEqual(g.packets_by_stream);
    expect(dec.ioHeader?.compression).toBe(g.compression);
    expect(dec.ioHeader?.dataTablePosition).toBe(g.file_data_position);
    expect(dec.ioHeader?.dataOffset).toBe(truth(fixture).data_offset);
    expect(dec.ioHeader?.streams.map((s) => `${s.id}:${s.type}`)).toEqual(['0:EVTS', '2:IMUS', '3:TRIG']);
    const h = d.decoder.header();
    expect(h?.geometry).toEqual({ width: 320, height: 240 });
    expect(h?.fields.source).toBe('DVXplorer_DXB00010');
    // The IMU stream: 59 packets of samples, all within the recording, ~1 g at rest.
    expect(d.side.imu.length).toBeGreaterThan(59);
    for (const s of d.side.imu) {
      expect(s.t).toBeGreaterThanOrEqual(g.t_first - 20_000);
      expect(s.t).toBeLessThanOrEqual(g.t_last + 20_000);
      expect(Math.hypot(...s.accel)).toBeGreaterThan(0.8);
      expect(Math.hypot(...s.accel)).toBeLessThan(1.2);
      expect(s.mag).toBeUndefined(); // DVXplorer has no magnetometer: fields absent
    }
  });

  it.skipIf(!files.aedat4)('chunk boundaries at every byte of the first 2 KB, around packet seams, and at 200 random offsets', () => {
    const full = files.aedat4 as Uint8Array;
    const offs = packetOffsets(full, 2334, 945243);
    // Header plus the first five packets: cheap to decode 2000+ times.
    const prefix = full.subarray(0, offs[5]);
    const make = (): EventDecoder => new Aedat4Decoder();
    const whole = decodeWith(make, prefix);
    expect(whole.error?.reason).toContain('before the FileDataTable'); // the prefix is a truncated file
    expect(whole.batch.length).toBeGreaterThan(2000);
    const ref = fingerprint(whole);
    for (let c = 0; c <= 2048; c++) expect(fingerprint(decodeWith(make, prefix, [c]))).toBe(ref);
    for (const seam of offs.slice(0, 5)) {
      for (let c = seam - 12; c <= seam + 12; c++) expect(fingerprint(decodeWith(make, prefix, [c]))).toBe(ref);
    }
    const rng = new Xoshiro128(4);
    const fullRef = fingerprint(decodeWith(make, full));
    expect(fingerprint(decodeWith(make, full, randomCuts(rng, full.length, 200)))).toBe(fullRef);
    const small = decodeWith(() => new Aedat4Decoder({ maxBatch: 500 }), full, randomCuts(rng, full.length, 3));
    expect(small.maxBatch).toBeLessThanOrEqual(500);
    expect(fingerprint(small)).toBe(fullRef);
  });

  it.skipIf(!files.aedat4 || !manifest.length)('writer: re-encoding the recording keeps faery digests; file has a valid IOHeader and FileDataTable', async () => {
    const g = truth(fixture).decoded;
    const src = decodeWith(() => new Aedat4Decoder(), files.aedat4 as Uint8Array);
    const bytes = encodeAedat4(src.batch, { geometry: { width: 320, height: 240 }, imu: src.side.imu, packetEvents: 1000 });
    const d = decodeWith(() => new Aedat4Decoder(), bytes);
    expect(d.error).toBeNull();
    expect(faeryDigests(d.batch)).toEqual(g.faery_sha3_224);
    expect(d.side.imu).toEqual(src.side.imu); // DV's float32 values survive exactly
    const dec = d.decoder as Aedat4Decoder;
    expect(dec.ioHeader?.compression).toBe(1);
    expect(dec.header()?.geometry).toEqual({ width: 320, height: 240 });
    expect(dec.stats.packetsByStream).toEqual({ '0:EVTS': Math.ceil(g.events / 1000), '2:IMUS': 1 });
    // The table is consistent with the packets: time-range reads use it and agree with a scan.
    const file = join(tmp, 'reencoded.aedat4');
    writeFileSync(file, bytes);
    const mid = (g.t_first + g.t_last) / 2;
    const r = await readAedat4TimeRange(file, mid, mid + 50_000);
    expect(r.usedTable).toBe(true);
    expect(r.header.dataTablePosition).toBeGreaterThan(0);
    const expected = filterRange(src.batch, mid, mid + 50_000);
    expect(plain(r.events)).toEqual(plain(expected));
    expect(r.packetsRead).toBeLessThanOrEqual(Math.ceil(expected.length / 1000) + 1);
  });

  it('writer round trip on random batches, IMU samples and triggers (fast-check)', () => {
    const ev = fc
      .array(fc.tuple(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 0, max: 1 })), { maxLength: 200 })
      .map((r) => [...r].sort((a, b) => a[0] - b[0]));
    const f32 = fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround);
    const imu = fc.array(
      fc.record({
        t: fc.integer({ min: 0, max: 2 ** 52 }),
        accel: fc.tuple(f32, f32, f32),
        gyro: fc.tuple(f32, f32, f32),
        temperature: f32,
        mag: fc.option(fc.tuple(f32, f32, f32), { nil: undefined }),
      }),
      { maxLength: 5 },
    );
    const trig = fc.array(fc.record({ t: fc.integer({ min: 0, max: 2 ** 52 }), id: fc.integer({ min: 0, max: 9 }) }), { maxLength: 5 });
    fc.assert(
      fc.property(ev, imu, trig, fc.integer({ min: 1, max: 64 }), (evs, samples, tr, per) => {
        const imuIn: ImuSample[] = samples.map((s) => (s.mag ? s : { t: s.t, accel: s.accel, gyro: s.gyro, temperature: s.temperature }));
        const trIn: TriggerEvent[] = tr.map((x) => ({ t: x.t, id: x.id, value: [0, 2, 5, 7, 9].includes(x.id) ? 0 : 1 }));
        const enc = new Aedat4Encoder({ packetEvents: per });
        const half = evs.length >> 1;
        enc.push(batchOf(evs.slice(0, half)));
        enc.pushImu(imuIn);
        enc.push(batchOf(evs.slice(half)));
        enc.pushTriggers(trIn);
        const bytes = enc.end();
        const d = decodeWith(() => new Aedat4Decoder(), bytes);
        expect(d.error).toBeNull();
        expect(plain(d.batch)).toEqual(plain(batchOf(evs)));
        expect(d.side.imu).toEqual(imuIn);
        expect(d.side.triggers).toEqual(trIn);
      }),
      { numRuns: 150, seed: 8 },
    );
    expect(() => new Aedat4Encoder().push(batchOf([[1, 40000, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat4Encoder({ geometry: { width: 10, height: 10 } }).push(batchOf([[1, 10, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat4Encoder().push(batchOf([[-1, 0, 0, 0]]))).toThrow(EncodeError);
    expect(() => new Aedat4Encoder().pushTriggers([{ t: 0, id: 1, value: 0 }])).toThrow(EncodeError);
    // An empty recording is still a valid file.
    const empty = decodeWith(() => new Aedat4Decoder(), new Aedat4Encoder().end());
    expect(empty.error).toBeNull();
    expect(empty.batch.length).toBe(0);
  });

  it.skipIf(!files.aedat4)('readAedat4TimeRange returns exactly the events in [t0, t1), from bytes or a path, with and without the table', async () => {
    const bytes = files.aedat4 as Uint8Array;
    const all = decodeWith(() => new Aedat4Decoder(), bytes).batch;
    const t0 = all.t[0];
    const t1 = all.t[all.length - 1];
    const windows: [number, number][] = [
      [t0, t0 + 1],
      [t0 + 100_000, t0 + 110_000],
      [t0 + 123_457, t0 + 323_456],
      [t1, t1 + 1],
      [t1 - 5000, t1],
      [0, Number.MAX_SAFE_INTEGER],
      [t0 - 10, t0],
      [t0 + 5000, t0 + 5000],
    ];
    const file = join(tmp, 'fixture.aedat4');
    writeFileSync(file, bytes);
    // Without the table: the same file with dataTablePosition set to -1 and the table cut off.
    const noTable = bytes.slice(0, 945243);
    const pos = findBytes(noTable.subarray(0, 2334), new Uint8Array(new BigInt64Array([945243n]).buffer));
    expect(pos).toBeGreaterThan(18);
    noTable.fill(0xff, pos, pos + 8);
    for (const [a, b] of windows) {
      const expected = plain(filterRange(all, a, b));
      const r = await readAedat4TimeRange(bytes, a, b);
      expect(r.usedTable).toBe(true);
      expect(plain(r.events)).toEqual(expected);
      const rp = await readAedat4TimeRange(file, a, b);
      expect(plain(rp.events)).toEqual(expected);
      expect(rp.packetsRead).toBe(r.packetsRead);
      const rs = await readAedat4TimeRange(noTable, a, b);
      expect(rs.usedTable).toBe(false);
      expect(plain(rs.events)).toEqual(expected);
    }
    // Seeking: a 10 ms window reads at most a few of the 59 event packets; the whole range all.
    expect((await readAedat4TimeRange(bytes, t0 + 100_000, t0 + 110_000)).packetsRead).toBeLessThanOrEqual(3);
    expect((await readAedat4TimeRange(bytes, 0, Number.MAX_SAFE_INTEGER)).packetsRead).toBe(59);
    // The stripped file still decodes in full with the streaming decoder.
    expect(fingerprint(decodeWith(() => new Aedat4Decoder(), noTable)).split(':')[0]).toBe(String(all.length));
    await expect(readAedat4TimeRange(bytes.subarray(0, 100), 0, 1)).rejects.toBeInstanceOf(DecodeError);
    const badTable = bytes.slice();
    badTable.fill(0, 945243 + 10, 945243 + 40);
    await expect(readAedat4TimeRange(badTable, 0, 1)).rejects.toBeInstanceOf(DecodeError);
  });

  it('side channels: 8- and 16-bit frames, unknown frame formats skipped, triggers; zstd and uncompressed files', () => {
    const grey8 = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
    const grey16 = new Uint8Array(new Uint16Array([0, 1000, 65535, 256]).buffer);
    const bgr8 = Uint8Array.from({ length: 2 * 3 }, (_, i) => i);
    const f32 = new Uint8Array(16);
    const evs = [[10, 1, 2, 1], [11, 3, 4, 0]];
    const streams = [
      { id: 0, type: 'EVTS', sizeX: 346, sizeY: 260 },
      { id: 1, type: 'FRME', sizeX: 346, sizeY: 260 },
      { id: 5, type: 'EVTS', sizeX: 10, sizeY: 10 },
      { id: 7, type: 'XYZW' },
    ];
    const packets = [
      { id: 1, payload: framePayload(0, 3, 2, grey8, 100) },
      { id: 1, payload: framePayload(2, 2, 2, grey16, 200) }, // OpenCV CV_16UC1
      { id: 1, payload: framePayload(16, 2, 1, bgr8, 300) }, // CV_8UC3
      { id: 1, payload: framePayload(5, 2, 2, f32, 400) }, // CV_32FC1: skipped, not fatal
      { id: 1, payload: framePayload(0, 4, 4, grey8, 500) }, // pixel count mismatch: skipped
      { id: 0, payload: eventsPayload(evs) },
      { id: 5, payload: eventsPayload([[1, 1, 1, 1]]) }, // a second event stream: counted, skipped
      { id: 7, payload: new Uint8Array(8) }, // unknown type: skipped
      { id: 9, payload: new Uint8Array(8) }, // undeclared stream: skipped
    ];
    const check = (bytes: Uint8Array): void => {
      const d = decodeWith(() => new Aedat4Decoder(), bytes, [37]);
      expect(d.error).toBeNull();
      expect(rows(d.batch, 0, d.batch.length)).toEqual(evs);
      expect(d.side.frames.map((f) => [f.t, f.width, f.height, f.channels, f.bits])).toEqual([
        [105, 3, 2, 1, 8],
        [205, 2, 2, 1, 16],
        [305, 2, 1, 3, 8],
      ]);
      expect(Array.from(d.side.frames[0].pixels)).toEqual(Array.from(grey8));
      expect(d.side.frames[1].pixels).toBeInstanceOf(Uint16Array);
      expect(Array.from(d.side.frames[1].pixels)).toEqual([0, 1000, 65535, 256]);
      const s = (d.decoder as Aedat4Decoder).stats;
      expect(s.framesSkipped).toBe(2);
      expect(s.otherEventStreamPackets).toBe(1);
      expect(s.unknownStreamPackets).toBe(1);
      expect(d.decoder.header()?.geometry).toEqual({ width: 346, height: 260 });
    };
    check(aedat4File(1, streams, packets, (b) => lz4Compress(b)));
    check(aedat4File(0, streams, packets, (b) => b));
    check(aedat4File(3, streams, packets, zstdRaw));
    // A zstd frame made by the reference compressor (compressed blocks, checksum).
    const z = Uint8Array.from(atob(ZSTD_EVTS_100), (c) => c.charCodeAt(0));
    const d = decodeWith(() => new Aedat4Decoder(), aedat4File(4, [{ id: 0, type: 'EVTS' }], [{ id: 0, payload: z }], (b) => b));
    expect(d.error).toBeNull();
    expect(rows(d.batch, 0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => [1000 + 7 * i, i % 50, (3 * i) % 40, i % 2]));
  });

  it.skipIf(!files.aedat4)('hostile sizes are DecodeErrors at once, with no allocation', () => {
    const bytes = files.aedat4 as Uint8Array;
    const err = (b: Uint8Array, cuts: number[] = []): DecodeError => {
      const d = decodeWith(() => new Aedat4Decoder(), b, cuts);
      expect(d.error).toBeInstanceOf(DecodeError);
      return d.error as DecodeError;
    };
    const patch = (at: number, v: number): Uint8Array => {
      const b = bytes.subarray(0, 40_000).slice();
      new DataView(b.buffer).setUint32(at, v, true);
      return b;
    };
    // Packet size 2 GB: refused from the 8-byte header alone (the stream is cut right after it).
    const e1 = new Aedat4Decoder();
    e1.push(bytes.subarray(0, 2334));
    expect(() => e1.push(patch(2334 + 4, 0x7fffffff).subarray(2334, 2334 + 8))).toThrow(/packet size 2147483647/);
    expect(err(patch(2334 + 4, 0x80000000)).offset).toBe(2334);
    expect(err(patch(14, 0x80000000)).offset).toBe(14); // IOHeader size
    // An LZ4 frame that declares a 4 GB content size, or a huge stored block.
    const lz = (frame: Uint8Array): Uint8Array => aedat4File(1, [{ id: 0, type: 'EVTS' }], [{ id: 0, payload: frame }], (b) => b);
    expect(err(lz(new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x68, 0x70, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))).reason).toContain('content size');
    expect(err(lz(new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0, 0xff, 0xff, 0xff, 0xff]))).reason).toContain('LZ4');
    // zstd: a window of 2 GB, and a frame claiming 8 GB.
    const zs = (frame: number[]): Uint8Array => aedat4File(3, [{ id: 0, type: 'EVTS' }], [{ id: 0, payload: new Uint8Array(frame) }], (b) => b);
    expect(err(zs([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa8, 1, 0, 0]))).toBeInstanceOf(DecodeError);
    expect(err(zs([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0]))).toBeInstanceOf(DecodeError);
    // Truncations of the real file: at packet boundaries and inside.
    const offs = packetOffsets(bytes, 2334, 945243);
    expect(err(bytes.subarray(0, offs[3])).reason).toContain('before the FileDataTable');
    expect(err(bytes.subarray(0, offs[3] + 5)).offset).toBe(offs[3]);
    expect(err(bytes.subarray(0, 1000)).offset).toBe(18);
    expect(err(EMPTY).reason).toContain('empty');
    expect(err(ascii('#!AER-DAT2.0\r\n')).offset).toBe(9);
  });

  it.skipIf(!files.aedat4)('fuzz: random bytes, truncations, bit flips, corrupted sizes of the real file (10,000+ cases)', () => {
    const bytes = files.aedat4 as Uint8Array;
    const offs = packetOffsets(bytes, 2334, 945243);
    // Base 1: the header and the first three packets, with dataTablePosition set to -1 (no table).
    const prefix = bytes.slice(0, offs[3]);
    const pos = findBytes(prefix.subarray(0, 2334), new Uint8Array(new BigInt64Array([945243n]).buffer));
    prefix.fill(0xff, pos, pos + 8);
    const words1 = [14, pos, pos + 4, 18, 18 + 24, ...offs.slice(0, 3).flatMap((o) => [o, o + 4, o + 8, o + 12, o + 16])];
    // Base 2: a small file from our writer, with IMU, triggers and a FileDataTable.
    const small = encodeAedat4(
      batchOf(Array.from({ length: 300 }, (_, i) => [1e15 + i * 10, i % 320, i % 240, i & 1])),
      {
        packetEvents: 64,
        imu: [{ t: 1e15, accel: [0, 0, 1], gyro: [0, 0, 0], temperature: 30 }],
        triggers: [{ t: 1e15 + 5, id: 1, value: 1 }],
      },
    );
    const soffs = packetOffsets(small, 18 + new DataView(small.buffer).getUint32(14, true), small.length);
    const words2 = [14, 18, ...soffs.flatMap((o) => [o, o + 4, o + 8, o + 12])];
    // Base 3: a zstd file (fzstd must only ever fail with errors we turn into DecodeError).
    const z = Uint8Array.from(atob(ZSTD_EVTS_100), (c) => c.charCodeAt(0));
    const zfile = aedat4File(3, [{ id: 0, type: 'EVTS' }], [{ id: 0, payload: z }], (b) => b);
    const zwords = [14, zfile.length - z.length - 8, zfile.length - z.length - 4, zfile.length - z.length, zfile.length - z.length + 4];
    const arb = fuzzInput(
      [{ bytes: prefix, words: words1 }, { bytes: small, words: words2 }, { bytes: zfile, words: zwords }],
      ascii('#!AER-DAT4.0\r\n'),
    );
    fuzz(() => new Aedat4Decoder(), arb, fuzzRuns(10_000), 45);
  });

  it('fuzz: readAedat4TimeRange on corrupted files (table, headers, packets) only rejects with DecodeError', async () => {
    const small = encodeAedat4(batchOf(Array.from({ length: 200 }, (_, i) => [5e14 + i * 10, i % 320, i % 240, i & 1])), {
      packetEvents: 32,
    });
    const soffs = packetOffsets(small, 18 + new DataView(small.buffer).getUint32(14, true), small.length);
    const words = [14, 18, ...soffs.flatMap((o) => [o, o + 4, o + 8]), small.length - 60, small.length - 40, small.length - 20];
    const arb = fuzzInput([{ bytes: small, words }], ascii('#!AER-DAT4.0\r\n'));
    await fc.assert(
      fc.asyncProperty(arb, fc.integer({ min: 0, max: 3000 }), async ({ bytes }, w) => {
        try {
          const r = await readAedat4TimeRange(bytes, 5e14 + w, 5e14 + w + 500);
          expectValidEvents(r.events);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 46 },
    );
    await expect(readAedat4TimeRange(join(tmp, 'missing.aedat4'), 0, 1)).rejects.toBeInstanceOf(UsageError);
  });
});

function filterRange(b: EventBatch, t0: number, t1: number): EventBatch {
  const keep: number[][] = [];
  for (let i = 0; i < b.length; i++) if (b.t[i] >= t0 && b.t[i] < t1) keep.push([b.t[i], b.x[i], b.y[i], b.p[i]]);
  return batchOf(keep);
}

function findBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}
