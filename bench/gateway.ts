/**
 * Gateway throughput: the highest aggregate event rate `neurite serve` sustains with no drops
 * from four DAVIS346-class streams (346x260 sensors) over UDP loopback, each pooled 8x8 onto a
 * small network (44x33x2 inputs -> 128 LIF neurons -> 10-class readout), and what it drops beyond.
 *
 * Streams: MNIST digits upscaled to 240x240 and turned into events by the event-camera emulator
 * on a 346x260 sensor (about 200 k events per 300 ms digit, i.e. ~0.7 M events/s at recording
 * speed), four different digits per stream, cycled. At each level the events are re-timed to the
 * level's rate (so the network's clock runs at the rate the events arrive: 1 ms steps hold
 * rate/1000 events) and sent as unlabelled streams in messages of `--datagram-bytes`.
 *
 * One run = a fresh `neurite serve` child process (its own main thread and four learner threads)
 * fed by this process, stepping through the rate ladder for `--seconds` per level. A level is
 * sustained when nothing was dropped anywhere (kernel socket buffer, i.e. sequence gaps; the
 * gateway's queues; the learners; the network's input buffer) and the queues were back to
 * empty within 1 s of the end of sending. The run's maximum is the highest level sustained with
 * every level below it sustained too. Each run starts with one second at half the lowest rate,
 * not reported (JIT warm-up of the learner threads). `--runs` runs; medians across runs are
 * reported.
 *
 *   node dist/bench/gateway.js [--json] [--runs 3] [--seconds 3] [--rates 1,2,3,4,5,6,8] [--datagram-bytes 8192]
 *   (rates in M events/s, aggregate over the four streams)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EventEmulator } from '../host/events/emulator.js';
import type { SensorStatus } from '../host/gateway/gateway.js';
import { EVENT_BYTES, eventWord, MSG_HEADER_BYTES, MSG_MAGIC, MSG_VERSION, RECORD_BYTES, TAG_EVENTS } from '../host/gateway/protocol.js';
import { loadMnistDigits } from '../host/learn/datasets/mnist.js';
import { argValue, fmt, hasFlag, isMain, machineInfo, mdTable, packageRoot, spread, textTable, type Spread } from './common.js';

const SENSOR = { width: 346, height: 260 };
const STREAMS = 4;
const FACTOR = 8;
const UPSCALED = 240;

export const BENCH_MODEL = {
  version: 1,
  name: 'gateway-bench',
  description: 'DAVIS346 pooled 8x8 (44x33, ON/OFF split) -> 128 LIF neurons -> 10-class delta readout',
  dtMs: 1,
  seed: 1,
  input: { width: Math.ceil(SENSOR.width / FACTOR), height: Math.ceil(SENSOR.height / FACTOR), polarity: 'split', bufferEvents: 16384 },
  populations: [{ name: 'hidden', size: 128, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 } }],
  projections: [{ from: 'input', to: 'hidden', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.02 } } }],
  readout: { from: 'hidden', classes: 10, rule: 'delta', learningRate: 0.5 },
};

export interface LevelResult {
  /** Target aggregate rate, events/s. */
  target: number;
  /** Rate the sender achieved, events/s. */
  sent: number;
  sentEvents: number;
  received: number;
  processed: number;
  /** Everything lost: never received (sequence gaps) + dropped in queues/learners/network. */
  dropped: number;
  droppedByReason: Record<string, number>;
  /** Seconds after the end of sending until every queue was empty (null: not within the wait). */
  drainSeconds: number | null;
  sustained: boolean;
  /** Chunk latency (datagram in -> learner done), ms: worst sensor's percentiles. */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  earlyDecisions: number;
  windows: number;
}

export interface GatewayBenchResult {
  kind: 'gateway';
  streams: number;
  sensor: string;
  inputModel: string;
  datagramBytes: number;
  eventsPerDatagram: number;
  seconds: number;
  rates: number[];
  runs: { levels: LevelResult[]; maxSustained: number }[];
  /** Median over runs of the run's highest sustained rate (0: not even the lowest level). */
  maxSustained: Spread;
  /** Per level: medians over runs. */
  /** Events per second of the emulated streams at recording speed (all four together). */
  recordingRate: number;
  /** 1-minute load average at the start and end of the bench, and the core count. */
  load: [number, number];
  cores: number;
  levels: { target: number; sent: Spread; processed: Spread; droppedFraction: Spread; sustainedRuns: number; p50: Spread | null; p99: Spread | null }[];
}

