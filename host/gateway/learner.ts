/**
 * One sensor's learner: turns the decoded message stream (events + sample boundaries) into
 * samples for one Runtime, online and in arrival order.
 *
 * - Samples: a 'begin' record opens a sample (with its label, or unlabelled), 'end' closes it. An
 *   unlabelled stream without records is cut into windows of `windowMs` from its first event.
 * - Time: event times are sensor microseconds; a sample's steps start at its begin time. Steps
 *   run as soon as they are complete (an event in a later step has arrived), so the network keeps
 *   pace with the stream and an early decision can be made in the middle of a sample.
 * - Input model: events are pooled by the configured factors from the sensor geometry to the
 *   model's input before they reach the runtime: x' = floor(x / factorX), as
 *   host/events/transforms/downsample does, computed while appending; with a refractory window the
 *   downsample transform itself runs on each batch.
 * - Learning: at a labelled sample's end the readout makes its prediction and then learns the label
 *   (test-then-train, the prequential accuracy reported is honest); with `plasticity` the sample is
 *   then replayed from rest with the teacher and plasticity on, as OnlineLearner does offline.
 * - Early decisions: after `minEvents` events of a sample, the readout's scores on the spike counts
 *   so far give softmax(sharpness * scores); when the top class's probability reaches `confidence`
 *   the sample is decided early (once), with the sensor time it took.
 * Bad events (malformed word, outside the sensor, out of time order, before the sample, beyond
 * maxSampleMs) are counted by reason and skipped; nothing here throws on stream content.
 */
import { downsample } from '../events/transforms/downsample.js';
import { allocBatch, makeBatch, type EventBatch } from '../events/types.js';
import { presentSample } from '../learn/online.js';
import type { Runtime } from '../runtime/runtime.js';
import type { SensorConfig } from './config.js';
import type { Marker } from './protocol.js';

export type LearnerDropReason = 'bad_event' | 'out_of_range' | 'out_of_order' | 'before_sample' | 'sample_too_long';
export const LEARNER_DROP_REASONS: readonly LearnerDropReason[] = ['bad_event', 'out_of_range', 'out_of_order', 'before_sample', 'sample_too_long'];

/** Upper bounds (seconds) of the decision-latency histogram buckets (sensor time). */
export const DECISION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Decision {
  /** Predicted class and its softmax probability. */
  predicted: number;
  confidence: number;
  /** Decided before the sample's end. */
  early: boolean;
  /** Sensor time from the sample's begin to the decision, ms. */
  latencyMs: number;
  /** Events of the sample seen when deciding. */
  events: number;
  /** The sample's label, when known. */
  label: number | null;
  /** Sensor time (µs) of the sample's begin. */
  sampleStartUs: number;
}

/** What the gateway persists beside each checkpoint and reports in status. */
export interface LearnerMeta {
  samplesLearned: number;
  samplesPredicted: number;
  correct: number;
  earlyDecisions: number;
  earlyCorrect: number;
  /** Labelled samples learned per class (the weights of a fleet merge). */
  classCounts: number[];
  /** +1 on every change of the readout (learned sample, merge, upload). */
  version: number;
}

export interface LearnerStats {
  meta: LearnerMeta;
  eventsProcessed: number;
  dropped: Record<LearnerDropReason, number>;
  /** Events the runtime itself dropped (outside its input, or beyond its per-step buffer). */
  modelDropped: number;
  plasticitySkipped: number;
  orphanEnds: number;
  decisionBuckets: number[];
  decisionCount: number;
  decisionSumSeconds: number;
  lastDecisions: Decision[];
  sampleOpen: boolean;
}

export type LearnerOptions = Pick<SensorConfig, 'width' | 'height' | 'downsample' | 'windowMs' | 'maxSampleMs' | 'plasticity' | 'maxSampleEvents' | 'readoutLearningRate' | 'earlyDecision'>;

const LAST_DECISIONS = 16;

interface Sample {
  t0: number;
  label: number | null;
  explicit: boolean;
  /** Steps run so far. */
  cursor: number;
  events: number;
  lastRel: number;
  decided: boolean;
}

