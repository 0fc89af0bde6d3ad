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
import { blocksOf, decompose, type BuildTable, type FeatureFit } from './instr/derive.js';
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
};

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
    case 'stdp-symmetric': return { pre: ps.etaPre, post: ps.etaPost, xOffset: 0, bounds };
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
    case 'TRIPLET_PRE': case 'SYMSTDP_PRE': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const k = `${name === 'TRIPLET_PRE' ? 'triplet_pre_f32' : 'symstdp_pre_f32'}${r.bounds}`;
      const ev = x.events(pr.from);
      const rows = r.pre !== 0 ? ev : 0;
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', ev);
      add(k, 'rows', 'weightUpdates', rows);
      addWidth(k, pr.nOut, rows, 'weightUpdates', 'upd_w');
      return true;
    }
    case 'TRIPLET_POST': case 'SYMSTDP_POST': {
      const pr = L.proj!;
      const r = rates(plan, pr);
      const k = `${name === 'TRIPLET_POST' ? 'triplet_post_f32' : 'symstdp_post_f32'}${r.bounds}`;
      const sp = x.spikes(pr.to);
      const cols = r.post !== 0 ? sp : 0;
      add(k, 'call', 'kernelCalls', steps);
      add(k, 'bumps', 'traceUpdates', sp);
      add(k, 'cols', 'weightUpdates', cols);
      add(k, 'upd_w1', 'weightUpdates', cols * pr.nIn);
      add(k, 'zero', 'weightUpdates', cols * pr.nIn * (1 - density(pr)));
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
    const x: PhaseCtx = {
      phase,
      steps: pw.steps,
      c,
      spikes,
      events: (src) => (src === 'input' ? c.eventsIn : spikes(src)),
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
