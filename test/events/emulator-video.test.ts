/**
 * Event-camera emulator, video input (emulateVideo) and the still-image saccade path after the
 * video extension.
 *
 * Tolerances, stated once:
 * - Moving edge, noise off, mismatch off: each pixel the edge crosses emits floor(L / threshold)
 *   events, +-1 (the +-1 absorbs float rounding when L is a whole multiple of the threshold), all of
 *   the right polarity (ON when the bright bar arrives, OFF when it leaves), each timed within one
 *   simulation step (here = the frame interval, 1000 µs) of the moment the edge passes the pixel's
 *   centre. Frames are rendered sharply (a pixel is bright when its centre is inside the bar), so
 *   a pixel's log intensity ramps during exactly the frame interval in which the edge crosses its
 *   centre.
 * - Mismatch on (sigma 10 %): the mean ON and OFF counts over 1024 pixels match the expectation
 *   E[floor(L / thr_pixel)] (computed by Monte Carlo over the same threshold distribution) within
 *   0.1 event; the standard error of a 1024-pixel mean is about 0.02.
 * - Leak events on a static scene: total within 2 % of rate x pixels x duration (the per-pixel
 *   rate mismatch and random phases give a standard deviation near 0.3 %), all ON, mean
 *   per-pixel interval within 5 % of 1 / rate.
 * - Shot noise on a static scene: count within 5 Poisson standard deviations of
 *   rate x pixels x duration; polarity and first-half/second-half splits within 5 binomial
 *   standard deviations of one half.
 * Everything is seeded: each call is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../host/errors.js';
import {
  EventEmulator,
  VIDEO_EMULATOR_DEFAULTS,
  emulateSaccades,
  emulateVideo,
  type VideoEmulatorOptions,
} from '../../host/events/emulator.js';
import type { EventBatch } from '../../host/events/types.js';
import { loadMnistDigits } from '../../host/learn/datasets/mnist.js';
import { Xoshiro128 } from '../../host/util/prng.js';

/** No noise, no mismatch, no refractory period: only the signal. */
const CLEAN: VideoEmulatorOptions = {
  thresholdSigma: 0,
  leakRateHz: 0,
  shotNoiseRateHz: 0,
  refractoryUs: 0,
  logEps: 1e-3,
};

interface Bar {
  frames: Float32Array[];
  times: number[];
  /** When the leading / trailing edge passes the centre of column x, µs. */
  tArrive: (x: number) => number;
  tLeave: (x: number) => number;
}

/**
 * A bright vertical bar `barPx` wide sliding right at `speed` px/ms over a dark background,
 * starting just left of the image and running until it has left. Dark intensity `dark`; the bar's
 * intensity makes ln(I + eps) exactly `contrast` above the background's.
 */
function movingBar(
  width: number,
  height: number,
  contrast: number,
  opts: { barPx?: number; speed?: number; frameUs?: number; dark?: number; eps?: number; t0?: number; invert?: boolean } = {},
): Bar {
  const barPx = opts.barPx ?? 6;
  const speed = opts.speed ?? 0.5; // px per ms
  const frameUs = opts.frameUs ?? 1000;
  const eps = opts.eps ?? 1e-3;
  const t0 = opts.t0 ?? 0;
  let dark = opts.dark ?? 0.05;
  let bright = (dark + eps) * Math.exp(contrast) - eps;
  if (opts.invert) [dark, bright] = [bright, dark];
  const frames: Float32Array[] = [];
  const times: number[] = [];
  for (let k = 0; ; k++) {
    const lead = (speed * k * frameUs) / 1000;
    const f = new Float32Array(width * height);
    for (let x = 0; x < width; x++) {
      const c = x + 0.5;
      const v = c < lead && c >= lead - barPx ? bright : dark;
      for (let y = 0; y < height; y++) f[y * width + x] = v;
    }
    frames.push(f);
    times.push(t0 + k * frameUs);
    if (lead - barPx > width + 1) break;
  }
  return {
    frames,
    times,
    tArrive: (x) => t0 + ((x + 0.5) / speed) * 1000,
    tLeave: (x) => t0 + ((x + 0.5 + barPx) / speed) * 1000,
  };
}

