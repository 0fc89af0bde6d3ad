/**
 * Connectivity of a projection beyond the dense weight matrix, from the spec to the arena:
 * sparse CSR, event-driven 2D convolution, block-sparse modules with prune-and-regrow, synaptic
 * delays (one per projection or per synapse) and Tsodyks-Markram short-term plasticity. The
 * kernels are in assembly/synapses/, their plan-time helpers in ./synapse-layouts.ts.
 *
 * Three stages, all pure:
 *   1. `readConnectivityFields`: the projection's `connectivity`, `delayMs`, `delays` and `stp`
 *      fields, checked alone and against the projection's dtype, layout and plasticity (called by
 *      host/spec/validate.ts with its issue sink, so errors carry the JSON path and the range);
 *   2. `connectivityNetworkIssues`: the checks that need the whole network (sizes of source and
 *      target, conv2d map shapes, dt for delays and intervals);
 *   3. `planConnectivity` / `connectivityOps`: arena regions, parameter writes, the structure
 *      bytes the runtime copies in once (CSR indices, block masks, per-synapse delays), the rest
 *      state (delay rings cleared, STP u = U, x = 1) and the schedule ops in step order.
 *
 * Step order inside the synapse phase of one step, per projection (after every population has
 * integrated and thresholded, before the resets, as for dense projections):
 *   OP_STP (efficacies of this step's presynaptic spikes) -> the accumulate op (into the target
 *   current, or into the delay ring slot of step t + d) -> OP_DELAY_DELIVER (adds the ring slot of
 *   step t to the target current) -> the learning ops (plan.ts: trace decays and OP_CSR_STDP for
 *   pair STDP on sparse synapses) -> OP_BLOCK_PRUNE (learning phase, after every N-th step).
 * A recurrent projection (a population to itself or to an earlier population) needs nothing
 * special: every population has stepped before any synapse runs, so its spikes of step t act on
 * the target from step t + 1, as for a feed-forward projection.
 *
 * Structure randomness (sparse pattern, active blocks, per-synapse delays) comes from the
 * connectivity seed: `connectivity.seed`, else derived from the spec seed and the projection
 * index with a constant other than the weight stream's, so the two streams are independent.
 */
import type { ModelSpec, ConnectivitySpec, DelaySpec, StpSpec, ProjectionSpec } from '../spec/types.js';
import { Xoshiro128 } from '../util/prng.js';
import { BLK, CONV, OP, PHASE_ALWAYS, PHASE_LEARN, STP } from '../runtime/abi.js';
import {
  blockMask, blockPruneCount, conv2dOutputSize, conv2dParams, conv2dTaps, delayRingBytes, packConv2dWeights,
  stpInitState, stpParamBlock, type Conv2dGeometry,
} from './synapse-layouts.js';

export type ConnectivityKind = ConnectivitySpec['kind'];

/** Bounds of the connectivity fields (inclusive). */
export const CONNECTIVITY_LIMITS = {
  kernelMax: 16,
  strideMax: 8,
  channelsMax: 256,
  delayStepsMax: 255,
  seedMax: 0xffffffff,
} as const;

type Add = (path: string, message: string) => void;
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Obj, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v) : Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

/** An integer in [lo, hi] or undefined (reported). */
function int(add: Add, o: Obj, path: string, key: string, lo: number, hi: number, optional = false): number | undefined {
  const p = `${path}.${key}`;
  if (!has(o, key)) {
    if (!optional) add(p, `missing required field (expected an integer in [${lo}, ${hi}])`);
    return undefined;
  }
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    add(p, `must be an integer in [${lo}, ${hi}], got ${show(v)}`);
    return undefined;
  }
  return v;
}

/** A finite number in the range described by `lo`/`hi` (open or closed ends), or undefined. */
function real(
  add: Add, o: Obj, path: string, key: string, lo: number, loOpen: boolean, hi: number, hiOpen: boolean, optional = false,
): number | undefined {
  const p = `${path}.${key}`;
  const range = `${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? 'inf' : hi}${hiOpen ? ')' : ']'}`;
  if (!has(o, key)) {
    if (!optional) add(p, `missing required field (expected a number in ${range})`);
    return undefined;
  }
  const v = o[key];
  const ok = typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) {
    add(p, `must be a number in ${range}, got ${show(v)}`);
    return undefined;
  }
  return v as number;
}

