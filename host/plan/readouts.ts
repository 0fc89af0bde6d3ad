/**
 * The readout part of a Plan: regions and (for the filtered-trace readout) schedule ops of the four
 * readout rules and of the continual-learning controls that attach to the readout. planModel calls
 * planReadout once; the runtime side is host/runtime/readouts.ts.
 *
 * Where each control attaches, and why (see docs/model-spec.md, "Readouts"):
 * - CLASSP (plasticity/classp.ts) suppresses a weight's learning rate by the updates it already
 *   received, for an update of the form g_ij = s a_i m_j (Ludwig 2024 derives it for gradient
 *   steps). In neurite the updates of that form are the readout's: the delta rule's
 *   g = xhat (target - y). The STDP kernels fold their pre and post terms into the weight inside
 *   one pass with no separable g, so CLASSP attaches to the delta readout.
 * - Modes (plasticity/modes.ts) are a per-neuron gain and threshold over frozen weights
 *   (Stroud et al. 2018 modulate each neuron's rate transfer function). A neuron's rate over a
 *   sample is its spike count, which is what the readout reads, so the mode sits between the
 *   source population's counts and the readout: u = g x - theta. Multiplying the spiking
 *   kernels' synaptic current instead would compound the gain every step (the current is a
 *   decaying state, not a per-step drive). The learning signal is the readout's error fed back
 *   through the frozen readout weights, as in the kernel-level test.
 * - Neural variability (plasticity/variability.ts) is noise on those same rates while the readout
 *   learns: training with input noise is Tikhonov regularisation (Bishop 1995), which is the
 *   continual-learning use; inference stays noise-free. (Stochastic spiking itself is the
 *   escape-noise neuron model.)
 * - Homeostatic learning-rate modulation (plasticity/lr_homeostasis.ts) sets the delta rule's
 *   step size from the readout's own mistakes, so it attaches where the mistakes are judged:
 *   after each readoutLearn. Its state (error e/surprise u, fast and slow running error, rate)
 *   is one small 'readout' region, so checkpoints and readoutState carry the current rate.
 * All four run once per sample, driven by the host (Runtime.readoutLearn /
 * readoutAdaptModes), so none needs a schedule op. The gated Hebbian readout reads exponentially
 * filtered spike trains; its filters run every step as existing ops (OP_DECAY then
 * OP_COUNT_SPIKES: r <- alpha r, then r_i += 1 per spike), and its prediction/learning is host-driven
 * per call, because its targets and attention gates change within a sample at times only the task
 * knows.
 */
import type { ReadoutSpec } from '../spec/types.js';
import { CLASSP as CLASSP_SLOTS, ELIG, MODE as MODE_SLOTS, OP, PHASE_ALWAYS } from '../runtime/abi.js';
import type { RegionKind } from './plan.js';

/** State of a nearest-class-mean readout: MU is `weights` [nFeat][nClass]; counts i32 [nClass]. */
export interface NcmLayout {
  readonly counts: number;
  readonly cosine: boolean;
}

/** State of a Hopfield readout: X is `weights` [nFeat][slots]. */
export interface HopfieldLayout {
  readonly slots: number;
  readonly beta: number;
  /** i32 [slots]: the label stored with each slot. */
  readonly labels: number;
  /** i32 [2]: slots in use, next slot to write. */
  readonly meta: number;
  /** f32 [slots]: softmax of the last retrieval (scratch). */
  readonly p: number;
  /** f32 [nFeat]: the pattern the last retrieval returned (scratch). */
  readonly retrieved: number;
}

export interface ClasspLayout {
  /** f32 [nFeat][nClass]: accumulated |g|^power per weight (persistent). */
  readonly acc: number;
  /** CLASSP parameter block. */
  readonly params: number;
  /** f32 [nFeat]: the normalised features of the update (scratch). */
  readonly xhat: number;
}

export interface ModesLayout {
  /** f32 [nFeat] gains and thresholds (persistent). */
  readonly gain: number;
  readonly threshold: number;
  /** MODE parameter block. */
  readonly params: number;
  /** f32 [nFeat]: the error fed back to each source neuron (scratch). */
  readonly signal: number;
}

/** Homeostatic rate state: f32 [4] = e (mistake in, surprise u out), F, S, eta (persistent). */
export interface HomeostasisLayout {
  readonly state: number;
  readonly aFast: number;
  readonly aSlow: number;
  readonly k: number;
  readonly rho: number;
  readonly phi: number;
  readonly etaMin: number;
  readonly etaMax: number;
}
/** Slots of HomeostasisLayout.state. */
export const LRH_SLOT = { ERR: 0, FAST: 1, SLOW: 2, ETA: 3 } as const;

