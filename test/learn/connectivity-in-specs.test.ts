/**
 * Connectivity composed from model specs alone (host/plan/connectivity.ts): sparse CSR, event-driven
 * conv2d, block-sparse with prune-and-regrow, synaptic delays, Tsodyks-Markram STP and recurrent
 * projections, each run through spec -> plan -> schedule -> net_run and compared step by step,
 * bit for bit, with a network assembled from the TypeScript twins in host/reference/ (LIF,
 * CSR, conv2d, block-sparse, delay, STP) on the same input, in both kernel builds. Plus the
 * claims of each kind: delays shift spikes by exactly the delay, STP follows its closed form,
 * prune-and-regrow keeps the block count and sparsity, checkpoints restore the new state.
 */
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../host/spec/validate.js';
import { lifConstants, planModel, type Plan, type ProjectionLayout } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { PERSISTENT_KINDS } from '../../host/plan/plan.js';
import { InteropError, UsageError } from '../../host/errors.js';
import { nirGraphOf } from '../../host/interop/nir-export.js';
import { importNirGraph } from '../../host/interop/nir-import.js';
import { exportOnnx } from '../../host/interop/onnx-export.js';
import { quantizeRuntime } from '../../host/learn/quantize.js';
import { FirmwareBuildError, firmwareBlob } from '../../host/firmware/blob.js';
import type { EventBatch } from '../../host/events/types.js';
import type { ConnectivitySpec, LifNeuronSpec, ModelSpec } from '../../host/spec/types.js';
import { emulateSaccades } from '../../host/events/emulator.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { lifReset, lifStep, denseAccumulateF32, traceDecay, type LifParams, type LifState, type StdpParams } from '../../host/reference/kernels.js';
import { csrStdpPostF32, csrStdpPreF32 } from '../../host/reference/csr-stdp.js';
import { cscOf } from '../../host/plan/connectivity.js';
import { csrAccumulateF32 } from '../../host/reference/csr.js';
import { conv2dAccumulateF32 } from '../../host/reference/conv2d.js';
import { blockAccumulateF32, blockPruneRegrowF32 } from '../../host/reference/block-sparse.js';
import { delayAccumulateF32, delayAccumulateSynF32, delayDeliverF32 } from '../../host/reference/delay.js';
import { denseAccumulateScaledF32, stpEfficacyF32, type StpState } from '../../host/reference/stp.js';
import { stpParamBlock } from '../../host/plan/synapse-layouts.js';

const BUILDS = ['scalar', 'simd'] as const;
const LIF_NEURON: LifNeuronSpec = { model: 'lif', tauMemMs: 10, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 };

function spec(extra: Partial<ModelSpec> & Pick<ModelSpec, 'input' | 'populations' | 'projections'>): ModelSpec {
  return validateSpec({ version: 1, name: 'conn-test', dtMs: 1, seed: 7, ...extra });
}

/** Events of one step: indices on a width x 1 'merge' sensor become x coordinates. */
function stepBatch(idx: readonly number[], s: number, dtUs: number): EventBatch {
  const n = idx.length;
  const t = new Float64Array(n).fill(s * dtUs + dtUs / 2);
  return { length: n, t, x: Uint16Array.from(idx), y: new Uint16Array(n), p: new Uint8Array(n) };
}

/** A reproducible Poisson-like input: each of nIn inputs fires with probability `rate` per step. */
function randomInput(nIn: number, steps: number, rate: number, seed: number): number[][] {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: steps }, () => {
    const out: number[] = [];
    for (let i = 0; i < nIn; i++) if (rng.nextFloat() < rate) out.push(i);
    return out;
  });
}

interface RefPop { name: string; n: number; s: LifState; p: LifParams; spikes: Uint32Array; nSpikes: number; counts: Float64Array }

/** The reference network: the plan's populations and projections, built from host/reference twins. */
class RefNet {
  pops = new Map<string, RefPop>();
  private readonly projs: { pr: ProjectionLayout; step: (idx: Uint32Array, n: number, s: number, learn: boolean) => void }[] = [];
  readonly input: { idx: Uint32Array; n: number };

  /** Copies the runtime's initial weights and structure (the reference then evolves on its own). */
  constructor(readonly plan: Plan, rt: Runtime, readonly rng = new Xoshiro128((plan.spec.seed ?? 1) >>> 0)) {
    const spec = plan.spec;
    for (const ps of spec.populations) {
      const nrn = ps.neuron as LifNeuronSpec;
      const c = lifConstants(nrn, spec.dtMs);
      const n = ps.size;
      this.pops.set(ps.name, {
        name: ps.name, n,
        s: { v: new Float32Array(n), i: new Float32Array(n), refr: new Int32Array(n), b: new Float32Array(n), bias: new Float32Array(n) },
        p: { ...c, vTh: nrn.threshold, vReset: nrn.reset.mode === 'value' ? nrn.reset.value : 0, resetSubtract: nrn.reset.mode === 'subtract' },
        spikes: new Uint32Array(n), nSpikes: 0, counts: new Float64Array(n),
      });
    }
    this.input = { idx: new Uint32Array(1 << 16), n: 0 };
    for (const pr of plan.projections) this.projs.push({ pr, step: this.projection(pr, rt) });
  }

