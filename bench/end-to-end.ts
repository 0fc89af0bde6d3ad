/**
 * End-to-end benchmark: the demo model (models/nmnist-stdp-wta.json: 2x34x34 event inputs ->
 * 400 adaptive LIF neurons under 3-winner-take-all, f32 weights, pair STDP, delta-rule readout)
 * run by the Runtime on emulated MNIST digits, per kernel build (wasm SIMD, wasm scalar).
 *
 * Each sample is presented the way the online loop does it (host/learn/online.ts presentSample:
 * reset to rest, run every step of the sample in the wasm schedule):
 *   - learning:  teacher on, plasticity on, then one readout delta-rule step (readoutLearn);
 *   - inference: teacher off, plasticity off, then one readout prediction (readoutPredict).
 * Events are emulated before timing starts (the emulator is not part of the measurement); the
 * events/s figure counts the input events of the timed samples, steps/s the network steps.
 *
 * Order in one process: emulate all samples; build one Runtime per build; warm-up (WARM samples
 * of each kind on each build); then learning on SAMPLES training digits, then inference on
 * SAMPLES other digits. The timed passes go in chunks of CHUNK samples, the two builds taking
 * turns chunk by chunk (the starting build alternates with --index and from chunk to chunk).
 * Both builds must end with bit-identical weights and make the same predictions.
 *
 *   node dist/bench/end-to-end.js            human-readable summary of this one process
 *   node dist/bench/end-to-end.js --json     one JSON line (worker mode, used by run.js)
 *   options: --samples N (300), --warm N (20), --index K (build order)
 */
import { EventEmulator } from '../host/events/emulator.js';
import type { EventBatch } from '../host/events/types.js';
import { loadMnistDigits, splitMnist } from '../host/learn/datasets/mnist.js';
import { presentSample } from '../host/learn/online.js';
import { planModel } from '../host/plan/plan.js';
import type { KernelBuild } from '../host/runtime/kernels.js';
import { Runtime } from '../host/runtime/runtime.js';
import { DEFAULT_NMNIST_MODEL, loadModelSpec } from '../host/spec/models.js';
import { argValue, fmt, hasFlag, isMain, machineInfo, textTable, type MachineInfo } from './common.js';

export const E2E_BUILDS: readonly KernelBuild[] = ['scalar', 'simd'];
/** Samples per timed chunk; the builds alternate chunk by chunk. */
const CHUNK = 25;
export const E2E_MODES = ['learn', 'infer'] as const;
export type E2eMode = (typeof E2E_MODES)[number];

export interface E2eRate {
  stepsPerSecond: number;
  eventsPerSecond: number;
  samplesPerSecond: number;
  steps: number;
  events: number;
  seconds: number;
}

export interface E2eBenchResult {
  kind: 'end-to-end';
  machine: MachineInfo;
  config: {
    model: string; seed: number; samples: number; warmSamples: number; buildOrder: KernelBuild[];
    meanEventsPerSample: number; meanStepsPerSample: number; inputs: number; neurons: number;
  };
  results: Record<E2eMode, Record<KernelBuild, E2eRate>>;
  /** Both builds ended with bit-identical weights and made the same predictions. */
  identical: boolean;
  seconds: number;
}

interface Sample {
  events: EventBatch;
  label: number;
}

function bitEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return false;
  return true;
}

/** Work and time of the timed passes of one build and mode. */
class Tally {
  steps = 0;
  events = 0;
  samples = 0;
  seconds = 0;

  rate(): E2eRate {
    return {
      stepsPerSecond: this.steps / this.seconds,
      eventsPerSecond: this.events / this.seconds,
      samplesPerSecond: this.samples / this.seconds,
      steps: this.steps,
      events: this.events,
      seconds: this.seconds,
    };
  }
}

function learnPass(rt: Runtime, samples: readonly Sample[], tally: Tally): void {
  let steps = 0;
  let events = 0;
  const t0 = performance.now();
  for (const s of samples) {
    steps += presentSample(rt, s.events, { learn: true, teacher: s.label });
    rt.readoutLearn(s.label);
    events += s.events.length;
  }
  tally.seconds += (performance.now() - t0) / 1000;
  tally.steps += steps;
  tally.events += events;
  tally.samples += samples.length;
}

function inferPass(rt: Runtime, samples: readonly Sample[], tally: Tally, predictions: number[]): void {
  let steps = 0;
  let events = 0;
  const t0 = performance.now();
  for (const s of samples) {
    steps += presentSample(rt, s.events, { learn: false });
    predictions.push(rt.readoutPredict());
    events += s.events.length;
  }
  tally.seconds += (performance.now() - t0) / 1000;
  tally.steps += steps;
  tally.events += events;
  tally.samples += samples.length;
}

