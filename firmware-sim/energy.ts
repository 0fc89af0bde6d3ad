/**
 * The energy model. On an MCU energy is paid per clock cycle (µA/MHz x V = pJ per cycle), plus
 * static current while awake, the charge of each wake-up, and the sleep current between samples
 * (which includes SRAM retention in modes that keep the learned state). Gateways have no µA/MHz
 * figure: they are idle power all the time plus one core's active power while computing.
 *
 *   E_compute = cycles x (µA/MHz x V) x 1e-12                     [J]
 *   E_static  = I_static x V x t_active
 *   E_wake    = Q_wake x V           (or t_wake x I_run x V when only the wake-up time is known)
 *   E_sleep   = I_sleep x V x (period - t_active)
 * Doubling the clock halves t_active and leaves E_compute unchanged; only the static and sleep
 * terms move (test/firmware-sim/energy.test.ts).
 */
import { UsageError } from '../host/errors.js';
import { operatingPointAt, type DeviceProfile, type OperatingPoint, type SleepMode } from './device.js';

export interface EnergyOptions {
  readonly mhz: number;
  readonly regulator?: string;
  /** Samples per hour for the duty-cycled view; default: back to back at the stream's own rate. */
  readonly samplesPerHour?: number;
  /** Name of the sleep mode between samples (default: the first one that retains SRAM). */
  readonly sleepMode?: string;
}

export interface EnergyReport {
  readonly kind: 'mcu' | 'gateway';
  readonly mhz: number;
  readonly operatingPoint: OperatingPoint | null;
  readonly voltageV: number;
  readonly pJPerCycle: number;
  readonly activeSecondsPerSample: number;
  readonly periodSeconds: number;
  /** Per sample, J. */
  readonly computeJ: number;
  readonly staticJ: number;
  readonly wakeJ: number;
  readonly sleepJ: number;
  readonly totalJ: number;
  readonly averagePowerW: number;
  readonly activePowerW: number;
  readonly sleep: { readonly name: string; readonly currentUA: number; readonly retainsSram: boolean } | null;
  readonly keepsUp: boolean;
  readonly peakCurrentMA: number;
  readonly notes: readonly string[];
}

export function pickSleep(d: DeviceProfile, name?: string): SleepMode | null {
  if (name) {
    const s = d.power.sleep.find((m) => m.name === name);
    if (!s) throw new UsageError(`device ${d.id} has no sleep mode "${name}" (modes: ${d.power.sleep.map((m) => m.name).join(', ') || 'none'})`);
    return s;
  }
  return d.power.sleep.find((m) => m.retainsSram) ?? d.power.sleep[0] ?? null;
}

/**
 * Energy per sample for `cycles` of work per sample, a sample arriving every `streamSeconds`
 * (or at opts.samplesPerHour).
 */
export function energyPerSample(d: DeviceProfile, cycles: number, streamSeconds: number, opts: EnergyOptions): EnergyReport {
  const mhz = opts.mhz;
  if (!(mhz > 0) || mhz > d.clock.maxMHz.value) throw new UsageError(`clock must be in (0, ${d.clock.maxMHz.value}] MHz for ${d.id}, got ${mhz}`);
  const t = cycles / (mhz * 1e6);
  const arrival = opts.samplesPerHour ? 3600 / opts.samplesPerHour : streamSeconds;
  const notes: string[] = [];
  const keepsUp = t <= arrival;
  if (!keepsUp) notes.push(`needs ${t.toFixed(3)} s per sample but a sample arrives every ${arrival.toFixed(3)} s: cannot keep up (figures below assume it runs flat out)`);
  const period = Math.max(arrival, t);
  if (d.class === 'gateway') {
    const g = d.gateway!;
    const computeJ = g.perCoreActiveW.value * t;
    const idleJ = g.idleW.value * period;
    return {
      kind: 'gateway', mhz, operatingPoint: null, voltageV: 5, pJPerCycle: (g.perCoreActiveW.value / (mhz * 1e6)) * 1e12,
      activeSecondsPerSample: t, periodSeconds: period, computeJ, staticJ: 0, wakeJ: 0, sleepJ: idleJ, totalJ: computeJ + idleJ,
      averagePowerW: (computeJ + idleJ) / period, activePowerW: g.idleW.value + g.perCoreActiveW.value,
      sleep: { name: 'idle (no sleep)', currentUA: (g.idleW.value / 5) * 1e6, retainsSram: true },
      keepsUp, peakCurrentMA: d.power.peakActiveMA.value,
      notes: [...notes, 'gateway: whole-board power at the wall; idle power is paid for the whole period'],
    };
  }
  const op = operatingPointAt(d, mhz, opts.regulator);
  if (!op) {
    throw new UsageError(`device ${d.id} has no representative operating point for ${mhz} MHz${opts.regulator ? ` with regulator ${opts.regulator}` : ''}`);
  }
  const v = op.voltageV;
  const pJ = op.uaPerMHz * v;
  const computeJ = cycles * pJ * 1e-12;
  const staticJ = d.power.staticActiveUA.value * 1e-6 * v * t;
  const sleep = pickSleep(d, opts.sleepMode);
  let wakeJ = 0;
  let sleepJ = 0;
  if (sleep) {
    if (sleep.wakeupChargeNAs) wakeJ = sleep.wakeupChargeNAs.value * 1e-9 * v;
    else if (sleep.wakeupUs) wakeJ = sleep.wakeupUs.value * 1e-6 * (op.uaPerMHz * mhz * 1e-6 + d.power.staticActiveUA.value * 1e-6) * v;
    else notes.push(`no wake-up figure for ${sleep.name}: wake-up energy not counted`);
    sleepJ = sleep.currentUA.value * 1e-6 * v * Math.max(0, period - t);
    if (!sleep.retainsSram) notes.push(`${sleep.name} does not retain SRAM: the learned state must be checkpointed and restored every sample (not costed)`);
  } else {
    notes.push('no sleep mode in the profile: the device is modelled as sleeping at 0 current');
  }
  const totalJ = computeJ + staticJ + wakeJ + sleepJ;
  return {
    kind: 'mcu', mhz, operatingPoint: op, voltageV: v, pJPerCycle: pJ,
    activeSecondsPerSample: t, periodSeconds: period, computeJ, staticJ, wakeJ, sleepJ, totalJ,
    averagePowerW: totalJ / period,
    activePowerW: (op.uaPerMHz * mhz + d.power.staticActiveUA.value) * 1e-6 * v,
    sleep: sleep ? { name: sleep.name, currentUA: sleep.currentUA.value, retainsSram: sleep.retainsSram } : null,
    keepsUp, peakCurrentMA: d.power.peakActiveMA.value, notes,
  };
}
