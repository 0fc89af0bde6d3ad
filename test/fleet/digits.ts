/**
 * Shared data of the fleet tests: emulated event-camera digits (the project's own emulator over
 * the `mnist` package's digits) and a frozen spiking feature layer. Every gateway builds its
 * runtime from the same spec and seed, so the layer is the same on all of them and the readout
 * weights of different gateways refer to the same features, which is what makes them mergeable.
 */
import { EventEmulator } from '../../host/events/emulator.js';
import type { EventBatch } from '../../host/events/types.js';
import { loadMnistDigits, splitMnist } from '../../host/learn/datasets/mnist.js';
import { presentSample } from '../../host/learn/online.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';

/**
 * 34x34 ON/OFF events -> 200 LIF neurons through fixed random weights of both signs (a random
 * projection followed by a spiking nonlinearity; no plasticity, no winner-take-all), and a
 * delta-rule readout from their spike counts.
 */
export function featureSpec(): ModelSpec {
  return validateSpec({
    version: 1,
    name: 'fleet-frozen-features',
    dtMs: 1,
    seed: 7,
    input: { width: 34, height: 34, polarity: 'split', bufferEvents: 4096 },
    populations: [
      { name: 'hidden', size: 200, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 } },
    ],
    projections: [
      { from: 'input', to: 'hidden', weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.065, high: 0.08 } } },
    ],
    readout: { from: 'hidden', classes: 10, rule: 'delta', learningRate: 0.1 },
  });
}

export function newRuntime(spec: ModelSpec): Runtime {
  return new Runtime(planModel(spec));
}

export interface Digits {
  train: number[];
  test: number[];
  label(k: number): number;
  events(k: number): EventBatch;
}

export function digits(trainCount: number, testCount: number, seed = 3): Digits {
  const d = loadMnistDigits();
  const split = splitMnist(seed, trainCount, testCount);
  const emulator = new EventEmulator({ sensorSeed: seed });
  return {
    ...split,
    label: (k) => d.labels[k],
    events: (k) => emulator.emulate(d.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: (seed * 100003 + k) >>> 0 }),
  };
}

/** Runs a sample through the frozen layer (no plasticity) and returns a copy of its features. */
export function featuresOf(rt: Runtime, events: EventBatch): Float32Array {
  presentSample(rt, events, { learn: false });
  return Float32Array.from(rt.features());
}
