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

/**
 * Fixed-point LIF (assembly/neurons/lif_i16.ts): int16 membrane and current, shift-based leak,
 * integer threshold, every quantity in LSB of the neuron's 16-bit datapath. Per step:
 *   i = sat16(i - (i >> shiftSyn) + input), v = sat16(sat16(v - (v >> shiftMem) + i) + bias);
 *   spike when v > threshold, then v = reset value (or v - threshold). Equivalent to the float
 *   'lif' with tau = -dt / ln(1 - 2^-shift), beta = gamma = 1. Its projections must carry int16
 *   weights, which are integer LSB (no per-neuron scale); no plasticity, winner-take-all or teacher.
 */
export interface LifI16NeuronSpec {
  model: 'lif-i16';
  /** Membrane leak shift k_m, integer in [0, 15]: v -= v >> k_m (tau_m = -dt / ln(1 - 2^-k_m)). */
  shiftMem: number;
  /** Synaptic-current leak shift k_s, integer in [0, 15]. */
  shiftSyn: number;
  /** Threshold, integer LSB in [1, 32767]. */
  threshold: number;
  /** Reset to an integer value in [-32768, 32767], or subtract the threshold. */
  reset: { mode: 'value'; value: number } | { mode: 'subtract' };
  /** Refractory period, ms (>= 0), rounded to whole steps. */
  refractoryMs: number;
}

export type NeuronSpec = LifNeuronSpec | IzhikevichNeuronSpec | LifCondNeuronSpec | LifEscapeNeuronSpec | LifI16NeuronSpec;

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

/**
 * TESS (Apolinario, Roy & Frenkel 2025): a temporally and spatially local three-factor rule whose
 * learning memory does not grow with the number of time steps. Eligibility is a product of
 * per-neuron traces (no per-synapse state); the learning signal of the target layer is made from
 * its own spikes and the sample's label through a fixed square-wave basis (Runtime.setLabel; the
 * online learner passes each training sample's label). The target must be a 'lif' population.
 * Per step t (docs/model-spec.md has the full step order):
 *   dw_ij = -learningRate L_j [ aPre psi_j xbar_i + aPost pbar_j x_i(t) ], clipped to [wMin, wMax]
 */
export interface TessSpec {
  rule: 'tess';
  /** Classes of the label, integer in [2, 256]; the target size must be >= 2 x classes. */
  classes: number;
  /** Presynaptic trace xbar, ms (> 0): lambda_pre = exp(-dtMs / tauPreMs). */
  tauPreMs: number;
  /** Trace pbar of the postsynaptic pseudo-derivative, ms (> 0). */
  tauPostMs: number;
  /** Weight of the causal term (pre before post), in [-10, 10]. */
  aPre: number;
  /** Weight of the non-causal term (post before pre; negative = depressing), in [-10, 10]. */
  aPost: number;
  /** Step size per time step, in [0, 100]. */
  learningRate: number;
  /** Pseudo-derivative height gamma, in (0, 10] (Bellec et al. 2020 use 0.3). */
  pseudoDerivative: number;
  /** Slope of the hard sigmoid on the layer's class prediction, in (0, 1000]. */
  signalSlope: number;
  wMin: number;
  wMax: number;
  /** 'additive' (clipped) or 'multiplicative' soft bounds (then clipped). */
  bounds: 'additive' | 'multiplicative';
  normalize?: undefined;
}

/**
 * Tempotron (Guetig & Sompolinsky 2006): each neuron of the target 'lif' population decides a
 * sample by firing or not; the population is split into `classes` equal groups and the group of
 * the sample's label should fire, the others stay silent. At the end of a learning sample
 * (Runtime.endSample) every neuron that decided wrongly moves its weights by +-learningRate
 * times each input's PSP-kernel sum at the time of its maximal membrane potential.
 * Threshold and kernel (tauMemMs, tauSynMs, which must differ) are the target neuron's.
 */
export interface TempotronSpec {
  rule: 'tempotron';
  /** Classes of the label, integer in [1, 256]; the target size must be a multiple of it. */
  classes: number;
  /** Update step, in [0, 100]. */
  learningRate: number;
  wMin: number;
  wMax: number;
  normalize?: undefined;
}

