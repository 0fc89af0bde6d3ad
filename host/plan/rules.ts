/**
 * Plan regions and schedule ops of the rules and neurons that the rule ops 50-64 bring to specs
 * (assembly/plasticity/spec_rules.ts): TESS, the Tempotron and the fixed-point int16 LIF.
 * planModel (plan.ts) calls in here; the runtime reads the resulting `RuleState` to reset the
 * rule's per-sample state, deliver labels (Runtime.setLabel) and run end-of-sample updates
 * (Runtime.endSample).
 */
import type { DiscreteConductanceSpec, EgDaleSpec, EpropSpec, HebbSignedSpec, LifNeuronSpec, LifI16NeuronSpec, PopulationSpec, TempotronSpec, TessSpec } from '../spec/types.js';
import { DCOND, EGDALE, EGX, ELIG, EPROP, HEBBSIGN, LIFX, OP, PHASE_LEARN, STATE, TEMPOTRON, TESS } from '../runtime/abi.js';
import { signDiverseSigns } from '../reference/hebb-signed.js';
import { dcondGains, dcondLevels, dcondWeight } from '../reference/discrete-conductance.js';
import { Xoshiro128 } from '../util/prng.js';
import type { RegionKind } from './plan.js';

/** The allocation and parameter-writing helpers of planModel. */
export interface RulePlanTools {
  alloc(name: string, kind: RegionKind, bytes: number): number;
  f32(offset: number, slot: number, value: number): void;
  i32(offset: number, slot: number, value: number): void;
  readonly dtMs: number;
}

/** An f32 array the runtime fills with `value` before every sample (Runtime.resetState). */
export interface RuleReset {
  readonly offset: number;
  readonly n: number;
  readonly value: number;
}

export interface TessState {
  readonly kind: 'tess';
  readonly classes: number;
  /** TESS_* block followed by the basis [classes][nOut]. */
  readonly params: number;
  /** ELIG block: learning rate, aPre (K_A), aPost (K_C), bounds. */
  readonly eligParams: number;
  /** xbar[nIn] | x[nIn] | psi[nOut] | pbar[nOut] | L[nOut] | q[classes], each padded to 4. */
  readonly work: number;
  readonly resets: readonly RuleReset[];
}

export interface TempotronState {
  readonly kind: 'tempotron';
  readonly classes: number;
  readonly params: number;
  /** E [nIn][nOut]: the PSP-kernel sums at each neuron's V_max so far. */
  readonly elig: number;
  readonly vmax: number;
  readonly flag: number;
  /** The two input traces (decays alpha_m, alpha_s). */
  readonly ka: number;
  readonly kb: number;
  /** i32 [nOut] per-neuron target written by Runtime.endSample, and its f32 error scratch. */
  readonly target: number;
  readonly err: number;
  readonly resets: readonly RuleReset[];
}

export interface EpropState {
  readonly kind: 'eprop';
  readonly classes: number;
  /** EPROP_* block, then the readout's ELIG block, then the feedback weights B [classes][nOut]. */
  readonly params: number;
  readonly eligParams: number;
  /** zbar[nIn] | psi[nOut] | L[nOut] | zhat[nOut] | y[K] | err[K] | Wout[nOut][K] | ebar[nIn][nOut]. */
  readonly work: number;
  /** Byte offset of Wout [nOut][classes] (learned: kept across samples) and of y [classes]. */
  readonly readoutWeights: number;
  readonly readoutOutput: number;
  readonly resets: readonly RuleReset[];
}

export interface HebbSignedState {
  readonly kind: 'hebb-signed';
  /** Not label-driven. */
  readonly classes: 0;
  readonly params: number;
  /** f32 [nOut]: +1 Hebbian, -1 anti-Hebbian (constant, drawn at plan time). */
  readonly sign: number;
  readonly preTrace: number;
  readonly postTrace: number;
  readonly resets: readonly RuleReset[];
}

export interface DcondState {
  readonly kind: 'discrete-conductance';
  readonly classes: 0;
  /** DCOND block | level table [levels] | alpha, floor. */
  readonly params: number;
  /** u8 [nIn][nOut] device levels and f32 [nIn][nOut] device gains (drawn from gainSeed). */
  readonly level: number;
  readonly gain: number;
  readonly preTrace: number;
  readonly gainSeed: number;
  readonly spec: DiscreteConductanceSpec;
  readonly resets: readonly RuleReset[];
}

