/**
 * The Markdown tables of docs/firmware-sim.md, computed from the current code and data:
 *   npm run build && node dist/firmware-sim/docs-tables.js            prints them
 *   npm run build && node dist/firmware-sim/docs-tables.js --write    also replaces the blocks between
 *                                                                     <!-- begin:NAME --> and <!-- end:NAME --> in the doc
 * (the calibration table is checked verbatim by test/firmware-sim/calibration.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planModel } from '../host/plan/plan.js';
import { OP } from '../host/runtime/abi.js';
import { Runtime } from '../host/runtime/runtime.js';
import { loadModelSpec } from '../host/spec/models.js';
import { calibrate, calibrationMarkdown, isaCyclesPerMac } from './calibration.js';
import { CORE_FAMILIES, CORES, EXEC_MODES } from './cores.js';
import { coreCycles, estimateInstructions, groupTerms, OP_COST_KERNELS } from './cycles.js';
import { loadDevice } from './device.js';
import { count, pct, si } from './format.js';
import { vectorTotal, WASM_CLASSES } from './instr/instrument.js';
import { profileOnDevice, runModel } from './profile.js';
import { validateOnRuntime } from './instr/validate.js';
import { emulatedDigits } from './samples.js';
import { loadInstructionTable } from './table.js';
import { kernelVariants } from './variants.js';

const spec = loadModelSpec(join('firmware-sim', 'examples', 'nmnist-stdp-wta-mcu.json'));
const run = runModel(spec, { samples: 20 });
const w = run.result.workload;
const counts = (k: string) => ((w.infer.counters as Record<string, number>)[k] ?? 0) + ((w.learn.counters as Record<string, number>)[k] ?? 0) + ((w.readout.counters as Record<string, number>)[k] ?? 0);
const table = loadInstructionTable();

/** Per-counter-class instruction and cycle tables, and the per-class costs of cores.ts. */
function instructionTables(): string {
  const out: string[] = [];
  for (const build of ['scalar', 'simd'] as const) {
    const est = estimateInstructions(run.plan, w, table.builds[build]);
    const groups = [...groupTerms(est.terms, (t) => t.counter)].sort((a, b) => vectorTotal(b[1]) - vectorTotal(a[1]));
    out.push(`\n#### Executed wasm instructions per counted op (${build} build, MCU example workload)\n`);
    const cls = WASM_CLASSES.filter((c) => groups.some(([, v]) => v[c] > 0));
    out.push(`| counter class | ops/sample | instr/op | ${cls.join(' | ')} |`);
    out.push(`|---|---:|---:|${cls.map(() => '---:').join('|')}|`);
    for (const [counter, v] of groups) {
      const ops = counts(counter);
      if (ops === 0) continue;
      out.push(`| ${counter} | ${(ops / w.samples).toFixed(0)} | ${(vectorTotal(v) / ops).toFixed(1)} | ${cls.map((c) => (v[c] / ops).toFixed(2)).join(' | ')} |`);
    }
    const fams = CORE_FAMILIES.filter((f) => CORES[f].build === build);
    for (const mode of EXEC_MODES) {
      out.push(`\n#### Cycles per counted op, ${mode} (${build} build; before memory stalls)\n`);
      out.push(`| counter class | ${fams.join(' | ')} |`);
      out.push(`|---|${fams.map(() => '---:').join('|')}|`);
      for (const [counter, v] of groups) {
        const ops = counts(counter);
        if (ops === 0) continue;
        out.push(`| ${counter} | ${fams.map((f) => (coreCycles(v, f, mode) / ops).toFixed(1)).join(' | ')} |`);
      }
    }
  }
  out.push('\n#### Per-class AOT cycle costs (cores.ts)\n');
  out.push(`| class | ${CORE_FAMILIES.join(' | ')} |`);
  out.push(`|---|${CORE_FAMILIES.map(() => '---:').join('|')}|`);
  for (const c of WASM_CLASSES) out.push(`| ${c} | ${CORE_FAMILIES.map((f) => CORES[f].aot[c]).join(' | ')} |`);
  out.push(`| bounds check per access | ${CORE_FAMILIES.map((f) => CORES[f].boundsCheck).join(' | ')} |`);
  out.push(`| fast-interp dispatch | ${CORE_FAMILIES.map((f) => CORES[f].dispatch['interp-fast']).join(' | ')} |`);
  out.push(`| classic-interp dispatch | ${CORE_FAMILIES.map((f) => CORES[f].dispatch['interp-classic']).join(' | ')} |`);
  return out.join('\n').trim();
}

/** net_run's own features that belong to an op (work it does inline for that op). */
const NET_RUN_FEATURES: Readonly<Record<string, readonly string[]>> = {
  COUNT_SPIKES: ['countedSpikes'], CONV2D_F32: ['convEvents', 'ring_CONV2D_F32'], BLOCK_PRUNE: ['blockCheck', 'blockRewire'],
  TESS: ['tessLabelled', 'tessEvents'], EPROP: ['epropLabelled', 'epropClasses'], EGDALE: ['egdaleActive', 'egdaleOut'],
};

