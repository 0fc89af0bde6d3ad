/**
 * ONNX export of a learned network (`neurite export --format onnx`): the runtime's inference step
 * as a stateful graph of standard operators, so that onnxruntime (web or native) or any other
 * ONNX runtime can run the network that learned on the device.
 *
 * Three graphs, all opset 17:
 *  - step:     inputs  this step's input (see `input` below) and the state of every population
 *              (`<pop>.v`, `<pop>.I` float, `<pop>.refr` int32, `<pop>.b` float, each [n]);
 *              outputs `<pop>.spikes` float [n] and the next state (`<pop>.v.next`, ...).
 *  - sequence: the step graph as the body of a Scan over time: `input.sequence` [T, nInput]
 *              (event counts per step and input) and the initial state in, the final state,
 *              `<pop>.spikes.sequence` [T, n] and `<pop>.counts` [n] out. One call per sample.
 *  - readout:  `features` [N, nFeat] (spike counts of a sample) -> x / ||x||_2 -> MatMul W
 *              -> `scores` [N, nClass] and `class` = ArgMax (first maximum on ties) [N].
 *
 * The step reproduces the runtime's order (docs/simulate.md) with the f32 constants the Plan wrote
 * into the arena (read back from the runtime, so the bits are the kernel's):
 *   integrate (LIF: v' = alpha_m v + beta I + gamma bias, I' = alpha_s I, b' = alpha_b b;
 *     Izhikevich: Euler or the 2003 half steps; v held while refractory)
 *   -> threshold (v' > v_th + b'; Izhikevich v' >= v_peak) -> k-winner-take-all (TopK on the
 *     overshoot, lower index first on ties, ScatterElements to a spike vector) and inhibition
 *     (v = max(v - inhibition * winners, v_floor) for the non-winners)
 *   -> synaptic input (I += W^T s for every projection, in spec order)
 *   -> reset of the winners (v = v_reset or v -= v_th + b; refr = hold; b += d_theta).
 * Input (option `input`):
 *  - 'vector' (default): `input.spikes` float [nInput], the number of events of this step per input;
 *    synaptic input is MatMul, whose float summation order is onnxruntime's, so membranes agree
 *    with the runtime to f32 rounding (a few ulp) rather than bit for bit.
 *  - 'events': `input.events` int64 [m], this step's input indices in arrival order; synaptic input
 *    is Gather + CumSum over the rows in that order, which is the runtime's summation order, so
 *    the graph reproduces the runtime bit for bit.
 * In both modes, spikes of populations feeding other populations enter in ascending index order
 * (NonZero + Gather + CumSum), as the runtime's spike lists do, so only input events can differ.
 * int8/int16 projections: integer weights and one f32 scale per target neuron; integer sums are
 * exact in any order (the int8 i16 saturation is applied once per step, as a Clip).
 * Not exported (an InteropError names the population): lif-cond and lif-escape neurons.
 * Plasticity is not part of the graph (the exported network is the learned, frozen one).
 */
import { InteropError } from '../errors.js';
import { nonLinearReadoutReason } from '../runtime/readouts.js';
import type { PopulationLayout, ProjectionLayout } from '../plan/plan.js';
import { IZH, LIF, WTA } from '../runtime/abi.js';
import type { Runtime } from '../runtime/runtime.js';
import { encodeModel, GraphBuilder, onnx } from './onnx-builder.js';

export type OnnxInputMode = 'vector' | 'events';

export interface OnnxExportOptions {
  /** Step-graph input: spike counts per input ('vector', default) or event indices ('events'). */
  input?: OnnxInputMode;
}

/** Names and sizes of a population's graph tensors. */
export interface OnnxPopulationIo {
  name: string;
  size: number;
  model: 'lif' | 'izhikevich';
  /** State inputs (step and sequence graphs); the step graph's outputs add '.next'. */
  v: string;
  I: string;
  refr: string;
  b: string;
  spikes: string;
}

