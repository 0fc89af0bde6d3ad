/**
 * Time transforms.
 *
 * - `timeShift(batch, offsetUs)`: t' = t + offsetUs for every event (offset may be negative).
 * - `toRelativeTime(batch, originUs?)`: t' = t - origin, where the origin defaults to the smallest
 *   timestamp of the batch (so the earliest event lands at 0; sorted or not).
 *
 * Units: microseconds (Float64, exact below 2^53). Coordinates, polarities and order are kept.
 *
 * Reference: the offset part of tonic's `TimeSkew`, and its practice of re-basing a sample's
 * timestamps on the first event (here deterministic; the caller draws any random offset).
 */
import { allocBatch, makeBatch, type EventBatch } from '../types.js';
import { checkFinite } from './common.js';

export function timeShift(batch: EventBatch, offsetUs: number): EventBatch {
  checkFinite('timeShift', 'offsetUs', offsetUs);
  const n = batch.length;
  const out = allocBatch(n);
  out.x.set(batch.x.subarray(0, n));
  out.y.set(batch.y.subarray(0, n));
  out.p.set(batch.p.subarray(0, n));
  const t = batch.t;
  for (let i = 0; i < n; i++) out.t[i] = t[i] + offsetUs;
  return makeBatch(out, n);
}

export function toRelativeTime(batch: EventBatch, originUs?: number): EventBatch {
  let origin = originUs;
  if (origin === undefined) {
    origin = 0;
    if (batch.length > 0) {
      let min = Infinity;
      for (let i = 0; i < batch.length; i++) if (batch.t[i] < min) min = batch.t[i];
      origin = min;
    }
    checkFinite('toRelativeTime', 'earliest event time', origin);
  } else {
    checkFinite('toRelativeTime', 'originUs', origin);
  }
  return timeShift(batch, -origin);
}
