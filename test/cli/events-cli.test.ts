/**
 * `neurite inspect` and `neurite convert` as a user meets them (through main()), on the real
 * N-MNIST and Event Stream recordings in ../shared.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../host/cli/main.js';
import { sharedPath } from '../helpers/shared.js';

const nmnist = sharedPath('fixtures/events/nmnist/tonic_sample_nmnist.bin');
const es = sharedPath('fixtures/events/es/faery_dvs.es');
const tmp = mkdtempSync(join(tmpdir(), 'neurite-events-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const lines: string[] = [];
  const errs: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    errs.push(String(s));
    return true;
  });
  try {
    const code = await main(args, (l) => lines.push(l));
    return { code, out: lines.join('\n'), err: errs.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** Chunks of a PNG, with their CRCs checked. */
function pngChunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const b = Buffer.from(png);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  let o = 8;
  while (o < b.length) {
    const len = b.readUInt32BE(o);
    const type = b.toString('latin1', o + 4, o + 8);
    const data = b.subarray(o + 8, o + 8 + len);
    expect(b.readUInt32BE(o + 8 + len)).toBe(crc32(b.subarray(o + 4, o + 8 + len)) >>> 0);
    chunks.push({ type, data });
    o += 12 + len;
  }
  expect(o).toBe(b.length);
  return chunks;
}

