/**
 * Reading a parameter block: slot k of a block at `params` (f32 or i32, 4 bytes each). The
 * Plan writes the blocks once; kernels read them at the top of each call.
 */
// @ts-ignore: decorator
@inline
export function pf(params: usize, slot: i32): f32 {
  return load<f32>(params + (<usize>slot << 2));
}

// @ts-ignore: decorator
@inline
export function pi(params: usize, slot: i32): i32 {
  return load<i32>(params + (<usize>slot << 2));
}
