/**
 * Synapse kernels (CSR, event-driven conv2d, block-sparse modules with prune-and-regrow, delays,
 * short-term plasticity): reference vs wasm scalar vs wasm SIMD on shared cases, at sizes that force
 * several SIMD iterations and a tail (1, 3, 4, 5, 33, 1000). SIMD and scalar are bit-identical;
 * f32 results match the reference within REL_TOL (they are bit-identical in practice, since the
 * reference rounds every intermediate to f32 and keeps the per-element order of additions);
 * out-of-range data-derived indices are dropped and counted identically everywhere.
 */
import { describe, expect, it } from 'vitest';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { COUNTER_COUNT, COUNTER_SLOT } from '../../host/runtime/abi.js';
import { csrAccumulateF32 } from '../../host/reference/csr.js';
import { conv2dAccumulateF32 } from '../../host/reference/conv2d.js';
import { blockAccumulateF32, blockPruneRegrowF32 } from '../../host/reference/block-sparse.js';
import { delayAccumulateF32, delayAccumulateSynF32, delayDeliverF32 } from '../../host/reference/delay.js';
import { denseAccumulateScaledF32, stpEfficacyF32 } from '../../host/reference/stp.js';
import {
  blockMask, conv2dOutputSize, conv2dParams, denseToCsr, packConv2dWeights, stpInitState, stpParamBlock,
  type Conv2dGeometry,
} from '../../host/plan/synapse-layouts.js';

const SIZES = [1, 3, 4, 5, 33, 1000];
const REL_TOL = 1e-6;
const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };
type Build = keyof typeof arenas;
const BUILDS: Build[] = ['scalar', 'simd'];

function rand(seed: number) {
  const r = new Xoshiro128(seed);
  return {
    f32: (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r.nextFloat()),
    int: (n: number) => r.nextInt(n),
    float: () => r.nextFloat(),
  };
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= REL_TOL * Math.abs(e) + 1e-30)) throw new Error(`${what}[${i}]: wasm ${a} vs reference ${e}`);
  }
}

/** Runs fn with the counters bound to a fresh region; returns fn's result and the counters. */
function counted<T>(a: TestArena, fn: () => T): { result: T; ctr: Float64Array } {
  const c = a.alloc(COUNTER_COUNT * 8);
  a.k.counters_bind(c);
  try {
    const result = fn();
    return { result, ctr: new Float64Array(a.memory.buffer, c, COUNTER_COUNT).slice() };
  } finally {
    a.k.counters_bind(0);
  }
}
const DROPPED = COUNTER_SLOT.eventsDropped;