/** Address words and times (µs from 0) of the emulated DAVIS346-class recordings, per stream. */
function makePools(): { words: Uint32Array; t: Float64Array }[] {
  const d = loadMnistDigits();
  const up = (k: number): Float32Array => {
    const out = new Float32Array(UPSCALED * UPSCALED);
    for (let y = 0; y < UPSCALED; y++) {
      for (let x = 0; x < UPSCALED; x++) out[y * UPSCALED + x] = d.images[k * 784 + Math.floor((y * 28) / UPSCALED) * 28 + Math.floor((x * 28) / UPSCALED)];
    }
    return out;
  };
  const em = new EventEmulator({ sensorSeed: 1, sensorWidth: SENSOR.width, sensorHeight: SENSOR.height, amplitudePx: 20, noiseRateHz: 1 });
  // Four digits of different classes (the mnist package orders digits by class).
  const per = Math.floor(d.count / 10);
  const batches = [0, 3, 6, 9].map((c) => em.emulate(up(c * per + 7), UPSCALED, UPSCALED, { seed: c }));
  return Array.from({ length: STREAMS }, (_, s) => {
    const order = batches.map((_, k) => batches[(k + s) % batches.length]);
    const n = order.reduce((a, b) => a + b.length, 0);
    const words = new Uint32Array(n);
    const t = new Float64Array(n);
    let k = 0;
    let t0 = 0;
    for (const b of order) {
      for (let i = 0; i < b.length; i++, k++) {
        words[k] = eventWord(b.x[i], b.y[i], b.p[i]);
        t[k] = t0 + b.t[i];
      }
      t0 += b.t[b.length - 1] + 1000;
    }
    return { words, t };
  });
}

interface Child {
  proc: ChildProcess;
  http: number;
  udp: number;
}

async function startServe(dir: string, run: number): Promise<Child> {
  const config = {
    http: { port: 0 },
    udp: { port: 0, recvBufferBytes: 4 << 20 },
    tcp: null,
    checkpoints: { dir: join(dir, `state-${run}`), periodSeconds: 0 },
    queue: { maxEvents: 262144, batchEvents: 16384, dropPolicy: 'drop-newest' },
    sensors: Array.from({ length: STREAMS }, (_, s) => ({
      id: `davis${s}`, streamId: s, model: BENCH_MODEL, width: SENSOR.width, height: SENSOR.height,
      transform: { downsample: { factorX: FACTOR } }, windowMs: 50, maxSampleMs: 50,
      earlyDecision: { minEvents: 2000, confidence: 0.9 },
    })),
  };
  const path = join(dir, `gateway-${run}.json`);
  writeFileSync(path, JSON.stringify(config));
  const proc = spawn(process.execPath, [join(packageRoot(), 'bin', 'neurite.js'), 'serve', '--config', path, '--json', '--drain-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ http: number; udp: number }>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      try {
        const o = JSON.parse(l) as { event?: string; http: number; udp: number };
        if (o.event === 'listening') resolve(o);
      } catch { /* not ours */ }
    });
    proc.on('exit', (c) => reject(new Error(`neurite serve exited (${c}) before listening`)));
  });
  return { proc, ...ports };
}

async function sensors(http: number, restartLatency = false): Promise<SensorStatus[]> {
  const r = await fetch(`http://127.0.0.1:${http}/sensors${restartLatency ? '?latencyWindow=restart' : ''}`);
  return ((await r.json()) as { sensors: SensorStatus[] }).sensors;
}

const sum = (xs: SensorStatus[], f: (s: SensorStatus) => number): number => xs.reduce((a, s) => a + f(s), 0);
const droppedOf = (s: SensorStatus): number => Object.values(s.events.dropped).reduce((a, b) => a + b, 0) + s.events.modelDropped;

