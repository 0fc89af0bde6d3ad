/**
 * Kernel micro-benchmark: one 1156 -> 256 layer at 2% input activity (see kernel-data.ts), per
 * kernel and per backend:
 *   - plain TS:    the TypeScript twins in host/reference/kernels.ts (the test oracles, written
 *                  monomorphically over typed arrays);
 *   - wasm scalar: build/neurite.scalar.wasm, raw exports;
 *   - wasm SIMD:   build/neurite.simd.wasm, raw exports.
 *
 * Order of work in one process: verify (all three backends run the same 200 pool steps from the
 * same state; wasm scalar and SIMD must be bit-identical, the reference within 1e-6 relative),
 * reset, warm up every loop (Liftoff -> TurboFan for wasm, interpreter -> TurboFan for JS), then
 * ROUNDS rounds, each timing every loop of every backend for >= MIN_MS, in a rotating backend
 * order. The process reports the median over its rounds.
 *
 *   node dist/bench/kernels.js            human-readable table of this one process
 *   node dist/bench/kernels.js --json     one JSON line (worker mode, used by run.js)
 *   options: --rounds N (3), --ms N (200), --warm N (ms per loop, 60)
 */
import {
  denseAccumulateF32, denseAccumulateI8, denseFlushI8, lifReset, lifStep, stdpPost, stdpPre,
  traceDecay, type LifState,
} from '../host/reference/kernels.js';
import type { KernelBuild } from '../host/runtime/kernels.js';
import {
  argValue, fmt, hasFlag, isMain, machineInfo, measureRate, median, textTable, warmUp,
  type MachineInfo, type StepLoop,
} from './common.js';
import {
  ACTIVITY, KERNEL_IDS, LIF_N, N_IN, N_OUT, POOL_MASK, POOL_STEPS, POST_PER_STEP, SEED, makeKernelData,
  type KernelData, type KernelId, type KernelLoops, type KernelSnapshot,
} from './kernel-data.js';

export const BACKENDS = ['ts', 'scalar', 'simd'] as const;
export type Backend = (typeof BACKENDS)[number];

export const KERNEL_INFO: Record<KernelId, { label: string; unit: string; scale: number }> = {
  fwdF32: { label: 'forward f32', unit: 'G synaptic ops/s', scale: 1e-9 },
  fwdI8: { label: 'forward int8 (accumulate + flush)', unit: 'G synaptic ops/s', scale: 1e-9 },
  lif: { label: 'LIF step + reset (256 neurons)', unit: 'M neuron updates/s', scale: 1e-6 },
  stdp: { label: 'STDP step (trace decay + pre + post)', unit: 'G weight updates/s', scale: 1e-9 },
  stdpPre: { label: '- pre pathway only (LTD rows)', unit: 'G weight updates/s', scale: 1e-9 },
  stdpPost: { label: '- post pathway only (LTP columns)', unit: 'G weight updates/s', scale: 1e-9 },
};

/** Plain TypeScript backend: the reference twins over ordinary typed arrays. */
class ReferenceLoops implements KernelLoops {
  readonly name = 'plain TS';
  private readonly data: KernelData;
  private readonly idxViews: Uint32Array[] = [];
  private readonly postViews: Uint32Array[] = [];
  private readonly counts = new Int32Array(POOL_STEPS);
  private readonly wF32 = new Float32Array(N_IN * N_OUT);
  private readonly wI8 = new Int8Array(N_IN * N_OUT);
  private readonly scale = new Float32Array(N_OUT);
  private readonly wStdp = new Float32Array(N_IN * N_OUT);
  private readonly targetF32 = new Float32Array(N_OUT);
  private readonly targetI8 = new Float32Array(N_OUT);
  private readonly acc = new Int16Array(N_OUT);
  private readonly lifState: LifState = {
    v: new Float32Array(LIF_N), i: new Float32Array(LIF_N), refr: new Int32Array(LIF_N),
    b: new Float32Array(LIF_N), bias: new Float32Array(LIF_N),
  };
  private readonly spikes = new Uint32Array(LIF_N);
  private readonly margins = new Float32Array(LIF_N);
  private readonly preTrace = new Float32Array(N_IN);
  private readonly postTrace = new Float32Array(N_OUT);
  private cF32 = 0;
  private cI8 = 0;
  private cStdp = 0;
  private cPre = 0;
  private cPost = 0;
  private lifSpikes = 0;

