/**
 * Reference twin of assembly/plasticity/tess.ts (Apolinario, Roy & Frenkel 2025): the layer-local
 * class prediction q and learning signal L from a fixed basis B [nClass][n].
 */
const fr = Math.fround;

export function tessSignal(
  basis: Float32Array, nClass: number, n: number, spikes: Uint32Array, nSpikes: number, label: number, slope: number,
  q: Float32Array, L: Float32Array,
): void {
  for (let c = 0; c < nClass; c++) {
    let acc = 0;
    for (let k = 0; k < nSpikes; k++) {
      const i = spikes[k];
      if (i >= n) continue;
      acc = fr(acc + basis[c * n + i]);
    }
    q[c] = acc;
  }
  if (label < 0 || label >= nClass) return;
  L.fill(0, 0, n);
  const sl = fr(slope);
  for (let c = 0; c < nClass; c++) {
    const h = Math.min(Math.max(fr(fr(sl * q[c]) + 0.5), 0), 1);
    const delta = fr(h - (c === label ? 1 : 0));
    for (let j = 0; j < n; j++) L[j] = fr(L[j] + fr(delta * basis[c * n + j]));
  }
}
