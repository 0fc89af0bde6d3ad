/**
 * The three-factor vocabulary: eligibility traces, a modulatory third factor, bounds.
 *
 * A three-factor rule (Fremaux & Gerstner 2016, "Neuromodulated spike-timing-dependent plasticity,
 * and theory of three-factor learning rules", Front. Neural Circuits 9:85) separates
 *   - a Hebbian coincidence term built from pre- and postsynaptic quantities (traces, spikes,
 *     pseudo-derivatives), which does not change the weight but marks the synapse as eligible, and
 *   - a third factor M (reward, error, learning signal) that turns eligibility into a weight change
 *     when it is delivered.
 * Every rule of this family in neurite is a composition of the kernels below with the traces of
 * traces.ts (rstdp.ts, eprop.ts, tess.ts, readout/gated_hebb.ts state their compositions).
 *
 * Eligibility (elig_step_f32), dense, once per step, tau_e in steps via alpha = exp(-dt/tau_e):
 *   e_ij <- alpha e_ij + kA a_i b_j + kC c_i d_j          (i presynaptic, j postsynaptic)
 *   then e_ij <- 0 where |e_ij| < floor (wasm has no flush-to-zero; see traces.ts)
 *   a, c: per-pre vectors (nIn); b, d: per-post vectors (nOut). b = 0 (null) means b_j = 1;
 *   c = 0 (null) drops the second product (then d is not read).
 *   Pair STDP into eligibility (Izhikevich 2007): a = x (pre trace), b = post spikes, kA = A+,
 *   c = pre spikes, d = y (post trace), kC = -A-. e-prop: a = zbar (pre trace), b = psi, kA = 1.
 * Modulated update (elig_apply_f32), when a modulator is delivered:
 *   dw_ij = eta * s * m_j * e_ij                         (m = 0 (null) means m_j = 1)
 *   s is a scalar (reward minus baseline, a global error); m_j a per-post signal (e-prop's
 *   learning signal L_j, a readout error). Calling it every step with s = M(t) dt integrates
 *   dw/dt = eta M(t) e(t) (Izhikevich 2007 eq. for dw/dt = c d).
 * Immediate eligibility (elig_apply_outer_f32), for rules whose eligibility is a product of
 * per-neuron quantities and so needs no per-synapse state (TESS, e-prop readouts, Hebbian readouts):
 *   dw_ij = eta * s * m_j * (kA a_i b_j + kC c_i d_j)
 *   rows with kA a_i == 0 and kC c_i == 0 are skipped (event sparsity; exactly the same result for
 *   weights that start inside the bounds).
 * Bounds (ELIG_BOUNDS), applied to every written weight:
 *   hard (0): w <- clip(w + dw, w_min, w_max)
 *   soft (1): w <- clip(w + (dw > 0 ? dw (w_max - w) : dw (w - w_min)), w_min, w_max)
 *             (multiplicative weight dependence, van Rossum, Bi & Turrigiano 2000; the final clip
 *             keeps the bound under f32 rounding and for |dw| > 1, so no rule can leave the range;
 *             the clip maps NaN, from an overflowing step, to w_min).
 * Trace filter (trace_filter_f32): x_j <- alpha x_j + u_j, a trace driven by an analog quantity
 * (TESS's trace of the pseudo-derivative) rather than by spike impulses.
 *
 * Units: dimensionless weights and traces; eta per modulator unit. Layout: W and e row-major
 * [nIn][nOut] (the layout of synapses/dense.ts); e has the shape of W, 4 bytes per synapse.
 * Memory: elig_step needs one f32 per synapse; elig_apply_outer needs none beyond W.
 * SIMD runs across postsynaptic neurons j (4 lanes); every lane does the scalar code's f32
 * operations in the same order, so the SIMD and scalar builds are bit-identical. Parameters: the
 * ELIG_* slots of abi.ts.
 */
import {
  ELIG_ALPHA, ELIG_FLOOR, ELIG_K_A, ELIG_K_C, ELIG_ETA, ELIG_W_MIN, ELIG_W_MAX, ELIG_BOUNDS,
  CTR_ELIGIBILITY_UPDATES, CTR_WEIGHT_UPDATES, CTR_TRACE_UPDATES, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS,
} from '../abi';
import { count } from '../util/counters';
import { pf } from '../util/params';

