/**
 * Reference twin of assembly/plasticity/lr_homeostasis.ts: homeostatic learning-rate modulation
 * (Pearce & Hall 1980; Nassar et al. 2010). Same f32 rounding after every operation, same order.
 */
import { clamp } from './eligibility.js';

const fr = Math.fround;

export interface LrHomeostasisParams {
  /** Fast running-error rate a_fast (0..1]. */
  aFast: number;
  /** Slow running-error rate a_slow (0..1], below aFast. */
  aSlow: number;
  /** Gain k: rate increase per unit of fast-minus-slow error. */
  k: number;
  /** Relaxation rho per outcome towards eta0 (0..1]. */
  rho: number;
  eta0: number;
  etaMin: number;
  etaMax: number;
}

/** One outcome per unit: F, S, eta updated in place from err, and err overwritten with the surprise u (see the kernel's header). */
export function lrhUpdate(n: number, err: Float32Array, fast: Float32Array, slow: Float32Array, eta: Float32Array, p: LrHomeostasisParams): void {
  const c = fr(fr(p.aFast) / fr(2 - fr(p.aFast)));
  const af = fr(p.aFast), as = fr(p.aSlow), k = fr(p.k), rho = fr(p.rho), e0 = fr(p.eta0), lo = fr(p.etaMin), hi = fr(p.etaMax);
  for (let j = 0; j < n; j++) {
    const e = Math.abs(err[j]);
    const f = fr(fast[j] + fr(af * fr(e - fast[j])));
    const s = fr(slow[j] + fr(as * fr(e - slow[j])));
    const v0 = fr(s * fr(1 - s));
    const v = 0 < v0 ? v0 : 0;
    const sd = fr(Math.sqrt(fr(v * c)));
    const d = fr(fr(f - s) - fr(2 * sd));
    const up = 0 < d ? d : 0;
    const h0 = eta[j];
    const h = fr(fr(h0 + fr(k * up)) - fr(rho * fr(h0 - e0)));
    err[j] = up;
    fast[j] = f;
    slow[j] = s;
    eta[j] = clamp(h, lo, hi);
  }
}
