/**
 * Monitors and spike-time simulation: run a model on given input spike times and record state
 * variables, spikes and weights at every step, the role Brian2's monitors play, so that a spec
 * can be checked against another simulator (`neurite simulate`).
 *
 * Step order and what is recorded when (the same as Brian2's default schedule):
 *   record (state at the start of step k, time t_k = k dt)
 *   -> neurons integrate and threshold -> winner-take-all -> synapses (input spikes of step k add
 *      to the currents, acting from step k+1) -> plasticity (pre pathway, then post) -> reset.
 * A spike is reported with time t_k, the start of the step whose update crossed the threshold.
 */
import { UsageError } from '../errors.js';
import { allocBatch, makeBatch } from '../events/types.js';
import type { Runtime } from './runtime.js';

export interface SpikeInputFile {
  dtMs?: number;
  durationMs: number;
  inputs: { population: string; index: number; timesMs: number[] }[];
}

export interface Traces {
  /** Start time of every recorded step, ms. */
  tMs: number[];
  /** "population.variable" -> [neuron][step]; "projection.w" -> [synapse (i * nOut + j)][step]. */
  [variable: string]: number[] | number[][] | Record<string, [number, number][]>;
  /** population -> [index, tMs] pairs. */
  spikes: Record<string, [number, number][]>;
}

