/**
 * Loading the built kernels. One compiled WebAssembly.Module per build (SIMD or scalar) is
 * cached per process; each runtime instance gets its own instance over its own memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelTrapError, NeuriteError } from '../errors.js';
import { checkAbi } from './abi.js';

export type KernelBuild = 'simd' | 'scalar';

/** The kernel exports, typed. All pointers are byte offsets into the imported memory. */
export interface Kernels {
  heap_base(): number;
  simd_enabled(): number;
  counters_bind(ptr: number): void;
  lif_step_f32(n: number, state: number, params: number, spikeBuf: number, margins: number): number;
  lif_reset_f32(n: number, state: number, params: number, spikes: number, nSpikes: number): void;
  izh_step_f32(n: number, state: number, params: number, spikeBuf: number, margins: number): number;
  lif_cond_step_f32(n: number, state: number, params: number, spikeBuf: number, margins: number): number;
  escape_step_f32(n: number, state: number, params: number, rng: number, spikeBuf: number, margins: number): number;
  lif_step_i16(n: number, state: number, params: number, input: number, spikeBuf: number): number;
  csr_accumulate_f32(rowPtr: number, colIdx: number, vals: number, nIn: number, nOut: number, nnz: number, idx: number, nIdx: number, target: number, scale: number): void;
  csr_stdp_pre_f32(csr: number, nIn: number, nOut: number, nnz: number, pre: number, nPre: number, preTrace: number, postTrace: number, params: number): void;
  csr_stdp_post_f32(csr: number, csc: number, nIn: number, nOut: number, nnz: number, post: number, nPost: number, preTrace: number, postTrace: number, params: number): void;
  conv2d_accumulate_f32(w: number, params: number, ex: number, ey: number, ec: number, nEv: number, target: number): void;
  block_accumulate_f32(w: number, slotOf: number, nActive: number, gIn: number, gOut: number, bIn: number, bOut: number, idx: number, nIdx: number, target: number): void;
  block_prune_regrow_f32(w: number, slotOf: number, blockId: number, nActive: number, gIn: number, gOut: number, bIn: number, bOut: number, nPrune: number, initScale: number, rng: number, scratch: number): number;
  delay_accumulate_f32(w: number, nIn: number, nOut: number, idx: number, nIdx: number, ring: number, nSlots: number, step: number, delay: number): void;
  delay_accumulate_syn_f32(w: number, delays: number, nIn: number, nOut: number, idx: number, nIdx: number, ring: number, nSlots: number, step: number): void;
  delay_deliver_f32(ring: number, nSlots: number, step: number, nOut: number, target: number): void;
  stp_efficacy_f32(state: number, nIn: number, params: number, idx: number, nIdx: number, step: number, eff: number): void;
  dense_accumulate_scaled_f32(w: number, nIn: number, nOut: number, idx: number, nIdx: number, scale: number, target: number): void;
  wta_select_f32(n: number, v: number, spikes: number, margins: number, nSpikes: number, params: number): number;
  dense_accumulate_f32(w: number, nIn: number, nOut: number, idx: number, nIdx: number, target: number): void;
  dense_accumulate_i8(w: number, nIn: number, nOut: number, idx: number, nIdx: number, acc: number): void;
  dense_flush_i8(acc: number, scale: number, nOut: number, target: number): void;
  dense_accumulate_i16(w: number, nIn: number, nOut: number, idx: number, nIdx: number, acc: number): void;
  dense_flush_i16(acc: number, scale: number, nOut: number, target: number): void;
  trace_decay_f32(x: number, n: number, alpha: number, floor: number): void;
  trace_bump_f32(x: number, n: number, idx: number, nIdx: number, impulse: number, nearest: number): void;
  stdp_pre_f32(w: number, nIn: number, nOut: number, pre: number, nPre: number, preTrace: number, postTrace: number, params: number): void;
  stdp_post_f32(w: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, postTrace: number, params: number): void;
  scale_columns_f32(w: number, nIn: number, nOut: number, post: number, nPost: number, target: number, l2: number): void;
  stdp_pre_i8(w: number, nIn: number, nOut: number, pre: number, nPre: number, preTrace: number, postTrace: number, params: number, rng: number): void;
  stdp_post_i8(w: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, postTrace: number, params: number, rng: number): void;
  dense_gather_f32(wt: number, nIn: number, nOut: number, idx: number, nIdx: number, target: number): void;
  stdp_pre_cols_f32(wt: number, nIn: number, nOut: number, pre: number, nPre: number, preTrace: number, postTrace: number, params: number): void;
  stdp_post_rows_f32(wt: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, postTrace: number, params: number): void;
  scale_rows_f32(wt: number, nIn: number, nOut: number, post: number, nPost: number, target: number, l2: number): void;
  scale_columns_i8(w: number, nIn: number, nOut: number, post: number, nPost: number, target: number, l2: number, params: number, rng: number): void;
  triplet_pre_f32(w: number, nIn: number, nOut: number, pre: number, nPre: number, r1: number, r2: number, o1: number, params: number): void;
  triplet_post_f32(w: number, nIn: number, nOut: number, post: number, nPost: number, r1: number, o1: number, o2: number, params: number): void;
  symstdp_pre_f32(w: number, nIn: number, nOut: number, pre: number, nPre: number, preTrace: number, postTrace: number, params: number): void;
  symstdp_post_f32(w: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, postTrace: number, params: number): void;
  hebbsign_pre_f32(w: number, nIn: number, nOut: number, pre: number, nPre: number, preTrace: number, postTrace: number, sign: number, params: number): void;
  hebbsign_post_f32(w: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, postTrace: number, sign: number, params: number): void;
  egdale_update_f32(w: number, theta: number, nIn: number, nOut: number, pre: number, nPre: number, preVal: number, post: number, sign: number, params: number): void;
  egdale_sync_f32(w: number, theta: number, nIn: number, nOut: number, sign: number, params: number): void;
  dcond_pre_f32(w: number, level: number, gain: number, nIn: number, nOut: number, pre: number, nPre: number, signal: number, table: number, params: number): void;
  dcond_post_f32(w: number, level: number, gain: number, nIn: number, nOut: number, post: number, nPost: number, preTrace: number, table: number, params: number): void;
  tempotron_track_f32(elig: number, nIn: number, nOut: number, v: number, vmax: number, flag: number, ka: number, kb: number, params: number): number;
  tempotron_learn_f32(w: number, elig: number, nIn: number, nOut: number, vmax: number, target: number, err: number, params: number): number;
  readout_predict_f32(w: number, nFeat: number, nClass: number, x: number, scores: number): void;
  readout_learn_f32(w: number, nFeat: number, nClass: number, x: number, label: number, lr: number, scores: number, err: number): void;
  elig_step_f32(e: number, nIn: number, nOut: number, a: number, b: number, c: number, d: number, params: number): void;
  elig_apply_f32(w: number, e: number, nIn: number, nOut: number, m: number, mScale: number, params: number): void;
  elig_apply_outer_f32(w: number, nIn: number, nOut: number, a: number, b: number, c: number, d: number, m: number, mScale: number, params: number): void;
  trace_filter_f32(x: number, n: number, alpha: number, u: number): void;
  rstdp_step_f32(e: number, nIn: number, nOut: number, pre: number, nPre: number, post: number, nPost: number, preTrace: number, postTrace: number, stdpParams: number, eligParams: number): void;
  eprop_pseudo_f32(n: number, state: number, lifParams: number, gammaPd: number, psi: number): void;
  eprop_signal_f32(fb: number, nK: number, n: number, err: number, L: number): void;
  tess_signal_f32(basis: number, nClass: number, n: number, spikes: number, nSpikes: number, label: number, slope: number, q: number, L: number): void;
  classp_apply_f32(w: number, acc: number, nIn: number, nOut: number, a: number, m: number, s: number, params: number): number;
  noise_inject_f32(x: number, n: number, rng: number, sigma: number, mode: number): void;
  mode_apply_f32(n: number, drive: number, gain: number, thr: number, out: number): void;
  mode_adapt_f32(n: number, drive: number, err: number, gain: number, thr: number, params: number): void;
  lrh_update_f32(n: number, err: number, fast: number, slow: number, eta: number, aFast: number, aSlow: number, k: number, rho: number, eta0: number, etaMin: number, etaMax: number): void;
  gated_hebb_predict_f32(w: number, nFeat: number, nOut: number, r: number, y: number): void;
  gated_hebb_learn_f32(w: number, nFeat: number, nOut: number, r: number, target: number, gate: number, params: number, y: number, err: number): void;
  ncm_update_f32(mu: number, counts: number, nFeat: number, nClass: number, x: number, label: number): void;
  ncm_predict_f32(mu: number, counts: number, nFeat: number, nClass: number, x: number, cosine: number, scores: number): number;
  hopfield_store_f32(mem: number, nFeat: number, nSlots: number, slot: number, x: number): void;
  hopfield_retrieve_f32(mem: number, nFeat: number, nSlots: number, nUsed: number, q: number, beta: number, p: number, out: number): number;
  rng_seed(state: number, seed: number): void;
  rng_next_u32(state: number): number;
  rng_fill_uniform_f32(state: number, out: number, n: number, lo: number, hi: number): void;
  spike_count_f32(counts: number, n: number, spikes: number, nSpikes: number): void;
  net_run(program: number, nOps: number, nSteps: number, phase: number, stepCounter: number): void;
}

