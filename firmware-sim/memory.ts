/**
 * The memory model: will a model fit a device, counted in bytes, before anything runs.
 *
 *   SRAM  = wasm linear memory (module static data + the Plan's arena, rounded up to whole pages)
 *         + stack (deepest kernel call chain, from the built module's frames, + native margin)
 *         + the wasm engine's own RAM (+ its code in RAM where the engine needs that)
 *   flash = engine code + the kernels' code (wasm bytecode, or AOT machine code)
 *         + the model image (parameters, schedule, initial weights)
 *         + checkpoint slots (each rounded up to whole flash sectors)
 * A wasm linear memory is one contiguous block, so it is also checked against the device's
 * largest contiguous SRAM block.
 *
 * Engine figures: WAMR's README gives the core library text size on a Cortex-M4F (fast
 * interpreter ~58.9 KB, classic ~56.3 KB, AOT runtime ~29.4 KB) [verified-secondary: repository
 * README]. Everything else below is an assumption, stated as a parameter.
 */
import { NeuriteError } from '../host/errors.js';
import { PERSISTENT_KINDS, REGION_KINDS, type Plan, type RegionKind } from '../host/plan/plan.js';
import { heapBase, type KernelBuild } from '../host/runtime/kernels.js';
import { CORES, type ExecMode } from './cores.js';
import type { DeviceProfile } from './device.js';
import type { BuildTable } from './instr/derive.js';

export interface EngineModel {
  readonly mode: ExecMode;
  /** Engine library code in flash, bytes. */
  readonly engineFlashBytes: number;
  /** Engine data structures in RAM (module and function instances, execution environment), bytes. */
  readonly engineRamBytes: number;
  /** Kernel code in RAM as a multiple of the wasm code size (fast interpreter's precompiled code). */
  readonly codeRamFactor: number;
  /** Kernel code in flash as a multiple of the wasm module size (AOT machine code). */
  readonly codeFlashFactor: number;
  /** Per interpreted frame: frame header, bytes. Native frames: saved registers. */
  readonly frameHeaderBytes: number;
  /** Per frame: operand-stack reserve (interpreters) or spill area, bytes. */
  readonly frameReserveBytes: number;
  /** Native C stack of the engine and the firmware around it, bytes. */
  readonly nativeStackBytes: number;
  readonly sources: readonly string[];
}

export const ENGINES: Readonly<Record<ExecMode, EngineModel>> = {
  aot: {
    mode: 'aot', engineFlashBytes: 29_400, engineRamBytes: 6_144, codeRamFactor: 0, codeFlashFactor: 2.5,
    frameHeaderBytes: 40, frameReserveBytes: 32, nativeStackBytes: 2_048,
    sources: ['WAMR README: ~29.4K AOT runtime text on Cortex-M4F [verified-secondary]', 'AOT code 2.5x the wasm size, executed in place from flash: assumed', 'engine RAM 6 KB, frames, native stack: assumed'],
  },
  'interp-fast': {
    mode: 'interp-fast', engineFlashBytes: 58_900, engineRamBytes: 6_144, codeRamFactor: 2.5, codeFlashFactor: 1,
    frameHeaderBytes: 48, frameReserveBytes: 64, nativeStackBytes: 3_072,
    sources: ['WAMR README: ~58.9K fast interpreter text on Cortex-M4F [verified-secondary]', 'WAMR blog "Introduction to WAMR running modes": the fast interpreter precompiles to an internal code and uses a bit more memory [verified-secondary]', 'precompiled code 2.5x the wasm size in RAM: assumed'],
  },
  'interp-classic': {
    mode: 'interp-classic', engineFlashBytes: 56_300, engineRamBytes: 6_144, codeRamFactor: 0, codeFlashFactor: 1,
    frameHeaderBytes: 48, frameReserveBytes: 64, nativeStackBytes: 3_072,
    sources: ['WAMR README: ~56.3K classic interpreter text on Cortex-M4F [verified-secondary]', 'bytecode executed from flash: assumed'],
  },
};

export interface MemoryOptions {
  readonly mode: ExecMode;
  /** Wasm page size: 65536 (the wasm spec) or 1 (engines with the custom-page-sizes proposal). */
  readonly pageBytes?: number;
  /** Checkpoint slots in flash (default 2: the last complete one survives a torn write of the other). */
  readonly checkpointSlots?: number;
}