/** What the graphs expect and produce (also stored as the model's `neurite.io` metadata). */
export interface OnnxIo {
  kind: 'step' | 'sequence' | 'readout';
  mode: OnnxInputMode;
  model: string;
  dtMs: number;
  input: { name: string; size: number; width: number; height: number; polarity: 'merge' | 'split' };
  populations: OnnxPopulationIo[];
  readout: { from: string; nFeat: number; nClass: number } | null;
}

interface PopConsts {
  layout: PopulationLayout;
  model: 'lif' | 'izhikevich';
  f: (slot: number) => number;
  i: (slot: number) => number;
  wta: { k: number; inhibition: number; floor: number } | null;
  bias: Float32Array;
}

function populationConsts(rt: Runtime): PopConsts[] {
  const spec = rt.plan.spec;
  if (rt.plan.populations.length === 0) {
    throw new InteropError('onnx', null, `model "${spec.name}" has no populations: only its readout graph (exportOnnxReadout) applies`);
  }
  return rt.plan.populations.map((layout, q) => {
    const nrn = spec.populations[q].neuron;
    if (nrn.model !== 'lif' && nrn.model !== 'izhikevich') {
      throw new InteropError('onnx', layout.name, `neuron model "${nrn.model}" has no ONNX export (supported: lif, izhikevich)`);
    }
    const region = rt.plan.regions.find((r) => r.name === `${layout.name}.neuronParams`)!;
    const bytes = rt.regionBytes(region);
    const pf = new Float32Array(bytes.buffer, bytes.byteOffset, region.bytes / 4).slice();
    const pi = new Int32Array(bytes.buffer, bytes.byteOffset, region.bytes / 4).slice();
    let wta: PopConsts['wta'] = null;
    if (layout.wtaParams !== null) {
      const wr = rt.plan.regions.find((r) => r.name === `${layout.name}.wtaParams`)!;
      const wb = rt.regionBytes(wr);
      const wf = new Float32Array(wb.buffer, wb.byteOffset, 4);
      const wi = new Int32Array(wb.buffer, wb.byteOffset, 4);
      wta = { k: wi[WTA.K], inhibition: wf[WTA.INHIBITION], floor: wf[WTA.V_FLOOR] };
    }
    // Inference runs without a teacher: supervised populations get no bias current.
    const bias = layout.teacher ? new Float32Array(layout.size) : Float32Array.from(rt.population(layout.name).bias);
    return { layout, model: nrn.model, f: (s) => pf[s], i: (s) => pi[s], wta, bias };
  });
}

/** The tensor names and sizes of a runtime's exported graphs. */
export function onnxIo(rt: Runtime, kind: OnnxIo['kind'], mode: OnnxInputMode): OnnxIo {
  const spec = rt.plan.spec;
  const r = rt.plan.readout;
  return {
    kind,
    mode,
    model: spec.name,
    dtMs: spec.dtMs,
    input: {
      name: kind === 'sequence' ? 'input.sequence' : mode === 'events' ? 'input.events' : 'input.spikes',
      size: rt.plan.input.size,
      width: spec.input.width,
      height: spec.input.height,
      polarity: spec.input.polarity,
    },
    populations: rt.plan.populations.map((p, q) => ({
      name: p.name,
      size: p.size,
      model: spec.populations[q].neuron.model as 'lif' | 'izhikevich',
      v: `${p.name}.v`,
      I: `${p.name}.I`,
      refr: `${p.name}.refr`,
      b: `${p.name}.b`,
      spikes: kind === 'sequence' ? `${p.name}.spikes.sequence` : `${p.name}.spikes`,
    })),
    readout: r ? { from: r.from, nFeat: r.nFeat, nClass: r.nClass } : null,
  };
}

interface StateTensors {
  v: string;
  I: string;
  refr: string;
  b: string;
}

interface StepResult {
  spikes: string[];
  next: StateTensors[];
}

/**
 * Emits one network step into `g`. `input` is the float [nInput] count vector ('vector') or the
 * int64 [m] event index list ('events').
 */
