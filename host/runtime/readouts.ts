/**
 * The host side of the readouts (host/plan/readouts.ts lays them out): what Runtime.readoutLearn,
 * readoutPredict, readoutAdaptModes and readoutLearnGated do for each rule and control. Every
 * step is a kernel call on arena regions; the few per-sample vector operations done here in
 * TypeScript (the readout error, the feature normalisation that CLASSP is given, the error fed
 * back to the modes) use f32 arithmetic in the kernels' order, so a spec-built readout equals the
 * kernel-level reference bit for bit (test/learn/readouts-in-specs.test.ts).
 */
import { UsageError } from '../errors.js';
import type { Plan, ReadoutLayout } from '../plan/plan.js';
import { LRH_SLOT } from '../plan/readouts.js';
import { CLASSP, ELIG } from './abi.js';
import type { Kernels } from './kernels.js';

/** What the readout functions need of a Runtime. */
export interface ReadoutHost {
  readonly plan: Plan;
  readonly memory: WebAssembly.Memory;
  abs(offset: number): number;
}

const fr = Math.fround;

function views(h: ReadoutHost) {
  const buf = h.memory.buffer;
  return { f32: new Float32Array(buf), i32: new Int32Array(buf) };
}

/** 1 / ||x||_2 in f32, in the order of readout/delta.ts's invNorm (0 for a zero vector). */
export function invNormF32(x: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let f = 0; f < n; f++) s = fr(s + fr(x[f] * x[f]));
  return s > 0 ? fr(1 / fr(Math.sqrt(s))) : 0;
}

function argmax(a: Float32Array, at: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (a[at + c] > a[at + best]) best = c;
  return best;
}

/**
 * The readout's input for this call: the features, through the modes (u = g x - theta) and, when
 * `learning`, with the variability noise added to x first. Returns an absolute pointer.
 */
function readoutInput(h: ReadoutHost, k: Kernels, r: ReadoutLayout, learning: boolean): number {
  if (r.input === null) return h.abs(r.features);
  const { f32 } = views(h);
  let src = h.abs(r.features);
  const inp = h.abs(r.input);
  if (learning && r.variability) {
    f32.copyWithin(inp >> 2, src >> 2, (src >> 2) + r.nFeat);
    k.noise_inject_f32(inp, r.nFeat, h.abs(h.plan.prng), r.variability.sigma, r.variability.mode);
    src = inp;
  }
  if (r.modes) k.mode_apply_f32(r.nFeat, src, h.abs(r.modes.gain), h.abs(r.modes.threshold), inp);
  else if (src !== inp) f32.copyWithin(inp >> 2, src >> 2, (src >> 2) + r.nFeat);
  return inp;
}

/** Writes err_c = [c == label] - scores_c (f32) and returns the argmax of the scores. */
function errorFromScores(h: ReadoutHost, r: ReadoutLayout, label: number): number {
  const { f32 } = views(h);
  const s = h.abs(r.scores) >> 2;
  const e = h.abs(r.err) >> 2;
  for (let c = 0; c < r.nClass; c++) f32[e + c] = fr((c === label ? 1 : 0) - f32[s + c]);
  return argmax(f32, s, r.nClass);
}

/** Predicts the class of the sample just run; -1 when an ncm/hopfield readout holds nothing yet. */
export function readoutPredict(h: ReadoutHost, k: Kernels, r: ReadoutLayout): number {
  const { f32, i32 } = views(h);
  switch (r.rule) {
    case 'ncm':
      return k.ncm_predict_f32(h.abs(r.weights), h.abs(r.ncm!.counts), r.nFeat, r.nClass, h.abs(r.features), r.ncm!.cosine ? 1 : 0, h.abs(r.scores));
    case 'hopfield': {
      const hp = r.hopfield!;
      const meta = h.abs(hp.meta) >> 2;
      const used = i32[meta];
      const best = k.hopfield_retrieve_f32(h.abs(r.weights), r.nFeat, hp.slots, used, h.abs(r.features), hp.beta, h.abs(hp.p), h.abs(hp.retrieved));
      // Class scores: the softmax mass of the slots stored with each label.
      const s = h.abs(r.scores) >> 2;
      f32.fill(0, s, s + r.nClass);
      const p = h.abs(hp.p) >> 2;
      const labels = h.abs(hp.labels) >> 2;
      for (let q = 0; q < used; q++) f32[s + i32[labels + q]] = fr(f32[s + i32[labels + q]] + f32[p + q]);
      return best < 0 ? -1 : i32[labels + best];
    }
    case 'gated-hebb':
      k.gated_hebb_predict_f32(h.abs(r.weights), r.nFeat, r.nClass, h.abs(r.features), h.abs(r.scores));
      return argmax(f32, h.abs(r.scores) >> 2, r.nClass);
    default:
      k.readout_predict_f32(h.abs(r.weights), r.nFeat, r.nClass, readoutInput(h, k, r, false), h.abs(r.scores));
      return argmax(f32, h.abs(r.scores) >> 2, r.nClass);
  }
}