/** Events per pixel, split by polarity, in time order. */
function perPixel(b: EventBatch, width: number, height: number): { on: number[][]; off: number[][] } {
  const on = Array.from({ length: width * height }, () => [] as number[]);
  const off = Array.from({ length: width * height }, () => [] as number[]);
  for (let i = 0; i < b.length; i++) (b.p[i] === 1 ? on : off)[b.y[i] * width + b.x[i]].push(b.t[i]);
  return { on, off };
}

function same(a: EventBatch, b: EventBatch): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.t[i] !== b.t[i] || a.x[i] !== b.x[i] || a.y[i] !== b.y[i] || a.p[i] !== b.p[i]) return false;
  }
  return true;
}

function isSorted(b: EventBatch): boolean {
  for (let i = 1; i < b.length; i++) if (b.t[i] < b.t[i - 1]) return false;
  return true;
}

function fingerprint(b: EventBatch): string {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h = Math.imul(h ^ (v >>> 0), 0x01000193) >>> 0;
  };
  for (let i = 0; i < b.length; i++) {
    mix(b.t[i]);
    mix(b.x[i] | (b.y[i] << 16));
    mix(b.p[i]);
  }
  return `${b.length}:${h.toString(16)}`;
}

describe('emulateVideo: a moving edge, noise and mismatch off', () => {
  const W = 40;
  const H = 3;
  const cases = [
    { contrast: 1.0, thr: 0.3 },
    { contrast: 0.5, thr: 0.15 },
    { contrast: 2.0, thr: 0.25 },
    { contrast: 0.75, thr: 0.2 },
    { contrast: 0.25, thr: 0.3 }, // below one threshold: no events
  ];
  for (const interpolation of ['log', 'linear'] as const) {
    for (const { contrast, thr } of cases) {
      it(`L = ${contrast}, threshold ${thr} (${interpolation}): floor(L/thr) +-1 events per pixel, right polarity, on time`, () => {
        const bar = movingBar(W, H, contrast);
        const b = emulateVideo(bar.frames, bar.times, W, H, {
          ...CLEAN,
          thresholdOn: thr,
          thresholdOff: thr,
          stepUs: 1000,
          interpolation,
        });
        expect(isSorted(b)).toBe(true);
        const n = Math.floor(contrast / thr);
        const { on, off } = perPixel(b, W, H);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const ons = on[y * W + x];
            const offs = off[y * W + x];
            expect(Math.abs(ons.length - n)).toBeLessThanOrEqual(1);
            expect(Math.abs(offs.length - n)).toBeLessThanOrEqual(1);
            for (const t of ons) expect(Math.abs(t - bar.tArrive(x))).toBeLessThanOrEqual(1000);
            for (const t of offs) expect(Math.abs(t - bar.tLeave(x))).toBeLessThanOrEqual(1000);
          }
        }
        // Rows are identical, so every row emits the same events.
        expect(on[0]).toEqual(on[(H - 1) * W]);
      });
    }
  }

  it('a dark bar on a bright background: OFF when it arrives, ON when it leaves', () => {
    const bar = movingBar(W, 1, 1.0, { invert: true });
    const b = emulateVideo(bar.frames, bar.times, W, 1, { ...CLEAN, thresholdOn: 0.3, thresholdOff: 0.3 });
    const { on, off } = perPixel(b, W, 1);
    for (let x = 0; x < W; x++) {
      expect(Math.abs(off[x].length - 3)).toBeLessThanOrEqual(1);
      expect(Math.abs(on[x].length - 3)).toBeLessThanOrEqual(1);
      for (const t of off[x]) expect(Math.abs(t - bar.tArrive(x))).toBeLessThanOrEqual(1000);
      for (const t of on[x]) expect(Math.abs(t - bar.tLeave(x))).toBeLessThanOrEqual(1000);
    }
  });

  it('unequal thresholds: n = floor(L / on) ON events, then floor(n x on / off) OFF events (+-1)', () => {
    const bar = movingBar(W, 1, 1.0);
    const b = emulateVideo(bar.frames, bar.times, W, 1, { ...CLEAN, thresholdOn: 0.3, thresholdOff: 0.2 });
    const { on, off } = perPixel(b, W, 1);
    for (let x = 0; x < W; x++) {
      expect(Math.abs(on[x].length - 3)).toBeLessThanOrEqual(1);
      expect(Math.abs(off[x].length - 4)).toBeLessThanOrEqual(1);
    }
  });

  it('a finer step than the frame interval keeps counts and timing (log intensity is piecewise linear)', () => {
    const bar = movingBar(W, 1, 1.0, { frameUs: 1000 });
    const coarse = emulateVideo(bar.frames, bar.times, W, 1, { ...CLEAN, stepUs: 1000 });
    const fine = emulateVideo(bar.frames, bar.times, W, 1, { ...CLEAN, stepUs: 100 });
    expect(fine.length).toBe(coarse.length);
    for (let i = 0; i < fine.length; i++) expect(Math.abs(fine.t[i] - coarse.t[i])).toBeLessThanOrEqual(1);
  });

  it('timestamps are offset by the first frame time and stay within the video', () => {
    const t0 = 5_000_000_123;
    const bar = movingBar(W, 1, 1.0, { t0 });
    const b = emulateVideo(bar.frames, bar.times, W, 1, CLEAN);
    expect(b.length).toBeGreaterThan(0);
    for (let i = 0; i < b.length; i++) {
      expect(Number.isInteger(b.t[i])).toBe(true);
      expect(b.t[i]).toBeGreaterThanOrEqual(t0);
      expect(b.t[i]).toBeLessThanOrEqual(bar.times[bar.times.length - 1]);
    }
    const rel = movingBar(W, 1, 1.0);
    const b0 = emulateVideo(rel.frames, rel.times, W, 1, CLEAN);
    expect(Array.from(b.t, (t) => t - t0)).toEqual(Array.from(b0.t));
  });

  it('a static scene with noise off gives no events; one frame gives none', () => {
    const f = new Float32Array(12).fill(0.4);
    expect(emulateVideo([f, f, f], [0, 1e5, 2e5], 4, 3, CLEAN).length).toBe(0);
    expect(emulateVideo([f], [0], 4, 3, VIDEO_EMULATOR_DEFAULTS).length).toBe(0);
  });
});

