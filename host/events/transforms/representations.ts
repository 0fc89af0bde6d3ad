/**
 * Dense representations of a batch: time surfaces and event-count frames (Float32Array, row-major).
 * Channel c of a per-polarity output holds the events with p = c (0 = OFF first, then 1 = ON).
 *
 * `timeSurface(batch, geometry, { tUs, tauUs, perPolarity })` at query time tUs:
 *   S[c][y][x] = exp(-(tUs - T[c][y][x]) / tauUs), where T is the time of the pixel's (and
 *   polarity's) latest event with t <= tUs; S = 0 where there is none. Events after tUs are
 *   ignored. Values lie in [0, 1], exactly 1 at a pixel that fired at tUs. Shape [2][H][W], or
 *   [H][W] with perPolarity = false (latest event of either polarity).
 *   Reference: the time surface of HOTS (Lagorce et al. 2017, "HOTS: a hierarchy of event-based
 *   time-surfaces for pattern recognition"), here over the whole sensor rather than a patch around
 *   each event; tonic's `ToTimesurface`.
 *
 * `toFrame(batch, geometry, opts)`: event-count histograms in time bins. Shape [bins][2][H][W], or
 *   [bins][H][W] with merge = true. The time axis starts at startUs (default: the earliest event)
 *   and ends at endUs (exclusive; default: the latest event, inclusive). Either `binCount` equal
 *   bins span it (default: one bin) or bins of fixed width `binUs` do (as many as needed to cover
 *   it). Bin of an event: floor((t - start) / binWidth), the latest event going to the last bin.
 *   Events outside [start, end) (or [start, end] by default) are not counted; with the defaults the
 *   frames sum to the event count.
 *   Reference: tonic's `ToFrame` (its `n_time_bins` and `time_window` modes).
 *
 * Units: microseconds. Neither needs sorted input. Every event must lie inside the geometry
 * (UsageError otherwise). Linear time in events plus the output size.
 */
import { UsageError } from '../../errors.js';
import type { EventBatch, SensorGeometry } from '../types.js';
import { checkBoolean, checkFinite, checkGeometry, checkInside, checkInt, statePixels } from './common.js';

/** Largest frame tensor toFrame allocates (2^28 floats, 1 GiB). */
export const MAX_FRAME_VALUES = 1 << 28;

export interface TimeSurfaceOptions {
  /** Query time, µs. */
  readonly tUs: number;
  /** Decay time constant, µs (> 0). */
  readonly tauUs: number;
  /** One surface per polarity ([2][H][W]) or one for both ([H][W]). Default true. */
  readonly perPolarity?: boolean;
}

export function timeSurface(batch: EventBatch, geometry: SensorGeometry, opts: TimeSurfaceOptions): Float32Array {
  const fn = 'timeSurface';
  checkGeometry(fn, geometry);
  checkFinite(fn, 'tUs', opts?.tUs);
  checkFinite(fn, 'tauUs', opts.tauUs, 0, true);
  const perPolarity = opts.perPolarity ?? true;
  checkBoolean(fn, 'perPolarity', perPolarity);
  checkInside(fn, batch, geometry);
  const plane = statePixels(fn, geometry);
  const cells = perPolarity ? 2 * plane : plane;
  const latest = new Float64Array(cells).fill(-Infinity);
  const W = geometry.width;
  const { t, x, y, p } = batch;
  const tq = opts.tUs;
  for (let i = 0; i < batch.length; i++) {
    const ti = t[i];
    if (!(ti <= tq)) continue;
    const c = (perPolarity ? (p[i] & 1) * plane : 0) + y[i] * W + x[i];
    if (ti > latest[c]) latest[c] = ti;
  }
  const out = new Float32Array(cells);
  const invTau = 1 / opts.tauUs;
  for (let c = 0; c < cells; c++) {
    const l = latest[c];
    if (l !== -Infinity) out[c] = l === tq ? 1 : Math.exp((l - tq) * invTau);
  }
  return out;
}

export interface FrameOptions {
  /** Number of equal time bins (integer >= 1). Default 1 unless binUs is given. */
  readonly binCount?: number;
  /** Fixed bin width, µs (> 0); the alternative to binCount. */
  readonly binUs?: number;
  /** Start of the time axis, µs. Default: the earliest event. */
  readonly startUs?: number;
  /** End of the time axis (exclusive), µs. Default: the latest event (inclusive). */
  readonly endUs?: number;
  /** Sum both polarities into one channel. Default false. */
  readonly merge?: boolean;
}

/** toFrame's result: the counts and their shape. */
export interface Frames {
  /** Counts, shape [bins][channels][height][width]. */
  readonly data: Float32Array;
  readonly bins: number;
  /** 2 (OFF, ON) or 1 (merged). */
  readonly channels: 1 | 2;
  readonly height: number;
  readonly width: number;
  /** Start of bin 0 and the bin width, µs (width 0 when all events share one time). */
  readonly startUs: number;
  readonly binUs: number;
}

export function toFrame(batch: EventBatch, geometry: SensorGeometry, opts: FrameOptions = {}): Frames {
  const fn = 'toFrame';
  checkGeometry(fn, geometry);
  if (opts.binCount !== undefined && opts.binUs !== undefined) {
    throw new UsageError(`${fn}: give binCount or binUs, not both`);
  }
  if (opts.binCount !== undefined) checkInt(fn, 'binCount', opts.binCount, 1, MAX_FRAME_VALUES);
  if (opts.binUs !== undefined) checkFinite(fn, 'binUs', opts.binUs, 0, true);
  if (opts.startUs !== undefined) checkFinite(fn, 'startUs', opts.startUs);
  if (opts.endUs !== undefined) checkFinite(fn, 'endUs', opts.endUs);
  const merge = opts.merge ?? false;
  checkBoolean(fn, 'merge', merge);
  checkInside(fn, batch, geometry);
  const n = batch.length;
  const { t, x, y, p } = batch;
  let tMin = Infinity;
  let tMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    if (Number.isNaN(ti)) throw new UsageError(`${fn}: event ${i} has time NaN`);
    if (ti < tMin) tMin = ti;
    if (ti > tMax) tMax = ti;
  }
  const start = opts.startUs ?? (n > 0 ? tMin : 0);
  const inclusive = opts.endUs === undefined;
  const end = opts.endUs ?? (n > 0 ? Math.max(tMax, start) : start);
  if (!(end >= start)) throw new UsageError(`${fn}: endUs (${end}) lies before the start (${start})`);
  const span = end - start;
  let bins: number;
  let width: number;
  if (opts.binUs !== undefined) {
    width = opts.binUs;
    bins = inclusive ? Math.floor(span / width) + 1 : Math.ceil(span / width);
  } else {
    bins = opts.binCount ?? 1;
    width = span / bins;
  }
  const channels = merge ? 1 : 2;
  const plane = geometry.width * geometry.height;
  if (bins * channels * plane > MAX_FRAME_VALUES) {
    throw new UsageError(`${fn}: ${bins} bins x ${channels} x ${geometry.width}x${geometry.height} is too large`);
  }
  const data = new Float32Array(bins * channels * plane);
  const W = geometry.width;
  const frameSize = channels * plane;
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    if (ti < start || (inclusive ? ti > end : ti >= end)) continue;
    let b = width > 0 ? Math.floor((ti - start) / width) : 0;
    if (b >= bins) b = bins - 1;
    const c = merge ? 0 : p[i] & 1;
    data[b * frameSize + c * plane + y[i] * W + x[i]] += 1;
  }
  return { data, bins, channels, height: geometry.height, width: geometry.width, startUs: start, binUs: width };
}