export function emptyMeta(nClass: number): LearnerMeta {
  return { samplesLearned: 0, samplesPredicted: 0, correct: 0, earlyDecisions: 0, earlyCorrect: 0, classCounts: new Array<number>(nClass).fill(0), version: 0 };
}

export class SensorLearner {
  private pend = allocBatch(4096);
  private nPend = 0;
  private replay = allocBatch(4096);
  private nReplay = 0;
  private replayOverflow = false;
  private sample: Sample | null = null;
  private lastT = -1;
  private readonly windowUs: number;
  private readonly maxSampleUs: number;
  private readonly nClass: number;
  private readonly plastic: boolean;
  /** Pool while appending (plain integer division); with a refractory window the transform runs per batch. */
  private readonly poolInline: boolean;
  meta: LearnerMeta;
  readonly stats: Omit<LearnerStats, 'meta' | 'modelDropped' | 'sampleOpen'>;

  constructor(
    public rt: Runtime,
    readonly opts: LearnerOptions,
    meta?: LearnerMeta,
  ) {
    const r = rt.plan.readout;
    if (!r) throw new Error(`model "${rt.plan.spec.name}" has no readout`);
    this.nClass = r.nClass;
    this.windowUs = opts.windowMs * 1000;
    this.maxSampleUs = opts.maxSampleMs * 1000;
    this.plastic = opts.plasticity && rt.plan.ops.some((o) => o.phase !== 1);
    this.poolInline = opts.downsample.refractoryUs === undefined;
    this.meta = meta && meta.classCounts.length === r.nClass ? meta : emptyMeta(r.nClass);
    this.stats = {
      eventsProcessed: 0,
      dropped: { bad_event: 0, out_of_range: 0, out_of_order: 0, before_sample: 0, sample_too_long: 0 },
      plasticitySkipped: 0,
      orphanEnds: 0,
      decisionBuckets: new Array<number>(DECISION_BUCKETS.length).fill(0),
      decisionCount: 0,
      decisionSumSeconds: 0,
      lastDecisions: [],
    };
  }

  /** A new runtime (an uploaded checkpoint): the open sample is abandoned, statistics kept. */
  replaceRuntime(rt: Runtime, meta?: LearnerMeta): void {
    this.rt.dispose();
    this.rt = rt;
    this.sample = null;
    this.nPend = 0;
    if (meta) this.meta = meta;
    this.meta.version++;
  }

  /**
   * Processes `n` events given as (address word, time) pairs in `words`, with the sample
   * markers of the same messages (`at` = index of the first event after the marker).
   */
  process(words: Uint32Array, n: number, markers: readonly Marker[]): void {
    let m = 0;
    let i = 0;
    for (;;) {
      while (m < markers.length && markers[m].at <= i) this.marker(markers[m++]);
      const end = m < markers.length ? Math.min(n, markers[m].at) : n;
      if (i < end) {
        this.events(words, i, end);
        i = end;
      } else if (m >= markers.length) break;
      else i = markers[m].at; // a marker placed beyond the last event: take it at the end
    }
    if (this.sample) {
      this.runPending(false);
      this.maybeDecideEarly();
    }
  }