/**
 * Clip to [lo, hi] with the wasm pmax/pmin semantics: x = lo < v ? v : lo; x < hi ? x : hi. Unlike
 * min/max this maps NaN (an overflowing step: inf * 0) to lo, so the bound holds for any input.
 */
// @ts-ignore: decorator
@inline
export function clamp1(v: f32, lo: f32, hi: f32): f32 {
  const x: f32 = lo < v ? v : lo;
  return x < hi ? x : hi;
}

// @ts-ignore: decorator
@inline
export function clamp4(v: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmin(hi, f32x4.pmax(lo, v));
}

/** One bounded weight step (scalar); the SIMD twin is bound4. */
// @ts-ignore: decorator
@inline
export function bound1(w: f32, d: f32, lo: f32, hi: f32, soft: bool): f32 {
  const n: f32 = soft ? w + (d > 0 ? d * (hi - w) : d * (w - lo)) : w + d;
  return clamp1(n, lo, hi);
}

// @ts-ignore: decorator
@inline
export function bound4(w: v128, d: v128, lo: v128, hi: v128, soft: bool): v128 {
  let n: v128;
  if (soft) {
    const up = f32x4.mul(d, f32x4.sub(hi, w));
    const dn = f32x4.mul(d, f32x4.sub(w, lo));
    n = f32x4.add(w, v128.bitselect(up, dn, f32x4.gt(d, f32x4.splat(0))));
  } else {
    n = f32x4.add(w, d);
  }
  return clamp4(n, lo, hi);
}

export function elig_step_f32(e: usize, nIn: i32, nOut: i32, a: usize, b: usize, c: usize, d: usize, params: usize): void {
  const alpha = pf(params, ELIG_ALPHA);
  const floor = pf(params, ELIG_FLOOR);
  const kA = pf(params, ELIG_K_A);
  const kC = pf(params, ELIG_K_C);
  const two = c != 0;
  const ones = b == 0;
  const rowBytes = <usize>nOut << 2;
  for (let i = 0; i < nIn; i++) {
    const row = e + <usize>i * rowBytes;
    const ka: f32 = kA * load<f32>(a + (<usize>i << 2));
    const kc: f32 = two ? kC * load<f32>(c + (<usize>i << 2)) : 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const al = f32x4.splat(alpha);
      const fl = f32x4.splat(floor);
      const ka4 = f32x4.splat(ka);
      const kc4 = f32x4.splat(kc);
      const one = f32x4.splat(1);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        let t = f32x4.mul(ka4, ones ? one : v128.load(b + o));
        if (two) t = f32x4.add(t, f32x4.mul(kc4, v128.load(d + o)));
        const v = f32x4.add(f32x4.mul(al, v128.load(row + o)), t);
        v128.store(row + o, v128.andnot(v, f32x4.lt(f32x4.abs(v), fl)));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      let t: f32 = ka * (ones ? <f32>1 : load<f32>(b + o));
      if (two) t = t + kc * load<f32>(d + o);
      const v: f32 = alpha * load<f32>(row + o) + t;
      store<f32>(row + o, Mathf.abs(v) < floor ? 0 : v);
    }
  }
  const syn = <f64>nIn * <f64>nOut;
  const vec: f64 = <f64>nIn * (two ? 2 : 1) + <f64>nOut * ((ones ? 0 : 1) + (two ? 1 : 0));
  count(CTR_ELIGIBILITY_UPDATES, syn);
  count(CTR_BYTES_READ, syn * 4 + vec * 4);
  count(CTR_BYTES_WRITTEN, syn * 4);
  count(CTR_KERNEL_CALLS, 1);
}

