/**
 * `neurite inspect` and `neurite convert`: look at an event file, or stream it into another format.
 * Both are thin layers over host/events/formats/index.ts (openEventFile, detectFormat) and stream,
 * so they work on files larger than memory (inspect --frame needs width x height counters only).
 */
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { FormatId } from '../events/formats/format.js';
import { FORMATS, formatForOutput, openEventFile, type EventFile } from '../events/formats/index.js';
import { accumulate, createFrame, encodePng, frameToRgba, type EventFrame } from '../events/frame.js';
import type { EventBatch, SensorGeometry } from '../events/types.js';
import { formatBytes, formatRate } from '../report/format.js';
import type { FlagSpec, FlagValues } from './args.js';

type Out = (line: string) => void;

export interface EventsCommand {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(values: FlagValues, positional: string[], out: Out): Promise<number>;
}

const formatIds = FORMATS.map((f) => f.id).join('|');

export interface EventRecord {
  t: number;
  x: number;
  y: number;
  p: number;
}

/** What `inspect --json` prints. */
export interface InspectReport {
  file: string;
  format: FormatId;
  description: string;
  bytes: number;
  header: Record<string, string | number>;
  width: number | null;
  height: number | null;
  events: number;
  onEvents: number;
  offEvents: number;
  tFirstUs: number | null;
  tLastUs: number | null;
  tMinUs: number | null;
  tMaxUs: number | null;
  durationUs: number | null;
  /** Events per second over tLast - tFirst (null for fewer than two distinct times). */
  eventRate: number | null;
  /** Events whose time is below their predecessor's. */
  timeReversals: number;
  xMax: number | null;
  yMax: number | null;
  first: EventRecord[];
  last: EventRecord[];
  sideChannels: { imu: number; triggers: number; frames: number };
  frame?: string;
}

function parseGeometry(v: unknown): SensorGeometry | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(String(v));
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1 || Number(m[1]) > 65536 || Number(m[2]) > 65536) {
    throw new UsageError(`--geometry must look like 640x480, got "${String(v)}"`);
  }
  return { width: Number(m[1]), height: Number(m[2]) };
}

function onePath(command: string, positional: string[], what: string): string {
  if (positional.length !== 1) throw new UsageError(`${command}: give exactly one ${what} (got ${positional.length})`);
  return positional[0];
}

/** One streaming pass computing everything inspect reports. */
async function scan(file: EventFile, frame: EventFrame | null, flip: boolean): Promise<Omit<InspectReport, 'file' | 'format' | 'description' | 'bytes' | 'header' | 'width' | 'height' | 'frame'>> {
  let events = 0;
  let on = 0;
  let tFirst: number | null = null;
  let tLast: number | null = null;
  let tMin = Infinity;
  let tMax = -Infinity;
  let xMax = -1;
  let yMax = -1;
  let reversals = 0;
  let prev = -Infinity;
  const first: EventRecord[] = [];
  const last: EventRecord[] = [];
  for await (const b of file.batches()) {
    const { t, x, y, p, length } = b;
    for (let i = 0; i < length; i++) {
      const ti = t[i];
      if (ti < prev) reversals++;
      prev = ti;
      if (ti < tMin) tMin = ti;
      if (ti > tMax) tMax = ti;
      if (x[i] > xMax) xMax = x[i];
      if (y[i] > yMax) yMax = y[i];
      on += p[i];
    }
    if (length > 0) {
      if (tFirst === null) tFirst = t[0];
      tLast = t[length - 1];
      for (let i = 0; i < length && first.length < 5; i++) first.push(rec(b, i));
      for (let i = Math.max(0, length - 2); i < length; i++) {
        last.push(rec(b, i));
        if (last.length > 2) last.shift();
      }
    }
    events += length;
    if (frame) accumulate(frame, b, { flipY: flip });
  }
  const duration = tFirst !== null && tLast !== null ? tLast - tFirst : null;
  return {
    events,
    onEvents: on,
    offEvents: events - on,
    tFirstUs: tFirst,
    tLastUs: tLast,
    tMinUs: events > 0 ? tMin : null,
    tMaxUs: events > 0 ? tMax : null,
    durationUs: duration,
    eventRate: duration !== null && duration > 0 ? events / (duration / 1e6) : null,
    timeReversals: reversals,
    xMax: events > 0 ? xMax : null,
    yMax: events > 0 ? yMax : null,
    first,
    last,
    sideChannels: file.sideChannels(),
  };
}

