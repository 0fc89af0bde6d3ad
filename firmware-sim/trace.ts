/**
 * Supply current over time for a duty-cycled workload, as a bench power analyser would record it
 * between the battery and the board: per sample period the device wakes up, runs the prediction
 * pass, the readout and the plasticity pass at its active current, then sleeps until the next
 * sample. The profile is piecewise constant and built from the energy model's own terms, so its
 * integral over one period times the supply voltage is the energy per sample of the report:
 *
 *   active current  = (uA/MHz x f + static) at the operating point   (MCU; energy.ts)
 *                   = (idle + one core) / 5 V                        (gateway, at the 5 V input)
 *   wake-up         = wake-up charge spread over the wake-up time (10 µs when the profile has none),
 *                     on top of the sleep current
 *   sleep           = the sleep mode's current (gateway: idle power / 5 V)
 * The active time of each phase is its share of the cycle estimate (upper end by default, the one
 * battery lifetimes use) at the clock. Nothing here is measured: a real trace shows per-instruction
 * ripple, regulator and flash-access spikes, and sensor/radio current that this model does not have.
 *
 * `currentCsv` samples one or several profiles on one time base into the shape of a power-analyser
 * export (preamble with units and sample period, then `Time (s),Current (A)` rows); each sample is
 * the average current over its interval, so integrating the CSV preserves the charge.
 */
import type { DeviceProfile } from './device.js';
import { pickSleep, type EnergyReport } from './energy.js';

export interface CurrentSegment {
  /** Start and end within the period, s. */
  readonly t0: number;
  readonly t1: number;
  readonly currentA: number;
  readonly label: string;
}

export interface CurrentProfile {
  readonly device: string;
  readonly supplyV: number;
  /** Which cycle estimate sets the active time. */
  readonly estimate: 'lower' | 'upper';
  readonly periodS: number;
  /** One period, from the wake-up; repeats every periodS. */
  readonly segments: readonly CurrentSegment[];
  readonly activeA: number;
  readonly sleepA: number;
  readonly peakA: number;
  readonly averageA: number;
  /** Charge per period, C (= energy per sample / supply voltage). */
  readonly chargeC: number;
  readonly notes: readonly string[];
}

/** Default wake-up time when the profile gives a charge but no duration. */
export const DEFAULT_WAKE_S = 10e-6;

/**
 * The current profile of one period. `phaseCycles` splits the active time between the phases
 * (any unit: only ratios are used), in execution order.
 */
export function currentProfile(
  device: DeviceProfile, e: EnergyReport, phaseCycles: readonly { label: string; cycles: number }[], estimate: 'lower' | 'upper', sleepMode?: string,
): CurrentProfile {
  const notes: string[] = [];
  const t = e.activeSecondsPerSample;
  const totalCycles = phaseCycles.reduce((s, p) => s + p.cycles, 0) || 1;
  const segments: CurrentSegment[] = [];
  let v: number;
  let activeA: number;
  let sleepA: number;
  let cursor = 0;
  if (e.kind === 'gateway') {
    v = e.voltageV;
    activeA = e.activePowerW / v;
    sleepA = e.sleep ? (e.sleep.currentUA * 1e-6) : 0;
    notes.push('gateway: current at the board\'s 5 V input; idle power all the time, one core\'s active power while computing');
  } else {
    v = e.voltageV;
    activeA = e.activePowerW / v;
    sleepA = e.sleep ? e.sleep.currentUA * 1e-6 : 0;
    if (e.wakeJ > 0) {
      const sleep = pickSleep(device, sleepMode);
      const tw = sleep?.wakeupUs ? sleep.wakeupUs.value * 1e-6 : DEFAULT_WAKE_S;
      if (!sleep?.wakeupUs) notes.push(`wake-up time unknown: its charge is drawn over ${DEFAULT_WAKE_S * 1e6} µs`);
      segments.push({ t0: 0, t1: tw, currentA: e.wakeJ / v / tw + sleepA, label: `wake-up from ${e.sleep?.name ?? 'sleep'}` });
      cursor = tw;
    }
  }
  for (const p of phaseCycles) {
    if (!(p.cycles > 0)) continue;
    const d = (t * p.cycles) / totalCycles;
    segments.push({ t0: cursor, t1: cursor + d, currentA: activeA, label: p.label });
    cursor += d;
  }
  const periodS = Math.max(e.periodSeconds, cursor);
  if (periodS > cursor) segments.push({ t0: cursor, t1: periodS, currentA: sleepA, label: e.kind === 'gateway' ? 'idle' : e.sleep ? e.sleep.name : 'sleep (no mode in profile: 0 A)' });
  if (!e.keepsUp) notes.push('the device cannot keep up with the sample rate: it never sleeps');
  const chargeC = segments.reduce((s, g) => s + g.currentA * (g.t1 - g.t0), 0);
  return {
    device: device.id,
    supplyV: v,
    estimate,
    periodS,
    segments,
    activeA,
    sleepA,
    peakA: Math.max(...segments.map((g) => g.currentA)),
    averageA: chargeC / periodS,
    chargeC,
    notes,
  };
}

