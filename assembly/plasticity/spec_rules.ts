/**
 * Schedule steps of the rules that model specs compose from the kernel vocabulary (the "rule
 * ops" 50-64 of abi.ts). Each function is one op of the step schedule: it calls the tested
 * kernels in a fixed order, so that the rule runs inside `net_run` with no host call per step.
 * The TypeScript twin is host/reference/spec-rules.ts (same calls, same order).
 *
 * Where each step sits in the schedule (host/plan/rules.ts): after every population's
 * integrate-and-threshold (and winner-take-all) and after this projection's synaptic input, before
 * the resets. So at step t the target's v array holds v(t) before the reset, the target's spike
 * list z(t), and the source's spike list x(t), which reaches the target's membrane from step t+1.
 *
 * TESS (tess_step_f32; Apolinario, Roy & Frenkel 2025, see tess.ts and eligibility.ts), per step:
 *   psi_j   = eprop pseudo-derivative of v_j(t)                              (eprop_pseudo_f32)
 *   q, L    = layer-local prediction and learning signal from z(t) and the label (tess_signal_f32)
 *   if 0 <= label < nClass:
 *     dw_ij = -eta L_j [ a_pre psi_j xbar_i + a_post pbar_j x_i(t) ]          (elig_apply_outer_f32)
 *   pbar_j  = lambda_post pbar_j + psi_j                                      (trace_filter_f32)
 *   xbar_i  = lambda_pre xbar_i + x_i(t), flushed to 0 below the floor         (trace_decay/bump)
 *   xbar is updated after the weight step: at step t it holds the inputs up to t-1, exactly those
 *   that have reached v(t) (the kernel-level test feeds x(t) into v(t) and bumps before).
 *   Work block (f32, each array padded to a multiple of 4): xbar[nIn] | x[nIn] (0/1, zero between
 *   steps) | psi[nOut] | pbar[nOut] | L[nOut] | q[nClass]. Parameters: the TESS_* slots, then the
 *   fixed basis B [nClass][nOut] right after the block (TESS_PARAM_SLOTS floats in).
 *
 * Tempotron (tempotron_step_f32; Guetig & Sompolinsky 2006, see tempotron.ts), per step:
 *   a_i = alpha_m a_i, b_i = alpha_s b_i (flushed below the floor); track V_max and snapshot
 *   E[:, j] = K(t) = c (a - b) where v_j(t) is a new maximum; then a_i += x_i(t), b_i += x_i(t).
 *   (The kernel-level loop runs lif_step, decay, track, then lets this step's inputs bump the
 *   traces and reach the current: the same order.) The end-of-sample update is
 *   tempotron_learn_f32, called by the host (Runtime.endSample).
 *
 * e-prop (eprop_step_f32; Bellec et al. 2020, see eprop.ts and eligibility.ts), per step, online
 * (the weight change of every step is applied at once; random feedback weights B):
 *   psi_j   = pseudo-derivative of v_j(t)                                   (eprop_pseudo_f32)
 *   ebar_ij = kappa_e ebar_ij + psi_j zbar_i                                 (elig_step_f32)
 *   y_k     = kappa y_k + sum_j Wout_jk z_j(t), zhat_j = kappa zhat_j + z_j(t)   (leaky readout)
 *   if 0 <= label < K: err_k = y_k - [k == label], L_j = sum_k B_kj err_k     (eprop_signal_f32)
 *     dW_ij = -eta L_j ebar_ij                                                (elig_apply_f32)
 *     dWout_jk = -eta_out err_k zhat_j                                        (elig_apply_outer_f32)
 *   zbar_i  = alpha zbar_i + x_i(t)   (after the update: x(t) reaches v from step t+1)
 *   Work block: zbar[nIn] | psi[nOut] | L[nOut] | zhat[nOut] | y[K] | err[K] | Wout[nOut][K] |
 *   ebar[nIn][nOut] (arrays padded to 4). Parameters: EPROP_* slots, then an ELIG block for the
 *   readout update, then B [K][nOut].
 *
 * Discrete-conductance synapse (dcond_step_f32; see discrete_conductance.ts), spike-driven rule
 * of Querlioz et al. 2013 on the device model, per learning step:
 *   x_i = alpha x_i (flushed below the floor), x_i += 1 for this step's pre spikes;
 *   for each post spike j: one pulse per synapse, up if x_i > X_TH else down (dcond_post_f32).
 *   Parameters: the DCOND_* block, then the level table L[N], then alpha and the floor.
 *
 * Dale's-law exponentiated gradient, supervised (egdale_step_f32; see eg_dale.ts), per learning
 * step: zbar_j = alpha zbar_j + z_j(t) (the target's rate trace); with a label,
 *   e_j = target [group(j) == label] - zbar_j   (groups: nOut / classes consecutive neurons)
 *   theta_ij += lr s_i e_j for this step's presynaptic spikes i, w_ij = s_i clip(exp(theta_ij))
 * (egdale_update_f32 with x_i = 1): a delta rule whose steps are multiplicative and never change
 * a synapse's sign. Work: zbar[nOut] | e[nOut]. Parameters: the EGDALE_* block, the EGX_* slots,
 * then ones[nIn] (the presynaptic values).
 */
