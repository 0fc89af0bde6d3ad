/**
 * The continual-learning figures and their HTML page (`reports/continual.html`, written by
 * `npm run experiments`, not committed): accuracy over the stream (class-/domain-incremental
 * training streams and the concept-shift streams), every R matrix as a heat map, and histograms
 * of the feature layer's weights, its adaptive thresholds and the per-neuron modes after the last
 * task. Images are PNG (host/events/frame.ts); numbers, axes and captions are HTML text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ContinualReport } from '../experiments/run.js';
import { barChart, heatMap, lineChart, PALETTE, type Rgb } from './canvas.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const swatch = (c: Rgb) => `<span style="display:inline-block;width:12px;height:12px;background:rgb(${c.join(',')})"></span>`;

export interface WrittenReport {
  html: string;
  images: string[];
}

/** Writes the PNGs into `<dir of html>/continual/` and the page at `htmlFile`. */
export function writeContinualReport(c: ContinualReport, htmlFile: string): WrittenReport {
  const imgDir = join(dirname(htmlFile), 'continual');
  mkdirSync(imgDir, { recursive: true });
  const images: string[] = [];
  const save = (name: string, png: Uint8Array) => {
    const f = join(imgDir, `${name}.png`);
    writeFileSync(f, png);
    images.push(f);
    return relative(dirname(htmlFile), f).split('\\').join('/');
  };
  const h: string[] = [];
  h.push('<!doctype html><html><head><meta charset="utf-8"><title>neurite: continual learning</title>');
  h.push('<style>body{font:14px system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}img{border:1px solid #ddd;margin:4px 0}figure{margin:1em 0}</style></head><body>');
  h.push('<h1>Continual learning</h1>');
  h.push(`<p>${c.trainSamples} real N-MNIST training samples (folds 3-10), ${c.testSamples} test samples (folds 1-2). Regenerate: <code>npm run experiments -- --only continual</code>.</p>`);

  const scenarios = [...new Set(c.results.map((r) => r.scenario))];
  for (const s of scenarios) {
    const rs = c.results.filter((r) => r.scenario === s);
    h.push(`<h2>${esc(s)}</h2>`);
    const xMax = rs[0].stream.length;
    const src = save(`${slug(s)}-stream`, lineChart(rs.map((r, k) => ({ y: r.stream.points, colour: PALETTE[k % PALETTE.length] })), { xMax, marks: rs[0].stream.taskStarts.slice(1) }).png());
    h.push(`<figure><img src="${src}" alt="prequential accuracy over the ${esc(s)} training stream"><figcaption>Prequential accuracy (trailing ${rs[0].stream.window} samples) over the training stream, 0 to ${xMax} samples; y from 0 to 1, grid every 0.1; grey lines: task starts. ` +
      rs.map((r, k) => `${swatch(PALETTE[k % PALETTE.length])} ${esc(r.learner)}`).join(' &nbsp; ') + '</figcaption></figure>');
    for (const r of rs) {
      h.push(`<h3>${esc(s)} / ${esc(r.learner)}</h3>`);
      const hm = save(`${slug(s)}-${slug(r.learner)}-R`, heatMap(r.R).png());
      h.push(`<figure><img src="${hm}" alt="accuracy matrix R"><figcaption>R[i][j] (row i: after task i; column j: task j), colour 0 (dark) to 1 (yellow).</figcaption></figure>`);
      h.push('<table><tr><th>after \\ on</th>' + r.tasks.map((t) => `<th>${esc(t)}</th>`).join('') + '</tr>' +
        r.R.map((row, i) => `<tr><th>${esc(r.tasks[i])}</th>${row.map((x) => `<td>${pct(x)}</td>`).join('')}</tr>`).join('') + '</table>');
      h.push(`<p>GEM ACC ${pct(r.gem.acc)}, BWT ${pct(r.gem.bwt)}, FWT ${pct(r.gem.fwt)}; Continuum A ${pct(r.continuum.accuracyA)}, forgetting ${pct(r.continuum.forgetting)}` +
        (r.joint ? `; joint ${pct(r.joint.mean)}` : '') + '</p>');
      for (const [name, hist] of Object.entries(r.histograms)) {
        const img = save(`${slug(s)}-${slug(r.learner)}-${slug(name)}`, barChart(hist.counts, PALETTE[0]).png());
        h.push(`<figure><img src="${img}" alt="histogram of ${esc(name)}"><figcaption>${esc(name)} after the last task: ${hist.counts.length} bins from ${hist.min.toPrecision(3)} to ${hist.max.toPrecision(3)} (${hist.counts.reduce((a, x) => a + x, 0)} values).</figcaption></figure>`);
      }
    }
  }

  h.push('<h2>Concept shift</h2>');
  for (const cs of c.conceptShift) {
    for (const row of cs.rows) {
      const colours: Rgb[] = [PALETTE[0], PALETTE[1]];
      const marks = Array.from({ length: row.shifts }, (_, k) => (k + 1) * row.shiftEvery);
      const img = save(`concept-${slug(cs.data)}-${row.shiftEvery}`, lineChart([{ y: row.fixed.curve, colour: colours[0] }, { y: row.homeostatic.curve, colour: colours[1] }], { xMax: row.streamLength, marks }).png());
      const rec = row.recovery.learners;
      h.push(`<figure><img src="${img}" alt="concept shift every ${row.shiftEvery} samples, ${esc(cs.data)}"><figcaption>${esc(cs.data)}, labels permuted every ${row.shiftEvery} samples (grey lines), ${row.streamLength} samples; ` +
        `prequential accuracy over the trailing ${cs.window} samples, y from 0 to 1. ${swatch(colours[0])} fixed rate ${row.fixed.rate} (median recovery ${rec[0].median ?? 'not reached'}), ` +
        `${swatch(colours[1])} homeostatic, eta0 ${row.homeostatic.eta0} (median recovery ${rec[1].median ?? 'not reached'}).</figcaption></figure>`);
    }
  }
  h.push('</body></html>');
  writeFileSync(htmlFile, h.join('\n') + '\n');
  return { html: htmlFile, images };
}

