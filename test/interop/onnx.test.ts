/**
 * ONNX export run by onnxruntime-web against the neurite runtime, step by step on real N-MNIST
 * samples and an emulated digit: with event-index input (the runtime's summation order) the graph
 * reproduces every state variable bit for bit; with spike-count input (MatMul) membranes agree
 * within 1e-5 and fewer than 0.1% of spikes differ. Models: the demo model and triplet STDP from
 * the plasticity library, each trained on 300 real samples, and an Izhikevich population.
 * Then the sequence + readout graphs (`neurite eval --backend onnx`), the refusals, and bad files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InteropError } from '../../host/errors.js';
import { EventEmulator } from '../../host/events/emulator.js';
import type { EventBatch } from '../../host/events/types.js';
import { encodeModel, GraphBuilder } from '../../host/interop/onnx-builder.js';
import { evalOnnx } from '../../host/interop/onnx-eval.js';
import { exportOnnx, onnxIo, type OnnxInputMode } from '../../host/interop/onnx-export.js';
import { inspectFeatureExtractor } from '../../host/interop/onnx-import.js';
import { binEvents, OnnxStepper, restStateOf } from '../../host/interop/onnx-run.js';
import { loadMnistDigits } from '../../host/learn/datasets/mnist.js';
import { FolderSource } from '../../host/learn/folder.js';
import { evaluate, trainOnline } from '../../host/learn/online.js';
import { planModel } from '../../host/plan/plan.js';
import { saveCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';
import { sharedPath } from '../helpers/shared.js';

const trainDir = sharedPath('fixtures/nmnist-small/train');

function slice(b: EventBatch, i0: number, i1: number): EventBatch {
  return { length: i1 - i0, t: b.t.subarray(i0, i1), x: b.x.subarray(i0, i1), y: b.y.subarray(i0, i1), p: b.p.subarray(i0, i1) };
}

interface Parity {
  steps: number;
  neurons: number;
  spikes: number;
  spikesDiffering: number;
  stateMismatches: number;
  maxAbsDv: number;
  maxAbsDi: number;
}

/** Runs one sample from rest through the runtime and the step graph, comparing every step. */
async function compareSample(rt: Runtime, mode: OnnxInputMode, bytes: Uint8Array, events: EventBatch): Promise<Parity> {
  rt.resetState();
  rt.setTeacher(null);
  const io = onnxIo(rt, 'step', mode);
  const stepper = await OnnxStepper.create(bytes, io, restStateOf(rt));
  const bins = binEvents(rt.plan, events);
  const pops = rt.plan.populations.map((p) => rt.population(p.name));
  const prev = pops.map((p) => Float32Array.from(p.counts));
  const r: Parity = { steps: bins.steps, neurons: pops.reduce((s, p) => s + p.layout.size, 0), spikes: 0, spikesDiffering: 0, stateMismatches: 0, maxAbsDv: 0, maxAbsDi: 0 };
  let e = 0;
  const dtUs = rt.plan.dtUs;
  for (let k = 0; k < bins.steps; k++) {
    const e0 = e;
    while (e < events.length && events.t[e] < (k + 1) * dtUs) e++;
    rt.run(slice(events, e0, e), { startUs: k * dtUs, steps: 1 });
    const spikes = await stepper.step(bins.indices.subarray(bins.offsets[k], bins.offsets[k + 1]));
    pops.forEach((p, q) => {
      const s = stepper.state;
      for (let j = 0; j < p.layout.size; j++) {
        const fired = p.counts[j] - prev[q][j];
        prev[q][j] = p.counts[j];
        r.spikes += fired;
        if (fired !== spikes[q][j]) r.spikesDiffering++;
        r.maxAbsDv = Math.max(r.maxAbsDv, Math.abs(p.v[j] - s.v[q][j]));
        r.maxAbsDi = Math.max(r.maxAbsDi, Math.abs(p.i[j] - s.I[q][j]));
        if (!Object.is(p.v[j], s.v[q][j]) || !Object.is(p.i[j], s.I[q][j]) || p.refr[j] !== s.refr[q][j] || !Object.is(p.b[j], s.b[q][j])) r.stateMismatches++;
      }
    });
  }
  return r;
}

function sum(a: Parity[]): Parity {
  return a.reduce((s, x) => ({
    steps: s.steps + x.steps, neurons: x.neurons, spikes: s.spikes + x.spikes, spikesDiffering: s.spikesDiffering + x.spikesDiffering,
    stateMismatches: s.stateMismatches + x.stateMismatches, maxAbsDv: Math.max(s.maxAbsDv, x.maxAbsDv), maxAbsDi: Math.max(s.maxAbsDi, x.maxAbsDi),
  }));
}

