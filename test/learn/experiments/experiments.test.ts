/**
 * The experiments pipeline (`npm run experiments -- --quick`) in CI time: two folds of the
 * committed 10-fold assignment of the real N-MNIST samples, 300 training samples, two passes, the
 * three MCU-sized model families and the baselines; Fashion-MNIST events when the Debian package
 * is installed (the test never installs it). Checks the tables' shape and loose lower bounds
 * (spiking models far above the 10% of chance), not the headline numbers of docs/results.md.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLabelsTsv } from '../../../host/learn/datasets/sample-folder.js';
import { fitReport } from '../../../host/learn/experiments/fit.js';
import { formatFoldsTsv, makeFolds, NMNIST_FOLDS_K, NMNIST_FOLDS_SEED, readFoldsTsv } from '../../../host/learn/experiments/folds.js';
import { applyCandidate, loadExperimentSpec, MODELS } from '../../../host/learn/experiments/models.js';
import { BEGIN_MARK, END_MARK, headline, markdownSection, writeSection } from '../../../host/learn/experiments/report.js';
import { runExperiments, type ExperimentReport } from '../../../host/learn/experiments/run.js';
import { LEARNERS } from '../../../host/learn/scenarios/index.js';
import { writeContinualReport } from '../../../host/learn/plots/continual.js';
import { checkPng } from '../continual/png.js';
import { repoRoot, sharedPath } from '../../helpers/shared.js';

const data = sharedPath('fixtures/nmnist-small/train');
const foldsFile = join(repoRoot, 'experiments', 'nmnist-small-folds.tsv');

describe.skipIf(!data)('experiments (quick)', () => {
  let rep: ExperimentReport;
  beforeAll(() => {
    rep = runExperiments({
      quick: true,
      nmnistDir: data!,
      nmnistLabels: join(data!, 'labels.tsv'),
      foldsFile,
      installFashion: false,
      log: () => {},
    });
  }, 170_000);

  it('the committed fold assignment is the seeded stratified one, 100 samples per fold', () => {
    const rows = readLabelsTsv(join(data!, 'labels.tsv'));
    const committed = readFileSync(foldsFile, 'utf8');
    expect(committed).toBe(formatFoldsTsv(rows, makeFolds(rows, NMNIST_FOLDS_K, NMNIST_FOLDS_SEED)));
    const { fold, k } = readFoldsTsv(foldsFile, rows);
    expect(k).toBe(10);
    for (let f = 0; f < k; f++) {
      const inFold = rows.filter((_, i) => fold[i] === f);
      expect(inFold.length).toBe(100);
      // Stratified: every class within one sample of its share.
      for (let c = 0; c < 10; c++) {
        const share = rows.filter((r) => r.label === c).length / k;
        expect(Math.abs(inFold.filter((r) => r.label === c).length - share)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('N-MNIST table: every MCU model family x passes, the online readout and the offline baselines', () => {
    const rows = rep.nmnist.rows;
    expect(rep.nmnist.folds).toEqual([0, 1]);
    expect(rep.nmnist.passes).toEqual([1, 2]);
    const mcu = MODELS.filter((m) => m.mcu);
    expect(new Set(mcu.map((m) => m.family)).size).toBe(4);
    for (const m of mcu) {
      const mine = rows.filter((r) => r.id === m.id && r.kind === 'spiking');
      expect(mine.map((r) => r.training)).toEqual(m.labelPass ? ['1 pass', '2 passes', '1 pass + label pass'] : ['1 pass', '2 passes']);
      for (const r of mine) {
        expect(r.accuracy.perFold).toHaveLength(2);
        expect(r.fit?.fits).toBe(true);
        expect(r.fit!.sramBytes).toBeLessThanOrEqual(256 * 1024);
        // Chance is 10%: a wide margin, far below the headline numbers (reward-only learning is
        // the slowest on 300 samples).
        expect(r.accuracy.mean, `${r.id} ${r.training}`).toBeGreaterThan(m.family === 'r-stdp' ? 0.3 : 0.5);
      }
    }
    expect(rows.filter((r) => r.kind === 'readout').map((r) => r.id)).toContain('readout-raw-34x34');
    const offline = rows.filter((r) => r.kind === 'offline');
    expect(offline.map((r) => r.id)).toEqual(['logreg', 'mlp16']);
    for (const r of offline) expect(r.accuracy.mean).toBeGreaterThan(0.4);
    for (const r of rows) {
      expect(r.accuracy.min).toBeLessThanOrEqual(r.accuracy.mean);
      expect(r.accuracy.max).toBeGreaterThanOrEqual(r.accuracy.mean);
    }
  });

  it('nested selection: each tuned model chose per outer fold among candidates scored on its training split', () => {
    const tuned = MODELS.filter((m) => m.mcu && (m.tune?.length ?? 0) > 1);
    expect(tuned.length).toBeGreaterThan(0);
    for (const m of tuned) {
      const t = rep.nmnist.tuning[m.id];
      expect(t.candidates).toEqual(m.tune!.slice(0, 2).map((c) => c.id));
      expect(t.chosen).toHaveLength(2);
      for (const c of t.chosen) expect(t.candidates).toContain(c);
    }
  });

  it('Fashion-MNIST events: learned the same way when the package is installed', () => {
    if (rep.fashion.status === 'skipped') {
      console.warn(`[experiments test] Fashion-MNIST skipped: ${rep.fashion.reason}`);
      expect(rep.fashion.reason.length).toBeGreaterThan(0);
      return;
    }
    expect(rep.fashion.trainSamples).toBe(500);
    expect(rep.fashion.testSamples).toBe(300);
    const spiking = rep.fashion.rows.filter((r) => r.kind === 'spiking');
    expect(spiking.length).toBe(9);
    for (const r of spiking) expect(r.accuracy.mean, `${r.id} ${r.training}`).toBeGreaterThan(0.4);
    expect(rep.fashion.rows.some((r) => r.id === 'logreg')).toBe(true);
  });

  it('continual learning: R matrices, GEM/Continuum/lifelong metrics, tuned rates, a learner near joint training', () => {
    const c = rep.continual!;
    expect(c.trainSamples).toBe(300);
    expect(c.testSamples).toBe(100);
    const ids = LEARNERS.map((l) => l.id);
    expect(c.results.map((r) => `${r.scenario}/${r.learner}`)).toEqual([...ids.map((i) => `class-incremental/${i}`), ...ids.map((i) => `domain-incremental/${i}`)]);
    for (const r of c.results) {
      const T = r.tasks.length;
      expect(T).toBe(r.scenario === 'class-incremental' ? 5 : 4);
      expect(r.R).toHaveLength(T);
      for (const row of r.R) {
        expect(row).toHaveLength(T);
        for (const x of row) expect(x >= 0 && x <= 1).toBe(true);
      }
      // ACC is the mean of the last row.
      expect(r.gem.acc).toBeCloseTo(r.R[T - 1].reduce((a, x) => a + x, 0) / T, 12);
      expect(r.lifelong!.pmPerTask).toHaveLength(T - 1);
      expect(r.lifelong!.rpPerTask).toHaveLength(T);
      expect(r.stream.length).toBeGreaterThan(200);
      expect(Object.keys(r.histograms).length).toBeGreaterThanOrEqual(1);
      if (r.scenario === 'class-incremental') {
        // Classes never seen cannot be predicted by a centroid readout.
        if (r.learner.includes('ncm') || r.learner.includes('hopfield')) for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) expect(r.R[i][j]).toBe(0);
        expect(r.joint!.mean).toBeGreaterThan(0.4);
      }
    }
    // Tuned learners chose from the (quick) grid on the validation split.
    for (const t of c.tuning) {
      expect(t.grid.map((g) => g.rate)).toEqual(c.rateGrid);
      expect(c.rateGrid).toContain(t.chosen);
    }
    // Loose: some learner keeps class-incremental ACC within 15 points of its joint training.
    expect(c.results.some((r) => r.scenario === 'class-incremental' && r.gem.acc > r.joint!.mean - 0.15 && r.gem.acc > 0.4)).toBe(true);
  });

  it('concept shift: both data sets, each shift rate, recovery measured after every shift', () => {
    const cs = rep.continual!.conceptShift;
    expect(cs.map((x) => x.data)).toEqual(['emulated MNIST digits', 'real N-MNIST']);
    for (const x of cs) {
      expect(x.rows.map((r) => r.shiftEvery)).toEqual([200, 500]);
      for (const r of x.rows) {
        expect(r.shifts).toBe(4);
        for (const l of r.recovery.learners) expect(l.times).toHaveLength(r.shifts);
        expect(r.recovery.secondFaster + r.recovery.ties + r.recovery.firstFaster).toBe(r.shifts);
        // Far above the 10% of chance over a stream whose labels keep changing.
        expect(r.fixed.prequential).toBeGreaterThan(0.3);
        expect(r.homeostatic.prequential).toBeGreaterThan(0.3);
        expect(r.homeostatic.maxRate).toBeLessThanOrEqual(1);
      }
    }
  });

  it('continual figures: PNGs that decode, referenced by the HTML page', () => {
    const dir = mkdtempSync(join(tmpdir(), 'neurite-cl-'));
    try {
      const w = writeContinualReport(rep.continual!, join(dir, 'continual.html'));
      const html = readFileSync(w.html, 'utf8');
      expect(w.images.length).toBeGreaterThan(20);
      for (const f of w.images) {
        checkPng(readFileSync(f));
        expect(html).toContain(`src="${relative(dir, f)}"`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes its Markdown section between markers, leaving the rest of the file alone', () => {
    const md = markdownSection(rep, 'npm run experiments -- --quick');
    expect(md).toContain('### Real N-MNIST');
    expect(md).toContain('### Fashion-MNIST as events');
    expect(md).toContain('### Continual learning');
    // One table row per result row.
    for (const r of rep.nmnist.rows) expect(md).toContain(`| ${r.training} |`);
    expect(headline(rep).best?.fit?.fits).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'neurite-exp-'));
    try {
      const file = join(dir, 'results.md');
      writeFileSync(file, '# Results\n\nkept\n');
      writeSection(file, md);
      writeSection(file, md.replace('Headline', 'HEADLINE'));
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith('# Results\n\nkept\n')).toBe(true);
      expect(text.split(BEGIN_MARK).length).toBe(2);
      expect(text.split(END_MARK).length).toBe(2);
      expect(text).toContain('HEADLINE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('experiment models', () => {
  it('every nested-search candidate changes learning parameters only (same arena and fit)', () => {
    for (const m of MODELS) {
      const base = loadExperimentSpec(m);
      const arena = fitReport(base).arenaBytes;
      for (const c of m.tune ?? []) {
        const s = applyCandidate(base, c);
        expect(fitReport(s).arenaBytes, `${m.id} ${c.id}`).toBe(arena);
        if (c.plasticity) expect(s.projections[0].plasticity, `${m.id} ${c.id}`).not.toEqual(base.projections[0].plasticity);
        else expect(s).toBe(base);
      }
    }
    const wta = MODELS.find((m) => m.id === 'nmnist-stdp-wta-mcu8')!;
    const doubled = applyCandidate(loadExperimentSpec(wta), wta.tune!.find((c) => c.id === 'etaPlus x2')!);
    const pl = doubled.projections[0].plasticity as { etaPlus: number; wMax: number };
    expect(pl.etaPlus).toBeCloseTo(0.002, 12);
    expect(pl.wMax).toBe(0.25);
  });

  it('every MCU variant fits 256 KB on the nRF52840; the demo-sized models do not', () => {
    for (const m of MODELS) {
      const fit = fitReport(loadExperimentSpec(m));
      expect(fit.fits, m.id).toBe(m.mcu);
      if (m.mcu) expect(existsSync(m.spec.includes('/') ? join(repoRoot, m.spec) : join(repoRoot, 'models', `${m.spec}.json`)), m.spec).toBe(true);
    }
  });
});

