/**
 * The neurite firmware driver: a WASI command that learns online from an event stream, with the
 * kernels of assembly/ and a Plan embedded at build time (`neurite build-firmware`).
 *
 * The build generates a small entry module holding the Plan as two static data blocks (the u32
 * "plan blob" described in firmware/layout.ts, and the checkpoint header text) and calls
 * `firmwareMain` from `_start`. This file is the same for every model.
 *
 * What it does, in order (each step mirrors host/runtime/runtime.ts and host/firmware/procedure.ts):
 *   1. places the arena at align16(__heap_base) and the driver buffers right after it; checks that
 *      the fixed memory (initial == maximum pages, declared at build time) holds both;
 *   2. writes the parameter blocks and the step program (arena offsets + base), initialises the
 *      weights with the host's xoshiro128** stream per projection, resets the network state,
 *      binds the counters and seeds the arena PRNG, exactly like `new Runtime(plan)`;
 *   3. reads the framed event stream (stdin or --input PATH in a preopened directory), one sample
 *      at a time into a bounded sample store, binning events into steps like Runtime.run;
 *   4. per sample, test-then-train: a free run from rest (no teacher, no plasticity), the readout
 *      predicts and then learns the label with the delta rule; if the model has plasticity, a
 *      second run from rest with the teacher current and plasticity on;
 *   5. writes checkpoints in neurite's checkpoint format (CRC-32 included) into a preopened
 *      directory every N samples and at the end (temp file, fsync, rename), and reports JSON lines
 *      on stdout. A malformed stream ends the program with a message on stderr and a non-zero
 *      exit code (see EXIT_* in layout.ts), never with a trap.
 *
 * Nothing here allocates: the image uses the stub runtime and the arena starts at __heap_base.
 */
import {
  fd_close, fd_sync, path_open, path_rename, proc_exit,
} from 'bindings/wasi_snapshot_preview1';
import { net_run } from '../assembly/schedule';
import { rng_seed, rng_next_u32 } from '../assembly/util/prng';
import { counters_bind } from '../assembly/util/counters';
import { readout_learn_f32 } from '../assembly/readout/delta';
import { ABI_VERSION, OP_WORDS, PHASE_ALWAYS, PHASE_LEARN } from '../assembly/abi';
import {
  BLOB_MAGIC, BLOB_VERSION, H_MAGIC, H_VERSION, H_ABI, H_ARENA_BYTES, H_SEED, H_N_OPS, H_PROGRAM,
  H_COUNTERS, H_PRNG, H_CLOCK, H_IN_WIDTH, H_IN_HEIGHT, H_IN_SPLIT, H_IN_OFFSETS, H_IN_INDICES,
  H_IN_MAX_EVENTS, H_IN_MAX_STEPS, H_DT_US_LO, H_DT_US_HI, H_RO_WEIGHTS, H_RO_NFEAT, H_RO_NCLASS,
  H_RO_FEATURES, H_RO_SCORES, H_RO_ERR, H_RO_LR, H_PLASTIC, H_LABEL_LIMIT, H_CTR_DROPPED, H_COUNTER_COUNT,
  H_SAMPLE_EVENTS, H_SAMPLE_STEPS, H_OPS_AT, H_PARAMS_AT, H_PARAMS_N, H_RESET_AT, H_RESET_N,
  H_TEACH_AT, H_TEACH_RUNS_AT, H_INIT_AT, H_INIT_N, H_REGIONS_AT, H_REGIONS_N, H_CK_PREFIX_OFF,
  H_CK_PREFIX_LEN, H_CK_MID_OFF, H_CK_MID_LEN, H_CK_SUFFIX_OFF, H_CK_SUFFIX_LEN, H_NAME_OFF,
  H_NAME_LEN, H_CK_VERSION, H_D_STORE_OFFSETS, H_D_STORE_INDICES, H_D_READ, H_D_READ_BYTES, H_D_LINE,
  H_D_LINE_BYTES, H_D_ARGS, H_D_ARGS_BYTES, H_D_CRC, H_D_SCRATCH, H_D_PATH, H_D_PATH_BYTES,
  H_D_TOTAL, H_DEFAULT_EVERY, H_SIMD,
  OP_ENTRY_WORDS, RUN_WORDS, PARAM_WORDS, REGION_WORDS, TEACH_WORDS, INIT_ENTRY_WORDS,
  I_WEIGHTS, I_NIN, I_NOUT, I_STORAGE, I_KIND, I_SEED, I_CONST, I_LOW_LO, I_LOW_HI, I_SPAN, I_QSTEP,
  I_SCALE, STORE_F32, STORE_F32_POST_MAJOR, STORE_I8_FIXED_STEP, STORE_I8_PER_OUTPUT,
  STORE_I16_PER_OUTPUT, INIT_CONSTANT,
  FRAME_MAGIC, FRAME_VERSION, FRAME_HEADER_BYTES, FRAME_RECORD_BYTES, FRAME_EVENT_BYTES,
  FRAME_TAG_SAMPLE, FRAME_TAG_END, CKPT_HEAD_BYTES,
  EXIT_INPUT, EXIT_USAGE, EXIT_IO, EXIT_MEMORY, EXIT_IMAGE,
} from './layout';
import {
  ioInit, scratch, lineStart, put, putBytes, putU64, putHex32, putBool, putJsonChars, lineEnd,
  errStart, fail, monotonicNs, realtimeMs, putIsoTime, lineCursor, lineBase, crcUpdate, readerInit,
  need, cursor, advance, offset, readError, argsInit, argCount, argPtr, cstrLen, cstrIs, cstrInt,
  resolvePreopen, relPtr, relLen, writeAll, available,
} from './io';

