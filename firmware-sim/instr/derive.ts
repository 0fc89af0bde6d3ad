/**
 * Derives the instruction table: how many WebAssembly instructions, by class, each kernel of a
 * built .wasm executes per call, per unit of size and per counted operation.
 *
 * Method. The built module is rewritten into a counting build (instrument.ts). Each kernel is run
 * on a few dozen small cases in a scratch memory, with the counters bound so the counting code the
 * kernels really execute is included. For every instruction class, the executed count is fitted
 * by least squares to the kernel's features (for example, for dense_accumulate_f32:
 * call + nOut + presynaptic events + synaptic ops). Most relations are exactly linear (the residual
 * is 0); where a kernel has data-dependent work not captured by a feature (winner-take-all
 * selection, STDP skips), the residual is reported with the fit.
 *
 * The schedule interpreter (net_run) is measured on its own instructions only: per step, per op
 * skipped by its phase mask and per dispatched op, by op code (callee kernels are excluded, they
 * have their own fits).
 *
 * Regenerate after any kernel change: `npm run build && node dist/firmware-sim/instr/derive-cli.js`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BLK, COND, CONV, COUNTERS, DCOND, EGDALE, EGX, ELIG, EPROP, ESC, HEBBSIGN, IZH, LIF, LIFX, OP, OP_WORDS, PHASE_ALWAYS, PHASE_LEARN, STDP, STP, SYMSTDP, TEMPOTRON, TESS, TRIPLET, WTA } from '../../host/runtime/abi.js';
import { wasmPath, type KernelBuild } from '../../host/runtime/kernels.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import {
  addVectors, CounterReader, instrumentWasm, vectorTotal, WASM_CLASSES, zeroVector,
  type ClassVector, type InstrumentResult,
} from './instrument.js';
import { leastSquares } from './lsq.js';

export interface FeatureFit {
  readonly features: readonly string[];
  /** Instructions by class per unit of each feature. */
  readonly coef: Readonly<Record<string, ClassVector>>;
  readonly cases: number;
  /** Largest |measured - fitted| total instructions over the cases. */
  readonly maxAbsResidual: number;
  /** Largest |measured - fitted| / measured over the cases (measured > 0). */
  readonly maxRelResidual: number;
  readonly note?: string;
}

export interface BuildTable {
  readonly build: KernelBuild;
  readonly wasmBytes: number;
  readonly wasmSha256: string;
  readonly kernels: Readonly<Record<string, FeatureFit>>;
  /** Static frame data per function (for the stack estimate). */
  readonly frames: InstrumentResult['frames'];
  /** Op code -> feature name of net_run's dispatch fit (`op_<NAME>`). */
  readonly dispatchFeatures: Readonly<Record<string, string>>;
}

export interface InstructionTable {
  readonly version: 1;
  readonly regenerate: string;
  readonly classes: readonly string[];
  readonly builds: Readonly<Record<KernelBuild, BuildTable>>;
}

type Exports = Record<string, (...a: number[]) => number>;

/**
 * SIMD kernels process a width in blocks (e.g. 16 lanes, then 4, then a scalar tail), so their
 * cost is linear in the number of blocks of each size, not in the width. Widths are decomposed
 * greedily into these block sizes; the scalar build has blocks of 1 only.
 */
export const SIMD_BLOCKS: Readonly<Record<string, readonly number[]>> = {
  dense_accumulate_f32: [16, 4, 1],
  dense_accumulate_i8: [32, 16, 1],
  dense_flush_i8: [8, 1],
  lif_step_f32: [4, 1],
  izh_step_f32: [4, 1],
  lif_cond_step_f32: [4, 1],
  escape_step_f32: [4, 1],
  trace_decay_f32: [4, 1],
  stdp_pre_f32: [4, 1],
  dense_accumulate_i16: [8, 1],
  dense_flush_i16: [4, 1],
  stdp_post_rows_f32: [4, 1],
  scale_rows_f32: [4, 1],
  triplet_pre_f32: [4, 1],
  symstdp_pre_f32: [4, 1],
  // rstdp_step_f32: the eligibility decay over nIn x nOut (e_w<b>) and the pre-spike rows (upd_w<b>)
  rstdp_step_f32: [4, 1],
  // connectivity kernels (ops 40-49): conv2d and block-sparse walk output rows / block rows in
  // blocks of 4 (row_w<b>, blk_w<b>); the scaled dense input is dense_accumulate_f32's loop nest.
  conv2d_accumulate_f32: [4, 1],
  block_accumulate_f32: [4, 1],
  delay_deliver_f32: [4, 1],
  dense_accumulate_scaled_f32: [16, 4, 1],
  lif_step_i16: [8, 1],
  hebbsign_pre_f32: [4, 1],
  elig_step_f32: [4, 1],
  elig_apply_f32: [4, 1],
  elig_apply_outer_f32: [4, 1],
  eprop_pseudo_f32: [4, 1],
  trace_filter_f32: [4, 1],
  eprop_signal_f32: [4, 1],
  tess_signal_f32: [4, 1],
  tempotron_track_f32: [4, 1],
  egdale_update_f32: [4, 1],
};

/** Geometry of an event-driven conv2d projection (synapses/conv2d.ts, CONV_* slots). */
export interface ConvGeometry { wIn: number; hIn: number; cIn: number; cOut: number; k: number; stride: number; pad: number; wOut: number; hOut: number }

/**
 * The work conv2d_accumulate_f32 does for one in-range event at (x, y), as its loop bounds say:
 * hit (at least one output), missY / missX (no output row / column reached), cos (output channels
 * walked), rows (output rows walked, cOut x rows) and row_w<b> (those rows' spans in blocks of b), synops.
 */
export function convEventFeatures(g: ConvGeometry, x: number, y: number, blocks: readonly number[]): Record<string, number> {
  const s = g.stride;
  const K = g.k;
  const ny = y + g.pad;
  const num = ny - K + 1;
  const oy0 = num <= 0 ? 0 : Math.floor((num + s - 1) / s);
  const oy1 = Math.min(Math.floor(ny / s), g.hOut - 1);
  if (oy0 > oy1) return { missY: 1 };
  const b = x + g.pad - K + 1;
  const phi = (((-b) % s) + s) % s;
  const ox0 = (b + phi) / s;
  const m0 = ox0 < 0 ? -ox0 : 0;
  let m1 = Math.floor((K - phi + s - 1) / s);
  if (ox0 + m1 > g.wOut) m1 = g.wOut - ox0;
  if (m0 >= m1) return { missX: 1 };
  const len = m1 - m0;
  const rows = g.cOut * (oy1 - oy0 + 1);
  const out: Record<string, number> = { hit: 1, cos: g.cOut, rows, synops: rows * len, lowY: num <= 0 ? 1 : 0, lowX: ox0 < 0 ? 1 : 0, highY: Math.floor(ny / s) > g.hOut - 1 ? 1 : 0, highX: ox0 + Math.floor((K - phi + s - 1) / s) > g.wOut ? 1 : 0, wrapPhi: (-b) % s < 0 ? 1 : 0 };
  for (const [f, k] of Object.entries(decompose(len, blocks, 'row_w'))) out[f] = k * rows;
  return out;
}

/** convEventFeatures averaged over every position and channel of the input map (uniform events). */
export function convMeanFeatures(g: ConvGeometry, blocks: readonly number[]): Record<string, number> {
  const acc: Record<string, number> = {};
  for (let y = 0; y < g.hIn; y++) {
    for (let x = 0; x < g.wIn; x++) {
      for (const [f, v] of Object.entries(convEventFeatures(g, x, y, blocks))) acc[f] = (acc[f] ?? 0) + v;
    }
  }
  const n = g.wIn * g.hIn || 1;
  for (const f of Object.keys(acc)) acc[f] /= n;
  return acc;
}

export function blocksOf(kernel: string, build: KernelBuild): readonly number[] {
  return build === 'simd' ? SIMD_BLOCKS[kernel.replace(/:.*/, '')] ?? [1] : [1];
}

/** Greedy decomposition of a width into block counts: { w16: .., w4: .., w1: .. }. */
export function decompose(n: number, blocks: readonly number[], prefix = 'w'): Record<string, number> {
  const out: Record<string, number> = {};
  let rest = n;
  for (const b of blocks) {
    out[`${prefix}${b}`] = Math.floor(rest / b);
    rest -= out[`${prefix}${b}`] * b;
  }
  return out;
}

/**
 * Neuron kernels of the schedule: (n, state, params, spikeBuf, margins) -> candidates, and the
 * escape-noise neuron, which also takes the arena PRNG (n, state, params, rng, spikeBuf, margins).
 */
export const NEURON_KERNELS = ['lif_step_f32', 'izh_step_f32', 'lif_cond_step_f32', 'escape_step_f32'] as const;

/** A scratch world: one memory, the counting instance, a bump allocator above __heap_base. */
class Harness {
  readonly memory = new WebAssembly.Memory({ initial: 80, maximum: 80 });
  readonly ex: Exports;
  readonly raw: WebAssembly.Exports;
  private cursor: number;
  private readonly start: number;
  readonly counters: number;
  readonly rng = new Xoshiro128(12345);
  private readonly reader: CounterReader;

  constructor(readonly inst: InstrumentResult) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(inst.binary as Uint8Array<ArrayBuffer>), {
      env: { memory: this.memory, abort: () => { throw new Error('kernel abort'); } },
    });
    this.raw = instance.exports;
    this.reader = new CounterReader(this.raw, inst.functions);
    this.ex = instance.exports as unknown as Exports;
    this.start = Math.ceil(this.ex.heap_base() / 16) * 16 + 1024;
    this.cursor = this.start;
    this.counters = this.alloc(COUNTERS.length * 8 + 64);
    this.ex.counters_bind(this.counters);
  }

  reset(): void {
    new Uint8Array(this.memory.buffer, this.start).fill(0, 0, this.cursor - this.start);
    this.cursor = this.counters + COUNTERS.length * 8 + 64;
  }

  alloc(bytes: number): number {
    const p = this.cursor;
    this.cursor = Math.ceil((this.cursor + Math.max(bytes, 16)) / 16) * 16;
    if (this.cursor > this.memory.buffer.byteLength) throw new Error('harness memory exhausted');
    return p;
  }

  f32(p: number, values: ArrayLike<number>): void {
    new Float32Array(this.memory.buffer, p, values.length).set(values);
  }

  i32(p: number, values: ArrayLike<number>): void {
    new Int32Array(this.memory.buffer, p, values.length).set(values);
  }

  i8(p: number, values: ArrayLike<number>): void {
    new Int8Array(this.memory.buffer, p, values.length).set(values);
  }

  i16(p: number, values: ArrayLike<number>): void {
    new Int16Array(this.memory.buffer, p, values.length).set(values);
  }

  /** A seeded 16-byte PRNG state (util/prng.ts) for kernels that draw random numbers. */
  rngState(seed = 7): number {
    const p = this.alloc(16);
    this.ex.rng_seed(p, seed);
    return p;
  }

  rand(): number {
    return this.rng.nextFloat();
  }

  /** Executed instructions of `fn` (all functions, or only `own`). */
  measure(fn: () => void, own?: string): ClassVector {
    const a = this.reader.snapshot();
    fn();
    return this.reader.total(a, this.reader.snapshot(), own);
  }
}

interface Case {
  features: Record<string, number>;
  measured: ClassVector;
}

function fit(features: readonly string[], cases: readonly Case[], note?: string): FeatureFit {
  const x = cases.map((c) => features.map((f) => c.features[f] ?? 0));
  const coef: Record<string, ClassVector> = Object.fromEntries(features.map((f) => [f, zeroVector()]));
  for (const cls of WASM_CLASSES) {
    const y = cases.map((c) => c.measured[cls]);
    if (y.every((v) => v === 0)) continue;
    const beta = leastSquares(x, y);
    features.forEach((f, k) => (coef[f][cls] = Math.round(beta[k] * 1e6) / 1e6 || 0)); // no -0: JSON would turn it into 0
  }
  let maxAbs = 0;
  let maxRel = 0;
  for (const c of cases) {
    let pred = 0;
    for (const f of features) pred += (c.features[f] ?? 0) * vectorTotal(coef[f]);
    const meas = vectorTotal(c.measured);
    const abs = Math.abs(meas - pred);
    maxAbs = Math.max(maxAbs, abs);
    if (meas > 0) maxRel = Math.max(maxRel, abs / meas);
  }
  return {
    features,
    coef,
    cases: cases.length,
    maxAbsResidual: Math.round(maxAbs * 100) / 100,
    maxRelResidual: Math.round(maxRel * 1e4) / 1e4,
    ...(note ? { note } : {}),
  };
}

