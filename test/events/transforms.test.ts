/**
 * Event transforms (host/events/transforms): each one on a tiny hand-computed example, then
 * fast-check properties over random sorted batches of 0, 1, a few hundred and thousands of events,
 * several against a plainly written (slow) reference, plus input immutability, UsageError for bad
 * options, and a pass over a recording made by someone else (tonic's N-MNIST sample).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../host/errors.js';
import { decodeNmnist, NMNIST_GEOMETRY } from '../../host/events/formats/nmnist.js';
import {
  centerCrop,
  crop,
  denoise,
  downsample,
  downsampleGeometry,
  flipX,
  flipY,
  mergePolarity,
  refractoryFilter,
  sliceByCount,
  sliceByTime,
  timeShift,
  timeSurface,
  toFrame,
  toRelativeTime,
  type Rect,
} from '../../host/events/transforms/index.js';
import { concatBatches, makeBatch, type EventBatch, type SensorGeometry } from '../../host/events/types.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { sharedPath } from '../helpers/shared.js';

type Ev = [t: number, x: number, y: number, p: number];

/** A batch from [t, x, y, p] tuples; the arrays get 3 spare slots (length must be honoured). */
function batch(events: readonly Ev[]): EventBatch {
  const n = events.length;
  const t = new Float64Array(n + 3).fill(-7);
  const x = new Uint16Array(n + 3).fill(999);
  const y = new Uint16Array(n + 3).fill(999);
  const p = new Uint8Array(n + 3).fill(1);
  events.forEach(([ti, xi, yi, pi], i) => {
    t[i] = ti;
    x[i] = xi;
    y[i] = yi;
    p[i] = pi;
  });
  return makeBatch({ t, x, y, p }, n);
}

function tuples(b: EventBatch): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < b.length; i++) out.push([b.t[i], b.x[i], b.y[i], b.p[i]]);
  return out;
}

/** A random time-sorted batch (integer µs, possibly with ties) on a width x height sensor. */
function randomBatch(seed: number, n: number, g: SensorGeometry, spanUs = 100_000): EventBatch {
  const rng = new Xoshiro128(seed);
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(rng.nextInt(spanUs));
  times.sort((a, b) => a - b);
  return batch(times.map((t) => [t, rng.nextInt(g.width), rng.nextInt(g.height), rng.nextU32() & 1]));
}

const sizes = fc.oneof(
  fc.constantFrom(0, 1, 2, 3000, 5000),
  fc.integer({ min: 0, max: 400 }),
);
/** Random (geometry, batch) pairs: sensors from 1x1 to 40x30, spans short and long. */
const scene = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    n: sizes,
    width: fc.integer({ min: 1, max: 40 }),
    height: fc.integer({ min: 1, max: 30 }),
    span: fc.constantFrom(10, 1000, 100_000),
  })
  .map(({ seed, n, width, height, span }) => ({
    g: { width, height } as SensorGeometry,
    b: randomBatch(seed, n, { width, height }, span),
  }));

const RUNS = { numRuns: 60 };

function isSubsequence(sub: EventBatch, full: EventBatch): boolean {
  let j = 0;
  for (let i = 0; i < sub.length; i++) {
    while (
      j < full.length &&
      !(full.t[j] === sub.t[i] && full.x[j] === sub.x[i] && full.y[j] === sub.y[i] && full.p[j] === sub.p[i])
    ) {
      j++;
    }
    if (j === full.length) return false;
    j++;
  }
  return true;
}

/** Smallest time gap between two events of the same cell (pixel, or pixel and polarity). */
function minGap(b: EventBatch, width: number, perPolarity: boolean): number {
  const last = new Map<number, number>();
  let gap = Infinity;
  for (let i = 0; i < b.length; i++) {
    const key = (b.y[i] * width + b.x[i]) * (perPolarity ? 2 : 1) + (perPolarity ? b.p[i] : 0);
    const prev = last.get(key);
    if (prev !== undefined) gap = Math.min(gap, b.t[i] - prev);
    last.set(key, b.t[i]);
  }
  return gap;
}

