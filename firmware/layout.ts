/**
 * Shared constants of the WASI firmware image: the layout of the embedded plan blob, the input
 * stream framing and the exit codes. This one file is compiled twice: by asc as part of the
 * driver (firmware/driver.ts) and by tsc as part of the host-side generator
 * (host/firmware/blob.ts), so the two sides cannot disagree. Keep it to plain `export const`
 * integer declarations that are valid in both AssemblyScript and TypeScript.
 *
 * The blob is an array of little-endian u32 words: a header of BLOB_HEADER_WORDS slots (H_*),
 * then the tables the header points at (word offsets from the blob start). Arena offsets in the
 * blob are relative to the arena start, as in the Plan; the driver adds the arena base (the
 * 16-aligned __heap_base of the image), exactly as host/runtime/runtime.ts does.
 */

/** "NFWP" read as a little-endian u32. */
export const BLOB_MAGIC = 0x50574e46;
export const BLOB_VERSION = 1;
export const BLOB_HEADER_WORDS = 80;

// ── Header slots ────────────────────────────────────────────────────────────────────────────
export const H_MAGIC = 0;
export const H_VERSION = 1;
/** Kernel ABI version the blob was generated for (assembly/abi.ts ABI_VERSION). */
export const H_ABI = 2;
export const H_ARENA_BYTES = 3;
/** spec.seed (>>> 0): arena PRNG seed and the base of the per-projection weight-init seeds. */
export const H_SEED = 4;
export const H_N_OPS = 5;
export const H_PROGRAM = 6;
export const H_COUNTERS = 7;
export const H_PRNG = 8;
export const H_CLOCK = 9;
export const H_IN_WIDTH = 10;
export const H_IN_HEIGHT = 11;
/** 1 = ON and OFF events are separate inputs (index + width * height for ON). */
export const H_IN_SPLIT = 12;
export const H_IN_OFFSETS = 13;
export const H_IN_INDICES = 14;
export const H_IN_MAX_EVENTS = 15;
export const H_IN_MAX_STEPS = 16;
/** dtMs * 1000 as an f64 (low word, high word). */
export const H_DT_US_LO = 17;
export const H_DT_US_HI = 18;
export const H_RO_WEIGHTS = 19;
export const H_RO_NFEAT = 20;
export const H_RO_NCLASS = 21;
export const H_RO_FEATURES = 22;
export const H_RO_SCORES = 23;
export const H_RO_ERR = 24;
/** Readout learning rate, f32 bits. */
export const H_RO_LR = 25;
/** 1 = the schedule has PHASE_LEARN ops: each sample is run a second time with plasticity. */
export const H_PLASTIC = 26;
/** Labels must be below this (readout classes, and teacher classes when plastic). */
export const H_LABEL_LIMIT = 27;
/** Counter slot of eventsDropped (assembly/abi.ts CTR_EVENTS_DROPPED). */
export const H_CTR_DROPPED = 28;
export const H_COUNTER_COUNT = 29;
/** Capacity of the driver's sample store (valid input indices of one sample, and steps). */
export const H_SAMPLE_EVENTS = 30;
export const H_SAMPLE_STEPS = 31;
// Tables (word offset of the first entry, entry count).
export const H_OPS_AT = 32; // H_N_OPS entries of OP_ENTRY_WORDS
export const H_PARAMS_AT = 33;
export const H_PARAMS_N = 34; // entries: (arena byte offset, u32 value)
export const H_RESET_AT = 35;
export const H_RESET_N = 36; // fill runs of Runtime.resetState(): (offset, words, u32 value)
export const H_TEACH_AT = 37; // per label 0..H_LABEL_LIMIT-1, then "no teacher": (first run, run count)
export const H_TEACH_RUNS_AT = 38; // fill runs referenced by the teacher index
export const H_INIT_AT = 39;
export const H_INIT_N = 40; // INIT_ENTRY_WORDS each, one per projection
export const H_REGIONS_AT = 41;
export const H_REGIONS_N = 42; // persistent regions in checkpoint order: (offset, bytes)
// Text (byte offsets from the text pointer, lengths in bytes).
export const H_CK_PREFIX_OFF = 43; // '{"spec":' + spec JSON + ',"stepCount":'
export const H_CK_PREFIX_LEN = 44;
export const H_CK_MID_OFF = 45; // ',"savedAt":"'
export const H_CK_MID_LEN = 46;
export const H_CK_SUFFIX_OFF = 47; // '","regions":' + region list JSON + '}'
export const H_CK_SUFFIX_LEN = 48;
export const H_NAME_OFF = 49; // the model name, already JSON-escaped
export const H_NAME_LEN = 50;
export const H_CK_VERSION = 51; // checkpoint format version (host/runtime/checkpoint.ts)
// Driver buffers, placed after the arena (byte offsets from the arena end) and their sizes.
export const H_D_STORE_OFFSETS = 52; // (H_SAMPLE_STEPS + 1) u32 step offsets
export const H_D_STORE_INDICES = 53; // H_SAMPLE_EVENTS u32 input indices
export const H_D_READ = 54;
export const H_D_READ_BYTES = 55;
export const H_D_LINE = 56;
export const H_D_LINE_BYTES = 57;
export const H_D_ARGS = 58;
export const H_D_ARGS_BYTES = 59;
export const H_D_CRC = 60; // 256 u32
export const H_D_SCRATCH = 61;
export const H_D_SCRATCH_BYTES = 62;
export const H_D_PATH = 63;
export const H_D_PATH_BYTES = 64;
export const H_D_TOTAL = 65; // bytes of all driver buffers: memory needed = base + arena + this
export const H_DEFAULT_EVERY = 66; // default --checkpoint-every
export const H_SIMD = 67; // 1 = built with SIMD