/**
 * e-prop (Bellec et al. 2020), online, with random feedback: per-synapse eligibility traces
 * ebar_ij (filtered psi_j zbar_i) and a per-neuron learning signal L_j = sum_k B_kj (y_k - y*_k)
 * from a leaky linear readout y of the target's spikes, learned alongside (its weights live in
 * the rule's state), the one-hot label y* (Runtime.setLabel) and fixed random feedback weights B
 * (Gaussian / sqrt(size), drawn from the spec seed). dW_ij = -learningRate L_j ebar_ij each step.
 * The target must be a 'lif' population. Memory: one f32 per synapse (ebar), per neuron 3 f32.
 */
export interface EpropSpec {
  rule: 'eprop';
  /** Readout outputs = classes of the label, integer in [2, 256]. */
  classes: number;
  /** Presynaptic trace zbar, ms (> 0); the paper uses the target's tauMemMs. */
  tauPreMs: number;
  /** Readout leak and eligibility filter kappa = exp(-dtMs / tauOutMs), ms (> 0). */
  tauOutMs: number;
  /** Step size of the input weights per time step, in [0, 100]. */
  learningRate: number;
  /** Step size of the readout weights per time step, in [0, 100]. */
  readoutLearningRate: number;
  /** Pseudo-derivative height gamma, in (0, 10] (paper: 0.3). */
  pseudoDerivative: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  normalize?: undefined;
}

/**
 * Sign-diverse Hebbian / anti-Hebbian plasticity (Ninou, Kadmon & Cayco-Gajic 2025): each target
 * neuron learns with sign s_j = +1 (Hebbian) or -1 (anti-Hebbian, "rule-flipped"); exactly
 * round(flippedFraction x size) neurons, chosen from the spec seed, are flipped. On a pre spike
 * dw_ij = etaPre s_j y_j, on a post spike dw_ij = etaPost s_j x_i (traces x, y), bounded.
 */
export interface HebbSignedSpec {
  rule: 'hebb-signed';
  tauPreMs: number;
  tauPostMs: number;
  /** >= 0, at most 100. */
  etaPre: number;
  etaPost: number;
  /** Fraction of anti-Hebbian neurons, in [0, 1]. */
  flippedFraction: number;
  wMin: number;
  wMax: number;
  bounds: 'additive' | 'multiplicative';
  pairing: 'all-to-all' | 'nearest';
  normalize?: undefined;
}

/**
 * A bounded discrete-conductance synapse (assembly/plasticity/discrete_conductance.ts): each
 * synapse is a device on one of `levels` conductance levels, w = clip(wMin + g L[n], wMin, wMax),
 * with a nonlinear level table L (saturating, nonlinearity nu), a per-device gain g drawn once
 * (device-to-device variation) and programming pulses of stepUp / stepDown levels. Learning is
 * the spike-driven rule of Querlioz et al. 2013: at a post spike every synapse gets one pulse, up
 * if its presynaptic trace is above traceThreshold, down otherwise (no down pulses when
 * unidirectional). Initial weights are rounded to the nearest level of each device.
 */
export interface DiscreteConductanceSpec {
  rule: 'discrete-conductance';
  /** Conductance levels N, integer in [2, 256]. */
  levels: number;
  /** Device nonlinearity nu, in [0, 10] (0 = equal steps). */
  nonlinearity: number;
  /** Levels per potentiating pulse, integer in [1, 255]. */
  stepUp: number;
  /** Levels per depressing pulse, integer in [0, 255]. */
  stepDown: number;
  /** Only potentiating pulses are applied (phase-change devices with an abrupt RESET). */
  unidirectional: boolean;
  /** Device-to-device variation: g uniform in (1 - deviceVariation, 1], deviceVariation in [0, 1). */
  deviceVariation: number;
  /** Presynaptic trace, ms (> 0). */
  tauPreMs: number;
  /** A trace above this potentiates at a post spike (>= 0). */
  traceThreshold: number;
  wMin: number;
  wMax: number;
  normalize?: undefined;
}

