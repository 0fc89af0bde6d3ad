/**
 * The cycle model: runtime counters + the Plan -> executed WebAssembly instructions by kernel and
 * by counter class (from the derived instruction table) -> cycles on a core, in an execution mode,
 * with the device's memory-system penalties.
 *
 * Where counters come from. The firmware simulator never looks inside the kernels: it reads the
 * runtime's counters, separately for the network steps run without plasticity (infer), with
 * plasticity (learn) and for the readout calls, plus the number of steps of each kind. Each
 * kernel's features (instr/derive.ts) are then computed from those counters and the Plan's sizes:
 *
 *   kernel                 feature        from
 *   net_run (interpreter)  step, op_X     steps; each op of the Plan once per step of its phase
 *   *_step_f32             w<b>           the population size in SIMD blocks, every step
 *                          candidates     spikes counter (candidates suppressed by WTA are not counted: low)
 *   wta_select_f32         wtaOps         wtaOps counter; active calls ~ (wtaOps - k x spikes) / n
 *   lif_reset_f32          spikes         spikes counter
 *   COUNT_SPIKES (inline)  countedSpikes  spikes (+ input events when the readout reads the input)
 *   dense_accumulate_*     events         valid presynaptic events = synops counter / nOut (one
 *                                         projection per weight type), else the source's events
 *                          ev_w<b>        events x the target width in SIMD blocks (= synops when scalar)
 *   trace_decay_f32        w<b>           nIn and nOut in SIMD blocks, per plastic projection per learn step
 *   stdp_pre/post_f32      bumps          presynaptic events / postsynaptic spikes of learn steps
 *                          upd_w<b>       those spikes x the row (pre) or column (post) length
 *   scale_columns_f32      updates        postsynaptic spikes of learn steps x nIn
 *   readout_*_f32          activeMacs     (readoutMacs - nFeat per call); readout_learn counts twice
 * With several populations, spikes are split among them in proportion to their size.
 */
import { COUNTERS, OP, PHASE_LEARN, type Counters } from '../host/runtime/abi.js';
import type { Plan } from '../host/plan/plan.js';
import { CORES, type CoreFamily, type ExecMode } from './cores.js';
import { waitStatesAt, type DeviceProfile } from './device.js';
import { blocksOf, decompose, type BuildTable, type FeatureFit } from './instr/derive.js';
import { addVectors, vectorTotal, WASM_CLASSES, zeroVector, type ClassVector } from './instr/instrument.js';

/** Counters of one kind of work, with the steps or calls that produced them. */
export interface PhaseWork {
  readonly steps: number;
  readonly counters: Counters;
}

/** What a profiled run did, as the runtime counted it. */
export interface Workload {
  readonly samples: number;
  readonly infer: PhaseWork;
  readonly learn: PhaseWork;
  readonly readout: { readonly predictCalls: number; readonly learnCalls: number; readonly counters: Counters };
  /** Calls of net_run (one per run() chunk). */
  readonly netRunCalls: number;
}

export function zeroCounters(): Counters {
  return Object.fromEntries(COUNTERS.map((c) => [c.key, 0])) as Counters;
}

export function addCounters(a: Counters, b: Counters, k = 1): Counters {
  const out = zeroCounters();
  for (const c of COUNTERS) out[c.key] = (a[c.key] ?? 0) + k * (b[c.key] ?? 0);
  return out;
}

/** One term of the model: `quantity` units of a kernel feature, charged to a counter class. */
export interface Term {
  readonly kernel: string;
  readonly feature: string;
  readonly counter: string;
  readonly quantity: number;
  readonly instructions: ClassVector;
}

const OP_KERNEL: Readonly<Record<string, string>> = {
  LIF: 'lif_step_f32', IZH: 'izh_step_f32', LIF_COND: 'lif_cond_step_f32', WTA: 'wta_select_f32', LIF_RESET: 'lif_reset_f32',
  DENSE_F32: 'dense_accumulate_f32', DENSE_I8: 'dense_accumulate_i8', FLUSH_I8: 'dense_flush_i8', TRACE_DECAY: 'trace_decay_f32',
  STDP_PRE: 'stdp_pre_f32', STDP_POST: 'stdp_post_f32', SCALE_COLUMNS: 'scale_columns_f32',
};
const OP_NAME: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([k, v]) => [v, k]));

