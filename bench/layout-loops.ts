/**
 * Step loops for the weight-layout benchmark (bench/layout.ts) over the raw wasm exports of one
 * build. Like wasm-loops.ts, load it once per build with a distinct URL
 * (`./layout-loops.js?build=simd`, `?build=scalar`) so that each build gets its own function
 * literals and monomorphic call feedback (toolchain notes §8.7).
 *
 * One WebAssembly.Memory per build holds both layouts of the same plastic 1156 -> 256 projection,
 * each with its own traces and synaptic-input target, so the two layouts run side by side from the
 * same initial state:
 *   pre-major  W[nIn][nOut]   dense_accumulate_f32, stdp_pre_f32 (rows), stdp_post_f32 (columns)
 *   post-major WT[nOut][nIn]  dense_gather_f32, stdp_pre_cols_f32 (columns), stdp_post_rows_f32 (rows)
 * One learning step is what the Plan schedules for a plastic projection (host/plan/plan.ts):
 * synaptic input of the step's active inputs, decay of both traces, the pre pathway for the
 * active inputs, then the post pathway for the step's postsynaptic spikes (given, not computed:
 * the neuron update is the same for both layouts and is left out).
 */
import { STDP } from '../host/runtime/abi.js';
import { heapBase, instantiateKernelsRaw, type KernelBuild, type Kernels } from '../host/runtime/kernels.js';
import { N_IN, N_OUT, POOL_MASK, type KernelData } from './kernel-data.js';

const IN_PAD = Math.ceil(N_IN / 4) * 4;

export interface LayoutSnapshot {
  /** Pre-major weights, and the post-major weights transposed back to [nIn][nOut]. */
  wPre: Float32Array;
  wPostT: Float32Array;
  targetPre: Float32Array;
  targetPost: Float32Array;
  preTracePre: Float32Array;
  preTracePost: Float32Array;
  postTracePre: Float32Array;
  postTracePost: Float32Array;
}

export class LayoutLoops {
  readonly build: KernelBuild;
  private readonly k: Kernels;
  private readonly buf: ArrayBuffer;
  private readonly data: KernelData;
  private readonly postCounts: readonly number[];
  private readonly posts: readonly Uint32Array[];
  private readonly pIdx: number;
  private readonly pPost: number[];
  private readonly pW: number;
  private readonly pWT: number;
  private readonly pTargetA: number;
  private readonly pTargetB: number;
  private readonly pXA: number;
  private readonly pYA: number;
  private readonly pXB: number;
  private readonly pYB: number;
  private readonly pParams: number;
  private readonly wT: Float32Array;
  private cA = 0;
  private cB = 0;
  private cPA = 0;
  private cPB = 0;

  constructor(build: KernelBuild, data: KernelData, postCounts: readonly number[], posts: readonly Uint32Array[]) {
    this.build = build;
    this.data = data;
    this.postCounts = postCounts;
    this.posts = posts;
    let cursor = Math.ceil(heapBase(build) / 64) * 64;
    const alloc = (bytes: number): number => {
      const p = cursor;
      cursor += Math.ceil(bytes / 64) * 64;
      return p;
    };
    this.pIdx = alloc(data.idx.length * 4);
    this.pPost = posts.map((p) => alloc(p.length * 4));
    this.pW = alloc(N_IN * N_OUT * 4);
    this.pWT = alloc(N_IN * N_OUT * 4);
    this.pTargetA = alloc(N_OUT * 4);
    this.pTargetB = alloc(N_OUT * 4);
    this.pXA = alloc(IN_PAD * 4);
    this.pYA = alloc(N_OUT * 4);
    this.pXB = alloc(IN_PAD * 4);
    this.pYB = alloc(N_OUT * 4);
    this.pParams = alloc(STDP.PARAM_SLOTS * 4);
    const pages = Math.ceil(cursor / 65536);
    const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buf = mem.buffer;
    this.k = instantiateKernelsRaw(build, mem);
    if (this.k.simd_enabled() !== (build === 'simd' ? 1 : 0)) throw new Error(`build/neurite.${build}.wasm: simd_enabled() does not match`);
    // The same initial weights in both layouts.
    this.wT = new Float32Array(N_IN * N_OUT);
    for (let i = 0; i < N_IN; i++) for (let j = 0; j < N_OUT; j++) this.wT[j * N_IN + i] = data.wStdp[i * N_OUT + j];
    this.reset();
  }

  private f32(p: number, n: number): Float32Array {
    return new Float32Array(this.buf, p, n);
  }

  /** Restores weights, traces, targets and cursors. */
  reset(): void {
    const d = this.data;
    new Uint8Array(this.buf).fill(0, this.pIdx);
    new Uint32Array(this.buf, this.pIdx, d.idx.length).set(d.idx);
    this.posts.forEach((p, c) => new Uint32Array(this.buf, this.pPost[c], p.length).set(p));
    this.f32(this.pW, N_IN * N_OUT).set(d.wStdp);
    this.f32(this.pWT, N_IN * N_OUT).set(this.wT);
    const sp = this.f32(this.pParams, STDP.PARAM_SLOTS);
    const si = new Int32Array(this.buf, this.pParams, STDP.PARAM_SLOTS);
    const s = d.stdp;
    sp[STDP.ETA_PLUS] = s.etaPlus;
    sp[STDP.ETA_MINUS] = s.etaMinus;
    sp[STDP.W_MIN] = s.wMin;
    sp[STDP.W_MAX] = s.wMax;
    si[STDP.BOUNDS] = s.soft ? 1 : 0;
    sp[STDP.X_OFFSET] = s.xOffset;
    sp[STDP.ALPHA_PRE] = s.alphaPre;
    sp[STDP.ALPHA_POST] = s.alphaPost;
    sp[STDP.IMPULSE_PRE] = s.impulsePre;
    sp[STDP.IMPULSE_POST] = s.impulsePost;
    si[STDP.TRACE_MODE] = s.nearest ? 1 : 0;
    sp[STDP.TRACE_FLOOR] = s.traceFloor;
    this.cA = this.cB = this.cPA = this.cPB = 0;
  }