export interface MemoryItem {
  readonly name: string;
  readonly bytes: number;
  readonly note?: string;
}

export interface Overage {
  readonly budget: 'SRAM' | 'largest SRAM block' | 'flash';
  readonly neededBytes: number;
  readonly availableBytes: number;
  readonly overBytes: number;
}

export interface MemoryReport {
  readonly device: string;
  readonly mode: ExecMode;
  readonly build: KernelBuild;
  readonly arenaBytes: number;
  readonly arenaByKind: Readonly<Record<RegionKind, number>>;
  /** Regions a checkpoint carries (weights, neuron state, traces, readout, PRNG, clock). */
  readonly learnedStateBytes: number;
  /** Of which: plastic weights, traces (only used while learning). */
  readonly plasticWeightBytes: number;
  readonly traceBytes: number;
  readonly sram: readonly MemoryItem[];
  readonly sramBytes: number;
  readonly linearMemoryBytes: number;
  /** The kernel module's static data below the arena, and the page rounding above it (both in the linear memory). */
  readonly moduleDataBytes: number;
  readonly pageRoundingBytes: number;
  readonly flash: readonly MemoryItem[];
  readonly flashBytes: number;
  readonly checkpointBytes: number;
  readonly device_sramBytes: number;
  readonly device_largestBlockBytes: number;
  readonly device_flashBytes: number;
  readonly overages: readonly Overage[];
  readonly fits: boolean;
  readonly stackDetail: { readonly chain: readonly string[]; readonly frameBytes: number };
}

/** The model does not fit the device; every budget that is exceeded is named with its bytes. */
export class MemoryFitError extends NeuriteError {
  override readonly name = 'MemoryFitError';
  constructor(readonly report: MemoryReport) {
    super(
      `the model does not fit ${report.device} (${report.mode}): ` +
        report.overages.map((o) => `${o.budget} needs ${o.neededBytes} bytes, has ${o.availableBytes}: over by ${o.overBytes} bytes`).join('; '),
    );
  }
}

/** Checkpoint size of a Plan (encodeCheckpoint's layout; header with an upper-bound step count). */
export function checkpointBytes(plan: Plan): number {
  const regions = plan.regions.filter((r) => PERSISTENT_KINDS.has(r.kind));
  const header = JSON.stringify({
    spec: plan.spec,
    stepCount: Number.MAX_SAFE_INTEGER,
    savedAt: '2000-01-01T00:00:00.000Z',
    regions: regions.map((r) => ({ name: r.name, kind: r.kind, bytes: r.bytes })),
  });
  return 20 + new TextEncoder().encode(header).length + regions.reduce((s, r) => s + r.bytes, 0) + 4;
}

