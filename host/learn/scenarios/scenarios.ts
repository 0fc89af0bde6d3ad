/**
 * Continual-learning scenarios over a labelled event source, and the loop that fills the
 * accuracy matrix R (R[i][j] = accuracy on task j's test samples after learning tasks 0..i, one
 * online pass per task, batch 1).
 *
 * - class-incremental: five tasks of two classes each ({0,1}, {2,3}, ...); the learner predicts
 *   among all ten classes without being told the task.
 * - domain-incremental: all ten classes in every task, the sensor changes: the original events,
 *   polarity swapped, rotated 90 degrees, and with added background noise; each task learns a
 *   disjoint quarter of the training samples and is tested on all test samples in its domain.
 */
import type { EventBatch, SensorGeometry } from '../../events/types.js';
import type { ModelSpec } from '../../spec/types.js';
import { seededPermutation, Xoshiro128 } from '../../util/prng.js';
import type { SampleSource } from '../online.js';
import { MappedSource, pooledSource } from '../experiments/sources.js';
import { ContinualLearner, type LearnerConfig } from './learners.js';
import { continuumMetrics, gemMetrics, lifelongMetrics, type ContinuumMetrics, type GemMetrics, type LifelongMetrics } from '../metrics/index.js';
import { downsampledAccuracy } from './concept-shift.js';

export interface Task {
  name: string;
  /** Source of this task's samples (the domain's events). */
  source: SampleSource;
  train: number[];
  test: number[];
}

export interface Scenario {
  id: string;
  label: string;
  tasks: Task[];
}

export function classIncremental(source: SampleSource, train: readonly number[], test: readonly number[], classesPerTask = 2, classes = 10): Scenario {
  const tasks: Task[] = [];
  for (let c0 = 0; c0 < classes; c0 += classesPerTask) {
    const inTask = (i: number) => source.label(i) >= c0 && source.label(i) < c0 + classesPerTask;
    tasks.push({ name: `classes ${c0}-${c0 + classesPerTask - 1}`, source, train: train.filter(inTask), test: test.filter(inTask) });
  }
  return { id: 'class-incremental', label: `class-incremental, ${tasks.length} tasks of ${classesPerTask} classes`, tasks };
}

/** p -> 1 - p. */
export function polaritySwap(ev: EventBatch): EventBatch {
  const p = new Uint8Array(ev.length);
  for (let e = 0; e < ev.length; e++) p[e] = 1 - ev.p[e];
  return { length: ev.length, t: ev.t.slice(0, ev.length), x: ev.x.slice(0, ev.length), y: ev.y.slice(0, ev.length), p };
}

/** 90 degrees counter-clockwise on a square sensor: (x, y) -> (side - 1 - y, x). */
export function rotate90(ev: EventBatch, side: number): EventBatch {
  const x = new Uint16Array(ev.length);
  const y = new Uint16Array(ev.length);
  for (let e = 0; e < ev.length; e++) {
    x[e] = side - 1 - ev.y[e];
    y[e] = ev.x[e];
  }
  return { length: ev.length, t: ev.t.slice(0, ev.length), x, y, p: ev.p.slice(0, ev.length) };
}

/**
 * Adds sensor noise: `fraction` x the sample's event count of extra events, uniform over the
 * sensor, the sample's time span and both polarities (seeded), merged in time order.
 */
