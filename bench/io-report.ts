/**
 * Summaries, tables and docs/benchmarks.md sections for the weight-layout, decoder, native
 * baseline and streaming-memory benchmarks (the workers are layout.ts, decode.ts,
 * native/evt2_decode.c and stream-rss.ts; run.ts runs them and calls these).
 */
import { tmpdir } from 'node:os';
import { fmt, mdTable, spread, textTable, type Spread } from './common.js';
import type { DecodeBenchResult } from './decode.js';
import { DECODE_FORMATS, FORMAT_LABEL, type EventFilesManifest } from './event-data.js';
import { LAYOUT_BUILDS, LAYOUT_POST_COUNTS, type LayoutBenchResult } from './layout.js';
import type { StreamRssResult } from './stream-rss.js';

// ---------------------------------------------------------------------------------------------
// Shared formatting

/** "8.46 (7.90–8.81)" scaled. */
export function cellS(s: Spread, scale = 1, suffix = ''): string {
  if (s.n === 1) return `${fmt(s.median * scale)}${suffix}`;
  return `${fmt(s.median * scale)}${suffix} (${fmt(s.min * scale)}–${fmt(s.max * scale)})`;
}

const MB = 1e6;

// ---------------------------------------------------------------------------------------------
// Weight layout

export interface LayoutRow {
  build: string;
  postPerStep: number;
  stepsPre: Spread;
  stepsPost: Spread;
  ratio: Spread;
  ltpPre: Spread;
  ltpPost: Spread;
  ltpRatio: Spread;
}

export function summariseLayout(runs: LayoutBenchResult[]): LayoutRow[] {
  const rows: LayoutRow[] = [];
  for (const b of LAYOUT_BUILDS) {
    LAYOUT_POST_COUNTS.forEach((n, c) => {
      rows.push({
        build: b,
        postPerStep: n,
        stepsPre: spread(runs.map((r) => r.steps[b].preMajor[c])),
        stepsPost: spread(runs.map((r) => r.steps[b].postMajor[c])),
        ratio: spread(runs.map((r) => r.steps[b].postMajor[c] / r.steps[b].preMajor[c])),
        ltpPre: spread(runs.map((r) => r.postUpdates[b].preMajor[c])),
        ltpPost: spread(runs.map((r) => r.postUpdates[b].postMajor[c])),
        ltpRatio: spread(runs.map((r) => r.postUpdates[b].postMajor[c] / r.postUpdates[b].preMajor[c])),
      });
    });
  }
  return rows;
}

const BUILD_NAME: Record<string, string> = { scalar: 'wasm scalar', simd: 'wasm SIMD' };

export const LAYOUT_HEADER = [
  'build', 'post spikes / step', 'steps/s pre-major W', 'steps/s post-major WT', 'post-major / pre-major',
  'LTP only, pre-major (G upd/s)', 'LTP only, post-major (G upd/s)', 'LTP post / pre',
];

export function layoutRows(rows: LayoutRow[]): string[][] {
  const k = (s: Spread) => cellS(s, 1e-3, ' k');
  return rows.map((r) => [
    BUILD_NAME[r.build], String(r.postPerStep), k(r.stepsPre), k(r.stepsPost), cellS(r.ratio, 1, '×'),
    cellS(r.ltpPre, 1e-9), cellS(r.ltpPost, 1e-9), cellS(r.ltpRatio, 1, '×'),
  ]);
}

/**
 * Break-even post spikes per step from the medians: the step time of each layout is fitted as
 * a + b * (post spikes) through the 1- and 16-spike points; returns where the two lines cross
 * (null if they do not cross for a positive count).
 */
