/**
 * The gateway in this process (its learners in worker threads from dist/: `npm run build` first),
 * on loopback with ports 0: ingest over UDP and TCP, learning, metrics, the HTTP API's checks,
 * malformed input. Sizes are small so the file stays well under a minute on 2 cores.
 */
import { existsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../host/gateway/config.js';
import { type Gateway, type SensorStatus, startGateway } from '../../host/gateway/gateway.js';
import { encodeMessage, MSG_HEADER_BYTES } from '../../host/gateway/protocol.js';
import { StreamPacker, TcpSender, UdpSender } from '../../host/gateway/sender.js';
import { planModel } from '../../host/plan/plan.js';
import { ABI_VERSION } from '../../host/runtime/abi.js';
import { encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { configObject, digits, type Digit, getJson, OTHER_MODEL, removeTempDirs, tempDir, tick, TEST_MODEL, TOKEN, waitFor } from './helpers.js';

const sensor = (id: string, streamId: number, extra: Record<string, unknown> = {}) => ({
  id, streamId, model: TEST_MODEL, width: 34, height: 34, transform: { downsample: { factorX: 2 } },
  earlyDecision: { minEvents: 400, confidence: 0.6 }, ...extra,
});

describe('neurite serve (in process)', () => {
  let gw: Gateway;
  let stateDir: string;
  let data: Digit[];
  let udp: UdpSender;

  beforeAll(async () => {
    stateDir = tempDir();
    const cfg = validateConfig(configObject(stateDir, {
      sensors: [
        sensor('cam0', 7),
        sensor('cam1', 8),
        sensor('tiny-newest', 9, { queue: { maxEvents: 1024, batchEvents: 256, dropPolicy: 'drop-newest' } }),
        sensor('tiny-oldest', 10, { queue: { maxEvents: 1024, batchEvents: 256, dropPolicy: 'drop-oldest' } }),
        sensor('tiny-tcp', 11, { queue: { maxEvents: 1024, batchEvents: 256 } }),
      ],
    }));
    gw = await startGateway(cfg);
    udp = new UdpSender('127.0.0.1', gw.ports.udp!);
    data = digits(240);
  });

  afterAll(async () => {
    udp?.close();
    await gw?.close({ drainMs: 2000 });
    removeTempDirs();
  });

  /** The sensor's status once it has received `events` events and has nothing left to do. */
  const settled = (id: string, events: number) => waitFor(async () => {
    const s = await gw.status(id);
    return s.events.received >= events && s.events.queued === 0 && !s.samples.open ? s : null;
  }, 30_000, `sensor ${id} to receive ${events} events and finish its queue`);
  const count = (ds: Digit[]) => ds.reduce((a, d) => a + d.events.length, 0);

  it('learns labelled digits streamed over UDP (accuracy well above chance), with early decisions', async () => {
    const pk = new StreamPacker(7, 8192);
    for (let k = 0; k < data.length; k++) {
      await udp.sendAll(pk.sample(data[k].events, data[k].label));
      if (k % 8 === 7) await tick(2); // a paced sender: the gateway shares this process
    }
    const total = count(data);
    const s: SensorStatus = await settled('cam0', total);
    expect(s.events.lostMessages).toBe(0);
    expect(s.events.received).toBe(total);
    expect(s.events.processed).toBe(total);
    expect(s.samples.learned).toBe(data.length);
    expect(s.samples.accuracy!).toBeGreaterThan(0.3); // chance is 0.1
    expect(s.samples.earlyDecisions).toBeGreaterThan(0);
    expect(s.lastDecisions.length).toBeGreaterThan(0);
    expect(s.lastDecisions.at(-1)!.confidence).toBeGreaterThan(0);
    expect(s.latencyMs.samples).toBeGreaterThan(0);
  });

  it('ingests a TCP stream of length-prefixed messages for another sensor', async () => {
    const tx = await TcpSender.connect('127.0.0.1', gw.ports.tcp!);
    const pk = new StreamPacker(8, 16384);
    for (const d of data.slice(0, 60)) await tx.sendAll(pk.sample(d.events, d.label));
    await tx.close();
    const s = await settled('cam1', count(data.slice(0, 60)));
    expect(s.samples.learned).toBe(60);
    expect(s.events.received).toBe(count(data.slice(0, 60)));
    expect(s.events.dropped.queue_full).toBe(0);
  });

  it('drops by policy when a UDP queue is full, and the counts add up', async () => {
    for (const [id, sid] of [['tiny-newest', 9], ['tiny-oldest', 10]] as const) {
      const pk = new StreamPacker(sid, 1472);
      const msgs = data.slice(0, 10).flatMap((d) => pk.sample(d.events, d.label));
      await udp.burst(msgs);
      const s = await settled(id, count(data.slice(0, 10)));
      expect(s.events.lostMessages).toBe(0);
      expect(s.events.dropped.queue_full).toBeGreaterThan(0);
      expect(s.events.processed + s.events.dropped.queue_full).toBe(s.events.received);
      // Sample boundaries survive drops: every sample still ends and is learned.
      expect(s.samples.learned).toBe(10);
    }
  });

  it('pauses a TCP sender instead of dropping when its queue is full (back-pressure)', async () => {
    const tx = await TcpSender.connect('127.0.0.1', gw.ports.tcp!);
    const pk = new StreamPacker(11, 16384);
    const part = data.slice(0, 30);
    await tx.sendAll(part.flatMap((d) => pk.sample(d.events, d.label)));
    await tx.close();
    const s = await settled('tiny-tcp', count(part));
    expect(s.events.tcpPauses).toBeGreaterThan(0);
    expect(s.events.dropped.queue_full).toBe(0);
    expect(s.events.processed).toBe(count(part));
    expect(s.samples.learned).toBe(30);
  });

  it('exposes Prometheus metrics that agree with the status', async () => {
    const s = await gw.status('cam0');
    const r = await fetch(`http://127.0.0.1:${gw.ports.http}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain(`neurite_gateway_events_received_total{sensor="cam0"} ${s.events.received}`);
    expect(text).toContain(`neurite_gateway_samples_learned_total{sensor="cam0"} ${s.samples.learned}`);
    expect(text).toMatch(/neurite_gateway_events_dropped_total\{sensor="tiny-newest",reason="queue_full"\} [1-9]/);
    expect(text).toContain('neurite_gateway_queue_depth_events{sensor="cam0"} 0');
    expect(text).toMatch(/neurite_gateway_accuracy\{sensor="cam0"\} 0\.\d+/);
    expect(text).toContain('# TYPE neurite_gateway_decision_latency_seconds histogram');
    expect(text).toMatch(/neurite_gateway_decision_latency_seconds_bucket\{sensor="cam0",le="\+Inf"\} \d+/);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [-+\dInfNa.e]+)$/);
    const list = await getJson<{ sensors: SensorStatus[] }>(gw.ports.http, '/sensors');
    expect(list.body.sensors.map((x) => x.id)).toEqual(['cam0', 'cam1', 'tiny-newest', 'tiny-oldest', 'tiny-tcp']);
    expect((await getJson(gw.ports.http, '/healthz')).body.status).toBe('ok');
  });

  it('counts malformed datagrams by reason and keeps running', async () => {
    const before = gw.badMessages();
    const ok = encodeMessage(7, 0, [{ kind: 'begin', label: 1, t: 0 }]);
    const bad: Uint8Array[] = [
      new Uint8Array(3),
      Uint8Array.from(ok, (b, i) => (i === 0 ? 0x00 : b)),
      encodeMessage(999, 0, []),
      encodeMessage(7, 0, [{ kind: 'begin', label: 10, t: 0 }]), // the model has 10 classes: 0..9
      Uint8Array.from([...ok, 1, 2, 3]),
    ];
    for (let k = 0; k < 200; k++) {
      const r = new Uint8Array(MSG_HEADER_BYTES + (k % 40));
      for (let i = 0; i < r.length; i++) r[i] = (k * 31 + i * 17) & 0xff;
      bad.push(r);
    }
    await udp.sendAll(bad);
    const after = await waitFor(async () => {
      const b = gw.badMessages();
      const n = Object.values(b).reduce((a, x) => a + x, 0) - Object.values(before).reduce((a, x) => a + x, 0);
      return n === bad.length ? b : null;
    }, 10_000, 'bad datagrams to be counted');
    expect(after['udp:too_short']).toBeGreaterThanOrEqual(1);
    expect(after['udp:bad_magic']).toBeGreaterThanOrEqual(1);
    expect(after['udp:unknown_stream']).toBe(1);
    expect(after['udp:bad_label']).toBe(1);
    expect(after['udp:trailing_bytes']).toBe(1);
    expect((await getJson(gw.ports.http, '/healthz')).status).toBe(200);
  });

  it('counts malformed TCP frames and closes only the offending connection', async () => {
    const before = gw.badMessages();
    const send = (bytes: Uint8Array) => new Promise<void>((resolve) => {
      const s = net.connect(gw.ports.tcp!, '127.0.0.1', () => s.end(bytes));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const frame = (body: Uint8Array) => { const f = new Uint8Array(4 + body.length); new DataView(f.buffer).setUint32(0, body.length, true); f.set(body, 4); return f; };
    await send(frame(new Uint8Array(20))); // bad magic
    await send(Uint8Array.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3])); // a 2 GB frame: refused, connection closed
    await send(new Uint8Array(4)); // empty frame
    const ok = encodeMessage(8, 0, []);
    await send(Buffer.concat([frame(ok), frame(encodeMessage(7, 1, []))])); // second frame is another sensor's
    const after = await waitFor(async () => {
      const b = gw.badMessages();
      const d = (k: string) => (b[k] ?? 0) - (before[k] ?? 0);
      return d('tcp:bad_magic') === 1 && d('tcp:frame_too_large') === 1 && d('tcp:empty_frame') === 1 && d('tcp:wrong_stream') === 1 ? b : null;
    }, 10_000, 'bad TCP frames to be counted');
    expect(after).toBeTruthy();
    expect((await getJson(gw.ports.http, '/healthz')).status).toBe(200);
  });

  it('answers bad HTTP requests with typed errors and never falls over', async () => {
    const base = `http://127.0.0.1:${gw.ports.http}`;
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${base}/sensors/%zz`)).status).toBe(404);
    expect((await fetch(`${base}/sensors/ghost/checkpoint`, { method: 'PUT', body: 'x' })).status).toBe(404);
    const e = await fetch(`${base}/sensors/cam0/checkpoint`, { method: 'DELETE' });
    expect(e.status).toBe(405);
    expect(((await e.json()) as { error: { type: string } }).error.type).toBe('MethodNotAllowed');
    // Raw garbage on the socket: a 400 or a closed connection, nothing else.
    for (const junk of ['\x00\x01\x02 garbage\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 'PUT /sensors/cam0/checkpoint HTTP/1.1\r\nContent-Length: -5\r\n\r\n']) {
      const reply = await new Promise<string>((resolve) => {
        const s = net.connect(gw.ports.http, '127.0.0.1', () => s.write(junk));
        let got = '';
        s.on('data', (d) => { got += d.toString('latin1'); });
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
        s.setTimeout(3000, () => s.destroy());
      });
      expect(reply === '' || /^HTTP\/1\.1 4\d\d/.test(reply)).toBe(true);
    }
    expect((await getJson(gw.ports.http, '/healthz')).status).toBe(200);
  });

  it('requires the token and a bounded body for checkpoint uploads', async () => {
    const url = `http://127.0.0.1:${gw.ports.http}/sensors/cam0/checkpoint`;
    const dl = await fetch(url);
    expect(dl.status).toBe(200);
    const bytes = new Uint8Array(await dl.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 7)).toString()).toBe('NRTCKPT');
    const none = await fetch(url, { method: 'PUT', body: bytes });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { type: string } }).error.type).toBe('Unauthorized');
    expect((await fetch(url, { method: 'PUT', body: bytes, headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await fetch(url, { method: 'PUT', body: bytes, headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const big = await fetch(url, { method: 'PUT', body: new Uint8Array((1 << 20) + 1), headers: { authorization: `Bearer ${TOKEN}` } });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { type: string } }).error.type).toBe('BodyTooLarge');
  });

  it('validates an uploaded checkpoint (checksum, ABI, spec) before it replaces anything', async () => {
    const url = `http://127.0.0.1:${gw.ports.http}/sensors/cam0/checkpoint`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const original = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const before = await gw.readoutState('cam0');
    const put = async (body: Uint8Array) => {
      const r = await fetch(url, { method: 'PUT', body: Buffer.from(body), headers: auth });
      return { status: r.status, body: (await r.json()) as { error?: { type: string; message: string } } };
    };
    const corrupt = original.slice();
    corrupt[corrupt.length - 100] ^= 0xff;
    const c = await put(corrupt);
    expect(c.status).toBe(422);
    expect(c.body.error!.type).toBe('CheckpointError');
    expect(c.body.error!.message).toMatch(/checksum/);
    const abi = original.slice();
    const dv = new DataView(abi.buffer);
    dv.setUint32(12, ABI_VERSION + 1, true);
    dv.setUint32(abi.length - 4, crc32(abi.subarray(0, abi.length - 4)) >>> 0, true);
    const a = await put(abi);
    expect(a.status).toBe(422);
    expect(a.body.error!.message).toMatch(/ABI/);
    const other = encodeCheckpoint(new Runtime(planModel(validateSpec(OTHER_MODEL))));
    const o = await put(other);
    expect(o.status).toBe(422);
    expect(o.body.error!.type).toBe('SpecMismatch');
    expect(await put(new Uint8Array(10))).toMatchObject({ status: 422 });
    // Nothing changed.
    const after = await gw.readoutState('cam0');
    expect(Array.from(after.weights)).toEqual(Array.from(before.weights));
    expect(after.version).toBe(before.version);
    // A valid checkpoint of the same model replaces the learned state, and is written to disk.
    const fresh = encodeCheckpoint(new Runtime(planModel(validateSpec(TEST_MODEL))));
    const ok = await put(fresh);
    expect(ok.status).toBe(200);
    expect((await gw.readoutState('cam0')).weights.every((w) => w === 0)).toBe(true);
    expect(existsSync(join(stateDir, 'cam0.nrt'))).toBe(true);
    expect((await put(original)).status).toBe(200);
    expect(Array.from((await gw.readoutState('cam0')).weights)).toEqual(Array.from(before.weights));
  });

  it('hands its readout state out and takes a merged one in (the fleet hook)', async () => {
    const s = await gw.readoutState('cam1');
    expect(s.nClass).toBe(10);
    expect(s.nFeat * s.nClass).toBe(s.weights.length);
    expect(s.classCounts.reduce((a, b) => a + b, 0)).toBe(60);
    const merged = s.weights.map((w) => w * 0.5);
    const v = await gw.mergeReadoutState('cam1', { weights: merged, classCounts: s.classCounts.map((c) => c * 2) });
    expect(v).toBeGreaterThan(s.version);
    const t = await gw.readoutState('cam1');
    expect(Array.from(t.weights)).toEqual(Array.from(merged));
    expect(t.classCounts).toEqual(s.classCounts.map((c) => c * 2));
    await expect(gw.mergeReadoutState('cam1', { weights: new Float32Array(3) })).rejects.toThrow(/weights/);
  });

  it('checkpoints every sensor on close', async () => {
    const r = await gw.close({ drainMs: 5000 });
    expect(r.errors).toEqual([]);
    expect(r.checkpoints.map((c) => c.sensor)).toEqual(['cam0', 'cam1', 'tiny-newest', 'tiny-oldest', 'tiny-tcp']);
    for (const id of ['cam0', 'cam1']) {
      expect(existsSync(join(stateDir, `${id}.nrt`))).toBe(true);
      expect(existsSync(join(stateDir, `${id}.meta.json`))).toBe(true);
    }
  });
});

describe('neurite serve start-up', () => {
  afterAll(removeTempDirs);

  it('refuses to resume a sensor from a checkpoint of another model, and leaves nothing running', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cam0.nrt'), encodeCheckpoint(new Runtime(planModel(validateSpec(OTHER_MODEL)))));
    const cfg = validateConfig(configObject(dir));
    await expect(startGateway(cfg)).rejects.toThrow(/holds model "gateway-other", which is not the model configured for sensor "cam0"/);
  });
});
