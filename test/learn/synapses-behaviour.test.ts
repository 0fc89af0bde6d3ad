/**
 * What the synapse and neuron kernels are for, shown on small tasks (both builds where cheap):
 * - event-driven conv2d equals the frame convolution of the step's accumulated events;
 * - CSR equals the dense kernel on the same matrix;
 * - block prune-and-regrow keeps the number of active blocks and moves the weakest ones;
 * - a delay of d steps shifts the response by exactly d steps;
 * - Tsodyks-Markram STP: depression for a high-rate train, facilitation with facilitating
 *   parameters, both on the closed form for a regular train;
 * - the escape-noise neuron fires at the escape rate for a clamped membrane;
 * - a recurrent reservoir (a CSR projection from the population onto itself) sustains activity
 *   after its input stops only when the recurrent weights are on.
 */
import { describe, expect, it } from 'vitest';
import { TestArena } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { ESC, LIF } from '../../host/runtime/abi.js';
import { conv2dFrame } from '../../host/reference/conv2d.js';
import { escapeProbability } from '../../host/reference/escape.js';
import {
  blockMask, blockPruneCount, conv2dParams, denseToCsr, packConv2dWeights, stpInitState, stpParamBlock,
  type Conv2dGeometry,
} from '../../host/plan/synapse-layouts.js';

const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };
const BUILDS = ['scalar', 'simd'] as const;

interface LifBlock {
  alphaM: number; alphaS: number; beta: number; gamma: number; vTh: number; vReset: number; refracHold: number; alphaB?: number;
}

function writeLif(a: TestArena, p: LifBlock, extra: Record<number, number> = {}): number {
  const ptr = a.alloc(64);
  const f = a.f32(ptr, 16), i = a.i32(ptr, 16);
  f[LIF.ALPHA_M] = p.alphaM; f[LIF.ALPHA_S] = p.alphaS; f[LIF.BETA] = p.beta; f[LIF.GAMMA] = p.gamma;
  f[LIF.V_TH] = p.vTh; f[LIF.V_RESET] = p.vReset; i[LIF.RESET_MODE] = 0; i[LIF.REFRAC_HOLD] = p.refracHold;
  f[LIF.ALPHA_B] = p.alphaB ?? 1; f[LIF.D_THETA] = 0;
  for (const [slot, v] of Object.entries(extra)) f[Number(slot)] = v;
  return ptr;
}

/** LIF with tau_m = 20 ms, tau_s = 5 ms, dt = 1 ms, exact integration (lif.ts). */
function lif20(): LifBlock {
  const am = Math.exp(-1 / 20), as = Math.exp(-1 / 5);
  return { alphaM: am, alphaS: as, beta: (5 / (5 - 20)) * (as - am), gamma: 1 - am, vTh: 1, vReset: 0, refracHold: 2 };
}

describe('event-driven conv2d', () => {
  for (const b of BUILDS) {
    it(`${b}: equals the frame convolution of the accumulated event frame`, () => {
      const a = arenas[b];
      a.reset();
      const g: Conv2dGeometry = { wIn: 34, hIn: 26, cIn: 2, cOut: 4, k: 5, stride: 2, pad: 2 };
      const r = new Xoshiro128(61);
      const kernel = Float32Array.from({ length: g.cOut * g.cIn * g.k * g.k }, () => r.nextFloat() * 2 - 1);
      const params = conv2dParams(g);
      const nOut = g.cOut * params[8] * params[7];
      const pw = a.put(packConv2dWeights(kernel, g)), pp = a.put(params), pt = a.alloc(nOut * 4);
      const frame = new Float32Array(g.cIn * g.hIn * g.wIn);
      const nEv = 400;
      const px = a.alloc(nEv * 2), py = a.alloc(nEv * 2), pc = a.alloc(nEv);
      for (let step = 0; step < 5; step++) {
        const xs = new Uint16Array(a.memory.buffer, px, nEv), ys = new Uint16Array(a.memory.buffer, py, nEv), cs = new Uint8Array(a.memory.buffer, pc, nEv);
        for (let e = 0; e < nEv; e++) {
          // events cluster on a moving bar, as a sensor's would
          xs[e] = Math.min(g.wIn - 1, Math.floor(step * 5 + r.nextFloat() * 8));
          ys[e] = Math.floor(r.nextFloat() * g.hIn);
          cs[e] = r.nextFloat() < 0.6 ? 1 : 0;
          frame[(cs[e] * g.hIn + ys[e]) * g.wIn + xs[e]] += 1;
        }
        a.k.conv2d_accumulate_f32(pw, pp, px, py, pc, nEv, pt);
      }
      const expected = conv2dFrame(kernel, g, frame);
      const got = a.f32(pt, nOut);
      let scale = 0;
      for (const v of expected) scale = Math.max(scale, Math.abs(v));
      let worst = 0;
      for (let q = 0; q < nOut; q++) worst = Math.max(worst, Math.abs(got[q] - expected[q]));
      expect(scale).toBeGreaterThan(10);
      expect(worst).toBeLessThanOrEqual(1e-5 * scale); // f32 event-order sums vs f64 frame sums
    });
  }
});

