/**
 * `neurite profile`: run a model once on the host (the counters do not depend on the device),
 * then estimate memory, cycles, time and energy on each requested device.
 *
 * Every figure is an estimate of a simulated system (NeuroBench's "Estimate" category). Cycles
 * are given as a range: the lower end is the instruction model (executed wasm instructions x the
 * per-class costs of cores.ts + memory-system stalls); the upper end multiplies it by the factor
 * kappa fitted on MLPerf Tiny keyword spotting (calibration.ts), the amount by which the same cost
 * tables under-predicted real, measured kernels there. Battery-type figures use the upper end.
 */
import { BudgetError } from '../host/errors.js';
import { planModel, type Plan } from '../host/plan/plan.js';
import { Runtime } from '../host/runtime/runtime.js';
import type { ModelSpec } from '../host/spec/types.js';
import { calibrate } from './calibration.js';
import { CORES, type ExecMode } from './cores.js';
import { coreCycles, estimateInstructions, groupTerms, stallModel, type LayerKind, type Term, type Workload } from './cycles.js';
import type { ClassVector } from './instr/instrument.js';
import { currentProfile, type CurrentProfile } from './trace.js';
import { type DeviceProfile } from './device.js';
import { energyPerSample, type EnergyReport } from './energy.js';
import { vectorTotal } from './instr/instrument.js';
import { BATTERIES, batteryLife, type BatteryReport } from './battery.js';
import { simulateRealTime, type DropPolicy, type RealTimeReport } from './realtime.js';
import { memoryReport, type MemoryReport } from './memory.js';
import { emulatedDigits, recordedSamples } from './samples.js';
import { loadInstructionTable, tableStaleness } from './table.js';
import { literatureView, neuroBenchView, type LiteratureView, type NeuroBenchView } from './views.js';
import { RuntimeExecutor, runWorkload, type Sample, type WorkloadResult } from './workload.js';

export const ESTIMATE_LABEL = 'Estimate (simulated system)';

export interface RunOptions {
  /** Samples to run (default 20). */
  readonly samples?: number;
  readonly seed?: number;
  /** N-MNIST .bin file or folder; default: emulated MNIST digits. */
  readonly data?: string;
  /** Plasticity and readout learning on (default true). */
  readonly learn?: boolean;
}

export interface ModelRun {
  readonly plan: Plan;
  readonly samples: readonly Sample[];
  readonly rt: Runtime;
  readonly result: WorkloadResult;
  readonly source: string;
  readonly learn: boolean;
}

/** Runs the model on the host and records its counters (device-independent). */
export function runModel(spec: ModelSpec, opts: RunOptions = {}, samples?: readonly Sample[]): ModelRun {
  const plan = planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER });
  const n = opts.samples ?? 20;
  const seed = opts.seed ?? 1;
  const list = samples ?? (opts.data ? recordedSamples(opts.data, n) : emulatedDigits(spec, n, seed));
  const rt = new Runtime(plan, 'simd');
  const learn = opts.learn ?? true;
  const result = runWorkload(new RuntimeExecutor(rt), list, { learn });
  const source = samples ? 'given samples' : opts.data ? `recorded events from ${opts.data}` : `emulated N-MNIST digits (MNIST through the event-camera emulator, seed ${seed})`;
  return { plan, samples: list, rt, result, source, learn };
}

export interface DeviceOptions {
  readonly mode?: ExecMode;
  readonly mhz?: number;
  readonly regulator?: string;
  readonly samplesPerHour?: number;
  readonly pageBytes?: number;
  readonly sleepMode?: string;
  readonly checkpointSlots?: number;
  /** Bounded input queue, in events (default: the Plan's input buffer). */
  readonly queueEvents?: number;
  readonly dropPolicy?: DropPolicy;
  /** Step deadline after its window closes, µs (default one step). */
  readonly deadlineUs?: number;
  /** Checkpoint every N samples, for the flash-wear figure (default 10). */
  readonly checkpointInterval?: number;
}

export interface CounterRow {
  readonly counter: string;
  readonly perSample: number;
  readonly instructionsPerSample: number;
  readonly cyclesPerSample: number;
  readonly instructionsPerOp: number;
  readonly cyclesPerOp: number;
  readonly share: number;
  readonly computeJPerSample: number;
}

