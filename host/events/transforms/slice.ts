/**
 * Slicing a recording into windows, as generators of new batches (lazy: a long recording cut into
 * many windows never holds more than one window's copy at a time).
 *
 * `sliceByTime(batch, { windowUs, overlapUs, startUs, endUs, includeIncomplete })`:
 *   window k covers [s_k, s_k + windowUs) with s_k = startUs + k * (windowUs - overlapUs).
 *   startUs defaults to the first event's time. The recording ends at endUs when given (events at
 *   or after endUs are never included), else at the last event's time. A window is *complete* when
 *   s_k + windowUs <= end; complete windows are always yielded (even empty ones). With
 *   `includeIncomplete`, the trailing windows that reach past the end are yielded too, as long as
 *   they hold time not already covered by the previous window (s_k + overlapUs < endUs when endUs
 *   is given, s_k + overlapUs <= last event time otherwise; window 0 whenever the span is not empty). With overlapUs = 0 and
 *   includeIncomplete, the windows partition the events from startUs on. An empty batch with no
 *   startUs, or a startUs after the last event with no endUs, yields nothing.
 *
 * `sliceByCount(batch, { count, overlap, includeIncomplete })`:
 *   slice k holds events [k * (count - overlap), k * (count - overlap) + count). Complete slices
 *   (all `count` events present) are always yielded; with `includeIncomplete` the trailing shorter
 *   ones that hold at least one event not in the previous slice are yielded too (the first slice
 *   whenever the batch is not empty).
 *
 * Units: microseconds; event counts. Both need time-sorted input (UsageError otherwise); each
 * yielded batch is a fresh copy. Linear time in events plus windows (times the overlap factor for
 * the copies).
 *
 * Reference: tonic's `SliceByTime` and `SliceByEventCount` slicers (window/overlap/include_incomplete).
 */
import { UsageError } from '../../errors.js';
import type { EventBatch } from '../types.js';
import { checkBoolean, checkFinite, checkInt, checkSorted, sliceBatch } from './common.js';

export interface SliceByTimeOptions {
  /** Window length, µs (> 0). */
  readonly windowUs: number;
  /** Overlap of consecutive windows, µs, in [0, windowUs). Default 0. */
  readonly overlapUs?: number;
  /** Start of window 0, µs. Default: the first event's time. */
  readonly startUs?: number;
  /** End of the recording (exclusive), µs. Default: the last event's time (inclusive). */
  readonly endUs?: number;
  /** Also yield the trailing windows that reach past the end. Default false. */
  readonly includeIncomplete?: boolean;
}

export interface SliceByCountOptions {
  /** Events per slice (integer >= 1). */
  readonly count: number;
  /** Events shared by consecutive slices, integer in [0, count). Default 0. */
  readonly overlap?: number;
  /** Also yield the trailing shorter slices. Default false. */
  readonly includeIncomplete?: boolean;
}

/**
 * Start and end of window k. With no overlap, a window ends exactly where the next starts (the
 * same float expression), so the partition holds despite rounding.
 */
function windowBounds(startUs: number, k: number, windowUs: number, overlapUs: number): [number, number] {
  const stride = windowUs - overlapUs;
  const s = startUs + k * stride;
  return [s, overlapUs === 0 ? startUs + (k + 1) * stride : s + windowUs];
}

/**
 * Number of windows sliceByTime yields for a recording from startUs to endUs (inclusive end when
 * the end is the last event's time, exclusive when given as endUs).
 */
export function timeWindowCount(
  startUs: number,
  endUs: number,
  endInclusive: boolean,
  windowUs: number,
  overlapUs: number,
  includeIncomplete: boolean,
): number {
  const stride = windowUs - overlapUs;
  const complete = (j: number): boolean => windowBounds(startUs, j, windowUs, overlapUs)[1] <= endUs;
  // Estimate with a division, then step to the exact condition (a float quotient may be off by one).
  let k = endUs - startUs >= windowUs ? Math.floor((endUs - startUs - windowUs) / stride) + 1 : 0;
  while (k > 0 && !complete(k - 1)) k--;
  while (complete(k)) k++;
  if (!includeIncomplete) return k;
  // Windows holding time the previous one did not cover.
  const fresh = (j: number): boolean => {
    const s = windowBounds(startUs, j, windowUs, overlapUs)[0] + (j === 0 ? 0 : overlapUs);
    return endInclusive ? s <= endUs : s < endUs;
  };
  let q = endUs - startUs - overlapUs >= 0 ? Math.floor((endUs - startUs - overlapUs) / stride) : 0;
  while (q > 0 && !fresh(q - 1)) q--;
  while (fresh(q)) q++;
  return Math.max(k, q);
}

