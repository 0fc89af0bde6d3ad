/**
 * The kernel zoo's cases: one representative, table-driven case per exported compute kernel (or
 * per kernel pair that only makes sense together, e.g. a neuron step and its reset), each runnable
 * on three backends from the same inputs:
 *   - plain TS:    the TypeScript twin in host/reference/* (the test oracle);
 *   - wasm scalar: build/neurite.scalar.wasm, raw exports;
 *   - wasm SIMD:   build/neurite.simd.wasm, raw exports.
 *
 * A case declares its buffers once (`init`, deterministic from a fixed seed); the harness copies
 * them into plain typed arrays for the TS twin and into a wasm arena for each build, so all three
 * start from identical bytes. `check` names the buffers compared after the verification run.
 * Per-step inputs (spike lists) come from a pool of POOL steps cycled by a cursor, the same on
 * every backend. Sizes: the SIMD dimension is 1021 (255 f32 vectors and a tail of 1) unless the
 * case says otherwise; 200 presynaptic rows; 8 active inputs and 4 postsynaptic spikes per step.
 *
 * Used by bench/kernel-zoo.ts (timing, imported once per backend so that every backend has its
 * own copy of the step closures and V8's call-site feedback stays monomorphic) and by
 * test/bench/kernel-zoo.test.ts (verification only).
 */
import type { Kernels } from '../host/runtime/kernels.js';
import {
  denseAccumulateF32, denseAccumulateI16, denseAccumulateI8, denseFlushI16, denseFlushI8, izhStep, lifCondStep, lifReset,
  lifStep, readoutLearn, readoutPredict, scaleColumns, stdpPost, stdpPre, traceBump, traceDecay, wtaSelect,
  type CondParams, type IzhParams, type LifParams, type LifState, type StdpParams,
} from '../host/reference/kernels.js';
import { Xoshiro128 } from '../host/util/prng.js';
import { COND, ESC, HEBBSIGN, IZH, LIF, LIFX, STDP, SYMSTDP, TRIPLET, WTA } from '../host/runtime/abi.js';
import { cscOf, sparsePattern } from '../host/plan/connectivity.js';
import { csrStdpPostF32, csrStdpPreF32 } from '../host/reference/csr-stdp.js';
import { csrAccumulateF32 } from '../host/reference/csr.js';
import { conv2dAccumulateF32 } from '../host/reference/conv2d.js';
import { blockAccumulateF32, blockPruneRegrowF32 } from '../host/reference/block-sparse.js';
import { delayAccumulateF32, delayAccumulateSynF32, delayDeliverF32 } from '../host/reference/delay.js';
import { denseAccumulateScaledF32, stpEfficacyF32 } from '../host/reference/stp.js';
import { packTripletParams, tripletPost, tripletPre, type TripletParams } from '../host/reference/stdp-triplet.js';
import { packSymStdpParams, symStdpPost, symStdpPre, type SymStdpParams } from '../host/reference/stdp-symmetric.js';
import { hebbSignPost, hebbSignPre, packHebbSignParams, signDiverseSigns, type HebbSignParams } from '../host/reference/hebb-signed.js';
import { egDaleSync, egDaleUpdate, packEgDaleParams, type EgDaleParams } from '../host/reference/eg-dale.js';
import { dcondGains, dcondLevels, dcondPost, dcondPre, dcondWeight, packDcondParams, type DcondParams } from '../host/reference/discrete-conductance.js';
import { packTempotronParams, tempotronLearn, tempotronLif, tempotronTrack, type TempotronParams } from '../host/reference/tempotron.js';
import { eligApply, eligApplyOuter, eligStep, packEligParams, traceFilter, type EligParams } from '../host/reference/eligibility.js';
import { rstdpStep } from '../host/reference/rstdp.js';
import { epropPseudo, epropSignal } from '../host/reference/eprop.js';
import { tessSignal } from '../host/reference/tess.js';
import { classpApply, packClasspParams, type ClasspParams } from '../host/reference/classp.js';
import { noiseInject } from '../host/reference/variability.js';
import { modeAdapt, modeApply, packModeParams, type ModeParams } from '../host/reference/modes.js';
import { gatedHebbLearn, gatedHebbPredict } from '../host/reference/gated-hebb.js';
import { ncmPredict, ncmUpdate } from '../host/reference/ncm.js';
import { hopfieldRetrieve, hopfieldStore } from '../host/reference/hopfield.js';
import { escapeStep, type EscapeParams } from '../host/reference/escape.js';
import { stdpPostI8, stdpPreI8 } from '../host/reference/stdp-i8.js';
import { lifStepI16, type LifI16Params, type LifI16State } from '../host/reference/lif-i16.js';
import { lrhUpdate, type LrHomeostasisParams } from '../host/reference/lr-homeostasis.js';
import { blockMask, conv2dParams, denseToCsr, packConv2dWeights, stpInitState, stpParamBlock, type Conv2dGeometry } from '../host/plan/synapse-layouts.js';
import type { StepLoop } from './common.js';

export type Buf = Float32Array | Int32Array | Uint32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;
type Bufs = Record<string, Buf>;
type Ptrs<B> = { [K in keyof B]: number };

/** A wasm build instantiated over its own memory, with a bump allocator above __heap_base. */
export interface WasmTarget {
  k: Kernels;
  memory: WebAssembly.Memory;
  alloc(bytes: number): number;
}

interface CaseSpec<B extends Bufs> {
  id: string;
  label: string;
  /** Work unit, e.g. 'M neuron updates/s', and the factor from units/s to it. */
  unit: string;
  scale: number;
  /** Relative tolerance of the TS twin against wasm, as in the kernel's tests (plus 1e-30 absolute). */
  tol?: number;
  /** Extra absolute tolerance, as a fraction of the largest |value| of the buffer (exp-based kernels). */
  absTol?: number;
  /** Why the SIMD build cannot beat the scalar one on this kernel (one line), when that is so. */
  simdNote?: string;
  init(): B;
  check: readonly (keyof B & string)[];
  ts(b: B): StepLoop;
  wasm(k: Kernels, p: Ptrs<B>, b: B): StepLoop;
}

export interface ZooInstance {
  run: StepLoop;
  /** The checked buffers (live views; copy before the next create on the same target). */
  read(): Record<string, Buf>;
}

export interface ZooCase {
  id: string;
  label: string;
  unit: string;
  scale: number;
  tol: number;
  absTol: number;
  simdNote?: string;
  /** A fresh instance: plain TS when `target` is null, else over the given wasm build. */
  create(target: WasmTarget | null): ZooInstance;
}

type BufCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => Buf;

