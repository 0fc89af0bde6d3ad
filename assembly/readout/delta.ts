/**
 * Online linear readout trained with the normalised delta rule (Widrow-Hoff LMS, normalised
 * input; one sample at a time, batch 1).
 *
 *   xhat = x / ||x||_2                       (x = per-neuron spike counts of one sample)
 *   y_c  = sum_f W[f][c] xhat_f              (readout_predict_f32)
 *   e_c  = [c == label] - y_c
 *   W[f][c] += lr * xhat_f * e_c             (readout_learn_f32)
 * Normalising x makes the step size independent of how many spikes a sample produced, and
 * keeps LMS stable for 0 < lr < 2. Layout: W row-major [nFeat][nClass]. Features that are zero
 * are skipped (exactly the same result, since they add nothing). Why a delta rule and not STDP
 * here: the label is a teacher signal available once per sample, and LMS is the local,
 * error-driven rule that uses it (a three-factor view: pre activity x post error).
 */
import { CTR_READOUT_MACS, CTR_KERNEL_CALLS, CTR_WEIGHT_UPDATES } from '../abi';
import { count } from '../util/counters';

function invNorm(x: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let f = 0; f < n; f++) {
    const v = load<f32>(x + (<usize>f << 2));
    s += v * v;
  }
  return s > 0 ? <f32>1 / Mathf.sqrt(s) : 0;
}

export function readout_predict_f32(w: usize, nFeat: i32, nClass: i32, x: usize, scores: usize): void {
  const inv = invNorm(x, nFeat);
  for (let c = 0; c < nClass; c++) store<f32>(scores + (<usize>c << 2), 0);
  let active = 0;
  for (let f = 0; f < nFeat; f++) {
    const xv = load<f32>(x + (<usize>f << 2));
    if (xv == 0) continue;
    active++;
    const xh = xv * inv;
    const row = w + ((<usize>f * <usize>nClass) << 2);
    for (let c = 0; c < nClass; c++) {
      const p = scores + (<usize>c << 2);
      store<f32>(p, load<f32>(p) + xh * load<f32>(row + (<usize>c << 2)));
    }
  }
  count(CTR_READOUT_MACS, <f64>active * <f64>nClass + <f64>nFeat);
  count(CTR_KERNEL_CALLS, 1);
}

/** Predicts into `scores` (before the update), then applies one delta-rule step. */
export function readout_learn_f32(w: usize, nFeat: i32, nClass: i32, x: usize, label: i32, lr: f32, scores: usize, err: usize): void {
  readout_predict_f32(w, nFeat, nClass, x, scores);
  const inv = invNorm(x, nFeat);
  for (let c = 0; c < nClass; c++) {
    const target: f32 = c == label ? 1 : 0;
    store<f32>(err + (<usize>c << 2), lr * (target - load<f32>(scores + (<usize>c << 2))));
  }
  let active = 0;
  for (let f = 0; f < nFeat; f++) {
    const xv = load<f32>(x + (<usize>f << 2));
    if (xv == 0) continue;
    active++;
    const xh = xv * inv;
    const row = w + ((<usize>f * <usize>nClass) << 2);
    for (let c = 0; c < nClass; c++) {
      const p = row + (<usize>c << 2);
      store<f32>(p, load<f32>(p) + xh * load<f32>(err + (<usize>c << 2)));
    }
  }
  count(CTR_READOUT_MACS, <f64>active * <f64>nClass + <f64>nFeat);
  count(CTR_WEIGHT_UPDATES, <f64>active * <f64>nClass);
}