export interface GatedHebbLayout {
  /** Neurons (or input channels) of the source. */
  readonly nSrc: number;
  /** The filtered traces: one block of nSrc f32 per time constant, inside `features`. */
  readonly filters: readonly { readonly offset: number; readonly tauMs: number }[];
  readonly bias: boolean;
  /** f32 [nClass] each, set by the host before a learning call (scratch). */
  readonly target: number;
  readonly gate: number;
  /** ELIG parameter block (eta, bounds). */
  readonly params: number;
}

export interface ReadoutLayout {
  readonly rule: ReadoutSpec['rule'];
  readonly from: string;
  readonly nFeat: number;
  readonly nClass: number;
  /** What the readout reads: spike counts (delta, ncm, hopfield) or filtered traces (gated-hebb). */
  readonly features: number;
  /** W [nFeat][nClass] (delta, gated-hebb), class means (ncm) or stored patterns [nFeat][slots] (hopfield). */
  readonly weights: number;
  readonly scores: number;
  readonly err: number;
  /** Step size (delta, gated-hebb); 0 for the rules that have none (ncm, hopfield). */
  readonly learningRate: number;
  readonly ncm: NcmLayout | null;
  readonly hopfield: HopfieldLayout | null;
  readonly classp: ClasspLayout | null;
  readonly modes: ModesLayout | null;
  readonly variability: { readonly sigma: number; readonly mode: 0 | 1 } | null;
  readonly homeostasis: HomeostasisLayout | null;
  /** f32 [nFeat]: the readout's input when modes or noise transform the features (scratch). */
  readonly input: number | null;
  readonly gated: GatedHebbLayout | null;
}

export interface ReadoutPlanTools {
  alloc(name: string, kind: RegionKind, bytes: number): number;
  f32(offset: number, slot: number, value: number): void;
  i32(offset: number, slot: number, value: number): void;
  readonly dtMs: number;
  /** Neurons (or input channels) of a population name or 'input'. */
  sizeOf(name: string): number;
  /** Per-sample spike-count region of a population name or 'input'. */
  countsOf(name: string): number;
  /** Spike-list descriptor of a population name or 'input'. */
  descOf(name: string): number;
}

/** A schedule op as planModel's op() takes it: [value, isArenaOffset] arguments. */
export interface ReadoutOp {
  readonly code: number;
  readonly phase: number;
  readonly what: string;
  readonly args: readonly [number, boolean][];
}

/** Subnormal flush of the filtered traces (as every trace in the kernels). */
const TRACE_FLOOR = 1e-30;