export function breakEven(rows: LayoutRow[], build: string): number | null {
  const r = rows.filter((x) => x.build === build);
  const lo = r.find((x) => x.postPerStep === LAYOUT_POST_COUNTS[0]);
  const hi = r.find((x) => x.postPerStep === LAYOUT_POST_COUNTS[LAYOUT_POST_COUNTS.length - 1]);
  if (!lo || !hi) return null;
  const dn = hi.postPerStep - lo.postPerStep;
  const line = (a: number, b: number) => {
    const tLo = 1 / a, tHi = 1 / b;
    const slope = (tHi - tLo) / dn;
    return { slope, icpt: tLo - slope * lo.postPerStep };
  };
  const pre = line(lo.stepsPre.median, hi.stepsPre.median);
  const post = line(lo.stepsPost.median, hi.stepsPost.median);
  if (pre.slope <= post.slope) return null;
  const x = (post.icpt - pre.icpt) / (pre.slope - post.slope);
  return x > 0 ? x : null;
}

// ---------------------------------------------------------------------------------------------
// Decoding

export interface DecodeTarget {
  key: string;
  min: number;
  text: string;
}

export const DECODE_TARGETS: DecodeTarget[] = [
  { key: 'evt2', min: 133e6, text: 'EVT 2.0 decode ≥ 133 M events/s' },
  { key: 'evt3', min: 55e6, text: 'EVT 3.0 decode ≥ 55 M events/s' },
  { key: 'nmnist', min: 100e6, text: 'N-MNIST decode ≥ 100 M events/s' },
  { key: 'aedat4', min: 25e6, text: 'AEDAT 4.0 (LZ4) decode ≥ 25 M events/s' },
];

export const STREAM_RSS_TARGET = 200 * MB;

export interface DecodeRow {
  key: string;
  label: string;
  events: number;
  bytes: number;
  rate: Spread;
  byteRate: Spread;
  target: DecodeTarget | null;
  perProcessMet: number;
}

export function decodeKeys(runs: DecodeBenchResult[]): string[] {
  return DECODE_FORMATS.flatMap((f) => [f, `${f}:reuse`]).filter((k) => runs.every((r) => r.results[k]));
}

export function summariseDecode(runs: DecodeBenchResult[]): DecodeRow[] {
  return decodeKeys(runs).map((key) => {
    const r0 = runs[0].results[key];
    const target = DECODE_TARGETS.find((t) => t.key === key) ?? null;
    const rates = runs.map((r) => r.results[key].eventsPerSecond);
    return {
      key,
      label: FORMAT_LABEL[r0.format] + (key.endsWith(':reuse') ? ', zero-copy (`reuseBuffers`)' : ''),
      events: r0.events,
      bytes: r0.bytes,
      rate: spread(rates),
      byteRate: spread(runs.map((r) => r.results[key].bytesPerSecond)),
      target,
      perProcessMet: target ? rates.filter((x) => x >= target.min).length : 0,
    };
  });
}

export const DECODE_HEADER = ['format', 'M events/s', 'MB/s of file', 'target', 'result'];

