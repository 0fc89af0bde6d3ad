/**
 * The kernels' ABI: the one place where the counter set, the schedule opcodes and the parameter
 * block layouts are declared. The host mirrors these in `host/runtime/abi.ts` and checks the
 * exported values at instantiation, so a drift between the two fails loudly.
 *
 * Bump ABI_VERSION whenever a layout or meaning below changes: checkpoints record it.
 */

export const ABI_VERSION: i32 = 1;

// ── Counters ────────────────────────────────────────────────────────────────────────────────
// One f64 slot each (exact integers below 2^53) in the arena's counter region. Kernels add what
// they did; the firmware simulator turns these into cycles and energy.
export const CTR_SYNOPS_F32: i32 = 0; // synaptic accumulations with f32 weights
export const CTR_SYNOPS_I8: i32 = 1; // synaptic accumulations with int8 weights
export const CTR_NEURON_UPDATES_LIF: i32 = 2; // LIF neuron state updates
export const CTR_NEURON_UPDATES_ALIF: i32 = 3; // adaptive-threshold LIF neuron state updates
export const CTR_SPIKES: i32 = 4; // spikes emitted (after winner-take-all)
export const CTR_TRACE_UPDATES: i32 = 5; // trace decays and bumps
export const CTR_ELIGIBILITY_UPDATES: i32 = 6; // eligibility-trace updates (three-factor rules)
export const CTR_WEIGHT_UPDATES: i32 = 7; // plastic weight writes
export const CTR_BYTES_READ: i32 = 8; // bytes loaded by kernels from the arena
export const CTR_BYTES_WRITTEN: i32 = 9; // bytes stored by kernels into the arena
export const CTR_KERNEL_CALLS: i32 = 10; // kernel invocations
export const CTR_EVENTS_IN: i32 = 11; // input events delivered to the network
export const CTR_EVENTS_DROPPED: i32 = 12; // data-derived indices out of range, dropped
export const CTR_READOUT_MACS: i32 = 13; // readout multiply-accumulates (predict + learn)
export const CTR_STEPS: i32 = 14; // network time steps run
export const CTR_WTA_OPS: i32 = 15; // winner-take-all comparisons and inhibitions
export const CTR_NEURON_UPDATES_IZH: i32 = 16; // Izhikevich neuron state updates
export const CTR_NEURON_UPDATES_COND: i32 = 17; // conductance-based LIF neuron state updates
export const CTR_SYNOPS_I16: i32 = 18; // synaptic accumulations with int16 weights
export const CTR_RNG_DRAWS: i32 = 19; // arena-PRNG draws (noise injection)
export const CTR_EXP_EVALS: i32 = 20; // software exp evaluations (softmax readouts)
export const CTR_NEURON_UPDATES_ESCAPE: i32 = 21; // stochastic escape-noise neuron updates
export const CTR_NEURON_UPDATES_LIF_I16: i32 = 22; // fixed-point (int16) LIF neuron updates
export const CTR_STP_UPDATES: i32 = 23; // short-term plasticity (u, x) event updates
export const COUNTER_COUNT: i32 = 24;

