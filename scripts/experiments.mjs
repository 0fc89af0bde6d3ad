#!/usr/bin/env node
/**
 * `npm run experiments [-- --quick] [options]`: runs host/learn/experiments (compiled to dist/ by
 * `npm run build`) and writes the tables into docs/results.md (full run) and a JSON report.
 *
 *   --quick               reduced run (also NEURITE_EXPERIMENTS_QUICK=1); writes no docs unless --docs
 *   --seed N              seed of weights, presentation orders, Fashion subsets and events (default 1)
 *   --data DIR            N-MNIST samples (default ../shared/fixtures/nmnist-small/train)
 *   --labels FILE         label table (default DIR/labels.tsv)
 *   --folds FILE          fold assignment (default experiments/nmnist-small-folds.tsv)
 *   --write-folds         (re)generate the fold assignment from the label table and exit
 *   --models a,b          only these model ids
 *   --no-fashion          skip Fashion-MNIST;  --no-install: skip it when the package is missing
 *   --fashion-train N, --fashion-test N
 *   --docs FILE           Markdown file whose experiments section is replaced (default docs/results.md)
 *   --report FILE         JSON report (default reports/experiments[-quick].json)
 *   --from-report FILE    only re-render the Markdown section from an earlier JSON report
 *   --only continual      run only the continual-learning part and splice it into the JSON report
 *                         (reports/experiments[-quick].json, which must exist) and the docs section
 *   Every run with the continual part also writes reports/continual.html and its PNGs (reports/continual/).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));

const { values: v } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string' },
    data: { type: 'string' },
    labels: { type: 'string' },
    folds: { type: 'string' },
    'write-folds': { type: 'boolean', default: false },
    models: { type: 'string' },
    'no-fashion': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'fashion-train': { type: 'string' },
    'fashion-test': { type: 'string' },
    docs: { type: 'string' },
    report: { type: 'string' },
    'from-report': { type: 'string' },
    only: { type: 'string' },
  },
});

const quick = v.quick || process.env.NEURITE_EXPERIMENTS_QUICK === '1';
const data = resolve(v.data ?? join(root, '..', 'shared', 'fixtures', 'nmnist-small', 'train'));
const labels = resolve(v.labels ?? join(data, 'labels.tsv'));
const foldsFile = resolve(v.folds ?? join(root, 'experiments', 'nmnist-small-folds.tsv'));
const int = (s, name) => {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${s}`);
  return n;
};

if (v['write-folds']) {
  const { readLabelsTsv } = await dist('host/learn/datasets/sample-folder.js');
  const { formatFoldsTsv, makeFolds, NMNIST_FOLDS_K, NMNIST_FOLDS_SEED } = await dist('host/learn/experiments/folds.js');
  const rows = readLabelsTsv(labels);
  writeFileSync(foldsFile, formatFoldsTsv(rows, makeFolds(rows, NMNIST_FOLDS_K, NMNIST_FOLDS_SEED)));
  console.log(`wrote ${foldsFile}: ${rows.length} samples, ${NMNIST_FOLDS_K} stratified folds, seed ${NMNIST_FOLDS_SEED}`);
  process.exit(0);
}

const { runExperiments } = await dist('host/learn/experiments/run.js');
const { markdownSection, writeSection } = await dist('host/learn/experiments/report.js');
if (v['from-report']) {
  const saved = JSON.parse(readFileSync(resolve(v['from-report']), 'utf8'));
  const section = markdownSection(saved, saved.quick ? 'npm run experiments -- --quick' : 'npm run experiments');
  const docs = v.docs ?? (saved.quick ? undefined : join(root, 'docs', 'results.md'));
  if (docs) writeSection(resolve(docs), section);
  console.log(section);
  process.exit(0);
}
const reportFileDefault = join(root, 'reports', quick ? 'experiments-quick.json' : 'experiments.json');
if (v.only !== undefined && v.only !== 'continual') throw new Error(`--only accepts 'continual', got ${v.only}`);
/** `--only continual`: the continual part alone, spliced into the last report of the same kind. */
async function continualOnly() {
  const file = resolve(v.report ?? reportFileDefault);
  let saved;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--only continual needs an earlier report to splice into: ${file} (${e.message}); run \`npm run experiments${quick ? ' -- --quick' : ''}\` once`);
  }
  const { runContinualPart } = await dist('host/learn/experiments/run.js');
  const { FolderSource } = await dist('host/learn/folder.js');
  const { readFoldsTsv } = await dist('host/learn/experiments/folds.js');
  const folder = FolderSource.open(data, labels);
  const { fold } = readFoldsTsv(foldsFile, folder.rows);
  const t0 = performance.now();
  const continual = runContinualPart(folder, fold, { quick, seed: int(v.seed, 'seed') ?? saved.seed ?? 1, log: (line) => console.log(line) });
  return { ...saved, continual, seconds: saved.seconds - (saved.continual?.seconds ?? 0) + (performance.now() - t0) / 1000 };
}
const report = v.only === 'continual' ? await continualOnly() : runExperiments({
  quick,
  seed: int(v.seed, 'seed') ?? 1,
  nmnistDir: data,
  nmnistLabels: labels,
  foldsFile,
  fashion: !v['no-fashion'],
  installFashion: !v['no-install'],
  fashionTrain: int(v['fashion-train'], 'fashion-train'),
  fashionTest: int(v['fashion-test'], 'fashion-test'),
  models: v.models ? v.models.split(',').map((s) => s.trim()) : undefined,
  log: (line) => console.log(line),
});
const reportFile = resolve(v.report ?? reportFileDefault);
mkdirSync(dirname(reportFile), { recursive: true });
writeFileSync(reportFile, JSON.stringify(report, null, 2) + '\n');
const section = markdownSection(report, quick ? 'npm run experiments -- --quick' : 'npm run experiments');
console.log('\n' + section + '\n');
const docs = v.docs ?? (quick ? undefined : join(root, 'docs', 'results.md'));
if (docs) {
  writeSection(resolve(docs), section);
  console.log(`wrote the experiments section of ${docs}`);
}
console.log(`report: ${reportFile} (${report.seconds.toFixed(0)} s)`);
if (report.continual) {
  const { writeContinualReport } = await dist('host/learn/plots/continual.js');
  const w = writeContinualReport(report.continual, join(dirname(reportFile), quick ? 'continual-quick.html' : 'continual.html'));
  console.log(`continual-learning figures: ${w.html} (${w.images.length} PNG)`);
}