export async function runEndToEndBench(opts: { samples?: number; warm?: number; index?: number } = {}): Promise<E2eBenchResult> {
  const t0 = performance.now();
  const nSamples = opts.samples ?? 300;
  const nWarm = opts.warm ?? 20;
  const order: KernelBuild[] = (opts.index ?? 0) % 2 === 0 ? ['simd', 'scalar'] : ['scalar', 'simd'];
  const seed = 1;
  const spec = { ...loadModelSpec(DEFAULT_NMNIST_MODEL), seed };
  const plan = planModel(spec);

  // Events, as the demo makes them (same emulator settings and per-digit seeds).
  const digits = loadMnistDigits();
  const split = splitMnist(seed, nWarm + nSamples, nWarm + nSamples);
  const emulator = new EventEmulator({ sensorSeed: seed, sensorWidth: spec.input.width, sensorHeight: spec.input.height });
  const sample = (k: number): Sample => ({
    events: emulator.emulate(digits.images.subarray(k * 784, (k + 1) * 784), digits.width, digits.height, { seed: (seed * 100003 + k) >>> 0 }),
    label: digits.labels[k],
  });
  const warmLearn = split.train.slice(0, nWarm).map(sample);
  const learnSet = split.train.slice(nWarm).map(sample);
  const warmInfer = split.test.slice(0, nWarm).map(sample);
  const inferSet = split.test.slice(nWarm).map(sample);

  const rts = {} as Record<KernelBuild, Runtime>;
  for (const b of order) rts[b] = new Runtime(plan, b);
  const discard = new Tally();
  for (const b of order) {
    learnPass(rts[b], warmLearn, discard);
    inferPass(rts[b], warmInfer, discard, []);
  }
  // Timed passes in chunks of CHUNK samples, alternating the builds chunk by chunk (and the order
  // within each pair of chunks), so that a slow phase of the machine hits both builds alike.
  const tallies = {
    learn: { simd: new Tally(), scalar: new Tally() },
    infer: { simd: new Tally(), scalar: new Tally() },
  } as Record<E2eMode, Record<KernelBuild, Tally>>;
  const predictions: Record<KernelBuild, number[]> = { simd: [], scalar: [] };
  const reversed = [...order].reverse();
  for (let c = 0; c < nSamples; c += CHUNK) {
    const ord = (c / CHUNK) % 2 === 0 ? order : reversed;
    for (const b of ord) learnPass(rts[b], learnSet.slice(c, c + CHUNK), tallies.learn[b]);
  }
  for (let c = 0; c < nSamples; c += CHUNK) {
    const ord = (c / CHUNK) % 2 === 0 ? order : reversed;
    for (const b of ord) inferPass(rts[b], inferSet.slice(c, c + CHUNK), tallies.infer[b], predictions[b]);
  }
  const results = {} as Record<E2eMode, Record<KernelBuild, E2eRate>>;
  for (const m of E2E_MODES) results[m] = { simd: tallies[m].simd.rate(), scalar: tallies[m].scalar.rate() };

  const pr = plan.projections[0];
  const w = (b: KernelBuild) => rts[b].weights(pr.name);
  const identical = bitEqual(w('simd'), w('scalar'))
    && bitEqual(rts.simd.readoutWeights(), rts.scalar.readoutWeights())
    && predictions.simd.every((p, k) => p === predictions.scalar[k]);

  const all = [...learnSet, ...inferSet];
  const learnSteps = results.learn[order[0]].steps;
  return {
    kind: 'end-to-end',
    machine: machineInfo(),
    config: {
      model: spec.name,
      seed,
      samples: nSamples,
      warmSamples: nWarm,
      buildOrder: order,
      meanEventsPerSample: all.reduce((s, x) => s + x.events.length, 0) / all.length,
      meanStepsPerSample: learnSteps / nSamples,
      inputs: pr.nIn,
      neurons: pr.nOut,
    },
    results,
    identical,
    seconds: (performance.now() - t0) / 1000,
  };
}

export function e2eTable(results: Record<E2eMode, Record<KernelBuild, E2eRate>>): string {
  const rows: string[][] = [];
  for (const m of E2E_MODES) {
    const r = results[m];
    rows.push([`${m} steps/s`, fmt(r.scalar.stepsPerSecond), fmt(r.simd.stepsPerSecond), `${fmt(r.simd.stepsPerSecond / r.scalar.stepsPerSecond)}x`]);
    rows.push([`${m} events/s`, fmt(r.scalar.eventsPerSecond), fmt(r.simd.eventsPerSecond), `${fmt(r.simd.eventsPerSecond / r.scalar.eventsPerSecond)}x`]);
  }
  return textTable(['end-to-end', 'wasm scalar', 'wasm SIMD', 'SIMD/scalar'], rows);
}

if (isMain(import.meta.url)) {
  const num = (name: string) => {
    const v = argValue(name);
    return v === undefined ? undefined : Number(v);
  };
  try {
    const res = await runEndToEndBench({ samples: num('--samples'), warm: num('--warm'), index: num('--index') });
    if (!res.identical) throw new Error('end-to-end: the SIMD and scalar builds diverged (weights or predictions differ)');
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } else {
      const c = res.config;
      console.log(`end-to-end, one process: ${c.model}, ${c.inputs} -> ${c.neurons}, ${c.samples} samples per mode, `
        + `${fmt(c.meanEventsPerSample)} events and ${fmt(c.meanStepsPerSample)} steps per sample\n`);
      console.log(e2eTable(res.results));
      console.log(`\n${fmt(res.seconds)} s`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
