/**
 * Short-term plasticity: Tsodyks-Markram depressing and facilitating synapses, event-driven.
 *
 * Each presynaptic unit i carries a utilisation u_i and a fraction of available resources x_i
 * (dimensionless, in [0, 1]). Between spikes they relax exponentially:
 *   tau_F du/dt = U - u          tau_D dx/dt = 1 - x
 * At a spike of unit i (u and x first decayed exactly over the time since its last spike):
 *   e_i = u x                    efficacy: the row's contribution is scaled by e_i
 *   x  <- x - u x                resources used up (depression)
 *   u  <- u + U (1 - u)          utilisation raised (facilitation)
 * Depression alone (Tsodyks & Markram 1997, "The neural code between neocortical pyramidal
 * neurons depends on neurotransmitter release probability", PNAS 94:719-723) is tau_F = 0, where
 * u = U at every spike and e = U x. Facilitation (Tsodyks, Pawelzik & Markram 1998, "Neural
 * networks with dynamic synapses", Neural Comput. 10:821-835; Markram, Wang & Tsodyks 1998, PNAS
 * 95:5323-5328) comes from u growing along a train; the variant written here, with u relaxing to
 * U and the efficacy read before the increment, is the one of Maass & Markram 2002 ("Synapses as
 * dynamic memory buffers", Neural Netw. 15:155-161). For a regular train of interval T, with
 * f = exp(-T/tau_F), r = exp(-T/tau_D), q = (1 - U) f, spike n = 1, 2, ... sees
 *   u_n = U (1 - q^n) / (1 - q),   x_1 = 1,   x_{n+1} = 1 - r + r (1 - u_n) x_n
 * and the steady state u_inf = U / (1 - q), x_inf = (1 - r) / (1 - r (1 - u_inf)).
 *
 * Exact decay over Delta = t - t_last steps uses the binary expansion of Delta with plan-time
 * tables A_k = exp(-2^k dt / tau) (k = 0..30, slots STP_DECAY_F / STP_DECAY_D):
 *   exp(-Delta dt / tau) = prod_{k : bit k of Delta set} A_k     (ascending k, f32)
 * so no exp is evaluated per step or per event, and the kernel and the reference multiply the
 * same f32 factors in the same order.
 *
 * Kernels:
 *   stp_efficacy_f32(state, nIn, params, idx, nIdx, step, eff)  updates u, x of the listed units
 *     in list order and writes e_k to eff[k] (0 for a dropped index); pass eff as the `scale` of
 *     dense_accumulate_scaled_f32 or csr_accumulate_f32.
 *   dense_accumulate_scaled_f32(w, nIn, nOut, idx, nIdx, eff, target):  I_j += e_k W[i_k][j]
 *     (dense.ts register blocking; one f32 multiply then one add per element, in event order in
 *     both builds, so SIMD and scalar are bit-identical).
 * Layout: state = u f32[nPad] | x f32[nPad] | last i32[nPad], nPad = nIn rounded up to 4
 * (12 nPad bytes), initialised to u = U, x = 1, last = 0. Parameters: the STP_* slots (64 f32).
 * `step` is the caller's step counter; a step before `last` counts as no elapsed time.
 * Bounds: event indices >= nIn are counted in CTR_EVENTS_DROPPED and skipped.
 * The efficacy update is a sequential scan of the event list: scalar in both builds.
 */
import {
  STP_U, STP_DECAY_F, STP_DECAY_D, STP_STATE_X, STP_STATE_LAST,
  CTR_SYNOPS_F32, CTR_STP_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf } from '../util/params';