export function addNoise(ev: EventBatch, g: SensorGeometry, fraction: number, seed: number): EventBatch {
  const n = ev.length;
  const extra = Math.round(n * fraction);
  const rng = new Xoshiro128(seed);
  const t0 = n > 0 ? ev.t[0] : 0;
  const span = n > 0 ? ev.t[n - 1] - t0 : 0;
  const nt = new Float64Array(extra);
  for (let k = 0; k < extra; k++) nt[k] = Math.floor(t0 + rng.nextFloat() * span);
  const order = Array.from({ length: extra }, (_, k) => k).sort((a, b) => nt[a] - nt[b]);
  const nx = new Uint16Array(extra);
  const ny = new Uint16Array(extra);
  const np = new Uint8Array(extra);
  for (let k = 0; k < extra; k++) {
    nx[k] = rng.nextInt(g.width);
    ny[k] = rng.nextInt(g.height);
    np[k] = rng.nextInt(2);
  }
  const m = n + extra;
  const out = { length: m, t: new Float64Array(m), x: new Uint16Array(m), y: new Uint16Array(m), p: new Uint8Array(m) };
  let a = 0;
  let b = 0;
  for (let k = 0; k < m; k++) {
    if (b >= extra || (a < n && ev.t[a] <= nt[order[b]])) {
      out.t[k] = ev.t[a];
      out.x[k] = ev.x[a];
      out.y[k] = ev.y[a];
      out.p[k] = ev.p[a];
      a++;
    } else {
      const q = order[b++];
      out.t[k] = nt[q];
      out.x[k] = nx[q];
      out.y[k] = ny[q];
      out.p[k] = np[q];
    }
  }
  return out;
}

export function domainIncremental(source: SampleSource, train: readonly number[], test: readonly number[], g: SensorGeometry, seed: number): Scenario {
  const domains: { name: string; fn: ((ev: EventBatch, i: number) => EventBatch) | null }[] = [
    { name: 'original', fn: null },
    { name: 'polarity swapped', fn: (ev) => polaritySwap(ev) },
    { name: 'rotated 90°', fn: (ev) => rotate90(ev, g.width) },
    { name: 'noise (+50% events)', fn: (ev, i) => addNoise(ev, g, 0.5, (seed * 7717 + i) >>> 0) },
  ];
  const perm = seededPermutation(train.length, seed);
  const q = Math.floor(train.length / domains.length);
  const tasks = domains.map((d, k) => ({
    name: d.name,
    source: d.fn ? new MappedSource(source, d.fn) : source,
    train: Array.from(perm.subarray(k * q, (k + 1) * q), (o) => train[o]),
    test: [...test],
  }));
  return { id: 'domain-incremental', label: `domain-incremental, ${tasks.length} sensor domains`, tasks };
}

/** Pools every task's events (the MCU models' 2x2 pooling). */
export function poolScenario(s: Scenario, g: SensorGeometry, factor: number): Scenario {
  if (factor === 1) return s;
  const cache = new Map<SampleSource, SampleSource>();
  return {
    ...s,
    tasks: s.tasks.map((t) => {
      if (!cache.has(t.source)) cache.set(t.source, pooledSource(t.source, g, factor));
      return { ...t, source: cache.get(t.source)! };
    }),
  };
}

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export interface ScenarioResult {
  scenario: string;
  learner: string;
  model: string;
  tasks: string[];
  R: number[][];
  /** Accuracy of the untrained learner on each task (GEM's b). */
  b: number[];
  gem: GemMetrics;
  continuum: ContinuumMetrics;
  /** Baker et al.'s lifelong-learning suite (null when single-task experts were not run). */
  lifelong: LifelongMetrics | null;
  /** The same learner trained on all tasks' samples together (one shuffled pass), per task and mean. */
  joint: { perTask: number[]; mean: number } | null;
  /** Prequential accuracy over the training stream (trailing window, downsampled), and where tasks start. */
  stream: { window: number; points: number[]; taskStarts: number[]; length: number };
  /** After the last task: the first projection's weights, the first population's adaptive thresholds, modes. */
  histograms: Record<string, Histogram>;
  extraBytes: number;
  /** Readout rate / CLASSP eta used (chosen on the validation split when tuned). */
  readoutRate: number | null;
  seconds: number;
}

function accuracy(l: ContinualLearner, t: Task): number {
  let ok = 0;
  for (const i of t.test) if (l.predict(t.source.events(i)) === t.source.label(i)) ok++;
  return ok / Math.max(t.test.length, 1);
}

export function histogram(v: ArrayLike<number>, bins = 40): Histogram {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) continue;
    min = Math.min(min, v[i]);
    max = Math.max(max, v[i]);
  }
  if (min > max) return { min: 0, max: 0, counts: new Array<number>(bins).fill(0) };
  const counts = new Array<number>(bins).fill(0);
  const span = max - min || 1;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) counts[Math.min(bins - 1, Math.floor(((v[i] - min) / span) * bins))]++;
  return { min, max, counts };
}