  private projection(pr: ProjectionLayout, rt: Runtime): (idx: Uint32Array, n: number, s: number, learn: boolean) => void {
    const spec = this.plan.spec.projections[pr.index];
    const cl = pr.connectivity;
    const I = this.pops.get(pr.to)!.s.i;
    const nIn = pr.nIn, nOut = pr.nOut;
    const w = Float32Array.from(rt.weights(pr.name) as Float32Array);
    if (cl === null) return (idx, n) => denseAccumulateF32(w, nIn, nOut, idx, n, I);
    const d = cl.delay;
    const ring = d ? new Float32Array(d.nSlots * nOut) : null;
    const target = (s: number): Float32Array => {
      if (!d || d.steps === null) return I;
      const slot = (s + d.steps) % d.nSlots;
      return ring!.subarray(slot * nOut, (slot + 1) * nOut);
    };
    let stp: { st: StpState; params: Float32Array; eff: Float32Array } | null = null;
    if (spec.stp) {
      const nPad = Math.ceil(nIn / 4) * 4;
      stp = {
        st: { u: new Float32Array(nPad).fill(Math.fround(spec.stp.U)), x: new Float32Array(nPad).fill(1), last: new Int32Array(nPad) },
        params: stpParamBlock({ U: spec.stp.U, tauF: spec.stp.tauFacMs, tauD: spec.stp.tauRecMs, dt: this.plan.spec.dtMs }),
        eff: new Float32Array(1 << 16),
      };
    }
    const delays = d?.perSynapse != null ? new Uint8Array(rt.memory.buffer, rt.abs(d.perSynapse), nIn * nOut).slice() : null;
    let accumulate: (idx: Uint32Array, n: number, s: number, learn: boolean) => void;
    if (cl.csr) {
      const { rowPtr, colIdx, nnz } = cl.csr;
      const pl = spec.plasticity;
      if (pl?.rule === 'stdp-pair') {
        // Pair STDP on the CSR synapses: trace decays, then the pre and the post pathway.
        const sp: StdpParams = {
          etaPlus: pl.etaPlus, etaMinus: pl.etaMinus, wMin: pl.wMin, wMax: pl.wMax, soft: pl.bounds === 'multiplicative',
          xOffset: pl.xOffset ?? 0, impulsePre: 1, impulsePost: 1, nearest: pl.pairing === 'nearest',
        };
        const x = new Float32Array(nIn), y = new Float32Array(nOut);
        const csc = cscOf(rowPtr, colIdx, nIn, nOut);
        const dt = this.plan.spec.dtMs;
        const post = this.pops.get(pr.to)!;
        accumulate = (idx, n, s, learn) => {
          csrAccumulateF32(rowPtr, colIdx, w, nIn, nOut, nnz, idx, n, target(s), stp ? stp.eff : null);
          if (!learn) return;
          traceDecay(x, nIn, Math.exp(-dt / pl.tauPreMs), 1e-30);
          traceDecay(y, nOut, Math.exp(-dt / pl.tauPostMs), 1e-30);
          csrStdpPreF32(rowPtr, colIdx, w, nIn, nOut, nnz, idx, n, x, y, sp);
          csrStdpPostF32(w, csc, nIn, nOut, nnz, post.spikes, post.nSpikes, x, y, sp);
        };
      } else {
        accumulate = (idx, n, s) => { csrAccumulateF32(rowPtr, colIdx, w, nIn, nOut, nnz, idx, n, target(s), stp ? stp.eff : null); };
      }
    } else if (cl.conv) {
      const g = cl.conv.geometry;
      const kernel = rt.convKernel(pr.name);
      const plane = g.wIn * g.hIn;
      accumulate = (idx, n, s) => {
        // Decoded here from the [C][H][W] index independently of the schedule's decoder.
        const ex = new Uint16Array(n), ey = new Uint16Array(n), ec = new Uint8Array(n);
        for (let k = 0; k < n; k++) {
          const c = Math.floor(idx[k] / plane), r = idx[k] % plane;
          ex[k] = r % g.wIn; ey[k] = Math.floor(r / g.wIn); ec[k] = c;
        }
        conv2dAccumulateF32(kernel, g, ex, ey, ec, n, target(s));
      };
    } else if (cl.block) {
      const b = cl.block;
      const slotOf = new Int32Array(rt.memory.buffer, rt.abs(b.slotOf), b.gIn * b.gOut).slice();
      const blockId = new Uint32Array(rt.memory.buffer, rt.abs(b.blockId), b.nActive).slice();
      const initScale = spec.connectivity?.kind === 'block-sparse' ? spec.connectivity.pruneRegrow?.initScale ?? 0 : 0;
      accumulate = (idx, n, s, learn) => {
        blockAccumulateF32(w, slotOf, b.nActive, b.gIn, b.gOut, b.bIn, b.bOut, idx, n, target(s));
        if (learn && b.nPrune > 0 && (s + 1) % b.everySteps === 0) {
          blockPruneRegrowF32(w, slotOf, blockId, b.nActive, b.gIn, b.gOut, b.bIn, b.bOut, b.nPrune, initScale, this.rng);
        }
      };
    } else if (stp) {
      accumulate = (idx, n, s) => denseAccumulateScaledF32(w, nIn, nOut, idx, n, stp!.eff, target(s));
    } else if (delays) {
      accumulate = (idx, n, s) => { delayAccumulateSynF32(w, delays, nIn, nOut, idx, n, ring!, d!.nSlots, s); };
    } else {
      accumulate = (idx, n, s) => { delayAccumulateF32(w, nIn, nOut, idx, n, ring!, d!.nSlots, s, d!.steps!); };
    }
    return (idx, n, s, learn) => {
      if (stp) stpEfficacyF32(stp.st, nIn, stp.params, idx, n, s, stp.eff);
      accumulate(idx, n, s, learn);
      if (d) delayDeliverF32(ring!, d.nSlots, s, nOut, I);
    };
  }

