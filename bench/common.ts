/**
 * Shared pieces of the benchmarks: timing harness, statistics, machine description, and the
 * worker-mode plumbing (a worker prints one JSON line when run with --json).
 *
 * Timing model: a measured function `run(steps)` performs `steps` network steps of one kernel and
 * returns the number of work units it did (synaptic ops, neuron updates, weight updates, ...).
 * The harness first grows `steps` until one call takes at least CHUNK_MS (this also serves as the
 * last part of the warm-up), then repeats calls until at least `minMs` of wall time has passed and
 * divides the total work by the total time. Only the timed calls are counted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Work units done per call; the argument is the number of steps to run. */
export type StepLoop = (steps: number) => number;

export interface Rate {
  /** Work units per second. */
  perSecond: number;
  /** Timed wall time, ms. */
  ms: number;
  /** Steps in the timed part. */
  steps: number;
}

const CHUNK_MS = 10;

/** Calls `run` repeatedly for at least `ms` of wall time (JIT warm-up; result discarded). */
export function warmUp(run: StepLoop, ms: number): void {
  const t0 = performance.now();
  let n = 1;
  while (performance.now() - t0 < ms) {
    run(n);
    if (n < 1 << 20) n *= 2;
  }
}

/** Throughput of `run` over at least `minMs` of timed calls. */
export function measureRate(run: StepLoop, minMs: number): Rate {
  let n = 1;
  for (;;) {
    const t = performance.now();
    run(n);
    if (performance.now() - t >= CHUNK_MS || n >= 1 << 24) break;
    n *= 2;
  }
  let work = 0;
  let steps = 0;
  const t0 = performance.now();
  let t1 = t0;
  do {
    work += run(n);
    steps += n;
    t1 = performance.now();
  } while (t1 - t0 < minMs);
  return { perSecond: work / ((t1 - t0) / 1000), ms: t1 - t0, steps };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  date: string;
  /** 1-minute load average when the info was taken (other work on the machine). */
  load1: number;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpu: (c[0]?.model ?? 'unknown').trim(),
    cores: c.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    load1: loadavg()[0],
  };
}

/** The neurite package root (the folder whose package.json is named "neurite"). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'neurite') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the neurite package root');
    dir = up;
  }
}

/** True when the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const arg = process.argv[1];
  return arg !== undefined && resolve(arg) === fileURLToPath(url);
}

/** Value of `--name VALUE` on the command line, or undefined. */
export function argValue(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k >= 0 && k + 1 < process.argv.length ? process.argv[k + 1] : undefined;
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(name);
}

/** Fixed-width number formatting with about three significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

/** Plain-text table with right-aligned columns (the first column left-aligned). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Markdown table. */
export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const align = header.map((_, c) => (c === 0 ? '---' : '---:'));
  const line = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  return [line(header), line(align), ...rows.map(line)].join('\n');
}