function defineCase<B extends Bufs>(c: CaseSpec<B>): ZooCase {
  const pick = (b: B): Record<string, Buf> => Object.fromEntries(c.check.map((k) => [k, b[k]]));
  return {
    id: c.id, label: c.label, unit: c.unit, scale: c.scale, tol: c.tol ?? 1e-6, absTol: c.absTol ?? 0, simdNote: c.simdNote,
    create(target) {
      const init = c.init();
      if (target === null) return { run: c.ts(init), read: () => pick(init) };
      const p = {} as Record<string, number>;
      const views = {} as Record<string, Buf>;
      for (const [key, src] of Object.entries(init)) {
        const ptr = target.alloc(src.byteLength);
        new Uint8Array(target.memory.buffer, ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
        p[key] = ptr;
        views[key] = new (src.constructor as BufCtor)(target.memory.buffer, ptr, src.length);
      }
      const b = views as B;
      return { run: c.wasm(target.k, p as Ptrs<B>, b), read: () => pick(b) };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sizes, inputs and parameter blocks shared by the cases

/** The SIMD dimension: 255 four-lane vectors and a tail of 1 (127 eight-lane i16 vectors and a tail of 5). */
export const N = 1021;
const NPAD = 1024;
/** Presynaptic rows of the weight matrices. */
export const N_IN = 200;
/** Active inputs and postsynaptic spikes per step. */
export const PRE = 8;
export const POST = 4;
/** Steps in the input pool, cycled. */
export const POOL = 64;
const MASK = POOL - 1;

const M = 1e-6, G = 1e-9;
const NEURONS = 'M neuron updates/s';
const SYNOPS = 'G synaptic ops/s';
const WUPD = 'G weight updates/s';
const ELEMS = 'M elements/s';

function uniform(r: Xoshiro128, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.nextFloat());
}

/** POOL steps of `per` indices below `n`. */
function lists(r: Xoshiro128, n: number, per: number): Uint32Array {
  return Uint32Array.from({ length: POOL * per }, () => r.nextInt(n));
}

/** The per-step views of a list pool, for the TS twins. */
function views(all: Uint32Array, per: number): Uint32Array[] {
  return Array.from({ length: POOL }, (_, s) => all.subarray(s * per, (s + 1) * per));
}

const lifP: LifParams = {
  alphaM: Math.fround(Math.exp(-1 / 20)), alphaS: Math.fround(Math.exp(-1 / 5)), beta: 0.19, gamma: Math.fround(1 - Math.exp(-1 / 20)),
  vTh: 1, vReset: 0, resetSubtract: false, refracHold: 2, alphaB: Math.fround(Math.exp(-1 / 100)), dTheta: 0.05,
};

/** The 16-slot neuron parameter block (f32, with the two i32 slots), plus model-specific slots. */
function lifBlock(p: LifParams, extra: Record<number, number> = {}): Float32Array {
  const f = new Float32Array(LIF.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[LIF.ALPHA_M] = p.alphaM; f[LIF.ALPHA_S] = p.alphaS; f[LIF.BETA] = p.beta; f[LIF.GAMMA] = p.gamma;
  f[LIF.V_TH] = p.vTh; f[LIF.V_RESET] = p.vReset; i[LIF.RESET_MODE] = p.resetSubtract ? 1 : 0;
  i[LIF.REFRAC_HOLD] = p.refracHold; f[LIF.ALPHA_B] = p.alphaB; f[LIF.D_THETA] = p.dTheta;
  for (const [slot, v] of Object.entries(extra)) f[Number(slot)] = v;
  return f;
}

/** Neuron state in the kernel layout (v, I, refr, b, bias; NPAD each), v and bias filled. */
function neuronState(v: Float32Array, bias: Float32Array, b?: Float32Array): Float32Array {
  const s = new Float32Array(5 * NPAD);
  s.set(v, 0);
  if (b) s.set(b, 3 * NPAD);
  s.set(bias, 4 * NPAD);
  return s;
}

/** The TS twins' LifState over the same layout (views, so the checked buffer is the state). */
function lifState(s: Float32Array, n = N): LifState {
  return {
    v: s.subarray(0, n), i: s.subarray(NPAD, NPAD + n), refr: new Int32Array(s.buffer, s.byteOffset + 2 * NPAD * 4, n),
    b: s.subarray(3 * NPAD, 3 * NPAD + n), bias: s.subarray(4 * NPAD, 4 * NPAD + n),
  };
}

function stdpBlock(p: StdpParams, qStep = 0): Float32Array {
  const f = new Float32Array(STDP.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[STDP.ETA_PLUS] = p.etaPlus; f[STDP.ETA_MINUS] = p.etaMinus; f[STDP.W_MIN] = p.wMin; f[STDP.W_MAX] = p.wMax;
  i[STDP.BOUNDS] = p.soft ? 1 : 0; f[STDP.X_OFFSET] = p.xOffset; f[STDP.IMPULSE_PRE] = p.impulsePre; f[STDP.IMPULSE_POST] = p.impulsePost;
  i[STDP.TRACE_MODE] = p.nearest ? 1 : 0; f[STDP.Q_STEP] = qStep;
  return f;
}

const stdpP: StdpParams = {
  etaPlus: 0.01, etaMinus: 0.0105, wMin: 0, wMax: 1, soft: false, xOffset: 0, impulsePre: 1, impulsePost: 1, nearest: false,
};
const ALPHA = Math.fround(Math.exp(-1 / 20));
const FLOOR = 1e-30;

/** Pre and post traces with a realistic spread of values. */
function traces(r: Xoshiro128): { x: Float32Array; y: Float32Array } {
  return { x: uniform(r, N_IN, 0, 1.5), y: uniform(r, N, 0, 1.5) };
}

// ---------------------------------------------------------------------------------------------
// Neurons

const neuronCases: ZooCase[] = [
  defineCase({
    id: 'lif', label: 'LIF step + reset', unit: NEURONS, scale: M,
    init: () => {
      const r = new Xoshiro128(1);
      return {
        state: neuronState(uniform(r, N, -0.5, 1), uniform(r, N, 0, 0.8)), params: lifBlock(lifP), spikes: new Uint32Array(N),
        margins: new Float32Array(N),
      };
    },
    check: ['state'],
    ts: (b) => {
      const st = lifState(b.state);
      const sp = b.spikes, mg = b.margins;
      return (steps) => {
        for (let s = 0; s < steps; s++) lifReset(N, st, lifP, sp, lifStep(N, st, lifP, sp, mg));
        return steps * N;
      };
    },
    wasm: (k, p) => (steps) => {
      for (let s = 0; s < steps; s++) k.lif_reset_f32(N, p.state, p.params, p.spikes, k.lif_step_f32(N, p.state, p.params, p.spikes, p.margins));
      return steps * N;
    },
  }),
  defineCase({
    id: 'wta', label: 'LIF step + k-WTA select (k=3) + reset', unit: NEURONS, scale: M,
    init: () => {
      const r = new Xoshiro128(2);
      const w = new Float32Array(WTA.PARAM_SLOTS); const wi = new Int32Array(w.buffer);
      wi[WTA.K] = 3; w[WTA.INHIBITION] = 0.1; w[WTA.V_FLOOR] = -0.2;
      return {
        state: neuronState(uniform(r, N, -0.5, 1), uniform(r, N, 0, 0.8)), params: lifBlock(lifP), wta: w, spikes: new Uint32Array(N),
        margins: new Float32Array(N),
      };
    },
    check: ['state'],
    ts: (b) => {
      const st = lifState(b.state); const sp = b.spikes, mg = b.margins;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          const c = lifStep(N, st, lifP, sp, mg);
          lifReset(N, st, lifP, sp, wtaSelect(N, st.v, sp, mg, c, 3, 0.1, -0.2));
        }
        return steps * N;
      };
    },
    wasm: (k, p) => (steps) => {
      for (let s = 0; s < steps; s++) {
        const c = k.lif_step_f32(N, p.state, p.params, p.spikes, p.margins);
        k.lif_reset_f32(N, p.state, p.params, p.spikes, k.wta_select_f32(N, p.state, p.spikes, p.margins, c, p.wta));
      }
      return steps * N;
    },
  }),
  (() => {
    const izh: IzhParams = { a: 0.02, b: 0.2, dt: 0.5, alphaS: Math.exp(-0.5 / 5), vPeak: 30, halfSteps: true };
    const lp: LifParams = {
      alphaM: 0, alphaS: izh.alphaS, beta: 0, gamma: 0, vTh: 30, vReset: -65, resetSubtract: false, refracHold: 0, alphaB: 1, dTheta: 8,
    };
    const izhBlock = (): Float32Array => {
      const f = lifBlock(lp, { [IZH.A]: izh.a, [IZH.B]: izh.b, [IZH.DT]: izh.dt });
      new Int32Array(f.buffer)[IZH.SCHEME] = 1;
      return f;
    };
    return defineCase({
      id: 'izh', label: 'Izhikevich step (2003 half steps) + reset', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(3);
        const v = uniform(r, N, -70, -50);
        return {
          state: neuronState(v, uniform(r, N, 0, 15), v.map((x) => 0.2 * x)), params: izhBlock(), spikes: new Uint32Array(N),
          margins: new Float32Array(N),
        };
      },
      check: ['state'],
      ts: (b) => {
        const st = lifState(b.state);
        const sp = b.spikes, mg = b.margins;
        return (steps) => {
          for (let s = 0; s < steps; s++) lifReset(N, st, lp, sp, izhStep(N, st, izh, sp, mg));
          return steps * N;
        };
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) k.lif_reset_f32(N, p.state, p.params, p.spikes, k.izh_step_f32(N, p.state, p.params, p.spikes, p.margins));
        return steps * N;
      },
    });
  })(),
  (() => {
    const cp: CondParams = { k: 0.01, eRev: 0, eLeak: -74, alphaS: 1 - 0.1 / 5, vTh: -54, alphaB: Math.exp(-0.1 / 100) };
    const lp: LifParams = {
      alphaM: 0, alphaS: cp.alphaS, beta: 0, gamma: 0, vTh: -54, vReset: -60, resetSubtract: false, refracHold: 2, alphaB: cp.alphaB,
      dTheta: 0.5,
    };
    return defineCase({
      id: 'lifCond', label: 'conductance LIF step + reset', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(4);
        return {
          state: neuronState(uniform(r, N, -74, -55), uniform(r, N, 0, 25)),
          params: lifBlock(lp, { [COND.K]: cp.k, [COND.E_REV]: cp.eRev, [COND.E_LEAK]: cp.eLeak }), spikes: new Uint32Array(N),
          margins: new Float32Array(N),
        };
      },
      check: ['state'],
      ts: (b) => {
        const st = lifState(b.state);
        const sp = b.spikes, mg = b.margins;
        return (steps) => {
          for (let s = 0; s < steps; s++) lifReset(N, st, lp, sp, lifCondStep(N, st, cp, sp, mg));
          return steps * N;
        };
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) k.lif_reset_f32(N, p.state, p.params, p.spikes, k.lif_cond_step_f32(N, p.state, p.params, p.spikes, p.margins));
        return steps * N;
      },
    });
  })(),
  (() => {
    const lp: LifParams = { ...lifP, dTheta: 0.1, alphaB: Math.fround(Math.exp(-1 / 50)) };
    const ep: EscapeParams = { ...lp, invDeltaU: 1 / 0.15, dtRho0: 0.05 };
    return defineCase({
      id: 'escape', label: 'escape-noise neuron step + reset', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(5);
        return {
          state: neuronState(uniform(r, N, -0.5, 1.2), uniform(r, N, 0, 1.1)),
          params: lifBlock(lp, { [ESC.INV_DELTA_U]: ep.invDeltaU, [ESC.DT_RHO0]: ep.dtRho0 }), rng: new Uint32Array(4),
          spikes: new Uint32Array(N), margins: new Float32Array(N),
        };
      },
      check: ['state'],
      ts: (b) => {
        const st = lifState(b.state);
        const rng = new Xoshiro128(55);
        const sp = b.spikes, mg = b.margins;
        return (steps) => {
          for (let s = 0; s < steps; s++) lifReset(N, st, lp, sp, escapeStep(N, st, ep, rng, sp, mg));
          return steps * N;
        };
      },
      wasm: (k, p) => {
        k.rng_seed(p.rng, 55);
        return (steps) => {
          for (let s = 0; s < steps; s++) k.lif_reset_f32(N, p.state, p.params, p.spikes, k.escape_step_f32(N, p.state, p.params, p.rng, p.spikes, p.margins));
          return steps * N;
        };
      },
    });
  })(),
  (() => {
    const ip: LifI16Params = { shiftMem: 4, shiftSyn: 2, vTh: 6000, vReset: -500, resetSubtract: false, refracHold: 2 };
    const KICKS = 32;
    return defineCase({
      id: 'lifI16', label: 'fixed-point int16 LIF step (reset included)', unit: NEURONS, scale: M, tol: 0,
      init: () => {
        const r = new Xoshiro128(6);
        const state = new Int16Array(LIFX.STATE_ARRAYS * NPAD);
        for (let j = 0; j < N; j++) { state[j] = r.nextInt(12000) - 6000; state[LIFX.STATE_BIAS * NPAD + j] = r.nextInt(500) + 100; }
        const params = new Int32Array(LIFX.PARAM_SLOTS);
        params[LIFX.SHIFT_MEM] = ip.shiftMem; params[LIFX.SHIFT_SYN] = ip.shiftSyn; params[LIFX.V_TH] = ip.vTh; params[LIFX.V_RESET] = ip.vReset;
        params[LIFX.RESET_MODE] = 0; params[LIFX.REFRAC_HOLD] = ip.refracHold;
        return { state, params, input: new Int32Array(NPAD), kickAt: lists(r, N, KICKS), spikes: new Uint32Array(NPAD) };
      },
      check: ['state'],
      ts: (b) => {
        const st: LifI16State = {
          v: b.state.subarray(0, N), i: b.state.subarray(NPAD, NPAD + N), refr: b.state.subarray(2 * NPAD, 2 * NPAD + N),
          bias: b.state.subarray(3 * NPAD, 3 * NPAD + N),
        };
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            for (let q = 0; q < KICKS; q++) b.input[b.kickAt[c * KICKS + q]] = 900;
            lifStepI16(N, st, ip, b.input, b.spikes);
            c = (c + 1) & MASK;
          }
          return steps * N;
        };
      },
      wasm: (k, p, b) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            for (let q = 0; q < KICKS; q++) b.input[b.kickAt[c * KICKS + q]] = 900;
            k.lif_step_i16(N, p.state, p.params, p.input, p.spikes);
            c = (c + 1) & MASK;
          }
          return steps * N;
        };
      },
    });
  })(),
];

