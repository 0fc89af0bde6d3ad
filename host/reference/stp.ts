/**
 * Reference for assembly/synapses/stp.ts (Tsodyks-Markram short-term plasticity).
 * At a spike of unit i at step t, with Delta = t - last_i (0 if negative):
 *   f_F = prod_{bit k of Delta} A_F[k],  f_D likewise        (ascending k, f32)
 *   u = U + (u_i - U) f_F;  x = 1 + (x_i - 1) f_D;  e = u x
 *   x_i = x - e;  u_i = u + U (1 - u);  last_i = t
 * and the scaled dense accumulation I_j += e_k W[i_k][j].
 */
import { STP } from '../runtime/abi.js';

const fr = Math.fround;

export interface StpState {
  u: Float32Array; x: Float32Array; last: Int32Array;
}

/** Returns the number of dropped indices. */
export function stpEfficacyF32(s: StpState, nIn: number, params: Float32Array, idx: Uint32Array, nIdx: number, step: number, eff: Float32Array): number {
  const U = fr(params[STP.U]);
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) { eff[k] = 0; dropped++; continue; }
    const delta = Math.max(0, step - s.last[i]);
    let fF = 1, fD = 1;
    for (let t = 0, bits = delta; bits !== 0; t++, bits = Math.floor(bits / 2)) {
      if (bits % 2 === 1) {
        fF = fr(fF * params[STP.DECAY_F + t]);
        fD = fr(fD * params[STP.DECAY_D + t]);
      }
    }
    const u = fr(U + fr(fr(s.u[i] - U) * fF));
    const x = fr(1 + fr(fr(s.x[i] - 1) * fD));
    const e = fr(u * x);
    eff[k] = e;
    s.x[i] = fr(x - e);
    s.u[i] = fr(u + fr(U * fr(1 - u)));
    s.last[i] = step;
  }
  return dropped;
}

export function denseAccumulateScaledF32(
  w: Float32Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, scale: Float32Array, target: Float32Array,
): void {
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) continue;
    for (let j = 0; j < nOut; j++) target[j] = fr(target[j] + fr(scale[k] * w[i * nOut + j]));
  }
}
