/**
 * `mergePolarity(batch, opts)`: sets every polarity to one value (default 1, i.e. all events count
 * as ON), for networks with a single input channel. `{ to: 0 }` sets all to 0 (tonic's choice);
 * `{ to: 'keep' }` keeps the polarities (a plain copy), so a pipeline can switch merging off
 * without changing its shape.
 *
 * Reference: tonic's `MergePolarities`.
 */
import { UsageError } from '../../errors.js';
import { allocBatch, makeBatch, type EventBatch } from '../types.js';

export interface MergePolarityOptions {
  /** The polarity every event gets, or 'keep'. Default 1. */
  readonly to?: 0 | 1 | 'keep';
}

export function mergePolarity(batch: EventBatch, opts: MergePolarityOptions = {}): EventBatch {
  const to = opts.to ?? 1;
  if (to !== 0 && to !== 1 && to !== 'keep') {
    throw new UsageError(`mergePolarity: to must be 0, 1 or 'keep', got ${String(to)}`);
  }
  const n = batch.length;
  const out = allocBatch(n);
  out.t.set(batch.t.subarray(0, n));
  out.x.set(batch.x.subarray(0, n));
  out.y.set(batch.y.subarray(0, n));
  if (to === 'keep') out.p.set(batch.p.subarray(0, n));
  else out.p.fill(to);
  return makeBatch(out, n);
}
