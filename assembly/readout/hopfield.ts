/**
 * Modern (continuous) Hopfield associative memory: Ramsauer et al. 2020, "Hopfield Networks is All
 * You Need" (arXiv:2008.02217, ICLR 2021).
 *
 * Storage is one shot: pattern xi_k (a prototype: spike counts, a feature vector) is written into
 * slot k of the memory X = [xi_1 .. xi_N] (hopfield_store_f32), no iterative learning.
 * Retrieval of a (noisy, partial) cue q is the update rule of the paper (hopfield_retrieve_f32):
 *   s_k   = beta xi_k . q                          (similarities, k < nUsed)
 *   p     = softmax(s):  p_k = exp(s_k - max s) / sum_l exp(s_l - max s)
 *   q_new = X p = sum_k p_k xi_k
 * The max subtraction makes the softmax safe from overflow for any beta and pattern scale (it
 * does not change p). For well-separated patterns one update retrieves the pattern with an
 * exponentially small error (the paper's result); apply it again (q <- q_new) for metastable
 * states. The kernel returns argmax_k s_k, the index of the retrieved prototype (a class, when
 * slot = class), or -1 when nUsed <= 0.
 * Capacity grows exponentially with the dimension, unlike the classical Hopfield net's ~0.14 d.
 *
 * exp: wasm has no exp instruction; Mathf.exp is AssemblyScript's software expf. The TypeScript
 * reference uses Math.fround(Math.exp(.)) and is therefore not bit-exact: results agree within the
 * tolerance written in the parity test (relative 1e-5 on p and q_new). SIMD and scalar builds run
 * the same expf and are bit-identical.
 * Layout: X row-major [nFeat][nSlots] (the W[nIn][nOut] layout: one stored pattern per column).
 * Similarities are SIMD across slots (four slot accumulators in registers over all features, each
 * summed in feature order); the softmax and the read-back q_new_f = sum_k p_k X[f][k] (k in order)
 * are scalar in both builds. Memory: nFeat f32 per stored pattern; p needs nSlots f32.
 */
import { CTR_READOUT_MACS, CTR_EXP_EVALS, CTR_WEIGHT_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS, CTR_EVENTS_DROPPED } from '../abi';
import { count } from '../util/counters';

export function hopfield_store_f32(mem: usize, nFeat: i32, nSlots: i32, slot: i32, x: usize): void {
  count(CTR_KERNEL_CALLS, 1);
  if (slot < 0 || slot >= nSlots) {
    count(CTR_EVENTS_DROPPED, 1);
    return;
  }
  const stride = <usize>nSlots << 2;
  let p = mem + (<usize>slot << 2);
  for (let f = 0; f < nFeat; f++, p += stride) store<f32>(p, load<f32>(x + (<usize>f << 2)));
  count(CTR_WEIGHT_UPDATES, <f64>nFeat);
  count(CTR_BYTES_READ, <f64>nFeat * 4);
  count(CTR_BYTES_WRITTEN, <f64>nFeat * 4);
}

export function hopfield_retrieve_f32(
  mem: usize, nFeat: i32, nSlots: i32, nUsed: i32, q: usize, beta: f32, p: usize, out: usize,
): i32 {
  count(CTR_KERNEL_CALLS, 1);
  if (nUsed > nSlots) nUsed = nSlots;
  if (nUsed <= 0) return -1;
  const stride = <usize>nSlots << 2;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const b4 = f32x4.splat(beta);
    for (; k + 4 <= nUsed; k += 4) {
      let acc = f32x4.splat(0);
      let r = mem + (<usize>k << 2);
      for (let f = 0; f < nFeat; f++, r += stride) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(q + (<usize>f << 2))), v128.load(r)));
      }
      v128.store(p + (<usize>k << 2), f32x4.mul(b4, acc));
    }
  }
  for (; k < nUsed; k++) {
    let acc: f32 = 0;
    let r = mem + (<usize>k << 2);
    for (let f = 0; f < nFeat; f++, r += stride) acc = acc + load<f32>(q + (<usize>f << 2)) * load<f32>(r);
    store<f32>(p + (<usize>k << 2), beta * acc);
  }
  let best = 0;
  let mx = load<f32>(p);
  for (let l = 1; l < nUsed; l++) {
    const s = load<f32>(p + (<usize>l << 2));
    if (s > mx) {
      mx = s;
      best = l;
    }
  }
  let z: f32 = 0;
  for (let l = 0; l < nUsed; l++) {
    const o = <usize>l << 2;
    const ev = Mathf.exp(load<f32>(p + o) - mx);
    store<f32>(p + o, ev);
    z = z + ev;
  }
  for (let l = 0; l < nUsed; l++) {
    const o = <usize>l << 2;
    store<f32>(p + o, load<f32>(p + o) / z);
  }
  let r = mem;
  for (let f = 0; f < nFeat; f++, r += stride) {
    let acc: f32 = 0;
    for (let l = 0; l < nUsed; l++) acc = acc + load<f32>(p + (<usize>l << 2)) * load<f32>(r + (<usize>l << 2));
    store<f32>(out + (<usize>f << 2), acc);
  }
  count(CTR_EXP_EVALS, <f64>nUsed);
  count(CTR_READOUT_MACS, <f64>nFeat * <f64>nUsed * 2);
  count(CTR_BYTES_READ, <f64>nFeat * <f64>nUsed * 8 + <f64>nFeat * 4);
  count(CTR_BYTES_WRITTEN, <f64>nFeat * 4 + <f64>nUsed * 4);
  return best;
}
