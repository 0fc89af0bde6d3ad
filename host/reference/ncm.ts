/**
 * Reference twin of assembly/readout/ncm.ts: nearest-class-mean prototypes, MU [nFeat][nClass].
 */
const fr = Math.fround;

export function ncmUpdate(mu: Float32Array, counts: Int32Array, nFeat: number, nClass: number, x: Float32Array, label: number): void {
  if (label < 0 || label >= nClass) return;
  const nc = counts[label] + 1;
  counts[label] = nc;
  const inv = fr(1 / nc);
  for (let f = 0; f < nFeat; f++) {
    const q = f * nClass + label;
    mu[q] = nc === 1 ? x[f] : fr(mu[q] + fr(fr(x[f] - mu[q]) * inv));
  }
}

export function ncmPredict(mu: Float32Array, counts: Int32Array, nFeat: number, nClass: number, x: Float32Array, cosine: boolean, scores: Float32Array): number {
  let xx = 0;
  if (cosine) for (let f = 0; f < nFeat; f++) xx = fr(xx + fr(x[f] * x[f]));
  for (let c = 0; c < nClass; c++) {
    let s0 = 0, s1 = 0;
    for (let f = 0; f < nFeat; f++) {
      const m = mu[f * nClass + c];
      if (cosine) {
        s0 = fr(s0 + fr(x[f] * m));
        s1 = fr(s1 + fr(m * m));
      } else {
        const d = fr(x[f] - m);
        s0 = fr(s0 + fr(d * d));
      }
    }
    if (cosine) {
      const den = fr(Math.sqrt(fr(s1 * xx)));
      scores[c] = den > 0 ? fr(s0 / den) : 0;
    } else {
      scores[c] = -s0;
    }
  }
  let best = -1, bestScore = -Infinity;
  for (let c = 0; c < nClass; c++) {
    if (counts[c] <= 0) { scores[c] = -Infinity; continue; }
    if (best < 0 || scores[c] > bestScore) { best = c; bestScore = scores[c]; }
  }
  return best;
}
