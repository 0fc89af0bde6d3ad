/**
 * Running exported graphs with onnxruntime-web (wasm backend, offline, plain Node): sessions,
 * the runtime's event binning reproduced on the host, a per-step stepper over the step graph and a
 * whole-sample runner over the sequence graph.
 */
import type * as Ort from 'onnxruntime-web';
import { InteropError } from '../errors.js';
import type { EventBatch } from '../events/types.js';
import type { Plan } from '../plan/plan.js';
import type { Runtime } from '../runtime/runtime.js';
import type { OnnxIo } from './onnx-export.js';

let ortModule: Promise<typeof Ort> | null = null;

/** onnxruntime-web, imported once (its wasm backend compiles on first session creation). */
export function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-web').then((ort) => {
    // Warnings (for example about unused initializers) are not errors; keep stderr quiet.
    ort.env.logLevel = 'error';
    return ort;
  });
  return ortModule;
}

/** Creates a session on the wasm backend; any failure becomes an InteropError. */
export async function createSession(bytes: Uint8Array, source = '<buffer>'): Promise<Ort.InferenceSession> {
  const ort = await loadOrt();
  try {
    return await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  } catch (e) {
    throw new InteropError('onnx', null, `onnxruntime could not load the model: ${(e as Error).message}`, source);
  }
}

/** Input events binned into steps exactly as Runtime.run does. */
export interface BinnedEvents {
  steps: number;
  /** offsets[k]..offsets[k+1] index `indices` for step k. */
  offsets: Uint32Array;
  /** Input indices (y * width + x, plus width * height for ON events with split polarity), in arrival order. */
  indices: Uint32Array;
}

/**
 * The runtime's binning: steps of dtMs from `startUs`; events before the start, outside the
 * sensor, after the last step or beyond `bufferEvents` within one step are dropped.
 */
export function binEvents(plan: Plan, batch: EventBatch, opts: { startUs?: number; steps?: number } = {}): BinnedEvents {
  const { width, height, polarity } = plan.spec.input;
  const split = polarity === 'split';
  const plane = width * height;
  const dtUs = plan.dtUs;
  const start = opts.startUs ?? 0;
  const n = batch.length;
  const total = opts.steps ?? (n > 0 ? Math.max(0, Math.floor((batch.t[n - 1] - start) / dtUs) + 1) : 0);
  const maxEvents = plan.input.maxEvents;
  const offsets = new Uint32Array(total + 1);
  const out: number[] = [];
  let e = 0;
  while (e < n && batch.t[e] < start) e++;
  for (let s = 0; s < total; s++) {
    const stepEnd = start + (s + 1) * dtUs;
    let kept = 0;
    while (e < n && batch.t[e] < stepEnd) {
      const x = batch.x[e];
      const y = batch.y[e];
      if (x < width && y < height && kept < maxEvents) {
        out.push((split && batch.p[e] === 1 ? plane : 0) + y * width + x);
        kept++;
      }
      e++;
    }
    offsets[s + 1] = out.length;
  }
  return { steps: total, offsets, indices: Uint32Array.from(out) };
}

/** Per-step counts per input, [steps][nInput] row-major (the sequence graph's input). */
export function countsPerStep(binned: BinnedEvents, nInput: number): Float32Array {
  const out = new Float32Array(binned.steps * nInput);
  for (let s = 0; s < binned.steps; s++) {
    for (let k = binned.offsets[s]; k < binned.offsets[s + 1]; k++) out[s * nInput + binned.indices[k]] += 1;
  }
  return out;
}

/** The state of every population, as the graphs take it. */
export interface OnnxState {
  v: Float32Array[];
  I: Float32Array[];
  refr: Int32Array[];
  b: Float32Array[];
}

/** The runtime's current neuron state (copies). */
export function stateOf(rt: Runtime): OnnxState {
  const pops = rt.plan.populations.map((p) => rt.population(p.name));
  return {
    v: pops.map((p) => Float32Array.from(p.v)),
    I: pops.map((p) => Float32Array.from(p.i)),
    refr: pops.map((p) => Int32Array.from(p.refr)),
    b: pops.map((p) => Float32Array.from(p.b)),
  };
}

