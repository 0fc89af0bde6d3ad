/**
 * What the experiments run: the three model families at the demo's size, their variants sized
 * for a 256 KB microcontroller (experiments/models/*.json), and the baselines.
 *
 * The MCU variants see the events through 2x2 pooling (x' = x >> 1, y' = y >> 1: 17x17 pixels x
 * 2 polarities), a per-event shift that firmware does before the network and that costs no
 * arena memory; their spec describes the 17x17 input the network actually has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelSpec } from '../../spec/models.js';
import type { ModelSpec } from '../../spec/types.js';
import type { OfflineSpec } from './offline.js';

export type Family = 'pair-stdp-wta' | 'symmetric-stdp' | 'dc-unsupervised';

export const FAMILY_LABELS: Record<Family, string> = {
  'pair-stdp-wta': 'supervised pair STDP + WTA (teacher)',
  'symmetric-stdp': 'supervised symmetric STDP (Hao et al. 2020)',
  'dc-unsupervised': 'unsupervised STDP + WTA + adaptive thresholds (Diehl & Cook 2015)',
};

export interface ExperimentModel {
  id: string;
  family: Family;
  /** Bundled model name, or a path relative to the package root. */
  spec: string;
  /** Event pooling factor before the network (1 = the sensor's 34x34). */
  pool: number;
  /** Also score with Diehl & Cook's label-assignment pass (unsupervised models). */
  labelPass: boolean;
  /** Sized for the 256 KB nRF52840 (int8 weights where the rule can learn in int8). */
  mcu: boolean;
}

export const MODELS: readonly ExperimentModel[] = [
  { id: 'nmnist-stdp-wta', family: 'pair-stdp-wta', spec: 'nmnist-stdp-wta', pool: 1, labelPass: false, mcu: false },
  { id: 'nmnist-symstdp', family: 'symmetric-stdp', spec: 'nmnist-symstdp', pool: 1, labelPass: false, mcu: false },
  { id: 'nmnist-dc-unsupervised', family: 'dc-unsupervised', spec: 'nmnist-dc-unsupervised', pool: 1, labelPass: true, mcu: false },
  { id: 'nmnist-stdp-wta-mcu8', family: 'pair-stdp-wta', spec: 'experiments/models/nmnist-stdp-wta-mcu8.json', pool: 2, labelPass: false, mcu: true },
  { id: 'nmnist-symstdp-mcu', family: 'symmetric-stdp', spec: 'experiments/models/nmnist-symstdp-mcu.json', pool: 2, labelPass: false, mcu: true },
  { id: 'nmnist-dc-mcu8', family: 'dc-unsupervised', spec: 'experiments/models/nmnist-dc-mcu8.json', pool: 2, labelPass: true, mcu: true },
];

export const OFFLINE_BASELINES: readonly OfflineSpec[] = [
  { id: 'logreg', label: 'logistic regression', hidden: [], epochs: 20, learningRate: 1e-3, weightDecay: 1e-4 },
  { id: 'mlp64', label: 'MLP, 64 ReLU hidden units', hidden: [64], epochs: 20, learningRate: 1e-3, weightDecay: 1e-4 },
];

export const QUICK_OFFLINE_BASELINES: readonly OfflineSpec[] = [
  { id: 'logreg', label: 'logistic regression', hidden: [], epochs: 5, learningRate: 3e-3, weightDecay: 1e-4 },
  { id: 'mlp16', label: 'MLP, 16 ReLU hidden units', hidden: [16], epochs: 3, learningRate: 3e-3, weightDecay: 1e-4 },
];

/** The neurite package root (the folder with package.json named "neurite"). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'neurite') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the neurite package root');
    dir = up;
  }
}

export function resolveRepoPath(p: string): string {
  return isAbsolute(p) ? p : join(packageRoot(), p);
}

export function loadExperimentSpec(m: ExperimentModel): ModelSpec {
  return loadModelSpec(m.spec.includes('/') ? resolveRepoPath(m.spec) : m.spec);
}
