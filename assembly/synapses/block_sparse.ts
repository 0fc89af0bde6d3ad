/**
 * Block-sparse modular connectivity: ensemble-to-ensemble blocks, with dynamic prune-and-regrow.
 *
 * The presynaptic population is split into G_in ensembles of B_in units (n_in = G_in B_in), the
 * postsynaptic one into G_out ensembles of B_out units. A block mask over the (pre-ensemble g,
 * post-ensemble h) pairs says which ensemble pairs are connected; a connected pair carries a
 * dense B_in x B_out block of weights. This is the modular, sparse "ensemble-to-ensemble"
 * connectivity of G2GNet (Konstantaropoulos, Smirnakis & Papadopouli 2025, "Neuro-inspired
 * ensemble-to-ensemble communication primitives for sparse and efficient ANNs", arXiv:2508.14140),
 * here applied to spiking projections.
 *
 * Accumulation, for every presynaptic event i (g = i / B_in, r = i mod B_in) and every active
 * block (g, h) in slot q:
 *   I[h B_out + j] += Wb[q][r][j]          j = 0 .. B_out - 1
 * Dynamic sparse training, with the number of active blocks A kept constant (prune-and-regrow as
 * in SET, Mocanu et al. 2018, "Scalable training of artificial neural networks with adaptive
 * sparse connectivity inspired by network science", Nat. Commun. 9:2383, at block granularity):
 *   1. magnitude of each active block:  M_q = sum_{r, j} |Wb[q][r][j]|   (f32, row-major order)
 *   2. prune the nPrune blocks of smallest M_q (ties: lowest slot first), nPrune clipped to
 *      min(A, number of inactive blocks); the host derives nPrune = floor(fraction A) at plan time;
 *   3. regrow as many blocks, each uniformly at random among the blocks that were inactive before
 *      this call (just-pruned blocks are not eligible), drawn from the arena PRNG in pruning order:
 *      pick = floor(u32 * nFree / 2^32), the pick-th free block in (g, h) row-major order; the new
 *      block takes the freed slot, its weights set to lo + (hi - lo) u with u = (u32 >>> 8) 2^-24,
 *      lo = -initScale, hi = initScale, drawn in row-major order (all 0 and no draws when
 *      initScale = 0). Same seed, same rewiring: the stream is the kernels' xoshiro128**.
 *
 * Layout:
 *   slotOf  i32[G_in][G_out]  the block mask: slot of the block, or -1 when not connected
 *   blockId u32[A]            (g G_out + h) of the block in each slot
 *   Wb      f32[A][B_in][B_out], one dense row-major block per slot (SIMD across B_out)
 *   scratch (prune_regrow only) 12 A bytes.
 *   Memory: 4 A B_in B_out + 4 G_in G_out + 4 A bytes, against 4 n_in n_out dense.
 * Bounds: an event i >= n_in is counted in CTR_EVENTS_DROPPED and skipped; a mask entry naming a
 * slot >= A (corrupt state) is counted and skipped the same way.
 * SIMD and scalar: each target element receives one add per (event, block) in event order in
 * both builds (bit-identical); prune-and-regrow is scalar in both (a reduction and a selection).
 */
import {
  CTR_SYNOPS_F32, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
  CTR_RNG_DRAWS, CTR_WEIGHT_UPDATES,
} from '../abi';
import { count } from '../util/counters';
import { rng_next_u32 } from '../util/prng';

export function block_accumulate_f32(
  w: usize, slotOf: usize, nActive: i32, gIn: i32, gOut: i32, bIn: i32, bOut: i32, idx: usize, nIdx: i32, target: usize,
): void {
  const nIn = gIn * bIn;
  const rowBytes = <usize>bOut << 2;
  const blockBytes = <usize>bIn * rowBytes;
  let dropped = 0;
  let blocks = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    const g = <i32>i / bIn;
    const r = <i32>i - g * bIn;
    const mask = slotOf + ((<usize>(g * gOut)) << 2);
    for (let h = 0; h < gOut; h++) {
      const q = load<i32>(mask + (<usize>h << 2));
      if (q < 0) continue;
      if (q >= nActive) { dropped++; continue; }
      blocks++;
      const wr = w + <usize>q * blockBytes + <usize>r * rowBytes;
      const tr = target + <usize>h * rowBytes;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        for (; j + 4 <= bOut; j += 4) {
          const o = <usize>j << 2;
          v128.store(tr + o, f32x4.add(v128.load(tr + o), v128.load(wr + o)));
        }
      }
      for (; j < bOut; j++) {
        const o = <usize>j << 2;
        store<f32>(tr + o, load<f32>(tr + o) + load<f32>(wr + o));
      }
    }
  }
  const synops = <f64>blocks * <f64>bOut;
  count(CTR_SYNOPS_F32, synops);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nIdx * 4 + <f64>(nIdx - dropped) * <f64>gOut * 4 + synops * 8);
  count(CTR_BYTES_WRITTEN, synops * 4);
  count(CTR_KERNEL_CALLS, 1);
}

