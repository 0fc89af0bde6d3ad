/**
 * Reference twin of assembly/plasticity/stdp_i8.ts: pair STDP on int8 weights w = s q with
 * stochastic rounding, drawing from the same xoshiro128** stream in the same synapse order.
 */
import type { Xoshiro128 } from '../util/prng.js';
import { traceBump, type StdpParams } from './kernels.js';

const fr = Math.fround;

function uniform(rng: Xoshiro128): number {
  return fr((rng.nextU32() >>> 8) * 5.9604644775390625e-8);
}

function step(q: number, dq: number, rng: Xoshiro128, qmin: number, qmax: number): number {
  const n = q + Math.floor(fr(dq + uniform(rng)));
  return n < qmin ? qmin : n > qmax ? qmax : n;
}

function delta(w: number, d: number, soft: boolean, lo: number, hi: number): number {
  if (soft) return d > 0 ? fr(d * fr(hi - w)) : fr(d * fr(w - lo));
  return fr(Math.min(Math.max(fr(w + d), lo), hi) - w);
}

export function stdpPreI8(w: Int8Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams, s: number, rng: Xoshiro128): void {
  traceBump(preTrace, nIn, pre, nPre, p.impulsePre, p.nearest);
  const em = fr(p.etaMinus), lo = fr(p.wMin), hi = fr(p.wMax), qs = fr(s), inv = fr(1 / qs);
  if (em === 0 || nPre === 0) return;
  const qmin = Math.round(fr(lo * inv)), qmax = Math.round(fr(hi * inv));
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    for (let j = 0; j < nOut; j++) {
      const q = w[i * nOut + j];
      const dw = delta(fr(q * qs), fr(-em * postTrace[j]), p.soft, lo, hi);
      w[i * nOut + j] = step(q, fr(dw * inv), rng, qmin, qmax);
    }
  }
}

export function stdpPostI8(w: Int8Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams, s: number, rng: Xoshiro128): void {
  traceBump(postTrace, nOut, post, nPost, p.impulsePost, p.nearest);
  const ep = fr(p.etaPlus), lo = fr(p.wMin), hi = fr(p.wMax), xoff = fr(p.xOffset), qs = fr(s), inv = fr(1 / qs);
  if (ep === 0 || nPost === 0) return;
  const qmin = Math.round(fr(lo * inv)), qmax = Math.round(fr(hi * inv));
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    for (let i = 0; i < nIn; i++) {
      const d = fr(ep * fr(preTrace[i] - xoff));
      if (d === 0) continue;
      const q = w[i * nOut + j];
      w[i * nOut + j] = step(q, fr(delta(fr(q * qs), d, p.soft, lo, hi) * inv), rng, qmin, qmax);
    }
  }
}
