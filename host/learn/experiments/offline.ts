/**
 * The conventional baselines on the same splits as the spiking models: logistic regression and a
 * small MLP, trained offline (all training samples, several epochs, backpropagation) on the
 * per-pixel event counts of the same events.
 */
import { countDataset, Standardizer, subset, type Dataset } from '../baselines/features.js';
import { Mlp } from '../baselines/mlp.js';
import type { SampleSource } from '../online.js';

export interface OfflineSpec {
  id: string;
  label: string;
  hidden: number[];
  epochs: number;
  learningRate: number;
  weightDecay: number;
}

export interface OfflineRun {
  accuracy: number;
  params: number;
  seconds: number;
}

/** Count features of every sample of a source (width x height x 2 polarities). */
export function sourceCounts(source: SampleSource, width: number, height: number): Dataset {
  return countDataset(source, Array.from({ length: source.count }, (_, i) => i), width, height);
}

/** Trains on `train` rows and scores on `test` rows of `all`. */
export function runOffline(b: OfflineSpec, all: Dataset, train: readonly number[], test: readonly number[], seed: number, classes = 10): OfflineRun {
  const t0 = performance.now();
  const tr = subset(all, train);
  const st = new Standardizer(tr);
  const m = new Mlp(all.d, { hidden: b.hidden, classes, epochs: b.epochs, learningRate: b.learningRate, weightDecay: b.weightDecay, seed });
  m.fit(st.apply(tr));
  const accuracy = m.accuracy(st.apply(subset(all, test)));
  return { accuracy, params: m.size, seconds: (performance.now() - t0) / 1000 };
}
