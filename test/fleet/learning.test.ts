/**
 * Fleet learning end to end through a real Mosquitto: three gateways (in-process runtimes with
 * the same frozen spiking feature layer) each learn a different group of digit classes from
 * emulated event-camera recordings, publish their readouts and merge the fleet's. Compared with:
 *  - the upper bound: one runtime that learned from all three gateways' samples with the same
 *    rule, learning rate and number of presentations;
 *  - each gateway alone (the same samples, never merged).
 * The numbers printed here are the table in docs/fleet.md.
 *
 * Test-set features are computed once on gateway A's runtime and replayed into each readout: the
 * layer is frozen and seeded identically on every gateway, which the first test checks bit for bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaReadoutAccess, FleetMember, runtimeReadoutAccess, type FleetClientConfig } from '../../host/fleet/index.js';
import { presentSample } from '../../host/learn/online.js';
import type { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { mosquittoAvailable, startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { digits, featureSpec, featuresOf, newRuntime, type Digits } from './digits.js';

const GROUPS = [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]];
const IDS = ['gw-a', 'gw-b', 'gw-c'];
const TRAIN = 1200;
const TEST = 400;
const LR = 0.3;
const ROUNDS = 30;
/** Stated distance: a merged gateway is at most this far below the upper bound. */
const WITHIN = 0.05;
/** ...and at least this far above the best single gateway. */
const ABOVE_SINGLE = 0.2;