/** One learning step towards `label`; returns the prediction made before it. */
export function readoutLearn(h: ReadoutHost, k: Kernels, r: ReadoutLayout, label: number, learningRate?: number): number {
  const { f32, i32 } = views(h);
  switch (r.rule) {
    case 'ncm': {
      const pred = readoutPredict(h, k, r);
      k.ncm_update_f32(h.abs(r.weights), h.abs(r.ncm!.counts), r.nFeat, r.nClass, h.abs(r.features), label);
      return pred;
    }
    case 'hopfield': {
      const hp = r.hopfield!;
      const pred = readoutPredict(h, k, r);
      const meta = h.abs(hp.meta) >> 2;
      const slot = i32[meta + 1];
      k.hopfield_store_f32(h.abs(r.weights), r.nFeat, hp.slots, slot, h.abs(r.features));
      i32[(h.abs(hp.labels) >> 2) + slot] = label;
      i32[meta + 1] = (slot + 1) % hp.slots;
      i32[meta] = Math.min(i32[meta] + 1, hp.slots);
      return pred;
    }
    case 'gated-hebb': {
      const g = r.gated!;
      const t = h.abs(g.target) >> 2;
      f32.fill(0, t, t + r.nClass);
      f32[t + label] = 1;
      return gatedLearn(h, k, r, 0, learningRate);
    }
    default: {
      // With readout.homeostasis and no explicit rate, the step size is the homeostatic rate.
      const hs = learningRate === undefined ? r.homeostasis : null;
      const lr = learningRate ?? (hs ? f32[(h.abs(hs.state) >> 2) + LRH_SLOT.ETA] : r.learningRate);
      const x = readoutInput(h, k, r, true);
      let pred: number;
      if (!r.classp) {
        k.readout_learn_f32(h.abs(r.weights), r.nFeat, r.nClass, x, label, lr, h.abs(r.scores), h.abs(r.err));
        pred = argmax(f32, h.abs(r.scores) >> 2, r.nClass);
      } else {
        // CLASSP: the delta rule's g = xhat (target - y), through classp_apply_f32.
        k.readout_predict_f32(h.abs(r.weights), r.nFeat, r.nClass, x, h.abs(r.scores));
        pred = errorFromScores(h, r, label);
        const inv = invNormF32(f32.subarray(x >> 2, (x >> 2) + r.nFeat), r.nFeat);
        const xh = h.abs(r.classp.xhat) >> 2;
        for (let f = 0; f < r.nFeat; f++) f32[xh + f] = fr(f32[(x >> 2) + f] * inv);
        f32[(h.abs(r.classp.params) >> 2) + CLASSP.ETA] = lr;
        k.classp_apply_f32(h.abs(r.weights), h.abs(r.classp.acc), r.nFeat, r.nClass, h.abs(r.classp.xhat), h.abs(r.err), 1, h.abs(r.classp.params));
      }
      if (hs) homeostasisStep(h, k, r, hs, pred !== label);
      return pred;
    }
  }
}

/**
 * After a learning step: the mistake (judged on the prediction made before the step) updates the
 * homeostatic rate used from the next step on (lrh_update_f32), and a surprised mistake (u > 0)
 * scales the weights by 1 - phi u (trace_decay_f32; floor -Infinity so weights of either sign
 * stay). A right prediction never forgets: the new mapping is taking hold. The same sequence as
 * the concept-shift learner (host/learn/scenarios/concept-shift.ts, runStream).
 */
