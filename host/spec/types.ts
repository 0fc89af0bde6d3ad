/**
 * The model spec: a JSON document that declares a network (data only, no code). Validated by
 * `validateSpec` (every error at once, with its JSON path), laid out by `planModel`.
 * Units are in the field names (ms, bytes); membrane quantities are dimensionless (rest 0).
 * The published JSON Schema is `schema/model-spec.schema.json`.
 */

export const SPEC_VERSION = 1 as const;

export interface ModelSpec {
  /** Spec format version; this host reads version 1. */
  version: 1;
  /** Identifier, [a-z0-9-]+. */
  name: string;
  description?: string;
  /** Network time step in milliseconds; events are binned into steps of this length. */
  dtMs: number;
  /** Seed of the arena PRNG (weight initialisation); u32. Default 1. */
  seed?: number;
  /** Arena byte budget: a Plan above it is refused with a BudgetError. */
  budgetBytes?: number;
  input: InputSpec;
  populations: PopulationSpec[];
  projections: ProjectionSpec[];
  readout?: ReadoutSpec;
}

export interface InputSpec {
  /** Sensor width and height in pixels; events outside are counted and dropped. */
  width: number;
  height: number;
  /** 'merge': one input per pixel; 'split': one per pixel and polarity (OFF block first, then ON). */
  polarity: 'merge' | 'split';
  /** Largest number of events delivered in one kernel call (input buffer size). Default 16384. */
  bufferEvents?: number;
  /** Largest number of steps run in one kernel call. Default 512. */
  bufferSteps?: number;
}

export interface LifNeuronSpec {
  model: 'lif';
  /** Membrane time constant, ms, > 0. */
  tauMemMs: number;
  /** Synaptic current time constant, ms, > 0. */
  tauSynMs: number;
  /** Base firing threshold (v > threshold), > 0. */
  threshold: number;
  reset: { mode: 'value'; value: number } | { mode: 'subtract' };
  /** Refractory period, ms, >= 0 (counted from the step whose update crossed). */
  refractoryMs: number;
  /** Adaptive threshold (homeostasis): b decays with tauMs, b += increment per spike. */
  adaptation?: { tauMs: number; increment: number };
}

/**
 * Izhikevich (2003) neuron: v in mV, t in ms; the firing regime is set by a, b, c, d
 * (regular spiking: 0.02, 0.2, -65, 8; fast spiking: 0.1, 0.2, -65, 2; chattering: 0.02, 0.2,
 * -50, 2; intrinsically bursting: 0.02, 0.2, -55, 4; low-threshold: 0.02, 0.25, -65, 2).
 */
export interface IzhikevichNeuronSpec {
  model: 'izhikevich';
  a: number;
  b: number;
  c: number;
  d: number;
  /** Spike cut-off, mV. Default 30. */
  vPeakMv?: number;
  /** Decay of the synaptic input current, ms (> 0). */
  tauSynMs: number;
  /** Rest state after resetState(): v0 (default c) and u0 = b * v0. */
  v0Mv?: number;
  /** 'euler' (Brian2's forward Euler) or 'izhikevich2003' (the paper's two half steps). */
  integration: 'euler' | 'izhikevich2003';
  /** Refractory period, ms (default 0). */
  refractoryMs?: number;
}

/**
 * Conductance-based LIF (Song, Miller & Abbott 2000), v in mV, forward Euler:
 * tau_m dv/dt = g (E_rev - v) + (E_leak - v); input spikes add to the conductance g.
 */
export interface LifCondNeuronSpec {
  model: 'lif-cond';
  tauMemMs: number;
  /** Decay of the conductance, ms (> 0). */
  tauSynMs: number;
  /** Excitatory reversal potential, mV. */
  eRevMv: number;
  /** Leak (rest) potential, mV; the rest state after resetState(). */
  eLeakMv: number;
  /** Firing threshold, mV (v > threshold). */
  thresholdMv: number;
  reset: { mode: 'value'; value: number } | { mode: 'subtract' };
  refractoryMs: number;
  adaptation?: { tauMs: number; increment: number };
  /** Conductance decay per step: 'exact' exp(-dt/tau) (default) or 'euler' 1 - dt/tau (as Brian2's euler). */
  synapseDecay?: 'exact' | 'euler';
}

/**
 * Stochastic LIF with escape noise (Gerstner & Kistler 2002): the LIF membrane of `lif`, but it
 * fires with probability 1 - exp(-dt rho0 exp((v - theta) / deltaU)) per step instead of at a
 * hard threshold. Random numbers come from the arena PRNG (seeded, checkpointed).
 */
export interface LifEscapeNeuronSpec extends Omit<LifNeuronSpec, 'model'> {
  model: 'lif-escape';
  /** Escape rate at threshold, Hz (> 0). */
  escapeRateHz: number;
  /** Width of the soft threshold, in membrane units (> 0). */
  deltaU: number;
}

export type NeuronSpec = LifNeuronSpec | IzhikevichNeuronSpec | LifCondNeuronSpec | LifEscapeNeuronSpec;