describe('emulateVideo: threshold mismatch', () => {
  const W = 64;
  const H = 16;
  const contrast = 1.05;
  const thr = 0.3;
  const sigma = 0.1;

  /** E[floor(L / on)] and E[floor(floor(L / on) x on / off)] over the mismatch distribution. */
  function expectedCounts(): { on: number; off: number } {
    const rng = new Xoshiro128(20240607);
    const draw = (): number => Math.max(0.01, thr * (1 + sigma * rng.nextGaussian()));
    let on = 0;
    let off = 0;
    const N = 200_000;
    for (let i = 0; i < N; i++) {
      const tOn = draw();
      const tOff = draw();
      const n = Math.floor(contrast / tOn);
      on += n;
      off += Math.floor((n * tOn) / tOff);
    }
    return { on: on / N, off: off / N };
  }

  it('mean counts match the expectation; each pixel within its own floor(L/thr) +-1; seeded', () => {
    const bar = movingBar(W, H, contrast, { speed: 1 });
    const opts = { ...CLEAN, thresholdOn: thr, thresholdOff: thr, thresholdSigma: sigma, sensorSeed: 7 };
    const b = emulateVideo(bar.frames, bar.times, W, H, opts);
    const { on, off } = perPixel(b, W, H);
    const meanOn = on.reduce((s, e) => s + e.length, 0) / (W * H);
    const meanOff = off.reduce((s, e) => s + e.length, 0) / (W * H);
    const exp = expectedCounts();
    expect(Math.abs(meanOn - exp.on)).toBeLessThan(0.1);
    expect(Math.abs(meanOff - exp.off)).toBeLessThan(0.1);
    // Mismatch does spread the counts (pixels differ) but timing still holds.
    expect(new Set(on.map((e) => e.length)).size).toBeGreaterThan(1);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (const t of on[y * W + x]) expect(Math.abs(t - bar.tArrive(x))).toBeLessThanOrEqual(1000);
      }
    }
    // Same sensor seed, same events; another sensor, other events.
    expect(same(b, emulateVideo(bar.frames, bar.times, W, H, opts))).toBe(true);
    expect(same(b, new EventEmulator().emulateVideo(bar.frames, bar.times, W, H, opts))).toBe(true);
    expect(same(b, emulateVideo(bar.frames, bar.times, W, H, { ...opts, sensorSeed: 8 }))).toBe(false);
  });
});