import {
  DCOND_LEVELS, DCOND_PARAM_SLOTS, EGDALE_PARAM_SLOTS, EGX_ALPHA_POST, EGX_FLOOR, EGX_TARGET, EGX_CLASSES,
  EGX_LABEL, EGX_SLOTS, EPROP_ALPHA_PRE, EPROP_KAPPA, EPROP_FLOOR, EPROP_GAMMA_PD, EPROP_CLASSES, EPROP_LABEL, EPROP_PARAM_SLOTS,
  ELIG_PARAM_SLOTS, TESS_ALPHA_PRE, TESS_ALPHA_POST, TESS_FLOOR, TESS_SLOPE, TESS_GAMMA_PD, TESS_CLASSES, TESS_LABEL,
  TESS_PARAM_SLOTS, TEMPOTRON_ALPHA_M, TEMPOTRON_ALPHA_S, TEMPOTRON_TRACE_FLOOR,
} from '../abi';
import { pf, pi } from '../util/params';
import { eprop_pseudo_f32 } from './eprop';
import { tess_signal_f32 } from './tess';
import { elig_apply_outer_f32, elig_apply_f32, elig_step_f32, trace_filter_f32 } from './eligibility';
import { eprop_signal_f32 } from './eprop';
import { dense_accumulate_f32 } from '../synapses/dense';
import { trace_decay_f32, trace_bump_f32 } from './traces';
import { tempotron_track_f32 } from './tempotron';
import { dcond_post_f32 } from './discrete_conductance';
import { egdale_update_f32 } from './eg_dale';

// @ts-ignore: decorator
@inline
function pad4(n: i32): usize {
  return <usize>((n + 3) & ~3) << 2;
}

/** Sets x[i] = value for every index of the list (indices outside 0..n-1 are skipped). */
function scatter(x: usize, n: i32, idx: usize, nIdx: i32, value: f32): void {
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    if (i < <u32>n) store<f32>(x + (<usize>i << 2), value);
  }
}

export function tess_step_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, post: usize, nPost: i32,
  state: usize, lifParams: usize, work: usize, eligParams: usize, params: usize,
): void {
  const nClass = pi(params, TESS_CLASSES);
  const label = pi(params, TESS_LABEL);
  const xbar = work;
  const x = xbar + pad4(nIn);
  const psi = x + pad4(nIn);
  const pbar = psi + pad4(nOut);
  const L = pbar + pad4(nOut);
  const q = L + pad4(nOut);
  const basis = params + (<usize>TESS_PARAM_SLOTS << 2);
  eprop_pseudo_f32(nOut, state, lifParams, pf(params, TESS_GAMMA_PD), psi);
  tess_signal_f32(basis, nClass, nOut, post, nPost, label, pf(params, TESS_SLOPE), q, L);
  if (label >= 0 && label < nClass) {
    scatter(x, nIn, pre, nPre, 1);
    elig_apply_outer_f32(w, nIn, nOut, xbar, psi, x, pbar, L, -1, eligParams);
    scatter(x, nIn, pre, nPre, 0);
  }
  trace_filter_f32(pbar, nOut, pf(params, TESS_ALPHA_POST), psi);
  trace_decay_f32(xbar, nIn, pf(params, TESS_ALPHA_PRE), pf(params, TESS_FLOOR));
  trace_bump_f32(xbar, nIn, pre, nPre, 1, false);
}

