/**
 * `neurite build-firmware` and `neurite run-firmware`: the WASI firmware image (host/firmware,
 * firmware/). Same shape as the entries of the `commands` record in main.ts, which registers them.
 *
 * Note for main.ts: run-firmware takes the image as its one positional argument
 * (`neurite run-firmware model.wasm --input FILE`), so it belongs in main.ts's list of commands
 * that accept positionals; `--image FILE` is accepted as well.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { buildFirmware as buildImage } from '../firmware/build.js';
import { decodeStream } from '../firmware/framing.js';
import { inspectFirmwareImage } from '../firmware/image.js';
import { prepareStream } from '../firmware/input.js';
import { compareLearnedState, runReference, type StateComparison } from '../firmware/procedure.js';
import { runFirmwareImage } from '../firmware/run.js';
import { planModel } from '../plan/plan.js';
import { COUNTERS } from '../runtime/abi.js';
import { loadCheckpoint } from '../runtime/checkpoint.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { DEFAULT_NMNIST_MODEL, loadModelSpec } from '../spec/models.js';
import { formatBytes, pct } from '../report/format.js';
import type { FlagSpec } from './args.js';
import type { Command } from './firmware-commands.js';

function buildOf(v: unknown): KernelBuild {
  if (v === undefined) return 'simd';
  if (v === 'simd' || v === 'scalar') return v;
  throw new UsageError(`--build must be simd or scalar, got "${String(v)}"`);
}

export const buildFirmware: Command = {
  summary: 'build a standalone WASI firmware image (.wasm) that learns online from an event stream',
  usage: 'neurite build-firmware --model NAME_OR_SPEC --out model.wasm [--build simd|scalar] [--sample-events N] [--sample-steps N] [--checkpoint-every N] [--json]',
  flags: {
    model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_NMNIST_MODEL})` },
    out: { type: 'string', placeholder: 'FILE.wasm', help: 'where to write the image' },
    build: { type: 'string', placeholder: 'simd|scalar', help: 'kernel build inside the image (default simd)' },
    seed: { type: 'int', help: "seed of the weights and arena PRNG (default: the spec's)" },
    'sample-events': { type: 'int', placeholder: 'N', help: 'sample store capacity in kept events (default 32768)' },
    'sample-steps': { type: 'int', placeholder: 'N', help: 'sample store capacity in steps (default 4096)' },
    'checkpoint-every': { type: 'int', placeholder: 'N', help: "the image's default checkpoint interval in samples (default 100, 0 = at the end only)" },
    'emit-source': { type: 'string', placeholder: 'FILE.ts', help: 'also write the generated AssemblyScript entry module' },
    verify: { type: 'boolean', help: "check the image's start-up state against the in-process runtime (default on; --no-verify)" },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
  },
  async run(v, _p, out) {
    if (v.out === undefined) throw new UsageError('build-firmware: --out is required (the .wasm to write)');
    const base = loadModelSpec((v.model as string | undefined) ?? DEFAULT_NMNIST_MODEL);
    const spec = v.seed === undefined ? base : { ...base, seed: v.seed as number };
    const r = await buildImage({
      spec,
      out: String(v.out),
      build: buildOf(v.build),
      sampleEvents: v['sample-events'] as number | undefined,
      sampleSteps: v['sample-steps'] as number | undefined,
      checkpointEvery: v['checkpoint-every'] as number | undefined,
      emitSource: v['emit-source'] as string | undefined,
      verify: v.verify as boolean | undefined,
    });
    if (v.json) out(JSON.stringify(r));
    else {
      out(`built ${r.out} (${formatBytes(r.bytes)}): model "${r.model}", WASI command (_start), ${r.build} kernels, ${r.ops} ops per step`);
      out(`memory: ${r.pages} pages = ${formatBytes(r.memoryBytes)} fixed (static data ${formatBytes(r.heapBase)} + arena ${formatBytes(r.arenaBytes)} + driver buffers ${formatBytes(r.driverBytes)}; sample store ${r.sampleEvents} events / ${r.sampleSteps} steps)`);
      out(r.verified ? 'start-up state checked: identical to the in-process runtime (weights, neuron state, PRNG)' : 'start-up state not checked (--no-verify)');
      out(`run it: neurite run-firmware ${r.out} --input FILE [--checkpoint-dir DIR]   (docs/firmware-image.md)`);
    }
    return 0;
  },
};

const runFlags = {
  image: { type: 'string', placeholder: 'FILE.wasm', help: 'the image (or give it as the first argument)' },
  input: { type: 'string', placeholder: 'FILE|DIR', help: 'a .nevs stream, an N-MNIST .bin/.bs2 file, or a folder with labels' },
  labels: { type: 'string', placeholder: 'FILE.tsv', help: 'labels of a folder input (default DIR/labels.tsv)' },
  label: { type: 'int', placeholder: 'N', help: 'label of a single-file input (default: its parent folder name)' },
  limit: { type: 'int', placeholder: 'N', help: 'use the first N samples of a folder' },
  'checkpoint-dir': { type: 'string', placeholder: 'DIR', help: 'host folder preopened as /ckpt for checkpoints' },
  'checkpoint-every': { type: 'int', placeholder: 'N', help: "checkpoint every N samples (default: the image's)" },
  'checkpoint-name': { type: 'string', placeholder: 'NAME', help: 'checkpoint file name (default model.ckpt)' },
  'keep-checkpoints': { type: 'boolean', help: 'keep every periodic checkpoint as NAME.<samples>' },
  'input-mode': { type: 'string', placeholder: 'stdin|preopen', help: 'feed the stream on stdin (default) or as a preopened file' },
  'save-stream': { type: 'string', placeholder: 'FILE.nevs', help: 'also save the framed stream (to run the image under another runtime)' },
  verify: { type: 'boolean', help: 'also run the in-process runtime with the same procedure and compare the learned state bit for bit' },
  build: { type: 'string', placeholder: 'simd|scalar', help: 'kernel build of the in-process runtime for --verify (default simd)' },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
} satisfies Record<string, FlagSpec>;

function counterDiffs(fw: unknown, ref: Record<string, number>): string[] {
  if (!Array.isArray(fw)) return ['the image reported no counters'];
  const diffs: string[] = [];
  COUNTERS.forEach((c, i) => {
    if (fw[i] !== ref[c.key]) diffs.push(`${c.key}: image ${String(fw[i])}, runtime ${ref[c.key]}`);
  });
  return diffs;
}

export const runFirmware: Command = {
  summary: 'run a firmware image under node:wasi on an event file, learning online and writing checkpoints',
  usage: 'neurite run-firmware model.wasm --input FILE|DIR [--labels FILE.tsv] [--checkpoint-dir DIR] [--checkpoint-every N] [--verify] [--json]',
  flags: runFlags,
  async run(v, positional, out) {
    if (positional.length > 1) throw new UsageError(`run-firmware: unexpected argument "${positional[1]}"`);
    const image = (v.image as string | undefined) ?? positional[0];
    if (image === undefined) throw new UsageError('run-firmware: give the image (neurite run-firmware model.wasm --input FILE)');
    if (v.input === undefined) throw new UsageError('run-firmware: --input is required');
    const mode = (v['input-mode'] as string | undefined) ?? 'stdin';
    if (mode !== 'stdin' && mode !== 'preopen') throw new UsageError(`run-firmware: --input-mode must be stdin or preopen, got "${mode}"`);
    const info = inspectFirmwareImage(image);
    const tmp = mkdtempSync(join(tmpdir(), 'neurite-run-fw-'));
    try {
      const stream = prepareStream({
        input: String(v.input),
        labels: v.labels as string | undefined,
        label: v.label as number | undefined,
        limit: v.limit as number | undefined,
        width: info.header.width,
        height: info.header.height,
        labelLimit: info.header.labelLimit,
      }, join(tmp, 'input.nevs'));
      if (typeof v['save-stream'] === 'string') copyFileSync(stream.path, v['save-stream']);
      const verify = v.verify === true;
      let ckDir = v['checkpoint-dir'] as string | undefined;
      if (ckDir !== undefined) mkdirSync(ckDir, { recursive: true });
      else if (verify) ckDir = join(tmp, 'ckpt');
      if (ckDir !== undefined) mkdirSync(ckDir, { recursive: true });
      const name = (v['checkpoint-name'] as string | undefined) ?? 'model.ckpt';
      const r = runFirmwareImage({
        wasm: image,
        stream: stream.path,
        input: mode,
        checkpointDir: ckDir,
        checkpointEvery: v['checkpoint-every'] as number | undefined,
        checkpointName: v['checkpoint-name'] as string | undefined,
        keepCheckpoints: v['keep-checkpoints'] === true,
      });
      if (r.exitCode !== 0) {
        process.stderr.write(r.stderr);
        if (v.json) out(JSON.stringify({ image, exitCode: r.exitCode, error: r.stderr.trim(), start: r.start }));
        return r.exitCode;
      }
      const end: Record<string, unknown> = r.end ?? {};
      const samples = Number(end.samples ?? 0);
      const correct = Number(end.correct ?? 0);
      let verification: (StateComparison & { predictionsMatch: boolean; counterDifferences: string[] }) | null = null;
      if (verify) {
        const decoded = decodeStream(readFileSync(stream.path), stream.path, info.header.labelLimit);
        const ref = runReference(planModel(info.spec), decoded.samples, buildOf(v.build));
        const fromImage = loadCheckpoint(join(ckDir!, name), buildOf(v.build));
        const cmp = compareLearnedState(ref.rt, fromImage);
        const predictionsMatch = r.samples.length === ref.predictions.length && r.samples.every((s, i) => s.prediction === ref.predictions[i]);
        verification = { ...cmp, predictionsMatch, counterDifferences: counterDiffs(end.counters, ref.rt.counters()) };
      }
      const ok = verification === null || (verification.identical && verification.predictionsMatch && verification.counterDifferences.length === 0);
      if (v.json) {
        out(JSON.stringify({
          image, model: info.modelName, exitCode: r.exitCode, inputMode: mode, stream: { kind: stream.kind, bytes: stream.bytes },
          samples, correct, prequentialAccuracy: samples > 0 ? correct / samples : null, seconds: r.seconds,
          start: r.start, end: r.end, checkpoints: r.checkpoints, predictions: r.samples.map((s) => s.prediction), verify: verification,
        }));
      } else {
        out(`ran ${image} (model "${info.modelName}") under node:wasi: ${samples} samples, ${String(end.events ?? 0)} events, ${String(end.steps ?? 0)} steps in ${r.seconds.toFixed(2)} s`);
        out(`test-then-train accuracy ${samples > 0 ? pct(correct / samples) : 'n/a'} (${correct}/${samples}); memory ${formatBytes(info.memoryBytes)} fixed`);
        for (const c of r.checkpoints) out(`checkpoint after ${String(c.samples)} samples: ${ckDir}/${String(c.file).split('/').pop()} (${String(c.bytes)} bytes, crc32 ${String(c.crc32)})`);
        if (verification) {
          if (ok) out(`verified: the in-process runtime, same input and procedure, ends with bit-identical learned state (${verification.regions.length} regions, step count ${verification.stepCount.a}), the same ${samples} predictions and the same counters`);
          else {
            out('VERIFY FAILED: the image and the in-process runtime differ');
            for (const g of verification.regions.filter((x) => !x.identical)) out(`  ${g.name}: ${g.differingBytes} of ${g.bytes} bytes differ (first at ${g.firstDifference})`);
            if (!verification.predictionsMatch) out('  predictions differ');
            for (const d of verification.counterDifferences) out(`  counter ${d}`);
          }
        }
      }
      return ok ? 0 : 1;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
