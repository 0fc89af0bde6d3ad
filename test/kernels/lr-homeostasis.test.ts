/**
 * lrh_update_f32 (homeostatic learning-rate modulation): SIMD == scalar bit for bit, both equal to
 * the TypeScript twin (host/reference/lr-homeostasis.ts, exact f32 arithmetic, so bit-identical
 * too), at sizes that force several SIMD iterations and a tail, including the surprise written
 * back into err; the rate never leaves its bounds (property); and the behaviour the learner
 * relies on: a step up in the error raises the rate, a settled error lets it relax back to eta0,
 * and the chance fluctuations of a steady 0/1 error rate stay below the two-sigma margin.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { lrhUpdate, type LrHomeostasisParams } from '../../host/reference/lr-homeostasis.js';

const SIZES = [1, 3, 4, 5, 33, 1000];
const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };
const P: LrHomeostasisParams = { aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.05, eta0: 0.05, etaMin: 0.01, etaMax: 1.2 };

function runWasm(a: TestArena, n: number, errs: Float32Array[], p: LrHomeostasisParams, init?: { f: Float32Array; s: Float32Array; eta: Float32Array }) {
  a.reset();
  const pf = init ? a.put(init.f) : a.alloc(n * 4);
  const ps = init ? a.put(init.s) : a.alloc(n * 4);
  const pe = a.put(init ? init.eta : new Float32Array(n).fill(p.eta0));
  const perr = a.alloc(n * 4);
  for (const e of errs) {
    a.f32(perr, n).set(e);
    a.k.lrh_update_f32(n, perr, pf, ps, pe, p.aFast, p.aSlow, p.k, p.rho, p.eta0, p.etaMin, p.etaMax);
  }
  return { f: a.f32(pf, n).slice(), s: a.f32(ps, n).slice(), eta: a.f32(pe, n).slice(), u: a.f32(perr, n).slice() };
}

describe('lrh_update_f32: builds and reference', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      const r = new Xoshiro128(100 + n);
      // Signed errors, zeros, -0 and a NaN lane: abs, the max(., 0) branch and the clip all run.
      const errs = Array.from({ length: 40 }, (_, t) => Float32Array.from({ length: n }, (_, j) => {
        if ((j + t) % 17 === 0) return 0;
        if ((j + t) % 19 === 0) return -0;
        if (t === 7 && j % 5 === 2) return NaN;
        return (t < 20 ? 0.1 : 1) * (r.nextFloat() * 2 - 1);
      }));
      const sc = runWasm(arenas.scalar, n, errs, P);
      const si = runWasm(arenas.simd, n, errs, P);
      expect(bitsEqual(sc.f, si.f) && bitsEqual(sc.s, si.s) && bitsEqual(sc.eta, si.eta) && bitsEqual(sc.u, si.u)).toBe(true);
      const f = new Float32Array(n), s = new Float32Array(n), eta = new Float32Array(n).fill(P.eta0);
      for (const e of errs) lrhUpdate(n, e, f, s, eta, P);
      expect(bitsEqual(sc.f, f)).toBe(true);
      expect(bitsEqual(sc.s, s)).toBe(true);
      expect(bitsEqual(sc.eta, eta)).toBe(true);
      expect(bitsEqual(sc.u, errs[errs.length - 1])).toBe(true); // the twin overwrites err with u too
      for (const x of sc.u) expect(x >= 0).toBe(true);
    });
  }
});

describe('lrh_update_f32: behaviour', () => {
  it('an error step raises the rate towards eta_max, a settled error relaxes it back to eta0', () => {
    const n = 6;
    const a = arenas.simd;
    a.reset();
    const pf = a.alloc(n * 4), ps = a.alloc(n * 4), pe = a.put(new Float32Array(n).fill(P.eta0)), perr = a.alloc(n * 4);
    const step = (e: number, times: number) => {
      a.f32(perr, n).fill(e);
      for (let t = 0; t < times; t++) a.k.lrh_update_f32(n, perr, pf, ps, pe, P.aFast, P.aSlow, P.k, P.rho, P.eta0, P.etaMin, P.etaMax);
      return a.f32(pe, n)[0];
    };
    // Steady error: resting rate (up to the f32 fixed point of the slow average, ~1e-6 here).
    expect(step(0.1, 2000)).toBeCloseTo(P.eta0, 4);
    const peak = Math.max(...Array.from({ length: 20 }, () => step(1, 1)));
    expect(peak).toBeGreaterThan(5 * P.eta0);
    expect(peak).toBeLessThanOrEqual(Math.fround(P.etaMax));
    expect(step(1, 3000)).toBeCloseTo(P.eta0, 4); // the new error level becomes the norm
  });
});

describe('lrh_update_f32: change-point margin', () => {
  it('a steady 0/1 error rate rarely counts as surprise; a jump to always-wrong does within a few outcomes', () => {
    const a = arenas.scalar;
    a.reset();
    const pf = a.alloc(4), ps = a.alloc(4), pe = a.put(Float32Array.of(P.eta0)), perr = a.alloc(4);
    const r = new Xoshiro128(5);
    const one = (e: number) => {
      a.f32(perr, 1)[0] = e;
      a.k.lrh_update_f32(1, perr, pf, ps, pe, P.aFast, P.aSlow, P.k, P.rho, P.eta0, P.etaMin, P.etaMax);
      return a.f32(perr, 1)[0];
    };
    for (let t = 0; t < 1000; t++) one(r.nextFloat() < 0.25 ? 1 : 0); // the slow average settles
    let surprised = 0;
    let etaSum = 0;
    const T = 4000;
    for (let t = 0; t < T; t++) {
      if (one(r.nextFloat() < 0.25 ? 1 : 0) > 0) surprised++;
      etaSum += a.f32(pe, 1)[0];
    }
    // Without the margin, max(F - S, 0) > 0 on about half of the outcomes and eta sits far above eta0.
    expect(surprised / T).toBeLessThan(0.06);
    expect(etaSum / T).toBeLessThan(P.eta0 + 0.05);
    let first = -1;
    for (let t = 0; t < 10 && first < 0; t++) if (one(1) > 0) first = t;
    expect(first).toBeGreaterThanOrEqual(0);
    for (let t = 0; t < 5; t++) one(1);
    expect(a.f32(pe, 1)[0]).toBeGreaterThan(4 * P.eta0);
  });
});

describe('lrh_update_f32: bounds (property, both builds)', () => {
  const num = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  it('eta stays in [eta_min, eta_max] for any errors, rates, gains and starting state', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 13 }),
      fc.array(num, { minLength: 13 * 4, maxLength: 13 * 4 }),
      fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })),
      fc.tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), num),
      (n, vals, [af, as, k, rho], [lo, span, e0]) => {
        const etaMin = Math.fround(lo), etaMax = Math.max(etaMin, Math.fround(lo + span));
        const p: LrHomeostasisParams = { aFast: af, aSlow: as, k, rho, eta0: e0, etaMin, etaMax };
        const errs = [0, 1, 2].map((t) => Float32Array.from(vals.slice(t * 13, t * 13 + n)));
        const init = { f: Float32Array.from(vals.slice(39, 39 + n)), s: new Float32Array(n).fill(-3), eta: Float32Array.from(vals.slice(39, 39 + n)) };
        for (const a of Object.values(arenas)) {
          const r = runWasm(a, n, errs, p, init);
          for (const x of r.eta) if (!(x >= etaMin && x <= etaMax)) return false;
        }
        return true;
      },
    ), { numRuns: 200 });
  });
});
