/**
 * Reference for assembly/neurons/escape.ts: the escape-noise (stochastic threshold) neuron.
 * The LIF update of lif.ts, then for a non-refractory neuron
 *   a = (v' - theta) / Delta_u,  h = dt rho_0 exp(a),  p = 1 - exp(-h),  spike iff u < p
 * with one uniform u = (u32 >>> 8) 2^-24 per neuron per step, in neuron order, from the
 * xoshiro128** stream. `expPoly` is the kernel's software exp, operation for operation.
 */
import type { Xoshiro128 } from '../util/prng.js';
import type { LifState } from './kernels.js';

const fr = Math.fround;

const X_LO = -87;
const X_HI = 88;
const LOG2E = fr(1.4426950408889634);
const LN2_HI = fr(0.693145751953125);
const LN2_LO = fr(1.4286068202862268e-6);
const P = [1, 1, 0.5, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040].map(fr);

/** exp(x) in f32: clamp to [-87, 88] (NaN -> -87), Cody-Waite reduction, degree-7 Taylor, 2^k. */
export function expPoly(x0: number): number {
  const x1 = X_LO < x0 ? x0 : X_LO;
  const x = x1 < X_HI ? x1 : X_HI;
  const k = Math.floor(fr(fr(x * LOG2E) + 0.5));
  const r = fr(fr(x - fr(k * LN2_HI)) - fr(k * LN2_LO));
  let q = P[7];
  for (let d = 6; d >= 0; d--) q = fr(fr(q * r) + P[d]);
  return fr(q * 2 ** k);
}

export interface EscapeParams {
  alphaM: number; alphaS: number; beta: number; gamma: number; vTh: number; alphaB: number;
  /** 1 / Delta_u */
  invDeltaU: number;
  /** dt * rho_0 */
  dtRho0: number;
}

/** One step; returns the number of spikes written to `spikes` (ascending) with their margins. */
export function escapeStep(n: number, s: LifState, p: EscapeParams, rng: Xoshiro128, spikes: Uint32Array, margins: Float32Array): number {
  const am = fr(p.alphaM), as = fr(p.alphaS), beta = fr(p.beta), gamma = fr(p.gamma);
  const vth = fr(p.vTh), ab = fr(p.alphaB), inv = fr(p.invDeltaU), rho = fr(p.dtRho0);
  let ns = 0;
  for (let j = 0; j < n; j++) {
    const v = s.v[j], cur = s.i[j];
    const vn = fr(fr(fr(v * am) + fr(cur * beta)) + fr(s.bias[j] * gamma));
    const bn = fr(s.b[j] * ab);
    const u = rng.nextFloat();
    s.i[j] = fr(cur * as);
    s.b[j] = bn;
    if (s.refr[j] > 0) {
      s.refr[j] = s.refr[j] - 1;
      continue;
    }
    s.v[j] = vn;
    const thr = fr(vth + bn);
    const h = fr(rho * expPoly(fr(fr(vn - thr) * inv)));
    const prob = fr(1 - expPoly(-h));
    if (u < prob) {
      spikes[ns] = j;
      margins[ns] = fr(vn - thr);
      ns++;
    }
  }
  return ns;
}

/** The escape probability per step in exact arithmetic, for the statistical tests. */
export function escapeProbability(v: number, theta: number, deltaU: number, rho0: number, dt: number): number {
  return 1 - Math.exp(-dt * rho0 * Math.exp((v - theta) / deltaU));
}
