import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage, encodeMessage, EVENT_BYTES, eventWord, FrameSplitter, MSG_HEADER_BYTES, type OutRecord, tcpFrame,
} from '../../host/gateway/protocol.js';
import { StreamPacker } from '../../host/gateway/sender.js';
import { makeBatch, allocBatch } from '../../host/events/types.js';
import { fuzzRuns } from '../helpers/fuzz.js';

const eventArb = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 0, max: 1 }));
const recordArb: fc.Arbitrary<OutRecord> = fc.oneof(
  fc.array(eventArb, { maxLength: 20 }).map((ev) => ({
    kind: 'events' as const, t: ev.map((e) => e[0]), x: ev.map((e) => e[1]), y: ev.map((e) => e[2]), p: ev.map((e) => e[3]),
  })),
  fc.record({ kind: fc.constantFrom('begin' as const, 'end' as const), label: fc.option(fc.integer({ min: 0, max: 0xfffe }), { nil: null }), t: fc.integer({ min: 0, max: 0xffffffff }) }),
);

/** Reads the events of a decoded message back as (t, x, y, p). */
function eventsOf(buf: Uint8Array, spans: readonly (readonly [number, number])[]): number[][] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: number[][] = [];
  for (const [a, b] of spans) {
    for (let p = a; p < b; p += EVENT_BYTES) {
      const w = dv.getUint32(p, true);
      out.push([dv.getUint32(p + 4, true), (w >>> 16) & 0x7fff, w & 0x7fff, (w >>> 15) & 1]);
    }
  }
  return out;
}

describe('gateway message framing', () => {
  it('round-trips any message: header, events and markers in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.array(recordArb, { maxLength: 8 }), (sid, seq, recs) => {
        const buf = encodeMessage(sid, seq, recs);
        const m = decodeMessage(buf);
        expect(m.ok).toBe(true);
        if (!m.ok) return;
        expect(m.streamId).toBe(sid);
        expect(m.seq).toBe(seq);
        const evs = recs.flatMap((r) => (r.kind === 'events' ? Array.from(r.t, (t, i) => [t, r.x[i], r.y[i], r.p[i]]) : []));
        expect(eventsOf(buf, m.spans)).toEqual(evs);
        expect(m.events).toBe(evs.length);
        let at = 0;
        const markers: unknown[] = [];
        for (const r of recs) {
          if (r.kind === 'events') at += r.t.length;
          else markers.push({ at, kind: r.kind, label: r.label, t: r.t });
        }
        expect(m.markers).toEqual(markers);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('uses AEStream\'s timestamped address word (x << 16 | p << 15 | y, bit 31 clear)', () => {
    expect(eventWord(345, 259, 1)).toBe(((345 << 16) | 0x8000 | 259) >>> 0);
    expect(eventWord(0x7fff, 0x7fff, 0) & 0x80000000).toBe(0);
  });

  it('never throws on random bytes, and refuses truncations and corruptions of valid messages with a reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const m = decodeMessage(bytes);
        if (!m.ok) expect(typeof m.reason).toBe('string');
      }),
      { numRuns: fuzzRuns(10_000) },
    );
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 5 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), (recs, cut, pos, xor) => {
        const buf = encodeMessage(1, 1, recs);
        // Any strict prefix is refused (the records must fill the message exactly).
        const k = cut % buf.length;
        const t = decodeMessage(buf.subarray(0, k));
        expect(t.ok).toBe(false);
        // A flipped byte either is refused or decodes to a message that re-encodes to those bytes.
        const c = buf.slice();
        c[pos % c.length] ^= xor;
        const d = decodeMessage(c);
        if (d.ok) expect(d.events * EVENT_BYTES + MSG_HEADER_BYTES).toBeLessThanOrEqual(c.length);
      }),
      { numRuns: fuzzRuns(10_000) },
    );
  });

  it('names the reason of each kind of bad message', () => {
    const good = encodeMessage(3, 9, [{ kind: 'begin', label: 2, t: 5 }]);
    const mut = (f: (b: Uint8Array) => void): Uint8Array => { const b = good.slice(); f(b); return b; };
    expect(decodeMessage(good.subarray(0, 10))).toEqual({ ok: false, reason: 'too_short' });
    expect(decodeMessage(mut((b) => { b[0] = 0; }))).toEqual({ ok: false, reason: 'bad_magic' });
    expect(decodeMessage(mut((b) => { b[4] = 2; }))).toEqual({ ok: false, reason: 'bad_version' });
    expect(decodeMessage(mut((b) => { b[14] = 1; }))).toEqual({ ok: false, reason: 'bad_reserved' });
    expect(decodeMessage(mut((b) => { b[16] = 0x51; }))).toEqual({ ok: false, reason: 'unknown_record' });
    expect(decodeMessage(mut((b) => { b[12] = 2; }))).toEqual({ ok: false, reason: 'truncated_record' });
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(decodeMessage(longer)).toEqual({ ok: false, reason: 'trailing_bytes' });
  });

  it('splits a TCP stream into the same frames however it is chunked, and stops at an oversized length', () => {
    fc.assert(
      fc.property(fc.array(fc.array(recordArb, { maxLength: 3 }), { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (msgs, cuts) => {
        const encoded = msgs.map((r, k) => encodeMessage(1, k, r));
        const stream = Buffer.concat(encoded.map((m) => tcpFrame(m)));
        const sp = new FrameSplitter(1 << 20);
        const got: Uint8Array[] = [];
        let p = 0;
        let c = 0;
        while (p < stream.length) {
          const n = cuts[c++ % cuts.length];
          got.push(...sp.push(stream.subarray(p, p + n)));
          p += n;
        }
        expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(encoded.map((g) => Buffer.from(g).toString('hex')));
        expect(sp.buffered).toBe(0);
      }),
      { numRuns: fuzzRuns(1000) },
    );
    const sp = new FrameSplitter(100);
    const big = new Uint8Array(8);
    new DataView(big.buffer).setUint32(0, 101, true);
    expect(sp.push(big)).toEqual([]);
    expect(sp.failed).toBe('frame_too_large');
    expect(sp.push(tcpFrame(encodeMessage(1, 1, [])))).toEqual([]);
    const zero = new FrameSplitter(100);
    zero.push(new Uint8Array(4));
    expect(zero.failed).toBe('empty_frame');
  });

  it('packs a sample into messages within the size limit, with begin and end records and consecutive sequence numbers', () => {
    const n = 1000;
    const b = allocBatch(n);
    for (let i = 0; i < n; i++) { b.t[i] = i * 10; b.x[i] = i % 34; b.y[i] = (i * 7) % 34; b.p[i] = i & 1; }
    const pk = new StreamPacker(4, 512);
    const msgs = pk.sample(makeBatch(b, n), 3);
    let events = 0;
    const markers: string[] = [];
    msgs.forEach((m, k) => {
      expect(m.length).toBeLessThanOrEqual(512);
      const d = decodeMessage(m);
      if (!d.ok) throw new Error(d.reason);
      expect(d.seq).toBe(k);
      events += d.events;
      for (const mk of d.markers) markers.push(`${mk.kind}:${mk.label}`);
    });
    expect(events).toBe(n);
    expect(markers).toEqual(['begin:3', 'end:3']);
    expect(pk.clockUs).toBeGreaterThan(9990);
  });
});
