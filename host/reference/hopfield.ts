/**
 * Reference twin of assembly/readout/hopfield.ts (Ramsauer et al. 2020): one-shot storage and
 * softmax retrieval over X [nFeat][nSlots]. exp is Math.fround(Math.exp(.)), not the kernel's
 * software expf, so results match the kernels within the parity test's written tolerance.
 */
const fr = Math.fround;

export function hopfieldStore(mem: Float32Array, nFeat: number, nSlots: number, slot: number, x: Float32Array): void {
  if (slot < 0 || slot >= nSlots) return;
  for (let f = 0; f < nFeat; f++) mem[f * nSlots + slot] = x[f];
}

export function hopfieldRetrieve(
  mem: Float32Array, nFeat: number, nSlots: number, nUsed: number, q: Float32Array, beta: number, p: Float32Array, out: Float32Array,
): number {
  nUsed = Math.min(nUsed, nSlots);
  if (nUsed <= 0) return -1;
  const b = fr(beta);
  for (let k = 0; k < nUsed; k++) {
    let acc = 0;
    for (let f = 0; f < nFeat; f++) acc = fr(acc + fr(q[f] * mem[f * nSlots + k]));
    p[k] = fr(b * acc);
  }
  let best = 0, mx = p[0];
  for (let k = 1; k < nUsed; k++) if (p[k] > mx) { mx = p[k]; best = k; }
  let z = 0;
  for (let k = 0; k < nUsed; k++) {
    const ev = fr(Math.exp(fr(p[k] - mx)));
    p[k] = ev;
    z = fr(z + ev);
  }
  for (let k = 0; k < nUsed; k++) p[k] = fr(p[k] / z);
  for (let f = 0; f < nFeat; f++) {
    let acc = 0;
    for (let k = 0; k < nUsed; k++) acc = fr(acc + fr(p[k] * mem[f * nSlots + k]));
    out[f] = acc;
  }
  return best;
}
