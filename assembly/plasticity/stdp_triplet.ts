/**
 * Triplet STDP (Pfister & Gerstner 2006, "Triplets of spikes in a model of spike timing-dependent
 * plasticity", J. Neurosci. 26(38):9673-9682), event-driven, on the pair-STDP trace vocabulary.
 *
 * Four exponential traces (decayed by trace_decay_f32 every step, or by exp(-gap/tau) between
 * events; impulse 1):
 *   r1_i (tau_plus), r2_i (tau_x, slow)    presynaptic unit i
 *   o1_j (tau_minus), o2_j (tau_y, slow)   postsynaptic unit j
 * On a pre spike of i  (triplet_pre_f32):
 *   w_ij -= o1_j * (A2- + A3- * r2_i(t-))        for every j  (pair + post-pre-pre triplet LTD)
 *   then r1_i, r2_i are bumped
 * On a post spike of j (triplet_post_f32):
 *   w_ij += r1_i * (A2+ + A3+ * o2_j(t-))        for every i  (pair + pre-post-post triplet LTP)
 *   then o1_j, o2_j are bumped
 * (t-) means "just before this spike": the slow trace of the spiking unit is read before its own
 * bump, as in the paper. With A3+ = A3- = 0 the rule is pair STDP.
 *
 * Pairing schemes (TRIPLET_TRACE_MODE): 0 = all-to-all (bump r += 1), 1 = nearest-spike
 * (r = 1), the paper's two interpretations.
 * Bounds (TRIPLET_BOUNDS):
 *   0 additive:        dw as above
 *   1 multiplicative:  LTP scaled by (w_max - w), LTD by (w - w_min) (soft bounds,
 *                      van Rossum, Bi & Turrigiano 2000; Guetig et al. 2003)
 *   In both modes the result is then clipped to [w_min, w_max], so neither f32 rounding nor a
 *   large all-to-all trace (a factor > 1) can leave the declared bounds.
 * Within a step the pre pathway runs before the post pathway (Brian2 order, as stdp_pair.ts), so
 * a coincident pre/post pair potentiates.
 *
 * Units: traces dimensionless, A's in weight units; the A's must be >= 0 (the host validates).
 * Layout: W row-major [nIn][nOut] f32; r1, r2 f32[nIn]; o1, o2 f32[nOut]. The pre update walks a
 * contiguous row (SIMD across j: every lane does the scalar operations in the same order, so both
 * builds give the same bits); the post update walks a column with stride nOut (scalar).
 * Parameters: the TRIPLET_* slots of abi.ts (the alphas and the floor are for the host's
 * trace_decay_f32 calls).
 */
import {
  TRIPLET_A2_PLUS, TRIPLET_A3_PLUS, TRIPLET_A2_MINUS, TRIPLET_A3_MINUS, TRIPLET_W_MIN, TRIPLET_W_MAX,
  TRIPLET_BOUNDS, TRIPLET_TRACE_MODE,
  CTR_WEIGHT_UPDATES, CTR_TRACE_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf, pi } from '../util/params';

// @ts-ignore: decorator
@inline
function bump(p: usize, nearest: bool): void {
  store<f32>(p, nearest ? <f32>1 : load<f32>(p) + <f32>1);
}

export function triplet_pre_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, r1: usize, r2: usize, o1: usize, params: usize,
): void {
  const a2 = pf(params, TRIPLET_A2_MINUS);
  const a3 = pf(params, TRIPLET_A3_MINUS);
  const lo = pf(params, TRIPLET_W_MIN);
  const hi = pf(params, TRIPLET_W_MAX);
  const soft = pi(params, TRIPLET_BOUNDS) == 1;
  const nearest = pi(params, TRIPLET_TRACE_MODE) == 1;
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const pr2 = r2 + (<usize>i << 2);
    const c = a2 + a3 * load<f32>(pr2);
    if (c != 0) {
      rows++;
      const row = w + <usize>i * rowBytes;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const c4 = f32x4.splat(c);
        const lo4 = f32x4.splat(lo);
        const hi4 = f32x4.splat(hi);
        for (; j + 4 <= nOut; j += 4) {
          const o = <usize>j << 2;
          const wv = v128.load(row + o);
          const d = f32x4.mul(c4, v128.load(o1 + o));
          const wn = soft ? f32x4.sub(wv, f32x4.mul(d, f32x4.sub(wv, lo4))) : f32x4.sub(wv, d);
          v128.store(row + o, f32x4.min(f32x4.max(wn, lo4), hi4));
        }
      }
      for (; j < nOut; j++) {
        const o = <usize>j << 2;
        const wv = load<f32>(row + o);
        const d = c * load<f32>(o1 + o);
        const wn = soft ? wv - d * (wv - lo) : wv - d;
        store<f32>(row + o, min<f32>(max<f32>(wn, lo), hi));
      }
    }
    bump(r1 + (<usize>i << 2), nearest);
    bump(pr2, nearest);
  }
  const valid = nPre - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_TRACE_UPDATES, <f64>valid * 2);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 8 + <f64>valid * 12 + <f64>nPre * 4);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 4 + <f64>valid * 8);
  count(CTR_KERNEL_CALLS, 1);
}

export function triplet_post_f32(
  w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, r1: usize, o1: usize, o2: usize, params: usize,
): void {
  const a2 = pf(params, TRIPLET_A2_PLUS);
  const a3 = pf(params, TRIPLET_A3_PLUS);
  const lo = pf(params, TRIPLET_W_MIN);
  const hi = pf(params, TRIPLET_W_MAX);
  const soft = pi(params, TRIPLET_BOUNDS) == 1;
  const nearest = pi(params, TRIPLET_TRACE_MODE) == 1;
  const stride = <usize>nOut << 2;
  let cols = 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) { dropped++; continue; }
    const po2 = o2 + (<usize>j << 2);
    const c = a2 + a3 * load<f32>(po2);
    if (c != 0) {
      cols++;
      let p = w + (<usize>j << 2);
      for (let i = 0; i < nIn; i++, p += stride) {
        const d = c * load<f32>(r1 + (<usize>i << 2));
        if (d == 0) continue;
        const wv = load<f32>(p);
        const wn = soft ? wv + d * (hi - wv) : wv + d;
        store<f32>(p, min<f32>(max<f32>(wn, lo), hi));
      }
    }
    bump(o1 + (<usize>j << 2), nearest);
    bump(po2, nearest);
  }
  const valid = nPost - dropped;
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_TRACE_UPDATES, <f64>valid * 2);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 8 + <f64>valid * 12 + <f64>nPost * 4);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 4 + <f64>valid * 8);
  count(CTR_KERNEL_CALLS, 1);
}
