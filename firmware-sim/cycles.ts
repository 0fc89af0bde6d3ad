/**
 * The cycle model: runtime counters + the Plan -> executed WebAssembly instructions by kernel, by
 * layer and by counter class (from the derived instruction table) -> cycles on a core, in an
 * execution mode, with the device's memory-system penalties.
 *
 * Where the numbers come from. The firmware simulator never looks inside the kernels: it reads the
 * runtime's counters, separately for the network steps run without plasticity (infer), with
 * plasticity (learn) and for the readout calls, plus the steps of each kind, each population's
 * spike count per kind (the populations' spike-count arrays, which the schedule keeps for the
 * readout anyway) and, for the rules whose post pathway skips synapses with a zero presynaptic
 * trace, how many presynaptic traces are non-zero on average (workload.ts). Then every op of the
 * Plan's schedule is costed once per step of its phase, with the features its kernel was fitted
 * on (instr/derive.ts), computed from those counts and the op's sizes:
 *
 *   op                           kernel                  features
 *   (every step)                 net_run                 step; per op: op_<NAME> when it runs, skip otherwise
 *   LIF IZH LIF_COND ESCAPE      *_step_f32              w<b>: population in SIMD blocks; candidates (spikes,
 *                                                        + suppressed candidates estimated from wtaOps)
 *   WTA                          wta_select_f32          wtaOps; active calls ~ (wtaOps - k spikes) / n, clamped
 *   LIF_RESET, COUNT_SPIKES      lif_reset_f32, net_run  the population's spikes
 *   DENSE_F32/I8/I16             dense_accumulate_*      events of the source (input events or source spikes);
 *                                                        ev_w<b>: events x target width in blocks (= synops, scalar)
 *   DENSE_GATHER_F32             dense_gather_f32        events; ev_w1 = events x nOut
 *   FLUSH_I8/I16                 dense_flush_*           target width in blocks, every step
 *   TRACE_DECAY, DECAY           trace_decay_f32         trace length in blocks, every learn step
 *   STDP_PRE(_I8, _COLS)         stdp_pre_*              presynaptic events; upd_w<b>: events x nOut in blocks
 *   STDP_POST(_I8, _ROWS)        stdp_post_*             postsynaptic spikes; upd_w<b>: spikes x nIn in blocks;
 *                                                        zero: synapses skipped, spikes x nIn x (1 - trace density)
 *   SCALE_COLUMNS(_I8), SCALE_ROWS scale_*               postsynaptic spikes; spikes x nIn
 *   TRIPLET_*, SYMSTDP_*, RSTDP  their kernels           as the pair rule (rows/cols walked when the rate is not 0)
 *   CSR_F32 (:scaled with STP)   csr_accumulate_f32      events; synops: this projection's share of synopsF32 beyond
 *                                                        the dense-like ops (events x nOut), by expected share
 *   CONV2D_F32                   conv2d_accumulate_f32   events (+ net_run convEvents: the index decoder); per-event
 *                                                        rows and row_w<b> averaged over the map, rescaled to synops
 *   BLOCK_F32, BLOCK_PRUNE       block_*                 events x gOut mask reads; blocks = synops / bOut; rewiring
 *                                                        every everySteps learning steps (net_run blockCheck/Rewire)
 *   DELAY_F32/SYN_F32/DELIVER    delay_*, dense_*        as dense (into the ring slot); deliver: nOut in blocks; with
 *                                                        a ring (nSlots > 0) net_run's ring_<OP> slot arithmetic
 *   STP, DENSE_SCALED_F32        stp_efficacy_f32, ...   events; bits/ones of the inter-spike intervals (estimated:
 *                                                        no counter records them); scaled dense as DENSE_F32
 *   CSR_STDP                     csr_stdp_pre/post_f32   events / post spikes; updates: rows nnz/nIn, columns nnz/nOut
 *   LIF_I16, HEBBSIGN_*          lif_step_i16, hebbsign_* as LIF (8 lanes; refractory tail ~ spikes x hold) and symmetric STDP
 *   TESS, EPROP, TEMPOTRON,      the kernels their step   every learning step is labelled (the workload sets the label);
 *   EGDALE, DCOND                (spec_rules.ts, inlined  net_run's own loops (tess*, eprop*, egdale*); TESS rows: pre
 *                                in net_run) calls       trace occupancy at its 1e-3 floor; tempotron snapshot steps
 *                                                        ~ new maxima / nOut (no counter records them)
 *   readout_predict/learn_f32    (host call per sample)  activeMacs = readoutMacs - nFeat per call
 * Every term is tagged with the layer it works for (the population or projection named by the
 * op, `input`, `readout`, or `schedule` for the interpreter's per-step loop) and its phase, so
 * the profile can report cycles and energy by layer and by phase although the counters are global.
 * Without per-population spike counts, spikes are split among populations in proportion to size.
 */
import { COUNTERS, OP, type Counters } from '../host/runtime/abi.js';
import type { Plan, PlannedOp, PopulationLayout, ProjectionLayout } from '../host/plan/plan.js';
import { CORES, type CoreFamily, type ExecMode } from './cores.js';
import { waitStatesAt, type DeviceProfile } from './device.js';
import { blocksOf, convMeanFeatures, decompose, RING_ARG, type BuildTable, type FeatureFit } from './instr/derive.js';
import { addVectors, vectorTotal, WASM_CLASSES, zeroVector, type ClassVector } from './instr/instrument.js';

/** Counters of one kind of work, with the steps or calls that produced them. */
export interface PhaseWork {
  readonly steps: number;
  readonly counters: Counters;
  /** Spikes per population in this phase; absent: the spikes counter split by population size. */
  readonly spikesByPopulation?: Readonly<Record<string, number>>;
  /** net_run calls of this phase; absent: Workload.netRunCalls split by steps. */
  readonly netRunCalls?: number;
}

/** What a profiled run did, as the runtime counted it. */
export interface Workload {
  readonly samples: number;
  readonly infer: PhaseWork;
  readonly learn: PhaseWork;
  readonly readout: { readonly predictCalls: number; readonly learnCalls: number; readonly counters: Counters };
  /** Calls of net_run (one per run() chunk). */
  readonly netRunCalls: number;
  /**
   * Per plastic projection: the average fraction of its presynaptic traces that are non-zero
   * during learning steps (the post pathways of rules without a trace offset skip the others).
   * Absent: 1 (no synapse skipped, an upper bound of the cost).
   */
  readonly preTraceDensity?: Readonly<Record<string, number>>;
  /**
   * Per plastic projection: the fraction of its presynaptic traces that are non-zero, averaged
   * over all learning steps (rules that walk the rows of non-zero traces at every step: TESS).
   * Absent: preTraceDensity, else 1.
   */
  readonly preTraceOccupancy?: Readonly<Record<string, number>>;
}

export function zeroCounters(): Counters {
  return Object.fromEntries(COUNTERS.map((c) => [c.key, 0])) as Counters;
}

export function addCounters(a: Counters, b: Counters, k = 1): Counters {
  const out = zeroCounters();
  for (const c of COUNTERS) out[c.key] = (a[c.key] ?? 0) + k * (b[c.key] ?? 0);
  return out;
}

export type TermPhase = 'infer' | 'learn' | 'readout';
export type LayerKind = 'input' | 'population' | 'projection' | 'readout' | 'schedule';

