/**
 * Homeostatic learning-rate modulation driven by the learner's own outcomes: the rate rises while
 * the recent error is above its long-run level (something changed: a concept shift, a new task)
 * and relaxes back to its resting value once the error has settled, always inside fixed bounds.
 * Surprise-gated learning rates: Pearce & Hall 1980, "A model for Pavlovian learning: variations
 * in the effectiveness of conditioned but not of unconditioned stimuli", Psychological Review
 * 87:532 (associability follows recent absolute prediction errors); Nassar, Wilson, Heasly & Gold
 * 2010, "An approximately Bayesian delta-rule model explains the dynamics of belief updating in a
 * changing environment", J. Neurosci. 30:12366 (the rate jumps after a change point and decays
 * as the new state is learned). The fast-minus-slow error contrast is our change detector.
 *
 * Per unit j (a readout, a neuron, a population), once per outcome (e.g. per sample):
 *   e_j   = |err_j|                                  (err: error of the outcome, e.g. 1 = wrong)
 *   F_j  <- F_j + a_fast (e_j - F_j)                 (fast running error, time constant ~1/a_fast)
 *   S_j  <- S_j + a_slow (e_j - S_j)                 (slow running error, a_slow < a_fast)
 *   sd_j  = sqrt(max(S_j (1 - S_j), 0) a_fast / (2 - a_fast))
 *   u_j   = max(F_j - S_j - 2 sd_j, 0)               (surprise; written back into err_j)
 *   eta_j <- clip(eta_j + k u_j - rho (eta_j - eta0), eta_min, eta_max)
 * Why the 2 sd_j margin: for a 0/1 error with steady rate S, the fast average F fluctuates around
 * S with standard deviation sd (the variance of an exponential average of Bernoulli(S) outcomes
 * is S(1-S) a/(2-a)). Without the margin, max(F - S, 0) rectifies that noise into a permanent
 * boost (the rate sat near eta_max on a stable stream); with it, u is a two-sigma change-point
 * test and is zero on a stable stream almost always (Nassar et al.'s change-point probability,
 * reduced to a threshold on the running error). The surprise u is handed back in err so the
 * caller can act on a change point beyond the rate, e.g. forget part of the old mapping (the
 * concept-shift learner scales its readout weights by 1 - phi u with trace_decay_f32).
 * k (1/error): how strongly a rise of the error raises the rate; rho in [0, 1]: relaxation per
 * outcome towards the resting rate eta0. The clip keeps eta in [eta_min, eta_max] whatever the
 * errors (NaN-safe: clamp as in eligibility.ts sends NaN to eta_min; a NaN contrast counts as 0).
 * All quantities are dimensionless (eta is the step size of the rule it drives).
 * Layout: four per-unit f32 arrays (err in, surprise u out; F, S, eta updated in place); SIMD across
 * units, the same operation order in every lane, so SIMD and scalar builds are bit-identical.
 * Parameters are plain arguments (seven f32 scalars), so no parameter block in the arena.
 */
import { CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS } from '../abi';
import { count } from '../util/counters';
import { clamp1, clamp4 } from './eligibility';

export function lrh_update_f32(
  n: i32, err: usize, fast: usize, slow: usize, eta: usize,
  aFast: f32, aSlow: f32, k: f32, rho: f32, eta0: f32, etaMin: f32, etaMax: f32,
): void {
  // Variance factor of the fast average (see the header); one f32 value shared by both paths.
  const c: f32 = aFast / (<f32>2 - aFast);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const af4 = f32x4.splat(aFast);
    const as4 = f32x4.splat(aSlow);
    const k4 = f32x4.splat(k);
    const rho4 = f32x4.splat(rho);
    const e04 = f32x4.splat(eta0);
    const lo4 = f32x4.splat(etaMin);
    const hi4 = f32x4.splat(etaMax);
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    const two = f32x4.splat(2);
    const c4 = f32x4.splat(c);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const e = f32x4.abs(v128.load(err + o));
      const f0 = v128.load(fast + o);
      const s0 = v128.load(slow + o);
      const f = f32x4.add(f0, f32x4.mul(af4, f32x4.sub(e, f0)));
      const s = f32x4.add(s0, f32x4.mul(as4, f32x4.sub(e, s0)));
      // pmax(0, d) = 0 < d ? d : 0, the scalar branch below exactly (NaN and -0 go to +0).
      const v = f32x4.pmax(zero, f32x4.mul(s, f32x4.sub(one, s)));
      const sd = f32x4.sqrt(f32x4.mul(v, c4));
      const up = f32x4.pmax(zero, f32x4.sub(f32x4.sub(f, s), f32x4.mul(two, sd)));
      const h0 = v128.load(eta + o);
      const h = f32x4.sub(f32x4.add(h0, f32x4.mul(k4, up)), f32x4.mul(rho4, f32x4.sub(h0, e04)));
      v128.store(err + o, up);
      v128.store(fast + o, f);
      v128.store(slow + o, s);
      v128.store(eta + o, clamp4(h, lo4, hi4));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const e = Mathf.abs(load<f32>(err + o));
    const f0 = load<f32>(fast + o);
    const s0 = load<f32>(slow + o);
    const f = f0 + aFast * (e - f0);
    const s = s0 + aSlow * (e - s0);
    const v0 = s * (<f32>1 - s);
    const v: f32 = <f32>0 < v0 ? v0 : <f32>0;
    const sd = Mathf.sqrt(v * c);
    const d = (f - s) - <f32>2 * sd;
    const up: f32 = <f32>0 < d ? d : <f32>0;
    const h0 = load<f32>(eta + o);
    const h = h0 + k * up - rho * (h0 - eta0);
    store<f32>(err + o, up);
    store<f32>(fast + o, f);
    store<f32>(slow + o, s);
    store<f32>(eta + o, clamp1(h, etaMin, etaMax));
  }
  count(CTR_BYTES_READ, <f64>n * 16);
  count(CTR_BYTES_WRITTEN, <f64>n * 16);
  count(CTR_KERNEL_CALLS, 1);
}
