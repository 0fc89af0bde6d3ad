/**
 * The WASI firmware image (`neurite build-firmware` / `run-firmware`): built for two small models
 * that exercise the driver's paths (chunked input buffer, per-step event cap, out-of-range events,
 * empty samples, post-major / int8 / int16 weights, two populations, teacher + WTA) and for the
 * demo model, run under node:wasi, and compared bit for bit with the in-process Runtime driven
 * through the same procedure (host/firmware/procedure.ts) on the same decoded stream.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmware as buildCommand, runFirmware as runCommand } from '../../host/cli/firmware-image-commands.js';
import { DecodeError } from '../../host/errors.js';
import { EventEmulator } from '../../host/events/emulator.js';
import { readNmnistFileSync } from '../../host/events/formats/nmnist.js';
import { allocBatch, makeBatch } from '../../host/events/types.js';
import { buildFirmware, type BuildFirmwareResult } from '../../host/firmware/build.js';
import { decodeStream, encodeEnd, encodeSample, encodeStream, encodeStreamHeader, type LabelledSample } from '../../host/firmware/framing.js';
import { inspectFirmwareImage } from '../../host/firmware/image.js';
import { compareLearnedState, runReference } from '../../host/firmware/procedure.js';
import { FirmwareTrapError, runFirmwareImage, type RunImageResult } from '../../host/firmware/run.js';
import { readLabelsTsv, resolveSampleFile } from '../../host/learn/datasets/sample-folder.js';
import { evaluate } from '../../host/learn/online.js';
import { planModel, type Plan } from '../../host/plan/plan.js';
import { COUNTERS } from '../../host/runtime/abi.js';
import { decodeCheckpoint, loadCheckpoint } from '../../host/runtime/checkpoint.js';
import type { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Xoshiro128 } from '../../host/util/prng.js';
import { sharedPath } from '../helpers/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'neurite-fw-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** f32 STDP with teacher, WTA and adaptation; tiny input buffer so chunking and caps happen. */
const SMALL_A: ModelSpec = validateSpec({
  version: 1,
  name: 'fw-small-a',
  dtMs: 1,
  seed: 7,
  input: { width: 8, height: 8, polarity: 'split', bufferEvents: 32, bufferSteps: 8 },
  populations: [{
    name: 'hidden',
    size: 24,
    neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 0.5, reset: { mode: 'value', value: 0 }, refractoryMs: 2, adaptation: { tauMs: 1000, increment: 0.05 } },
    wta: { k: 2, inhibition: 0.5 },
    teacher: { classes: 4, current: 0.5, suppress: 2 },
  }],
  projections: [{
    from: 'input', to: 'hidden',
    weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.1 } },
    plasticity: { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.01, etaMinus: 0.002, wMin: 0, wMax: 1, bounds: 'multiplicative', pairing: 'all-to-all', xOffset: 0.1, normalize: { targetNorm: 0.8 } },
  }],
  readout: { from: 'hidden', classes: 4, rule: 'delta', learningRate: 0.3 },
});

/** Two populations; post-major f32 STDP, int8 STDP (stochastic rounding), static int16. */
const SMALL_B: ModelSpec = validateSpec({
  version: 1,
  name: 'fw-small-b',
  dtMs: 0.5,
  seed: 3,
  input: { width: 6, height: 5, polarity: 'merge', bufferEvents: 40, bufferSteps: 16 },
  populations: [
    { name: 'h1', size: 16, neuron: { model: 'lif', tauMemMs: 10, tauSynMs: 4, threshold: 0.3, reset: { mode: 'subtract' }, refractoryMs: 1 } },
    {
      name: 'out', size: 12,
      neuron: { model: 'lif', tauMemMs: 15, tauSynMs: 5, threshold: 0.4, reset: { mode: 'value', value: 0 }, refractoryMs: 2 },
      wta: { k: 1, inhibition: 0.3 },
      teacher: { classes: 3, current: 0.6, suppress: 1 },
    },
  ],
  projections: [
    {
      from: 'input', to: 'h1', layout: 'post-major',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.02, high: 0.2 } },
      plasticity: { rule: 'stdp-pair', tauPreMs: 10, tauPostMs: 10, etaPlus: 0.02, etaMinus: 0.01, wMin: 0, wMax: 0.5, bounds: 'additive', pairing: 'nearest' },
    },
    {
      from: 'h1', to: 'out',
      weights: { dtype: 'int8', init: { kind: 'uniform', low: -0.1, high: 0.3 } },
      plasticity: { rule: 'stdp-pair', tauPreMs: 15, tauPostMs: 15, etaPlus: 0.02, etaMinus: 0.01, wMin: -0.5, wMax: 0.5, bounds: 'additive', pairing: 'all-to-all' },
    },
    { from: 'input', to: 'out', weights: { dtype: 'int16', init: { kind: 'uniform', low: -0.05, high: 0.1 } } },
  ],
  readout: { from: 'out', classes: 3, rule: 'delta', learningRate: 0.2 },
});