/** One term of the model: `quantity` units of a kernel feature, charged to a counter class and a layer. */
export interface Term {
  readonly kernel: string;
  readonly feature: string;
  readonly counter: string;
  readonly quantity: number;
  readonly instructions: ClassVector;
  /** Population or projection name, `input`, `readout`, or `schedule` (the interpreter's step loop). */
  readonly layer: string;
  readonly layerKind: LayerKind;
  readonly phase: TermPhase;
  /** The schedule op this term belongs to (its `what`), or a description for host calls. */
  readonly op: string;
}

const OP_NAME: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([k, v]) => [v, k]));

export interface InstructionEstimate {
  readonly terms: readonly Term[];
  readonly total: ClassVector;
  /** Ops or kernel features of the Plan that have no cost model in this table (charged nothing). */
  readonly unmodelled: readonly string[];
}

/** The layer an op of the Plan works for: the population or projection its `what` names. */
export function layerOf(plan: Plan, op: PlannedOp): { name: string; kind: LayerKind; pop?: PopulationLayout; proj?: ProjectionLayout } {
  const proj = plan.projections.find((p) => op.what.startsWith(`${p.name}: `));
  if (proj) return { name: proj.name, kind: 'projection', proj };
  const pop = plan.populations.find((p) => op.what.startsWith(`${p.name}: `));
  if (pop) return { name: pop.name, kind: 'population', pop };
  return { name: 'input', kind: 'input' };
}

/** Phase context of the per-op handlers. */
interface PhaseCtx {
  readonly phase: 'infer' | 'learn';
  readonly steps: number;
  readonly c: Readonly<Record<string, number>>;
  spikes(pop: string): number;
  /** Presynaptic events of a source: input events, or the source population's spikes. */
  events(src: string): number;
  /** Counter class charged for a source's events. */
  eventCounter(src: string): string;
  /** Spike candidates before winner-take-all, and the WTA's active calls. */
  wta(pop: PopulationLayout): { candidates: number; activeCalls: number; wtaOps: number };
  /** Synaptic ops of a CSR, conv2d or block-sparse projection (their count depends on which rows fire). */
  synops(pr: ProjectionLayout): number;
  /** Synapses walked by the pre and post pathways of STDP on a CSR projection. */
  csrUpdates(pr: ProjectionLayout): { pre: number; post: number };
  /** Fraction of a projection's presynaptic traces that are non-zero, over all learning steps. */
  occupancy(pr: ProjectionLayout): number;
  /** Calls of a block-sparse projection's prune-and-regrow in this phase. */
  rewires(pr: ProjectionLayout): number;
  /** Binary length and set bits of the steps between a unit's spikes, summed over `events` STP updates. */
  stpIntervals(pr: ProjectionLayout, events: number): { bits: number; ones: number };
}

type Add = (kernel: string, feature: string, counter: string, quantity: number) => void;
type AddWidth = (kernel: string, width: number, times: number, counter: string, prefix?: string) => void;

/**
 * The kernel fits each schedule op is costed with (besides its dispatch in net_run), for the docs
 * table and the coverage test; variants after ':' are parameter-dependent branches (weight bounds,
 * a pathway whose rate is 0, L1 vs L2 scaling, the Izhikevich scheme).
 */
export const OP_COST_KERNELS: Readonly<Record<string, readonly string[]>> = {
  INPUT: [], LIF: ['lif_step_f32'], IZH: ['izh_step_f32', 'izh_step_f32:2003'], LIF_COND: ['lif_cond_step_f32'], ESCAPE: ['escape_step_f32'],
  WTA: ['wta_select_f32'], LIF_RESET: ['lif_reset_f32'], COUNT_SPIKES: ['net_run'],
  DENSE_F32: ['dense_accumulate_f32'], DENSE_I8: ['dense_accumulate_i8'], DENSE_I16: ['dense_accumulate_i16'], DENSE_GATHER_F32: ['dense_gather_f32'],
  FLUSH_I8: ['dense_flush_i8'], FLUSH_I16: ['dense_flush_i16'], TRACE_DECAY: ['trace_decay_f32'], DECAY: ['trace_decay_f32'],
  STDP_PRE: ['stdp_pre_f32', 'stdp_pre_f32:additive', 'stdp_pre_f32:inactive'], STDP_POST: ['stdp_post_f32', 'stdp_post_f32:additive', 'stdp_post_f32:inactive'],
  STDP_PRE_I8: ['stdp_pre_i8', 'stdp_pre_i8:additive', 'stdp_pre_i8:inactive'], STDP_POST_I8: ['stdp_post_i8', 'stdp_post_i8:additive', 'stdp_post_i8:inactive'],
  STDP_PRE_COLS: ['stdp_pre_cols_f32', 'stdp_pre_cols_f32:additive', 'stdp_pre_cols_f32:inactive'],
  STDP_POST_ROWS: ['stdp_post_rows_f32', 'stdp_post_rows_f32:additive', 'stdp_post_rows_f32:inactive'],
  SCALE_COLUMNS: ['scale_columns_f32', 'scale_columns_f32:l1'], SCALE_COLUMNS_I8: ['scale_columns_i8', 'scale_columns_i8:l1'], SCALE_ROWS: ['scale_rows_f32', 'scale_rows_f32:l1'],
  TRIPLET_PRE: ['triplet_pre_f32', 'triplet_pre_f32:additive'], TRIPLET_POST: ['triplet_post_f32', 'triplet_post_f32:additive'],
  SYMSTDP_PRE: ['symstdp_pre_f32', 'symstdp_pre_f32:additive'], SYMSTDP_POST: ['symstdp_post_f32', 'symstdp_post_f32:additive'],
  RSTDP: ['rstdp_step_f32'],
  // connectivity ops (40-49)
  CSR_F32: ['csr_accumulate_f32', 'csr_accumulate_f32:scaled'], CONV2D_F32: ['conv2d_accumulate_f32', 'net_run'],
  BLOCK_F32: ['block_accumulate_f32'], BLOCK_PRUNE: ['block_prune_regrow_f32', 'net_run'],
  DELAY_F32: ['delay_accumulate_f32', 'dense_accumulate_f32'], DELAY_SYN_F32: ['delay_accumulate_syn_f32'], DELAY_DELIVER: ['delay_deliver_f32'],
  STP: ['stp_efficacy_f32'], DENSE_SCALED_F32: ['dense_accumulate_scaled_f32'],
  CSR_STDP: ['csr_stdp_pre_f32', 'csr_stdp_pre_f32:additive', 'csr_stdp_pre_f32:inactive', 'csr_stdp_post_f32', 'csr_stdp_post_f32:additive', 'csr_stdp_post_f32:inactive'],
  // rule/neuron ops (50-64): costed with the fits of the kernels they are built from or resemble
  // (see costOp) until their own instruction counts are derived.
  TESS: ['net_run', 'eprop_pseudo_f32', 'tess_signal_f32', 'elig_apply_outer_f32:tess', 'trace_filter_f32', 'trace_decay_f32', 'trace_bump_f32'],
  TEMPOTRON: ['trace_decay_f32', 'trace_bump_f32', 'tempotron_track_f32'],
  LIF_I16: ['lif_step_i16'],
  HEBBSIGN_PRE: ['hebbsign_pre_f32', 'hebbsign_pre_f32:additive'], HEBBSIGN_POST: ['hebbsign_post_f32', 'hebbsign_post_f32:additive'],
  EGDALE: ['net_run', 'trace_decay_f32', 'trace_bump_f32', 'egdale_update_f32'],
  DCOND: ['trace_decay_f32', 'trace_bump_f32', 'dcond_post_f32'],
  EPROP: ['net_run', 'eprop_pseudo_f32', 'elig_step_f32', 'trace_decay_f32', 'dense_accumulate_f32', 'trace_bump_f32', 'eprop_signal_f32', 'elig_apply_f32', 'elig_apply_outer_f32:eprop'],
};

