/**
 * The third factor for reward-modulated plasticity (R-STDP, `rule: 'r-stdp'`): a reward computed
 * from the network's own decision at the end of each learning presentation and delivered with
 * `Runtime.deliverReward`, through the learner's `afterLearn` hook (online.ts).
 *
 * Decision: the hidden population is split into `classes` equal groups (neuron j votes for class
 * floor(j / (size / classes)), the same grouping a teacher uses); the network decides for the
 * group with the most spikes in the sample (ties and silence: no decision, counted as wrong).
 * Reward: R = 1 when the decision is the label, else 0; what is delivered is R - b, b a running
 * mean of past R (b <- b + (R - b) / tau), so an expected outcome changes nothing and the
 * correct-but-common case is reinforced less as accuracy grows (Fremaux & Gerstner 2016, eq. 8;
 * Mozafari et al. 2018 scale reward and punishment by the miss and hit rates for the same reason).
 */
import { UsageError } from '../errors.js';
import type { Runtime } from '../runtime/runtime.js';

export type AfterLearnHook = (rt: Runtime, label: number) => void;

export interface DecisionRewardOptions {
  /** Population that decides (default: the readout's source population). */
  population?: string;
  /** R for a correct decision (default 1). */
  correct?: number;
  /** R for a wrong or no decision (default 0). */
  wrong?: number;
  /** Time constant of the reward baseline, in samples (default 100); 0 = no baseline (b = 0). */
  baselineSamples?: number;
  /** Initial baseline (default: the R of a chance-level decider). */
  initialBaseline?: number;
}

/** True when the model has a projection that learns from a delivered reward. */
export function hasRewardPlasticity(rt: Runtime): boolean {
  return rt.plan.projections.some((p) => p.rule === 'r-stdp');
}

/**
 * A hook that delivers R - b after each learning presentation, R = [group decision == label].
 * The baseline lives in the closure: one hook per runtime, created when learning starts.
 */
export function decisionReward(rt: Runtime, opts: DecisionRewardOptions = {}): AfterLearnHook {
  const name = opts.population ?? rt.plan.spec.readout?.from;
  const classes = rt.plan.readout?.nClass ?? 0;
  if (!name || name === 'input') throw new UsageError(`decisionReward: model "${rt.plan.spec.name}" has no hidden population to decide with (readout from ${name ?? 'nothing'})`);
  const layout = rt.plan.populations.find((p) => p.name === name);
  if (!layout) throw new UsageError(`decisionReward: no population "${name}" in model "${rt.plan.spec.name}"`);
  if (classes < 2 || layout.size % classes !== 0) {
    throw new UsageError(`decisionReward: population "${name}" (${layout.size} neurons) must split into ${classes} equal class groups`);
  }
  const tau = opts.baselineSamples ?? 100;
  if (!(tau === 0 || tau >= 1)) throw new UsageError(`decisionReward: baselineSamples must be 0 or >= 1, got ${tau}`);
  const hit = opts.correct ?? 1;
  const miss = opts.wrong ?? 0;
  const group = layout.size / classes;
  const votes = new Float64Array(classes);
  let baseline = tau === 0 ? 0 : opts.initialBaseline ?? (hit + (classes - 1) * miss) / classes;
  return (runtime, label) => {
    const counts = runtime.population(name).counts;
    votes.fill(0);
    for (let j = 0; j < layout.size; j++) votes[Math.floor(j / group)] += counts[j];
    let best = -1;
    let top = 0;
    let tie = false;
    for (let c = 0; c < classes; c++) {
      if (votes[c] > top) { top = votes[c]; best = c; tie = false; } else if (votes[c] === top && top > 0) tie = true;
    }
    const r = !tie && best === label ? hit : miss;
    runtime.deliverReward(r - baseline);
    if (tau > 0) baseline += (r - baseline) / tau;
  };
}