  step(input: readonly number[], s: number, learn = false): void {
    this.input.n = input.length;
    this.input.idx.set(input);
    for (const p of this.pops.values()) p.nSpikes = lifStep(p.n, p.s, p.p, p.spikes, new Float32Array(p.n));
    for (const { pr, step } of this.projs) {
      const src = pr.from === 'input' ? { idx: this.input.idx, n: this.input.n } : { idx: this.pops.get(pr.from)!.spikes, n: this.pops.get(pr.from)!.nSpikes };
      step(src.idx, src.n, s, learn);
    }
    for (const p of this.pops.values()) {
      lifReset(p.n, p.s, p.p, p.spikes, p.nSpikes);
      for (let k = 0; k < p.nSpikes; k++) p.counts[p.spikes[k]]++;
    }
  }
}

/** Runs `inputs` (one index list per step) through the runtime and the reference; returns total spikes. */
function compareWithReference(rt: Runtime, inputs: readonly (readonly number[])[], learn = false, batches?: readonly EventBatch[]): number {
  const ref = new RefNet(rt.plan, rt);
  const dtUs = rt.plan.dtUs;
  for (let s = 0; s < inputs.length; s++) {
    rt.run(batches ? batches[s] : stepBatch(inputs[s], s, dtUs), { startUs: s * dtUs, steps: 1, learn });
    ref.step(inputs[s], s, learn);
    for (const p of ref.pops.values()) {
      const view = rt.population(p.name);
      for (let j = 0; j < p.n; j++) {
        if (!Object.is(view.v[j], p.s.v[j]) || !Object.is(view.i[j], p.s.i[j])) {
          throw new Error(`step ${s}, ${p.name}[${j}]: wasm v ${view.v[j]} I ${view.i[j]}, reference v ${p.s.v[j]} I ${p.s.i[j]}`);
        }
        if (view.counts[j] !== p.counts[j]) throw new Error(`step ${s}, ${p.name}[${j}]: ${view.counts[j]} spikes in wasm, ${p.counts[j]} in the reference`);
      }
    }
  }
  let spikes = 0;
  for (const p of ref.pops.values()) for (const c of p.counts) spikes += c;
  return spikes;
}

const uniform = (low: number, high: number) => ({ dtype: 'f32' as const, init: { kind: 'uniform' as const, low, high } });

describe('sparse CSR connectivity from a spec', () => {
  const s = spec({
    input: { width: 40, height: 1, polarity: 'merge' },
    populations: [{ name: 'hid', size: 37, neuron: LIF_NEURON }],
    projections: [{ from: 'input', to: 'hid', weights: uniform(0, 0.9), connectivity: { kind: 'sparse', fanIn: 6 } }],
  });

  it('gives every target exactly fanIn distinct sources, deterministically from the seed', () => {
    const plan = planModel(s);
    const csr = plan.projections[0].connectivity!.csr!;
    expect(csr.nnz).toBe(6 * 37);
    const per = new Map<number, Set<number>>();
    for (let i = 0; i < 40; i++) for (let p = csr.rowPtr[i]; p < csr.rowPtr[i + 1]; p++) {
      const set = per.get(csr.colIdx[p]) ?? new Set<number>();
      set.add(i);
      per.set(csr.colIdx[p], set);
    }
    for (let j = 0; j < 37; j++) expect(per.get(j)?.size, `target ${j}`).toBe(6);
    expect(Array.from(planModel(s).projections[0].connectivity!.csr!.colIdx)).toEqual(Array.from(csr.colIdx));
    const other = planModel({ ...s, projections: [{ ...s.projections[0], connectivity: { kind: 'sparse', fanIn: 6, seed: 99 } }] });
    expect(Array.from(other.projections[0].connectivity!.csr!.colIdx)).not.toEqual(Array.from(csr.colIdx));
    // The region holds exactly the CSR bytes: 4 (nIn + 1) + 8 nnz.
    const region = plan.regions.find((r) => r.name === 'input->hid.csr')!;
    expect(region.bytes).toBe(Math.ceil((4 * 41 + 8 * 6 * 37) / 16) * 16);
  });

  for (const build of BUILDS) {
    it(`matches the CSR reference network step by step (${build})`, () => {
      const rt = new Runtime(planModel(s), build);
      const spikes = compareWithReference(rt, randomInput(40, 120, 0.15, 3));
      expect(spikes).toBeGreaterThan(20);
    });
  }

  it('density: keeps about density x nIn x nOut synapses', () => {
    const d = spec({ ...s, projections: [{ from: 'input', to: 'hid', weights: uniform(0, 1), connectivity: { kind: 'sparse', density: 0.25 } }] });
    const nnz = planModel(d).projections[0].connectivity!.csr!.nnz;
    // Binomial(1480, 0.25): mean 370, sd 16.7; 5 sd either side.
    expect(Math.abs(nnz - 370)).toBeLessThan(84);
  });

  it('weights() is the CSR value array; weightsF32/setWeights round-trip and refuse absent synapses', () => {
    const rt = new Runtime(planModel(s), 'simd');
    const vals = rt.weights('input->hid');
    expect(vals.length).toBe(6 * 37);
    const dense = rt.weightsF32('input->hid');
    expect(dense.length).toBe(40 * 37);
    expect(dense.filter((x) => x !== 0).length).toBe(vals.filter((x) => x !== 0).length);
    const changed = dense.map((x) => x / 2);
    rt.setWeights('input->hid', changed);
    expect(Array.from(rt.weightsF32('input->hid'))).toEqual(Array.from(changed));
    const absent = dense.findIndex((x) => x === 0);
    const bad = Float32Array.from(dense);
    bad[absent] = 1;
    expect(() => rt.setWeights('input->hid', bad)).toThrow(UsageError);
  });
});

