/**
 * Conductance-based leaky integrate-and-fire neuron (the neuron of Song, Miller & Abbott 2000 and
 * of Brian2's STDP example), forward Euler:
 *
 *   tau_m dv/dt = g (E_rev - v) + (E_leak - v) + bias       (v in mV; g dimensionless)
 *   tau_g dg/dt = -g                                          (an input spike adds g += w)
 *   spike when v > v_th + b (strict): v = v_reset (or v -= v_th + b); b += d_theta
 *
 *   v' = v + k ((g (E_rev - v) + (E_leak - v)) + bias),  k = dt / tau_m
 *   g' = alpha_s g  with alpha_s = 1 - dt / tau_g (Euler, as Brian2's `euler` method) or
 *        exp(-dt / tau_g) (exact decay), chosen by the Plan
 *   b' = alpha_b b
 * The product g v makes the system non-linear, so there is no exact linear-step solution as for
 * the current-based neuron; Euler at small dt (0.1 ms) is what the reference experiment used.
 * Step order, refractory hold and reset are those of lif.ts. Layout: the five-array state block,
 * with the conductance g in the STATE_I array.
 * SIMD across neurons with the same f32 operation order as the scalar code (bit-identical).
 */
import {
  LIF_ALPHA_S, LIF_V_TH, LIF_ALPHA_B, COND_K, COND_E_REV, COND_E_LEAK, STATE_I, STATE_REFR, STATE_B, STATE_BIAS,
  CTR_NEURON_UPDATES_COND, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf } from '../util/params';

export function lif_cond_step_f32(n: i32, state: usize, params: usize, spikeBuf: usize, margins: usize): i32 {
  const nPad = (n + 3) & ~3;
  const stride = <usize>nPad << 2;
  const pV = state;
  const pG = state + stride * STATE_I;
  const pR = state + stride * STATE_REFR;
  const pB = state + stride * STATE_B;
  const pBias = state + stride * STATE_BIAS;
  const as = pf(params, LIF_ALPHA_S);
  const vth = pf(params, LIF_V_TH);
  const ab = pf(params, LIF_ALPHA_B);
  const k = pf(params, COND_K);
  const erev = pf(params, COND_E_REV);
  const eleak = pf(params, COND_E_LEAK);
  let ns = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vas = f32x4.splat(as);
    const vth4 = f32x4.splat(vth);
    const vab = f32x4.splat(ab);
    const vk = f32x4.splat(k);
    const ver = f32x4.splat(erev);
    const vel = f32x4.splat(eleak);
    const zero = i32x4.splat(0);
    const one = i32x4.splat(1);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(pV + o);
      const g = v128.load(pG + o);
      const r = v128.load(pR + o);
      const b = v128.load(pB + o);
      const drive = f32x4.add(f32x4.add(f32x4.mul(g, f32x4.sub(ver, v)), f32x4.sub(vel, v)), v128.load(pBias + o));
      const vn = f32x4.add(v, f32x4.mul(vk, drive));
      const refr = i32x4.gt_s(r, zero);
      const bn = f32x4.mul(b, vab);
      const thr = f32x4.add(vth4, bn);
      const cross = v128.andnot(f32x4.gt(vn, thr), refr);
      v128.store(pV + o, v128.bitselect(v, vn, refr));
      v128.store(pG + o, f32x4.mul(g, vas));
      v128.store(pR + o, i32x4.sub(r, v128.and(refr, one)));
      v128.store(pB + o, bn);
      let mask = i32x4.bitmask(cross);
      while (mask != 0) {
        const lane = ctz(mask);
        const q = o + (<usize>lane << 2);
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>(j + lane));
        store<f32>(margins + (<usize>ns << 2), load<f32>(pV + q) - (vth + load<f32>(pB + q)));
        ns++;
        mask &= mask - 1;
      }
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const v = load<f32>(pV + o);
    const g = load<f32>(pG + o);
    const r = load<i32>(pR + o);
    const vn = v + k * (g * (erev - v) + (eleak - v) + load<f32>(pBias + o));
    const bn = load<f32>(pB + o) * ab;
    store<f32>(pG + o, g * as);
    store<f32>(pB + o, bn);
    if (r > 0) {
      store<i32>(pR + o, r - 1);
    } else {
      store<f32>(pV + o, vn);
      if (vn > vth + bn) {
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>j);
        store<f32>(margins + (<usize>ns << 2), vn - (vth + bn));
        ns++;
      }
    }
  }
  count(CTR_NEURON_UPDATES_COND, <f64>n);
  count(CTR_BYTES_READ, <f64>n * 20);
  count(CTR_BYTES_WRITTEN, <f64>n * 16 + <f64>ns * 8);
  count(CTR_KERNEL_CALLS, 1);
  return ns;
}
