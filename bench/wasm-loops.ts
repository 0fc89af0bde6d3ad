/**
 * Step loops over the raw (unwrapped) wasm kernel exports, for one build.
 *
 * Load this module once per build with a distinct URL (`./wasm-loops.js?build=simd`, `?build=scalar`):
 * each URL is a separate module instance, so the two builds get separate function literals and
 * V8 keeps separate, monomorphic call feedback for each (toolchain notes §8.7). Sharing one class
 * between the builds would make every JS -> wasm call site in these loops polymorphic.
 *
 * All data lives in one WebAssembly.Memory per build, laid out above the module's __heap_base;
 * pointers are byte offsets. The counters are left unbound (counters_bind is never called), so
 * the kernels skip their counter updates, as an uninstrumented deployment would.
 */
import { LIF, STATE, STDP } from '../host/runtime/abi.js';
import { heapBase, instantiateKernelsRaw, type KernelBuild, type Kernels } from '../host/runtime/kernels.js';
import {
  LIF_N, N_IN, N_OUT, POOL_MASK, POOL_STEPS, POST_PER_STEP,
  type KernelData, type KernelLoops, type KernelSnapshot,
} from './kernel-data.js';

const LIF_PAD = Math.ceil(LIF_N / 4) * 4;
const IN_PAD = Math.ceil(N_IN / 4) * 4;

class WasmLoops implements KernelLoops {
  readonly name: string;
  private readonly k: Kernels;
  private readonly mem: WebAssembly.Memory;
  private readonly buf: ArrayBuffer;
  private readonly data: KernelData;
  // Pointers (byte offsets).
  private readonly pIdx: number;
  private readonly pPost: number;
  private readonly pWF32: number;
  private readonly pWI8: number;
  private readonly pScale: number;
  private readonly pWStdp: number;
  private readonly pTargetF32: number;
  private readonly pTargetI8: number;
  private readonly pAcc: number;
  private readonly pLifState: number;
  private readonly pLifParams: number;
  private readonly pSpikes: number;
  private readonly pMargins: number;
  private readonly pPreTrace: number;
  private readonly pPostTrace: number;
  private readonly pStdpParams: number;
  // Pool cursors, one per loop.
  private cF32 = 0;
  private cI8 = 0;
  private cStdp = 0;
  private cPre = 0;
  private cPost = 0;
  private lifSpikes = 0;

  constructor(readonly build: KernelBuild, data: KernelData) {
    this.name = `wasm ${build}`;
    this.data = data;
    let cursor = Math.ceil(heapBase(build) / 64) * 64;
    const alloc = (bytes: number): number => {
      const p = cursor;
      cursor += Math.ceil(bytes / 64) * 64;
      return p;
    };
    this.pIdx = alloc(data.idx.length * 4);
    this.pPost = alloc(data.post.length * 4);
    this.pWF32 = alloc(N_IN * N_OUT * 4);
    this.pWI8 = alloc(N_IN * N_OUT);
    this.pScale = alloc(N_OUT * 4);
    this.pWStdp = alloc(N_IN * N_OUT * 4);
    this.pTargetF32 = alloc(N_OUT * 4);
    this.pTargetI8 = alloc(N_OUT * 4);
    this.pAcc = alloc(N_OUT * 2);
    this.pLifState = alloc(STATE.ARRAYS * LIF_PAD * 4);
    this.pLifParams = alloc(LIF.PARAM_SLOTS * 4);
    this.pSpikes = alloc(LIF_PAD * 4);
    this.pMargins = alloc(LIF_PAD * 4);
    this.pPreTrace = alloc(IN_PAD * 4);
    this.pPostTrace = alloc(N_OUT * 4);
    this.pStdpParams = alloc(STDP.PARAM_SLOTS * 4);
    const pages = Math.ceil(cursor / 65536);
    this.mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.buf = this.mem.buffer;
    this.k = instantiateKernelsRaw(build, this.mem);
    const simd = this.k.simd_enabled();
    if (simd !== (build === 'simd' ? 1 : 0)) throw new Error(`build/neurite.${build}.wasm reports simd_enabled() = ${simd}`);
    this.reset();
  }

