/**
 * Decoder throughput: every benchmark file written by event-data.ts is read into memory and
 * decoded through neurite's own decoder for its format (FORMATS entry -> createDecoder(), the
 * default options: caller-owned SoA batches of at most 65536 events), fed in 64 KiB chunks the way
 * openEventFile feeds it, with the contract's drain loop (a push that returns a full batch is
 * followed by push(empty) until a shorter batch comes back), then end().
 *
 * Per format, in one process: a first whole-file pass checks the decoded events against the
 * manifest (count, sum of t, order-sensitive hash, first and last event) and doubles as warm-up;
 * then whole-file passes are timed until at least --ms of decoding (at least 2 passes), and the
 * process reports total events / total time. The format order rotates with --index. File reading
 * is not timed (the file is in memory before the first pass).
 *
 *   node dist/bench/decode.js --manifest FILE [--json] [--ms N] [--index K] [--formats a,b] [--no-zero-copy]
 *
 * The Prophesee decoders (EVT 2.0, EVT 3.0, DAT) are also timed with `reuseBuffers: true`
 * (zero-copy batches, valid until the next push), reported as `<format>:reuse`, to show what
 * the copy into caller-owned batches costs.
 */
import { readFileSync } from 'node:fs';
import { formatById } from '../host/events/formats/index.js';
import type { EventDecoder, FormatId } from '../host/events/formats/format.js';
import type { EventBatch } from '../host/events/types.js';
import { argValue, fmt, hasFlag, isMain, machineInfo, textTable, type MachineInfo } from './common.js';
import { DECODE_FORMATS, FORMAT_LABEL, digestBatch, newDigest, sameDigest, type EventDigest, type EventFilesManifest } from './event-data.js';

export const CHUNK_BYTES = 64 * 1024;
const MAX_BATCH = 65536;
const EMPTY = new Uint8Array(0);

export interface DecodeRate {
  format: FormatId;
  events: number;
  bytes: number;
  /** Events per second over the timed passes. */
  eventsPerSecond: number;
  /** Input bytes per second over the timed passes. */
  bytesPerSecond: number;
  passes: number;
  /** Events/s of each timed pass. */
  passRates: number[];
  seconds: number;
}

export interface DecodeBenchResult {
  kind: 'decode';
  machine: MachineInfo;
  config: { chunkBytes: number; maxBatch: number; minMs: number; order: FormatId[] };
  results: Record<string, DecodeRate>;
  seconds: number;
}

/** Decodes the whole buffer in CHUNK_BYTES chunks; `onBatch` sees every non-empty batch. */
function decodeAll(dec: EventDecoder, data: Uint8Array, onBatch: ((b: EventBatch) => void) | null): number {
  let n = 0;
  for (let o = 0; o < data.length; o += CHUNK_BYTES) {
    let b = dec.push(data.subarray(o, Math.min(o + CHUNK_BYTES, data.length)));
    n += b.length;
    if (onBatch && b.length > 0) onBatch(b);
    while (b.length >= MAX_BATCH) {
      b = dec.push(EMPTY);
      n += b.length;
      if (onBatch && b.length > 0) onBatch(b);
    }
    dec.takeSideChannels();
  }
  const b = dec.end();
  n += b.length;
  if (onBatch && b.length > 0) onBatch(b);
  return n;
}

function describe(d: EventDigest): string {
  return `${d.count} events, sum t ${d.sumT}, hash ${(d.hash >>> 0).toString(16)}, first ${JSON.stringify(d.first)}, last ${JSON.stringify(d.last)}`;
}

/** Prophesee decoders also offer zero-copy batches (views valid until the next push). */
export const ZERO_COPY_FORMATS: readonly FormatId[] = ['evt2', 'evt3', 'dat'];

