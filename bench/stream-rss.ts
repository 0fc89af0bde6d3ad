/**
 * Streaming peak memory: reads one (large) event file through `openEventFile(path).batches()`,
 * the public streaming API (64 KiB reads, pull-based back-pressure, batches of at most 65536
 * events), touching every event, and reports the process's peak resident set size
 * (process.resourceUsage().maxRSS) together with the RSS before the file was opened (Node itself)
 * and the streaming rate. run.ts runs it in a fresh child process on a generated >= 1 GB EVT 2.0
 * file, so the peak belongs to this pass alone.
 *
 *   node dist/bench/stream-rss.js --file FILE [--json] [--events N]   (N: expected event count)
 */
import { openEventFile } from '../host/events/formats/index.js';
import { argValue, fmt, hasFlag, isMain } from './common.js';

export interface StreamRssResult {
  kind: 'stream-rss';
  path: string;
  format: string;
  bytes: number;
  events: number;
  batches: number;
  largestBatch: number;
  /** maxRSS before opening the file, bytes. */
  rssBeforeBytes: number;
  /** Peak RSS of the whole process, bytes. */
  peakRssBytes: number;
  /** Largest heapUsed + external + arrayBuffers seen between batches (sampled), bytes. */
  peakHeapBytes: number;
  seconds: number;
  eventsPerSecond: number;
  bytesPerSecond: number;
  /** Sum of x over all events (keeps the consumer honest). */
  sumX: number;
}

export async function streamFile(path: string): Promise<StreamRssResult> {
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  const f = await openEventFile(path);
  let events = 0;
  let batches = 0;
  let largest = 0;
  let sumX = 0;
  let peakHeap = 0;
  for await (const b of f.batches()) {
    const x = b.x;
    let s = 0;
    for (let i = 0; i < b.length; i++) s += x[i];
    sumX += s;
    events += b.length;
    if (b.length > largest) largest = b.length;
    if ((batches++ & 255) === 0) {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
    }
  }
  const secs = (performance.now() - t0) / 1000;
  return {
    kind: 'stream-rss',
    path,
    format: f.format,
    bytes: f.size,
    events,
    batches,
    largestBatch: largest,
    rssBeforeBytes: rssBefore,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapBytes: peakHeap,
    seconds: secs,
    eventsPerSecond: events / secs,
    bytesPerSecond: f.size / secs,
    sumX,
  };
}

if (isMain(import.meta.url)) {
  try {
    const path = argValue('--file');
    if (!path) throw new Error('usage: node dist/bench/stream-rss.js --file FILE [--json] [--events N]');
    const r = await streamFile(path);
    const expect = argValue('--events');
    if (expect !== undefined && Number(expect) !== r.events) {
      throw new Error(`stream-rss: streamed ${r.events} events, the file holds ${expect}`);
    }
    if (hasFlag('--json')) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      console.log(`${r.path} (${r.format}): ${fmt(r.bytes / 1e6)} MB, ${r.events} events in ${r.batches} batches, `
        + `${fmt(r.seconds)} s (${fmt(r.eventsPerSecond / 1e6)} M events/s)`);
      console.log(`RSS before ${fmt(r.rssBeforeBytes / 2 ** 20)} MiB, peak ${fmt(r.peakRssBytes / 2 ** 20)} MiB`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  }
}