function emulatedDigit(k: number): EventBatch {
  const d = loadMnistDigits();
  const em = new EventEmulator({ sensorSeed: 1, sensorWidth: 34, sensorHeight: 34 });
  return em.emulate(d.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: 7 + k });
}

describe.skipIf(!trainDir)('ONNX step graph vs the runtime on real and emulated events', () => {
  let source: FolderSource;
  const samples = (): EventBatch[] => [source.events(700), source.events(701), emulatedDigit(4321)];
  beforeAll(() => {
    source = FolderSource.open(trainDir!, `${trainDir}/labels.tsv`);
  });

  for (const model of ['nmnist-stdp-wta', 'nmnist-triplet']) {
    it(`${model} trained on 300 samples: identical in event mode, within tolerance in vector mode`, async () => {
      const rt = new Runtime(planModel(loadModelSpec(model)));
      trainOnline(rt, source, Array.from({ length: 300 }, (_, i) => i));
      const events = await compareAll(rt, 'events', samples());
      const vector = await compareAll(rt, 'vector', samples());
      console.log(`[onnx parity] ${model} events: ${JSON.stringify(events)}`);
      console.log(`[onnx parity] ${model} vector: ${JSON.stringify(vector)}`);
      expect(events.spikes).toBeGreaterThan(0);
      expect(events.stateMismatches).toBe(0);
      expect(events.spikesDiffering).toBe(0);
      expect(vector.maxAbsDv).toBeLessThan(1e-5);
      expect(vector.spikesDiffering / (vector.steps * vector.neurons)).toBeLessThan(0.001);
      expect(vector.spikesDiffering).toBeLessThanOrEqual(Math.max(0.001 * vector.spikes, 1));
      rt.dispose();
    });
  }

  it('int8 weights (the trained demo weights quantised per target neuron): identical in event mode', async () => {
    const f32 = new Runtime(planModel(loadModelSpec('nmnist-stdp-wta')));
    trainOnline(f32, source, Array.from({ length: 100 }, (_, i) => i));
    const base = loadModelSpec('nmnist-stdp-wta');
    const spec = validateSpec({ ...base, name: 'int8-parity', projections: [{ from: 'input', to: 'hidden', weights: { dtype: 'int8', init: { kind: 'constant', value: 0 } } }] });
    const rt = new Runtime(planModel(spec));
    rt.setWeights('input->hidden', f32.weightsF32('input->hidden'));
    rt.population('hidden').b.set(f32.population('hidden').b);
    const r = await compareAll(rt, 'events', samples().slice(0, 2));
    console.log(`[onnx parity] int8 events: ${JSON.stringify(r)}`);
    expect(r.stateMismatches).toBe(0);
    rt.dispose();
    f32.dispose();
  });

  it('two Izhikevich populations (2003 half steps, Euler) and a population-to-population projection: identical in event mode', async () => {
    const izh = (integration: string) => ({ model: 'izhikevich', a: 0.02, b: 0.2, c: -65, d: 8, tauSynMs: 5, integration, refractoryMs: 2 });
    const spec: ModelSpec = validateSpec({
      version: 1, name: 'izh-parity', dtMs: 1, seed: 3,
      input: { width: 34, height: 34, polarity: 'split', bufferEvents: 4096 },
      populations: [{ name: 'half', size: 48, neuron: izh('izhikevich2003') }, { name: 'euler', size: 40, neuron: izh('euler') }],
      projections: [
        { from: 'input', to: 'half', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.5 } } },
        { from: 'input', to: 'euler', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.3 } } },
        { from: 'half', to: 'euler', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 4 } } },
      ],
    });
    const rt = new Runtime(planModel(spec));
    const r = await compareAll(rt, 'events', samples().slice(0, 2));
    console.log(`[onnx parity] izhikevich events: ${JSON.stringify(r)}`);
    expect(r.spikes).toBeGreaterThan(100);
    expect(Number.isFinite(r.maxAbsDv)).toBe(true);
    expect(r.stateMismatches).toBe(0);
    // Vector mode (MatMul on counts) is not bit-exact, and the Izhikevich dynamics amplify the
    // last-ulp differences of the input currents; measured and reported, not held to 0.1%.
    const v = await compareAll(rt, 'vector', samples().slice(0, 1));
    console.log(`[onnx parity] izhikevich vector (not bit-exact; chaotic amplification): ${JSON.stringify(v)}`);
    expect(v.maxAbsDi).toBeGreaterThanOrEqual(0);
    rt.dispose();
  });

  async function compareAll(rt: Runtime, mode: OnnxInputMode, batches: EventBatch[]): Promise<Parity> {
    const bytes = exportOnnx(rt, { input: mode });
    const out: Parity[] = [];
    for (const b of batches) out.push(await compareSample(rt, mode, bytes, b));
    return sum(out);
  }
});

