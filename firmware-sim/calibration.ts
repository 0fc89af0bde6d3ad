/**
 * Calibration against MLPerf Tiny, keyword spotting only, then predictions for the other three
 * benchmarks on the same two parts (data/mlperf-tiny.json).
 *
 * Model of a dense int8 inference on a vendor library (X-CUBE-AI, CMSIS-NN class kernels):
 *   cycles = MACs x c_isa(core) x kappa
 *   c_isa  = the per-MAC instruction mix of the core's native kernel (cores.ts nativeMacMix) costed
 *            with the same per-class cycle table as the wasm kernels (no bounds checks, no dispatch)
 *   kappa  = ONE factor shared by both parts, fitted to the two KWS latencies (geometric mean of
 *            the two per-part ratios): what the inner-loop mix leaves out (im2col, requantisation,
 *            depthwise layers, pipeline and flash stalls)
 *   energy = cycles x e_cycle(part), e_cycle = KWS energy / KWS cycles as measured (one per part)
 * So three numbers are fitted on KWS (kappa, two energies per cycle); nothing is fitted on IC,
 * VWW or AD. Their errors are the honest figure.
 */
import { readFileSync } from 'node:fs';
import { CORES, type CoreFamily } from './cores.js';
import { loadDevice } from './device.js';
import type { WasmClass } from './instr/instrument.js';
import { dataPath } from './table.js';

interface BenchData { name: string; macs: number; derivation: string }
interface Result { inferencesPerSecond: number; energyUJ: number }
interface MlperfData {
  benchmarks: Record<string, BenchData>;
  devices: Record<string, { mhz: number; results: Record<string, Result> }>;
}

export function loadMlperf(): MlperfData {
  return JSON.parse(readFileSync(dataPath('mlperf-tiny.json'), 'utf8')) as MlperfData;
}

/** ISA-level cycles per MAC of the native int8 kernel on a core. */
export function isaCyclesPerMac(family: CoreFamily): number {
  const core = CORES[family];
  let c = 0;
  for (const [cls, n] of Object.entries(core.nativeMacMix) as [WasmClass, number][]) c += n * core.aot[cls];
  return c;
}

export interface CalibrationRow {
  readonly device: string;
  readonly benchmark: string;
  readonly role: 'calibration' | 'prediction';
  readonly macs: number;
  readonly measuredMs: number;
  readonly predictedMs: number;
  readonly latencyError: number;
  readonly measuredUJ: number;
  readonly predictedUJ: number;
  readonly energyError: number;
}

export interface Calibration {
  readonly kappa: number;
  readonly perDevice: Record<string, { family: CoreFamily; mhz: number; isaCyclesPerMac: number; measuredKwsCyclesPerMac: number; ratio: number; pJPerCycle: number }>;
  readonly rows: readonly CalibrationRow[];
}

export function calibrate(): Calibration {
  const data = loadMlperf();
  const perDevice: Calibration['perDevice'] = {};
  for (const [id, dv] of Object.entries(data.devices)) {
    const family = loadDevice(id).core.family;
    const kws = dv.results.kws;
    const cycles = (dv.mhz * 1e6) / kws.inferencesPerSecond;
    const measuredCpm = cycles / data.benchmarks.kws.macs;
    const isa = isaCyclesPerMac(family);
    perDevice[id] = { family, mhz: dv.mhz, isaCyclesPerMac: isa, measuredKwsCyclesPerMac: measuredCpm, ratio: measuredCpm / isa, pJPerCycle: (kws.energyUJ * 1e6) / cycles };
  }
  const ratios = Object.values(perDevice).map((p) => p.ratio);
  const kappa = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  const rows: CalibrationRow[] = [];
  for (const [id, dv] of Object.entries(data.devices)) {
    const p = perDevice[id];
    for (const [b, res] of Object.entries(dv.results)) {
      const macs = data.benchmarks[b].macs;
      const cycles = macs * p.isaCyclesPerMac * kappa;
      const predictedMs = (cycles / (dv.mhz * 1e6)) * 1e3;
      const measuredMs = 1e3 / res.inferencesPerSecond;
      const predictedUJ = cycles * p.pJPerCycle * 1e-6;
      rows.push({
        device: id, benchmark: b, role: b === 'kws' ? 'calibration' : 'prediction', macs,
        measuredMs, predictedMs, latencyError: predictedMs / measuredMs - 1,
        measuredUJ: res.energyUJ, predictedUJ, energyError: predictedUJ / res.energyUJ - 1,
      });
    }
  }
  return { kappa, perDevice, rows };
}

/** The calibration/prediction table as Markdown (docs/firmware-sim.md carries this exact text). */
export function calibrationMarkdown(c: Calibration = calibrate()): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
  const data = loadMlperf();
  const lines = [
    '| part | benchmark | role | MACs | measured ms | predicted ms | latency error | measured µJ | predicted µJ | energy error |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of c.rows) {
    lines.push(`| ${r.device} | ${data.benchmarks[r.benchmark].name} | ${r.role} | ${r.macs.toLocaleString('en-US')} | ${r.measuredMs.toFixed(2)} | ${r.predictedMs.toFixed(2)} | ${pct(r.latencyError)} | ${r.measuredUJ.toFixed(0)} | ${r.predictedUJ.toFixed(0)} | ${pct(r.energyError)} |`);
  }
  return lines.join('\n');
}