/**
 * Dale's-law exponentiated-gradient learning, supervised (Kivinen & Warmuth 1997; Cornford et al.
 * 2024): each input unit has a fixed sign (round(inhibitoryFraction x nIn) inhibitory, drawn from
 * the spec seed); a synapse stores theta = log|w| and w = s_i clip(exp(theta), wAbsMin, wAbsMax).
 * The target population is split into `classes` groups; while learning, for each input spike
 * theta_ij += learningRate s_i e_j with e_j = targetTrace [group(j) = label] - zbar_j (zbar: the
 * neuron's spike trace, tauPostMs). Magnitudes change multiplicatively; no sign ever changes.
 * Initial weights: the magnitudes of weights.init, with the input's sign.
 */
export interface EgDaleSpec {
  rule: 'eg-dale';
  /** Classes of the label, integer in [1, 256] dividing the target size. */
  classes: number;
  /** Fraction of inhibitory input units, in [0, 1]. */
  inhibitoryFraction: number;
  /** Step of theta, in [0, 100]. */
  learningRate: number;
  /** Target level of the labelled neurons' spike trace, > 0. */
  targetTrace: number;
  /** Spike trace of the target neurons, ms (> 0). */
  tauPostMs: number;
  /** Magnitude bounds: 0 < wAbsMin <= wAbsMax, with ln(wAbsMin) >= -87 and ln(wAbsMax) <= 88. */
  wAbsMin: number;
  wAbsMax: number;
  normalize?: undefined;
}

export type PlasticitySpec = StdpPairSpec | StdpTripletSpec | StdpSymmetricSpec | RStdpSpec | TessSpec | TempotronSpec | EpropSpec | HebbSignedSpec | DiscreteConductanceSpec | EgDaleSpec;

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
  /** Which synapses exist (default dense: every pair). See ConnectivitySpec. */
  connectivity?: ConnectivitySpec;
  /**
   * One transmission delay for every synapse, ms (>= 0), rounded to whole steps (at most 255
   * steps): an event at step t acts on the target as an undelayed one at step t + d would.
   * Not with plasticity. Exclusive with `delays`.
   */
  delayMs?: number;
  /** Per-synapse delays drawn uniformly in whole steps from [round(minMs/dt), round(maxMs/dt)] (dense f32 only). */
  delays?: DelaySpec;
  /** Tsodyks-Markram short-term plasticity of the presynaptic units (dense f32 pre-major or sparse). */
  stp?: StpSpec;
}

// ── Connectivity (host/plan/connectivity.ts) ─────────────────────────────────────────────────

/** Every (pre, post) pair is a synapse: W[nIn][nOut] (the default). */
export interface DenseConnectivity {
  kind: 'dense';
}

/**
 * Random sparse connectivity stored as CSR (rows = presynaptic units). Give exactly one of
 * `fanIn` (every target gets exactly that many distinct sources, integer in [1, nIn]) or
 * `density` (each pair is a synapse with that probability, in (0, 1]). A population projecting
 * to itself never gets self-synapses (fanIn then at most n - 1). The structure is drawn at plan
 * time from `seed` (u32; default derived from the spec seed and the projection index).
 * Learns with plasticity rule 'stdp-pair' (without normalize) on the existing synapses.
 */
export interface SparseConnectivity {
  kind: 'sparse';
  fanIn?: number;
  density?: number;
  seed?: number;
}

/**
 * Event-driven 2D convolution (cross-correlation) from a [channels][height][width] map: the
 * sensor (channels 1, or 2 = OFF, ON with polarity 'split') or a population that is itself the
 * target of a conv2d projection. The target population's size must be
 * channels x H_out x W_out with W_out = floor((W_in + 2 padding - kernel) / stride) + 1.
 * Weights: one shared kernel K[channels][C_in][kernel][kernel] drawn from weights.init.
 */
export interface Conv2dConnectivity {
  kind: 'conv2d';
  /** Square kernel side, integer in [1, 16]. */
  kernel: number;
  /** Integer in [1, 8]. */
  stride: number;
  /** Zero padding on every side, integer in [0, kernel - 1]. */
  padding: number;
  /** Output channels, integer in [1, 256]. */
  channels: number;
}

