/**
 * Current-based leaky integrate-and-fire neuron, exact exponential integration, with optional
 * threshold adaptation (adaptive LIF, homeostasis).
 *
 * Equations (dimensionless membrane: rest 0, base threshold v_th; time in ms):
 *   tau_m dv/dt = I + bias - v          (v held during refractoriness)
 *   tau_s dI/dt = -I                    (an input spike adds I += w; see the synapse kernels)
 *   tau_b db/dt = -b                    (threshold adaptation)
 *   spike when v > v_th + b (strict); then reset v = v_reset, or v -= v_th + b; b += d_theta
 * Exact solution over one step of dt (Rotter & Diesmann 1999; Brian2's `exact` method):
 *   v(t+dt) = alpha_m v + beta I + gamma bias          alpha_m = exp(-dt/tau_m), gamma = 1 - alpha_m
 *   beta = tau_s / (tau_s - tau_m) (alpha_s - alpha_m)  ((dt/tau_m) alpha_m when tau_s == tau_m)
 *   I(t+dt) = alpha_s I,  b(t+dt) = alpha_b b
 * The host computes the constants once per Plan (host/plan), the kernel only multiplies and adds.
 *
 * Step order follows Brian2's default schedule, so golden traces compare without shifting:
 *   lif_step_f32 (integrate, threshold) -> winner-take-all -> synapses (input acts from the next
 *   step) -> lif_reset_f32 (reset, adaptation increment, refractory hold).
 * Refractory period of R = round(t_ref / dt) steps, counted from the step whose update crossed the
 * threshold (Brian2: not_refractory = steps since spike >= R): v is held for R - 1 further updates
 * and the threshold is off meanwhile; I and b keep evolving.
 *
 * Layout: a state block of five arrays of nPad = ceil(n/4)*4 entries (16-byte aligned):
 *   v f32 | I f32 | refr i32 | b f32 | bias f32. Parameters: the LIF_* slots of abi.ts.
 * Output: ascending candidate spike indices (u32) in spikeBuf and their overshoot v - (v_th + b)
 * in margins (used by winner-take-all); returns the number of candidates.
 *
 * SIMD runs across neurons (4 lanes), never along a reduction: each lane does the same f32
 * operations in the same order as the scalar tail and the scalar build, so both are bit-identical.
 */
import {
  LIF_ALPHA_M, LIF_ALPHA_S, LIF_BETA, LIF_GAMMA, LIF_V_TH, LIF_V_RESET, LIF_RESET_MODE,
  LIF_REFRAC_HOLD, LIF_ALPHA_B, LIF_D_THETA, STATE_I, STATE_REFR, STATE_B, STATE_BIAS,
  CTR_NEURON_UPDATES_LIF, CTR_NEURON_UPDATES_ALIF, CTR_BYTES_READ, CTR_BYTES_WRITTEN,
  CTR_KERNEL_CALLS, CTR_SPIKES,
} from '../abi';
import { count } from '../util/counters';
import { pf, pi } from '../util/params';

// @ts-ignore: decorator
@inline
function arr(state: usize, nPad: i32, which: i32): usize {
  return state + ((<usize>nPad * <usize>which) << 2);
}

export function lif_step_f32(n: i32, state: usize, params: usize, spikeBuf: usize, margins: usize): i32 {
  const nPad = (n + 3) & ~3;
  const pV = state;
  const pI = arr(state, nPad, STATE_I);
  const pR = arr(state, nPad, STATE_REFR);
  const pB = arr(state, nPad, STATE_B);
  const pBias = arr(state, nPad, STATE_BIAS);
  const am = pf(params, LIF_ALPHA_M);
  const as = pf(params, LIF_ALPHA_S);
  const beta = pf(params, LIF_BETA);
  const gamma = pf(params, LIF_GAMMA);
  const vth = pf(params, LIF_V_TH);
  const ab = pf(params, LIF_ALPHA_B);
  let ns = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vam = f32x4.splat(am);
    const vas = f32x4.splat(as);
    const vbeta = f32x4.splat(beta);
    const vgamma = f32x4.splat(gamma);
    const vth4 = f32x4.splat(vth);
    const vab = f32x4.splat(ab);
    const zero = i32x4.splat(0);
    const one = i32x4.splat(1);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(pV + o);
      const cur = v128.load(pI + o);
      const r = v128.load(pR + o);
      const b = v128.load(pB + o);
      const bias = v128.load(pBias + o);
      const vn = f32x4.add(f32x4.add(f32x4.mul(v, vam), f32x4.mul(cur, vbeta)), f32x4.mul(bias, vgamma));
      const refr = i32x4.gt_s(r, zero);
      const bn = f32x4.mul(b, vab);
      const thr = f32x4.add(vth4, bn);
      const cross = v128.andnot(f32x4.gt(vn, thr), refr);
      v128.store(pV + o, v128.bitselect(v, vn, refr));
      v128.store(pI + o, f32x4.mul(cur, vas));
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
    const cur = load<f32>(pI + o);
    const r = load<i32>(pR + o);
    const vn = v * am + cur * beta + load<f32>(pBias + o) * gamma;
    const bn = load<f32>(pB + o) * ab;
    store<f32>(pI + o, cur * as);
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
  count(pf(params, LIF_D_THETA) != 0 ? CTR_NEURON_UPDATES_ALIF : CTR_NEURON_UPDATES_LIF, <f64>n);
  count(CTR_BYTES_READ, <f64>n * 20);
  count(CTR_BYTES_WRITTEN, <f64>n * 16 + <f64>ns * 8);
  count(CTR_KERNEL_CALLS, 1);
  return ns;
}

/**
 * Applies the spike consequences to the neurons in `spikes` (after winner-take-all): reset,
 * threshold increment d_theta, refractory hold. Touches only the spiking neurons.
 */
export function lif_reset_f32(n: i32, state: usize, params: usize, spikes: usize, nSpikes: i32): void {
  const nPad = (n + 3) & ~3;
  const pV = state;
  const pR = arr(state, nPad, STATE_REFR);
  const pB = arr(state, nPad, STATE_B);
  const vth = pf(params, LIF_V_TH);
  const vreset = pf(params, LIF_V_RESET);
  const subtract = pi(params, LIF_RESET_MODE) == 1;
  const hold = pi(params, LIF_REFRAC_HOLD);
  const dTheta = pf(params, LIF_D_THETA);
  for (let k = 0; k < nSpikes; k++) {
    const j = load<u32>(spikes + (<usize>k << 2));
    if (j >= <u32>n) continue;
    const o = <usize>j << 2;
    const b = load<f32>(pB + o);
    if (subtract) {
      store<f32>(pV + o, load<f32>(pV + o) - (vth + b));
    } else {
      store<f32>(pV + o, vreset);
    }
    store<i32>(pR + o, hold);
    store<f32>(pB + o, b + dTheta);
  }
  count(CTR_SPIKES, <f64>nSpikes);
  count(CTR_BYTES_READ, <f64>nSpikes * 12);
  count(CTR_BYTES_WRITTEN, <f64>nSpikes * 12);
  count(CTR_KERNEL_CALLS, 1);
}
