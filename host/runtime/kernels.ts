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
  readout_predict_f32(w: number, nFeat: number, nClass: number, x: number, scores: number): void;
  readout_learn_f32(w: number, nFeat: number, nClass: number, x: number, label: number, lr: number, scores: number, err: number): void;
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
