/**
 * Reward-modulated STDP (R-STDP) with an eligibility trace: Izhikevich 2007, "Solving the distal
 * reward problem through linkage of STDP and dopamine signaling" (Cerebral Cortex 17:2443);
 * Florian 2007, "Reinforcement learning through modulation of spike-timing-dependent synaptic
 * plasticity" (Neural Computation 19:1468, the MSTDPET rule).
 *
 * Equations (per step of dt; x_i, y_j exponential pre/post traces as in traces.ts / stdp_pair.ts):
 *   STDP_ij(t) = A+ x_i(t) [post j spiked at t] - A- [pre i spiked at t] y_j(t)
 *   e_ij(t)    = alpha_e e_ij(t - dt) + STDP_ij(t),     alpha_e = exp(-dt/tau_e)   (rstdp_step_f32)
 *   dw_ij      = eta (R - b) e_ij                        when a reward R is delivered  (elig_apply_f32)
 * The synapse does not change at the pre/post coincidence, only its eligibility; a reward arriving
 * up to a few tau_e later converts whatever eligibility is left into a weight change, which is how
 * the rule bridges the delay between an action and its (distal) reward. b is a reward baseline
 * (a running mean of R, kept on the host) so that the expected reward causes no drift
 * (Fremaux & Gerstner 2016). A dopamine concentration d(t) that itself decays (Izhikevich 2007:
 * dw/dt = e d) is the same call made every step with s = d(t) dt.
 *
 * Composition (one step, after trace_decay_f32 on x and y):
 *   rstdp_step_f32  decays e (dense, SIMD over the flat e array), bumps x for the pre spikes and
 *                   adds -A- y_j along each spiking row (SIMD across j), then bumps y for the post
 *                   spikes and adds A+ x_i down each spiking column (stride nOut, scalar).
 *   elig_apply_f32(w, e, nIn, nOut, 0, R - b, eligParams) when the reward arrives.
 * Within a step the pre pathway runs before the post pathway (as stdp_pair.ts, Brian2's order): the
 * depression of a pre spike uses y before this step's post impulse and the potentiation of a post
 * spike uses x after this step's pre impulse, so a coincident pair counts as pre-before-post.
 * Parameters: A+ = STDP_ETA_PLUS, A- = STDP_ETA_MINUS, impulses and trace mode from the STDP block;
 * alpha_e, floor, eta and the weight bounds from the ELIG block. Layout: e and W row-major
 * [nIn][nOut], one f32 of eligibility per synapse. Column additions with A+ x_i == 0 are skipped.
 */
import {
  STDP_ETA_PLUS, STDP_ETA_MINUS, STDP_IMPULSE_PRE, STDP_IMPULSE_POST, STDP_TRACE_MODE,
  ELIG_ALPHA, ELIG_FLOOR,
  CTR_ELIGIBILITY_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { trace_bump_f32 } from './traces';
import { pf } from '../util/params';

export function rstdp_step_f32(
  e: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, post: usize, nPost: i32,
  preTrace: usize, postTrace: usize, stdpParams: usize, eligParams: usize,
): void {
  const alpha = pf(eligParams, ELIG_ALPHA);
  const floor = pf(eligParams, ELIG_FLOOR);
  const total = nIn * nOut;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const a4 = f32x4.splat(alpha);
    const f4 = f32x4.splat(floor);
    for (; k + 4 <= total; k += 4) {
      const p = e + (<usize>k << 2);
      const v = f32x4.mul(a4, v128.load(p));
      v128.store(p, v128.andnot(v, f32x4.lt(f32x4.abs(v), f4)));
    }
  }
  for (; k < total; k++) {
    const p = e + (<usize>k << 2);
    const v: f32 = alpha * load<f32>(p);
    store<f32>(p, Mathf.abs(v) < floor ? 0 : v);
  }

  const nearest = load<i32>(stdpParams + (<usize>STDP_TRACE_MODE << 2)) == 1;
  trace_bump_f32(preTrace, nIn, pre, nPre, pf(stdpParams, STDP_IMPULSE_PRE), nearest);
  const aMinus = pf(stdpParams, STDP_ETA_MINUS);
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  if (aMinus != 0) {
    for (let q = 0; q < nPre; q++) {
      const i = load<u32>(pre + (<usize>q << 2));
      if (i >= <u32>nIn) continue;
      rows++;
      const row = e + <usize>i * rowBytes;
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        const am = f32x4.splat(aMinus);
        for (; j + 4 <= nOut; j += 4) {
          const o = <usize>j << 2;
          v128.store(row + o, f32x4.sub(v128.load(row + o), f32x4.mul(am, v128.load(postTrace + o))));
        }
      }
      for (; j < nOut; j++) {
        const o = <usize>j << 2;
        store<f32>(row + o, load<f32>(row + o) - aMinus * load<f32>(postTrace + o));
      }
    }
  }

  trace_bump_f32(postTrace, nOut, post, nPost, pf(stdpParams, STDP_IMPULSE_POST), nearest);
  const aPlus = pf(stdpParams, STDP_ETA_PLUS);
  let cols = 0;
  if (aPlus != 0) {
    for (let q = 0; q < nPost; q++) {
      const j = load<u32>(post + (<usize>q << 2));
      if (j >= <u32>nOut) continue;
      cols++;
      let p = e + (<usize>j << 2);
      for (let i = 0; i < nIn; i++, p += rowBytes) {
        const dlt: f32 = aPlus * load<f32>(preTrace + (<usize>i << 2));
        if (dlt == 0) continue;
        store<f32>(p, load<f32>(p) + dlt);
      }
    }
  }
  const syn = <f64>total;
  count(CTR_ELIGIBILITY_UPDATES, syn + <f64>rows * <f64>nOut + <f64>cols * <f64>nIn);
  count(CTR_BYTES_READ, syn * 4 + <f64>rows * <f64>nOut * 8 + <f64>cols * <f64>nIn * 8);
  count(CTR_BYTES_WRITTEN, syn * 4 + <f64>rows * <f64>nOut * 4 + <f64>cols * <f64>nIn * 4);
  count(CTR_KERNEL_CALLS, 1);
}
