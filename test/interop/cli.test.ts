/**
 * `neurite export` and `neurite import` as command objects (registered by host/cli/main.ts):
 * checkpoint -> ONNX files -> onnxruntime; checkpoint -> NIR -> spec + checkpoint with the same
 * learned state; clear errors for bad files and bad usage.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../host/cli/args.js';
import { exportCmd, importCmd, onnxSiblings } from '../../host/cli/interop-commands.js';
import { InteropError, UsageError } from '../../host/errors.js';
import { onnx } from '../../host/interop/onnx-builder.js';
import { readOnnxIo } from '../../host/interop/onnx-export.js';
import { createSession } from '../../host/interop/onnx-run.js';
import { FolderSource } from '../../host/learn/folder.js';
import { trainOnline } from '../../host/learn/online.js';
import { planModel } from '../../host/plan/plan.js';
import { loadCheckpoint, saveCheckpoint } from '../../host/runtime/checkpoint.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { sharedPath } from '../helpers/shared.js';

const trainDir = sharedPath('fixtures/nmnist-small/train');
const tmp = mkdtempSync(join(tmpdir(), 'neurite-interop-cli-'));

async function run(cmd: typeof exportCmd, argv: string[]): Promise<{ code: number; out: string }> {
  const { values, positional } = parseArgs('test', argv, cmd.flags);
  const lines: string[] = [];
  const code = await cmd.run(values, positional, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

describe.skipIf(!trainDir)('neurite export / import', () => {
  it('checkpoint -> ONNX (step, sequence, readout) and -> NIR -> spec + checkpoint', async () => {
    const source = FolderSource.open(trainDir!, `${trainDir}/labels.tsv`);
    const rt = new Runtime(planModel(loadModelSpec('nmnist-stdp-wta')));
    trainOnline(rt, source, Array.from({ length: 100 }, (_, i) => i));
    const ckpt = join(tmp, 'demo.nrt');
    saveCheckpoint(rt, ckpt);

    const onnxPath = join(tmp, 'demo.onnx');
    const e1 = await run(exportCmd, ['--checkpoint', ckpt, '--format', 'onnx', '--out', onnxPath, '--input', 'events', '--json']);
    expect(e1.code).toBe(0);
    const j1 = JSON.parse(e1.out);
    expect(j1.files).toHaveLength(3);
    const sib = onnxSiblings(onnxPath);
    for (const p of [onnxPath, sib.sequence, sib.readout]) expect(existsSync(p)).toBe(true);
    const step = readFileSync(onnxPath);
    const io = readOnnxIo(onnx.ModelProto.decode(step).metadataProps ?? [])!;
    expect(io).toMatchObject({ kind: 'step', mode: 'events', input: { name: 'input.events', size: 2312 } });
    const session = await createSession(step);
    expect(session.inputNames).toEqual(expect.arrayContaining(['input.events', 'hidden.v', 'hidden.I', 'hidden.refr', 'hidden.b']));
    expect(session.outputNames).toEqual(expect.arrayContaining(['hidden.spikes', 'hidden.v.next']));

    const nirPath = join(tmp, 'demo.nir');
    const e2 = await run(exportCmd, ['--checkpoint', ckpt, '--format', 'nir', '--out', nirPath]);
    expect(e2.code).toBe(0);
    expect(e2.out).toMatch(/as NIR: .*demo\.nir/);
    expect(e2.out).toMatch(/note: population "hidden": 3-winner-take-all/);

    const specPath = join(tmp, 'imported.json');
    const ckpt2 = join(tmp, 'imported.nrt');
    const i1 = await run(importCmd, [nirPath, '--out', specPath, '--checkpoint', ckpt2, '--json']);
    expect(i1.code).toBe(0);
    expect(JSON.parse(i1.out).warnings).toEqual([]);
    expect(JSON.parse(readFileSync(specPath, 'utf8'))).toEqual(rt.plan.spec);
    const back = loadCheckpoint(ckpt2);
    expect(Array.from(back.weightsF32('input->hidden'))).toEqual(Array.from(rt.weightsF32('input->hidden')));
    expect(Array.from(back.population('hidden').b)).toEqual(Array.from(rt.population('hidden').b));
    expect(Array.from(back.readoutWeights())).toEqual(Array.from(rt.readoutWeights()));

    // Without --checkpoint the command says where the weights went.
    const i2 = await run(importCmd, ['--in', nirPath, '--out', join(tmp, 'spec-only.json')]);
    expect(i2.out).toMatch(/give --checkpoint OUT/);
    back.dispose();
    rt.dispose();
  });

  it('bad files and bad usage', async () => {
    const bad = join(tmp, 'bad.nir');
    writeFileSync(bad, 'this is not HDF5');
    const err = await run(importCmd, [bad, '--out', join(tmp, 'x.json')]).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InteropError);
    expect((err as Error).message).toMatch(/bad\.nir: NIR: not an HDF5 file/);
    await expect(run(importCmd, ['--out', join(tmp, 'x.json')])).rejects.toThrow(UsageError);
    await expect(run(exportCmd, ['--model', 'nmnist-stdp-wta', '--format', 'tflite', '--out', join(tmp, 'x')])).rejects.toThrow(/--format must be onnx or nir/);
    await expect(run(exportCmd, ['--format', 'nir', '--out', join(tmp, 'x')])).rejects.toThrow(/exactly one of --checkpoint and --model/);
  });
});