const range = (a: number, b: number, step = 1): number[] => {
  const out: number[] = [];
  for (let v = a; v <= b; v += step) out.push(v);
  return out;
};

/** Pointers the dispatch harness hands to ops: a zeroed scratch block, a valid STDP parameter block,
 * a PRNG state, a spike-list descriptor (0 spikes unless a case says otherwise), step offsets. */
interface DispatchPtrs { z: number; pp: number; rng: number; desc: number; offsets: number; conv: number; ev: number }

/**
 * Arguments that make each schedule op do no work (zero sizes, empty spike lists), so that the
 * dispatch cost of net_run itself is measured. One entry per op code of the ABI; an op code
 * without an entry has no cost model (test/firmware-sim/models.test.ts fails on it).
 */
export const DISPATCH_ARGS: Readonly<Record<string, (p: DispatchPtrs) => number[]>> = {
  INPUT: ({ z, desc, offsets }) => [desc, offsets, z],
  LIF: ({ z, desc }) => [0, z, z, desc, z, z, z],
  IZH: ({ z, desc }) => [0, z, z, desc, z, z, z],
  LIF_COND: ({ z, desc }) => [0, z, z, desc, z, z, z],
  ESCAPE: ({ z, desc, rng }) => [0, z, z, desc, z, z, rng],
  WTA: ({ z, desc }) => [0, z, desc, z, z],
  LIF_RESET: ({ z, desc }) => [0, z, z, desc],
  DENSE_F32: ({ z, desc }) => [z, 0, 0, desc, z],
  DENSE_I8: ({ z, desc }) => [z, 0, 0, desc, z],
  DENSE_I16: ({ z, desc }) => [z, 0, 0, desc, z],
  DENSE_GATHER_F32: ({ z, desc }) => [z, 0, 0, desc, z],
  FLUSH_I8: ({ z }) => [z, z, 0, z],
  FLUSH_I16: ({ z }) => [z, z, 0, z],
  TRACE_DECAY: ({ z, pp }) => [z, 0, pp, 0],
  DECAY: ({ z }) => [z, 0, z, z],
  STDP_PRE: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  STDP_POST: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  STDP_PRE_COLS: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  STDP_POST_ROWS: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  SYMSTDP_PRE: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  SYMSTDP_POST: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, pp],
  STDP_PRE_I8: ({ z, pp, rng, desc }) => [z, 0, 0, desc, z, z, pp, rng],
  STDP_POST_I8: ({ z, pp, rng, desc }) => [z, 0, 0, desc, z, z, pp, rng],
  SCALE_COLUMNS: ({ z, desc }) => [z, 0, 0, desc, z, 0],
  SCALE_ROWS: ({ z, desc }) => [z, 0, 0, desc, z, 0],
  SCALE_COLUMNS_I8: ({ z, pp, rng, desc }) => [z, 0, 0, desc, z, 0, pp, rng],
  TRIPLET_PRE: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, z, pp],
  TRIPLET_POST: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, z, pp],
  RSTDP: ({ z, pp, desc }) => [z, 0, 0, desc, desc, z, z, pp, z],
  // rule/neuron ops (50-64): zeroed parameter blocks (0 classes, no label, empty sizes).
  TESS: ({ z, desc }) => [z, 0, 0, desc, desc, z, z, z, z, z],
  TEMPOTRON: ({ z, desc }) => [z, 0, 0, desc, z, z, z, z, z, z],
  LIF_I16: ({ z, desc }) => [0, z, z, desc, z, z],
  EPROP: ({ z, desc }) => [z, 0, 0, desc, desc, z, z, z, z, z],
  HEBBSIGN_PRE: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, z, pp],
  HEBBSIGN_POST: ({ z, pp, desc }) => [z, 0, 0, desc, z, z, z, pp],
  DCOND: ({ z, desc }) => [z, 0, 0, desc, desc, z, z, z, z],
  EGDALE: ({ z, desc }) => [z, 0, 0, desc, desc, z, z, z, z],
  COUNT_SPIKES: ({ z, desc }) => [z, 64, desc],
  // connectivity ops (40-49): no synapses, empty spike lists, undelayed (nSlots 0; RING_ARG below).
  CSR_F32: ({ z, desc }) => [z, 0, 0, 0, desc, z, 0, z, 0, 0],
  // conv2d: the index decoder of net_run runs on the spike list (`conv` has a valid input map and
  // kernel size 0, so the kernel itself drops the events: its cost is not net_run's).
  CONV2D_F32: ({ z, desc, conv, ev }) => [z, conv, desc, ev, 64, z, z, 0, 0, 0],
  BLOCK_F32: ({ z, desc }) => [z, z, z, desc, z, z, 0, 0, 0],
  BLOCK_PRUNE: ({ z, rng }) => [z, z, z, z, rng, z],
  DELAY_F32: ({ z, desc }) => [z, 0, 0, desc, z, 0, 0],
  DELAY_SYN_F32: ({ z, desc }) => [z, z, 0, 0, desc, z, 0],
  DELAY_DELIVER: ({ z }) => [z, 0, 0, z],
  STP: ({ z, desc }) => [z, 0, z, desc, z],
  DENSE_SCALED_F32: ({ z, desc }) => [z, 0, 0, desc, z, z, z, 0, 0],
  CSR_STDP: ({ z, pp, desc }) => [z, z, 0, 0, 0, desc, desc, z, z, pp],
};

/**
 * Ops whose input may go through a delay ring: the index of their `nSlots` argument (in op.args,
 * after code and phase). With nSlots > 0 net_run computes the ring slot from the clock (a 64-bit
 * remainder), feature `ring_<NAME>` of its fit.
 */
export const RING_ARG: Readonly<Record<string, number>> = {
  CSR_F32: 8, CONV2D_F32: 7, BLOCK_F32: 6, DENSE_SCALED_F32: 7, DELAY_F32: 5, DELAY_SYN_F32: 6, DELAY_DELIVER: 1,
};

const OP_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([k, v]) => [v, k]));

