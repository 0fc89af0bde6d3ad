/**
 * The experiments' tables as Markdown, and their section of docs/results.md (between two marker
 * comments, replaced on every full run; the rest of the file is left as it is).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_LEARN_MODEL } from '../../spec/models.js';
import { FAMILY_LABELS } from './models.js';
import { summarize } from './spiking.js';
import type { ExperimentReport, ResultRow } from './run.js';

export const BEGIN_MARK = '<!-- experiments:begin (written by `npm run experiments`; edits between the markers are overwritten) -->';
export const END_MARK = '<!-- experiments:end -->';

const pct = (x: number, d = 1) => `${(x * 100).toFixed(d)}%`;
const kb = (b: number) => `${(b / 1024).toFixed(b < 10 * 1024 ? 1 : 0)} KiB`;
const bytes = (b: number) => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MiB` : kb(b));

function table(head: string[], body: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function modelCell(r: ResultRow): string {
  if (r.kind === 'offline') return r.id === 'logreg' ? 'logistic regression (offline, backprop)' : `${r.id.replace('mlp', 'MLP, ')} hidden (offline, backprop)`;
  if (r.kind === 'readout') return `delta-rule readout on raw counts, ${r.id.replace('readout-raw-', '')} (online)`;
  return `\`${r.id}\``;
}

function ruleCell(r: ResultRow): string {
  if (r.kind === 'spiking' && r.family) return FAMILY_LABELS[r.family];
  if (r.kind === 'readout') return 'no spiking layer';
  return 'non-spiking baseline';
}

function fitCells(r: ResultRow): string[] {
  if (!r.fit) return ['—', '—', '—'];
  return [bytes(r.fit.arenaBytes), kb(r.fit.sramBytes), r.fit.fits ? '**yes**' : `no (${bytes(r.fit.sramBytes - r.fit.deviceSramBytes)} over)`];
}

/** The best local-rule spiking row that fits the device, among those with at most `maxPasses` passes. */
export function headline(rep: ExperimentReport, maxPasses = 5): { best: ResultRow | null; onePass: ResultRow | null; logreg: ResultRow | null } {
  const rows = rep.nmnist.rows;
  const fitting = rows.filter((r) => r.kind === 'spiking' && r.fit?.fits && (r.passes ?? 99) <= maxPasses);
  const best = fitting.reduce<ResultRow | null>((a, r) => (!a || r.accuracy.mean > a.accuracy.mean ? r : a), null);
  const onePass = best ? rows.find((r) => r.id === best.id && r.passes === 1) ?? null : null;
  return { best, onePass, logreg: rows.find((r) => r.id === 'logreg') ?? null };
}

/** Which model `neurite learn` uses without --model, and how it compares with the best overall. */
function defaultWords(rep: ExperimentReport, best: ResultRow): string {
  const spiking = rep.nmnist.rows.filter((r) => r.kind === 'spiking' && (r.passes ?? 99) <= 5);
  const top = spiking.reduce((a, r) => (r.accuracy.mean > a.accuracy.mean ? r : a), best);
  const mine = spiking.filter((r) => r.id === DEFAULT_LEARN_MODEL).reduce<ResultRow | null>((a, r) => (!a || r.accuracy.mean > a.accuracy.mean ? r : a), null);
  if (!mine) return '';
  const words = ` \`neurite learn\` without \`--model\` uses \`${DEFAULT_LEARN_MODEL}\`${mine.id === best.id ? ', this model' : ` (${pct(mine.accuracy.mean)} ± ${pct(mine.accuracy.std)}, ${mine.training})`}`;
  if (top.id === mine.id) return `${words}, the best of all models here.`;
  // Per-fold paired difference to the best model overall: "within noise" = within two standard errors.
  const d = top.accuracy.perFold.map((a, i) => a - mine.accuracy.perFold[i]);
  const s = summarize(d);
  const se = s.std / Math.sqrt(Math.max(d.length, 1));
  return `${words}; the best model overall, \`${top.id}\` (${top.weights}, ${top.training}), is ${(s.mean * 100).toFixed(1)} points better on the same folds ` +
    `(paired standard error ${(se * 100).toFixed(1)} points: ${Math.abs(s.mean) <= 2 * se ? 'within noise' : 'more than noise'}) and needs ${bytes(top.fit?.sramBytes ?? 0)} of memory.`;
}