// ── Schedule opcodes ────────────────────────────────────────────────────────────────────────
// A schedule is a list of ops, OP_WORDS i32 words each: [opcode, phaseMask, arg0 .. arg9].
// `net_run` executes every op whose phaseMask intersects the active phase, once per step.
export const OP_WORDS: i32 = 12;
export const OP_INPUT: i32 = 1; // (listDesc, stepOffsets, indices)
export const OP_LIF: i32 = 2; // (n, stateBase, params, listDesc, spikeBuf, margins)
export const OP_WTA: i32 = 3; // (n, stateBase, listDesc, margins, wtaParams)
export const OP_LIF_RESET: i32 = 4; // (n, stateBase, params, listDesc)
export const OP_DENSE_F32: i32 = 5; // (w, nIn, nOut, srcDesc, target)
export const OP_DENSE_I8: i32 = 6; // (w, nIn, nOut, srcDesc, acc)
export const OP_FLUSH_I8: i32 = 7; // (acc, scale, nOut, target)
export const OP_TRACE_DECAY: i32 = 8; // (trace, n, alphaPtr)
export const OP_STDP_PRE: i32 = 9; // (w, nIn, nOut, srcDesc, preTrace, postTrace, stdpParams)
export const OP_STDP_POST: i32 = 10; // (w, nIn, nOut, dstDesc, preTrace, postTrace, stdpParams)
export const OP_SCALE_COLUMNS: i32 = 11; // (w, nIn, nOut, dstDesc, targetPtr, l2)
export const OP_COUNT_SPIKES: i32 = 12; // (counts, n, listDesc)
export const OP_IZH: i32 = 13; // (n, stateBase, params, listDesc, spikeBuf, margins)
export const OP_LIF_COND: i32 = 14; // (n, stateBase, params, listDesc, spikeBuf, margins)
export const OP_DENSE_I16: i32 = 15; // (w, nIn, nOut, srcDesc, acc)
export const OP_FLUSH_I16: i32 = 16; // (acc, scale, nOut, target)
export const OP_STDP_PRE_I8: i32 = 17; // (w, nIn, nOut, srcDesc, preTrace, postTrace, stdpParams, rng)
export const OP_STDP_POST_I8: i32 = 18; // (w, nIn, nOut, dstDesc, preTrace, postTrace, stdpParams, rng)
export const OP_SCALE_COLUMNS_I8: i32 = 19; // (w, nIn, nOut, dstDesc, targetPtr, l2, stdpParams, rng)
// Post-major layout WT[nOut][nIn] (plasticity/stdp_post_major.ts):
export const OP_DENSE_GATHER_F32: i32 = 20; // (wt, nIn, nOut, srcDesc, target)
export const OP_STDP_PRE_COLS: i32 = 21; // (wt, nIn, nOut, srcDesc, preTrace, postTrace, stdpParams)
export const OP_STDP_POST_ROWS: i32 = 22; // (wt, nIn, nOut, dstDesc, preTrace, postTrace, stdpParams)
export const OP_SCALE_ROWS: i32 = 23; // (wt, nIn, nOut, dstDesc, targetPtr, l2)
export const OP_ESCAPE: i32 = 24; // (n, stateBase, params, listDesc, spikeBuf, margins, rng)
export const OP_DECAY: i32 = 25; // (trace, n, alphaPtr, floorPtr): trace_decay_f32 with any block's slots
export const OP_TRIPLET_PRE: i32 = 26; // (w, nIn, nOut, srcDesc, r1, r2, o1, params)
export const OP_TRIPLET_POST: i32 = 27; // (w, nIn, nOut, dstDesc, r1, o1, o2, params)
export const OP_SYMSTDP_PRE: i32 = 28; // (w, nIn, nOut, srcDesc, preTrace, postTrace, params)
export const OP_SYMSTDP_POST: i32 = 29; // (w, nIn, nOut, dstDesc, preTrace, postTrace, params)
export const OP_RSTDP: i32 = 30; // (e, nIn, nOut, srcDesc, dstDesc, preTrace, postTrace, stdpParams, eligParams)
// connectivity ops (40-49): sparse, convolutional, block-sparse, delayed and short-term-plastic
// projections (synapses/*.ts). `ring, nSlots, delay`: with nSlots > 0 the input goes to the ring
// slot (clock + delay) mod nSlots of a delay ring f32[nSlots][nOut] instead of `target`.
export const OP_CSR_F32: i32 = 40; // (csr, nIn, nOut, nnz, srcDesc, target, eff, ring, nSlots, delay); csr = rowPtr|colIdx|vals
export const OP_CONV2D_F32: i32 = 41; // (w, convParams, srcDesc, events, maxEvents, target, ring, nSlots, delay, nOut)
export const OP_BLOCK_F32: i32 = 42; // (w, slotOf, blkParams, srcDesc, target, ring, nSlots, delay, nOut)
export const OP_BLOCK_PRUNE: i32 = 43; // (w, slotOf, blockId, blkParams, rng, scratch): every BLK_EVERY steps
export const OP_DELAY_F32: i32 = 44; // (w, nIn, nOut, srcDesc, ring, nSlots, delay)
export const OP_DELAY_SYN_F32: i32 = 45; // (w, delays, nIn, nOut, srcDesc, ring, nSlots)
export const OP_DELAY_DELIVER: i32 = 46; // (ring, nSlots, nOut, target)
export const OP_STP: i32 = 47; // (state, nIn, stpParams, srcDesc, eff)
export const OP_DENSE_SCALED_F32: i32 = 48; // (w, nIn, nOut, srcDesc, eff, target, ring, nSlots, delay)
export const OP_CSR_STDP: i32 = 49; // (csr, csc, nIn, nOut, nnz, srcDesc, dstDesc, preTrace, postTrace, stdpParams): pre then post pathway
// rule/neuron ops (50-64): rules and neurons composed from specs (plasticity/spec_rules.ts).
export const OP_TESS: i32 = 50; // (w, nIn, nOut, srcDesc, dstDesc, state, lifParams, work, eligParams, tessParams)
export const OP_TEMPOTRON: i32 = 51; // (elig, nIn, nOut, srcDesc, v, vmax, flag, ka, kb, tempotronParams)
export const OP_LIF_I16: i32 = 52; // (n, stateBase, params, listDesc, spikeBuf, input i32[nPad])
export const OP_EPROP: i32 = 53; // (w, nIn, nOut, srcDesc, dstDesc, state, lifParams, work, eligParams, epropParams)
export const OP_HEBBSIGN_PRE: i32 = 54; // (w, nIn, nOut, srcDesc, preTrace, postTrace, sign, params)
export const OP_HEBBSIGN_POST: i32 = 55; // (w, nIn, nOut, dstDesc, preTrace, postTrace, sign, params)
export const OP_EGDALE: i32 = 57; // (w, nIn, nOut, srcDesc, dstDesc, theta, sign, work, params): params = EGDALE block | EGX slots | ones[nIn]
export const OP_DCOND: i32 = 56; // (w, nIn, nOut, srcDesc, dstDesc, level u8, gain, preTrace, params): params = DCOND block | table[N] | alpha, floor
// readout/control ops (65-79): reserved, none used. The readouts and the continual-learning
// controls run host-driven once per sample, and the gated readout's filters are OP_DECAY +
// OP_COUNT_SPIKES (host/plan/readouts.ts says why).

