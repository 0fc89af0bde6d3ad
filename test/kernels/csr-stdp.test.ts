/**
 * Pair STDP on CSR synapses (assembly/synapses/csr_stdp.ts): reference vs wasm scalar vs wasm
 * SIMD, bit for bit, for several numbers of targets (1, 3, 4, 5, 33, 1000), both bounds modes,
 * both trace modes, with out-of-range event indices counted as dropped; and on a full pattern
 * the kernels equal the dense pair-STDP kernels weight for weight.
 */
import { describe, expect, it } from 'vitest';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import { COUNTER_COUNT, COUNTER_SLOT, STDP } from '../../host/runtime/abi.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { cscOf, sparsePattern } from '../../host/plan/connectivity.js';
import { csrStdpPostF32, csrStdpPreF32 } from '../../host/reference/csr-stdp.js';
import { traceDecay, type StdpParams } from '../../host/reference/kernels.js';

const BUILDS = ['scalar', 'simd'] as const;
const arenas = { scalar: new TestArena('scalar', 512), simd: new TestArena('simd', 512) };

function writeStdp(a: TestArena, p: StdpParams): number {
  const ptr = a.alloc(64);
  const f = a.f32(ptr, 16), i = a.i32(ptr, 16);
  f[STDP.ETA_PLUS] = p.etaPlus; f[STDP.ETA_MINUS] = p.etaMinus; f[STDP.W_MIN] = p.wMin; f[STDP.W_MAX] = p.wMax;
  i[STDP.BOUNDS] = p.soft ? 1 : 0; f[STDP.X_OFFSET] = p.xOffset; f[STDP.IMPULSE_PRE] = p.impulsePre; f[STDP.IMPULSE_POST] = p.impulsePost;
  i[STDP.TRACE_MODE] = p.nearest ? 1 : 0;
  return ptr;
}

const params = (soft: boolean, nearest: boolean, xOffset = 0): StdpParams => ({
  etaPlus: 0.05, etaMinus: 0.03, wMin: -0.5, wMax: 1, soft, xOffset, impulsePre: 1, impulsePost: 1, nearest,
});

interface Result { w: Float32Array; x: Float32Array; y: Float32Array; dropped: number }

/** Runs `steps` random steps of decay + pre + post on a sparse pattern in wasm and in the reference. */
function run(build: 'scalar' | 'simd' | 'ref', nIn: number, nOut: number, p: StdpParams, density: number, seed: number, steps = 30): Result {
  const { rowPtr, colIdx } = sparsePattern(nIn, nOut, { density }, seed, false);
  const nnz = colIdx.length;
  const csc = cscOf(rowPtr, colIdx, nIn, nOut);
  const r = new Xoshiro128(seed + 1);
  const w0 = Float32Array.from({ length: nnz }, () => -0.4 + 1.3 * r.nextFloat());
  const lists = Array.from({ length: steps }, () => ({
    // Indices up to 10% past the range: the kernels must drop them.
    pre: Uint32Array.from({ length: r.nextInt(6) }, () => r.nextInt(Math.ceil(nIn * 1.1))),
    post: Uint32Array.from({ length: r.nextInt(4) }, () => r.nextInt(Math.ceil(nOut * 1.1))),
  }));
  const alpha = Math.exp(-1 / 15);
  if (build === 'ref') {
    const w = Float32Array.from(w0), x = new Float32Array(nIn), y = new Float32Array(nOut);
    let dropped = 0;
    for (const { pre, post } of lists) {
      traceDecay(x, nIn, alpha, 1e-30);
      traceDecay(y, nOut, alpha, 1e-30);
      dropped += csrStdpPreF32(rowPtr, colIdx, w, nIn, nOut, nnz, pre, pre.length, x, y, p);
      dropped += csrStdpPostF32(w, csc, nIn, nOut, nnz, post, post.length, x, y, p);
    }
    return { w, x, y, dropped };
  }
  const a = arenas[build];
  a.reset();
  const counters = a.alloc(COUNTER_COUNT * 8);
  a.k.counters_bind(counters);
  const csr = a.alloc(4 * (nIn + 1) + 8 * nnz);
  a.u32(csr, nIn + 1).set(rowPtr);
  a.u32(csr + 4 * (nIn + 1), nnz).set(colIdx);
  a.f32(csr + 4 * (nIn + 1 + nnz), nnz).set(w0);
  const pc = a.alloc(4 * (nOut + 1) + 8 * nnz);
  a.u32(pc, nOut + 1).set(csc.colPtr);
  a.u32(pc + 4 * (nOut + 1), nnz).set(csc.row);
  a.u32(pc + 4 * (nOut + 1 + nnz), nnz).set(csc.syn);
  const px = a.alloc(nIn * 4), py = a.alloc(nOut * 4), pp = writeStdp(a, p);
  const pre = a.alloc(64), post = a.alloc(64);
  for (const l of lists) {
    a.k.trace_decay_f32(px, nIn, alpha, 1e-30);
    a.k.trace_decay_f32(py, nOut, alpha, 1e-30);
    a.u32(pre, 16).set(l.pre);
    a.u32(post, 16).set(l.post);
    a.k.csr_stdp_pre_f32(csr, nIn, nOut, nnz, pre, l.pre.length, px, py, pp);
    a.k.csr_stdp_post_f32(csr, pc, nIn, nOut, nnz, post, l.post.length, px, py, pp);
  }
  const ctr = new Float64Array(a.memory.buffer, counters, COUNTER_COUNT);
  return { w: a.f32(csr + 4 * (nIn + 1 + nnz), nnz).slice(), x: a.f32(px, nIn).slice(), y: a.f32(py, nOut).slice(), dropped: ctr[COUNTER_SLOT.eventsDropped] };
}