/** Streams every sensor at `rate / STREAMS` events/s for `seconds`, paced on the wall clock. */
async function sendLevel(
  sock: dgram.Socket, port: number, pools: { words: Uint32Array; t: Float64Array }[], state: { k: number; seq: number; tBase: number }[],
  rate: number, seconds: number, perMsg: number,
): Promise<{ events: number; seconds: number }> {
  const perStream = rate / STREAMS;
  const total = Math.floor(perStream * seconds);
  const start = state.map((s) => ({ ...s }));
  const sentPer = new Array<number>(STREAMS).fill(0);
  const t0 = performance.now();
  let done = false;
  let events = 0;
  while (!done) {
    const elapsed = (performance.now() - t0) / 1000;
    done = true;
    for (let s = 0; s < STREAMS; s++) {
      const due = Math.min(total, Math.floor(elapsed * perStream));
      const st = state[s];
      const pool = pools[s];
      while (sentPer[s] + perMsg <= due || (due === total && sentPer[s] < total)) {
        const n = Math.min(perMsg, total - sentPer[s]);
        const buf = Buffer.allocUnsafe(MSG_HEADER_BYTES + RECORD_BYTES + n * EVENT_BYTES);
        const u32 = new Uint32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
        u32[0] = MSG_MAGIC;
        u32[1] = MSG_VERSION | (s << 16);
        u32[2] = st.seq++ >>> 0;
        u32[3] = 1; // one record
        u32[4] = TAG_EVENTS;
        u32[5] = n;
        for (let i = 0; i < n; i++) {
          const j = sentPer[s] + i;
          const k = (start[s].k + j) % pool.words.length;
          u32[6 + 2 * i] = pool.words[k];
          // Re-timed to the level's rate, continuing the stream's clock.
          u32[7 + 2 * i] = (start[s].tBase + Math.floor((j * 1e6) / perStream)) >>> 0;
        }
        sock.send(buf, port, '127.0.0.1');
        sentPer[s] += n;
        events += n;
      }
      if (sentPer[s] < total) done = false;
    }
    if (!done) await new Promise((r) => setImmediate(r));
  }
  const secs = (performance.now() - t0) / 1000;
  for (let s = 0; s < STREAMS; s++) {
    state[s].k = (start[s].k + sentPer[s]) % pools[s].words.length;
    // The next level starts 100 ms of stream time later (a fresh window).
    state[s].tBase = start[s].tBase + Math.floor((sentPer[s] * 1e6) / perStream) + 100_000;
  }
  // Let the socket flush its queue before the caller reads counters.
  await new Promise((r) => setTimeout(r, 50));
  return { events, seconds: secs };
}

async function oneRun(dir: string, run: number, pools: { words: Uint32Array; t: Float64Array }[], rates: number[], seconds: number, perMsg: number): Promise<{ levels: LevelResult[]; maxSustained: number }> {
  const child = await startServe(dir, run);
  const sock = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
  const state = Array.from({ length: STREAMS }, () => ({ k: 0, seq: 0, tBase: 0 }));
  const levels: LevelResult[] = [];
  let failed = 0;
  try {
    // Warm-up (not reported): the learner threads' JIT and the sockets reach steady state.
    await sendLevel(sock, child.udp, pools, state, rates[0] / 2, 1, perMsg);
    await new Promise((r) => setTimeout(r, 500));
    for (const rate of rates) {
      const before = await sensors(child.http, true);
      const sent = await sendLevel(sock, child.udp, pools, state, rate, seconds, perMsg);
      const tEnd = performance.now();
      let after = await sensors(child.http);
      let drainSeconds: number | null = null;
      for (;;) {
        const queued = sum(after, (s) => s.events.queued);
        if (queued === 0) {
          drainSeconds = (performance.now() - tEnd) / 1000;
          break;
        }
        if (performance.now() - tEnd > 10_000) break;
        await new Promise((r) => setTimeout(r, 20));
        after = await sensors(child.http);
      }
      const received = sum(after, (s) => s.events.received) - sum(before, (s) => s.events.received);
      const processed = sum(after, (s) => s.events.processed) - sum(before, (s) => s.events.processed);
      const inGateway = sum(after, droppedOf) - sum(before, droppedOf);
      const byReason: Record<string, number> = { never_received: sent.events - received };
      for (const s of after) {
        const b = before.find((x) => x.id === s.id)!;
        for (const [r, v] of Object.entries(s.events.dropped)) byReason[r] = (byReason[r] ?? 0) + v - (b.events.dropped[r] ?? 0);
        byReason.model = (byReason.model ?? 0) + s.events.modelDropped - b.events.modelDropped;
      }
      const dropped = sent.events - received + inGateway;
      const worst = (f: (s: SensorStatus) => number | null): number | null => {
        const v = after.map(f).filter((x): x is number => x !== null);
        return v.length ? Math.max(...v) : null;
      };
      const sustained = dropped === 0 && drainSeconds !== null && drainSeconds <= 1;
      const lv: LevelResult = {
        target: rate,
        sent: sent.events / sent.seconds,
        sentEvents: sent.events,
        received,
        processed,
        dropped,
        droppedByReason: Object.fromEntries(Object.entries(byReason).filter(([, v]) => v !== 0)),
        drainSeconds,
        sustained,
        latencyMs: { p50: worst((s) => s.latencyMs.p50), p90: worst((s) => s.latencyMs.p90), p99: worst((s) => s.latencyMs.p99) },
        earlyDecisions: sum(after, (s) => s.samples.earlyDecisions) - sum(before, (s) => s.samples.earlyDecisions),
        windows: sum(after, (s) => s.samples.predicted) - sum(before, (s) => s.samples.predicted),
      };
      levels.push(lv);
      process.stderr.write(`    run ${run + 1}, ${fmt(rate / 1e6)} M ev/s: sent ${fmt(lv.sent / 1e6)} M/s, dropped ${dropped}, drain ${drainSeconds === null ? '>10' : drainSeconds.toFixed(2)} s, p99 ${lv.latencyMs.p99?.toFixed(1) ?? '-'} ms${sustained ? '' : '  (not sustained)'}\n`);
      failed = sustained ? 0 : failed + 1;
      if (failed >= 2) break; // two levels in a row beyond capacity: the rest would only drop more
    }
  } finally {
    sock.close();
    child.proc.kill('SIGTERM');
    await new Promise((r) => child.proc.once('exit', r));
  }
  let maxSustained = 0;
  for (const l of levels) {
    if (!l.sustained) break;
    maxSustained = l.target;
  }
  return { levels, maxSustained };
}

