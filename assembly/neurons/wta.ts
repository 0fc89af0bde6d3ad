/**
 * Hard k-winner-take-all lateral inhibition (as in Diehl & Cook 2015, where a strong inhibitory
 * population lets one excitatory neuron win per input; here the inhibition is applied directly).
 *
 *   winners = the k candidates with the largest overshoot v - (v_th + b) (ties: lower index)
 *   for every neuron j that is not a winner:  v_j = max(v_j - inhibition * |winners|, v_floor)
 *
 * Runs between lif_step_f32 (which lists candidates) and lif_reset_f32 (which resets only the
 * winners), so suppressed candidates neither reset nor adapt: they simply did not spike.
 * k = 0 keeps every candidate. Returns the number of winners; the spike list is compacted in
 * place and left in ascending index order. Parameters: the WTA_* slots of abi.ts.
 * The inhibition pass is SIMD across neurons; winners' membranes are restored afterwards.
 */
import {
  WTA_K, WTA_INHIBITION, WTA_V_FLOOR, CTR_WTA_OPS, CTR_KERNEL_CALLS, CTR_BYTES_READ, CTR_BYTES_WRITTEN,
} from '../abi';
import { count } from '../util/counters';

export function wta_select_f32(n: i32, v: usize, spikes: usize, margins: usize, nSpikes: i32, params: usize): i32 {
  if (nSpikes == 0) return 0;
  const k = load<i32>(params + (<usize>WTA_K << 2));
  const inhibition = load<f32>(params + (<usize>WTA_INHIBITION << 2));
  const floor = load<f32>(params + (<usize>WTA_V_FLOOR << 2));
  let keep = nSpikes;
  if (k > 0 && nSpikes > k) {
    // Partial selection: move the k best to the front (stable on ties: first index wins).
    for (let s = 0; s < k; s++) {
      let best = s;
      let bestM = load<f32>(margins + (<usize>s << 2));
      let bestJ = load<u32>(spikes + (<usize>s << 2));
      for (let q = s + 1; q < nSpikes; q++) {
        const m = load<f32>(margins + (<usize>q << 2));
        const jq = load<u32>(spikes + (<usize>q << 2));
        if (m > bestM || (m == bestM && jq < bestJ)) { best = q; bestM = m; bestJ = jq; }
      }
      if (best != s) {
        const ps = spikes + (<usize>s << 2);
        const pb = spikes + (<usize>best << 2);
        const ms = margins + (<usize>s << 2);
        const mb = margins + (<usize>best << 2);
        const tj = load<u32>(ps); store<u32>(ps, load<u32>(pb)); store<u32>(pb, tj);
        const tm = load<f32>(ms); store<f32>(ms, load<f32>(mb)); store<f32>(mb, tm);
      }
    }
    keep = k;
    // Insertion sort of the k winners back into ascending index order.
    for (let s = 1; s < keep; s++) {
      const j = load<u32>(spikes + (<usize>s << 2));
      let q = s - 1;
      while (q >= 0 && load<u32>(spikes + (<usize>q << 2)) > j) {
        store<u32>(spikes + (<usize>(q + 1) << 2), load<u32>(spikes + (<usize>q << 2)));
        q--;
      }
      store<u32>(spikes + (<usize>(q + 1) << 2), j);
    }
  }
  count(CTR_WTA_OPS, <f64>nSpikes * <f64>(k > 0 ? k : 1));
  if (inhibition != 0) {
    // Save the winners' membranes in the (now unused) margins slots, inhibit all, restore.
    for (let s = 0; s < keep; s++) {
      const j = load<u32>(spikes + (<usize>s << 2));
      store<f32>(margins + (<usize>s << 2), load<f32>(v + (<usize>j << 2)));
    }
    const amount: f32 = inhibition * <f32>keep;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const a4 = f32x4.splat(amount);
      const f4 = f32x4.splat(floor);
      for (; j + 4 <= n; j += 4) {
        const p = v + (<usize>j << 2);
        v128.store(p, f32x4.max(f32x4.sub(v128.load(p), a4), f4));
      }
    }
    for (; j < n; j++) {
      const p = v + (<usize>j << 2);
      store<f32>(p, max<f32>(load<f32>(p) - amount, floor));
    }
    for (let s = 0; s < keep; s++) {
      const j = load<u32>(spikes + (<usize>s << 2));
      store<f32>(v + (<usize>j << 2), load<f32>(margins + (<usize>s << 2)));
    }
    count(CTR_WTA_OPS, <f64>n);
    count(CTR_BYTES_READ, <f64>n * 4);
    count(CTR_BYTES_WRITTEN, <f64>n * 4);
  }
  count(CTR_KERNEL_CALLS, 1);
  return keep;
}
