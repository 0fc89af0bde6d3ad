/**
 * The runtime spine: plan layout, fixed memory, budgets, counters, traps, checkpoints.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel, createRuntime, BudgetError, CheckpointError, KernelTrapError, SpecError } from '../../host/index.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../../host/runtime/checkpoint.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { validateSpec } from '../../host/spec/validate.js';
import { EventEmulator } from '../../host/events/emulator.js';
import { loadMnistDigits } from '../../host/learn/datasets/mnist.js';
import { presentSample } from '../../host/learn/online.js';
import { allocBatch, makeBatch } from '../../host/events/types.js';
import { COUNTERS } from '../../host/runtime/abi.js';
import type { ModelSpec } from '../../host/spec/types.js';

/** Recorded arena size of the demo model; the test fails if it grows by more than 3%. */
const DEMO_ARENA_BYTES_RECORDED = 3_758_272;

const small: ModelSpec = validateSpec({
  version: 1, name: 'small', dtMs: 1, seed: 3,
  input: { width: 8, height: 8, polarity: 'split' },
  populations: [{
    name: 'h', size: 21,
    neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2, adaptation: { tauMs: 1000, increment: 0.05 } },
    wta: { k: 2, inhibition: 0.5 },
    teacher: { classes: 3, current: 0.5, suppress: 2 },
  }],
  projections: [{
    from: 'input', to: 'h', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.5 } },
    plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.01, etaMinus: 0.002, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all', xOffset: 0.1, normalize: { targetNorm: 1 } },
  }],
  readout: { from: 'h', classes: 3, rule: 'delta', learningRate: 0.5 },
});

function randomEvents(seed: number, n: number, width = 8, height = 8) {
  const b = allocBatch(n);
  let s = seed;
  for (let k = 0; k < n; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    b.t[k] = k * 50;
    b.x[k] = s % width;
    b.y[k] = (s >>> 8) % height;
    b.p[k] = (s >>> 16) & 1;
  }
  return makeBatch(b, n);
}

describe('plan', () => {
  it('lays out 16-byte aligned, non-overlapping regions and reports bytes per kind', () => {
    const plan = planModel(small);
    let end = 0;
    for (const r of plan.regions) {
      expect(r.offset % 16).toBe(0);
      expect(r.bytes % 16).toBe(0);
      expect(r.offset).toBeGreaterThanOrEqual(end);
      end = r.offset + r.bytes;
    }
    expect(end).toBe(plan.arenaBytes);
    expect(Object.values(plan.bytesByKind).reduce((a, b) => a + b, 0)).toBe(plan.arenaBytes);
    expect(plan.bytesByKind.weights).toBeGreaterThanOrEqual(128 * 21 * 4);
    for (const kind of ['params', 'neuronState', 'weights', 'traces', 'input', 'counters', 'prng'] as const) {
      expect(plan.bytesByKind[kind]).toBeGreaterThan(0);
    }
  });

  it('refuses a plan over budget before instantiation, naming regions and the missing bytes', () => {
    const need = planModel(small).arenaBytes;
    try {
      compileModel({ ...small, budgetBytes: need - 100 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BudgetError);
      const b = e as BudgetError;
      expect(b.missingBytes).toBe(100);
      expect(b.message).toContain('input->h.weights=');
      expect(b.message).toContain('100 bytes missing');
    }
    expect(() => compileModel(small, { budgetBytes: need })).not.toThrow();
  });

  it('a malformed spec lists all its errors with paths', () => {
    const bad = JSON.parse(JSON.stringify(small));
    bad.populations[0].neuron.tauMemMs = -5;
    bad.dtMs = 0;
    bad.projections[0].to = 'nope';
    try {
      compileModel(bad);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      const paths = (e as SpecError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['populations[0].neuron.tauMemMs', 'dtMs', 'projections[0].to']));
      expect((e as SpecError).message).toContain('populations[0].neuron.tauMemMs: must be > 0, got -5');
    }
  });

  it('the demo model arena has not grown by more than 3% from its recorded size', () => {
    const plan = planModel(loadModelSpec('nmnist-stdp-wta'));
    expect(plan.arenaBytes).toBeLessThanOrEqual(DEMO_ARENA_BYTES_RECORDED * 1.03);
  });
});

