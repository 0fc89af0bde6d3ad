/**
 * Behaviour of the three-factor rules, continual-learning controls and prototype readouts: each
 * does what its paper claims on a small task, and a control in the same test fails it.
 * Host-side loops drive the wasm kernels directly (SIMD build, TestArena); every random choice
 * comes from a seeded xoshiro128**, so each number below is reproducible.
 */
import { describe, expect, it } from 'vitest';
import { TestArena } from '../helpers/arena.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { ELIG, IZH, LIF, STDP, STATE } from '../../host/runtime/abi.js';
import { packEligParams, type EligParams } from '../../host/reference/eligibility.js';
import { packClasspParams } from '../../host/reference/classp.js';
import { packModeParams } from '../../host/reference/modes.js';

function mean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

const A = new TestArena('simd', 1024);

/** A LIF population: state block, parameter block and spike/margin buffers in the arena. */
interface Pop {
  n: number; nPad: number; state: number; params: number; spikes: number; margins: number;
  /** Byte offset of the synaptic-current array (input spikes add their weights here). */
  cur: number;
  /** Integrate, threshold and reset; returns the spiking indices (a view into the arena). */
  step(): Uint32Array;
}

function lifPop(a: TestArena, n: number, o: { tauM: number; tauS?: number; vTh: number; discrete?: boolean }): Pop {
  const nPad = Math.ceil(n / 4) * 4;
  const state = a.alloc(STATE.ARRAYS * nPad * 4), params = a.alloc(64), spikes = a.alloc(nPad * 4), margins = a.alloc(nPad * 4);
  const f = a.f32(params, 16), i = a.i32(params, 16);
  const am = Math.exp(-1 / o.tauM);
  if (o.discrete) {
    // v(t) = alpha v(t-1) + I(t), I cleared after use (e-prop / TESS discrete-time LIF).
    f[LIF.ALPHA_M] = am; f[LIF.ALPHA_S] = 0; f[LIF.BETA] = 1; f[LIF.GAMMA] = 0;
  } else {
    const tauS = o.tauS!;
    const as = Math.exp(-1 / tauS);
    f[LIF.ALPHA_M] = am; f[LIF.ALPHA_S] = as; f[LIF.BETA] = (tauS / (tauS - o.tauM)) * (as - am); f[LIF.GAMMA] = 1 - am;
  }
  f[LIF.V_TH] = o.vTh; f[LIF.V_RESET] = 0; i[LIF.RESET_MODE] = o.discrete ? 1 : 0; i[LIF.REFRAC_HOLD] = 0;
  f[LIF.ALPHA_B] = 1; f[LIF.D_THETA] = 0;
  return {
    n, nPad, state, params, spikes, margins, cur: state + STATE.I * nPad * 4,
    step() {
      const ns = a.k.lif_step_f32(n, state, params, spikes, margins);
      a.k.lif_reset_f32(n, state, params, spikes, ns);
      return a.u32(spikes, ns);
    },
  };
}

function stdpBlock(a: TestArena, aPlus: number, aMinus: number): number {
  const p = a.alloc(64);
  const f = a.f32(p, 16);
  f[STDP.ETA_PLUS] = aPlus; f[STDP.ETA_MINUS] = aMinus; f[STDP.IMPULSE_PRE] = 1; f[STDP.IMPULSE_POST] = 1;
  a.i32(p, 16)[STDP.TRACE_MODE] = 0;
  return p;
}

// ── R-STDP ────────────────────────────────────────────────────────────────────────────────────
/**
 * One LIF neuron, 60 inputs. Each trial shows pattern 0 (inputs 0-29 fire at 100 Hz, the others
 * at 2 Hz) or pattern 1 (inputs 30-59) for 20 ms; 10 ms after the pattern a reward arrives if the
 * neuron fired: +1 if the pattern was the rewarded one, -1 otherwise (0 when silent). The
 * modulator is the reward minus a running mean of the rewards (a critic, b += 0.05 (R - b)), and
 * the eligibility trace (tau_e = 50 ms) bridges the 10 ms delay. The experiment is run twice,
 * rewarding pattern 0 and then pattern 1, from the same initial weights and input spikes.
 * Control: the same magnitudes of reward with a sign that follows a coin flip, decorrelated from
 * the pattern; it cannot follow which pattern is rewarded.
 */
function runRstdp(seed: number, rewarded: 0 | 1, shuffled: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 60, nOut = 1;
  const pop = lifPop(a, nOut, { tauM: 20, tauS: 5, vTh: 1 });
  const w = a.alloc(nIn * nOut * 4), e = a.alloc(nIn * nOut * 4), x = a.alloc(nIn * 4), y = a.alloc(nOut * 4);
  a.f32(w, nIn).set(Float32Array.from({ length: nIn }, () => 0.07 + 0.06 * rng.nextFloat()));
  const sp = stdpBlock(a, 1, 0.5);
  const ep: EligParams = { alpha: Math.exp(-1 / 50), floor: 1e-9, kA: 0, kC: 0, eta: 0.002, wMin: 0, wMax: 0.2, soft: false };
  const epp = a.put(packEligParams(ep));
  const pre = a.alloc(nIn * 4);
  const ax = Math.exp(-1 / 20);
  let baseline = 0;
  const trial = (pattern: number, learn: boolean): number => {
    let fired = 0;
    for (let t = 0; t < 40; t++) {
      const on = t < 20;
      let np = 0;
      const idx = a.u32(pre, nIn);
      for (let i = 0; i < nIn; i++) {
        const inPattern = (i < 30) === (pattern === 0);
        if (rng.nextFloat() < (on && inPattern ? 0.1 : 0.002)) idx[np++] = i;
      }
      a.k.trace_decay_f32(x, nIn, ax, 1e-30);
      a.k.trace_decay_f32(y, nOut, ax, 1e-30);
      a.k.dense_accumulate_f32(w, nIn, nOut, pre, np, pop.cur);
      const post = pop.step();
      if (on) fired += post.length;
      if (learn) a.k.rstdp_step_f32(e, nIn, nOut, pre, np, pop.spikes, post.length, x, y, sp, epp);
      if (learn && t === 30) {
        const coin = rng.nextFloat() < 0.5;
        const good = shuffled ? coin : pattern === rewarded;
        const reward = fired > 0 ? (good ? 1 : -1) : 0;
        const mod = reward - baseline;
        baseline += 0.05 * (reward - baseline);
        if (mod !== 0) a.k.elig_apply_f32(w, e, nIn, nOut, 0, mod, epp);
      }
    }
    return fired;
  };
  for (let k = 0; k < 300; k++) trial(rng.nextFloat() < 0.5 ? 0 : 1, true);
  const hits = [0, 0];
  const nTest = 50;
  for (let k = 0; k < nTest; k++) {
    for (const pat of [0, 1]) if (trial(pat, false) > 0) hits[pat]++;
  }
  return { pRewarded: hits[rewarded] / nTest, pOther: hits[1 - rewarded] / nTest };
}

