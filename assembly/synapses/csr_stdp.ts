/**
 * Pair STDP on a sparse (CSR) projection: the rule of plasticity/stdp_pair.ts applied to the
 * synapses that exist, event-driven (Bi & Poo 1998; Song, Miller & Abbott 2000; trace form of
 * Morrison, Diesmann & Gerstner 2008).
 *
 *   on a pre spike of i  (csr_stdp_pre_f32):  bump x_i; for every stored synapse p = (i, j) of row i:
 *                                             w_p += -eta_minus * y_j * h_minus(w_p)
 *   on a post spike of j (csr_stdp_post_f32): bump y_j; for every stored synapse p = (i, j) of column j:
 *                                             w_p +=  eta_plus * (x_i - x_offset) * h(w_p)   (skipped when 0)
 * with the bounds of stdp_pair.ts (additive: h = 1 then clip to [w_min, w_max]; multiplicative:
 * h = w_max - w for a positive change, w - w_min for a negative one) and the same STDP_* parameter
 * block. Each synapse gets exactly the f32 operations the dense kernels give the same weight, so
 * a sparse projection of density 1 learns bit for bit as the dense one.
 *
 * Layout:
 *   csr = rowPtr u32[nIn + 1] | colIdx u32[nnz] | vals f32[nnz]     (synapses/csr.ts)
 *   csc = colPtr u32[nOut + 1] | cscRow u32[nnz] | cscSyn u32[nnz]  (column j holds the synapses
 *         cscSyn[colPtr[j] .. colPtr[j+1]-1], from sources cscRow[..], rows ascending; built at plan time)
 * The post pathway walks a column through the CSC index, so it touches only the column's nnz / nOut
 * synapses instead of nIn strided weights.
 *
 * Bounds (data-derived indices): an event index out of range is skipped (trace_bump_f32 counts it
 * in CTR_EVENTS_DROPPED); a row or column whose pointers are not ordered or point past nnz, and a
 * column, row or synapse index out of range are counted there and skipped.
 * No SIMD: synapses of a row or column are scattered; both builds run this scalar code
 * (bit-identical by construction). Reference: host/reference/csr-stdp.ts.
 */
import {
  STDP_ETA_PLUS, STDP_ETA_MINUS, STDP_W_MIN, STDP_W_MAX, STDP_BOUNDS, STDP_X_OFFSET,
  STDP_IMPULSE_PRE, STDP_IMPULSE_POST, STDP_TRACE_MODE,
  CTR_WEIGHT_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { trace_bump_f32 } from '../plasticity/traces';
import { pf, pi } from '../util/params';

export function csr_stdp_pre_f32(
  csr: usize, nIn: i32, nOut: i32, nnz: i32, pre: usize, nPre: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(preTrace, nIn, pre, nPre, pf(params, STDP_IMPULSE_PRE), pi(params, STDP_TRACE_MODE) == 1);
  const etaMinus = pf(params, STDP_ETA_MINUS);
  if (etaMinus == 0 || nPre == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const soft = pi(params, STDP_BOUNDS) == 1;
  const colIdx = csr + ((<usize>(nIn + 1)) << 2);
  const vals = colIdx + ((<usize>nnz) << 2);
  let updates = 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) continue; // counted by trace_bump_f32
    const a = load<u32>(csr + (<usize>i << 2));
    const b = load<u32>(csr + (<usize>i << 2), 4);
    if (a > b || b > <u32>nnz) { dropped++; continue; }
    for (let p = a; p < b; p++) {
      const j = load<u32>(colIdx + (<usize>p << 2));
      if (j >= <u32>nOut) { dropped++; continue; }
      const wp = vals + (<usize>p << 2);
      const wv = load<f32>(wp);
      const d = etaMinus * load<f32>(postTrace + (<usize>j << 2));
      store<f32>(wp, soft ? wv - d * (wv - wmin) : min<f32>(max<f32>(wv - d, wmin), wmax));
      updates++;
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>updates);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nPre * 12 + <f64>updates * 12);
  count(CTR_BYTES_WRITTEN, <f64>updates * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function csr_stdp_post_f32(
  csr: usize, csc: usize, nIn: i32, nOut: i32, nnz: i32, post: usize, nPost: i32, preTrace: usize, postTrace: usize, params: usize,
): void {
  trace_bump_f32(postTrace, nOut, post, nPost, pf(params, STDP_IMPULSE_POST), pi(params, STDP_TRACE_MODE) == 1);
  const etaPlus = pf(params, STDP_ETA_PLUS);
  if (etaPlus == 0 || nPost == 0) return;
  const wmin = pf(params, STDP_W_MIN);
  const wmax = pf(params, STDP_W_MAX);
  const xoff = pf(params, STDP_X_OFFSET);
  const soft = pi(params, STDP_BOUNDS) == 1;
  const vals = csr + ((<usize>(nIn + 1 + nnz)) << 2);
  const cscRow = csc + ((<usize>(nOut + 1)) << 2);
  const cscSyn = cscRow + ((<usize>nnz) << 2);
  let visited = 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue; // counted by trace_bump_f32
    const a = load<u32>(csc + (<usize>j << 2));
    const b = load<u32>(csc + (<usize>j << 2), 4);
    if (a > b || b > <u32>nnz) { dropped++; continue; }
    for (let q = a; q < b; q++) {
      const i = load<u32>(cscRow + (<usize>q << 2));
      const p = load<u32>(cscSyn + (<usize>q << 2));
      if (i >= <u32>nIn || p >= <u32>nnz) { dropped++; continue; }
      visited++;
      const d = etaPlus * (load<f32>(preTrace + (<usize>i << 2)) - xoff);
      if (d == 0) continue;
      const wp = vals + (<usize>p << 2);
      const wv = load<f32>(wp);
      if (soft) {
        store<f32>(wp, wv + (d > 0 ? d * (wmax - wv) : d * (wv - wmin)));
      } else {
        store<f32>(wp, min<f32>(max<f32>(wv + d, wmin), wmax));
      }
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>visited);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nPost * 12 + <f64>visited * 16);
  count(CTR_BYTES_WRITTEN, <f64>visited * 4);
  count(CTR_KERNEL_CALLS, 1);
}
