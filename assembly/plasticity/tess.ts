/**
 * TESS-style temporally and spatially local learning (Apolinario, Roy & Frenkel 2025, "TESS: A
 * Scalable Temporally and Spatially Local Learning Rule for Spiking Neural Networks", IJCNN 2025,
 * arXiv:2502.01837).
 *
 * Temporal locality: the eligibility of synapse i -> j is a sum of two products of per-neuron
 * traces, so no per-synapse state and no history is kept:
 *   xbar_i(t)  = lambda_pre xbar_i(t-1) + x_i(t)                  (pre trace; trace_decay/bump)
 *   psi_j(t)   = pseudo-derivative of neuron j's spike at t          (eprop_pseudo_f32)
 *   pbar_j(t)  = lambda_post pbar_j(t-1) + psi_j(t)                 (trace_filter_f32)
 *   dw_ij(t)   = -eta L_j(t) [ a_pre psi_j(t) xbar_i(t) + a_post pbar_j(t-1) x_i(t) ]
 *   the first term is causal (pre before post, STDP-like potentiation), the second non-causal
 *   (post before pre; a_post < 0 makes it depressing, as the anti-causal half of STDP).
 *   This is elig_apply_outer_f32 with a = xbar, b = psi, kA = a_pre, c = x (0/1 spikes of this
 *   step), d = pbar (before this step's filter), kC = a_post, m = L, s = -1.
 * Spatial locality: each layer makes its own learning signal from its own spikes z(t) and the
 * label through a fixed basis B (nClass x n), with no feedback from other layers
 * (tess_signal_f32):
 *   q_c(t) = sum_j B_cj z_j(t)                                   (layer-local class prediction)
 *   h_c    = clip(slope q_c + 1/2, 0, 1)                          (hard sigmoid)
 *   L_j(t) = sum_c B_cj (h_c - [c == label])                      (squared-error gradient, the
 *            derivative of the hard sigmoid taken as 1 (straight-through) and folded into eta)
 * The paper's default local loss is softmax cross-entropy; this squared error on a hard sigmoid
 * needs no exp, so all three implementations agree bit for bit. The basis is fixed and never
 * learned, e.g. square waves of different frequencies over the neuron index scaled by 1/n; the host
 * writes it at plan time.
 * The class decision of a layer is argmax_c sum_t q_c(t) (q is written to `q` every step).
 *
 * Memory, independent of the number of time steps T: per synapse, the weight only; per presynaptic
 * neuron 2 f32 (xbar, this step's x); per postsynaptic neuron 3 f32 (psi, pbar, L) besides the
 * neuron state; per layer the nClass x n basis (constant, could be regenerated from its formula)
 * and nClass f32 of q. BPTT would store O(T n) activations.
 * Layout: B row-major [nClass][n]. q_c sums B over the spiking neurons in list order (scalar);
 * L is SIMD across neurons j with the sum over c in a fixed order (bit-identical builds).
 * label < 0 or >= nClass: inference, only q is computed. Out-of-range spike indices are skipped.
 */
import { CTR_READOUT_MACS, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_EVENTS_DROPPED } from '../abi';
import { count } from '../util/counters';

export function tess_signal_f32(
  basis: usize, nClass: i32, n: i32, spikes: usize, nSpikes: i32, label: i32, slope: f32, q: usize, L: usize,
): void {
  const rowBytes = <usize>n << 2;
  let dropped = 0;
  for (let c = 0; c < nClass; c++) {
    const row = basis + <usize>c * rowBytes;
    let acc: f32 = 0;
    for (let k = 0; k < nSpikes; k++) {
      const i = load<u32>(spikes + (<usize>k << 2));
      if (i >= <u32>n) {
        if (c == 0) dropped++;
        continue;
      }
      acc = acc + load<f32>(row + (<usize>i << 2));
    }
    store<f32>(q + (<usize>c << 2), acc);
  }
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_KERNEL_CALLS, 1);
  count(CTR_READOUT_MACS, <f64>nClass * <f64>(nSpikes - dropped));
  if (label < 0 || label >= nClass) return;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const z4 = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) v128.store(L + (<usize>j << 2), z4);
  }
  for (; j < n; j++) store<f32>(L + (<usize>j << 2), 0);
  for (let c = 0; c < nClass; c++) {
    const h = min<f32>(max<f32>(slope * load<f32>(q + (<usize>c << 2)) + <f32>0.5, 0), 1);
    const delta: f32 = h - (c == label ? <f32>1 : <f32>0);
    const row = basis + <usize>c * rowBytes;
    let jj = 0;
    if (ASC_FEATURE_SIMD) {
      const d4 = f32x4.splat(delta);
      for (; jj + 4 <= n; jj += 4) {
        const o = <usize>jj << 2;
        v128.store(L + o, f32x4.add(v128.load(L + o), f32x4.mul(d4, v128.load(row + o))));
      }
    }
    for (; jj < n; jj++) {
      const o = <usize>jj << 2;
      store<f32>(L + o, load<f32>(L + o) + delta * load<f32>(row + o));
    }
  }
  count(CTR_READOUT_MACS, <f64>nClass * <f64>n);
  count(CTR_BYTES_READ, <f64>nClass * <f64>n * 8 + <f64>nSpikes * 4);
  count(CTR_BYTES_WRITTEN, <f64>nClass * <f64>n * 4 + <f64>nClass * 4);
}
