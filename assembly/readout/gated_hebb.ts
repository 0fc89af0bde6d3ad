/**
 * Error-modulated, attention-gated Hebbian readout of a recurrent spiking reservoir, for "what"
 * (which event comes) and "when" (at what time) predictions: Yamada & Chao 2025, "Joint encoding
 * of 'what' and 'when' predictions through error-modulated plasticity in reservoir spiking
 * networks" (arXiv:2510.14382), a heterogeneous Izhikevich reservoir with readouts trained by a
 * three-factor Hebbian rule. The gating follows AGREL (Roelfsema & van Ooyen 2005,
 * "Attention-gated reinforcement learning of internal representations for classification",
 * Neural Computation 17:2176): only the output units that attention selects feed back and learn.
 *
 * Reservoir (host composition): Izhikevich neurons (izh_step_f32 + lif_reset_f32), recurrent and
 * input weights accumulated with dense_accumulate_f32, and a filtered activity per neuron
 *   r_i(t) = alpha_r r_i(t-1) + [i spiked at t]                   (trace_decay_f32, trace_bump_f32)
 * Readout and rule:
 *   y_k(t)   = sum_i W_ik r_i(t)                                  (gated_hebb_predict_f32)
 *   delta_k  = target_k(t) - y_k(t)                                (prediction error, 3rd factor)
 *   g_k      = attention gate in [0, 1] (null = all 1): the feedback of the attended output;
 *              AGREL: 1 for the unit selected by the network, 0 for the others, with target =
 *              reward; or a phase gate ("when" units learn online, "what" units in the window
 *              in which the event's identity is known)
 *   dW_ik    = eta g_k delta_k r_i                                 (gated_hebb_learn_f32)
 *            = pre activity x postsynaptic attention feedback x error: a three-factor Hebbian
 *              update; with g = 1 and target a teacher it reduces to the LMS/delta rule.
 *   W is bounded as every ELIG rule (hard clip or soft bounds, then clip): ELIG_ETA, ELIG_W_MIN,
 *   ELIG_W_MAX, ELIG_BOUNDS of the ELIG block.
 * "what": one unit per event identity, the prediction is argmax_k of y over the anticipation
 * window; "when": a unit whose target is 1 in a window before the event, the predicted time is
 * where y peaks (or first crosses 1/2).
 * Layout: W row-major [nFeat][nOut]; y and the update are SIMD across output units k, with the
 * sum over features in a fixed order in every lane (bit-identical builds). Rows with r_i == 0 are
 * skipped. learn writes y (before the update) and err_k = g_k delta_k.
 */
import { ELIG_ETA, ELIG_W_MIN, ELIG_W_MAX, ELIG_BOUNDS, CTR_READOUT_MACS, CTR_WEIGHT_UPDATES, CTR_KERNEL_CALLS, CTR_BYTES_READ, CTR_BYTES_WRITTEN } from '../abi';
import { count } from '../util/counters';
import { bound1, bound4 } from '../plasticity/eligibility';

export function gated_hebb_predict_f32(w: usize, nFeat: i32, nOut: i32, r: usize, y: usize): void {
  const rowBytes = <usize>nOut << 2;
  for (let k = 0; k < nOut; k++) store<f32>(y + (<usize>k << 2), 0);
  let active = 0;
  for (let i = 0; i < nFeat; i++) {
    const ri = load<f32>(r + (<usize>i << 2));
    if (ri == 0) continue;
    active++;
    const row = w + <usize>i * rowBytes;
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      const r4 = f32x4.splat(ri);
      for (; k + 4 <= nOut; k += 4) {
        const o = <usize>k << 2;
        v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(r4, v128.load(row + o))));
      }
    }
    for (; k < nOut; k++) {
      const o = <usize>k << 2;
      store<f32>(y + o, load<f32>(y + o) + ri * load<f32>(row + o));
    }
  }
  count(CTR_READOUT_MACS, <f64>active * <f64>nOut);
  count(CTR_BYTES_READ, <f64>active * <f64>nOut * 4 + <f64>nFeat * 4);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function gated_hebb_learn_f32(
  w: usize, nFeat: i32, nOut: i32, r: usize, target: usize, gate: usize, params: usize, y: usize, err: usize,
): void {
  gated_hebb_predict_f32(w, nFeat, nOut, r, y);
  for (let k = 0; k < nOut; k++) {
    const o = <usize>k << 2;
    const dlt: f32 = load<f32>(target + o) - load<f32>(y + o);
    store<f32>(err + o, gate != 0 ? load<f32>(gate + o) * dlt : dlt);
  }
  const eta = load<f32>(params + (<usize>ELIG_ETA << 2));
  const lo = load<f32>(params + (<usize>ELIG_W_MIN << 2));
  const hi = load<f32>(params + (<usize>ELIG_W_MAX << 2));
  const soft = load<i32>(params + (<usize>ELIG_BOUNDS << 2)) == 1;
  const rowBytes = <usize>nOut << 2;
  let active = 0;
  for (let i = 0; i < nFeat; i++) {
    const ri = load<f32>(r + (<usize>i << 2));
    if (ri == 0) continue;
    active++;
    const er: f32 = eta * ri;
    const row = w + <usize>i * rowBytes;
    let k = 0;
    if (ASC_FEATURE_SIMD) {
      const e4 = f32x4.splat(er);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; k + 4 <= nOut; k += 4) {
        const o = <usize>k << 2;
        v128.store(row + o, bound4(v128.load(row + o), f32x4.mul(e4, v128.load(err + o)), lo4, hi4, soft));
      }
    }
    for (; k < nOut; k++) {
      const o = <usize>k << 2;
      store<f32>(row + o, bound1(load<f32>(row + o), er * load<f32>(err + o), lo, hi, soft));
    }
  }
  count(CTR_READOUT_MACS, <f64>active * <f64>nOut);
  count(CTR_WEIGHT_UPDATES, <f64>active * <f64>nOut);
  count(CTR_BYTES_READ, <f64>active * <f64>nOut * 4 + <f64>nOut * 12);
  count(CTR_BYTES_WRITTEN, <f64>active * <f64>nOut * 4 + <f64>nOut * 4);
}