/** Slow reference of the BA filter: look back over all earlier events. */
function denoiseReference(b: EventBatch, dtUs: number, includeSelf: boolean): Ev[] {
  const out: Ev[] = [];
  const ev = tuples(b);
  for (let i = 0; i < ev.length; i++) {
    const [t, x, y] = ev[i];
    let supported = false;
    for (let j = i - 1; j >= 0 && !supported; j--) {
      const [tj, xj, yj] = ev[j];
      const dx = Math.abs(xj - x);
      const dy = Math.abs(yj - y);
      const self = dx === 0 && dy === 0;
      if (dx <= 1 && dy <= 1 && (includeSelf || !self) && t - tj < dtUs) supported = true;
    }
    if (supported) out.push(ev[i]);
  }
  return out;
}

/** Slow reference of the refractory filter. */
function refractoryReference(b: EventBatch, dtUs: number, perPolarity: boolean): Ev[] {
  const kept: Ev[] = [];
  for (const e of tuples(b)) {
    const clash = kept.some(
      (k) => k[1] === e[1] && k[2] === e[2] && (!perPolarity || k[3] === e[3]) && e[0] - k[0] < dtUs,
    );
    if (!clash) kept.push(e);
  }
  return kept;
}

function snapshot(b: EventBatch): string {
  return JSON.stringify([Array.from(b.t), Array.from(b.x), Array.from(b.y), Array.from(b.p), b.length]);
}