export class KernelsNotBuiltError extends NeuriteError {
  override readonly name = 'KernelsNotBuiltError';
  constructor(readonly path: string) {
    super(`kernels not built: ${path} is missing (run \`npm run build\`)`);
  }
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
      if (name === 'neurite') return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new NeuriteError('cannot find the neurite package root');
    dir = up;
  }
}

export function wasmPath(build: KernelBuild): string {
  return join(packageRoot(), 'build', `neurite.${build}.wasm`);
}

const modules = new Map<KernelBuild, WebAssembly.Module>();

/**
 * Hands in an already compiled kernel module for a build, for hosts without a file system: a
 * browser worker compiles `neurite.<build>.wasm` with WebAssembly.compileStreaming and provides
 * it here before creating runtimes, so the file-system lookup below is never reached. Node needs
 * no call: the module is read from build/ on first use.
 */
export function provideKernelModule(build: KernelBuild, module: WebAssembly.Module): void {
  modules.set(build, module);
}

export function kernelModule(build: KernelBuild): WebAssembly.Module {
  let m = modules.get(build);
  if (!m) {
    const p = wasmPath(build);
    if (!existsSync(p)) throw new KernelsNotBuiltError(p);
    m = new WebAssembly.Module(readFileSync(p));
    modules.set(build, m);
  }
  return m;
}

