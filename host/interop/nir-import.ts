/**
 * NIR import (`neurite import FILE.nir`): a NIR graph becomes a neurite model spec plus a runtime
 * holding its weights and per-neuron state (saved as a checkpoint by the CLI).
 *
 * Primitive definitions: the NIR specification (Pedersen et al., "Neuromorphic intermediate
 * representation: A unified instruction set for interoperable brain-inspired computing", Nature
 * Communications 15, 8122, 2024; the primitive table at https://neuroir.org/docs/primitives.html):
 *   LIF      tau dv/dt = (v_leak - v) + r I;           z = [v > v_threshold]; then v = v_reset
 *   CubaLIF  tau_syn dI/dt = -I + w_in S;  tau_mem dv/dt = (v_leak - v) + r I;  same threshold/reset
 *   IF       dv/dt = r I;                              same threshold/reset
 *   LI       tau dv/dt = (v_leak - v) + r I            (no threshold: the output is v)
 *   I        dv/dt = r I;   CubaLI: CubaLIF without threshold
 *   Affine   W x + b;  Linear  W x;  Scale  s x;  Flatten (a reshape);  Conv2d, SumPool2d,
 *   AvgPool2d with PyTorch's parameter conventions;  Input / Output mark the graph's ends.
 * Several edges into one node add up.
 *
 * Discretisation onto neurite (exact integration over dt; docs/interop.md derives it):
 *  - Every chain of linear nodes between two spiking (or input) nodes is composed into one
 *    synaptic weight matrix; Conv2d and pooling are unrolled into it (refused above `maxWeights`).
 *  - Input spikes are Dirac impulses of unit area ('dirac', default) or one-step pulses of height 1
 *    ('pulse', the reading of discrete-time exporters that write w_in = tau_syn / dt); 'pulse'
 *    multiplies every jump by dt.
 *  - CubaLIF / CubaLI -> neurite 'lif' with tauSynMs, tauMemMs; v_n = v - v_leak (neurite's rest
 *    is 0); the current jump per unit spike is r w_in / tau_syn, folded into the weights (per
 *    target neuron), so neurite's I is r I in membrane units.
 *  - LIF / LI / IF / I (voltage jumps, no synaptic filter) -> neurite 'lif' with a vanishing
 *    synaptic time constant (dt/256: alpha_s is exactly 0 in f32, so the current lasts one step)
 *    and weights scaled by 1/beta, so that a spike in step k adds exactly its jump to v at the end
 *    of step k+1 (neurite's one-step synaptic latency), where the threshold is tested. IF and I
 *    use tau_mem = 1e12 dt, for which alpha_m is exactly 1 in f32 (no leak).
 *  - Thresholds: v > v_threshold - v_leak, per neuron through the threshold offset b; resets to
 *    v_reset - v_leak. Non-spiking nodes get an unreachable threshold (1e38).
 *  - Per-neuron parameter arrays: r, w_in, v_threshold and v_leak act per neuron; neurons that
 *    differ in a time constant or reset value go to separate populations (`<node>`, `<node>-2`, ...).
 *  - An Affine bias becomes a constant bias current (exact for LIF, LI, IF, I; for CubaLIF it is the
 *    synaptic filter's steady state, a warning says so). Bias currents live in the runtime state
 *    (the checkpoint), not in the spec.
 *  - A linear map from a spiking node straight to an Output becomes the delta-rule readout.
 * Metadata written by neurite's exporter (refractory period, reset by subtraction, WTA, adaptation,
 * plasticity, traces, integer weights, PRNG) is applied when it agrees with the primitives, so a
 * neurite -> NIR -> neurite round trip restores the model and its state exactly.
 * Refused with an InteropError naming the node: Delay, Threshold, Conv1d, nested NIRGraph, unknown
 * primitives, missing or non-numeric parameters, wrong shapes, bad edges, algebraic loops.
 */
import { InteropError, NeuriteError } from '../errors.js';
import { lifConstants, planModel } from '../plan/plan.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import type { LifNeuronSpec, ModelSpec, PopulationSpec, ProjectionSpec, ReadoutSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';
import { readHdf5 } from './hdf5.js';
import { metaJson, metaNumbers, metaString, parseNirTree, type NirGraph, type NirNode, type NirTensor } from './nir.js';
import { csrAdd, csrApply, CsrBuilder, csrIdentity, csrMul, type Csr } from './sparse.js';

export interface NirImportOptions {
  /** Network step, ms. Default: the file's `neurite.dt` metadata, else 1. */
  dtMs?: number;
  /** Unit of the file's time constants. Default: `neurite.time_unit` metadata, else seconds. */
  timeUnit?: 's' | 'ms';
  /** How spikes drive the ODEs (see the file header). Default: metadata, else 'dirac'. */
  spikes?: 'dirac' | 'pulse';
  /** Spec name. Default: the neurite spec in the metadata, else "nir-import". */
  name?: string;
  /** Arena budget for the plan (default: the spec's, else none). */
  budgetBytes?: number;
  /** Largest dense weight matrix per projection (default 2^24 weights). */
  maxWeights?: number;
  build?: KernelBuild;
  source?: string;
}

/** Where the neurons of a NIR neuron node live in the imported model. */
export interface NirNodeMapping {
  type: string;
  size: number;
  /** Population of each neuron, and its index there. */
  population: string[];
  index: Int32Array;
  /** NIR membrane = neurite v + vOffset (v_leak). */
  vOffset: Float64Array;
  spiking: boolean;
}

export interface NirImportResult {
  spec: ModelSpec;
  runtime: Runtime;
  warnings: string[];
  nodes: Record<string, NirNodeMapping>;
  /** True when the weights (or other state) need the runtime/checkpoint, not just the spec. */
  needsCheckpoint: boolean;
}

const NEURON_TYPES = new Set(['LIF', 'CubaLIF', 'IF', 'LI', 'I', 'CubaLI']);
const LINEAR_TYPES = new Set(['Affine', 'Linear', 'Conv2d', 'SumPool2d', 'AvgPool2d', 'Flatten', 'Scale']);
const SUPPORTED = ['Input', 'Output', ...LINEAR_TYPES, ...NEURON_TYPES].join(', ');
/** tau_mem for IF / I nodes, in steps: exp(-1e-12) rounds to 1 in f32. */
const NO_LEAK_STEPS = 1e12;
/** tau_syn for voltage-jump nodes, in steps: exp(-256) is 0 in f32. */
const JUMP_SYN_STEPS = 1 / 256;
const NEVER = 1e38;
const MAX_NEURONS = 1 << 20;
const MAX_VALUES = 1 << 26;