describe('R-STDP (Izhikevich 2007; Florian 2007)', () => {
  it('learns to fire for the rewarded pattern, whichever it is; decorrelated reward does not', () => {
    const follow: number[] = [], control: number[] = [];
    for (const rewarded of [0, 1] as const) {
      const r = runRstdp(1, rewarded, false);
      const c = runRstdp(1, rewarded, true);
      console.log(`R-STDP, pattern ${rewarded} rewarded: P(fire|rewarded) ${r.pRewarded} P(fire|other) ${r.pOther}; decorrelated reward: ${c.pRewarded} vs ${c.pOther}`);
      expect(r.pRewarded).toBeGreaterThanOrEqual(0.9);
      expect(r.pOther).toBeLessThanOrEqual(0.2);
      follow.push(r.pRewarded - r.pOther);
      control.push(c.pRewarded - c.pOther);
    }
    // Selectivity for the rewarded pattern, averaged over the two assignments.
    console.log(`R-STDP selectivity for the rewarded pattern: ${mean(follow).toFixed(2)}; control ${mean(control).toFixed(2)}`);
    expect(mean(follow)).toBeGreaterThan(0.7);
    expect(Math.abs(mean(control))).toBeLessThan(0.2);
  });
});

// ── e-prop ────────────────────────────────────────────────────────────────────────────────────
/**
 * Pattern generation (after Bellec et al. 2020, Fig. 2): 20 inputs replay one frozen 100-ms
 * Poisson pattern into 20 recurrent discrete-time LIF neurons; one leaky readout (kappa =
 * exp(-1/10)) must trace a sum of three sinusoids. Random e-prop trains the input and recurrent
 * weights with the learning signal L = B (y - y*) through fixed random feedback B, plus the paper's
 * firing-rate regulariser (L_j += c (rate_j - 50 Hz)); the readout learns from the same error
 * (normalised by |zhat|^2). Updates are accumulated during a trial and take effect at its end.
 * Controls: the same network with input and recurrent weights frozen (only the readout learns: a
 * reservoir), and with no plasticity at all. Score: normalised MSE (MSE / target variance) on a
 * trial without learning.
 */
function runEprop(seed: number, mode: 'eprop' | 'readout' | 'frozen') {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 20, nRec = 20, nK = 1, T = 100, trials = 200, etaH = 2e-4, etaO = 0.01, reg = 5;
  const gauss = (n: number, sd: number) => Float32Array.from({ length: n }, () => sd * rng.nextGaussian());
  const pattern: Uint32Array[] = Array.from({ length: T }, () => Uint32Array.from(Array.from({ length: nIn }, (_, i) => i).filter(() => rng.nextFloat() < 0.05)));
  const target = Float32Array.from({ length: T }, (_, t) => 0.6 * Math.sin((2 * Math.PI * t) / 100) + 0.3 * Math.sin((2 * Math.PI * t) / 50 + 1) + 0.2 * Math.sin((2 * Math.PI * t) / 33 + 2));
  const pop = lifPop(a, nRec, { tauM: 20, vTh: 1, discrete: true });
  const wIn = a.put(gauss(nIn * nRec, 0.8 / Math.sqrt(nIn))), wRec = a.put(gauss(nRec * nRec, 0.5 / Math.sqrt(nRec)));
  const wOut = a.put(gauss(nRec * nK, 0.5 / Math.sqrt(nRec))), fb = a.put(gauss(nK * nRec, 1));
  // Updates go to shadow copies during a trial and take effect at its end.
  const sIn = a.put(a.f32(wIn, nIn * nRec)), sRec = a.put(a.f32(wRec, nRec * nRec)), sOut = a.put(a.f32(wOut, nRec * nK));
  const eIn = a.alloc(nIn * nRec * 4), eRec = a.alloc(nRec * nRec * 4);
  const zIn = a.alloc(nIn * 4), zRec = a.alloc(nRec * 4), zHat = a.alloc(nRec * 4), psi = a.alloc(nRec * 4), L = a.alloc(nRec * 4);
  const y = a.alloc(16), err = a.alloc(16), prevZ = a.alloc(nRec * 4), inIdx = a.alloc(nIn * 4);
  const kappa = Math.exp(-1 / 10), alpha = Math.exp(-1 / 20);
  const hid = a.put(packEligParams({ alpha: kappa, floor: 1e-12, kA: 1, kC: 0, eta: mode === 'eprop' ? etaH : 0, wMin: -1, wMax: 1, soft: false }));
  const out = a.put(packEligParams({ alpha: 0, floor: 0, kA: 1, kC: 0, eta: mode === 'frozen' ? 0 : etaO, wMin: -3, wMax: 3, soft: false }));
  const cur = pop.cur;
  const rate = new Float64Array(nRec), cnt = new Float64Array(nRec);
  let zNorm = 1;
  const runTrial = (learn: boolean): number => {
    a.f32(eIn, nIn * nRec).fill(0);
    a.f32(eRec, nRec * nRec).fill(0);
    for (const p of [zIn, zRec, zHat]) a.f32(p, nRec).fill(0);
    a.f32(pop.state, pop.nPad * STATE.ARRAYS).fill(0);
    a.f32(y, 1)[0] = 0;
    cnt.fill(0);
    let nPrev = 0, se = 0, zAcc = 0;
    for (let t = 0; t < T; t++) {
      const xs = pattern[t];
      a.u32(inIdx, nIn).set(xs);
      a.k.trace_decay_f32(zIn, nIn, alpha, 1e-30); // input trace includes x(t): it reaches v(t)
      a.k.trace_bump_f32(zIn, nIn, inIdx, xs.length, 1, 0);
      a.k.dense_accumulate_f32(wIn, nIn, nRec, inIdx, xs.length, cur);
      a.k.dense_accumulate_f32(wRec, nRec, nRec, prevZ, nPrev, cur);
      const ns = a.k.lif_step_f32(nRec, pop.state, pop.params, pop.spikes, pop.margins);
      a.k.eprop_pseudo_f32(nRec, pop.state, pop.params, 0.3, psi); // v before the reset
      a.k.lif_reset_f32(nRec, pop.state, pop.params, pop.spikes, ns);
      for (const j of a.u32(pop.spikes, ns)) cnt[j]++;
      a.k.trace_decay_f32(y, nK, kappa, -Infinity); // leaky readout (signed: no flush)
      a.k.dense_accumulate_f32(wOut, nRec, nK, pop.spikes, ns, y);
      a.k.trace_decay_f32(zHat, nRec, kappa, 1e-30);
      a.k.trace_bump_f32(zHat, nRec, pop.spikes, ns, 1, 0);
      for (const q of a.f32(zHat, nRec)) zAcc += q * q;
      const e = a.f32(y, 1)[0] - target[t];
      a.f32(err, 1)[0] = e;
      se += e * e;
      if (learn) {
        a.k.elig_step_f32(eIn, nIn, nRec, zIn, psi, 0, 0, hid);
        a.k.elig_step_f32(eRec, nRec, nRec, zRec, psi, 0, 0, hid); // recurrent trace holds z(t-1)
        a.k.eprop_signal_f32(fb, nK, nRec, err, L);
        const l = a.f32(L, nRec);
        for (let j = 0; j < nRec; j++) l[j] += reg * (rate[j] - 0.05);
        a.k.elig_apply_f32(sIn, eIn, nIn, nRec, L, -1, hid);
        a.k.elig_apply_f32(sRec, eRec, nRec, nRec, L, -1, hid);
        a.k.elig_apply_outer_f32(sOut, nRec, nK, zHat, 0, 0, 0, err, -1 / zNorm, out);
      }
      a.k.trace_decay_f32(zRec, nRec, alpha, 1e-30);
      a.k.trace_bump_f32(zRec, nRec, pop.spikes, ns, 1, 0);
      a.u32(prevZ, nRec).set(a.u32(pop.spikes, ns));
      nPrev = ns;
    }
    for (let j = 0; j < nRec; j++) rate[j] = cnt[j] / T;
    zNorm = 1 + zAcc / T;
    if (learn) {
      a.f32(wIn, nIn * nRec).set(a.f32(sIn, nIn * nRec));
      a.f32(wRec, nRec * nRec).set(a.f32(sRec, nRec * nRec));
      a.f32(wOut, nRec * nK).set(a.f32(sOut, nRec * nK));
    }
    return se / T;
  };
  const mt = mean(target);
  let v = 0;
  for (const t of target) v += (t - mt) ** 2;
  v /= T;
  const before = runTrial(false) / v;
  for (let k = 0; k < trials; k++) runTrial(true);
  return { before, after: runTrial(false) / v };
}