export function tempotron_step_f32(
  elig: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, v: usize, vmax: usize, flag: usize,
  ka: usize, kb: usize, params: usize,
): void {
  const floor = pf(params, TEMPOTRON_TRACE_FLOOR);
  trace_decay_f32(ka, nIn, pf(params, TEMPOTRON_ALPHA_M), floor);
  trace_decay_f32(kb, nIn, pf(params, TEMPOTRON_ALPHA_S), floor);
  tempotron_track_f32(elig, nIn, nOut, v, vmax, flag, ka, kb, params);
  trace_bump_f32(ka, nIn, pre, nPre, 1, false);
  trace_bump_f32(kb, nIn, pre, nPre, 1, false);
}

export function eprop_step_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, post: usize, nPost: i32,
  state: usize, lifParams: usize, work: usize, eligParams: usize, params: usize,
): void {
  const K = pi(params, EPROP_CLASSES);
  const label = pi(params, EPROP_LABEL);
  const kappa = pf(params, EPROP_KAPPA);
  const floor = pf(params, EPROP_FLOOR);
  const zbar = work;
  const psi = zbar + pad4(nIn);
  const L = psi + pad4(nOut);
  const zhat = L + pad4(nOut);
  const y = zhat + pad4(nOut);
  const err = y + pad4(K);
  const wout = err + pad4(K);
  const ebar = wout + (((<usize>nOut * <usize>K + 3) & ~(<usize>3)) << 2);
  const outParams = params + (<usize>EPROP_PARAM_SLOTS << 2);
  const fb = outParams + (<usize>ELIG_PARAM_SLOTS << 2);
  eprop_pseudo_f32(nOut, state, lifParams, pf(params, EPROP_GAMMA_PD), psi);
  elig_step_f32(ebar, nIn, nOut, zbar, psi, 0, 0, eligParams);
  // The leaky readout is signed: no flush floor.
  trace_decay_f32(y, K, kappa, -Infinity);
  dense_accumulate_f32(wout, nOut, K, post, nPost, y);
  trace_decay_f32(zhat, nOut, kappa, floor);
  trace_bump_f32(zhat, nOut, post, nPost, 1, false);
  if (label >= 0 && label < K) {
    for (let k = 0; k < K; k++) {
      const o = <usize>k << 2;
      store<f32>(err + o, load<f32>(y + o) - (k == label ? <f32>1 : <f32>0));
    }
    eprop_signal_f32(fb, K, nOut, err, L);
    elig_apply_f32(w, ebar, nIn, nOut, L, -1, eligParams);
    elig_apply_outer_f32(wout, nOut, K, zhat, 0, 0, 0, err, -1, outParams);
  }
  trace_decay_f32(zbar, nIn, pf(params, EPROP_ALPHA_PRE), floor);
  trace_bump_f32(zbar, nIn, pre, nPre, 1, false);
}

export function dcond_step_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, post: usize, nPost: i32,
  level: usize, gain: usize, x: usize, params: usize,
): void {
  const table = params + (<usize>DCOND_PARAM_SLOTS << 2);
  const tail = table + (<usize>pi(params, DCOND_LEVELS) << 2);
  trace_decay_f32(x, nIn, load<f32>(tail), load<f32>(tail, 4));
  trace_bump_f32(x, nIn, pre, nPre, 1, false);
  if (nPost > 0) dcond_post_f32(w, level, gain, nIn, nOut, post, nPost, x, table, params);
}

export function egdale_step_f32(
  w: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, post: usize, nPost: i32,
  theta: usize, sign: usize, work: usize, params: usize,
): void {
  const x = params + (<usize>EGDALE_PARAM_SLOTS << 2);
  const zbar = work;
  const e = zbar + pad4(nOut);
  const ones = x + (<usize>EGX_SLOTS << 2);
  trace_decay_f32(zbar, nOut, pf(x, EGX_ALPHA_POST), pf(x, EGX_FLOOR));
  trace_bump_f32(zbar, nOut, post, nPost, 1, false);
  const classes = pi(x, EGX_CLASSES);
  const label = pi(x, EGX_LABEL);
  if (label < 0 || label >= classes || nPre == 0) return;
  const g = nOut / classes;
  const target = pf(x, EGX_TARGET);
  for (let j = 0; j < nOut; j++) {
    const o = <usize>j << 2;
    store<f32>(e + o, (j / g == label ? target : <f32>0) - load<f32>(zbar + o));
  }
  egdale_update_f32(w, theta, nIn, nOut, pre, nPre, ones, e, sign, params);
}
