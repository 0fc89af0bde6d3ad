/**
 * Stochastic escape-noise neuron (Gerstner & Kistler 2002, "Spiking Neuron Models", section 5.3;
 * Gerstner, Kistler, Naud & Paninski 2014, "Neuronal Dynamics", chapter 9): a LIF membrane whose
 * threshold is soft. Instead of firing when v crosses theta, the neuron fires with an
 * instantaneous escape rate that grows exponentially with the distance to threshold:
 *   rho(v) = rho_0 exp((v - theta) / Delta_u)               (rho_0 in 1/ms, Delta_u in v's units)
 * and, over one step of dt, with rho taken at the updated membrane,
 *   p = 1 - exp(-dt rho(v)) = 1 - exp(-dt rho_0 exp((v - theta) / Delta_u))
 * As Delta_u -> 0 this becomes the deterministic threshold; rho_0 sets the rate at threshold.
 *
 * Membrane, synaptic current, threshold adaptation (theta = v_th + b), refractory hold and reset
 * are exactly those of lif.ts (same state block, same LIF_* parameter slots, reset by
 * lif_reset_f32 after optional winner-take-all); the stochastic part adds two slots:
 *   ESC_INV_DELTA_U = 1 / Delta_u,   ESC_DT_RHO0 = dt rho_0   (host-computed at plan time)
 * Per step, per neuron j (refractory neurons are held and cannot fire):
 *   v' = alpha_m v + beta I + gamma bias;  I' = alpha_s I;  b' = alpha_b b;  theta = v_th + b'
 *   a = (v' - theta) / Delta_u;  h = dt rho_0 exp(a);  p = 1 - exp(-h)
 *   spike iff u_j < p, u_j = (x_j >>> 8) 2^-24 with x_j the next u32 of the arena PRNG
 * Random numbers: exactly one draw per neuron per step (refractory or not), in neuron order, so
 * the stream (and a checkpoint of it) is independent of the state and of the build.
 * Output: ascending spike indices in spikeBuf and v' - theta in margins; returns the count.
 *
 * exp is evaluated in software with a fixed sequence of f32 operations, identical in the SIMD
 * lanes, the scalar code and the reference (host/reference/escape.ts), so all three agree bit for
 * bit, spike decisions included: x is clamped to [-87, 88] (NaN -> -87), k = floor(x log2(e) + 1/2),
 * r = (x - k L_hi) - k L_lo with L_hi + L_lo = ln 2 (L_hi with 15 significant bits, so k L_hi is
 * exact), exp(r) by its degree-7 Taylor polynomial (|r| <= 0.35: truncation < 1e-8 relative),
 * times 2^k built in the exponent bits (k in [-125, 127], a normal f32).
 *
 * Layout: the five-array neuron state block of lif.ts (v | I | refr | b | bias, nPad entries),
 * rng = the 16-byte xoshiro128** state of util/prng.ts. SIMD across neurons (4 lanes); the four
 * uniforms of a vector are drawn scalar, in lane order.
 */
