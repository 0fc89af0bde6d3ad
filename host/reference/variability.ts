/**
 * Reference twin of assembly/plasticity/variability.ts: zero-mean noise of standard deviation
 * sigma from the xoshiro128** stream (host/util/prng.ts, the twin of the arena PRNG).
 */
import type { Xoshiro128 } from '../util/prng.js';

const fr = Math.fround;

export function noiseInject(x: Float32Array, n: number, rng: Xoshiro128, sigma: number, mode: 0 | 1): void {
  if (fr(sigma) === 0) return;
  const s = fr(fr(sigma) * fr(1.7320508075688772));
  for (let j = 0; j < n; j++) {
    let z: number;
    if (mode === 1) {
      const u1 = rng.nextFloat(), u2 = rng.nextFloat(), u3 = rng.nextFloat(), u4 = rng.nextFloat();
      z = fr(fr(fr(fr(u1 + u2) + u3) + u4) - 2);
    } else {
      z = fr(fr(2 * rng.nextFloat()) - 1);
    }
    x[j] = fr(x[j] + fr(s * z));
  }
}