// WASI rights and open flags (wasi_snapshot_preview1).
const RIGHT_FD_DATASYNC: u64 = 1 << 0;
const RIGHT_FD_READ: u64 = 1 << 1;
const RIGHT_FD_SEEK: u64 = 1 << 2;
const RIGHT_FD_SYNC: u64 = 1 << 4;
const RIGHT_FD_TELL: u64 = 1 << 5;
const RIGHT_FD_WRITE: u64 = 1 << 6;
const RIGHT_FD_FILESTAT_GET: u64 = 1 << 21;
const OFLAG_CREAT: u16 = 1;
const OFLAG_TRUNC: u16 = 8;

// ── The embedded plan ───────────────────────────────────────────────────────────────────────
let BLOB: usize = 0;
let TEXT: usize = 0;
let BASE: usize = 0; // arena start (absolute)

// @ts-ignore: decorator
@inline
function hw(slot: i32): u32 {
  return load<u32>(BLOB + (<usize>slot << 2));
}

// @ts-ignore: decorator
@inline
function word(at: u32, k: i32): u32 {
  return load<u32>(BLOB + ((<usize>at + <usize>k) << 2));
}

// @ts-ignore: decorator
@inline
function A(offset: u32): usize {
  return BASE + <usize>offset;
}

// Driver buffers (absolute), after the arena at DRV.
let DRV: usize = 0;

function dw(slot: i32): usize {
  return DRV + <usize>hw(slot);
}

let STORE_OFF: usize = 0;
let STORE_IDX: usize = 0;
let PATHBUF: usize = 0;
let PATH_CAP: usize = 0;

// Options.
let inputPath: usize = 0; // NUL-terminated argument, 0 = stdin
let ckptDir: usize = 0;
let ckptName: usize = 0;
let every: u32 = 0;
let keep = false;
let quiet = false;
let ckptDirFd: i32 = -1;
let ckptRel: usize = 0;
let ckptRelLen: usize = 0;

// Statistics.
let samples: u64 = 0;
let correct: u64 = 0;
let eventsTotal: u64 = 0;
let stepsTotal: u64 = 0;
let droppedTotal: u64 = 0;
let checkpoints: u32 = 0;

// ── Arena initialisation (Runtime constructor) ───────────────────────────────────────────────

function fillRuns(at: u32, n: u32): void {
  for (let r: u32 = 0; r < n; r++) {
    const e = at + r * <u32>RUN_WORDS;
    const p = A(word(e, 0));
    const words = <usize>word(e, 1);
    const v = word(e, 2);
    if (v == 0) memory.fill(p, 0, words << 2);
    else for (let k: usize = 0; k < words; k++) store<u32>(p + (k << 2), v);
  }
}

function writeParams(): void {
  const at = hw(H_PARAMS_AT);
  const n = hw(H_PARAMS_N);
  for (let k: u32 = 0; k < n; k++) store<u32>(A(word(at + k * <u32>PARAM_WORDS, 0)), word(at + k * <u32>PARAM_WORDS, 1));
}

function writeProgram(): void {
  const at = hw(H_OPS_AT);
  const n = hw(H_N_OPS);
  let p = A(hw(H_PROGRAM));
  for (let o: u32 = 0; o < n; o++) {
    const e = at + o * <u32>OP_ENTRY_WORDS;
    const mask = word(e, 12);
    store<u32>(p, word(e, 0));
    store<u32>(p, word(e, 1), 4);
    for (let k = 0; k < 10; k++) {
      const v = word(e, 2 + k);
      store<u32>(p + 8 + (<usize>k << 2), (mask >>> <u32>k) & 1 ? <u32>A(v) : v);
    }
    p += <usize>OP_WORDS << 2;
  }
}

/** JavaScript's Math.round (halves go up), on f64. */
function jsRound(x: f64): f64 {
  const c = Math.ceil(x);
  return c - 0.5 > x ? c - 1 : c;
}

function clampQ(x: f64, qmax: f64): f64 {
  return Math.max(-qmax, Math.min(qmax, x));
}

/** The k-th initial weight value of a projection, drawn as Runtime.initWeights does. */
// @ts-ignore: decorator
@inline
function initValue(e: u32, rng: usize): f32 {
  if (word(e, I_KIND) == INIT_CONSTANT) return reinterpret<f32>(word(e, I_CONST));
  const low = reinterpret<f64>((<u64>word(e, I_LOW_HI) << 32) | <u64>word(e, I_LOW_LO));
  const span = <f64>reinterpret<f32>(word(e, I_SPAN));
  const u = <f64>(rng_next_u32(rng) >>> 8) * 5.9604644775390625e-8;
  return <f32>(low + <f64><f32>(span * u));
}