export const PHASE_ALWAYS: i32 = 1;
export const PHASE_LEARN: i32 = 2;

// ── Parameter blocks (f32 slots unless noted) ───────────────────────────────────────────────
// LIF / ALIF, 16 slots (64 bytes).
export const LIF_ALPHA_M: i32 = 0; // exp(-dt/tauMem)
export const LIF_ALPHA_S: i32 = 1; // exp(-dt/tauSyn)
export const LIF_BETA: i32 = 2; // weight of I(t) on v(t+dt), exact integration
export const LIF_GAMMA: i32 = 3; // weight of the bias current: 1 - alphaM
export const LIF_V_TH: i32 = 4; // base threshold
export const LIF_V_RESET: i32 = 5; // reset value (reset-to-value mode)
export const LIF_RESET_MODE: i32 = 6; // i32: 0 = to value, 1 = subtract threshold
export const LIF_REFRAC_HOLD: i32 = 7; // i32: updates held at reset after a spike
export const LIF_ALPHA_B: i32 = 8; // exp(-dt/tauAdapt)
export const LIF_D_THETA: i32 = 9; // threshold increment per spike (0 = plain LIF)
export const LIF_PARAM_SLOTS: i32 = 16;
// Izhikevich neurons share the neuron block: ALPHA_S, V_TH (= v_peak), V_RESET (= c),
// RESET_MODE, REFRAC_HOLD and D_THETA (= d, added to the recovery variable kept in STATE_B)
// have the slots above, so lif_reset_f32 performs the Izhikevich reset. Model-specific slots:
export const IZH_A: i32 = 10; // recovery time scale a (1/ms)
export const IZH_B: i32 = 11; // recovery sensitivity b
export const IZH_DT: i32 = 12; // step, ms
export const IZH_SCHEME: i32 = 13; // i32: 0 = forward Euler, 1 = Izhikevich (2003) two half steps
// Conductance-based LIF (lif_cond_step_f32) shares ALPHA_S (conductance decay), V_TH, V_RESET,
// RESET_MODE, REFRAC_HOLD, ALPHA_B and D_THETA; the conductance lives in STATE_I. Its own slots:
export const COND_K: i32 = 10; // dt / tau_m
export const COND_E_REV: i32 = 11; // excitatory reversal potential, mV
export const COND_E_LEAK: i32 = 12; // leak (rest) potential, mV
// Escape-noise neuron (escape_step_f32) shares the LIF block (membrane, synapse, threshold b,
// reset and refractory slots above; lif_reset_f32 resets it). Its own slots:
export const ESC_INV_DELTA_U: i32 = 10; // 1 / Delta_u, inverse width of the escape nonlinearity
export const ESC_DT_RHO0: i32 = 11; // dt * rho_0: escape rate at threshold times the step (dimensionless)

