/**
 * `downsample(batch, geometry, opts)`: spatial pooling by integer factors.
 *
 * Each event moves to the output pixel x' = floor(x / factorX), y' = floor(y / factorY); time and
 * polarity are kept, so every factorX x factorY block of input pixels becomes one output pixel of
 * a ceil(width / factorX) x ceil(height / factorY) sensor (see `downsampleGeometry`). Pooling
 * multiplies the event rate per output pixel; with `refractoryUs` the pooled stream then goes
 * through the refractory rule of refractory.ts on the output pixels (an event is kept only if its
 * output pixel, or output pixel and polarity with `perPolarity`, kept no event in the previous
 * `refractoryUs`), so each output pixel emits at most one event per refractory window.
 *
 * Units: pixels, microseconds. Every event must lie inside the geometry; with `refractoryUs` the
 * input must be time-sorted. Linear time; state (with refractoryUs) one Float64 per output pixel.
 *
 * Reference: tonic's `Downsample` (its spatial factor), here restricted to integer factors so no
 * event lands between pixels; the optional refractory window is this project's addition.
 */
import type { EventBatch, SensorGeometry } from '../types.js';
import { allocBatch, makeBatch } from '../types.js';
import {
  checkBoolean,
  checkFinite,
  checkGeometry,
  checkInside,
  checkInt,
  checkSorted,
  gather,
  MAX_SIDE,
  statePixels,
} from './common.js';
import { refractoryKeep } from './refractory.js';

export interface DownsampleOptions {
  /** Pooling factor along x (integer >= 1). */
  readonly factorX: number;
  /** Pooling factor along y (integer >= 1). Default: factorX. */
  readonly factorY?: number;
  /** If given (µs >= 0), keep at most one event per output pixel per refractory window. */
  readonly refractoryUs?: number;
  /** With refractoryUs: separate windows for ON and OFF events. Default false. */
  readonly perPolarity?: boolean;
}

/** The output geometry of `downsample`. */
export function downsampleGeometry(geometry: SensorGeometry, factorX: number, factorY = factorX): SensorGeometry {
  checkGeometry('downsampleGeometry', geometry);
  checkInt('downsampleGeometry', 'factorX', factorX, 1, MAX_SIDE);
  checkInt('downsampleGeometry', 'factorY', factorY, 1, MAX_SIDE);
  return { width: Math.ceil(geometry.width / factorX), height: Math.ceil(geometry.height / factorY) };
}

export function downsample(batch: EventBatch, geometry: SensorGeometry, opts: DownsampleOptions): EventBatch {
  const fn = 'downsample';
  checkGeometry(fn, geometry);
  const fx = opts?.factorX;
  const fy = opts.factorY ?? fx;
  checkInt(fn, 'factorX', fx, 1, MAX_SIDE);
  checkInt(fn, 'factorY', fy, 1, MAX_SIDE);
  checkInside(fn, batch, geometry);
  const n = batch.length;
  const pooled = allocBatch(n);
  pooled.t.set(batch.t.subarray(0, n));
  pooled.p.set(batch.p.subarray(0, n));
  for (let i = 0; i < n; i++) {
    pooled.x[i] = Math.floor(batch.x[i] / fx);
    pooled.y[i] = Math.floor(batch.y[i] / fy);
  }
  const out = makeBatch(pooled, n);
  if (opts.refractoryUs === undefined) return out;
  checkFinite(fn, 'refractoryUs', opts.refractoryUs, 0);
  const perPolarity = opts.perPolarity ?? false;
  checkBoolean(fn, 'perPolarity', perPolarity);
  checkSorted(fn, batch);
  const og = downsampleGeometry(geometry, fx, fy);
  const W = og.width;
  const { idx, count } = refractoryKeep(
    n,
    pooled.t,
    pooled.p,
    (i) => pooled.y[i] * W + pooled.x[i],
    statePixels(fn, og),
    opts.refractoryUs,
    perPolarity,
  );
  return gather(out, idx, count);
}
