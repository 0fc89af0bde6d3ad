/**
 * Plan -> the constants embedded in a WASI firmware image: the u32 "plan blob" whose layout is
 * declared in firmware/layout.ts (shared with the AssemblyScript driver), and the text block with
 * the checkpoint header pieces and the model name.
 *
 * What comes from where:
 *   - parameter writes, the step program (with each argument's "is an arena offset" flag), input
 *     buffer layout, readout layout and persistent regions: straight from the Plan;
 *   - weight initialisation: the projection's init spec and seed, replayed by the driver with the
 *     kernels' xoshiro128** (the twin of host/util/prng.ts), as Runtime.initWeights does;
 *   - the fills of Runtime.resetState() and Runtime.setTeacher(label): recorded from a real
 *     Runtime over the same Plan (every byte each call writes, found by running it over two
 *     different background patterns), so the image cannot drift from the host when those
 *     methods gain regions. A write whose value depends on the prior state is refused.
 */
import { NeuriteError, UsageError } from '../errors.js';
import { PERSISTENT_KINDS, type Plan } from '../plan/plan.js';
import { COUNTER_SLOT, OP, PHASE_ALWAYS } from '../runtime/abi.js';
import { CHECKPOINT_VERSION } from '../runtime/checkpoint.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import * as L from '../../firmware/layout.js';

export interface FirmwareLayoutOptions {
  /** Capacity of the driver's sample store in kept input events (default 32768). */
  sampleEvents?: number;
  /** Capacity of the sample store in steps (default 4096). */
  sampleSteps?: number;
  /** Default of the image's --checkpoint-every (default 100; 0 = only at the end). */
  checkpointEvery?: number;
  /** Kernel build the image is compiled with (recorded in the blob). */
  build?: KernelBuild;
}

/** Byte sizes of the driver buffers that follow the arena. */
export interface DriverLayout {
  storeOffsets: number;
  storeIndices: number;
  read: number;
  line: number;
  args: number;
  crc: number;
  scratch: number;
  path: number;
  total: number;
}

export interface FirmwareBlob {
  readonly words: Uint32Array;
  readonly text: Uint8Array;
  readonly driver: DriverLayout;
  readonly arenaBytes: number;
  readonly plastic: boolean;
  readonly labelLimit: number;
  readonly sampleEvents: number;
  readonly sampleSteps: number;
  readonly resetRuns: number;
  readonly teacherRuns: number;
}

/** A model or build option the firmware image cannot support, or a failed start-up check. */
export class FirmwareBuildError extends NeuriteError {
  override readonly name: string = 'FirmwareBuildError';
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

function f32Bits(v: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v, true);
  return dv.getUint32(0, true);
}

function f64Words(v: number): [number, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v, true);
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}

/** A fill run: `words` u32 words from arena offset `offset`, all equal to `value`. */
export interface FillRun {
  offset: number;
  words: number;
  value: number;
}

/**
 * Records every arena byte `action` writes, as fill runs. The arena is painted with two different
 * patterns; a byte differs from the paint after `action` in either pass iff it was written. The
 * runtime's arena is restored afterwards.
 */
export function recordWrites(rt: Runtime, what: string, action: () => void): FillRun[] {
  const n = rt.plan.arenaBytes;
  const bytes = new Uint8Array(rt.memory.buffer, rt.base, n);
  const saved = bytes.slice();
  bytes.fill(0xa5);
  action();
  const s1 = bytes.slice();
  bytes.fill(0x5a);
  action();
  const s2 = bytes.slice();
  bytes.set(saved);
  const w1 = new Uint32Array(s1.buffer);
  const w2 = new Uint32Array(s2.buffer);
  const runs: FillRun[] = [];
  for (let k = 0; k < n / 4; k++) {
    let written = 0;
    for (let b = 0; b < 4; b++) if (s1[4 * k + b] !== 0xa5 || s2[4 * k + b] !== 0x5a) written++;
    if (written === 0) continue;
    if (written !== 4 || w1[k] !== w2[k]) {
      throw new FirmwareBuildError(`${what} writes arena byte ${4 * k} in a way the firmware cannot replay (partial word or state-dependent value)`);
    }
    const last = runs[runs.length - 1];
    if (last && last.offset + last.words * 4 === 4 * k && last.value === w1[k]) last.words++;
    else runs.push({ offset: 4 * k, words: 1, value: w1[k] });
  }
  return runs;
}

function driverLayout(sampleEvents: number, sampleSteps: number): DriverLayout {
  const storeOffsets = align16((sampleSteps + 1) * 4);
  const storeIndices = align16(sampleEvents * 4);
  const d = { storeOffsets, storeIndices, read: 65536, line: 8192, args: 8192, crc: 1024, scratch: 256, path: 4096 };
  return { ...d, total: Object.values(d).reduce((a, b) => a + b, 0) };
}

