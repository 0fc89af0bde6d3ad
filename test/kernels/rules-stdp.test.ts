/**
 * Parity of the plasticity rules triplet STDP, symmetric STDP, sign-diverse Hebbian, exponentiated
 * gradient under Dale's law, discrete-conductance synapse and Tempotron: the TypeScript reference
 * vs wasm scalar vs wasm SIMD on the same scripted event streams, at nOut in 1, 3, 4, 5, 33, 1000
 * (several SIMD iterations and a tail). SIMD and scalar are bit-identical; f32 results match the
 * reference within REL_TOL (relative 1e-6); integer states (conductance levels) exactly.
 * Then one fast-check property per rule: no sequence of events, traces or learning signals
 * drives a weight outside the rule's declared bounds.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestArena, bitsEqual } from '../helpers/arena.js';
import * as ref from '../../host/reference/kernels.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { COUNTER_COUNT, COUNTER_SLOT, HEBBSIGN, SYMSTDP, TRIPLET } from '../../host/runtime/abi.js';
import { packTripletParams, tripletPost, tripletPre, type TripletParams } from '../../host/reference/stdp-triplet.js';
import { packSymStdpParams, symStdpPost, symStdpPre, type SymStdpParams } from '../../host/reference/stdp-symmetric.js';
import { hebbSignPost, hebbSignPre, packHebbSignParams, signDiverseSigns, type HebbSignParams } from '../../host/reference/hebb-signed.js';
import { egDaleSync, egDaleUpdate, packEgDaleParams, type EgDaleParams } from '../../host/reference/eg-dale.js';
import { dcondGains, dcondLevels, dcondPost, dcondPre, dcondWeight, packDcondParams, type DcondParams } from '../../host/reference/discrete-conductance.js';
import { packTempotronParams, tempotronLearn, tempotronLif, tempotronTrack, type TempotronParams } from '../../host/reference/tempotron.js';

const SIZES = [1, 3, 4, 5, 33, 1000];
/** Written tolerance for f32 kernels against the reference: relative 1e-6 (plus 1e-30 absolute). */
const REL_TOL = 1e-6;
const NIN = 29;

const arenas = { scalar: new TestArena('scalar'), simd: new TestArena('simd') };
type Arena = TestArena;

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= REL_TOL * Math.abs(e) + 1e-30)) throw new Error(`${what}[${i}]: wasm ${a} vs reference ${e}`);
  }
}

function uniform(r: Xoshiro128, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.nextFloat());
}

/** A scripted stream of events: per step, pre and post index lists (1 in 8 out of range) and per-post / per-pre signals. */
interface Step { pre: Uint32Array; post: Uint32Array; e: Float32Array; x: Float32Array }
function script(seed: number, nIn: number, nOut: number, steps: number, maxPre = 4, maxPost = 3): Step[] {
  const r = new Xoshiro128(seed);
  const list = (n: number, max: number) => Uint32Array.from({ length: r.nextInt(max + 1) }, () => (r.nextInt(8) === 0 ? n + r.nextInt(3) : r.nextInt(n)));
  return Array.from({ length: steps }, () => ({
    pre: list(nIn, maxPre), post: list(nOut, maxPost), e: uniform(r, nOut, -1, 1), x: uniform(r, nIn, 0, 1),
  }));
}

function listBuf(a: Arena): { ptr: number; set(l: Uint32Array): number } {
  const ptr = a.alloc(64 * 4);
  return { ptr, set: (l) => { a.u32(ptr, l.length).set(l); return l.length; } };
}

function counters(a: Arena): { ptr: number; read(): Float64Array } {
  const ptr = a.alloc(COUNTER_COUNT * 8);
  a.k.counters_bind(ptr);
  return { ptr, read: () => new Float64Array(a.memory.buffer, ptr, COUNTER_COUNT).slice() };
}

// ── triplet STDP ─────────────────────────────────────────────────────────────────────────────
const tripletCfg = (soft: boolean, nearest: boolean): TripletParams => ({
  a2Plus: 0.05, a3Plus: 0.08, a2Minus: 0.06, a3Minus: 0.01, wMin: 0, wMax: 1, soft, nearest,
  tauPlus: 16.8, tauX: 101, tauMinus: 33.7, tauY: 125, dtMs: 1,
});

function tripletWasm(a: Arena, nIn: number, nOut: number, p: TripletParams, sc: Step[], w0: Float32Array) {
  a.reset();
  const pk = packTripletParams(p);
  const pw = a.put(w0), r1 = a.alloc(nIn * 4), r2 = a.alloc(nIn * 4), o1 = a.alloc(nOut * 4), o2 = a.alloc(nOut * 4), pp = a.put(pk);
  const pre = listBuf(a), post = listBuf(a);
  for (const s of sc) {
    a.k.trace_decay_f32(r1, nIn, pk[TRIPLET.ALPHA_R1], 1e-30);
    a.k.trace_decay_f32(r2, nIn, pk[TRIPLET.ALPHA_R2], 1e-30);
    a.k.trace_decay_f32(o1, nOut, pk[TRIPLET.ALPHA_O1], 1e-30);
    a.k.trace_decay_f32(o2, nOut, pk[TRIPLET.ALPHA_O2], 1e-30);
    a.k.triplet_pre_f32(pw, nIn, nOut, pre.ptr, pre.set(s.pre), r1, r2, o1, pp);
    a.k.triplet_post_f32(pw, nIn, nOut, post.ptr, post.set(s.post), r1, o1, o2, pp);
  }
  return { w: a.f32(pw, nIn * nOut).slice(), r1: a.f32(r1, nIn).slice(), r2: a.f32(r2, nIn).slice(), o1: a.f32(o1, nOut).slice(), o2: a.f32(o2, nOut).slice() };
}

