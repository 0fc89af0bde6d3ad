/**
 * Recovery after a shift, for learners compared on the same stream (concept shift). After shift
 * point s (segment [s, next shift or end)), a learner has recovered at the first t >= W samples
 * after s at which its accuracy over the trailing W samples (all after the shift) reaches the
 * target; the recovery time is that t. The target is common to the learners compared, so that
 * "faster" is measured against one bar: `fraction` x the mean over the learners of their accuracy
 * over the W samples just before s. A learner that does not reach it within the segment is
 * censored (null), counted as slower than any that does. l2metrics' "recovery time" is the same
 * idea for task switches (experiences until the pre-switch performance is regained).
 */
import { MetricsInputError } from './continual.js';

export interface RecoveryOptions {
  window: number;
  fraction: number;
  /** Stream length (defaults to the outcome arrays' length). */
  length?: number;
}

export interface LearnerRecovery {
  /** Per shift: samples to recover, or null if not within the segment. */
  times: (number | null)[];
  /** Median over shifts (censored ones count as +Infinity); null if more than half are censored. */
  median: number | null;
  /** Mean over the shifts where it recovered. */
  meanRecovered: number | null;
  recovered: number;
  /** Mean accuracy over the W samples before each shift (the learner's pre-shift plateau). */
  plateau: number;
}

export interface RecoveryResult {
  window: number;
  fraction: number;
  targets: number[];
  learners: LearnerRecovery[];
  /** Shifts where the second learner recovered strictly sooner than the first (censored = never). */
  secondFaster: number;
  ties: number;
  firstFaster: number;
}

export function recoveryAfterShifts(outcomes: readonly ArrayLike<number>[], shifts: readonly number[], o: RecoveryOptions): RecoveryResult {
  if (outcomes.length === 0) throw new MetricsInputError('recoveryAfterShifts: no learners');
  const n = o.length ?? outcomes[0].length;
  if (!Number.isInteger(o.window) || o.window < 1) throw new MetricsInputError(`recoveryAfterShifts: window ${o.window} must be a positive integer`);
  for (const x of outcomes) if (x.length < n) throw new MetricsInputError(`recoveryAfterShifts: an outcome array has ${x.length} entries, expected ${n}`);
  const W = o.window;
  const prefix = outcomes.map((x) => {
    const p = new Float64Array(n + 1);
    for (let t = 0; t < n; t++) p[t + 1] = p[t] + x[t];
    return p;
  });
  const win = (p: Float64Array, end: number) => (p[end] - p[end - W]) / W;
  const targets: number[] = [];
  const times: (number | null)[][] = outcomes.map(() => []);
  const plateaus: number[][] = outcomes.map(() => []);
  shifts.forEach((s, k) => {
    if (s < W) throw new MetricsInputError(`recoveryAfterShifts: shift at ${s} has fewer than ${W} samples before it`);
    const end = k + 1 < shifts.length ? shifts[k + 1] : n;
    const pre = prefix.map((p) => win(p, s));
    pre.forEach((v, l) => plateaus[l].push(v));
    const target = o.fraction * (pre.reduce((a, v) => a + v, 0) / pre.length);
    targets.push(target);
    prefix.forEach((p, l) => {
      let hit: number | null = null;
      for (let t = W; s + t <= end; t++) {
        if (win(p, s + t) >= target) {
          hit = t;
          break;
        }
      }
      times[l].push(hit);
    });
  });
  const rank = (v: number | null) => (v === null ? Infinity : v);
  let secondFaster = 0;
  let ties = 0;
  let firstFaster = 0;
  if (outcomes.length >= 2) {
    for (let k = 0; k < shifts.length; k++) {
      const a = rank(times[0][k]);
      const b = rank(times[1][k]);
      if (b < a) secondFaster++;
      else if (a < b) firstFaster++;
      else ties++;
    }
  }
  return {
    window: W,
    fraction: o.fraction,
    targets,
    learners: times.map((ts, l) => {
      const sorted = ts.map(rank).sort((a, b) => a - b);
      const med = sorted.length === 0 ? null : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
      const ok = ts.filter((v): v is number => v !== null);
      return {
        times: ts,
        median: med === null || !Number.isFinite(med) ? null : med,
        meanRecovered: ok.length ? ok.reduce((a, v) => a + v, 0) / ok.length : null,
        recovered: ok.length,
        plateau: plateaus[l].length ? plateaus[l].reduce((a, v) => a + v, 0) / plateaus[l].length : 0,
      };
    }),
    secondFaster,
    ties,
    firstFaster,
  };
}
