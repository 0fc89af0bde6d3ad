/**
 * Ordinary least squares for small, well-conditioned systems (a few features, tens of cases):
 * normal equations solved by Gaussian elimination with partial pivoting, on column-scaled
 * features. Good enough here because the measured relations are (nearly) exact integer-linear.
 */
export function leastSquares(x: readonly (readonly number[])[], y: readonly number[]): number[] {
  const m = x.length;
  const n = x[0]?.length ?? 0;
  if (m < n) throw new Error(`leastSquares: ${m} cases cannot determine ${n} features`);
  const scale = Array.from({ length: n }, (_, j) => Math.max(...x.map((r) => Math.abs(r[j]))) || 1);
  const a: number[][] = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
  for (let r = 0; r < m; r++) {
    for (let i = 0; i < n; i++) {
      const xi = x[r][i] / scale[i];
      for (let j = 0; j < n; j++) a[i][j] += xi * (x[r][j] / scale[j]);
      a[i][n] += xi * y[r];
    }
  }
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-12) throw new Error(`leastSquares: feature ${c} is not identifiable from these cases`);
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a.map((row, i) => row[n] / row[i] / scale[i]);
}
