/**
 * Event-driven dense synaptic accumulation: for every presynaptic event i in this step,
 *   f32:  I_j += W[i][j]                         for all j        (Brian2: on_pre I += w)
 *   int8: acc_j = sat16(acc_j + Wq[i][j])         for all j, then once per step
 *         I_j += acc_j * scale_j ; acc_j = 0       (dense_flush_i8)
 * Layout: W row-major [nIn][nOut] (row = presynaptic input, contiguous over targets), so one event
 * touches one contiguous row and SIMD runs across target neurons. int8 weights use one f32 scale
 * per target neuron (per-channel quantisation, as TFLite Micro / CMSIS-NN do for output
 * channels), which keeps the event loop in integers: 16 synapses per 128-bit add. The i16
 * accumulator saturates (i16x8.add_sat_s) after about 258 maximal events to one neuron within a
 * step; the scalar twin saturates identically.
 * Indices come from data (input events), so each is bounds-checked: an out-of-range index is
 * counted in CTR_EVENTS_DROPPED and skipped.
 * Blocking: each 16-target block keeps its accumulators in registers across all events of the
 * step; per target the additions happen in event order in both builds, so results are bit-exact.
 */
import {
  CTR_SYNOPS_F32, CTR_SYNOPS_I8, CTR_SYNOPS_I16, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';

function countValid(idx: usize, nIdx: i32, nIn: i32): i32 {
  let valid = 0;
  for (let k = 0; k < nIdx; k++) {
    if (load<u32>(idx + (<usize>k << 2)) < <u32>nIn) valid++;
  }
  return valid;
}

export function dense_accumulate_f32(w: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, target: usize): void {
  const rowBytes = <usize>nOut << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 16 <= nOut; j += 16) {
      const t = target + (<usize>j << 2);
      let a0 = v128.load(t);
      let a1 = v128.load(t, 16);
      let a2 = v128.load(t, 32);
      let a3 = v128.load(t, 48);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const r = w + <usize>i * rowBytes + (<usize>j << 2);
        a0 = f32x4.add(a0, v128.load(r));
        a1 = f32x4.add(a1, v128.load(r, 16));
        a2 = f32x4.add(a2, v128.load(r, 32));
        a3 = f32x4.add(a3, v128.load(r, 48));
      }
      v128.store(t, a0);
      v128.store(t, a1, 16);
      v128.store(t, a2, 32);
      v128.store(t, a3, 48);
    }
    for (; j + 4 <= nOut; j += 4) {
      const t = target + (<usize>j << 2);
      let a = v128.load(t);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        a = f32x4.add(a, v128.load(w + <usize>i * rowBytes + (<usize>j << 2)));
      }
      v128.store(t, a);
    }
  }
  for (; j < nOut; j++) {
    const t = target + (<usize>j << 2);
    let a = load<f32>(t);
    for (let k = 0; k < nIdx; k++) {
      const i = load<u32>(idx + (<usize>k << 2));
      if (i >= <u32>nIn) continue;
      a += load<f32>(w + <usize>i * rowBytes + (<usize>j << 2));
    }
    store<f32>(t, a);
  }
  const valid = countValid(idx, nIdx, nIn);
  count(CTR_SYNOPS_F32, <f64>valid * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>(nIdx - valid));
  count(CTR_BYTES_READ, <f64>valid * <f64>nOut * 4 + <f64>nOut * 4 + <f64>nIdx * 4);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

// @ts-ignore: decorator
@inline
function sat16(x: i32): i32 {
  return x < -32768 ? -32768 : x > 32767 ? 32767 : x;
}

export function dense_accumulate_i8(w: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, acc: usize): void {
  const rowBytes = <usize>nOut;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 32 <= nOut; j += 32) {
      const t = acc + (<usize>j << 1);
      let a0 = v128.load(t);
      let a1 = v128.load(t, 16);
      let a2 = v128.load(t, 32);
      let a3 = v128.load(t, 48);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const r = w + <usize>i * rowBytes + <usize>j;
        const q0 = v128.load(r);
        const q1 = v128.load(r, 16);
        a0 = i16x8.add_sat_s(a0, i16x8.extend_low_i8x16_s(q0));
        a1 = i16x8.add_sat_s(a1, i16x8.extend_high_i8x16_s(q0));
        a2 = i16x8.add_sat_s(a2, i16x8.extend_low_i8x16_s(q1));
        a3 = i16x8.add_sat_s(a3, i16x8.extend_high_i8x16_s(q1));
      }
      v128.store(t, a0);
      v128.store(t, a1, 16);
      v128.store(t, a2, 32);
      v128.store(t, a3, 48);
    }
    for (; j + 16 <= nOut; j += 16) {
      const t = acc + (<usize>j << 1);
      let a0 = v128.load(t);
      let a1 = v128.load(t, 16);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const q = v128.load(w + <usize>i * rowBytes + <usize>j);
        a0 = i16x8.add_sat_s(a0, i16x8.extend_low_i8x16_s(q));
        a1 = i16x8.add_sat_s(a1, i16x8.extend_high_i8x16_s(q));
      }
      v128.store(t, a0);
      v128.store(t, a1, 16);
    }
  }
  for (; j < nOut; j++) {
    const t = acc + (<usize>j << 1);
    let a = <i32>load<i16>(t);
    for (let k = 0; k < nIdx; k++) {
      const i = load<u32>(idx + (<usize>k << 2));
      if (i >= <u32>nIn) continue;
      a = sat16(a + <i32>load<i8>(w + <usize>i * rowBytes + <usize>j));
    }
    store<i16>(t, <i16>a);
  }
  const valid = countValid(idx, nIdx, nIn);
  count(CTR_SYNOPS_I8, <f64>valid * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>(nIdx - valid));
  count(CTR_BYTES_READ, <f64>valid * <f64>nOut + <f64>nOut * 2 + <f64>nIdx * 4);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 2);
  count(CTR_KERNEL_CALLS, 1);
}

