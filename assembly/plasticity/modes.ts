/**
 * Per-neuron gain/threshold "mode" adaptation with frozen weights, a continual-learning control:
 * a task is learned (or recalled) by adjusting one gain and one threshold per neuron while every
 * synaptic weight stays fixed, so learning a new task cannot overwrite the weights an old task
 * relies on, and a task's mode is 2 f32 per neuron to store and restore. Gain modulation of a
 * fixed network selecting different behaviours: Stroud, Porter, Hennequin & Vogels 2018, "Motor
 * primitives in space and time via targeted gain modulation in cortical networks", Nature
 * Neuroscience 21:1774; context-dependent gating against forgetting: Masse, Grant & Freedman 2018,
 * PNAS 115:E10467.
 *
 *   u_j = g_j d_j - theta_j                                  (mode_apply_f32)
 *   d_j: the neuron's drive through frozen weights (synaptic current, summed input); u_j goes on to
 *   the neuron (as its input current, or as a rate through a nonlinearity on the host).
 *   g_j <- clip(g_j + eta_g delta_j d_j, g_min, g_max)         (mode_adapt_f32)
 *   theta_j <- clip(theta_j - eta_theta delta_j, theta_min, theta_max)
 *   delta_j: the neuron's error / learning signal (target - output, or a broadcast signal as in
 *   eprop_signal_f32); both steps descend 1/2 delta^2 for u = g d - theta.
 * The bounds keep gains and thresholds inside their declared ranges (clip as in eligibility.ts,
 * NaN-safe; property-tested).
 * Layout: per-neuron f32 arrays; SIMD across neurons, same operation order in every lane.
 * `out` may alias `drive` (in-place). Parameters: the MODE_* slots of abi.ts.
 */
import {
  MODE_ETA_GAIN, MODE_ETA_THR, MODE_GAIN_MIN, MODE_GAIN_MAX, MODE_THR_MIN, MODE_THR_MAX,
  CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_WEIGHT_UPDATES,
} from '../abi';
import { count } from '../util/counters';
import { clamp1, clamp4 } from './eligibility';
import { pf } from '../util/params';

export function mode_apply_f32(n: i32, drive: usize, gain: usize, thr: usize, out: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.sub(f32x4.mul(v128.load(gain + o), v128.load(drive + o)), v128.load(thr + o)));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, load<f32>(gain + o) * load<f32>(drive + o) - load<f32>(thr + o));
  }
  count(CTR_BYTES_READ, <f64>n * 12);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function mode_adapt_f32(n: i32, drive: usize, err: usize, gain: usize, thr: usize, params: usize): void {
  const eg = pf(params, MODE_ETA_GAIN);
  const et = pf(params, MODE_ETA_THR);
  const gmin = pf(params, MODE_GAIN_MIN);
  const gmax = pf(params, MODE_GAIN_MAX);
  const tmin = pf(params, MODE_THR_MIN);
  const tmax = pf(params, MODE_THR_MAX);
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const eg4 = f32x4.splat(eg);
    const et4 = f32x4.splat(et);
    const gmin4 = f32x4.splat(gmin);
    const gmax4 = f32x4.splat(gmax);
    const tmin4 = f32x4.splat(tmin);
    const tmax4 = f32x4.splat(tmax);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(err + o);
      const g = f32x4.add(v128.load(gain + o), f32x4.mul(f32x4.mul(eg4, d), v128.load(drive + o)));
      const t = f32x4.sub(v128.load(thr + o), f32x4.mul(et4, d));
      v128.store(gain + o, clamp4(g, gmin4, gmax4));
      v128.store(thr + o, clamp4(t, tmin4, tmax4));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const d = load<f32>(err + o);
    const g: f32 = load<f32>(gain + o) + (eg * d) * load<f32>(drive + o);
    const t: f32 = load<f32>(thr + o) - et * d;
    store<f32>(gain + o, clamp1(g, gmin, gmax));
    store<f32>(thr + o, clamp1(t, tmin, tmax));
  }
  count(CTR_WEIGHT_UPDATES, <f64>n * 2);
  count(CTR_BYTES_READ, <f64>n * 16);
  count(CTR_BYTES_WRITTEN, <f64>n * 8);
  count(CTR_KERNEL_CALLS, 1);
}
