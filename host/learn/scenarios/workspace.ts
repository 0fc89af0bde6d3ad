/**
 * A kernel instance with memory of its own for the continual learners' state that lives beside a
 * model's arena: readout weights, NCM centroids, a Hopfield memory, CLASSP accumulators, per-
 * neuron modes, homeostatic learning-rate state. The learners call the same wasm kernels a device
 * would (no TypeScript copies of their equations); the buffers are allocated once, 16-byte
 * aligned above the module's static data, and never grow.
 */
import { NeuriteError } from '../../errors.js';
import { heapBase, instantiateKernels, type KernelBuild, type Kernels } from '../../runtime/kernels.js';

export class WorkspaceFullError extends NeuriteError {
  override readonly name = 'WorkspaceFullError';
}

export class KernelWorkspace {
  readonly k: Kernels;
  private readonly memory: WebAssembly.Memory;
  private cursor: number;

  constructor(build: KernelBuild, bytes: number) {
    const base = Math.ceil(heapBase(build) / 16) * 16;
    const pages = Math.ceil((base + bytes + 64) / 65536);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.k = instantiateKernels(build, this.memory);
    this.cursor = base;
  }

  /** `n` zeroed f32 (or i32) slots; returns the byte offset. */
  alloc(n: number): number {
    const bytes = Math.ceil(Math.max(n, 1) * 4 / 16) * 16;
    if (this.cursor + bytes > this.memory.buffer.byteLength) {
      throw new WorkspaceFullError(`kernel workspace: ${n} more slots do not fit (${this.memory.buffer.byteLength - this.cursor} bytes left)`);
    }
    const p = this.cursor;
    this.cursor += bytes;
    return p;
  }

  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, n);
  }
}
