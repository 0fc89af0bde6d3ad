/**
 * Fleet protocol against a real Mosquitto (test/helpers/mosquitto.ts): credentials, ACLs,
 * retained states, version checks, refusal of other models, broker restart. The readouts here are
 * small NCM prototype tables filled with known numbers, so every merge result is checked exactly;
 * test/fleet/learning.test.ts checks what merging does for accuracy.
 */
import { connectAsync } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FleetMember, type FleetClientConfig, FleetAuthError, NcmReadoutAccess, stateTopic, encodeFleetState, specHash, FleetMismatchError, FleetPayloadError } from '../../host/fleet/index.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { ABI_VERSION } from '../../host/runtime/abi.js';
import { mosquittoAvailable, startBroker, type TestBroker } from '../helpers/mosquitto.js';

const FLEET = { fleet: 'lab', gateways: ['gw-a', 'gw-b', 'gw-c', 'gw-d'].map((id) => ({ id, password: `pw-${id}-secret` })) };
const spec = loadModelSpec('nmnist-stdp-wta');
const N_FEAT = 6;
const N_CLASS = 3;

/** A prototype table whose class c mean is `value` in every feature, from `n` samples. */
function table(perClass: [number, number][]): NcmReadoutAccess {
  const mu = new Float32Array(N_FEAT * N_CLASS);
  const counts = new Int32Array(N_CLASS);
  perClass.forEach(([value, n], c) => {
    counts[c] = n;
    for (let f = 0; f < N_FEAT; f++) mu[f * N_CLASS + c] = value;
  });
  return new NcmReadoutAccess(mu, counts, N_FEAT, N_CLASS);
}

