/**
 * The lifelong-learning suite of Baker et al. ("A Domain-Agnostic Approach for Characterization of
 * Lifelong Learning Systems", Neural Networks 2023; metric spec New et al., arXiv 2201.08278;
 * reference code darpa-l2m/l2metrics v3.1.0), computed for the protocol our scenarios run: one
 * learning block (LB) per task in order, an evaluation block (EB) of every task before any
 * learning (b) and after each LB (row i of R), each LB's per-sample prequential outcomes as the
 * learning curve, and a single-task expert (STE: a fresh learner trained on that task alone) per
 * task. Definitions as in ../shared/reference/learning-anchors.md section 4.4:
 *
 * - Values are normalised to [1, 101] from the accuracy range [0, 1] (v -> 1 + 100 v, l2metrics'
 *   task normalisation with a fixed range), so that ratios never divide by zero.
 * - Terminal performance of an EB = its accuracy (one value per EB here).
 * - Performance maintenance PM_j = mean over EBs after task j's post-training EB of
 *   TP(EB) - TP(reference), reference = the EB right after task j's training ('mrlep');
 *   PM = mean over tasks that have such EBs. PM < 0: forgetting.
 * - Forward transfer i -> j (task j not yet trained, EB of j before and after LB i):
 *   ratio TP2/TP1 and contrast (TP2 - TP1)/(TP2 + TP1); task value = mean over the valid i;
 *   lifetime = mean over tasks. Backward transfer: the same for LBs i after task j was trained.
 * - Relative performance RP_j = sum_{k<m} LL_j(k) / sum_{k<m} STE_j(k) on the smoothed,
 *   normalised learning curves (m = the shorter length).
 * - Sample efficiency SE_j = (s_LL / s_STE) (e_STE / e_LL), s = max of the smoothed curve, e = the
 *   number of experiences until it is first reached; 0 if s_LL < 0.2 s_STE or the least-squares
 *   slope of the LL curve is negative.
 * - Smoothing: a centred flat window of min(floor(0.2 length), 100) samples (shrinking at the
 *   ends; length 1 = no smoothing).
 * Lifetime values are means over tasks (l2metrics' default), NaN when no task qualifies.
 */
import { checkMatrix, MetricsInputError, type AccuracyMatrix } from './continual.js';

export interface LifelongInput {
  /** R[i][j]: accuracy on task j after LB i. */
  R: AccuracyMatrix;
  /** Accuracy of each task before any learning (the first EB). */
  b: readonly number[];
  /** Per task: the LL learner's per-sample prequential outcome (1 right, 0 wrong) during its LB. */
  curves: readonly (readonly number[])[];
  /** Per task: the single-task expert's per-sample prequential outcomes on the same stream. */
  steCurves: readonly (readonly number[])[];
}

export interface TransferPair {
  from: number;
  to: number;
  ratio: number;
  contrast: number;
}

export interface LifelongMetrics {
  pm: number;
  pmPerTask: number[];
  ftRatio: number;
  ftContrast: number;
  btRatio: number;
  btContrast: number;
  forward: TransferPair[];
  backward: TransferPair[];
  rp: number;
  rpPerTask: number[];
  se: number;
  sePerTask: number[];
}

export const normalise = (acc: number): number => 1 + 100 * acc;

/** Centred flat moving average, window min(floor(0.2 n), 100), shrinking at the ends. */
export function smooth(curve: readonly number[]): number[] {
  const n = curve.length;
  const w = Math.max(1, Math.min(Math.floor(0.2 * n), 100));
  const lo = Math.floor((w - 1) / 2);
  const hi = w - 1 - lo;
  const pre = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i] + curve[i];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - lo);
    const b = Math.min(n, i + hi + 1);
    out.push((pre[b] - pre[a]) / (b - a));
  }
  return out;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN);

function slope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = mean(ys);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - mx) * (ys[i] - my);
    den += (i - mx) ** 2;
  }
  return num / den;
}

function pair(from: number, to: number, before: number, after: number): TransferPair {
  const t1 = normalise(before);
  const t2 = normalise(after);
  return { from, to, ratio: t2 / t1, contrast: (t2 - t1) / (t2 + t1) };
}

/** Per-task means of the pairs that end in each task, then their mean over tasks. */
function lifetime(pairs: TransferPair[], key: 'ratio' | 'contrast'): number {
  const byTask = new Map<number, number[]>();
  for (const p of pairs) byTask.set(p.to, [...(byTask.get(p.to) ?? []), p[key]]);
  return mean([...byTask.values()].map(mean));
}

export function lifelongMetrics(x: LifelongInput): LifelongMetrics {
  const T = checkMatrix(x.R, x.b, 'lifelongMetrics');
  if (x.curves.length !== T || x.steCurves.length !== T) {
    throw new MetricsInputError(`lifelongMetrics: ${x.curves.length} LL curves and ${x.steCurves.length} STE curves for ${T} tasks`);
  }
  // Performance maintenance (reference: the EB right after the task's only training).
  const pmPerTask: number[] = [];
  for (let j = 0; j < T - 1; j++) {
    const ref = normalise(x.R[j][j]);
    pmPerTask.push(mean(Array.from({ length: T - 1 - j }, (_, o) => normalise(x.R[j + 1 + o][j]) - ref)));
  }
  // Transfer: EB of task j before LB i (b for i = 0, else row i-1) and after it (row i).
  const forward: TransferPair[] = [];
  const backward: TransferPair[] = [];
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      if (j === i) continue;
      const before = i === 0 ? x.b[j] : x.R[i - 1][j];
      (j > i ? forward : backward).push(pair(i, j, before, x.R[i][j]));
    }
  }
  const rpPerTask: number[] = [];
  const sePerTask: number[] = [];
  for (let j = 0; j < T; j++) {
    const ll = smooth(x.curves[j].map(normalise));
    const ste = smooth(x.steCurves[j].map(normalise));
    const m = Math.min(ll.length, ste.length);
    if (m === 0) {
      rpPerTask.push(NaN);
      sePerTask.push(NaN);
      continue;
    }
    let sl = 0;
    let ss = 0;
    for (let k = 0; k < m; k++) {
      sl += ll[k];
      ss += ste[k];
    }
    rpPerTask.push(sl / ss);
    const sLL = Math.max(...ll);
    const sSTE = Math.max(...ste);
    const eLL = ll.indexOf(sLL) + 1;
    const eSTE = ste.indexOf(sSTE) + 1;
    sePerTask.push(sLL < 0.2 * sSTE || slope(ll) < 0 ? 0 : (sLL / sSTE) * (eSTE / eLL));
  }
  return {
    pm: mean(pmPerTask),
    pmPerTask,
    ftRatio: lifetime(forward, 'ratio'),
    ftContrast: lifetime(forward, 'contrast'),
    btRatio: lifetime(backward, 'ratio'),
    btContrast: lifetime(backward, 'contrast'),
    forward,
    backward,
    rp: mean(rpPerTask.filter((v) => !Number.isNaN(v))),
    rpPerTask,
    se: mean(sePerTask.filter((v) => !Number.isNaN(v))),
    sePerTask,
  };
}
