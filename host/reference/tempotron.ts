/**
 * Reference twin of assembly/plasticity/tempotron.ts: V_max tracking with eligibility snapshots
 * E_ij = K_i(t_max,j), and the end-of-pattern error-driven update (Guetig & Sompolinsky 2006).
 */
import { TEMPOTRON } from '../runtime/abi.js';
import type { LifParams } from './kernels.js';

const fr = Math.fround;

export interface TempotronParams {
  vTh: number; lr: number; wMin: number; wMax: number;
  /** c = beta / (alpha_m - alpha_s) of the LIF the tempotron runs on. */
  kScale: number;
  alphaM: number; alphaS: number;
  traceFloor?: number;
}

/**
 * LIF parameters for a tempotron membrane (tau_m, tau_s in ms, tau_m != tau_s): exact integration,
 * no threshold (it is set out of reach; the tempotron reads V_max), and the matching K scale.
 */
export function tempotronLif(tauM: number, tauS: number, dtMs: number): { lif: LifParams; kScale: number; alphaM: number; alphaS: number } {
  if (!(tauM > 0 && tauS > 0 && tauM !== tauS)) throw new RangeError('tempotron needs tau_m, tau_s > 0 and tau_m != tau_s');
  const am = fr(Math.exp(-dtMs / tauM)), as = fr(Math.exp(-dtMs / tauS));
  const beta = fr((tauS / (tauS - tauM)) * (as - am));
  const lif: LifParams = {
    alphaM: am, alphaS: as, beta, gamma: fr(1 - am), vTh: 3e38, vReset: 0, resetSubtract: false,
    refracHold: 0, alphaB: 1, dTheta: 0,
  };
  return { lif, kScale: fr(beta / fr(am - as)), alphaM: am, alphaS: as };
}

export function packTempotronParams(p: TempotronParams): Float32Array {
  const f = new Float32Array(TEMPOTRON.PARAM_SLOTS);
  f[TEMPOTRON.V_TH] = p.vTh; f[TEMPOTRON.LR] = p.lr; f[TEMPOTRON.W_MIN] = p.wMin; f[TEMPOTRON.W_MAX] = p.wMax;
  f[TEMPOTRON.K_SCALE] = p.kScale; f[TEMPOTRON.ALPHA_M] = p.alphaM; f[TEMPOTRON.ALPHA_S] = p.alphaS;
  f[TEMPOTRON.TRACE_FLOOR] = p.traceFloor ?? 1e-30;
  return f;
}

/** V_max update and eligibility snapshot; returns the number of neurons at a new maximum. */
export function tempotronTrack(elig: Float32Array, nIn: number, nOut: number, v: Float32Array, vmax: Float32Array, a: Float32Array, b: Float32Array, p: TempotronParams): number {
  const c = fr(p.kScale);
  const newMax: number[] = [];
  for (let j = 0; j < nOut; j++) {
    if (v[j] > vmax[j]) {
      vmax[j] = v[j];
      newMax.push(j);
    }
  }
  if (newMax.length === 0) return 0;
  for (let i = 0; i < nIn; i++) {
    const k = fr(c * fr(a[i] - b[i]));
    for (const j of newMax) elig[i * nOut + j] = k;
  }
  return newMax.length;
}

/** End-of-pattern update: +lr E for a missed target, -lr E for a false alarm; returns the error count. */
export function tempotronLearn(w: Float32Array, elig: Float32Array, nIn: number, nOut: number, vmax: Float32Array, target: Int32Array, p: TempotronParams): number {
  const vth = fr(p.vTh), lr = fr(p.lr), lo = fr(p.wMin), hi = fr(p.wMax);
  const d = new Float32Array(nOut);
  let errors = 0;
  for (let j = 0; j < nOut; j++) {
    const fired = vmax[j] > vth;
    const want = target[j] !== 0;
    d[j] = want && !fired ? lr : !want && fired ? -lr : 0;
    if (d[j] !== 0) errors++;
  }
  if (errors === 0 || lr === 0) return errors;
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) {
      const q = i * nOut + j;
      w[q] = Math.min(Math.max(fr(w[q] + fr(d[j] * elig[q])), lo), hi);
    }
  }
  return errors;
}
