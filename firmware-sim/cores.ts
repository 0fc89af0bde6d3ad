/**
 * Core families: the stated cost of one executed WebAssembly instruction of each class
 * (instr/instrument.ts) on each core, for ahead-of-time compiled wasm (AOT, e.g. WAMR's wamrc,
 * LLVM back end) and for the two WAMR interpreters.
 *
 * These numbers are the model's assumptions, not measurements of this runtime on hardware. Where a
 * figure has a public source it is named; everything else is marked `assumed` and is meant to be
 * replaced by a measurement. How a cycle count is made from them:
 *
 *   AOT:          cycles = sum_class n_class * aot[class] + (loads + stores) * boundsCheck
 *   interpreter:  cycles = AOT cycles + n_instructions * dispatch[mode]
 *
 * The interpreter overhead is one uniform cost per executed wasm instruction, set so that on the
 * Cortex-M7 the interpreters run about 25x (fast) and 42x (classic) slower than AOT, the ratios
 * WAMR's performance page reports on a NUCLEO-F767ZI (AOT vs wasm3 19-30x, wasm3 vs WAMR interpreter
 * 1.06-1.15x, fast vs classic 1.34-2.03x; bytecodealliance/wasm-micro-runtime wiki "Performance").
 * Other cores scale that per-instruction overhead by an assumed factor (dispatchScale).
 *
 * SIMD: the MCU builds run the scalar kernel build (neurite.scalar.wasm). The v128 classes are
 * only costed for the gateways (NEON), where the SIMD build runs AOT-compiled.
 */
import type { WasmClass } from './instr/instrument.js';

export const CORE_FAMILIES = ['M0+', 'M4', 'M33', 'M7', 'LX7', 'A57', 'A72'] as const;
export type CoreFamily = (typeof CORE_FAMILIES)[number];

export const EXEC_MODES = ['aot', 'interp-fast', 'interp-classic'] as const;
export type ExecMode = (typeof EXEC_MODES)[number];

export type CostTable = Readonly<Record<WasmClass, number>>;

export interface CoreModel {
  readonly family: CoreFamily;
  readonly description: string;
  /** Cycles per executed wasm instruction, AOT-compiled, by class. */
  readonly aot: CostTable;
  /** Extra cycles per memory access for software bounds checks (0 with guard pages). */
  readonly boundsCheck: number;
  /** Interpreter overhead per executed wasm instruction, cycles. */
  readonly dispatch: Readonly<Record<Exclude<ExecMode, 'aot'>, number>>;
  /** Which kernel build runs on this core: MCUs run the scalar build, NEON cores the SIMD one. */
  readonly build: 'scalar' | 'simd';
  /**
   * The inner loop of a vendor int8 dense/conv kernel (CMSIS-NN style), per MAC, in the same
   * classes: used only to calibrate against MLPerf Tiny (calibration.ts).
   */
  readonly nativeMacMix: Readonly<Partial<Record<WasmClass, number>>>;
  readonly sources: readonly string[];
}

const base = (v: Partial<Record<WasmClass, number>>): CostTable => ({
  local: 0, global: 1, const: 0, intAlu: 1, intMul: 1, intDiv: 8, i64: 2, f32: 1, f32Div: 14, f64: 45,
  load: 2, store: 1, v128Load: 8, v128Store: 4, simd: 4, branch: 2, call: 8, select: 1.5, block: 0, other: 0.5,
  ...v,
});

/** Dispatch overhead on the M7, from the WAMR ratios above and the M7 AOT cost of a typical mix. */
const M7_FAST = 14;
const M7_CLASSIC = 24;
const dispatch = (scale: number) => ({ 'interp-fast': Math.round(M7_FAST * scale * 10) / 10, 'interp-classic': Math.round(M7_CLASSIC * scale * 10) / 10 });

/** Per-MAC mix of a 2x2-tiled SMLAD kernel: 16 MACs per unrolled iteration. */
const DSP_MAC_MIX = { load: 0.375, intAlu: 0.25, intMul: 0.5, branch: 0.0625 };
/** Per-MAC mix of a plain C loop unrolled by 4 (no SIMD MAC). */
const C_MAC_MIX = { load: 2, intAlu: 1, intMul: 1, branch: 0.25 };
/** NEON: 16 int8 MACs per SMLAL pair of 128-bit instructions, loads amortised. */
const NEON_MAC_MIX = { v128Load: 0.125, simd: 0.125, branch: 0.02 };

