/**
 * Reference for assembly/synapses/csr.ts: event-driven CSR accumulation,
 *   I[col[p]] += e_k * val[p]   for every synapse p of every valid event row i_k (e_k = 1 unscaled).
 * Out-of-range event indices, malformed rows and out-of-range column indices are skipped; the
 * function returns how many were dropped (what the kernel adds to CTR_EVENTS_DROPPED).
 */
const fr = Math.fround;

export function csrAccumulateF32(
  rowPtr: Uint32Array, colIdx: Uint32Array, vals: Float32Array, nIn: number, nOut: number, nnz: number,
  idx: Uint32Array, nIdx: number, target: Float32Array, scale: Float32Array | null = null,
): number {
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) { dropped++; continue; }
    const a = rowPtr[i], b = rowPtr[i + 1];
    if (a > b || b > nnz) { dropped++; continue; }
    const e = scale ? scale[k] : 1;
    for (let p = a; p < b; p++) {
      const c = colIdx[p];
      if (c >= nOut) { dropped++; continue; }
      target[c] = scale ? fr(target[c] + fr(e * vals[p])) : fr(target[c] + vals[p]);
    }
  }
  return dropped;
}