/** `path.key`, or `path["key"]` for a key that is not an identifier (as validate.ts writes paths). */
function join(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) && key.length <= 64 ? `${path}.${key}` : `${path}[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
}

function fields(add: Add, v: unknown, path: string, allowed: readonly string[]): Obj | undefined {
  if (!isObj(v)) {
    add(path, `must be an object, got ${show(v)}`);
    return undefined;
  }
  for (const k of Object.keys(v)) {
    if (v[k] !== undefined && !allowed.includes(k)) add(join(path, k), `unknown field (allowed fields: ${allowed.join(', ')})`);
  }
  return v;
}

export interface ConnectivityFields {
  connectivity?: ConnectivitySpec;
  delayMs?: number;
  delays?: DelaySpec;
  stp?: StpSpec;
}

/** What the validator already knows about the projection (undefined = not valid itself). */
export interface ProjectionContext {
  dtype?: 'f32' | 'int8' | 'int16';
  layout?: 'pre-major' | 'post-major';
  plastic: boolean;
  /** The plasticity rule when it is valid itself. */
  rule?: string;
  /** The rule asks for synaptic scaling. */
  normalize?: boolean;
}

/** The projection-level keys this module reads (validate.ts adds them to the allowed keys). */
export const CONNECTIVITY_KEYS = ['connectivity', 'delayMs', 'delays', 'stp'] as const;

const KINDS: readonly ConnectivityKind[] = ['dense', 'sparse', 'conv2d', 'block-sparse'];

/**
 * Reads and checks the connectivity fields of one projection object `o` at `path`
 * (`projections[i]`). Returns the fields (absent ones absent); `ok` is false if any was reported.
 */
export function readConnectivityFields(o: Obj, path: string, add: Add, ctx: ProjectionContext): { ok: boolean; fields: ConnectivityFields } {
  let ok = true;
  const a: Add = (p, m) => { ok = false; add(p, m); };
  const out: ConnectivityFields = {};

  if (has(o, 'connectivity')) {
    const cp = `${path}.connectivity`;
    const raw = o.connectivity;
    const kind = isObj(raw) ? raw.kind : undefined;
    if (isObj(raw) && !KINDS.includes(kind as ConnectivityKind)) {
      const expected = `one of ${KINDS.map((k) => `"${k}"`).join(', ')}`;
      a(`${cp}.kind`, kind === undefined ? `missing required field (expected ${expected})` : `must be ${expected}, got ${show(kind)}`);
    }
    const c = kind === 'dense' ? readDense(a, raw, cp)
      : kind === 'sparse' ? readSparse(a, raw, cp)
        : kind === 'conv2d' ? readConv(a, raw, cp)
          : kind === 'block-sparse' ? readBlock(a, raw, cp)
            : isObj(raw) ? undefined : (a(cp, `must be an object, got ${show(raw)}`), undefined);
    if (c) {
      out.connectivity = c;
      if (c.kind !== 'dense') {
        if (ctx.dtype !== undefined && ctx.dtype !== 'f32') a(`${path}.weights.dtype`, `"${c.kind}" connectivity needs f32 weights, got "${ctx.dtype}"`);
        if (ctx.layout === 'post-major') a(`${path}.layout`, `"${c.kind}" connectivity has its own layout; "post-major" is for dense projections only`);
        // Pair STDP runs on CSR synapses (synapses/csr_stdp.ts); other kinds and rules are static.
        if (ctx.plastic && c.kind !== 'sparse') a(`${path}.plasticity`, `plasticity on "${c.kind}" connectivity is not supported (supported on "dense", and "stdp-pair" on "sparse")`);
        if (ctx.plastic && c.kind === 'sparse' && ctx.rule !== undefined && ctx.rule !== 'stdp-pair') {
          a(`${path}.plasticity.rule`, `on "sparse" connectivity only "stdp-pair" is supported, got "${ctx.rule}"`);
        }
        if (ctx.plastic && c.kind === 'sparse' && ctx.normalize) a(`${path}.plasticity.normalize`, 'synaptic scaling is not supported on "sparse" connectivity (remove normalize)');
      }
    }
  }
  const kind = out.connectivity?.kind ?? 'dense';

  if (has(o, 'delayMs')) {
    const d = real(a, o, path, 'delayMs', 0, false, Infinity, true); // steps checked against dt later
    if (d !== undefined) out.delayMs = d;
  }
  if (has(o, 'delays')) {
    const dp = `${path}.delays`;
    const d = fields(a, o.delays, dp, ['minMs', 'maxMs']);
    if (d) {
      const minMs = real(a, d, dp, 'minMs', 0, false, Infinity, true);
      const maxMs = real(a, d, dp, 'maxMs', 0, false, Infinity, true);
      if (minMs !== undefined && maxMs !== undefined) {
        if (maxMs < minMs) a(`${dp}.maxMs`, `must be >= minMs (${minMs}), got ${maxMs}`);
        else out.delays = { minMs, maxMs };
      }
    }
    if (kind !== 'dense') a(dp, `per-synapse delays need "dense" connectivity, got "${kind}" (use delayMs for one delay per projection)`);
  }
  if (has(o, 'delayMs') && has(o, 'delays')) a(`${path}.delays`, 'give either delayMs (one delay) or delays (per synapse), not both');
  if (has(o, 'delayMs') || has(o, 'delays')) {
    const dp = has(o, 'delays') ? `${path}.delays` : `${path}.delayMs`;
    if (ctx.plastic) a(dp, 'delays together with plasticity are not supported (spike timing at the synapse would differ from the soma)');
    if (kind === 'dense' && ctx.dtype !== undefined && ctx.dtype !== 'f32') a(dp, `delays need f32 weights, got weights.dtype "${ctx.dtype}"`);
    if (kind === 'dense' && ctx.layout === 'post-major') a(dp, 'delays need the "pre-major" layout, got "post-major"');
  }

  if (has(o, 'stp')) {
    const sp = `${path}.stp`;
    const s = fields(a, o.stp, sp, ['U', 'tauRecMs', 'tauFacMs']);
    if (s) {
      const U = real(a, s, sp, 'U', 0, true, 1, false);
      const tauRecMs = real(a, s, sp, 'tauRecMs', 0, true, Infinity, true);
      const tauFacMs = real(a, s, sp, 'tauFacMs', 0, false, Infinity, true);
      if (U !== undefined && tauRecMs !== undefined && tauFacMs !== undefined) out.stp = { U, tauRecMs, tauFacMs };
    }
    if (kind !== 'dense' && kind !== 'sparse') a(sp, `short-term plasticity needs "dense" or "sparse" connectivity, got "${kind}"`);
    if (kind === 'dense' && ctx.dtype !== undefined && ctx.dtype !== 'f32') a(sp, `short-term plasticity needs f32 weights, got weights.dtype "${ctx.dtype}"`);
    if (kind === 'dense' && ctx.layout === 'post-major') a(sp, 'short-term plasticity needs the "pre-major" layout, got "post-major"');
    if (has(o, 'delays')) a(sp, 'short-term plasticity with per-synapse delays is not supported (use delayMs)');
  }
  return { ok, fields: out };
}

function readDense(a: Add, raw: unknown, cp: string): ConnectivitySpec | undefined {
  return fields(a, raw, cp, ['kind']) ? { kind: 'dense' } : undefined;
}

function readSeed(a: Add, o: Obj, cp: string): number | undefined {
  return int(a, o, cp, 'seed', 0, CONNECTIVITY_LIMITS.seedMax, true);
}

function readSparse(a: Add, raw: unknown, cp: string): ConnectivitySpec | undefined {
  const o = fields(a, raw, cp, ['kind', 'fanIn', 'density', 'seed']);
  if (!o) return undefined;
  const n0 = (fields: readonly string[]) => fields.filter((k) => has(o, k)).length;
  if (n0(['fanIn', 'density']) !== 1) {
    a(cp, `give exactly one of fanIn (sources per target) or density (connection probability), got ${n0(['fanIn', 'density']) === 0 ? 'neither' : 'both'}`);
    return undefined;
  }
  const seed = readSeed(a, o, cp);
  if (has(o, 'fanIn')) {
    const fanIn = int(a, o, cp, 'fanIn', 1, 1 << 24);
    return fanIn === undefined || (has(o, 'seed') && seed === undefined) ? undefined : { kind: 'sparse', fanIn, ...(seed !== undefined ? { seed } : {}) };
  }
  const density = real(a, o, cp, 'density', 0, true, 1, false);
  return density === undefined || (has(o, 'seed') && seed === undefined) ? undefined : { kind: 'sparse', density, ...(seed !== undefined ? { seed } : {}) };
}

function readConv(a: Add, raw: unknown, cp: string): ConnectivitySpec | undefined {
  const o = fields(a, raw, cp, ['kind', 'kernel', 'stride', 'padding', 'channels']);
  if (!o) return undefined;
  const kernel = int(a, o, cp, 'kernel', 1, CONNECTIVITY_LIMITS.kernelMax);
  const stride = int(a, o, cp, 'stride', 1, CONNECTIVITY_LIMITS.strideMax);
  const padding = kernel === undefined ? int(a, o, cp, 'padding', 0, CONNECTIVITY_LIMITS.kernelMax - 1) : int(a, o, cp, 'padding', 0, kernel - 1);
  const channels = int(a, o, cp, 'channels', 1, CONNECTIVITY_LIMITS.channelsMax);
  if (kernel === undefined || stride === undefined || padding === undefined || channels === undefined) return undefined;
  return { kind: 'conv2d', kernel, stride, padding, channels };
}

function readBlock(a: Add, raw: unknown, cp: string): ConnectivitySpec | undefined {
  const o = fields(a, raw, cp, ['kind', 'blocksIn', 'blocksOut', 'activeBlocks', 'seed', 'pruneRegrow']);
  if (!o) return undefined;
  const blocksIn = int(a, o, cp, 'blocksIn', 1, 1 << 20);
  const blocksOut = int(a, o, cp, 'blocksOut', 1, 1 << 20);
  const activeBlocks = int(a, o, cp, 'activeBlocks', 1, blocksIn !== undefined && blocksOut !== undefined ? blocksIn * blocksOut : 1 << 30);
  const seed = readSeed(a, o, cp);
  let pruneRegrow: { intervalMs: number; fraction: number; initScale: number } | undefined;
  let prOk = true;
  if (has(o, 'pruneRegrow')) {
    const pp = `${cp}.pruneRegrow`;
    const p = fields(a, o.pruneRegrow, pp, ['intervalMs', 'fraction', 'initScale']);
    prOk = false;
    if (p) {
      const intervalMs = real(a, p, pp, 'intervalMs', 0, true, Infinity, true);
      const fraction = real(a, p, pp, 'fraction', 0, true, 1, false);
      const initScale = real(a, p, pp, 'initScale', 0, false, Infinity, true);
      if (intervalMs !== undefined && fraction !== undefined && initScale !== undefined) {
        pruneRegrow = { intervalMs, fraction, initScale };
        prOk = true;
      }
    }
  }
  if (blocksIn === undefined || blocksOut === undefined || activeBlocks === undefined || !prOk || (has(o, 'seed') && seed === undefined)) return undefined;
  return { kind: 'block-sparse', blocksIn, blocksOut, activeBlocks, ...(seed !== undefined ? { seed } : {}), ...(pruneRegrow ? { pruneRegrow } : {}) };
}

// ── Whole-network checks ────────────────────────────────────────────────────────────────────

/** [channels, height, width] of a map. */
export type MapShape = readonly [number, number, number];

function inputCount(spec: ModelSpec): number {
  return spec.input.width * spec.input.height * (spec.input.polarity === 'split' ? 2 : 1);
}

/**
 * The map shape of every conv2d source and target: the sensor is [1 or 2, height, width]; a
 * population fed by a conv2d projection is [channels, H_out, W_out] of that projection. Returns
 * the shapes and the problems (a conv2d source without a shape, a target of the wrong size,
 * two conv2d projections disagreeing on a population's shape).
 */
export function conv2dShapes(spec: ModelSpec): { shapes: Map<string, MapShape>; issues: { path: string; message: string }[] } {
  const shapes = new Map<string, MapShape>();
  shapes.set('input', [spec.input.polarity === 'split' ? 2 : 1, spec.input.height, spec.input.width]);
  const issues: { path: string; message: string }[] = [];
  const sizeOf = (n: string) => (n === 'input' ? inputCount(spec) : spec.populations.find((p) => p.name === n)?.size ?? 0);
  const convs = spec.projections.map((p, i) => ({ p, i })).filter(({ p }) => p.connectivity?.kind === 'conv2d');
  const done = new Set<number>();
  // Sources may be targets of other conv2d projections: resolve in dependency order.
  for (let pass = 0; pass <= convs.length; pass++) {
    for (const { p, i } of convs) {
      if (done.has(i)) continue;
      const src = shapes.get(p.from);
      if (!src) continue;
      done.add(i);
      const c = p.connectivity as Extract<ConnectivitySpec, { kind: 'conv2d' }>;
      const path = `projections[${i}].connectivity`;
      const [cIn, hIn, wIn] = src;
      if (cIn > CONNECTIVITY_LIMITS.channelsMax) {
        issues.push({ path, message: `the source map has ${cIn} channels, at most ${CONNECTIVITY_LIMITS.channelsMax} are supported` });
        continue;
      }
      const wOut = conv2dOutputSize(wIn, c.kernel, c.stride, c.padding);
      const hOut = conv2dOutputSize(hIn, c.kernel, c.stride, c.padding);
      if (wOut < 1 || hOut < 1) {
        issues.push({ path: `${path}.kernel`, message: `must be at most the padded source map ${wIn + 2 * c.padding} x ${hIn + 2 * c.padding}, got ${c.kernel}` });
        continue;
      }
      const shape: MapShape = [c.channels, hOut, wOut];
      const need = c.channels * hOut * wOut;
      const have = sizeOf(p.to);
      if (have !== need) {
        issues.push({ path: `projections[${i}].to`, message: `conv2d output is channels x H_out x W_out = ${c.channels} x ${hOut} x ${wOut} = ${need} neurons, but population "${p.to}" has size ${have}` });
        continue;
      }
      const prior = shapes.get(p.to);
      if (prior && prior.join('x') !== shape.join('x')) {
        issues.push({ path, message: `population "${p.to}" is already a ${prior.join(' x ')} map, this projection makes it ${shape.join(' x ')}` });
        continue;
      }
      shapes.set(p.to, shape);
    }
  }
  for (const { p, i } of convs) {
    if (!done.has(i)) {
      issues.push({ path: `projections[${i}].from`, message: `a conv2d source must be "input" or a population that is the target of a conv2d projection (a [channels][height][width] map), got "${p.from}"` });
    }
  }
  return { shapes, issues };
}

/** Delay in steps for `delayMs` (Brian2 rounds delays to the step the same way). */
export function delayStepsOf(delayMs: number, dtMs: number): number {
  return Math.round(delayMs / dtMs);
}

/** Checks that need sizes and dt; run on a spec whose parts are each valid. */
export function connectivityNetworkIssues(spec: ModelSpec): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const sizeOf = (n: string) => (n === 'input' ? inputCount(spec) : spec.populations.find((p) => p.name === n)?.size ?? 0);
  const dt = spec.dtMs;
  const maxD = CONNECTIVITY_LIMITS.delayStepsMax;
  spec.projections.forEach((pr, i) => {
    const path = `projections[${i}]`;
    const nIn = sizeOf(pr.from);
    const nOut = sizeOf(pr.to);
    const c = pr.connectivity;
    if (c?.kind === 'sparse' && c.fanIn !== undefined) {
      const max = pr.from === pr.to ? nIn - 1 : nIn;
      if (c.fanIn > max) issues.push({ path: `${path}.connectivity.fanIn`, message: `must be an integer in [1, ${max}] (${pr.from === pr.to ? 'the population size minus 1: no self-synapses' : 'the source size'}), got ${c.fanIn}` });
    }
    if (c?.kind === 'sparse' && c.density !== undefined && pr.from === pr.to && nIn < 2) {
      issues.push({ path: `${path}.connectivity`, message: 'a sparse recurrent projection needs a population of at least 2 neurons (no self-synapses)' });
    }
    if (c?.kind === 'block-sparse') {
      if (nIn % c.blocksIn !== 0) issues.push({ path: `${path}.connectivity.blocksIn`, message: `must divide the source size ${nIn}, got ${c.blocksIn}` });
      if (nOut % c.blocksOut !== 0) issues.push({ path: `${path}.connectivity.blocksOut`, message: `must divide the target size ${nOut}, got ${c.blocksOut}` });
      if (c.pruneRegrow && Math.round(c.pruneRegrow.intervalMs / dt) < 1) {
        issues.push({ path: `${path}.connectivity.pruneRegrow.intervalMs`, message: `must be at least one step (${dt / 2} ms at dt = ${dt} ms), got ${c.pruneRegrow.intervalMs}` });
      }
    }
    if (pr.delayMs !== undefined && delayStepsOf(pr.delayMs, dt) > maxD) {
      issues.push({ path: `${path}.delayMs`, message: `must be in [0, ${maxD * dt}] ms (at most ${maxD} steps of ${dt} ms), got ${pr.delayMs}` });
    }
    if (pr.delays !== undefined && delayStepsOf(pr.delays.maxMs, dt) > maxD) {
      issues.push({ path: `${path}.delays.maxMs`, message: `must be in [0, ${maxD * dt}] ms (at most ${maxD} steps of ${dt} ms), got ${pr.delays.maxMs}` });
    }
  });
  issues.push(...conv2dShapes(spec).issues);
  return issues;
}

// ── Plan ────────────────────────────────────────────────────────────────────────────────────

/** Bytes the runtime copies into the arena once (structure) or at every resetState (rest state). */
export interface BlobWrite {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface CsrLayout {
  /** Region start: rowPtr u32[nIn + 1] | colIdx u32[nnz] | vals f32[nnz]. */
  readonly base: number;
  readonly nnz: number;
  readonly rowPtr: Uint32Array;
  readonly colIdx: Uint32Array;
  /** With plasticity: colPtr u32[nOut + 1] | row u32[nnz] | synapse u32[nnz] (synapses/csr_stdp.ts); else null. */
  readonly csc: number | null;
}

export interface ConvLayout {
  readonly geometry: Conv2dGeometry;
  readonly wOut: number;
  readonly hOut: number;
  readonly params: number;
  /** Event SoA scratch (x u16 | y u16 | c u8, `cap` each). */
  readonly events: number;
  readonly cap: number;
  /** Weights of the natural kernel K[cOut][cIn][k][k]. */
  readonly kernelLength: number;
}

export interface BlockLayout {
  readonly gIn: number;
  readonly gOut: number;
  readonly bIn: number;
  readonly bOut: number;
  readonly nActive: number;
  /** i32[gIn gOut]: slot of each block or -1 (live: prune-and-regrow rewrites it). */
  readonly slotOf: number;
  /** u32[nActive]: block id of each slot. */
  readonly blockId: number;
  readonly params: number;
  /** Prune-and-regrow scratch, null without pruneRegrow. */
  readonly scratch: number | null;
  readonly everySteps: number;
  readonly nPrune: number;
}

export interface DelayLayout {
  /** Ring f32[nSlots][nOut] of future input. */
  readonly ring: number;
  readonly nSlots: number;
  /** One delay for the projection (steps), or null with per-synapse delays. */
  readonly steps: number | null;
  /** Per-synapse delays u8[nIn][nOut] (steps), or null. */
  readonly perSynapse: number | null;
}

export interface StpLayout {
  readonly state: number;
  readonly params: number;
  /** Efficacy of each spike of the step, f32[cap]. */
  readonly eff: number;
}

export interface ConnectivityLayout {
  readonly kind: ConnectivityKind;
  readonly csr: CsrLayout | null;
  readonly conv: ConvLayout | null;
  readonly block: BlockLayout | null;
  readonly delay: DelayLayout | null;
  readonly stp: StpLayout | null;
  /** Offset and count of the stored weight values (f32). */
  readonly values: number;
  readonly valueCount: number;
  /** Structure written once when the runtime is created. */
  readonly init: readonly BlobWrite[];
  /** Rest state written by Runtime.resetState() (delay rings, STP state). */
  readonly rest: readonly BlobWrite[];
}

export interface PlanContext {
  readonly spec: ModelSpec;
  readonly index: number;
  readonly name: string;
  readonly nIn: number;
  readonly nOut: number;
  /** Largest spike list of the source in one step (input buffer, or population size). */
  readonly maxList: number;
  alloc(name: string, kind: 'params' | 'weights' | 'traces' | 'spikes', bytes: number): number;
  f32(offset: number, slot: number, value: number): void;
  i32(offset: number, slot: number, value: number): void;
}

/** True when the projection needs this module (anything but a plain dense matrix). */
export function needsConnectivity(pr: ProjectionSpec): boolean {
  return (pr.connectivity !== undefined && pr.connectivity.kind !== 'dense') || pr.delayMs !== undefined || pr.delays !== undefined || pr.stp !== undefined;
}

/** The connectivity seed of projection `index` (see the header). */
export function connectivitySeed(spec: ModelSpec, index: number): number {
  const c = spec.projections[index].connectivity;
  const own = c && (c.kind === 'sparse' || c.kind === 'block-sparse') ? c.seed : undefined;
  return own !== undefined ? own >>> 0 : ((spec.seed ?? 1) + Math.imul(0x85ebca6b, index + 1)) >>> 0;
}

/** Uniform integer in [0, n) from one u32 draw (as the kernels pick). */
function pick(rng: Xoshiro128, n: number): number {
  return Math.floor((rng.nextU32() * n) / 4294967296);
}

/**
 * The sparse pattern as CSR (rows = sources, columns ascending). fanIn: for each target in turn,
 * `fanIn` distinct sources by a partial Fisher-Yates shuffle; density: every (source, target)
 * pair in row-major order is kept when a uniform draw is below `density`. Self-synapses are
 * excluded when `recurrent`.
 */
export function sparsePattern(nIn: number, nOut: number, c: { fanIn?: number; density?: number }, seed: number, recurrent: boolean): { rowPtr: Uint32Array; colIdx: Uint32Array } {
  const rng = new Xoshiro128(seed);
  const rows: number[][] = Array.from({ length: nIn }, () => []);
  if (c.fanIn !== undefined) {
    const pool = new Uint32Array(nIn);
    for (let j = 0; j < nOut; j++) {
      let n = 0;
      for (let i = 0; i < nIn; i++) if (!(recurrent && i === j)) pool[n++] = i;
      for (let k = 0; k < c.fanIn; k++) {
        const r = k + pick(rng, n - k);
        const t = pool[k]; pool[k] = pool[r]; pool[r] = t;
        rows[pool[k]].push(j);
      }
    }
  } else {
    const p = c.density!;
    for (let i = 0; i < nIn; i++) {
      for (let j = 0; j < nOut; j++) {
        const u = rng.nextFloat();
        if (u < p && !(recurrent && i === j)) rows[i].push(j);
      }
    }
  }
  const rowPtr = new Uint32Array(nIn + 1);
  let nnz = 0;
  for (let i = 0; i < nIn; i++) {
    rows[i].sort((x, y) => x - y);
    nnz += rows[i].length;
    rowPtr[i + 1] = nnz;
  }
  const colIdx = new Uint32Array(nnz);
  let p = 0;
  for (const r of rows) for (const j of r) colIdx[p++] = j;
  return { rowPtr, colIdx };
}

export interface CscIndex {
  colPtr: Uint32Array; // nOut + 1
  row: Uint32Array; // nnz: source of each entry, rows ascending within a column
  syn: Uint32Array; // nnz: synapse index into the CSR values
}

/** The CSC index of a CSR pattern (columns in order, rows ascending within each column). */
export function cscOf(rowPtr: Uint32Array, colIdx: Uint32Array, nIn: number, nOut: number): CscIndex {
  const nnz = colIdx.length;
  const colPtr = new Uint32Array(nOut + 1);
  for (let p = 0; p < nnz; p++) colPtr[colIdx[p] + 1]++;
  for (let j = 0; j < nOut; j++) colPtr[j + 1] += colPtr[j];
  const fill = colPtr.slice(0, nOut);
  const row = new Uint32Array(nnz);
  const syn = new Uint32Array(nnz);
  for (let i = 0; i < nIn; i++) {
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
      const q = fill[colIdx[p]]++;
      row[q] = i;
      syn[q] = p;
    }
  }
  return { colPtr, row, syn };
}

/** `nActive` distinct blocks of nBlocks, drawn by a partial Fisher-Yates shuffle, ascending. */
export function initialBlocks(nBlocks: number, nActive: number, seed: number): number[] {
  const rng = new Xoshiro128(seed);
  const ids = Array.from({ length: nBlocks }, (_, b) => b);
  for (let k = 0; k < nActive; k++) {
    const r = k + pick(rng, nBlocks - k);
    const t = ids[k]; ids[k] = ids[r]; ids[r] = t;
  }
  return ids.slice(0, nActive).sort((x, y) => x - y);
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Regions, parameter writes, structure and rest state of one projection (see the header). */
export function planConnectivity(pc: PlanContext, shapes: ReadonlyMap<string, MapShape>): ConnectivityLayout {
  const pr = pc.spec.projections[pc.index];
  const { nIn, nOut, name, alloc } = pc;
  const dt = pc.spec.dtMs;
  const c: ConnectivitySpec = pr.connectivity ?? { kind: 'dense' };
  const seed = connectivitySeed(pc.spec, pc.index);
  const init: BlobWrite[] = [];
  const rest: BlobWrite[] = [];
  let csr: CsrLayout | null = null;
  let conv: ConvLayout | null = null;
  let block: BlockLayout | null = null;
  let values: number;
  let valueCount: number;

  if (c.kind === 'sparse') {
    const { rowPtr, colIdx } = sparsePattern(nIn, nOut, c, seed, pr.from === pr.to);
    const nnz = colIdx.length;
    const base = alloc(`${name}.csr`, 'weights', 4 * (nIn + 1) + 8 * nnz);
    init.push({ offset: base, bytes: bytesOf(rowPtr) }, { offset: base + 4 * (nIn + 1), bytes: bytesOf(colIdx) });
    let csc: number | null = null;
    if (pr.plasticity) {
      // The post pathway walks columns: a CSC index over the same synapses.
      const idx = cscOf(rowPtr, colIdx, nIn, nOut);
      csc = alloc(`${name}.csc`, 'weights', 4 * (nOut + 1) + 8 * nnz);
      init.push({ offset: csc, bytes: bytesOf(idx.colPtr) }, { offset: csc + 4 * (nOut + 1), bytes: bytesOf(idx.row) }, { offset: csc + 4 * (nOut + 1) + 4 * nnz, bytes: bytesOf(idx.syn) });
    }
    csr = { base, nnz, rowPtr, colIdx, csc };
    values = base + 4 * (nIn + 1) + 4 * nnz;
    valueCount = nnz;
  } else if (c.kind === 'conv2d') {
    const [cIn, hIn, wIn] = shapes.get(pr.from)!;
    const geometry: Conv2dGeometry = { wIn, hIn, cIn, cOut: c.channels, k: c.kernel, stride: c.stride, pad: c.padding };
    const p = conv2dParams(geometry, `projections[${pc.index}].connectivity`);
    const params = alloc(`${name}.convParams`, 'params', CONV.PARAM_SLOTS * 4);
    for (let k = 0; k < CONV.PARAM_SLOTS; k++) pc.i32(params, k, p[k]);
    const packed = cIn * c.channels * c.kernel * c.stride * conv2dTaps(geometry);
    values = alloc(`${name}.weights`, 'weights', packed * 4);
    valueCount = packed;
    const cap = pc.maxList;
    const events = alloc(`${name}.convEvents`, 'spikes', 5 * cap);
    conv = { geometry, wOut: p[CONV.W_OUT], hOut: p[CONV.H_OUT], params, events, cap, kernelLength: c.channels * cIn * c.kernel * c.kernel };
  } else if (c.kind === 'block-sparse') {
    const gIn = c.blocksIn, gOut = c.blocksOut, bIn = nIn / gIn, bOut = nOut / gOut, nActive = c.activeBlocks;
    const active = initialBlocks(gIn * gOut, nActive, seed);
    const mask = blockMask(gIn, gOut, active, `projections[${pc.index}].connectivity`);
    values = alloc(`${name}.weights`, 'weights', nActive * bIn * bOut * 4);
    valueCount = nActive * bIn * bOut;
    const slotOf = alloc(`${name}.blockMask`, 'weights', gIn * gOut * 4);
    const blockId = alloc(`${name}.blockIds`, 'weights', nActive * 4);
    init.push({ offset: slotOf, bytes: bytesOf(mask.slotOf) }, { offset: blockId, bytes: bytesOf(mask.blockId) });
    const params = alloc(`${name}.blockParams`, 'params', BLK.PARAM_SLOTS * 4);
    const pg = c.pruneRegrow;
    const everySteps = pg ? Math.max(1, Math.round(pg.intervalMs / dt)) : 0;
    const nPrune = pg ? blockPruneCount(pg.fraction, nActive, gIn * gOut, `projections[${pc.index}].connectivity.pruneRegrow`) : 0;
    const scratch = pg ? alloc(`${name}.blockScratch`, 'spikes', 12 * nActive) : null;
    for (const [slot, v] of [[BLK.N_ACTIVE, nActive], [BLK.G_IN, gIn], [BLK.G_OUT, gOut], [BLK.B_IN, bIn], [BLK.B_OUT, bOut], [BLK.N_PRUNE, nPrune], [BLK.EVERY, everySteps]] as const) pc.i32(params, slot, v);
    pc.f32(params, BLK.INIT_SCALE, pg ? pg.initScale : 0);
    block = { gIn, gOut, bIn, bOut, nActive, slotOf, blockId, params, scratch, everySteps, nPrune };
  } else {
    values = alloc(`${name}.weights`, 'weights', nIn * nOut * 4);
    valueCount = nIn * nOut;
  }

  let delay: DelayLayout | null = null;
  if (pr.delays !== undefined) {
    const lo = delayStepsOf(pr.delays.minMs, dt), hi = delayStepsOf(pr.delays.maxMs, dt);
    const d = new Uint8Array(nIn * nOut);
    const rng = new Xoshiro128((seed ^ 0x6a09e667) >>> 0);
    for (let k = 0; k < d.length; k++) d[k] = lo + pick(rng, hi - lo + 1);
    const perSynapse = alloc(`${name}.delays`, 'weights', d.length);
    init.push({ offset: perSynapse, bytes: d });
    const nSlots = hi + 1;
    const ring = alloc(`${name}.delayRing`, 'traces', delayRingBytes(hi, nOut));
    rest.push({ offset: ring, bytes: new Uint8Array(delayRingBytes(hi, nOut)) });
    delay = { ring, nSlots, steps: null, perSynapse };
  } else if (pr.delayMs !== undefined && delayStepsOf(pr.delayMs, dt) > 0) {
    const steps = delayStepsOf(pr.delayMs, dt);
    const ring = alloc(`${name}.delayRing`, 'traces', delayRingBytes(steps, nOut));
    rest.push({ offset: ring, bytes: new Uint8Array(delayRingBytes(steps, nOut)) });
    delay = { ring, nSlots: steps + 1, steps, perSynapse: null };
  }

  let stp: StpLayout | null = null;
  if (pr.stp !== undefined) {
    const block = stpParamBlock({ U: pr.stp.U, tauF: pr.stp.tauFacMs, tauD: pr.stp.tauRecMs, dt }, `projections[${pc.index}].stp`);
    const params = alloc(`${name}.stpParams`, 'params', STP.PARAM_SLOTS * 4);
    for (let k = 0; k < STP.PARAM_SLOTS; k++) pc.f32(params, k, block[k]);
    const s0 = stpInitState(nIn, Math.fround(pr.stp.U));
    const state = alloc(`${name}.stpState`, 'traces', s0.byteLength);
    rest.push({ offset: state, bytes: bytesOf(s0) });
    const eff = alloc(`${name}.stpEfficacy`, 'spikes', 4 * pc.maxList);
    stp = { state, params, eff };
  }
  return { kind: c.kind, csr, conv, block, delay, stp, values, valueCount, init, rest };
}

type OpArg = [number, boolean];
type Emit = (code: number, phase: number, what: string, ...args: OpArg[]) => void;

/**
 * The synaptic-input ops of one projection, in step order (see the header). `srcDesc` is the
 * source's spike-list descriptor, `target` the target population's current array.
 */
export function connectivityOps(
  name: string, nIn: number, nOut: number, cl: ConnectivityLayout, srcDesc: number, target: number, prng: number, emit: Emit,
): void {
  const A = (v: number): OpArg => [v, true];
  const N = (v: number): OpArg => [v, false];
  const d = cl.delay;
  const ring: OpArg[] = d && d.steps !== null ? [A(d.ring), N(d.nSlots), N(d.steps)] : [N(0), N(0), N(0)];
  const dl = d ? ` (delay ${d.steps ?? 'per synapse'}${d.steps !== null ? ' steps' : ''})` : '';
  if (cl.stp) emit(OP.STP, PHASE_ALWAYS, `${name}: short-term plasticity efficacies`, A(cl.stp.state), N(nIn), A(cl.stp.params), A(srcDesc), A(cl.stp.eff));
  if (cl.csr) {
    emit(OP.CSR_F32, PHASE_ALWAYS, `${name}: synaptic input (sparse CSR${cl.stp ? ', STP-scaled' : ''})${dl}`, A(cl.csr.base), N(nIn), N(nOut), N(cl.csr.nnz), A(srcDesc), A(target), cl.stp ? A(cl.stp.eff) : N(0), ...ring);
  } else if (cl.conv) {
    emit(OP.CONV2D_F32, PHASE_ALWAYS, `${name}: synaptic input (event-driven conv2d)${dl}`, A(cl.values), A(cl.conv.params), A(srcDesc), A(cl.conv.events), N(cl.conv.cap), A(target), ...ring, N(nOut));
  } else if (cl.block) {
    emit(OP.BLOCK_F32, PHASE_ALWAYS, `${name}: synaptic input (block-sparse)${dl}`, A(cl.values), A(cl.block.slotOf), A(cl.block.params), A(srcDesc), A(target), ...ring, N(nOut));
  } else if (cl.stp) {
    emit(OP.DENSE_SCALED_F32, PHASE_ALWAYS, `${name}: synaptic input (STP-scaled)${dl}`, A(cl.values), N(nIn), N(nOut), A(srcDesc), A(cl.stp.eff), A(target), ...ring);
  } else if (d && d.perSynapse !== null) {
    emit(OP.DELAY_SYN_F32, PHASE_ALWAYS, `${name}: synaptic input (per-synapse delays)`, A(cl.values), A(d.perSynapse), N(nIn), N(nOut), A(srcDesc), A(d.ring), N(d.nSlots));
  } else if (d) {
    emit(OP.DELAY_F32, PHASE_ALWAYS, `${name}: synaptic input${dl}`, A(cl.values), N(nIn), N(nOut), A(srcDesc), A(d.ring), N(d.nSlots), N(d.steps!));
  } else {
    emit(OP.DENSE_F32, PHASE_ALWAYS, `${name}: synaptic input`, A(cl.values), N(nIn), N(nOut), A(srcDesc), A(target));
  }
  if (d) emit(OP.DELAY_DELIVER, PHASE_ALWAYS, `${name}: delayed input arrives`, A(d.ring), N(d.nSlots), N(nOut), A(target));
  if (cl.block && cl.block.scratch !== null && cl.block.nPrune > 0) {
    emit(OP.BLOCK_PRUNE, PHASE_LEARN, `${name}: block prune-and-regrow (every ${cl.block.everySteps} steps)`, A(cl.values), A(cl.block.slotOf), A(cl.block.blockId), A(cl.block.params), A(prng), A(cl.block.scratch));
  }
}

// ── Weight views (Runtime.weightsF32 / setWeights) ──────────────────────────────────────────

/**
 * The dense [nIn][nOut] matrix of stored values `v` (CSR values, active blocks, or the packed
 * conv kernel given here in its natural layout K[cOut][cIn][k][k]); `slotOf` is the live block
 * mask for block-sparse projections.
 */
export function denseFromStored(cl: ConnectivityLayout, nIn: number, nOut: number, v: Float32Array, slotOf: Int32Array | null, kernel: Float32Array | null): Float32Array {
  const out = new Float32Array(nIn * nOut);
  if (cl.csr) {
    const { rowPtr, colIdx } = cl.csr;
    for (let i = 0; i < nIn; i++) for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) out[i * nOut + colIdx[p]] = v[p];
  } else if (cl.block) {
    const { gIn, gOut, bIn, bOut } = cl.block;
    for (let g = 0; g < gIn; g++) {
      for (let h = 0; h < gOut; h++) {
        const q = slotOf![g * gOut + h];
        if (q < 0) continue;
        for (let r = 0; r < bIn; r++) for (let j = 0; j < bOut; j++) out[(g * bIn + r) * nOut + h * bOut + j] = v[(q * bIn + r) * bOut + j];
      }
    }
  } else if (cl.conv) {
    const { geometry: gm, wOut, hOut } = cl.conv;
    const { k, stride: s, pad, cIn, cOut, wIn, hIn } = gm;
    for (let ci = 0; ci < cIn; ci++) for (let y = 0; y < hIn; y++) for (let x = 0; x < wIn; x++) {
      const i = (ci * hIn + y) * wIn + x;
      for (let co = 0; co < cOut; co++) for (let oy = 0; oy < hOut; oy++) {
        const ky = y + pad - oy * s;
        if (ky < 0 || ky >= k) continue;
        for (let ox = 0; ox < wOut; ox++) {
          const kx = x + pad - ox * s;
          if (kx < 0 || kx >= k) continue;
          out[i * nOut + (co * hOut + oy) * wOut + ox] = kernel![((co * cIn + ci) * k + ky) * k + kx];
        }
      }
    }
  } else {
    out.set(v);
  }
  return out;
}

/**
 * Stored values from a dense [nIn][nOut] matrix (sparse and block-sparse; dense copies). Returns
 * the index of the first non-zero entry that has no synapse, or -1, so the caller can refuse it.
 */
export function storedFromDense(cl: ConnectivityLayout, nIn: number, nOut: number, w: Float32Array, slotOf: Int32Array | null, out: Float32Array): number {
  const covered = new Uint8Array(nIn * nOut);
  if (cl.csr) {
    const { rowPtr, colIdx } = cl.csr;
    for (let i = 0; i < nIn; i++) for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) { out[p] = w[i * nOut + colIdx[p]]; covered[i * nOut + colIdx[p]] = 1; }
  } else if (cl.block) {
    const { gIn, gOut, bIn, bOut } = cl.block;
    for (let g = 0; g < gIn; g++) for (let h = 0; h < gOut; h++) {
      const q = slotOf![g * gOut + h];
      if (q < 0) continue;
      for (let r = 0; r < bIn; r++) for (let j = 0; j < bOut; j++) {
        const at = (g * bIn + r) * nOut + h * bOut + j;
        out[(q * bIn + r) * bOut + j] = w[at];
        covered[at] = 1;
      }
    }
  } else {
    out.set(w);
    return -1;
  }
  for (let k = 0; k < w.length; k++) if (!covered[k] && w[k] !== 0) return k;
  return -1;
}

/** Natural conv kernel K[cOut][cIn][k][k] -> the packed layout the kernel reads. */
export function packKernel(cl: ConnectivityLayout, kernel: Float32Array): Float32Array {
  return packConv2dWeights(kernel, cl.conv!.geometry);
}

/** Packed conv weights -> the natural kernel K[cOut][cIn][k][k] (inverse of packKernel). */
export function unpackKernel(cl: ConnectivityLayout, packed: Float32Array): Float32Array {
  const { k, stride: s, cIn, cOut } = cl.conv!.geometry;
  const T = conv2dTaps(cl.conv!.geometry);
  const rowW = s * T;
  const out = new Float32Array(cOut * cIn * k * k);
  for (let ci = 0; ci < cIn; ci++) for (let co = 0; co < cOut; co++) for (let ky = 0; ky < k; ky++) {
    const src = ((ci * cOut + co) * k + ky) * rowW;
    const dst = ((co * cIn + ci) * k + ky) * k;
    for (let phi = 0; phi < s; phi++) for (let m = 0; m < T; m++) {
      const f = phi + m * s;
      if (f < k) out[dst + (k - 1 - f)] = packed[src + phi * T + m];
    }
  }
  return out;
}
