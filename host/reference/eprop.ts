/**
 * Reference twin of assembly/plasticity/eprop.ts (Bellec et al. 2020): pseudo-derivative and the
 * learning signal through fixed random feedback weights.
 */
import type { LifState } from './kernels.js';

const fr = Math.fround;

/** psi_j = (gamma / v_th) max(0, 1 - |(v_j - (v_th + b_j)) / v_th|). */
export function epropPseudo(n: number, s: LifState, vTh: number, gammaPd: number, psi: Float32Array): void {
  const vth = fr(vTh);
  const inv = fr(1 / vth);
  const gi = fr(fr(gammaPd) * inv);
  for (let j = 0; j < n; j++) {
    const x = fr(fr(s.v[j] - fr(vth + s.b[j])) * inv);
    psi[j] = fr(gi * Math.max(fr(1 - Math.abs(x)), 0));
  }
}

/** L_j = sum_k err_k B[k][j], B row-major [nK][n]. */
export function epropSignal(fb: Float32Array, nK: number, n: number, err: Float32Array, L: Float32Array): void {
  for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let k = 0; k < nK; k++) acc = fr(acc + fr(err[k] * fb[k * n + j]));
    L[j] = acc;
  }
}
