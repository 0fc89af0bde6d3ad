/**
 * The one event type of the house: struct-of-arrays batches.
 *
 * - `t`: microseconds as Float64 (exact below 2^53), converted from the file's own unit.
 * - `x`, `y`: coordinates exactly as stored in the file.
 * - `p`: 1 means ON (brightness increase) in every format, 0 means OFF.
 *
 * Arrays may be longer than `length` (reused buffers); only the first `length` entries are valid.
 */
export interface EventBatch {
  readonly length: number;
  readonly t: Float64Array;
  readonly x: Uint16Array;
  readonly y: Uint16Array;
  readonly p: Uint8Array;
}

/** Sensor geometry; `null` where a format has no geometry and none was given. */
export interface SensorGeometry {
  readonly width: number;
  readonly height: number;
}

/** Allocate an empty batch with room for `capacity` events. */
export function allocBatch(capacity: number): {
  t: Float64Array;
  x: Uint16Array;
  y: Uint16Array;
  p: Uint8Array;
} {
  return {
    t: new Float64Array(capacity),
    x: new Uint16Array(capacity),
    y: new Uint16Array(capacity),
    p: new Uint8Array(capacity),
  };
}

/** A batch view over the first `length` entries of the given arrays (no copy). */
export function makeBatch(
  arrays: { t: Float64Array; x: Uint16Array; y: Uint16Array; p: Uint8Array },
  length: number,
): EventBatch {
  return { length, t: arrays.t, x: arrays.x, y: arrays.y, p: arrays.p };
}

/** Concatenate batches into one tightly sized batch. */
export function concatBatches(batches: readonly EventBatch[]): EventBatch {
  const n = batches.reduce((s, b) => s + b.length, 0);
  const out = allocBatch(n);
  let k = 0;
  for (const b of batches) {
    out.t.set(b.t.subarray(0, b.length), k);
    out.x.set(b.x.subarray(0, b.length), k);
    out.y.set(b.y.subarray(0, b.length), k);
    out.p.set(b.p.subarray(0, b.length), k);
    k += b.length;
  }
  return makeBatch(out, n);
}
