/**
 * `neurite profile`: terminal table and JSON report for a model on several devices, labelled as
 * an estimate of a simulated system, with the three views side by side.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profile } from '../../host/cli/firmware-commands.js';
import type { ProfileReport } from '../../firmware-sim/profile.js';
import { MCU_MODEL_PATH, runCommand } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'neurite-fw-'));

describe('neurite profile', () => {
  it('prints a table and writes a JSON report for several devices', async () => {
    const out = join(tmp, 'r.json');
    const r = await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'nrf52840,stm32u585,stm32l476,rpi4', '--samples', '4', '--report', out]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Estimate (simulated system)');
    expect(r.out).toContain('side by side');
    expect(r.out).toContain('45 nm compute-only');
    expect(r.out).toContain('NeuroBench-style counts');
    expect(r.out).toMatch(/input->hidden\s+projection/);
    const rep = JSON.parse(readFileSync(out, 'utf8')) as ProfileReport;
    expect(rep.label).toBe('Estimate (simulated system)');
    expect(rep.devices.map((d) => d.device.id)).toEqual(['nrf52840', 'stm32u585', 'stm32l476', 'rpi4']);
    const l476 = rep.devices[2];
    expect(l476.refused).toMatch(/over by \d+ B/);
    const u5 = rep.devices[1];
    expect(u5.refused).toBeNull();
    expect(u5.cycles!.upperPerSample).toBeGreaterThan(u5.cycles!.lowerPerSample);
    expect(u5.views!.literature45nm.energyPerSampleJ).toBeLessThan(u5.views!.device.inferencePassComputeJ[0]);
    expect(u5.cycles!.byCounter.map((c) => c.counter)).toEqual(expect.arrayContaining(['synopsF32', 'traceUpdates', 'weightUpdates', 'neuronUpdatesAlif']));
    expect(u5.warnings.filter((w) => w.includes('no cost model'))).toEqual([]);
  }, 60_000);

  it('--json prints the same report on stdout; the interpreter costs more than AOT', async () => {
    const a = JSON.parse((await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'stm32u585', '--samples', '2', '--json'])).out) as ProfileReport;
    const f = JSON.parse((await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'stm32u585', '--samples', '2', '--json', '--mode', 'interp-fast'])).out) as ProfileReport;
    const ratio = f.devices[0].cycles!.lowerPerSample / a.devices[0].cycles!.lowerPerSample;
    expect(ratio).toBeGreaterThan(5);
    expect(ratio).toBeLessThan(40);
  }, 60_000);

  it('rejects bad usage', async () => {
    await expect(runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH])).rejects.toThrow(/--device is required/);
    await expect(runCommand(profile, 'profile', ['--device', 'nrf52840', '--mode', 'jit'])).rejects.toThrow(/--mode must be one of/);
    await expect(runCommand(profile, 'profile', ['--device', 'nope'])).rejects.toThrow(/no device "nope"/);
  });
});
