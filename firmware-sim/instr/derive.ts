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
import { COUNTERS, OP, OP_WORDS, PHASE_ALWAYS, PHASE_LEARN, STDP, WTA, LIF } from '../../host/runtime/abi.js';
import { wasmPath, type KernelBuild } from '../../host/runtime/kernels.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import {
  addVectors, diffCounts, instrumentWasm, readCounts, sumCounts, vectorTotal, WASM_CLASSES, zeroVector,
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
  trace_decay_f32: [4, 1],
  stdp_pre_f32: [4, 1],
};

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

/** Neuron kernels measured here (others have different signatures and are not costed yet). */
export const NEURON_KERNELS = ['lif_step_f32', 'izh_step_f32', 'lif_cond_step_f32'] as const;

/** A scratch world: one memory, the counting instance, a bump allocator above __heap_base. */
class Harness {
  readonly memory = new WebAssembly.Memory({ initial: 80, maximum: 80 });
  readonly ex: Exports;
  readonly raw: WebAssembly.Exports;
  private cursor: number;
  private readonly start: number;
  readonly counters: number;
  readonly rng = new Xoshiro128(12345);

  constructor(readonly inst: InstrumentResult) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(inst.binary as Uint8Array<ArrayBuffer>), {
      env: { memory: this.memory, abort: () => { throw new Error('kernel abort'); } },
    });
    this.raw = instance.exports;
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

  rand(): number {
    return this.rng.nextFloat();
  }

  /** Executed instructions of `fn` (all functions, or only `own`). */
  measure(fn: () => void, own?: string): ClassVector {
    const a = readCounts(this.raw, this.inst.functions);
    fn();
    const b = readCounts(this.raw, this.inst.functions);
    const d = diffCounts(a, b);
    return own ? d[own] ?? zeroVector() : sumCounts(d);
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

/** Measures every kernel of one build and fits its features. */
export function deriveBuild(build: KernelBuild, wasm: Uint8Array = readFileSync(wasmPath(build))): BuildTable {
  const inst = instrumentWasm(wasm);
  const h = new Harness(inst);
  const ex = h.ex;
  const has = (name: string) => typeof ex[name] === 'function';
  const kernels: Record<string, FeatureFit> = {};
  const simd = build === 'simd';

  // Dense event-driven accumulation (f32 and int8).
  for (const [name, blk] of [['dense_accumulate_f32', 16], ['dense_accumulate_i8', 32]] as const) {
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
        const w = h.alloc(nIn * nOut * (isI8 ? 1 : 4));
        if (isI8) h.i8(w, Array.from({ length: nIn * nOut }, () => Math.floor(h.rand() * 20) - 10));
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

  if (has('dense_flush_i8')) {
    const cases: Case[] = [];
    const blocks = blocksOf('dense_flush_i8', build);
    for (const nOut of range(1, 60, 3)) {
      h.reset();
      const acc = h.alloc(nOut * 2 + 32);
      const scale = h.alloc(nOut * 4 + 32);
      h.f32(scale, new Array(nOut).fill(0.01));
      const target = h.alloc(nOut * 4 + 32);
      cases.push({ features: { call: 1, ...decompose(nOut, blocks) }, measured: h.measure(() => ex.dense_flush_i8(acc, scale, nOut, target)) });
    }
    kernels.dense_flush_i8 = fit(['call', ...Object.keys(decompose(0, blocks))], cases);
  }

  // Neuron integration kernels with the signature (n, state, params, spikeBuf, margins) -> candidates.
  for (const name of NEURON_KERNELS.filter(has)) {
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
        h.f32(params, p);
        const v = new Array(nPad).fill(0);
        for (let k = 0; k < c; k++) v[Math.floor((k * n) / Math.max(c, 1))] = 50;
        h.f32(state, v);
        const spikeBuf = h.alloc(nPad * 4);
        const margins = h.alloc(nPad * 4);
        let cand = 0;
        const m = h.measure(() => { cand = ex[name](n, state, params, spikeBuf, margins); });
        cases.push({ features: { call: 1, ...decompose(n, blocks), candidates: cand }, measured: m });
      }
    }
    const anyCand = cases.some((c) => c.features.candidates > 0);
    const wf = Object.keys(decompose(0, blocks));
    kernels[name] = anyCand
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

  // STDP: full pathway and the early-return variant (learning rate of that pathway = 0).
  const stdpParams = (etaPlus: number, etaMinus: number): number => {
    const p = h.alloc(STDP.PARAM_SLOTS * 4);
    const v = new Array(STDP.PARAM_SLOTS).fill(0);
    v[STDP.ETA_PLUS] = etaPlus;
    v[STDP.ETA_MINUS] = etaMinus;
    v[STDP.W_MAX] = 1;
    v[STDP.X_OFFSET] = 0.1;
    v[STDP.IMPULSE_PRE] = 1;
    v[STDP.IMPULSE_POST] = 1;
    h.f32(p, v);
    h.i32(p + STDP.BOUNDS * 4, [1]);
    return p;
  };
  for (const name of ['stdp_pre_f32', 'stdp_post_f32'] as const) {
    if (!has(name)) continue;
    const pre = name === 'stdp_pre_f32';
    for (const active of [true, false]) {
      const cases: Case[] = [];
      const blocks = pre && active ? blocksOf('stdp_pre_f32', build) : [1];
      for (const size of [1, 3, 4, 7, 8, 16, 30, 64]) {
        for (const ns of [0, 1, 2, 5]) {
          h.reset();
          const nIn = pre ? 32 : size;
          const nOut = pre ? size : 16;
          const w = h.alloc(nIn * nOut * 4);
          h.f32(w, Array.from({ length: nIn * nOut }, () => h.rand() * 0.5));
          const preT = h.alloc(nIn * 4);
          h.f32(preT, Array.from({ length: nIn }, () => 0.2 + h.rand()));
          const postT = h.alloc(nOut * 4);
          h.f32(postT, Array.from({ length: nOut }, () => 0.2 + h.rand()));
          const list = h.alloc(Math.max(ns, 1) * 4);
          h.i32(list, Array.from({ length: ns }, (_, k) => (k * 7) % (pre ? nIn : nOut)));
          const params = pre ? stdpParams(0.01, active ? 0.01 : 0) : stdpParams(active ? 0.01 : 0, 0);
          const m = h.measure(() => ex[name](w, nIn, nOut, list, ns, preT, postT, params));
          const upd = decompose(active ? (pre ? nOut : nIn) : 0, blocks, 'upd_w');
          for (const k of Object.keys(upd)) upd[k] *= ns;
          cases.push({ features: { call: 1, activeCall: ns > 0 ? 1 : 0, bumps: ns, ...upd }, measured: m });
        }
      }
      kernels[active ? name : `${name}:inactive`] = active
        ? fit(['call', 'activeCall', 'bumps', ...Object.keys(decompose(0, blocks, 'upd_w'))], cases, 'includes trace_bump_f32 for the pathway\'s spikes; activeCall = a call with at least one spike; upd_w<b>: spikes x blocks of b weights (upd_w1 = weight updates when scalar)')
        : fit(['call', 'bumps'], cases, 'learning rate of this pathway is 0: traces bumped, weights untouched');
    }
  }

  if (has('scale_columns_f32')) {
    for (const l2 of [1, 0]) {
      const cases: Case[] = [];
      for (const nIn of [8, 16, 32, 64]) {
        for (const ns of [0, 1, 2, 5]) {
          h.reset();
          const nOut = 16;
          const w = h.alloc(nIn * nOut * 4);
          h.f32(w, Array.from({ length: nIn * nOut }, () => 0.01 + h.rand()));
          const list = h.alloc(Math.max(ns, 1) * 4);
          h.i32(list, Array.from({ length: ns }, (_, k) => (k * 3) % nOut));
          cases.push({
            features: { call: 1, cols: ns, updates: ns * nIn },
            measured: h.measure(() => ex.scale_columns_f32(w, nIn, nOut, list, ns, 0.5, l2)),
          });
        }
      }
      kernels[l2 ? 'scale_columns_f32' : 'scale_columns_f32:l1'] = fit(['call', 'cols', 'updates'], cases, l2 ? 'L2 norm' : 'L1 sum');
    }
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

  // The schedule interpreter's own instructions.
  const dispatchFeatures: Record<string, string> = {};
  // Ops whose argument layout this harness knows; any other op gets no dispatch cost (reported).
  const NEURON_OPS = ['LIF', 'IZH', 'LIF_COND'];
  const LAYOUT_KNOWN = ['INPUT', 'WTA', 'LIF_RESET', 'DENSE_F32', 'DENSE_I8', 'FLUSH_I8', 'TRACE_DECAY', 'STDP_PRE', 'STDP_POST', 'SCALE_COLUMNS', 'COUNT_SPIKES', ...NEURON_OPS];
  const knownOps = Object.entries(OP).filter(([name, code]) => code >= 1 && LAYOUT_KNOWN.includes(name));
  {
    const cases: Case[] = [];
    const scratch = (): number => {
      const p = h.alloc(4096);
      return p;
    };
    const argsFor = (code: number, z: number, desc: number, offsets: number): number[] => {
      switch (code) {
        case OP.INPUT: return [desc, offsets, z];
        case OP.WTA: return [0, z, desc, z, z];
        case OP.LIF_RESET: return [0, z, z, desc];
        case OP.DENSE_F32:
        case OP.DENSE_I8: return [z, 0, 0, desc, z];
        case OP.FLUSH_I8: return [z, z, 0, z];
        case OP.TRACE_DECAY: return [z, 0, z, 0];
        case OP.STDP_PRE:
        case OP.STDP_POST: return [z, 0, 0, desc, z, z, z];
        case OP.SCALE_COLUMNS: return [z, 0, 0, desc, z, 0];
        case OP.COUNT_SPIKES: return [z, 64, desc];
        default: return [0, z, z, desc, z, z]; // neuron integration ops: (n, state, params, desc, spikeBuf, margins)
      }
    };
    for (const [name, code] of knownOps) dispatchFeatures[String(code)] = `op_${name}`;
    const features = ['call', 'step', 'skip', ...knownOps.map(([name]) => `op_${name}`), 'countedSpikes'];
    const runProgram = (ops: { code: number; phase: number; spikes?: number }[], steps: number): ClassVector => {
      h.reset();
      const z = scratch();
      const clock = h.alloc(16);
      const prog = h.alloc(ops.length * OP_WORDS * 4 + 16);
      ops.forEach((o, i) => {
        const desc = h.alloc(16);
        const list = h.alloc(256);
        h.i32(list, range(0, 31));
        h.i32(desc, [list, o.spikes ?? 0]);
        const offsets = h.alloc((steps + 2) * 4);
        h.i32(prog + i * OP_WORDS * 4, [o.code, o.phase, ...argsFor(o.code, z, desc, offsets)]);
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
    }
    kernels.net_run = fit(features, cases, 'own instructions of the schedule interpreter; COUNT_SPIKES is inlined in it');
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