const neuronCounterOf = (n: { model: string; adaptation?: unknown }): string =>
  n.model === 'izhikevich' ? 'neuronUpdatesIzh' : n.model.includes('cond') ? 'neuronUpdatesCond' : n.adaptation ? 'neuronUpdatesAlif' : 'neuronUpdatesLif';

export interface InstructionEstimate {
  readonly terms: readonly Term[];
  readonly total: ClassVector;
  /** Ops of the Plan that have no cost model in this table (charged nothing). */
  readonly unmodelled: readonly string[];
}

/** Predicts the executed wasm instructions of a workload from its counters and the Plan. */
export function estimateInstructions(plan: Plan, w: Workload, table: BuildTable): InstructionEstimate {
  const terms: Term[] = [];
  const unmodelled = new Set<string>();
  const add = (kernel: string, feature: string, counter: string, quantity: number) => {
    if (!(quantity > 0)) return;
    const fit: FeatureFit | undefined = table.kernels[kernel];
    const coef = fit?.coef[feature];
    if (!coef) {
      unmodelled.add(`${kernel}.${feature}`);
      return;
    }
    terms.push({ kernel, feature, counter, quantity, instructions: addVectors(zeroVector(), coef, quantity) });
  };
  /** Adds `times` calls' worth of a width decomposed into the kernel's blocks. */
  const addWidth = (kernel: string, width: number, times: number, counter: string, prefix = 'w') => {
    const parts = decompose(width, blocksOf(kernel, table.build), prefix);
    for (const [f, k] of Object.entries(parts)) add(kernel, f, counter, k * times);
  };
  const spec = plan.spec;
  const stepsAll = w.infer.steps + w.learn.steps;
  const net = (key: string) => (w.infer.counters as Record<string, number>)[key] + (w.learn.counters as Record<string, number>)[key];
  const learnC = w.learn.counters as Record<string, number>;

  // The schedule interpreter's own work.
  add('net_run', 'call', 'kernelCalls', w.netRunCalls);
  add('net_run', 'step', 'steps', stepsAll);
  for (const op of plan.ops) {
    const name = OP_NAME.get(op.code) ?? `op${op.code}`;
    const runs = op.phase & PHASE_LEARN && !(op.phase & 1) ? w.learn.steps : stepsAll;
    const skipped = stepsAll - runs;
    if (!table.kernels.net_run?.coef[`op_${name}`]) unmodelled.add(`dispatch of ${name}`);
    add('net_run', `op_${name}`, 'kernelCalls', runs);
    add('net_run', 'skip', 'kernelCalls', skipped);
  }
  const countedSpikes = net('spikes') + (plan.input.counts !== null ? net('eventsIn') : 0);
  add('net_run', 'countedSpikes', 'spikes', countedSpikes);

  // Populations.
  const totalNeurons = plan.populations.reduce((s, p) => s + p.size, 0) || 1;
  for (const pop of plan.populations) {
    const ps = spec.populations.find((p) => p.name === pop.name)!;
    const opLif = plan.ops.find((o) => o.what.startsWith(`${pop.name}: integrate`));
    const kernel = opLif ? OP_KERNEL[OP_NAME.get(opLif.code) ?? ''] ?? 'lif_step_f32' : 'lif_step_f32';
    const share = pop.size / totalNeurons;
    add(kernel, 'call', 'kernelCalls', stepsAll);
    addWidth(kernel, pop.size, stepsAll, neuronCounterOf(ps.neuron as { model: string; adaptation?: unknown }));
    add(kernel, 'candidates', 'spikes', net('spikes') * share);
    add('lif_reset_f32', 'call', 'kernelCalls', stepsAll);
    add('lif_reset_f32', 'spikes', 'spikes', net('spikes') * share);
    if (ps.wta) {
      const k = ps.wta.k > 0 ? ps.wta.k : 1;
      const wta = net('wtaOps') * share;
      const active = Math.min(stepsAll, Math.max(0, (wta - k * net('spikes') * share) / pop.size));
      add('wta_select_f32', 'activeCall', 'kernelCalls', active);
      add('wta_select_f32', 'idleCall', 'kernelCalls', stepsAll - active);
      add('wta_select_f32', 'wtaOps', 'wtaOps', wta);
      add('wta_select_f32', 'spikesIn', 'spikes', net('spikes') * share);
    }
  }

  // Projections.
  const spikesOf = (name: string, c: Record<string, number>) => (name === 'input' ? c.eventsIn : c.spikes * ((plan.populations.find((p) => p.name === name)?.size ?? 0) / totalNeurons));
  for (const pr of plan.projections) {
    const kernel = pr.dtype === 'f32' ? 'dense_accumulate_f32' : 'dense_accumulate_i8';
    const synKey = pr.dtype === 'f32' ? 'synopsF32' : 'synopsI8';
    const sameType = plan.projections.filter((q) => q.dtype === pr.dtype).length;
    // Valid presynaptic events: exact from the synaptic-op counter when one projection has this
    // weight type; otherwise the source's events or spikes.
    const events = sameType === 1 ? net(synKey) / pr.nOut : spikesOf(pr.from, { eventsIn: net('eventsIn'), spikes: net('spikes') });
    add(kernel, 'call', 'kernelCalls', stepsAll);
    addWidth(kernel, pr.nOut, stepsAll, 'kernelCalls');
    add(kernel, 'events', 'eventsIn', events);
    addWidth(kernel, pr.nOut, events, synKey, 'ev_w');
    if (pr.dtype === 'int8') {
      add('dense_flush_i8', 'call', 'kernelCalls', stepsAll);
      addWidth('dense_flush_i8', pr.nOut, stepsAll, 'kernelCalls');
    }
    const ps = spec.projections[pr.index].plasticity;
    if (!ps) continue;
    const ls = w.learn.steps;
    add('trace_decay_f32', 'call', 'kernelCalls', 2 * ls);
    addWidth('trace_decay_f32', pr.nIn, ls, 'traceUpdates');
    addWidth('trace_decay_f32', pr.nOut, ls, 'traceUpdates');
    const preEvents = spikesOf(pr.from, learnC);
    const postSpikes = spikesOf(pr.to, learnC);
    // Rules other than stdp-pair walk the same rows and columns; they are costed with the pair
    // kernels' per-op figures (an approximation until their own instruction counts are derived).
    const etaPlus = ps.rule === 'stdp-pair' ? ps.etaPlus : ps.rule === 'stdp-triplet' ? ps.a2Plus + ps.a3Plus : ps.rule === 'r-stdp' ? ps.aPlus : ps.etaPost;
    const etaMinus = ps.rule === 'stdp-pair' ? ps.etaMinus : ps.rule === 'stdp-triplet' ? ps.a2Minus + ps.a3Minus : ps.rule === 'r-stdp' ? ps.aMinus : ps.etaPre;
    const post = etaPlus !== 0 ? postSpikes * pr.nIn : 0;
    const scale = ps.normalize ? postSpikes * pr.nIn : 0;
    const preKernel = etaMinus !== 0 ? 'stdp_pre_f32' : 'stdp_pre_f32:inactive';
    const postKernel = etaPlus !== 0 ? 'stdp_post_f32' : 'stdp_post_f32:inactive';
    add(preKernel, 'call', 'kernelCalls', ls);
    if (etaMinus !== 0) add(preKernel, 'activeCall', 'kernelCalls', Math.min(ls, preEvents));
    add(preKernel, 'bumps', 'traceUpdates', preEvents);
    add(postKernel, 'call', 'kernelCalls', ls);
    if (etaPlus !== 0) add(postKernel, 'activeCall', 'kernelCalls', Math.min(ls, postSpikes));
    add(postKernel, 'bumps', 'traceUpdates', postSpikes);
    if (etaMinus !== 0) addWidth(preKernel, pr.nOut, preEvents, 'weightUpdates', 'upd_w');
    add(postKernel, 'upd_w1', 'weightUpdates', post);
    if (ps.normalize) {
      const sk = 'targetNorm' in ps.normalize ? 'scale_columns_f32' : 'scale_columns_f32:l1';
      add(sk, 'call', 'kernelCalls', ls);
      add(sk, 'cols', 'weightUpdates', postSpikes);
      add(sk, 'updates', 'weightUpdates', scale);
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
