/**
 * Finding a model by name (a file in the package's models/ folder) or by path (any spec file).
 * Every command names its model this way (`--model NAME_OR_SPEC`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { ModelSpec } from './types.js';
import { parseSpecJson } from './validate.js';

function modelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'models')) || !existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new UsageError('cannot find the models/ folder of the neurite package');
    dir = up;
  }
  return join(dir, 'models');
}

/** Names of the bundled models. */
export function listModels(): string[] {
  return readdirSync(modelsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Loads and validates a bundled model by name, or a spec file by path. */
export function loadModelSpec(nameOrPath: string): ModelSpec {
  const bundled = join(modelsDir(), `${nameOrPath}.json`);
  const path = existsSync(bundled) && !nameOrPath.includes('/') ? bundled : nameOrPath;
  if (!existsSync(path)) {
    throw new UsageError(`no model "${nameOrPath}": not a bundled model (${listModels().join(', ')}) and no such file`);
  }
  return parseSpecJson(readFileSync(path, 'utf8'), path);
}

/**
 * The demo's model (`neurite demo`, `npm start`, the benchmarks): learns emulated 34x34 events on
 * a gateway-class machine (3.6 MiB arena).
 */
export const DEFAULT_NMNIST_MODEL = 'nmnist-stdp-wta';

/**
 * The default of `neurite learn` / `crossval` for N-MNIST-sized input: the best local-rule model of
 * docs/results.md that fits a 256 KB microcontroller (nRF52840). Its 10-fold accuracy on the real
 * N-MNIST samples (86.9% after five passes) is within noise of the best model overall (88.4%,
 * 1000 int8 neurons in 2.3 MiB; paired difference 1.5 +- 1.0 points), so the model that runs on
 * a microcontroller is the better default. It takes the 34x34 events pooled 2x2 (17x17), which
 * the CLI does (`sourceForModel`).
 */
export const DEFAULT_LEARN_MODEL = 'nmnist-stdp-wta-mcu8';