describe('csr_accumulate_f32', () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}: SIMD == scalar bitwise == reference; bad indices dropped and counted`, () => {
      const nIn = 37;
      const r = rand(300 + nOut);
      const dense = r.f32(nIn * nOut, -1, 1).map((v) => (r.float() < 0.3 ? v : 0));
      const csr = denseToCsr(dense, nIn, nOut);
      // corrupt two column indices (data-derived: must be dropped, not written)
      if (csr.nnz > 2) { csr.colIdx[0] = nOut + 5; csr.colIdx[csr.nnz - 1] = 0xffffffff; }
      const nIdx = 14;
      const idx = Uint32Array.from({ length: nIdx }, (_, k) => (k === 6 ? nIn + 1 : r.int(nIn)));
      const target0 = r.f32(nOut, -1, 1);
      const scale = r.f32(nIdx, 0, 1);
      const out: Record<string, { t: Float32Array; ts: Float32Array; dropped: number }> = {};
      for (const b of BUILDS) {
        const a = arenas[b];
        a.reset();
        const pr = a.put(csr.rowPtr), pc = a.put(csr.colIdx), pv = a.put(csr.vals), pi = a.put(idx), ps = a.put(scale);
        const pt = a.put(target0), pts = a.put(target0);
        const { ctr } = counted(a, () => {
          a.k.csr_accumulate_f32(pr, pc, pv, nIn, nOut, csr.nnz, pi, nIdx, pt, 0);
          a.k.csr_accumulate_f32(pr, pc, pv, nIn, nOut, csr.nnz, pi, nIdx, pts, ps);
        });
        out[b] = { t: a.f32(pt, nOut).slice(), ts: a.f32(pts, nOut).slice(), dropped: ctr[DROPPED] };
      }
      expect(bitsEqual(out.simd.t, out.scalar.t) && bitsEqual(out.simd.ts, out.scalar.ts)).toBe(true);
      const t = target0.slice(), ts = target0.slice();
      const d1 = csrAccumulateF32(csr.rowPtr, csr.colIdx, csr.vals, nIn, nOut, csr.nnz, idx, nIdx, t);
      const d2 = csrAccumulateF32(csr.rowPtr, csr.colIdx, csr.vals, nIn, nOut, csr.nnz, idx, nIdx, ts, scale);
      expectClose(out.scalar.t, t, 'I');
      expectClose(out.scalar.ts, ts, 'I (scaled)');
      expect(out.scalar.dropped).toBe(d1 + d2);
      expect(out.simd.dropped).toBe(d1 + d2);
      expect(d1).toBeGreaterThanOrEqual(1);
    });
  }

  it('malformed rows (pointers out of order or past nnz) are dropped, never read', () => {
    const rowPtr = Uint32Array.from([0, 2, 1, 9]); // row 1 reversed, row 2 past nnz = 3
    const colIdx = Uint32Array.from([0, 1, 2]);
    const vals = Float32Array.from([1, 2, 4]);
    const idx = Uint32Array.from([0, 1, 2, 0]);
    for (const b of BUILDS) {
      const a = arenas[b];
      a.reset();
      const pt = a.alloc(16);
      const { ctr } = counted(a, () => a.k.csr_accumulate_f32(a.put(rowPtr), a.put(colIdx), a.put(vals), 3, 3, 3, a.put(idx), 4, pt, 0));
      expect(Array.from(a.f32(pt, 3))).toEqual([2, 4, 0]);
      expect(ctr[DROPPED]).toBe(2);
    }
  });
});

describe('conv2d_accumulate_f32', () => {
  const geoms = [
    { k: 3, stride: 1, pad: 1 }, { k: 5, stride: 2, pad: 2 }, { k: 9, stride: 1, pad: 4 },
    { k: 4, stride: 3, pad: 0 }, { k: 6, stride: 2, pad: 5 }, { k: 13, stride: 1, pad: 6 }, { k: 1, stride: 1, pad: 0 },
  ];
  for (const wIn of SIZES) {
    for (const gk of geoms) {
      const hIn = wIn === 1000 ? 3 : 7;
      const g: Conv2dGeometry = { wIn, hIn, cIn: 2, cOut: 3, ...gk };
      if (conv2dOutputSize(wIn, g.k, g.stride, g.pad) < 1 || conv2dOutputSize(hIn, g.k, g.stride, g.pad) < 1) continue;
      it(`W_in=${wIn} K=${g.k} stride=${g.stride} pad=${g.pad}`, () => {
        const r = rand(wIn * 31 + g.k * 7 + g.stride);
        const kernel = r.f32(g.cOut * g.cIn * g.k * g.k, -1, 1);
        const packed = packConv2dWeights(kernel, g);
        const params = conv2dParams(g);
        const wOut = params[7], hOut = params[8];
        const nEv = 150;
        const ex = Uint16Array.from({ length: nEv }, (_, e) => (e === 10 ? wIn : e === 11 ? 65535 : r.int(wIn)));
        const ey = Uint16Array.from({ length: nEv }, (_, e) => (e === 12 ? hIn : r.int(hIn)));
        const ec = Uint8Array.from({ length: nEv }, (_, e) => (e === 13 ? 2 : e === 14 ? 255 : r.int(2)));
        const target0 = r.f32(g.cOut * hOut * wOut, -0.5, 0.5);
        const out: Record<string, { t: Float32Array; ctr: Float64Array }> = {};
        for (const b of BUILDS) {
          const a = arenas[b];
          a.reset();
          const pw = a.put(packed), pp = a.put(params), px = a.put(new Int16Array(ex.buffer)), py = a.put(new Int16Array(ey.buffer)), pc = a.put(new Int8Array(ec.buffer)), pt = a.put(target0);
          const { ctr } = counted(a, () => a.k.conv2d_accumulate_f32(pw, pp, px, py, pc, nEv, pt));
          out[b] = { t: a.f32(pt, target0.length).slice(), ctr };
        }
        expect(bitsEqual(out.simd.t, out.scalar.t)).toBe(true);
        const t = target0.slice();
        const dropped = conv2dAccumulateF32(kernel, g, ex, ey, ec, nEv, t);
        expectClose(out.scalar.t, t, 'out');
        expect(dropped).toBe(5);
        expect(out.scalar.ctr[DROPPED]).toBe(5);
        expect(out.simd.ctr[DROPPED]).toBe(5);
        expect(out.simd.ctr[COUNTER_SLOT.synopsF32]).toBe(out.scalar.ctr[COUNTER_SLOT.synopsF32]);
        expect(out.scalar.ctr[COUNTER_SLOT.synopsF32]).toBeGreaterThan(0);
      });
    }
  }
});

describe('block-sparse modules', () => {
  function blockCase(bOut: number, seed: number) {
    const r = rand(seed);
    const gIn = 5, gOut = 3, bIn = 4, nActive = 7;
    const active: number[] = []; // a seeded choice of 7 of the 15 blocks
    while (active.length < nActive) { const b = r.int(gIn * gOut); if (!active.includes(b)) active.push(b); }
    const mask = blockMask(gIn, gOut, active);
    const w = r.f32(nActive * bIn * bOut, -1, 1);
    const idx = Uint32Array.from({ length: 11 }, (_, k) => (k === 3 ? gIn * bIn : r.int(gIn * bIn)));
    const target = r.f32(gOut * bOut, -1, 1);
    return { gIn, gOut, bIn, nActive, mask, w, idx, target };
  }
  for (const bOut of SIZES) {
    it(`accumulate, B_out=${bOut}`, () => {
      const c = blockCase(bOut, 500 + bOut);
      const out: Record<string, { t: Float32Array; dropped: number }> = {};
      for (const b of BUILDS) {
        const a = arenas[b];
        a.reset();
        const pw = a.put(c.w), ps = a.put(c.mask.slotOf), pi = a.put(c.idx), pt = a.put(c.target);
        const { ctr } = counted(a, () => a.k.block_accumulate_f32(pw, ps, c.nActive, c.gIn, c.gOut, c.bIn, bOut, pi, c.idx.length, pt));
        out[b] = { t: a.f32(pt, c.target.length).slice(), dropped: ctr[DROPPED] };
      }
      expect(bitsEqual(out.simd.t, out.scalar.t)).toBe(true);
      const t = c.target.slice();
      const dropped = blockAccumulateF32(c.w, c.mask.slotOf, c.nActive, c.gIn, c.gOut, c.bIn, bOut, c.idx, c.idx.length, t);
      expectClose(out.scalar.t, t, 'I');
      expect(out.scalar.dropped).toBe(dropped);
      expect(out.simd.dropped).toBe(dropped);
      expect(dropped).toBe(1);
    });
  }

  it('a mask entry naming a slot past the active count is dropped and counted', () => {
    for (const b of BUILDS) {
      const a = arenas[b];
      a.reset();
      const slotOf = Int32Array.from([0, 9]); // 1 x 2 blocks, second corrupt
      const pt = a.alloc(32);
      const { ctr } = counted(a, () =>
        a.k.block_accumulate_f32(a.put(Float32Array.from([1, 2, 3, 4])), a.put(slotOf), 1, 1, 2, 1, 4, a.put(Uint32Array.from([0])), 1, pt));
      expect(Array.from(a.f32(pt, 8))).toEqual([1, 2, 3, 4, 0, 0, 0, 0]);
      expect(ctr[DROPPED]).toBe(1);
    }
  });

  for (const bOut of [1, 3, 5, 33]) {
    for (const initScale of [0, 0.05]) {
      it(`prune-and-regrow, B_out=${bOut} initScale=${initScale}: same blocks, weights and PRNG stream in all three`, () => {
        const c = blockCase(bOut, 700 + bOut);
        const nBlocks = c.gIn * c.gOut;
        const res: { w: Float32Array; slotOf: Int32Array; blockId: Uint32Array; moved: number[]; next: number }[] = [];
        for (const b of BUILDS) {
          const a = arenas[b];
          a.reset();
          const pw = a.put(c.w), ps = a.put(c.mask.slotOf), pb = a.put(c.mask.blockId), rng = a.alloc(16), scratch = a.alloc(12 * c.nActive);
          a.k.rng_seed(rng, 4242);
          const moved: number[] = [];
          for (let round = 0; round < 4; round++) {
            moved.push(a.k.block_prune_regrow_f32(pw, ps, pb, c.nActive, c.gIn, c.gOut, c.bIn, bOut, 3, initScale, rng, scratch));
          }
          res.push({
            w: a.f32(pw, c.w.length).slice(), slotOf: a.i32(ps, nBlocks).slice(), blockId: a.u32(pb, c.nActive).slice(), moved,
            next: a.k.rng_next_u32(rng) >>> 0,
          });
        }
        const w = c.w.slice(), slotOf = c.mask.slotOf.slice(), blockId = c.mask.blockId.slice();
        const rng = new Xoshiro128(4242);
        const moved: number[] = [];
        for (let round = 0; round < 4; round++) moved.push(blockPruneRegrowF32(w, slotOf, blockId, c.nActive, c.gIn, c.gOut, c.bIn, bOut, 3, initScale, rng));
        const next = rng.nextU32(); // the streams must have advanced by the same number of draws
        for (const r of res) {
          expect(r.moved).toEqual(moved);
          expect(Array.from(r.slotOf)).toEqual(Array.from(slotOf));
          expect(Array.from(r.blockId)).toEqual(Array.from(blockId));
          expect(r.next).toBe(next);
        }
        expect(bitsEqual(res[0].w, res[1].w)).toBe(true);
        expectClose(res[0].w, w, 'Wb');
        expect(moved).toEqual([3, 3, 3, 3]);
      });
    }
  }
});

describe('synaptic delays', () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}: per-projection and per-synapse delays, ring delivery`, () => {
      const nIn = 9, nSlots = 6, steps = 20;
      const r0 = rand(900 + nOut);
      const w = r0.f32(nIn * nOut, -1, 1);
      const delays = Uint8Array.from({ length: nIn * nOut }, (_, q) => (q % 17 === 3 ? 7 : r0.int(nSlots)));
      const lists = Array.from({ length: steps }, (_, s) => Uint32Array.from({ length: r0.int(4) }, (_, k) => (s === 4 && k === 0 ? nIn : r0.int(nIn))));
      const projDelay = Array.from({ length: steps }, (_, s) => (s === 9 ? nSlots : s % nSlots)); // one out-of-range delay
      const run = (b: Build | null) => {
        const trace: Float32Array[] = [];
        if (b === null) {
          const ring1 = new Float32Array(nSlots * nOut), ring2 = new Float32Array(nSlots * nOut);
          const t1 = new Float32Array(nOut), t2 = new Float32Array(nOut);
          let dropped = 0;
          for (let s = 0; s < steps; s++) {
            dropped += delayAccumulateF32(w, nIn, nOut, lists[s], lists[s].length, ring1, nSlots, s, projDelay[s]);
            dropped += delayAccumulateSynF32(w, delays, nIn, nOut, lists[s], lists[s].length, ring2, nSlots, s);
            delayDeliverF32(ring1, nSlots, s, nOut, t1);
            delayDeliverF32(ring2, nSlots, s, nOut, t2);
            trace.push(t1.slice(), t2.slice());
          }
          return { trace, dropped };
        }
        const a = arenas[b];
        a.reset();
        const pw = a.put(w), pd = a.put(new Int8Array(delays.buffer)), r1 = a.alloc(nSlots * nOut * 4), r2 = a.alloc(nSlots * nOut * 4);
        const t1 = a.alloc(nOut * 4), t2 = a.alloc(nOut * 4), pl = a.alloc(64);
        const { ctr } = counted(a, () => {
          for (let s = 0; s < steps; s++) {
            a.u32(pl, 16).set(lists[s]);
            a.k.delay_accumulate_f32(pw, nIn, nOut, pl, lists[s].length, r1, nSlots, s, projDelay[s]);
            a.k.delay_accumulate_syn_f32(pw, pd, nIn, nOut, pl, lists[s].length, r2, nSlots, s);
            a.k.delay_deliver_f32(r1, nSlots, s, nOut, t1);
            a.k.delay_deliver_f32(r2, nSlots, s, nOut, t2);
            trace.push(a.f32(t1, nOut).slice(), a.f32(t2, nOut).slice());
          }
        });
        return { trace, dropped: ctr[DROPPED] };
      };
      const sc = run('scalar'), sm = run('simd'), rf = run(null);
      for (let q = 0; q < sc.trace.length; q++) {
        expect(bitsEqual(sm.trace[q], sc.trace[q])).toBe(true);
        expectClose(sc.trace[q], rf.trace[q], `trace ${q}`);
      }
      expect(sc.dropped).toBe(rf.dropped);
      expect(sm.dropped).toBe(rf.dropped);
      expect(rf.dropped).toBeGreaterThan(0);
    });
  }
});