export interface WtaSpec {
  /** Winners kept per step (>= 1). */
  k: number;
  /** Subtracted from every other neuron's membrane per winner (>= 0). */
  inhibition: number;
  /** Membranes are not pushed below this. Default: the reset value (or 0). */
  vFloor?: number;
}

export interface TeacherSpec {
  /** Number of classes; the population is split into equal consecutive groups, one per class. */
  classes: number;
  /** Bias current injected into the labelled class's group while learning. */
  current: number;
  /** Bias current subtracted from every other group while learning (>= 0). */
  suppress: number;
}

export interface PopulationSpec {
  /** Unique name, not 'input'. */
  name: string;
  /** Number of neurons, integer >= 1. */
  size: number;
  neuron: NeuronSpec;
  wta?: WtaSpec;
  teacher?: TeacherSpec;
}

export type WeightInit =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'constant'; value: number };

export interface StdpPairSpec {
  rule: 'stdp-pair';
  tauPreMs: number;
  tauPostMs: number;
  /** Potentiation rate: applied on a post spike, times the pre trace. >= 0. */
  etaPlus: number;
  /** Depression rate: applied on a pre spike, times the post trace. >= 0. */
  etaMinus: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  pairing: 'all-to-all' | 'nearest';
  /** Pre-trace offset (Diehl & Cook x_tar). Default 0. */
  xOffset?: number;
  /**
   * Synaptic scaling: after each post spike the neuron's weights are rescaled so that their L1
   * sum (`targetSum`) or their L2 norm (`targetNorm`) is fixed. Give exactly one.
   */
  normalize?: { targetSum: number } | { targetNorm: number };
}

/**
 * Triplet STDP (Pfister & Gerstner 2006): pair terms plus a slow post trace in LTP and a slow pre
 * trace in LTD, so potentiation grows with pairing frequency. Amplitudes >= 0 in weight units.
 */
export interface StdpTripletSpec {
  rule: 'stdp-triplet';
  tauPlusMs: number;
  tauMinusMs: number;
  /** Slow presynaptic trace (LTD triplet term), ms. */
  tauXMs: number;
  /** Slow postsynaptic trace (LTP triplet term), ms. */
  tauYMs: number;
  a2Plus: number;
  a3Plus: number;
  a2Minus: number;
  a3Minus: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  pairing: 'all-to-all' | 'nearest';
  normalize?: { targetSum: number } | { targetNorm: number };
}

/**
 * Symmetric STDP (Hao et al. 2020): potentiation for both spike orders, decaying with |dt|;
 * competition comes from synaptic scaling (`normalize`) and the adaptive threshold, supervision
 * from a population teacher.
 */
export interface StdpSymmetricSpec {
  rule: 'stdp-symmetric';
  tauPreMs: number;
  tauPostMs: number;
  /** Potentiation on a pre spike, times the post trace (>= 0). */
  etaPre: number;
  /** Potentiation on a post spike, times the pre trace (>= 0). */
  etaPost: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  pairing: 'all-to-all' | 'nearest';
  normalize?: { targetSum: number } | { targetNorm: number };
}

/**
 * Reward-modulated STDP (Izhikevich 2007; Florian 2007): pair STDP writes into a per-synapse
 * eligibility trace instead of the weight; a reward delivered later (Runtime.deliverReward)
 * turns what is left of it into a weight change: dw = learningRate * reward * e.
 */
export interface RStdpSpec {
  rule: 'r-stdp';
  tauPreMs: number;
  tauPostMs: number;
  /** Eligibility decay, ms (> 0). */
  tauEligibilityMs: number;
  /** Eligibility increment on a post spike, times the pre trace (>= 0). */
  aPlus: number;
  /** Eligibility decrement on a pre spike, times the post trace (>= 0). */
  aMinus: number;
  /** Step size of the reward-gated update (>= 0). */
  learningRate: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  pairing: 'all-to-all' | 'nearest';
  /** Synaptic scaling is not part of this rule. */
  normalize?: undefined;
}

export type PlasticitySpec = StdpPairSpec | StdpTripletSpec | StdpSymmetricSpec | RStdpSpec;

export interface ProjectionSpec {
  /** Optional name; default `${from}->${to}`. */
  name?: string;
  /** 'input' or a population name. */
  from: string;
  /** A population name. */
  to: string;
  /** f32, or int8/int16 with one f32 scale per target neuron (inference only for now). */
  weights: { dtype: 'f32' | 'int8' | 'int16'; init: WeightInit };
  /** Plasticity (f32 weights; stdp-pair also on int8 weights with stochastic rounding). */
  plasticity?: PlasticitySpec;
  /**
   * Weight layout (f32 only): 'pre-major' (default: rows per input, fast input events and LTD)
   * or 'post-major' (rows per target neuron, fast LTP when targets fire often).
   */
  layout?: 'pre-major' | 'post-major';
}

export interface ReadoutSpec {
  /** Population whose per-sample spike counts are the features ('input' = raw event counts). */
  from: string;
  classes: number;
  rule: 'delta';
  /** Normalised-LMS step size, 0 < lr < 2. */
  learningRate: number;
}