/** Prunes the nPrune weakest active blocks and regrows as many at random; returns the number moved. */
export function block_prune_regrow_f32(
  w: usize, slotOf: usize, blockId: usize, nActive: i32, gIn: i32, gOut: i32, bIn: i32, bOut: i32,
  nPrune: i32, initScale: f32, rng: usize, scratch: usize,
): i32 {
  const nBlocks = gIn * gOut;
  const bs = bIn * bOut;
  let np = nPrune;
  if (np > nActive) np = nActive;
  if (np > nBlocks - nActive) np = nBlocks - nActive;
  count(CTR_KERNEL_CALLS, 1);
  if (np <= 0) return 0;
  const mags = scratch;
  const sel = scratch + (<usize>nActive << 2);
  const old = sel + (<usize>nActive << 2);
  // 1. Block magnitudes (L1), sequential f32 sums.
  for (let q = 0; q < nActive; q++) {
    const base = w + ((<usize>q * <usize>bs) << 2);
    let m: f32 = 0;
    for (let t = 0; t < bs; t++) m += Mathf.abs(load<f32>(base + (<usize>t << 2)));
    store<f32>(mags + (<usize>q << 2), m);
  }
  // 2. Select the np smallest (ties: lowest slot); chosen slots are marked with -1.
  for (let t = 0; t < np; t++) {
    let best = -1;
    let bestM: f32 = 0;
    for (let q = 0; q < nActive; q++) {
      const m = load<f32>(mags + (<usize>q << 2));
      if (m < 0) continue;
      if (best < 0 || m < bestM) { best = q; bestM = m; }
    }
    store<i32>(sel + (<usize>t << 2), best);
    store<f32>(mags + (<usize>best << 2), -1);
  }
  // 3. Mark the pruned blocks (-2: not eligible for regrowth in this call).
  for (let t = 0; t < np; t++) {
    const b = load<u32>(blockId + (<usize>load<i32>(sel + (<usize>t << 2)) << 2));
    store<u32>(old + (<usize>t << 2), b);
    if (b < <u32>nBlocks) store<i32>(slotOf + (<usize>b << 2), -2);
  }
  let nFree = 0;
  for (let b = 0; b < nBlocks; b++) if (load<i32>(slotOf + (<usize>b << 2)) == -1) nFree++;
  // 4. Regrow, one location draw then the block's weight draws per pruned slot.
  const lo = -initScale;
  const span = initScale - lo;
  let moved = 0;
  let draws = 0;
  for (let t = 0; t < np; t++) {
    if (nFree <= 0) break;
    const q = load<i32>(sel + (<usize>t << 2));
    const pick = <i32>((<u64>rng_next_u32(rng) * <u64>nFree) >>> 32);
    draws++;
    let seen = 0;
    let nb = -1;
    for (let b = 0; b < nBlocks; b++) {
      if (load<i32>(slotOf + (<usize>b << 2)) != -1) continue;
      if (seen == pick) { nb = b; break; }
      seen++;
    }
    store<i32>(slotOf + (<usize>nb << 2), q);
    store<u32>(blockId + (<usize>q << 2), <u32>nb);
    nFree--;
    const base = w + ((<usize>q * <usize>bs) << 2);
    if (initScale != 0) {
      for (let k = 0; k < bs; k++) {
        const u = <f32>(rng_next_u32(rng) >>> 8) * <f32>5.9604644775390625e-8;
        store<f32>(base + (<usize>k << 2), lo + span * u);
      }
      draws += bs;
    } else {
      for (let k = 0; k < bs; k++) store<f32>(base + (<usize>k << 2), 0);
    }
    moved++;
  }
  // 5. The pruned blocks become ordinary inactive blocks.
  for (let t = 0; t < np; t++) {
    const b = load<u32>(old + (<usize>t << 2));
    if (b < <u32>nBlocks && load<i32>(slotOf + (<usize>b << 2)) == -2) store<i32>(slotOf + (<usize>b << 2), -1);
  }
  count(CTR_RNG_DRAWS, <f64>draws);
  count(CTR_WEIGHT_UPDATES, <f64>moved * <f64>bs);
  count(CTR_BYTES_READ, <f64>nActive * <f64>bs * 4 + <f64>nBlocks * 4 * <f64>(1 + moved));
  count(CTR_BYTES_WRITTEN, <f64>moved * <f64>bs * 4 + <f64>np * 16);
  return moved;
}
