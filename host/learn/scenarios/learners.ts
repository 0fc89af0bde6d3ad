/**
 * Continual learners over one spiking runtime, online and batch 1: each sample runs once without
 * plasticity (its spike counts are the features), the readout learns from them, then (when the
 * learner's plasticity is on) the sample runs again with the teacher and plasticity.
 *
 * Readouts: 'delta' = the runtime's delta-rule readout at a fixed rate (naive fine-tuning);
 * 'ncm' = nearest class mean, one running centroid of L2-normalised spike counts per class (no
 * exemplars stored, only centroids), prediction by the largest cosine among classes seen.
 * Plasticity: 'always', 'first-task' (features learned on the first task only, then frozen: the
 * FeTrIL-like exemplar-free learner), or 'never'.
 */
import type { EventBatch } from '../../events/types.js';
import { planModel } from '../../plan/plan.js';
import { Runtime } from '../../runtime/runtime.js';
import type { ModelSpec } from '../../spec/types.js';
import { presentSample } from '../online.js';

export interface LearnerConfig {
  id: string;
  label: string;
  readout: 'delta' | 'ncm';
  plasticity: 'always' | 'first-task' | 'never';
  /** Delta readout step size (fixed, the same for every learner that uses it). */
  readoutRate?: number;
}

export class ContinualLearner {
  readonly rt: Runtime;
  private task = 0;
  private readonly nFeat: number;
  private readonly nClass: number;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;

  constructor(
    spec: ModelSpec,
    readonly cfg: LearnerConfig,
    seed: number,
  ) {
    this.rt = new Runtime(planModel({ ...spec, seed }), 'simd');
    const r = this.rt.plan.readout;
    if (!r) throw new Error(`model ${spec.name} has no readout`);
    this.nFeat = r.nFeat;
    this.nClass = r.nClass;
    this.sums = new Float64Array(this.nFeat * this.nClass);
    this.counts = new Float64Array(this.nClass);
  }

  /** Marks the start of task `t` (0-based). */
  startTask(t: number): void {
    this.task = t;
  }

  private get plastic(): boolean {
    return this.cfg.plasticity === 'always' || (this.cfg.plasticity === 'first-task' && this.task === 0);
  }

  observe(ev: EventBatch, label: number): void {
    presentSample(this.rt, ev, { learn: false });
    if (this.cfg.readout === 'delta') this.rt.readoutLearn(label, this.cfg.readoutRate ?? 0.2);
    else this.addToCentroid(label);
    if (this.plastic) presentSample(this.rt, ev, { learn: true, teacher: label });
  }

  private normalisedFeatures(): Float32Array {
    const f = this.rt.features().slice();
    let n = 0;
    for (let k = 0; k < f.length; k++) n += f[k] * f[k];
    n = Math.sqrt(n);
    if (n > 0) for (let k = 0; k < f.length; k++) f[k] /= n;
    return f;
  }

  private addToCentroid(label: number): void {
    const f = this.normalisedFeatures();
    for (let k = 0; k < this.nFeat; k++) this.sums[label * this.nFeat + k] += f[k];
    this.counts[label]++;
  }

  predict(ev: EventBatch): number {
    presentSample(this.rt, ev, { learn: false });
    if (this.cfg.readout === 'delta') return this.rt.readoutPredict();
    const f = this.normalisedFeatures();
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < this.nClass; c++) {
      if (this.counts[c] === 0) continue;
      let dot = 0;
      let norm = 0;
      for (let k = 0; k < this.nFeat; k++) {
        const m = this.sums[c * this.nFeat + k];
        dot += m * f[k];
        norm += m * m;
      }
      const score = norm > 0 ? dot / Math.sqrt(norm) : 0;
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best;
  }

  /** Bytes the learner keeps besides the network's arena (NCM centroids as f32 + counts). */
  get extraBytes(): number {
    return this.cfg.readout === 'ncm' ? (this.nFeat * this.nClass + this.nClass) * 4 : 0;
  }

  dispose(): void {
    this.rt.dispose();
  }
}