function homeostasisStep(h: ReadoutHost, k: Kernels, r: ReadoutLayout, hs: NonNullable<ReadoutLayout['homeostasis']>, mistake: boolean): void {
  const { f32 } = views(h);
  const s = h.abs(hs.state);
  f32[(s >> 2) + LRH_SLOT.ERR] = mistake ? 1 : 0;
  k.lrh_update_f32(1, s + LRH_SLOT.ERR * 4, s + LRH_SLOT.FAST * 4, s + LRH_SLOT.SLOW * 4, s + LRH_SLOT.ETA * 4, hs.aFast, hs.aSlow, hs.k, hs.rho, r.learningRate, hs.etaMin, hs.etaMax);
  const u = f32[(s >> 2) + LRH_SLOT.ERR];
  if (u > 0 && mistake && hs.phi > 0) k.trace_decay_f32(h.abs(r.weights), r.nFeat * r.nClass, Math.max(0, 1 - hs.phi * u), -Infinity);
}

/** The homeostatic rate state (readout.homeostasis): current rate, fast and slow running error, last surprise. */
export function readoutRateState(h: ReadoutHost, r: ReadoutLayout): { eta: number; fast: number; slow: number; surprise: number } {
  const hs = r.homeostasis;
  if (!hs) throw new UsageError(`readoutRateState: the readout of model "${h.plan.spec.name}" has no homeostasis (add readout.homeostasis to the spec)`);
  const { f32 } = views(h);
  const s = h.abs(hs.state) >> 2;
  return { eta: f32[s + LRH_SLOT.ETA], fast: f32[s + LRH_SLOT.FAST], slow: f32[s + LRH_SLOT.SLOW], surprise: f32[s + LRH_SLOT.ERR] };
}

/** gated_hebb_learn_f32 with the target already written; `gate` 0 = every output learns. */
function gatedLearn(h: ReadoutHost, k: Kernels, r: ReadoutLayout, gate: number, learningRate?: number): number {
  const { f32 } = views(h);
  const g = r.gated!;
  f32[(h.abs(g.params) >> 2) + ELIG.ETA] = learningRate ?? r.learningRate;
  k.gated_hebb_learn_f32(h.abs(r.weights), r.nFeat, r.nClass, h.abs(r.features), h.abs(g.target), gate, h.abs(g.params), h.abs(r.scores), h.abs(r.err));
  return argmax(f32, h.abs(r.scores) >> 2, r.nClass);
}

/**
 * The gated Hebbian readout's general step: dW_ik = eta g_k (target_k - y_k) r_i on the filtered
 * traces as they are now (call it between steps). `gate` null = every output learns. Returns the
 * argmax of y before the update.
 */
export function readoutLearnGated(h: ReadoutHost, k: Kernels, r: ReadoutLayout, target: ArrayLike<number>, gate: ArrayLike<number> | null, learningRate?: number): number {
  if (r.rule !== 'gated-hebb') throw new UsageError(`readoutLearnGated needs a "gated-hebb" readout, model "${h.plan.spec.name}" has "${r.rule}"`);
  for (const [what, a] of [['target', target], ['gate', gate]] as const) {
    if (a !== null && a.length !== r.nClass) throw new UsageError(`readoutLearnGated: ${what} must have ${r.nClass} entries (one per output), got ${a.length}`);
    if (a !== null) for (let c = 0; c < a.length; c++) if (!Number.isFinite(a[c])) throw new UsageError(`readoutLearnGated: ${what}[${c}] must be a finite number, got ${a[c]}`);
  }
  const { f32 } = views(h);
  const g = r.gated!;
  f32.set(target, h.abs(g.target) >> 2);
  if (gate !== null) f32.set(gate, h.abs(g.gate) >> 2);
  return gatedLearn(h, k, r, gate === null ? 0 : h.abs(g.gate), learningRate);
}

/**
 * One mode-adaptation step towards `label` with every weight frozen (plasticity/modes.ts):
 * delta_j = (1/||u||) sum_c W_jc (t_c - y_c), the readout's error fed back through its frozen
 * weights (the normalisation's projection term is left out), then g_j += eta_g delta_j x_j,
 * theta_j -= eta_theta delta_j. Returns the prediction made before the step.
 */