const spec = featureSpec();
const fleetDef = { fleet: 'digits', gateways: [...IDS, 'gw-new', 'gw-new2', 'gw-n1', 'gw-n2', 'gw-n3'].map((id) => ({ id, password: `${id}-pw` })) };

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const have = mosquittoAvailable();
describe.skipIf(!have)('three gateways merging over MQTT', () => {
  let broker: TestBroker;
  let data: Digits;
  let testFeatures: Float32Array[];
  let testLabels: number[];
  const members: FleetMember[] = [];
  const cfg = (id: string): FleetClientConfig => ({ brokerUrl: broker.url, gatewayId: id, password: `${id}-pw`, fleet: 'digits', autoMerge: false, reconnectMinMs: 50, reconnectMaxMs: 500 });

  /** Each gateway's training samples: its classes only, in the split's (random) order. */
  const ownSamples = (g: number) => data.train.filter((k) => GROUPS[g].includes(data.label(k)));

  function deltaAccuracy(rt: Runtime): number {
    const feats = rt.features();
    let correct = 0;
    testFeatures.forEach((f, i) => {
      feats.set(f);
      if (rt.readoutPredict() === testLabels[i]) correct++;
    });
    return correct / testFeatures.length;
  }

  beforeAll(async () => {
    broker = await startBroker({ fleet: fleetDef });
    data = digits(TRAIN, TEST);
    const rt = newRuntime(spec);
    testFeatures = data.test.map((k) => featuresOf(rt, data.events(k)));
    testLabels = data.test.map((k) => data.label(k));
  });
  afterAll(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop()));
    await broker?.dispose();
  });

  it('delta readouts: after merging, every gateway is near the all-data learner and far above any single one', async () => {
    const rts = IDS.map(() => newRuntime(spec));
    // Same seed, frozen layer: the features of one sample are bit-identical on every gateway.
    const probe = data.events(data.test[0]);
    const f0 = featuresOf(rts[0], probe);
    for (const rt of rts.slice(1)) expect(featuresOf(rt, probe)).toEqual(f0);
    expect(f0).toEqual(testFeatures[0]);

    const access = rts.map((rt) => new DeltaReadoutAccess(rt));
    const fleet = IDS.map((id, g) => new FleetMember({ config: cfg(id), readout: access[g], spec }));
    members.push(...fleet);
    await Promise.all(fleet.map((m) => m.start()));

    // Training features of every sample, recorded while the gateways learn (for the reference learners).
    const trainFeatures = new Map<number, Float32Array>();
    const samples = IDS.map((_, g) => ownSamples(g));
    for (let round = 0; round < ROUNDS; round++) {
      samples.forEach((ks, g) => {
        const rt = rts[g];
        for (const k of ks.slice(Math.floor((ks.length * round) / ROUNDS), Math.floor((ks.length * (round + 1)) / ROUNDS))) {
          presentSample(rt, data.events(k), { learn: false });
          trainFeatures.set(k, Float32Array.from(rt.features()));
          access[g].learn(data.label(k), LR);
        }
      });
      await Promise.all(fleet.map((m) => m.publish()));
      await Promise.all(fleet.map((m) => m.waitForPeers(IDS.filter((id) => id !== m.id), round + 1, 10_000)));
      await Promise.all(fleet.map((m) => m.mergeNow()));
    }
    const merged = rts.map(deltaAccuracy);

    // Upper bound: one learner, all samples (the split's order), same rule and rate.
    const ref = newRuntime(spec);
    const learnAll = (ks: number[]) => {
      ref.readoutWeights().fill(0);
      for (const k of ks) {
        ref.features().set(trainFeatures.get(k)!);
        ref.readoutLearn(data.label(k), LR);
      }
      return deltaAccuracy(ref);
    };
    const upper = learnAll(data.train);
    const singles = samples.map((ks) => learnAll(ks));
    console.log(`[fleet] delta readout, ${TRAIN} train / ${TEST} test digits, ${ROUNDS} rounds: upper bound ${upper.toFixed(3)}, single gateways ${singles.map((a) => a.toFixed(3)).join(' / ')}, merged gateways ${merged.map((a) => a.toFixed(3)).join(' / ')}`);
    for (const a of merged) {
      expect(a).toBeGreaterThanOrEqual(upper - WITHIN);
      expect(a).toBeGreaterThanOrEqual(Math.max(...singles) + ABOVE_SINGLE);
    }
    expect(Math.max(...singles)).toBeLessThan(0.45); // a gateway alone knows 3 or 4 of the 10 classes

    // A new gateway that learned nothing starts from the fleet's retained states.
    const fresh = newRuntime(spec);
    expect(deltaAccuracy(fresh)).toBeLessThan(0.2);
    const newcomer = new FleetMember({ config: cfg('gw-new'), readout: new DeltaReadoutAccess(fresh), spec });
    members.push(newcomer);
    await newcomer.start();
    const newAcc = deltaAccuracy(fresh);
    console.log(`[fleet] newcomer from retained states: ${newAcc.toFixed(3)}`);
    expect(newAcc).toBeGreaterThanOrEqual(upper - WITHIN);
    await newcomer.stop();

    // Broker restart without persistence: every retained state is lost; the gateways reconnect,
    // re-publish, and a second newcomer reaches the same readout as the first.
    const before = rts.map((rt) => Float32Array.from(rt.readoutWeights()));
    await broker.restart();
    await Promise.all(fleet.map((m) => m.waitConnected(15_000)));
    for (const m of fleet) expect(m.stats.reconnects).toBeGreaterThanOrEqual(1);
    // Re-reading the fleet's (re-published) states changed nothing a gateway holds beyond rounding.
    rts.forEach((rt, g) => expect(maxAbsDiff(rt.readoutWeights(), before[g])).toBeLessThan(1e-5));
    expect(rts.map(deltaAccuracy)).toEqual(merged);
    const fresh2 = newRuntime(spec);
    const newcomer2 = new FleetMember({ config: cfg('gw-new2'), readout: new DeltaReadoutAccess(fresh2), spec });
    members.push(newcomer2);
    await newcomer2.start();
    expect(newcomer2.peers().size).toBe(3);
    expect(maxAbsDiff(fresh2.readoutWeights(), fresh.readoutWeights())).toBeLessThan(1e-5);
    expect(deltaAccuracy(fresh2)).toBe(newAcc);
    await Promise.all(fleet.map((m) => m.stop()));
  }, 60_000);

  it('NCM prototypes (the ncm kernel): one merge gives exactly the all-data prototypes', async () => {
    const features = newRuntime(spec);
    const ncmSpec = validateSpec({ ...spec, readout: { from: 'hidden', classes: 10, rule: 'ncm', metric: 'cosine' } });
    const gateways = IDS.map(() => newRuntime(ncmSpec));
    const all = newRuntime(ncmSpec);
    // Each sample goes to the gateway owning its class and to the all-data learner, in one order;
    // the frozen layer's features are computed once and written into each readout's feature view.
    const learn = (rt: Runtime, f: Float32Array, label: number) => {
      rt.features().set(f);
      rt.readoutLearn(label);
    };
    for (const k of data.train) {
      const f = featuresOf(features, data.events(k));
      learn(gateways[GROUPS.findIndex((cls) => cls.includes(data.label(k)))], f, data.label(k));
      learn(all, f, data.label(k));
    }
    const accuracy = (rt: Runtime) => {
      let correct = 0;
      testFeatures.forEach((f, i) => {
        rt.features().set(f);
        if (rt.readoutPredict() === testLabels[i]) correct++;
      });
      return correct / testFeatures.length;
    };
    const singles = gateways.map(accuracy);
    // The same fleet may still hold the delta test's retained states (gw-a, gw-b, gw-c): an NCM
    // gateway refuses them as another readout kind, counts them, and merges only NCM states.
    const ids = ['gw-n1', 'gw-n2', 'gw-n3'];
    const access = gateways.map((rt) => runtimeReadoutAccess(rt));
    const fleet = ids.map((id, g) => new FleetMember({ config: cfg(id), readout: access[g], spec: ncmSpec }));
    members.push(...fleet);
    await Promise.all(fleet.map((m) => m.start()));
    await Promise.all(fleet.map((m) => m.waitForPeers(ids.filter((id) => id !== m.id), 1, 10_000)));
    await Promise.all(fleet.map((m) => m.mergeNow()));
    const merged = gateways.map(accuracy);
    const upper = accuracy(all);
    console.log(`[fleet] NCM readout (cosine), ${TRAIN} train / ${TEST} test digits, 1 merge: upper bound ${upper.toFixed(3)}, single gateways ${singles.map((a) => a.toFixed(3)).join(' / ')}, merged gateways ${merged.map((a) => a.toFixed(3)).join(' / ')}`);
    const allAccess = runtimeReadoutAccess(all).contribution();
    // The live prototypes are the fleet's; what each gateway would publish is still only its own samples.
    access.forEach((a, g) => expect(a.contribution().counts.reduce((x, y) => x + y, 0)).toBe(ownSamples(g).length));
    gateways.forEach((rt) => {
      const mu = rt.readoutWeights();
      for (let q = 0; q < mu.length; q++) expect(Math.abs(mu[q] - allAccess.values[q])).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(allAccess.values[q])));
    });
    for (const a of merged) expect(Math.abs(a - upper)).toBeLessThanOrEqual(0.01);
    expect(Math.min(...merged)).toBeGreaterThanOrEqual(Math.max(...singles) + ABOVE_SINGLE);
    // Only the two other NCM gateways were merged; delta states left by the other test (if it ran) were refused.
    for (const m of fleet) expect([...m.peers().keys()].sort()).toEqual(ids.filter((id) => id !== m.id));
    // Merging the same states again changes nothing (each gateway's own part is recovered exactly).
    const before = gateways.map((rt) => Float32Array.from(rt.readoutWeights()));
    await Promise.all(fleet.map((m) => m.mergeNow()));
    gateways.forEach((rt, g) => expect(maxAbsDiff(rt.readoutWeights(), before[g])).toBeLessThan(1e-4));
    await Promise.all(fleet.map((m) => m.stop()));
  }, 60_000);
});
