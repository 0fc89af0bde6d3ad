/**
 * A bounded, discrete-conductance synapse for hardware-aware learning (memristive / RRAM / PCM
 * crossbar devices), with the learning rule expressed as programming pulses.
 *
 * Device model. Each synapse has an integer conductance state n_ij in {0 .. N-1} (u8, N <= 256)
 * and reads out as
 *   w_ij = clip(w_min + g_ij * L[n_ij], w_min, w_max)
 * L is a level table shared by all devices, computed once by the host:
 *   L[n] = (w_max - w_min) * (1 - exp(-nu n/(N-1))) / (1 - exp(-nu))      (L[n] = (w_max - w_min) n/(N-1) for nu = 0)
 * the saturating, exponential conductance-vs-pulse curve used to model device nonlinearity
 * (Chen, Peng & Yu 2018, "NeuroSim: a circuit-level macro model for benchmarking neuro-inspired
 * architectures in online learning", IEEE Trans. CAD 37(12)). One potentiating pulse moves
 * n up by STEP_UP levels, one depressing pulse down by STEP_DOWN levels (saturating at 0 and
 * N-1). With nu > 0 the conductance steps are nonlinear in the state (potentiation steps shrink
 * and depression steps grow towards the top) and asymmetric (an up-step from n differs from the
 * down-step to n); STEP_UP != STEP_DOWN adds pulse-count asymmetry (abrupt RESET).
 * Device-to-device variation: g_ij in (0, 1], a per-synapse gain (the device's fraction of the
 * nominal conductance range), drawn once from a seed by the host and never changed (Querlioz,
 * Bichler, Dollfus & Gamrat 2013, "Immunity to device variations in a spiking neural network with
 * memristive nanodevices", IEEE Trans. Nanotechnol. 12(3):288-295).
 * Unidirectional update (DCOND_UNIDIRECTIONAL = 1): depressing pulses are not applied, only
 * potentiation, as for phase-change devices whose RESET is abrupt (Burr et al. 2015, "Experimental
 * demonstration and tolerancing of a large-scale neural network (165 000 synapses) using
 * phase-change memory as the synaptic weight element", IEEE Trans. Electron Devices 62(11), who
 * pair two such devices per weight, w = G+ - G-: two arrays here, see the behaviour test).
 * A unidirectional pair saturates after enough pulses; the periodic refresh that resets and
 * reprograms it is not implemented.
 * Every synapse is on one of its N levels at all times: w_ij is always recomputed from n_ij.
 *
 * Learning rule (sign-only, one pulse per event, as programming pulses are in hardware):
 *   on a pre spike of i (dcond_pre_f32), for every j, with a postsynaptic signal e_j (an error or
 *   teacher-minus-output; the sign-only "Manhattan rule" of Zamanidoost, Bayat & Strukov 2015,
 *   "Manhattan rule training for memristive crossbar circuit pattern classifiers", IEEE WISP):
 *     n_ij += STEP_UP * [e_j > E_TH] - STEP_DOWN * [e_j < -E_TH]
 *   on a post spike of j (dcond_post_f32), for every i, with the presynaptic trace x_i (the
 *   spike-driven rule of Querlioz et al. 2013: inputs active shortly before the post spike are
 *   potentiated, the others depressed):
 *     n_ij += STEP_UP if x_i > X_TH, else -STEP_DOWN
 *   then n is clipped to [0, N-1] and w_ij recomputed. STEP_DOWN acts as 0 when unidirectional.
 *
 * Layout: W f32, n u8 and g f32, all row-major [nIn][nOut]; e f32[nOut]; x f32[nIn]; L f32[N].
 * The pre update walks a contiguous row: SIMD across j for the state arithmetic (i32 lanes), the
 * table look-up per lane (wasm has no gather) and the read-out; the same operations as the scalar
 * tail, so the builds agree bit for bit. The post update walks a column (scalar).
 * Parameters: the DCOND_* slots of abi.ts.
 */
import {
  DCOND_W_MIN, DCOND_W_MAX, DCOND_LEVELS, DCOND_STEP_UP, DCOND_STEP_DOWN, DCOND_UNIDIRECTIONAL, DCOND_X_TH, DCOND_E_TH,
  CTR_WEIGHT_UPDATES, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf, pi } from '../util/params';

