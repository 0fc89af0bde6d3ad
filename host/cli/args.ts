/** A small, strict argument parser: known flags only, typed values, clear errors. */
import { UsageError } from '../errors.js';

export interface FlagSpec {
  readonly type: 'string' | 'int' | 'number' | 'boolean';
  readonly help: string;
  readonly placeholder?: string;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

export function parseArgs(command: string, argv: readonly string[], flags: Readonly<Record<string, FlagSpec>>): { values: FlagValues; positional: string[] } {
  const values: FlagValues = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let negated = false;
    if (!(name in flags) && name.startsWith('no-') && flags[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const spec = flags[name];
    if (!spec) {
      throw new UsageError(`${command}: unknown option --${name} (options: ${Object.keys(flags).map((f) => `--${f}`).join(', ')})`);
    }
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      values[name] = !negated;
      continue;
    }
    const raw = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`${command}: --${name} needs a value (${spec.placeholder ?? spec.type})`);
    if (spec.type === 'string') values[name] = raw;
    else {
      const v = Number(raw);
      if (!Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) {
        throw new UsageError(`${command}: --${name} must be ${spec.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      }
      values[name] = v;
    }
  }
  return { values, positional };
}

export function flagHelp(flags: Readonly<Record<string, FlagSpec>>): string {
  return Object.entries(flags)
    .map(([name, f]) => `  --${name}${f.type === 'boolean' ? '' : ` ${f.placeholder ?? f.type.toUpperCase()}`}`.padEnd(34) + f.help)
    .join('\n');
}

export function required<T extends string | number>(command: string, values: FlagValues, name: string): T {
  const v = values[name];
  if (v === undefined) throw new UsageError(`${command}: --${name} is required`);
  return v as T;
}
