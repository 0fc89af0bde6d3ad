/**
 * exp(x) in f32 without an exp instruction (wasm has none), as a fixed sequence of f32
 * operations so that the scalar and SIMD forms, the scalar and SIMD builds and the TypeScript
 * twin (host/reference/escape.ts expPoly) agree bit for bit:
 *   clamp x to [-87, 88] (NaN -> -87); k = floor(x log2(e) + 1/2);
 *   r = (x - k L_hi) - k L_lo with L_hi + L_lo = ln 2 (L_hi has 15 significant bits, so k L_hi is
 *   exact); exp(r) by its degree-7 Taylor polynomial (|r| <= 0.35: truncation < 1e-8 relative);
 *   times 2^k built in the exponent bits. Max relative error measured against Math.exp: 8.6e-8.
 * The one exp of the kernels: the escape-noise neuron and the Dale's-law updates use it.
 */
const X_LO: f32 = -87;
const X_HI: f32 = 88;
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693145751953125; // 0x3f317200
const LN2_LO: f32 = 1.4286068202862268e-6; // ln 2 - LN2_HI
const P7: f32 = 1.0 / 5040.0;
const P6: f32 = 1.0 / 720.0;
const P5: f32 = 1.0 / 120.0;
const P4: f32 = 1.0 / 24.0;
const P3: f32 = 1.0 / 6.0;
const P2: f32 = 0.5;

// @ts-ignore: decorator
@inline
export function expf_poly(x0: f32): f32 {
  const x1 = X_LO < x0 ? x0 : X_LO;
  const x = x1 < X_HI ? x1 : X_HI;
  const k = Mathf.floor(x * LOG2E + <f32>0.5);
  const r = (x - k * LN2_HI) - k * LN2_LO;
  let q = P7;
  q = q * r + P6;
  q = q * r + P5;
  q = q * r + P4;
  q = q * r + P3;
  q = q * r + P2;
  q = q * r + <f32>1;
  q = q * r + <f32>1;
  return q * reinterpret<f32>((<i32>k + 127) << 23);
}

// @ts-ignore: decorator
@inline
export function expf_poly4(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.splat(X_HI), f32x4.pmax(f32x4.splat(X_LO), x0));
  const k = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(LOG2E)), f32x4.splat(0.5)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(k, f32x4.splat(LN2_HI))), f32x4.mul(k, f32x4.splat(LN2_LO)));
  let q = f32x4.splat(P7);
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P6));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P5));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P4));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P3));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(P2));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(1));
  return f32x4.mul(q, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(k), i32x4.splat(127)), 23));
}