describe('pair STDP on sparse connectivity', () => {
  const stdp = (bounds: 'additive' | 'multiplicative') => ({
    rule: 'stdp-pair' as const, tauPreMs: 15, tauPostMs: 25, etaPlus: 0.02, etaMinus: 0.01, wMin: 0, wMax: 1, bounds, pairing: 'all-to-all' as const, xOffset: 0.05,
  });
  const net = (connectivity: ConnectivitySpec | undefined, bounds: 'additive' | 'multiplicative') => spec({
    input: { width: 30, height: 1, polarity: 'merge' },
    populations: [{ name: 'h', size: 13, neuron: { ...LIF_NEURON, threshold: 0.6 } }, { name: 'o', size: 7, neuron: LIF_NEURON }],
    projections: [
      { from: 'input', to: 'h', weights: uniform(0, 0.4), plasticity: stdp(bounds), ...(connectivity ? { connectivity } : {}) },
      { from: 'h', to: 'o', weights: uniform(0, 0.8), connectivity: { kind: 'sparse', fanIn: 6 }, plasticity: stdp(bounds) },
    ],
  });

  for (const build of BUILDS) {
    it(`a full sparse pattern learns bit for bit as the dense projection (${build})`, () => {
      for (const bounds of ['additive', 'multiplicative'] as const) {
        const dense = new Runtime(planModel(net(undefined, bounds)), build);
        const sparse = new Runtime(planModel(net({ kind: 'sparse', density: 1 }, bounds)), build);
        expect(sparse.plan.projections[0].connectivity!.csr!.nnz).toBe(30 * 13);
        const batch = batchOf(randomInput(30, 150, 0.2, 12));
        for (const rt of [dense, sparse]) rt.run(batch, { steps: 150, learn: true });
        expect(Array.from(sparse.weightsF32('input->h')), bounds).toEqual(Array.from(dense.weightsF32('input->h')));
        expect(Array.from(sparse.population('o').counts)).toEqual(Array.from(dense.population('o').counts));
        expect(sparse.counters().weightUpdates).toBeGreaterThan(0);
      }
    });

    it(`a fan-in pattern matches the CSR-STDP reference network, inside the bounds (${build})`, () => {
      const rt = new Runtime(planModel(net({ kind: 'sparse', fanIn: 8 }, 'additive')), build);
      const w0 = rt.weightsF32('h->o');
      expect(compareWithReference(rt, randomInput(30, 150, 0.2, 13), true)).toBeGreaterThan(20);
      const w1 = rt.weightsF32('h->o');
      expect(w1).not.toEqual(w0);
      for (let k = 0; k < w1.length; k++) {
        if (w0[k] === 0) expect(w1[k], 'no synapse appears').toBe(0);
        else { expect(w1[k]).toBeGreaterThanOrEqual(0); expect(w1[k]).toBeLessThanOrEqual(1); }
      }
    });
  }
});

describe('recurrent projections (reservoirs)', () => {
  // Input -> reservoir dense; reservoir -> itself sparse (no self-synapses), with STP and a delay;
  // a second population reads the reservoir and projects back onto it (an earlier population).
  const s = spec({
    input: { width: 24, height: 1, polarity: 'merge' },
    populations: [
      { name: 'res', size: 45, neuron: LIF_NEURON },
      { name: 'out', size: 9, neuron: { ...LIF_NEURON, threshold: 0.6 } },
    ],
    projections: [
      { from: 'input', to: 'res', weights: uniform(0, 0.8) },
      { from: 'res', to: 'res', weights: uniform(-0.2, 0.7), connectivity: { kind: 'sparse', density: 0.2 }, stp: { U: 0.4, tauRecMs: 60, tauFacMs: 20 }, delayMs: 2 },
      { from: 'res', to: 'out', weights: uniform(0, 0.6), connectivity: { kind: 'sparse', fanIn: 10 } },
      { from: 'out', to: 'res', weights: uniform(-0.3, 0.1) },
    ],
  });

  it('plans a recurrent CSR projection without self-synapses', () => {
    const csr = planModel(s).projections[1].connectivity!.csr!;
    for (let i = 0; i < 45; i++) for (let p = csr.rowPtr[i]; p < csr.rowPtr[i + 1]; p++) expect(csr.colIdx[p]).not.toBe(i);
  });

  for (const build of BUILDS) {
    it(`matches the reference step by step: spikes of step t act from step t + 1 (${build})`, () => {
      const rt = new Runtime(planModel(s), build);
      const inputs = randomInput(24, 150, 0.2, 11);
      for (let k = 100; k < 150; k++) inputs[k] = []; // input off: what remains is recurrent
      expect(compareWithReference(rt, inputs)).toBeGreaterThan(50);
    });
  }
});

