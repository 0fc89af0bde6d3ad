/**
 * spec -> Plan: the arena layout in bytes, the precomputed kernel constants and the step
 * schedule. Pure (no wasm, no I/O): the same spec always gives the same Plan.
 *
 * Offsets are relative to the arena start; the runtime places the arena at or above the kernel
 * module's __heap_base and adds that base when it writes the schedule. Every region is 16-byte
 * aligned so SIMD loads never straddle a region boundary.
 */
import { BudgetError } from '../errors.js';
import type { LifNeuronSpec, ModelSpec, PopulationSpec, ProjectionSpec } from '../spec/types.js';
import {
  ABI_VERSION, COND, COUNTER_COUNT, ELIG, ESC, IZH, LIF, OP, OP_WORDS, PHASE_ALWAYS, PHASE_LEARN, STATE, STDP, SYMSTDP, TRIPLET, WTA,
} from '../runtime/abi.js';
import { planReadout, type ReadoutLayout } from './readouts.js';
import { conv2dShapes, connectivityOps, needsConnectivity, planConnectivity, type ConnectivityLayout } from './connectivity.js';
import { lifI16InputBytes, lifTarget, planDcond, planEgDale, planEprop, planHebbSigned, planLifI16Params, planTempotron, planTess, ruleOps, type RuleState, type RulePlanTools } from './rules.js';

export type RegionKind =
  | 'params'
  | 'neuronState'
  | 'weights'
  | 'traces'
  | 'input'
  | 'spikes'
  | 'features'
  | 'readout'
  | 'counters'
  | 'prng'
  | 'clock'
  | 'program';

export const REGION_KINDS: readonly RegionKind[] = [
  'params', 'neuronState', 'weights', 'traces', 'input', 'spikes', 'features', 'readout',
  'counters', 'prng', 'clock', 'program',
];

/** Learned or evolving state that checkpoints carry. */
export const PERSISTENT_KINDS: ReadonlySet<RegionKind> = new Set<RegionKind>([
  'neuronState', 'weights', 'traces', 'readout', 'prng', 'clock',
]);

export interface Region {
  readonly name: string;
  readonly kind: RegionKind;
  readonly offset: number;
  readonly bytes: number;
}

export interface PopulationLayout {
  readonly name: string;
  readonly size: number;
  readonly nPad: number;
  readonly state: number;
  readonly params: number;
  readonly wtaParams: number | null;
  readonly spikeBuf: number;
  readonly margins: number;
  readonly desc: number;
  readonly counts: number;
  readonly teacher: PopulationSpec['teacher'] | null;
  /** Schedule opcode of the neuron model's integrate-and-threshold step. */
  readonly stepOp: number;
  /** Rest state written by Runtime.resetState(): v, and b (null = keep b: it is learned). */
  readonly rest: { readonly v: number; readonly b: number | null };
}

export interface ProjectionLayout {
  readonly name: string;
  readonly index: number;
  readonly from: string;
  readonly to: string;
  readonly nIn: number;
  readonly nOut: number;
  readonly dtype: 'f32' | 'int8' | 'int16';
  readonly weights: number;
  readonly weightBytes: number;
  readonly scale: number | null;
  readonly acc: number | null;
  readonly preTrace: number | null;
  readonly postTrace: number | null;
  readonly stdpParams: number | null;
  readonly normTarget: number | null;
  readonly normL2: boolean;
  /** int8 learning: the fixed weight step s (w = s q), from the plasticity bounds; else null. */
  readonly qStep: number | null;
  /** 'pre-major' W[nIn][nOut] or 'post-major' WT[nOut][nIn]. */
  readonly layout: 'pre-major' | 'post-major';
  /** The plasticity rule (null = static weights); stdpParams holds that rule's parameter block. */
  readonly rule: NonNullable<ProjectionSpec['plasticity']>['rule'] | null;
  /** r-stdp: the per-synapse eligibility [nIn][nOut] f32 and the ELIG parameter block. */
  readonly eligibility: number | null;
  readonly eligParams: number | null;
  /** Traces beyond preTrace/postTrace (the triplet rule's slow r2 [nIn] and o2 [nOut]). */
  readonly extraTraces: readonly { readonly offset: number; readonly n: number }[];
  /** Rules of the rule ops 50-64 (tess, tempotron): their regions (host/plan/rules.ts). */
  readonly ruleState: RuleState | null;
  /** Sparse / conv2d / block-sparse storage, delays and STP (host/plan/connectivity.ts); null = plain dense. */
  readonly connectivity: ConnectivityLayout | null;
}