describe('runtime', () => {
  it('owns one fixed memory (initial == maximum) above __heap_base that never grows while learning', async () => {
    const rt = await createRuntime(compileModel(loadModelSpec('nmnist-stdp-wta')));
    expect(rt.base % 16).toBe(0);
    expect(rt.memoryBytes).toBe(rt.pages * 65536);
    expect(() => rt.memory.grow(1)).toThrow(RangeError);
    const before = rt.memoryBytes;
    const digits = loadMnistDigits();
    const emu = new EventEmulator();
    for (let k = 0; k < 20; k++) {
      presentSample(rt, emu.emulate(digits.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: k }), { learn: true, teacher: digits.labels[k] });
      rt.readoutLearn(digits.labels[k]);
    }
    expect(rt.memoryBytes).toBe(before);
    expect(rt.memory.buffer.byteLength).toBe(before);
  });

  it('counts work in the counters declared by the ABI, and SIMD and scalar agree on everything', () => {
    const res = (['simd', 'scalar'] as const).map((build) => {
      const rt = new Runtime(planModel(small), build);
      for (let s = 0; s < 5; s++) {
        presentSample(rt, randomEvents(s, 400), { learn: true, teacher: s % 3 });
        rt.readoutLearn(s % 3);
      }
      return { c: rt.counters(), w: Array.from(rt.weights('input->h')), ro: Array.from(rt.readoutWeights()), steps: rt.stepCount };
    });
    expect(res[0]).toEqual(res[1]);
    const c = res[0].c;
    expect(Object.keys(c)).toEqual(COUNTERS.map((d) => d.key));
    expect(c.eventsIn).toBe(5 * 400);
    expect(c.steps).toBe(res[0].steps);
    expect(c.synopsF32).toBe(c.eventsIn * 21);
    expect(c.neuronUpdatesAlif).toBe(c.steps * 21);
    expect(c.spikes).toBeGreaterThan(0);
    expect(c.weightUpdates).toBeGreaterThan(0);
    expect(c.traceUpdates).toBeGreaterThan(0);
    expect(c.kernelCalls).toBeGreaterThan(c.steps);
    expect(c.bytesRead).toBeGreaterThan(0);
  });

  it('drops and counts events outside the sensor or before the start, without trapping', () => {
    const rt = new Runtime(planModel(small));
    const b = allocBatch(4);
    b.t.set([-5, 10, 20, 30]);
    b.x.set([1, 8, 2, 65535]);
    b.y.set([1, 1, 9, 0]);
    rt.run(makeBatch(b, 4));
    expect(rt.counters().eventsDropped).toBe(4);
    expect(rt.counters().eventsIn).toBe(0);
  });

  it('splits a burst larger than the input buffer across calls without losing events', () => {
    const spec = validateSpec({ ...small, input: { ...small.input, bufferEvents: 64, bufferSteps: 7 } });
    const a = new Runtime(planModel(spec));
    const b = new Runtime(planModel(small));
    const ev = randomEvents(9, 600); // about 20 events per 1-ms step
    a.run(ev, { learn: true });
    b.run(ev, { learn: true });
    expect(a.counters().eventsIn).toBe(600);
    expect(Array.from(a.weights('input->h'))).toEqual(Array.from(b.weights('input->h')));
  });

  it('turns a kernel trap into a KernelTrapError naming the kernel', () => {
    const rt = new Runtime(planModel(small));
    const k = rt.kernelsForTesting;
    expect(() => k.dense_accumulate_f32(rt.memoryBytes + 4096, 4, 4, 0, 0, rt.memoryBytes + 64)).toThrow(KernelTrapError);
    try {
      k.lif_step_f32(4, rt.memoryBytes + 1024, 0, 0, 0);
    } catch (e) {
      expect(e).toBeInstanceOf(KernelTrapError);
      expect((e as KernelTrapError).kernel).toBe('lif_step_f32');
    }
  });

  it('dispose() makes further use a typed error', () => {
    const rt = new Runtime(planModel(small));
    rt.dispose();
    expect(() => rt.run(randomEvents(1, 10))).toThrow(/disposed/);
  });
});

describe('checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-ckpt-'));

  function trained(): Runtime {
    const rt = new Runtime(planModel(small));
    for (let s = 0; s < 4; s++) {
      presentSample(rt, randomEvents(s, 300), { learn: true, teacher: s % 3 });
      rt.readoutLearn(s % 3);
    }
    return rt;
  }

  it('round-trips the learned state exactly and continues identically', () => {
    const a = trained();
    const path = join(dir, 'a.nrt');
    saveCheckpoint(a, path);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const b = loadCheckpoint(path);
    expect(b.plan.spec).toEqual(a.plan.spec);
    expect(b.stepCount).toBe(a.stepCount);
    expect(Array.from(b.weights('input->h'))).toEqual(Array.from(a.weights('input->h')));
    expect(Array.from(b.population('h').b)).toEqual(Array.from(a.population('h').b));
    expect(Array.from(b.readoutWeights())).toEqual(Array.from(a.readoutWeights()));
    for (const rt of [a, b]) presentSample(rt, randomEvents(77, 300), { learn: true, teacher: 1 });
    expect(Array.from(b.weights('input->h'))).toEqual(Array.from(a.weights('input->h')));
    presentSample(a, randomEvents(78, 300), { learn: false });
    presentSample(b, randomEvents(78, 300), { learn: false });
    expect(b.readoutPredict()).toBe(a.readoutPredict());
  });

  it('refuses truncated, corrupt or foreign files with a CheckpointError and loads nothing', () => {
    const bytes = encodeCheckpoint(trained());
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['truncated by one byte', bytes.subarray(0, bytes.length - 1)],
      ['truncated in the header', bytes.subarray(0, 30)],
      ['bit flip in the weights', (() => { const c = bytes.slice(); c[c.length - 200] ^= 4; return c; })()],
      ['bit flip in the magic', (() => { const c = bytes.slice(); c[0] ^= 1; return c; })()],
      ['trailing garbage', new Uint8Array([...bytes, 1, 2, 3])],
    ];
    for (const [what, data] of cases) {
      expect(() => decodeCheckpoint(data, what), what).toThrow(CheckpointError);
    }
    const p = join(dir, 'bad.nrt');
    writeFileSync(p, bytes.subarray(0, bytes.length - 7));
    expect(() => loadCheckpoint(p)).toThrow(/truncated/);
    expect(() => loadCheckpoint(join(dir, 'missing.nrt'))).toThrow(CheckpointError);
  });

  it('random corruption never loads and never throws anything but CheckpointError', () => {
    const bytes = encodeCheckpoint(trained());
    let s = 12345;
    for (let k = 0; k < 200; k++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const c = bytes.slice();
      c[s % c.length] ^= 1 + ((s >>> 8) & 0x7f);
      expect(() => decodeCheckpoint(c, 'fuzz')).toThrow(CheckpointError);
    }
    expect(existsSync(dir)).toBe(true);
    void readFileSync;
  });
});