function initWeights(): void {
  const at = hw(H_INIT_AT);
  const n = hw(H_INIT_N);
  const rng = scratch() + 144;
  for (let j: u32 = 0; j < n; j++) {
    const e = at + j * <u32>INIT_ENTRY_WORDS;
    const w = A(word(e, I_WEIGHTS));
    const nIn = <usize>word(e, I_NIN);
    const nOut = <usize>word(e, I_NOUT);
    const total = nIn * nOut;
    const storage = word(e, I_STORAGE);
    rng_seed(rng, word(e, I_SEED));
    if (storage == STORE_F32) {
      for (let k: usize = 0; k < total; k++) store<f32>(w + (k << 2), initValue(e, rng));
    } else if (storage == STORE_F32_POST_MAJOR) {
      for (let i: usize = 0; i < nIn; i++) {
        for (let o: usize = 0; o < nOut; o++) store<f32>(w + ((o * nIn + i) << 2), initValue(e, rng));
      }
    } else if (storage == STORE_I8_FIXED_STEP) {
      const s = reinterpret<f32>(word(e, I_QSTEP));
      for (let k: usize = 0; k < total; k++) {
        store<i8>(w + k, <i8><i32>clampQ(jsRound(<f64>initValue(e, rng) / <f64>s), 127));
      }
      const sc = A(word(e, I_SCALE));
      for (let o: usize = 0; o < nOut; o++) store<f32>(sc + (o << 2), s);
    } else {
      // Per-output symmetric quantisation (quantizePerOutput): two passes over the same stream.
      const int16 = storage == STORE_I16_PER_OUTPUT;
      const qmax: f64 = int16 ? 32767 : 127;
      const sc = A(word(e, I_SCALE));
      for (let o: usize = 0; o < nOut; o++) store<f32>(sc + (o << 2), 0);
      for (let i: usize = 0; i < nIn; i++) {
        for (let o: usize = 0; o < nOut; o++) {
          const a = Mathf.abs(initValue(e, rng));
          const p = sc + (o << 2);
          if (a > load<f32>(p)) store<f32>(p, a);
        }
      }
      for (let o: usize = 0; o < nOut; o++) {
        const p = sc + (o << 2);
        const m = <f64>load<f32>(p);
        store<f32>(p, m > 0 ? <f32>(m / qmax) : 1);
      }
      rng_seed(rng, word(e, I_SEED));
      for (let i: usize = 0; i < nIn; i++) {
        for (let o: usize = 0; o < nOut; o++) {
          const q = clampQ(jsRound(<f64>initValue(e, rng) / <f64>load<f32>(sc + (o << 2))), qmax);
          if (int16) store<i16>(w + ((i * nOut + o) << 1), <i16><i32>q);
          else store<i8>(w + i * nOut + o, <i8><i32>q);
        }
      }
    }
  }
}

function resetState(): void {
  fillRuns(hw(H_RESET_AT), hw(H_RESET_N));
}

/** Teacher current for `label` (-1 = none), as Runtime.setTeacher. */
function setTeacher(label: i32): void {
  const idx = label < 0 ? hw(H_LABEL_LIMIT) : <u32>label;
  const e = hw(H_TEACH_AT) + idx * <u32>TEACH_WORDS;
  fillRuns(hw(H_TEACH_RUNS_AT) + word(e, 0) * <u32>RUN_WORDS, word(e, 1));
}

// ── Samples ─────────────────────────────────────────────────────────────────────────────────

/** Steps of the current sample, valid indices kept, events dropped (per run). */
let sTotal: u32 = 0;
let sKept: u32 = 0;
let sDropped: u32 = 0;

/**
 * Reads one sample's events and bins them into the sample store: storeOff[s] is the first index
 * of step s, like the input buffer of Runtime.run but for the whole sample. Per step, at most
 * maxEvents in-range events are kept (the input buffer's capacity); out-of-range events and the
 * excess are dropped and counted, as in Runtime.run.
 */
function readSample(n: u32, sampleIndex: u64): void {
  const width = hw(H_IN_WIDTH);
  const height = hw(H_IN_HEIGHT);
  const plane = width * height;
  const split = hw(H_IN_SPLIT) != 0;
  const maxEvents = hw(H_IN_MAX_EVENTS);
  const capEvents = hw(H_SAMPLE_EVENTS);
  const capSteps = hw(H_SAMPLE_STEPS);
  const dtUs = reinterpret<f64>((<u64>hw(H_DT_US_HI) << 32) | <u64>hw(H_DT_US_LO));
  let step: u32 = 0; // current step
  let inStep: u32 = 0; // kept events in the current step
  let kept: u32 = 0;
  let dropped: u32 = 0;
  let lastT: u32 = 0;
  store<u32>(STORE_OFF, 0);
  let nextEnd: f64 = dtUs; // end of the current step: (step + 1) * dtUs
  for (let e: u32 = 0; e < n; e++) {
    if (!need(<usize>FRAME_EVENT_BYTES)) {
      truncated('an event of sample', sampleIndex);
    }
    const p = cursor();
    const t = load<u32>(p);
    const x = <u32>load<u16>(p, 4);
    const y = <u32>load<u16>(p, 6);
    const pol = <u32>load<u8>(p, 8);
    if (pol > 1) {
      errStart();
      put('input at byte ');
      putU64(offset() + 8);
      put(': sample ');
      putU64(sampleIndex);
      put(', event ');
      putU64(<u64>e);
      put(': polarity byte is ');
      putU64(<u64>pol);
      put(' (expected 0 = OFF or 1 = ON)');
      fail(EXIT_INPUT);
    }
    if (t < lastT) {
      errStart();
      put('input at byte ');
      putU64(offset());
      put(': sample ');
      putU64(sampleIndex);
      put(', event ');
      putU64(<u64>e);
      put(': time ');
      putU64(<u64>t);
      put(' us is before the previous event (');
      putU64(<u64>lastT);
      put(' us); events must be in time order');
      fail(EXIT_INPUT);
    }
    lastT = t;
    advance(<usize>FRAME_EVENT_BYTES);
    const tf = <f64>t;
    while (tf >= nextEnd) {
      step++;
      if (step >= capSteps) sampleTooLong(sampleIndex, capSteps);
      store<u32>(STORE_OFF + (<usize>step << 2), kept);
      inStep = 0;
      nextEnd = <f64>(step + 1) * dtUs;
    }
    if (x >= width || y >= height || inStep >= maxEvents) {
      dropped++;
      continue;
    }
    if (kept >= capEvents) sampleTooBig(sampleIndex, capEvents);
    store<u32>(STORE_IDX + (<usize>kept << 2), (split && pol == 1 ? plane : 0) + y * width + x);
    kept++;
    inStep++;
  }
  // Steps to run: up to and including the step of the last event (Runtime.run's default).
  let total: u32 = 0;
  if (n > 0) {
    const tt = Math.floor(<f64>lastT / dtUs) + 1;
    total = tt > <f64>capSteps ? capSteps + 1 : <u32>tt;
  }
  if (total > capSteps) sampleTooLong(sampleIndex, capSteps);
  const scanned = n > 0 ? step + 1 : 0;
  if (total >= scanned) {
    for (let s = scanned; s <= total; s++) store<u32>(STORE_OFF + (<usize>s << 2), kept);
  } else {
    // Events binned past the last step (only possible through rounding of dt) are not run.
    const at = load<u32>(STORE_OFF + (<usize>total << 2));
    dropped += kept - at;
    kept = at;
  }
  sTotal = total;
  sKept = kept;
  sDropped = dropped;
}