describe('emulateVideo: leak and shot noise on a static scene', () => {
  const W = 32;
  const H = 32;
  const grey = new Float32Array(W * H).fill(0.5);

  it('leak events come at the configured rate, all ON, spread in time', () => {
    const rate = 2;
    const durationS = 10;
    const b = emulateVideo([grey, grey], [0, durationS * 1e6], W, H, {
      leakRateHz: rate,
      leakRateSigma: 0.1,
      shotNoiseRateHz: 0,
      refractoryUs: 0,
      seed: 3,
    });
    const expected = rate * W * H * durationS;
    expect(Math.abs(b.length - expected)).toBeLessThan(0.02 * expected);
    let on = 0;
    let firstHalf = 0;
    for (let i = 0; i < b.length; i++) {
      on += b.p[i];
      if (b.t[i] < (durationS * 1e6) / 2) firstHalf++;
    }
    expect(on).toBe(b.length);
    expect(Math.abs(firstHalf - b.length / 2)).toBeLessThan(0.02 * b.length);
    const { on: perPix } = perPixel(b, W, H);
    let gaps = 0;
    let gapSum = 0;
    for (const ts of perPix) {
      if (ts.length < 2) continue;
      gapSum += ts[ts.length - 1] - ts[0];
      gaps += ts.length - 1;
    }
    const meanGap = gapSum / gaps;
    expect(Math.abs(meanGap - 1e6 / rate)).toBeLessThan(0.05 * (1e6 / rate));
    // Seeded: the same call repeats; another seed moves the phases.
    const again = emulateVideo([grey, grey], [0, durationS * 1e6], W, H, {
      leakRateHz: rate,
      leakRateSigma: 0.1,
      shotNoiseRateHz: 0,
      refractoryUs: 0,
      seed: 3,
    });
    expect(same(b, again)).toBe(true);
  });

  it('shot noise comes at the configured rate with random polarity; refractory period holds', () => {
    const rate = 5;
    const durationS = 2;
    const expected = rate * W * H * durationS;
    for (const seed of [1, 2]) {
      const b = emulateVideo([grey, grey, grey], [0, 1e6, 2e6], W, H, {
        leakRateHz: 0,
        shotNoiseRateHz: rate,
        refractoryUs: 0,
        seed,
      });
      expect(Math.abs(b.length - expected)).toBeLessThan(5 * Math.sqrt(expected));
      let on = 0;
      let firstHalf = 0;
      for (let i = 0; i < b.length; i++) {
        on += b.p[i];
        if (b.t[i] < 1e6) firstHalf++;
      }
      const sd = Math.sqrt(b.length / 4);
      expect(Math.abs(on - b.length / 2)).toBeLessThan(5 * sd);
      expect(Math.abs(firstHalf - b.length / 2)).toBeLessThan(5 * sd);
      expect(isSorted(b)).toBe(true);
    }
    const a = emulateVideo([grey, grey], [0, 2e6], W, H, { leakRateHz: 0, shotNoiseRateHz: rate, seed: 1 });
    const c = emulateVideo([grey, grey], [0, 2e6], W, H, { leakRateHz: 0, shotNoiseRateHz: rate, seed: 2 });
    expect(same(a, c)).toBe(false);
    // Default refractory period (1000 µs): no pixel fires twice within it.
    const refr = emulateVideo([grey, grey], [0, 2e6], W, H, {
      leakRateHz: 50,
      shotNoiseRateHz: 200,
      seed: 4,
    });
    const last = new Map<number, number>();
    let gap = Infinity;
    for (let i = 0; i < refr.length; i++) {
      const pix = refr.y[i] * W + refr.x[i];
      const prev = last.get(pix);
      if (prev !== undefined) gap = Math.min(gap, refr.t[i] - prev);
      last.set(pix, refr.t[i]);
    }
    expect(gap).toBeGreaterThanOrEqual(VIDEO_EMULATOR_DEFAULTS.refractoryUs);
  });
});