export function benchFormat(format: FormatId, data: Uint8Array, expected: EventDigest, minMs: number, zeroCopy = false): DecodeRate {
  const info = formatById(format);
  const opts = zeroCopy ? { maxBatch: MAX_BATCH, source: `bench-${format}`, reuseBuffers: true } : { maxBatch: MAX_BATCH, source: `bench-${format}` };
  const newDecoder = () => info.createDecoder(opts);
  // Verification pass (also the warm-up).
  const got = newDigest();
  decodeAll(newDecoder(), data, (b) => digestBatch(got, b));
  if (!sameDigest(got, expected)) {
    throw new Error(`decode ${format}: the decoded events differ from what was written\n  got      ${describe(got)}\n  expected ${describe(expected)}`);
  }
  const passRates: number[] = [];
  let events = 0;
  let secs = 0;
  let passes = 0;
  while (passes < 2 || secs * 1000 < minMs) {
    const dec = newDecoder();
    const t0 = performance.now();
    const n = decodeAll(dec, data, null);
    const dt = (performance.now() - t0) / 1000;
    if (n !== expected.count) throw new Error(`decode ${format}: timed pass decoded ${n} events, expected ${expected.count}`);
    passRates.push(n / dt);
    events += n;
    secs += dt;
    passes++;
  }
  return {
    format, events: expected.count, bytes: data.length, eventsPerSecond: events / secs,
    bytesPerSecond: (data.length * passes) / secs, passes, passRates, seconds: secs,
  };
}

export function runDecodeBench(manifest: EventFilesManifest, opts: { minMs?: number; index?: number; formats?: FormatId[]; zeroCopy?: boolean } = {}): DecodeBenchResult {
  const t0 = performance.now();
  const minMs = opts.minMs ?? 400;
  const list = (opts.formats ?? DECODE_FORMATS).filter((f) => manifest.files.some((x) => x.format === f));
  const shift = (opts.index ?? 0) % list.length;
  const order = [...list.slice(shift), ...list.slice(0, shift)];
  const results: Record<string, DecodeRate> = {};
  for (const f of order) {
    const entry = manifest.files.find((x) => x.format === f)!;
    const buf = readFileSync(entry.path);
    const data = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    results[f] = benchFormat(f, data, entry.digest, minMs);
    if (opts.zeroCopy !== false && ZERO_COPY_FORMATS.includes(f)) results[`${f}:reuse`] = benchFormat(f, data, entry.digest, minMs, true);
  }
  return {
    kind: 'decode',
    machine: machineInfo(),
    config: { chunkBytes: CHUNK_BYTES, maxBatch: MAX_BATCH, minMs, order },
    results,
    seconds: (performance.now() - t0) / 1000,
  };
}

if (isMain(import.meta.url)) {
  try {
    const mpath = argValue('--manifest');
    if (!mpath) throw new Error('usage: node dist/bench/decode.js --manifest FILE [--json] [--ms N] [--index K] [--formats a,b]');
    const manifest = JSON.parse(readFileSync(mpath, 'utf8')) as EventFilesManifest;
    const ms = argValue('--ms');
    const idx = argValue('--index');
    const fl = argValue('--formats');
    const res = runDecodeBench(manifest, {
      minMs: ms === undefined ? undefined : Number(ms),
      index: idx === undefined ? undefined : Number(idx),
      formats: fl === undefined ? undefined : (fl.split(',') as FormatId[]),
      zeroCopy: !hasFlag('--no-zero-copy'),
    });
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(res)}\n`);
    } else {
      const keys = DECODE_FORMATS.flatMap((f) => [f, `${f}:reuse`]).filter((k) => res.results[k]);
      const rows = keys.map((k) => {
        const r = res.results[k];
        const label = FORMAT_LABEL[r.format] + (k.endsWith(':reuse') ? ', zero-copy' : '');
        return [label, String(r.events), fmt(r.bytes / 1e6), fmt(r.eventsPerSecond / 1e6), fmt(r.bytesPerSecond / 1e6), String(r.passes)];
      });
      console.log(textTable(['format', 'events', 'MB', 'M events/s', 'MB/s', 'passes'], rows));
      console.log(`\n${fmt(res.seconds)} s`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  }
}