function sampleTooLong(sampleIndex: u64, cap: u32): void {
  errStart();
  put('input at byte ');
  putU64(offset());
  put(': sample ');
  putU64(sampleIndex);
  put(' lasts more than ');
  putU64(<u64>cap);
  put(' steps, the capacity of the sample store (rebuild with a larger --sample-steps)');
  fail(EXIT_MEMORY);
}

function sampleTooBig(sampleIndex: u64, cap: u32): void {
  errStart();
  put('input at byte ');
  putU64(offset());
  put(': sample ');
  putU64(sampleIndex);
  put(' has more than ');
  putU64(<u64>cap);
  put(' in-range events, the capacity of the sample store (rebuild with a larger --sample-events)');
  fail(EXIT_MEMORY);
}

function truncated(what: string, sampleIndex: u64): void {
  errStart();
  if (readError() != 0) {
    put('cannot read the input (WASI errno ');
    putU64(<u64>readError());
    put(')');
    fail(EXIT_IO);
  }
  put('input truncated at byte ');
  putU64(offset() + <u64>available());
  put(': the stream ends inside ');
  put(what);
  put(' ');
  putU64(sampleIndex);
  fail(EXIT_INPUT);
}

/**
 * One pass over the stored sample from rest, as presentSample + Runtime.run: the store is fed to
 * the arena's input buffer in chunks of at most maxSteps steps and maxEvents indices.
 */
function runSample(learn: bool, teacher: i32): void {
  resetState();
  setTeacher(teacher);
  const maxEvents = hw(H_IN_MAX_EVENTS);
  const maxSteps = hw(H_IN_MAX_STEPS);
  const offs = A(hw(H_IN_OFFSETS));
  const idx = A(hw(H_IN_INDICES));
  const program = A(hw(H_PROGRAM));
  const nOps = <i32>hw(H_N_OPS);
  const clock = A(hw(H_CLOCK));
  const phase = learn ? PHASE_ALWAYS | PHASE_LEARN : PHASE_ALWAYS;
  let stepBase: u32 = 0;
  while (stepBase < sTotal) {
    const first = load<u32>(STORE_OFF + (<usize>stepBase << 2));
    let nSteps: u32 = 0;
    while (nSteps < maxSteps && stepBase + nSteps < sTotal &&
      load<u32>(STORE_OFF + (<usize>(stepBase + nSteps + 1) << 2)) - first <= maxEvents) nSteps++;
    const last = load<u32>(STORE_OFF + (<usize>(stepBase + nSteps) << 2));
    memory.copy(idx, STORE_IDX + (<usize>first << 2), <usize>(last - first) << 2);
    for (let s: u32 = 0; s <= nSteps; s++) {
      store<u32>(offs + (<usize>s << 2), load<u32>(STORE_OFF + (<usize>(stepBase + s) << 2)) - first);
    }
    net_run(program, nOps, <i32>nSteps, phase, clock);
    stepBase += nSteps;
  }
  if (sDropped > 0) {
    const c = A(hw(H_COUNTERS)) + (<usize>hw(H_CTR_DROPPED) << 3);
    store<f64>(c, load<f64>(c) + <f64>sDropped);
  }
  setTeacher(-1);
}

/** The readout's test-then-train step: predicts (before the update), then learns `label`. */
function readoutLearn(label: i32): i32 {
  const nClass = <i32>hw(H_RO_NCLASS);
  const scores = A(hw(H_RO_SCORES));
  readout_learn_f32(A(hw(H_RO_WEIGHTS)), <i32>hw(H_RO_NFEAT), nClass, A(hw(H_RO_FEATURES)), label,
    reinterpret<f32>(hw(H_RO_LR)), scores, A(hw(H_RO_ERR)));
  let best = 0;
  for (let c = 1; c < nClass; c++) {
    if (load<f32>(scores + (<usize>c << 2)) > load<f32>(scores + (<usize>best << 2))) best = c;
  }
  return best;
}