  private f32(p: number, n: number): Float32Array {
    return new Float32Array(this.buf, p, n);
  }

  reset(): void {
    const d = this.data;
    new Uint8Array(this.buf).fill(0, this.pIdx);
    new Uint32Array(this.buf, this.pIdx, d.idx.length).set(d.idx);
    new Uint32Array(this.buf, this.pPost, d.post.length).set(d.post);
    this.f32(this.pWF32, N_IN * N_OUT).set(d.wF32);
    new Int8Array(this.buf, this.pWI8, N_IN * N_OUT).set(d.wI8);
    this.f32(this.pScale, N_OUT).set(d.scaleI8);
    this.f32(this.pWStdp, N_IN * N_OUT).set(d.wStdp);
    // LIF: state arrays v, I, refr, b zero; bias from the data. Params in their ABI slots.
    this.f32(this.pLifState + STATE.BIAS * LIF_PAD * 4, LIF_N).set(d.lifBias);
    const lp = this.f32(this.pLifParams, LIF.PARAM_SLOTS);
    const li = new Int32Array(this.buf, this.pLifParams, LIF.PARAM_SLOTS);
    lp[LIF.ALPHA_M] = d.lif.alphaM;
    lp[LIF.ALPHA_S] = d.lif.alphaS;
    lp[LIF.BETA] = d.lif.beta;
    lp[LIF.GAMMA] = d.lif.gamma;
    lp[LIF.V_TH] = d.lif.vTh;
    lp[LIF.V_RESET] = d.lif.vReset;
    li[LIF.RESET_MODE] = d.lif.resetSubtract ? 1 : 0;
    li[LIF.REFRAC_HOLD] = d.lif.refracHold;
    lp[LIF.ALPHA_B] = d.lif.alphaB;
    lp[LIF.D_THETA] = d.lif.dTheta;
    const sp = this.f32(this.pStdpParams, STDP.PARAM_SLOTS);
    const si = new Int32Array(this.buf, this.pStdpParams, STDP.PARAM_SLOTS);
    sp[STDP.ETA_PLUS] = d.stdp.etaPlus;
    sp[STDP.ETA_MINUS] = d.stdp.etaMinus;
    sp[STDP.W_MIN] = d.stdp.wMin;
    sp[STDP.W_MAX] = d.stdp.wMax;
    si[STDP.BOUNDS] = d.stdp.soft ? 1 : 0;
    sp[STDP.X_OFFSET] = d.stdp.xOffset;
    sp[STDP.ALPHA_PRE] = d.stdp.alphaPre;
    sp[STDP.ALPHA_POST] = d.stdp.alphaPost;
    sp[STDP.IMPULSE_PRE] = d.stdp.impulsePre;
    sp[STDP.IMPULSE_POST] = d.stdp.impulsePost;
    si[STDP.TRACE_MODE] = d.stdp.nearest ? 1 : 0;
    sp[STDP.TRACE_FLOOR] = d.stdp.traceFloor;
    this.cF32 = this.cI8 = this.cStdp = this.cPre = this.cPost = 0;
    this.lifSpikes = 0;
  }

  fwdF32(steps: number): number {
    const f = this.k.dense_accumulate_f32;
    const start = this.data.stepStart;
    const pIdx = this.pIdx, pW = this.pWF32, pT = this.pTargetF32;
    let c = this.cF32;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const a = start[c];
      const n = start[c + 1] - a;
      f(pW, N_IN, N_OUT, pIdx + a * 4, n, pT);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cF32 = c;
    return events * N_OUT;
  }

  fwdI8(steps: number): number {
    const acc = this.k.dense_accumulate_i8;
    const flush = this.k.dense_flush_i8;
    const start = this.data.stepStart;
    const pIdx = this.pIdx, pW = this.pWI8, pAcc = this.pAcc, pScale = this.pScale, pT = this.pTargetI8;
    let c = this.cI8;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const a = start[c];
      const n = start[c + 1] - a;
      acc(pW, N_IN, N_OUT, pIdx + a * 4, n, pAcc);
      flush(pAcc, pScale, N_OUT, pT);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cI8 = c;
    return events * N_OUT;
  }

