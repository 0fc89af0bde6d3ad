/**
 * Three-factor rules, continual-learning controls and prototype readouts: reference (plain
 * TypeScript, host/reference/*) vs wasm scalar vs wasm SIMD on shared cases, at sizes that force
 * several SIMD iterations and a tail (1, 3, 4, 5, 33, 1000 along the SIMD dimension: postsynaptic
 * neurons, output units, classes or memory slots).
 * Contract (ARCHITECTURE decision 4): SIMD and scalar bit-identical; f32 results within REL_TOL of
 * the reference. The modern Hopfield retrieval uses exp, which wasm computes in software
 * (AssemblyScript's expf) while the reference calls Math.exp: its written tolerance is EXP_TOL.
 * Then the bounds: for every rule, a fast-check property that no weight (or gain/threshold) leaves
 * its declared range, whatever the signals.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { COUNTER_SLOT, COUNTERS, LIF, STDP } from '../../host/runtime/abi.js';
import * as ref from '../../host/reference/kernels.js';
import { bound, eligApply, eligApplyOuter, eligStep, packEligParams, traceFilter, type EligParams } from '../../host/reference/eligibility.js';
import { rstdpStep } from '../../host/reference/rstdp.js';
import { epropPseudo, epropSignal } from '../../host/reference/eprop.js';
import { tessSignal } from '../../host/reference/tess.js';
import { gatedHebbLearn, gatedHebbPredict } from '../../host/reference/gated-hebb.js';
import { classpApply, packClasspParams, type ClasspParams } from '../../host/reference/classp.js';
import { noiseInject } from '../../host/reference/variability.js';
import { modeAdapt, modeApply, packModeParams, type ModeParams } from '../../host/reference/modes.js';
import { ncmPredict, ncmUpdate } from '../../host/reference/ncm.js';
import { hopfieldRetrieve, hopfieldStore } from '../../host/reference/hopfield.js';

const SIZES = [1, 3, 4, 5, 33, 1000];
/** Written tolerance for f32 kernels against the reference: relative 1e-6 (plus 1e-30 absolute). */
const REL_TOL = 1e-6;
/**
 * Written tolerance for the exp-based Hopfield retrieval: relative 1e-5 plus 1e-6 x max|value|
 * absolute. AssemblyScript's software expf and fround(Math.exp) may differ by an ulp; an ulp in
 * one exp moves a probability by ~1.2e-7 relative and the normalising sum and read-back add a few
 * more roundings, so 1e-5 (about 80 f32 ulps) covers them with margin.
 */
const EXP_TOL = 1e-5;

type Backend = 'scalar' | 'simd';
const arenas: Record<Backend, TestArena> = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };

function rng(seed: number) {
  const r = new Xoshiro128(seed);
  return {
    f32: (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r.nextFloat()),
    /** Sparse 0/1 vector with probability p. */
    bits: (n: number, p: number) => Float32Array.from({ length: n }, () => (r.nextFloat() < p ? 1 : 0)),
    int: (n: number) => r.nextInt(n),
    list: (n: number, k: number) => Uint32Array.from({ length: k }, () => r.nextInt(n)),
  };
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string, rel = REL_TOL, absScale = 0): void {
  expect(actual.length).toBe(expected.length);
  let mx = 0;
  if (absScale > 0) for (const v of expected) mx = Math.max(mx, Math.abs(v));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const tol = rel * Math.abs(e) + absScale * mx + 1e-30;
    if (!(Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}]: wasm ${a} vs reference ${e}`);
  }
}

/** Runs `body` on both builds; checks every returned array bitwise SIMD == scalar; returns scalar's. */
function bothBuilds<T extends Record<string, Float32Array | Int32Array | number[]>>(body: (a: TestArena) => T): T {
  const out = {} as Record<Backend, T>;
  for (const b of ['scalar', 'simd'] as Backend[]) {
    const a = arenas[b];
    a.reset();
    out[b] = body(a);
  }
  for (const key of Object.keys(out.scalar)) {
    const s = out.scalar[key], v = out.simd[key];
    if (s instanceof Float32Array) {
      if (!bitsEqual(s, v as Float32Array)) throw new Error(`${key}: SIMD and scalar builds differ`);
    } else {
      expect(Array.from(v as ArrayLike<number>), key).toEqual(Array.from(s as ArrayLike<number>));
    }
  }
  return out.scalar;
}

const eligP = (soft: boolean, eta = 0.05): EligParams => ({ alpha: Math.exp(-1 / 25), floor: 1e-6, kA: 0.8, kC: -0.45, eta, wMin: -0.5, wMax: 1, soft });

describe('eligibility vocabulary: elig_step / elig_apply / elig_apply_outer / trace_filter', () => {
  for (const nOut of SIZES) {
    for (const soft of [false, true]) {
      it(`nOut=${nOut} ${soft ? 'soft' : 'hard'} bounds`, () => {
        const nIn = nOut >= 1000 ? 7 : 13, steps = 12;
        const p = eligP(soft, 0.9);
        const seed = 31 + nOut;
        const gen = () => {
          const r = rng(seed);
          const w0 = r.f32(nIn * nOut, -0.5, 1);
          const steps_ = Array.from({ length: steps }, (_, s) => ({
            a: r.f32(nIn, 0, 1.5), b: r.bits(nOut, 0.3), c: r.bits(nIn, 0.3), d: r.f32(nOut, 0, 1.2),
            m: r.f32(nOut, -2, 2), scale: s % 4 === 3 ? 0 : (r.int(2) ? 1 : -1) * (0.5 + r.int(4)),
            useB: s % 3 !== 0, useC: s % 2 === 0, useM: s % 5 !== 0, u: r.f32(nOut, -1, 1),
          }));
          return { w0, steps: steps_ };
        };
        const g = gen();
        const res = bothBuilds((a) => {
          const pw = a.put(g.w0), pw2 = a.put(g.w0), pe = a.alloc(nIn * nOut * 4), pp = a.put(packEligParams(p));
          const px = a.alloc(nOut * 4);
          for (const st of g.steps) {
            const pa = a.put(st.a), pb = st.useB ? a.put(st.b) : 0, pc = st.useC ? a.put(st.c) : 0, pd = a.put(st.d);
            const pm = st.useM ? a.put(st.m) : 0, pu = a.put(st.u);
            a.k.elig_step_f32(pe, nIn, nOut, pa, pb, pc, pd, pp);
            a.k.elig_apply_f32(pw, pe, nIn, nOut, pm, st.scale, pp);
            a.k.elig_apply_outer_f32(pw2, nIn, nOut, pa, pb, pc, pd, pm, st.scale, pp);
            a.k.trace_filter_f32(px, nOut, 0.7, pu);
          }
          return { w: a.f32(pw, nIn * nOut).slice(), e: a.f32(pe, nIn * nOut).slice(), w2: a.f32(pw2, nIn * nOut).slice(), x: a.f32(px, nOut).slice() };
        });
        const w = g.w0.slice(), w2 = g.w0.slice(), e = new Float32Array(nIn * nOut), x = new Float32Array(nOut);
        for (const st of g.steps) {
          eligStep(e, nIn, nOut, st.a, st.useB ? st.b : null, st.useC ? st.c : null, st.d, p);
          eligApply(w, e, nIn, nOut, st.useM ? st.m : null, st.scale, p);
          eligApplyOuter(w2, nIn, nOut, st.a, st.useB ? st.b : null, st.useC ? st.c : null, st.d, st.useM ? st.m : null, st.scale, p);
          traceFilter(x, nOut, 0.7, st.u);
        }
        expectClose(res.e, e, 'e');
        expectClose(res.w, w, 'w');
        expectClose(res.w2, w2, 'w (outer)');
        expectClose(res.x, x, 'trace');
        // The case exercises both bounds and leaves weights inside them.
        for (const v of [...res.w, ...res.w2]) { expect(v).toBeGreaterThanOrEqual(-0.5); expect(v).toBeLessThanOrEqual(1); }
        if (nOut >= 33 && !soft) expect([...res.w, ...res.w2].some((v) => v === 1 || v === -0.5)).toBe(true); // clipping exercised
      });
    }
  }

  it('flushes eligibility below the floor to zero and counts eligibility and weight updates', () => {
    for (const a of Object.values(arenas)) {
      a.reset();
      const ctr = a.alloc(COUNTERS.length * 8);
      a.k.counters_bind(ctr);
      const p = { ...eligP(false), alpha: 0.5, floor: 1e-3, kA: 1 };
      const pe = a.put(Float32Array.from([1e-3, -1.5e-3, 0.5, -2e-3, 3e-3])), pp = a.put(packEligParams(p));
      a.k.elig_step_f32(pe, 1, 5, a.put(new Float32Array(1)), 0, 0, 0, pp);
      try {
        const e = Array.from(a.f32(pe, 5));
        a.k.elig_apply_f32(a.alloc(20), pe, 1, 5, 0, 1, pp);
        const c = new Float64Array(a.memory.buffer, ctr, COUNTERS.length).slice();
        expect(e).toEqual([0, 0, 0.25, Math.fround(-1e-3), Math.fround(1.5e-3)]);
        expect(c[COUNTER_SLOT.eligibilityUpdates]).toBe(5);
        expect(c[COUNTER_SLOT.weightUpdates]).toBe(5);
      } finally {
        a.k.counters_bind(0);
      }
    }
  });
});

describe('R-STDP eligibility (rstdp_step) + reward (elig_apply)', () => {
  for (const nOut of SIZES) {
    for (const nearest of [false, true]) {
      it(`nOut=${nOut} ${nearest ? 'nearest' : 'all-to-all'}`, () => {
        const nIn = nOut >= 1000 ? 9 : 23, steps = 30;
        const sp: ref.StdpParams = { etaPlus: 0.6, etaMinus: 0.65, wMin: 0, wMax: 1, soft: false, xOffset: 0, impulsePre: 1, impulsePost: 1, nearest };
        const ep: EligParams = { ...eligP(nearest), alpha: Math.exp(-1 / 40), wMin: 0, wMax: 1, eta: 0.4 };
        const seed = 77 + nOut;
        const plan = (() => {
          const r = rng(seed);
          const w0 = r.f32(nIn * nOut, 0, 1);
          return {
            w0,
            steps: Array.from({ length: steps }, (_, s) => ({
              pre: Uint32Array.from([...r.list(nIn, r.int(4)), ...(s === 5 ? [nIn + 2] : [])]),
              post: Uint32Array.from([...r.list(nOut, r.int(3)), ...(s === 7 ? [nOut] : [])]),
              reward: s % 6 === 5 ? r.f32(1, -1, 1)[0] : 0,
            })),
          };
        })();
        const alpha = Math.fround(Math.exp(-1 / 20));
        const res = bothBuilds((a) => {
          const pw = a.put(plan.w0), pe = a.alloc(nIn * nOut * 4), px = a.alloc(nIn * 4), py = a.alloc(nOut * 4);
          const spp = a.alloc(64);
          const f = a.f32(spp, 16), i32 = a.i32(spp, 16);
          f[STDP.ETA_PLUS] = sp.etaPlus; f[STDP.ETA_MINUS] = sp.etaMinus; f[STDP.IMPULSE_PRE] = 1; f[STDP.IMPULSE_POST] = 1;
          i32[STDP.TRACE_MODE] = nearest ? 1 : 0;
          const epp = a.put(packEligParams(ep));
          const pre = a.alloc(64), post = a.alloc(64);
          for (const st of plan.steps) {
            a.k.trace_decay_f32(px, nIn, alpha, 1e-30);
            a.k.trace_decay_f32(py, nOut, alpha, 1e-30);
            a.u32(pre, 16).set(st.pre);
            a.u32(post, 16).set(st.post);
            a.k.rstdp_step_f32(pe, nIn, nOut, pre, st.pre.length, post, st.post.length, px, py, spp, epp);
            if (st.reward !== 0) a.k.elig_apply_f32(pw, pe, nIn, nOut, 0, st.reward, epp);
          }
          return { w: a.f32(pw, nIn * nOut).slice(), e: a.f32(pe, nIn * nOut).slice(), x: a.f32(px, nIn).slice(), y: a.f32(py, nOut).slice() };
        });
        const w = plan.w0.slice(), e = new Float32Array(nIn * nOut), x = new Float32Array(nIn), y = new Float32Array(nOut);
        for (const st of plan.steps) {
          ref.traceDecay(x, nIn, alpha, 1e-30);
          ref.traceDecay(y, nOut, alpha, 1e-30);
          rstdpStep(e, nIn, nOut, st.pre, st.pre.length, st.post, st.post.length, x, y, sp, ep);
          if (st.reward !== 0) eligApply(w, e, nIn, nOut, null, st.reward, ep);
        }
        expectClose(res.e, e, 'e');
        expectClose(res.w, w, 'w');
        expectClose(res.x, x, 'x');
        expectClose(res.y, y, 'y');
        if (nOut >= 33) expect(e.some((v) => v > 0) && e.some((v) => v < 0)).toBe(true);
      });
    }
  }
});

describe('e-prop pseudo-derivative and learning signal', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      const nK = 3;
      const r = rng(5 + n);
      const v = r.f32(n, -1, 2.5), b = r.f32(n, 0, 0.4), fb = r.f32(nK * n, -1, 1), err = r.f32(nK, -1, 1);
      const res = bothBuilds((a) => {
        const nPad = Math.ceil(n / 4) * 4;
        const state = a.alloc(5 * nPad * 4);
        a.f32(state, n).set(v);
        a.f32(state + 3 * nPad * 4, n).set(b);
        const lp = a.alloc(64);
        a.f32(lp, 16)[LIF.V_TH] = 0.8;
        const psi = a.alloc(nPad * 4), L = a.alloc(nPad * 4);
        a.k.eprop_pseudo_f32(n, state, lp, 0.3, psi);
        a.k.eprop_signal_f32(a.put(fb), nK, n, a.put(err), L);
        return { psi: a.f32(psi, n).slice(), L: a.f32(L, n).slice() };
      });
      const st: ref.LifState = { v, i: new Float32Array(n), refr: new Int32Array(n), b, bias: new Float32Array(n) };
      const psi = new Float32Array(n), L = new Float32Array(n);
      epropPseudo(n, st, 0.8, 0.3, psi);
      epropSignal(fb, nK, n, err, L);
      expectClose(res.psi, psi, 'psi');
      expectClose(res.L, L, 'L');
      if (n >= 33) expect(psi.some((p) => p === 0) && psi.some((p) => p > 0)).toBe(true);
    });
  }
});

describe('TESS local learning signal', () => {
  for (const n of SIZES) {
    for (const label of [2, -1]) {
      it(`n=${n} label=${label}`, () => {
        const nClass = 5;
        const r = rng(9 + n);
        const basis = Float32Array.from({ length: nClass * n }, () => (r.int(2) ? 1 : -1) / n);
        const spikes = Uint32Array.from([...r.list(n, 1 + r.int(Math.min(n, 40))), n + 5]);
        const res = bothBuilds((a) => {
          const q = a.alloc(nClass * 4), L = a.put(new Float32Array(n).fill(7));
          a.k.tess_signal_f32(a.put(basis), nClass, n, a.put(spikes), spikes.length, label, 30, q, L);
          return { q: a.f32(q, nClass).slice(), L: a.f32(L, n).slice() };
        });
        const q = new Float32Array(nClass), L = new Float32Array(n).fill(7);
        tessSignal(basis, nClass, n, spikes, spikes.length, label, 30, q, L);
        expectClose(res.q, q, 'q');
        expectClose(res.L, L, 'L');
        if (label < 0) expect(Array.from(res.L)).toEqual(new Array(n).fill(7));
      });
    }
  }
});

describe('attention-gated Hebbian readout', () => {
  for (const nOut of SIZES) {
    for (const soft of [false, true]) {
      it(`nOut=${nOut} ${soft ? 'soft' : 'hard'}`, () => {
        const nFeat = nOut >= 1000 ? 11 : 41;
        const p = { ...eligP(soft), eta: 0.3, wMin: -1, wMax: 1 };
        const r = rng(13 + nOut);
        const w0 = r.f32(nFeat * nOut, -1, 1);
        const samples = Array.from({ length: 10 }, (_, s) => ({
          r: Float32Array.from(r.f32(nFeat, 0, 2), (v, i) => (i % 3 === 0 ? 0 : v)), t: r.f32(nOut, -1, 2), g: r.bits(nOut, 0.5), useG: s % 2 === 0,
        }));
        const res = bothBuilds((a) => {
          const pw = a.put(w0), pp = a.put(packEligParams(p)), y = a.alloc(nOut * 4), err = a.alloc(nOut * 4);
          for (const s of samples) a.k.gated_hebb_learn_f32(pw, nFeat, nOut, a.put(s.r), a.put(s.t), s.useG ? a.put(s.g) : 0, pp, y, err);
          const yErr = a.f32(err, nOut).slice();
          a.k.gated_hebb_predict_f32(pw, nFeat, nOut, a.put(samples[0].r), y);
          return { w: a.f32(pw, nFeat * nOut).slice(), y: a.f32(y, nOut).slice(), err: yErr };
        });
        const w = w0.slice(), y = new Float32Array(nOut), err = new Float32Array(nOut);
        for (const s of samples) gatedHebbLearn(w, nFeat, nOut, s.r, s.t, s.useG ? s.g : null, p, y, err);
        const errLast = err.slice();
        gatedHebbPredict(w, nFeat, nOut, samples[0].r, y);
        expectClose(res.w, w, 'W');
        expectClose(res.y, y, 'y');
        expectClose(res.err, errLast, 'err');
      });
    }
  }
});

const classpP = (power: 1 | 2): ClasspParams => ({ eta: 0.2, eps: 1e-3, threshold: 0.01, power, wMin: -1, wMax: 1 });

describe('CLASSP adjustment suppression + sparsity threshold', () => {
  for (const nOut of SIZES) {
    for (const power of [1, 2] as const) {
      it(`nOut=${nOut} p=${power}`, () => {
        const nIn = nOut >= 1000 ? 7 : 19;
        const p = classpP(power);
        const r = rng(17 + nOut);
        const w0 = r.f32(nIn * nOut, -0.5, 0.5);
        const steps = Array.from({ length: 15 }, (_, s) => ({
          a: Float32Array.from(r.f32(nIn, 0, 1), (v, i) => ((i + s) % 4 === 0 ? 0 : v)), m: r.f32(nOut, -0.8, 0.8), s: s % 2 ? -1 : 1.5, useM: s % 5 !== 4,
        }));
        const res = bothBuilds((a) => {
          const pw = a.put(w0), pacc = a.alloc(nIn * nOut * 4), pp = a.put(packClasspParams(p));
          const applied: number[] = [];
          for (const st of steps) applied.push(a.k.classp_apply_f32(pw, pacc, nIn, nOut, a.put(st.a), st.useM ? a.put(st.m) : 0, st.s, pp));
          return { w: a.f32(pw, nIn * nOut).slice(), acc: a.f32(pacc, nIn * nOut).slice(), applied };
        });
        const w = w0.slice(), acc = new Float32Array(nIn * nOut);
        const applied = steps.map((st) => classpApply(w, acc, nIn, nOut, st.a, st.useM ? st.m : null, st.s, p));
        expectClose(res.w, w, 'w');
        expectClose(res.acc, acc, 'G');
        expect(res.applied).toEqual(applied);
        if (nOut >= 33) expect(applied.some((k, s) => k > 0 && k < nIn * nOut && steps[s].useM)).toBe(true); // the threshold sparsifies
      });
    }
  }
});

describe('neural variability (noise from the arena PRNG)', () => {
  for (const n of SIZES) {
    for (const mode of [0, 1] as const) {
      it(`n=${n} mode=${mode}`, () => {
        const x0 = rng(21 + n).f32(n, -1, 1);
        const res = bothBuilds((a) => {
          const st = a.alloc(16), px = a.put(x0);
          a.k.rng_seed(st, 4242 + n);
          a.k.noise_inject_f32(px, n, st, 0.3, mode);
          a.k.noise_inject_f32(px, n, st, 0.1, mode);
          return { x: a.f32(px, n).slice() };
        });
        const x = x0.slice(), host = new Xoshiro128(4242 + n);
        noiseInject(x, n, host, 0.3, mode);
        noiseInject(x, n, host, 0.1, mode);
        expectClose(res.x, x, 'x');
        expect(bitsEqual(res.x, x)).toBe(true); // integer PRNG and exact arithmetic: bit-exact
      });
    }
  }

  it('has zero mean and standard deviation sigma (both modes), and counts its draws', () => {
    const a = arenas.simd;
    for (const mode of [0, 1]) {
      a.reset();
      const ctr = a.alloc(COUNTERS.length * 8);
      a.k.counters_bind(ctr);
      const n = 40000, st = a.alloc(16), px = a.alloc(n * 4);
      a.k.rng_seed(st, 99);
      a.k.noise_inject_f32(px, n, st, 0.5, mode);
      const draws = new Float64Array(a.memory.buffer, ctr, COUNTERS.length)[COUNTER_SLOT.rngDraws];
      a.k.counters_bind(0);
      const x = a.f32(px, n);
      let m = 0, v = 0;
      for (const s of x) m += s;
      m /= n;
      for (const s of x) v += (s - m) ** 2;
      const sd = Math.sqrt(v / n);
      expect(Math.abs(m)).toBeLessThan(0.01);
      expect(Math.abs(sd - 0.5)).toBeLessThan(0.01);
      expect(draws).toBe(mode === 1 ? 4 * n : n);
    }
  });
});

const modeP: ModeParams = { etaGain: 0.4, etaThr: 0.3, gainMin: -2, gainMax: 3, thrMin: -1, thrMax: 1 };

describe('gain/threshold modes', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      const r = rng(25 + n);
      const drive = r.f32(n, -2, 2), steps = Array.from({ length: 8 }, () => r.f32(n, -3, 3));
      const res = bothBuilds((a) => {
        const pd = a.put(drive), pg = a.put(new Float32Array(n).fill(1)), pt = a.alloc(n * 4), po = a.alloc(n * 4), pp = a.put(packModeParams(modeP));
        for (const err of steps) a.k.mode_adapt_f32(n, pd, a.put(err), pg, pt, pp);
        a.k.mode_apply_f32(n, pd, pg, pt, po);
        a.k.mode_apply_f32(n, pd, pg, pt, pd); // in place
        return { g: a.f32(pg, n).slice(), t: a.f32(pt, n).slice(), o: a.f32(po, n).slice(), d: a.f32(pd, n).slice() };
      });
      const g = new Float32Array(n).fill(1), t = new Float32Array(n), o = new Float32Array(n), d = drive.slice();
      for (const err of steps) modeAdapt(n, drive, err, g, t, modeP);
      modeApply(n, drive, g, t, o);
      modeApply(n, d, g, t, d);
      expectClose(res.g, g, 'gain');
      expectClose(res.t, t, 'threshold');
      expectClose(res.o, o, 'out');
      expectClose(res.d, d, 'out (in place)');
    });
  }
});

describe('nearest-class-mean prototypes', () => {
  for (const nClass of SIZES) {
    for (const cosine of [false, true]) {
      it(`nClass=${nClass} ${cosine ? 'cosine' : 'L2'}`, () => {
        const nFeat = nClass >= 1000 ? 9 : 27;
        const r = rng(29 + nClass);
        const samples = Array.from({ length: 40 }, () => ({ x: r.f32(nFeat, -1, 2), label: r.int(nClass + 1) - (r.int(10) === 0 ? 1 : 0) }));
        const query = r.f32(nFeat, -1, 2);
        const res = bothBuilds((a) => {
          const mu = a.alloc(nFeat * nClass * 4), cnt = a.alloc(nClass * 4), sc = a.alloc(nClass * 4);
          for (const s of samples) a.k.ncm_update_f32(mu, cnt, nFeat, nClass, a.put(s.x), s.label);
          const best = a.k.ncm_predict_f32(mu, cnt, nFeat, nClass, a.put(query), cosine ? 1 : 0, sc);
          return { mu: a.f32(mu, nFeat * nClass).slice(), cnt: a.i32(cnt, nClass).slice(), sc: a.f32(sc, nClass).slice(), best: [best] };
        });
        const mu = new Float32Array(nFeat * nClass), cnt = new Int32Array(nClass), sc = new Float32Array(nClass);
        for (const s of samples) ncmUpdate(mu, cnt, nFeat, nClass, s.x, s.label);
        const best = ncmPredict(mu, cnt, nFeat, nClass, query, cosine, sc);
        expectClose(res.mu, mu, 'mu');
        expect(Array.from(res.cnt)).toEqual(Array.from(cnt));
        expectClose(res.sc, sc, 'scores');
        expect(res.best[0]).toBe(best);
      });
    }
  }
});

describe('modern Hopfield memory (exp: written tolerance EXP_TOL)', () => {
  for (const nSlots of SIZES) {
    it(`nSlots=${nSlots}`, () => {
      const nFeat = nSlots >= 1000 ? 12 : 40;
      const r = rng(37 + nSlots);
      const patterns = Array.from({ length: nSlots }, () => r.f32(nFeat, -1, 1));
      const nUsed = Math.max(1, nSlots - (nSlots > 4 ? 2 : 0));
      const cue = patterns[nUsed - 1].map((v, i) => (i % 5 === 0 ? -v : v));
      for (const beta of [0.5, 8, 400]) {
        const res = bothBuilds((a) => {
          const mem = a.alloc(nFeat * nSlots * 4), p = a.alloc(nSlots * 4), out = a.alloc(nFeat * 4);
          patterns.forEach((x, k) => a.k.hopfield_store_f32(mem, nFeat, nSlots, k, a.put(x)));
          const best = a.k.hopfield_retrieve_f32(mem, nFeat, nSlots, nUsed, a.put(cue), beta, p, out);
          return { p: a.f32(p, nUsed).slice(), out: a.f32(out, nFeat).slice(), best: [best] };
        });
        const mem = new Float32Array(nFeat * nSlots), p = new Float32Array(nSlots), out = new Float32Array(nFeat);
        patterns.forEach((x, k) => hopfieldStore(mem, nFeat, nSlots, k, x));
        const best = hopfieldRetrieve(mem, nFeat, nSlots, nUsed, cue, beta, p, out);
        expectClose(res.p, p.subarray(0, nUsed), `p (beta ${beta})`, EXP_TOL, 1e-6);
        expectClose(res.out, out, `retrieved (beta ${beta})`, EXP_TOL, 1e-6);
        expect(res.best[0]).toBe(best);
        let sum = 0;
        for (const v of res.p) sum += v;
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    });
  }
});

// ── Bounds: no rule drives a weight (gain, threshold) outside its declared range ─────────────
describe('bounds (property, both builds)', () => {
  const big = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  const arr = (n: number, lo = -1e6, hi = 1e6) => fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: n, maxLength: n });
  const range = fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })).map(([lo, span]) => {
    const a = Math.fround(lo), b = Math.fround(lo + span);
    return [a, Math.max(a, b)] as [number, number];
  });
  const inRange = (v: ArrayLike<number>, lo: number, hi: number) => Array.prototype.every.call(v, (x: number) => x >= lo && x <= hi);
  const initW = (n: number, lo: number, hi: number, seed: number) => {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * r.f32(1, 0, 1)[0]));
  };
  const shape = fc.record({ nIn: fc.integer({ min: 1, max: 6 }), nOut: fc.integer({ min: 1, max: 13 }), seed: fc.integer({ min: 0, max: 1e6 }) });

  it('eligibility rules (elig_apply: R-STDP reward, e-prop update; elig_apply_outer: TESS, e-prop readout)', () => {
    fc.assert(fc.property(shape, range, fc.boolean(), big, fc.double({ min: 0, max: 100, noNaN: true }), ({ nIn, nOut, seed }, [lo, hi], soft, s, eta) => {
      const r = rng(seed);
      const p: EligParams = { alpha: 0.9, floor: 0, kA: r.f32(1, -50, 50)[0], kC: r.f32(1, -50, 50)[0], eta, wMin: lo, wMax: hi, soft };
      const vec = (n: number) => r.f32(n, -1e3, 1e3);
      const a0 = vec(nIn), b0 = vec(nOut), c0 = vec(nIn), d0 = vec(nOut), m0 = vec(nOut), e0 = r.f32(nIn * nOut, -1e4, 1e4);
      const w0 = initW(nIn * nOut, lo, hi, seed + 1);
      for (const a of Object.values(arenas)) {
        a.reset();
        const pw = a.put(w0), pw2 = a.put(w0), pp = a.put(packEligParams(p));
        for (let k = 0; k < 3; k++) {
          a.k.elig_apply_f32(pw, a.put(e0), nIn, nOut, a.put(m0), s * (k + 1), pp);
          a.k.elig_apply_outer_f32(pw2, nIn, nOut, a.put(a0), a.put(b0), a.put(c0), a.put(d0), a.put(m0), -s, pp);
        }
        if (!inRange(a.f32(pw, nIn * nOut), lo, hi) || !inRange(a.f32(pw2, nIn * nOut), lo, hi)) return false;
      }
      // The reference obeys the same bounds.
      const w = w0.slice();
      eligApply(w, e0, nIn, nOut, m0, s, p);
      return inRange(w, lo, hi) && inRange([bound(lo, Infinity, lo, hi, soft), bound(hi, -Infinity, lo, hi, soft)], lo, hi);
    }), { numRuns: 150 });
  });

  it('R-STDP: random spike trains and rewards', () => {
    fc.assert(fc.property(shape, range, fc.boolean(), fc.array(big, { minLength: 1, maxLength: 6 }), ({ nIn, nOut, seed }, [lo, hi], soft, rewards) => {
      const r = rng(seed);
      const ep: EligParams = { alpha: 0.95, floor: 1e-9, kA: 0, kC: 0, eta: 0.5, wMin: lo, wMax: hi, soft };
      const w0 = initW(nIn * nOut, lo, hi, seed + 2);
      for (const a of Object.values(arenas)) {
        a.reset();
        const pw = a.put(w0), pe = a.alloc(nIn * nOut * 4), px = a.alloc(nIn * 4), py = a.alloc(nOut * 4), epp = a.put(packEligParams(ep));
        const spp = a.alloc(64);
        const f = a.f32(spp, 16);
        f[STDP.ETA_PLUS] = r.f32(1, 0, 5)[0]; f[STDP.ETA_MINUS] = r.f32(1, 0, 5)[0]; f[STDP.IMPULSE_PRE] = 1; f[STDP.IMPULSE_POST] = 1;
        for (const R of rewards) {
          for (let t = 0; t < 5; t++) {
            const pre = r.list(nIn, r.int(nIn + 1)), post = r.list(nOut, r.int(nOut + 1));
            a.k.trace_decay_f32(px, nIn, 0.9, 1e-30);
            a.k.trace_decay_f32(py, nOut, 0.9, 1e-30);
            a.k.rstdp_step_f32(pe, nIn, nOut, a.put(pre), pre.length, a.put(post), post.length, px, py, spp, epp);
          }
          a.k.elig_apply_f32(pw, pe, nIn, nOut, 0, R, epp);
        }
        if (!inRange(a.f32(pw, nIn * nOut), lo, hi)) return false;
      }
      return true;
    }), { numRuns: 100 });
  });

  it('attention-gated Hebbian readout', () => {
    fc.assert(fc.property(shape, range, fc.boolean(), fc.double({ min: 0, max: 1e3, noNaN: true }), ({ nIn, nOut, seed }, [lo, hi], soft, eta) => {
      const r = rng(seed);
      const p: EligParams = { ...eligP(soft), eta, wMin: lo, wMax: hi };
      const w0 = initW(nIn * nOut, lo, hi, seed + 3);
      for (const a of Object.values(arenas)) {
        a.reset();
        const pw = a.put(w0), pp = a.put(packEligParams(p)), y = a.alloc(nOut * 4), err = a.alloc(nOut * 4);
        for (let k = 0; k < 4; k++) a.k.gated_hebb_learn_f32(pw, nIn, nOut, a.put(r.f32(nIn, 0, 50)), a.put(r.f32(nOut, -1e3, 1e3)), a.put(r.f32(nOut, 0, 1)), pp, y, err);
        if (!inRange(a.f32(pw, nIn * nOut), lo, hi)) return false;
      }
      return true;
    }), { numRuns: 100 });
  });

  it('CLASSP', () => {
    fc.assert(fc.property(shape, range, fc.constantFrom(1 as const, 2 as const), big, fc.double({ min: 1e-6, max: 1, noNaN: true }), ({ nIn, nOut, seed }, [lo, hi], power, s, eps) => {
      const r = rng(seed);
      const p: ClasspParams = { eta: r.f32(1, 0, 10)[0], eps, threshold: r.f32(1, 0, 0.1)[0], power, wMin: lo, wMax: hi };
      const w0 = initW(nIn * nOut, lo, hi, seed + 4);
      for (const a of Object.values(arenas)) {
        a.reset();
        const pw = a.put(w0), pacc = a.alloc(nIn * nOut * 4), pp = a.put(packClasspParams(p));
        for (let k = 0; k < 4; k++) a.k.classp_apply_f32(pw, pacc, nIn, nOut, a.put(r.f32(nIn, 0, 1e3)), a.put(r.f32(nOut, -1e3, 1e3)), s, pp);
        if (!inRange(a.f32(pw, nIn * nOut), lo, hi)) return false;
      }
      return true;
    }), { numRuns: 100 });
  });

  it('gain/threshold modes', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 21 }), range, range, arr(21), arr(21), fc.double({ min: 0, max: 1e3, noNaN: true }), (n, [glo, ghi], [tlo, thi], drive, err, eta) => {
      const p: ModeParams = { etaGain: eta, etaThr: eta, gainMin: glo, gainMax: ghi, thrMin: tlo, thrMax: thi };
      for (const a of Object.values(arenas)) {
        a.reset();
        const pg = a.put(new Float32Array(n).fill(Math.fround((glo + ghi) / 2))), pt = a.put(new Float32Array(n).fill(Math.fround((tlo + thi) / 2)));
        const pp = a.put(packModeParams(p));
        for (let k = 0; k < 3; k++) a.k.mode_adapt_f32(n, a.put(Float32Array.from(drive.slice(0, n))), a.put(Float32Array.from(err.slice(0, n))), pg, pt, pp);
        if (!inRange(a.f32(pg, n), glo, ghi) || !inRange(a.f32(pt, n), tlo, thi)) return false;
      }
      return true;
    }), { numRuns: 100 });
  });
});