/** Measures every kernel of one build and fits its features. */
export function deriveBuild(build: KernelBuild, wasm: Uint8Array = readFileSync(wasmPath(build))): BuildTable {
  const inst = instrumentWasm(wasm);
  const h = new Harness(inst);
  const ex = h.ex;
  const has = (name: string) => typeof ex[name] === 'function';
  const kernels: Record<string, FeatureFit> = {};
  const simd = build === 'simd';

  // Dense event-driven accumulation (f32 and int8).
  for (const [name, blk] of [['dense_accumulate_f32', 16], ['dense_accumulate_i8', 32], ['dense_accumulate_i16', 8]] as const) {
    if (!has(name)) continue;
    const cases: Case[] = [];
    const nIn = 64;
    const blocks = blocksOf(name, build);
    const half = blocks[1];
    const widths = simd ? [1, 3, 7, half, half + 3, 2 * half + 1, blk, blk + half, blk + half + 2, 2 * blk + 3, 3 * blk + half + 1] : [1, 3, 16, 33, 64];
    for (const nOut of widths) {
      for (const nIdx of [0, 1, 3, 8]) {
        h.reset();
        const isI8 = name.endsWith('i8');
        const isI16 = name.endsWith('i16');
        const w = h.alloc(nIn * nOut * (isI8 ? 1 : isI16 ? 2 : 4));
        if (isI8) h.i8(w, Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * 20) - 10));
        else if (isI16) h.i16(w, Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * 2000) - 1000));
        else h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand()));
        const idx = h.alloc(nIdx * 4);
        h.i32(idx, Array.from({ length: nIdx }, () => Math.floor(h.rand() * nIn)));
        const target = h.alloc(nOut * 4 + 64);
        const m = h.measure(() => ex[name](w, nIn, nOut, idx, nIdx, target));
        const wd = decompose(nOut, blocks);
        const ev = decompose(nOut, blocks, 'ev_w');
        for (const k of Object.keys(ev)) ev[k] *= nIdx;
        cases.push({ features: { call: 1, ...wd, events: nIdx, ...ev }, measured: m });
      }
    }
    kernels[name] = fit(['call', ...Object.keys(decompose(0, blocks)), 'events', ...Object.keys(decompose(0, blocks, 'ev_w'))], cases,
      'w<b>: blocks of b targets per call; ev_w<b>: presynaptic events x blocks (ev_w1 = synaptic ops in the scalar build)');
  }

  for (const [name, accBytes] of [['dense_flush_i8', 2], ['dense_flush_i16', 4]] as const) {
    if (!has(name)) continue;
    const cases: Case[] = [];
    const blocks = blocksOf(name, build);
    for (const nOut of range(1, 60, 3)) {
      h.reset();
      const acc = h.alloc(nOut * accBytes + 32);
      const scale = h.alloc(nOut * 4 + 32);
      h.f32(scale, new Array(nOut).fill(0.01));
      const target = h.alloc(nOut * 4 + 32);
      cases.push({ features: { call: 1, ...decompose(nOut, blocks) }, measured: h.measure(() => ex[name](acc, scale, nOut, target)) });
    }
    kernels[name] = fit(['call', ...Object.keys(decompose(0, blocks))], cases);
  }

  // Post-major synaptic input: a gather along each target's row, scalar in both builds.
  if (has('dense_gather_f32')) {
    const cases: Case[] = [];
    const nIn = 64;
    for (const nOut of [1, 3, 8, 16, 33]) {
      for (const nIdx of [0, 1, 3, 8]) {
        h.reset();
        const wt = h.alloc(nIn * nOut * 4);
        h.f32(wt, Array.from({ length: nIn * nOut }, () => h.rand()));
        const idx = h.alloc(Math.max(nIdx, 1) * 4);
        h.i32(idx, Array.from({ length: nIdx }, () => Math.floor(h.rand() * nIn)));
        const target = h.alloc(nOut * 4 + 64);
        cases.push({ features: { call: 1, w1: nOut, events: nIdx, ev_w1: nIdx * nOut }, measured: h.measure(() => ex.dense_gather_f32(wt, nIn, nOut, idx, nIdx, target)) });
      }
    }
    kernels.dense_gather_f32 = fit(['call', 'w1', 'events', 'ev_w1'], cases, 'w1: targets per call; events: presynaptic events (validity count); ev_w1: events x targets (synaptic ops)');
  }

  // Neuron integration kernels: (n, state, params[, rng], spikeBuf, margins) -> candidates. The
  // Izhikevich kernel is measured for both integration schemes (a branch on a parameter).
  // rest: membrane of the neurons that must not fire (Izhikevich: v = -65 mV, peak 30 mV).
  const neuronVariants: { key: string; kernel: (typeof NEURON_KERNELS)[number]; slots: Record<number, number>; rest?: number }[] = [
    { key: 'lif_step_f32', kernel: 'lif_step_f32', slots: {} },
    { key: 'izh_step_f32', kernel: 'izh_step_f32', slots: { [IZH.A]: 0.02, [IZH.B]: 0.2, [IZH.DT]: 1, [LIF.V_TH]: 30 }, rest: -65 },
    { key: 'izh_step_f32:2003', kernel: 'izh_step_f32', slots: { [IZH.A]: 0.02, [IZH.B]: 0.2, [IZH.DT]: 1, [LIF.V_TH]: 30 }, rest: -65 },
    { key: 'lif_cond_step_f32', kernel: 'lif_cond_step_f32', slots: { [COND.K]: 0.05, [COND.E_REV]: 0, [COND.E_LEAK]: 0 } },
    // escape: far below threshold p ~ 4e-4 per step; at v = 50 p = 1
    { key: 'escape_step_f32', kernel: 'escape_step_f32', slots: { [ESC.INV_DELTA_U]: 1, [ESC.DT_RHO0]: 0.001 } },
  ];
  for (const { key, kernel: name, slots, rest } of neuronVariants.filter((v) => has(v.kernel))) {
    const cases: Case[] = [];
    const blocks = blocksOf(name, build);
    for (const n of [1, 3, 4, 7, 8, 16, 30, 64, 130, 400]) {
      for (const c of [0, 1, 3, 7]) {
        if (c > n) continue;
        h.reset();
        const nPad = Math.ceil(n / 4) * 4;
        const state = h.alloc(5 * nPad * 4);
        const params = h.alloc(16 * 4);
        const p = new Array(16).fill(0);
        p[LIF.ALPHA_M] = 1;
        p[LIF.ALPHA_S] = 0.5;
        p[LIF.V_TH] = 1;
        p[LIF.ALPHA_B] = 1;
        p[LIF.D_THETA] = 0.02;
        for (const [slot, v] of Object.entries(slots)) p[Number(slot)] = v;
        h.f32(params, p);
        if (key === 'izh_step_f32:2003') h.i32(params + IZH.SCHEME * 4, [1]);
        const v = new Array(nPad).fill(rest ?? 0);
        for (let k = 0; k < c; k++) v[Math.floor((k * n) / Math.max(c, 1))] = 50;
        h.f32(state, v);
        if (rest !== undefined) h.f32(state + 3 * nPad * 4, new Array(nPad).fill(0.2 * rest)); // u = b v
        const spikeBuf = h.alloc(nPad * 4);
        const margins = h.alloc(nPad * 4);
        const rng = h.rngState(n + c);
        let cand = 0;
        const m = name === 'escape_step_f32'
          ? h.measure(() => { cand = ex[name](n, state, params, rng, spikeBuf, margins); })
          : h.measure(() => { cand = ex[name](n, state, params, spikeBuf, margins); });
        cases.push({ features: { call: 1, ...decompose(n, blocks), candidates: cand }, measured: m });
      }
    }
    const anyCand = cases.some((c) => c.features.candidates > 0);
    const wf = Object.keys(decompose(0, blocks));
    kernels[key] = anyCand
      ? fit(['call', ...wf, 'candidates'], cases, 'w<b>: blocks of b neurons per call')
      : fit(['call', ...wf], cases, 'no case produced a spike candidate; candidate cost not measured');
  }

  if (has('lif_reset_f32')) {
    const cases: Case[] = [];
    for (const ns of range(0, 20, 2)) {
      h.reset();
      const n = 64;
      const state = h.alloc(5 * n * 4);
      const params = h.alloc(64);
      h.f32(params, [0.9, 0.5, 0.1, 0.1, 1, 0, 0, 3, 1, 0.02]);
      const spikes = h.alloc(ns * 4);
      h.i32(spikes, Array.from({ length: ns }, (_, k) => (k * 3) % n));
      cases.push({ features: { call: 1, spikes: ns }, measured: h.measure(() => ex.lif_reset_f32(n, state, params, spikes, ns)) });
    }
    kernels.lif_reset_f32 = fit(['call', 'spikes'], cases);
  }

  if (has('wta_select_f32')) {
    const cases: Case[] = [];
    const k = 3;
    for (const n of [100, 200, 400]) {
      for (const ns of [0, 1, 2, 3, 4, 5]) {
        h.reset();
        const nPad = Math.ceil(n / 4) * 4;
        const v = h.alloc(nPad * 4);
        h.f32(v, Array.from({ length: nPad }, () => h.rand()));
        const spikes = h.alloc(Math.max(ns, 1) * 4);
        const idx = range(0, n - 1).sort(() => h.rand() - 0.5).slice(0, ns).sort((a, b) => a - b);
        h.i32(spikes, idx);
        const margins = h.alloc(Math.max(ns, 1) * 4);
        h.f32(margins, Array.from({ length: ns }, () => h.rand()));
        const params = h.alloc(WTA.PARAM_SLOTS * 4);
        h.i32(params, [k]);
        h.f32(params + 4, [1, 0]);
        const ctrBefore = new Float64Array(h.memory.buffer, h.counters, COUNTERS.length).slice();
        const m = h.measure(() => ex.wta_select_f32(n, v, spikes, margins, ns, params));
        const ctrAfter = new Float64Array(h.memory.buffer, h.counters, COUNTERS.length);
        const slot = COUNTERS.findIndex((c) => c.key === 'wtaOps');
        const ops = ctrAfter[slot] - ctrBefore[slot];
        cases.push({ features: { activeCall: ns > 0 ? 1 : 0, idleCall: ns > 0 ? 0 : 1, wtaOps: ops, spikesIn: ns }, measured: m });
      }
    }
    kernels.wta_select_f32 = fit(['activeCall', 'idleCall', 'wtaOps', 'spikesIn'], cases,
      'k = 3, n = 100..400, 0..5 candidates; selection (candidates x k) and inhibition (n) are both counted in wtaOps and share one coefficient');
  }

  if (has('trace_decay_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('trace_decay_f32', build);
    for (const n of range(1, 60, 3)) {
      h.reset();
      const x = h.alloc(n * 4 + 16);
      h.f32(x, Array.from({ length: n }, () => h.rand()));
      cases.push({ features: { call: 1, ...decompose(n, blocks) }, measured: h.measure(() => ex.trace_decay_f32(x, n, 0.95, 1e-30)) });
    }
    kernels.trace_decay_f32 = fit(['call', ...Object.keys(decompose(0, blocks))], cases, 'w<b>: blocks of b trace elements per call');
  }

  if (has('trace_bump_f32')) {
    const cases: Case[] = [];
    for (const ni of range(0, 30, 3)) {
      h.reset();
      const x = h.alloc(64 * 4);
      const idx = h.alloc(Math.max(ni, 1) * 4);
      h.i32(idx, Array.from({ length: ni }, () => Math.floor(h.rand() * 64)));
      cases.push({ features: { call: 1, bumps: ni }, measured: h.measure(() => ex.trace_bump_f32(x, 64, idx, ni, 1, 0)) });
    }
    kernels.trace_bump_f32 = fit(['call', 'bumps'], cases);
  }

  // ── Plasticity ────────────────────────────────────────────────────────────────────────────
  // Presynaptic traces are set so that a chosen share of them makes the post pathway's change
  // exactly 0 (x_i = x_offset for pair STDP, x_i = 0 for the other rules): the column walks skip
  // those synapses, which is the data-dependent part of their cost (feature `zero`).
  const XOFF = 0.1;
  const stdpParams = (etaPlus: number, etaMinus: number, qStep = 0, soft = true): number => {
    const p = h.alloc(STDP.PARAM_SLOTS * 4);
    const v = new Array(STDP.PARAM_SLOTS).fill(0);
    v[STDP.ETA_PLUS] = etaPlus;
    v[STDP.ETA_MINUS] = etaMinus;
    v[STDP.W_MAX] = 1;
    v[STDP.X_OFFSET] = XOFF;
    v[STDP.IMPULSE_PRE] = 1;
    v[STDP.IMPULSE_POST] = 1;
    v[STDP.Q_STEP] = qStep;
    h.f32(p, v);
    h.i32(p + STDP.BOUNDS * 4, [soft ? 1 : 0]);
    return p;
  };
  // The weight bounds are a branch on a parameter inside the update loops: each rule is measured
  // with multiplicative (soft) bounds under its own name and with additive bounds as <name>:additive.
  const BOUNDS = [{ soft: true, suffix: '' }, { soft: false, suffix: ':additive' }] as const;
  const isZero = (i: number, zf: number) => (i * 7 + 3) % 10 < zf * 10;
  /** Presynaptic trace values: `zeroValue` where isZero, else in [0.2, 1.2). */
  const preTraceValues = (nIn: number, zf: number, zeroValue: number) => Array.from({ length: nIn }, (_, i) => (isZero(i, zf) ? zeroValue : 0.2 + h.rand()));
  /** Zero entries among the presynaptic indices a kernel walks in scalar code (from `from`). */
  const zerosFrom = (nIn: number, zf: number, from: number) => range(from, nIn - 1).filter((i) => isZero(i, zf)).length;
  const tailStart = (n: number, blocks: readonly number[]) => n - (decompose(n, blocks).w1 ?? 0);

  // Pair STDP and its layouts/weight types: (w, nIn, nOut, list, n, preTrace, postTrace, params[, rng]).
  // pre: the pre pathway (rows of W, or columns of WT for *_cols); else the post pathway.
  const PAIR_KERNELS: readonly { name: string; pre: boolean; wBytes: 1 | 4; rng: boolean; simd: boolean; skip: boolean }[] = [
    { name: 'stdp_pre_f32', pre: true, wBytes: 4, rng: false, simd: true, skip: false },
    { name: 'stdp_post_f32', pre: false, wBytes: 4, rng: false, simd: false, skip: true },
    { name: 'stdp_pre_i8', pre: true, wBytes: 1, rng: true, simd: false, skip: false },
    { name: 'stdp_post_i8', pre: false, wBytes: 1, rng: true, simd: false, skip: true },
    { name: 'stdp_pre_cols_f32', pre: true, wBytes: 4, rng: false, simd: false, skip: false },
    { name: 'stdp_post_rows_f32', pre: false, wBytes: 4, rng: false, simd: true, skip: true },
  ];
  for (const k of PAIR_KERNELS) {
    if (!has(k.name)) continue;
    for (const [active, bounds] of [[true, BOUNDS[0]], [true, BOUNDS[1]], [false, BOUNDS[0]]] as const) {
      const cases: Case[] = [];
      const blocks = active && k.simd ? blocksOf(k.name, build) : [1];
      for (const size of [1, 3, 4, 7, 8, 16, 30, 64]) {
        for (const ns of [0, 1, 2, 5]) {
          for (const zf of k.skip && active ? [0, 0.4] : [0]) {
            h.reset();
            const nIn = k.pre ? 32 : size;
            const nOut = k.pre ? size : 16;
            const w = h.alloc(nIn * nOut * k.wBytes);
            if (k.wBytes === 1) h.i8(w, Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * 100)));
            else h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand() * 0.5));
            const preT = h.alloc(nIn * 4);
            h.f32(preT, preTraceValues(nIn, zf, XOFF));
            const postT = h.alloc(nOut * 4);
            h.f32(postT, Array.from({ length: nOut }, () => 0.2 + h.rand()));
            const list = h.alloc(Math.max(ns, 1) * 4);
            h.i32(list, Array.from({ length: ns }, (_, q) => (q * 7) % (k.pre ? nIn : nOut)));
            const eta = active ? 0.01 : 0;
            const params = k.pre ? stdpParams(0.01, eta, 1 / 127, bounds.soft) : stdpParams(eta, 0, 1 / 127, bounds.soft);
            const rng = h.rngState(size + ns);
            const m = k.rng
              ? h.measure(() => ex[k.name](w, nIn, nOut, list, ns, preT, postT, params, rng))
              : h.measure(() => ex[k.name](w, nIn, nOut, list, ns, preT, postT, params));
            const len = k.pre ? nOut : nIn;
            const upd = decompose(active ? len : 0, blocks, 'upd_w');
            for (const f of Object.keys(upd)) upd[f] *= ns;
            const zero = k.skip && active ? ns * zerosFrom(nIn, zf, tailStart(nIn, blocks)) : 0;
            cases.push({ features: { call: 1, activeCall: ns > 0 ? 1 : 0, bumps: ns, ...upd, ...(k.skip && active ? { zero } : {}) }, measured: m });
          }
        }
      }
      const upd = Object.keys(decompose(0, blocks, 'upd_w'));
      kernels[active ? `${k.name}${bounds.suffix}` : `${k.name}:inactive`] = active
        ? fit(['call', 'activeCall', 'bumps', ...upd, ...(k.skip ? ['zero'] : [])], cases,
          `${bounds.soft ? 'multiplicative' : 'additive'} bounds; ` + 'includes trace_bump_f32 for the pathway\'s spikes; activeCall = a call with at least one spike; upd_w<b>: spikes x blocks of b weights walked (upd_w1 = weight updates when scalar)' +
          (k.skip ? '; zero: synapses skipped because the change is exactly 0 (presynaptic trace at the offset)' : '') + (k.rng ? '; one PRNG draw per updated weight (stochastic rounding)' : ''))
        : fit(['call', 'bumps'], cases, 'learning rate of this pathway is 0: traces bumped, weights untouched');
    }
  }

  // Synaptic scaling: columns of W (f32, int8) or rows of WT (f32), L2 and L1.
  for (const name of ['scale_columns_f32', 'scale_columns_i8', 'scale_rows_f32'] as const) {
    if (!has(name)) continue;
    const rows = name === 'scale_rows_f32';
    const blocks = rows ? blocksOf(name, build) : [1];
    for (const l2 of [1, 0]) {
      const cases: Case[] = [];
      for (const nIn of [5, 8, 16, 30, 32, 64]) {
        for (const ns of [0, 1, 2, 5]) {
          h.reset();
          const nOut = 16;
          const w = h.alloc(nIn * nOut * 4);
          if (name === 'scale_columns_i8') h.i8(w, Array.from({ length: nIn * nOut }, () => 1 + Math.floor(h.rand() * 100)));
          else h.f32(w, Array.from({ length: nIn * nOut }, () => 0.01 + h.rand()));
          const list = h.alloc(Math.max(ns, 1) * 4);
          h.i32(list, Array.from({ length: ns }, (_, k) => (k * 3) % nOut));
          const params = stdpParams(0.01, 0, 1 / 127);
          const rng = h.rngState(nIn + ns);
          const m = name === 'scale_columns_i8'
            ? h.measure(() => ex[name](w, nIn, nOut, list, ns, 0.5, l2, params, rng))
            : h.measure(() => ex[name](w, nIn, nOut, list, ns, 0.5, l2));
          const upd = decompose(nIn, blocks, 'upd_w');
          for (const f of Object.keys(upd)) upd[f] *= ns;
          cases.push({ features: rows ? { call: 1, cols: ns, ...upd } : { call: 1, cols: ns, updates: ns * nIn }, measured: m });
        }
      }
      kernels[l2 ? name : `${name}:l1`] = fit(rows ? ['call', 'cols', ...Object.keys(decompose(0, blocks, 'upd_w'))] : ['call', 'cols', 'updates'], cases,
        `${l2 ? 'L2 norm' : 'L1 sum'}; cols: spiking neurons rescaled${rows ? '; upd_w<b>: rows x blocks of b weights' : '; updates: cols x nIn'}${name.endsWith('i8') ? '; one PRNG draw per weight' : ''}`);
    }
  }

  // Triplet and symmetric STDP: (w, nIn, nOut, list, n, t1, t2, t3[, params]).
  const tripletParams = (a2: number, a3: number, pre: boolean, soft: boolean): number => {
    const p = h.alloc(TRIPLET.PARAM_SLOTS * 4);
    const v = new Array(TRIPLET.PARAM_SLOTS).fill(0);
    v[pre ? TRIPLET.A2_MINUS : TRIPLET.A2_PLUS] = a2;
    v[pre ? TRIPLET.A3_MINUS : TRIPLET.A3_PLUS] = a3;
    v[TRIPLET.W_MAX] = 1;
    h.f32(p, v);
    h.i32(p + TRIPLET.BOUNDS * 4, [soft ? 1 : 0]);
    return p;
  };
  const symParams = (eta: number, pre: boolean, soft: boolean): number => {
    const p = h.alloc(SYMSTDP.PARAM_SLOTS * 4);
    const v = new Array(SYMSTDP.PARAM_SLOTS).fill(0);
    v[pre ? SYMSTDP.ETA_PRE : SYMSTDP.ETA_POST] = eta;
    v[SYMSTDP.W_MAX] = 1;
    v[SYMSTDP.IMPULSE_PRE] = 1;
    v[SYMSTDP.IMPULSE_POST] = 1;
    h.f32(p, v);
    h.i32(p + SYMSTDP.BOUNDS * 4, [soft ? 1 : 0]);
    return p;
  };
  for (const [name, bounds] of ['triplet_pre_f32', 'triplet_post_f32', 'symstdp_pre_f32', 'symstdp_post_f32'].flatMap((n) => BOUNDS.map((b) => [n, b] as const))) {
    if (!has(name)) continue;
    const pre = name.includes('_pre_');
    const triplet = name.startsWith('triplet');
    const blocks = pre ? blocksOf(name, build) : [1];
    const cases: Case[] = [];
    for (const size of [1, 3, 4, 7, 8, 16, 30, 64]) {
      for (const ns of [0, 1, 2, 5]) {
        for (const active of [true, false]) {
          for (const zf of !pre && active ? [0, 0.4] : [0]) {
            h.reset();
            const nIn = pre ? 32 : size;
            const nOut = pre ? size : 16;
            const w = h.alloc(nIn * nOut * 4);
            h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand() * 0.5));
            const x = h.alloc(nIn * 4);
            h.f32(x, preTraceValues(nIn, zf, 0));
            const x2 = h.alloc(nIn * 4);
            h.f32(x2, Array.from({ length: nIn }, () => h.rand()));
            const y = h.alloc(nOut * 4);
            h.f32(y, Array.from({ length: nOut }, () => 0.2 + h.rand()));
            const y2 = h.alloc(nOut * 4);
            h.f32(y2, Array.from({ length: nOut }, () => h.rand()));
            const list = h.alloc(Math.max(ns, 1) * 4);
            h.i32(list, Array.from({ length: ns }, (_, q) => (q * 7) % (pre ? nIn : nOut)));
            const params = triplet ? tripletParams(active ? 0.01 : 0, active ? 0.005 : 0, pre, bounds.soft) : symParams(active ? 0.01 : 0, pre, bounds.soft);
            const m = h.measure(() => {
              if (name === 'triplet_pre_f32') ex[name](w, nIn, nOut, list, ns, x, x2, y, params);
              else if (name === 'triplet_post_f32') ex[name](w, nIn, nOut, list, ns, x, y, y2, params);
              else ex[name](w, nIn, nOut, list, ns, x, y, params);
            });
            const walked = active ? ns : 0;
            const upd = decompose(pre ? nOut : nIn, blocks, 'upd_w');
            for (const f of Object.keys(upd)) upd[f] *= walked;
            cases.push({ features: { call: 1, bumps: ns, [pre ? 'rows' : 'cols']: walked, ...upd, ...(pre ? {} : { zero: walked * zerosFrom(nIn, zf, 0) }) }, measured: m });
          }
        }
      }
    }
    kernels[`${name}${bounds.suffix}`] = fit(['call', 'bumps', pre ? 'rows' : 'cols', ...Object.keys(decompose(0, blocks, 'upd_w')), ...(pre ? [] : ['zero'])], cases,
      `${bounds.soft ? 'multiplicative' : 'additive'} bounds; bumps: spikes of the pathway (traces bumped); ${pre ? 'rows: pre spikes whose row is updated (the rule\'s rate is not 0); upd_w<b>: rows x blocks of b weights' : 'cols: post spikes whose column is updated; upd_w1: cols x nIn; zero: synapses skipped (presynaptic trace exactly 0)'}`);
  }

  // R-STDP eligibility step: decay of the whole eligibility matrix, then the pair-STDP increments.
  if (has('rstdp_step_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('rstdp_step_f32', build);
    for (const [nIn, nOut] of [[8, 3], [13, 16], [32, 5], [7, 7], [32, 16], [5, 30]]) {
      for (const [nPre, nPost] of [[0, 0], [1, 2], [3, 1], [2, 0], [0, 3]]) {
        for (const [aMinus, aPlus] of [[0.01, 0.01], [0, 0.01], [0.01, 0]]) {
          for (const zf of [0, 0.4]) {
            h.reset();
            const e = h.alloc(nIn * nOut * 4);
            h.f32(e, Array.from({ length: nIn * nOut }, () => h.rand() - 0.5));
            const x = h.alloc(nIn * 4);
            h.f32(x, preTraceValues(nIn, zf, 0));
            const y = h.alloc(nOut * 4);
            h.f32(y, Array.from({ length: nOut }, () => 0.2 + h.rand()));
            const pre = h.alloc(Math.max(nPre, 1) * 4);
            h.i32(pre, Array.from({ length: nPre }, (_, q) => (q * 5) % nIn));
            const post = h.alloc(Math.max(nPost, 1) * 4);
            h.i32(post, Array.from({ length: nPost }, (_, q) => (q * 2) % nOut));
            const sp = stdpParams(aPlus, aMinus);
            const ep = h.alloc(ELIG.PARAM_SLOTS * 4);
            h.f32(ep, [0.95, 1e-30]);
            const m = h.measure(() => ex.rstdp_step_f32(e, nIn, nOut, pre, nPre, post, nPost, x, y, sp, ep));
            // The post pathway bumps y before its column walk; the zeros are those of x after the pre bumps.
            const bumped = new Set(Array.from({ length: nPre }, (_, q) => (q * 5) % nIn));
            const zerosAfterPre = range(0, nIn - 1).filter((i) => isZero(i, zf) && !bumped.has(i)).length;
            const rows = aMinus !== 0 ? nPre : 0;
            const cols = aPlus !== 0 ? nPost : 0;
            const upd = decompose(nOut, blocks, 'upd_w');
            for (const f of Object.keys(upd)) upd[f] *= rows;
            cases.push({
              features: { call: 1, ...decompose(nIn * nOut, blocks, 'e_w'), preBumps: nPre, rows, ...upd, postBumps: nPost, cols, colUpdates: cols * nIn, zero: cols * zerosAfterPre },
              measured: m,
            });
          }
        }
      }
    }
    kernels.rstdp_step_f32 = fit(['call', ...Object.keys(decompose(0, blocks, 'e_w')), 'preBumps', 'rows', ...Object.keys(decompose(0, blocks, 'upd_w')), 'postBumps', 'cols', 'colUpdates', 'zero'], cases,
      'e_w<b>: blocks of the nIn x nOut eligibility decay; rows/upd_w<b>: pre spikes x row blocks (A- != 0); cols/colUpdates: post spikes x nIn (A+ != 0); zero: column entries skipped (pre trace 0)');
  }

  for (const name of ['readout_predict_f32', 'readout_learn_f32'] as const) {
    if (!has(name)) continue;
    const cases: Case[] = [];
    for (const nFeat of [16, 64, 200, 400]) {
      for (const nClass of [2, 10]) {
        for (const frac of [0, 0.1, 0.5]) {
          h.reset();
          const w = h.alloc(nFeat * nClass * 4);
          h.f32(w, Array.from({ length: nFeat * nClass }, () => h.rand() - 0.5));
          const x = h.alloc(nFeat * 4);
          const stride = frac > 0 ? Math.round(1 / frac) : 0;
          const xs = Array.from({ length: nFeat }, (_, k) => (stride > 0 && k % stride === 0 ? 1 + (k % 3) : 0));
          h.f32(x, xs);
          const active = xs.filter((v) => v !== 0).length;
          const scores = h.alloc(nClass * 4);
          const err = h.alloc(nClass * 4);
          const m = h.measure(() => (name === 'readout_predict_f32'
            ? ex.readout_predict_f32(w, nFeat, nClass, x, scores)
            : ex.readout_learn_f32(w, nFeat, nClass, x, 3 % nClass, 0.1, scores, err)));
          cases.push({ features: { call: 1, nFeat, nClass, active, activeMacs: active * nClass }, measured: m });
        }
      }
    }
    kernels[name] = fit(['call', 'nFeat', 'nClass', 'active', 'activeMacs'], cases);
  }

  if (has('spike_count_f32')) {
    const cases: Case[] = [];
    for (const ns of range(0, 30, 3)) {
      h.reset();
      const counts = h.alloc(64 * 4);
      const list = h.alloc(Math.max(ns, 1) * 4);
      h.i32(list, Array.from({ length: ns }, (_, k) => k % 64));
      cases.push({ features: { call: 1, spikes: ns }, measured: h.measure(() => ex.spike_count_f32(counts, 64, list, ns)) });
    }
    kernels.spike_count_f32 = fit(['call', 'spikes'], cases);
  }

  // ── Connectivity (ops 40-49) ──────────────────────────────────────────────────────────────
  /** A random CSR structure: row lengths in [0, 2 fan], columns < nOut, weights in [0, 1). */
  const randomCsr = (nIn: number, nOut: number, fan: number) => {
    const lens = Array.from({ length: nIn }, () => Math.floor(h.rand() * (2 * fan + 1)));
    const rowPtr = [0];
    for (const l of lens) rowPtr.push(rowPtr[rowPtr.length - 1] + l);
    const nnz = rowPtr[nIn];
    const colIdx = Array.from({ length: nnz }, () => Math.floor(h.rand() * nOut));
    const base = h.alloc(4 * (nIn + 1) + 8 * nnz);
    h.i32(base, rowPtr);
    h.i32(base + 4 * (nIn + 1), colIdx);
    h.f32(base + 4 * (nIn + 1 + nnz), Array.from({ length: nnz }, () => h.rand() * 0.5));
    return { base, nnz, lens, colIdx, rowPtr };
  };
  const spikeList = (n: number, max: number) => {
    const p = h.alloc(Math.max(n, 1) * 4);
    const idx = Array.from({ length: n }, () => Math.floor(h.rand() * max));
    h.i32(p, idx);
    return { p, idx };
  };
  if (has('csr_accumulate_f32')) {
    for (const scaled of [false, true]) {
      const cases: Case[] = [];
      for (const [nIn, nOut] of [[8, 5], [16, 12], [30, 7]]) {
        for (const fan of [0, 1, 3, 6]) {
          for (const nIdx of [0, 1, 4, 9]) {
            h.reset();
            const csr = randomCsr(nIn, nOut, fan);
            const ev = spikeList(nIdx, nIn);
            const eff = scaled ? h.alloc(Math.max(nIdx, 1) * 4) : 0;
            if (scaled) h.f32(eff, Array.from({ length: nIdx }, () => h.rand()));
            const target = h.alloc(nOut * 4 + 16);
            const colIdx = csr.base + 4 * (nIn + 1);
            const m = h.measure(() => ex.csr_accumulate_f32(csr.base, colIdx, colIdx + 4 * csr.nnz, nIn, nOut, csr.nnz, ev.p, nIdx, target, eff));
            cases.push({ features: { call: 1, events: nIdx, synops: ev.idx.reduce((s, i) => s + csr.lens[i], 0) }, measured: m });
          }
        }
      }
      kernels[scaled ? 'csr_accumulate_f32:scaled' : 'csr_accumulate_f32'] = fit(['call', 'events', 'synops'], cases,
        `events: presynaptic events (rows looked up); synops: stored synapses of those rows${scaled ? ' (each scaled by the STP efficacy)' : ''}`);
    }
  }

  // Pair STDP on CSR synapses: the pre pathway walks the rows of pre spikes, the post pathway the
  // CSC columns of post spikes (skipping synapses whose presynaptic trace is at the offset).
  for (const pre of [true, false]) {
    const name = pre ? 'csr_stdp_pre_f32' : 'csr_stdp_post_f32';
    if (!has(name)) continue;
    for (const [active, bounds] of [[true, BOUNDS[0]], [true, BOUNDS[1]], [false, BOUNDS[0]]] as const) {
      const cases: Case[] = [];
      for (const [nIn, nOut] of [[8, 5], [16, 12], [30, 7]]) {
        for (const fan of [1, 3, 6]) {
          for (const ns of [0, 1, 2, 5]) {
            for (const zf of !pre && active ? [0, 0.4] : [0]) {
              h.reset();
              const csr = randomCsr(nIn, nOut, fan);
              // CSC index of the structure (host/plan/connectivity.ts cscOf), rows ascending per column.
              const colPtr = new Array(nOut + 1).fill(0);
              for (const c of csr.colIdx) colPtr[c + 1]++;
              for (let j = 0; j < nOut; j++) colPtr[j + 1] += colPtr[j];
              const fill = colPtr.slice(0, nOut);
              const row = new Array(csr.nnz).fill(0);
              const syn = new Array(csr.nnz).fill(0);
              for (let i = 0; i < nIn; i++) {
                for (let p = csr.rowPtr[i]; p < csr.rowPtr[i + 1]; p++) {
                  const q = fill[csr.colIdx[p]]++;
                  row[q] = i;
                  syn[q] = p;
                }
              }
              const csc = h.alloc(4 * (nOut + 1) + 8 * csr.nnz);
              h.i32(csc, colPtr);
              h.i32(csc + 4 * (nOut + 1), row);
              h.i32(csc + 4 * (nOut + 1 + csr.nnz), syn);
              const preT = h.alloc(nIn * 4);
              h.f32(preT, preTraceValues(nIn, zf, XOFF));
              const postT = h.alloc(nOut * 4);
              h.f32(postT, Array.from({ length: nOut }, () => 0.2 + h.rand()));
              const list = spikeList(ns, pre ? nIn : nOut);
              const eta = active ? 0.01 : 0;
              const params = pre ? stdpParams(0.01, eta, 0, bounds.soft) : stdpParams(eta, 0.01, 0, bounds.soft);
              const m = pre
                ? h.measure(() => ex.csr_stdp_pre_f32(csr.base, nIn, nOut, csr.nnz, list.p, ns, preT, postT, params))
                : h.measure(() => ex.csr_stdp_post_f32(csr.base, csc, nIn, nOut, csr.nnz, list.p, ns, preT, postT, params));
              const walked = active ? ns : 0;
              const visited = !active ? 0 : pre
                ? list.idx.reduce((s, i) => s + csr.lens[i], 0)
                : list.idx.reduce((s, j) => s + colPtr[j + 1] - colPtr[j], 0);
              const zero = pre || !active ? 0 : list.idx.reduce((s, j) => s + row.slice(colPtr[j], colPtr[j + 1]).filter((i) => isZero(i, zf)).length, 0);
              cases.push({ features: { call: 1, bumps: ns, activeCall: walked > 0 ? 1 : 0, updates: visited, ...(pre ? {} : { zero }) }, measured: m });
            }
          }
        }
      }
      kernels[active ? `${name}${bounds.suffix}` : `${name}:inactive`] = active
        ? fit(['call', 'bumps', 'activeCall', 'updates', ...(pre ? [] : ['zero'])], cases,
          `${bounds.soft ? 'multiplicative' : 'additive'} bounds; includes trace_bump_f32; bumps: ${pre ? 'pre spikes (trace bumped, row walked)' : 'post spikes (trace bumped, CSC column walked)'}; updates: stored synapses visited (= weightUpdates)${pre ? '' : '; zero: visited synapses skipped (presynaptic trace at the offset)'}`)
        : fit(['call', 'bumps'], cases, 'learning rate of this pathway is 0: traces bumped, weights untouched');
    }
  }

  if (has('conv2d_accumulate_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('conv2d_accumulate_f32', build);
    const rowF = Object.keys(decompose(0, blocks, 'row_w'));
    const geoms = [
      { wIn: 12, hIn: 10, cIn: 2, cOut: 3, k: 5, stride: 2, pad: 2 }, { wIn: 9, hIn: 9, cIn: 1, cOut: 2, k: 3, stride: 1, pad: 1 },
      { wIn: 16, hIn: 8, cIn: 2, cOut: 1, k: 7, stride: 3, pad: 0 }, { wIn: 20, hIn: 6, cIn: 1, cOut: 2, k: 9, stride: 1, pad: 4 },
      { wIn: 11, hIn: 11, cIn: 2, cOut: 2, k: 4, stride: 4, pad: 0 },
    ];
    for (const g0 of geoms) {
      const g: ConvGeometry = { ...g0, wOut: Math.floor((g0.wIn + 2 * g0.pad - g0.k) / g0.stride) + 1, hOut: Math.floor((g0.hIn + 2 * g0.pad - g0.k) / g0.stride) + 1 };
      for (const nEv of [0, 1, 2, 4, 7, 10, 13]) {
        h.reset();
        const params = h.alloc(CONV.PARAM_SLOTS * 4);
        h.i32(params, [g.wIn, g.hIn, g.cIn, g.cOut, g.k, g.stride, g.pad, g.wOut, g.hOut]);
        const taps = Math.ceil(g.k / g.stride);
        const nW = g.cIn * g.cOut * g.k * g.stride * taps;
        const w = h.alloc(nW * 4);
        h.f32(w, Array.from({ length: nW }, () => h.rand()));
        const cap = 16;
        const ev = h.alloc(cap * 5 + 16);
        const xs = Array.from({ length: nEv }, () => Math.floor(h.rand() * g.wIn));
        const ys = Array.from({ length: nEv }, () => Math.floor(h.rand() * g.hIn));
        const cs = Array.from({ length: nEv }, () => Math.floor(h.rand() * g.cIn));
        new Uint16Array(h.memory.buffer, ev, nEv).set(xs);
        new Uint16Array(h.memory.buffer, ev + 2 * cap, nEv).set(ys);
        new Uint8Array(h.memory.buffer, ev + 4 * cap, nEv).set(cs);
        const target = h.alloc(g.cOut * g.wOut * g.hOut * 4 + 64);
        const m = h.measure(() => ex.conv2d_accumulate_f32(w, params, ev, ev + 2 * cap, ev + 4 * cap, nEv, target));
        const f: Record<string, number> = { call: 1, events: nEv };
        for (let e = 0; e < nEv; e++) for (const [k, v] of Object.entries(convEventFeatures(g, xs[e], ys[e], blocks))) if (k !== 'synops') f[k] = (f[k] ?? 0) + v;
        cases.push({ features: f, measured: m });
      }
    }
    kernels.conv2d_accumulate_f32 = fit(['call', 'events', 'missY', 'missX', 'lowY', 'lowX', 'highY', 'highX', 'wrapPhi', 'cos', 'rows', ...rowF], cases,
      'events: decoded input events; missY/missX: events reaching no output row/column; lowY/lowX, highY/highX: events whose output rows/columns are clipped at the start/end of the map; wrapPhi: phase computed from a negative remainder; cos: output channels walked (cOut per event reaching the map); rows: output rows walked (cOut x rows per event); row_w<b>: those rows in blocks of b outputs');
  }

  if (has('block_accumulate_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('block_accumulate_f32', build);
    const blkF = Object.keys(decompose(0, blocks, 'blk_w'));
    for (const [gIn, gOut, bIn, bOut, nActive] of [[4, 5, 3, 6, 7], [2, 3, 8, 9, 2], [4, 2, 5, 4, 8], [3, 4, 2, 17, 5], [2, 2, 4, 1, 3]]) {
      for (const nIdx of [0, 1, 3, 8]) {
        h.reset();
        const nBlocks = gIn * gOut;
        const ids = range(0, nBlocks - 1).sort(() => h.rand() - 0.5).slice(0, nActive);
        const slots = new Array(nBlocks).fill(-1);
        ids.forEach((b, q) => (slots[b] = q));
        const slotOf = h.alloc(nBlocks * 4);
        h.i32(slotOf, slots);
        const w = h.alloc(nActive * bIn * bOut * 4);
        h.f32(w, Array.from({ length: nActive * bIn * bOut }, () => h.rand()));
        const ev = spikeList(nIdx, gIn * bIn);
        const target = h.alloc(gOut * bOut * 4 + 64);
        const m = h.measure(() => ex.block_accumulate_f32(w, slotOf, nActive, gIn, gOut, bIn, bOut, ev.p, nIdx, target));
        let nb = 0;
        for (const i of ev.idx) for (let hh = 0; hh < gOut; hh++) if (slots[Math.floor(i / bIn) * gOut + hh] >= 0) nb++;
        const f: Record<string, number> = { call: 1, events: nIdx, groups: nIdx * gOut, blocks: nb };
        for (const [k, v] of Object.entries(decompose(bOut, blocks, 'blk_w'))) f[k] = v * nb;
        cases.push({ features: f, measured: m });
      }
    }
    kernels.block_accumulate_f32 = fit(['call', 'events', 'groups', 'blocks', ...blkF], cases,
      'events: presynaptic events; groups: events x postsynaptic ensembles (mask entries read); blocks: active blocks hit; blk_w<b>: their rows in blocks of b outputs');
  }

  if (has('block_prune_regrow_f32')) {
    const cases: Case[] = [];
    for (const [gIn, gOut, bIn, bOut, nActive] of [[4, 5, 3, 6, 7], [2, 3, 8, 9, 2], [3, 4, 2, 5, 5], [5, 5, 2, 2, 9], [2, 2, 4, 3, 1]]) {
      for (const nPrune of [0, 1, 2, 4]) {
        for (const initScale of [0.5, 0]) {
          h.reset();
          const nBlocks = gIn * gOut;
          const bs = bIn * bOut;
          const ids = range(0, nBlocks - 1).sort(() => h.rand() - 0.5).slice(0, nActive).sort((a, b) => a - b);
          const slots = new Array(nBlocks).fill(-1);
          ids.forEach((b, q) => (slots[b] = q));
          const slotOf = h.alloc(nBlocks * 4);
          h.i32(slotOf, slots);
          const blockId = h.alloc(nActive * 4);
          h.i32(blockId, ids);
          const w = h.alloc(nActive * bs * 4);
          h.f32(w, Array.from({ length: nActive * bs }, () => h.rand() - 0.5));
          const scratch = h.alloc(nActive * 12 + 16);
          const rng = h.rngState(nBlocks + nPrune);
          let moved = 0;
          const m = h.measure(() => { moved = ex.block_prune_regrow_f32(w, slotOf, blockId, nActive, gIn, gOut, bIn, bOut, nPrune, initScale, rng, scratch); });
          const np = Math.max(0, Math.min(nPrune, nActive, nBlocks - nActive));
          // The regrowth scan stops at the chosen free block: nb + 1 iterations per regrown slot.
          const sel = Array.from(new Int32Array(h.memory.buffer, scratch + nActive * 4, np));
          const after = new Int32Array(h.memory.buffer, blockId, nActive);
          const scan = sel.slice(0, moved).reduce((s, q) => s + after[q] + 1, 0);
          cases.push({
            features: np > 0
              ? { call: 1, rewire: 1, mags: nActive * bs, magBlocks: nActive, select: np * nActive, pruned: np, scan: nBlocks, regrowScan: scan, drawn: initScale !== 0 ? moved * bs : 0, zeroed: initScale !== 0 ? 0 : moved * bs }
              : { call: 1 },
            measured: m,
          });
        }
      }
    }
    kernels.block_prune_regrow_f32 = fit(['call', 'rewire', 'mags', 'magBlocks', 'select', 'pruned', 'scan', 'regrowScan', 'drawn', 'zeroed'], cases,
      'rewire: calls that prune (np > 0); pruned: np (every pruned block is regrown: np <= free blocks); mags: nActive x block size (L1 magnitudes); select: np x nActive; scan: nBlocks (free count); regrowScan: blocks scanned to the drawn free block (about nBlocks / 2 each); drawn/zeroed: regrown weights');
  }

  if (has('delay_accumulate_f32')) {
    // Its own instructions only: the accumulation is dense_accumulate_f32 into the ring slot.
    const cases: Case[] = [];
    for (const [nIn, nOut, nSlots, step, delay] of [[8, 5, 3, 0, 1], [16, 12, 7, 100, 6], [4, 4, 1, 5, 0], [10, 9, 4, 2, 3]]) {
      h.reset();
      const w = h.alloc(nIn * nOut * 4);
      const ev = spikeList(3, nIn);
      const ring = h.alloc(nSlots * nOut * 4 + 16);
      cases.push({ features: { call: 1 }, measured: h.measure(() => ex.delay_accumulate_f32(w, nIn, nOut, ev.p, 3, ring, nSlots, step, delay), 'delay_accumulate_f32') });
    }
    kernels.delay_accumulate_f32 = fit(['call'], cases, 'own instructions (ring slot); the accumulation is costed as dense_accumulate_f32');
  }

  if (has('delay_accumulate_syn_f32')) {
    const cases: Case[] = [];
    for (const [nIn, nOut, nSlots] of [[8, 5, 3], [16, 12, 7], [10, 1, 2], [5, 9, 5]]) {
      for (const nIdx of [0, 1, 4]) {
        for (const step of [0, 11]) {
          h.reset();
          const w = h.alloc(nIn * nOut * 4);
          h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand()));
          const dl = h.alloc(nIn * nOut + 16);
          new Uint8Array(h.memory.buffer, dl, nIn * nOut).set(Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * nSlots)));
          const ev = spikeList(nIdx, nIn);
          const ring = h.alloc(nSlots * nOut * 4 + 16);
          const m = h.measure(() => ex.delay_accumulate_syn_f32(w, dl, nIn, nOut, ev.p, nIdx, ring, nSlots, step));
          cases.push({ features: { call: 1, events: nIdx, synops: nIdx * nOut }, measured: m });
        }
      }
    }
    kernels.delay_accumulate_syn_f32 = fit(['call', 'events', 'synops'], cases, 'events: presynaptic events; synops: events x nOut (one ring slot per synapse)');
  }

  if (has('delay_deliver_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('delay_deliver_f32', build);
    for (const nOut of range(1, 40, 3)) {
      h.reset();
      const ring = h.alloc(3 * nOut * 4 + 16);
      const target = h.alloc(nOut * 4 + 16);
      cases.push({ features: { call: 1, ...decompose(nOut, blocks) }, measured: h.measure(() => ex.delay_deliver_f32(ring, 3, nOut + 7, nOut, target)) });
    }
    kernels.delay_deliver_f32 = fit(['call', ...Object.keys(decompose(0, blocks))], cases, 'w<b>: blocks of b targets per call');
  }

  if (has('stp_efficacy_f32')) {
    // The decay over the steps since a unit's last spike multiplies one tabulated factor per set
    // bit of that interval: bits (its binary length) and ones (set bits) per event.
    const cases: Case[] = [];
    for (const nIn of [5, 16, 33]) {
      for (const nIdx of [0, 1, 4, 9]) {
        for (const step of [3, 200, 70000]) {
          h.reset();
          const nPad = Math.ceil(nIn / 4) * 4;
          const state = h.alloc(3 * nPad * 4);
          h.f32(state, Array.from({ length: nPad }, () => h.rand()));
          h.f32(state + nPad * 4, Array.from({ length: nPad }, () => h.rand()));
          const last = Array.from({ length: nPad }, () => Math.floor(h.rand() * step));
          h.i32(state + 2 * nPad * 4, last);
          const params = h.alloc(STP.PARAM_SLOTS * 4);
          h.f32(params, Array.from({ length: STP.PARAM_SLOTS }, () => 0.5 + 0.5 * h.rand()));
          // Distinct units: a repeated unit would see the step of its own earlier event.
          const idx = range(0, nIn - 1).sort(() => h.rand() - 0.5).slice(0, nIdx);
          const list = h.alloc(Math.max(nIdx, 1) * 4);
          h.i32(list, idx);
          const eff = h.alloc(Math.max(nIdx, 1) * 4);
          let bits = 0;
          let ones = 0;
          for (const i of idx) {
            const d = Math.max(0, step - last[i]);
            bits += d === 0 ? 0 : Math.floor(Math.log2(d)) + 1;
            ones += d.toString(2).split('').filter((c) => c === '1').length;
          }
          const m = h.measure(() => ex.stp_efficacy_f32(state, nIn, params, list, nIdx, step, eff));
          cases.push({ features: { call: 1, events: nIdx, bits, ones }, measured: m });
        }
      }
    }
    kernels.stp_efficacy_f32 = fit(['call', 'events', 'bits', 'ones'], cases,
      'events: presynaptic events (= stpUpdates); bits/ones: binary length and set bits of the steps since each unit\'s last spike (no counter records them: estimated by the cost model)');
  }

  if (has('dense_accumulate_scaled_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('dense_accumulate_scaled_f32', build);
    const nIn = 32;
    for (const nOut of simd ? [1, 3, 4, 7, 16, 19, 22, 35, 53] : [1, 3, 16, 33]) {
      for (const nIdx of [0, 1, 3, 8]) {
        h.reset();
        const w = h.alloc(nIn * nOut * 4);
        h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand()));
        const ev = spikeList(nIdx, nIn);
        const eff = h.alloc(Math.max(nIdx, 1) * 4);
        h.f32(eff, Array.from({ length: nIdx }, () => h.rand()));
        const target = h.alloc(nOut * 4 + 64);
        const m = h.measure(() => ex.dense_accumulate_scaled_f32(w, nIn, nOut, ev.p, nIdx, eff, target));
        const evw = decompose(nOut, blocks, 'ev_w');
        for (const k of Object.keys(evw)) evw[k] *= nIdx;
        cases.push({ features: { call: 1, ...decompose(nOut, blocks), events: nIdx, ...evw }, measured: m });
      }
    }
    kernels.dense_accumulate_scaled_f32 = fit(['call', ...Object.keys(decompose(0, blocks)), 'events', ...Object.keys(decompose(0, blocks, 'ev_w'))], cases,
      'as dense_accumulate_f32, each event scaled by its STP efficacy');
  }

  // ── Rule/neuron ops (50-64) with kernels of their own ─────────────────────────────────────
  // Sign-diverse Hebbian STDP: the symmetric rule's walks with a fixed sign per postsynaptic unit.
  const hebbParams = (eta: number, pre: boolean, soft: boolean): number => {
    const p = h.alloc(HEBBSIGN.PARAM_SLOTS * 4);
    const v = new Array(HEBBSIGN.PARAM_SLOTS).fill(0);
    v[pre ? HEBBSIGN.ETA_PRE : HEBBSIGN.ETA_POST] = eta;
    v[HEBBSIGN.W_MIN] = -1;
    v[HEBBSIGN.W_MAX] = 1;
    v[HEBBSIGN.IMPULSE_PRE] = 1;
    v[HEBBSIGN.IMPULSE_POST] = 1;
    h.f32(p, v);
    h.i32(p + HEBBSIGN.BOUNDS * 4, [soft ? 1 : 0]);
    return p;
  };
  for (const [name, bounds] of ['hebbsign_pre_f32', 'hebbsign_post_f32'].flatMap((n) => BOUNDS.map((b) => [n, b] as const))) {
    if (!has(name)) continue;
    const pre = name.includes('_pre_');
    const blocks = pre ? blocksOf(name, build) : [1];
    const cases: Case[] = [];
    for (const size of [1, 3, 4, 7, 8, 16, 30, 64]) {
      for (const ns of [0, 1, 2, 5]) {
        for (const active of [true, false]) {
          for (const zf of !pre && active ? [0, 0.4] : [0]) {
            h.reset();
            const nIn = pre ? 32 : size;
            const nOut = pre ? size : 16;
            const w = h.alloc(nIn * nOut * 4);
            h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand() - 0.5));
            const x = h.alloc(nIn * 4);
            h.f32(x, preTraceValues(nIn, zf, 0));
            const y = h.alloc(nOut * 4);
            h.f32(y, Array.from({ length: nOut }, () => 0.2 + h.rand()));
            const signs = Array.from({ length: nOut }, (_, j) => (j % 3 === 1 ? -1 : 1));
            const sign = h.alloc(nOut * 4);
            h.f32(sign, signs);
            const list = h.alloc(Math.max(ns, 1) * 4);
            const idx = Array.from({ length: ns }, (_, q) => (q * 7) % (pre ? nIn : nOut));
            h.i32(list, idx);
            const params = hebbParams(active ? 0.01 : 0, pre, bounds.soft);
            const m = h.measure(() => ex[name](w, nIn, nOut, list, ns, x, y, sign, params));
            const walked = active ? ns : 0;
            const upd = decompose(pre ? nOut : nIn, blocks, 'upd_w');
            for (const f of Object.keys(upd)) upd[f] *= walked;
            const zero = pre ? 0 : walked * zerosFrom(nIn, zf, 0);
            const neg = pre ? 0 : idx.filter((j) => active && signs[j] < 0).length * (nIn - zerosFrom(nIn, zf, 0));
            cases.push({ features: { call: 1, bumps: ns, [pre ? 'rows' : 'cols']: walked, ...upd, ...(pre ? {} : { zero, neg }) }, measured: m });
          }
        }
      }
    }
    kernels[`${name}${bounds.suffix}`] = fit(['call', 'bumps', pre ? 'rows' : 'cols', ...Object.keys(decompose(0, blocks, 'upd_w')), ...(pre ? [] : ['zero', 'neg'])], cases,
      `${bounds.soft ? 'multiplicative' : 'additive'} bounds; bumps: spikes of the pathway; ${pre ? 'rows: pre spikes whose row is updated; upd_w<b>: rows x blocks of b weights' : 'cols: post spikes whose column is updated; upd_w1: cols x nIn; zero: synapses skipped (presynaptic trace 0); neg: updates of negative-sign columns'}`);
  }

  // Fixed-point LIF: 8 int16 lanes per vector; the scalar tail branches on refractoriness.
  if (has('lif_step_i16')) {
    const cases: Case[] = [];
    const blocks = blocksOf('lif_step_i16', build);
    for (const n of [1, 3, 7, 8, 9, 16, 30, 64, 131]) {
      for (const c of [0, 1, 3, 7]) {
        for (const refr of [0, 2]) {
          if (c + refr > n) continue;
          h.reset();
          const nPad = Math.ceil(n / 8) * 8;
          const state = h.alloc(4 * nPad * 2);
          const v = new Array(nPad).fill(0);
          const r = new Array(nPad).fill(0);
          for (let k = 0; k < c; k++) v[Math.floor((k * n) / Math.max(c, 1))] = 3000;
          // refractory units at the end (in the scalar tail of the SIMD build too)
          for (let k = 0; k < refr; k++) r[n - 1 - k] = 2;
          new Int16Array(h.memory.buffer, state, nPad).set(v);
          new Int16Array(h.memory.buffer, state + 2 * nPad * 2, nPad).set(r);
          const params = h.alloc(LIFX.PARAM_SLOTS * 4);
          h.i32(params, [4, 2, 1000, 0, 0, 2]);
          const input = h.alloc(nPad * 4);
          const spikeBuf = h.alloc(nPad * 4);
          let ns = 0;
          const m = h.measure(() => { ns = ex.lif_step_i16(n, state, params, input, spikeBuf); });
          const tailStartAt = n - (decompose(n, blocks).w1 ?? n);
          const tailRefr = range(tailStartAt, n - 1).filter((i) => r[i] > 0).length;
          const tailSpikes = range(tailStartAt, n - 1).filter((i) => v[i] > 1000 && r[i] === 0).length;
          cases.push({ features: { call: 1, ...decompose(n, blocks), spikes: ns, tailSpikes, tailRefr }, measured: m });
        }
      }
    }
    const wf = Object.keys(decompose(0, blocks));
    kernels.lif_step_i16 = fit(['call', ...wf, 'spikes', ...(blocks.length > 1 ? ['tailSpikes'] : []), 'tailRefr'], cases,
      'w<b>: blocks of b neurons; spikes: spikes emitted; tailSpikes: those of the scalar tail (SIMD build); tailRefr: refractory neurons in the scalar tail');
  }

  // Kernels the composed rule ops (TESS, e-prop) call from net_run (plasticity/spec_rules.ts).
  const eligBlock = (eta: number): number => {
    const p = h.alloc(ELIG.PARAM_SLOTS * 4);
    const v = new Array(ELIG.PARAM_SLOTS).fill(0);
    v[ELIG.ALPHA] = 0.9; v[ELIG.FLOOR] = 1e-30; v[ELIG.K_A] = 1; v[ELIG.K_C] = 0.5; v[ELIG.ETA] = eta; v[ELIG.W_MIN] = -1; v[ELIG.W_MAX] = 1;
    h.f32(p, v);
    return p;
  };
  const vec = (n: number, zf = 0) => {
    const p = h.alloc(Math.max(n, 1) * 4 + 16);
    h.f32(p, Array.from({ length: n }, (_, i) => (isZero(i, zf) ? 0 : 0.2 + h.rand())));
    return p;
  };
  const ELIG_SHAPES = [[3, 5], [8, 16], [13, 7], [32, 9], [5, 33], [16, 20]];
  // elig_step_f32 as e-prop calls it: e = alpha e + a_i b_j (b a vector, no second term).
  if (has('elig_step_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('elig_step_f32', build);
    for (const [nIn, nOut] of ELIG_SHAPES) {
      h.reset();
      const e = vec(nIn * nOut);
      const m = h.measure(() => ex.elig_step_f32(e, nIn, nOut, vec(nIn), vec(nOut), 0, 0, eligBlock(0)));
      const rw = decompose(nOut, blocks, 'row_w');
      for (const k of Object.keys(rw)) rw[k] *= nIn;
      cases.push({ features: { call: 1, rows: nIn, ...rw }, measured: m });
    }
    kernels['elig_step_f32'] = fit(['call', 'rows', ...Object.keys(decompose(0, blocks, 'row_w'))], cases, 'one presynaptic factor, a postsynaptic vector (e-prop); row_w<b>: nIn rows x blocks of b');
  }
  // elig_apply_f32 with a per-postsynaptic modulator (e-prop's learning signal).
  if (has('elig_apply_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('elig_apply_f32', build);
    for (const [nIn, nOut] of ELIG_SHAPES) {
      for (const soft of [0, 1]) {
        h.reset();
        const w = vec(nIn * nOut);
        const p = eligBlock(0.01);
        h.i32(p + ELIG.BOUNDS * 4, [soft]);
        const m = h.measure(() => ex.elig_apply_f32(w, vec(nIn * nOut), nIn, nOut, vec(nOut), -1, p));
        const rw = decompose(nOut, blocks, 'row_w');
        for (const k of Object.keys(rw)) rw[k] *= nIn;
        const sw = decompose(nOut, blocks, 'soft_w');
        for (const k of Object.keys(sw)) sw[k] *= soft ? nIn : 0;
        cases.push({ features: { call: 1, rows: nIn, ...rw, ...sw }, measured: m });
      }
    }
    kernels['elig_apply_f32'] = fit(['call', 'rows', ...Object.keys(decompose(0, blocks, 'row_w')), ...Object.keys(decompose(0, blocks, 'soft_w'))], cases, 'per-postsynaptic modulator; row_w<b>: nIn rows x blocks of b; soft_w<b>: the same with multiplicative bounds (extra)');
  }
  // elig_apply_outer_f32: rows whose presynaptic factors are both 0 are skipped.
  //   :tess  two terms (a_i b_j + c_i d_j), per-post modulator; :eprop  one term with b = 1, per-post modulator.
  for (const variant of ['tess', 'eprop'] as const) {
    if (!has('elig_apply_outer_f32')) break;
    const cases: Case[] = [];
    const blocks = blocksOf('elig_apply_outer_f32', build);
    for (const [nIn, nOut] of ELIG_SHAPES) {
      for (const zf of [0, 0.4]) {
        for (const soft of [0, 1]) {
          h.reset();
          const w = vec(nIn * nOut);
          const p = eligBlock(0.01);
          h.i32(p + ELIG.BOUNDS * 4, [soft]);
          const a = vec(nIn, zf);
          const m = variant === 'tess'
            ? h.measure(() => ex.elig_apply_outer_f32(w, nIn, nOut, a, vec(nOut), a, vec(nOut), vec(nOut), -1, p))
            : h.measure(() => ex.elig_apply_outer_f32(w, nIn, nOut, a, 0, 0, 0, vec(nOut), -1, p));
          const rows = nIn - zerosFrom(nIn, zf, 0);
          const rw = decompose(nOut, blocks, 'row_w');
          for (const k of Object.keys(rw)) rw[k] *= rows;
          const sw = decompose(nOut, blocks, 'soft_w');
          for (const k of Object.keys(sw)) sw[k] *= soft ? rows : 0;
          cases.push({ features: { call: 1, inputs: nIn, rows, ...rw, ...sw }, measured: m });
        }
      }
    }
    kernels[`elig_apply_outer_f32:${variant}`] = fit(['call', 'inputs', 'rows', ...Object.keys(decompose(0, blocks, 'row_w')), ...Object.keys(decompose(0, blocks, 'soft_w'))], cases,
      `${variant === 'tess' ? 'two presynaptic terms (TESS)' : 'one term, b = 1 (e-prop readout)'}, per-post modulator; inputs: nIn; rows: rows with a non-zero presynaptic factor; row_w<b>: those rows x blocks; soft_w<b>: the same with multiplicative bounds (extra)`);
  }
  for (const name of ['eprop_pseudo_f32', 'trace_filter_f32'] as const) {
    if (!has(name)) continue;
    const cases: Case[] = [];
    const blocks = blocksOf(name, build);
    for (const n of range(1, 60, 3)) {
      h.reset();
      const nPad = Math.ceil(n / 4) * 4;
      const m = name === 'eprop_pseudo_f32'
        ? h.measure(() => { const lp = vec(16); h.f32(lp + LIF.V_TH * 4, [1]); ex.eprop_pseudo_f32(n, vec(5 * nPad), lp, 0.3, vec(n)); })
        : h.measure(() => ex.trace_filter_f32(vec(n), n, 0.9, vec(n)));
      cases.push({ features: { call: 1, ...decompose(n, blocks) }, measured: m });
    }
    kernels[name] = fit(['call', ...Object.keys(decompose(0, blocks))], cases, 'w<b>: blocks of b neurons');
  }
  if (has('eprop_signal_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('eprop_signal_f32', build);
    for (const n of [1, 3, 4, 9, 16, 30]) {
      for (const K of [1, 2, 10]) {
        h.reset();
        const m = h.measure(() => ex.eprop_signal_f32(vec(K * n), K, n, vec(K), vec(n)));
        const kw = decompose(n, blocks, 'k_w');
        for (const k of Object.keys(kw)) kw[k] *= K;
        cases.push({ features: { call: 1, ...decompose(n, blocks), ...kw }, measured: m });
      }
    }
    kernels.eprop_signal_f32 = fit(['call', ...Object.keys(decompose(0, blocks)), ...Object.keys(decompose(0, blocks, 'k_w'))], cases, 'w<b>: blocks of b neurons; k_w<b>: readout outputs x blocks');
  }
  if (has('tess_signal_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('tess_signal_f32', build);
    for (const n of [1, 3, 4, 9, 16, 30]) {
      for (const K of [1, 2, 10]) {
        for (const ns of [0, 1, 3]) {
          for (const label of [-1, 0]) {
            h.reset();
            const sp = spikeList(ns, n);
            const m = h.measure(() => ex.tess_signal_f32(vec(K * n), K, n, sp.p, ns, label, 40, vec(K), vec(n)));
            const f: Record<string, number> = { call: 1, classes: K, classSpikes: K * ns };
            if (label >= 0) {
              f.labelled = 1;
              f.lClasses = K;
              for (const [k, v] of Object.entries(decompose(n, blocks, 'z_w'))) f[k] = v;
              for (const [k, v] of Object.entries(decompose(n, blocks, 'k_w'))) f[k] = v * K;
            }
            cases.push({ features: f, measured: m });
          }
        }
      }
    }
    kernels.tess_signal_f32 = fit(['call', 'classes', 'classSpikes', 'labelled', 'lClasses', ...Object.keys(decompose(0, blocks, 'z_w')), ...Object.keys(decompose(0, blocks, 'k_w'))], cases,
      'classes x spikes (class drive q); labelled: a step with a label: L cleared (z_w<b>) and one pass per class (k_w<b>: classes x blocks)');
  }

  // tempotron_track_f32: V_max tracking over nOut, then (a step with a new maximum) the snapshot
  // E[i][j] = K_i for the flagged neurons, a pass over nIn rows.
  if (has('tempotron_track_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('tempotron_track_f32', build);
    for (const [nIn, nOut] of [[3, 5], [8, 16], [13, 7], [32, 9], [5, 33], [7, 6], [2, 11], [9, 3]]) {
      for (const nNew of [0, 1, 2, 3]) {
        if (nNew > nOut) continue;
        h.reset();
        const vs = Array.from({ length: nOut }, () => h.rand());
        const flagged = range(0, nOut - 1).sort(() => h.rand() - 0.5).slice(0, nNew);
        const vm = vs.map((x, j) => (flagged.includes(j) ? x - 0.1 : x + 0.1));
        const v = h.alloc(nOut * 4 + 16);
        h.f32(v, vs);
        const vmax = h.alloc(nOut * 4 + 16);
        h.f32(vmax, vm);
        const p = h.alloc(TEMPOTRON.PARAM_SLOTS * 4);
        h.f32(p + TEMPOTRON.K_SCALE * 4, [1]);
        const m = h.measure(() => ex.tempotron_track_f32(vec(nIn * nOut), nIn, nOut, v, vmax, vec(nOut), vec(nIn), vec(nIn), p));
        const tail = decompose(nOut, blocks).w1 ?? nOut;
        const tailNew = flagged.filter((j) => j >= nOut - tail).length;
        const f: Record<string, number> = { call: 1, ...decompose(nOut, blocks), tailNew };
        if (nNew > 0) {
          f.snap = 1;
          f.rows = nIn;
          for (const [k, x] of Object.entries(decompose(nOut, blocks, 'row_w'))) f[k] = x * nIn;
          f.tailFlagged = tailNew * nIn;
        }
        cases.push({ features: f, measured: m });
      }
    }
    kernels.tempotron_track_f32 = fit(['call', ...Object.keys(decompose(0, blocks)), 'tailNew', 'snap', 'rows', ...Object.keys(decompose(0, blocks, 'row_w')), 'tailFlagged'], cases,
      'w<b>: V_max tracking in blocks; tailNew: new maxima in the scalar tail; snap: steps with a new maximum; rows/row_w<b>: their nIn-row snapshot pass; tailFlagged: snapshot writes in the scalar tail');
  }

  // Discrete-conductance post pathway: one column walk over nIn per post spike (level look-up).
  if (has('dcond_post_f32')) {
    const cases: Case[] = [];
    for (const [nIn, nOut] of [[3, 5], [8, 16], [13, 7], [32, 9]]) {
      for (const ns of [0, 1, 2, 5]) {
        h.reset();
        const level = h.alloc(nIn * nOut + 16);
        new Uint8Array(h.memory.buffer, level, nIn * nOut).set(Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * 16)));
        const p = h.alloc(DCOND.PARAM_SLOTS * 4);
        h.f32(p, [0, 1]);
        h.i32(p + DCOND.LEVELS * 4, [16, 1, 2, 0]);
        h.f32(p + DCOND.X_TH * 4, [0.5]);
        const sp = spikeList(ns, nOut);
        const m = h.measure(() => ex.dcond_post_f32(vec(nIn * nOut), level, vec(nIn * nOut), nIn, nOut, sp.p, ns, vec(nIn), vec(16), p));
        cases.push({ features: { call: 1, cols: ns, updates: ns * nIn }, measured: m });
      }
    }
    kernels.dcond_post_f32 = fit(['call', 'cols', 'updates'], cases, 'cols: post spikes; updates: cols x nIn (= weightUpdates)');
  }
  // Dale's-law exponentiated gradient: one row of nOut (theta step, exp) per presynaptic event.
  if (has('egdale_update_f32')) {
    const cases: Case[] = [];
    const blocks = blocksOf('egdale_update_f32', build);
    for (const [nIn, nOut] of [[3, 5], [8, 16], [13, 7], [32, 9], [6, 22]]) {
      for (const ns of [0, 1, 2, 5]) {
        h.reset();
        const p = h.alloc(EGDALE.PARAM_SLOTS * 4);
        h.f32(p, [0.05, -20, 0, 0.0001, 1]);
        const ones = h.alloc(nIn * 4);
        h.f32(ones, new Array(nIn).fill(1));
        const sign = h.alloc(nIn * 4);
        h.f32(sign, Array.from({ length: nIn }, (_, i) => (i % 5 === 0 ? -1 : 1)));
        const theta = h.alloc(nIn * nOut * 4);
        h.f32(theta, Array.from({ length: nIn * nOut }, () => -3 * h.rand()));
        const sp = spikeList(ns, nIn);
        const m = h.measure(() => ex.egdale_update_f32(vec(nIn * nOut), theta, nIn, nOut, sp.p, ns, ones, vec(nOut), sign, p));
        const rw = decompose(nOut, blocks, 'row_w');
        for (const k of Object.keys(rw)) rw[k] *= ns;
        cases.push({ features: { call: 1, rows: ns, ...rw }, measured: m });
      }
    }
    kernels.egdale_update_f32 = fit(['call', 'rows', ...Object.keys(decompose(0, blocks, 'row_w'))], cases, 'rows: presynaptic events (rows updated); row_w<b>: rows x blocks of b (theta step and exp per weight)');
  }

  // The schedule interpreter's own instructions.
  const dispatchFeatures: Record<string, string> = {};
  // Ops whose argument layout this harness knows (DISPATCH_ARGS); any other op gets no dispatch
  // cost and is reported by the profile as having no cost model.
  const knownOps = Object.entries(OP).filter(([name, code]) => code >= 1 && name in DISPATCH_ARGS);
  {
    const cases: Case[] = [];
    const scratch = (): number => {
      const p = h.alloc(4096);
      return p;
    };
    const ringOps = knownOps.filter(([name]) => name in RING_ARG);
    const labelOps = knownOps.map(([name]) => name).filter((n) => n === 'TESS' || n === 'EPROP' || n === 'EGDALE');
    const features = ['call', 'step', 'skip', ...knownOps.map(([name]) => `op_${name}`), 'countedSpikes',
      ...ringOps.map(([name]) => `ring_${name}`), 'convEvents', 'blockCheck', 'blockRewire',
      ...(labelOps.some((n) => n === 'TESS') ? ['tessLabelled', 'tessEvents'] : []),
      ...(labelOps.some((n) => n === 'EPROP') ? ['epropLabelled', 'epropClasses'] : []),
      ...(labelOps.some((n) => n === 'EGDALE') ? ['egdaleActive', 'egdaleOut'] : [])];
    // The composed rule ops (plasticity/spec_rules.ts) are inlined in net_run: their own loops on a
    // labelled step (TESS: the spike scatter, twice per presynaptic event; e-prop: the error per
    // readout output; Dale's-law EG: the error per neuron on steps with input) are net_run's.
    type ProgOp = { code: number; phase: number; spikes?: number; nSlots?: number; every?: number; classes?: number; nOut?: number };
    const runProgram = (ops: ProgOp[], steps: number): ClassVector => {
      h.reset();
      const z = scratch();
      const pp = stdpParams(0.01, 0.01, 1 / 127);
      const rng = h.rngState();
      const clock = h.alloc(16);
      const conv = h.alloc(CONV.PARAM_SLOTS * 4);
      h.i32(conv, [34, 34, 2]);
      const ev = h.alloc(64 * 5 + 16);
      const prog = h.alloc(ops.length * OP_WORDS * 4 + 16);
      ops.forEach((o, i) => {
        const desc = h.alloc(16);
        const list = h.alloc(256);
        h.i32(list, range(0, 31).map((k) => (o.code === OP.CONV2D_F32 ? k * 71 : k))); // conv2d: spread over the 34 x 34 x 2 map
        h.i32(desc, [list, o.spikes ?? 0]);
        const offsets = h.alloc((steps + 2) * 4);
        const name = OP_NAMES.get(o.code)!;
        const args = DISPATCH_ARGS[name]({ z, pp, rng, desc, offsets, conv, ev });
        if (o.nSlots !== undefined) args[RING_ARG[name]] = o.nSlots;
        if (o.classes !== undefined) {
          // A parameter block with `classes` classes and label 0 (the rest zero: no work in the callees).
          const bp = h.alloc(64 * 4);
          if (name === 'TESS') { h.i32(bp + TESS.CLASSES * 4, [o.classes, 0]); args[9] = bp; }
          if (name === 'EPROP') { h.i32(bp + EPROP.CLASSES * 4, [o.classes, 0]); args[9] = bp; }
          if (name === 'EGDALE') { h.i32(bp + (EGDALE.PARAM_SLOTS + EGX.CLASSES) * 4, [o.classes, 0]); args[8] = bp; args[2] = o.nOut ?? 0; }
        }
        if (o.every !== undefined) {
          const bp = h.alloc(BLK.PARAM_SLOTS * 4);
          h.i32(bp + BLK.EVERY * 4, [o.every]);
          args[3] = bp;
        }
        h.i32(prog + i * OP_WORDS * 4, [o.code, o.phase, ...args]);
      });
      return h.measure(() => ex.net_run(prog, ops.length, steps, PHASE_ALWAYS, clock), 'net_run');
    };
    const add = (features: Record<string, number>, measured: ClassVector) => cases.push({ features: { call: 1, ...features }, measured });
    for (const steps of [1, 3]) {
      add({ step: steps }, runProgram([], steps));
      add({ step: steps, skip: 2 * steps }, runProgram([{ code: OP.INPUT, phase: PHASE_LEARN }, { code: OP.INPUT, phase: PHASE_LEARN }], steps));
      for (const [name, code] of knownOps) {
        add({ step: steps, [`op_${name}`]: steps }, runProgram([{ code, phase: PHASE_ALWAYS }], steps));
        add({ step: steps, [`op_${name}`]: 2 * steps, skip: steps }, runProgram([{ code, phase: PHASE_ALWAYS }, { code, phase: PHASE_ALWAYS }, { code: OP.INPUT, phase: PHASE_LEARN }], steps));
      }
      for (const ns of [4, 9, 17]) {
        add({ step: steps, op_COUNT_SPIKES: steps, countedSpikes: ns * steps }, runProgram([{ code: OP.COUNT_SPIKES, phase: PHASE_ALWAYS, spikes: ns }], steps));
      }
      for (const [name, code] of ringOps) {
        for (const nSlots of [3, 7]) add({ step: steps, [`op_${name}`]: steps, [`ring_${name}`]: steps }, runProgram([{ code, phase: PHASE_ALWAYS, nSlots }], steps));
      }
      if (knownOps.some(([name]) => name === 'CONV2D_F32')) {
        for (const ns of [4, 9, 17]) {
          add({ step: steps, op_CONV2D_F32: steps, convEvents: ns * steps }, runProgram([{ code: OP.CONV2D_F32, phase: PHASE_ALWAYS, spikes: ns }], steps));
        }
      }
      for (const name of labelOps) {
        const code = OP[name as keyof typeof OP];
        for (const [k, ns] of [[1, 0], [2, 5], [3, 9]]) {
          if (name === 'TESS') add({ step: steps, op_TESS: steps, tessLabelled: steps, tessEvents: ns * steps }, runProgram([{ code, phase: PHASE_ALWAYS, spikes: ns, classes: k }], steps));
          if (name === 'EPROP') add({ step: steps, op_EPROP: steps, epropLabelled: steps, epropClasses: k * steps }, runProgram([{ code, phase: PHASE_ALWAYS, spikes: ns, classes: k }], steps));
          if (name === 'EGDALE' && ns > 0) add({ step: steps, op_EGDALE: steps, egdaleActive: steps, egdaleOut: 2 * k * steps }, runProgram([{ code, phase: PHASE_ALWAYS, spikes: ns, classes: k, nOut: 2 * k }], steps));
        }
      }
      if (knownOps.some(([name]) => name === 'BLOCK_PRUNE')) {
        // every = 1: the rewiring call is made at every step (the kernel finds no block: nActive 0);
        // every = 1000: checked, never due in these few steps (the clock starts at 0).
        add({ step: steps, op_BLOCK_PRUNE: steps, blockCheck: steps, blockRewire: steps }, runProgram([{ code: OP.BLOCK_PRUNE, phase: PHASE_ALWAYS, every: 1 }], steps));
        add({ step: steps, op_BLOCK_PRUNE: steps, blockCheck: steps }, runProgram([{ code: OP.BLOCK_PRUNE, phase: PHASE_ALWAYS, every: 1000 }], steps));
      }
    }
    kernels.net_run = fit(features, cases, 'own instructions of the schedule interpreter; COUNT_SPIKES and the conv2d index decoder (convEvents) are inlined in it; ring_<NAME>: a delayed op\'s ring slot; blockCheck/blockRewire: BLOCK_PRUNE with a rewiring interval, and its due steps');
  }

  return {
    build,
    wasmBytes: wasm.length,
    wasmSha256: createHash('sha256').update(wasm).digest('hex'),
    kernels,
    frames: inst.frames,
    dispatchFeatures,
  };
}

export function deriveInstructionTable(): InstructionTable {
  return {
    version: 1,
    regenerate: 'npm run build && node dist/firmware-sim/instr/derive-cli.js',
    classes: WASM_CLASSES,
    builds: { scalar: deriveBuild('scalar'), simd: deriveBuild('simd') },
  };
}

/** Adds `k` times a fit's coefficient vector for `feature` to `acc` (no-op for unknown features). */
export function addFeature(acc: ClassVector, fitEntry: FeatureFit | undefined, feature: string, k: number): ClassVector {
  if (!fitEntry || k === 0) return acc;
  const c = fitEntry.coef[feature];
  return c ? addVectors(acc, c, k) : acc;
}
