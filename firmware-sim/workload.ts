/**
 * Runs a model the way firmware would run it on a device, one sample at a time, and records the
 * runtime's counters separately for each kind of work (network steps without plasticity, with
 * plasticity, readout calls). The firmware simulator only needs these counters and the Plan.
 *
 * The on-device loop per sample (learning on):
 *   1. reset the network state, run the sample's events with plasticity off (the prediction pass)
 *   2. readout_learn: predict from the spike counts, then one delta-rule step towards the label
 *   3. if the model has plasticity: reset, run the events again with the teacher and plasticity on
 * With learning off: step 1, then readout_predict.
 *
 * An Executor runs the kernels: the real runtime (RuntimeExecutor), or the counting build used to
 * check the cycle model (instr/validate.ts), over the same runtime memory.
 */
import { TESS_TRACE_FLOOR } from '../host/plan/rules.js';
import type { EventBatch } from '../host/events/types.js';
import type { Plan, ProjectionLayout } from '../host/plan/plan.js';
import type { Counters } from '../host/runtime/abi.js';
import type { Runtime } from '../host/runtime/runtime.js';
import { addCounters, zeroCounters, type Workload } from './cycles.js';

/** A window of steps: events binned from startUs, exactly `steps` steps run. */
export interface StepWindow {
  readonly startUs: number;
  readonly steps: number;
}

export interface Executor {
  readonly rt: Runtime;
  /** Runs the events (network steps), all of them or one window; returns the steps run. */
  run(events: EventBatch, learn: boolean, window?: StepWindow): number;
  readoutLearn(label: number): void;
  readoutPredict(): void;
  /** net_run invocations so far. */
  readonly netRunCalls: number;
}

export class RuntimeExecutor implements Executor {
  netRunCalls = 0;
  constructor(readonly rt: Runtime) {}
  run(events: EventBatch, learn: boolean, window?: StepWindow): number {
    const steps = this.rt.run(events, { learn, ...(window ? { startUs: window.startUs, steps: window.steps } : {}) });
    this.netRunCalls += Math.ceil(steps / this.rt.plan.input.maxSteps);
    return steps;
  }
  readoutLearn(label: number): void {
    this.rt.readoutLearn(label);
  }
  readoutPredict(): void {
    this.rt.readoutPredict();
  }
}

export interface Sample {
  readonly events: EventBatch;
  readonly label: number;
}

export interface WorkloadResult {
  readonly workload: Workload;
  /** Duration of each sample's event stream (first to last event), µs. */
  readonly sampleDurationsUs: readonly number[];
  readonly eventsPerSample: readonly number[];
  /** Per-sample counters of the whole sample (all phases), for the real-time model. */
  readonly perSample: readonly Counters[];
}

export interface WorkloadOptions {
  /** Run plasticity and readout learning (default true). */
  learn?: boolean;
}

function delta(rt: Runtime, before: Counters): Counters {
  return addCounters(rt.counters(), before, -1);
}

/** Spikes of each population since its spike counts were last reset (Runtime.resetState). */
function populationSpikes(rt: Runtime): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of rt.plan.populations) out[p.name] = rt.population(p.name).counts.reduce((a, b) => a + b, 0);
  return out;
}

function addInto(acc: Record<string, number>, x: Record<string, number>): void {
  for (const [k, v] of Object.entries(x)) acc[k] = (acc[k] ?? 0) + v;
}

/** Trace time constant (ms) of the presynaptic trace a projection's post pathway reads, or null. */
function preTraceTauMs(plan: Plan, pr: ProjectionLayout): number | null {
  const ps = plan.spec.projections[pr.index].plasticity;
  if (!ps) return null;
  return ps.rule === 'stdp-triplet' ? ps.tauPlusMs : (ps as { tauPreMs: number }).tauPreMs;
}

/**
 * Projections whose post pathway skips synapses with a zero presynaptic change (every rule but
 * pair STDP with a trace offset): their cost depends on how many presynaptic traces are non-zero
 * when a postsynaptic neuron spikes.
 */
export function skippingProjections(plan: Plan): ProjectionLayout[] {
  return plan.projections.filter((pr) => {
    const ps = plan.spec.projections[pr.index].plasticity;
    // The tempotron has no trace-gated pathway (its snapshots walk every row).
    return ps !== undefined && ps.rule !== 'tempotron' && !(ps.rule === 'stdp-pair' && (ps.xOffset ?? 0) !== 0);
  });
}

/** Traces are flushed to 0 below this (the Plan's TRACE_FLOOR for every rule but TESS's). */
const TRACE_FLOOR = 1e-30;