// Fixed-point LIF (lif_step_i16), 8 i32 slots, and its state block of four int16 arrays of
// nPad8 = n rounded up to 8 entries each.
export const LIFX_SHIFT_MEM: i32 = 0; // i32 k_m in 0..15: v -= v >> k_m
export const LIFX_SHIFT_SYN: i32 = 1; // i32 k_s in 0..15: i -= i >> k_s
export const LIFX_V_TH: i32 = 2; // i32 threshold (spike when v > v_th)
export const LIFX_V_RESET: i32 = 3; // i32 reset value (reset-to-value mode)
export const LIFX_RESET_MODE: i32 = 4; // i32: 0 = to value, 1 = subtract threshold
export const LIFX_REFRAC_HOLD: i32 = 5; // i32: updates held after a spike
export const LIFX_PARAM_SLOTS: i32 = 8;
export const LIFX_STATE_V: i32 = 0; // int16 membrane
export const LIFX_STATE_I: i32 = 1; // int16 synaptic current
export const LIFX_STATE_REFR: i32 = 2; // int16 refractory updates left
export const LIFX_STATE_BIAS: i32 = 3; // int16 constant input
export const LIFX_STATE_ARRAYS: i32 = 4;

// Short-term plasticity (synapses/stp.ts), 64 f32 slots: U, then exp(-2^k dt / tau) tables.
export const STP_U: i32 = 0; // baseline utilisation U in (0, 1]
export const STP_DECAY_F: i32 = 1; // 31 slots: exp(-2^k dt / tau_F), k = 0..30 (0 when tau_F = 0)
export const STP_DECAY_D: i32 = 32; // 31 slots: exp(-2^k dt / tau_D), k = 0..30
export const STP_DECAY_TERMS: i32 = 31;
export const STP_PARAM_SLOTS: i32 = 64;
// STP state for nIn presynaptic units (nPad = nIn rounded up to 4): u f32 | x f32 | last i32.
export const STP_STATE_U: i32 = 0;
export const STP_STATE_X: i32 = 1;
export const STP_STATE_LAST: i32 = 2; // step of the unit's last spike
export const STP_STATE_ARRAYS: i32 = 3;

// Event-driven 2D convolution (synapses/conv2d.ts), 12 i32 slots.
export const CONV_W_IN: i32 = 0;
export const CONV_H_IN: i32 = 1;
export const CONV_C_IN: i32 = 2;
export const CONV_C_OUT: i32 = 3;
export const CONV_K: i32 = 4; // square kernel side
export const CONV_STRIDE: i32 = 5;
export const CONV_PAD: i32 = 6; // zero padding on every side
export const CONV_W_OUT: i32 = 7; // floor((W_in + 2 pad - K) / stride) + 1
export const CONV_H_OUT: i32 = 8; // floor((H_in + 2 pad - K) / stride) + 1
export const CONV_PARAM_SLOTS: i32 = 12;

// Block-sparse projection (synapses/block_sparse.ts, OP_BLOCK_F32 / OP_BLOCK_PRUNE), 8 slots.
export const BLK_N_ACTIVE: i32 = 0; // i32: active blocks A (slots)
export const BLK_G_IN: i32 = 1; // i32: presynaptic ensembles
export const BLK_G_OUT: i32 = 2; // i32: postsynaptic ensembles
export const BLK_B_IN: i32 = 3; // i32: units per presynaptic ensemble
export const BLK_B_OUT: i32 = 4; // i32: units per postsynaptic ensemble
export const BLK_N_PRUNE: i32 = 5; // i32: blocks pruned and regrown per rewiring
export const BLK_EVERY: i32 = 6; // i32: rewiring interval in steps (after every BLK_EVERY-th step)
export const BLK_INIT_SCALE: i32 = 7; // f32: regrown weights ~ U(-s, s)
export const BLK_PARAM_SLOTS: i32 = 8;