// ── Checkpoints ─────────────────────────────────────────────────────────────────────────────

let ckCrc: u32 = 0;
let ckBytes: u64 = 0;

function ckWrite(fd: u32, p: usize, n: usize): bool {
  ckCrc = crcUpdate(ckCrc, p, n);
  ckBytes += <u64>n;
  return writeAll(fd, p, n) == 0;
}

/**
 * Builds "<dir relative to its preopen>/<name>[.<samples>]" at PATHBUF and returns its length
 * (0 if it and its ".tmp" twin would not fit in the path buffer).
 */
function buildPath(name: usize, nameLen: usize, samplesSuffix: bool): usize {
  let q = PATHBUF;
  if ((ckptRelLen + nameLen) * 2 + 64 > PATH_CAP) return 0;
  if (ckptRelLen > 0 && !(ckptRelLen == 1 && load<u8>(ckptRel) == 0x2e)) {
    memory.copy(q, ckptRel, ckptRelLen);
    q += ckptRelLen;
    store<u8>(q++, 0x2f);
  }
  memory.copy(q, name, nameLen);
  q += nameLen;
  if (samplesSuffix) {
    // name.<samples>: keeps every periodic checkpoint (--keep-checkpoints).
    store<u8>(q++, 0x2e);
    let v = samples;
    const start = q;
    do {
      store<u8>(q++, <u8>(0x30 + <u32>(v % 10)));
      v /= 10;
    } while (v != 0);
    // reverse the digits
    let a = start;
    let b = q - 1;
    while (a < b) {
      const t = load<u8>(a);
      store<u8>(a, load<u8>(b));
      store<u8>(b, t);
      a++;
      b--;
    }
  }
  return q - PATHBUF;
}

function ioFail(what: string, err: u32): void {
  errStart();
  put(what);
  put(' (WASI errno ');
  putU64(<u64>err);
  put(')');
  fail(EXIT_IO);
}

/**
 * Writes the learned state in host/runtime/checkpoint.ts's format to a temp file in the
 * checkpoint directory, fsyncs it and renames it over the final name.
 */
function writeCheckpoint(periodic: bool): void {
  if (ckptDirFd < 0) return;
  const nameLen = cstrLen(ckptName);
  const finalLen = buildPath(ckptName, nameLen, periodic && keep);
  if (finalLen == 0) {
    errStart();
    put('checkpoint path too long');
    fail(EXIT_USAGE);
  }
  // The temp path goes right after the final path in PATHBUF.
  const finalPath = PATHBUF;
  const tmpStart = PATHBUF + finalLen;
  memory.copy(tmpStart, finalPath, finalLen);
  store<u32>(tmpStart + finalLen, 0x706d742e); // ".tmp"
  const tmpLen = finalLen + 4;
  const s = scratch();
  const fdOut = s + 128;
  const err = path_open(<u32>ckptDirFd, 0, tmpStart, tmpLen, OFLAG_CREAT | OFLAG_TRUNC,
    RIGHT_FD_WRITE | RIGHT_FD_SYNC | RIGHT_FD_DATASYNC | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET, 0, 0, fdOut);
  if (err != 0) ioFail('cannot create the checkpoint file in the checkpoint directory', <u32>err);
  const fd = load<u32>(fdOut);

  // Header text pieces: prefix, stepCount, mid, savedAt, suffix.
  const stepCount = load<f64>(A(hw(H_CLOCK)));
  lineStart();
  putU64(<u64>stepCount);
  const digitsLen = lineCursor() - lineBase();
  put('|');
  const timeAt = lineCursor();
  putIsoTime(realtimeMs());
  const timeLen = lineCursor() - timeAt;
  const headerLen = <usize>hw(H_CK_PREFIX_LEN) + digitsLen + <usize>hw(H_CK_MID_LEN) + timeLen + <usize>hw(H_CK_SUFFIX_LEN);
  const head = s + 160;
  store<u64>(head, 0x0054504b4354524e); // "NRTCKPT\0"
  store<u32>(head, hw(H_CK_VERSION), 8);
  store<u32>(head, hw(H_ABI), 12);
  store<u32>(head, <u32>headerLen, 16);
  ckCrc = 0;
  ckBytes = 0;
  let ok = ckWrite(fd, head, <usize>CKPT_HEAD_BYTES);
  ok = ok && ckWrite(fd, TEXT + <usize>hw(H_CK_PREFIX_OFF), <usize>hw(H_CK_PREFIX_LEN));
  ok = ok && ckWrite(fd, lineBase(), digitsLen);
  ok = ok && ckWrite(fd, TEXT + <usize>hw(H_CK_MID_OFF), <usize>hw(H_CK_MID_LEN));
  ok = ok && ckWrite(fd, timeAt, timeLen);
  ok = ok && ckWrite(fd, TEXT + <usize>hw(H_CK_SUFFIX_OFF), <usize>hw(H_CK_SUFFIX_LEN));
  const rat = hw(H_REGIONS_AT);
  const rn = hw(H_REGIONS_N);
  for (let r: u32 = 0; r < rn && ok; r++) {
    ok = ckWrite(fd, A(word(rat + r * <u32>REGION_WORDS, 0)), <usize>word(rat + r * <u32>REGION_WORDS, 1));
  }
  const crc = ckCrc;
  store<u32>(s + 192, crc);
  ok = ok && writeAll(fd, s + 192, 4) == 0;
  ckBytes += 4;
  if (!ok) ioFail('cannot write the checkpoint file', 0);
  const serr = fd_sync(fd);
  if (serr != 0) ioFail('cannot sync the checkpoint file', <u32>serr);
  fd_close(fd);
  const rerr = path_rename(<u32>ckptDirFd, tmpStart, tmpLen, <u32>ckptDirFd, finalPath, finalLen);
  if (rerr != 0) ioFail('cannot rename the checkpoint file into place', <u32>rerr);
  checkpoints++;

  lineStart();
  put('{"type":"checkpoint","samples":');
  putU64(samples);
  put(',"stepCount":');
  putU64(<u64>stepCount);
  put(',"file":"');
  const dirLen = cstrLen(ckptDir);
  putJsonChars(ckptDir, dirLen);
  if (dirLen > 0 && load<u8>(ckptDir + dirLen - 1) != 0x2f) put('/');
  // the file name part of the final path
  let nameStart = finalPath + finalLen;
  while (nameStart > finalPath && load<u8>(nameStart - 1) != 0x2f) nameStart--;
  putJsonChars(nameStart, finalPath + finalLen - nameStart);
  put('","bytes":');
  putU64(ckBytes);
  put(',"crc32":"');
  putHex32(crc);
  put('"}');
  lineEnd(1);
}