function histogramsOf(l: ContinualLearner): Record<string, Histogram> {
  const out: Record<string, Histogram> = {};
  const rt = l.rt;
  const proj = rt.plan.projections[0];
  if (proj) out[`weights (${proj.name})`] = histogram(rt.weights(proj.name));
  const pop = rt.plan.populations[0];
  if (pop) out[`adaptive thresholds (${pop.name})`] = histogram(rt.population(pop.name).b);
  const m = l.modes();
  if (m) {
    out['mode gains'] = histogram(m.gain);
    out['mode thresholds'] = histogram(m.thr);
  }
  return out;
}

export interface RunScenarioOptions {
  /** Also train the joint reference (default true). */
  joint?: boolean;
  /** Also train single-task experts for Baker et al.'s suite (default true). */
  experts?: boolean;
  /** Trailing window of the stream accuracy curve (default 50). */
  window?: number;
}

/** Trains `l` on `t` in a seeded order; returns the per-sample prequential outcomes. */
function learnTask(l: ContinualLearner, t: Task, seed: number): number[] {
  const out: number[] = [];
  for (const o of seededPermutation(t.train.length, seed)) {
    const i = t.train[o];
    const y = t.source.label(i);
    out.push(l.observe(t.source.events(i), y) === y ? 1 : 0);
  }
  return out;
}

export function runScenario(s: Scenario, spec: ModelSpec, cfg: LearnerConfig, seed: number, opts: RunScenarioOptions = {}): ScenarioResult {
  const t0 = performance.now();
  const l = new ContinualLearner(spec, cfg, seed);
  const b = s.tasks.map((t) => accuracy(l, t));
  const R: number[][] = [];
  const curves: number[][] = [];
  s.tasks.forEach((t, k) => {
    l.startTask(k);
    curves.push(learnTask(l, t, (seed * 31 + k) >>> 0));
    R.push(s.tasks.map((u) => accuracy(l, u)));
  });
  const extraBytes = l.extraBytes;
  const histograms = histogramsOf(l);
  l.dispose();
  let joint: ScenarioResult['joint'] = null;
  if (opts.joint ?? true) {
    // Joint reference: one learner, all tasks' training samples in one shuffled stream (one "task").
    const j = new ContinualLearner(spec, cfg, seed);
    j.startTask(0);
    const all = s.tasks.flatMap((t) => t.train.map((i) => ({ t, i })));
    for (const o of seededPermutation(all.length, (seed * 37) >>> 0)) j.observe(all[o].t.source.events(all[o].i), all[o].t.source.label(all[o].i));
    const perTask = s.tasks.map((t) => accuracy(j, t));
    j.dispose();
    joint = { perTask, mean: perTask.reduce((a, x) => a + x, 0) / perTask.length };
  }
  let lifelong: LifelongMetrics | null = null;
  if (opts.experts ?? true) {
    // Single-task experts: a fresh learner per task, the same stream of that task only.
    const steCurves = s.tasks.map((t, k) => {
      const e = new ContinualLearner(spec, cfg, seed);
      e.startTask(0);
      const c = learnTask(e, t, (seed * 31 + k) >>> 0);
      e.dispose();
      return c;
    });
    lifelong = lifelongMetrics({ R, b, curves, steCurves });
  }
  const window = opts.window ?? 50;
  const flat = Uint8Array.from(curves.flat());
  const taskStarts: number[] = [];
  curves.reduce((a, c) => (taskStarts.push(a), a + c.length), 0);
  return {
    scenario: s.id,
    learner: cfg.id,
    model: spec.name,
    tasks: s.tasks.map((t) => t.name),
    R,
    b,
    gem: gemMetrics(R, b),
    continuum: continuumMetrics(R),
    lifelong,
    joint,
    stream: { window, points: downsampledAccuracy(flat, window, 200), taskStarts, length: flat.length },
    histograms,
    extraBytes,
    readoutRate: cfg.readout === 'delta' || cfg.readout === 'classp' ? cfg.readoutRate ?? 0.2 : null,
    seconds: (performance.now() - t0) / 1000,
  };
}