describe('crop, centerCrop', () => {
  const b = batch([
    [0, 0, 0, 1],
    [1, 2, 1, 0],
    [2, 3, 3, 1],
    [3, 4, 1, 1],
    [4, 2, 2, 0],
  ]);
  it('keeps the events inside the rectangle, re-based on its corner', () => {
    expect(tuples(crop(b, { x: 2, y: 1, width: 2, height: 2 }))).toEqual([
      [1, 0, 0, 0],
      [4, 0, 1, 0],
    ]);
    expect(crop(b, { x: 0, y: 0, width: 0, height: 5 }).length).toBe(0);
    expect(tuples(centerCrop(b, { width: 5, height: 4 }, 3, 2))).toEqual([
      [1, 1, 0, 0],
      [4, 1, 1, 0],
    ]);
  });

  const rectArb = fc.record({
    x: fc.integer({ min: 0, max: 45 }),
    y: fc.integer({ min: 0, max: 35 }),
    width: fc.integer({ min: 0, max: 45 }),
    height: fc.integer({ min: 0, max: 35 }),
  });
  it('crop of a crop = crop of the intersection (re-based on the outer corner)', () => {
    fc.assert(
      fc.property(scene, rectArb, rectArb, ({ b }, r1, r2) => {
        const twice = crop(crop(b, r1), r2);
        const ix = r1.x + r2.x;
        const iy = r1.y + r2.y;
        const inter: Rect = {
          x: ix,
          y: iy,
          width: Math.max(0, Math.min(r1.x + r1.width, ix + r2.width) - ix),
          height: Math.max(0, Math.min(r1.y + r1.height, iy + r2.height) - iy),
        };
        expect(tuples(twice)).toEqual(tuples(crop(b, inter)));
      }),
      RUNS,
    );
  });

  it('every cropped event lies inside the rectangle; the count matches', () => {
    fc.assert(
      fc.property(scene, rectArb, ({ b }, r) => {
        const c = crop(b, r);
        let inside = 0;
        for (let i = 0; i < b.length; i++) {
          if (b.x[i] >= r.x && b.x[i] < r.x + r.width && b.y[i] >= r.y && b.y[i] < r.y + r.height) inside++;
        }
        expect(c.length).toBe(inside);
        for (let i = 0; i < c.length; i++) {
          expect(c.x[i] < r.width && c.y[i] < r.height).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('rejects bad rectangles', () => {
    expect(() => crop(b, { x: -1, y: 0, width: 2, height: 2 })).toThrow(UsageError);
    expect(() => crop(b, { x: 0, y: 0, width: 1.5, height: 2 })).toThrow(UsageError);
    expect(() => centerCrop(b, { width: 5, height: 4 }, 6, 2)).toThrow(UsageError);
  });
});

describe('flipX, flipY', () => {
  const g = { width: 4, height: 3 };
  const b = batch([
    [5, 0, 0, 1],
    [6, 3, 1, 0],
    [7, 1, 2, 1],
  ]);
  it('mirrors the coordinates', () => {
    expect(tuples(flipX(b, g))).toEqual([
      [5, 3, 0, 1],
      [6, 0, 1, 0],
      [7, 2, 2, 1],
    ]);
    expect(tuples(flipY(b, g))).toEqual([
      [5, 0, 2, 1],
      [6, 3, 1, 0],
      [7, 1, 0, 1],
    ]);
  });
  it('flipping twice is the identity; flips keep times, polarities and count', () => {
    fc.assert(
      fc.property(scene, ({ g, b }) => {
        expect(tuples(flipX(flipX(b, g), g))).toEqual(tuples(b));
        expect(tuples(flipY(flipY(b, g), g))).toEqual(tuples(b));
        const f = flipX(b, g);
        expect(f.length).toBe(b.length);
        for (let i = 0; i < b.length; i++) {
          expect(f.t[i] === b.t[i] && f.p[i] === b.p[i] && f.y[i] === b.y[i]).toBe(true);
        }
      }),
      RUNS,
    );
  });
  it('needs the events inside the geometry', () => {
    expect(() => flipX(b, { width: 3, height: 3 })).toThrow(UsageError);
    expect(() => flipY(b, { width: 4, height: 0 })).toThrow(UsageError);
  });
});

describe('timeShift, toRelativeTime', () => {
  it('adds an offset; relative time starts at the earliest event', () => {
    const b = batch([
      [1000, 1, 1, 1],
      [1500, 0, 1, 0],
    ]);
    expect(tuples(timeShift(b, -250))).toEqual([
      [750, 1, 1, 1],
      [1250, 0, 1, 0],
    ]);
    expect(tuples(toRelativeTime(b))).toEqual([
      [0, 1, 1, 1],
      [500, 0, 1, 0],
    ]);
    expect(tuples(toRelativeTime(b, 900))).toEqual([
      [100, 1, 1, 1],
      [600, 0, 1, 0],
    ]);
    expect(toRelativeTime(batch([])).length).toBe(0);
    expect(() => timeShift(b, Number.NaN)).toThrow(UsageError);
  });
  it('shift by d then by -d is the identity (integer times); relative time has minimum 0', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: -1e9, max: 1e9 }), ({ b }, d) => {
        expect(tuples(timeShift(timeShift(b, d), -d))).toEqual(tuples(b));
        const r = toRelativeTime(timeShift(b, d));
        if (b.length > 0) expect(Math.min(...r.t)).toBe(0);
      }),
      RUNS,
    );
  });
});

describe('downsample', () => {
  const g = { width: 5, height: 4 };
  it('divides coordinates by the factors; the output geometry rounds up', () => {
    const b = batch([
      [0, 4, 3, 1],
      [1, 1, 1, 0],
      [2, 2, 0, 1],
    ]);
    expect(tuples(downsample(b, g, { factorX: 2 }))).toEqual([
      [0, 2, 1, 1],
      [1, 0, 0, 0],
      [2, 1, 0, 1],
    ]);
    expect(tuples(downsample(b, g, { factorX: 3, factorY: 4 }))).toEqual([
      [0, 1, 0, 1],
      [1, 0, 0, 0],
      [2, 0, 0, 1],
    ]);
    expect(downsampleGeometry(g, 2)).toEqual({ width: 3, height: 2 });
    expect(downsampleGeometry(g, 3, 4)).toEqual({ width: 2, height: 1 });
  });
  it('with refractoryUs keeps one event per output pixel per window', () => {
    // (0,0), (1,1) and (1,0) pool into output pixel (0,0); (2,0) into (1,0).
    const b = batch([
      [0, 0, 0, 1],
      [5, 1, 1, 0],
      [6, 2, 0, 1],
      [10, 1, 0, 1],
      [12, 1, 1, 0],
    ]);
    expect(tuples(downsample(b, g, { factorX: 2, refractoryUs: 10 }))).toEqual([
      [0, 0, 0, 1],
      [6, 1, 0, 1],
      [10, 0, 0, 1],
    ]);
    expect(tuples(downsample(b, g, { factorX: 2, refractoryUs: 10, perPolarity: true }))).toEqual([
      [0, 0, 0, 1],
      [5, 0, 0, 0],
      [6, 1, 0, 1],
      [10, 0, 0, 1],
    ]);
  });
  it('properties: floor of coordinates; refractory output is a subsequence with gaps >= window', () => {
    fc.assert(
      fc.property(
        scene,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 2000 }),
        ({ g, b }, fx, fy, dt) => {
          const d = downsample(b, g, { factorX: fx, factorY: fy });
          expect(d.length).toBe(b.length);
          for (let i = 0; i < b.length; i++) {
            expect(d.x[i] === Math.floor(b.x[i] / fx) && d.y[i] === Math.floor(b.y[i] / fy)).toBe(true);
          }
          const og = downsampleGeometry(g, fx, fy);
          const r = downsample(b, g, { factorX: fx, factorY: fy, refractoryUs: dt });
          expect(isSubsequence(r, d)).toBe(true);
          expect(minGap(r, og.width, false)).toBeGreaterThanOrEqual(dt);
          expect(tuples(r)).toEqual(tuples(refractoryFilter(d, og, { refractoryUs: dt })));
        },
      ),
      { numRuns: 40 },
    );
  });
  it('rejects bad factors', () => {
    const b = batch([[0, 0, 0, 1]]);
    expect(() => downsample(b, g, { factorX: 0 })).toThrow(UsageError);
    expect(() => downsample(b, g, { factorX: 2, factorY: 1.5 })).toThrow(UsageError);
    expect(() => downsample(b, g, { factorX: 2, refractoryUs: -1 })).toThrow(UsageError);
  });
});

