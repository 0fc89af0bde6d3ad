/**
 * End-to-end check of the cycle model's first step: run a whole model on the counting build of
 * the kernels (instrument.ts) and compare the executed instructions with what the model predicts
 * from the runtime counters alone (cycles.ts estimateInstructions).
 *
 * The counting instance is created over the memory of an ordinary Runtime, so parameters,
 * program, weights, counters and PRNG are exactly the runtime's; only the kernels that execute are
 * the counting twins. The event binning of Runtime.run is repeated here (without its buffer-
 * overflow handling: a step with more events than the input buffer is an error in this check).
 */
import { readFileSync } from 'node:fs';
import type { EventBatch } from '../../host/events/types.js';
import { wasmPath, type KernelBuild } from '../../host/runtime/kernels.js';
import type { Runtime } from '../../host/runtime/runtime.js';
import { estimateInstructions, type Workload } from '../cycles.js';
import { runWorkload, type Executor, type Sample, type StepWindow } from '../workload.js';
import type { BuildTable } from './derive.js';
import { diffCounts, instrumentWasm, readCounts, sumCounts, type ClassVector, type InstrumentResult } from './instrument.js';

type Fn = (...a: number[]) => number;

export class CountingExecutor implements Executor {
  netRunCalls = 0;
  private readonly ex: Record<string, Fn>;
  private readonly raw: WebAssembly.Exports;

  constructor(readonly rt: Runtime, private readonly inst: InstrumentResult) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(inst.binary as Uint8Array<ArrayBuffer>), {
      env: { memory: rt.memory, abort: () => { throw new Error('kernel abort'); } },
    });
    this.raw = instance.exports;
    this.ex = instance.exports as unknown as Record<string, Fn>;
    this.ex.counters_bind(rt.abs(rt.plan.counters));
  }

  counts(): ClassVector {
    return sumCounts(readCounts(this.raw, this.inst.functions));
  }

  perFunction(): Record<string, ClassVector> {
    return readCounts(this.raw, this.inst.functions);
  }

  run(batch: EventBatch, learn: boolean, window?: StepWindow): number {
    const rt = this.rt;
    const plan = rt.plan;
    const { width, height, polarity } = plan.spec.input;
    const plane = width * height;
    const dtUs = plan.dtUs;
    const n = batch.length;
    const start = window?.startUs ?? 0;
    const total = window ? window.steps : n > 0 ? Math.max(0, Math.floor((batch.t[n - 1] - start) / dtUs) + 1) : 0;
    const u32 = new Uint32Array(rt.memory.buffer);
    const offBase = rt.abs(plan.input.offsets) >> 2;
    const idxBase = rt.abs(plan.input.indices) >> 2;
    const phase = learn ? 3 : 1;
    const inRange = (i: number) => batch.x[i] < width && batch.y[i] < height;
    let e = 0;
    while (e < n && batch.t[e] < start) e++;
    let stepBase = 0;
    while (stepBase < total) {
      // Fill the input buffer step by step; a chunk ends before the step that would overflow it.
      let k = 0;
      let nSteps = 0;
      u32[offBase] = 0;
      while (nSteps < plan.input.maxSteps && stepBase + nSteps < total) {
        const end = start + (stepBase + nSteps + 1) * dtUs;
        let j = e;
        let need = 0;
        while (j < n && batch.t[j] < end) { if (inRange(j)) need++; j++; }
        if (k + need > plan.input.maxEvents) {
          if (nSteps === 0) throw new Error('validate: one step holds more events than the input buffer');
          break;
        }
        for (; e < j; e++) {
          if (inRange(e)) u32[idxBase + k++] = (polarity === 'split' && batch.p[e] === 1 ? plane : 0) + batch.y[e] * width + batch.x[e];
        }
        nSteps++;
        u32[offBase + nSteps] = k;
      }
      this.ex.net_run(rt.abs(plan.program), plan.ops.length, nSteps, phase, rt.abs(plan.clock));
      this.netRunCalls++;
      stepBase += nSteps;
    }
    return total;
  }

  readoutLearn(label: number): void {
    const r = this.rt.plan.readout!;
    const a = (o: number) => this.rt.abs(o);
    this.ex.readout_learn_f32(a(r.weights), r.nFeat, r.nClass, a(r.features), label, r.learningRate, a(r.scores), a(r.err));
  }

  readoutPredict(): void {
    const r = this.rt.plan.readout!;
    const a = (o: number) => this.rt.abs(o);
    this.ex.readout_predict_f32(a(r.weights), r.nFeat, r.nClass, a(r.features), a(r.scores));
  }
}

export interface ValidationResult {
  readonly workload: Workload;
  readonly measured: ClassVector;
  readonly predicted: ClassVector;
  /** (predicted - measured) / measured, total instructions. */
  readonly relativeError: number;
  readonly measuredByFunction: Record<string, ClassVector>;
}

/** Runs `samples` on the counting build over `rt`'s memory and compares. */
export function validateOnRuntime(rt: Runtime, table: BuildTable, samples: readonly Sample[], learn = true): ValidationResult {
  const build: KernelBuild = rt.build;
  const inst = instrumentWasm(readFileSync(wasmPath(build)));
  const exec = new CountingExecutor(rt, inst);
  const before = exec.perFunction();
  const res = runWorkload(exec, samples, { learn });
  const byFunction = diffCounts(before, exec.perFunction());
  const measured = sumCounts(byFunction);
  const predicted = estimateInstructions(rt.plan, res.workload, table).total;
  const tot = (v: ClassVector) => Object.values(v).reduce((s, x) => s + x, 0);
  return {
    workload: res.workload,
    measured,
    predicted,
    relativeError: (tot(predicted) - tot(measured)) / tot(measured),
    measuredByFunction: byFunction,
  };
}