  constructor(data: KernelData) {
    this.data = data;
    for (let s = 0; s < POOL_STEPS; s++) {
      this.idxViews.push(data.idx.subarray(data.stepStart[s], data.stepStart[s + 1]));
      this.postViews.push(data.post.subarray(s * POST_PER_STEP, (s + 1) * POST_PER_STEP));
      this.counts[s] = data.stepStart[s + 1] - data.stepStart[s];
    }
    this.reset();
  }

  reset(): void {
    const d = this.data;
    this.wF32.set(d.wF32);
    this.wI8.set(d.wI8);
    this.scale.set(d.scaleI8);
    this.wStdp.set(d.wStdp);
    this.targetF32.fill(0);
    this.targetI8.fill(0);
    this.acc.fill(0);
    const s = this.lifState;
    s.v.fill(0);
    s.i.fill(0);
    s.refr.fill(0);
    s.b.fill(0);
    s.bias.set(d.lifBias);
    this.spikes.fill(0);
    this.margins.fill(0);
    this.preTrace.fill(0);
    this.postTrace.fill(0);
    this.cF32 = this.cI8 = this.cStdp = this.cPre = this.cPost = 0;
    this.lifSpikes = 0;
  }

  fwdF32(steps: number): number {
    const views = this.idxViews, counts = this.counts, w = this.wF32, target = this.targetF32;
    let c = this.cF32;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const n = counts[c];
      denseAccumulateF32(w, N_IN, N_OUT, views[c], n, target);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cF32 = c;
    return events * N_OUT;
  }

  fwdI8(steps: number): number {
    const views = this.idxViews, counts = this.counts, w = this.wI8, acc = this.acc;
    const scale = this.scale, target = this.targetI8;
    let c = this.cI8;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const n = counts[c];
      denseAccumulateI8(w, N_IN, N_OUT, views[c], n, acc);
      denseFlushI8(acc, scale, N_OUT, target);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cI8 = c;
    return events * N_OUT;
  }

  lif(steps: number): number {
    const st = this.lifState, p = this.data.lif, spikes = this.spikes, margins = this.margins;
    let total = 0;
    for (let s = 0; s < steps; s++) {
      const ns = lifStep(LIF_N, st, p, spikes, margins);
      lifReset(LIF_N, st, p, spikes, ns);
      total += ns;
    }
    this.lifSpikes += total;
    return steps * LIF_N;
  }

  stdp(steps: number): number {
    const views = this.idxViews, postViews = this.postViews, counts = this.counts, w = this.wStdp;
    const x = this.preTrace, y = this.postTrace, p = this.data.stdp;
    const aPre = p.alphaPre, aPost = p.alphaPost, floor = p.traceFloor;
    let c = this.cStdp;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const n = counts[c];
      traceDecay(x, N_IN, aPre, floor);
      traceDecay(y, N_OUT, aPost, floor);
      stdpPre(w, N_IN, N_OUT, views[c], n, x, y, p);
      stdpPost(w, N_IN, N_OUT, postViews[c], POST_PER_STEP, x, y, p);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cStdp = c;
    return events * N_OUT + steps * POST_PER_STEP * N_IN;
  }

  stdpPre(steps: number): number {
    const views = this.idxViews, counts = this.counts, w = this.wStdp;
    const x = this.preTrace, y = this.postTrace, p = this.data.stdp;
    let c = this.cPre;
    let events = 0;
    for (let s = 0; s < steps; s++) {
      const n = counts[c];
      stdpPre(w, N_IN, N_OUT, views[c], n, x, y, p);
      events += n;
      c = (c + 1) & POOL_MASK;
    }
    this.cPre = c;
    return events * N_OUT;
  }

  stdpPost(steps: number): number {
    const postViews = this.postViews, w = this.wStdp;
    const x = this.preTrace, y = this.postTrace, p = this.data.stdp;
    let c = this.cPost;
    for (let s = 0; s < steps; s++) {
      stdpPost(w, N_IN, N_OUT, postViews[c], POST_PER_STEP, x, y, p);
      c = (c + 1) & POOL_MASK;
    }
    this.cPost = c;
    return steps * POST_PER_STEP * N_IN;
  }