/** Builds the plan blob and text block for `plan` (needs the built kernels: see recordWrites). */
export function firmwareBlob(plan: Plan, opts: FirmwareLayoutOptions = {}): FirmwareBlob {
  const spec = plan.spec;
  const r = plan.readout;
  if (!r) throw new FirmwareBuildError(`model "${spec.name}" has no readout: the firmware learns labels online through the readout`);
  // The WASI driver (firmware/driver.ts) runs the plain delta rule only; refuse rather than run a
  // different readout than the spec asks for.
  const extras = (['classp', 'modes', 'variability', 'homeostasis'] as const).filter((c) => r[c] !== null);
  if (r.rule !== 'delta' || extras.length > 0) {
    const what = r.rule !== 'delta' ? `readout.rule "${r.rule}"` : `readout.${extras.join(' and readout.')}`;
    throw new FirmwareBuildError(`model "${spec.name}" uses ${what}, which the firmware image does not implement: it supports readout.rule "delta" without classp, modes or variability, at its fixed learningRate without homeostasis (run this model on the host runtime instead)`);
  }
  // Rules fed by a per-sample label (Runtime.setLabel/endSample) or holding state the driver does
  // not initialise (int16 neurons and weights, conductance levels, log-weights) would run wrongly.
  const hostOnlyRules = new Set(['tess', 'eprop', 'tempotron', 'hebb-signed', 'discrete-conductance', 'eg-dale']);
  for (const pr of plan.projections) {
    if (pr.rule !== null && hostOnlyRules.has(pr.rule)) {
      throw new FirmwareBuildError(`projection ${pr.name}: plasticity rule "${pr.rule}" is not supported in firmware images yet (it needs per-sample labels or state the image does not initialise); run this model on the host runtime instead`);
    }
  }
  for (const pop of plan.populations) {
    if (pop.stepOp === OP.LIF_I16) throw new FirmwareBuildError(`population ${pop.name}: neuron model "lif-i16" is not supported in firmware images yet (integer state and weights are not initialised by the image)`);
  }
  const sampleEvents = opts.sampleEvents ?? 32768;
  const sampleSteps = opts.sampleSteps ?? 4096;
  const every = opts.checkpointEvery ?? 100;
  for (const [name, v, lo, hi] of [['sample-events', sampleEvents, 1, 1 << 26], ['sample-steps', sampleSteps, 1, 1 << 24], ['checkpoint-every', every, 0, 2 ** 31 - 1]] as const) {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new UsageError(`--${name} must be an integer in ${lo}..${hi}, got ${v}`);
  }
  const plastic = plan.ops.some((o) => o.phase !== PHASE_ALWAYS);
  let labelLimit = r.nClass;
  if (plastic) for (const p of plan.populations) if (p.teacher) labelLimit = Math.min(labelLimit, p.teacher.classes);
  if (labelLimit > 65536) throw new FirmwareBuildError(`model "${spec.name}" has ${labelLimit} classes; the stream framing carries u16 labels`);

  // Record resetState and setTeacher from a runtime over the same plan.
  const rt = new Runtime(plan, opts.build ?? 'simd');
  const reset = recordWrites(rt, 'Runtime.resetState', () => rt.resetState());
  const teach: FillRun[][] = [];
  for (let label = 0; label < labelLimit; label++) {
    teach.push(plastic ? recordWrites(rt, `Runtime.setTeacher(${label})`, () => rt.setTeacher(label)) : []);
  }
  teach.push(recordWrites(rt, 'Runtime.setTeacher(null)', () => rt.setTeacher(null)));
  rt.dispose();

  const words: number[] = new Array<number>(L.BLOB_HEADER_WORDS).fill(0);
  const H = (slot: number, v: number): void => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`blob slot ${slot}: ${v} is not a u32`);
    words[slot] = v;
  };
  const table = (rows: readonly (readonly number[])[]): number => {
    const at = words.length;
    for (const row of rows) for (const v of row) words.push(v >>> 0);
    return at;
  };

  H(L.H_MAGIC, L.BLOB_MAGIC);
  H(L.H_VERSION, L.BLOB_VERSION);
  H(L.H_ABI, plan.abiVersion);
  H(L.H_ARENA_BYTES, plan.arenaBytes);
  H(L.H_SEED, (spec.seed ?? 1) >>> 0);
  H(L.H_N_OPS, plan.ops.length);
  H(L.H_PROGRAM, plan.program);
  H(L.H_COUNTERS, plan.counters);
  H(L.H_PRNG, plan.prng);
  H(L.H_CLOCK, plan.clock);
  H(L.H_IN_WIDTH, spec.input.width);
  H(L.H_IN_HEIGHT, spec.input.height);
  H(L.H_IN_SPLIT, spec.input.polarity === 'split' ? 1 : 0);
  H(L.H_IN_OFFSETS, plan.input.offsets);
  H(L.H_IN_INDICES, plan.input.indices);
  H(L.H_IN_MAX_EVENTS, plan.input.maxEvents);
  H(L.H_IN_MAX_STEPS, plan.input.maxSteps);
  const [dtLo, dtHi] = f64Words(plan.dtUs);
  H(L.H_DT_US_LO, dtLo);
  H(L.H_DT_US_HI, dtHi);
  H(L.H_RO_WEIGHTS, r.weights);
  H(L.H_RO_NFEAT, r.nFeat);
  H(L.H_RO_NCLASS, r.nClass);
  H(L.H_RO_FEATURES, r.features);
  H(L.H_RO_SCORES, r.scores);
  H(L.H_RO_ERR, r.err);
  H(L.H_RO_LR, f32Bits(r.learningRate));
  H(L.H_PLASTIC, plastic ? 1 : 0);
  H(L.H_LABEL_LIMIT, labelLimit);
  H(L.H_CTR_DROPPED, COUNTER_SLOT.eventsDropped);
  H(L.H_COUNTER_COUNT, Object.keys(COUNTER_SLOT).length);
  H(L.H_SAMPLE_EVENTS, sampleEvents);
  H(L.H_SAMPLE_STEPS, sampleSteps);
  H(L.H_CK_VERSION, CHECKPOINT_VERSION);
  H(L.H_DEFAULT_EVERY, every);
  H(L.H_SIMD, (opts.build ?? 'simd') === 'simd' ? 1 : 0);

  // Program: opcode, phase, ten args, and the mask of args that are arena offsets.
  H(L.H_OPS_AT, table(plan.ops.map((op) => {
    if (op.args.length > 10) throw new Error(`op "${op.what}" has more than 10 args`);
    const args = [...op.args, ...new Array<number>(10 - op.args.length).fill(0)];
    const mask = op.addr.reduce((m, a, k) => (a ? m | (1 << k) : m), 0);
    return [op.code, op.phase, ...args.map((a) => a | 0), mask];
  })));
  H(L.H_PARAMS_AT, table(plan.paramWrites.map((w) => [w.offset, w.type === 'f32' ? f32Bits(w.value) : w.value | 0])));
  H(L.H_PARAMS_N, plan.paramWrites.length);
  H(L.H_RESET_AT, table(reset.map((x) => [x.offset, x.words, x.value])));
  H(L.H_RESET_N, reset.length);
  const teachIndex: number[][] = [];
  const teachRuns: FillRun[] = [];
  for (const runs of teach) {
    teachIndex.push([teachRuns.length, runs.length]);
    teachRuns.push(...runs);
  }
  H(L.H_TEACH_AT, table(teachIndex));
  H(L.H_TEACH_RUNS_AT, table(teachRuns.map((x) => [x.offset, x.words, x.value])));

  // Weight initialisation per projection (Runtime.initWeights + setWeights).
  const seed = (spec.seed ?? 1) >>> 0;
  H(L.H_INIT_AT, table(plan.projections.map((pr) => {
    const init = spec.projections[pr.index].weights.init;
    const e = new Array<number>(L.INIT_ENTRY_WORDS).fill(0);
    e[L.I_WEIGHTS] = pr.weights;
    e[L.I_NIN] = pr.nIn;
    e[L.I_NOUT] = pr.nOut;
    e[L.I_STORAGE] = pr.dtype === 'f32'
      ? (pr.layout === 'post-major' ? L.STORE_F32_POST_MAJOR : L.STORE_F32)
      : pr.dtype === 'int8' ? (pr.qStep !== null ? L.STORE_I8_FIXED_STEP : L.STORE_I8_PER_OUTPUT) : L.STORE_I16_PER_OUTPUT;
    if (pr.dtype !== 'f32' && pr.layout === 'post-major') throw new FirmwareBuildError(`projection ${pr.name}: post-major layout with ${pr.dtype} weights is not supported`);
    // The driver replays dense weight init only; connectivity structure is not in the blob yet.
    if (pr.connectivity !== null) throw new FirmwareBuildError(`projection ${pr.name}: ${pr.connectivity.kind} connectivity, delays and short-term plasticity are not supported in firmware images yet`);
    e[L.I_SEED] = (seed + Math.imul(0x9e3779b9, pr.index + 1)) >>> 0;
    if (init.kind === 'constant') {
      e[L.I_KIND] = L.INIT_CONSTANT;
      e[L.I_CONST] = f32Bits(init.value);
    } else {
      e[L.I_KIND] = L.INIT_UNIFORM;
      [e[L.I_LOW_LO], e[L.I_LOW_HI]] = f64Words(init.low);
      e[L.I_SPAN] = f32Bits(init.high - init.low);
    }
    e[L.I_QSTEP] = pr.qStep !== null ? f32Bits(pr.qStep) : 0;
    e[L.I_SCALE] = pr.scale ?? 0;
    return e;
  })));
  H(L.H_INIT_N, plan.projections.length);
  const persistent = plan.regions.filter((x) => PERSISTENT_KINDS.has(x.kind));
  H(L.H_REGIONS_AT, table(persistent.map((x) => [x.offset, x.bytes])));
  H(L.H_REGIONS_N, persistent.length);

  // Text: the checkpoint header around stepCount and savedAt (encodeCheckpoint's JSON), the name.
  const enc = new TextEncoder();
  const pieces = {
    prefix: enc.encode(`{"spec":${JSON.stringify(spec)},"stepCount":`),
    mid: enc.encode(',"savedAt":"'),
    suffix: enc.encode(`","regions":${JSON.stringify(persistent.map((x) => ({ name: x.name, kind: x.kind, bytes: x.bytes })))}}`),
    name: enc.encode(JSON.stringify(spec.name).slice(1, -1)),
  };
  const text = new Uint8Array(Object.values(pieces).reduce((s, p) => s + p.length, 0));
  let at = 0;
  const put = (p: Uint8Array, offSlot: number, lenSlot: number): void => {
    text.set(p, at);
    H(offSlot, at);
    H(lenSlot, p.length);
    at += p.length;
  };
  put(pieces.prefix, L.H_CK_PREFIX_OFF, L.H_CK_PREFIX_LEN);
  put(pieces.mid, L.H_CK_MID_OFF, L.H_CK_MID_LEN);
  put(pieces.suffix, L.H_CK_SUFFIX_OFF, L.H_CK_SUFFIX_LEN);
  put(pieces.name, L.H_NAME_OFF, L.H_NAME_LEN);

  // Driver buffers after the arena.
  const d = driverLayout(sampleEvents, sampleSteps);
  let off = 0;
  const buf = (slot: number, bytes: number, sizeSlot?: number): void => {
    H(slot, off);
    if (sizeSlot !== undefined) H(sizeSlot, bytes);
    off += bytes;
  };
  buf(L.H_D_STORE_OFFSETS, d.storeOffsets);
  buf(L.H_D_STORE_INDICES, d.storeIndices);
  buf(L.H_D_READ, d.read, L.H_D_READ_BYTES);
  buf(L.H_D_LINE, d.line, L.H_D_LINE_BYTES);
  buf(L.H_D_ARGS, d.args, L.H_D_ARGS_BYTES);
  buf(L.H_D_CRC, d.crc);
  buf(L.H_D_SCRATCH, d.scratch, L.H_D_SCRATCH_BYTES);
  buf(L.H_D_PATH, d.path, L.H_D_PATH_BYTES);
  H(L.H_D_TOTAL, off);

  return {
    words: Uint32Array.from(words),
    text,
    driver: d,
    arenaBytes: plan.arenaBytes,
    plastic,
    labelLimit,
    sampleEvents,
    sampleSteps,
    resetRuns: reset.length,
    teacherRuns: teachRuns.length,
  };
}