// Neuron state block for n neurons (nPad = n rounded up to 4): five f32/i32 arrays of nPad.
export const STATE_V: i32 = 0; // membrane
export const STATE_I: i32 = 1; // synaptic current
export const STATE_REFR: i32 = 2; // i32 refractory updates left
export const STATE_B: i32 = 3; // threshold adaptation
export const STATE_BIAS: i32 = 4; // constant input current (teacher, I_ext)
export const STATE_ARRAYS: i32 = 5;

// WTA, 4 slots.
export const WTA_K: i32 = 0; // i32: winners kept per step (0 = no limit)
export const WTA_INHIBITION: i32 = 1; // subtracted from every neuron's v per winner
export const WTA_V_FLOOR: i32 = 2; // v is not pushed below this
export const WTA_PARAM_SLOTS: i32 = 4;

// STDP, 16 slots.
export const STDP_ETA_PLUS: i32 = 0; // potentiation rate (post spike x pre trace)
export const STDP_ETA_MINUS: i32 = 1; // depression rate (pre spike x post trace)
export const STDP_W_MIN: i32 = 2;
export const STDP_W_MAX: i32 = 3;
export const STDP_BOUNDS: i32 = 4; // i32: 0 = additive with clipping, 1 = multiplicative soft bounds
export const STDP_X_OFFSET: i32 = 5; // pre-trace offset (Diehl & Cook x_tar), 0 for plain pair STDP
export const STDP_ALPHA_PRE: i32 = 6; // exp(-dt/tauPre)
export const STDP_ALPHA_POST: i32 = 7; // exp(-dt/tauPost)
export const STDP_IMPULSE_PRE: i32 = 8;
export const STDP_IMPULSE_POST: i32 = 9;
export const STDP_TRACE_MODE: i32 = 10; // i32: 0 = all-to-all (x += impulse), 1 = nearest (x = impulse)
export const STDP_TRACE_FLOOR: i32 = 11; // traces below this are flushed to 0 (no subnormals)
export const STDP_Q_STEP: i32 = 12; // int8 learning: weight of one integer step (w = s q)
export const STDP_PARAM_SLOTS: i32 = 16;

// Three-factor learning vocabulary (plasticity/eligibility.ts and the rules built on it), 8 slots.
export const ELIG_ALPHA: i32 = 0; // eligibility decay per step, exp(-dt/tau_e)
export const ELIG_FLOOR: i32 = 1; // |e| below this is flushed to 0 (no subnormals)
export const ELIG_K_A: i32 = 2; // coefficient of the first outer product a_i b_j
export const ELIG_K_C: i32 = 3; // coefficient of the second outer product c_i d_j
export const ELIG_ETA: i32 = 4; // learning rate of the modulated update
export const ELIG_W_MIN: i32 = 5;
export const ELIG_W_MAX: i32 = 6;
export const ELIG_BOUNDS: i32 = 7; // i32: 0 = hard (clip), 1 = soft (multiplicative) then clip
export const ELIG_PARAM_SLOTS: i32 = 8;

// CLASSP adjustment suppression + sparsity threshold (plasticity/classp.ts), 8 slots.
export const CLASSP_ETA: i32 = 0; // base learning rate
export const CLASSP_EPS: i32 = 1; // > 0, added to the accumulated |g|^p
export const CLASSP_THRESHOLD: i32 = 2; // an update is applied only where g^2 > threshold
export const CLASSP_POWER: i32 = 3; // i32: p = 1 or 2 (2 = AdaGrad)
export const CLASSP_W_MIN: i32 = 4;
export const CLASSP_W_MAX: i32 = 5;
export const CLASSP_PARAM_SLOTS: i32 = 8;

// Per-neuron gain/threshold mode adaptation (plasticity/modes.ts), 8 slots.
export const MODE_ETA_GAIN: i32 = 0;
export const MODE_ETA_THR: i32 = 1;
export const MODE_GAIN_MIN: i32 = 2;
export const MODE_GAIN_MAX: i32 = 3;
export const MODE_THR_MIN: i32 = 4;
export const MODE_THR_MAX: i32 = 5;
export const MODE_PARAM_SLOTS: i32 = 8;

