/**
 * e-prop-style learning signals and eligibility (Bellec, Scherr, Subramoney, Hajek, Salaj,
 * Legenstein & Maass 2020, "A solution to the learning dilemma for recurrent networks of spiking
 * neurons", Nature Communications 11:3625), for LIF neurons, online.
 *
 * Network (discrete time, the LIF kernel with alpha_s = 0, beta = 1, gamma = 0, subtractive reset):
 *   v_j(t) = alpha v_j(t-1) + sum_i Win_ij x_i(t) + sum_i Wrec_ij z_i(t-1) - v_th z_j(t-1)
 *   z_j(t) = H(v_j(t) - A_j(t)),  A_j = v_th + b_j (b_j the adaptive-threshold state, 0 for LIF)
 *   y_k(t) = kappa y_k(t-1) + sum_j Wout_jk z_j(t)                     (leaky readout)
 * Pseudo-derivative (eprop_pseudo_f32), per neuron, read from the LIF state block after
 * lif_step_f32 (v before the reset) and the V_TH slot of its parameter block:
 *   psi_j(t) = (gamma_pd / v_th) max(0, 1 - |(v_j(t) - A_j(t)) / v_th|)      (paper: gamma_pd = 0.3)
 * Eligibility trace (elig_step_f32 with a = zbar_pre, b = psi, kA = 1, alpha = kappa):
 *   e_ij(t) = psi_j(t) zbar_i(t)          zbar_i(t) = alpha zbar_i(t-1) + s_i(t)
 *   ebar_ij(t) = kappa ebar_ij(t-1) + e_ij(t)
 *   where s_i(t) is the presynaptic spike that reached v_j(t): x_i(t) for input synapses, z_i(t-1)
 *   for recurrent ones (so the recurrent trace is bumped after the step, the input trace before).
 * Learning signal (eprop_signal_f32), the output errors broadcast through fixed random feedback
 * weights B (random e-prop; symmetric e-prop would use B = Wout^T):
 *   L_j(t) = sum_k B_kj (y_k(t) - y*_k(t))
 * Update (elig_apply_f32 with m = L, s = -1, every step or accumulated over a trial):
 *   dW_ij = -eta L_j(t) ebar_ij(t)
 * Readout (elig_apply_outer_f32 with a = zhat, b = null, m = y - y*, s = -1):
 *   dWout_jk = -eta (y_k - y*_k) zhat_j,   zhat_j(t) = kappa zhat_j(t-1) + z_j(t)
 *
 * Memory: one f32 ebar per plastic synapse (none if kappa = 0, when ebar = e is recomputed each
 * step from per-neuron traces), plus per neuron: zbar (pre), psi, L; per readout: y, error; B is
 * nK x n fixed weights. Independent of the number of time steps (no backpropagation through time).
 * Not modelled: the refractory masking of psi of the paper (set REFRAC_HOLD = 0), and the ALIF
 * eligibility component for the adaptive threshold (only the threshold's value enters psi).
 * Layout: B row-major [nK][n] (contiguous over neurons), so the learning signal is SIMD across
 * neurons j with the sum over k in a fixed order in every lane (bit-identical SIMD and scalar).
 */
import { LIF_V_TH, STATE_B, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_READOUT_MACS } from '../abi';
import { count } from '../util/counters';

export function eprop_pseudo_f32(n: i32, state: usize, lifParams: usize, gammaPd: f32, psi: usize): void {
  const nPad = (n + 3) & ~3;
  const pV = state;
  const pB = state + ((<usize>nPad * STATE_B) << 2);
  const vth = load<f32>(lifParams + (<usize>LIF_V_TH << 2));
  const inv: f32 = <f32>1 / vth;
  const gi: f32 = gammaPd * inv;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vth4 = f32x4.splat(vth);
    const inv4 = f32x4.splat(inv);
    const gi4 = f32x4.splat(gi);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const x = f32x4.mul(f32x4.sub(v128.load(pV + o), f32x4.add(vth4, v128.load(pB + o))), inv4);
      v128.store(psi + o, f32x4.mul(gi4, f32x4.max(f32x4.sub(one, f32x4.abs(x)), zero)));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const x: f32 = (load<f32>(pV + o) - (vth + load<f32>(pB + o))) * inv;
    store<f32>(psi + o, gi * max<f32>(<f32>1 - Mathf.abs(x), 0));
  }
  count(CTR_BYTES_READ, <f64>n * 8);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function eprop_signal_f32(fb: usize, nK: i32, n: i32, err: usize, L: usize): void {
  const rowBytes = <usize>n << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      let acc = f32x4.splat(0);
      for (let k = 0; k < nK; k++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(err + (<usize>k << 2))), v128.load(fb + <usize>k * rowBytes + o)));
      }
      v128.store(L + o, acc);
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let acc: f32 = 0;
    for (let k = 0; k < nK; k++) {
      acc = acc + load<f32>(err + (<usize>k << 2)) * load<f32>(fb + <usize>k * rowBytes + o);
    }
    store<f32>(L + o, acc);
  }
  count(CTR_READOUT_MACS, <f64>nK * <f64>n);
  count(CTR_BYTES_READ, <f64>nK * <f64>n * 4 + <f64>nK * 4);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}