describe('mergePolarity', () => {
  it('sets every polarity to 1 by default, to 0 on request, or keeps them', () => {
    const b = batch([
      [0, 0, 0, 0],
      [1, 1, 0, 1],
    ]);
    expect(Array.from(mergePolarity(b).p)).toEqual([1, 1]);
    expect(Array.from(mergePolarity(b, { to: 0 }).p)).toEqual([0, 0]);
    expect(tuples(mergePolarity(b, { to: 'keep' }))).toEqual(tuples(b));
    expect(tuples(mergePolarity(b)).map((e) => e.slice(0, 3))).toEqual(tuples(b).map((e) => e.slice(0, 3)));
    expect(() => mergePolarity(b, { to: 2 as 1 })).toThrow(UsageError);
  });
});

describe('refractoryFilter', () => {
  const g = { width: 3, height: 2 };
  it('drops events of a pixel less than refractoryUs after its last kept event', () => {
    const b = batch([
      [0, 1, 1, 1],
      [400, 1, 1, 0], // 400 < 1000 after the kept event at 0: dropped
      [900, 0, 1, 1], // other pixel: kept
      [1000, 1, 1, 1], // exactly 1000 after: kept
      [1500, 1, 1, 1], // dropped
      [1999, 1, 1, 0], // dropped (the drop at 1500 did not restart the clock, 1000 did)
      [2000, 1, 1, 0], // kept
    ]);
    expect(tuples(refractoryFilter(b, g, { refractoryUs: 1000 }))).toEqual([
      [0, 1, 1, 1],
      [900, 0, 1, 1],
      [1000, 1, 1, 1],
      [2000, 1, 1, 0],
    ]);
    expect(tuples(refractoryFilter(b, g, { refractoryUs: 1000, perPolarity: true }))).toEqual([
      [0, 1, 1, 1],
      [400, 1, 1, 0],
      [900, 0, 1, 1],
      [1000, 1, 1, 1],
      [1999, 1, 1, 0],
    ]);
    expect(refractoryFilter(b, g, { refractoryUs: 0 }).length).toBe(b.length);
  });
  it('output is a subsequence with no two events of a pixel closer than the period; equals the reference', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 0, max: 5000 }), fc.boolean(), ({ g, b }, dt, perPolarity) => {
        const r = refractoryFilter(b, g, { refractoryUs: dt, perPolarity });
        expect(isSubsequence(r, b)).toBe(true);
        expect(minGap(r, g.width, perPolarity)).toBeGreaterThanOrEqual(dt);
        if (b.length <= 400) expect(tuples(r)).toEqual(refractoryReference(b, dt, perPolarity));
      }),
      RUNS,
    );
  });
  it('needs sorted input inside the geometry and a valid period', () => {
    const unsorted = batch([
      [5, 0, 0, 1],
      [4, 0, 0, 1],
    ]);
    expect(() => refractoryFilter(unsorted, g, { refractoryUs: 1 })).toThrow(UsageError);
    expect(() => refractoryFilter(batch([[0, 3, 0, 1]]), g, { refractoryUs: 1 })).toThrow(UsageError);
    expect(() => refractoryFilter(batch([]), g, { refractoryUs: Number.POSITIVE_INFINITY })).toThrow(UsageError);
  });
});

