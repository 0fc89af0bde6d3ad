/**
 * Continual-learning metrics from the accuracy matrix R, R[i][j] = test accuracy on task j after
 * training through task i (0-based here; definitions in ../shared/reference/learning-anchors.md
 * section 4). GEM's and Continuum's definitions differ and are kept apart, labelled.
 */

/** GEM (Lopez-Paz & Ranzato 2017): ACC, BWT and FWT (FWT against b, the untrained model's accuracy per task). */
export function gemMetrics(R: readonly (readonly number[])[], b: readonly number[]): { acc: number; bwt: number; fwt: number } {
  const T = R.length;
  const last = R[T - 1];
  const acc = last.reduce((a, x) => a + x, 0) / T;
  let bwt = 0;
  for (let j = 0; j < T - 1; j++) bwt += last[j] - R[j][j];
  let fwt = 0;
  for (let j = 1; j < T; j++) fwt += R[j - 1][j] - b[j];
  return { acc, bwt: T > 1 ? bwt / (T - 1) : 0, fwt: T > 1 ? fwt / (T - 1) : 0 };
}

/**
 * Continuum's metrics: accuracy A (Díaz-Rodríguez et al. 2018, lower triangle of R), BWT over all
 * earlier checkpoints, FWT without the b baseline, and forgetting F_T (Chaudhry et al. 2018).
 */
export function continuumMetrics(R: readonly (readonly number[])[]): { accuracyA: number; bwt: number; fwt: number; forgetting: number } {
  const T = R.length;
  let a = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) a += R[i][j];
  let bwt = 0;
  for (let i = 1; i < T; i++) for (let j = 0; j < i; j++) bwt += R[i][j] - R[j][j];
  let fwt = 0;
  for (let i = 1; i < T; i++) fwt += R[i - 1][i];
  let forgetting = 0;
  for (let j = 0; j < T - 1; j++) {
    let best = -Infinity;
    for (let l = j; l < T - 1; l++) best = Math.max(best, R[l][j]);
    forgetting += best - R[T - 1][j];
  }
  return {
    accuracyA: a / ((T * (T + 1)) / 2),
    bwt: T > 1 ? bwt / ((T * (T - 1)) / 2) : 0,
    fwt: T > 1 ? fwt / (T - 1) : 0,
    forgetting: T > 1 ? forgetting / (T - 1) : 0,
  };
}
