/**
 * Reference twin of assembly/plasticity/eligibility.ts (the three-factor vocabulary), written
 * from its header's equations with Math.fround on every f32 intermediate, in the kernel's order.
 */
import { ELIG } from '../runtime/abi.js';

const fr = Math.fround;

/** The ELIG parameter block, as numbers (soft = multiplicative bounds). */
export interface EligParams {
  alpha: number; floor: number; kA: number; kC: number; eta: number; wMin: number; wMax: number; soft: boolean;
}

/** The ELIG_* parameter block (8 slots; BOUNDS written as an i32). */
export function packEligParams(p: EligParams): Float32Array {
  const f = new Float32Array(ELIG.PARAM_SLOTS);
  f[ELIG.ALPHA] = p.alpha; f[ELIG.FLOOR] = p.floor; f[ELIG.K_A] = p.kA; f[ELIG.K_C] = p.kC;
  f[ELIG.ETA] = p.eta; f[ELIG.W_MIN] = p.wMin; f[ELIG.W_MAX] = p.wMax;
  new Int32Array(f.buffer)[ELIG.BOUNDS] = p.soft ? 1 : 0;
  return f;
}

/** Clip with wasm pmax/pmin semantics (NaN goes to lo). */
export function clamp(v: number, lo: number, hi: number): number {
  const x = lo < v ? v : lo;
  return x < hi ? x : hi;
}

/** One bounded weight step: hard clip, or soft bounds then clip. */
export function bound(w: number, d: number, lo: number, hi: number, soft: boolean): number {
  const n = soft ? fr(w + (d > 0 ? fr(d * fr(hi - w)) : fr(d * fr(w - lo)))) : fr(w + d);
  return clamp(n, lo, hi);
}

/** e_ij = alpha e_ij + kA a_i b_j (+ kC c_i d_j), flushed to 0 below floor. b null = ones; c null = one term. */
export function eligStep(
  e: Float32Array, nIn: number, nOut: number, a: Float32Array, b: Float32Array | null,
  c: Float32Array | null, d: Float32Array | null, p: EligParams,
): void {
  const alpha = fr(p.alpha), floor = fr(p.floor), kA = fr(p.kA), kC = fr(p.kC);
  for (let i = 0; i < nIn; i++) {
    const ka = fr(kA * a[i]);
    const kc = c ? fr(kC * c[i]) : 0;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      let t = fr(ka * (b ? b[j] : 1));
      if (c) t = fr(t + fr(kc * d![j]));
      const v = fr(fr(alpha * e[row + j]) + t);
      e[row + j] = Math.abs(v) < floor ? 0 : v;
    }
  }
}

/** w_ij = bound(w_ij + eta s m_j e_ij). m null = ones. */
export function eligApply(w: Float32Array, e: Float32Array, nIn: number, nOut: number, m: Float32Array | null, s: number, p: EligParams): void {
  const g = fr(fr(p.eta) * fr(s));
  if (g === 0) return;
  const lo = fr(p.wMin), hi = fr(p.wMax);
  for (let i = 0; i < nIn; i++) {
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      const gm = m ? fr(g * m[j]) : g;
      w[row + j] = bound(w[row + j], fr(gm * e[row + j]), lo, hi, p.soft);
    }
  }
}

/** w_ij = bound(w_ij + eta s m_j (kA a_i b_j + kC c_i d_j)); rows with kA a_i == 0 and kC c_i == 0 skipped. */
export function eligApplyOuter(
  w: Float32Array, nIn: number, nOut: number, a: Float32Array, b: Float32Array | null, c: Float32Array | null,
  d: Float32Array | null, m: Float32Array | null, s: number, p: EligParams,
): void {
  const g = fr(fr(p.eta) * fr(s));
  if (g === 0) return;
  const kA = fr(p.kA), kC = fr(p.kC), lo = fr(p.wMin), hi = fr(p.wMax);
  for (let i = 0; i < nIn; i++) {
    const ka = fr(kA * a[i]);
    const kc = c ? fr(kC * c[i]) : 0;
    if (ka === 0 && kc === 0) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      let t = fr(ka * (b ? b[j] : 1));
      if (c) t = fr(t + fr(kc * d![j]));
      const gm = m ? fr(g * m[j]) : g;
      w[row + j] = bound(w[row + j], fr(gm * t), lo, hi, p.soft);
    }
  }
}

/** x_j = alpha x_j + u_j. */
export function traceFilter(x: Float32Array, n: number, alpha: number, u: Float32Array): void {
  const a = fr(alpha);
  for (let j = 0; j < n; j++) x[j] = fr(fr(a * x[j]) + u[j]);
}