describe('e-prop (Bellec et al. 2020)', () => {
  it('learns a temporal target better than the frozen-network controls', () => {
    const r = runEprop(1, 'eprop'), ro = runEprop(1, 'readout'), fz = runEprop(1, 'frozen');
    console.log(`e-prop NMSE ${r.before.toFixed(3)} -> ${r.after.toFixed(3)}; hidden frozen (readout only) ${ro.after.toFixed(3)}; no plasticity ${fz.after.toFixed(3)}`);
    expect(r.after).toBeLessThan(0.3);
    expect(r.after).toBeLessThan(0.6 * ro.after);
    expect(fz.after).toBeGreaterThan(0.8);
  });
});

// ── TESS ──────────────────────────────────────────────────────────────────────────────────────
/**
 * Four classes of spatio-temporal spike patterns (40 inputs x T steps: one frozen Poisson template
 * per class; each presentation keeps a template spike with p = 0.8 and adds noise spikes at 2%),
 * one layer of 40 discrete-time LIF neurons trained with TESS: factorised eligibility (pre trace
 * lambda_pre = 0.8, post pseudo-derivative trace lambda_post = 0.5, a_pre = 1, a_post = -0.2) and
 * the layer's own learning signal from a fixed square-wave basis. The layer's class decision is
 * argmax_c sum_t q_c(t). Control: the same layer with plasticity off.
 * Memory: the learning state is allocated once, before any presentation, and the same buffers
 * serve presentations of 30 and of 90 steps.
 */
function runTess(seed: number, T: number, learn: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 40, n = 40, nClass = 4;
  const templates = Array.from({ length: nClass }, () => Array.from({ length: T }, () => Float32Array.from({ length: nIn }, () => (rng.nextFloat() < 0.08 ? 1 : 0))));
  const pop = lifPop(a, n, { tauM: 8, vTh: 1, discrete: true });
  const w = a.put(Float32Array.from({ length: nIn * n }, () => (0.6 / Math.sqrt(nIn)) * rng.nextGaussian()));
  const basis = a.put(Float32Array.from({ length: nClass * n }, (_, k) => Math.sign(Math.sin((2 * Math.PI * (Math.floor(k / n) + 1) * ((k % n) + 0.5)) / n)) / n));
  const params = a.put(packEligParams({ alpha: 0, floor: 0, kA: 1, kC: -0.2, eta: learn ? 30 / T : 0, wMin: -2, wMax: 2, soft: false })); // eta per step: 1 per 30 steps
  const idx = a.alloc(nIn * 4);
  // TESS learning state: per presynaptic neuron xbar and x, per neuron psi, pbar, L; q per class.
  const xbar = a.alloc(nIn * 4), xv = a.alloc(nIn * 4), psi = a.alloc(n * 4), pbar = a.alloc(n * 4), L = a.alloc(n * 4), q = a.alloc(nClass * 4);
  const mark = a.alloc(16);
  const learningBytes = mark - xbar; // arena bytes of the learning state (16-byte aligned buffers)
  const cur = pop.cur;
  const present = (cls: number, label: number): number => {
    a.f32(pop.state, pop.nPad * STATE.ARRAYS).fill(0);
    a.f32(xbar, nIn).fill(0);
    a.f32(pbar, n).fill(0);
    const score = new Float64Array(nClass);
    for (let t = 0; t < T; t++) {
      const tpl = templates[cls][t];
      const x = a.f32(xv, nIn), list = a.u32(idx, nIn);
      let nx = 0;
      for (let i = 0; i < nIn; i++) {
        const s = (tpl[i] === 1 && rng.nextFloat() < 0.8) || rng.nextFloat() < 0.02 ? 1 : 0;
        x[i] = s;
        if (s) list[nx++] = i;
      }
      a.k.trace_decay_f32(xbar, nIn, 0.8, 1e-30);
      a.k.trace_bump_f32(xbar, nIn, idx, nx, 1, 0);
      a.k.dense_accumulate_f32(w, nIn, n, idx, nx, cur);
      const ns = a.k.lif_step_f32(n, pop.state, pop.params, pop.spikes, pop.margins);
      a.k.eprop_pseudo_f32(n, pop.state, pop.params, 0.3, psi);
      a.k.lif_reset_f32(n, pop.state, pop.params, pop.spikes, ns);
      a.k.tess_signal_f32(basis, nClass, n, pop.spikes, ns, label, 2, q, L);
      if (label >= 0) a.k.elig_apply_outer_f32(w, nIn, n, xbar, psi, xv, pbar, L, -1, params);
      a.k.trace_filter_f32(pbar, n, 0.5, psi);
      const qv = a.f32(q, nClass);
      for (let c = 0; c < nClass; c++) score[c] += qv[c];
    }
    let best = 0;
    for (let c = 1; c < nClass; c++) if (score[c] > score[best]) best = c;
    return best;
  };
  for (let k = 0; k < 400; k++) {
    const cls = rng.nextInt(nClass);
    present(cls, learn ? cls : -1);
  }
  let correct = 0;
  const nTest = 200;
  for (let k = 0; k < nTest; k++) {
    const cls = k % nClass;
    if (present(cls, -1) === cls) correct++;
  }
  // Nothing was allocated while learning: the next free byte is right after the mark.
  const grown = a.alloc(16) - (mark + 16);
  return { acc: correct / nTest, learningBytes, grown };
}

