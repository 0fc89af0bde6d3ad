/**
 * Fleet state payload and merge rule, without a broker: round trip, every corruption refused with
 * a typed error, compatibility checks, and the sample-weighted merge on hand-computed numbers.
 */
import { describe, expect, it } from 'vitest';
import {
  checkCompatible, DeltaReadoutAccess, decodeFleetState, encodeFleetState, FleetMismatchError, FleetPayloadError, type FleetState, mergeStates,
  mosquittoAcl, NcmReadoutAccess, resolveFleetConfig, FleetConfigError, specHash,
} from '../../host/fleet/index.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { validateSpec } from '../../host/spec/validate.js';
import { validateConfig } from '../../host/gateway/config.js';
import { ConfigError } from '../../host/errors.js';
import { registerFleetSection } from '../../host/fleet/gateway.js';
import { configObject } from '../gateway/helpers.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';

const spec = loadModelSpec('nmnist-stdp-wta');

function state(over: Partial<FleetState> = {}): FleetState {
  const nFeat = 5, nClass = 3;
  const values = new Float32Array(nFeat * nClass).map((_, k) => Math.fround(k * 0.37 - 1.5));
  return { kind: 'delta', nFeat, nClass, values, counts: Float64Array.from([3, 0, 11]), sender: 'gw-1', version: 7, specHash: specHash(spec), abiVersion: 1, publishedAtMs: 1700000000000, ...over };
}

describe('fleet payload', () => {
  it('round-trips every field bit for bit', () => {
    const s = state({ kind: 'ncm', values: Float32Array.from({ length: 15 }, (_, k) => (k === 3 ? -0 : k === 4 ? 1e-40 : k / 7)) });
    const bytes = encodeFleetState(s);
    expect(bytes.length).toBe(128 + 8 * 3 + 4 * 15 + 4);
    const d = decodeFleetState(bytes, 'test');
    expect(d).toEqual({ ...s, specHash: s.specHash });
    expect(Object.is(d.values[3], -0)).toBe(true);
  });

  it('refuses truncation, every flipped byte, bad magic, kind and shape with FleetPayloadError', () => {
    const bytes = encodeFleetState(state());
    expect(() => decodeFleetState(bytes.subarray(0, bytes.length - 1), 't')).toThrow(FleetPayloadError);
    expect(() => decodeFleetState(bytes.subarray(0, 20), 't')).toThrow(/shorter/);
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i] ^= 0x5a;
      expect(() => decodeFleetState(bad, 't'), `byte ${i}`).toThrow(FleetPayloadError);
    }
    expect(() => decodeFleetState(new Uint8Array(bytes.length), 't')).toThrow(/magic/);
  });

  it('refuses non-integer counts and non-finite values even with a valid checksum', () => {
    expect(() => decodeFleetState(encodeFleetState(state({ counts: Float64Array.from([1.5, 0, 0]) })), 't')).toThrow(/class 0/);
    const v = state().values.slice();
    v[4] = NaN;
    expect(() => decodeFleetState(encodeFleetState(state({ values: v })), 't')).toThrow(/value 4/);
    expect(() => encodeFleetState(state({ sender: 'a/b' }))).toThrow(FleetPayloadError);
  });

  it('checkCompatible names the field that differs', () => {
    const ours = { kind: 'delta' as const, nFeat: 5, nClass: 3, specHash: specHash(spec), abiVersion: 1 };
    expect(() => checkCompatible(state(), ours)).not.toThrow();
    const cases: [Partial<FleetState>, string][] = [
      [{ abiVersion: 2 }, 'abiVersion'],
      [{ specHash: specHash({ ...spec, seed: 2 }) }, 'specHash'],
      [{ kind: 'ncm' }, 'kind'],
      [{ nFeat: 4, values: new Float32Array(12) }, 'shape'],
    ];
    for (const [over, field] of cases) {
      const e = (() => { try { checkCompatible(state(over), ours); return null; } catch (x) { return x; } })();
      expect(e).toBeInstanceOf(FleetMismatchError);
      expect((e as FleetMismatchError).field).toBe(field);
    }
    // Key order does not change the hash; content does.
    const reordered = JSON.parse(JSON.stringify({ readout: spec.readout, ...spec }));
    expect(specHash(reordered)).toEqual(specHash(spec));
  });
});

describe('merge rule', () => {
  it('ncm: per-class sample-weighted means; delta: whole-matrix weights by total samples', () => {
    const a = { nFeat: 1, nClass: 2, values: Float32Array.from([2, 10]), counts: Float64Array.from([1, 3]) };
    const b = { nFeat: 1, nClass: 2, values: Float32Array.from([5, 99]), counts: Float64Array.from([2, 0]) };
    const ncm = mergeStates([{ kind: 'ncm', ...a }, { kind: 'ncm', ...b }]);
    expect(Array.from(ncm.values)).toEqual([4, 10]); // (2*1 + 5*2)/3, b has no class-1 samples
    expect(Array.from(ncm.counts)).toEqual([1 + 2, 3]);
    const delta = mergeStates([{ kind: 'delta', ...a }, { kind: 'delta', ...b }]);
    // weights 4 and 2 (total samples): (4*2 + 2*5)/6 = 3, (4*10 + 2*99)/6
    expect(delta.values[0]).toBe(3);
    expect(delta.values[1]).toBe(Math.fround((40 + 198) / 6));
  });

  it('NcmReadoutAccess publishes only its own samples after any number of merges', () => {
    const mu = Float32Array.from([1, 0]);
    const n = Int32Array.from([4, 0]);
    const acc = new NcmReadoutAccess(mu, n, 1, 2);
    const peer = { kind: 'ncm' as const, nFeat: 1, nClass: 2, values: Float32Array.from([3, 8]), counts: Float64Array.from([4, 2]), sender: 'p', version: 1 };
    for (let i = 0; i < 3; i++) acc.merge([peer]);
    expect(Array.from(mu)).toEqual([2, 8]);
    expect(Array.from(n)).toEqual([8, 2]);
    const own = acc.contribution();
    expect(Array.from(own.counts)).toEqual([4, 0]);
    expect(own.values[0]).toBe(1);
    expect(acc.ownSamples()).toBe(4);
  });
});