/** Deepest call chain from the host-called kernels, summing frame sizes. */
function deepestChain(frames: BuildTable['frames'], e: EngineModel): { chain: string[]; bytes: number } {
  const frameBytes = (f: string) => e.frameHeaderBytes + e.frameReserveBytes + (frames[f]?.localBytes ?? 0);
  const memo = new Map<string, { chain: string[]; bytes: number }>();
  const visit = (f: string, depth: number): { chain: string[]; bytes: number } => {
    const hit = memo.get(f);
    if (hit) return hit;
    let best = { chain: [] as string[], bytes: 0 };
    if (depth < 16) {
      for (const c of frames[f]?.calls ?? []) {
        const r = visit(c, depth + 1);
        if (r.bytes > best.bytes) best = r;
      }
    }
    const out = { chain: [f, ...best.chain], bytes: frameBytes(f) + best.bytes };
    memo.set(f, out);
    return out;
  };
  const roots = ['net_run', 'readout_learn_f32', 'readout_predict_f32'].filter((r) => r in frames);
  return roots.map((r) => visit(r, 0)).reduce((a, b) => (b.bytes > a.bytes ? b : a), { chain: [], bytes: 0 });
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** Counts every byte the model needs on the device. Does not throw: see `fits` and `overages`. */
export function memoryReport(plan: Plan, device: DeviceProfile, table: BuildTable, opts: MemoryOptions): MemoryReport {
  const mode = opts.mode;
  const e = ENGINES[mode];
  const build = CORES[device.core.family].build;
  const pageBytes = opts.pageBytes ?? 65536;
  const slots = opts.checkpointSlots ?? 2;
  const base = Math.ceil(heapBase(build) / 16) * 16;
  const linear = roundUp(base + plan.arenaBytes, pageBytes);
  const stack = deepestChain(table.frames, e);
  const wasmBytes = table.wasmBytes;

  const sram: MemoryItem[] = [
    { name: 'wasm linear memory', bytes: linear, note: `module data ${base} B + arena ${plan.arenaBytes} B, in ${pageBytes}-byte pages (${linear - base - plan.arenaBytes} B of rounding)` },
    { name: 'stack', bytes: stack.bytes + e.nativeStackBytes, note: `deepest chain ${stack.chain.join(' > ')}: ${stack.bytes} B + ${e.nativeStackBytes} B native margin` },
    { name: 'engine data', bytes: e.engineRamBytes, note: 'module/function instances, execution environment (assumed)' },
  ];
  if (e.codeRamFactor > 0) sram.push({ name: 'kernel code in RAM', bytes: Math.ceil(wasmBytes * e.codeRamFactor), note: `${e.codeRamFactor} x ${wasmBytes} B wasm (precompiled, assumed)` });

  const imageKinds: RegionKind[] = ['params', 'program', 'weights', 'readout'];
  const image = plan.regions.filter((r) => imageKinds.includes(r.kind)).reduce((s, r) => s + r.bytes, 0);
  const ckpt = checkpointBytes(plan);
  const sector = device.memory.flashSectorBytes.value;
  const flash: MemoryItem[] = [
    { name: 'wasm engine', bytes: e.engineFlashBytes, note: `WAMR ${mode}` },
    { name: mode === 'aot' ? 'kernel code (AOT)' : 'kernel code (wasm)', bytes: Math.ceil(wasmBytes * e.codeFlashFactor), note: mode === 'aot' ? `${e.codeFlashFactor} x ${wasmBytes} B wasm (assumed)` : `${wasmBytes} B ${build} build` },
    { name: 'model image', bytes: image, note: 'parameters, schedule, initial weights and readout' },
    { name: 'checkpoint slots', bytes: slots * roundUp(ckpt, sector), note: `${slots} x ${ckpt} B, rounded to ${sector}-byte sectors` },
  ];
  const sramBytes = sram.reduce((s, i) => s + i.bytes, 0);
  const flashBytes = flash.reduce((s, i) => s + i.bytes, 0);
  const overages: Overage[] = [];
  const check = (budget: Overage['budget'], needed: number, available: number) => {
    if (needed > available) overages.push({ budget, neededBytes: needed, availableBytes: available, overBytes: needed - available });
  };
  check('SRAM', sramBytes, device.memory.sramBytes.value);
  check('largest SRAM block', linear, device.memory.sramLargestBlockBytes.value);
  check('flash', flashBytes, device.memory.flashBytes.value);

  const byKind = Object.fromEntries(REGION_KINDS.map((k) => [k, plan.bytesByKind[k] ?? 0])) as Record<RegionKind, number>;
  const plasticNames = new Set(plan.projections.filter((p) => p.stdpParams !== null).map((p) => `${p.name}.weights`));
  return {
    device: device.id,
    mode,
    build,
    arenaBytes: plan.arenaBytes,
    arenaByKind: byKind,
    learnedStateBytes: plan.regions.filter((r) => PERSISTENT_KINDS.has(r.kind)).reduce((s, r) => s + r.bytes, 0),
    plasticWeightBytes: plan.regions.filter((r) => plasticNames.has(r.name)).reduce((s, r) => s + r.bytes, 0),
    traceBytes: byKind.traces,
    sram,
    sramBytes,
    linearMemoryBytes: linear,
    moduleDataBytes: base,
    pageRoundingBytes: linear - base - plan.arenaBytes,
    flash,
    flashBytes,
    checkpointBytes: ckpt,
    device_sramBytes: device.memory.sramBytes.value,
    device_largestBlockBytes: device.memory.sramLargestBlockBytes.value,
    device_flashBytes: device.memory.flashBytes.value,
    overages,
    fits: overages.length === 0,
    stackDetail: { chain: stack.chain, frameBytes: stack.bytes },
  };
}

/** Throws MemoryFitError when the model does not fit. */
export function requireFit(r: MemoryReport): void {
  if (!r.fits) throw new MemoryFitError(r);
}