/** Class-dependent random events; some outside the sensor, bursts above the buffer. */
function synthSample(rng: Xoshiro128, spec: ModelSpec, label: number, n: number): LabelledSample {
  const { width, height } = spec.input;
  const b = allocBatch(n);
  let t = rng.nextInt(500);
  for (let k = 0; k < n; k++) {
    if (rng.nextInt(3) === 0) t += rng.nextInt(2500);
    b.t[k] = t;
    b.x[k] = rng.nextInt(40) === 0 ? width + rng.nextInt(3) : (label * 2 + rng.nextInt(3)) % width;
    b.y[k] = rng.nextInt(60) === 0 ? height : rng.nextInt(height);
    b.p[k] = rng.nextInt(2);
  }
  return { events: makeBatch(b, n), label };
}

function synthStream(spec: ModelSpec, count: number, seed: number): LabelledSample[] {
  const rng = new Xoshiro128(seed);
  const classes = spec.readout!.classes;
  const out: LabelledSample[] = [];
  for (let i = 0; i < count; i++) out.push(synthSample(rng, spec, i % classes, i === 3 ? 0 : i === 4 ? 1 : 30 + rng.nextInt(300)));
  // A burst: far more events in one step than the input buffer holds.
  const burst = allocBatch(200);
  for (let k = 0; k < 200; k++) {
    burst.t[k] = 1000 + (k < 150 ? 0 : k);
    burst.x[k] = k % spec.input.width;
    burst.y[k] = (k >> 3) % spec.input.height;
    burst.p[k] = k & 1;
  }
  out.push({ events: makeBatch(burst, 200), label: 1 });
  return out;
}

function expectSameCounters(fw: unknown, rt: Runtime): void {
  const c = rt.counters();
  expect(fw).toEqual(COUNTERS.map((d) => c[d.key]));
}

/** Runs `samples` through the image and the reference; returns both for the assertions. */
function runBoth(image: string, plan: Plan, samples: LabelledSample[], opts: { mode?: 'stdin' | 'preopen'; every?: number; keep?: boolean } = {}) {
  const dir = mkdtempSync(join(tmp, 'run-'));
  const stream = join(dir, 'in.nevs');
  writeFileSync(stream, encodeStream(plan.spec.input.width, plan.spec.input.height, samples));
  const ck = join(dir, 'ckpt');
  mkdirSync(ck);
  const r = runFirmwareImage({ wasm: image, stream, input: opts.mode, checkpointDir: ck, checkpointEvery: opts.every, keepCheckpoints: opts.keep });
  // The reference reads the same stream back (the bytes the image read).
  const decoded = decodeStream(readFileSync(stream), stream);
  const ref = runReference(plan, decoded.samples);
  return { r, ref, ck, decoded };
}

let imgA = '';
let imgB = '';
let imgDemo = '';
let buildA: Record<string, unknown> = {};
let buildB: BuildFirmwareResult;
let buildDemo: BuildFirmwareResult;
const demoSpec = loadModelSpec('nmnist-stdp-wta');

