/**
 * MLPerf Tiny: calibrated on keyword spotting only, predictions for the other three benchmarks;
 * the table in docs/firmware-sim.md is exactly what the code computes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrate, calibrationMarkdown, isaCyclesPerMac, loadMlperf } from '../../firmware-sim/calibration.js';
import { repoRoot } from '../helpers/shared.js';

describe('MLPerf Tiny calibration', () => {
  const c = calibrate();

  it('fits on keyword spotting only and stays within 30% there', () => {
    const cal = c.rows.filter((r) => r.role === 'calibration');
    expect(cal.map((r) => r.benchmark)).toEqual(['kws', 'kws']);
    for (const r of cal) {
      expect(Math.abs(r.latencyError)).toBeLessThan(0.3);
      expect(Math.abs(r.energyError)).toBeLessThan(0.3);
    }
    expect(c.kappa).toBeGreaterThan(1);
  });

  it('predicts the other three benchmarks on both parts from their MAC counts alone', () => {
    const pred = c.rows.filter((r) => r.role === 'prediction');
    expect(pred).toHaveLength(6);
    for (const r of pred) {
      expect(Number.isFinite(r.latencyError)).toBe(true);
      expect(r.predictedMs).toBeCloseTo((r.macs * isaCyclesPerMac(c.perDevice[r.device].family) * c.kappa) / (c.perDevice[r.device].mhz * 1e3), 6);
    }
  });

  it('uses MAC counts that add up from the layer derivations', () => {
    const b = loadMlperf().benchmarks;
    expect(b.kws.macs).toBe(320000 + 4 * (72000 + 512000) + 768);
    expect(b.ic.macs).toBe(442368 + 4718592 + 2 * 3670016 + 640);
    expect(b.ad.macs).toBe(2 * 640 * 128 + 6 * 128 * 128 + 2 * 128 * 8);
  });

  it('docs/firmware-sim.md carries the table this code computes', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'firmware-sim.md'), 'utf8');
    expect(doc).toContain(calibrationMarkdown(c));
  });
});
