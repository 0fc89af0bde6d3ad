/**
 * `npm run bench`: runs the kernel, end-to-end, weight-layout and decoder benchmarks in several
 * fresh child processes (worker mode, one JSON line each), takes medians across processes, prints
 * the tables with ratios, checks the speed and memory targets and rewrites docs/benchmarks.md.
 *
 * Event I/O: the event files are generated first (bench/event-data.ts, in a child process) into a
 * fresh folder under os.tmpdir(), which is deleted at the end, also when a worker fails or the run
 * is interrupted. If a C compiler (`cc`, else `gcc`) is found, bench/native/evt2_decode.c is
 * compiled with -O2 into that folder and run on the same EVT 2.0 file after each decode worker,
 * as the same-run native baseline. Last, one child streams the large EVT 2.0 file through
 * openEventFile and reports its peak RSS.
 *
 * Why fresh processes: on a shared, noisy machine one process can land in a slow mode for its whole
 * life (toolchain notes §8.11), so each measurement is repeated in RUNS processes, alternating the
 * kernel and end-to-end workers, and the report shows the median and the min–max spread.
 * Ratios (SIMD/TS, ...) are computed per process, from numbers measured in that same process, and
 * then their median is reported; the targets are checked on those paired ratios.
 *
 * A missed target prints MISSED and the script still exits 0: this is a report, not a test. It
 * exits 1 only when a worker fails (e.g. a kernel failed its verification), without touching the
 * docs.
 *
 *   node dist/bench/run.js [--runs N] [--layout-runs N] [--decode-runs N] [--stream-bytes N]
 *                          [--no-write] [--quick] [--gateway-runs N]
 *   --runs: kernel, end-to-end and decode (+ native) processes (5, --quick 1); --layout-runs:
 *   layout processes (3, at most --runs; --quick 1); --decode-runs overrides the decode count;
 *   --stream-bytes: size of the streaming file (1 GiB, --quick 128 MiB; 0 skips it).
 *   --gateway-runs: fresh `neurite serve` processes for bench/gateway.ts (3, --quick 1; 0 skips it).
 *   --zoo-runs: kernel-zoo processes (bench/kernel-zoo.ts, every kernel SIMD vs scalar vs TS; 3, --quick 1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  argValue, fmt, hasFlag, machineInfo, mdTable, packageRoot, spread, textTable, type MachineInfo, type Spread,
} from './common.js';
import type { DecodeBenchResult } from './decode.js';
import type { E2eBenchResult, E2eMode, E2eRate } from './end-to-end.js';
import type { EventFilesManifest } from './event-data.js';
import {
  checkNative, ioMarkdown, ioTargetRows, printIo, summariseDecode, summariseLayout, summariseNative,
  type IoRun, type NativeResult,
} from './io-report.js';
import { KERNEL_IDS, type KernelId } from './kernel-data.js';
import { KERNEL_INFO, type Backend, type KernelBenchResult } from './kernels.js';
import type { LayoutBenchResult } from './layout.js';
import type { StreamRssResult } from './stream-rss.js';
import { gatewayMarkdown, gatewayTable, gatewayTargetRow, type GatewayBenchResult } from './gateway.js';
import { summariseZoo, ZOO_HEADER, zooMarkdown, zooRows, type ZooBenchResult } from './kernel-zoo.js';

const TARGETS: { kernel: KernelId; ratio: 'simdTs'; min: number; text: string }[] = [
  { kernel: 'fwdF32', ratio: 'simdTs', min: 4, text: 'SIMD forward f32 ≥ 4× plain TS' },
  { kernel: 'fwdI8', ratio: 'simdTs', min: 15, text: 'SIMD forward int8 ≥ 15× plain TS' },
];

type RatioKey = 'simdTs' | 'simdScalar' | 'scalarTs';

interface KernelSummary {
  rates: Record<Backend, Spread>;
  ratios: Record<RatioKey, Spread>;
}

interface E2eSummary {
  steps: Record<'scalar' | 'simd', Spread>;
  events: Record<'scalar' | 'simd', Spread>;
  simdScalar: Spread;
}

/** A child process failed; main() cleans up and exits 1. */
class WorkerFailure extends Error {}

