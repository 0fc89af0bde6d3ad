/**
 * Host mirror of the kernels' ABI (assembly/abi.ts). The kernels export every constant as a
 * wasm global; `checkAbi` compares them with this table at instantiation, so the two can never
 * drift silently. Add a counter in both places; the runtime, reports and firmware-sim read it
 * from COUNTERS.
 */
import { AbiMismatchError } from '../errors.js';

export const ABI_VERSION = 1;

/** The counter set, in slot order. `abi` is the exported global's name. */
export const COUNTERS = [
  { key: 'synopsF32', abi: 'CTR_SYNOPS_F32', doc: 'synaptic accumulations with f32 weights' },
  { key: 'synopsI8', abi: 'CTR_SYNOPS_I8', doc: 'synaptic accumulations with int8 weights' },
  { key: 'neuronUpdatesLif', abi: 'CTR_NEURON_UPDATES_LIF', doc: 'LIF neuron state updates' },
  { key: 'neuronUpdatesAlif', abi: 'CTR_NEURON_UPDATES_ALIF', doc: 'adaptive-threshold LIF updates' },
  { key: 'spikes', abi: 'CTR_SPIKES', doc: 'spikes emitted (after winner-take-all)' },
  { key: 'traceUpdates', abi: 'CTR_TRACE_UPDATES', doc: 'trace decays and bumps' },
  { key: 'eligibilityUpdates', abi: 'CTR_ELIGIBILITY_UPDATES', doc: 'eligibility-trace updates' },
  { key: 'weightUpdates', abi: 'CTR_WEIGHT_UPDATES', doc: 'plastic weight writes' },
  { key: 'bytesRead', abi: 'CTR_BYTES_READ', doc: 'bytes loaded by kernels' },
  { key: 'bytesWritten', abi: 'CTR_BYTES_WRITTEN', doc: 'bytes stored by kernels' },
  { key: 'kernelCalls', abi: 'CTR_KERNEL_CALLS', doc: 'kernel invocations' },
  { key: 'eventsIn', abi: 'CTR_EVENTS_IN', doc: 'input events delivered to the network' },
  { key: 'eventsDropped', abi: 'CTR_EVENTS_DROPPED', doc: 'out-of-range events or indices dropped' },
  { key: 'readoutMacs', abi: 'CTR_READOUT_MACS', doc: 'readout multiply-accumulates' },
  { key: 'steps', abi: 'CTR_STEPS', doc: 'network time steps' },
  { key: 'wtaOps', abi: 'CTR_WTA_OPS', doc: 'winner-take-all comparisons and inhibitions' },
  { key: 'neuronUpdatesIzh', abi: 'CTR_NEURON_UPDATES_IZH', doc: 'Izhikevich neuron state updates' },
  { key: 'neuronUpdatesCond', abi: 'CTR_NEURON_UPDATES_COND', doc: 'conductance-based LIF neuron state updates' },
  { key: 'synopsI16', abi: 'CTR_SYNOPS_I16', doc: 'synaptic accumulations with int16 weights' },
  { key: 'rngDraws', abi: 'CTR_RNG_DRAWS', doc: 'arena-PRNG draws (noise injection)' },
  { key: 'expEvals', abi: 'CTR_EXP_EVALS', doc: 'software exp evaluations (softmax readouts)' },
  { key: 'neuronUpdatesEscape', abi: 'CTR_NEURON_UPDATES_ESCAPE', doc: 'stochastic escape-noise neuron updates' },
  { key: 'neuronUpdatesLifI16', abi: 'CTR_NEURON_UPDATES_LIF_I16', doc: 'fixed-point (int16) LIF neuron updates' },
  { key: 'stpUpdates', abi: 'CTR_STP_UPDATES', doc: 'short-term plasticity (u, x) event updates' },
] as const;

export type CounterKey = (typeof COUNTERS)[number]['key'];
export type Counters = Record<CounterKey, number>;
export const COUNTER_COUNT = COUNTERS.length;
export const COUNTER_SLOT: Readonly<Record<CounterKey, number>> = Object.fromEntries(
  COUNTERS.map((c, i) => [c.key, i]),
) as Record<CounterKey, number>;

