/** Text formatting for the terminal: byte sizes, rates, tables, a progress bar. */
import type { Plan, RegionKind } from '../plan/plan.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

export function formatRate(n: number, unit: string): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G${unit}`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M${unit}`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k${unit}`;
  return `${n.toFixed(0)} ${unit}`;
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** A left-aligned first column and right-aligned others. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

const KIND_LABEL: Record<RegionKind, string> = {
  params: 'parameter blocks',
  neuronState: 'neuron state',
  weights: 'weights',
  traces: 'traces',
  input: 'input buffer',
  spikes: 'spike lists & scratch',
  features: 'readout features',
  readout: 'readout weights',
  counters: 'counters',
  prng: 'PRNG state',
  clock: 'step clock',
  program: 'step schedule',
};

export function arenaTable(plan: Plan): string {
  const rows: string[][] = [['region', 'bytes', '']];
  for (const [kind, bytes] of Object.entries(plan.bytesByKind) as [RegionKind, number][]) {
    if (bytes > 0) rows.push([KIND_LABEL[kind], String(bytes), formatBytes(bytes)]);
  }
  rows.push(['total arena', String(plan.arenaBytes), formatBytes(plan.arenaBytes)]);
  return table(rows);
}

/** A progress bar on stderr, drawn only when stderr is a terminal. */
export class ProgressBar {
  private last = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly enabled = true) {}

  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const fill = Math.round((width * done) / Math.max(total, 1));
    const line = `${label.padEnd(8)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total}`;
    if (this.tty) {
      process.stderr.write(`\r${line}`);
      if (done >= total) process.stderr.write('\n');
    } else if (done >= total) {
      process.stderr.write(`${line}\n`);
    }
  }
}