export interface KernelRow {
  readonly kernel: string;
  readonly instructionsPerSample: number;
  readonly cyclesPerSample: number;
  readonly share: number;
  /** Compute energy per sample (cycles x energy per cycle), lower and upper estimate, J. */
  readonly computeJPerSample: readonly [number, number];
}

/** Cycles per sample (lower estimate, stalls included) of each phase of the on-device loop. */
export interface PhaseCycles {
  /** Prediction pass: the network run on the sample's events without plasticity. */
  readonly infer: number;
  /** Readout (host-called once per sample). */
  readonly readout: number;
  /** Plasticity pass: the network run again with the teacher and plasticity on. */
  readonly learn: number;
}

/**
 * One layer of the Plan: a population (its neuron update, winner-take-all, reset, spike counts),
 * a projection (its synaptic input and its plasticity), the input op, the readout, or the
 * interpreter's per-step loop (`schedule`). Each op's dispatch by the interpreter is charged to
 * the layer of the op.
 */
export interface LayerRow {
  readonly layer: string;
  readonly kind: LayerKind;
  /** The schedule ops (their `what`) of this layer. */
  readonly ops: readonly string[];
  readonly instructionsPerSample: number;
  readonly cyclesPerSample: number;
  readonly share: number;
  readonly computeJPerSample: readonly [number, number];
  readonly byPhase: PhaseCycles;
  /** Cycles per sample by kernel within the layer, largest first. */
  readonly byKernel: readonly { readonly kernel: string; readonly cyclesPerSample: number }[];
}

export interface DeviceReport {
  readonly label: typeof ESTIMATE_LABEL;
  readonly device: { readonly id: string; readonly name: string; readonly class: string; readonly core: string; readonly coreFamily: string; readonly mhz: number };
  readonly mode: ExecMode;
  readonly build: string;
  readonly memory: MemoryReport;
  /** Set when the model does not fit: nothing below is computed. */
  readonly refused: string | null;
  readonly cycles: null | {
    readonly instructionsPerSample: number;
    readonly isaPerSample: number;
    readonly fetchStallPerSample: number;
    readonly dataStallPerSample: number;
    readonly lowerPerSample: number;
    readonly upperPerSample: number;
    readonly kappa: number;
    readonly stallNote: string;
    readonly byKernel: readonly KernelRow[];
    readonly byCounter: readonly CounterRow[];
    readonly byLayer: readonly LayerRow[];
    readonly byPhase: PhaseCycles;
  };
  readonly time: null | {
    readonly lowerMsPerSample: number;
    readonly upperMsPerSample: number;
    readonly streamMsPerSample: number;
    /** Compute time / stream time at the upper end: > 1 cannot keep up with the stream. */
    readonly cpuLoad: number;
  };
  readonly energy: null | { readonly lower: EnergyReport; readonly upper: EnergyReport };
  /** Supply current over one sample period (upper cycle estimate, as the battery figures). */
  readonly current: CurrentProfile | null;
  /** The event stream on the simulated core (upper cycle estimate). */
  readonly realtime: RealTimeReport | null;
  /** Battery presets at the report's sample rate (upper estimate); MCUs only. */
  readonly battery: readonly BatteryReport[] | null;
  /** Checkpoint flash wear at the chosen interval (two slots, each sector erased every other checkpoint). */
  readonly checkpointWear: null | { readonly intervalSamples: number; readonly checkpointsToWearOut: number; readonly daysToWearOut: number; readonly enduranceCycles: number; readonly enduranceConfidence: string };
  readonly views: null | {
    readonly neuroBench: NeuroBenchView;
    readonly literature45nm: LiteratureView;
    readonly device: { readonly label: string; readonly energyPerSampleJ: [number, number]; readonly computeEnergyPerSampleJ: [number, number]; readonly inferencePassComputeJ: [number, number] };
  };
  readonly warnings: readonly string[];
}

