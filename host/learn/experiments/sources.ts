/**
 * Sample sources for the experiments: an event transform applied in front of a source (the
 * firmware's pre-processing, e.g. 2x2 pooling, done per event before the arena sees it), and an
 * in-memory source of emulated events.
 */
import { downsample } from '../../events/transforms/downsample.js';
import type { EventBatch, SensorGeometry } from '../../events/types.js';
import { UsageError } from '../../errors.js';
import type { ModelSpec } from '../../spec/types.js';
import type { SampleSource } from '../online.js';

/** A source whose events pass through `fn` (computed on first use and kept). */
export class MappedSource implements SampleSource {
  private readonly cache = new Map<number, EventBatch>();
  constructor(
    readonly inner: SampleSource,
    private readonly fn: (ev: EventBatch, i: number) => EventBatch,
    private readonly keep = true,
  ) {}
  get count(): number {
    return this.inner.count;
  }
  events(i: number): EventBatch {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const ev = this.fn(this.inner.events(i), i);
    if (this.keep) this.cache.set(i, ev);
    return ev;
  }
  label(i: number): number {
    return this.inner.label(i);
  }
}

/** Integer spatial pooling of a source's events (x' = floor(x / factor), same for y). */
export function pooledSource(inner: SampleSource, geometry: SensorGeometry, factor: number): MappedSource {
  return new MappedSource(inner, (ev) => downsample(ev, geometry, { factorX: factor }));
}

/**
 * The source as a model sees it: a model whose input is the sensor divided by an integer factor
 * (`ceil(sensor / factor)` in both axes, e.g. 17x17 for N-MNIST's 34x34) gets the events pooled by
 * that factor, as its firmware does before the network; a model at the sensor's size gets them as
 * they are. Anything else is a usage error (the events would fall outside the input).
 */
export function sourceForModel(inner: SampleSource, spec: Pick<ModelSpec, 'name' | 'input'>, sensor: SensorGeometry): SampleSource {
  const { width, height } = spec.input;
  if (width === sensor.width && height === sensor.height) return inner;
  for (let f = 2; f <= Math.max(sensor.width, sensor.height); f++) {
    if (Math.ceil(sensor.width / f) === width && Math.ceil(sensor.height / f) === height) return pooledSource(inner, sensor, f);
  }
  throw new UsageError(`model "${spec.name}" takes ${width}x${height} input, which is not the ${sensor.width}x${sensor.height} sensor pooled by an integer factor`);
}

/** A fixed list of samples held in memory. */
export class ArraySource implements SampleSource {
  constructor(
    private readonly batches: readonly EventBatch[],
    private readonly labels: ArrayLike<number>,
  ) {}
  get count(): number {
    return this.batches.length;
  }
  events(i: number): EventBatch {
    return this.batches[i];
  }
  label(i: number): number {
    return this.labels[i];
  }
}