/** The rest state a sample starts from (Runtime.resetState), keeping the learned b. */
export function restStateOf(rt: Runtime, b?: Float32Array[]): OnnxState {
  return {
    v: rt.plan.populations.map((p) => new Float32Array(p.size).fill(p.rest.v)),
    I: rt.plan.populations.map((p) => new Float32Array(p.size)),
    refr: rt.plan.populations.map((p) => new Int32Array(p.size)),
    b: rt.plan.populations.map((p, q) => (b ? Float32Array.from(b[q]) : p.rest.b !== null ? new Float32Array(p.size).fill(p.rest.b) : Float32Array.from(rt.population(p.name).b))),
  };
}

/** Steps the step graph one call per time step, carrying the state on the host. */
export class OnnxStepper {
  state: OnnxState;

  private constructor(
    private readonly ort: typeof Ort,
    readonly session: Ort.InferenceSession,
    readonly io: OnnxIo,
    state: OnnxState,
  ) {
    this.state = state;
  }

  static async create(bytes: Uint8Array, io: OnnxIo, state: OnnxState): Promise<OnnxStepper> {
    return new OnnxStepper(await loadOrt(), await createSession(bytes), io, state);
  }

  /** One step with these input indices (arrival order); returns the spike vectors. */
  async step(indices: ArrayLike<number>): Promise<Float32Array[]> {
    const ort = this.ort;
    const io = this.io;
    const feeds: Record<string, Ort.Tensor> = {};
    if (io.mode === 'events') {
      feeds[io.input.name] = new ort.Tensor('int64', BigInt64Array.from(Array.from(indices, (i) => BigInt(i))), [indices.length]);
    } else {
      const x = new Float32Array(io.input.size);
      for (let k = 0; k < indices.length; k++) x[indices[k]] += 1;
      feeds[io.input.name] = new ort.Tensor('float32', x, [x.length]);
    }
    io.populations.forEach((p, q) => {
      feeds[p.v] = new ort.Tensor('float32', this.state.v[q], [p.size]);
      feeds[p.I] = new ort.Tensor('float32', this.state.I[q], [p.size]);
      feeds[p.refr] = new ort.Tensor('int32', this.state.refr[q], [p.size]);
      feeds[p.b] = new ort.Tensor('float32', this.state.b[q], [p.size]);
    });
    const r = await this.session.run(feeds);
    this.state = {
      v: io.populations.map((p) => r[`${p.v}.next`].data as Float32Array),
      I: io.populations.map((p) => r[`${p.I}.next`].data as Float32Array),
      refr: io.populations.map((p) => r[`${p.refr}.next`].data as Int32Array),
      b: io.populations.map((p) => r[`${p.b}.next`].data as Float32Array),
    };
    return io.populations.map((p) => r[p.spikes].data as Float32Array);
  }
}

/** Runs a whole sample through the sequence graph: spike trains [T][n] and counts per population. */
export async function runSequence(session: Ort.InferenceSession, io: OnnxIo, state: OnnxState, inputs: Float32Array, steps: number): Promise<{ spikes: Float32Array[]; counts: Float32Array[]; final: OnnxState }> {
  const ort = await loadOrt();
  const feeds: Record<string, Ort.Tensor> = { [io.input.name]: new ort.Tensor('float32', inputs, [steps, io.input.size]) };
  io.populations.forEach((p, q) => {
    feeds[p.v] = new ort.Tensor('float32', state.v[q], [p.size]);
    feeds[p.I] = new ort.Tensor('float32', state.I[q], [p.size]);
    feeds[p.refr] = new ort.Tensor('int32', state.refr[q], [p.size]);
    feeds[p.b] = new ort.Tensor('float32', state.b[q], [p.size]);
  });
  const r = await session.run(feeds);
  return {
    spikes: io.populations.map((p) => r[p.spikes].data as Float32Array),
    counts: io.populations.map((p) => r[`${p.name}.counts`].data as Float32Array),
    final: {
      v: io.populations.map((p) => r[`${p.v}.final`].data as Float32Array),
      I: io.populations.map((p) => r[`${p.I}.final`].data as Float32Array),
      refr: io.populations.map((p) => r[`${p.refr}.final`].data as Int32Array),
      b: io.populations.map((p) => r[`${p.b}.final`].data as Float32Array),
    },
  };
}