export interface EgDaleState {
  readonly kind: 'eg-dale';
  readonly classes: number;
  /** EGDALE block | EGX slots | ones[nIn]. */
  readonly params: number;
  /** f32 [nIn][nOut] log-magnitudes (learned) and f32 [nIn] input signs (constant). */
  readonly theta: number;
  readonly sign: number;
  /** zbar[nOut] | e[nOut]. */
  readonly work: number;
  readonly signs: Float32Array;
  readonly resets: readonly RuleReset[];
}

export type RuleState = TessState | TempotronState | EpropState | HebbSignedState | DcondState | EgDaleState;

export function planEgDale(t: RulePlanTools, name: string, pl: EgDaleSpec, nIn: number, nOut: number, seed: number): EgDaleState {
  const params = t.alloc(`${name}.egDaleParams`, 'params', (EGDALE.PARAM_SLOTS + EGX.SLOTS + pad4(nIn)) * 4);
  t.f32(params, EGDALE.LR, pl.learningRate);
  t.f32(params, EGDALE.THETA_MIN, Math.log(pl.wAbsMin));
  t.f32(params, EGDALE.THETA_MAX, Math.log(pl.wAbsMax));
  t.f32(params, EGDALE.W_ABS_MIN, pl.wAbsMin);
  t.f32(params, EGDALE.W_ABS_MAX, pl.wAbsMax);
  const x = EGDALE.PARAM_SLOTS;
  t.f32(params, x + EGX.ALPHA_POST, Math.exp(-t.dtMs / pl.tauPostMs));
  t.f32(params, x + EGX.FLOOR, 1e-30);
  t.f32(params, x + EGX.TARGET, pl.targetTrace);
  t.i32(params, x + EGX.CLASSES, pl.classes);
  t.i32(params, x + EGX.LABEL, -1);
  for (let i = 0; i < nIn; i++) t.f32(params, x + EGX.SLOTS + i, 1);
  const signs = signDiverseSigns(nIn, pl.inhibitoryFraction, seed);
  const sign = t.alloc(`${name}.inputSign`, 'params', pad4(nIn) * 4);
  for (let i = 0; i < nIn; i++) t.f32(sign, i, signs[i]);
  const theta = t.alloc(`${name}.theta`, 'weights', nIn * nOut * 4);
  const work = t.alloc(`${name}.egDaleWork`, 'traces', 2 * pad4(nOut) * 4);
  return { kind: 'eg-dale', classes: pl.classes, params, theta, sign, work, signs, resets: [{ offset: work, n: pad4(nOut), value: 0 }] };
}

/** theta = ln clip(|v|, wAbsMin, wAbsMax) for requested weights v (their signs come from the inputs). */
export function egDaleTheta(pl: EgDaleSpec, values: Float32Array): Float32Array {
  return Float32Array.from(values, (v) => Math.log(Math.min(Math.max(Math.abs(v), pl.wAbsMin), pl.wAbsMax)));
}

export function planDcond(t: RulePlanTools, name: string, pl: DiscreteConductanceSpec, nIn: number, nOut: number, seed: number): DcondState {
  const params = t.alloc(`${name}.dcondParams`, 'params', (DCOND.PARAM_SLOTS + pl.levels + 2) * 4);
  t.f32(params, DCOND.W_MIN, pl.wMin);
  t.f32(params, DCOND.W_MAX, pl.wMax);
  t.i32(params, DCOND.LEVELS, pl.levels);
  t.i32(params, DCOND.STEP_UP, pl.stepUp);
  t.i32(params, DCOND.STEP_DOWN, pl.stepDown);
  t.i32(params, DCOND.UNIDIRECTIONAL, pl.unidirectional ? 1 : 0);
  t.f32(params, DCOND.X_TH, pl.traceThreshold);
  const table = dcondLevels(pl.levels, pl.nonlinearity, pl.wMin, pl.wMax);
  for (let n = 0; n < pl.levels; n++) t.f32(params, DCOND.PARAM_SLOTS + n, table[n]);
  t.f32(params, DCOND.PARAM_SLOTS + pl.levels, Math.exp(-t.dtMs / pl.tauPreMs));
  t.f32(params, DCOND.PARAM_SLOTS + pl.levels + 1, 1e-30);
  const level = t.alloc(`${name}.levels`, 'weights', nIn * nOut);
  const gain = t.alloc(`${name}.gains`, 'weights', nIn * nOut * 4);
  const preTrace = t.alloc(`${name}.preTrace`, 'traces', pad4(nIn) * 4);
  return { kind: 'discrete-conductance', classes: 0, params, level, gain, preTrace, gainSeed: seed, spec: pl, resets: [{ offset: preTrace, n: pad4(nIn), value: 0 }] };
}

