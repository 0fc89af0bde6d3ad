/**
 * Exponential synaptic traces, the first word of the learning-rule vocabulary.
 *
 *   x(t+dt) = alpha x(t),  alpha = exp(-dt/tau)          (trace_decay_f32, every step)
 *   on a spike of unit i:  x_i += impulse   (all-to-all pairing)
 *                          x_i  = impulse   (nearest-spike pairing)      (trace_bump_f32)
 * Values below `floor` are flushed to 0 after the decay: wasm has no flush-to-zero mode, and a
 * silent unit's trace would otherwise decay into slow subnormal arithmetic (toolchain notes §8.9).
 * Flushing at floor = 1e-30 changes no result that the tests can see (an impulse of 1 needs about
 * 69 time constants to decay that far).
 */
import { CTR_TRACE_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_EVENTS_DROPPED } from '../abi';
import { count } from '../util/counters';

export function trace_decay_f32(x: usize, n: i32, alpha: f32, floor: f32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const a4 = f32x4.splat(alpha);
    const f4 = f32x4.splat(floor);
    for (; j + 4 <= n; j += 4) {
      const p = x + (<usize>j << 2);
      const d = f32x4.mul(v128.load(p), a4);
      v128.store(p, v128.andnot(d, f32x4.lt(d, f4)));
    }
  }
  for (; j < n; j++) {
    const p = x + (<usize>j << 2);
    const d = load<f32>(p) * alpha;
    store<f32>(p, d < floor ? 0 : d);
  }
  count(CTR_TRACE_UPDATES, <f64>n);
  count(CTR_BYTES_READ, <f64>n * 4);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function trace_bump_f32(x: usize, n: i32, idx: usize, nIdx: i32, impulse: f32, nearest: bool): void {
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    if (i >= <u32>n) { dropped++; continue; }
    const p = x + (<usize>i << 2);
    store<f32>(p, nearest ? impulse : load<f32>(p) + impulse);
  }
  count(CTR_TRACE_UPDATES, <f64>(nIdx - dropped));
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nIdx * 8);
  count(CTR_BYTES_WRITTEN, <f64>(nIdx - dropped) * 4);
  count(CTR_KERNEL_CALLS, 1);
}
