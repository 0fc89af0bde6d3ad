/**
 * Reference for assembly/synapses/csr_stdp.ts: pair STDP on the stored synapses of a CSR
 * projection, with a CSC index for the post pathway.
 *   pre spike of i:  bump x_i; for p in row i:     w_p = soft ? w - d (w - wMin) : clip(w - d),  d = etaMinus y_j
 *   post spike of j: bump y_j; for q in column j:  d = etaPlus (x_i - xOffset); skip 0;
 *                                                  w_p = soft ? w + d (d > 0 ? wMax - w : w - wMin) : clip(w + d)
 * Out-of-range indices and malformed rows/columns are skipped; each function returns how many were
 * dropped (what the kernel and its trace bump add to CTR_EVENTS_DROPPED).
 */
import { traceBump, type StdpParams } from './kernels.js';
import type { CscIndex } from '../plan/connectivity.js';

const fr = Math.fround;

export function csrStdpPreF32(
  rowPtr: Uint32Array, colIdx: Uint32Array, vals: Float32Array, nIn: number, nOut: number, nnz: number,
  pre: Uint32Array, nPre: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams,
): number {
  traceBump(preTrace, nIn, pre, nPre, p.impulsePre, p.nearest);
  const em = fr(p.etaMinus), lo = fr(p.wMin), hi = fr(p.wMax);
  if (em === 0 || nPre === 0) return 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) { dropped++; continue; }
    const a = rowPtr[i], b = rowPtr[i + 1];
    if (a > b || b > nnz) { dropped++; continue; }
    for (let q = a; q < b; q++) {
      const j = colIdx[q];
      if (j >= nOut) { dropped++; continue; }
      const w = vals[q];
      const d = fr(em * postTrace[j]);
      vals[q] = p.soft ? fr(w - fr(d * fr(w - lo))) : Math.min(Math.max(fr(w - d), lo), hi);
    }
  }
  return dropped;
}

export function csrStdpPostF32(
  vals: Float32Array, csc: CscIndex, nIn: number, nOut: number, nnz: number,
  post: Uint32Array, nPost: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams,
): number {
  traceBump(postTrace, nOut, post, nPost, p.impulsePost, p.nearest);
  const ep = fr(p.etaPlus), lo = fr(p.wMin), hi = fr(p.wMax), xo = fr(p.xOffset);
  if (ep === 0 || nPost === 0) return 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) { dropped++; continue; }
    const a = csc.colPtr[j], b = csc.colPtr[j + 1];
    if (a > b || b > nnz) { dropped++; continue; }
    for (let q = a; q < b; q++) {
      const i = csc.row[q], s = csc.syn[q];
      if (i >= nIn || s >= nnz) { dropped++; continue; }
      const d = fr(ep * fr(preTrace[i] - xo));
      if (d === 0) continue;
      const w = vals[s];
      vals[s] = p.soft ? fr(w + fr(d > 0 ? fr(d * fr(hi - w)) : fr(d * fr(w - lo)))) : Math.min(Math.max(fr(w + d), lo), hi);
    }
  }
  return dropped;
}
