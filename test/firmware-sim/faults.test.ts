/**
 * Power-loss faults: 200 random power cuts during online learning, many in the middle of a
 * checkpoint write (torn erases and torn page programs, not exceptions in the runtime); every
 * restart restores a complete, checksum-valid checkpoint, and at most one checkpoint interval of
 * learning is lost.
 */
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { encodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { CheckpointStore, EmulatedFlash, PowerCut, powerCutCampaign } from '../../firmware-sim/faults.js';
import { checkpointBytes } from '../../firmware-sim/memory.js';
import { emulatedDigits } from '../../firmware-sim/samples.js';
import { RuntimeExecutor, runWorkload } from '../../firmware-sim/workload.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { mcuModel } from './helpers.js';

const spec = mcuModel();
const plan = planModel(spec);
const samples = emulatedDigits(spec, 16, 5);

describe('emulated flash', () => {
  it('programs like NOR (bits only clear) and tears a cut operation', () => {
    const f = new EmulatedFlash(1024, 256, 2, new Xoshiro128(3));
    f.programPage(0, new Uint8Array(256).fill(0x0f));
    f.programPage(0, new Uint8Array(256).fill(0xf3));
    expect(f.bytes[0]).toBe(0x03);
    f.cutAtOp = f.ops;
    expect(() => f.programPage(256, new Uint8Array(256).fill(0))).toThrow(PowerCut);
    const written = f.bytes.subarray(256, 512).filter((b) => b === 0).length;
    expect(written).toBeLessThanOrEqual(256);
    f.cutAtOp = f.ops;
    expect(() => f.eraseSector(0)).toThrow(PowerCut);
    expect(f.erases[0]).toBe(1);
  });

  it('a torn checkpoint write leaves the previous checkpoint restorable', () => {
    const rt = new Runtime(plan);
    const f = new EmulatedFlash(4096, 256, 2 * Math.ceil((16 + checkpointBytes(plan)) / 4096), new Xoshiro128(9));
    const store = new CheckpointStore(f, checkpointBytes(plan), 10_000);
    expect(store.write(rt)).toBe(1);
    runWorkload(new RuntimeExecutor(rt), samples.slice(0, 1));
    f.cutAtOp = f.ops + 40;
    expect(() => store.write(rt)).toThrow(PowerCut);
    const back = store.restore()!;
    expect(back.seq).toBe(1);
    expect(back.rt.stepCount).toBe(0);
  });
});

describe('power cuts during online learning', () => {
  it('200 random cuts: every restart restores a complete, checksum-valid state, losing at most one interval', () => {
    const interval = 2;
    const learn = (rt: Runtime, i: number) => runWorkload(new RuntimeExecutor(rt), [samples[i % samples.length]]);
    const res = powerCutCampaign(new Runtime(plan), learn, checkpointBytes(plan), { cuts: 200, interval, seed: 11 });
    expect(res.cuts).toHaveLength(200);
    const mid = res.cuts.filter((c) => c.where === 'mid-checkpoint').length;
    expect(mid).toBeGreaterThan(80);
    for (const c of res.cuts) {
      expect(c.intact).toBe(true);
      expect(c.restoredSeq).toBe(c.lastCompleteSeq);
      expect(c.samplesLost).toBeLessThanOrEqual(interval);
    }
    // the final state still decodes and learning went forward
    expect(encodeCheckpoint(res.finalRuntime).length).toBeGreaterThan(0);
    expect(res.finalRuntime.stepCount).toBeGreaterThan(0);
    expect(res.stats.maxSectorErases).toBeGreaterThan(0);
    expect(res.stats.checkpointsToWearOut).toBeLessThan(Infinity);
  }, 120_000);
});
