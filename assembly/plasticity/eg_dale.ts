/**
 * Exponentiated-gradient (multiplicative) weight updates that keep Dale's law.
 * Exponentiated gradient: Kivinen & Warmuth 1997, "Exponentiated gradient versus gradient descent
 * for linear predictors", Information and Computation 132(1):1-63. As a brain-like learning rule
 * that respects Dale's law and yields log-normal weights: Cornford, Pogodin, Ghosh, Sheng,
 * Bicknell, Codol, Clark, Lajoie & Richards 2024, "Brain-like learning with exponentiated
 * gradients", bioRxiv 10.1101/2024.10.25.620272.
 *
 * Each presynaptic unit i has a fixed sign s_i (+1 excitatory, -1 inhibitory: Dale's law; the
 * kernel reads any s_i < 0 as -1 and anything else as +1). A synapse stores its log-magnitude
 * theta_ij; the weight the synapse kernels read is derived from it:
 *   w_ij = s_i * clip(exp(theta_ij), |w|_min, |w|_max)
 * Update for a presynaptic unit i with activity x_i (a trace, a rate or a spike indicator) and a
 * postsynaptic learning signal e_j (e.g. an error target_j - y_j, the negative gradient of the
 * loss with respect to the output; a modulated Hebbian term works the same way):
 *   theta_ij += lr * s_i * x_i * e_j,   clipped to [theta_min, theta_max]
 * so w_ij <- w_ij * exp(lr * s_i * x_i * e_j), the EG step w <- w * exp(-lr * sign(w) * dL/dw) for
 * dL/dw_ij = -x_i e_j. The magnitude changes multiplicatively and the sign never: excitatory stays
 * excitatory whatever the learning signal (an update that is not a number, e.g. inf * 0, leaves
 * theta unchanged; +-inf saturates at the theta bounds). Declared bounds: s_i * w_ij in
 * [|w|_min, |w|_max] with 0 < |w|_min (the host stores |w|_min = exp(theta_min) and
 * |w|_max = exp(theta_max), and requires -87 <= theta_min <= theta_max <= 88 so exp stays a
 * normal f32).
 *
 * exp is evaluated with the same sequence of f32 operations in the SIMD lanes and the scalar
 * code (Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, degree-7 Taylor polynomial in r, then
 * scaling by 2^k through the exponent bits), so the two builds agree bit for bit; the result is
 * within a few ulp of exp (the reference uses Math.exp).
 *
 * Event-driven: egdale_update_f32 touches only the rows of the listed presynaptic units (those
 * with x_i != 0); egdale_sync_f32 rederives all of W from theta (after initialisation or a
 * checkpoint load). Layout: W and theta row-major [nIn][nOut] f32; x, sign f32[nIn]; e f32[nOut].
 * SIMD across j. Parameters: the EGDALE_* slots of abi.ts.
 */
import {
  EGDALE_LR, EGDALE_THETA_MIN, EGDALE_THETA_MAX, EGDALE_W_ABS_MIN, EGDALE_W_ABS_MAX,
  CTR_WEIGHT_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { expf_poly, expf_poly4 } from '../util/expf';
import { pf } from '../util/params';


export function egdale_update_f32(
  w: usize, theta: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preVal: usize, post: usize, sign: usize, params: usize,
): void {
  const lr = pf(params, EGDALE_LR);
  const tmin = pf(params, EGDALE_THETA_MIN);
  const tmax = pf(params, EGDALE_THETA_MAX);
  const amin = pf(params, EGDALE_W_ABS_MIN);
  const amax = pf(params, EGDALE_W_ABS_MAX);
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const s: f32 = load<f32>(sign + (<usize>i << 2)) < 0 ? -1 : 1;
    const c = lr * (s * load<f32>(preVal + (<usize>i << 2)));
    if (c == 0) continue;
    rows++;
    const wrow = w + <usize>i * rowBytes;
    const trow = theta + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const c4 = f32x4.splat(c);
      const s4 = f32x4.splat(s);
      const tmin4 = f32x4.splat(tmin);
      const tmax4 = f32x4.splat(tmax);
      const amin4 = f32x4.splat(amin);
      const amax4 = f32x4.splat(amax);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const told = v128.load(trow + o);
        let t = f32x4.add(told, f32x4.mul(c4, v128.load(post + o)));
        t = f32x4.min(f32x4.max(t, tmin4), tmax4);
        t = v128.bitselect(t, told, f32x4.eq(t, t));
        v128.store(trow + o, t);
        v128.store(wrow + o, f32x4.mul(s4, f32x4.min(f32x4.max(expf_poly4(t), amin4), amax4)));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const told = load<f32>(trow + o);
      let t = told + c * load<f32>(post + o);
      t = min<f32>(max<f32>(t, tmin), tmax);
      if (t != t) t = told;
      store<f32>(trow + o, t);
      store<f32>(wrow + o, s * min<f32>(max<f32>(expf_poly(t), amin), amax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 8 + <f64>nPre * 4 + <f64>(nPre - dropped) * 8);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 8);
  count(CTR_KERNEL_CALLS, 1);
}

/** theta <- clip(theta) (not-a-number -> theta_min); W <- s_i * clip(exp(theta)) for every synapse. */
export function egdale_sync_f32(w: usize, theta: usize, nIn: i32, nOut: i32, sign: usize, params: usize): void {
  const tmin = pf(params, EGDALE_THETA_MIN);
  const tmax = pf(params, EGDALE_THETA_MAX);
  const amin = pf(params, EGDALE_W_ABS_MIN);
  const amax = pf(params, EGDALE_W_ABS_MAX);
  const rowBytes = <usize>nOut << 2;
  for (let i = 0; i < nIn; i++) {
    const s: f32 = load<f32>(sign + (<usize>i << 2)) < 0 ? -1 : 1;
    const wrow = w + <usize>i * rowBytes;
    const trow = theta + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const s4 = f32x4.splat(s);
      const tmin4 = f32x4.splat(tmin);
      const tmax4 = f32x4.splat(tmax);
      const amin4 = f32x4.splat(amin);
      const amax4 = f32x4.splat(amax);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        let t = f32x4.min(f32x4.max(v128.load(trow + o), tmin4), tmax4);
        t = v128.bitselect(t, tmin4, f32x4.eq(t, t));
        v128.store(trow + o, t);
        v128.store(wrow + o, f32x4.mul(s4, f32x4.min(f32x4.max(expf_poly4(t), amin4), amax4)));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      let t = min<f32>(max<f32>(load<f32>(trow + o), tmin), tmax);
      if (t != t) t = tmin;
      store<f32>(trow + o, t);
      store<f32>(wrow + o, s * min<f32>(max<f32>(expf_poly(t), amin), amax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>nIn * <f64>nOut);
  count(CTR_BYTES_READ, <f64>nIn * <f64>nOut * 4 + <f64>nIn * 4);
  count(CTR_BYTES_WRITTEN, <f64>nIn * <f64>nOut * 8);
  count(CTR_KERNEL_CALLS, 1);
}
