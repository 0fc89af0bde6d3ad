/**
 * `refractoryFilter(batch, geometry, { refractoryUs, perPolarity })`: the pixel refractory period.
 *
 * Walking the events in time order, an event is dropped when the last *kept* event of its pixel
 * is less than `refractoryUs` earlier (t - tLastKept < refractoryUs); otherwise it is kept and
 * becomes its pixel's last kept event. With `perPolarity` the ON and OFF events of a pixel have
 * separate clocks (an ON event never silences an OFF event). Consequences: the output is a
 * subsequence of the input, and no two output events of one pixel (and polarity, if perPolarity)
 * are closer than `refractoryUs`. As in a real pixel held in reset, a dropped event does not
 * extend the dead time. `refractoryUs = 0` keeps everything.
 *
 * Units: microseconds. Needs time-sorted input and every event inside the geometry (UsageError
 * otherwise). State: one Float64 per pixel (per pixel and polarity with perPolarity). Linear time.
 *
 * Reference: tonic's `RefractoryPeriod`; the DVS pixel's reset/refractory behaviour
 * (Lichtsteiner, Posch & Delbruck 2008).
 */
import type { EventBatch, SensorGeometry } from '../types.js';
import { checkBoolean, checkFinite, checkGeometry, checkInside, checkSorted, gather, statePixels } from './common.js';

export interface RefractoryOptions {
  /** Dead time after a kept event, µs (>= 0). */
  readonly refractoryUs: number;
  /** Separate dead times for ON and OFF events. Default false (any polarity silences the pixel). */
  readonly perPolarity?: boolean;
}

/**
 * Indices (into `t`) of the events kept by the refractory rule, pixel index given per event by
 * `pixelOf(i)`. Shared with downsample, which applies the rule to pooled pixels.
 */
export function refractoryKeep(
  n: number,
  t: Float64Array,
  p: Uint8Array,
  pixelOf: (i: number) => number,
  nPix: number,
  refractoryUs: number,
  perPolarity: boolean,
): { idx: Uint32Array; count: number } {
  const last = new Float64Array(perPolarity ? 2 * nPix : nPix).fill(-Infinity);
  const idx = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const cell = perPolarity ? 2 * pixelOf(i) + (p[i] & 1) : pixelOf(i);
    const ti = t[i];
    if (ti - last[cell] >= refractoryUs) {
      last[cell] = ti;
      idx[m++] = i;
    }
  }
  return { idx, count: m };
}

export function refractoryFilter(
  batch: EventBatch,
  geometry: SensorGeometry,
  opts: RefractoryOptions,
): EventBatch {
  const fn = 'refractoryFilter';
  checkGeometry(fn, geometry);
  checkFinite(fn, 'refractoryUs', opts?.refractoryUs, 0);
  const perPolarity = opts.perPolarity ?? false;
  checkBoolean(fn, 'perPolarity', perPolarity);
  checkSorted(fn, batch);
  checkInside(fn, batch, geometry);
  const W = geometry.width;
  const { x, y } = batch;
  const { idx, count } = refractoryKeep(
    batch.length,
    batch.t,
    batch.p,
    (i) => y[i] * W + x[i],
    statePixels(fn, geometry),
    opts.refractoryUs,
    perPolarity,
  );
  return gather(batch, idx, count);
}
