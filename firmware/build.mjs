#!/usr/bin/env node
// Builds and runs WASI firmware images from the compiled host, with the same commands as the
// `neurite` CLI (host/cli/firmware-image-commands.ts):
//
//   node firmware/build.mjs build-firmware --model nmnist-stdp-wta --out model.wasm
//   node firmware/build.mjs run-firmware model.wasm --input DIR --checkpoint-dir ckpt --verify
//
// Needs the compiled host (`npm run build`): it imports dist/.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/host/cli/firmware-image-commands.js', import.meta.url);
if (!existsSync(dist)) {
  console.error('firmware/build.mjs: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { buildFirmware, runFirmware } = await import(dist.href);
const { parseArgs, flagHelp } = await import(new URL('../dist/host/cli/args.js', import.meta.url).href);
const { NeuriteError, UsageError } = await import(new URL('../dist/host/errors.js', import.meta.url).href);

const commands = { 'build-firmware': buildFirmware, 'run-firmware': runFirmware };
const [name, ...rest] = process.argv.slice(2);
const cmd = commands[name];
if (!cmd || rest.includes('--help') || rest.includes('-h')) {
  const shown = cmd ? [[name, cmd]] : Object.entries(commands);
  for (const [n, c] of shown) console.log(`usage: ${c.usage.replace(/^neurite /, 'node firmware/build.mjs ')}\n\n${c.summary}\n\noptions:\n${flagHelp(c.flags)}\n`);
  process.exit(cmd ? 0 : 2);
}
try {
  const { values, positional } = parseArgs(name, rest, cmd.flags);
  if (name === 'build-firmware' && positional.length > 0) throw new UsageError(`${name}: unexpected argument "${positional[0]}"`);
  process.exit(await cmd.run(values, positional, (line) => process.stdout.write(line + '\n')));
} catch (e) {
  if (e instanceof NeuriteError) {
    process.stderr.write(`${name}: ${e.message}\n`);
    process.exit(e instanceof UsageError ? 2 : 1);
  }
  throw e;
}