// ── Arguments ───────────────────────────────────────────────────────────────────────────────

function usage(): void {
  lineStart();
  put('usage: <image>.wasm [--input PATH] [--checkpoint-dir DIR] [--checkpoint-every N] [--checkpoint-name NAME] [--keep-checkpoints] [--quiet]');
  lineEnd(1);
  lineStart();
  put('  reads the framed event stream (docs/firmware-image.md) from stdin, or from PATH inside a preopened directory;');
  lineEnd(1);
  lineStart();
  put('  writes checkpoints into DIR (a preopened directory) every N samples and at the end; JSON lines on stdout.');
  lineEnd(1);
}

function argValue(i: i32, flag: string): usize {
  if (i + 1 >= argCount()) {
    errStart();
    put(flag);
    put(' needs a value');
    fail(EXIT_USAGE);
  }
  return argPtr(i + 1);
}

function parseArgs(): void {
  every = hw(H_DEFAULT_EVERY);
  const n = argCount();
  for (let i = 1; i < n; i++) {
    const a = argPtr(i);
    if (cstrIs(a, '--input')) {
      inputPath = argValue(i, '--input');
      i++;
    } else if (cstrIs(a, '--checkpoint-dir')) {
      ckptDir = argValue(i, '--checkpoint-dir');
      i++;
    } else if (cstrIs(a, '--checkpoint-name')) {
      ckptName = argValue(i, '--checkpoint-name');
      i++;
      const len = cstrLen(ckptName);
      let bad = len == 0;
      for (let k: usize = 0; k < len; k++) if (load<u8>(ckptName + k) == 0x2f) bad = true;
      if (bad) {
        errStart();
        put('--checkpoint-name must be a plain file name');
        fail(EXIT_USAGE);
      }
    } else if (cstrIs(a, '--checkpoint-every')) {
      const v = cstrInt(argValue(i, '--checkpoint-every'));
      i++;
      if (v < 0) {
        errStart();
        put('--checkpoint-every must be a non-negative integer');
        fail(EXIT_USAGE);
      }
      every = <u32>v;
    } else if (cstrIs(a, '--keep-checkpoints')) {
      keep = true;
    } else if (cstrIs(a, '--quiet')) {
      quiet = true;
    } else if (cstrIs(a, '--help') || cstrIs(a, '-h')) {
      usage();
      proc_exit(0);
    } else {
      errStart();
      put('unknown argument "');
      putJsonChars(a, cstrLen(a));
      put('" (try --help)');
      fail(EXIT_USAGE);
    }
  }
}

// ── Main ────────────────────────────────────────────────────────────────────────────────────

function badFraming(what: string): void {
  errStart();
  put('input at byte ');
  putU64(offset());
  put(': ');
  put(what);
  fail(EXIT_INPUT);
}

function readHeader(): void {
  if (!need(<usize>FRAME_HEADER_BYTES)) {
    if (readError() != 0) truncated('the header', 0);
    errStart();
    put('input is ');
    putU64(<u64>available());
    put(' bytes long, shorter than the 16-byte stream header (is it a neurite event stream?)');
    fail(EXIT_INPUT);
  }
  const p = cursor();
  if (load<u32>(p) != <u32>FRAME_MAGIC) badFraming('not a neurite event stream (magic bytes are not "NEVS")');
  if (<u32>load<u16>(p, 4) != <u32>FRAME_VERSION) {
    errStart();
    put('input: stream version ');
    putU64(<u64>load<u16>(p, 4));
    put(' is not supported (this image reads version 1)');
    fail(EXIT_INPUT);
  }
  if (<u32>load<u16>(p, 6) != <u32>FRAME_HEADER_BYTES || load<u32>(p, 12) != 0) badFraming('header length or reserved bytes are not those of version 1');
  const w = <u32>load<u16>(p, 8);
  const h = <u32>load<u16>(p, 10);
  if (w != hw(H_IN_WIDTH) || h != hw(H_IN_HEIGHT)) {
    errStart();
    put('input: the stream is for a ');
    putU64(<u64>w);
    put('x');
    putU64(<u64>h);
    put(' sensor, the model expects ');
    putU64(<u64>hw(H_IN_WIDTH));
    put('x');
    putU64(<u64>hw(H_IN_HEIGHT));
    fail(EXIT_INPUT);
  }
  advance(<usize>FRAME_HEADER_BYTES);
}