describe('TESS (Apolinario, Roy & Frenkel 2025)', () => {
  it('learns a 4-class spike-pattern task with constant learning memory; plasticity off does not', () => {
    const short = runTess(1, 30, true), long = runTess(1, 90, true), off = runTess(1, 30, false);
    console.log(`TESS accuracy: T=30 ${short.acc}, T=90 ${long.acc} (learning state ${short.learningBytes} arena bytes for both, no growth while learning; weights ${40 * 40 * 4} B); plasticity off ${off.acc} (chance 0.25)`);
    expect(short.acc).toBeGreaterThanOrEqual(0.9);
    expect(long.acc).toBeGreaterThanOrEqual(0.9);
    expect(long.learningBytes).toBe(short.learningBytes);
    expect(short.grown).toBe(0);
    expect(long.grown).toBe(0);
    expect(off.acc).toBeLessThan(0.5);
  });
});

// ── Izhikevich reservoir with the attention-gated Hebbian readout ("what" and "when") ─────────
/**
 * A heterogeneous Izhikevich reservoir (80 regular-spiking excitatory, 20 fast-spiking inhibitory
 * neurons, Izhikevich 2003 parameters, random bias currents 3-8, sparse random recurrent weights,
 * noise from the arena PRNG via noise_inject_f32) receives one of three cues (10 channels each,
 * 300 Hz for the first 10 ms, then 200 Hz); the cue's event follows after a cue-specific delay
 * (30, 50 or 70 ms), so "what" is the cue's identity and "when" must be read from the reservoir's
 * evolving, adapting response. Every trial starts from the same state (a snapshot taken after
 * 300 ms of spontaneous activity). Readouts of the filtered reservoir spikes (tau 10 and
 * 40 ms, plus a constant feature) learn online with gated_hebb_learn_f32 (step normalised by the
 * feature energy, NLMS):
 *   "what" (3 units): AGREL-style attention gate, only the unit the network selects (epsilon-greedy
 *   argmax) learns, with target = reward (1 if it names the coming event), during the
 *   anticipation window [10 ms, event);
 *   "when" (1 unit): gate 1 throughout, target 1 in the 10 ms before the event, 0 elsewhere.
 * Evaluation without learning: "what" is correct when argmax of the mean "what" output over the
 * anticipation window names the event; "when" is correct when the "when" output peaks within
 * 7 ms of the centre of the pre-event window. Control: the same rule with shuffled errors (reward
 * and timing target computed for a random cue, not the one shown).
 */
