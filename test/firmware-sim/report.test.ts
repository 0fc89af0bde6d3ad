/**
 * `neurite profile --report OUT`: OUT.json, a self-contained OUT.html with inline SVG charts, and
 * OUT.current.csv, a power-analyser style current trace whose charge matches the energy model.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profile } from '../../host/cli/firmware-commands.js';
import { listDevices, loadDevice } from '../../firmware-sim/device.js';
import { profileHtml } from '../../firmware-sim/html.js';
import { profileModel, type ProfileReport } from '../../firmware-sim/profile.js';
import { reportPaths } from '../../firmware-sim/report-files.js';
import { averageCurrent, currentCsv, niceCeil, sampleTrace } from '../../firmware-sim/trace.js';
import { repoRoot } from '../helpers/shared.js';
import { MCU_MODEL_PATH, mcuModel, runCommand } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'neurite-fw-report-'));

/** Parses the CSV: preamble lines, header, numeric rows. */
function parseCsv(text: string): { preamble: string[]; header: string[]; rows: number[][] } {
  const lines = text.trimEnd().split('\n');
  const preamble = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#'));
  return { preamble, header: body[0].split(','), rows: body.slice(1).map((l) => l.split(',').map(Number)) };
}

function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/@import|url\((?!#)/i);
  // the only URL is the SVG namespace identifier, which is never fetched
  const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
  expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
}

describe('neurite profile --report', () => {
  it('writes OUT.json, a self-contained OUT.html and a power-analyser CSV', async () => {
    const out = join(tmp, 'mcu');
    const r = await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'nrf52840,stm32u585,esp32-s3', '--samples', '3', '--rate', '60', '--report', out]);
    expect(r.code).toBe(0);
    const p = reportPaths(out);
    expect(r.out).toContain(p.html);
    for (const f of [p.json, p.html, p.csv]) expect(existsSync(f), f).toBe(true);
    const rep = JSON.parse(readFileSync(p.json, 'utf8')) as ProfileReport;
    expect(rep.devices.map((d) => d.device.id)).toEqual(['nrf52840', 'stm32u585', 'esp32-s3']);

    const html = readFileSync(p.html, 'utf8');
    expectSelfContained(html);
    expect(html).toContain('Estimate (simulated system)');
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThan(10);
    for (const s of ['Devices side by side', 'Memory map', 'Cycles and energy by kernel', 'Cycles and energy by layer', 'Supply current over time', 'Battery life', 'Three views', 'input-&gt;hidden', 'plastic weights', 'prediction pass', 'plasticity pass']) {
      expect(html, s).toContain(s);
    }
    for (const d of rep.devices) expect(html).toContain(`id="dev-${d.device.id}"`);

    const csv = parseCsv(readFileSync(p.csv, 'utf8'));
    expect(csv.header).toEqual(['Time (s)', 'nrf52840 Current (A)', 'stm32u585 Current (A)', 'esp32-s3 Current (A)']);
    const period = csv.preamble.find((l) => l.includes('sample period'))!;
    const dt = Number(/sample period: ([0-9.e-]+) s/.exec(period)![1]);
    expect(dt).toBeGreaterThan(0);
    expect(csv.rows[1][0] - csv.rows[0][0]).toBeCloseTo(dt, 12);
    expect(csv.rows.length).toBeLessThanOrEqual(20_000);
    // charge over the whole trace (two sample periods) = 2 x energy per sample / supply voltage
    rep.devices.forEach((d, k) => {
      const charge = csv.rows.reduce((s, row) => s + row[k + 1] * dt, 0);
      const e = d.energy!.upper;
      expect(charge * e.voltageV / (2 * e.totalJ), d.device.id).toBeCloseTo(1, 4);
    });
  }, 60_000);

  it('accepts OUT with a .json suffix and a chosen trace sample period; one device gives Time (s),Current (A)', async () => {
    const out = join(tmp, 'one.json');
    const r = await runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'stm32u585', '--samples', '2', '--rate', '3600', '--trace-period', '0.001', '--report', out]);
    expect(r.code).toBe(0);
    const csv = parseCsv(readFileSync(join(tmp, 'one.current.csv'), 'utf8'));
    expect(csv.header).toEqual(['Time (s)', 'Current (A)']);
    expect(csv.preamble.join('\n')).toMatch(/sample period: 0\.001 s \(1000 Hz\)/);
    expect(csv.preamble.join('\n')).toMatch(/stm32u585: supply 3\.3 V, one sample every 1 s/);
    expect(csv.rows).toHaveLength(2000);
    expect(existsSync(join(tmp, 'one.html'))).toBe(true);
    await expect(runCommand(profile, 'profile', ['--model', MCU_MODEL_PATH, '--device', 'stm32u585', '--trace-period', '0', '--report', out])).rejects.toThrow(/--trace-period/);
  }, 60_000);

  it('--device all compares every device in one page, refused ones with their byte counts', () => {
    const rep = profileModel(mcuModel(), listDevices(), { samples: 2, samplesPerHour: 60 });
    const html = profileHtml(rep, { csvName: 'x.current.csv' });
    expectSelfContained(html);
    for (const d of listDevices()) expect(html).toContain(`id="dev-${d.id}"`);
    const refused = rep.devices.filter((d) => d.refused);
    expect(refused.length).toBeGreaterThan(0);
    for (const d of refused) expect(html).toContain(`Refused before running:</b> ${d.refused!.replace(/>/g, '&gt;')}`);
    // gateways and MCUs share the comparison charts
    expect(html).toContain('rpi4 (5 V)');
  }, 60_000);
});

