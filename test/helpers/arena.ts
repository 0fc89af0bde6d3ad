/**
 * A scratch arena for kernel-level tests: a fixed memory, the kernels instantiated over it, and
 * a bump allocator for test buffers (16-byte aligned, above __heap_base).
 */
import { heapBase, instantiateKernels, type KernelBuild, type Kernels } from '../../host/runtime/kernels.js';

export class TestArena {
  readonly memory: WebAssembly.Memory;
  readonly k: Kernels;
  private cursor: number;
  private readonly start: number;

  constructor(readonly build: KernelBuild, pages = 256) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.k = instantiateKernels(build, this.memory);
    this.start = Math.ceil(heapBase(build) / 16) * 16;
    this.cursor = this.start;
  }

  reset(): void {
    new Uint8Array(this.memory.buffer).fill(0, this.start);
    this.cursor = this.start;
  }

  alloc(bytes: number): number {
    const p = this.cursor;
    this.cursor += Math.ceil(Math.max(bytes, 1) / 16) * 16;
    if (this.cursor > this.memory.buffer.byteLength) throw new Error('test arena full');
    return p;
  }

  f32(ptr: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, ptr, n); }
  i32(ptr: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, ptr, n); }
  u32(ptr: number, n: number): Uint32Array { return new Uint32Array(this.memory.buffer, ptr, n); }
  i16(ptr: number, n: number): Int16Array { return new Int16Array(this.memory.buffer, ptr, n); }
  i8(ptr: number, n: number): Int8Array { return new Int8Array(this.memory.buffer, ptr, n); }

  /** Copies `src` into a fresh buffer and returns its pointer. */
  put(src: Float32Array | Int32Array | Uint32Array | Int16Array | Int8Array): number {
    const p = this.alloc(src.byteLength);
    new Uint8Array(this.memory.buffer, p, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return p;
  }
}

/** Bitwise equality of two float arrays (NaN-safe, distinguishes -0). */
export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

export type { Kernels };
