/**
 * xoshiro128** (Blackman & Vigna, 2018), seeded with splitmix32.
 *
 * This is the TypeScript twin of the kernels' PRNG (`assembly/util/prng.ts`): the same seed gives
 * the same u32 stream on both sides, so the host (emulator, shuffles, weight init on the host) and
 * the arena PRNG are reproducible bit for bit. State: four u32 words, never all zero.
 */
export class Xoshiro128 {
  readonly s = new Uint32Array(4);

  constructor(seed: number) {
    this.seed(seed);
  }

  /** splitmix32 expansion of a 32-bit seed into the four state words. */
  seed(seed: number): void {
    let z = seed >>> 0;
    for (let k = 0; k < 4; k++) {
      z = (z + 0x9e3779b9) >>> 0;
      let r = z;
      r = Math.imul(r ^ (r >>> 16), 0x85ebca6b) >>> 0;
      r = Math.imul(r ^ (r >>> 13), 0xc2b2ae35) >>> 0;
      r = (r ^ (r >>> 16)) >>> 0;
      this.s[k] = r;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next u32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 bits, exactly representable as f32 (matches the kernel). */
  nextFloat(): number {
    return (this.nextU32() >>> 8) * 5.9604644775390625e-8;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }

  /** Standard normal (Box-Muller on two uniforms). Host-side only. */
  nextGaussian(): number {
    const u1 = (this.nextU32() + 1) / 4294967297;
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const rng = new Xoshiro128(seed);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
  return out;
}