function emitStep(g: GraphBuilder, rt: Runtime, pops: PopConsts[], state: StateTensors[], input: string, mode: OnnxInputMode): StepResult {
  const zeroI = g.constI32('zero_i32', [0], []);
  const negInf = g.scalarF32('neg_inf', -Infinity);
  const zeroF = g.scalarF32('zero_f32', 0);

  // 1-3. Integrate, threshold, winner-take-all.
  interface Mid { vAfter: string; In: string; refrDec: string; bn: string; thr: string; spikes: string; spikesBool: string }
  const mids: Mid[] = pops.map((pc, q) => {
    const { layout, f, i: pi } = pc;
    const n = layout.size;
    const s = state[q];
    const name = layout.name;
    const refrPos = g.op('Greater', [s.refr, zeroI], {}, `${name}_refractory`);
    const notRefr = g.op('Not', [refrPos]);
    const biasT = g.constF32(`${name}_bias`, pc.bias);
    const alphaS = g.scalarF32(`${name}_alpha_s`, f(LIF.ALPHA_S));
    const In = g.op('Mul', [s.I, alphaS], {}, `${name}_I_decayed`);
    let vn: string;
    let bn: string;
    let thr: string;
    let cross: string;
    if (pc.model === 'lif') {
      const vm = g.op('Mul', [s.v, g.scalarF32(`${name}_alpha_m`, f(LIF.ALPHA_M))]);
      const vi = g.op('Mul', [s.I, g.scalarF32(`${name}_beta`, f(LIF.BETA))]);
      const vb = g.op('Mul', [biasT, g.scalarF32(`${name}_gamma`, f(LIF.GAMMA))]);
      vn = g.op('Add', [g.op('Add', [vm, vi]), vb], {}, `${name}_v_integrated`);
      bn = g.op('Mul', [s.b, g.scalarF32(`${name}_alpha_b`, f(LIF.ALPHA_B))], {}, `${name}_b_decayed`);
      thr = g.op('Add', [g.scalarF32(`${name}_v_th`, f(LIF.V_TH)), bn], {}, `${name}_threshold`);
      cross = g.op('And', [notRefr, g.op('Greater', [vn, thr])], {}, `${name}_cross`);
    } else {
      // Izhikevich: u lives in the b array; f(v, u, I) = 0.04 v^2 + 5 v + 140 - u + I.
      const c004 = g.scalarF32('izh_0_04', 0.04);
      const c5 = g.scalarF32('izh_5', 5);
      const c140 = g.scalarF32('izh_140', 140);
      const fv = (v: string, u: string, cur: string): string =>
        g.op('Add', [g.op('Sub', [g.op('Add', [g.op('Add', [g.op('Mul', [g.op('Mul', [c004, v]), v]), g.op('Mul', [c5, v])]), c140]), u]), cur]);
      const cur = g.op('Add', [s.I, biasT], {}, `${name}_current`);
      const dt = g.scalarF32(`${name}_dt`, f(IZH.DT));
      const a = g.scalarF32(`${name}_a`, f(IZH.A));
      const bb = g.scalarF32(`${name}_b`, f(IZH.B));
      const du = (vv: string): string => g.op('Mul', [dt, g.op('Mul', [a, g.op('Sub', [g.op('Mul', [bb, vv]), s.b])])]);
      if (pi(IZH.SCHEME) === 1) {
        const half = g.scalarF32(`${name}_half_dt`, Math.fround(f(IZH.DT) * 0.5));
        const vh = g.op('Add', [s.v, g.op('Mul', [half, fv(s.v, s.b, cur)])]);
        vn = g.op('Add', [vh, g.op('Mul', [half, fv(vh, s.b, cur)])], {}, `${name}_v_integrated`);
        bn = g.op('Add', [s.b, du(vn)], {}, `${name}_u_next`);
      } else {
        vn = g.op('Add', [s.v, g.op('Mul', [dt, fv(s.v, s.b, cur)])], {}, `${name}_v_integrated`);
        bn = g.op('Add', [s.b, du(s.v)], {}, `${name}_u_next`);
      }
      thr = g.scalarF32(`${name}_v_peak`, f(LIF.V_TH));
      cross = g.op('And', [notRefr, g.op('GreaterOrEqual', [vn, thr])], {}, `${name}_cross`);
    }
    const vHeld = g.op('Where', [refrPos, s.v, vn], {}, `${name}_v_held`);
    const refrDec = g.op('Sub', [s.refr, g.op('Cast', [refrPos], { to: { i: onnx.TensorProto.DataType.INT32 } })], {}, `${name}_refr_dec`);
    let spikesBool: string;
    let vAfter = vHeld;
    const w = pc.wta;
    if (w && w.k > 0 && w.k < n) {
      const margin = g.op('Sub', [vHeld, thr], {}, `${name}_overshoot`);
      const masked = g.op('Where', [cross, margin, negInf]);
      const [vals, idx] = g.opN('TopK', [masked, g.constI64(`${name}_k`, [w.k])], 2, { axis: { i: 0 }, largest: { i: 1 }, sorted: { i: 1 } }, `${name}_topk`);
      const valid = g.op('Cast', [g.op('Greater', [vals, negInf])], { to: { i: onnx.TensorProto.DataType.FLOAT } });
      const spikesF = g.op('ScatterElements', [g.constF32(`${name}_zeros`, new Float32Array(n)), idx, valid], { axis: { i: 0 } }, `${name}_winners`);
      spikesBool = g.op('Cast', [spikesF], { to: { i: onnx.TensorProto.DataType.BOOL } });
    } else {
      spikesBool = cross;
    }
    const spikes = g.op('Cast', [spikesBool], { to: { i: onnx.TensorProto.DataType.FLOAT } }, `${name}_spikes`);
    if (w && w.inhibition !== 0) {
      const nw = g.op('ReduceSum', [spikes, g.constI64('axis0', [0])], { keepdims: { i: 0 } }, `${name}_n_winners`);
      const amount = g.op('Mul', [g.scalarF32(`${name}_inhibition`, w.inhibition), nw]);
      const inhibited = g.op('Max', [g.op('Sub', [vHeld, amount]), g.scalarF32(`${name}_v_floor`, w.floor)]);
      const apply = g.op('And', [g.op('Greater', [nw, zeroF]), g.op('Not', [spikesBool])]);
      vAfter = g.op('Where', [apply, inhibited, vHeld], {}, `${name}_v_inhibited`);
    }
    return { vAfter, In, refrDec, bn, thr, spikes, spikesBool };
  });

  // 4. Synaptic input, projection by projection in spec order.
  const popIndex = new Map(pops.map((pc, q) => [pc.layout.name, q]));
  const current = mids.map((m) => m.In);
  const preIndices = new Map<string, string>();
  const indicesOf = (from: string): string => {
    const hit = preIndices.get(from);
    if (hit) return hit;
    let idx: string;
    if (from === 'input') idx = input;
    else {
      const nz = g.op('NonZero', [mids[popIndex.get(from)!].spikesBool]);
      idx = g.op('Reshape', [nz, g.constI64('shape_flat', [-1])], {}, `${from}_spike_indices`);
    }
    preIndices.set(from, idx);
    return idx;
  };
  const preVector = (from: string): string => (from === 'input' ? input : mids[popIndex.get(from)!].spikes);
  for (const pr of rt.plan.projections) {
    const q = popIndex.get(pr.to)!;
    // Spikes of a population enter in ascending index order in both modes (the runtime's order);
    // input events in arrival order ('events') or as counts per input ('vector').
    const exact = mode === 'events' || pr.from !== 'input';
    current[q] = emitProjection(g, rt, pr, current[q], exact ? indicesOf(pr.from) : preVector(pr.from), exact ? 'events' : 'vector');
  }

  // 5. Reset of the winners.
  const next: StateTensors[] = pops.map((pc, q) => {
    const m = mids[q];
    const name = pc.layout.name;
    let vReset: string;
    if (pc.i(LIF.RESET_MODE) === 1) vReset = g.op('Sub', [m.vAfter, g.op('Add', [g.scalarF32(`${name}_v_th_reset`, pc.f(LIF.V_TH)), m.bn])]);
    else vReset = g.scalarF32(`${name}_v_reset`, pc.f(LIF.V_RESET));
    return {
      v: g.op('Where', [m.spikesBool, vReset, m.vAfter], {}, `${name}_v_next`),
      I: current[q],
      refr: g.op('Where', [m.spikesBool, g.constI32(`${name}_hold`, [pc.i(LIF.REFRAC_HOLD)], []), m.refrDec], {}, `${name}_refr_next`),
      b: g.op('Where', [m.spikesBool, g.op('Add', [m.bn, g.scalarF32(`${name}_d_theta`, pc.f(LIF.D_THETA))]), m.bn], {}, `${name}_b_next`),
    };
  });
  return { spikes: mids.map((m) => m.spikes), next };
}