const have = mosquittoAvailable();
describe.skipIf(!have)('fleet over Mosquitto', () => {
  let broker: TestBroker;
  const members: FleetMember[] = [];
  const cfg = (id: string, extra: Partial<FleetClientConfig> = {}): FleetClientConfig => ({
    brokerUrl: broker.url, gatewayId: id, password: `pw-${id}-secret`, fleet: 'lab', reconnectMinMs: 50, reconnectMaxMs: 400, ...extra,
  });
  const member = (id: string, readout: NcmReadoutAccess, extra: Partial<FleetClientConfig> = {}) => {
    const m = new FleetMember({ config: cfg(id, extra), readout, spec });
    members.push(m);
    return m;
  };

  beforeAll(async () => {
    broker = await startBroker({ fleet: FLEET });
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop()));
  });
  afterAll(async () => {
    await broker?.dispose();
  });

  it('merges retained states by sample weight; a newcomer starts from them', async () => {
    const a = table([[1, 10], [0, 0], [0, 0]]);
    const b = table([[4, 30], [2, 5], [0, 0]]);
    const ma = member('gw-a', a);
    const mb = member('gw-b', b);
    await ma.start();
    await mb.start();
    await ma.waitForPeers(['gw-b'], 1, 5000);
    // Class 0: (1*10 + 4*30) / 40 = 3.25; class 1: only b's samples; class 2: nobody's.
    const merged = a.merge([...ma.peers().values()]);
    expect(Array.from(merged.counts)).toEqual([40, 5, 0]);
    expect(merged.values[0]).toBeCloseTo(3.25, 6);
    expect(merged.values[1]).toBeCloseTo(2, 6);
    // The own contribution is recovered exactly after merging: publishing it again double-counts nothing.
    expect(Array.from(a.contribution().counts)).toEqual([10, 0, 0]);
    expect(a.contribution().values[0]).toBeCloseTo(1, 5);

    const d = table([[0, 0], [0, 0], [0, 0]]);
    const md = member('gw-d', d);
    await md.start();
    // gw-d learned nothing itself, yet holds the fleet's knowledge from the retained messages.
    expect(md.peers().size).toBe(2);
    const dState = d.merge([...md.peers().values()]);
    expect(Array.from(dState.counts)).toEqual([40, 5, 0]);
    expect(dState.values[0]).toBeCloseTo(3.25, 6);
    expect(md.stats.published).toBe(0);
  });

  it('ignores stale versions and refuses other models, counting each', async () => {
    const a = table([[1, 10], [0, 0], [0, 0]]);
    const ma = member('gw-a', a);
    await ma.start();
    const errors: Error[] = [];
    const mc = new FleetMember({ config: cfg('gw-c'), readout: table([[0, 0], [0, 0], [0, 0]]), spec, onEvent: (e) => { if (e.type === 'error') errors.push(e.error); } });
    members.push(mc);
    await mc.start();
    await mc.waitForPeers(['gw-a'], 1, 5000);
    const v = mc.peers().get('gw-a')!.version;
    // gw-a itself (its credentials) re-sends an older version, another spec, and garbage.
    const raw = await connectAsync(broker.url, { username: 'gw-a', password: 'pw-gw-a-secret', protocolVersion: 5, reconnectPeriod: 0 });
    try {
      const topic = stateTopic('neurite/fleet', 'lab', 'gw-a');
      const base = { ...a.contribution(), sender: 'gw-a', abiVersion: ABI_VERSION, publishedAtMs: 0 };
      await raw.publishAsync(topic, Buffer.from(encodeFleetState({ ...base, version: v, specHash: specHash(spec) })), { qos: 1 });
      await raw.publishAsync(topic, Buffer.from(encodeFleetState({ ...base, version: v + 1, specHash: specHash({ ...spec, seed: 99 }) })), { qos: 1 });
      const bad = encodeFleetState({ ...base, version: v + 2, specHash: specHash(spec) });
      bad[bad.length - 10] ^= 0xff;
      await raw.publishAsync(topic, Buffer.from(bad), { qos: 1 });
      await mc.waitFor(() => mc.stats.stale + mc.stats.refused + mc.stats.corrupt >= 3, 5000);
    } finally {
      await raw.endAsync();
    }
    expect(mc.stats).toMatchObject({ stale: 1, refused: 1, corrupt: 1 });
    expect(errors.some((e) => e instanceof FleetMismatchError && e.field === 'specHash')).toBe(true);
    expect(errors.some((e) => e instanceof FleetPayloadError && /checksum/.test(e.message))).toBe(true);
    expect(mc.peers().get('gw-a')!.version).toBe(v);
  });

  it('refuses wrong credentials with a typed error and does not retry', async () => {
    const m = new FleetMember({ config: cfg('gw-b', { password: 'wrong' }), readout: table([[0, 0], [0, 0], [0, 0]]), spec });
    members.push(m);
    const err = await m.start().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FleetAuthError);
    // Mosquitto 2.0 answers a wrong password with 0x87 "not authorized" (0x86 on some versions).
    expect([0x86, 0x87]).toContain((err as FleetAuthError).reasonCode);
    expect(m.stats.reconnects).toBe(0);
    const unknown = new FleetMember({ config: cfg('intruder', { password: 'x' }), readout: table([[0, 0], [0, 0], [0, 0]]), spec });
    members.push(unknown);
    await expect(unknown.start()).rejects.toBeInstanceOf(FleetAuthError);
  });

  it('the ACL keeps a gateway out of another gateway\'s topic', async () => {
    const b = table([[7, 3], [0, 0], [0, 0]]);
    const mb = member('gw-b', b);
    await mb.start();
    const raw = await connectAsync(broker.url, { username: 'gw-a', password: 'pw-gw-a-secret', protocolVersion: 5, reconnectPeriod: 0 });
    let refused: unknown = null;
    try {
      const forged = encodeFleetState({ ...table([[100, 1000], [0, 0], [0, 0]]).contribution(), sender: 'gw-b', version: 99, specHash: specHash(spec), abiVersion: ABI_VERSION, publishedAtMs: 0 });
      await raw.publishAsync(stateTopic('neurite/fleet', 'lab', 'gw-b'), Buffer.from(forged), { qos: 1, retain: true }).catch((e: unknown) => (refused = e));
    } finally {
      await raw.endAsync();
    }
    expect(String(refused)).toMatch(/Not authorized/i);
    // A fresh reader still sees gw-b's own state, not the forgery.
    const mc = member('gw-c', table([[0, 0], [0, 0], [0, 0]]));
    await mc.start();
    const seen = mc.peers().get('gw-b')!;
    expect(seen.version).toBeLessThan(99);
    expect(seen.values[0]).toBe(7);
  });

  it('after a broker restart that lost every retained message, gateways reconnect and resynchronise', async () => {
    const a = table([[1, 10], [0, 0], [0, 0]]);
    const b = table([[0, 0], [5, 20], [0, 0]]);
    const ma = member('gw-a', a);
    const mb = member('gw-b', b);
    await ma.start();
    await mb.start();
    await ma.waitForPeers(['gw-b'], 1, 5000);
    await mb.waitForPeers(['gw-a'], 1, 5000);
    const before = { a: ma.currentVersion, b: mb.currentVersion };
    await broker.restart(); // persistence off: the retained states are gone
    await ma.waitConnected(10_000);
    await mb.waitConnected(10_000);
    expect(ma.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(ma.currentVersion).toBeGreaterThan(before.a); // re-published
    expect(mb.currentVersion).toBeGreaterThan(before.b);
    // A newcomer after the restart gets both states back from the re-published retained messages.
    const d = table([[0, 0], [0, 0], [0, 0]]);
    const md = member('gw-d', d);
    await md.start();
    const merged = d.merge([...md.peers().values()]);
    expect(Array.from(merged.counts)).toEqual([10, 20, 0]);
    expect(merged.values[0]).toBeCloseTo(1, 6);
    expect(merged.values[1]).toBeCloseTo(5, 6);
  });
});
