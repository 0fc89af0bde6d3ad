/**
 * HDF5 through h5wasm (the HDF5 C library compiled to WebAssembly), reduced to what NIR files
 * need: a tree of groups and datasets (numeric arrays, strings) with attributes.
 *
 * Writing (our own, trusted data) runs in-process on h5wasm's in-memory file system.
 * Reading untrusted bytes runs in a worker thread with a time limit: corrupted HDF5 metadata can
 * send the library into very long loops (observed with byte-flipped files) or trap inside the
 * wasm, and neither may hang or poison the host process. The worker walks the file once and posts
 * back a plain tree; only that tree is interpreted here. Every failure is an InteropError.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InteropError } from '../errors.js';

export type H5Numeric = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array;

/** A dataset as read back: numbers as float64 (int64 values beyond 2^53 are refused), or strings. */
export interface H5Dataset {
  kind: 'dataset';
  /** 'float' | 'int' | 'uint' | 'string' | 'other' (compound, reference, ...), with the byte size. */
  dtype: string;
  shape: number[];
  /** Numeric data (row-major), or strings; null for types that are not read ('other'). */
  value: Float64Array | string[] | null;
  attrs: Record<string, H5Dataset>;
}

export interface H5Group {
  kind: 'group';
  attrs: Record<string, H5Dataset>;
  children: Record<string, H5Group | H5Dataset | H5Link>;
}

/** A soft or external link: never followed (a NIR file must be self-contained). */
export interface H5Link {
  kind: 'link';
  target: string;
}

/** What to write: a group of children; datasets are typed arrays, numbers, strings or string arrays. */
export interface H5WriteGroup {
  group: Record<string, H5WriteGroup | H5WriteDataset>;
}

export interface H5WriteDataset {
  data: H5Numeric | string | string[];
  shape?: number[];
}

function isWriteGroup(x: H5WriteGroup | H5WriteDataset): x is H5WriteGroup {
  return 'group' in x;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type H5wasmModule = any;
let h5: Promise<H5wasmModule> | null = null;

async function h5wasm(): Promise<H5wasmModule> {
  h5 ??= import('h5wasm').then(async (m) => {
    const lib = m.default;
    await lib.ready;
    return lib;
  });
  return h5;
}

let fileCounter = 0;

/** Writes the tree as an HDF5 file and returns its bytes. */
export async function writeHdf5(root: H5WriteGroup): Promise<Uint8Array> {
  const lib = await h5wasm();
  const FS = (await lib.ready).FS;
  const path = `/neurite-${process.pid}-${fileCounter++}.h5`;
  const f = new lib.File(path, 'w');
  try {
    const emit = (g: H5WriteGroup, target: H5wasmModule): void => {
      for (const [name, child] of Object.entries(g.group)) {
        if (isWriteGroup(child)) emit(child, target.create_group(name));
        else if (typeof child.data === 'string') target.create_dataset({ name, data: child.data });
        else if (Array.isArray(child.data)) target.create_dataset({ name, data: child.data, shape: child.shape ?? [child.data.length] });
        else target.create_dataset({ name, data: child.data, shape: child.shape ?? [child.data.length] });
      }
    };
    emit(root, f);
  } finally {
    f.close();
  }
  try {
    return Uint8Array.from(FS.readFile(path) as Uint8Array);
  } finally {
    FS.unlink(path);
  }
}

/** The HDF5 signature; a file is recognised when it appears at 0, 512, 1024, 2048, ... */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (SIGNATURE.every((b, k) => bytes[off + k] === b)) return true;
  }
  return false;
}

function h5wasmUrl(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'node_modules', 'h5wasm', 'dist', 'esm', 'hdf5_hl.js');
    if (existsSync(p)) return pathToFileURL(p).href;
    const up = dirname(dir);
    if (up === dir) throw new InteropError('nir', null, 'cannot find the h5wasm package (node_modules/h5wasm)');
    dir = up;
  }
}