  lif(steps: number): number {
    const step = this.k.lif_step_f32;
    const reset = this.k.lif_reset_f32;
    const pS = this.pLifState, pP = this.pLifParams, pSp = this.pSpikes, pM = this.pMargins;
    let spikes = 0;
    for (let s = 0; s < steps; s++) {
      const ns = step(LIF_N, pS, pP, pSp, pM);
      reset(LIF_N, pS, pP, pSp, ns);
      spikes += ns;
    }
    this.lifSpikes += spikes;
    return steps * LIF_N;
  }

  stdp(steps: number): number {
    const decay = this.k.trace_decay_f32;
    const pre = this.k.stdp_pre_f32;
    const post = this.k.stdp_post_f32;
    const start = this.data.stepStart;
    const st = this.data.stdp;
    const aPre = st.alphaPre, aPost = st.alphaPost, floor = st.traceFloor;
    const pIdx = this.pIdx, pPost = this.pPost, pW = this.pWStdp;
    const pX = this.pPreTrace, pY = this.pPostTrace, pP = this.pStdpParams;
    let c = this.cStdp;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const a = start[c];
      const n = start[c + 1] - a;
      decay(pX, N_IN, aPre, floor);
      decay(pY, N_OUT, aPost, floor);
      pre(pW, N_IN, N_OUT, pIdx + a * 4, n, pX, pY, pP);
      post(pW, N_IN, N_OUT, pPost + c * POST_PER_STEP * 4, POST_PER_STEP, pX, pY, pP);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cStdp = c;
    return events * N_OUT + steps * POST_PER_STEP * N_IN;
  }

  stdpPre(steps: number): number {
    const pre = this.k.stdp_pre_f32;
    const start = this.data.stepStart;
    const pIdx = this.pIdx, pW = this.pWStdp;
    const pX = this.pPreTrace, pY = this.pPostTrace, pP = this.pStdpParams;
    let c = this.cPre;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const a = start[c];
      const n = start[c + 1] - a;
      pre(pW, N_IN, N_OUT, pIdx + a * 4, n, pX, pY, pP);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cPre = c;
    return events * N_OUT;
  }

  stdpPost(steps: number): number {
    const post = this.k.stdp_post_f32;
    const pPost = this.pPost, pW = this.pWStdp;
    const pX = this.pPreTrace, pY = this.pPostTrace, pP = this.pStdpParams;
    let c = this.cPost;
    for (let s = 0; s < steps; s++) {
      post(pW, N_IN, N_OUT, pPost + c * POST_PER_STEP * 4, POST_PER_STEP, pX, pY, pP);
      c = (c + 1) & POOL_MASK;
    }
    this.cPost = c;
    return steps * POST_PER_STEP * N_IN;
  }

  snapshot(): KernelSnapshot {
    const arr = (which: number) => this.pLifState + which * LIF_PAD * 4;
    return {
      fwdF32Target: this.f32(this.pTargetF32, N_OUT).slice(),
      fwdI8Target: this.f32(this.pTargetI8, N_OUT).slice(),
      fwdI8Acc: new Int16Array(this.buf, this.pAcc, N_OUT).slice(),
      lifV: this.f32(arr(STATE.V), LIF_N).slice(),
      lifI: this.f32(arr(STATE.I), LIF_N).slice(),
      lifB: this.f32(arr(STATE.B), LIF_N).slice(),
      lifRefr: new Int32Array(this.buf, arr(STATE.REFR), LIF_N).slice(),
      lifSpikes: this.lifSpikes,
      stdpW: this.f32(this.pWStdp, N_IN * N_OUT).slice(),
      stdpPreTrace: this.f32(this.pPreTrace, N_IN).slice(),
      stdpPostTrace: this.f32(this.pPostTrace, N_OUT).slice(),
    };
  }
}

/** Step loops for `build` over a fresh memory initialised from `data`. */
export function createWasmLoops(build: KernelBuild, data: KernelData): KernelLoops {
  if (POOL_STEPS & POOL_MASK) throw new Error('POOL_STEPS must be a power of two');
  return new WasmLoops(build, data);
}
