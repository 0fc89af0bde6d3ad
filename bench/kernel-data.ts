/**
 * The kernel benchmark case, shared by the three backends (plain TypeScript reference, wasm
 * scalar, wasm SIMD) so that all of them see exactly the same inputs and initial state.
 *
 * Case: one 1156 -> 256 layer (34x34 inputs, as N-MNIST with merged polarities) at 2% input
 * activity. A pool of POOL_STEPS steps is drawn once from a fixed Xoshiro128 seed: every input is
 * active in a step with probability 0.02 (about 23 events per step), and the active inputs of a
 * step are shuffled, since events arrive in time order rather than pixel order. Each step also
 * has POST_PER_STEP distinct postsynaptic spikes (the k of the demo model's 3-winner-take-all),
 * used by the STDP post pathway. The backends cycle through the pool.
 */
import { type LifParams, type StdpParams } from '../host/reference/kernels.js';
import { Xoshiro128 } from '../host/util/prng.js';
import type { StepLoop } from './common.js';

export const N_IN = 1156;
export const N_OUT = 256;
export const ACTIVITY = 0.02;
export const POOL_STEPS = 1024;
export const POOL_MASK = POOL_STEPS - 1;
export const POST_PER_STEP = 3;
export const LIF_N = 256;
export const SEED = 20240611;

export interface StdpBenchParams extends StdpParams {
  alphaPre: number;
  alphaPost: number;
  traceFloor: number;
}

export interface KernelData {
  /** Prefix offsets (POOL_STEPS + 1) of each step's events in `idx`. */
  readonly stepStart: Uint32Array;
  /** Active input indices of all pool steps, concatenated. */
  readonly idx: Uint32Array;
  /** POST_PER_STEP postsynaptic spike indices per pool step. */
  readonly post: Uint32Array;
  /** Forward weights, f32, [N_IN][N_OUT] row-major. */
  readonly wF32: Float32Array;
  /** Forward weights, int8, with one f32 scale per output neuron. */
  readonly wI8: Int8Array;
  readonly scaleI8: Float32Array;
  /** Plastic weights for the STDP measurement (a separate copy, so forward stays unchanged). */
  readonly wStdp: Float32Array;
  readonly lif: LifParams;
  /** Constant drive of each LIF neuron (the neurons are driven through their bias only). */
  readonly lifBias: Float32Array;
  readonly stdp: StdpBenchParams;
  /** Mean events per step over the pool. */
  readonly meanEvents: number;
}

const fr = Math.fround;

