/**
 * Continual-learning metrics from the accuracy matrix R, R[i][j] = test accuracy on task j after
 * training through task i (0-based here; the definitions, 1-based, are in
 * ../shared/reference/learning-anchors.md section 4). GEM's and Continuum's definitions differ
 * (which checkpoints BWT averages over, whether FWT subtracts the untrained accuracy) and are kept
 * apart, each labelled with its source.
 */
import { NeuriteError } from '../../errors.js';

export type AccuracyMatrix = readonly (readonly number[])[];

export class MetricsInputError extends NeuriteError {
  override readonly name = 'MetricsInputError';
}

/** Throws unless R is a non-empty T x T matrix of finite numbers (and b, when given, has T entries). */
export function checkMatrix(R: AccuracyMatrix, b?: readonly number[], where = 'accuracy matrix'): number {
  const T = R.length;
  if (T === 0) throw new MetricsInputError(`${where}: R has no rows`);
  R.forEach((row, i) => {
    if (row.length !== T) throw new MetricsInputError(`${where}: row ${i} has ${row.length} entries, expected ${T} (R must be T x T)`);
    row.forEach((x, j) => {
      if (!Number.isFinite(x)) throw new MetricsInputError(`${where}: R[${i}][${j}] = ${x} is not a finite number`);
    });
  });
  if (b && b.length !== T) throw new MetricsInputError(`${where}: b has ${b.length} entries, expected ${T}`);
  return T;
}

export interface GemMetrics {
  /** ACC = (1/T) sum_j R[T][j]. */
  acc: number;
  /** BWT = (1/(T-1)) sum_{j<T} (R[T][j] - R[j][j]); negative = forgetting. */
  bwt: number;
  /** FWT = (1/(T-1)) sum_{j>=2} (R[j-1][j] - b_j), b = the untrained model's accuracy. */
  fwt: number;
}

/** GEM (Lopez-Paz & Ranzato 2017, "Gradient Episodic Memory for Continual Learning"). */
export function gemMetrics(R: AccuracyMatrix, b: readonly number[]): GemMetrics {
  const T = checkMatrix(R, b, 'gemMetrics');
  const last = R[T - 1];
  const acc = last.reduce((a, x) => a + x, 0) / T;
  let bwt = 0;
  for (let j = 0; j < T - 1; j++) bwt += last[j] - R[j][j];
  let fwt = 0;
  for (let j = 1; j < T; j++) fwt += R[j - 1][j] - b[j];
  return { acc, bwt: T > 1 ? bwt / (T - 1) : 0, fwt: T > 1 ? fwt / (T - 1) : 0 };
}

export interface ContinuumMetrics {
  /** accuracy_A (Díaz-Rodríguez et al. 2018): mean of the lower triangle of R, diagonal included. */
  accuracyA: number;
  /** backward_transfer: mean of R[i][j] - R[j][j] over all i > j (every later checkpoint). */
  bwt: number;
  /** positive_backward_transfer = max(BWT, 0). */
  bwtPlus: number;
  /** remembering REM = 1 - |min(BWT, 0)|. */
  rem: number;
  /** forward_transfer: mean of R[i-1][i] (no untrained baseline, unlike GEM). */
  fwt: number;
  /** forgetting F_T (Chaudhry et al. ECCV 2018, eq. 3) after the last task. */
  forgetting: number;
}

/** Continuum's metrics (Continvvm/continuum, continuum/metrics/metrics.py). */
export function continuumMetrics(R: AccuracyMatrix): ContinuumMetrics {
  const T = checkMatrix(R, undefined, 'continuumMetrics');
  let a = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) a += R[i][j];
  let bwt = 0;
  for (let i = 1; i < T; i++) for (let j = 0; j < i; j++) bwt += R[i][j] - R[j][j];
  let fwt = 0;
  for (let i = 1; i < T; i++) fwt += R[i - 1][i];
  const b = T > 1 ? bwt / ((T * (T - 1)) / 2) : 0;
  return {
    accuracyA: a / ((T * (T + 1)) / 2),
    bwt: b,
    bwtPlus: Math.max(b, 0),
    rem: 1 - Math.abs(Math.min(b, 0)),
    fwt: T > 1 ? fwt / (T - 1) : 0,
    forgetting: chaudhryForgetting(R, T),
  };
}

/**
 * Chaudhry et al. forgetting after task k (1-based k in 2..T): F_k = (1/(k-1)) sum_{j<k}
 * [max_{l in [j, k-1]} R[l][j] - R[k][j]]; 0 for k = 1.
 */
export function chaudhryForgetting(R: AccuracyMatrix, k: number): number {
  checkMatrix(R, undefined, 'chaudhryForgetting');
  if (!Number.isInteger(k) || k < 1 || k > R.length) throw new MetricsInputError(`chaudhryForgetting: k = ${k} is not in 1..${R.length}`);
  if (k === 1) return 0;
  let f = 0;
  for (let j = 0; j < k - 1; j++) {
    let best = -Infinity;
    for (let l = j; l < k - 1; l++) best = Math.max(best, R[l][j]);
    f += best - R[k - 1][j];
  }
  return f / (k - 1);
}