/** Ops whose f32 synaptic ops are events x nOut (their share of synopsF32 is known exactly). */
const DENSE_LIKE_F32: ReadonlySet<string> = new Set(['DENSE_F32', 'DENSE_GATHER_F32', 'DELAY_F32', 'DELAY_SYN_F32', 'DENSE_SCALED_F32']);

/** Ops other than CSR_STDP and BLOCK_PRUNE that count plastic weight writes (CTR_WEIGHT_UPDATES). */
const WEIGHT_WRITERS: ReadonlySet<string> = new Set([
  'STDP_PRE', 'STDP_POST', 'STDP_PRE_I8', 'STDP_POST_I8', 'STDP_PRE_COLS', 'STDP_POST_ROWS', 'SCALE_COLUMNS', 'SCALE_COLUMNS_I8',
  'SCALE_ROWS', 'TRIPLET_PRE', 'TRIPLET_POST', 'SYMSTDP_PRE', 'SYMSTDP_POST', 'RSTDP', 'TESS', 'TEMPOTRON', 'EPROP', 'HEBBSIGN_PRE', 'HEBBSIGN_POST',
]);

const NEURON_KERNEL: Readonly<Record<string, string>> = {
  LIF: 'lif_step_f32', IZH: 'izh_step_f32', LIF_COND: 'lif_cond_step_f32', ESCAPE: 'escape_step_f32',
};

/**
 * Rates of a projection's plasticity rule, as the kernels test them (0 = pathway inactive), and
 * the suffix of the kernel fit for its weight bounds (the update loops branch on them).
 */
function rates(plan: Plan, pr: ProjectionLayout): { pre: number; post: number; xOffset: number; bounds: string } {
  const ps = plan.spec.projections[pr.index].plasticity;
  if (!ps) return { pre: 0, post: 0, xOffset: 0, bounds: '' };
  const bounds = (ps as { bounds?: string }).bounds === 'additive' ? ':additive' : '';
  switch (ps.rule) {
    case 'stdp-pair': return { pre: ps.etaMinus, post: ps.etaPlus, xOffset: ps.xOffset ?? 0, bounds };
    case 'stdp-triplet': return { pre: ps.a2Minus + ps.a3Minus, post: ps.a2Plus + ps.a3Plus, xOffset: 0, bounds };
    case 'stdp-symmetric': case 'hebb-signed': return { pre: ps.etaPre, post: ps.etaPost, xOffset: 0, bounds };
    default: {
      const r = ps as { aMinus?: number; aPlus?: number };
      return { pre: r.aMinus ?? 0, post: r.aPlus ?? 0, xOffset: 0, bounds: '' };
    }
  }
}

/**
 * Costs one op of the Plan for one phase. Returns false when the op code has no cost model.
 * `density` is the projection's non-zero presynaptic trace fraction.
 */
