/**
 * Regenerates firmware-sim/data/instruction-table.json from the built kernels:
 *   npm run build && node dist/firmware-sim/instr/derive-cli.js
 * Prints a one-line summary per kernel fit (cases, worst residual).
 */
import { writeFileSync } from 'node:fs';
import { deriveInstructionTable } from './derive.js';
import { instructionTablePath } from '../table.js';
import { vectorTotal } from './instrument.js';

const table = deriveInstructionTable();
const path = instructionTablePath();
writeFileSync(path, JSON.stringify(table, null, 1) + '\n');
for (const b of Object.values(table.builds)) {
  console.log(`${b.build} build: ${b.wasmBytes} bytes, sha256 ${b.wasmSha256.slice(0, 12)}`);
  for (const [k, f] of Object.entries(b.kernels)) {
    const per = Object.entries(f.coef).map(([feat, v]) => `${feat} ${vectorTotal(v).toFixed(1)}`).join(', ');
    console.log(`  ${k.padEnd(26)} ${String(f.cases).padStart(3)} cases, worst residual ${(100 * f.maxRelResidual).toFixed(1)}%: ${per}`);
  }
}
console.log(`wrote ${path}`);
