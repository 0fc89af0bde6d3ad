/**
 * Continual-learning metrics against matrices and curves worked out by hand from the definitions
 * (../shared/reference/learning-anchors.md section 4): GEM, Continuum, Chaudhry forgetting, Baker
 * et al.'s lifelong suite, and recovery after a shift.
 */
import { describe, expect, it } from 'vitest';
import { chaudhryForgetting, continuumMetrics, gemMetrics, lifelongMetrics, MetricsInputError, recoveryAfterShifts, smooth } from '../../../host/learn/metrics/index.js';

// A 3-task matrix with forgetting, some forward transfer and a backward gain on task 2.
const R = [
  [0.8, 0.2, 0.1],
  [0.6, 0.9, 0.3],
  [0.5, 0.95, 0.7],
];
const b = [0.1, 0.1, 0.1];

describe('GEM vs Continuum (labelled, not mixed)', () => {
  it('GEM: ACC, BWT over the last row only, FWT against b', () => {
    const m = gemMetrics(R, b);
    expect(m.acc).toBeCloseTo((0.5 + 0.95 + 0.7) / 3, 12);
    expect(m.bwt).toBeCloseTo((0.5 - 0.8 + (0.95 - 0.9)) / 2, 12); // -0.125
    expect(m.fwt).toBeCloseTo((0.2 - 0.1 + (0.3 - 0.1)) / 2, 12); // 0.15
  });

  it('Continuum: A, BWT over every later checkpoint, BWT+ and REM, FWT without b, forgetting', () => {
    const m = continuumMetrics(R);
    expect(m.accuracyA).toBeCloseTo((0.8 + 0.6 + 0.9 + 0.5 + 0.95 + 0.7) / 6, 12);
    const bwt = (0.6 - 0.8 + (0.5 - 0.8) + (0.95 - 0.9)) / 3; // -0.15
    expect(m.bwt).toBeCloseTo(bwt, 12);
    expect(m.bwtPlus).toBe(0);
    expect(m.rem).toBeCloseTo(1 - 0.15, 12);
    expect(m.fwt).toBeCloseTo((0.2 + 0.3) / 2, 12);
    // F_3: task 1 max(0.8, 0.6) - 0.5 = 0.3; task 2 max(0.9) - 0.95 = -0.05.
    expect(m.forgetting).toBeCloseTo((0.3 - 0.05) / 2, 12);
    expect(chaudhryForgetting(R, 2)).toBeCloseTo(0.2, 12);
    expect(chaudhryForgetting(R, 1)).toBe(0);
    // The two BWTs differ on this matrix: the definitions are not interchangeable.
    expect(Math.abs(m.bwt - gemMetrics(R, b).bwt)).toBeGreaterThan(0.02);
  });

  it('positive backward transfer: BWT+ = BWT, REM = 1', () => {
    const m = continuumMetrics([[0.5, 0], [0.7, 0.6]]);
    expect(m.bwt).toBeCloseTo(0.2, 12);
    expect(m.bwtPlus).toBeCloseTo(0.2, 12);
    expect(m.rem).toBe(1);
  });

  it('rejects malformed input with the offending value', () => {
    expect(() => gemMetrics([[1, 0]], [0])).toThrow(MetricsInputError);
    expect(() => continuumMetrics([[NaN]])).toThrow(/R\[0\]\[0\] = NaN/);
    expect(() => gemMetrics(R, [0, 0])).toThrow(/b has 2 entries, expected 3/);
    expect(() => chaudhryForgetting(R, 4)).toThrow(/k = 4/);
  });
});