function runReservoir(seed: number, shuffled: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nE = 80, nI = 20, nN = nE + nI, nCue = 3, perCue = 10, nInp = nCue * perCue, nFeat = 2 * nN + 1, nWhat = 3, nOut = nWhat + 1;
  const delays = [30, 50, 70], Tmax = 90;
  const izh = (n: number, aa: number, bb: number, d: number) => {
    const nPad = Math.ceil(n / 4) * 4;
    const state = a.alloc(STATE.ARRAYS * nPad * 4), params = a.alloc(64), spikes = a.alloc(nPad * 4), margins = a.alloc(nPad * 4);
    const f = a.f32(params, 16), i = a.i32(params, 16);
    f[LIF.ALPHA_S] = Math.exp(-1 / 5); f[LIF.V_TH] = 30; f[LIF.V_RESET] = -65; i[LIF.RESET_MODE] = 0; i[LIF.REFRAC_HOLD] = 0;
    f[LIF.D_THETA] = d; f[IZH.A] = aa; f[IZH.B] = bb; f[IZH.DT] = 1; i[IZH.SCHEME] = 1;
    const bias = Float32Array.from({ length: n }, () => 3 + 5 * rng.nextFloat());
    let snapshot: Float32Array | null = null;
    const reset = () => {
      if (snapshot) { a.f32(state, nPad * STATE.ARRAYS).set(snapshot); return; }
      a.f32(state, nPad * STATE.ARRAYS).fill(0);
      a.f32(state, n).fill(-65);
      a.f32(state + STATE.B * nPad * 4, n).fill(-65 * bb);
      a.f32(state + STATE.BIAS * nPad * 4, n).set(bias);
    };
    return { n, nPad, state, params, spikes, cur: state + STATE.I * nPad * 4, reset,
      snap: () => { snapshot = a.f32(state, nPad * STATE.ARRAYS).slice(); },
      step: () => { const ns = a.k.izh_step_f32(n, state, params, spikes, margins); a.k.lif_reset_f32(n, state, params, spikes, ns); return ns; } };
  };
  const E = izh(nE, 0.02, 0.2, 8), I = izh(nI, 0.1, 0.2, 2);
  const mat = (nIn: number, nOut_: number, p: number, lo: number, hi: number) =>
    a.put(Float32Array.from({ length: nIn * nOut_ }, () => (rng.nextFloat() < p ? lo + (hi - lo) * rng.nextFloat() : 0)));
  const wEE = mat(nE, nE, 0.2, 0, 2), wEI = mat(nE, nI, 0.3, 0, 2), wIE = mat(nI, nE, 0.3, -4, 0), wII = mat(nI, nI, 0.3, -2, 0);
  const wCue = mat(nInp, nE, 0.25, 0, 2);
  const w = a.alloc(nFeat * nOut * 4);
  const feat = a.alloc(nFeat * 4), y = a.alloc(nOut * 4), err = a.alloc(nOut * 4), target = a.alloc(nOut * 4), gate = a.alloc(nOut * 4);
  const cueIdx = a.alloc(nInp * 4), rngState = a.alloc(16);
  a.k.rng_seed(rngState, seed);
  const params = a.put(packEligParams({ alpha: 0, floor: 0, kA: 0, kC: 0, eta: 0, wMin: -2, wMax: 2, soft: false }));
  const ar = Math.exp(-1 / 10), arSlow = Math.exp(-1 / 40);
  let prevE = 0, prevI = 0;
  const netStep = (cue: number, t: number) => {
    let nc = 0;
    if (cue >= 0) {
      const ci = a.u32(cueIdx, nInp), pc = t < 10 ? 0.3 : 0.2;
      for (let k = 0; k < perCue; k++) if (rng.nextFloat() < pc) ci[nc++] = cue * perCue + k;
    }
    a.k.dense_accumulate_f32(wCue, nInp, nE, cueIdx, nc, E.cur);
    a.k.dense_accumulate_f32(wEE, nE, nE, E.spikes, prevE, E.cur);
    a.k.dense_accumulate_f32(wEI, nE, nI, E.spikes, prevE, I.cur);
    a.k.dense_accumulate_f32(wIE, nI, nE, I.spikes, prevI, E.cur);
    a.k.dense_accumulate_f32(wII, nI, nI, I.spikes, prevI, I.cur);
    a.k.noise_inject_f32(E.cur, nE, rngState, 0.2, 1);
    a.k.noise_inject_f32(I.cur, nI, rngState, 0.2, 1);
    prevE = E.step();
    prevI = I.step();
  };
  E.reset(); I.reset();
  for (let t = 0; t < 300; t++) netStep(-1, t); // spontaneous activity, then the trials' common start
  E.snap(); I.snap();
  const snapPrev = [prevE, prevI];
  const trial = (cue: number, learn: boolean) => {
    E.reset(); I.reset();
    [prevE, prevI] = snapPrev;
    const f = a.f32(feat, nFeat);
    f.fill(0);
    f[nFeat - 1] = 1;
    const credited = shuffled ? rng.nextInt(nCue) : cue;
    const D = delays[cue], Dc = delays[credited];
    const whatSum = new Float64Array(nWhat), when = new Float64Array(Tmax);
    for (let t = 0; t < Tmax; t++) {
      netStep(cue, t);
      a.k.trace_decay_f32(feat, nN, ar, 1e-30);
      a.k.trace_decay_f32(feat + nN * 4, nN, arSlow, 1e-30);
      for (const base of [feat, feat + nN * 4]) {
        a.k.trace_bump_f32(base, nE, E.spikes, prevE, 0.5, 0);
        a.k.trace_bump_f32(base + nE * 4, nI, I.spikes, prevI, 0.5, 0);
      }
      const inWindow = (d: number) => t >= 10 && t < d;
      if (learn) {
        const tg = a.f32(target, nOut), g = a.f32(gate, nOut);
        tg.fill(0); g.fill(0);
        if (inWindow(Dc)) {
          a.k.gated_hebb_predict_f32(w, nFeat, nOut, feat, y);
          const yv = a.f32(y, nOut);
          let sel = 0;
          for (let k = 1; k < nWhat; k++) if (yv[k] > yv[sel]) sel = k;
          if (rng.nextFloat() < 0.1) sel = rng.nextInt(nWhat);
          g[sel] = 1;
          tg[sel] = sel === credited ? 1 : 0; // reward for naming the coming event
        }
        g[nWhat] = 1;
        tg[nWhat] = t >= Dc - 10 && t < Dc ? 1 : 0;
        let ff = 0;
        for (const v of f) ff += v * v;
        a.f32(params, 8)[ELIG.ETA] = 0.1 / (1 + ff); // normalised step (NLMS)
        a.k.gated_hebb_learn_f32(w, nFeat, nOut, feat, target, gate, params, y, err);
      } else {
        a.k.gated_hebb_predict_f32(w, nFeat, nOut, feat, y);
      }
      const yv = a.f32(y, nOut);
      if (inWindow(D)) for (let k = 0; k < nWhat; k++) whatSum[k] += yv[k];
      when[t] = yv[nWhat];
    }
    let what = 0;
    for (let k = 1; k < nWhat; k++) if (whatSum[k] > whatSum[what]) what = k;
    let peak = 10;
    for (let t = 10; t < Tmax; t++) if (when[t] > when[peak]) peak = t;
    return { whatOk: what === cue, whenErr: Math.abs(peak - (D - 5)) };
  };
  for (let k = 0; k < 600; k++) trial(rng.nextInt(nCue), true);
  let whatOk = 0, whenOk = 0, whenErr = 0;
  const nTest = 60;
  for (let k = 0; k < nTest; k++) {
    const r = trial(k % nCue, false);
    if (r.whatOk) whatOk++;
    if (r.whenErr <= 10) whenOk++;
    whenErr += r.whenErr / nTest;
  }
  return { what: whatOk / nTest, when: whenOk / nTest, whenErr };
}

describe('attention-gated Hebbian readout of an Izhikevich reservoir (Yamada & Chao 2025)', () => {
  it('predicts "what" and "when" above the shuffled-error control (three seeds)', () => {
    const rs = [1, 2, 3].map((sd) => runReservoir(sd, false)), cs = [1, 2, 3].map((sd) => runReservoir(sd, true));
    const r = { what: mean(rs.map((x) => x.what)), when: mean(rs.map((x) => x.when)), err: mean(rs.map((x) => x.whenErr)) };
    const c = { what: mean(cs.map((x) => x.what)), when: mean(cs.map((x) => x.when)), err: mean(cs.map((x) => x.whenErr)) };
    console.log(`reservoir readout (mean of 3 seeds): what ${r.what.toFixed(2)}, when ${r.when.toFixed(2)} (mean |error| ${r.err.toFixed(1)} ms); shuffled error: what ${c.what.toFixed(2)}, when ${c.when.toFixed(2)} (${c.err.toFixed(1)} ms); chance what 0.33`);
    expect(r.what).toBeGreaterThanOrEqual(0.9);
    expect(r.when).toBeGreaterThanOrEqual(0.75);
    expect(c.what).toBeLessThan(0.6);
    expect(c.when).toBeLessThan(r.when - 0.2);
    expect(c.err).toBeGreaterThan(1.5 * r.err);
  });
});

