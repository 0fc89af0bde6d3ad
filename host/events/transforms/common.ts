/**
 * Shared helpers of the event transforms: option checks (every bad option is a UsageError that
 * names the transform, the option and the value), the sorted-time and inside-geometry checks that
 * stateful transforms need, and gathering a subset of a batch into a new, tightly sized batch.
 *
 * Conventions of every transform in this folder: the input batch is never written; the result is a
 * new batch (fresh arrays) even when nothing changed; only the first `batch.length` entries of the
 * input arrays are read (arrays may be longer, see types.ts).
 */
import { UsageError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch, type SensorGeometry } from '../types.js';

/** Coordinates are Uint16, so no geometry can be wider or taller than this. */
export const MAX_SIDE = 65536;

export function checkGeometry(fn: string, g: SensorGeometry): void {
  if (g === null || typeof g !== 'object') {
    throw new UsageError(`${fn}: geometry { width, height } is required`);
  }
  for (const k of ['width', 'height'] as const) {
    const v = g[k];
    if (!Number.isInteger(v) || v <= 0 || v > MAX_SIDE) {
      throw new UsageError(`${fn}: geometry.${k} must be an integer in 1..${MAX_SIDE}, got ${v}`);
    }
  }
}

/** Largest pixel count a transform allocates per-pixel state for (2^26, 512 MiB of Float64). */
export const MAX_STATE_PIXELS = 1 << 26;

/** width * height, after checking it is small enough for per-pixel state arrays. */
export function statePixels(fn: string, g: SensorGeometry): number {
  const n = g.width * g.height;
  if (n > MAX_STATE_PIXELS) {
    throw new UsageError(`${fn}: geometry ${g.width}x${g.height} has too many pixels for per-pixel state`);
  }
  return n;
}

export function checkInt(fn: string, name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`${fn}: ${name} must be an integer in ${min}..${max}, got ${v}`);
  }
}

/** A finite number >= min (or > min when `strict`). */
export function checkFinite(fn: string, name: string, v: number, min = -Infinity, strict = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    const bound = min === -Infinity ? '' : ` ${strict ? '>' : '>='} ${min}`;
    throw new UsageError(`${fn}: ${name} must be a finite number${bound}, got ${v}`);
  }
}

export function checkBoolean(fn: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new UsageError(`${fn}: ${name} must be a boolean, got ${String(v)}`);
}

/** Throw unless times are non-decreasing (NaN counts as out of order). */
export function checkSorted(fn: string, b: EventBatch): void {
  const t = b.t;
  for (let i = 1; i < b.length; i++) {
    if (!(t[i] >= t[i - 1])) {
      throw new UsageError(
        `${fn}: events must be sorted by time; event ${i} (t=${t[i]}) comes after t=${t[i - 1]}`,
      );
    }
  }
  if (b.length > 0 && Number.isNaN(t[0])) throw new UsageError(`${fn}: event 0 has time NaN`);
}

/** Throw unless every event lies inside the geometry. */
export function checkInside(fn: string, b: EventBatch, g: SensorGeometry): void {
  const { width, height } = g;
  for (let i = 0; i < b.length; i++) {
    if (b.x[i] >= width || b.y[i] >= height) {
      throw new UsageError(
        `${fn}: event ${i} at (${b.x[i]}, ${b.y[i]}) lies outside the ${width}x${height} geometry`,
      );
    }
  }
}

/** A fresh copy of the first `length` events. */
export function copyBatch(b: EventBatch): EventBatch {
  const n = b.length;
  return makeBatch(
    { t: b.t.slice(0, n), x: b.x.slice(0, n), y: b.y.slice(0, n), p: b.p.slice(0, n) },
    n,
  );
}

/** A fresh batch holding events lo..hi-1 of `b`. */
export function sliceBatch(b: EventBatch, lo: number, hi: number): EventBatch {
  return makeBatch({ t: b.t.slice(lo, hi), x: b.x.slice(lo, hi), y: b.y.slice(lo, hi), p: b.p.slice(lo, hi) }, hi - lo);
}

/** A fresh batch holding the events at the first `m` indices of `idx` (in that order). */
export function gather(b: EventBatch, idx: Uint32Array, m: number): EventBatch {
  const out = allocBatch(m);
  const { t, x, y, p } = b;
  for (let i = 0; i < m; i++) {
    const k = idx[i];
    out.t[i] = t[k];
    out.x[i] = x[k];
    out.y[i] = y[k];
    out.p[i] = p[k];
  }
  return makeBatch(out, m);
}