describe('DeltaReadoutAccess', () => {
  const tiny = () => new Runtime(planModel(validateSpec({
    version: 1, name: 'tiny', dtMs: 1, seed: 1, input: { width: 2, height: 1, polarity: 'merge' }, populations: [], projections: [],
    readout: { from: 'input', classes: 2, rule: 'delta', learningRate: 0.5 },
  })));
  const peer = (sender: string, version: number, values: number[], counts: number[]) =>
    ({ kind: 'delta' as const, nFeat: 2, nClass: 2, values: Float32Array.from(values), counts: Float64Array.from(counts), sender, version });

  it('averages by total samples, merges each peer version once, and counts only its own samples', () => {
    const rt = tiny();
    const acc = new DeltaReadoutAccess(rt);
    rt.readoutWeights().set([1, 1, 1, 1]);
    acc.record(0, 2); // 2 own samples
    const p1 = peer('p', 1, [4, 4, 4, 4], [1, 0]);
    const q1 = peer('q', 1, [0, 0, 0, 0], [0, 1]);
    acc.merge([p1, q1]); // (2*1 + 1*4 + 1*0) / 4
    expect(Array.from(rt.readoutWeights())).toEqual([1.5, 1.5, 1.5, 1.5]);
    acc.merge([p1, q1]); // nothing new: unchanged
    expect(Array.from(rt.readoutWeights())).toEqual([1.5, 1.5, 1.5, 1.5]);
    // q sends a new version: live weights stand for own + p (3 samples), q for 1.
    const merged = acc.merge([p1, peer('q', 2, [3.5, 3.5, 3.5, 3.5], [0, 1])]);
    expect(Array.from(rt.readoutWeights())).toEqual([2, 2, 2, 2]); // (3*1.5 + 1*3.5) / 4
    expect(Array.from(merged.counts)).toEqual([3, 1]);
    expect(Array.from(acc.contribution().counts)).toEqual([2, 0]);
    expect(() => acc.record(2)).toThrow(/label/);
  });
});

describe('fleet config', () => {
  it('validates client settings with the offending value', () => {
    const ok = { brokerUrl: 'mqtt://127.0.0.1:1883', gatewayId: 'gw-1', password: 'x' };
    expect(resolveFleetConfig(ok).fleet).toBe('default');
    expect(() => resolveFleetConfig({ ...ok, gatewayId: 'a+b' })).toThrow(FleetConfigError);
    expect(() => resolveFleetConfig({ ...ok, brokerUrl: 'http://x' })).toThrow(/protocol http:/);
    expect(() => resolveFleetConfig({ ...ok, topicPrefix: 'a/#' })).toThrow(/wildcards/);
    expect(() => resolveFleetConfig({ ...ok, reconnectMinMs: 500, reconnectMaxMs: 100 })).toThrow(/reconnectMaxMs/);
  });

  it('the gateway config\'s fleet section is validated with the rest, every problem with its path', () => {
    registerFleetSection();
    const base = configObject('/nonexistent/neurite-fleet-state'); // validation does not create it
    const ok = validateConfig({ ...base, fleet: { brokerUrl: 'mqtt://127.0.0.1:1883', gatewayId: 'gw-1', password: 'pw', publishPeriodSeconds: 2 } });
    expect(ok.extra.fleet).toMatchObject({ gatewayId: 'gw-1', publishPeriodMs: 2000, sensor: null });
    const bad = (() => {
      try {
        validateConfig({ ...base, fleet: { brokerUrl: 'http://x', gatewayId: 'gw 1', publishPeriodSeconds: -1, colour: 'red' } });
        return null;
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(bad).toBeInstanceOf(ConfigError);
    const paths = bad!.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['$.fleet.colour', '$.fleet', '$.fleet.publishPeriodSeconds']));
    expect(bad!.message).toMatch(/password or passwordFile/);
  });

  it('writes one ACL block per gateway: its own topic to write, the fleet to read', () => {
    const acl = mosquittoAcl({ fleet: 'f1', gateways: [{ id: 'a', password: 'p' }, { id: 'b', password: 'q' }] });
    expect(acl).toContain('user a\ntopic write neurite/fleet/f1/state/a\ntopic read neurite/fleet/f1/state/+');
    expect(acl).toContain('user b\ntopic write neurite/fleet/f1/state/b\n');
    expect(() => mosquittoAcl({ fleet: 'f1', gateways: [{ id: 'a', password: 'p' }, { id: 'a', password: 'q' }] })).toThrow(/twice/);
  });
});