// ---------------------------------------------------------------------------------------------
// Synapses

/** Synaptic ops of each pool step of a CSR matrix: the row lengths of its active inputs. */
function csrStepOps(rowPtr: Uint32Array, idx: Uint32Array, per: number): Float64Array {
  const ops = new Float64Array(POOL);
  for (let s = 0; s < POOL; s++) for (let k = 0; k < per; k++) { const i = idx[s * per + k]; ops[s] += rowPtr[i + 1] - rowPtr[i]; }
  return ops;
}

const synapseCases: ZooCase[] = [
  defineCase({
    id: 'denseF32', label: 'dense accumulate f32', unit: SYNOPS, scale: G,
    init: () => {
      const r = new Xoshiro128(10);
      return { w: uniform(r, N_IN * N, -0.5, 0.5), idx: lists(r, N_IN, PRE), target: new Float32Array(N) };
    },
    check: ['target'],
    ts: (b) => {
      const v = views(b.idx, PRE);
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          denseAccumulateF32(b.w, N_IN, N, v[c], PRE, b.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
    wasm: (k, p) => {
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          k.dense_accumulate_f32(p.w, N_IN, N, p.idx + 4 * PRE * c, PRE, p.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
  }),
  defineCase({
    id: 'denseI8', label: 'dense accumulate int8 + flush', unit: SYNOPS, scale: G, tol: 1e-6,
    init: () => {
      const r = new Xoshiro128(11);
      return {
        w: Int8Array.from({ length: N_IN * N }, () => r.nextInt(255) - 127), idx: lists(r, N_IN, PRE), acc: new Int16Array(N),
        scale: uniform(r, N, 0.001, 0.01), target: new Float32Array(N),
      };
    },
    check: ['target', 'acc'],
    ts: (b) => {
      const v = views(b.idx, PRE);
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          denseAccumulateI8(b.w, N_IN, N, v[c], PRE, b.acc);
          denseFlushI8(b.acc, b.scale, N, b.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
    wasm: (k, p) => {
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          k.dense_accumulate_i8(p.w, N_IN, N, p.idx + 4 * PRE * c, PRE, p.acc);
          k.dense_flush_i8(p.acc, p.scale, N, p.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
  }),
  defineCase({
    id: 'denseI16', label: 'dense accumulate int16 + flush', unit: SYNOPS, scale: G,
    init: () => {
      const r = new Xoshiro128(12);
      return {
        w: Int16Array.from({ length: N_IN * N }, () => r.nextInt(65535) - 32767), idx: lists(r, N_IN, PRE), acc: new Int32Array(N),
        scale: uniform(r, N, 1e-6, 1e-5), target: new Float32Array(N),
      };
    },
    check: ['target', 'acc'],
    ts: (b) => {
      const v = views(b.idx, PRE);
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          denseAccumulateI16(b.w, N_IN, N, v[c], PRE, b.acc);
          denseFlushI16(b.acc, b.scale, N, b.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
    wasm: (k, p) => {
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          k.dense_accumulate_i16(p.w, N_IN, N, p.idx + 4 * PRE * c, PRE, p.acc);
          k.dense_flush_i16(p.acc, p.scale, N, p.target);
          c = (c + 1) & MASK;
        }
        return steps * PRE * N;
      };
    },
  }),
  defineCase({
    id: 'stp', label: 'STP efficacy + scaled dense accumulate', unit: SYNOPS, scale: G,
    init: () => {
      const r = new Xoshiro128(13);
      return {
        w: uniform(r, N_IN * N, -0.5, 0.5), idx: lists(r, N_IN, PRE), state: stpInitState(N_IN, 0.15),
        params: stpParamBlock({ U: 0.15, tauF: 300, tauD: 80, dt: 1 }), eff: new Float32Array(PRE), target: new Float32Array(N),
      };
    },
    check: ['target', 'state'],
    ts: (b) => {
      const v = views(b.idx, PRE);
      const st = {
        u: b.state.subarray(0, N_IN), x: b.state.subarray(N_IN, 2 * N_IN),
        last: new Int32Array(b.state.buffer, b.state.byteOffset + 2 * N_IN * 4, N_IN),
      };
      let c = 0, t = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          stpEfficacyF32(st, N_IN, b.params, v[c], PRE, t, b.eff);
          denseAccumulateScaledF32(b.w, N_IN, N, v[c], PRE, b.eff, b.target);
          c = (c + 1) & MASK;
          t++;
        }
        return steps * PRE * N;
      };
    },
    wasm: (k, p) => {
      let c = 0, t = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          const pi = p.idx + 4 * PRE * c;
          k.stp_efficacy_f32(p.state, N_IN, p.params, pi, PRE, t, p.eff);
          k.dense_accumulate_scaled_f32(p.w, N_IN, N, pi, PRE, p.eff, p.target);
          c = (c + 1) & MASK;
          t++;
        }
        return steps * PRE * N;
      };
    },
  }),
  (() => {
    return defineCase({
      id: 'csr', label: 'CSR accumulate (20% density)', unit: SYNOPS, scale: G,
      init: () => {
        const r = new Xoshiro128(14);
        const csr = denseToCsr(uniform(r, N_IN * N, -1, 1).map((x) => (r.nextFloat() < 0.2 ? x : 0)), N_IN, N);
        return { rowPtr: csr.rowPtr, colIdx: csr.colIdx, vals: csr.vals, idx: lists(r, N_IN, PRE), target: new Float32Array(N) };
      },
      check: ['target'],
      ts: (b) => {
        const v = views(b.idx, PRE), ops = csrStepOps(b.rowPtr, b.idx, PRE), nnz = b.vals.length;
        let c = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            csrAccumulateF32(b.rowPtr, b.colIdx, b.vals, N_IN, N, nnz, v[c], PRE, b.target);
            w += ops[c];
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
      wasm: (k, p, b) => {
        const ops = csrStepOps(b.rowPtr, b.idx, PRE), nnz = b.vals.length;
        let c = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            k.csr_accumulate_f32(p.rowPtr, p.colIdx, p.vals, N_IN, N, nnz, p.idx + 4 * PRE * c, PRE, p.target, 0);
            w += ops[c];
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
      simdNote: 'each synapse scatters to its own column index; without gather/scatter the inner loop stays scalar',
    });
  })(),
  (() => {
    const g: Conv2dGeometry = { wIn: 34, hIn: 34, cIn: 2, cOut: 13, k: 5, stride: 1, pad: 2 };
    const EV = 32;
    return defineCase({
      id: 'conv2d', label: 'event conv2d accumulate (34×34×2 → 13 maps, 5×5)', unit: 'M input events/s', scale: M,
      simdNote: 'SIMD runs along output x inside one kernel row: a 5-wide row is one 4-lane vector and a scalar tail per event and tap row',
      init: () => {
        const r = new Xoshiro128(15);
        const kernel = uniform(r, g.cOut * g.cIn * g.k * g.k, -1, 1);
        const out = g.cOut * g.hIn * g.wIn;
        return {
          kernel, packed: packConv2dWeights(kernel, g), params: conv2dParams(g),
          ex: Uint16Array.from({ length: POOL * EV }, () => r.nextInt(g.wIn)), ey: Uint16Array.from({ length: POOL * EV }, () => r.nextInt(g.hIn)),
          ec: Uint8Array.from({ length: POOL * EV }, () => r.nextInt(g.cIn)), target: new Float32Array(out),
        };
      },
      check: ['target'],
      ts: (b) => {
        const sl = <T extends Uint16Array | Uint8Array>(a: T) => Array.from({ length: POOL }, (_, s) => a.subarray(s * EV, (s + 1) * EV) as T);
        const ex = sl(b.ex), ey = sl(b.ey), ec = sl(b.ec);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            conv2dAccumulateF32(b.kernel, g, ex[c], ey[c], ec[c], EV, b.target);
            c = (c + 1) & MASK;
          }
          return steps * EV;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.conv2d_accumulate_f32(p.packed, p.params, p.ex + 2 * EV * c, p.ey + 2 * EV * c, p.ec + EV * c, EV, p.target);
            c = (c + 1) & MASK;
          }
          return steps * EV;
        };
      },
    });
  })(),
  (() => {
    const gIn = 10, gOut = 8, bIn = N_IN / gIn, bOut = 127, nActive = 24;
    const active = (r: Xoshiro128) => {
      const a: number[] = [];
      while (a.length < nActive) {
        const x = r.nextInt(gIn * gOut);
        if (!a.includes(x)) a.push(x);
      }
      return a;
    };
    return defineCase({
      id: 'block', label: 'block-sparse accumulate (24 of 80 blocks of 20×127)', unit: 'M input events/s', scale: M,
      init: () => {
        const r = new Xoshiro128(16);
        const m = blockMask(gIn, gOut, active(r));
        return { w: uniform(r, nActive * bIn * bOut, -1, 1), slotOf: m.slotOf, idx: lists(r, N_IN, PRE), target: new Float32Array(gOut * bOut) };
      },
      check: ['target'],
      ts: (b) => {
        const v = views(b.idx, PRE);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            blockAccumulateF32(b.w, b.slotOf, nActive, gIn, gOut, bIn, bOut, v[c], PRE, b.target);
            c = (c + 1) & MASK;
          }
          return steps * PRE;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.block_accumulate_f32(p.w, p.slotOf, nActive, gIn, gOut, bIn, bOut, p.idx + 4 * PRE * c, PRE, p.target);
            c = (c + 1) & MASK;
          }
          return steps * PRE;
        };
      },
    });
  })(),
  (() => {
    const gIn = 10, gOut = 8, bIn = N_IN / gIn, bOut = 127, nActive = 24, nPrune = 3;
    const active = (r: Xoshiro128) => {
      const a: number[] = [];
      while (a.length < nActive) {
        const x = r.nextInt(gIn * gOut);
        if (!a.includes(x)) a.push(x);
      }
      return a;
    };
    return defineCase({
      id: 'blockPrune', label: 'block prune + regrow (3 of 24 blocks)', unit: 'k calls/s', scale: 1e-3,
      simdNote: 'pruning is a reduction and a selection over blocks and regrowth draws from the sequential PRNG; both are scalar in both builds',
      init: () => {
        const r = new Xoshiro128(17);
        const m = blockMask(gIn, gOut, active(r));
        return {
          w: uniform(r, nActive * bIn * bOut, -1, 1), slotOf: m.slotOf, blockId: m.blockId, rng: new Uint32Array(4),
          scratch: new Uint8Array(12 * nActive),
        };
      },
      check: ['w', 'slotOf', 'blockId'],
      ts: (b) => {
        const rng = new Xoshiro128(4242);
        return (steps) => {
          for (let s = 0; s < steps; s++) blockPruneRegrowF32(b.w, b.slotOf, b.blockId, nActive, gIn, gOut, bIn, bOut, nPrune, 0.05, rng);
          return steps;
        };
      },
      wasm: (k, p) => {
        k.rng_seed(p.rng, 4242);
        return (steps) => {
          for (let s = 0; s < steps; s++) k.block_prune_regrow_f32(p.w, p.slotOf, p.blockId, nActive, gIn, gOut, bIn, bOut, nPrune, 0.05, p.rng, p.scratch);
          return steps;
        };
      },
    });
  })(),
  (() => {
    const SLOTS = 8;
    return defineCase({
      id: 'delay', label: 'delayed accumulate (per projection) + ring delivery', unit: SYNOPS, scale: G,
      init: () => {
        const r = new Xoshiro128(18);
        return { w: uniform(r, N_IN * N, -0.5, 0.5), idx: lists(r, N_IN, PRE), ring: new Float32Array(SLOTS * N), target: new Float32Array(N) };
      },
      check: ['ring', 'target'],
      ts: (b) => {
        const v = views(b.idx, PRE);
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            delayAccumulateF32(b.w, N_IN, N, v[c], PRE, b.ring, SLOTS, t, 3);
            delayDeliverF32(b.ring, SLOTS, t, N, b.target);
            c = (c + 1) & MASK;
            t++;
          }
          return steps * PRE * N;
        };
      },
      wasm: (k, p) => {
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.delay_accumulate_f32(p.w, N_IN, N, p.idx + 4 * PRE * c, PRE, p.ring, SLOTS, t, 3);
            k.delay_deliver_f32(p.ring, SLOTS, t, N, p.target);
            c = (c + 1) & MASK;
            t++;
          }
          return steps * PRE * N;
        };
      },
    });
  })(),
  (() => {
    const SLOTS = 8;
    return defineCase({
      id: 'delaySyn', label: 'delayed accumulate (per synapse) + ring delivery', unit: SYNOPS, scale: G,
      simdNote: 'each synapse of one event lands in the ring slot of its own delay, a scatter, so the accumulation is scalar in both builds',
      init: () => {
        const r = new Xoshiro128(19);
        return {
          w: uniform(r, N_IN * N, -0.5, 0.5), delays: Uint8Array.from({ length: N_IN * N }, () => r.nextInt(SLOTS)),
          idx: lists(r, N_IN, PRE), ring: new Float32Array(SLOTS * N), target: new Float32Array(N),
        };
      },
      check: ['ring', 'target'],
      ts: (b) => {
        const v = views(b.idx, PRE);
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            delayAccumulateSynF32(b.w, b.delays, N_IN, N, v[c], PRE, b.ring, SLOTS, t);
            delayDeliverF32(b.ring, SLOTS, t, N, b.target);
            c = (c + 1) & MASK;
            t++;
          }
          return steps * PRE * N;
        };
      },
      wasm: (k, p) => {
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.delay_accumulate_syn_f32(p.w, p.delays, N_IN, N, p.idx + 4 * PRE * c, PRE, p.ring, SLOTS, t);
            k.delay_deliver_f32(p.ring, SLOTS, t, N, p.target);
            c = (c + 1) & MASK;
            t++;
          }
          return steps * PRE * N;
        };
      },
    });
  })(),
];