export interface InputLayout {
  readonly size: number;
  readonly desc: number;
  readonly offsets: number;
  readonly indices: number;
  readonly maxEvents: number;
  readonly maxSteps: number;
  readonly counts: number | null;
}

export type { ReadoutLayout } from './readouts.js';

/** One schedule op; `addr[k]` marks args that are arena offsets (the runtime adds the base). */
export interface PlannedOp {
  readonly code: number;
  readonly phase: number;
  readonly args: readonly number[];
  readonly addr: readonly boolean[];
  readonly what: string;
}

/** A constant the runtime writes once into a parameter block. */
export interface ParamWrite {
  readonly offset: number;
  readonly type: 'f32' | 'i32';
  readonly value: number;
}

export interface Plan {
  readonly spec: ModelSpec;
  readonly abiVersion: number;
  readonly arenaBytes: number;
  readonly regions: readonly Region[];
  readonly bytesByKind: Readonly<Record<RegionKind, number>>;
  readonly input: InputLayout;
  readonly populations: readonly PopulationLayout[];
  readonly projections: readonly ProjectionLayout[];
  readonly readout: ReadoutLayout | null;
  readonly counters: number;
  readonly prng: number;
  readonly clock: number;
  readonly program: number;
  readonly ops: readonly PlannedOp[];
  readonly paramWrites: readonly ParamWrite[];
  readonly dtUs: number;
}

export interface PlanOptions {
  /** Overrides spec.budgetBytes. */
  budgetBytes?: number;
}

const ALIGN = 16;
const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** LIF constants for exact integration over dt (see assembly/neurons/lif.ts). */
export function lifConstants(n: LifNeuronSpec, dtMs: number): {
  alphaM: number; alphaS: number; beta: number; gamma: number; refracHold: number; alphaB: number; dTheta: number;
} {
  const alphaM = Math.exp(-dtMs / n.tauMemMs);
  const alphaS = Math.exp(-dtMs / n.tauSynMs);
  const beta = Math.abs(n.tauSynMs - n.tauMemMs) < 1e-9 * n.tauMemMs
    ? (dtMs / n.tauMemMs) * alphaM
    : (n.tauSynMs / (n.tauSynMs - n.tauMemMs)) * (alphaS - alphaM);
  return {
    alphaM,
    alphaS,
    beta,
    gamma: 1 - alphaM,
    refracHold: Math.max(Math.round(n.refractoryMs / dtMs) - 1, 0),
    alphaB: n.adaptation ? Math.exp(-dtMs / n.adaptation.tauMs) : 1,
    dTheta: n.adaptation ? n.adaptation.increment : 0,
  };
}

export function inputSize(spec: ModelSpec): number {
  return spec.input.width * spec.input.height * (spec.input.polarity === 'split' ? 2 : 1);
}

export function projectionName(p: ProjectionSpec): string {
  return p.name ?? `${p.from}->${p.to}`;
}

