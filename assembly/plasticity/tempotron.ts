/**
 * Tempotron (Guetig & Sompolinsky 2006, "The tempotron: a neuron that learns spike timing-based
 * decisions", Nat. Neurosci. 9(3):420-428): a neuron with a LIF postsynaptic-potential kernel that
 * classifies a spike pattern by firing (at least once) or not.
 *
 * Membrane:  V_j(t) = sum_i w_ij sum_{t_i < t} K(t - t_i),  K(t) = c (exp(-t/tau_m) - exp(-t/tau_s))
 * which is exactly the current-based LIF of lif.ts without reset (an input spike adds w_ij to the
 * synaptic current; exact integration). In discrete time, n steps after an input spike the LIF
 * membrane holds w * beta (alpha_m^n - alpha_s^n) / (alpha_m - alpha_s), so with two input traces
 * a_i (decay alpha_m) and b_i (decay alpha_s), both bumped by 1 at each spike of i,
 *   K_i(t) = c (a_i(t) - b_i(t)),   c = beta / (alpha_m - alpha_s)   (TEMPOTRON_K_SCALE)
 * is the kernel sum of input i, i.e. dV_j(t)/dw_ij. The neuron fires on a pattern iff
 * V_max,j = max_t V_j(t) > theta (TEMPOTRON_V_TH).
 * Learning (at the end of a pattern, only on an error), with t_max,j the time of V_max,j:
 *   target fire, did not fire:   w_ij += lr * K_i(t_max,j)        (+ pattern missed)
 *   target silent, fired:        w_ij -= lr * K_i(t_max,j)        (- pattern false alarm)
 * i.e. gradient descent on the paper's cost (theta - V_max) / -(theta - V_max) of the errors.
 * Weights are clipped to [w_min, w_max].
 * This kernel uses the neuron's V without the post-spike shunting of the paper (the LIF threshold
 * is set out of reach): the decision "V_max > theta" is the same, and for a false alarm the update
 * acts at the global maximum of V rather than at the first crossing.
 *
 * Streaming, with memory independent of the pattern length: tempotron_track_f32 runs every step
 * after lif_step_f32 and the trace decay (and before this step's input spikes bump the traces and
 * reach the LIF current). It updates V_max,j, and whenever V_j reaches a new maximum it
 * snapshots the eligibility E_ij = K_i(t) for that neuron (eligibility vocabulary), so at the end
 * E_ij = K_i(t_max,j). tempotron_learn_f32 applies the rule from E at the end of the pattern.
 * The host resets V_max to -inf (and the LIF state and traces) before each pattern.
 *
 * Layout: W and E row-major [nIn][nOut] f32; a, b f32[nIn]; v (the LIF state's v array), V_max
 * f32[nOut]; flag i32[nOut] scratch (new-maximum mask); target i32[nOut] (1 = should fire);
 * err f32[nOut] scratch. SIMD across j (bit selects and lane-wise arithmetic, the same as the
 * scalar tail). Parameters: the TEMPOTRON_* slots of abi.ts.
 */
import {
  TEMPOTRON_V_TH, TEMPOTRON_LR, TEMPOTRON_W_MIN, TEMPOTRON_W_MAX, TEMPOTRON_K_SCALE,
  CTR_WEIGHT_UPDATES, CTR_ELIGIBILITY_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf } from '../util/params';

/** Updates V_max and, for the neurons at a new maximum, E[:, j] = K(t). Returns how many neurons had one. */
export function tempotron_track_f32(
  elig: usize, nIn: i32, nOut: i32, v: usize, vmax: usize, flag: usize, ka: usize, kb: usize, params: usize,
): i32 {
  const c = pf(params, TEMPOTRON_K_SCALE);
  let nNew = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= nOut; j += 4) {
      const o = <usize>j << 2;
      const vv = v128.load(v + o);
      const mv = v128.load(vmax + o);
      const m = f32x4.gt(vv, mv);
      v128.store(vmax + o, v128.bitselect(vv, mv, m));
      v128.store(flag + o, m);
      nNew += popcnt(i32x4.bitmask(m));
    }
  }
  for (; j < nOut; j++) {
    const o = <usize>j << 2;
    const vv = load<f32>(v + o);
    if (vv > load<f32>(vmax + o)) {
      store<f32>(vmax + o, vv);
      store<i32>(flag + o, -1);
      nNew++;
    } else {
      store<i32>(flag + o, 0);
    }
  }
  count(CTR_BYTES_READ, <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 8);
  count(CTR_KERNEL_CALLS, 1);
  if (nNew == 0) return 0;
  const rowBytes = <usize>nOut << 2;
  for (let i = 0; i < nIn; i++) {
    const q = <usize>i << 2;
    const kv = c * (load<f32>(ka + q) - load<f32>(kb + q));
    const row = elig + <usize>i * rowBytes;
    let jj = 0;
    if (ASC_FEATURE_SIMD) {
      const k4 = f32x4.splat(kv);
      for (; jj + 4 <= nOut; jj += 4) {
        const o = <usize>jj << 2;
        v128.store(row + o, v128.bitselect(k4, v128.load(row + o), v128.load(flag + o)));
      }
    }
    for (; jj < nOut; jj++) {
      const o = <usize>jj << 2;
      if (load<i32>(flag + o) != 0) store<f32>(row + o, kv);
    }
  }
  count(CTR_ELIGIBILITY_UPDATES, <f64>nIn * <f64>nNew);
  count(CTR_BYTES_READ, <f64>nIn * <f64>nOut * 8 + <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, <f64>nIn * <f64>nOut * 4);
  return nNew;
}

/** End-of-pattern update from E; returns the number of misclassified neurons (0: no weight touched). */
export function tempotron_learn_f32(
  w: usize, elig: usize, nIn: i32, nOut: i32, vmax: usize, target: usize, err: usize, params: usize,
): i32 {
  const vth = pf(params, TEMPOTRON_V_TH);
  const lr = pf(params, TEMPOTRON_LR);
  const lo = pf(params, TEMPOTRON_W_MIN);
  const hi = pf(params, TEMPOTRON_W_MAX);
  let errors = 0;
  for (let j = 0; j < nOut; j++) {
    const o = <usize>j << 2;
    const fired = load<f32>(vmax + o) > vth;
    const want = load<i32>(target + o) != 0;
    let d: f32 = 0;
    if (want && !fired) d = lr;
    else if (!want && fired) d = -lr;
    if (d != 0) errors++;
    store<f32>(err + o, d);
  }
  count(CTR_BYTES_READ, <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
  if (errors == 0 || lr == 0) return errors;
  const rowBytes = <usize>nOut << 2;
  for (let i = 0; i < nIn; i++) {
    const wrow = w + <usize>i * rowBytes;
    const erow = elig + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const wn = f32x4.add(v128.load(wrow + o), f32x4.mul(v128.load(err + o), v128.load(erow + o)));
        v128.store(wrow + o, f32x4.min(f32x4.max(wn, lo4), hi4));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const wn = load<f32>(wrow + o) + load<f32>(err + o) * load<f32>(erow + o);
      store<f32>(wrow + o, min<f32>(max<f32>(wn, lo), hi));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>nIn * <f64>nOut);
  count(CTR_BYTES_READ, <f64>nIn * <f64>nOut * 8);
  count(CTR_BYTES_WRITTEN, <f64>nIn * <f64>nOut * 4);
  return errors;
}
