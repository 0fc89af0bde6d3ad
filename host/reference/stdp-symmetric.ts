/**
 * Reference twin of assembly/plasticity/stdp_symmetric.ts: symmetric STDP (Hao et al. 2020), both
 * spike orders potentiate. Synaptic scaling and the dynamic threshold are the existing
 * scaleColumns and lifStep/lifReset references (kernels.ts).
 */
import { SYMSTDP } from '../runtime/abi.js';

const fr = Math.fround;

export interface SymStdpParams {
  etaPre: number; etaPost: number; wMin: number; wMax: number; soft: boolean;
  impulsePre: number; impulsePost: number; nearest: boolean;
  /** Trace time constants (ms) and step, for the host's trace decay. */
  tauPre: number; tauPost: number; dtMs: number;
  /** L1 target of the synaptic scaling step. */
  scaleTarget: number;
  traceFloor?: number;
}

export function packSymStdpParams(p: SymStdpParams): Float32Array {
  const f = new Float32Array(SYMSTDP.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[SYMSTDP.ETA_PRE] = p.etaPre; f[SYMSTDP.ETA_POST] = p.etaPost; f[SYMSTDP.W_MIN] = p.wMin; f[SYMSTDP.W_MAX] = p.wMax;
  i[SYMSTDP.BOUNDS] = p.soft ? 1 : 0; f[SYMSTDP.IMPULSE_PRE] = p.impulsePre; f[SYMSTDP.IMPULSE_POST] = p.impulsePost;
  i[SYMSTDP.TRACE_MODE] = p.nearest ? 1 : 0;
  f[SYMSTDP.ALPHA_PRE] = Math.exp(-p.dtMs / p.tauPre); f[SYMSTDP.ALPHA_POST] = Math.exp(-p.dtMs / p.tauPost);
  f[SYMSTDP.TRACE_FLOOR] = p.traceFloor ?? 1e-30; f[SYMSTDP.SCALE_TARGET] = p.scaleTarget;
  return f;
}

function potentiate(wv: number, d: number, soft: boolean, lo: number, hi: number): number {
  const wn = soft ? fr(wv + fr(d * fr(hi - wv))) : fr(wv + d);
  return Math.min(Math.max(wn, lo), hi);
}

/** Pre spikes: bump x_i, then w_ij += eta_pre y_j (h+) along row i. */
export function symStdpPre(w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, x: Float32Array, y: Float32Array, p: SymStdpParams): void {
  const eta = fr(p.etaPre), lo = fr(p.wMin), hi = fr(p.wMax), imp = fr(p.impulsePre);
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    x[i] = p.nearest ? imp : fr(x[i] + imp);
    if (eta === 0) continue;
    for (let j = 0; j < nOut; j++) w[i * nOut + j] = potentiate(w[i * nOut + j], fr(eta * y[j]), p.soft, lo, hi);
  }
}

/** Post spikes: bump y_j, then w_ij += eta_post x_i (h+) along column j. */
export function symStdpPost(w: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, x: Float32Array, y: Float32Array, p: SymStdpParams): void {
  const eta = fr(p.etaPost), lo = fr(p.wMin), hi = fr(p.wMax), imp = fr(p.impulsePost);
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    y[j] = p.nearest ? imp : fr(y[j] + imp);
    if (eta === 0) continue;
    for (let i = 0; i < nIn; i++) {
      const d = fr(eta * x[i]);
      if (d === 0) continue;
      w[i * nOut + j] = potentiate(w[i * nOut + j], d, p.soft, lo, hi);
    }
  }
}
