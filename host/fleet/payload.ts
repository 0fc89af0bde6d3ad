/**
 * The binary payload of a fleet state message (one retained MQTT message per gateway).
 *
 * Layout (little-endian; every multi-byte field naturally aligned):
 *   off  size         field
 *   0    4            magic "NRFL"
 *   4    2            payload format version (FLEET_PAYLOAD_VERSION)
 *   6    1            readout kind: 1 = delta weights, 2 = ncm prototypes
 *   7    1            sender id length L, 1..64 (bytes of UTF-8)
 *   8    4            kernel ABI version of the sender
 *   12   4            state version (u32, increases with every publish of this sender)
 *   16   4            nFeat
 *   20   4            nClass
 *   24   8            published-at, ms since the Unix epoch (f64; logs only)
 *   32   32           SHA-256 of the canonical model spec (state.ts specHash)
 *   64   64           sender id, UTF-8, zero-padded
 *   128  8*nClass     own samples per class (f64, exact integers)
 *   ..   4*nFeat*nClass  values [nFeat][nClass] row-major (f32)
 *   end  4            CRC-32 (zlib polynomial, node:zlib as in checkpoints) of every byte before
 * Binary rather than JSON: a 2312x10 readout is 92 KB as f32 and would be ~3x that as text, and
 * the f32 bits travel exactly.
 */
import { crc32 } from 'node:zlib';
import { FleetPayloadError } from './errors.js';
import type { FleetState, ReadoutKind } from './state.js';

export const FLEET_PAYLOAD_MAGIC = 'NRFL';
export const FLEET_PAYLOAD_VERSION = 1;
const HEADER = 128;
const MAX_ID = 64;
/** Larger readouts are refused before any allocation (a 64 MiB message is not a readout). */
const MAX_VALUES = 16 * 1024 * 1024;
const KIND_CODE: Record<ReadoutKind, number> = { delta: 1, ncm: 2 };
const CODE_KIND: Record<number, ReadoutKind> = { 1: 'delta', 2: 'ncm' };

/** A gateway id: 1..64 bytes of [A-Za-z0-9_.-] (it is also an MQTT topic level and a broker user name). */
export const GATEWAY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

export function encodeFleetState(s: FleetState): Uint8Array {
  if (!GATEWAY_ID.test(s.sender)) throw new FleetPayloadError(`"${s.sender}"`, 'sender id must be 1..64 characters of A-Z a-z 0-9 _ . -');
  if (!Number.isInteger(s.version) || s.version < 0 || s.version > 0xffffffff) throw new FleetPayloadError(s.sender, `version ${s.version} is not a u32`);
  if (s.values.length !== s.nFeat * s.nClass || s.counts.length !== s.nClass) {
    throw new FleetPayloadError(s.sender, `${s.values.length} values and ${s.counts.length} counts do not fit ${s.nFeat}x${s.nClass}`);
  }
  if (s.specHash.length !== 32) throw new FleetPayloadError(s.sender, `spec hash has ${s.specHash.length} bytes, expected 32`);
  const id = new TextEncoder().encode(s.sender);
  const valuesAt = HEADER + 8 * s.nClass;
  const crcAt = valuesAt + 4 * s.values.length;
  const out = new Uint8Array(crcAt + 4);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(FLEET_PAYLOAD_MAGIC), 0);
  dv.setUint16(4, FLEET_PAYLOAD_VERSION, true);
  dv.setUint8(6, KIND_CODE[s.kind]);
  dv.setUint8(7, id.length);
  dv.setUint32(8, s.abiVersion, true);
  dv.setUint32(12, s.version, true);
  dv.setUint32(16, s.nFeat, true);
  dv.setUint32(20, s.nClass, true);
  dv.setFloat64(24, s.publishedAtMs, true);
  out.set(s.specHash, 32);
  out.set(id, 64);
  for (let c = 0; c < s.nClass; c++) dv.setFloat64(HEADER + 8 * c, s.counts[c], true);
  for (let k = 0; k < s.values.length; k++) dv.setFloat32(valuesAt + 4 * k, s.values[k], true);
  dv.setUint32(crcAt, crc32(out.subarray(0, crcAt)) >>> 0, true);
  return out;
}

/** Parses and checks a payload; `source` (e.g. the topic) names it in errors. */
export function decodeFleetState(bytes: Uint8Array, source: string): FleetState {
  const fail = (reason: string): never => { throw new FleetPayloadError(source, reason); };
  if (bytes.length < HEADER + 4) fail(`${bytes.length} bytes is shorter than the smallest payload (${HEADER + 4})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== FLEET_PAYLOAD_MAGIC) fail('not a neurite fleet state (bad magic bytes)');
  const format = dv.getUint16(4, true);
  if (format !== FLEET_PAYLOAD_VERSION) fail(`payload format ${format} is not supported (this build reads ${FLEET_PAYLOAD_VERSION})`);
  const kind = CODE_KIND[dv.getUint8(6)] ?? fail(`unknown readout kind code ${dv.getUint8(6)}`);
  const idLen = dv.getUint8(7);
  if (idLen < 1 || idLen > MAX_ID) fail(`sender id length ${idLen} is outside 1..${MAX_ID}`);
  const nFeat = dv.getUint32(16, true);
  const nClass = dv.getUint32(20, true);
  if (nFeat < 1 || nClass < 1 || nFeat * nClass > MAX_VALUES) fail(`readout shape ${nFeat}x${nClass} is empty or larger than ${MAX_VALUES} values`);
  const valuesAt = HEADER + 8 * nClass;
  const crcAt = valuesAt + 4 * nFeat * nClass;
  if (bytes.length !== crcAt + 4) fail(`length ${bytes.length} does not match a ${nFeat}x${nClass} readout (${crcAt + 4} bytes)`);
  const stored = dv.getUint32(crcAt, true);
  const actual = crc32(bytes.subarray(0, crcAt)) >>> 0;
  if (stored !== actual) fail(`checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`);
  let sender = '';
  try {
    sender = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(64, 64 + idLen));
  } catch {
    fail('sender id is not valid UTF-8');
  }
  if (!GATEWAY_ID.test(sender)) fail(`sender id "${sender}" has characters outside A-Z a-z 0-9 _ . -`);
  const counts = new Float64Array(nClass);
  for (let c = 0; c < nClass; c++) {
    counts[c] = dv.getFloat64(HEADER + 8 * c, true);
    if (!Number.isInteger(counts[c]) || counts[c] < 0) fail(`sample count of class ${c} is ${counts[c]}, not a non-negative integer`);
  }
  const values = new Float32Array(nFeat * nClass);
  for (let k = 0; k < values.length; k++) {
    values[k] = dv.getFloat32(valuesAt + 4 * k, true);
    if (!Number.isFinite(values[k])) fail(`value ${k} (feature ${Math.floor(k / nClass)}, class ${k % nClass}) is ${values[k]}`);
  }
  return {
    kind,
    nFeat,
    nClass,
    values,
    counts,
    sender,
    version: dv.getUint32(12, true),
    specHash: bytes.slice(32, 64),
    abiVersion: dv.getUint32(8, true),
    publishedAtMs: dv.getFloat64(24, true),
  };
}
