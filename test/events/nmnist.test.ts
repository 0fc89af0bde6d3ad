/**
 * N-MNIST decoder and writer, checked against a recording made by someone else (tonic's sample and
 * the N-MNIST subset in ../shared), plus chunking, truncation, geometry, round-trip and fuzz checks.
 */
import { fuzzRuns } from '../helpers/fuzz.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, UsageError } from '../../host/errors.js';
import {
  NMNIST_GEOMETRY,
  NmnistDecoder,
  decodeNmnist,
  encodeNmnist,
  readNmnistFile,
  readNmnistFileSync,
} from '../../host/events/formats/nmnist.js';
import { concatBatches, makeBatch, type EventBatch } from '../../host/events/types.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { sharedPath } from '../helpers/shared.js';

const samplePath = sharedPath('fixtures/events/nmnist/tonic_sample_nmnist.bin');
const trainDir = sharedPath('fixtures/nmnist-small/train');
const sample: Uint8Array | null = samplePath ? new Uint8Array(readFileSync(samplePath)) : null;

const tmp = mkdtempSync(join(tmpdir(), 'neurite-nmnist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Plain arrays of the valid part of a batch, for deep equality. */
function plain(b: EventBatch): { t: number[]; x: number[]; y: number[]; p: number[] } {
  return {
    t: Array.from(b.t.subarray(0, b.length)),
    x: Array.from(b.x.subarray(0, b.length)),
    y: Array.from(b.y.subarray(0, b.length)),
    p: Array.from(b.p.subarray(0, b.length)),
  };
}

function decodeInChunks(bytes: Uint8Array, sizes: readonly number[]): EventBatch {
  const dec = new NmnistDecoder();
  const parts: EventBatch[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = sizes.length > 0 ? sizes[k++ % sizes.length] : bytes.length;
    parts.push(dec.push(bytes.subarray(i, i + n)));
    i += n;
  }
  dec.end();
  return concatBatches(parts);
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

function batchOf(rows: readonly (readonly [number, number, number, number])[]): EventBatch {
  const n = rows.length;
  return makeBatch(
    {
      t: Float64Array.from(rows, (r) => r[0]),
      x: Uint16Array.from(rows, (r) => r[1]),
      y: Uint16Array.from(rows, (r) => r[2]),
      p: Uint8Array.from(rows, (r) => r[3]),
    },
    n,
  );
}

describe.skipIf(!sample)('N-MNIST: tonic sample recording (ground truth in MANIFEST.json)', () => {
  const bytes = sample as Uint8Array;

  it('decodes the stated ground truth', () => {
    const b = decodeNmnist(bytes, NMNIST_GEOMETRY);
    expect(b.length).toBe(4325);
    expect(b.t[0]).toBe(654);
    expect(b.t[b.length - 1]).toBe(311175);
    const { t, x, y, p } = plain(b);
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBe(33);
    expect(Math.min(...y)).toBe(0);
    expect(Math.max(...y)).toBe(33);
    expect(p.reduce((s, v) => s + v, 0)).toBe(2145);
    const first5 = [0, 1, 2, 3, 4].map((i) => [t[i], x[i], y[i], p[i]]);
    expect(first5).toEqual([
      [654, 7, 15, 1],
      [2999, 19, 18, 0],
      [3017, 21, 17, 0],
      [3893, 10, 18, 0],
      [4023, 12, 9, 1],
    ]);
    for (let i = 1; i < b.length; i++) expect(t[i] >= t[i - 1]).toBe(true);
  });

  it('chunked decoding at random chunk sizes equals whole-buffer decoding', () => {
    const whole = plain(decodeNmnist(bytes));
    expect(plain(decodeInChunks(bytes, [1]))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(plain(decodeInChunks(bytes, sizes))).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('a truncated file is a DecodeError at the start of the partial record', () => {
    for (const cut of [1, 2, 3, 4, 6, 9, 1234, bytes.length - 1]) {
      const e = expectDecodeError(() => decodeNmnist(bytes.subarray(0, cut)));
      expect(e.format).toBe('nmnist');
      expect(e.offset).toBe(cut - (cut % 5));
      expect(e.reason).toContain(`${cut % 5} of 5 bytes`);
    }
    // Also when the partial record arrives over several chunks.
    const dec = new NmnistDecoder();
    dec.push(bytes.subarray(0, 12));
    dec.push(bytes.subarray(12, 13));
    expect(expectDecodeError(() => dec.end()).offset).toBe(10);
  });

  it('a coordinate outside the geometry is a DecodeError at that record', () => {
    const bad = bytes.slice();
    bad[100 * 5] = 34; // x of record 100
    expect(expectDecodeError(() => decodeNmnist(bad, NMNIST_GEOMETRY)).offset).toBe(500);
    expect(decodeNmnist(bad).length).toBe(4325); // without geometry, x = 34 is accepted
    const badY = bytes.slice();
    badY[2000 * 5 + 1] = 200;
    expect(expectDecodeError(() => decodeNmnist(badY, NMNIST_GEOMETRY)).offset).toBe(10000);
    // Straddling record: offset is still where the record starts.
    const dec = new NmnistDecoder(NMNIST_GEOMETRY);
    dec.push(bad.subarray(0, 502));
    expect(expectDecodeError(() => dec.push(bad.subarray(502, 600))).offset).toBe(500);
    // Once failed, the decoder refuses more input.
    expect(() => dec.push(bad.subarray(600, 700))).toThrow(DecodeError);
  });

  it('the writer reproduces the recording byte for byte', () => {
    expect(encodeNmnist(decodeNmnist(bytes))).toEqual(bytes);
  });

  it('random truncations and bit flips of the real file only ever give DecodeError', () => {
    const rng = new Xoshiro128(7);
    for (let k = 0, n = fuzzRuns(2_000); k < n; k++) {
      const b = bytes.slice(0, rng.nextInt(bytes.length + 1));
      for (let f = rng.nextInt(20); f > 0 && b.length > 0; f--) b[rng.nextInt(b.length)] ^= 1 << rng.nextInt(8);
      for (const opts of [{}, NMNIST_GEOMETRY]) {
        try {
          const out = decodeNmnist(b, opts);
          expect(out.length).toBeLessThanOrEqual(b.length / 5);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }
    }
  });

  it('streams a file in batches of at most batchSize with the same events', async () => {
    const path = samplePath as string;
    const parts: EventBatch[] = [];
    for await (const b of readNmnistFile(path, { batchSize: 7, ...NMNIST_GEOMETRY })) {
      expect(b.length).toBeGreaterThan(0);
      expect(b.length).toBeLessThanOrEqual(7);
      parts.push(b);
    }
    expect(plain(concatBatches(parts))).toEqual(plain(readNmnistFileSync(path)));
  });

  it('streams a file larger than one read chunk (records straddle stream chunks)', async () => {
    const big = new Uint8Array(bytes.length * 8);
    for (let k = 0; k < 8; k++) big.set(bytes, k * bytes.length);
    const path = join(tmp, 'big.bin');
    writeFileSync(path, big);
    const parts: EventBatch[] = [];
    for await (const b of readNmnistFile(path, { batchSize: 1000 })) {
      expect(b.length).toBeLessThanOrEqual(1000);
      parts.push(b);
    }
    expect(plain(concatBatches(parts))).toEqual(plain(decodeNmnist(big)));
  });

  it('stream and sync readers put the file path in DecodeError.source', async () => {
    const path = join(tmp, 'truncated.bin');
    writeFileSync(path, bytes.subarray(0, 5 * 10 + 3));
    const e = expectDecodeError(() => readNmnistFileSync(path));
    expect(e.source).toBe(path);
    expect(e.offset).toBe(50);
    let seen = 0;
    await expect(
      (async () => {
        for await (const b of readNmnistFile(path, { batchSize: 4 })) seen += b.length;
      })(),
    ).rejects.toMatchObject({ name: 'DecodeError', source: path, offset: 50 });
    expect(seen).toBe(10); // complete events are delivered before the error
  });
});

describe('N-MNIST: decoder without fixtures', () => {
  it('applies y == 240 overflow markers: +2^13 to all following times, marker dropped', () => {
    const bytes = new Uint8Array([
      1, 2, 0x80, 0x00, 0x10, // ON, t = 16
      0, 240, 0, 0, 0, // marker
      3, 4, 0x00, 0x00, 0x05, // OFF, t = 5 + 8192
      0, 240, 0x7f, 0xff, 0xff, // marker (its own timestamp is ignored)
      5, 6, 0xff, 0xff, 0xff, // ON, t = 2^23 - 1 + 16384
    ]);
    expect(plain(decodeNmnist(bytes))).toEqual({
      t: [16, 8197, 8388607 + 16384],
      x: [1, 3, 5],
      y: [2, 4, 6],
      p: [1, 0, 1],
    });
    // A marker is not an event, so the geometry check does not apply to it.
    expect(decodeNmnist(bytes, { width: 34, height: 34 }).length).toBe(3);
  });

  it('an empty buffer is an empty batch', () => {
    expect(decodeNmnist(new Uint8Array(0)).length).toBe(0);
  });

  it('rejects bad geometry and batch size options with UsageError', async () => {
    expect(() => new NmnistDecoder({ width: 0 })).toThrow(UsageError);
    expect(() => new NmnistDecoder({ height: 1.5 })).toThrow(UsageError);
    const it = readNmnistFile(join(tmp, 'x.bin'), { batchSize: 0 })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toBeInstanceOf(UsageError);
    const missing = readNmnistFile(join(tmp, 'missing.bin'))[Symbol.asyncIterator]();
    await expect(missing.next()).rejects.toBeInstanceOf(UsageError);
    expect(() => readNmnistFileSync(join(tmp, 'missing.bin'))).toThrow(UsageError);
  });

  it('fuzz: 10,000 random buffers decode or fail with DecodeError only', () => {
    const rng = new Xoshiro128(2024);
    for (let k = 0, n = fuzzRuns(10_000); k < n; k++) {
      const b = new Uint8Array(rng.nextInt(300));
      for (let i = 0; i < b.length; i++) b[i] = rng.nextU32() & 0xff;
      for (const opts of [{}, NMNIST_GEOMETRY]) {
        try {
          const out = decodeNmnist(b, opts);
          expect(b.length % 5).toBe(0);
          expect(out.length).toBeLessThanOrEqual(b.length / 5);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).offset % 5).toBe(0);
          expect((e as DecodeError).offset).toBeLessThan(b.length);
        }
      }
    }
  });

  it('writer round trip is exact, including times >= 2^23 (overflow markers)', () => {
    const row = fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1 << 24 })),
      fc.integer({ min: 0, max: 255 }),
      fc.integer({ min: 0, max: 255 }).filter((y) => y !== 240),
      fc.integer({ min: 0, max: 1 }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 26 }), fc.array(row, { maxLength: 60 }), (start, rows) => {
        let t = start;
        const events = rows.map(([dt, x, y, p]) => [(t += dt), x, y, p] as const);
        const batch = batchOf(events);
        const bytes = encodeNmnist(batch);
        expect(bytes.length % 5).toBe(0);
        expect(plain(decodeNmnist(bytes))).toEqual(plain(batch));
      }),
      { numRuns: 300 },
    );
  });

  it('writer uses no markers below 2^23 and the fewest above', () => {
    expect(encodeNmnist(batchOf([[2 ** 23 - 1, 0, 0, 1]])).length).toBe(5);
    expect(encodeNmnist(batchOf([[2 ** 23, 0, 0, 1]])).length).toBe(10);
    expect(encodeNmnist(batchOf([[2 ** 23 + 8192, 0, 0, 1]])).length).toBe(15);
  });

  it('writer refuses what the format cannot hold, naming the event', () => {
    const cases: [number, number, number, number][][] = [
      [[0, 0, 0, 1], [1, 256, 0, 0]], // x too large
      [[0, 0, 0, 1], [1, 0, 300, 0]], // y too large
      [[0, 0, 0, 1], [1, 0, 240, 0]], // y reserved for markers
      [[0, 0, 0, 1], [1, 0, 0, 2]], // polarity
      [[5, 0, 0, 1], [4, 0, 0, 0]], // time goes back
      [[0, 0, 0, 1], [1.5, 0, 0, 0]], // fractional µs
      [[0, 0, 0, 1], [-1, 0, 0, 0]], // negative
      [[0, 0, 0, 1], [2 ** 53, 0, 0, 0]], // beyond exact integers
      [[0, 0, 0, 1], [2 ** 50, 0, 0, 0]], // would need ~1.4e11 markers
    ];
    for (const rows of cases) {
      try {
        encodeNmnist(batchOf(rows));
        throw new Error(`accepted ${JSON.stringify(rows)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(EncodeError);
        expect((e as EncodeError).index).toBe(1);
      }
    }
  });
});

describe.skipIf(!trainDir)('N-MNIST: 1000 real samples in nmnist-small/train (.bs2)', () => {
  it('every sample decodes inside 34x34 with non-decreasing timestamps', () => {
    const dir = trainDir as string;
    const files = readdirSync(dir).filter((f) => f.endsWith('.bs2'));
    expect(files.length).toBe(1000);
    let events = 0;
    for (const f of files) {
      const b = readNmnistFileSync(join(dir, f), NMNIST_GEOMETRY);
      expect(b.length).toBeGreaterThan(0);
      let monotonic = true;
      for (let i = 1; i < b.length; i++) if (b.t[i] < b.t[i - 1]) monotonic = false;
      expect(monotonic, `${f} timestamps are not monotonic`).toBe(true);
      events += b.length;
    }
    // Mean close to the ~4100 events per sample of the full dataset.
    expect(events / files.length).toBeGreaterThan(3500);
    expect(events / files.length).toBeLessThan(4700);
  });
});
