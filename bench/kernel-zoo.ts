/**
 * The kernel zoo: every exported compute kernel (bench/zoo-cases.ts, one representative case each)
 * run through its plain TypeScript twin, the wasm scalar build and the wasm SIMD build on the same
 * inputs, in one process.
 *
 * Per case: verify first (all three backends run VERIFY_STEPS steps from the same state; wasm
 * scalar and SIMD must be bit-identical on every checked buffer and report the same work, the TS
 * twin must be within the case's tolerance — the one its tests use). A case that fails gets a
 * failure row and is not timed. Then every backend is warmed up from a fresh state (Liftoff ->
 * TurboFan for wasm, interpreter -> TurboFan for JS) and timed in `rounds` rounds, rotating the
 * backend order, each measurement at least `minMs` (bench/common.ts measureRate); the process
 * reports the median of its rounds. bench/run.ts runs this in several fresh processes.
 *
 *   node dist/bench/kernel-zoo.js            human-readable table of this one process
 *   node dist/bench/kernel-zoo.js --json     one JSON line (worker mode, used by run.js)
 *   options: --quick, --rounds N (3), --ms N (60), --warm N (ms per loop, 30), --only id,id
 */
import { heapBase, instantiateKernelsRaw, type KernelBuild } from '../host/runtime/kernels.js';
import {
  argValue, fmt, hasFlag, isMain, machineInfo, measureRate, mdTable, median, spread, textTable, warmUp,
  type MachineInfo, type Spread, type StepLoop,
} from './common.js';
import { N, N_IN, POOL, POST, PRE, type Buf, type WasmTarget, type ZooCase } from './zoo-cases.js';

export const ZOO_BACKENDS = ['ts', 'scalar', 'simd'] as const;
export type ZooBackend = (typeof ZOO_BACKENDS)[number];
export const VERIFY_STEPS = 64;

/** A build over its own memory; `reset` rewinds the allocator (one live case at a time). */
export interface ZooTarget extends WasmTarget {
  reset(): void;
}

export function zooTarget(build: KernelBuild, pages = 512): ZooTarget {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const k = instantiateKernelsRaw(build, memory);
  const base = Math.ceil(heapBase(build) / 16) * 16;
  let cursor = base;
  return {
    k, memory,
    alloc(bytes) {
      const p = cursor;
      cursor += Math.ceil(Math.max(bytes, 1) / 16) * 16;
      if (cursor > memory.buffer.byteLength) throw new Error(`kernel zoo: arena of ${pages} pages is full`);
      return p;
    },
    reset() { cursor = base; },
  };
}

function copy(r: Record<string, Buf>): Record<string, Buf> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]));
}

function bitEqual(a: Buf, b: Buf): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Largest |a - e| / |e|; |a - e| > tol |e| + absTol max|e| + 1e-30 fails; returns the worst ratio and the first failing index. */
function relCheck(actual: Buf, expected: Buf, tol: number, absTol: number): { worst: number; bad: number } {
  let worst = 0, bad = -1, mx = 0;
  if (absTol > 0) for (let i = 0; i < expected.length; i++) mx = Math.max(mx, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const d = Math.abs(a - e);
    if (!(d <= tol * Math.abs(e) + absTol * mx + 1e-30)) { if (bad < 0) bad = i; worst = Infinity; continue; }
    if (e !== 0) worst = Math.max(worst, d / Math.abs(e));
  }
  return { worst, bad };
}

export interface ZooVerify {
  ok: boolean;
  bitIdentical: boolean;
  /** Largest relative difference TS vs wasm scalar over the checked buffers. */
  maxRelErr: number;
  /** Work units over the verification steps (equal on all backends when ok). */
  work: number;
  problems: string[];
}