export async function benchGateway(opts: { runs: number; seconds: number; rates: number[]; datagramBytes: number }): Promise<GatewayBenchResult> {
  const perMsg = Math.floor((opts.datagramBytes - MSG_HEADER_BYTES - RECORD_BYTES) / EVENT_BYTES);
  const load0 = loadavg()[0];
  const pools = makePools();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-gateway-bench-'));
  const runs: GatewayBenchResult['runs'] = [];
  try {
    for (let r = 0; r < opts.runs; r++) runs.push(await oneRun(dir, r, pools, opts.rates, opts.seconds, perMsg));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const levels = opts.rates.map((target) => {
    const at = runs.map((r) => r.levels.find((l) => l.target === target)).filter((l): l is LevelResult => l !== undefined);
    const lat = (f: (l: LevelResult) => number | null) => {
      const v = at.map(f).filter((x): x is number => x !== null);
      return v.length ? spread(v) : null;
    };
    return {
      target,
      sent: spread(at.map((l) => l.sent)),
      processed: spread(at.map((l) => l.processed)),
      droppedFraction: spread(at.map((l) => l.dropped / Math.max(1, l.sentEvents))),
      sustainedRuns: at.filter((l) => l.sustained).length,
      p50: lat((l) => l.latencyMs.p50),
      p99: lat((l) => l.latencyMs.p99),
    };
  }).filter((l) => l.sent.n > 0);
  return {
    kind: 'gateway',
    streams: STREAMS,
    sensor: `${SENSOR.width}x${SENSOR.height} (DAVIS346-class, emulated)`,
    inputModel: `downsample ${FACTOR}x${FACTOR} -> ${BENCH_MODEL.input.width}x${BENCH_MODEL.input.height}x2 -> 128 LIF -> 10-class readout`,
    datagramBytes: opts.datagramBytes,
    eventsPerDatagram: perMsg,
    seconds: opts.seconds,
    rates: opts.rates,
    runs,
    maxSustained: spread(runs.map((r) => r.maxSustained)),
    recordingRate: pools.reduce((a, p) => a + p.words.length / (p.t[p.t.length - 1] / 1e6), 0),
    load: [load0, loadavg()[0]],
    cores: cpus().length,
    levels,
  };
}

export function gatewayTable(r: GatewayBenchResult): { header: string[]; rows: string[][] } {
  const c = (s: Spread | null, scale = 1, digits = 2): string => (s === null ? '–' : s.n === 1 ? (s.median * scale).toFixed(digits) : `${(s.median * scale).toFixed(digits)} (${(s.min * scale).toFixed(digits)}–${(s.max * scale).toFixed(digits)})`);
  return {
    header: ['target M events/s', 'sent M events/s', 'dropped', 'runs with no drops', 'latency p50 ms', 'latency p99 ms'],
    rows: r.levels.map((l) => [
      fmt(l.target / 1e6), c(l.sent, 1e-6), `${c(l.droppedFraction, 100, 2)} %`, `${l.sustainedRuns}/${l.sent.n}`, c(l.p50, 1, 1), c(l.p99, 1, 1),
    ]),
  };
}

/** The gateway target: at least 2 M events/s aggregate with no drops. */
export const GATEWAY_TARGET = 2e6;

/** The docs/benchmarks.md section (run.ts puts it before the targets). */
export function gatewayMarkdown(r: GatewayBenchResult | null, note: string | null): string[] {
  if (!r) return ['## Gateway', '', `Not run: ${note ?? 'skipped'}.`, ''];
  const t = gatewayTable(r);
  return [
    '## Gateway',
    '',
    `\`bench/gateway.ts\`: \`neurite serve\` in a child process with ${r.streams} sensors of ${r.sensor}, each`,
    `${r.inputModel}, one learner thread each, unlabelled streams cut into 50 ms windows (a prediction`,
    'per window; the early-decision check runs after every batch, though with an untrained readout none',
    'fires). This process sends the four streams over UDP loopback in',
    `${r.datagramBytes}-byte datagrams (${r.eventsPerDatagram} events each), re-timed to each level's rate (at recording speed the four`,
    `streams give ${fmt(r.recordingRate / 1e6)} M events/s together), for ${r.seconds} s per`,
    'level, climbing until two levels in a row drop events. *Dropped* counts everything lost: datagrams',
    "the kernel's socket buffer discarded (sequence gaps) and events dropped by the gateway's queues,",
    'learners or network input buffer. A level is sustained with no drops at all and the queues',
    `empty again within 1 s. Latency: a batch's first datagram in to its learner done (worst sensor). ${r.runs.length} runs,`,
    `each a fresh gateway process; median (min–max) over runs. 1-minute load average ${fmt(r.load[0])} at the start and`,
    `${fmt(r.load[1])} at the end (${r.cores} cores; other work on the machine lowers these rates).`,
    '',
    mdTable(t.header, t.rows),
    '',
    `Highest aggregate rate sustained with no drops: **${fmt(r.maxSustained.median / 1e6)} M events/s** (median over runs; per run: ${r.runs.map((x) => fmt(x.maxSustained / 1e6)).join(', ')}).`,
    'Alone: `node dist/bench/gateway.js --runs 3` after `npm run build` (docs/gateway.md describes the service).',
    '',
  ];
}

/** The row of the targets table. */
export function gatewayTargetRow(r: GatewayBenchResult | null): string[] {
  if (!r) return ['gateway ≥ 2 M events/s with no drops (4 DAVIS346-class streams)', 'not run', '', 'not run'];
  const met = r.runs.filter((x) => x.maxSustained >= GATEWAY_TARGET).length;
  return ['gateway ≥ 2 M events/s with no drops (4 DAVIS346-class streams)', `${fmt(r.maxSustained.median / 1e6)} M events/s`, `${met} / ${r.runs.length}`, r.maxSustained.median >= GATEWAY_TARGET ? 'met' : '**MISSED**'];
}

if (isMain(import.meta.url)) {
  const rates = (argValue('--rates') ?? '1,2,3,4,5,6,8').split(',').map((x) => Number(x) * 1e6);
  if (rates.some((x) => !Number.isFinite(x) || x <= 0)) throw new Error('--rates: comma-separated positive numbers (M events/s)');
  const result = await benchGateway({
    runs: Number(argValue('--runs') ?? 3),
    seconds: Number(argValue('--seconds') ?? 3),
    rates,
    datagramBytes: Number(argValue('--datagram-bytes') ?? 8192),
  });
  if (hasFlag('--json')) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const m = machineInfo();
    const t = gatewayTable(result);
    process.stdout.write(`gateway: ${result.streams} streams of ${result.sensor}, ${result.inputModel}; ${result.datagramBytes}-byte datagrams; ${m.cpu}, ${m.cores} cores\n`);
    process.stdout.write(textTable(t.header, t.rows) + '\n');
    process.stdout.write(`highest rate sustained with no drops: ${fmt(result.maxSustained.median / 1e6)} M events/s (median of ${result.runs.length} runs; ${result.runs.map((r) => fmt(r.maxSustained / 1e6)).join(', ')})\n`);
  }
}