// ── CLASSP continual-learning controls ────────────────────────────────────────────────────────
/**
 * Two tasks in sequence on one two-class readout (domain-incremental). Inputs are non-negative,
 * unit-norm, spike-count-like vectors of 40 features: 20 shared by both tasks and 10 private to
 * each task. In task A, shared pattern P0 means class 0 and P1 class 1; task B reverses the
 * shared patterns (P1 -> class 0), and each task's private features carry its own class patterns,
 * so a readout that relies on private features solves both, one that relies on the shared ones
 * can hold only the last task. The learner is a delta rule, g_ij = x_i (t_j - y_j):
 *   plain:  w += eta g                                            (elig_apply_outer_f32)
 *   CLASSP: the same g through classp_apply_f32 (per-weight suppression, p = 2, threshold)
 * Forgetting = accuracy on A after A - accuracy on A after B (held-out samples).
 */
function twoTaskData(rng: Xoshiro128, nIn = 40) {
  const pattern = (lo: number, hi: number) => {
    const v = new Float32Array(nIn);
    for (let i = lo; i < hi; i++) if (rng.nextFloat() < 0.5) v[i] = 0.5 + rng.nextFloat();
    return v;
  };
  const P = [pattern(0, 20), pattern(0, 20)], QA = [pattern(20, 30), pattern(20, 30)], QB = [pattern(30, 40), pattern(30, 40)];
  return (task: 0 | 1, c: number) => {
    const shared = P[task === 0 ? c : 1 - c], priv = (task === 0 ? QA : QB)[c];
    const x = Float32Array.from({ length: nIn }, (_, i) => Math.max(0, (shared[i] + priv[i]) * (0.7 + 0.6 * rng.nextFloat()) + 0.2 * (rng.nextFloat() - 0.5)));
    let n2 = 0;
    for (const v of x) n2 += v * v;
    return x.map((v) => v / Math.sqrt(n2));
  };
}

function runClassp(seed: number, useClassp: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 40, nOut = 2;
  const sample = twoTaskData(rng, nIn);
  const w = a.alloc(nIn * nOut * 4), acc = a.alloc(nIn * nOut * 4), px = a.alloc(nIn * 4), y = a.alloc(nOut * 4), err = a.alloc(nOut * 4);
  const plain = a.put(packEligParams({ alpha: 0, floor: 0, kA: 1, kC: 0, eta: 0.1, wMin: -4, wMax: 4, soft: false }));
  const cp = a.put(packClasspParams({ eta: 0.1, eps: 0.05, threshold: 1e-4, power: 1, wMin: -4, wMax: 4 }));
  let applied = 0, offered = 0;
  const predict = (x: Float32Array) => {
    a.f32(px, nIn).set(x);
    a.k.gated_hebb_predict_f32(w, nIn, nOut, px, y);
    const yv = a.f32(y, nOut);
    return yv[1] > yv[0] ? 1 : 0;
  };
  const train = (task: 0 | 1, n: number) => {
    for (let k = 0; k < n; k++) {
      const c = rng.nextInt(2);
      predict(sample(task, c));
      const yv = a.f32(y, nOut), e = a.f32(err, nOut);
      for (let j = 0; j < nOut; j++) e[j] = (j === c ? 1 : 0) - yv[j];
      if (useClassp) { applied += a.k.classp_apply_f32(w, acc, nIn, nOut, px, err, 1, cp); offered += nIn * nOut; }
      else a.k.elig_apply_outer_f32(w, nIn, nOut, px, 0, 0, 0, err, 1, plain);
    }
  };
  const test = (task: 0 | 1) => {
    let ok = 0;
    for (let k = 0; k < 200; k++) if (predict(sample(task, k % 2)) === k % 2) ok++;
    return ok / 200;
  };
  train(0, 300);
  const aAfterA = test(0);
  train(1, 300);
  return { aAfterA, aAfterB: test(0), bAfterB: test(1), sparsity: offered ? 1 - applied / offered : 0 };
}

describe('CLASSP (Ludwig 2024)', () => {
  it('reduces forgetting on a two-task sequence compared with the same network without it (three seeds)', () => {
    const ps = [1, 2, 3].map((sd) => runClassp(sd, false)), cs = [1, 2, 3].map((sd) => runClassp(sd, true));
    const summary = (rs: typeof ps) => ({ aA: mean(rs.map((r) => r.aAfterA)), aB: mean(rs.map((r) => r.aAfterB)), bB: mean(rs.map((r) => r.bAfterB)), sp: mean(rs.map((r) => r.sparsity)) });
    const p = summary(ps), c = summary(cs);
    console.log(`two-task sequence (mean of 3 seeds): plain delta rule acc_A ${p.aA.toFixed(3)} -> ${p.aB.toFixed(3)} (forgetting ${(p.aA - p.aB).toFixed(3)}), acc_B ${p.bB.toFixed(3)}; ` +
      `CLASSP acc_A ${c.aA.toFixed(3)} -> ${c.aB.toFixed(3)} (forgetting ${(c.aA - c.aB).toFixed(3)}), acc_B ${c.bB.toFixed(3)}, ${(100 * c.sp).toFixed(1)}% of synapses left unchanged per step (zero input or g^2 below the threshold)`);
    expect(p.aA).toBeGreaterThanOrEqual(0.95);
    expect(c.aA).toBeGreaterThanOrEqual(0.95);
    expect(p.aA - p.aB).toBeGreaterThan(0.4);
    expect(c.aA - c.aB).toBeLessThan(0.1);
    expect(c.bB).toBeGreaterThanOrEqual(0.9);
  });
});

// ── Gain/threshold modes with frozen weights ─────────────────────────────────────────────────
/**
 * Two conflicting tasks on the inputs of the CLASSP test's task A: task B relabels them (A's class
 * 0 inputs are B's class 1), so no single fixed network solves both. The network's weights never
 * change: 40 inputs ->
 * 60 hidden units (frozen random W1; u = g d - theta via mode_apply_f32, h = max(u, 0)) -> 2
 * outputs (frozen random W2). Only the per-neuron gains and thresholds learn (mode_adapt_f32),
 * from the error broadcast back through the frozen readout (eprop_signal_f32 with B = W2^T,
 * masked by h > 0). Task A is learned into mode A, which is stored (2 x 60 f32); task B is learned
 * from there into mode B, which overwrites task A in the current mode; restoring mode A recalls
 * task A, since no weight moved. Control: the same frozen network with the modes frozen at g = 1,
 * theta = 0 (it cannot do better than one of the two tasks: their labels are complementary).
 */