beforeAll(async () => {
  imgA = join(tmp, 'small-a.wasm');
  imgB = join(tmp, 'small-b.wasm');
  imgDemo = join(tmp, 'demo.wasm');
  const specA = join(tmp, 'small-a.json');
  writeFileSync(specA, JSON.stringify(SMALL_A));
  const lines: string[] = [];
  // Small model A through the CLI command object; B and the demo model through the API.
  const [codeA, b, d] = await Promise.all([
    buildCommand.run({ model: specA, out: imgA, json: true, 'sample-steps': 512 }, [], (l) => lines.push(l)),
    buildFirmware({ spec: SMALL_B, out: imgB, sampleEvents: 4096, sampleSteps: 2048, checkpointEvery: 0 }),
    buildFirmware({ spec: demoSpec, out: imgDemo }),
  ]);
  expect(codeA).toBe(0);
  buildA = JSON.parse(lines[0]) as Record<string, unknown>;
  buildB = b;
  buildDemo = d;
}, 120_000);

describe('firmware image: build', () => {
  it('is a WASI command with fixed memory sized from the Plan and no imported memory', () => {
    expect(buildA.verified).toBe(true);
    expect(buildB.verified).toBe(true);
    expect(buildDemo.verified).toBe(true);
    for (const img of [imgA, imgB, imgDemo]) {
      const info = inspectFirmwareImage(img);
      const mod = new WebAssembly.Module(readFileSync(img));
      expect(WebAssembly.Module.exports(mod).map((e) => e.name)).toContain('_start');
      const imports = WebAssembly.Module.imports(mod);
      expect(imports.every((i) => i.module === 'wasi_snapshot_preview1' && i.kind === 'function')).toBe(true);
      expect(info.requiredBytes).toBeLessThanOrEqual(info.memoryBytes);
      expect(info.memoryBytes - info.requiredBytes).toBeLessThan(65536);
    }
    // Memory cannot grow: initial == maximum.
    const info = inspectFirmwareImage(imgDemo);
    expect(info.spec).toEqual(demoSpec);
    expect(info.header.arenaBytes).toBe(planModel(demoSpec).arenaBytes);
    const stub: Record<string, Record<string, () => number>> = { wasi_snapshot_preview1: {} };
    for (const i of WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(imgDemo)))) stub.wasi_snapshot_preview1[i.name] = () => 0;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(imgDemo)), stub);
    expect(() => (inst.exports.memory as WebAssembly.Memory).grow(1)).toThrow(RangeError);
    expect(buildDemo.pages * 65536).toBe(info.memoryBytes);
  });
});