describe('denoise (background-activity filter)', () => {
  const g = { width: 6, height: 4 };
  it('keeps an event with a recent neighbour and drops an isolated one', () => {
    const b = batch([
      [0, 2, 2, 1], // nothing before: dropped (but it supports what follows)
      [100, 3, 3, 0], // diagonal neighbour fired 100 µs ago: kept
      [150, 5, 0, 1], // isolated: dropped
      [200, 3, 3, 1], // only itself fired (and neighbour (2,2) at 0, 200 µs ago): kept
      [5000, 2, 2, 1], // neighbour (3,3) fired 4800 µs ago: dropped with dt 1000
      [5500, 2, 2, 1], // only itself 500 µs ago: dropped unless includeSelf
    ]);
    expect(tuples(denoise(b, g, { dtUs: 1000 }))).toEqual([
      [100, 3, 3, 0],
      [200, 3, 3, 1],
    ]);
    expect(tuples(denoise(b, g, { dtUs: 1000, includeSelf: true }))).toEqual([
      [100, 3, 3, 0],
      [200, 3, 3, 1],
      [5500, 2, 2, 1],
    ]);
    expect(denoise(b, g, { dtUs: 0 }).length).toBe(0);
    // Corner and border events have fewer neighbours but work the same.
    const corner = batch([
      [0, 0, 0, 1],
      [1, 1, 0, 1],
      [2, 5, 3, 1],
      [3, 4, 2, 0],
    ]);
    expect(tuples(denoise(corner, g, { dtUs: 10 }))).toEqual([
      [1, 1, 0, 1],
      [3, 4, 2, 0],
    ]);
  });
  it('equals a look-back reference; output is a subsequence', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 0, max: 3000 }), fc.boolean(), ({ g, b }, dt, self) => {
        const d = denoise(b, g, { dtUs: dt, includeSelf: self });
        expect(isSubsequence(d, b)).toBe(true);
        if (b.length <= 400) expect(tuples(d)).toEqual(denoiseReference(b, dt, self));
      }),
      RUNS,
    );
  });
  it('rejects bad options and unsorted input', () => {
    expect(() => denoise(batch([]), g, { dtUs: -1 })).toThrow(UsageError);
    expect(() => denoise(batch([]), g, { dtUs: 1, includeSelf: 1 as unknown as boolean })).toThrow(UsageError);
    expect(() =>
      denoise(
        batch([
          [2, 0, 0, 1],
          [1, 0, 0, 1],
        ]),
        g,
        { dtUs: 5 },
      ),
    ).toThrow(UsageError);
  });
});