describe('synaptic delays from a spec', () => {
  const base = (extra: object) => spec({
    input: { width: 5, height: 1, polarity: 'merge' },
    populations: [{ name: 'a', size: 7, neuron: { ...LIF_NEURON, threshold: 0.5 } }],
    projections: [{ from: 'input', to: 'a', weights: uniform(0.1, 0.9), ...extra }],
  });
  // At most one event per step, so the undelayed network adds the same single weight per step.
  const inputs = Array.from({ length: 80 }, (_, s) => (s % 3 === 0 && s < 60 ? [s % 5] : []));

  it('a delay of d steps shifts every spike and the whole state by exactly d steps', () => {
    const d = 4;
    const plain = new Runtime(planModel(base({})), 'simd');
    const delayed = new Runtime(planModel(base({ delayMs: d })), 'simd');
    expect(Array.from(delayed.weights('input->a'))).toEqual(Array.from(plain.weights('input->a')));
    const traceP: number[][] = [], traceD: number[][] = [], spikesP: number[][] = [], spikesD: number[][] = [];
    for (let s = 0; s < inputs.length; s++) {
      for (const [rt, trace, spikes] of [[plain, traceP, spikesP], [delayed, traceD, spikesD]] as const) {
        const before = Float32Array.from(rt.population('a').counts);
        rt.run(stepBatch(inputs[s], s, 1000), { startUs: s * 1000, steps: 1 });
        const view = rt.population('a');
        trace.push([...view.v, ...view.i]);
        for (let j = 0; j < 7; j++) if (view.counts[j] > before[j]) spikes.push([j, s]);
      }
    }
    expect(spikesP.length).toBeGreaterThan(5);
    expect(spikesD).toEqual(spikesP.filter(([, t]) => t + d < inputs.length).map(([j, t]) => [j, t + d]));
    for (let s = d; s < inputs.length; s++) expect(traceD[s], `step ${s}`).toEqual(traceP[s - d]);
    for (let s = 0; s < d; s++) expect(traceD[s].every((x) => x === 0)).toBe(true);
  });

  for (const build of BUILDS) {
    it(`one delay and per-synapse delays match the delay reference (${build})`, () => {
      const many = randomInput(5, 90, 0.4, 5);
      compareWithReference(new Runtime(planModel(base({ delayMs: 3 })), build), many);
      const syn = new Runtime(planModel(base({ delays: { minMs: 0, maxMs: 6 } })), build);
      const pr = syn.plan.projections[0];
      const dl = new Uint8Array(syn.memory.buffer, syn.abs(pr.connectivity!.delay!.perSynapse!), 35);
      expect(Math.min(...dl)).toBe(0);
      expect(Math.max(...dl)).toBe(6);
      expect(compareWithReference(syn, many)).toBeGreaterThan(10);
    });
  }

  it('rounds delays to the step: 2.6 ms at dt 0.5 ms is 5 steps', () => {
    const s = validateSpec({ ...base({ delayMs: 2.6 }), dtMs: 0.5 });
    const d = planModel(s).projections[0].connectivity!.delay!;
    expect(d.steps).toBe(5);
    expect(d.nSlots).toBe(6);
  });
});

describe('Tsodyks-Markram short-term plasticity from a spec', () => {
  /** Efficacies u_n x_n of a regular train of interval T steps (closed form of stp.ts, f64). */
  function closedForm(U: number, tauRec: number, tauFac: number, T: number, n: number): number[] {
    const f = tauFac > 0 ? Math.exp(-T / tauFac) : 0, r = Math.exp(-T / tauRec), q = (1 - U) * f;
    const out: number[] = [];
    let x = 1;
    for (let k = 1; k <= n; k++) {
      const u = tauFac > 0 ? (U * (1 - q ** k)) / (1 - q) : U;
      out.push(u * x);
      x = 1 - r + r * (1 - u) * x;
    }
    return out;
  }

  for (const [label, stp, trend] of [
    ['depressing', { U: 0.5, tauRecMs: 200, tauFacMs: 0 }, -1],
    ['facilitating', { U: 0.1, tauRecMs: 20, tauFacMs: 300 }, 1],
  ] as const) {
    it(`${label}: the synaptic input of a regular train follows the closed form`, () => {
      const s = spec({
        input: { width: 3, height: 1, polarity: 'merge' },
        populations: [{ name: 'a', size: 6, neuron: { ...LIF_NEURON, threshold: 1e9 } }],
        projections: [{ from: 'input', to: 'a', weights: { dtype: 'f32', init: { kind: 'constant', value: 1 } }, stp }],
      });
      const rt = new Runtime(planModel(s), 'scalar');
      const T = 10, n = 12;
      const eff = new Float32Array(rt.memory.buffer, rt.abs(rt.plan.projections[0].connectivity!.stp!.eff), 1);
      const got: number[] = [];
      for (let k = 0; k < n * T; k++) {
        const iBefore = rt.population('a').i[0];
        rt.run(stepBatch(k % T === 0 ? [1] : [], k, 1000), { startUs: k * 1000, steps: 1 });
        if (k % T === 0) {
          got.push(eff[0]);
          // The jump of the current is the efficacy times the weight (1), on top of the decay.
          expect(rt.population('a').i[0]).toBeCloseTo(Math.fround(iBefore * Math.exp(-1 / 5)) + eff[0], 5);
        }
      }
      const want = closedForm(stp.U, stp.tauRecMs, stp.tauFacMs, T, n);
      for (let k = 0; k < n; k++) expect(Math.abs(got[k] - want[k]) / want[k], `spike ${k + 1}`).toBeLessThan(1e-5);
      expect(Math.sign(got[n - 1] - got[0])).toBe(trend);
    });
  }

  for (const build of BUILDS) {
    it(`dense and sparse STP projections match the STP reference (${build})`, () => {
      const s = spec({
        input: { width: 30, height: 1, polarity: 'merge' },
        populations: [{ name: 'a', size: 21, neuron: LIF_NEURON }, { name: 'b', size: 9, neuron: LIF_NEURON }],
        projections: [
          { from: 'input', to: 'a', weights: uniform(0, 0.9), stp: { U: 0.3, tauRecMs: 80, tauFacMs: 40 } },
          { from: 'input', to: 'b', weights: uniform(0, 1.2), connectivity: { kind: 'sparse', fanIn: 8 }, stp: { U: 0.6, tauRecMs: 30, tauFacMs: 0 }, delayMs: 1 },
        ],
      });
      expect(compareWithReference(new Runtime(planModel(s), build), randomInput(30, 100, 0.3, 8))).toBeGreaterThan(20);
    });
  }
});