/** Lays out the readout's regions; returns the ops to append after the spike counts. */
export function planReadout(r: ReadoutSpec, t: ReadoutPlanTools): { layout: ReadoutLayout; ops: ReadoutOp[] } {
  const ops: ReadoutOp[] = [];
  const nClass = r.classes;
  const nSrc = t.sizeOf(r.from);
  const scratch = (name: string, n: number) => t.alloc(`readout.${name}`, 'spikes', n * 4);
  const base = { rule: r.rule, from: r.from, nClass, ncm: null, hopfield: null, classp: null, modes: null, variability: null, homeostasis: null, input: null, gated: null };

  if (r.rule === 'gated-hebb') {
    const taus = [r.tauMs, ...(r.tauSlowMs !== undefined ? [r.tauSlowMs] : [])];
    const nFeat = taus.length * nSrc + (r.bias ? 1 : 0);
    const features = t.alloc('readout.filtered', 'features', nFeat * 4);
    const consts = t.alloc('readout.filterParams', 'params', 4 * 4); // alpha per filter, then the floor
    taus.forEach((tau, k) => t.f32(consts, k, Math.exp(-t.dtMs / tau)));
    t.f32(consts, 3, TRACE_FLOOR);
    const params = t.alloc('readout.eligParams', 'params', ELIG.PARAM_SLOTS * 4);
    t.f32(params, ELIG.ETA, r.learningRate);
    t.f32(params, ELIG.W_MIN, r.wMin);
    t.f32(params, ELIG.W_MAX, r.wMax);
    t.i32(params, ELIG.BOUNDS, r.bounds === 'soft' ? 1 : 0);
    const filters = taus.map((tauMs, k) => ({ offset: features + k * nSrc * 4, tauMs }));
    for (const [k, f] of filters.entries()) {
      ops.push({ code: OP.DECAY, phase: PHASE_ALWAYS, what: `${r.from}: readout filter decay (tau ${f.tauMs} ms)`, args: [[f.offset, true], [nSrc, false], [consts + k * 4, true], [consts + 12, true]] });
      ops.push({ code: OP.COUNT_SPIKES, phase: PHASE_ALWAYS, what: `${r.from}: readout filter spikes (tau ${f.tauMs} ms)`, args: [[f.offset, true], [nSrc, false], [t.descOf(r.from), true]] });
    }
    const layout: ReadoutLayout = {
      ...base,
      nFeat,
      features,
      weights: t.alloc('readout.weights', 'readout', nFeat * nClass * 4),
      scores: scratch('scores', nClass),
      err: scratch('err', nClass),
      learningRate: r.learningRate,
      gated: { nSrc, filters, bias: r.bias, target: scratch('target', nClass), gate: scratch('gate', nClass), params },
    };
    return { layout, ops };
  }

  const nFeat = nSrc;
  const features = t.countsOf(r.from);
  if (r.rule === 'ncm') {
    const layout: ReadoutLayout = {
      ...base,
      nFeat,
      features,
      weights: t.alloc('readout.means', 'readout', nFeat * nClass * 4),
      scores: scratch('scores', nClass),
      err: scratch('err', nClass),
      learningRate: 0,
      ncm: { counts: t.alloc('readout.classCounts', 'readout', nClass * 4), cosine: r.metric === 'cosine' },
    };
    return { layout, ops };
  }
  if (r.rule === 'hopfield') {
    const layout: ReadoutLayout = {
      ...base,
      nFeat,
      features,
      weights: t.alloc('readout.patterns', 'readout', nFeat * r.slots * 4),
      scores: scratch('scores', nClass),
      err: scratch('err', nClass),
      learningRate: 0,
      hopfield: {
        slots: r.slots,
        beta: r.beta,
        labels: t.alloc('readout.slotLabels', 'readout', r.slots * 4),
        meta: t.alloc('readout.slotsUsed', 'readout', 8),
        p: scratch('softmax', r.slots),
        retrieved: scratch('retrieved', nFeat),
      },
    };
    return { layout, ops };
  }

  // Delta rule, with its optional controls.
  const weights = t.alloc('readout.weights', 'readout', nFeat * nClass * 4);
  let classp: ClasspLayout | null = null;
  if (r.classp) {
    const params = t.alloc('readout.classpParams', 'params', CLASSP_SLOTS.PARAM_SLOTS * 4);
    t.f32(params, CLASSP_SLOTS.ETA, r.learningRate);
    t.f32(params, CLASSP_SLOTS.EPS, r.classp.eps);
    t.f32(params, CLASSP_SLOTS.THRESHOLD, r.classp.threshold);
    t.i32(params, CLASSP_SLOTS.POWER, r.classp.power);
    t.f32(params, CLASSP_SLOTS.W_MIN, r.classp.wMin);
    t.f32(params, CLASSP_SLOTS.W_MAX, r.classp.wMax);
    classp = { acc: t.alloc('readout.classpAcc', 'readout', nFeat * nClass * 4), params, xhat: scratch('xhat', nFeat) };
  }
  let modes: ModesLayout | null = null;
  if (r.modes) {
    const params = t.alloc('readout.modeParams', 'params', MODE_SLOTS.PARAM_SLOTS * 4);
    t.f32(params, MODE_SLOTS.ETA_GAIN, r.modes.etaGain);
    t.f32(params, MODE_SLOTS.ETA_THR, r.modes.etaThreshold);
    t.f32(params, MODE_SLOTS.GAIN_MIN, r.modes.gainMin);
    t.f32(params, MODE_SLOTS.GAIN_MAX, r.modes.gainMax);
    t.f32(params, MODE_SLOTS.THR_MIN, r.modes.thresholdMin);
    t.f32(params, MODE_SLOTS.THR_MAX, r.modes.thresholdMax);
    const gain = t.alloc('readout.modeGain', 'readout', nFeat * 4);
    for (let j = 0; j < nFeat; j++) t.f32(gain, j, 1);
    modes = { gain, threshold: t.alloc('readout.modeThreshold', 'readout', nFeat * 4), params, signal: scratch('modeSignal', nFeat) };
  }
  const variability = r.variability ? { sigma: r.variability.sigma, mode: (r.variability.distribution === 'irwin-hall' ? 1 : 0) as 0 | 1 } : null;
  let homeostasis: HomeostasisLayout | null = null;
  if (r.homeostasis) {
    const h = r.homeostasis;
    const state = t.alloc('readout.rateState', 'readout', 4 * 4);
    t.f32(state, LRH_SLOT.ETA, r.learningRate); // the rate starts at rest (eta0 = learningRate)
    homeostasis = { state, aFast: h.aFast, aSlow: h.aSlow, k: h.k, rho: h.rho, phi: h.phi ?? 0, etaMin: h.etaMin ?? r.learningRate, etaMax: h.etaMax ?? Math.max(1, r.learningRate) };
  }
  const layout: ReadoutLayout = {
    ...base,
    nFeat,
    features,
    weights,
    scores: scratch('scores', nClass),
    err: scratch('err', nClass),
    learningRate: r.learningRate,
    classp,
    modes,
    variability,
    homeostasis,
    input: modes || variability ? scratch('input', nFeat) : null,
  };
  return { layout, ops };
}
