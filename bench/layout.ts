/**
 * Weight layout vs learning speed (issue 4, item 5): event-driven pair-STDP learning steps per
 * second on the kernel benchmark's 1156 -> 256 layer at 2% input activity (bench/kernel-data.ts:
 * the same input pool, initial weights and STDP parameters), with 1, 4 and 16 postsynaptic spikes
 * per step, for the pre-major layout W[nIn][nOut] (the default; LTP walks a column with a stride
 * of nOut) and the post-major layout WT[nOut][nIn] (LTP walks a contiguous row with SIMD, but the
 * forward pass and LTD become strided gathers), in both wasm builds, in the same process.
 * One step = synaptic input + trace decays + pre pathway + post pathway (layout-loops.ts).
 * The post pathway alone is also timed, in weight updates per second.
 *
 * Order in one process: verify (for every post count and build, VERIFY_STEPS steps of both
 * layouts from the same state must give bit-identical weights once WT is transposed back, and
 * identical traces and synaptic input; scalar and SIMD bit-identical), then warm up every loop,
 * then ROUNDS rounds timing every loop (the layout order alternates between rounds), each
 * measurement from a freshly reset state. The process reports the median of its rounds.
 *
 *   node dist/bench/layout.js [--json] [--rounds N] [--ms N] [--warm N] [--index K]
 */
import type { KernelBuild } from '../host/runtime/kernels.js';
import { Xoshiro128 } from '../host/util/prng.js';
import { argValue, fmt, hasFlag, isMain, machineInfo, measureRate, median, textTable, warmUp, type MachineInfo } from './common.js';
import { ACTIVITY, N_IN, N_OUT, POOL_STEPS, SEED, makeKernelData, type KernelData } from './kernel-data.js';
import type { LayoutLoops, LayoutSnapshot } from './layout-loops.js';

export const LAYOUT_POST_COUNTS = [1, 4, 16] as const;
export const LAYOUT_BUILDS: readonly KernelBuild[] = ['scalar', 'simd'];
export const LAYOUTS = ['preMajor', 'postMajor'] as const;
export type Layout = (typeof LAYOUTS)[number];
const VERIFY_STEPS = 200;
const POST_SEED = 0x1a70_0057;

/** Per build, per layout, per post count (index into LAYOUT_POST_COUNTS). */
export type LayoutTable = Record<KernelBuild, Record<Layout, number[]>>;

export interface LayoutBenchResult {
  kind: 'layout';
  machine: MachineInfo;
  config: {
    nIn: number; nOut: number; activity: number; meanEventsPerStep: number; postCounts: number[];
    poolSteps: number; rounds: number; minMs: number; warmMs: number; verifySteps: number;
  };
  verify: { ok: boolean; layoutsBitIdentical: boolean; buildsBitIdentical: boolean; problems: string[] };
  /** Learning steps per second (median of this process's rounds). */
  steps: LayoutTable;
  /** Post pathway alone: weight updates per second (median of rounds). */
  postUpdates: LayoutTable;
  seconds: number;
}

/** Distinct postsynaptic spike indices, `count` per pool step. */
function makePostPool(count: number, seed: number): Uint32Array {
  const rng = new Xoshiro128(seed);
  const out = new Uint32Array(POOL_STEPS * count);
  const used = new Uint8Array(N_OUT);
  for (let s = 0; s < POOL_STEPS; s++) {
    used.fill(0);
    for (let k = 0; k < count; k++) {
      let j: number;
      do j = rng.nextInt(N_OUT);
      while (used[j]);
      used[j] = 1;
      out[s * count + k] = j;
    }
  }
  return out;
}

/** Each build gets its own instance of layout-loops.js (separate call-site feedback). */
async function layoutLoops(build: KernelBuild, data: KernelData, counts: readonly number[], posts: readonly Uint32Array[]): Promise<LayoutLoops> {
  const url = new URL(`./layout-loops.js?build=${build}`, import.meta.url).href;
  const mod = (await import(url)) as typeof import('./layout-loops.js');
  return mod.createLayoutLoops(build, data, counts, posts);
}

function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return false;
  return true;
}

function verify(loops: Record<KernelBuild, LayoutLoops>, initialW: Float32Array): LayoutBenchResult['verify'] {
  const problems: string[] = [];
  let layoutsOk = true;
  let buildsOk = true;
  const pairs: [keyof LayoutSnapshot, keyof LayoutSnapshot, string][] = [
    ['wPre', 'wPostT', 'weights (W vs WT transposed)'],
    ['targetPre', 'targetPost', 'synaptic input'],
    ['preTracePre', 'preTracePost', 'pre traces'],
    ['postTracePre', 'postTracePost', 'post traces'],
  ];
  LAYOUT_POST_COUNTS.forEach((nPost, c) => {
    const snaps = {} as Record<KernelBuild, LayoutSnapshot>;
    for (const b of LAYOUT_BUILDS) {
      const l = loops[b];
      l.reset();
      l.stepPreMajor(c, VERIFY_STEPS);
      l.stepPostMajor(c, VERIFY_STEPS);
      snaps[b] = l.snapshot();
      l.reset();
    }
    for (const b of LAYOUT_BUILDS) {
      for (const [x, y, what] of pairs) {
        if (!bitEqual(snaps[b][x], snaps[b][y])) {
          layoutsOk = false;
          problems.push(`${b}, ${nPost} post spikes/step: ${what} differ between the layouts`);
        }
      }
    }
    for (const f of Object.keys(snaps.simd) as (keyof LayoutSnapshot)[]) {
      if (!bitEqual(snaps.simd[f], snaps.scalar[f])) {
        buildsOk = false;
        problems.push(`${nPost} post spikes/step: ${f} differs between wasm scalar and SIMD`);
      }
    }
    // The case must actually change the weights.
    if (bitEqual(snaps.simd.wPre, initialW)) problems.push(`${nPost} post spikes/step: weights did not change`);
  });
  return { ok: problems.length === 0, layoutsBitIdentical: layoutsOk, buildsBitIdentical: buildsOk, problems };
}

