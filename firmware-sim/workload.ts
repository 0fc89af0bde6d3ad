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
import type { EventBatch } from '../host/events/types.js';
import type { Counters } from '../host/runtime/abi.js';
import type { Runtime } from '../host/runtime/runtime.js';
import { addCounters, zeroCounters, type Workload } from './cycles.js';

export interface Executor {
  readonly rt: Runtime;
  /** Runs the events (network steps); returns the steps run. */
  run(events: EventBatch, learn: boolean): number;
  readoutLearn(label: number): void;
  readoutPredict(): void;
  /** net_run invocations so far. */
  readonly netRunCalls: number;
}

export class RuntimeExecutor implements Executor {
  netRunCalls = 0;
  constructor(readonly rt: Runtime) {}
  run(events: EventBatch, learn: boolean): number {
    const steps = this.rt.run(events, { learn });
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
  const netRunStart = exec.netRunCalls;
  for (const s of samples) {
    const sampleStart = rt.counters();
    let c = rt.counters();
    rt.resetState();
    rt.setTeacher(null);
    stepsInfer += exec.run(s.events, false);
    infer = addCounters(infer, delta(rt, c));
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
      try {
        stepsLearn += exec.run(s.events, true);
      } finally {
        rt.setTeacher(null);
      }
      learnC = addCounters(learnC, delta(rt, c));
    }
    perSample.push(delta(rt, sampleStart));
    const n = s.events.length;
    durations.push(n > 0 ? s.events.t[n - 1] - Math.min(s.events.t[0], 0) : 0);
    events.push(n);
  }
  return {
    workload: {
      samples: samples.length,
      infer: { steps: stepsInfer, counters: infer },
      learn: { steps: stepsLearn, counters: learnC },
      readout: { predictCalls, learnCalls, counters: readout },
      netRunCalls: exec.netRunCalls - netRunStart,
    },
    sampleDurationsUs: durations,
    eventsPerSample: events,
    perSample,
  };
}