/** Minimum memory pages the module itself declares (its static data). */
export function moduleMinPages(build: KernelBuild): number {
  // Instantiating over a throwaway one-page-larger memory is the portable way to ask; the
  // module's import descriptor does not expose its minimum in the JS API.
  let pages = 1;
  for (;;) {
    try {
      const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
      new WebAssembly.Instance(kernelModule(build), { env: { memory: mem, abort: () => {} } });
      return pages;
    } catch (e) {
      if (pages >= 64) throw e;
      pages++;
    }
  }
}

/** `__heap_base` of a build: the arena must start at or above it. */
export function heapBase(build: KernelBuild): number {
  const mem = new WebAssembly.Memory({ initial: moduleMinPages(build), maximum: moduleMinPages(build) });
  const inst = new WebAssembly.Instance(kernelModule(build), { env: { memory: mem } });
  return (inst.exports as unknown as Kernels).heap_base();
}

/**
 * Instantiates the kernels over `memory`. Every exported function is wrapped so that a wasm
 * trap (RuntimeError) surfaces as a KernelTrapError naming the kernel.
 */
export function instantiateKernels(build: KernelBuild, memory: WebAssembly.Memory): Kernels {
  const inst = new WebAssembly.Instance(kernelModule(build), {
    env: {
      memory,
      abort: (_msg: number, _file: number, line: number, col: number) => {
        throw new KernelTrapError('abort', `assertion failed at line ${line}:${col}`);
      },
    },
  });
  checkAbi(inst.exports);
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(inst.exports)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...a: number[]) => number;
    wrapped[name] = (...args: number[]) => {
      try {
        return f(...args);
      } catch (e) {
        if (e instanceof WebAssembly.RuntimeError) throw new KernelTrapError(name, e.message);
        throw e;
      }
    };
  }
  return wrapped as unknown as Kernels;
}

/** Unwrapped exports, for benchmarks that must not pay the wrapper's cost. */
export function instantiateKernelsRaw(build: KernelBuild, memory: WebAssembly.Memory): Kernels {
  const inst = new WebAssembly.Instance(kernelModule(build), { env: { memory, abort: () => { throw new KernelTrapError('abort', 'abort'); } } });
  checkAbi(inst.exports);
  return inst.exports as unknown as Kernels;
}