  /** Events [from, to) of `words`: checked and appended to the open sample (the hot loop). */
  private events(words: Uint32Array, from: number, to: number): void {
    const dropped = this.stats.dropped;
    const width = this.opts.width;
    const height = this.opts.height;
    // Pooling inline is downsample()'s x' = floor(x / factorX) without its per-batch copy.
    const fx = this.poolInline ? this.opts.downsample.factorX : 1;
    const fy = this.poolInline ? this.opts.downsample.factorY : 1;
    while (this.nPend + (to - from) > this.pend.t.length) this.pend = grow(this.pend, this.nPend);
    const { t: pt, x: px, y: py, p: pp } = this.pend;
    let lastT = this.lastT;
    let k = this.nPend;
    let s = this.sample;
    let inSample = 0; // accepted into the open sample since it was loaded here
    let total = 0;
    for (let i = from; i < to; i++) {
      const w = words[2 * i];
      const t = words[2 * i + 1];
      if (w & 0x80000000) { dropped.bad_event++; continue; }
      const x = (w >>> 16) & 0x7fff;
      const y = w & 0x7fff;
      if (x >= width || y >= height) { dropped.out_of_range++; continue; }
      if (t < lastT) { dropped.out_of_order++; continue; }
      if (s === null || (!s.explicit && t - s.t0 >= this.windowUs)) {
        // Window boundary: close the open window (its events are pend[0, k)), open the next.
        if (s !== null) {
          s.events += inSample;
          if (inSample > 0) s.lastRel = pt[k - 1];
          this.nPend = k;
          this.endSample(null);
        }
        s = this.begin(t, null, false);
        k = 0;
        inSample = 0;
      }
      if (t < s.t0) { dropped.before_sample++; continue; }
      const rel = t - s.t0;
      if (rel >= this.maxSampleUs) { dropped.sample_too_long++; continue; }
      lastT = t;
      pt[k] = rel;
      px[k] = fx === 1 ? x : (x / fx) | 0;
      py[k] = fy === 1 ? y : (y / fy) | 0;
      pp[k] = (w >>> 15) & 1;
      k++;
      inSample++;
      total++;
    }
    this.lastT = lastT;
    this.nPend = k;
    if (s !== null) {
      s.events += inSample;
      if (inSample > 0) s.lastRel = pt[k - 1];
    }
    this.stats.eventsProcessed += total;
  }

  private marker(mk: Marker): void {
    if (mk.label !== null && mk.label >= this.nClass) return; // refused upstream; defensive
    if (mk.kind === 'begin') {
      if (this.sample) this.endSample(null);
      this.begin(mk.t, mk.label, true);
    } else {
      if (!this.sample || !this.sample.explicit) {
        this.stats.orphanEnds++;
        return;
      }
      this.endSample(mk.label);
    }
  }

  private begin(t0: number, label: number | null, explicit: boolean): Sample {
    this.rt.resetState();
    this.nPend = 0;
    this.nReplay = 0;
    this.replayOverflow = false;
    this.sample = { t0, label, explicit, cursor: 0, events: 0, lastRel: 0, decided: false };
    return this.sample;
  }

  /** Runs the complete steps among the pending events (all of them when `final`). */
  private runPending(final: boolean): void {
    const s = this.sample!;
    const dtUs = this.rt.plan.dtUs;
    if (this.nPend === 0) return;
    const lastStep = Math.floor(this.pend.t[this.nPend - 1] / dtUs);
    const upTo = final ? lastStep + 1 : lastStep;
    const steps = upTo - s.cursor;
    if (steps <= 0) return;
    const endUs = upTo * dtUs;
    let k = 0;
    while (k < this.nPend && this.pend.t[k] < endUs) k++;
    const raw = makeBatch(this.pend, k);
    const { factorX, factorY, refractoryUs } = this.opts.downsample;
    const pooled = this.poolInline ? raw : downsample(raw, { width: this.opts.width, height: this.opts.height }, { factorX, factorY, refractoryUs });
    this.rt.run(pooled, { startUs: s.cursor * dtUs, steps });
    s.cursor = upTo;
    if (this.plastic && s.label !== null) this.keepForReplay(pooled);
    const rest = this.nPend - k;
    if (rest > 0) {
      this.pend.t.copyWithin(0, k, this.nPend);
      this.pend.x.copyWithin(0, k, this.nPend);
      this.pend.y.copyWithin(0, k, this.nPend);
      this.pend.p.copyWithin(0, k, this.nPend);
    }
    this.nPend = rest;
  }