function costOp(plan: Plan, table: BuildTable, op: PlannedOp, name: string, x: PhaseCtx, add: Add, addWidth: AddWidth, density: (pr: ProjectionLayout) => number): boolean {
  const L = layerOf(plan, op);
  const steps = x.steps;
  const tail = (kernel: string, n: number) => decompose(n, blocksOf(kernel, table.build)).w1 ?? n;
  switch (name) {
    case 'INPUT':
      return true; // inline in net_run: its dispatch cost covers it
    case 'LIF': case 'IZH': case 'LIF_COND': case 'ESCAPE': {
      const pop = L.pop!;
      const ps = plan.spec.populations.find((p) => p.name === pop.name)!;
      const nrn = ps.neuron as { model: string; adaptation?: unknown; integration?: string };
      const k = name === 'IZH' && nrn.integration === 'izhikevich2003' ? 'izh_step_f32:2003' : NEURON_KERNEL[name];
      const counter = name === 'IZH' ? 'neuronUpdatesIzh' : name === 'LIF_COND' ? 'neuronUpdatesCond' : name === 'ESCAPE' ? 'neuronUpdatesEscape' : nrn.adaptation ? 'neuronUpdatesAlif' : 'neuronUpdatesLif';
      add(k, 'call', 'kernelCalls', steps);
      addWidth(k, pop.size, steps, counter);
      add(k, 'candidates', 'spikes', pop.wtaParams !== null ? x.wta(pop).candidates : x.spikes(pop.name));
      return true;
    }
    case 'WTA': {
      const wta = x.wta(L.pop!);
      add('wta_select_f32', 'activeCall', 'kernelCalls', wta.activeCalls);
      add('wta_select_f32', 'idleCall', 'kernelCalls', steps - wta.activeCalls);
      add('wta_select_f32', 'wtaOps', 'wtaOps', wta.wtaOps);
      add('wta_select_f32', 'spikesIn', 'spikes', wta.candidates);
      return true;
    }
    case 'LIF_RESET':
      add('lif_reset_f32', 'call', 'kernelCalls', steps);
      add('lif_reset_f32', 'spikes', 'spikes', x.spikes(L.pop!.name));
      return true;
    case 'COUNT_SPIKES':
      add('net_run', 'countedSpikes', L.kind === 'input' ? 'eventsIn' : 'spikes', L.kind === 'input' ? x.c.eventsIn : x.spikes(L.pop!.name));
      return true;
    case 'DENSE_F32': case 'DENSE_I8': case 'DENSE_I16': {
      const pr = L.proj!;
      const k = name === 'DENSE_F32' ? 'dense_accumulate_f32' : name === 'DENSE_I8' ? 'dense_accumulate_i8' : 'dense_accumulate_i16';
      const syn = name === 'DENSE_F32' ? 'synopsF32' : name === 'DENSE_I8' ? 'synopsI8' : 'synopsI16';
      const ev = x.events(pr.from);
      add(k, 'call', 'kernelCalls', steps);
      addWidth(k, pr.nOut, steps, 'kernelCalls');
      add(k, 'events', x.eventCounter(pr.from), ev);
      addWidth(k, pr.nOut, ev, syn, 'ev_w');
      return true;
    }
    case 'DENSE_GATHER_F32': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      add('dense_gather_f32', 'call', 'kernelCalls', steps);
      add('dense_gather_f32', 'w1', 'kernelCalls', pr.nOut * steps);
      add('dense_gather_f32', 'events', x.eventCounter(pr.from), ev);
      add('dense_gather_f32', 'ev_w1', 'synopsF32', ev * pr.nOut);
      return true;
    }
    case 'FLUSH_I8': case 'FLUSH_I16': {
      const k = name === 'FLUSH_I8' ? 'dense_flush_i8' : 'dense_flush_i16';
      add(k, 'call', 'kernelCalls', steps);
      addWidth(k, L.proj!.nOut, steps, 'kernelCalls');
      return true;
    }
    case 'TRACE_DECAY': case 'DECAY':
      add('trace_decay_f32', 'call', 'kernelCalls', steps);
      addWidth('trace_decay_f32', op.args[1], steps, 'traceUpdates');
      return true;
    case 'STDP_PRE': case 'STDP_PRE_I8': case 'STDP_PRE_COLS': {
      const pr = L.proj!;
      const base = name === 'STDP_PRE' ? 'stdp_pre_f32' : name === 'STDP_PRE_I8' ? 'stdp_pre_i8' : 'stdp_pre_cols_f32';
      const r = rates(plan, pr);
      const active = r.pre !== 0;
      const k = active ? `${base}${r.bounds}` : `${base}:inactive`;
      const ev = x.events(pr.from);
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', ev);
      if (active) {
        add(k, 'activeCall', 'kernelCalls', Math.min(steps, ev));
        addWidth(k, pr.nOut, ev, 'weightUpdates', 'upd_w');
      }
      return true;
    }
    case 'STDP_POST': case 'STDP_POST_I8': case 'STDP_POST_ROWS': {
      const pr = L.proj!;
      const base = name === 'STDP_POST' ? 'stdp_post_f32' : name === 'STDP_POST_I8' ? 'stdp_post_i8' : 'stdp_post_rows_f32';
      const r = rates(plan, pr);
      const active = r.post !== 0;
      const k = active ? `${base}${r.bounds}` : `${base}:inactive`;
      const sp = x.spikes(pr.to);
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', sp);
      if (active) {
        add(k, 'activeCall', 'kernelCalls', Math.min(steps, sp));
        addWidth(k, pr.nIn, sp, 'weightUpdates', 'upd_w');
        // With a trace offset the change is never exactly 0; without, silent inputs are skipped.
        if (r.xOffset === 0) add(k, 'zero', 'weightUpdates', sp * tail(base, pr.nIn) * (1 - density(pr)));
      }
      return true;
    }
    case 'SCALE_COLUMNS': case 'SCALE_COLUMNS_I8': case 'SCALE_ROWS': {
      const pr = L.proj!;
      const base = name === 'SCALE_COLUMNS' ? 'scale_columns_f32' : name === 'SCALE_COLUMNS_I8' ? 'scale_columns_i8' : 'scale_rows_f32';
      const k = pr.normL2 ? base : `${base}:l1`;
      const sp = x.spikes(pr.to);
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'cols', 'weightUpdates', sp);
      if (name === 'SCALE_ROWS') addWidth(k, pr.nIn, sp, 'weightUpdates', 'upd_w');
      else add(k, 'updates', 'weightUpdates', sp * pr.nIn);
      return true;
    }
    case 'TRIPLET_PRE': case 'SYMSTDP_PRE': case 'HEBBSIGN_PRE': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const k = `${name === 'TRIPLET_PRE' ? 'triplet_pre_f32' : name === 'HEBBSIGN_PRE' ? 'hebbsign_pre_f32' : 'symstdp_pre_f32'}${r.bounds}`;
      const ev = x.events(pr.from);
      const rows = r.pre !== 0 ? ev : 0;
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', ev);
      add(k, 'rows', 'weightUpdates', rows);
      addWidth(k, pr.nOut, rows, 'weightUpdates', 'upd_w');
      return true;
    }
    case 'TRIPLET_POST': case 'SYMSTDP_POST': case 'HEBBSIGN_POST': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const k = `${name === 'TRIPLET_POST' ? 'triplet_post_f32' : name === 'HEBBSIGN_POST' ? 'hebbsign_post_f32' : 'symstdp_post_f32'}${r.bounds}`;
      const sp = x.spikes(pr.to);
      const cols = r.post !== 0 ? sp : 0;
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', sp);
      add(k, 'cols', 'weightUpdates', cols);
      add(k, 'upd_w1', 'weightUpdates', cols * pr.nIn);
      add(k, 'zero', 'weightUpdates', cols * pr.nIn * (1 - density(pr)));
      if (name === 'HEBBSIGN_POST') {
        // Updates of the negative-sign columns (their spikes taken in proportion to their share).
        const ps = plan.spec.projections[pr.index].plasticity as { flippedFraction?: number };
        add(k, 'neg', 'weightUpdates', cols * pr.nIn * density(pr) * (ps.flippedFraction ?? 0));
      }
      return true;
    }
    case 'RSTDP': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      const rows = r.pre !== 0 ? ev : 0;
      const cols = r.post !== 0 ? sp : 0;
      add('rstdp_step_f32', 'call', 'kernelCalls', steps);
      addWidth('rstdp_step_f32', pr.nIn * pr.nOut, steps, 'eligibilityUpdates', 'e_w');
      add('rstdp_step_f32', 'preBumps', 'traceUpdates', ev);
      add('rstdp_step_f32', 'rows', 'eligibilityUpdates', rows);
      addWidth('rstdp_step_f32', pr.nOut, rows, 'eligibilityUpdates', 'upd_w');
      add('rstdp_step_f32', 'postBumps', 'traceUpdates', sp);
      add('rstdp_step_f32', 'cols', 'eligibilityUpdates', cols);
      add('rstdp_step_f32', 'colUpdates', 'eligibilityUpdates', cols * pr.nIn);
      add('rstdp_step_f32', 'zero', 'eligibilityUpdates', cols * pr.nIn * (1 - density(pr)));
      return true;
    }
    // ── connectivity ops (40-49) ──
    case 'CSR_F32': {
      const pr = L.proj!;
      const k = op.args[6] !== 0 ? 'csr_accumulate_f32:scaled' : 'csr_accumulate_f32';
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'events', x.eventCounter(pr.from), x.events(pr.from));
      add(k, 'synops', 'synopsF32', x.synops(pr));
      return true;
    }
    case 'CONV2D_F32': {
      const pr = L.proj!;
      const cv = pr.connectivity!.conv!;
      const ev = x.events(pr.from);
      const blocks = blocksOf('conv2d_accumulate_f32', table.build);
      const mean = convMeanFeatures({ ...cv.geometry, wOut: cv.wOut, hOut: cv.hOut }, blocks);
      // Per-event features averaged over the map; the rows walked rescaled to the synops counted.
      const r = ev > 0 && (mean.synops ?? 0) > 0 ? x.synops(pr) / (ev * mean.synops) : 1;
      add('net_run', 'convEvents', x.eventCounter(pr.from), ev);
      add('conv2d_accumulate_f32', 'call', 'kernelCalls', steps);
      add('conv2d_accumulate_f32', 'events', x.eventCounter(pr.from), ev);
      for (const f of ['missY', 'missX', 'lowY', 'lowX', 'highY', 'highX', 'wrapPhi', 'cos']) add('conv2d_accumulate_f32', f, x.eventCounter(pr.from), ev * (mean[f] ?? 0));
      for (const f of ['rows', ...Object.keys(decompose(0, blocks, 'row_w'))]) add('conv2d_accumulate_f32', f, 'synopsF32', ev * (mean[f] ?? 0) * r);
      return true;
    }
    case 'BLOCK_F32': {
      const pr = L.proj!;
      const b = pr.connectivity!.block!;
      const ev = x.events(pr.from);
      const hit = x.synops(pr) / Math.max(b.bOut, 1);
      add('block_accumulate_f32', 'call', 'kernelCalls', steps);
      add('block_accumulate_f32', 'events', x.eventCounter(pr.from), ev);
      add('block_accumulate_f32', 'groups', x.eventCounter(pr.from), ev * b.gOut);
      add('block_accumulate_f32', 'blocks', 'synopsF32', hit);
      addWidth('block_accumulate_f32', b.bOut, hit, 'synopsF32', 'blk_w');
      return true;
    }
    case 'BLOCK_PRUNE': {
      const pr = L.proj!;
      const b = pr.connectivity!.block!;
      const rewires = x.rewires(pr);
      add('net_run', 'blockCheck', 'kernelCalls', b.everySteps > 0 ? steps : 0);
      add('net_run', 'blockRewire', 'kernelCalls', rewires);
      add('block_prune_regrow_f32', 'call', 'kernelCalls', rewires);
      const nBlocks = b.gIn * b.gOut;
      const bs = b.bIn * b.bOut;
      const np = Math.max(0, Math.min(b.nPrune, b.nActive, nBlocks - b.nActive));
      if (np > 0) {
        const conn = plan.spec.projections[pr.index].connectivity;
        const initScale = conn?.kind === 'block-sparse' ? conn.pruneRegrow?.initScale ?? 0 : 0;
        add('block_prune_regrow_f32', 'rewire', 'kernelCalls', rewires);
        add('block_prune_regrow_f32', 'mags', 'weightUpdates', rewires * b.nActive * bs);
        add('block_prune_regrow_f32', 'magBlocks', 'weightUpdates', rewires * b.nActive);
        add('block_prune_regrow_f32', 'select', 'weightUpdates', rewires * np * b.nActive);
        add('block_prune_regrow_f32', 'pruned', 'weightUpdates', rewires * np);
        add('block_prune_regrow_f32', 'scan', 'weightUpdates', rewires * nBlocks);
        // The drawn free block is uniform among the free ones: on average half the blocks scanned.
        add('block_prune_regrow_f32', 'regrowScan', 'weightUpdates', rewires * np * (nBlocks + 1) / 2);
        add('block_prune_regrow_f32', initScale !== 0 ? 'drawn' : 'zeroed', initScale !== 0 ? 'rngDraws' : 'weightUpdates', rewires * np * bs);
      }
      return true;
    }
    case 'DELAY_F32': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      add('delay_accumulate_f32', 'call', 'kernelCalls', steps);
      add('dense_accumulate_f32', 'call', 'kernelCalls', steps);
      addWidth('dense_accumulate_f32', pr.nOut, steps, 'kernelCalls');
      add('dense_accumulate_f32', 'events', x.eventCounter(pr.from), ev);
      addWidth('dense_accumulate_f32', pr.nOut, ev, 'synopsF32', 'ev_w');
      return true;
    }
    case 'DELAY_SYN_F32': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      add('delay_accumulate_syn_f32', 'call', 'kernelCalls', steps);
      add('delay_accumulate_syn_f32', 'events', x.eventCounter(pr.from), ev);
      add('delay_accumulate_syn_f32', 'synops', 'synopsF32', ev * pr.nOut);
      return true;
    }
    case 'DELAY_DELIVER':
      add('delay_deliver_f32', 'call', 'kernelCalls', steps);
      addWidth('delay_deliver_f32', L.proj!.nOut, steps, 'kernelCalls');
      return true;
    case 'STP': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      const f = x.stpIntervals(pr, ev);
      add('stp_efficacy_f32', 'call', 'kernelCalls', steps);
      add('stp_efficacy_f32', 'events', 'stpUpdates', ev);
      add('stp_efficacy_f32', 'bits', 'stpUpdates', f.bits);
      add('stp_efficacy_f32', 'ones', 'stpUpdates', f.ones);
      return true;
    }
    case 'DENSE_SCALED_F32': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      add('dense_accumulate_scaled_f32', 'call', 'kernelCalls', steps);
      addWidth('dense_accumulate_scaled_f32', pr.nOut, steps, 'kernelCalls');
      add('dense_accumulate_scaled_f32', 'events', x.eventCounter(pr.from), ev);
      addWidth('dense_accumulate_scaled_f32', pr.nOut, ev, 'synopsF32', 'ev_w');
      return true;
    }
    case 'CSR_STDP': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      const u = x.csrUpdates(pr);
      const kPre = r.pre !== 0 ? `csr_stdp_pre_f32${r.bounds}` : 'csr_stdp_pre_f32:inactive';
      add(kPre, 'call', 'kernelCalls', steps);
      add(kPre, 'bumps', 'traceUpdates', ev);
      if (r.pre !== 0) {
        add(kPre, 'activeCall', 'kernelCalls', Math.min(steps, ev));
        add(kPre, 'updates', 'weightUpdates', u.pre);
      }
      const kPost = r.post !== 0 ? `csr_stdp_post_f32${r.bounds}` : 'csr_stdp_post_f32:inactive';
      add(kPost, 'call', 'kernelCalls', steps);
      add(kPost, 'bumps', 'traceUpdates', sp);
      if (r.post !== 0) {
        add(kPost, 'activeCall', 'kernelCalls', Math.min(steps, sp));
        add(kPost, 'updates', 'weightUpdates', u.post);
        add(kPost, 'zero', 'weightUpdates', u.post * (1 - density(pr)));
      }
      return true;
    }
    // rule/neuron ops (50-64). Approximations from the fits of neighbouring kernels (their own
    // instruction counts are not derived yet): element-wise passes as trace_decay_f32 passes,
    // per-event work as trace_bump_f32 bumps, row updates as stdp_pre_f32 row walks.
    case 'TESS': {
      // tess_step_f32 (plasticity/spec_rules.ts, inlined in net_run) on every learning step, with
      // this sample's label (Runtime.setLabel; the workload labels every learning sample).
      const pr = L.proj!;
      const K = pr.ruleState?.classes ?? 1;
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      const soft = (plan.spec.projections[pr.index].plasticity as { bounds?: string }).bounds === 'multiplicative';
      add('net_run', 'tessLabelled', 'kernelCalls', steps);
      add('net_run', 'tessEvents', x.eventCounter(pr.from), ev);
      add('eprop_pseudo_f32', 'call', 'kernelCalls', steps);
      addWidth('eprop_pseudo_f32', pr.nOut, steps, 'kernelCalls');
      add('tess_signal_f32', 'call', 'kernelCalls', steps);
      add('tess_signal_f32', 'classes', 'readoutMacs', K * steps);
      add('tess_signal_f32', 'classSpikes', 'readoutMacs', K * sp);
      add('tess_signal_f32', 'labelled', 'kernelCalls', steps);
      add('tess_signal_f32', 'lClasses', 'readoutMacs', K * steps);
      addWidth('tess_signal_f32', pr.nOut, steps, 'readoutMacs', 'z_w');
      addWidth('tess_signal_f32', pr.nOut, K * steps, 'readoutMacs', 'k_w');
      // The update walks the rows with a non-zero presynaptic trace or a spike in this step.
      const rows = Math.min(pr.nIn * steps, pr.nIn * steps * x.occupancy(pr) + ev);
      const ko = 'elig_apply_outer_f32:tess';
      add(ko, 'call', 'kernelCalls', steps);
      add(ko, 'inputs', 'weightUpdates', pr.nIn * steps);
      add(ko, 'rows', 'weightUpdates', rows);
      addWidth(ko, pr.nOut, rows, 'weightUpdates', 'row_w');
      if (soft) addWidth(ko, pr.nOut, rows, 'weightUpdates', 'soft_w');
      add('trace_filter_f32', 'call', 'kernelCalls', steps);
      addWidth('trace_filter_f32', pr.nOut, steps, 'traceUpdates');
      add('trace_decay_f32', 'call', 'kernelCalls', steps);
      addWidth('trace_decay_f32', pr.nIn, steps, 'traceUpdates');
      add('trace_bump_f32', 'call', 'kernelCalls', steps);
      add('trace_bump_f32', 'bumps', 'traceUpdates', ev);
      return true;
    }
    case 'TEMPOTRON': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      // tempotron_step_f32 (spec_rules.ts): two kernel traces decayed and bumped, V_max tracked;
      // each new maximum snapshots K into E (nIn eligibility updates). New maxima: this phase's
      // eligibilityUpdates beyond the ops whose count is nIn x nOut per step, over nIn.
      add('trace_decay_f32', 'call', 'kernelCalls', 2 * steps);
      addWidth('trace_decay_f32', pr.nIn, 2 * steps, 'traceUpdates');
      add('trace_bump_f32', 'call', 'kernelCalls', 2 * steps);
      add('trace_bump_f32', 'bumps', 'traceUpdates', 2 * ev);
      const fixed = plan.ops.filter((o) => o.phase & 2 && ['EPROP', 'RSTDP'].includes(OP_NAME.get(o.code) ?? ''))
        .reduce((sum, o) => { const q = layerOf(plan, o).proj; return sum + (q ? q.nIn * q.nOut * steps : 0); }, 0);
      const tempotrons = plan.ops.filter((o) => OP_NAME.get(o.code) === 'TEMPOTRON').length;
      const newMax = Math.max(0, (x.c.eligibilityUpdates ?? 0) - fixed) / Math.max(pr.nIn, 1) / Math.max(tempotrons, 1);
      // A step with a new maximum takes one snapshot pass however many neurons it flags. No counter
      // records those steps; the neurons share their input, so their maxima come together:
      // taken as newMax / nOut (fully coincident; a lower bound, up to min(steps, newMax)).
      const snaps = Math.min(steps, newMax / Math.max(pr.nOut, 1));
      const k = 'tempotron_track_f32';
      const tail = decompose(pr.nOut, blocksOf(k, table.build)).w1 ?? pr.nOut;
      add(k, 'call', 'kernelCalls', steps);
      addWidth(k, pr.nOut, steps, 'kernelCalls');
      add(k, 'tailNew', 'eligibilityUpdates', newMax * (tail / Math.max(pr.nOut, 1)));
      add(k, 'snap', 'eligibilityUpdates', snaps);
      add(k, 'rows', 'eligibilityUpdates', snaps * pr.nIn);
      addWidth(k, pr.nOut, snaps * pr.nIn, 'eligibilityUpdates', 'row_w');
      add(k, 'tailFlagged', 'eligibilityUpdates', newMax * (tail / Math.max(pr.nOut, 1)) * pr.nIn);
      return true;
    }
    case 'EPROP': {
      // eprop_step_f32 (plasticity/spec_rules.ts, inlined in net_run) on every learning step, each
      // with a label: eligibility over nIn x nOut, the leaky readout of the target's spikes, the
      // learning signal, the weight and readout updates, the presynaptic trace.
      const pr = L.proj!;
      const K = pr.ruleState?.classes ?? 1;
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      const soft = (plan.spec.projections[pr.index].plasticity as { bounds?: string }).bounds === 'multiplicative';
      add('net_run', 'epropLabelled', 'kernelCalls', steps);
      add('net_run', 'epropClasses', 'readoutMacs', K * steps);
      add('eprop_pseudo_f32', 'call', 'kernelCalls', steps);
      addWidth('eprop_pseudo_f32', pr.nOut, steps, 'kernelCalls');
      add('elig_step_f32', 'call', 'kernelCalls', steps);
      add('elig_step_f32', 'rows', 'eligibilityUpdates', pr.nIn * steps);
      addWidth('elig_step_f32', pr.nOut, pr.nIn * steps, 'eligibilityUpdates', 'row_w');
      add('trace_decay_f32', 'call', 'kernelCalls', 3 * steps);
      addWidth('trace_decay_f32', K, steps, 'traceUpdates');
      addWidth('trace_decay_f32', pr.nOut, steps, 'traceUpdates');
      addWidth('trace_decay_f32', pr.nIn, steps, 'traceUpdates');
      add('dense_accumulate_f32', 'call', 'kernelCalls', steps);
      addWidth('dense_accumulate_f32', K, steps, 'kernelCalls');
      add('dense_accumulate_f32', 'events', 'spikes', sp);
      addWidth('dense_accumulate_f32', K, sp, 'synopsF32', 'ev_w');
      add('trace_bump_f32', 'call', 'kernelCalls', 2 * steps);
      add('trace_bump_f32', 'bumps', 'traceUpdates', sp + ev);
      add('eprop_signal_f32', 'call', 'kernelCalls', steps);
      addWidth('eprop_signal_f32', pr.nOut, steps, 'readoutMacs');
      addWidth('eprop_signal_f32', pr.nOut, K * steps, 'readoutMacs', 'k_w');
      add('elig_apply_f32', 'call', 'kernelCalls', steps);
      add('elig_apply_f32', 'rows', 'weightUpdates', pr.nIn * steps);
      addWidth('elig_apply_f32', pr.nOut, pr.nIn * steps, 'weightUpdates', 'row_w');
      if (soft) addWidth('elig_apply_f32', pr.nOut, pr.nIn * steps, 'weightUpdates', 'soft_w');
      // Readout update: rows of the target's filtered spikes zhat (all rows: an upper bound).
      const ko = 'elig_apply_outer_f32:eprop';
      add(ko, 'call', 'kernelCalls', steps);
      add(ko, 'inputs', 'weightUpdates', pr.nOut * steps);
      add(ko, 'rows', 'weightUpdates', pr.nOut * steps);
      addWidth(ko, K, pr.nOut * steps, 'weightUpdates', 'row_w');
      return true;
    }
    case 'EGDALE': {
      const pr = L.proj!;
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      // egdale_step_f32 (spec_rules.ts): post trace, then on steps with input (and a label) the
      // error per neuron (net_run's own loop: egdaleActive, egdaleOut) and one row per
      // presynaptic event (egdale_update_f32).
      add('trace_decay_f32', 'call', 'kernelCalls', steps);
      addWidth('trace_decay_f32', pr.nOut, steps, 'traceUpdates');
      add('trace_bump_f32', 'call', 'kernelCalls', steps);
      add('trace_bump_f32', 'bumps', 'traceUpdates', sp);
      add('net_run', 'egdaleActive', 'kernelCalls', Math.min(steps, ev));
      add('net_run', 'egdaleOut', 'kernelCalls', Math.min(steps, ev) * pr.nOut);
      add('egdale_update_f32', 'call', 'kernelCalls', Math.min(steps, ev));
      add('egdale_update_f32', 'rows', 'weightUpdates', ev);
      addWidth('egdale_update_f32', pr.nOut, ev, 'weightUpdates', 'row_w');
      return true;
    }
    case 'DCOND': {
      // dcond_step_f32 (spec_rules.ts): pre trace decay and bumps, then one column walk over nIn per
      // post spike (dcond_post_f32, called on steps with post spikes).
      const pr = L.proj!;
      const ev = x.events(pr.from);
      const sp = x.spikes(pr.to);
      add('trace_decay_f32', 'call', 'kernelCalls', steps);
      addWidth('trace_decay_f32', pr.nIn, steps, 'traceUpdates');
      add('trace_bump_f32', 'call', 'kernelCalls', steps);
      add('trace_bump_f32', 'bumps', 'traceUpdates', ev);
      add('dcond_post_f32', 'call', 'kernelCalls', Math.min(steps, sp)); // called on steps with post spikes
      add('dcond_post_f32', 'cols', 'weightUpdates', sp);
      add('dcond_post_f32', 'updates', 'weightUpdates', sp * pr.nIn);
      return true;
    }
    case 'LIF_I16': {
      // Eight int16 lanes per vector; the scalar tail branches on refractoriness, which lasts
      // `hold` steps after each spike (REFRAC_HOLD): tail neurons' spikes x hold refractory updates.
      const pop = L.pop!;
      const sp = x.spikes(pop.name);
      const tail = decompose(pop.size, blocksOf('lif_step_i16', table.build)).w1 ?? pop.size;
      const nrn = plan.spec.populations.find((p) => p.name === pop.name)!.neuron as { refractoryMs?: number };
      const hold = Math.max(Math.round((nrn.refractoryMs ?? 0) / plan.spec.dtMs) - 1, 0); // as host/plan/rules.ts
      const tailSpikes = sp * (tail / Math.max(pop.size, 1));
      add('lif_step_i16', 'call', 'kernelCalls', steps);
      addWidth('lif_step_i16', pop.size, steps, 'neuronUpdatesLifI16');
      add('lif_step_i16', 'spikes', 'spikes', sp);
      if (table.build === 'simd') add('lif_step_i16', 'tailSpikes', 'spikes', tailSpikes);
      add('lif_step_i16', 'tailRefr', 'neuronUpdatesLifI16', Math.min(tailSpikes * hold, tail * steps));
      return true;
    }
    default:
      return false;
  }
}

