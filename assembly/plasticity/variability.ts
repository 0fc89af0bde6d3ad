/**
 * Neural variability: zero-mean noise injected into a per-neuron quantity (synaptic current,
 * membrane, rate) from the arena PRNG, as a continual-learning control. Training with noise acts as
 * a regulariser (Bishop 1995, "Training with noise is equivalent to Tikhonov regularization",
 * Neural Computation 7:108) and keeps a learner from committing to a brittle solution; see Faisal,
 * Selen & Wolpert 2008 ("Noise in the nervous system", Nat. Rev. Neurosci. 9:292) for its
 * biological sources.
 *
 *   x_j <- x_j + sigma sqrt(3) (2u - 1)                    mode 0: uniform, variance sigma^2
 *   x_j <- x_j + sigma sqrt(3) (u1 + u2 + u3 + u4 - 2)     mode 1: Irwin-Hall(4), variance sigma^2,
 *                                                          bell-shaped on [-2 sqrt(3) sigma, +...]
 * u = (next_u32 >>> 8) 2^-24 from the xoshiro128** state in the arena (util/prng.ts), so a seed gives
 * the same noise in both builds, in the reference (host/util/prng.ts) and after a checkpoint.
 * No transcendental functions (a Box-Muller Gaussian would need log/cos, which wasm computes in
 * software and the reference could not match bit for bit).
 * The draws are sequential in j (one PRNG stream), so the kernel is scalar in both builds.
 * Units: those of x; sigma is the standard deviation per call (per step).
 */
import { CTR_RNG_DRAWS, CTR_BYTES_READ, CTR_BYTES_WRITTEN, CTR_KERNEL_CALLS } from '../abi';
import { count } from '../util/counters';
import { rng_next_u32 } from '../util/prng';

// @ts-ignore: decorator
@inline
function uniform(rng: usize): f32 {
  return <f32>(rng_next_u32(rng) >>> 8) * <f32>5.9604644775390625e-8;
}

export function noise_inject_f32(x: usize, n: i32, rng: usize, sigma: f32, mode: i32): void {
  if (sigma == 0) {
    count(CTR_KERNEL_CALLS, 1);
    return;
  }
  const s: f32 = sigma * <f32>1.7320508075688772;
  const irwinHall = mode == 1;
  for (let j = 0; j < n; j++) {
    const p = x + (<usize>j << 2);
    let z: f32;
    if (irwinHall) {
      const u1 = uniform(rng);
      const u2 = uniform(rng);
      const u3 = uniform(rng);
      const u4 = uniform(rng);
      z = u1 + u2 + u3 + u4 - <f32>2;
    } else {
      z = <f32>2 * uniform(rng) - <f32>1;
    }
    store<f32>(p, load<f32>(p) + s * z);
  }
  count(CTR_RNG_DRAWS, <f64>n * (irwinHall ? 4 : 1));
  count(CTR_BYTES_READ, <f64>n * 4);
  count(CTR_BYTES_WRITTEN, <f64>n * 4);
  count(CTR_KERNEL_CALLS, 1);
}
