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
export { escape_step_f32 } from './neurons/escape';
export { lif_step_i16 } from './neurons/lif_i16';
export { csr_accumulate_f32 } from './synapses/csr';
export { csr_stdp_pre_f32, csr_stdp_post_f32 } from './synapses/csr_stdp';
export { conv2d_accumulate_f32 } from './synapses/conv2d';
export { block_accumulate_f32, block_prune_regrow_f32 } from './synapses/block_sparse';
export { delay_accumulate_f32, delay_accumulate_syn_f32, delay_deliver_f32 } from './synapses/delay';
export { stp_efficacy_f32, dense_accumulate_scaled_f32 } from './synapses/stp';
export { dense_accumulate_f32, dense_accumulate_i8, dense_flush_i8, dense_accumulate_i16, dense_flush_i16 } from './synapses/dense';
export { trace_decay_f32, trace_bump_f32 } from './plasticity/traces';
export { stdp_pre_f32, stdp_post_f32 } from './plasticity/stdp_pair';
export { scale_columns_f32 } from './plasticity/scaling';
export { stdp_pre_i8, stdp_post_i8, scale_columns_i8 } from './plasticity/stdp_i8';
export { dense_gather_f32, stdp_pre_cols_f32, stdp_post_rows_f32, scale_rows_f32 } from './plasticity/stdp_post_major';
export { triplet_pre_f32, triplet_post_f32 } from './plasticity/stdp_triplet';
export { symstdp_pre_f32, symstdp_post_f32 } from './plasticity/stdp_symmetric';
export { hebbsign_pre_f32, hebbsign_post_f32 } from './plasticity/hebb_signed';
export { egdale_update_f32, egdale_sync_f32 } from './plasticity/eg_dale';
export { dcond_pre_f32, dcond_post_f32 } from './plasticity/discrete_conductance';
export { tempotron_track_f32, tempotron_learn_f32 } from './plasticity/tempotron';
export { readout_predict_f32, readout_learn_f32 } from './readout/delta';
export { elig_step_f32, elig_apply_f32, elig_apply_outer_f32, trace_filter_f32 } from './plasticity/eligibility';
export { rstdp_step_f32 } from './plasticity/rstdp';
export { eprop_pseudo_f32, eprop_signal_f32 } from './plasticity/eprop';
export { tess_signal_f32 } from './plasticity/tess';
export { classp_apply_f32 } from './plasticity/classp';
export { noise_inject_f32 } from './plasticity/variability';
export { mode_apply_f32, mode_adapt_f32 } from './plasticity/modes';
export { lrh_update_f32 } from './plasticity/lr_homeostasis';
export { gated_hebb_predict_f32, gated_hebb_learn_f32 } from './readout/gated_hebb';
export { ncm_update_f32, ncm_predict_f32 } from './readout/ncm';
export { hopfield_store_f32, hopfield_retrieve_f32 } from './readout/hopfield';
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
