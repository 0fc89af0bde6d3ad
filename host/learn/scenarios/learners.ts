/**
 * Continual learners over one spiking runtime, online and batch 1: each sample runs once without
 * plasticity (its spike counts are the features and the prediction made before learning), the
 * readout learns from them, then (when the learner's plasticity is on) the sample runs again
 * with the teacher and plasticity.
 *
 * Readouts (all through the wasm kernels; the ones the runtime's plan does not hold live in a
 * KernelWorkspace next to it, their bytes reported as the learner's extra memory):
 * - 'delta': the runtime's delta-rule readout at a fixed rate (naive fine-tuning);
 * - 'classp': the same delta-rule error, applied through CLASSP (classp_apply_f32: per-weight
 *   adjustment suppression, AdaGrad-like, with a sparsity threshold; Ludwig 2024);
 * - 'ncm': nearest class mean (ncm_update_f32 / ncm_predict_f32, cosine) of L2-normalised spike
 *   counts: only one centroid per class is stored, no exemplars;
 * - 'hopfield': the same centroids, L2-normalised, written into a modern Hopfield memory, one
 *   slot per class (hopfield_store_f32); prediction = the slot retrieved by two update steps
 *   (hopfield_retrieve_f32, Ramsauer et al. 2020).
 * Feature modes ('modes' = true): between the network and the readout, each feature neuron's
 * count d_j becomes u_j = g_j d_j - theta_j (mode_apply_f32), and g, theta adapt per sample
 * (mode_adapt_f32) towards equal use of the neurons: delta_j = mean_k u_k - u_j (intrinsic,
 * label-free homeostasis of the frozen layer; weights untouched).
 * Plasticity: 'always', 'first-task' (features learned on the first task only, then frozen: the
 * FeTrIL-like exemplar-free learners), or 'never'.
 */
import type { EventBatch } from '../../events/types.js';
import { planModel } from '../../plan/plan.js';
import type { KernelBuild } from '../../runtime/kernels.js';
import { Runtime } from '../../runtime/runtime.js';
import type { ModelSpec } from '../../spec/types.js';
import { packClasspParams } from '../../reference/classp.js';
import { packModeParams } from '../../reference/modes.js';
import { presentSample } from '../online.js';
import { KernelWorkspace } from './workspace.js';

export interface LearnerConfig {
  id: string;
  label: string;
  readout: 'delta' | 'ncm' | 'hopfield' | 'classp';
  plasticity: 'always' | 'first-task' | 'never';
  /** Delta readout step size, or CLASSP's eta (chosen by `tune` when `tuneRate` is set). */
  readoutRate?: number;
  /** Choose readoutRate from the common grid on a validation split (runScenario's caller does). */
  tuneRate?: boolean;
  /** Per-neuron gain/threshold modes on the features. */
  modes?: boolean;
  /** Hopfield inverse temperature beta. */
  beta?: number;
}

/** CLASSP constants besides eta (p = 2: AdaGrad-like; eps = 1 so an untouched weight learns at eta). */
export const CLASSP_CONSTANTS = { eps: 1, threshold: 1e-6, power: 2 as const, wMin: -4, wMax: 4 };
/** Feature-mode constants: small steps, gains in [0.25, 4], thresholds within +-0.5 (normalised counts). */
export const MODE_CONSTANTS = { etaGain: 0.01, etaThr: 0.005, gainMin: 0.25, gainMax: 4, thrMin: -0.5, thrMax: 0.5 };

export class ContinualLearner {
  readonly rt: Runtime;
  private task = 0;
  private readonly nFeat: number;
  private readonly nClass: number;
  private readonly ws: KernelWorkspace;
  private readonly p: Record<string, number> = {};
  private readonly extra: number;

  constructor(
    spec: ModelSpec,
    readonly cfg: LearnerConfig,
    seed: number,
    build: KernelBuild = 'simd',
  ) {
    this.rt = new Runtime(planModel({ ...spec, seed }), build);
    const r = this.rt.plan.readout;
    if (!r) throw new Error(`model ${spec.name} has no readout`);
    const F = (this.nFeat = r.nFeat);
    const C = (this.nClass = r.nClass);
    this.ws = new KernelWorkspace(build, (4 * F * C + 6 * F + 4 * C + 64) * 4);
    const a = (name: string, n: number) => (this.p[name] = this.ws.alloc(n));
    // Scratch (not state): the current features and per-class scores/errors.
    a('x', F);
    a('scores', C);
    a('err', C);
    a('prob', C);
    a('q', F);
    if (cfg.readout === 'ncm' || cfg.readout === 'hopfield') {
      a('mu', F * C);
      a('counts', C);
    }
    if (cfg.readout === 'hopfield') a('mem', F * C);
    if (cfg.readout === 'classp') {
      a('w', F * C);
      a('acc', F * C);
      a('cparams', 8);
      this.ws.f32(this.p.cparams, 8).set(packClasspParams({ eta: cfg.readoutRate ?? 0.2, ...CLASSP_CONSTANTS }));
    }
    if (cfg.modes) {
      a('gain', F);
      a('thr', F);
      a('merr', F);
      a('mparams', 8);
      this.ws.f32(this.p.gain, F).fill(1);
      this.ws.f32(this.p.mparams, 8).set(packModeParams(MODE_CONSTANTS));
    }
    // State kept beside the arena, f32/i32 each (scratch and constant parameter blocks not counted).
    const ro = cfg.readout;
    this.extra = 4 * ((ro === 'ncm' || ro === 'hopfield' ? F * C + C : 0) + (ro === 'hopfield' ? F * C : 0) + (ro === 'classp' ? 2 * F * C : 0) + (cfg.modes ? 2 * F : 0));
  }

