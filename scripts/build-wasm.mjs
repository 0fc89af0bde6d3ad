#!/usr/bin/env node
// Builds the kernels: release (SIMD) and release-scalar always, debug with --debug. Skips a
// target whose output is newer than every source under assembly/ (keeps `npm test` fast).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const targets = [
  ['release', 'build/neurite.simd.wasm'],
  ['release-scalar', 'build/neurite.scalar.wasm'],
];
if (process.argv.includes('--debug')) targets.push(['debug', 'build/neurite.debug.wasm']);

function newestSource(dir) {
  let t = statSync(join(root, 'asconfig.json')).mtimeMs;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}
const srcTime = newestSource(join(root, 'assembly'));
const asc = join(root, 'node_modules', '.bin', 'asc');
for (const [target, out] of targets) {
  const outPath = join(root, out);
  if (existsSync(outPath) && statSync(outPath).mtimeMs > srcTime && !process.argv.includes('--force')) continue;
  const r = spawnSync(asc, ['--config', 'asconfig.json', '--target', target], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`asc failed for target ${target}`);
    process.exit(r.status ?? 1);
  }
  console.log(`built ${out} (${statSync(outPath).size} bytes)`);
}