describe('CSR vs dense', () => {
  for (const b of BUILDS) {
    it(`${b}: the same matrix gives the same currents`, () => {
      const a = arenas[b];
      a.reset();
      const nIn = 64, nOut = 50;
      const r = new Xoshiro128(71);
      const w = Float32Array.from({ length: nIn * nOut }, () => (r.nextFloat() < 0.1 ? r.nextFloat() * 2 - 1 : 0));
      const csr = denseToCsr(w, nIn, nOut);
      expect(csr.nnz).toBeGreaterThan(200);
      const pw = a.put(w), pr = a.put(csr.rowPtr), pc = a.put(csr.colIdx), pv = a.put(csr.vals);
      const td = a.alloc(nOut * 4), ts = a.alloc(nOut * 4), pl = a.alloc(64 * 4);
      for (let s = 0; s < 30; s++) {
        const list = Uint32Array.from({ length: 1 + r.nextInt(10) }, () => r.nextInt(nIn));
        a.u32(pl, list.length).set(list);
        a.k.dense_accumulate_f32(pw, nIn, nOut, pl, list.length, td);
        a.k.csr_accumulate_f32(pr, pc, pv, nIn, nOut, csr.nnz, pl, list.length, ts, 0);
      }
      const d = a.f32(td, nOut), sp = a.f32(ts, nOut);
      let worst = 0;
      for (let j = 0; j < nOut; j++) worst = Math.max(worst, Math.abs(d[j] - sp[j]));
      expect(worst).toBe(0); // same additions in the same order (dense only adds exact zeros besides)
    });
  }
});