export const OP_WORDS = 12;
export const OP = {
  INPUT: 1,
  LIF: 2,
  WTA: 3,
  LIF_RESET: 4,
  DENSE_F32: 5,
  DENSE_I8: 6,
  FLUSH_I8: 7,
  TRACE_DECAY: 8,
  STDP_PRE: 9,
  STDP_POST: 10,
  SCALE_COLUMNS: 11,
  COUNT_SPIKES: 12,
  IZH: 13,
  LIF_COND: 14,
  DENSE_I16: 15,
  FLUSH_I16: 16,
  STDP_PRE_I8: 17,
  STDP_POST_I8: 18,
  SCALE_COLUMNS_I8: 19,
  DENSE_GATHER_F32: 20,
  STDP_PRE_COLS: 21,
  STDP_POST_ROWS: 22,
  SCALE_ROWS: 23,
  ESCAPE: 24,
  DECAY: 25,
  TRIPLET_PRE: 26,
  TRIPLET_POST: 27,
  SYMSTDP_PRE: 28,
  SYMSTDP_POST: 29,
  RSTDP: 30,
  // connectivity ops (40-49): see assembly/abi.ts for the argument lists.
  CSR_F32: 40,
  CONV2D_F32: 41,
  BLOCK_F32: 42,
  BLOCK_PRUNE: 43,
  DELAY_F32: 44,
  DELAY_SYN_F32: 45,
  DELAY_DELIVER: 46,
  STP: 47,
  DENSE_SCALED_F32: 48,
  CSR_STDP: 49,
  // rule/neuron ops (50-64): rules and neurons composed from specs (assembly/plasticity/spec_rules.ts).
  TESS: 50,
  TEMPOTRON: 51,
  LIF_I16: 52,
  EPROP: 53,
  HEBBSIGN_PRE: 54,
  HEBBSIGN_POST: 55,
  DCOND: 56,
  EGDALE: 57,
  // readout/control ops (65-79): reserved, none used (see host/plan/readouts.ts).
} as const;
export const PHASE_ALWAYS = 1;
export const PHASE_LEARN = 2;

export const LIF = {
  ALPHA_M: 0, ALPHA_S: 1, BETA: 2, GAMMA: 3, V_TH: 4, V_RESET: 5, RESET_MODE: 6, REFRAC_HOLD: 7,
  ALPHA_B: 8, D_THETA: 9, PARAM_SLOTS: 16,
} as const;
/** Izhikevich-specific slots of the neuron parameter block (the rest are shared with LIF). */
export const IZH = { A: 10, B: 11, DT: 12, SCHEME: 13 } as const;
/** Conductance-based LIF slots of the neuron parameter block. */
export const COND = { K: 10, E_REV: 11, E_LEAK: 12 } as const;
export const STATE = { V: 0, I: 1, REFR: 2, B: 3, BIAS: 4, ARRAYS: 5 } as const;
export const WTA = { K: 0, INHIBITION: 1, V_FLOOR: 2, PARAM_SLOTS: 4 } as const;
export const STDP = {
  ETA_PLUS: 0, ETA_MINUS: 1, W_MIN: 2, W_MAX: 3, BOUNDS: 4, X_OFFSET: 5, ALPHA_PRE: 6, ALPHA_POST: 7,
  IMPULSE_PRE: 8, IMPULSE_POST: 9, TRACE_MODE: 10, TRACE_FLOOR: 11, Q_STEP: 12, PARAM_SLOTS: 16,
} as const;
/** Three-factor vocabulary block (eligibility, modulated update, bounds). */
export const ELIG = { ALPHA: 0, FLOOR: 1, K_A: 2, K_C: 3, ETA: 4, W_MIN: 5, W_MAX: 6, BOUNDS: 7, PARAM_SLOTS: 8 } as const;
/** CLASSP adjustment suppression + sparsity threshold block. */
export const CLASSP = { ETA: 0, EPS: 1, THRESHOLD: 2, POWER: 3, W_MIN: 4, W_MAX: 5, PARAM_SLOTS: 8 } as const;
/** Per-neuron gain/threshold mode adaptation block. */
export const MODE = { ETA_GAIN: 0, ETA_THR: 1, GAIN_MIN: 2, GAIN_MAX: 3, THR_MIN: 4, THR_MAX: 5, PARAM_SLOTS: 8 } as const;