/** Parses and checks a SPIKES.json value; every problem is reported with its JSON path. */
export function parseSpikeInput(value: unknown, inputSize: number, dtMs: number, source = 'SPIKES.json'): SpikeInputFile {
  const problems: string[] = [];
  const o = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${source}: $ must be an object`);
  for (const k of Object.keys(o)) if (!['dtMs', 'durationMs', 'inputs'].includes(k)) problems.push(`${k}: unknown field`);
  if (o.dtMs !== undefined && o.dtMs !== dtMs) problems.push(`dtMs: must equal the model's dtMs (${dtMs}), got ${String(o.dtMs)}`);
  if (typeof o.durationMs !== 'number' || !(o.durationMs > 0) || !Number.isFinite(o.durationMs)) problems.push(`durationMs: must be a number > 0, got ${JSON.stringify(o.durationMs)}`);
  if (!Array.isArray(o.inputs)) problems.push(`inputs: must be an array, got ${JSON.stringify(o.inputs)}`);
  else {
    o.inputs.forEach((e: unknown, i: number) => {
      const r = e as Record<string, unknown>;
      const at = `inputs[${i}]`;
      if (typeof e !== 'object' || e === null) { problems.push(`${at}: must be an object`); return; }
      if (r.population !== 'input') problems.push(`${at}.population: must be "input" (the model's input layer), got ${JSON.stringify(r.population)}`);
      if (!Number.isInteger(r.index) || (r.index as number) < 0 || (r.index as number) >= inputSize) problems.push(`${at}.index: must be an integer in 0..${inputSize - 1}, got ${JSON.stringify(r.index)}`);
      if (!Array.isArray(r.timesMs) || !r.timesMs.every((t) => typeof t === 'number' && Number.isFinite(t) && t >= 0)) problems.push(`${at}.timesMs: must be an array of numbers >= 0`);
    });
  }
  if (problems.length) throw new UsageError(`${source}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return o as unknown as SpikeInputFile;
}

/** Which variables a population records: v and I always; b (adaptive threshold) or u (Izhikevich). */
function populationVariables(rt: Runtime, name: string): string[] {
  const pop = rt.plan.spec.populations.find((p) => p.name === name)!;
  const model = pop.neuron.model;
  // lif-i16 state is integer LSBs and has no adaptive threshold.
  return model === 'izhikevich' ? ['v', 'u', 'I'] : model === 'lif-cond' ? ['v', 'g', 'b'] : model === 'lif-i16' ? ['v', 'I'] : ['v', 'I', 'b'];
}

export interface SimulateOptions {
  /** Variables to record ("pop.v", "proj.w"); default: every population's variables and the
   *  weights of plastic projections. */
  record?: readonly string[];
  /** Run plasticity (default true: the model as specified). */
  learn?: boolean;
}

export function simulate(rt: Runtime, input: SpikeInputFile, opts: SimulateOptions = {}): Traces {
  const plan = rt.plan;
  const dt = plan.spec.dtMs;
  const steps = Math.round(input.durationMs / dt);
  const { width, height } = plan.spec.input;
  const plane = width * height;
  const record = opts.record ?? [
    ...plan.populations.flatMap((p) => populationVariables(rt, p.name).map((v) => `${p.name}.${v}`)),
    ...plan.projections.filter((p) => p.rule !== null).map((p) => `${p.name}.w`),
  ];
  // Resolve every recorded variable to a live array before running.
  const sources: { key: string; view: () => ArrayLike<number> }[] = record.map((key) => {
    const dot = key.lastIndexOf('.');
    const owner = key.slice(0, dot);
    const variable = key.slice(dot + 1);
    if (variable === 'w') {
      const pr = rt.projection(owner);
      // [nIn][nOut] order whatever the layout or connectivity (a dense copy per step for post-major,
      // sparse, block-sparse and conv2d projections; absent synapses read 0).
      const view = rt.weights(owner);
      const dense = pr.layout !== 'post-major' && (pr.connectivity === null || pr.connectivity.kind === 'dense');
      return { key, view: dense ? () => view : () => rt.weightsF32(owner) };
    }
    if (!plan.populations.some((p) => p.name === owner)) {
      throw new UsageError(`cannot record "${key}": no population or projection "${owner}"`);
    }
    const allowed = populationVariables(rt, owner);
    if (!allowed.includes(variable)) throw new UsageError(`cannot record "${key}": population "${owner}" has ${allowed.join(', ')}`);
    if (rt.plan.spec.populations.find((p) => p.name === owner)!.neuron.model === 'lif-i16') {
      const pi = rt.populationI16(owner);
      const iview = variable === 'v' ? pi.v : pi.i;
      return { key, view: () => iview };
    }
    const pv = rt.population(owner);
    const view = variable === 'v' ? pv.v : variable === 'I' || variable === 'g' ? pv.i : pv.b;
    return { key, view: () => view };
  });
  // Input spikes -> one event per spike (index -> x, y, polarity plane).
  const all = input.inputs.flatMap((e) => e.timesMs.map((t) => ({ t, i: e.index }))).sort((a, b) => a.t - b.t);
  const traces: Traces = { tMs: [], spikes: {} };
  const data = sources.map((s) => Array.from({ length: s.view().length }, () => new Array<number>(steps)));
  const counts = plan.populations.map((p) => rt.population(p.name).counts);
  const prev = counts.map((c) => Float32Array.from(c));
  for (const p of plan.populations) traces.spikes[p.name] = [];
  let e = 0;
  for (let k = 0; k < steps; k++) {
    traces.tMs.push(Math.round(k * dt * 1e9) / 1e9);
    sources.forEach((s, q) => {
      const v = s.view();
      for (let j = 0; j < v.length; j++) data[q][j][k] = v[j];
    });
    const endMs = (k + 1) * dt;
    let e2 = e;
    while (e2 < all.length && all[e2].t < endMs - 1e-9) e2++;
    const b = allocBatch(e2 - e);
    for (let q = e; q < e2; q++) {
      const idx = all[q].i;
      const p = idx >= plane ? 1 : 0;
      const r = idx - p * plane;
      b.t[q - e] = k * dt * 1000;
      b.x[q - e] = r % width;
      b.y[q - e] = Math.floor(r / width);
      b.p[q - e] = p;
    }
    e = e2;
    rt.run(makeBatch(b, b.t.length), { startUs: k * dt * 1000, steps: 1, learn: opts.learn ?? true });
    plan.populations.forEach((p, q) => {
      const c = counts[q];
      for (let j = 0; j < c.length; j++) {
        if (c[j] !== prev[q][j]) {
          traces.spikes[p.name].push([j, traces.tMs[k]]);
          prev[q][j] = c[j];
        }
      }
    });
  }
  sources.forEach((s, q) => (traces[s.key] = data[q]));
  return traces;
}