describe('block-sparse modular connectivity from a spec', () => {
  const s = spec({
    input: { width: 24, height: 1, polarity: 'merge' },
    populations: [{ name: 'a', size: 30, neuron: LIF_NEURON }],
    projections: [{
      from: 'input', to: 'a', weights: uniform(-0.2, 0.9),
      connectivity: { kind: 'block-sparse', blocksIn: 4, blocksOut: 5, activeBlocks: 7, pruneRegrow: { intervalMs: 9, fraction: 0.3, initScale: 0.5 } },
    }],
  });

  for (const build of BUILDS) {
    it(`matches the block reference, prune-and-regrow included (${build})`, () => {
      const rt = new Runtime(planModel(s), build);
      const inputs = randomInput(24, 100, 0.25, 4);
      expect(compareWithReference(rt, inputs, true)).toBeGreaterThan(10);
      expect(rt.counters().weightUpdates).toBeGreaterThan(0);
    });
  }

  it('prune-and-regrow keeps the block count and the sparsity, and moves blocks', () => {
    const rt = new Runtime(planModel(s), 'simd');
    const b = rt.plan.projections[0].connectivity!.block!;
    expect(b.nPrune).toBe(2);
    expect(b.everySteps).toBe(9);
    const mask = () => Array.from(new Int32Array(rt.memory.buffer, rt.abs(b.slotOf), 20));
    const m0 = mask();
    const inputs = randomInput(24, 200, 0.25, 9);
    rt.run(batchOf(inputs), { steps: 200, learn: true });
    const m1 = mask();
    expect(m1).not.toEqual(m0);
    for (const m of [m0, m1]) {
      const slots = m.filter((q) => q >= 0).sort((x, y) => x - y);
      expect(slots).toEqual([0, 1, 2, 3, 4, 5, 6]);
    }
    const ids = Array.from(new Uint32Array(rt.memory.buffer, rt.abs(b.blockId), 7));
    ids.forEach((id, q) => expect(m1[id]).toBe(q));
    const w = rt.weightsF32('input->a');
    // Sparsity: only the 7 active 6 x 6 blocks can be non-zero.
    expect(w.filter((x) => x !== 0).length).toBeLessThanOrEqual(7 * 36);
    expect(w.filter((x) => x !== 0).length).toBeGreaterThan(6 * 36);
    // Inference never rewires.
    const before = mask();
    rt.run(batchOf(inputs), { steps: 200 });
    expect(mask()).toEqual(before);
  });
});

/** One batch of all steps' events (1 ms steps, each event mid-step, index = x). */
function batchOf(inputs: readonly (readonly number[])[]): EventBatch {
  const n = inputs.reduce((a, idx) => a + idx.length, 0);
  const b = { length: n, t: new Float64Array(n), x: new Uint16Array(n), y: new Uint16Array(n), p: new Uint8Array(n) };
  let e = 0;
  inputs.forEach((idx, k) => { for (const i of idx) { b.t[e] = k * 1000 + 500; b.x[e++] = i; } });
  return b;
}