describe('emulateVideo: bad input', () => {
  const f = new Float32Array(6);
  it('throws UsageError', () => {
    expect(() => emulateVideo([f, f], [0], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 0], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [10, 5], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, Number.NaN], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, new Float32Array(5)], [0, 1], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([], [], 3, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3.5, 2)).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3, 2, { thresholdOn: 0 })).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3, 2, { stepUs: 0 })).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3, 2, { leakRateHz: -1 })).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3, 2, { seed: 0.5 })).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1], 3, 2, { interpolation: 'cubic' as 'log' })).toThrow(UsageError);
    expect(() => emulateVideo([f, f], [0, 1e12], 3, 2, { stepUs: 1 })).toThrow(UsageError);
  });
});

describe('the still-image saccade path after the video extension', () => {
  const mnist = loadMnistDigits();
  const digit = (i: number): Float32Array => mnist.images.subarray(i * 784, (i + 1) * 784);

  it('gives N-MNIST-like samples: 1,000-7,000 events over about 300 ms', () => {
    for (let d = 0; d <= 9; d++) {
      const first = mnist.labels.indexOf(d);
      for (const idx of [first, first + 17]) {
        const b = emulateSaccades(digit(idx), 28, 28, { seed: idx });
        expect(b.length).toBeGreaterThan(1000);
        expect(b.length).toBeLessThan(7000);
        expect(b.t[0]).toBeLessThan(20_000);
        expect(b.t[b.length - 1]).toBeGreaterThan(250_000);
        expect(b.t[b.length - 1]).toBeLessThanOrEqual(300_000);
        expect(isSorted(b)).toBe(true);
      }
    }
  });

  it('is bit-identical to the outputs recorded before the video path was added', () => {
    // Run a video through the shared emulator first: its caches must not leak into the still path.
    const g = new Float32Array(50 * 40).fill(0.3);
    emulateVideo([g, g], [0, 1e5], 50, 40, { shotNoiseRateHz: 30, thresholdSigma: 0.3, sensorSeed: 1 });
    const out: string[] = [];
    for (const i of [0, 1234, 5678, 9999]) out.push(fingerprint(emulateSaccades(digit(i), 28, 28, { seed: i })));
    const em = new EventEmulator({ thresholdOn: 0.2, stepMs: 0.5, noiseRateHz: 5 });
    em.emulateVideo([g, g], [0, 1e5], 50, 40);
    out.push(fingerprint(em.emulate(digit(42), 28, 28, { sensorWidth: 40, sensorHeight: 36, refractoryUs: 300 })));
    expect(out).toEqual(['4674:70f3248', '2311:449001e1', '3886:67ccfe3d', '3588:f3485970', '8950:8b7ae687']);
  });
});