function rec(b: EventBatch, i: number): EventRecord {
  return { t: b.t[i], x: b.x[i], y: b.y[i], p: b.p[i] };
}

const MAX_FRAME_PIXELS = 1 << 26;

function frameFor(path: string, width: number, height: number): EventFrame {
  if (width * height > MAX_FRAME_PIXELS) {
    throw new UsageError(`inspect: a ${width}x${height} frame of ${path} is too large to draw (limit ${MAX_FRAME_PIXELS} pixels)`);
  }
  return createFrame(width, height);
}

export async function inspectFile(path: string, opts: { format?: FormatId; frame?: string; geometry?: SensorGeometry } = {}): Promise<InspectReport> {
  const file = await openEventFile(path, { format: opts.format, geometry: opts.geometry });
  const header = file.header();
  const flip = header?.fields.yOrigin === 'bottom-left';
  let frame: EventFrame | null = null;
  if (opts.frame && file.geometry) frame = frameFor(path, file.geometry.width, file.geometry.height);
  let s = await scan(file, frame, flip);
  if (opts.frame && !frame) {
    // No geometry known up front: size the frame from the data, then a second pass.
    if (s.xMax === null || s.yMax === null) throw new UsageError(`inspect: ${path} has no events to draw a frame from`);
    frame = frameFor(path, s.xMax + 1, s.yMax + 1);
    s = await scan(file, frame, flip);
  }
  if (opts.frame && frame) await writeFile(opts.frame, encodePng(frame.width, frame.height, frameToRgba(frame)));
  return {
    file: path,
    format: file.format,
    description: file.info.description,
    bytes: file.size,
    header: { ...(header?.fields ?? {}) },
    width: file.geometry?.width ?? null,
    height: file.geometry?.height ?? null,
    ...s,
    ...(opts.frame ? { frame: opts.frame } : {}),
  };
}

function fmtEvent(e: EventRecord): string {
  return `t=${e.t} x=${e.x} y=${e.y} p=${e.p}`;
}

function printInspect(r: InspectReport, out: Out): void {
  out(`${r.file}: ${r.format} — ${r.description}`);
  const rows: [string, string][] = [];
  rows.push(['file size', `${formatBytes(r.bytes)} (${r.bytes} bytes)`]);
  for (const [k, v] of Object.entries(r.header)) rows.push([`header ${k}`, String(v)]);
  rows.push(['sensor size', r.width !== null ? `${r.width} x ${r.height}` : `unknown (x max ${r.xMax ?? '-'}, y max ${r.yMax ?? '-'})`]);
  rows.push(['events', String(r.events)]);
  rows.push(['ON / OFF', `${r.onEvents} / ${r.offEvents}`]);
  if (r.events > 0) {
    rows.push(['time range', `${r.tFirstUs} .. ${r.tLastUs} µs (${((r.durationUs ?? 0) / 1e6).toFixed(6)} s)`]);
    rows.push(['event rate', r.eventRate !== null ? formatRate(r.eventRate, 'events/s') : '-']);
    if (r.timeReversals > 0) rows.push(['time reversals', `${r.timeReversals} (min ${r.tMinUs}, max ${r.tMaxUs})`]);
    rows.push(['x / y max', `${r.xMax} / ${r.yMax}`]);
  }
  const sc = r.sideChannels;
  rows.push(['side channels', `imu ${sc.imu}, triggers ${sc.triggers}, frames ${sc.frames}`]);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, val] of rows) out(`  ${k.padEnd(w)}  ${val}`);
  if (r.first.length > 0) {
    out('  first events:');
    for (const e of r.first) out(`    ${fmtEvent(e)}`);
    out('  last events:');
    for (const e of r.last) out(`    ${fmtEvent(e)}`);
  }
  if (r.frame) out(`frame: ${r.frame}`);
}

