/** Per-neuron spike counts for a sample (readout features): counts[j] += 1 for each spike. */
import { CTR_KERNEL_CALLS } from '../abi';
import { count } from './counters';

export function spike_count_f32(counts: usize, n: i32, spikes: usize, nSpikes: i32): void {
  for (let k = 0; k < nSpikes; k++) {
    const j = load<u32>(spikes + (<usize>k << 2));
    if (j >= <u32>n) continue;
    const p = counts + (<usize>j << 2);
    store<f32>(p, load<f32>(p) + 1);
  }
  count(CTR_KERNEL_CALLS, 1);
}