function openInput(): u32 {
  if (inputPath == 0) return 0; // stdin
  const len = cstrLen(inputPath);
  const dirfd = resolvePreopen(inputPath, len, PATHBUF, PATH_CAP);
  if (dirfd < 0) {
    errStart();
    put('--input "');
    putJsonChars(inputPath, len);
    put('" is not inside a preopened directory');
    fail(EXIT_IO);
  }
  const fdOut = scratch() + 128;
  const err = path_open(<u32>dirfd, 1, relPtr(), relLen(), 0,
    RIGHT_FD_READ | RIGHT_FD_SEEK | RIGHT_FD_TELL | RIGHT_FD_FILESTAT_GET, 0, 0, fdOut);
  if (err != 0) {
    errStart();
    put('cannot open --input "');
    putJsonChars(inputPath, len);
    put('" (WASI errno ');
    putU64(<u64>err);
    put(')');
    fail(EXIT_IO);
  }
  return load<u32>(fdOut);
}

function openCheckpointDir(): void {
  if (ckptDir == 0) return;
  const len = cstrLen(ckptDir);
  const fd = resolvePreopen(ckptDir, len, PATHBUF, PATH_CAP);
  if (fd < 0) {
    errStart();
    put('--checkpoint-dir "');
    putJsonChars(ckptDir, len);
    put('" is not a preopened directory (give the runtime access to it, e.g. --dir)');
    fail(EXIT_IO);
  }
  ckptDirFd = fd;
  // Keep the relative part (copy: PATHBUF is reused for file names).
  ckptRel = relPtr();
  ckptRelLen = relLen();
}

function startLine(): void {
  lineStart();
  put('{"type":"start","model":"');
  putBytes(TEXT + <usize>hw(H_NAME_OFF), <usize>hw(H_NAME_LEN));
  put('","abi":');
  putU64(<u64>hw(H_ABI));
  put(',"simd":');
  putBool(hw(H_SIMD) != 0);
  put(',"arenaBase":');
  putU64(<u64>BASE);
  put(',"arenaBytes":');
  putU64(<u64>hw(H_ARENA_BYTES));
  put(',"driverBytes":');
  putU64(<u64>hw(H_D_TOTAL));
  put(',"memoryBytes":');
  putU64(<u64>memory.size() << 16);
  put(',"plastic":');
  putBool(hw(H_PLASTIC) != 0);
  put(',"sampleEvents":');
  putU64(<u64>hw(H_SAMPLE_EVENTS));
  put(',"sampleSteps":');
  putU64(<u64>hw(H_SAMPLE_STEPS));
  put(',"checkpointEvery":');
  putU64(<u64>every);
  put(',"input":"');
  if (inputPath == 0) put('stdin');
  else putJsonChars(inputPath, cstrLen(inputPath));
  put('"}');
  lineEnd(1);
}

