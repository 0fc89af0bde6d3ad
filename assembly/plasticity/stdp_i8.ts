/**
 * Pair STDP learning directly in int8 weights with stochastic rounding (Gupta et al. 2015,
 * "Deep learning with limited numerical precision"; Höppner et al. for on-chip SNN learning).
 *
 * The weight of synapse (i, j) is w = s q with q an int8 and s one f32 step per projection,
 * fixed by the plasticity bounds (s = max(|w_min|, |w_max|) / 127), so the stored integers never
 * need rescaling. Each update of pair STDP (stdp_pair.ts: additive with clipping or
 * multiplicative soft bounds, x_offset) is computed in f32 as dw, then
 *     q' = clamp(q + floor(dw / s + u), q_min, q_max),   u ~ U[0, 1) from the arena PRNG
 * which is unbiased: E[q'] = q + dw / s before clamping. Small updates (|dw| << s) therefore
 * still move weights on average, which plain rounding would lose.
 * Synaptic scaling (scale_columns_i8) multiplies a spiking neuron's weights by target / ||w|| with
 * the same stochastic rounding.
 * Random numbers are drawn in synapse order (row-major for the pre pathway, column order for the
 * post pathway), one per updated synapse, so the SIMD-free loops here are identical in both builds.
 * Layout: Wq row-major [nIn][nOut] int8, as dense_accumulate_i8 reads it (whose per-target scales
 * are all s for a learning projection).
 */
import {
  STDP_ETA_PLUS, STDP_ETA_MINUS, STDP_W_MIN, STDP_W_MAX, STDP_BOUNDS, STDP_X_OFFSET,
  STDP_IMPULSE_PRE, STDP_IMPULSE_POST, STDP_TRACE_MODE, STDP_Q_STEP,
  CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { rng_next_u32 } from '../util/prng';
import { trace_bump_f32 } from './traces';
import { pf } from '../util/params';

// @ts-ignore: decorator
@inline
function uniform(rng: usize): f32 {
  return <f32>(rng_next_u32(rng) >>> 8) * <f32>5.9604644775390625e-8;
}

/** q + stochastic rounding of dq, clamped to [qmin, qmax]. */
// @ts-ignore: decorator
@inline
function stochasticStep(q: i32, dq: f32, rng: usize, qmin: i32, qmax: i32): i32 {
  const n = q + <i32>Mathf.floor(dq + uniform(rng));
  return n < qmin ? qmin : n > qmax ? qmax : n;
}

/** The f32 change of one synapse under pair STDP bounds (see stdp_pair.ts). */
// @ts-ignore: decorator
@inline
function delta(w: f32, d: f32, soft: bool, wmin: f32, wmax: f32): f32 {
  if (soft) return d > 0 ? d * (wmax - w) : d * (w - wmin);
  const n = min<f32>(max<f32>(w + d, wmin), wmax);
  return n - w;
}

export function stdp_pre_i8(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, params: usize, rng: usize,
): void {
  trace_bump_f32(preTrace, nIn, pre, nPre, pf(params, STDP_IMPULSE_PRE), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaMinus = pf(params, STDP_ETA_MINUS);
  if (etaMinus == 0 || nPre == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const s = pf(params, STDP_Q_STEP);
  const inv: f32 = <f32>1 / s;
  const qmin = <i32>Mathf.round(wmin * inv);
  const qmax = <i32>Mathf.round(wmax * inv);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  let rows = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) continue;
    rows++;
    const row = w + <usize>i * <usize>nOut;
    for (let j = 0; j < nOut; j++) {
      const q = <i32>load<i8>(row + <usize>j);
      const dw = delta(<f32>q * s, -etaMinus * load<f32>(postTrace + (<usize>j << 2)), soft, wmin, wmax);
      store<i8>(row + <usize>j, <i8>stochasticStep(q, dw * inv, rng, qmin, qmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 5);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut);
  count(CTR_KERNEL_CALLS, 1);
}

export function stdp_post_i8(
  w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, params: usize, rng: usize,
): void {
  trace_bump_f32(postTrace, nOut, post, nPost, pf(params, STDP_IMPULSE_POST), load<i32>(params + (<usize>STDP_TRACE_MODE << 2)) == 1);
  const etaPlus = pf(params, STDP_ETA_PLUS);
  if (etaPlus == 0 || nPost == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const xoff = pf(params, STDP_X_OFFSET);
  const s = pf(params, STDP_Q_STEP);
  const inv: f32 = <f32>1 / s;
  const qmin = <i32>Mathf.round(wmin * inv);
  const qmax = <i32>Mathf.round(wmax * inv);
  const soft = load<i32>(params + (<usize>STDP_BOUNDS << 2)) == 1;
  let cols = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    cols++;
    let p = w + <usize>j;
    for (let i = 0; i < nIn; i++, p += <usize>nOut) {
      const d = etaPlus * (load<f32>(preTrace + (<usize>i << 2)) - xoff);
      if (d == 0) continue;
      const q = <i32>load<i8>(p);
      store<i8>(p, <i8>stochasticStep(q, delta(<f32>q * s, d, soft, wmin, wmax) * inv, rng, qmin, qmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 5);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn);
  count(CTR_KERNEL_CALLS, 1);
}

/** Synaptic scaling in int8 (L1 or L2 as scale_columns_f32), with stochastic rounding. */
export function scale_columns_i8(w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, target: f32, l2: bool, params: usize, rng: usize): void {
  const s = pf(params, STDP_Q_STEP);
  const qmin = <i32>Mathf.round(pf(params, STDP_W_MIN) / s);
  const qmax = <i32>Mathf.round(pf(params, STDP_W_MAX) / s);
  let cols = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    cols++;
    let acc: f32 = 0;
    let p = w + <usize>j;
    for (let i = 0; i < nIn; i++, p += <usize>nOut) {
      const v = <f32>load<i8>(p) * s;
      acc += l2 ? v * v : v;
    }
    if (l2) acc = Mathf.sqrt(acc);
    if (acc <= 0) continue;
    const f = target / acc;
    p = w + <usize>j;
    for (let i = 0; i < nIn; i++, p += <usize>nOut) {
      const q = <i32>load<i8>(p);
      store<i8>(p, <i8>stochasticStep(0, <f32>q * f, rng, qmin, qmax));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 2);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn);
  count(CTR_KERNEL_CALLS, 1);
}