// ---------------------------------------------------------------------------------------------
// Trace-based plasticity (per step: decay the traces, the pre pathway on PRE rows, the post pathway on POST columns)

/** Weight updates per step of a rule with a row pathway and a column pathway. */
const RULE_WORK = PRE * N + POST * N_IN;

/** Pool cursor shared by a case's pre and post lists. */
function prePost(b: { pre: Uint32Array; post: Uint32Array }) {
  return { pre: views(b.pre, PRE), post: views(b.post, POST) };
}
function rulePools(r: Xoshiro128) {
  return { pre: lists(r, N_IN, PRE), post: lists(r, N, POST) };
}

const plasticityCases: ZooCase[] = [
  defineCase({
    id: 'stdp', label: 'pair STDP (decay + pre rows + post columns)', unit: WUPD, scale: G,
    init: () => { const r = new Xoshiro128(20); return { w: uniform(r, N_IN * N, 0, 1), ...traces(r), ...rulePools(r), params: stdpBlock(stdpP) }; },
    check: ['w', 'x', 'y'],
    ts: (b) => {
      const v = prePost(b);
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          traceDecay(b.x, N_IN, ALPHA, FLOOR);
          traceDecay(b.y, N, ALPHA, FLOOR);
          stdpPre(b.w, N_IN, N, v.pre[c], PRE, b.x, b.y, stdpP);
          stdpPost(b.w, N_IN, N, v.post[c], POST, b.x, b.y, stdpP);
          c = (c + 1) & MASK;
        }
        return steps * RULE_WORK;
      };
    },
    wasm: (k, p) => {
      let c = 0;
      return (steps) => {
        for (let s = 0; s < steps; s++) {
          k.trace_decay_f32(p.x, N_IN, ALPHA, FLOOR);
          k.trace_decay_f32(p.y, N, ALPHA, FLOOR);
          k.stdp_pre_f32(p.w, N_IN, N, p.pre + 4 * PRE * c, PRE, p.x, p.y, p.params);
          k.stdp_post_f32(p.w, N_IN, N, p.post + 4 * POST * c, POST, p.x, p.y, p.params);
          c = (c + 1) & MASK;
        }
        return steps * RULE_WORK;
      };
    },
  }),
  (() => {
    const tp: TripletParams = {
      a2Plus: 0.005, a3Plus: 0.008, a2Minus: 0.006, a3Minus: 0.001, wMin: 0, wMax: 1, soft: false, nearest: false, tauPlus: 16.8, tauX: 101,
      tauMinus: 33.7, tauY: 125, dtMs: 1,
    };
    const pk = packTripletParams(tp);
    const a1 = pk[TRIPLET.ALPHA_R1], a2 = pk[TRIPLET.ALPHA_R2], b1 = pk[TRIPLET.ALPHA_O1], b2 = pk[TRIPLET.ALPHA_O2];
    return defineCase({
      id: 'triplet', label: 'triplet STDP (decay 4 traces + pre + post)', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(21);
        return {
          w: uniform(r, N_IN * N, 0, 1), r1: uniform(r, N_IN, 0, 1), r2: uniform(r, N_IN, 0, 1), o1: uniform(r, N, 0, 1),
          o2: uniform(r, N, 0, 1), ...rulePools(r), params: pk.slice(),
        };
      },
      check: ['w', 'r1', 'r2', 'o1', 'o2'],
      ts: (b) => {
        const v = prePost(b);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            traceDecay(b.r1, N_IN, a1, FLOOR);
            traceDecay(b.r2, N_IN, a2, FLOOR);
            traceDecay(b.o1, N, b1, FLOOR);
            traceDecay(b.o2, N, b2, FLOOR);
            tripletPre(b.w, N_IN, N, v.pre[c], PRE, b.r1, b.r2, b.o1, tp);
            tripletPost(b.w, N_IN, N, v.post[c], POST, b.r1, b.o1, b.o2, tp);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.trace_decay_f32(p.r1, N_IN, a1, FLOOR);
            k.trace_decay_f32(p.r2, N_IN, a2, FLOOR);
            k.trace_decay_f32(p.o1, N, b1, FLOOR);
            k.trace_decay_f32(p.o2, N, b2, FLOOR);
            k.triplet_pre_f32(p.w, N_IN, N, p.pre + 4 * PRE * c, PRE, p.r1, p.r2, p.o1, p.params);
            k.triplet_post_f32(p.w, N_IN, N, p.post + 4 * POST * c, POST, p.r1, p.o1, p.o2, p.params);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
    });
  })(),
  (() => {
    const sp: SymStdpParams = {
      etaPre: 0.002, etaPost: 0.003, wMin: 0, wMax: 1, soft: false, impulsePre: 1, impulsePost: 1, nearest: false, tauPre: 20, tauPost: 20,
      dtMs: 1, scaleTarget: 100,
    };
    const pk = packSymStdpParams(sp);
    const ax = pk[SYMSTDP.ALPHA_PRE], ay = pk[SYMSTDP.ALPHA_POST], tgt = pk[SYMSTDP.SCALE_TARGET];
    return defineCase({
      id: 'symstdp', label: 'symmetric STDP + L1 column scaling', unit: WUPD, scale: G,
      init: () => { const r = new Xoshiro128(22); return { w: uniform(r, N_IN * N, 0, 1), ...traces(r), ...rulePools(r), params: pk.slice() }; },
      check: ['w', 'x', 'y'],
      ts: (b) => {
        const v = prePost(b);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            traceDecay(b.x, N_IN, ax, FLOOR);
            traceDecay(b.y, N, ay, FLOOR);
            symStdpPre(b.w, N_IN, N, v.pre[c], PRE, b.x, b.y, sp);
            symStdpPost(b.w, N_IN, N, v.post[c], POST, b.x, b.y, sp);
            scaleColumns(b.w, N_IN, N, v.post[c], POST, tgt, false);
            c = (c + 1) & MASK;
          }
          return steps * (RULE_WORK + POST * N_IN);
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const pp = p.post + 4 * POST * c;
            k.trace_decay_f32(p.x, N_IN, ax, FLOOR);
            k.trace_decay_f32(p.y, N, ay, FLOOR);
            k.symstdp_pre_f32(p.w, N_IN, N, p.pre + 4 * PRE * c, PRE, p.x, p.y, p.params);
            k.symstdp_post_f32(p.w, N_IN, N, pp, POST, p.x, p.y, p.params);
            k.scale_columns_f32(p.w, N_IN, N, pp, POST, tgt, 0);
            c = (c + 1) & MASK;
          }
          return steps * (RULE_WORK + POST * N_IN);
        };
      },
    });
  })(),
  (() => {
    const hp: HebbSignParams = {
      etaPre: 0.003, etaPost: 0.004, wMin: -1, wMax: 1, soft: false, impulsePre: 1, impulsePost: 1, nearest: false, tauPre: 20, tauPost: 20,
      dtMs: 1,
    };
    const pk = packHebbSignParams(hp);
    const ax = pk[HEBBSIGN.ALPHA_PRE], ay = pk[HEBBSIGN.ALPHA_POST];
    return defineCase({
      id: 'hebbsign', label: 'sign-diverse Hebbian (decay + pre + post)', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(23);
        return { w: uniform(r, N_IN * N, -0.5, 0.5), ...traces(r), ...rulePools(r), sign: signDiverseSigns(N, 0.3, 23), params: pk.slice() };
      },
      check: ['w', 'x', 'y'],
      ts: (b) => {
        const v = prePost(b);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            traceDecay(b.x, N_IN, ax, FLOOR);
            traceDecay(b.y, N, ay, FLOOR);
            hebbSignPre(b.w, N_IN, N, v.pre[c], PRE, b.x, b.y, b.sign, hp);
            hebbSignPost(b.w, N_IN, N, v.post[c], POST, b.x, b.y, b.sign, hp);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.trace_decay_f32(p.x, N_IN, ax, FLOOR);
            k.trace_decay_f32(p.y, N, ay, FLOOR);
            k.hebbsign_pre_f32(p.w, N_IN, N, p.pre + 4 * PRE * c, PRE, p.x, p.y, p.sign, p.params);
            k.hebbsign_post_f32(p.w, N_IN, N, p.post + 4 * POST * c, POST, p.x, p.y, p.sign, p.params);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
    });
  })(),
  (() => {
    const sp: StdpParams = { ...stdpP, wMin: -1, wMax: 1, xOffset: 0.05 };
    const Q = 1 / 127;
    return defineCase({
      id: 'stdpI8', label: 'int8 pair STDP, stochastic rounding (decay + pre + post)', unit: WUPD, scale: G, tol: 0,
      simdNote: 'stochastic rounding draws one number per updated synapse, in synapse order, from one sequential PRNG stream, so the loops are scalar in both builds',
      init: () => {
        const r = new Xoshiro128(24);
        return {
          w: Int8Array.from({ length: N_IN * N }, () => r.nextInt(255) - 127), ...traces(r), ...rulePools(r), params: stdpBlock(sp, Q),
          rng: new Uint32Array(4),
        };
      },
      check: ['w', 'x', 'y'],
      ts: (b) => {
        const v = prePost(b);
        const rng = new Xoshiro128(2424);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            traceDecay(b.x, N_IN, ALPHA, FLOOR);
            traceDecay(b.y, N, ALPHA, FLOOR);
            stdpPreI8(b.w, N_IN, N, v.pre[c], PRE, b.x, b.y, sp, Q, rng);
            stdpPostI8(b.w, N_IN, N, v.post[c], POST, b.x, b.y, sp, Q, rng);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
      wasm: (k, p) => {
        k.rng_seed(p.rng, 2424);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.trace_decay_f32(p.x, N_IN, ALPHA, FLOOR);
            k.trace_decay_f32(p.y, N, ALPHA, FLOOR);
            k.stdp_pre_i8(p.w, N_IN, N, p.pre + 4 * PRE * c, PRE, p.x, p.y, p.params, p.rng);
            k.stdp_post_i8(p.w, N_IN, N, p.post + 4 * POST * c, POST, p.x, p.y, p.params, p.rng);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
    });
  })(),
  (() => {
    const sp: StdpParams = { ...stdpP, wMin: -0.5, wMax: 1 };
    const pattern = () => sparsePattern(N_IN, N, { density: 0.2 }, 25, false);
    return defineCase({
      id: 'csrStdp', label: 'pair STDP on CSR synapses, 20% density (decay + pre + post)', unit: WUPD, scale: G,
      init: () => {
        const { rowPtr, colIdx } = pattern();
        const nnz = colIdx.length;
        const csc = cscOf(rowPtr, colIdx, N_IN, N);
        const r = new Xoshiro128(26);
        const csr = new Uint32Array(N_IN + 1 + 2 * nnz);
        csr.set(rowPtr); csr.set(colIdx, N_IN + 1);
        new Float32Array(csr.buffer, 4 * (N_IN + 1 + nnz), nnz).set(uniform(r, nnz, -0.4, 0.9));
        const cscBuf = new Uint32Array(N + 1 + 2 * nnz);
        cscBuf.set(csc.colPtr); cscBuf.set(csc.row, N + 1); cscBuf.set(csc.syn, N + 1 + nnz);
        return { csr, csc: cscBuf, ...traces(r), ...rulePools(r), params: stdpBlock(sp) };
      },
      check: ['csr', 'x', 'y'],
      ts: (b) => {
        const v = prePost(b);
        const nnz = (b.csr.length - N_IN - 1) / 2;
        const rowPtr = b.csr.subarray(0, N_IN + 1), colIdx = b.csr.subarray(N_IN + 1, N_IN + 1 + nnz);
        const vals = new Float32Array(b.csr.buffer, b.csr.byteOffset + 4 * (N_IN + 1 + nnz), nnz);
        const csc = { colPtr: b.csc.subarray(0, N + 1), row: b.csc.subarray(N + 1, N + 1 + nnz), syn: b.csc.subarray(N + 1 + nnz) };
        const ops = csrStepOps(rowPtr, b.pre, PRE);
        const colOps = new Float64Array(POOL);
        for (let s = 0; s < POOL; s++) for (let q = 0; q < POST; q++) {
          const j = b.post[s * POST + q];
          colOps[s] += csc.colPtr[j + 1] - csc.colPtr[j];
        }
        let c = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            traceDecay(b.x, N_IN, ALPHA, FLOOR);
            traceDecay(b.y, N, ALPHA, FLOOR);
            csrStdpPreF32(rowPtr, colIdx, vals, N_IN, N, nnz, v.pre[c], PRE, b.x, b.y, sp);
            csrStdpPostF32(vals, csc, N_IN, N, nnz, v.post[c], POST, b.x, b.y, sp);
            w += ops[c] + colOps[c];
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
      wasm: (k, p, b) => {
        const nnz = (b.csr.length - N_IN - 1) / 2;
        const ops = csrStepOps(b.csr.subarray(0, N_IN + 1), b.pre, PRE);
        const colOps = new Float64Array(POOL);
        for (let s = 0; s < POOL; s++) for (let q = 0; q < POST; q++) { const j = b.post[s * POST + q]; colOps[s] += b.csc[j + 1] - b.csc[j]; }
        let c = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            k.trace_decay_f32(p.x, N_IN, ALPHA, FLOOR);
            k.trace_decay_f32(p.y, N, ALPHA, FLOOR);
            k.csr_stdp_pre_f32(p.csr, N_IN, N, nnz, p.pre + 4 * PRE * c, PRE, p.x, p.y, p.params);
            k.csr_stdp_post_f32(p.csr, p.csc, N_IN, N, nnz, p.post + 4 * POST * c, POST, p.x, p.y, p.params);
            w += ops[c] + colOps[c];
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
      simdNote: 'rows gather the post trace through column indices and columns go through the CSC index; both are gathers',
    });
  })(),
  (() => {
    const ep: EgDaleParams = { lr: 0.05, wAbsMin: 1e-4, wAbsMax: 2 };
    return defineCase({
      id: 'egdale', label: "exponentiated gradient under Dale's law (pre rows)", unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(27);
        const sign = signDiverseSigns(N_IN, 0.3, 27), theta = uniform(r, N_IN * N, -6, 0.5), w = new Float32Array(N_IN * N);
        egDaleSync(w, theta, N_IN, N, sign, ep);
        return { w, theta, sign, pre: lists(r, N_IN, PRE), x: uniform(r, N_IN, 0, 1), e: uniform(r, N, -1, 1), params: packEgDaleParams(ep) };
      },
      check: ['w', 'theta'],
      ts: (b) => {
        const v = views(b.pre, PRE);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            egDaleUpdate(b.w, b.theta, N_IN, N, v[c], PRE, b.x, b.e, b.sign, ep);
            c = (c + 1) & MASK;
          }
          return steps * PRE * N;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.egdale_update_f32(p.w, p.theta, N_IN, N, p.pre + 4 * PRE * c, PRE, p.x, p.e, p.sign, p.params);
            c = (c + 1) & MASK;
          }
          return steps * PRE * N;
        };
      },
    });
  })(),
  (() => {
    const ep: EgDaleParams = { lr: 0.05, wAbsMin: 1e-4, wAbsMax: 2 };
    return defineCase({
      id: 'egdaleSync', label: "EG-Dale sync (w = sign exp(theta), whole matrix)", unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(28);
        return {
          w: new Float32Array(N_IN * N), theta: uniform(r, N_IN * N, -6, 0.5), sign: signDiverseSigns(N_IN, 0.3, 28),
          params: packEgDaleParams(ep),
        };
      },
      check: ['w', 'theta'],
      ts: (b) => (steps) => { for (let s = 0; s < steps; s++) egDaleSync(b.w, b.theta, N_IN, N, b.sign, ep); return steps * N_IN * N; },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) k.egdale_sync_f32(p.w, p.theta, N_IN, N, p.sign, p.params);
        return steps * N_IN * N;
      },
    });
  })(),
  (() => {
    const dp: DcondParams = { wMin: -0.5, wMax: 1, levels: 16, stepUp: 1, stepDown: 2, unidirectional: false, xTh: 0.5, eTh: 0.3 };
    return defineCase({
      id: 'dcond', label: 'discrete-conductance synapse (pre rows + post columns)', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(29);
        const table = dcondLevels(dp.levels, 3, dp.wMin, dp.wMax), gain = dcondGains(N_IN * N, 0.4, 30);
        const level = Uint8Array.from({ length: N_IN * N }, () => r.nextInt(dp.levels));
        const w = Float32Array.from(level, (n, q) => dcondWeight(n, gain[q], table, dp.wMin, dp.wMax));
        return { w, level, gain, table, ...rulePools(r), e: uniform(r, N, -1, 1), x: uniform(r, N_IN, 0, 1), params: packDcondParams(dp) };
      },
      check: ['w', 'level'],
      ts: (b) => {
        const v = prePost(b);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            dcondPre(b.w, b.level, b.gain, N_IN, N, v.pre[c], PRE, b.e, b.table, dp);
            dcondPost(b.w, b.level, b.gain, N_IN, N, v.post[c], POST, b.x, b.table, dp);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.dcond_pre_f32(p.w, p.level, p.gain, N_IN, N, p.pre + 4 * PRE * c, PRE, p.e, p.table, p.params);
            k.dcond_post_f32(p.w, p.level, p.gain, N_IN, N, p.post + 4 * POST * c, POST, p.x, p.table, p.params);
            c = (c + 1) & MASK;
          }
          return steps * RULE_WORK;
        };
      },
    });
  })(),
  (() => {
    const m = tempotronLif(15, 3.75, 1);
    const tp: TempotronParams = { vTh: 0.6, lr: 0.05, wMin: -1, wMax: 1, kScale: m.kScale, alphaM: m.alphaM, alphaS: m.alphaS };
    const LEARN_EVERY = 32;
    return defineCase({
      id: 'tempotron', label: 'Tempotron pattern steps: LIF + input + eligibility tracking, learning every 32 steps', unit: 'k steps/s', scale: 1e-3,
      init: () => {
        const r = new Xoshiro128(31);
        return {
          state: neuronState(new Float32Array(N), new Float32Array(N)), lif: lifBlock(m.lif), spikes: new Uint32Array(N), margins: new Float32Array(N),
          w: uniform(r, N_IN * N, -0.3, 0.5), elig: new Float32Array(N_IN * N), ka: new Float32Array(N_IN), kb: new Float32Array(N_IN),
          vmax: new Float32Array(N).fill(-Infinity), flag: new Int32Array(N), target: Int32Array.from({ length: N }, () => r.nextInt(2)),
          err: new Float32Array(N), pre: lists(r, N_IN, PRE), params: packTempotronParams(tp),
        };
      },
      check: ['w', 'elig', 'vmax', 'state'],
      ts: (b) => {
        const st = lifState(b.state), v = views(b.pre, PRE);
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            lifStep(N, st, m.lif, b.spikes, b.margins);
            traceDecay(b.ka, N_IN, tp.alphaM, FLOOR); traceDecay(b.kb, N_IN, tp.alphaS, FLOOR);
            tempotronTrack(b.elig, N_IN, N, st.v, b.vmax, b.ka, b.kb, tp);
            denseAccumulateF32(b.w, N_IN, N, v[c], PRE, st.i);
            traceBump(b.ka, N_IN, v[c], PRE, 1, false); traceBump(b.kb, N_IN, v[c], PRE, 1, false);
            if (++t % LEARN_EVERY === 0) {
              tempotronLearn(b.w, b.elig, N_IN, N, b.vmax, b.target, tp);
              b.vmax.fill(-Infinity);
              b.state.fill(0);
              b.ka.fill(0);
              b.kb.fill(0);
            }
            c = (c + 1) & MASK;
          }
          return steps;
        };
      },
      wasm: (k, p, b) => {
        let c = 0, t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const pi = p.pre + 4 * PRE * c;
            k.lif_step_f32(N, p.state, p.lif, p.spikes, p.margins);
            k.trace_decay_f32(p.ka, N_IN, tp.alphaM, FLOOR); k.trace_decay_f32(p.kb, N_IN, tp.alphaS, FLOOR);
            k.tempotron_track_f32(p.elig, N_IN, N, p.state, p.vmax, p.flag, p.ka, p.kb, p.params);
            k.dense_accumulate_f32(p.w, N_IN, N, pi, PRE, p.state + 4 * NPAD);
            k.trace_bump_f32(p.ka, N_IN, pi, PRE, 1, 0); k.trace_bump_f32(p.kb, N_IN, pi, PRE, 1, 0);
            if (++t % LEARN_EVERY === 0) {
              k.tempotron_learn_f32(p.w, p.elig, N_IN, N, p.vmax, p.target, p.err, p.params);
              b.vmax.fill(-Infinity);
              b.state.fill(0);
              b.ka.fill(0);
              b.kb.fill(0);
            }
            c = (c + 1) & MASK;
          }
          return steps;
        };
      },
    });
  })(),
];