export function decodeRows(rows: DecodeRow[], md: boolean): string[][] {
  return rows.map((r) => [
    md ? r.label : r.label.replace(/`/g, ''),
    cellS(r.rate, 1e-6),
    cellS(r.byteRate, 1e-6),
    r.target ? `≥ ${fmt(r.target.min / 1e6)}` : '',
    r.target ? (r.rate.median >= r.target.min ? 'met' : md ? '**MISSED**' : 'MISSED') : '',
  ]);
}

export function fileRows(m: EventFilesManifest): string[][] {
  return m.files.map((f) => [
    FORMAT_LABEL[f.format], `${f.geometry.width}×${f.geometry.height}`, fmt(f.digest.count / 1e6), fmt(f.bytes / MB),
    fmt(f.bytes / f.digest.count), fmt(f.writeSeconds),
  ]);
}
export const FILE_HEADER = ['format', 'sensor', 'M events', 'MB', 'bytes/event', 'write s'];

// ---------------------------------------------------------------------------------------------
// Native baseline

export interface NativeResult {
  kind: 'native-evt2';
  bytes: number;
  headerBytes: number;
  events: number;
  sumT: number;
  hash: number;
  first: number[];
  last: number[];
  chunkedMatchesWhole: boolean;
  chunked: { eventsPerSecond: number; passes: number };
  whole: { eventsPerSecond: number; passes: number };
}

export interface NativeSummary {
  compiler: string;
  chunked: Spread;
  whole: Spread;
  js: Spread;
  jsReuse: Spread | null;
  /** JS (owned batches) / C chunked, paired by round. */
  ratioChunked: Spread;
  ratioWhole: Spread;
  ratioReuseChunked: Spread | null;
}

export function summariseNative(c: NativeResult[], js: DecodeBenchResult[], compiler: string): NativeSummary {
  const n = Math.min(c.length, js.length);
  const pair = (f: (k: number) => number) => spread(Array.from({ length: n }, (_, k) => f(k)));
  const hasReuse = js.every((r) => r.results['evt2:reuse']);
  return {
    compiler,
    chunked: spread(c.map((r) => r.chunked.eventsPerSecond)),
    whole: spread(c.map((r) => r.whole.eventsPerSecond)),
    js: spread(js.map((r) => r.results.evt2.eventsPerSecond)),
    jsReuse: hasReuse ? spread(js.map((r) => r.results['evt2:reuse'].eventsPerSecond)) : null,
    ratioChunked: pair((k) => js[k].results.evt2.eventsPerSecond / c[k].chunked.eventsPerSecond),
    ratioWhole: pair((k) => js[k].results.evt2.eventsPerSecond / c[k].whole.eventsPerSecond),
    ratioReuseChunked: hasReuse ? pair((k) => js[k].results['evt2:reuse'].eventsPerSecond / c[k].chunked.eventsPerSecond) : null,
  };
}

export const NATIVE_HEADER = ['EVT 2.0 decoder', 'M events/s', 'JS (owned batches) / this'];

export function nativeRows(s: NativeSummary, md: boolean): string[][] {
  const code = (x: string) => (md ? `\`${x}\`` : x);
  const rows = [
    ['native C, 64 KiB chunks into reused SoA arrays', cellS(s.chunked, 1e-6), cellS(s.ratioChunked, 1, '×')],
    ['native C, whole file into full-size SoA arrays', cellS(s.whole, 1e-6), cellS(s.ratioWhole, 1, '×')],
    ['neurite JS, owned batches (default)', cellS(s.js, 1e-6), ''],
  ];
  if (s.jsReuse && s.ratioReuseChunked) {
    rows.push([`neurite JS, zero-copy (${code('reuseBuffers')})`, cellS(s.jsReuse, 1e-6), `zero-copy / C chunked: ${cellS(s.ratioReuseChunked, 1, '×')}`]);
  }
  return rows;
}

/** Checks the native decoder's output against the manifest; returns problems. */
export function checkNative(r: NativeResult, m: EventFilesManifest): string[] {
  const e = m.files.find((f) => f.format === 'evt2');
  if (!e) return ['no EVT 2.0 file in the manifest'];
  const d = e.digest;
  const p: string[] = [];
  if (r.events !== d.count) p.push(`event count ${r.events}, expected ${d.count}`);
  if (r.sumT !== d.sumT) p.push(`sum of t ${r.sumT}, expected ${d.sumT}`);
  if ((r.hash >>> 0) !== (d.hash >>> 0)) p.push(`hash ${r.hash >>> 0}, expected ${d.hash >>> 0}`);
  if (JSON.stringify(r.first) !== JSON.stringify(d.first)) p.push(`first event ${JSON.stringify(r.first)}, expected ${JSON.stringify(d.first)}`);
  if (JSON.stringify(r.last) !== JSON.stringify(d.last)) p.push(`last event ${JSON.stringify(r.last)}, expected ${JSON.stringify(d.last)}`);
  if (!r.chunkedMatchesWhole) p.push('chunked and whole-file passes disagree');
  return p;
}

// ---------------------------------------------------------------------------------------------
// Streaming memory

export function streamRows(s: StreamRssResult): string[][] {
  return [[
    `${fmt(s.bytes / 1e9)} GB (${fmt(s.bytes / 2 ** 30)} GiB)`, fmt(s.events / 1e6), String(s.batches),
    fmt(s.rssBeforeBytes / MB), fmt(s.peakRssBytes / MB), fmt(s.peakHeapBytes / MB),
    fmt(s.eventsPerSecond / 1e6), `< ${fmt(STREAM_RSS_TARGET / MB)}`,
    s.peakRssBytes < STREAM_RSS_TARGET ? 'met' : 'MISSED',
  ]];
}
export const STREAM_HEADER = [
  'file', 'M events', 'batches', 'RSS before open (MB)', 'peak RSS (MB)', 'peak heap + external (MB, sampled)',
  'M events/s (incl. reads)', 'target (MB)', 'result',
];

// ---------------------------------------------------------------------------------------------
// Console

export function printIo(
  layout: LayoutRow[], files: EventFilesManifest, decode: DecodeRow[], native: NativeSummary | null, nativeNote: string,
  stream: StreamRssResult | null, streamNote: string, processes: { layout: number; decode: number },
): void {
  console.log(`\nWeight layout: event-driven STDP learning steps, median over ${processes.layout} process(es), (min–max)\n`);
  console.log(textTable(LAYOUT_HEADER, layoutRows(layout)));
  for (const b of LAYOUT_BUILDS) {
    const x = breakEven(layout, b);
    console.log(`  ${BUILD_NAME[b]}: ${x === null ? 'the step-time lines of the two layouts do not cross' : `post-major breaks even at ≈ ${fmt(x)} post spikes per step`} (linear fit through 1 and 16)`);
  }
  console.log(`\nEvent files (generated in ${files.dir}, ${fmt(files.seconds)} s):\n`);
  console.log(textTable(FILE_HEADER, fileRows(files)));
  console.log(`\nDecode throughput from memory, 64 KiB chunks, median over ${processes.decode} process(es), (min–max)\n`);
  console.log(textTable(DECODE_HEADER, decodeRows(decode, false)));
  console.log('');
  if (native) console.log(textTable(NATIVE_HEADER, nativeRows(native, false)));
  else console.log(`Native baseline: ${nativeNote}`);
  console.log('');
  if (stream && files.stream) {
    console.log(textTable(STREAM_HEADER, streamRows(stream)));
    if (files.stream.limitedByDisk) console.log(`  (file size limited by free disk space: ${fmt(files.stream.freeBytes / 1e9)} GB free)`);
  } else {
    console.log(`Streaming memory: ${streamNote}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The whole I/O and layout part of one run

export interface IoRun {
  layoutRuns: LayoutBenchResult[];
  layout: LayoutRow[];
  files: EventFilesManifest;
  decodeRuns: DecodeBenchResult[];
  decode: DecodeRow[];
  decodeMinMs: number;
  native: NativeSummary | null;
  nativeRuns: NativeResult[];
  nativeNote: string;
  stream: StreamRssResult | null;
  streamNote: string;
}

/** Rows [target, measured, met in processes, result] for the targets table. */
export function ioTargetRows(io: IoRun, md: boolean): string[][] {
  const missed = md ? '**MISSED**' : 'MISSED';
  const rows: string[][] = [];
  for (const r of io.decode) {
    if (!r.target) continue;
    rows.push([
      r.target.text, `${cellS(r.rate, 1e-6)} M events/s`, `${r.perProcessMet} / ${io.decodeRuns.length}`,
      r.rate.median >= r.target.min ? 'met' : missed,
    ]);
  }
  const s = io.stream;
  const st = io.files.stream;
  const size = st && st.path ? `${fmt(st.bytes / 1e9)} GB` : '1 GB';
  const text = `streaming a ${size} EVT 2.0 file: peak RSS < ${fmt(STREAM_RSS_TARGET / MB)} MB`;
  if (s) {
    rows.push([
      text + (st?.limitedByDisk ? ' (file smaller than 1 GB: disk space)' : ''),
      `${fmt(s.peakRssBytes / MB)} MB peak RSS`, '1 / 1', s.peakRssBytes < STREAM_RSS_TARGET ? 'met' : missed,
    ]);
  } else {
    rows.push([text, io.streamNote, '', 'not measured']);
  }
  return rows;
}

/** "1 process", "3 processes". */
function nof(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function ioMarkdown(io: IoRun): string[] {
  const L: string[] = [];
  const lc = io.layoutRuns[0].config;
  const simdRows = io.layout.filter((r) => r.build === 'simd');
  const faster = simdRows.filter((r) => r.ratio.median > 1).map((r) => r.postPerStep);
  const slower = simdRows.filter((r) => r.ratio.median <= 1).map((r) => r.postPerStep);
  const beSimd = breakEven(io.layout, 'simd');
  const beScalar = breakEven(io.layout, 'scalar');
  const ltpSimd = spread(io.layout.filter((r) => r.build === 'simd').map((r) => r.ltpRatio.median));
  const maxCount = lc.postCounts[lc.postCounts.length - 1];
  const be = (x: number | null, build: string): string => {
    if (x !== null) return `at about ${fmt(x)} post spikes per step${x > maxCount ? ` (extrapolated beyond ${maxCount})` : ''}`;
    const first = io.layout.find((r) => r.build === build);
    return first && first.stepsPost.median > first.stepsPre.median
      ? 'nowhere: post-major is ahead at every count'
      : 'nowhere: the lines do not cross, post-major stays behind';
  };
  L.push(
    '## Weight layout vs learning speed',
    '',
    '*What.* Event-driven pair-STDP learning on the kernel case above (the same 1156 → 256 layer,',
    `input pool, initial weights and STDP parameters; ${fmt(lc.meanEventsPerStep)} active inputs per step) with`,
    `${lc.postCounts.join(', ')} postsynaptic spikes per step (distinct neurons drawn from a fixed seed). One learning`,
    'step is what the Plan schedules for a plastic projection: synaptic input of the active inputs,',
    'decay of both traces, the pre pathway (LTD) for the active inputs and the post pathway (LTP) for',
    'the spikes; the neuron update is left out (it is the same for both layouts). Two layouts of the',
    'same projection:',
    '',
    '- **pre-major** `W[nIn][nOut]` (the default, `assembly/plasticity/stdp_pair.ts`): synaptic input',
    '  (`dense_accumulate_f32`) and LTD walk contiguous 256-weight rows with SIMD; LTP walks a',
    `  column of ${lc.nIn} weights with a ${lc.nOut * 4}-byte stride (scalar: wasm has no gather/scatter);`,
    '- **post-major** `WT[nOut][nIn]` (`assembly/plasticity/stdp_post_major.ts`): LTP',
    `  (\`stdp_post_rows_f32\`) walks a contiguous ${lc.nIn}-weight row with SIMD; synaptic input`,
    `  (\`dense_gather_f32\`) and LTD (\`stdp_pre_cols_f32\`) become strided walks over the ${lc.nOut} rows.`,
    '',
    `*How* (\`bench/layout.ts\`, \`bench/layout-loops.ts\`): raw wasm exports, both builds and both layouts in the`,
    `same process, ${nof(io.layoutRuns.length, 'process', 'processes')}. Every loop is warmed up (${lc.warmMs} ms), then timed for at least`,
    `${lc.minMs} ms per measurement in ${nof(lc.rounds, 'round', 'rounds')}, each measurement from a freshly reset state, the layout`,
    'order alternating between rounds; a process reports the median of its rounds. *LTP only* times the',
    'post pathway alone (weight updates per second). Ratios are per process, then the median.',
    '',
    `*Check.* Before timing, every process runs ${lc.verifySteps} steps of both layouts for each post count and`,
    'build from the same state: the weights must be bit-identical once WT is transposed back, and the',
    `traces and synaptic input identical; scalar and SIMD bit-identical. Passed in ${io.layoutRuns.length === 1 ? 'the one process' : `all ${io.layoutRuns.length} processes`}.`,
    '',
    mdTable(LAYOUT_HEADER, layoutRows(io.layout)),
    '',
    `With SIMD, post-major was faster at ${faster.length ? faster.join(', ') : 'none'} and slower at ${slower.length ? slower.join(', ') : 'none'}`,
    'post spikes per step. Fitting each layout\'s step time as a + b × (post spikes) through the 1- and',
    `16-spike medians puts the break-even, with SIMD, ${be(beSimd, 'simd')}; with the scalar build,`,
    `${be(beScalar, 'scalar')}. The LTP row walk alone is ${fmt(ltpSimd.median)}× the`,
    'column walk with SIMD; post-major gives part of that back on every input event, because its',
    `synaptic input and LTD touch one weight per ${lc.nIn * 4}-byte row instead of one contiguous row. Choose`,
    'post-major (`layout: "post-major"` in the spec) for layers whose neurons fire often relative to',
    'their inputs.',
    '',
  );

  // Decoding.
  const f = io.files;
  const d0 = io.decodeRuns[0];
  const evt2 = f.files.find((x) => x.format === 'evt2');
  L.push(
    '## Event decoding',
    '',
    '*What.* Decode throughput of neurite\'s own decoders (`host/events/formats/`, `formatById(id).createDecoder()`)',
    'into struct-of-arrays batches (Float64 t, Uint16 x, y, Uint8 p), in events per second.',
    '',
    '*Input.* Files written at bench time by neurite\'s own writers (`createEncoder()` of each format)',
    'into a scratch folder under `os.tmpdir()`, deleted at the end of the run (`bench/event-data.ts`).',
    'The stream is synthetic and seeded: time advances in 1 µs ticks; on a tick, with probability',
    '0.15, a moving edge fires a run of 8–32 neighbouring pixels of one row (same time and polarity,',
    'the pattern EVT 3.0 packs into vector words), then 0–3 noise events land on random pixels: about',
    '4.5 M events/s of sensor time, a busy Prophesee VGA scene. N-MNIST uses its 34×34 geometry, the',
    'other formats 640×480. The EVT 2.0 file is made large enough to pass 100 MB.',
    '',
    mdTable(FILE_HEADER, fileRows(f)),
    '',
    'The densities follow from the stream: EVT 3.0 packs the edge runs into vectors (real busy',
    'scenes: 2.8 bytes/event), and AEDAT 4.0\'s LZ4 compresses the repeated timestamps better than',
    'real recordings (8.5–10 bytes/event), so its decompression work per event is on the light side.',
    '',
    `*How* (\`bench/decode.ts\`): each decode process reads a file into memory (not timed) and feeds it to a new`,
    `decoder in ${d0.config.chunkBytes / 1024} KiB chunks with the default options (caller-owned batches of at most ${d0.config.maxBatch}`,
    'events), following the contract: a push that returns a full batch is followed by',
    '`push(new Uint8Array(0))` until a shorter batch comes back, then `end()`. The first whole-file',
    'pass checks the decoded events against what was written (count, sum of t, an order-sensitive',
    `hash over every event, first and last event) and doubles as warm-up; then whole-file passes are`,
    `timed until at least ${io.decodeMinMs} ms (2 passes at least). ${nof(io.decodeRuns.length, 'process', 'processes')}, format order rotating; the`,
    'Prophesee decoders are also timed with `reuseBuffers: true` (zero-copy views, valid until the',
    'next push), which shows what the copy into owned batches costs.',
    '',
    mdTable(DECODE_HEADER, decodeRows(io.decode, true)),
    '',
    `${io.decodeRuns.length === 1 ? 'The decode process' : `All ${io.decodeRuns.length} decode processes`} reproduced the written events exactly in every format.`,
    '',
    '### Native EVT 2.0 baseline, same run',
    '',
  );
  if (io.native) {
    const n = io.native;
    const r0 = io.nativeRuns[0];
    L.push(
      '`bench/native/evt2_decode.c`, written from the format description (event-formats.md 1.5), is',
      `compiled at bench time with ${n.compiler} into the scratch folder and run on the`,
      `same ${fmt((evt2?.bytes ?? r0.bytes) / 1e6)} MB file after each decode process (${nof(io.nativeRuns.length, 'run', 'runs')}). It follows the same rules as`,
      'neurite\'s decoder (header skipped, CD words before the first TIME_HIGH and events outside the',
      'geometry dropped, 34-bit time with loop counting) and decodes into SoA arrays of u64 t, u16 x,',
      'u16 y and u8 p, in two ways: in 64 KiB chunks from offset 0 (words straddling chunks) into',
      'reused arrays of one chunk\'s size, as the JS decoder is fed, and the whole file at once into',
      'full-size arrays. Its first pass must reproduce the written events (same checksum as above);',
      `then passes are timed until ${io.decodeMinMs} ms. The JS/C ratios pair each decode process with the C run`,
      'that followed it.',
      '',
      mdTable(NATIVE_HEADER, nativeRows(n, true)),
      '',
      'For orientation, published native decoders report about 133 M events/s (EVT 2.0) and 55 M/s',
      '(EVT 3.0) on their own hardware (event-formats.md section 3); the C baseline above is the',
      'comparison made on this machine, in this run.',
      '',
    );
  } else {
    L.push(`Not measured: ${io.nativeNote}.`, '');
  }

  // Streaming memory.
  L.push('## Streaming memory', '');
  const st = f.stream;
  if (io.stream && st) {
    const s = io.stream;
    L.push(
      `*What.* Peak resident memory of a fresh Node process that streams a ${fmt(s.bytes / 1e9)} GB EVT 2.0 file`,
      `(${fmt(s.events / 1e6)} M events, the synthetic stream above, written in chunks into the scratch folder by`,
      'the EVT 2.0 writer and deleted after the run) through `openEventFile(path).batches()`: 64 KiB',
      'reads, pull-based back-pressure, batches of at most 65536 events that the consumer owns. The',
      'consumer touches every event (sums x) and counts them; the count must match the file.',
      `Peak RSS is \`process.resourceUsage().maxRSS\` at the end (\`bench/stream-rss.ts\`); *RSS before open* is`,
      'the same figure before the file was opened (Node and the loaded modules). MB = 10^6 bytes.',
      '',
    );
    if (st.limitedByDisk) {
      L.push(`**The file is smaller than 1 GB** because ${tmpdir()} had only ${fmt(st.freeBytes / 1e9)} GB free (${fmt(st.requestedBytes / 1e9)} GB were requested, 0.5 GiB kept free).`, '');
    }
    L.push(
      mdTable(STREAM_HEADER, streamRows(s).map((r) => r.map((c) => (c === 'MISSED' ? '**MISSED**' : c)))),
      '',
      `The peak is ${pct(s.peakRssBytes / STREAM_RSS_TARGET)} of the 200 MB target; about ${fmt(s.rssBeforeBytes / MB)} MB of it is the process before`,
      s.peakRssBytes < STREAM_RSS_TARGET
        ? 'the file is opened. The rest is read chunks, decoded events, batches and garbage not yet collected.'
        : 'the file is opened. The target is missed.',
      '',
    );
  } else {
    L.push(`Not measured: ${io.streamNote}.`, '');
  }
  return L;
}
