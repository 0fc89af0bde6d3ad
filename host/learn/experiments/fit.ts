/**
 * "Does it fit 256 KB?": firmware-sim's memory model (firmware-sim/memory.ts) on the nRF52840
 * profile (Cortex-M4F, 256 KB SRAM): wasm linear memory in 64 KiB pages (module data + arena),
 * stack and engine data of WAMR's AOT mode. A model fits when every SRAM and flash budget holds.
 */
import { CORES, type ExecMode } from '../../../firmware-sim/cores.js';
import { loadDevice } from '../../../firmware-sim/device.js';
import { memoryReport } from '../../../firmware-sim/memory.js';
import { loadInstructionTable } from '../../../firmware-sim/table.js';
import { planModel } from '../../plan/plan.js';
import type { ModelSpec } from '../../spec/types.js';

export const FIT_DEVICE = 'nrf52840';
export const FIT_MODE: ExecMode = 'aot';

export interface FitReport {
  device: string;
  mode: ExecMode;
  arenaBytes: number;
  weightBytes: number;
  /** wasm linear memory (whole 64 KiB pages) + stack + engine data. */
  sramBytes: number;
  deviceSramBytes: number;
  fits: boolean;
  /** What is over, when it does not fit. */
  over: string;
}

export function fitReport(spec: ModelSpec, device = FIT_DEVICE, mode: ExecMode = FIT_MODE): FitReport {
  const plan = planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER });
  const dev = loadDevice(device);
  const table = loadInstructionTable().builds[CORES[dev.core.family].build];
  const r = memoryReport(plan, dev, table, { mode });
  return {
    device: dev.id,
    mode,
    arenaBytes: plan.arenaBytes,
    weightBytes: plan.bytesByKind.weights ?? 0,
    sramBytes: r.sramBytes,
    deviceSramBytes: r.device_sramBytes,
    fits: r.fits,
    over: r.overages.map((o) => `${o.budget} +${o.overBytes} B`).join(', '),
  };
}
