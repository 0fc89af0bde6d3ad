/**
 * Event frames and a minimal PNG writer, for looking at a recording (`neurite inspect --frame`).
 *
 * Why no image dependency: a PNG is a signature plus three chunks (IHDR, IDAT, IEND), each
 * `length | type | data | CRC-32(type + data)`, and IDAT is the zlib stream of the scanlines, each
 * prefixed with a filter byte (0 = none). node:zlib gives both deflate and crc32, so this is a
 * few dozen lines.
 *
 * Colours: black background, ON counts in red, OFF counts in blue (a pixel with both is magenta).
 * Brightness is the count divided by a robust maximum (the 99th percentile of non-zero counts, at
 * least 1), clipped to 255, so one hot pixel does not turn everything else black.
 */
import { crc32, deflateSync } from 'node:zlib';
import { allocBatch, makeBatch, type EventBatch } from './types.js';

/** Per-pixel event counts, row-major (index y * width + x), one plane per polarity. */
export interface EventFrame {
  readonly width: number;
  readonly height: number;
  readonly on: Uint32Array;
  readonly off: Uint32Array;
  /** Events outside width x height (not counted in the planes). */
  dropped: number;
}

export function createFrame(width: number, height: number): EventFrame {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width * height <= 1 << 26)) {
    throw new RangeError(`frame size ${width}x${height} is not a positive size of at most 2^26 pixels`);
  }
  return { width, height, on: new Uint32Array(width * height), off: new Uint32Array(width * height), dropped: 0 };
}

export interface AccumulateOptions {
  /** Flip rows (y' = height - 1 - y), for formats whose y origin is the bottom-left (Event Stream). */
  readonly flipY?: boolean;
}

/** Adds a batch's events to the frame's counts. */
export function accumulate(frame: EventFrame, batch: EventBatch, opts: AccumulateOptions = {}): EventFrame {
  const { width, height, on, off } = frame;
  const { x, y, p, length } = batch;
  const flip = opts.flipY === true;
  for (let i = 0; i < length; i++) {
    const xi = x[i];
    const yi = flip ? height - 1 - y[i] : y[i];
    if (xi >= width || yi < 0 || yi >= height) {
      frame.dropped++;
      continue;
    }
    const k = yi * width + xi;
    if (p[i] === 1) on[k]++;
    else off[k]++;
  }
  return frame;
}

/** Convenience: one batch to a frame. */
export function accumulateFrame(batch: EventBatch, width: number, height: number, opts: AccumulateOptions = {}): EventFrame {
  return accumulate(createFrame(width, height), batch, opts);
}

/** RGBA pixels (row-major, 4 bytes each): ON red, OFF blue, on black. */
export function frameToRgba(frame: EventFrame): Uint8Array {
  const { on, off } = frame;
  const scale = robustMax(on, off);
  const out = new Uint8Array(on.length * 4);
  for (let k = 0; k < on.length; k++) {
    out[4 * k] = Math.min(255, Math.round((255 * on[k]) / scale));
    out[4 * k + 2] = Math.min(255, Math.round((255 * off[k]) / scale));
    out[4 * k + 3] = 255;
  }
  return out;
}

function robustMax(a: Uint32Array, b: Uint32Array): number {
  const nz: number[] = [];
  for (let k = 0; k < a.length; k++) {
    if (a[k] > 0) nz.push(a[k]);
    if (b[k] > 0) nz.push(b[k]);
  }
  if (nz.length === 0) return 1;
  nz.sort((u, v) => u - v);
  return Math.max(1, nz[Math.min(nz.length - 1, Math.floor(0.99 * (nz.length - 1)))]);
}

/** y' = height - 1 - y for every event (a new batch; the input is not changed). */
export function flipY(batch: EventBatch, height: number): EventBatch {
  const out = allocBatch(batch.length);
  out.t.set(batch.t.subarray(0, batch.length));
  out.x.set(batch.x.subarray(0, batch.length));
  out.p.set(batch.p.subarray(0, batch.length));
  for (let i = 0; i < batch.length; i++) out.y[i] = height - 1 - batch.y[i];
  return makeBatch(out, batch.length);
}

const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)) >>> 0);
  return out;
}

/**
 * An 8-bit PNG of `pixels` (row-major). The channel count is pixels.length / (width * height):
 * 1 grey, 3 RGB, 4 RGBA.
 */
export function encodePng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`PNG size ${width}x${height} must be positive integers`);
  }
  const channels = pixels.length / (width * height);
  const colourType = channels === 1 ? 0 : channels === 3 ? 2 : channels === 4 ? 6 : -1;
  if (colourType < 0) {
    throw new RangeError(`${pixels.length} bytes is not 1, 3 or 4 channels of ${width}x${height} pixels`);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colourType;
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering (we use filter type 0 on every row)
  ihdr[12] = 0; // no interlace
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1);
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