export const inspectCommand: EventsCommand = {
  summary: 'show an event file: format, header, sensor size, counts, time range, first/last events',
  usage: `neurite inspect FILE [--format ${formatIds}] [--json] [--frame OUT.png]`,
  flags: {
    format: { type: 'string', placeholder: 'F', help: 'skip format detection' },
    frame: { type: 'string', placeholder: 'OUT.png', help: 'write all events as one image (ON red, OFF blue)' },
    geometry: { type: 'string', placeholder: 'WxH', help: 'sensor size for files that do not store one' },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
  },
  async run(v, positional, out) {
    const path = onePath('inspect', positional, 'event file');
    const r = await inspectFile(path, {
      format: v.format as FormatId | undefined,
      frame: v.frame as string | undefined,
      geometry: parseGeometry(v.geometry),
    });
    if (v.json) out(JSON.stringify(r));
    else printInspect(r, out);
    return 0;
  },
};

/** An encoder that can rewrite its header once the stream is complete (npy 'patch' mode). */
interface PatchingEncoder {
  headerPatch(): { offset: number; bytes: Uint8Array } | null;
}

export interface ConvertReport {
  input: string;
  output: string;
  from: FormatId;
  to: FormatId;
  events: number;
  bytesWritten: number;
  width: number | null;
  height: number | null;
}

export async function convertFile(
  input: string,
  output: string,
  opts: { format?: FormatId; to?: FormatId; geometry?: SensorGeometry } = {},
): Promise<ConvertReport> {
  if (resolve(input) === resolve(output)) throw new UsageError('convert: input and output are the same file');
  const target = formatForOutput(output, opts.to);
  const file = await openEventFile(input, { format: opts.format, geometry: opts.geometry });
  const geometry = file.geometry ?? opts.geometry ?? null;
  const encOpts: Record<string, unknown> = { mode: 'patch' };
  if (geometry) encOpts.geometry = geometry;
  if (target.id === 'csv' && extname(output).toLowerCase() === '.tsv') encOpts.delimiter = '\t';
  const enc = target.createEncoder!(encOpts);
  const tmp = `${output}.partial-${process.pid}`;
  let fh: FileHandle | null;
  try {
    fh = await open(tmp, 'w');
  } catch (e) {
    throw new UsageError(`convert: cannot write ${output}: ${(e as Error).message}`, { cause: e });
  }
  let events = 0;
  let written = 0;
  try {
    for await (const b of file.batches()) {
      const bytes = enc.push(b);
      events += b.length;
      if (bytes.length > 0) {
        await fh.write(bytes);
        written += bytes.length;
      }
    }
    const tail = enc.end();
    if (tail.length > 0) {
      await fh.write(tail);
      written += tail.length;
    }
    const patch = (enc as Partial<PatchingEncoder>).headerPatch?.() ?? null;
    if (patch) await fh.write(patch.bytes, 0, patch.bytes.length, patch.offset);
    await fh.close();
    fh = null;
    await rename(tmp, output);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  return { input, output, from: file.format, to: target.id, events, bytesWritten: written, width: geometry?.width ?? null, height: geometry?.height ?? null };
}

export const convertCommand: EventsCommand = {
  summary: 'stream an event file into another format (by --to or the output extension)',
  usage: `neurite convert IN OUT [--format ${formatIds}] [--to F] [--geometry WxH] [--json]`,
  flags: {
    format: { type: 'string', placeholder: 'F', help: 'input format (skip detection)' },
    to: { type: 'string', placeholder: 'F', help: "output format (default: from OUT's extension)" },
    geometry: { type: 'string', placeholder: 'WxH', help: 'sensor size when the input does not store one' },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
  },
  async run(v, positional, out) {
    if (positional.length !== 2) throw new UsageError(`convert: give an input and an output file (got ${positional.length} arguments)`);
    const [input, output] = positional;
    const r = await convertFile(input, output, {
      format: v.format as FormatId | undefined,
      to: v.to as FormatId | undefined,
      geometry: parseGeometry(v.geometry),
    });
    if (v.json) out(JSON.stringify(r));
    else out(`${r.input} (${r.from}) -> ${r.output} (${r.to}): ${r.events} events, ${formatBytes(r.bytesWritten)}${r.width !== null ? `, ${r.width}x${r.height}` : ''}`);
    return 0;
  },
};
