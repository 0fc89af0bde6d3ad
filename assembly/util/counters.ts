/**
 * Counter accumulation. The host binds the counter region once (`counters_bind`); kernels add to
 * it. f64 slots keep integer counts exact up to 2^53 without BigInt on the host.
 */
let counterBase: usize = 0;

export function counters_bind(ptr: usize): void {
  counterBase = ptr;
}

// @ts-ignore: decorator
@inline
export function count(slot: i32, n: f64): void {
  if (counterBase == 0) return;
  const p = counterBase + (<usize>slot << 3);
  store<f64>(p, load<f64>(p) + n);
}