/**
 * Puts every device of a discrete-conductance projection on the level nearest to the requested
 * weight (ties to the lower level) and returns the levels, gains and read-out weights [nIn][nOut].
 */
export function dcondQuantize(s: DcondState, values: Float32Array): { level: Uint8Array; gain: Float32Array; w: Float32Array } {
  const pl = s.spec;
  const table = dcondLevels(pl.levels, pl.nonlinearity, pl.wMin, pl.wMax);
  const gain = dcondGains(values.length, pl.deviceVariation, s.gainSeed);
  const level = new Uint8Array(values.length);
  const w = new Float32Array(values.length);
  for (let q = 0; q < values.length; q++) {
    let best = 0, bestD = Infinity;
    for (let n = 0; n < pl.levels; n++) {
      const d = Math.abs(dcondWeight(n, gain[q], table, pl.wMin, pl.wMax) - values[q]);
      if (d < bestD) { bestD = d; best = n; }
    }
    level[q] = best;
    w[q] = dcondWeight(best, gain[q], table, pl.wMin, pl.wMax);
  }
  return { level, gain, w };
}

/** The sign array of a hebb-signed projection: exactly round(fraction x nOut) flipped neurons. */
export function hebbSigns(pl: HebbSignedSpec, nOut: number, seed: number): Float32Array {
  return signDiverseSigns(nOut, pl.flippedFraction, seed);
}