// Triplet STDP (plasticity/stdp_triplet.ts), 16 slots.
export const TRIPLET_A2_PLUS: i32 = 0; // pair potentiation amplitude (post spike x r1)
export const TRIPLET_A3_PLUS: i32 = 1; // triplet potentiation amplitude (post spike x r1 x o2)
export const TRIPLET_A2_MINUS: i32 = 2; // pair depression amplitude (pre spike x o1)
export const TRIPLET_A3_MINUS: i32 = 3; // triplet depression amplitude (pre spike x o1 x r2)
export const TRIPLET_W_MIN: i32 = 4;
export const TRIPLET_W_MAX: i32 = 5;
export const TRIPLET_BOUNDS: i32 = 6; // i32: 0 = additive, 1 = multiplicative soft bounds (then clipped)
export const TRIPLET_TRACE_MODE: i32 = 7; // i32: 0 = all-to-all (r += 1), 1 = nearest spike (r = 1)
export const TRIPLET_ALPHA_R1: i32 = 8; // exp(-dt/tau_plus)
export const TRIPLET_ALPHA_R2: i32 = 9; // exp(-dt/tau_x)
export const TRIPLET_ALPHA_O1: i32 = 10; // exp(-dt/tau_minus)
export const TRIPLET_ALPHA_O2: i32 = 11; // exp(-dt/tau_y)
export const TRIPLET_TRACE_FLOOR: i32 = 12;
export const TRIPLET_PARAM_SLOTS: i32 = 16;

// Symmetric STDP (plasticity/stdp_symmetric.ts), 16 slots.
export const SYMSTDP_ETA_PRE: i32 = 0; // potentiation on a pre spike x post trace
export const SYMSTDP_ETA_POST: i32 = 1; // potentiation on a post spike x pre trace
export const SYMSTDP_W_MIN: i32 = 2;
export const SYMSTDP_W_MAX: i32 = 3;
export const SYMSTDP_BOUNDS: i32 = 4; // i32: 0 = additive, 1 = multiplicative soft bound (then clipped)
export const SYMSTDP_IMPULSE_PRE: i32 = 5;
export const SYMSTDP_IMPULSE_POST: i32 = 6;
export const SYMSTDP_TRACE_MODE: i32 = 7; // i32: 0 = all-to-all, 1 = nearest
export const SYMSTDP_ALPHA_PRE: i32 = 8;
export const SYMSTDP_ALPHA_POST: i32 = 9;
export const SYMSTDP_TRACE_FLOOR: i32 = 10;
export const SYMSTDP_SCALE_TARGET: i32 = 11; // L1 column sum for synaptic scaling (scale_columns_f32)
export const SYMSTDP_PARAM_SLOTS: i32 = 16;

// Sign-diverse Hebbian / anti-Hebbian plasticity (plasticity/hebb_signed.ts), 16 slots.
export const HEBBSIGN_ETA_PRE: i32 = 0; // on a pre spike: dw = eta_pre s_j y_j
export const HEBBSIGN_ETA_POST: i32 = 1; // on a post spike: dw = eta_post s_j x_i
export const HEBBSIGN_W_MIN: i32 = 2;
export const HEBBSIGN_W_MAX: i32 = 3;
export const HEBBSIGN_BOUNDS: i32 = 4; // i32: 0 = additive, 1 = multiplicative soft bounds (then clipped)
export const HEBBSIGN_IMPULSE_PRE: i32 = 5;
export const HEBBSIGN_IMPULSE_POST: i32 = 6;
export const HEBBSIGN_TRACE_MODE: i32 = 7; // i32: 0 = all-to-all, 1 = nearest
export const HEBBSIGN_ALPHA_PRE: i32 = 8;
export const HEBBSIGN_ALPHA_POST: i32 = 9;
export const HEBBSIGN_TRACE_FLOOR: i32 = 10;
export const HEBBSIGN_PARAM_SLOTS: i32 = 16;

// Exponentiated-gradient updates under Dale's law (plasticity/eg_dale.ts), 8 slots.
export const EGDALE_LR: i32 = 0;
export const EGDALE_THETA_MIN: i32 = 1; // log-magnitude bounds, -87 <= min <= max <= 88
export const EGDALE_THETA_MAX: i32 = 2;
export const EGDALE_W_ABS_MIN: i32 = 3; // exp(theta_min) > 0
export const EGDALE_W_ABS_MAX: i32 = 4; // exp(theta_max)
export const EGDALE_PARAM_SLOTS: i32 = 8;

