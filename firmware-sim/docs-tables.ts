/**
 * Prints the Markdown tables of docs/firmware-sim.md from the current code and data:
 *   npm run build && node dist/firmware-sim/docs-tables.js
 * (the calibration table is also checked verbatim by test/firmware-sim/calibration.test.ts).
 */
import { join } from 'node:path';
import { loadModelSpec } from '../host/spec/models.js';
import { calibrate, calibrationMarkdown, isaCyclesPerMac } from './calibration.js';
import { CORE_FAMILIES, CORES, EXEC_MODES } from './cores.js';
import { coreCycles, estimateInstructions, groupTerms } from './cycles.js';
import { vectorTotal, WASM_CLASSES } from './instr/instrument.js';
import { runModel } from './profile.js';
import { loadInstructionTable } from './table.js';

const spec = loadModelSpec(join('firmware-sim', 'examples', 'nmnist-stdp-wta-mcu.json'));
const run = runModel(spec, { samples: 20 });
const w = run.result.workload;
const counts = (k: string) => ((w.infer.counters as Record<string, number>)[k] ?? 0) + ((w.learn.counters as Record<string, number>)[k] ?? 0) + ((w.readout.counters as Record<string, number>)[k] ?? 0);
const table = loadInstructionTable();

for (const build of ['scalar', 'simd'] as const) {
  const est = estimateInstructions(run.plan, w, table.builds[build]);
  const groups = [...groupTerms(est.terms, (t) => t.counter)].sort((a, b) => vectorTotal(b[1]) - vectorTotal(a[1]));
  console.log(`\n### Executed wasm instructions per counted op (${build} build, MCU example workload)\n`);
  const cls = WASM_CLASSES.filter((c) => groups.some(([, v]) => v[c] > 0));
  console.log(`| counter class | ops/sample | instr/op | ${cls.join(' | ')} |`);
  console.log(`|---|---:|---:|${cls.map(() => '---:').join('|')}|`);
  for (const [counter, v] of groups) {
    const ops = counts(counter);
    if (ops === 0) continue;
    console.log(`| ${counter} | ${(ops / w.samples).toFixed(0)} | ${(vectorTotal(v) / ops).toFixed(1)} | ${cls.map((c) => (v[c] / ops).toFixed(2)).join(' | ')} |`);
  }
  const fams = CORE_FAMILIES.filter((f) => CORES[f].build === build);
  for (const mode of EXEC_MODES) {
    console.log(`\n### Cycles per counted op, ${mode} (${build} build; before memory stalls)\n`);
    console.log(`| counter class | ${fams.join(' | ')} |`);
    console.log(`|---|${fams.map(() => '---:').join('|')}|`);
    for (const [counter, v] of groups) {
      const ops = counts(counter);
      if (ops === 0) continue;
      console.log(`| ${counter} | ${fams.map((f) => (coreCycles(v, f, mode) / ops).toFixed(1)).join(' | ')} |`);
    }
  }
}
console.log('\n### Per-class AOT cycle costs (cores.ts)\n');
console.log(`| class | ${CORE_FAMILIES.join(' | ')} |`);
console.log(`|---|${CORE_FAMILIES.map(() => '---:').join('|')}|`);
for (const c of WASM_CLASSES) console.log(`| ${c} | ${CORE_FAMILIES.map((f) => CORES[f].aot[c]).join(' | ')} |`);
console.log(`| bounds check per access | ${CORE_FAMILIES.map((f) => CORES[f].boundsCheck).join(' | ')} |`);
console.log(`| fast-interp dispatch | ${CORE_FAMILIES.map((f) => CORES[f].dispatch['interp-fast']).join(' | ')} |`);
console.log(`| classic-interp dispatch | ${CORE_FAMILIES.map((f) => CORES[f].dispatch['interp-classic']).join(' | ')} |`);
const c = calibrate();
console.log(`\n### Calibration (kappa = ${c.kappa.toFixed(3)})\n`);
for (const [id, p] of Object.entries(c.perDevice)) console.log(`- ${id} (${p.family}): ISA model ${p.isaCyclesPerMac.toFixed(3)} cycles/MAC (${isaCyclesPerMac(p.family).toFixed(3)}), measured KWS ${p.measuredKwsCyclesPerMac.toFixed(3)} cycles/MAC, ratio ${p.ratio.toFixed(3)}, ${p.pJPerCycle.toFixed(0)} pJ/cycle system`);
console.log('');
console.log(calibrationMarkdown(c));
