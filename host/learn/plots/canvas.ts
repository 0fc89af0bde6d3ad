/**
 * A small RGB raster for the experiment plots (line charts, heat maps, bar charts), written as PNG
 * by the project's PNG writer (host/events/frame.ts encodePng). No text: titles, axes and values
 * go into the HTML around each image, where they stay searchable and exact.
 */
import { encodePng } from '../../events/frame.js';

export type Rgb = readonly [number, number, number];

export const PALETTE: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127],
];
export const GRID: Rgb = [225, 225, 225];
export const AXIS: Rgb = [90, 90, 90];

export class Canvas {
  readonly px: Uint8Array;

  constructor(readonly width: number, readonly height: number, bg: Rgb = [255, 255, 255]) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width * height <= 1 << 24)) {
      throw new RangeError(`canvas size ${width}x${height} must be positive integers, at most 2^24 pixels`);
    }
    this.px = new Uint8Array(width * height * 3);
    this.rect(0, 0, width, height, bg);
  }

  set(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 3;
    this.px[o] = c[0];
    this.px[o + 1] = c[1];
    this.px[o + 2] = c[2];
  }

  rect(x0: number, y0: number, w: number, h: number, c: Rgb): void {
    const xa = Math.max(0, Math.round(x0));
    const ya = Math.max(0, Math.round(y0));
    const xb = Math.min(this.width, Math.round(x0 + w));
    const yb = Math.min(this.height, Math.round(y0 + h));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.set(x, y, c);
  }

  /** A line `thick` pixels wide (Bresenham, square pen). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thick = 1): void {
    x0 = Math.round(x0);
    y0 = Math.round(y0);
    x1 = Math.round(x1);
    y1 = Math.round(y1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const r = Math.floor((thick - 1) / 2);
    for (;;) {
      this.rect(x0 - r, y0 - r, thick, thick, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  png(): Uint8Array {
    return encodePng(this.width, this.height, this.px);
  }
}

/** Perceptually ordered colour for v in [0, 1] (a five-stop viridis-like ramp). */
export function ramp(v: number): Rgb {
  const stops: Rgb[] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const t = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

export interface Series {
  /** y values in [yMin, yMax], evenly spaced over the x range. */
  y: readonly number[];
  colour: Rgb;
}

/**
 * A line chart: series over a common x range [0, xMax], y in [0, 1] by default, horizontal grid
 * lines every 0.1 (or 10 lines), vertical markers at `marks` (x positions, e.g. shifts, task starts).
 */
export function lineChart(series: readonly Series[], o: { xMax: number; marks?: readonly number[]; yMin?: number; yMax?: number; width?: number; height?: number }): Canvas {
  const W = o.width ?? 720;
  const H = o.height ?? 240;
  const m = 8;
  const c = new Canvas(W, H);
  const y0 = o.yMin ?? 0;
  const y1 = o.yMax ?? 1;
  const X = (x: number) => m + (x / Math.max(o.xMax, 1)) * (W - 2 * m);
  const Y = (v: number) => H - m - ((v - y0) / (y1 - y0 || 1)) * (H - 2 * m);
  for (let k = 0; k <= 10; k++) c.line(m, Y(y0 + ((y1 - y0) * k) / 10), W - m, Y(y0 + ((y1 - y0) * k) / 10), GRID);
  for (const x of o.marks ?? []) c.line(X(x), m, X(x), H - m, [170, 170, 170]);
  c.line(m, H - m, W - m, H - m, AXIS);
  c.line(m, m, m, H - m, AXIS);
  for (const s of series) {
    const n = s.y.length;
    for (let i = 1; i < n; i++) c.line(X((i * o.xMax) / n), Y(s.y[i - 1]), X(((i + 1) * o.xMax) / n), Y(s.y[i]), s.colour, 2);
  }
  return c;
}

/** A heat map of a rows x cols matrix with values in [0, 1], square cells. */
export function heatMap(M: readonly (readonly number[])[], cell = 40): Canvas {
  const rows = M.length;
  const cols = rows ? M[0].length : 0;
  const c = new Canvas(Math.max(1, cols * cell + 1), Math.max(1, rows * cell + 1));
  M.forEach((row, i) => row.forEach((v, j) => c.rect(j * cell + 1, i * cell + 1, cell - 1, cell - 1, ramp(v))));
  return c;
}

/** A bar chart of histogram counts (bar heights relative to the largest). */
export function barChart(counts: readonly number[], colour: Rgb, o: { width?: number; height?: number } = {}): Canvas {
  const W = o.width ?? 320;
  const H = o.height ?? 120;
  const c = new Canvas(W, H);
  const max = Math.max(1, ...counts);
  const bw = (W - 2) / Math.max(counts.length, 1);
  counts.forEach((n, i) => {
    const h = (n / max) * (H - 4);
    c.rect(1 + i * bw, H - 1 - h, Math.max(1, bw - 1), h, colour);
  });
  c.line(0, H - 1, W - 1, H - 1, AXIS);
  return c;
}