describe('block-sparse prune-and-regrow', () => {
  const gIn = 6, gOut = 6, bIn = 8, bOut = 8, nActive = 12, nBlocks = 36;
  function setup(a: TestArena, seed: number) {
    a.reset();
    const r = new Xoshiro128(seed);
    const active: number[] = [];
    while (active.length < nActive) { const q = r.nextInt(nBlocks); if (!active.includes(q)) active.push(q); }
    const mask = blockMask(gIn, gOut, active);
    const bs = bIn * bOut;
    // slots 0..2 hold weak blocks, the rest strong ones
    const w = Float32Array.from({ length: nActive * bs }, (_, t) => (Math.floor(t / bs) < 3 ? 0.01 : 1) * (r.nextFloat() * 2 - 1));
    const p = {
      w: a.put(w), slotOf: a.put(mask.slotOf), blockId: a.put(mask.blockId), rng: a.alloc(16), scratch: a.alloc(12 * nActive),
    };
    a.k.rng_seed(p.rng, seed);
    return { p, active, w };
  }
  const read = (a: TestArena, p: { w: number; slotOf: number; blockId: number }) => ({
    w: a.f32(p.w, nActive * bIn * bOut).slice(), slotOf: a.i32(p.slotOf, nBlocks).slice(), blockId: a.u32(p.blockId, nActive).slice(),
  });

  for (const b of BUILDS) {
    it(`${b}: constant number of active blocks; the weakest move to fresh places`, () => {
      const a = arenas[b];
      const { p, active, w } = setup(a, 91);
      const nPrune = blockPruneCount(0.25, nActive, nBlocks);
      expect(nPrune).toBe(3);
      const moved = a.k.block_prune_regrow_f32(p.w, p.slotOf, p.blockId, nActive, gIn, gOut, bIn, bOut, nPrune, 0.05, p.rng, p.scratch);
      expect(moved).toBe(3);
      const s = read(a, p);
      const nowActive = Array.from(s.blockId);
      expect(s.slotOf.filter((q) => q >= 0).length).toBe(nActive);
      nowActive.forEach((id, q) => expect(s.slotOf[id]).toBe(q)); // mask and slot table agree
      for (let q = 0; q < 3; q++) {
        expect(nowActive).not.toContain(active[q]); // the three weak blocks are gone
        expect(active).not.toContain(nowActive[q]); // replaced by blocks that were inactive
        for (let t = 0; t < bIn * bOut; t++) expect(Math.abs(s.w[q * bIn * bOut + t])).toBeLessThanOrEqual(0.05);
      }
      for (let q = 3; q < nActive; q++) {
        expect(nowActive[q]).toBe(active[q]); // strong blocks stay, weights untouched
        for (let t = 0; t < bIn * bOut; t++) expect(s.w[q * bIn * bOut + t]).toBe(w[q * bIn * bOut + t]);
      }
      // Ten more rounds (weights drift in between, as learning would make them): count invariant.
      const r = new Xoshiro128(5);
      for (let round = 0; round < 10; round++) {
        const wv = a.f32(p.w, nActive * bIn * bOut);
        for (let t = 0; t < wv.length; t++) wv[t] += 0.02 * (r.nextFloat() - 0.5);
        expect(a.k.block_prune_regrow_f32(p.w, p.slotOf, p.blockId, nActive, gIn, gOut, bIn, bOut, nPrune, 0.05, p.rng, p.scratch)).toBe(3);
        const st = read(a, p);
        expect(st.slotOf.filter((q) => q >= 0).length).toBe(nActive);
        expect(new Set(st.blockId).size).toBe(nActive);
        st.blockId.forEach((id, q) => expect(st.slotOf[id]).toBe(q));
      }
    });
  }

  it('deterministic from the seed: same seed same rewiring, another seed another', () => {
    const runs = [91, 91, 92].map((seed) => {
      const a = arenas.simd;
      const { p } = setup(a, 91);
      a.k.rng_seed(p.rng, seed);
      const ids: number[][] = [];
      for (let round = 0; round < 5; round++) {
        a.k.block_prune_regrow_f32(p.w, p.slotOf, p.blockId, nActive, gIn, gOut, bIn, bOut, 3, 0, p.rng, p.scratch);
        ids.push(Array.from(a.u32(p.blockId, nActive)));
      }
      return ids;
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).not.toEqual(runs[0]);
  });
});

describe('synaptic delays', () => {
  for (const b of BUILDS) {
    it(`${b}: a delay of d steps shifts the membrane response and the spikes by exactly d steps`, () => {
      const a = arenas[b];
      const nIn = 3, nOut = 5, nSlots = 8, steps = 60;
      const w = Float32Array.from({ length: nIn * nOut }, (_, q) => 1.5 + 0.5 * (q % nOut));
      const input = (s: number) => (s === 5 ? [0] : s === 12 ? [2, 1] : []);
      const run = (d: number, perSynapse: boolean) => {
        a.reset();
        const st = a.alloc(5 * 8 * 4), params = writeLif(a, lif20());
        const pw = a.put(w), pd = a.put(new Int8Array(nIn * nOut).fill(d)), ring = a.alloc(nSlots * nOut * 4);
        const pl = a.alloc(16), sb = a.alloc(32), mg = a.alloc(32);
        const v: Float32Array[] = [], spikes: string[] = [];
        for (let s = 0; s < steps; s++) {
          const ns = a.k.lif_step_f32(nOut, st, params, sb, mg);
          a.k.lif_reset_f32(nOut, st, params, sb, ns);
          v.push(a.f32(st, nOut).slice());
          for (const j of a.u32(sb, ns)) spikes.push(`${s}:${j}`);
          const list = input(s);
          a.u32(pl, 4).set(list);
          if (perSynapse) a.k.delay_accumulate_syn_f32(pw, pd, nIn, nOut, pl, list.length, ring, nSlots, s);
          else a.k.delay_accumulate_f32(pw, nIn, nOut, pl, list.length, ring, nSlots, s, d);
          a.k.delay_deliver_f32(ring, nSlots, s, nOut, st + 8 * 4);
        }
        return { v, spikes };
      };
      const base = run(0, false);
      expect(base.spikes.length).toBeGreaterThan(0);
      for (const d of [1, 3, 7]) {
        for (const perSynapse of [false, true]) {
          const got = run(d, perSynapse);
          for (let s = 0; s < steps; s++) {
            const expected = s >= d ? base.v[s - d] : new Float32Array(nOut);
            expect(Array.from(got.v[s])).toEqual(Array.from(expected));
          }
          const shifted = base.spikes.map((e) => { const [s, j] = e.split(':').map(Number); return `${s + d}:${j}`; }).filter((e) => Number(e.split(':')[0]) < steps);
          expect(got.spikes).toEqual(shifted);
        }
      }
    });
  }
});

describe('short-term plasticity (Tsodyks-Markram)', () => {
  /** Efficacy of each spike of a regular train (interval T steps) through the kernels, w = 1. */
  function train(a: TestArena, p: { U: number; tauF: number; tauD: number }, T: number, nSpikes: number): number[] {
    a.reset();
    const params = stpParamBlock({ ...p, dt: 1 });
    const ps = a.put(stpInitState(1, p.U)), pp = a.put(params), pw = a.put(Float32Array.from([1, 1, 1, 1]));
    const pl = a.put(Uint32Array.from([0])), pe = a.alloc(16), pt = a.alloc(16);
    const out: number[] = [];
    for (let n = 0; n < nSpikes; n++) {
      a.f32(pt, 4).fill(0);
      a.k.stp_efficacy_f32(ps, 1, pp, pl, 1, 100 + n * T, pe);
      a.k.dense_accumulate_scaled_f32(pw, 1, 4, pl, 1, pe, pt);
      expect(a.f32(pt, 4)[3]).toBe(a.f32(pe, 1)[0]); // the row's contribution is scaled by u x
      out.push(a.f32(pt, 4)[0]);
    }
    return out;
  }
  /** Closed form: u_n = U (1 - q^n) / (1 - q), x_{n+1} = 1 - r + r (1 - u_n) x_n, e_n = u_n x_n. */
  function closedForm(p: { U: number; tauF: number; tauD: number }, T: number, nSpikes: number): number[] {
    const f = p.tauF > 0 ? Math.exp(-T / p.tauF) : 0, r = Math.exp(-T / p.tauD), q = (1 - p.U) * f;
    const out: number[] = [];
    let x = 1;
    for (let n = 1; n <= nSpikes; n++) {
      const u = (p.U * (1 - q ** n)) / (1 - q);
      out.push(u * x);
      x = 1 - r + r * (1 - u) * x;
    }
    return out;
  }
  const close = (got: number[], want: number[]) => got.forEach((g, n) => expect(Math.abs(g - want[n])).toBeLessThanOrEqual(2e-6 * want[n]));

  for (const b of BUILDS) {
    it(`${b}: depression for a high-rate train, recovery at a low rate`, () => {
      const a = arenas[b];
      const p = { U: 0.5, tauF: 0, tauD: 200 };
      const fast = train(a, p, 20, 25); // 50 Hz
      close(fast, closedForm(p, 20, 25));
      // pure depression: x_n = x_inf + (1 - x_inf) (r (1 - U))^(n-1)
      const r = Math.exp(-20 / 200), xInf = (1 - r) / (1 - r * (1 - p.U));
      fast.forEach((e, n) => expect(Math.abs(e - p.U * (xInf + (1 - xInf) * (r * (1 - p.U)) ** n))).toBeLessThan(1e-6));
      for (let n = 1; n < fast.length; n++) expect(fast[n]).toBeLessThanOrEqual(fast[n - 1]);
      for (let n = 1; n < 8; n++) expect(fast[n]).toBeLessThan(fast[n - 1]);
      expect(fast[24] / fast[0]).toBeLessThan(0.2);
      const slow = train(a, p, 1000, 10); // 1 Hz: resources recover between spikes
      close(slow, closedForm(p, 1000, 10));
      expect(slow[9] / slow[0]).toBeGreaterThan(0.99);
    });

    it(`${b}: facilitation with facilitating parameters`, () => {
      const a = arenas[b];
      const p = { U: 0.1, tauF: 500, tauD: 50 };
      const T = 50; // 20 Hz
      const e = train(a, p, T, 80);
      close(e, closedForm(p, T, 80));
      expect(e[1]).toBeGreaterThan(e[0] * 1.3);
      expect(e[4]).toBeGreaterThan(e[1]);
      const f = Math.exp(-T / p.tauF), r = Math.exp(-T / p.tauD);
      const uInf = p.U / (1 - (1 - p.U) * f), xInf = (1 - r) / (1 - r * (1 - uInf));
      expect(Math.abs(e[79] - uInf * xInf)).toBeLessThan(1e-5 * uInf * xInf);
      expect(e[79] / e[0]).toBeGreaterThan(3);
    });
  }
});

describe('escape-noise neuron', () => {
  it('fires at p = 1 - exp(-dt rho_0 exp((v - theta) / Delta_u)) for a clamped membrane', () => {
    const a = arenas.simd;
    a.reset();
    const n = 1000, steps = 600, groups = [-2, -1, 0, 1], deltaU = 0.2, rho0 = 0.05, dt = 1, theta = 1;
    const nPad = n;
    const state = a.alloc(5 * nPad * 4);
    const v = a.f32(state, n);
    for (let j = 0; j < n; j++) v[j] = theta + groups[j % 4] * deltaU;
    // clamp: alpha_m = 1, no input, no adaptation, no reset (v stays where it was put)
    const params = writeLif(a, { alphaM: 1, alphaS: 0, beta: 0, gamma: 0, vTh: theta, vReset: 0, refracHold: 0 },
      { [ESC.INV_DELTA_U]: 1 / deltaU, [ESC.DT_RHO0]: dt * rho0 });
    const rng = a.alloc(16), sb = a.alloc(n * 4), mg = a.alloc(n * 4);
    a.k.rng_seed(rng, 2024);
    const counts = [0, 0, 0, 0];
    for (let s = 0; s < steps; s++) {
      const ns = a.k.escape_step_f32(n, state, params, rng, sb, mg);
      for (const j of a.u32(sb, ns)) counts[j % 4]++;
    }
    const trials = (n / 4) * steps;
    const rows = groups.map((gq, k) => {
      const p = escapeProbability(theta + gq * deltaU, theta, deltaU, rho0, dt);
      const rate = counts[k] / trials;
      return { vMinusTheta: `${gq} du`, expected: +p.toFixed(5), measured: +rate.toFixed(5), sigmas: +((rate - p) / Math.sqrt((p * (1 - p)) / trials)).toFixed(2) };
    });
    console.log(`[escape rate, ${trials} trials per group] ${JSON.stringify(rows)}`);
    for (const row of rows) expect(Math.abs(row.sigmas)).toBeLessThan(4.5);
    for (let k = 1; k < 4; k++) expect(rows[k].measured).toBeGreaterThan(rows[k - 1].measured);
  });
});

describe('recurrent reservoir', () => {
  for (const b of BUILDS) {
    it(`${b}: sustains activity after the input stops only with its recurrent weights on`, () => {
      const run = (recurrent: boolean) => {
        const a = arenas[b];
        a.reset();
        const N = 200, nIn = 50, nE = 160, r = new Xoshiro128(5);
        // 10 % sparse recurrent matrix, Dale's law: 160 excitatory rows, 40 inhibitory (twice as strong)
        const W = new Float32Array(N * N);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) if (i !== j && r.nextFloat() < 0.1) W[i * N + j] = (i < nE ? 1 : -2) * 1.2 * (0.5 + r.nextFloat());
        }
        const csr = denseToCsr(W, N, N);
        const Win = Float32Array.from({ length: nIn * N }, () => (r.nextFloat() < 0.2 ? 1.5 * r.nextFloat() : 0));
        const st = a.alloc(5 * N * 4), params = writeLif(a, lif20());
        const pr = a.put(csr.rowPtr), pc = a.put(csr.colIdx), pv = a.put(csr.vals), pw = a.put(Win);
        const sb = a.alloc(N * 4), mg = a.alloc(N * 4), inl = a.alloc(nIn * 4);
        const cur = st + N * 4;
        const counts: number[] = [];
        for (let s = 0; s < 300; s++) {
          const ns = a.k.lif_step_f32(N, st, params, sb, mg);
          a.k.lif_reset_f32(N, st, params, sb, ns);
          counts.push(ns);
          const list: number[] = [];
          for (let k = 0; k < nIn; k++) if (r.nextFloat() < 0.2) list.push(k);
          if (s < 50) { // input for the first 50 ms only
            a.u32(inl, nIn).set(list);
            a.k.dense_accumulate_f32(pw, nIn, N, inl, list.length, cur);
          }
          // the recurrent projection: source = this step's spikes of the same population, acting from the next step
          if (recurrent) a.k.csr_accumulate_f32(pr, pc, pv, N, N, csr.nnz, sb, ns, cur, 0);
        }
        return counts;
      };
      const on = run(true), off = run(false);
      const sum = (c: number[], from: number, to: number) => c.slice(from, to).reduce((x, y) => x + y, 0);
      console.log(`[reservoir ${b}] spikes during input (0-50 ms): on ${sum(on, 0, 50)}, off ${sum(off, 0, 50)}; 200-300 ms after: on ${sum(on, 200, 300)}, off ${sum(off, 200, 300)}`);
      expect(sum(off, 0, 50)).toBeGreaterThan(100); // the input alone drives the population
      expect(sum(off, 100, 300)).toBe(0); // without recurrence activity dies with the input
      expect(on.slice(250).every((c) => c > 0)).toBe(true); // with it, it persists
      expect(sum(on, 200, 300)).toBeGreaterThan(1000);
      expect(Math.max(...on.slice(200))).toBeLessThan(200 / 3); // and is not saturated (refractory limit)
    });
  }
});
