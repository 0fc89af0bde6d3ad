/**
 * Reference for assembly/synapses/delay.ts: a ring R f32[S][n_out] of future input.
 *   accumulate at step t:  R[(t + d) mod S][j] += w_ij   (d per projection or per synapse)
 *   deliver at step t:     I_j += R[t mod S][j]; R[t mod S][j] = 0
 * Returns the number of dropped indices/delays.
 */
const fr = Math.fround;

export function delayAccumulateF32(
  w: Float32Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, ring: Float32Array, nSlots: number, step: number, delay: number,
): number {
  if (nSlots <= 0 || delay < 0 || delay >= nSlots) return nIdx;
  const slot = ((step % nSlots) + delay) % nSlots;
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) { dropped++; continue; }
    for (let j = 0; j < nOut; j++) ring[slot * nOut + j] = fr(ring[slot * nOut + j] + w[i * nOut + j]);
  }
  return dropped;
}

export function delayAccumulateSynF32(
  w: Float32Array, delays: Uint8Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, ring: Float32Array, nSlots: number, step: number,
): number {
  if (nSlots <= 0) return nIdx;
  const base = step % nSlots;
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) { dropped++; continue; }
    for (let j = 0; j < nOut; j++) {
      const d = delays[i * nOut + j];
      if (d >= nSlots) { dropped++; continue; }
      const sl = (base + d) % nSlots;
      ring[sl * nOut + j] = fr(ring[sl * nOut + j] + w[i * nOut + j]);
    }
  }
  return dropped;
}

export function delayDeliverF32(ring: Float32Array, nSlots: number, step: number, nOut: number, target: Float32Array): void {
  if (nSlots <= 0) return;
  const slot = step % nSlots;
  for (let j = 0; j < nOut; j++) {
    target[j] = fr(target[j] + ring[slot * nOut + j]);
    ring[slot * nOut + j] = 0;
  }
}
