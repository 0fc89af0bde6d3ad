/** Shared fixtures of the firmware-sim tests. */
import { join } from 'node:path';
import { loadModelSpec } from '../../host/spec/models.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { repoRoot } from '../helpers/shared.js';

export const MCU_MODEL_PATH = join(repoRoot, 'firmware-sim', 'examples', 'nmnist-stdp-wta-mcu.json');

export function mcuModel(): ModelSpec {
  return loadModelSpec(MCU_MODEL_PATH);
}

export async function runCommand(cmd: { flags: Record<string, import('../../host/cli/args.js').FlagSpec>; run: (v: Record<string, string | number | boolean | undefined>, p: string[], out: (l: string) => void) => Promise<number> }, name: string, args: string[]): Promise<{ code: number; out: string }> {
  const { parseArgs } = await import('../../host/cli/args.js');
  const { values, positional } = parseArgs(name, args, cmd.flags);
  const lines: string[] = [];
  const code = await cmd.run(values, positional, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}


export { kernelVariants } from '../../firmware-sim/variants.js';