export function dense_flush_i8(acc: usize, scale: usize, nOut: i32, target: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const z = i16x8.splat(0);
    for (; j + 8 <= nOut; j += 8) {
      const a = v128.load(acc + (<usize>j << 1));
      const t = target + (<usize>j << 2);
      const s = scale + (<usize>j << 2);
      const lo = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(a));
      const hi = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(a));
      v128.store(t, f32x4.add(v128.load(t), f32x4.mul(lo, v128.load(s))));
      v128.store(t, f32x4.add(v128.load(t, 16), f32x4.mul(hi, v128.load(s, 16))), 16);
      v128.store(acc + (<usize>j << 1), z);
    }
  }
  for (; j < nOut; j++) {
    const a = acc + (<usize>j << 1);
    const t = target + (<usize>j << 2);
    store<f32>(t, load<f32>(t) + <f32>load<i16>(a) * load<f32>(scale + (<usize>j << 2)));
    store<i16>(a, 0);
  }
  count(CTR_BYTES_READ, <f64>nOut * 10);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 6);
  count(CTR_KERNEL_CALLS, 1);
}

/**
 * int16 weights (post-training quantisation with more headroom than int8): per event
 *   acc_j += Wq[i][j]            (i32 accumulator, no saturation within a step below 2^16 events)
 * then once per step I_j += acc_j * scale_j ; acc_j = 0   (dense_flush_i16).
 * SIMD: 8 weights per 128-bit load, widened to two i32x4 lanes; same order as the scalar loop.
 */
export function dense_accumulate_i16(w: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, acc: usize): void {
  const rowBytes = <usize>nOut << 1;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 8 <= nOut; j += 8) {
      const t = acc + (<usize>j << 2);
      let a0 = v128.load(t);
      let a1 = v128.load(t, 16);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const q = v128.load(w + <usize>i * rowBytes + (<usize>j << 1));
        a0 = i32x4.add(a0, i32x4.extend_low_i16x8_s(q));
        a1 = i32x4.add(a1, i32x4.extend_high_i16x8_s(q));
      }
      v128.store(t, a0);
      v128.store(t, a1, 16);
    }
  }
  for (; j < nOut; j++) {
    const t = acc + (<usize>j << 2);
    let a = load<i32>(t);
    for (let k = 0; k < nIdx; k++) {
      const i = load<u32>(idx + (<usize>k << 2));
      if (i >= <u32>nIn) continue;
      a += <i32>load<i16>(w + <usize>i * rowBytes + (<usize>j << 1));
    }
    store<i32>(t, a);
  }
  const valid = countValid(idx, nIdx, nIn);
  count(CTR_SYNOPS_I16, <f64>valid * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>(nIdx - valid));
  count(CTR_BYTES_READ, <f64>valid * <f64>nOut * 2 + <f64>nOut * 4 + <f64>nIdx * 4);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function dense_flush_i16(acc: usize, scale: usize, nOut: i32, target: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const z = i32x4.splat(0);
    for (; j + 4 <= nOut; j += 4) {
      const p = acc + (<usize>j << 2);
      const t = target + (<usize>j << 2);
      v128.store(t, f32x4.add(v128.load(t), f32x4.mul(f32x4.convert_i32x4_s(v128.load(p)), v128.load(scale + (<usize>j << 2)))));
      v128.store(p, z);
    }
  }
  for (; j < nOut; j++) {
    const p = acc + (<usize>j << 2);
    const t = target + (<usize>j << 2);
    store<f32>(t, load<f32>(t) + <f32>load<i32>(p) * load<f32>(scale + (<usize>j << 2)));
    store<i32>(p, 0);
  }
  count(CTR_BYTES_READ, <f64>nOut * 12);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 8);
  count(CTR_KERNEL_CALLS, 1);
}
