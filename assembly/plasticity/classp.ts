/**
 * CLASSP continual-learning control: adjustment suppression (per-weight decaying learning rates,
 * a generalisation of AdaGrad) with a sparsity threshold on updates. Ludwig 2024, "CLASSP: a
 * Biologically-Inspired Approach to Continual Learning through Adjustment Suppression and
 * Sparsity Promotion", arXiv:2405.09637.
 *
 * For a local rule whose proposed step for synapse i -> j is g_ij = s a_i m_j (a: presynaptic
 * activity or trace, m: per-post error / learning signal, s: scalar sign/modulator; g points
 * downhill, i.e. g = -dLoss/dw for a delta rule):
 *   if g_ij^2 > theta:                                   (sparsity: only significant updates)
 *     w_ij <- clip(w_ij + eta g_ij / D_ij, w_min, w_max)        (clip as in eligibility.ts)
 *     G_ij <- G_ij + |g_ij|^p
 *   D_ij = sqrt(eps + G_ij) for p = 2 (AdaGrad), D_ij = eps + G_ij for p = 1
 * G_ij holds the sum of |g|^p over the updates this synapse has already received (before the
 * current one), so a weight that has been adjusted a lot (it likely encodes an earlier task) gets
 * a small learning rate, while an untouched weight learns at eta / sqrt(eps) (p = 2). Only the
 * updates that pass the threshold are accumulated. p is restricted to 1 and 2 so that the kernel
 * uses only IEEE-exact operations (sqrt) and the builds and the reference agree bit for bit.
 * eps must be > 0 (the plan rejects eps <= 0).
 * Memory: one f32 accumulator G per plastic synapse (AdaGrad's; EWC would store a Fisher matrix
 * and a copy of the old weights).
 * Layout: W and G row-major [nIn][nOut]; SIMD across j, both branches computed and selected per
 * lane (bit-identical builds). m = 0 (null) means m_j = 1. Rows with s a_i == 0 are skipped.
 * Parameters: the CLASSP_* slots of abi.ts.
 */
import {
  CLASSP_ETA, CLASSP_EPS, CLASSP_THRESHOLD, CLASSP_POWER, CLASSP_W_MIN, CLASSP_W_MAX,
  CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { clamp1, clamp4 } from './eligibility';
import { pf } from '../util/params';

export function classp_apply_f32(w: usize, acc: usize, nIn: i32, nOut: i32, a: usize, m: usize, s: f32, params: usize): i32 {
  const eta = pf(params, CLASSP_ETA);
  const eps = pf(params, CLASSP_EPS);
  const theta = pf(params, CLASSP_THRESHOLD);
  const p2 = load<i32>(params + (<usize>CLASSP_POWER << 2)) == 2;
  const lo = pf(params, CLASSP_W_MIN);
  const hi = pf(params, CLASSP_W_MAX);
  const perPost = m != 0;
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  let applied = 0;
  for (let i = 0; i < nIn; i++) {
    const sa: f32 = s * load<f32>(a + (<usize>i << 2));
    if (sa == 0) continue;
    rows++;
    const wr = w + <usize>i * rowBytes;
    const ar = acc + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const sa4 = f32x4.splat(sa);
      const eta4 = f32x4.splat(eta);
      const eps4 = f32x4.splat(eps);
      const th4 = f32x4.splat(theta);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const g = perPost ? f32x4.mul(sa4, v128.load(m + o)) : sa4;
        const g2 = f32x4.mul(g, g);
        const mask = f32x4.gt(g2, th4);
        const gv = v128.load(ar + o);
        const den = p2 ? f32x4.sqrt(f32x4.add(eps4, gv)) : f32x4.add(eps4, gv);
        const wv = v128.load(wr + o);
        const wn = clamp4(f32x4.add(wv, f32x4.mul(eta4, f32x4.div(g, den))), lo4, hi4);
        const gn = f32x4.add(gv, p2 ? g2 : f32x4.abs(g));
        v128.store(wr + o, v128.bitselect(wn, wv, mask));
        v128.store(ar + o, v128.bitselect(gn, gv, mask));
        applied += popcnt(i32x4.bitmask(mask));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const g: f32 = perPost ? sa * load<f32>(m + o) : sa;
      const g2: f32 = g * g;
      if (!(g2 > theta)) continue;
      applied++;
      const gv = load<f32>(ar + o);
      const den: f32 = p2 ? Mathf.sqrt(eps + gv) : eps + gv;
      store<f32>(wr + o, clamp1(load<f32>(wr + o) + eta * (g / den), lo, hi));
      store<f32>(ar + o, gv + (p2 ? g2 : Mathf.abs(g)));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>applied);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 8 + <f64>nIn * 4 + (perPost ? <f64>nOut * 4 : 0));
  count(CTR_BYTES_WRITTEN, <f64>applied * 8);
  count(CTR_KERNEL_CALLS, 1);
  return applied;
}