describe.skipIf(!trainDir)('ONNX sequence and readout graphs: neurite eval --backend onnx', () => {
  it('evalOnnx on held-out real samples classifies as the runtime does', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'neurite-onnx-'));
    const lines = readFileSync(join(trainDir!, 'labels.tsv'), 'utf8').trim().split(/\r?\n/);
    writeFileSync(join(tmp, 'train.tsv'), [lines[0], ...lines.slice(1, 301)].join('\n'));
    writeFileSync(join(tmp, 'test.tsv'), [lines[0], ...lines.slice(601, 701)].join('\n'));
    const train = FolderSource.open(trainDir!, join(tmp, 'train.tsv'));
    const rt = new Runtime(planModel(loadModelSpec('nmnist-stdp-wta')));
    trainOnline(rt, train, Array.from({ length: train.count }, (_, i) => i));
    const ckpt = join(tmp, 'model.nrt');
    saveCheckpoint(rt, ckpt);
    const test = FolderSource.open(trainDir!, join(tmp, 'test.tsv'));
    const native = evaluate(rt, test, Array.from({ length: test.count }, (_, i) => i));
    const t0 = performance.now();
    const onnxR = await evalOnnx(ckpt, trainDir!, join(tmp, 'test.tsv'));
    console.log(`[onnx eval] runtime accuracy ${native.accuracy}, onnx accuracy ${onnxR.accuracy} on ${onnxR.samples} samples (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    expect(onnxR.samples).toBe(100);
    expect(onnxR.accuracy).toBeGreaterThan(0.5);
    expect(Math.abs(onnxR.accuracy - native.accuracy)).toBeLessThanOrEqual(0.02);
    rt.dispose();
  });
});

describe('ONNX export refusals and bad ONNX files', () => {
  it('neuron models without an ONNX form are refused, naming the population', () => {
    const spec = validateSpec({
      version: 1, name: 'cond', dtMs: 1,
      input: { width: 4, height: 4, polarity: 'merge' },
      populations: [{ name: 'cortex', size: 8, neuron: { model: 'lif-cond', tauMemMs: 20, tauSynMs: 5, eRevMv: 0, eLeakMv: -70, thresholdMv: -54, reset: { mode: 'value', value: -60 }, refractoryMs: 0 } }],
      projections: [{ from: 'input', to: 'cortex', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } } }],
    });
    const rt = new Runtime(planModel(spec));
    expect(() => exportOnnx(rt)).toThrow(InteropError);
    expect(() => exportOnnx(rt)).toThrow(/node "cortex".*lif-cond/);
    rt.dispose();
  });

  it('a non-ONNX file and a graph with unsupported operators give errors naming what is wrong', () => {
    expect(() => inspectFeatureExtractor(new TextEncoder().encode('definitely not protobuf \u0000\u0001'), 'x.onnx')).toThrow(/x\.onnx: ONNX: not an ONNX model/);
    const g = new GraphBuilder();
    const x = g.input('x', 'float', ['N', 4]);
    g.output('y', g.op('LSTM', [x], {}, 'lstm'), 'float', ['N', 4]);
    const bytes = encodeModel(g.graph('bad'));
    let err: unknown = null;
    try { inspectFeatureExtractor(bytes, 'bad.onnx'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InteropError);
    expect((err as InteropError).node).toMatch(/n_LSTM/);
    expect((err as Error).message).toMatch(/operator "LSTM" is not supported/);
  });

  it('fuzz: random and mutated bytes give only InteropErrors', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float', ['N', 4]);
    g.output('y', g.op('Relu', [x]), 'float', ['N', 4]);
    const valid = encodeModel(g.graph('ok'));
    expect(inspectFeatureExtractor(valid).ops).toEqual(['Identity', 'Relu']);
    const check = (bytes: Uint8Array) => {
      try { inspectFeatureExtractor(bytes); } catch (e) { if (!(e instanceof InteropError)) throw e; }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => check(b)), { numRuns: 2000 });
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
      const c = Uint8Array.from(valid);
      for (const [at, v] of flips) c[at] = v;
      check(c);
    }), { numRuns: 2000 });
  });
});
