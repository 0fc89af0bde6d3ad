/**
 * Minimal inline-SVG charts for the HTML report (no scripts, no external resources): horizontal
 * bars with an optional lower-upper range, stacked horizontal bars with a legend and an optional
 * capacity mark, and step plots of current over time on a logarithmic axis. Hover text uses SVG
 * <title> elements, which every browser shows as a tooltip.
 */

export const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948',
  '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#17becf', '#8c564b',
];

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n2 = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}" ${attrs}>${esc(s)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, title?: string, attrs = ''): string {
  const t = title ? `<title>${esc(title)}</title>` : '';
  return `<rect x="${n2(x)}" y="${n2(y)}" width="${n2(Math.max(0, w))}" height="${n2(h)}" fill="${fill}" ${attrs}>${t}</rect>`;
}

function svg(width: number, height: number, body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${width}" height="${n2(height)}" viewBox="0 0 ${width} ${n2(height)}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

export interface BarRow {
  readonly label: string;
  /** Solid bar (e.g. the lower estimate). */
  readonly value: number;
  /** Optional upper end, drawn lighter from `value` to `upper`. */
  readonly upper?: number;
  readonly color?: string;
  /** Text right of the bar (default: fmt(value) [- fmt(upper)]). */
  readonly note?: string;
  readonly title?: string;
}

export interface BarOptions {
  readonly title: string;
  readonly fmt: (x: number) => string;
  readonly width?: number;
  readonly labelWidth?: number;
  readonly max?: number;
}

/** Horizontal bars, one per row, on a common linear scale. */
export function barChart(rows: readonly BarRow[], o: BarOptions): string {
  const width = o.width ?? 760;
  const lw = o.labelWidth ?? 200;
  const nw = 250;
  const bw = width - lw - nw - 10;
  const bh = 16;
  const gap = 6;
  const top = 22;
  const max = o.max ?? Math.max(1e-300, ...rows.map((r) => Math.max(r.value, r.upper ?? 0)));
  let body = text(0, 14, o.title, 'class="ct"');
  rows.forEach((r, i) => {
    const y = top + i * (bh + gap);
    const c = r.color ?? PALETTE[0];
    const w1 = (Math.max(0, r.value) / max) * bw;
    const w2 = r.upper !== undefined ? (Math.max(0, r.upper) / max) * bw : w1;
    body += text(lw - 6, y + bh - 4, r.label, 'text-anchor="end"');
    if (w2 > w1) body += rect(lw + w1, y, w2 - w1, bh, c, r.title, 'fill-opacity="0.35"');
    body += rect(lw, y, w1, bh, c, r.title);
    const note = r.note ?? (r.upper !== undefined ? `${o.fmt(r.value)} - ${o.fmt(r.upper)}` : o.fmt(r.value));
    body += text(lw + Math.min(bw, Math.max(w1, w2)) + 6, y + bh - 4, note, 'class="cn"');
  });
  return svg(width, top + rows.length * (bh + gap) + 4, body, o.title);
}

export interface StackPart {
  readonly key: string;
  readonly value: number;
  readonly title?: string;
}

export interface StackRow {
  readonly label: string;
  readonly parts: readonly StackPart[];
  /** Draws a mark at this value (e.g. the device's SRAM) and scales to it when larger. */
  readonly capacity?: number;
  readonly note?: string;
}

export interface StackOptions {
  readonly title: string;
  readonly fmt: (x: number) => string;
  /** Legend order and colours; parts whose key is missing here get palette colours in order. */
  readonly keys?: readonly { readonly key: string; readonly label?: string; readonly color?: string; readonly pattern?: boolean }[];
  readonly width?: number;
  readonly labelWidth?: number;
  /** Every row scaled to 100% of its own total. */
  readonly normalize?: boolean;
  readonly max?: number;
}

/** Horizontal stacked bars with a legend. */
export function stackedChart(rows: readonly StackRow[], o: StackOptions): string {
  const width = o.width ?? 760;
  const lw = o.labelWidth ?? 200;
  const nw = 170;
  const bw = width - lw - nw - 10;
  const bh = 18;
  const gap = 8;
  const top = 22;
  const keyList: { key: string; label: string; color: string; pattern: boolean }[] = [];
  const keyOf = new Map<string, { key: string; label: string; color: string; pattern: boolean }>();
  for (const k of o.keys ?? []) {
    const e = { key: k.key, label: k.label ?? k.key, color: k.color ?? PALETTE[keyList.length % PALETTE.length], pattern: k.pattern ?? false };
    keyList.push(e);
    keyOf.set(k.key, e);
  }
  for (const r of rows) {
    for (const p of r.parts) {
      if (!keyOf.has(p.key)) {
        const e = { key: p.key, label: p.key, color: PALETTE[keyList.length % PALETTE.length], pattern: false };
        keyList.push(e);
        keyOf.set(p.key, e);
      }
    }
  }
  const total = (r: StackRow) => r.parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  const max = o.normalize ? 1 : o.max ?? Math.max(1e-300, ...rows.map((r) => Math.max(total(r), r.capacity ?? 0)));
  let body = text(0, 14, o.title, 'class="ct"');
  body += '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-opacity="0.35" stroke-width="2"/></pattern></defs>';
  rows.forEach((r, i) => {
    const y = top + i * (bh + gap);
    const tot = total(r);
    const scale = o.normalize ? (tot > 0 ? 1 / tot : 0) : 1;
    body += text(lw - 6, y + bh - 4, r.label, 'text-anchor="end"');
    let x = lw;
    for (const p of r.parts) {
      if (!(p.value > 0)) continue;
      const k = keyOf.get(p.key)!;
      const w = ((p.value * scale) / max) * bw;
      const title = p.title ?? `${k.label}: ${o.fmt(p.value)}${tot > 0 ? ` (${((100 * p.value) / tot).toFixed(1)}%)` : ''}`;
      body += rect(x, y, w, bh, k.color, title);
      if (k.pattern) body += rect(x, y, w, bh, 'url(#hatch)', title);
      x += w;
    }
    let end = x;
    if (r.capacity !== undefined && !o.normalize) {
      const cx = lw + (r.capacity / max) * bw;
      body += `<line x1="${n2(cx)}" y1="${n2(y - 3)}" x2="${n2(cx)}" y2="${n2(y + bh + 3)}" stroke="#000" stroke-width="2"><title>${esc(`capacity ${o.fmt(r.capacity)}`)}</title></line>`;
      end = Math.max(end, cx + 2);
    }
    body += text(Math.min(lw + bw, end) + 6, y + bh - 4, r.note ?? o.fmt(tot), 'class="cn"');
  });
  // Legend.
  let ly = top + rows.length * (bh + gap) + 6;
  let lx = 0;
  const used = keyList.filter((k) => rows.some((r) => r.parts.some((p) => p.key === k.key && p.value > 0)));
  for (const k of used) {
    const w = 18 + k.label.length * 6.6;
    if (lx + w > width) { lx = 0; ly += 18; }
    body += rect(lx, ly, 12, 12, k.color);
    if (k.pattern) body += rect(lx, ly, 12, 12, 'url(#hatch)');
    body += text(lx + 16, ly + 10, k.label, 'class="cl"');
    lx += w + 10;
  }
  return svg(width, ly + 18, body, o.title);
}

export interface CurrentSeries {
  readonly name: string;
  readonly color?: string;
  readonly periodS: number;
  readonly segments: readonly { readonly t0: number; readonly t1: number; readonly currentA: number; readonly label: string }[];
}

const fmtA = (a: number): string => (a >= 1 ? `${+a.toPrecision(3)} A` : a >= 1e-3 ? `${+(a * 1e3).toPrecision(3)} mA` : a >= 1e-6 ? `${+(a * 1e6).toPrecision(3)} µA` : `${+(a * 1e9).toPrecision(3)} nA`);
const fmtT = (s: number, span: number): string => (span >= 2 ? `${+s.toPrecision(4)} s` : span >= 2e-3 ? `${+(s * 1e3).toPrecision(4)} ms` : `${+(s * 1e6).toPrecision(4)} µs`);

/** Step plot of periodic current profiles over [from, to] s, logarithmic current axis. */
/** Colours of the phases of a period, shaded behind a single-device chart. */
export const PHASE_COLORS: Readonly<Record<string, string>> = {
  'prediction pass': '#4e79a7', readout: '#edc948', 'plasticity pass': '#e15759',
};

export function currentChart(series: readonly CurrentSeries[], o: { title: string; from: number; to: number; width?: number; height?: number; shadePhases?: boolean }): string {
  const width = o.width ?? 760;
  const height = o.height ?? 240;
  const ml = 64;
  const mr = 28;
  const mt = 24;
  const mb = 40 + 16 * Math.ceil((series.length + (o.shadePhases ? 3 : 0)) / 3);
  const pw = width - ml - mr;
  const ph = height - mt - mb;
  const all = series.flatMap((s) => s.segments.map((g) => g.currentA)).filter((a) => a > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(1e-12, Math.min(...all) / 1.5)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all) * 1.5));
  const span = o.to - o.from;
  const X = (t: number) => ml + ((t - o.from) / span) * pw;
  const Y = (a: number) => mt + ph - ((Math.log10(Math.max(a, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph;
  let body = text(0, 14, o.title, 'class="ct"');
  // Grid: decades.
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const y = Y(10 ** e);
    body += `<line x1="${ml}" y1="${n2(y)}" x2="${width - mr}" y2="${n2(y)}" stroke="#ddd"/>`;
    body += text(ml - 4, y + 4, fmtA(10 ** e), 'text-anchor="end" class="cl"');
  }
  const step = niceStep(span / 6);
  for (let t = Math.ceil(o.from / step) * step; t <= o.to + step * 1e-9; t += step) {
    const x = X(t);
    body += `<line x1="${n2(x)}" y1="${mt}" x2="${n2(x)}" y2="${mt + ph}" stroke="#eee"/>`;
    body += text(x, mt + ph + 14, fmtT(t, span), 'text-anchor="middle" class="cl"');
  }
  body += `<rect x="${ml}" y="${mt}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`;
  const shaded = new Set<string>();
  if (o.shadePhases && series.length > 0) {
    const s0 = series[0];
    for (let k = Math.floor(o.from / s0.periodS); k * s0.periodS < o.to; k++) {
      for (const g of s0.segments) {
        const c = PHASE_COLORS[g.label];
        if (!c) continue;
        const a = Math.max(o.from, k * s0.periodS + g.t0);
        const b = Math.min(o.to, k * s0.periodS + g.t1);
        if (b <= a) continue;
        body += `<rect x="${n2(X(a))}" y="${mt}" width="${n2(Math.max(0.5, X(b) - X(a)))}" height="${ph}" fill="${c}" fill-opacity="0.15"/>`;
        shaded.add(g.label);
      }
    }
  }
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length];
    const pts: string[] = [];
    let tips = '';
    const k0 = Math.floor(o.from / s.periodS);
    for (let k = k0; k * s.periodS < o.to; k++) {
      for (const g of s.segments) {
        const a = Math.max(o.from, k * s.periodS + g.t0);
        const b = Math.min(o.to, k * s.periodS + g.t1);
        if (b <= a) continue;
        pts.push(`${n2(X(a))},${n2(Y(g.currentA))}`, `${n2(X(b))},${n2(Y(g.currentA))}`);
        if (X(b) - X(a) > 2 && tips.length < 20_000) {
          tips += `<rect x="${n2(X(a))}" y="${mt}" width="${n2(X(b) - X(a))}" height="${ph}" fill="transparent"><title>${esc(`${s.name}: ${g.label}, ${fmtA(g.currentA)}, ${fmtT(b - a, b - a)}`)}</title></rect>`;
        }
      }
    }
    body += tips;
    body += `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts.join(' ')}"/>`;
  });
  // Legend: the series, then the shaded phases.
  const entries: { label: string; color: string; band: boolean }[] = [
    ...series.map((s, si) => ({ label: s.name, color: s.color ?? PALETTE[si % PALETTE.length], band: false })),
    ...[...shaded].map((p) => ({ label: p, color: PHASE_COLORS[p], band: true })),
  ];
  entries.forEach((e, i) => {
    const lx = (i % 3) * (width / 3);
    const ly = mt + ph + 34 + Math.floor(i / 3) * 16;
    body += e.band ? rect(lx, ly - 12, 12, 10, e.color, undefined, 'fill-opacity="0.3"') : rect(lx, ly - 9, 12, 3, e.color);
    body += text(lx + 16, ly - 3, e.label, 'class="cl"');
  });
  return svg(width, height, body, o.title);
}

function niceStep(x: number): number {
  const e = Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * 10 ** e >= x) return m * 10 ** e;
  return 10 ** (e + 1);
}