// ---------------------------------------------------------------------------------------------
// Three-factor rules and their eligibility vocabulary

const eligP: EligParams = { alpha: Math.exp(-1 / 25), floor: 1e-6, kA: 0.8, kC: -0.45, eta: 0.05, wMin: -0.5, wMax: 1, soft: false };

const threeFactorCases: ZooCase[] = [
  (() => {
    const sp: StdpParams = { ...stdpP, etaPlus: 0.6, etaMinus: 0.65 };
    const ep: EligParams = { ...eligP, alpha: Math.exp(-1 / 40), wMin: 0, wMax: 1, eta: 0.01 };
    const REWARD_EVERY = 16;
    return defineCase({
      id: 'rstdp', label: 'R-STDP eligibility step per step + reward every 16 steps', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(32);
        return {
          w: uniform(r, N_IN * N, 0, 1), e: new Float32Array(N_IN * N), ...traces(r), ...rulePools(r), sp: stdpBlock(sp),
          ep: packEligParams(ep),
        };
      },
      check: ['w', 'e', 'x', 'y'],
      ts: (b) => {
        const v = prePost(b);
        let c = 0, t = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            traceDecay(b.x, N_IN, ALPHA, FLOOR);
            traceDecay(b.y, N, ALPHA, FLOOR);
            rstdpStep(b.e, N_IN, N, v.pre[c], PRE, v.post[c], POST, b.x, b.y, sp, ep);
            w += N_IN * N;
            if (++t % REWARD_EVERY === 0) {
              eligApply(b.w, b.e, N_IN, N, null, t % 32 === 0 ? 1 : -0.5, ep);
              w += N_IN * N;
            }
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
      wasm: (k, p) => {
        let c = 0, t = 0;
        return (steps) => {
          let w = 0;
          for (let s = 0; s < steps; s++) {
            k.trace_decay_f32(p.x, N_IN, ALPHA, FLOOR);
            k.trace_decay_f32(p.y, N, ALPHA, FLOOR);
            k.rstdp_step_f32(p.e, N_IN, N, p.pre + 4 * PRE * c, PRE, p.post + 4 * POST * c, POST, p.x, p.y, p.sp, p.ep);
            w += N_IN * N;
            if (++t % REWARD_EVERY === 0) {
              k.elig_apply_f32(p.w, p.e, N_IN, N, 0, t % 32 === 0 ? 1 : -0.5, p.ep);
              w += N_IN * N;
            }
            c = (c + 1) & MASK;
          }
          return w;
        };
      },
    });
  })(),
  defineCase({
    id: 'elig', label: 'eligibility step + modulated apply (dense)', unit: WUPD, scale: G,
    init: () => {
      const r = new Xoshiro128(33);
      return {
        w: uniform(r, N_IN * N, -0.5, 1), e: new Float32Array(N_IN * N), a: uniform(r, N_IN, 0, 1.5),
        bb: Float32Array.from({ length: N }, () => (r.nextFloat() < 0.3 ? 1 : 0)),
        cc: Float32Array.from({ length: N_IN }, () => (r.nextFloat() < 0.3 ? 1 : 0)), d: uniform(r, N, 0, 1.2), m: uniform(r, N, -0.2, 0.2),
        params: packEligParams(eligP),
      };
    },
    check: ['w', 'e'],
    ts: (b) => (steps) => {
      for (let s = 0; s < steps; s++) {
        eligStep(b.e, N_IN, N, b.a, b.bb, b.cc, b.d, eligP);
        eligApply(b.w, b.e, N_IN, N, b.m, (s & 1) === 0 ? 1 : -1, eligP);
      }
      return steps * 2 * N_IN * N;
    },
    wasm: (k, p) => (steps) => {
      for (let s = 0; s < steps; s++) {
        k.elig_step_f32(p.e, N_IN, N, p.a, p.bb, p.cc, p.d, p.params);
        k.elig_apply_f32(p.w, p.e, N_IN, N, p.m, (s & 1) === 0 ? 1 : -1, p.params);
      }
      return steps * 2 * N_IN * N;
    },
  }),
  defineCase({
    id: 'eligOuter', label: 'modulated outer-product apply (no stored eligibility)', unit: WUPD, scale: G,
    init: () => {
      const r = new Xoshiro128(34);
      return {
        w: uniform(r, N_IN * N, -0.5, 1), a: uniform(r, N_IN, 0, 1.5),
        bb: Float32Array.from({ length: N }, () => (r.nextFloat() < 0.3 ? 1 : 0)),
        cc: Float32Array.from({ length: N_IN }, () => (r.nextFloat() < 0.3 ? 1 : 0)), d: uniform(r, N, 0, 1.2), m: uniform(r, N, -0.2, 0.2),
        params: packEligParams(eligP),
      };
    },
    check: ['w'],
    ts: (b) => (steps) => {
      for (let s = 0; s < steps; s++) eligApplyOuter(b.w, N_IN, N, b.a, b.bb, b.cc, b.d, b.m, (s & 1) === 0 ? 1 : -1, eligP);
      return steps * N_IN * N;
    },
    wasm: (k, p) => (steps) => {
      for (let s = 0; s < steps; s++) k.elig_apply_outer_f32(p.w, N_IN, N, p.a, p.bb, p.cc, p.d, p.m, (s & 1) === 0 ? 1 : -1, p.params);
      return steps * N_IN * N;
    },
  }),
  defineCase({
    id: 'traceFilter', label: 'trace filter (x = alpha x + u)', unit: ELEMS, scale: M,
    init: () => { const r = new Xoshiro128(35); return { x: new Float32Array(N), u: uniform(r, N, -1, 1) }; },
    check: ['x'],
    ts: (b) => (steps) => { for (let s = 0; s < steps; s++) traceFilter(b.x, N, 0.7, b.u); return steps * N; },
    wasm: (k, p) => (steps) => { for (let s = 0; s < steps; s++) k.trace_filter_f32(p.x, N, 0.7, p.u); return steps * N; },
  }),
  defineCase({
    id: 'traceDecay', label: 'trace decay with floor', unit: ELEMS, scale: M,
    init: () => { const r = new Xoshiro128(36); return { x: uniform(r, N, 0, 1e30) }; },
    check: ['x'],
    ts: (b) => (steps) => { for (let s = 0; s < steps; s++) traceDecay(b.x, N, 0.999, 1e-30); return steps * N; },
    wasm: (k, p) => (steps) => { for (let s = 0; s < steps; s++) k.trace_decay_f32(p.x, N, 0.999, 1e-30); return steps * N; },
  }),
  (() => {
    const NK = 10;
    return defineCase({
      id: 'eprop', label: 'e-prop pseudo-derivative + learning signal (10 outputs)', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(37);
        return {
          state: neuronState(uniform(r, N, -1, 2.5), new Float32Array(N), uniform(r, N, 0, 0.4)), lif: lifBlock({ ...lifP, vTh: 0.8 }),
          psi: new Float32Array(N), fb: uniform(r, NK * N, -1, 1), err: uniform(r, NK, -1, 1), L: new Float32Array(N),
        };
      },
      check: ['psi', 'L'],
      ts: (b) => {
        const st = lifState(b.state);
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            epropPseudo(N, st, 0.8, 0.3, b.psi);
            epropSignal(b.fb, NK, N, b.err, b.L);
          }
          return steps * N;
        };
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) {
          k.eprop_pseudo_f32(N, p.state, p.lif, 0.3, p.psi);
          k.eprop_signal_f32(p.fb, NK, N, p.err, p.L);
        }
        return steps * N;
      },
    });
  })(),
  (() => {
    const NC = 10, SP = 20;
    return defineCase({
      id: 'tess', label: 'TESS learning signal (10 classes, 20 spikes per step)', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(38);
        return {
          basis: Float32Array.from({ length: NC * N }, () => (r.nextInt(2) ? 1 : -1) / N), spikes: lists(r, N, SP), q: new Float32Array(NC),
          L: new Float32Array(N),
        };
      },
      check: ['q', 'L'],
      ts: (b) => {
        const v = views(b.spikes, SP);
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            tessSignal(b.basis, NC, N, v[c], SP, c % NC, 30, b.q, b.L);
            c = (c + 1) & MASK;
          }
          return steps * N;
        };
      },
      wasm: (k, p) => {
        let c = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            k.tess_signal_f32(p.basis, NC, N, p.spikes + 4 * SP * c, SP, c % NC, 30, p.q, p.L);
            c = (c + 1) & MASK;
          }
          return steps * N;
        };
      },
    });
  })(),
];

