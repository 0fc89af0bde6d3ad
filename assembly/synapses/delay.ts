/**
 * Synaptic (axonal/dendritic) delays in whole steps, through a ring buffer of future input.
 *
 * A synapse with delay d (steps) delivers the input of an event at step t at step t + d:
 *   R[(t + d) mod S][j] += w_ij          (accumulate, at step t)
 *   I_j += R[t mod S][j];  R[t mod S][j] = 0      (deliver, at step t, after all accumulates)
 * with S = d_max + 1 slots. Delay 0 is the undelayed projection (the same step's synapse phase,
 * acting from the next neuron update as in dense.ts); delay d shifts the response by exactly d
 * steps. Delays are quantised to the step: d = round(delay_ms / dt), as Brian2 does for
 * its `delay` variable.
 *
 * Two forms:
 *   delay_accumulate_f32      one delay for the whole projection (dense W, SIMD across targets:
 *                             it is dense_accumulate_f32 into the ring slot of t + d)
 *   delay_accumulate_syn_f32  one delay per synapse, u8 D[n_in][n_out] (0..255): the targets of
 *                             one event land in different slots, a scatter, so scalar in both builds
 *   delay_deliver_f32         adds slot t mod S to the target current and clears it (SIMD)
 * Layout and memory: the ring R is f32[S][n_out] (4 S n_out bytes per target population; every
 * projection onto the same current can share it), per-synapse delays add n_in n_out bytes.
 * `step` is the caller's step counter (>= 0); the slot is step mod S.
 * Bounds: event indices >= n_in, and delays >= S (data from a model file), are counted in
 * CTR_EVENTS_DROPPED and skipped (a whole projection's events when its delay is out of range,
 * or when S <= 0).
 * SIMD and scalar: one add per element per event in event order in both builds (bit-identical).
 */
import {
  CTR_SYNOPS_F32, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { dense_accumulate_f32 } from './dense';

export function delay_accumulate_f32(
  w: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, ring: usize, nSlots: i32, step: i32, delay: i32,
): void {
  if (nSlots <= 0 || delay < 0 || delay >= nSlots) {
    count(CTR_EVENTS_DROPPED, <f64>nIdx);
    count(CTR_KERNEL_CALLS, 1);
    return;
  }
  const slot = (<u32>step % <u32>nSlots + <u32>delay) % <u32>nSlots;
  dense_accumulate_f32(w, nIn, nOut, idx, nIdx, ring + ((<usize>slot * <usize>nOut) << 2));
}

export function delay_accumulate_syn_f32(
  w: usize, delays: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, ring: usize, nSlots: i32, step: i32,
): void {
  if (nSlots <= 0) {
    count(CTR_EVENTS_DROPPED, <f64>nIdx);
    count(CTR_KERNEL_CALLS, 1);
    return;
  }
  const base = <i32>(<u32>step % <u32>nSlots);
  let synops = 0;
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const row = <usize>i * <usize>nOut;
    for (let j = 0; j < nOut; j++) {
      const d = <i32>load<u8>(delays + row + <usize>j);
      if (d >= nSlots) { dropped++; continue; }
      let sl = base + d;
      if (sl >= nSlots) sl -= nSlots;
      const t = ring + ((<usize>sl * <usize>nOut + <usize>j) << 2);
      store<f32>(t, load<f32>(t) + load<f32>(w + ((row + <usize>j) << 2)));
      synops++;
    }
  }
  count(CTR_SYNOPS_F32, <f64>synops);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nIdx * 4 + <f64>synops * 9);
  count(CTR_BYTES_WRITTEN, <f64>synops * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function delay_deliver_f32(ring: usize, nSlots: i32, step: i32, nOut: i32, target: usize): void {
  if (nSlots <= 0) return;
  const slot = <usize>(<u32>step % <u32>nSlots);
  const r = ring + ((slot * <usize>nOut) << 2);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    for (; j + 4 <= nOut; j += 4) {
      const o = <usize>j << 2;
      v128.store(target + o, f32x4.add(v128.load(target + o), v128.load(r + o)));
      v128.store(r + o, z);
    }
  }
  for (; j < nOut; j++) {
    const o = <usize>j << 2;
    store<f32>(target + o, load<f32>(target + o) + load<f32>(r + o));
    store<f32>(r + o, 0);
  }
  count(CTR_BYTES_READ, <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 8);
  count(CTR_KERNEL_CALLS, 1);
}
