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
export const COUNTER_COUNT: i32 = 21;

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

// A spike list descriptor: [ptr to u32 indices, count] as two i32.
export const DESC_PTR: i32 = 0;
export const DESC_COUNT: i32 = 1;