function tripletRef(nIn: number, nOut: number, p: TripletParams, sc: Step[], w0: Float32Array) {
  const pk = packTripletParams(p);
  const w = w0.slice(), r1 = new Float32Array(nIn), r2 = new Float32Array(nIn), o1 = new Float32Array(nOut), o2 = new Float32Array(nOut);
  for (const s of sc) {
    ref.traceDecay(r1, nIn, pk[TRIPLET.ALPHA_R1], 1e-30);
    ref.traceDecay(r2, nIn, pk[TRIPLET.ALPHA_R2], 1e-30);
    ref.traceDecay(o1, nOut, pk[TRIPLET.ALPHA_O1], 1e-30);
    ref.traceDecay(o2, nOut, pk[TRIPLET.ALPHA_O2], 1e-30);
    tripletPre(w, nIn, nOut, s.pre, s.pre.length, r1, r2, o1, p);
    tripletPost(w, nIn, nOut, s.post, s.post.length, r1, o1, o2, p);
  }
  return { w, r1, r2, o1, o2 };
}

describe('triplet STDP', () => {
  for (const nOut of SIZES) {
    for (const [soft, nearest] of [[false, false], [true, true], [false, true]] as const) {
      it(`nOut=${nOut} ${soft ? 'multiplicative' : 'additive'}, ${nearest ? 'nearest-spike' : 'all-to-all'}`, () => {
        const p = tripletCfg(soft, nearest);
        const sc = script(200 + nOut, NIN, nOut, 30);
        const w0 = uniform(new Xoshiro128(7 + nOut), NIN * nOut, 0, 1);
        const s = tripletWasm(arenas.scalar, NIN, nOut, p, sc, w0);
        const v = tripletWasm(arenas.simd, NIN, nOut, p, sc, w0);
        const r = tripletRef(NIN, nOut, p, sc, w0);
        for (const k of ['w', 'r1', 'r2', 'o1', 'o2'] as const) {
          expect(bitsEqual(v[k], s[k]), k).toBe(true);
          expectClose(s[k], r[k], k);
        }
        expect(bitsEqual(s.w, w0)).toBe(false);
      });
    }
  }
});

// ── symmetric STDP (+ synaptic scaling composed from scale_columns_f32) ─────────────────────
const symCfg = (soft: boolean, nearest: boolean): SymStdpParams => ({
  etaPre: 0.02, etaPost: 0.03, wMin: 0, wMax: 1, soft, impulsePre: 1, impulsePost: 1, nearest, tauPre: 20, tauPost: 20, dtMs: 1, scaleTarget: 4,
});

function symWasm(a: Arena, nIn: number, nOut: number, p: SymStdpParams, sc: Step[], w0: Float32Array) {
  a.reset();
  const pk = packSymStdpParams(p);
  const pw = a.put(w0), x = a.alloc(nIn * 4), y = a.alloc(nOut * 4), pp = a.put(pk);
  const pre = listBuf(a), post = listBuf(a);
  sc.forEach((s, t) => {
    a.k.trace_decay_f32(x, nIn, pk[SYMSTDP.ALPHA_PRE], 1e-30);
    a.k.trace_decay_f32(y, nOut, pk[SYMSTDP.ALPHA_POST], 1e-30);
    a.k.symstdp_pre_f32(pw, nIn, nOut, pre.ptr, pre.set(s.pre), x, y, pp);
    const np = post.set(s.post);
    a.k.symstdp_post_f32(pw, nIn, nOut, post.ptr, np, x, y, pp);
    if (t % 5 === 4) a.k.scale_columns_f32(pw, nIn, nOut, post.ptr, np, pk[SYMSTDP.SCALE_TARGET], 0);
  });
  return { w: a.f32(pw, nIn * nOut).slice(), x: a.f32(x, nIn).slice(), y: a.f32(y, nOut).slice() };
}

function symRef(nIn: number, nOut: number, p: SymStdpParams, sc: Step[], w0: Float32Array) {
  const pk = packSymStdpParams(p);
  const w = w0.slice(), x = new Float32Array(nIn), y = new Float32Array(nOut);
  sc.forEach((s, t) => {
    ref.traceDecay(x, nIn, pk[SYMSTDP.ALPHA_PRE], 1e-30);
    ref.traceDecay(y, nOut, pk[SYMSTDP.ALPHA_POST], 1e-30);
    symStdpPre(w, nIn, nOut, s.pre, s.pre.length, x, y, p);
    symStdpPost(w, nIn, nOut, s.post, s.post.length, x, y, p);
    if (t % 5 === 4) ref.scaleColumns(w, nIn, nOut, s.post, s.post.length, pk[SYMSTDP.SCALE_TARGET], false);
  });
  return { w, x, y };
}