describe('lifelong-learning suite (Baker et al.)', () => {
  const n = (a: number) => 1 + 100 * a;
  const curves = [[0, 1, 1, 1, 1], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1]];
  const ste = [[0, 0, 1, 1, 1], [0, 1, 1, 1, 1], [1, 1, 1, 1, 1]];
  const m = lifelongMetrics({ R, b, curves, steCurves: ste });

  it('performance maintenance: mean change after the post-training evaluation, normalised', () => {
    expect(m.pmPerTask[0]).toBeCloseTo((n(0.6) - n(0.8) + (n(0.5) - n(0.8))) / 2, 9); // -25
    expect(m.pmPerTask[1]).toBeCloseTo(n(0.95) - n(0.9), 9); // +5
    expect(m.pm).toBeCloseTo((-25 + 5) / 2, 9);
  });

  it('forward and backward transfer: ratio and contrast of the evaluations around each learning block', () => {
    // Forward into task 2: from LB 1 (b -> R[0][1]); into task 3: LB 1 (b -> R[0][2]) and LB 2 (R[0][2] -> R[1][2]).
    const r = (a: number, c: number) => n(c) / n(a);
    const ft2 = r(0.1, 0.2);
    const ft3 = (r(0.1, 0.1) + r(0.1, 0.3)) / 2;
    expect(m.forward.map((p) => [p.from, p.to])).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(m.ftRatio).toBeCloseTo((ft2 + ft3) / 2, 12);
    const c = (a: number, d: number) => (n(d) - n(a)) / (n(d) + n(a));
    expect(m.ftContrast).toBeCloseTo((c(0.1, 0.2) + (c(0.1, 0.1) + c(0.1, 0.3)) / 2) / 2, 12);
    // Backward onto task 1: LB 2 (0.8 -> 0.6), LB 3 (0.6 -> 0.5); onto task 2: LB 3 (0.9 -> 0.95).
    expect(m.backward.map((p) => [p.from, p.to])).toEqual([[1, 0], [2, 0], [2, 1]]);
    expect(m.btRatio).toBeCloseTo(((r(0.8, 0.6) + r(0.6, 0.5)) / 2 + r(0.9, 0.95)) / 2, 12);
  });

  it('relative performance and sample efficiency against single-task experts', () => {
    // Length 5 -> window 1 (no smoothing). Task 1: LL sum 4 x 101 + 1, STE 3 x 101 + 2.
    expect(m.rpPerTask[0]).toBeCloseTo((4 * 101 + 1) / (3 * 101 + 2), 12);
    expect(m.rpPerTask[2]).toBeCloseTo(1, 12);
    // Task 1: both saturate at 101; LL after 2 experiences, STE after 3 -> SE = 3/2.
    expect(m.sePerTask[0]).toBeCloseTo(1.5, 12);
    expect(m.sePerTask[1]).toBeCloseTo(2 / 3, 12);
    // A falling LL curve scores 0.
    expect(lifelongMetrics({ R: [[0.5]], b: [0], curves: [[1, 1, 0, 0, 0]], steCurves: [[0, 1, 1, 1, 1]] }).se).toBe(0);
  });

  it('smoothing: flat window of min(floor(0.2 n), 100), shrinking at the ends', () => {
    expect(smooth([0, 0, 0, 0, 10])).toEqual([0, 0, 0, 0, 10]); // window 1
    const s = smooth(Array.from({ length: 10 }, (_, i) => (i === 5 ? 2 : 0))); // window 2: [i, i+1]
    expect(s[4]).toBe(1);
    expect(s[5]).toBe(1);
    expect(s[6]).toBe(0);
  });
});

describe('recovery after a shift', () => {
  // W = 2, fraction 1. Both learners perfect before the shift at 4; after it the first is right
  // from sample 6 on, the second from sample 5 on; the second shift (at 10) is never recovered by the first.
  const a = [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0];
  const c = [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1];
  const r = recoveryAfterShifts([a, c], [4, 10], { window: 2, fraction: 1 });

  it('times, censoring, medians and the faster count', () => {
    expect(r.targets).toEqual([1, 1]);
    // First learner: window [6, 8) is all right at t = 4; second: [5, 7) at t = 3.
    expect(r.learners[0].times).toEqual([4, null]);
    expect(r.learners[1].times).toEqual([3, 3]);
    expect(r.learners[0].median).toBeNull(); // one of two censored: median is +Infinity
    expect(r.learners[1].median).toBe(3);
    expect([r.secondFaster, r.ties, r.firstFaster]).toEqual([2, 0, 0]);
    expect(r.learners[0].plateau).toBe(1);
  });

  it('rejects a shift with too little history', () => {
    expect(() => recoveryAfterShifts([a], [1], { window: 2, fraction: 1 })).toThrow(MetricsInputError);
  });
});