export function planModel(spec: ModelSpec, opts: PlanOptions = {}): Plan {
  const regions: Region[] = [];
  let cursor = 0;
  const alloc = (name: string, kind: RegionKind, bytes: number): number => {
    const offset = cursor;
    const size = align(Math.max(bytes, 1));
    regions.push({ name, kind, offset, bytes: size });
    cursor += size;
    return offset;
  };
  const paramWrites: ParamWrite[] = [];
  const f32 = (offset: number, slot: number, value: number) => paramWrites.push({ offset: offset + slot * 4, type: 'f32', value });
  const i32 = (offset: number, slot: number, value: number) => paramWrites.push({ offset: offset + slot * 4, type: 'i32', value });
  const ruleTools: RulePlanTools = { alloc, f32, i32, dtMs: spec.dtMs };

  const dt = spec.dtMs;
  const nInput = inputSize(spec);
  const maxEvents = spec.input.bufferEvents ?? 16384;
  const maxSteps = spec.input.bufferSteps ?? 512;

  // Populations.
  const populations: PopulationLayout[] = spec.populations.map((p) => {
    const nPad = pad4(p.size);
    const params = alloc(`${p.name}.neuronParams`, 'params', LIF.PARAM_SLOTS * 4);
    const nrn = p.neuron;
    let stepOp: number;
    let rest: { v: number; b: number | null };
    let resetValue: number;
    if (nrn.model === 'lif' || nrn.model === 'lif-escape') {
      const c = lifConstants({ ...nrn, model: 'lif' }, dt);
      resetValue = nrn.reset.mode === 'value' ? nrn.reset.value : 0;
      f32(params, LIF.ALPHA_M, c.alphaM);
      f32(params, LIF.ALPHA_S, c.alphaS);
      f32(params, LIF.BETA, c.beta);
      f32(params, LIF.GAMMA, c.gamma);
      f32(params, LIF.V_TH, nrn.threshold);
      f32(params, LIF.V_RESET, resetValue);
      i32(params, LIF.RESET_MODE, nrn.reset.mode === 'subtract' ? 1 : 0);
      i32(params, LIF.REFRAC_HOLD, c.refracHold);
      f32(params, LIF.ALPHA_B, c.alphaB);
      f32(params, LIF.D_THETA, c.dTheta);
      stepOp = OP.LIF;
      if (nrn.model === 'lif-escape') {
        f32(params, ESC.INV_DELTA_U, 1 / nrn.deltaU);
        f32(params, ESC.DT_RHO0, (dt * nrn.escapeRateHz) / 1000);
        stepOp = OP.ESCAPE;
      }
      rest = { v: 0, b: null };
    } else if (nrn.model === 'lif-cond') {
      resetValue = nrn.reset.mode === 'value' ? nrn.reset.value : 0;
      f32(params, LIF.ALPHA_S, nrn.synapseDecay === 'euler' ? 1 - dt / nrn.tauSynMs : Math.exp(-dt / nrn.tauSynMs));
      f32(params, LIF.V_TH, nrn.thresholdMv);
      f32(params, LIF.V_RESET, resetValue);
      i32(params, LIF.RESET_MODE, nrn.reset.mode === 'subtract' ? 1 : 0);
      i32(params, LIF.REFRAC_HOLD, Math.max(Math.round(nrn.refractoryMs / dt) - 1, 0));
      f32(params, LIF.ALPHA_B, nrn.adaptation ? Math.exp(-dt / nrn.adaptation.tauMs) : 1);
      f32(params, LIF.D_THETA, nrn.adaptation ? nrn.adaptation.increment : 0);
      f32(params, COND.K, dt / nrn.tauMemMs);
      f32(params, COND.E_REV, nrn.eRevMv);
      f32(params, COND.E_LEAK, nrn.eLeakMv);
      stepOp = OP.LIF_COND;
      rest = { v: nrn.eLeakMv, b: null };
    } else if (nrn.model === 'lif-i16') {
      // Integer parameters; the int16 state block fits in the f32 one, which resetState zeroes.
      planLifI16Params(ruleTools, params, nrn);
      resetValue = nrn.reset.mode === 'value' ? nrn.reset.value : 0;
      stepOp = OP.LIF_I16;
      rest = { v: 0, b: null };
    } else {
      // Izhikevich: u lives in the b array, d in D_THETA, so the generic reset applies v = c, u += d.
      resetValue = nrn.c;
      f32(params, LIF.ALPHA_S, Math.exp(-dt / nrn.tauSynMs));
      f32(params, LIF.V_TH, nrn.vPeakMv ?? 30);
      f32(params, LIF.V_RESET, nrn.c);
      i32(params, LIF.RESET_MODE, 0);
      i32(params, LIF.REFRAC_HOLD, Math.max(Math.round((nrn.refractoryMs ?? 0) / dt) - 1, 0));
      f32(params, LIF.ALPHA_B, 1);
      f32(params, LIF.D_THETA, nrn.d);
      f32(params, IZH.A, nrn.a);
      f32(params, IZH.B, nrn.b);
      f32(params, IZH.DT, dt);
      i32(params, IZH.SCHEME, nrn.integration === 'izhikevich2003' ? 1 : 0);
      stepOp = OP.IZH;
      const v0 = nrn.v0Mv ?? nrn.c;
      rest = { v: v0, b: nrn.b * v0 };
    }
    let wtaParams: number | null = null;
    if (p.wta) {
      wtaParams = alloc(`${p.name}.wtaParams`, 'params', WTA.PARAM_SLOTS * 4);
      i32(wtaParams, WTA.K, p.wta.k);
      f32(wtaParams, WTA.INHIBITION, p.wta.inhibition);
      f32(wtaParams, WTA.V_FLOOR, p.wta.vFloor ?? resetValue);
    }
    const state = alloc(`${p.name}.state`, 'neuronState', STATE.ARRAYS * nPad * 4);
    const spikeBuf = alloc(`${p.name}.spikes`, 'spikes', nPad * 4);
    // For the fixed-point LIF this region is its i32 input accumulator (pad8(n) entries): neuron
    // state, since input accumulated in one step acts in the next (checkpoints carry it).
    const margins = nrn.model === 'lif-i16'
      ? alloc(`${p.name}.input`, 'neuronState', lifI16InputBytes(p.size))
      : alloc(`${p.name}.margins`, 'spikes', nPad * 4);
    const desc = alloc(`${p.name}.desc`, 'spikes', 8);
    const counts = alloc(`${p.name}.counts`, 'features', nPad * 4);
    return { name: p.name, size: p.size, nPad, state, params, wtaParams, spikeBuf, margins, desc, counts, teacher: p.teacher ?? null, stepOp, rest };
  });
  const popByName = new Map(populations.map((p) => [p.name, p]));
  const sizeOf = (name: string): number => (name === 'input' ? nInput : popByName.get(name)!.size);

  // Input buffer.
  const inputDesc = alloc('input.desc', 'input', 8);
  const inputOffsets = alloc('input.stepOffsets', 'input', (maxSteps + 1) * 4);
  const inputIndices = alloc('input.indices', 'input', maxEvents * 4);
  const inputCounts = spec.readout?.from === 'input' && spec.readout.rule !== 'gated-hebb' ? alloc('input.counts', 'features', pad4(nInput) * 4) : null;

  // Projections.
  const convShapes = conv2dShapes(spec).shapes;
  const projections: ProjectionLayout[] = spec.projections.map((pr, index) => {
    const name = projectionName(pr);
    const nIn = sizeOf(pr.from);
    const nOut = sizeOf(pr.to);
    const dtype = pr.weights.dtype;
    const quantized = dtype !== 'f32';
    // Sparse, conv2d, block-sparse, delayed and STP projections lay out their own storage.
    const conn = needsConnectivity(pr)
      ? planConnectivity({ spec, index, name, nIn, nOut, maxList: pr.from === 'input' ? maxEvents : sizeOf(pr.from), alloc, f32, i32 }, convShapes)
      : null;
    const weightBytes = conn ? conn.valueCount * 4 : nIn * nOut * (dtype === 'int8' ? 1 : dtype === 'int16' ? 2 : 4);
    const weights = conn ? conn.values : alloc(`${name}.weights`, 'weights', weightBytes);
    const scale = quantized ? alloc(`${name}.scale`, 'weights', nOut * 4) : null;
    // Per-step accumulators: i16 for int8 weights, i32 for int16 weights.
    const acc = quantized ? alloc(`${name}.acc`, 'spikes', pad4(nOut) * (dtype === 'int8' ? 2 : 4)) : null;
    let preTrace: number | null = null;
    let postTrace: number | null = null;
    let stdpParams: number | null = null;
    let normTarget: number | null = null;
    let normL2 = false;
    let qStep: number | null = null;
    // Into a fixed-point LIF, int16 weights are integer LSB of its datapath: a fixed step of 1.
    if (dtype === 'int16' && spec.populations.find((p) => p.name === pr.to)?.neuron.model === 'lif-i16') qStep = 1;
    const extraTraces: { offset: number; n: number }[] = [];
    let eligibility: number | null = null;
    let eligParams: number | null = null;
    let ruleState: RuleState | null = null;
    const pl = pr.plasticity;
    if (pl && pl.rule === 'tess') {
      ruleState = planTess(ruleTools, name, pl, nIn, nOut);
    } else if (pl && pl.rule === 'eg-dale') {
      ruleState = planEgDale(ruleTools, name, pl, nIn, nOut, ((spec.seed ?? 1) + Math.imul(0x3c6ef372, index + 1)) >>> 0);
    } else if (pl && pl.rule === 'discrete-conductance') {
      ruleState = planDcond(ruleTools, name, pl, nIn, nOut, ((spec.seed ?? 1) + Math.imul(0x7f4a7c15, index + 1)) >>> 0);
    } else if (pl && pl.rule === 'hebb-signed') {
      ruleState = planHebbSigned(ruleTools, name, pl, nIn, nOut, ((spec.seed ?? 1) + Math.imul(0x2545f491, index + 1)) >>> 0);
    } else if (pl && pl.rule === 'eprop') {
      ruleState = planEprop(ruleTools, name, pl, nIn, nOut, ((spec.seed ?? 1) + Math.imul(0x51ed27, index + 1)) >>> 0);
    } else if (pl && pl.rule === 'tempotron') {
      ruleState = planTempotron(ruleTools, name, pl, lifTarget(spec.populations.find((p) => p.name === pr.to)!), nIn, nOut);
    } else if (pl && pl.rule === 'r-stdp') {
      // The pair-STDP block carries A+/A-, trace impulses, mode and decays; ELIG the rest.
      stdpParams = alloc(`${name}.stdpParams`, 'params', STDP.PARAM_SLOTS * 4);
      f32(stdpParams, STDP.ETA_PLUS, pl.aPlus);
      f32(stdpParams, STDP.ETA_MINUS, pl.aMinus);
      f32(stdpParams, STDP.ALPHA_PRE, Math.exp(-dt / pl.tauPreMs));
      f32(stdpParams, STDP.ALPHA_POST, Math.exp(-dt / pl.tauPostMs));
      f32(stdpParams, STDP.IMPULSE_PRE, 1);
      f32(stdpParams, STDP.IMPULSE_POST, 1);
      i32(stdpParams, STDP.TRACE_MODE, pl.pairing === 'nearest' ? 1 : 0);
      f32(stdpParams, STDP.TRACE_FLOOR, 1e-30);
      eligParams = alloc(`${name}.eligParams`, 'params', ELIG.PARAM_SLOTS * 4);
      f32(eligParams, ELIG.ALPHA, Math.exp(-dt / pl.tauEligibilityMs));
      f32(eligParams, ELIG.FLOOR, 1e-30);
      f32(eligParams, ELIG.ETA, pl.learningRate);
      f32(eligParams, ELIG.W_MIN, pl.wMin);
      f32(eligParams, ELIG.W_MAX, pl.wMax);
      i32(eligParams, ELIG.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
      eligibility = alloc(`${name}.eligibility`, 'traces', nIn * nOut * 4);
    } else if (pl && pl.rule === 'stdp-pair') {
      stdpParams = alloc(`${name}.stdpParams`, 'params', STDP.PARAM_SLOTS * 4);
      f32(stdpParams, STDP.ETA_PLUS, pl.etaPlus);
      f32(stdpParams, STDP.ETA_MINUS, pl.etaMinus);
      f32(stdpParams, STDP.W_MIN, pl.wMin);
      f32(stdpParams, STDP.W_MAX, pl.wMax);
      i32(stdpParams, STDP.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
      f32(stdpParams, STDP.X_OFFSET, pl.xOffset ?? 0);
      f32(stdpParams, STDP.ALPHA_PRE, Math.exp(-dt / pl.tauPreMs));
      f32(stdpParams, STDP.ALPHA_POST, Math.exp(-dt / pl.tauPostMs));
      f32(stdpParams, STDP.IMPULSE_PRE, 1);
      f32(stdpParams, STDP.IMPULSE_POST, 1);
      i32(stdpParams, STDP.TRACE_MODE, pl.pairing === 'nearest' ? 1 : 0);
      f32(stdpParams, STDP.TRACE_FLOOR, 1e-30);
      if (dtype === 'int8') {
        qStep = Math.max(Math.abs(pl.wMin), Math.abs(pl.wMax)) / 127;
        f32(stdpParams, STDP.Q_STEP, qStep);
      }
    } else if (pl && pl.rule === 'stdp-triplet') {
      stdpParams = alloc(`${name}.tripletParams`, 'params', TRIPLET.PARAM_SLOTS * 4);
      f32(stdpParams, TRIPLET.A2_PLUS, pl.a2Plus);
      f32(stdpParams, TRIPLET.A3_PLUS, pl.a3Plus);
      f32(stdpParams, TRIPLET.A2_MINUS, pl.a2Minus);
      f32(stdpParams, TRIPLET.A3_MINUS, pl.a3Minus);
      f32(stdpParams, TRIPLET.W_MIN, pl.wMin);
      f32(stdpParams, TRIPLET.W_MAX, pl.wMax);
      i32(stdpParams, TRIPLET.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
      i32(stdpParams, TRIPLET.TRACE_MODE, pl.pairing === 'nearest' ? 1 : 0);
      f32(stdpParams, TRIPLET.ALPHA_R1, Math.exp(-dt / pl.tauPlusMs));
      f32(stdpParams, TRIPLET.ALPHA_R2, Math.exp(-dt / pl.tauXMs));
      f32(stdpParams, TRIPLET.ALPHA_O1, Math.exp(-dt / pl.tauMinusMs));
      f32(stdpParams, TRIPLET.ALPHA_O2, Math.exp(-dt / pl.tauYMs));
      f32(stdpParams, TRIPLET.TRACE_FLOOR, 1e-30);
    } else if (pl && pl.rule === 'stdp-symmetric') {
      stdpParams = alloc(`${name}.symStdpParams`, 'params', SYMSTDP.PARAM_SLOTS * 4);
      f32(stdpParams, SYMSTDP.ETA_PRE, pl.etaPre);
      f32(stdpParams, SYMSTDP.ETA_POST, pl.etaPost);
      f32(stdpParams, SYMSTDP.W_MIN, pl.wMin);
      f32(stdpParams, SYMSTDP.W_MAX, pl.wMax);
      i32(stdpParams, SYMSTDP.BOUNDS, pl.bounds === 'multiplicative' ? 1 : 0);
      f32(stdpParams, SYMSTDP.IMPULSE_PRE, 1);
      f32(stdpParams, SYMSTDP.IMPULSE_POST, 1);
      i32(stdpParams, SYMSTDP.TRACE_MODE, pl.pairing === 'nearest' ? 1 : 0);
      f32(stdpParams, SYMSTDP.ALPHA_PRE, Math.exp(-dt / pl.tauPreMs));
      f32(stdpParams, SYMSTDP.ALPHA_POST, Math.exp(-dt / pl.tauPostMs));
      f32(stdpParams, SYMSTDP.TRACE_FLOOR, 1e-30);
    }
    if (pl && ruleState === null) {
      preTrace = alloc(`${name}.preTrace`, 'traces', pad4(nIn) * 4);
      postTrace = alloc(`${name}.postTrace`, 'traces', pad4(nOut) * 4);
      if (pl.rule === 'stdp-triplet') {
        extraTraces.push({ offset: alloc(`${name}.preTraceSlow`, 'traces', pad4(nIn) * 4), n: nIn });
        extraTraces.push({ offset: alloc(`${name}.postTraceSlow`, 'traces', pad4(nOut) * 4), n: nOut });
      }
      if ('normalize' in pl && pl.normalize) {
        normTarget = alloc(`${name}.normTarget`, 'params', 4);
        const n = pl.normalize;
        paramWrites.push({ offset: normTarget, type: 'f32', value: 'targetSum' in n ? n.targetSum : n.targetNorm });
        normL2 = 'targetNorm' in n;
      }
    }
    return { name, index, from: pr.from, to: pr.to, nIn, nOut, dtype, weights, weightBytes, scale, acc, preTrace, postTrace, stdpParams, normTarget, normL2, qStep, layout: pr.layout ?? 'pre-major', rule: pl?.rule ?? null, extraTraces, eligibility, eligParams, ruleState, connectivity: conn };
  });

  // Readout (host/plan/readouts.ts).
  const readoutPlan = spec.readout
    ? planReadout(spec.readout, { alloc, f32, i32, dtMs: dt, sizeOf, countsOf: (n) => (n === 'input' ? inputCounts! : popByName.get(n)!.counts), descOf: (n) => (n === 'input' ? inputDesc : popByName.get(n)!.desc) })
    : null;
  const readout: ReadoutLayout | null = readoutPlan?.layout ?? null;

  const counters = alloc('counters', 'counters', COUNTER_COUNT * 8);
  const prng = alloc('prng', 'prng', 16);
  const clock = alloc('clock', 'clock', 8);

  // Schedule (Brian2 order: neurons integrate and threshold -> synapses -> resets).
  const ops: PlannedOp[] = [];
  const op = (code: number, phase: number, what: string, ...args: [number, boolean][]) =>
    ops.push({ code, phase, what, args: args.map((a) => a[0]), addr: args.map((a) => a[1]) });
  const A = (v: number): [number, boolean] => [v, true];
  const N = (v: number): [number, boolean] => [v, false];
  const descOf = (name: string): number => (name === 'input' ? inputDesc : popByName.get(name)!.desc);

  op(OP.INPUT, PHASE_ALWAYS, 'input', A(inputDesc), A(inputOffsets), A(inputIndices));
  for (const p of populations) {
    op(p.stepOp, PHASE_ALWAYS, `${p.name}: integrate and threshold`, N(p.size), A(p.state), A(p.params), A(p.desc), A(p.spikeBuf), A(p.margins), A(prng));
    if (p.wtaParams !== null) {
      op(OP.WTA, PHASE_ALWAYS, `${p.name}: winner-take-all`, N(p.size), A(p.state), A(p.desc), A(p.margins), A(p.wtaParams));
    }
  }
  for (const pr of projections) {
    const target = popByName.get(pr.to)!;
    const targetI = target.state + STATE.I * target.nPad * 4;
    const postMajor = pr.layout === 'post-major';
    if (pr.connectivity !== null) {
      connectivityOps(pr.name, pr.nIn, pr.nOut, pr.connectivity, descOf(pr.from), targetI, prng, op);
    } else if (postMajor) {
      op(OP.DENSE_GATHER_F32, PHASE_ALWAYS, `${pr.name}: synaptic input (post-major gather)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(targetI));
    } else if (pr.dtype === 'f32') {
      op(OP.DENSE_F32, PHASE_ALWAYS, `${pr.name}: synaptic input`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(targetI));
    } else if (pr.dtype === 'int8') {
      op(OP.DENSE_I8, PHASE_ALWAYS, `${pr.name}: synaptic input (int8)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.acc!));
      op(OP.FLUSH_I8, PHASE_ALWAYS, `${pr.name}: dequantise`, A(pr.acc!), A(pr.scale!), N(pr.nOut), A(targetI));
    } else {
      if (target.stepOp === OP.LIF_I16) {
        // Integer weights straight into the fixed-point neuron's i32 input (no dequantisation).
        op(OP.DENSE_I16, PHASE_ALWAYS, `${pr.name}: synaptic input (int16, integer LSB)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(target.margins));
      } else {
        op(OP.DENSE_I16, PHASE_ALWAYS, `${pr.name}: synaptic input (int16)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.acc!));
        op(OP.FLUSH_I16, PHASE_ALWAYS, `${pr.name}: dequantise`, A(pr.acc!), A(pr.scale!), N(pr.nOut), A(targetI));
      }
    }
    if (pr.ruleState !== null) {
      ruleOps(op, pr.ruleState, pr.name, pr.weights, pr.nIn, pr.nOut, descOf(pr.from), target);
    } else if (pr.rule === 'r-stdp') {
      op(OP.TRACE_DECAY, PHASE_LEARN, `${pr.name}: pre trace decay`, A(pr.preTrace!), N(pr.nIn), A(pr.stdpParams!), N(0));
      op(OP.TRACE_DECAY, PHASE_LEARN, `${pr.name}: post trace decay`, A(pr.postTrace!), N(pr.nOut), A(pr.stdpParams!), N(1));
      op(OP.RSTDP, PHASE_LEARN, `${pr.name}: R-STDP eligibility`, A(pr.eligibility!), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams!), A(pr.eligParams!));
    } else if (pr.rule === 'stdp-triplet' || pr.rule === 'stdp-symmetric') {
      const slot = (k: number) => pr.stdpParams! + k * 4;
      const triplet = pr.rule === 'stdp-triplet';
      const floor = slot(triplet ? TRIPLET.TRACE_FLOOR : SYMSTDP.TRACE_FLOOR);
      op(OP.DECAY, PHASE_LEARN, `${pr.name}: pre trace decay`, A(pr.preTrace!), N(pr.nIn), A(slot(triplet ? TRIPLET.ALPHA_R1 : SYMSTDP.ALPHA_PRE)), A(floor));
      op(OP.DECAY, PHASE_LEARN, `${pr.name}: post trace decay`, A(pr.postTrace!), N(pr.nOut), A(slot(triplet ? TRIPLET.ALPHA_O1 : SYMSTDP.ALPHA_POST)), A(floor));
      if (triplet) {
        const [r2, o2] = pr.extraTraces;
        op(OP.DECAY, PHASE_LEARN, `${pr.name}: slow pre trace decay`, A(r2.offset), N(pr.nIn), A(slot(TRIPLET.ALPHA_R2)), A(floor));
        op(OP.DECAY, PHASE_LEARN, `${pr.name}: slow post trace decay`, A(o2.offset), N(pr.nOut), A(slot(TRIPLET.ALPHA_O2)), A(floor));
        op(OP.TRIPLET_PRE, PHASE_LEARN, `${pr.name}: triplet STDP pre pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.preTrace!), A(r2.offset), A(pr.postTrace!), A(pr.stdpParams!));
        op(OP.TRIPLET_POST, PHASE_LEARN, `${pr.name}: triplet STDP post pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(o2.offset), A(pr.stdpParams!));
      } else {
        op(OP.SYMSTDP_PRE, PHASE_LEARN, `${pr.name}: symmetric STDP pre pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams!));
        op(OP.SYMSTDP_POST, PHASE_LEARN, `${pr.name}: symmetric STDP post pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams!));
      }
      if (pr.normTarget !== null) {
        op(OP.SCALE_COLUMNS, PHASE_LEARN, `${pr.name}: synaptic scaling`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.normTarget), N(pr.normL2 ? 1 : 0));
      }
    } else if (pr.stdpParams !== null) {
      op(OP.TRACE_DECAY, PHASE_LEARN, `${pr.name}: pre trace decay`, A(pr.preTrace!), N(pr.nIn), A(pr.stdpParams), N(0));
      op(OP.TRACE_DECAY, PHASE_LEARN, `${pr.name}: post trace decay`, A(pr.postTrace!), N(pr.nOut), A(pr.stdpParams), N(1));
      const csr = pr.connectivity?.csr;
      if (csr) {
        op(OP.CSR_STDP, PHASE_LEARN, `${pr.name}: STDP on the sparse synapses (pre, then post pathway)`, A(csr.base), A(csr.csc!), N(pr.nIn), N(pr.nOut), N(csr.nnz), A(descOf(pr.from)), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams));
      } else if (postMajor) {
        op(OP.STDP_PRE_COLS, PHASE_LEARN, `${pr.name}: STDP pre pathway (columns)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams));
        op(OP.STDP_POST_ROWS, PHASE_LEARN, `${pr.name}: STDP post pathway (rows)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams));
        if (pr.normTarget !== null) {
          op(OP.SCALE_ROWS, PHASE_LEARN, `${pr.name}: synaptic scaling (rows)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.normTarget), N(pr.normL2 ? 1 : 0));
        }
      } else if (pr.dtype === 'int8') {
        op(OP.STDP_PRE_I8, PHASE_LEARN, `${pr.name}: STDP pre pathway (int8, stochastic rounding)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams), A(prng));
        op(OP.STDP_POST_I8, PHASE_LEARN, `${pr.name}: STDP post pathway (int8, stochastic rounding)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams), A(prng));
        if (pr.normTarget !== null) {
          op(OP.SCALE_COLUMNS_I8, PHASE_LEARN, `${pr.name}: synaptic scaling (int8)`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.normTarget), N(pr.normL2 ? 1 : 0), A(pr.stdpParams), A(prng));
        }
      } else {
        op(OP.STDP_PRE, PHASE_LEARN, `${pr.name}: STDP pre pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.from)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams));
        op(OP.STDP_POST, PHASE_LEARN, `${pr.name}: STDP post pathway`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.preTrace!), A(pr.postTrace!), A(pr.stdpParams));
        if (pr.normTarget !== null) {
          op(OP.SCALE_COLUMNS, PHASE_LEARN, `${pr.name}: synaptic scaling`, A(pr.weights), N(pr.nIn), N(pr.nOut), A(descOf(pr.to)), A(pr.normTarget), N(pr.normL2 ? 1 : 0));
        }
      }
    }
  }
  for (const p of populations) {
    if (p.stepOp !== OP.LIF_I16) op(OP.LIF_RESET, PHASE_ALWAYS, `${p.name}: reset`, N(p.size), A(p.state), A(p.params), A(p.desc)); // lif_step_i16 resets itself
    op(OP.COUNT_SPIKES, PHASE_ALWAYS, `${p.name}: spike counts`, A(p.counts), N(p.size), A(p.desc));
  }
  if (inputCounts !== null) {
    op(OP.COUNT_SPIKES, PHASE_ALWAYS, 'input: event counts', A(inputCounts), N(nInput), A(inputDesc));
  }
  for (const o of readoutPlan?.ops ?? []) op(o.code, o.phase, o.what, ...o.args);
  const program = alloc('program', 'program', ops.length * OP_WORDS * 4);

  const bytesByKind = Object.fromEntries(REGION_KINDS.map((k) => [k, 0])) as Record<RegionKind, number>;
  for (const r of regions) bytesByKind[r.kind] += r.bytes;

  const plan: Plan = {
    spec,
    abiVersion: ABI_VERSION,
    arenaBytes: cursor,
    regions,
    bytesByKind,
    input: { size: nInput, desc: inputDesc, offsets: inputOffsets, indices: inputIndices, maxEvents, maxSteps, counts: inputCounts },
    populations,
    projections,
    readout,
    counters,
    prng,
    clock,
    program,
    ops,
    paramWrites,
    dtUs: dt * 1000,
  };
  const budget = opts.budgetBytes ?? spec.budgetBytes;
  if (budget !== undefined && plan.arenaBytes > budget) {
    throw new BudgetError(budget, plan.arenaBytes, regions.map((r) => ({ name: r.name, bytes: r.bytes })));
  }
  return plan;
}