export function firmwareMain(blob: usize, text: usize): void {
  BLOB = blob;
  TEXT = text;
  BASE = (__heap_base + 15) & ~(<usize>15);
  DRV = BASE + <usize>hw(H_ARENA_BYTES);
  // Nothing can be printed before the line buffer exists, and it lives in memory we must check:
  // if memory is too small, report through a buffer placed just above the static data.
  const needBytes = DRV + <usize>hw(H_D_TOTAL);
  const haveBytes = <usize>memory.size() << 16;
  if (needBytes > haveBytes) {
    ioInit(BASE, 512, BASE + 512, BASE + 1024);
    errStart();
    put('memory too small: the image needs ');
    putU64(<u64>needBytes);
    put(' bytes (static data, arena and driver buffers), the module declares ');
    putU64(<u64>haveBytes);
    fail(EXIT_MEMORY);
  }
  ioInit(dw(H_D_LINE), <usize>hw(H_D_LINE_BYTES), dw(H_D_SCRATCH), dw(H_D_CRC));
  if (hw(H_MAGIC) != <u32>BLOB_MAGIC || hw(H_VERSION) != <u32>BLOB_VERSION || hw(H_ABI) != <u32>ABI_VERSION) {
    errStart();
    put('the embedded plan does not match this driver or the kernels (rebuild the image)');
    fail(EXIT_IMAGE);
  }
  STORE_OFF = dw(H_D_STORE_OFFSETS);
  STORE_IDX = dw(H_D_STORE_INDICES);
  PATHBUF = dw(H_D_PATH);
  PATH_CAP = <usize>hw(H_D_PATH_BYTES);
  if (!argsInit(dw(H_D_ARGS), <usize>hw(H_D_ARGS_BYTES))) {
    errStart();
    put('command line too long or unreadable');
    fail(EXIT_USAGE);
  }
  parseArgs();
  openCheckpointDir();
  const inFd = openInput();
  readerInit(inFd, dw(H_D_READ), <usize>hw(H_D_READ_BYTES));
  if (ckptName == 0) {
    // "model.ckpt" as a NUL-terminated string in the scratch area.
    ckptName = scratch() + 208;
    const s = 'model.ckpt';
    for (let i = 0; i < s.length; i++) store<u8>(ckptName + <usize>i, <u8>s.charCodeAt(i));
    store<u8>(ckptName + <usize>s.length, 0);
  }

  // The arena, as new Runtime(plan).
  writeParams();
  writeProgram();
  initWeights();
  resetState();
  counters_bind(A(hw(H_COUNTERS)));
  rng_seed(A(hw(H_PRNG)), hw(H_SEED));

  readHeader();
  startLine();
  const t0 = monotonicNs();
  const plastic = hw(H_PLASTIC) != 0;
  const labelLimit = hw(H_LABEL_LIMIT);
  for (;;) {
    if (!need(<usize>FRAME_RECORD_BYTES)) {
      if (readError() != 0) truncated('a record', samples);
      if (available() == 0) {
        errStart();
        put('input ends at byte ');
        putU64(offset());
        put(' after ');
        putU64(samples);
        put(' samples without the end record (truncated stream?)');
        fail(EXIT_INPUT);
      }
      truncated('the record header of sample', samples);
    }
    const p = cursor();
    const tag = <u32>load<u8>(p);
    if (tag == <u32>FRAME_TAG_END) {
      if (load<u8>(p, 1) != 0 || load<u16>(p, 2) != 0) badFraming('end record: reserved bytes are not zero');
      const declared = <u64>load<u32>(p, 4);
      if (declared != samples) {
        errStart();
        put('input at byte ');
        putU64(offset());
        put(': the end record counts ');
        putU64(declared);
        put(' samples but the stream held ');
        putU64(samples);
        fail(EXIT_INPUT);
      }
      advance(<usize>FRAME_RECORD_BYTES);
      if (need(1)) badFraming('unexpected bytes after the end record');
      if (readError() != 0) truncated('the stream end', samples);
      break;
    }
    if (tag != <u32>FRAME_TAG_SAMPLE) {
      errStart();
      put('input at byte ');
      putU64(offset());
      put(': unknown record tag 0x');
      putHex32(tag);
      put(' (expected 0x53 "S" sample or 0x45 "E" end)');
      fail(EXIT_INPUT);
    }
    if (load<u8>(p, 1) != 0) badFraming('sample record: reserved byte is not zero');
    const label = <u32>load<u16>(p, 2);
    const n = load<u32>(p, 4);
    if (label >= labelLimit) {
      errStart();
      put('input at byte ');
      putU64(offset());
      put(': sample ');
      putU64(samples);
      put(' has label ');
      putU64(<u64>label);
      put(', the model has labels 0..');
      putU64(<u64>(labelLimit - 1));
      fail(EXIT_INPUT);
    }
    advance(<usize>FRAME_RECORD_BYTES);
    readSample(n, samples);

    // Test: free run from rest, no teacher, no plasticity; the readout predicts, then learns.
    runSample(false, -1);
    const prediction = readoutLearn(<i32>label);
    const steps = sTotal;
    // Train: the same events again with the teacher current and plasticity on.
    if (plastic) runSample(true, <i32>label);

    const hit = prediction == <i32>label;
    if (hit) correct++;
    eventsTotal += <u64>n;
    stepsTotal += <u64>steps * (plastic ? 2 : 1);
    droppedTotal += <u64>sDropped;
    if (!quiet) {
      lineStart();
      put('{"type":"sample","index":');
      putU64(samples);
      put(',"label":');
      putU64(<u64>label);
      put(',"prediction":');
      putU64(<u64>prediction);
      put(',"correct":');
      putBool(hit);
      put(',"events":');
      putU64(<u64>n);
      put(',"steps":');
      putU64(<u64>steps);
      put(',"dropped":');
      putU64(<u64>sDropped);
      put('}');
      lineEnd(1);
    }
    samples++;
    if (every > 0 && samples % <u64>every == 0) writeCheckpoint(true);
  }
  // The final checkpoint (unless the last periodic one already wrote this state to that name).
  const periodicCoversEnd = every > 0 && samples > 0 && samples % <u64>every == 0 && !keep;
  if (!periodicCoversEnd) writeCheckpoint(false);
  const t1 = monotonicNs();
  lineStart();
  put('{"type":"end","samples":');
  putU64(samples);
  put(',"correct":');
  putU64(correct);
  put(',"events":');
  putU64(eventsTotal);
  put(',"eventsDropped":');
  putU64(droppedTotal);
  put(',"steps":');
  putU64(stepsTotal);
  put(',"stepCount":');
  putU64(<u64>load<f64>(A(hw(H_CLOCK))));
  put(',"checkpoints":');
  putU64(<u64>checkpoints);
  put(',"elapsedUs":');
  putU64(t1 > t0 ? (t1 - t0) / 1000 : 0);
  // The kernels' counters in slot order (host/runtime/abi.ts COUNTERS), integers.
  put(',"counters":[');
  const ctr = A(hw(H_COUNTERS));
  const nc = hw(H_COUNTER_COUNT);
  for (let i: u32 = 0; i < nc; i++) {
    if (i > 0) put(',');
    putU64(<u64>load<f64>(ctr + (<usize>i << 3)));
  }
  put(']}');
  lineEnd(1);
  proc_exit(0);
}