/** The nested-search protocol and what each tuned model chose. */
function tuningWords(rep: ExperimentReport): string {
  const t = rep.nmnist.tuning ?? {};
  const ids = Object.keys(t);
  if (ids.length === 0) return 'No hyperparameter search in this run. ';
  const chosen = ids.map((id) => {
    const counts = new Map<string, number>();
    for (const c of t[id].chosen) counts.set(c, (counts.get(c) ?? 0) + 1);
    return `\`${id}\` ${[...counts].map(([c, n]) => `${c} ${n}x`).join(', ')}`;
  });
  return 'Nested selection for ' + ids.map((id) => `\`${id}\``).join(', ') + ': for each outer fold f, every candidate setting ' +
    '(the committed spec and one step along each of its learning parameters, `host/learn/experiments/models.ts`) learns on the outer training split ' +
    'minus fold f + 1 and is scored on fold f + 1 (after the most passes; the label pass for unsupervised models); the best one then learns on the whole ' +
    'training split and is scored on fold f, which no selection ever saw. The committed specs come from an earlier search on folds 1-5, ' +
    'so the grids\' centres are not independent of those folds; the selection among them is. Chosen per fold: ' + chosen.join('; ') + '. ' +
    'The 34x34 bundled models without a grid are used as they are (tuned on emulated MNIST digits, not on these samples). ';
}

function cvWords(rep: ExperimentReport): string {
  const n = rep.nmnist;
  return n.folds.length === n.k ? `${n.k}-fold cross-validation` : `folds ${n.folds.map((f) => f + 1).join(', ')} of ${n.k}-fold cross-validation`;
}