/** I += synaptic input of one projection; returns the new current tensor. */
function emitProjection(g: GraphBuilder, rt: Runtime, pr: ProjectionLayout, current: string, pre: string, mode: OnnxInputMode): string {
  const nOut = pr.nOut;
  // Sparse, conv2d and block-sparse export as their dense matrix (zeros add nothing); delays and
  // short-term plasticity have state the graph does not carry.
  const cl = pr.connectivity;
  if (cl?.delay || cl?.stp) throw new InteropError('onnx', pr.name, `${cl.delay ? 'synaptic delays' : 'short-term plasticity'} cannot be exported (no state for it in the graph)`);
  const events = mode === 'events';
  if (pr.dtype === 'f32') {
    const w = g.constF32(`${pr.name}_W`, rt.weightsF32(pr.name), [pr.nIn, pr.nOut]);
    if (!events) {
      const row = g.op('Unsqueeze', [pre, g.constI64('axis0', [0])]);
      const contrib = g.op('Reshape', [g.op('MatMul', [row, w]), g.constI64('shape_out', [nOut])], {}, `${pr.name}_input`);
      return g.op('Add', [current, contrib], {}, `${pr.name}_I`);
    }
    // Runtime order: a = I; for each event k in order: a += W[i_k]. CumSum over [I; W[i_1]; ...]
    // adds row after row, the same sequence of f32 additions.
    const rows = g.op('Gather', [w, pre], { axis: { i: 0 } }, `${pr.name}_rows`);
    const stacked = g.op('Concat', [g.op('Unsqueeze', [current, g.constI64('axis0', [0])]), rows], { axis: { i: 0 } });
    const cs = g.op('CumSum', [stacked, g.constI64('axis0_scalar', [0], [])]);
    return g.op('Gather', [cs, g.constI64('last', [-1], [])], { axis: { i: 0 } }, `${pr.name}_I`);
  }
  // Integer weights: acc_j = sum of Wq[i][j] (exact in f32 below 2^24), then I += acc * scale.
  if (pr.layout !== 'pre-major') throw new InteropError('onnx', pr.name, 'integer weights must use the pre-major layout');
  const q = rt.weights(pr.name);
  const scaleRegion = rt.plan.regions.find((r) => r.name === `${pr.name}.scale`)!;
  const sb = rt.regionBytes(scaleRegion);
  const scale = new Float32Array(sb.buffer, sb.byteOffset, nOut).slice();
  const wq = g.constF32(`${pr.name}_Wq`, Float32Array.from(q), [pr.nIn, pr.nOut]);
  let acc: string;
  if (!events) {
    const row = g.op('Unsqueeze', [pre, g.constI64('axis0', [0])]);
    acc = g.op('Reshape', [g.op('MatMul', [row, wq]), g.constI64('shape_out', [nOut])]);
  } else {
    acc = g.op('ReduceSum', [g.op('Gather', [wq, pre], { axis: { i: 0 } }), g.constI64('axis0', [0])], { keepdims: { i: 0 } });
    // With no events ReduceSum over an empty axis gives zeros of shape [nOut] (keepdims 0).
  }
  if (pr.dtype === 'int8') acc = g.op('Clip', [acc, g.scalarF32('i16_min', -32768), g.scalarF32('i16_max', 32767)]);
  return g.op('Add', [current, g.op('Mul', [acc, g.constF32(`${pr.name}_scale`, scale)])], {}, `${pr.name}_I`);
}