describe('sliceByTime', () => {
  const b = batch([
    [100, 0, 0, 1],
    [150, 0, 0, 1],
    [200, 0, 0, 1],
    [250, 0, 0, 1],
    [420, 0, 0, 1],
  ]);
  const times = (bs: EventBatch[]): number[][] => bs.map((s) => Array.from(s.t));
  it('cuts fixed windows from the first event', () => {
    expect(times([...sliceByTime(b, { windowUs: 100 })])).toEqual([[100, 150], [200, 250], []]);
    expect(times([...sliceByTime(b, { windowUs: 100, includeIncomplete: true })])).toEqual([
      [100, 150],
      [200, 250],
      [],
      [420],
    ]);
    expect(times([...sliceByTime(b, { windowUs: 100, overlapUs: 50 })])).toEqual([
      [100, 150],
      [150, 200],
      [200, 250],
      [250],
      [],
    ]);
    expect(times([...sliceByTime(b, { windowUs: 100, overlapUs: 50, includeIncomplete: true })])).toEqual([
      [100, 150],
      [150, 200],
      [200, 250],
      [250],
      [],
      [420],
    ]);
    expect(times([...sliceByTime(b, { windowUs: 200, startUs: 0, endUs: 400 })])).toEqual([[100, 150], [200, 250]]);
    expect(times([...sliceByTime(b, { windowUs: 300, startUs: 0, endUs: 400, includeIncomplete: true })])).toEqual([
      [100, 150, 200, 250],
      [],
    ]);
    expect([...sliceByTime(batch([]), { windowUs: 10 })]).toEqual([]);
    expect([...sliceByTime(b, { windowUs: 10, startUs: 1000, includeIncomplete: true })]).toEqual([]);
    expect(times([...sliceByTime(batch([]), { windowUs: 10, startUs: 0, endUs: 30 })])).toEqual([[], [], []]);
    expect(times([...sliceByTime(batch([[7, 0, 0, 1]]), { windowUs: 10, includeIncomplete: true })])).toEqual([[7]]);
  });
  it('with no overlap and includeIncomplete, the windows partition the events', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 50, max: 50_000 }), ({ b }, w) => {
        const parts = [...sliceByTime(b, { windowUs: w, includeIncomplete: true })];
        expect(tuples(concatBatches(parts))).toEqual(tuples(b));
        parts.forEach((s, k) => {
          for (let i = 0; i < s.length; i++) {
            expect(s.t[i] >= b.t[0] + k * w && s.t[i] < b.t[0] + (k + 1) * w).toBe(true);
          }
        });
      }),
      RUNS,
    );
  });
  it('fractional windows still partition (no event lost or doubled to rounding)', () => {
    fc.assert(
      fc.property(scene, fc.double({ min: 33.3, max: 777, noNaN: true }), ({ b }, w) => {
        const parts = [...sliceByTime(b, { windowUs: w, includeIncomplete: true })];
        expect(concatBatches(parts).length).toBe(b.length);
      }),
      { numRuns: 30 },
    );
  });
  it('with overlap, each window holds exactly the events in [s_k, s_k + window)', () => {
    fc.assert(
      fc.property(
        scene,
        fc.integer({ min: 200, max: 20_000 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.boolean(),
        ({ b }, w, frac, inc) => {
          const o = Math.floor(w * frac);
          const parts = [...sliceByTime(b, { windowUs: w, overlapUs: o, includeIncomplete: inc })];
          if (b.length === 0) {
            expect(parts.length).toBe(0);
            return;
          }
          const t0 = b.t[0];
          const last = b.t[b.length - 1];
          parts.forEach((s, k) => {
            const lo = t0 + k * (w - o);
            let expected = 0;
            for (let i = 0; i < b.length; i++) if (b.t[i] >= lo && b.t[i] < lo + w) expected++;
            expect(s.length).toBe(expected);
            if (!inc) expect(lo + w).toBeLessThanOrEqual(last);
          });
          // Every event is in some window when incomplete windows are included.
          if (inc) {
            const covered = t0 + (parts.length - 1) * (w - o) + w;
            expect(covered).toBeGreaterThan(last);
          }
        },
      ),
      RUNS,
    );
  });
  it('rejects bad windows and unsorted input', () => {
    expect(() => sliceByTime(b, { windowUs: 0 })).toThrow(UsageError); // eagerly, before iteration
    expect(() => [...sliceByTime(b, { windowUs: 10, overlapUs: 10 })]).toThrow(UsageError);
    expect(() => [...sliceByTime(b, { windowUs: 10, startUs: 500, endUs: 400 })]).toThrow(UsageError);
    expect(() => [...sliceByTime(batch([[3, 0, 0, 1], [1, 0, 0, 1]]), { windowUs: 10 })]).toThrow(UsageError);
  });
});

describe('sliceByCount', () => {
  const b = batch([1, 2, 3, 4, 5, 6, 7].map((t): Ev => [t, 0, 0, 1]));
  const times = (bs: Iterable<EventBatch>): number[][] => [...bs].map((s) => Array.from(s.t));
  it('cuts fixed event counts', () => {
    expect(times(sliceByCount(b, { count: 3 }))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(times(sliceByCount(b, { count: 3, includeIncomplete: true }))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(times(sliceByCount(b, { count: 3, overlap: 1 }))).toEqual([
      [1, 2, 3],
      [3, 4, 5],
      [5, 6, 7],
    ]);
    expect(times(sliceByCount(b, { count: 4, overlap: 2, includeIncomplete: true }))).toEqual([
      [1, 2, 3, 4],
      [3, 4, 5, 6],
      [5, 6, 7],
    ]);
    expect(times(sliceByCount(b, { count: 10 }))).toEqual([]);
    expect(times(sliceByCount(b, { count: 10, includeIncomplete: true }))).toEqual([[1, 2, 3, 4, 5, 6, 7]]);
    expect(times(sliceByCount(batch([]), { count: 2, includeIncomplete: true }))).toEqual([]);
  });
  it('properties: partition without overlap; sizes and starts with overlap', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 1, max: 700 }), fc.double({ min: 0, max: 0.95, noNaN: true }), ({ b }, c, f) => {
        const parts = [...sliceByCount(b, { count: c, includeIncomplete: true })];
        expect(tuples(concatBatches(parts))).toEqual(tuples(b));
        const o = Math.floor(c * f);
        const full = [...sliceByCount(b, { count: c, overlap: o })];
        expect(full.length).toBe(b.length >= c ? Math.floor((b.length - c) / (c - o)) + 1 : 0);
        full.forEach((s, k) => {
          expect(s.length).toBe(c);
          expect(s.t[0]).toBe(b.t[k * (c - o)]);
        });
      }),
      RUNS,
    );
  });
  it('rejects bad counts', () => {
    expect(() => sliceByCount(b, { count: 0 })).toThrow(UsageError);
    expect(() => [...sliceByCount(b, { count: 3, overlap: 3 })]).toThrow(UsageError);
  });
});