export interface ProfileReport {
  readonly model: string;
  readonly label: typeof ESTIMATE_LABEL;
  readonly workload: {
    readonly source: string;
    readonly samples: number;
    readonly learn: boolean;
    readonly eventsPerSample: number;
    readonly stepsPerSample: number;
    readonly streamMsPerSample: number;
    readonly countersPerSample: Record<string, number>;
  };
  readonly arenaBytes: number;
  readonly specBudgetBytes: number | null;
  readonly devices: readonly DeviceReport[];
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Estimates one device for a model run (does not run anything). */
export function profileOnDevice(run: ModelRun | Plan, device: DeviceProfile, opts: DeviceOptions = {}): DeviceReport {
  const plan = 'plan' in run ? run.plan : run;
  const mode = opts.mode ?? 'aot';
  const family = device.core.family;
  const core = CORES[family];
  const table = loadInstructionTable().builds[core.build];
  const warnings: string[] = [];
  const stale = tableStaleness(loadInstructionTable(), core.build);
  if (stale) warnings.push(stale);
  const mhz = opts.mhz ?? device.clock.defaultMHz;
  const memory = memoryReport(plan, device, table, { mode, pageBytes: opts.pageBytes, checkpointSlots: opts.checkpointSlots });
  const base = {
    label: ESTIMATE_LABEL,
    device: { id: device.id, name: device.name, class: device.class, core: device.core.description, coreFamily: family, mhz },
    mode,
    build: core.build,
    memory,
  } as const;
  if (!memory.fits) {
    const refused = memory.overages.map((o) => `${o.budget}: needs ${o.neededBytes} B, has ${o.availableBytes} B, over by ${o.overBytes} B`).join('; ');
    return { ...base, refused, cycles: null, time: null, energy: null, current: null, realtime: null, battery: null, checkpointWear: null, views: null, warnings };
  }
  if (!('plan' in run)) throw new Error('profileOnDevice: a fitting model needs a ModelRun');
  const w: Workload = run.result.workload;
  const n = Math.max(w.samples, 1);
  const est = estimateInstructions(run.plan, w, table);
  for (const u of est.unmodelled) warnings.push(`no cost model for ${u}: charged 0 cycles`);
  const isa = coreCycles(est.total, family, mode);
  const stalls = stallModel(device, mhz, run.plan.arenaBytes);
  const all = (k: 'bytesRead' | 'bytesWritten') => w.infer.counters[k] + w.learn.counters[k] + w.readout.counters[k];
  const fetchStall = isa * stalls.fetchStallPerCycle;
  const dataStall = (all('bytesRead') + all('bytesWritten')) * stalls.dataStallPerByte;
  const lower = isa + fetchStall + dataStall;
  const kappa = calibrate().kappa;
  const upper = lower * kappa;
  const stallFactor = isa > 0 ? lower / isa : 1;

  const streamMs = mean(run.result.sampleDurationsUs) / 1e3;
  const energyOpts = { mhz, regulator: opts.regulator, samplesPerHour: opts.samplesPerHour, sleepMode: opts.sleepMode };
  const eLower = energyPerSample(device, lower / n, streamMs / 1e3, energyOpts);
  const eUpper = energyPerSample(device, upper / n, streamMs / 1e3, energyOpts);
  const jPerCycle = eLower.kind === 'mcu' ? eLower.pJPerCycle * 1e-12 : eLower.computeJ / Math.max(lower / n, 1);

  const cyc = (v: ClassVector) => coreCycles(v, family, mode) * stallFactor;
  const byKernel: KernelRow[] = [...groupTerms(est.terms, (t) => t.kernel.replace(/:.*/, ''))].map(([kernel, v]) => {
    const c = cyc(v);
    return { kernel, instructionsPerSample: vectorTotal(v) / n, cyclesPerSample: c / n, share: c / lower, computeJPerSample: [(c / n) * jPerCycle, (c / n) * jPerCycle * kappa] as const };
  }).sort((a, b) => b.cyclesPerSample - a.cyclesPerSample);
  const counts = (key: string) => ((w.infer.counters as Record<string, number>)[key] ?? 0) + ((w.learn.counters as Record<string, number>)[key] ?? 0) + ((w.readout.counters as Record<string, number>)[key] ?? 0);
  const byCounter: CounterRow[] = [...groupTerms(est.terms, (t) => t.counter)].map(([counter, v]) => {
    const c = cyc(v);
    const ops = counts(counter);
    return {
      counter,
      perSample: ops / n,
      instructionsPerSample: vectorTotal(v) / n,
      cyclesPerSample: c / n,
      instructionsPerOp: ops > 0 ? vectorTotal(v) / ops : 0,
      cyclesPerOp: ops > 0 ? c / ops : 0,
      share: c / lower,
      computeJPerSample: (c / n) * jPerCycle,
    };
  }).sort((a, b) => b.cyclesPerSample - a.cyclesPerSample);
  const phaseOf = (terms: readonly Term[]): PhaseCycles => {
    const g = groupTerms(terms, (t) => t.phase);
    const of = (p: string) => (g.has(p) ? cyc(g.get(p)!) / n : 0);
    return { infer: of('infer'), readout: of('readout'), learn: of('learn') };
  };
  const byPhase = phaseOf(est.terms);
  const layerOrder = new Map<string, number>();
  for (const t of est.terms) if (!layerOrder.has(t.layer)) layerOrder.set(t.layer, layerOrder.size);
  const byLayer: LayerRow[] = [...groupTerms(est.terms, (t) => t.layer)].map(([layer, v]) => {
    const terms = est.terms.filter((t) => t.layer === layer);
    const c = cyc(v);
    return {
      layer,
      kind: terms[0].layerKind,
      ops: [...new Set(terms.map((t) => t.op))],
      instructionsPerSample: vectorTotal(v) / n,
      cyclesPerSample: c / n,
      share: c / lower,
      computeJPerSample: [(c / n) * jPerCycle, (c / n) * jPerCycle * kappa] as const,
      byPhase: phaseOf(terms),
      byKernel: [...groupTerms(terms, (t) => t.kernel.replace(/:.*/, ''))].map(([kernel, kv]) => ({ kernel, cyclesPerSample: cyc(kv) / n })).sort((a, b) => b.cyclesPerSample - a.cyclesPerSample),
    };
  }).sort((a, b) => layerOrder.get(a.layer)! - layerOrder.get(b.layer)!);

  // The inference pass alone (the NeuroBench view's scope).
  const inferIsa = byPhase.infer * n;
  const nb = neuroBenchView(run.plan, w, run.rt);

  // Real time: event-driven cycles per event, the rest spread over the stream's steps.
  const eventDriven = new Set(['synopsF32', 'synopsI8', 'synopsI16', 'eventsIn']);
  const evCycles = byCounter.filter((r) => eventDriven.has(r.counter)).reduce((a, r) => a + r.cyclesPerSample, 0) * kappa;
  const restCycles = byCounter.filter((r) => !eventDriven.has(r.counter)).reduce((a, r) => a + r.cyclesPerSample, 0) * kappa;
  const eventsPerSample = mean(run.result.eventsPerSample);
  const streamSteps = Math.max(1, w.infer.steps / n);
  const realtime = simulateRealTime(run.samples.map((s) => s.events), {
    mhz,
    dtUs: run.plan.dtUs,
    queueEvents: opts.queueEvents ?? run.plan.input.maxEvents,
    policy: opts.dropPolicy,
    deadlineUs: opts.deadlineUs,
    fixedCyclesPerStep: restCycles / streamSteps,
    cyclesPerEvent: eventsPerSample > 0 ? evCycles / eventsPerSample : 0,
  });
  const battery = device.class === 'mcu'
    ? Object.values(BATTERIES).map((b) => batteryLife(b, eUpper.averagePowerW, eUpper.activePowerW, device.power.peakActiveMA.value))
    : null;
  const interval = opts.checkpointInterval ?? 10;
  const endurance = device.memory.flashEnduranceCycles;
  const checkpointsToWearOut = 2 * endurance.value;
  const checkpointWear = {
    intervalSamples: interval,
    checkpointsToWearOut,
    daysToWearOut: (checkpointsToWearOut * interval * eUpper.periodSeconds) / 86400,
    enduranceCycles: endurance.value,
    enduranceConfidence: endurance.confidence,
  };
  return {
    ...base,
    refused: null,
    cycles: {
      instructionsPerSample: vectorTotal(est.total) / n,
      isaPerSample: isa / n,
      fetchStallPerSample: fetchStall / n,
      dataStallPerSample: dataStall / n,
      lowerPerSample: lower / n,
      upperPerSample: upper / n,
      kappa,
      stallNote: stalls.note,
      byKernel,
      byCounter,
      byLayer,
      byPhase,
    },
    time: {
      lowerMsPerSample: (lower / n / (mhz * 1e6)) * 1e3,
      upperMsPerSample: (upper / n / (mhz * 1e6)) * 1e3,
      streamMsPerSample: streamMs,
      cpuLoad: streamMs > 0 ? (upper / n / (mhz * 1e6)) * 1e3 / streamMs : Infinity,
    },
    energy: { lower: eLower, upper: eUpper },
    current: currentProfile(device, eUpper, [
      { label: 'prediction pass', cycles: byPhase.infer },
      { label: 'readout', cycles: byPhase.readout },
      { label: 'plasticity pass', cycles: byPhase.learn },
    ], 'upper', opts.sleepMode),
    realtime,
    battery,
    checkpointWear,
    views: {
      neuroBench: nb,
      literature45nm: literatureView(nb),
      device: {
        label: `${ESTIMATE_LABEL}: ${device.id}, ${mode}, ${mhz} MHz`,
        energyPerSampleJ: [eLower.totalJ, eUpper.totalJ],
        computeEnergyPerSampleJ: [eLower.computeJ, eUpper.computeJ],
        inferencePassComputeJ: [(inferIsa / n) * jPerCycle, (inferIsa / n) * jPerCycle * kappa],
      },
    },
    warnings: [...warnings, ...eUpper.notes],
  };
}

/** Runs the model once and estimates every given device. */
export function profileModel(spec: ModelSpec, devices: readonly DeviceProfile[], opts: RunOptions & DeviceOptions = {}, samples?: readonly Sample[]): ProfileReport {
  const plan = planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER });
  let budget: number | null = spec.budgetBytes ?? null;
  try {
    planModel(spec);
  } catch (e) {
    if (!(e instanceof BudgetError)) throw e;
    budget = e.budgetBytes;
  }
  // Refuse before running: devices the model does not fit are reported from the Plan alone, and
  // the model runs only if it fits at least one device.
  const table = loadInstructionTable();
  const firstPass = devices.map((d) => memoryReport(plan, d, table.builds[CORES[d.core.family].build], { mode: opts.mode ?? 'aot', pageBytes: opts.pageBytes, checkpointSlots: opts.checkpointSlots }).fits);
  if (!firstPass.some(Boolean)) {
    return {
      model: spec.name, label: ESTIMATE_LABEL,
      workload: { source: 'not run: the model fits none of the devices', samples: 0, learn: opts.learn ?? true, eventsPerSample: 0, stepsPerSample: 0, streamMsPerSample: 0, countersPerSample: {} },
      arenaBytes: plan.arenaBytes, specBudgetBytes: budget,
      devices: devices.map((d) => profileOnDevice(plan, d, opts)),
    };
  }
  const run = runModel(spec, opts, samples);
  const w = run.result.workload;
  const n = Math.max(w.samples, 1);
  const perSample: Record<string, number> = {};
  for (const k of Object.keys(w.infer.counters)) {
    perSample[k] = ((w.infer.counters as Record<string, number>)[k] + (w.learn.counters as Record<string, number>)[k] + (w.readout.counters as Record<string, number>)[k]) / n;
  }
  return {
    model: spec.name,
    label: ESTIMATE_LABEL,
    workload: {
      source: run.source,
      samples: w.samples,
      learn: run.learn,
      eventsPerSample: mean(run.result.eventsPerSample),
      stepsPerSample: (w.infer.steps + w.learn.steps) / n,
      streamMsPerSample: mean(run.result.sampleDurationsUs) / 1e3,
      countersPerSample: perSample,
    },
    arenaBytes: run.plan.arenaBytes,
    specBudgetBytes: budget,
    devices: devices.map((d, i) => profileOnDevice(firstPass[i] ? run : plan, d, opts)),
  };
}