describe('firmware image vs in-process runtime: bit-identical learned state', () => {
  it('small model A (stdin, periodic + kept checkpoints, chunked input buffer, drops)', () => {
    const plan = planModel(SMALL_A);
    const samples = synthStream(SMALL_A, 14, 11);
    const { r, ref, ck } = runBoth(imgA, plan, samples, { every: 5, keep: true });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.samples.map((s) => s.prediction)).toEqual(ref.predictions);
    expect(r.samples.map((s) => s.steps)).toEqual(ref.steps);
    expect(r.samples.some((s) => Number(s.dropped) > 0)).toBe(true);
    expectSameCounters(r.end!.counters, ref.rt);
    expect(ref.rt.counters().eventsDropped).toBeGreaterThan(0);
    const fw = loadCheckpoint(join(ck, 'model.ckpt'));
    const cmp = compareLearnedState(ref.rt, fw);
    expect(cmp.regions.filter((x) => !x.identical)).toEqual([]);
    expect(cmp.identical).toBe(true);
    expect(fw.stepCount).toBe(ref.rt.stepCount);
    expect(r.end!.stepCount).toBe(ref.rt.stepCount);
    // Periodic checkpoints were kept (model.ckpt.5, .10) and hold the state after 5 and 10 samples.
    expect(r.checkpoints.map((c) => c.samples)).toEqual([5, 10, 15, 15]);
    const after5 = runReference(plan, decodeStream(encodeStream(8, 8, samples.slice(0, 5))).samples);
    expect(compareLearnedState(after5.rt, loadCheckpoint(join(ck, 'model.ckpt.5'))).identical).toBe(true);
    // The checkpoint file is the host's format byte for byte, savedAt aside.
    const fileBytes = readFileSync(join(ck, 'model.ckpt'));
    expect(r.checkpoints[3].bytes).toBe(fileBytes.length);
    expect(r.checkpoints[3].crc32).toBe(fileBytes.readUInt32LE(fileBytes.length - 4).toString(16).padStart(8, '0'));
  });

  it('small model B (preopened input file; post-major, int8 and int16 weights, dt 0.5 ms)', () => {
    const plan = planModel(SMALL_B);
    const samples = synthStream(SMALL_B, 10, 23);
    const { r, ref, ck } = runBoth(imgB, plan, samples, { mode: 'preopen' });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.start!.input).toMatch(/^\/input\//);
    expect(r.samples.map((s) => s.prediction)).toEqual(ref.predictions);
    expectSameCounters(r.end!.counters, ref.rt);
    expect(r.checkpoints).toHaveLength(1); // --checkpoint-every 0 baked in: only the final one
    const cmp = compareLearnedState(ref.rt, loadCheckpoint(join(ck, 'model.ckpt')));
    expect(cmp.regions.filter((x) => !x.identical)).toEqual([]);
    // Plasticity really changed the weights (not trivially identical).
    const fresh = runReference(plan, []).rt;
    expect(compareLearnedState(fresh, ref.rt).identical).toBe(false);
  });

  it('the demo model on N-MNIST samples, through `neurite run-firmware --verify`', async () => {
    const dir = mkdtempSync(join(tmp, 'demo-'));
    const trainDir = sharedPath('fixtures/nmnist-small/train');
    const samples: LabelledSample[] = [];
    if (trainDir) {
      const rows = readLabelsTsv(join(trainDir, 'labels.tsv')).slice(0, 6);
      const data = join(dir, 'data');
      mkdirSync(data);
      const tsv = ['sample\tlabel'];
      for (const row of rows) {
        const file = resolveSampleFile(trainDir, row.sample);
        writeFileSync(join(data, `${row.sample}.bin`), readFileSync(file));
        tsv.push(`${row.sample}\t${row.label}`);
        samples.push({ events: readNmnistFileSync(file), label: row.label });
      }
      writeFileSync(join(data, 'labels.tsv'), tsv.join('\n') + '\n');
    } else {
      // Emulated digits: a bar per class through the event-camera emulator.
      const em = new EventEmulator({ sensorSeed: 1, sensorWidth: 34, sensorHeight: 34 });
      for (let k = 0; k < 6; k++) {
        const img = new Uint8Array(28 * 28);
        for (let y = 4; y < 24; y++) for (let x = 4 + 3 * k; x < 8 + 3 * k; x++) img[y * 28 + x] = 255;
        samples.push({ events: em.emulate(img, 28, 28, { seed: k + 1 }), label: k % 10 });
      }
    }
    const stream = join(dir, 'in.nevs');
    writeFileSync(stream, encodeStream(34, 34, samples));
    // The conversion is lossless: the framed stream decodes to the same events.
    const decoded = decodeStream(readFileSync(stream)).samples;
    decoded.forEach((s, i) => {
      const e = samples[i].events;
      expect(s.label).toBe(samples[i].label);
      expect(Array.from(s.events.t.subarray(0, s.events.length))).toEqual(Array.from(e.t.subarray(0, e.length)));
      expect(Array.from(s.events.x.subarray(0, s.events.length))).toEqual(Array.from(e.x.subarray(0, e.length)));
      expect(Array.from(s.events.y.subarray(0, s.events.length))).toEqual(Array.from(e.y.subarray(0, e.length)));
      expect(Array.from(s.events.p.subarray(0, s.events.length))).toEqual(Array.from(e.p.subarray(0, e.length)));
    });
    const ck = join(dir, 'ckpt');
    const lines: string[] = [];
    const input = trainDir ? join(dir, 'data') : stream;
    const code = await runCommand.run({ input, 'checkpoint-dir': ck, 'checkpoint-every': 4, verify: true, json: true }, [imgDemo], (l) => lines.push(l));
    const report = JSON.parse(lines[0]) as { samples: number; verify: { identical: boolean; predictionsMatch: boolean; counterDifferences: string[]; stepCount: { a: number; b: number } }; checkpoints: unknown[] };
    expect(report.verify.counterDifferences).toEqual([]);
    expect(report.verify.predictionsMatch).toBe(true);
    expect(report.verify.identical).toBe(true);
    expect(code).toBe(0);
    expect(report.samples).toBe(6);
    expect(report.checkpoints).toHaveLength(2);
    expect(report.verify.stepCount.a).toBeGreaterThan(6 * 100);
    // And independently of the command: same state as the reference on the original batches.
    const ref = runReference(planModel(demoSpec), samples);
    const fw = loadCheckpoint(join(ck, 'model.ckpt'));
    expect(compareLearnedState(ref.rt, fw).identical).toBe(true);
    // The checkpoint is usable by `neurite eval` (loadCheckpoint + evaluate).
    const ev = evaluate(fw, { count: samples.length, events: (i) => samples[i].events, label: (i) => samples[i].label }, [0, 1, 2]);
    expect(ev.samples).toBe(3);
  });
});

