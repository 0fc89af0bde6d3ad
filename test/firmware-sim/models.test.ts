/**
 * Every bundled model (and the op-coverage variants) is costed completely: no op of its schedule
 * falls back to "no cost model", and the per-layer breakdown adds up to the device totals.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { listModels, loadModelSpec } from '../../host/spec/models.js';
import { estimateInstructions } from '../../firmware-sim/cycles.js';
import { loadDevice } from '../../firmware-sim/device.js';
import { vectorTotal } from '../../firmware-sim/instr/instrument.js';
import { profileModel, runModel } from '../../firmware-sim/profile.js';
import { emulatedDigits } from '../../firmware-sim/samples.js';
import { RuntimeExecutor, runWorkload } from '../../firmware-sim/workload.js';
import { loadInstructionTable } from '../../firmware-sim/table.js';
import { kernelVariants, mcuModel } from './helpers.js';

const table = loadInstructionTable();

describe('cost models cover the bundled models', () => {
  for (const name of listModels()) {
    it(`${name}: profiled with zero unknown ops, layers adding up to the total`, () => {
      const spec = loadModelSpec(name);
      const rep = profileModel(spec, [loadDevice('rpi4'), loadDevice('jetson-nano-cpu')], { samples: 2 });
      expect(rep.workload.samples).toBe(2);
      for (const d of rep.devices) {
        expect(d.refused, d.device.id).toBeNull();
        expect(d.warnings.filter((w) => w.includes('no cost model')), d.device.id).toEqual([]);
        const c = d.cycles!;
        const layers = c.byLayer.reduce((s, l) => s + l.cyclesPerSample, 0);
        expect(layers / c.lowerPerSample).toBeCloseTo(1, 9);
        const phases = c.byPhase.infer + c.byPhase.readout + c.byPhase.learn;
        expect(phases / c.lowerPerSample).toBeCloseTo(1, 9);
        // every population and projection of the plan is a layer of the breakdown
        for (const p of spec.populations) expect(c.byLayer.map((l) => l.layer)).toContain(p.name);
        expect(c.byLayer.filter((l) => l.kind === 'projection')).toHaveLength(spec.projections.length);
      }
      // the MCU (scalar) build's table costs the same schedule completely too
      const run = runModel(spec, { samples: 1 });
      for (const build of ['scalar', 'simd'] as const) {
        const est = estimateInstructions(run.plan, run.result.workload, table.builds[build]);
        expect(est.unmodelled, `${name} ${build}`).toEqual([]);
        expect(vectorTotal(est.total)).toBeGreaterThan(0);
      }
    }, 60_000);
  }

  it('the op-coverage variants and the MCU example have no unknown op either', () => {
    for (const spec of [mcuModel(), ...kernelVariants()]) {
      const run = runModel(spec, { samples: 1 });
      for (const build of ['scalar', 'simd'] as const) {
        expect(estimateInstructions(run.plan, run.result.workload, table.builds[build]).unmodelled, `${spec.name} ${build}`).toEqual([]);
      }
    }
  }, 60_000);
});

describe('breakdown by layer', () => {
  it('charges synaptic work to projections, neuron updates to populations, per phase', () => {
    const spec = kernelVariants().find((s) => s.name === 'variant-escape-int8')!;
    const rep = profileModel(spec, [loadDevice('stm32u585')], { samples: 3 });
    const c = rep.devices[0].cycles!;
    const layer = (n: string) => c.byLayer.find((l) => l.layer === n)!;
    const proj = layer('input->h');
    expect(proj.kind).toBe('projection');
    expect(proj.byKernel.map((k) => k.kernel)).toEqual(expect.arrayContaining(['dense_accumulate_i8', 'dense_flush_i8', 'stdp_pre_i8', 'stdp_post_i8', 'scale_columns_i8', 'trace_decay_f32']));
    // plasticity runs only in the plasticity pass
    expect(proj.byPhase.learn).toBeGreaterThan(proj.byPhase.infer);
    const h = layer('h');
    expect(h.kind).toBe('population');
    expect(h.byKernel[0].kernel).toBe('escape_step_f32');
    expect(h.byPhase.infer).toBeGreaterThan(0);
    expect(layer('h->out').byKernel.map((k) => k.kernel)).toEqual(expect.arrayContaining(['dense_accumulate_i16', 'dense_flush_i16']));
    expect(layer('out').byKernel[0].kernel).toBe('izh_step_f32');
    expect(layer('readout').byPhase.readout).toBeGreaterThan(0);
    expect(layer('readout').byPhase.infer + layer('readout').byPhase.learn).toBe(0);
    // energy by layer is cycles x energy per cycle: shares match
    const total = c.byLayer.reduce((s, l) => s + l.computeJPerSample[0], 0);
    expect(proj.computeJPerSample[0] / total).toBeCloseTo(proj.share, 9);
  }, 60_000);

  it('a projection whose post pathway skips silent inputs is charged by how many traces are non-zero', () => {
    const spec = kernelVariants().find((s) => s.name === 'variant-rules')!;
    const run = runModel(spec, { samples: 3 });
    const d = run.result.workload.preTraceDensity!;
    for (const k of ['input->h', 'input->b', 'h->c']) {
      expect(d[k], k).toBeGreaterThan(0);
      expect(d[k], k).toBeLessThan(1);
    }
    const dense = estimateInstructions(run.plan, { ...run.result.workload, preTraceDensity: {} }, table.builds.scalar);
    const sparse = estimateInstructions(run.plan, run.result.workload, table.builds.scalar);
    const post = (e: typeof dense) => e.terms.filter((t) => t.kernel.startsWith('triplet_post')).reduce((s, t) => s + vectorTotal(t.instructions), 0);
    expect(post(sparse)).toBeLessThan(post(dense));
  }, 60_000);
});

describe('the windowed plasticity pass', () => {
  it('learns exactly what one uninterrupted pass learns (same weights, same counters)', () => {
    const spec = kernelVariants().find((s) => s.name === 'variant-rules')!;
    const samples = emulatedDigits(spec, 3, 5);
    const plan = planModel(spec);
    const windowed = new Runtime(plan);
    const res = runWorkload(new RuntimeExecutor(windowed), samples);
    expect(Object.keys(res.workload.preTraceDensity ?? {})).toHaveLength(3);
    // The same loop without windows.
    const plain = new Runtime(plan);
    for (const s of samples) {
      plain.resetState();
      plain.setTeacher(null);
      plain.run(s.events, { learn: false });
      plain.readoutLearn(s.label);
      plain.resetState();
      plain.setTeacher(s.label);
      plain.run(s.events, { learn: true });
      plain.setTeacher(null);
    }
    for (const pr of plan.projections) expect(Array.from(windowed.weights(pr.name)), pr.name).toEqual(Array.from(plain.weights(pr.name)));
    expect(Array.from(windowed.readoutWeights())).toEqual(Array.from(plain.readoutWeights()));
    expect(windowed.counters()).toEqual(plain.counters());
  }, 60_000);
});