export function makeKernelData(seed: number = SEED): KernelData {
  const rng = new Xoshiro128(seed);
  const stepStart = new Uint32Array(POOL_STEPS + 1);
  const all: number[] = [];
  const step: number[] = [];
  for (let s = 0; s < POOL_STEPS; s++) {
    step.length = 0;
    for (let i = 0; i < N_IN; i++) if (rng.nextFloat() < ACTIVITY) step.push(i);
    for (let k = step.length - 1; k > 0; k--) {
      const r = rng.nextInt(k + 1);
      const t = step[k];
      step[k] = step[r];
      step[r] = t;
    }
    all.push(...step);
    stepStart[s + 1] = all.length;
  }
  const idx = Uint32Array.from(all);

  const post = new Uint32Array(POOL_STEPS * POST_PER_STEP);
  for (let s = 0; s < POOL_STEPS; s++) {
    for (let k = 0; k < POST_PER_STEP; k++) {
      let j: number;
      do j = rng.nextInt(N_OUT);
      while (post.subarray(s * POST_PER_STEP, s * POST_PER_STEP + k).includes(j));
      post[s * POST_PER_STEP + k] = j;
    }
  }

  const n = N_IN * N_OUT;
  const wF32 = new Float32Array(n);
  for (let q = 0; q < n; q++) wF32[q] = fr(-0.05 + fr(0.1 * rng.nextFloat()));
  const wI8 = new Int8Array(n);
  for (let q = 0; q < n; q++) wI8[q] = (rng.nextU32() % 255) - 127;
  const scaleI8 = new Float32Array(N_OUT);
  for (let j = 0; j < N_OUT; j++) scaleI8[j] = fr(fr(0.05 / 127) * fr(0.5 + rng.nextFloat()));
  const wStdp = new Float32Array(n);
  for (let q = 0; q < n; q++) wStdp[q] = fr(0.02 * rng.nextFloat());

  // LIF constants as the planner computes them for tau_m = 20 ms, tau_s = 5 ms, dt = 1 ms, a 2 ms
  // refractory period and a mild threshold adaptation (tau_b = 100 ms, +0.05 per spike).
  const alphaM = Math.exp(-1 / 20);
  const alphaS = Math.exp(-1 / 5);
  const lif: LifParams = {
    alphaM,
    alphaS,
    beta: (5 / (5 - 20)) * (alphaS - alphaM),
    gamma: 1 - alphaM,
    vTh: 1,
    vReset: 0,
    resetSubtract: false,
    refracHold: 1,
    alphaB: Math.exp(-1 / 100),
    dTheta: 0.05,
  };
  // Bias uniform in [0, 2): about half the neurons fire regularly (a few spikes per step).
  const lifBias = new Float32Array(LIF_N);
  for (let j = 0; j < LIF_N; j++) lifBias[j] = fr(2 * rng.nextFloat());

  // Pair STDP as in models/nmnist-stdp-wta.json (multiplicative bounds, x_offset 0.1), but with
  // LTD switched on so that the pre pathway does its row work.
  const stdp: StdpBenchParams = {
    etaPlus: 0.001,
    etaMinus: 0.0005,
    wMin: 0,
    wMax: 1,
    soft: true,
    xOffset: 0.1,
    impulsePre: 1,
    impulsePost: 1,
    nearest: false,
    alphaPre: Math.exp(-1 / 20),
    alphaPost: Math.exp(-1 / 20),
    traceFloor: 1e-30,
  };

  return {
    stepStart, idx, post, wF32, wI8, scaleI8, wStdp, lif, lifBias, stdp,
    meanEvents: idx.length / POOL_STEPS,
  };
}

/** State read back after a verification run, compared across backends. */
export interface KernelSnapshot {
  fwdF32Target: Float32Array;
  fwdI8Target: Float32Array;
  fwdI8Acc: Int16Array;
  lifV: Float32Array;
  lifI: Float32Array;
  lifB: Float32Array;
  lifRefr: Int32Array;
  lifSpikes: number;
  stdpW: Float32Array;
  stdpPreTrace: Float32Array;
  stdpPostTrace: Float32Array;
}

/** The measured step loops of one backend. Each returns the work units it did. */
export interface KernelLoops {
  readonly name: string;
  /** Restores the initial state of every kernel and rewinds the pool cursors. */
  reset(): void;
  /** Forward f32: dense_accumulate_f32 per step. Work: synaptic ops. */
  fwdF32: StepLoop;
  /** Forward int8: dense_accumulate_i8 + dense_flush_i8 per step. Work: synaptic ops. */
  fwdI8: StepLoop;
  /** LIF: lif_step_f32 + lif_reset_f32 for LIF_N neurons. Work: neuron updates. */
  lif: StepLoop;
  /** STDP step: 2 trace decays + stdp_pre (LTD rows) + stdp_post (LTP columns). Work: weight updates. */
  stdp: StepLoop;
  /** stdp_pre only. Work: weight updates. */
  stdpPre: StepLoop;
  /** stdp_post only. Work: weight updates. */
  stdpPost: StepLoop;
  snapshot(): KernelSnapshot;
}

export const KERNEL_IDS = ['fwdF32', 'fwdI8', 'lif', 'stdp', 'stdpPre', 'stdpPost'] as const;
export type KernelId = (typeof KERNEL_IDS)[number];
