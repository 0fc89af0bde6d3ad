/**
 * Pair-based STDP with exponential pre/post traces (Bi & Poo 1998; Song, Miller & Abbott 2000;
 * trace formulation of Morrison, Diesmann & Gerstner 2008), event-driven.
 *
 * Traces (see traces.ts): x_i for presynaptic unit i, y_j for postsynaptic unit j.
 *   on a pre spike of i  (stdp_pre_f32):  bump x_i; for all j:  w_ij += -eta_minus * y_j * h_minus(w_ij)
 *   on a post spike of j (stdp_post_f32): bump y_j; for all i:  w_ij +=  eta_plus * (x_i - x_offset) * h(w_ij)
 * Bounds:
 *   additive (0):        h = 1, then w clipped to [w_min, w_max]
 *   multiplicative (1):  soft bounds, h = (w_max - w) for a positive change, (w - w_min) for a negative one
 *                        (van Rossum, Bi & Turrigiano 2000), so w stays inside the bounds without clipping
 * x_offset = 0 gives plain pair STDP; x_offset > 0 depresses inputs that were silent before the
 * post spike (Diehl & Cook 2015, "x_tar"), which lets a neuron forget pixels outside its prototype.
 * Brian2's STDP example maps to: eta_plus = Apre, eta_minus = -Apost, unit impulses, additive.
 * Within a step the pre pathway runs before the post pathway (Brian2 order), so a coincident
 * pre/post pair potentiates.
 *
 * Layout: W row-major [nIn][nOut]. The pre update walks one contiguous row (SIMD across j); the
 * post update walks one column with stride nOut (scalar: wasm has no gather/scatter), which is why
 * its cost is counted per presynaptic unit (toolchain notes §2).
 */
import {
  STDP_ETA_PLUS, STDP_ETA_MINUS, STDP_W_MIN, STDP_W_MAX, STDP_BOUNDS, STDP_X_OFFSET,
  STDP_IMPULSE_PRE, STDP_IMPULSE_POST, STDP_TRACE_MODE,
  CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { trace_bump_f32 } from './traces';
import { pf } from '../util/params';

export function stdp_pre_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(preTrace, nIn, pre, nPre, pf(params, STDP_IMPULSE_PRE), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaMinus = pf(params, STDP_ETA_MINUS);
  if (etaMinus == 0 || nPre == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) continue;
    rows++;
    const row = w + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const em = f32x4.splat(etaMinus);
      const lo = f32x4.splat(wmin);
      const hi = f32x4.splat(wmax);
      if (soft) {
        for (; j + 4 <= nOut; j += 4) {
          const o = <usize>j << 2;
          const wv = v128.load(row + o);
          const d = f32x4.mul(em, v128.load(postTrace + o));
          v128.store(row + o, f32x4.sub(wv, f32x4.mul(d, f32x4.sub(wv, lo))));
        }
      } else {
        for (; j + 4 <= nOut; j += 4) {
          const o = <usize>j << 2;
          const d = f32x4.mul(em, v128.load(postTrace + o));
          v128.store(row + o, f32x4.min(f32x4.max(f32x4.sub(v128.load(row + o), d), lo), hi));
        }
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const wv = load<f32>(row + o);
      const d = etaMinus * load<f32>(postTrace + o);
      store<f32>(row + o, soft ? wv - d * (wv - wmin) : min<f32>(max<f32>(wv - d, wmin), wmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function stdp_post_f32(
  w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(postTrace, nOut, post, nPost, pf(params, STDP_IMPULSE_POST), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaPlus = pf(params, STDP_ETA_PLUS);
  if (etaPlus == 0 || nPost == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const xoff = pf(params, STDP_X_OFFSET);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  const stride = <usize>nOut << 2;
  let cols = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    cols++;
    let p = w + (<usize>j << 2);
    for (let i = 0; i < nIn; i++, p += stride) {
      const d = etaPlus * (load<f32>(preTrace + (<usize>i << 2)) - xoff);
      if (d == 0) continue;
      const wv = load<f32>(p);
      if (soft) {
        store<f32>(p, wv + (d > 0 ? d * (wmax - wv) : d * (wv - wmin)));
      } else {
        store<f32>(p, min<f32>(max<f32>(wv + d, wmin), wmax));
      }
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 4);
  count(CTR_KERNEL_CALLS, 1);
}
