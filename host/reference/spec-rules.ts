/**
 * Reference twin of assembly/plasticity/spec_rules.ts: the TESS and Tempotron schedule steps,
 * composed from the reference kernels in the same order as the wasm op.
 */
import { eligApply, eligApplyOuter, eligStep, traceFilter, type EligParams } from './eligibility.js';
import { epropPseudo, epropSignal } from './eprop.js';
import { tessSignal } from './tess.js';
import { denseAccumulateF32, traceBump, traceDecay, type LifState } from './kernels.js';
import { tempotronTrack, type TempotronParams } from './tempotron.js';
import { dcondPost, type DcondParams } from './discrete-conductance.js';
import { egDaleUpdate, type EgDaleParams } from './eg-dale.js';

export interface TessStepParams {
  alphaPre: number; alphaPost: number; floor: number; slope: number; gammaPd: number;
  classes: number; label: number;
  /** Basis [classes][nOut]. */
  basis: Float32Array;
  elig: EligParams;
}

/** Per-layer TESS state (the op's work block). */
export interface TessWork {
  xbar: Float32Array; x: Float32Array; psi: Float32Array; pbar: Float32Array; L: Float32Array; q: Float32Array;
}

export function tessWork(nIn: number, nOut: number, classes: number): TessWork {
  return {
    xbar: new Float32Array(nIn), x: new Float32Array(nIn), psi: new Float32Array(nOut),
    pbar: new Float32Array(nOut), L: new Float32Array(nOut), q: new Float32Array(classes),
  };
}

/** One TESS step: v of `state` is the target's membrane before the reset, vTh its threshold. */
export function tessStep(
  w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, post: Uint32Array, nPost: number,
  state: LifState, vTh: number, s: TessWork, p: TessStepParams,
): void {
  epropPseudo(nOut, state, vTh, p.gammaPd, s.psi);
  tessSignal(p.basis, p.classes, nOut, post, nPost, p.label, p.slope, s.q, s.L);
  if (p.label >= 0 && p.label < p.classes) {
    for (let k = 0; k < nPre; k++) if (pre[k] < nIn) s.x[pre[k]] = 1;
    eligApplyOuter(w, nIn, nOut, s.xbar, s.psi, s.x, s.pbar, s.L, -1, p.elig);
    for (let k = 0; k < nPre; k++) if (pre[k] < nIn) s.x[pre[k]] = 0;
  }
  traceFilter(s.pbar, nOut, p.alphaPost, s.psi);
  traceDecay(s.xbar, nIn, p.alphaPre, p.floor);
  traceBump(s.xbar, nIn, pre, nPre, 1, false);
}

/** One Tempotron tracking step (after the target's integrate-and-threshold). */
export function tempotronStep(
  elig: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, v: Float32Array, vmax: Float32Array,
  ka: Float32Array, kb: Float32Array, p: TempotronParams,
): void {
  const floor = p.traceFloor ?? 1e-30;
  traceDecay(ka, nIn, p.alphaM, floor);
  traceDecay(kb, nIn, p.alphaS, floor);
  tempotronTrack(elig, nIn, nOut, v, vmax, ka, kb, p);
  traceBump(ka, nIn, pre, nPre, 1, false);
  traceBump(kb, nIn, pre, nPre, 1, false);
}

export interface EpropStepParams {
  alphaPre: number; kappa: number; floor: number; gammaPd: number; classes: number; label: number;
  /** Input weights' block (ALPHA = kappa, K_A = 1) and the readout's (ETA, bounds). */
  elig: EligParams; out: EligParams;
  /** Feedback B [classes][nOut]. */
  feedback: Float32Array;
}

export interface EpropWork {
  zbar: Float32Array; psi: Float32Array; L: Float32Array; zhat: Float32Array; y: Float32Array; err: Float32Array;
  /** Readout weights [nOut][classes]. */
  wout: Float32Array;
  ebar: Float32Array;
}

export function epropWork(nIn: number, nOut: number, classes: number): EpropWork {
  return {
    zbar: new Float32Array(nIn), psi: new Float32Array(nOut), L: new Float32Array(nOut), zhat: new Float32Array(nOut),
    y: new Float32Array(classes), err: new Float32Array(classes), wout: new Float32Array(nOut * classes), ebar: new Float32Array(nIn * nOut),
  };
}

/** One e-prop step (assembly/plasticity/spec_rules.ts eprop_step_f32). */
export function epropStep(
  w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, post: Uint32Array, nPost: number,
  state: LifState, vTh: number, s: EpropWork, p: EpropStepParams,
): void {
  const K = p.classes;
  epropPseudo(nOut, state, vTh, p.gammaPd, s.psi);
  eligStep(s.ebar, nIn, nOut, s.zbar, s.psi, null, null, p.elig);
  traceDecay(s.y, K, p.kappa, -Infinity);
  denseAccumulateF32(s.wout, nOut, K, post, nPost, s.y);
  traceDecay(s.zhat, nOut, p.kappa, p.floor);
  traceBump(s.zhat, nOut, post, nPost, 1, false);
  if (p.label >= 0 && p.label < K) {
    for (let k = 0; k < K; k++) s.err[k] = Math.fround(s.y[k] - (k === p.label ? 1 : 0));
    epropSignal(p.feedback, K, nOut, s.err, s.L);
    eligApply(w, s.ebar, nIn, nOut, s.L, -1, p.elig);
    eligApplyOuter(s.wout, nOut, K, s.zhat, null, null, null, s.err, -1, p.out);
  }
  traceDecay(s.zbar, nIn, p.alphaPre, p.floor);
  traceBump(s.zbar, nIn, pre, nPre, 1, false);
}

/** One discrete-conductance step (spec_rules.ts dcond_step_f32): pre trace, then post pulses. */
export function dcondStep(
  w: Float32Array, level: Uint8Array, gain: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number,
  post: Uint32Array, nPost: number, x: Float32Array, table: Float32Array, p: DcondParams, alphaPre: number,
): void {
  traceDecay(x, nIn, alphaPre, 1e-30);
  traceBump(x, nIn, pre, nPre, 1, false);
  if (nPost > 0) dcondPost(w, level, gain, nIn, nOut, post, nPost, x, table, p);
}

/** One supervised Dale's-law EG step (spec_rules.ts egdale_step_f32). */
export function egDaleStep(
  w: Float32Array, theta: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, post: Uint32Array, nPost: number,
  sign: Float32Array, zbar: Float32Array, p: EgDaleParams & { alphaPost: number; target: number; classes: number; label: number },
): void {
  traceDecay(zbar, nOut, p.alphaPost, 1e-30);
  traceBump(zbar, nOut, post, nPost, 1, false);
  if (p.label < 0 || p.label >= p.classes || nPre === 0) return;
  const g = Math.trunc(nOut / p.classes);
  const e = new Float32Array(nOut);
  for (let j = 0; j < nOut; j++) e[j] = Math.fround((Math.trunc(j / g) === p.label ? p.target : 0) - zbar[j]);
  egDaleUpdate(w, theta, nIn, nOut, pre, nPre, new Float32Array(nIn).fill(1), e, sign, p);
}