export function markdownSection(rep: ExperimentReport, command = 'npm run experiments'): string {
  const n = rep.nmnist;
  const out: string[] = [];
  out.push('## Learning quality: real N-MNIST and Fashion-MNIST events, four model families, baselines');
  out.push('');
  out.push(`Reproduce: \`${command}\` (seed ${rep.seed}; ${rep.timingNote ?? `${Math.round(rep.seconds / 60)} min on this 2-core machine`}, Node ${rep.node}). ` +
    'A reduced version runs in CI: `test/learn/experiments/experiments.test.ts` (`npm run experiments -- --quick`).');
  out.push('');
  const h = headline(rep);
  if (h.best) {
    out.push(`**Headline.** The best local-rule model that fits the nRF52840's 256 KB of SRAM, \`${h.best.id}\` ` +
      `(${FAMILY_LABELS[h.best.family!]}, ${h.best.weights}), reaches **${pct(h.best.accuracy.mean)} ± ${pct(h.best.accuracy.std)}** ` +
      `(${h.best.training}; folds ${pct(h.best.accuracy.min, 0)} to ${pct(h.best.accuracy.max, 0)}) in ${cvWords(rep)} on the real N-MNIST samples` +
      (h.onePass ? `, ${pct(h.onePass.accuracy.mean)} ± ${pct(h.onePass.accuracy.std)} after one online pass` : '') +
      (h.logreg ? `; logistic regression on the same folds and events: ${pct(h.logreg.accuracy.mean)} ± ${pct(h.logreg.accuracy.std)}.` : '.') +
      defaultWords(rep, h.best));
    out.push('');
  }
  out.push(`### Real N-MNIST, ${cvWords(rep)}`);
  out.push('');
  out.push(`The ${n.samples} real N-MNIST samples of \`../shared/fixtures/nmnist-small/train\`, stratified folds from ` +
    `the committed \`${n.foldsFile.replace(/^.*(experiments\/)/, '$1')}\` (${n.trainPerFold} training and ${n.testPerFold} held-out samples per fold${rep.quick ? ', training split truncated' : ''}). ` +
    'Spiking models and the online readout learn test-then-train, one sample at a time (batch 1), each pass in a seeded order; ' +
    'the readout\'s learning rate is chosen by prequential accuracy on the training stream only. "+ label pass" = Diehl & Cook\'s protocol: ' +
    'the unsupervised network learns for the given passes, then one more pass with plasticity off trains the readout on its spike counts ' +
    '(at most five passes in all). ' + tuningWords(rep) +
    'Offline baselines see per-pixel, per-polarity event counts (log, standardised on the training split), Adam, batch 32. ' +
    'Mean ± sample standard deviation over folds.');
  out.push('');
  out.push(table(
    ['model', 'rule', 'network', 'training', 'accuracy', 'folds min–max', 'arena', 'SRAM needed (nRF52840)', 'fits 256 KB'],
    n.rows.map((r) => [modelCell(r), ruleCell(r), r.weights, r.training, `**${pct(r.accuracy.mean)}** ± ${pct(r.accuracy.std)}`, `${pct(r.accuracy.min, 0)}–${pct(r.accuracy.max, 0)}`, ...fitCells(r)]),
  ));
  out.push('');
  out.push('"SRAM needed" is firmware-sim\'s memory model (`firmware-sim/memory.ts`) for the nRF52840 profile, WAMR AOT: wasm linear memory in 64 KiB pages ' +
    '(kernel data + arena), stack and engine data. The `-mcu` models (`experiments/models/`; `models/` for the bundled `nmnist-stdp-wta-mcu8`) see the events after 2x2 pooling ' +
    '(x >> 1, y >> 1, done per event by the firmware, no arena memory): 17x17 pixels x 2 polarities (merged into one for the f32 models). `int8` weights learn in int8 with stochastic rounding; ' +
    'symmetric STDP and R-STDP learn in f32 only (R-STDP also keeps an f32 eligibility per synapse), so their MCU variants have fewer neurons. ' +
    'R-STDP learns with no teacher: after each training sample the learner delivers R - b, R = 1 when the class group with the most spikes is the label, ' +
    'b a running mean of R (`host/learn/reward.ts`).');
  out.push('');
  const perFold = Object.entries(n.perFold).filter(([k]) => h.best && (k === `${h.best.id} ${h.best.training}` || (h.onePass && k === `${h.onePass.id} ${h.onePass.training}`) || k.startsWith('logreg')));
  if (perFold.length) {
    out.push('Per fold (held-out accuracy, folds 1 to ' + n.folds.length + '):');
    out.push('');
    out.push(table(['', ...n.folds.map((f) => String(f + 1))], perFold.map(([k, v]) => [k, ...v.map((a) => pct(a, 0))])));
    out.push('');
  }
  const f = rep.fashion;
  out.push('### Fashion-MNIST as events');
  out.push('');
  if (f.status === 'skipped') {
    out.push(`Skipped: ${f.reason}.`);
  } else {
    out.push(`Debian's \`${f.package}\` (${f.version}; installed by the experiment script with apt-get when missing, never committed): ` +
      `${f.trainSamples} training images (seeded subset of the 60,000) and ${f.testSamples} test images, each turned once into saccade events by the emulator ` +
      '(34x34 sensor, three saccades, seeded). Same models, same online protocol; the offline baselines train on the same training events. ' +
      '`nmnist-stdp-wta-int8` (the demo model with int8 weights and 1000 neurons in the same 4 MiB) was added for this data set after a comparison on a validation split ' +
      'of the training images only (trained on the first 5000 of the 6000, scored on the other 1000: 80.6% vs 77.8% for the 400-neuron f32 model after five passes); the test images were not used to choose it.');
    out.push('');
    out.push(table(
      ['model', 'rule', 'network', 'training', `test accuracy (${f.testSamples})`, 'fits 256 KB'],
      f.rows.map((r) => [modelCell(r), ruleCell(r), r.weights, r.training, `**${pct(r.accuracy.mean)}**`, fitCells(r)[2]]),
    ));
  }
  out.push('');
  if (rep.continual) out.push(continualSection(rep.continual));
  out.push('Every row: `' + command + '` writes this section and `reports/experiments.json` (per-fold numbers, timings).');
  return out.join('\n');
}