describe('firmware image: malformed input is a clear error exit, never a trap', () => {
  const good = (): Uint8Array => encodeStream(8, 8, synthStream(SMALL_A, 3, 5).slice(0, 3));
  const header = encodeStreamHeader(8, 8);
  const cat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const one = (t: number[], label = 1, x = 1, p = 1): Uint8Array => {
    const b = allocBatch(t.length);
    t.forEach((v, k) => {
      b.t[k] = v;
      b.x[k] = x;
      b.y[k] = 2;
      b.p[k] = p;
    });
    return encodeSample(makeBatch(b, t.length), label);
  };
  const patched = (bytes: Uint8Array, at: number, value: number): Uint8Array => {
    const c = bytes.slice();
    c[at] = value;
    return c;
  };
  /** encodeSample sorts by time: write the first event's time after the second's by hand. */
  const unsorted = (rec: Uint8Array): Uint8Array => {
    const c = rec.slice();
    new DataView(c.buffer).setUint32(8, 6000, true);
    return c;
  };
  const g = good();
  const cases: [string, Uint8Array, number, RegExp][] = [
    ['empty input', new Uint8Array(0), 1, /shorter than the 16-byte stream header/],
    ['not a stream', new TextEncoder().encode('this is not an event stream at all'), 1, /magic bytes are not "NEVS"/],
    ['unsupported version', patched(g, 4, 9), 1, /version 9 is not supported/],
    ['sensor geometry differs from the model', encodeStream(34, 34, []), 1, /34x34 sensor, the model expects 8x8/],
    ['truncated inside an event', g.subarray(0, 16 + 8 + 9 * 5 + 4), 1, /truncated at byte .*inside an event of sample 0/],
    ['no end record', g.subarray(0, g.length - 8), 1, /without the end record/],
    ['unknown record tag', cat(header, new Uint8Array([0x58, 0, 0, 0, 0, 0, 0, 0])), 1, /unknown record tag 0x00000058/],
    ['label out of range', cat(header, one([1, 2], 4), encodeEnd(1)), 1, /has label 4, the model has labels 0..3/],
    ['time going backwards', cat(header, unsorted(one([4000, 5000])), encodeEnd(1)), 1, /before the previous event .*time order/],
    ['polarity byte not 0/1', patched(cat(header, one([1, 2]), encodeEnd(1)), 16 + 8 + 8, 7), 1, /polarity byte is 7/],
    ['end record count mismatch', cat(header, one([1]), encodeEnd(2)), 1, /end record counts 2 samples but the stream held 1/],
    ['bytes after the end record', cat(g, new Uint8Array([1, 2, 3])), 1, /unexpected bytes after the end record/],
    ['sample longer than the sample store', cat(header, one([1, 4_000_000_000]), encodeEnd(1)), 4, /lasts more than 512 steps.*--sample-steps/],
  ];
  for (const [what, bytes, code, message] of cases) {
    it(what, () => {
      const dir = mkdtempSync(join(tmp, 'bad-'));
      const stream = join(dir, 'bad.nevs');
      writeFileSync(stream, bytes);
      mkdirSync(join(dir, 'ckpt'));
      let r: RunImageResult | null = null;
      expect(() => {
        r = runFirmwareImage({ wasm: imgA, stream, checkpointDir: join(dir, 'ckpt') });
      }).not.toThrow(FirmwareTrapError);
      expect(r!.exitCode).toBe(code);
      expect(r!.stderr).toMatch(/^neurite-firmware: error: /);
      expect(r!.stderr).toMatch(message);
      expect(r!.end).toBeNull();
      // The host decoder refuses the same streams (with the byte offset).
      if (code === 1 && !what.includes('geometry')) expect(() => decodeStream(bytes, 'bad', 4)).toThrow(DecodeError);
    });
  }

  it('bad arguments and a checkpoint directory that is not preopened', () => {
    const stream = join(tmp, 'ok.nevs');
    writeFileSync(stream, g);
    const u = runFirmwareImage({ wasm: imgA, stream, args: ['--frobnicate'] });
    expect(u.exitCode).toBe(2);
    expect(u.stderr).toMatch(/unknown argument "--frobnicate"/);
    const d = runFirmwareImage({ wasm: imgA, stream, args: ['--checkpoint-dir', '/nowhere'] });
    expect(d.exitCode).toBe(3);
    expect(d.stderr).toMatch(/"\/nowhere" is not a preopened directory/);
  });

  it('a corrupt firmware checkpoint is refused by loadCheckpoint (CRC-32)', () => {
    const dir = mkdtempSync(join(tmp, 'crc-'));
    const stream = join(dir, 's.nevs');
    writeFileSync(stream, g);
    const ck = join(dir, 'ckpt');
    mkdirSync(ck);
    expect(runFirmwareImage({ wasm: imgA, stream, checkpointDir: ck, quiet: true }).exitCode).toBe(0);
    const bytes = readFileSync(join(ck, 'model.ckpt'));
    expect(() => decodeCheckpoint(bytes)).not.toThrow();
    bytes[bytes.length - 100] ^= 1;
    expect(() => decodeCheckpoint(bytes)).toThrow(/checksum mismatch/);
  });
});


