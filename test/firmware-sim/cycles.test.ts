/**
 * The instruction counts behind the cycle model: the counting build counts what a hand count of
 * the .wat says, the kernel fits are exact where the work is data-independent, and the whole-
 * network prediction made from the runtime counters alone matches the counting build.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { wasmPath } from '../../host/runtime/kernels.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { CORES } from '../../firmware-sim/cores.js';
import { coreCycles } from '../../firmware-sim/cycles.js';
import { deriveBuild } from '../../firmware-sim/instr/derive.js';
import { instrumentWasm, readCounts, vectorTotal, zeroVector } from '../../firmware-sim/instr/instrument.js';
import { validateOnRuntime } from '../../firmware-sim/instr/validate.js';
import { emulatedDigits } from '../../firmware-sim/samples.js';
import { loadInstructionTable, tableStaleness } from '../../firmware-sim/table.js';
import { mcuModel } from './helpers.js';

describe('counting build', () => {
  it('counts a hand-built loop exactly', async () => {
    const binaryen = (await import('binaryen')).default;
    // sum = 0; for (i = 0; i < n; i++) sum += load(i*4)   -- per iteration: 2 local.get + const + shl + load + add + local.set
    // (sum), local.get + const + add + local.set (i), local.get + local.get + lt_s + br_if (loop test).
    const m = new binaryen.Module();
    m.setMemory(1, 1);
    const { i32 } = binaryen;
    m.addFunction('sum', binaryen.createType([i32]), i32, [i32, i32], m.block(null, [
      m.loop('L', m.block(null, [
        m.local.set(2, m.i32.add(m.local.get(2, i32), m.i32.load(0, 4, m.i32.shl(m.local.get(1, i32), m.i32.const(2))))),
        m.local.set(1, m.i32.add(m.local.get(1, i32), m.i32.const(1))),
        m.br('L', m.i32.lt_s(m.local.get(1, i32), m.local.get(0, i32))),
      ])),
      m.local.get(2, i32),
    ], i32));
    m.addFunctionExport('sum', 'sum');
    const bin = m.emitBinary();
    m.dispose();
    const inst = instrumentWasm(bin);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(inst.binary as Uint8Array<ArrayBuffer>), {});
    (instance.exports.sum as (n: number) => number)(10);
    const c = readCounts(instance.exports, inst.functions).sum;
    expect(c.load).toBe(10);
    expect(c.intAlu).toBe(40); // shl, add (sum), add (i), lt_s per iteration
    expect(c.local).toBe(70 + 1);
    expect(c.const).toBe(20);
    expect(c.branch).toBe(10);
    expect(c.block).toBe(1);
  });

  it('fits the data-independent kernels exactly (scalar build)', () => {
    const t = deriveBuild('scalar');
    for (const k of ['dense_accumulate_f32', 'lif_step_f32', 'trace_decay_f32', 'lif_reset_f32', 'stdp_post_f32', 'scale_columns_f32', 'net_run']) {
      expect(t.kernels[k].maxAbsResidual, k).toBe(0);
    }
    expect(t.kernels.wta_select_f32.maxRelResidual).toBeLessThan(0.15);
    // every op code of the ABI that the Plan emits has a dispatch cost
    expect(Object.keys(t.kernels.net_run.coef)).toEqual(expect.arrayContaining(['op_INPUT', 'op_LIF', 'op_DENSE_F32', 'op_STDP_POST']));
  }, 60_000);

  it('predicts a whole learning run from the counters within 1% of the counting build', () => {
    const spec = mcuModel();
    for (const build of ['scalar', 'simd'] as const) {
      const table = deriveBuild(build, readFileSync(wasmPath(build)));
      const rt = new Runtime(planModel(spec), build);
      const v = validateOnRuntime(rt, table, emulatedDigits(spec, 3, 7));
      expect(Math.abs(v.relativeError), build).toBeLessThan(0.01);
      expect(vectorTotal(v.measured)).toBeGreaterThan(1e6);
    }
  }, 120_000);

  it('the stored table matches the built kernels (or says it is stale)', () => {
    const stored = loadInstructionTable();
    for (const build of ['scalar', 'simd'] as const) {
      const stale = tableStaleness(stored, build);
      if (stale) {
        console.warn(`[firmware-sim] ${stale}`);
        continue;
      }
      const fresh = deriveBuild(build);
      expect(fresh.kernels).toEqual(stored.builds[build].kernels);
    }
  }, 60_000);

  it('costs cycles per class, with bounds checks and interpreter dispatch', () => {
    const v = { ...zeroVector(), intAlu: 100, load: 10 };
    expect(coreCycles(v, 'M4', 'aot')).toBe(100 * CORES.M4.aot.intAlu + 10 * (CORES.M4.aot.load + CORES.M4.boundsCheck));
    expect(coreCycles(v, 'M4', 'interp-fast') - coreCycles(v, 'M4', 'aot')).toBeCloseTo(110 * CORES.M4.dispatch['interp-fast']);
    expect(coreCycles(v, 'M4', 'interp-classic')).toBeGreaterThan(coreCycles(v, 'M4', 'interp-fast'));
    expect(coreCycles(v, 'A72', 'aot')).toBeLessThan(coreCycles(v, 'M0+', 'aot'));
  });
});