/** Average current of a periodic profile over [a, b). */
export function averageCurrent(p: CurrentProfile, a: number, b: number): number {
  if (!(b > a)) return 0;
  const charge = (x: number): number => {
    // Charge from 0 to x.
    const k = Math.floor(x / p.periodS);
    let q = k * p.chargeC;
    const r = x - k * p.periodS;
    for (const g of p.segments) {
      if (r <= g.t0) break;
      q += g.currentA * (Math.min(r, g.t1) - g.t0);
    }
    return q;
  };
  return (charge(b) - charge(a)) / (b - a);
}

/** 1, 2 or 5 times a power of ten, at least x. */
export function niceCeil(x: number): number {
  const e = Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) {
    const v = m * 10 ** e;
    if (v >= x * (1 - 1e-12)) return v;
  }
  return 10 ** (e + 1);
}

export interface TraceOptions {
  /** Sample period, s (default: a 1-2-5 value giving at most maxRows samples). */
  readonly samplePeriodS?: number;
  /** Duration, s (default: two periods of the slowest profile). */
  readonly durationS?: number;
  readonly maxRows?: number;
}

export interface SampledTrace {
  readonly samplePeriodS: number;
  readonly durationS: number;
  readonly rows: number;
  readonly time: Float64Array;
  /** One channel per profile: the average current of each sample interval, A. */
  readonly channels: readonly Float64Array[];
}

/** Samples profiles on one time base (each sample = average over [t, t + dt)). */
export function sampleTrace(profiles: readonly CurrentProfile[], opts: TraceOptions = {}): SampledTrace {
  const durationS = opts.durationS ?? 2 * Math.max(...profiles.map((p) => p.periodS));
  const maxRows = opts.maxRows ?? 20_000;
  const dt = opts.samplePeriodS ?? niceCeil(durationS / maxRows);
  const rows = Math.max(1, Math.round(durationS / dt));
  const time = new Float64Array(rows);
  for (let i = 0; i < rows; i++) time[i] = i * dt;
  const channels = profiles.map((p) => {
    const c = new Float64Array(rows);
    for (let i = 0; i < rows; i++) c[i] = averageCurrent(p, i * dt, (i + 1) * dt);
    return c;
  });
  return { samplePeriodS: dt, durationS: rows * dt, rows, time, channels };
}

const fmtS = (x: number) => Number(x.toPrecision(12)).toString();

/**
 * A power-analyser style CSV: a `#` preamble (what this is, supply voltages, sample period and
 * rate, sample count), then `Time (s),Current (A)` (one current column per device when several).
 */
export function currentCsv(model: string, profiles: readonly CurrentProfile[], trace: SampledTrace, header: readonly string[] = []): string {
  const lines: string[] = [];
  lines.push('# neurite firmware-sim: supply current over time - Estimate (simulated system), not a measurement');
  lines.push(`# model: ${model}`);
  for (const p of profiles) {
    lines.push(`# ${p.device}: supply ${p.supplyV} V, one sample every ${fmtS(p.periodS)} s, active ${(p.activeA * 1e3).toPrecision(4)} mA, sleep ${(p.sleepA * 1e6).toPrecision(4)} uA, average ${(p.averageA * 1e6).toPrecision(4)} uA (${p.estimate} cycle estimate)`);
  }
  lines.push(`# sample period: ${fmtS(trace.samplePeriodS)} s (${fmtS(1 / trace.samplePeriodS)} Hz); samples: ${trace.rows}; duration: ${fmtS(trace.durationS)} s`);
  lines.push('# each sample is the average current over [t, t + sample period); time 0 = wake-up for the first sample');
  for (const h of header) lines.push(`# ${h}`);
  lines.push(profiles.length === 1 ? 'Time (s),Current (A)' : ['Time (s)', ...profiles.map((p) => `${p.device} Current (A)`)].join(','));
  for (let i = 0; i < trace.rows; i++) {
    let row = fmtS(trace.time[i]);
    for (const c of trace.channels) row += `,${c[i].toExponential(6)}`;
    lines.push(row);
  }
  return lines.join('\n') + '\n';
}