// ---------------------------------------------------------------------------------------------
// Continual-learning controls

const controlCases: ZooCase[] = [
  (() => {
    const cp: ClasspParams = { eta: 0.2, eps: 1e-3, threshold: 0.01, power: 2, wMin: -1, wMax: 1 };
    return defineCase({
      id: 'classp', label: 'CLASSP suppressed, thresholded update (dense)', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(39);
        return {
          w: uniform(r, N_IN * N, -0.5, 0.5), acc: new Float32Array(N_IN * N),
          a: uniform(r, N_IN, 0, 1).map((v, i) => (i % 4 === 0 ? 0 : v)), m: uniform(r, N, -0.8, 0.8), params: packClasspParams(cp),
        };
      },
      check: ['w', 'acc'],
      ts: (b) => (steps) => {
        for (let s = 0; s < steps; s++) classpApply(b.w, b.acc, N_IN, N, b.a, b.m, (s & 1) === 0 ? 1.5 : -1, cp);
        return steps * N_IN * N;
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) k.classp_apply_f32(p.w, p.acc, N_IN, N, p.a, p.m, (s & 1) === 0 ? 1.5 : -1, p.params);
        return steps * N_IN * N;
      },
    });
  })(),
  defineCase({
    id: 'noise', label: 'noise injection (uniform, arena PRNG)', unit: ELEMS, scale: M,
    simdNote: 'every element draws from one sequential xoshiro128** stream, so the draws cannot run in parallel lanes',
    init: () => { const r = new Xoshiro128(40); return { x: uniform(r, N, -1, 1), rng: new Uint32Array(4) }; },
    check: ['x'],
    ts: (b) => {
      const rng = new Xoshiro128(4040);
      return (steps) => {
        for (let s = 0; s < steps; s++) noiseInject(b.x, N, rng, 0.01, 0);
        return steps * N;
      };
    },
    wasm: (k, p) => {
      k.rng_seed(p.rng, 4040);
      return (steps) => {
        for (let s = 0; s < steps; s++) k.noise_inject_f32(p.x, N, p.rng, 0.01, 0);
        return steps * N;
      };
    },
  }),
  (() => {
    const mp: ModeParams = { etaGain: 0.01, etaThr: 0.01, gainMin: -2, gainMax: 3, thrMin: -1, thrMax: 1 };
    return defineCase({
      id: 'modes', label: 'gain/threshold modes: adapt + apply', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(41);
        return {
          drive: uniform(r, N, -2, 2), err: uniform(r, N, -3, 3), gain: new Float32Array(N).fill(1), thr: new Float32Array(N),
          out: new Float32Array(N), params: packModeParams(mp),
        };
      },
      check: ['gain', 'thr', 'out'],
      ts: (b) => (steps) => {
        for (let s = 0; s < steps; s++) {
          modeAdapt(N, b.drive, b.err, b.gain, b.thr, mp);
          modeApply(N, b.drive, b.gain, b.thr, b.out);
        }
        return steps * N;
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) {
          k.mode_adapt_f32(N, p.drive, p.err, p.gain, p.thr, p.params);
          k.mode_apply_f32(N, p.drive, p.gain, p.thr, p.out);
        }
        return steps * N;
      },
    });
  })(),
  (() => {
    const lp: LrHomeostasisParams = { aFast: 0.3, aSlow: 0.02, k: 0.5, rho: 0.05, eta0: 0.01, etaMin: 0.001, etaMax: 0.1 };
    return defineCase({
      id: 'lrh', label: 'learning-rate homeostasis update', unit: NEURONS, scale: M,
      init: () => {
        const r = new Xoshiro128(42);
        return { err: uniform(r, N, 0, 1), fast: uniform(r, N, 0, 0.5), slow: uniform(r, N, 0, 0.5), eta: new Float32Array(N).fill(0.01) };
      },
      check: ['err', 'fast', 'slow', 'eta'],
      ts: (b) => (steps) => { for (let s = 0; s < steps; s++) lrhUpdate(N, b.err, b.fast, b.slow, b.eta, lp); return steps * N; },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) k.lrh_update_f32(N, p.err, p.fast, p.slow, p.eta, lp.aFast, lp.aSlow, lp.k, lp.rho, lp.eta0, lp.etaMin, lp.etaMax);
        return steps * N;
      },
    });
  })(),
];