export function planHebbSigned(t: RulePlanTools, name: string, pl: HebbSignedSpec, nIn: number, nOut: number, seed: number): HebbSignedState {
  const params = t.alloc(`${name}.hebbSignParams`, 'params', HEBBSIGN.PARAM_SLOTS * 4);
  t.f32(params, HEBBSIGN.ETA_PRE, pl.etaPre);
  t.f32(params, HEBBSIGN.ETA_POST, pl.etaPost);
  t.f32(params, HEBBSIGN.W_MIN, pl.wMin);
  t.f32(params, HEBBSIGN.W_MAX, pl.wMax);
  t.i32(params, HEBBSIGN.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
  t.f32(params, HEBBSIGN.IMPULSE_PRE, 1);
  t.f32(params, HEBBSIGN.IMPULSE_POST, 1);
  t.i32(params, HEBBSIGN.TRACE_MODE, pl.pairing === 'nearest' ? 1 : 0);
  t.f32(params, HEBBSIGN.ALPHA_PRE, Math.exp(-t.dtMs / pl.tauPreMs));
  t.f32(params, HEBBSIGN.ALPHA_POST, Math.exp(-t.dtMs / pl.tauPostMs));
  t.f32(params, HEBBSIGN.TRACE_FLOOR, 1e-30);
  const sign = t.alloc(`${name}.sign`, 'params', pad4(nOut) * 4);
  const signs = hebbSigns(pl, nOut, seed);
  for (let j = 0; j < nOut; j++) t.f32(sign, j, signs[j]);
  const preTrace = t.alloc(`${name}.preTrace`, 'traces', pad4(nIn) * 4);
  const postTrace = t.alloc(`${name}.postTrace`, 'traces', pad4(nOut) * 4);
  return {
    kind: 'hebb-signed', classes: 0, params, sign, preTrace, postTrace,
    resets: [{ offset: preTrace, n: pad4(nIn), value: 0 }, { offset: postTrace, n: pad4(nOut), value: 0 }],
  };
}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Pre-synaptic traces of TESS below this are flushed to 0 (fewer rows to update; see docs). */
export const TESS_TRACE_FLOOR = 1e-3;

/**
 * Fixed basis of the TESS learning signal: square waves of frequency c + 1 over the neuron index,
 * scaled by 1/n (B[c][j] = sign(sin(2 pi (c + 1)(j + 0.5) / n)) / n), as in the kernel-level test.
 */
export function tessBasis(classes: number, n: number): Float32Array {
  return Float32Array.from({ length: classes * n }, (_, k) => {
    const c = Math.floor(k / n), j = k % n;
    return Math.sign(Math.sin((2 * Math.PI * (c + 1) * (j + 0.5)) / n)) / n;
  });
}

export function planTess(t: RulePlanTools, name: string, pl: TessSpec, nIn: number, nOut: number): TessState {
  const params = t.alloc(`${name}.tessParams`, 'params', (TESS.PARAM_SLOTS + pl.classes * nOut) * 4);
  t.f32(params, TESS.ALPHA_PRE, Math.exp(-t.dtMs / pl.tauPreMs));
  t.f32(params, TESS.ALPHA_POST, Math.exp(-t.dtMs / pl.tauPostMs));
  t.f32(params, TESS.FLOOR, TESS_TRACE_FLOOR);
  t.f32(params, TESS.SLOPE, pl.signalSlope);
  t.f32(params, TESS.GAMMA_PD, pl.pseudoDerivative);
  t.i32(params, TESS.CLASSES, pl.classes);
  t.i32(params, TESS.LABEL, -1);
  const basis = tessBasis(pl.classes, nOut);
  for (let k = 0; k < basis.length; k++) t.f32(params, TESS.PARAM_SLOTS + k, basis[k]);
  const eligParams = t.alloc(`${name}.eligParams`, 'params', ELIG.PARAM_SLOTS * 4);
  t.f32(eligParams, ELIG.K_A, pl.aPre);
  t.f32(eligParams, ELIG.K_C, pl.aPost);
  t.f32(eligParams, ELIG.ETA, pl.learningRate);
  t.f32(eligParams, ELIG.W_MIN, pl.wMin);
  t.f32(eligParams, ELIG.W_MAX, pl.wMax);
  t.i32(eligParams, ELIG.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
  // Traces (xbar, pbar) are reset per sample; x is kept at 0 between steps by the kernel; psi, L
  // and q are rewritten every step. All of it is scratch between samples: kind 'traces' so that a
  // checkpoint taken mid-sample resumes exactly.
  const work = t.alloc(`${name}.tessWork`, 'traces', (2 * pad4(nIn) + 3 * pad4(nOut) + pad4(pl.classes)) * 4);
  const pbar = work + (2 * pad4(nIn) + pad4(nOut)) * 4;
  return {
    kind: 'tess', classes: pl.classes, params, eligParams, work,
    resets: [{ offset: work, n: 2 * pad4(nIn), value: 0 }, { offset: pbar, n: pad4(nOut), value: 0 }],
  };
}

export function planTempotron(t: RulePlanTools, name: string, pl: TempotronSpec, target: LifNeuronSpec, nIn: number, nOut: number): TempotronState {
  const dt = t.dtMs;
  const am = Math.fround(Math.exp(-dt / target.tauMemMs));
  const as = Math.fround(Math.exp(-dt / target.tauSynMs));
  const beta = Math.fround((target.tauSynMs / (target.tauSynMs - target.tauMemMs)) * (as - am));
  const params = t.alloc(`${name}.tempotronParams`, 'params', TEMPOTRON.PARAM_SLOTS * 4);
  t.f32(params, TEMPOTRON.V_TH, target.threshold);
  t.f32(params, TEMPOTRON.LR, pl.learningRate);
  t.f32(params, TEMPOTRON.W_MIN, pl.wMin);
  t.f32(params, TEMPOTRON.W_MAX, pl.wMax);
  t.f32(params, TEMPOTRON.K_SCALE, Math.fround(beta / Math.fround(am - as)));
  t.f32(params, TEMPOTRON.ALPHA_M, am);
  t.f32(params, TEMPOTRON.ALPHA_S, as);
  t.f32(params, TEMPOTRON.TRACE_FLOOR, 1e-30);
  const elig = t.alloc(`${name}.tempotronElig`, 'traces', nIn * nOut * 4);
  const vmax = t.alloc(`${name}.vmax`, 'traces', pad4(nOut) * 4);
  const ka = t.alloc(`${name}.kernelTraceM`, 'traces', pad4(nIn) * 4);
  const kb = t.alloc(`${name}.kernelTraceS`, 'traces', pad4(nIn) * 4);
  const flag = t.alloc(`${name}.tempotronFlag`, 'spikes', pad4(nOut) * 4);
  const tgt = t.alloc(`${name}.tempotronTarget`, 'spikes', pad4(nOut) * 4);
  const err = t.alloc(`${name}.tempotronErr`, 'spikes', pad4(nOut) * 4);
  return {
    kind: 'tempotron', classes: pl.classes, params, elig, vmax, flag, ka, kb, target: tgt, err,
    resets: [
      { offset: vmax, n: pad4(nOut), value: -Infinity },
      { offset: ka, n: pad4(nIn), value: 0 },
      { offset: kb, n: pad4(nIn), value: 0 },
    ],
  };
}

/** Readout weights of e-prop are clipped to this magnitude (a guard against divergence only). */
export const EPROP_READOUT_BOUND = 100;

/** Fixed random feedback B [classes][nOut] of e-prop: N(0, 1) / sqrt(nOut), from `seed`. */
export function epropFeedback(classes: number, nOut: number, seed: number): Float32Array {
  const rng = new Xoshiro128(seed >>> 0);
  const s = 1 / Math.sqrt(nOut);
  return Float32Array.from({ length: classes * nOut }, () => rng.nextGaussian() * s);
}

export function planEprop(t: RulePlanTools, name: string, pl: EpropSpec, nIn: number, nOut: number, seed: number): EpropState {
  const K = pl.classes;
  const kappa = Math.exp(-t.dtMs / pl.tauOutMs);
  const params = t.alloc(`${name}.epropParams`, 'params', (EPROP.PARAM_SLOTS + ELIG.PARAM_SLOTS + K * nOut) * 4);
  t.f32(params, EPROP.ALPHA_PRE, Math.exp(-t.dtMs / pl.tauPreMs));
  t.f32(params, EPROP.KAPPA, kappa);
  t.f32(params, EPROP.FLOOR, 1e-30);
  t.f32(params, EPROP.GAMMA_PD, pl.pseudoDerivative);
  t.i32(params, EPROP.CLASSES, K);
  t.i32(params, EPROP.LABEL, -1);
  const out = params + EPROP.PARAM_SLOTS * 4;
  t.f32(out, ELIG.K_A, 1);
  t.f32(out, ELIG.ETA, pl.readoutLearningRate);
  t.f32(out, ELIG.W_MIN, -EPROP_READOUT_BOUND);
  t.f32(out, ELIG.W_MAX, EPROP_READOUT_BOUND);
  const fb = epropFeedback(K, nOut, seed);
  for (let k = 0; k < fb.length; k++) t.f32(params, EPROP.PARAM_SLOTS + ELIG.PARAM_SLOTS + k, fb[k]);
  const eligParams = t.alloc(`${name}.eligParams`, 'params', ELIG.PARAM_SLOTS * 4);
  t.f32(eligParams, ELIG.ALPHA, kappa);
  t.f32(eligParams, ELIG.FLOOR, 1e-30);
  t.f32(eligParams, ELIG.K_A, 1);
  t.f32(eligParams, ELIG.ETA, pl.learningRate);
  t.f32(eligParams, ELIG.W_MIN, pl.wMin);
  t.f32(eligParams, ELIG.W_MAX, pl.wMax);
  t.i32(eligParams, ELIG.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
  const head = pad4(nIn) + 3 * pad4(nOut) + 2 * pad4(K);
  const work = t.alloc(`${name}.epropWork`, 'traces', (head + pad4(nOut * K) + nIn * nOut) * 4);
  const zbar = work;
  const zhat = work + (pad4(nIn) + 2 * pad4(nOut)) * 4;
  const y = zhat + pad4(nOut) * 4;
  const readoutWeights = work + head * 4;
  const ebar = readoutWeights + pad4(nOut * K) * 4;
  return {
    kind: 'eprop', classes: K, params, eligParams, work, readoutWeights, readoutOutput: y,
    resets: [
      { offset: zbar, n: pad4(nIn), value: 0 },
      { offset: zhat, n: pad4(nOut) + pad4(K), value: 0 }, // zhat and y
      { offset: ebar, n: nIn * nOut, value: 0 },
    ],
  };
}

type Arg = [number, boolean];
type OpFn = (code: number, phase: number, what: string, ...args: Arg[]) => void;

/** The rule's learning op(s), placed right after the projection's synaptic input. */
export function ruleOps(
  op: OpFn, s: RuleState, name: string, w: number, nIn: number, nOut: number, srcDesc: number,
  target: { readonly desc: number; readonly state: number; readonly params: number; readonly nPad: number },
): void {
  const A = (v: number): Arg => [v, true];
  const N = (v: number): Arg => [v, false];
  if (s.kind === 'eg-dale') {
    op(OP.EGDALE, PHASE_LEARN, `${name}: Dale's-law exponentiated-gradient update`, A(w), N(nIn), N(nOut), A(srcDesc), A(target.desc), A(s.theta), A(s.sign), A(s.work), A(s.params));
  } else if (s.kind === 'discrete-conductance') {
    op(OP.DCOND, PHASE_LEARN, `${name}: discrete-conductance pulses (post pathway)`, A(w), N(nIn), N(nOut), A(srcDesc), A(target.desc), A(s.level), A(s.gain), A(s.preTrace), A(s.params));
  } else if (s.kind === 'hebb-signed') {
    const slot = (k: number) => s.params + k * 4;
    op(OP.DECAY, PHASE_LEARN, `${name}: pre trace decay`, A(s.preTrace), N(nIn), A(slot(HEBBSIGN.ALPHA_PRE)), A(slot(HEBBSIGN.TRACE_FLOOR)));
    op(OP.DECAY, PHASE_LEARN, `${name}: post trace decay`, A(s.postTrace), N(nOut), A(slot(HEBBSIGN.ALPHA_POST)), A(slot(HEBBSIGN.TRACE_FLOOR)));
    op(OP.HEBBSIGN_PRE, PHASE_LEARN, `${name}: sign-diverse Hebbian pre pathway`, A(w), N(nIn), N(nOut), A(srcDesc), A(s.preTrace), A(s.postTrace), A(s.sign), A(s.params));
    op(OP.HEBBSIGN_POST, PHASE_LEARN, `${name}: sign-diverse Hebbian post pathway`, A(w), N(nIn), N(nOut), A(target.desc), A(s.preTrace), A(s.postTrace), A(s.sign), A(s.params));
  } else if (s.kind === 'eprop') {
    op(OP.EPROP, PHASE_LEARN, `${name}: e-prop eligibility, learning signal and update`, A(w), N(nIn), N(nOut), A(srcDesc), A(target.desc), A(target.state), A(target.params), A(s.work), A(s.eligParams), A(s.params));
  } else if (s.kind === 'tess') {
    op(OP.TESS, PHASE_LEARN, `${name}: TESS local learning signal and update`, A(w), N(nIn), N(nOut), A(srcDesc), A(target.desc), A(target.state), A(target.params), A(s.work), A(s.eligParams), A(s.params));
  } else {
    const v = target.state + STATE.V * target.nPad * 4;
    op(OP.TEMPOTRON, PHASE_LEARN, `${name}: tempotron V_max tracking`, A(s.elig), N(nIn), N(nOut), A(srcDesc), A(v), A(s.vmax), A(s.flag), A(s.ka), A(s.kb), A(s.params));
  }
}

/**
 * The fixed-point LIF's i32 parameter block (lif_i16.ts): shifts, integer threshold and reset,
 * refractory hold in steps. Returns nothing: every slot is a constant of the spec.
 */
export function planLifI16Params(t: RulePlanTools, params: number, n: LifI16NeuronSpec): void {
  t.i32(params, LIFX.SHIFT_MEM, n.shiftMem);
  t.i32(params, LIFX.SHIFT_SYN, n.shiftSyn);
  t.i32(params, LIFX.V_TH, n.threshold);
  t.i32(params, LIFX.V_RESET, n.reset.mode === 'value' ? n.reset.value : 0);
  t.i32(params, LIFX.RESET_MODE, n.reset.mode === 'subtract' ? 1 : 0);
  t.i32(params, LIFX.REFRAC_HOLD, Math.max(Math.round(n.refractoryMs / t.dtMs) - 1, 0));
}

/** Bytes of a fixed-point population's int16 state block (four arrays of n rounded up to 8). */
export function lifI16StateBytes(n: number): number {
  return LIFX.STATE_ARRAYS * pad8(n) * 2;
}

/** Bytes of its i32 input accumulator (read in blocks of 8 by the SIMD kernel). */
export function lifI16InputBytes(n: number): number {
  return pad8(n) * 4;
}

/** The target neuron of a rule that needs LIF constants (validated to be 'lif'). */
export function lifTarget(p: PopulationSpec): LifNeuronSpec {
  if (p.neuron.model !== 'lif') throw new Error(`internal: population "${p.name}" is not a 'lif' population`);
  return p.neuron;
}