describe('symmetric STDP with synaptic scaling', () => {
  for (const nOut of SIZES) {
    for (const [soft, nearest] of [[false, false], [true, true]] as const) {
      it(`nOut=${nOut} ${soft ? 'multiplicative, nearest' : 'additive, all-to-all'}`, () => {
        const p = symCfg(soft, nearest);
        const sc = script(300 + nOut, NIN, nOut, 30);
        const w0 = uniform(new Xoshiro128(9 + nOut), NIN * nOut, 0, 0.2);
        const s = symWasm(arenas.scalar, NIN, nOut, p, sc, w0);
        const v = symWasm(arenas.simd, NIN, nOut, p, sc, w0);
        const r = symRef(NIN, nOut, p, sc, w0);
        for (const k of ['w', 'x', 'y'] as const) {
          expect(bitsEqual(v[k], s[k]), k).toBe(true);
          expectClose(s[k], r[k], k);
        }
      });
    }
  }

  it('potentiates for both spike orders, by the same amount for the same |dt|', () => {
    const p = { ...symCfg(false, false), etaPre: 0.01, etaPost: 0.01 };
    const pk = packSymStdpParams(p);
    const dw: number[] = [];
    for (const order of ['pre-post', 'post-pre']) {
      const a = arenas.simd;
      a.reset();
      const pw = a.put(new Float32Array([0.5])), x = a.alloc(4), y = a.alloc(4), pp = a.put(pk), l = a.put(new Uint32Array([0]));
      for (let t = 0; t <= 10; t++) {
        a.k.trace_decay_f32(x, 1, pk[SYMSTDP.ALPHA_PRE], 1e-30);
        a.k.trace_decay_f32(y, 1, pk[SYMSTDP.ALPHA_POST], 1e-30);
        const preNow = order === 'pre-post' ? t === 0 : t === 10;
        const postNow = order === 'pre-post' ? t === 10 : t === 0;
        a.k.symstdp_pre_f32(pw, 1, 1, l, preNow ? 1 : 0, x, y, pp);
        a.k.symstdp_post_f32(pw, 1, 1, l, postNow ? 1 : 0, x, y, pp);
      }
      dw.push(a.f32(pw, 1)[0] - 0.5);
    }
    const expected = 0.01 * Math.exp(-10 / 20);
    expect(dw[0]).toBeCloseTo(expected, 6);
    expect(dw[1]).toBeCloseTo(expected, 6);
  });
});

// ── sign-diverse Hebbian ────────────────────────────────────────────────────────────────────
const hebbCfg = (soft: boolean, nearest: boolean): HebbSignParams => ({
  etaPre: 0.03, etaPost: 0.04, wMin: -1, wMax: 1, soft, impulsePre: 1, impulsePost: 1, nearest, tauPre: 20, tauPost: 20, dtMs: 1,
});

function hebbWasm(a: Arena, nIn: number, nOut: number, p: HebbSignParams, sc: Step[], w0: Float32Array, sign: Float32Array) {
  a.reset();
  const pk = packHebbSignParams(p);
  const pw = a.put(w0), x = a.alloc(nIn * 4), y = a.alloc(nOut * 4), ps = a.put(sign), pp = a.put(pk);
  const pre = listBuf(a), post = listBuf(a);
  for (const s of sc) {
    a.k.trace_decay_f32(x, nIn, pk[HEBBSIGN.ALPHA_PRE], 1e-30);
    a.k.trace_decay_f32(y, nOut, pk[HEBBSIGN.ALPHA_POST], 1e-30);
    a.k.hebbsign_pre_f32(pw, nIn, nOut, pre.ptr, pre.set(s.pre), x, y, ps, pp);
    a.k.hebbsign_post_f32(pw, nIn, nOut, post.ptr, post.set(s.post), x, y, ps, pp);
  }
  return { w: a.f32(pw, nIn * nOut).slice(), x: a.f32(x, nIn).slice(), y: a.f32(y, nOut).slice() };
}

function hebbRef(nIn: number, nOut: number, p: HebbSignParams, sc: Step[], w0: Float32Array, sign: Float32Array) {
  const pk = packHebbSignParams(p);
  const w = w0.slice(), x = new Float32Array(nIn), y = new Float32Array(nOut);
  for (const s of sc) {
    ref.traceDecay(x, nIn, pk[HEBBSIGN.ALPHA_PRE], 1e-30);
    ref.traceDecay(y, nOut, pk[HEBBSIGN.ALPHA_POST], 1e-30);
    hebbSignPre(w, nIn, nOut, s.pre, s.pre.length, x, y, sign, p);
    hebbSignPost(w, nIn, nOut, s.post, s.post.length, x, y, sign, p);
  }
  return { w, x, y };
}