function stateInputs(g: GraphBuilder, pops: PopConsts[], io: OnnxIo): StateTensors[] {
  return pops.map((pc, q) => {
    const n = pc.layout.size;
    const p = io.populations[q];
    return { v: g.input(p.v, 'float', [n]), I: g.input(p.I, 'float', [n]), refr: g.input(p.refr, 'int32', [n]), b: g.input(p.b, 'float', [n]) };
  });
}

function metadata(io: OnnxIo): Record<string, string> {
  return { 'neurite.io': JSON.stringify(io) };
}

/** The per-step graph (see the file header). */
export function exportOnnx(rt: Runtime, opts: OnnxExportOptions = {}): Uint8Array {
  const mode = opts.input ?? 'vector';
  const pops = populationConsts(rt);
  const io = onnxIo(rt, 'step', mode);
  const g = new GraphBuilder();
  const state = stateInputs(g, pops, io);
  const input = mode === 'events' ? g.input(io.input.name, 'int64', ['events']) : g.input(io.input.name, 'float', [io.input.size]);
  const r = emitStep(g, rt, pops, state, input, mode);
  pops.forEach((pc, q) => {
    const n = pc.layout.size;
    const p = io.populations[q];
    g.output(p.spikes, r.spikes[q], 'float', [n]);
    g.output(`${p.v}.next`, r.next[q].v, 'float', [n]);
    g.output(`${p.I}.next`, r.next[q].I, 'float', [n]);
    g.output(`${p.refr}.next`, r.next[q].refr, 'int32', [n]);
    g.output(`${p.b}.next`, r.next[q].b, 'float', [n]);
  });
  return encodeModel(g.graph(`${rt.plan.spec.name}-step`), {
    doc: `neurite model "${rt.plan.spec.name}": one network step of ${rt.plan.spec.dtMs} ms (input: ${mode})`,
    metadata: metadata(io),
  });
}