/** Predicts the executed wasm instructions of a workload from its counters and the Plan. */
export function estimateInstructions(plan: Plan, w: Workload, table: BuildTable): InstructionEstimate {
  const terms: Term[] = [];
  const unmodelled = new Set<string>();
  let cur: { layer: string; layerKind: LayerKind; phase: TermPhase; op: string } = { layer: 'schedule', layerKind: 'schedule', phase: 'infer', op: '' };
  const add: Add = (kernel, feature, counter, quantity) => {
    if (!(quantity !== 0 && Number.isFinite(quantity))) return;
    const fit: FeatureFit | undefined = table.kernels[kernel];
    const coef = fit?.coef[feature];
    if (!coef) {
      unmodelled.add(`${kernel}.${feature}`);
      return;
    }
    terms.push({ kernel, feature, counter, quantity, instructions: addVectors(zeroVector(), coef, quantity), ...cur });
  };
  /** Adds `times` calls' worth of a width decomposed into the kernel's blocks. */
  const addWidth: AddWidth = (kernel, width, times, counter, prefix = 'w') => {
    const parts = decompose(width, blocksOf(kernel, table.build), prefix);
    for (const [f, k] of Object.entries(parts)) add(kernel, f, counter, k * times);
  };
  const totalNeurons = plan.populations.reduce((s, p) => s + p.size, 0) || 1;
  const wtaPops = plan.populations.filter((p) => p.wtaParams !== null);
  const wtaSize = wtaPops.reduce((s, p) => s + p.size, 0) || 1;
  const density = (pr: ProjectionLayout) => Math.min(1, Math.max(0, w.preTraceDensity?.[pr.name] ?? 1));
  const stepsAll = w.infer.steps + w.learn.steps;

  for (const [phase, pw, mask] of [['infer', w.infer, 1], ['learn', w.learn, 2 | 1]] as const) {
    if (pw.steps === 0) continue;
    const c = pw.counters as Readonly<Record<string, number>>;
    const spikes = (pop: string) => pw.spikesByPopulation?.[pop] ?? c.spikes * ((plan.populations.find((p) => p.name === pop)?.size ?? 0) / totalNeurons);
    const events = (src: string) => (src === 'input' ? c.eventsIn : spikes(src));
    // f32 synops whose count follows from the events (dense-like ops), and the expected synops of
    // the CSR / conv2d / block-sparse projections, whose share of the rest of synopsF32 they get.
    let exactSynops = 0;
    const expected = new Map<string, number>();
    for (const op of plan.ops) {
      if (!(op.phase & mask)) continue;
      const name = OP_NAME.get(op.code) ?? '';
      const pr = layerOf(plan, op).proj;
      if (!pr) continue;
      const ev = events(pr.from);
      if (DENSE_LIKE_F32.has(name)) exactSynops += ev * pr.nOut;
      const cl = pr.connectivity;
      if (name === 'CSR_F32' && cl?.csr) expected.set(pr.name, (ev * cl.csr.nnz) / Math.max(pr.nIn, 1));
      if (name === 'CONV2D_F32' && cl?.conv) expected.set(pr.name, ev * (convMeanFeatures({ ...cl.conv.geometry, wOut: cl.conv.wOut, hOut: cl.conv.hOut }, [1]).synops ?? 0));
      if (name === 'BLOCK_F32' && cl?.block) expected.set(pr.name, (ev * cl.block.nActive * cl.block.bOut) / Math.max(cl.block.gIn, 1));
    }
    const expTotal = [...expected.values()].reduce((a, b) => a + b, 0);
    const restSynops = Math.max(0, c.synopsF32 - exactSynops);
    const synopsOf = (name: string) => (expTotal > 0 ? ((expected.get(name) ?? 0) * restSynops) / expTotal : 0);
    const csrExpected = (pr: ProjectionLayout) => {
      const nnz = pr.connectivity?.csr?.nnz ?? 0;
      return { pre: (events(pr.from) * nnz) / Math.max(pr.nIn, 1), post: (spikes(pr.to) * nnz) / Math.max(pr.nOut, 1) };
    };
    const rewiresWeights = () => plan.projections.reduce((sum, pr) => {
      const b = pr.connectivity?.block;
      if (!b || b.everySteps <= 0 || !(mask & 2)) return sum;
      const np = Math.max(0, Math.min(b.nPrune, b.nActive, b.gIn * b.gOut - b.nActive));
      return sum + Math.floor(pw.steps / b.everySteps) * np * b.bIn * b.bOut;
    }, 0);
    const x: PhaseCtx = {
      phase,
      steps: pw.steps,
      c,
      spikes,
      events,
      eventCounter: (src) => (src === 'input' ? 'eventsIn' : 'spikes'),
      wta: (pop) => {
        // wtaOps per call with candidates: candidates x k (selection) + n (inhibition, when not 0).
        const spec = plan.spec.populations.find((p) => p.name === pop.name)!.wta!;
        const k = spec.k > 0 ? spec.k : 1;
        const s = spikes(pop.name);
        const ops = c.wtaOps * (pop.size / wtaSize);
        let active: number;
        let cand: number;
        if (spec.inhibition !== 0) {
          active = Math.min(s, Math.max(s / k, (ops - k * s) / pop.size));
          cand = Math.max(s, (ops - pop.size * active) / k);
        } else {
          cand = Math.max(s, ops / k);
          active = k === 1 ? s : (s / k + s) / 2;
        }
        return { candidates: cand, activeCalls: Math.min(pw.steps, active), wtaOps: ops };
      },
      synops: (pr) => synopsOf(pr.name),
      occupancy: (pr) => Math.min(1, Math.max(0, w.preTraceOccupancy?.[pr.name] ?? w.preTraceDensity?.[pr.name] ?? 1)),
      csrUpdates: (pr) => {
        // Expected walks (rows of pre events, columns of post spikes), rescaled to the counted
        // weightUpdates when CSR STDP is the only rule writing weights in this phase.
        const e = csrExpected(pr);
        const all = plan.projections.filter((p) => p.connectivity?.csr?.csc != null && plan.spec.projections[p.index].plasticity);
        const tot = all.reduce((sum, p) => { const q = csrExpected(p); return sum + q.pre + q.post; }, 0);
        const onlyCsr = !plan.ops.some((o) => WEIGHT_WRITERS.has(OP_NAME.get(o.code) ?? '') && o.phase & mask);
        const k = onlyCsr && tot > 0 ? Math.max(0, c.weightUpdates - rewiresWeights()) / tot : 1;
        return { pre: e.pre * k, post: e.post * k };
      },
      rewires: (pr) => (pr.connectivity?.block?.everySteps ?? 0) > 0 ? Math.floor(pw.steps / pr.connectivity!.block!.everySteps) : 0,
      stpIntervals: (pr, events) => {
        // Each sample starts from the rest state (last spike at step 0, the clock running on):
        // a unit's first spike of a sample sees the clock, its next ones the mean interval.
        if (events <= 0) return { bits: 0, ones: 0 };
        const samples = Math.max(1, (w.samples * pw.steps) / Math.max(stepsAll, 1));
        const perSample = events / samples;
        const first = Math.min(perSample, pr.nIn * (1 - Math.exp(-perSample / Math.max(pr.nIn, 1)))) * samples;
        const stepsPerSample = pw.steps / samples;
        const isi = Math.max(1, (stepsPerSample * pr.nIn) / Math.max(perSample, 1e-9));
        const clock = Math.max(1, stepsAll / 2);
        const bitsOf = (d: number) => Math.floor(Math.log2(d)) + 1;
        const b1 = bitsOf(clock);
        const b2 = bitsOf(isi);
        // set bits of a random interval: the leading 1 plus half of the rest
        return { bits: first * b1 + (events - first) * b2, ones: first * (1 + (b1 - 1) / 2) + (events - first) * (1 + (b2 - 1) / 2) };
      },
    };
    cur = { layer: 'schedule', layerKind: 'schedule', phase, op: 'net_run: step loop' };
    const calls = pw.netRunCalls ?? (stepsAll > 0 ? (w.netRunCalls * pw.steps) / stepsAll : 0);
    add('net_run', 'call', 'kernelCalls', calls);
    add('net_run', 'step', 'steps', pw.steps);
    for (const op of plan.ops) {
      const name = OP_NAME.get(op.code) ?? `op${op.code}`;
      const L = layerOf(plan, op);
      cur = { layer: L.name, layerKind: L.kind, phase, op: op.what };
      if (!(op.phase & mask)) {
        add('net_run', 'skip', 'kernelCalls', pw.steps);
        continue;
      }
      if (!table.kernels.net_run?.coef[`op_${name}`]) unmodelled.add(`dispatch of ${name}`);
      add('net_run', `op_${name}`, 'kernelCalls', pw.steps);
      if (RING_ARG[name] !== undefined && op.args[RING_ARG[name]] > 0) add('net_run', `ring_${name}`, 'kernelCalls', pw.steps);
      if (!costOp(plan, table, op, name, x, add, addWidth, density)) unmodelled.add(`op ${name} (${op.what})`);
    }
  }

  // Readout (host-called, once per sample).
  const r = plan.readout;
  if (r) {
    const rc = w.readout.counters as Record<string, number>;
    // readout_learn runs a prediction first: each learn call counts its MACs twice.
    const p = w.readout.predictCalls;
    const l = w.readout.learnCalls;
    const countedCalls = p + 2 * l;
    const perCallMacs = countedCalls > 0 ? Math.max(0, rc.readoutMacs - r.nFeat * countedCalls) / countedCalls : 0;
    for (const [kernel, n] of [['readout_predict_f32', p], ['readout_learn_f32', l]] as const) {
      if (n === 0) continue;
      cur = { layer: 'readout', layerKind: 'readout', phase: 'readout', op: `readout: ${kernel === 'readout_learn_f32' ? 'predict and delta-rule step' : 'predict'} (host call)` };
      const macs = perCallMacs * n;
      add(kernel, 'call', 'kernelCalls', n);
      add(kernel, 'nFeat', 'readoutMacs', r.nFeat * n);
      add(kernel, 'nClass', 'readoutMacs', r.nClass * n);
      add(kernel, 'active', 'readoutMacs', macs / r.nClass);
      add(kernel, 'activeMacs', 'readoutMacs', macs);
    }
  }

  let total = zeroVector();
  for (const t of terms) total = addVectors(total, t.instructions);
  return { terms, total, unmodelled: [...unmodelled] };
}