/** The flush floor of a projection's presynaptic trace. */
function preTraceFloor(plan: Plan, pr: ProjectionLayout): number {
  return plan.spec.projections[pr.index].plasticity?.rule === 'tess' ? TESS_TRACE_FLOOR : TRACE_FLOOR;
}

/** Steps after its last event until a unit impulse of a trace with this time constant is flushed to 0. */
export function traceWindowSteps(dtMs: number, tauMs: number, floor = TRACE_FLOOR): number {
  return Math.max(1, Math.ceil(Math.log(floor) / Math.log(Math.exp(-dtMs / tauMs))));
}

/**
 * Occupancy of an input-driven presynaptic trace over one pass: for each step, the number of
 * input units whose trace is non-zero (an event within the last `windowSteps` steps, after which
 * a unit impulse has decayed below the flush floor), with events binned as Runtime.run bins them
 * (start 0, steps of dtUs).
 */
export function inputTraceOccupancy(plan: Plan, events: EventBatch, windowSteps: number): Int32Array {
  const { width, height, polarity } = plan.spec.input;
  const plane = width * height;
  const n = events.length;
  const total = n > 0 ? Math.max(0, Math.floor(events.t[n - 1] / plan.dtUs) + 1) : 0;
  const out = new Int32Array(total);
  const last = new Int32Array(plan.input.size).fill(-1);
  const queue: number[] = []; // (unit, step) pairs in event order
  let head = 0;
  let active = 0;
  let e = 0;
  for (let s = 0; s < total; s++) {
    const end = (s + 1) * plan.dtUs;
    for (; e < n && events.t[e] < end; e++) {
      if (events.t[e] < 0 || events.x[e] >= width || events.y[e] >= height) continue;
      const u = (polarity === 'split' && events.p[e] === 1 ? plane : 0) + events.y[e] * width + events.x[e];
      if (last[u] < 0) active++;
      last[u] = s;
      queue.push(u, s);
    }
    // Units whose last event is windowSteps old have decayed to 0 by now.
    while (head < queue.length && s - queue[head + 1] >= windowSteps) {
      const u = queue[head];
      if (last[u] === queue[head + 1]) { active--; last[u] = -1; }
      head += 2;
    }
    out[s] = active;
  }
  return out;
}

/** Events [i0, i1) of a batch, as views. */
function sliceBatch(b: EventBatch, i0: number, i1: number): EventBatch {
  return { length: i1 - i0, t: b.t.subarray(i0, i1), x: b.x.subarray(i0, i1), y: b.y.subarray(i0, i1), p: b.p.subarray(i0, i1) };
}

/** Steps per window when the learning pass is run in windows to time its postsynaptic spikes. */
export const DENSITY_WINDOW_STEPS = 8;

/**
 * The learning pass of one sample in windows of DENSITY_WINDOW_STEPS steps. After each window,
 * every skipping projection's new postsynaptic spikes are weighted with the share of its
 * presynaptic traces that are non-zero in the window (input: from the events; a population: the
 * share of its neurons that have spiked so far in the pass, an upper bound).
 */
function runWindows(exec: Executor, events: EventBatch, skipping: readonly ProjectionLayout[], dens: Record<string, { weighted: number; post: number; occSteps: number; steps: number }>): number {
  const rt = exec.rt;
  const plan = rt.plan;
  const dtUs = plan.dtUs;
  const n = events.length;
  const total = n > 0 ? Math.max(0, Math.floor(events.t[n - 1] / dtUs) + 1) : 0;
  const occ = new Map<string, Int32Array>();
  for (const pr of skipping) {
    if (pr.from === 'input') occ.set(pr.name, inputTraceOccupancy(plan, events, traceWindowSteps(plan.spec.dtMs, preTraceTauMs(plan, pr)!, preTraceFloor(plan, pr))));
  }
  let e0 = 0;
  while (e0 < n && events.t[e0] < 0) e0++;
  let prev = populationSpikes(rt);
  let steps = 0;
  for (let s0 = 0; s0 < total; s0 += DENSITY_WINDOW_STEPS) {
    const k = Math.min(DENSITY_WINDOW_STEPS, total - s0);
    const end = (s0 + k) * dtUs;
    let e1 = e0;
    while (e1 < n && events.t[e1] < end) e1++;
    steps += exec.run(sliceBatch(events, e0, e1), true, { startUs: s0 * dtUs, steps: k });
    e0 = e1;
    const now = populationSpikes(rt);
    for (const pr of skipping) {
      let share: number;
      const o = occ.get(pr.name);
      if (o) {
        let sum = 0;
        for (let s = s0; s < s0 + k; s++) sum += o[s];
        share = sum / k / pr.nIn;
      } else {
        share = rt.population(pr.from).counts.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / pr.nIn;
      }
      const d = dens[pr.name];
      const post = now[pr.to] - prev[pr.to];
      d.weighted += post * share;
      d.post += post;
      d.occSteps += share * k;
      d.steps += k;
    }
    prev = now;
  }
  return steps;
}

