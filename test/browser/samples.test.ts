/**
 * How the page turns picked files into samples (web/samples.ts) and reads zip archives
 * (web/zip.ts). Both are DOM-free, so they run here in Node, on Blobs, as in the browser.
 */
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { UsageError } from '../../host/errors.js';
import { collectSamples, parseLabelTable, type PickedFile } from '../../web/samples.js';
import { crc32, readZipEntries, readZipEntry } from '../../web/zip.js';

const picked = (path: string, data: string | Uint8Array<ArrayBuffer> = 'x'): PickedFile => {
  const file = new Blob([data]);
  const slash = path.lastIndexOf('/');
  return { name: path.slice(slash + 1), webkitRelativePath: slash >= 0 ? path : '', file, text: () => file.text() };
};

/** A minimal zip writer for the tests (local headers, central directory, end record). */
function makeZip(entries: { path: string; data: Uint8Array; deflate: boolean }[], damage?: (b: Uint8Array) => void): Uint8Array<ArrayBuffer> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.path);
    const body = e.deflate ? new Uint8Array(deflateRawSync(e.data)) : e.data;
    const crc = zlibCrc32(e.data) >>> 0;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, e.deflate ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, e.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, e.deflate ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, e.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    parts.push(local, body);
    central.push(cd);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of all) { out.set(p, o); o += p.length; }
  damage?.(out);
  return out;
}

describe('label tables', () => {
  test('parses a sample<TAB>label table after its header; CRLF and blank lines are fine', () => {
    const t = parseLabelTable('sample\tlabel\r\na\t3\r\n\r\nb\t10\n', 'labels.tsv');
    expect([...t]).toEqual([['a', 3], ['b', 10]]);
  });

  test('says which line is wrong and why', () => {
    expect(() => parseLabelTable('h\na\t1\t2\n', 'l.tsv')).toThrow(/l\.tsv:2: expected 2 TAB-separated columns, found 3/);
    expect(() => parseLabelTable('h\na\tseven\n', 'l.tsv')).toThrow(/l\.tsv:2: label must be an integer in 0\.\.255/);
    expect(() => parseLabelTable('h\na\t256\n', 'l.tsv')).toThrow(UsageError);
    expect(() => parseLabelTable('h\na\t1\na\t2\n', 'l.tsv')).toThrow(/l\.tsv:3: sample listed twice \(first on line 2\)/);
  });
});

describe('picked files to samples', () => {
  test('a label table decides labels and order; unlisted samples follow by path with folder labels', async () => {
    const c = await collectSamples([
      picked('d/Train/7/b.bin'), picked('d/Train/2/a.bin'), picked('d/Train/x/c.bs2'), picked('d/z.bin'),
      picked('d/labels.tsv', 'sample\tlabel\nz\t4\nb\t5\n'), picked('d/rec.aedat4'),
    ]);
    expect(c.samples.map((s) => [s.name, s.label])).toEqual([
      ['d/z.bin', 4], ['d/Train/7/b.bin', 5], ['d/Train/2/a.bin', 2], ['d/Train/x/c.bs2', null],
    ]);
    expect(c.labelTable).toBe('d/labels.tsv');
    expect(c.recordings.map((r) => r.name)).toEqual(['d/rec.aedat4']);
  });

  test('without a table, files are ordered by path and labelled by numbered folders only', async () => {
    const c = await collectSamples([picked('s2.bin'), picked('s10.bin'), picked('N/Test/9/q.bin')]);
    expect(c.samples.map((s) => [s.name, s.label])).toEqual([['N/Test/9/q.bin', 9], ['s10.bin', null], ['s2.bin', null]]);
  });

  test('two label tables are refused', async () => {
    await expect(collectSamples([picked('a.tsv', 'h\n'), picked('b.tsv', 'h\n')])).rejects.toThrow(/at most one label table/);
  });

  test('a zip archive counts as the folder it holds, read lazily and checked', async () => {
    const bin = new Uint8Array(5 * 300).map((_, i) => (i * 7) & 0x7f);
    const zip = makeZip([
      { path: 'N/Train/3/00001.bin', data: bin, deflate: true },
      { path: 'N/Train/8/00002.bin', data: bin.slice(0, 10), deflate: false },
      { path: '__MACOSX/N/._x.bin', data: bin, deflate: false },
      { path: 'N/labels.tsv', data: new TextEncoder().encode('sample\tlabel\n00002\t1\n'), deflate: true },
    ]);
    const c = await collectSamples([picked('n.zip', zip)]);
    expect(c.samples.map((s) => [s.name, s.label])).toEqual([['n.zip/N/Train/8/00002.bin', 1], ['n.zip/N/Train/3/00001.bin', 3]]);
    const first = c.samples[1];
    expect(await readZipEntry(first.file, first.zip!, first.name)).toEqual(bin);
  });

  test('damaged or unsupported archives are refused with the reason', async () => {
    const data = new TextEncoder().encode('hello hello hello');
    await expect(readZipEntries(new Blob([new Uint8Array(40)]), 'a.zip')).rejects.toThrow(/a\.zip: not a zip archive/);
    const flipped = makeZip([{ path: 'x.bin', data, deflate: false }], (b) => { b[31 + 5] ^= 0xff; });
    const [e] = await readZipEntries(new Blob([flipped]), 'f.zip');
    await expect(readZipEntry(new Blob([flipped]), e, 'f.zip/x.bin')).rejects.toThrow(/f\.zip\/x\.bin: CRC-32 .* damaged/);
    // Method 14 (LZMA) in the central directory entry, which starts after the 30 + 5 + 17 bytes of the local entry.
    const lzma = makeZip([{ path: 'x.bin', data, deflate: false }], (b) => { b[52 + 10] = 14; });
    const [l] = await readZipEntries(new Blob([lzma]), 'l.zip');
    expect(l.method).toBe(14);
    await expect(readZipEntry(new Blob([lzma]), l, 'l.zip/x.bin')).rejects.toThrow(/compression method 14 is not supported/);
    const z64 = makeZip([{ path: 'x.bin', data, deflate: false }], (b) => { new DataView(b.buffer).setUint32(b.length - 6, 0xffffffff, true); });
    await expect(readZipEntries(new Blob([z64]), 'z.zip')).rejects.toThrow(/ZIP64/);
  });

  test('the CRC-32 matches zlib on sizes across the table loop', () => {
    for (const n of [0, 1, 3, 255, 1000]) {
      const d = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
      expect(crc32(d)).toBe(zlibCrc32(d) >>> 0);
    }
  });
});