  private keepForReplay(b: EventBatch): void {
    if (this.replayOverflow) return;
    if (this.nReplay + b.length > this.opts.maxSampleEvents) {
      this.replayOverflow = true;
      return;
    }
    while (this.nReplay + b.length > this.replay.t.length) this.replay = grow(this.replay, this.nReplay);
    this.replay.t.set(b.t.subarray(0, b.length), this.nReplay);
    this.replay.x.set(b.x.subarray(0, b.length), this.nReplay);
    this.replay.y.set(b.y.subarray(0, b.length), this.nReplay);
    this.replay.p.set(b.p.subarray(0, b.length), this.nReplay);
    this.nReplay += b.length;
  }

  private confidence(scores: Float32Array, sharpness: number): { predicted: number; confidence: number } {
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    let sum = 0;
    for (let c = 0; c < scores.length; c++) sum += Math.exp(sharpness * (scores[c] - scores[best]));
    return { predicted: best, confidence: 1 / sum };
  }

  private maybeDecideEarly(): void {
    const s = this.sample!;
    const ed = this.opts.earlyDecision;
    if (s.decided || s.events < ed.minEvents) return;
    this.rt.readoutPredict();
    const c = this.confidence(this.rt.readoutScores(), ed.sharpness);
    if (c.confidence < ed.confidence) return;
    s.decided = true;
    this.meta.earlyDecisions++;
    if (s.label !== null && c.predicted === s.label) this.meta.earlyCorrect++;
    this.record({ ...c, early: true, latencyMs: s.lastRel / 1000, events: s.events, label: s.label, sampleStartUs: s.t0 });
  }

  private record(d: Decision): void {
    const st = this.stats;
    const sec = d.latencyMs / 1000;
    let b = 0;
    while (b < DECISION_BUCKETS.length && sec > DECISION_BUCKETS[b]) b++;
    if (b < DECISION_BUCKETS.length) st.decisionBuckets[b]++;
    st.decisionCount++;
    st.decisionSumSeconds += sec;
    st.lastDecisions.push(d);
    if (st.lastDecisions.length > LAST_DECISIONS) st.lastDecisions.shift();
  }

  /** Closes the open sample: runs what is pending, predicts, learns the label if known. */
  private endSample(endLabel: number | null): void {
    const s = this.sample!;
    this.runPending(true);
    const label = endLabel ?? s.label;
    const rt = this.rt;
    let predicted: number;
    if (label !== null) {
      predicted = rt.readoutLearn(label, this.opts.readoutLearningRate);
      this.meta.samplesLearned++;
      this.meta.classCounts[label]++;
      if (predicted === label) this.meta.correct++;
      this.meta.version++;
    } else {
      predicted = rt.readoutPredict();
    }
    this.meta.samplesPredicted++;
    // readoutLearn leaves the scores it predicted with (before its update) in the scores region.
    const c = this.confidence(rt.readoutScores(), this.opts.earlyDecision.sharpness);
    if (!s.decided) this.record({ predicted, confidence: c.confidence, early: false, latencyMs: s.lastRel / 1000, events: s.events, label, sampleStartUs: s.t0 });
    if (this.plastic && label !== null && s.label === label) {
      if (this.replayOverflow) this.stats.plasticitySkipped++;
      else presentSample(rt, makeBatch(this.replay, this.nReplay), { learn: true, teacher: label });
    }
    this.sample = null;
    this.nPend = 0;
  }

  snapshot(): LearnerStats {
    return {
      ...this.stats,
      dropped: { ...this.stats.dropped },
      decisionBuckets: [...this.stats.decisionBuckets],
      lastDecisions: [...this.stats.lastDecisions],
      meta: { ...this.meta, classCounts: [...this.meta.classCounts] },
      modelDropped: this.rt.counters().eventsDropped,
      sampleOpen: this.sample !== null,
    };
  }
}

function grow(b: { t: Float64Array; x: Uint16Array; y: Uint16Array; p: Uint8Array }, used: number): { t: Float64Array; x: Uint16Array; y: Uint16Array; p: Uint8Array } {
  const g = allocBatch(Math.max(4096, b.t.length * 2));
  g.t.set(b.t.subarray(0, used));
  g.x.set(b.x.subarray(0, used));
  g.y.set(b.y.subarray(0, used));
  g.p.set(b.p.subarray(0, used));
  return g;
}