/** The whole-sample graph: the step graph as a Scan body over `input.sequence` [T, nInput]. */
export function exportOnnxSequence(rt: Runtime): Uint8Array {
  const pops = populationConsts(rt);
  const io = onnxIo(rt, 'sequence', 'vector');
  const body = new GraphBuilder();
  const bodyState = pops.map((pc) => {
    const n = pc.layout.size;
    const nm = pc.layout.name;
    return { v: body.input(`body.${nm}.v`, 'float', [n]), I: body.input(`body.${nm}.I`, 'float', [n]), refr: body.input(`body.${nm}.refr`, 'int32', [n]), b: body.input(`body.${nm}.b`, 'float', [n]) };
  });
  const x = body.input('body.input', 'float', [io.input.size]);
  const r = emitStep(body, rt, pops, bodyState, x, 'vector');
  pops.forEach((pc, q) => {
    const n = pc.layout.size;
    const nm = pc.layout.name;
    body.output(`body.${nm}.v.next`, r.next[q].v, 'float', [n]);
    body.output(`body.${nm}.I.next`, r.next[q].I, 'float', [n]);
    body.output(`body.${nm}.refr.next`, r.next[q].refr, 'int32', [n]);
    body.output(`body.${nm}.b.next`, r.next[q].b, 'float', [n]);
  });
  pops.forEach((pc, q) => body.output(`body.${pc.layout.name}.spikes`, r.spikes[q], 'float', [pc.layout.size]));

  const g = new GraphBuilder();
  const state = stateInputs(g, pops, io);
  const seq = g.input(io.input.name, 'float', ['T', io.input.size]);
  const nState = pops.length * 4;
  const outs = g.opN('Scan', [...state.flatMap((s) => [s.v, s.I, s.refr, s.b]), seq], nState + pops.length, {
    body: { g: body.graph('step') },
    num_scan_inputs: { i: 1 },
  }, 'scan');
  pops.forEach((pc, q) => {
    const n = pc.layout.size;
    const p = io.populations[q];
    g.output(`${p.v}.final`, outs[q * 4], 'float', [n]);
    g.output(`${p.I}.final`, outs[q * 4 + 1], 'float', [n]);
    g.output(`${p.refr}.final`, outs[q * 4 + 2], 'int32', [n]);
    g.output(`${p.b}.final`, outs[q * 4 + 3], 'float', [n]);
    const sp = outs[nState + q];
    g.output(p.spikes, sp, 'float', ['T', n]);
    g.output(`${pc.layout.name}.counts`, g.op('ReduceSum', [sp, g.constI64('axis0', [0])], { keepdims: { i: 0 } }), 'float', [n]);
  });
  return encodeModel(g.graph(`${rt.plan.spec.name}-sequence`), {
    doc: `neurite model "${rt.plan.spec.name}": a whole sample, T steps of ${rt.plan.spec.dtMs} ms (Scan over the step graph)`,
    metadata: metadata(io),
  });
}

