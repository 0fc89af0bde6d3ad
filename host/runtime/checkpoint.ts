/**
 * Checkpoints: the learned state of a runtime (weights, thresholds and other neuron state,
 * traces, readout, PRNG, step count) with the model spec and the kernel ABI version, in one
 * versioned binary file with a CRC-32, written atomically (temp file + rename). A checkpoint is
 * self-contained: `loadCheckpoint` rebuilds the runtime from it alone.
 *
 * Layout (little-endian):
 *   0   8  magic "NRTCKPT\0"
 *   8   4  format version (CHECKPOINT_VERSION)
 *   12  4  kernel ABI version
 *   16  4  header length H
 *   20  H  header, UTF-8 JSON: { spec, stepCount, savedAt, regions: [{ name, kind, bytes }] }
 *   ..     the listed regions' bytes, in header order
 *   end 4  CRC-32 (zlib polynomial) of every byte before it
 * A file is refused, and nothing is loaded, unless every check passes: magic, version, ABI,
 * length, checksum, spec validity, and a region list that matches the spec's Plan exactly.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CheckpointError, NeuriteError } from '../errors.js';
import { PERSISTENT_KINDS, planModel, type Region, type RegionKind } from '../plan/plan.js';
import type { ModelSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';
import { ABI_VERSION } from './abi.js';
import type { KernelBuild } from './kernels.js';
import { Runtime } from './runtime.js';

export const CHECKPOINT_MAGIC = 'NRTCKPT\0';
export const CHECKPOINT_VERSION = 1;

interface Header {
  spec: ModelSpec;
  stepCount: number;
  savedAt: string;
  regions: { name: string; kind: RegionKind; bytes: number }[];
}

function persistentRegions(rt: Runtime): Region[] {
  return rt.plan.regions.filter((r) => PERSISTENT_KINDS.has(r.kind));
}

/** Serialises the runtime's learned state (see the layout above). */
export function encodeCheckpoint(rt: Runtime): Uint8Array {
  const regions = persistentRegions(rt);
  const header: Header = {
    spec: rt.plan.spec,
    stepCount: rt.stepCount,
    savedAt: new Date().toISOString(),
    regions: regions.map((r) => ({ name: r.name, kind: r.kind, bytes: r.bytes })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const body = regions.reduce((s, r) => s + r.bytes, 0);
  const out = new Uint8Array(20 + headerBytes.length + body + 4);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  dv.setUint32(8, CHECKPOINT_VERSION, true);
  dv.setUint32(12, ABI_VERSION, true);
  dv.setUint32(16, headerBytes.length, true);
  out.set(headerBytes, 20);
  let p = 20 + headerBytes.length;
  for (const r of regions) {
    out.set(rt.regionBytes(r), p);
    p += r.bytes;
  }
  dv.setUint32(p, crc32(out.subarray(0, p)) >>> 0, true);
  return out;
}

/** Writes a checkpoint atomically: a crash leaves either the old file or the new one, whole. */
export function saveCheckpoint(rt: Runtime, path: string): number {
  const bytes = encodeCheckpoint(rt);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  return bytes.length;
}

/** Parses and checks a checkpoint, then builds a runtime holding its state. */
export function decodeCheckpoint(bytes: Uint8Array, file = '<buffer>', build: KernelBuild = 'simd'): Runtime {
  const fail = (reason: string): never => { throw new CheckpointError(file, reason); };
  if (bytes.length < 24) fail(`truncated: ${bytes.length} bytes is shorter than the smallest checkpoint (24)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== CHECKPOINT_MAGIC) fail('not a neurite checkpoint (bad magic bytes)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) fail(`format version ${version} is not supported (this build reads ${CHECKPOINT_VERSION})`);
  const abi = dv.getUint32(12, true);
  if (abi !== ABI_VERSION) fail(`written for kernel ABI ${abi}, these kernels are ABI ${ABI_VERSION}`);
  const headerLen = dv.getUint32(16, true);
  if (20 + headerLen + 4 > bytes.length) fail(`truncated: header of ${headerLen} bytes does not fit in ${bytes.length} bytes`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(20, 20 + headerLen))) as Header;
  } catch {
    return fail('corrupt: header is not valid UTF-8 JSON');
  }
  if (!header || typeof header !== 'object' || !Array.isArray(header.regions)) fail('corrupt: header lacks a region list');
  const body = header.regions.reduce((s, r) => s + (Number.isInteger(r?.bytes) && r.bytes >= 0 ? r.bytes : NaN), 0);
  if (!Number.isFinite(body)) fail('corrupt: a region has an invalid size');
  const expected = 20 + headerLen + body + 4;
  if (bytes.length < expected) fail(`truncated: expected ${expected} bytes, got ${bytes.length}`);
  if (bytes.length > expected) fail(`corrupt: ${bytes.length - expected} unexpected trailing bytes`);
  const stored = dv.getUint32(expected - 4, true);
  const actual = crc32(bytes.subarray(0, expected - 4)) >>> 0;
  if (stored !== actual) fail(`corrupt: checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
  let spec: ModelSpec;
  try {
    spec = validateSpec(header.spec);
  } catch (e) {
    return fail(`its model spec is invalid: ${(e as Error).message}`);
  }
  const plan = planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER });
  const regions = plan.regions.filter((r) => PERSISTENT_KINDS.has(r.kind));
  const listed = header.regions.map((r) => `${r.name}:${r.bytes}`).join(',');
  const planned = regions.map((r) => `${r.name}:${r.bytes}`).join(',');
  if (listed !== planned) fail(`its regions do not match the model's plan (file: ${listed}; plan: ${planned})`);
  let rt: Runtime;
  try {
    rt = new Runtime(plan, build);
  } catch (e) {
    if (e instanceof NeuriteError) throw e;
    throw new CheckpointError(file, `cannot instantiate the model: ${(e as Error).message}`);
  }
  let p = 20 + headerLen;
  for (const r of regions) {
    rt.regionBytes(r).set(bytes.subarray(p, p + r.bytes));
    p += r.bytes;
  }
  return rt;
}

/** Loads a checkpoint file; throws CheckpointError (and loads nothing) if it is not intact. */
export function loadCheckpoint(path: string, build: KernelBuild = 'simd'): Runtime {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(path, `cannot read: ${(e as Error).message}`);
  }
  return decodeCheckpoint(bytes, path, build);
}
