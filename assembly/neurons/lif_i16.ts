/**
 * Fixed-point leaky integrate-and-fire neuron: int16 state, shift-based leak, integer threshold
 * and reset, bit-accurate in the style of the digital neuromorphic processors' neuron models
 * (Loihi: Davies et al. 2018, "Loihi: a neuromorphic manycore processor with on-chip learning",
 * IEEE Micro 38(1):82-99, current and voltage decays of the form x - x * delta / 2^12; SynSense
 * Xylo: Bos & Muir 2022, "Sub-mW neuromorphic SNN audio processing applications with Rockpool and
 * Xylo", bit-shift decays x - (x >> k)). Every quantity is an integer in
 * the model's own unit (one LSB); the float LIF of lif.ts is the same model with
 *   alpha_s = 1 - 2^-k_s, alpha_m = 1 - 2^-k_m, beta = 1, gamma = 1
 * (and all values divided by a common scale), so the two can be compared directly; the shift
 * truncates (rounds towards -infinity), which is the quantisation the comparison test reports.
 *
 * Per step, per neuron (sat16 clamps to [-32768, 32767]; >> is arithmetic, k in 0..15):
 *   i' = sat16(i - (i >> k_s) + sat16(in))            in = the i32 input accumulated this step
 *   v' = sat16(sat16(v - (v >> k_m) + i') + bias)
 *   refractory (r > 0): r' = r - 1, v held (i still integrates)
 *   otherwise, spike when v' > v_th: v' = v_reset (or sat16(v' - v_th) in subtract mode),
 *   r' = hold
 * The input array (i32, e.g. the accumulator of dense_accumulate_i16) is cleared after reading.
 * Each addition saturates separately, as a 16-bit datapath with saturating adders does; the
 * reference (host/reference/lif-i16.ts) follows these integer operations exactly.
 * Note the dead zone of a shift leak: |v| < 2^k_m does not decay (v >> k_m is 0 for
 * 0 <= v < 2^k_m and -1 for -2^k_m <= v < 0).
 *
 * Layout: state = v | i | refr | bias, four int16 arrays of nPad8 = n rounded up to 8 (16-byte
 * aligned rows, 8 bytes per neuron). Parameters: the LIFX_* i32 slots (v_th, v_reset and hold are
 * used as int16, clamped). Output: ascending spike indices (u32) in spikeBuf; returns the count.
 * Reset happens in this kernel (no winner-take-all stage for the fixed-point model).
 * SIMD: eight int16 lanes per vector across neurons (i16x8 shifts and saturating adds, i32 input
 * narrowed with saturation); integer arithmetic, so SIMD, scalar and the reference are identical.
 */
import {
  LIFX_SHIFT_MEM, LIFX_SHIFT_SYN, LIFX_V_TH, LIFX_V_RESET, LIFX_RESET_MODE, LIFX_REFRAC_HOLD,
  LIFX_STATE_I, LIFX_STATE_REFR, LIFX_STATE_BIAS,
  CTR_NEURON_UPDATES_LIF_I16, CTR_SPIKES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pi } from '../util/params';

// @ts-ignore: decorator
@inline
function sat16(x: i32): i32 {
  return x < -32768 ? -32768 : x > 32767 ? 32767 : x;
}

export function lif_step_i16(n: i32, state: usize, params: usize, input: usize, spikeBuf: usize): i32 {
  const nPad = (n + 7) & ~7;
  const stride = <usize>nPad << 1;
  const pV = state;
  const pI = state + stride * LIFX_STATE_I;
  const pR = state + stride * LIFX_STATE_REFR;
  const pB = state + stride * LIFX_STATE_BIAS;
  const km = pi(params, LIFX_SHIFT_MEM) & 15;
  const ks = pi(params, LIFX_SHIFT_SYN) & 15;
  const th = sat16(pi(params, LIFX_V_TH));
  const reset = sat16(pi(params, LIFX_V_RESET));
  const subtract = pi(params, LIFX_RESET_MODE) == 1;
  let hold = sat16(pi(params, LIFX_REFRAC_HOLD));
  if (hold < 0) hold = 0;
  let ns = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vth = i16x8.splat(<i16>th);
    const vreset = i16x8.splat(<i16>reset);
    const vhold = i16x8.splat(<i16>hold);
    const zero = i16x8.splat(0);
    const one = i16x8.splat(1);
    const z32 = i32x4.splat(0);
    for (; j + 8 <= n; j += 8) {
      const o = <usize>j << 1;
      const oi = input + (<usize>j << 2);
      const v = v128.load(pV + o);
      const cur = v128.load(pI + o);
      const r = v128.load(pR + o);
      const inp = i16x8.narrow_i32x4_s(v128.load(oi), v128.load(oi, 16));
      const isn = i16x8.add_sat_s(i16x8.sub(cur, i16x8.shr_s(cur, ks)), inp);
      const vn = i16x8.add_sat_s(i16x8.add_sat_s(i16x8.sub(v, i16x8.shr_s(v, km)), isn), v128.load(pB + o));
      const refr = i16x8.gt_s(r, zero);
      const fire = v128.andnot(i16x8.gt_s(vn, vth), refr);
      const after = subtract ? i16x8.sub_sat_s(vn, vth) : vreset;
      v128.store(pV + o, v128.bitselect(v, v128.bitselect(after, vn, fire), refr));
      v128.store(pR + o, v128.bitselect(i16x8.sub(r, one), v128.bitselect(vhold, r, fire), refr));
      v128.store(pI + o, isn);
      v128.store(oi, z32);
      v128.store(oi, z32, 16);
      let mask = i16x8.bitmask(fire);
      while (mask != 0) {
        const lane = ctz(mask);
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>(j + lane));
        ns++;
        mask &= mask - 1;
      }
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 1;
    const oi = input + (<usize>j << 2);
    const v = <i32>load<i16>(pV + o);
    const cur = <i32>load<i16>(pI + o);
    const r = <i32>load<i16>(pR + o);
    const isn = sat16(cur - (cur >> ks) + sat16(load<i32>(oi)));
    const vn = sat16(sat16(v - (v >> km) + isn) + <i32>load<i16>(pB + o));
    store<i16>(pI + o, <i16>isn);
    store<i32>(oi, 0);
    if (r > 0) {
      store<i16>(pR + o, <i16>(r - 1));
    } else if (vn > th) {
      store<i16>(pV + o, <i16>(subtract ? sat16(vn - th) : reset));
      store<i16>(pR + o, <i16>hold);
      store<u32>(spikeBuf + (<usize>ns << 2), <u32>j);
      ns++;
    } else {
      store<i16>(pV + o, <i16>vn);
    }
  }
  count(CTR_NEURON_UPDATES_LIF_I16, <f64>n);
  count(CTR_SPIKES, <f64>ns);
  count(CTR_BYTES_READ, <f64>n * 12);
  count(CTR_BYTES_WRITTEN, <f64>n * 10 + <f64>ns * 4);
  count(CTR_KERNEL_CALLS, 1);
  return ns;
}
