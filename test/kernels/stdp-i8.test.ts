/**
 * Learning in int8 with stochastic rounding: both builds and the reference agree exactly (same
 * PRNG stream, same synapse order); weights never leave their integer bounds; rounding is
 * unbiased (many updates smaller than one step move the weight by their sum on average).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestArena } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { STDP } from '../../host/runtime/abi.js';
import type { StdpParams } from '../../host/reference/kernels.js';
import { stdpPostI8, stdpPreI8 } from '../../host/reference/stdp-i8.js';

const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };

function writeParams(a: TestArena, p: StdpParams, s: number): number {
  const ptr = a.alloc(64);
  const f = a.f32(ptr, 16), i = a.i32(ptr, 16);
  f[STDP.ETA_PLUS] = p.etaPlus; f[STDP.ETA_MINUS] = p.etaMinus; f[STDP.W_MIN] = p.wMin; f[STDP.W_MAX] = p.wMax;
  i[STDP.BOUNDS] = p.soft ? 1 : 0; f[STDP.X_OFFSET] = p.xOffset; f[STDP.IMPULSE_PRE] = 1; f[STDP.IMPULSE_POST] = 1;
  i[STDP.TRACE_MODE] = p.nearest ? 1 : 0; f[STDP.Q_STEP] = s;
  return ptr;
}

function runWasm(a: TestArena, nIn: number, nOut: number, p: StdpParams, s: number, seed: number, steps: number) {
  a.reset();
  const r = new Xoshiro128(seed);
  const w0 = Int8Array.from({ length: nIn * nOut }, () => r.nextInt(255) - 127);
  const pw = a.put(w0), px = a.alloc(nIn * 4), py = a.alloc(nOut * 4), pp = writeParams(a, p, s);
  const rng = a.alloc(16);
  a.k.rng_seed(rng, seed + 1);
  const pre = a.alloc(64), post = a.alloc(64);
  for (let t = 0; t < steps; t++) {
    a.k.trace_decay_f32(px, nIn, Math.exp(-1 / 20), 1e-30);
    a.k.trace_decay_f32(py, nOut, Math.exp(-1 / 20), 1e-30);
    const nPre = r.nextInt(4), nPost = r.nextInt(3);
    a.u32(pre, 16).set(Uint32Array.from({ length: nPre }, () => r.nextInt(nIn)));
    a.u32(post, 16).set(Uint32Array.from({ length: nPost }, () => r.nextInt(nOut)));
    a.k.stdp_pre_i8(pw, nIn, nOut, pre, nPre, px, py, pp, rng);
    a.k.stdp_post_i8(pw, nIn, nOut, post, nPost, px, py, pp, rng);
  }
  return a.i8(pw, nIn * nOut).slice();
}

function runRef(nIn: number, nOut: number, p: StdpParams, s: number, seed: number, steps: number) {
  const r = new Xoshiro128(seed);
  const w = Int8Array.from({ length: nIn * nOut }, () => r.nextInt(255) - 127);
  const x = new Float32Array(nIn), y = new Float32Array(nOut);
  const rng = new Xoshiro128(seed + 1);
  const a = Math.fround(Math.exp(-1 / 20));
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < nIn; i++) { const d = Math.fround(x[i] * a); x[i] = d < 1e-30 ? 0 : d; }
    for (let j = 0; j < nOut; j++) { const d = Math.fround(y[j] * a); y[j] = d < 1e-30 ? 0 : d; }
    const nPre = r.nextInt(4), nPost = r.nextInt(3);
    const pre = Uint32Array.from({ length: nPre }, () => r.nextInt(nIn));
    const post = Uint32Array.from({ length: nPost }, () => r.nextInt(nOut));
    stdpPreI8(w, nIn, nOut, pre, nPre, x, y, p, s, rng);
    stdpPostI8(w, nIn, nOut, post, nPost, x, y, p, s, rng);
  }
  return w;
}

const P = (soft: boolean): StdpParams => ({ etaPlus: 0.02, etaMinus: 0.021, wMin: -1, wMax: 1, soft, xOffset: 0.05, impulsePre: 1, impulsePost: 1, nearest: false });

describe('int8 STDP with stochastic rounding', () => {
  for (const nOut of [1, 3, 4, 5, 33, 1000]) {
    for (const soft of [false, true]) {
      it(`nOut=${nOut} ${soft ? 'multiplicative' : 'additive'}: scalar == SIMD == reference`, () => {
        const s = 1 / 127;
        const a = runWasm(arenas.scalar, 21, nOut, P(soft), s, 9 + nOut, 30);
        const b = runWasm(arenas.simd, 21, nOut, P(soft), s, 9 + nOut, 30);
        const c = runRef(21, nOut, P(soft), s, 9 + nOut, 30);
        expect(Array.from(a)).toEqual(Array.from(b));
        expect(Array.from(a)).toEqual(Array.from(c));
      });
    }
  }

  it('never leaves the integer bounds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.001, max: 5, noNaN: true }), (nOut, seed, eta) => {
        const p = { ...P(false), etaPlus: eta, etaMinus: eta, wMin: -0.5, wMax: 0.5 };
        const w = runWasm(arenas.simd, 7, nOut, p, 0.5 / 127, seed, 15);
        return w.every((q) => q >= -127 && q <= 127);
      }),
      { numRuns: 100 },
    );
  });

  it('is unbiased: updates of a quarter step move a weight by their sum on average', () => {
    const a = arenas.scalar;
    a.reset();
    const n = 4096;
    const s = 1 / 127;
    // One pre unit, n post units; each post spike potentiates by etaPlus * x = 0.25 s.
    const pw = a.put(new Int8Array(n)), px = a.put(Float32Array.of(1)), py = a.alloc(n * 4);
    const pp = writeParams(a, { ...P(false), etaPlus: 0.25 * s, xOffset: 0 }, s);
    const rng = a.alloc(16);
    a.k.rng_seed(rng, 5);
    const post = a.put(Uint32Array.from({ length: n }, (_, j) => j));
    for (let t = 0; t < 20; t++) a.k.stdp_post_i8(pw, 1, n, post, n, px, py, pp, rng);
    const mean = a.i8(pw, n).reduce((x, q) => x + q, 0) / n;
    expect(Math.abs(mean - 5)).toBeLessThan(0.1); // 20 x 0.25 steps; plain rounding would give 0
  });
});