export function stp_efficacy_f32(state: usize, nIn: i32, params: usize, idx: usize, nIdx: i32, step: i32, eff: usize): void {
  const nPad = (nIn + 3) & ~3;
  const pU = state;
  const pX = state + ((<usize>nPad * STP_STATE_X) << 2);
  const pL = state + ((<usize>nPad * STP_STATE_LAST) << 2);
  const U = pf(params, STP_U);
  const tF = params + (<usize>STP_DECAY_F << 2);
  const tD = params + (<usize>STP_DECAY_D << 2);
  let dropped = 0;
  for (let k = 0; k < nIdx; k++) {
    const i = load<u32>(idx + (<usize>k << 2));
    const ek = eff + (<usize>k << 2);
    if (i >= <u32>nIn) { store<f32>(ek, 0); dropped++; continue; }
    const o = <usize>i << 2;
    let delta = step - load<i32>(pL + o);
    if (delta < 0) delta = 0;
    let fF: f32 = 1;
    let fD: f32 = 1;
    let bits = <u32>delta;
    let t: usize = 0;
    while (bits != 0) {
      if (bits & 1) {
        fF *= load<f32>(tF + t);
        fD *= load<f32>(tD + t);
      }
      bits >>>= 1;
      t += 4;
    }
    const u = U + (load<f32>(pU + o) - U) * fF;
    const x = <f32>1 + (load<f32>(pX + o) - <f32>1) * fD;
    const e = u * x;
    store<f32>(ek, e);
    store<f32>(pX + o, x - e);
    store<f32>(pU + o, u + U * (<f32>1 - u));
    store<i32>(pL + o, step);
  }
  count(CTR_STP_UPDATES, <f64>(nIdx - dropped));
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nIdx * 4 + <f64>(nIdx - dropped) * 12);
  count(CTR_BYTES_WRITTEN, <f64>nIdx * 4 + <f64>(nIdx - dropped) * 12);
  count(CTR_KERNEL_CALLS, 1);
}

export function dense_accumulate_scaled_f32(w: usize, nIn: i32, nOut: i32, idx: usize, nIdx: i32, scale: usize, target: usize): void {
  const rowBytes = <usize>nOut << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 16 <= nOut; j += 16) {
      const t = target + (<usize>j << 2);
      let a0 = v128.load(t);
      let a1 = v128.load(t, 16);
      let a2 = v128.load(t, 32);
      let a3 = v128.load(t, 48);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const e = f32x4.splat(load<f32>(scale + (<usize>k << 2)));
        const r = w + <usize>i * rowBytes + (<usize>j << 2);
        a0 = f32x4.add(a0, f32x4.mul(e, v128.load(r)));
        a1 = f32x4.add(a1, f32x4.mul(e, v128.load(r, 16)));
        a2 = f32x4.add(a2, f32x4.mul(e, v128.load(r, 32)));
        a3 = f32x4.add(a3, f32x4.mul(e, v128.load(r, 48)));
      }
      v128.store(t, a0);
      v128.store(t, a1, 16);
      v128.store(t, a2, 32);
      v128.store(t, a3, 48);
    }
    for (; j + 4 <= nOut; j += 4) {
      const t = target + (<usize>j << 2);
      let a = v128.load(t);
      for (let k = 0; k < nIdx; k++) {
        const i = load<u32>(idx + (<usize>k << 2));
        if (i >= <u32>nIn) continue;
        const e = f32x4.splat(load<f32>(scale + (<usize>k << 2)));
        a = f32x4.add(a, f32x4.mul(e, v128.load(w + <usize>i * rowBytes + (<usize>j << 2))));
      }
      v128.store(t, a);
    }
  }
  for (; j < nOut; j++) {
    const t = target + (<usize>j << 2);
    let a = load<f32>(t);
    for (let k = 0; k < nIdx; k++) {
      const i = load<u32>(idx + (<usize>k << 2));
      if (i >= <u32>nIn) continue;
      a += load<f32>(scale + (<usize>k << 2)) * load<f32>(w + <usize>i * rowBytes + (<usize>j << 2));
    }
    store<f32>(t, a);
  }
  let valid = 0;
  for (let k = 0; k < nIdx; k++) if (load<u32>(idx + (<usize>k << 2)) < <u32>nIn) valid++;
  count(CTR_SYNOPS_F32, <f64>valid * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>(nIdx - valid));
  count(CTR_BYTES_READ, <f64>valid * <f64>nOut * 4 + <f64>nOut * 4 + <f64>nIdx * 8);
  count(CTR_BYTES_WRITTEN, <f64>nOut * 4);
  count(CTR_KERNEL_CALLS, 1);
}