export const CORES: Readonly<Record<CoreFamily, CoreModel>> = {
  'M0+': {
    family: 'M0+',
    description: 'Arm Cortex-M0+ (ARMv6-M, 2-stage pipeline, no FPU, no DSP; RP2040 has the single-cycle multiplier)',
    aot: base({ local: 0.4, global: 2, const: 0.5, intDiv: 10, i64: 3, f32: 45, f32Div: 70, f64: 110, load: 2, store: 2, v128Load: 8, v128Store: 8, simd: 180, branch: 2, call: 10, select: 2 }),
    boundsCheck: 2,
    dispatch: dispatch(1.8),
    build: 'scalar',
    nativeMacMix: C_MAC_MIX,
    sources: [
      'Arm Cortex-M0+ TRM: loads/stores 2 cycles, taken branch 2 (via mcu-energy.md 1.3) [V2]',
      'soft-float and divider costs: assumed (RP2040 ROM float library and SIO divider, mcu-energy.md [R])',
    ],
  },
  M4: {
    family: 'M4',
    description: 'Arm Cortex-M4F (ARMv7E-M, 3-stage, FPv4-SP single precision, DSP SIMD)',
    aot: base({ local: 0.15, global: 1.5, const: 0.25, intDiv: 7, i64: 2.5, f32: 1.2, f32Div: 14, f64: 45, load: 2, store: 1, branch: 2, call: 8 }),
    boundsCheck: 2,
    dispatch: dispatch(1.2),
    build: 'scalar',
    nativeMacMix: DSP_MAC_MIX,
    sources: [
      'TI SWCU192 Table 3-25 (Cortex-M4): MUL/MLA 1, SDIV 2-12, LDR 2, VADD/VMUL 1, VDIV 14 (via mcu-energy.md 1.3) [V2]',
      'f64 is soft-float on FPv4-SP: about 45 cycles per operation, assumed',
      'local/const mostly in registers or immediates after LLVM register allocation: assumed 0.15/0.25',
    ],
  },
  M33: {
    family: 'M33',
    description: 'Arm Cortex-M33 (ARMv8-M Mainline, FPU single precision, DSP extension)',
    aot: base({ local: 0.15, global: 1.5, const: 0.25, intDiv: 6, i64: 2.5, f32: 1.2, f32Div: 14, f64: 40, load: 1.5, store: 1, branch: 2, call: 7 }),
    boundsCheck: 2,
    dispatch: dispatch(1.2),
    build: 'scalar',
    nativeMacMix: DSP_MAC_MIX,
    sources: [
      'Nordic nRF54L documentation: single-cycle MAC and 8/16-bit SIMD on the M33 (via mcu-energy.md 1.3) [V2]',
      'other M33 timings: taken as M4-like, assumed',
    ],
  },
  M7: {
    family: 'M7',
    description: 'Arm Cortex-M7 (6-stage dual-issue, branch predictor, FPv5 double precision on STM32H7, L1 caches)',
    aot: base({ local: 0.1, global: 1, const: 0.15, intAlu: 0.6, intMul: 0.6, intDiv: 6, i64: 1.5, f32: 0.8, f32Div: 14, f64: 1.5, load: 1, store: 0.8, branch: 1.2, call: 5, select: 1 }),
    boundsCheck: 1.2,
    dispatch: dispatch(1),
    build: 'scalar',
    nativeMacMix: DSP_MAC_MIX,
    sources: [
      '0xhenry.dev Cortex-M7 page: 6-stage dual-issue superscalar, single-cycle MAC (via mcu-energy.md 1.3) [V2]',
      'WAMR wiki "Performance", NUCLEO-F767ZI: interpreter/AOT ratios used for the dispatch overhead [V]',
      'dual-issue factor 0.6 on ALU work: assumed',
    ],
  },
  LX7: {
    family: 'LX7',
    description: 'Cadence Xtensa LX7 (ESP32-S3; single-precision FPU; PIE SIMD reachable only from assembly)',
    aot: base({ local: 0.15, global: 1.5, const: 0.3, intDiv: 4, i64: 2.5, f32: 1.2, f32Div: 20, f64: 55, load: 1.5, store: 1, branch: 2, call: 6 }),
    boundsCheck: 2,
    dispatch: dispatch(1.3),
    build: 'scalar',
    nativeMacMix: C_MAC_MIX,
    sources: [
      'esp32.com forum (via mcu-energy.md 1.2): PIE SIMD not used by compiled code, so the scalar build runs [V2]',
      'LX7 cycle costs: assumed (no cycle table was verified)',
    ],
  },
  A57: {
    family: 'A57',
    description: 'Arm Cortex-A57 (out-of-order, 3-wide, NEON; Jetson Nano CPU cluster)',
    aot: base({ local: 0.05, global: 0.5, const: 0.1, intAlu: 0.45, intMul: 0.8, intDiv: 6, i64: 0.45, f32: 0.6, f32Div: 8, f64: 0.6, load: 0.6, store: 0.5, v128Load: 0.7, v128Store: 0.6, simd: 0.7, branch: 0.6, call: 3, select: 0.5, other: 0.2 }),
    boundsCheck: 0,
    dispatch: dispatch(0.5),
    build: 'simd',
    nativeMacMix: NEON_MAC_MIX,
    sources: ['A57 costs: assumed (out-of-order core, guard-page bounds checks, SIMD build on NEON)'],
  },
  A72: {
    family: 'A72',
    description: 'Arm Cortex-A72 (out-of-order, 3-wide, NEON without SDOT; Raspberry Pi 4)',
    aot: base({ local: 0.04, global: 0.4, const: 0.08, intAlu: 0.38, intMul: 0.7, intDiv: 5, i64: 0.38, f32: 0.5, f32Div: 7, f64: 0.5, load: 0.5, store: 0.45, v128Load: 0.6, v128Store: 0.5, simd: 0.6, branch: 0.5, call: 2.5, select: 0.45, other: 0.2 }),
    boundsCheck: 0,
    dispatch: dispatch(0.4),
    build: 'simd',
    nativeMacMix: NEON_MAC_MIX,
    sources: ['A72 costs: assumed (about 15% fewer cycles than the A57 at the same work)'],
  },
};

export function isCoreFamily(s: string): s is CoreFamily {
  return (CORE_FAMILIES as readonly string[]).includes(s);
}
