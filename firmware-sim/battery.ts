/**
 * Battery presets and lifetime for a duty-cycled workload, with a check of the device's peak
 * current against what the cell can deliver.
 *
 *   life = usable energy x converter efficiency / (average power + self-discharge)
 * The average power comes from the energy model at a given sample rate (samples per hour). The
 * cell's rated capacity is taken as fully usable down to its cut-off voltage; no temperature or
 * high-current derating (Peukert) is applied, so coin-cell lifetimes are optimistic whenever the
 * active current approaches the cell's continuous limit: that is what the peak flag is for.
 */
import { UsageError } from '../host/errors.js';
import type { Figure } from './device.js';

export interface BatteryPreset {
  readonly id: string;
  readonly name: string;
  readonly nominalV: Figure;
  readonly capacityMAh: Figure;
  /** Highest current the cell can deliver continuously, mA. */
  readonly continuousMA: Figure;
  /** Highest short pulse current, mA. */
  readonly pulseMA: Figure;
  /** Capacity lost per year on the shelf, as a fraction. */
  readonly selfDischargePerYear: Figure;
}

const REF = 'reference notes ../shared/reference/mcu-energy.md 4.4';

export const BATTERIES: Readonly<Record<string, BatteryPreset>> = {
  cr2032: {
    id: 'cr2032',
    name: 'CR2032 lithium coin cell (Li/MnO2)',
    nominalV: { value: 3.0, source: `${REF} (Energizer-class spec via Wikipedia)`, confidence: 'verified-secondary' },
    capacityMAh: { value: 225, source: `${REF}: 225 mAh to a 2.0 V cut-off`, confidence: 'verified-secondary' },
    continuousMA: { value: 3, source: `${REF}: max continuous about 3 mA`, confidence: 'verified-secondary' },
    pulseMA: { value: 15, source: `${REF}: max pulse about 15 mA`, confidence: 'verified-secondary' },
    selfDischargePerYear: { value: 0.01, source: `${REF}: about 1 %/year`, confidence: 'verified-secondary' },
  },
  lipo: {
    id: 'lipo',
    name: 'Li-Po pouch cell, 1 Ah, 1C continuous',
    nominalV: { value: 3.7, source: 'typical Li-Po nominal voltage', confidence: 'assumed' },
    capacityMAh: { value: 1000, source: 'a 1000 mAh pack taken as the preset (wearable band 100-500 mAh per the reference notes)', confidence: 'assumed' },
    continuousMA: { value: 1000, source: '1C continuous discharge (typical pack rating)', confidence: 'assumed' },
    pulseMA: { value: 2000, source: '2C pulse (typical pack rating)', confidence: 'assumed' },
    selfDischargePerYear: { value: 0.2, source: 'a few percent per month (recall)', confidence: 'unverified' },
  },
  aa2: {
    id: 'aa2',
    name: '2 x AA alkaline in series',
    nominalV: { value: 3.0, source: '2 x 1.5 V', confidence: 'assumed' },
    capacityMAh: { value: 2500, source: 'AA alkaline at low drain, about 2.5 Ah (recall)', confidence: 'unverified' },
    continuousMA: { value: 500, source: 'alkaline AA at moderate drain (recall)', confidence: 'unverified' },
    pulseMA: { value: 2000, source: 'alkaline AA short pulses (recall)', confidence: 'unverified' },
    selfDischargePerYear: { value: 0.03, source: 'alkaline shelf loss about 2-3 %/year (recall)', confidence: 'unverified' },
  },
};

export function loadBattery(id: string): BatteryPreset {
  const b = BATTERIES[id];
  if (!b) throw new UsageError(`no battery preset "${id}" (presets: ${Object.keys(BATTERIES).join(', ')})`);
  return b;
}

export interface BatteryReport {
  readonly battery: string;
  readonly energyJ: number;
  readonly averagePowerW: number;
  readonly lifetimeHours: number;
  readonly lifetimeDays: number;
  /** Device current while active vs the cell's limits. */
  readonly activeCurrentMA: number;
  readonly peakCurrentMA: number;
  readonly exceedsContinuous: boolean;
  readonly exceedsPulse: boolean;
  readonly flag: string | null;
}

/**
 * Lifetime on a preset at an average power, and the peak-current check. `activePowerW` is the
 * device's power while computing; `peakMA` its profile's peak active current.
 */
export function batteryLife(b: BatteryPreset, averagePowerW: number, activePowerW: number, peakMA: number, converterEfficiency = 0.9): BatteryReport {
  const energyJ = b.capacityMAh.value * 1e-3 * 3600 * b.nominalV.value;
  const selfW = (energyJ * b.selfDischargePerYear.value) / (365 * 24 * 3600);
  const usableW = averagePowerW / converterEfficiency + selfW;
  const lifetimeHours = energyJ / usableW / 3600;
  const activeCurrentMA = (activePowerW / converterEfficiency / b.nominalV.value) * 1e3;
  const peak = Math.max(peakMA, activeCurrentMA);
  const exceedsContinuous = activeCurrentMA > b.continuousMA.value;
  const exceedsPulse = peak > b.pulseMA.value;
  const flag = exceedsPulse
    ? `peak current ${peak.toFixed(1)} mA exceeds the ${b.id} pulse limit of ${b.pulseMA.value} mA: not feasible without a large buffer capacitor or another cell`
    : exceedsContinuous
      ? `active current ${activeCurrentMA.toFixed(1)} mA exceeds the ${b.id} continuous limit of ${b.continuousMA.value} mA: needs a buffer capacitor; capacity will be derated`
      : null;
  return {
    battery: b.id, energyJ, averagePowerW, lifetimeHours, lifetimeDays: lifetimeHours / 24,
    activeCurrentMA, peakCurrentMA: peak, exceedsContinuous, exceedsPulse, flag,
  };
}
