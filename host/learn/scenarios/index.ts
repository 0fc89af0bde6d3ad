/**
 * The continual-learning part of the experiments: the class- and domain-incremental scenarios on
 * the real N-MNIST samples (train = folds 3-10 of the committed assignment, test = folds 1-2),
 * three learners on the MCU-sized models.
 */
import type { SampleSource } from '../online.js';
import { loadExperimentSpec, MODELS } from '../experiments/models.js';
import type { LearnerConfig } from './learners.js';
import { classIncremental, domainIncremental, poolScenario, runScenario, type ScenarioResult } from './scenarios.js';

export const LEARNERS: readonly (LearnerConfig & { model: string })[] = [
  { id: 'naive', label: 'naive fine-tuning (teacher STDP + delta readout, rate 0.2)', readout: 'delta', plasticity: 'always', readoutRate: 0.2, model: 'nmnist-stdp-wta-mcu8' },
  { id: 'stdp-ncm', label: 'teacher STDP + nearest-class-mean readout (centroids only)', readout: 'ncm', plasticity: 'always', model: 'nmnist-stdp-wta-mcu8' },
  { id: 'frozen-ncm', label: 'FeTrIL-like: unsupervised STDP features learned on task 1 only, then frozen; nearest-class-mean readout', readout: 'ncm', plasticity: 'first-task', model: 'nmnist-dc-mcu8' },
];

export function runContinual(source: SampleSource, fold: ArrayLike<number>, opts: { seed: number; maxTrain?: number; log?: (l: string) => void }): ScenarioResult[] {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] <= 1 ? test : train).push(i);
  const tr = opts.maxTrain !== undefined ? train.slice(0, opts.maxTrain) : train;
  const g = { width: 34, height: 34 };
  const scenarios = [classIncremental(source, tr, test), domainIncremental(source, tr, test, g, opts.seed)];
  const out: ScenarioResult[] = [];
  for (const s of scenarios) {
    for (const l of LEARNERS) {
      const m = MODELS.find((x) => x.id === l.model)!;
      const r = runScenario(poolScenario(s, g, m.pool), loadExperimentSpec(m), l, opts.seed);
      opts.log?.(`  ${s.id} / ${l.id}: ACC ${(r.gem.acc * 100).toFixed(1)}%, BWT ${(r.gem.bwt * 100).toFixed(1)}, forgetting ${(r.continuum.forgetting * 100).toFixed(1)}, joint ${(r.joint.mean * 100).toFixed(1)}% (${r.seconds.toFixed(1)} s)`);
      out.push(r);
    }
  }
  return out;
}