/** Reads the header slots of a blob (from an image's memory) back into named fields. */
export function readBlobHeader(words: Uint32Array): {
  abi: number; arenaBytes: number; width: number; height: number; labelLimit: number; nClass: number;
  plastic: boolean; sampleEvents: number; sampleSteps: number; driverBytes: number; simd: boolean;
  checkpointEvery: number;
} {
  if (words[L.H_MAGIC] !== L.BLOB_MAGIC) throw new UsageError('not a neurite firmware image (no plan blob)');
  if (words[L.H_VERSION] !== L.BLOB_VERSION) throw new UsageError(`firmware plan blob version ${words[L.H_VERSION]} is not supported (this host reads ${L.BLOB_VERSION})`);
  return {
    abi: words[L.H_ABI],
    arenaBytes: words[L.H_ARENA_BYTES],
    width: words[L.H_IN_WIDTH],
    height: words[L.H_IN_HEIGHT],
    labelLimit: words[L.H_LABEL_LIMIT],
    nClass: words[L.H_RO_NCLASS],
    plastic: words[L.H_PLASTIC] === 1,
    sampleEvents: words[L.H_SAMPLE_EVENTS],
    sampleSteps: words[L.H_SAMPLE_STEPS],
    driverBytes: words[L.H_D_TOTAL],
    simd: words[L.H_SIMD] === 1,
    checkpointEvery: words[L.H_DEFAULT_EVERY],
  };
}

/** Text piece `offSlot`/`lenSlot` of the text block. */
export function blobText(words: Uint32Array, text: Uint8Array, offSlot: number, lenSlot: number): string {
  return new TextDecoder().decode(text.subarray(words[offSlot], words[offSlot] + words[lenSlot]));
}