// ---------------------------------------------------------------------------------------------
// Readouts

const readoutCases: ZooCase[] = [
  (() => {
    const NF = N, NC = 10;
    return defineCase({
      id: 'readout', label: 'delta-rule readout: learn + predict (1021 features, 10 classes)', unit: 'k samples/s', scale: 1e-3,
      simdNote: 'the kernel has no SIMD path: its inner loops run over only 10 classes, so both builds run the same scalar loops',
      init: () => {
        const r = new Xoshiro128(43);
        return {
          w: new Float32Array(NF * NC), xs: Float32Array.from({ length: 8 * NF }, () => (r.nextInt(3) === 0 ? r.nextInt(5) : 0)),
          scores: new Float32Array(NC), err: new Float32Array(NC),
        };
      },
      check: ['w', 'scores'],
      ts: (b) => {
        const xs = Array.from({ length: 8 }, (_, q) => b.xs.subarray(q * NF, (q + 1) * NF));
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const q = s & 7;
            readoutLearn(b.w, NF, NC, xs[q], q % NC, 0.1, b.scores);
            readoutPredict(b.w, NF, NC, xs[q], b.scores);
          }
          return steps;
        };
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) {
          const q = s & 7, x = p.xs + 4 * NF * q;
          k.readout_learn_f32(p.w, NF, NC, x, q % NC, 0.1, p.scores, p.err);
          k.readout_predict_f32(p.w, NF, NC, x, p.scores);
        }
        return steps;
      },
    });
  })(),
  (() => {
    const gp: EligParams = { ...eligP, eta: 0.01, wMin: -1, wMax: 1 };
    return defineCase({
      id: 'gatedHebb', label: 'attention-gated Hebbian readout: learn + predict', unit: WUPD, scale: G,
      init: () => {
        const r = new Xoshiro128(44);
        return {
          w: uniform(r, N_IN * N, -1, 1), rr: uniform(r, N_IN, 0, 2).map((v, i) => (i % 3 === 0 ? 0 : v)), t: uniform(r, N, -1, 2),
          g: Float32Array.from({ length: N }, () => (r.nextFloat() < 0.5 ? 1 : 0)), params: packEligParams(gp), y: new Float32Array(N),
          err: new Float32Array(N),
        };
      },
      check: ['w', 'y', 'err'],
      ts: (b) => (steps) => {
        for (let s = 0; s < steps; s++) {
          gatedHebbLearn(b.w, N_IN, N, b.rr, b.t, b.g, gp, b.y, b.err);
          gatedHebbPredict(b.w, N_IN, N, b.rr, b.y);
        }
        return steps * 2 * N_IN * N;
      },
      wasm: (k, p) => (steps) => {
        for (let s = 0; s < steps; s++) {
          k.gated_hebb_learn_f32(p.w, N_IN, N, p.rr, p.t, p.g, p.params, p.y, p.err);
          k.gated_hebb_predict_f32(p.w, N_IN, N, p.rr, p.y);
        }
        return steps * 2 * N_IN * N;
      },
    });
  })(),
  (() => {
    const NF = 32, NC = N;
    return defineCase({
      id: 'ncm', label: 'nearest-class-mean: update + cosine predict (32 features, 1021 classes)', unit: 'k samples/s', scale: 1e-3,
      init: () => {
        const r = new Xoshiro128(45);
        return {
          mu: uniform(r, NF * NC, -1, 1), counts: new Int32Array(NC).fill(1), xs: uniform(r, 8 * NF, -1, 2),
          labels: Int32Array.from({ length: 8 }, () => r.nextInt(NC)), scores: new Float32Array(NC),
        };
      },
      check: ['mu', 'counts', 'scores'],
      ts: (b) => {
        const xs = Array.from({ length: 8 }, (_, q) => b.xs.subarray(q * NF, (q + 1) * NF));
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const q = s & 7;
            ncmUpdate(b.mu, b.counts, NF, NC, xs[q], b.labels[q]);
            ncmPredict(b.mu, b.counts, NF, NC, xs[(q + 3) & 7], true, b.scores);
          }
          return steps;
        };
      },
      wasm: (k, p, b) => (steps) => {
        for (let s = 0; s < steps; s++) {
          const q = s & 7;
          k.ncm_update_f32(p.mu, p.counts, NF, NC, p.xs + 4 * NF * q, b.labels[q]);
          k.ncm_predict_f32(p.mu, p.counts, NF, NC, p.xs + 4 * NF * ((q + 3) & 7), 1, p.scores);
        }
        return steps;
      },
    });
  })(),
  (() => {
    const NF = 32, NS = N;
    return defineCase({
      id: 'hopfield', label: 'modern Hopfield: store + retrieve (32 features, 1021 slots, beta 8)', unit: 'k samples/s', scale: 1e-3, tol: 1e-5, absTol: 1e-6,
      simdNote: 'the softmax needs exp per slot, and wasm has no exp instruction: the software expf is scalar in both builds',
      init: () => {
        const r = new Xoshiro128(46);
        return { mem: uniform(r, NF * NS, -1, 1), xs: uniform(r, 8 * NF, -1, 1), p: new Float32Array(NS), out: new Float32Array(NF) };
      },
      check: ['mem', 'p', 'out'],
      ts: (b) => {
        const xs = Array.from({ length: 8 }, (_, q) => b.xs.subarray(q * NF, (q + 1) * NF));
        let t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const q = s & 7;
            hopfieldStore(b.mem, NF, NS, t % NS, xs[q]);
            hopfieldRetrieve(b.mem, NF, NS, NS, xs[(q + 5) & 7], 8, b.p, b.out);
            t++;
          }
          return steps;
        };
      },
      wasm: (k, p) => {
        let t = 0;
        return (steps) => {
          for (let s = 0; s < steps; s++) {
            const q = s & 7;
            k.hopfield_store_f32(p.mem, NF, NS, t % NS, p.xs + 4 * NF * q);
            k.hopfield_retrieve_f32(p.mem, NF, NS, NS, p.xs + 4 * NF * ((q + 5) & 7), 8, p.p, p.out);
            t++;
          }
          return steps;
        };
      },
    });
  })(),
];

export const ZOO_CASES: ZooCase[] = [...neuronCases, ...synapseCases, ...plasticityCases, ...threeFactorCases, ...controlCases, ...readoutCases];
