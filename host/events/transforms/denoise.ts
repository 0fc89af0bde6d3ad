/**
 * `denoise(batch, geometry, { dtUs, includeSelf })`: the background-activity (BA) filter.
 *
 * Real edges make neighbouring pixels fire close together in time; thermal and shot noise makes
 * isolated events. Walking the events in stream (time) order, an event is kept when at least one
 * of its 8 neighbours had an event less than `dtUs` before it (0 <= t - tNeighbour < dtUs), and
 * dropped otherwise. Every input event, kept or dropped, updates its own pixel's last-event time,
 * so support comes from the raw stream, as in the hardware filter. With `includeSelf` the pixel's
 * own previous event also counts as support (useful for slow edges that keep one pixel firing).
 * Events at the sensor border simply have fewer neighbours. Only earlier events support a later
 * one: of two simultaneous neighbouring events, only the second in stream order passes.
 *
 * Units: microseconds, pixels. Needs time-sorted input inside the geometry (UsageError otherwise).
 * State: one Float64 per pixel of a map padded by one pixel on every side, so the neighbour reads
 * need no bounds checks. Linear time (nine reads and one write per event).
 *
 * Reference: Delbruck 2008, "Frame-free dynamic digital vision" (the background-activity filter of
 * jAER, there with a subsampled timestamp map); tonic's `Denoise` (its `filter_time` is dtUs).
 */
import type { EventBatch, SensorGeometry } from '../types.js';
import {
  checkBoolean,
  checkFinite,
  checkGeometry,
  checkInside,
  checkSorted,
  gather,
  statePixels,
} from './common.js';

export interface DenoiseOptions {
  /** Support window, µs (>= 0; 0 drops every event). */
  readonly dtUs: number;
  /** Count the pixel's own previous event as support. Default false. */
  readonly includeSelf?: boolean;
}

export function denoise(batch: EventBatch, geometry: SensorGeometry, opts: DenoiseOptions): EventBatch {
  const fn = 'denoise';
  checkGeometry(fn, geometry);
  checkFinite(fn, 'dtUs', opts?.dtUs, 0);
  const includeSelf = opts.includeSelf ?? false;
  checkBoolean(fn, 'includeSelf', includeSelf);
  checkSorted(fn, batch);
  checkInside(fn, batch, geometry);
  const PW = geometry.width + 2;
  statePixels(fn, { width: PW, height: geometry.height + 2 });
  const last = new Float64Array(PW * (geometry.height + 2)).fill(-Infinity);
  const dt = opts.dtUs;
  const n = batch.length;
  const { t, x, y } = batch;
  const idx = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const c = (y[i] + 1) * PW + x[i] + 1;
    const up = c - PW;
    const down = c + PW;
    let newest = Math.max(
      last[up - 1],
      last[up],
      last[up + 1],
      last[c - 1],
      last[c + 1],
      last[down - 1],
      last[down],
      last[down + 1],
    );
    if (includeSelf && last[c] > newest) newest = last[c];
    const ti = t[i];
    if (ti - newest < dt) idx[m++] = i;
    last[c] = ti;
  }
  return gather(batch, idx, m);
}
