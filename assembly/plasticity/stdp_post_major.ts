/**
 * Pair STDP and its synaptic input for a post-major weight layout, WT[nOut][nIn] (row = the
 * postsynaptic neuron's weight vector). The equations are those of stdp_pair.ts and dense.ts;
 * only the memory walk differs:
 *
 *   layout          input event (forward)        pre spike (LTD)          post spike (LTP)
 *   pre-major W     contiguous row, SIMD         contiguous row, SIMD     column, stride nOut
 *   post-major WT   gather, one value per target column, stride nIn     contiguous row, SIMD
 *
 * A post-major projection pays on every input event and wins on every post spike: the LTP row
 * walk runs 4-10x faster than the strided column walk (bench/), so it suits layers whose
 * neurons fire often relative to their inputs (many winners per step, dense output activity),
 * and the Plan lets a spec choose (`layout: "post-major"`). wasm SIMD has no gather, so the
 * forward and LTD walks are scalar in both builds; the row walks are SIMD across the
 * presynaptic index, elementwise, so the builds stay bit-identical.
 */
import {
  STDP_ETA_PLUS, STDP_ETA_MINUS, STDP_W_MIN, STDP_W_MAX, STDP_BOUNDS, STDP_X_OFFSET,
  STDP_IMPULSE_PRE, STDP_IMPULSE_POST, STDP_TRACE_MODE,
  CTR_SYNOPS_F32, CTR_EVENTS_DROPPED, CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { trace_bump_f32 } from './traces';
import { pf } from '../util/params';

/** I_j += WT[j][i] for every valid input event i (gather along each target's row). */
export function dense_gather_f32(wt: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, target: usize): void {
  let valid = 0;
  for (let k = 0; k < nIdx; k++) if (load<u32>(idx + (<usize>k << 2)) < <u32>nIn) valid++;
  const rowBytes = <usize>nIn << 2;
  for (let j = 0; j < nOut; j++) {
    const row = wt + <usize>j * rowBytes;
    const t = target + (<usize>j << 2);
    let a = load<f32>(t);
    for (let k = 0; k < nIdx; k++) {
      const i = load<u32>(idx + (<usize>k << 2));
      if (i >= <u32>nIn) continue;
      a += load<f32>(row + (<usize>i << 2));
    }
    store<f32>(t, a);
  }
  count(CTR_SYNOPS_F32, <f64>valid * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>(nIdx - valid));
  count(CTR_BYTES_READ, <f64>valid * <f64>nOut * 4 + <f64>nOut * 4 + <f64>nIdx * 4 * <f64>nOut);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

/** Pre pathway: bump x_i; LTD down column i of WT (stride nIn). */
export function stdp_pre_cols_f32(
  wt: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(preTrace, nIn, pre, nPre, pf(params, STDP_IMPULSE_PRE), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaMinus = pf(params, STDP_ETA_MINUS);
  if (etaMinus == 0 || nPre == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  const stride = <usize>nIn << 2;
  let cols = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) continue;
    cols++;
    let p = wt + (<usize>i << 2);
    for (let j = 0; j < nOut; j++, p += stride) {
      const wv = load<f32>(p);
      const d = etaMinus * load<f32>(postTrace + (<usize>j << 2));
      store<f32>(p, soft ? wv - d * (wv - wmin) : min<f32>(max<f32>(wv - d, wmin), wmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nOut);
  count(CTR_BYTES_READ, <f64>cols * <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

/** Post pathway: bump y_j; LTP along row j of WT, contiguous, SIMD across i. */
export function stdp_post_rows_f32(
  wt: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(postTrace, nOut, post, nPost, pf(params, STDP_IMPULSE_POST), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaPlus = pf(params, STDP_ETA_PLUS);
  if (etaPlus == 0 || nPost == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const xoff = pf(params, STDP_X_OFFSET);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  const rowBytes = <usize>nIn << 2;
  let rows = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    rows++;
    const row = wt + <usize>j * rowBytes;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const ep = f32x4.splat(etaPlus);
      const off = f32x4.splat(xoff);
      const lo = f32x4.splat(wmin);
      const hi = f32x4.splat(wmax);
      const zero = f32x4.splat(0);
      for (; i + 4 <= nIn; i += 4) {
        const o = <usize>i << 2;
        const wv = v128.load(row + o);
        const d = f32x4.mul(ep, f32x4.sub(v128.load(preTrace + o), off));
        let nw: v128;
        if (soft) {
          const up = f32x4.mul(d, f32x4.sub(hi, wv));
          const down = f32x4.mul(d, f32x4.sub(wv, lo));
          nw = f32x4.add(wv, v128.bitselect(up, down, f32x4.gt(d, zero)));
        } else {
          nw = f32x4.min(f32x4.max(f32x4.add(wv, d), lo), hi);
        }
        // d == 0 leaves the weight untouched, as the scalar loop does.
        v128.store(row + o, v128.bitselect(wv, nw, f32x4.eq(d, zero)));
      }
    }
    for (; i < nIn; i++) {
      const o = <usize>i << 2;
      const d = etaPlus * (load<f32>(preTrace + o) - xoff);
      if (d == 0) continue;
      const wv = load<f32>(row + o);
      store<f32>(row + o, soft ? wv + (d > 0 ? d * (wmax - wv) : d * (wv - wmin)) : min<f32>(max<f32>(wv + d, wmin), wmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nIn);
  count(CTR_BYTES_READ, <f64>rows * <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nIn * 4);
  count(CTR_KERNEL_CALLS, 1);
}

/** Synaptic scaling of the rows of WT whose neuron spiked: scalar sum (order fixed), SIMD scale. */
export function scale_rows_f32(wt: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, target: f32, l2: bool): void {
  const rowBytes = <usize>nIn << 2;
  let rows = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    rows++;
    const row = wt + <usize>j * rowBytes;
    let s: f32 = 0;
    for (let i = 0; i < nIn; i++) {
      const v = load<f32>(row + (<usize>i << 2));
      s += l2 ? v * v : v;
    }
    if (l2) s = Mathf.sqrt(s);
    if (s <= 0) continue;
    const f = target / s;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const f4 = f32x4.splat(f);
      for (; i + 4 <= nIn; i += 4) {
        const o = row + (<usize>i << 2);
        v128.store(o, f32x4.mul(v128.load(o), f4));
      }
    }
    for (; i < nIn; i++) {
      const o = row + (<usize>i << 2);
      store<f32>(o, load<f32>(o) * f);
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nIn);
  count(CTR_BYTES_READ, <f64>rows * <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nIn * 4);
  count(CTR_KERNEL_CALLS, 1);
}
