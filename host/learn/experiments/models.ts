/**
 * What the experiments run: the model families at the demo's size, their variants sized for a
 * 256 KB microcontroller (experiments/models/*.json, and models/nmnist-stdp-wta-mcu8.json, the
 * best of them, bundled as `neurite learn`'s default), and the baselines.
 *
 * The MCU variants see the events through 2x2 pooling (x' = x >> 1, y' = y >> 1: 17x17 pixels x
 * 2 polarities), a per-event shift that firmware does before the network and that costs no
 * arena memory; their spec describes the 17x17 input the network actually has.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelSpec } from '../../spec/models.js';
import { validateSpec } from '../../spec/validate.js';
import type { ModelSpec } from '../../spec/types.js';
import type { OfflineSpec } from './offline.js';

export type Family = 'pair-stdp-wta' | 'symmetric-stdp' | 'dc-unsupervised' | 'r-stdp';

export const FAMILY_LABELS: Record<Family, string> = {
  'pair-stdp-wta': 'supervised pair STDP + WTA (teacher)',
  'symmetric-stdp': 'supervised symmetric STDP (Hao et al. 2020)',
  'dc-unsupervised': 'unsupervised STDP + WTA + adaptive thresholds (Diehl & Cook 2015)',
  'r-stdp': 'three-factor R-STDP, reward from own decision (Izhikevich 2007; Florian 2007)',
};

/**
 * One setting of the nested search: a patch of the first projection's plasticity in the
 * committed spec. Only learning parameters change, never sizes, so every candidate has the
 * committed spec's arena and fit.
 */
export interface TuneCandidate {
  id: string;
  plasticity?: Record<string, unknown>;
}

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
  /**
   * Settings for the nested search (run.ts): for each outer fold the candidates are scored on an
   * inner split of its training split only, and the winner is retrained on the whole training
   * split. The first candidate is the committed spec itself ({}).
   */
  tune?: readonly TuneCandidate[];
}

const AS_COMMITTED: TuneCandidate = { id: 'as committed' };

// The grids: the committed setting and one step along the two learning parameters the earlier
// search found mattered most (learning rate, synaptic-scaling target); three candidates keep the
// nested search at about 3.7x the cost of plain cross-validation.
const TUNE_PAIR_STDP: readonly TuneCandidate[] = [
  AS_COMMITTED,
  { id: 'etaPlus x2', plasticity: { etaPlusScale: 2 } },
  { id: 'targetNorm x2', plasticity: { targetNormScale: 2 } },
];
const TUNE_SYM_STDP: readonly TuneCandidate[] = [
  AS_COMMITTED,
  { id: 'eta x3', plasticity: { etaPreScale: 3, etaPostScale: 3 } },
  { id: 'targetNorm x2', plasticity: { targetNormScale: 2 } },
];
const TUNE_DC: readonly TuneCandidate[] = [
  AS_COMMITTED,
  { id: 'etaPlus / 2', plasticity: { etaPlusScale: 0.5 } },
  { id: 'targetNorm / 2', plasticity: { targetNormScale: 0.5 } },
];
const TUNE_RSTDP: readonly TuneCandidate[] = [
  AS_COMMITTED,
  { id: 'learningRate x3', plasticity: { learningRateScale: 3 } },
  { id: 'learningRate / 3', plasticity: { learningRateScale: 1 / 3 } },
];

export const MODELS: readonly ExperimentModel[] = [
  { id: 'nmnist-stdp-wta', family: 'pair-stdp-wta', spec: 'nmnist-stdp-wta', pool: 1, labelPass: false, mcu: false },
  { id: 'nmnist-symstdp', family: 'symmetric-stdp', spec: 'nmnist-symstdp', pool: 1, labelPass: false, mcu: false },
  { id: 'nmnist-dc-unsupervised', family: 'dc-unsupervised', spec: 'nmnist-dc-unsupervised', pool: 1, labelPass: true, mcu: false, tune: TUNE_DC },
  { id: 'nmnist-stdp-wta-int8', family: 'pair-stdp-wta', spec: 'experiments/models/nmnist-stdp-wta-int8.json', pool: 1, labelPass: false, mcu: false },
  { id: 'nmnist-stdp-wta-mcu8', family: 'pair-stdp-wta', spec: 'nmnist-stdp-wta-mcu8', pool: 2, labelPass: false, mcu: true, tune: TUNE_PAIR_STDP },
  { id: 'nmnist-symstdp-mcu', family: 'symmetric-stdp', spec: 'experiments/models/nmnist-symstdp-mcu.json', pool: 2, labelPass: false, mcu: true, tune: TUNE_SYM_STDP },
  { id: 'nmnist-dc-mcu8', family: 'dc-unsupervised', spec: 'experiments/models/nmnist-dc-mcu8.json', pool: 2, labelPass: true, mcu: true, tune: TUNE_DC },
  { id: 'nmnist-rstdp-mcu', family: 'r-stdp', spec: 'experiments/models/nmnist-rstdp-mcu.json', pool: 2, labelPass: false, mcu: true, tune: TUNE_RSTDP },
];

/**
 * The committed spec with a candidate's changes: `*Scale` keys multiply the named numeric field
 * (`targetNormScale` the synaptic-scaling target), other keys replace the field.
 */
export function applyCandidate(spec: ModelSpec, c: TuneCandidate): ModelSpec {
  if (!c.plasticity) return spec;
  const scaled = (obj: Record<string, unknown>, patch: Record<string, unknown>, where: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...obj };
    for (const [k, v] of Object.entries(patch)) {
      if (!k.endsWith('Scale')) { out[k] = v; continue; }
      const field = k.slice(0, -'Scale'.length);
      if (field === 'targetNorm') {
        const n = obj.normalize as { targetNorm?: number } | undefined;
        if (n?.targetNorm === undefined) throw new Error(`tune candidate "${c.id}": ${where} has no normalize.targetNorm`);
        out.normalize = { targetNorm: n.targetNorm * (v as number) };
        continue;
      }
      const base = obj[field];
      if (typeof base !== 'number') throw new Error(`tune candidate "${c.id}": ${where} has no numeric ${field}`);
      out[field] = base * (v as number);
    }
    return out;
  };
  const [proj, ...projs] = spec.projections;
  return validateSpec({
    ...spec,
    projections: [{ ...proj, plasticity: scaled(proj.plasticity as unknown as Record<string, unknown>, c.plasticity, 'plasticity') }, ...projs],
  });
}

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