describe.skipIf(!nmnist)('neurite inspect', () => {
  it('--json on the tonic N-MNIST sample: exact fields (MANIFEST ground truth)', async () => {
    const r = await run(['inspect', nmnist!, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      format: 'nmnist',
      width: 34,
      height: 34,
      events: 4325,
      onEvents: 2145,
      offEvents: 2180,
      tFirstUs: 654,
      tLastUs: 311175,
      xMax: 33,
      yMax: 33,
      bytes: 21625,
      timeReversals: 0,
      sideChannels: { imu: 0, triggers: 0, frames: 0 },
    });
    expect(j.first).toEqual([
      { t: 654, x: 7, y: 15, p: 1 },
      { t: 2999, x: 19, y: 18, p: 0 },
      { t: 3017, x: 21, y: 17, p: 0 },
      { t: 3893, x: 10, y: 18, p: 0 },
      { t: 4023, x: 12, y: 9, p: 1 },
    ]);
    // The last two records, read by hand from the file's last 10 bytes (21 0c 84 bd f3 15 0e 84 bf 87).
    expect(j.last).toEqual([
      { t: 310771, x: 33, y: 12, p: 1 },
      { t: 311175, x: 21, y: 14, p: 1 },
    ]);
    expect(j.eventRate).toBeCloseTo(4325 / ((311175 - 654) / 1e6), 6);
  });

  it.skipIf(!es)('--json on the faery Event Stream recording: exact fields', async () => {
    const r = await run(['inspect', es!, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      format: 'es',
      width: 320,
      height: 240,
      events: 473225,
      tFirstUs: 0,
      tLastUs: 999000, // faery: time range ends at 0.999001 s = last t + 1
      header: { magic: 'Event Stream', version: '2.0.0', type: 'dvs', width: 320, height: 240, yOrigin: 'bottom-left' },
    });
    // First five records at byte 20 (01 0k 00 ef 00): t += 0, ON, x = k, y = 239 as stored.
    expect(j.first).toEqual([0, 1, 2, 3, 4].map((x) => ({ t: 0, x, y: 239, p: 1 })));
    // Last two records (01 71 00 4d 00, 01 26 00 2e 00): no time step after the last time.
    expect(j.last).toEqual([
      { t: 999000, x: 113, y: 77, p: 1 },
      { t: 999000, x: 38, y: 46, p: 1 },
    ]);
    expect(j.onEvents + j.offEvents).toBe(473225);
  });

  it('prints a readable report without --json', async () => {
    const r = await run(['inspect', nmnist!]);
    expect(r.code).toBe(0);
    for (const s of ['nmnist', 'sensor size', '34 x 34', '4325', '2145 / 2180', 'first events:', 't=654 x=7 y=15 p=1', 'events/s', 'side channels']) {
      expect(r.out).toContain(s);
    }
  });

  it('--frame writes a valid PNG of the sensor size', async () => {
    const out = join(tmp, 'frame.png');
    const r = await run(['inspect', nmnist!, '--frame', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).frame).toBe(out);
    const chunks = pngChunks(readFileSync(out));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0].data;
    expect(ihdr.readUInt32BE(0)).toBe(34);
    expect(ihdr.readUInt32BE(4)).toBe(34);
    expect([...ihdr.subarray(8)]).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA
    const raw = inflateSync(chunks[1].data);
    expect(raw.length).toBe((34 * 4 + 1) * 34);
    // Some red (ON) and some blue (OFF), nothing green, opaque.
    let red = 0;
    let blue = 0;
    for (let r0 = 0; r0 < 34; r0++) {
      expect(raw[r0 * 137]).toBe(0); // filter byte
      for (let c = 0; c < 34; c++) {
        const o = r0 * 137 + 1 + 4 * c;
        if (raw[o] > 0) red++;
        if (raw[o + 2] > 0) blue++;
        expect(raw[o + 1]).toBe(0);
        expect(raw[o + 3]).toBe(255);
      }
    }
    expect(red).toBeGreaterThan(50);
    expect(blue).toBeGreaterThan(50);
  });

  it.skipIf(!es)('--frame on the Event Stream file is 320x240', async () => {
    const out = join(tmp, 'es.png');
    expect((await run(['inspect', es!, '--frame', out])).code).toBe(0);
    const ihdr = pngChunks(readFileSync(out))[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([320, 240]);
  });

  it('a file without a sensor size: width/height null, --frame sized from the data (two passes)', async () => {
    const csv = join(tmp, 'nogeo.csv');
    writeFileSync(csv, 't,x,y,p\n1,0,0,1\n2,9,4,0\n3,9,4,0\n');
    const out = join(tmp, 'nogeo.png');
    const r = await run(['inspect', csv, '--json', '--frame', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ format: 'csv', width: null, height: null, events: 3, onEvents: 1, xMax: 9, yMax: 4 });
    const ihdr = pngChunks(readFileSync(out))[0].data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4)]).toEqual([10, 5]);
    const g = await run(['inspect', csv, '--json', '--geometry', '16x8']);
    expect(JSON.parse(g.out)).toMatchObject({ width: 16, height: 8 });
  });

  it('usage errors exit 2 and say what is wrong', async () => {
    const a = await run(['inspect']);
    expect(a.code).toBe(2);
    expect(a.err).toContain('give exactly one event file');
    const b = await run(['inspect', join(tmp, 'missing.bin')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('cannot read');
    const c = await run(['inspect', nmnist!, '--format', 'mp4']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('unknown event format "mp4"');
  });
});

describe.skipIf(!nmnist)('neurite convert', () => {
  it('nmnist -> csv -> npy -> nmnist is byte-exact', async () => {
    const csv = join(tmp, 'a.csv');
    const npy = join(tmp, 'a.npy');
    const back = join(tmp, 'a.bin');
    const r1 = await run(['convert', nmnist!, csv, '--json']);
    expect(r1.code).toBe(0);
    expect(JSON.parse(r1.out)).toMatchObject({ from: 'nmnist', to: 'csv', events: 4325, width: 34, height: 34 });
    const text = readFileSync(csv, 'utf8');
    expect(text.startsWith('# geometry 34x34\nt,x,y,p\n654,7,15,1\n2999,19,18,0\n')).toBe(true);
    expect((await run(['convert', csv, npy])).code).toBe(0);
    const npyBytes = readFileSync(npy);
    expect(npyBytes.toString('latin1', 0, 6)).toBe('\x93NUMPY');
    expect(npyBytes.toString('latin1', 10, 128)).toContain("'shape': (4325,)");
    expect((await run(['convert', npy, back])).code).toBe(0);
    expect(Buffer.compare(readFileSync(back), readFileSync(nmnist!))).toBe(0);
    // --to overrides the extension; a .tsv gets tabs.
    const tsv = join(tmp, 'a.tsv');
    expect((await run(['convert', nmnist!, tsv])).code).toBe(0);
    expect(readFileSync(tsv, 'utf8').split('\n')[1]).toBe('t\tx\ty\tp');
    const odd = join(tmp, 'a.events');
    expect((await run(['convert', nmnist!, odd, '--to', 'npy'])).code).toBe(0);
    expect(Buffer.compare(readFileSync(odd), npyBytes)).toBe(0);
  });

  it.skipIf(!es)('es -> npy -> es reproduces the original bytes (geometry given back with --geometry)', async () => {
    const npy = join(tmp, 'b.npy');
    const back = join(tmp, 'b.es');
    expect((await run(['convert', es!, npy])).code).toBe(0);
    // .npy stores no sensor size, so Event Stream output needs one.
    const noGeo = await run(['convert', npy, back]);
    expect(noGeo.code).toBe(1);
    expect(noGeo.err).toContain('needs the sensor size');
    expect(existsSync(back)).toBe(false);
    expect((await run(['convert', npy, back, '--geometry', '320x240'])).code).toBe(0);
    expect(Buffer.compare(readFileSync(back), readFileSync(es!))).toBe(0);
  });

  it('an unknown output extension is a clear usage error and writes nothing', async () => {
    const before = readdirSync(tmp).length;
    const r = await run(['convert', nmnist!, join(tmp, 'out.xyz')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot tell the output format from the extension "\.xyz"/);
    expect(r.err).toContain('--to');
    for (const id of ['csv', 'npy', 'es', 'nmnist']) expect(r.err).toContain(id);
    expect(readdirSync(tmp).length).toBe(before);
    const same = await run(['convert', nmnist!, nmnist!]);
    expect(same.code).toBe(2);
    expect(same.err).toContain('same file');
    const one = await run(['convert', nmnist!]);
    expect(one.code).toBe(2);
    expect(one.err).toContain('give an input and an output file');
  });

  it('an encoder error leaves no partial output', async () => {
    // N-MNIST cannot hold x >= 256: convert a wide ES file to .bin.
    if (!es) return;
    const out = join(tmp, 'wide.bin');
    const r = await run(['convert', es, out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nmnist event \d+: x = \d+ does not fit in one byte|y = 240 is reserved/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).some((f) => f.includes('.partial-'))).toBe(false);
  });
});