describe('short-term plasticity (Tsodyks-Markram)', () => {
  for (const nIn of SIZES) {
    for (const facil of [false, true]) {
      it(`nIn=${nIn} ${facil ? 'facilitating' : 'depressing'}: efficacies, state and scaled accumulation`, () => {
        const nOut = 33, steps = 40;
        const params = stpParamBlock(facil ? { U: 0.15, tauF: 300, tauD: 80, dt: 1 } : { U: 0.5, tauF: 0, tauD: 150, dt: 1 });
        const r0 = rand(1100 + nIn + (facil ? 1 : 0));
        const w = r0.f32(nIn * nOut, -1, 1);
        const lists = Array.from({ length: steps }, (_, s) =>
          Uint32Array.from({ length: s === 7 ? 3 : r0.int(6) }, (_, k) => (s === 7 && k === 0 ? nIn + 2 : r0.int(nIn))));
        const stepAt = (s: number) => s * 3 + (s > 30 ? 5000 : 0); // gaps, including a long one
        const init = stpInitState(nIn, params[0]);
        const nPad = Math.ceil(nIn / 4) * 4;
        const run = (b: Build | null) => {
          const effs: Float32Array[] = [], targets: Float32Array[] = [];
          if (b === null) {
            const st = { u: init.slice(0, nIn), x: init.slice(nPad, nPad + nIn), last: new Int32Array(nIn) };
            const t = new Float32Array(nOut);
            let dropped = 0;
            for (let s = 0; s < steps; s++) {
              const eff = new Float32Array(lists[s].length);
              dropped += stpEfficacyF32(st, nIn, params, lists[s], lists[s].length, stepAt(s), eff);
              denseAccumulateScaledF32(w, nIn, nOut, lists[s], lists[s].length, eff, t);
              effs.push(eff); targets.push(t.slice());
            }
            return { effs, targets, u: st.u, x: st.x, last: st.last, dropped };
          }
          const a = arenas[b];
          a.reset();
          const ps = a.put(init), pp = a.put(params), pw = a.put(w), pl = a.alloc(64), pe = a.alloc(64), pt = a.alloc(nOut * 4);
          const { ctr } = counted(a, () => {
            for (let s = 0; s < steps; s++) {
              const n = lists[s].length;
              a.u32(pl, 16).set(lists[s]);
              a.k.stp_efficacy_f32(ps, nIn, pp, pl, n, stepAt(s), pe);
              a.k.dense_accumulate_scaled_f32(pw, nIn, nOut, pl, n, pe, pt);
              effs.push(a.f32(pe, n).slice()); targets.push(a.f32(pt, nOut).slice());
            }
          });
          return {
            effs, targets, u: a.f32(ps, nIn).slice(), x: a.f32(ps + nPad * 4, nIn).slice(), last: a.i32(ps + 2 * nPad * 4, nIn).slice(),
            dropped: ctr[DROPPED] / 2, // both kernels count the bad index
          };
        };
        const sc = run('scalar'), sm = run('simd'), rf = run(null);
        for (let s = 0; s < steps; s++) {
          expect(bitsEqual(sm.effs[s], sc.effs[s]) && bitsEqual(sm.targets[s], sc.targets[s])).toBe(true);
          expectClose(sc.effs[s], rf.effs[s], `eff ${s}`);
          expectClose(sc.targets[s], rf.targets[s], `I ${s}`);
        }
        expect(bitsEqual(sm.u, sc.u) && bitsEqual(sm.x, sc.x)).toBe(true);
        expectClose(sc.u, rf.u, 'u');
        expectClose(sc.x, rf.x, 'x');
        expect(Array.from(sc.last)).toEqual(Array.from(rf.last));
        expect(sc.dropped).toBe(1);
        expect(rf.dropped).toBe(1);
        for (const v of sc.x) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
      });
    }
  }

  for (const nOut of SIZES) {
    it(`dense_accumulate_scaled_f32, nOut=${nOut}`, () => {
      const nIn = 23;
      const r = rand(1300 + nOut);
      const w = r.f32(nIn * nOut, -1, 1);
      const idx = Uint32Array.from({ length: 9 }, (_, k) => (k === 8 ? nIn : r.int(nIn)));
      const eff = r.f32(9, 0, 1);
      const target = r.f32(nOut, -1, 1);
      const res: Float32Array[] = [];
      for (const b of BUILDS) {
        const a = arenas[b];
        a.reset();
        const pt = a.put(target);
        a.k.dense_accumulate_scaled_f32(a.put(w), nIn, nOut, a.put(idx), 9, a.put(eff), pt);
        res.push(a.f32(pt, nOut).slice());
      }
      expect(bitsEqual(res[0], res[1])).toBe(true);
      const t = target.slice();
      denseAccumulateScaledF32(w, nIn, nOut, idx, 9, eff, t);
      expectClose(res[0], t, 'I');
    });
  }
});