describe('event-driven conv2d from a spec, on emulator events', () => {
  // A ring on a 34 x 34 sensor, emulated with saccades: ON/OFF events, 'split' polarity.
  const W = 34;
  const image = new Float32Array(W * W);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
    const r = Math.hypot(x - 16.5, y - 17);
    image[y * W + x] = r > 7 && r < 11 ? 1 : 0;
  }
  const events = emulateSaccades(image, W, W, { seed: 3 });
  const s = spec({
    input: { width: W, height: W, polarity: 'split', bufferEvents: 8192 },
    populations: [
      { name: 'c1', size: 4 * 17 * 17, neuron: { ...LIF_NEURON, threshold: 0.8 } },
      { name: 'c2', size: 3 * 17 * 17, neuron: { ...LIF_NEURON, threshold: 0.5 } },
    ],
    projections: [
      { from: 'input', to: 'c1', weights: uniform(-0.1, 0.4), connectivity: { kind: 'conv2d', kernel: 5, stride: 2, padding: 2, channels: 4 } },
      { from: 'c1', to: 'c2', weights: uniform(0, 0.5), connectivity: { kind: 'conv2d', kernel: 3, stride: 1, padding: 1, channels: 3 } },
    ],
  });

  /** The emulator's events binned into 1 ms steps, as sensor indices p W H + y W + x. */
  function binned(steps: number): { inputs: number[][]; batches: EventBatch[] } {
    const inputs: number[][] = Array.from({ length: steps }, () => []);
    const batches: EventBatch[] = [];
    let e = 0;
    for (let k = 0; k < steps; k++) {
      const from = e;
      while (e < events.length && events.t[e] < (k + 1) * 1000) {
        inputs[k].push(events.p[e] * W * W + events.y[e] * W + events.x[e]);
        e++;
      }
      batches.push({ length: e - from, t: events.t.subarray(from, e), x: events.x.subarray(from, e), y: events.y.subarray(from, e), p: events.p.subarray(from, e) });
    }
    return { inputs, batches };
  }

  it('plans the output maps and the kernel regions', () => {
    const plan = planModel(s);
    const c = plan.projections[0].connectivity!.conv!;
    expect([c.wOut, c.hOut, c.geometry.cIn]).toEqual([17, 17, 2]);
    expect(plan.projections[1].connectivity!.conv!.geometry).toMatchObject({ wIn: 17, hIn: 17, cIn: 4, cOut: 3 });
  });

  for (const build of BUILDS) {
    it(`two conv2d layers match the reference conv on the emulated events (${build})`, () => {
      expect(events.length).toBeGreaterThan(1000);
      const { inputs, batches } = binned(120);
      const rt = new Runtime(planModel(s), build);
      const spikes = compareWithReference(rt, inputs, false, batches);
      expect(spikes).toBeGreaterThan(50);
      expect(rt.population('c2').counts.some((c) => c > 0)).toBe(true);
    });
  }

  it('convKernel/setConvKernel round-trip; weightsF32 is the equivalent dense matrix', () => {
    const rt = new Runtime(planModel(s), 'simd');
    const k = rt.convKernel('c1->c2');
    expect(k.length).toBe(3 * 4 * 9);
    const k2 = k.map((x, i) => x + i * 1e-3);
    rt.setConvKernel('c1->c2', k2);
    expect(Array.from(rt.convKernel('c1->c2'))).toEqual(Array.from(k2));
    expect(() => rt.setWeights('c1->c2', rt.weightsF32('c1->c2'))).toThrow(UsageError);
    const dense = rt.weightsF32('c1->c2');
    // Centre tap of input channel 1 onto output channel 2 at map position (5, 6).
    const i = (1 * 17 + 6) * 17 + 5, j = (2 * 17 + 6) * 17 + 5;
    expect(dense[i * 3 * 289 + j]).toBe(k2[((2 * 4 + 1) * 3 + 1) * 3 + 1]);
  });
});

describe('checkpoints of the new state', () => {
  it('a round trip restores CSR, block masks, delay rings and STP state bit-exactly', () => {
    const s = spec({
      input: { width: 24, height: 1, polarity: 'merge' },
      populations: [{ name: 'a', size: 30, neuron: LIF_NEURON }, { name: 'b', size: 12, neuron: LIF_NEURON }],
      projections: [
        { from: 'input', to: 'a', weights: uniform(-0.2, 0.9), connectivity: { kind: 'block-sparse', blocksIn: 4, blocksOut: 5, activeBlocks: 7, pruneRegrow: { intervalMs: 7, fraction: 0.3, initScale: 0.5 } }, delayMs: 3 },
        { from: 'a', to: 'b', weights: uniform(0, 0.8), connectivity: { kind: 'sparse', fanIn: 9 }, stp: { U: 0.4, tauRecMs: 50, tauFacMs: 30 } },
        { from: 'b', to: 'a', weights: uniform(-0.5, 0.1), delays: { minMs: 1, maxMs: 4 } },
      ],
    });
    const inputs = randomInput(24, 160, 0.25, 21);
    const batch = batchOf(inputs);
    const first = { ...batch, length: batch.t.findIndex((t) => t >= 80_000) };
    const rt = new Runtime(planModel(s), 'simd');
    rt.run(first, { steps: 80, learn: true });
    const copy = decodeCheckpoint(encodeCheckpoint(rt));
    const persistent = rt.plan.regions.filter((r) => PERSISTENT_KINDS.has(r.kind));
    expect(persistent.map((r) => r.name)).toEqual(expect.arrayContaining(['input->a.blockMask', 'input->a.delayRing', 'a->b.stpState', 'a->b.csr', 'b->a.delays', 'b->a.delayRing']));
    for (const r of persistent) expect(Buffer.from(copy.regionBytes(r)).equals(Buffer.from(rt.regionBytes(r))), r.name).toBe(true);
    // Both continue identically (pending delayed input, STP state and rewiring included).
    const rest = { length: batch.length - first.length, t: batch.t.subarray(first.length), x: batch.x.subarray(first.length), y: batch.y.subarray(first.length), p: batch.p.subarray(first.length) };
    for (const r of [rt, copy]) r.run(rest, { startUs: 80_000, steps: 80, learn: true });
    for (const r of persistent) expect(Buffer.from(copy.regionBytes(r)).equals(Buffer.from(rt.regionBytes(r))), `${r.name} after more learning`).toBe(true);
  });
});