describe('csr_stdp_pre_f32 / csr_stdp_post_f32', () => {
  for (const nOut of [1, 3, 4, 5, 33, 1000]) {
    for (const [soft, nearest, xOffset] of [[false, false, 0], [true, true, 0.2]] as const) {
      it(`nOut=${nOut}, ${soft ? 'multiplicative, nearest, xOffset' : 'additive, all-to-all'}: reference = scalar = SIMD`, () => {
        const p = params(soft, nearest, xOffset);
        const nIn = 37;
        const results = (['ref', ...BUILDS] as const).map((b) => run(b, nIn, nOut, p, 0.3, 11 + nOut));
        const [ref, scalar, simd] = results;
        for (const r of [scalar, simd]) {
          expect(bitsEqual(r.w, ref.w)).toBe(true);
          expect(bitsEqual(r.x, ref.x)).toBe(true);
          expect(bitsEqual(r.y, ref.y)).toBe(true);
          expect(r.dropped).toBe(ref.dropped);
        }
        expect(ref.dropped).toBeGreaterThan(0);
        // No update leaves the bounds.
        for (const v of ref.w) { expect(v).toBeGreaterThanOrEqual(-0.5); expect(v).toBeLessThanOrEqual(1); }
      });
    }
  }

  it('on a full pattern, equals the dense pair-STDP kernels weight for weight', () => {
    const nIn = 13, nOut = 9;
    for (const soft of [false, true]) {
      const p = params(soft, false, 0.1);
      const a = arenas.simd;
      const sparse = run('simd', nIn, nOut, p, 1, 5);
      // The same draws, dense: w0 and the lists are drawn from seed + 1 exactly as in run().
      a.reset();
      a.k.counters_bind(a.alloc(COUNTER_COUNT * 8)); // the counters of run() were in the freed space
      const r = new Xoshiro128(6);
      const w0 = Float32Array.from({ length: nIn * nOut }, () => -0.4 + 1.3 * r.nextFloat());
      const lists = Array.from({ length: 30 }, () => ({
        pre: Uint32Array.from({ length: r.nextInt(6) }, () => r.nextInt(Math.ceil(nIn * 1.1))),
        post: Uint32Array.from({ length: r.nextInt(4) }, () => r.nextInt(Math.ceil(nOut * 1.1))),
      }));
      const pw = a.put(w0), px = a.alloc(nIn * 4), py = a.alloc(nOut * 4), pp = writeStdp(a, p);
      const pre = a.alloc(64), post = a.alloc(64);
      for (const l of lists) {
        a.k.trace_decay_f32(px, nIn, Math.exp(-1 / 15), 1e-30);
        a.k.trace_decay_f32(py, nOut, Math.exp(-1 / 15), 1e-30);
        a.u32(pre, 16).set(l.pre);
        a.u32(post, 16).set(l.post);
        a.k.stdp_pre_f32(pw, nIn, nOut, pre, l.pre.length, px, py, pp);
        a.k.stdp_post_f32(pw, nIn, nOut, post, l.post.length, px, py, pp);
      }
      expect(bitsEqual(sparse.w, a.f32(pw, nIn * nOut).slice()), soft ? 'multiplicative' : 'additive').toBe(true);
    }
  });
});