describe('the example page checked into docs/', () => {
  it('is a self-contained report of the MCU example on three devices, with its current CSV', () => {
    const html = readFileSync(join(repoRoot, 'docs', 'firmware-sim-example.html'), 'utf8');
    expectSelfContained(html);
    for (const id of ['nrf52840', 'stm32u585', 'esp32-s3']) expect(html).toContain(`id="dev-${id}"`);
    expect(html).toContain('nmnist-stdp-wta-mcu');
    const csv = parseCsv(readFileSync(join(repoRoot, 'docs', 'firmware-sim-example.current.csv'), 'utf8'));
    expect(csv.header).toEqual(['Time (s)', 'nrf52840 Current (A)', 'stm32u585 Current (A)', 'esp32-s3 Current (A)']);
    expect(csv.rows.every((r) => r.every(Number.isFinite))).toBe(true);
  });
});

describe('current over time', () => {
  const rep = profileModel(mcuModel(), [loadDevice('stm32u585'), loadDevice('nrf52840'), loadDevice('rpi4')], { samples: 2, samplesPerHour: 120 });

  it('integrates to the energy per sample: wake-up, the three phases, then sleep', () => {
    for (const d of rep.devices) {
      const c = d.current!;
      const e = d.energy!.upper;
      expect(c.periodS).toBeCloseTo(30, 9);
      expect((c.chargeC * c.supplyV) / e.totalJ, d.device.id).toBeCloseTo(1, 9);
      expect(c.averageA * c.supplyV).toBeCloseTo(e.averagePowerW, 12);
      const labels = c.segments.map((s) => s.label);
      expect(labels).toEqual(expect.arrayContaining(['prediction pass', 'readout', 'plasticity pass']));
      // segments tile the period
      for (let i = 1; i < c.segments.length; i++) expect(c.segments[i].t0).toBeCloseTo(c.segments[i - 1].t1, 12);
      expect(c.segments[c.segments.length - 1].t1).toBeCloseTo(c.periodS, 12);
      // active time of the phases = the upper time estimate
      const active = c.segments.filter((s) => s.label.endsWith('pass') || s.label === 'readout').reduce((a, s) => a + s.t1 - s.t0, 0);
      expect(active * 1e3).toBeCloseTo(d.time!.upperMsPerSample, 6);
    }
    const u5 = rep.devices[0].current!;
    expect(u5.segments[0].label).toMatch(/^wake-up/);
    expect(u5.activeA).toBeGreaterThan(100 * u5.sleepA);
  });

  it('samples charge-preserving averages on a 1-2-5 sample period', () => {
    const profiles = rep.devices.map((d) => d.current!);
    const t = sampleTrace(profiles);
    expect(t.samplePeriodS).toBe(niceCeil(60 / 20_000));
    expect(t.rows).toBeLessThanOrEqual(20_000);
    profiles.forEach((p, k) => {
      const q = t.channels[k].reduce((s, a) => s + a * t.samplePeriodS, 0);
      expect(q / (2 * p.chargeC)).toBeCloseTo(1, 9);
    });
    expect(averageCurrent(profiles[0], 0, profiles[0].periodS)).toBeCloseTo(profiles[0].averageA, 15);
    expect(niceCeil(0.0031)).toBe(0.005);
    expect(niceCeil(0.01)).toBe(0.01);
    const csv = currentCsv('m', profiles.slice(0, 1), sampleTrace(profiles.slice(0, 1), { samplePeriodS: 0.5 }));
    expect(csv).toMatch(/^# neurite firmware-sim: supply current over time - Estimate \(simulated system\), not a measurement\n/);
    expect(csv).toContain('\nTime (s),Current (A)\n0,');
  });
});