/**
 * Block-sparse modular (ensemble-to-ensemble) connectivity: the source is split into `blocksIn`
 * equal ensembles, the target into `blocksOut`; `activeBlocks` of the blocksIn x blocksOut
 * ensemble pairs carry a dense block of weights (chosen at plan time from `seed`).
 */
export interface BlockSparseConnectivity {
  kind: 'block-sparse';
  /** Integer >= 1 dividing the source size. */
  blocksIn: number;
  /** Integer >= 1 dividing the target size. */
  blocksOut: number;
  /** Integer in [1, blocksIn x blocksOut]. */
  activeBlocks: number;
  seed?: number;
  /**
   * Dynamic sparse rewiring while learning: every `intervalMs` (rounded to steps, >= 1 step) the
   * floor(fraction x activeBlocks) blocks of smallest L1 magnitude are pruned and as many regrown
   * at random among the inactive blocks, with weights ~ U(-initScale, initScale).
   */
  pruneRegrow?: { intervalMs: number; fraction: number; initScale: number };
}

export type ConnectivitySpec = DenseConnectivity | SparseConnectivity | Conv2dConnectivity | BlockSparseConnectivity;

/** Per-synapse delays, ms (0 <= minMs <= maxMs, maxMs at most 255 steps). */
export interface DelaySpec {
  minMs: number;
  maxMs: number;
}

/**
 * Tsodyks-Markram short-term plasticity (dimensionless u, x; see assembly/synapses/stp.ts): a
 * spike's efficacy is u x; resources x recover with tauRecMs, utilisation u relaxes to U with
 * tauFacMs (0 = no facilitation: pure depression, u = U at every spike).
 */
export interface StpSpec {
  /** Baseline utilisation, in (0, 1]. */
  U: number;
  /** Recovery (depression) time constant, ms, > 0. */
  tauRecMs: number;
  /** Facilitation time constant, ms, >= 0. */
  tauFacMs: number;
}

// ── Readouts and continual-learning controls (docs/model-spec.md, "Readouts") ──────────────

/**
 * CLASSP (Ludwig 2024) on the delta readout's update g = xhat (target - y): per-weight decaying
 * step eta g / D with D = sqrt(eps + G) (power 2, AdaGrad) or eps + G (power 1), G the sum of
 * |g|^power this weight has received; updates with g^2 <= threshold are skipped (sparsity).
 * eta is the readout's learningRate. Runs once per Runtime.readoutLearn.
 */
export interface ClasspSpec {
  /** > 0; an untouched weight learns at eta / sqrt(eps) (power 2) or eta / eps (power 1). */
  eps: number;
  /** >= 0, in units of g^2 (g is dimensionless: normalised features times an error). */
  threshold: number;
  power: 1 | 2;
  /** Weight bounds (wMin < wMax): updates are clipped into them. */
  wMin: number;
  wMax: number;
}

/**
 * Per-neuron gain/threshold "modes" on the readout's source neurons (Stroud et al. 2018): the
 * readout reads u_j = g_j x_j - theta_j instead of the spike count x_j. Gains start at 1,
 * thresholds at 0; Runtime.readoutAdaptModes(label) adapts them with every weight frozen.
 */
export interface ModesSpec {
  /** Step sizes of the gain and threshold updates, >= 0. */
  etaGain: number;
  etaThreshold: number;
  /** Gain range, gainMin < gainMax, containing the initial gain 1. Dimensionless. */
  gainMin: number;
  gainMax: number;
  /** Threshold range in spikes per sample, thresholdMin < thresholdMax, containing 0. */
  thresholdMin: number;
  thresholdMax: number;
}

/**
 * Neural variability: zero-mean noise of standard deviation sigma (spikes per sample) added to
 * the readout's source rates while the readout learns (not when it predicts), from the arena PRNG.
 */
export interface VariabilitySpec {
  /** Standard deviation, > 0, in spikes per sample. */
  sigma: number;
  /** 'uniform' (flat) or 'irwin-hall' (sum of four uniforms, bell-shaped); both variance sigma^2. */
  distribution: 'uniform' | 'irwin-hall';
}