/** Options are checked when called (not on the first `next()`); the windows come lazily. */
export function sliceByTime(batch: EventBatch, opts: SliceByTimeOptions): Generator<EventBatch, void, undefined> {
  const fn = 'sliceByTime';
  checkFinite(fn, 'windowUs', opts?.windowUs, 0, true);
  const windowUs = opts.windowUs;
  const overlapUs = opts.overlapUs ?? 0;
  checkFinite(fn, 'overlapUs', overlapUs, 0);
  if (overlapUs >= windowUs) {
    throw new UsageError(`${fn}: overlapUs must be below windowUs (${windowUs}), got ${overlapUs}`);
  }
  const includeIncomplete = opts.includeIncomplete ?? false;
  checkBoolean(fn, 'includeIncomplete', includeIncomplete);
  if (opts.startUs !== undefined) checkFinite(fn, 'startUs', opts.startUs);
  if (opts.endUs !== undefined) checkFinite(fn, 'endUs', opts.endUs);
  checkSorted(fn, batch);
  const n = batch.length;
  const t = batch.t;
  const start = opts.startUs ?? (n > 0 ? t[0] : 0);
  const endInclusive = opts.endUs === undefined;
  const end = opts.endUs ?? (n > 0 ? t[n - 1] : start);
  if (!endInclusive && !(end >= start)) {
    throw new UsageError(`${fn}: endUs (${end}) lies before startUs (${start})`);
  }
  // No events and no explicit end, or startUs after the last event: nothing to cut.
  const K =
    (n === 0 && endInclusive) || !(end >= start)
      ? 0
      : timeWindowCount(start, end, endInclusive, windowUs, overlapUs, includeIncomplete);
  return timeWindows(batch, start, end, endInclusive, windowUs, overlapUs, K);
}

function* timeWindows(
  batch: EventBatch,
  start: number,
  end: number,
  endInclusive: boolean,
  windowUs: number,
  overlapUs: number,
  K: number,
): Generator<EventBatch, void, undefined> {
  const n = batch.length;
  const t = batch.t;
  // Events kept: t >= start, and t < end when endUs was given.
  let limit = n;
  if (!endInclusive) {
    while (limit > 0 && t[limit - 1] >= end) limit--;
  }
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < K; k++) {
    const [s, e] = windowBounds(start, k, windowUs, overlapUs);
    while (lo < limit && t[lo] < s) lo++;
    if (hi < lo) hi = lo;
    while (hi < limit && t[hi] < e) hi++;
    yield sliceBatch(batch, lo, hi);
  }
}

/** Options are checked when called (not on the first `next()`); the slices come lazily. */
export function sliceByCount(batch: EventBatch, opts: SliceByCountOptions): Generator<EventBatch, void, undefined> {
  const fn = 'sliceByCount';
  checkInt(fn, 'count', opts?.count, 1, Number.MAX_SAFE_INTEGER);
  const count = opts.count;
  const overlap = opts.overlap ?? 0;
  checkInt(fn, 'overlap', overlap, 0, count - 1);
  const includeIncomplete = opts.includeIncomplete ?? false;
  checkBoolean(fn, 'includeIncomplete', includeIncomplete);
  checkSorted(fn, batch);
  return countSlices(batch, count, overlap, includeIncomplete);
}

function* countSlices(
  batch: EventBatch,
  count: number,
  overlap: number,
  includeIncomplete: boolean,
): Generator<EventBatch, void, undefined> {
  const n = batch.length;
  const stride = count - overlap;
  for (let k = 0; ; k++) {
    const lo = k * stride;
    const hi = lo + count;
    if (hi <= n) {
      yield sliceBatch(batch, lo, hi);
    } else if (includeIncomplete && (lo + overlap < n || (k === 0 && n > 0))) {
      yield sliceBatch(batch, lo, n);
    } else {
      return;
    }
  }
}
