/**
 * The memory model: a model that does not fit is refused before running, with the bytes over;
 * the page rounding of a wasm linear memory is counted; learning state is shown on its own.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { profile } from '../../host/cli/firmware-commands.js';
import { loadDevice } from '../../firmware-sim/device.js';
import { checkpointBytes, memoryReport, MemoryFitError, requireFit } from '../../firmware-sim/memory.js';
import { profileModel } from '../../firmware-sim/profile.js';
import { loadInstructionTable } from '../../firmware-sim/table.js';
import { MCU_MODEL_PATH, mcuModel, runCommand } from './helpers.js';

const table = loadInstructionTable().builds.scalar;

describe('memory model', () => {
  it('refuses the demo model on the nRF52840, naming every budget and the bytes over', () => {
    const plan = planModel(loadModelSpec('nmnist-stdp-wta'));
    const r = memoryReport(plan, loadDevice('nrf52840'), table, { mode: 'aot' });
    expect(r.fits).toBe(false);
    const sram = r.overages.find((o) => o.budget === 'SRAM')!;
    expect(sram.neededBytes).toBe(r.sramBytes);
    expect(sram.availableBytes).toBe(262144);
    expect(sram.overBytes).toBe(r.sramBytes - 262144);
    expect(r.overages.map((o) => o.budget)).toEqual(['SRAM', 'largest SRAM block', 'flash']);
    expect(() => requireFit(r)).toThrow(MemoryFitError);
    expect(() => requireFit(r)).toThrow(/SRAM needs \d+ bytes, has 262144: over by \d+ bytes/);
  });

  it('counts SRAM as linear memory (whole pages) + stack + engine, and fits the MCU example in 256 KB', () => {
    const plan = planModel(mcuModel());
    const r = memoryReport(plan, loadDevice('nrf52840'), table, { mode: 'aot' });
    expect(r.fits).toBe(true);
    expect(r.linearMemoryBytes % 65536).toBe(0);
    expect(r.linearMemoryBytes).toBeGreaterThanOrEqual(plan.arenaBytes);
    expect(r.sramBytes).toBe(r.sram.reduce((s, i) => s + i.bytes, 0));
    expect(r.stackDetail.chain[0]).toBe('net_run');
    const exact = memoryReport(plan, loadDevice('nrf52840'), table, { mode: 'aot', pageBytes: 1 });
    expect(r.linearMemoryBytes - exact.linearMemoryBytes).toBeGreaterThan(0);
    expect(r.linearMemoryBytes - exact.linearMemoryBytes).toBeLessThan(65536);
    // the fast interpreter keeps precompiled code in RAM
    const fast = memoryReport(plan, loadDevice('nrf52840'), table, { mode: 'interp-fast' });
    expect(fast.sramBytes).toBeGreaterThan(r.sramBytes);
  });

  it('shows the learning state separately and sizes checkpoints like encodeCheckpoint', () => {
    const plan = planModel(mcuModel());
    const r = memoryReport(plan, loadDevice('stm32u585'), table, { mode: 'aot' });
    expect(r.plasticWeightBytes).toBe(plan.projections[0].nIn * plan.projections[0].nOut * 4);
    expect(r.traceBytes).toBe(plan.bytesByKind.traces);
    expect(r.learnedStateBytes).toBeGreaterThan(r.plasticWeightBytes);
    const actual = encodeCheckpoint(new Runtime(plan)).length;
    expect(checkpointBytes(plan)).toBeGreaterThanOrEqual(actual);
    expect(checkpointBytes(plan) - actual).toBeLessThan(64);
    const slots = r.flash.find((f) => f.name === 'checkpoint slots')!;
    expect(slots.bytes % loadDevice('stm32u585').memory.flashSectorBytes.value).toBe(0);
  });

  it('a model that fits nowhere is not run at all', () => {
    const rep = profileModel(loadModelSpec('nmnist-stdp-wta'), [loadDevice('nrf52840'), loadDevice('stm32l476')]);
    expect(rep.workload.samples).toBe(0);
    expect(rep.devices.every((d) => d.refused !== null && d.cycles === null)).toBe(true);
  });

  it('`neurite profile` exits 1 on a single device that is too small, with the byte counts', async () => {
    const r = await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'stm32l476']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/REFUSED before running: SRAM: needs \d+ B, has 131072 B, over by \d+ B/);
  });
});