function runModes(seed: number, adapt: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 40, nHid = 60, nOut = 2;
  const base = twoTaskData(rng, nIn);
  const sample = (task: 0 | 1, c: number) => base(0, task === 0 ? c : 1 - c);
  const w1 = a.put(Float32Array.from({ length: nIn * nHid }, () => rng.nextGaussian() * 2 / Math.sqrt(nIn)));
  const w2v = Float32Array.from({ length: nHid * nOut }, () => rng.nextGaussian() / Math.sqrt(nHid));
  const w2 = a.put(w2v), fb = a.put(Float32Array.from({ length: nOut * nHid }, (_, k) => w2v[(k % nHid) * nOut + Math.floor(k / nHid)]));
  const gain = a.put(new Float32Array(nHid).fill(1)), thr = a.alloc(nHid * 4);
  const px = a.alloc(nIn * 4), d = a.alloc(nHid * 4), u = a.alloc(nHid * 4), y = a.alloc(nOut * 4), err = a.alloc(nOut * 4), L = a.alloc(nHid * 4);
  const mp = a.put(packModeParams({ etaGain: 0.05, etaThr: 0.05, gainMin: -3, gainMax: 3, thrMin: -2, thrMax: 2 }));
  const forward = (x: Float32Array) => {
    a.f32(px, nIn).set(x);
    a.k.gated_hebb_predict_f32(w1, nIn, nHid, px, d); // d = W1^T x (frozen)
    a.k.mode_apply_f32(nHid, d, gain, thr, u);
    const uv = a.f32(u, nHid);
    for (let j = 0; j < nHid; j++) uv[j] = Math.max(uv[j], 0);
    a.k.gated_hebb_predict_f32(w2, nHid, nOut, u, y); // y = W2^T h (frozen)
    const yv = a.f32(y, nOut);
    return yv[1] > yv[0] ? 1 : 0;
  };
  const train = (task: 0 | 1, n: number) => {
    for (let k = 0; k < n; k++) {
      const c = rng.nextInt(2);
      forward(sample(task, c));
      const yv = a.f32(y, nOut), e = a.f32(err, nOut);
      for (let j = 0; j < nOut; j++) e[j] = (j === c ? 1 : 0) - yv[j];
      a.k.eprop_signal_f32(fb, nOut, nHid, err, L);
      const l = a.f32(L, nHid), h = a.f32(u, nHid);
      for (let j = 0; j < nHid; j++) if (h[j] <= 0) l[j] = 0;
      if (adapt) a.k.mode_adapt_f32(nHid, d, L, gain, thr, mp);
    }
  };
  const test = (task: 0 | 1) => {
    let ok = 0;
    for (let k = 0; k < 200; k++) if (forward(sample(task, k % 2)) === k % 2) ok++;
    return ok / 200;
  };
  const w1Before = a.f32(w1, nIn * nHid).slice();
  train(0, 600);
  const aAfterA = test(0);
  const modeA = [a.f32(gain, nHid).slice(), a.f32(thr, nHid).slice()];
  train(1, 600);
  const bAfterB = test(1), aWithModeB = test(0);
  a.f32(gain, nHid).set(modeA[0]);
  a.f32(thr, nHid).set(modeA[1]);
  const aRecalled = test(0);
  const frozen = a.f32(w1, nIn * nHid).every((v, i) => Object.is(v, w1Before[i]));
  return { aAfterA, bAfterB, aWithModeB, aRecalled, frozen, modeBytes: 2 * nHid * 4 };
}

describe('gain/threshold modes with frozen weights (Stroud et al. 2018; Masse et al. 2018)', () => {
  it('learns each task into a mode and recalls the first task after the second; frozen modes do not learn', () => {
    const r = runModes(1, true), c = runModes(1, false);
    console.log(`modes: acc_A ${r.aAfterA}, acc_B ${r.bAfterB} (task A under mode B ${r.aWithModeB}), task A with mode A restored ${r.aRecalled}; ${r.modeBytes} B per mode; modes frozen: acc_A ${c.aAfterA}, acc_B ${c.bAfterB}`);
    expect(r.frozen).toBe(true);
    expect(r.aAfterA).toBeGreaterThanOrEqual(0.9);
    expect(r.bAfterB).toBeGreaterThanOrEqual(0.9);
    expect(r.aWithModeB).toBeLessThan(0.2); // mode B alone has overwritten task A...
    expect(r.aRecalled).toBeGreaterThanOrEqual(r.aAfterA - 0.02); // ...but mode A recalls it
    expect(Math.min(c.aAfterA, c.bAfterB)).toBeLessThan(0.6);
  });
});

// ── Neural variability ───────────────────────────────────────────────────────────────────────
/**
 * Training with injected noise as a regulariser (Bishop 1995). Two classes; feature 0 is a clean
 * "shortcut" (+-0.2 exactly) that separates the training data perfectly, features 1-20 carry the
 * class robustly but noisily (+-0.25 plus Gaussian noise of sd 0.5). A delta-rule readout
 * (target +-1) trained on clean inputs comes to rely on the shortcut; at test every feature is
 * perturbed (sd 0.5) and the shortcut is swamped. With noise_inject_f32 (sd 0.5, Irwin-Hall) on
 * the inputs during training, the readout spreads its weight over the robust features.
 * Control: the same training without the injected noise.
 */
function runVariability(seed: number, sigma: number) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nIn = 21;
  const w = a.alloc(nIn * 4), px = a.alloc(nIn * 4), y = a.alloc(16), err = a.alloc(16), st = a.alloc(16);
  a.k.rng_seed(st, seed + 100);
  const p = a.put(packEligParams({ alpha: 0, floor: 0, kA: 1, kC: 0, eta: 0.01, wMin: -20, wMax: 20, soft: false }));
  const sample = (c: number) => Float32Array.from({ length: nIn }, (_, i) => (i === 0 ? 0.2 * (2 * c - 1) : 0.25 * (2 * c - 1) + 0.5 * rng.nextGaussian()));
  for (let k = 0; k < 6000; k++) {
    const c = rng.nextInt(2);
    a.f32(px, nIn).set(sample(c));
    a.k.noise_inject_f32(px, nIn, st, sigma, 1);
    a.k.gated_hebb_predict_f32(w, nIn, 1, px, y);
    a.f32(err, 1)[0] = 2 * c - 1 - a.f32(y, 1)[0];
    a.k.elig_apply_outer_f32(w, nIn, 1, px, 0, 0, 0, err, 1, p);
  }
  let ok = 0;
  const nTest = 1000;
  for (let k = 0; k < nTest; k++) {
    const c = k % 2;
    a.f32(px, nIn).set(sample(c).map((v) => v + 0.5 * rng.nextGaussian()));
    a.k.gated_hebb_predict_f32(w, nIn, 1, px, y);
    if ((a.f32(y, 1)[0] > 0 ? 1 : 0) === c) ok++;
  }
  return { acc: ok / nTest, wShortcut: a.f32(w, 1)[0] };
}

