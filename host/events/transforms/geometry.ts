/**
 * Spatial transforms: crop to a rectangle and mirror along x or y.
 *
 * - `crop(batch, rect)`: keeps the events with rect.x <= x < rect.x + rect.width and
 *   rect.y <= y < rect.y + rect.height, and re-bases their coordinates on the rectangle's corner
 *   (x' = x - rect.x, y' = y - rect.y), so the result lives on a rect.width x rect.height sensor.
 *   Order, times and polarities are kept. Cropping twice equals one crop to the intersection.
 * - `centerCrop(batch, geometry, width, height)`: the crop of that size centred on the sensor
 *   (an odd margin puts the extra pixel on the right/bottom).
 * - `flipX(batch, geometry)`: x' = width - 1 - x (left-right mirror); `flipY`: y' = height - 1 - y.
 *   Both need the geometry and reject an event outside it. Each is its own inverse.
 *
 * Units: pixels. Linear time, one pass.
 *
 * Reference: the crop and flip transforms of tonic (Lenz et al., `CenterCrop`, `RandomCrop`,
 * `RandomFlipLR`, `RandomFlipUD`); here deterministic, the caller draws any random choice.
 */
import { UsageError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';
import { checkGeometry, checkInside, checkInt, MAX_SIDE } from './common.js';

/** A rectangle in pixels: corner (x, y), size width x height (zero size gives no events). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function crop(batch: EventBatch, rect: Rect): EventBatch {
  if (rect === null || typeof rect !== 'object') throw new UsageError('crop: rect { x, y, width, height } is required');
  checkInt('crop', 'rect.x', rect.x, 0, MAX_SIDE - 1);
  checkInt('crop', 'rect.y', rect.y, 0, MAX_SIDE - 1);
  checkInt('crop', 'rect.width', rect.width, 0, MAX_SIDE);
  checkInt('crop', 'rect.height', rect.height, 0, MAX_SIDE);
  const x0 = rect.x;
  const y0 = rect.y;
  const x1 = x0 + rect.width;
  const y1 = y0 + rect.height;
  const n = batch.length;
  const { t, x, y, p } = batch;
  let m = 0;
  for (let i = 0; i < n; i++) if (x[i] >= x0 && x[i] < x1 && y[i] >= y0 && y[i] < y1) m++;
  const out = allocBatch(m);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    if (xi >= x0 && xi < x1 && yi >= y0 && yi < y1) {
      out.t[k] = t[i];
      out.x[k] = xi - x0;
      out.y[k] = yi - y0;
      out.p[k] = p[i];
      k++;
    }
  }
  return makeBatch(out, m);
}

export function centerCrop(batch: EventBatch, geometry: SensorGeometry, width: number, height: number): EventBatch {
  checkGeometry('centerCrop', geometry);
  checkInt('centerCrop', 'width', width, 0, geometry.width);
  checkInt('centerCrop', 'height', height, 0, geometry.height);
  return crop(batch, {
    x: Math.floor((geometry.width - width) / 2),
    y: Math.floor((geometry.height - height) / 2),
    width,
    height,
  });
}

function flip(fn: string, batch: EventBatch, geometry: SensorGeometry, alongX: boolean): EventBatch {
  checkGeometry(fn, geometry);
  checkInside(fn, batch, geometry);
  const n = batch.length;
  const out = allocBatch(n);
  out.t.set(batch.t.subarray(0, n));
  out.p.set(batch.p.subarray(0, n));
  if (alongX) {
    const w1 = geometry.width - 1;
    out.y.set(batch.y.subarray(0, n));
    for (let i = 0; i < n; i++) out.x[i] = w1 - batch.x[i];
  } else {
    const h1 = geometry.height - 1;
    out.x.set(batch.x.subarray(0, n));
    for (let i = 0; i < n; i++) out.y[i] = h1 - batch.y[i];
  }
  return makeBatch(out, n);
}

/** Left-right mirror: x' = width - 1 - x. */
export function flipX(batch: EventBatch, geometry: SensorGeometry): EventBatch {
  return flip('flipX', batch, geometry, true);
}

/** Up-down mirror: y' = height - 1 - y. */
export function flipY(batch: EventBatch, geometry: SensorGeometry): EventBatch {
  return flip('flipY', batch, geometry, false);
}
