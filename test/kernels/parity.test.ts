/**
 * Reference (plain TypeScript) vs wasm scalar vs wasm SIMD on the same cases, at sizes that
 * force several SIMD iterations and a tail (1, 3, 4, 5, 33, 1000), plus random sizes.
 * Contract (ARCHITECTURE decision 4): SIMD and scalar are bit-identical; f32 results match the
 * reference within REL_TOL (in practice they are bit-identical too, because the reference rounds
 * every intermediate to f32); integer results match exactly.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import * as ref from '../../host/reference/kernels.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { LIF, STDP, WTA } from '../../host/runtime/abi.js';

const SIZES = [1, 3, 4, 5, 33, 1000];
/** Written tolerance for f32 kernels against the reference: relative 1e-6 (plus 1e-30 absolute). */
const REL_TOL = 1e-6;

const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };

function rand(seed: number) {
  const r = new Xoshiro128(seed);
  return {
    f32: (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r.nextFloat()),
    int: (n: number) => r.nextInt(n),
  };
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const tol = REL_TOL * Math.abs(e) + 1e-30;
    if (!(Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}]: wasm ${a} vs reference ${e}`);
  }
}

function lifParams(seed: number): ref.LifParams {
  const r = rand(seed);
  const subtract = r.int(2) === 1;
  return {
    alphaM: Math.fround(Math.exp(-1 / 20)), alphaS: Math.fround(Math.exp(-1 / 5)), beta: 0.19, gamma: Math.fround(1 - Math.exp(-1 / 20)),
    vTh: 1, vReset: subtract ? 0 : -0.1, resetSubtract: subtract, refracHold: r.int(3), alphaB: Math.fround(Math.exp(-1 / 100)), dTheta: 0.05,
  };
}

function writeLifParams(a: TestArena, p: ref.LifParams): number {
  const ptr = a.alloc(64);
  const f = a.f32(ptr, 16), i = a.i32(ptr, 16);
  f[LIF.ALPHA_M] = p.alphaM; f[LIF.ALPHA_S] = p.alphaS; f[LIF.BETA] = p.beta; f[LIF.GAMMA] = p.gamma;
  f[LIF.V_TH] = p.vTh; f[LIF.V_RESET] = p.vReset; i[LIF.RESET_MODE] = p.resetSubtract ? 1 : 0;
  i[LIF.REFRAC_HOLD] = p.refracHold; f[LIF.ALPHA_B] = p.alphaB; f[LIF.D_THETA] = p.dTheta;
  return ptr;
}

/** Runs `steps` LIF+WTA+reset steps with random input currents on one backend; returns the final state and spike trains. */
function runLifWasm(a: TestArena, n: number, seed: number, steps: number, wta: boolean) {
  a.reset();
  const p = lifParams(seed);
  const r = rand(seed + 1);
  const nPad = Math.ceil(n / 4) * 4;
  const state = a.alloc(5 * nPad * 4);
  a.f32(state, nPad).set(r.f32(n, -0.5, 1.2));
  a.f32(state + 4 * nPad * 4, nPad).set(r.f32(n, 0, 0.8));
  const params = writeLifParams(a, p);
  const wtaP = a.alloc(16);
  a.i32(wtaP, 4)[WTA.K] = 2; a.f32(wtaP, 4)[WTA.INHIBITION] = 0.1; a.f32(wtaP, 4)[WTA.V_FLOOR] = -0.2;
  const spikes = a.alloc(nPad * 4), margins = a.alloc(nPad * 4);
  const trains: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const cur = a.f32(state + nPad * 4, n);
    const inj = r.f32(n, 0, 0.6);
    for (let j = 0; j < n; j++) cur[j] += inj[j];
    let ns = a.k.lif_step_f32(n, state, params, spikes, margins);
    if (wta) ns = a.k.wta_select_f32(n, state, spikes, margins, ns, wtaP);
    a.k.lif_reset_f32(n, state, params, spikes, ns);
    trains.push(Array.from(a.u32(spikes, ns)));
  }
  return { v: a.f32(state, n).slice(), i: a.f32(state + nPad * 4, n).slice(), b: a.f32(state + 3 * nPad * 4, n).slice(), refr: a.i32(state + 2 * nPad * 4, n).slice(), trains };
}

function runLifRef(n: number, seed: number, steps: number, wta: boolean) {
  const p = lifParams(seed);
  const r = rand(seed + 1);
  const st: ref.LifState = { v: r.f32(n, -0.5, 1.2), i: new Float32Array(n), refr: new Int32Array(n), b: new Float32Array(n), bias: new Float32Array(n) };
  st.bias.set(r.f32(n, 0, 0.8));
  const spikes = new Uint32Array(n), margins = new Float32Array(n);
  const trains: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const inj = r.f32(n, 0, 0.6);
    for (let j = 0; j < n; j++) st.i[j] += inj[j];
    let ns = ref.lifStep(n, st, p, spikes, margins);
    if (wta) ns = ref.wtaSelect(n, st.v, spikes, margins, ns, 2, 0.1, -0.2);
    ref.lifReset(n, st, p, spikes, ns);
    trains.push(Array.from(spikes.subarray(0, ns)));
  }
  return { v: st.v, i: st.i, b: st.b, refr: st.refr, trains };
}

describe('LIF + WTA + reset', () => {
  for (const n of SIZES) {
    for (const wta of [false, true]) {
      it(`n=${n} wta=${wta}: SIMD == scalar bitwise, == reference within tolerance`, () => {
        const s = runLifWasm(arenas.scalar, n, 11 + n, 40, wta);
        const v = runLifWasm(arenas.simd, n, 11 + n, 40, wta);
        const r = runLifRef(n, 11 + n, 40, wta);
        expect(bitsEqual(v.v, s.v) && bitsEqual(v.i, s.i) && bitsEqual(v.b, s.b)).toBe(true);
        expect(Array.from(v.refr)).toEqual(Array.from(s.refr));
        expect(v.trains).toEqual(s.trains);
        expect(s.trains).toEqual(r.trains);
        expectClose(s.v, r.v, 'v');
        expectClose(s.i, r.i, 'I');
        expectClose(s.b, r.b, 'b');
        if (n >= 33) expect(s.trains.flat().length).toBeGreaterThan(0);
      });
    }
  }
});

function denseCase(a: TestArena, nIn: number, nOut: number, seed: number) {
  a.reset();
  const r = rand(seed);
  const w = r.f32(nIn * nOut, -0.5, 0.5);
  const target = r.f32(nOut, -1, 1);
  const nIdx = 1 + r.int(12);
  const idx = Uint32Array.from({ length: nIdx }, (_, k) => (k === nIdx - 1 ? nIn + 3 : r.int(nIn))); // last one out of range
  const wq = Int8Array.from({ length: nIn * nOut }, () => r.int(255) - 127);
  const acc = Int16Array.from({ length: nOut }, () => r.int(2000) - 1000);
  const scale = r.f32(nOut, 0.001, 0.01);
  return { w, target, idx, wq, acc, scale };
}

describe('dense accumulation f32 / int8', () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}`, () => {
      const nIn = 37;
      const out: Record<string, { t: Float32Array; acc: Int16Array; t8: Float32Array; dropped: number }> = {};
      for (const [name, a] of Object.entries(arenas)) {
        const c = denseCase(a, nIn, nOut, 5 + nOut);
        const ctr = a.alloc(16 * 8);
        a.k.counters_bind(ctr);
        const pw = a.put(c.w), pt = a.put(c.target), pi = a.put(c.idx), pq = a.put(c.wq), pa = a.put(c.acc), ps = a.put(c.scale);
        const pt8 = a.put(c.target);
        a.k.dense_accumulate_f32(pw, nIn, nOut, pi, c.idx.length, pt);
        a.k.dense_accumulate_i8(pq, nIn, nOut, pi, c.idx.length, pa);
        const accCopy = a.i16(pa, nOut).slice();
        a.k.dense_flush_i8(pa, ps, nOut, pt8);
        out[name] = { t: a.f32(pt, nOut).slice(), acc: accCopy, t8: a.f32(pt8, nOut).slice(), dropped: new Float64Array(a.memory.buffer, ctr, 16)[12] };
        expect(Array.from(a.i16(pa, nOut))).toEqual(new Array(nOut).fill(0));
        a.k.counters_bind(0);
      }
      expect(bitsEqual(out.simd.t, out.scalar.t)).toBe(true);
      expect(bitsEqual(out.simd.t8, out.scalar.t8)).toBe(true);
      expect(Array.from(out.simd.acc)).toEqual(Array.from(out.scalar.acc));
      expect(out.simd.dropped).toBe(2); // f32 and int8 each dropped the out-of-range index
      const c = denseCase(arenas.scalar, nIn, nOut, 5 + nOut);
      const t = c.target.slice();
      ref.denseAccumulateF32(c.w, nIn, nOut, c.idx, c.idx.length, t);
      expectClose(out.scalar.t, t, 'I');
      const acc = c.acc.slice();
      ref.denseAccumulateI8(c.wq, nIn, nOut, c.idx, c.idx.length, acc);
      expect(Array.from(out.scalar.acc)).toEqual(Array.from(acc));
      const t8 = c.target.slice();
      ref.denseFlushI8(acc, c.scale, nOut, t8);
      expectClose(out.scalar.t8, t8, 'I (int8)');
    });
  }

  it('int8 accumulation saturates identically in both builds and the reference', () => {
    const nOut = 33, nIn = 2;
    const wq = new Int8Array(nIn * nOut).fill(127);
    const idx = new Uint32Array(300).fill(1);
    const res: Int16Array[] = [];
    for (const a of Object.values(arenas)) {
      a.reset();
      const pa = a.alloc(nOut * 2);
      a.k.dense_accumulate_i8(a.put(wq), nIn, nOut, a.put(idx), idx.length, pa);
      res.push(a.i16(pa, nOut).slice());
    }
    const acc = new Int16Array(nOut);
    ref.denseAccumulateI8(wq, nIn, nOut, idx, idx.length, acc);
    expect(Array.from(res[0])).toEqual(new Array(nOut).fill(32767));
    expect(Array.from(res[1])).toEqual(Array.from(acc));
  });

  it('random shapes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 1e6 }), (nOut, nIn, seed) => {
        const res: Float32Array[] = [];
        for (const a of Object.values(arenas)) {
          const c = denseCase(a, nIn, nOut, seed);
          const pt = a.put(c.target);
          a.k.dense_accumulate_f32(a.put(c.w), nIn, nOut, a.put(c.idx), c.idx.length, pt);
          res.push(a.f32(pt, nOut).slice());
        }
        return bitsEqual(res[0], res[1]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('traces and pair STDP', () => {
  const params = (soft: boolean, nearest: boolean): ref.StdpParams => ({
    etaPlus: 0.01, etaMinus: 0.0105, wMin: 0, wMax: 1, soft, xOffset: soft ? 0.05 : 0, impulsePre: 1, impulsePost: 1, nearest,
  });
  function writeStdp(a: TestArena, p: ref.StdpParams): number {
    const ptr = a.alloc(64);
    const f = a.f32(ptr, 16), i = a.i32(ptr, 16);
    f[STDP.ETA_PLUS] = p.etaPlus; f[STDP.ETA_MINUS] = p.etaMinus; f[STDP.W_MIN] = p.wMin; f[STDP.W_MAX] = p.wMax;
    i[STDP.BOUNDS] = p.soft ? 1 : 0; f[STDP.X_OFFSET] = p.xOffset; f[STDP.IMPULSE_PRE] = p.impulsePre; f[STDP.IMPULSE_POST] = p.impulsePost;
    i[STDP.TRACE_MODE] = p.nearest ? 1 : 0;
    return ptr;
  }
  for (const nOut of SIZES) {
    for (const soft of [false, true]) {
      it(`nOut=${nOut} ${soft ? 'multiplicative, nearest' : 'additive, all-to-all'}`, () => {
        const nIn = 29, steps = 25;
        const p = params(soft, soft);
        const results: { w: Float32Array; x: Float32Array; y: Float32Array }[] = [];
        for (const a of Object.values(arenas)) {
          a.reset();
          const r = rand(100 + nOut);
          const pw = a.put(r.f32(nIn * nOut, 0, 1)), px = a.alloc(nIn * 4), py = a.alloc(nOut * 4), pp = writeStdp(a, p);
          const pre = a.alloc(64), post = a.alloc(64);
          for (let s = 0; s < steps; s++) {
            a.k.trace_decay_f32(px, nIn, Math.exp(-1 / 20), 1e-30);
            a.k.trace_decay_f32(py, nOut, Math.exp(-1 / 20), 1e-30);
            const nPre = r.int(4), nPost = r.int(3);
            a.u32(pre, 16).set(Uint32Array.from({ length: nPre }, () => r.int(nIn)));
            a.u32(post, 16).set(Uint32Array.from({ length: nPost }, () => r.int(nOut)));
            a.k.stdp_pre_f32(pw, nIn, nOut, pre, nPre, px, py, pp);
            a.k.stdp_post_f32(pw, nIn, nOut, post, nPost, px, py, pp);
            if (soft) a.k.scale_columns_f32(pw, nIn, nOut, post, nPost, 10, s & 1);
          }
          results.push({ w: a.f32(pw, nIn * nOut).slice(), x: a.f32(px, nIn).slice(), y: a.f32(py, nOut).slice() });
        }
        expect(bitsEqual(results[0].w, results[1].w)).toBe(true);
        expect(bitsEqual(results[0].x, results[1].x) && bitsEqual(results[0].y, results[1].y)).toBe(true);
        // Reference run with the same random stream.
        const r = rand(100 + nOut);
        const w = r.f32(nIn * nOut, 0, 1), x = new Float32Array(nIn), y = new Float32Array(nOut);
        const alpha = Math.fround(Math.exp(-1 / 20));
        for (let s = 0; s < steps; s++) {
          ref.traceDecay(x, nIn, alpha, 1e-30);
          ref.traceDecay(y, nOut, alpha, 1e-30);
          const nPre = r.int(4), nPost = r.int(3);
          const pre = Uint32Array.from({ length: nPre }, () => r.int(nIn));
          const post = Uint32Array.from({ length: nPost }, () => r.int(nOut));
          ref.stdpPre(w, nIn, nOut, pre, nPre, x, y, p);
          ref.stdpPost(w, nIn, nOut, post, nPost, x, y, p);
          if (soft) ref.scaleColumns(w, nIn, nOut, post, nPost, 10, (s & 1) === 1);
        }
        expectClose(results[0].w, w, 'w');
        expectClose(results[0].x, x, 'x');
        expectClose(results[0].y, y, 'y');
        for (const v of results[0].w) { expect(v).toBeGreaterThanOrEqual(0); if (!soft) expect(v).toBeLessThanOrEqual(1); }
      });
    }
  }

  it('trace decay flushes values below the floor to zero', () => {
    for (const a of Object.values(arenas)) {
      a.reset();
      const px = a.put(Float32Array.from([1e-29, 2e-30, 1, 0, 5e-31]));
      a.k.trace_decay_f32(px, 5, 0.5, 1e-30);
      expect(Array.from(a.f32(px, 5))).toEqual([Math.fround(5e-30), Math.fround(1e-30), 0.5, 0, 0]);
    }
  });
});

describe('readout (normalised delta rule)', () => {
  for (const nFeat of SIZES) {
    it(`nFeat=${nFeat}`, () => {
      const nClass = 10;
      const res: { w: Float32Array; s: Float32Array }[] = [];
      for (const a of Object.values(arenas)) {
        a.reset();
        const r = rand(7 + nFeat);
        const pw = a.alloc(nFeat * nClass * 4), px = a.alloc(nFeat * 4), ps = a.alloc(64), pe = a.alloc(64);
        for (let s = 0; s < 12; s++) {
          a.f32(px, nFeat).set(Float32Array.from({ length: nFeat }, () => (r.int(3) === 0 ? r.int(5) : 0)));
          a.k.readout_learn_f32(pw, nFeat, nClass, px, r.int(nClass), 0.5, ps, pe);
        }
        a.k.readout_predict_f32(pw, nFeat, nClass, px, ps);
        res.push({ w: a.f32(pw, nFeat * nClass).slice(), s: a.f32(ps, nClass).slice() });
      }
      expect(bitsEqual(res[0].w, res[1].w) && bitsEqual(res[0].s, res[1].s)).toBe(true);
      const r = rand(7 + nFeat);
      const w = new Float32Array(nFeat * nClass), x = new Float32Array(nFeat), sc = new Float32Array(nClass);
      for (let s = 0; s < 12; s++) {
        x.set(Float32Array.from({ length: nFeat }, () => (r.int(3) === 0 ? r.int(5) : 0)));
        ref.readoutLearn(w, nFeat, nClass, x, r.int(nClass), 0.5, sc);
      }
      ref.readoutPredict(w, nFeat, nClass, x, sc);
      expectClose(res[0].w, w, 'W');
      expectClose(res[0].s, sc, 'scores');
    });
  }
});

describe('PRNG', () => {
  it('kernel xoshiro128** matches the host twin bit for bit', () => {
    for (const a of Object.values(arenas)) {
      a.reset();
      const st = a.alloc(16);
      a.k.rng_seed(st, 12345);
      const host = new Xoshiro128(12345);
      for (let k = 0; k < 1000; k++) expect(a.k.rng_next_u32(st) >>> 0).toBe(host.nextU32());
      const out = a.alloc(4 * 64);
      a.k.rng_fill_uniform_f32(st, out, 64, -0.5, 0.25);
      const expected = Float32Array.from({ length: 64 }, () => Math.fround(-0.5 + Math.fround(Math.fround(0.75) * host.nextFloat())));
      expect(bitsEqual(a.f32(out, 64), expected)).toBe(true);
    }
  });
});

describe('Izhikevich', () => {
  for (const n of SIZES) {
    for (const halfSteps of [false, true]) {
      it(`n=${n} ${halfSteps ? '2003 half-step scheme' : 'forward Euler'}`, () => {
        const p: ref.IzhParams = { a: 0.02, b: 0.2, dt: 0.5, alphaS: Math.exp(-0.5 / 5), vPeak: 30, halfSteps };
        const run = (a: TestArena | null) => {
          const r = rand(3 + n);
          const nPad = Math.ceil(n / 4) * 4;
          const st: ref.LifState = { v: r.f32(n, -70, -50), i: new Float32Array(n), refr: new Int32Array(n), b: new Float32Array(n), bias: r.f32(n, 0, 15) };
          for (let j = 0; j < n; j++) st.b[j] = 0.2 * st.v[j];
          const spikes = new Uint32Array(n), margins = new Float32Array(n), trains: number[][] = [];
          const lifP: ref.LifParams = { alphaM: 0, alphaS: p.alphaS, beta: 0, gamma: 0, vTh: 30, vReset: -65, resetSubtract: false, refracHold: 0, alphaB: 1, dTheta: 8 };
          if (!a) {
            for (let s = 0; s < 200; s++) {
              const ns = ref.izhStep(n, st, p, spikes, margins);
              ref.lifReset(n, st, lifP, spikes, ns);
              trains.push(Array.from(spikes.subarray(0, ns)));
            }
            return { v: st.v, u: st.b, trains };
          }
          a.reset();
          const state = a.alloc(5 * nPad * 4);
          a.f32(state, n).set(st.v);
          a.f32(state + 3 * nPad * 4, n).set(st.b);
          a.f32(state + 4 * nPad * 4, n).set(st.bias);
          const params = writeLifParams(a, lifP);
          const f = a.f32(params, 16), i = a.i32(params, 16);
          f[10] = p.a; f[11] = p.b; f[12] = p.dt; i[13] = halfSteps ? 1 : 0;
          const sb = a.alloc(nPad * 4), mg = a.alloc(nPad * 4);
          for (let s = 0; s < 200; s++) {
            const ns = a.k.izh_step_f32(n, state, params, sb, mg);
            a.k.lif_reset_f32(n, state, params, sb, ns);
            trains.push(Array.from(a.u32(sb, ns)));
          }
          return { v: a.f32(state, n).slice(), u: a.f32(state + 3 * nPad * 4, n).slice(), trains };
        };
        const sc = run(arenas.scalar), sm = run(arenas.simd), rf = run(null);
        expect(bitsEqual(sc.v, sm.v) && bitsEqual(sc.u, sm.u)).toBe(true);
        expect(sm.trains).toEqual(sc.trains);
        expect(sc.trains).toEqual(rf.trains);
        expectClose(sc.v, rf.v, 'v');
        expectClose(sc.u, rf.u, 'u');
        if (n >= 33) expect(sc.trains.flat().length).toBeGreaterThan(0);
      });
    }
  }
});

describe('conductance-based LIF', () => {
  for (const n of SIZES) {
    it(`n=${n}`, () => {
      const p: ref.CondParams = { k: 0.01, eRev: 0, eLeak: -74, alphaS: 1 - 0.1 / 5, vTh: -54, alphaB: Math.exp(-0.1 / 100) };
      const lifP: ref.LifParams = { alphaM: 0, alphaS: p.alphaS, beta: 0, gamma: 0, vTh: -54, vReset: -60, resetSubtract: false, refracHold: 2, alphaB: p.alphaB, dTheta: 0.5 };
      const run = (a: TestArena | null) => {
        const r = rand(17 + n);
        const nPad = Math.ceil(n / 4) * 4;
        const st: ref.LifState = { v: r.f32(n, -74, -55), i: new Float32Array(n), refr: new Int32Array(n), b: new Float32Array(n), bias: r.f32(n, 0, 25) };
        const spikes = new Uint32Array(n), margins = new Float32Array(n), trains: number[][] = [];
        const kicks = Array.from({ length: 300 }, () => r.f32(n, 0, 0.05));
        if (!a) {
          for (let s = 0; s < 300; s++) {
            for (let j = 0; j < n; j++) st.i[j] += kicks[s][j];
            const ns = ref.lifCondStep(n, st, p, spikes, margins);
            ref.lifReset(n, st, lifP, spikes, ns);
            trains.push(Array.from(spikes.subarray(0, ns)));
          }
          return { v: st.v, g: st.i, trains };
        }
        a.reset();
        const state = a.alloc(5 * nPad * 4);
        a.f32(state, n).set(st.v);
        a.f32(state + 4 * nPad * 4, n).set(st.bias);
        const params = writeLifParams(a, lifP);
        const f = a.f32(params, 16);
        f[10] = p.k; f[11] = p.eRev; f[12] = p.eLeak;
        const sb = a.alloc(nPad * 4), mg = a.alloc(nPad * 4);
        const g = a.f32(state + nPad * 4, n);
        for (let s = 0; s < 300; s++) {
          for (let j = 0; j < n; j++) g[j] += kicks[s][j];
          const ns = a.k.lif_cond_step_f32(n, state, params, sb, mg);
          a.k.lif_reset_f32(n, state, params, sb, ns);
          trains.push(Array.from(a.u32(sb, ns)));
        }
        return { v: a.f32(state, n).slice(), g: g.slice(), trains };
      };
      const sc = run(arenas.scalar), sm = run(arenas.simd), rf = run(null);
      expect(bitsEqual(sc.v, sm.v) && bitsEqual(sc.g, sm.g)).toBe(true);
      expect(sm.trains).toEqual(sc.trains);
      expect(sc.trains).toEqual(rf.trains);
      expectClose(sc.v, rf.v, 'v');
      expectClose(sc.g, rf.g, 'g');
      if (n >= 33) expect(sc.trains.flat().length).toBeGreaterThan(0);
    });
  }
});

describe('dense accumulation int16', () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}`, () => {
      const nIn = 19;
      const r0 = rand(40 + nOut);
      const w = Int16Array.from({ length: nIn * nOut }, () => r0.int(65535) - 32767);
      const idx = Uint32Array.from({ length: 9 }, (_, k) => (k === 8 ? nIn : r0.int(nIn)));
      const scale = r0.f32(nOut, 1e-5, 1e-4);
      const target = r0.f32(nOut, -1, 1);
      const out: Float32Array[] = [];
      for (const a of Object.values(arenas)) {
        a.reset();
        const pa = a.alloc(nOut * 4), pt = a.put(target);
        a.k.dense_accumulate_i16(a.put(w), nIn, nOut, a.put(idx), idx.length, pa);
        a.k.dense_flush_i16(pa, a.put(scale), nOut, pt);
        expect(Array.from(a.i32(pa, nOut))).toEqual(new Array(nOut).fill(0));
        out.push(a.f32(pt, nOut).slice());
      }
      expect(bitsEqual(out[0], out[1])).toBe(true);
      const acc = new Int32Array(nOut), t = target.slice();
      ref.denseAccumulateI16(w, nIn, nOut, idx, idx.length, acc);
      ref.denseFlushI16(acc, scale, nOut, t);
      expectClose(out[0], t, 'I (int16)');
    });
  }
});
