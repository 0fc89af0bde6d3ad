import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { downsample } from '../../host/events/transforms/downsample.js';
import { validateConfig } from '../../host/gateway/config.js';
import { SensorLearner } from '../../host/gateway/learner.js';
import { decodeMessage, eventWord } from '../../host/gateway/protocol.js';
import { StreamPacker } from '../../host/gateway/sender.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { fuzzRuns } from '../helpers/fuzz.js';
import { configObject, digits, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

// Learners never write checkpoints; the config just needs a directory name.
const stateDir = tempDir();

function learnerFor(sensorOver: Record<string, unknown> = {}): SensorLearner {
  const cfg = validateConfig(configObject(stateDir, {}, sensorOver));
  const s = cfg.sensors[0];
  return new SensorLearner(new Runtime(planModel(s.model)), s);
}

/** Feeds messages to a learner the way the worker gets them: words + markers. */
function feed(l: SensorLearner, msgs: Uint8Array[]): void {
  for (const buf of msgs) {
    const m = decodeMessage(buf);
    if (!m.ok) throw new Error(m.reason);
    const words = new Uint32Array(m.events * 2);
    let k = 0;
    for (const [a, b] of m.spans) {
      const u = new Uint32Array(buf.slice(a, b).buffer);
      words.set(u, k);
      k += u.length;
    }
    l.process(words, m.events, [...m.markers]);
  }
}

describe('the per-sensor learner', () => {
  const data = digits(260);

  it('learns labelled digits online (prequential accuracy well above chance) and decides early', () => {
    const l = learnerFor();
    const pk = new StreamPacker(7, 1472);
    for (const d of data) feed(l, pk.sample(d.events, d.label));
    const s = l.snapshot();
    expect(s.meta.samplesLearned).toBe(data.length);
    expect(s.meta.classCounts.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(s.eventsProcessed).toBe(data.reduce((a, d) => a + d.events.length, 0));
    expect(s.modelDropped).toBe(0);
    // Test-then-train accuracy over the whole pass from a blank readout (measured 0.42; chance 0.1).
    expect(s.meta.correct / s.meta.samplesLearned).toBeGreaterThan(0.3);
    expect(s.meta.earlyDecisions).toBeGreaterThan(0);
    const early = s.lastDecisions.filter((d) => d.early);
    for (const d of early) {
      expect(d.events).toBeGreaterThanOrEqual(400);
      expect(d.confidence).toBeGreaterThanOrEqual(0.6);
      expect(d.latencyMs).toBeLessThan(300); // decided before the sample's end (sensor time)
    }
  });

  it('gives the same learned readout however the stream is cut into messages', () => {
    const a = learnerFor();
    const b = learnerFor();
    const pa = new StreamPacker(7, 1472);
    const pb = new StreamPacker(7, 200);
    for (const d of data.slice(0, 40)) {
      feed(a, pa.sample(d.events, d.label));
      feed(b, pb.sample(d.events, d.label));
    }
    expect(Array.from(b.rt.readoutWeights())).toEqual(Array.from(a.rt.readoutWeights()));
    expect(b.snapshot().meta).toEqual(a.snapshot().meta);
  });

  it('pools exactly as the downsample transform does', () => {
    const pooledInline = learnerFor();
    const cfg = validateConfig(configObject(stateDir, {}, { width: 17, height: 17, transform: { downsample: { factorX: 1 } } }));
    const pre = new SensorLearner(new Runtime(planModel(cfg.sensors[0].model)), cfg.sensors[0]);
    const pa = new StreamPacker(7, 1472);
    const pb = new StreamPacker(7, 1472);
    for (const d of data.slice(0, 30)) {
      feed(pooledInline, pa.sample(d.events, d.label));
      feed(pre, pb.sample(downsample(d.events, { width: 34, height: 34 }, { factorX: 2 }), d.label));
    }
    expect(Array.from(pooledInline.rt.readoutWeights())).toEqual(Array.from(pre.rt.readoutWeights()));
    expect(pooledInline.rt.readoutWeights().some((w) => w !== 0)).toBe(true);
  });

  it('cuts unlabelled streams into windows and predicts each', () => {
    const l = learnerFor({ windowMs: 100 });
    const pk = new StreamPacker(7, 1472);
    const ev = data[0].events;
    feed(l, pk.events(ev));
    const s = l.snapshot();
    // ~300 ms of events in 100 ms windows: the last window stays open.
    expect(s.meta.samplesPredicted).toBeGreaterThanOrEqual(2);
    expect(s.meta.samplesLearned).toBe(0);
    expect(s.sampleOpen).toBe(true);
  });

  it('never throws on arbitrary event words, times and sample records, and accounts for every event', () => {
    const chunkArb = fc.record({
      events: fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1 }), fc.boolean(), fc.integer({ min: -2000, max: 20_000 })), { maxLength: 40 }),
      markers: fc.array(fc.record({ at: fc.nat(45), kind: fc.constantFrom('begin' as const, 'end' as const), label: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }), dt: fc.integer({ min: -5000, max: 50_000 }) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(chunkArb, { maxLength: 6 }), fc.boolean(), (chunks, plastic) => {
        const l = learnerFor({ windowMs: 20, maxSampleMs: 60, plasticity: plastic, earlyDecision: { minEvents: 1, confidence: 0.1 } });
        let t = 0;
        let total = 0;
        for (const c of chunks) {
          const w = new Uint32Array(c.events.length * 2);
          c.events.forEach(([x, y, p, bad, dt], i) => {
            t = Math.max(0, t + dt);
            w[2 * i] = (bad ? 0x80000000 : 0) | eventWord(x, y, p);
            w[2 * i + 1] = t;
          });
          const markers = c.markers.map((m) => ({ at: m.at, kind: m.kind, label: m.label, t: Math.max(0, t + m.dt) })).sort((a, b) => a.at - b.at);
          l.process(w, c.events.length, markers);
          total += c.events.length;
        }
        const s = l.snapshot();
        const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
        expect(s.eventsProcessed + dropped).toBe(total);
        expect(s.meta.samplesLearned).toBe(s.meta.classCounts.reduce((a, b) => a + b, 0));
        expect(s.meta.correct).toBeLessThanOrEqual(s.meta.samplesLearned);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('counts and skips bad events without throwing', () => {
    const l = learnerFor({ maxSampleMs: 1000, windowMs: 1000 });
    const w = new Uint32Array([
      eventWord(1, 1, 1), 100,
      0x80000000 | eventWord(1, 1, 1), 200, // AEStream's untimestamped word: refused
      eventWord(40, 1, 0), 300, // outside 34x34
      eventWord(2, 2, 0), 50, // before the previous event
      eventWord(3, 3, 1), 2_000_000, // starts a new window
      eventWord(3, 3, 1), 2_000_500,
    ]);
    l.process(w, 6, []);
    l.process(new Uint32Array([eventWord(4, 4, 0), 1_999_000]), 1, [{ at: 0, kind: 'end', label: 1, t: 0 }]);
    const s = l.snapshot();
    expect(s.dropped.bad_event).toBe(1);
    expect(s.dropped.out_of_range).toBe(1);
    expect(s.dropped.out_of_order).toBe(2);
    expect(s.orphanEnds).toBe(1);
    expect(s.eventsProcessed).toBe(3);
    const lb = learnerFor({ maxSampleMs: 10, windowMs: 10 });
    lb.process(new Uint32Array([eventWord(1, 1, 1), 5000, eventWord(1, 1, 1), 20_000]), 2, [{ at: 0, kind: 'begin', label: 2, t: 1000 }]);
    expect(lb.snapshot().dropped.sample_too_long).toBe(1);
    lb.process(new Uint32Array([eventWord(1, 1, 1), 30_000]), 1, [{ at: 0, kind: 'begin', label: 2, t: 40_000 }]);
    expect(lb.snapshot().dropped.before_sample).toBe(1);
  });
});