describe('timeSurface', () => {
  const g = { width: 3, height: 2 };
  const b = batch([
    [0, 0, 0, 1],
    [500, 1, 0, 0],
    [1000, 0, 0, 1],
    [1000, 2, 1, 0],
    [3000, 1, 1, 1], // after the query time: ignored
  ]);
  it('is exp(-(t - last) / tau) per polarity, 1 where a pixel fired at t, 0 where none did', () => {
    const s = timeSurface(b, g, { tUs: 1000, tauUs: 500 });
    const expected = new Float32Array(12);
    expected[6 + 0] = 1; // ON, (0,0), fired at 1000
    expected[1] = Math.exp(-1); // OFF, (1,0), fired at 500
    expected[5] = 1; // OFF, (2,1), fired at 1000
    expect(Array.from(s)).toEqual(Array.from(expected));
    const merged = timeSurface(b, g, { tUs: 1500, tauUs: 500, perPolarity: false });
    expect(Array.from(merged)).toEqual(
      Array.from(new Float32Array([Math.exp(-1), Math.exp(-2), 0, 0, 0, Math.exp(-1)])),
    );
    expect(Array.from(timeSurface(batch([]), g, { tUs: 0, tauUs: 1 }))).toEqual(new Array(12).fill(0));
  });
  it('values lie in [0, 1] and equal 1 exactly where the pixel fired at the query time', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 1, max: 100_000 }), fc.boolean(), ({ g, b }, tau, perPolarity) => {
        if (b.length === 0) return;
        const tq = b.t[Math.floor(b.length / 2)];
        const s = timeSurface(b, g, { tUs: tq, tauUs: tau, perPolarity });
        for (const v of s) expect(v >= 0 && v <= 1).toBe(true);
        const plane = g.width * g.height;
        for (let i = 0; i < b.length; i++) {
          if (b.t[i] !== tq) continue;
          const c = (perPolarity ? b.p[i] * plane : 0) + b.y[i] * g.width + b.x[i];
          expect(s[c]).toBe(1);
        }
      }),
      RUNS,
    );
  });
  it('rejects a bad tau', () => {
    expect(() => timeSurface(b, g, { tUs: 0, tauUs: 0 })).toThrow(UsageError);
  });
});

