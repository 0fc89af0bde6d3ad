/**
 * The energy model's two invariants from the issue, on a fixed model and input:
 * doubling the clock halves compute time and leaves compute energy per sample unchanged (only the
 * static terms move); doubling synaptic activity roughly doubles the synaptic share.
 */
import { describe, expect, it } from 'vitest';
import { allocBatch, makeBatch, type EventBatch } from '../../host/events/types.js';
import { loadDevice } from '../../firmware-sim/device.js';
import { energyPerSample } from '../../firmware-sim/energy.js';
import { profileOnDevice, runModel } from '../../firmware-sim/profile.js';
import { emulatedDigits } from '../../firmware-sim/samples.js';
import { mcuModel } from './helpers.js';

const spec = mcuModel();
const samples = emulatedDigits(spec, 4, 3);
const run = runModel(spec, {}, samples);

function doubled(b: EventBatch): EventBatch {
  const out = allocBatch(2 * b.length);
  for (let i = 0; i < b.length; i++) {
    for (const k of [2 * i, 2 * i + 1]) {
      out.t[k] = b.t[i];
      out.x[k] = b.x[i];
      out.y[k] = b.y[i];
      out.p[k] = b.p[i];
    }
  }
  return makeBatch(out, 2 * b.length);
}

describe('energy model', () => {
  it('doubling the clock halves compute time; compute energy per sample is unchanged, static energy halves', () => {
    const d = loadDevice('esp32-s3'); // a static floor of 12.2 mA, no flash wait states modelled
    const a = profileOnDevice(run, d, { mhz: 80 });
    const b = profileOnDevice(run, d, { mhz: 160 });
    expect(b.cycles!.lowerPerSample).toBeCloseTo(a.cycles!.lowerPerSample, 6);
    expect(b.time!.lowerMsPerSample / a.time!.lowerMsPerSample).toBeCloseTo(0.5, 10);
    expect(b.energy!.lower.computeJ).toBeCloseTo(a.energy!.lower.computeJ, 12);
    expect(b.energy!.lower.staticJ / a.energy!.lower.staticJ).toBeCloseTo(0.5, 10);
    expect(a.energy!.lower.staticJ).toBeGreaterThan(0);
  });

  it('with flash wait states that grow with the clock, time drops a little less than half', () => {
    const d = loadDevice('stm32u585'); // one wait state per 32 MHz
    const a = profileOnDevice(run, d, { mhz: 40 });
    const b = profileOnDevice(run, d, { mhz: 80 });
    const ratio = b.time!.lowerMsPerSample / a.time!.lowerMsPerSample;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(0.55);
    expect(b.energy!.lower.computeJ / a.energy!.lower.computeJ).toBeCloseTo(2 * ratio, 10);
  });

  it('the energy formula itself: compute energy = cycles x uA/MHz x V, independent of the clock', () => {
    const d = loadDevice('nrf52840');
    const e1 = energyPerSample(d, 1e6, 1, { mhz: 32 });
    const e2 = energyPerSample(d, 1e6, 1, { mhz: 64 });
    expect(e1.computeJ).toBeCloseTo(1e6 * 52 * 3.0 * 1e-12, 15);
    expect(e2.computeJ).toBeCloseTo(e1.computeJ, 15);
    expect(e2.activeSecondsPerSample).toBeCloseTo(e1.activeSecondsPerSample / 2, 15);
    // sleep current fills the rest of the period
    expect(e1.sleepJ).toBeCloseTo(1.5e-6 * 3.0 * (1 - e1.activeSecondsPerSample), 12);
  });

  it('doubling synaptic activity roughly doubles the synaptic share', () => {
    const twice = runModel(spec, {}, samples.map((s) => ({ events: doubled(s.events), label: s.label })));
    const d = loadDevice('nrf52840');
    const a = profileOnDevice(run, d);
    const b = profileOnDevice(twice, d);
    const syn = (r: typeof a) => r.cycles!.byCounter.find((c) => c.counter === 'synopsF32')!;
    expect(twice.result.workload.infer.counters.synopsF32).toBe(2 * run.result.workload.infer.counters.synopsF32);
    const ratio = syn(b).computeJPerSample / syn(a).computeJPerSample;
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.1);
    expect(syn(b).share).toBeGreaterThan(syn(a).share);
  });

  it('a gateway is idle power all the time plus one core while computing', () => {
    const e = energyPerSample(loadDevice('rpi4'), 1.8e9, 2, { mhz: 1800 });
    expect(e.activeSecondsPerSample).toBeCloseTo(1, 12);
    expect(e.computeJ).toBeCloseTo(0.85, 12);
    expect(e.sleepJ).toBeCloseTo(1.6 * 2, 12);
  });

  it('a workload above capacity is reported as not keeping up', () => {
    const e = energyPerSample(loadDevice('nrf52840'), 64e6 * 2, 1, { mhz: 64 });
    expect(e.keepsUp).toBe(false);
    expect(e.notes.join(' ')).toContain('cannot keep up');
  });
});
