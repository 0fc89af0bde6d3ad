/**
 * Prometheus text exposition (format 0.0.4) of the gateway's counters: one family per metric,
 * HELP and TYPE lines, label values escaped as the format requires.
 */

export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Appended to the family name (histograms: _bucket, _sum, _count). */
  suffix?: string;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: Sample[];
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Histogram samples (cumulative buckets, +Inf, _sum, _count) from per-bucket counts. */
export function histogramSamples(labels: Record<string, string>, bounds: readonly number[], perBucket: readonly number[], count: number, sum: number): Sample[] {
  const out: Sample[] = [];
  let acc = 0;
  bounds.forEach((b, i) => {
    acc += perBucket[i] ?? 0;
    out.push({ suffix: '_bucket', labels: { ...labels, le: String(b) }, value: acc });
  });
  out.push({ suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ suffix: '_sum', labels, value: sum });
  out.push({ suffix: '_count', labels, value: count });
  return out;
}

export function formatMetrics(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      lines.push(`${f.name}${s.suffix ?? ''}${labelText(s.labels)} ${num(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
