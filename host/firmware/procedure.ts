/**
 * The firmware's online-learning procedure, run in-process on a Runtime: the reference the WASI
 * image is compared against, bit for bit.
 *
 * Per labelled sample (test-then-train, as OnlineLearner.observe, with the readout learning as it
 * goes instead of from a feature log at the end; a device cannot keep every sample's features):
 *   1. a free run from rest (no teacher, no plasticity) - presentSample(learn: false);
 *   2. the readout predicts from the run's spike counts, then takes one delta-rule step towards
 *      the label with the spec's learning rate - Runtime.readoutLearn (prediction before update);
 *   3. if the schedule has plasticity ops, a second run from rest with the teacher current and
 *      plasticity on - presentSample(learn: true, teacher: label).
 */
import type { EventBatch } from '../events/types.js';
import { presentSample } from '../learn/online.js';
import { PERSISTENT_KINDS, type Plan } from '../plan/plan.js';
import { PHASE_ALWAYS } from '../runtime/abi.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import type { LabelledSample } from './framing.js';

/** True when the schedule has plasticity ops (OnlineLearner's `plastic`). */
export function hasPlasticity(plan: Plan): boolean {
  return plan.ops.some((o) => o.phase !== PHASE_ALWAYS);
}

export interface FirmwareStep {
  prediction: number;
  steps: number;
}

/** One sample through the firmware procedure (see the file comment). */
export function observeAsFirmware(rt: Runtime, events: EventBatch, label: number): FirmwareStep {
  const steps = presentSample(rt, events, { learn: false });
  const prediction = rt.readoutLearn(label);
  if (hasPlasticity(rt.plan)) presentSample(rt, events, { learn: true, teacher: label });
  return { prediction, steps };
}

/** Runs samples through a fresh Runtime over `plan` with the firmware procedure. */
export function runReference(plan: Plan, samples: Iterable<LabelledSample>, build: KernelBuild = 'simd'): { rt: Runtime; predictions: number[]; steps: number[] } {
  const rt = new Runtime(plan, build);
  const predictions: number[] = [];
  const steps: number[] = [];
  for (const s of samples) {
    const r = observeAsFirmware(rt, s.events, s.label);
    predictions.push(r.prediction);
    steps.push(r.steps);
  }
  return { rt, predictions, steps };
}

export interface RegionComparison {
  name: string;
  kind: string;
  bytes: number;
  identical: boolean;
  /** Byte offset of the first difference within the region, or null. */
  firstDifference: number | null;
  differingBytes: number;
}

export interface StateComparison {
  identical: boolean;
  stepCount: { a: number; b: number };
  regions: RegionComparison[];
}

/**
 * Compares the learned state (every persistent region: weights, neuron state incl. adaptive
 * thresholds, traces, readout, PRNG, step clock) of two runtimes over the same Plan, byte for byte.
 */
export function compareLearnedState(a: Runtime, b: Runtime): StateComparison {
  const regions: RegionComparison[] = [];
  for (const r of a.plan.regions.filter((x) => PERSISTENT_KINDS.has(x.kind))) {
    const rb = b.plan.regions.find((x) => x.name === r.name && x.bytes === r.bytes);
    const x = a.regionBytes(r);
    const y = rb ? b.regionBytes(rb) : new Uint8Array(0);
    let first: number | null = rb ? null : 0;
    let diff = rb ? 0 : r.bytes;
    if (rb) {
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) {
          if (first === null) first = i;
          diff++;
        }
      }
    }
    regions.push({ name: r.name, kind: r.kind, bytes: r.bytes, identical: diff === 0, firstDifference: first, differingBytes: diff });
  }
  return { identical: regions.every((r) => r.identical), stepCount: { a: a.stepCount, b: b.stepCount }, regions };
}