/**
 * The worker: h5wasm loaded once; each request opens the bytes as a file, walks the tree with
 * limits and posts it back. Requests are served one at a time.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const diag = [];
console.error = (...a) => { if (diag.length < 200) diag.push(a.join(' ')); };
console.warn = console.error;
const libP = import(workerData.url).then(async (m) => { const lib = m.default; await lib.ready; return lib; });
const typeOf = (md) => {
  if (!md) return 'other';
  const t = md.type;
  if (t === 0) return (md.signed ? 'int' : 'uint') + (md.size * 8);
  if (t === 1) return 'float' + (md.size * 8);
  if (t === 3) return 'string';
  return 'other';
};
const toNumber = (x) => {
  if (typeof x === 'bigint') { if (x > 9007199254740991n || x < -9007199254740991n) throw new Error('an int64 value beyond 2^53'); return Number(x); }
  return Number(x);
};
const readValue = (v, dtype) => {
  if (dtype === 'other' || v === null || v === undefined) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    if (v.every((s) => typeof s === 'string')) return v;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) { if (typeof v[i] === 'object') return null; out[i] = toNumber(v[i]); }
    return out;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return Float64Array.of(toNumber(v));
  if (ArrayBuffer.isView(v)) { const out = new Float64Array(v.length); for (let i = 0; i < v.length; i++) out[i] = toNumber(v[i]); return out; }
  return null;
};
parentPort.on('message', async ({ id, bytes, limits }) => {
  diag.length = 0;
  let lib;
  try { lib = await libP; } catch (e) { parentPort.postMessage({ id, ok: false, error: 'cannot load h5wasm: ' + (e && e.message || e), diag: [] }); return; }
  const path = '/in-' + id + '.h5';
  let objects = 0;
  let elements = 0;
  const over = (what) => { throw new Error('LIMIT ' + what); };
  const readAttrs = (o) => {
    const out = {};
    let attrs;
    try { attrs = o.attrs; } catch { return out; }
    for (const k of Object.keys(attrs)) {
      if (++objects > limits.objects) over('objects');
      const a = attrs[k];
      const dtype = typeOf(a.metadata);
      const shape = (a.shape || []).map(Number);
      out[k] = { kind: 'dataset', dtype, shape, value: readValue(a.value, dtype), attrs: {} };
    }
    return out;
  };
  const readDataset = (d) => {
    if (++objects > limits.objects) over('objects');
    const dtype = typeOf(d.metadata);
    const shape = (d.shape || []).map(Number);
    elements += shape.reduce((a, b) => a * b, 1);
    if (elements > limits.elements) over('elements');
    return { kind: 'dataset', dtype, shape, value: readValue(dtype === 'other' ? null : d.value, dtype), attrs: readAttrs(d) };
  };
  const walk = (g, depth) => {
    if (depth > 32) over('depth');
    const children = {};
    for (const k of g.keys()) {
      if (++objects > limits.objects) over('objects');
      const e = g.get(k);
      if (e === null || e === undefined) { children[k] = { kind: 'link', target: '?' }; continue; }
      if (e instanceof lib.Group) children[k] = walk(e, depth + 1);
      else if (e instanceof lib.Dataset) children[k] = readDataset(e);
      else children[k] = { kind: 'link', target: String(e.target || e.filename || e.type || '?') };
    }
    return { kind: 'group', attrs: readAttrs(g), children };
  };
  let f;
  try {
    (await lib.ready).FS.writeFile(path, bytes);
    f = new lib.File(path, 'r');
    const tree = walk(f, 0);
    parentPort.postMessage({ id, ok: true, tree });
  } catch (e) {
    parentPort.postMessage({ id, ok: false, error: String(e && e.message || e), diag: diag.slice(-8) });
  } finally {
    try { if (f) f.close(); } catch {}
    try { (await lib.ready).FS.unlink(path); } catch {}
  }
});
`;

export interface Hdf5ReadOptions {
  /** Time limit for parsing, ms (default 20000). */
  timeoutMs?: number;
  /** Largest number of groups, datasets and attributes (default 200000). */
  maxObjects?: number;
  /** Largest total number of dataset elements (default 2^26). */
  maxElements?: number;
  /** Name of the source, for messages. */
  source?: string;
}

type Reply = { id: number; ok: true; tree: H5Group } | { id: number; ok: false; error: string; diag: string[] };

/** One reader worker, reused between files; replaced after a timeout or a crash. */
class ReaderWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply | Error) => void>();
  private queue: Promise<unknown> = Promise.resolve();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER, { eval: true, workerData: { url: h5wasmUrl() }, stderr: true, stdout: true });
    w.on('message', (m: Reply) => {
      const cb = this.pending.get(m.id);
      this.pending.delete(m.id);
      cb?.(m);
    });
    const fail = (e: Error): void => {
      if (this.worker === w) this.worker = null;
      for (const cb of this.pending.values()) cb(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the reader exited (code ${code})`)));
    // After the listeners (adding a 'message' listener refs the worker again): an idle reader
    // must not keep the process alive.
    w.unref();
    this.worker = w;
    return w;
  }

  private kill(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }

  read(bytes: Uint8Array, limits: { objects: number; elements: number }, timeoutMs: number): Promise<Reply | Error | 'timeout'> {
    const run = (): Promise<Reply | Error | 'timeout'> => new Promise((resolve) => {
      const w = this.ensure();
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.kill();
        resolve('timeout');
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      w.postMessage({ id, bytes, limits });
    });
    const p = this.queue.then(run, run);
    this.queue = p;
    return p;
  }
}

let reader: ReaderWorker | null = null;

/** Parses HDF5 bytes into a tree (in a worker, with limits and a time limit). */
export async function readHdf5(bytes: Uint8Array, opts: Hdf5ReadOptions = {}): Promise<H5Group> {
  const source = opts.source ?? '<buffer>';
  if (!hasHdf5Signature(bytes)) {
    throw new InteropError('nir', null, `not an HDF5 file (no HDF5 signature; ${bytes.length} bytes)`, source);
  }
  const timeoutMs = opts.timeoutMs ?? 20000;
  reader ??= new ReaderWorker();
  const r = await reader.read(bytes, { objects: opts.maxObjects ?? 200000, elements: opts.maxElements ?? 1 << 26 }, timeoutMs);
  if (r === 'timeout') throw new InteropError('nir', null, `HDF5 parsing did not finish within ${timeoutMs} ms (corrupt file?)`, source);
  if (r instanceof Error) throw new InteropError('nir', null, `HDF5 reader failed: ${r.message}`, source);
  if (r.ok) return r.tree;
  const detail = r.error.startsWith('LIMIT ') ? `the file exceeds the reader's limit on ${r.error.slice(6)}` : `HDF5 could not read the file: ${r.error}`;
  const hint = r.diag.map((l) => l.trim()).filter((l) => /minor:/.test(l)).slice(-1).join('; ');
  throw new InteropError('nir', null, hint ? `${detail} (${hint})` : detail, source);
}
