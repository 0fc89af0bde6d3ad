/**
 * Reference twin of assembly/readout/gated_hebb.ts: error-modulated, attention-gated Hebbian
 * readout (Yamada & Chao 2025; gating after Roelfsema & van Ooyen 2005).
 */
import { bound, type EligParams } from './eligibility.js';

const fr = Math.fround;

/** y_k = sum_i W[i][k] r_i (rows with r_i == 0 skipped). */
export function gatedHebbPredict(w: Float32Array, nFeat: number, nOut: number, r: Float32Array, y: Float32Array): void {
  y.fill(0, 0, nOut);
  for (let i = 0; i < nFeat; i++) {
    const ri = r[i];
    if (ri === 0) continue;
    for (let k = 0; k < nOut; k++) y[k] = fr(y[k] + fr(ri * w[i * nOut + k]));
  }
}

/** err_k = g_k (target_k - y_k); W[i][k] = bound(W[i][k] + eta r_i err_k). gate null = ones. */
export function gatedHebbLearn(
  w: Float32Array, nFeat: number, nOut: number, r: Float32Array, target: Float32Array, gate: Float32Array | null,
  p: EligParams, y: Float32Array, err: Float32Array,
): void {
  gatedHebbPredict(w, nFeat, nOut, r, y);
  for (let k = 0; k < nOut; k++) {
    const dl = fr(target[k] - y[k]);
    err[k] = gate ? fr(gate[k] * dl) : dl;
  }
  const eta = fr(p.eta), lo = fr(p.wMin), hi = fr(p.wMax);
  for (let i = 0; i < nFeat; i++) {
    const ri = r[i];
    if (ri === 0) continue;
    const er = fr(eta * ri);
    for (let k = 0; k < nOut; k++) w[i * nOut + k] = bound(w[i * nOut + k], fr(er * err[k]), lo, hi, p.soft);
  }
}