  /** Marks the start of task `t` (0-based). */
  startTask(t: number): void {
    this.task = t;
  }

  private get plastic(): boolean {
    return this.cfg.plasticity === 'always' || (this.cfg.plasticity === 'first-task' && this.task === 0);
  }

  /** Copies the runtime's features into the workspace (through the modes when on), L2-normalised. */
  private loadFeatures(adapt: boolean): void {
    const F = this.nFeat;
    const x = this.ws.f32(this.p.x, F);
    x.set(this.rt.features().subarray(0, F));
    let n = 0;
    for (let k = 0; k < F; k++) n += x[k] * x[k];
    if (n > 0) {
      const inv = 1 / Math.sqrt(n);
      for (let k = 0; k < F; k++) x[k] *= inv;
    }
    if (!this.cfg.modes) return;
    const { x: px, gain, thr, merr, mparams } = this.p;
    if (adapt) {
      // delta_j = mean_k u_k - u_j with u the current modes' output (computed into q).
      this.ws.k.mode_apply_f32(F, px, gain, thr, this.p.q);
      const u = this.ws.f32(this.p.q, F);
      const m = u.reduce((s, v) => s + v, 0) / F;
      const e = this.ws.f32(merr, F);
      for (let k = 0; k < F; k++) e[k] = m - u[k];
      this.ws.k.mode_adapt_f32(F, px, merr, gain, thr, mparams);
    }
    this.ws.k.mode_apply_f32(F, px, gain, thr, px);
  }

  /** Prediction from the features in the workspace (and, for 'delta', the runtime's). */
  private predictLoaded(): number {
    const { x, scores } = this.p;
    const F = this.nFeat;
    const C = this.nClass;
    switch (this.cfg.readout) {
      case 'delta':
        return this.rt.readoutPredict();
      case 'ncm':
        return this.ws.k.ncm_predict_f32(this.p.mu, this.p.counts, F, C, x, 1, scores);
      case 'hopfield': {
        const beta = this.cfg.beta ?? 8;
        this.ws.k.hopfield_retrieve_f32(this.p.mem, F, C, C, x, beta, this.p.prob, this.p.q);
        return this.ws.k.hopfield_retrieve_f32(this.p.mem, F, C, C, this.p.q, beta, this.p.prob, this.p.q);
      }
      case 'classp':
        this.ws.k.readout_predict_f32(this.p.w, F, C, x, scores);
        return argmax(this.ws.f32(scores, C));
    }
  }

  /** Learns one sample; returns the prediction made before learning from it (test-then-train). */
  observe(ev: EventBatch, label: number): number {
    presentSample(this.rt, ev, { learn: false });
    this.loadFeatures(true);
    const pred = this.predictLoaded();
    const F = this.nFeat;
    const C = this.nClass;
    switch (this.cfg.readout) {
      case 'delta':
        this.rt.readoutLearn(label, this.cfg.readoutRate ?? 0.2);
        break;
      case 'ncm':
      case 'hopfield':
        this.ws.k.ncm_update_f32(this.p.mu, this.p.counts, F, C, this.p.x, label);
        if (this.cfg.readout === 'hopfield') this.storePattern(label);
        break;
      case 'classp': {
        // The delta rule's error m_c = [c == label] - y_c (scores from predictLoaded), a = x.
        const y = this.ws.f32(this.p.scores, C);
        const m = this.ws.f32(this.p.err, C);
        for (let c = 0; c < C; c++) m[c] = (c === label ? 1 : 0) - y[c];
        this.ws.k.classp_apply_f32(this.p.w, this.p.acc, F, C, this.p.x, this.p.err, 1, this.p.cparams);
        break;
      }
    }
    if (this.plastic) presentSample(this.rt, ev, { learn: true, teacher: label });
    return pred;
  }

  /** Writes class c's centroid, L2-normalised, into Hopfield slot c. */
  private storePattern(c: number): void {
    const F = this.nFeat;
    const C = this.nClass;
    const mu = this.ws.f32(this.p.mu, F * C);
    const q = this.ws.f32(this.p.q, F);
    let n = 0;
    for (let f = 0; f < F; f++) {
      q[f] = mu[f * C + c];
      n += q[f] * q[f];
    }
    if (n > 0) for (let f = 0; f < F; f++) q[f] /= Math.sqrt(n);
    this.ws.k.hopfield_store_f32(this.p.mem, F, C, c, this.p.q);
  }

  predict(ev: EventBatch): number {
    presentSample(this.rt, ev, { learn: false });
    this.loadFeatures(false);
    return this.predictLoaded();
  }

  /** Bytes the learner keeps besides the network's arena (centroids, memory, accumulators, modes). */
  get extraBytes(): number {
    return this.extra;
  }

  /** The per-neuron gains and thresholds (modes learners), for the histograms. */
  modes(): { gain: Float32Array; thr: Float32Array } | null {
    if (!this.cfg.modes) return null;
    return { gain: this.ws.f32(this.p.gain, this.nFeat).slice(), thr: this.ws.f32(this.p.thr, this.nFeat).slice() };
  }

  dispose(): void {
    this.rt.dispose();
  }
}

function argmax(s: Float32Array): number {
  let b = 0;
  for (let c = 1; c < s.length; c++) if (s[c] > s[b]) b = c;
  return b;
}