/** Escape-noise neuron slots of the neuron parameter block. */
export const ESC = { INV_DELTA_U: 10, DT_RHO0: 11 } as const;
/** Fixed-point LIF: i32 parameter slots and the int16 state block's arrays. */
export const LIFX = {
  SHIFT_MEM: 0, SHIFT_SYN: 1, V_TH: 2, V_RESET: 3, RESET_MODE: 4, REFRAC_HOLD: 5, PARAM_SLOTS: 8,
  STATE_V: 0, STATE_I: 1, STATE_REFR: 2, STATE_BIAS: 3, STATE_ARRAYS: 4,
} as const;
/** Short-term plasticity parameter block and state arrays. */
export const STP = {
  U: 0, DECAY_F: 1, DECAY_D: 32, DECAY_TERMS: 31, PARAM_SLOTS: 64,
  STATE_U: 0, STATE_X: 1, STATE_LAST: 2, STATE_ARRAYS: 3,
} as const;
/** Event-driven 2D convolution geometry block (i32 slots). */
export const CONV = {
  W_IN: 0, H_IN: 1, C_IN: 2, C_OUT: 3, K: 4, STRIDE: 5, PAD: 6, W_OUT: 7, H_OUT: 8, PARAM_SLOTS: 12,
} as const;
/** Block-sparse projection block (i32 slots, INIT_SCALE f32). */
export const BLK = {
  N_ACTIVE: 0, G_IN: 1, G_OUT: 2, B_IN: 3, B_OUT: 4, N_PRUNE: 5, EVERY: 6, INIT_SCALE: 7, PARAM_SLOTS: 8,
} as const;

/** Triplet STDP block (plasticity/stdp_triplet.ts). */
export const TRIPLET = {
  A2_PLUS: 0, A3_PLUS: 1, A2_MINUS: 2, A3_MINUS: 3, W_MIN: 4, W_MAX: 5, BOUNDS: 6, TRACE_MODE: 7,
  ALPHA_R1: 8, ALPHA_R2: 9, ALPHA_O1: 10, ALPHA_O2: 11, TRACE_FLOOR: 12, PARAM_SLOTS: 16,
} as const;
/** Symmetric STDP block (plasticity/stdp_symmetric.ts). */
export const SYMSTDP = {
  ETA_PRE: 0, ETA_POST: 1, W_MIN: 2, W_MAX: 3, BOUNDS: 4, IMPULSE_PRE: 5, IMPULSE_POST: 6, TRACE_MODE: 7,
  ALPHA_PRE: 8, ALPHA_POST: 9, TRACE_FLOOR: 10, SCALE_TARGET: 11, PARAM_SLOTS: 16,
} as const;
/** Sign-diverse Hebbian block (plasticity/hebb_signed.ts). */
export const HEBBSIGN = {
  ETA_PRE: 0, ETA_POST: 1, W_MIN: 2, W_MAX: 3, BOUNDS: 4, IMPULSE_PRE: 5, IMPULSE_POST: 6, TRACE_MODE: 7,
  ALPHA_PRE: 8, ALPHA_POST: 9, TRACE_FLOOR: 10, PARAM_SLOTS: 16,
} as const;
/** Exponentiated-gradient Dale's-law block (plasticity/eg_dale.ts). */
export const EGDALE = { LR: 0, THETA_MIN: 1, THETA_MAX: 2, W_ABS_MIN: 3, W_ABS_MAX: 4, PARAM_SLOTS: 8 } as const;
/** Discrete-conductance synapse block (plasticity/discrete_conductance.ts). */
export const DCOND = {
  W_MIN: 0, W_MAX: 1, LEVELS: 2, STEP_UP: 3, STEP_DOWN: 4, UNIDIRECTIONAL: 5, X_TH: 6, E_TH: 7, PARAM_SLOTS: 8,
} as const;
/** Tempotron block (plasticity/tempotron.ts). */
export const TEMPOTRON = {
  V_TH: 0, LR: 1, W_MIN: 2, W_MAX: 3, K_SCALE: 4, ALPHA_M: 5, ALPHA_S: 6, TRACE_FLOOR: 7, PARAM_SLOTS: 8,
} as const;
/** TESS schedule-op block (plasticity/spec_rules.ts); the basis [nClass][nOut] follows it. */
export const TESS = {
  ALPHA_PRE: 0, ALPHA_POST: 1, FLOOR: 2, SLOPE: 3, GAMMA_PD: 4, CLASSES: 5, LABEL: 6, PARAM_SLOTS: 8,
} as const;
/** e-prop schedule-op block; an ELIG block (readout update) and the feedback weights follow it. */
export const EPROP = { ALPHA_PRE: 0, KAPPA: 1, FLOOR: 2, GAMMA_PD: 3, CLASSES: 4, LABEL: 5, PARAM_SLOTS: 8 } as const;
/** Slots after the EGDALE block of the supervised Dale's-law op (spec_rules.ts). */
export const EGX = { ALPHA_POST: 0, FLOOR: 1, TARGET: 2, CLASSES: 3, LABEL: 4, SLOTS: 8 } as const;