  snapshot(): KernelSnapshot {
    const s = this.lifState;
    return {
      fwdF32Target: this.targetF32.slice(),
      fwdI8Target: this.targetI8.slice(),
      fwdI8Acc: this.acc.slice(),
      lifV: s.v.slice(),
      lifI: s.i.slice(),
      lifB: s.b.slice(),
      lifRefr: s.refr.slice(),
      lifSpikes: this.lifSpikes,
      stdpW: this.wStdp.slice(),
      stdpPreTrace: this.preTrace.slice(),
      stdpPostTrace: this.postTrace.slice(),
    };
  }
}

/** Each wasm build gets its own instance of wasm-loops.js (separate call-site feedback). */
async function wasmLoops(build: KernelBuild, data: KernelData): Promise<KernelLoops> {
  const url = new URL(`./wasm-loops.js?build=${build}`, import.meta.url).href;
  const mod = (await import(url)) as typeof import('./wasm-loops.js');
  return mod.createWasmLoops(build, data);
}

// ---------------------------------------------------------------------------------------------
// Verification

export const VERIFY_STEPS = 200;
export const REL_TOL = 1e-6;

type Arr = Float32Array | Int16Array | Int32Array;

function bitEqual(a: Arr, b: Arr): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return false;
  return true;
}

/** Largest element-wise |a - b| / max(|a|, |b|) (0 where both are equal). */
function maxRelErr(a: Arr, b: Arr): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k]) continue;
    const r = Math.abs(a[k] - b[k]) / Math.max(Math.abs(a[k]), Math.abs(b[k]));
    if (!(r <= m)) m = r; // NaN propagates as a failure
  }
  return m;
}

export interface VerifyResult {
  ok: boolean;
  steps: number;
  /** Per kernel: scalar vs SIMD bit-identical, and max relative error reference vs SIMD. */
  kernels: Record<string, { scalarSimdBitIdentical: boolean; refMaxRelErr: number; checked: string }>;
  /** Spikes emitted by the LIF population during the verification run (all backends agree). */
  lifSpikes: number;
  problems: string[];
}

function verify(loops: Record<Backend, KernelLoops>): VerifyResult {
  const snaps = {} as Record<Backend, KernelSnapshot>;
  for (const b of BACKENDS) {
    const l = loops[b];
    l.reset();
    l.fwdF32(VERIFY_STEPS);
    l.fwdI8(VERIFY_STEPS);
    l.lif(VERIFY_STEPS);
    l.stdp(VERIFY_STEPS);
    snaps[b] = l.snapshot();
    l.reset();
  }
  const groups: Record<string, (keyof KernelSnapshot)[]> = {
    fwdF32: ['fwdF32Target'],
    fwdI8: ['fwdI8Target', 'fwdI8Acc'],
    lif: ['lifV', 'lifI', 'lifB', 'lifRefr'],
    stdp: ['stdpW', 'stdpPreTrace', 'stdpPostTrace'],
  };
  const problems: string[] = [];
  const kernels: VerifyResult['kernels'] = {};
  const { ts, scalar, simd } = snaps;
  for (const [kernel, fields] of Object.entries(groups)) {
    let bit = true;
    let rel = 0;
    for (const f of fields) {
      const a = scalar[f] as Arr, b = simd[f] as Arr, r = ts[f] as Arr;
      if (!bitEqual(a, b)) {
        bit = false;
        problems.push(`${kernel}: ${f} differs between wasm scalar and SIMD`);
      }
      const e = maxRelErr(r, b);
      if (!(e <= REL_TOL)) problems.push(`${kernel}: ${f} plain TS vs SIMD max relative error ${e}`);
      rel = Math.max(rel, e);
    }
    kernels[kernel] = { scalarSimdBitIdentical: bit, refMaxRelErr: rel, checked: fields.join(', ') };
  }
  if (ts.lifSpikes !== simd.lifSpikes || scalar.lifSpikes !== simd.lifSpikes) {
    problems.push(`lif: spike counts differ (TS ${ts.lifSpikes}, scalar ${scalar.lifSpikes}, SIMD ${simd.lifSpikes})`);
  }
  if (simd.lifSpikes === 0) problems.push('lif: no spikes in the verification run (the case does not exercise spiking)');
  return { ok: problems.length === 0, steps: VERIFY_STEPS, kernels, lifSpikes: simd.lifSpikes, problems };
}

