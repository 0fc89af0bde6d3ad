/**
 * Reference twin of assembly/plasticity/stdp_triplet.ts: triplet STDP (Pfister & Gerstner 2006)
 * with traces r1, r2 (pre) and o1, o2 (post), written from the kernel's header equations. Every
 * f32 intermediate goes through Math.fround, as in kernels.ts.
 */
import { TRIPLET } from '../runtime/abi.js';

const fr = Math.fround;

export interface TripletParams {
  /** Pair and triplet amplitudes (>= 0). */
  a2Plus: number; a3Plus: number; a2Minus: number; a3Minus: number;
  wMin: number; wMax: number;
  /** Multiplicative (soft) bounds instead of additive. */
  soft: boolean;
  /** Nearest-spike pairing (trace = 1 at a spike) instead of all-to-all (trace += 1). */
  nearest: boolean;
  /** Time constants in ms and the step, for the host's trace decay (kernel block slots 8..12). */
  tauPlus: number; tauX: number; tauMinus: number; tauY: number; dtMs: number;
  traceFloor?: number;
}

/** The TRIPLET_* parameter block (16 slots, i32 slots written as integers). */
export function packTripletParams(p: TripletParams): Float32Array {
  const f = new Float32Array(TRIPLET.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[TRIPLET.A2_PLUS] = p.a2Plus; f[TRIPLET.A3_PLUS] = p.a3Plus; f[TRIPLET.A2_MINUS] = p.a2Minus; f[TRIPLET.A3_MINUS] = p.a3Minus;
  f[TRIPLET.W_MIN] = p.wMin; f[TRIPLET.W_MAX] = p.wMax;
  i[TRIPLET.BOUNDS] = p.soft ? 1 : 0; i[TRIPLET.TRACE_MODE] = p.nearest ? 1 : 0;
  f[TRIPLET.ALPHA_R1] = Math.exp(-p.dtMs / p.tauPlus); f[TRIPLET.ALPHA_R2] = Math.exp(-p.dtMs / p.tauX);
  f[TRIPLET.ALPHA_O1] = Math.exp(-p.dtMs / p.tauMinus); f[TRIPLET.ALPHA_O2] = Math.exp(-p.dtMs / p.tauY);
  f[TRIPLET.TRACE_FLOOR] = p.traceFloor ?? 1e-30;
  return f;
}

function bump(x: Float32Array, i: number, nearest: boolean): void {
  x[i] = nearest ? 1 : fr(x[i] + 1);
}

/** Pre spikes: LTD along each row with o1 and the pre's own r2 before its bump; then bump r1, r2. */
export function tripletPre(w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, r1: Float32Array, r2: Float32Array, o1: Float32Array, p: TripletParams): void {
  const a2 = fr(p.a2Minus), a3 = fr(p.a3Minus), lo = fr(p.wMin), hi = fr(p.wMax);
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    const c = fr(a2 + fr(a3 * r2[i]));
    if (c !== 0) {
      for (let j = 0; j < nOut; j++) {
        const q = i * nOut + j;
        const wv = w[q];
        const d = fr(c * o1[j]);
        const wn = p.soft ? fr(wv - fr(d * fr(wv - lo))) : fr(wv - d);
        w[q] = Math.min(Math.max(wn, lo), hi);
      }
    }
    bump(r1, i, p.nearest);
    bump(r2, i, p.nearest);
  }
}

/** Post spikes: LTP along each column with r1 and the post's own o2 before its bump; then bump o1, o2. */
export function tripletPost(w: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, r1: Float32Array, o1: Float32Array, o2: Float32Array, p: TripletParams): void {
  const a2 = fr(p.a2Plus), a3 = fr(p.a3Plus), lo = fr(p.wMin), hi = fr(p.wMax);
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    const c = fr(a2 + fr(a3 * o2[j]));
    if (c !== 0) {
      for (let i = 0; i < nIn; i++) {
        const d = fr(c * r1[i]);
        if (d === 0) continue;
        const q = i * nOut + j;
        const wv = w[q];
        const wn = p.soft ? fr(wv + fr(d * fr(hi - wv))) : fr(wv + d);
        w[q] = Math.min(Math.max(wn, lo), hi);
      }
    }
    bump(o1, j, p.nearest);
    bump(o2, j, p.nearest);
  }
}