/** The readout graph: normalised spike counts -> MatMul -> ArgMax. */
export function exportOnnxReadout(rt: Runtime): Uint8Array {
  const r = rt.plan.readout;
  if (!r) throw new InteropError('onnx', null, `model "${rt.plan.spec.name}" has no readout to export`);
  const nonLinear = nonLinearReadoutReason(r);
  if (nonLinear) throw new InteropError('onnx', 'readout', `model "${rt.plan.spec.name}": ${nonLinear}`);
  const io = onnxIo(rt, 'readout', 'vector');
  const g = new GraphBuilder();
  const x = g.input('features', 'float', ['N', r.nFeat]);
  const ss = g.op('ReduceSumSquare', [x], { axes: { ints: [1] }, keepdims: { i: 1 } }, 'sum_squares');
  const zero = g.scalarF32('zero', 0);
  const inv = g.op('Where', [g.op('Greater', [ss, zero]), g.op('Reciprocal', [g.op('Sqrt', [ss])]), zero], {}, 'inv_norm');
  const xh = g.op('Mul', [x, inv], {}, 'normalised');
  const w = g.constF32('readout_W', Float32Array.from(rt.readoutWeights()), [r.nFeat, r.nClass]);
  const scores = g.op('MatMul', [xh, w], {}, 'scores');
  g.output('scores', scores, 'float', ['N', r.nClass]);
  g.output('class', g.op('ArgMax', [scores], { axis: { i: 1 }, keepdims: { i: 0 }, select_last_index: { i: 0 } }), 'int64', ['N']);
  return encodeModel(g.graph(`${rt.plan.spec.name}-readout`), {
    doc: `neurite model "${rt.plan.spec.name}": delta-rule readout over the spike counts of "${r.from}"`,
    metadata: metadata(io),
  });
}

export interface OnnxBundle {
  /** null for a readout-only model (no populations). */
  step: Uint8Array | null;
  sequence: Uint8Array | null;
  readout: Uint8Array | null;
  io: OnnxIo;
}

/** All three graphs (the step graph in the given input mode). */
export function exportOnnxBundle(rt: Runtime, opts: OnnxExportOptions = {}): OnnxBundle {
  const spiking = rt.plan.populations.length > 0;
  return {
    step: spiking ? exportOnnx(rt, opts) : null,
    sequence: spiking ? exportOnnxSequence(rt) : null,
    readout: rt.plan.readout ? exportOnnxReadout(rt) : null,
    io: onnxIo(rt, 'step', opts.input ?? 'vector'),
  };
}

/** The `neurite.io` description stored in a graph exported here (null if absent). */
export function readOnnxIo(metadataProps: readonly { key?: string | null; value?: string | null }[]): OnnxIo | null {
  const e = metadataProps.find((m) => m.key === 'neurite.io');
  if (!e?.value) return null;
  try {
    return JSON.parse(e.value) as OnnxIo;
  } catch {
    return null;
  }
}
