/**
 * Online learning in the page, one sample at a time, test-then-train: each labelled sample first
 * runs free (no teacher, no plasticity) and the readout predicts its class from the spike counts;
 * that prediction is scored, then the readout takes one delta-rule step towards the label (the
 * kernel returns the prediction made before the update, so scoring and learning are one call),
 * and, if the model has plasticity, the sample runs again with the teacher and plasticity on.
 * Running accuracy is therefore prequential: every sample is predicted before anything learned
 * from it. The readout uses the spec's learning rate (the page cannot search rates after the
 * fact without keeping every sample's features).
 *
 * DOM-free, so the same code runs in the worker and could run in Node.
 *
 * Raster capture: to see when each neuron fired, a sample's free run can be split into one
 * Runtime.run call per step (each with that step's events and startUs at the step's start)
 * and the population's spike counts compared after each step. The runtime already cuts long
 * samples into several kernel calls, so the learned state is the same bit for bit either way;
 * the browser test checks this against an in-process runtime that never splits.
 */
import type { EventBatch } from '../host/events/types.js';
import type { Plan } from '../host/plan/plan.js';
import { PHASE_LEARN } from '../host/runtime/abi.js';
import type { Runtime } from '../host/runtime/runtime.js';
import { presentSample } from '../host/learn/online.js';
import type { Raster } from './protocol.js';

/** At most this many spikes are kept per raster (a denser raster would not show more). */
const MAX_RASTER_SPIKES = 200_000;

export interface SampleOutcome {
  readonly predicted: number | null;
  readonly correct: boolean | null;
  readonly steps: number;
}

/** FNV-1a offset basis: the fingerprint of no predictions. */
export const FINGERPRINT_START = 0x811c9dc5;

/** Adds one prediction (null: 255) to a 32-bit FNV-1a fingerprint of a run's predictions. */
export function fingerprintStep(h: number, predicted: number | null): number {
  return Math.imul(h ^ (predicted ?? 255), 0x01000193) >>> 0;
}

/** The population shown in the raster: the one the readout reads, else the first. */
export function rasterPopulation(plan: Plan): string | null {
  const r = plan.readout;
  const pops = plan.populations;
  return r && pops.some((p) => p.name === r.from) ? r.from : (pops[0]?.name ?? null);
}

export class LearningSession {
  readonly plastic: boolean;
  readonly rasterPopulation: string | null;

  constructor(readonly rt: Runtime) {
    this.plastic = rt.plan.ops.some((o) => (o.phase & PHASE_LEARN) !== 0);
    this.rasterPopulation = rasterPopulation(rt.plan);
  }

  /** One sample; `label` null only runs it (and predicts if the model has a readout). */
  observe(events: EventBatch, label: number | null, raster: ((r: Raster) => void) | null): SampleOutcome {
    const rt = this.rt;
    const nClass = rt.plan.readout?.nClass ?? 0;
    let steps: number;
    if (raster && this.rasterPopulation !== null) {
      rt.resetState();
      rt.setTeacher(null);
      const r = this.runStepwise(events, this.rasterPopulation);
      steps = r.steps;
      raster(r);
    } else {
      steps = presentSample(rt, events, { learn: false });
    }
    if (nClass === 0) return { predicted: null, correct: null, steps };
    if (label === null) return { predicted: rt.readoutPredict(), correct: null, steps };
    const predicted = rt.readoutLearn(label);
    if (this.plastic) steps += presentSample(rt, events, { learn: true, teacher: label });
    return { predicted, correct: predicted === label, steps };
  }

  /** The free run split into one call per step, recording which neurons of `pop` spiked when. */
  private runStepwise(events: EventBatch, pop: string): Raster {
    const rt = this.rt;
    const dtUs = rt.plan.dtUs;
    const n = events.length;
    const total = n > 0 ? Math.max(0, Math.floor(events.t[n - 1] / dtUs) + 1) : 0;
    const counts = rt.population(pop).counts;
    const prev = new Float32Array(counts.length);
    const spikes: number[] = [];
    let e = 0;
    for (let s = 0; s < total; s++) {
      const end = (s + 1) * dtUs;
      const e0 = e;
      while (e < n && events.t[e] < end) e++;
      const step: EventBatch = {
        length: e - e0,
        t: events.t.subarray(e0, e),
        x: events.x.subarray(e0, e),
        y: events.y.subarray(e0, e),
        p: events.p.subarray(e0, e),
      };
      rt.run(step, { startUs: s * dtUs, steps: 1, learn: false });
      for (let j = 0; j < counts.length; j++) {
        if (counts[j] !== prev[j]) {
          if (spikes.length < 2 * MAX_RASTER_SPIKES) spikes.push(s, j);
          prev[j] = counts[j];
        }
      }
    }
    const nIn = Math.min(n, MAX_RASTER_SPIKES);
    const inEvents = new Uint32Array(2 * nIn);
    for (let i = 0; i < nIn; i++) {
      inEvents[2 * i] = Math.floor(events.t[i] / dtUs);
      inEvents[2 * i + 1] = events.y[i];
    }
    return {
      title: `population "${pop}" (${counts.length} neurons)`,
      rows: counts.length,
      steps: total,
      stepMs: dtUs / 1000,
      count: spikes.length / 2,
      spikes: Uint32Array.from(spikes),
      polarity: null,
      input: { rows: rt.plan.spec.input.height, events: inEvents, polarity: events.p.slice(0, nIn) },
    };
  }
}

/** An input-event raster (time x row) for a recording of any geometry: row y, polarity kept. */
export class EventRaster {
  private readonly pairs: number[] = [];
  private readonly pol: number[] = [];
  private t0: number | null = null;
  private maxRow = 0;
  total = 0;
  lastT = 0;

  constructor(
    private readonly binUs: number,
    private readonly maxBins: number,
    private readonly maxEvents = MAX_RASTER_SPIKES,
  ) {}

  push(b: EventBatch): void {
    for (let i = 0; i < b.length; i++) {
      const t = b.t[i];
      this.t0 ??= t;
      this.lastT = t;
      this.total++;
      const bin = Math.floor((t - this.t0) / this.binUs);
      if (bin >= this.maxBins || this.pol.length >= this.maxEvents) continue;
      this.pairs.push(bin, b.y[i]);
      this.pol.push(b.p[i]);
      if (b.y[i] > this.maxRow) this.maxRow = b.y[i];
    }
  }

  get durationUs(): number {
    return this.t0 === null ? 0 : this.lastT - this.t0;
  }

  raster(title: string, rows: number | null): Raster {
    const steps = this.pairs.length === 0 ? 0 : Math.min(this.maxBins, Math.floor(this.durationUs / this.binUs) + 1);
    return {
      title,
      rows: rows ?? this.maxRow + 1,
      steps,
      stepMs: this.binUs / 1000,
      count: this.pol.length,
      spikes: Uint32Array.from(this.pairs),
      polarity: Uint8Array.from(this.pol),
      input: null,
    };
  }
}