/**
 * Homeostatic learning-rate modulation of the delta readout (plasticity/lr_homeostasis.ts; Pearce
 * & Hall 1980, Nassar et al. 2010): after each Runtime.readoutLearn(label) without an explicit
 * rate, the learner's own mistake (err = 1 wrong, 0 right, judged on the prediction made before
 * the update) drives a fast and a slow running error F and S; the surprise
 * u = max(F - S - 2 sd, 0) raises the rate, which relaxes back to learningRate (eta0):
 *   eta <- clip(eta + k u - rho (eta - eta0), etaMin, etaMax), used from the next sample on.
 * After a surprised mistake (u > 0) the weights are scaled by 1 - phi u (part of the old mapping
 * is forgotten). All quantities are dimensionless; rates are per outcome (per readoutLearn call).
 */
export interface HomeostasisSpec {
  /** Fast running-error rate, 0 < aFast <= 1 (time constant ~1/aFast samples). */
  aFast: number;
  /** Slow running-error rate, 0 < aSlow < aFast. */
  aSlow: number;
  /** Rate increase per unit of surprise, >= 0 (0 = the rate never rises). */
  k: number;
  /** Relaxation towards learningRate per sample, 0 <= rho <= 1. */
  rho: number;
  /** Fraction of the weights dropped per unit of surprise after a surprised mistake, 0 <= phi <= 1 (default 0: no forgetting). */
  phi?: number;
  /** Rate bounds: 0 < etaMin <= learningRate <= etaMax < 2 (defaults: learningRate and max(1, learningRate)). */
  etaMin?: number;
  etaMax?: number;
}

export interface DeltaReadoutSpec {
  /** Population whose per-sample spike counts are the features ('input' = raw event counts). */
  from: string;
  classes: number;
  rule: 'delta';
  /** Normalised-LMS step size, 0 < lr < 2. */
  learningRate: number;
  classp?: ClasspSpec;
  modes?: ModesSpec;
  variability?: VariabilitySpec;
  homeostasis?: HomeostasisSpec;
}

/** Nearest-class-mean prototypes (Mensink et al. 2013): running mean of each class's counts. */
export interface NcmReadoutSpec {
  from: string;
  classes: number;
  rule: 'ncm';
  /** 'l2' (Euclidean distance) or 'cosine' (angle: ignores how many spikes a sample produced). */
  metric: 'l2' | 'cosine';
  /** No step size: a running mean has none. */
  learningRate?: undefined;
}

/**
 * Modern Hopfield associative memory (Ramsauer et al. 2020): each learned sample's counts are
 * stored in one shot in the next slot (the oldest is overwritten when all are used), with its
 * label; a cue retrieves softmax(beta X^T q) and the label of the most similar slot.
 */
export interface HopfieldReadoutSpec {
  from: string;
  classes: number;
  rule: 'hopfield';
  /** Stored patterns, integer 1..65536 (nFeat f32 each). */
  slots: number;
  /** Inverse temperature of the softmax, > 0, per (spike count)^2. */
  beta: number;
  /** No step size: storage is one shot. */
  learningRate?: undefined;
}

/**
 * Error-modulated, attention-gated Hebbian readout (Yamada & Chao 2025; gate after Roelfsema &
 * van Ooyen 2005) of exponentially filtered spike trains: r_i += 1 per spike, decaying with tauMs
 * (and tauSlowMs, a second copy of the features), plus a constant feature 1 when bias is true.
 * dW_ik = learningRate g_k (target_k - y_k) r_i at every Runtime.readoutLearn/readoutLearnGated.
 */
export interface GatedHebbReadoutSpec {
  from: string;
  /** Output units (one per "what" class; add one for a "when" unit). */
  classes: number;
  rule: 'gated-hebb';
  /** Step size eta, > 0 (not normalised: scale it with the feature magnitude). */
  learningRate: number;
  /** Filter time constant, ms, > 0. */
  tauMs: number;
  /** Optional second filter time constant, ms, > 0. */
  tauSlowMs?: number;
  /** Append a constant feature 1. Default true. */
  bias: boolean;
  wMin: number;
  wMax: number;
  /** 'hard' (clip) or 'soft' (multiplicative, then clip) bounds. */
  bounds: 'hard' | 'soft';
}

export type ReadoutSpec = DeltaReadoutSpec | NcmReadoutSpec | HopfieldReadoutSpec | GatedHebbReadoutSpec;
