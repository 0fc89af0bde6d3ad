/** Continual-learning metrics on hand-computed matrices, and the baselines' building blocks. */
import { describe, expect, it } from 'vitest';
import { addNoise, polaritySwap, rotate90 } from '../../../host/learn/scenarios/scenarios.js';
import { continuumMetrics, gemMetrics } from '../../../host/learn/metrics/index.js';
import { Mlp } from '../../../host/learn/baselines/mlp.js';
import { eventCounts, Standardizer, type Dataset } from '../../../host/learn/baselines/features.js';
import { summarize } from '../../../host/learn/experiments/spiking.js';

const R = [
  [0.9, 0.1, 0.0],
  [0.7, 0.8, 0.2],
  [0.6, 0.7, 0.9],
];
const b = [0.1, 0.1, 0.1];

describe('continual-learning metrics', () => {
  it('GEM: ACC, BWT, FWT', () => {
    const m = gemMetrics(R, b);
    expect(m.acc).toBeCloseTo((0.6 + 0.7 + 0.9) / 3, 12);
    expect(m.bwt).toBeCloseTo((0.6 - 0.9 + (0.7 - 0.8)) / 2, 12);
    expect(m.fwt).toBeCloseTo((0.1 - 0.1 + (0.2 - 0.1)) / 2, 12);
  });

  it('Continuum: A over the lower triangle, BWT over all earlier checkpoints, FWT without b, Chaudhry forgetting', () => {
    const m = continuumMetrics(R);
    expect(m.accuracyA).toBeCloseTo((0.9 + 0.7 + 0.8 + 0.6 + 0.7 + 0.9) / 6, 12);
    expect(m.bwt).toBeCloseTo((0.7 - 0.9 + (0.6 - 0.9) + (0.7 - 0.8)) / 3, 12);
    expect(m.fwt).toBeCloseTo((0.1 + 0.2) / 2, 12);
    // task 1: max(0.9, 0.7) - 0.6; task 2: 0.8 - 0.7
    expect(m.forgetting).toBeCloseTo((0.3 + 0.1) / 2, 12);
  });

  it('no forgetting and no transfer for a learner that keeps everything', () => {
    const I = [[1, 0], [1, 1]];
    expect(gemMetrics(I, [0, 0]).bwt).toBe(0);
    expect(continuumMetrics(I).forgetting).toBe(0);
  });
});

describe('domain transforms', () => {
  const ev = { length: 3, t: Float64Array.from([0, 10, 20]), x: Uint16Array.from([0, 5, 33]), y: Uint16Array.from([1, 2, 3]), p: Uint8Array.from([0, 1, 1]) };
  it('polarity swap and rotation keep time and stay on the sensor', () => {
    expect(Array.from(polaritySwap(ev).p)).toEqual([1, 0, 0]);
    const r = rotate90(ev, 34);
    expect(Array.from(r.x)).toEqual([32, 31, 30]);
    expect(Array.from(r.y)).toEqual([0, 5, 33]);
    expect(Array.from(r.t)).toEqual([0, 10, 20]);
  });
  it('noise adds the asked fraction of events, in time order, inside the sensor, reproducibly', () => {
    const big = { length: 100, t: Float64Array.from({ length: 100 }, (_, i) => i * 10), x: new Uint16Array(100), y: new Uint16Array(100), p: new Uint8Array(100) };
    const n = addNoise(big, { width: 34, height: 34 }, 0.5, 7);
    expect(n.length).toBe(150);
    for (let e = 1; e < n.length; e++) expect(n.t[e]).toBeGreaterThanOrEqual(n.t[e - 1]);
    for (let e = 0; e < n.length; e++) expect(n.x[e] < 34 && n.y[e] < 34).toBe(true);
    expect(Array.from(addNoise(big, { width: 34, height: 34 }, 0.5, 7).x)).toEqual(Array.from(n.x));
  });
});

describe('baselines', () => {
  it('event counts: OFF plane first, then ON; events outside the sensor ignored', () => {
    const ev = { length: 3, t: new Float64Array(3), x: Uint16Array.from([1, 1, 40]), y: Uint16Array.from([0, 0, 0]), p: Uint8Array.from([0, 1, 1]) };
    const c = eventCounts(ev, 2, 2);
    expect(Array.from(c)).toEqual([0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('logistic regression and the MLP learn a separable toy problem, reproducibly from a seed', () => {
    const n = 200;
    const d = 4;
    const x = new Float32Array(n * d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < d; j++) x[i * d + j] = (j === y[i] ? 3 : 0) + ((i * 7 + j * 13) % 5) * 0.2;
    }
    const ds: Dataset = { n, d, x, y };
    const st = new Standardizer(ds);
    for (const hidden of [[], [8]]) {
      const a = new Mlp(d, { hidden, classes: 3, epochs: 30, learningRate: 1e-2, seed: 3 });
      const b2 = new Mlp(d, { hidden, classes: 3, epochs: 30, learningRate: 1e-2, seed: 3 });
      const la = a.fit(st.apply(ds));
      b2.fit(st.apply(ds));
      expect(la[la.length - 1]).toBeLessThan(la[0]);
      expect(a.accuracy(st.apply(ds))).toBeGreaterThan(0.95);
      expect(Array.from(a.params)).toEqual(Array.from(b2.params));
    }
  });

  it('summarize: mean, sample std, min, max', () => {
    const s = summarize([0.8, 0.9, 1.0]);
    expect(s.mean).toBeCloseTo(0.9, 12);
    expect(s.std).toBeCloseTo(0.1, 12);
    expect([s.min, s.max]).toEqual([0.8, 1.0]);
  });
});