export function readoutAdaptModes(h: ReadoutHost, k: Kernels, r: ReadoutLayout, label: number): number {
  const m = r.modes;
  if (!m) throw new UsageError(`readoutAdaptModes: the readout of model "${h.plan.spec.name}" has no modes (add readout.modes to the spec)`);
  const { f32 } = views(h);
  const u = readoutInput(h, k, r, false);
  k.readout_predict_f32(h.abs(r.weights), r.nFeat, r.nClass, u, h.abs(r.scores));
  const pred = errorFromScores(h, r, label);
  const inv = invNormF32(f32.subarray(u >> 2, (u >> 2) + r.nFeat), r.nFeat);
  const w = h.abs(r.weights) >> 2;
  const e = h.abs(r.err) >> 2;
  const sig = h.abs(m.signal) >> 2;
  for (let j = 0; j < r.nFeat; j++) {
    let acc = 0;
    for (let c = 0; c < r.nClass; c++) acc = fr(acc + fr(f32[w + j * r.nClass + c] * f32[e + c]));
    f32[sig + j] = fr(inv * acc);
  }
  k.mode_adapt_f32(r.nFeat, h.abs(r.features), h.abs(m.signal), h.abs(m.gain), h.abs(m.threshold), h.abs(m.params));
  return pred;
}

/** Clears everything the readout learned (weights, means, stored patterns, CLASSP sums); modes back to g = 1, theta = 0; the homeostatic rate back to rest. */
export function resetReadout(h: ReadoutHost, r: ReadoutLayout): void {
  const buf = h.memory.buffer;
  for (const reg of h.plan.regions) if (reg.kind === 'readout') new Uint8Array(buf, h.abs(reg.offset), reg.bytes).fill(0);
  if (r.modes) new Float32Array(buf, h.abs(r.modes.gain), r.nFeat).fill(1);
  if (r.homeostasis) new Float32Array(buf, h.abs(r.homeostasis.state), 4)[LRH_SLOT.ETA] = r.learningRate;
}

/** Start of a sample: the gated readout's filtered traces at 0 and its constant feature at 1. */
export function resetReadoutSample(h: ReadoutHost, r: ReadoutLayout): void {
  const g = r.gated;
  if (!g) return;
  const f = new Float32Array(h.memory.buffer, h.abs(r.features), r.nFeat);
  f.fill(0);
  if (g.bias) f[r.nFeat - 1] = 1;
}

/** A copy of the readout's learned state (every 'readout' region, in plan order). */
export function readoutState(h: ReadoutHost): Uint8Array {
  const regs = h.plan.regions.filter((reg) => reg.kind === 'readout');
  const out = new Uint8Array(regs.reduce((s, reg) => s + reg.bytes, 0));
  let p = 0;
  for (const reg of regs) {
    out.set(new Uint8Array(h.memory.buffer, h.abs(reg.offset), reg.bytes), p);
    p += reg.bytes;
  }
  return out;
}

/** Restores a state taken with readoutState from a runtime of the same plan. */
export function setReadoutState(h: ReadoutHost, state: Uint8Array): void {
  const regs = h.plan.regions.filter((reg) => reg.kind === 'readout');
  const bytes = regs.reduce((s, reg) => s + reg.bytes, 0);
  if (state.length !== bytes) throw new UsageError(`setReadoutState: expected ${bytes} bytes (this model's readout regions), got ${state.length}`);
  let p = 0;
  for (const reg of regs) {
    new Uint8Array(h.memory.buffer, h.abs(reg.offset), reg.bytes).set(state.subarray(p, p + reg.bytes));
    p += reg.bytes;
  }
}

/**
 * Why this readout is not a plain linear map of the spike counts at inference (what the ONNX and
 * NIR exporters write), or null when it is: the delta rule, with or without CLASSP, variability
 * and homeostasis (all act only while learning; the exported weights are the learned ones), but
 * without modes (an affine map before it).
 */
export function nonLinearReadoutReason(r: ReadoutLayout): string | null {
  if (r.rule !== 'delta') return `readout.rule "${r.rule}" is not a linear map of the spike counts (only "delta" exports)`;
  if (r.modes) return 'readout.modes applies a per-neuron gain and threshold before the linear readout, which the export does not write';
  return null;
}
