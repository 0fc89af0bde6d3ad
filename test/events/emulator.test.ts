/**
 * Event-camera emulator: determinism, N-MNIST-like statistics on real MNIST digits, the three
 * saccades, refractory period and background-noise rate. No timing assertions (speed is measured
 * outside the test suite).
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../host/errors.js';
import { EMULATOR_DEFAULTS, EventEmulator, emulateSaccades } from '../../host/events/emulator.js';
import type { EventBatch } from '../../host/events/types.js';
import { loadMnistDigits } from '../../host/learn/datasets/mnist.js';

const mnist = loadMnistDigits();
const digit = (i: number): Float32Array => mnist.images.subarray(i * 784, (i + 1) * 784);
/** One image of each class: the first image of each digit block (the set is ordered by label). */
const firstOfEach = Array.from({ length: 10 }, (_, d) => mnist.labels.indexOf(d));

function same(a: EventBatch, b: EventBatch): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a.t[i] !== b.t[i] || a.x[i] !== b.x[i] || a.y[i] !== b.y[i] || a.p[i] !== b.p[i]) return false;
  }
  return true;
}

/** Smallest gap between two events of the same pixel. */
function minGapPerPixel(b: EventBatch, width: number): number {
  const last = new Map<number, number>();
  let gap = Infinity;
  for (let i = 0; i < b.length; i++) {
    const pix = b.y[i] * width + b.x[i];
    const prev = last.get(pix);
    if (prev !== undefined) gap = Math.min(gap, b.t[i] - prev);
    last.set(pix, b.t[i]);
  }
  return gap;
}

