/**
 * Event-driven 2D convolution for sensor input (event cameras): instead of convolving a frame,
 * every input event scatters the (flipped) kernel into the output map region it touches.
 *
 * Convolution in the deep-learning convention (cross-correlation), stride s, zero padding P,
 * square kernel of side K, C_in input and C_out output channels:
 *   out[co][oy][ox] = sum_{ci, ky, kx} K[co][ci][ky][kx] * in[ci][oy s - P + ky][ox s - P + kx]
 *   W_out = floor((W_in + 2P - K) / s) + 1,  H_out likewise.
 * With `in` a sum of unit events, each event at (x, y, ci) adds, for every co and every output
 * position it reaches,
 *   out[co][oy][ox] += K[co][ci][y + P - oy s][x + P - ox s]
 * for ky = y + P - oy s and kx = x + P - ox s in [0, K). As ox grows, kx falls: the event adds the
 * kernel flipped. Zero padding needs no work: padded positions never produce events. Summed over a
 * step's events this equals the frame convolution of the step's event-count frame (up to f32
 * summation order); see test/learn/synapses-behaviour.test.ts. Event-driven convolution hardware
 * for address-event vision sensors works the same way (Camunas-Mesa et al. 2012, "An event-driven
 * multi-kernel convolution processor module for event-driven vision sensors", IEEE JSSC 47(2)).
 *
 * Layout:
 *   events  SoA as in host/events: x u16[nEv], y u16[nEv], c u8[nEv] (channel, e.g. polarity)
 *   target  f32[C_out][H_out][W_out], channel-major, x contiguous (a neuron population's current)
 *   weights packed at plan time (host/plan/synapse-layouts.ts, packConv2dWeights):
 *           Wp[ci][co][ky][phi][m], phi in [0, s), m in [0, T), T = ceil(K / s), with
 *           Wp[ci][co][ky][phi][m] = K[co][ci][ky][K - 1 - (phi + m s)]   (0 where phi + m s >= K)
 *   For an event with b = x + P - (K - 1), phi = (-b) mod s and ox_0 = (b + phi) / s, output
 *   column ox_0 + m takes tap m of phase row phi: consecutive output x read consecutive weights,
 *   so SIMD runs along output x (4 lanes), each element receiving one add per event.
 *   Memory: 4 C_in C_out K s T bytes (= 4 C_in C_out K^2 for stride 1).
 * Parameters: the CONV_* i32 slots of abi.ts (geometry validated at plan time).
 *
 * Bounds: an event with x >= W_in, y >= H_in or c >= C_in is counted in CTR_EVENTS_DROPPED and
 * skipped. Output rows and columns outside the map are clipped (they are padding, not errors).
 * SIMD and scalar: every output element gets the same single f32 add per event, in event order,
 * in both builds, so the results are bit-identical.
 */
import {
  CONV_W_IN, CONV_H_IN, CONV_C_IN, CONV_C_OUT, CONV_K, CONV_STRIDE, CONV_PAD, CONV_W_OUT, CONV_H_OUT,
  CTR_SYNOPS_F32, CTR_EVENTS_DROPPED, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pi } from '../util/params';

export function conv2d_accumulate_f32(w: usize, params: usize, ex: usize, ey: usize, ec: usize, nEv: i32, target: usize): void {
  const wIn = pi(params, CONV_W_IN);
  const hIn = pi(params, CONV_H_IN);
  const cIn = pi(params, CONV_C_IN);
  const cOut = pi(params, CONV_C_OUT);
  const K = pi(params, CONV_K);
  const s = pi(params, CONV_STRIDE);
  const pad = pi(params, CONV_PAD);
  const wOut = pi(params, CONV_W_OUT);
  const hOut = pi(params, CONV_H_OUT);
  if (s <= 0 || K <= 0) { // invalid geometry (the plan rejects it): drop rather than trap
    count(CTR_EVENTS_DROPPED, <f64>nEv);
    count(CTR_KERNEL_CALLS, 1);
    return;
  }
  const taps = (K + s - 1) / s;
  const rowW = s * taps; // floats per (ci, co, ky) packed row
  const coStride = K * rowW;
  const ciStride = cOut * coStride;
  let synops: f64 = 0;
  let dropped = 0;
  for (let e = 0; e < nEv; e++) {
    const x = <i32>load<u16>(ex + (<usize>e << 1));
    const y = <i32>load<u16>(ey + (<usize>e << 1));
    const c = <i32>load<u8>(ec + <usize>e);
    if (x >= wIn || y >= hIn || c >= cIn) { dropped++; continue; }
    // Output rows: ky = y + P - oy s in [0, K).
    const ny = y + pad;
    const num = ny - K + 1;
    const oy0 = num <= 0 ? 0 : (num + s - 1) / s;
    let oy1 = ny / s;
    if (oy1 > hOut - 1) oy1 = hOut - 1;
    if (oy0 > oy1) continue;
    // Output columns: phase row phi, taps m0 .. m1-1 land on ox_0 + m.
    const b = x + pad - K + 1;
    let phi = (-b) % s;
    if (phi < 0) phi += s;
    const ox0 = (b + phi) / s;
    let m0 = ox0 < 0 ? -ox0 : 0;
    let m1 = (K - phi + s - 1) / s;
    if (ox0 + m1 > wOut) m1 = wOut - ox0;
    if (m0 >= m1) continue;
    const len = m1 - m0;
    const wBase = w + ((<usize>(c * ciStride + phi * taps + m0)) << 2);
    const tBase = target + ((<usize>(ox0 + m0)) << 2);
    for (let co = 0; co < cOut; co++) {
      for (let oy = oy0; oy <= oy1; oy++) {
        const ky = ny - oy * s;
        const wr = wBase + ((<usize>(co * coStride + ky * rowW)) << 2);
        const tr = tBase + ((<usize>((co * hOut + oy) * wOut)) << 2);
        let m = 0;
        if (ASC_FEATURE_SIMD) {
          for (; m + 4 <= len; m += 4) {
            const o = <usize>m << 2;
            v128.store(tr + o, f32x4.add(v128.load(tr + o), v128.load(wr + o)));
          }
        }
        for (; m < len; m++) {
          const o = <usize>m << 2;
          store<f32>(tr + o, load<f32>(tr + o) + load<f32>(wr + o));
        }
      }
    }
    synops += <f64>cOut * <f64>(oy1 - oy0 + 1) * <f64>len;
  }
  count(CTR_SYNOPS_F32, synops);
  count(CTR_EVENTS_DROPPED, <f64>dropped);
  count(CTR_BYTES_READ, <f64>nEv * 5 + synops * 8);
  count(CTR_BYTES_WRITTEN, synops * 4);
  count(CTR_KERNEL_CALLS, 1);
}