describe('toFrame', () => {
  const g = { width: 2, height: 2 };
  const b = batch([
    [0, 0, 0, 1],
    [10, 1, 0, 0],
    [10, 1, 0, 0],
    [25, 1, 1, 1],
    [30, 0, 1, 1],
  ]);
  it('counts events per polarity, pixel and time bin', () => {
    const f = toFrame(b, g, { binCount: 2 }); // bins [0, 15), [15, 30]
    expect(f.bins).toBe(2);
    expect(f.binUs).toBe(15);
    // [bin][channel OFF, ON][y][x]
    expect(Array.from(f.data)).toEqual([0, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const merged = toFrame(b, g, { binUs: 20, merge: true }); // bins [0, 20), [20, 40)
    expect(merged.bins).toBe(2);
    expect(Array.from(merged.data)).toEqual([1, 2, 0, 0, 0, 0, 1, 1]);
    const window = toFrame(b, g, { binUs: 10, startUs: 10, endUs: 30, merge: true }); // [10,20), [20,30)
    expect(window.bins).toBe(2);
    expect(Array.from(window.data)).toEqual([0, 2, 0, 0, 0, 0, 0, 1]);
    const one = toFrame(b, g);
    expect(one.bins).toBe(1);
    expect(Array.from(one.data)).toEqual([0, 2, 0, 0, 1, 0, 1, 1]);
    expect(toFrame(batch([]), g, { binCount: 3 }).data.length).toBe(24);
  });
  it('frames sum to the event count, per pixel and polarity', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 1, max: 12 }), fc.boolean(), ({ g, b }, bins, useWidth) => {
        const span = b.length > 0 ? b.t[b.length - 1] - b.t[0] : 0;
        const opts = useWidth ? { binUs: Math.max(1, Math.ceil(span / bins)) } : { binCount: bins };
        const f = toFrame(b, g, opts);
        const plane = g.width * g.height;
        expect(f.data.length).toBe(f.bins * 2 * plane);
        let total = 0;
        for (const v of f.data) total += v;
        expect(total).toBe(b.length);
        const perCell = new Float64Array(2 * plane);
        for (let k = 0; k < f.bins; k++) for (let c = 0; c < 2 * plane; c++) perCell[c] += f.data[k * 2 * plane + c];
        const expected = new Float64Array(2 * plane);
        for (let i = 0; i < b.length; i++) expected[b.p[i] * plane + b.y[i] * g.width + b.x[i]]++;
        expect(Array.from(perCell)).toEqual(Array.from(expected));
        const m = toFrame(b, g, { ...opts, merge: true });
        for (let k = 0; k < f.bins; k++) {
          for (let c = 0; c < plane; c++) {
            expect(m.data[k * plane + c]).toBe(f.data[k * 2 * plane + c] + f.data[k * 2 * plane + plane + c]);
          }
        }
      }),
      RUNS,
    );
  });
  it('rejects conflicting or bad options', () => {
    expect(() => toFrame(b, g, { binCount: 2, binUs: 5 })).toThrow(UsageError);
    expect(() => toFrame(b, g, { binCount: 0 })).toThrow(UsageError);
    expect(() => toFrame(b, g, { binUs: -1 })).toThrow(UsageError);
    expect(() => toFrame(b, { width: 1, height: 2 })).toThrow(UsageError);
    expect(() => toFrame(b, g, { startUs: 10, endUs: 5 })).toThrow(UsageError);
  });
});

describe('all transforms', () => {
  it('never write their input and honour batch.length over the array length', () => {
    fc.assert(
      fc.property(scene, ({ g, b }) => {
        const before = snapshot(b);
        crop(b, { x: 1, y: 1, width: 5, height: 5 });
        flipX(b, g);
        flipY(b, g);
        timeShift(b, 3);
        toRelativeTime(b);
        downsample(b, g, { factorX: 2, refractoryUs: 100 });
        mergePolarity(b);
        refractoryFilter(b, g, { refractoryUs: 100 });
        denoise(b, g, { dtUs: 100 });
        [...sliceByTime(b, { windowUs: 1000, includeIncomplete: true })];
        [...sliceByCount(b, { count: 7, includeIncomplete: true })];
        timeSurface(b, g, { tUs: 500, tauUs: 100 });
        const f = toFrame(b, g, { binCount: 3 });
        expect(snapshot(b)).toBe(before);
        // The spare slots (t = -7, x = 999) never leak into results.
        let total = 0;
        for (const v of f.data) total += v;
        expect(total).toBe(b.length);
        expect(mergePolarity(b).t.length).toBe(b.length);
      }),
      { numRuns: 25 },
    );
  });

  const samplePath = sharedPath('fixtures/events/nmnist/tonic_sample_nmnist.bin');
  it.skipIf(samplePath === null)('work on a recording made by someone else (tonic N-MNIST sample)', () => {
    const rec = decodeNmnist(new Uint8Array(readFileSync(samplePath as string)));
    const g = NMNIST_GEOMETRY;
    expect(rec.length).toBeGreaterThan(1000);
    const frames = toFrame(rec, g, { binCount: 3 });
    let total = 0;
    for (const v of frames.data) total += v;
    expect(total).toBe(rec.length);
    // The three saccades (about 100 ms each) put events in every third.
    for (let k = 0; k < 3; k++) {
      let s = 0;
      for (let c = 0; c < 2 * 34 * 34; c++) s += frames.data[k * 2 * 34 * 34 + c];
      expect(s).toBeGreaterThan(0.1 * rec.length);
    }
    const clean = denoise(rec, g, { dtUs: 10_000 });
    expect(clean.length).toBeGreaterThan(0.5 * rec.length); // a digit's edges support each other
    expect(clean.length).toBeLessThanOrEqual(rec.length);
    const parts = [...sliceByTime(rec, { windowUs: 50_000, includeIncomplete: true })];
    expect(concatBatches(parts).length).toBe(rec.length);
    const small = downsample(rec, g, { factorX: 2, refractoryUs: 1000 });
    expect(minGap(small, 17, false)).toBeGreaterThanOrEqual(1000);
  });
});