function continualSection(c: NonNullable<ExperimentReport['continual']>): string {
  const out: string[] = [];
  out.push('### Continual learning: class- and domain-incremental');
  out.push('');
  out.push('Reproduce this part alone: `npm run experiments -- --only continual` (' + Math.max(1, Math.round(c.seconds / 60)) + ' min wall-clock in the run below, on the shared 2-core machine; it also writes the figures, `reports/continual.html`: ' +
    'accuracy over the stream, every R matrix as a heat map, weight/threshold/mode histograms).');
  out.push('');
  out.push(`The real N-MNIST samples again: ${c.trainSamples} training samples (folds 3-10 of the committed assignment) and ${c.testSamples} test samples (${c.testSamples > 100 ? 'folds 1-2' : 'fold 1'}). ` +
    'Each task is learned in one online pass (batch 1, seeded order), then every task\'s test set is scored: R[i][j] = accuracy on task j after learning tasks 1..i. ' +
    'Class-incremental: five tasks of two digits, the learner predicts among all ten classes and is never told the task. ' +
    'Domain-incremental: all digits in every task; the events are the original ones, then polarity swapped, rotated 90°, and with 50% extra noise events; ' +
    'each task learns a disjoint quarter of the training samples. "joint" = the same learner given all tasks\' training samples in one shuffled pass. ' +
    `Learners with a rate (\`naive\`'s delta rule, \`classp\`'s eta) choose it from the same grid (${c.rateGrid.join(', ')}) by GEM ACC on a validation split ` +
    '(the scenario rebuilt on three quarters of the training samples, scored on the last quarter; the test folds are never used for tuning). ' +
    'All readouts and controls run in the wasm kernels (readout_learn, classp_apply, ncm_update/ncm_predict, hopfield_store/hopfield_retrieve, mode_apply/mode_adapt). Learners:');
  out.push('');
  for (const l of c.learners) out.push(`- \`${l.id}\` (\`${l.model}\`): ${l.label}`);
  out.push('');
  out.push('GEM (Lopez-Paz & Ranzato 2017): ACC = mean of the last row, BWT = mean of R[T][j] − R[j][j], FWT = mean of R[j−1][j] − b_j (b = untrained learner). ' +
    'Continuum (continuum/metrics/metrics.py): A = mean of the lower triangle, BWT over every later checkpoint, FWT without b, forgetting = Chaudhry et al. (2018) F_T.');
  out.push('');
  out.push(table(
    ['scenario', 'learner', 'rate', 'ACC (GEM)', 'BWT (GEM)', 'FWT (GEM)', 'A (Continuum)', 'BWT (Continuum)', 'FWT (Continuum)', 'forgetting (Chaudhry)', 'joint', 'ACC − joint', 'memory beside the arena'],
    c.results.map((r) => [r.scenario, `\`${r.learner}\``, r.readoutRate === null ? '—' : String(r.readoutRate), `**${pct(r.gem.acc)}**`, pts(r.gem.bwt), pts(r.gem.fwt),
      pct(r.continuum.accuracyA), pts(r.continuum.bwt), pct(r.continuum.fwt), pts(r.continuum.forgetting), r.joint ? pct(r.joint.mean) : '—', r.joint ? pts(r.gem.acc - r.joint.mean) : '—',
      r.extraBytes > 0 ? kb(r.extraBytes) : 'none (readout in the arena)']),
  ));
  out.push('');
  const ci = c.results.filter((r) => r.scenario === 'class-incremental' && r.joint);
  const close = ci.filter((r) => r.gem.acc >= r.joint!.mean - 0.1);
  if (ci.length) {
    out.push(`**Class-incremental vs joint training:** ${close.length ? close.map((r) => `\`${r.learner}\` (${pct(r.gem.acc)} vs ${pct(r.joint!.mean)} joint, forgetting ${pts(r.continuum.forgetting)})`).join(', ') + ' stay within 10 points of the same model trained on all classes jointly' : 'no learner stays within 10 points of joint training'}` +
      `; naive fine-tuning: ${ci.filter((r) => r.learner === 'naive').map((r) => `${pct(r.gem.acc)} vs ${pct(r.joint!.mean)}, forgetting ${pts(r.continuum.forgetting)}`).join('')}.`);
    out.push('');
  }
  if (c.tuning.length) {
    out.push('Rate tuning (validation GEM ACC per grid value; the chosen one in bold):');
    out.push('');
    out.push(table(['scenario', 'learner', ...c.rateGrid.map(String)], c.tuning.map((t) => [t.scenario, `\`${t.learner}\``, ...t.grid.map((g) => (g.rate === t.chosen ? `**${pct(g.acc)}**` : pct(g.acc)))])));
    out.push('');
  }
  const best = c.results.filter((r) => r.scenario === 'class-incremental').reduce((a, r) => (r.gem.acc > a.gem.acc ? r : a));
  out.push(`R for class-incremental, \`${best.learner}\` (rows: after task i; columns: task j):`);
  out.push('');
  out.push(table(['after \\ on', ...best.tasks], best.R.map((row, i) => [best.tasks[i], ...row.map((x, j) => (j > i ? `(${pct(x, 0)})` : pct(x, 0)))])));
  out.push('');
  const ll = c.results.filter((r) => r.lifelong);
  if (ll.length) {
    out.push('**Lifelong-learning suite** (Baker et al. 2023, definitions of l2metrics v3.1.0 as in `host/learn/metrics/lifelong.ts`): values normalised to [1, 101] (accuracy × 100 + 1); ' +
      'PM = performance maintenance (mean change of a task\'s accuracy after its own training, < 0 = forgetting); FT / BT = forward / backward transfer, ratio TP_after / TP_before ' +
      '(contrast (a − b)/(a + b) in brackets); RP = relative performance and SE = sample efficiency against single-task experts (a fresh learner per task, same stream), > 1 = better than the expert.');
    out.push('');
    const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
    out.push(table(['scenario', 'learner', 'PM', 'FT ratio (contrast)', 'BT ratio (contrast)', 'RP', 'SE'],
      ll.map((r) => { const m = r.lifelong!; return [r.scenario, `\`${r.learner}\``, f(m.pm, 1), `${f(m.ftRatio)} (${f(m.ftContrast)})`, `${f(m.btRatio)} (${f(m.btContrast)})`, f(m.rp), f(m.se)]; })));
    out.push('');
  }
  if (c.conceptShift.length) out.push(conceptShiftSection(c));
  return out.join('\n');
}