/** Reads a NIR file (HDF5 bytes) and imports it. */
export async function importNir(bytes: Uint8Array, opts: NirImportOptions = {}): Promise<NirImportResult> {
  const tree = await readHdf5(bytes, { source: opts.source });
  try {
    return importNirGraph(parseNirTree(tree, opts.source), opts);
  } catch (e) {
    // A safety net for untrusted files: whatever goes wrong is reported as a typed error.
    if (e instanceof NeuriteError) throw e;
    throw new InteropError('nir', null, `cannot import the graph: ${(e as Error).message}`, opts.source);
  }
}

interface Contribution {
  /** null = identity (the source's output itself). */
  m: Csr | null;
  /** Linear nodes the contribution passed through. */
  via: string[];
}

interface Incoming {
  bySource: Map<string, Contribution>;
  bias: Float64Array | null;
  size: number;
}

export function importNirGraph(graph: NirGraph, opts: NirImportOptions = {}): NirImportResult {
  const source = opts.source ?? '<buffer>';
  const fail = (node: string | null, reason: string): never => {
    throw new InteropError('nir', node, reason, source);
  };
  const warnings: string[] = [];
  const maxWeights = opts.maxWeights ?? 1 << 24;

  // --- Graph structure --------------------------------------------------------------------------
  const byName = new Map<string, NirNode>();
  for (const n of graph.nodes) byName.set(n.name, n);
  const preds = new Map<string, string[]>(graph.nodes.map((n) => [n.name, []]));
  const succs = new Map<string, string[]>(graph.nodes.map((n) => [n.name, []]));
  for (const [a, b] of graph.edges) {
    if (!byName.has(a)) fail(a, `is the source of edge ("${a}", "${b}") but no such node exists`);
    if (!byName.has(b)) fail(b, `is the target of edge ("${a}", "${b}") but no such node exists`);
    preds.get(b)!.push(a);
    succs.get(a)!.push(b);
  }
  for (const n of graph.nodes) {
    if (n.type === 'NIRGraph') fail(n.name, 'nested NIRGraph subgraphs are not supported; flatten the graph first');
    if (n.type !== 'Input' && n.type !== 'Output' && !NEURON_TYPES.has(n.type) && !LINEAR_TYPES.has(n.type)) {
      fail(n.name, `primitive "${n.type}" has no neurite equivalent (supported: ${SUPPORTED})`);
    }
    if (n.type === 'Input' && preds.get(n.name)!.length > 0) fail(n.name, 'an Input node cannot have incoming edges');
    if (n.type === 'Output' && succs.get(n.name)!.length > 0) fail(n.name, 'an Output node cannot have outgoing edges');
  }
  const inputs = graph.nodes.filter((n) => n.type === 'Input');
  if (inputs.length === 0) fail(null, 'the graph has no Input node');
  if (inputs.length > 1) fail(inputs[1].name, `a second Input node (neurite models have one input layer; the first is "${inputs[0].name}")`);
  const inputNode = inputs[0];

  // --- Parameters --------------------------------------------------------------------------------
  const param = (n: NirNode, key: string, required: boolean): NirTensor | null => {
    const v = n.params[key];
    if (v === undefined) {
      if (required) fail(n.name, `(${n.type}) is missing its parameter "${key}"`);
      return null;
    }
    if (v.kind !== 'tensor') return fail(n.name, `(${n.type}) parameter "${key}" must be numeric, got a string`);
    for (let i = 0; i < v.data.length; i++) if (!Number.isFinite(v.data[i])) fail(n.name, `(${n.type}) parameter "${key}" has a non-finite value (${v.data[i]}) at index ${i}`);
    return v;
  };
  const ints = (n: NirNode, key: string, count: number, dflt: number[] | null): number[] => {
    const t = param(n, key, dflt === null);
    if (t === null) return dflt!;
    const vals = Array.from(t.data);
    if (!vals.every((x) => Number.isInteger(x))) fail(n.name, `(${n.type}) parameter "${key}" must hold integers, got [${vals.join(', ')}]`);
    if (vals.length === 1) return new Array(count).fill(vals[0]);
    if (vals.length !== count) fail(n.name, `(${n.type}) parameter "${key}" must have 1 or ${count} values, got ${vals.length}`);
    return vals;
  };
  const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;
  const sizeOfShape = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

  // --- Shapes ------------------------------------------------------------------------------------
  const shapes = new Map<string, number[]>();
  const resolving = new Set<string>();
  const neuronParamShape = (n: NirNode): number[] | null => {
    let best: number[] | null = null;
    for (const [k, v] of Object.entries(n.params)) {
      if (v.kind !== 'tensor' || k.includes('.')) continue;
      if (sizeOfShape(v.shape) > 1) {
        if (best && sizeOfShape(best) !== sizeOfShape(v.shape)) {
          fail(n.name, `(${n.type}) parameter "${k}" has shape ${shapeText(v.shape)}, but another parameter has shape ${shapeText(best)}`);
        }
        best ??= v.shape;
      }
    }
    return best;
  };
  const inputShapeOf = (n: NirNode): number[] | null => {
    let found: number[] | null = null;
    for (const p of preds.get(n.name)!) {
      if (resolving.has(p)) continue;
      const s = shapeOf(p);
      if (s === null) continue;
      if (found && sizeOfShape(found) !== sizeOfShape(s)) {
        fail(n.name, `its inputs disagree in size: ${sizeOfShape(found)} values from one edge, ${sizeOfShape(s)} from "${p}"`);
      }
      found ??= s;
    }
    return found;
  };
  function shapeOf(name: string): number[] | null {
    const hit = shapes.get(name);
    if (hit) return hit;
    if (resolving.has(name)) return null;
    resolving.add(name);
    try {
      const n = byName.get(name)!;
      let s: number[] | null;
      switch (n.type) {
        case 'Input': {
          const t = param(n, 'shape', false) ?? param(n, 'input_type.input', false);
          if (t === null) fail(n.name, '(Input) is missing its parameter "shape"');
          s = Array.from(t!.data);
          if (!s.every((d) => Number.isInteger(d) && d >= 1)) fail(n.name, `(Input) shape must hold positive integers, got ${shapeText(s)}`);
          break;
        }
        case 'Output':
          s = inputShapeOf(n) ?? (param(n, 'shape', false) ? Array.from(param(n, 'shape', false)!.data) : null);
          break;
        case 'Affine':
        case 'Linear': {
          const w = param(n, 'weight', true)!;
          if (w.shape.length !== 2) fail(n.name, `(${n.type}) weight must be a matrix [out, in], got shape ${shapeText(w.shape)}`);
          const inS = inputShapeOf(n);
          if (inS && sizeOfShape(inS) !== w.shape[1]) {
            fail(n.name, `(${n.type}) weight has ${w.shape[1]} columns but its input provides ${sizeOfShape(inS)} values`);
          }
          if (n.type === 'Affine') {
            const b = param(n, 'bias', true)!;
            if (b.data.length !== 1 && b.data.length !== w.shape[0]) fail(n.name, `(Affine) bias has shape ${shapeText(b.shape)}, expected [${w.shape[0]}]`);
          }
          s = [w.shape[0]];
          break;
        }
        case 'Scale': {
          param(n, 'scale', true);
          s = inputShapeOf(n);
          break;
        }
        case 'Flatten': {
          const inS = inputShapeOf(n) ?? (param(n, 'input_type.input', false) ? Array.from(param(n, 'input_type.input', false)!.data) : null);
          if (inS === null) { s = null; break; }
          const rank = inS.length;
          const norm = (d: number): number => Math.min(Math.max(d < 0 ? d + rank : d, 0), Math.max(rank - 1, 0));
          const sd = norm(ints(n, 'start_dim', 1, [0])[0]);
          const ed = norm(ints(n, 'end_dim', 1, [-1])[0]);
          s = ed < sd ? inS : [...inS.slice(0, sd), sizeOfShape(inS.slice(sd, ed + 1)), ...inS.slice(ed + 1)];
          break;
        }
        case 'Conv2d': {
          const g = convGeometry(n);
          s = g ? [g.cOut, g.hOut, g.wOut] : null;
          break;
        }
        case 'SumPool2d':
        case 'AvgPool2d': {
          const g = poolGeometry(n);
          s = g ? [g.c, g.hOut, g.wOut] : null;
          break;
        }
        default: {
          // Neurons: the parameters' shape, else the input's.
          s = neuronParamShape(n) ?? inputShapeOf(n);
          const inS = inputShapeOf(n);
          if (s && inS && sizeOfShape(inS) !== sizeOfShape(s)) {
            fail(n.name, `(${n.type}) has ${sizeOfShape(s)} neurons but its input provides ${sizeOfShape(inS)} values`);
          }
        }
      }
      if (s) shapes.set(name, s);
      return s;
    } finally {
      resolving.delete(name);
    }
  }

  interface ConvGeometry { cIn: number; h: number; w: number; cOut: number; kh: number; kw: number; sy: number; sx: number; py: number; px: number; dy: number; dx: number; groups: number; hOut: number; wOut: number }
  function spatialInput(n: NirNode, channels: number | null): [number, number, number] | null {
    const given = param(n, 'input_shape', false);
    let s = inputShapeOf(n);
    if (given) {
      const gs = Array.from(given.data);
      const full = gs.length === 2 && channels !== null ? [channels, ...gs] : gs;
      if (full.length !== 3) fail(n.name, `(${n.type}) input_shape must be [C, H, W] or [H, W], got ${shapeText(gs)}`);
      if (s && sizeOfShape(s) !== sizeOfShape(full)) fail(n.name, `(${n.type}) input_shape ${shapeText(full)} holds ${sizeOfShape(full)} values but its input provides ${sizeOfShape(s)}`);
      s = full;
    }
    if (s === null) return null;
    if (s.length === 2 && channels === 1) s = [1, ...s];
    if (s.length !== 3) fail(n.name, `(${n.type}) needs an input of shape [C, H, W], got ${shapeText(s)} (give input_shape)`);
    return [s[0], s[1], s[2]];
  }
  function convGeometry(n: NirNode): ConvGeometry | null {
    const w = param(n, 'weight', true)!;
    if (w.shape.length !== 4) fail(n.name, `(Conv2d) weight must be [C_out, C_in / groups, kH, kW], got shape ${shapeText(w.shape)}`);
    const [cOut, cInG, kh, kw] = w.shape;
    const groups = ints(n, 'groups', 1, [1])[0];
    if (groups < 1 || cOut % groups !== 0) fail(n.name, `(Conv2d) groups = ${groups} must divide C_out = ${cOut}`);
    const inp = spatialInput(n, cInG * groups);
    if (!inp) return null;
    const [cIn, h, wd] = inp;
    if (cIn !== cInG * groups) fail(n.name, `(Conv2d) weight expects ${cInG * groups} input channels, the input has ${cIn}`);
    const [sy, sx] = ints(n, 'stride', 2, [1, 1]);
    const [dy, dx] = ints(n, 'dilation', 2, [1, 1]);
    let py: number;
    let px: number;
    const pad = n.params.padding;
    if (pad && pad.kind === 'string') {
      const mode = pad.values[0];
      if (mode === 'valid') { py = 0; px = 0; }
      else if (mode === 'same') {
        if (sy !== 1 || sx !== 1) fail(n.name, '(Conv2d) padding "same" needs stride 1');
        const ty = dy * (kh - 1);
        const tx = dx * (kw - 1);
        if (ty % 2 !== 0 || tx % 2 !== 0) fail(n.name, '(Conv2d) padding "same" with an even kernel pads asymmetrically, which is not supported');
        py = ty / 2;
        px = tx / 2;
      } else return fail(n.name, `(Conv2d) padding "${mode}" is not one of "same", "valid" or integers`);
    } else [py, px] = ints(n, 'padding', 2, [0, 0]);
    if ([sy, sx, dy, dx].some((v) => v < 1) || py < 0 || px < 0) fail(n.name, '(Conv2d) stride and dilation must be >= 1 and padding >= 0');
    const hOut = Math.floor((h + 2 * py - dy * (kh - 1) - 1) / sy) + 1;
    const wOut = Math.floor((wd + 2 * px - dx * (kw - 1) - 1) / sx) + 1;
    if (hOut < 1 || wOut < 1) fail(n.name, `(Conv2d) a ${kh}x${kw} kernel does not fit the ${h}x${wd} input`);
    const bias = param(n, 'bias', false);
    if (bias && bias.data.length !== 1 && bias.data.length !== cOut) fail(n.name, `(Conv2d) bias has shape ${shapeText(bias.shape)}, expected [${cOut}]`);
    return { cIn, h, w: wd, cOut, kh, kw, sy, sx, py, px, dy, dx, groups, hOut, wOut };
  }
  function poolGeometry(n: NirNode): { c: number; h: number; w: number; kh: number; kw: number; sy: number; sx: number; py: number; px: number; hOut: number; wOut: number } | null {
    const [kh, kw] = ints(n, 'kernel_size', 2, null);
    const [sy, sx] = ints(n, 'stride', 2, [kh, kw]);
    const [py, px] = ints(n, 'padding', 2, [0, 0]);
    if ([kh, kw, sy, sx].some((v) => v < 1) || py < 0 || px < 0) fail(n.name, `(${n.type}) kernel_size and stride must be >= 1 and padding >= 0`);
    const inp = spatialInput(n, null);
    if (!inp) return null;
    const [c, h, w] = inp;
    const hOut = Math.floor((h + 2 * py - kh) / sy) + 1;
    const wOut = Math.floor((w + 2 * px - kw) / sx) + 1;
    if (hOut < 1 || wOut < 1) fail(n.name, `(${n.type}) a ${kh}x${kw} window does not fit the ${h}x${w} input`);
    return { c, h, w, kh, kw, sy, sx, py, px, hOut, wOut };
  }

  for (const n of graph.nodes) {
    const s = shapeOf(n.name);
    if (s === null && n.type !== 'Output') fail(n.name, `(${n.type}) its size cannot be inferred (give its parameters per neuron, or an input_shape)`);
    const size = s ? sizeOfShape(s) : 0;
    if (NEURON_TYPES.has(n.type) && size > MAX_NEURONS) fail(n.name, `(${n.type}) has ${size} neurons; a neurite population holds at most ${MAX_NEURONS}`);
    if (size > MAX_VALUES) fail(n.name, `(${n.type}) produces ${size} values (limit ${MAX_VALUES})`);
  }
  const sizeOf = (name: string): number => sizeOfShape(shapes.get(name) ?? [0]);

  // --- Linear maps -------------------------------------------------------------------------------
  const limitFail = (node: string) => (): never => fail(node, `the composed weight matrix exceeds ${maxWeights} nonzeros`);
  function matrixOf(n: NirNode): { a: Csr | null; bias: Float64Array | null } {
    const inSize = sizeOfShape(inputShapeOf(n) ?? shapes.get(n.name)!);
    const outSize = sizeOf(n.name);
    switch (n.type) {
      case 'Flatten':
        return { a: null, bias: null };
      case 'Scale': {
        const s = param(n, 'scale', true)!;
        if (s.data.length !== 1 && s.data.length !== inSize) fail(n.name, `(Scale) scale has shape ${shapeText(s.shape)}, expected [${inSize}] or a scalar`);
        if (inSize > maxWeights) limitFail(n.name)();
        const b = new CsrBuilder(inSize, inSize);
        for (let i = 0; i < inSize; i++) { b.push(i, s.data.length === 1 ? s.data[0] : s.data[i]); b.endRow(); }
        return { a: b.finish(), bias: null };
      }
      case 'Affine':
      case 'Linear': {
        const w = param(n, 'weight', true)!;
        const [rows, cols] = w.shape;
        if (rows * cols > maxWeights) limitFail(n.name)();
        const b = new CsrBuilder(cols, rows * cols);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) { const v = w.data[r * cols + c]; if (v !== 0) b.push(c, v); }
          b.endRow();
        }
        let bias: Float64Array | null = null;
        if (n.type === 'Affine') {
          const bb = param(n, 'bias', true)!;
          bias = bb.data.length === 1 ? new Float64Array(rows).fill(bb.data[0]) : Float64Array.from(bb.data);
          if (bias.every((x) => x === 0)) bias = null;
        }
        return { a: b.finish(), bias };
      }
      case 'Conv2d': {
        const g = convGeometry(n)!;
        const w = param(n, 'weight', true)!;
        const cInG = g.cIn / g.groups;
        const cOutG = g.cOut / g.groups;
        if (outSize * cInG * g.kh * g.kw > maxWeights) limitFail(n.name)();
        const b = new CsrBuilder(g.cIn * g.h * g.w, outSize * cInG * g.kh * g.kw, maxWeights, limitFail(n.name));
        const row = new Map<number, number>();
        for (let co = 0; co < g.cOut; co++) {
          const grp = Math.floor(co / cOutG);
          for (let oy = 0; oy < g.hOut; oy++) {
            for (let ox = 0; ox < g.wOut; ox++) {
              row.clear();
              for (let cl = 0; cl < cInG; cl++) {
                const ci = grp * cInG + cl;
                for (let ky = 0; ky < g.kh; ky++) {
                  const iy = oy * g.sy - g.py + ky * g.dy;
                  if (iy < 0 || iy >= g.h) continue;
                  for (let kx = 0; kx < g.kw; kx++) {
                    const ix = ox * g.sx - g.px + kx * g.dx;
                    if (ix < 0 || ix >= g.w) continue;
                    const v = w.data[((co * cInG + cl) * g.kh + ky) * g.kw + kx];
                    const col = (ci * g.h + iy) * g.w + ix;
                    row.set(col, (row.get(col) ?? 0) + v);
                  }
                }
              }
              for (const col of [...row.keys()].sort((x, y) => x - y)) if (row.get(col) !== 0) b.push(col, row.get(col)!);
              b.endRow();
            }
          }
        }
        const bb = param(n, 'bias', false);
        let bias: Float64Array | null = null;
        if (bb && bb.data.some((x) => x !== 0)) {
          bias = new Float64Array(outSize);
          for (let co = 0; co < g.cOut; co++) bias.fill(bb.data.length === 1 ? bb.data[0] : bb.data[co], co * g.hOut * g.wOut, (co + 1) * g.hOut * g.wOut);
        }
        return { a: b.finish(), bias };
      }
      default: {
        // SumPool2d / AvgPool2d
        const g = poolGeometry(n)!;
        const scale = n.type === 'AvgPool2d' ? 1 / (g.kh * g.kw) : 1;
        if (outSize * g.kh * g.kw > maxWeights) limitFail(n.name)();
        const b = new CsrBuilder(g.c * g.h * g.w, outSize * g.kh * g.kw, maxWeights, limitFail(n.name));
        for (let c = 0; c < g.c; c++) {
          for (let oy = 0; oy < g.hOut; oy++) {
            for (let ox = 0; ox < g.wOut; ox++) {
              const cols: number[] = [];
              for (let ky = 0; ky < g.kh; ky++) {
                const iy = oy * g.sy - g.py + ky;
                if (iy < 0 || iy >= g.h) continue;
                for (let kx = 0; kx < g.kw; kx++) {
                  const ix = ox * g.sx - g.px + kx;
                  if (ix >= 0 && ix < g.w) cols.push((c * g.h + iy) * g.w + ix);
                }
              }
              cols.sort((x, y) => x - y);
              for (const col of cols) b.push(col, scale);
              b.endRow();
            }
          }
        }
        return { a: b.finish(), bias: null };
      }
    }
  }

  const isSource = (name: string): boolean => {
    const t = byName.get(name)!.type;
    return t === 'Input' || NEURON_TYPES.has(t);
  };
  const linearMemo = new Map<string, Incoming>();
  const linearActive = new Set<string>();
  const addInto = (acc: Incoming, src: string, c: Contribution, size: number, at: string): void => {
    const prev = acc.bySource.get(src);
    if (!prev) { acc.bySource.set(src, c); return; }
    const a = prev.m ?? csrIdentity(size);
    const b = c.m ?? csrIdentity(size);
    if (a.rows !== b.rows || a.cols !== b.cols) fail(at, `receives "${src}" along two paths of different sizes`);
    acc.bySource.set(src, { m: csrAdd(a, b), via: [...prev.via, ...c.via] });
  };
  /** Everything that flows into `name`, as linear maps of the sources (Input and neuron nodes). */
  function incoming(name: string): Incoming {
    const size = sizeOfShape(inputShapeOf(byName.get(name)!) ?? shapes.get(name) ?? [0]);
    const acc: Incoming = { bySource: new Map(), bias: null, size };
    for (const p of preds.get(name)!) {
      const ps = sizeOf(p);
      if (ps !== size) fail(name, `receives ${ps} values from "${p}" but expects ${size}`);
      if (isSource(p)) addInto(acc, p, { m: null, via: [] }, size, name);
      else {
        const o = linearOut(p);
        for (const [src, c] of o.bySource) addInto(acc, src, c, size, name);
        if (o.bias) {
          acc.bias ??= new Float64Array(size);
          for (let i = 0; i < size; i++) acc.bias[i] += o.bias[i];
        }
      }
    }
    return acc;
  }
  function linearOut(name: string): Incoming {
    const hit = linearMemo.get(name);
    if (hit) return hit;
    if (linearActive.has(name)) fail(name, 'is on a loop of linear nodes with no neuron in it (an algebraic loop)');
    linearActive.add(name);
    const n = byName.get(name)!;
    const inc = incoming(name);
    const { a, bias } = matrixOf(n);
    const out: Incoming = { bySource: new Map(), bias: null, size: sizeOf(name) };
    for (const [src, c] of inc.bySource) {
      const m = a === null ? c.m : c.m === null ? a : csrMul(a, c.m, maxWeights, limitFail(name));
      out.bySource.set(src, { m, via: [...c.via, name] });
    }
    if (inc.bias) out.bias = a === null ? inc.bias : csrApply(a, inc.bias);
    if (bias) {
      out.bias ??= new Float64Array(out.size);
      for (let i = 0; i < out.size; i++) out.bias[i] += bias[i];
    }
    linearActive.delete(name);
    linearMemo.set(name, out);
    return out;
  }

  // --- Neuron nodes -> populations ---------------------------------------------------------------
  const meta = graph.metadata;
  const nSpec = metaJson<ModelSpec>(meta, 'neurite.spec');
  const timeUnit = opts.timeUnit ?? (metaString(meta, 'neurite.time_unit') === 'ms' ? 'ms' : 's');
  const unitMs = timeUnit === 's' ? 1000 : 1;
  const metaDt = metaNumbers(meta, 'neurite.dt');
  const dtMs = opts.dtMs ?? (metaDt && metaDt.length === 1 && metaDt[0] > 0 ? metaDt[0] * unitMs : 1);
  if (!(dtMs > 0) || !Number.isFinite(dtMs)) fail(null, `dt must be a positive number of ms, got ${dtMs}`);
  const convention = opts.spikes ?? (metaString(meta, 'neurite.spike_convention') === 'pulse' ? 'pulse' : 'dirac');
  const dtF = dtMs / unitMs;
  const pulse = convention === 'pulse' ? dtF : 1;

  interface NeuronPlan {
    node: NirNode;
    n: number;
    spiking: boolean;
    /** Per neuron: group key parts and the scales. */
    tauMemMs: Float64Array;
    tauSynMs: Float64Array;
    reset: Float64Array;
    theta: Float64Array;
    vOffset: Float64Array;
    weightScale: Float64Array;
    biasScale: Float64Array;
    /** neurite metadata (exact restoration), when consistent. */
    neurite: { name: string; neuron: LifNeuronSpec; wta?: PopulationSpec['wta']; teacher?: PopulationSpec['teacher']; b: Float64Array | null; bias: Float64Array | null } | null;
  }

  const vec = (n: NirNode, key: string, size: number, dflt: number | null, check?: (x: number) => boolean, what?: string): Float64Array => {
    const t = param(n, key, dflt === null);
    if (t === null) return new Float64Array(size).fill(dflt!);
    if (t.data.length !== 1 && t.data.length !== size) {
      fail(n.name, `(${n.type}) parameter "${key}" has shape ${shapeText(t.shape)}, expected [${size}] or a scalar`);
    }
    const out = t.data.length === 1 ? new Float64Array(size).fill(t.data[0]) : Float64Array.from(t.data);
    if (check) for (let i = 0; i < size; i++) if (!check(out[i])) fail(n.name, `(${n.type}) parameter "${key}" must be ${what}, got ${out[i]} at index ${i}`);
    return out;
  };

  const neuronPlans: NeuronPlan[] = [];
  for (const node of graph.nodes) {
    if (!NEURON_TYPES.has(node.type)) continue;
    const n = sizeOf(node.name);
    const t = node.type;
    const spiking = t === 'LIF' || t === 'CubaLIF' || t === 'IF';
    const positive = (x: number) => x > 0;
    const tauMemMs = new Float64Array(n);
    const tauSynMs = new Float64Array(n);
    const weightScale = new Float64Array(n);
    const biasScale = new Float64Array(n);
    const r = vec(node, 'r', n, null);
    const hasLeak = t !== 'IF' && t !== 'I';
    const vLeak = hasLeak ? vec(node, 'v_leak', n, null) : new Float64Array(n);
    const vTh = spiking ? vec(node, 'v_threshold', n, null) : new Float64Array(n).fill(NEVER);
    const vReset = spiking ? vec(node, 'v_reset', n, 0) : new Float64Array(n);
    if (t === 'CubaLIF' || t === 'CubaLI') {
      const ts = vec(node, 'tau_syn', n, null, positive, '> 0');
      const tm = vec(node, 'tau_mem', n, null, positive, '> 0');
      const wIn = vec(node, 'w_in', n, 1);
      for (let j = 0; j < n; j++) {
        tauSynMs[j] = ts[j] * unitMs;
        tauMemMs[j] = tm[j] * unitMs;
        weightScale[j] = ((r[j] * wIn[j]) / ts[j]) * pulse;
        biasScale[j] = r[j] * wIn[j];
      }
    } else {
      const tau = hasLeak ? vec(node, 'tau', n, null, positive, '> 0') : null;
      for (let j = 0; j < n; j++) {
        tauMemMs[j] = tau ? tau[j] * unitMs : NO_LEAK_STEPS * dtMs;
        tauSynMs[j] = JUMP_SYN_STEPS * dtMs;
      }
      // weight and bias scales need the group's beta / gamma: filled in per group below.
      for (let j = 0; j < n; j++) {
        weightScale[j] = tau ? (r[j] / tau[j]) * pulse : r[j] * pulse;
        biasScale[j] = tau ? r[j] : r[j] * dtF;
      }
    }
    const theta = new Float64Array(n);
    const reset = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      theta[j] = spiking ? vTh[j] - vLeak[j] : NEVER;
      reset[j] = spiking ? vReset[j] - vLeak[j] : 0;
    }
    // neurite's own metadata: exact restoration when it agrees with the primitives.
    let neurite: NeuronPlan['neurite'] = null;
    const nm = node.metadata;
    const nrn = metaJson<LifNeuronSpec>(nm, 'neurite.neuron');
    const popName = metaString(nm, 'neurite.population');
    if (nrn && popName && t === 'CubaLIF' && nrn.model === 'lif') {
      const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-30);
      const rv = nrn.reset.mode === 'value' ? nrn.reset.value : 0;
      const ok = Array.from(tauMemMs).every((x) => close(x, nrn.tauMemMs)) && Array.from(tauSynMs).every((x) => close(x, nrn.tauSynMs)) &&
        Array.from(reset).every((x) => close(x, rv)) && Array.from(weightScale).every((x) => close(x, 1)) && Array.from(vLeak).every((x) => x === 0);
      const b = metaNumbers(nm, 'neurite.b');
      if (ok && (b === null || b.length === n)) {
        const thOk = b === null || Array.from(theta).every((x, j) => close(x, nrn.threshold + b[j]));
        if (thOk) {
          neurite = {
            name: popName,
            neuron: nrn,
            wta: metaJson(nm, 'neurite.wta') ?? undefined,
            teacher: metaJson(nm, 'neurite.teacher') ?? undefined,
            b,
            bias: metaNumbers(nm, 'neurite.bias'),
          };
          tauMemMs.fill(nrn.tauMemMs);
          tauSynMs.fill(nrn.tauSynMs);
          reset.fill(rv);
          weightScale.fill(1);
        }
      }
      if (!neurite) warnings.push(`node "${node.name}": its neurite metadata disagrees with its NIR parameters (edited elsewhere?); the NIR parameters are used`);
    }
    neuronPlans.push({ node, n, spiking, tauMemMs, tauSynMs, reset, theta, vOffset: vLeak, weightScale, biasScale, neurite });
  }

  // Groups of neurons that can share one neurite population.
  const usedNames = new Set<string>(['input']);
  const ident = (raw: string): string => {
    let s = raw.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').replace(/-+$/, '');
    if (s === '' || s === 'input') s = `n-${s || 'node'}`;
    return s;
  };
  const uniqueName = (want: string): string => {
    let name = want;
    for (let k = 2; usedNames.has(name); k++) name = `${want}-${k}`;
    usedNames.add(name);
    return name;
  };
  interface Group { plan: NeuronPlan; name: string; members: number[]; spec: PopulationSpec; b: Float32Array; bias: Float32Array; scale: Float64Array }
  const groups: Group[] = [];
  const mappings: Record<string, NirNodeMapping> = {};
  const groupOf = new Map<string, { group: Int32Array; local: Int32Array }>();
  for (const np of neuronPlans) {
    const keyOf = (j: number) => `${np.tauMemMs[j]}|${np.tauSynMs[j]}|${np.reset[j]}`;
    const byKey = new Map<string, number[]>();
    for (let j = 0; j < np.n; j++) {
      const k = keyOf(j);
      const list = byKey.get(k);
      if (list) list.push(j);
      else byKey.set(k, [j]);
    }
    const gIdx = new Int32Array(np.n);
    const local = new Int32Array(np.n);
    const mapping: NirNodeMapping = { type: np.node.type, size: np.n, population: new Array(np.n), index: new Int32Array(np.n), vOffset: np.vOffset, spiking: np.spiking };
    if (byKey.size > 1) warnings.push(`node "${np.node.name}": its neurons differ in time constants or reset value, so it becomes ${byKey.size} populations`);
    const base = np.neurite ? np.neurite.name : ident(np.node.name);
    for (const members of byKey.values()) {
      const j0 = members[0];
      const name = uniqueName(base);
      const tauMemMs = np.tauMemMs[j0];
      const tauSynMs = np.tauSynMs[j0];
      let neuron: LifNeuronSpec;
      let b: Float32Array;
      if (np.neurite) {
        neuron = np.neurite.neuron;
        b = np.neurite.b ? Float32Array.from(np.neurite.b) : new Float32Array(members.length);
      } else {
        const thetas = members.map((j) => np.theta[j]);
        const uniform = thetas.every((x) => x === thetas[0]);
        const positive = thetas.filter((x) => x > 0);
        const baseTh = uniform && thetas[0] > 0 ? thetas[0] : positive.length > 0 ? Math.max(...positive) : 1;
        b = Float32Array.from(thetas, (x) => x - baseTh);
        neuron = { model: 'lif', tauMemMs, tauSynMs, threshold: baseTh, reset: { mode: 'value', value: np.reset[j0] }, refractoryMs: 0 };
      }
      const spec: PopulationSpec = { name, size: members.length, neuron };
      if (np.neurite?.wta) spec.wta = np.neurite.wta;
      if (np.neurite?.teacher) spec.teacher = np.neurite.teacher;
      // Voltage-jump nodes: land each jump exactly (weights / beta; bias / gamma for IF and I).
      const scale = new Float64Array(members.length);
      const bias = new Float32Array(members.length);
      const jump = np.node.type !== 'CubaLIF' && np.node.type !== 'CubaLI';
      const c = lifConstants(neuron, dtMs);
      const betaF = Math.fround(c.beta);
      members.forEach((j, k) => {
        scale[k] = jump ? np.weightScale[j] / betaF : np.weightScale[j];
        gIdx[j] = groups.length;
        local[j] = k;
        mapping.population[j] = name;
        mapping.index[j] = k;
      });
      groups.push({ plan: np, name, members, spec, b, bias, scale });
    }
    groupOf.set(np.node.name, { group: gIdx, local });
    mappings[np.node.name] = mapping;
  }

  // Bias currents from Affine / Conv2d biases.
  for (const np of neuronPlans) {
    const inc = incoming(np.node.name);
    if (!inc.bias) continue;
    const go = groupOf.get(np.node.name)!;
    const jump = np.node.type !== 'CubaLIF' && np.node.type !== 'CubaLI';
    if (!jump) warnings.push(`node "${np.node.name}": its input bias becomes a constant current at the synaptic filter's steady state (the first ~tau_syn of a sample differs from NIR)`);
    for (let j = 0; j < np.n; j++) {
      const g = groups[go.group[j]];
      const c = lifConstants(g.spec.neuron as LifNeuronSpec, dtMs);
      // LIF/LI/CubaLIF: the bias enters tau dv/dt directly (bias = r b, exact integration via gamma);
      // IF/I: per step r b dt, added as gamma * bias.
      const noLeak = np.node.type === 'IF' || np.node.type === 'I';
      g.bias[go.local[j]] = noLeak ? (np.biasScale[j] * inc.bias[j]) / Math.fround(c.gamma) : np.biasScale[j] * inc.bias[j];
    }
  }
  for (const g of groups) if (g.plan.neurite?.bias) g.bias.set(Float32Array.from(g.plan.neurite.bias));

  // --- Input -------------------------------------------------------------------------------------
  const inShape = shapes.get(inputNode.name)!;
  let input: ModelSpec['input'];
  if (inShape.length === 1) input = { width: inShape[0], height: 1, polarity: 'merge' };
  else if (inShape.length === 2) input = { width: inShape[1], height: inShape[0], polarity: 'merge' };
  else if (inShape.length === 3 && (inShape[0] === 1 || inShape[0] === 2)) input = { width: inShape[2], height: inShape[1], polarity: inShape[0] === 2 ? 'split' : 'merge' };
  else return fail(inputNode.name, `(Input) shape ${shapeText(inShape)} is not a sensor layout neurite can take ([N], [H, W], [1, H, W] or [2 (OFF, ON), H, W])`);
  if (nSpec?.input && nSpec.input.width === input.width && nSpec.input.height === input.height && nSpec.input.polarity === input.polarity) input = nSpec.input;
  const nInput = sizeOf(inputNode.name);

  // --- Projections -------------------------------------------------------------------------------
  interface ProjPlan { spec: ProjectionSpec; weights: Float32Array; nIn: number; nOut: number; via: string[] }
  const projections: ProjPlan[] = [];
  for (const np of neuronPlans) {
    const inc = incoming(np.node.name);
    const go = groupOf.get(np.node.name)!;
    for (const [src, contrib] of inc.bySource) {
      const srcNode = byName.get(src)!;
      const srcGroups = srcNode.type === 'Input' ? null : groupOf.get(src)!;
      const m = contrib.m ?? csrIdentity(np.n);
      if (m.cols !== sizeOf(src)) fail(np.node.name, `its input from "${src}" has ${m.cols} columns for ${sizeOf(src)} values`);
      // One projection per (source group, target group) pair with any nonzero weight.
      const blocks = new Map<string, { from: string; to: number; nIn: number; w: Float32Array }>();
      for (let j = 0; j < np.n; j++) {
        const tg = go.group[j];
        const g = groups[tg];
        const jl = go.local[j];
        const cj = g.scale[jl];
        for (let p = m.ptr[j]; p < m.ptr[j + 1]; p++) {
          const col = m.idx[p];
          const fromName = srcGroups ? groups[srcGroups.group[col]].name : 'input';
          const il = srcGroups ? srcGroups.local[col] : col;
          const nIn = srcGroups ? groups[srcGroups.group[col]].members.length : nInput;
          const key = `${fromName}|${tg}`;
          let blk = blocks.get(key);
          if (!blk) {
            if (nIn * g.members.length > maxWeights) fail(np.node.name, `the projection from "${src}" would need ${nIn * g.members.length} weights (limit ${maxWeights})`);
            blk = { from: fromName, to: tg, nIn, w: new Float32Array(nIn * g.members.length) };
            blocks.set(key, blk);
          }
          blk.w[il * g.members.length + jl] = m.val[p] * cj;
        }
      }
      const carrier = contrib.via.map((v) => byName.get(v)!).filter((v) => metaString(v.metadata, 'neurite.projection') !== null);
      for (const blk of blocks.values()) {
        const to = groups[blk.to];
        let spec: ProjectionSpec = { from: blk.from, to: to.name, weights: { dtype: 'f32', init: { kind: 'constant', value: 0 } } };
        const first = blk.w[0];
        if (blk.w.every((x) => x === first)) spec.weights.init = { kind: 'constant', value: first };
        if (carrier.length === 1) {
          const ps = metaJson<ProjectionSpec>(carrier[0].metadata, 'neurite.spec');
          if (ps && ps.from === blk.from && ps.to === to.name) {
            // The graph carries the dense matrix: sparse, conv2d and block-sparse come back dense.
            const { connectivity, ...dense } = ps;
            spec = connectivity === undefined || connectivity.kind === 'dense' ? ps : dense;
          }
        }
        projections.push({ spec, weights: blk.w, nIn: blk.nIn, nOut: to.members.length, via: contrib.via });
      }
    }
  }
  // Every population needs an input (spec rule): a node whose incoming maps are all zero gets a
  // zero projection from its first source; a node with no incoming edge at all is refused.
  for (const g of groups) {
    if (projections.some((p) => p.spec.to === g.name)) continue;
    const src = [...incoming(g.plan.node.name).bySource.keys()][0];
    if (src === undefined) fail(g.plan.node.name, `(${g.plan.node.type}) has no incoming edge; neurite populations need an input`);
    const from = byName.get(src)!.type === 'Input' ? 'input' : groups[groupOf.get(src)!.group[0]].name;
    const nIn = from === 'input' ? nInput : groups[groupOf.get(src)!.group[0]].members.length;
    projections.push({ spec: { from, to: g.name, weights: { dtype: 'f32', init: { kind: 'constant', value: 0 } } }, weights: new Float32Array(nIn * g.members.length), nIn, nOut: g.members.length, via: [] });
  }
  // Keep the projection order of a neurite export (the runtime applies them in spec order).
  if (nSpec?.projections) {
    const order = nSpec.projections.map((p) => p.name ?? `${p.from}->${p.to}`);
    const pos = (p: ProjPlan) => { const k = order.indexOf(p.spec.name ?? `${p.spec.from}->${p.spec.to}`); return k < 0 ? Infinity : k; };
    projections.sort((a, b) => pos(a) - pos(b));
  }

  // --- Outputs and the readout --------------------------------------------------------------------
  let readout: { spec: ReadoutSpec; w: Float32Array } | null = null;
  for (const out of graph.nodes.filter((n) => n.type === 'Output')) {
    const inc = incoming(out.name);
    for (const [src, contrib] of inc.bySource) {
      if (contrib.m === null) continue; // a spiking node (or the input) observed directly
      if (readout) fail(out.name, 'a second linear readout (neurite models have one readout)');
      if (inc.bias && inc.bias.some((x) => x !== 0)) fail(out.name, 'its readout has a bias, which the delta-rule readout does not have');
      const srcNode = byName.get(src)!;
      let from = 'input';
      if (srcNode.type !== 'Input') {
        const names = new Set(mappings[src].population);
        if (names.size !== 1) fail(out.name, `its readout reads node "${src}", which became ${names.size} populations; the readout reads one`);
        from = [...names][0];
      }
      const m = contrib.m;
      const nClass = m.rows;
      const nFeat = m.cols;
      const w = new Float32Array(nFeat * nClass);
      for (let c = 0; c < nClass; c++) for (let p = m.ptr[c]; p < m.ptr[c + 1]; p++) w[m.idx[p] * nClass + c] = m.val[p];
      const carrier = contrib.via.map((v) => byName.get(v)!).find((v) => metaString(v.metadata, 'neurite.role') === 'readout');
      const rs = carrier ? metaJson<ReadoutSpec>(carrier.metadata, 'neurite.readout') : null;
      readout = { spec: { from, classes: nClass, rule: 'delta', learningRate: rs?.learningRate ?? 0.5 }, w };
    }
  }

  // --- Spec, plan, runtime -------------------------------------------------------------------------
  const rawSpec = {
    version: 1,
    name: opts.name ?? nSpec?.name ?? 'nir-import',
    ...(nSpec?.description !== undefined ? { description: nSpec.description } : { description: `imported from NIR (${graph.nodes.length} nodes)` }),
    dtMs,
    ...(nSpec?.seed !== undefined ? { seed: nSpec.seed } : {}),
    ...(nSpec?.budgetBytes !== undefined ? { budgetBytes: nSpec.budgetBytes } : {}),
    input,
    populations: groups.map((g) => g.spec),
    projections: projections.map((p) => p.spec),
    ...(readout ? { readout: readout.spec } : {}),
  };
  let spec: ModelSpec;
  try {
    spec = validateSpec(rawSpec);
  } catch (e) {
    if (e instanceof NeuriteError) throw new InteropError('nir', null, `the imported model is not a valid spec: ${e.message}`, source);
    throw e;
  }
  const plan = planModel(spec, { budgetBytes: opts.budgetBytes ?? spec.budgetBytes ?? Number.MAX_SAFE_INTEGER });
  const rt = new Runtime(plan, opts.build ?? 'simd');
  let needsCheckpoint = false;
  projections.forEach((p, k) => {
    const name = plan.projections[k].name;
    const carrier = p.via.map((v) => byName.get(v)!).find((v) => metaString(v.metadata, 'neurite.projection') !== null);
    const raw = carrier ? metaNumbers(carrier.metadata, 'neurite.weights_q') : null;
    const scale = carrier ? metaNumbers(carrier.metadata, 'neurite.scale') : null;
    const pl = plan.projections[k];
    if (pl.dtype !== 'f32' && raw && scale && raw.length === pl.nIn * pl.nOut && scale.length === pl.nOut) {
      (rt.weights(name) as Int8Array | Int16Array).set(raw);
      const region = plan.regions.find((r) => r.name === `${name}.scale`)!;
      const b = rt.regionBytes(region);
      new Float32Array(b.buffer, b.byteOffset, pl.nOut).set(scale);
    } else rt.setWeights(name, p.weights);
    if (p.spec.weights.init.kind !== 'constant' || p.weights.some((x) => x !== (p.spec.weights.init as { value: number }).value)) needsCheckpoint = true;
    if (carrier) {
      const restore = (key: string, region: string) => {
        const v = metaNumbers(carrier.metadata, key);
        const r = plan.regions.find((q) => q.name === region);
        if (!v || !r) return;
        const b = rt.regionBytes(r);
        const view = new Float32Array(b.buffer, b.byteOffset, r.bytes / 4);
        if (v.length <= view.length) view.set(v);
      };
      restore('neurite.pre_trace', `${name}.preTrace`);
      restore('neurite.post_trace', `${name}.postTrace`);
      restore('neurite.pre_trace_slow', `${name}.preTraceSlow`);
      restore('neurite.post_trace_slow', `${name}.postTraceSlow`);
    }
  });
  for (const g of groups) {
    const view = rt.population(g.name);
    view.b.set(g.b);
    view.bias.set(g.bias);
    if (g.b.some((x) => x !== 0) || g.bias.some((x) => x !== 0)) needsCheckpoint = true;
  }
  if (readout) {
    rt.readoutWeights().set(readout.w);
    if (readout.w.some((x) => x !== 0)) needsCheckpoint = true;
  }
  const prng = metaNumbers(meta, 'neurite.prng');
  if (prng && prng.length === 4) {
    const r = plan.regions.find((q) => q.name === 'prng')!;
    const b = rt.regionBytes(r);
    new Uint32Array(b.buffer, b.byteOffset, 4).set(prng);
  }
  const steps = metaNumbers(meta, 'neurite.step_count');
  if (steps && steps.length === 1) {
    const r = plan.regions.find((q) => q.name === 'clock')!;
    const b = rt.regionBytes(r);
    new Float64Array(b.buffer, b.byteOffset, 1)[0] = steps[0];
  }
  return { spec, runtime: rt, warnings, nodes: mappings, needsCheckpoint };
}