describe('exports', () => {
  it('NIR round trip: sparse, block-sparse (rewired) and conv2d come back as dense projections with the same dynamics', () => {
    const W = 8;
    const src = spec({
      input: { width: W, height: W, polarity: 'split' },
      populations: [{ name: 'c', size: 2 * 4 * 4, neuron: LIF_NEURON }, { name: 'b', size: 8, neuron: LIF_NEURON }, { name: 'r', size: 8, neuron: LIF_NEURON }],
      projections: [
        { from: 'input', to: 'c', weights: uniform(0, 0.6), connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 2 } },
        { from: 'c', to: 'b', weights: uniform(-0.3, 0.9), connectivity: { kind: 'block-sparse', blocksIn: 4, blocksOut: 2, activeBlocks: 3, pruneRegrow: { intervalMs: 3, fraction: 0.5, initScale: 0.8 } } },
        { from: 'b', to: 'r', weights: uniform(0, 1.5), connectivity: { kind: 'sparse', fanIn: 3 } },
      ],
    });
    const rt = new Runtime(planModel(src), 'simd');
    const inputs = randomInput(2 * W * W, 40, 0.2, 6);
    const toSensor = (idx: number[]) => idx.map((i) => ({ p: Math.floor(i / (W * W)), y: Math.floor((i % (W * W)) / W), x: i % W }));
    const batch = (steps: number[][], from: number): EventBatch => {
      const ev = steps.flatMap((idx, k) => toSensor(idx).map((e) => ({ ...e, t: (from + k) * 1000 + 500 })));
      return { length: ev.length, t: Float64Array.from(ev, (e) => e.t), x: Uint16Array.from(ev, (e) => e.x), y: Uint16Array.from(ev, (e) => e.y), p: Uint8Array.from(ev, (e) => e.p) };
    };
    rt.run(batch(inputs, 0), { steps: 40, learn: true });
    rt.resetState();
    const imported = importNirGraph(nirGraphOf(rt).graph).runtime;
    for (const name of ['input->c', 'c->b', 'b->r']) expect(Array.from(imported.weightsF32(name)), name).toEqual(Array.from(rt.weightsF32(name)));
    const more = randomInput(2 * W * W, 40, 0.2, 7);
    for (const r of [rt, imported]) r.run(batch(more, 0), { steps: 40 });
    for (const pop of ['c', 'b', 'r']) expect(Array.from(imported.population(pop).v), pop).toEqual(Array.from(rt.population(pop).v));
    expect(rt.population('r').counts.some((x) => x > 0)).toBe(true);
  });

  const s = (extra: object) => spec({
    input: { width: 12, height: 1, polarity: 'merge' },
    populations: [{ name: 'a', size: 8, neuron: LIF_NEURON }],
    projections: [{ from: 'input', to: 'a', weights: uniform(0, 1), connectivity: { kind: 'sparse', fanIn: 3 }, ...extra }],
  });

  it('a sparse projection exports as its dense matrix; delays and STP are refused, not dropped', () => {
    const rt = new Runtime(planModel(s({})), 'simd');
    const { graph } = nirGraphOf(rt);
    const affine = Object.values(graph.nodes).find((n) => n.type === 'Affine' || n.type === 'Linear');
    expect(affine).toBeDefined();
    expect(() => exportOnnx(rt)).not.toThrow();
    for (const extra of [{ delayMs: 2 }, { stp: { U: 0.5, tauRecMs: 20, tauFacMs: 0 } }]) {
      const r = new Runtime(planModel(s(extra)), 'simd');
      expect(() => nirGraphOf(r)).toThrow(InteropError);
      expect(() => exportOnnx(r)).toThrow(InteropError);
    }
  });
});

describe('post-training quantisation', () => {
  it('keeps connectivity projections in f32 with their learned structure; quantises the dense ones', () => {
    const s = spec({
      input: { width: 24, height: 1, polarity: 'merge' },
      populations: [{ name: 'a', size: 30, neuron: LIF_NEURON }, { name: 'b', size: 10, neuron: LIF_NEURON }],
      projections: [
        { from: 'input', to: 'a', weights: uniform(-0.2, 0.9), connectivity: { kind: 'block-sparse', blocksIn: 4, blocksOut: 5, activeBlocks: 7, pruneRegrow: { intervalMs: 5, fraction: 0.3, initScale: 0.5 } } },
        { from: 'a', to: 'b', weights: uniform(0, 0.8) },
      ],
    });
    const rt = new Runtime(planModel(s), 'simd');
    rt.run(batchOf(randomInput(24, 60, 0.25, 2)), { steps: 60, learn: true });
    const q = quantizeRuntime(rt, 'int8');
    expect(q.plan.projections.map((p) => p.dtype)).toEqual(['f32', 'int8']);
    expect(Array.from(q.weightsF32('input->a'))).toEqual(Array.from(rt.weightsF32('input->a')));
    const dq = q.weightsF32('a->b'), w = rt.weightsF32('a->b');
    for (let k = 0; k < w.length; k++) expect(Math.abs(dq[k] - w[k])).toBeLessThan(0.8 / 127);
  });
});

describe('firmware images', () => {
  it('refuse connectivity they cannot initialise, with the projection named', () => {
    const s = spec({
      input: { width: 12, height: 1, polarity: 'merge' },
      populations: [{ name: 'a', size: 8, neuron: LIF_NEURON }],
      projections: [{ from: 'input', to: 'a', weights: uniform(0, 1), connectivity: { kind: 'sparse', fanIn: 3 } }],
      readout: { from: 'a', classes: 2, rule: 'delta', learningRate: 0.5 },
    });
    expect(() => firmwareBlob(planModel(s))).toThrow(/projection input->a: sparse connectivity/);
    expect(() => firmwareBlob(planModel(s))).toThrow(FirmwareBuildError);
  });
});