import {
  LIF_ALPHA_M, LIF_ALPHA_S, LIF_BETA, LIF_GAMMA, LIF_V_TH, LIF_ALPHA_B, ESC_INV_DELTA_U, ESC_DT_RHO0,
  STATE_I, STATE_REFR, STATE_B, STATE_BIAS,
  CTR_NEURON_UPDATES_ESCAPE, CTR_RNG_DRAWS, CTR_EXP_EVALS, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { rng_next_u32 } from '../util/prng';
import { expf_poly as expScalar, expf_poly4 as expVec } from '../util/expf';
import { pf } from '../util/params';

// @ts-ignore: decorator
@inline
function uniform(rng: usize): f32 {
  return <f32>(rng_next_u32(rng) >>> 8) * <f32>5.9604644775390625e-8;
}

export function escape_step_f32(n: i32, state: usize, params: usize, rng: usize, spikeBuf: usize, margins: usize): i32 {
  const nPad = (n + 3) & ~3;
  const stride = <usize>nPad << 2;
  const pV = state;
  const pI = state + stride * STATE_I;
  const pR = state + stride * STATE_REFR;
  const pB = state + stride * STATE_B;
  const pBias = state + stride * STATE_BIAS;
  const am = pf(params, LIF_ALPHA_M);
  const as = pf(params, LIF_ALPHA_S);
  const beta = pf(params, LIF_BETA);
  const gamma = pf(params, LIF_GAMMA);
  const vth = pf(params, LIF_V_TH);
  const ab = pf(params, LIF_ALPHA_B);
  const invDu = pf(params, ESC_INV_DELTA_U);
  const dtRho = pf(params, ESC_DT_RHO0);
  let ns = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vam = f32x4.splat(am);
    const vas = f32x4.splat(as);
    const vbeta = f32x4.splat(beta);
    const vgamma = f32x4.splat(gamma);
    const vth4 = f32x4.splat(vth);
    const vab = f32x4.splat(ab);
    const vinv = f32x4.splat(invDu);
    const vrho = f32x4.splat(dtRho);
    const vone = f32x4.splat(1);
    const zero = i32x4.splat(0);
    const one = i32x4.splat(1);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(pV + o);
      const cur = v128.load(pI + o);
      const r = v128.load(pR + o);
      const b = v128.load(pB + o);
      const vn = f32x4.add(f32x4.add(f32x4.mul(v, vam), f32x4.mul(cur, vbeta)), f32x4.mul(v128.load(pBias + o), vgamma));
      const refr = i32x4.gt_s(r, zero);
      const bn = f32x4.mul(b, vab);
      const thr = f32x4.add(vth4, bn);
      const h = f32x4.mul(vrho, expVec(f32x4.mul(f32x4.sub(vn, thr), vinv)));
      const p = f32x4.sub(vone, expVec(f32x4.neg(h)));
      let u = f32x4.splat(uniform(rng));
      u = f32x4.replace_lane(u, 1, uniform(rng));
      u = f32x4.replace_lane(u, 2, uniform(rng));
      u = f32x4.replace_lane(u, 3, uniform(rng));
      const fire = v128.andnot(f32x4.lt(u, p), refr);
      v128.store(pV + o, v128.bitselect(v, vn, refr));
      v128.store(pI + o, f32x4.mul(cur, vas));
      v128.store(pR + o, i32x4.sub(r, v128.and(refr, one)));
      v128.store(pB + o, bn);
      let mask = i32x4.bitmask(fire);
      while (mask != 0) {
        const lane = ctz(mask);
        const q = o + (<usize>lane << 2);
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>(j + lane));
        store<f32>(margins + (<usize>ns << 2), load<f32>(pV + q) - (vth + load<f32>(pB + q)));
        ns++;
        mask &= mask - 1;
      }
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const v = load<f32>(pV + o);
    const cur = load<f32>(pI + o);
    const r = load<i32>(pR + o);
    const vn = v * am + cur * beta + load<f32>(pBias + o) * gamma;
    const bn = load<f32>(pB + o) * ab;
    const u = uniform(rng);
    store<f32>(pI + o, cur * as);
    store<f32>(pB + o, bn);
    if (r > 0) {
      store<i32>(pR + o, r - 1);
    } else {
      store<f32>(pV + o, vn);
      const thr = vth + bn;
      const h = dtRho * expScalar((vn - thr) * invDu);
      const p = <f32>1 - expScalar(-h);
      if (u < p) {
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>j);
        store<f32>(margins + (<usize>ns << 2), vn - thr);
        ns++;
      }
    }
  }
  count(CTR_NEURON_UPDATES_ESCAPE, <f64>n);
  count(CTR_RNG_DRAWS, <f64>n);
  count(CTR_EXP_EVALS, <f64>n * 2);
  count(CTR_BYTES_READ, <f64>n * 20 + <f64>n * 32);
  count(CTR_BYTES_WRITTEN, <f64>n * 16 + <f64>n * 16 + <f64>ns * 8);
  count(CTR_KERNEL_CALLS, 1);
  return ns;
}
