/**
 * Concept-shift streams and the two rate rules on synthetic features (no spiking network, so it
 * runs in milliseconds): every shift is a derangement composed onto the mapping, and the
 * homeostatic rate (lrh_update_f32) rises after each shift and recovers sooner than the same
 * readout at its resting rate, and stays at rest on a stream without shifts; the mistakes-after-
 * shift count on hand-made outcomes.
 */
import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from '../../../host/util/prng.js';
import { conceptStream, derangement, HOMEOSTASIS, mistakesAfterShifts, runStream } from '../../../host/learn/scenarios/concept-shift.js';
import { recoveryAfterShifts } from '../../../host/learn/metrics/index.js';

describe('concept-shift streams', () => {
  it('derangements move every class', () => {
    const r = new Xoshiro128(3);
    for (let k = 0; k < 50; k++) {
      const d = derangement(10, r);
      expect([...d].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
      d.forEach((v, i) => expect(v).not.toBe(i));
    }
    expect(() => derangement(1, r)).toThrow(RangeError);
  });

  it('re-maps the labels at every shift point and only there, reproducibly', () => {
    const pool = Array.from({ length: 30 }, (_, i) => i);
    const label = (i: number) => i % 10;
    const s = conceptStream(pool, label, 250, 100, 9);
    expect(s.shifts).toEqual([100, 200]);
    expect(conceptStream(pool, label, 250, 100, 9)).toEqual(s);
    // Within a segment the mapping is one permutation; across a shift every class changes.
    const mapAt = (t0: number, t1: number) => {
      const m = new Map<number, number>();
      for (let t = t0; t < t1; t++) {
        const c = label(s.indices[t]);
        if (m.has(c)) expect(m.get(c)).toBe(s.labels[t]);
        m.set(c, s.labels[t]);
      }
      return m;
    };
    const m0 = mapAt(0, 100);
    const m1 = mapAt(100, 200);
    for (const [c, y] of m0) expect(y).toBe(c); // identity before the first shift
    for (const [c, y] of m1) expect(y).not.toBe(m0.get(c));
    expect(new Set(s.indices.slice(0, 30)).size).toBe(30); // one pass over the pool
  });
});

describe('fixed vs homeostatic readout rate (wasm kernels)', () => {
  // Ten classes, 20 features: class c lights features 2c and 2c+1, plus noise.
  const r = new Xoshiro128(11);
  const feats = new Map<number, Float32Array>();
  for (let i = 0; i < 200; i++) {
    const f = Float32Array.from({ length: 20 }, () => r.nextFloat() * 0.6);
    f[2 * (i % 10)] += 1;
    f[2 * (i % 10) + 1] += 1;
    feats.set(i, f);
  }
  const stream = conceptStream([...feats.keys()], (i) => i % 10, 2400, 400, 5);

  it('the fixed rule uses its rate throughout; the homeostatic one stays in bounds and rises after shifts', () => {
    const fx = runStream(feats, stream, { kind: 'fixed', rate: 0.05 });
    expect(new Set(fx.rates).size).toBe(1);
    expect(fx.rates[0]).toBeCloseTo(0.05, 7);
    const ho = runStream(feats, stream, { kind: 'homeostatic', eta0: 0.05 });
    for (const v of ho.rates) expect(v >= Math.fround(HOMEOSTASIS.etaMin) && v <= HOMEOSTASIS.etaMax).toBe(true);
    for (const s of stream.shifts) {
      const before = ho.rates[s - 1];
      const after = Math.max(...ho.rates.subarray(s, s + 40));
      expect(after).toBeGreaterThan(3 * before);
    }
    const rec = recoveryAfterShifts([fx.outcomes, ho.outcomes], stream.shifts, { window: 20, fraction: 0.9 });
    expect(rec.secondFaster).toBeGreaterThan(rec.firstFaster);
  });

  it('without shifts the homeostatic rate stays at eta0 once the readout has learned (no surprise, no forgetting)', () => {
    const stable = conceptStream([...feats.keys()], (i) => i % 10, 2400, 100000, 5);
    expect(stable.shifts).toEqual([]);
    const ho = runStream(feats, stable, { kind: 'homeostatic', eta0: 0.05 });
    const fx = runStream(feats, stable, { kind: 'fixed', rate: 0.05 });
    let atRest = 0;
    for (let t = 400; t < 2400; t++) if (Math.abs(ho.rates[t] - 0.05) < 1e-3) atRest++;
    expect(atRest / 2000).toBeGreaterThan(0.95);
    const acc = (o: Uint8Array) => o.subarray(400).reduce((a, x) => a + x, 0) / 2000;
    expect(acc(ho.outcomes)).toBeGreaterThanOrEqual(acc(fx.outcomes) - 0.01);
  });
});

describe('mistakes after shifts', () => {
  it('counts each learner\'s mistakes in the horizon after each shift, clipped at the next shift', () => {
    //                     shift at 2         shift at 6
    const a = Uint8Array.of(1, 1, 0, 0, 0, 1, 0, 0, 1, 1);
    const b = Uint8Array.of(1, 1, 0, 1, 1, 1, 0, 0, 0, 1);
    const m = mistakesAfterShifts(a, b, [2, 6], 3);
    // a: [2,5) -> 3 mistakes, [6,9) -> 2; b: [2,5) -> 1, [6,9) -> 3.
    expect(m).toEqual({ horizon: 3, fixed: 2.5, homeostatic: 2, fewer: 1, ties: 0, more: 1 });
    // [2,3) is cut short by the next shift: a 1 + 4 mistakes, b 1 + 2.
    expect(mistakesAfterShifts(a, b, [2, 3], 5)).toMatchObject({ fixed: 2.5, homeostatic: 1.5, fewer: 1, ties: 1 });
  });
});