/** Runs VERIFY_STEPS steps of `c` on all three backends from the same state and compares. */
export function verifyCase(c: ZooCase, targets: Record<'scalar' | 'simd', ZooTarget>, steps = VERIFY_STEPS): ZooVerify {
  const problems: string[] = [];
  const out = {} as Record<ZooBackend, { work: number; bufs: Record<string, Buf> }>;
  for (const b of ZOO_BACKENDS) {
    try {
      let inst;
      if (b === 'ts') inst = c.create(null);
      else { targets[b].reset(); inst = c.create(targets[b]); }
      const work = inst.run(steps);
      out[b] = { work, bufs: copy(inst.read()) };
    } catch (e) {
      problems.push(`${c.id}: ${b} threw ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (problems.length > 0) return { ok: false, bitIdentical: false, maxRelErr: Infinity, work: 0, problems };
  let bit = true, rel = 0;
  const { ts, scalar, simd } = out;
  if (scalar.work !== simd.work || ts.work !== scalar.work) problems.push(`${c.id}: work differs (TS ${ts.work}, scalar ${scalar.work}, SIMD ${simd.work})`);
  for (const key of Object.keys(scalar.bufs)) {
    if (!bitEqual(scalar.bufs[key], simd.bufs[key])) { bit = false; problems.push(`${c.id}: ${key} differs between wasm scalar and SIMD`); }
    const r = relCheck(scalar.bufs[key], ts.bufs[key], c.tol, c.absTol);
    if (r.bad >= 0) problems.push(`${c.id}: ${key}[${r.bad}] wasm ${scalar.bufs[key][r.bad]} vs plain TS ${ts.bufs[key][r.bad]} (tolerance ${c.tol} relative)`);
    rel = Math.max(rel, r.worst);
  }
  return { ok: problems.length === 0, bitIdentical: bit, maxRelErr: rel, work: scalar.work, problems };
}

export interface ZooCaseResult {
  id: string;
  label: string;
  unit: string;
  scale: number;
  simdNote?: string;
  verify: ZooVerify;
  /** Work units per second, median over this process's rounds (absent when verification failed). */
  rates?: Record<ZooBackend, number>;
}

export interface ZooBenchResult {
  kind: 'kernel-zoo';
  machine: MachineInfo;
  config: { n: number; nIn: number; pre: number; post: number; pool: number; verifySteps: number; rounds: number; minMs: number; warmMs: number };
  cases: ZooCaseResult[];
  seconds: number;
}

/** Loads one copy of the case table per backend (separate closures, separate V8 feedback). */
async function caseTables(): Promise<Record<ZooBackend, ZooCase[]>> {
  const out = {} as Record<ZooBackend, ZooCase[]>;
  for (const b of ZOO_BACKENDS) {
    const url = new URL(`./zoo-cases.js?backend=${b}`, import.meta.url).href;
    out[b] = ((await import(url)) as typeof import('./zoo-cases.js')).ZOO_CASES;
  }
  return out;
}

export async function runZoo(opts: { rounds?: number; minMs?: number; warmMs?: number; only?: string[] } = {}): Promise<ZooBenchResult> {
  const t0 = performance.now();
  const rounds = opts.rounds ?? 3, minMs = opts.minMs ?? 60, warmMs = opts.warmMs ?? 30;
  const tables = await caseTables();
  const targets = { scalar: zooTarget('scalar'), simd: zooTarget('simd') };
  const results: ZooCaseResult[] = [];
  for (let q = 0; q < tables.ts.length; q++) {
    const cs = { ts: tables.ts[q], scalar: tables.scalar[q], simd: tables.simd[q] };
    const c = cs.ts;
    if (opts.only && !opts.only.includes(c.id)) continue;
    const v = verifyCase(c, targets);
    const row: ZooCaseResult = { id: c.id, label: c.label, unit: c.unit, scale: c.scale, simdNote: c.simdNote, verify: v };
    results.push(row);
    if (!v.ok) continue;
    targets.scalar.reset();
    targets.simd.reset();
    const loops: Record<ZooBackend, StepLoop> = {
      ts: cs.ts.create(null).run, scalar: cs.scalar.create(targets.scalar).run, simd: cs.simd.create(targets.simd).run,
    };
    for (const b of ZOO_BACKENDS) warmUp(loops[b], warmMs);
    const all: Record<ZooBackend, number[]> = { ts: [], scalar: [], simd: [] };
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < ZOO_BACKENDS.length; k++) {
        const b = ZOO_BACKENDS[(k + r) % ZOO_BACKENDS.length];
        all[b].push(measureRate(loops[b], minMs).perSecond);
      }
    }
    row.rates = { ts: median(all.ts), scalar: median(all.scalar), simd: median(all.simd) };
  }
  return {
    kind: 'kernel-zoo', machine: machineInfo(),
    config: { n: N, nIn: N_IN, pre: PRE, post: POST, pool: POOL, verifySteps: VERIFY_STEPS, rounds, minMs, warmMs },
    cases: results, seconds: (performance.now() - t0) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting (one process, or the median over processes for docs/benchmarks.md)

export const ZOO_HEADER = ['kernel', 'unit', 'plain TS', 'wasm scalar', 'wasm SIMD', 'SIMD/TS', 'SIMD/scalar', 'scalar/TS'];

interface ZooSummary {
  id: string; label: string; unit: string; scale: number; simdNote?: string; failed: string[];
  rates?: Record<ZooBackend, Spread>;
  ratios?: Record<'simdTs' | 'simdScalar' | 'scalarTs', Spread>;
}

/** Per case: rates and per-process ratios as median (min–max) over processes. */
export function summariseZoo(runs: readonly ZooBenchResult[]): ZooSummary[] {
  return runs[0].cases.map((c0) => {
    const rows = runs.map((r) => r.cases.find((c) => c.id === c0.id)).filter((c): c is ZooCaseResult => c !== undefined);
    const failed = rows.flatMap((r) => r.verify.problems);
    const s: ZooSummary = { id: c0.id, label: c0.label, unit: c0.unit, scale: c0.scale, simdNote: c0.simdNote, failed };
    const timed = rows.map((r) => r.rates).filter((r): r is Record<ZooBackend, number> => r !== undefined);
    if (failed.length === 0 && timed.length > 0) {
      s.rates = { ts: spread(timed.map((r) => r.ts)), scalar: spread(timed.map((r) => r.scalar)), simd: spread(timed.map((r) => r.simd)) };
      s.ratios = {
        simdTs: spread(timed.map((r) => r.simd / r.ts)),
        simdScalar: spread(timed.map((r) => r.simd / r.scalar)),
        scalarTs: spread(timed.map((r) => r.scalar / r.ts)),
      };
    }
    return s;
  });
}

function cell(s: Spread, scale = 1, suffix = ''): string {
  if (s.n === 1) return `${fmt(s.median * scale)}${suffix}`;
  return `${fmt(s.median * scale)}${suffix} (${fmt(s.min * scale)}–${fmt(s.max * scale)})`;
}

export function zooRows(sum: readonly ZooSummary[]): string[][] {
  return sum.map((s) => {
    if (!s.rates || !s.ratios) return [s.label, s.unit, 'verification FAILED', '', '', '', '', ''];
    return [
      s.label, s.unit, cell(s.rates.ts, s.scale), cell(s.rates.scalar, s.scale), cell(s.rates.simd, s.scale),
      cell(s.ratios.simdTs, 1, '×'), cell(s.ratios.simdScalar, 1, '×'), cell(s.ratios.scalarTs, 1, '×'),
    ];
  });
}

/** The "Every kernel" section of docs/benchmarks.md. */
export function zooMarkdown(runs: readonly ZooBenchResult[]): string[] {
  if (runs.length === 0) return [];
  const cfg = runs[0].config;
  const sum = summariseZoo(runs);
  const failed = sum.filter((s) => s.failed.length > 0);
  const slow = sum.filter((s) => s.ratios && s.ratios.simdScalar.median < 1.1);
  const maxRel = Math.max(...runs.flatMap((r) => r.cases.filter((c) => c.verify.ok).map((c) => c.verify.maxRelErr)));
  const lines = [
    '## Every kernel: SIMD vs scalar vs plain TypeScript',
    '',
    'The kernel zoo (`bench/kernel-zoo.ts`, cases in `bench/zoo-cases.ts`) runs one representative case',
    'of every exported compute kernel through its plain TypeScript twin in `host/reference/*` (the test',
    'oracle), the wasm scalar build and the wasm SIMD build, from the same inputs. Sizes: the SIMD',
    `dimension is ${cfg.n} (255 four-lane vectors and a tail), weight matrices have ${cfg.nIn} presynaptic rows, and each step`,
    `has ${cfg.pre} active inputs and ${cfg.post} postsynaptic spikes drawn from a fixed seed and cycled over a pool of ${cfg.pool} steps.`,
    'Neuron kernels are driven by a constant bias that makes them spike. Before timing, each case runs',
    `${cfg.verifySteps} steps on all three backends from the same state: wasm scalar and SIMD must be bit-identical on`,
    'every output buffer and the TS twin within the tolerance its tests use (1e-6 relative; 1e-5 for',
    'the exp-based Hopfield retrieval; exact for integer kernels); a failing case is reported and not',
    `timed. Each backend is then warmed up (${cfg.warmMs} ms) and timed in ${cfg.rounds} rounds of at least ${cfg.minMs} ms with a rotating`,
    `order, in ${runs.length} fresh process(es); the table shows the median over processes (min–max), and ratios`,
    'are computed inside each process before taking their median. Some rows time a kernel together',
    'with the kernel it cannot run without (a neuron step with its reset, a trace decay with a rule).',
    'One process only: `node dist/bench/kernel-zoo.js` (`--quick` for a fast look, `--only id,id`).',
    '',
    mdTable(ZOO_HEADER, zooRows(sum)),
    '',
    failed.length === 0
      ? `Verification passed for every case in every process; largest plain TS vs wasm relative difference ${maxRel === 0 ? '0' : maxRel.toExponential(1)}.`
      : `Verification FAILED for: ${failed.map((s) => `${s.id} (${s.failed[0]})`).join('; ')}.`,
    '',
  ];
  const noted = sum.filter((s) => s.simdNote);
  if (noted.length > 0 || slow.length > 0) {
    lines.push('Kernels where the SIMD build cannot (or barely does) beat the scalar one, and why:', '');
    for (const s of noted) lines.push(`- **${s.label}** (${s.ratios ? cell(s.ratios.simdScalar, 1, '×') : 'not timed'}): ${s.simdNote}.`);
    for (const s of slow) if (!s.simdNote && s.ratios) lines.push(`- **${s.label}** (${cell(s.ratios.simdScalar, 1, '×')}): no reason recorded yet (add a simdNote in bench/zoo-cases.ts).`);
    lines.push('');
  }
  return lines;
}

if (isMain(import.meta.url)) {
  const quick = hasFlag('--quick');
  const num = (name: string, def: number) => {
    const v = argValue(name);
    return v === undefined ? def : Number(v);
  };
  try {
    const only = argValue('--only')?.split(',');
    const res = await runZoo({
      rounds: num('--rounds', quick ? 1 : 3), minMs: num('--ms', quick ? 20 : 60), warmMs: num('--warm', quick ? 10 : 30), only,
    });
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } else {
      console.log(`kernel zoo, one process: ${res.machine.cpu}, ${res.machine.cores} cores, Node ${res.machine.node}\n`);
      console.log(textTable(ZOO_HEADER, zooRows(summariseZoo([res]))));
      for (const c of res.cases) for (const p of c.verify.problems) console.log(`FAILED ${p}`);
      console.log(`\n${fmt(res.seconds)} s`);
    }
    if (!hasFlag('--json') && res.cases.some((c) => !c.verify.ok)) process.exitCode = 2;
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