/** Runs a command and returns its last JSON line on stdout. */
function runProcess(cmd: string, args: string[], label: string): unknown {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = (performance.now() - t0) / 1000;
  if (r.error) throw new WorkerFailure(`${label}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new WorkerFailure(`${label} failed (exit ${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new WorkerFailure(`${label}: no JSON result on stdout:\n${r.stdout}\n${r.stderr}`);
  process.stderr.write(`  ${label}: ${secs.toFixed(1)} s\n`);
  return JSON.parse(line);
}

function runWorker(script: string, args: string[], label: string): unknown {
  return runProcess(process.execPath, [script, '--json', ...args], label);
}

/** Compiles the native EVT 2.0 decoder into `dir`; null (with the reason) when there is no compiler. */
function compileNative(dir: string): { exe: string; compiler: string } | { exe: null; reason: string } {
  const src = join(packageRoot(), 'bench', 'native', 'evt2_decode.c');
  const exe = join(dir, 'evt2_decode');
  for (const cc of ['cc', 'gcc']) {
    const v = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (v.error || v.status !== 0) continue;
    const r = spawnSync(cc, ['-O2', '-o', exe, src], { encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new WorkerFailure(`compiling ${src} with ${cc} failed:\n${r.stderr}${r.stdout}`);
    return { exe, compiler: `\`${cc} -O2\` (${v.stdout.split('\n')[0].trim()})` };
  }
  return { exe: null, reason: 'no C compiler (cc or gcc) found on PATH: the native baseline was skipped' };
}

function summariseKernels(runs: KernelBenchResult[]): Record<KernelId, KernelSummary> {
  const out = {} as Record<KernelId, KernelSummary>;
  for (const id of KERNEL_IDS) {
    const r = runs.map((x) => x.results[id]);
    out[id] = {
      rates: {
        ts: spread(r.map((x) => x.ts)),
        scalar: spread(r.map((x) => x.scalar)),
        simd: spread(r.map((x) => x.simd)),
      },
      ratios: {
        simdTs: spread(r.map((x) => x.simd / x.ts)),
        simdScalar: spread(r.map((x) => x.simd / x.scalar)),
        scalarTs: spread(r.map((x) => x.scalar / x.ts)),
      },
    };
  }
  return out;
}

function summariseE2e(runs: E2eBenchResult[]): Record<E2eMode, E2eSummary> {
  const out = {} as Record<E2eMode, E2eSummary>;
  for (const m of ['learn', 'infer'] as const) {
    const get = (b: 'scalar' | 'simd', f: (x: E2eRate) => number) => spread(runs.map((x) => f(x.results[m][b])));
    out[m] = {
      steps: { scalar: get('scalar', (x) => x.stepsPerSecond), simd: get('simd', (x) => x.stepsPerSecond) },
      events: { scalar: get('scalar', (x) => x.eventsPerSecond), simd: get('simd', (x) => x.eventsPerSecond) },
      simdScalar: spread(runs.map((x) => x.results[m].simd.stepsPerSecond / x.results[m].scalar.stepsPerSecond)),
    };
  }
  return out;
}

/** "8.46 (7.90–8.81)" in the row's unit. */
function cell(s: Spread, scale = 1, suffix = ''): string {
  if (s.n === 1) return `${fmt(s.median * scale)}${suffix}`;
  return `${fmt(s.median * scale)}${suffix} (${fmt(s.min * scale)}–${fmt(s.max * scale)})`;
}

/** Steps or events per second, in k or M. */
function cellRate(s: Spread): string {
  const big = s.median >= 1e6;
  const scale = big ? 1e-6 : 1e-3;
  return cell(s, scale, big ? ' M' : ' k');
}

function kernelRows(k: Record<KernelId, KernelSummary>): string[][] {
  return KERNEL_IDS.map((id) => {
    const row = KERNEL_INFO[id];
    const s = k[id];
    return [
      row.label, row.unit,
      cell(s.rates.ts, row.scale), cell(s.rates.scalar, row.scale), cell(s.rates.simd, row.scale),
      cell(s.ratios.simdTs, 1, '×'), cell(s.ratios.simdScalar, 1, '×'), cell(s.ratios.scalarTs, 1, '×'),
    ];
  });
}
const KERNEL_HEADER = ['kernel', 'unit', 'plain TS', 'wasm scalar', 'wasm SIMD', 'SIMD/TS', 'SIMD/scalar', 'scalar/TS'];

function e2eRows(e: Record<E2eMode, E2eSummary>): string[][] {
  const rows: string[][] = [];
  const name = { learn: 'learning (teacher + STDP on)', infer: 'inference (plasticity off)' };
  for (const m of ['learn', 'infer'] as const) {
    const s = e[m];
    rows.push([
      name[m], cellRate(s.steps.scalar), cellRate(s.steps.simd), cellRate(s.events.scalar), cellRate(s.events.simd),
      cell(s.simdScalar, 1, '×'),
    ]);
  }
  return rows;
}
const E2E_HEADER = ['mode', 'steps/s scalar', 'steps/s SIMD', 'events/s scalar', 'events/s SIMD', 'SIMD/scalar'];

interface TargetResult {
  text: string;
  ratio: Spread;
  met: boolean;
  perProcessMet: number;
}

function checkTargets(k: Record<KernelId, KernelSummary>, runs: KernelBenchResult[]): TargetResult[] {
  return TARGETS.map((t) => {
    const ratio = k[t.kernel].ratios[t.ratio];
    const perProcessMet = runs.filter((r) => r.results[t.kernel].simd / r.results[t.kernel].ts >= t.min).length;
    return { text: t.text, ratio, met: ratio.median >= t.min, perProcessMet };
  });
}

function markdown(
  m: MachineInfo, runsN: number, kRuns: KernelBenchResult[], eRuns: E2eBenchResult[],
  k: Record<KernelId, KernelSummary>, e: Record<E2eMode, E2eSummary>, targets: TargetResult[], totalSeconds: number,
  loadEnd: number, io: IoRun, gateway: { result: GatewayBenchResult | null; note: string | null } = { result: null, note: null },
  zoo: ZooBenchResult[] = [],
): string {
  const kc = kRuns[0].config;
  const ec = eRuns[0].config;
  const maxRel = Math.max(...kRuns.flatMap((r) => Object.values(r.verify.kernels).map((v) => v.refMaxRelErr)));
  const day = m.date.slice(0, 10);
  const spikesPerStep = kRuns[0].verify.lifSpikes / kRuns[0].verify.steps;
  // Share of the SIMD STDP step spent in the post pathway, from the separately timed pathways.
  const preUpdates = kc.meanEventsPerStep * kc.nOut;
  const postUpdates = kc.postPerStep * kc.nIn;
  const postShare = (postUpdates / k.stdpPost.rates.simd.median) / ((preUpdates + postUpdates) / k.stdp.rates.simd.median);
  const lines: string[] = [];
  lines.push(
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts). Edits here are overwritten on the next run. -->',
    '',
    'How fast the kernels and the runtime are, and how much WebAssembly SIMD buys over the same',
    'kernels compiled without SIMD and over plain TypeScript; which weight layout learns faster; how',
    'fast the event-file decoders are against a native C decoder; and how much memory streaming a',
    'large event file takes. Three backends run exactly the same inputs:',
    '',
    '- **plain TS**: the TypeScript twins of the kernels in `host/reference/kernels.ts` (the test',
    '  oracles, written monomorphically over typed arrays);',
    '- **wasm scalar**: `build/neurite.scalar.wasm`, the kernels built without SIMD;',
    '- **wasm SIMD**: `build/neurite.simd.wasm`, the same sources with 128-bit SIMD.',
    '',
    `**Kernels** (\`bench/kernels.ts\`): one ${kc.nIn} → ${kc.nOut} layer (34×34 inputs) at ${kc.activity * 100}% input`,
    `activity, i.e. ${fmt(kc.meanEventsPerStep)} active inputs per step on average, drawn once from a fixed seed and cycled`,
    `over a pool of ${kc.poolSteps} steps. Per step: *forward f32* adds the f32 weight row of every active`,
    'input to the target currents (work = active inputs × 256 synaptic ops); *forward int8* does',
    'the same with int8 weights into a saturating int16 accumulator and then flushes it through one',
    `f32 scale per neuron; *LIF* integrates, thresholds and resets ${kc.lifNeurons} adaptive LIF neurons (driven`,
    `by a constant bias, ${fmt(spikesPerStep)} spikes per step); *STDP* decays both traces, runs the pre pathway`,
    `(one depression row of 256 weights per active input) and the post pathway (one potentiation`,
    `column of ${kc.nIn} weights for each of ${kc.postPerStep} postsynaptic spikes). The two pathways are also timed`,
    'separately. Weight updates count row and column weights, not trace decays.',
    '',
    `**End to end** (\`bench/end-to-end.ts\`): the demo model \`models/${ec.model}.json\` (${ec.inputs} event`,
    `inputs → ${ec.neurons} adaptive LIF neurons, 3-winner-take-all, pair STDP, delta-rule readout) in the`,
    'Runtime, on MNIST digits turned into events by the event-camera emulator',
    `(${fmt(ec.meanEventsPerSample)} events and ${fmt(ec.meanStepsPerSample)} steps of 1 ms per sample on average). *Learning*`,
    'presents a sample with the teacher and plasticity on, then takes one readout step; *inference*',
    `presents it with plasticity off and predicts. ${ec.samples} samples per mode and build, after ${ec.warmSamples}`,
    'warm-up samples; event emulation is done before timing.',
    '',
    'Method: every measurement runs in fresh Node processes, kernel, end-to-end, layout and decode',
    `workers alternating: ${runsN} kernel and end-to-end processes, ${io.layoutRuns.length} layout and ${io.decodeRuns.length} decode processes. Inside a kernel process every loop is warmed up first`,
    `(${kc.warmMs} ms each, so V8 has moved from Liftoff / the interpreter to TurboFan), then timed for at`,
    `least ${kc.minMs} ms per measurement in ${kc.rounds} rounds with a rotating backend order; the process`,
    'reports the median of its rounds. Tables show the median over processes and, in brackets, the',
    'min–max spread across processes. Ratios are computed inside each process (both numbers from the',
    'same run) and then their median is taken.',
    '',
    'Before timing, each kernel process checks that the three backends agree on the benchmark case',
    `(${kRuns[0].verify.steps} steps of every kernel from the same state): wasm scalar and SIMD must be`,
    'bit-identical and plain TS within 1e-6 relative; a failure stops the bench. The end-to-end',
    'workers check that both builds end with bit-identical weights and make the same predictions.',
    '',
    `## Machine and run`,
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores`,
    `- Node ${m.node} (V8 ${m.v8}), ${m.platform}`,
    `- Date: ${day}; the whole bench took ${Math.round(totalSeconds)} s`,
    `- 1-minute load average ${fmt(m.load1)} at the start and ${fmt(loadEnd)} at the end of the run (${m.cores} cores;`,
    '  anything well above 0 means other work shared the CPUs while this ran)',
    `- Reproduce: \`npm run bench\` (builds the kernels and TypeScript, runs the workers, prints the`,
    '  tables and rewrites this file). One process only, for a quick look:',
    '  `node dist/bench/kernels.js`, `node dist/bench/end-to-end.js` or `node dist/bench/layout.js` after',
    '  `npm run build`; `node dist/bench/event-data.js --dir DIR --json > DIR/manifest.json` then',
    '  `node dist/bench/decode.js --manifest DIR/manifest.json` for the decoders.',
    '',
    '## Kernels',
    '',
    mdTable(KERNEL_HEADER, kernelRows(k)),
    '',
    `Verification passed in all ${kRuns.length} kernel processes: wasm scalar and SIMD bit-identical on`,
    `every kernel, largest plain TS vs SIMD relative difference ${maxRel === 0 ? '0 (bit-identical too)' : maxRel.toExponential(1)}.`,
    '',
    '## End to end',
    '',
    mdTable(E2E_HEADER, e2eRows(e)),
    '',
    `SIMD and scalar builds ended with identical weights and predictions in ${eRuns.filter((r) => r.identical).length} of ${eRuns.length} processes.`,
    '',
    ...zooMarkdown(zoo),
    ...ioMarkdown(io),
    ...gatewayMarkdown(gateway.result, gateway.note),
    '## Targets',
    '',
    mdTable(
      ['target', 'measured (median over processes, min–max)', 'met in processes', 'result'],
      [
        ...targets.map((t) => [t.text, cell(t.ratio, 1, '×'), `${t.perProcessMet} / ${kRuns.length}`, t.met ? 'met' : '**MISSED**']),
        ...ioTargetRows(io, true),
        gatewayTargetRow(gateway.result),
      ],
    ),
    '',
    'The kernel targets are checked on ratios measured inside each process; the decode targets on',
    'absolute throughput, which moves with the load on this shared machine (see the spreads).',
    '',
    '## Reading these numbers',
    '',
    `- They come from a shared, noisy ${m.cores}-core virtual machine. Absolute figures move between`,
    '  processes and between days (the min–max spread shows how much); what carries over is the',
    '  ratios measured in the same run, on the same inputs.',
    '- Forward and the STDP pre pathway walk contiguous weight rows, so SIMD handles 4 f32 or 16',
    '  int8 weights per 128-bit load. The STDP post pathway walks a weight column with a stride of',
    `  ${kc.nOut * 4} bytes; WebAssembly has no gather/scatter, so it stays scalar in both builds. In this run`,
    `  it took about ${Math.round(postShare * 100)}% of the SIMD STDP step (estimated from the separately timed`,
    '  pathways), which is why SIMD gains much less on the whole STDP step than on the rows.',
    '- The layout benchmark shows the same cost model from the other side: moving LTP onto',
    '  contiguous rows makes each post spike cheap but each input event expensive, so which layout',
    '  learns faster depends on post spikes per step against active inputs per step.',
    '- Decode figures are absolute events per second and include allocating the caller-owned',
    '  batches (the zero-copy rows show that share). The native C baseline runs on the same file in',
    '  the same run, so its ratio is the steadier figure.',
    '- End to end, the Runtime runs many steps per `net_run` call, so the JS-to-wasm call overhead',
    '  is small. Learning adds the trace decays on every step and, on steps where hidden neurons',
    '  spike, the column-wise post pathway and synaptic scaling of those neurons.',
    '',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const quick = hasFlag('--quick');
  const runsN = Number(argValue('--runs') ?? (quick ? 1 : 5));
  if (!Number.isInteger(runsN) || runsN < 1) throw new Error(`--runs must be a positive integer`);
  const layoutN = Number(argValue('--layout-runs') ?? (quick ? 1 : Math.min(3, runsN)));
  if (!Number.isInteger(layoutN) || layoutN < 1) throw new Error(`--layout-runs must be a positive integer`);
  const decodeN = Number(argValue('--decode-runs') ?? runsN);
  if (!Number.isInteger(decodeN) || decodeN < 1) throw new Error(`--decode-runs must be a positive integer`);
  const streamBytes = Number(argValue('--stream-bytes') ?? (quick ? 128 << 20 : 1 << 30));
  if (!Number.isInteger(streamBytes) || streamBytes < 0) throw new Error(`--stream-bytes must be a non-negative integer`);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const js = (name: string) => join(here, name);
  const kArgs = quick ? ['--rounds', '1', '--ms', '50', '--warm', '20'] : [];
  const eArgs = quick ? ['--samples', '60', '--warm', '5'] : [];
  const lArgs = quick ? ['--rounds', '1', '--ms', '40', '--warm', '10'] : [];
  const decodeMs = quick ? 100 : 300;

  const m = machineInfo();
  process.stderr.write(`neurite bench: ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${fmt(m.load1)}; `
    + `${runsN} kernel/end-to-end, ${layoutN} layout and ${decodeN} decode process(es)\n`);

  // Scratch folder for the generated event files and the native decoder; always removed.
  const dir = mkdtempSync(join(tmpdir(), 'neurite-bench-'));
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.stderr.write(`\ninterrupted (${sig}); removed ${dir}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const kRuns: KernelBenchResult[] = [];
  const eRuns: E2eBenchResult[] = [];
  const lRuns: LayoutBenchResult[] = [];
  const dRuns: DecodeBenchResult[] = [];
  const cRuns: NativeResult[] = [];
  let manifest: EventFilesManifest;
  let stream: StreamRssResult | null = null;
  let streamNote = '';
  // The gateway bench (bench/gateway.ts): --gateway-runs N (3, --quick 1; 0 skips it).
  const gatewayRuns = Number(argValue('--gateway-runs') ?? (quick ? 1 : 3));
  // The kernel zoo (bench/kernel-zoo.ts): --zoo-runs N (3, --quick 1), alternating with the others.
  const zooN = Number(argValue('--zoo-runs') ?? (quick ? 1 : 3));
  if (!Number.isInteger(zooN) || zooN < 0) throw new Error(`--zoo-runs must be a non-negative integer`);
  const zRuns: ZooBenchResult[] = [];
  let gateway: GatewayBenchResult | null = null;
  let nativeNote = '';
  let compiler = '';
  try {
    manifest = runWorker(js('event-data.js'), ['--dir', dir, '--stream-bytes', String(streamBytes), ...(quick ? ['--quick'] : [])], 'event files') as EventFilesManifest;
    const manifestPath = join(dir, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const evt2 = manifest.files.find((f) => f.format === 'evt2');
    const nat = compileNative(dir);
    if (nat.exe === null) {
      nativeNote = nat.reason;
      process.stderr.write(`  ${nativeNote}\n`);
    } else {
      compiler = nat.compiler;
    }
    for (let i = 0; i < Math.max(runsN, layoutN, decodeN, zooN); i++) {
      if (i < zooN) zRuns.push(runWorker(js('kernel-zoo.js'), quick ? ['--quick'] : [], `kernel zoo ${i + 1}/${zooN}`) as ZooBenchResult);
      if (i < runsN) {
        kRuns.push(runWorker(js('kernels.js'), [...kArgs, '--index', String(i)], `kernels ${i + 1}/${runsN}`) as KernelBenchResult);
        eRuns.push(runWorker(js('end-to-end.js'), [...eArgs, '--index', String(i)], `end-to-end ${i + 1}/${runsN}`) as E2eBenchResult);
      }
      if (i < layoutN) {
        lRuns.push(runWorker(js('layout.js'), [...lArgs, '--index', String(i)], `layout ${i + 1}/${layoutN}`) as LayoutBenchResult);
      }
      if (i < decodeN) {
        dRuns.push(runWorker(js('decode.js'), ['--manifest', manifestPath, '--ms', String(decodeMs), '--index', String(i)], `decode ${i + 1}/${decodeN}`) as DecodeBenchResult);
        if (nat.exe !== null && evt2) {
          const c = runProcess(nat.exe, [evt2.path, String(decodeMs)], `native EVT 2.0 ${i + 1}/${decodeN}`) as NativeResult;
          const problems = checkNative(c, manifest);
          if (problems.length > 0) throw new WorkerFailure(`native EVT 2.0 decoder disagrees with the written file:\n  ${problems.join('\n  ')}`);
          cRuns.push(c);
        }
      }
    }
    const st = manifest.stream;
    if (st && st.path) {
      stream = runWorker(js('stream-rss.js'), ['--file', st.path, '--events', String(st.digest.count)], 'streaming memory') as StreamRssResult;
    } else {
      streamNote = st
        ? `skipped: only ${fmt(st.freeBytes / 1e9)} GB free in ${tmpdir()}, too little for a useful file`
        : 'skipped (--stream-bytes 0)';
      process.stderr.write(`  streaming memory ${streamNote}\n`);
    }
    if (gatewayRuns > 0) gateway = runWorker(js('gateway.js'), ['--runs', String(gatewayRuns)], `gateway (${gatewayRuns} runs)`) as GatewayBenchResult;
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const totalSeconds = (performance.now() - t0) / 1000;

  const k = summariseKernels(kRuns);
  const e = summariseE2e(eRuns);
  const targets = checkTargets(k, kRuns);
  const io: IoRun = {
    layoutRuns: lRuns,
    layout: summariseLayout(lRuns),
    files: manifest,
    decodeRuns: dRuns,
    decode: summariseDecode(dRuns),
    decodeMinMs: decodeMs,
    native: cRuns.length > 0 ? summariseNative(cRuns, dRuns, compiler) : null,
    nativeRuns: cRuns,
    nativeNote,
    stream,
    streamNote,
  };

  console.log(`\nKernels: ${kRuns[0].config.nIn} -> ${kRuns[0].config.nOut}, ${fmt(kRuns[0].config.meanEventsPerStep)} events/step; `
    + `median over ${runsN} process(es), (min–max)\n`);
  console.log(textTable(KERNEL_HEADER, kernelRows(k)));
  console.log(`\nEnd to end: ${eRuns[0].config.model}, ${eRuns[0].config.samples} samples per mode and build\n`);
  console.log(textTable(E2E_HEADER, e2eRows(e)));
  printIo(io.layout, manifest, io.decode, io.native, nativeNote, stream, streamNote, { layout: lRuns.length, decode: dRuns.length });
  if (zRuns.length > 0) console.log(`\nEvery kernel (kernel zoo), median over ${zRuns.length} process(es), (min–max)\n\n${textTable(ZOO_HEADER, zooRows(summariseZoo(zRuns)))}`);
  if (gateway) console.log(`\nGateway: ${gateway.streams} streams of ${gateway.sensor} over UDP loopback\n\n${textTable(gatewayTable(gateway).header, gatewayTable(gateway).rows)}`);
  console.log('\nTargets (SIMD vs plain TS, measured in the same process; decode and memory as measured):');
  for (const t of targets) {
    console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.text}: ${cell(t.ratio, 1, '×')}, met in ${t.perProcessMet}/${kRuns.length} processes`);
  }
  for (const r of ioTargetRows(io, false)) console.log(`  ${r[3] === 'met' ? 'met   ' : r[3].padEnd(6)}  ${r[0]}: ${r[1]}${r[2] ? `, met in ${r[2]} processes` : ''}`);
  if (gateway) { const g = gatewayTargetRow(gateway); console.log(`  ${g[3] === 'met' ? 'met   ' : 'MISSED'}  ${g[0]}: ${g[1]}, met in ${g[2]} runs`); }
  if (!hasFlag('--no-write')) {
    const path = join(packageRoot(), 'docs', 'benchmarks.md');
    writeFileSync(path, markdown(m, runsN, kRuns, eRuns, k, e, targets, totalSeconds, loadavg()[0], io, { result: gateway, note: gatewayRuns > 0 ? null : 'skipped (--gateway-runs 0)' }, zRuns));
    console.log(`\nwrote ${path} (${Math.round(totalSeconds)} s)`);
  } else {
    console.log(`\n${Math.round(totalSeconds)} s`);
  }
}

main().catch((err: unknown) => {
  if (err instanceof WorkerFailure) console.error(`\n${err.message}`);
  else console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
