/**
 * xoshiro128** (Blackman & Vigna 2018) with splitmix32 seeding; state = four u32 words in the
 * arena, so a checkpoint restores the exact stream. The host twin is host/util/prng.ts and must
 * produce the same u32 sequence for the same seed.
 */
// @ts-ignore: decorator
@inline
function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

export function rng_seed(state: usize, seed: u32): void {
  let z = seed;
  for (let k = 0; k < 4; k++) {
    z += 0x9e3779b9;
    let r = z;
    r = (r ^ (r >>> 16)) * 0x85ebca6b;
    r = (r ^ (r >>> 13)) * 0xc2b2ae35;
    r = r ^ (r >>> 16);
    store<u32>(state + (<usize>k << 2), r);
  }
  if ((load<u32>(state) | load<u32>(state, 4) | load<u32>(state, 8) | load<u32>(state, 12)) == 0) store<u32>(state, 1);
}

export function rng_next_u32(state: usize): u32 {
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** out[k] = lo + (hi - lo) * u_k with u_k = (next >>> 8) * 2^-24, in f32. */
export function rng_fill_uniform_f32(state: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const span = hi - lo;
  for (let k = 0; k < n; k++) {
    const u = <f32>(rng_next_u32(state) >>> 8) * <f32>5.9604644775390625e-8;
    store<f32>(out + (<usize>k << 2), lo + span * u);
  }
}
