/**
 * Reference twin of assembly/plasticity/eg_dale.ts: exponentiated-gradient updates under Dale's
 * law, w_ij = s_i clip(exp(theta_ij)). Uses Math.exp (the kernel's polynomial exp agrees within a
 * few ulp, inside the parity tolerance).
 */
import { EGDALE } from '../runtime/abi.js';

const fr = Math.fround;

export interface EgDaleParams {
  lr: number;
  /** Bounds on |w| (0 < wAbsMin <= wAbsMax); theta bounds are their logarithms. */
  wAbsMin: number; wAbsMax: number;
}

/** theta bounds and |w| bounds as the kernel sees them (f32). */
export function egDaleBounds(p: EgDaleParams): { tmin: number; tmax: number; amin: number; amax: number } {
  if (!(p.wAbsMin > 0 && p.wAbsMin <= p.wAbsMax)) throw new RangeError(`need 0 < wAbsMin <= wAbsMax, got ${p.wAbsMin}, ${p.wAbsMax}`);
  const tmin = fr(Math.log(p.wAbsMin)), tmax = fr(Math.log(p.wAbsMax));
  if (!(tmin >= -87 && tmax <= 88)) throw new RangeError(`log-magnitude bounds must lie in [-87, 88], got [${tmin}, ${tmax}]`);
  return { tmin, tmax, amin: fr(p.wAbsMin), amax: fr(p.wAbsMax) };
}

export function packEgDaleParams(p: EgDaleParams): Float32Array {
  const b = egDaleBounds(p);
  const f = new Float32Array(EGDALE.PARAM_SLOTS);
  f[EGDALE.LR] = p.lr; f[EGDALE.THETA_MIN] = b.tmin; f[EGDALE.THETA_MAX] = b.tmax;
  f[EGDALE.W_ABS_MIN] = b.amin; f[EGDALE.W_ABS_MAX] = b.amax;
  return f;
}

function sgn(s: number): number {
  return s < 0 ? -1 : 1;
}

function magnitude(t: number, amin: number, amax: number): number {
  return Math.min(Math.max(fr(Math.exp(t)), amin), amax);
}

/** theta_ij += lr s_i x_i e_j (clipped; a NaN result keeps theta) and w_ij = s_i clip(exp(theta_ij)), rows of the listed units. */
export function egDaleUpdate(w: Float32Array, theta: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, x: Float32Array, e: Float32Array, sign: Float32Array, p: EgDaleParams): void {
  const { tmin, tmax, amin, amax } = egDaleBounds(p);
  const lr = fr(p.lr);
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    const s = sgn(sign[i]);
    const c = fr(lr * fr(s * x[i]));
    if (c === 0) continue;
    for (let j = 0; j < nOut; j++) {
      const q = i * nOut + j;
      const told = theta[q];
      let t = Math.min(Math.max(fr(told + fr(c * e[j])), tmin), tmax);
      if (Number.isNaN(t)) t = told;
      theta[q] = t;
      w[q] = s * magnitude(t, amin, amax);
    }
  }
}

/** theta <- clip(theta) (NaN -> theta_min); w <- s_i clip(exp(theta)) everywhere. */
export function egDaleSync(w: Float32Array, theta: Float32Array, nIn: number, nOut: number, sign: Float32Array, p: EgDaleParams): void {
  const { tmin, tmax, amin, amax } = egDaleBounds(p);
  for (let i = 0; i < nIn; i++) {
    const s = sgn(sign[i]);
    for (let j = 0; j < nOut; j++) {
      const q = i * nOut + j;
      let t = Math.min(Math.max(theta[q], tmin), tmax);
      if (Number.isNaN(t)) t = tmin;
      theta[q] = t;
      w[q] = s * magnitude(t, amin, amax);
    }
  }
}
