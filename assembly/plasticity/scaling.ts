/**
 * Synaptic scaling (homeostatic weight normalisation; Turrigiano 2008, used as a per-neuron
 * weight-sum constraint by Diehl & Cook 2015 and as "synaptic scaling" by Hao et al. 2020):
 *   for each neuron j that spiked this step:
 *     L1:  s_j = sum_i w_ij          ;  w_ij *= target / s_j   (s_j > 0)
 *     L2:  s_j = sqrt(sum_i w_ij^2)  ;  w_ij *= target / s_j   (s_j > 0)
 * Keeps every neuron's total input weight equal, so that competition under winner-take-all is
 * decided by the shape of a neuron's weights, not their size. With L2 the input drive of an
 * event pattern is proportional to its cosine similarity with the weights, which does not favour
 * prototypes concentrated on few pixels the way an L1 sum does. Column walk (stride nOut), scalar.
 */
import { CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS } from '../abi';
import { count } from '../util/counters';

export function scale_columns_f32(w: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, target: f32, l2: bool): void {
  const stride = <usize>nOut << 2;
  let cols = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) continue;
    cols++;
    const base = w + (<usize>j << 2);
    let s: f32 = 0;
    let p = base;
    if (l2) {
      for (let i = 0; i < nIn; i++, p += stride) { const v = load<f32>(p); s += v * v; }
      s = Mathf.sqrt(s);
    } else {
      for (let i = 0; i < nIn; i++, p += stride) s += load<f32>(p);
    }
    if (s <= 0) continue;
    const f = target / s;
    p = base;
    for (let i = 0; i < nIn; i++, p += stride) store<f32>(p, load<f32>(p) * f);
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 4);
  count(CTR_KERNEL_CALLS, 1);
}