  /** Pre-major learning steps with postCounts[c] post spikes per step. Work: steps. */
  stepPreMajor(c: number, steps: number): number {
    const fwd = this.k.dense_accumulate_f32;
    const decay = this.k.trace_decay_f32;
    const pre = this.k.stdp_pre_f32;
    const post = this.k.stdp_post_f32;
    const start = this.data.stepStart;
    const st = this.data.stdp;
    const aPre = st.alphaPre, aPost = st.alphaPost, floor = st.traceFloor;
    const nPost = this.postCounts[c], pPost = this.pPost[c];
    const pIdx = this.pIdx, pW = this.pW, pT = this.pTargetA, pX = this.pXA, pY = this.pYA, pP = this.pParams;
    let q = this.cA;
    for (let s = 0; s < steps; s++) {
      const a = start[q];
      const n = start[q + 1] - a;
      fwd(pW, N_IN, N_OUT, pIdx + a * 4, n, pT);
      decay(pX, N_IN, aPre, floor);
      decay(pY, N_OUT, aPost, floor);
      pre(pW, N_IN, N_OUT, pIdx + a * 4, n, pX, pY, pP);
      post(pW, N_IN, N_OUT, pPost + q * nPost * 4, nPost, pX, pY, pP);
      q = (q + 1) & POOL_MASK;
    }
    this.cA = q;
    return steps;
  }

  /** Post-major learning steps with postCounts[c] post spikes per step. Work: steps. */
  stepPostMajor(c: number, steps: number): number {
    const fwd = this.k.dense_gather_f32;
    const decay = this.k.trace_decay_f32;
    const pre = this.k.stdp_pre_cols_f32;
    const post = this.k.stdp_post_rows_f32;
    const start = this.data.stepStart;
    const st = this.data.stdp;
    const aPre = st.alphaPre, aPost = st.alphaPost, floor = st.traceFloor;
    const nPost = this.postCounts[c], pPost = this.pPost[c];
    const pIdx = this.pIdx, pW = this.pWT, pT = this.pTargetB, pX = this.pXB, pY = this.pYB, pP = this.pParams;
    let q = this.cB;
    for (let s = 0; s < steps; s++) {
      const a = start[q];
      const n = start[q + 1] - a;
      fwd(pW, N_IN, N_OUT, pIdx + a * 4, n, pT);
      decay(pX, N_IN, aPre, floor);
      decay(pY, N_OUT, aPost, floor);
      pre(pW, N_IN, N_OUT, pIdx + a * 4, n, pX, pY, pP);
      post(pW, N_IN, N_OUT, pPost + q * nPost * 4, nPost, pX, pY, pP);
      q = (q + 1) & POOL_MASK;
    }
    this.cB = q;
    return steps;
  }

  /** Post pathway only, pre-major (strided column walk). Work: weight updates. */
  postOnlyPreMajor(c: number, steps: number): number {
    const post = this.k.stdp_post_f32;
    const nPost = this.postCounts[c], pPost = this.pPost[c];
    const pW = this.pW, pX = this.pXA, pY = this.pYA, pP = this.pParams;
    let q = this.cPA;
    for (let s = 0; s < steps; s++) {
      post(pW, N_IN, N_OUT, pPost + q * nPost * 4, nPost, pX, pY, pP);
      q = (q + 1) & POOL_MASK;
    }
    this.cPA = q;
    return steps * nPost * N_IN;
  }

  /** Post pathway only, post-major (contiguous row walk). Work: weight updates. */
  postOnlyPostMajor(c: number, steps: number): number {
    const post = this.k.stdp_post_rows_f32;
    const nPost = this.postCounts[c], pPost = this.pPost[c];
    const pW = this.pWT, pX = this.pXB, pY = this.pYB, pP = this.pParams;
    let q = this.cPB;
    for (let s = 0; s < steps; s++) {
      post(pW, N_IN, N_OUT, pPost + q * nPost * 4, nPost, pX, pY, pP);
      q = (q + 1) & POOL_MASK;
    }
    this.cPB = q;
    return steps * nPost * N_IN;
  }

  snapshot(): LayoutSnapshot {
    const wt = this.f32(this.pWT, N_IN * N_OUT);
    const back = new Float32Array(N_IN * N_OUT);
    for (let j = 0; j < N_OUT; j++) for (let i = 0; i < N_IN; i++) back[i * N_OUT + j] = wt[j * N_IN + i];
    return {
      wPre: this.f32(this.pW, N_IN * N_OUT).slice(),
      wPostT: back,
      targetPre: this.f32(this.pTargetA, N_OUT).slice(),
      targetPost: this.f32(this.pTargetB, N_OUT).slice(),
      preTracePre: this.f32(this.pXA, N_IN).slice(),
      preTracePost: this.f32(this.pXB, N_IN).slice(),
      postTracePre: this.f32(this.pYA, N_OUT).slice(),
      postTracePost: this.f32(this.pYB, N_OUT).slice(),
    };
  }
}

export function createLayoutLoops(
  build: KernelBuild, data: KernelData, postCounts: readonly number[], posts: readonly Uint32Array[],
): LayoutLoops {
  return new LayoutLoops(build, data, postCounts, posts);
}
