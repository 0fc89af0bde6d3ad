/**
 * The ABI: the only exported surface of the kernels. Everything takes byte offsets into the
 * host-owned arena (imported memory, never grown); nothing here allocates.
 */
export * from './abi';
export { counters_bind } from './util/counters';
export { lif_step_f32, lif_reset_f32 } from './neurons/lif';
export { wta_select_f32 } from './neurons/wta';
export { izh_step_f32 } from './neurons/izhikevich';
export { lif_cond_step_f32 } from './neurons/lif_cond';
export { dense_accumulate_f32, dense_accumulate_i8, dense_flush_i8, dense_accumulate_i16, dense_flush_i16 } from './synapses/dense';
export { trace_decay_f32, trace_bump_f32 } from './plasticity/traces';
export { stdp_pre_f32, stdp_post_f32 } from './plasticity/stdp_pair';
export { scale_columns_f32 } from './plasticity/scaling';
export { stdp_pre_i8, stdp_post_i8, scale_columns_i8 } from './plasticity/stdp_i8';
export { dense_gather_f32, stdp_pre_cols_f32, stdp_post_rows_f32, scale_rows_f32 } from './plasticity/stdp_post_major';
export { readout_predict_f32, readout_learn_f32 } from './readout/delta';
export { rng_seed, rng_next_u32, rng_fill_uniform_f32 } from './util/prng';
export { spike_count_f32 } from './util/spikes';
export { net_run } from './schedule';

/** First byte above the module's static data: the host places the arena at or above this. */
export function heap_base(): usize {
  return __heap_base;
}

/** 1 when this build was compiled with SIMD, 0 for the scalar build. */
export function simd_enabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