export const OP_ENTRY_WORDS = 13; // opcode, phase, args[10], address mask (bit k: arg k is an arena offset)
export const RUN_WORDS = 3;
export const PARAM_WORDS = 2;
export const REGION_WORDS = 2;
export const TEACH_WORDS = 2;

// Weight initialisation entries (mirror of Runtime.initWeights + setWeights).
export const INIT_ENTRY_WORDS = 16;
export const I_WEIGHTS = 0;
export const I_NIN = 1;
export const I_NOUT = 2;
export const I_STORAGE = 3; // STORE_*
export const I_KIND = 4; // INIT_*
export const I_SEED = 5; // (seed + imul(0x9e3779b9, index + 1)) >>> 0
export const I_CONST = 6; // f32 bits of fround(value)
export const I_LOW_LO = 7; // init.low as f64
export const I_LOW_HI = 8;
export const I_SPAN = 9; // f32 bits of fround(high - low)
export const I_QSTEP = 10; // f32 bits of fround(qStep)
export const I_SCALE = 11; // arena offset of the per-output scales (quantised weights)
export const STORE_F32 = 0; // W[nIn][nOut] f32
export const STORE_F32_POST_MAJOR = 1; // WT[nOut][nIn] f32
export const STORE_I8_FIXED_STEP = 2; // int8, one fixed step for all outputs (learning int8)
export const STORE_I8_PER_OUTPUT = 3; // int8, per-output symmetric scale
export const STORE_I16_PER_OUTPUT = 4; // int16, per-output symmetric scale
export const INIT_CONSTANT = 0;
export const INIT_UNIFORM = 1;

// ── Input stream framing (docs/firmware-image.md) ──────────────────────────────────────────
/** "NEVS" read as a little-endian u32. */
export const FRAME_MAGIC = 0x5356454e;
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 16;
export const FRAME_RECORD_BYTES = 8;
export const FRAME_EVENT_BYTES = 9;
export const FRAME_TAG_SAMPLE = 0x53; // 'S'
export const FRAME_TAG_END = 0x45; // 'E'

// ── Checkpoint file (host/runtime/checkpoint.ts) ───────────────────────────────────────────
export const CKPT_HEAD_BYTES = 20;

// ── Exit codes of the image ────────────────────────────────────────────────────────────────
export const EXIT_OK = 0;
export const EXIT_INPUT = 1; // the input stream is malformed or does not fit the model
export const EXIT_USAGE = 2; // bad command-line arguments
export const EXIT_IO = 3; // a read, write or open failed (missing preopen, disk full, ...)
export const EXIT_MEMORY = 4; // the image's memory or sample store is too small
export const EXIT_IMAGE = 5; // the embedded plan is inconsistent with the kernels (ABI)