describe('neural variability (noise injection; Bishop 1995)', () => {
  it('training with injected noise keeps the readout robust to input noise; training without it does not', () => {
    const n = runVariability(1, 0.5), c = runVariability(1, 0);
    console.log(`variability: accuracy on noisy inputs ${n.acc} with noise injection (shortcut weight ${n.wShortcut.toFixed(2)}), ${c.acc} without (shortcut weight ${c.wShortcut.toFixed(2)})`);
    expect(n.acc).toBeGreaterThanOrEqual(0.92);
    expect(c.acc).toBeLessThan(n.acc - 0.08);
    expect(Math.abs(c.wShortcut)).toBeGreaterThan(4 * Math.abs(n.wShortcut));
  });
});

// ── Modern Hopfield memory ───────────────────────────────────────────────────────────────────
/**
 * 32 random +-1 prototypes of dimension 128 are stored in one shot (hopfield_store_f32, one slot
 * each): nearly twice the ~0.14 d = 18 patterns a classical Hopfield net holds. Cues are
 * prototypes with 25% of their entries flipped; one retrieval (beta = 0.25) must return the right slot and a
 * pattern whose sign matches the prototype everywhere. Controls: the memory filled with random
 * patterns instead of the prototypes, and a memory holding only half of the prototypes (cues of
 * the unstored half cannot be recalled).
 */
function runHopfield(seed: number, memory: 'prototypes' | 'random' | 'half') {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const d = 128, P = 32;
  const pm = () => Float32Array.from({ length: d }, () => (rng.nextFloat() < 0.5 ? -1 : 1));
  const protos = Array.from({ length: P }, pm);
  const mem = a.alloc(d * P * 4), q = a.alloc(d * 4), p = a.alloc(P * 4), out = a.alloc(d * 4);
  const nStored = memory === 'half' ? P / 2 : P;
  for (let k = 0; k < nStored; k++) a.k.hopfield_store_f32(mem, d, P, k, a.put(memory === 'random' ? pm() : protos[k]));
  let slotOk = 0, exact = 0;
  const trials = 4 * P;
  for (let t = 0; t < trials; t++) {
    const k = t % P;
    const cue = protos[k].map((v) => (rng.nextFloat() < 0.25 ? -v : v));
    a.f32(q, d).set(cue);
    const best = a.k.hopfield_retrieve_f32(mem, d, P, nStored, q, 0.25, p, out);
    if (best === k) slotOk++;
    if (a.f32(out, d).every((v, i) => Math.sign(v) === protos[k][i])) exact++;
  }
  return { slot: slotOk / trials, exact: exact / trials };
}

describe('modern Hopfield readout (Ramsauer et al. 2020)', () => {
  it('recalls 32 one-shot prototypes (d = 128) from 25%-corrupted cues; random or half-filled memories do not', () => {
    const r = runHopfield(1, 'prototypes'), rnd = runHopfield(1, 'random'), half = runHopfield(1, 'half');
    console.log(`Hopfield recall: slot ${r.slot}, exact pattern ${r.exact}; random memory: exact ${rnd.exact}; half the prototypes stored: exact ${half.exact}`);
    expect(r.slot).toBe(1);
    expect(r.exact).toBeGreaterThanOrEqual(0.98);
    expect(rnd.exact).toBeLessThan(0.05);
    expect(half.exact).toBeLessThanOrEqual(0.55);
  });
});

// ── Nearest-class-mean prototypes ────────────────────────────────────────────────────────────
/**
 * Five Gaussian clusters in 16 dimensions (centres 3 sd apart on average, positive offsets as for
 * spike counts), streamed one sample at a time into ncm_update_f32 (20 per class), then
 * classified by ncm_predict_f32 with L2 and cosine distances. Control: the same stream with the
 * labels shuffled.
 */
function runNcm(seed: number, shuffled: boolean) {
  const a = A;
  a.reset();
  const rng = new Xoshiro128(seed);
  const nFeat = 16, nClass = 5;
  const centres = Array.from({ length: nClass }, () => Float32Array.from({ length: nFeat }, () => 5 + 2 * rng.nextGaussian()));
  const sample = (c: number) => centres[c].map((v) => v + 0.5 * rng.nextGaussian());
  const mu = a.alloc(nFeat * nClass * 4), counts = a.alloc(nClass * 4), px = a.alloc(nFeat * 4), sc = a.alloc(nClass * 4);
  for (let k = 0; k < 20 * nClass; k++) {
    const c = k % nClass;
    a.f32(px, nFeat).set(sample(c));
    a.k.ncm_update_f32(mu, counts, nFeat, nClass, px, shuffled ? rng.nextInt(nClass) : c);
  }
  const acc = (cosine: number) => {
    let ok = 0;
    for (let k = 0; k < 500; k++) {
      const c = k % nClass;
      a.f32(px, nFeat).set(sample(c));
      if (a.k.ncm_predict_f32(mu, counts, nFeat, nClass, px, cosine, sc) === c) ok++;
    }
    return ok / 500;
  };
  return { l2: acc(0), cos: acc(1) };
}

describe('nearest-class-mean prototypes (Mensink et al. 2013)', () => {
  it('classifies separable clusters from online running means; shuffled labels do not', () => {
    const r = runNcm(1, false), c = runNcm(1, true);
    console.log(`NCM accuracy: L2 ${r.l2}, cosine ${r.cos}; shuffled labels: L2 ${c.l2}, cosine ${c.cos} (chance 0.2)`);
    expect(r.l2).toBeGreaterThanOrEqual(0.98);
    expect(r.cos).toBeGreaterThanOrEqual(0.95);
    expect(Math.max(c.l2, c.cos)).toBeLessThan(0.5);
  });
});
