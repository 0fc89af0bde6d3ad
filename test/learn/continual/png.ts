/**
 * A strict PNG check for the plot tests: signature, chunk layout (IHDR first, IEND last), every
 * chunk's CRC-32, IHDR's fields, and that the IDAT stream inflates to exactly the scanlines IHDR
 * promises. Returns the size and the inflated scanlines.
 */
import { crc32, inflateSync } from 'node:zlib';
import { expect } from 'vitest';

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function checkPng(buf: Buffer): { width: number; height: number; channels: number; raw: Buffer } {
  expect([...buf.subarray(0, 8)]).toEqual(SIG);
  const chunks: { type: string; data: Buffer }[] = [];
  let o = 8;
  while (o < buf.length) {
    const len = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    const data = buf.subarray(o + 8, o + 8 + len);
    expect(buf.readUInt32BE(o + 8 + len), `CRC of ${type}`).toBe(crc32(buf.subarray(o + 4, o + 8 + len)) >>> 0);
    chunks.push({ type, data });
    o += 12 + len;
  }
  expect(o).toBe(buf.length);
  expect(chunks[0].type).toBe('IHDR');
  expect(chunks[chunks.length - 1].type).toBe('IEND');
  const ihdr = chunks[0].data;
  expect(ihdr.length).toBe(13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);
  expect(ihdr[8]).toBe(8);
  const channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[ihdr[9]];
  expect(channels).toBeDefined();
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  expect(raw.length).toBe((width * channels + 1) * height);
  return { width, height, channels, raw };
}
