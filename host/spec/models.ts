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

/** The default model for N-MNIST-sized input (34x34 events, 10 classes). */
export const DEFAULT_NMNIST_MODEL = 'nmnist-stdp-wta';
