/**
 * The kernel zoo's verification step (bench/kernel-zoo.ts verifyCase) for every case in
 * bench/zoo-cases.ts, without timing: wasm scalar and SIMD bit-identical, the plain TypeScript twin
 * within the case's tolerance. CI fails here when a kernel and its twin drift apart, before anyone
 * reads a benchmark table. Also: the zoo calls every exported compute kernel except the listed
 * ones, and the check itself catches a drifting twin.
 */
import { describe, expect, it } from 'vitest';
import { kernelModule, type Kernels } from '../../host/runtime/kernels.js';
import { verifyCase, zooTarget, type ZooTarget } from '../../bench/kernel-zoo.js';
import { ZOO_CASES, type ZooCase } from '../../bench/zoo-cases.js';

/**
 * Exports the zoo does not time, and why: not compute kernels (ABI queries, counters, PRNG
 * plumbing, the schedule interpreter that runs the others), or kernels without a TypeScript twin
 * in host/reference (the post-major layout kernels and int8 column scaling), which the zoo's
 * three-way comparison needs.
 */
const NOT_IN_ZOO = new Set([
  'heap_base', 'simd_enabled', 'counters_bind', 'rng_seed', 'rng_next_u32', 'rng_fill_uniform_f32', 'spike_count_f32', 'net_run',
  'dense_gather_f32', 'stdp_pre_cols_f32', 'stdp_post_rows_f32', 'scale_rows_f32', 'scale_columns_i8',
]);

/** A target whose kernels record every export the case calls. */
function recording(t: ZooTarget, called: Set<string>): ZooTarget {
  const k = new Proxy(t.k, {
    get(target, name, receiver) {
      if (typeof name === 'string') called.add(name);
      return Reflect.get(target, name, receiver) as unknown;
    },
  }) as Kernels;
  return { ...t, k };
}

const called = new Set<string>();
const targets = { scalar: recording(zooTarget('scalar'), called), simd: recording(zooTarget('simd'), called) };

describe('kernel zoo verification (no timing)', () => {
  it('case ids are unique', () => {
    expect(new Set(ZOO_CASES.map((c) => c.id)).size).toBe(ZOO_CASES.length);
  });

  for (const c of ZOO_CASES) {
    it(`${c.id}: ${c.label}`, () => {
      const v = verifyCase(c, targets);
      expect(v.problems).toEqual([]);
      expect(v.ok && v.bitIdentical).toBe(true);
      expect(v.work).toBeGreaterThan(0);
    });
  }

  it('covers every exported compute kernel except the listed ones', () => {
    const exported = WebAssembly.Module.exports(kernelModule('simd')).filter((e) => e.kind === 'function').map((e) => e.name);
    const missing = exported.filter((n) => !NOT_IN_ZOO.has(n) && !called.has(n));
    expect(missing).toEqual([]);
    // The exclusion list names only real exports (so it shrinks when a kernel goes away).
    expect([...NOT_IN_ZOO].filter((n) => !exported.includes(n))).toEqual([]);
  });

  it('reports a twin that drifts from the wasm builds', () => {
    const base = ZOO_CASES.find((c) => c.id === 'lif');
    if (!base) throw new Error('the lif case is missing');
    const drifting: ZooCase = {
      ...base,
      create(target) {
        const inst = base.create(target);
        if (target !== null) return inst;
        return {
          run: inst.run,
          read() {
            const r = inst.read();
            const v = r.state as Float32Array;
            v[7] = Math.fround(v[7] * (1 + 1e-4)); // a relative error well above the 1e-6 tolerance
            return r;
          },
        };
      },
    };
    const v = verifyCase(drifting, targets);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/state\[7\].*plain TS/);
  });
});
