/**
 * Izhikevich (2003) neuron: two variables that reproduce the standard cortical firing regimes
 * (regular spiking, intrinsically bursting, chattering, fast spiking, low-threshold spiking,
 * thalamo-cortical, resonator) by the choice of a, b, c, d alone.
 *
 *   dv/dt = 0.04 v^2 + 5 v + 140 - u + I          (v in mV, t in ms, I in the model's units)
 *   du/dt = a (b v - u)
 *   spike when v >= v_peak (30 mV): v = c, u += d
 * I = I_syn + bias: I_syn decays with alpha_s = exp(-dt/tau_syn) (input spikes add I += w) and the
 * bias is a constant (or teacher) current.
 * Integration (IZH_SCHEME):
 *   0 forward Euler, v and u from their old values (Brian2 `euler`):
 *       v' = v + dt f(v, u, I),  u' = u + dt a (b v - u)
 *   1 the scheme of the paper's MATLAB code: two half steps for v, then u from the new v:
 *       v_h = v + dt/2 f(v, u, I); v' = v_h + dt/2 f(v_h, u, I); u' = u + dt a (b v' - u)
 * Step order, refractory hold and reset follow lif.ts (Brian2 schedule): this kernel integrates
 * and lists candidates; lif_reset_f32 applies v = c and u += d to the winners, since the recovery
 * variable u is kept in the STATE_B array and d in the D_THETA slot.
 * Layout: the five-array neuron state block of lif.ts, with u in place of b.
 * SIMD across neurons, same f32 operation order in every lane as the scalar code (bit-identical).
 */
import {
  LIF_ALPHA_S, LIF_V_TH, IZH_A, IZH_B, IZH_DT, IZH_SCHEME, STATE_I, STATE_REFR, STATE_B, STATE_BIAS,
  CTR_NEURON_UPDATES_IZH, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf } from '../util/params';

// @ts-ignore: decorator
@inline
function f(v: f32, u: f32, cur: f32): f32 {
  return <f32>0.04 * v * v + <f32>5 * v + <f32>140 - u + cur;
}

// @ts-ignore: decorator
@inline
function f4(v: v128, u: v128, cur: v128): v128 {
  return f32x4.add(
    f32x4.sub(
      f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(f32x4.splat(0.04), v), v), f32x4.mul(f32x4.splat(5), v)), f32x4.splat(140)),
      u,
    ),
    cur,
  );
}

export function izh_step_f32(n: i32, state: usize, params: usize, spikeBuf: usize, margins: usize): i32 {
  const nPad = (n + 3) & ~3;
  const stride = <usize>nPad << 2;
  const pV = state;
  const pI = state + stride * STATE_I;
  const pR = state + stride * STATE_REFR;
  const pU = state + stride * STATE_B;
  const pBias = state + stride * STATE_BIAS;
  const as = pf(params, LIF_ALPHA_S);
  const vpeak = pf(params, LIF_V_TH);
  const a = pf(params, IZH_A);
  const b = pf(params, IZH_B);
  const dt = pf(params, IZH_DT);
  const half: f32 = dt * <f32>0.5;
  const halfSteps = load<i32>(params + (<usize>IZH_SCHEME << 2)) == 1;
  let ns = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vas = f32x4.splat(as);
    const vpk = f32x4.splat(vpeak);
    const va = f32x4.splat(a);
    const vb = f32x4.splat(b);
    const vdt = f32x4.splat(dt);
    const vhalf = f32x4.splat(half);
    const zero = i32x4.splat(0);
    const one = i32x4.splat(1);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(pV + o);
      const u = v128.load(pU + o);
      const syn = v128.load(pI + o);
      const r = v128.load(pR + o);
      const cur = f32x4.add(syn, v128.load(pBias + o));
      let vn: v128;
      let un: v128;
      if (halfSteps) {
        const vh = f32x4.add(v, f32x4.mul(vhalf, f4(v, u, cur)));
        vn = f32x4.add(vh, f32x4.mul(vhalf, f4(vh, u, cur)));
        un = f32x4.add(u, f32x4.mul(vdt, f32x4.mul(va, f32x4.sub(f32x4.mul(vb, vn), u))));
      } else {
        vn = f32x4.add(v, f32x4.mul(vdt, f4(v, u, cur)));
        un = f32x4.add(u, f32x4.mul(vdt, f32x4.mul(va, f32x4.sub(f32x4.mul(vb, v), u))));
      }
      const refr = i32x4.gt_s(r, zero);
      const cross = v128.andnot(f32x4.ge(vn, vpk), refr);
      v128.store(pV + o, v128.bitselect(v, vn, refr));
      v128.store(pU + o, un);
      v128.store(pI + o, f32x4.mul(syn, vas));
      v128.store(pR + o, i32x4.sub(r, v128.and(refr, one)));
      let mask = i32x4.bitmask(cross);
      while (mask != 0) {
        const lane = ctz(mask);
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>(j + lane));
        store<f32>(margins + (<usize>ns << 2), load<f32>(pV + o + (<usize>lane << 2)) - vpeak);
        ns++;
        mask &= mask - 1;
      }
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const v = load<f32>(pV + o);
    const u = load<f32>(pU + o);
    const syn = load<f32>(pI + o);
    const r = load<i32>(pR + o);
    const cur = syn + load<f32>(pBias + o);
    let vn: f32;
    let un: f32;
    if (halfSteps) {
      const vh = v + half * f(v, u, cur);
      vn = vh + half * f(vh, u, cur);
      un = u + dt * (a * (b * vn - u));
    } else {
      vn = v + dt * f(v, u, cur);
      un = u + dt * (a * (b * v - u));
    }
    store<f32>(pU + o, un);
    store<f32>(pI + o, syn * as);
    if (r > 0) {
      store<i32>(pR + o, r - 1);
    } else {
      store<f32>(pV + o, vn);
      if (vn >= vpeak) {
        store<u32>(spikeBuf + (<usize>ns << 2), <u32>j);
        store<f32>(margins + (<usize>ns << 2), vn - vpeak);
        ns++;
      }
    }
  }
  count(CTR_NEURON_UPDATES_IZH, <f64>n);
  count(CTR_BYTES_READ, <f64>n * 20);
  count(CTR_BYTES_WRITTEN, <f64>n * 16 + <f64>ns * 8);
  count(CTR_KERNEL_CALLS, 1);
  return ns;
}
