/**
 * Reference twin of assembly/plasticity/classp.ts (Ludwig 2024): adjustment suppression with a
 * sparsity threshold. Returns the number of weights updated.
 */
import { CLASSP } from '../runtime/abi.js';
import { clamp } from './eligibility.js';

const fr = Math.fround;

export interface ClasspParams { eta: number; eps: number; threshold: number; power: 1 | 2; wMin: number; wMax: number }

/** The CLASSP_* parameter block (8 slots; POWER written as an i32). */
export function packClasspParams(p: ClasspParams): Float32Array {
  const f = new Float32Array(CLASSP.PARAM_SLOTS);
  f[CLASSP.ETA] = p.eta; f[CLASSP.EPS] = p.eps; f[CLASSP.THRESHOLD] = p.threshold;
  new Int32Array(f.buffer)[CLASSP.POWER] = p.power;
  f[CLASSP.W_MIN] = p.wMin; f[CLASSP.W_MAX] = p.wMax;
  return f;
}

export function classpApply(
  w: Float32Array, acc: Float32Array, nIn: number, nOut: number, a: Float32Array, m: Float32Array | null, s: number, p: ClasspParams,
): number {
  const eta = fr(p.eta), eps = fr(p.eps), th = fr(p.threshold), lo = fr(p.wMin), hi = fr(p.wMax);
  let applied = 0;
  for (let i = 0; i < nIn; i++) {
    const sa = fr(fr(s) * a[i]);
    if (sa === 0) continue;
    for (let j = 0; j < nOut; j++) {
      const g = m ? fr(sa * m[j]) : sa;
      const g2 = fr(g * g);
      if (!(g2 > th)) continue;
      applied++;
      const q = i * nOut + j;
      const gv = acc[q];
      const den = p.power === 2 ? fr(Math.sqrt(fr(eps + gv))) : fr(eps + gv);
      w[q] = clamp(fr(w[q] + fr(eta * fr(g / den))), lo, hi);
      acc[q] = fr(gv + (p.power === 2 ? g2 : Math.abs(g)));
    }
  }
  return applied;
}
