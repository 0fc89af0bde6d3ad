/**
 * The stored instruction table (firmware-sim/data/instruction-table.json, written by
 * instr/derive-cli.ts) and a freshness check against the built kernels.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../host/errors.js';
import { wasmPath, type KernelBuild } from '../host/runtime/kernels.js';
import type { InstructionTable } from './instr/derive.js';

function firmwareSimDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'firmware-sim', 'profiles')) && existsSync(join(dir, 'package.json'))) return join(dir, 'firmware-sim');
    const up = dirname(dir);
    if (up === dir) throw new UsageError('cannot find firmware-sim/ in the neurite package');
    dir = up;
  }
}

export function instructionTablePath(): string {
  return join(firmwareSimDir(), 'data', 'instruction-table.json');
}

export function dataPath(file: string): string {
  return join(firmwareSimDir(), 'data', file);
}

let cached: InstructionTable | null = null;

export function loadInstructionTable(): InstructionTable {
  if (!cached) {
    const p = instructionTablePath();
    if (!existsSync(p)) throw new UsageError(`instruction table missing: ${p} (run: npm run build && node dist/firmware-sim/instr/derive-cli.js)`);
    cached = JSON.parse(readFileSync(p, 'utf8')) as InstructionTable;
  }
  return cached;
}

/** null when the table was derived from the kernels now built, else a sentence saying it is stale. */
export function tableStaleness(table: InstructionTable, build: KernelBuild): string | null {
  const p = wasmPath(build);
  if (!existsSync(p)) return `${p} is not built`;
  const sha = createHash('sha256').update(readFileSync(p)).digest('hex');
  const t = table.builds[build];
  if (t.wasmSha256 === sha) return null;
  return `the instruction table was derived from another ${build} kernel build (${t.wasmSha256.slice(0, 12)}, now ${sha.slice(0, 12)}); ` +
    'regenerate it with `npm run build && node dist/firmware-sim/instr/derive-cli.js`';
}
