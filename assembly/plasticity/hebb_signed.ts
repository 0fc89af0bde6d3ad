/**
 * Sign-diverse Hebbian plasticity: Hebbian and anti-Hebbian neurons in one population, chosen by a
 * per-neuron sign. Following Ninou, Kadmon & Cayco-Gajic 2025, "Curl descent: non-gradient
 * learning dynamics with sign-diverse plasticity" (NeurIPS 2025, arXiv:2510.02765), a fraction of
 * "rule-flipped" postsynaptic neurons learns with the opposite sign; the flipped neurons add
 * non-gradient ("curl") terms to the learning dynamics. Anti-Hebbian plasticity as a
 * decorrelating rule: Foldiak 1990, Biol. Cybern. 64:165-170.
 *
 * Per postsynaptic neuron j a sign s_j (+1 Hebbian, -1 anti-Hebbian; the host draws the array
 * once, with the fraction of -1 entries as the control parameter). Spike-based Hebbian term on
 * exponential traces x_i (pre) and y_j (post), both pairing orders:
 *   on a pre spike of i  (hebbsign_pre_f32):  bump x_i; for all j:  dw_ij = eta_pre  * s_j * y_j
 *   on a post spike of j (hebbsign_post_f32): bump y_j; for all i:  dw_ij = eta_post * s_j * x_i
 * which in the rate limit is dw_ij/dt ~ s_j * nu_i * nu_j: Hebbian neurons grow the weights of
 * co-active inputs, anti-Hebbian neurons shrink them (towards w_min < 0: inhibition), so their
 * output becomes anti-correlated with the input.
 * Bounds (HEBBSIGN_BOUNDS): 0 additive; 1 multiplicative, dw * (w_max - w) for dw > 0 and
 * dw * (w - w_min) for dw < 0. The result is clipped to [w_min, w_max] in both modes.
 * Within a step the pre pathway runs before the post pathway (Brian2 order).
 *
 * Layout: W row-major [nIn][nOut] f32; x f32[nIn]; y, sign f32[nOut]. Pre update = contiguous row
 * (SIMD across j, each lane doing the scalar tail's operations in order: bit-identical builds);
 * post update = column walk, scalar. Parameters: the HEBBSIGN_* slots of abi.ts.
 */
import {
  HEBBSIGN_ETA_PRE, HEBBSIGN_ETA_POST, HEBBSIGN_W_MIN, HEBBSIGN_W_MAX, HEBBSIGN_BOUNDS, HEBBSIGN_IMPULSE_PRE,
  HEBBSIGN_IMPULSE_POST, HEBBSIGN_TRACE_MODE,
  CTR_WEIGHT_UPDATES, CTR_TRACE_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf, pi } from '../util/params';

export function hebbsign_pre_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, sign: usize, params: usize,
): void {
  const eta = pf(params, HEBBSIGN_ETA_PRE);
  const impulse = pf(params, HEBBSIGN_IMPULSE_PRE);
  const nearest = pi(params, HEBBSIGN_TRACE_MODE) == 1;
  const lo = pf(params, HEBBSIGN_W_MIN);
  const hi = pf(params, HEBBSIGN_W_MAX);
  const soft = pi(params, HEBBSIGN_BOUNDS) == 1;
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const px = preTrace + (<usize>i << 2);
    store<f32>(px, nearest ? impulse : load<f32>(px) + impulse);
    if (eta == 0) continue;
    rows++;
    const row = w + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const e4 = f32x4.splat(eta);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      const z4 = f32x4.splat(0);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const wv = v128.load(row + o);
        const d = f32x4.mul(f32x4.mul(e4, v128.load(sign + o)), v128.load(postTrace + o));
        let wn: v128;
        if (soft) {
          const up = f32x4.mul(d, f32x4.sub(hi4, wv));
          const dn = f32x4.mul(d, f32x4.sub(wv, lo4));
          wn = f32x4.add(wv, v128.bitselect(up, dn, f32x4.gt(d, z4)));
        } else {
          wn = f32x4.add(wv, d);
        }
        v128.store(row + o, f32x4.min(f32x4.max(wn, lo4), hi4));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const wv = load<f32>(row + o);
      const d = (eta * load<f32>(sign + o)) * load<f32>(postTrace + o);
      const wn = soft ? wv + (d > 0 ? d * (hi - wv) : d * (wv - lo)) : wv + d;
      store<f32>(row + o, min<f32>(max<f32>(wn, lo), hi));
    }
  }
  const valid = nPre - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_TRACE_UPDATES, <f64>valid);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 12 + <f64>nPre * 4 + <f64>valid * 4);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 4 + <f64>valid * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function hebbsign_post_f32(
  w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, sign: usize, params: usize,
): void {
  const eta = pf(params, HEBBSIGN_ETA_POST);
  const impulse = pf(params, HEBBSIGN_IMPULSE_POST);
  const nearest = pi(params, HEBBSIGN_TRACE_MODE) == 1;
  const lo = pf(params, HEBBSIGN_W_MIN);
  const hi = pf(params, HEBBSIGN_W_MAX);
  const soft = pi(params, HEBBSIGN_BOUNDS) == 1;
  const stride = <usize>nOut << 2;
  let cols = 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) { dropped++; continue; }
    const py = postTrace + (<usize>j << 2);
    store<f32>(py, nearest ? impulse : load<f32>(py) + impulse);
    const c = eta * load<f32>(sign + (<usize>j << 2));
    if (c == 0) continue;
    cols++;
    let p = w + (<usize>j << 2);
    for (let i = 0; i < nIn; i++, p += stride) {
      const d = c * load<f32>(preTrace + (<usize>i << 2));
      if (d == 0) continue;
      const wv = load<f32>(p);
      const wn = soft ? wv + (d > 0 ? d * (hi - wv) : d * (wv - lo)) : wv + d;
      store<f32>(p, min<f32>(max<f32>(wn, lo), hi));
    }
  }
  const valid = nPost - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_TRACE_UPDATES, <f64>valid);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 8 + <f64>nPost * 8 + <f64>valid * 4);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 4 + <f64>valid * 4);
  count(CTR_KERNEL_CALLS, 1);
}