// Discrete-conductance synapse (plasticity/discrete_conductance.ts), 8 slots.
export const DCOND_W_MIN: i32 = 0;
export const DCOND_W_MAX: i32 = 1;
export const DCOND_LEVELS: i32 = 2; // i32: N conductance levels, 2..256 (state is u8)
export const DCOND_STEP_UP: i32 = 3; // i32: levels per potentiating pulse
export const DCOND_STEP_DOWN: i32 = 4; // i32: levels per depressing pulse
export const DCOND_UNIDIRECTIONAL: i32 = 5; // i32: 1 = depressing pulses are not applied
export const DCOND_X_TH: i32 = 6; // post pathway: inputs with trace > X_TH potentiate, others depress
export const DCOND_E_TH: i32 = 7; // pre pathway: e > E_TH potentiates, e < -E_TH depresses
export const DCOND_PARAM_SLOTS: i32 = 8;

// Tempotron (plasticity/tempotron.ts), 8 slots.
export const TEMPOTRON_V_TH: i32 = 0; // firing threshold theta on V_max
export const TEMPOTRON_LR: i32 = 1;
export const TEMPOTRON_W_MIN: i32 = 2;
export const TEMPOTRON_W_MAX: i32 = 3;
export const TEMPOTRON_K_SCALE: i32 = 4; // c = beta / (alpha_m - alpha_s): K_i = c (a_i - b_i)
export const TEMPOTRON_ALPHA_M: i32 = 5; // decay of the a traces, = the LIF alpha_m
export const TEMPOTRON_ALPHA_S: i32 = 6; // decay of the b traces, = the LIF alpha_s
export const TEMPOTRON_TRACE_FLOOR: i32 = 7;
export const TEMPOTRON_PARAM_SLOTS: i32 = 8;

// TESS as a schedule op (plasticity/spec_rules.ts tess_step_f32), 8 slots; the fixed basis
// B [nClass][nOut] f32 follows the block.
export const TESS_ALPHA_PRE: i32 = 0; // lambda_pre = exp(-dt/tau_pre)
export const TESS_ALPHA_POST: i32 = 1; // lambda_post = exp(-dt/tau_post)
export const TESS_FLOOR: i32 = 2; // pre traces below this are flushed to 0
export const TESS_SLOPE: i32 = 3; // slope of the hard sigmoid of q
export const TESS_GAMMA_PD: i32 = 4; // pseudo-derivative height
export const TESS_CLASSES: i32 = 5; // i32: nClass
export const TESS_LABEL: i32 = 6; // i32: this sample's label, -1 = none (written by Runtime.setLabel)
export const TESS_PARAM_SLOTS: i32 = 8;

// e-prop as a schedule op (plasticity/spec_rules.ts eprop_step_f32), 8 slots; then an ELIG block
// for the readout update, the feedback weights B [nClass][nOut] and nothing else (constants).
export const EPROP_ALPHA_PRE: i32 = 0; // decay of the presynaptic trace zbar, exp(-dt/tau_pre)
export const EPROP_KAPPA: i32 = 1; // readout leak, exp(-dt/tau_out) (the eligibility filter is ELIG_ALPHA)
export const EPROP_FLOOR: i32 = 2; // zbar and zhat below this are flushed to 0
export const EPROP_GAMMA_PD: i32 = 3; // pseudo-derivative height
export const EPROP_CLASSES: i32 = 4; // i32: readout outputs K
export const EPROP_LABEL: i32 = 5; // i32: this sample's label, -1 = none (Runtime.setLabel)
export const EPROP_PARAM_SLOTS: i32 = 8;

// Dale's-law EG as a supervised schedule op (spec_rules.ts egdale_step_f32): slots after the
// EGDALE_* block (EGDALE_PARAM_SLOTS + k).
export const EGX_ALPHA_POST: i32 = 0; // decay of the postsynaptic rate trace zbar
export const EGX_FLOOR: i32 = 1;
export const EGX_TARGET: i32 = 2; // target trace level of the labelled group
export const EGX_CLASSES: i32 = 3; // i32
export const EGX_LABEL: i32 = 4; // i32, -1 = none (Runtime.setLabel)
export const EGX_SLOTS: i32 = 8;

// A spike list descriptor: [ptr to u32 indices, count] as two i32.
export const DESC_PTR: i32 = 0;
export const DESC_COUNT: i32 = 1;
