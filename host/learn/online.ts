/**
 * The online learning loop, one sample at a time (batch 1), as it would run on a device:
 * the network starts each sample from rest, the sample's events stream through, plasticity runs
 * during the sample, and the readout learns from the sample's spike counts at its end.
 */
import type { EventBatch } from '../events/types.js';
import type { Runtime } from '../runtime/runtime.js';

export interface PresentOptions {
  /** Run the plasticity ops of the spiking layers. */
  learn: boolean;
  /** Teacher label for supervised populations (ignored by populations without a teacher). */
  teacher?: number | null;
}

/** Runs one sample from rest. Afterwards the readout features hold the sample's spike counts. */
export function presentSample(rt: Runtime, events: EventBatch, opts: PresentOptions): number {
  rt.resetState();
  rt.setTeacher(opts.teacher ?? null);
  try {
    return rt.run(events, { learn: opts.learn });
  } finally {
    rt.setTeacher(null);
  }
}

/**
 * Records the readout features of each training sample in presentation order, so that several
 * readout learning rates can be compared on exactly the same online pass: the readout does not
 * feed back into the spiking layers, so replaying the recorded features through the readout
 * kernel is the same as having run one readout per learning rate side by side during the pass.
 */
export class FeatureLog {
  private data: Float32Array;
  private labelsBuf: Uint8Array;
  private n = 0;

  constructor(readonly width: number, capacity: number) {
    this.data = new Float32Array(width * Math.max(capacity, 1));
    this.labelsBuf = new Uint8Array(Math.max(capacity, 1));
  }

  push(features: Float32Array, label: number): void {
    if (this.n * this.width >= this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const gl = new Uint8Array(this.labelsBuf.length * 2);
      gl.set(this.labelsBuf);
      this.labelsBuf = gl;
    }
    this.data.set(features.subarray(0, this.width), this.n * this.width);
    this.labelsBuf[this.n++] = label;
  }

  get length(): number {
    return this.n;
  }

  row(k: number): Float32Array {
    return this.data.subarray(k * this.width, (k + 1) * this.width);
  }

  label(k: number): number {
    return this.labelsBuf[k];
  }
}

export interface ReadoutSearchResult {
  learningRate: number;
  /** Prequential (test-then-train) accuracy of each candidate over the second half of the pass. */
  candidates: { learningRate: number; prequentialAccuracy: number }[];
  /** The chosen readout's weights, to restore into the runtime. */
  weights: Float32Array;
}

/**
 * Chooses the readout learning rate by prequential accuracy (each sample is predicted before the
 * readout learns from it) over the second half of one online pass, the standard way to score an
 * online learner without a held-out set. Leaves the runtime's readout trained with the winner.
 */
export function searchReadoutRate(rt: Runtime, log: FeatureLog, rates: readonly number[]): ReadoutSearchResult {
  const w = rt.readoutWeights();
  const feats = rt.features();
  let best: ReadoutSearchResult | null = null;
  const candidates: ReadoutSearchResult['candidates'] = [];
  const half = Math.floor(log.length / 2);
  for (const lr of rates) {
    w.fill(0);
    let correct = 0;
    for (let k = 0; k < log.length; k++) {
      feats.set(log.row(k));
      const pred = rt.readoutLearn(log.label(k), lr);
      if (k >= half && pred === log.label(k)) correct++;
    }
    const acc = correct / Math.max(log.length - half, 1);
    candidates.push({ learningRate: lr, prequentialAccuracy: acc });
    if (!best || acc > candidates.find((c) => c.learningRate === best!.learningRate)!.prequentialAccuracy) {
      best = { learningRate: lr, candidates, weights: w.slice() };
    }
  }
  if (!best) throw new Error('searchReadoutRate needs at least one rate');
  w.set(best.weights);
  return best;
}