// ---------------------------------------------------------------------------------------------
// Measurement

export interface KernelBenchResult {
  kind: 'kernels';
  machine: MachineInfo;
  config: {
    nIn: number; nOut: number; activity: number; meanEventsPerStep: number; postPerStep: number;
    lifNeurons: number; poolSteps: number; seed: number; rounds: number; minMs: number; warmMs: number;
  };
  verify: VerifyResult;
  /** Per kernel and backend: work units per second, median over this process's rounds. */
  results: Record<KernelId, Record<Backend, number>>;
  /** The individual rounds. */
  rounds: Record<KernelId, Record<Backend, number[]>>;
  seconds: number;
}

export async function runKernelBench(opts: { rounds?: number; minMs?: number; warmMs?: number } = {}): Promise<KernelBenchResult> {
  const t0 = performance.now();
  const rounds = opts.rounds ?? 3;
  const minMs = opts.minMs ?? 200;
  const warmMs = opts.warmMs ?? 60;
  const data = makeKernelData(SEED);
  const loops: Record<Backend, KernelLoops> = {
    ts: new ReferenceLoops(data),
    scalar: await wasmLoops('scalar', data),
    simd: await wasmLoops('simd', data),
  };
  const v = verify(loops);
  if (!v.ok) throw new Error(`kernel verification failed:\n  ${v.problems.join('\n  ')}`);

  const loopOf = (b: Backend, id: KernelId): StepLoop => {
    const l = loops[b];
    return (n) => l[id](n);
  };
  for (const id of KERNEL_IDS) for (const b of BACKENDS) warmUp(loopOf(b, id), warmMs);

  const all = {} as Record<KernelId, Record<Backend, number[]>>;
  for (const id of KERNEL_IDS) all[id] = { ts: [], scalar: [], simd: [] };
  for (let r = 0; r < rounds; r++) {
    for (const id of KERNEL_IDS) {
      for (let q = 0; q < BACKENDS.length; q++) {
        const b = BACKENDS[(q + r) % BACKENDS.length];
        all[id][b].push(measureRate(loopOf(b, id), minMs).perSecond);
      }
    }
  }
  const results = {} as Record<KernelId, Record<Backend, number>>;
  for (const id of KERNEL_IDS) {
    results[id] = { ts: median(all[id].ts), scalar: median(all[id].scalar), simd: median(all[id].simd) };
  }
  return {
    kind: 'kernels',
    machine: machineInfo(),
    config: {
      nIn: N_IN, nOut: N_OUT, activity: ACTIVITY, meanEventsPerStep: data.meanEvents, postPerStep: POST_PER_STEP,
      lifNeurons: LIF_N, poolSteps: POOL_STEPS, seed: SEED, rounds, minMs, warmMs,
    },
    verify: v,
    results,
    rounds: all,
    seconds: (performance.now() - t0) / 1000,
  };
}

export function kernelTable(results: Record<KernelId, Record<Backend, number>>): string {
  const rows = KERNEL_IDS.map((id) => {
    const info = KERNEL_INFO[id];
    const r = results[id];
    return [
      info.label, info.unit, fmt(r.ts * info.scale), fmt(r.scalar * info.scale), fmt(r.simd * info.scale),
      `${fmt(r.simd / r.ts)}x`, `${fmt(r.simd / r.scalar)}x`, `${fmt(r.scalar / r.ts)}x`,
    ];
  });
  return textTable(['kernel', 'unit', 'plain TS', 'wasm scalar', 'wasm SIMD', 'SIMD/TS', 'SIMD/scalar', 'scalar/TS'], rows);
}

if (isMain(import.meta.url)) {
  const num = (name: string) => {
    const v = argValue(name);
    return v === undefined ? undefined : Number(v);
  };
  try {
    const res = await runKernelBench({ rounds: num('--rounds'), minMs: num('--ms'), warmMs: num('--warm') });
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } else {
      console.log(`kernels, one process: ${res.machine.cpu}, ${res.machine.cores} cores, Node ${res.machine.node}`);
      console.log(`${N_IN} -> ${N_OUT}, ${fmt(res.config.meanEventsPerStep)} events/step, verification ok (${VERIFY_STEPS} steps)\n`);
      console.log(kernelTable(res.results));
      console.log(`\n${fmt(res.seconds)} s`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
