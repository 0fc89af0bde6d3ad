/**
 * Nearest-class-mean (NCM) readout with online prototypes: Mensink, Verbeek, Perronnin & Csurka
 * 2013, "Distance-based image classification: generalizing to new classes at near-zero cost"
 * (IEEE TPAMI 35:2624); used for class-incremental learning by iCaRL (Rebuffi, Kolesnikov, Sperl &
 * Lampert 2017, CVPR). Each class keeps the running mean of its feature vectors (spike counts,
 * traces); a sample goes to the closest mean. Adding a class never disturbs the others.
 *
 *   ncm_update_f32:  n_c <- n_c + 1;  mu_c <- mu_c + (x - mu_c) / n_c     (mu_c = x when n_c = 1)
 *   ncm_predict_f32: L2      score_c = -sum_f (x_f - mu_cf)^2
 *                    cosine  score_c = (x . mu_c) / sqrt(|x|^2 |mu_c|^2)   (0 if either is 0)
 *                    classes with n_c = 0 score -Infinity; returns argmax_c (lowest c on ties),
 *                    or -1 when no class has a prototype yet.
 * Memory: nFeat f32 per class plus one i32 count; no per-sample storage.
 * Layout: prototypes as a weight matrix MU row-major [nFeat][nClass] (the W[nIn][nOut] layout:
 * one class per column). The update walks one column (stride nClass, scalar). Prediction is SIMD
 * across classes, four class accumulators in registers over all features, each summed in feature
 * order (bit-identical builds). An out-of-range label is counted as dropped and ignored.
 */
import { CTR_READOUT_MACS, CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_EVENTS_DROPPED } from '../abi';
import { count } from '../util/counters';

export function ncm_update_f32(mu: usize, counts: usize, nFeat: i32, nClass: i32, x: usize, label: i32): void {
  count(CTR_KERNEL_CALLS, 1);
  if (label < 0 || label >= nClass) {
    count(CTR_EVENTS_DROPPED, 1);
    return;
  }
  const pc = counts + (<usize>label << 2);
  const nc = load<i32>(pc) + 1;
  store<i32>(pc, nc);
  const inv: f32 = <f32>1 / <f32>nc;
  const stride = <usize>nClass << 2;
  let p = mu + (<usize>label << 2);
  for (let f = 0; f < nFeat; f++, p += stride) {
    const xv = load<f32>(x + (<usize>f << 2));
    if (nc == 1) {
      store<f32>(p, xv);
    } else {
      const m = load<f32>(p);
      store<f32>(p, m + (xv - m) * inv);
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>nFeat);
  count(CTR_BYTES_READ, <f64>nFeat * 8 + 4);
  count(CTR_BYTES_WRITTEN, <f64>nFeat * 4 + 4);
}

export function ncm_predict_f32(mu: usize, counts: usize, nFeat: i32, nClass: i32, x: usize, cosine: i32, scores: usize): i32 {
  const stride = <usize>nClass << 2;
  const cos = cosine != 0;
  let xx: f32 = 0;
  if (cos) {
    for (let f = 0; f < nFeat; f++) {
      const xv = load<f32>(x + (<usize>f << 2));
      xx = xx + xv * xv;
    }
  }
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 4 <= nClass; c += 4) {
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let p = mu + (<usize>c << 2);
      for (let f = 0; f < nFeat; f++, p += stride) {
        const x4 = f32x4.splat(load<f32>(x + (<usize>f << 2)));
        const m4 = v128.load(p);
        if (cos) {
          s0 = f32x4.add(s0, f32x4.mul(x4, m4));
          s1 = f32x4.add(s1, f32x4.mul(m4, m4));
        } else {
          const d4 = f32x4.sub(x4, m4);
          s0 = f32x4.add(s0, f32x4.mul(d4, d4));
        }
      }
      const o = <usize>c << 2;
      if (cos) {
        const den = f32x4.sqrt(f32x4.mul(s1, f32x4.splat(xx)));
        const ok = f32x4.gt(den, f32x4.splat(0));
        v128.store(scores + o, v128.and(f32x4.div(s0, den), ok));
      } else {
        v128.store(scores + o, f32x4.neg(s0));
      }
    }
  }
  for (; c < nClass; c++) {
    let s0: f32 = 0;
    let s1: f32 = 0;
    let p = mu + (<usize>c << 2);
    for (let f = 0; f < nFeat; f++, p += stride) {
      const xv = load<f32>(x + (<usize>f << 2));
      const m = load<f32>(p);
      if (cos) {
        s0 = s0 + xv * m;
        s1 = s1 + m * m;
      } else {
        const d = xv - m;
        s0 = s0 + d * d;
      }
    }
    let sc: f32;
    if (cos) {
      const den = Mathf.sqrt(s1 * xx);
      sc = den > 0 ? s0 / den : 0;
    } else {
      sc = -s0;
    }
    store<f32>(scores + (<usize>c << 2), sc);
  }
  let best = -1;
  let bestScore: f32 = -Infinity;
  for (let k = 0; k < nClass; k++) {
    const o = <usize>k << 2;
    if (load<i32>(counts + o) <= 0) {
      store<f32>(scores + o, -Infinity);
      continue;
    }
    const sc = load<f32>(scores + o);
    if (best < 0 || sc > bestScore) {
      best = k;
      bestScore = sc;
    }
  }
  count(CTR_READOUT_MACS, <f64>nFeat * <f64>nClass * (cos ? 2 : 1) + (cos ? <f64>nFeat : 0));
  count(CTR_BYTES_READ, <f64>nFeat * <f64>nClass * 4 + <f64>nFeat * 4 + <f64>nClass * 4);
  count(CTR_BYTES_WRITTEN, <f64>nClass * 4);
  count(CTR_KERNEL_CALLS, 1);
  return best;
}
