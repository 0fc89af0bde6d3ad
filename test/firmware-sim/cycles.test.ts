/**
 * The instruction counts behind the cycle model: the counting build counts what a hand count of
 * the .wat says, the kernel fits are exact where the work is data-independent, and the whole-
 * network prediction made from the runtime counters alone matches the counting build.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { OP } from '../../host/runtime/abi.js';
import { wasmPath, type KernelBuild } from '../../host/runtime/kernels.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { CORES } from '../../firmware-sim/cores.js';
import { coreCycles, OP_COST_KERNELS } from '../../firmware-sim/cycles.js';
import { deriveBuild, DISPATCH_ARGS, type BuildTable } from '../../firmware-sim/instr/derive.js';
import { instrumentWasm, readCounts, vectorTotal, zeroVector } from '../../firmware-sim/instr/instrument.js';
import { validateOnRuntime } from '../../firmware-sim/instr/validate.js';
import { emulatedDigits } from '../../firmware-sim/samples.js';
import { loadInstructionTable, tableStaleness } from '../../firmware-sim/table.js';
import { kernelVariants, mcuModel } from './helpers.js';

/** Each build is derived once for this file (the derivation runs every kernel on ~2,500 cases). */
const derived = new Map<KernelBuild, BuildTable>();
function derive(build: KernelBuild): BuildTable {
  if (!derived.has(build)) derived.set(build, deriveBuild(build, readFileSync(wasmPath(build))));
  return derived.get(build)!;
}

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
    const t = derive('scalar');
    const exact = [
      'dense_accumulate_f32', 'dense_accumulate_i8', 'dense_accumulate_i16', 'dense_flush_i8', 'dense_flush_i16', 'dense_gather_f32',
      'lif_step_f32', 'izh_step_f32', 'izh_step_f32:2003', 'lif_cond_step_f32', 'escape_step_f32', 'lif_reset_f32', 'trace_decay_f32',
      'stdp_pre_f32', 'stdp_pre_f32:additive', 'stdp_post_f32', 'stdp_post_f32:additive', 'stdp_pre_i8', 'stdp_post_i8',
      'stdp_pre_cols_f32', 'stdp_post_rows_f32', 'stdp_post_rows_f32:additive', 'scale_columns_f32', 'scale_columns_f32:l1',
      'scale_columns_i8', 'scale_rows_f32', 'scale_rows_f32:l1', 'triplet_pre_f32', 'triplet_post_f32', 'triplet_post_f32:additive',
      'symstdp_pre_f32', 'symstdp_post_f32', 'net_run',
      // connectivity ops (40-49)
      'csr_accumulate_f32', 'csr_accumulate_f32:scaled', 'csr_stdp_pre_f32', 'csr_stdp_pre_f32:additive', 'csr_stdp_post_f32',
      'csr_stdp_post_f32:additive', 'block_accumulate_f32', 'delay_accumulate_f32', 'delay_accumulate_syn_f32', 'delay_deliver_f32',
      'stp_efficacy_f32', 'dense_accumulate_scaled_f32',
      // rule/neuron ops (50-64) and the kernels the composed rules call
      'hebbsign_pre_f32', 'hebbsign_pre_f32:additive', 'hebbsign_post_f32', 'hebbsign_post_f32:additive', 'lif_step_i16',
      'elig_step_f32', 'elig_apply_f32', 'elig_apply_outer_f32:tess', 'elig_apply_outer_f32:eprop', 'eprop_pseudo_f32',
      'trace_filter_f32', 'eprop_signal_f32', 'tess_signal_f32', 'tempotron_track_f32', 'dcond_post_f32', 'egdale_update_f32',
    ];
    for (const k of exact) expect(t.kernels[k]?.maxAbsResidual, k).toBe(0);
    // conv2d: edge clipping branches are features; prune-and-regrow: fitted on its loop counts
    expect(t.kernels.conv2d_accumulate_f32.maxRelResidual).toBeLessThan(0.01);
    expect(t.kernels.block_prune_regrow_f32.maxRelResidual).toBeLessThan(0.02);
    // a synapse the CSR post pathway skips (presynaptic trace at the offset) is cheaper than an update
    expect(vectorTotal(t.kernels.csr_stdp_post_f32.coef.zero)).toBeLessThan(0);
    expect(t.kernels.rstdp_step_f32.maxRelResidual).toBeLessThan(0.01);
    expect(t.kernels.wta_select_f32.maxRelResidual).toBeLessThan(0.15);
    // a post pathway that skips a synapse (zero change) is cheaper than one that updates it
    expect(vectorTotal(t.kernels.stdp_post_i8.coef.zero)).toBeLessThan(0);
    expect(vectorTotal(t.kernels.stdp_post_i8.coef.upd_w1) + vectorTotal(t.kernels.stdp_post_i8.coef.zero)).toBeGreaterThan(0);
  }, 60_000);

  it('gives every op code of the ABI a dispatch cost, in both stored builds', () => {
    const stored = loadInstructionTable();
    for (const name of Object.keys(OP)) {
      expect(DISPATCH_ARGS[name], `argument layout of op ${name} in the derivation harness`).toBeDefined();
      for (const build of ['scalar', 'simd'] as const) {
        expect(stored.builds[build].kernels.net_run.coef[`op_${name}`], `${build} op_${name}`).toBeDefined();
        expect(OP_COST_KERNELS[name], `kernels of op ${name}`).toBeDefined();
        for (const k of OP_COST_KERNELS[name]) expect(stored.builds[build].kernels[k], `${build} ${k}`).toBeDefined();
      }
    }
  });

  it('predicts whole learning runs from the counters within 1% of the counting build, for every op code', () => {
    // The MCU example, the bundled models and three variants that together run every op of the schedule.
    const specs = [mcuModel(), ...kernelVariants(), loadModelSpec('nmnist-symstdp'), loadModelSpec('nmnist-triplet')];
    const seen = new Set<number>();
    for (const spec of specs) {
      for (const build of ['scalar', 'simd'] as const) {
        const rt = new Runtime(planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER }), build);
        for (const op of rt.plan.ops) seen.add(op.code);
        const v = validateOnRuntime(rt, derive(build), emulatedDigits(spec, 2, 7));
        expect(Math.abs(v.relativeError), `${spec.name} ${build}`).toBeLessThan(0.01);
        expect(vectorTotal(v.measured)).toBeGreaterThan(1e6);
      }
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Object.values(OP).sort((a, b) => a - b));
  }, 120_000);

  it('the stored table matches the built kernels (or says it is stale)', () => {
    const stored = loadInstructionTable();
    for (const build of ['scalar', 'simd'] as const) {
      const stale = tableStaleness(stored, build);
      if (stale) {
        console.warn(`[firmware-sim] ${stale}`);
        continue;
      }
      expect(derive(build).kernels).toEqual(stored.builds[build].kernels);
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