/** Cost model of every schedule op (scalar build): executed wasm instructions per unit of each feature. */
function opTable(): string {
  const t = table.builds.scalar;
  const out: string[] = [];
  out.push('| op | dispatch | kernel fit | per call | per unit of each feature | cases, worst residual |');
  out.push('|---|---:|---|---:|---|---:|');
  for (const [name, code] of Object.entries(OP).sort((a, b) => a[1] - b[1])) {
    const dispatch = t.kernels.net_run.coef[`op_${name}`] ? vectorTotal(t.kernels.net_run.coef[`op_${name}`]).toFixed(0) : 'MISSING';
    const ks = OP_COST_KERNELS[name] ?? [];
    if (ks.length === 0) out.push(`| ${code} ${name} | ${dispatch} | (inline in net_run) | | | |`);
    for (const k of ks) {
      const f = t.kernels[k];
      if (!f) { out.push(`| ${code} ${name} | ${dispatch} | ${k}: MISSING | | | |`); continue; }
      const per = Object.entries(f.coef).filter(([feat]) => feat !== 'call' && (k !== 'net_run' || (NET_RUN_FEATURES[name] ?? []).includes(feat)))
        .map(([feat, v]) => `${feat} ${vectorTotal(v).toFixed(1)}`).join(', ');
      const call = k !== 'net_run' && f.coef.call ? vectorTotal(f.coef.call).toFixed(0) : '';
      out.push(`| ${code} ${name} | ${dispatch} | \`${k}\` | ${call} | ${per} | ${f.cases}, ${(100 * f.maxRelResidual).toFixed(1)}% |`);
    }
  }
  return out.join('\n');
}

/** Breakdown by layer of the MCU example on the STM32U585 (M33, AOT, one sample a minute). */
function layerTable(): string {
  const d = profileOnDevice(run, loadDevice('stm32u585'), { samplesPerHour: 60 });
  const c = d.cycles!;
  const out: string[] = [];
  out.push('| layer | kind | cycles/sample (lower) | share | prediction pass | readout | plasticity pass | compute energy/sample | largest kernels |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const l of c.byLayer) {
    out.push(`| ${l.layer} | ${l.kind} | ${count(l.cyclesPerSample)} | ${pct(l.share)} | ${count(l.byPhase.infer)} | ${count(l.byPhase.readout)} | ${count(l.byPhase.learn)} | ${si(l.computeJPerSample[0], 'J')} - ${si(l.computeJPerSample[1], 'J')} | ${l.byKernel.slice(0, 3).map((k) => `${k.kernel} ${pct(k.cyclesPerSample / l.cyclesPerSample)}`).join(', ')} |`);
  }
  return out.join('\n');
}

/** Whole learning runs on the counting build vs the prediction from the counters (2 samples each). */
function validationTable(): string {
  const specs = [spec, ...kernelVariants(), loadModelSpec('nmnist-symstdp'), loadModelSpec('nmnist-triplet')];
  const out: string[] = [];
  out.push('| model | ops of its schedule | measured instructions/sample (scalar) | error, scalar build | error, SIMD build |');
  out.push('|---|---|---:|---:|---:|');
  for (const m of specs) {
    const errs: string[] = [];
    let measured = 0;
    let ops = '';
    for (const build of ['scalar', 'simd'] as const) {
      const rt = new Runtime(planModel(m, { budgetBytes: Number.MAX_SAFE_INTEGER }), build);
      ops = [...new Set(rt.plan.ops.map((o) => Object.entries(OP).find(([, c]) => c === o.code)![0]))].join(', ');
      const v = validateOnRuntime(rt, table.builds[build], emulatedDigits(m, 2, 7));
      if (build === 'scalar') measured = vectorTotal(v.measured) / 2;
      errs.push(`${v.relativeError >= 0 ? '+' : ''}${(100 * v.relativeError).toFixed(3)}%`);
    }
    out.push(`| ${m.name} | ${ops} | ${count(measured)} | ${errs[0]} | ${errs[1]} |`);
  }
  return out.join('\n');
}

function calibrationText(): string {
  const c = calibrate();
  const out = [`#### Calibration (kappa = ${c.kappa.toFixed(3)})\n`];
  for (const [id, p] of Object.entries(c.perDevice)) out.push(`- ${id} (${p.family}): ISA model ${p.isaCyclesPerMac.toFixed(3)} cycles/MAC (${isaCyclesPerMac(p.family).toFixed(3)}), measured KWS ${p.measuredKwsCyclesPerMac.toFixed(3)} cycles/MAC, ratio ${p.ratio.toFixed(3)}, ${p.pJPerCycle.toFixed(0)} pJ/cycle system`);
  out.push('');
  out.push(calibrationMarkdown(c));
  return out.join('\n');
}

const blocks: Record<string, string> = { instructions: instructionTables(), ops: opTable(), layers: layerTable(), validation: validationTable() };
for (const [name, text] of Object.entries(blocks)) console.log(`\n<!-- ${name} -->\n${text}`);
console.log(`\n${calibrationText()}`);

if (process.argv.includes('--write')) {
  const path = join('docs', 'firmware-sim.md');
  let doc = readFileSync(path, 'utf8');
  for (const [name, text] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- begin:${name} -->)[\\s\\S]*?(<!-- end:${name} -->)`);
    if (!re.test(doc)) throw new Error(`${path} has no <!-- begin:${name} --> ... <!-- end:${name} --> block`);
    doc = doc.replace(re, (_m, a: string, b: string) => `${a}\n${text}\n${b}`);
  }
  writeFileSync(path, doc);
  console.log(`\nwrote the ${Object.keys(blocks).join(', ')} blocks of ${path}`);
}
