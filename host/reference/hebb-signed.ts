/**
 * Reference twin of assembly/plasticity/hebb_signed.ts: sign-diverse Hebbian / anti-Hebbian
 * plasticity with a per-postsynaptic-neuron sign, plus the plan-time helper that draws the sign
 * array with a given fraction of flipped (anti-Hebbian) neurons.
 */
import { HEBBSIGN } from '../runtime/abi.js';
import { seededPermutation } from '../util/prng.js';

const fr = Math.fround;

export interface HebbSignParams {
  etaPre: number; etaPost: number; wMin: number; wMax: number; soft: boolean;
  impulsePre: number; impulsePost: number; nearest: boolean;
  tauPre: number; tauPost: number; dtMs: number;
  traceFloor?: number;
}

export function packHebbSignParams(p: HebbSignParams): Float32Array {
  const f = new Float32Array(HEBBSIGN.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[HEBBSIGN.ETA_PRE] = p.etaPre; f[HEBBSIGN.ETA_POST] = p.etaPost; f[HEBBSIGN.W_MIN] = p.wMin; f[HEBBSIGN.W_MAX] = p.wMax;
  i[HEBBSIGN.BOUNDS] = p.soft ? 1 : 0; f[HEBBSIGN.IMPULSE_PRE] = p.impulsePre; f[HEBBSIGN.IMPULSE_POST] = p.impulsePost;
  i[HEBBSIGN.TRACE_MODE] = p.nearest ? 1 : 0;
  f[HEBBSIGN.ALPHA_PRE] = Math.exp(-p.dtMs / p.tauPre); f[HEBBSIGN.ALPHA_POST] = Math.exp(-p.dtMs / p.tauPost);
  f[HEBBSIGN.TRACE_FLOOR] = p.traceFloor ?? 1e-30;
  return f;
}

/**
 * The per-neuron sign array: exactly round(fraction * n) neurons, chosen by a seeded permutation,
 * get -1 (anti-Hebbian), the others +1. Drawn once, at plan time.
 */
export function signDiverseSigns(n: number, fraction: number, seed: number): Float32Array {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction of flipped neurons must be in [0, 1], got ${fraction}`);
  const s = new Float32Array(n).fill(1);
  const perm = seededPermutation(n, seed);
  const flipped = Math.round(fraction * n);
  for (let k = 0; k < flipped; k++) s[perm[k]] = -1;
  return s;
}

function apply(wv: number, d: number, soft: boolean, lo: number, hi: number): number {
  const wn = soft ? fr(wv + (d > 0 ? fr(d * fr(hi - wv)) : fr(d * fr(wv - lo)))) : fr(wv + d);
  return Math.min(Math.max(wn, lo), hi);
}

/** Pre spikes: bump x_i, then w_ij += (eta_pre s_j) y_j along row i. */
export function hebbSignPre(w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, x: Float32Array, y: Float32Array, sign: Float32Array, p: HebbSignParams): void {
  const eta = fr(p.etaPre), lo = fr(p.wMin), hi = fr(p.wMax), imp = fr(p.impulsePre);
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    x[i] = p.nearest ? imp : fr(x[i] + imp);
    if (eta === 0) continue;
    for (let j = 0; j < nOut; j++) w[i * nOut + j] = apply(w[i * nOut + j], fr(fr(eta * sign[j]) * y[j]), p.soft, lo, hi);
  }
}

/** Post spikes: bump y_j, then w_ij += (eta_post s_j) x_i along column j. */
export function hebbSignPost(w: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, x: Float32Array, y: Float32Array, sign: Float32Array, p: HebbSignParams): void {
  const eta = fr(p.etaPost), lo = fr(p.wMin), hi = fr(p.wMax), imp = fr(p.impulsePost);
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    y[j] = p.nearest ? imp : fr(y[j] + imp);
    const c = fr(eta * sign[j]);
    if (c === 0) continue;
    for (let i = 0; i < nIn; i++) {
      const d = fr(c * x[i]);
      if (d === 0) continue;
      w[i * nOut + j] = apply(w[i * nOut + j], d, p.soft, lo, hi);
    }
  }
}