export function elig_apply_f32(w: usize, e: usize, nIn: i32, nOut: i32, m: usize, mScale: f32, params: usize): void {
  const g: f32 = pf(params, ELIG_ETA) * mScale;
  count(CTR_KERNEL_CALLS, 1);
  if (g == 0) return;
  const lo = pf(params, ELIG_W_MIN);
  const hi = pf(params, ELIG_W_MAX);
  const soft = load<i32>(params + (<usize>ELIG_BOUNDS << 2)) == 1;
  const perPost = m != 0;
  const rowBytes = <usize>nOut << 2;
  for (let i = 0; i < nIn; i++) {
    const wr = w + <usize>i * rowBytes;
    const er = e + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const g4 = f32x4.splat(g);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        const gm = perPost ? f32x4.mul(g4, v128.load(m + o)) : g4;
        v128.store(wr + o, bound4(v128.load(wr + o), f32x4.mul(gm, v128.load(er + o)), lo4, hi4, soft));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      const gm: f32 = perPost ? g * load<f32>(m + o) : g;
      store<f32>(wr + o, bound1(load<f32>(wr + o), gm * load<f32>(er + o), lo, hi, soft));
    }
  }
  const syn = <f64>nIn * <f64>nOut;
  count(CTR_WEIGHT_UPDATES, syn);
  count(CTR_BYTES_READ, syn * 8 + (perPost ? <f64>nOut * 4 : 0));
  count(CTR_BYTES_WRITTEN, syn * 4);
}

export function elig_apply_outer_f32(
  w: usize, nIn: i32, nOut: i32, a: usize, b: usize, c: usize, d: usize, m: usize, mScale: f32, params: usize,
): void {
  const g: f32 = pf(params, ELIG_ETA) * mScale;
  count(CTR_KERNEL_CALLS, 1);
  if (g == 0) return;
  const kA = pf(params, ELIG_K_A);
  const kC = pf(params, ELIG_K_C);
  const lo = pf(params, ELIG_W_MIN);
  const hi = pf(params, ELIG_W_MAX);
  const soft = load<i32>(params + (<usize>ELIG_BOUNDS << 2)) == 1;
  const two = c != 0;
  const ones = b == 0;
  const perPost = m != 0;
  const rowBytes = <usize>nOut << 2;
  let rows = 0;
  for (let i = 0; i < nIn; i++) {
    const ka: f32 = kA * load<f32>(a + (<usize>i << 2));
    const kc: f32 = two ? kC * load<f32>(c + (<usize>i << 2)) : 0;
    if (ka == 0 && kc == 0) continue;
    rows++;
    const wr = w + <usize>i * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const g4 = f32x4.splat(g);
      const ka4 = f32x4.splat(ka);
      const kc4 = f32x4.splat(kc);
      const one = f32x4.splat(1);
      const lo4 = f32x4.splat(lo);
      const hi4 = f32x4.splat(hi);
      for (; j + 4 <= nOut; j += 4) {
        const o = <usize>j << 2;
        let t = f32x4.mul(ka4, ones ? one : v128.load(b + o));
        if (two) t = f32x4.add(t, f32x4.mul(kc4, v128.load(d + o)));
        const gm = perPost ? f32x4.mul(g4, v128.load(m + o)) : g4;
        v128.store(wr + o, bound4(v128.load(wr + o), f32x4.mul(gm, t), lo4, hi4, soft));
      }
    }
    for (; j < nOut; j++) {
      const o = <usize>j << 2;
      let t: f32 = ka * (ones ? <f32>1 : load<f32>(b + o));
      if (two) t = t + kc * load<f32>(d + o);
      const gm: f32 = perPost ? g * load<f32>(m + o) : g;
      store<f32>(wr + o, bound1(load<f32>(wr + o), gm * t, lo, hi, soft));
    }
  }
  const syn = <f64>rows * <f64>nOut;
  count(CTR_WEIGHT_UPDATES, syn);
  count(CTR_BYTES_READ, syn * 4 + <f64>nIn * (two ? 8 : 4) + <f64>nOut * 12);
  count(CTR_BYTES_WRITTEN, syn * 4);
}

export function trace_filter_f32(x: usize, n: i32, alpha: f32, u: usize): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const a4 = f32x4.splat(alpha);
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(x + o, f32x4.add(f32x4.mul(a4, v128.load(x + o)), v128.load(u + o)));
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    store<f32>(x + o, alpha * load<f32>(x + o) + load<f32>(u + o));
  }
  count(CTR_TRACE_UPDATES, <f64>n);
  count(CTR_BYTES_READ, <f64>n * 8);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}