describe('sign-diverse Hebbian plasticity', () => {
  for (const nOut of SIZES) {
    for (const [soft, nearest] of [[false, false], [true, true]] as const) {
      it(`nOut=${nOut} ${soft ? 'multiplicative, nearest' : 'additive, all-to-all'}`, () => {
        const p = hebbCfg(soft, nearest);
        const sign = signDiverseSigns(nOut, 0.4, 5 + nOut);
        const sc = script(400 + nOut, NIN, nOut, 30);
        const w0 = uniform(new Xoshiro128(11 + nOut), NIN * nOut, -0.5, 0.5);
        const s = hebbWasm(arenas.scalar, NIN, nOut, p, sc, w0, sign);
        const v = hebbWasm(arenas.simd, NIN, nOut, p, sc, w0, sign);
        const r = hebbRef(NIN, nOut, p, sc, w0, sign);
        for (const k of ['w', 'x', 'y'] as const) {
          expect(bitsEqual(v[k], s[k]), k).toBe(true);
          expectClose(s[k], r[k], k);
        }
      });
    }
  }

  it('the sign array has exactly round(fraction * n) flipped neurons', () => {
    for (const f of [0, 0.1, 0.25, 0.5, 1]) {
      const s = signDiverseSigns(40, f, 3);
      expect(s.filter((v) => v === -1).length).toBe(Math.round(f * 40));
      expect(s.every((v) => v === 1 || v === -1)).toBe(true);
    }
    expect(() => signDiverseSigns(4, 1.5, 1)).toThrow(RangeError);
  });
});

// ── exponentiated gradient under Dale's law ─────────────────────────────────────────────────
const egCfg: EgDaleParams = { lr: 0.3, wAbsMin: 1e-4, wAbsMax: 2 };

function egStreams(seed: number, nIn: number, nOut: number, steps: number) {
  const r = new Xoshiro128(seed);
  const sign = signDiverseSigns(nIn, 0.3, seed);
  const theta0 = uniform(r, nIn * nOut, -6, 0.5);
  const sc = script(seed + 1, nIn, nOut, steps, 6, 0).map((s) => {
    for (let i = 0; i < s.x.length; i++) if (r.nextInt(5) === 0) s.x[i] = 0;
    const e = uniform(r, nOut, -2, 2);
    if (nOut > 2 && r.nextInt(3) === 0) { e[0] = Infinity; e[1] = -Infinity; e[2] = NaN; }
    return { ...s, e };
  });
  return { sign, theta0, sc };
}

function egWasm(a: Arena, nIn: number, nOut: number, st: ReturnType<typeof egStreams>) {
  a.reset();
  const pw = a.alloc(nIn * nOut * 4), pt = a.put(st.theta0), ps = a.put(st.sign), pp = a.put(packEgDaleParams(egCfg));
  const px = a.alloc(nIn * 4), pe = a.alloc(nOut * 4), pre = listBuf(a);
  a.k.egdale_sync_f32(pw, pt, nIn, nOut, ps, pp);
  for (const s of st.sc) {
    a.f32(px, nIn).set(s.x);
    a.f32(pe, nOut).set(s.e);
    a.k.egdale_update_f32(pw, pt, nIn, nOut, pre.ptr, pre.set(s.pre), px, pe, ps, pp);
  }
  return { w: a.f32(pw, nIn * nOut).slice(), theta: a.f32(pt, nIn * nOut).slice() };
}

function egRef(nIn: number, nOut: number, st: ReturnType<typeof egStreams>) {
  const w = new Float32Array(nIn * nOut), theta = st.theta0.slice();
  egDaleSync(w, theta, nIn, nOut, st.sign, egCfg);
  for (const s of st.sc) egDaleUpdate(w, theta, nIn, nOut, s.pre, s.pre.length, s.x, s.e, st.sign, egCfg);
  return { w, theta };
}

