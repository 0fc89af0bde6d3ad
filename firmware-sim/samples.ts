/**
 * Sample sources for profiling: MNIST digits turned into N-MNIST-like events by the event-camera
 * emulator (the demo's data, no download), or recorded N-MNIST files.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../host/errors.js';
import { EventEmulator } from '../host/events/emulator.js';
import { readNmnistFileSync } from '../host/events/formats/nmnist.js';
import { loadMnistDigits, splitMnist } from '../host/learn/datasets/mnist.js';
import { FolderSource } from '../host/learn/folder.js';
import type { ModelSpec } from '../host/spec/types.js';
import type { Sample } from './workload.js';

/** `count` emulated digits (seeded: the same seed gives the same events). */
export function emulatedDigits(spec: ModelSpec, count: number, seed = 1): Sample[] {
  const digits = loadMnistDigits();
  const { train } = splitMnist(seed, count, 0);
  const emulator = new EventEmulator({ sensorSeed: seed, sensorWidth: spec.input.width, sensorHeight: spec.input.height });
  return train.map((k) => ({
    events: emulator.emulate(digits.images.subarray(k * 784, (k + 1) * 784), digits.width, digits.height, { seed: (seed * 100003 + k) >>> 0 }),
    label: digits.labels[k],
  }));
}

/**
 * Recorded samples: an N-MNIST .bin file (label 0), or a folder of .bin files, labelled by its
 * labels.tsv when present (else label 0). At most `count` samples.
 */
export function recordedSamples(path: string, count: number): Sample[] {
  if (!existsSync(path)) throw new UsageError(`--data: no such file or folder: ${path}`);
  if (statSync(path).isFile()) return [{ events: readNmnistFileSync(path), label: 0 }];
  const labels = join(path, 'labels.tsv');
  if (existsSync(labels)) {
    const src = FolderSource.open(path, labels);
    return Array.from({ length: Math.min(count, src.count) }, (_, i) => ({ events: src.events(i), label: src.label(i) }));
  }
  const files = readdirSync(path).filter((f) => /\.(bin|bs2)$/i.test(f)).sort().slice(0, count);
  if (files.length === 0) throw new UsageError(`--data: ${path} holds no .bin files`);
  return files.map((f) => ({ events: readNmnistFileSync(join(path, basename(f))), label: 0 }));
}
