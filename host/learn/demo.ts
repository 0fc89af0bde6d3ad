/**
 * The end-to-end demo (`neurite demo`, `npm start`): MNIST digits become events through the
 * event-camera emulator, a spiking network from models/ learns them online in one pass inside its
 * fixed arena, and is evaluated on digits it never saw. Two comparisons run in the same pass on
 * the same events, so the number says what the spiking network adds:
 *   - baseline: the same readout rule (same passes, same learning-rate search) on the raw
 *     per-pixel event counts instead of the network's spikes;
 *   - ablation: the same network with plasticity off in the spiking layer.
 */
import { EventEmulator } from '../events/emulator.js';
import type { EventBatch } from '../events/types.js';
import { planModel, type RegionKind } from '../plan/plan.js';
import { Runtime } from '../runtime/runtime.js';
import type { Counters } from '../runtime/abi.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { DEFAULT_NMNIST_MODEL, loadModelSpec } from '../spec/models.js';
import type { ModelSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';
import { loadMnistDigits, splitMnist } from './datasets/mnist.js';
import { DEFAULT_READOUT_RATES, OnlineLearner, type ReadoutSearchResult } from './online.js';

export interface DemoOptions {
  /** Bundled model name, spec path, or spec object. Default: the N-MNIST default model. */
  model?: string | ModelSpec;
  seed?: number;
  trainCount?: number;
  testCount?: number;
  readoutRates?: readonly number[];
  /** Also run the plasticity-off ablation. Default true. */
  ablation?: boolean;
  build?: KernelBuild;
  onProgress?: (p: { phase: 'train' | 'test'; done: number; total: number }) => void;
}

export interface ModelResult {
  accuracy: number;
  learningRate: number;
  prequential: { learningRate: number; prequentialAccuracy: number }[];
}

export interface DemoReport {
  model: string;
  seed: number;
  build: KernelBuild;
  trainSamples: number;
  testSamples: number;
  passes: 1;
  accuracy: number;
  baselineAccuracy: number;
  ablationAccuracy: number | null;
  readoutLearningRate: number;
  baselineLearningRate: number;
  network: ModelResult;
  baseline: ModelResult;
  ablation: ModelResult | null;
  arenaBytes: number;
  arenaBytesByKind: Record<RegionKind, number>;
  budgetBytes: number | null;
  memoryBytes: number;
  trainCounters: Counters;
  testCounters: Counters;
  synapticOpsPerSample: number;
  eventsPerSecond: number;
  stepsPerSecond: number;
  samplesPerSecond: number;
  wallSeconds: number;
}

/** The baseline's spec: the model's input and readout rule, fed raw per-pixel event counts. */
export function baselineSpec(spec: ModelSpec): ModelSpec {
  if (!spec.readout) throw new Error(`model ${spec.name} has no readout to compare against`);
  return validateSpec({
    version: 1,
    name: `${spec.name}-baseline`,
    dtMs: spec.dtMs,
    seed: spec.seed,
    input: spec.input,
    populations: [],
    projections: [],
    readout: { ...spec.readout, from: 'input' },
  });
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoReport> {
  const t0 = performance.now();
  const seed = opts.seed ?? 1;
  const build = opts.build ?? 'simd';
  const base = typeof opts.model === 'object' ? validateSpec(opts.model) : loadModelSpec(opts.model ?? DEFAULT_NMNIST_MODEL);
  const spec: ModelSpec = { ...base, seed };
  const rates = opts.readoutRates ?? DEFAULT_READOUT_RATES;
  const trainCount = opts.trainCount ?? 6000;
  const testCount = opts.testCount ?? 1000;
  const withAblation = opts.ablation ?? true;

  const plan = planModel(spec);
  const net = new Runtime(plan, build);
  const abl = withAblation ? new Runtime(plan, build) : null;
  const bl = new Runtime(planModel(baselineSpec(spec)), build);
  const memoryBefore = net.memoryBytes;

  const digits = loadMnistDigits();
  const split = splitMnist(seed, trainCount, testCount);
  const emulator = new EventEmulator({ sensorSeed: seed, sensorWidth: spec.input.width, sensorHeight: spec.input.height });
  const img = (k: number) => digits.images.subarray(k * 784, (k + 1) * 784);
  const events = (k: number): EventBatch => emulator.emulate(img(k), digits.width, digits.height, { seed: (seed * 100003 + k) >>> 0 });

  const learners = {
    network: new OnlineLearner(net, { plasticity: true, capacity: trainCount }),
    baseline: new OnlineLearner(bl, { plasticity: false, capacity: trainCount }),
    ablation: abl ? new OnlineLearner(abl, { plasticity: false, capacity: trainCount }) : null,
  };
  // One stream of events, fed to the three learners in lockstep (each digit is emulated once).
  for (let n = 0; n < split.train.length; n++) {
    const k = split.train[n];
    const ev = events(k);
    learners.network.observe(ev, digits.labels[k]);
    learners.baseline.observe(ev, digits.labels[k]);
    learners.ablation?.observe(ev, digits.labels[k]);
    opts.onProgress?.({ phase: 'train', done: n + 1, total: split.train.length });
  }
  const trainCounters = net.counters();
  net.resetCounters();
  const netSearch = learners.network.finish(rates);
  const blSearch = learners.baseline.finish(rates);
  const ablSearch = learners.ablation?.finish(rates) ?? null;

  let correct = 0;
  let blCorrect = 0;
  let ablCorrect = 0;
  for (let n = 0; n < split.test.length; n++) {
    const k = split.test[n];
    const label = digits.labels[k];
    const ev = events(k);
    if (learners.network.predict(ev) === label) correct++;
    if (learners.baseline.predict(ev) === label) blCorrect++;
    if (learners.ablation && learners.ablation.predict(ev) === label) ablCorrect++;
    opts.onProgress?.({ phase: 'test', done: n + 1, total: split.test.length });
  }
  const testCounters = net.counters();
  if (net.memoryBytes !== memoryBefore) throw new Error('arena memory grew during the run');
  const netSeconds = learners.network.seconds;
  const netEvents = learners.network.events;
  const netSteps = learners.network.steps;

  const nTest = Math.max(split.test.length, 1);
  const result = (acc: number, s: ReadoutSearchResult): ModelResult => ({
    accuracy: acc,
    learningRate: s.learningRate,
    prequential: s.candidates,
  });
  const network = result(correct / nTest, netSearch);
  const baseline = result(blCorrect / nTest, blSearch);
  const ablation = ablSearch ? result(ablCorrect / nTest, ablSearch) : null;
  return {
    model: spec.name,
    seed,
    build,
    trainSamples: split.train.length,
    testSamples: split.test.length,
    passes: 1,
    accuracy: network.accuracy,
    baselineAccuracy: baseline.accuracy,
    ablationAccuracy: ablation?.accuracy ?? null,
    readoutLearningRate: network.learningRate,
    baselineLearningRate: baseline.learningRate,
    network,
    baseline,
    ablation,
    arenaBytes: plan.arenaBytes,
    arenaBytesByKind: { ...plan.bytesByKind },
    budgetBytes: spec.budgetBytes ?? null,
    memoryBytes: net.memoryBytes,
    trainCounters,
    testCounters,
    synapticOpsPerSample: (trainCounters.synopsF32 + trainCounters.synopsI8) / Math.max(split.train.length, 1),
    eventsPerSecond: netEvents / Math.max(netSeconds, 1e-9),
    stepsPerSecond: netSteps / Math.max(netSeconds, 1e-9),
    samplesPerSecond: split.train.length / Math.max(netSeconds, 1e-9),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}