function emptyTable(): Record<KernelBuild, Record<Layout, number[][]>> {
  const t = {} as Record<KernelBuild, Record<Layout, number[][]>>;
  for (const b of LAYOUT_BUILDS) {
    t[b] = { preMajor: LAYOUT_POST_COUNTS.map(() => []), postMajor: LAYOUT_POST_COUNTS.map(() => []) };
  }
  return t;
}

function medians(t: Record<KernelBuild, Record<Layout, number[][]>>): LayoutTable {
  const out = {} as LayoutTable;
  for (const b of LAYOUT_BUILDS) {
    out[b] = { preMajor: t[b].preMajor.map(median), postMajor: t[b].postMajor.map(median) };
  }
  return out;
}

export async function runLayoutBench(opts: { rounds?: number; minMs?: number; warmMs?: number; index?: number } = {}): Promise<LayoutBenchResult> {
  const t0 = performance.now();
  const rounds = opts.rounds ?? 2;
  const minMs = opts.minMs ?? 100;
  const warmMs = opts.warmMs ?? 30;
  const data = makeKernelData(SEED);
  const posts = LAYOUT_POST_COUNTS.map((n, c) => makePostPool(n, POST_SEED + c));
  const counts = [...LAYOUT_POST_COUNTS];
  const loops: Record<KernelBuild, LayoutLoops> = {
    scalar: await layoutLoops('scalar', data, counts, posts),
    simd: await layoutLoops('simd', data, counts, posts),
  };
  const v = verify(loops, data.wStdp);
  if (!v.ok) throw new Error(`layout verification failed:\n  ${v.problems.join('\n  ')}`);

  type Kind = 'step' | 'post';
  const loopOf = (b: KernelBuild, layout: Layout, kind: Kind, c: number) => {
    const l = loops[b];
    if (kind === 'step') return layout === 'preMajor' ? (n: number) => l.stepPreMajor(c, n) : (n: number) => l.stepPostMajor(c, n);
    return layout === 'preMajor' ? (n: number) => l.postOnlyPreMajor(c, n) : (n: number) => l.postOnlyPostMajor(c, n);
  };
  const kinds: Kind[] = ['step', 'post'];
  for (const kind of kinds) {
    for (const b of LAYOUT_BUILDS) for (const layout of LAYOUTS) for (let c = 0; c < counts.length; c++) warmUp(loopOf(b, layout, kind, c), warmMs);
  }
  const steps = emptyTable();
  const postUpdates = emptyTable();
  for (let r = 0; r < rounds; r++) {
    const lay = (r + (opts.index ?? 0)) % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse();
    for (const kind of kinds) {
      for (let c = 0; c < counts.length; c++) {
        for (const b of LAYOUT_BUILDS) {
          for (const layout of lay) {
            loops[b].reset();
            const rate = measureRate(loopOf(b, layout, kind, c), minMs).perSecond;
            (kind === 'step' ? steps : postUpdates)[b][layout][c].push(rate);
          }
        }
      }
    }
  }
  return {
    kind: 'layout',
    machine: machineInfo(),
    config: {
      nIn: N_IN, nOut: N_OUT, activity: ACTIVITY, meanEventsPerStep: data.meanEvents, postCounts: counts,
      poolSteps: POOL_STEPS, rounds, minMs, warmMs, verifySteps: VERIFY_STEPS,
    },
    verify: v,
    steps: medians(steps),
    postUpdates: medians(postUpdates),
    seconds: (performance.now() - t0) / 1000,
  };
}

if (isMain(import.meta.url)) {
  const num = (name: string) => {
    const v = argValue(name);
    return v === undefined ? undefined : Number(v);
  };
  try {
    const res = await runLayoutBench({ rounds: num('--rounds'), minMs: num('--ms'), warmMs: num('--warm'), index: num('--index') });
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } else {
      const rows: string[][] = [];
      for (const b of LAYOUT_BUILDS) {
        LAYOUT_POST_COUNTS.forEach((n, c) => {
          const s = res.steps[b], p = res.postUpdates[b];
          rows.push([
            `${b}, ${n} post/step`, fmt(s.preMajor[c] / 1e3), fmt(s.postMajor[c] / 1e3), `${fmt(s.postMajor[c] / s.preMajor[c])}x`,
            fmt(p.preMajor[c] / 1e9), fmt(p.postMajor[c] / 1e9), `${fmt(p.postMajor[c] / p.preMajor[c])}x`,
          ]);
        });
      }
      console.log(`layout, one process: ${N_IN} -> ${N_OUT}, ${fmt(res.config.meanEventsPerStep)} events/step, verification ok\n`);
      console.log(textTable(['case', 'k steps/s pre-major', 'k steps/s post-major', 'post/pre', 'G upd/s LTP pre-major', 'G upd/s LTP post-major', 'post/pre'], rows));
      console.log(`\n${fmt(res.seconds)} s`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  }
}
