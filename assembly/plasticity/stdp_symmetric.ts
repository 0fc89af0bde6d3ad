/**
 * Symmetric STDP (sym-STDP), the plasticity of the supervised spiking network of Hao, Huang,
 * Dong & Xu 2020, "A biologically plausible supervised learning method for spiking neural networks
 * using the symmetric STDP rule", Neural Networks 121:387-395 (arXiv:1812.06574). The symmetric
 * window, potentiation for both spike orders decaying with |t_post - t_pre|, is the one measured
 * at hippocampal CA3-CA3 synapses (Mishra et al. 2016, Nat. Commun. 7:11552).
 *
 * Traces (traces.ts vocabulary): x_i presynaptic (tau_pre), y_j postsynaptic (tau_post).
 *   on a pre spike of i  (symstdp_pre_f32):  bump x_i; for all j:  w_ij += eta_pre  * y_j * h+(w_ij)
 *   on a post spike of j (symstdp_post_f32): bump y_j; for all i:  w_ij += eta_post * x_i * h+(w_ij)
 * so for a single pair dw = eta * exp(-|dt|/tau) for either order (eta_pre, eta_post >= 0).
 * Bounds (SYMSTDP_BOUNDS): 0 additive (h+ = 1), 1 multiplicative (h+ = w_max - w); the result is
 * clipped to [w_min, w_max] in both modes.
 *
 * The rule alone only potentiates; the paper's two other ingredients supply the competition and
 * are composed from existing kernels, not duplicated here:
 *   synaptic scaling      scale_columns_f32 (L1): after a sample, sum_i w_ij = SYMSTDP_SCALE_TARGET
 *                         for every postsynaptic neuron j. With w_min = 0 and a target of at most
 *                         0.999 w_max, scaling keeps every weight inside [0, w_max]
 *                         (0 <= w_ij <= s_j, so w_ij target / s_j <= target; the margin covers
 *                         the f32 rounding of the scale factor).
 *   intrinsic plasticity  the dynamic threshold of the adaptive LIF (lif.ts: the threshold rises by
 *                         d_theta at each spike and decays with tau_adapt), so a neuron that has
 *                         fired a lot becomes harder to drive.
 * Supervision: during learning a teacher current (the LIF state's bias array) drives the neurons
 * of the labelled class, so sym-STDP associates the input pattern with them; at test time the
 * teacher is off and the class is read from the spike counts.
 * Within a step the pre pathway runs before the post pathway; a coincident pair is counted once.
 *
 * Layout: W row-major [nIn][nOut] f32; x f32[nIn], y f32[nOut]. Pre update = contiguous row (SIMD
 * across j, the same operations per lane as the scalar tail); post update = column (scalar).
 * Parameters: the SYMSTDP_* slots of abi.ts.
 */
import {
  SYMSTDP_ETA_PRE, SYMSTDP_ETA_POST, SYMSTDP_W_MIN, SYMSTDP_W_MAX, SYMSTDP_BOUNDS, SYMSTDP_IMPULSE_PRE,
  SYMSTDP_IMPULSE_POST, SYMSTDP_TRACE_MODE,
  CTR_WEIGHT_UPDATES, CTR_TRACE_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf, pi } from '../util/params';

export function symstdp_pre_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  const eta = pf(params, SYMSTDP_ETA_PRE);
  const impulse = pf(params, SYMSTDP_IMPULSE_PRE);
  const nearest = pi(params, SYMSTDP_TRACE_MODE) == 1;
  const lo = pf(params, SYMSTDP_W_MIN);
  const hi = pf(params, SYMSTDP_W_MAX);
  const soft = pi(params, SYMSTDP_BOUNDS) == 1;
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
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const wv = v128.load(row + o);
        const d = f32x4.mul(e4, v128.load(postTrace + o));
        const wn = soft ? f32x4.add(wv, f32x4.mul(d, f32x4.sub(hi4, wv))) : f32x4.add(wv, d);
        v128.store(row + o, f32x4.min(f32x4.max(wn, lo4), hi4));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const wv = load<f32>(row + o);
      const d = eta * load<f32>(postTrace + o);
      const wn = soft ? wv + d * (hi - wv) : wv + d;
      store<f32>(row + o, min<f32>(max<f32>(wn, lo), hi));
    }
  }
  const valid = nPre - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_TRACE_UPDATES, <f64>valid);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 8 + <f64>nPre * 4 + <f64>valid * 4);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 4 + <f64>valid * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function symstdp_post_f32(
  w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  const eta = pf(params, SYMSTDP_ETA_POST);
  const impulse = pf(params, SYMSTDP_IMPULSE_POST);
  const nearest = pi(params, SYMSTDP_TRACE_MODE) == 1;
  const lo = pf(params, SYMSTDP_W_MIN);
  const hi = pf(params, SYMSTDP_W_MAX);
  const soft = pi(params, SYMSTDP_BOUNDS) == 1;
  const stride = <usize>nOut << 2;
  let cols = 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) { dropped++; continue; }
    const py = postTrace + (<usize>j << 2);
    store<f32>(py, nearest ? impulse : load<f32>(py) + impulse);
    if (eta == 0) continue;
    cols++;
    let p = w + (<usize>j << 2);
    for (let i = 0; i < nIn; i++, p += stride) {
      const d = eta * load<f32>(preTrace + (<usize>i << 2));
      if (d == 0) continue;
      const wv = load<f32>(p);
      const wn = soft ? wv + d * (hi - wv) : wv + d;
      store<f32>(p, min<f32>(max<f32>(wn, lo), hi));
    }
  }
  const valid = nPost - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_TRACE_UPDATES, <f64>valid);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 8 + <f64>nPost * 4 + <f64>valid * 4);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 4 + <f64>valid * 4);
  count(CTR_KERNEL_CALLS, 1);
}
