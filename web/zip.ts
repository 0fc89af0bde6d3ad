/**
 * Reading sample files out of a .zip archive in the browser, so a user can pick one archive of a
 * dataset (e.g. a zipped N-MNIST folder) instead of thousands of files.
 *
 * Only the parts of the ZIP format (PKWARE APPNOTE, sections 4.3.7, 4.3.12, 4.3.16) needed for that
 * are read: the end-of-central-directory record, the central directory (names, methods, sizes,
 * local header offsets) and, when an entry is read, its local header. Entries are "stored"
 * (method 0) or "deflated" (method 8, inflated with the browser's DecompressionStream). Nothing
 * is decompressed up front: an entry is read only when the worker reaches its sample, so an
 * archive larger than memory still works. Each entry's CRC-32 is checked after reading (a table
 * CRC here, because node:zlib's crc32, which the host uses, does not exist in a browser). ZIP64,
 * encryption and multi-part archives are refused with an error that says so.
 */
import { UsageError } from '../host/errors.js';

/** Where an entry's bytes are in its archive. */
export interface ZipLocation {
  readonly localOffset: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly method: number;
  readonly crc32: number;
}

export interface ZipEntry extends ZipLocation {
  /** Path inside the archive, '/'-separated. */
  readonly path: string;
}

const EOCD_SIG = 0x06054b50;
const CD_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

async function bytes(blob: Blob, from: number, to: number): Promise<DataView> {
  const buf = await blob.slice(from, to).arrayBuffer();
  return new DataView(buf);
}

/** The archive's file entries (directories left out), in central-directory order. */
export async function readZipEntries(zip: Blob, source: string): Promise<ZipEntry[]> {
  const bad = (why: string): UsageError => new UsageError(`${source}: ${why}`);
  if (zip.size < EOCD_MIN) throw bad(`${zip.size} bytes is too short for a zip archive`);
  const tailStart = Math.max(0, zip.size - EOCD_MIN - MAX_COMMENT);
  const tail = await bytes(zip, tailStart, zip.size);
  let eocd = -1;
  for (let i = tail.byteLength - EOCD_MIN; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD_SIG) { eocd = i; break; }
  }
  if (eocd < 0) throw bad('not a zip archive (no end-of-central-directory record)');
  const disk = tail.getUint16(eocd + 4, true);
  const count = tail.getUint16(eocd + 10, true);
  const cdSize = tail.getUint32(eocd + 12, true);
  const cdOffset = tail.getUint32(eocd + 16, true);
  if (disk !== 0) throw bad('multi-part zip archives are not supported');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw bad('ZIP64 archives are not supported; make a plain zip (under 4 GiB, under 65535 files)');
  if (cdOffset + cdSize > zip.size) throw bad(`central directory at ${cdOffset} + ${cdSize} bytes runs past the end (${zip.size} bytes)`);
  const cd = await bytes(zip, cdOffset, cdOffset + cdSize);
  const names = new TextDecoder();
  const entries: ZipEntry[] = [];
  let o = 0;
  for (let k = 0; k < count; k++) {
    if (o + 46 > cd.byteLength || cd.getUint32(o, true) !== CD_SIG) throw bad(`central directory entry ${k} at byte ${cdOffset + o} is damaged`);
    const flags = cd.getUint16(o + 8, true);
    const method = cd.getUint16(o + 10, true);
    const crc32 = cd.getUint32(o + 16, true);
    const compressedSize = cd.getUint32(o + 20, true);
    const size = cd.getUint32(o + 24, true);
    const n = cd.getUint16(o + 28, true);
    const extra = cd.getUint16(o + 30, true);
    const comment = cd.getUint16(o + 32, true);
    const localOffset = cd.getUint32(o + 42, true);
    if (o + 46 + n > cd.byteLength) throw bad(`central directory entry ${k} at byte ${cdOffset + o} is damaged`);
    const path = names.decode(new Uint8Array(cd.buffer, o + 46, n));
    o += 46 + n + extra + comment;
    if (path.endsWith('/')) continue;
    if (flags & 1) throw bad(`${path} is encrypted; encrypted archives are not supported`);
    entries.push({ path, method, compressedSize, size, localOffset, crc32 });
  }
  return entries;
}

/** The bytes of one entry (its local header is read to find where the data starts). */
export async function readZipEntry(zip: Blob, at: ZipLocation, name: string): Promise<Uint8Array<ArrayBuffer>> {
  const bad = (why: string): UsageError => new UsageError(`${name}: ${why}`);
  const head = await bytes(zip, at.localOffset, at.localOffset + 30);
  if (head.byteLength < 30 || head.getUint32(0, true) !== LOCAL_SIG) throw bad(`no local header at byte ${at.localOffset} of the archive`);
  const start = at.localOffset + 30 + head.getUint16(26, true) + head.getUint16(28, true);
  if (start + at.compressedSize > zip.size) throw bad('entry runs past the end of the archive');
  const data = zip.slice(start, start + at.compressedSize);
  let out: Uint8Array<ArrayBuffer>;
  if (at.method === 0) out = new Uint8Array(await data.arrayBuffer());
  else if (at.method === 8) {
    try {
      out = new Uint8Array(await new Response(data.stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer());
    } catch (e) {
      throw bad(`damaged deflate data (${(e as Error).message})`);
    }
  } else throw bad(`compression method ${at.method} is not supported (only stored and deflated entries)`);
  if (out.length !== at.size) throw bad(`${out.length} bytes after decompression, the archive says ${at.size}`);
  const crc = crc32(out);
  if (crc !== at.crc32) throw bad(`CRC-32 ${hex(crc)} does not match the archive's ${hex(at.crc32)}: the entry is damaged`);
  return out;
}

const hex = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

let crcTable: Uint32Array | null = null;

/** CRC-32 with the zip/zlib polynomial (reflected 0xEDB88320), as APPNOTE 4.4.7 specifies. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