/** Runs the samples through an executor and splits the counters by kind of work. */
export function runWorkload(exec: Executor, samples: readonly Sample[], opts: WorkloadOptions = {}): WorkloadResult {
  const rt = exec.rt;
  const learn = opts.learn ?? true;
  const plastic = learn && rt.plan.ops.some((o) => (o.phase & 1) === 0);
  const hasReadout = rt.plan.readout !== null;
  let infer = zeroCounters();
  let learnC = zeroCounters();
  let readout = zeroCounters();
  let stepsInfer = 0;
  let stepsLearn = 0;
  let predictCalls = 0;
  let learnCalls = 0;
  const durations: number[] = [];
  const events: number[] = [];
  const perSample: Counters[] = [];
  let netRunInfer = 0;
  let netRunLearn = 0;
  const spikesInfer: Record<string, number> = {};
  const spikesLearn: Record<string, number> = {};
  // Presynaptic trace density of the projections whose post pathways skip zero traces, weighted
  // by when their postsynaptic neurons spike: the learning pass runs in windows of a few steps
  // (same schedule, same results) and each window's spikes are paired with its trace occupancy.
  const skipping = plastic ? skippingProjections(rt.plan) : [];
  const dens: Record<string, { weighted: number; post: number; occSteps: number; steps: number }> = Object.fromEntries(skipping.map((p) => [p.name, { weighted: 0, post: 0, occSteps: 0, steps: 0 }]));
  for (const s of samples) {
    const sampleStart = rt.counters();
    let c = rt.counters();
    rt.resetState();
    rt.setTeacher(null);
    let nr = exec.netRunCalls;
    stepsInfer += exec.run(s.events, false);
    netRunInfer += exec.netRunCalls - nr;
    infer = addCounters(infer, delta(rt, c));
    addInto(spikesInfer, populationSpikes(rt));
    if (hasReadout) {
      c = rt.counters();
      if (learn) {
        exec.readoutLearn(s.label);
        learnCalls++;
      } else {
        exec.readoutPredict();
        predictCalls++;
      }
      readout = addCounters(readout, delta(rt, c));
    }
    if (plastic) {
      c = rt.counters();
      rt.resetState();
      rt.setTeacher(s.label);
      rt.setLabel(s.label); // label-driven rules (tess, tempotron), as host/learn/online.ts does
      nr = exec.netRunCalls;
      try {
        if (skipping.length === 0) {
          stepsLearn += exec.run(s.events, true);
          netRunLearn += exec.netRunCalls - nr;
        } else {
          // Firmware runs the pass in one call: count the net_run calls it would make.
          const k = runWindows(exec, s.events, skipping, dens);
          stepsLearn += k;
          netRunLearn += Math.ceil(k / rt.plan.input.maxSteps);
        }
        rt.endSample();
      } finally {
        rt.setTeacher(null);
        rt.setLabel(null);
      }
      learnC = addCounters(learnC, delta(rt, c));
      addInto(spikesLearn, populationSpikes(rt));
    }
    perSample.push(delta(rt, sampleStart));
    const n = s.events.length;
    durations.push(n > 0 ? s.events.t[n - 1] - Math.min(s.events.t[0], 0) : 0);
    events.push(n);
  }
  const preTraceDensity = Object.fromEntries(Object.entries(dens).filter(([, o]) => o.steps > 0).map(([k, o]) => [k, o.post > 0 ? o.weighted / o.post : o.occSteps / o.steps]));
  const preTraceOccupancy = Object.fromEntries(Object.entries(dens).filter(([, o]) => o.steps > 0).map(([k, o]) => [k, o.occSteps / o.steps]));
  return {
    workload: {
      samples: samples.length,
      infer: { steps: stepsInfer, counters: infer, spikesByPopulation: spikesInfer, netRunCalls: netRunInfer },
      learn: { steps: stepsLearn, counters: learnC, spikesByPopulation: spikesLearn, netRunCalls: netRunLearn },
      readout: { predictCalls, learnCalls, counters: readout },
      netRunCalls: netRunInfer + netRunLearn,
      preTraceDensity,
      preTraceOccupancy,
    },
    sampleDurationsUs: durations,
    eventsPerSample: events,
    perSample,
  };
}
