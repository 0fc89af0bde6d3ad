/**
 * Reference for assembly/synapses/block_sparse.ts (ensemble-to-ensemble blocks, prune-and-regrow).
 *   accumulate: I[h B_out + j] += Wb[q][r][j] for every valid event i = g B_in + r and every
 *               active block (g, h) in slot q = slotOf[g G_out + h]
 *   prune-and-regrow: L1 magnitudes, the nPrune smallest pruned (ties: lowest slot), as many
 *               regrown uniformly among the blocks inactive before the call, from the PRNG stream
 *               (one location draw, then the block's weight draws, per pruned slot in pruning order).
 */
import type { Xoshiro128 } from '../util/prng.js';

const fr = Math.fround;

export function blockAccumulateF32(
  w: Float32Array, slotOf: Int32Array, nActive: number, gIn: number, gOut: number, bIn: number, bOut: number,
  idx: Uint32Array, nIdx: number, target: Float32Array,
): number {
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= gIn * bIn) { dropped++; continue; }
    const g = Math.floor(i / bIn), r = i - g * bIn;
    for (let h = 0; h < gOut; h++) {
      const q = slotOf[g * gOut + h];
      if (q < 0) continue;
      if (q >= nActive) { dropped++; continue; }
      const row = (q * bIn + r) * bOut;
      for (let j = 0; j < bOut; j++) target[h * bOut + j] = fr(target[h * bOut + j] + w[row + j]);
    }
  }
  return dropped;
}

export function blockPruneRegrowF32(
  w: Float32Array, slotOf: Int32Array, blockId: Uint32Array, nActive: number, gIn: number, gOut: number,
  bIn: number, bOut: number, nPrune: number, initScale: number, rng: Xoshiro128,
): number {
  const nBlocks = gIn * gOut, bs = bIn * bOut;
  const np = Math.min(nPrune, nActive, nBlocks - nActive);
  if (np <= 0) return 0;
  const mags = new Float32Array(nActive);
  for (let q = 0; q < nActive; q++) {
    let m = 0;
    for (let t = 0; t < bs; t++) m = fr(m + Math.abs(w[q * bs + t]));
    mags[q] = m;
  }
  const sel: number[] = [];
  for (let t = 0; t < np; t++) {
    let best = -1, bestM = 0;
    for (let q = 0; q < nActive; q++) {
      const m = mags[q];
      if (m < 0) continue;
      if (best < 0 || m < bestM) { best = q; bestM = m; }
    }
    sel.push(best);
    mags[best] = -1;
  }
  const old = sel.map((q) => blockId[q]);
  for (const b of old) if (b < nBlocks) slotOf[b] = -2;
  let nFree = 0;
  for (let b = 0; b < nBlocks; b++) if (slotOf[b] === -1) nFree++;
  const lo = fr(-initScale), span = fr(fr(initScale) - lo);
  let moved = 0;
  for (const q of sel) {
    if (nFree <= 0) break;
    const pick = Math.floor((rng.nextU32() * nFree) / 4294967296);
    let seen = 0, nb = -1;
    for (let b = 0; b < nBlocks; b++) {
      if (slotOf[b] !== -1) continue;
      if (seen === pick) { nb = b; break; }
      seen++;
    }
    slotOf[nb] = q;
    blockId[q] = nb;
    nFree--;
    for (let t = 0; t < bs; t++) w[q * bs + t] = initScale !== 0 ? fr(lo + fr(span * rng.nextFloat())) : 0;
    moved++;
  }
  for (const b of old) if (b < nBlocks && slotOf[b] === -2) slotOf[b] = -1;
  return moved;
}
