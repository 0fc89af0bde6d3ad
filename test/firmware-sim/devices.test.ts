/**
 * Device profiles: every part the issue names is there, every figure has a source and a
 * confidence, and a broken profile is refused with the JSON path of each problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { devices } from '../../host/cli/firmware-commands.js';
import { CONFIDENCE, DeviceProfileError, listDevices, loadDevice, operatingPointAt, validateProfile, waitStatesAt } from '../../firmware-sim/device.js';
import { repoRoot } from '../helpers/shared.js';
import { runCommand } from './helpers.js';

const REQUIRED = ['stm32l476', 'stm32u585', 'stm32h743', 'nrf52840', 'rp2040', 'esp32-s3', 'apollo4', 'max78000', 'stm32l4r5', 'stm32h7a3', 'rpi4', 'jetson-nano-cpu'];

/** Every {value, source, confidence} object in a profile, with its path. */
function figures(v: unknown, path = '$'): { path: string; f: Record<string, unknown> }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => figures(x, `${path}[${i}]`));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('value' in o) return [{ path, f: o }];
    return Object.entries(o).flatMap(([k, x]) => figures(x, `${path}.${k}`));
  }
  return [];
}

describe('device profiles', () => {
  it('include every part named in the issue, and validate', () => {
    const ids = listDevices().map((d) => d.id);
    for (const id of REQUIRED) expect(ids).toContain(id);
    expect(loadDevice('nrf52840').memory.sramBytes.value).toBe(262144);
    expect(loadDevice('rpi4').class).toBe('gateway');
  });

  it('give every figure a source and a confidence level', () => {
    for (const id of REQUIRED) {
      const raw = JSON.parse(readFileSync(join(repoRoot, 'firmware-sim', 'profiles', `${id}.json`), 'utf8'));
      const figs = figures(raw);
      expect(figs.length).toBeGreaterThan(10);
      for (const { path, f } of figs) {
        expect(typeof f.source, `${id} ${path}`).toBe('string');
        expect((f.source as string).length, `${id} ${path}`).toBeGreaterThan(3);
        expect(CONFIDENCE, `${id} ${path}`).toContain(f.confidence);
      }
      for (const op of raw.power.operatingPoints) expect(CONFIDENCE).toContain(op.confidence);
    }
  });

  it('mark figures that were not found in a source as unverified', () => {
    const h743 = loadDevice('stm32h743');
    expect(h743.power.operatingPoints[0].confidence).toBe('derived');
    expect(h743.memory.flashSectorBytes.confidence).toBe('unverified');
    expect(loadDevice('apollo4').power.operatingPoints[0].confidence).toBe('unverified');
  });

  it('pick operating points and wait states from the profile', () => {
    const l476 = loadDevice('stm32l476');
    expect(operatingPointAt(l476, 80)?.regulator).toBe('LDO');
    expect(operatingPointAt(l476, 80, 'SMPS')?.uaPerMHz).toBe(39);
    expect(operatingPointAt(l476, 100)).toBeNull();
    expect(waitStatesAt(l476, 80)).toBe(4);
    expect(waitStatesAt(l476, 16)).toBe(0);
    // the U585 while(1) headline is listed but never used for estimates
    expect(operatingPointAt(loadDevice('stm32u585'), 24)?.uaPerMHz).toBe(40.9);
  });

  it('refuse a broken profile, naming the path of every problem', () => {
    const raw = JSON.parse(readFileSync(join(repoRoot, 'firmware-sim', 'profiles', 'nrf52840.json'), 'utf8'));
    raw.memory.sramBytes.value = -1;
    delete raw.clock.maxMHz.source;
    raw.power.operatingPoints[0].confidence = 'sure';
    raw.core.family = 'M85';
    raw.extra = 1;
    try {
      validateProfile(raw, 'x.json');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DeviceProfileError);
      const paths = (e as DeviceProfileError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining([
        '$.memory.sramBytes.value', '$.clock.maxMHz.source', '$.power.operatingPoints[0].confidence', '$.core.family', '$.extra',
      ]));
      expect((e as Error).message).toContain('$.memory.sramBytes.value: must be in [1, Infinity], got -1');
    }
  });

  it('never crash on arbitrary JSON: either a valid profile or a DeviceProfileError', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      try {
        validateProfile(v);
      } catch (e) {
        expect(e).toBeInstanceOf(DeviceProfileError);
      }
    }), { numRuns: 300 });
  });

  it('`neurite devices` lists them; --json prints the profiles', async () => {
    const t = await runCommand(devices, 'devices', []);
    expect(t.code).toBe(0);
    for (const id of REQUIRED) expect(t.out).toContain(id);
    const j = await runCommand(devices, 'devices', ['--json']);
    expect(JSON.parse(j.out).map((d: { id: string }) => d.id)).toEqual(expect.arrayContaining(REQUIRED));
  });
});