function conceptShiftSection(c: NonNullable<ExperimentReport['continual']>): string {
  const out: string[] = [];
  const cs0 = c.conceptShift[0];
  out.push('### Concept shift: homeostatic vs fixed learning rate');
  out.push('');
  out.push(`The labels are re-mapped during the stream: every N samples a random derangement of the ten classes is applied (every class takes another's label). ` +
    `Features: \`${cs0.model}\` (unsupervised STDP, never sees a label) learned in one pass over warm-up samples, then frozen; the readout learns prequentially (predict, score, learn; batch 1). ` +
    'Both learners use the same delta-rule readout (readout_learn_f32); the homeostatic one sets its rate each sample with lrh_update_f32 from its own mistakes ' +
    '(fast and slow running error; a surprise u counts only the part of the fast error above the slow one plus two standard deviations of its chance fluctuation, so a stable stream gives u = 0; ' +
    'the rate rises with u and relaxes back to eta0, bounded by eta_max = the grid\'s top value; after a surprised mistake the readout weights are scaled by 1 − phi·u, forgetting part of the old mapping, as in a change-point model). ' +
    `Same tuning effort: each picks one number from the same grid (${cs0.grid.join(', ')}): the fixed rate, or the homeostatic resting rate eta0, by prequential accuracy on one held-out stream ` +
    `(other samples, another seed, a shift every ${cs0.tuneShiftEvery} samples) and keeps it at every shift rate (a device does not know how often the concept will change); the homeostatic constants ` +
    `${cs0.homeostasis ? `a_fast ${cs0.homeostasis.aFast}, a_slow ${cs0.homeostasis.aSlow}, k ${cs0.homeostasis.k}, rho ${cs0.homeostasis.rho}, phi ${cs0.homeostasis.forget}` : '(not recorded)'} were set by hand on exploration streams (emulated digits, sensor seeds 7 and 9; never the evaluated or tuning streams). ` +
    `Recovery time = samples after a shift until the accuracy over the trailing ${cs0.window} samples (all after the shift) reaches ${Math.round(cs0.fraction * 100)}% of the two learners' mean accuracy just before the shift (one bar for both; ${cs0.window} = the floor); ` +
    'median over shifts, "faster" counts the shifts where the homeostatic learner got there first (ties: same sample).');
  out.push('');
  const rows = c.conceptShift.flatMap((cs) => cs.rows.map((r) => {
    const [fx, ho] = r.recovery.learners;
    const med = (v: number | null) => (v === null ? 'not reached' : String(v));
    return [cs.data, String(r.shiftEvery), String(r.shifts), `${r.fixed.rate}`, med(fx.median), `${r.homeostatic.eta0}`, (ho.median ?? Infinity) < (fx.median ?? Infinity) ? `**${med(ho.median)}**` : med(ho.median),
      `${r.recovery.secondFaster} / ${r.recovery.ties} / ${r.recovery.firstFaster}`,
      r.mistakes ? `${r.mistakes.fixed.toFixed(1)} / ${r.mistakes.homeostatic.toFixed(1)} (${r.mistakes.fewer} / ${r.mistakes.ties} / ${r.mistakes.more})` : '—',
      `${pct(r.fixed.prequential)} / ${pct(r.homeostatic.prequential)}`, `${pct(fx.plateau)} / ${pct(ho.plateau)}`];
  }));
  const horizon = cs0.rows[0]?.mistakes?.horizon ?? 100;
  out.push(table(['data', 'shift every', 'shifts', 'fixed rate', 'fixed: median recovery (samples)', 'homeostatic eta0', 'homeostatic: median recovery', 'homeostatic faster / tie / slower',
    `mistakes in the first ${horizon} samples after a shift, fixed / homeostatic (homeostatic fewer / tie / more)`, 'prequential accuracy fixed / homeostatic', 'pre-shift accuracy fixed / homeostatic'], rows));
  out.push('');
  const all = c.conceptShift.flatMap((cs) => cs.rows);
  const sum = (f: (r: (typeof all)[number]) => number) => all.reduce((a, r) => a + f(r), 0);
  out.push(`Over all ${sum((r) => r.shifts)} shifts: the homeostatic learner recovered faster after ${sum((r) => r.recovery.secondFaster)}, tied after ${sum((r) => r.recovery.ties)} and was slower after ${sum((r) => r.recovery.firstFaster)}` +
    (all.every((r) => r.mistakes) ? `; it made fewer mistakes in the first ${horizon} samples after ${sum((r) => r.mistakes.fewer)}, as many after ${sum((r) => r.mistakes.ties)} and more after ${sum((r) => r.mistakes.more)}. ` : '. ') +
    `The mistakes count is a second view with no floor (the recovery time cannot be below ${cs0.window}, the window).`);
  out.push('');
  out.push(`Data: ${c.conceptShift.map((cs) => `${cs.data}: ${cs.warmupSamples} warm-up, ${cs.poolSamples} evaluated and ${cs.heldOutSamples} held-out samples, streams of ${[...new Set(cs.rows.map((r) => r.streamLength))].join(' / ')} samples`).join('; ')} (samples recur within a stream, in reshuffled passes).`);
  out.push('');
  return out.join('\n');
}

const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;

/** Replaces (or appends) the experiments section of a Markdown file. */
export function writeSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const block = `${BEGIN_MARK}\n${section}\n${END_MARK}`;
  const a = text.indexOf(BEGIN_MARK);
  const b = text.indexOf(END_MARK);
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END_MARK.length) : `${text.replace(/\n*$/, '\n\n')}${block}\n`;
  writeFileSync(file, next);
}
