/**
 * Event-count features for the non-spiking baselines: one count per pixel and polarity (OFF block
 * first, then ON: the layout of a split-polarity input population), so a baseline sees exactly
 * the events the spiking network sees, without their timing.
 */
import type { EventBatch } from '../../events/types.js';
import type { SampleSource } from '../online.js';

/** A dense design matrix: row i = x[i*d .. (i+1)*d), label y[i]. */
export interface Dataset {
  readonly n: number;
  readonly d: number;
  readonly x: Float32Array;
  readonly y: Uint8Array;
}

/** Per-pixel, per-polarity event counts of one sample (events outside the sensor are ignored). */
export function eventCounts(ev: EventBatch, width: number, height: number, out = new Float32Array(2 * width * height)): Float32Array {
  out.fill(0);
  const plane = width * height;
  for (let e = 0; e < ev.length; e++) {
    const x = ev.x[e];
    const y = ev.y[e];
    if (x >= width || y >= height) continue;
    out[(ev.p[e] === 1 ? plane : 0) + y * width + x]++;
  }
  return out;
}

/** Count features of `indices` of a source. */
export function countDataset(source: SampleSource, indices: readonly number[], width: number, height: number): Dataset {
  const d = 2 * width * height;
  const x = new Float32Array(indices.length * d);
  const y = new Uint8Array(indices.length);
  indices.forEach((i, r) => {
    eventCounts(source.events(i), width, height, x.subarray(r * d, (r + 1) * d));
    y[r] = source.label(i);
  });
  return { n: indices.length, d, x, y };
}

/** Rows of a dataset (copies). */
export function subset(ds: Dataset, rows: readonly number[]): Dataset {
  const x = new Float32Array(rows.length * ds.d);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, k) => {
    x.set(ds.x.subarray(r * ds.d, (r + 1) * ds.d), k * ds.d);
    y[k] = ds.y[r];
  });
  return { n: rows.length, d: ds.d, x, y };
}

/**
 * Feature scaling fitted on a training set: x' = (log1p(x) - mean) / std per feature (std floored
 * so that features that never fire in training stay 0). Applied to any set with `apply`.
 */
export class Standardizer {
  readonly mean: Float32Array;
  readonly std: Float32Array;

  constructor(train: Dataset) {
    const { n, d, x } = train;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const v = Math.log1p(x[i * d + j]);
        mean[j] += v;
        sq[j] += v * v;
      }
    }
    this.mean = new Float32Array(d);
    this.std = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const m = mean[j] / Math.max(n, 1);
      this.mean[j] = m;
      this.std[j] = Math.sqrt(Math.max(sq[j] / Math.max(n, 1) - m * m, 0)) + 0.1;
    }
  }

  apply(ds: Dataset): Dataset {
    const { n, d } = ds;
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) x[i * d + j] = (Math.log1p(ds.x[i * d + j]) - this.mean[j]) / this.std[j];
    }
    return { n, d, x, y: ds.y };
  }
}
