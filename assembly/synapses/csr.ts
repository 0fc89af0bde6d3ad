/**
 * Event-driven sparse (CSR) synaptic accumulation, f32 weights.
 *
 * For every presynaptic event i in this step (k-th entry of the spike list), and every stored
 * synapse p of row i:
 *   I[col[p]] += e_k * val[p]          e_k = scale[k] (e.g. the STP efficacy of stp.ts), or 1
 * (Brian2: on_pre I += w, over the synapses that exist.) A recurrent projection is the same call
 * with the population's own spike list as source: its input acts from the next step.
 *
 * Layout (compressed sparse row, rows = presynaptic units):
 *   rowPtr u32[nIn + 1]   row i holds synapses rowPtr[i] .. rowPtr[i+1]-1 (non-decreasing)
 *   colIdx u32[nnz]       target neuron of each synapse
 *   vals   f32[nnz]       weight of each synapse
 * Memory: 4 (nIn + 1) + 8 nnz bytes, against 4 nIn nOut for dense; CSR wins below ~50 % density.
 *
 * Bounds (data-derived indices): an event index i >= nIn, a row whose pointers are not
 * ordered or point past nnz, and a column index >= nOut are each counted in CTR_EVENTS_DROPPED
 * and skipped; nothing outside the declared arrays is ever read or written.
 *
 * No SIMD: the targets of one row are scattered and wasm SIMD has no scatter, so both builds run
 * this same scalar loop (bit-identical by construction). Per target, additions happen in event
 * order, then in row order, exactly as in the reference (host/reference/csr.ts).
 */
import {
  CTR_SYNOPS_F32, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';

export function csr_accumulate_f32(
  rowPtr: usize, colIdx: usize, vals: usize, nIn: i32, nOut: i32, nnz: i32, idx: usize, nIdx: i32, target: usize, scale: usize,
): void {
  let synops = 0;
  let dropped = 0;
  let rows = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const a = load<u32>(rowPtr + (<usize>i << 2));
    const b = load<u32>(rowPtr + (<usize>i << 2), 4);
    if (a > b || b > <u32>nnz) { dropped++; continue; }
    rows++;
    if (scale != 0) {
      const e = load<f32>(scale + (<usize>k << 2));
      for (let p = a; p < b; p++) {
        const c = load<u32>(colIdx + (<usize>p << 2));
        if (c >= <u32>nOut) { dropped++; continue; }
        const t = target + (<usize>c << 2);
        store<f32>(t, load<f32>(t) + e * load<f32>(vals + (<usize>p << 2)));
        synops++;
      }
    } else {
      for (let p = a; p < b; p++) {
        const c = load<u32>(colIdx + (<usize>p << 2));
        if (c >= <u32>nOut) { dropped++; continue; }
        const t = target + (<usize>c << 2);
        store<f32>(t, load<f32>(t) + load<f32>(vals + (<usize>p << 2)));
        synops++;
      }
    }
  }
  count(CTR_SYNOPS_F32, <f64>synops);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nIdx * 4 + <f64>rows * 8 + <f64>synops * 12);
  count(CTR_BYTES_WRITTEN, <f64>synops * 4);
  count(CTR_KERNEL_CALLS, 1);
}