describe("exponentiated gradient under Dale's law", () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}`, () => {
      const st = egStreams(500 + nOut, NIN, nOut, 25);
      const s = egWasm(arenas.scalar, NIN, nOut, st);
      const v = egWasm(arenas.simd, NIN, nOut, st);
      const r = egRef(NIN, nOut, st);
      expect(bitsEqual(v.w, s.w) && bitsEqual(v.theta, s.theta)).toBe(true);
      expectClose(s.theta, r.theta, 'theta');
      expectClose(s.w, r.w, 'w');
      for (let q = 0; q < s.w.length; q++) expect(Math.sign(s.w[q])).toBe(st.sign[Math.floor(q / nOut)] < 0 ? -1 : 1);
    });
  }

  it('the polynomial exp is within 4 ulp of exp over the whole theta range', () => {
    const a = arenas.simd;
    a.reset();
    const n = 4000;
    const t = Float32Array.from({ length: n }, (_, k) => -87 + (175 * k) / (n - 1));
    const pt = a.put(t), pw = a.alloc(n * 4), ps = a.put(new Float32Array([1])), pp = a.put(packEgDaleParams({ lr: 0, wAbsMin: 1e-37, wAbsMax: 1e38 }));
    a.k.egdale_sync_f32(pw, pt, 1, n, ps, pp);
    const w = a.f32(pw, n);
    for (let k = 0; k < n; k++) {
      const e = Math.exp(a.f32(pt, n)[k]);
      if (e < 1e-37 || e > 1e38) continue;
      expect(Math.abs(w[k] - e) / e).toBeLessThan(4 * 2 ** -23);
    }
  });
});

// ── discrete-conductance synapse ────────────────────────────────────────────────────────────
const dcCfg = (unidirectional: boolean): DcondParams => ({ wMin: -0.5, wMax: 1, levels: 16, stepUp: 1, stepDown: 2, unidirectional, xTh: 0.5, eTh: 0.3 });

function dcInit(seed: number, nIn: number, nOut: number, p: DcondParams, nu = 3) {
  const r = new Xoshiro128(seed);
  const table = dcondLevels(p.levels, nu, p.wMin, p.wMax);
  const gain = dcondGains(nIn * nOut, 0.4, seed + 1);
  const level = Uint8Array.from({ length: nIn * nOut }, () => r.nextInt(p.levels));
  const w = Float32Array.from(level, (n, q) => dcondWeight(n, gain[q], table, p.wMin, p.wMax));
  return { table, gain, level, w };
}

function dcWasm(a: Arena, nIn: number, nOut: number, p: DcondParams, sc: Step[], init: ReturnType<typeof dcInit>) {
  a.reset();
  const pw = a.put(init.w), pg = a.put(init.gain), pt = a.put(init.table), pp = a.put(packDcondParams(p));
  const pl = a.alloc(nIn * nOut);
  new Uint8Array(a.memory.buffer, pl, nIn * nOut).set(init.level);
  const pe = a.alloc(nOut * 4), px = a.alloc(nIn * 4), pre = listBuf(a), post = listBuf(a);
  for (const s of sc) {
    a.f32(pe, nOut).set(s.e);
    a.f32(px, nIn).set(s.x);
    a.k.dcond_pre_f32(pw, pl, pg, nIn, nOut, pre.ptr, pre.set(s.pre), pe, pt, pp);
    a.k.dcond_post_f32(pw, pl, pg, nIn, nOut, post.ptr, post.set(s.post), px, pt, pp);
  }
  return { w: a.f32(pw, nIn * nOut).slice(), level: new Uint8Array(a.memory.buffer, pl, nIn * nOut).slice() };
}

function dcRef(nIn: number, nOut: number, p: DcondParams, sc: Step[], init: ReturnType<typeof dcInit>) {
  const w = init.w.slice(), level = init.level.slice();
  for (const s of sc) {
    dcondPre(w, level, init.gain, nIn, nOut, s.pre, s.pre.length, s.e, init.table, p);
    dcondPost(w, level, init.gain, nIn, nOut, s.post, s.post.length, s.x, init.table, p);
  }
  return { w, level };
}

describe('discrete-conductance synapse', () => {
  for (const nOut of SIZES) {
    for (const uni of [false, true]) {
      it(`nOut=${nOut} ${uni ? 'unidirectional' : 'bidirectional'}`, () => {
        const p = dcCfg(uni);
        const sc = script(600 + nOut, NIN, nOut, 30);
        const init = dcInit(60 + nOut, NIN, nOut, p);
        const s = dcWasm(arenas.scalar, NIN, nOut, p, sc, init);
        const v = dcWasm(arenas.simd, NIN, nOut, p, sc, init);
        const r = dcRef(NIN, nOut, p, sc, init);
        expect(bitsEqual(v.w, s.w)).toBe(true);
        expect(Array.from(v.level)).toEqual(Array.from(s.level));
        expect(Array.from(s.level)).toEqual(Array.from(r.level));
        expectClose(s.w, r.w, 'w');
        if (uni) for (let q = 0; q < s.level.length; q++) expect(s.level[q]).toBeGreaterThanOrEqual(init.level[q]);
      });
    }
  }
});

// ── Tempotron ───────────────────────────────────────────────────────────────────────────────
function tempoSetup(nOut: number) {
  const m = tempotronLif(15, 3.75, 1);
  const p: TempotronParams = { vTh: 0.6, lr: 0.05, wMin: -1, wMax: 1, kScale: m.kScale, alphaM: m.alphaM, alphaS: m.alphaS };
  const r = new Xoshiro128(700 + nOut);
  const w0 = uniform(r, NIN * nOut, -0.3, 0.5);
  const patterns = [0, 1, 2].map(() => Array.from({ length: 40 }, () => Uint32Array.from({ length: r.nextInt(3) }, () => r.nextInt(NIN))));
  const targets = patterns.map(() => Int32Array.from({ length: nOut }, () => r.nextInt(2)));
  return { m, p, w0, patterns, targets };
}

function tempoWasm(a: Arena, nOut: number, su: ReturnType<typeof tempoSetup>) {
  a.reset();
  const nPad = Math.ceil(nOut / 4) * 4;
  const lp = a.alloc(64);
  const lf = a.f32(lp, 16), li = a.i32(lp, 16);
  const L = su.m.lif;
  lf[0] = L.alphaM; lf[1] = L.alphaS; lf[2] = L.beta; lf[3] = L.gamma; lf[4] = L.vTh; lf[5] = L.vReset; li[6] = 0; li[7] = 0; lf[8] = L.alphaB; lf[9] = 0;
  const state = a.alloc(5 * nPad * 4), sb = a.alloc(nPad * 4), mg = a.alloc(nPad * 4);
  const pw = a.put(su.w0), pe = a.alloc(NIN * nOut * 4), ka = a.alloc(NIN * 4), kb = a.alloc(NIN * 4);
  const vmax = a.alloc(nPad * 4), flag = a.alloc(nPad * 4), tgt = a.alloc(nPad * 4), err = a.alloc(nPad * 4), pp = a.put(packTempotronParams(su.p));
  const ev = listBuf(a);
  const errors: number[] = [];
  su.patterns.forEach((pat, q) => {
    new Uint8Array(a.memory.buffer, state, 5 * nPad * 4).fill(0);
    a.f32(ka, NIN).fill(0); a.f32(kb, NIN).fill(0);
    a.f32(vmax, nOut).fill(-Infinity);
    for (const spikes of pat) {
      a.k.lif_step_f32(nOut, state, lp, sb, mg);
      a.k.trace_decay_f32(ka, NIN, su.p.alphaM, 1e-30);
      a.k.trace_decay_f32(kb, NIN, su.p.alphaS, 1e-30);
      a.k.tempotron_track_f32(pe, NIN, nOut, state, vmax, flag, ka, kb, pp);
      const n = ev.set(spikes);
      a.k.dense_accumulate_f32(pw, NIN, nOut, ev.ptr, n, state + nPad * 4);
      a.k.trace_bump_f32(ka, NIN, ev.ptr, n, 1, 0);
      a.k.trace_bump_f32(kb, NIN, ev.ptr, n, 1, 0);
    }
    a.i32(tgt, nOut).set(su.targets[q]);
    errors.push(a.k.tempotron_learn_f32(pw, pe, NIN, nOut, vmax, tgt, err, pp));
  });
  return { w: a.f32(pw, NIN * nOut).slice(), e: a.f32(pe, NIN * nOut).slice(), vmax: a.f32(vmax, nOut).slice(), errors };
}

function tempoRef(nOut: number, su: ReturnType<typeof tempoSetup>) {
  const w = su.w0.slice(), e = new Float32Array(NIN * nOut), vmax = new Float32Array(nOut);
  const errors: number[] = [];
  const spk = new Uint32Array(nOut), mg = new Float32Array(nOut);
  su.patterns.forEach((pat, q) => {
    const st: ref.LifState = { v: new Float32Array(nOut), i: new Float32Array(nOut), refr: new Int32Array(nOut), b: new Float32Array(nOut), bias: new Float32Array(nOut) };
    const a = new Float32Array(NIN), b = new Float32Array(NIN);
    vmax.fill(-Infinity);
    for (const spikes of pat) {
      ref.lifStep(nOut, st, su.m.lif, spk, mg);
      ref.traceDecay(a, NIN, su.p.alphaM, 1e-30);
      ref.traceDecay(b, NIN, su.p.alphaS, 1e-30);
      tempotronTrack(e, NIN, nOut, st.v, vmax, a, b, su.p);
      ref.denseAccumulateF32(w, NIN, nOut, spikes, spikes.length, st.i);
      ref.traceBump(a, NIN, spikes, spikes.length, 1, false);
      ref.traceBump(b, NIN, spikes, spikes.length, 1, false);
    }
    errors.push(tempotronLearn(w, e, NIN, nOut, vmax, su.targets[q], su.p));
  });
  return { w, e, vmax, errors };
}

describe('Tempotron', () => {
  for (const nOut of SIZES) {
    it(`nOut=${nOut}`, () => {
      const su = tempoSetup(nOut);
      const s = tempoWasm(arenas.scalar, nOut, su);
      const v = tempoWasm(arenas.simd, nOut, su);
      const r = tempoRef(nOut, su);
      expect(bitsEqual(v.w, s.w) && bitsEqual(v.e, s.e) && bitsEqual(v.vmax, s.vmax)).toBe(true);
      expect(v.errors).toEqual(s.errors);
      expect(s.errors).toEqual(r.errors);
      expectClose(s.vmax, r.vmax, 'vmax');
      expectClose(s.e, r.e, 'E');
      expectClose(s.w, r.w, 'w');
      if (nOut >= 4) expect(s.errors.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    });
  }

  it('the eligibility at t_max is dV(t_max)/dw: one input spike, E equals V_max / w', () => {
    const su = tempoSetup(1);
    const a = arenas.simd;
    a.reset();
    const L = su.m.lif;
    const lp = a.alloc(64);
    const lf = a.f32(lp, 16);
    lf[0] = L.alphaM; lf[1] = L.alphaS; lf[2] = L.beta; lf[3] = L.gamma; lf[4] = L.vTh; lf[8] = 1;
    const state = a.alloc(5 * 4 * 4), sb = a.alloc(16), mg = a.alloc(16);
    const pw = a.put(new Float32Array([0.4])), pe = a.alloc(4), ka = a.alloc(4), kb = a.alloc(4), vmax = a.put(new Float32Array([-Infinity]));
    const flag = a.alloc(16), pp = a.put(packTempotronParams(su.p)), ev = a.put(new Uint32Array([0]));
    for (let t = 0; t < 60; t++) {
      a.k.lif_step_f32(1, state, lp, sb, mg);
      a.k.trace_decay_f32(ka, 1, su.p.alphaM, 1e-30);
      a.k.trace_decay_f32(kb, 1, su.p.alphaS, 1e-30);
      a.k.tempotron_track_f32(pe, 1, 1, state, vmax, flag, ka, kb, pp);
      const n = t === 5 ? 1 : 0;
      a.k.dense_accumulate_f32(pw, 1, 1, ev, n, state + 16);
      a.k.trace_bump_f32(ka, 1, ev, n, 1, 0);
      a.k.trace_bump_f32(kb, 1, ev, n, 1, 0);
    }
    const vm = a.f32(vmax, 1)[0], e = a.f32(pe, 1)[0];
    expect(vm).toBeGreaterThan(0);
    expect(Math.abs(e * 0.4 - vm) / vm).toBeLessThan(1e-5);
  });
});

// ── counters ────────────────────────────────────────────────────────────────────────────────
describe('counters', () => {
  it('weight updates, trace updates and dropped events are counted', () => {
    const a = arenas.simd;
    a.reset();
    const nIn = 6, nOut = 5;
    const c = counters(a);
    const pk = packTripletParams(tripletCfg(false, false));
    const pw = a.alloc(nIn * nOut * 4), r1 = a.alloc(32), r2 = a.alloc(32), o1 = a.alloc(32), o2 = a.alloc(32), pp = a.put(pk);
    a.k.triplet_pre_f32(pw, nIn, nOut, a.put(new Uint32Array([1, 2, 99])), 3, r1, r2, o1, pp);
    a.k.triplet_post_f32(pw, nIn, nOut, a.put(new Uint32Array([4])), 1, r1, o1, o2, pp);
    const got = c.read();
    expect(got[COUNTER_SLOT.weightUpdates]).toBe(2 * nOut + nIn);
    expect(got[COUNTER_SLOT.traceUpdates]).toBe(6);
    expect(got[COUNTER_SLOT.eventsDropped]).toBe(1);
    expect(got[COUNTER_SLOT.kernelCalls]).toBe(2);
    a.k.counters_bind(0);
  });
});

// ── bounds (property tests) ─────────────────────────────────────────────────────────────────
const RUNS = 40;
const boundsArb = fc.record({
  lo: fc.float({ min: -2, max: 1, noNaN: true }),
  span: fc.float({ min: Math.fround(1e-3), max: 3, noNaN: true }),
});

function inBounds(w: Float32Array, lo: number, hi: number): boolean {
  const l = Math.fround(lo), h = Math.fround(hi);
  return w.every((v) => v >= l && v <= h);
}

describe('no rule drives a weight outside its declared bounds', () => {
  it('triplet STDP (large amplitudes, all-to-all traces that grow past 1)', () => {
    fc.assert(fc.property(boundsArb, fc.boolean(), fc.boolean(), fc.float({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 1, max: 9 }), fc.nat(1e6),
      (b, soft, nearest, amp, nOut, seed) => {
        const p: TripletParams = { ...tripletCfg(soft, nearest), a2Plus: amp, a3Plus: amp, a2Minus: amp, a3Minus: amp, wMin: b.lo, wMax: b.lo + b.span };
        const w0 = uniform(new Xoshiro128(seed), 7 * nOut, p.wMin, p.wMax).map((v) => Math.min(Math.max(v, Math.fround(p.wMin)), Math.fround(p.wMax)));
        return inBounds(tripletWasm(arenas.simd, 7, nOut, p, script(seed, 7, nOut, 20, 6, 6), w0).w, p.wMin, p.wMax);
      }), { numRuns: RUNS });
  });

  it('symmetric STDP with L1 scaling (w_min = 0, target <= 0.999 w_max)', () => {
    fc.assert(fc.property(fc.float({ min: Math.fround(0.01), max: 3, noNaN: true }), fc.float({ min: Math.fround(0.01), max: Math.fround(0.999), noNaN: true }), fc.boolean(), fc.float({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 1, max: 9 }), fc.nat(1e6),
      (wMax, frac, soft, eta, nOut, seed) => {
        const p: SymStdpParams = { ...symCfg(soft, false), etaPre: eta, etaPost: eta, wMin: 0, wMax, scaleTarget: Math.fround(wMax * frac) };
        const w0 = uniform(new Xoshiro128(seed), 7 * nOut, 0, Math.fround(wMax));
        return inBounds(symWasm(arenas.simd, 7, nOut, p, script(seed, 7, nOut, 20, 6, 6), w0).w, 0, wMax);
      }), { numRuns: RUNS });
  });

  it('sign-diverse Hebbian (any flip fraction)', () => {
    fc.assert(fc.property(boundsArb, fc.boolean(), fc.float({ min: 0, max: 5, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 9 }), fc.nat(1e6),
      (b, soft, eta, frac, nOut, seed) => {
        const p: HebbSignParams = { ...hebbCfg(soft, false), etaPre: eta, etaPost: eta, wMin: b.lo, wMax: b.lo + b.span };
        const w0 = uniform(new Xoshiro128(seed), 7 * nOut, p.wMin, p.wMax).map((v) => Math.min(Math.max(v, Math.fround(p.wMin)), Math.fround(p.wMax)));
        return inBounds(hebbWasm(arenas.simd, 7, nOut, p, script(seed, 7, nOut, 20, 6, 6), w0, signDiverseSigns(nOut, frac, seed)).w, p.wMin, p.wMax);
      }), { numRuns: RUNS });
  });

  it("exponentiated gradient: the sign never changes and |w| stays in [|w|min, |w|max], whatever the signal", () => {
    const signal = fc.oneof(fc.float({ noNaN: false }), fc.constantFrom(Infinity, -Infinity, NaN, 1e30, -1e30, 0));
    fc.assert(fc.property(fc.float({ min: Math.fround(1e-6), max: 1, noNaN: true }), fc.float({ min: 1, max: 1e6, noNaN: true }), fc.float({ min: 0, max: 100, noNaN: true }),
      fc.integer({ min: 1, max: 9 }), fc.array(signal, { minLength: 9 * 20, maxLength: 9 * 20 }), fc.nat(1e6),
      (amin, ratio, lr, nOut, sig, seed) => {
        const cfg: EgDaleParams = { lr, wAbsMin: amin, wAbsMax: Math.fround(amin * ratio) };
        const nIn = 7, a = arenas.simd;
        a.reset();
        const r = new Xoshiro128(seed);
        const sign = Float32Array.from({ length: nIn }, () => (r.nextInt(2) ? 1 : -1));
        const pw = a.alloc(nIn * nOut * 4), pt = a.put(uniform(r, nIn * nOut, -100, 100)), ps = a.put(sign), pp = a.put(packEgDaleParams(cfg));
        const px = a.put(Float32Array.from({ length: nIn }, () => (r.nextInt(3) === 0 ? sig[r.nextInt(sig.length)] : r.nextFloat()))), pe = a.alloc(nOut * 4);
        const pre = a.put(Uint32Array.from({ length: nIn }, (_, i) => i));
        a.k.egdale_sync_f32(pw, pt, nIn, nOut, ps, pp);
        for (let t = 0; t < 20; t++) {
          a.f32(pe, nOut).set(sig.slice(t * nOut, (t + 1) * nOut));
          a.k.egdale_update_f32(pw, pt, nIn, nOut, pre, nIn, px, pe, ps, pp);
        }
        const w = a.f32(pw, nIn * nOut);
        for (let q = 0; q < w.length; q++) {
          const s = sign[Math.floor(q / nOut)];
          const m = s * w[q];
          if (!(m >= Math.fround(cfg.wAbsMin) && m <= Math.fround(cfg.wAbsMax))) return false;
        }
        return true;
      }), { numRuns: RUNS });
  });

  it('discrete-conductance synapse: on one of its N levels, inside [w_min, w_max]', () => {
    fc.assert(fc.property(boundsArb, fc.integer({ min: 2, max: 256 }), fc.float({ min: 0, max: 8, noNaN: true }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }),
      fc.boolean(), fc.integer({ min: 1, max: 9 }), fc.nat(1e6),
      (b, levels, nu, up, down, uni, nOut, seed) => {
        const p: DcondParams = { wMin: b.lo, wMax: b.lo + b.span, levels, stepUp: up, stepDown: down, unidirectional: uni, xTh: 0.5, eTh: 0.2 };
        const nIn = 7;
        const init = dcInit(seed, nIn, nOut, p, nu);
        const out = dcWasm(arenas.simd, nIn, nOut, p, script(seed, nIn, nOut, 20, 6, 6), init);
        for (let q = 0; q < out.w.length; q++) {
          if (out.level[q] > levels - 1) return false;
          if (out.w[q] !== Math.fround(dcondWeight(out.level[q], init.gain[q], init.table, p.wMin, p.wMax))) return false;
        }
        return inBounds(out.w, p.wMin, p.wMax);
      }), { numRuns: RUNS });
  });

  it('Tempotron (large learning rates)', () => {
    fc.assert(fc.property(boundsArb, fc.float({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 1, max: 9 }), fc.nat(1e6),
      (b, lr, nOut, seed) => {
        const su = tempoSetup(nOut);
        su.p = { ...su.p, lr, wMin: b.lo, wMax: b.lo + b.span, vTh: 0.05 };
        su.w0 = uniform(new Xoshiro128(seed), NIN * nOut, su.p.wMin, su.p.wMax).map((v) => Math.min(Math.max(v, Math.fround(su.p.wMin)), Math.fround(su.p.wMax)));
        return inBounds(tempoWasm(arenas.simd, nOut, su).w, su.p.wMin, su.p.wMax);
      }), { numRuns: RUNS });
  });
});