/** Sums terms by a key. */
export function groupTerms(terms: readonly Term[], key: (t: Term) => string): Map<string, ClassVector> {
  const m = new Map<string, ClassVector>();
  for (const t of terms) m.set(key(t), addVectors(m.get(key(t)) ?? zeroVector(), t.instructions));
  return m;
}

/** Core cycles for an instruction vector (no memory-system penalties). */
export function coreCycles(v: ClassVector, family: CoreFamily, mode: ExecMode): number {
  const core = CORES[family];
  let c = 0;
  for (const cls of WASM_CLASSES) c += v[cls] * core.aot[cls];
  c += (v.load + v.store + v.v128Load + v.v128Store) * core.boundsCheck;
  if (mode !== 'aot') c += vectorTotal(v) * core.dispatch[mode];
  return c;
}

/** Instruction-fetch line fills per executed cycle (a 16-byte line holds about 4-5 Thumb-2 instructions). */
export const FETCH_LINES_PER_CYCLE = 0.25;

export interface StallModel {
  readonly waitStates: number;
  /** Extra cycles per core cycle for instruction fetch. */
  readonly fetchStallPerCycle: number;
  /** Extra cycles per byte moved by kernels (data cache misses), 0 without a data cache model. */
  readonly dataStallPerByte: number;
  readonly note: string;
}

/** Memory-system penalties of a device at clock f for a given arena working set. */
export function stallModel(d: DeviceProfile, mhz: number, workingSetBytes: number): StallModel {
  const ws = waitStatesAt(d, mhz);
  const miss = 1 - d.fetch.hitRate.value;
  const fetchStallPerCycle = FETCH_LINES_PER_CYCLE * miss * (ws + d.fetch.missPenaltyCycles.value);
  let dataStallPerByte = 0;
  let note = `${ws} flash wait state(s), fetch hit rate ${d.fetch.hitRate.value}`;
  const dc = d.dataCache;
  if (dc) {
    if (workingSetBytes <= dc.tcmBytes.value) {
      note += '; arena fits the TCM: no data-cache misses';
    } else {
      const missFraction = Math.max(0, 1 - dc.bytes.value / workingSetBytes);
      dataStallPerByte = (missFraction * dc.missPenaltyCycles.value) / dc.lineBytes.value;
      note += `; arena ${workingSetBytes} B vs ${dc.bytes.value} B data cache: ${(100 * missFraction).toFixed(0)}% of lines miss (${dc.missPenaltyCycles.value} cycles each)`;
    }
  }
  return { waitStates: ws, fetchStallPerCycle, dataStallPerByte, note };
}