/** Expected values of every exported ABI global. */
function expectedGlobals(): Record<string, number> {
  const g: Record<string, number> = {
    ABI_VERSION,
    COUNTER_COUNT,
    OP_WORDS,
    PHASE_ALWAYS,
    PHASE_LEARN,
    DESC_PTR: 0,
    DESC_COUNT: 1,
  };
  COUNTERS.forEach((c, i) => (g[c.abi] = i));
  for (const [k, v] of Object.entries(OP)) g[`OP_${k}`] = v;
  for (const [k, v] of Object.entries(LIF)) g[`LIF_${k}`] = v;
  for (const [k, v] of Object.entries(STATE)) g[`STATE_${k}`] = v;
  for (const [k, v] of Object.entries(IZH)) g[`IZH_${k}`] = v;
  for (const [k, v] of Object.entries(COND)) g[`COND_${k}`] = v;
  for (const [k, v] of Object.entries(ESC)) g[`ESC_${k}`] = v;
  for (const [k, v] of Object.entries(LIFX)) g[`LIFX_${k}`] = v;
  for (const [k, v] of Object.entries(STP)) g[`STP_${k}`] = v;
  for (const [k, v] of Object.entries(CONV)) g[`CONV_${k}`] = v;
  for (const [k, v] of Object.entries(BLK)) g[`BLK_${k}`] = v;
  for (const [k, v] of Object.entries(WTA)) g[`WTA_${k}`] = v;
  for (const [k, v] of Object.entries(STDP)) g[`STDP_${k}`] = v;
  for (const [k, v] of Object.entries(ELIG)) g[`ELIG_${k}`] = v;
  for (const [k, v] of Object.entries(CLASSP)) g[`CLASSP_${k}`] = v;
  for (const [k, v] of Object.entries(MODE)) g[`MODE_${k}`] = v;
  for (const [k, v] of Object.entries(TRIPLET)) g[`TRIPLET_${k}`] = v;
  for (const [k, v] of Object.entries(SYMSTDP)) g[`SYMSTDP_${k}`] = v;
  for (const [k, v] of Object.entries(HEBBSIGN)) g[`HEBBSIGN_${k}`] = v;
  for (const [k, v] of Object.entries(EGDALE)) g[`EGDALE_${k}`] = v;
  for (const [k, v] of Object.entries(DCOND)) g[`DCOND_${k}`] = v;
  for (const [k, v] of Object.entries(TEMPOTRON)) g[`TEMPOTRON_${k}`] = v;
  for (const [k, v] of Object.entries(TESS)) g[`TESS_${k}`] = v;
  for (const [k, v] of Object.entries(EPROP)) g[`EPROP_${k}`] = v;
  for (const [k, v] of Object.entries(EGX)) g[`EGX_${k}`] = v;
  return g;
}

/** Throws AbiMismatchError unless every exported ABI constant equals this table's value. */
export function checkAbi(exports: WebAssembly.Exports): void {
  const expected = expectedGlobals();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(expected)) {
    const g = exports[name];
    if (!(g instanceof WebAssembly.Global)) {
      problems.push(`${name} missing from the kernels`);
    } else if (g.value !== value) {
      problems.push(`${name} is ${g.value} in the kernels, ${value} in the host`);
    }
  }
  for (const [name, g] of Object.entries(exports)) {
    if (g instanceof WebAssembly.Global && !(name in expected)) {
      problems.push(`${name} exported by the kernels but unknown to the host`);
    }
  }
  if (problems.length > 0) throw new AbiMismatchError(problems.join('; '));
}