describe('models the image cannot run yet are refused at build time', () => {
  it('refuses the label-fed TESS rule with the projection and rule named', async () => {
    const { FirmwareBuildError, firmwareBlob } = await import('../../host/firmware/blob.js');
    const plan = planModel(loadModelSpec('nmnist-tess'));
    expect(() => firmwareBlob(plan)).toThrow(FirmwareBuildError);
    expect(() => firmwareBlob(plan)).toThrow(/plasticity rule "tess" is not supported in firmware images/);
  });

  it('refuses fixed-point int16 neurons', async () => {
    const { FirmwareBuildError, firmwareBlob } = await import('../../host/firmware/blob.js');
    const spec = validateSpec({
      version: 1, name: 'fixed', dtMs: 1,
      input: { width: 21, height: 1, polarity: 'merge' },
      populations: [{ name: 'fx', size: 19, neuron: { model: 'lif-i16', shiftMem: 4, shiftSyn: 2, threshold: 3000, reset: { mode: 'subtract' }, refractoryMs: 2 } }],
      projections: [{ from: 'input', to: 'fx', weights: { dtype: 'int16', init: { kind: 'uniform', low: -300, high: 1200 } } }],
      readout: { from: 'fx', classes: 2, rule: 'delta', learningRate: 0.1 },
    });
    expect(() => firmwareBlob(planModel(spec))).toThrow(FirmwareBuildError);
    expect(() => firmwareBlob(planModel(spec))).toThrow(/neuron model "lif-i16" is not supported in firmware images/);
  });
});