export function dcond_pre_f32(
  w: usize, level: usize, gain: usize, nIn: i32, nOut: i32, pre: usize, nPre: i32, signal: usize, table: usize, params: usize,
): void {
  const lo = pf(params, DCOND_W_MIN);
  const hi = pf(params, DCOND_W_MAX);
  const top = pi(params, DCOND_LEVELS) - 1;
  const up = pi(params, DCOND_STEP_UP);
  const down = pi(params, DCOND_UNIDIRECTIONAL) == 1 ? 0 : pi(params, DCOND_STEP_DOWN);
  const eth = pf(params, DCOND_E_TH);
  const neth = -eth;
  let rows = 0;
  let dropped = 0;
  for (let k = 0; k < nPre; k++) {
    const i = load<u32>(pre + (<usize>k << 2));
    if (i >= <u32>nIn) { dropped++; continue; }
    rows++;
    const base = <usize>i * <usize>nOut;
    const wrow = w + (base << 2);
    const grow = gain + (base << 2);
    const nrow = level + base;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const up4 = i32x4.splat(up);
      const down4 = i32x4.splat(down);
      const zero4 = i32x4.splat(0);
      const top4 = i32x4.splat(top);
      const eth4 = f32x4.splat(eth);
      const neth4 = f32x4.splat(neth);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const n = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(nrow + <usize>j)));
        const e = v128.load(signal + o);
        const step = i32x4.sub(v128.and(f32x4.gt(e, eth4), up4), v128.and(f32x4.lt(e, neth4), down4));
        const nn = i32x4.min_s(i32x4.max_s(i32x4.add(n, step), zero4), top4);
        const n16 = i16x8.narrow_i32x4_u(nn, nn);
        v128.store32_lane(nrow + <usize>j, i8x16.narrow_i16x8_u(n16, n16), 0);
        let lv = f32x4.splat(load<f32>(table + (<usize>i32x4.extract_lane(nn, 0) << 2)));
        lv = f32x4.replace_lane(lv, 1, load<f32>(table + (<usize>i32x4.extract_lane(nn, 1) << 2)));
        lv = f32x4.replace_lane(lv, 2, load<f32>(table + (<usize>i32x4.extract_lane(nn, 2) << 2)));
        lv = f32x4.replace_lane(lv, 3, load<f32>(table + (<usize>i32x4.extract_lane(nn, 3) << 2)));
        const wv = f32x4.add(lo4, f32x4.mul(v128.load(grow + o), lv));
        v128.store(wrow + o, f32x4.min(f32x4.max(wv, lo4), hi4));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const e = load<f32>(signal + o);
      const step = (e > eth ? up : 0) - (e < neth ? down : 0);
      const nn = min<i32>(max<i32>(<i32>load<u8>(nrow + <usize>j) + step, 0), top);
      store<u8>(nrow + <usize>j, <u8>nn);
      const wv = lo + load<f32>(grow + o) * load<f32>(table + (<usize>nn << 2));
      store<f32>(wrow + o, min<f32>(max<f32>(wv, lo), hi));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>rows * <f64>nOut);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>rows * <f64>nOut * 13 + <f64>nPre * 4);
  count(CTR_BYTES_WRITTEN, <f64>rows * <f64>nOut * 5);
  count(CTR_KERNEL_CALLS, 1);
}

export function dcond_post_f32(
  w: usize, level: usize, gain: usize, nIn: i32, nOut: i32, post: usize, nPost: i32, preTrace: usize, table: usize, params: usize,
): void {
  const lo = pf(params, DCOND_W_MIN);
  const hi = pf(params, DCOND_W_MAX);
  const top = pi(params, DCOND_LEVELS) - 1;
  const up = pi(params, DCOND_STEP_UP);
  const down = pi(params, DCOND_UNIDIRECTIONAL) == 1 ? 0 : pi(params, DCOND_STEP_DOWN);
  const xth = pf(params, DCOND_X_TH);
  let cols = 0;
  let dropped = 0;
  for (let k = 0; k < nPost; k++) {
    const j = load<u32>(post + (<usize>k << 2));
    if (j >= <u32>nOut) { dropped++; continue; }
    cols++;
    for (let i = 0; i < nIn; i++) {
      const q = <usize>i * <usize>nOut + <usize>j;
      const step = load<f32>(preTrace + (<usize>i << 2)) > xth ? up : -down;
      const nn = min<i32>(max<i32>(<i32>load<u8>(level + q) + step, 0), top);
      store<u8>(level + q, <u8>nn);
      const wv = lo + load<f32>(gain + (q << 2)) * load<f32>(table + (<usize>nn << 2));
      store<f32>(w + (q << 2), min<f32>(max<f32>(wv, lo), hi));
    }
  }
  count(CTR_WEIGHT_UPDATES, <f64>cols * <f64>nIn);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>cols * <f64>nIn * 13 + <f64>nPost * 4);
  count(CTR_BYTES_WRITTEN, <f64>cols * <f64>nIn * 5);
  count(CTR_KERNEL_CALLS, 1);
}