describe('emulateSaccades on MNIST digits', () => {
  it('is deterministic: same seed, same events; other seed, other events', () => {
    const img = digit(firstOfEach[3]);
    const a = emulateSaccades(img, 28, 28, { seed: 11 });
    const b = new EventEmulator().emulate(img, 28, 28, { seed: 11 });
    const c = emulateSaccades(img, 28, 28, { seed: 12 });
    const d = emulateSaccades(img, 28, 28, { seed: 11, sensorSeed: 99 });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
    expect(same(a, d)).toBe(false);
  });

  it('reusing one emulator across different inputs gives the same result as a fresh one', () => {
    const em = new EventEmulator();
    em.emulate(new Float32Array(64 * 64).fill(0.5), 64, 64, { sensorWidth: 80, sensorHeight: 70, noiseRateHz: 50 });
    em.emulate(digit(5), 28, 28, { thresholdOn: 0.05, thresholdOff: 0.05 });
    const reused = em.emulate(digit(42), 28, 28, { seed: 3 });
    const fresh = new EventEmulator().emulate(digit(42), 28, 28, { seed: 3 });
    expect(same(reused, fresh)).toBe(true);
  });

  it('gives N-MNIST-like samples: counts, span, three saccades, both polarities, sorted, inside 34x34', () => {
    const counts: number[] = [];
    for (const [k, idx] of firstOfEach.entries()) {
      const b = emulateSaccades(digit(idx), 28, 28, { seed: k });
      counts.push(b.length);
      expect(b.length).toBeGreaterThan(1000);
      expect(b.length).toBeLessThan(8000);
      let on = 0;
      const thirds = [0, 0, 0];
      let sorted = true;
      let integral = true;
      let inside = true;
      for (let i = 0; i < b.length; i++) {
        if (i > 0 && b.t[i] < b.t[i - 1]) sorted = false;
        if (!Number.isInteger(b.t[i])) integral = false;
        if (b.x[i] >= 34 || b.y[i] >= 34) inside = false;
        on += b.p[i];
        thirds[Math.min(2, Math.floor(b.t[i] / 100_000))]++;
      }
      expect({ sorted, integral, inside }).toEqual({ sorted: true, integral: true, inside: true });
      expect(b.t[0]).toBeGreaterThanOrEqual(0);
      expect(b.t[0]).toBeLessThan(20_000);
      expect(b.t[b.length - 1]).toBeGreaterThan(250_000);
      expect(b.t[b.length - 1]).toBeLessThanOrEqual(300_000);
      for (const n of thirds) expect(n).toBeGreaterThan(0.15 * b.length);
      expect(on / b.length).toBeGreaterThan(0.3);
      expect(on / b.length).toBeLessThan(0.7);
    }
    const mean = counts.reduce((s, n) => s + n, 0) / counts.length;
    expect(mean).toBeGreaterThan(2000);
    expect(mean).toBeLessThan(6000);
  });

  it('respects the refractory period per pixel, noise events included', () => {
    for (const refractoryUs of [EMULATOR_DEFAULTS.refractoryUs, 5000]) {
      const b = emulateSaccades(digit(firstOfEach[8]), 28, 28, {
        refractoryUs,
        noiseRateHz: 40,
        thresholdOn: 0.1,
        thresholdOff: 0.1,
      });
      expect(minGapPerPixel(b, 34)).toBeGreaterThanOrEqual(refractoryUs);
    }
    // Without a refractory period the same pixel does fire faster than that.
    const free = emulateSaccades(digit(firstOfEach[8]), 28, 28, {
      refractoryUs: 0,
      thresholdOn: 0.1,
      thresholdOff: 0.1,
    });
    expect(minGapPerPixel(free, 34)).toBeLessThan(EMULATOR_DEFAULTS.refractoryUs);
  });

  it('a blank image gives only background noise at about rate x pixels x duration', () => {
    const blank = new Float32Array(784);
    const rate = 10;
    const expected = rate * 34 * 34 * 0.3; // 3468
    const tolerance = 5 * Math.sqrt(expected); // Poisson: 5 standard deviations
    for (const seed of [1, 2, 3]) {
      const b = emulateSaccades(blank, 28, 28, { noiseRateHz: rate, refractoryUs: 0, seed });
      expect(Math.abs(b.length - expected)).toBeLessThan(tolerance);
      let on = 0;
      for (let i = 0; i < b.length; i++) on += b.p[i];
      expect(Math.abs(on - b.length / 2)).toBeLessThan(5 * Math.sqrt(b.length / 4));
      expect(b.t[b.length - 1]).toBeLessThan(300_000);
    }
    expect(emulateSaccades(blank, 28, 28, { noiseRateHz: 0 }).length).toBe(0);
  });

  it('a uniform image with no noise gives no events (only edges move)', () => {
    const grey = new Float32Array(20 * 20).fill(0.6);
    const b = emulateSaccades(grey, 20, 20, { noiseRateHz: 0, sensorWidth: 10, sensorHeight: 10 });
    expect(b.length).toBe(0);
  });

  it('supports other sensor sizes and rejects bad input with UsageError', () => {
    const b = emulateSaccades(digit(0), 28, 28, { sensorWidth: 40, sensorHeight: 30 });
    expect(b.length).toBeGreaterThan(0);
    for (let i = 0; i < b.length; i++) {
      expect(b.x[i]).toBeLessThan(40);
      expect(b.y[i]).toBeLessThan(30);
    }
    expect(() => emulateSaccades(new Float32Array(10), 28, 28)).toThrow(UsageError);
    expect(() => emulateSaccades(digit(0), 28, 28, { thresholdOn: 0 })).toThrow(UsageError);
    expect(() => emulateSaccades(digit(0), 28, 28, { stepMs: -1 })).toThrow(UsageError);
    expect(() => emulateSaccades(digit(0), 28, 28, { sensorWidth: 3.5 })).toThrow(UsageError);
    expect(() => emulateSaccades(digit(0), 28, 28, { noiseRateHz: Number.NaN })).toThrow(UsageError);
  });

  it('the simulation step barely changes the event count (crossing times are interpolated)', () => {
    const img = digit(firstOfEach[2]);
    const coarse = emulateSaccades(img, 28, 28, { stepMs: 1, noiseRateHz: 0 }).length;
    const fine = emulateSaccades(img, 28, 28, { stepMs: 0.25, noiseRateHz: 0 }).length;
    expect(Math.abs(coarse - fine)).toBeLessThan(0.1 * coarse);
  });
});
