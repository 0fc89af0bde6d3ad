/**
 * The project's own example of a frozen feature extractor (no downloaded model): a small
 * convolutional front end over event frames, written as an ONNX model from TypeScript.
 *
 *   frames [N, 2, H, W] (OFF, ON event counts per pixel, host/events/transforms toFrame)
 *   -> Conv 5x5, `orientations` Gabor filters (sigma 1.5 px, wavelength 4 px) applied to
 *      ON + OFF and the same to ON - OFF, zero padding 2
 *   -> Relu -> AveragePool pool x pool (stride pool) -> Flatten -> features [N, 2 * orientations * (H/pool) * (W/pool)]
 * Fixed weights: orientation-selective edge detectors, the classic hand-designed front end for
 * event cameras; the learning happens in the on-device readout behind it.
 */
import { encodeModel, GraphBuilder } from './onnx-builder.js';

export interface ConvFrontEndOptions {
  width?: number;
  height?: number;
  orientations?: number;
  pool?: number;
}

export function gaborKernel(theta: number, size = 5, sigma = 1.5, wavelength = 4): Float32Array {
  const k = new Float32Array(size * size);
  const c = (size - 1) / 2;
  let mean = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c;
      const dy = y - c;
      const xr = dx * Math.cos(theta) + dy * Math.sin(theta);
      const v = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * xr) / wavelength);
      k[y * size + x] = v;
      mean += v;
    }
  }
  mean /= size * size;
  for (let i = 0; i < k.length; i++) k[i] -= mean; // zero response to uniform activity
  return k;
}

/** Builds the front end; returns the ONNX bytes and the feature size. */
export function buildConvFrontEnd(opts: ConvFrontEndOptions = {}): { bytes: Uint8Array; featureSize: number; inputShape: [number, number, number] } {
  const width = opts.width ?? 34;
  const height = opts.height ?? 34;
  const orientations = opts.orientations ?? 4;
  const pool = opts.pool ?? 4;
  const filters = 2 * orientations;
  const w = new Float32Array(filters * 2 * 25);
  for (let o = 0; o < orientations; o++) {
    const g = gaborKernel((Math.PI * o) / orientations);
    for (let i = 0; i < 25; i++) {
      // filter o: ON + OFF; filter orientations + o: ON - OFF (channel 0 is OFF, 1 is ON).
      w[(o * 2 + 0) * 25 + i] = g[i];
      w[(o * 2 + 1) * 25 + i] = g[i];
      w[((orientations + o) * 2 + 0) * 25 + i] = -g[i];
      w[((orientations + o) * 2 + 1) * 25 + i] = g[i];
    }
  }
  const gb = new GraphBuilder();
  const x = gb.input('frames', 'float', ['N', 2, height, width]);
  const conv = gb.op('Conv', [x, gb.constF32('gabor', w, [filters, 2, 5, 5]), gb.constF32('gabor_bias', new Float32Array(filters))], {
    kernel_shape: { ints: [5, 5] },
    pads: { ints: [2, 2, 2, 2] },
    strides: { ints: [1, 1] },
  }, 'conv');
  const act = gb.op('Relu', [conv]);
  const pooled = gb.op('AveragePool', [act], { kernel_shape: { ints: [pool, pool] }, strides: { ints: [pool, pool] } }, 'pool');
  const flat = gb.op('Flatten', [pooled], { axis: { i: 1 } }, 'flat');
  const hOut = Math.floor((height - pool) / pool) + 1;
  const wOut = Math.floor((width - pool) / pool) + 1;
  const featureSize = filters * hOut * wOut;
  gb.output('features', flat, 'float', ['N', featureSize]);
  const bytes = encodeModel(gb.graph('event-conv-frontend'), {
    doc: `Gabor front end over ${width}x${height} OFF/ON event frames: ${filters} filters, ${pool}x${pool} average pooling, ${featureSize} features`,
  });
  return { bytes, featureSize, inputShape: [2, height, width] };
}
